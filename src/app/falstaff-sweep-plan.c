/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <math.h>
#include <stdlib.h>

#include <glib/gi18n.h>

#include "fal-json.h"
#include "falstaff-sweep-plan.h"

typedef struct {
  char *field;
  JsonArray *values;
} Axis;

struct _FalstaffSweepPlan
{
  GObject parent_instance;

  JsonNode *base;
  Axis axes[2];
  guint n_axes;
};

G_DEFINE_FINAL_TYPE (FalstaffSweepPlan, falstaff_sweep_plan, G_TYPE_OBJECT)

static void
falstaff_sweep_plan_finalize (GObject *object)
{
  FalstaffSweepPlan *self = FALSTAFF_SWEEP_PLAN (object);

  for (guint i = 0; i < self->n_axes; i++)
    {
      g_free (self->axes[i].field);
      json_array_unref (self->axes[i].values);
    }
  g_clear_pointer (&self->base, json_node_unref);
  G_OBJECT_CLASS (falstaff_sweep_plan_parent_class)->finalize (object);
}

static void
falstaff_sweep_plan_class_init (FalstaffSweepPlanClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = falstaff_sweep_plan_finalize;
}

static void
falstaff_sweep_plan_init (FalstaffSweepPlan *self)
{
}

FalstaffSweepPlan *
falstaff_sweep_plan_new (JsonNode *base_body)
{
  FalstaffSweepPlan *self;

  g_return_val_if_fail (base_body != NULL && JSON_NODE_HOLDS_OBJECT (base_body), NULL);

  self = g_object_new (FALSTAFF_TYPE_SWEEP_PLAN, NULL);
  self->base = fal_json_deep_copy (base_body);
  return self;
}

gboolean
falstaff_sweep_plan_add_axis (FalstaffSweepPlan  *self,
                              const char         *field,
                              JsonArray          *values,
                              GError            **error)
{
  guint n;

  g_return_val_if_fail (FALSTAFF_IS_SWEEP_PLAN (self), FALSE);
  g_return_val_if_fail (field != NULL && values != NULL, FALSE);

  n = json_array_get_length (values);
  if (self->n_axes == 2)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("A sweep varies at most two fields"));
      return FALSE;
    }
  if (self->n_axes == 1 && g_str_equal (self->axes[0].field, field))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is varied twice"), field);
      return FALSE;
    }
  if (n == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Give “%s” at least one value"), field);
      return FALSE;
    }
  if (n > FALSTAFF_SWEEP_MAX_VALUES ||
      (self->n_axes == 1 && n * json_array_get_length (self->axes[0].values) > FALSTAFF_SWEEP_MAX_RUNS))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("That is more than %u runs: use fewer values"), FALSTAFF_SWEEP_MAX_RUNS);
      return FALSE;
    }
  self->axes[self->n_axes].field = g_strdup (field);
  self->axes[self->n_axes].values = json_array_ref (values);
  self->n_axes++;
  return TRUE;
}

guint
falstaff_sweep_plan_get_n_axes (FalstaffSweepPlan *self)
{
  g_return_val_if_fail (FALSTAFF_IS_SWEEP_PLAN (self), 0);
  return self->n_axes;
}

const char *
falstaff_sweep_plan_get_axis_field (FalstaffSweepPlan *self,
                                    guint              axis)
{
  g_return_val_if_fail (FALSTAFF_IS_SWEEP_PLAN (self), NULL);
  g_return_val_if_fail (axis < self->n_axes, NULL);
  return self->axes[axis].field;
}

JsonArray *
falstaff_sweep_plan_get_axis_values (FalstaffSweepPlan *self,
                                     guint              axis)
{
  g_return_val_if_fail (FALSTAFF_IS_SWEEP_PLAN (self), NULL);
  g_return_val_if_fail (axis < self->n_axes, NULL);
  return self->axes[axis].values;
}

guint
falstaff_sweep_plan_get_count (FalstaffSweepPlan *self)
{
  guint count = self->n_axes > 0 ? 1 : 0;

  g_return_val_if_fail (FALSTAFF_IS_SWEEP_PLAN (self), 0);
  for (guint i = 0; i < self->n_axes; i++)
    count *= json_array_get_length (self->axes[i].values);
  return count;
}

void
falstaff_sweep_plan_get_cell (FalstaffSweepPlan *self,
                              guint              index,
                              guint             *column,
                              guint             *row)
{
  guint n_columns;

  g_return_if_fail (FALSTAFF_IS_SWEEP_PLAN (self));
  g_return_if_fail (index < falstaff_sweep_plan_get_count (self));

  n_columns = json_array_get_length (self->axes[0].values);
  *column = index % n_columns;
  *row = index / n_columns;
}

JsonNode *
falstaff_sweep_plan_build_body (FalstaffSweepPlan *self,
                                guint              index)
{
  JsonNode *body;
  guint cell[2] = { 0, 0 };

  g_return_val_if_fail (FALSTAFF_IS_SWEEP_PLAN (self), NULL);
  g_return_val_if_fail (index < falstaff_sweep_plan_get_count (self), NULL);

  falstaff_sweep_plan_get_cell (self, index, &cell[0], &cell[1]);
  body = fal_json_deep_copy (self->base);
  for (guint i = 0; i < self->n_axes; i++)
    json_object_set_member (json_node_get_object (body), self->axes[i].field,
                            json_node_copy (json_array_get_element (self->axes[i].values, cell[i])));
  return body;
}

