/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * FalLogEntry:
 *
 * One line of a request's log, as fal sends it. Immutable.
 */
#define FAL_TYPE_LOG_ENTRY (fal_log_entry_get_type ())
G_DECLARE_FINAL_TYPE (FalLogEntry, fal_log_entry, FAL, LOG_ENTRY, GObject)

/**
 * fal_log_entry_new:
 * @message: (nullable): the line
 * @level: (nullable): its level; %NULL: "INFO"
 * @source: (nullable): its source
 * @timestamp: (nullable): its time, ISO-8601
 *
 * Returns: (transfer full): a new entry
 */
FalLogEntry *fal_log_entry_new           (const char *message,
                                          const char *level,
                                          const char *source,
                                          const char *timestamp);
/**
 * fal_log_entry_get_message:
 * @self: an entry
 *
 * Returns: (transfer none): the line
 */
const char  *fal_log_entry_get_message   (FalLogEntry *self);
/**
 * fal_log_entry_get_level:
 * @self: an entry
 *
 * Returns: (transfer none): "INFO", "DEBUG", "WARN", "ERROR", "STDOUT",
 *   "STDERR"… as sent
 */
const char  *fal_log_entry_get_level     (FalLogEntry *self);
/**
 * fal_log_entry_get_source:
 * @self: an entry
 *
 * Returns: (transfer none) (nullable): the source, as sent
 */
const char  *fal_log_entry_get_source    (FalLogEntry *self);
/**
 * fal_log_entry_get_timestamp:
 * @self: an entry
 *
 * Returns: (transfer none) (nullable): ISO-8601, as sent
 */
const char  *fal_log_entry_get_timestamp (FalLogEntry *self);

G_END_DECLS
