/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-job.h"

G_BEGIN_DECLS

/**
 * FalStream:
 *
 * A streaming run: #FalStream::event is emitted for each SSE event with
 * its parsed JSON; the last event before the server closes is the result.
 * An HTTP error before the stream, a dropped connection, an invalid data:
 * line, an event carrying "error", and a body that is not an event stream
 * each end it with an error. #FalJob::finished is emitted once.
 *
 * It is a #FalJob: SUBMITTING until the answer's head comes, IN_PROGRESS
 * while events arrive (#FalJob:output is the latest), then COMPLETED,
 * FAILED or CANCELLED. It has no queue, URLs, logs (an empty model) or
 * metrics, and never loses contact: a dropped connection ends it.
 */
#define FAL_TYPE_STREAM (fal_stream_get_type ())
G_DECLARE_FINAL_TYPE (FalStream, fal_stream, FAL, STREAM, GObject)

/**
 * fal_stream_get_endpoint_id:
 * @self: a stream
 *
 * Returns: (transfer none): the endpoint
 */
const char   *fal_stream_get_endpoint_id (FalStream *self);
/**
 * fal_stream_get_request_id:
 * @self: a stream
 *
 * Returns: (transfer none) (nullable): the answer's `x-fal-request-id`,
 *   once its headers arrived
 */
const char   *fal_stream_get_request_id  (FalStream *self);
/**
 * fal_stream_get_n_events:
 * @self: a stream
 *
 * Returns: the events received so far
 */
guint         fal_stream_get_n_events    (FalStream *self);
/**
 * fal_stream_get_last_event:
 * @self: a stream
 *
 * Returns: (transfer none) (nullable): the last event so far; the result
 *   once finished without error
 */
JsonNode     *fal_stream_get_last_event  (FalStream *self);
/**
 * fal_stream_get_error:
 * @self: a stream
 *
 * Returns: (transfer none) (nullable): why it failed, or %NULL
 */
const GError *fal_stream_get_error       (FalStream *self);
/**
 * fal_stream_is_done:
 * @self: a stream
 *
 * Returns: whether it finished
 */
gboolean      fal_stream_is_done         (FalStream *self);
/**
 * fal_stream_cancel:
 * @self: a stream
 *
 * Closes the connection; the stream finishes with %FAL_ERROR_CANCELLED.
 */
void          fal_stream_cancel          (FalStream *self);
/**
 * fal_stream_wait_async:
 * @self: a stream
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once it is done
 * @user_data: (closure): data for @callback
 *
 * Waits for the stream to end.
 */
void          fal_stream_wait_async      (FalStream           *self,
                                          GCancellable        *cancellable,
                                          GAsyncReadyCallback  callback,
                                          gpointer             user_data);
/**
 * fal_stream_wait_finish:
 * @self: a stream
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the last event (the result), or %NULL with
 *   the stream's error
 */
JsonNode     *fal_stream_wait_finish     (FalStream           *self,
                                          GAsyncResult        *result,
                                          GError             **error);

G_END_DECLS
