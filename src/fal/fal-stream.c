/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-error.h"
#include "fal-error-private.h"
#include "fal-job-private.h"
#include "fal-json.h"
#include "fal-stream-private.h"
#include "fal-i18n-private.h"

#define READ_CHUNK (16 * 1024)

static void fal_stream_job_iface_init (FalJobInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FalStream, fal_stream, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (FAL_TYPE_JOB, fal_stream_job_iface_init))

/* Its own properties; FalJob's follow from PROP_JOB_FIRST ("request-id"
 * and "error" among them). */
enum {
  PROP_0,
  PROP_N_EVENTS,
  PROP_LAST_EVENT,
  PROP_DONE,
  N_PROPS,
  PROP_JOB_FIRST = N_PROPS
};

enum {
  EVENT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
finish (FalStream *self,
        GError    *error)
{
  if (self->done)
    {
      g_clear_error (&error);
      return;
    }
  self->done = TRUE;
  _fal_clear_source (&self->idle_timer);
  g_cancellable_cancel (self->cancellable);
  if (self->body)
    g_input_stream_close_async (self->body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);

  if (error == NULL && self->last_event == NULL)
    error = fal_error_new_literal_full (FAL_ERROR_PROTOCOL, _("The stream ended without any event"),
                                        200, self->request_id, NULL);
  if (error)
    {
      self->error = error;
      _fal_job_notify (self, FAL_JOB_PROP_ERROR);
    }
  self->completed_at = g_get_real_time ();
  _fal_job_notify (self, FAL_JOB_PROP_COMPLETED_AT);
  /* Everything is final before the status says so. */
  self->status = _fal_job_status_for_error (self->error);
  _fal_job_notify (self, FAL_JOB_PROP_STATUS);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DONE]);
  _fal_job_emit_finished (self);

  _fal_complete_waiters (&self->waiters, self->error, self->last_event,
                         (GBoxedCopyFunc) json_node_ref, (GDestroyNotify) json_node_unref);
}

static void
event_cb (const FalSseEvent *event,
          gpointer           user_data)
{
  FalStream *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  if (self->done)
    return;

  node = fal_json_parse (event->data, event->data_length, &error);
  if (node == NULL)
    {
      finish (self, fal_error_new_literal_full (FAL_ERROR_PROTOCOL, error->message, 200, self->request_id, NULL));
      return;
    }

  /* No error event exists in the protocol: an "error" member is one. */
  if (JSON_NODE_HOLDS_OBJECT (node) &&
      fal_json_get_string (json_node_get_object (node), "error") != NULL)
    {
      finish (self, _fal_error_new_from_event (json_node_get_object (node), self->request_id));
      return;
    }

  g_clear_pointer (&self->last_event, json_node_unref);
  self->last_event = json_node_ref (node);
  self->n_events++;
  g_signal_emit (self, signals[EVENT], 0, node);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_EVENTS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_EVENT]);
  _fal_job_notify (self, FAL_JOB_PROP_OUTPUT);
}

static gboolean
idle_timeout_cb (gpointer data)
{
  FalStream *self = data;
  g_autofree char *message = g_strdup_printf (_("The event stream sent nothing for %u s (stream-idle-timeout)"),
                                              _fal_client_get_stream_idle_timeout (self->client));

  self->idle_timer = 0;
  finish (self, fal_error_new_literal_full (FAL_ERROR_TIMEOUT, message, 200, self->request_id, "stream_idle"));
  return G_SOURCE_REMOVE;
}

/* Every byte, a keep-alive comment too, shows the stream is alive. */
static void
restart_idle_timer (FalStream *self)
{
  _fal_clear_source (&self->idle_timer);
  if (!self->done)
    self->idle_timer = _fal_timeout_add (_fal_client_get_stream_idle_timeout (self->client) * 1000,
                                         idle_timeout_cb, self);
}

static void read_cb (GObject *source, GAsyncResult *result, gpointer data);

