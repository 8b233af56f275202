/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "fal-local-endpoints.h"
#include "fal-local-faults.h"
#include "fal-local-job.h"
#include "fal-local-openapi.h"
#include "fal-local-queue.h"
#include "fal-local-sources.h"
#include "fal-local-raw.h"
#include "fal-local-request-log.h"
#include "fal-local-server.h"
#include "fal-local-storage.h"

/* JSON bodies above this get 413; uploads go to /cdn and have no limit. */
#define MAX_JSON_BODY (32 * 1024 * 1024)
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
  char *data_dir;

  /* The server thread and what lives on it. */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GMutex mutex;
  GCond cond;
  gboolean ready;
  GError *start_error;

  SoupServer *soup;
  char *url;
  guint bound_port;
  gboolean own_data_dir;
  FalLocalStorage *storage;
  FalLocalQueue *queue;
  FalLocalFaults *faults;
  FalLocalRequestLog *request_log;
};

G_DEFINE_FINAL_TYPE (FalLocalServer, fal_local_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PORT,
  PROP_KEY,
  PROP_SPEED,
  PROP_RUNNERS,
  PROP_KEEPALIVE_INTERVAL,
  PROP_DATA_DIR,
  PROP_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------ calls */

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
  FalLocalFault *fault;
  guint64 log_id;
  char *request_id;      /* echoed as x-fal-request-id */
  gboolean answered_raw;
} Call;

static Call *
call_ref (Call *call)
{
  g_atomic_ref_count_inc (&call->ref_count);
  return call;
}

static void
call_unref (Call *call)
{
  if (!g_atomic_ref_count_dec (&call->ref_count))
    return;
  g_free (call->method);
  g_free (call->path);
  g_clear_pointer (&call->query, g_hash_table_unref);
  g_clear_pointer (&call->fault, fal_local_fault_free);
  g_free (call->request_id);
  g_object_unref (call->msg);
  g_free (call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Call, call_unref)

static const char *
call_query (Call       *call,
            const char *name)
{
  return call->query ? g_hash_table_lookup (call->query, name) : NULL;
}

static void
call_log_status (Call  *call,
                 guint  status)
{
  fal_local_request_log_set_status (call->server->request_log, call->log_id, status);
}

/* ------------------------------------------------------------------ answers */

static char *
node_to_text (JsonNode *node,
                gsize    *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, length);
}

/* Bytes that no JSON parser takes, json-glib 1.6's lenient one included:
 * the start of the real body, then a string that never closes. */
static GBytes *
malformed_json (const char *text,
                gsize       length)
{
  g_autoptr(GString) broken = g_string_new_len (text, MIN (length, (gsize) 24));

  g_string_append (broken, "\"\x01<<malformed by the local server>>");
  return g_string_free_to_bytes (g_steal_pointer (&broken));
}

static void
respond_bytes (Call       *call,
               guint       status,
               const char *content_type,
               GBytes     *bytes)
{
  FalLocalFault *fault = call->fault;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);

  if (call->request_id)
    soup_message_headers_replace (headers, "x-fal-request-id", call->request_id);

  if (fault && (fault->drop_bytes >= 0 || fault->truncate_bytes >= 0))
    {
      g_autoptr(FalLocalRaw) raw = NULL;
      gsize length = g_bytes_get_size (bytes);
      gsize cut;

      soup_message_headers_replace (headers, "Content-Type", content_type);
      if (fault->truncate_bytes >= 0)
        {
          g_autofree char *full = g_strdup_printf ("%" G_GSIZE_FORMAT, length);
          soup_message_headers_replace (headers, "Content-Length", full);
          cut = MIN ((gsize) fault->truncate_bytes, length ? length - 1 : 0);
        }
      else
        {
          soup_message_headers_replace (headers, "Transfer-Encoding", "chunked");
          cut = MIN ((gsize) fault->drop_bytes, length);
        }
      call_log_status (call, status);
      call->answered_raw = TRUE;
      raw = fal_local_raw_new (call->msg, status, headers);
      if (fault->truncate_bytes >= 0)
        fal_local_raw_write (raw, g_bytes_get_data (bytes, NULL), cut);
      else
        fal_local_raw_write_chunk (raw, g_bytes_get_data (bytes, NULL), cut);
      fal_local_raw_finish (raw, TRUE);
      return;
    }

  soup_server_message_set_status (call->msg, status, NULL);
  soup_server_message_set_response (call->msg, content_type, SOUP_MEMORY_COPY,
                                    g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
respond_json (Call     *call,
              guint     status,
              JsonNode *body)
{
  gsize length = 0;
  g_autofree char *text = node_to_text (body, &length);
  g_autoptr(GBytes) bytes = NULL;

  if (call->fault && call->fault->malformed)
    bytes = malformed_json (text, length);
  else
    bytes = g_bytes_new_take (g_steal_pointer (&text), length);
  respond_bytes (call, status, "application/json", bytes);
}

static void
respond_object (Call       *call,
                guint       status,
                JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  respond_json (call, status, node);
}

static void
respond_detail (Call       *call,
                guint       status,
                const char *detail)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "detail", detail);
  respond_object (call, status, object);
}

static void
respond_status_word (Call       *call,
                     guint       status,
                     const char *word)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "status", word);
  respond_object (call, status, object);
}

static void
respond_field_errors (Call      *call,
                      JsonArray *errors)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_array_member (object, "detail", json_array_ref (errors));
  respond_object (call, 422, object);
}

/* A fault's own answer: the status, its headers, and a fal-shaped body. */
static void
respond_fault_status (Call *call)
{
  FalLocalFault *fault = call->fault;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);

  if (fault->retry_after)
    soup_message_headers_replace (headers, "Retry-After", fault->retry_after);
  if (fault->timeout_user)
    soup_message_headers_replace (headers, "X-Fal-Request-Timeout-Type", "user");
  if (fault->error_type)
    soup_message_headers_replace (headers, "X-Fal-Error-Type", fault->error_type);
  if (fault->with_request_id && call->request_id == NULL)
    call->request_id = g_uuid_string_random ();

  if (fault->body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (fault->body, strlen (fault->body));
      respond_bytes (call, fault->status, "application/json", bytes);
    }
  else
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autofree char *detail = g_strdup_printf ("Fault injected by the local server: HTTP %u", fault->status);

      json_object_set_string_member (object, "detail", detail);
      if (fault->error_type)
        json_object_set_string_member (object, "error_type", fault->error_type);
      respond_object (call, fault->status, object);
    }
}

/* ------------------------------------------------------------------ helpers */

static gboolean
check_auth (Call *call)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  const char *value = soup_message_headers_get_one (headers, "Authorization");

  if (value == NULL)
    {
      respond_detail (call, 401, "Missing Authorization header: expected 'Key <key_id>:<key_secret>'");
      return FALSE;
    }
  if (!g_str_has_prefix (value, "Key ") || strchr (value + 4, ':') == NULL)
    {
      respond_detail (call, 401, "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'.");
      return FALSE;
    }
  if (g_strcmp0 (value + 4, call->server->key) != 0)
    {
      respond_detail (call, 401, "No user found for Key ID and Secret");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_method (Call       *call,
              const char *method)
{
  if (g_str_equal (call->method, method))
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (call->msg), "Allow", method);
  respond_detail (call, 405, "Method Not Allowed");
  return FALSE;
}

