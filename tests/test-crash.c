/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "falstaff-history-view.h"
#include "falstaff-output-view.h"
#include "falstaff-request-view.h"
#include "falstaff-run.h"
#include "falstaff-run-store.h"
#include "studio-fixture.h"
#include "tcp-relay.h"
#include "ui-test-utils.h"

/* Nothing lost (issue 10): the app is killed with SIGKILL while a run is
 * queued or running at fal; started again, it follows the run by its
 * request id to the end and shows its result, once.
 *
 * The app that dies is a real child process: this same program started
 * again with FALSTAFF_CRASH_CHILD set, driving the real window to submit
 * a run. It says "ready <request id>" on stdout once the run is in the
 * wanted state and its request id is on disk, then waits to be killed.
 * Both processes share XDG_DATA_HOME (tests/own-display.sh gives this
 * program one of its own), so the history the child wrote is the one the
 * restarted app opens. Each variant runs in a program of its own (meson
 * test arguments): the application opens the history once per process. */

#define KEY "test:key"
#define ENDPOINT "fal-ai/fast-sdxl"

static const char *self_path;

/* ------------------------------------------------------------------ the child */

static void
flush_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  gboolean *done = data;

  g_assert_true (falstaff_run_store_flush_finish (FALSTAFF_RUN_STORE (source), result, NULL));
  *done = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

static void
child_main (void)
{
  g_autoptr(Studio) studio = NULL;
  const char *wanted = g_getenv ("FALSTAFF_CRASH_WAIT");
  void *args[2] = { NULL, GUINT_TO_POINTER (g_str_equal (wanted, "IN_PROGRESS") ? FAL_REQUEST_IN_PROGRESS
                                                                                 : FAL_REQUEST_IN_QUEUE) };
  gboolean flushed = FALSE;
  FalRequest *request;

  g_setenv ("FALSTAFF_LOCAL_URL", g_getenv ("FALSTAFF_CRASH_SERVER"), TRUE);
  studio = studio_new ();
  enter_key (studio, KEY);
  pick_endpoint (studio, "fast-sdxl");
  type_text (row_control (studio, "prompt"), "a lighthouse in a storm");
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return");
  args[0] = studio->window;
  if (g_str_equal (wanted, "SUBMITTING"))
    {
      /* fal never answers the submit (the parent stalls it): the run is
       * on disk from before it was sent, without a request id. */
      g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 30000));
      falstaff_run_store_flush_async (_falstaff_window_get_run_store (studio->window), NULL, flush_cb, &flushed);
      g_assert_true (falstaff_test_wait_until (is_true, &flushed, 10000));
      g_print ("ready -\n");
      fflush (stdout);
      for (;;)
        g_main_context_iteration (NULL, TRUE);
    }
  g_assert_true (falstaff_test_wait_until (request_in, args, 30000));
  request = falstaff_window_get_request (studio->window);
  g_assert_nonnull (fal_request_get_request_id (request));

  falstaff_run_store_flush_async (_falstaff_window_get_run_store (studio->window), NULL, flush_cb, &flushed);
  g_assert_true (falstaff_test_wait_until (is_true, &flushed, 10000));
  g_print ("ready %s\n", fal_request_get_request_id (request));
  fflush (stdout);
  /* Killed here. */
  for (;;)
    g_main_context_iteration (NULL, TRUE);
}

/* ------------------------------------------------------------------ the parent */

typedef struct {
  char *line;
  gboolean done;
} ReadLine;

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  ReadLine *read = data;

  read->line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  read->done = TRUE;
}

static gboolean
line_done (gpointer data)
{
  return ((ReadLine *) data)->done;
}

/* Starts the child, waits for its "ready" (and then, when given, for
 * before_kill (server_url)), kills it with SIGKILL and returns what it
 * said: the request id it had, or "-" for none. */
static char *
run_child_and_kill_when (const char *server_url,
                         const char *wanted,
                         gboolean  (*before_kill) (gpointer server_url))
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  char *request_id = NULL;

  g_subprocess_launcher_setenv (launcher, "FALSTAFF_CRASH_CHILD", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "FALSTAFF_CRASH_SERVER", server_url, TRUE);
  g_subprocess_launcher_setenv (launcher, "FALSTAFF_CRASH_WAIT", wanted, TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, self_path, "-p", "/crash/child", NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (child));

  while (request_id == NULL)
    {
      ReadLine read = { NULL, FALSE };

      g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, NULL, line_read_cb, &read);
      g_assert_true (falstaff_test_wait_until (line_done, &read, 90000));
      if (read.line == NULL)
        g_error ("the child ended before it was ready");
      if (g_str_has_prefix (read.line, "ready "))
        request_id = g_strdup (read.line + strlen ("ready "));
      g_free (read.line);
    }

  if (before_kill)
    g_assert_true (falstaff_test_wait_until (before_kill, (gpointer) server_url, 30000));
  g_subprocess_force_exit (child);
  g_assert_true (g_subprocess_wait (child, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);
  g_test_message ("killed the app while %s with request %s", wanted, request_id);
  return request_id;
}

