/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-client-private.h"
#include "fal-error.h"
#include "fal-json.h"
#include "fal-log-list.h"
#include "fal-request.h"
#include "fal-sse-parser.h"

#define READ_CHUNK (16 * 1024)

typedef struct _StreamConn StreamConn;
/* After the stream failed, poll this many times before trying it again;
 * doubled on each failure in a row, up to the cap. */
#define POLLS_BEFORE_STREAM_RETRY 4
#define POLLS_BEFORE_STREAM_RETRY_MAX 64

struct _FalRequest
{
  GObject parent_instance;

  FalClient *client;
  FalEndpointId *endpoint;
  JsonNode *input;
  FalCallOptions *options;

  char *request_id;
  char *status_url;
  char *response_url;
  char *cancel_url;
  FalRequestStatus status;
  int queue_position;
  gint64 submitted_at;
  gint64 started_at;
  gint64 completed_at;
  FalLogList *logs;
  JsonObject *metrics;
  char *status_error;
  char *status_error_type;
  JsonNode *result;
  GError *error;
  gboolean done;

  GCancellable *cancellable;   /* everything this request does */
  GPtrArray *waiters;          /* GTask */
  GPtrArray *pending_cancels;  /* GTask: cancel asked before the submit answered */

  /* Following. */
  gboolean streaming;
  GInputStream *stream;
  FalSseParser *parser;
  StreamConn *conn;            /* the stream connection now open */
  GQueue pending_events;       /* PendingEvent: big events parse off-thread, in order */
  gboolean parsing_event;
  guint stream_failures;
  guint polls_until_stream;
  guint poll_timer;
  gboolean fetching_result;
};

G_DEFINE_FINAL_TYPE (FalRequest, fal_request, G_TYPE_OBJECT)

/* Log lines seen on one status stream connection: its first event holds
 * the whole log so far, later ones only new lines. Events waiting to be
 * parsed keep their connection's count. */
struct _StreamConn {
  gatomicrefcount ref_count;
  guint log_pos;
};

static StreamConn *
stream_conn_new (void)
{
  StreamConn *conn = g_new0 (StreamConn, 1);

  g_atomic_ref_count_init (&conn->ref_count);
  return conn;
}

static StreamConn *
stream_conn_ref (StreamConn *conn)
{
  g_atomic_ref_count_inc (&conn->ref_count);
  return conn;
}

static void
stream_conn_unref (StreamConn *conn)
{
  if (conn && g_atomic_ref_count_dec (&conn->ref_count))
    g_free (conn);
}

typedef struct {
  StreamConn *conn;
  GBytes *data;
} PendingEvent;

static void
pending_event_free (PendingEvent *event)
{
  stream_conn_unref (event->conn);
  g_bytes_unref (event->data);
  g_free (event);
}

enum {
  PROP_0,
  PROP_ENDPOINT_ID,
  PROP_REQUEST_ID,
  PROP_STATUS_URL,
  PROP_RESPONSE_URL,
  PROP_CANCEL_URL,
  PROP_STATUS,
  PROP_ELAPSED,
  PROP_QUEUE_POSITION,
  PROP_LOGS,
  PROP_METRICS,
  PROP_RESULT,
  PROP_ERROR,
  PROP_DONE,
  PROP_STREAMING,
  N_PROPS
};

