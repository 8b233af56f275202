/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "falstaff-compare-slider.h"
#include "falstaff-compare-view.h"
#include "falstaff-contact-sheet.h"
#include "falstaff-history-view.h"
#include "falstaff-png-metadata.h"
#include "falstaff-run-store.h"
#include "falstaff-sweep-dialog.h"
#include "falstaff-tooltip.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* Sweeps, the contact sheet and compare (issue 11), driven in the real
 * window against the demo's local server. */

#define ENDPOINT "fal-ai/fast-sdxl"

static FalstaffContactSheet *
sheet (Studio *studio)
{
  return _falstaff_window_get_contact_sheet (studio->window);
}

static gboolean
run_done (gpointer data)
{
  return falstaff_run_is_done (data);
}

static GtkWindow *
find_sweep_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (FALSTAFF_IS_SWEEP_DIALOG (window) && gtk_widget_get_mapped (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

/* The form's price came from the server: the dialog shows totals. */
static gboolean
price_known (gpointer data)
{
  return _falstaff_window_get_price (data) != NULL;
}

static gboolean
sweep_dialog_shown (gpointer data)
{
  return find_sweep_dialog () != NULL;
}

static gboolean
sweep_dialog_gone (gpointer data)
{
  return find_sweep_dialog () == NULL;
}

static gboolean
sheet_shown (gpointer data)
{
  Studio *studio = data;

  FalstaffContactSheet *contact_sheet = sheet (studio);
  guint n_columns = falstaff_contact_sheet_get_n_columns (contact_sheet);
  guint n_rows = falstaff_contact_sheet_get_n_rows (contact_sheet);

  /* Shown, and every cell made (a few are made a frame). */
  return g_strcmp0 (_falstaff_window_get_results_page (studio->window), "sweep") == 0 && n_columns > 0 &&
         falstaff_contact_sheet_get_cell (contact_sheet, n_columns - 1, n_rows - 1) != NULL;
}

/* Every cell done, and each completed one showing its picture. */
static gboolean
sheet_filled (gpointer data)
{
  FalstaffContactSheet *contact_sheet = data;

  for (guint r = 0; r < falstaff_contact_sheet_get_n_rows (contact_sheet); r++)
    for (guint c = 0; c < falstaff_contact_sheet_get_n_columns (contact_sheet); c++)
      {
        FalstaffSheetCell *cell = falstaff_contact_sheet_get_cell (contact_sheet, c, r);
        FalstaffRun *run = falstaff_sheet_cell_get_run (cell);

        if (run == NULL || !falstaff_run_is_done (run))
          return FALSE;
        if (falstaff_run_get_status (run) == FAL_JOB_COMPLETED && falstaff_sheet_cell_get_texture (cell) == NULL)
          return FALSE;
      }
  return TRUE;
}

/* Keys that type text (xdotool key names). */
static char *
keys_for (const char *text)
{
  GString *keys = g_string_new (NULL);

  for (const char *p = text; *p; p++)
    {
      if (keys->len)
        g_string_append_c (keys, ' ');
      switch (*p)
        {
        case ',': g_string_append (keys, "comma"); break;
        case ' ': g_string_append (keys, "space"); break;
        case '.': g_string_append (keys, "period"); break;
        case '-': g_string_append (keys, "minus"); break;
        default: g_string_append_c (keys, *p);
        }
    }
  return g_string_free (keys, FALSE);
}

/* The Grid page, the fields picked, their values typed as lists, and a
 * real click on Run. */
static void
choose_grid (FalstaffSweepDialog *dialog,
             const char          *first_field,
             const char          *first_values,
             const char          *second_field,
             const char          *second_values)
{
  g_autofree char *first_keys = keys_for (first_values);
  g_autofree char *second_keys = keys_for (second_values);
  g_autoptr(FalstaffSweepPlan) plan = NULL;

  falstaff_sweep_dialog_set_mode (dialog, "grid");
  g_assert_true (falstaff_sweep_dialog_set_axis_field (dialog, 0, first_field));
  g_assert_true (falstaff_sweep_dialog_set_axis_field (dialog, 1, second_field));
  /* Nothing typed yet: no plan, and the button says so. */
  g_assert_null (falstaff_sweep_dialog_get_plan (dialog));
  g_assert_false (gtk_widget_get_sensitive (falstaff_sweep_dialog_get_run_button (dialog)));
  falstaff_test_press_keys (falstaff_sweep_dialog_get_list_entry (dialog, 0), first_keys);
  falstaff_test_press_keys (falstaff_sweep_dialog_get_list_entry (dialog, 1), second_keys);
  plan = falstaff_sweep_dialog_get_plan (dialog);
  g_assert_nonnull (plan);
  /* The count shows before anything is sent. */
  g_assert_cmpuint (falstaff_sweep_plan_get_count (plan), ==, 6);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (falstaff_sweep_dialog_get_count_label (dialog))), ==,
                   "6 runs will be sent at once, ≈ $0.015 in all");
  g_free (falstaff_test_screenshot (GTK_WIDGET (dialog), "sweep-dialog"));
  falstaff_test_click (falstaff_sweep_dialog_get_run_button (dialog));
}

