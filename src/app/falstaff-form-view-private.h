/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "falstaff-form-view.h"

G_BEGIN_DECLS

/* FalstaffFormView is written in three files: falstaff-form-view.c (the
 * view, its groups, errors and focus), falstaff-form-view-rows.c (the
 * row every field gets, and the rows of text, numbers, switches and
 * seeds) and falstaff-form-view-choices.c (drop-downs: enums and image
 * sizes). This is what they share. */

/* What the view keeps of each field's row. */
typedef struct {
  FalstaffFormView *view;
  FalFormField *field;
  char *title;             /* the field's title as people write it */
  GtkWidget *row;          /* the GtkListBoxRow in the group, or the FalstaffFileRow */
  GtkWidget *title_label;
  GtkWidget *description_label;
  GtkLabel *error_label;   /* under the control */
  GtkWidget *control;      /* spin button, drop-down, text view, … */
  GtkWidget *extra;        /* seed: the random toggle; size: the w×h box */
  GtkWidget *width_spin;
  GtkWidget *height_spin;
  char *error;
  gboolean updating;       /* set while the row is filled from the model */
} FieldRow;

struct _FalstaffFormView
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkWidget *expander;     /* "Advanced", or NULL */
  FalFormModel *model;
  FalClient *client;
  GHashTable *rows;        /* name → FieldRow */
};

/* falstaff-form-view.c */
void       _falstaff_form_view_row_set_value   (FieldRow   *row,
                                                JsonNode   *value);
/* The person changed the field: its error has had its answer. */
void       _falstaff_form_view_row_clear_error (FieldRow   *row);

/* falstaff-form-view-rows.c */
GtkWidget *_falstaff_form_view_row_shell       (FieldRow   *row,
                                                GtkWidget  *control,
                                                gboolean    control_below);
/* Gives a control the name a screen reader speaks. */
void       _falstaff_form_view_name_control    (GtkWidget  *control,
                                                const char *name);
GtkWidget *_falstaff_form_view_text_area_row   (FieldRow   *row,
                                                gboolean    monospace);
GtkWidget *_falstaff_form_view_entry_row       (FieldRow   *row);
GtkWidget *_falstaff_form_view_number_row      (FieldRow   *row);
GtkWidget *_falstaff_form_view_switch_row      (FieldRow   *row);
GtkWidget *_falstaff_form_view_seed_row        (FieldRow   *row);

/* falstaff-form-view-choices.c */
GtkWidget *_falstaff_form_view_enum_row        (FieldRow   *row);
GtkWidget *_falstaff_form_view_image_size_row  (FieldRow   *row);

G_END_DECLS
