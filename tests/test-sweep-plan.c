/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "falstaff-input-diff.h"
#include "falstaff-sweep-plan.h"

/* Sweeps as data (issue 11): the values of an axis, the runs of a plan
 * and their cells, and which inputs differ between runs. No display. */

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static char *
to_text (JsonArray *array)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  json_node_set_array (node, array);
  return json_to_string (node, FALSE);
}

/* Same length, same types (whole numbers stay whole), same numbers
 * (0.1 + 0.2 is 0.3 to within rounding). */
static void
assert_values (JsonArray  *values,
               const char *expected)
{
  g_autoptr(JsonNode) node = parse (expected);
  JsonArray *want = json_node_get_array (node);

  g_assert_nonnull (values);
  g_assert_cmpuint (json_array_get_length (values), ==, json_array_get_length (want));
  for (guint i = 0; i < json_array_get_length (want); i++)
    {
      JsonNode *got = json_array_get_element (values, i);
      JsonNode *wanted = json_array_get_element (want, i);

      g_assert_cmpint (json_node_get_value_type (got), ==, json_node_get_value_type (wanted));
      if (json_node_get_value_type (wanted) == G_TYPE_INT64)
        g_assert_cmpint (json_node_get_int (got), ==, json_node_get_int (wanted));
      else
        g_assert_cmpfloat_with_epsilon (json_node_get_double (got), json_node_get_double (wanted), 1e-12);
    }
  json_array_unref (values);
}

static void
assert_error (JsonArray  *values,
              GError     *error,
              const char *words)
{
  g_assert_null (values);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, words));
  g_error_free (error);
}

static void
test_range (void)
{
  GError *error = NULL;

  assert_values (falstaff_sweep_values_range (10, 30, 10, TRUE, &error), "[10,20,30]");
  /* Rounding does not lose the last value, nor show 0.30000000000000004. */
  assert_values (falstaff_sweep_values_range (0.1, 0.3, 0.1, FALSE, &error), "[0.1,0.2,0.3]");
  assert_values (falstaff_sweep_values_range (0, 1, 0.25, FALSE, &error), "[0.0,0.25,0.5,0.75,1.0]");
  assert_values (falstaff_sweep_values_range (5, 1, -2, TRUE, &error), "[5,3,1]");
  assert_values (falstaff_sweep_values_range (7, 7, 0, TRUE, &error), "[7]");
  /* Not past To. */
  assert_values (falstaff_sweep_values_range (1, 10, 4, TRUE, &error), "[1,5,9]");

  { JsonArray *v = falstaff_sweep_values_range (1, 10, 0, TRUE, &error); assert_error (v, error, "Step must be above 0"); }
  error = NULL;
  { JsonArray *v = falstaff_sweep_values_range (10, 1, 1, TRUE, &error); assert_error (v, error, "below 0"); }
  error = NULL;
  { JsonArray *v = falstaff_sweep_values_range (1, 2, 0.5, TRUE, &error); assert_error (v, error, "whole numbers"); }
  error = NULL;
  { JsonArray *v = falstaff_sweep_values_range (0, 1000, 1, TRUE, &error); assert_error (v, error, "at most 256"); }
}

static void
test_list (void)
{
  GError *error = NULL;

  assert_values (falstaff_sweep_values_parse_list ("10, 20,30", TRUE, &error), "[10,20,30]");
  assert_values (falstaff_sweep_values_parse_list ("  2 4.5 ;7 ", FALSE, &error), "[2.0,4.5,7.0]");
  { JsonArray *v = falstaff_sweep_values_parse_list ("1, two, 3", FALSE, &error); assert_error (v, error, "“two” is not a number"); }
  error = NULL;
  { JsonArray *v = falstaff_sweep_values_parse_list ("1, 2.5", TRUE, &error); assert_error (v, error, "“2.5” is not a whole number"); }
  error = NULL;
  { JsonArray *v = falstaff_sweep_values_parse_list (" , ", TRUE, &error); assert_error (v, error, "Type one or more numbers"); }
}

static void
test_seeds (void)
{
  g_autoptr(JsonArray) consecutive = falstaff_sweep_values_seeds (4, FALSE, 41);
  g_autoptr(JsonArray) random = falstaff_sweep_values_seeds (64, TRUE, 0);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autofree char *text = to_text (json_array_ref (consecutive));

  g_assert_cmpstr (text, ==, "[41,42,43,44]");
  g_assert_cmpuint (json_array_get_length (random), ==, 64);
  for (guint i = 0; i < 64; i++)
    {
      gint64 *seed = g_new (gint64, 1);

      *seed = json_array_get_int_element (random, i);
      g_assert_cmpint (*seed, >=, 0);
      g_assert_cmpint (*seed, <, G_MAXINT32);
      /* Distinct: no two runs the same. */
      g_assert_true (g_hash_table_add (seen, seed));
    }
}

