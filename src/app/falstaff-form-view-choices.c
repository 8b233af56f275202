/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-display-name.h"
#include "falstaff-form-view-private.h"

/* Drop-downs of the form: enums and image sizes. Each item is a
 * GtkStringObject holding the raw value (what the request carries, e.g.
 * "square_hd") with a Choice attached that says how it is shown ("Square
 * HD") and what it sends. What is shown is always what is sent: an
 * optional field that the body would leave out shows "Default". */

/* A drop-down with more items than this gets a search entry. */
#define SEARCH_MIN_ITEMS 8
#define CHOICE_KEY "falstaff-choice"

typedef enum {
  CHOICE_VALUE,            /* sends its value */
  CHOICE_DEFAULT,          /* sends nothing: the endpoint decides */
  CHOICE_CUSTOM,           /* image size: width × height from the spin buttons */
} ChoiceKind;

typedef struct {
  ChoiceKind kind;
  char *label;
  char *tooltip;
  JsonNode *value;         /* CHOICE_VALUE only */
} Choice;

static void
choice_free (gpointer data)
{
  Choice *choice = data;

  g_free (choice->label);
  g_free (choice->tooltip);
  g_clear_pointer (&choice->value, json_node_unref);
  g_free (choice);
}

static Choice *
item_choice (gpointer item)
{
  return item ? g_object_get_data (G_OBJECT (item), CHOICE_KEY) : NULL;
}

static void
append_choice (GListStore *store,
               ChoiceKind  kind,
               const char *raw,
               const char *label,
               const char *tooltip,
               JsonNode   *value)
{
  g_autoptr(GtkStringObject) item = gtk_string_object_new (raw);
  Choice *choice = g_new0 (Choice, 1);

  choice->kind = kind;
  choice->label = g_strdup (label);
  choice->tooltip = g_strdup (tooltip);
  choice->value = value ? json_node_copy (value) : NULL;
  g_object_set_data_full (G_OBJECT (item), CHOICE_KEY, choice, choice_free);
  g_list_store_append (store, item);
}

static char *
node_raw (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return fal_json_to_string (node, FALSE);
}

static void
append_value (GListStore *store,
              JsonNode   *value)
{
  g_autofree char *raw = node_raw (value);
  g_autofree char *label = falstaff_display_name_for_value (raw);

  append_choice (store, CHOICE_VALUE, raw, label, raw, value);
}

/* "Default" sends nothing; its tooltip says what the schema expects the
 * endpoint to use, when it says. */
static void
append_default (GListStore   *store,
                FalFormField *field)
{
  JsonNode *fallback = fal_form_field_get_default (field);
  g_autofree char *tooltip = NULL;

  if (fallback)
    {
      g_autofree char *raw = node_raw (fallback);
      g_autofree char *label = falstaff_display_name_for_value (raw);

      /* Translators: the tooltip of the "Default" choice of a drop-down. */
      tooltip = g_strdup_printf (_("Nothing is sent: the endpoint decides (its schema suggests “%s”)"), label);
    }
  else
    tooltip = g_strdup (_("Nothing is sent: the endpoint decides"));
  append_choice (store, CHOICE_DEFAULT, "", _("Default"), tooltip, NULL);
}

/* Whether the field offers "Default", and whether it is the one shown:
 * the body leaves out an optional field that is unset, or that was
 * never changed (so a schema default is not claimed to be sent when it
 * may not be what the endpoint does, as with a nullable image size). */
static gboolean
offers_default (FalFormField *field)
{
  return !fal_form_field_get_required (field) &&
         (fal_form_field_get_default (field) == NULL || fal_form_field_get_nullable (field));
}

static gboolean
shows_default (FieldRow *row)
{
  const char *name = fal_form_field_get_name (row->field);

  return offers_default (row->field) &&
         (fal_form_model_get_value (row->view->model, name) == NULL ||
          !fal_form_model_is_changed (row->view->model, name));
}

/* ------------------------------------------------------------------ factories */

static void
setup_label_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                gpointer                  data)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (list_item, label);
}

static void
bind_label_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               gpointer                  data)
{
  Choice *choice = item_choice (gtk_list_item_get_item (list_item));
  GtkWidget *label = gtk_list_item_get_child (list_item);

  gtk_label_set_text (GTK_LABEL (label), choice ? choice->label : "");
}

/* In the list: the label, its raw value as a tooltip, and a check mark
 * on the chosen one (as GtkDropDown's own list has). */
static void
setup_list_item_cb (GtkSignalListItemFactory *factory,
                    GtkListItem              *list_item,
                    gpointer                  data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (NULL);
  GtkWidget *check = gtk_image_new_from_icon_name ("object-select-symbolic");

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), check);
  gtk_list_item_set_child (list_item, box);
}

static void
update_check (GtkDropDown *drop_down,
              GParamSpec  *pspec,
              GtkListItem *list_item)
{
  GtkWidget *box = gtk_list_item_get_child (list_item);
  gboolean chosen = gtk_list_item_get_item (list_item) != NULL &&
                    gtk_drop_down_get_selected_item (drop_down) == gtk_list_item_get_item (list_item);

  gtk_widget_set_opacity (gtk_widget_get_last_child (box), chosen ? 1.0 : 0.0);
}

