/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-error.h"
#include "fal-job-private.h"
#include "fal-log-list.h"
#include "fal-request-private.h"
#include "fal-stream-private.h"

/* The one face of a run, queued or streamed. The two implementations are
 * libfal's own, so the getters read their fields directly: a view may ask
 * for the status or the output on every frame, and g_object_get() would
 * copy. */

G_DEFINE_ENUM_TYPE (FalJobStatus, fal_job_status,
  G_DEFINE_ENUM_VALUE (FAL_JOB_SUBMITTING, "submitting"),
  G_DEFINE_ENUM_VALUE (FAL_JOB_IN_QUEUE, "in-queue"),
  G_DEFINE_ENUM_VALUE (FAL_JOB_IN_PROGRESS, "in-progress"),
  G_DEFINE_ENUM_VALUE (FAL_JOB_COMPLETED, "completed"),
  G_DEFINE_ENUM_VALUE (FAL_JOB_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (FAL_JOB_CANCELLED, "cancelled"))

G_DEFINE_INTERFACE (FalJob, fal_job, G_TYPE_OBJECT)

enum {
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[FAL_JOB_N_PROPS];
static guint signals[N_SIGNALS];

/* Stored in run databases: never rename one. */
static const char * const status_names[] = {
  [FAL_JOB_SUBMITTING] = "SUBMITTING",
  [FAL_JOB_IN_QUEUE] = "IN_QUEUE",
  [FAL_JOB_IN_PROGRESS] = "IN_PROGRESS",
  [FAL_JOB_COMPLETED] = "COMPLETED",
  [FAL_JOB_FAILED] = "FAILED",
  [FAL_JOB_CANCELLED] = "CANCELLED",
};

const char *
fal_job_status_to_string (FalJobStatus status)
{
  if ((guint) status >= G_N_ELEMENTS (status_names))
    return NULL;
  return status_names[status];
}

gboolean
fal_job_status_from_string (const char   *text,
                            FalJobStatus *status)
{
  g_return_val_if_fail (status != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (status_names); i++)
    if (g_str_equal (text, status_names[i]))
      {
        *status = (FalJobStatus) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
fal_job_status_is_done (FalJobStatus status)
{
  return status == FAL_JOB_COMPLETED || status == FAL_JOB_FAILED || status == FAL_JOB_CANCELLED;
}

FalJobStatus
_fal_job_status_for_error (const GError *error)
{
  if (error == NULL)
    return FAL_JOB_COMPLETED;
  if (g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED))
    return FAL_JOB_CANCELLED;
  return FAL_JOB_FAILED;
}

/* ------------------------------------------------------------------ interface */

static void
fal_job_default_init (FalJobInterface *iface)
{
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  properties[FAL_JOB_PROP_ENDPOINT_ID] = g_param_spec_string ("endpoint-id", NULL, NULL, NULL, flags);
  properties[FAL_JOB_PROP_REQUEST_ID] = g_param_spec_string ("request-id", NULL, NULL, NULL, flags);
  properties[FAL_JOB_PROP_STATUS_URL] = g_param_spec_string ("status-url", NULL, NULL, NULL, flags);
  properties[FAL_JOB_PROP_RESPONSE_URL] = g_param_spec_string ("response-url", NULL, NULL, NULL, flags);
  properties[FAL_JOB_PROP_CANCEL_URL] = g_param_spec_string ("cancel-url", NULL, NULL, NULL, flags);
  properties[FAL_JOB_PROP_STATUS] = g_param_spec_enum ("status", NULL, NULL, FAL_TYPE_JOB_STATUS,
                                                       FAL_JOB_SUBMITTING, flags);
  properties[FAL_JOB_PROP_QUEUE_POSITION] = g_param_spec_int ("queue-position", NULL, NULL, -1, G_MAXINT, -1, flags);
  properties[FAL_JOB_PROP_LOGS] = g_param_spec_object ("logs", NULL, NULL, G_TYPE_LIST_MODEL, flags);
  properties[FAL_JOB_PROP_OUTPUT] = g_param_spec_boxed ("output", NULL, NULL, JSON_TYPE_NODE, flags);
  properties[FAL_JOB_PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, flags);
  properties[FAL_JOB_PROP_STARTED] = g_param_spec_boolean ("started", NULL, NULL, FALSE, flags);
  properties[FAL_JOB_PROP_CONNECTION_LOST] = g_param_spec_boolean ("connection-lost", NULL, NULL, FALSE, flags);
  properties[FAL_JOB_PROP_SUBMITTED_AT] = g_param_spec_int64 ("submitted-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[FAL_JOB_PROP_STARTED_AT] = g_param_spec_int64 ("started-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[FAL_JOB_PROP_COMPLETED_AT] = g_param_spec_int64 ("completed-at", NULL, NULL, 0, G_MAXINT64, 0, flags);
  properties[FAL_JOB_PROP_METRICS] = g_param_spec_boxed ("metrics", NULL, NULL, JSON_TYPE_OBJECT, flags);
  properties[FAL_JOB_PROP_IS_STREAM] = g_param_spec_boolean ("is-stream", NULL, NULL, FALSE, flags);
  for (guint i = 1; i < FAL_JOB_N_PROPS; i++)
    g_object_interface_install_property (iface, properties[i]);

  signals[FINISHED] = g_signal_new ("finished", FAL_TYPE_JOB, G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

void
_fal_job_override_properties (GObjectClass *klass,
                              guint         first_prop_id)
{
  for (guint i = 1; i < FAL_JOB_N_PROPS; i++)
    g_object_class_override_property (klass, first_prop_id + i - 1, g_param_spec_get_name (properties[i]));
}

void
_fal_job_notify (gpointer   self,
                 FalJobProp job_prop)
{
  g_assert (job_prop > FAL_JOB_PROP_0 && job_prop < FAL_JOB_N_PROPS);
  g_object_notify_by_pspec (G_OBJECT (self), properties[job_prop]);
}

void
_fal_job_emit_finished (gpointer self)
{
  g_signal_emit (self, signals[FINISHED], 0);
}

void
_fal_job_get_property (FalJob     *self,
                       FalJobProp  job_prop,
                       GValue     *value)
{
  switch (job_prop)
    {
    case FAL_JOB_PROP_ENDPOINT_ID:
      g_value_set_string (value, fal_job_get_endpoint_id (self));
      break;
    case FAL_JOB_PROP_REQUEST_ID:
      g_value_set_string (value, fal_job_get_request_id (self));
      break;
    case FAL_JOB_PROP_STATUS_URL:
      g_value_set_string (value, fal_job_get_status_url (self));
      break;
    case FAL_JOB_PROP_RESPONSE_URL:
      g_value_set_string (value, fal_job_get_response_url (self));
      break;
    case FAL_JOB_PROP_CANCEL_URL:
      g_value_set_string (value, fal_job_get_cancel_url (self));
      break;
    case FAL_JOB_PROP_STATUS:
      g_value_set_enum (value, fal_job_get_status (self));
      break;
    case FAL_JOB_PROP_QUEUE_POSITION:
      g_value_set_int (value, fal_job_get_queue_position (self));
      break;
    case FAL_JOB_PROP_LOGS:
      g_value_set_object (value, fal_job_get_logs (self));
      break;
    case FAL_JOB_PROP_OUTPUT:
      g_value_set_boxed (value, fal_job_get_output (self));
      break;
    case FAL_JOB_PROP_ERROR:
      g_value_set_boxed (value, fal_job_get_error (self));
      break;
    case FAL_JOB_PROP_STARTED:
      g_value_set_boolean (value, fal_job_get_started (self));
      break;
    case FAL_JOB_PROP_CONNECTION_LOST:
      g_value_set_boolean (value, fal_job_get_connection_lost (self));
      break;
    case FAL_JOB_PROP_SUBMITTED_AT:
      g_value_set_int64 (value, fal_job_get_submitted_at (self));
      break;
    case FAL_JOB_PROP_STARTED_AT:
      g_value_set_int64 (value, fal_job_get_started_at (self));
      break;
    case FAL_JOB_PROP_COMPLETED_AT:
      g_value_set_int64 (value, fal_job_get_completed_at (self));
      break;
    case FAL_JOB_PROP_METRICS:
      g_value_set_boxed (value, fal_job_get_metrics (self));
      break;
    case FAL_JOB_PROP_IS_STREAM:
      g_value_set_boolean (value, fal_job_get_is_stream (self));
      break;
    case FAL_JOB_PROP_0:
    case FAL_JOB_N_PROPS:
    default:
      g_assert_not_reached ();
    }
}

/* ------------------------------------------------------------------ getters */

/* Only libfal's two classes implement FalJob: a job that is no request
 * is a stream. */
#define REQUEST(job) (G_TYPE_CHECK_INSTANCE_TYPE ((job), FAL_TYPE_REQUEST) ? (FalRequest *) (job) : NULL)
#define STREAM(job)  FAL_STREAM (job)

const char *
fal_job_get_endpoint_id (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), NULL);
  if ((request = REQUEST (self)))
    return fal_endpoint_id_get_full (request->endpoint);
  return fal_endpoint_id_get_full (STREAM (self)->endpoint);
}

const char *
fal_job_get_request_id (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), NULL);
  if ((request = REQUEST (self)))
    return request->request_id;
  return STREAM (self)->request_id;
}

const char *
fal_job_get_status_url (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), NULL);
  return (request = REQUEST (self)) ? request->status_url : NULL;
}