/* The request body as a JSON object; an empty body is {}. FALSE after
 * answering 422, as FastAPI does for JSON it cannot decode. */
static gboolean
parse_body_object (Call      *call,
                   JsonNode **out)
{
  SoupMessageBody *body = soup_server_message_get_request_body (call->msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (body->length == 0)
    {
      *out = json_node_init_object (json_node_alloc (), json_object_new ());
      return TRUE;
    }

  if (!json_parser_load_from_data (parser, body->data, body->length, &error) ||
      (root = json_parser_get_root (parser)) == NULL)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *detail = json_array_new ();
      JsonObject *entry = json_object_new ();
      JsonArray *loc = json_array_new ();

      json_array_add_string_element (loc, "body");
      json_object_set_array_member (entry, "loc", loc);
      json_object_set_string_member (entry, "msg", error ? error->message : "Empty JSON document");
      json_object_set_string_member (entry, "type", "json_invalid");
      json_array_add_object_element (detail, entry);
      json_object_set_array_member (object, "detail", detail);
      respond_object (call, 422, object);
      return FALSE;
    }

  *out = json_node_ref (root);
  return TRUE;
}

static char *
app_id_of (const char *endpoint_id)
{
  g_auto(GStrv) parts = g_strsplit (endpoint_id, "/", -1);
  guint n = g_strv_length (parts);
  guint keep = (n > 0 && (g_str_equal (parts[0], "workflows") || g_str_equal (parts[0], "comfy"))) ? 3 : 2;

  if (n <= keep)
    return g_strdup (endpoint_id);
  g_free (parts[keep]);
  parts[keep] = NULL;
  return g_strjoinv ("/", parts);
}

static JsonObject *
queue_status_object (FalLocalServer *self,
                     FalLocalJob    *job,
                     int             from_log)
{
  JsonObject *object = fal_local_job_status_object (job, from_log);
  g_autofree char *response_url = g_strdup_printf ("%s/queue/%s/requests/%s", self->url,
                                                   fal_local_job_get_app_id (job),
                                                   fal_local_job_get_id (job));
  g_autofree char *status_url = g_strconcat (response_url, "/status", NULL);
  g_autofree char *cancel_url = g_strconcat (response_url, "/cancel", NULL);

  json_object_set_string_member (object, "response_url", response_url);
  json_object_set_string_member (object, "status_url", status_url);
  json_object_set_string_member (object, "cancel_url", cancel_url);
  return object;
}

static gboolean
wants_logs (Call *call)
{
  const char *logs = call_query (call, "logs");

  return logs && (g_str_equal (logs, "1") || g_ascii_strcasecmp (logs, "true") == 0);
}

/* Validates a submit/run body and makes its job; FALSE after answering. */
static FalLocalJob *
job_from_request (Call            *call,
                  const char      *endpoint_id,
                  FalLocalJobMode  mode)
{
  FalLocalServer *self = call->server;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  const FalLocalEndpoint *endpoint = fal_local_endpoints_lookup (endpoint_id);
  const char *priority = soup_message_headers_get_one (headers, "x-fal-queue-priority");
  const char *timeout = soup_message_headers_get_one (headers, "x-fal-request-timeout");
  g_autoptr(JsonNode) input = NULL;
  g_autoptr(JsonArray) errors = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_id = NULL;
  FalLocalJobPriority job_priority = FAL_LOCAL_JOB_PRIORITY_NORMAL;
  FalLocalJob *job;

  if (endpoint == NULL)
    {
      g_autofree char *detail = g_strdup_printf ("Application '%s' not found", endpoint_id);
      respond_detail (call, 404, detail);
      return NULL;
    }
  if (!parse_body_object (call, &input))
    return NULL;

  errors = fal_local_openapi_validate (endpoint_id, input, &error);
  if (errors == NULL && error != NULL)
    {
      respond_detail (call, 500, error->message);
      return NULL;
    }
  if (errors == NULL)
    errors = fal_local_endpoint_check (endpoint, json_node_get_object (input));
  if (errors != NULL)
    {
      respond_field_errors (call, errors);
      return NULL;
    }

  if (priority && g_ascii_strcasecmp (priority, "low") == 0)
    job_priority = FAL_LOCAL_JOB_PRIORITY_LOW;
  else if (priority && g_ascii_strcasecmp (priority, "normal") != 0)
    {
      respond_detail (call, 400, "x-fal-queue-priority must be 'normal' or 'low'");
      return NULL;
    }

  app_id = app_id_of (endpoint_id);
  job = fal_local_job_new (endpoint_id, app_id, input, mode, job_priority);

  if (timeout)
    {
      char *end = NULL;
      double seconds = g_ascii_strtod (timeout, &end);

      if (end == timeout || *end != '\0' || seconds <= 0)
        {
          g_object_unref (job);
          respond_detail (call, 400, "x-fal-request-timeout must be a number of seconds");
          return NULL;
        }
      /* A start deadline, on the timeline's clock like everything else. */
      fal_local_job_set_start_deadline (job, g_get_monotonic_time () +
                                        (gint64) (seconds * G_USEC_PER_SEC / self->speed));
    }

  if (call->fault)
    {
      fal_local_job_set_log_flood (job, call->fault->log_flood);
      if (call->fault->fail_status)
        fal_local_job_set_planned_failure (job, call->fault->fail_status, call->fault->fail_error_type);
    }

  call->request_id = g_strdup (fal_local_job_get_id (job));
  return job;
}

static void
set_result_headers (Call        *call,
                    FalLocalJob *job)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);
  const char *error_type = fal_local_job_get_error_type (job);

  g_free (call->request_id);
  call->request_id = g_strdup (fal_local_job_get_id (job));
  if (error_type)
    soup_message_headers_replace (headers, "X-Fal-Error-Type", error_type);
  if (fal_local_job_get_result_status (job) == 504 && g_strcmp0 (error_type, "request_timeout") == 0)
    soup_message_headers_replace (headers, "X-Fal-Request-Timeout-Type", "user");
}

/* ------------------------------------------------------------------ status stream */

typedef struct {
  Call *call;
  FalLocalJob *job;
  FalLocalRaw *raw;
  gboolean logs;
  guint logs_sent;
  guint events_sent;
  FalLocalJobState last_state;
  guint last_position;
  gulong changed_handler;
  gulong closed_handler;
  guint idle;
  guint keepalive;
} StatusStream;

static void
status_stream_free (StatusStream *stream)
{
  g_clear_signal_handler (&stream->changed_handler, stream->job);
  g_clear_signal_handler (&stream->closed_handler, stream->raw);
  fal_local_clear_source (&stream->idle);
  fal_local_clear_source (&stream->keepalive);
  g_clear_object (&stream->job);
  g_clear_object (&stream->raw);
  call_unref (stream->call);
  g_free (stream);
}

static void
sse_write_event (FalLocalRaw *raw,
                 Call        *call,
                 JsonNode    *node)
{
  gsize length = 0;
  g_autofree char *text = node_to_text (node, &length);
  g_autoptr(GString) event = g_string_new ("data: ");

  if (call->fault && call->fault->malformed)
    {
      g_autoptr(GBytes) broken = malformed_json (text, length);
      g_string_append_len (event, g_bytes_get_data (broken, NULL), g_bytes_get_size (broken));
    }
  else
    g_string_append_len (event, text, length);
  g_string_append (event, "\n\n");
  fal_local_raw_write_chunk (raw, event->str, event->len);
}

