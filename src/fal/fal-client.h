/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "fal-request.h"
#include "fal-stream.h"

G_BEGIN_DECLS

#define FAL_DEFAULT_QUEUE_URL "https://queue.fal.run"
#define FAL_DEFAULT_RUN_URL   "https://fal.run"
#define FAL_DEFAULT_REST_URL  "https://rest.fal.ai"
#define FAL_DEFAULT_WEB_URL   "https://fal.ai"
#define FAL_DEFAULT_API_URL   "https://api.fal.ai"

/* Caps on what a server sends back (FalClient properties of the same
 * names):
 * - max-json-size: bytes of one JSON answer, counted after decoding (a
 *   gzip bomb is cut at the cap); past it reading stops and the call
 *   fails with FAL_ERROR_PROTOCOL.
 * - max-download-size: bytes of one media download (streamed to disk).
 * - body-timeout: seconds to read one answer body whole, from its head
 *   on; a body that drips a byte every few seconds fails with
 *   FAL_ERROR_TIMEOUT instead of holding the call for ever. On the calls
 *   without a session timeout (results, media downloads), the wait for
 *   the head is bounded by it too; a synchronous run's is not (a model
 *   may compute for minutes: bound it with a GCancellable).
 * - stream-idle-timeout: seconds an event stream may stay silent (not
 *   even a keep-alive comment) before it counts as dead. */
#define FAL_DEFAULT_MAX_JSON_SIZE       (G_GUINT64_CONSTANT (64) * 1024 * 1024)
#define FAL_DEFAULT_MAX_DOWNLOAD_SIZE   (G_GUINT64_CONSTANT (2) * 1024 * 1024 * 1024)
#define FAL_DEFAULT_BODY_TIMEOUT        600
#define FAL_DEFAULT_STREAM_IDLE_TIMEOUT 300

typedef enum {
  FAL_KEY_SOURCE_NONE,
  FAL_KEY_SOURCE_ENVIRONMENT,      /* FAL_KEY, or FAL_KEY_ID + FAL_KEY_SECRET */
  FAL_KEY_SOURCE_SECRET_SERVICE,
  FAL_KEY_SOURCE_PROPERTY,         /* set by the program (a key typed in) */
} FalKeySource;

/* Options of a submit, run or stream; all optional. */
typedef struct {
  gboolean low_priority;           /* x-fal-queue-priority: low */
  const char *runner_hint;         /* x-fal-runner-hint */
  double start_timeout;            /* x-fal-request-timeout, seconds (> 1), 0 = none */
  const char * const *headers;     /* extra headers: name, value, …, NULL */
  const char *webhook_url;         /* fal_webhook on a queue submit (ignored by run and stream) */
} FalCallOptions;

/* The entry point of libfal: credentials, the fal hosts' base URLs, and
 * the HTTP sessions every call goes through. The key is only ever sent to
 * the queue, run, rest and api (Platform API) bases (or the configured
 * proxy), never to the web base, upload or file URLs. */
#define FAL_TYPE_CLIENT (fal_client_get_type ())
G_DECLARE_FINAL_TYPE (FalClient, fal_client, FAL, CLIENT, GObject)

/* Reads FAL_KEY / FAL_KEY_ID + FAL_KEY_SECRET and FALSTAFF_QUEUE_URL,
 * FALSTAFF_RUN_URL, FALSTAFF_REST_URL, FALSTAFF_WEB_URL, FALSTAFF_API_URL,
 * FALSTAFF_PROXY_URL, FALSTAFF_LOCAL_URL (all five bases under one local
 * server). */
FalClient    *fal_client_new                (void);

/* A key from the environment wins over one set here. */
void          fal_client_set_key            (FalClient    *self,
                                             const char   *key,
                                             FalKeySource  source);
gboolean      fal_client_has_key            (FalClient    *self);
FalKeySource  fal_client_get_key_source     (FalClient    *self);

const char   *fal_client_get_queue_url      (FalClient  *self);
const char   *fal_client_get_run_url        (FalClient  *self);
const char   *fal_client_get_rest_url       (FalClient  *self);
const char   *fal_client_get_web_url        (FalClient  *self);
/* The Platform API base: catalog and pricing. */
const char   *fal_client_get_api_url        (FalClient  *self);
const char   *fal_client_get_proxy_url      (FalClient  *self);
/* Points the five bases at one server in the local server's layout
 * (URL/queue, URL/run, URL/rest, URL/web, URL/api). */
