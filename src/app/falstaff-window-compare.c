/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-compare-view.h"
#include "falstaff-history-view.h"
#include "falstaff-run-store.h"
#include "falstaff-window-private.h"

/* The window's Compare: the runs ticked in the History, their inputs
 * and results read from the history file, side by side. */

typedef struct {
  FalstaffWindow *window;
  GPtrArray *runs;
  guint pending;
  char *error;
} CompareLoad;

static void
compare_load_free (CompareLoad *load)
{
  g_object_unref (load->window);
  g_ptr_array_unref (load->runs);
  g_free (load->error);
  g_free (load);
}

static void
compare_ready (CompareLoad *load)
{
  FalstaffWindow *self = load->window;

  if (load->error)
    _falstaff_window_toast (self, load->error);
  else
    {
      falstaff_compare_view_set_runs (_falstaff_window_get_compare_view (self),
                                      (FalstaffRun **) load->runs->pdata, load->runs->len);
      _falstaff_window_show_results_page (self, "compare");
    }
  compare_load_free (load);
}

static void
details_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  CompareLoad *load = data;
  g_autoptr(GError) error = NULL;

  if (!falstaff_run_store_load_details_finish (FALSTAFF_RUN_STORE (source), result, &error) && load->error == NULL)
    load->error = g_strdup_printf (_("A run could not be read from the history: %s"), error->message);
  if (--load->pending == 0)
    compare_ready (load);
}

void
_falstaff_window_history_compare_cb (FalstaffWindow      *self,
                                     FalstaffHistoryView *history_view)
{
  CompareLoad *load = g_new0 (CompareLoad, 1);
  FalstaffRunStore *store = _falstaff_window_get_run_store (self);

  load->window = g_object_ref (self);
  load->runs = falstaff_history_view_get_chosen_runs (history_view);
  if (load->runs->len < 2 || load->runs->len > 4)
    {
      compare_load_free (load);
      return;
    }
  /* One more than the loads, dropped below: ready once all are in. */
  load->pending = 1;
  for (guint i = 0; i < load->runs->len; i++)
    {
      FalstaffRun *run = g_ptr_array_index (load->runs, i);

      if (falstaff_run_get_details_loaded (run))
        continue;
      load->pending++;
      falstaff_run_store_load_details_async (store, run, NULL, details_cb, load);
    }
  if (--load->pending == 0)
    compare_ready (load);
}
