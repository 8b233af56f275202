/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* One line of a run's log: "12:00:01  INFO    the message", in one
 * monospace Pango layout, one line high whatever it says, the message
 * ellipsized. One widget where a box of three labels was four: a log
 * flood's jump to the end makes GTK 4.8's list view build about 205 rows
 * at once, and three labels a row (each measured twice, ellipsized) were
 * 90 ms of the main loop (bench-ui-stall, perf). The line's level is a
 * CSS class on the row (log-error, log-warn, log-debug, …), so the theme
 * colours the whole line. */
#define FALSTAFF_TYPE_LOG_ROW (falstaff_log_row_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffLogRow, falstaff_log_row, FALSTAFF, LOG_ROW, GtkWidget)

GtkWidget  *falstaff_log_row_new      (void);
/* timestamp: fal's ISO 8601 time (shown as its clock time), or NULL. */
void        falstaff_log_row_set_line (FalstaffLogRow *self,
                                       const char     *timestamp,
                                       const char     *level,
                                       const char     *message);
/* The words shown, for tests and the accessible name. */
const char *falstaff_log_row_get_text (FalstaffLogRow *self);

G_END_DECLS
