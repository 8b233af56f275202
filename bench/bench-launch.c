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
#include "fal-catalog.h"
#include "fal-schema-cache.h"

/* Launch to first frame, and idle RSS, of the real `falstaff` binary as a
 * returning user starts it, in the state issue #16 names: a key (FAL_KEY),
 * the last endpoint restored from GSettings (keyfile backend, pre-written)
 * and its schema in the cache (warmed with `falctl schema`, which writes
 * the same cache), 10,000 runs in the history (written by `bench-history
 * --write`, the store's own writer; --history-runs), fal's catalog kept in
 * ~/.cache/falstaff/catalog.json as the picker keeps it (every model the
 * server lists; --no-catalog), the API a `falctl serve` of its own
 * (FALSTAFF_LOCAL_URL), no Secret Service.
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

static char *opt_falstaff = NULL;
static char *opt_minimal = NULL;
static char *opt_falctl = NULL;
static char *opt_schema_dir = NULL;
static char *opt_endpoint = NULL;
static int opt_repeat = 5;
static int opt_settle_ms = 2000;
static char *opt_history_writer = NULL;
static int opt_history_runs = 10000;
static double opt_goal_ratio = 1.3;
static double opt_goal_rss_mib = 20;
static gboolean opt_verbose = FALSE;
static gboolean opt_no_restore = FALSE;
static gboolean opt_no_catalog = FALSE;
static gboolean opt_keep = FALSE;

typedef struct {
  double first_frame_ms;
  double first_frame_cpu_ms;  /* the main thread's CPU time until then */
  double filled_ms;           /* Falstaff: exec → the studio's panes drawn (its second frame) */
  double filled_cpu_ms;
  double rss_mib;
  double hwm_mib;
  guint schema_fetches;       /* openapi GETs the server saw during the launch */
  guint schema_revalidated;   /* of them, answered 304 (the cached copy) */
  gboolean ok;
} Launch;

typedef struct {
  const char *name;
  const char *path;
  gboolean studio;            /* Falstaff itself: it marks its filled studio too */
  GArray *launches;           /* Launch */
} Program;

/* ------------------------------------------------------------------ one launch */

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
  const char *argv[] = { program->path, NULL };
  const char *marks[] = { "first-frame", program->studio ? "studio-filled" : NULL, NULL };
  BenchLaunch app;

  memset (launch, 0, sizeof *launch);
  bench_launch_app (argv, environ, marks, opt_settle_ms, opt_verbose, "bench-launch", &app);
  if (app.ok)
    {
      launch->first_frame_ms = bench_launch_mark_ms (&app, 0);
      launch->first_frame_cpu_ms = app.mark_extras[0] / 1000.0;
      if (program->studio)
        {
          launch->filled_ms = bench_launch_mark_ms (&app, 1);
          launch->filled_cpu_ms = app.mark_extras[1] / 1000.0;
        }
      if (opt_verbose)
        g_printerr ("  | (spawned at %" G_GINT64_FORMAT ", first frame at %" G_GINT64_FORMAT ")\n",
                    app.spawned_at, app.marks[0]);
      launch->rss_mib = app.rss_mib;
      launch->hwm_mib = app.hwm_mib;
      launch->ok = TRUE;
    }
  count_schema_fetches (control, server_url, &launch->schema_fetches, &launch->schema_revalidated);
  return launch->ok;
}

/* ------------------------------------------------------------------ setup */

/* A program built beside this one in bench/ (bench-minimal-window,
 * bench-history). */
static char *
sibling_path (const char *name)
{
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = self ? g_path_get_dirname (self) : g_strdup (".");

  return g_build_filename (dir, name, NULL);
}

/* runs made-up runs in $XDG_DATA_HOME/falstaff/history.sqlite3, written
 * by bench-history with the store's own schema and writer. */
static gboolean
write_history (const char  *root,
               int          runs,
               GError     **error)
{
  g_autofree char *dir = g_build_filename (root, "data", "falstaff", NULL);
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autofree char *count = g_strdup_printf ("%d", runs);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", dir);
      return FALSE;
    }
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error, opt_history_writer,
                              "--write", path, "--runs", count, NULL);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, NULL, error))
    return FALSE;
  if (!g_subprocess_get_successful (process) || !g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s --write %s failed", opt_history_writer, path);
      return FALSE;
    }
  printf ("  history: %s", out ? out : "\n");
  return TRUE;
}