/* Sends what is new since the last event; ends after COMPLETED, or where a
 * fault says. */
static void
status_stream_send (StatusStream *stream)
{
  FalLocalServer *self = stream->call->server;
  FalLocalFault *fault = stream->call->fault;
  FalLocalJobState state = fal_local_job_get_state (stream->job);
  guint position = fal_local_job_get_queue_position (stream->job);
  guint n_logs = fal_local_job_get_n_logs (stream->job);
  g_autoptr(JsonNode) node = NULL;

  if (stream->events_sent > 0 && state == stream->last_state &&
      position == stream->last_position && (!stream->logs || n_logs == stream->logs_sent))
    return;

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, queue_status_object (self, stream->job,
                                                    stream->logs ? (int) stream->logs_sent : -1));
  sse_write_event (stream->raw, stream->call, node);
  stream->events_sent++;
  stream->logs_sent = n_logs;
  stream->last_state = state;
  stream->last_position = position;

  if (fault && fault->drop_after_events >= 0 && stream->events_sent >= (guint) fault->drop_after_events)
    fal_local_raw_finish (stream->raw, TRUE);
  else if (fault && fault->end_after_events >= 0 && stream->events_sent >= (guint) fault->end_after_events)
    fal_local_raw_finish (stream->raw, FALSE);
  else if (state == FAL_LOCAL_JOB_COMPLETED)
    fal_local_raw_finish (stream->raw, FALSE);
}

static gboolean
status_stream_idle_cb (gpointer data)
{
  StatusStream *stream = data;

  stream->idle = 0;
  status_stream_send (stream);
  return G_SOURCE_REMOVE;
}

/* A flood of log lines comes as one event per main-loop turn. */
static void
status_stream_changed_cb (FalLocalJob  *job,
                          StatusStream *stream)
{
  if (stream->idle == 0)
    stream->idle = fal_local_idle_add (status_stream_idle_cb, stream);
}

static gboolean
status_stream_keepalive_cb (gpointer data)
{
  StatusStream *stream = data;
  static const char comment[] = ": keep-alive\n\n";

  fal_local_raw_write_chunk (stream->raw, comment, sizeof comment - 1);
  return G_SOURCE_CONTINUE;
}

static void
status_stream_closed_cb (FalLocalRaw  *raw,
                         StatusStream *stream)
{
  status_stream_free (stream);
}

static SoupMessageHeaders *
sse_headers (Call *call)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);

  soup_message_headers_replace (headers, "Content-Type", "text/event-stream");
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "Transfer-Encoding", "chunked");
  if (call->request_id)
    soup_message_headers_replace (headers, "x-fal-request-id", call->request_id);
  return headers;
}

static void
serve_status_stream (Call        *call,
                     FalLocalJob *job)
{
  FalLocalServer *self = call->server;
  StatusStream *stream = g_new0 (StatusStream, 1);

  call->request_id = g_strdup (fal_local_job_get_id (job));
  stream->call = call_ref (call);
  stream->job = g_object_ref (job);
  stream->logs = wants_logs (call);
  call_log_status (call, 200);
  call->answered_raw = TRUE;
  stream->raw = fal_local_raw_new (call->msg, 200, sse_headers (call));
  stream->changed_handler = g_signal_connect (job, "changed", G_CALLBACK (status_stream_changed_cb), stream);
  stream->closed_handler = g_signal_connect (stream->raw, "closed", G_CALLBACK (status_stream_closed_cb), stream);
  if (self->keepalive_ms > 0)
    stream->keepalive = fal_local_timeout_add (self->keepalive_ms, status_stream_keepalive_cb, stream);
  status_stream_send (stream);
}

/* ------------------------------------------------------------------ sync run */

typedef struct {
  Call *call;
  FalLocalJob *job;
  gulong changed_handler;
  gulong finished_handler;
} SyncRun;

static void
sync_run_free (SyncRun *run)
{
  g_clear_signal_handler (&run->changed_handler, run->job);
  g_clear_signal_handler (&run->finished_handler, run->call->msg);
  g_clear_object (&run->job);
  call_unref (run->call);
  g_free (run);
}

static void
sync_run_changed_cb (FalLocalJob *job,
                     SyncRun     *run)
{
  if (fal_local_job_get_state (job) != FAL_LOCAL_JOB_COMPLETED)
    return;

  set_result_headers (run->call, job);
  respond_json (run->call, fal_local_job_get_result_status (job), fal_local_job_get_result (job));
  if (!run->call->answered_raw)
    soup_server_message_unpause (run->call->msg);
  sync_run_free (run);
}

/* The caller hung up: a direct call is cancelled, as on fal. */
static void
sync_run_finished_cb (SoupServerMessage *msg,
                      SyncRun           *run)
{
  fal_local_queue_cancel (run->call->server->queue, run->job);
  sync_run_free (run);
}

static void
serve_sync_run (Call       *call,
                const char *endpoint_id)
{
  FalLocalServer *self = call->server;
  g_autoptr(FalLocalJob) job = job_from_request (call, endpoint_id, FAL_LOCAL_JOB_MODE_RUN);
  SyncRun *run;

  if (job == NULL)
    return;

  run = g_new0 (SyncRun, 1);
  run->call = call_ref (call);
  run->job = g_object_ref (job);
  run->changed_handler = g_signal_connect (job, "changed", G_CALLBACK (sync_run_changed_cb), run);
  run->finished_handler = g_signal_connect (call->msg, "finished", G_CALLBACK (sync_run_finished_cb), run);
  soup_server_message_pause (call->msg);
  fal_local_queue_submit (self->queue, job);
}

/* ------------------------------------------------------------------ /stream */

typedef struct {
  Call *call;
  FalLocalJob *job;
  FalLocalRaw *raw;
  GPtrArray *events;
  guint next_event;
  guint interval_ms;
  guint timer;
  gulong changed_handler;
  gulong finished_handler;
  gulong closed_handler;
  gboolean done;
} StreamRun;

static void
stream_run_free (StreamRun *run)
{
  g_clear_signal_handler (&run->changed_handler, run->job);
  if (run->raw == NULL)
    g_clear_signal_handler (&run->finished_handler, run->call->msg);
  g_clear_signal_handler (&run->closed_handler, run->raw);
  fal_local_clear_source (&run->timer);
  g_clear_pointer (&run->events, g_ptr_array_unref);
  g_clear_object (&run->raw);
  g_clear_object (&run->job);
  call_unref (run->call);
  g_free (run);
}

static void stream_run_schedule (StreamRun *run);

static void
stream_run_closed_cb (FalLocalRaw *raw,
                      StreamRun   *run)
{
  if (fal_local_job_get_state (run->job) != FAL_LOCAL_JOB_COMPLETED)
    fal_local_queue_cancel (run->call->server->queue, run->job);
  stream_run_free (run);
}

/* Headers go with the first event, so that a failure before it is still
 * an ordinary HTTP error. */
static void
stream_run_begin (StreamRun *run)
{
  if (run->raw)
    return;
  g_clear_signal_handler (&run->finished_handler, run->call->msg);
  call_log_status (run->call, 200);
  run->call->answered_raw = TRUE;
  run->raw = fal_local_raw_new (run->call->msg, 200, sse_headers (run->call));
  run->closed_handler = g_signal_connect (run->raw, "closed", G_CALLBACK (stream_run_closed_cb), run);
  soup_server_message_unpause (run->call->msg);
}

