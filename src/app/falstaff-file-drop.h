/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "falstaff-file-row.h"

G_BEGIN_DECLS

/* Dropping onto the window: the drop goes to the first file field whose
 * media fits and that is empty, else to the first list field that fits
 * and has room. rows: FalstaffFileRow, in form order. */

/* A drop target taking what a file row takes (files, images, links). */
GtkDropTarget   *falstaff_file_drop_target_new (void);
/* The row a value would go to, or NULL. */
FalstaffFileRow *falstaff_file_drop_find_row   (GPtrArray    *rows,
                                                const GValue *value);
/* Gives the value to that row; FALSE when no row fits, or the row could
 * use nothing in it (its message says why). */
gboolean         falstaff_file_drop_deliver    (GPtrArray    *rows,
                                                const GValue *value);

G_END_DECLS
