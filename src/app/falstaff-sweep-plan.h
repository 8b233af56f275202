/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What a sweep sends: the form's body with one or two of its fields
 * ("axes") taking each of a list of values, every combination a run.
 * Cell (column, row): column indexes the first axis's values, row the
 * second's (0 with one axis); runs are numbered row by row. */
#define FALSTAFF_TYPE_SWEEP_PLAN (falstaff_sweep_plan_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffSweepPlan, falstaff_sweep_plan, FALSTAFF, SWEEP_PLAN, GObject)

/* The most runs one sweep may hold, and values an axis may have. */
#define FALSTAFF_SWEEP_MAX_RUNS   256
#define FALSTAFF_SWEEP_MAX_VALUES 256

/* base_body: a JSON object (copied). */
FalstaffSweepPlan *falstaff_sweep_plan_new           (JsonNode           *base_body);
/* At most two axes, each on another field, with 1 to 256 values, and
 * no more than FALSTAFF_SWEEP_MAX_RUNS runs in all. */
gboolean           falstaff_sweep_plan_add_axis      (FalstaffSweepPlan  *self,
                                                      const char         *field,
                                                      JsonArray          *values,
                                                      GError            **error);
guint              falstaff_sweep_plan_get_n_axes    (FalstaffSweepPlan  *self);
const char        *falstaff_sweep_plan_get_axis_field  (FalstaffSweepPlan *self,
                                                        guint              axis);
JsonArray         *falstaff_sweep_plan_get_axis_values (FalstaffSweepPlan *self,
                                                        guint              axis);
/* The number of runs: the product of the axes' lengths (0 with none). */
guint              falstaff_sweep_plan_get_count     (FalstaffSweepPlan  *self);
/* Run index's body: a copy of the base with its axis values set. */
JsonNode          *falstaff_sweep_plan_build_body    (FalstaffSweepPlan  *self,
                                                      guint               index);
void               falstaff_sweep_plan_get_cell      (FalstaffSweepPlan  *self,
                                                      guint               index,
                                                      guint              *column,
                                                      guint              *row);
/* {"axes": [{"field", "values"}, …]}: what each run of the sweep keeps. */
JsonNode          *falstaff_sweep_plan_describe      (FalstaffSweepPlan  *self);
FalstaffSweepPlan *falstaff_sweep_plan_new_from_description (JsonNode   *base_body,
                                                             JsonNode   *description,
                                                             GError    **error);

/* Values for an axis. Errors are sentences for a person. */
/* from, from + step, … up to to (inclusive, within rounding); step's sign
 * must lead from from to to. */
JsonArray         *falstaff_sweep_values_range       (double              from,
                                                      double              to,
                                                      double              step,
                                                      gboolean            integer,
                                                      GError            **error);
/* "1, 2.5, 3" or "1 2 3": numbers, in the order given. */
JsonArray         *falstaff_sweep_values_parse_list  (const char         *text,
                                                      gboolean            integer,
                                                      GError            **error);
/* n seeds: distinct random ones (0 … 2^31 − 1), or start, start + 1, … */
JsonArray         *falstaff_sweep_values_seeds       (guint               n,
                                                      gboolean            random,
                                                      gint64              start);

G_END_DECLS
