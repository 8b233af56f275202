/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib/gstdio.h>

#include "bench-common.h"
#include "bench-config.h"
#include "fal-schema-cache.h"

/* Launch to first frame, and idle RSS, of the real `falstaff` binary as a
 * returning user starts it: a key (FAL_KEY), the last endpoint restored
 * from GSettings (keyfile backend, pre-written) and its schema in the
 * cache (warmed with `falctl schema`, which writes the same cache), the
 * API a `falctl serve` of its own (FALSTAFF_LOCAL_URL), no Secret Service.
 * The reference, launched in the same run with the same environment and
 * renderer settings (GSK_RENDERER=cairo GDK_DEBUG=gl-disable), is
 * bench-minimal-window: an AdwApplicationWindow with a header bar and a
 * status page.
 *
 * The first frame is observed from outside: with
 * FALSTAFF_BENCH_FIRST_FRAME=1 both programs print
 * "first-frame <g_get_monotonic_time () µs>" on stderr from the first
 * `after-paint` of their window's frame clock while it is mapped.
 * CLOCK_MONOTONIC is shared by every process, so exec → first frame is that
 * figure minus the time taken just before the spawn. Idle RSS is VmRSS
 * --settle-ms after the first frame; VmHWM (peak) is printed beside it. */

#define KIB_PER_MIB 1024.0
#define FIRST_FRAME_TIMEOUT_S 30

static char *opt_falstaff = NULL;
static char *opt_minimal = NULL;
static char *opt_falctl = NULL;
static char *opt_schema_dir = NULL;
static char *opt_endpoint = NULL;
static int opt_repeat = 5;
static int opt_settle_ms = 2000;
static double opt_goal_ratio = 1.5;
static double opt_goal_rss_mib = 25;
static gboolean opt_verbose = FALSE;
static gboolean opt_no_restore = FALSE;

typedef struct {
  double first_frame_ms;
  double rss_mib;
  double hwm_mib;
  guint schema_fetches;       /* openapi GETs the server saw during the launch */
  guint schema_revalidated;   /* of them, answered 304 (the cached copy) */
  gboolean ok;
} Launch;

typedef struct {
  const char *name;
  const char *path;
  GArray *launches;           /* Launch */
} Program;

/* ------------------------------------------------------------------ one launch */

typedef struct {
  GMainLoop *loop;
  GDataInputStream *stderr_lines;
  gint64 first_frame;         /* the child's monotonic µs, or 0 */
  gboolean eof;
  GString *other;             /* other stderr lines, for failures */
} Child;

static void read_next_line (Child *child);

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Child *child = data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);

  if (line == NULL)
    {
      child->eof = TRUE;
      g_main_loop_quit (child->loop);
      return;
    }
  if (g_str_has_prefix (line, "first-frame ") && child->first_frame == 0)
    {
      child->first_frame = g_ascii_strtoll (line + strlen ("first-frame "), NULL, 10);
      g_main_loop_quit (child->loop);
    }
  else
    {
      if (opt_verbose)
        g_printerr ("  | %s\n", line);
      if (child->other->len < 16384)
        g_string_append_printf (child->other, "  | %s\n", line);
    }
  read_next_line (child);
}

static void
read_next_line (Child *child)
{
  g_data_input_stream_read_line_async (child->stderr_lines, G_PRIORITY_DEFAULT, NULL, line_read_cb, child);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* Runs the loop for ms, or until something quits it. */
static void
run_for (GMainLoop *loop,
         guint      ms)
{
  GSource *timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, quit_cb, loop, NULL);
  g_source_attach (timeout, NULL);
  g_main_loop_run (loop);
  g_source_destroy (timeout);
  g_source_unref (timeout);
}

/* Iterates until the timeout; keeps reading the child's stderr. */
static void
wait_ms (Child *child,
         guint  ms)
{
  gint64 end = g_get_monotonic_time () + ms * (gint64) 1000;
  gint64 now;

  while ((now = g_get_monotonic_time ()) < end)
    run_for (child->loop, (guint) ((end - now + 999) / 1000));
}

/* openapi GETs in the server's request log, and how many were 304; then
 * the log is cleared for the next launch. */