JsonNode *
falstaff_sweep_plan_describe (FalstaffSweepPlan *self)
{
  JsonObject *description = json_object_new ();
  JsonArray *axes = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (guint i = 0; i < self->n_axes; i++)
    {
      JsonObject *axis = json_object_new ();

      json_object_set_string_member (axis, "field", self->axes[i].field);
      json_object_set_array_member (axis, "values", json_array_ref (self->axes[i].values));
      json_array_add_object_element (axes, axis);
    }
  json_object_set_array_member (description, "axes", axes);
  json_node_take_object (node, description);
  return node;
}

FalstaffSweepPlan *
falstaff_sweep_plan_new_from_description (JsonNode  *base_body,
                                          JsonNode  *description,
                                          GError   **error)
{
  g_autoptr(FalstaffSweepPlan) self = falstaff_sweep_plan_new (base_body);
  JsonArray *axes;

  if (description == NULL || !JSON_NODE_HOLDS_OBJECT (description) ||
      !json_object_has_member (json_node_get_object (description), "axes") ||
      !JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (description), "axes")))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The sweep's description is damaged"));
      return NULL;
    }
  axes = json_object_get_array_member (json_node_get_object (description), "axes");
  for (guint i = 0; i < json_array_get_length (axes); i++)
    {
      JsonNode *axis = json_array_get_element (axes, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (axis) ? json_node_get_object (axis) : NULL;
      JsonNode *field = object ? json_object_get_member (object, "field") : NULL;
      JsonNode *values = object ? json_object_get_member (object, "values") : NULL;

      if (field == NULL || json_node_get_value_type (field) != G_TYPE_STRING ||
          values == NULL || !JSON_NODE_HOLDS_ARRAY (values))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The sweep's description is damaged"));
          return NULL;
        }
      if (!falstaff_sweep_plan_add_axis (self, json_node_get_string (field), json_node_get_array (values), error))
        return NULL;
    }
  return g_steal_pointer (&self);
}

/* ------------------------------------------------------------------ values */

static void
add_number (JsonArray *array,
            double     value,
            gboolean   integer)
{
  if (integer)
    json_array_add_int_element (array, (gint64) llround (value));
  else
    {
      /* 0.1 + 0.2 shows as 0.3: rounded to 10 significant digits. */
      char buffer[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (buffer, sizeof buffer, "%.10g", value);
      json_array_add_double_element (array, g_ascii_strtod (buffer, NULL));
    }
}

JsonArray *
falstaff_sweep_values_range (double     from,
                             double     to,
                             double     step,
                             gboolean   integer,
                             GError   **error)
{
  g_autoptr(JsonArray) values = json_array_new ();
  double n_steps;

  if (!isfinite (from) || !isfinite (to) || !isfinite (step))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("From, To and Step must be numbers"));
      return NULL;
    }
  if (from == to)
    {
      add_number (values, from, integer);
      return g_steal_pointer (&values);
    }
  if (step == 0 || (to - from) / step < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           to > from ? _("Step must be above 0 to go from From up to To")
                                     : _("Step must be below 0 to go from From down to To"));
      return NULL;
    }
  if (integer && (from != floor (from) || to != floor (to) || step != floor (step)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("This field takes whole numbers only"));
      return NULL;
    }
  /* Within rounding: 0 to 1 by 0.1 ends at 1. */
  n_steps = floor ((to - from) / step + 1e-9);
  if (n_steps + 1 > FALSTAFF_SWEEP_MAX_VALUES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("That makes %.0f values: at most %u"), n_steps + 1, FALSTAFF_SWEEP_MAX_VALUES);
      return NULL;
    }
  for (guint i = 0; i <= (guint) n_steps; i++)
    add_number (values, from + i * step, integer);
  return g_steal_pointer (&values);
}

JsonArray *
falstaff_sweep_values_parse_list (const char  *text,
                                  gboolean     integer,
                                  GError     **error)
{
  g_autoptr(JsonArray) values = json_array_new ();
  g_auto(GStrv) items = g_regex_split_simple ("[\\s,;]+", text ? text : "", 0, 0);

  for (guint i = 0; items[i]; i++)
    {
      char *end = NULL;
      double value;

      if (items[i][0] == '\0')
        continue;
      value = g_ascii_strtod (items[i], &end);
      if (end == items[i] || *end != '\0' || !isfinite (value))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not a number"), items[i]);
          return NULL;
        }
      if (integer && value != floor (value))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("“%s” is not a whole number"), items[i]);
          return NULL;
        }
      if (json_array_get_length (values) == FALSTAFF_SWEEP_MAX_VALUES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("At most %u values"), FALSTAFF_SWEEP_MAX_VALUES);
          return NULL;
        }
      add_number (values, value, integer);
    }
  if (json_array_get_length (values) == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Type one or more numbers"));
      return NULL;
    }
  return g_steal_pointer (&values);
}

JsonArray *
falstaff_sweep_values_seeds (guint    n,
                             gboolean random,
                             gint64   start)
{
  JsonArray *values = json_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autofree gint64 *seeds = g_new (gint64, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      if (!random)
        seeds[i] = start + i;
      else
        /* Distinct, so no two runs of the sweep are the same. */
        do
          seeds[i] = g_random_int_range (0, G_MAXINT32);
        while (!g_hash_table_add (seen, &seeds[i]));
      json_array_add_int_element (values, seeds[i]);
    }
  return values;
}
