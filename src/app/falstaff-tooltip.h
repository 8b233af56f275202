/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A tooltip whose text is handed over when GTK asks for it.
 *
 * gtk_widget_set_tooltip_text() makes GTK look at once whether the pointer
 * is over the widget: on X11 that is a server grab and a round trip
 * (XIQueryPointer, then XSync) each call, which a sheet of 64 cells
 * changing state, or a list binding rows, pays hundreds of times a second
 * while the X server is busy (bench-sweep). This keeps the text and
 * answers ::query-tooltip with it; setting it costs no round trip. Like
 * gtk_widget_set_tooltip_text(), the text is also the widget's accessible
 * description. NULL or "" removes the tooltip. */
void        falstaff_tooltip_set_text (GtkWidget  *widget,
                                       const char *text);
const char *falstaff_tooltip_get_text (GtkWidget  *widget);

G_END_DECLS