/* Types the prompt, opens Run Variations… with its shortcut from the
 * prompt, and varies the fields as a person would in the dialog. */
static void
start_grid_sweep (Studio     *studio,
                  const char *prompt,
                  const char *first_field,
                  const char *first_values,
                  const char *second_field,
                  const char *second_values)
{
  FalstaffSweepDialog *dialog;

  /* The dialog shows the total once the form's price came. */
  g_assert_true (falstaff_test_wait_until (price_known, studio->window, 10000));
  type_text (row_control (studio, "prompt"), prompt);
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+shift+Return");
  g_assert_true (falstaff_test_wait_until (sweep_dialog_shown, NULL, 10000));
  dialog = FALSTAFF_SWEEP_DIALOG (find_sweep_dialog ());
  choose_grid (dialog, first_field, first_values, second_field, second_values);
  g_assert_true (falstaff_test_wait_until (sweep_dialog_gone, NULL, 5000));
  g_assert_true (falstaff_test_wait_until (sheet_shown, studio, 10000));
}

static double
input_number (FalstaffRun *run,
              const char  *field)
{
  JsonNode *value = json_object_get_member (json_node_get_object (falstaff_run_get_inputs (run)), field);

  g_assert_nonnull (value);
  return json_node_get_value_type (value) == G_TYPE_INT64 ? json_node_get_int (value) : json_node_get_double (value);
}

static guint
n_runs (Studio *studio)
{
  return g_list_model_get_n_items (G_LIST_MODEL (_falstaff_window_get_run_store (studio->window)));
}

