/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal-local-job.h"
#include "fal-local-storage.h"

G_BEGIN_DECLS

typedef enum {
  FAL_LOCAL_CANCEL_LEFT_QUEUE,
  FAL_LOCAL_CANCEL_REQUESTED,
  FAL_LOCAL_CANCEL_ALREADY_COMPLETED,
} FalLocalCancelOutcome;

/* One FIFO queue per endpoint, each served by the same number of runners;
 * runners follow each endpoint's timeline (divided by the speed) and
 * compute outputs in worker threads. Lives on the server's thread. */
#define FAL_LOCAL_TYPE_QUEUE (fal_local_queue_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalQueue, fal_local_queue, FAL_LOCAL, QUEUE, GObject)

/* base_url: of the URLs returned; local_url: the loopback URL, whose
 * file URLs are this server's too. */
FalLocalQueue        *fal_local_queue_new        (FalLocalStorage *storage,
                                                  const char      *base_url,
                                                  const char      *local_url,
                                                  guint            runners,
                                                  double           speed);
/* The data: URI bytes a sync_mode result may hold. */
void                  fal_local_queue_set_inline_limit (FalLocalQueue *self,
                                                        gsize          limit);
/* Queue requests remembered for status and result; past this the oldest
 * finished ones are forgotten. */
#define FAL_LOCAL_QUEUE_MAX_KEPT 10000
void                  fal_local_queue_set_max_kept (FalLocalQueue *self,
                                                    guint          max_kept);
void                  fal_local_queue_submit     (FalLocalQueue *self,
                                                  FalLocalJob   *job);
FalLocalJob          *fal_local_queue_lookup     (FalLocalQueue *self,
                                                  const char    *request_id);
FalLocalCancelOutcome fal_local_queue_cancel     (FalLocalQueue *self,
                                                  FalLocalJob   *job);
/* A duration of the timeline at this speed, in ms. */
guint                 fal_local_queue_scale      (FalLocalQueue *self,
                                                  guint          ms);
guint                 fal_local_queue_get_run_ms (FalLocalQueue *self,
                                                  FalLocalJob   *job);
void                  fal_local_queue_shutdown   (FalLocalQueue *self);

G_END_DECLS
