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
char    *falstaff_test_screenshot (GtkWidget  *widget,
                                   const char *name);

G_END_DECLS
