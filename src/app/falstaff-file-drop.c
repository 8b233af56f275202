/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include "fal.h"

#include "falstaff-file-drop.h"

GtkDropTarget *
falstaff_file_drop_target_new (void)
{
  GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE, G_TYPE_STRING };
  GtkDropTarget *target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);

  gtk_drop_target_set_gtypes (target, types, G_N_ELEMENTS (types));
  return target;
}

static gboolean
has_room (FalstaffFileRow *row)
{
  FalFormField *field = falstaff_file_row_get_field (row);
  gint64 max = fal_form_field_get_max_length (field);

  return fal_form_field_get_kind (field) == FAL_FIELD_FILE_LIST &&
         (max < 0 || falstaff_file_row_get_n_items (row) < (guint64) max);
}

FalstaffFileRow *
falstaff_file_drop_find_row (GPtrArray    *rows,
                             const GValue *value)
{
  g_return_val_if_fail (rows != NULL, NULL);
  g_return_val_if_fail (G_IS_VALUE (value), NULL);

  for (guint i = 0; i < rows->len; i++)
    {
      FalstaffFileRow *row = g_ptr_array_index (rows, i);

      if (falstaff_file_row_get_n_items (row) == 0 && falstaff_file_row_accepts (row, value))
        return row;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      FalstaffFileRow *row = g_ptr_array_index (rows, i);

      if (has_room (row) && falstaff_file_row_accepts (row, value))
        return row;
    }
  return NULL;
}

gboolean
falstaff_file_drop_deliver (GPtrArray    *rows,
                            const GValue *value)
{
  FalstaffFileRow *row;

  g_return_val_if_fail (rows != NULL, FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);

  row = falstaff_file_drop_find_row (rows, value);
  if (row == NULL)
    return FALSE;
  /* The row takes no focus itself: its first button does. */
  gtk_widget_child_focus (GTK_WIDGET (row), GTK_DIR_TAB_FORWARD);
  return falstaff_file_row_add_value (row, value);
}
