/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-common.h"
#include "bench-config.h"

/* Submit → status → result round trips against the local fal server at
 * "instant completion" (every timeline divided by a huge speed), with N
 * concurrent workers on one GMainLoop, beside the HTTP floor: the same
 * client doing GET / at the same concurrency. */

/* 64×64 keeps the PNG render small; it is still real work (reported). */
#define SUBMIT_BODY "{\"prompt\":\"a lighthouse at dusk\",\"image_size\":{\"width\":64,\"height\":64}}"

typedef enum {
  MODE_FLOOR,    /* GET / */
  MODE_POLL,     /* POST, GET status until 200, GET result */
  MODE_STREAM,   /* POST, GET status/stream to its end, GET result */
} Mode;

static const char *const mode_names[] = { "floor", "poll", "stream" };

typedef struct {
  guint concurrency;
  guint poll_interval_ms;
  gboolean idempotent_submit;
} Settings;

typedef struct _Phase Phase;

typedef struct {
  Phase *phase;
  gint64 started;
  char *status_url;
  char *response_url;
} Worker;

struct _Phase {
  SoupSession *session;
  GMainLoop *loop;
  const char *base_url;
  Mode mode;
  guint poll_interval_ms;
  gboolean idempotent_submit;
  guint target;
  guint started;
  guint done;
  guint active;
  guint64 requests;
  guint64 polls;
  guint errors;          /* transport: reset, timeout */
  guint bad_answers;     /* wrong status or body: something is broken */
  char *first_error;
  GArray *latencies;     /* gint64 µs, one per round trip */
  guint connections;     /* TCP connections opened */
};

typedef struct {
  double seconds;
  double rate;
  double requests_per_second;
  double polls_per_trip;
  gint64 p50;
  gint64 p99;
  gint64 max;
  double client_cpu;
  double server_cpu;
  double server_thread_cpu;
  guint errors;
  guint bad_answers;
  guint trips;
  guint connections;
  gint64 listen_overflows;
  gboolean separate;     /* else client_cpu holds the server's too */
} PhaseResult;

static void worker_next (Worker *worker);

static void
worker_fail (Worker      *worker,
             const char  *what,
             SoupMessage *msg,
             GError      *error)
{
  Phase *phase = worker->phase;

  if (error)
    phase->errors++;
  else
    phase->bad_answers++;
  if (phase->first_error == NULL && error)
    phase->first_error = g_strdup_printf ("%s: %s", what, error->message);
  else if (phase->first_error == NULL)
    phase->first_error = g_strdup_printf ("%s: HTTP %u", what, msg ? soup_message_get_status (msg) : 0);
  /* Go on: one failure should be seen with the figures, not stop them. */
  worker_next (worker);
}

static void
worker_trip_done (Worker *worker)
{
  Phase *phase = worker->phase;
  gint64 elapsed = g_get_monotonic_time () - worker->started;

  g_array_append_val (phase->latencies, elapsed);
  phase->done++;
  worker_next (worker);
}

/* Keep-alive should make connections rare after the warm-up; new ones
 * show where the server (or the client) closes them. */
static void
network_event_cb (SoupMessage        *msg,
                  GSocketClientEvent  event,
                  GIOStream          *connection,
                  Phase              *phase)
{
  if (event == G_SOCKET_CLIENT_CONNECTED)
    {
      phase->connections++;
      if (g_getenv ("BENCH_DEBUG"))
        g_printerr ("connect: %s %s\n", soup_message_get_method (msg), g_uri_get_path (soup_message_get_uri (msg)));
    }
}

/* Sends msg and calls callback with the whole body; the message comes
 * back from the result. */
static void
worker_send (Worker              *worker,
             SoupMessage         *msg,
             GAsyncReadyCallback  callback)
{
  worker->phase->requests++;
  g_signal_connect (msg, "network-event", G_CALLBACK (network_event_cb), worker->phase);
  soup_session_send_and_read_async (worker->phase->session, msg, G_PRIORITY_DEFAULT,
                                    NULL, callback, worker);
}

