/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

/* Spending: what the runs of the history cost, summed per day and per
 * endpoint (runs whose cost fal told), and the limit above which
 * variations ask before they are sent (GSettings cost-confirm-limit). */
#define FALSTAFF_TYPE_SPENDING_DIALOG (falstaff_spending_dialog_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffSpendingDialog, falstaff_spending_dialog, FALSTAFF, SPENDING_DIALOG, AdwWindow)

/* runs: a GListModel of FalstaffRun (the history). */
FalstaffSpendingDialog *falstaff_spending_dialog_new (GtkWindow  *parent,
                                                      GListModel *runs,
                                                      GSettings  *settings);
/* The rows' texts, "title: subtitle", per day then per endpoint. */
char                  **falstaff_spending_dialog_dup_lines (FalstaffSpendingDialog *self);
GtkWidget              *falstaff_spending_dialog_get_limit_spin (FalstaffSpendingDialog *self);

G_END_DECLS