static void
bind_list_item_cb (GtkSignalListItemFactory *factory,
                   GtkListItem              *list_item,
                   GtkDropDown              *drop_down)
{
  Choice *choice = item_choice (gtk_list_item_get_item (list_item));
  GtkWidget *box = gtk_list_item_get_child (list_item);

  gtk_label_set_text (GTK_LABEL (gtk_widget_get_first_child (box)), choice ? choice->label : "");
  gtk_widget_set_tooltip_text (box, choice ? choice->tooltip : NULL);
  g_signal_connect (drop_down, "notify::selected-item", G_CALLBACK (update_check), list_item);
  update_check (drop_down, NULL, list_item);
}

static void
unbind_list_item_cb (GtkSignalListItemFactory *factory,
                     GtkListItem              *list_item,
                     GtkDropDown              *drop_down)
{
  g_signal_handlers_disconnect_by_func (drop_down, update_check, list_item);
}

static char *
choice_search_text (GtkStringObject *item)
{
  Choice *choice = item_choice (item);

  return g_strdup (choice ? choice->label : gtk_string_object_get_string (item));
}

/* The control's tooltip is the raw value it sends. */
static void
update_control_tooltip (GtkDropDown *drop_down)
{
  Choice *choice = item_choice (gtk_drop_down_get_selected_item (drop_down));

  gtk_widget_set_tooltip_text (GTK_WIDGET (drop_down), choice ? choice->tooltip : NULL);
}

static GtkWidget *
choice_drop_down (GListStore *store,
                  guint       selected)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkListItemFactory *list_factory = gtk_signal_list_item_factory_new ();
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));
  GtkWidget *drop_down = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (store)), NULL);
  GtkExpression *expression;

  g_signal_connect (factory, "setup", G_CALLBACK (setup_label_cb), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_label_cb), NULL);
  g_signal_connect (list_factory, "setup", G_CALLBACK (setup_list_item_cb), NULL);
  g_signal_connect (list_factory, "bind", G_CALLBACK (bind_list_item_cb), drop_down);
  g_signal_connect (list_factory, "unbind", G_CALLBACK (unbind_list_item_cb), drop_down);
  gtk_drop_down_set_factory (GTK_DROP_DOWN (drop_down), factory);
  gtk_drop_down_set_list_factory (GTK_DROP_DOWN (drop_down), list_factory);
  g_object_unref (factory);
  g_object_unref (list_factory);
  /* Searched by what is shown. */
  expression = gtk_cclosure_expression_new (G_TYPE_STRING, NULL, 0, NULL, G_CALLBACK (choice_search_text), NULL, NULL);
  gtk_drop_down_set_expression (GTK_DROP_DOWN (drop_down), expression);
  gtk_expression_unref (expression);
  gtk_drop_down_set_enable_search (GTK_DROP_DOWN (drop_down), n > SEARCH_MIN_ITEMS);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (drop_down), selected);
  update_control_tooltip (GTK_DROP_DOWN (drop_down));
  return drop_down;
}

static guint
find_value (GListStore *store,
            JsonNode   *value)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (store));

  for (guint i = 0; value && i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (G_LIST_MODEL (store), i);
      Choice *choice = item_choice (item);

      if (choice->kind == CHOICE_VALUE && json_node_equal (choice->value, value))
        return i;
    }
  return GTK_INVALID_LIST_POSITION;
}

static Choice *
selected_choice (GtkDropDown *drop_down)
{
  return item_choice (gtk_drop_down_get_selected_item (drop_down));
}

/* ------------------------------------------------------------------ enums */

static void
enum_selected_cb (GtkDropDown *drop_down,
                  GParamSpec  *pspec,
                  FieldRow    *row)
{
  Choice *choice = selected_choice (drop_down);

  update_control_tooltip (drop_down);
  if (choice == NULL)
    return;
  _falstaff_form_view_row_set_value (row, choice->kind == CHOICE_VALUE ? choice->value : NULL);
}

/* The choice for what the model holds; a value the schema does not list
 * (kept from an older schema) gets a choice of its own, so it shows. */
static guint
select_value (FieldRow   *row,
              GListStore *store,
              guint       default_position)
{
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  guint selected;

  if (shows_default (row))
    return default_position;
  if (value == NULL)
    return GTK_INVALID_LIST_POSITION;   /* required, nothing chosen yet */
  selected = find_value (store, value);
  if (selected == GTK_INVALID_LIST_POSITION)
    {
      append_value (store, value);
      selected = g_list_model_get_n_items (G_LIST_MODEL (store)) - 1;
    }
  return selected;
}

