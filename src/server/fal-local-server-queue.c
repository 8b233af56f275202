/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>

#include "fal-local-catalog.h"
#include "fal-local-endpoints.h"
#include "fal-local-job.h"
#include "fal-local-openapi.h"
#include "fal-local-sources.h"
#include "fal-local-server-private.h"

static char *
app_id_of (const char *endpoint_id)
{
  g_auto(GStrv) parts = g_strsplit (endpoint_id, "/", -1);
  guint n = g_strv_length (parts);
  guint keep = (n > 0 && (g_str_equal (parts[0], "workflows") || g_str_equal (parts[0], "comfy"))) ? 3 : 2;

  if (n <= keep)
    return g_strdup (endpoint_id);
  /* Cut after the app; the parts past it are freed here, since the
   * strv's own free stops at the first NULL. */
  for (guint i = keep; i < n; i++)
    g_clear_pointer (&parts[i], g_free);
  return g_strjoinv ("/", parts);
}

static JsonObject *
queue_status_object (FalLocalServer *self,
                     FalLocalJob    *job,
                     int             from_log,
                     guint           max_lines,
                     guint          *to_log)
{
  JsonObject *object = fal_local_job_status_object (job, from_log, max_lines, to_log);
  g_autofree char *response_url = g_strdup_printf ("%s/queue/%s/requests/%s", fal_local_server_get_public_base (self),
                                                   fal_local_job_get_app_id (job),
                                                   fal_local_job_get_id (job));
  g_autofree char *status_url = g_strconcat (response_url, "/status", NULL);
  g_autofree char *cancel_url = g_strconcat (response_url, "/cancel", NULL);

  json_object_set_string_member (object, "response_url", response_url);
  json_object_set_string_member (object, "status_url", status_url);
  json_object_set_string_member (object, "cancel_url", cancel_url);
  return object;
}

/* The status object's JSON with its log lines (from_log ≥ 0), written
 * from the lines' kept texts rather than built as a tree each time: a
 * poll's answer holds the whole log. */
static char *
queue_status_text (FalLocalServer *self,
                   FalLocalJob    *job,
                   int             from_log,
                   guint           max_lines,
                   guint          *to_log_out,
                   gsize          *length)
{
  g_autoptr(JsonObject) object = NULL;
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  guint to_log = 0;
  gsize head_length = 0;
  char *head;
  GString *text;

  object = queue_status_object (self, job, from_log, max_lines, &to_log);
  json_node_set_object (node, object);
  head = fal_local_json_to_text (node, &head_length);
  if (to_log_out)
    *to_log_out = to_log;
  if (from_log < 0 || fal_local_job_get_state (job) == FAL_LOCAL_JOB_QUEUED)
    {
      *length = head_length;
      return head;
    }
  /* {"status":…} → {"status":…,"logs":[…]} */
  g_assert (head_length >= 2 && head[head_length - 1] == '}');
  text = g_string_sized_new (head_length + 128 * (to_log - from_log) + 16);
  g_string_append_len (text, head, head_length - 1);
  g_free (head);
  g_string_append (text, ",\"logs\":");
  fal_local_job_append_logs_json (job, text, from_log, to_log);
  g_string_append_c (text, '}');
  *length = text->len;
  return g_string_free (text, FALSE);
}

static gboolean
wants_logs (FalLocalCall *call)
{
  const char *logs = fal_local_call_query (call, "logs");

  return logs && (g_str_equal (logs, "1") || g_ascii_strcasecmp (logs, "true") == 0);
}

