/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-display-name.h"
#include "falstaff-sweep-dialog.h"

/* One varied field of the grid, built from the form's fields. */
typedef struct {
  FalstaffSweepDialog *dialog;    /* not owned */
  guint index;
  AdwPreferencesGroup *group;
  AdwComboRow *field_row;
  GPtrArray *fields;              /* FalFormField offered, in the combo's order */
  AdwActionRow *range_row;
  GtkEntry *from;
  GtkEntry *to;
  GtkEntry *step;
  AdwEntryRow *list_row;
  AdwActionRow *choices_row;
  GPtrArray *checks;              /* GtkCheckButton, one a value */
  JsonArray *choice_values;
} AxisEditor;

struct _FalstaffSweepDialog
{
  AdwWindow parent_instance;

  GtkWidget *run_button;
  GtkStack *stack;
  AdwPreferencesGroup *seeds_group;
  GtkSpinButton *seed_count;
  GtkCheckButton *random_check;
  AdwActionRow *consecutive_row;
  GtkCheckButton *consecutive_check;
  AdwPreferencesPage *grid_page;
  GtkLabel *count_label;

  FalFormModel *model;
  JsonNode *base;
  gint64 base_seed;               /* -1: the form has none */
  AxisEditor axes[2];
  gboolean confirming;
  FalPrice *price;                /* NULL: not known */
  double confirm_limit;           /* ask above this total */
};

G_DEFINE_FINAL_TYPE (FalstaffSweepDialog, falstaff_sweep_dialog, ADW_TYPE_WINDOW)