static gboolean
cell_completed (gpointer data)
{
  FalstaffSheetCell *cell = data;
  FalstaffRun *run = falstaff_sheet_cell_get_run (cell);

  return run && falstaff_run_get_status (run) == FAL_JOB_COMPLETED && falstaff_sheet_cell_get_texture (cell) != NULL;
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (falstaff_contact_sheet_export_finish (FALSTAFF_CONTACT_SHEET (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) data = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* A 3 × 2 grid fills in with six results, each in the cell its labels
 * name; one injected failure shows in its cell and runs again alone;
 * the sheet exports as one PNG with its text chunks. */
static void
test_grid (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffContactSheet *contact_sheet = sheet (studio);
  FalstaffRun *before[3][2] = { { NULL } };
  FalstaffSheetCell *failed = NULL;
  guint failed_c = 0, failed_r = 0, runs_before;
  const double steps[3] = { 10, 20, 30 };
  const double guidance[2] = { 2, 4.5 };
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GHashTable) text = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  gboolean exported = FALSE;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  /* The fal queue takes the six at once; one of them fails at fal. */
  studio_add_fault (falstaff_session_get_demo_url (studio->session), "POST", "^/queue/" ENDPOINT "$", "fail=500", 1);
  start_grid_sweep (studio, "a kite over dunes", "num_inference_steps", "10, 20, 30", "guidance_scale", "2, 4.5");

  g_assert_cmpuint (falstaff_contact_sheet_get_n_columns (contact_sheet), ==, 3);
  g_assert_cmpuint (falstaff_contact_sheet_get_n_rows (contact_sheet), ==, 2);
  g_assert_cmpstr (falstaff_contact_sheet_get_column_label (contact_sheet, 0), ==, "Num inference steps 10");
  g_assert_cmpstr (falstaff_contact_sheet_get_column_label (contact_sheet, 2), ==, "Num inference steps 30");
  g_assert_cmpstr (falstaff_contact_sheet_get_row_label (contact_sheet, 0), ==, "Guidance scale 2");
  g_assert_cmpstr (falstaff_contact_sheet_get_row_label (contact_sheet, 1), ==, "Guidance scale 4.5");
  g_assert_cmpuint (n_runs (studio), ==, 6);
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "contact-sheet-filling"));

  g_assert_true (falstaff_test_wait_until (sheet_filled, contact_sheet, 60000));
  for (guint r = 0; r < 2; r++)
    for (guint c = 0; c < 3; c++)
      {
        FalstaffSheetCell *cell = falstaff_contact_sheet_get_cell (contact_sheet, c, r);
        FalstaffRun *run = falstaff_sheet_cell_get_run (cell);

        /* Each run carries the values its cell is labelled with. */
        g_assert_cmpfloat (input_number (run, "num_inference_steps"), ==, steps[c]);
        g_assert_cmpfloat (input_number (run, "guidance_scale"), ==, guidance[r]);
        g_assert_cmpint (falstaff_run_get_sweep_id (run), ==, falstaff_contact_sheet_get_sweep_id (contact_sheet));
        before[c][r] = run;
        if (falstaff_run_get_status (run) == FAL_JOB_FAILED)
          {
            g_assert_null (failed);
            failed = cell;
            failed_c = c;
            failed_r = r;
            g_assert_nonnull (strstr (falstaff_sheet_cell_get_text (cell), "fal"));
            g_assert_true (gtk_widget_get_visible (falstaff_sheet_cell_get_run_again_button (cell)));
          }
        else
          {
            g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
            g_assert_false (gtk_widget_get_visible (falstaff_sheet_cell_get_run_again_button (cell)));
          }
        /* The cell's state is in its tooltip, handed to GTK when asked
         * (no X round trip per state change). */
        {
          GtkWidget *open = falstaff_sheet_cell_get_open_button (cell);

          g_assert_true (gtk_widget_get_has_tooltip (open));
          g_assert_true (g_str_has_suffix (falstaff_tooltip_get_text (open),
                                           falstaff_run_get_status (run) == FAL_JOB_FAILED ? ": Failed" : ": Completed"));
        }
      }
  g_assert_nonnull (failed);
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "contact-sheet-failed-cell"));

  /* Run Again on the failed cell: one new run, at that cell, the others
   * untouched. */
  runs_before = n_runs (studio);
  falstaff_test_click (falstaff_sheet_cell_get_run_again_button (failed));
  g_assert_true (falstaff_test_wait_until (cell_completed, failed, 60000));
  g_assert_cmpuint (n_runs (studio), ==, runs_before + 1);
  for (guint r = 0; r < 2; r++)
    for (guint c = 0; c < 3; c++)
      {
        FalstaffRun *run = falstaff_sheet_cell_get_run (falstaff_contact_sheet_get_cell (contact_sheet, c, r));

        if (c == failed_c && r == failed_r)
          {
            g_assert_true (run != before[c][r]);
            g_assert_cmpfloat (input_number (run, "num_inference_steps"), ==, steps[c]);
            g_assert_cmpfloat (input_number (run, "guidance_scale"), ==, guidance[r]);
          }
        else
          g_assert_true (run == before[c][r]);
      }
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "contact-sheet"));

  /* A cell opens its run; Show Sweep comes back to the sheet. */
  falstaff_test_click (falstaff_sheet_cell_get_open_button (falstaff_contact_sheet_get_cell (contact_sheet, 0, 1)));
  g_assert_cmpstr (_falstaff_window_get_results_page (studio->window), ==, "run");
  g_assert_true (falstaff_window_get_shown_run (studio->window) ==
                 falstaff_sheet_cell_get_run (falstaff_contact_sheet_get_cell (contact_sheet, 0, 1)));
  gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.show-sweep", NULL);
  g_assert_cmpstr (_falstaff_window_get_results_page (studio->window), ==, "sweep");
  g_assert_cmpint (falstaff_contact_sheet_get_sweep_id (contact_sheet), ==, falstaff_run_get_sweep_id (before[0][1]));

  /* Exported as one PNG: the labels drawn, the sweep in text chunks. */
  dir = g_dir_make_tmp ("falstaff-sheet-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "sheet.png", NULL);
  file = g_file_new_for_path (path);
  falstaff_contact_sheet_export_async (contact_sheet, file, NULL, exported_cb, &exported);
  g_assert_true (falstaff_test_wait_until (is_true, &exported, 20000));
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  png = g_bytes_new_take (g_steal_pointer (&contents), length);
  text = falstaff_png_read_text (png, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (text, FALSTAFF_PNG_KEY_ENDPOINT), ==, ENDPOINT);
  g_assert_nonnull (strstr (g_hash_table_lookup (text, FALSTAFF_PNG_KEY_SHEET_AXES), "\"guidance_scale\""));
  g_assert_nonnull (strstr (g_hash_table_lookup (text, FALSTAFF_PNG_KEY_SHEET_FIXED_INPUTS), "a kite over dunes"));
  g_assert_null (strstr (g_hash_table_lookup (text, FALSTAFF_PNG_KEY_SHEET_FIXED_INPUTS), "num_inference_steps"));
  g_unlink (path);
  g_rmdir (dir);
}

