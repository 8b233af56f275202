/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-error.h"
#include "fal-error-private.h"
#include "fal-json.h"
#include "fal-request-private.h"
#include "fal-i18n-private.h"

/* Following a queued request: the status stream, polls when the stream
 * fails, drops or ends early, the result, and contact with fal. When fal
 * stops answering (connection refused or reset, a poll with no answer, a
 * silent stream whose probe gets none) the request says connection-lost
 * and asks again every 1–2 s for as long as it takes; the run goes on at
 * fal meanwhile. Logs are counted by position, so no line is lost or
 * repeated across streams, polls and outages. */

#define READ_CHUNK (16 * 1024)
/* After the stream failed, poll this many times before trying it again;
 * doubled on each failure in a row, up to the cap. */
#define POLLS_BEFORE_STREAM_RETRY 4
#define POLLS_BEFORE_STREAM_RETRY_MAX 64
/* A status call unanswered this long counts as no answer. Its answer's
 * parse does not count: that is our time, not fal's (a poll of a
 * 100,000-line log, parsed under AddressSanitizer, missed the deadline on
 * every try, and the request never ended). */
#define STATUS_DEADLINE_MS 2500
/* A stream silent this long (no event, no keep-alive) is checked with a
 * status call (a probe) that must answer sooner; the watchdog looks twice
 * a second. Silence, tick and probe add up to 4 s before connection-lost. */
#define SILENCE_BEFORE_PROBE_MS 1500
#define PROBE_DEADLINE_MS 2000
#define WATCHDOG_MS 500
/* While fal cannot be reached: the next try, and some spread. */
#define LOST_RETRY_MS 1000
#define LOST_RETRY_SPREAD_MS 1000
/* The longest wait a 429 on a follow-up call gets. */
#define RATE_LIMIT_WAIT_MAX_S 60

static void schedule_poll (FalRequest *self, guint delay_ms);
static void send_status_call (FalRequest *self, gboolean probe);

/* ------------------------------------------------------------------ helpers */

static FalStreamConn *
stream_conn_new (void)
{
  FalStreamConn *conn = g_new0 (FalStreamConn, 1);

  g_atomic_ref_count_init (&conn->ref_count);
  return conn;
}

static FalStreamConn *
stream_conn_ref (FalStreamConn *conn)
{
  g_atomic_ref_count_inc (&conn->ref_count);
  return conn;
}

static void
stream_conn_unref (FalStreamConn *conn)
{
  if (conn && g_atomic_ref_count_dec (&conn->ref_count))
    g_free (conn);
}

typedef struct {
  FalStreamConn *conn;
  GBytes *data;
  FalLogBatch *batch;          /* its log lines, made where it is parsed */
} PendingEvent;

static void
pending_event_free (PendingEvent *event)
{
  stream_conn_unref (event->conn);
  _fal_log_batch_unref (event->batch);
  g_bytes_unref (event->data);
  g_free (event);
}

void
_fal_request_clear_pending_events (FalRequest *self)
{
  g_queue_clear_full (&self->pending_events, (GDestroyNotify) pending_event_free);
  g_clear_pointer (&self->conn, stream_conn_unref);
}

/* A cancellable of its own that the request's cancellable also cancels. */
static GCancellable *
child_cancellable (FalRequest *self)
{
  GCancellable *child = g_cancellable_new ();

  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           child, G_CONNECT_SWAPPED);
  if (g_cancellable_is_cancelled (self->cancellable))
    g_cancellable_cancel (child);
  return child;
}