static void
count_schema_fetches (SoupSession *control,
                      const char  *base,
                      guint       *fetches,
                      guint       *revalidated)
{
  g_autofree char *url = g_strconcat (base, "/__control/requests", NULL);
  g_autoptr(SoupMessage) get = bench_message_new_json ("GET", url, NULL);
  g_autoptr(SoupMessage) clear = bench_message_new_json ("DELETE", url, NULL);
  g_autoptr(GBytes) bytes = bench_send_and_read (control, get, NULL);
  g_autoptr(GBytes) cleared = bench_send_and_read (control, clear, NULL);
  g_autofree char *text = bytes ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes)) : NULL;
  g_autoptr(JsonNode) node = text ? json_from_string (text, NULL) : NULL;
  JsonArray *log = node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;

  *fetches = *revalidated = 0;
  for (guint i = 0; log && i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (strstr (json_object_get_string_member (entry, "path"), "openapi"))
        {
          (*fetches)++;
          if (json_object_get_int_member (entry, "status") == 304)
            (*revalidated)++;
        }
    }
}

static gboolean
launch_once (const Program  *program,
             char          **environ,
             SoupSession    *control,
             const char     *server_url,
             Launch         *launch)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Child child = { .loop = loop, .other = g_string_new (NULL) };
  gint64 start, deadline;
  int pid;

  memset (launch, 0, sizeof *launch);
  g_subprocess_launcher_set_environ (launcher, environ);
  start = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawn (launcher, &error, program->path, NULL);
  if (process == NULL)
    {
      g_printerr ("bench-launch: %s: %s\n", program->path, error->message);
      g_string_free (child.other, TRUE);
      return FALSE;
    }
  pid = atoi (g_subprocess_get_identifier (process));
  child.stderr_lines = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  read_next_line (&child);

  deadline = start + FIRST_FRAME_TIMEOUT_S * G_USEC_PER_SEC;
  while (child.first_frame == 0 && !child.eof && g_get_monotonic_time () < deadline)
    run_for (loop, 100);

  if (child.first_frame != 0)
    {
      launch->first_frame_ms = (child.first_frame - start) / 1000.0;
      if (opt_verbose)
        g_printerr ("  | (spawned at %" G_GINT64_FORMAT ", first frame at %" G_GINT64_FORMAT ")\n", start, child.first_frame);
      wait_ms (&child, opt_settle_ms);
      launch->rss_mib = bench_proc_status_kib (pid, "VmRSS") / KIB_PER_MIB;
      launch->hwm_mib = bench_proc_status_kib (pid, "VmHWM") / KIB_PER_MIB;
      launch->ok = launch->rss_mib > 0 && !child.eof;
    }
  if (!launch->ok)
    g_printerr ("bench-launch: %s %s\n%s", program->path,
                child.eof ? "exited before its first frame" : "showed no first frame in time (is there a display?)",
                child.other->str);

  g_subprocess_send_signal (process, SIGTERM);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!child.eof && g_get_monotonic_time () < deadline)
    run_for (loop, 100);
  if (!child.eof)
    g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
  /* The pending read ends with the pipe; let it finish before the
   * stream goes. */
  while (!child.eof)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&child.stderr_lines);
  g_string_free (child.other, TRUE);

  count_schema_fetches (control, server_url, &launch->schema_fetches, &launch->schema_revalidated);
  return launch->ok;
}

/* ------------------------------------------------------------------ setup */

/* A home of its own: the GSettings keyfile with the last endpoint, and an
 * empty cache (warmed below). */
static gboolean
prepare_home (const char  *root,
              GError     **error)
{
  const char *dirs[] = { "home", "config/glib-2.0/settings", "cache", "data", "state" };
  g_autofree char *keyfile = g_build_filename (root, "config", "glib-2.0", "settings", "keyfile", NULL);
  g_autofree char *contents = opt_no_restore ? g_strdup ("[io/github/falstaff/Falstaff]\n")
                                             : g_strdup_printf ("[io/github/falstaff/Falstaff]\n"
                                                                "last-endpoint='%s'\n"
                                                                "recent-endpoints=['%s']\n",
                                                                opt_endpoint, opt_endpoint);

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (root, dirs[i], NULL);

      if (g_mkdir_with_parents (path, 0700) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", path);
          return FALSE;
        }
    }
  return g_file_set_contents (keyfile, contents, -1, error);
}

