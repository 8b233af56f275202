/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "falstaff-file-row.h"
#include "falstaff-form-view.h"

/* A bounded number whose range is at most this wide gets a scale. */
#define SCALE_MAX_SPAN 20.0
/* A drop-down with more items than this gets a search entry. */
#define SEARCH_MIN_ITEMS 8

/* What the view keeps of each field's row. */
typedef struct {
  FalstaffFormView *view;
  FalFormField *field;
  GtkWidget *row;          /* the AdwPreferencesRow in the group */
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
  FalFormModel *model;
  FalClient *client;
  GHashTable *rows;        /* name → FieldRow */
};

G_DEFINE_FINAL_TYPE (FalstaffFormView, falstaff_form_view, GTK_TYPE_WIDGET)

static void
field_row_free (gpointer data)
{
  FieldRow *row = data;

  g_clear_object (&row->field);
  g_free (row->error);
  g_free (row);
}

static void
set_value (FieldRow *row,
           JsonNode *value)
{
  if (row->updating)
    return;
  fal_form_model_set_value (row->view->model, fal_form_field_get_name (row->field), value);
  /* A changed value answers its error. */
  if (row->error)
    {
      g_clear_pointer (&row->error, g_free);
      gtk_widget_set_visible (GTK_WIDGET (row->error_label), FALSE);
      gtk_widget_remove_css_class (row->row, "error");
    }
}

static JsonNode *
string_node (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

/* Empty is unset: a required field then says "Field required". */
static void
set_text_value (FieldRow   *row,
                const char *text)
{
  g_autoptr(JsonNode) node = *text ? string_node (text) : NULL;

  set_value (row, node);
}

/* ------------------------------------------------------------------ rows */

/* Schema descriptions come wrapped at fixed widths: let them flow. */
static char *
flow_text (const char *text)
{
  static GRegex *spaces;

  if (g_once_init_enter (&spaces))
    g_once_init_leave (&spaces, g_regex_new ("[ \t]*\n[ \t]*(?!\n)", 0, 0, NULL));

  return g_regex_replace_literal (spaces, text, -1, 0, " ", 0, NULL);
}

/* Every row is a list box row with a title, the control, and room for
 * the description and an error. */
static GtkWidget *
row_shell (FieldRow  *row,
           GtkWidget *control,
           gboolean   control_below)
{
  FalFormField *field = row->field;
  GtkWidget *outer = gtk_list_box_row_new ();
  GtkWidget *vbox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *titles = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  g_autofree char *title_text = NULL;
  GtkWidget *title;
  GtkWidget *error = gtk_label_new (NULL);
  const char *description = fal_form_field_get_description (field);

  /* A long description beside a control would be squeezed into a narrow
   * column: the control goes under it. */
  if (!control_below && description && g_utf8_strlen (description, -1) > 90)
    {
      control_below = TRUE;
      gtk_widget_set_halign (control, GTK_ALIGN_START);
    }

  {
    g_autofree char *escaped = g_markup_escape_text (fal_form_field_get_title (field), -1);

    /* Required fields are marked, as forms usually do. */
    title_text = fal_form_field_get_required (field)
                 ? g_strdup_printf ("%s <span foreground=\"#c01c28\">*</span>", escaped)
                 : g_steal_pointer (&escaped);
  }
  title = gtk_label_new (NULL);
  gtk_label_set_markup (GTK_LABEL (title), title_text);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_box_append (GTK_BOX (titles), title);
  if (description && *description)
    {
      g_autofree char *flowing = flow_text (description);
      GtkWidget *subtitle = gtk_label_new (flowing);

      gtk_label_set_xalign (GTK_LABEL (subtitle), 0);
      gtk_label_set_wrap (GTK_LABEL (subtitle), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (subtitle), 60);
      gtk_widget_add_css_class (subtitle, "dim-label");
      gtk_widget_add_css_class (subtitle, "caption");
      gtk_box_append (GTK_BOX (titles), subtitle);
    }
  gtk_widget_set_hexpand (titles, TRUE);
  gtk_widget_set_valign (titles, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (top), titles);
  if (!control_below)
    {
      gtk_widget_set_valign (control, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (top), control);
    }

  gtk_label_set_xalign (GTK_LABEL (error), 0);
  gtk_label_set_wrap (GTK_LABEL (error), TRUE);
  gtk_widget_add_css_class (error, "error");
  gtk_widget_set_visible (error, FALSE);

  gtk_box_append (GTK_BOX (vbox), top);
  if (control_below)
    gtk_box_append (GTK_BOX (vbox), control);
  gtk_box_append (GTK_BOX (vbox), error);
  gtk_widget_set_margin_start (vbox, 12);
  gtk_widget_set_margin_end (vbox, 12);
  gtk_widget_set_margin_top (vbox, 8);
  gtk_widget_set_margin_bottom (vbox, 8);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (outer), vbox);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (outer), FALSE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  fal_form_field_get_title (field), -1);
  if (description)
    gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  if (fal_form_field_get_required (field))
    gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE, -1);

  row->row = outer;
  row->error_label = GTK_LABEL (error);
  row->control = control;
  g_object_set_data (G_OBJECT (outer), "field-name", (gpointer) fal_form_field_get_name (row->field));
  return outer;
}