static char *
request_url (FalRequest *self,
             const char *suffix)
{
  g_autofree char *escaped = g_uri_escape_string (self->request_id, NULL, FALSE);
  g_autofree char *path = g_strconcat (fal_endpoint_id_get_app (self->endpoint), "/requests/", escaped,
                                       suffix, NULL);

  return _fal_client_build_url (self->client, FAL_HOST_QUEUE, path);
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

/* No answer from fal itself: no connection, a cut or garbled answer, no
 * answer in time, or a gateway's 5xx (which names no error type). An
 * answer too large or too deep would come the same again: not this. */
static gboolean
is_unreachable (const GError *error)
{
  if (error->domain != FAL_ERROR)
    return FALSE;
  switch ((FalErrorCode) error->code)
    {
    case FAL_ERROR_NETWORK:
      return TRUE;
    case FAL_ERROR_PROTOCOL:
      return g_strcmp0 (fal_error_get_error_type (error), "garbled_answer") == 0;
    case FAL_ERROR_TIMEOUT:
      return !fal_error_is_user_timeout (error) && fal_error_get_error_type (error) == NULL;
    case FAL_ERROR_SERVER:
      return fal_error_get_error_type (error) == NULL;
    default:
      return FALSE;
    }
}

/* A 404 for a request we were following: say what it means. */
static GError *
explain (FalRequest   *self,
         const GError *error)
{
  if (!g_error_matches (error, FAL_ERROR, FAL_ERROR_NOT_FOUND))
    return g_error_copy (error);
  return fal_error_new_literal_full (FAL_ERROR_NOT_FOUND,
                                     _("fal has no request with this id (it may have expired, or the server restarted)"),
                                     fal_error_get_http_status (error), self->request_id,
                                     fal_error_get_error_type (error));
}

static guint
lost_retry_delay (void)
{
  return LOST_RETRY_MS + g_random_int_range (0, LOST_RETRY_SPREAD_MS);
}

static guint
rate_limit_delay (const GError *error)
{
  gint64 seconds = fal_error_get_retry_after (error);

  if (seconds < 0)
    return lost_retry_delay ();
  return (guint) MIN (seconds, RATE_LIMIT_WAIT_MAX_S) * 1000;
}

/* ------------------------------------------------------------------ following */

void
_fal_request_stop_following (FalRequest *self)
{
  _fal_clear_source (&self->poll_timer);
  _fal_clear_source (&self->watchdog);
  _fal_clear_source (&self->result_timer);
  g_clear_pointer (&self->conn, stream_conn_unref);
  g_clear_pointer (&self->parser, fal_sse_parser_free);
  /* A stream on its way, or open, is dropped: its callbacks see the
   * generation moved on. */
  self->stream_generation++;
  self->opening_stream = FALSE;
  if (self->open_cancellable)
    {
      g_cancellable_cancel (self->open_cancellable);
      g_clear_object (&self->open_cancellable);
    }
  if (self->stream)
    {
      g_input_stream_close_async (self->stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&self->stream);
    }
  _fal_request_set_streaming (self, FALSE);
}

/* fal could not be reached: say so, drop any stream, and ask again 1–2 s
 * after the last try began (at once after a try that waited out its
 * deadline); the first answer brings the stream back. */
static void
lost (FalRequest   *self,
      const GError *error,
      gint64        tried_at)
{
  gint64 waited_ms = tried_at ? (g_get_monotonic_time () - tried_at) / 1000 : 0;
  guint delay_ms = lost_retry_delay ();

  g_debug ("No answer from fal about %s: %s", self->request_id, error->message);
  _fal_request_set_connection_lost (self, TRUE);
  _fal_request_stop_following (self);
  self->polls_until_stream = 1;
  schedule_poll (self, waited_ms >= delay_ms ? 0 : delay_ms - (guint) waited_ms);
}

static void
fall_back_to_polling (FalRequest *self)
{
  _fal_request_stop_following (self);
  self->stream_failures++;
  self->polls_until_stream = MIN (POLLS_BEFORE_STREAM_RETRY << MIN (self->stream_failures - 1, 4u),
                                  POLLS_BEFORE_STREAM_RETRY_MAX);
  schedule_poll (self, fal_client_get_poll_interval (self->client));
}

/* ------------------------------------------------------------------ polls and probes */

static void send_status_call (FalRequest *self,
                              gboolean    probe);

/* One status call: a poll (while polling) or a probe (a silent stream
 * checked). */
typedef struct {
  FalRequest *self;
  GCancellable *cancellable;
  guint deadline;
  gboolean timed_out;
  gboolean probe;
  gint64 sent_at;
  FalLogBatch *batch;          /* the answer's new log lines, made where it is parsed */
} StatusCall;

static void
status_call_free (StatusCall *call)
{
  _fal_clear_source (&call->deadline);
  _fal_log_batch_unref (call->batch);
  g_clear_object (&call->cancellable);
  g_clear_object (&call->self);
  g_free (call);
}

static gboolean
status_deadline_cb (gpointer data)
{
  StatusCall *call = data;

  call->deadline = 0;
  call->timed_out = TRUE;
  g_cancellable_cancel (call->cancellable);
  return G_SOURCE_REMOVE;
}

/* The answer is here: what is left is parsing it. */
static void
status_answered_cb (gpointer data,
                    gpointer unused)
{
  StatusCall *call = data;

  _fal_clear_source (&call->deadline);
}

static void
status_failed (FalRequest   *self,
               StatusCall   *call,
               const GError *error)
{
  if (is_definitive (error))
    {
      _fal_request_fail (self, explain (self, error));
      return;
    }
  if (g_error_matches (error, FAL_ERROR, FAL_ERROR_RATE_LIMITED))
    {
      /* fal answered: it is there, only busy. */
      _fal_request_touch_contact (self);
      if (!call->probe)
        schedule_poll (self, rate_limit_delay (error));
      return;
    }
  /* A 5xx on the status call is fal's trouble, never the model's. */
  if (is_unreachable (error) || g_error_matches (error, FAL_ERROR, FAL_ERROR_SERVER))
    {
      /* The stream spoke meanwhile: the probe's silence was its own. */
      if (call->probe && self->last_contact > call->sent_at)
        return;
      lost (self, error, call->sent_at);
      return;
    }
  if (call->probe)
    {
      /* The stream goes on; its own failures bring the polls. */
      g_debug ("Probe of %s failed: %s", self->request_id, error->message);
      return;
    }
  _fal_request_fail (self, g_error_copy (error));
}

static void
status_call_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  StatusCall *call = data;
  FalRequest *self = call->self;
  g_autoptr(GError) error = NULL;
  JsonNode *node = _fal_client_call_finish (FAL_CLIENT (source), result, NULL, NULL, &error);
  gboolean was_lost = self->connection_lost;

  _fal_clear_source (&call->deadline);
  if (call->probe)
    self->probing = FALSE;
  else
    self->poll_in_flight = FALSE;

  if (node && (!JSON_NODE_HOLDS_OBJECT (node) ||
               fal_json_get_string (json_node_get_object (node), "status") == NULL))
    {
      g_set_error_literal (&error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("The status answer has no status"));
      fal_json_unref_later (g_steal_pointer (&node));
    }

  if (self->done || self->fetching_result)
    goto out;

  if (node == NULL)
    {
      if (call->timed_out)
        {
          g_clear_error (&error);
          error = g_error_new (FAL_ERROR, FAL_ERROR_TIMEOUT, _("fal did not answer within %.1f s"),
                               (call->probe ? PROBE_DEADLINE_MS : STATUS_DEADLINE_MS) / 1000.0);
        }
      else if (g_cancellable_is_cancelled (self->cancellable))
        goto out;
      status_failed (self, call, error);
      goto out;
    }

  _fal_request_touch_contact (self);
  /* A probe's answer has no log lines: the end it saw is asked again with
   * them (the stream may not have brought them all), so that the request
   * never ends short of lines. */
  if (call->probe && g_strcmp0 (fal_json_get_string (json_node_get_object (node), "status"), "COMPLETED") == 0)
    {
      if (!self->poll_in_flight)
        send_status_call (self, FALSE);
      goto out;
    }
  _fal_request_handle_status (self, json_node_get_object (node), NULL, call->batch);
  if (call->probe || self->fetching_result || self->done)
    goto out;

  /* Back in contact: back to the stream at once. */
  if (was_lost)
    self->polls_until_stream = 1;
  if (self->polls_until_stream > 0 && --self->polls_until_stream == 0)
    _fal_request_start_stream (self);
  else
    schedule_poll (self, fal_client_get_poll_interval (self->client));

out:
  fal_json_unref_later (node);
  status_call_free (call);
}