enum {
  SIGNAL_PLAN_CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void changed_cb (FalstaffSweepDialog *self);

/* ------------------------------------------------------------------ axes */

static gboolean
is_variable (FalFormField *field)
{
  switch (fal_form_field_get_kind (field))
    {
    case FAL_FIELD_INTEGER:
    case FAL_FIELD_NUMBER:
    case FAL_FIELD_BOOLEAN:
    case FAL_FIELD_ENUM:
    case FAL_FIELD_SEED:
      return TRUE;
    default:
      return FALSE;
    }
}

static FalFormField *
axis_field (AxisEditor *axis)
{
  guint selected = adw_combo_row_get_selected (axis->field_row);
  guint offset = axis->index == 1 ? 1 : 0;   /* the second may be "None" */

  if (selected == GTK_INVALID_LIST_POSITION || selected < offset || selected - offset >= axis->fields->len)
    return NULL;
  return g_ptr_array_index (axis->fields, selected - offset);
}

static char *
value_words (JsonNode *value)
{
  if (json_node_get_value_type (value) == G_TYPE_STRING)
    return falstaff_display_name_for_value (json_node_get_string (value));
  if (json_node_get_value_type (value) == G_TYPE_BOOLEAN)
    return g_strdup (json_node_get_boolean (value) ? _("On") : _("Off"));
  return json_to_string (value, FALSE);
}

static void
clear_choices (AxisEditor *axis)
{
  for (guint i = 0; i < axis->checks->len; i++)
    adw_action_row_remove (axis->choices_row, g_ptr_array_index (axis->checks, i));
  g_ptr_array_set_size (axis->checks, 0);
  g_clear_pointer (&axis->choice_values, json_array_unref);
}

/* The rows the field's kind needs: a range and a list for numbers, a
 * tick a value for choices and switches. */
static void
field_changed_cb (AxisEditor *axis)
{
  FalFormField *field = axis_field (axis);
  FalFieldKind kind = field ? fal_form_field_get_kind (field) : FAL_FIELD_JSON;
  gboolean numbers = kind == FAL_FIELD_INTEGER || kind == FAL_FIELD_NUMBER || kind == FAL_FIELD_SEED;

  clear_choices (axis);
  gtk_widget_set_visible (GTK_WIDGET (axis->range_row), numbers);
  gtk_widget_set_visible (GTK_WIDGET (axis->list_row), numbers);
  gtk_widget_set_visible (GTK_WIDGET (axis->choices_row), field && !numbers);
  if (field && !numbers)
    {
      JsonArray *values = kind == FAL_FIELD_ENUM ? fal_form_field_get_enum_values (field) : NULL;

      if (values)
        axis->choice_values = json_array_ref (values);
      else
        {
          axis->choice_values = json_array_new ();
          json_array_add_boolean_element (axis->choice_values, FALSE);
          json_array_add_boolean_element (axis->choice_values, TRUE);
        }
      for (guint i = 0; i < json_array_get_length (axis->choice_values); i++)
        {
          g_autofree char *label = value_words (json_array_get_element (axis->choice_values, i));
          GtkWidget *check = gtk_check_button_new_with_label (label);

          gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
          g_signal_connect_swapped (check, "toggled", G_CALLBACK (changed_cb), axis->dialog);
          adw_action_row_add_suffix (axis->choices_row, check);
          g_ptr_array_add (axis->checks, check);
        }
    }
  changed_cb (axis->dialog);
}

static GtkEntry *
number_entry (AxisEditor  *axis,
              const char  *placeholder,
              const char  *accessible)
{
  GtkEntry *entry = GTK_ENTRY (gtk_entry_new ());

  gtk_entry_set_placeholder_text (entry, placeholder);
  gtk_editable_set_width_chars (GTK_EDITABLE (entry), 6);
  gtk_widget_set_valign (GTK_WIDGET (entry), GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_PROPERTY_LABEL, accessible, -1);
  g_signal_connect_swapped (entry, "changed", G_CALLBACK (changed_cb), axis->dialog);
  adw_action_row_add_suffix (axis->range_row, GTK_WIDGET (entry));
  return entry;
}

static void
axis_init (FalstaffSweepDialog *self,
           guint                index)
{
  AxisEditor *axis = &self->axes[index];
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->model));

  axis->dialog = self;
  axis->index = index;
  axis->fields = g_ptr_array_new_with_free_func (g_object_unref);
  axis->checks = g_ptr_array_new ();
  if (index == 1)
    gtk_string_list_append (names, _("None"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (self->model), i);

      if (!is_variable (field))
        continue;
      gtk_string_list_append (names, fal_form_field_get_title (field));
      g_ptr_array_add (axis->fields, g_steal_pointer (&field));
    }

  axis->group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (axis->group, index == 0 ? _("Columns") : _("Rows"));
  adw_preferences_group_set_description (axis->group, index == 0 ? _("The first field to vary")
                                                                 : _("A second field to vary, if any"));
  axis->field_row = ADW_COMBO_ROW (adw_combo_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (axis->field_row), _("Field"));
  adw_combo_row_set_model (axis->field_row, G_LIST_MODEL (names));
  adw_preferences_group_add (axis->group, GTK_WIDGET (axis->field_row));

  axis->range_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (axis->range_row), _("From, to, step"));
  axis->from = number_entry (axis, _("From"), _("From"));
  axis->to = number_entry (axis, _("To"), _("To"));
  axis->step = number_entry (axis, _("Step"), _("Step"));
  adw_preferences_group_add (axis->group, GTK_WIDGET (axis->range_row));

  axis->list_row = ADW_ENTRY_ROW (adw_entry_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (axis->list_row), _("Or a list, e.g. 10, 20, 40"));
  g_signal_connect_swapped (axis->list_row, "changed", G_CALLBACK (changed_cb), self);
  adw_preferences_group_add (axis->group, GTK_WIDGET (axis->list_row));

  axis->choices_row = ADW_ACTION_ROW (adw_action_row_new ());
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (axis->choices_row), _("Values"));
  adw_preferences_group_add (axis->group, GTK_WIDGET (axis->choices_row));

  adw_preferences_page_add (self->grid_page, axis->group);
  g_signal_connect_swapped (axis->field_row, "notify::selected", G_CALLBACK (field_changed_cb), axis);
  /* The second starts at None; the first at its first field. */
  adw_combo_row_set_selected (axis->field_row, 0);
  field_changed_cb (axis);
}

static void
axis_clear (AxisEditor *axis)
{
  g_clear_pointer (&axis->fields, g_ptr_array_unref);
  g_clear_pointer (&axis->checks, g_ptr_array_unref);
  g_clear_pointer (&axis->choice_values, json_array_unref);
}

static gboolean
parse_number (GtkEntry   *entry,
              double     *value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
  char *end = NULL;

  *value = g_ascii_strtod (text, &end);
  return text[0] != '\0' && end != text && *end == '\0';
}

