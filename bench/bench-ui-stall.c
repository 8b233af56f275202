/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <adwaita.h>

#include "bench-common.h"
#include "bench-config.h"
#include "fal.h"
#include "fal-json.h"
#include "fal-local-server.h"

#include "falstaff-memory.h"
#include "falstaff-contact-sheet.h"
#include "falstaff-output-keeper.h"
#include "falstaff-run-store.h"

#include "falstaff-log-view.h"
#include "falstaff-output-view.h"
#include "falstaff-request-view.h"
#include "falstaff-zoom-view.h"
#include "falstaff-zoom-window.h"

/* The app's main loop under load: the longest gap between firings of a
 * 1 ms timer on the main context while, at once,
 *  - a FalRequest to fal-ai/any-llm with `x-fal-fault: log-flood=N`
 *    (100,000 lines in 20 batches) is followed in a FalstaffRequestView on
 *    its logs page (the app's FalstaffLogView), and
 *  - a FalRequest to fal-ai/fast-sdxl with a 4096×4096 image_size is
 *    followed in another FalstaffRequestView on its output page: the
 *    result's PNG is downloaded, decoded and thumbnailed by the gallery
 *    (FalstaffOutputView), then downloaded again and opened in a
 *    FalstaffZoomWindow (fit, 100 %, fit again, each frame drawn), and
 *  - a sweep of --sweep² runs (8 × 8: 64, as the window makes one: rows in
 *    a FalstaffRunStore, written, then every submit at once, each run
 *    followed) fills a FalstaffContactSheet in a window of its own, its
 *    cells loading their thumbnails through a FalstaffOutputKeeper. Its
 *    runs go to a `falctl serve` of their own at --sweep-speed (runs end at
 *    once) in a process at nice 10 and SCHED_IDLE: fal renders elsewhere.
 * Both views are side by side in one visible window, the zoom window and
 * the sheet's on top, so every frame is rendered (GSK_RENDERER=cairo unless
 * set). The flood and the sweep are submitted --flood-delay ms after the
 * image request so that their batches and cells arrive while the image is
 * downloaded, decoded and shown. The figure with all three is
 * `stall.combined` (issue #16).
 *
 * Reference, same run: the same timer's longest gap over --reference-ms
 * with the window shown and nothing running. Goal: < 50 ms.
 *
 * The flood's and the image's server is a `falctl serve` at nice 10 and SCHED_IDLE in
 * every thread, as the sweep's (--in-process-server: a FalLocalServer on
 * a thread of this process, at the app's priority, as before). For each long gap the bench
 * prints where it fell (the last milestone before it and the lines
 * arrived), the main thread's CPU time in it (work of the main loop, or
 * the thread descheduled on a busy machine) and the frames that overlap
 * it (layout, snapshot and rendering), so a missed goal shows its cause. */

#define LLM_ENDPOINT "fal-ai/any-llm"
#define IMAGE_ENDPOINT "fal-ai/fast-sdxl"
#define LLM_PLAN_LINES 3
#define GAP_KEPT_US 8000          /* gaps from this long are kept for the report */
#define TOP_GAPS 6

static int opt_lines = 100000;
static int opt_image_size = 4096;
static int opt_flood_delay_ms = 1500;
static int opt_reference_ms = 3000;
static double opt_speed = 1.0;
static double opt_goal_ms = 50;
static int opt_deadline_s = 120;
static gboolean opt_no_flood = FALSE;
static gboolean opt_no_image = FALSE;
static gboolean opt_no_zoom = FALSE;
static int opt_repeat = 3;
static int opt_sweep_side = 8;
static double opt_sweep_speed = 1000;
static gboolean opt_main_thread_nice = FALSE;
static gboolean opt_no_idle_server = FALSE;
static gboolean opt_in_process_server = FALSE;

/* ------------------------------------------------------------------ clock and CPU */

static double
thread_cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_THREAD, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static double
process_cpu_s (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* ------------------------------------------------------------------ milestones */

typedef struct {
  gint64 time;
  char *name;
} Milestone;

static GArray *milestones;  /* Milestone */
static gint64 run_start;

static void
milestone_clear (gpointer data)
{
  g_free (((Milestone *) data)->name);
}

static void
milestone (const char *format,
           ...) G_GNUC_PRINTF (1, 2);

static void
milestone (const char *format,
           ...)
{
  va_list args;
  Milestone m = { g_get_monotonic_time (), NULL };

  va_start (args, format);
  m.name = g_strdup_vprintf (format, args);
  va_end (args);
  g_array_append_val (milestones, m);
}

/* The last milestone at or before time, or NULL. */
static const char *
milestone_at (gint64 time)
{
  const char *name = NULL;

  for (guint i = 0; i < milestones->len; i++)
    if (g_array_index (milestones, Milestone, i).time <= time)
      name = g_array_index (milestones, Milestone, i).name;
  return name;
}

/* ------------------------------------------------------------------ frames */

typedef struct {
  guint window;               /* 0: the main window, 1: the zoom window */
  gint64 start;               /* before-paint */
  gint64 end;                 /* after-paint */
} Frame;

static GArray *frames;        /* Frame */
static const char *window_names[] = { "main window", "zoom window", "sheet window" };

typedef struct {
  guint window;
  gint64 start;
} FrameWatch;

static void
before_paint_cb (GdkFrameClock *clock,
                 FrameWatch    *watch)
{
  watch->start = g_get_monotonic_time ();
}

static void
after_paint_cb (GdkFrameClock *clock,
                FrameWatch    *watch)
{
  Frame frame = { watch->window, watch->start, g_get_monotonic_time () };

  if (watch->start != 0)
    g_array_append_val (frames, frame);
  watch->start = 0;
}

static void
watch_realize_cb (GtkWidget  *widget,
                  FrameWatch *watch)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);

  g_signal_connect (clock, "before-paint", G_CALLBACK (before_paint_cb), watch);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), watch);
}

static void
watch_frames (GtkWidget *window,
              guint      index)
{
  FrameWatch *watch = g_new0 (FrameWatch, 1);

  watch->window = index;
  g_object_set_data_full (G_OBJECT (window), "bench-frame-watch", watch, g_free);
  if (gtk_widget_get_realized (window))
    watch_realize_cb (window, watch);
  else
    g_signal_connect (window, "realize", G_CALLBACK (watch_realize_cb), watch);
}

static guint
frames_of (guint window)
{
  guint n = 0;

  for (guint i = 0; i < frames->len; i++)
    n += g_array_index (frames, Frame, i).window == window;
  return n;
}

