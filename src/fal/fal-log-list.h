/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fal-log-entry.h"

G_BEGIN_DECLS

/**
 * FalLogList:
 *
 * A request's log as a #GListModel of #FalLogEntry, appended in batches:
 * one items-changed per batch, so a view keeps up with a flood.
 */
#define FAL_TYPE_LOG_LIST (fal_log_list_get_type ())
G_DECLARE_FINAL_TYPE (FalLogList, fal_log_list, FAL, LOG_LIST, GObject)

/**
 * fal_log_list_new:
 *
 * Returns: (transfer full): an empty log
 */
FalLogList *fal_log_list_new    (void);
/**
 * fal_log_list_append: (skip)
 * @self: a log
 * @entries: (element-type FalLogEntry): the entries; the log takes them
 *   and leaves the array empty
 *
 * Appends a batch. Skipped in bindings: it steals the array's elements,
 * an ownership no annotation can say.
 */
void        fal_log_list_append (FalLogList *self,
                                 GPtrArray  *entries);

G_END_DECLS