static void
stream_run_error_event (StreamRun  *run,
                        const char *message,
                        const char *error_type,
                        JsonNode   *detail)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "error", message);
  json_object_set_string_member (object, "error_type", error_type);
  if (detail)
    json_object_set_member (object, "detail", json_node_copy (detail));
  json_node_set_object (node, object);
  stream_run_begin (run);
  sse_write_event (run->raw, run->call, node);
  fal_local_raw_finish (run->raw, FALSE);
  run->done = TRUE;
}

/* Returns FALSE once the stream has ended. */
static gboolean
stream_run_step (StreamRun *run)
{
  FalLocalFault *fault = run->call->fault;
  FalLocalJob *job = run->job;
  gboolean completed = fal_local_job_get_state (job) == FAL_LOCAL_JOB_COMPLETED;
  JsonNode *event;

  if (run->done)
    return FALSE;

  if (completed && fal_local_job_get_failed (job))
    {
      if (run->raw == NULL)
        {
          /* Nothing sent yet: the plain HTTP error. */
          set_result_headers (run->call, job);
          g_clear_signal_handler (&run->finished_handler, run->call->msg);
          respond_json (run->call, fal_local_job_get_result_status (job), fal_local_job_get_result (job));
          if (!run->call->answered_raw)
            soup_server_message_unpause (run->call->msg);
          run->done = TRUE;
          return FALSE;
        }
      stream_run_error_event (run, fal_local_job_get_error (job), fal_local_job_get_error_type (job),
                              fal_local_job_get_result (job));
      return FALSE;
    }

  if (run->events == NULL)
    {
      JsonNode *output = completed ? fal_local_job_get_result (job) : fal_local_job_get_output (job);

      if (output == NULL)
        return TRUE;   /* still computing */
      run->events = fal_local_endpoint_stream_events (fal_local_endpoints_lookup (fal_local_job_get_endpoint_id (job)),
                                                      output);
    }

  /* The last event is the result: it waits for the run to end. */
  if (run->next_event + 1 >= run->events->len && !completed)
    return TRUE;

  if (fault && fault->error_event_after >= 0 && run->next_event >= (guint) fault->error_event_after)
    {
      stream_run_error_event (run, "Stream error (a fault injected by the local server)", "internal_error", NULL);
      return FALSE;
    }

  stream_run_begin (run);
  event = g_ptr_array_index (run->events, run->next_event++);
  sse_write_event (run->raw, run->call, event);

  if (fault && fault->drop_after_events >= 0 && run->next_event >= (guint) fault->drop_after_events)
    {
      fal_local_raw_finish (run->raw, TRUE);
      run->done = TRUE;
      return FALSE;
    }
  if (run->next_event >= run->events->len)
    {
      fal_local_raw_finish (run->raw, FALSE);
      run->done = TRUE;
      return FALSE;
    }
  return TRUE;
}

static gboolean
stream_run_tick_cb (gpointer data)
{
  StreamRun *run = data;

  run->timer = 0;
  if (stream_run_step (run))
    stream_run_schedule (run);
  else if (run->raw == NULL)
    stream_run_free (run);   /* answered without a stream */
  return G_SOURCE_REMOVE;
}

static void
stream_run_schedule (StreamRun *run)
{
  if (run->timer == 0)
    run->timer = fal_local_timeout_add (run->interval_ms, stream_run_tick_cb, run);
}

static void
stream_run_changed_cb (FalLocalJob *job,
                       StreamRun   *run)
{
  /* Completion (success or failure) is picked up by the next tick. */
  stream_run_schedule (run);
}

static void
stream_run_finished_cb (SoupServerMessage *msg,
                        StreamRun         *run)
{
  /* The client left before the first event. */
  run->finished_handler = 0;
  fal_local_queue_cancel (run->call->server->queue, run->job);
  g_clear_signal_handler (&run->changed_handler, run->job);
  fal_local_clear_source (&run->timer);
  if (!run->done)
    stream_run_free (run);
}

static void
serve_stream_run (Call       *call,
                  const char *endpoint_id)
{
  FalLocalServer *self = call->server;
  g_autoptr(FalLocalJob) job = job_from_request (call, endpoint_id, FAL_LOCAL_JOB_MODE_STREAM);
  StreamRun *run;

  if (job == NULL)
    return;

  if (call->fault && call->fault->non_sse)
    {
      /* What an endpoint streaming raw bytes sends: no events at all. */
      static const char noise[] = "\x89PNG\r\n\x1a\nthis is not an event stream";
      g_autoptr(GBytes) bytes = g_bytes_new_static (noise, sizeof noise - 1);

      respond_bytes (call, 200, "application/octet-stream", bytes);
      return;
    }

  run = g_new0 (StreamRun, 1);
  run->call = call_ref (call);
  run->job = g_object_ref (job);
  /* About a dozen events over the run, never closer than 100 ms. */
  run->interval_ms = MAX (STREAM_MIN_INTERVAL_MS, fal_local_queue_get_run_ms (self->queue, job) / 12);
  run->changed_handler = g_signal_connect (job, "changed", G_CALLBACK (stream_run_changed_cb), run);
  run->finished_handler = g_signal_connect (call->msg, "finished", G_CALLBACK (stream_run_finished_cb), run);
  soup_server_message_pause (call->msg);
  fal_local_queue_submit (self->queue, job);
}

/* ------------------------------------------------------------------ routes */