enum {
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void start_stream (FalRequest *self);
static void schedule_poll (FalRequest *self);
static void fetch_result (FalRequest *self);
static void send_cancel (FalRequest *self, GTask *task);

const char *
fal_request_status_to_string (FalRequestStatus status)
{
  switch (status)
    {
    case FAL_REQUEST_SUBMITTING: return "SUBMITTING";
    case FAL_REQUEST_IN_QUEUE: return "IN_QUEUE";
    case FAL_REQUEST_IN_PROGRESS: return "IN_PROGRESS";
    case FAL_REQUEST_COMPLETED: return "COMPLETED";
    default: return "UNKNOWN";
    }
}

/* ------------------------------------------------------------------ state */

static void
set_status (FalRequest       *self,
            FalRequestStatus  status)
{
  /* Statuses only move forward, whatever order answers come in. */
  if (status <= self->status)
    return;

  self->status = status;
  if (status == FAL_REQUEST_IN_PROGRESS && self->started_at == 0)
    self->started_at = g_get_monotonic_time ();
  if (status == FAL_REQUEST_COMPLETED)
    {
      self->completed_at = g_get_monotonic_time ();
      if (self->started_at == 0)
        self->started_at = self->completed_at;
    }
  if (status != FAL_REQUEST_IN_QUEUE && self->queue_position != -1)
    {
      self->queue_position = -1;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE_POSITION]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);
}

static void
set_streaming (FalRequest *self,
               gboolean    streaming)
{
  if (self->streaming == streaming)
    return;
  self->streaming = streaming;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STREAMING]);
}

static void
stop_following (FalRequest *self)
{
  _fal_clear_source (&self->poll_timer);
  g_clear_pointer (&self->conn, stream_conn_unref);
  g_clear_pointer (&self->parser, fal_sse_parser_free);
  if (self->stream)
    {
      g_input_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&self->stream);
    }
  set_streaming (self, FALSE);
}

static void
finish (FalRequest *self)
{
  if (self->done)
    return;

  stop_following (self);
  if (self->completed_at == 0)
    self->completed_at = g_get_monotonic_time ();
  self->done = TRUE;
  if (self->status != FAL_REQUEST_COMPLETED)
    {
      /* Failed before fal said COMPLETED (submit refused, contact lost). */
      self->status = FAL_REQUEST_COMPLETED;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
  g_signal_emit (self, signals[FINISHED], 0);

  _fal_complete_waiters (&self->waiters, self->error, self->result,
                         (GBoxedCopyFunc) json_node_ref, (GDestroyNotify) json_node_unref);
}

static void
fail (FalRequest *self,
      GError     *error)
{
  if (self->done)
    {
      g_error_free (error);
      return;
    }
  g_clear_error (&self->error);
  self->error = error;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
  finish (self);
}

/* Errors no retry or fallback can mend. */
static gboolean
is_definitive (const GError *error)
{
  return g_error_matches (error, FAL_ERROR, FAL_ERROR_NOT_FOUND) ||
         g_error_matches (error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED) ||
         g_error_matches (error, FAL_ERROR, FAL_ERROR_FORBIDDEN) ||
         g_error_matches (error, FAL_ERROR, FAL_ERROR_INSECURE_URL) ||
         g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED);
}

/* ------------------------------------------------------------------ status */

/* Appends the lines at positions not seen yet: positions are where the
 * lines stand in the request's cumulative log. */
static void
take_logs (FalRequest *self,
           JsonArray  *logs,
           guint       first_position)
{
  g_autoptr(GPtrArray) fresh = NULL;
  guint known = g_list_model_get_n_items (G_LIST_MODEL (self->logs));
  guint n = json_array_get_length (logs);

  if (first_position + n <= known)
    return;

  fresh = g_ptr_array_new_full (first_position + n - known, g_object_unref);
  for (guint i = known > first_position ? known - first_position : 0; i < n; i++)
    {
      JsonNode *element = json_array_get_element (logs, i);
      JsonObject *line = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;

      if (line == NULL)
        continue;
      g_ptr_array_add (fresh, fal_log_entry_new (fal_json_get_string (line, "message"),
                                                 fal_json_get_string (line, "level"),
                                                 fal_json_get_string (line, "source"),
                                                 fal_json_get_string (line, "timestamp")));
    }
  fal_log_list_append (self->logs, fresh);
}

/* One status, from a poll (cumulative logs) or a stream event (the first
 * event has the whole log so far, later ones only new lines). */