static char *
run_child_and_kill (const char *server_url,
                    const char *wanted)
{
  return run_child_and_kill_when (server_url, wanted, NULL);
}

/* The runs in the history with this request id (NULL: those without). */
static guint
count_runs (FalstaffRunStore *store,
            const char       *request_id,
            FalstaffRun     **found)
{
  guint n = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (store)); i++)
    {
      g_autoptr(FalstaffRun) run = g_list_model_get_item (G_LIST_MODEL (store), i);

      if (g_strcmp0 (falstaff_run_get_request_id (run), request_id) == 0)
        {
          n++;
          if (found)
            *found = run;
        }
    }
  return n;
}

typedef struct {
  FalstaffRunStore *store;
  const char *request_id;
} Find;

static gboolean
run_completed (gpointer data)
{
  Find *find = data;
  FalstaffRun *run = NULL;

  return count_runs (find->store, find->request_id, &run) == 1 &&
         falstaff_run_get_status (run) == FAL_JOB_COMPLETED;
}

static gboolean
store_loaded (gpointer data)
{
  return falstaff_run_store_is_loaded (data);
}

/* The submits this server saw for the endpoint. */
static guint
count_submits (const char *server_url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server_url, "/__control/requests", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) body = NULL;
  g_autoptr(JsonNode) log = NULL;
  JsonArray *entries;
  guint n = 0;

  /* The control routes refuse requests without it (403). */
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  body = soup_session_send_and_read (session, msg, NULL, NULL);
  log = json_from_string (g_bytes_get_data (body, NULL), NULL);
  entries = json_node_get_array (log);
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), "POST") &&
          g_str_equal (json_object_get_string_member (entry, "path"), "/queue/" ENDPOINT))
        n++;
    }
  return n;
}

static guint
n_images_shown (FalstaffWindow *window)
{
  GtkWidget *outputs = falstaff_request_view_get_output_view (_falstaff_window_get_request_view (window));

  return falstaff_output_view_get_n_images (FALSTAFF_OUTPUT_VIEW (outputs));
}

static gboolean
shows_image (gpointer data)
{
  return n_images_shown (data) > 0;
}

/* Started again as a returning person does: the key is known (here from
 * FAL_KEY), so the studio opens at once, fal reachable or not; returns
 * once the history is read. */
static Studio *
start_again (const char *server_url)
{
  g_autofree char *saved_url = g_strdup (g_getenv ("FALSTAFF_LOCAL_URL"));
  Studio *studio;

  g_setenv ("FALSTAFF_LOCAL_URL", server_url, TRUE);
  g_setenv ("FAL_KEY", KEY, TRUE);
  studio = studio_new ();
  g_setenv ("FALSTAFF_LOCAL_URL", saved_url, TRUE);
  g_unsetenv ("FAL_KEY");
  wait_for_page (studio, "studio");
  g_assert_true (falstaff_test_wait_until (store_loaded, _falstaff_window_get_run_store (studio->window), 10000));
  return studio;
}

/* Kill while WANTED, start again (through a relay that is closed for
 * AWAY_MS first when AWAY_MS > 0: fal gone for a while), and see the run
 * through. */
static void
kill_and_restart (const char *wanted,
                  gboolean    queue_ahead,
                  guint       away_ms)
{
  g_autoptr(FalLocalServer) server = g_object_new (FAL_LOCAL_TYPE_SERVER, "key", KEY, "speed", 0.5, "runners", 1, NULL);
  g_autoptr(TcpRelay) relay = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request_id = NULL;
  g_autoptr(Studio) studio = NULL;
  FalstaffRunStore *store;
  FalstaffRun *run = NULL;
  Find find;
  guint submits_before;

  g_assert_true (fal_local_server_start (server, &error));
  relay = tcp_relay_new (fal_local_server_get_url (server));
  if (queue_ahead)
    /* A job ahead in the queue, so that the child's run waits behind it. */
    json_object_unref (studio_submit_elsewhere (fal_local_server_get_url (server), ENDPOINT, "{\"prompt\":\"ahead\"}"));
  request_id = run_child_and_kill (tcp_relay_get_url (relay), wanted);
  submits_before = count_submits (fal_local_server_get_url (server));
  if (away_ms > 0)
    tcp_relay_close (relay);

  studio = start_again (tcp_relay_get_url (relay));
  store = _falstaff_window_get_run_store (studio->window);
  g_assert_cmpuint (count_runs (store, request_id, &run), ==, 1);
  g_assert_false (falstaff_run_is_done (run));

  if (away_ms > 0)
    {
      /* While fal is away the run is followed, not given up. */
      falstaff_test_iterate_for (away_ms);
      g_assert_nonnull (falstaff_run_get_job (run));
      g_assert_false (falstaff_run_is_done (run));
      tcp_relay_reopen (relay);
    }

  find = (Find) { store, request_id };
  g_assert_true (falstaff_test_wait_until (run_completed, &find, 90000));
  g_assert_cmpuint (count_runs (store, request_id, &run), ==, 1);
  g_assert_nonnull (falstaff_run_get_result (run));
  /* Followed, not submitted again. */
  g_assert_cmpuint (count_submits (fal_local_server_get_url (server)), ==, submits_before);

  /* The restarted window shows it, its image once. */
  g_assert_true (falstaff_window_get_shown_run (studio->window) == run);
  g_assert_true (falstaff_test_wait_until (shows_image, studio->window, 10000));
  g_assert_cmpuint (n_images_shown (studio->window), ==, 1);
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "reattached"));
  fal_local_server_stop (server);
}

