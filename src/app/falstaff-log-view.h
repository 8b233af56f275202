/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A request's log (a GListModel of FalLogEntry) in a GtkListView: time,
 * level (as a CSS class), message; it follows the tail unless the person
 * scrolled up; a filter and copy-all. */
#define FALSTAFF_TYPE_LOG_VIEW (falstaff_log_view_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffLogView, falstaff_log_view, FALSTAFF, LOG_VIEW, GtkWidget)

void        falstaff_log_view_set_model   (FalstaffLogView *self,
                                           GListModel      *logs);
GListModel *falstaff_log_view_get_shown   (FalstaffLogView *self);
/* What an empty log says (NULL: the default, lines to come). */
void        falstaff_log_view_set_empty_text (FalstaffLogView *self,
                                              const char      *text);
/* The empty log's words while it is empty and shows them, else NULL. */
const char *falstaff_log_view_get_empty_text_shown (FalstaffLogView *self);
/* Whether new lines scroll the view (TRUE until the person scrolls up). */

/* For tests: Copy the Whole Log. */
GtkWidget  *falstaff_log_view_get_copy_button (FalstaffLogView *self);

G_END_DECLS