void          fal_client_use_local_server   (FalClient  *self,
                                             const char *url);
guint         fal_client_get_poll_interval  (FalClient  *self);
void          fal_client_set_poll_interval  (FalClient  *self,
                                             guint       interval_ms);
/* Requests follow their status by polls only, never the status stream. */
gboolean      fal_client_get_poll_only      (FalClient  *self);
void          fal_client_set_poll_only      (FalClient  *self,
                                             gboolean    poll_only);

/* Queue: submits and returns at once a request that follows itself. Fails
 * at once only for an invalid endpoint id or an insecure base URL. */
FalRequest   *fal_client_submit             (FalClient            *self,
                                             const char           *endpoint_id,
                                             JsonNode             *input,
                                             const FalCallOptions *options,
                                             GError              **error);
/* Follows a request submitted earlier (by this or another process). */
FalRequest   *fal_client_attach             (FalClient            *self,
                                             const char           *endpoint_id,
                                             const char           *request_id,
                                             GError              **error);

/* One-shot queue calls (falctl status|result|cancel, and FalRequest). */
void          fal_client_status_async       (FalClient            *self,
                                             const char           *endpoint_id,
                                             const char           *request_id,
                                             gboolean              logs,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
JsonNode     *fal_client_status_finish      (FalClient            *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void          fal_client_result_async       (FalClient            *self,
                                             const char           *endpoint_id,
                                             const char           *request_id,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
JsonNode     *fal_client_result_finish      (FalClient            *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void          fal_client_cancel_async       (FalClient            *self,
                                             const char           *endpoint_id,
                                             const char           *request_id,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/* TRUE: accepted (202); FALSE with FAL_ERROR_APP and error type
 * "already_completed" when it was too late. */
gboolean      fal_client_cancel_finish      (FalClient            *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/* Synchronous run (fal.run): the output, and the request id. */
void          fal_client_run_async          (FalClient            *self,
                                             const char           *endpoint_id,
                                             JsonNode             *input,
                                             const FalCallOptions *options,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
JsonNode     *fal_client_run_finish         (FalClient            *self,
                                             GAsyncResult         *result,
                                             char                **request_id,
                                             GError              **error);

/* Streaming run (fal.run/…/stream): starts at once. */
FalStream    *fal_client_stream             (FalClient            *self,
                                             const char           *endpoint_id,
                                             JsonNode             *input,
                                             const FalCallOptions *options,
                                             GError              **error);

/* Downloads url (result media, a file URL) into destination, streamed,
 * never with the key: within max-download-size and body-timeout,
 * following redirects only to https or to plain http on this machine.
 * A download that fails leaves no file behind. */
void          fal_client_download_async     (FalClient            *self,
                                             const char           *url,
                                             GFile                *destination,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean      fal_client_download_finish    (FalClient            *self,
                                             GAsyncResult         *result,
                                             guint64              *size,
                                             GError              **error);

/* Whether plain http may go to host: "localhost", or an address literal
 * in 127.0.0.0/8 or ::1 (with or without brackets). A name that only
 * starts with "127." (127.attacker.example) is not this machine. */
gboolean      fal_host_is_loopback          (const char *host);
/* The rule for every fetch and redirect: https anywhere, plain http only
 * to this machine (fal_host_is_loopback()). */
gboolean      fal_uri_is_secure             (GUri       *uri);

/* Reads the body of an answer the caller sent for (soup_session_send)
 * within max_size bytes, counted after decoding (a Content-Length past it
 * is refused before reading), and timeout_seconds from now (0: none): the
 * bytes, or FAL_ERROR_PROTOCOL (error type "answer_too_large") or
 * FAL_ERROR_TIMEOUT ("body_timeout"). For a program's own keyless fetches
 * (media it shows) that must stay bounded as libfal's calls are. The
 * stream is closed either way. */
void          fal_read_body_async           (SoupMessage          *msg,
                                             GInputStream         *body,
                                             guint64               max_size,
                                             guint                 timeout_seconds,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GBytes       *fal_read_body_finish          (GAsyncResult         *result,
                                             GError              **error);

/* For a session of the caller's that fetches media without the key:
 * every message it sends follows redirects only to https or to this
 * machine; a hop to plain http elsewhere is not made, and the message
 * ends with its 3xx. */
void          fal_session_guard_redirects   (SoupSession *session);

G_END_DECLS