static void
route_queue (Call       *call,
             const char *rest)
{
  FalLocalServer *self = call->server;
  g_auto(GStrv) segments = g_strsplit (rest, "/", -1);
  guint n = g_strv_length (segments);
  guint requests_at = 0;
  gboolean namespaced;
  g_autofree char *app_id = NULL;
  g_autofree char *tail = NULL;
  FalLocalJob *job;

  if (!check_auth (call))
    return;

  for (guint i = 2; i + 1 < n; i++)
    if (g_str_equal (segments[i], "requests"))
      {
        requests_at = i;
        break;
      }

  if (requests_at == 0)
    {
      g_autoptr(FalLocalJob) submitted = NULL;
      g_autoptr(JsonObject) body = NULL;

      if (!check_method (call, "POST"))
        return;
      submitted = job_from_request (call, rest, FAL_LOCAL_JOB_MODE_QUEUE);
      if (submitted == NULL)
        return;
      fal_local_queue_submit (self->queue, submitted);
      body = queue_status_object (self, submitted, -1);
      json_object_remove_member (body, "logs");
      respond_object (call, 200, body);
      return;
    }

  namespaced = g_str_equal (segments[0], "workflows") || g_str_equal (segments[0], "comfy");
  if (requests_at != (namespaced ? 3u : 2u))
    {
      /* The real service refuses status/result paths that keep the
       * endpoint's sub-path. */
      respond_detail (call, 405, "Method Not Allowed: use the owner/alias path for requests");
      return;
    }

  segments[requests_at] = (g_free (segments[requests_at]), NULL);
  app_id = g_strjoinv ("/", segments);
  segments[requests_at] = g_strdup ("requests");
  tail = requests_at + 2 < n ? g_strjoinv ("/", segments + requests_at + 2) : g_strdup ("");

  job = fal_local_queue_lookup (self->queue, segments[requests_at + 1]);
  if (job && (fal_local_job_get_mode (job) != FAL_LOCAL_JOB_MODE_QUEUE ||
              !g_str_equal (fal_local_job_get_app_id (job), app_id)))
    job = NULL;

  if (g_str_equal (tail, "status"))
    {
      g_autoptr(JsonObject) body = NULL;

      if (!check_method (call, "GET"))
        return;
      if (job == NULL)
        {
          respond_status_word (call, 404, "NOT_FOUND");
          return;
        }
      body = queue_status_object (self, job, wants_logs (call) ? 0 : -1);
      respond_object (call, fal_local_job_get_state (job) == FAL_LOCAL_JOB_COMPLETED ? 200 : 202, body);
    }
  else if (g_str_equal (tail, "status/stream"))
    {
      if (!check_method (call, "GET"))
        return;
      if (job == NULL)
        respond_status_word (call, 404, "NOT_FOUND");
      else
        serve_status_stream (call, job);
    }
  else if (g_str_equal (tail, "cancel"))
    {
      if (!check_method (call, "PUT"))
        return;
      if (job == NULL)
        respond_status_word (call, 404, "NOT_FOUND");
      else if (fal_local_queue_cancel (self->queue, job) == FAL_LOCAL_CANCEL_ALREADY_COMPLETED)
        respond_status_word (call, 400, "ALREADY_COMPLETED");
      else
        respond_status_word (call, 202, "CANCELLATION_REQUESTED");
    }
  else if (*tail == '\0')
    {
      if (!check_method (call, "GET"))
        return;
      if (job == NULL)
        respond_status_word (call, 404, "NOT_FOUND");
      else if (fal_local_job_get_state (job) != FAL_LOCAL_JOB_COMPLETED)
        respond_detail (call, 400, "Request is still in progress");
      else
        {
          set_result_headers (call, job);
          respond_json (call, fal_local_job_get_result_status (job), fal_local_job_get_result (job));
        }
    }
  else
    respond_detail (call, 404, "Not Found");
}

static void
route_run (Call       *call,
           const char *rest)
{
  if (!check_auth (call) || !check_method (call, "POST"))
    return;

  if (g_str_has_suffix (rest, "/stream"))
    {
      g_autofree char *endpoint_id = g_strndup (rest, strlen (rest) - strlen ("/stream"));

      if (fal_local_endpoints_lookup (endpoint_id))
        {
          serve_stream_run (call, endpoint_id);
          return;
        }
    }
  serve_sync_run (call, rest);
}

/* A file name as the CDN keeps it: no directories, nothing hidden. */
static char *
clean_file_name (const char *name)
{
  g_autofree char *base = g_path_get_basename (name && *name ? name : "upload.bin");
  char *clean = g_strdelimit (g_strdup (base), "/\\?#%\"<>", '_');

  if (*clean == '.' || *clean == '\0')
    {
      char *prefixed = g_strconcat ("file", clean, NULL);
      g_free (clean);
      return prefixed;
    }
  return clean;
}

static void
route_rest (Call       *call,
            const char *rest)
{
  FalLocalServer *self = call->server;
  gboolean multipart = g_str_equal (rest, "storage/upload/initiate-multipart");

  if (multipart || g_str_equal (rest, "storage/upload/initiate"))
    {
      g_autoptr(JsonNode) body = NULL;
      g_autoptr(JsonObject) answer = json_object_new ();
      g_autofree char *file_id = NULL;
      g_autofree char *token = NULL;
      g_autofree char *file_name = NULL;
      g_autofree char *upload_url = NULL;
      g_autofree char *file_url = NULL;
      const char *content_type = NULL;
      const char *name = NULL;

      if (!check_auth (call) || !check_method (call, "POST") || !parse_body_object (call, &body))
        return;
      if (JSON_NODE_HOLDS_OBJECT (body))
        {
          JsonObject *object = json_node_get_object (body);
          JsonNode *member;

          if ((member = json_object_get_member (object, "content_type")) && JSON_NODE_HOLDS_VALUE (member) &&
              json_node_get_value_type (member) == G_TYPE_STRING)
            content_type = json_node_get_string (member);
          if ((member = json_object_get_member (object, "file_name")) && JSON_NODE_HOLDS_VALUE (member) &&
              json_node_get_value_type (member) == G_TYPE_STRING)
            name = json_node_get_string (member);
        }
      file_name = clean_file_name (name);
      token = fal_local_storage_initiate (self->storage, content_type, file_name, multipart, &file_id);
      upload_url = g_strdup_printf ("%s/cdn/%s/%s?X-Local-Signature=%s", self->url,
                                    multipart ? "multipart" : "upload", token, token);
      file_url = fal_local_file_url (self->url, file_id, file_name);
      json_object_set_string_member (answer, "upload_url", upload_url);
      json_object_set_string_member (answer, "file_url", file_url);
      respond_object (call, 200, answer);
    }
  else if (g_str_equal (rest, "tokens/") || g_str_equal (rest, "tokens"))
    {
      g_autoptr(JsonNode) token = json_node_new (JSON_NODE_VALUE);
      g_autofree char *random = g_uuid_string_random ();
      g_autofree char *jwt = g_strdup_printf ("eyJhbGciOiJub25lIn0.%s.local", random);

      if (!check_auth (call) || !check_method (call, "POST"))
        return;
      json_node_set_string (token, jwt);
      respond_json (call, 201, token);
    }
  else
    respond_detail (call, 404, "Not Found");
}

/* ------------------------------------------------------------------ uploads */

/* An upload PUT's body goes to disk as it arrives, never held whole. */
typedef struct {
  FalLocalStorage *storage;
  char *token;
  guint part;
  GOutputStream *out;
  gboolean failed;
} PutSink;

static void
put_sink_free (gpointer data)
{
  PutSink *sink = data;

  if (sink->out)
    {
      g_output_stream_close (sink->out, NULL, NULL);
      /* Not finished by the handler: the client left mid-body. */
      fal_local_storage_finish_put (sink->storage, sink->token, sink->part, FALSE, NULL, NULL, NULL);
    }
  g_clear_object (&sink->out);
  g_object_unref (sink->storage);
  g_free (sink->token);
  g_free (sink);
}

static void
put_got_chunk_cb (SoupServerMessage *msg,
                  GBytes            *chunk,
                  PutSink           *sink)
{
  if (sink->failed || sink->out == NULL)
    return;
  if (!g_output_stream_write_all (sink->out, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk),
                                  NULL, NULL, NULL))
    sink->failed = TRUE;
}

/* Parses cdn/upload/TOKEN and cdn/multipart/TOKEN/N. */
static gboolean
parse_upload_path (const char  *path,
                   char       **token,
                   guint       *part,
                   gboolean    *multipart)
{
  g_auto(GStrv) segments = NULL;
  guint n;

  if (!g_str_has_prefix (path, "/cdn/"))
    return FALSE;
  segments = g_strsplit (path + strlen ("/cdn/"), "/", -1);
  n = g_strv_length (segments);
  if (n == 2 && g_str_equal (segments[0], "upload"))
    {
      *token = g_strdup (segments[1]);
      *part = 0;
      *multipart = FALSE;
      return TRUE;
    }
  if (n == 3 && g_str_equal (segments[0], "multipart"))
    {
      guint64 number = 0;

      if (!g_ascii_string_to_unsigned (segments[2], 10, 1, 10000, &number, NULL))
        return FALSE;
      *token = g_strdup (segments[1]);
      *part = (guint) number;
      *multipart = TRUE;
      return TRUE;
    }
  return FALSE;
}