static GBytes *
worker_receive (Worker        *worker,
                GAsyncResult  *result,
                SoupMessage  **msg,
                GError       **error)
{
  *msg = soup_session_get_async_result_message (worker->phase->session, result);
  return soup_session_send_and_read_finish (worker->phase->session, result, error);
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Worker *worker = data;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg = NULL;
  g_autoptr(GBytes) bytes = worker_receive (worker, result, &msg, &error);
  g_autoptr(JsonObject) object = NULL;

  if (bytes == NULL || soup_message_get_status (msg) != 200)
    {
      worker_fail (worker, "result", msg, error);
      return;
    }
  object = bench_parse_object (bytes);
  if (object == NULL ||
      (worker->phase->mode != MODE_FLOOR && !json_object_has_member (object, "images")) ||
      (worker->phase->mode == MODE_FLOOR && !json_object_has_member (object, "endpoints")))
    {
      worker_fail (worker, "result body", msg, NULL);
      return;
    }
  worker_trip_done (worker);
}

static void
worker_get_result (Worker *worker)
{
  g_autoptr(SoupMessage) msg = bench_message_new_json ("GET", worker->response_url, NULL);

  worker_send (worker, msg, result_cb);
}

static void worker_poll (Worker *worker);

static gboolean
poll_again_cb (gpointer data)
{
  worker_poll (data);
  return G_SOURCE_REMOVE;
}

static void
status_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Worker *worker = data;
  Phase *phase = worker->phase;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg = NULL;
  g_autoptr(GBytes) bytes = worker_receive (worker, result, &msg, &error);
  g_autoptr(JsonObject) object = NULL;
  guint status = msg ? soup_message_get_status (msg) : 0;

  if (bytes == NULL || (status != 200 && status != 202) ||
      (object = bench_parse_object (bytes)) == NULL)
    {
      worker_fail (worker, "status", msg, error);
      return;
    }
  if (g_strcmp0 (json_object_get_string_member_with_default (object, "status", NULL), "COMPLETED") == 0)
    worker_get_result (worker);
  else if (phase->poll_interval_ms > 0)
    g_timeout_add (phase->poll_interval_ms, poll_again_cb, worker);
  else
    worker_poll (worker);
}

static void
worker_poll (Worker *worker)
{
  g_autoptr(SoupMessage) msg = bench_message_new_json ("GET", worker->status_url, NULL);

  worker->phase->polls++;
  worker_send (worker, msg, status_cb);
}

static void
stream_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Worker *worker = data;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg = NULL;
  g_autoptr(GBytes) bytes = worker_receive (worker, result, &msg, &error);
  gsize size = 0;
  const char *text = bytes ? g_bytes_get_data (bytes, &size) : NULL;
  g_autofree char *copy = NULL;

  if (bytes == NULL || soup_message_get_status (msg) != 200)
    {
      worker_fail (worker, "status stream", msg, error);
      return;
    }
  /* The server ends the stream right after the COMPLETED event. */
  copy = g_strndup (text, size);
  if (strstr (copy, "\"status\":\"COMPLETED\"") == NULL)
    {
      worker_fail (worker, "status stream ended before COMPLETED", msg, NULL);
      return;
    }
  worker_get_result (worker);
}

static void
submit_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Worker *worker = data;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg = NULL;
  g_autoptr(GBytes) bytes = worker_receive (worker, result, &msg, &error);
  g_autoptr(JsonObject) object = NULL;
  const char *status_url;
  const char *response_url;

  if (bytes == NULL || soup_message_get_status (msg) != 200 ||
      (object = bench_parse_object (bytes)) == NULL ||
      (status_url = json_object_get_string_member_with_default (object, "status_url", NULL)) == NULL ||
      (response_url = json_object_get_string_member_with_default (object, "response_url", NULL)) == NULL)
    {
      worker_fail (worker, "submit", msg, error);
      return;
    }

  g_free (worker->response_url);
  worker->response_url = g_strdup (response_url);
  g_free (worker->status_url);
  if (worker->phase->mode == MODE_STREAM)
    {
      g_autoptr(SoupMessage) stream = NULL;

      worker->status_url = g_strconcat (status_url, "/stream", NULL);
      stream = bench_message_new_json ("GET", worker->status_url, NULL);
      worker_send (worker, stream, stream_cb);
    }
  else
    {
      worker->status_url = g_strdup (status_url);
      worker_poll (worker);
    }
}