static void
handle_status (FalRequest *self,
               JsonObject *status,
               StreamConn *conn)
{
  const char *state = fal_json_get_string (status, "status");
  JsonArray *logs = fal_json_get_array (status, "logs");
  gint64 position;

  if (logs)
    {
      guint first = conn ? conn->log_pos : 0;

      take_logs (self, logs, first);
      if (conn)
        conn->log_pos += json_array_get_length (logs);
    }

  if (g_strcmp0 (state, "IN_QUEUE") == 0)
    {
      /* The position first, so a status watcher sees both. */
      if (self->status <= FAL_REQUEST_IN_QUEUE && fal_json_get_int (status, "queue_position", &position) &&
          position != self->queue_position)
        {
          self->queue_position = (int) CLAMP (position, 0, G_MAXINT);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_QUEUE_POSITION]);
        }
      set_status (self, FAL_REQUEST_IN_QUEUE);
    }
  else if (g_strcmp0 (state, "IN_PROGRESS") == 0)
    set_status (self, FAL_REQUEST_IN_PROGRESS);
  else if (g_strcmp0 (state, "COMPLETED") == 0 && !self->fetching_result)
    {
      JsonObject *metrics = fal_json_get_object (status, "metrics");

      if (metrics)
        {
          g_clear_pointer (&self->metrics, json_object_unref);
          self->metrics = json_object_ref (metrics);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_METRICS]);
        }
      g_free (self->status_error);
      self->status_error = g_strdup (fal_json_get_string (status, "error"));
      g_free (self->status_error_type);
      self->status_error_type = g_strdup (fal_json_get_string (status, "error_type"));
      set_status (self, FAL_REQUEST_COMPLETED);
      stop_following (self);
      fetch_result (self);
    }
  /* Anything else: an unknown status, kept polling as the JS client does. */
}

/* ------------------------------------------------------------------ result */

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(FalRequest) self = data;
  GError *error = NULL;
  JsonNode *node = fal_client_result_finish (FAL_CLIENT (source), result, &error);

  if (self->done)
    {
      g_clear_error (&error);
      g_clear_pointer (&node, json_node_unref);
      return;
    }

  if (node)
    {
      self->result = node;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
      if (self->status_error)
        {
          /* COMPLETED with an error, yet a result: show both. */
          fail (self, fal_error_new_literal_full (FAL_ERROR_APP, self->status_error, 200,
                                                  self->request_id, self->status_error_type));
          return;
        }
      finish (self);
      return;
    }
  fail (self, error);
}

static void
fetch_result (FalRequest *self)
{
  self->fetching_result = TRUE;
  fal_client_result_async (self->client, fal_endpoint_id_get_full (self->endpoint), self->request_id,
                           self->cancellable, result_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ polling */

static void
fall_back_to_polling (FalRequest *self)
{
  stop_following (self);
  self->stream_failures++;
  self->polls_until_stream = MIN (POLLS_BEFORE_STREAM_RETRY << MIN (self->stream_failures - 1, 4u),
                                  POLLS_BEFORE_STREAM_RETRY_MAX);
  schedule_poll (self);
}

static void
poll_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(FalRequest) self = data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = fal_client_status_finish (FAL_CLIENT (source), result, &error);

  if (self->done || self->fetching_result)
    {
      fal_json_unref_later (node);
      return;
    }
  if (node == NULL)
    {
      if (g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED) && g_cancellable_is_cancelled (self->cancellable))
        return;
      /* The status call already retried by its policy. */
      fail (self, g_steal_pointer (&error));
      return;
    }

  handle_status (self, json_node_get_object (node), NULL);
  fal_json_unref_later (node);
  if (self->fetching_result || self->done)
    return;

  if (self->polls_until_stream > 0 && --self->polls_until_stream == 0)
    start_stream (self);
  else
    schedule_poll (self);
}

