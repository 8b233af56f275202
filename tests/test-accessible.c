/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "falstaff-announcer.h"
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

/* Status news reaches a screen reader: GTK 4.8 has no live regions, so
 * the news becomes the description of the focused control (Orca speaks
 * a description change of its locus of focus), read here over AT-SPI
 * from another process as Orca would; the control's own description
 * comes back when the focus moves on. */
typedef struct {
  GString *heard;
  gboolean ready;
  gboolean done;
} Listener;

static void
listener_line_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Listener *listener = data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);

  if (line == NULL)
    {
      listener->done = TRUE;
      return;
    }
  if (g_str_equal (line, "ready"))
    listener->ready = TRUE;
  else
    g_string_append_printf (listener->heard, "%s\n", line);
  g_data_input_stream_read_line_async (G_DATA_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL, listener_line_cb, listener);
}

static gboolean
listener_ready (gpointer data)
{
  return ((Listener *) data)->ready;
}

static gboolean
listener_done (gpointer data)
{
  return ((Listener *) data)->done;
}

static GSubprocess *
listen_for (Listener   *listener,
            const char *stop)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "a11y-listen.py", NULL);
  g_autofree char *pid = g_strdup_printf ("%d", (int) getpid ());
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  GSubprocess *process;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, "/usr/bin/python3", script, pid, "90", stop, NULL);
  g_assert_no_error (error);
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  g_data_input_stream_read_line_async (lines, G_PRIORITY_DEFAULT, NULL, listener_line_cb, listener);
  g_assert_true (falstaff_test_wait_until (listener_ready, listener, 60000));
  return process;
}

static void
test_announcements (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(GSubprocess) process = NULL;
  Listener listener = { g_string_new (NULL), FALSE, FALSE };
  GtkWidget *prompt;
  g_auto(GStrv) heard = NULL;
  gboolean completed = FALSE, restored = FALSE;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  prompt = row_control (studio, "prompt");
  type_text (prompt, "a lighthouse");
  process = listen_for (&listener, "The prompt to use for generating");
  /* Ctrl+Enter in the prompt: the focus stays there while the run goes. */
  falstaff_test_press_keys (prompt, "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running_and_shown, studio->window, 60000));
  falstaff_test_iterate_for (500);
  /* Tab moves on: the prompt gets its own description back. */
  falstaff_test_press_keys (prompt, "Tab");
  g_assert_true (falstaff_test_wait_until (listener_done, &listener, 60000));
  g_test_message ("heard:\n%s", listener.heard->str);
  heard = g_strsplit (listener.heard->str, "\n", -1);
  for (guint i = 0; heard[i]; i++)
    {
      if (g_str_has_prefix (heard[i], "text\tRun completed in ") || g_str_has_prefix (heard[i], "entry\tRun completed in "))
        completed = TRUE;
      if (completed && strstr (heard[i], "\tThe prompt to use for generating the image") != NULL)
        restored = TRUE;
    }
  g_assert_true (completed);
  g_assert_true (restored);
  g_string_free (listener.heard, TRUE);
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
  g_test_add_func ("/ui/accessible/announcements", test_announcements);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
