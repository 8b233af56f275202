/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* One line of a request's log, as fal sends it. Immutable. */
#define FAL_TYPE_LOG_ENTRY (fal_log_entry_get_type ())
G_DECLARE_FINAL_TYPE (FalLogEntry, fal_log_entry, FAL, LOG_ENTRY, GObject)

FalLogEntry *fal_log_entry_new           (const char *message,
                                          const char *level,
                                          const char *source,
                                          const char *timestamp);
const char  *fal_log_entry_get_message   (FalLogEntry *self);
/* "INFO", "DEBUG", "WARN", "ERROR", "STDOUT", "STDERR"… as sent. */
const char  *fal_log_entry_get_level     (FalLogEntry *self);
const char  *fal_log_entry_get_source    (FalLogEntry *self);
/* ISO-8601, as sent. */
const char  *fal_log_entry_get_timestamp (FalLogEntry *self);

G_END_DECLS
