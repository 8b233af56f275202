/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fal-log-entry.h"

G_BEGIN_DECLS

/* A request's log as a GListModel of FalLogEntry, appended in batches:
 * one items-changed per batch, so a view keeps up with a flood. */
#define FAL_TYPE_LOG_LIST (fal_log_list_get_type ())
G_DECLARE_FINAL_TYPE (FalLogList, fal_log_list, FAL, LOG_LIST, GObject)

FalLogList *fal_log_list_new    (void);
/* Takes the entries (FalLogEntry) of the array. */
void        fal_log_list_append (FalLogList *self,
                                 GPtrArray  *entries);

G_END_DECLS