static void
early_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  FalLocalServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *token = NULL;
  guint part = 0;
  gboolean multipart = FALSE;
  g_autoptr(GError) error = NULL;
  PutSink *sink;

  if (!g_str_equal (soup_server_message_get_method (msg), "PUT") ||
      !parse_upload_path (path, &token, &part, &multipart))
    {
      if (soup_message_headers_get_content_length (headers) > MAX_JSON_BODY &&
          !g_str_has_prefix (path, "/cdn/"))
        soup_server_message_set_status (msg, 413, NULL);
      return;
    }

  if (!fal_local_storage_has_upload (self->storage, token, multipart))
    return;   /* the handler answers 404 */

  sink = g_new0 (PutSink, 1);
  sink->storage = g_object_ref (self->storage);
  sink->token = g_steal_pointer (&token);
  sink->part = part;
  sink->out = fal_local_storage_begin_put (self->storage, sink->token, part, &error);
  if (sink->out == NULL)
    g_warning ("Cannot store an upload: %s", error->message);

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (put_got_chunk_cb), sink);
  g_object_set_data_full (G_OBJECT (msg), "fal-local-put-sink", sink, put_sink_free);
}

static void
finish_upload_put (Call       *call,
                   const char *path)
{
  FalLocalServer *self = call->server;
  PutSink *sink = g_object_get_data (G_OBJECT (call->msg), "fal-local-put-sink");
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  g_autoptr(GError) error = NULL;
  g_autofree char *etag = NULL;
  g_autoptr(GOutputStream) out = NULL;
  gboolean ok;

  if (sink == NULL || sink->out == NULL)
    {
      respond_detail (call, 404, "Unknown upload URL");
      return;
    }

  out = g_steal_pointer (&sink->out);
  ok = g_output_stream_close (out, NULL, &error) && !sink->failed;
  if (!fal_local_storage_finish_put (self->storage, sink->token, sink->part, ok,
                                     soup_message_headers_get_content_type (headers, NULL),
                                     &etag, ok ? &error : NULL) || !ok)
    {
      respond_detail (call, 500, error ? error->message : "Cannot store the upload");
      return;
    }

  if (sink->part == 0)
    {
      soup_server_message_set_status (call->msg, 200, NULL);
      return;
    }
  else
    {
      g_autoptr(JsonObject) answer = json_object_new ();
      g_autofree char *quoted = g_strdup_printf ("\"%s\"", etag);

      soup_message_headers_replace (soup_server_message_get_response_headers (call->msg), "ETag", quoted);
      json_object_set_int_member (answer, "partNumber", sink->part);
      json_object_set_string_member (answer, "etag", etag);
      respond_object (call, 200, answer);
    }
}

typedef struct {
  FalLocalStorage *storage;
  char *token;
  GArray *numbers;
  GPtrArray *etags;
} Complete;

static void
complete_free (gpointer data)
{
  Complete *complete = data;

  g_object_unref (complete->storage);
  g_free (complete->token);
  g_array_unref (complete->numbers);
  g_ptr_array_unref (complete->etags);
  g_free (complete);
}

static void
complete_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Complete *complete = task_data;
  GError *error = NULL;
  char *file_id = NULL;

  if (fal_local_storage_complete_multipart (complete->storage, complete->token,
                                            (const guint *) complete->numbers->data,
                                            (const char **) complete->etags->pdata,
                                            complete->numbers->len, &file_id, &error))
    g_task_return_pointer (task, file_id, g_free);
  else
    g_task_return_error (task, error);
}

static void
complete_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(Call) call = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *file_id = g_task_propagate_pointer (G_TASK (result), &error);

  if (file_id == NULL)
    respond_detail (call, 400, error->message);
  else
    {
      g_autoptr(FalLocalFile) file = fal_local_storage_lookup (call->server->storage, file_id);
      g_autofree char *url = fal_local_file_url (call->server->url, file_id, file->file_name);
      g_autoptr(JsonObject) answer = json_object_new ();

      json_object_set_string_member (answer, "file_url", url);
      respond_object (call, 200, answer);
    }
  soup_server_message_unpause (call->msg);
}

static void
complete_multipart (Call       *call,
                    const char *token)
{
  FalLocalServer *self = call->server;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GTask) task = NULL;
  JsonArray *parts = NULL;
  Complete *complete;

  if (!parse_body_object (call, &body))
    return;
  if (JSON_NODE_HOLDS_OBJECT (body) && json_object_has_member (json_node_get_object (body), "parts"))
    {
      JsonNode *node = json_object_get_member (json_node_get_object (body), "parts");
      parts = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
    }
  if (parts == NULL || json_array_get_length (parts) == 0)
    {
      respond_detail (call, 400, "Expected {\"parts\": [{\"partNumber\": n, \"etag\": \"…\"}, …]}");
      return;
    }

  complete = g_new0 (Complete, 1);
  complete->storage = g_object_ref (self->storage);
  complete->token = g_strdup (token);
  complete->numbers = g_array_new (FALSE, FALSE, sizeof (guint));
  complete->etags = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      JsonNode *element = json_array_get_element (parts, i);
      JsonObject *part = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      JsonNode *number = part ? json_object_get_member (part, "partNumber") : NULL;
      JsonNode *etag = part ? json_object_get_member (part, "etag") : NULL;
      guint value;

      if (number == NULL || !JSON_NODE_HOLDS_VALUE (number) || json_node_get_value_type (number) != G_TYPE_INT64)
        {
          complete_free (complete);
          respond_detail (call, 400, "Every part needs an integer partNumber");
          return;
        }
      value = (guint) json_node_get_int (number);
      g_array_append_val (complete->numbers, value);
      g_ptr_array_add (complete->etags,
                       etag && JSON_NODE_HOLDS_VALUE (etag) && json_node_get_value_type (etag) == G_TYPE_STRING
                       ? g_strdup (json_node_get_string (etag)) : NULL);
    }

  /* Joining 100 MiB of parts is disk work: off the server's thread. */
  soup_server_message_pause (call->msg);
  task = g_task_new (NULL, NULL, complete_cb, call_ref (call));
  g_task_set_task_data (task, complete, complete_free);
  g_task_run_in_thread (task, complete_thread);
}

static void
serve_file (Call       *call,
            const char *file_id)
{
  g_autoptr(FalLocalFile) file = fal_local_storage_lookup (call->server->storage, file_id);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  if (file == NULL)
    {
      respond_detail (call, 404, "File not found");
      return;
    }
  bytes = fal_local_storage_read (call->server->storage, file_id, &error);
  if (bytes == NULL)
    {
      respond_detail (call, 500, error->message);
      return;
    }
  soup_message_headers_replace (soup_server_message_get_response_headers (call->msg),
                                "Cache-Control", "public, max-age=31536000, immutable");
  respond_bytes (call, 200, file->content_type, bytes);
}

