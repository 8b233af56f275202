/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-error.h"
#include "fal-error-private.h"
#include "fal-job-private.h"
#include "fal-json-private.h"
#include "fal-request-private.h"
#include "fal-i18n-private.h"

/* The request's state and its public face; following it (the status
 * stream, polls, the result, contact with fal) is fal-request-follow.c. */

static void fal_request_job_iface_init (FalJobInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FalRequest, fal_request, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FAL_TYPE_JOB, fal_request_job_iface_init))

/* Its own properties; FalJob's follow from PROP_JOB_FIRST ("status",
 * "request-id", "error"… and "finished" are FalJob's). */
enum {
  PROP_0,
  PROP_ELAPSED,
  PROP_RESULT,
  PROP_DONE,
  PROP_STREAMING,
  PROP_LAST_CONTACT,
  N_PROPS,
  PROP_JOB_FIRST = N_PROPS
};

static GParamSpec *properties[N_PROPS];

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
set_started (FalRequest *self)
{
  if (self->started)
    return;
  self->started = TRUE;
  if (self->wall_started_at == 0)
    {
      self->wall_started_at = g_get_real_time ();
      _fal_job_notify (self, FAL_JOB_PROP_STARTED_AT);
    }
  _fal_job_notify (self, FAL_JOB_PROP_STARTED);
}

/* The status as a FalJob: the queue's, until it is done; fal's COMPLETED
 * is not the job's until the result (or error) is in. */
static void
set_job_status (FalRequest   *self,
                FalJobStatus  status)
{
  if (self->job_status == status)
    return;
  self->job_status = status;
  _fal_job_notify (self, FAL_JOB_PROP_STATUS);
}

void
_fal_request_set_status (FalRequest       *self,
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
      _fal_job_notify (self, FAL_JOB_PROP_QUEUE_POSITION);
    }
  /* Started before the status says IN_PROGRESS. */
  if (status == FAL_REQUEST_IN_PROGRESS)
    set_started (self);
  if (status == FAL_REQUEST_IN_QUEUE)
    set_job_status (self, FAL_JOB_IN_QUEUE);
  else if (status == FAL_REQUEST_IN_PROGRESS)
    set_job_status (self, FAL_JOB_IN_PROGRESS);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ELAPSED]);
}

void
_fal_request_set_streaming (FalRequest *self,
                            gboolean    streaming)
{
  if (self->streaming == streaming)
    return;
  self->streaming = streaming;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STREAMING]);
}

void
_fal_request_set_connection_lost (FalRequest *self,
                                  gboolean    lost)
{
  if (self->connection_lost == lost)
    return;
  self->connection_lost = lost;
  if (lost)
    g_debug ("Lost contact with fal while following %s", self->request_id);
  else
    g_debug ("In contact with fal again about %s", self->request_id);
  _fal_job_notify (self, FAL_JOB_PROP_CONNECTION_LOST);
}

void
_fal_request_touch_contact (FalRequest *self)
{
  gint64 now = g_get_monotonic_time ();

  self->last_contact = now;
  /* Every stream chunk is contact: notified at most once a second, and
   * always when contact comes back. */
  if (self->connection_lost || now - self->contact_notified_at >= G_USEC_PER_SEC)
    {
      self->contact_notified_at = now;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_CONTACT]);
    }
  _fal_request_set_connection_lost (self, FALSE);
}

void
_fal_request_set_result (FalRequest *self,
                         JsonNode   *result)
{
  g_clear_pointer (&self->result, json_node_unref);
  self->result = result;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
  _fal_job_notify (self, FAL_JOB_PROP_OUTPUT);
  /* A result means it ran, whether or not we saw it running. */
  set_started (self);
}