static gboolean
poll_timer_cb (gpointer data)
{
  FalRequest *self = data;

  self->poll_timer = 0;
  fal_client_status_async (self->client, fal_endpoint_id_get_full (self->endpoint), self->request_id, TRUE,
                           self->cancellable, poll_cb, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
schedule_poll (FalRequest *self)
{
  if (self->poll_timer == 0 && !self->done)
    self->poll_timer = _fal_timeout_add (fal_client_get_poll_interval (self->client), poll_timer_cb, self);
}

/* ------------------------------------------------------------------ status stream */

static void parse_next_event (FalRequest *self);

static void
stream_failed (FalRequest *self,
               const char *why)
{
  g_debug ("Status stream of %s sent a bad event: %s", self->request_id, why);
  /* Closing the stream makes the read loop fall back to polling. */
  if (self->stream)
    g_cancellable_cancel (g_object_get_data (G_OBJECT (self->stream), "fal-read-cancellable"));
}

static void
event_parsed_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(FalRequest) self = data;
  g_autoptr(GError) error = NULL;
  JsonNode *node = fal_json_parse_finish (result, &error);
  PendingEvent *event = g_queue_pop_head (&self->pending_events);

  self->parsing_event = FALSE;
  if (!self->done && !self->fetching_result && event)
    {
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        stream_failed (self, error ? error->message : "not an object");
      else
        handle_status (self, json_node_get_object (node), event->conn);
    }
  fal_json_unref_later (node);
  if (event)
    pending_event_free (event);
  parse_next_event (self);
}

static void
parse_next_event (FalRequest *self)
{
  PendingEvent *event = g_queue_peek_head (&self->pending_events);

  if (self->parsing_event || event == NULL)
    return;
  if (self->done || self->fetching_result)
    {
      g_queue_clear_full (&self->pending_events, (GDestroyNotify) pending_event_free);
      return;
    }
  self->parsing_event = TRUE;
  fal_json_parse_async (event->data, self->cancellable, event_parsed_cb, g_object_ref (self));
}

/* Small events are handled at once; a big one (a flood of log lines) is
 * parsed off the main loop, and the ones after it wait their turn. */
static void
stream_event_cb (const FalSseEvent *event,
                 gpointer           user_data)
{
  FalRequest *self = user_data;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  if (self->done || self->fetching_result || self->conn == NULL)
    return;

  if (event->data_length > FAL_JSON_THREAD_THRESHOLD || !g_queue_is_empty (&self->pending_events))
    {
      PendingEvent *pending = g_new0 (PendingEvent, 1);

      pending->conn = stream_conn_ref (self->conn);
      pending->data = g_bytes_new (event->data, event->data_length);
      g_queue_push_tail (&self->pending_events, pending);
      parse_next_event (self);
      return;
    }

  node = fal_json_parse (event->data, event->data_length, &error);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      stream_failed (self, error ? error->message : "not an object");
      return;
    }
  handle_status (self, json_node_get_object (node), self->conn);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(FalRequest) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (self->done || self->fetching_result || G_INPUT_STREAM (source) != self->stream)
    return;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      if (error && g_cancellable_is_cancelled (self->cancellable))
        return;
      /* Dropped, broken, or ended before COMPLETED: poll instead. */
      g_debug ("Status stream of %s ended early: %s", self->request_id, error ? error->message : "closed");
      fall_back_to_polling (self);
      return;
    }

  fal_sse_parser_feed (self->parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (self->done || self->fetching_result || self->stream == NULL)
    return;
  if (g_cancellable_is_cancelled (g_object_get_data (G_OBJECT (self->stream), "fal-read-cancellable")))
    {
      fall_back_to_polling (self);
      return;
    }
  g_input_stream_read_bytes_async (self->stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                   g_object_get_data (G_OBJECT (self->stream), "fal-read-cancellable"),
                                   read_cb, g_object_ref (self));
}

