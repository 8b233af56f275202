/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A contact sheet as one PNG: a title, column labels above, row labels
 * at the left, each cell an image scaled to fit (or a text tile), and
 * text chunks for how it was made. Drawn with cairo and pango in a
 * worker thread; the file is replaced atomically. */
#define FALSTAFF_TYPE_SHEET_EXPORT (falstaff_sheet_export_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffSheetExport, falstaff_sheet_export, FALSTAFF, SHEET_EXPORT, GObject)

FalstaffSheetExport *falstaff_sheet_export_new          (guint                n_columns,
                                                         guint                n_rows);
void                 falstaff_sheet_export_set_title    (FalstaffSheetExport *self,
                                                         const char          *title);
void                 falstaff_sheet_export_set_column_label (FalstaffSheetExport *self,
                                                             guint                column,
                                                             const char          *label);
void                 falstaff_sheet_export_set_row_label    (FalstaffSheetExport *self,
                                                             guint                row,
                                                             const char          *label);
/* The texture's pixels are read at once (on the calling thread). */
void                 falstaff_sheet_export_set_cell_texture (FalstaffSheetExport *self,
                                                             guint                column,
                                                             guint                row,
                                                             GdkTexture          *texture);
void                 falstaff_sheet_export_set_cell_text    (FalstaffSheetExport *self,
                                                             guint                column,
                                                             guint                row,
                                                             const char          *text);
void                 falstaff_sheet_export_add_metadata     (FalstaffSheetExport *self,
                                                             const char          *key,
                                                             const char          *value);
/* Where a cell is drawn in the image, in pixels. */
void                 falstaff_sheet_export_get_cell_rect    (FalstaffSheetExport *self,
                                                             guint                column,
                                                             guint                row,
                                                             GdkRectangle        *rect);
void                 falstaff_sheet_export_get_size         (FalstaffSheetExport *self,
                                                             int                 *width,
                                                             int                 *height);
void                 falstaff_sheet_export_write_async      (FalstaffSheetExport *self,
                                                             GFile               *file,
                                                             GCancellable        *cancellable,
                                                             GAsyncReadyCallback  callback,
                                                             gpointer             user_data);
gboolean             falstaff_sheet_export_write_finish     (FalstaffSheetExport *self,
                                                             GAsyncResult        *result,
                                                             GError             **error);

G_END_DECLS