/* ------------------------------------------------------------------ cancel all */

static guint
cancels_sent (const char *server_url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server_url, "/__control/requests", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;
  JsonArray *entries;
  guint n = 0;

  /* The control routes refuse requests without it (403). */
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  /* The demo server answers from a thread of its own. */
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), g_bytes_get_size (body), &error));
  root = json_parser_get_root (parser);
  entries = JSON_NODE_HOLDS_ARRAY (root) ? json_node_get_array (root)
                                         : json_object_get_array_member (json_node_get_object (root), "requests");
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), "PUT") &&
          g_str_has_suffix (json_object_get_string_member (entry, "path"), "/cancel"))
        n++;
    }
  return n;
}

static gboolean
all_confirmed (gpointer data)
{
  FalstaffContactSheet *contact_sheet = data;

  for (guint r = 0; r < falstaff_contact_sheet_get_n_rows (contact_sheet); r++)
    for (guint c = 0; c < falstaff_contact_sheet_get_n_columns (contact_sheet); c++)
      {
        FalstaffRun *run = falstaff_sheet_cell_get_run (falstaff_contact_sheet_get_cell (contact_sheet, c, r));

        if (run == NULL || falstaff_run_get_request_id (run) == NULL)
          return FALSE;
      }
  return TRUE;
}

static GtkWidget *
find_button_with_action (GtkWidget  *root,
                         const char *action)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (GTK_IS_ACTIONABLE (child) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action) == 0)
        return child;
      if ((found = find_button_with_action (child, action)))
        return found;
    }
  return NULL;
}

/* Cancel All sends one cancel for each of the six runs, and each cell
 * ends cancelled. */
static void
test_cancel_all (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffContactSheet *contact_sheet = sheet (studio);
  const char *demo_url;
  guint before;

  /* Slow enough that none is done when Cancel All is pressed. */
  g_setenv ("FALSTAFF_DEMO_SPEED", "0.25", TRUE);
  start_demo (studio);
  g_setenv ("FALSTAFF_DEMO_SPEED", "4", TRUE);
  demo_url = falstaff_session_get_demo_url (studio->session);
  pick_endpoint (studio, "fast-sdxl");
  start_grid_sweep (studio, "six lanterns", "num_inference_steps", "4, 5, 6", "guidance_scale", "3, 6");
  g_assert_true (falstaff_test_wait_until (all_confirmed, contact_sheet, 20000));
  for (guint r = 0; r < 2; r++)
    for (guint c = 0; c < 3; c++)
      g_assert_false (falstaff_run_is_done (falstaff_sheet_cell_get_run (falstaff_contact_sheet_get_cell (contact_sheet, c, r))));

  before = cancels_sent (demo_url);
  falstaff_test_click (find_button_with_action (GTK_WIDGET (contact_sheet), "sheet.cancel-all"));
  for (guint r = 0; r < 2; r++)
    for (guint c = 0; c < 3; c++)
      {
        FalstaffRun *run = falstaff_sheet_cell_get_run (falstaff_contact_sheet_get_cell (contact_sheet, c, r));

        g_assert_true (falstaff_test_wait_until (run_done, run, 30000));
        g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_CANCELLED);
      }
  g_assert_cmpuint (cancels_sent (demo_url) - before, ==, 6);
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "contact-sheet-cancelled"));
}

/* ------------------------------------------------------------------ seeds */