static void
stream_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(FalRequest) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = _fal_client_open_stream_finish (FAL_CLIENT (source), result, NULL, &error);
  GCancellable *read_cancellable;

  if (self->done || self->fetching_result)
    return;
  if (stream == NULL)
    {
      if (g_cancellable_is_cancelled (self->cancellable))
        return;
      if (is_definitive (error))
        {
          fail (self, g_steal_pointer (&error));
          return;
        }
      g_debug ("Status stream of %s failed: %s", self->request_id, error->message);
      fall_back_to_polling (self);
      return;
    }

  self->stream = g_steal_pointer (&stream);
  self->parser = fal_sse_parser_new (stream_event_cb, NULL, self);
  g_clear_pointer (&self->conn, stream_conn_unref);
  self->conn = stream_conn_new ();
  set_streaming (self, TRUE);

  /* Its own cancellable, child of the request's: a bad event stops this
   * connection only. */
  read_cancellable = g_cancellable_new ();
  g_object_set_data_full (G_OBJECT (self->stream), "fal-read-cancellable", read_cancellable, g_object_unref);
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           read_cancellable, G_CONNECT_SWAPPED);
  g_input_stream_read_bytes_async (self->stream, READ_CHUNK, G_PRIORITY_DEFAULT, read_cancellable,
                                   read_cb, g_object_ref (self));
}

static void
start_stream (FalRequest *self)
{
  g_autofree char *path = NULL;
  g_autofree char *escaped = NULL;
  g_autofree char *url = NULL;

  stop_following (self);
  escaped = g_uri_escape_string (self->request_id, NULL, FALSE);
  path = g_strconcat (fal_endpoint_id_get_app (self->endpoint), "/requests/", escaped, "/status/stream?logs=1", NULL);
  url = _fal_client_build_url (self->client, FAL_HOST_QUEUE, path);
  _fal_client_open_stream_async (self->client, "GET", url, NULL, NULL, self->cancellable,
                                 stream_opened_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ submit */

static void
set_ids (FalRequest *self,
         JsonObject *answer)
{
  g_free (self->status_url);
  self->status_url = g_strdup (fal_json_get_string (answer, "status_url"));
  g_free (self->response_url);
  self->response_url = g_strdup (fal_json_get_string (answer, "response_url"));
  g_free (self->cancel_url);
  self->cancel_url = g_strdup (fal_json_get_string (answer, "cancel_url"));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_URL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESPONSE_URL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CANCEL_URL]);
}

static void
submitted_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(FalRequest) self = data;
  GError *error = NULL;
  g_autofree char *header_id = NULL;
  g_autoptr(JsonNode) node = _fal_client_call_finish (FAL_CLIENT (source), result, NULL, &header_id, &error);
  g_autoptr(GPtrArray) cancels = NULL;
  const char *request_id;

  if (node == NULL)
    {
      /* A refused submit may still name its id: keep it in view. */
      if (self->request_id == NULL && fal_error_get_request_id (error))
        {
          self->request_id = g_strdup (fal_error_get_request_id (error));
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST_ID]);
        }
      fail (self, error);
      goto cancels;
    }

  request_id = JSON_NODE_HOLDS_OBJECT (node) ? fal_json_get_string (json_node_get_object (node), "request_id") : NULL;
  if (request_id == NULL)
    request_id = header_id;
  if (request_id == NULL)
    {
      fail (self, fal_error_new_literal_full (FAL_ERROR_PROTOCOL, "The submit answer has no request_id",
                                              200, NULL, NULL));
      goto cancels;
    }

  self->request_id = g_strdup (request_id);
  if (JSON_NODE_HOLDS_OBJECT (node))
    set_ids (self, json_node_get_object (node));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUEST_ID]);
  if (JSON_NODE_HOLDS_OBJECT (node))
    handle_status (self, json_node_get_object (node), NULL);
  set_status (self, FAL_REQUEST_IN_QUEUE);
  if (!self->fetching_result)
    start_stream (self);

