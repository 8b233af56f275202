/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Where a run stands. The names (fal_job_status_to_string()) are stable:
 * a run store keeps them. */
typedef enum {
  FAL_JOB_SUBMITTING,   /* no request id yet */
  FAL_JOB_IN_QUEUE,
  FAL_JOB_IN_PROGRESS,  /* running at fal (for a /stream call: events arriving) */
  FAL_JOB_COMPLETED,    /* done with a result */
  FAL_JOB_FAILED,       /* done with an error that is not a cancel */
  FAL_JOB_CANCELLED,    /* done: cancelled (FAL_ERROR_CANCELLED) */
} FalJobStatus;

#define FAL_TYPE_JOB_STATUS (fal_job_status_get_type ())
GType        fal_job_status_get_type    (void);
/* "SUBMITTING", "IN_QUEUE", "IN_PROGRESS", "COMPLETED", "FAILED",
 * "CANCELLED"; NULL for a value that is none of these. */
const char  *fal_job_status_to_string   (FalJobStatus  status);
/* The reverse of fal_job_status_to_string() (exact names only); FALSE
 * and *status untouched for anything else. */
gboolean     fal_job_status_from_string (const char   *text,
                                         FalJobStatus *status);
gboolean     fal_job_status_is_done     (FalJobStatus  status);

/* One run at fal, whichever way it was made: a queued request
 * (FalRequest, also one attached by id) or a streaming call (FalStream).
 * Everything a view shows is a read-only property, notified (explicitly,
 * on the main context that was the thread default when the run was made)
 * only when it changes:
 *
 *   "endpoint-id", "request-id" (NULL until fal gave one; for a stream the
 *   x-fal-request-id of the answer), "status-url", "response-url",
 *   "cancel-url" (NULL for a stream), "status" (FalJobStatus),
 *   "queue-position" (-1 when not queued), "logs" (GListModel of
 *   FalLogEntry; always the same model, empty for a stream), "output"
 *   (JsonNode: a stream's latest event, then its final one; a queued
 *   request's result once fetched), "error" (GError, NULL unless FAILED or
 *   CANCELLED), "started" (fal was seen running it), "connection-lost"
 *   (FALSE for a stream), "submitted-at", "started-at", "completed-at"
 *   (g_get_real_time() µs, 0 when not (yet) known), "metrics" (JsonObject:
 *   inference_time…), "is-stream".
 *
 * "finished" is emitted exactly once, when the status becomes COMPLETED,
 * FAILED or CANCELLED; every property is final by then.
 *
 * The getters are cheap and return borrowed values, valid until the
 * property changes (strings, output, error, metrics) or as long as the job
 * (logs). */
#define FAL_TYPE_JOB (fal_job_get_type ())
G_DECLARE_INTERFACE (FalJob, fal_job, FAL, JOB, GObject)

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

const char   *fal_job_get_endpoint_id     (FalJob *self);
const char   *fal_job_get_request_id      (FalJob *self);
const char   *fal_job_get_status_url      (FalJob *self);
const char   *fal_job_get_response_url    (FalJob *self);
const char   *fal_job_get_cancel_url      (FalJob *self);
FalJobStatus  fal_job_get_status          (FalJob *self);
int           fal_job_get_queue_position  (FalJob *self);
GListModel   *fal_job_get_logs            (FalJob *self);
JsonNode     *fal_job_get_output          (FalJob *self);
const GError *fal_job_get_error           (FalJob *self);
gboolean      fal_job_get_started         (FalJob *self);
gboolean      fal_job_get_connection_lost (FalJob *self);
gint64        fal_job_get_submitted_at    (FalJob *self);
gint64        fal_job_get_started_at      (FalJob *self);
gint64        fal_job_get_completed_at    (FalJob *self);
JsonObject   *fal_job_get_metrics         (FalJob *self);
gboolean      fal_job_get_is_stream       (FalJob *self);
gboolean      fal_job_is_done             (FalJob *self);

/* Asks for the run to stop. A stream closes its connection and finishes
 * CANCELLED at once; a queued request asks fal (fal_request_cancel_async())
 * and finishes CANCELLED when fal says so, or COMPLETED/FAILED if it ended
 * first. TRUE once asked (also when it was already done); FALSE with the
 * error when fal could not be asked. */
void          fal_job_cancel_async        (FalJob              *self,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);
gboolean      fal_job_cancel_finish       (FalJob              *self,
                                           GAsyncResult        *result,
                                           GError             **error);

G_END_DECLS