/* Every model the server's catalog lists, kept as the picker keeps them
 * (falstaff-model-search.c: {"saved_at": unix seconds, "models": [...]}). */
static gboolean
write_catalog (const char  *root,
               const char  *server_url,
               GError     **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(FalClient) client = fal_client_new ();
  g_autoptr(FalCatalog) catalog = NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *dir = g_build_filename (root, "cache", "falstaff", NULL);
  g_autofree char *path = g_build_filename (dir, "catalog.json", NULL);
  g_autofree char *text = NULL;
  g_autofree char *cursor = NULL;
  guint n = 0;

  fal_client_use_local_server (client, server_url);
  catalog = fal_catalog_new (client);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "saved_at");
  json_builder_add_int_value (builder, g_get_real_time () / G_USEC_PER_SEC);
  json_builder_set_member_name (builder, "models");
  json_builder_begin_array (builder);
  do
    {
      FalCatalogQuery query = { .status = FAL_MODEL_STATUS_ANY, .limit = 50 };
      BenchWait wait = { loop, NULL };
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(FalCatalogPage) page = NULL;
      GPtrArray *models;

      fal_catalog_search_async (catalog, &query, cursor, NULL, bench_wait_cb, &wait);
      result = bench_wait_run (&wait);
      page = fal_catalog_search_finish (catalog, result, error);
      if (page == NULL)
        return FALSE;
      models = fal_catalog_page_get_models (page);
      for (guint i = 0; i < models->len; i++)
        {
          JsonNode *model = json_node_new (JSON_NODE_OBJECT);

          json_node_take_object (model, fal_model_to_json (models->pdata[i]));
          json_builder_add_value (builder, model);
        }
      n += models->len;
      g_free (cursor);
      cursor = fal_catalog_page_get_has_more (page) ? g_strdup (fal_catalog_page_get_next_cursor (page)) : NULL;
    }
  while (cursor != NULL);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  text = json_to_string (node, FALSE);
  if (g_mkdir_with_parents (dir, 0700) != 0 || !g_file_set_contents (path, text, -1, error))
    {
      if (error && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", dir);
      return FALSE;
    }
  printf ("  catalog: %u models kept in %s (%zu bytes)\n", n, path, strlen (text));
  return TRUE;
}

/* ------------------------------------------------------------------ figures */

