/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-common.h"
#include "fal.h"
#include "fal-local-server.h"

/* A log flood followed by a FalRequest: N lines (fault log-flood=N, 20
 * batches over the run) arriving over ~20 polls, then over the status
 * stream, at N/10 and at N lines. Figures: client CPU time per line (the
 * N/10 run is the reference; goal: within 1.2×), the log model holding
 * each line once (reference: the lines the server logged), and the
 * longest stall of the caller's main loop (goal < 50 ms).
 *
 * The server runs on a thread of this process. Its own thread
 * ("fal-local-srv") is read from /proc and taken out of the process's CPU
 * time; GLib's worker pool (the client's off-thread JSON parsing, and the
 * server's output computation, which is tiny for any-llm) stays in. */

#define ENDPOINT "fal-ai/any-llm"
#define RUN_MS 2500            /* any-llm's run time at speed 1 */
#define QUEUE_STEP_MS 300
#define PLAN_LINES 3           /* the llm plan's own lines */
#define TARGET_POLLS 20
#define DEADLINE_S 300

static int opt_lines = 100000;
static double opt_speed = 1.0;
static int opt_repeat = 3;
static int opt_poll_interval = 0;   /* 0: run time / TARGET_POLLS */

typedef struct {
  gboolean streaming;
  guint lines;
  /* results */
  double wall_s;
  double process_cpu_s;
  double server_cpu_s;
  double client_cpu_s;
  double main_cpu_s;
  guint polls;
  guint streams;
  guint model_items;
  guint expected_items;
  gboolean each_once;
  double longest_stall_ms;
  double worst_stall_ms;     /* the longest of all repeats */
  double stall_cpu_ms;       /* main-thread CPU in the worst gap */
  double busiest_gap_cpu_ms; /* most main-thread CPU in any gap */
  gboolean ok;
} Run;

/* ------------------------------------------------------------------ CPU */

static double
timeval_s (struct timeval tv)
{
  return tv.tv_sec + tv.tv_usec / 1e6;
}

static double
process_cpu (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return timeval_s (usage.ru_utime) + timeval_s (usage.ru_stime);
}

static double
this_thread_cpu (void)
{
  struct rusage usage;

  getrusage (RUSAGE_THREAD, &usage);
  return timeval_s (usage.ru_utime) + timeval_s (usage.ru_stime);
}

/* utime + stime of one /proc/self/task/TID/stat, and its name. */
static double
stat_cpu (const char  *path,
          char       **comm)
{
  g_autofree char *text = NULL;
  char *open_paren, *close_paren;
  g_auto(GStrv) fields = NULL;
  static long ticks = 0;

  if (ticks == 0)
    ticks = sysconf (_SC_CLK_TCK);
  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      (open_paren = strchr (text, '(')) == NULL || (close_paren = strrchr (text, ')')) == NULL)
    return 0;
  *comm = g_strndup (open_paren + 1, close_paren - open_paren - 1);
  /* After ") ": state is field 3, utime 14 and stime 15. */
  fields = g_strsplit (close_paren + 2, " ", 0);
  if (g_strv_length (fields) < 13)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) / ticks;
}

static double
server_thread_cpu (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  const char *tid;
  double total = 0;

  while (dir && (tid = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename ("/proc/self/task", tid, "stat", NULL);
      g_autofree char *comm = NULL;
      double cpu = stat_cpu (path, &comm);

      if (comm && g_str_has_prefix (comm, "fal-local-s"))
        total += cpu;
    }
  return total;
}

/* ------------------------------------------------------------------ stall probe */

/* A 1 ms timeout on the caller's context: the longest gap between two
 * firings is the longest stall. The main thread's CPU time in that gap
 * tells the client's own work from being descheduled (a busy machine). */
typedef struct {
  gint64 last;
  double last_cpu;
  gint64 longest;
  double longest_cpu;     /* main-thread CPU seconds during the longest gap */
  double busiest_cpu;     /* the most main-thread CPU in any one gap */
} StallProbe;

static gboolean
probe_cb (gpointer data)
{
  StallProbe *probe = data;
  gint64 now = g_get_monotonic_time ();
  double cpu = this_thread_cpu ();

  if (probe->last != 0)
    {
      if (now - probe->last > probe->longest)
        {
          probe->longest = now - probe->last;
          probe->longest_cpu = cpu - probe->last_cpu;
        }
      probe->busiest_cpu = MAX (probe->busiest_cpu, cpu - probe->last_cpu);
    }
  probe->last = now;
  probe->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ control */

static JsonNode *
http (SoupSession *session,
      const char  *base,
      const char  *method,
      const char  *path,
      const char  *body)
{
  g_autofree char *url = g_strconcat (base, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;

  /* The control routes refuse requests without it (403). */
  if (strstr (path, "/__control/"))
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization",
                                "Key " FAL_LOCAL_DEFAULT_KEY);
  if (body)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  bytes = soup_session_send_and_read (session, msg, NULL, &error);
  if (bytes == NULL)
    g_error ("%s %s: %s", method, path, error->message);
  return json_from_string (g_bytes_get_data (bytes, NULL), NULL);
}

static guint
count_requests (SoupSession *session,
                const char  *base,
                const char  *suffix)
{
  g_autoptr(JsonNode) node = http (session, base, "GET", "/__control/requests", NULL);
  JsonArray *log = json_node_get_array (node);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), "GET") &&
          g_str_has_suffix (json_object_get_string_member (entry, "path"), suffix))
        n++;
    }
  return n;
}

