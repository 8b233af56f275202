/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <adwaita.h>

#include "fal.h"

#include "bench-common.h"
#include "bench-config.h"
#include "falstaff-memory.h"
#include "falstaff-application.h"
#include "falstaff-image-loader.h"
#include "falstaff-run.h"
#include "falstaff-run-store.h"
#include "falstaff-window.h"
#include "falstaff-window-private.h"

/* The real window in a long session (issue 16), run by this program in a
 * child process of its own (FalstaffApplication and FalstaffWindow, as
 * `falstaff` runs them) against `falctl serve` in another:
 *
 *  idle    CPU of the app's process (% of one core, getrusage over
 *          --idle-seconds) while 8 runs of fal-ai/fast-sdxl wait in the
 *          queue, their status streams open (a server at --idle-speed, so
 *          slow that no run starts, with a keep-alive every --keepalive
 *          ms), and nothing else changes; frames painted meanwhile.
 *          Reference, same run: the same window before the runs, idle.
 *          Goal: < 1 % of one core.
 *  memory  --runs runs (512² images) started through the window, 8 at a
 *          time, the History page shown (its thumbnails load); RSS (after
 *          malloc_trim) and the textures the app decoded and still holds,
 *          after --warm-up runs and at the end. Goal: RSS ≤ +10 %.
 *
 * --wrapper "valgrind …" runs the child under a tool (bench/
 * valgrind-session.sh). */

#define ENDPOINT "fal-ai/fast-sdxl"
#define IN_FLIGHT 8
#define SETTLE_MS 11000

static int opt_idle_seconds = 20;
static int opt_reference_seconds = 10;
static double opt_idle_speed = 0.001;
static int opt_keepalive_ms = 1000;
static int opt_runs = 500;
static int opt_warm_up = 50;
static double opt_memory_speed = 50;
static char *opt_only = NULL;
static char *opt_wrapper = NULL;
static char *opt_child = NULL;
static char *opt_falctl = NULL;
static int opt_deadline_s = 120;

/* ------------------------------------------------------------------ the child: the app */

typedef struct {
  FalstaffWindow *window;
  FalstaffRunStore *store;
  GPtrArray *runs;            /* FalstaffRun started */
  guint frames;
} Child;

static Child child;

static double
self_cpu_s (void)
{
  return bench_cpu_seconds (RUSAGE_SELF);
}

typedef gboolean (*Condition) (gpointer data);

