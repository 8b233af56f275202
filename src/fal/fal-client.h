/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "fal-call-options.h"
#include "fal-request.h"
#include "fal-stream.h"

G_BEGIN_DECLS

/**
 * FAL_DEFAULT_QUEUE_URL:
 *
 * fal's queue base.
 */
#define FAL_DEFAULT_QUEUE_URL "https://queue.fal.run"
/**
 * FAL_DEFAULT_RUN_URL:
 *
 * fal's base for synchronous and streaming runs.
 */
#define FAL_DEFAULT_RUN_URL   "https://fal.run"
/**
 * FAL_DEFAULT_REST_URL:
 *
 * fal's REST base (storage).
 */
#define FAL_DEFAULT_REST_URL  "https://rest.fal.ai"
/**
 * FAL_DEFAULT_WEB_URL:
 *
 * fal's web base (OpenAPI documents), never sent the key.
 */
#define FAL_DEFAULT_WEB_URL   "https://fal.ai"
/**
 * FAL_DEFAULT_API_URL:
 *
 * fal's Platform API base (catalog and pricing).
 */
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
/**
 * FAL_DEFAULT_MAX_JSON_SIZE:
 *
 * The default of #FalClient:max-json-size: 64 MiB.
 */
#define FAL_DEFAULT_MAX_JSON_SIZE       (G_GUINT64_CONSTANT (64) * 1024 * 1024)
/**
 * FAL_DEFAULT_MAX_DOWNLOAD_SIZE:
 *
 * The default of #FalClient:max-download-size: 2 GiB.
 */
#define FAL_DEFAULT_MAX_DOWNLOAD_SIZE   (G_GUINT64_CONSTANT (2) * 1024 * 1024 * 1024)
/**
 * FAL_DEFAULT_BODY_TIMEOUT:
 *
 * The default of #FalClient:body-timeout, in seconds.
 */
#define FAL_DEFAULT_BODY_TIMEOUT        600
/**
 * FAL_DEFAULT_STREAM_IDLE_TIMEOUT:
 *
 * The default of #FalClient:stream-idle-timeout, in seconds.
 */
#define FAL_DEFAULT_STREAM_IDLE_TIMEOUT 300

/**
 * FalKeySource:
 * @FAL_KEY_SOURCE_NONE: no key
 * @FAL_KEY_SOURCE_ENVIRONMENT: `FAL_KEY`, or `FAL_KEY_ID` and `FAL_KEY_SECRET`
 * @FAL_KEY_SOURCE_SECRET_SERVICE: the key stored in the Secret Service
 * @FAL_KEY_SOURCE_PROPERTY: set by the program (a key typed in)
 *
 * Where a client's key came from.
 */
typedef enum {
  FAL_KEY_SOURCE_NONE,
  FAL_KEY_SOURCE_ENVIRONMENT,
  FAL_KEY_SOURCE_SECRET_SERVICE,
  FAL_KEY_SOURCE_PROPERTY,
} FalKeySource;

/**
 * FalClient:
 *
 * The entry point of libfal: credentials, the fal hosts' base URLs, and
 * the HTTP sessions every call goes through. The key is only ever sent to
 * the queue, run, rest and api (Platform API) bases (or the configured
 * proxy), never to the web base, upload or file URLs.
 */
#define FAL_TYPE_CLIENT (fal_client_get_type ())
G_DECLARE_FINAL_TYPE (FalClient, fal_client, FAL, CLIENT, GObject)

/**
 * fal_client_new:
 *
 * A client configured from the environment: `FAL_KEY` (or `FAL_KEY_ID`
 * and `FAL_KEY_SECRET`), and `FALSTAFF_QUEUE_URL`, `FALSTAFF_RUN_URL`,
 * `FALSTAFF_REST_URL`, `FALSTAFF_WEB_URL`, `FALSTAFF_API_URL`,
 * `FALSTAFF_PROXY_URL`, `FALSTAFF_LOCAL_URL` (all five bases under one
 * local server).
 *
 * Returns: (transfer full): a new client
 */
FalClient    *fal_client_new                (void);

/**
 * fal_client_set_key:
 * @self: a client
 * @key: (nullable): the fal key, or %NULL to drop it
 * @source: where it came from
 *
 * Sets the key. A key from the environment wins over one set here.
 */
void          fal_client_set_key            (FalClient    *self,
                                             const char   *key,
                                             FalKeySource  source);
/**
 * fal_client_has_key:
 * @self: a client
 *
 * Returns: whether the client has a key
 */
gboolean      fal_client_has_key            (FalClient    *self);
/**
 * fal_client_get_key_source:
 * @self: a client
 *
 * Returns: where the key came from
 */
FalKeySource  fal_client_get_key_source     (FalClient    *self);

/**
 * fal_client_get_queue_url:
 * @self: a client
 *
 * Returns: (transfer none): the queue base
 */
const char   *fal_client_get_queue_url      (FalClient  *self);
/**
 * fal_client_get_run_url:
 * @self: a client
 *
 * Returns: (transfer none): the base of synchronous and streaming runs
 */
