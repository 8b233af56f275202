/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <adwaita.h>

#include <sys/resource.h>

#include "bench-common.h"
#include "bench-config.h"
#include "fal.h"
#include "fal-local-server.h"
#include "fal-json.h"

#include "falstaff-memory.h"
#include "falstaff-contact-sheet.h"
#include "falstaff-output-keeper.h"
#include "falstaff-run-store.h"

/* Issue 11: a sweep of --runs runs (8 × 8 by default) on a local server
 * fast enough that every run completes almost at once, shown in a
 * FalstaffContactSheet in a visible window while its cells fill in: the
 * sweep's rows written to the history, 64 submits, 64 status streams and
 * results, 64 thumbnails downloaded, decoded (in workers) and drawn.
 *
 * Figures:
 *  - the main loop's longest stall (the longest gap between firings of a
 *    1 ms timer) from the first submit until every cell shows its image;
 *    reference: the same timer over --reference-ms with the window shown
 *    and nothing going on. Goal: < 50 ms.
 *  - the sheet's memory: the process's RSS with the filled sheet shown
 *    minus the RSS with the empty sheet, per cell; reference: the
 *    thumbnail's own pixels (width × height × 4 bytes). Goal: bounded by
 *    the thumbnails: under twice the pixels of a cell, plus 0.5 MiB. */

static int opt_runs_side = 8;
static double opt_speed = 1000.0;
static int opt_reference_ms = 2000;
static int opt_deadline_s = 120;
static double opt_goal_ms = 50;
static gboolean opt_in_process = FALSE;
static gboolean opt_main_thread_nice = FALSE;
static gboolean opt_no_idle_server = FALSE;

/* ------------------------------------------------------------------ X round trips */

/* Every Xlib call that waits for the X server's answer (XSync,
 * XGetGeometry, XGetWindowProperty…) goes through _XReply, which libX11
 * calls through its PLT: defined here (and exported, see meson.build), it
 * counts them and hands on to libX11's. A count, unlike a wall-clock
 * stall, does not depend on how busy the machine is. */
static guint x_round_trips;

typedef int (*XReplyFunc) (void *display, void *reply, int extra, int discard);

int _XReply (void *display, void *reply, int extra, int discard);

int
_XReply (void *display,
         void *reply,
         int   extra,
         int   discard)
{
  static XReplyFunc real;

  if (real == NULL)
    real = (XReplyFunc) dlsym (RTLD_NEXT, "_XReply");
  g_atomic_int_inc (&x_round_trips);
  return real (display, reply, extra, discard);
}

/* ------------------------------------------------------------------ stall probe */

typedef struct {
  GSource *source;
  gint64 last;
  gint64 longest;
  gint64 longest_at;           /* when the longest gap ended */
  guint firings;
} Probe;

static gboolean
probe_cb (gpointer data)
{
  Probe *probe = data;
  gint64 now = g_get_monotonic_time ();

  probe->firings++;
  if (probe->last != 0 && now - probe->last > probe->longest)
    {
      probe->longest = now - probe->last;
      probe->longest_at = now;
    }
  probe->last = now;
  return G_SOURCE_CONTINUE;
}

static void
probe_start (Probe *probe)
{
  memset (probe, 0, sizeof *probe);
  probe->source = g_timeout_source_new (1);
  g_source_set_callback (probe->source, probe_cb, probe, NULL);
  g_source_attach (probe->source, NULL);
}

static void
probe_stop (Probe *probe)
{
  g_source_destroy (probe->source);
  g_clear_pointer (&probe->source, g_source_unref);
}

/* The frames drawn meanwhile: the longest, from the frame clock's
 * update to its after-paint (layout, snapshot, rendering). */