cancels:
  cancels = g_steal_pointer (&self->pending_cancels);
  self->pending_cancels = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < cancels->len; i++)
    {
      GTask *task = g_ptr_array_index (cancels, i);

      if (self->request_id && !self->done)
        send_cancel (self, g_object_ref (task));
      else
        {
          /* Never queued: nothing to cancel at fal. */
          FalCancelOutcome *outcome = g_new (FalCancelOutcome, 1);
          *outcome = self->request_id ? FAL_CANCEL_ALREADY_COMPLETED : FAL_CANCEL_LEFT_QUEUE;
          g_task_return_pointer (task, outcome, g_free);
        }
    }
}

static void
submit (FalRequest *self)
{
  g_autofree char *url = _fal_client_build_url (self->client, FAL_HOST_QUEUE,
                                                fal_endpoint_id_get_full (self->endpoint));
  g_autoptr(JsonNode) empty = NULL;

  if (self->input == NULL)
    {
      empty = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (empty, json_object_new ());
    }
  _fal_client_call_async (self->client, "POST", url, self->input ? self->input : empty, self->options,
                          FAL_RETRY_SUBMIT, FALSE, self->cancellable, submitted_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ GObject */

static void
fal_request_dispose (GObject *object)
{
  FalRequest *self = (FalRequest *)object;

  g_cancellable_cancel (self->cancellable);
  stop_following (self);

  G_OBJECT_CLASS (fal_request_parent_class)->dispose (object);
}

static void
fal_request_finalize (GObject *object)
{
  FalRequest *self = (FalRequest *)object;

  g_clear_object (&self->client);
  g_clear_pointer (&self->endpoint, fal_endpoint_id_free);
  g_clear_pointer (&self->input, json_node_unref);
  _fal_call_options_free (self->options);
  g_free (self->request_id);
  g_free (self->status_url);
  g_free (self->response_url);
  g_free (self->cancel_url);
  g_clear_object (&self->logs);
  g_clear_pointer (&self->metrics, json_object_unref);
  g_free (self->status_error);
  g_free (self->status_error_type);
  g_clear_pointer (&self->result, json_node_unref);
  g_clear_error (&self->error);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_pointer (&self->pending_cancels, g_ptr_array_unref);
  g_queue_clear_full (&self->pending_events, (GDestroyNotify) pending_event_free);
  g_clear_pointer (&self->conn, stream_conn_unref);

  G_OBJECT_CLASS (fal_request_parent_class)->finalize (object);
}

static void
fal_request_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  FalRequest *self = FAL_REQUEST (object);

  switch (prop_id)
    {
    case PROP_ENDPOINT_ID:
      g_value_set_string (value, fal_request_get_endpoint_id (self));
      break;
    case PROP_REQUEST_ID:
      g_value_set_string (value, self->request_id);
      break;
    case PROP_STATUS_URL:
      g_value_set_string (value, self->status_url);
      break;
    case PROP_RESPONSE_URL:
      g_value_set_string (value, self->response_url);
      break;
    case PROP_CANCEL_URL:
      g_value_set_string (value, self->cancel_url);
      break;
    case PROP_STATUS:
      g_value_set_uint (value, self->status);
      break;
    case PROP_ELAPSED:
      g_value_set_double (value, fal_request_get_elapsed (self));
      break;
    case PROP_QUEUE_POSITION:
      g_value_set_int (value, self->queue_position);
      break;
    case PROP_LOGS:
      g_value_set_object (value, self->logs);
      break;
    case PROP_METRICS:
      g_value_set_boxed (value, self->metrics);
      break;
    case PROP_RESULT:
      g_value_set_boxed (value, self->result);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_DONE:
      g_value_set_boolean (value, self->done);
      break;
    case PROP_STREAMING:
      g_value_set_boolean (value, self->streaming);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_request_class_init (FalRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = fal_request_dispose;
  object_class->finalize = fal_request_finalize;
  object_class->get_property = fal_request_get_property;

  properties[PROP_ENDPOINT_ID] = g_param_spec_string ("endpoint-id", NULL, NULL, NULL, flags);
  properties[PROP_REQUEST_ID] = g_param_spec_string ("request-id", NULL, NULL, NULL, flags);
  properties[PROP_STATUS_URL] = g_param_spec_string ("status-url", NULL, NULL, NULL, flags);
  properties[PROP_RESPONSE_URL] = g_param_spec_string ("response-url", NULL, NULL, NULL, flags);
  properties[PROP_CANCEL_URL] = g_param_spec_string ("cancel-url", NULL, NULL, NULL, flags);
  properties[PROP_STATUS] = g_param_spec_uint ("status", NULL, NULL, 0, FAL_REQUEST_COMPLETED, 0, flags);
  /* Seconds since submit, or since it started running; it moves on its
   * own, so it is notified only when the status changes. */
  properties[PROP_ELAPSED] = g_param_spec_double ("elapsed", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  properties[PROP_QUEUE_POSITION] = g_param_spec_int ("queue-position", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[PROP_LOGS] = g_param_spec_object ("logs", NULL, NULL, G_TYPE_LIST_MODEL, flags);
  properties[PROP_METRICS] = g_param_spec_boxed ("metrics", NULL, NULL, JSON_TYPE_OBJECT, flags);
  properties[PROP_RESULT] = g_param_spec_boxed ("result", NULL, NULL, JSON_TYPE_NODE, flags);
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, flags);
  properties[PROP_DONE] = g_param_spec_boolean ("done", NULL, NULL, FALSE, flags);
  properties[PROP_STREAMING] = g_param_spec_boolean ("streaming", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
fal_request_init (FalRequest *self)
{
  self->queue_position = -1;
  self->logs = fal_log_list_new ();
  self->cancellable = g_cancellable_new ();
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending_cancels = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->pending_events);
  self->submitted_at = g_get_monotonic_time ();
}

FalRequest *
_fal_request_new (FalClient            *client,
                  FalEndpointId        *endpoint,
                  JsonNode             *input,
                  const FalCallOptions *options,
                  const char           *request_id)
{
  FalRequest *self = g_object_new (FAL_TYPE_REQUEST, NULL);

  self->client = g_object_ref (client);
  self->endpoint = fal_endpoint_id_copy (endpoint);
  self->input = input ? json_node_ref (input) : NULL;
  self->options = _fal_call_options_copy (options);

  if (request_id)
    {
      g_autofree char *escaped = g_uri_escape_string (request_id, NULL, FALSE);
      g_autofree char *path = g_strconcat (fal_endpoint_id_get_app (endpoint), "/requests/", escaped, NULL);

      self->request_id = g_strdup (request_id);
      /* Attached by id: the URLs are the ones fal would have given. */
      self->response_url = _fal_client_build_url (client, FAL_HOST_QUEUE, path);
      self->status_url = g_strconcat (self->response_url, "/status", NULL);
      self->cancel_url = g_strconcat (self->response_url, "/cancel", NULL);
      start_stream (self);
    }
  else
    submit (self);
  return self;
}

/* ------------------------------------------------------------------ public */

FalClient *fal_request_get_client (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return self->client; }
const char *fal_request_get_endpoint_id (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return fal_endpoint_id_get_full (self->endpoint); }
const char *fal_request_get_request_id (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return self->request_id; }
const char *fal_request_get_status_url (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return self->status_url; }
const char *fal_request_get_response_url (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return self->response_url; }
const char *fal_request_get_cancel_url (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return self->cancel_url; }
FalRequestStatus fal_request_get_status (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), 0); return self->status; }
int fal_request_get_queue_position (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), -1); return self->queue_position; }
GListModel *fal_request_get_logs (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return G_LIST_MODEL (self->logs); }
JsonObject *fal_request_get_metrics (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return self->metrics; }
JsonNode *fal_request_get_result (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return self->result; }
const GError *fal_request_get_error (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), NULL); return self->error; }
gboolean fal_request_is_done (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), FALSE); return self->done; }
gboolean fal_request_get_streaming (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), FALSE); return self->streaming; }