const char   *fal_client_get_run_url        (FalClient  *self);
/**
 * fal_client_get_rest_url:
 * @self: a client
 *
 * Returns: (transfer none): the REST base (storage)
 */
const char   *fal_client_get_rest_url       (FalClient  *self);
/**
 * fal_client_get_web_url:
 * @self: a client
 *
 * Returns: (transfer none): the web base (OpenAPI documents)
 */
const char   *fal_client_get_web_url        (FalClient  *self);
/**
 * fal_client_get_api_url:
 * @self: a client
 *
 * Returns: (transfer none): the Platform API base: catalog and pricing
 */
const char   *fal_client_get_api_url        (FalClient  *self);
/**
 * fal_client_get_proxy_url:
 * @self: a client
 *
 * Returns: (transfer none) (nullable): the proxy every keyed call goes
 *   through, or %NULL
 */
const char   *fal_client_get_proxy_url      (FalClient  *self);
/**
 * fal_client_use_local_server:
 * @self: a client
 * @url: the local server's base URL
 *
 * Points the five bases at one server in the local server's layout
 * (URL/queue, URL/run, URL/rest, URL/web, URL/api).
 */
void          fal_client_use_local_server   (FalClient  *self,
                                             const char *url);
/**
 * fal_client_get_poll_interval:
 * @self: a client
 *
 * Returns: how often a request polls its status when it cannot stream, in ms
 */
guint         fal_client_get_poll_interval  (FalClient  *self);
/**
 * fal_client_set_poll_interval:
 * @self: a client
 * @interval_ms: how often to poll, in ms (10 to 60000)
 */
void          fal_client_set_poll_interval  (FalClient  *self,
                                             guint       interval_ms);
/**
 * fal_client_get_poll_only:
 * @self: a client
 *
 * Returns: %TRUE when requests follow their status by polls only, never
 *   the status stream
 */
gboolean      fal_client_get_poll_only      (FalClient  *self);
/**
 * fal_client_set_poll_only:
 * @self: a client
 * @poll_only: %TRUE to follow requests by polling their status only
 *
 * Chooses how a #FalRequest follows its status: by default it listens to
 * fal's status stream and polls only while the stream fails; with
 * @poll_only it asks for the status every #FalClient:poll-interval and
 * never opens the stream. A request already following keeps its way until
 * it next opens the stream or polls.
 */
void          fal_client_set_poll_only      (FalClient  *self,
                                             gboolean    poll_only);

/**
 * fal_client_submit:
 * @self: a client
 * @endpoint_id: the endpoint, such as "fal-ai/flux/dev"
 * @input: the input, a JSON object
 * @options: (nullable): options of the call
 * @error: return location for an error
 *
 * Submits to the queue and returns at once a request that follows
 * itself. Fails at once only for an invalid endpoint id or an insecure
 * base URL; every other failure ends the request (#FalRequest::finished).
 *
 * Returns: (transfer full): the request, or %NULL with @error set
 */
FalRequest   *fal_client_submit             (FalClient            *self,
                                             const char           *endpoint_id,
                                             JsonNode             *input,
                                             const FalCallOptions *options,
                                             GError              **error);
/**
 * fal_client_attach:
 * @self: a client
 * @endpoint_id: the endpoint the request was submitted to
 * @request_id: its request id
 * @error: return location for an error
 *
 * Follows a request submitted earlier (by this or another process).
 *
 * Returns: (transfer full): the request, or %NULL with @error set
 */
FalRequest   *fal_client_attach             (FalClient            *self,
                                             const char           *endpoint_id,
                                             const char           *request_id,
                                             GError              **error);

/**
 * fal_client_status_async:
 * @self: a client
 * @endpoint_id: the endpoint
 * @request_id: the request
 * @logs: whether to ask for the logs too
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the answer is in
 * @user_data: (closure): data for @callback
 *
 * Asks the queue once for a request's status.
 */
