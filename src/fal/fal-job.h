/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * FalJobStatus:
 * @FAL_JOB_SUBMITTING: no request id yet
 * @FAL_JOB_IN_QUEUE: waiting in fal's queue
 * @FAL_JOB_IN_PROGRESS: running at fal (for a /stream call: events arriving)
 * @FAL_JOB_COMPLETED: done with a result
 * @FAL_JOB_FAILED: done with an error that is not a cancel
 * @FAL_JOB_CANCELLED: done: cancelled (%FAL_ERROR_CANCELLED)
 *
 * Where a run stands. The names (fal_job_status_to_string()) are stable:
 * a run store keeps them.
 */
typedef enum {
  FAL_JOB_SUBMITTING,
  FAL_JOB_IN_QUEUE,
  FAL_JOB_IN_PROGRESS,
  FAL_JOB_COMPLETED,
  FAL_JOB_FAILED,
  FAL_JOB_CANCELLED,
} FalJobStatus;

#define FAL_TYPE_JOB_STATUS (fal_job_status_get_type ())
GType        fal_job_status_get_type    (void);
/**
 * fal_job_status_to_string:
 * @status: a status
 *
 * Returns: (transfer none) (nullable): "SUBMITTING", "IN_QUEUE",
 *   "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED"; %NULL for a value
 *   that is none of these
 */
const char  *fal_job_status_to_string   (FalJobStatus  status);
/**
 * fal_job_status_from_string:
 * @text: (nullable): a name from fal_job_status_to_string()
 * @status: (out): the status named
 *
 * The reverse of fal_job_status_to_string() (exact names only).
 *
 * Returns: %TRUE when @text names a status; %FALSE and @status untouched
 *   for anything else
 */
gboolean     fal_job_status_from_string (const char   *text,
                                         FalJobStatus *status);
/**
 * fal_job_status_is_done:
 * @status: a status
 *
 * Returns: whether @status is COMPLETED, FAILED or CANCELLED
 */
gboolean     fal_job_status_is_done     (FalJobStatus  status);

/**
 * FalJob:
 *
 * One run at fal, whichever way it was made: a queued request
 * (#FalRequest, also one attached by id) or a streaming call
 * (#FalStream). Everything a view shows is a read-only property,
 * notified (explicitly, on the main context that was the thread default
 * when the run was made) only when it changes:
 *
 * "endpoint-id", "request-id" (%NULL until fal gave one; for a stream the
 * `x-fal-request-id` of the answer), "status-url", "response-url",
 * "cancel-url" (%NULL for a stream), "status" (#FalJobStatus),
 * "queue-position" (-1 when not queued), "logs" (#GListModel of
 * #FalLogEntry; always the same model, empty for a stream), "output"
 * (#JsonNode: a stream's latest event, then its final one; a queued
 * request's result once fetched), "error" (#GError, %NULL unless FAILED
 * or CANCELLED), "started" (fal was seen running it), "connection-lost"
 * (%FALSE for a stream), "submitted-at", "started-at", "completed-at"
 * (g_get_real_time() µs, 0 when not (yet) known), "metrics" (#JsonObject:
 * inference_time…), "is-stream".
 *
 * #FalJob::finished is emitted exactly once, when the status becomes
 * COMPLETED, FAILED or CANCELLED; every property is final by then.
 *
 * The getters are cheap and return borrowed values, valid until the
 * property changes (strings, output, error, metrics) or as long as the
 * job (logs).
 */
#define FAL_TYPE_JOB (fal_job_get_type ())
G_DECLARE_INTERFACE (FalJob, fal_job, FAL, JOB, GObject)

/**
 * FalJobInterface:
 * @parent_iface: the parent interface
 * @cancel_async: asks for the run to stop
 * @cancel_finish: finishes @cancel_async
 *
 * The virtual methods of a #FalJob.
 */
struct _FalJobInterface
{
  GTypeInterface parent_iface;

  void     (*cancel_async)  (FalJob              *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data);
  gboolean (*cancel_finish) (FalJob              *self,
                             GAsyncResult        *result,
                             GError             **error);
};

/**
 * fal_job_get_endpoint_id:
 * @self: a job
 *
 * Returns: (transfer none): the endpoint
 */