/* Validates a submit/run body and makes its job; FALSE after answering. */
static FalLocalJob *
job_from_request (FalLocalCall            *call,
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
  gint64 file_lifetime = 0;

  if (endpoint == NULL)
    {
      g_autofree char *detail = g_strdup_printf ("Application '%s' not found", endpoint_id);
      fal_local_call_respond_detail (call, 404, detail);
      return NULL;
    }
  if (!fal_local_call_parse_body (call, &input))
    return NULL;

  errors = fal_local_openapi_validate (endpoint_id, input, &error);
  if (errors == NULL && error != NULL)
    {
      fal_local_call_respond_detail (call, 500, error->message);
      return NULL;
    }
  if (errors == NULL)
    errors = fal_local_endpoint_check (endpoint, json_node_get_object (input));
  if (errors != NULL)
    {
      fal_local_call_respond_field_errors (call, errors);
      return NULL;
    }

  if (priority && g_ascii_strcasecmp (priority, "low") == 0)
    job_priority = FAL_LOCAL_JOB_PRIORITY_LOW;
  else if (priority && g_ascii_strcasecmp (priority, "normal") != 0)
    {
      fal_local_call_respond_detail (call, 400, "x-fal-queue-priority must be 'normal' or 'low'");
      return NULL;
    }
  if (!fal_local_call_object_lifetime (call, "X-Fal-Object-Lifecycle-Preference", &file_lifetime))
    return NULL;

  app_id = app_id_of (endpoint_id);
  job = fal_local_job_new (endpoint_id, app_id, input, mode, job_priority);
  fal_local_job_set_file_lifetime (job, file_lifetime);

  if (timeout)
    {
      char *end = NULL;
      double seconds = g_ascii_strtod (timeout, &end);

      if (end == timeout || *end != '\0' || seconds <= 0)
        {
          g_object_unref (job);
          fal_local_call_respond_detail (call, 400, "x-fal-request-timeout must be a number of seconds");
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

  if (self->fixed_clock)
    fal_local_job_set_fixed_clock (job, ++self->job_sequence,
                                   fal_local_endpoint_get_run_ms (endpoint, json_node_get_object (input)));
  call->request_id = g_strdup (fal_local_job_get_id (job));
  return job;
}

/* Only successful outputs are billed (§13). */
static void
set_billable_units (SoupMessageHeaders *headers,
                    FalLocalJob        *job)
{
  const char *endpoint_id = fal_local_job_get_endpoint_id (job);
  const FalLocalCatalogModel *model = fal_local_catalog_lookup (endpoint_id);
  const FalLocalEndpoint *endpoint = fal_local_endpoints_lookup (endpoint_id);
  JsonObject *input = json_node_get_object (fal_local_job_get_input (job));
  g_autofree char *units = NULL;
  double run_seconds;

  if (model == NULL || endpoint == NULL)
    return;
  run_seconds = fal_local_endpoint_get_run_ms (endpoint, input) / 1000.0;
  units = fal_local_catalog_format_units (fal_local_catalog_billable_units (model, input, fal_local_job_get_result (job),
                                                                             run_seconds));
  soup_message_headers_replace (headers, "x-fal-billable-units", units);
}

static void
set_result_headers (FalLocalCall        *call,
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
  if (fal_local_job_get_result_status (job) == 200)
    set_billable_units (headers, job);
}

/* ------------------------------------------------------------------ status stream */

/* About 100 KiB of JSON. */
#define STREAM_LINES_PER_EVENT 1000

typedef struct {
  FalLocalCall *call;
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
  fal_local_call_unref (stream->call);
  g_free (stream);
}


static void status_stream_changed_cb (FalLocalJob  *job,
                                      StatusStream *stream);

/* Sends what is new since the last event; ends after COMPLETED, or where a
 * fault says. A long log goes out in parts of STREAM_LINES_PER_EVENT, one
 * per main-loop turn, so the server answers others in between (one event
 * of a 200,000-line flood took a minute to build under AddressSanitizer,
 * and the server answered nobody meanwhile). */
static void
status_stream_send (StatusStream *stream)
{
  FalLocalServer *self = stream->call->server;
  FalLocalFault *fault = stream->call->fault;
  FalLocalJobState state = fal_local_job_get_state (stream->job);
  guint position = fal_local_job_get_queue_position (stream->job);
  guint n_logs = fal_local_job_get_n_logs (stream->job);
  gboolean part;
  guint to_log = 0;
  g_autofree char *text = NULL;
  gsize length = 0;

  if (!fal_local_raw_is_writable (stream->raw))
    return;   /* being dropped: what would be built goes nowhere */
  if (fault && fault->drop_after_events == 0)
    {
      fal_local_raw_finish (stream->raw, TRUE);
      return;
    }
  if (stream->events_sent > 0 && state == stream->last_state &&
      position == stream->last_position && (!stream->logs || n_logs == stream->logs_sent))
    return;

  text = queue_status_text (self, stream->job, stream->logs ? (int) stream->logs_sent : -1,
                            stream->logs ? STREAM_LINES_PER_EVENT : 0, &to_log, &length);
  fal_local_sse_write_event_text (stream->raw, stream->call, text, length);
  /* Lines left for the next event: this one was a part, described as the
   * job was while they were logged. */
  part = stream->logs && to_log < n_logs;
  if (part)
    state = FAL_LOCAL_JOB_RUNNING;
  stream->events_sent++;
  stream->logs_sent = stream->logs ? to_log : n_logs;
  stream->last_state = state;
  stream->last_position = position;

  if (fault && fault->drop_after_events >= 0 && stream->events_sent >= (guint) fault->drop_after_events)
    fal_local_raw_finish (stream->raw, TRUE);
  else if (fault && fault->end_after_events >= 0 && stream->events_sent >= (guint) fault->end_after_events)
    fal_local_raw_finish (stream->raw, FALSE);
  else if (part)
    status_stream_changed_cb (stream->job, stream);   /* the next part, next turn */
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

static void
serve_status_stream (FalLocalCall        *call,
                     FalLocalJob *job)
{
  FalLocalServer *self = call->server;
  StatusStream *stream = g_new0 (StatusStream, 1);

  call->request_id = g_strdup (fal_local_job_get_id (job));
  stream->call = fal_local_call_ref (call);
  stream->job = g_object_ref (job);
  stream->logs = wants_logs (call);
  fal_local_call_log_status (call, 200);
  call->answered_raw = TRUE;
  stream->raw = fal_local_raw_new (call->msg, 200, fal_local_call_sse_headers (call));
  fal_local_raw_set_max_backlog (stream->raw, self->max_client_backlog);
  stream->changed_handler = g_signal_connect (job, "changed", G_CALLBACK (status_stream_changed_cb), stream);
  stream->closed_handler = g_signal_connect (stream->raw, "closed", G_CALLBACK (status_stream_closed_cb), stream);
  if (self->keepalive_ms > 0)
    stream->keepalive = fal_local_timeout_add (self->keepalive_ms, status_stream_keepalive_cb, stream);
  status_stream_send (stream);
}

/* ------------------------------------------------------------------ sync run */

typedef struct {
  FalLocalCall *call;
  FalLocalJob *job;
  gulong changed_handler;
  gulong finished_handler;
  GSource *hangup;
} SyncRun;

static void
sync_run_free (SyncRun *run)
{
  g_clear_signal_handler (&run->changed_handler, run->job);
  g_clear_signal_handler (&run->finished_handler, run->call->msg);
  if (run->hangup)
    g_source_destroy (run->hangup);
  g_clear_pointer (&run->hangup, g_source_unref);
  g_clear_object (&run->job);
  fal_local_call_unref (run->call);
  g_free (run);
}

/* The job ends cancelled (499) soon; its answer then fails to write and
 * the message finishes. */
static void
sync_run_hangup_cb (gpointer data)
{
  SyncRun *run = data;

  fal_local_queue_cancel (run->call->server->queue, run->job);
}

static void
sync_run_changed_cb (FalLocalJob *job,
                     SyncRun     *run)
{
  if (fal_local_job_get_state (job) != FAL_LOCAL_JOB_COMPLETED)
    return;

  set_result_headers (run->call, job);
  fal_local_call_respond_json (run->call, fal_local_job_get_result_status (job), fal_local_job_get_result (job));
  if (!run->call->answered_raw)
    soup_server_message_unpause (run->call->msg);
  sync_run_free (run);
}

/* The caller hung up: a direct call is cancelled, as on fal. */
static void
sync_run_finished_cb (SoupServerMessage *msg,
                      SyncRun           *run)
{
  /* The cancel below emits "changed": that handler must not answer (and
   * free the run) under us. */
  g_clear_signal_handler (&run->changed_handler, run->job);
  fal_local_queue_cancel (run->call->server->queue, run->job);
  sync_run_free (run);
}

static void
serve_sync_run (FalLocalCall       *call,
                const char *endpoint_id)
{
  FalLocalServer *self = call->server;
  g_autoptr(FalLocalJob) job = job_from_request (call, endpoint_id, FAL_LOCAL_JOB_MODE_RUN);
  SyncRun *run;

  if (job == NULL)
    return;

  run = g_new0 (SyncRun, 1);
  run->call = fal_local_call_ref (call);
  run->job = g_object_ref (job);
  run->changed_handler = g_signal_connect (job, "changed", G_CALLBACK (sync_run_changed_cb), run);
  run->finished_handler = g_signal_connect (call->msg, "finished", G_CALLBACK (sync_run_finished_cb), run);
  run->hangup = fal_local_call_watch_hangup (call, sync_run_hangup_cb, run);
  soup_server_message_pause (call->msg);
  fal_local_queue_submit (self->queue, job);
}

/* ------------------------------------------------------------------ /stream */

typedef struct {
  FalLocalCall *call;
  FalLocalJob *job;
  FalLocalRaw *raw;
  GPtrArray *events;
  guint next_event;
  guint interval_ms;
  guint timer;
  gulong changed_handler;
  gulong finished_handler;
  gulong closed_handler;
  GSource *hangup;
  gboolean done;
} StreamRun;

static void
stream_run_stop_hangup_watch (StreamRun *run)
{
  if (run->hangup)
    g_source_destroy (run->hangup);
  g_clear_pointer (&run->hangup, g_source_unref);
}

static void
stream_run_free (StreamRun *run)
{
  stream_run_stop_hangup_watch (run);
  g_clear_signal_handler (&run->changed_handler, run->job);
  if (run->raw == NULL)
    g_clear_signal_handler (&run->finished_handler, run->call->msg);
  g_clear_signal_handler (&run->closed_handler, run->raw);
  fal_local_clear_source (&run->timer);
  g_clear_pointer (&run->events, g_ptr_array_unref);
  g_clear_object (&run->raw);
  g_clear_object (&run->job);
  fal_local_call_unref (run->call);
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
  stream_run_stop_hangup_watch (run);
  g_clear_signal_handler (&run->finished_handler, run->call->msg);
  fal_local_call_log_status (run->call, 200);
  run->call->answered_raw = TRUE;
  run->raw = fal_local_raw_new (run->call->msg, 200, fal_local_call_sse_headers (run->call));
  fal_local_raw_set_max_backlog (run->raw, run->call->server->max_client_backlog);
  run->closed_handler = g_signal_connect (run->raw, "closed", G_CALLBACK (stream_run_closed_cb), run);
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
  fal_local_sse_write_event (run->raw, run->call, node);
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
          fal_local_call_respond_json (run->call, fal_local_job_get_result_status (job), fal_local_job_get_result (job));
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
  fal_local_sse_write_event (run->raw, run->call, event);

  if (fault && fault->drop_after_events >= 0 && run->next_event >= (guint) fault->drop_after_events)
    {
      fal_local_raw_finish (run->raw, TRUE);
      run->done = TRUE;
      return FALSE;
    }
  if (fault && fault->end_after_events >= 0 && run->next_event >= (guint) fault->end_after_events)
    {
      fal_local_raw_finish (run->raw, FALSE);
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

/* Before the first event the message is paused: cancelling the job makes
 * the next tick answer 499 and the message finish. */
static void
stream_run_hangup_cb (gpointer data)
{
  StreamRun *run = data;

  g_clear_pointer (&run->hangup, g_source_unref);
  fal_local_queue_cancel (run->call->server->queue, run->job);
}

static void
serve_stream_run (FalLocalCall       *call,
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

      fal_local_call_respond_bytes (call, 200, "application/octet-stream", bytes);
      return;
    }

  run = g_new0 (StreamRun, 1);
  run->call = fal_local_call_ref (call);
  run->job = g_object_ref (job);
  /* About a dozen events over the run, never closer than 100 ms. */
  run->interval_ms = MAX (STREAM_MIN_INTERVAL_MS, fal_local_queue_get_run_ms (self->queue, job) / 12);
  run->changed_handler = g_signal_connect (job, "changed", G_CALLBACK (stream_run_changed_cb), run);
  run->finished_handler = g_signal_connect (call->msg, "finished", G_CALLBACK (stream_run_finished_cb), run);
  run->hangup = fal_local_call_watch_hangup (call, stream_run_hangup_cb, run);
  soup_server_message_pause (call->msg);
  fal_local_queue_submit (self->queue, job);
}

/* ------------------------------------------------------------------ routes */

/* fal drops webhooks to private addresses; the local server only has
 * loopback ones to offer, and says so at once. */
static gboolean
check_webhook (FalLocalCall *call,
               const char   *url)
{
  g_autofree char *reason = fal_local_webhook_check_url (url);
  g_autoptr(JsonArray) errors = NULL;
  JsonObject *entry;
  JsonArray *loc;

  if (reason == NULL)
    return TRUE;
  errors = json_array_new ();
  entry = json_object_new ();
  loc = json_array_new ();
  json_array_add_string_element (loc, "query");
  json_array_add_string_element (loc, "fal_webhook");
  json_object_set_array_member (entry, "loc", loc);
  json_object_set_string_member (entry, "msg", reason);
  json_object_set_string_member (entry, "type", "value_error");
  json_object_set_string_member (entry, "input", url);
  json_array_add_object_element (errors, entry);
  fal_local_call_respond_field_errors (call, errors);
  return FALSE;
}

void
fal_local_server_route_queue (FalLocalCall       *call,
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

  /* Every queue path starts with its app: owner/alias[/…]. */
  app_id = app_id_of (rest);
  if (!fal_local_call_check_auth_for_app (call, app_id))
    return;
  g_clear_pointer (&app_id, g_free);

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
      const char *webhook = fal_local_call_query (call, "fal_webhook");

      if (!fal_local_call_check_method (call, "POST"))
        return;
      if (webhook && !check_webhook (call, webhook))
        return;
      submitted = job_from_request (call, rest, FAL_LOCAL_JOB_MODE_QUEUE);
      if (submitted == NULL)
        return;
      fal_local_queue_submit (self->queue, submitted);
      if (webhook)
        {
          fal_local_webhook_watch (self->webhook, submitted, webhook, call->log_id);
          soup_message_headers_replace (soup_server_message_get_response_headers (call->msg),
                                        "x-fal-local-webhook", "accepted");
        }
      body = queue_status_object (self, submitted, -1, 0, NULL);
      json_object_remove_member (body, "logs");
      fal_local_call_respond_object (call, 200, body);
      return;
    }

  namespaced = g_str_equal (segments[0], "workflows") || g_str_equal (segments[0], "comfy");
  if (requests_at != (namespaced ? 3u : 2u))
    {
      /* The real service refuses status/result paths that keep the
       * endpoint's sub-path. */
      fal_local_call_respond_detail (call, 405, "Method Not Allowed: use the owner/alias path for requests");
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
      char *text;
      gsize length = 0;

      if (!fal_local_call_check_method (call, "GET"))
        return;
      if (job == NULL)
        {
          fal_local_call_respond_status_word (call, 404, "NOT_FOUND");
          return;
        }
      text = queue_status_text (self, job, wants_logs (call) ? 0 : -1, 0, NULL, &length);
      fal_local_call_respond_json_text (call, fal_local_job_get_state (job) == FAL_LOCAL_JOB_COMPLETED ? 200 : 202,
                                        text, length);
    }
  else if (g_str_equal (tail, "status/stream"))
    {
      if (!fal_local_call_check_method (call, "GET"))
        return;
      if (job == NULL)
        fal_local_call_respond_status_word (call, 404, "NOT_FOUND");
      else
        serve_status_stream (call, job);
    }
  else if (g_str_equal (tail, "cancel"))
    {
      if (!fal_local_call_check_method (call, "PUT"))
        return;
      if (job == NULL)
        fal_local_call_respond_status_word (call, 404, "NOT_FOUND");
      else if (fal_local_queue_cancel (self->queue, job) == FAL_LOCAL_CANCEL_ALREADY_COMPLETED)
        fal_local_call_respond_status_word (call, 400, "ALREADY_COMPLETED");
      else
        fal_local_call_respond_status_word (call, 202, "CANCELLATION_REQUESTED");
    }
  else if (*tail == '\0')
    {
      if (!fal_local_call_check_method (call, "GET"))
        return;
      if (job == NULL)
        fal_local_call_respond_status_word (call, 404, "NOT_FOUND");
      else if (fal_local_job_get_state (job) != FAL_LOCAL_JOB_COMPLETED)
        fal_local_call_respond_detail (call, 400, "Request is still in progress");
      else
        {
          set_result_headers (call, job);
          fal_local_call_respond_json (call, fal_local_job_get_result_status (job), fal_local_job_get_result (job));
        }
    }
  else
    fal_local_call_respond_detail (call, 404, "Not Found");
}

void
fal_local_server_route_run (FalLocalCall       *call,
           const char *rest)
{
  g_autofree char *app_id = app_id_of (rest);

  if (!fal_local_call_check_auth_for_app (call, app_id) || !fal_local_call_check_method (call, "POST"))
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