void
_fal_request_finish (FalRequest *self)
{
  if (self->done)
    return;

  _fal_request_stop_following (self);
  if (self->completed_at == 0)
    self->completed_at = g_get_monotonic_time ();
  self->done = TRUE;
  _fal_request_set_connection_lost (self, FALSE);
  if (self->queue_position != -1)
    {
      self->queue_position = -1;
      _fal_job_notify (self, FAL_JOB_PROP_QUEUE_POSITION);
    }
  /* Failed before fal said COMPLETED (submit refused, contact lost). */
  self->status = FAL_REQUEST_COMPLETED;
  self->wall_completed_at = g_get_real_time ();
  _fal_job_notify (self, FAL_JOB_PROP_COMPLETED_AT);
  /* Everything is final before the status says so. */
  set_job_status (self, _fal_job_status_for_error (self->error));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
  _fal_job_emit_finished (self);

  _fal_complete_waiters (&self->waiters, self->error, self->result,
                         (GBoxedCopyFunc) json_node_ref, (GDestroyNotify) json_node_unref);
}

void
_fal_request_fail (FalRequest *self,
                   GError     *error)
{
  if (self->done)
    {
      g_error_free (error);
      return;
    }
  g_clear_error (&self->error);
  self->error = error;
  _fal_job_notify (self, FAL_JOB_PROP_ERROR);
  _fal_request_finish (self);
}

/* ------------------------------------------------------------------ status */

static FalLogEntry *
entry_from_json (JsonNode *element)
{
  JsonObject *line = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;

  if (line == NULL)
    return NULL;
  return fal_log_entry_new (fal_json_get_string (line, "message"), fal_json_get_string (line, "level"),
                            fal_json_get_string (line, "source"), fal_json_get_string (line, "timestamp"));
}

/* The batch's slots may be empty: holes, and entries taken. */
static void
entry_unref (gpointer entry)
{
  if (entry)
    g_object_unref (entry);
}

static void
log_batch_clear (gpointer data)
{
  FalLogBatch *batch = data;

  /* Not taken when the answer came too late (its call timed out). */
  if (batch->entries && batch->entries->len > FAL_FREE_LATER_ITEMS)
    _fal_free_later (g_steal_pointer (&batch->entries), (GDestroyNotify) g_ptr_array_unref);
  g_clear_pointer (&batch->entries, g_ptr_array_unref);
}

FalLogBatch *
_fal_log_batch_new (guint skip)
{
  FalLogBatch *batch = g_atomic_rc_box_new0 (FalLogBatch);

  batch->skip = skip;
  return batch;
}

FalLogBatch *
_fal_log_batch_ref (FalLogBatch *batch)
{
  return g_atomic_rc_box_acquire (batch);
}

void
_fal_log_batch_unref (FalLogBatch *batch)
{
  if (batch)
    g_atomic_rc_box_release_full (batch, log_batch_clear);
}

void
_fal_log_batch_make (JsonNode *status,
                     gpointer  data)
{
  FalLogBatch *batch = data;
  JsonArray *logs = JSON_NODE_HOLDS_OBJECT (status) ? fal_json_get_array (json_node_get_object (status), "logs") : NULL;
  guint n = logs ? json_array_get_length (logs) : 0;

  if (logs == NULL || batch->entries)
    return;
  batch->entries = g_ptr_array_new_full (n > batch->skip ? n - batch->skip : 0, entry_unref);
  for (guint i = batch->skip; i < n; i++)
    {
      FalLogEntry *entry = entry_from_json (json_array_get_element (logs, i));

      /* A line that is not an object stays a hole, so that the entries
       * keep the logs' positions. */
      g_ptr_array_add (batch->entries, entry);
    }
}

/* Appends the lines at positions not seen yet: positions are where the
 * lines stand in the request's cumulative log. The batch's entries are
 * taken for the positions they cover; the rest are made here. */
