/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal-json.h"

G_BEGIN_DECLS

/* Work on a parsed document done where it was parsed: in the worker
 * thread for a big one, so that what a big answer turns into (100,000
 * log entries) is not made on the caller's main loop either. */
typedef void (*FalJsonThenFunc) (JsonNode *node,
                                 gpointer  data);

/* fal_json_parse_async (), then then (node, then_data) in the same
 * thread on success. then_data_free (nullable) is called once the task
 * is done with then_data. */
void _fal_json_parse_then_async (GBytes              *bytes,
                                 FalJsonThenFunc      then,
                                 gpointer             then_data,
                                 GDestroyNotify       then_data_free,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data);

/* Lists of more objects than this are freed by _fal_free_later (). */
#define FAL_FREE_LATER_ITEMS 4096

/* free_func (data) in a worker thread (one, in order): for big trees
 * and lists, whose freeing would otherwise stall the main loop. */
void _fal_free_later (gpointer       data,
                      GDestroyNotify free_func);

G_END_DECLS
