/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "falstaff-cost-label.h"
#include "falstaff-run-store.h"
#include "falstaff-spending-dialog.h"
#include "falstaff-sweep-dialog.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* What a run costs (issue 12), in the real window against the demo's
 * local server, whose catalog prices fal-ai/fast-sdxl at $0.0025 an
 * image and bills the images it made (x-fal-billable-units). */

static FalstaffCostLabel *
cost_label (Studio *studio)
{
  GtkWidget *form = GTK_WIDGET (_falstaff_window_get_form_view (studio->window));
  GtkWidget *widget;

  /* The line under the form, in the form page. */
  for (widget = form; widget && !GTK_IS_BOX (widget); widget = gtk_widget_get_parent (widget))
    ;
  for (; widget; widget = gtk_widget_get_parent (widget))
    for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
      if (FALSTAFF_IS_COST_LABEL (child))
        return FALSTAFF_COST_LABEL (child);
  g_assert_not_reached ();
}

typedef struct {
  Studio *studio;
  const char *text;
} Expect;

static gboolean
cost_says (gpointer data)
{
  Expect *expect = data;

  return g_strcmp0 (falstaff_cost_label_get_text (cost_label (expect->studio)), expect->text) == 0;
}

static void
assert_cost_text (Studio     *studio,
                  const char *text)
{
  Expect expect = { studio, text };

  if (!falstaff_test_wait_until (cost_says, &expect, 10000))
    g_error ("The cost line says “%s”, not “%s”", falstaff_cost_label_get_text (cost_label (studio)), text);
}

static gboolean
shown_run_done (gpointer data)
{
  FalstaffRun *run = falstaff_request_view_get_run (_falstaff_window_get_request_view (data));

  return run != NULL && falstaff_run_is_done (run) && falstaff_run_get_cost (run, NULL) >= 0;
}

static gboolean
spending_shown (gpointer data)
{
  return falstaff_test_find_window (FALSTAFF_TYPE_SPENDING_DIALOG) != NULL;
}

static gboolean
spending_gone (gpointer data)
{
  return falstaff_test_find_window (FALSTAFF_TYPE_SPENDING_DIALOG) == NULL;
}

static gboolean
sweep_dialog_shown (gpointer data)
{
  return falstaff_test_find_window (FALSTAFF_TYPE_SWEEP_DIALOG) != NULL;
}

static gboolean
has_line (char       **lines,
          const char  *line)
{
  return g_strv_contains ((const char * const *) lines, line);
}

/* The price and the estimate on the form, following Num Images as it is
 * typed; a finished run shows what fal billed; Spending sums it; a limit
 * of $0 makes variations ask. */
