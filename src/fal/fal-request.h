/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

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
 * fetches the result. "finished" is emitted once, when status becomes
 * COMPLETED (result and/or error are then set). */
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
gboolean          fal_request_is_done            (FalRequest *self);
/* Whether updates come from the status stream (FALSE: polling). */
gboolean          fal_request_get_streaming      (FalRequest *self);

void              fal_request_cancel_async       (FalRequest          *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean          fal_request_cancel_finish      (FalRequest          *self,
                                                  GAsyncResult        *result,
                                                  FalCancelOutcome    *outcome,
                                                  GError             **error);
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
