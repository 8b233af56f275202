/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-send-to-dialog.h"

struct _FalstaffSendToDialog
{
  AdwMessageDialog parent_instance;

  GtkListBox *list;
  char *chosen;
};

G_DEFINE_FINAL_TYPE (FalstaffSendToDialog, falstaff_send_to_dialog, ADW_TYPE_MESSAGE_DIALOG)

gboolean
falstaff_category_takes (const char *category,
                         const char *kind)
{
  static const struct { const char *category; const char *kind; } takes[] = {
    { "image-to-image", "image" },
    { "editing", "image" },
    { "vision", "image" },
    { "speech-to-text", "audio" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (takes); i++)
    if (g_strcmp0 (category, takes[i].category) == 0 && g_strcmp0 (kind, takes[i].kind) == 0)
      return TRUE;
  return FALSE;
}

static void
row_activated_cb (FalstaffSendToDialog *self,
                  GtkListBoxRow        *row)
{
  g_free (self->chosen);
  self->chosen = g_strdup (g_object_get_data (G_OBJECT (row), "endpoint-id"));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), "send");
  gtk_window_close (GTK_WINDOW (self));
}

static void
add_row (FalstaffSendToDialog *self,
         const char           *endpoint_id,
         const char           *title)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title && *title ? title : endpoint_id);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), endpoint_id);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), gtk_image_new_from_icon_name ("go-next-symbolic"));
  g_object_set_data_full (G_OBJECT (row), "endpoint-id", g_strdup (endpoint_id), g_free);
  gtk_list_box_append (self->list, row);
}

static void
falstaff_send_to_dialog_finalize (GObject *object)
{
  FalstaffSendToDialog *self = FALSTAFF_SEND_TO_DIALOG (object);

  g_free (self->chosen);
  G_OBJECT_CLASS (falstaff_send_to_dialog_parent_class)->finalize (object);
}

static void
falstaff_send_to_dialog_init (FalstaffSendToDialog *self)
{
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  self->list = GTK_LIST_BOX (gtk_list_box_new ());
  gtk_list_box_set_selection_mode (self->list, GTK_SELECTION_NONE);
  gtk_widget_add_css_class (GTK_WIDGET (self->list), "boxed-list");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Endpoints that take it"), -1);
  g_signal_connect_swapped (self->list, "row-activated", G_CALLBACK (row_activated_cb), self);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scrolled), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scrolled), TRUE);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scrolled), 360);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (self->list));
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), scrolled);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self), "cancel", _("_Cancel"), NULL);
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");
}

static void
falstaff_send_to_dialog_class_init (FalstaffSendToDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = falstaff_send_to_dialog_finalize;
}

GtkWidget *
falstaff_send_to_dialog_new (GtkWindow       *parent,
                             FalstaffCatalog *catalog,
                             const char      *kind,
                             const char      *current_endpoint_id,
                             gboolean         current_takes_it,
                             gboolean         local_only)
{
  FalstaffSendToDialog *self = g_object_new (FALSTAFF_TYPE_SEND_TO_DIALOG,
                                             "transient-for", parent,
                                             "modal", TRUE,
                                             NULL);
  GListModel *endpoints = G_LIST_MODEL (catalog);

  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self),
                                  g_str_equal (kind, "audio") ? _("Send This Sound To")
                                  : g_str_equal (kind, "video") ? _("Send This Video To")
                                  : _("Send This Image To"));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self),
                               _("It goes into the endpoint's form as its input, by its link: nothing is uploaded again."));

  if (current_endpoint_id && current_takes_it)
    {
      FalstaffEndpointInfo *info = falstaff_catalog_lookup (catalog, current_endpoint_id);

      add_row (self, current_endpoint_id, info ? falstaff_endpoint_info_get_description (info) : NULL);
    }
  for (guint i = 0; i < g_list_model_get_n_items (endpoints); i++)
    {
      g_autoptr(FalstaffEndpointInfo) info = g_list_model_get_item (endpoints, i);
      const char *id = falstaff_endpoint_info_get_id (info);

      if (!falstaff_category_takes (falstaff_endpoint_info_get_category (info), kind) ||
          (local_only && !falstaff_endpoint_info_get_local (info)) ||
          (current_takes_it && g_strcmp0 (id, current_endpoint_id) == 0))
        continue;
      add_row (self, id, falstaff_endpoint_info_get_description (info));
    }
  if (gtk_widget_get_first_child (GTK_WIDGET (self->list)) == NULL)
    adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self),
                                 _("No endpoint here takes it. Type the id of one that does in the endpoint search, "
                                   "then drop the output on its form."));
  return GTK_WIDGET (self);
}

const char *
falstaff_send_to_dialog_get_chosen (FalstaffSendToDialog *self)
{
  g_return_val_if_fail (FALSTAFF_IS_SEND_TO_DIALOG (self), NULL);
  return self->chosen;
}

GtkListBox *
falstaff_send_to_dialog_get_list (FalstaffSendToDialog *self)
{
  g_return_val_if_fail (FALSTAFF_IS_SEND_TO_DIALOG (self), NULL);
  return self->list;
}