const char   *fal_job_get_endpoint_id     (FalJob *self);
/**
 * fal_job_get_request_id:
 * @self: a job
 *
 * Returns: (transfer none) (nullable): fal's request id, or %NULL until fal gave one
 */
const char   *fal_job_get_request_id      (FalJob *self);
/**
 * fal_job_get_status_url:
 * @self: a job
 *
 * Returns: (transfer none) (nullable): the status URL, or %NULL
 */
const char   *fal_job_get_status_url      (FalJob *self);
/**
 * fal_job_get_response_url:
 * @self: a job
 *
 * Returns: (transfer none) (nullable): the result URL, or %NULL
 */
const char   *fal_job_get_response_url    (FalJob *self);
/**
 * fal_job_get_cancel_url:
 * @self: a job
 *
 * Returns: (transfer none) (nullable): the cancel URL, or %NULL
 */
const char   *fal_job_get_cancel_url      (FalJob *self);
/**
 * fal_job_get_status:
 * @self: a job
 *
 * Returns: where the run stands
 */
FalJobStatus  fal_job_get_status          (FalJob *self);
/**
 * fal_job_get_queue_position:
 * @self: a job
 *
 * Returns: the requests ahead, or -1 when not queued
 */
int           fal_job_get_queue_position  (FalJob *self);
/**
 * fal_job_get_logs:
 * @self: a job
 *
 * Returns: (transfer none): the log, a #GListModel of #FalLogEntry
 */
GListModel   *fal_job_get_logs            (FalJob *self);
/**
 * fal_job_get_output:
 * @self: a job
 *
 * Returns: (transfer none) (nullable): a stream's latest event, a request's
 *   result once fetched, or %NULL
 */
JsonNode     *fal_job_get_output          (FalJob *self);
/**
 * fal_job_get_error:
 * @self: a job
 *
 * Returns: (transfer none) (nullable): the error once FAILED or CANCELLED
 */
const GError *fal_job_get_error           (FalJob *self);
/**
 * fal_job_get_started:
 * @self: a job
 *
 * Returns: whether fal was seen running it
 */
gboolean      fal_job_get_started         (FalJob *self);
/**
 * fal_job_get_connection_lost:
 * @self: a job
 *
 * Returns: whether fal is out of reach (see
 *   fal_request_get_connection_lost())
 */
gboolean      fal_job_get_connection_lost (FalJob *self);
/**
 * fal_job_get_submitted_at:
 * @self: a job
 *
 * Returns: when it was submitted, g_get_real_time() µs, or 0
 */
gint64        fal_job_get_submitted_at    (FalJob *self);
/**
 * fal_job_get_started_at:
 * @self: a job
 *
 * Returns: when it started running, g_get_real_time() µs, or 0
 */
gint64        fal_job_get_started_at      (FalJob *self);
/**
 * fal_job_get_completed_at:
 * @self: a job
 *
 * Returns: when it finished, g_get_real_time() µs, or 0
 */
gint64        fal_job_get_completed_at    (FalJob *self);
/**
 * fal_job_get_metrics:
 * @self: a job
 *
 * Returns: (transfer none) (nullable): the run metrics (inference_time…),
 *   or %NULL
 */
JsonObject   *fal_job_get_metrics         (FalJob *self);
/**
 * fal_job_get_is_stream:
 * @self: a job
 *
 * Returns: whether it is a #FalStream
 */
gboolean      fal_job_get_is_stream       (FalJob *self);
/**
 * fal_job_is_done:
 * @self: a job
 *
 * Returns: whether #FalJob::finished was emitted
 */
gboolean      fal_job_is_done             (FalJob *self);

/**
 * fal_job_cancel_async:
 * @self: a job
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once asked
 * @user_data: (closure): data for @callback
 *
 * Asks for the run to stop. A stream closes its connection and finishes
 * CANCELLED at once; a queued request asks fal
 * (fal_request_cancel_async()) and finishes CANCELLED when fal says so,
 * or COMPLETED/FAILED if it ended first.
 */
void          fal_job_cancel_async        (FalJob              *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
/**
 * fal_job_cancel_finish:
 * @self: a job
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: %TRUE once asked (also when it was already done); %FALSE with
 *   the error when fal could not be asked
 */
gboolean      fal_job_cancel_finish       (FalJob              *self,
                                           GAsyncResult        *result,
                                           GError             **error);

G_END_DECLS