/* Runs the main context until condition holds; FALSE at the deadline. */
static gboolean
wait_until (Condition condition,
            gpointer  data,
            int       seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (!condition (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_main_context_iteration (NULL, TRUE);
    }
  return TRUE;
}

static gboolean
time_passed (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_REMOVE;
}

/* Runs the main loop, doing nothing else, for ms (a timer wakes it at the
 * end: nothing else may). */
static void
run_for (int ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  g_timeout_add (ms, wake_cb, NULL);
  wait_until (time_passed, &until, ms / 1000 + 10);
}

static gboolean
form_ready (gpointer data)
{
  return g_strcmp0 (_falstaff_window_get_form_state (child.window), "form") == 0 &&
         g_strcmp0 (_falstaff_window_get_endpoint_id (child.window), ENDPOINT) == 0 &&
         _falstaff_window_get_form_model (child.window) != NULL;
}

static guint
n_going (void)
{
  guint n = 0;

  for (guint i = 0; i < child.runs->len; i++)
    if (!falstaff_run_is_done (g_ptr_array_index (child.runs, i)))
      n++;
  return n;
}

static gboolean
room (gpointer data)
{
  return n_going () < IN_FLIGHT;
}

static gboolean
all_done (gpointer data)
{
  return n_going () == 0;
}

static gboolean
store_grew (gpointer data)
{
  return g_list_model_get_n_items (G_LIST_MODEL (child.store)) > child.runs->len;
}

static gboolean
all_queued (gpointer data)
{
  for (guint i = 0; i < child.runs->len; i++)
    if (falstaff_run_get_status (g_ptr_array_index (child.runs, i)) != FAL_JOB_IN_QUEUE)
      return FALSE;
  return TRUE;
}

static void
set_input (const char *name,
           const char *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  if (!fal_form_model_set_value (_falstaff_window_get_form_model (child.window), name, node))
    g_error ("the form of %s has no %s", ENDPOINT, name);
}

/* One run, as Ctrl+Enter starts it; returns once it is in the history. */
static void
start_run (guint index)
{
  g_autofree char *prompt = g_strdup_printf ("\"a lighthouse in a storm, take %u\"", index);
  g_autoptr(FalstaffRun) run = NULL;

  set_input ("prompt", prompt);
  gtk_widget_activate_action (GTK_WIDGET (child.window), "win.run", NULL);
  if (!wait_until (store_grew, NULL, opt_deadline_s))
    g_error ("run %u never reached the history", index);
  run = g_list_model_get_item (G_LIST_MODEL (child.store), 0);
  g_ptr_array_add (child.runs, g_steal_pointer (&run));
}

static void
after_paint_cb (GdkFrameClock *clock,
                gpointer       data)
{
  child.frames++;
}

/* What may draw frames on its own: mapped spinners that spin. */
static guint
list_animated (GtkWidget *widget,
               gboolean   print)
{
  guint n = 0;

  if (GTK_IS_SPINNER (widget) && gtk_spinner_get_spinning (GTK_SPINNER (widget)))
    {
      if (print)
        {
          printf ("    a spinner spinning (%s), in", gtk_widget_get_mapped (widget) ? "mapped" : "unmapped");
          for (GtkWidget *p = gtk_widget_get_parent (widget); p; p = gtk_widget_get_parent (p))
            if (g_str_has_prefix (G_OBJECT_TYPE_NAME (p), "Falstaff"))
              printf (" %s", G_OBJECT_TYPE_NAME (p));
          printf ("\n");
        }
      n++;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (widget); c; c = gtk_widget_get_next_sibling (c))
    n += list_animated (c, print);
  return n;
}

static guint
frames_in (int ms)
{
  guint frames = child.frames;

  run_for (ms);
  return child.frames - frames;
}

typedef struct {
  double cpu_percent;
  guint frames;
} Idle;

static void
measure_idle (int    seconds,
              Idle  *idle)
{
  gint64 began = g_get_monotonic_time ();
  double cpu = self_cpu_s ();
  guint frames = child.frames;

  if (g_getenv ("BENCH_SESSION_DEBUG"))
    {
      printf ("    frames a second:");
      for (int i = 0; i < seconds; i++)
        printf (" %u", frames_in (1000));
      printf ("\n");
    }
  else
    run_for (seconds * 1000);
  idle->cpu_percent = 100.0 * (self_cpu_s () - cpu) / ((g_get_monotonic_time () - began) / (double) G_USEC_PER_SEC);
  idle->frames = child.frames - frames;
  if (g_getenv ("BENCH_SESSION_DEBUG"))
    {
      list_animated (GTK_WIDGET (child.window), TRUE);
      printf ("    window %d×%d, form view mapped %d, request view mapped %d, picker mapped %d\n",
              gtk_widget_get_width (GTK_WIDGET (child.window)), gtk_widget_get_height (GTK_WIDGET (child.window)),
              gtk_widget_get_mapped (GTK_WIDGET (_falstaff_window_get_form_view (child.window))),
              gtk_widget_get_mapped (GTK_WIDGET (_falstaff_window_get_request_view (child.window))),
              gtk_widget_get_mapped (GTK_WIDGET (_falstaff_window_get_picker (child.window))));
    }
}

static void
child_idle (void)
{
  Idle reference, queued;

  /* The window as a person leaves it: the form shown, nothing going.
   * GTK blinks the cursor of the focused field (a frame per frame clock
   * tick, ~60 a second) for 10 s after the last input
   * (gtk-cursor-blink-timeout): measured after that. */
  run_for (SETTLE_MS);
  measure_idle (opt_reference_seconds, &reference);

  set_input ("image_size", "\"square\"");
  for (guint i = 0; i < IN_FLIGHT; i++)
    start_run (i);
  if (!wait_until (all_queued, NULL, opt_deadline_s))
    g_error ("the 8 runs are not all in the queue");
  /* Their status streams opened, the first positions shown, the cursor
   * still. */
  run_for (SETTLE_MS);
  measure_idle (opt_idle_seconds, &queued);
  if (!all_queued (NULL))
    printf ("  (a run left the queue while measured: the server's --idle-speed is too fast)\n");

  printf ("bench-session idle: the window with 8 runs of %s waiting in the queue (their status streams open, "
          "a keep-alive every %d ms), nothing else changing (GSK_RENDERER=%s)\n",
          ENDPOINT, opt_keepalive_ms, g_getenv ("GSK_RENDERER"));
  printf ("  CPU: %.2f %% of one core over %d s, %u frames painted (%.1f/s)\n", queued.cpu_percent, opt_idle_seconds,
          queued.frames, queued.frames / (double) opt_idle_seconds);
  printf ("  reference, the same window idle before the runs: %.2f %% over %d s, %u frames (%.1f/s)\n",
          reference.cpu_percent, opt_reference_seconds, reference.frames,
          reference.frames / (double) opt_reference_seconds);
  bench_result ("idle.cpu-8-queued", "CPU while 8 runs wait in the queue", queued.cpu_percent, "%",
                reference.cpu_percent, "the window idle, no runs", "<", 1.0);
  bench_result ("idle.frames-8-queued", "frames/s while 8 runs wait in the queue",
                queued.frames / (double) opt_idle_seconds, "frames/s",
                reference.frames / (double) opt_reference_seconds, "the window idle, no runs", NULL, 0);
}

typedef struct {
  double rss_mib;
  double heap_mib;
  guint textures;
  double texture_mib;
} Mark;

static void
mark (Mark       *m,
      const char *when)
{
  struct mallinfo2 info;
  gint64 bytes = 0;

  /* Downloads and decodes finished, thumbnails shown. */
  run_for (1500);
  malloc_trim (0);
  info = mallinfo2 ();
  m->heap_mib = (info.uordblks + info.hblkhd) / 1048576.0;
  m->rss_mib = bench_proc_status_kib (getpid (), "VmRSS") / 1024.0;
  m->textures = falstaff_texture_count_live (&bytes);
  m->texture_mib = bytes / 1048576.0;
  printf ("  %s: VmRSS %.1f MiB, heap in use %.1f MiB, %u decoded textures alive (%.2f MiB of pixels)\n", when,
          m->rss_mib, m->heap_mib, m->textures, m->texture_mib);
  fflush (stdout);
}

static void
child_memory (void)
{
  GtkWidget *history = GTK_WIDGET (_falstaff_window_get_history_view (child.window));
  Mark warm, mid, end;
  gboolean have_mid = FALSE;
  gint64 began = g_get_monotonic_time ();

  printf ("bench-session memory: %d runs of %s (512² images) started in the window, %d at a time, "
          "the History page shown (GSK_RENDERER=%s)\n",
          opt_runs, ENDPOINT, IN_FLIGHT, g_getenv ("GSK_RENDERER"));
  /* The History page, as the sidebar's switcher shows it: its rows load
   * their thumbnails. */
  gtk_stack_set_visible_child_name (GTK_STACK (gtk_widget_get_ancestor (history, GTK_TYPE_STACK)), "history");
  set_input ("image_size", "\"square\"");
  for (int i = 0; i < opt_runs; i++)
    {
      if (!wait_until (room, NULL, opt_deadline_s))
        g_error ("no run ended in %d s", opt_deadline_s);
      start_run (i);
      if (i + 1 == opt_warm_up)
        {
          if (!wait_until (all_done, NULL, opt_deadline_s))
            g_error ("runs still going after %d s", opt_deadline_s);
          mark (&warm, "after the warm-up");
        }
      else if (i + 1 == opt_runs / 2 && opt_runs / 2 > opt_warm_up)
        {
          if (!wait_until (all_done, NULL, opt_deadline_s))
            g_error ("runs still going after %d s", opt_deadline_s);
          mark (&mid, "half way");
          have_mid = TRUE;
        }
      else if ((i + 1) % 100 == 0)
        printf ("  %d runs: VmRSS %.1f MiB\n", i + 1, bench_proc_status_kib (getpid (), "VmRSS") / 1024.0);
    }
  if (!wait_until (all_done, NULL, opt_deadline_s))
    g_error ("runs still going after %d s", opt_deadline_s);
  mark (&end, "at the end");
  for (guint i = 0; i < child.runs->len; i++)
    if (falstaff_run_get_status (g_ptr_array_index (child.runs, i)) != FAL_JOB_COMPLETED)
      g_error ("run %u ended %d", i, falstaff_run_get_status (g_ptr_array_index (child.runs, i)));
  printf ("  %u runs, all completed, in %.1f s\n", child.runs->len,
          (g_get_monotonic_time () - began) / (double) G_USEC_PER_SEC);
  bench_result ("memory.500-runs", "RSS after 500 finished runs", end.rss_mib, "MiB", warm.rss_mib,
                "after the first 50", "ratio<=", 1.10);
  /* The History's GtkListView binds up to ~200 rows (GTK 4.8), each with
   * its widgets and thumbnail: that pool fills over the first 200 runs.
   * From half way on, what grows is per run. */
  if (have_mid)
    bench_result ("memory.500-runs-second-half", "RSS growth over the second half of 500 runs", end.rss_mib, "MiB",
                  mid.rss_mib, "half way (the History's row pool full)", "ratio<=", 1.10);
  bench_result ("memory.500-runs-textures", "decoded textures held after 500 runs", end.texture_mib, "MiB",
                warm.texture_mib, "after the first 50", "ratio<=", 1.10);
}

static gboolean
drive_cb (gpointer data)
{
  GtkApplication *app = data;

  child.window = FALSTAFF_WINDOW (gtk_application_get_active_window (app));
  g_assert (child.window != NULL);
  child.store = _falstaff_window_get_run_store (child.window);
  child.runs = g_ptr_array_new_with_free_func (g_object_unref);
  if (!wait_until (form_ready, NULL, opt_deadline_s))
    g_error ("the form of %s never showed", ENDPOINT);
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (child.window)), "after-paint",
                    G_CALLBACK (after_paint_cb), NULL);

  if (g_strcmp0 (opt_child, "idle") == 0)
    child_idle ();
  else
    child_memory ();
  fflush (stdout);

  /* Whatever still runs is cancelled at fal on the way out. */
  g_ptr_array_unref (child.runs);
  gtk_window_destroy (GTK_WINDOW (child.window));
  g_application_quit (G_APPLICATION (app));
  return G_SOURCE_REMOVE;
}

