/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Iterates the default main context until condition(data) holds or the
 * deadline passes; FALSE on timeout. */
gboolean falstaff_test_wait_until (gboolean (*condition) (gpointer data),
                                   gpointer   data,
                                   guint      timeout_ms);
/* Renders the widget offscreen with the cairo renderer and saves a PNG
 * under $G_TEST_BUILDDIR/screenshots/NAME.png; returns the path. */
/* Runs the main loop for ms milliseconds. */
void     falstaff_test_iterate_for (guint ms);
char    *falstaff_test_screenshot (GtkWidget  *widget,
                                   const char *name);

/* Focuses the widget (and its window, for the X server) and sends real
 * key events with xdotool, e.g. "ctrl+Return" or "Tab Tab"; then lets
 * the main loop handle them. */
void     falstaff_test_press_keys (GtkWidget  *focus,
                                   const char *keys);

/* A real click on the widget's centre (xdotool moves the pointer and
 * presses the first button), then lets the main loop handle it. */
void     falstaff_test_click      (GtkWidget  *widget);

/* The first mapped widget of the type (or a subtype) under root whose
 * tooltip is tooltip (an icon button's name), or NULL. */
GtkWidget *falstaff_test_find_by_tooltip (GtkWidget  *root,
                                          GType       type,
                                          const char *tooltip);

/* The first widget under root (root included), depth first, that match
 * says is the one, or NULL. */
GtkWidget *falstaff_test_find_descendant (GtkWidget  *root,
                                          gboolean  (*match) (GtkWidget *widget));

/* The first mapped toplevel window of the type (or a subtype), or NULL. */
GtkWindow *falstaff_test_find_window (GType type);

G_END_DECLS
