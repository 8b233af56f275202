/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "fal-json.h"
#include "falstaff-contact-sheet.h"
#include "falstaff-run-store.h"
#include "falstaff-settings.h"
#include "falstaff-sweep-dialog.h"
#include "falstaff-sweep-plan.h"
#include "falstaff-window-private.h"

/* The window's sweeps: Run Variations… from the form, the contact sheet
 * in the results pane, a cell run again, a whole sweep done. */

typedef struct {
  FalstaffWindow *window;
  GPtrArray *runs;
} SweepSubmit;

/* The runs' rows are on disk: now they may leave, all at once (fal's
 * queue takes them in parallel). */
static void
sweep_written_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  SweepSubmit *submit = data;
  FalstaffWindow *self = submit->window;
  FalClient *client = _falstaff_window_get_client (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(FalstaffCallOptions) options = falstaff_settings_get_call_options (_falstaff_window_get_settings (self));

  _falstaff_window_submit_done (self);
  if (!falstaff_run_store_flush_finish (FALSTAFF_RUN_STORE (source), result, &error))
    g_message ("The sweep could not be written to the history: %s", error->message);
  for (guint i = 0; i < submit->runs->len; i++)
    {
      FalstaffRun *run = g_ptr_array_index (submit->runs, i);
      g_autoptr(GError) submit_error = NULL;
      g_autoptr(FalJob) job = (FalJob *) fal_client_submit (client, falstaff_run_get_endpoint_id (run),
                                                           falstaff_run_get_inputs (run), &options->options,
                                                           &submit_error);

      /* Refused before it left: its cell says why, and can run again. */
      if (job == NULL)
        falstaff_run_fail (run, submit_error);
      else
        _falstaff_window_follow_run (self, run, job);
    }
  g_ptr_array_unref (submit->runs);
  g_object_unref (submit->window);
  g_free (submit);
}

/* Written first, then sent: a crash in between leaves them in the
 * history as never confirmed, like any run. */
static void
submit_sweep_runs (FalstaffWindow *self,
                   GPtrArray      *runs)
{
  SweepSubmit *submit = g_new0 (SweepSubmit, 1);

  submit->window = g_object_ref (self);
  submit->runs = g_ptr_array_ref (runs);
  _falstaff_window_submit_started (self);
  falstaff_run_store_flush_async (_falstaff_window_get_run_store (self), NULL, sweep_written_cb, submit);
}

void
_falstaff_window_show_sweep (FalstaffWindow *self,
                             gint64          sweep_id)
{
  FalstaffContactSheet *sheet = _falstaff_window_get_contact_sheet (self);

  falstaff_contact_sheet_set_sweep (sheet, _falstaff_window_get_run_store (self), sweep_id);
  _falstaff_window_show_results_page (self, "sweep");
}

static void
start_sweep (FalstaffWindow    *self,
             FalstaffSweepPlan *plan)
{
  FalstaffRunStore *store = _falstaff_window_get_run_store (self);
  const char *endpoint_id = _falstaff_window_get_endpoint_id (self);
  g_autoptr(JsonNode) description = falstaff_sweep_plan_describe (plan);
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);
  guint count = falstaff_sweep_plan_get_count (plan);
  gint64 sweep_id = 0;

  if (endpoint_id == NULL || !falstaff_run_store_is_loaded (store))
    {
      _falstaff_window_toast (self, _("The history is still being read: try again in a moment"));
      return;
    }
  _falstaff_window_save_form_values (self);
  for (guint i = 0; i < count; i++)
    {
      g_autoptr(JsonNode) body = falstaff_sweep_plan_build_body (plan, i);
      g_autoptr(JsonNode) sweep = fal_json_deep_copy (description);
      JsonArray *cell = json_array_new ();
      guint column, row;
      FalstaffRun *run;

      falstaff_sweep_plan_get_cell (plan, i, &column, &row);
      json_array_add_int_element (cell, column);
      json_array_add_int_element (cell, row);
      json_object_set_array_member (json_node_get_object (sweep), "cell", cell);
      run = falstaff_run_store_create_sweep_run (store, endpoint_id, body, sweep_id, sweep);
      if (_falstaff_window_get_price (self))
        falstaff_run_set_price (run, _falstaff_window_get_price (self));
      sweep_id = falstaff_run_get_sweep_id (run);
      g_ptr_array_add (runs, run);
    }
  submit_sweep_runs (self, runs);
  _falstaff_window_show_sweep (self, sweep_id);
}

static void
plan_chosen_cb (FalstaffSweepDialog *dialog,
                FalstaffSweepPlan   *plan,
                FalstaffWindow      *self)
{
  start_sweep (self, plan);
}

