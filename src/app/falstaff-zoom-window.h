/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "falstaff-zoom-view.h"

G_BEGIN_DECLS

/* A window for one image at full size: a FalstaffZoomView in a scrolled
 * window, with zoom buttons (Ctrl+plus, Ctrl+minus, Ctrl+0 fit, Ctrl+1
 * 100 %) and Escape to close. */
#define FALSTAFF_TYPE_ZOOM_WINDOW (falstaff_zoom_window_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffZoomWindow, falstaff_zoom_window, FALSTAFF, ZOOM_WINDOW, AdwWindow)

/* @parent may be NULL; @image is the encoded file (PNG, JPEG, …). */
GtkWidget        *falstaff_zoom_window_new      (GtkWindow          *parent,
                                                 GBytes             *image,
                                                 const char         *title);
FalstaffZoomView *falstaff_zoom_window_get_view (FalstaffZoomWindow *self);

G_END_DECLS