static void
worker_next (Worker *worker)
{
  Phase *phase = worker->phase;

  if (phase->started >= phase->target)
    {
      g_clear_pointer (&worker->status_url, g_free);
      g_clear_pointer (&worker->response_url, g_free);
      if (--phase->active == 0)
        g_main_loop_quit (phase->loop);
      return;
    }

  phase->started++;
  worker->started = g_get_monotonic_time ();
  if (phase->mode == MODE_FLOOR)
    {
      g_autoptr(SoupMessage) msg = NULL;
      g_autofree char *url = g_strconcat (phase->base_url, "/", NULL);

      g_free (worker->response_url);
      worker->response_url = g_strdup (url);
      msg = bench_message_new_json ("GET", url, NULL);
      worker_send (worker, msg, result_cb);
    }
  else
    {
      g_autofree char *url = g_strconcat (phase->base_url, "/queue/fal-ai/fast-sdxl", NULL);
      g_autoptr(SoupMessage) msg = bench_message_new_json ("POST", url, SUBMIT_BODY);

      /* libsoup sends a POST on a fresh connection (closing an idle one
       * at max-conns-per-host) unless told it may be repeated. */
      if (phase->idempotent_submit)
        soup_message_add_flags (msg, SOUP_MESSAGE_IDEMPOTENT);
      worker_send (worker, msg, submit_cb);
    }
}

static double
self_cpu (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

static gint
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a;
  gint64 y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static PhaseResult
run_phase (const Settings *settings,
           SoupSession    *session,
           BenchServer    *server,
           Mode            mode,
           guint           trips)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  guint concurrency = settings->concurrency;
  g_autofree Worker *workers = g_new0 (Worker, concurrency);
  int pid = bench_server_get_pid (server);
  gboolean separate = bench_server_is_separate (server);
  PhaseResult r = { 0 };
  Phase phase = {
    .session = session,
    .loop = loop,
    .base_url = bench_server_get_url (server),
    .mode = mode,
    .poll_interval_ms = settings->poll_interval_ms,
    .idempotent_submit = settings->idempotent_submit,
    .target = trips,
    .latencies = g_array_sized_new (FALSE, FALSE, sizeof (gint64), trips),
  };
  double client_cpu0 = self_cpu ();
  double server_cpu0 = separate ? bench_process_cpu (pid) : 0;
  double thread_cpu0 = bench_server_thread_cpu (pid);
  gint64 overflows0 = bench_listen_overflows ();
  gint64 t0 = g_get_monotonic_time ();

  phase.active = concurrency;
  for (guint i = 0; i < concurrency; i++)
    {
      workers[i].phase = &phase;
      worker_next (&workers[i]);
    }
  g_main_loop_run (loop);

  r.seconds = (g_get_monotonic_time () - t0) / 1e6;
  r.client_cpu = self_cpu () - client_cpu0;
  /* In one process the "client" figure holds the server's time too. */
  r.server_cpu = separate ? bench_process_cpu (pid) - server_cpu0 : 0;
  r.server_thread_cpu = bench_server_thread_cpu (pid) - thread_cpu0;
  r.separate = separate;
  r.errors = phase.errors;
  r.bad_answers = phase.bad_answers;
  r.trips = phase.done;
  r.connections = phase.connections;
  r.listen_overflows = overflows0 >= 0 ? bench_listen_overflows () - overflows0 : 0;
  r.rate = phase.done / r.seconds;
  r.requests_per_second = phase.requests / r.seconds;
  r.polls_per_trip = phase.done ? (double) phase.polls / phase.done : 0;
  g_array_sort (phase.latencies, compare_gint64);
  r.p50 = bench_percentile (phase.latencies, 0.50);
  r.p99 = bench_percentile (phase.latencies, 0.99);
  r.max = bench_percentile (phase.latencies, 1.0);
  if (phase.first_error)
    g_printerr ("bench-server: %s: %u failed requests, %u wrong answers; first: %s\n",
                mode_names[mode], phase.errors, phase.bad_answers, phase.first_error);

  g_free (phase.first_error);
  g_array_unref (phase.latencies);
  return r;
}