GtkWidget *
_falstaff_form_view_enum_row (FieldRow *row)
{
  JsonArray *values = fal_form_field_get_enum_values (row->field);
  g_autoptr(GListStore) store = g_list_store_new (GTK_TYPE_STRING_OBJECT);
  guint n = values ? json_array_get_length (values) : 0;
  GtkWidget *control;

  if (offers_default (row->field))
    append_default (store, row->field);
  for (guint i = 0; i < n; i++)
    append_value (store, json_array_get_element (values, i));

  row->updating = TRUE;
  control = choice_drop_down (store, select_value (row, store, 0));
  row->updating = FALSE;
  g_signal_connect (control, "notify::selected", G_CALLBACK (enum_selected_cb), row);
  return _falstaff_form_view_row_shell (row, control, FALSE);
}

/* ------------------------------------------------------------------ image sizes */

static void
size_changed (FieldRow *row)
{
  Choice *choice = selected_choice (GTK_DROP_DOWN (row->control));
  gboolean custom = choice && choice->kind == CHOICE_CUSTOM;

  gtk_widget_set_visible (row->extra, custom);
  update_control_tooltip (GTK_DROP_DOWN (row->control));
  if (choice == NULL)
    return;
  if (custom)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_int_member (object, "width", gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (row->width_spin)));
      json_object_set_int_member (object, "height", gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (row->height_spin)));
      json_node_take_object (node, object);
      _falstaff_form_view_row_set_value (row, node);
    }
  else
    _falstaff_form_view_row_set_value (row, choice->kind == CHOICE_VALUE ? choice->value : NULL);
}

static void
size_selected_cb (GObject    *object,
                  GParamSpec *pspec,
                  FieldRow   *row)
{
  size_changed (row);
}

static void
size_spin_cb (GtkSpinButton *spin,
              FieldRow      *row)
{
  Choice *choice = selected_choice (GTK_DROP_DOWN (row->control));

  if (choice && choice->kind == CHOICE_CUSTOM)
    size_changed (row);
}

/* Typing a new number is a change, before the spin button takes it. */
static void
size_spin_text_cb (GtkEditable *editable,
                   FieldRow    *row)
{
  if (!row->updating)
    _falstaff_form_view_row_clear_error (row);
}

static GtkWidget *
side_spin (FieldRow   *row,
           const char *format,
           int         value)
{
  GtkWidget *spin = gtk_spin_button_new_with_range (1, 14142, 8);
  g_autofree char *name = g_strdup_printf (format, row->title);

  _falstaff_form_view_name_control (spin, name);
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), value);
  return spin;
}

GtkWidget *
_falstaff_form_view_image_size_row (FieldRow *row)
{
  const char * const *presets = fal_form_field_get_size_presets (row->field);
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  g_autoptr(GListStore) store = g_list_store_new (GTK_TYPE_STRING_OBJECT);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *custom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  guint custom_position, selected;
  int width = 1024, height = 1024;

  if (offers_default (row->field))
    append_default (store, row->field);
  for (guint i = 0; presets && presets[i]; i++)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

      json_node_set_string (node, presets[i]);
      append_value (store, node);
    }
  custom_position = g_list_model_get_n_items (G_LIST_MODEL (store));
  append_choice (store, CHOICE_CUSTOM, "custom", _("Custom"), _("Width × height in pixels"), NULL);

  if (value && JSON_NODE_HOLDS_OBJECT (value) && !shows_default (row))
    {
      gint64 w = 0, h = 0;

      selected = custom_position;
      if (fal_json_get_int (json_node_get_object (value), "width", &w))
        width = (int) w;
      if (fal_json_get_int (json_node_get_object (value), "height", &h))
        height = (int) h;
    }
  else
    selected = select_value (row, store, 0);

  row->updating = TRUE;
  /* Translators: the accessible names of an image size's sides, e.g.
   * "Width of Image Size". */
  row->width_spin = side_spin (row, _("Width of %s"), width);
  row->height_spin = side_spin (row, _("Height of %s"), height);
  row->control = choice_drop_down (store, selected);
  row->updating = FALSE;
  gtk_box_append (GTK_BOX (custom), row->width_spin);
  gtk_box_append (GTK_BOX (custom), gtk_label_new ("×"));
  gtk_box_append (GTK_BOX (custom), row->height_spin);
  gtk_box_append (GTK_BOX (box), row->control);
  gtk_box_append (GTK_BOX (box), custom);
  row->extra = custom;
  gtk_widget_set_visible (custom, selected == custom_position);
  gtk_widget_set_sensitive (row->control, fal_form_field_get_custom_size (row->field) || (presets && presets[0]));

  g_signal_connect (row->control, "notify::selected", G_CALLBACK (size_selected_cb), row);
  g_signal_connect (row->width_spin, "value-changed", G_CALLBACK (size_spin_cb), row);
  g_signal_connect (row->height_spin, "value-changed", G_CALLBACK (size_spin_cb), row);
  g_signal_connect (row->width_spin, "changed", G_CALLBACK (size_spin_text_cb), row);
  g_signal_connect (row->height_spin, "changed", G_CALLBACK (size_spin_text_cb), row);

  gtk_widget_set_halign (box, GTK_ALIGN_START);
  /* The drop-down is the row's control; the box only holds it. */
  return _falstaff_form_view_row_shell (row, box, TRUE);
}