/* Each "flood line i of N" once, and the plan's lines. */
static gboolean
check_model (GListModel *model,
             guint       lines)
{
  g_autofree guint8 *seen = g_malloc0 (lines + 1);
  guint n = g_list_model_get_n_items (model);
  guint flood = 0;

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalLogEntry) entry = g_list_model_get_item (model, i);
      const char *message = fal_log_entry_get_message (entry);
      guint index, of;

      if (sscanf (message, "flood line %u of %u", &index, &of) == 2)
        {
          if (of != lines || index == 0 || index > lines || seen[index])
            return FALSE;
          seen[index] = 1;
          flood++;
        }
    }
  return flood == lines && n == lines + PLAN_LINES;
}

/* ------------------------------------------------------------------ one run */

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
run_once (Run *run)
{
  g_autoptr(FalLocalServer) server = NULL;
  g_autoptr(SoupSession) control = soup_session_new_with_options ("timeout", 120, NULL);
  g_autoptr(FalClient) client = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = json_from_string ("{\"prompt\":\"flood me\"}", NULL);
  g_autofree char *fault = g_strdup_printf ("log-flood=%u", run->lines);
  const char *headers[] = { "x-fal-fault", fault, NULL };
  FalCallOptions options = { .headers = headers };
  StallProbe probe = { 0 };
  GSource *probe_source;
  double run_ms = RUN_MS / opt_speed;
  double cpu0, server0, main0;
  gint64 start, deadline;
  guint tick;

  server = g_object_new (FAL_LOCAL_TYPE_SERVER, "port", 0, "speed", opt_speed, "runners", 2,
                         "key", FAL_LOCAL_DEFAULT_KEY, NULL);
  if (!fal_local_server_start (server, &error))
    g_error ("server: %s", error->message);

  client = fal_client_new ();
  fal_client_use_local_server (client, fal_local_server_get_url (server));
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  if (!run->streaming)
    {
      /* The stream always fails: ~20 polls over the run. */
      g_autoptr(JsonNode) rules = http (control, fal_local_server_get_url (server), "POST", "/__control/faults",
                                        "{\"method\":\"GET\",\"path\":\"/status/stream$\",\"count\":1000000,\"fault\":\"status=500\"}");
      fal_client_set_poll_interval (client, opt_poll_interval > 0 ? (guint) opt_poll_interval
                                                                  : (guint) (run_ms / TARGET_POLLS));
    }

  probe_source = g_timeout_source_new (1);
  g_source_set_callback (probe_source, probe_cb, &probe, NULL);
  g_source_attach (probe_source, NULL);
  tick = g_timeout_add (10, tick_cb, NULL);

  cpu0 = process_cpu ();
  server0 = server_thread_cpu ();
  main0 = this_thread_cpu ();
  start = g_get_monotonic_time ();
  deadline = start + DEADLINE_S * G_USEC_PER_SEC;

  request = fal_client_submit (client, ENDPOINT, body, &options, &error);
  if (request == NULL)
    g_error ("submit: %s", error->message);
  while (!fal_request_is_done (request) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);

  run->wall_s = (g_get_monotonic_time () - start) / 1e6;
  run->process_cpu_s = process_cpu () - cpu0;
  run->server_cpu_s = server_thread_cpu () - server0;
  run->main_cpu_s = this_thread_cpu () - main0;
  run->client_cpu_s = run->process_cpu_s - run->server_cpu_s;
  run->longest_stall_ms = probe.longest / 1000.0;
  run->stall_cpu_ms = probe.longest_cpu * 1000;
  run->busiest_gap_cpu_ms = probe.busiest_cpu * 1000;
  g_source_destroy (probe_source);
  g_source_unref (probe_source);
  g_source_remove (tick);

  run->ok = fal_request_is_done (request) && fal_request_get_error (request) == NULL;
  if (!run->ok)
    g_printerr ("bench-logs: the request failed: %s\n",
                fal_request_get_error (request) ? fal_request_get_error (request)->message : "deadline");
  run->model_items = g_list_model_get_n_items (fal_request_get_logs (request));
  run->expected_items = run->lines + PLAN_LINES;
  run->each_once = check_model (fal_request_get_logs (request), run->lines);
  run->polls = count_requests (control, fal_local_server_get_url (server), "/status");
  run->streams = count_requests (control, fal_local_server_get_url (server), "/status/stream");

  g_clear_object (&request);
  g_clear_object (&client);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  fal_local_server_stop (server);
}