static void
test_cost (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffRun *run;
  FalstaffSpendingDialog *spending;
  FalstaffSweepDialog *sweep;
  GtkWindow *confirm;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GDateTime) today = g_date_time_new_now_local ();
  g_autofree char *day = g_date_time_format (today, "%A %-d %B %Y");
  g_autofree char *day_line = NULL;
  g_autofree char *body = NULL;

  start_demo (studio);
  pick_endpoint (studio, "fal-ai/fast-sdxl");
  assert_cost_text (studio, "$0.0025 per image · 1 image ≈ $0.0025");

  type_text (row_control (studio, "prompt"), "a red lighthouse at dusk");
  falstaff_test_press_keys (row_control (studio, "num_images"), "ctrl+a 4 Tab");
  assert_cost_text (studio, "$0.0025 per image · 4 images ≈ $0.01");
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "cost-form"));

  /* Run: fal bills the four images made. */
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (shown_run_done, studio->window, 60000));
  run = falstaff_request_view_get_run (_falstaff_window_get_request_view (studio->window));
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  g_assert_cmpfloat (falstaff_run_get_billable_units (run), ==, 4);
  g_assert_cmpfloat_with_epsilon (falstaff_run_get_cost (run, NULL), 0.01, 1e-9);
  g_assert_nonnull (strstr (falstaff_request_view_get_run_text (_falstaff_window_get_request_view (studio->window)),
                            " · $0.01 for 4 images"));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "cost-run"));

  /* Spending: the day and the endpoint. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.show-spending", NULL));
  g_assert_true (falstaff_test_wait_until (spending_shown, NULL, 5000));
  spending = FALSTAFF_SPENDING_DIALOG (falstaff_test_find_window (FALSTAFF_TYPE_SPENDING_DIALOG));
  lines = falstaff_spending_dialog_dup_lines (spending);
  day_line = g_strdup_printf ("%s: $0.01 for 1 run", g_strstrip (day));
  g_assert_true (has_line (lines, day_line));
  g_assert_true (has_line (lines, "fal-ai/fast-sdxl: $0.01 for 1 run"));
  g_free (falstaff_test_screenshot (GTK_WIDGET (spending), "spending"));

  /* The limit, typed: variations of any cost now ask first. */
  falstaff_test_press_keys (falstaff_spending_dialog_get_limit_spin (spending), "ctrl+a 0 Tab");
  g_assert_cmpfloat (g_settings_get_double (_falstaff_window_get_settings (studio->window), "cost-confirm-limit"), ==, 0);
  falstaff_test_press_keys (falstaff_spending_dialog_get_limit_spin (spending), "Escape");
  g_assert_true (falstaff_test_wait_until (spending_gone, NULL, 5000));

  falstaff_test_press_keys (row_control (studio, "prompt"), "shift+ctrl+Return");
  g_assert_true (falstaff_test_wait_until (sweep_dialog_shown, NULL, 10000));
  sweep = FALSTAFF_SWEEP_DIALOG (falstaff_test_find_window (FALSTAFF_TYPE_SWEEP_DIALOG));
  /* Four seeds of four images each. */
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (falstaff_sweep_dialog_get_count_label (sweep))), ==,
                   "4 runs will be sent at once, ≈ $0.04 in all");
  falstaff_test_click (falstaff_sweep_dialog_get_run_button (sweep));
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 5000));
  confirm = find_dialog ();
  g_object_get (confirm, "body", &body, NULL);
  g_assert_cmpstr (body, ==, "4 requests will be sent to fal-ai/fast-sdxl at once. Together they are estimated at $0.04, "
                             "above your limit of $0.00.");
  g_free (falstaff_test_screenshot (GTK_WIDGET (confirm), "cost-confirm"));
  falstaff_test_press_keys (GTK_WIDGET (confirm), "Escape");
  falstaff_test_iterate_for (300);
  gtk_window_close (GTK_WINDOW (sweep));
}

static gboolean
count_says (gpointer data)
{
  Expect *expect = data;
  GtkWindow *dialog = falstaff_test_find_window (FALSTAFF_TYPE_SWEEP_DIALOG);

  return dialog && g_strcmp0 (gtk_label_get_text (GTK_LABEL (falstaff_sweep_dialog_get_count_label (
                                FALSTAFF_SWEEP_DIALOG (dialog)))), expect->text) == 0;
}

/* Variations opened while fal's price is on its way: the count first,
 * the total as soon as the price comes. */
static void
test_price_late (void)
{
  g_autoptr(Studio) studio = studio_new ();
  Expect before = { studio, "4 runs will be sent at once" };
  Expect after = { studio, "4 runs will be sent at once, ≈ $0.01 in all" };

  start_demo (studio);
  studio_add_fault (falstaff_session_get_demo_url (studio->session), "GET", "^/api/v1/models/pricing$",
                    "stall=2500", 1);
  pick_endpoint (studio, "fal-ai/fast-sdxl");
  type_text (row_control (studio, "prompt"), "a slow price");
  falstaff_test_press_keys (row_control (studio, "prompt"), "shift+ctrl+Return");
  g_assert_true (falstaff_test_wait_until (sweep_dialog_shown, NULL, 10000));
  g_assert_true (count_says (&before));
  g_assert_true (falstaff_test_wait_until (count_says, &after, 15000));
  gtk_window_close (falstaff_test_find_window (FALSTAFF_TYPE_SWEEP_DIALOG));
}

/* Without a key fal's prices are not asked for, and the line says why. */
static void
test_cost_without_key (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalLocalServer *server = studio_fixture_get_keyed_server ();
  FalClient *client = falstaff_session_get_client (studio->session);

  fal_client_use_local_server (client, fal_local_server_get_url (server));
  fal_client_set_key (client, NULL, FAL_KEY_SOURCE_NONE);
  falstaff_window_select_endpoint (studio->window, "fal-ai/fast-sdxl");
  g_assert_true (falstaff_test_wait_until (form_ready, studio->window, 20000));
  assert_cost_text (studio, "Prices show once fal accepts your API key");
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/cost/form-run-spending", test_cost);
  g_test_add_func ("/ui/cost/price-late", test_price_late);
  g_test_add_func ("/ui/cost/without-key", test_cost_without_key);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
