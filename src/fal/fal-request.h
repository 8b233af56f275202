/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-job.h"

G_BEGIN_DECLS

/**
 * FalRequestStatus:
 * @FAL_REQUEST_SUBMITTING: no request id yet
 * @FAL_REQUEST_IN_QUEUE: waiting in fal's queue
 * @FAL_REQUEST_IN_PROGRESS: running
 * @FAL_REQUEST_COMPLETED: done: see the result and the error
 *
 * The queue's own status of a request.
 */
typedef enum {
  FAL_REQUEST_SUBMITTING,
  FAL_REQUEST_IN_QUEUE,
  FAL_REQUEST_IN_PROGRESS,
  FAL_REQUEST_COMPLETED,
} FalRequestStatus;

/**
 * FalCancelOutcome:
 * @FAL_CANCEL_LEFT_QUEUE: it was queued: it will never run
 * @FAL_CANCEL_REQUESTED: it was running: the runner was told
 * @FAL_CANCEL_ALREADY_COMPLETED: too late
 *
 * What a cancel achieved.
 */
typedef enum {
  FAL_CANCEL_LEFT_QUEUE,
  FAL_CANCEL_REQUESTED,
  FAL_CANCEL_ALREADY_COMPLETED,
} FalCancelOutcome;

typedef struct _FalClient FalClient;

/**
 * FalRequest:
 *
 * A queued request that follows itself: it reads the status stream, falls
 * back to polling when the stream fails, drops or ends early, and goes
 * back to streaming; it never loses or repeats a log line. COMPLETED
 * fetches the result. #FalJob::finished is emitted once, when it is done
 * (result and/or error are then set). It ends with %FAL_ERROR_CANCELLED
 * when cancelled (here or anywhere), and with a model failure
 * (fal_error_is_model_failure()) when fal ran it and the model failed.
 *
 * It is a #FalJob: its #FalJob:status property is the #FalJobStatus
 * (SUBMITTING, IN_QUEUE, IN_PROGRESS, then COMPLETED, FAILED or CANCELLED
 * once done; fal's COMPLETED counts only once the result is in),
 * #FalJob:output is the result. fal_request_get_status() is the queue's
 * own status, COMPLETED as soon as fal says so.
 */
#define FAL_TYPE_REQUEST (fal_request_get_type ())
G_DECLARE_FINAL_TYPE (FalRequest, fal_request, FAL, REQUEST, GObject)

/**
 * fal_request_get_client:
 * @self: a request
 *
 * Returns: (transfer none): the client it goes through
 */
FalClient        *fal_request_get_client         (FalRequest *self);
/**
 * fal_request_get_endpoint_id:
 * @self: a request
 *
 * Returns: (transfer none): the endpoint
 */
const char       *fal_request_get_endpoint_id    (FalRequest *self);
/**
 * fal_request_get_request_id:
 * @self: a request
 *
 * Returns: (transfer none) (nullable): fal's request id; %NULL until the
 *   submit answered
 */
const char       *fal_request_get_request_id     (FalRequest *self);
/**
 * fal_request_get_status_url:
 * @self: a request
 *
 * Returns: (transfer none) (nullable): the status URL fal gave, or %NULL
 */
const char       *fal_request_get_status_url     (FalRequest *self);
/**
 * fal_request_get_response_url:
 * @self: a request
 *
 * Returns: (transfer none) (nullable): the result URL fal gave, or %NULL
 */
const char       *fal_request_get_response_url   (FalRequest *self);
/**
 * fal_request_get_cancel_url:
 * @self: a request
 *
 * Returns: (transfer none) (nullable): the cancel URL fal gave, or %NULL
 */
const char       *fal_request_get_cancel_url     (FalRequest *self);
/**
 * fal_request_get_status:
 * @self: a request
 *
 * Returns: the queue's status (see #FalJob:status for the run's)
 */
FalRequestStatus  fal_request_get_status         (FalRequest *self);
/**
 * fal_request_get_queue_position:
 * @self: a request
 *
 * Returns: the requests ahead while IN_QUEUE, else -1
 */
int               fal_request_get_queue_position (FalRequest *self);
/**
 * fal_request_get_elapsed:
 * @self: a request
 *
 * Returns: seconds since submit, or since it started running once
 *   IN_PROGRESS; frozen at completion
 */
double            fal_request_get_elapsed        (FalRequest *self);
/**
 * fal_request_get_logs:
 * @self: a request
 *
 * Returns: (transfer none): a #GListModel of #FalLogEntry, appended as
 *   lines arrive
 */
GListModel       *fal_request_get_logs           (FalRequest *self);
/**
 * fal_request_get_metrics:
 * @self: a request
 *
 * Returns: (transfer none) (nullable): the COMPLETED status's metrics
 *   (`{"inference_time": …}`), or %NULL
 */