/* One read's outcome: events parsed, the end, or the error. */
static void
handle_read (FalStream    *self,
             GBytes       *bytes,
             const GError *error)
{
  if (bytes == NULL)
    {
      finish (self, fal_error_new_from_transport (error));
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      /* A clean end: the last event is the result. A cut-off event is
       * a broken stream. */
      JsonObject *last = self->last_event && JSON_NODE_HOLDS_OBJECT (self->last_event)
                         ? json_node_get_object (self->last_event) : NULL;

      if (fal_sse_parser_finish (self->parser))
        finish (self, fal_error_new_literal_full (FAL_ERROR_NETWORK, _("The stream was cut off in the middle of an event"),
                                                  200, self->request_id, NULL));
      /* libsoup 3.2 takes a chunked body cut between chunks for a clean
       * end: an event that says more follows is no final result. */
      else if (last && json_object_has_member (last, "partial") &&
               json_object_get_boolean_member_with_default (last, "partial", FALSE))
        finish (self, fal_error_new_literal_full (FAL_ERROR_NETWORK, _("The stream ended before its final result"),
                                                  200, self->request_id, NULL));
      else
        finish (self, NULL);
      return;
    }

  restart_idle_timer (self);
  if (!fal_sse_parser_feed (self->parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)) &&
      !self->done)
    {
      finish (self, fal_error_new_literal_full (FAL_ERROR_PROTOCOL,
                                                _("The event stream sent a line or an event larger than this client accepts"),
                                                200, self->request_id, NULL));
      return;
    }
  if (!self->done)
    g_input_stream_read_bytes_async (self->body, READ_CHUNK, G_PRIORITY_DEFAULT, self->cancellable,
                                     read_cb, g_object_ref (self));
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(FalStream) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (!self->done)
    handle_read (self, bytes, error);
  /* Done: the parser's buffers go now, not when the run that keeps this
   * stream goes (outside the parser's own callbacks, which end it). */
  if (self->done)
    g_clear_pointer (&self->parser, fal_sse_parser_free);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(FalStream) self = data;
  g_autoptr(GInputStream) body = NULL;
  g_autofree char *request_id = NULL;
  GError *error = NULL;

  body = _fal_client_open_stream_finish (FAL_CLIENT (source), result, &request_id, &error);
  /* Cancelled meanwhile: it is final already. */
  if (self->done)
    {
      g_clear_error (&error);
      if (body)
        g_input_stream_close_async (body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      return;
    }
  if (request_id)
    {
      self->request_id = g_steal_pointer (&request_id);
      _fal_job_notify (self, FAL_JOB_PROP_REQUEST_ID);
    }
  if (body == NULL)
    {
      finish (self, error);
      return;
    }
  self->body = g_steal_pointer (&body);

  /* The answer's head came: fal is running it, events are on their way. */
  self->started = TRUE;
  self->started_at = g_get_real_time ();
  _fal_job_notify (self, FAL_JOB_PROP_STARTED);
  _fal_job_notify (self, FAL_JOB_PROP_STARTED_AT);
  self->status = FAL_JOB_IN_PROGRESS;
  _fal_job_notify (self, FAL_JOB_PROP_STATUS);
  restart_idle_timer (self);
  g_input_stream_read_bytes_async (self->body, READ_CHUNK, G_PRIORITY_DEFAULT, self->cancellable,
                                   read_cb, g_object_ref (self));
}

static void
fal_stream_dispose (GObject *object)
{
  FalStream *self = (FalStream *)object;

  _fal_clear_source (&self->idle_timer);
  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (fal_stream_parent_class)->dispose (object);
}

static void
fal_stream_finalize (GObject *object)
{
  FalStream *self = (FalStream *)object;

  g_clear_object (&self->client);
  g_clear_pointer (&self->endpoint, fal_endpoint_id_free);
  g_free (self->request_id);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->body);
  g_clear_pointer (&self->parser, fal_sse_parser_free);
  g_clear_pointer (&self->last_event, json_node_unref);
  g_clear_error (&self->error);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_object (&self->logs);

  G_OBJECT_CLASS (fal_stream_parent_class)->finalize (object);
}