static void
activated_cb (GApplication *app)
{
  g_idle_add (drive_cb, app);
}

static int
run_child (const char *argv0)
{
  g_autoptr(FalstaffApplication) app = falstaff_application_new ();
  char *argv[] = { (char *) argv0, NULL };

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  /* After the class handler, which makes and presents the window. */
  g_signal_connect_after (app, "activate", G_CALLBACK (activated_cb), NULL);
  return g_application_run (G_APPLICATION (app), 1, argv);
}

/* ------------------------------------------------------------------ the parent */

static GSubprocess *
spawn_server (double   speed,
              char   **url,
              GError **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  char speed_text[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *keepalive = g_strdup_printf ("%d", opt_keepalive_ms);

  g_ascii_dtostr (speed_text, sizeof speed_text, speed);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error, opt_falctl, "serve", "--port", "0", "--speed",
                              speed_text, "--runners", "64", "--keepalive", keepalive, NULL);
  if (process == NULL)
    return NULL;
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, error);
  if (line == NULL || !g_str_has_prefix (line, "listening "))
    {
      g_subprocess_force_exit (process);
      if (error && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "falctl serve did not say where it listens");
      return NULL;
    }
  *url = g_strdup (line + strlen ("listening "));
  return g_steal_pointer (&process);
}