static BenchSpread
spread (GArray *launches,
        gsize   offset)
{
  g_autofree double *values = g_new (double, MAX (launches->len, 1));

  for (guint i = 0; i < launches->len; i++)
    values[i] = G_STRUCT_MEMBER (double, &g_array_index (launches, Launch, i), offset);
  return bench_spread (values, launches->len);
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
    { "goal-ratio", 0, 0, G_OPTION_ARG_DOUBLE, &opt_goal_ratio, "Goal: first frame within this many times the reference's (1.3)", "X" },
    { "goal-rss", 0, 0, G_OPTION_ARG_DOUBLE, &opt_goal_rss_mib, "Goal: idle RSS within the reference's plus this (20)", "MIB" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Show the programs' stderr", NULL },
    { "no-restore", 0, 0, G_OPTION_ARG_NONE, &opt_no_restore, "No last endpoint (to see what restoring it costs)", NULL },
    { "history-runs", 0, 0, G_OPTION_ARG_INT, &opt_history_runs, "Runs in the history (10000; 0: an empty history)", "N" },
    { "history-writer", 0, 0, G_OPTION_ARG_FILENAME, &opt_history_writer, "bench-history, which writes the history (default: beside this program)", "PATH" },
    { "keep", 0, 0, G_OPTION_ARG_NONE, &opt_keep, "Leave the prepared HOME and XDG_* folders (for profiling by hand)", NULL },
    { "no-catalog", 0, 0, G_OPTION_ARG_NONE, &opt_no_catalog, "No kept catalog (to see what it costs)", NULL },
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
  if (!g_option_context_parse (context, &argc, &argv, &error) || opt_repeat < 1 || opt_settle_ms < 0 || opt_history_runs < 0)
    {
      g_printerr ("bench-launch: %s\n", error ? error->message : "--repeat must be ≥ 1, --settle-ms and --history-runs ≥ 0");
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
    opt_minimal = sibling_path ("bench-minimal-window");
  if (opt_history_writer == NULL)
    opt_history_writer = sibling_path ("bench-history");
  if (opt_falctl == NULL)
    opt_falctl = g_strdup (BENCH_FALCTL);
  if (opt_endpoint == NULL)
    opt_endpoint = g_strdup ("fal-ai/fast-sdxl");
  programs[0].path = opt_minimal;
  programs[1].path = opt_falstaff;
  /* Not the PyGObject window given as --falstaff (bench/run's pygobject row). */
  {
    g_autofree char *base = g_path_get_basename (opt_falstaff);

    programs[1].studio = g_str_equal (base, "falstaff");
  }

  root = g_dir_make_tmp ("bench-launch-XXXXXX", &error);
  if (root == NULL || !bench_app_prepare_home (root, opt_no_restore ? NULL : opt_endpoint, &error))
    {
      g_printerr ("bench-launch: %s\n", error->message);
      return 1;
    }
  server = bench_server_spawn (opt_falctl, 1.0, 2, &error);
  if (server == NULL)
    {
      g_printerr ("bench-launch: %s\n", error->message);
      bench_remove_tree (root);
      return 1;
    }
  control = bench_session_new (2);
  env = bench_app_environ (root, bench_server_get_url (server), opt_schema_dir);
  if (!bench_app_warm_schema_cache (env, root, opt_falctl, opt_endpoint, &error))
    {
      g_printerr ("bench-launch: warming the schema cache: %s\n", error->message);
      bench_remove_tree (root);
      return 1;
    }

  if ((opt_history_runs > 0 && !write_history (root, opt_history_runs, &error)) ||
      (!opt_no_catalog && !write_catalog (root, bench_server_get_url (server), &error)))
    {
      g_printerr ("bench-launch: %s\n", error->message);
      bench_remove_tree (root);
      return 1;
    }

  printf ("bench-launch: exec → first frame (first after-paint of the window while mapped) and idle RSS "
          "(VmRSS %d ms after it), %d launches of each, alternating, after one warm-up launch each; medians.\n"
          "  environment of both: GSK_RENDERER=cairo GDK_DEBUG=gl-disable, FAL_KEY set, FALSTAFF_LOCAL_URL=%s "
          "(falctl serve), FALSTAFF_SECRET_SERVICE=0, GSETTINGS_BACKEND=keyfile with last-endpoint='%s', "
          "its schema cached%s; %d runs in the history; %s; HOME and XDG_* under %s.\n"
          "  falstaff: %s\n  reference: %s\n",
          opt_settle_ms, opt_repeat, bench_server_get_url (server), opt_endpoint,
          opt_no_restore ? " (--no-restore: last-endpoint left empty)" : "", opt_history_runs,
          opt_no_catalog ? "no kept catalog" : "the catalog kept", root, opt_falstaff, opt_minimal);
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
        printf ("  launch %d %-14s first frame %6.1f ms (main thread CPU %5.1f ms), idle RSS %5.1f MiB, peak %5.1f MiB",
                i + 1, programs[p].name, launch.first_frame_ms, launch.first_frame_cpu_ms, launch.rss_mib, launch.hwm_mib);
        if (programs[p].studio)
          printf (", studio filled %.1f ms (CPU %.1f ms)", launch.filled_ms, launch.filled_cpu_ms);
        if (p == 1)
          printf (", schema: %u fetch%s, %u answered 304 from the cached copy's ETag",
                  launch.schema_fetches, launch.schema_fetches == 1 ? "" : "es", launch.schema_revalidated);
        printf ("\n");
        fflush (stdout);
      }

  if (ok)
    {
      BenchSpread ref_time = spread (programs[0].launches, G_STRUCT_OFFSET (Launch, first_frame_ms));
      BenchSpread app_time = spread (programs[1].launches, G_STRUCT_OFFSET (Launch, first_frame_ms));
      BenchSpread ref_cpu = spread (programs[0].launches, G_STRUCT_OFFSET (Launch, first_frame_cpu_ms));
      BenchSpread app_cpu = spread (programs[1].launches, G_STRUCT_OFFSET (Launch, first_frame_cpu_ms));
      BenchSpread ref_rss = spread (programs[0].launches, G_STRUCT_OFFSET (Launch, rss_mib));
      BenchSpread app_rss = spread (programs[1].launches, G_STRUCT_OFFSET (Launch, rss_mib));
      BenchSpread ref_hwm = spread (programs[0].launches, G_STRUCT_OFFSET (Launch, hwm_mib));
      BenchSpread app_hwm = spread (programs[1].launches, G_STRUCT_OFFSET (Launch, hwm_mib));
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
      printf ("  main thread's CPU time until the first frame (less moved by a busy machine than the time): "
              "falstaff %.1f ms (%.1f–%.1f) vs minimal window %.1f ms (%.1f–%.1f) → %.2f×\n",
              app_cpu.median, app_cpu.min, app_cpu.max, ref_cpu.median, ref_cpu.min, ref_cpu.max,
              app_cpu.median / ref_cpu.median);
      if (programs[1].studio)
        {
          BenchSpread filled = spread (programs[1].launches, G_STRUCT_OFFSET (Launch, filled_ms));
          BenchSpread filled_cpu = spread (programs[1].launches, G_STRUCT_OFFSET (Launch, filled_cpu_ms));

          printf ("  exec → the studio's panes drawn (the endpoint list, the form pane and the results; the frame "
                  "after the first): %.1f ms (%.1f–%.1f), main thread CPU %.1f ms → %.2f× the minimal window's first frame\n",
                  filled.median, filled.min, filled.max, filled_cpu.median, filled.median / ref_time.median);
          bench_result ("launch.studio-filled", "exec → the studio's panes drawn (the frame after the first)",
                        filled.median, "ms", ref_time.median, "minimal libadwaita window's first frame", NULL, 0);
        }
      printf ("  idle RSS: falstaff %.1f MiB (%.1f–%.1f) vs minimal window %.1f MiB (%.1f–%.1f), same run "
              "→ +%.1f MiB (goal ≤ %.1f MiB, the reference + %.0f): %s\n",
              app_rss.median, app_rss.min, app_rss.max, ref_rss.median, ref_rss.min, ref_rss.max,
              app_rss.median - ref_rss.median, rss_goal, opt_goal_rss_mib, bench_goal_word (app_rss.median <= rss_goal));
      printf ("  peak RSS (VmHWM, for comparison): falstaff %.1f MiB vs minimal window %.1f MiB\n",
              app_hwm.median, ref_hwm.median);
      printf ("  last endpoint's schema: revalidated from the cache (304) in %u of %u launches\n",
              revalidated, programs[1].launches->len);
      g_autofree char *state = g_strdup_printf ("%s, %d runs in the history, %s",
                                                opt_no_restore ? "no endpoint restored" : "endpoint restored",
                                                opt_history_runs, opt_no_catalog ? "no kept catalog" : "catalog kept");
      g_autofree char *time_label = g_strdup_printf ("exec → first frame (%s)", state);
      g_autofree char *rss_label = g_strdup_printf ("idle RSS %d ms after the first frame (%s)", opt_settle_ms, state);

      bench_result ("launch.first-frame", time_label, app_time.median, "ms", ref_time.median, "minimal libadwaita window", "ratio<=", opt_goal_ratio);
      bench_result ("launch.first-frame-cpu", "main thread's CPU time, exec → first frame (same state)",
                    app_cpu.median, "ms", ref_cpu.median, "minimal libadwaita window", NULL, 0);
      bench_result ("launch.idle-rss", rss_label, app_rss.median, "MiB", ref_rss.median, "minimal libadwaita window", "delta<=", opt_goal_rss_mib);
      bench_result ("launch.peak-rss", "peak RSS (VmHWM) at start", app_hwm.median, "MiB",
                    ref_hwm.median, "minimal window", NULL, 0);
    }

  for (guint p = 0; p < G_N_ELEMENTS (programs); p++)
    g_clear_pointer (&programs[p].launches, g_array_unref);
  if (opt_keep)
    printf ("  kept: %s\n", root);
  else
    bench_remove_tree (root);
  /* Goals are reported, never asserted; only a broken run fails. */
  return ok ? 0 : 1;
}