/* The axis's values, or NULL with the reason. */
static JsonArray *
axis_values (AxisEditor  *axis,
             GError     **error)
{
  FalFormField *field = axis_field (axis);
  FalFieldKind kind;
  const char *list;
  double from, to, step;
  gboolean integer;

  if (field == NULL)
    return NULL;
  kind = fal_form_field_get_kind (field);
  if (axis->choice_values)
    {
      JsonArray *values = json_array_new ();

      for (guint i = 0; i < axis->checks->len; i++)
        if (gtk_check_button_get_active (g_ptr_array_index (axis->checks, i)))
          json_array_add_element (values, json_node_copy (json_array_get_element (axis->choice_values, i)));
      if (json_array_get_length (values) == 0)
        {
          json_array_unref (values);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Tick the values of “%s” to try"),
                       fal_form_field_get_title (field));
          return NULL;
        }
      return values;
    }
  integer = kind != FAL_FIELD_NUMBER;
  list = gtk_editable_get_text (GTK_EDITABLE (axis->list_row));
  if (list[0] != '\0')
    return falstaff_sweep_values_parse_list (list, integer, error);
  if (parse_number (axis->from, &from) && parse_number (axis->to, &to) && parse_number (axis->step, &step))
    return falstaff_sweep_values_range (from, to, step, integer, error);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Give “%s” its values: from, to and step, or a list"),
               fal_form_field_get_title (field));
  return NULL;
}

/* ------------------------------------------------------------------ the plan */

static FalstaffSweepPlan *
build_plan (FalstaffSweepDialog  *self,
            GError              **error)
{
  g_autoptr(FalstaffSweepPlan) plan = falstaff_sweep_plan_new (self->base);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "seeds") == 0)
    {
      guint n = gtk_spin_button_get_value_as_int (self->seed_count);
      gboolean random = gtk_check_button_get_active (self->random_check);
      g_autoptr(JsonArray) seeds = falstaff_sweep_values_seeds (n, random, MAX (self->base_seed, 0));

      if (fal_form_model_get_field (self->model, "seed") == NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, _("This endpoint takes no seed: vary a field in Grid"));
          return NULL;
        }
      if (!falstaff_sweep_plan_add_axis (plan, "seed", seeds, error))
        return NULL;
      return g_steal_pointer (&plan);
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonArray) values = NULL;
      FalFormField *field = axis_field (&self->axes[i]);

      if (field == NULL)
        {
          if (i == 0)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                   _("This endpoint has no number, choice or switch to vary"));
              return NULL;
            }
          continue;
        }
      if ((values = axis_values (&self->axes[i], error)) == NULL)
        return NULL;
      if (!falstaff_sweep_plan_add_axis (plan, fal_form_field_get_name (field), values, error))
        return NULL;
    }
  return g_steal_pointer (&plan);
}

/* What the plan's runs together cost (-1: no price known). */
static double
plan_total (FalstaffSweepDialog *self,
            FalstaffSweepPlan   *plan)
{
  double total = 0;

  if (self->price == NULL)
    return -1;
  for (guint i = 0; i < falstaff_sweep_plan_get_count (plan); i++)
    {
      g_autoptr(JsonNode) body = falstaff_sweep_plan_build_body (plan, i);

      total += fal_price_units_for_input (self->price, json_node_get_object (body)) * self->price->unit_price;
    }
  return total;
}

static void
changed_cb (FalstaffSweepDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FalstaffSweepPlan) plan = NULL;
  g_autofree char *label = NULL;

  if (self->model == NULL)
    return;
  plan = build_plan (self, &error);
  if (plan)
    {
      guint count = falstaff_sweep_plan_get_count (plan);
      g_autofree char *text = g_strdup_printf (ngettext ("%u run will be sent at once", "%u runs will be sent at once",
                                                         count), count);
      double total = plan_total (self, plan);

      if (total >= 0)
        {
          g_autofree char *money = fal_format_money (total, self->price->currency);
          g_autofree char *with_total = NULL;

          /* Translators: the count of runs, then what they cost together. */
          with_total = g_strdup_printf (_("%s, ≈ %s in all"), text, money);
          g_free (text);
          text = g_steal_pointer (&with_total);
        }

      gtk_label_set_text (self->count_label, text);
      gtk_widget_remove_css_class (GTK_WIDGET (self->count_label), "error");
      label = g_strdup_printf (ngettext ("_Run %u Variation", "_Run %u Variations", count), count);
    }
  else
    {
      gtk_label_set_text (self->count_label, error->message);
      gtk_widget_add_css_class (GTK_WIDGET (self->count_label), "error");
      label = g_strdup (_("_Run Variations"));
    }
  gtk_button_set_label (GTK_BUTTON (self->run_button), label);
  gtk_widget_set_sensitive (self->run_button, plan != NULL);
}

