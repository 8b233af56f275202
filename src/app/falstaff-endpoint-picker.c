/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "fal.h"

#include "falstaff-endpoint-picker.h"
#include "falstaff-picker-item.h"

struct _FalstaffEndpointPicker
{
  GtkWidget parent_instance;

  GtkSearchEntry *search_entry;
  GtkListView *list_view;
  GtkScrolledWindow *scroller;
  GtkListBox *custom_list;
  AdwActionRow *custom_row;
  AdwStatusPage *empty_page;

  FalstaffCatalog *catalog;
  GPtrArray *entries;           /* FalstaffEndpointInfo: recent copies, then the catalog */
  GListStore *items;            /* FalstaffPickerItem: the visible ones, with their headers */
  GtkSingleSelection *selection;
  guint n_matches;              /* endpoints among the items */
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
is_visible (FalstaffEndpointPicker *self,
            FalstaffEndpointInfo   *info,
            const char             *query)
{
  if (self->local_only && !falstaff_endpoint_info_get_local (info))
    return FALSE;
  return falstaff_endpoint_info_matches (info, query);
}

static guint
find_endpoint (FalstaffEndpointPicker *self,
               const char             *endpoint_id)
{
  guint n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; endpoint_id && i < n_items; i++)
    {
      g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (!falstaff_picker_item_is_header (item) &&
          g_strcmp0 (falstaff_picker_item_get_title (item), endpoint_id) == 0)
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static void
update_custom_row (FalstaffEndpointPicker *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(FalEndpointId) id = NULL;
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  gboolean empty;

  g_clear_pointer (&self->custom_id, g_free);
  if (strchr (stripped, '/') != NULL && (id = fal_endpoint_id_parse (stripped, NULL)) != NULL &&
      (self->catalog == NULL || falstaff_catalog_lookup (self->catalog, fal_endpoint_id_get_full (id)) == NULL))
    self->custom_id = g_strdup (fal_endpoint_id_get_full (id));

  gtk_widget_set_visible (GTK_WIDGET (self->custom_list), self->custom_id != NULL);
  if (self->custom_id)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->custom_row), self->custom_id);
  empty = self->custom_id == NULL && self->n_matches == 0;
  gtk_widget_set_visible (GTK_WIDGET (self->empty_page), empty);
  gtk_widget_set_visible (GTK_WIDGET (self->scroller), !empty);
}

/* The flat list: each visible endpoint, with a header above the first of
 * each run of one category (the recent ones are a category of their own). */
static void
refilter (FalstaffEndpointPicker *self)
{
  const char *query = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  const char *previous = NULL;
  guint position;

  self->n_matches = 0;
  for (guint i = 0; i < self->entries->len; i++)
    {
      FalstaffEndpointInfo *info = g_ptr_array_index (self->entries, i);
      const char *category;

      if (!is_visible (self, info, query))
        continue;
      category = falstaff_endpoint_info_get_category_title (info);
      if (previous == NULL || g_strcmp0 (category, previous) != 0)
        g_ptr_array_add (items, falstaff_picker_item_new_header (category ? category : ""));
      previous = category ? category : "";
      g_ptr_array_add (items, falstaff_picker_item_new_endpoint (info));
      self->n_matches++;
    }

  g_list_store_splice (self->items, 0, g_list_model_get_n_items (G_LIST_MODEL (self->items)),
                       items->pdata, items->len);

  position = find_endpoint (self, self->selected_id);
  gtk_single_selection_set_selected (self->selection, position);
  update_custom_row (self);
}

static void
activate_id (FalstaffEndpointPicker *self,
             const char             *endpoint_id)
{
  g_autofree char *id = g_strdup (endpoint_id);

  g_free (self->selected_id);
  self->selected_id = g_strdup (id);
  g_signal_emit (self, signals[ENDPOINT_ACTIVATED], 0, id);
}

static void
search_changed_cb (FalstaffEndpointPicker *self)
{
  refilter (self);
}