static char **
child_environ (const char *root,
               const char *server_url)
{
  char **env = g_get_environ ();
  g_autofree char *home = g_build_filename (root, "home", NULL);
  g_autofree char *config = g_build_filename (root, "config", NULL);
  g_autofree char *cache = g_build_filename (root, "cache", NULL);
  g_autofree char *data = g_build_filename (root, "data", NULL);
  g_autofree char *state = g_build_filename (root, "state", NULL);
  const char *unset[] = { "FAL_KEY_ID", "FAL_KEY_SECRET", "FALSTAFF_PROXY_URL", "FALSTAFF_QUEUE_URL",
                          "FALSTAFF_RUN_URL", "FALSTAFF_REST_URL", "FALSTAFF_WEB_URL", "G_MESSAGES_DEBUG",
                          "GTK_DEBUG", "GSK_DEBUG", "GDK_BACKEND" };

  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    env = g_environ_unsetenv (env, unset[i]);
  env = g_environ_setenv (env, "GSK_RENDERER", "cairo", TRUE);
  env = g_environ_setenv (env, "GDK_DEBUG", "gl-disable", TRUE);
  env = g_environ_setenv (env, "FALSTAFF_BENCH_FIRST_FRAME", "1", TRUE);
  env = g_environ_setenv (env, "FAL_KEY", BENCH_KEY, TRUE);
  env = g_environ_setenv (env, "FALSTAFF_LOCAL_URL", server_url, TRUE);
  env = g_environ_setenv (env, "FALSTAFF_SECRET_SERVICE", "0", TRUE);
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "keyfile", TRUE);
  env = g_environ_setenv (env, "HOME", home, TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", data, TRUE);
  env = g_environ_setenv (env, "XDG_STATE_HOME", state, TRUE);
  if (opt_schema_dir)
    env = g_environ_setenv (env, "GSETTINGS_SCHEMA_DIR", opt_schema_dir, TRUE);
  return env;
}

/* `falctl schema ENDPOINT` writes the cache the app reads (both go
 * through fal_client_fetch_schema_async); then the files must be there. */
static gboolean
warm_schema_cache (char       **env,
                   const char  *root,
                   GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *stem = fal_schema_cache_file_stem (opt_endpoint);
  g_autofree char *name = g_strconcat (stem, ".json", NULL);
  g_autofree char *etag_name = g_strconcat (stem, ".etag", NULL);
  g_autofree char *document = g_build_filename (root, "cache", "falstaff", "schemas", name, NULL);
  g_autofree char *etag = g_build_filename (root, "cache", "falstaff", "schemas", etag_name, NULL);

  g_subprocess_launcher_set_environ (launcher, env);
  process = g_subprocess_launcher_spawn (launcher, error, opt_falctl, "schema", opt_endpoint, NULL);
  if (process == NULL || !g_subprocess_wait_check (process, NULL, error))
    return FALSE;
  if (!g_file_test (document, G_FILE_TEST_IS_REGULAR) || !g_file_test (etag, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "falctl schema left no %s and %s", document, etag);
      return FALSE;
    }
  return TRUE;
}

/* bench-minimal-window beside this program (both are built in bench/). */
static char *
default_minimal_path (void)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : g_strdup (".");

  return g_build_filename (dir, "bench-minimal-window", NULL);
}

static gboolean
remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                                                   G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children && (info = g_file_enumerator_next_file (children, NULL, NULL)))
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  return g_rmdir (path) == 0;
}

/* ------------------------------------------------------------------ figures */

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

typedef struct {
  double median, min, max;
} Spread;

