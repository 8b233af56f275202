/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the server's role files: the instance, one routed request
 * (FalLocalCall) and the ways to answer it, and the route handlers. */

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

#include "fal-local-connections.h"
#include "fal-local-faults.h"
#include "fal-local-queue.h"
#include "fal-local-raw.h"
#include "fal-local-request-log.h"
#include "fal-local-server.h"
#include "fal-local-storage.h"
#include "fal-local-tokens.h"
#include "fal-local-webhook.h"

G_BEGIN_DECLS

/* JSON bodies nested deeper than this get 422 json_invalid. */
#define MAX_JSON_DEPTH 256
/* JSON bodies above this get 413; uploads go to /cdn and have no limit. */
#define MAX_JSON_BODY (32 * 1024 * 1024)
/* A chunked body past MAX_JSON_BODY is no longer kept; past this the
 * connection is cut instead of read on. */
#define MAX_CHUNKED_BODY (64 * 1024 * 1024)
/* /stream events are never closer together than this. */
#define STREAM_MIN_INTERVAL_MS 100

struct _FalLocalServer
{
  GObject parent_instance;

  /* Options, set before start. */
  guint port;
  char *key;
  double speed;
  guint runners;
  guint keepalive_ms;
  gboolean fixed_clock;
  guint job_sequence;
  char *data_dir;
  char *public_url;
  guint sync_mode_limit;
  guint max_connections;     /* 0: from the fd limit */
  guint idle_timeout_ms;
  guint max_kept_requests;
  guint max_client_backlog;
  guint64 memory_files;      /* bytes of small stored files kept in memory */

  /* The server thread and what lives on it. */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GMutex mutex;
  GCond cond;
  gboolean ready;
  GError *start_error;

  SoupServer *soup;
  FalLocalConnections *connections;
  char *url;
  guint bound_port;
  gboolean own_data_dir;
  FalLocalStorage *storage;
  FalLocalQueue *queue;
  FalLocalFaults *faults;
  FalLocalRequestLog *request_log;
  FalLocalTokens *tokens;
  FalLocalWebhook *webhook;
};

/* One request as routed: the fal host it was meant for (from the path
 * prefix or the proxy's x-fal-target-url), its path below that host, and
 * its fault, if any. */
typedef struct {
  gatomicrefcount ref_count;
  FalLocalServer *server;
  SoupServerMessage *msg;
  char *method;
  char *path;            /* canonical: /queue/fal-ai/fast-sdxl */
  GHashTable *query;
  char *raw_query;       /* as sent: repeated parameters are all here */
  FalLocalFault *fault;
  guint64 log_id;
  char *request_id;      /* echoed as x-fal-request-id */
  gboolean answered_raw;
  gboolean detached;     /* the message no longer owns the call */
} FalLocalCall;

FalLocalCall * fal_local_call_ref (FalLocalCall *call);

void fal_local_call_unref (FalLocalCall *call);

const char * fal_local_call_query (FalLocalCall       *call,
            const char *name);

void fal_local_call_log_status (FalLocalCall  *call,
                 guint  status);

char * fal_local_json_to_text (JsonNode *node,
                gsize    *length);

GBytes * fal_local_malformed_json (const char *text,
                gsize       length);

void fal_local_call_respond_bytes (FalLocalCall       *call,
               guint       status,
               const char *content_type,
               GBytes     *bytes);

void fal_local_call_respond_json (FalLocalCall     *call,
              guint     status,
              JsonNode *body);

/* JSON already written (text, taken). */
void fal_local_call_respond_json_text (FalLocalCall *call,
                                       guint         status,
                                       char         *text,
                                       gsize         length);

void fal_local_call_respond_object (FalLocalCall       *call,
                guint       status,
                JsonObject *object);

void fal_local_call_respond_detail (FalLocalCall       *call,
                guint       status,
                const char *detail);

void fal_local_call_respond_status_word (FalLocalCall       *call,
                     guint       status,
                     const char *word);

void fal_local_call_respond_field_errors (FalLocalCall      *call,
                      JsonArray *errors);

void fal_local_call_respond_fault_status (FalLocalCall *call);

gboolean fal_local_call_check_auth (FalLocalCall *call);

/* The key, or a temporary token (?fal_jwt_token= or Authorization:
 * Bearer) issued for this app (owner/alias); FALSE after answering 401. */
gboolean fal_local_call_check_auth_for_app (FalLocalCall *call,
                                            const char   *app_id);

gboolean fal_local_call_check_method (FalLocalCall       *call,
              const char *method);

gboolean fal_local_call_parse_body (FalLocalCall      *call,
                   JsonNode **out);

void fal_local_sse_write_event (FalLocalRaw *raw,
                 FalLocalCall        *call,
                 JsonNode    *node);

void fal_local_sse_write_event_text (FalLocalRaw  *raw,
                                     FalLocalCall *call,
                                     const char   *text,
                                     gsize         length);

SoupMessageHeaders * fal_local_call_sse_headers (FalLocalCall *call);

void fal_local_server_route_queue (FalLocalCall       *call,
             const char *rest);

void fal_local_server_route_run (FalLocalCall       *call,
           const char *rest);

void fal_local_server_route_rest (FalLocalCall       *call,
            const char *rest);

/* fal-local-limits.c */
gboolean fal_local_limits_check_early  (FalLocalServer    *self,
                                        SoupServerMessage *msg,
                                        const char        *path,
                                        const char        *route);
gboolean fal_local_limits_body_refused (SoupServerMessage *msg);

void fal_local_server_early_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data);

void fal_local_server_route_cdn (FalLocalCall       *call,
           const char *rest);

/* The Platform API (api.fal.ai): /api/v1/models, …/pricing, …/estimate. */
void fal_local_server_route_api (FalLocalCall *call,
                                 const char   *rest);

/* A paused message is not read from: a client that hangs up goes
 * unnoticed until the answer is written. This watches the socket. */
typedef void (*FalLocalHangupFunc) (gpointer data);
GSource *fal_local_call_watch_hangup (FalLocalCall       *call,
                                      FalLocalHangupFunc  func,
                                      gpointer            data);

/* The path and query a proxy-form request is meant for. */
gboolean fal_local_target_resolve (const char  *target,
                                   char       **path,
                                   char       **query);

/* The lifetime a lifecycle header (x-fal-object-lifecycle[-preference])
 * asks for, scaled by the speed, µs (0: none asked); FALSE after
 * answering 400 to a header that does not parse. */
gboolean fal_local_call_object_lifetime (FalLocalCall *call,
                                         const char   *header,
                                         gint64       *lifetime);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalLocalCall, fal_local_call_unref)

G_END_DECLS
