/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "falstaff-accessible.h"
#include "falstaff-form-view-private.h"

/* A bounded number whose range is at most this wide gets a scale. */
#define SCALE_MAX_SPAN 20.0

/* ------------------------------------------------------------------ the row */

/* Schema descriptions come wrapped at fixed widths: let them flow. */
static char *
flow_text (const char *text)
{
  static GRegex *spaces;

  if (g_once_init_enter (&spaces))
    g_once_init_leave (&spaces, g_regex_new ("[ \t]*\n[ \t]*(?!\n)", 0, 0, NULL));

  return g_regex_replace_literal (spaces, text, -1, 0, " ", 0, NULL);
}

/* A label that wraps to whatever width it is given: anywhere inside a
 * word that does not fit, so a long word never widens the column. */
static GtkWidget *
wrapping_label (const char *text)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  return label;
}

void
_falstaff_form_view_name_control (GtkWidget  *control,
                                  const char *name)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (control), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  /* A drop-down takes focus on the button inside it: that is what a
   * screen reader speaks when Tab reaches it. */
  if (GTK_IS_DROP_DOWN (control))
    for (GtkWidget *child = gtk_widget_get_first_child (control); child; child = gtk_widget_get_next_sibling (child))
      if (GTK_IS_TOGGLE_BUTTON (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

/* Every row is a list box row that takes no focus itself (Tab goes from
 * control to control): the title with the control beside it (or under
 * it), the description across the whole row, and room for an error. */
GtkWidget *
_falstaff_form_view_row_shell (FieldRow  *row,
                               GtkWidget *control,
                               gboolean   control_below)
{
  FalFormField *field = row->field;
  GtkWidget *outer = gtk_list_box_row_new ();
  GtkWidget *vbox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  GtkWidget *top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  g_autofree char *title_text = NULL;
  GtkWidget *error;
  const char *description = fal_form_field_get_description (field);

  {
    g_autofree char *escaped = g_markup_escape_text (row->title, -1);

    /* Required fields are marked, as forms usually do. */
    title_text = fal_form_field_get_required (field)
                 ? g_strdup_printf ("%s <span foreground=\"#c01c28\">*</span>", escaped)
                 : g_steal_pointer (&escaped);
  }
  row->title_label = wrapping_label (NULL);
  gtk_label_set_markup (GTK_LABEL (row->title_label), title_text);
  /* The name the request uses, for people who write requests by hand. */
  gtk_widget_set_tooltip_text (row->title_label, fal_form_field_get_name (field));
  gtk_widget_set_hexpand (row->title_label, TRUE);
  gtk_widget_set_valign (row->title_label, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (top), row->title_label);
  if (!control_below)
    {
      gtk_widget_set_valign (control, GTK_ALIGN_CENTER);
      gtk_box_append (GTK_BOX (top), control);
    }
  gtk_box_append (GTK_BOX (vbox), top);

  if (description && *description)
    {
      g_autofree char *flowing = flow_text (description);

      row->description_label = wrapping_label (flowing);
      gtk_widget_add_css_class (row->description_label, "dim-label");
      gtk_widget_add_css_class (row->description_label, "caption");
      gtk_box_append (GTK_BOX (vbox), row->description_label);
    }
  if (control_below)
    {
      gtk_widget_set_margin_top (control, 4);
      gtk_box_append (GTK_BOX (vbox), control);
    }

  error = wrapping_label (NULL);
  gtk_widget_add_css_class (error, "error");
  gtk_widget_set_visible (error, FALSE);
  gtk_box_append (GTK_BOX (vbox), error);

  gtk_widget_set_margin_start (vbox, 12);
  gtk_widget_set_margin_end (vbox, 12);
  gtk_widget_set_margin_top (vbox, 8);
  gtk_widget_set_margin_bottom (vbox, 8);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (outer), vbox);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (outer), FALSE);
  gtk_widget_set_focusable (outer, FALSE);

  row->row = outer;
  row->error_label = GTK_LABEL (error);
  if (row->control == NULL)
    row->control = control;
  _falstaff_form_view_name_control (row->control, row->title);
  if (description)
    falstaff_accessible_describe (row->control, description);
  if (fal_form_field_get_required (field))
    gtk_accessible_update_property (GTK_ACCESSIBLE (row->control), GTK_ACCESSIBLE_PROPERTY_REQUIRED, TRUE, -1);
  g_object_set_data (G_OBJECT (outer), "field-name", (gpointer) fal_form_field_get_name (field));
  return outer;
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

  _falstaff_form_view_row_set_value (row, node);
}

/* ------------------------------------------------------------------ text */

