/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "fal.h"

#include "falstaff-run.h"
#include "falstaff-spending-dialog.h"

struct _FalstaffSpendingDialog
{
  AdwWindow parent_instance;

  AdwPreferencesGroup *days_group;
  AdwPreferencesGroup *endpoints_group;
  GtkWidget *limit_spin;
  GPtrArray *rows;      /* AdwActionRow, in order */
};

G_DEFINE_FINAL_TYPE (FalstaffSpendingDialog, falstaff_spending_dialog, ADW_TYPE_WINDOW)

/* One line of a sum: the total and how many runs made it. */
typedef struct {
  char *key;
  char *title;
  double total;
  guint runs;
  char *currency;
} Sum;

static void
sum_free (gpointer data)
{
  Sum *sum = data;

  g_free (sum->key);
  g_free (sum->title);
  g_free (sum->currency);
  g_free (sum);
}

static void
add_to (GHashTable *sums,
        GPtrArray  *order,
        const char *key,
        const char *title,
        double      cost,
        const char *currency)
{
  Sum *sum = g_hash_table_lookup (sums, key);

  if (sum == NULL)
    {
      sum = g_new0 (Sum, 1);
      sum->key = g_strdup (key);
      sum->title = g_strdup (title);
      sum->currency = g_strdup (currency);
      g_hash_table_insert (sums, sum->key, sum);
      g_ptr_array_add (order, sum);
    }
  sum->total += cost;
  sum->runs++;
}

static void
add_row (FalstaffSpendingDialog *self,
         AdwPreferencesGroup    *group,
         const char             *title,
         const char             *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_group_add (group, row);
  g_ptr_array_add (self->rows, row);
}

static void
fill_group (FalstaffSpendingDialog *self,
            AdwPreferencesGroup    *group,
            GPtrArray              *sums,
            gboolean                by_total)
{
  if (by_total)
    {
      /* The endpoints that cost most first. */
      for (guint i = 1; i < sums->len; i++)
        for (guint j = i; j > 0 && ((Sum *) sums->pdata[j])->total > ((Sum *) sums->pdata[j - 1])->total; j--)
          {
            gpointer swap = sums->pdata[j];

            sums->pdata[j] = sums->pdata[j - 1];
            sums->pdata[j - 1] = swap;
          }
    }
  for (guint i = 0; i < sums->len; i++)
    {
      Sum *sum = g_ptr_array_index (sums, i);
      g_autofree char *money = fal_format_money (sum->total, sum->currency);
      g_autofree char *subtitle = g_strdup_printf (ngettext ("%s for %u run", "%s for %u runs", sum->runs),
                                                   money, sum->runs);

      add_row (self, group, sum->title, subtitle);
    }
  if (sums->len == 0)
    add_row (self, group, _("No costs yet"), _("A run's cost shows once fal has billed it"));
}

static void
summarize (FalstaffSpendingDialog *self,
           GListModel             *runs)
{
  g_autoptr(GHashTable) days = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, sum_free);
  g_autoptr(GHashTable) endpoints = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, sum_free);
  g_autoptr(GPtrArray) day_order = g_ptr_array_new ();
  g_autoptr(GPtrArray) endpoint_order = g_ptr_array_new ();

  /* The history is newest first: so are the days. */
  for (guint i = 0; i < g_list_model_get_n_items (runs); i++)
    {
      g_autoptr(FalstaffRun) run = g_list_model_get_item (runs, i);
      const char *currency;
      double cost = falstaff_run_get_cost (run, &currency);
      gint64 when = falstaff_run_get_completed_at (run) ? falstaff_run_get_completed_at (run)
                                                        : falstaff_run_get_created_at (run);
      g_autoptr(GDateTime) date = g_date_time_new_from_unix_local (when / G_USEC_PER_SEC);
      g_autofree char *day_key = NULL;
      g_autofree char *day_title = NULL;

      if (cost < 0 || date == NULL)
        continue;
      day_key = g_date_time_format (date, "%Y-%m-%d");
      /* Translators: a day of spending, see g_date_time_format(). */
      day_title = g_date_time_format (date, _("%A %-d %B %Y"));
      add_to (days, day_order, day_key, g_strstrip (day_title), cost, currency);
      add_to (endpoints, endpoint_order, falstaff_run_get_endpoint_id (run), falstaff_run_get_endpoint_id (run),
              cost, currency);
    }
  fill_group (self, self->days_group, day_order, FALSE);
  fill_group (self, self->endpoints_group, endpoint_order, TRUE);
}