static void
send_status_call (FalRequest *self,
                  gboolean    probe)
{
  StatusCall *call = g_new0 (StatusCall, 1);
  /* A probe only asks whether fal is there: the stream brings the lines,
   * and the whole log (megabytes in a flood) every 1.5 s of a quiet
   * stream would cost more than the stream itself. */
  g_autofree char *url = request_url (self, probe ? "/status" : "/status?logs=1");

  call->self = g_object_ref (self);
  call->probe = probe;
  call->sent_at = g_get_monotonic_time ();
  /* A poll's answer holds the whole log: only lines past these are new. */
  call->batch = _fal_log_batch_new (g_list_model_get_n_items (G_LIST_MODEL (self->logs)));
  call->cancellable = child_cancellable (self);
  call->deadline = _fal_timeout_add (probe ? PROBE_DEADLINE_MS : STATUS_DEADLINE_MS, status_deadline_cb, call);
  if (probe)
    self->probing = TRUE;
  else
    self->poll_in_flight = TRUE;
  /* No retries inside: an unanswered call is news (connection-lost),
   * and the request asks again by itself. */
  _fal_client_call_then_async (self->client, "GET", url, NULL, NULL, FAL_RETRY_NONE, FALSE, _fal_log_batch_make,
                               _fal_log_batch_ref (call->batch), (GDestroyNotify) _fal_log_batch_unref,
                               status_answered_cb, call, call->cancellable, status_call_cb, call);
}