/* Enter picks the first match, or else the typed id. */
static void
search_activated_cb (FalstaffEndpointPicker *self)
{
  guint n_items;

  /* Typed fast, Enter comes before the search entry's delayed
   * search-changed: filter by what is typed now, not by what was. */
  refilter (self);
  n_items = g_list_model_get_n_items (G_LIST_MODEL (self->items));

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), i);

      if (falstaff_picker_item_is_header (item))
        continue;
      gtk_single_selection_set_selected (self->selection, i);
      activate_id (self, falstaff_picker_item_get_title (item));
      return;
    }
  if (self->custom_id)
    activate_id (self, self->custom_id);
}

static void
list_activated_cb (FalstaffEndpointPicker *self,
                   guint                   position)
{
  g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (G_LIST_MODEL (self->items), position);

  if (item == NULL || falstaff_picker_item_is_header (item))
    return;
  gtk_single_selection_set_selected (self->selection, position);
  activate_id (self, falstaff_picker_item_get_title (item));
}

static void
custom_row_activated_cb (FalstaffEndpointPicker *self,
                         GtkListBoxRow          *row)
{
  if (self->custom_id)
    activate_id (self, self->custom_id);
}

/* A navigation sidebar activates on one click, as the list box did; the
 * list view alone only does on two (or selects on hover). The second press
 * of a double click is kept from the view so that it activates once. */
static void
row_pressed_cb (GtkGestureClick *gesture,
                int              n_press,
                double           x,
                double           y,
                GtkListItem     *list_item)
{
  if (n_press > 1)
    gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_CLAIMED);
}

static void
row_released_cb (GtkGestureClick *gesture,
                 int              n_press,
                 double           x,
                 double           y,
                 GtkListItem     *list_item)
{
  GtkWidget *row = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (gesture));

  if (n_press != 1 || !gtk_list_item_get_activatable (list_item))
    return;
  gtk_widget_activate_action (row, "list.activate-item", "u", gtk_list_item_get_position (list_item));
}

static GtkWidget *
create_tag (const char *icon_name,
            const char *description)
{
  GtkWidget *icon = gtk_image_new_from_icon_name (icon_name);

  gtk_widget_set_tooltip_text (icon, description);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL, description, -1);
  return icon;
}

/* Rows are built here rather than from a template: the list item changes
 * kind (header or endpoint) as the view recycles it. */
static GtkWidget *
create_endpoint_row (GtkListItem *list_item)
{
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *labels = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *title = gtk_label_new (NULL);
  GtkWidget *subtitle = gtk_label_new (NULL);
  GtkWidget *tags = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *streams = create_tag ("media-playlist-consecutive-symbolic", _("Streams its output"));
  GtkWidget *local = create_tag ("computer-symbolic", _("Offered by the offline demo"));
  GtkGesture *click = gtk_gesture_click_new ();

  gtk_widget_set_margin_top (row, 6);
  gtk_widget_set_margin_bottom (row, 6);
  gtk_widget_set_hexpand (labels, TRUE);
  gtk_widget_set_valign (labels, GTK_ALIGN_CENTER);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
  gtk_label_set_ellipsize (GTK_LABEL (subtitle), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (subtitle, "caption");
  gtk_widget_add_css_class (subtitle, "dim-label");
  gtk_widget_set_valign (tags, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (labels), title);
  gtk_box_append (GTK_BOX (labels), subtitle);
  gtk_box_append (GTK_BOX (tags), streams);
  gtk_box_append (GTK_BOX (tags), local);
  gtk_box_append (GTK_BOX (row), labels);
  gtk_box_append (GTK_BOX (row), tags);

  g_signal_connect_object (click, "pressed", G_CALLBACK (row_pressed_cb), list_item, 0);
  g_signal_connect_object (click, "released", G_CALLBACK (row_released_cb), list_item, 0);
  gtk_widget_add_controller (row, GTK_EVENT_CONTROLLER (click));

  /* The row owns these; the pointers are only looked up in bind. */
  g_object_set_data (G_OBJECT (row), "title", title);
  g_object_set_data (G_OBJECT (row), "subtitle", subtitle);
  g_object_set_data (G_OBJECT (row), "streams", streams);
  g_object_set_data (G_OBJECT (row), "local", local);
  return row;
}

static GtkWidget *
create_header (void)
{
  GtkWidget *header = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (header), 0);
  gtk_widget_add_css_class (header, "heading");
  gtk_widget_add_css_class (header, "dim-label");
  gtk_widget_set_margin_top (header, 12);
  gtk_widget_set_margin_bottom (header, 6);
  return header;
}

