/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "fal.h"

G_BEGIN_DECLS

/* Files bigger than this are refused on the field before any upload
 * (fal's storage takes more, but a form input that large is almost
 * always a mistake, and it would take minutes to send). */
#define FALSTAFF_FILE_ROW_MAX_SIZE (G_GUINT64_CONSTANT (1) << 30)

/* The form row of a FAL_FIELD_FILE or FAL_FIELD_FILE_LIST field: a drop
 * zone (files, browser images, links), a paste action and a chooser.
 * Every local file given is checked (readable, not empty, at most
 * FALSTAFF_FILE_ROW_MAX_SIZE, of the field's media) and uploaded at once;
 * http(s) links are used as they are. As uploads finish the row writes
 * the URL (FILE) or the URLs in order (FILE_LIST) into the form model.
 *
 * Actions: file-row.choose, file-row.paste (Ctrl+V), file-row.retry (u),
 * file-row.remove (u). Properties: busy (something is being checked,
 * saved or uploaded), n-items, failed (an upload failed and waits for a
 * retry or a removal), message (what was refused, or NULL). */
#define FALSTAFF_TYPE_FILE_ROW (falstaff_file_row_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffFileRow, falstaff_file_row, FALSTAFF, FILE_ROW, GtkListBoxRow)

GtkWidget      *falstaff_file_row_new             (FalFormField    *field,
                                                   FalFormModel    *model,
                                                   FalClient       *client);

FalFormField   *falstaff_file_row_get_field       (FalstaffFileRow *self);
gboolean        falstaff_file_row_get_busy        (FalstaffFileRow *self);
gboolean        falstaff_file_row_get_failed      (FalstaffFileRow *self);
guint           falstaff_file_row_get_n_items     (FalstaffFileRow *self);
/* The message on the field (a refused file, a server's 422), or NULL. */
const char     *falstaff_file_row_get_message     (FalstaffFileRow *self);
void            falstaff_file_row_set_message     (FalstaffFileRow *self,
                                                   const char      *message);

/* Whether a dropped value of this kind would fit here: the media of its
 * files or links (a texture is an image) against the field's. */
gboolean        falstaff_file_row_accepts         (FalstaffFileRow *self,
                                                   const GValue    *value);
/* What the drop target does with a value: a GdkFileList, a GFile, a
 * GdkTexture or a string (a uri-list or one link). FALSE when nothing in
 * it could be used (the message says why). */
gboolean        falstaff_file_row_add_value       (FalstaffFileRow *self,
                                                   const GValue    *value);
/* What the chooser's response does with the chosen files. */
void            falstaff_file_row_add_files       (FalstaffFileRow *self,
                                                   GListModel      *files);
/* The drop target and, while it is open, the chooser (for tests). */
GtkDropTarget  *falstaff_file_row_get_drop_target (FalstaffFileRow *self);
GtkFileChooserNative *falstaff_file_row_get_chooser (FalstaffFileRow *self);

/* Items, in order. The upload is NULL for links and for files still
 * being checked; the URL is NULL until known; the error is the item's
 * own (a failed upload). */
FalUpload      *falstaff_file_row_get_item_upload (FalstaffFileRow *self,
                                                   guint            index);
const char     *falstaff_file_row_get_item_url    (FalstaffFileRow *self,
                                                   guint            index);
const char     *falstaff_file_row_get_item_error  (FalstaffFileRow *self,
                                                   guint            index);
const char     *falstaff_file_row_get_item_name   (FalstaffFileRow *self,
                                                   guint            index);
/* The local file behind an item (the saved PNG of a texture), or NULL
 * for a link. */
GFile          *falstaff_file_row_get_item_file   (FalstaffFileRow *self,
                                                   guint            index);

/* Completes when the row is no longer busy: TRUE when every item has its
 * URL, else FALSE with an error naming the first failed item. For the
 * window's Run, which waits for uploads in flight. */
void            falstaff_file_row_wait_async      (FalstaffFileRow     *self,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);
gboolean        falstaff_file_row_wait_finish     (FalstaffFileRow     *self,
                                                   GAsyncResult        *result,
                                                   GError             **error);

G_END_DECLS