/* ------------------------------------------------------------------ stall probe */

typedef struct {
  gint64 start;
  gint64 end;
  double cpu_s;               /* main-thread CPU in the gap */
  guint lines;                /* flood lines in the model at its end */
} Gap;

typedef struct {
  GSource *source;
  gint64 last;
  double last_cpu;
  Gap longest;
  GArray *gaps;               /* Gap, those ≥ GAP_KEPT_US */
  guint firings;
  GListModel *lines;          /* the flood's log model, when there is one */
} Probe;

static gboolean
probe_cb (gpointer data)
{
  Probe *probe = data;
  gint64 now = g_get_monotonic_time ();
  double cpu = thread_cpu_s ();

  probe->firings++;
  if (probe->last != 0)
    {
      Gap gap = { probe->last, now, cpu - probe->last_cpu,
                  probe->lines ? g_list_model_get_n_items (probe->lines) : 0 };

      if (gap.end - gap.start > probe->longest.end - probe->longest.start)
        probe->longest = gap;
      if (gap.end - gap.start >= GAP_KEPT_US)
        g_array_append_val (probe->gaps, gap);
    }
  probe->last = now;
  probe->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static void
probe_start (Probe *probe)
{
  memset (probe, 0, sizeof *probe);
  probe->gaps = g_array_new (FALSE, TRUE, sizeof (Gap));
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

static double
gap_ms (const Gap *gap)
{
  return (gap->end - gap->start) / 1000.0;
}

/* ------------------------------------------------------------------ the run */

typedef enum {
  IMAGE_WAITING,              /* submitted, no result yet */
  IMAGE_GALLERY,              /* result: the gallery downloads and decodes */
  IMAGE_ZOOM_DOWNLOAD,        /* thumbnail shown; the bytes for the zoom view */
  IMAGE_ZOOM_DECODE,          /* zoom window open, decoding */
  IMAGE_ZOOM_FIT,             /* waiting for the fit frame */
  IMAGE_ZOOM_FULL,            /* waiting for the 100 % frame */
  IMAGE_ZOOM_REFIT,           /* waiting for the fit frame again */
  IMAGE_DONE,
  IMAGE_FAILED,
} ImageStep;

typedef struct {
  GtkWindow *window;
  FalstaffRequestView *log_side;
  FalstaffRequestView *image_side;
  FalClient *client;
  SoupSession *downloads;

  FalRequest *flood;
  guint flood_timer;
  gboolean flood_all_in;
  gboolean flood_shown;
  FalRequest *image;
  FalRequestStatus image_status;
  ImageStep step;
  GtkWidget *zoom_window;
  FalstaffZoomView *zoom;
  guint zoom_renders;
  int thumb_width, thumb_height;
  int zoom_width, zoom_height;

  /* The sweep */
  char *sweep_url;            /* its own server */
  FalClient *sweep_client;
  FalstaffRunStore *store;
  FalstaffOutputKeeper *keeper;
  FalstaffContactSheet *sheet;
  GtkWidget *sheet_window;
  GPtrArray *sweep_runs;      /* FalstaffRun */
  guint sweep_timer;
  gboolean sweep_submitted;
  gboolean sweep_filled;
  char *failure;
} Run;

static void
fail (Run        *run,
      const char *format,
      ...) G_GNUC_PRINTF (2, 3);

static void
fail (Run        *run,
      const char *format,
      ...)
{
  va_list args;

  if (run->failure)
    return;
  va_start (args, format);
  run->failure = g_strdup_vprintf (format, args);
  va_end (args);
  run->step = IMAGE_FAILED;
}

static void
flood_items_changed_cb (GListModel *logs,
                        guint       position,
                        guint       removed,
                        guint       added,
                        Run        *run)
{
  guint n = g_list_model_get_n_items (logs);

  if (n > LLM_PLAN_LINES && n - added <= LLM_PLAN_LINES)
    milestone ("flood: first batch in the log model");
  if (!run->flood_all_in && n >= (guint) opt_lines + LLM_PLAN_LINES)
    {
      run->flood_all_in = TRUE;
      milestone ("flood: all %u lines in the log model", n);
    }
}

static void
flood_finished_cb (FalRequest *request,
                   Run        *run)
{
  if (fal_request_get_error (request))
    fail (run, "the flood request failed: %s", fal_request_get_error (request)->message);
  milestone ("flood: request finished");
}

static gboolean
submit_flood_cb (gpointer data)
{
  Run *run = data;
  g_autoptr(JsonNode) body = json_from_string ("{\"prompt\":\"flood me\"}", NULL);
  g_autofree char *fault = g_strdup_printf ("log-flood=%d", opt_lines);
  const char *headers[] = { "x-fal-fault", fault, NULL };
  FalCallOptions options = { .headers = headers };
  g_autoptr(GError) error = NULL;

  run->flood_timer = 0;
  run->flood = fal_client_submit (run->client, LLM_ENDPOINT, body, &options, &error);
  if (run->flood == NULL)
    {
      fail (run, "flood submit: %s", error->message);
      return G_SOURCE_REMOVE;
    }
  milestone ("flood: submitted (%d lines)", opt_lines);
  g_signal_connect (fal_request_get_logs (run->flood), "items-changed", G_CALLBACK (flood_items_changed_cb), run);
  g_signal_connect (run->flood, "finished", G_CALLBACK (flood_finished_cb), run);
  falstaff_request_view_set_request (run->log_side, run->flood);
  falstaff_request_view_show_page (run->log_side, "logs");
  return G_SOURCE_REMOVE;
}

static const char *
status_name (FalRequestStatus status)
{
  switch (status)
    {
    case FAL_REQUEST_SUBMITTING: return "submitting";
    case FAL_REQUEST_IN_QUEUE: return "in queue";
    case FAL_REQUEST_IN_PROGRESS: return "running on the server";
    case FAL_REQUEST_COMPLETED: return "completed, fetching the result";
    default: return "?";
    }
}

static void
image_status_cb (FalRequest *request,
                 GParamSpec *pspec,
                 Run        *run)
{
  FalRequestStatus status = fal_request_get_status (request);

  if (status != run->image_status && !fal_request_is_done (request))
    milestone ("image: %s", status_name (status));
  run->image_status = status;
}

static void
image_finished_cb (FalRequest *request,
                   Run        *run)
{
  if (fal_request_get_error (request))
    {
      fail (run, "the image request failed: %s", fal_request_get_error (request)->message);
      return;
    }
  /* The request view has passed the result to its gallery already. */
  milestone ("image: result in; the gallery downloads and decodes the PNG");
  run->step = IMAGE_GALLERY;
}

static const char *
image_url (Run *run)
{
  JsonNode *result = fal_request_get_result (run->image);
  JsonArray *images = result && JSON_NODE_HOLDS_OBJECT (result) ? fal_json_get_array (json_node_get_object (result), "images") : NULL;
  JsonNode *first = images && json_array_get_length (images) > 0 ? json_array_get_element (images, 0) : NULL;

  return first && JSON_NODE_HOLDS_OBJECT (first) ? fal_json_get_string (json_node_get_object (first), "url") : NULL;
}

static void
zoom_loading_cb (FalstaffZoomView *view,
                 GParamSpec       *pspec,
                 Run              *run)
{
  if (falstaff_zoom_view_get_loading (view) || run->step != IMAGE_ZOOM_DECODE)
    return;
  if (falstaff_zoom_view_get_error_message (view))
    {
      fail (run, "the zoom view could not decode the image: %s", falstaff_zoom_view_get_error_message (view));
      return;
    }
  falstaff_zoom_view_get_image_size (view, &run->zoom_width, &run->zoom_height);
  milestone ("zoom: decoded (%d × %d); fit frame", run->zoom_width, run->zoom_height);
  run->step = IMAGE_ZOOM_FIT;
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  if (bytes == NULL)
    {
      fail (run, "downloading the image for the zoom view: %s", error->message);
      return;
    }
  milestone ("zoom: %zu bytes downloaded; window opens, decoding", g_bytes_get_size (bytes));
  run->zoom_window = falstaff_zoom_window_new (run->window, bytes, "image.png");
  gtk_window_set_default_size (GTK_WINDOW (run->zoom_window), 900, 700);
  watch_frames (run->zoom_window, 1);
  run->zoom = falstaff_zoom_window_get_view (FALSTAFF_ZOOM_WINDOW (run->zoom_window));
  run->step = IMAGE_ZOOM_DECODE;
  g_signal_connect (run->zoom, "notify::loading", G_CALLBACK (zoom_loading_cb), run);
  gtk_window_present (GTK_WINDOW (run->zoom_window));
  zoom_loading_cb (run->zoom, NULL, run);
}

/* A frame drawn for the current zoom, after the step began. */
static gboolean
zoom_frame_ready (Run *run)
{
  return falstaff_zoom_view_is_frame_current (run->zoom) &&
         falstaff_zoom_view_get_n_renders (run->zoom) > run->zoom_renders;
}

/* Steps that wait for a state rather than a signal. */
static void check_sweep (Run *run);

static gboolean
drive_cb (gpointer data)
{
  Run *run = data;
  FalstaffOutputView *gallery = FALSTAFF_OUTPUT_VIEW (falstaff_request_view_get_output_view (run->image_side));

  switch (run->step)
    {
    case IMAGE_GALLERY:
      if (falstaff_output_view_get_n_images (gallery) >= 1)
        {
          g_autoptr(SoupMessage) msg = NULL;

          falstaff_output_view_get_image_size (gallery, 0, &run->thumb_width, &run->thumb_height);
          if (opt_no_zoom)
            {
              milestone ("gallery: thumbnail shown (%d × %d image)", run->thumb_width, run->thumb_height);
              run->step = IMAGE_DONE;
              break;
            }
          milestone ("gallery: thumbnail shown (%d × %d image); downloading it for the zoom view",
                     run->thumb_width, run->thumb_height);
          msg = soup_message_new ("GET", image_url (run));
          run->step = IMAGE_ZOOM_DOWNLOAD;
          soup_session_send_and_read_async (run->downloads, msg, G_PRIORITY_DEFAULT, NULL, downloaded_cb, run);
        }
      else if (g_str_equal (falstaff_output_view_get_kind (gallery), "gallery") == FALSE &&
               g_str_equal (falstaff_output_view_get_kind (gallery), "empty") == FALSE)
        fail (run, "the output view shows %s, not a gallery", falstaff_output_view_get_kind (gallery));
      break;
    case IMAGE_ZOOM_FIT:
      if (zoom_frame_ready (run))
        {
          int width, height;

          falstaff_zoom_view_get_drawn_size (run->zoom, &width, &height);
          milestone ("zoom: fit frame drawn (%d × %d texture); zooming to 100 %%", width, height);
          run->zoom_renders = falstaff_zoom_view_get_n_renders (run->zoom);
          run->step = IMAGE_ZOOM_FULL;
          /* A small image fits at 100 % already: nothing to draw. */
          if (falstaff_zoom_view_get_zoom (run->zoom) >= 1.0)
            {
              milestone ("zoom: already at 100 %%");
              run->step = IMAGE_DONE;
            }
          else
            falstaff_zoom_view_set_zoom (run->zoom, 1.0);
        }
      break;
    case IMAGE_ZOOM_FULL:
      if (zoom_frame_ready (run))
        {
          int width, height;

          falstaff_zoom_view_get_drawn_size (run->zoom, &width, &height);
          milestone ("zoom: 100 %% frame drawn (%d × %d texture); back to fit", width, height);
          run->zoom_renders = falstaff_zoom_view_get_n_renders (run->zoom);
          falstaff_zoom_view_zoom_fit (run->zoom);
          run->step = IMAGE_ZOOM_REFIT;
        }
      break;
    case IMAGE_ZOOM_REFIT:
      if (zoom_frame_ready (run))
        {
          milestone ("zoom: fit frame drawn again");
          run->step = IMAGE_DONE;
        }
      break;
    case IMAGE_WAITING:
    case IMAGE_ZOOM_DOWNLOAD:
    case IMAGE_ZOOM_DECODE:
    case IMAGE_DONE:
    case IMAGE_FAILED:
    default:
      break;
    }

  if (run->flood && fal_request_is_done (run->flood) && !run->flood_shown)
    {
      GListModel *shown = falstaff_log_view_get_shown (FALSTAFF_LOG_VIEW (falstaff_request_view_get_log_view (run->log_side)));

      if (g_list_model_get_n_items (shown) == g_list_model_get_n_items (fal_request_get_logs (run->flood)))
        {
          milestone ("flood: all %u lines in the log view", g_list_model_get_n_items (shown));
          run->flood_shown = TRUE;
        }
    }
  check_sweep (run);
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ the sweep */

static void
sweep_flushed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;

  if (!falstaff_run_store_flush_finish (FALSTAFF_RUN_STORE (source), result, &error))
    {
      fail (run, "sweep: the history was not written: %s", error->message);
      return;
    }
  milestone ("sweep: %u rows written; submitting them all", run->sweep_runs->len);
  for (guint i = 0; i < run->sweep_runs->len; i++)
    {
      FalstaffRun *sweep_run = g_ptr_array_index (run->sweep_runs, i);
      g_autoptr(FalJob) job = (FalJob *) fal_client_submit (run->sweep_client, falstaff_run_get_endpoint_id (sweep_run),
                                                           falstaff_run_get_inputs (sweep_run), NULL, &error);

      if (job == NULL)
        {
          fail (run, "sweep submit: %s", error->message);
          return;
        }
      falstaff_run_follow (sweep_run, job);
    }
  run->sweep_submitted = TRUE;
  milestone ("sweep: %u submits sent", run->sweep_runs->len);
}

/* The sweep as the window makes one: every row first, the sheet shown,
 * the rows written, then every submit at once. */
static gboolean
start_sweep_cb (gpointer data)
{
  Run *run = data;
  g_autoptr(GString) axes = g_string_new ("{\"axes\":[{\"field\":\"seed\",\"values\":[");
  g_autoptr(JsonNode) description = NULL;
  gint64 sweep_id = 0;

  run->sweep_timer = 0;
  for (int i = 0; i < opt_sweep_side; i++)
    g_string_append_printf (axes, "%s%d", i ? "," : "", 1000 + i);
  g_string_append (axes, "]},{\"field\":\"num_inference_steps\",\"values\":[");
  for (int i = 0; i < opt_sweep_side; i++)
    g_string_append_printf (axes, "%s%d", i ? "," : "", 2 + i);
  g_string_append (axes, "]}]}");
  description = json_from_string (axes->str, NULL);
  g_ptr_array_set_size (run->sweep_runs, 0);
  for (int i = 0; i < opt_sweep_side * opt_sweep_side; i++)
    {
      g_autoptr(JsonNode) sweep = fal_json_deep_copy (description);
      g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
      JsonObject *inputs = json_object_new ();
      JsonArray *cell = json_array_new ();
      int column = i % opt_sweep_side, row = i / opt_sweep_side;
      FalstaffRun *sweep_run;

      json_object_set_string_member (inputs, "prompt", "a lighthouse at dusk, oil painting");
      json_object_set_int_member (inputs, "seed", 1000 + column);
      json_object_set_int_member (inputs, "num_inference_steps", 2 + row);
      json_object_set_string_member (inputs, "image_size", "square");
      json_node_take_object (body, inputs);
      json_array_add_int_element (cell, column);
      json_array_add_int_element (cell, row);
      json_object_set_array_member (json_node_get_object (sweep), "cell", cell);
      sweep_run = falstaff_run_store_create_sweep_run (run->store, "fal-ai/fast-sdxl", body, sweep_id, sweep);
      sweep_id = falstaff_run_get_sweep_id (sweep_run);
      g_ptr_array_add (run->sweep_runs, sweep_run);
    }
  falstaff_contact_sheet_set_sweep (run->sheet, run->store, sweep_id);
  milestone ("sweep: %d rows made, the sheet set", opt_sweep_side * opt_sweep_side);
  falstaff_run_store_flush_async (run->store, NULL, sweep_flushed_cb, run);
  return G_SOURCE_REMOVE;
}

/* Cells showing their picture, and cells whose run failed. */
static guint
sheet_cells_done (FalstaffContactSheet *sheet,
                  guint                *n_failed)
{
  guint n = 0;

  *n_failed = 0;
  for (guint r = 0; r < falstaff_contact_sheet_get_n_rows (sheet); r++)
    for (guint c = 0; c < falstaff_contact_sheet_get_n_columns (sheet); c++)
      {
        FalstaffSheetCell *cell = falstaff_contact_sheet_get_cell (sheet, c, r);
        FalstaffRun *sweep_run = cell ? falstaff_sheet_cell_get_run (cell) : NULL;

        if (cell && falstaff_sheet_cell_get_texture (cell))
          n++;
        else if (sweep_run && falstaff_run_get_status (sweep_run) == FAL_JOB_FAILED)
          (*n_failed)++;
      }
  return n;
}

static void
check_sweep (Run *run)
{
  guint n_failed, n_images;

  if (!run->sweep_submitted || run->sweep_filled)
    return;
  n_images = sheet_cells_done (run->sheet, &n_failed);
  if (n_images + n_failed < (guint) (opt_sweep_side * opt_sweep_side))
    return;
  run->sweep_filled = TRUE;
  milestone ("sweep: every cell filled (%u images, %u failed)", n_images, n_failed);
  if (n_failed > 0)
    fail (run, "sweep: %u of %d runs failed", n_failed, opt_sweep_side * opt_sweep_side);
}

static gboolean
run_done (Run *run)
{
  return run->failure != NULL ||
         ((opt_no_image || run->step == IMAGE_DONE) && (opt_no_flood || run->flood_shown) &&
          (opt_sweep_side == 0 || run->sweep_filled));
}

static void
submit_image (Run *run)
{
  g_autofree char *json = g_strdup_printf ("{\"prompt\":\"a lighthouse at dusk\",\"seed\":42,"
                                           "\"image_size\":{\"width\":%d,\"height\":%d}}",
                                           opt_image_size, opt_image_size);
  g_autoptr(JsonNode) body = json_from_string (json, NULL);
  g_autoptr(GError) error = NULL;

  run->image = fal_client_submit (run->client, IMAGE_ENDPOINT, body, NULL, &error);
  if (run->image == NULL)
    {
      fail (run, "image submit: %s", error->message);
      return;
    }
  milestone ("image: submitted (%d × %d)", opt_image_size, opt_image_size);
  run->step = IMAGE_WAITING;
  g_signal_connect (run->image, "notify::status", G_CALLBACK (image_status_cb), run);
  g_signal_connect (run->image, "finished", G_CALLBACK (image_finished_cb), run);
  falstaff_request_view_set_request (run->image_side, run->image);
  falstaff_request_view_show_page (run->image_side, "output");
}

/* ------------------------------------------------------------------ report */

/* The overlap of [start, end] with the frames of one window: their
 * number, the time of them inside it, the longest such frame. */
static void
frames_in (gint64  start,
           gint64  end,
           guint   window,
           guint  *n,
           double *overlap_ms,
           double *longest_ms)
{
  *n = 0;
  *overlap_ms = *longest_ms = 0;
  for (guint i = 0; i < frames->len; i++)
    {
      const Frame *frame = &g_array_index (frames, Frame, i);
      gint64 from = MAX (start, frame->start), to = MIN (end, frame->end);

      if (frame->window != window || to <= from)
        continue;
      (*n)++;
      *overlap_ms += (to - from) / 1000.0;
      *longest_ms = MAX (*longest_ms, (frame->end - frame->start) / 1000.0);
    }
}

static int
compare_gaps (gconstpointer a,
              gconstpointer b)
{
  gint64 x = ((const Gap *) a)->end - ((const Gap *) a)->start;
  gint64 y = ((const Gap *) b)->end - ((const Gap *) b)->start;

  return (x < y) - (x > y);
}

/* What the gap most likely was: a frame (and then whether the main thread
 * worked through it or waited: for the X server, or descheduled), work
 * of the main loop outside frames, or the thread not running at all. */
static char *
likely_cause (const Gap *gap)
{
  double length = gap_ms (gap), cpu = gap->cpu_s * 1000;

  for (guint w = 0; w < G_N_ELEMENTS (window_names); w++)
    {
      guint n;
      double overlap, longest;

      frames_in (gap->start, gap->end, w, &n, &overlap, &longest);
      if (overlap >= length / 2)
        return g_strdup_printf ("a frame of the %s (%.0f ms: layout, snapshot, rendering to the X server), "
                                "%.0f ms of main-thread CPU in the gap%s",
                                window_names[w], longest, cpu,
                                cpu < length / 2 ? "; the rest waiting (X server round trips, or descheduled on a busy machine)" : "");
    }
  if (cpu < length / 2)
    return g_strdup_printf ("the main thread mostly did not run (%.0f ms of CPU in it): descheduled, "
                            "the server's and decoders' threads and the X server sharing the cores", cpu);
  return g_strdup_printf ("main-loop work outside frames (%.0f ms of CPU: callbacks such as log batches "
                          "into the models, JSON, freeing)", cpu);
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* A blocking iteration returns only when a source fires: with nothing
 * else due (a server that went quiet), this one keeps the deadline
 * checks below running, so the bench ends instead of waiting for ever. */
static guint
wake_every_100ms (void)
{
  return g_timeout_add (100, wake_cb, NULL);
}

static void
wait_until (gboolean (*condition) (Run *run),
            Run      *run,
            gint64    deadline)
{
  guint wake = wake_every_100ms ();

  while (!condition (run) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (wake);
}

static gboolean
main_window_drawn (Run *run)
{
  return frames_of (0) > 0;
}

static gboolean
never (Run *run)
{
  return FALSE;
}

static void
iterate_for (Run *run,
             int  ms)
{
  wait_until (never, run, g_get_monotonic_time () + ms * (gint64) 1000);
}

/* One measured run: both jobs from the start to the last frame. */
typedef struct {
  Gap longest;
  char *where;
  char *cause;
  char *report;               /* timeline and longest gaps */
  char *failure;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_free (outcome->where);
  g_free (outcome->cause);
  g_free (outcome->report);
  g_free (outcome->failure);
}

static void
measure (Run     *run,
         Outcome *outcome)
{
  g_autoptr(GString) report = g_string_new (NULL);
  Probe probe;
  guint drive, wake;
  gint64 deadline, run_end;
  double cpu0, cpu1, main_cpu0, main_cpu1;

  g_array_set_size (milestones, 0);
  g_array_set_size (frames, 0);
  run->flood_all_in = run->flood_shown = FALSE;
  run->image_status = FAL_REQUEST_SUBMITTING;
  run->step = IMAGE_WAITING;
  run->zoom_renders = 0;
  run->thumb_width = run->thumb_height = run->zoom_width = run->zoom_height = 0;
  run->sweep_submitted = run->sweep_filled = FALSE;

  run_start = g_get_monotonic_time ();
  probe_start (&probe);
  drive = g_timeout_add (20, drive_cb, run);
  cpu0 = process_cpu_s ();
  main_cpu0 = thread_cpu_s ();
  if (!opt_no_image)
    submit_image (run);
  if (!opt_no_flood)
    run->flood_timer = g_timeout_add (opt_no_image ? 0 : opt_flood_delay_ms, submit_flood_cb, run);
  if (opt_sweep_side > 0)
    run->sweep_timer = g_timeout_add (opt_no_image ? 0 : opt_flood_delay_ms, start_sweep_cb, run);
  deadline = run_start + opt_deadline_s * G_USEC_PER_SEC;
  wake = wake_every_100ms ();
  while (!run_done (run) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, TRUE);
      if (run->flood && probe.lines == NULL)
        probe.lines = fal_request_get_logs (run->flood);
    }
  g_source_remove (wake);
  if (!run_done (run))
    fail (run, "not finished after %d s (image step %d, flood %s, sweep %s)", opt_deadline_s, run->step,
          run->flood ? (fal_request_is_done (run->flood) ? "done" : "running") : "not submitted",
          opt_sweep_side == 0 ? "none" : run->sweep_filled ? "filled" : run->sweep_submitted ? "filling" : "not submitted");
  /* A last half second: what is freed and drawn after the end counts. */
  milestone ("done; half a second more");
  iterate_for (run, 500);
  run_end = g_get_monotonic_time ();
  cpu1 = process_cpu_s ();
  main_cpu1 = thread_cpu_s ();
  probe_stop (&probe);
  g_source_remove (drive);

  /* Checks: the work was done, and done right. */
  if (run->failure == NULL && !opt_no_image)
    {
      if (run->thumb_width != opt_image_size || run->thumb_height != opt_image_size)
        fail (run, "the gallery reports %d × %d, not %d × %d", run->thumb_width, run->thumb_height, opt_image_size, opt_image_size);
      else if (!opt_no_zoom && (run->zoom_width != opt_image_size || run->zoom_height != opt_image_size))
        fail (run, "the zoom view reports %d × %d", run->zoom_width, run->zoom_height);
    }
  if (run->failure == NULL && !opt_no_flood &&
      g_list_model_get_n_items (fal_request_get_logs (run->flood)) != (guint) opt_lines + LLM_PLAN_LINES)
    fail (run, "the log model holds %u lines, not %d", g_list_model_get_n_items (fal_request_get_logs (run->flood)),
          opt_lines + LLM_PLAN_LINES);

  g_string_append (report, "  timeline (ms from the start):\n");
  for (guint i = 0; i < milestones->len; i++)
    {
      const Milestone *m = &g_array_index (milestones, Milestone, i);

      g_string_append_printf (report, "    +%6.0f  %s\n", (m->time - run_start) / 1000.0, m->name);
    }
  g_string_append_printf (report, "  frames: main window %u, zoom window %u, sheet window %u; wall %.2f s; CPU: process %.2f s "
                          "(%.0f %% of %u cores), main thread %.2f s\n",
                          frames_of (0), frames_of (1), frames_of (2), (run_end - run_start) / 1e6, cpu1 - cpu0,
                          100 * (cpu1 - cpu0) / ((run_end - run_start) / 1e6) / MAX (1, g_get_num_processors ()),
                          g_get_num_processors (), main_cpu1 - main_cpu0);
  g_array_sort (probe.gaps, compare_gaps);
  g_string_append_printf (report, "  longest gaps (%u of %d ms or more; the timer fired %u times):\n",
                          probe.gaps->len, GAP_KEPT_US / 1000, probe.firings);
  for (guint i = 0; i < MIN (probe.gaps->len, TOP_GAPS); i++)
    {
      const Gap *gap = &g_array_index (probe.gaps, Gap, i);
      const char *where = milestone_at (gap->start);

      /* The monotonic time too: perf record -k CLOCK_MONOTONIC's. */
      g_string_append_printf (report, "    %.1f ms at +%.0f ms (%.3f s), after \"%s\"; %u flood lines in; main-thread CPU %.1f ms",
                              gap_ms (gap), (gap->start - run_start) / 1000.0, gap->start / 1e6, where ? where : "start",
                              gap->lines, gap->cpu_s * 1000);
      for (guint w = 0; w < G_N_ELEMENTS (window_names); w++)
        {
          guint n;
          double overlap, longest;

          frames_in (gap->start, gap->end, w, &n, &overlap, &longest);
          if (n > 0)
            g_string_append_printf (report, "; %s: %u frame%s, %.1f ms in the gap (longest %.1f ms)",
                                    window_names[w], n, n == 1 ? "" : "s", overlap, longest);
        }
      g_string_append (report, "\n");
    }

  outcome->longest = probe.longest;
  outcome->where = g_strdup (milestone_at (probe.longest.start) ? milestone_at (probe.longest.start) : "start");
  outcome->cause = likely_cause (&probe.longest);
  outcome->report = g_string_free (g_steal_pointer (&report), FALSE);
  outcome->failure = g_steal_pointer (&run->failure);
  g_array_unref (probe.gaps);

  /* Ready for the next run. */
  g_clear_handle_id (&run->flood_timer, g_source_remove);
  g_clear_handle_id (&run->sweep_timer, g_source_remove);
  if (run->zoom_window)
    gtk_window_destroy (GTK_WINDOW (run->zoom_window));
  run->zoom_window = NULL;
  run->zoom = NULL;
  falstaff_request_view_clear (run->log_side);
  falstaff_request_view_clear (run->image_side);
  if (run->flood)
    g_signal_handlers_disconnect_by_data (fal_request_get_logs (run->flood), run);
  if (run->flood)
    g_signal_handlers_disconnect_by_data (run->flood, run);
  if (run->image)
    g_signal_handlers_disconnect_by_data (run->image, run);
  g_clear_object (&run->flood);
  g_clear_object (&run->image);
  iterate_for (run, 300);
}

static void
store_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (!falstaff_run_store_load_finish (FALSTAFF_RUN_STORE (source), result, &error))
    g_error ("bench-ui-stall: the sweep's history: %s", error->message);
  *(gboolean *) data = TRUE;
}

static int
compare_outcomes (gconstpointer a,
                  gconstpointer b)
{
  gint64 x = ((const Outcome *) a)->longest.end - ((const Outcome *) a)->longest.start;
  gint64 y = ((const Outcome *) b)->longest.end - ((const Outcome *) b)->longest.start;

  return (x > y) - (x < y);
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "lines", 'n', 0, G_OPTION_ARG_INT, &opt_lines, "Log lines of the flood (100000)", "N" },
    { "image-size", 's', 0, G_OPTION_ARG_INT, &opt_image_size, "Side of the generated PNG (4096, at most 4096)", "PX" },
    { "flood-delay", 0, 0, G_OPTION_ARG_INT, &opt_flood_delay_ms, "Submit the flood this long after the image request (1500)", "MS" },
    { "reference-ms", 0, 0, G_OPTION_ARG_INT, &opt_reference_ms, "Length of the idle reference (3000)", "MS" },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &opt_repeat, "Runs (3; the median run's longest stall is the figure)", "N" },
    { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &opt_speed, "Server speed (1)", "F" },
    { "goal-ms", 0, 0, G_OPTION_ARG_DOUBLE, &opt_goal_ms, "Goal: the longest stall below this (50)", "MS" },
    { "deadline", 0, 0, G_OPTION_ARG_INT, &opt_deadline_s, "Give up on a run after this long (120)", "S" },
    { "no-flood", 0, 0, G_OPTION_ARG_NONE, &opt_no_flood, "Only the image (to find a stall's cause)", NULL },
    { "no-image", 0, 0, G_OPTION_ARG_NONE, &opt_no_image, "Only the flood (to find a stall's cause)", NULL },
    { "no-zoom", 0, 0, G_OPTION_ARG_NONE, &opt_no_zoom, "The image in the gallery only", NULL },
    { "sweep", 0, 0, G_OPTION_ARG_INT, &opt_sweep_side, "Runs a side of the sweep's grid (8: 64 runs; 0: no sweep)", "N" },
    { "sweep-speed", 0, 0, G_OPTION_ARG_DOUBLE, &opt_sweep_speed, "The sweep's server speed (1000: runs end at once)", "F" },
    { "in-process-server", 0, 0, G_OPTION_ARG_NONE, &opt_in_process_server,
      "Serve the flood and the image from a thread of this process at the app's priority (as before issue #16)", NULL },
    { "main-thread-nice", 0, 0, G_OPTION_ARG_NONE, &opt_main_thread_nice,
      "Lower only the sweep server's main thread, not its render threads (as before issue #16's fix)", NULL },
    { "no-idle-server", 0, 0, G_OPTION_ARG_NONE, &opt_no_idle_server,
      "Servers at nice 10 only, not SCHED_IDLE too (as before; on an EEVDF kernel they keep a core a slice long)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- the longest main-loop stall: a log flood and a large image at once");
  g_autoptr(GError) error = NULL;
  g_autoptr(FalLocalServer) server = NULL;
  g_autoptr(BenchServer) niced_server = NULL;
  const char *server_url;
  g_autoptr(BenchServer) sweep_server = NULL;
  g_autofree char *flood_text = NULL;
  g_autofree char *sweep_dir = NULL;
  g_autofree char *sweep_text = NULL;
  g_autofree char *result_id = NULL;
  g_autofree char *result_label = NULL;
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  g_autoptr(GPtrArray) part_words = g_ptr_array_new_with_free_func (g_free);
  gboolean store_loaded = FALSE;
  int x_pid;
  double x_cpu0, x_cpu1;
  g_autofree char *image_text = NULL;
  g_autofree Outcome *outcomes = NULL;
  Run run = { 0 };
  Probe reference;
  GtkWidget *paned;
  const Outcome *median, *worst;
  gboolean met, ok = TRUE;

  /* As the app's main() does. */
  falstaff_memory_init ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || opt_lines < 1 || opt_image_size < 16 ||
      opt_image_size > 4096 || opt_reference_ms < 100 || opt_speed <= 0 || opt_repeat < 1 ||
      opt_sweep_side < 0 || opt_sweep_side > 16 || opt_sweep_speed <= 0 ||
      (opt_no_flood && opt_no_image && opt_sweep_side == 0))
    {
      g_printerr ("bench-ui-stall: %s\n", error ? error->message
                                                : "--lines ≥ 1, 16 ≤ --image-size ≤ 4096, --reference-ms ≥ 100, --speed > 0, "
                                                  "--repeat ≥ 1, 0 ≤ --sweep ≤ 16, something to measure");
      return 2;
    }
  bench_server_set_idle_policy (!opt_no_idle_server);

  /* The settings of the other UI benchmarks and tests, unless given. */
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_DEBUG", "gl-disable", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_unsetenv ("FAL_KEY");
  g_unsetenv ("FAL_KEY_ID");
  g_unsetenv ("FAL_KEY_SECRET");
  g_unsetenv ("FALSTAFF_PROXY_URL");
  if (!gtk_init_check ())
    {
      g_printerr ("bench-ui-stall: no display (run it under xvfb-run)\n");
      return 1;
    }
  adw_init ();

  milestones = g_array_new (FALSE, TRUE, sizeof (Milestone));
  g_array_set_clear_func (milestones, milestone_clear);
  frames = g_array_new (FALSE, TRUE, sizeof (Frame));

  if (opt_in_process_server)
    {
      server = g_object_new (FAL_LOCAL_TYPE_SERVER, "port", 0, "speed", opt_speed, "runners", 2,
                             "key", FAL_LOCAL_DEFAULT_KEY, NULL);
      if (!fal_local_server_start (server, &error))
        {
          g_printerr ("bench-ui-stall: server: %s\n", error->message);
          return 1;
        }
      server_url = fal_local_server_get_url (server);
    }
  else
    {
      /* fal renders elsewhere: the 4096² PNG and the flood are made in a
       * process of their own at nice 10, as the sweep's. */
      niced_server = bench_server_spawn_niced (BENCH_FALCTL, opt_speed, 2, 10, &error);
      if (niced_server == NULL)
        {
          g_printerr ("bench-ui-stall: server: %s\n", error->message);
          return 1;
        }
      server_url = bench_server_get_url (niced_server);
    }
  run.client = fal_client_new ();
  fal_client_use_local_server (run.client, server_url);
  fal_client_set_key (run.client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  run.downloads = soup_session_new ();
  run.sweep_runs = g_ptr_array_new_with_free_func (g_object_unref);

  /* The flood's logs and the image's gallery side by side. */
  run.window = GTK_WINDOW (adw_window_new ());
  gtk_window_set_title (run.window, "bench-ui-stall");
  gtk_window_set_default_size (run.window, 1200, 760);
  paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  run.log_side = g_object_new (FALSTAFF_TYPE_REQUEST_VIEW, NULL);
  run.image_side = g_object_new (FALSTAFF_TYPE_REQUEST_VIEW, NULL);
  gtk_paned_set_start_child (GTK_PANED (paned), GTK_WIDGET (run.log_side));
  gtk_paned_set_end_child (GTK_PANED (paned), GTK_WIDGET (run.image_side));
  gtk_paned_set_position (GTK_PANED (paned), 600);
  adw_window_set_content (ADW_WINDOW (run.window), paned);
  watch_frames (GTK_WIDGET (run.window), 0);
  gtk_window_present (run.window);

  /* The sweep's own server, history and sheet. */
  if (opt_sweep_side > 0)
    {
      g_autofree char *db = NULL;
      g_autofree char *outputs = NULL;
      g_autofree char *thumbs = NULL;

      sweep_server = bench_server_spawn_niced (BENCH_FALCTL, opt_sweep_speed, opt_sweep_side * opt_sweep_side, opt_main_thread_nice ? 0 : 10, &error);
      if (sweep_server == NULL)
        {
          g_printerr ("bench-ui-stall: the sweep's server: %s\n", error->message);
          return 1;
        }
      /* --main-thread-nice: as this bench did before, only the server's
       * main thread at nice 10 (its render threads then compete with the
       * app's main thread at nice 0). */
      if (opt_main_thread_nice)
        setpriority (PRIO_PROCESS, bench_server_get_pid (sweep_server), 10);
      run.sweep_client = fal_client_new ();
      fal_client_use_local_server (run.sweep_client, bench_server_get_url (sweep_server));
      fal_client_set_key (run.sweep_client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
      sweep_dir = g_dir_make_tmp ("bench-ui-stall-XXXXXX", &error);
      g_assert_no_error (error);
      db = g_build_filename (sweep_dir, "history.sqlite3", NULL);
      outputs = g_build_filename (sweep_dir, "outputs", NULL);
      thumbs = g_build_filename (sweep_dir, "thumbnails", NULL);
      run.store = falstaff_run_store_new (db);
      falstaff_run_store_load_async (run.store, NULL, store_loaded_cb, &store_loaded);
      while (!store_loaded)
        g_main_context_iteration (NULL, TRUE);
      run.keeper = falstaff_output_keeper_new (outputs, thumbs);
      run.sheet_window = gtk_window_new ();
      gtk_window_set_title (GTK_WINDOW (run.sheet_window), "bench-ui-stall: sweep");
      gtk_window_set_default_size (GTK_WINDOW (run.sheet_window), 900, 700);
      run.sheet = g_object_new (FALSTAFF_TYPE_CONTACT_SHEET, NULL);
      falstaff_contact_sheet_set_output_keeper (run.sheet, run.keeper);
      gtk_window_set_child (GTK_WINDOW (run.sheet_window), GTK_WIDGET (run.sheet));
      watch_frames (run.sheet_window, 2);
      gtk_window_present (GTK_WINDOW (run.sheet_window));
    }

  flood_text = opt_no_flood ? g_strdup ("")
                            : g_strdup_printf ("a FalRequest's log flood (" LLM_ENDPOINT ", x-fal-fault: log-flood=%d) "
                                               "arrives in a FalstaffLogView%s", opt_lines, opt_no_image ? "" : " and ");
  image_text = opt_no_image ? g_strdup ("")
                            : g_strdup_printf ("a %d×%d PNG from " IMAGE_ENDPOINT " is downloaded, decoded and thumbnailed "
                                               "by the gallery%s", opt_image_size, opt_image_size,
                                               opt_no_zoom ? "" : ", then opened in a FalstaffZoomWindow (fit, 100 %, fit)");
  sweep_text = opt_sweep_side == 0 ? g_strdup ("")
                                    : g_strdup_printf ("%sa sweep of %d runs fills a FalstaffContactSheet in a window of "
                                                       "its own (its runs on a falctl serve at speed %g, nice 10, SCHED_IDLE)",
                                                       opt_no_flood && opt_no_image ? "" : "; and ",
                                                       opt_sweep_side * opt_sweep_side, opt_sweep_speed);
  printf ("bench-ui-stall: the longest gap between firings of a 1 ms timer on the main context while %s%s%s "
          "(FalstaffRequestView pages side by side in one visible window, GSK_RENDERER=%s; the flood and the sweep "
          "start %d ms after the image); the reference: the same timer, %d ms with the windows shown and nothing "
          "running. In-process FalLocalServer at speed %g. %d runs; the median run's figure counts.\n",
          flood_text, image_text, sweep_text, g_getenv ("GSK_RENDERER"), opt_flood_delay_ms, opt_reference_ms,
          opt_speed, opt_repeat);
  fflush (stdout);

  wait_until (main_window_drawn, &run, g_get_monotonic_time () + 30 * G_USEC_PER_SEC);
  if (!main_window_drawn (&run))
    {
      g_printerr ("bench-ui-stall: the window never drew a frame\n");
      return 1;
    }
  iterate_for (&run, 300);

  /* The reference: nothing running. */
  probe_start (&reference);
  iterate_for (&run, opt_reference_ms);
  probe_stop (&reference);
  g_array_unref (reference.gaps);

  x_pid = bench_x_server_pid ();
  x_cpu0 = x_pid ? bench_process_cpu (x_pid) : 0;
  outcomes = g_new0 (Outcome, opt_repeat);
  for (int i = 0; i < opt_repeat; i++)
    {
      measure (&run, &outcomes[i]);
      printf ("  run %d: longest stall %.1f ms, after \"%s\": %s%s%s\n", i + 1, gap_ms (&outcomes[i].longest),
              outcomes[i].where, outcomes[i].cause,
              outcomes[i].failure ? "; FAILED: " : "", outcomes[i].failure ? outcomes[i].failure : "");
      fflush (stdout);
      ok &= outcomes[i].failure == NULL;
    }
  x_cpu1 = x_pid ? bench_process_cpu (x_pid) : 0;
  qsort (outcomes, opt_repeat, sizeof (Outcome), compare_outcomes);
  median = &outcomes[opt_repeat / 2];
  worst = &outcomes[opt_repeat - 1];
  printf ("the median run:\n%s", median->report);
  if (worst != median)
    printf ("the worst run:\n%s", worst->report);

  met = gap_ms (&median->longest) < opt_goal_ms;
  printf ("results:\n");
  printf ("  longest main-loop stall: %.1f ms (median of %d runs; %.1f–%.1f), after \"%s\", vs %.1f ms with nothing "
          "running, same run (goal < %.0f ms): %s%s%s\n",
          gap_ms (&median->longest), opt_repeat, gap_ms (&outcomes[0].longest), gap_ms (&worst->longest),
          median->where, gap_ms (&reference.longest), opt_goal_ms, met ? "goal met" : "goal missed",
          met ? "" : "; likeliest cause: ", met ? "" : median->cause);
  if (x_pid)
    printf ("  the X server's CPU over the %d runs: %.2f s\n", opt_repeat, x_cpu1 - x_cpu0);
  /* The figure of issue #16 is all three at once: stall.combined. */
  if (!opt_no_flood)
    {
      g_ptr_array_add (parts, "flood");
      g_ptr_array_add (part_words, g_strdup_printf ("%d-line log flood", opt_lines));
    }
  if (!opt_no_image)
    {
      g_ptr_array_add (parts, "image");
      g_ptr_array_add (part_words, g_strdup_printf ("%d² result%s", opt_image_size, opt_no_zoom ? "" : " + zoom"));
    }
  if (opt_sweep_side > 0)
    {
      g_ptr_array_add (parts, "sweep");
      g_ptr_array_add (part_words, g_strdup_printf ("%d-run sweep filling in", opt_sweep_side * opt_sweep_side));
    }
  g_ptr_array_add (parts, NULL);
  g_ptr_array_add (part_words, NULL);
  {
    g_autofree char *joined = g_strjoinv ("-", (char **) parts->pdata);
    g_autofree char *words = g_strjoinv (" + ", (char **) part_words->pdata);

    result_id = parts->len == 4 ? g_strdup ("stall.combined") : g_strconcat ("stall.", joined, NULL);
    result_label = g_strconcat ("longest main-loop stall: ", words, NULL);
  }
  bench_result (result_id, result_label, gap_ms (&median->longest), "ms", gap_ms (&reference.longest),
                "same timer, nothing running", "<", opt_goal_ms);
  fflush (stdout);

  for (int i = 0; i < opt_repeat; i++)
    outcome_clear (&outcomes[i]);
  gtk_window_destroy (run.window);
  if (run.sheet_window)
    gtk_window_destroy (GTK_WINDOW (run.sheet_window));
  g_clear_pointer (&run.sweep_runs, g_ptr_array_unref);
  g_clear_object (&run.keeper);
  g_clear_object (&run.store);
  g_clear_object (&run.sweep_client);
  if (sweep_dir)
    bench_remove_tree (sweep_dir);
  g_clear_object (&run.client);
  g_clear_object (&run.downloads);
  g_clear_pointer (&milestones, g_array_unref);
  g_clear_pointer (&frames, g_array_unref);
  if (server)
    fal_local_server_stop (server);
  /* Goals are reported, never asserted; only a broken run fails. */
  return ok ? 0 : 1;
}