static gboolean
all_done (gpointer data)
{
  FalstaffContactSheet *contact_sheet = data;

  for (guint c = 0; c < falstaff_contact_sheet_get_n_columns (contact_sheet); c++)
    {
      FalstaffRun *run = falstaff_sheet_cell_get_run (falstaff_contact_sheet_get_cell (contact_sheet, c, 0));

      if (run == NULL || !falstaff_run_is_done (run))
        return FALSE;
    }
  return TRUE;
}

/* Seeds: the count shows as it is typed; above 16 a confirmation comes
 * first, and its Cancel sends nothing; confirmed, 24 runs with 24
 * different seeds fill a sheet that wraps. */
static void
test_seeds_confirm (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffContactSheet *contact_sheet = sheet (studio);
  g_autoptr(GHashTable) seeds = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  FalstaffSweepDialog *dialog;
  GtkWindow *confirm;
  guint before;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  g_assert_true (falstaff_test_wait_until (price_known, studio->window, 10000));
  type_text (row_control (studio, "prompt"), "a paper crane");
  falstaff_test_click (find_button_with_action (GTK_WIDGET (studio->window), "win.run-variations"));
  g_assert_true (falstaff_test_wait_until (sweep_dialog_shown, NULL, 10000));
  dialog = FALSTAFF_SWEEP_DIALOG (find_sweep_dialog ());
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (falstaff_sweep_dialog_get_count_label (dialog))), ==,
                   "4 runs will be sent at once, ≈ $0.01 in all");
  falstaff_test_press_keys (falstaff_sweep_dialog_get_seed_count (dialog), "ctrl+a 2 4 Tab");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (falstaff_sweep_dialog_get_count_label (dialog))), ==,
                   "24 runs will be sent at once, ≈ $0.06 in all");
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (falstaff_sweep_dialog_get_run_button (dialog))), ==,
                   "_Run 24 Variations");

  /* Above 16: asked first; Cancel sends nothing and keeps the dialog. */
  before = n_runs (studio);
  falstaff_test_click (falstaff_sweep_dialog_get_run_button (dialog));
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 5000));
  confirm = find_dialog ();
  g_free (falstaff_test_screenshot (GTK_WIDGET (confirm), "sweep-confirm"));
  falstaff_test_press_keys (GTK_WIDGET (confirm), "Escape");
  g_assert_true (falstaff_test_wait_until (sweep_dialog_shown, NULL, 5000));
  falstaff_test_iterate_for (300);
  g_assert_null (find_dialog ());
  g_assert_cmpuint (n_runs (studio), ==, before);

  /* Confirmed: 24 runs, 24 seeds. */
  falstaff_test_click (falstaff_sweep_dialog_get_run_button (dialog));
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 5000));
  falstaff_test_press_keys (GTK_WIDGET (find_dialog ()), "Return");
  g_assert_true (falstaff_test_wait_until (sweep_dialog_gone, NULL, 5000));
  g_assert_true (falstaff_test_wait_until (sheet_shown, studio, 10000));
  g_assert_cmpuint (n_runs (studio), ==, before + 24);
  g_assert_cmpuint (falstaff_contact_sheet_get_n_columns (contact_sheet), ==, 24);
  g_assert_cmpuint (falstaff_contact_sheet_get_n_rows (contact_sheet), ==, 1);
  for (guint c = 0; c < 24; c++)
    {
      FalstaffRun *run = falstaff_sheet_cell_get_run (falstaff_contact_sheet_get_cell (contact_sheet, c, 0));
      gint64 *seed = g_new (gint64, 1);
      g_autofree char *label = NULL;

      *seed = (gint64) input_number (run, "seed");
      g_assert_true (g_hash_table_add (seeds, seed));
      label = g_strdup_printf ("Seed %" G_GINT64_FORMAT, *seed);
      g_assert_cmpstr (falstaff_contact_sheet_get_column_label (contact_sheet, c), ==, label);
    }
  g_assert_true (falstaff_test_wait_until (all_done, contact_sheet, 120000));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "contact-sheet-seeds"));
}