static void
text_buffer_changed_cb (GtkTextBuffer *buffer,
                        FieldRow      *row)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  if (fal_form_field_get_kind (row->field) == FAL_FIELD_JSON ||
      fal_form_field_get_kind (row->field) == FAL_FIELD_OBJECT_LIST)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = NULL;

      /* Inline validation: the row says what is wrong as one types. */
      if (*g_strstrip (text) == '\0')
        {
          gtk_widget_set_visible (GTK_WIDGET (row->error_label), FALSE);
          set_value (row, NULL);
          return;
        }
      node = fal_json_parse (text, strlen (text), &error);
      if (node == NULL)
        {
          gtk_label_set_text (row->error_label, error->message);
          gtk_widget_set_visible (GTK_WIDGET (row->error_label), TRUE);
          return;
        }
      gtk_widget_set_visible (GTK_WIDGET (row->error_label), FALSE);
      set_value (row, node);
      return;
    }
  set_text_value (row, text);
}

static GtkWidget *
text_area_row (FieldRow *row,
               gboolean  monospace)
{
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  GtkWidget *shell;

  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), monospace);
  gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 6);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), monospace ? 90 : 72);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 240);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
  gtk_frame_set_child (GTK_FRAME (frame), scroller);

  row->updating = TRUE;
  if (value && JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    gtk_text_buffer_set_text (buffer, json_node_get_string (value), -1);
  else if (value && !JSON_NODE_HOLDS_NULL (value))
    {
      g_autofree char *text = fal_json_to_string (value, TRUE);
      gtk_text_buffer_set_text (buffer, text, -1);
    }
  row->updating = FALSE;
  g_signal_connect (buffer, "changed", G_CALLBACK (text_buffer_changed_cb), row);

  shell = row_shell (row, frame, TRUE);
  row->control = view;
  gtk_accessible_update_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  fal_form_field_get_title (row->field), -1);
  return shell;
}

static void
entry_changed_cb (GtkEditable *editable,
                  FieldRow    *row)
{
  set_text_value (row, gtk_editable_get_text (editable));
}

static GtkWidget *
entry_row (FieldRow *row)
{
  GtkWidget *entry = gtk_entry_new ();
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  JsonArray *examples = fal_form_field_get_examples (row->field);

  gtk_widget_set_hexpand (entry, TRUE);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 24);
  if (fal_form_field_get_kind (row->field) == FAL_FIELD_FILE)
    gtk_entry_set_placeholder_text (GTK_ENTRY (entry), _("https://… or a file"));
  else if (examples && json_array_get_length (examples) > 0 &&
           JSON_NODE_HOLDS_VALUE (json_array_get_element (examples, 0)) &&
           json_node_get_value_type (json_array_get_element (examples, 0)) == G_TYPE_STRING)
    gtk_entry_set_placeholder_text (GTK_ENTRY (entry), json_array_get_string_element (examples, 0));
  row->updating = TRUE;
  if (value && JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    gtk_editable_set_text (GTK_EDITABLE (entry), json_node_get_string (value));
  row->updating = FALSE;
  g_signal_connect (entry, "changed", G_CALLBACK (entry_changed_cb), row);
  return row_shell (row, entry, fal_form_field_get_kind (row->field) == FAL_FIELD_FILE);
}

static void
number_changed_cb (GObject  *control,
                   FieldRow *row)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  double value = GTK_IS_SPIN_BUTTON (control) ? gtk_spin_button_get_value (GTK_SPIN_BUTTON (control))
                                              : gtk_range_get_value (GTK_RANGE (control));

  if (fal_form_field_get_kind (row->field) == FAL_FIELD_NUMBER)
    json_node_set_double (node, value);
  else
    json_node_set_int (node, (gint64) value);
  set_value (row, node);
}

