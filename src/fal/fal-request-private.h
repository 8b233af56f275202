/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal-client-private.h"
#include "fal-job-private.h"
#include "fal-log-list.h"
#include "fal-request.h"
#include "fal-sse-parser.h"

G_BEGIN_DECLS

/* Log lines seen on one status stream connection: its first event holds
 * the whole log so far, later ones only new lines. Events waiting to be
 * parsed keep their connection's count. */
typedef struct {
  gatomicrefcount ref_count;
  guint log_pos;
} FalStreamConn;

/* A status answer's log lines made into entries where the answer was
 * parsed (a worker thread for a big one: a poll's answer holds the whole
 * log), so the main loop only appends them. skip: the lines of the
 * answer's "logs" already known when it was sent or parsed, not made
 * again. Reference-counted (g_atomic_rc_box): the parse and its caller
 * both hold it. */
typedef struct {
  guint skip;
  GPtrArray *entries;          /* FalLogEntry for logs[skip…]; NULL until made */
} FalLogBatch;

FalLogBatch *_fal_log_batch_new     (guint        skip);
FalLogBatch *_fal_log_batch_ref     (FalLogBatch *batch);
void         _fal_log_batch_unref   (FalLogBatch *batch);
/* A FalJsonThenFunc: makes the entries of the status object's logs. */
void         _fal_log_batch_make    (JsonNode    *status,
                                     gpointer     batch);

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
  gint64 submitted_at;         /* monotonic, for "elapsed" and the watchdog */
  gint64 started_at;
  gint64 completed_at;
  FalJobStatus job_status;     /* as a FalJob: see set_job_status() */
  gint64 wall_submitted_at;    /* wall clock, as a FalJob; 0 when unknown */
  gint64 wall_started_at;
  gint64 wall_completed_at;
  gboolean started;
  FalLogList *logs;
  JsonObject *metrics;
  char *status_error;
  char *status_error_type;
  JsonNode *result;
  double billable_units;        /* x-fal-billable-units of the result, -1 = none */
  GError *error;
  gboolean done;

  GCancellable *cancellable;   /* everything this request does */
  GPtrArray *waiters;          /* GTask */
  GPtrArray *pending_cancels;  /* GTask: cancel asked before the submit answered */

  /* Contact with fal. */
  gboolean connection_lost;
  gint64 last_contact;
  gint64 contact_notified_at;

  /* Following (fal-request-follow.c). */
  gboolean streaming;
  GInputStream *stream;
  FalSseParser *parser;
  FalStreamConn *conn;         /* the stream connection now open */
  GQueue pending_events;       /* big events parse off-thread, in order */
  gboolean parsing_event;
  gboolean opening_stream;
  guint stream_generation;     /* bumped when a stream (or its opening) is dropped */
  GCancellable *open_cancellable;
  guint stream_failures;
  guint polls_until_stream;
  guint poll_timer;
  gboolean poll_in_flight;
  gboolean probing;
  guint watchdog;
  guint result_timer;
  gboolean fetching_result;
};

/* fal-request.c: state changes, notified. */
void _fal_request_set_status          (FalRequest       *self,
                                       FalRequestStatus  status);
void _fal_request_set_streaming       (FalRequest       *self,
                                       gboolean          streaming);
void _fal_request_set_connection_lost (FalRequest       *self,
                                       gboolean          lost);
/* An answer came from fal: contact is back if it was lost. */
void _fal_request_touch_contact       (FalRequest       *self);
void _fal_request_set_result          (FalRequest       *self,
                                       JsonNode         *result);
/* Ends the request (once): with error when it is set. Takes error. */
void _fal_request_fail                (FalRequest       *self,
                                       GError           *error);
void _fal_request_finish              (FalRequest       *self);
/* One status object, from a poll (cumulative logs, conn NULL) or a
 * stream event (logs counted on conn); batch (nullable): its log lines
 * already made into entries. */
void _fal_request_handle_status       (FalRequest       *self,
                                       JsonObject       *status,
                                       FalStreamConn    *conn,
                                       FalLogBatch      *batch);

/* fal-request-follow.c */
void _fal_request_start_stream        (FalRequest       *self);
void _fal_request_stop_following      (FalRequest       *self);
/* Polls soon unless a poll or a stream is already on its way. */
void _fal_request_poll_soon           (FalRequest       *self);
void _fal_request_fetch_result        (FalRequest       *self);
void _fal_request_clear_pending_events (FalRequest      *self);

G_END_DECLS