static void
body_for_variations_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      data)
{
  g_autoptr(FalstaffWindow) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = falstaff_form_view_collect_body_finish (FALSTAFF_FORM_VIEW (source), result, &error);
  FalFormModel *model = _falstaff_window_get_form_model (self);
  FalstaffSweepDialog *dialog;

  _falstaff_window_submit_done (self);
  if (body == NULL)
    {
      /* A form that would not run cannot be varied: its errors are on
       * its fields. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        _falstaff_window_run_failed (self, error);
      return;
    }
  if (model == NULL)
    return;
  dialog = falstaff_sweep_dialog_new (GTK_WINDOW (self), model, body);
  falstaff_sweep_dialog_set_price (dialog, _falstaff_window_get_price (self),
                                   g_settings_get_double (_falstaff_window_get_settings (self), "cost-confirm-limit"));
  g_signal_connect_object (dialog, "plan-chosen", G_CALLBACK (plan_chosen_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Run Variations…: the form as it would run (files uploaded, checked),
 * then the dialog that says what to vary. */
void
_falstaff_window_run_variations (FalstaffWindow *self)
{
  FalstaffFormView *form_view = _falstaff_window_get_form_view (self);

  if (_falstaff_window_get_form_model (self) == NULL)
    return;
  _falstaff_window_submit_started (self);
  falstaff_form_view_collect_body_async (form_view, NULL, body_for_variations_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ the sheet */

void
_falstaff_window_sheet_open_run_cb (FalstaffWindow *self,
                                    FalstaffRun    *run)
{
  _falstaff_window_show_run (self, run);
}

static void
run_cell_again (FalstaffWindow *self,
                FalstaffRun    *run)
{
  FalstaffRunStore *store = _falstaff_window_get_run_store (self);
  g_autoptr(GPtrArray) runs = g_ptr_array_new_with_free_func (g_object_unref);

  if (falstaff_run_get_inputs (run) == NULL)
    {
      _falstaff_window_toast (self, _("This run's inputs are not known here"));
      return;
    }
  g_ptr_array_add (runs, falstaff_run_store_create_sweep_run (store, falstaff_run_get_endpoint_id (run),
                                                             falstaff_run_get_inputs (run),
                                                             falstaff_run_get_sweep_id (run),
                                                             falstaff_run_get_sweep (run)));
  submit_sweep_runs (self, runs);
}

typedef struct {
  FalstaffWindow *window;
  FalstaffRun *run;
} CellAgain;

static void
cell_details_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  CellAgain *again = data;
  g_autoptr(GError) error = NULL;

  if (!falstaff_run_store_load_details_finish (FALSTAFF_RUN_STORE (source), result, &error))
    g_message ("Inputs of run %" G_GINT64_FORMAT " not read: %s", falstaff_run_get_id (again->run), error->message);
  else
    run_cell_again (again->window, again->run);
  g_object_unref (again->window);
  g_object_unref (again->run);
  g_free (again);
}

/* A failed (or cancelled) cell is sent again alone, at the same place. */
void
_falstaff_window_sheet_run_again_cb (FalstaffWindow *self,
                                     FalstaffRun    *run)
{
  CellAgain *again;

  if (falstaff_run_get_details_loaded (run))
    {
      run_cell_again (self, run);
      return;
    }
  again = g_new0 (CellAgain, 1);
  again->window = g_object_ref (self);
  again->run = g_object_ref (run);
  falstaff_run_store_load_details_async (_falstaff_window_get_run_store (self), run, NULL,
                                         cell_details_cb, again);
}

void
_falstaff_window_sheet_message_cb (FalstaffWindow *self,
                                   const char     *text)
{
  _falstaff_window_toast (self, text);
}

/* Notifies once for a whole sweep, when its last run is done. */
gboolean
_falstaff_window_sweep_finished (FalstaffWindow *self,
                                 FalstaffRun    *run,
                                 GPtrArray      *active_runs,
                                 GNotification **notification)
{
  gint64 sweep_id = falstaff_run_get_sweep_id (run);
  g_autoptr(GPtrArray) runs = NULL;
  g_autoptr(GHashTable) cells = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autofree char *body = NULL;
  guint n_failed = 0, n_completed = 0, total = 0;

  *notification = NULL;
  for (guint i = 0; i < active_runs->len; i++)
    if (falstaff_run_get_sweep_id (g_ptr_array_index (active_runs, i)) == sweep_id)
      return FALSE;
  runs = falstaff_run_store_get_sweep_runs (_falstaff_window_get_run_store (self), sweep_id);
  /* Newest first: a cell run again counts by its latest run. */
  for (guint i = 0; i < runs->len; i++)
    {
      FalstaffRun *member = g_ptr_array_index (runs, i);
      FalJobStatus status = falstaff_run_get_status (member);
      guint column = 0, row = 0;

      falstaff_run_get_sweep_cell (member, &column, &row);
      if (!g_hash_table_add (cells, GUINT_TO_POINTER ((row << 16) | column)))
        continue;
      total++;
      n_completed += status == FAL_JOB_COMPLETED;
      n_failed += status == FAL_JOB_FAILED;
    }
  *notification = g_notification_new (_("Sweep done"));
  body = g_strdup_printf (ngettext ("%s: %u of %u run completed, %u failed", "%s: %u of %u runs completed, %u failed", total),
                          falstaff_run_get_endpoint_id (run), n_completed, total, n_failed);
  g_notification_set_body (*notification, body);
  return TRUE;
}