static Spread
spread (GArray *launches,
        gsize   offset)
{
  g_autofree double *values = g_new (double, MAX (launches->len, 1));
  Spread s = { 0 };

  for (guint i = 0; i < launches->len; i++)
    values[i] = G_STRUCT_MEMBER (double, &g_array_index (launches, Launch, i), offset);
  if (launches->len == 0)
    return s;
  qsort (values, launches->len, sizeof (double), compare_doubles);
  s.median = launches->len % 2 ? values[launches->len / 2]
                               : (values[launches->len / 2 - 1] + values[launches->len / 2]) / 2;
  s.min = values[0];
  s.max = values[launches->len - 1];
  return s;
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "falstaff", 0, 0, G_OPTION_ARG_FILENAME, &opt_falstaff, "The falstaff binary"
#ifdef BENCH_FALSTAFF
      " (default: the build's)"
#endif
      , "PATH" },
    { "minimal", 0, 0, G_OPTION_ARG_FILENAME, &opt_minimal, "The reference (default: bench-minimal-window beside this program)", "PATH" },
    { "falctl", 0, 0, G_OPTION_ARG_FILENAME, &opt_falctl, "falctl, for serve and schema (default: the build's)", "PATH" },
    { "schema-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_schema_dir, "GSETTINGS_SCHEMA_DIR for the app"
#ifdef BENCH_SCHEMA_DIR
      " (default: the build's)"
#else
      " (default: the installed schemas)"
#endif
      , "DIR" },
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &opt_endpoint, "The last endpoint to restore (fal-ai/fast-sdxl)", "ID" },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &opt_repeat, "Launches of each program (5; medians printed)", "N" },
    { "settle-ms", 0, 0, G_OPTION_ARG_INT, &opt_settle_ms, "Idle RSS is read this long after the first frame (2000)", "MS" },
    { "goal-ratio", 0, 0, G_OPTION_ARG_DOUBLE, &opt_goal_ratio, "Goal: first frame within this many times the reference's (1.5)", "X" },
    { "goal-rss", 0, 0, G_OPTION_ARG_DOUBLE, &opt_goal_rss_mib, "Goal: idle RSS within the reference's plus this (25)", "MIB" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Show the programs' stderr", NULL },
    { "no-restore", 0, 0, G_OPTION_ARG_NONE, &opt_no_restore, "No last endpoint (to see what restoring it costs)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- falstaff: exec → first frame and idle RSS, beside a minimal libadwaita window");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchServer) server = NULL;
  g_autoptr(SoupSession) control = NULL;
  g_autofree char *root = NULL;
  g_auto(GStrv) env = NULL;
  Program programs[2] = { { "minimal window" }, { "falstaff" } };
  gboolean ok = TRUE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || opt_repeat < 1 || opt_settle_ms < 0)
    {
      g_printerr ("bench-launch: %s\n", error ? error->message : "--repeat must be ≥ 1, --settle-ms ≥ 0");
      return 2;
    }
#ifdef BENCH_FALSTAFF
  if (opt_falstaff == NULL)
    opt_falstaff = g_strdup (BENCH_FALSTAFF);
#endif
#ifdef BENCH_SCHEMA_DIR
  if (opt_schema_dir == NULL)
    opt_schema_dir = g_strdup (BENCH_SCHEMA_DIR);
