/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "falstaff-output-keeper.h"

G_BEGIN_DECLS

/* Every run, newest first: endpoint, what it was about, status and age;
 * searched by endpoint and prompt, filtered to running, failed or done.
 * A GtkListView over the run store: only the rows in view exist. */
#define FALSTAFF_TYPE_HISTORY_VIEW (falstaff_history_view_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffHistoryView, falstaff_history_view, FALSTAFF, HISTORY_VIEW, GtkWidget)

/* runs: a GListModel of FalstaffRun, newest first. */
void        falstaff_history_view_set_runs        (FalstaffHistoryView *self,
                                                   GListModel          *runs);
/* The run whose row is selected (the window shows it), or NULL. */
GObject    *falstaff_history_view_get_selected    (FalstaffHistoryView *self);
void        falstaff_history_view_select          (FalstaffHistoryView *self,
                                                   GObject             *run);
GtkWidget  *falstaff_history_view_get_search_entry (FalstaffHistoryView *self);
/* "all", "running", "failed" or "done". */
void        falstaff_history_view_set_filter      (FalstaffHistoryView *self,
                                                   const char          *filter);
/* The runs the search and filter show now (new references). */
GPtrArray  *falstaff_history_view_get_shown_runs  (FalstaffHistoryView *self);
guint       falstaff_history_view_get_n_shown     (FalstaffHistoryView *self);
/* Rows of completed runs with an image ("thumbnail-url") show a small
 * picture from the keeper's thumbnail cache, loaded only for the rows in
 * view. NULL: text only. */
void        falstaff_history_view_set_output_keeper (FalstaffHistoryView  *self,
                                                     FalstaffOutputKeeper *keeper);
FalstaffOutputKeeper *falstaff_history_view_get_output_keeper (FalstaffHistoryView *self);

/* Choosing runs to compare: each finished run's row gets a tick; with
 * two to four ticked, Compare emits "compare". */
void        falstaff_history_view_set_choosing    (FalstaffHistoryView *self,
                                                   gboolean             choosing);
/* The ticked runs, oldest first (new references). */
GPtrArray  *falstaff_history_view_get_chosen_runs (FalstaffHistoryView *self);
/* Tests: the buttons a person presses, and a run's tick (NULL when its
 * row is not in view). */
GtkWidget  *falstaff_history_view_get_choose_button  (FalstaffHistoryView *self);
GtkWidget  *falstaff_history_view_get_compare_button (FalstaffHistoryView *self);
GtkWidget  *falstaff_history_view_get_check_for      (FalstaffHistoryView *self,
                                                      GObject             *run);

G_END_DECLS