static void
fal_stream_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  FalStream *self = FAL_STREAM (object);

  if (prop_id >= PROP_JOB_FIRST)
    {
      _fal_job_get_property (FAL_JOB (self), prop_id - PROP_JOB_FIRST + 1, value);
      return;
    }

  switch (prop_id)
    {
    case PROP_N_EVENTS:
      g_value_set_uint (value, self->n_events);
      break;
    case PROP_LAST_EVENT:
      g_value_set_boxed (value, self->last_event);
      break;
    case PROP_DONE:
      g_value_set_boolean (value, self->done);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
cancel_async (FalJob              *job,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  FalStream *self = FAL_STREAM (job);
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, cancel_async);
  fal_stream_cancel (self);
  g_task_return_boolean (task, TRUE);
}

static gboolean
cancel_finish (FalJob        *job,
               GAsyncResult  *result,
               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, job), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
fal_stream_job_iface_init (FalJobInterface *iface)
{
  iface->cancel_async = cancel_async;
  iface->cancel_finish = cancel_finish;
}

static void
fal_stream_class_init (FalStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = fal_stream_dispose;
  object_class->finalize = fal_stream_finalize;
  object_class->get_property = fal_stream_get_property;

  properties[PROP_N_EVENTS] = g_param_spec_uint ("n-events", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_LAST_EVENT] = g_param_spec_boxed ("last-event", NULL, NULL, JSON_TYPE_NODE, flags);
  properties[PROP_DONE] = g_param_spec_boolean ("done", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  _fal_job_override_properties (object_class, PROP_JOB_FIRST);

  signals[EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_NODE);
  /* "finished" is FalJob's. */
}

static void
fal_stream_init (FalStream *self)
{
  self->cancellable = g_cancellable_new ();
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->logs = fal_log_list_new ();
  self->status = FAL_JOB_SUBMITTING;
  self->submitted_at = g_get_real_time ();
}

FalStream *
_fal_stream_new (FalClient            *client,
                 FalEndpointId        *endpoint,
                 JsonNode             *input,
                 const FalCallOptions *options)
{
  FalStream *self = g_object_new (FAL_TYPE_STREAM, NULL);
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autoptr(JsonNode) empty = NULL;
  const char *full = fal_endpoint_id_get_full (endpoint);

  self->client = g_object_ref (client);
  self->endpoint = fal_endpoint_id_copy (endpoint);
  self->parser = fal_sse_parser_new (event_cb, NULL, self);

  /* "/stream" is not added twice (spec §1.5). */
  path = g_str_has_suffix (full, "/stream") ? g_strdup (full) : g_strconcat (full, "/stream", NULL);
  url = _fal_client_build_url (client, FAL_HOST_RUN, path);
  if (input == NULL)
    {
      empty = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (empty, json_object_new ());
    }
  _fal_client_open_stream_async (client, "POST", url, input ? input : empty, options, self->cancellable,
                                 opened_cb, g_object_ref (self));
  return self;
}

const char *fal_stream_get_endpoint_id (FalStream *self) { g_return_val_if_fail (FAL_IS_STREAM (self), NULL); return fal_endpoint_id_get_full (self->endpoint); }
const char *fal_stream_get_request_id (FalStream *self) { g_return_val_if_fail (FAL_IS_STREAM (self), NULL); return self->request_id; }
guint fal_stream_get_n_events (FalStream *self) { g_return_val_if_fail (FAL_IS_STREAM (self), 0); return self->n_events; }
JsonNode *fal_stream_get_last_event (FalStream *self) { g_return_val_if_fail (FAL_IS_STREAM (self), NULL); return self->last_event; }
const GError *fal_stream_get_error (FalStream *self) { g_return_val_if_fail (FAL_IS_STREAM (self), NULL); return self->error; }
gboolean fal_stream_is_done (FalStream *self) { g_return_val_if_fail (FAL_IS_STREAM (self), FALSE); return self->done; }

void
fal_stream_cancel (FalStream *self)
{
  g_return_if_fail (FAL_IS_STREAM (self));
  finish (self, g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, _("Cancelled")));
}

void
fal_stream_wait_async (FalStream           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FAL_IS_STREAM (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_stream_wait_async);
  if (!self->done)
    g_ptr_array_add (self->waiters, g_steal_pointer (&task));
  else if (self->error)
    g_task_return_error (task, g_error_copy (self->error));
  else
    g_task_return_pointer (task, json_node_ref (self->last_event), (GDestroyNotify) json_node_unref);
}

JsonNode *
fal_stream_wait_finish (FalStream     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