static int
compare_client_cpu (gconstpointer a,
                    gconstpointer b)
{
  const Run *x = a, *y = b;

  return (x->client_cpu_s > y->client_cpu_s) - (x->client_cpu_s < y->client_cpu_s);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* opt_repeat runs: the one with the median client CPU stands for all; the
 * stall is the median of the runs' longest stalls (one descheduling on a
 * busy machine is not the client's doing), the worst one is kept too;
 * "each once" only if every run had it. */
static void
run_repeated (Run *run)
{
  g_autofree Run *samples = g_new0 (Run, opt_repeat);
  g_autofree double *stalls = g_new0 (double, opt_repeat);
  double worst = 0, busiest = 0;
  gboolean once = TRUE, ok = TRUE;

  for (int i = 0; i < opt_repeat; i++)
    {
      samples[i] = *run;
      run_once (&samples[i]);
      stalls[i] = samples[i].longest_stall_ms;
      if (samples[i].longest_stall_ms >= worst)
        {
          worst = samples[i].longest_stall_ms;
          run->stall_cpu_ms = samples[i].stall_cpu_ms;
        }
      busiest = MAX (busiest, samples[i].busiest_gap_cpu_ms);
      once &= samples[i].each_once;
      ok &= samples[i].ok;
    }
  qsort (stalls, opt_repeat, sizeof (double), compare_doubles);
  qsort (samples, opt_repeat, sizeof (Run), compare_client_cpu);
  {
    double worst_cpu = run->stall_cpu_ms;

    *run = samples[opt_repeat / 2];
    run->stall_cpu_ms = worst_cpu;
  }
  run->longest_stall_ms = stalls[opt_repeat / 2];
  run->worst_stall_ms = worst;
  run->busiest_gap_cpu_ms = busiest;
  run->each_once = once;
  run->ok = ok;
}

static void
print_run (const Run *run)
{
  printf ("  %-9s %6u lines: %2u polls%s, %u stream opens, wall %.2f s; CPU: client %.3f s (%.2f µs/line), "
          "of it main thread %.3f s; server thread %.3f s; process %.3f s; model %u items; "
          "longest stall %.1f ms (worst %.1f ms, %.1f ms of it main-thread CPU; most CPU in one gap %.1f ms)\n",
          run->streaming ? "streaming" : "polling", run->lines, run->polls,
          run->streaming ? "" : " (target " G_STRINGIFY (TARGET_POLLS) ")", run->streams, run->wall_s,
          run->client_cpu_s, run->lines ? run->client_cpu_s * 1e6 / run->lines : 0, run->main_cpu_s,
          run->server_cpu_s, run->process_cpu_s, run->model_items, run->longest_stall_ms,
          run->worst_stall_ms, run->stall_cpu_ms, run->busiest_gap_cpu_ms);
}

static const char *
goal_word (gboolean met)
{
  return met ? "met" : "MISSED";
}

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "lines", 'n', 0, G_OPTION_ARG_INT, &opt_lines, "Log lines in the large run (the small one has a tenth)", "N" },
    { "speed", 's', 0, G_OPTION_ARG_DOUBLE, &opt_speed, "Server speed (1: the run takes ~2.8 s)", "F" },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &opt_repeat, "Runs per figure (the median counts)", "N" },
    { "poll-interval", 'p', 0, G_OPTION_ARG_INT, &opt_poll_interval, "Poll interval in ms (default: run time / 20)", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- log flood: polling vs streaming");
  g_autoptr(GError) error = NULL;
  /* Per mode: no flood (the baseline: submit, queue, run, result, the
   * 1 ms probe), a tenth, all of it. */
  Run runs[6] = {
    { .streaming = FALSE }, { .streaming = FALSE }, { .streaming = FALSE },
    { .streaming = TRUE }, { .streaming = TRUE }, { .streaming = TRUE },
  };
  gboolean all_ok = TRUE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || opt_lines < 10 || opt_speed <= 0 || opt_repeat < 1)
    {
      g_printerr ("bench-logs: %s\n", error ? error->message : "--lines must be ≥ 10, --speed > 0, --repeat ≥ 1");
      return 2;
    }
  g_unsetenv ("FAL_KEY");
  g_unsetenv ("FAL_KEY_ID");
  g_unsetenv ("FAL_KEY_SECRET");
  g_unsetenv ("FALSTAFF_PROXY_URL");

  printf ("bench-logs: %d log lines (log-flood, 20 batches) on %s at speed %g (run %.1f s), "
          "followed by a FalRequest over polls (interval: run / %d) and over the status stream; "
          "reference: the same at %d lines, and with no flood.\n"
          "  CPU \"client\" = process CPU minus the in-process server's own thread; it includes GLib's worker pool.\n"
          "  Each figure: the median of %d runs (CPU, and each run's longest stall).\n",
          opt_lines, ENDPOINT, opt_speed, (QUEUE_STEP_MS + RUN_MS) / opt_speed / 1000, TARGET_POLLS, opt_lines / 10,
          opt_repeat);

  /* A warm-up, not counted: first-use costs (type registration, the
   * worker pool, TLS-free connection setup) would land on the baseline. */
  {
    Run warmup = { .streaming = TRUE, .lines = 100 };

    run_once (&warmup);
  }
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      guint step = i % 3;

      runs[i].lines = step == 0 ? 0 : step == 1 ? (guint) opt_lines / 10 : (guint) opt_lines;
      run_repeated (&runs[i]);
      print_run (&runs[i]);
      fflush (stdout);
      all_ok &= runs[i].ok;
    }

  printf ("results:\n");
  for (guint m = 0; m < 2; m++)
    {
      const Run *base = &runs[m * 3], *small = &runs[m * 3 + 1], *large = &runs[m * 3 + 2];
      /* Per line: the CPU above the no-flood baseline, so fixed costs do
       * not flatter the small run. */
      double per_small = (small->client_cpu_s - base->client_cpu_s) * 1e6 / small->lines;
      double per_large = (large->client_cpu_s - base->client_cpu_s) * 1e6 / large->lines;
      double ratio = per_large / per_small;
      double stall = MAX (small->longest_stall_ms, large->longest_stall_ms);
      gboolean once = small->each_once && large->each_once && base->each_once;

      printf ("  %-9s client CPU per line (above the %.3f s baseline) at %u lines: %.2f µs vs at %u lines: %.2f µs "
              "→ ratio %.2f (goal ≤ 1.2): %s\n",
              large->streaming ? "streaming" : "polling", base->client_cpu_s, large->lines, per_large,
              small->lines, per_small, ratio, goal_word (ratio <= 1.2));
      printf ("  %-9s log model: %u items vs %u lines logged (at %u), %u vs %u (at %u); each line once: %s\n",
              large->streaming ? "streaming" : "polling", large->model_items, large->expected_items,
              large->lines, small->model_items, small->expected_items, small->lines, goal_word (once));
      printf ("  %-9s longest main-loop stall: %.1f ms (at %u lines: %.1f ms, at %u: %.1f ms, no flood: %.1f ms; "
              "most main-thread CPU in one gap at %u lines: %.1f ms) (goal < 50 ms): %s\n",
              large->streaming ? "streaming" : "polling", stall, large->lines, large->longest_stall_ms,
              small->lines, small->longest_stall_ms, base->longest_stall_ms, large->lines,
              large->busiest_gap_cpu_ms, goal_word (stall < 50));
    }
  for (guint m = 0; m < 2; m++)
    {
      const Run *base = &runs[m * 3], *small = &runs[m * 3 + 1], *large = &runs[m * 3 + 2];
      const char *mode = large->streaming ? "streaming" : "polling";
      double per_small = (small->client_cpu_s - base->client_cpu_s) * 1e6 / small->lines;
      double per_large = (large->client_cpu_s - base->client_cpu_s) * 1e6 / large->lines;
      gboolean once = small->each_once && large->each_once && base->each_once;
      g_autofree char *id_cpu = g_strdup_printf ("logs.%s.cpu-per-line", mode);
      g_autofree char *id_once = g_strdup_printf ("logs.%s.each-line-once", mode);
      g_autofree char *id_stall = g_strdup_printf ("logs.%s.stall", mode);
      g_autofree char *label_cpu = g_strdup_printf ("libfal %s: client CPU per log line at %u lines", mode, large->lines);
      g_autofree char *ref_cpu = g_strdup_printf ("at %u lines", small->lines);
      g_autofree char *label_once = g_strdup_printf ("libfal %s: log model holds each line once", mode);
      g_autofree char *label_stall = g_strdup_printf ("libfal %s: longest main-loop stall, %u-line flood", mode, large->lines);

      bench_result (id_cpu, label_cpu, per_large, "µs", per_small, ref_cpu, "ratio<=", 1.2);
      bench_result (id_once, label_once, once ? 1 : 0, "yes/no", NAN, NULL, ">=", 1);
      bench_result (id_stall, label_stall, MAX (small->longest_stall_ms, large->longest_stall_ms), "ms",
                    base->longest_stall_ms, "no flood", "<", 50);
    }
  /* Goals are reported, never asserted; only a broken run fails. */
  return all_ok ? 0 : 1;
}