static void
falstaff_spending_dialog_dispose (GObject *object)
{
  FalstaffSpendingDialog *self = (FalstaffSpendingDialog *)object;

  g_clear_pointer (&self->rows, g_ptr_array_unref);
  G_OBJECT_CLASS (falstaff_spending_dialog_parent_class)->dispose (object);
}

static void
falstaff_spending_dialog_class_init (FalstaffSpendingDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = falstaff_spending_dialog_dispose;
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
falstaff_spending_dialog_init (FalstaffSpendingDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *page = adw_preferences_page_new ();
  GtkWidget *limit_group = adw_preferences_group_new ();
  GtkWidget *limit_row = adw_action_row_new ();

  self->rows = g_ptr_array_new ();
  gtk_window_set_title (GTK_WINDOW (self), _("Spending"));
  gtk_window_set_default_size (GTK_WINDOW (self), 480, 560);
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);

  adw_preferences_group_set_title (ADW_PREFERENCES_GROUP (limit_group), _("Limit"));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (limit_row), _("Ask Before Runs Cost More Than"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (limit_row), _("In US dollars, as fal bills; 0 asks every time"));
  self->limit_spin = gtk_spin_button_new_with_range (0, 100000, 0.5);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (self->limit_spin), 2);
  gtk_widget_set_valign (self->limit_spin, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->limit_spin), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Ask before variations cost more than"), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (limit_row), self->limit_spin);
  adw_preferences_group_add (ADW_PREFERENCES_GROUP (limit_group), limit_row);

  self->days_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->days_group, _("By Day"));
  self->endpoints_group = ADW_PREFERENCES_GROUP (adw_preferences_group_new ());
  adw_preferences_group_set_title (self->endpoints_group, _("By Endpoint"));
  adw_preferences_group_set_description (self->endpoints_group,
                                         _("Runs whose cost fal told: the units it billed at the price of the day they were sent"));

  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), ADW_PREFERENCES_GROUP (limit_group));
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->days_group);
  adw_preferences_page_add (ADW_PREFERENCES_PAGE (page), self->endpoints_group);
  gtk_widget_set_vexpand (page, TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), page);
  adw_window_set_content (ADW_WINDOW (self), box);
}

FalstaffSpendingDialog *
falstaff_spending_dialog_new (GtkWindow  *parent,
                              GListModel *runs,
                              GSettings  *settings)
{
  FalstaffSpendingDialog *self = g_object_new (FALSTAFF_TYPE_SPENDING_DIALOG, "transient-for", parent, NULL);

  g_settings_bind (settings, "cost-confirm-limit",
                   gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (self->limit_spin)), "value",
                   G_SETTINGS_BIND_DEFAULT);
  summarize (self, runs);
  return self;
}

char **
falstaff_spending_dialog_dup_lines (FalstaffSpendingDialog *self)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **lines;

  for (guint i = 0; i < self->rows->len; i++)
    {
      AdwActionRow *row = g_ptr_array_index (self->rows, i);

      g_autofree char *line = g_strdup_printf ("%s: %s", adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                                               adw_action_row_get_subtitle (row));

      g_strv_builder_add (builder, line);
    }
  lines = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return lines;
}

GtkWidget *
falstaff_spending_dialog_get_limit_spin (FalstaffSpendingDialog *self)
{
  return self->limit_spin;
}
