/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "fal-pricing.h"

G_BEGIN_DECLS

/* The line under the form that says what a run costs: the endpoint's
 * price ("$0.025 per image") and, for the inputs as they stand, the
 * estimate ("4 images ≈ $0.10"). Hidden while nothing is known. */
#define FALSTAFF_TYPE_COST_LABEL (falstaff_cost_label_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffCostLabel, falstaff_cost_label, FALSTAFF, COST_LABEL, GtkWidget)

GtkWidget  *falstaff_cost_label_new         (void);
/* NULL: no price known (the line hides unless a reason is set). */
void        falstaff_cost_label_set_price   (FalstaffCostLabel *self,
                                             const FalPrice    *price);
/* Why there is no price ("Prices need an API key"), or NULL. */
void        falstaff_cost_label_set_reason  (FalstaffCostLabel *self,
                                             const char        *reason);
/* The inputs the estimate is for (kept: not changed after; NULL: the
 * price alone). */
void        falstaff_cost_label_set_inputs  (FalstaffCostLabel *self,
                                             JsonObject        *inputs);
const char *falstaff_cost_label_get_text    (FalstaffCostLabel *self);

/* "4 images ≈ $0.10", for any price and inputs. */
char       *falstaff_cost_describe_estimate (const FalPrice    *price,
                                             JsonObject        *inputs);

G_END_DECLS