static void
test_plan (void)
{
  g_autoptr(JsonNode) base = parse ("{\"prompt\":\"kites\",\"num_inference_steps\":25,\"seed\":7}");
  g_autoptr(FalstaffSweepPlan) plan = falstaff_sweep_plan_new (base);
  g_autoptr(FalstaffSweepPlan) again = NULL;
  g_autoptr(JsonNode) description = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *described = NULL;
  guint column, row;

  g_assert_cmpuint (falstaff_sweep_plan_get_count (plan), ==, 0);
  g_assert_true (falstaff_sweep_plan_add_axis (plan, "num_inference_steps",
                                               falstaff_sweep_values_parse_list ("10 20 30", TRUE, NULL), &error));
  g_assert_true (falstaff_sweep_plan_add_axis (plan, "guidance_scale",
                                               falstaff_sweep_values_parse_list ("2 4.5", FALSE, NULL), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (falstaff_sweep_plan_get_count (plan), ==, 6);

  /* Row by row: index 4 is the second column of the second row. */
  falstaff_sweep_plan_get_cell (plan, 4, &column, &row);
  g_assert_cmpuint (column, ==, 1);
  g_assert_cmpuint (row, ==, 1);
  for (guint i = 0; i < 6; i++)
    {
      g_autoptr(JsonNode) body = falstaff_sweep_plan_build_body (plan, i);
      JsonObject *object = json_node_get_object (body);

      falstaff_sweep_plan_get_cell (plan, i, &column, &row);
      g_assert_cmpint (json_object_get_int_member (object, "num_inference_steps"), ==, 10 * (column + 1));
      g_assert_cmpfloat (json_object_get_double_member (object, "guidance_scale"), ==, row ? 4.5 : 2.0);
      g_assert_cmpstr (json_object_get_string_member (object, "prompt"), ==, "kites");
      g_assert_cmpint (json_object_get_int_member (object, "seed"), ==, 7);
    }
  /* Each body is its own: the base is untouched. */
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (base), "num_inference_steps"), ==, 25);
  g_assert_false (json_object_has_member (json_node_get_object (base), "guidance_scale"));

  g_assert_false (falstaff_sweep_plan_add_axis (plan, "seed", falstaff_sweep_values_seeds (2, FALSE, 1), &error));
  g_assert_nonnull (strstr (error->message, "at most two"));
  g_clear_error (&error);

  description = falstaff_sweep_plan_describe (plan);
  described = json_to_string (description, FALSE);
  g_assert_cmpstr (described, ==, "{\"axes\":[{\"field\":\"num_inference_steps\",\"values\":[10,20,30]},"
                                  "{\"field\":\"guidance_scale\",\"values\":[2.0,4.5]}]}");
  again = falstaff_sweep_plan_new_from_description (base, description, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (falstaff_sweep_plan_get_count (again), ==, 6);
  g_assert_cmpstr (falstaff_sweep_plan_get_axis_field (again, 1), ==, "guidance_scale");
}

static void
test_plan_limits (void)
{
  g_autoptr(JsonNode) base = parse ("{\"prompt\":\"x\"}");
  g_autoptr(FalstaffSweepPlan) plan = falstaff_sweep_plan_new (base);
  g_autoptr(JsonNode) damaged = parse ("{\"axes\":[{\"field\":3}]}");
  g_autoptr(GError) error = NULL;

  g_assert_false (falstaff_sweep_plan_add_axis (plan, "seed", json_array_new (), &error));
  g_assert_nonnull (strstr (error->message, "at least one value"));
  g_clear_error (&error);
  g_assert_true (falstaff_sweep_plan_add_axis (plan, "a", falstaff_sweep_values_range (1, 100, 1, TRUE, NULL), &error));
  /* 100 × 3 is past the 256 runs one sweep may hold. */
  g_assert_false (falstaff_sweep_plan_add_axis (plan, "b", falstaff_sweep_values_range (1, 3, 1, TRUE, NULL), &error));
  g_assert_nonnull (strstr (error->message, "more than 256 runs"));
  g_clear_error (&error);
  g_assert_false (falstaff_sweep_plan_add_axis (plan, "a", falstaff_sweep_values_range (1, 2, 1, TRUE, NULL), &error));
  g_assert_nonnull (strstr (error->message, "varied twice"));
  g_clear_error (&error);
  g_assert_null (falstaff_sweep_plan_new_from_description (base, damaged, &error));
  g_assert_nonnull (strstr (error->message, "damaged"));
}

static void
assert_diff (const char * const *texts,
             guint               n,
             const char         *expected)
{
  JsonNode *inputs[4] = { NULL };
  g_auto(GStrv) keys = NULL;
  g_autofree char *joined = NULL;

  for (guint i = 0; i < n; i++)
    inputs[i] = texts[i] ? parse (texts[i]) : NULL;
  keys = falstaff_input_diff_keys (inputs, n);
  joined = g_strjoinv (",", keys);
  g_assert_cmpstr (joined, ==, expected);
  for (guint i = 0; i < n; i++)
    g_clear_pointer (&inputs[i], json_node_unref);
}

static void
test_diff (void)
{
  const char *same[] = { "{\"a\":1,\"b\":\"x\",\"c\":{\"w\":1,\"h\":2}}", "{\"c\":{\"h\":2,\"w\":1},\"b\":\"x\",\"a\":1.0}" };
  const char *some[] = { "{\"a\":1,\"b\":\"x\",\"l\":[1,2]}", "{\"a\":2,\"b\":\"x\",\"l\":[1,2]}", "{\"a\":1,\"b\":\"x\",\"l\":[2,1],\"z\":null}" };
  const char *missing[] = { "{\"a\":1}", NULL };

  /* 1 and 1.0 are one number; members in another order are one object. */
  assert_diff (same, 2, "");
  /* Each key once, sorted; a key one run lacks differs. */
  assert_diff (some, 3, "a,l,z");
  assert_diff (missing, 2, "a");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/sweep/range", test_range);
  g_test_add_func ("/app/sweep/list", test_list);
  g_test_add_func ("/app/sweep/seeds", test_seeds);
  g_test_add_func ("/app/sweep/plan", test_plan);
  g_test_add_func ("/app/sweep/plan-limits", test_plan_limits);
  g_test_add_func ("/app/compare/diff", test_diff);

  return g_test_run ();
}