static void
field_range (FalFormField *field,
             double       *lower,
             double       *upper,
             double        step)
{
  double minimum, maximum;
  gboolean exclusive;

  *lower = -1e9;
  *upper = 1e9;
  if (fal_form_field_get_minimum (field, &minimum, &exclusive))
    *lower = exclusive ? minimum + step : minimum;
  if (fal_form_field_get_maximum (field, &maximum, &exclusive))
    *upper = exclusive ? maximum - step : maximum;
}

static GtkWidget *
number_row (FieldRow *row)
{
  gboolean integer = fal_form_field_get_kind (row->field) == FAL_FIELD_INTEGER;
  double step = integer ? 1 : 0.01;
  double lower, upper, minimum, maximum;
  gboolean exclusive;
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  double current;
  GtkWidget *control;

  field_range (row->field, &lower, &upper, step);
  current = value && JSON_NODE_HOLDS_VALUE (value) ? json_node_get_double (value) : MAX (lower, MIN (0, upper));

  if (!integer && fal_form_field_get_minimum (row->field, &minimum, &exclusive) &&
      fal_form_field_get_maximum (row->field, &maximum, &exclusive) && maximum - minimum <= SCALE_MAX_SPAN)
    {
      /* A small range: a scale shows where the value sits. */
      control = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, lower, upper, step);
      gtk_scale_set_draw_value (GTK_SCALE (control), TRUE);
      gtk_scale_set_digits (GTK_SCALE (control), 2);
      gtk_widget_set_size_request (control, 200, -1);
      row->updating = TRUE;
      gtk_range_set_value (GTK_RANGE (control), current);
      row->updating = FALSE;
      g_signal_connect (control, "value-changed", G_CALLBACK (number_changed_cb), row);
    }
  else
    {
      control = gtk_spin_button_new_with_range (lower, upper, step);
      gtk_spin_button_set_digits (GTK_SPIN_BUTTON (control), integer ? 0 : 2);
      gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (control), TRUE);
      row->updating = TRUE;
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (control), current);
      row->updating = FALSE;
      g_signal_connect (control, "value-changed", G_CALLBACK (number_changed_cb), row);
    }
  return row_shell (row, control, FALSE);
}

static void
switch_changed_cb (GtkSwitch  *control,
                   GParamSpec *pspec,
                   FieldRow   *row)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_boolean (node, gtk_switch_get_active (control));
  set_value (row, node);
}

static GtkWidget *
switch_row (FieldRow *row)
{
  GtkWidget *control = gtk_switch_new ();
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));

  row->updating = TRUE;
  gtk_switch_set_active (GTK_SWITCH (control), value && JSON_NODE_HOLDS_VALUE (value) && json_node_get_boolean (value));
  row->updating = FALSE;
  g_signal_connect (control, "notify::active", G_CALLBACK (switch_changed_cb), row);
  return row_shell (row, control, FALSE);
}

static char *
node_label (JsonNode *node)
{
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (node));
  return fal_json_to_string (node, FALSE);
}

/* Items of a drop-down: (nullable) "Automatic", then the enum values. */
static void
enum_selected_cb (GtkDropDown *drop_down,
                  GParamSpec  *pspec,
                  FieldRow    *row)
{
  JsonArray *values = fal_form_field_get_enum_values (row->field);
  guint selected = gtk_drop_down_get_selected (drop_down);
  guint offset = fal_form_field_get_nullable (row->field) ? 1 : 0;

  if (selected == GTK_INVALID_LIST_POSITION)
    return;
  if (selected < offset)
    set_value (row, NULL);
  else
    set_value (row, json_array_get_element (values, selected - offset));
}

static gboolean
json_equal (JsonNode *a,
            JsonNode *b)
{
  return a && b && json_node_equal (a, b);
}

static GtkWidget *
enum_row (FieldRow *row)
{
  JsonArray *values = fal_form_field_get_enum_values (row->field);
  g_autoptr(GtkStringList) strings = gtk_string_list_new (NULL);
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  guint offset = fal_form_field_get_nullable (row->field) ? 1 : 0;
  guint selected = 0;
  guint n = values ? json_array_get_length (values) : 0;
  GtkWidget *control;

  if (offset)
    gtk_string_list_append (strings, _("Automatic"));
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *label = node_label (json_array_get_element (values, i));

      gtk_string_list_append (strings, label);
      if (json_equal (value, json_array_get_element (values, i)))
        selected = i + offset;
    }
  control = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (strings)), NULL);
  if (n + offset > SEARCH_MIN_ITEMS)
    {
      gtk_drop_down_set_expression (GTK_DROP_DOWN (control),
                                    gtk_property_expression_new (GTK_TYPE_STRING_OBJECT, NULL, "string"));
      gtk_drop_down_set_enable_search (GTK_DROP_DOWN (control), TRUE);
    }
  row->updating = TRUE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (control), selected);
  row->updating = FALSE;
  g_signal_connect (control, "notify::selected", G_CALLBACK (enum_selected_cb), row);
  return row_shell (row, control, FALSE);
}