static void
take_logs (FalRequest  *self,
           JsonArray   *logs,
           guint        first_position,
           FalLogBatch *batch)
{
  g_autoptr(GPtrArray) fresh = NULL;
  guint known = g_list_model_get_n_items (G_LIST_MODEL (self->logs));
  guint n = json_array_get_length (logs);
  guint made_from = n, start;

  if (first_position + n <= known)
    return;
  start = known > first_position ? known - first_position : 0;
  if (batch && batch->entries && batch->skip + batch->entries->len == n)
    made_from = MAX (batch->skip, start);

  fresh = g_ptr_array_new_full (first_position + n - known, g_object_unref);
  for (guint i = start; i < made_from; i++)
    {
      FalLogEntry *entry = entry_from_json (json_array_get_element (logs, i));

      if (entry)
        g_ptr_array_add (fresh, entry);
    }
  for (guint i = made_from; i < n; i++)
    {
      FalLogEntry *entry = g_steal_pointer (&g_ptr_array_index (batch->entries, i - batch->skip));

      if (entry)
        g_ptr_array_add (fresh, entry);
    }
  fal_log_list_append (self->logs, fresh);
}

static void
completed (FalRequest *self,
           JsonObject *status)
{
  JsonObject *metrics = fal_json_get_object (status, "metrics");
  double inference_time;

  if (metrics)
    {
      g_clear_pointer (&self->metrics, json_object_unref);
      self->metrics = json_object_ref (metrics);
      _fal_job_notify (self, FAL_JOB_PROP_METRICS);
      /* Run metrics mean it ran, even if we never saw it running. */
      if (fal_json_get_double (metrics, "inference_time", &inference_time))
        set_started (self);
    }
  g_free (self->status_error);
  self->status_error = g_strdup (fal_json_get_string (status, "error"));
  g_free (self->status_error_type);
  self->status_error_type = g_strdup (fal_json_get_string (status, "error_type"));
  _fal_request_set_status (self, FAL_REQUEST_COMPLETED);
  _fal_request_stop_following (self);

  /* Cancelled: nothing to fetch, and no "HTTP 499" to show. */
  if (g_strcmp0 (self->status_error_type, "client_cancelled") == 0)
    {
      _fal_request_fail (self, fal_error_new_literal_full (FAL_ERROR_CANCELLED,
                                                           self->started ? _("Cancelled while it was running")
                                                                         : _("Cancelled before it started"),
                                                           499, self->request_id, self->status_error_type));
      return;
    }
  _fal_request_fetch_result (self);
}