const char *
fal_job_get_response_url (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), NULL);
  return (request = REQUEST (self)) ? request->response_url : NULL;
}

const char *
fal_job_get_cancel_url (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), NULL);
  return (request = REQUEST (self)) ? request->cancel_url : NULL;
}

FalJobStatus
fal_job_get_status (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), FAL_JOB_SUBMITTING);
  if ((request = REQUEST (self)))
    return request->job_status;
  return STREAM (self)->status;
}

int
fal_job_get_queue_position (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), -1);
  return (request = REQUEST (self)) ? request->queue_position : -1;
}

GListModel *
fal_job_get_logs (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), NULL);
  if ((request = REQUEST (self)))
    return G_LIST_MODEL (request->logs);
  return G_LIST_MODEL (STREAM (self)->logs);
}

JsonNode *
fal_job_get_output (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), NULL);
  if ((request = REQUEST (self)))
    return request->result;
  return STREAM (self)->last_event;
}

const GError *
fal_job_get_error (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), NULL);
  if ((request = REQUEST (self)))
    return request->error;
  return STREAM (self)->error;
}

gboolean
fal_job_get_started (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), FALSE);
  if ((request = REQUEST (self)))
    return request->started;
  return STREAM (self)->started;
}

gboolean
fal_job_get_connection_lost (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), FALSE);
  return (request = REQUEST (self)) ? request->connection_lost : FALSE;
}