static void
print_phase (const char        *label,
             const PhaseResult *r,
             gboolean           separate)
{
  printf ("  %-22s %8.1f trips/s  %8.1f req/s  p50 %6.1f ms  p99 %6.1f ms  max %6.1f ms",
          label, r->rate, r->requests_per_second, r->p50 / 1000.0, r->p99 / 1000.0, r->max / 1000.0);
  if (r->polls_per_trip > 0)
    printf ("  %.1f polls/trip", r->polls_per_trip);
  printf ("  %u new connections", r->connections);
  if (r->listen_overflows > 0)
    printf (", %" G_GINT64_FORMAT " listen-queue drops", r->listen_overflows);
  printf ("\n  %-22s CPU: server thread %3.0f%%", "", 100 * r->server_thread_cpu / r->seconds);
  if (separate)
    printf (", server process %3.0f%%, client %3.0f%%  (of one core; %.0f µs server + %.0f µs client per trip)\n",
            100 * r->server_cpu / r->seconds, 100 * r->client_cpu / r->seconds,
            1e6 * r->server_cpu / (r->rate * r->seconds), 1e6 * r->client_cpu / (r->rate * r->seconds));
  else
    printf (", whole process %3.0f%%  (of one core)\n", 100 * r->client_cpu / r->seconds);
}

static gboolean
phase_broken (const PhaseResult *r)
{
  return r->trips == 0 || r->bad_answers > 0;
}

/* The likeliest cause of a missed goal, from what the phase measured. */
static char *
cause_of (const PhaseResult *r)
{
  guint cores = g_get_num_processors ();
  double thread_share = r->server_thread_cpu / r->seconds;
  double busy = (r->server_cpu + r->client_cpu) / r->seconds;
  double png_share = (r->server_cpu - r->server_thread_cpu) / r->seconds;

  if (r->bad_answers > 0)
    return g_strdup_printf ("%u wrong answers", r->bad_answers);
  if (r->listen_overflows > 0)
    return g_strdup_printf ("%.1f new TCP connections per round trip, and the server's listen queue "
                            "(GSocket's default backlog of 10) overflowed %" G_GINT64_FORMAT " times: "
                            "each dropped SYN costs the client a 1 s (then 3 s) retransmit%s",
                            (double) r->connections / (r->rate * r->seconds), r->listen_overflows,
                            r->errors ? ", and connections it reset failed their request" : "");
  if (r->errors > 0)
    return g_strdup_printf ("%u requests failed", r->errors);
  if (thread_share > 0.85)
    return g_strdup_printf ("the server's one thread is saturated (%.0f%% of a core): every request, "
                            "JSON answer and job step runs on it", 100 * thread_share);
  if (busy > 0.75 * cores && !r->separate)
    return g_strdup_printf ("the %u cores are busy (%.2f), client and server in this one process",
                            cores, busy);
  if (busy > 0.75 * cores)
    return g_strdup_printf ("the %u cores are busy (%.2f): server PNG render and store workers %.0f%%, "
                            "server thread %.0f%%, client %.0f%%", cores, busy, 100 * png_share,
                            100 * thread_share, 100 * r->client_cpu / r->seconds);
  return g_strdup_printf ("no CPU limit reached (%.2f of %u cores busy): %.1f new connections per round trip",
                          busy, cores, (double) r->connections / (r->rate * r->seconds));
}