void          fal_client_status_async       (FalClient            *self,
                                             const char           *endpoint_id,
                                             const char           *request_id,
                                             gboolean              logs,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/**
 * fal_client_status_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the status answer (a JSON object), or %NULL
 *   with @error set
 */
JsonNode     *fal_client_status_finish      (FalClient            *self,
                                             GAsyncResult         *result,
                                             GError              **error);
/**
 * fal_client_result_async:
 * @self: a client
 * @endpoint_id: the endpoint
 * @request_id: the request
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the answer is in
 * @user_data: (closure): data for @callback
 *
 * Fetches the result of a completed request.
 */
void          fal_client_result_async       (FalClient            *self,
                                             const char           *endpoint_id,
                                             const char           *request_id,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/**
 * fal_client_result_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the output, or %NULL with @error set
 */
JsonNode     *fal_client_result_finish      (FalClient            *self,
                                             GAsyncResult         *result,
                                             GError              **error);
/**
 * fal_client_cancel_async:
 * @self: a client
 * @endpoint_id: the endpoint
 * @request_id: the request
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the answer is in
 * @user_data: (closure): data for @callback
 *
 * Asks fal to cancel a queued or running request.
 */
void          fal_client_cancel_async       (FalClient            *self,
                                             const char           *endpoint_id,
                                             const char           *request_id,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/**
 * fal_client_cancel_finish:
 * @self: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE when fal accepted (202); %FALSE with %FAL_ERROR_APP and
 *   error type "already_completed" when it was too late, or another error
 */
gboolean      fal_client_cancel_finish      (FalClient            *self,
                                             GAsyncResult         *result,
                                             GError              **error);

/**
 * fal_client_run_async:
 * @self: a client
 * @endpoint_id: the endpoint
 * @input: the input, a JSON object
 * @options: (nullable): options of the call
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the output
 * @user_data: (closure): data for @callback
 *
 * A synchronous run (fal.run): one call that answers with the output.
 */
void          fal_client_run_async          (FalClient            *self,
                                             const char           *endpoint_id,
                                             JsonNode             *input,
                                             const FalCallOptions *options,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/**
 * fal_client_run_finish:
 * @self: a client
 * @result: the result given to the callback
 * @request_id: (out) (optional) (nullable) (transfer full): the request id
 *   fal gave the run, also on failure when fal named one
 * @error: return location for an error
 *
 * Returns: (transfer full): the output, or %NULL with @error set
 */
JsonNode     *fal_client_run_finish         (FalClient            *self,
                                             GAsyncResult         *result,
                                             char                **request_id,
                                             GError              **error);

/**
 * fal_client_stream:
 * @self: a client
 * @endpoint_id: the endpoint
 * @input: the input, a JSON object
 * @options: (nullable): options of the call
 * @error: return location for an error
 *
 * A streaming run (fal.run/…/stream); it starts at once.
 *
 * Returns: (transfer full): the stream, or %NULL with @error set
 */
FalStream    *fal_client_stream             (FalClient            *self,
                                             const char           *endpoint_id,
                                             JsonNode             *input,
                                             const FalCallOptions *options,
                                             GError              **error);

/**
 * fal_client_download_async:
 * @self: a client
 * @url: the media or file URL
 * @destination: where to write it
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once written
 * @user_data: (closure): data for @callback
 *
 * Downloads @url into @destination, streamed, never with the key: within
 * #FalClient:max-download-size and #FalClient:body-timeout, following
 * redirects only to https or to plain http on this machine. A download
 * that fails leaves no file behind.
 */
void          fal_client_download_async     (FalClient            *self,
                                             const char           *url,
                                             GFile                *destination,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/**
 * fal_client_download_finish:
 * @self: a client
 * @result: the result given to the callback
 * @size: (out) (optional): the bytes written
 * @error: return location for an error
 *
 * Returns: whether the file was written whole
 */
gboolean      fal_client_download_finish    (FalClient            *self,
                                             GAsyncResult         *result,
                                             guint64              *size,
                                             GError              **error);

/**
 * fal_host_is_loopback:
 * @host: a host name or address literal
 *
 * Whether plain http may go to @host: "localhost", or an address literal
 * in 127.0.0.0/8 or ::1 (with or without brackets). A name that only
 * starts with "127." (127.attacker.example) is not this machine.
 *
 * Returns: whether @host is this machine
 */
gboolean      fal_host_is_loopback          (const char *host);
/**
 * fal_uri_is_secure:
 * @uri: a URI
 *
 * The rule for every fetch and redirect: https anywhere, plain http only
 * to this machine (fal_host_is_loopback()).
 *
 * Returns: whether libfal would fetch @uri
 */
gboolean      fal_uri_is_secure             (GUri       *uri);

/**
 * fal_read_body_async:
 * @msg: the message the body answers
 * @body: the body stream, from soup_session_send()
 * @max_size: the cap in bytes, counted after decoding
 * @timeout_seconds: the deadline from now, or 0 for none
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the bytes
 * @user_data: (closure): data for @callback
 *
 * Reads the body of an answer the caller sent for (soup_session_send())
 * within @max_size bytes (a Content-Length past it is refused before
 * reading) and @timeout_seconds: for a program's own keyless fetches
 * (media it shows) that must stay bounded as libfal's calls are. The
 * stream is closed either way.
 */
void          fal_read_body_async           (SoupMessage          *msg,
                                             GInputStream         *body,
                                             guint64               max_size,
                                             guint                 timeout_seconds,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
/**
 * fal_read_body_finish:
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the bytes, or %NULL with %FAL_ERROR_PROTOCOL
 *   (error type "answer_too_large"), %FAL_ERROR_TIMEOUT ("body_timeout")
 *   or another error
 */
GBytes       *fal_read_body_finish          (GAsyncResult         *result,
                                             GError              **error);

/**
 * fal_session_guard_redirects:
 * @session: a session of the caller's that fetches media without the key
 *
 * Makes every message @session sends follow redirects only to https or
 * to this machine; a hop to plain http elsewhere is not made, and the
 * message ends with its 3xx.
 */
void          fal_session_guard_redirects   (SoupSession *session);

G_END_DECLS
