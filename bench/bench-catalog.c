/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <adwaita.h>

#include "fal.h"
#include "fal-local-server.h"

#include "bench-common.h"
#include "falstaff-catalog.h"
#include "falstaff-endpoint-picker.h"
#include "falstaff-model-search.h"
#include "falstaff-picker-item.h"

/* The endpoint picker searching fal's catalog, in a shown window, against
 * a FalLocalServer on a thread of this process (121 models):
 *  (a) keystroke → rows painted: for each of 30 queries, the text is set
 *      (from the empty query's list) and the time to the first frame
 *      (the frame clock's after-paint) is taken twice: when the list first
 *      shows rows matching the query (the results already known, filtered
 *      at once), and when it shows fal's own answer for the text (which
 *      waits for the picker's debounce). Goal: the first, p95 < 100 ms.
 *  (b) scrolling: the empty query's list scrolled to the end and back
 *      while its pages load and the thumbnails of the rows in view are
 *      fetched and decoded, passes until 1,000 rows have gone by; the
 *      longest gap between firings of a 1 ms timer on the main context.
 *      Reference: the same timer with the window idle. Goal: < 50 ms. */

static const char *queries[] = {
  "kling", "flux", "sdxl", "video", "whisper", "minimax", "llm", "audio", "recraft", "ideogram",
  "stable", "lora", "tts", "wan", "speech", "upscaler", "hunyuan", "turbo", "elevenlabs", "trainer",
  "luma", "ltx", "florence", "qwen", "veo3", "pixverse", "kontext", "seedream", "rembg", "kokoro",
};

static int opt_rows = 1000;
static int opt_reference_ms = 1000;
static double opt_goal_keys_ms = 100;
static double opt_goal_stall_ms = 50;

typedef struct {
  FalstaffEndpointPicker *picker;
  GtkListView *list_view;
  const char *query;
  gint64 changed_at;
  gint64 matching_at;         /* first frame with matching rows */
  gint64 answered_at;         /* first frame with fal's answer */
  gint64 last_tick;
  gint64 longest_gap;
  gboolean probing;
} Bench;

static GtkWidget *
find_list_view (GtkWidget *widget)
{
  if (GTK_IS_LIST_VIEW (widget))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_list_view (child);

      if (found)
        return found;
    }
  return NULL;
}

/* Endpoint rows listed, and whether the first few match the query. */
static guint
listed (Bench      *bench,
        const char *query,
        gboolean   *matching)
{
  GListModel *items = G_LIST_MODEL (gtk_list_view_get_model (bench->list_view));
  guint n = 0;

  *matching = TRUE;
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(FalstaffPickerItem) item = g_list_model_get_item (items, i);

      if (falstaff_picker_item_is_header (item))
        continue;
      if (n < 10 && query && !falstaff_endpoint_info_matches (falstaff_picker_item_get_info (item), query))
        *matching = FALSE;
      n++;
    }
  return n;
}

static gboolean
answered (Bench *bench)
{
  FalstaffModelSearch *search = falstaff_endpoint_picker_get_search (bench->picker);

  return !falstaff_model_search_get_loading (search) &&
         g_strcmp0 (falstaff_model_search_get_results_query (search), bench->query) == 0;
}

static void
after_paint_cb (GdkFrameClock *clock,
                Bench         *bench)
{
  gint64 now = g_get_monotonic_time ();
  gboolean matching;

  if (bench->query == NULL || bench->changed_at == 0)
    return;
  if (bench->matching_at == 0 && listed (bench, bench->query, &matching) > 0 && matching)
    bench->matching_at = now;
  if (bench->answered_at == 0 && answered (bench) && listed (bench, bench->query, &matching) > 0 && matching)
    bench->answered_at = now;
}

