/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-job.h"

G_BEGIN_DECLS

/* A streaming run: "event" is emitted for each SSE event with its parsed
 * JSON; the last event before the server closes is the result. An HTTP
 * error before the stream, a dropped connection, an invalid data: line,
 * an event carrying "error", and a body that is not an event stream each
 * end it with an error. "finished" is emitted once.
 *
 * It is a FalJob: SUBMITTING until the answer's head comes, IN_PROGRESS
 * while events arrive ("output" is the latest), then COMPLETED, FAILED or
 * CANCELLED. It has no queue, URLs, logs (an empty model) or metrics, and
 * never loses contact: a dropped connection ends it. */
#define FAL_TYPE_STREAM (fal_stream_get_type ())
G_DECLARE_FINAL_TYPE (FalStream, fal_stream, FAL, STREAM, GObject)

const char   *fal_stream_get_endpoint_id (FalStream *self);
/* From x-fal-request-id, once the answer's headers arrived. */
const char   *fal_stream_get_request_id  (FalStream *self);
guint         fal_stream_get_n_events    (FalStream *self);
/* The last event so far; the result once finished without error. */
JsonNode     *fal_stream_get_last_event  (FalStream *self);
const GError *fal_stream_get_error       (FalStream *self);
gboolean      fal_stream_is_done         (FalStream *self);
/* Closes the connection; the stream finishes with FAL_ERROR_CANCELLED. */
void          fal_stream_cancel          (FalStream *self);

void          fal_stream_wait_async      (FalStream           *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
JsonNode     *fal_stream_wait_finish     (FalStream           *self,
                                          GAsyncResult        *result,
                                          GError             **error);

G_END_DECLS