static gboolean
poll_timer_cb (gpointer data)
{
  FalRequest *self = data;

  self->poll_timer = 0;
  send_status_call (self, FALSE);
  return G_SOURCE_REMOVE;
}

static void
schedule_poll (FalRequest *self,
               guint       delay_ms)
{
  if (self->poll_timer == 0 && !self->poll_in_flight && !self->done)
    self->poll_timer = _fal_timeout_add (delay_ms, poll_timer_cb, self);
}

void
_fal_request_poll_soon (FalRequest *self)
{
  if (self->stream == NULL && !self->opening_stream && !self->fetching_result)
    schedule_poll (self, fal_client_get_poll_interval (self->client));
}

/* A stream (or its opening) that has said nothing for a while may be
 * talking to nobody: a half-open connection, a server that hangs. */
static gboolean
watchdog_cb (gpointer data)
{
  FalRequest *self = data;
  gint64 heard = MAX (self->last_contact, self->submitted_at);

  if ((self->stream || self->opening_stream) && !self->probing &&
      g_get_monotonic_time () - heard > SILENCE_BEFORE_PROBE_MS * (gint64) 1000)
    send_status_call (self, TRUE);
  return G_SOURCE_CONTINUE;
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
        stream_failed (self, error ? error->message : _("not an object"));
      else
        _fal_request_handle_status (self, json_node_get_object (node), event->conn, event->batch);
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
  guint known;

  if (self->parsing_event || event == NULL)
    return;
  if (self->done || self->fetching_result)
    {
      g_queue_clear_full (&self->pending_events, (GDestroyNotify) pending_event_free);
      return;
    }
  self->parsing_event = TRUE;
  /* The events before it are handled: the lines it repeats are known. */
  known = g_list_model_get_n_items (G_LIST_MODEL (self->logs));
  event->batch = _fal_log_batch_new (known > event->conn->log_pos ? known - event->conn->log_pos : 0);
  _fal_json_parse_then_async (event->data, _fal_log_batch_make, _fal_log_batch_ref (event->batch),
                              (GDestroyNotify) _fal_log_batch_unref, self->cancellable, event_parsed_cb,
                              g_object_ref (self));
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
      stream_failed (self, error ? error->message : _("not an object"));
      return;
    }
  _fal_request_handle_status (self, json_node_get_object (node), self->conn, NULL);
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
      /* Dropped, broken, or ended before COMPLETED: poll instead (the
       * poll finds out whether fal is still there). */
      g_debug ("Status stream of %s ended early: %s", self->request_id, error ? error->message : "closed");
      fall_back_to_polling (self);
      return;
    }

  /* Keep-alive comments count: the stream is alive. */
  _fal_request_touch_contact (self);
  /* A line or event past the parser's caps: drop this stream (polls
   * take over) instead of buffering it. */
  if (!fal_sse_parser_feed (self->parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)) &&
      self->parser && fal_sse_parser_get_overflowed (self->parser))
    stream_failed (self, _("a line or an event past the size cap"));
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

typedef struct {
  FalRequest *self;
  guint generation;
} StreamOpen;

static void
stream_opened_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  StreamOpen *open = data;
  g_autoptr(FalRequest) self = g_steal_pointer (&open->self);
  guint generation = open->generation;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stream = _fal_client_open_stream_finish (FAL_CLIENT (source), result, NULL, &error);
  GCancellable *read_cancellable;

  g_free (open);
  if (self->done || self->fetching_result || generation != self->stream_generation)
    {
      if (stream)
        g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      return;
    }
  self->opening_stream = FALSE;
  g_clear_object (&self->open_cancellable);
  if (stream == NULL)
    {
      if (g_cancellable_is_cancelled (self->cancellable))
        return;
      if (is_definitive (error))
        {
          _fal_request_fail (self, explain (self, error));
          return;
        }
      /* No connection at all; an HTTP error is the stream's alone (the
       * polls find out whether the rest of fal answers). */
      if (is_unreachable (error) && fal_error_get_http_status (error) == 0)
        {
          lost (self, error, 0);
          return;
        }
      g_debug ("Status stream of %s failed: %s", self->request_id, error->message);
      _fal_request_touch_contact (self);
      fall_back_to_polling (self);
      return;
    }

  _fal_request_touch_contact (self);
  self->stream = g_steal_pointer (&stream);
  self->parser = fal_sse_parser_new (stream_event_cb, NULL, self);
  g_clear_pointer (&self->conn, stream_conn_unref);
  self->conn = stream_conn_new ();
  _fal_request_set_streaming (self, TRUE);

  /* Its own cancellable, child of the request's: a bad event stops this
   * connection only. */
  read_cancellable = child_cancellable (self);
  g_object_set_data_full (G_OBJECT (self->stream), "fal-read-cancellable", read_cancellable, g_object_unref);
  g_input_stream_read_bytes_async (self->stream, READ_CHUNK, G_PRIORITY_DEFAULT, read_cancellable,
                                   read_cb, g_object_ref (self));
}