/* Goals are printed, never asserted: see docs/benchmarks.md. */
static gboolean
print_goals (const char        *label,
             const PhaseResult *r,
             const PhaseResult *floor,
             double             goal_rate,
             double             goal_p99_ms)
{
  gboolean rate_met = r->rate >= goal_rate;
  gboolean p99_met = r->p99 / 1000.0 < goal_p99_ms;
  gboolean failures_met = r->errors == 0 && r->bad_answers == 0;
  printf ("  %-22s %8.1f trips/s   reference %8.1f GET / per s   goal ≥ %.0f/s   %s\n",
          label, r->rate, floor->rate, goal_rate, bench_goal_word (rate_met));
  printf ("  %-22s p50 %6.1f ms        reference p50 %6.1f ms\n", "", r->p50 / 1000.0, floor->p50 / 1000.0);
  printf ("  %-22s p99 %6.1f ms        reference p99 %6.1f ms     goal < %.0f ms    %s\n",
          "", r->p99 / 1000.0, floor->p99 / 1000.0, goal_p99_ms, bench_goal_word (p99_met));
  printf ("  %-22s failed %-5u          reference failed %-5u        goal 0          %s\n",
          "", r->errors + r->bad_answers, floor->errors + floor->bad_answers, bench_goal_word (failures_met));
  if (!rate_met || !p99_met || !failures_met)
    {
      g_autofree char *cause = cause_of (r);
      printf ("  %-22s cause: %s\n", "", cause);
    }
  {
    const char *mode = g_str_equal (label, "poll") ? "poll" : "stream";
    g_autofree char *id_rate = g_strdup_printf ("server.%s.rate", mode);
    g_autofree char *id_p99 = g_strdup_printf ("server.%s.p99", mode);
    g_autofree char *id_failed = g_strdup_printf ("server.%s.failed", mode);
    g_autofree char *label_rate = g_strdup_printf ("local server, %s: round trips/s", mode);
    g_autofree char *label_p99 = g_strdup_printf ("local server, %s: round trip p99", mode);
    g_autofree char *label_failed = g_strdup_printf ("local server, %s: failed requests", mode);

    bench_result (id_rate, label_rate, r->rate, "/s", floor->rate, "GET / per s", ">=", goal_rate);
    bench_result (id_p99, label_p99, r->p99 / 1000.0, "ms", floor->p99 / 1000.0, "GET / p99", "<", goal_p99_ms);
    bench_result (id_failed, label_failed, r->errors + r->bad_answers, "requests",
                  floor->errors + floor->bad_answers, "GET / failed", "<=", 0);
  }
  return rate_met && p99_met && failures_met;
}