static void
route_cdn (Call       *call,
           const char *rest)
{
  g_auto(GStrv) segments = g_strsplit (rest, "/", -1);
  guint n = g_strv_length (segments);
  g_autofree char *token = NULL;
  guint part = 0;
  gboolean multipart = FALSE;

  if (n >= 2 && g_str_equal (segments[0], "files"))
    {
      if (g_str_equal (call->method, "GET") || g_str_equal (call->method, "HEAD"))
        serve_file (call, segments[1]);
      else
        check_method (call, "GET");
    }
  else if (n == 3 && g_str_equal (segments[0], "multipart") && g_str_equal (segments[2], "complete"))
    {
      if (!check_method (call, "POST"))
        return;
      if (!fal_local_storage_has_upload (call->server->storage, segments[1], TRUE))
        respond_detail (call, 404, "Unknown upload URL");
      else
        complete_multipart (call, segments[1]);
    }
  else if (parse_upload_path (call->path, &token, &part, &multipart))
    {
      if (check_method (call, "PUT"))
        finish_upload_put (call, call->path);
    }
  else
    respond_detail (call, 404, "Not Found");
}

static void
route_web (Call       *call,
           const char *rest)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (call->msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);
  const char *endpoint_id = call_query (call, "endpoint_id");
  g_autoptr(GBytes) document = NULL;
  g_autofree char *etag = NULL;
  const char *if_none_match;

  if (!g_str_equal (rest, "api/openapi/queue/openapi.json"))
    {
      respond_detail (call, 404, "Not Found");
      return;
    }
  if (!check_method (call, "GET"))
    return;
  if (endpoint_id == NULL || (document = fal_local_openapi_lookup (endpoint_id)) == NULL)
    {
      g_autofree char *detail = g_strdup_printf ("No OpenAPI document for endpoint '%s'",
                                                 endpoint_id ? endpoint_id : "");
      respond_detail (call, 404, detail);
      return;
    }

  etag = fal_local_openapi_etag (document);
  soup_message_headers_replace (headers, "ETag", etag);
  soup_message_headers_replace (headers, "Cache-Control", "public, max-age=300");
  if_none_match = soup_message_headers_get_one (request_headers, "If-None-Match");
  if (if_none_match && (strstr (if_none_match, etag) || g_str_equal (g_strstrip (g_strdup (if_none_match)), "*")))
    {
      soup_server_message_set_status (call->msg, 304, NULL);
      return;
    }
  respond_bytes (call, 200, "application/json", document);
}

static void
route_control (Call       *call,
               const char *rest)
{
  FalLocalServer *self = call->server;

  if (g_str_equal (rest, "requests"))
    {
      if (g_str_equal (call->method, "DELETE"))
        {
          fal_local_request_log_clear (self->request_log);
          soup_server_message_set_status (call->msg, 204, NULL);
        }
      else if (check_method (call, "GET"))
        {
          g_autoptr(JsonNode) list = fal_local_request_log_to_json (self->request_log);
          respond_json (call, 200, list);
        }
    }
  else if (g_str_equal (rest, "faults"))
    {
      if (g_str_equal (call->method, "DELETE"))
        {
          fal_local_faults_clear (self->faults);
          soup_server_message_set_status (call->msg, 204, NULL);
        }
      else if (g_str_equal (call->method, "POST"))
        {
          g_autoptr(JsonNode) body = NULL;
          g_autoptr(GError) error = NULL;
          JsonObject *object;
          const char *fault;

          if (!parse_body_object (call, &body))
            return;
          object = JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
          fault = object ? json_object_get_string_member_with_default (object, "fault", NULL) : NULL;
          if (fault == NULL)
            {
              respond_detail (call, 400, "Expected {\"fault\": \"…\", \"path\": \"regex\", \"method\": \"…\", \"count\": N}");
              return;
            }
          if (!fal_local_faults_add (self->faults,
                                     json_object_get_string_member_with_default (object, "method", NULL),
                                     json_object_get_string_member_with_default (object, "path", ""),
                                     (guint) json_object_get_int_member_with_default (object, "count", 1),
                                     fault, &error))
            {
              respond_detail (call, 400, error->message);
              return;
            }
          {
            g_autoptr(JsonNode) list = fal_local_faults_list (self->faults);
            respond_json (call, 201, list);
          }
        }
      else if (check_method (call, "GET"))
        {
          g_autoptr(JsonNode) list = fal_local_faults_list (self->faults);
          respond_json (call, 200, list);
        }
    }
  else
    respond_detail (call, 404, "Not Found");
}

static void
route_root (Call *call)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonArray *endpoints = json_array_new ();
  const char * const *ids = fal_local_endpoints_list ();

  for (guint i = 0; ids[i]; i++)
    json_array_add_string_element (endpoints, ids[i]);
  json_object_set_string_member (answer, "name", "Falstaff local fal server");
  json_object_set_string_member (answer, "version", PACKAGE_VERSION);
  json_object_set_array_member (answer, "endpoints", endpoints);
  respond_object (call, 200, answer);
}

static void
route (Call *call)
{
  static const struct {
    const char *prefix;
    void (*handler) (Call *call, const char *rest);
  } routes[] = {
    { "/queue/", route_queue },
    { "/run/", route_run },
    { "/rest/", route_rest },
    { "/web/", route_web },
    { "/cdn/", route_cdn },
    { "/__control/", route_control },
  };

  if (call->fault && call->fault->status)
    {
      respond_fault_status (call);
      return;
    }

  if (g_str_equal (call->path, "/"))
    {
      route_root (call);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_str_has_prefix (call->path, routes[i].prefix))
      {
        routes[i].handler (call, call->path + strlen (routes[i].prefix));
        return;
      }
  respond_detail (call, 404, "Not Found");
}

static gboolean
stall_done_cb (gpointer data)
{
  Call *call = data;

  soup_server_message_unpause (call->msg);
  route (call);
  return G_SOURCE_REMOVE;
}

/* The proxy form: x-fal-target-url names the fal host and path. */
static gboolean
resolve_target (Call        *call,
                const char  *target)
{
  static const struct {
    const char *host;
    const char *prefix;
  } hosts[] = {
    { "queue.fal.run", "/queue" },
    { "fal.run", "/run" },
    { "rest.fal.ai", "/rest" },
    { "rest.alpha.fal.ai", "/rest" },
    { "fal.ai", "/web" },
  };
  g_autoptr(GUri) uri = g_uri_parse (target, G_URI_FLAGS_ENCODED, NULL);
  const char *host;
  const char *prefix = NULL;

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    if (g_ascii_strcasecmp (host, hosts[i].host) == 0)
      prefix = hosts[i].prefix;
  if (prefix == NULL)
    {
      if (g_str_equal (host, "127.0.0.1") || g_str_equal (host, "localhost"))
        prefix = "";
      else
        return FALSE;
    }

  g_free (call->path);
  call->path = g_strconcat (prefix, g_uri_get_path (uri), NULL);
  g_clear_pointer (&call->query, g_hash_table_unref);
  if (g_uri_get_query (uri))
    call->query = soup_form_decode (g_uri_get_query (uri));
  return TRUE;
}

static void
message_finished_cb (SoupServerMessage *msg,
                     Call              *call)
{
  if (!call->answered_raw)
    call_log_status (call, soup_server_message_get_status (msg));
}

