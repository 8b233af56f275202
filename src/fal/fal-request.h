/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-job.h"

G_BEGIN_DECLS

typedef enum {
  FAL_REQUEST_SUBMITTING,    /* no request id yet */
  FAL_REQUEST_IN_QUEUE,
  FAL_REQUEST_IN_PROGRESS,
  FAL_REQUEST_COMPLETED,     /* done: see result and error */
} FalRequestStatus;

typedef enum {
  FAL_CANCEL_LEFT_QUEUE,           /* it was queued: it will never run */
  FAL_CANCEL_REQUESTED,            /* it was running: the runner was told */
  FAL_CANCEL_ALREADY_COMPLETED,    /* too late */
} FalCancelOutcome;

typedef struct _FalClient FalClient;

/* A queued request that follows itself: it reads the status stream, falls
 * back to polling when the stream fails, drops or ends early, and goes
 * back to streaming; it never loses or repeats a log line. COMPLETED
 * fetches the result. "finished" is emitted once, when it is done (result
 * and/or error are then set). It ends with FAL_ERROR_CANCELLED when
 * cancelled (here or anywhere), and with a model failure
 * (fal_error_is_model_failure()) when fal ran it and the model failed.
 *
 * It is a FalJob: its "status" property is the FalJobStatus (SUBMITTING,
 * IN_QUEUE, IN_PROGRESS, then COMPLETED, FAILED or CANCELLED once done;
 * fal's COMPLETED counts only once the result is in), "output" is the
 * result. fal_request_get_status() is the queue's own status, COMPLETED
 * as soon as fal says so. */
#define FAL_TYPE_REQUEST (fal_request_get_type ())
G_DECLARE_FINAL_TYPE (FalRequest, fal_request, FAL, REQUEST, GObject)

FalClient        *fal_request_get_client         (FalRequest *self);
const char       *fal_request_get_endpoint_id    (FalRequest *self);
/* NULL until the submit answered. */
const char       *fal_request_get_request_id     (FalRequest *self);
const char       *fal_request_get_status_url     (FalRequest *self);
const char       *fal_request_get_response_url   (FalRequest *self);
const char       *fal_request_get_cancel_url     (FalRequest *self);
FalRequestStatus  fal_request_get_status         (FalRequest *self);
/* Requests ahead while IN_QUEUE, else -1. */
int               fal_request_get_queue_position (FalRequest *self);
/* Seconds since submit, or since it started running once IN_PROGRESS;
 * frozen at completion. */
double            fal_request_get_elapsed        (FalRequest *self);
/* A GListModel of FalLogEntry, appended as lines arrive. */
GListModel       *fal_request_get_logs           (FalRequest *self);
/* The COMPLETED status's metrics ({"inference_time": …}), or NULL. */
JsonObject       *fal_request_get_metrics        (FalRequest *self);
JsonNode         *fal_request_get_result         (FalRequest *self);
const GError     *fal_request_get_error          (FalRequest *self);
/* What fal will bill for the result (x-fal-billable-units), in the
 * endpoint's price unit; -1 when fal did not say (or no result yet). */
double            fal_request_get_billable_units (FalRequest *self);
gboolean          fal_request_is_done            (FalRequest *self);
/* Whether updates come from the status stream (FALSE: polling). */
gboolean          fal_request_get_streaming      (FalRequest *self);
/* TRUE once fal was seen running it (IN_PROGRESS), or it completed with
 * a result or with run metrics: a UI can say whether fal had started it
 * (e.g. when it ends cancelled). Property "started". */
gboolean          fal_request_get_started        (FalRequest *self);
/* TRUE while fal cannot be reached about this request (connection
 * refused or reset, no answer to a status call within 2.5 s, a stream
 * silent for 1.5 s whose check got no answer within 2 s): set within 5 s
 * of fal going away. The request keeps asking every 1–2 s (at once after
 * a try that timed out) for as long as it takes, and never fails for this
 * alone; the first answer sets it back to FALSE and the request goes on
 * where it was, no log line lost or repeated. A fal that answers again
 * but no longer knows the request (404) ends it with FAL_ERROR_NOT_FOUND.
 * FALSE once done. Property "connection-lost". */
gboolean          fal_request_get_connection_lost (FalRequest *self);
/* g_get_monotonic_time() of the last answer from fal about this request
 * (submit, status, stream bytes including keep-alives, result); 0 before
 * the first. Property "last-contact", notified at most once a second and
 * whenever contact comes back. */
gint64            fal_request_get_last_contact   (FalRequest *self);

void              fal_request_cancel_async       (FalRequest          *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean          fal_request_cancel_finish      (FalRequest          *self,
                                                  GAsyncResult        *result,
                                                  FalCancelOutcome    *outcome,
                                                  GError             **error);
/* For a request attached after a restart: the wall-clock times (µs) an
 * earlier follow of it saw, 0 for unknown. An attached request's
 * "submitted-at" is 0 until given; its "started-at" is when this object
 * first saw it running, unless an earlier time is given here. */
void              fal_request_restore_times      (FalRequest *self,
                                                  gint64      submitted_at,
                                                  gint64      started_at);
/* Stops following (the request goes on at fal). */
void              fal_request_stop               (FalRequest *self);

/* Waits for completion: the result, or the error. */
void              fal_request_wait_async         (FalRequest          *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
JsonNode         *fal_request_wait_finish        (FalRequest          *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

const char       *fal_request_status_to_string   (FalRequestStatus status);

G_END_DECLS