static double
thread_cpu_ms (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

typedef struct {
  gint64 frame_start;
  double cpu_start;
  double longest_cpu;
  gint64 longest;
  gint64 longest_end;
  guint frames;
  guint layouts;              /* layout passes in the current frame */
  guint longest_layouts;      /* … in the longest */
  guint most_layouts;         /* the most in any frame */
  guint toplevel_sizes;       /* the toplevel's size computed, in the current frame */
  guint frames_sizing;        /* frames that computed it */
  guint toplevel_sizes_total;
  guint longest_toplevel_sizes;
  guint x_start;              /* x_round_trips at the frame's start */
  guint longest_x;            /* round trips in the longest frame */
  guint most_x;               /* the most in any frame */
  double most_cpu;            /* the most main-thread CPU in any frame */
  GString *trace;             /* every frame (BENCH_DEBUG) */
  gint64 trace_start;
} Frames;

/* GTK 4.8 computes the toplevel's size (on X11: the work area and the
 * window's place, ~7 round trips) in every frame where a widget queued a
 * resize. */
static void
compute_size_cb (GdkToplevel     *toplevel,
                 GdkToplevelSize *size,
                 Frames          *frames)
{
  frames->toplevel_sizes++;
  frames->toplevel_sizes_total++;
}

static void
frame_layout_cb (GdkFrameClock *clock,
                 Frames        *frames)
{
  frames->layouts++;
}

static void
frame_begin_cb (GdkFrameClock *clock,
                Frames        *frames)
{
  frames->frame_start = g_get_monotonic_time ();
  frames->cpu_start = thread_cpu_ms ();
  frames->layouts = 0;
  frames->toplevel_sizes = 0;
  frames->x_start = g_atomic_int_get (&x_round_trips);
}

static void
frame_end_cb (GdkFrameClock *clock,
              Frames        *frames)
{
  gint64 now = g_get_monotonic_time ();
  double cpu;
  guint x;

  if (frames->frame_start == 0)
    return;
  cpu = thread_cpu_ms () - frames->cpu_start;
  x = g_atomic_int_get (&x_round_trips) - frames->x_start;
  frames->frames++;
  frames->most_layouts = MAX (frames->most_layouts, frames->layouts);
  frames->most_x = MAX (frames->most_x, x);
  frames->most_cpu = MAX (frames->most_cpu, cpu);
  if (frames->toplevel_sizes > 0)
    frames->frames_sizing++;
  if (frames->trace)
    g_string_append_printf (frames->trace, "    frame at %6.1f ms: %5.1f ms, CPU %4.1f ms, %u layouts, %u toplevel sizes, %u X round trips\n",
                            (frames->frame_start - frames->trace_start) / 1000.0, (now - frames->frame_start) / 1000.0,
                            cpu, frames->layouts, frames->toplevel_sizes, x);
  if (now - frames->frame_start > frames->longest)
    {
      frames->longest_layouts = frames->layouts;
      frames->longest = now - frames->frame_start;
      frames->longest_end = now;
      frames->longest_cpu = cpu;
      frames->longest_x = x;
      frames->longest_toplevel_sizes = frames->toplevel_sizes;
    }
  frames->frame_start = 0;
}

static void
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (200), TRUE);
}

/* RSS after glibc gave back what it could, a few frames later. */
static gint64
settled_rss_kib (void)
{
  iterate_for (300);
  return bench_proc_status_kib (getpid (), "VmRSS");
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (!falstaff_run_store_load_finish (FALSTAFF_RUN_STORE (source), result, &error))
    g_error ("bench-sweep: history: %s", error->message);
  *(gboolean *) data = TRUE;
}

static void
flushed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  falstaff_run_store_flush_finish (FALSTAFF_RUN_STORE (source), result, NULL);
  *(gboolean *) data = TRUE;
}