void
_fal_request_handle_status (FalRequest    *self,
                            JsonObject    *status,
                            FalStreamConn *conn,
                            FalLogBatch   *batch)
{
  const char *state = fal_json_get_string (status, "status");
  JsonArray *logs = fal_json_get_array (status, "logs");
  gint64 position;

  if (logs)
    {
      guint first = conn ? conn->log_pos : 0;

      take_logs (self, logs, first, batch);
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
          _fal_job_notify (self, FAL_JOB_PROP_QUEUE_POSITION);
        }
      _fal_request_set_status (self, FAL_REQUEST_IN_QUEUE);
    }
  else if (g_strcmp0 (state, "IN_PROGRESS") == 0)
    _fal_request_set_status (self, FAL_REQUEST_IN_PROGRESS);
  else if (g_strcmp0 (state, "COMPLETED") == 0 && !self->fetching_result && !self->done)
    completed (self, status);
  /* Anything else: an unknown status, kept polling as the JS client does. */
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
  _fal_job_notify (self, FAL_JOB_PROP_STATUS_URL);
  _fal_job_notify (self, FAL_JOB_PROP_RESPONSE_URL);
  _fal_job_notify (self, FAL_JOB_PROP_CANCEL_URL);
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
      guint status = fal_error_get_http_status (error);

      /* A refused submit may still name its id: keep it in view. */
      if (self->request_id == NULL && fal_error_get_request_id (error))
        {
          self->request_id = g_strdup (fal_error_get_request_id (error));
          _fal_job_notify (self, FAL_JOB_PROP_REQUEST_ID);
        }
      /* fal took it (a 2xx with its id) and the answer was cut or garbled
       * on its way: the request is queued at fal, so follow it by its id
       * rather than give up on a run that is paid for. */
      if (self->request_id && SOUP_STATUS_IS_SUCCESSFUL (status) &&
          (g_error_matches (error, FAL_ERROR, FAL_ERROR_NETWORK) ||
           g_strcmp0 (fal_error_get_error_type (error), "garbled_answer") == 0))
        {
          g_debug ("The submit answer of %s was damaged (%s); following it by its id", self->request_id,
                   error->message);
          g_clear_error (&error);
          _fal_request_touch_contact (self);
          _fal_request_set_status (self, FAL_REQUEST_IN_QUEUE);
          if (!self->fetching_result && !self->done)
            _fal_request_start_stream (self);
          goto cancels;
        }
      _fal_request_fail (self, error);
      goto cancels;
    }

  request_id = JSON_NODE_HOLDS_OBJECT (node) ? fal_json_get_string (json_node_get_object (node), "request_id") : NULL;
  if (request_id == NULL)
    request_id = header_id;
  if (request_id == NULL)
    {
      _fal_request_fail (self, fal_error_new_literal_full (FAL_ERROR_PROTOCOL, _("The submit answer has no request_id"),
                                              200, NULL, NULL));
      goto cancels;
    }

  _fal_request_touch_contact (self);
  self->request_id = g_strdup (request_id);
  if (JSON_NODE_HOLDS_OBJECT (node))
    set_ids (self, json_node_get_object (node));
  _fal_job_notify (self, FAL_JOB_PROP_REQUEST_ID);
  if (JSON_NODE_HOLDS_OBJECT (node))
    _fal_request_handle_status (self, json_node_get_object (node), NULL, NULL);
  _fal_request_set_status (self, FAL_REQUEST_IN_QUEUE);
  if (!self->fetching_result && !self->done)
    _fal_request_start_stream (self);

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

  /* fal calls the webhook when the request ends (spec §3.6). */
  if (self->options->webhook_url && *self->options->webhook_url)
    {
      g_autofree char *escaped = g_uri_escape_string (self->options->webhook_url, NULL, FALSE);
      g_autofree char *with_webhook = g_strconcat (url, "?fal_webhook=", escaped, NULL);

      g_free (url);
      url = g_steal_pointer (&with_webhook);
    }

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
  _fal_request_stop_following (self);

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
  _fal_request_clear_pending_events (self);

  G_OBJECT_CLASS (fal_request_parent_class)->finalize (object);
}

