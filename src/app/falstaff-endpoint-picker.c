/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "fal.h"

#include "falstaff-endpoint-picker.h"

struct _FalstaffEndpointPicker
{
  GtkWidget parent_instance;

  GtkSearchEntry *search_entry;
  GtkListBox *list_box;
  GtkListBox *custom_list;
  AdwActionRow *custom_row;
  AdwStatusPage *empty_page;

  FalstaffCatalog *catalog;
  GListStore *entries;          /* recent copies, then the catalog */
  GtkFilterListModel *filtered;
  GtkCustomFilter *filter;
  gboolean local_only;
  GStrv recent;
  char *custom_id;
  char *selected_id;
};

G_DEFINE_FINAL_TYPE (FalstaffEndpointPicker, falstaff_endpoint_picker, GTK_TYPE_WIDGET)

enum {
  ENDPOINT_ACTIVATED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static gboolean
filter_func (gpointer item,
             gpointer data)
{
  FalstaffEndpointPicker *self = data;
  FalstaffEndpointInfo *info = item;

  if (self->local_only && !falstaff_endpoint_info_get_local (info))
    return FALSE;
  return falstaff_endpoint_info_matches (info, gtk_editable_get_text (GTK_EDITABLE (self->search_entry)));
}

static GtkWidget *
create_row (gpointer item,
            gpointer data)
{
  FalstaffEndpointInfo *info = item;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *tags = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), falstaff_endpoint_info_get_id (info));
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), falstaff_endpoint_info_get_description (info));
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), TRUE);
  gtk_widget_set_valign (tags, GTK_ALIGN_CENTER);

  if (falstaff_endpoint_info_get_streams (info))
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("media-playlist-consecutive-symbolic");

      gtk_widget_set_tooltip_text (icon, _("Streams its output"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Streams its output"), -1);
      gtk_box_append (GTK_BOX (tags), icon);
    }
  if (falstaff_endpoint_info_get_local (info))
    {
      GtkWidget *icon = gtk_image_new_from_icon_name ("computer-symbolic");

      gtk_widget_set_tooltip_text (icon, _("Offered by the offline demo"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Offered by the offline demo"), -1);
      gtk_box_append (GTK_BOX (tags), icon);
    }
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), tags);
  g_object_set_data_full (G_OBJECT (row), "endpoint-id", g_strdup (falstaff_endpoint_info_get_id (info)), g_free);
  g_object_set_data_full (G_OBJECT (row), "category", g_strdup (falstaff_endpoint_info_get_category_title (info)), g_free);
  return row;
}

static void
header_func (GtkListBoxRow *row,
             GtkListBoxRow *before,
             gpointer       data)
{
  const char *category = g_object_get_data (G_OBJECT (row), "category");
  const char *previous = before ? g_object_get_data (G_OBJECT (before), "category") : NULL;
  GtkWidget *header;

  if (g_strcmp0 (category, previous) == 0)
    {
      gtk_list_box_row_set_header (row, NULL);
      return;
    }
  header = gtk_label_new (category);
  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_widget_add_css_class (header, "heading");
  gtk_widget_add_css_class (header, "dim-label");
  gtk_widget_set_margin_start (header, 12);
  gtk_widget_set_margin_top (header, 12);
  gtk_widget_set_margin_bottom (header, 6);
  gtk_list_box_row_set_header (row, header);
}

static void
update_custom_row (FalstaffEndpointPicker *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(FalEndpointId) id = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  g_clear_pointer (&self->custom_id, g_free);
  if (strchr (stripped, '/') != NULL && (id = fal_endpoint_id_parse (stripped, NULL)) != NULL &&
      (self->catalog == NULL || falstaff_catalog_lookup (self->catalog, fal_endpoint_id_get_full (id)) == NULL))
    self->custom_id = g_strdup (fal_endpoint_id_get_full (id));

  gtk_widget_set_visible (GTK_WIDGET (self->custom_list), self->custom_id != NULL);
  if (self->custom_id)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->custom_row), self->custom_id);
  gtk_widget_set_visible (GTK_WIDGET (self->empty_page),
                          self->custom_id == NULL && g_list_model_get_n_items (G_LIST_MODEL (self->filtered)) == 0);
}

static void
search_changed_cb (FalstaffEndpointPicker *self)
{
  gtk_filter_changed (GTK_FILTER (self->filter), GTK_FILTER_CHANGE_DIFFERENT);
  update_custom_row (self);
}

static void
activate_id (FalstaffEndpointPicker *self,
             const char             *endpoint_id)
{
  g_free (self->selected_id);
  self->selected_id = g_strdup (endpoint_id);
  g_signal_emit (self, signals[ENDPOINT_ACTIVATED], 0, endpoint_id);
}

/* Enter picks the first match, or else the typed id. */
static void
search_activated_cb (FalstaffEndpointPicker *self)
{
  g_autoptr(FalstaffEndpointInfo) first = g_list_model_get_item (G_LIST_MODEL (self->filtered), 0);

  if (first)
    {
      GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list_box, 0);

      gtk_list_box_select_row (self->list_box, row);
      activate_id (self, falstaff_endpoint_info_get_id (first));
    }
  else if (self->custom_id)
    {
      g_autofree char *id = g_strdup (self->custom_id);
      activate_id (self, id);
    }
}

