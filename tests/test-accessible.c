/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <sys/wait.h>
#include <unistd.h>

#include "falstaff-output-view.h"
#include "falstaff-request-view.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* Every control has a name a screen reader can speak: each page of the
 * window, as a person reaches it, is walked over AT-SPI from another
 * process (tests/a11y-walk.py), the way Orca would see it. */

typedef struct {
  gboolean done;
  int status;
  GString *output;
} Walk;

static void
walk_exited_cb (GPid     pid,
                int      status,
                gpointer data)
{
  Walk *walk = data;

  walk->status = status;
  walk->done = TRUE;
  g_spawn_close_pid (pid);
}

static gboolean
walk_done (gpointer data)
{
  return ((Walk *) data)->done;
}

/* Runs the walker once; FALSE when it could not reach the accessibility
 * bus (it aborts: AT-SPI's registration races with a busy session). */
static gboolean
walk_once (int    *exit_status,
           char  **output)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "a11y-walk.py", NULL);
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  const char *argv[] = { "/usr/bin/python3", script, pid, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  Walk walk = { FALSE, 0, NULL };
  GPid child;
  int out_fd;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                           &child, NULL, &out_fd, NULL, &error));
  g_assert_no_error (error);
  g_child_watch_add (child, walk_exited_cb, &walk);
  /* The walker asks this process over D-Bus: the main loop must run. */
  g_assert_true (falstaff_test_wait_until (walk_done, &walk, 120000));
  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  g_io_channel_read_to_end (channel, output, NULL, NULL);
  if (!WIFEXITED (walk.status))
    return FALSE;
  *exit_status = WEXITSTATUS (walk.status);
  return TRUE;
}

static void
assert_all_named (const char *where)
{
  int status = -1;

  /* Let the page settle before it is read. */
  for (guint i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  for (guint attempt = 0; attempt < 4; attempt++)
    {
      g_autofree char *output = NULL;

      if (!walk_once (&status, &output))
        {
          g_test_message ("%s: the walker could not reach the accessibility bus, again", where);
          continue;
        }
      if (g_getenv ("FALSTAFF_A11Y_VERBOSE"))
        g_printerr ("%s:\n%s", where, output);
      if (status != 0)
        g_error ("%s: %s\n%s", where, status == 1 ? "controls without an accessible name:" : "", output ? output : "");
      return;
    }
  g_error ("%s: the accessibility tree could not be read", where);
}

static gboolean
not_running_and_shown (gpointer data)
{
  return not_running (data);
}

static void
test_welcome (void)
{
  g_autoptr(Studio) studio = studio_new ();

  wait_for_page (studio, "welcome");
  assert_all_named ("welcome page");
}

static void
test_forms (void)
{
  g_autoptr(Studio) studio = studio_new ();
  const char *endpoints[] = { "fast-sdxl", "image-to-image", "whisper", "any-llm", "minimax" };

  start_demo (studio);
  assert_all_named ("studio, no endpoint");
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      pick_endpoint (studio, endpoints[i]);
      assert_all_named (endpoints[i]);
    }
}

static void
test_results (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffRequestView *view = _falstaff_window_get_request_view (studio->window);

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  type_text (row_control (studio, "prompt"), "a lighthouse");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (studio, "num_images")), 2);
  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running_and_shown, studio->window, 60000));
  assert_all_named ("image results");
  falstaff_request_view_show_page (view, "logs");
  assert_all_named ("logs");
  falstaff_request_view_show_page (view, "json");
  assert_all_named ("JSON");
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/accessible/welcome", test_welcome);
  g_test_add_func ("/ui/accessible/forms", test_forms);
  g_test_add_func ("/ui/accessible/results", test_results);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
