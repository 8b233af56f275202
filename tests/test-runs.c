/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "falstaff-history-view.h"
#include "falstaff-request-view.h"
#include "falstaff-run.h"
#include "falstaff-run-store.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* Runs that are never lost (issue 10): several at once, each shown alone,
 * and the history. */

static FalstaffRequestView *
request_view (Studio *studio)
{
  return _falstaff_window_get_request_view (studio->window);
}

static gboolean
run_has_request_id (gpointer data)
{
  return falstaff_run_get_request_id (data) != NULL;
}

static gboolean
run_done (gpointer data)
{
  return falstaff_run_is_done (data);
}

static gboolean
shown_run_changed (gpointer data)
{
  void **args = data;

  return falstaff_window_get_shown_run (args[0]) != NULL && falstaff_window_get_shown_run (args[0]) != args[1];
}

/* Presses Run (Ctrl+Enter in the prompt) and returns the new run. */
static FalstaffRun *
start_one (Studio     *studio,
           const char *prompt)
{
  void *args[2] = { studio->window, falstaff_window_get_shown_run (studio->window) };
  FalstaffRun *run;

  type_text (row_control (studio, "prompt"), prompt);
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (shown_run_changed, args, 10000));
  run = falstaff_window_get_shown_run (studio->window);
  g_assert_true (falstaff_test_wait_until (run_has_request_id, run, 10000));
  return g_object_ref (run);
}

/* Three runs at once on two endpoints: Run stays available, each goes on
 * with its own status, and choosing one in the history shows only it. */
static void
test_several_at_once (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffHistoryView *history = _falstaff_window_get_history_view (studio->window);
  g_autoptr(FalstaffRun) video = NULL;
  g_autoptr(FalstaffRun) first = NULL;
  g_autoptr(FalstaffRun) second = NULL;
  FalstaffRun *runs[3];

  start_demo (studio);
  pick_endpoint (studio, "minimax");
  video = start_one (studio, "a paper boat");
  pick_endpoint (studio, "fast-sdxl");
  first = start_one (studio, "a lighthouse");
  second = start_one (studio, "a windmill");
  runs[0] = video;
  runs[1] = first;
  runs[2] = second;
  g_assert_false (falstaff_run_is_done (video));
  /* The History page, as a person opens it to see them. */
  falstaff_window_show_run_by_id (studio->window, falstaff_run_get_id (video));
  g_assert_true (falstaff_window_get_shown_run (studio->window) == video);
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "several-runs"));

  /* Each chosen in the history shows its own request id, endpoint and
   * nothing of the others. */
  for (guint i = 0; i < 3; i++)
    {
      falstaff_history_view_select (history, G_OBJECT (runs[i]));
      g_assert_true (falstaff_window_get_shown_run (studio->window) == runs[i]);
      g_assert_true (falstaff_request_view_get_run (request_view (studio)) == runs[i]);
      g_assert_cmpstr (fal_request_get_request_id (falstaff_window_get_request (studio->window)), ==,
                       falstaff_run_get_request_id (runs[i]));
      g_assert_cmpstr (fal_request_get_endpoint_id (falstaff_window_get_request (studio->window)), ==,
                       falstaff_run_get_endpoint_id (runs[i]));
    }

  for (guint i = 0; i < 3; i++)
    g_assert_true (falstaff_test_wait_until (run_done, runs[i], 60000));
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpint (falstaff_run_get_status (runs[i]), ==, FAL_JOB_COMPLETED);
      g_assert_nonnull (falstaff_run_get_result (runs[i]));
    }
  g_assert_cmpstr (falstaff_run_get_prompt (first), ==, "a lighthouse");
  g_assert_cmpstr (falstaff_run_get_prompt (second), ==, "a windmill");
  g_assert_false (falstaff_window_is_running (studio->window));
}

/* The history is searched by prompt and endpoint, and filtered. */
static void
test_history_search (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffHistoryView *history = _falstaff_window_get_history_view (studio->window);
  g_autoptr(FalstaffRun) done = NULL;
  GtkWidget *search;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  done = start_one (studio, "an unmistakable zeppelin");
  g_assert_true (falstaff_test_wait_until (run_done, done, 60000));

  search = falstaff_history_view_get_search_entry (history);
  gtk_editable_set_text (GTK_EDITABLE (search), "zeppelin");
  g_signal_emit_by_name (search, "search-changed");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, 1);
  gtk_editable_set_text (GTK_EDITABLE (search), "no run has this text");
  g_signal_emit_by_name (search, "search-changed");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, 0);
  gtk_editable_set_text (GTK_EDITABLE (search), "zeppelin");
  g_signal_emit_by_name (search, "search-changed");
  falstaff_history_view_set_filter (history, "failed");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, 0);
  falstaff_history_view_set_filter (history, "done");
  g_assert_cmpuint (falstaff_history_view_get_n_shown (history), ==, 1);
  falstaff_history_view_set_filter (history, "all");
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/runs/several-at-once", test_several_at_once);
  g_test_add_func ("/ui/runs/history-search", test_history_search);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