static void
add_option (GStrvBuilder *argv,
            const char   *name,
            int           value)
{
  g_autofree char *text = g_strdup_printf ("%s=%d", name, value);

  g_strv_builder_add (argv, text);
}

static gboolean
run_phase (const char *self,
           const char *phase,
           double      speed)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("bench-session-XXXXXX", &error);
  g_autofree char *url = NULL;
  g_autoptr(GSubprocess) server = NULL;
  g_autoptr(GSubprocess) app = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GStrvBuilder) argv = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  g_auto(GStrv) env = NULL;
  gboolean ok;

  if (root == NULL || !bench_app_prepare_home (root, ENDPOINT, &error) ||
      (server = spawn_server (speed, &url, &error)) == NULL)
    {
      fprintf (stderr, "bench-session: %s\n", error->message);
      return FALSE;
    }
  env = bench_app_environ (root, url, BENCH_SCHEMA_DIR);
  /* Only the first frame's line: nothing else on stderr. */
  env = g_environ_unsetenv (env, "FALSTAFF_BENCH_FIRST_FRAME");
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_environ (launcher, env);

  if (opt_wrapper)
    {
      g_auto(GStrv) wrapper = NULL;

      if (!g_shell_parse_argv (opt_wrapper, NULL, &wrapper, &error))
        {
          fprintf (stderr, "bench-session: --wrapper: %s\n", error->message);
          return FALSE;
        }
      g_strv_builder_addv (argv, (const char **) wrapper);
    }
  g_strv_builder_add_many (argv, self, "--child", phase, NULL);
  add_option (argv, "--runs", opt_runs);
  add_option (argv, "--warm-up", opt_warm_up);
  add_option (argv, "--idle-seconds", opt_idle_seconds);
  add_option (argv, "--reference-seconds", opt_reference_seconds);
  add_option (argv, "--keepalive", opt_keepalive_ms);
  args = g_strv_builder_end (argv);

  fflush (stdout);
  app = g_subprocess_launcher_spawnv (launcher, (const char * const *) args, &error);
  ok = app && g_subprocess_wait_check (app, NULL, &error);
  if (!ok)
    fprintf (stderr, "bench-session: the %s phase: %s\n", phase, error->message);
  g_subprocess_force_exit (server);
  g_subprocess_wait (server, NULL, NULL);
  bench_remove_tree (root);
  return ok;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  GOptionEntry entries[] = {
    { "idle-seconds", 0, 0, G_OPTION_ARG_INT, &opt_idle_seconds, "Seconds of CPU measured with 8 runs queued (20)", "S" },
    { "reference-seconds", 0, 0, G_OPTION_ARG_INT, &opt_reference_seconds, "Seconds of the idle reference (10)", "S" },
    { "idle-speed", 0, 0, G_OPTION_ARG_DOUBLE, &opt_idle_speed, "The server's speed while runs wait (0.001, the least: a queue step of 400 s)", "F" },
    { "keepalive", 0, 0, G_OPTION_ARG_INT, &opt_keepalive_ms, "The server's keep-alive interval (1000 ms)", "MS" },
    { "runs", 0, 0, G_OPTION_ARG_INT, &opt_runs, "Runs in the memory phase (500)", "N" },
    { "warm-up", 0, 0, G_OPTION_ARG_INT, &opt_warm_up, "Runs before the first memory mark (50)", "N" },
    { "memory-speed", 0, 0, G_OPTION_ARG_DOUBLE, &opt_memory_speed, "The server's speed in the memory phase (50)", "F" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &opt_only, "One phase: idle or memory", "PHASE" },
    { "wrapper", 0, 0, G_OPTION_ARG_STRING, &opt_wrapper, "Run the app's process under this command", "CMD" },
    { "falctl", 0, 0, G_OPTION_ARG_FILENAME, &opt_falctl, "falctl to serve with", "PATH" },
    { "deadline", 0, 0, G_OPTION_ARG_INT, &opt_deadline_s, "Seconds any one wait may take (120)", "S" },
    { "child", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_child, NULL, NULL },
    { NULL }
  };
  gboolean ok = TRUE;

  /* As the app's main() does. */
  falstaff_memory_init ();
  context = g_option_context_new ("— the window in a long session: idle CPU with runs queued, memory over many runs");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 2;
    }
  if (opt_child)
    return run_child (argv[0]);
  if (opt_falctl == NULL)
    opt_falctl = g_strdup (BENCH_FALCTL);
  opt_warm_up = CLAMP (opt_warm_up, 1, opt_runs);

  if (opt_only == NULL || g_str_equal (opt_only, "idle"))
    ok &= run_phase (argv[0], "idle", opt_idle_speed);
  if (opt_only == NULL || g_str_equal (opt_only, "memory"))
    {
      if (opt_only == NULL)
        printf ("\n");
      ok &= run_phase (argv[0], "memory", opt_memory_speed);
    }
  return ok ? 0 : 1;
}