#endif
  if (opt_falstaff == NULL)
    {
      g_printerr ("bench-launch: give --falstaff PATH\n");
      return 2;
    }
  if (opt_minimal == NULL)
    opt_minimal = default_minimal_path ();
  if (opt_falctl == NULL)
    opt_falctl = g_strdup (BENCH_FALCTL);
  if (opt_endpoint == NULL)
    opt_endpoint = g_strdup ("fal-ai/fast-sdxl");
  programs[0].path = opt_minimal;
  programs[1].path = opt_falstaff;

  root = g_dir_make_tmp ("bench-launch-XXXXXX", &error);
  if (root == NULL || !prepare_home (root, &error))
    {
      g_printerr ("bench-launch: %s\n", error->message);
      return 1;
    }
  server = bench_server_spawn (opt_falctl, 1.0, 2, &error);
  if (server == NULL)
    {
      g_printerr ("bench-launch: %s\n", error->message);
      remove_tree (root);
      return 1;
    }
  control = bench_session_new (2);
  env = child_environ (root, bench_server_get_url (server));
  if (!warm_schema_cache (env, root, &error))
    {
      g_printerr ("bench-launch: warming the schema cache: %s\n", error->message);
      remove_tree (root);
      return 1;
    }

  printf ("bench-launch: exec → first frame (first after-paint of the window while mapped) and idle RSS "
          "(VmRSS %d ms after it), %d launches of each, alternating, after one warm-up launch each; medians.\n"
          "  environment of both: GSK_RENDERER=cairo GDK_DEBUG=gl-disable, FAL_KEY set, FALSTAFF_LOCAL_URL=%s "
          "(falctl serve), FALSTAFF_SECRET_SERVICE=0, GSETTINGS_BACKEND=keyfile with last-endpoint='%s', "
          "its schema cached%s; HOME and XDG_* under %s.\n"
          "  falstaff: %s\n  reference: %s\n",
          opt_settle_ms, opt_repeat, bench_server_get_url (server), opt_endpoint,
          opt_no_restore ? " (--no-restore: last-endpoint left empty)" : "", root, opt_falstaff, opt_minimal);
  fflush (stdout);

  for (guint p = 0; p < G_N_ELEMENTS (programs); p++)
    {
      Launch warmup;

      programs[p].launches = g_array_new (FALSE, TRUE, sizeof (Launch));
      ok &= launch_once (&programs[p], env, control, bench_server_get_url (server), &warmup);
    }
  for (int i = 0; ok && i < opt_repeat; i++)
    for (guint p = 0; p < G_N_ELEMENTS (programs); p++)
      {
        Launch launch;

        if (!launch_once (&programs[p], env, control, bench_server_get_url (server), &launch))
          {
            ok = FALSE;
            break;
          }
        g_array_append_val (programs[p].launches, launch);
        printf ("  launch %d %-14s first frame %6.1f ms, idle RSS %5.1f MiB, peak %5.1f MiB",
                i + 1, programs[p].name, launch.first_frame_ms, launch.rss_mib, launch.hwm_mib);
        if (p == 1)
          printf (", schema: %u fetch%s, %u answered 304 from the cached copy's ETag",
                  launch.schema_fetches, launch.schema_fetches == 1 ? "" : "es", launch.schema_revalidated);
        printf ("\n");
        fflush (stdout);
      }

  if (ok)
    {
      Spread ref_time = spread (programs[0].launches, G_STRUCT_OFFSET (Launch, first_frame_ms));
      Spread app_time = spread (programs[1].launches, G_STRUCT_OFFSET (Launch, first_frame_ms));
      Spread ref_rss = spread (programs[0].launches, G_STRUCT_OFFSET (Launch, rss_mib));
      Spread app_rss = spread (programs[1].launches, G_STRUCT_OFFSET (Launch, rss_mib));
      Spread ref_hwm = spread (programs[0].launches, G_STRUCT_OFFSET (Launch, hwm_mib));
      Spread app_hwm = spread (programs[1].launches, G_STRUCT_OFFSET (Launch, hwm_mib));
      double ratio = app_time.median / ref_time.median;
      double rss_goal = ref_rss.median + opt_goal_rss_mib;
      guint revalidated = 0;

      for (guint i = 0; i < programs[1].launches->len; i++)
        revalidated += g_array_index (programs[1].launches, Launch, i).schema_revalidated > 0;

      printf ("results:\n");
      printf ("  exec → first frame: falstaff %.1f ms (%.1f–%.1f) vs minimal window %.1f ms (%.1f–%.1f), same run "
              "→ %.2f× (goal ≤ %.2f×): %s\n",
              app_time.median, app_time.min, app_time.max, ref_time.median, ref_time.min, ref_time.max,
              ratio, opt_goal_ratio, bench_goal_word (ratio <= opt_goal_ratio));
      printf ("  idle RSS: falstaff %.1f MiB (%.1f–%.1f) vs minimal window %.1f MiB (%.1f–%.1f), same run "
              "→ +%.1f MiB (goal ≤ %.1f MiB, the reference + %.0f): %s\n",
              app_rss.median, app_rss.min, app_rss.max, ref_rss.median, ref_rss.min, ref_rss.max,
              app_rss.median - ref_rss.median, rss_goal, opt_goal_rss_mib, bench_goal_word (app_rss.median <= rss_goal));
      printf ("  peak RSS (VmHWM, for comparison): falstaff %.1f MiB vs minimal window %.1f MiB\n",
              app_hwm.median, ref_hwm.median);
      printf ("  last endpoint's schema: revalidated from the cache (304) in %u of %u launches\n",
              revalidated, programs[1].launches->len);
    }

  for (guint p = 0; p < G_N_ELEMENTS (programs); p++)
    g_clear_pointer (&programs[p].launches, g_array_unref);
  remove_tree (root);
  /* Goals are reported, never asserted; only a broken run fails. */
  return ok ? 0 : 1;
}