/* A sweep of sounds: each cell is a tile that says what it holds. */
static void
test_audio_tiles (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffContactSheet *contact_sheet = sheet (studio);
  FalstaffSweepDialog *dialog;

  start_demo (studio);
  pick_endpoint (studio, "stable-audio");
  type_text (row_control (studio, "prompt"), "rain on a tin roof");
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+shift+Return");
  g_assert_true (falstaff_test_wait_until (sweep_dialog_shown, NULL, 10000));
  dialog = FALSTAFF_SWEEP_DIALOG (find_sweep_dialog ());
  /* No seed on this endpoint: the dialog opens on Grid. */
  g_assert_null (falstaff_sweep_dialog_get_plan (dialog));
  g_assert_true (falstaff_sweep_dialog_set_axis_field (dialog, 0, "seconds_total"));
  falstaff_test_press_keys (falstaff_sweep_dialog_get_list_entry (dialog, 0), "1 comma space 2");
  falstaff_test_click (falstaff_sweep_dialog_get_run_button (dialog));
  g_assert_true (falstaff_test_wait_until (sheet_shown, studio, 10000));
  g_assert_cmpuint (falstaff_contact_sheet_get_n_columns (contact_sheet), ==, 2);
  g_assert_true (falstaff_test_wait_until (all_done, contact_sheet, 60000));
  for (guint c = 0; c < 2; c++)
    {
      FalstaffSheetCell *cell = falstaff_contact_sheet_get_cell (contact_sheet, c, 0);

      g_assert_cmpint (falstaff_run_get_status (falstaff_sheet_cell_get_run (cell)), ==, FAL_JOB_COMPLETED);
      g_assert_cmpstr (falstaff_sheet_cell_get_text (cell), ==, "A sound: open the run to hear it");
    }
}

/* ------------------------------------------------------------------ compare */

static gboolean
new_shown_run (gpointer data)
{
  void **args = data;
  FalstaffRun *run = falstaff_window_get_shown_run (args[0]);

  return run != NULL && run != args[1];
}

/* Presses Ctrl+Enter in the prompt and waits for the run to finish. */
static FalstaffRun *
run_to_end (Studio     *studio,
            const char *prompt,
            const char *steps)
{
  void *args[2] = { studio->window, falstaff_window_get_shown_run (studio->window) };
  FalstaffRun *run;

  type_text (row_control (studio, "prompt"), prompt);
  if (steps)
    {
      GtkWidget *control = row_control (studio, "num_inference_steps");

      if (GTK_IS_SPIN_BUTTON (control))
        gtk_spin_button_set_value (GTK_SPIN_BUTTON (control), g_ascii_strtod (steps, NULL));
      else
        type_text (control, steps);
    }
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (new_shown_run, args, 10000));
  run = falstaff_window_get_shown_run (studio->window);
  g_assert_true (falstaff_test_wait_until (run_done, run, 60000));
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  return g_object_ref (run);
}

static gboolean
compare_ready (gpointer data)
{
  Studio *studio = data;

  return g_strcmp0 (_falstaff_window_get_results_page (studio->window), "compare") == 0 &&
         falstaff_compare_view_is_loaded (_falstaff_window_get_compare_view (studio->window));
}

static gboolean
check_in_view (gpointer data)
{
  void **args = data;
  GtkWidget *check = falstaff_history_view_get_check_for (args[0], args[1]);

  return check && gtk_widget_get_mapped (check) && gtk_widget_get_sensitive (check);
}

static void
tick (FalstaffHistoryView *history,
      FalstaffRun         *run)
{
  void *args[2] = { history, run };

  /* Its row in view first, as a person scrolls to it. */
  falstaff_history_view_select (history, G_OBJECT (run));
  falstaff_test_iterate_for (200);
  g_assert_true (falstaff_test_wait_until (check_in_view, args, 5000));
  falstaff_test_click (falstaff_history_view_get_check_for (history, G_OBJECT (run)));
  if (!gtk_check_button_get_active (GTK_CHECK_BUTTON (falstaff_history_view_get_check_for (history, G_OBJECT (run)))))
    g_free (falstaff_test_screenshot (gtk_widget_get_ancestor (GTK_WIDGET (history), GTK_TYPE_WINDOW), "tick-missed"));
  g_assert_true (gtk_check_button_get_active (GTK_CHECK_BUTTON (falstaff_history_view_get_check_for (history, G_OBJECT (run)))));
}

static void
assert_keys (char      **keys,
             const char *expected)
{
  g_autofree char *joined = g_strjoinv (",", keys);

  g_assert_cmpstr (joined, ==, expected);
}

/* Two finished runs ticked in the History compare with exactly their
 * differing inputs marked and a before/after slider that the keys and
 * the pointer move; three compare without a slider. */