int
main (int    argc,
      char **argv)
{
  int trips = 2000;
  int concurrency = 50;
  int runners = 64;
  int warmup = 100;
  int poll_interval_ms = 0;
  double speed = 1e6;
  double goal_rate = 500;
  double goal_p99_ms = 250;
  gboolean in_process = FALSE;
  gboolean idempotent_submit = FALSE;
  g_autofree char *falctl = NULL;
  g_autofree char *status_mode = NULL;
  GOptionEntry entries[] = {
    { "round-trips", 'n', 0, G_OPTION_ARG_INT, &trips, "Measured round trips per mode (default 2000)", "N" },
    { "concurrency", 'c', 0, G_OPTION_ARG_INT, &concurrency, "Concurrent workers (default 50)", "N" },
    { "warmup", 0, 0, G_OPTION_ARG_INT, &warmup, "Unmeasured round trips first (default 100)", "N" },
    { "status", 0, 0, G_OPTION_ARG_STRING, &status_mode, "How to wait: poll, stream or both (default both)", "MODE" },
    { "poll-interval", 0, 0, G_OPTION_ARG_INT, &poll_interval_ms, "Pause between status polls (default 0)", "MS" },
    { "speed", 0, 0, G_OPTION_ARG_DOUBLE, &speed, "Server speed (default 1e6: instant completion)", "FACTOR" },
    { "runners", 0, 0, G_OPTION_ARG_INT, &runners, "Server runners per endpoint (default 64)", "N" },
    { "falctl", 0, 0, G_OPTION_ARG_FILENAME, &falctl, "The falctl to spawn (default: the build's)", "PATH" },
    { "in-process", 0, 0, G_OPTION_ARG_NONE, &in_process, "Run the server on a thread of this process", NULL },
    { "reuse-connections", 0, 0, G_OPTION_ARG_NONE, &idempotent_submit,
      "Mark submits SOUP_MESSAGE_IDEMPOTENT so they reuse kept-alive connections", NULL },
    { "goal-rate", 0, 0, G_OPTION_ARG_DOUBLE, &goal_rate, "Goal: round trips per second (default 500)", "N" },
    { "goal-p99", 0, 0, G_OPTION_ARG_DOUBLE, &goal_p99_ms, "Goal: p99 latency in ms (default 250)", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- submit → result round trips against falctl serve");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  gboolean poll = TRUE, stream = TRUE;
  gboolean separate;
  Settings settings = { 0 };
  PhaseResult floor, poll_result = { 0 }, stream_result = { 0 };
  gboolean broken = FALSE;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-server: %s\n", error->message);
      return 2;
    }
  if (status_mode && g_str_equal (status_mode, "poll"))
    stream = FALSE;
  else if (status_mode && g_str_equal (status_mode, "stream"))
    poll = FALSE;
  else if (status_mode && !g_str_equal (status_mode, "both"))
    {
      g_printerr ("bench-server: --status is poll, stream or both\n");
      return 2;
    }
  if (trips < 1 || concurrency < 1 || runners < 1 || warmup < 0 || poll_interval_ms < 0 || speed <= 0)
    {
      g_printerr ("bench-server: sizes must be positive\n");
      return 2;
    }

  if (in_process)
    server = bench_server_in_process (speed, runners, &error);
  else
    server = bench_server_spawn (falctl ? falctl : BENCH_FALCTL, speed, runners, &error);
  if (server == NULL)
    {
      g_printerr ("bench-server: cannot start the server: %s\n", error->message);
      return 1;
    }
  separate = bench_server_is_separate (server);
  session = bench_session_new (concurrency);
  settings.concurrency = concurrency;
  settings.poll_interval_ms = poll_interval_ms;
  settings.idempotent_submit = idempotent_submit;

  printf ("bench-server: %d round trips per mode, %d concurrent, server %s at %s "
          "(speed %g, %d runners), %u cores\n",
          trips, concurrency, separate ? "process" : "in process", bench_server_get_url (server),
          speed, runners, g_get_num_processors ());
  printf ("  a round trip: POST /queue/fal-ai/fast-sdxl (64×64 PNG rendered and stored), "
          "wait for COMPLETED, GET the result\n\n");

  /* Warm-up opens the connections and the server's caches. */
  if (warmup > 0)
    run_phase (&settings, session, server, poll ? MODE_POLL : MODE_STREAM, warmup);

  floor = run_phase (&settings, session, server, MODE_FLOOR, trips);
  print_phase ("reference: GET /", &floor, separate);
  broken |= phase_broken (&floor);
  if (poll)
    {
      poll_result = run_phase (&settings, session, server, MODE_POLL, trips);
      print_phase ("submit+poll+result", &poll_result, separate);
      broken |= phase_broken (&poll_result);
    }
  if (stream)
    {
      stream_result = run_phase (&settings, session, server, MODE_STREAM, trips);
      print_phase ("submit+stream+result", &stream_result, separate);
      broken |= phase_broken (&stream_result);
    }

  printf ("\nGoals (%d concurrent round trips at instant completion):\n", concurrency);
  if (poll)
    print_goals ("poll", &poll_result, &floor, goal_rate, goal_p99_ms);
  if (stream)
    print_goals ("status stream", &stream_result, &floor, goal_rate, goal_p99_ms);

  /* Missed goals and failed requests (resets, timeouts) are results, to
   * be read with their cause; wrong answers, or no round trip at all,
   * mean the bench does not work. */
  if (broken)
    {
      g_printerr ("bench-server: the round trips did not work (see the errors above)\n");
      return 1;
    }
  return 0;
}