static void
size_changed (FieldRow *row)
{
  GtkDropDown *drop_down = GTK_DROP_DOWN (row->control);
  const char * const *presets = fal_form_field_get_size_presets (row->field);
  guint n_presets = presets ? g_strv_length ((char **) presets) : 0;
  guint selected = gtk_drop_down_get_selected (drop_down);
  gboolean custom = selected == n_presets;

  gtk_widget_set_visible (row->extra, custom);
  if (custom)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_int_member (object, "width", gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (row->width_spin)));
      json_object_set_int_member (object, "height", gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (row->height_spin)));
      json_node_take_object (node, object);
      set_value (row, node);
    }
  else if (selected < n_presets)
    {
      g_autoptr(JsonNode) node = string_node (presets[selected]);
      set_value (row, node);
    }
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
  size_changed (row);
}

static GtkWidget *
image_size_row (FieldRow *row)
{
  const char * const *presets = fal_form_field_get_size_presets (row->field);
  guint n_presets = presets ? g_strv_length ((char **) presets) : 0;
  g_autoptr(GtkStringList) strings = gtk_string_list_new (presets);
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *custom = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *control;
  guint selected = 0;
  int width = 1024, height = 1024;

  gtk_string_list_append (strings, _("Custom"));
  for (guint i = 0; i < n_presets; i++)
    if (value && JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING &&
        g_str_equal (json_node_get_string (value), presets[i]))
      selected = i;
  if (value && JSON_NODE_HOLDS_OBJECT (value))
    {
      gint64 w = 0, h = 0;

      selected = n_presets;
      if (fal_json_get_int (json_node_get_object (value), "width", &w))
        width = (int) w;
      if (fal_json_get_int (json_node_get_object (value), "height", &h))
        height = (int) h;
    }

  control = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (strings)), NULL);
  row->width_spin = gtk_spin_button_new_with_range (1, 14142, 8);
  row->height_spin = gtk_spin_button_new_with_range (1, 14142, 8);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->width_spin), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Width"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (row->height_spin), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Height"), -1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row->width_spin), width);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row->height_spin), height);
  gtk_box_append (GTK_BOX (custom), row->width_spin);
  gtk_box_append (GTK_BOX (custom), gtk_label_new ("×"));
  gtk_box_append (GTK_BOX (custom), row->height_spin);
  gtk_box_append (GTK_BOX (box), custom);
  gtk_box_append (GTK_BOX (box), control);
  row->extra = custom;
  gtk_widget_set_visible (custom, selected == n_presets);
  gtk_widget_set_sensitive (control, fal_form_field_get_custom_size (row->field) || n_presets > 0);

  row->updating = TRUE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (control), selected);
  row->updating = FALSE;
  g_signal_connect (control, "notify::selected", G_CALLBACK (size_selected_cb), row);
  g_signal_connect (row->width_spin, "value-changed", G_CALLBACK (size_spin_cb), row);
  g_signal_connect (row->height_spin, "value-changed", G_CALLBACK (size_spin_cb), row);
  {
    GtkWidget *shell = row_shell (row, box, TRUE);
    row->control = control;
    gtk_widget_set_halign (box, GTK_ALIGN_START);
    return shell;
  }
}

static void
seed_changed (FieldRow *row)
{
  gboolean random = gtk_check_button_get_active (GTK_CHECK_BUTTON (row->extra));

  gtk_widget_set_sensitive (row->control, !random);
  if (random)
    set_value (row, NULL);
  else
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

      json_node_set_int (node, (gint64) gtk_spin_button_get_value (GTK_SPIN_BUTTON (row->control)));
      set_value (row, node);
    }
}

static void
seed_toggled_cb (GtkCheckButton *check,
                 FieldRow       *row)
{
  seed_changed (row);
}

static void
seed_spin_cb (GtkSpinButton *spin,
              FieldRow      *row)
{
  seed_changed (row);
}