static void
text_buffer_changed_cb (GtkTextBuffer *buffer,
                        FieldRow      *row)
{
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  if (row->updating)
    return;
  _falstaff_form_view_row_clear_error (row);
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
          _falstaff_form_view_row_set_value (row, NULL);
          return;
        }
      node = fal_json_parse (text, strlen (text), &error);
      if (node == NULL)
        {
          gtk_label_set_text (row->error_label, error->message);
          gtk_widget_set_visible (GTK_WIDGET (row->error_label), TRUE);
          return;
        }
      _falstaff_form_view_row_set_value (row, node);
      return;
    }
  set_text_value (row, text);
}

GtkWidget *
_falstaff_form_view_text_area_row (FieldRow *row,
                                   gboolean  monospace)
{
  GtkWidget *frame = gtk_frame_new (NULL);
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *view = gtk_text_view_new ();
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (view));
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));

  gtk_text_view_set_wrap_mode (GTK_TEXT_VIEW (view), GTK_WRAP_WORD_CHAR);
  gtk_text_view_set_monospace (GTK_TEXT_VIEW (view), monospace);
  /* Tab leaves the text for the next field. */
  gtk_text_view_set_accepts_tab (GTK_TEXT_VIEW (view), FALSE);
  gtk_text_view_set_left_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_right_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_top_margin (GTK_TEXT_VIEW (view), 6);
  gtk_text_view_set_bottom_margin (GTK_TEXT_VIEW (view), 6);
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroller), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroller), monospace ? 90 : 72);
  gtk_scrolled_window_set_max_content_height (GTK_SCROLLED_WINDOW (scroller), 240);
  gtk_scrolled_window_set_propagate_natural_height (GTK_SCROLLED_WINDOW (scroller), TRUE);
  /* The text view scrolls itself: the scroller is no stop of its own. */
  gtk_widget_set_focusable (scroller, FALSE);
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

  row->control = view;
  return _falstaff_form_view_row_shell (row, frame, TRUE);
}

static void
entry_changed_cb (GtkEditable *editable,
                  FieldRow    *row)
{
  set_text_value (row, gtk_editable_get_text (editable));
}

GtkWidget *
_falstaff_form_view_entry_row (FieldRow *row)
{
  GtkWidget *entry = gtk_entry_new ();
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  JsonArray *examples = fal_form_field_get_examples (row->field);

  gtk_widget_set_hexpand (entry, TRUE);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 12);
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
  return _falstaff_form_view_row_shell (row, entry, TRUE);
}

/* ------------------------------------------------------------------ numbers */

static void
number_changed_cb (GObject  *control,
                   FieldRow *row)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);
  double value = GTK_IS_SPIN_BUTTON (control) ? gtk_spin_button_get_value (GTK_SPIN_BUTTON (control))
                                              : gtk_range_get_value (GTK_RANGE (control));

  if (row->extra && gtk_check_button_get_active (GTK_CHECK_BUTTON (row->extra)))
    return;   /* "Default": nothing is sent */
  if (fal_form_field_get_kind (row->field) == FAL_FIELD_NUMBER)
    json_node_set_double (node, value);
  else
    json_node_set_int (node, (gint64) CLAMP (value, -9e15, 9e15));  /* the cast is undefined past gint64 */
  _falstaff_form_view_row_set_value (row, node);
}

/* A spin button takes typed text only when it is activated or left;
 * the error goes as soon as the text says something new. */
static void
spin_text_changed_cb (GtkEditable *editable,
                      FieldRow    *row)
{
  const char *text = gtk_editable_get_text (editable);
  char *end = NULL;
  double typed = g_ascii_strtod (text, &end);

  if (row->updating || row->error == NULL)
    return;
  if (end == text || *end != '\0' || fabs (typed - gtk_spin_button_get_value (GTK_SPIN_BUTTON (editable))) > 1e-9)
    _falstaff_form_view_row_clear_error (row);
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

/* An optional number without a default sends nothing until the person
 * gives one: "Default" is checked, and the number waits, greyed out. */
static void
number_default_toggled_cb (GtkCheckButton *check,
                           FieldRow       *row)
{
  gboolean unset = gtk_check_button_get_active (check);

  gtk_widget_set_sensitive (row->control, !unset);
  if (unset)
    _falstaff_form_view_row_set_value (row, NULL);
  else
    number_changed_cb (G_OBJECT (row->control), row);
}

static GtkWidget *
with_default_check (FieldRow  *row,
                    GtkWidget *control,
                    gboolean   unset)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *check = gtk_check_button_new_with_mnemonic (_("_Default"));
  /* Translators: the accessible name of a number's "Default" check box,
   * e.g. "Default Num Speakers". */
  g_autofree char *name = g_strdup_printf (_("Default %s"), row->title);

  gtk_check_button_set_active (GTK_CHECK_BUTTON (check), unset);
  gtk_widget_set_tooltip_text (check, _("Nothing is sent: the endpoint decides"));
  _falstaff_form_view_name_control (check, name);
  gtk_widget_set_sensitive (control, !unset);
  gtk_box_append (GTK_BOX (box), check);
  gtk_box_append (GTK_BOX (box), control);
  row->control = control;
  row->extra = check;
  g_signal_connect (check, "toggled", G_CALLBACK (number_default_toggled_cb), row);
  return box;
}