static void
handler (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  FalLocalServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *target = soup_message_headers_get_one (headers, "x-fal-target-url");
  const char *fault_spec = soup_message_headers_get_one (headers, FAL_LOCAL_FAULT_HEADER);
  g_autoptr(GError) error = NULL;
  Call *call = g_new0 (Call, 1);

  g_atomic_ref_count_init (&call->ref_count);
  call->server = self;
  call->msg = g_object_ref (msg);
  call->method = g_strdup (soup_server_message_get_method (msg));
  call->path = g_strdup (path);
  call->query = query ? g_hash_table_ref (query) : NULL;
  /* The message owns the call; async work holds extra references. */
  g_object_set_data_full (G_OBJECT (msg), "fal-local-call", call, (GDestroyNotify) call_unref);

  if (soup_server_message_get_status (msg) == 413)
    {
      call->log_id = fal_local_request_log_begin (self->request_log, call->method, path, NULL, "", headers);
      call_log_status (call, 413);
      respond_detail (call, 413, "Request body too large");
      return;
    }

  if (target && !resolve_target (call, target))
    {
      call->log_id = fal_local_request_log_begin (self->request_log, call->method, path, NULL, "", headers);
      g_signal_connect (msg, "finished", G_CALLBACK (message_finished_cb), call);
      respond_detail (call, 400, "Invalid request: x-fal-target-url is not a fal URL");
      return;
    }

  call->log_id = fal_local_request_log_begin (self->request_log, call->method, call->path,
                                              g_uri_get_query (soup_server_message_get_uri (msg)),
                                              target ? "proxy" : "direct", headers);
  g_signal_connect (msg, "finished", G_CALLBACK (message_finished_cb), call);

  if (fault_spec)
    {
      call->fault = fal_local_fault_parse (fault_spec, &error);
      if (call->fault == NULL)
        {
          respond_detail (call, 400, error->message);
          return;
        }
    }
  else if (!g_str_has_prefix (call->path, "/__control/"))
    call->fault = fal_local_faults_take (self->faults, call->method, call->path);

  if (call->fault && call->fault->stall)
    {
      soup_server_message_pause (msg);
      /* stall with no time: never answer; the client gives up. */
      if (call->fault->stall_ms > 0)
        fal_local_timeout_add_full (call->fault->stall_ms, stall_done_cb,
                            call_ref (call), (GDestroyNotify) call_unref);
      return;
    }

  route (call);
}

/* ------------------------------------------------------------------ thread */

static gboolean
setup (FalLocalServer  *self,
       GError         **error)
{
  g_autoslist(GUri) uris = NULL;

  if (self->data_dir == NULL)
    {
      self->data_dir = g_dir_make_tmp ("falstaff-server-XXXXXX", error);
      if (self->data_dir == NULL)
        return FALSE;
      self->own_data_dir = TRUE;
    }
  self->storage = fal_local_storage_new (self->data_dir, error);
  if (self->storage == NULL)
    return FALSE;

  self->soup = soup_server_new ("server-header", "falstaff-local/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (self->soup, NULL, early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler, self, NULL);
  if (!soup_server_listen_local (self->soup, self->port, SOUP_SERVER_LISTEN_IPV4_ONLY, error))
    return FALSE;

  uris = soup_server_get_uris (self->soup);
  self->bound_port = g_uri_get_port (uris->data);
  self->url = g_strdup_printf ("http://127.0.0.1:%u", self->bound_port);
  self->queue = fal_local_queue_new (self->storage, self->url, self->runners, self->speed);
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gpointer
server_thread (gpointer data)
{
  FalLocalServer *self = data;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (self->context);
  ok = setup (self, &error);

  g_mutex_lock (&self->mutex);
  self->ready = TRUE;
  self->start_error = error;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (ok)
    g_main_loop_run (self->loop);

  if (self->queue)
    fal_local_queue_shutdown (self->queue);
  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->queue);
  /* Let closing connections and finished workers settle. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_object (&self->storage);
  if (self->own_data_dir && self->data_dir)
    remove_tree (self->data_dir);

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ------------------------------------------------------------------ GObject */

static void
fal_local_server_finalize (GObject *object)
{
  FalLocalServer *self = (FalLocalServer *)object;

  fal_local_server_stop (self);
  g_free (self->key);
  g_free (self->data_dir);
  g_free (self->url);
  g_clear_error (&self->start_error);
  g_clear_object (&self->faults);
  g_clear_object (&self->request_log);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (fal_local_server_parent_class)->finalize (object);
}

static void
fal_local_server_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  FalLocalServer *self = FAL_LOCAL_SERVER (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->bound_port ? self->bound_port : self->port);
      break;
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_RUNNERS:
      g_value_set_uint (value, self->runners);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, self->keepalive_ms);
      break;
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_local_server_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  FalLocalServer *self = FAL_LOCAL_SERVER (object);

  if (self->thread != NULL)
    {
      g_warning ("FalLocalServer:%s cannot change while the server runs", pspec->name);
      return;
    }

  switch (prop_id)
    {
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_KEY:
      g_free (self->key);
      self->key = g_value_dup_string (value);
      break;
    case PROP_SPEED:
      self->speed = g_value_get_double (value);
      break;
    case PROP_RUNNERS:
      self->runners = g_value_get_uint (value);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      self->keepalive_ms = g_value_get_uint (value);
      break;
    case PROP_DATA_DIR:
      g_free (self->data_dir);
      self->data_dir = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
fal_local_server_class_init (FalLocalServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = fal_local_server_finalize;
  object_class->get_property = fal_local_server_get_property;
  object_class->set_property = fal_local_server_set_property;

  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, flags);
  properties[PROP_KEY] = g_param_spec_string ("key", NULL, NULL, FAL_LOCAL_DEFAULT_KEY, flags);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0.001, 1e9, 1.0, flags);
  properties[PROP_RUNNERS] = g_param_spec_uint ("runners", NULL, NULL, 1, 1024, 2, flags);
  properties[PROP_KEEPALIVE_INTERVAL] = g_param_spec_uint ("keepalive-interval", NULL, NULL,
                                                           0, G_MAXUINT, 15000, flags);
  properties[PROP_DATA_DIR] = g_param_spec_string ("data-dir", NULL, NULL, NULL, flags);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fal_local_server_init (FalLocalServer *self)
{
  self->key = g_strdup (FAL_LOCAL_DEFAULT_KEY);
  self->speed = 1.0;
  self->runners = 2;
  self->keepalive_ms = 15000;
  self->faults = fal_local_faults_new ();
  self->request_log = fal_local_request_log_new ();
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

FalLocalServer *
fal_local_server_new (void)
{
  return g_object_new (FAL_LOCAL_TYPE_SERVER, NULL);
}

gboolean
fal_local_server_start (FalLocalServer  *self,
                        GError         **error)
{
  g_return_val_if_fail (FAL_LOCAL_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->ready = FALSE;
  self->thread = g_thread_new ("fal-local-server", server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->start_error)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      fal_local_server_stop (self);
      return FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
  return TRUE;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
fal_local_server_stop (FalLocalServer *self)
{
  g_return_if_fail (FAL_LOCAL_IS_SERVER (self));

  if (self->thread == NULL)
    return;

  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
}

const char *
fal_local_server_get_url (FalLocalServer *self)
{
  g_return_val_if_fail (FAL_LOCAL_IS_SERVER (self), NULL);
  return self->url;
}

guint
fal_local_server_get_port (FalLocalServer *self)
{
  g_return_val_if_fail (FAL_LOCAL_IS_SERVER (self), 0);
  return self->bound_port;
}
