/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Speaks news (a run's status, a toast) to screen readers in GTK 4.8,
 * which has neither live regions nor gtk_accessible_announce() (4.14).
 * The 4.8 way: the news becomes the accessible description of the
 * control that has the keyboard focus, and Orca presents a description
 * change of its locus of focus. The control's own description (set with
 * falstaff_accessible_describe()) is given back as soon as the focus
 * moves on. */
#define FALSTAFF_TYPE_ANNOUNCER (falstaff_announcer_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffAnnouncer, falstaff_announcer, FALSTAFF, ANNOUNCER, GObject)

/* One announcer per window, kept on the window. */
FalstaffAnnouncer *falstaff_announcer_get_for_window (GtkWindow         *window);
void               falstaff_announcer_announce       (FalstaffAnnouncer *self,
                                                      const char        *text);
/* The last news announced, or NULL. */
const char        *falstaff_announcer_get_last       (FalstaffAnnouncer *self);

/* Announces in the window of widget, if it has one. */
void               falstaff_announce                 (GtkWidget         *widget,
                                                      const char        *text);

G_END_DECLS