static void
bind_cb (GtkSignalListItemFactory *factory,
         GtkListItem              *list_item,
         gpointer                  data)
{
  FalstaffPickerItem *item = gtk_list_item_get_item (list_item);
  GtkWidget *child = gtk_list_item_get_child (list_item);
  FalstaffEndpointInfo *info = falstaff_picker_item_get_info (item);
  const char *description;

  gtk_list_item_set_selectable (list_item, info != NULL);
  gtk_list_item_set_activatable (list_item, info != NULL);

  if (info == NULL)
    {
      if (!GTK_IS_LABEL (child))
        gtk_list_item_set_child (list_item, (child = create_header ()));
      gtk_label_set_text (GTK_LABEL (child), falstaff_picker_item_get_title (item));
      return;
    }

  if (child == NULL || GTK_IS_LABEL (child))
    gtk_list_item_set_child (list_item, (child = create_endpoint_row (list_item)));
  description = falstaff_endpoint_info_get_description (info);
  gtk_label_set_text (g_object_get_data (G_OBJECT (child), "title"), falstaff_endpoint_info_get_id (info));
  gtk_label_set_text (g_object_get_data (G_OBJECT (child), "subtitle"), description ? description : "");
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (child), "subtitle"), description && *description);
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (child), "streams"), falstaff_endpoint_info_get_streams (info));
  gtk_widget_set_visible (g_object_get_data (G_OBJECT (child), "local"), falstaff_endpoint_info_get_local (info));
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
  g_clear_object (&self->selection);
  g_clear_object (&self->items);
  g_clear_pointer (&self->entries, g_ptr_array_unref);
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
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, list_view);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, scroller);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, custom_list);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, custom_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffEndpointPicker, empty_page);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, search_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, list_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, custom_row_activated_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_endpoint_picker_init (FalstaffEndpointPicker *self)
{
  g_autoptr(GtkListItemFactory) factory = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (self));

  self->entries = g_ptr_array_new_with_free_func (g_object_unref);
  self->items = g_list_store_new (FALSTAFF_TYPE_PICKER_ITEM);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->items)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);

  g_signal_connect (factory, "bind", G_CALLBACK (bind_cb), self);
  gtk_list_view_set_factory (self->list_view, factory);
  gtk_list_view_set_model (self->list_view, GTK_SELECTION_MODEL (self->selection));
}

static void
rebuild (FalstaffEndpointPicker *self,
         const char * const     *recent)
{
  g_ptr_array_set_size (self->entries, 0);
  for (guint i = 0; recent && recent[i]; i++)
    {
      FalstaffEndpointInfo *known = self->catalog ? falstaff_catalog_lookup (self->catalog, recent[i]) : NULL;

      g_ptr_array_add (self->entries,
                       falstaff_endpoint_info_new (recent[i], "recent",
                                                   known ? falstaff_endpoint_info_get_description (known) : "",
                                                   known && falstaff_endpoint_info_get_streams (known),
                                                   known && falstaff_endpoint_info_get_local (known)));
    }
  for (guint i = 0; self->catalog && i < g_list_model_get_n_items (G_LIST_MODEL (self->catalog)); i++)
    g_ptr_array_add (self->entries, g_list_model_get_item (G_LIST_MODEL (self->catalog), i));

  refilter (self);
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
  refilter (self);
}

void
falstaff_endpoint_picker_select (FalstaffEndpointPicker *self,
                                 const char             *endpoint_id)
{
  g_return_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self));

  /* Remembered, so that the selection comes back when a search ends. */
  g_free (self->selected_id);
  self->selected_id = g_strdup (endpoint_id);
  gtk_single_selection_set_selected (self->selection, find_endpoint (self, endpoint_id));
}

GtkWidget *
falstaff_endpoint_picker_get_search_entry (FalstaffEndpointPicker *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ENDPOINT_PICKER (self), NULL);

  return GTK_WIDGET (self->search_entry);
}