void
_fal_request_start_stream (FalRequest *self)
{
  g_autofree char *url = NULL;
  StreamOpen *open;

  _fal_request_stop_following (self);
  /* Polls only (the client says so): every way back to the stream lands
   * here, so this one check keeps it closed. */
  if (fal_client_get_poll_only (self->client))
    {
      self->polls_until_stream = 0;
      schedule_poll (self, fal_client_get_poll_interval (self->client));
      return;
    }
  url = request_url (self, "/status/stream?logs=1");
  open = g_new0 (StreamOpen, 1);
  open->self = g_object_ref (self);
  open->generation = self->stream_generation;
  self->opening_stream = TRUE;
  self->open_cancellable = child_cancellable (self);
  self->watchdog = _fal_timeout_add (WATCHDOG_MS, watchdog_cb, self);
  _fal_client_open_stream_async (self->client, "GET", url, NULL, NULL, self->open_cancellable,
                                 stream_opened_cb, open);
}

/* ------------------------------------------------------------------ result */

static void fetch_result_again (FalRequest *self, guint delay_ms);

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(FalRequest) self = data;
  g_autoptr(GError) error = NULL;
  double billable_units = -1;
  JsonNode *node = _fal_client_call_finish_full (FAL_CLIENT (source), result, NULL, NULL, &billable_units, &error);

  if (self->done)
    {
      fal_json_unref_later (node);
      return;
    }

  if (node)
    {
      _fal_request_touch_contact (self);
      self->billable_units = billable_units;
      _fal_request_set_result (self, node);
      if (self->status_error)
        {
          /* COMPLETED with an error, yet a result: show both. */
          _fal_request_fail (self, _fal_error_new_model_failure (self->status_error, 200, self->request_id,
                                                                 self->status_error_type));
          return;
        }
      _fal_request_finish (self);
      return;
    }

  if (g_error_matches (error, FAL_ERROR, FAL_ERROR_RATE_LIMITED))
    {
      _fal_request_touch_contact (self);
      fetch_result_again (self, rate_limit_delay (error));
      return;
    }
  /* With a failed status, a 5xx is the model's answer, not a gateway's. */
  if (!g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED) && is_unreachable (error) &&
      (self->status_error == NULL || fal_error_get_http_status (error) == 0))
    {
      g_debug ("No result from fal for %s: %s", self->request_id, error->message);
      _fal_request_set_connection_lost (self, TRUE);
      fetch_result_again (self, lost_retry_delay ());
      return;
    }
  if (fal_error_get_http_status (error) != 0)
    _fal_request_touch_contact (self);
  if (g_error_matches (error, FAL_ERROR, FAL_ERROR_NOT_FOUND))
    _fal_request_fail (self, explain (self, error));
  else
    _fal_request_fail (self, _fal_error_for_job (error, self->status_error, self->status_error_type));
}

static void
send_result_call (FalRequest *self)
{
  g_autofree char *url = request_url (self, "");

  /* The long session: a result can be big. No retries inside, as for
   * polls: the request asks again by itself. */
  _fal_client_call_async (self->client, "GET", url, NULL, NULL, FAL_RETRY_NONE, TRUE, self->cancellable,
                          result_cb, g_object_ref (self));
}

static gboolean
result_timer_cb (gpointer data)
{
  FalRequest *self = data;

  self->result_timer = 0;
  if (!self->done)
    send_result_call (self);
  return G_SOURCE_REMOVE;
}

static void
fetch_result_again (FalRequest *self,
                    guint       delay_ms)
{
  _fal_clear_source (&self->result_timer);
  self->result_timer = _fal_timeout_add (delay_ms, result_timer_cb, self);
}

void
_fal_request_fetch_result (FalRequest *self)
{
  self->fetching_result = TRUE;
  send_result_call (self);
}