double
fal_request_get_elapsed (FalRequest *self)
{
  gint64 end;

  g_return_val_if_fail (FAL_IS_REQUEST (self), 0);

  end = self->completed_at ? self->completed_at : g_get_monotonic_time ();
  if (self->started_at)
    return (end - self->started_at) / (double) G_USEC_PER_SEC;
  return (end - self->submitted_at) / (double) G_USEC_PER_SEC;
}

void
fal_request_stop (FalRequest *self)
{
  g_return_if_fail (FAL_IS_REQUEST (self));

  g_cancellable_cancel (self->cancellable);
  stop_following (self);
}

static void
cancel_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  FalRequest *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  FalCancelOutcome *outcome = g_new (FalCancelOutcome, 1);

  if (fal_client_cancel_finish (FAL_CLIENT (source), result, &error))
    *outcome = GPOINTER_TO_UINT (g_task_get_task_data (task)) == FAL_REQUEST_IN_PROGRESS
               ? FAL_CANCEL_REQUESTED : FAL_CANCEL_LEFT_QUEUE;
  else if (g_strcmp0 (fal_error_get_error_type (error), "already_completed") == 0)
    *outcome = FAL_CANCEL_ALREADY_COMPLETED;
  else
    {
      g_free (outcome);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The request keeps being followed: it ends COMPLETED, cancelled. */
  if (*outcome == FAL_CANCEL_LEFT_QUEUE && !self->done && self->poll_timer == 0 && !self->stream)
    schedule_poll (self);
  g_task_return_pointer (task, outcome, g_free);
}