JsonObject       *fal_request_get_metrics        (FalRequest *self);
/**
 * fal_request_get_result:
 * @self: a request
 *
 * Returns: (transfer none) (nullable): the result, once fetched
 */
JsonNode         *fal_request_get_result         (FalRequest *self);
/**
 * fal_request_get_error:
 * @self: a request
 *
 * Returns: (transfer none) (nullable): why it failed, or %NULL
 */
const GError     *fal_request_get_error          (FalRequest *self);
/**
 * fal_request_get_billable_units:
 * @self: a request
 *
 * Returns: what fal will bill for the result (`x-fal-billable-units`), in
 *   the endpoint's price unit; -1 when fal did not say (or no result yet)
 */
double            fal_request_get_billable_units (FalRequest *self);
/**
 * fal_request_is_done:
 * @self: a request
 *
 * Returns: whether it finished
 */
gboolean          fal_request_is_done            (FalRequest *self);
/**
 * fal_request_get_streaming:
 * @self: a request
 *
 * Returns: whether updates come from the status stream (%FALSE: polling)
 */
gboolean          fal_request_get_streaming      (FalRequest *self);
/**
 * fal_request_get_started:
 * @self: a request
 *
 * Property #FalJob:started.
 *
 * Returns: %TRUE once fal was seen running it (IN_PROGRESS), or it
 *   completed with a result or with run metrics: a UI can say whether fal
 *   had started it (e.g. when it ends cancelled)
 */
gboolean          fal_request_get_started        (FalRequest *self);
/**
 * fal_request_get_connection_lost:
 * @self: a request
 *
 * %TRUE while fal cannot be reached about this request (connection
 * refused or reset, no answer to a status call within 2.5 s, a stream
 * silent for 1.5 s whose check got no answer within 2 s): set within 5 s
 * of fal going away. The request keeps asking every 1–2 s (at once after
 * a try that timed out) for as long as it takes, and never fails for this
 * alone; the first answer sets it back to %FALSE and the request goes on
 * where it was, no log line lost or repeated. A fal that answers again
 * but no longer knows the request (404) ends it with
 * %FAL_ERROR_NOT_FOUND. %FALSE once done. Property #FalJob:connection-lost.
 *
 * Returns: whether fal is out of reach
 */
gboolean          fal_request_get_connection_lost (FalRequest *self);
/**
 * fal_request_get_last_contact:
 * @self: a request
 *
 * Property #FalRequest:last-contact, notified at most once a second and
 * whenever contact comes back.
 *
 * Returns: g_get_monotonic_time() of the last answer from fal about this
 *   request (submit, status, stream bytes including keep-alives, result);
 *   0 before the first
 */
gint64            fal_request_get_last_contact   (FalRequest *self);

/**
 * fal_request_cancel_async:
 * @self: a request
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with fal's answer
 * @user_data: (closure): data for @callback
 *
 * Asks fal to cancel the request.
 */
void              fal_request_cancel_async       (FalRequest          *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/**
 * fal_request_cancel_finish:
 * @self: a request
 * @result: the result given to the callback
 * @outcome: (out) (optional): what the cancel achieved
 * @error: return location for an error
 *
 * Returns: %TRUE when fal answered (see @outcome), %FALSE with @error set
 */
gboolean          fal_request_cancel_finish      (FalRequest          *self,
                                                  GAsyncResult        *result,
                                                  FalCancelOutcome    *outcome,
                                                  GError             **error);
/**
 * fal_request_restore_times:
 * @self: a request from fal_client_attach()
 * @submitted_at: when it was submitted (wall-clock µs), or 0
 * @started_at: when it started running (wall-clock µs), or 0
 *
 * For a request attached after a restart: the times an earlier follow of
 * it saw, 0 for unknown. An attached request's #FalJob:submitted-at is 0
 * until given; its #FalJob:started-at is when this object first saw it
 * running, unless an earlier time is given here.
 */
void              fal_request_restore_times      (FalRequest *self,
                                                  gint64      submitted_at,
                                                  gint64      started_at);
/**
 * fal_request_stop:
 * @self: a request
 *
 * Stops following (the request goes on at fal).
 */
void              fal_request_stop               (FalRequest *self);

/**
 * fal_request_wait_async:
 * @self: a request
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once it is done
 * @user_data: (closure): data for @callback
 *
 * Waits for completion.
 */
void              fal_request_wait_async         (FalRequest          *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/**
 * fal_request_wait_finish:
 * @self: a request
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the result, or %NULL with the request's error
 */
JsonNode         *fal_request_wait_finish        (FalRequest          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/**
 * fal_request_status_to_string:
 * @status: a queue status
 *
 * Returns: (transfer none): its name as fal spells it ("IN_QUEUE", …)
 */
const char       *fal_request_status_to_string   (FalRequestStatus status);

G_END_DECLS