static void
send (FalstaffSweepDialog *self,
      FalstaffSweepPlan   *plan)
{
  g_signal_emit (self, signals[SIGNAL_PLAN_CHOSEN], 0, plan);
  gtk_window_close (GTK_WINDOW (self));
}

static gboolean
send_confirmed_cb (gpointer data)
{
  FalstaffSweepDialog *self = data;
  g_autoptr(FalstaffSweepPlan) plan = build_plan (self, NULL);

  if (plan)
    send (self, plan);
  return G_SOURCE_REMOVE;
}

static void
confirm_response_cb (AdwMessageDialog    *confirm,
                     const char          *response,
                     FalstaffSweepDialog *self)
{
  self->confirming = FALSE;
  /* Once the confirmation is gone: it is this dialog's child, and must
   * not outlive it. */
  if (g_strcmp0 (response, "run") == 0)
    g_idle_add_full (G_PRIORITY_DEFAULT, send_confirmed_cb, g_object_ref (self), g_object_unref);
}

static void
run_clicked_cb (FalstaffSweepDialog *self)
{
  g_autoptr(FalstaffSweepPlan) plan = build_plan (self, NULL);
  guint count;
  GtkWidget *confirm;
  g_autofree char *heading = NULL;
  g_autofree char *body = NULL;
  g_autofree char *run_label = NULL;
  double total;

  if (plan == NULL || self->confirming)
    return;
  count = falstaff_sweep_plan_get_count (plan);
  total = plan_total (self, plan);
  if (count <= FALSTAFF_SWEEP_CONFIRM_ABOVE && (total < 0 || total <= self->confirm_limit))
    {
      send (self, plan);
      return;
    }
  /* Each is a paid request: many at once, or more than the person's
   * limit, ask first. */
  heading = g_strdup_printf (_("Run %u Variations?"), count);
  if (total >= 0)
    {
      g_autofree char *money = fal_format_money (total, self->price->currency);
      g_autofree char *limit = fal_format_money (self->confirm_limit, self->price->currency);

      body = total > self->confirm_limit
             ? g_strdup_printf (_("%u requests will be sent to %s at once. Together they are estimated at %s, above your limit of %s."),
                                count, fal_form_model_get_endpoint_id (self->model), money, limit)
             : g_strdup_printf (_("%u requests will be sent to %s at once. Together they are estimated at %s."),
                                count, fal_form_model_get_endpoint_id (self->model), money);
    }
  else
    body = g_strdup_printf (_("%u requests will be sent to %s at once, each billed as a run."), count,
                            fal_form_model_get_endpoint_id (self->model));
  run_label = g_strdup_printf (_("_Run %u"), count);
  confirm = adw_message_dialog_new (GTK_WINDOW (self), heading, body);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (confirm), "cancel", _("_Cancel"), "run", run_label, NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (confirm), "run", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (confirm), "run");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (confirm), "cancel");
  g_signal_connect_object (confirm, "response", G_CALLBACK (confirm_response_cb), self, 0);
  self->confirming = TRUE;
  gtk_window_present (GTK_WINDOW (confirm));
}

/* ------------------------------------------------------------------ GObject */

static void
falstaff_sweep_dialog_dispose (GObject *object)
{
  FalstaffSweepDialog *self = FALSTAFF_SWEEP_DIALOG (object);

  axis_clear (&self->axes[0]);
  axis_clear (&self->axes[1]);
  g_clear_object (&self->model);
  g_clear_pointer (&self->base, json_node_unref);
  g_clear_pointer (&self->price, fal_price_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_SWEEP_DIALOG);
  G_OBJECT_CLASS (falstaff_sweep_dialog_parent_class)->dispose (object);
}