static gboolean
run_is_completed (gpointer data)
{
  return falstaff_run_get_status (data) == FAL_JOB_COMPLETED;
}

static gboolean
submit_seen (gpointer data)
{
  return count_submits (data) > 0;
}

static gboolean
status_is (gpointer data)
{
  void **args = data;

  return g_strcmp0 (falstaff_request_view_get_status_text (args[0]), args[1]) == 0;
}

/* Killed while fal had not yet answered the submit: the run comes back as
 * never confirmed, said so, and Submit Again sends it as the same run. */
static void
test_killed_while_submitting (void)
{
  g_autoptr(FalLocalServer) server = g_object_new (FAL_LOCAL_TYPE_SERVER, "key", KEY, "speed", 2.0, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *ready = NULL;
  g_autoptr(Studio) studio = NULL;
  FalstaffRequestView *view;
  FalstaffRunStore *store;
  FalstaffRun *run = NULL;
  void *args[2];

  g_assert_true (fal_local_server_start (server, &error));
  studio_add_fault (fal_local_server_get_url (server), "POST", "^/queue/" ENDPOINT "$", "stall", 1);
  ready = run_child_and_kill_when (fal_local_server_get_url (server), "SUBMITTING", submit_seen);
  g_assert_cmpstr (ready, ==, "-");

  studio = start_again (fal_local_server_get_url (server));
  store = _falstaff_window_get_run_store (studio->window);
  g_assert_cmpuint (count_runs (store, NULL, &run), ==, 1);
  g_assert_true (falstaff_run_needs_submit_again (run));

  /* A person opens it from the History. */
  falstaff_history_view_select (_falstaff_window_get_history_view (studio->window), G_OBJECT (run));
  view = _falstaff_window_get_request_view (studio->window);
  g_assert_true (falstaff_window_get_shown_run (studio->window) == run);
  args[0] = view;
  args[1] = "Never confirmed by fal";
  g_assert_true (falstaff_test_wait_until (status_is, args, 5000));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "never-confirmed"));
  falstaff_test_click (falstaff_request_view_get_submit_again_button (view));

  g_assert_true (falstaff_test_wait_until (run_is_completed, run, 60000));
  g_assert_nonnull (falstaff_run_get_request_id (run));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_nonnull (falstaff_run_get_result (run));
  /* The stalled submit and the one sent again. */
  g_assert_cmpuint (count_submits (fal_local_server_get_url (server)), ==, 2);
  g_assert_false (gtk_widget_get_visible (falstaff_request_view_get_submit_again_button (view)));
  fal_local_server_stop (server);
}

static void
test_killed_in_queue (void)
{
  kill_and_restart ("IN_QUEUE", TRUE, 0);
}

static void
test_killed_running (void)
{
  kill_and_restart ("IN_PROGRESS", FALSE, 0);
}

static void
test_killed_then_fal_away (void)
{
  kill_and_restart ("IN_PROGRESS", FALSE, 3000);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  self_path = argv[0];
  studio_fixture_init (&argc, &argv);
  if (g_getenv ("FALSTAFF_CRASH_CHILD"))
    g_test_add_func ("/crash/child", child_main);
  else
    {
      g_test_add_func ("/crash/killed-in-queue", test_killed_in_queue);
      g_test_add_func ("/crash/killed-running", test_killed_running);
      g_test_add_func ("/crash/killed-then-fal-away", test_killed_then_fal_away);
      g_test_add_func ("/crash/killed-while-submitting", test_killed_while_submitting);
    }
  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