GtkWidget *
_falstaff_form_view_number_row (FieldRow *row)
{
  gboolean integer = fal_form_field_get_kind (row->field) == FAL_FIELD_INTEGER;
  double step = integer ? 1 : 0.01;
  double lower, upper, minimum, maximum;
  gboolean exclusive;
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  double current;
  GtkWidget *control;
  gboolean scale = FALSE;

  field_range (row->field, &lower, &upper, step);
  current = value && JSON_NODE_HOLDS_VALUE (value) ? json_node_get_double (value) : MAX (lower, MIN (0, upper));

  if (!integer && fal_form_field_get_minimum (row->field, &minimum, &exclusive) &&
      fal_form_field_get_maximum (row->field, &maximum, &exclusive) && maximum - minimum <= SCALE_MAX_SPAN)
    {
      /* A small range: a scale shows where the value sits. It goes under
       * the title, across the row, so neither is squeezed. */
      scale = TRUE;
      control = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, lower, upper, step);
      gtk_scale_set_draw_value (GTK_SCALE (control), TRUE);
      gtk_scale_set_digits (GTK_SCALE (control), 2);
      gtk_widget_set_hexpand (control, TRUE);
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
      g_signal_connect (control, "changed", G_CALLBACK (spin_text_changed_cb), row);
    }
  if (!fal_form_field_get_required (row->field) && fal_form_field_get_default (row->field) == NULL)
    return _falstaff_form_view_row_shell (row, with_default_check (row, control, value == NULL), scale);
  return _falstaff_form_view_row_shell (row, control, scale);
}

/* ------------------------------------------------------------------ switches */

static void
switch_changed_cb (GtkSwitch  *control,
                   GParamSpec *pspec,
                   FieldRow   *row)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_boolean (node, gtk_switch_get_active (control));
  _falstaff_form_view_row_set_value (row, node);
}

GtkWidget *
_falstaff_form_view_switch_row (FieldRow *row)
{
  GtkWidget *control = gtk_switch_new ();
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));

  row->updating = TRUE;
  gtk_switch_set_active (GTK_SWITCH (control), value && JSON_NODE_HOLDS_VALUE (value) && json_node_get_boolean (value));
  row->updating = FALSE;
  g_signal_connect (control, "notify::active", G_CALLBACK (switch_changed_cb), row);
  return _falstaff_form_view_row_shell (row, control, FALSE);
}

/* ------------------------------------------------------------------ seeds */

static void
seed_changed (FieldRow *row)
{
  gboolean random = gtk_check_button_get_active (GTK_CHECK_BUTTON (row->extra));

  gtk_widget_set_sensitive (row->control, !random);
  if (random)
    _falstaff_form_view_row_set_value (row, NULL);
  else
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

      json_node_set_int (node, (gint64) CLAMP (gtk_spin_button_get_value (GTK_SPIN_BUTTON (row->control)), -9e15, 9e15));
      _falstaff_form_view_row_set_value (row, node);
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

GtkWidget *
_falstaff_form_view_seed_row (FieldRow *row)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *spin = gtk_spin_button_new_with_range (0, G_MAXINT32, 1);
  GtkWidget *random = gtk_check_button_new_with_mnemonic (_("_Random"));
  JsonNode *value = fal_form_model_get_value (row->view->model, fal_form_field_get_name (row->field));
  gboolean is_random = value == NULL || !JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_INT64;
  g_autofree char *random_name = NULL;

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
  g_signal_connect (spin, "changed", G_CALLBACK (spin_text_changed_cb), row);
  gtk_widget_set_halign (box, GTK_ALIGN_START);
  row->control = spin;
  row->extra = random;
  /* Translators: the accessible name of a seed's "Random" check box,
   * e.g. "Random Seed". */
  random_name = g_strdup_printf (_("Random %s"), row->title);
  _falstaff_form_view_name_control (random, random_name);
  return _falstaff_form_view_row_shell (row, box, TRUE);
}
