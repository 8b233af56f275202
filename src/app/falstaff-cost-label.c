/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-cost-label.h"

struct _FalstaffCostLabel
{
  GtkWidget parent_instance;

  GtkWidget *label;
  FalPrice *price;
  char *reason;
  JsonObject *inputs;
};

G_DEFINE_FINAL_TYPE (FalstaffCostLabel, falstaff_cost_label, GTK_TYPE_WIDGET)

char *
falstaff_cost_describe_estimate (const FalPrice *price,
                                 JsonObject     *inputs)
{
  double units = fal_price_units_for_input (price, inputs);
  g_autofree char *quantity = fal_format_quantity (units);
  g_autofree char *unit = fal_price_describe_unit (price, units);
  g_autofree char *money = fal_format_money (units * price->unit_price, price->currency);

  /* Translators: an estimate: "4 images ≈ $0.10". */
  return g_strdup_printf (_("%s %s ≈ %s"), quantity, unit, money);
}

static void
update (FalstaffCostLabel *self)
{
  g_autofree char *text = NULL;

  if (self->price)
    {
      g_autofree char *each = fal_price_describe (self->price);
      g_autofree char *estimate = self->inputs ? falstaff_cost_describe_estimate (self->price, self->inputs) : NULL;

      text = estimate ? g_strdup_printf ("%s · %s", each, estimate) : g_steal_pointer (&each);
    }
  else if (self->reason)
    text = g_strdup (self->reason);

  gtk_label_set_text (GTK_LABEL (self->label), text ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self), text != NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text ? text : "", -1);
}

static void
falstaff_cost_label_dispose (GObject *object)
{
  FalstaffCostLabel *self = (FalstaffCostLabel *)object;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_pointer (&self->price, fal_price_free);
  g_clear_pointer (&self->reason, g_free);
  g_clear_pointer (&self->inputs, json_object_unref);

  G_OBJECT_CLASS (falstaff_cost_label_parent_class)->dispose (object);
}

static void
falstaff_cost_label_class_init (FalstaffCostLabelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = falstaff_cost_label_dispose;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "costlabel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
falstaff_cost_label_init (FalstaffCostLabel *self)
{
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (gtk_widget_get_layout_manager (GTK_WIDGET (self))), 6);
  self->label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->label), 0);
  gtk_label_set_wrap (GTK_LABEL (self->label), TRUE);
  gtk_widget_set_hexpand (self->label, TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->label), FALSE);
  gtk_widget_set_parent (self->label, GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "dim-label");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self), _("What fal charges for this endpoint, and for a run with these inputs"));
  gtk_widget_set_visible (GTK_WIDGET (self), FALSE);
}

GtkWidget *
falstaff_cost_label_new (void)
{
  return g_object_new (FALSTAFF_TYPE_COST_LABEL, NULL);
}

void
falstaff_cost_label_set_price (FalstaffCostLabel *self,
                               const FalPrice    *price)
{
  g_return_if_fail (FALSTAFF_IS_COST_LABEL (self));

  g_clear_pointer (&self->price, fal_price_free);
  self->price = price ? fal_price_copy (price) : NULL;
  update (self);
}

void
falstaff_cost_label_set_reason (FalstaffCostLabel *self,
                                const char        *reason)
{
  g_return_if_fail (FALSTAFF_IS_COST_LABEL (self));

  g_free (self->reason);
  self->reason = g_strdup (reason);
  update (self);
}

void
falstaff_cost_label_set_inputs (FalstaffCostLabel *self,
                                JsonObject        *inputs)
{
  g_return_if_fail (FALSTAFF_IS_COST_LABEL (self));

  g_clear_pointer (&self->inputs, json_object_unref);
  if (inputs)
    self->inputs = json_object_ref (inputs);
  update (self);
}

const char *
falstaff_cost_label_get_text (FalstaffCostLabel *self)
{
  g_return_val_if_fail (FALSTAFF_IS_COST_LABEL (self), NULL);
  return gtk_label_get_text (GTK_LABEL (self->label));
}