static guint
cells_with_image (FalstaffContactSheet *sheet,
                  guint                *n_failed,
                  int                  *thumb_w,
                  int                  *thumb_h)
{
  guint n = 0;

  *n_failed = 0;
  for (guint r = 0; r < falstaff_contact_sheet_get_n_rows (sheet); r++)
    for (guint c = 0; c < falstaff_contact_sheet_get_n_columns (sheet); c++)
      {
        FalstaffSheetCell *cell = falstaff_contact_sheet_get_cell (sheet, c, r);
        FalstaffRun *run = cell ? falstaff_sheet_cell_get_run (cell) : NULL;
        GdkTexture *texture = cell ? falstaff_sheet_cell_get_texture (cell) : NULL;

        if (texture)
          {
            n++;
            *thumb_w = gdk_texture_get_width (texture);
            *thumb_h = gdk_texture_get_height (texture);
          }
        else if (run && falstaff_run_get_status (run) == FAL_JOB_FAILED)
          (*n_failed)++;
      }
  return n;
}

int
main (int    argc,
      char **argv)
{
  GOptionEntry entries[] = {
    { "side", 0, 0, G_OPTION_ARG_INT, &opt_runs_side, "Runs a side of the grid (8: 64 runs)", "N" },
    { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &opt_speed, "Local server speed (1000: runs end at once)", "X" },
    { "reference-ms", 0, 0, G_OPTION_ARG_INT, &opt_reference_ms, "Idle reference span", "MS" },
    { "deadline", 0, 0, G_OPTION_ARG_INT, &opt_deadline_s, "Give up after", "S" },
    { "in-process", 0, 0, G_OPTION_ARG_NONE, &opt_in_process, "Run the local server on a thread of this process", NULL },
    { "main-thread-nice", 0, 0, G_OPTION_ARG_NONE, &opt_main_thread_nice,
      "Lower only the server's main thread, not its render threads (as before issue #16's fix)", NULL },
    { "no-idle-server", 0, 0, G_OPTION_ARG_NONE, &opt_no_idle_server,
      "Servers at nice 10 only, not SCHED_IDLE too (as before; on an EEVDF kernel they keep a core a slice long)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- a 64-run sweep filling a contact sheet");
  g_autoptr(GError) error = NULL;
  g_autoptr(FalLocalServer) server = NULL;
  g_autoptr(BenchServer) spawned = NULL;
  const char *server_url;
  g_autoptr(FalClient) client = NULL;
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffOutputKeeper) keeper = NULL;
  g_autoptr(JsonNode) description = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *db = NULL;
  g_autofree char *outputs = NULL;
  g_autofree char *thumbs = NULL;
  GPtrArray *runs;
  FalstaffContactSheet *sheet;
  GtkWidget *window;
  Probe probe;
  Frames frames = { 0 };
  gboolean loaded = FALSE, flushed = FALSE;
  gint64 rss_empty, rss_full, reference_us, started, filled_at = 0, sweep_id = 0;
  gint64 t_rows = 0, t_sheet = 0, t_flushed = 0, t_submits = 0;
  guint total, n_images = 0, n_failed = 0;
  int thumb_w = 0, thumb_h = 0;
  double per_cell_mib, pixels_mib, goal_mib;
  int x_pid = bench_x_server_pid ();
  double x_cpu0 = 0, x_cpu1 = 0, cpu0, cpu1, main_cpu0, main_cpu1;
  guint x_trips0, x_trips1;

  /* As the app's main() does. */
  falstaff_memory_init ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || opt_runs_side < 1 || opt_runs_side > 16)
    {
      g_printerr ("bench-sweep: %s\n", error ? error->message : "--side is 1..16");
      return 2;
    }
  bench_server_set_idle_policy (!opt_no_idle_server);
  total = opt_runs_side * opt_runs_side;
  g_setenv ("GSK_RENDERER", g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "cairo", TRUE);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  if (!gtk_init_check ())
    {
      g_printerr ("bench-sweep: no display\n");
      return 2;
    }
  adw_init ();

  dir = g_dir_make_tmp ("bench-sweep-XXXXXX", &error);
  g_assert_no_error (error);
  db = g_build_filename (dir, "history.sqlite3", NULL);
  outputs = g_build_filename (dir, "outputs", NULL);
  thumbs = g_build_filename (dir, "thumbnails", NULL);

  /* Runners enough that the queue takes the whole sweep at once. fal's
   * models run elsewhere: by default the server is a process of its own
   * at a lower priority, so that drawing 64 images does not take the
   * app's CPU as it never would at fal. */
  if (opt_in_process)
    {
      server = g_object_new (FAL_LOCAL_TYPE_SERVER, "port", 0, "speed", opt_speed, "runners", total, NULL);
      if (!fal_local_server_start (server, &error))
        {
          g_printerr ("bench-sweep: server: %s\n", error->message);
          return 1;
        }
      server_url = fal_local_server_get_url (server);
    }
  else
    {
      if ((spawned = bench_server_spawn_niced (BENCH_FALCTL, opt_speed, total, opt_main_thread_nice ? 0 : 10, &error)) == NULL)
        {
          g_printerr ("bench-sweep: server: %s\n", error->message);
          return 1;
        }
      /* --main-thread-nice: as this bench did before, only the server's
       * main thread at nice 10 (its render threads then compete with the
       * app's main thread at nice 0). */
      if (opt_main_thread_nice)
        setpriority (PRIO_PROCESS, bench_server_get_pid (spawned), 10);
      server_url = bench_server_get_url (spawned);
    }
  client = fal_client_new ();
  fal_client_use_local_server (client, server_url);
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);

  store = falstaff_run_store_new (db);
  falstaff_run_store_load_async (store, NULL, loaded_cb, &loaded);
  while (!loaded)
    g_main_context_iteration (NULL, TRUE);
  keeper = falstaff_output_keeper_new (outputs, thumbs);

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1400, 1000);
  sheet = g_object_new (FALSTAFF_TYPE_CONTACT_SHEET, NULL);
  falstaff_contact_sheet_set_output_keeper (sheet, keeper);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (sheet));
  gtk_window_present (GTK_WINDOW (window));
  iterate_for (500);
  {
    GdkFrameClock *clock = gtk_widget_get_frame_clock (window);

    /* before-paint: every frame has it, not only those with ticks. */
    g_signal_connect (clock, "before-paint", G_CALLBACK (frame_begin_cb), &frames);
    g_signal_connect (clock, "after-paint", G_CALLBACK (frame_end_cb), &frames);
    g_signal_connect (clock, "layout", G_CALLBACK (frame_layout_cb), &frames);
    g_signal_connect (gtk_native_get_surface (GTK_NATIVE (window)), "compute-size",
                      G_CALLBACK (compute_size_cb), &frames);
  }

  /* Reference: the idle window. */
  probe_start (&probe);
  iterate_for (opt_reference_ms);
  probe_stop (&probe);
  reference_us = probe.longest;

  /* The sweep, as the window makes one: every row first, then written,
   * then every submit at once. */
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    g_autoptr(GString) axes = g_string_new ("{\"axes\":[{\"field\":\"seed\",\"values\":[");

    for (int i = 0; i < opt_runs_side; i++)
      g_string_append_printf (axes, "%s%d", i ? "," : "", 1000 + i);
    g_string_append (axes, "]},{\"field\":\"num_inference_steps\",\"values\":[");
    for (int i = 0; i < opt_runs_side; i++)
      g_string_append_printf (axes, "%s%d", i ? "," : "", 2 + i);
    g_string_append (axes, "]}]}");
    json_parser_load_from_data (parser, axes->str, -1, &error);
    g_assert_no_error (error);
    description = json_node_copy (json_parser_get_root (parser));
  }
  rss_empty = settled_rss_kib ();
  memset (&frames, 0, sizeof frames);
  probe_start (&probe);
  started = g_get_monotonic_time ();
  if (g_getenv ("BENCH_DEBUG"))
    {
      frames.trace = g_string_new (NULL);
      frames.trace_start = started;
    }
  x_cpu0 = x_pid ? bench_process_cpu (x_pid) : 0;
  cpu0 = bench_process_cpu (getpid ());
  main_cpu0 = thread_cpu_ms ();
  x_trips0 = g_atomic_int_get (&x_round_trips);
  runs = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < total; i++)
    {
      g_autoptr(JsonNode) sweep = fal_json_deep_copy (description);
      g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
      JsonObject *inputs = json_object_new ();
      JsonArray *cell = json_array_new ();
      guint column = i % opt_runs_side, row = i / opt_runs_side;
      FalstaffRun *run;

      json_object_set_string_member (inputs, "prompt", "a lighthouse at dusk, oil painting");
      json_object_set_int_member (inputs, "seed", 1000 + column);
      json_object_set_int_member (inputs, "num_inference_steps", 2 + row);
      json_object_set_string_member (inputs, "image_size", "square");
      json_node_take_object (body, inputs);
      json_array_add_int_element (cell, column);
      json_array_add_int_element (cell, row);
      json_object_set_array_member (json_node_get_object (sweep), "cell", cell);
      run = falstaff_run_store_create_sweep_run (store, "fal-ai/fast-sdxl", body, sweep_id, sweep);
      sweep_id = falstaff_run_get_sweep_id (run);
      g_ptr_array_add (runs, run);
    }
  t_rows = g_get_monotonic_time ();
  falstaff_contact_sheet_set_sweep (sheet, store, sweep_id);
  t_sheet = g_get_monotonic_time ();
  falstaff_run_store_flush_async (store, NULL, flushed_cb, &flushed);
  while (!flushed)
    g_main_context_iteration (NULL, TRUE);
  t_flushed = g_get_monotonic_time ();
  for (guint i = 0; i < runs->len; i++)
    {
      FalstaffRun *run = g_ptr_array_index (runs, i);
      g_autoptr(FalJob) job = (FalJob *) fal_client_submit (client, falstaff_run_get_endpoint_id (run),
                                                           falstaff_run_get_inputs (run), NULL, &error);

      g_assert_no_error (error);
      falstaff_run_follow (run, job);
    }
  t_submits = g_get_monotonic_time ();
  while (g_get_monotonic_time () - started < opt_deadline_s * G_USEC_PER_SEC)
    {
      g_main_context_iteration (NULL, TRUE);
      n_images = cells_with_image (sheet, &n_failed, &thumb_w, &thumb_h);
      if (n_images + n_failed == total)
        {
          filled_at = g_get_monotonic_time ();
          break;
        }
    }
  /* A few frames of the filled sheet, inside the measure. */
  iterate_for (300);
  probe_stop (&probe);
  x_cpu1 = x_pid ? bench_process_cpu (x_pid) : 0;
  cpu1 = bench_process_cpu (getpid ());
  main_cpu1 = thread_cpu_ms ();
  x_trips1 = g_atomic_int_get (&x_round_trips);
  rss_full = settled_rss_kib ();

  if (filled_at == 0)
    {
      g_printerr ("bench-sweep: only %u of %u cells filled in %d s\n", n_images, total, opt_deadline_s);
      for (guint i = 0; i < runs->len; i++)
        {
          FalstaffRun *run = g_ptr_array_index (runs, i);
          g_printerr ("  run %u: %s %s %s\n", i, fal_job_status_to_string (falstaff_run_get_status (run)),
                      falstaff_run_get_thumbnail_url (run) ? falstaff_run_get_thumbnail_url (run) : "-",
                      falstaff_run_get_error_message (run) ? falstaff_run_get_error_message (run) : "");
        }
      return 1;
    }
  per_cell_mib = (rss_full - rss_empty) / 1024.0 / total;
  pixels_mib = thumb_w * thumb_h * 4 / (1024.0 * 1024.0);
  goal_mib = 2 * pixels_mib + 0.5;
  printf ("bench-sweep: %u runs (%d × %d) at speed %.0f (server %s), %u with an image, %u failed, filled in %.0f ms\n",
          total, opt_runs_side, opt_runs_side, opt_speed,
          opt_in_process ? "in this process"
          : opt_main_thread_nice ? "a process of its own, its main thread at nice 10" : opt_no_idle_server ? "a process of its own, nice 10" : "a process of its own, nice 10, SCHED_IDLE", n_images, n_failed, (filled_at - started) / 1000.0);
  printf ("  longest main-loop stall while filling: %.1f ms   (reference, idle window: %.1f ms; goal < %.0f ms) %s\n",
          probe.longest / 1000.0, reference_us / 1000.0, opt_goal_ms,
          probe.longest / 1000.0 < opt_goal_ms ? "goal met" : "GOAL MISSED");
  printf ("    it ended %.0f ms after the sweep began; phases: %u rows made %.0f ms, sheet built %.0f ms, "
          "written %.0f ms, %u submits %.0f ms (from the start: %.0f, %.0f, %.0f, %.0f ms)\n",
          (probe.longest_at - started) / 1000.0, total, (t_rows - started) / 1000.0, (t_sheet - t_rows) / 1000.0,
          (t_flushed - t_sheet) / 1000.0, total, (t_submits - t_flushed) / 1000.0,
          (t_rows - started) / 1000.0, (t_sheet - started) / 1000.0, (t_flushed - started) / 1000.0,
          (t_submits - started) / 1000.0);
  printf ("    the longest frame (layout, snapshot, render) took %.1f ms (%.1f ms of main-thread CPU) and ended %.0f ms "
          "after the sweep began, with %u layout passes (the most in a frame: %u); %u frames\n",
          frames.longest / 1000.0, frames.longest_cpu, (frames.longest_end - started) / 1000.0,
          frames.longest_layouts, frames.most_layouts, frames.frames);
  printf ("    load-independent counts while filling: %u frames, %u of them computed the toplevel's size (%u times); "
          "%u X round trips (%u in the longest frame, the most in a frame: %u); the most main-thread CPU in a frame: %.1f ms\n",
          frames.frames, frames.frames_sizing, frames.toplevel_sizes_total, x_trips1 - x_trips0,
          frames.longest_x, frames.most_x, frames.most_cpu);
  if (frames.trace)
    printf ("%s", frames.trace->str);
  if (g_getenv ("BENCH_DEBUG"))
    printf ("    (the longest gap: monotonic %.6f → %.6f s)\n", (probe.longest_at - probe.longest) / 1e6, probe.longest_at / 1e6);
  printf ("    CPU while filling: this process %.0f ms (main thread %.0f ms), the X server %s%.0f ms, over %.0f ms\n",
          (cpu1 - cpu0) * 1000, main_cpu1 - main_cpu0, x_pid ? "" : "(not found) ", (x_cpu1 - x_cpu0) * 1000,
          (filled_at - started) / 1000.0 + 300);
  printf ("  sheet memory: %.2f MiB a cell (RSS %+.1f MiB for %u cells)   (reference: a %d×%d thumbnail's pixels, %.2f MiB; goal < %.2f MiB) %s\n",
          per_cell_mib, (rss_full - rss_empty) / 1024.0, total, thumb_w, thumb_h, pixels_mib, goal_mib,
          per_cell_mib < goal_mib ? "goal met" : "GOAL MISSED");
  {
    g_autofree char *label = g_strdup_printf ("longest main-loop stall: a %u-run sweep filling a contact sheet", total);

    bench_result ("sweep.stall", label, probe.longest / 1000.0, "ms", reference_us / 1000.0,
                  "same timer, idle window", "<", opt_goal_ms);
    bench_result ("sweep.toplevel-layouts", "frames re-laying out the toplevel while a sweep fills a sheet",
                  frames.frames_sizing, "frames", frames.frames, "frames drawn", NULL, 0);
    bench_result ("sweep.x-round-trips", "X round trips while a sweep fills a sheet",
                  x_trips1 - x_trips0, "round trips", frames.frames, "frames drawn", NULL, 0);
    bench_result ("sweep.cell-memory", "contact sheet memory a cell", per_cell_mib, "MiB", pixels_mib,
                  "a cell thumbnail's pixels", "<", goal_mib);
  }
  gtk_window_destroy (GTK_WINDOW (window));
  g_ptr_array_unref (runs);
  return 0;
}