gint64
fal_job_get_submitted_at (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), 0);
  if ((request = REQUEST (self)))
    return request->wall_submitted_at;
  return STREAM (self)->submitted_at;
}

gint64
fal_job_get_started_at (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), 0);
  if ((request = REQUEST (self)))
    return request->wall_started_at;
  return STREAM (self)->started_at;
}

gint64
fal_job_get_completed_at (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), 0);
  if ((request = REQUEST (self)))
    return request->wall_completed_at;
  return STREAM (self)->completed_at;
}

JsonObject *
fal_job_get_metrics (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), NULL);
  return (request = REQUEST (self)) ? request->metrics : NULL;
}

gboolean
fal_job_get_is_stream (FalJob *self)
{
  g_return_val_if_fail (FAL_IS_JOB (self), FALSE);
  return REQUEST (self) == NULL;
}

gboolean
fal_job_is_done (FalJob *self)
{
  FalRequest *request;

  g_return_val_if_fail (FAL_IS_JOB (self), FALSE);
  if ((request = REQUEST (self)))
    return request->done;
  return STREAM (self)->done;
}

/* ------------------------------------------------------------------ cancel */

void
fal_job_cancel_async (FalJob              *self,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (FAL_IS_JOB (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  FAL_JOB_GET_IFACE (self)->cancel_async (self, cancellable, callback, user_data);
}

gboolean
fal_job_cancel_finish (FalJob        *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (FAL_IS_JOB (self), FALSE);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), FALSE);

  return FAL_JOB_GET_IFACE (self)->cancel_finish (self, result, error);
}