static GtkWidget *
seed_row (FieldRow *row)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *spin = gtk_spin_button_new_with_range (0, G_MAXINT32, 1);
  GtkWidget *random = gtk_check_button_new_with_mnemonic (_("_Random"));
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  gboolean is_random = value == NULL || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64;
  GtkWidget *shell;

  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_box_append (GTK_BOX (box), random);
  gtk_box_append (GTK_BOX (box), spin);
  row->updating = TRUE;
  if (!is_random)
    gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), json_node_get_int (value));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (random), is_random);
  gtk_widget_set_sensitive (spin, !is_random);
  row->updating = FALSE;
  g_signal_connect (random, "toggled", G_CALLBACK (seed_toggled_cb), row);
  g_signal_connect (spin, "value-changed", G_CALLBACK (seed_spin_cb), row);
  shell = row_shell (row, box, TRUE);
  gtk_widget_set_halign (box, GTK_ALIGN_START);
  row->control = spin;
  row->extra = random;
  gtk_accessible_update_property (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  fal_form_field_get_title (row->field), -1);
  return shell;
}

static GtkWidget *
build_row (FalstaffFormView *self,
           FalFormField     *field)
{
  FieldRow *row = g_new0 (FieldRow, 1);
  GtkWidget *widget;

  row->view = self;
  row->field = g_object_ref (field);
  g_hash_table_replace (self->rows, (gpointer) fal_form_field_get_name (field), row);

  switch (fal_form_field_get_kind (field))
    {
    case FAL_FIELD_LONG_TEXT:
      widget = text_area_row (row, FALSE);
      break;
    case FAL_FIELD_INTEGER:
    case FAL_FIELD_NUMBER:
      widget = number_row (row);
      break;
    case FAL_FIELD_BOOLEAN:
      widget = switch_row (row);
      break;
    case FAL_FIELD_ENUM:
      widget = enum_row (row);
      break;
    case FAL_FIELD_IMAGE_SIZE:
      widget = image_size_row (row);
      break;
    case FAL_FIELD_SEED:
      widget = seed_row (row);
      break;
    case FAL_FIELD_FILE:
    case FAL_FIELD_FILE_LIST:
      if (self->client)
        {
          /* Drop, paste or choose files; they upload at once. */
          widget = falstaff_file_row_new (field, self->model, self->client);
          row->row = widget;
          row->control = widget;
          g_object_set_data (G_OBJECT (widget), "field-name", (gpointer) fal_form_field_get_name (field));
          break;
        }
      widget = fal_form_field_get_kind (field) == FAL_FIELD_FILE ? entry_row (row) : text_area_row (row, TRUE);
      break;
    case FAL_FIELD_OBJECT_LIST:
    case FAL_FIELD_JSON:
      widget = text_area_row (row, TRUE);
      break;
    case FAL_FIELD_SHORT_TEXT:
    default:
      widget = entry_row (row);
      break;
    }
  gtk_widget_add_css_class (widget, "falstaff-field");
  return widget;
}

/* ------------------------------------------------------------------ view */

static void
clear_rows (FalstaffFormView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->box)))
    gtk_box_remove (GTK_BOX (self->box), child);
  g_hash_table_remove_all (self->rows);
}

static void
build (FalstaffFormView *self)
{
  GtkWidget *basic = adw_preferences_group_new ();
  GtkWidget *basic_list = gtk_list_box_new ();
  GtkWidget *advanced = NULL;
  GtkWidget *expander = NULL;
  guint n;

  clear_rows (self);
  if (self->model == NULL)
    return;

  gtk_list_box_set_selection_mode (GTK_LIST_BOX (basic_list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (basic_list, "boxed-list");
  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (basic), _("Inputs"));
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (basic), basic_list);
  gtk_box_append (GTK_BOX (self->box), basic);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (self->model), i);
      GtkWidget *row = build_row (self, field);

      if (fal_form_field_get_advanced (field) && !fal_form_field_get_required (field))
        {
          if (advanced == NULL)
            {
              advanced = adw_preferences_group_new ();
              expander = adw_expander_row_new ();
              GtkWidget *list = gtk_list_box_new ();

              gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
              gtk_widget_add_css_class (list, "boxed-list");
              adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), _("Advanced"));
              adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), _("Options most runs leave as they are"));
              gtk_list_box_append (GTK_LIST_BOX (list), expander);
              adw_preferences_group_add (ADW_PREFERENCES_GROUP (advanced), list);
              gtk_box_append (GTK_BOX (self->box), advanced);
            }
          adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), row);
        }
      else
        gtk_list_box_append (GTK_LIST_BOX (basic_list), row);
    }
}

