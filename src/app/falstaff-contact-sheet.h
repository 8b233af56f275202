/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include "falstaff-output-keeper.h"
#include "falstaff-run-store.h"
#include "falstaff-sheet-cell.h"

G_BEGIN_DECLS

/* A sweep as a grid that fills in as its runs finish: columns are the
 * values of its first axis, rows those of its second, each cell the
 * latest run made for that pair (FalstaffSheetCell). Follows the store:
 * a cell run again shows its new run.
 *
 * Actions: "sheet.cancel-all", "sheet.export".
 * Signals: "open-run" (FalstaffRun), "run-again" (FalstaffRun: a failed
 * cell's run, to send again at the same cell), "message" (a sentence for
 * a toast). */
#define FALSTAFF_TYPE_CONTACT_SHEET (falstaff_contact_sheet_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffContactSheet, falstaff_contact_sheet, FALSTAFF, CONTACT_SHEET, GtkWidget)

void               falstaff_contact_sheet_set_output_keeper (FalstaffContactSheet *self,
                                                             FalstaffOutputKeeper *keeper);
/* Shows the sweep (0: none) of the store. */
void               falstaff_contact_sheet_set_sweep   (FalstaffContactSheet *self,
                                                       FalstaffRunStore     *store,
                                                       gint64                sweep_id);
gint64             falstaff_contact_sheet_get_sweep_id (FalstaffContactSheet *self);
guint              falstaff_contact_sheet_get_n_columns (FalstaffContactSheet *self);
guint              falstaff_contact_sheet_get_n_rows    (FalstaffContactSheet *self);
FalstaffSheetCell *falstaff_contact_sheet_get_cell      (FalstaffContactSheet *self,
                                                         guint                 column,
                                                         guint                 row);
/* The words of a column's or row's label ("Seed 3"). */
const char        *falstaff_contact_sheet_get_column_label (FalstaffContactSheet *self,
                                                            guint                 column);
const char        *falstaff_contact_sheet_get_row_label    (FalstaffContactSheet *self,
                                                            guint                 row);
/* Sends a cancel for every cell's run that is not done; returns how many
 * were sent. */
guint              falstaff_contact_sheet_cancel_all    (FalstaffContactSheet *self);
/* The sheet as one PNG with its labels; text chunks: the endpoint, the
 * inputs every cell shares, the axes. */
void               falstaff_contact_sheet_export_async  (FalstaffContactSheet *self,
                                                         GFile                *file,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
gboolean           falstaff_contact_sheet_export_finish (FalstaffContactSheet *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);

G_END_DECLS