static void
falstaff_sweep_dialog_class_init (FalstaffSweepDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_sweep_dialog_dispose;

  signals[SIGNAL_PLAN_CHOSEN] = g_signal_new ("plan-chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 1, FALSTAFF_TYPE_SWEEP_PLAN);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-sweep-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffSweepDialog, run_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSweepDialog, stack);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSweepDialog, seeds_group);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSweepDialog, seed_count);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSweepDialog, random_check);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSweepDialog, consecutive_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSweepDialog, consecutive_check);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSweepDialog, grid_page);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSweepDialog, count_label);
  gtk_widget_class_bind_template_callback (widget_class, changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, run_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
falstaff_sweep_dialog_init (FalstaffSweepDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* ------------------------------------------------------------------ public API */

FalstaffSweepDialog *
falstaff_sweep_dialog_new (GtkWindow    *parent,
                           FalFormModel *model,
                           JsonNode     *base_body)
{
  FalstaffSweepDialog *self;
  JsonNode *seed;
  g_autofree char *consecutive = NULL;

  g_return_val_if_fail (FAL_IS_FORM_MODEL (model), NULL);
  g_return_val_if_fail (base_body != NULL && JSON_NODE_HOLDS_OBJECT (base_body), NULL);

  self = g_object_new (FALSTAFF_TYPE_SWEEP_DIALOG, "transient-for", parent, NULL);
  self->model = g_object_ref (model);
  self->base = json_node_copy (base_body);
  seed = json_object_get_member (json_node_get_object (base_body), "seed");
  self->base_seed = seed && json_node_get_value_type (seed) == G_TYPE_INT64 ? json_node_get_int (seed) : -1;
  if (self->base_seed >= 0)
    {
      /* The number apart: xgettext cannot see through G_GINT64_FORMAT. */
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, self->base_seed);

      consecutive = g_strdup_printf (_("From %s up (the seed this form would send)"), number);
    }
  else
    consecutive = g_strdup (_("From 0 up (the form has no seed set)"));
  adw_action_row_set_subtitle (self->consecutive_row, consecutive);

  axis_init (self, 0);
  axis_init (self, 1);
  if (fal_form_model_get_field (model, "seed") == NULL)
    {
      /* Seeds need a seed field: Grid it is. */
      gtk_widget_set_sensitive (GTK_WIDGET (self->seeds_group), FALSE);
      adw_preferences_group_set_description (self->seeds_group, _("This endpoint takes no seed"));
      gtk_stack_set_visible_child_name (self->stack, "grid");
    }
  changed_cb (self);
  return self;
}

FalstaffSweepPlan *
falstaff_sweep_dialog_get_plan (FalstaffSweepDialog *self)
{
  g_return_val_if_fail (FALSTAFF_IS_SWEEP_DIALOG (self), NULL);
  return build_plan (self, NULL);
}

void
falstaff_sweep_dialog_set_mode (FalstaffSweepDialog *self,
                                const char          *mode)
{
  g_return_if_fail (FALSTAFF_IS_SWEEP_DIALOG (self));
  gtk_stack_set_visible_child_name (self->stack, mode);
}

GtkWidget *
falstaff_sweep_dialog_get_run_button (FalstaffSweepDialog *self)
{
  return self->run_button;
}

GtkWidget *
falstaff_sweep_dialog_get_count_label (FalstaffSweepDialog *self)
{
  return GTK_WIDGET (self->count_label);
}

GtkWidget *
falstaff_sweep_dialog_get_seed_count (FalstaffSweepDialog *self)
{
  return GTK_WIDGET (self->seed_count);
}

gboolean
falstaff_sweep_dialog_set_axis_field (FalstaffSweepDialog *self,
                                      guint                axis,
                                      const char          *field)
{
  AxisEditor *editor;

  g_return_val_if_fail (FALSTAFF_IS_SWEEP_DIALOG (self), FALSE);
  g_return_val_if_fail (axis < 2, FALSE);

  editor = &self->axes[axis];
  if (field == NULL)
    {
      if (axis == 0)
        return FALSE;
      adw_combo_row_set_selected (editor->field_row, 0);
      return TRUE;
    }
  for (guint i = 0; i < editor->fields->len; i++)
    if (g_str_equal (fal_form_field_get_name (g_ptr_array_index (editor->fields, i)), field))
      {
        adw_combo_row_set_selected (editor->field_row, i + (axis == 1 ? 1 : 0));
        return TRUE;
      }
  return FALSE;
}

GtkWidget *
falstaff_sweep_dialog_get_list_entry (FalstaffSweepDialog *self,
                                      guint                axis)
{
  g_return_val_if_fail (FALSTAFF_IS_SWEEP_DIALOG (self), NULL);
  g_return_val_if_fail (axis < 2, NULL);
  return GTK_WIDGET (self->axes[axis].list_row);
}

void
falstaff_sweep_dialog_set_price (FalstaffSweepDialog *self,
                                 const FalPrice      *price,
                                 double               confirm_limit)
{
  g_return_if_fail (FALSTAFF_IS_SWEEP_DIALOG (self));

  g_clear_pointer (&self->price, fal_price_free);
  self->price = price ? fal_price_copy (price) : NULL;
  self->confirm_limit = confirm_limit;
  changed_cb (self);
}