static void
fal_request_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  FalRequest *self = FAL_REQUEST (object);

  if (prop_id >= PROP_JOB_FIRST)
    {
      _fal_job_get_property (FAL_JOB (self), prop_id - PROP_JOB_FIRST + 1, value);
      return;
    }

  switch (prop_id)
    {
    case PROP_ELAPSED:
      g_value_set_double (value, fal_request_get_elapsed (self));
      break;
    case PROP_RESULT:
      g_value_set_boxed (value, self->result);
      break;
    case PROP_DONE:
      g_value_set_boolean (value, self->done);
      break;
    case PROP_STREAMING:
      g_value_set_boolean (value, self->streaming);
      break;
    case PROP_LAST_CONTACT:
      g_value_set_int64 (value, self->last_contact);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
job_cancel_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (fal_request_cancel_finish (FAL_REQUEST (source), result, NULL, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
job_cancel_async (FalJob              *job,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  GTask *task = g_task_new (job, cancellable, callback, user_data);

  g_task_set_source_tag (task, job_cancel_async);
  fal_request_cancel_async (FAL_REQUEST (job), cancellable, job_cancel_cb, task);
}

static gboolean
job_cancel_finish (FalJob        *job,
                   GAsyncResult  *result,
                   GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, job), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
fal_request_job_iface_init (FalJobInterface *iface)
{
  iface->cancel_async = job_cancel_async;
  iface->cancel_finish = job_cancel_finish;
}

static void
fal_request_class_init (FalRequestClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = fal_request_dispose;
  object_class->finalize = fal_request_finalize;
  object_class->get_property = fal_request_get_property;

  /* Seconds since submit, or since it started running; it moves on its
   * own, so it is notified only when the status changes. */
  properties[PROP_ELAPSED] = g_param_spec_double ("elapsed", NULL, NULL, 0, G_MAXDOUBLE, 0, flags);
  /* The same as "output". */
  properties[PROP_RESULT] = g_param_spec_boxed ("result", NULL, NULL, JSON_TYPE_NODE, flags);
  properties[PROP_DONE] = g_param_spec_boolean ("done", NULL, NULL, FALSE, flags);
  properties[PROP_STREAMING] = g_param_spec_boolean ("streaming", NULL, NULL, FALSE, flags);
  /* Every answer is contact: notified at most once a second, and when
   * contact comes back. */
  properties[PROP_LAST_CONTACT] = g_param_spec_int64 ("last-contact", NULL, NULL, 0, G_MAXINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  _fal_job_override_properties (object_class, PROP_JOB_FIRST);
}

static void
fal_request_init (FalRequest *self)
{
  self->queue_position = -1;
  self->billable_units = -1;
  self->logs = fal_log_list_new ();
  self->cancellable = g_cancellable_new ();
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->pending_cancels = g_ptr_array_new_with_free_func (g_object_unref);
  g_queue_init (&self->pending_events);
  self->submitted_at = g_get_monotonic_time ();
  self->job_status = FAL_JOB_SUBMITTING;
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
      /* It was submitted (the id says so), so it is at least queued;
       * when it was submitted is the caller's to say
       * (fal_request_restore_times()). */
      self->status = FAL_REQUEST_IN_QUEUE;
      self->job_status = FAL_JOB_IN_QUEUE;
      _fal_request_start_stream (self);
    }
  else
    {
      self->wall_submitted_at = g_get_real_time ();
      submit (self);
    }
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
double fal_request_get_billable_units (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), -1); return self->billable_units; }
gboolean fal_request_is_done (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), FALSE); return self->done; }
gboolean fal_request_get_streaming (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), FALSE); return self->streaming; }
gboolean fal_request_get_started (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), FALSE); return self->started; }
gboolean fal_request_get_connection_lost (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), FALSE); return self->connection_lost; }
gint64 fal_request_get_last_contact (FalRequest *self) { g_return_val_if_fail (FAL_IS_REQUEST (self), 0); return self->last_contact; }

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
fal_request_restore_times (FalRequest *self,
                           gint64      submitted_at,
                           gint64      started_at)
{
  g_return_if_fail (FAL_IS_REQUEST (self));
  g_return_if_fail (submitted_at >= 0 && started_at >= 0);

  if (submitted_at != 0 && submitted_at != self->wall_submitted_at)
    {
      self->wall_submitted_at = submitted_at;
      _fal_job_notify (self, FAL_JOB_PROP_SUBMITTED_AT);
    }
  /* An earlier start than the one this object saw is the true one. */
  if (started_at != 0 && (self->wall_started_at == 0 || started_at < self->wall_started_at))
    {
      self->wall_started_at = started_at;
      _fal_job_notify (self, FAL_JOB_PROP_STARTED_AT);
    }
  if (started_at != 0)
    set_started (self);
}

void
fal_request_stop (FalRequest *self)
{
  g_return_if_fail (FAL_IS_REQUEST (self));

  g_cancellable_cancel (self->cancellable);
  _fal_request_stop_following (self);
  _fal_request_set_connection_lost (self, FALSE);
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
  if (*outcome == FAL_CANCEL_LEFT_QUEUE && !self->done)
    _fal_request_poll_soon (self);
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
