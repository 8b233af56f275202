/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Two pictures at the same place, "before" left of a divider and
 * "after" right of it. The divider follows a drag of the pointer, a
 * click, and the keys: Left/Right (5 %, with Shift 1 %), Home/End.
 * Both pictures zoom together (plus/minus, Ctrl+scroll, 0 for fit) and
 * pan together (Ctrl+arrows, or a drag away from the divider when
 * zoomed): the same detail is always side by side.
 *
 * Properties: "position" (0–1), "zoom" (1–8). An accessible slider
 * whose value is the divider's place in percent. */
#define FALSTAFF_TYPE_COMPARE_SLIDER (falstaff_compare_slider_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffCompareSlider, falstaff_compare_slider, FALSTAFF, COMPARE_SLIDER, GtkWidget)

#define FALSTAFF_COMPARE_SLIDER_MAX_ZOOM 8.0

GtkWidget  *falstaff_compare_slider_new           (void);
void        falstaff_compare_slider_set_paintables (FalstaffCompareSlider *self,
                                                    GdkPaintable          *before,
                                                    GdkPaintable          *after);
double      falstaff_compare_slider_get_position  (FalstaffCompareSlider *self);
void        falstaff_compare_slider_set_position  (FalstaffCompareSlider *self,
                                                   double                 position);
double      falstaff_compare_slider_get_zoom      (FalstaffCompareSlider *self);
void        falstaff_compare_slider_set_zoom      (FalstaffCompareSlider *self,
                                                   double                 zoom);
/* The point of the pictures (0–1 each way) at the widget's centre. */
void        falstaff_compare_slider_get_center    (FalstaffCompareSlider *self,
                                                   double                *x,
                                                   double                *y);

G_END_DECLS
