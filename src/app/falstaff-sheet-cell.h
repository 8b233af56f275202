/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "falstaff-output-keeper.h"
#include "falstaff-run.h"

G_BEGIN_DECLS

/* One cell of a contact sheet: a sweep's run at one pair of axis values.
 * Shows where the run stands while it is queued or running, its image
 * (or text) when done, its error when it failed, with Run Again.
 *
 * Signals: "open" (the person pressed the cell), "run-again" (pressed
 * Run Again on a failed or cancelled cell). */
#define FALSTAFF_TYPE_SHEET_CELL (falstaff_sheet_cell_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffSheetCell, falstaff_sheet_cell, FALSTAFF, SHEET_CELL, GtkWidget)

/* label: the cell's axis values in words ("Seed 3, Steps 20"), for its
 * accessible name. */
FalstaffSheetCell *falstaff_sheet_cell_new         (const char           *label,
                                                    FalstaffOutputKeeper *keeper);
/* The latest run at this cell, or NULL (none: deleted). */
void               falstaff_sheet_cell_set_run     (FalstaffSheetCell    *self,
                                                    FalstaffRun          *run);
FalstaffRun       *falstaff_sheet_cell_get_run     (FalstaffSheetCell    *self);
/* The image shown (NULL until loaded) and the words shown instead of one. */
GdkTexture        *falstaff_sheet_cell_get_texture (FalstaffSheetCell    *self);
const char        *falstaff_sheet_cell_get_text    (FalstaffSheetCell    *self);
/* The button that opens the run, and the Run Again one (tests). */
GtkWidget         *falstaff_sheet_cell_get_open_button      (FalstaffSheetCell *self);
GtkWidget         *falstaff_sheet_cell_get_run_again_button (FalstaffSheetCell *self);

G_END_DECLS