static void
iterate_until (gboolean (*done) (Bench *), Bench *bench, int timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  while ((done == NULL || !done (bench)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
both_seen (Bench *bench)
{
  return bench->matching_at && bench->answered_at;
}

static gboolean
idle_answered (Bench *bench)
{
  return answered (bench);
}

static gboolean
tick_cb (gpointer data)
{
  Bench *bench = data;
  gint64 now = g_get_monotonic_time ();

  if (bench->probing && bench->last_tick)
    bench->longest_gap = MAX (bench->longest_gap, now - bench->last_tick);
  bench->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
set_query (Bench      *bench,
           const char *text)
{
  GtkEditable *entry = GTK_EDITABLE (falstaff_endpoint_picker_get_search_entry (bench->picker));

  bench->query = text;
  bench->matching_at = bench->answered_at = 0;
  bench->changed_at = g_get_monotonic_time ();
  gtk_editable_set_text (entry, text);
}

static int
compare_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "rows", 0, 0, G_OPTION_ARG_INT, &opt_rows, "Rows to scroll past in all (1000)", "N" },
    { "reference-ms", 0, 0, G_OPTION_ARG_INT, &opt_reference_ms, "Length of the idle reference (1000)", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- the endpoint picker searching and scrolling fal's catalog");
  g_autoptr(GError) error = NULL;
  g_autoptr(FalLocalServer) server = NULL;
  g_autoptr(FalClient) client = NULL;
  g_autoptr(FalstaffCatalog) builtin = NULL;
  g_autoptr(GArray) matching = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GArray) answers = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *home = NULL;
  Bench bench = { 0 };
  GtkWidget *window;
  GtkAdjustment *adjustment;
  FalstaffModelSearch *search;
  guint missed = 0, tick, passes = 0, distinct;
  double rows_scrolled = 0, reference_ms, stall_ms;
  gboolean keys_met, stall_met;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-catalog: %s\n", error->message);
      return 2;
    }
  /* A cache of its own: thumbnails and the kept catalog start cold. */
  home = g_dir_make_tmp ("bench-catalog-XXXXXX", NULL);
  g_setenv ("XDG_CACHE_HOME", home, TRUE);
  g_setenv ("GSK_RENDERER", g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "cairo", TRUE);
  gtk_init ();
  adw_init ();

  server = g_object_new (FAL_LOCAL_TYPE_SERVER, "port", 0, NULL);
  if (!fal_local_server_start (server, &error))
    {
      g_printerr ("bench-catalog: no local server: %s\n", error->message);
      return 1;
    }
  client = g_object_new (FAL_TYPE_CLIENT, NULL);
  fal_client_use_local_server (client, fal_local_server_get_url (server));
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);

  builtin = falstaff_catalog_new (NULL);
  bench.picker = g_object_new (FALSTAFF_TYPE_ENDPOINT_PICKER, NULL);
  falstaff_endpoint_picker_set_catalog (bench.picker, builtin);
  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 420, 760);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (bench.picker));
  gtk_window_present (GTK_WINDOW (window));
  falstaff_endpoint_picker_set_client (bench.picker, client);
  bench.list_view = GTK_LIST_VIEW (find_list_view (GTK_WIDGET (bench.picker)));
  search = falstaff_endpoint_picker_get_search (bench.picker);
  bench.query = "";
  iterate_until (idle_answered, &bench, 10000);
  iterate_until (NULL, &bench, 500);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint_cb), &bench);

  /* (a) keystroke → rows painted. */
  for (guint i = 0; i < G_N_ELEMENTS (queries); i++)
    {
      gint64 m, a;

      set_query (&bench, queries[i]);
      iterate_until (both_seen, &bench, 5000);
      if (!both_seen (&bench))
        {
          missed++;
          g_printerr ("  \"%s\": no matching rows painted within 5 s\n", queries[i]);
        }
      else
        {
          m = bench.matching_at - bench.changed_at;
          a = bench.answered_at - bench.changed_at;
          g_array_append_val (matching, m);
          g_array_append_val (answers, a);
        }
      /* Back to the whole list, as a person clearing the entry. */
      bench.changed_at = 0;
      bench.query = "";
      gtk_editable_set_text (GTK_EDITABLE (falstaff_endpoint_picker_get_search_entry (bench.picker)), "");
      iterate_until (idle_answered, &bench, 5000);
      iterate_until (NULL, &bench, 100);
    }
  g_array_sort (matching, compare_gint64);
  g_array_sort (answers, compare_gint64);

  /* (b) scrolling, with the idle reference first. */
  tick = g_timeout_add (1, tick_cb, &bench);
  bench.probing = TRUE;
  iterate_until (NULL, &bench, opt_reference_ms);
  reference_ms = bench.longest_gap / 1000.0;
  bench.longest_gap = 0;
  adjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (bench.list_view));
  while (rows_scrolled < opt_rows && passes < 40)
    {
      int direction = passes % 2 == 0 ? 1 : -1;

      for (;;)
        {
          double value = gtk_adjustment_get_value (adjustment);
          double page = gtk_adjustment_get_page_size (adjustment);
          double upper = gtk_adjustment_get_upper (adjustment);
          guint n_items = MAX (1, g_list_model_get_n_items (G_LIST_MODEL (gtk_list_view_get_model (bench.list_view))));
          double row_height = upper / n_items;
          double target = CLAMP (value + direction * page / 3, 0, MAX (0, upper - page));

          if (target == value)
            {
              /* At the end: the next page may be on its way. */
              if (direction > 0 && falstaff_model_search_get_has_more (search))
                {
                  iterate_until (NULL, &bench, 16);
                  continue;
                }
              break;
            }
          gtk_adjustment_set_value (adjustment, target);
          rows_scrolled += ABS (target - value) / row_height;
          /* About a frame per step, as a wheel or touchpad would. */
          iterate_until (NULL, &bench, 16);
        }
      passes++;
    }
  stall_ms = bench.longest_gap / 1000.0;
  bench.probing = FALSE;
  g_source_remove (tick);
  {
    gboolean ignored;

    distinct = listed (&bench, NULL, &ignored);
  }

  keys_met = matching->len > 0 && bench_percentile (matching, 0.95) / 1000.0 < opt_goal_keys_ms && missed == 0;
  stall_met = stall_ms < opt_goal_stall_ms;
  printf ("bench-catalog: the endpoint picker searching fal's catalog (a local server in this process, 121 models, "
          "25 a page) in a shown window (GSK_RENDERER=%s)\n", g_getenv ("GSK_RENDERER"));
  printf ("results:\n");
  printf ("  keystroke → first rows matching the query painted: p50 %.1f ms, p95 %.1f ms over %u queries "
          "(the results already known filtered at once, else fal's answer) (goal p95 < %.0f ms): %s\n",
          matching->len ? bench_percentile (matching, 0.5) / 1000.0 : -1,
          matching->len ? bench_percentile (matching, 0.95) / 1000.0 : -1, matching->len, opt_goal_keys_ms,
          bench_goal_word (keys_met));
  printf ("  keystroke → fal's own answer for the text painted: p50 %.1f ms, p95 %.1f ms over %u queries, "
          "%u ms of it the picker's debounce (no goal of its own)\n",
          answers->len ? bench_percentile (answers, 0.5) / 1000.0 : -1,
          answers->len ? bench_percentile (answers, 0.95) / 1000.0 : -1, answers->len,
          (guint) FALSTAFF_MODEL_SEARCH_DEBOUNCE_MS);
  if (missed)
    printf ("  %u queries showed no matching rows within 5 s\n", missed);
  printf ("  scrolling: %.0f rows scrolled past in %u passes over %u distinct models (the local server has 121: "
          "1,000 distinct models cannot be reached with it, so the list is scrolled to the end and back)\n",
          rows_scrolled, passes, distinct);
  printf ("  longest main-loop stall while scrolling: %.1f ms, vs %.1f ms idle, same run (goal < %.0f ms): %s%s\n",
          stall_ms, reference_ms, opt_goal_stall_ms, bench_goal_word (stall_met), "");
  bench_result ("catalog.keystroke-missed", "catalog: queries with no matching rows within 5 s",
                missed, "queries", NAN, NULL, "<=", 0);
  bench_result ("catalog.scroll-stall", "catalog: longest main-loop stall while scrolling", stall_ms, "ms",
                reference_ms, "idle", "<", opt_goal_stall_ms);

  {
    /* A query that never showed its rows counts as its 5 s wait. */
    g_autoptr(GArray) all = g_array_copy (matching);
    gint64 timeout_us = 5 * G_USEC_PER_SEC;

    for (guint i = 0; i < missed; i++)
      g_array_append_val (all, timeout_us);
    bench_result ("catalog.keystroke-p95", "catalog keystroke → rows painted, p95",
                  all->len ? bench_percentile (all, 0.95) / 1000.0 : 5000.0, "ms", NAN, NULL, "<", opt_goal_keys_ms);
  }

  gtk_window_destroy (GTK_WINDOW (window));
  fal_local_server_stop (server);
  return 0;
}
