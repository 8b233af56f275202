/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "fal.h"
#include "fal-form-model.h"

G_BEGIN_DECLS

/* The form of an endpoint, built from its FalFormModel: one row per field,
 * the kind deciding the control (prompts as wrapping text, enums as
 * drop-downs, bounded numbers as spin buttons or scales, switches, image
 * sizes, seeds with "random", JSON editors), required fields first and
 * marked, the rest of the optional ones under "Advanced". Rows write into
 * the model as they change; field errors (local or a 422's) show on the
 * row their loc names. */
#define FALSTAFF_TYPE_FORM_VIEW (falstaff_form_view_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffFormView, falstaff_form_view, FALSTAFF, FORM_VIEW, GtkWidget)

/* The client file rows upload with; set before the model. */
void          falstaff_form_view_set_client  (FalstaffFormView *self,
                                              FalClient        *client);
void          falstaff_form_view_set_model   (FalstaffFormView *self,
                                              FalFormModel     *model);
/* The rows of file fields (FalstaffFileRow), in form order. */
GPtrArray    *falstaff_form_view_get_file_rows (FalstaffFormView *self);
FalFormModel *falstaff_form_view_get_model   (FalstaffFormView *self);
/* Rebuilds the rows from the model's values (after a reset or restore). */
void          falstaff_form_view_refresh     (FalstaffFormView *self);
/* The request body once every file of the form is uploaded: waits for
 * the file rows still busy, then builds the body from the model (field
 * errors shown on their rows). Fails with the first failed upload,
 * FAL_ERROR_VALIDATION (see fal_error_get_field_errors()), or
 * G_IO_ERROR_CANCELLED: then nothing is to be sent (the files go on
 * uploading for the next try). */
void          falstaff_form_view_collect_body_async  (FalstaffFormView    *self,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
JsonNode     *falstaff_form_view_collect_body_finish (FalstaffFormView    *self,
                                                      GAsyncResult        *result,
                                                      GError             **error);
/* How many file rows are uploading (or checking) now: what a collect
 * started now waits for. */
guint         falstaff_form_view_get_n_uploading     (FalstaffFormView    *self);
/* 422-shaped errors; NULL clears them. Returns how many landed on a row. */
guint         falstaff_form_view_show_errors (FalstaffFormView *self,
                                              JsonArray        *errors);
/* The control of a field (the spin button, drop-down, text view, …; the
 * FalstaffFileRow of a file field), for tests and focus. */
GtkWidget    *falstaff_form_view_get_row     (FalstaffFormView *self,
                                              const char       *name);
/* The error shown on a field's row, or NULL. */
const char   *falstaff_form_view_get_row_error (FalstaffFormView *self,
                                                const char       *name);
/* The row of a field in its list: a GtkListBoxRow holding title,
 * description, control and error, or the FalstaffFileRow. */
GtkWidget    *falstaff_form_view_get_field_row (FalstaffFormView *self,
                                                const char       *name);

typedef enum {
  FALSTAFF_FORM_ROW_TITLE,
  FALSTAFF_FORM_ROW_DESCRIPTION,
  FALSTAFF_FORM_ROW_ERROR,
} FalstaffFormRowPart;

/* A GtkLabel of a field's row (NULL for a file row, whose labels are
 * its own, or a field without a description). */
GtkWidget    *falstaff_form_view_get_row_label (FalstaffFormView    *self,
                                                const char          *name,
                                                FalstaffFormRowPart  part);
/* The "Advanced" AdwExpanderRow, or NULL when every field is basic. */
GtkWidget    *falstaff_form_view_get_advanced_expander (FalstaffFormView *self);

G_END_DECLS
