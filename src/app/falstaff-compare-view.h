/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "falstaff-compare-slider.h"
#include "falstaff-output-keeper.h"
#include "falstaff-run.h"

G_BEGIN_DECLS

/* Two to four finished runs side by side: a column each with its
 * endpoint, time and first output, and their inputs in rows, those that
 * differ marked (colour and a word). Two runs with images get a
 * before/after FalstaffCompareSlider above. */
#define FALSTAFF_TYPE_COMPARE_VIEW (falstaff_compare_view_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffCompareView, falstaff_compare_view, FALSTAFF, COMPARE_VIEW, GtkWidget)

void                   falstaff_compare_view_set_output_keeper (FalstaffCompareView  *self,
                                                                FalstaffOutputKeeper *keeper);
/* The runs' inputs and results must be loaded. */
void                   falstaff_compare_view_set_runs          (FalstaffCompareView  *self,
                                                                FalstaffRun         **runs,
                                                                guint                 n_runs);
/* NULL unless two runs with images are shown. */
FalstaffCompareSlider *falstaff_compare_view_get_slider        (FalstaffCompareView  *self);
/* The input keys marked as differing (a new array). */
char                 **falstaff_compare_view_get_highlighted_keys (FalstaffCompareView *self);
/* TRUE once every image shown is loaded. */
gboolean               falstaff_compare_view_is_loaded         (FalstaffCompareView  *self);

G_END_DECLS
