/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "fal-pricing.h"

#include "fal.h"
#include "falstaff-sweep-plan.h"

G_BEGIN_DECLS

/* Run Variations…: says what a sweep varies, from the form's inputs.
 * "Seeds": N runs, random seeds or consecutive ones from the form's.
 * "Grid": one or two fields (numbers: From, To, Step, or a list; choices
 * and switches: the values ticked). The count shows as the person types;
 * above 16 runs a confirmation comes first. Then "plan-chosen"
 * (FalstaffSweepPlan) and the dialog closes. */
#define FALSTAFF_TYPE_SWEEP_DIALOG (falstaff_sweep_dialog_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffSweepDialog, falstaff_sweep_dialog, FALSTAFF, SWEEP_DIALOG, AdwWindow)

/* Runs above this ask first. */
#define FALSTAFF_SWEEP_CONFIRM_ABOVE 16

/* base_body: what the form would send now (copied). */
FalstaffSweepDialog *falstaff_sweep_dialog_new          (GtkWindow           *parent,
                                                         FalFormModel        *model,
                                                         JsonNode            *base_body);
/* The endpoint's price (NULL: unknown): the count line adds the total,
 * and a total above confirm_limit asks before sending. */
void                 falstaff_sweep_dialog_set_price    (FalstaffSweepDialog *self,
                                                         const FalPrice      *price,
                                                         double               confirm_limit);
/* The plan as the dialog stands, or NULL when it is not valid (the
 * count label then says why). A new reference. */
FalstaffSweepPlan   *falstaff_sweep_dialog_get_plan     (FalstaffSweepDialog *self);
/* "seeds" or "grid". */
void                 falstaff_sweep_dialog_set_mode     (FalstaffSweepDialog *self,
                                                         const char          *mode);
/* Tests: the parts a person uses. axis: 0 or 1. */
GtkWidget           *falstaff_sweep_dialog_get_run_button    (FalstaffSweepDialog *self);
GtkWidget           *falstaff_sweep_dialog_get_count_label   (FalstaffSweepDialog *self);
GtkWidget           *falstaff_sweep_dialog_get_seed_count    (FalstaffSweepDialog *self);
/* Picks the field of an axis (NULL: none, for the second). */
gboolean             falstaff_sweep_dialog_set_axis_field    (FalstaffSweepDialog *self,
                                                              guint                axis,
                                                              const char          *field);
GtkWidget           *falstaff_sweep_dialog_get_list_entry    (FalstaffSweepDialog *self,
                                                              guint                axis);

G_END_DECLS