static void
test_compare (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffHistoryView *history = _falstaff_window_get_history_view (studio->window);
  FalstaffCompareView *compare = _falstaff_window_get_compare_view (studio->window);
  g_autoptr(FalstaffRun) fox = NULL;
  g_autoptr(FalstaffRun) owl = NULL;
  g_autoptr(FalstaffRun) owl_steps = NULL;
  g_auto(GStrv) keys = NULL;
  FalstaffCompareSlider *slider;
  double x, y;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  fox = run_to_end (studio, "a red fox in the snow", NULL);
  owl = run_to_end (studio, "a white owl at night", NULL);
  owl_steps = run_to_end (studio, "a white owl at night", "12");

  /* The History, as a person opens it; Choose, two ticks, Compare. */
  falstaff_window_show_run_by_id (studio->window, falstaff_run_get_id (owl));
  falstaff_test_click (falstaff_history_view_get_choose_button (history));
  g_assert_false (gtk_widget_get_sensitive (falstaff_history_view_get_compare_button (history)));
  tick (history, fox);
  g_assert_false (gtk_widget_get_sensitive (falstaff_history_view_get_compare_button (history)));
  tick (history, owl);
  falstaff_test_click (falstaff_history_view_get_compare_button (history));
  g_assert_true (falstaff_test_wait_until (compare_ready, studio, 20000));

  /* Exactly the inputs that differ: the prompt, and the seed (a random
   * seed is drawn for each run and sent); the rest is the same. */
  g_assert_cmpint (falstaff_run_get_seed (fox), !=, falstaff_run_get_seed (owl));
  keys = falstaff_compare_view_get_highlighted_keys (compare);
  assert_keys (keys, "prompt,seed");
  g_clear_pointer (&keys, g_strfreev);

  slider = falstaff_compare_view_get_slider (compare);
  g_assert_nonnull (slider);
  g_assert_cmpfloat (falstaff_compare_slider_get_position (slider), ==, 0.5);
  falstaff_test_press_keys (GTK_WIDGET (slider), "Right Right");
  g_assert_cmpfloat_with_epsilon (falstaff_compare_slider_get_position (slider), 0.6, 1e-9);
  falstaff_test_press_keys (GTK_WIDGET (slider), "shift+Left");
  g_assert_cmpfloat_with_epsilon (falstaff_compare_slider_get_position (slider), 0.59, 1e-9);
  falstaff_test_press_keys (GTK_WIDGET (slider), "End");
  g_assert_cmpfloat (falstaff_compare_slider_get_position (slider), ==, 1.0);
  falstaff_test_press_keys (GTK_WIDGET (slider), "Home");
  g_assert_cmpfloat (falstaff_compare_slider_get_position (slider), ==, 0.0);
  /* Zoom and pan move both pictures together. */
  falstaff_test_press_keys (GTK_WIDGET (slider), "plus plus");
  g_assert_cmpfloat_with_epsilon (falstaff_compare_slider_get_zoom (slider), 1.5625, 1e-9);
  falstaff_test_press_keys (GTK_WIDGET (slider), "ctrl+Right");
  falstaff_compare_slider_get_center (slider, &x, &y);
  g_assert_cmpfloat (x, >, 0.5);
  g_assert_cmpfloat (y, ==, 0.5);
  falstaff_test_press_keys (GTK_WIDGET (slider), "0");
  g_assert_cmpfloat (falstaff_compare_slider_get_zoom (slider), ==, 1.0);
  /* A real click puts the divider where it lands. */
  falstaff_test_click (GTK_WIDGET (slider));
  g_assert_cmpfloat_with_epsilon (falstaff_compare_slider_get_position (slider), 0.5, 0.02);
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "compare-slider"));

  /* A third run: three columns, no slider, still only what differs. */
  tick (history, owl_steps);
  falstaff_test_click (falstaff_history_view_get_compare_button (history));
  g_assert_true (falstaff_test_wait_until (compare_ready, studio, 20000));
  g_assert_null (falstaff_compare_view_get_slider (compare));
  keys = falstaff_compare_view_get_highlighted_keys (compare);
  assert_keys (keys, "num_inference_steps,prompt,seed");
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "compare-three"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/sweep/grid", test_grid);
  g_test_add_func ("/ui/sweep/cancel-all", test_cancel_all);
  g_test_add_func ("/ui/sweep/seeds-confirm", test_seeds_confirm);
  g_test_add_func ("/ui/sweep/audio-tiles", test_audio_tiles);
  g_test_add_func ("/ui/sweep/compare", test_compare);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