static void
send_cancel (FalRequest *self,
             GTask      *task)
{
  /* What it was when asked decides "left the queue" vs "requested". */
  g_task_set_task_data (task, GUINT_TO_POINTER (self->status), NULL);
  fal_client_cancel_async (self->client, fal_endpoint_id_get_full (self->endpoint), self->request_id,
                           g_task_get_cancellable (task), cancel_cb, task);
}

void
fal_request_cancel_async (FalRequest          *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FAL_IS_REQUEST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_request_cancel_async);

  if (self->request_id == NULL && !self->done)
    {
      g_ptr_array_add (self->pending_cancels, g_steal_pointer (&task));
      return;
    }
  /* Done without ever being queued: nothing on the server to cancel. */
  if (self->request_id == NULL)
    {
      FalCancelOutcome *outcome = g_new (FalCancelOutcome, 1);
      *outcome = FAL_CANCEL_LEFT_QUEUE;
      g_task_return_pointer (task, outcome, g_free);
      return;
    }
  send_cancel (self, g_steal_pointer (&task));
}

gboolean
fal_request_cancel_finish (FalRequest        *self,
                           GAsyncResult      *result,
                           FalCancelOutcome  *outcome,
                           GError           **error)
{
  g_autofree FalCancelOutcome *value = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  value = g_task_propagate_pointer (G_TASK (result), error);
  if (value == NULL)
    return FALSE;
  if (outcome)
    *outcome = *value;
  return TRUE;
}

void
fal_request_wait_async (FalRequest          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FAL_IS_REQUEST (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_request_wait_async);
  if (!self->done)
    {
      g_ptr_array_add (self->waiters, g_steal_pointer (&task));
      return;
    }
  if (self->error)
    g_task_return_error (task, g_error_copy (self->error));
  else
    g_task_return_pointer (task, json_node_ref (self->result), (GDestroyNotify) json_node_unref);
}

JsonNode *
fal_request_wait_finish (FalRequest    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