static void
falstaff_form_view_dispose (GObject *object)
{
  FalstaffFormView *self = (FalstaffFormView *)object;

  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->rows, g_hash_table_unref);
  g_clear_object (&self->model);
  g_clear_object (&self->client);

  G_OBJECT_CLASS (falstaff_form_view_parent_class)->dispose (object);
}

static void
falstaff_form_view_class_init (FalstaffFormViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_form_view_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_form_view_init (FalstaffFormView *self)
{
  self->rows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, field_row_free);
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 24);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
}

void
falstaff_form_view_set_model (FalstaffFormView *self,
                              FalFormModel     *model)
{
  g_return_if_fail (FALSTAFF_IS_FORM_VIEW (self));

  if (self->model == model)
    return;
  clear_rows (self);
  g_set_object (&self->model, model);
  build (self);
}

void
falstaff_form_view_set_client (FalstaffFormView *self,
                               FalClient        *client)
{
  g_return_if_fail (FALSTAFF_IS_FORM_VIEW (self));
  g_set_object (&self->client, client);
}

GPtrArray *
falstaff_form_view_get_file_rows (FalstaffFormView *self)
{
  GPtrArray *rows = g_ptr_array_new ();
  guint n = self->model ? g_list_model_get_n_items (G_LIST_MODEL (self->model)) : 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (self->model), i);
      FieldRow *row = g_hash_table_lookup (self->rows, fal_form_field_get_name (field));

      if (row && FALSTAFF_IS_FILE_ROW (row->row))
        g_ptr_array_add (rows, row->row);
    }
  return rows;
}

FalFormModel *
falstaff_form_view_get_model (FalstaffFormView *self)
{
  return self->model;
}

void
falstaff_form_view_refresh (FalstaffFormView *self)
{
  g_return_if_fail (FALSTAFF_IS_FORM_VIEW (self));
  build (self);
}

static void
set_row_error (FieldRow   *row,
               const char *message)
{
  g_free (row->error);
  row->error = g_strdup (message);
  if (FALSTAFF_IS_FILE_ROW (row->row))
    {
      falstaff_file_row_set_message (FALSTAFF_FILE_ROW (row->row), message);
      return;
    }
  gtk_label_set_text (row->error_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (row->error_label), message != NULL);
  if (message)
    gtk_widget_add_css_class (row->row, "error");
  else
    gtk_widget_remove_css_class (row->row, "error");
}

guint
falstaff_form_view_show_errors (FalstaffFormView *self,
                                JsonArray        *errors)
{
  GHashTableIter iter;
  gpointer value;
  guint shown = 0;
  GtkWidget *first = NULL;

  g_return_val_if_fail (FALSTAFF_IS_FORM_VIEW (self), 0);

  g_hash_table_iter_init (&iter, self->rows);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    set_row_error (value, NULL);

  for (guint i = 0; errors && i < json_array_get_length (errors); i++)
    {
      JsonNode *element = json_array_get_element (errors, i);
      JsonObject *error = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      JsonArray *loc = error ? fal_json_get_array (error, "loc") : NULL;
      FieldRow *row = NULL;

      /* loc is ["body", field, …]: the field is the first name after
       * "body" that is a row here. */
      for (guint j = 0; loc && j < json_array_get_length (loc) && row == NULL; j++)
        {
          JsonNode *part = json_array_get_element (loc, j);

          if (JSON_NODE_HOLDS_VALUE (part) && json_node_get_value_type (part) == G_TYPE_STRING)
            row = g_hash_table_lookup (self->rows, json_node_get_string (part));
        }
      if (row == NULL)
        continue;
      if (row->error)
        {
          g_autofree char *both = g_strdup_printf ("%s\n%s", row->error, fal_json_get_string (error, "msg"));
          set_row_error (row, both);
        }
      else
        set_row_error (row, fal_json_get_string (error, "msg"));
      if (first == NULL)
        first = row->control;
      shown++;
    }
  if (first)
    gtk_widget_grab_focus (first);
  return shown;
}

GtkWidget *
falstaff_form_view_get_row (FalstaffFormView *self,
                            const char       *name)
{
  FieldRow *row = g_hash_table_lookup (self->rows, name);

  return row ? row->control : NULL;
}

const char *
falstaff_form_view_get_row_error (FalstaffFormView *self,
                                  const char       *name)
{
  FieldRow *row = g_hash_table_lookup (self->rows, name);

  return row ? row->error : NULL;
}