static void
row_activated_cb (FalstaffEndpointPicker *self,
                  GtkListBoxRow          *row)
{
  activate_id (self, g_object_get_data (G_OBJECT (row), "endpoint-id"));
}

static void
custom_row_activated_cb (FalstaffEndpointPicker *self,
                         GtkListBoxRow          *row)
{
  g_autofree char *id = g_strdup (self->custom_id);

  if (id)
    activate_id (self, id);
}

static void
falstaff_endpoint_picker_dispose (GObject *object)
{
  FalstaffEndpointPicker *self = (FalstaffEndpointPicker *)object;

  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_ENDPOINT_PICKER);
  /* The template's root child is not bound: it goes here. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  g_clear_object (&self->catalog);
  g_clear_object (&self->filtered);
  g_clear_object (&self->entries);
  g_clear_pointer (&self->custom_id, g_free);
  g_clear_pointer (&self->selected_id, g_free);
  g_clear_pointer (&self->recent, g_strfreev);

  G_OBJECT_CLASS (falstaff_endpoint_picker_parent_class)->dispose (object);
}

static void
falstaff_endpoint_picker_class_init (FalstaffEndpointPickerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_endpoint_picker_dispose;

  signals[ENDPOINT_ACTIVATED] = g_signal_new ("endpoint-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-endpoint-picker.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, search_entry);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, list_box);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, custom_list);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, custom_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, row_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, custom_row_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_endpoint_picker_init (FalstaffEndpointPicker *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->entries = g_list_store_new (FALSTAFF_TYPE_ENDPOINT_INFO);
  self->filter = gtk_custom_filter_new (filter_func, self, NULL);
  self->filtered = gtk_filter_list_model_new (g_object_ref (G_LIST_MODEL (self->entries)),
                                              GTK_FILTER (self->filter));
  gtk_list_box_bind_model (self->list_box, G_LIST_MODEL (self->filtered), create_row, self, NULL);
  gtk_list_box_set_header_func (self->list_box, header_func, NULL, NULL);
  g_signal_connect_swapped (self->filtered, "items-changed", G_CALLBACK (update_custom_row), self);
}

static void
rebuild (FalstaffEndpointPicker *self,
         const char * const     *recent)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; recent && recent[i]; i++)
    {
      FalstaffEndpointInfo *known = self->catalog ? falstaff_catalog_lookup (self->catalog, recent[i]) : NULL;

      g_ptr_array_add (items, falstaff_endpoint_info_new (recent[i], "recent",
                                                          known ? falstaff_endpoint_info_get_description (known) : "",
                                                          known && falstaff_endpoint_info_get_streams (known),
                                                          known && falstaff_endpoint_info_get_local (known)));
    }
  for (guint i = 0; self->catalog && i < g_list_model_get_n_items (G_LIST_MODEL (self->catalog)); i++)
    g_ptr_array_add (items, g_list_model_get_item (G_LIST_MODEL (self->catalog), i));

  g_list_store_splice (self->entries, 0, g_list_model_get_n_items (G_LIST_MODEL (self->entries)),
                       items->pdata, items->len);
}

void
falstaff_endpoint_picker_set_catalog (FalstaffEndpointPicker *self,
                                      FalstaffCatalog        *catalog)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  g_set_object (&self->catalog, catalog);
  rebuild (self, (const char * const *) self->recent);
}

void
falstaff_endpoint_picker_set_recent (FalstaffEndpointPicker *self,
                                     const char * const     *endpoint_ids)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  /* Rows are rebuilt only when something changed: 38 of them cost. */
  if (self->recent && endpoint_ids && g_strv_equal ((const char * const *) self->recent, endpoint_ids))
    return;
  g_strfreev (self->recent);
  self->recent = g_strdupv ((char **) endpoint_ids);
  if (self->catalog)
    rebuild (self, endpoint_ids);
}

void
falstaff_endpoint_picker_set_local_only (FalstaffEndpointPicker *self,
                                         gboolean                local_only)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  if (self->local_only == local_only)
    return;
  self->local_only = local_only;
  gtk_filter_changed (GTK_FILTER (self->filter), local_only ? GTK_FILTER_CHANGE_MORE_STRICT
                                                            : GTK_FILTER_CHANGE_LESS_STRICT);
}

void
falstaff_endpoint_picker_select (FalstaffEndpointPicker *self,
                                 const char             *endpoint_id)
{
  GtkListBoxRow *row;

  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  for (guint i = 0; (row = gtk_list_box_get_row_at_index (self->list_box, i)) != NULL; i++)
    if (g_strcmp0 (g_object_get_data (G_OBJECT (row), "endpoint-id"), endpoint_id) == 0)
      {
        gtk_list_box_select_row (self->list_box, row);
        return;
      }
  gtk_list_box_unselect_all (self->list_box);
}

GtkWidget *
falstaff_endpoint_picker_get_search_entry (FalstaffEndpointPicker *self)
{
  return GTK_WIDGET (self->search_entry);
}
