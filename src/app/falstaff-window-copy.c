/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "fal-form-model.h"

#include "falstaff-code-export.h"
#include "falstaff-file-row.h"
#include "falstaff-form-view.h"
#include "falstaff-window-private.h"

/* The window's "Copy as cURL / Python / JavaScript": the body a Run would
 * send now, once the form's files are uploaded, as a program on the
 * clipboard. The key stays out of it (falstaff-code-export.h). */

/* Whether the field's row is a file row still uploading: its URL is on
 * its way, and the copy waits for it. */
static gboolean
row_uploading (FalstaffWindow *self,
               const char     *name)
{
  GtkWidget *row = falstaff_form_view_get_row (_falstaff_window_get_form_view (self), name);

  return row && FALSTAFF_IS_FILE_ROW (row) && falstaff_file_row_get_busy (FALSTAFF_FILE_ROW (row));
}

gboolean
_falstaff_window_can_copy_as_code (FalstaffWindow *self)
{
  FalFormModel *model = _falstaff_window_get_form_model (self);
  g_autoptr(JsonArray) errors = NULL;

  if (model == NULL || _falstaff_window_get_endpoint_id (self) == NULL ||
      _falstaff_window_get_form_view (self) == NULL)
    return FALSE;
  errors = fal_form_model_validate (model);
  for (guint i = 0; errors && i < json_array_get_length (errors); i++)
    {
      JsonObject *error = json_array_get_object_element (errors, i);
      JsonArray *loc = json_object_get_array_member (error, "loc");
      const char *name = loc && json_array_get_length (loc) > 1 ? json_array_get_string_element (loc, 1) : NULL;

      if (name == NULL || !row_uploading (self, name))
        return FALSE;
    }
  return TRUE;
}

/* A seed the client drew for "random" is not the person's: the program
 * leaves it out, so that each of its runs is random too (unless fal
 * requires the field). */
static void
drop_drawn_seed (FalFormModel *model,
                 JsonNode     *body)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));
  gint64 seed;
  gboolean drawn = FALSE;

  if (!fal_form_model_get_last_seed (model, &seed, &drawn) || !drawn)
    return;
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (fal_form_field_get_kind (field) == FAL_FIELD_SEED && !fal_form_field_get_required (field))
        json_object_remove_member (json_node_get_object (body), fal_form_field_get_name (field));
    }
}

typedef struct {
  FalstaffWindow *window;
  FalstaffCodeLanguage language;
  char *endpoint_id;
} Copy;

static void
copy_free (Copy *copy)
{
  g_object_unref (copy->window);
  g_free (copy->endpoint_id);
  g_free (copy);
}

static void
copy_body_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Copy *copy = data;
  FalstaffWindow *self = copy->window;
  FalFormModel *model = _falstaff_window_get_form_model (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = falstaff_form_view_collect_body_finish (FALSTAFF_FORM_VIEW (source), result, &error);
  g_autofree char *text = NULL;
  static const char *const copied[] = {
    [FALSTAFF_CODE_CURL] = N_("Copied as cURL"),
    [FALSTAFF_CODE_PYTHON] = N_("Copied as Python"),
    [FALSTAFF_CODE_JAVASCRIPT] = N_("Copied as JavaScript"),
  };

  if (body == NULL)
    {
      g_autofree char *line = NULL;

      /* Another endpoint picked meanwhile: nothing to say. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          line = error->domain == FAL_ERROR ? fal_error_describe (error) : g_strdup (error->message);
          /* Translators: %s says why, e.g. an upload that failed. */
          text = g_strdup_printf (_("Nothing copied: %s"), line);
          _falstaff_window_toast (self, text);
        }
      copy_free (copy);
      return;
    }
  if (model && g_strcmp0 (_falstaff_window_get_endpoint_id (self), copy->endpoint_id) == 0)
    drop_drawn_seed (model, body);
  text = falstaff_code_export_for_client (copy->language, _falstaff_window_get_client (self), copy->endpoint_id, body);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  _falstaff_window_toast (self, _(copied[copy->language]));
  copy_free (copy);
}

void
_falstaff_window_copy_as_code (FalstaffWindow *self,
                               const char     *language_name)
{
  FalstaffFormView *form_view = _falstaff_window_get_form_view (self);
  FalstaffCodeLanguage language;
  Copy *copy;

  if (!falstaff_code_language_from_name (language_name, &language) || !_falstaff_window_can_copy_as_code (self))
    return;
  copy = g_new0 (Copy, 1);
  copy->window = g_object_ref (self);
  copy->language = language;
  copy->endpoint_id = g_strdup (_falstaff_window_get_endpoint_id (self));
  /* The same wait as a Run's: the files' URLs, then the body. */
  if (falstaff_form_view_get_n_uploading (form_view) > 0)
    _falstaff_window_toast (self, _("Copying once the files are uploaded…"));
  falstaff_form_view_collect_body_async (form_view, NULL, copy_body_cb, copy);
}

/* The menu is about to open: the items' state as of now (an upload may
 * have started since the form last changed). Before the popover shows,
 * so that it puts the focus on the first item when that is on. */
static void
copy_menu_opening_cb (GtkMenuButton *button,
                      gpointer       data)
{
  FalstaffWindow *self = data;

  /* Opened before the first frame's idle gave it its model. */
  _falstaff_window_set_lazy_menu (self, button);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-as-code",
                                 g_strcmp0 (falstaff_window_get_page (self), "studio") == 0 &&
                                 _falstaff_window_can_copy_as_code (self));
}

void
_falstaff_window_copy_init (FalstaffWindow *self)
{
  GObject *button = gtk_widget_get_template_child (GTK_WIDGET (self), FALSTAFF_TYPE_WINDOW, "copy_code_button");

  g_assert (GTK_IS_MENU_BUTTON (button));
  /* The window owns the button: no reference needed. */
  gtk_menu_button_set_create_popup_func (GTK_MENU_BUTTON (button), copy_menu_opening_cb, self, NULL);
}
