/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal.h"
#include "client-fixture.h"

/* FalClient's queue (submit, FalRequest following itself, attach, cancel)
 * against the local server, over real HTTP. Deadlines are generous: the
 * machine may be loaded, and a deadline only catches a hang. */

/* ------------------------------------------------------------------ waiting */

static gboolean
request_running (gpointer data)
{
  return fal_request_get_status (data) >= FAL_REQUEST_IN_PROGRESS;
}

static gboolean
request_has_id (gpointer data)
{
  return fal_request_get_request_id (data) != NULL || fal_request_is_done (data);
}

/* ------------------------------------------------------------------ watching a request */

/* What a request went through, kept on the request itself so late
 * notifications never touch freed memory. */
typedef struct {
  GArray *statuses;        /* FalRequestStatus, as notified */
  GArray *positions;       /* queue positions, as notified (-1 excluded) */
  guint n_streaming;       /* times streaming became TRUE */
  guint n_finished;
  gint64 finished_at;
  gint64 running_at;
} Watch;

static void
watch_free (gpointer data)
{
  Watch *watch = data;

  g_array_unref (watch->statuses);
  g_array_unref (watch->positions);
  g_free (watch);
}

static Watch *
watch_get (FalRequest *request)
{
  return g_object_get_data (G_OBJECT (request), "test-watch");
}

static void
status_notify_cb (FalRequest *request)
{
  Watch *watch = watch_get (request);
  FalRequestStatus status = fal_request_get_status (request);

  g_array_append_val (watch->statuses, status);
  if (status == FAL_REQUEST_IN_PROGRESS && watch->running_at == 0)
    watch->running_at = g_get_monotonic_time ();
}

static void
position_notify_cb (FalRequest *request)
{
  int position = fal_request_get_queue_position (request);

  if (position >= 0)
    g_array_append_val (watch_get (request)->positions, position);
}

static void
streaming_notify_cb (FalRequest *request)
{
  if (fal_request_get_streaming (request))
    watch_get (request)->n_streaming++;
}

static void
finished_cb (FalRequest *request)
{
  Watch *watch = watch_get (request);

  watch->n_finished++;
  watch->finished_at = g_get_monotonic_time ();
}

static void
watch (FalRequest *request)
{
  Watch *w = g_new0 (Watch, 1);

  w->statuses = g_array_new (FALSE, FALSE, sizeof (FalRequestStatus));
  w->positions = g_array_new (FALSE, FALSE, sizeof (int));
  g_object_set_data_full (G_OBJECT (request), "test-watch", w, watch_free);
  g_signal_connect (request, "notify::status", G_CALLBACK (status_notify_cb), NULL);
  g_signal_connect (request, "notify::queue-position", G_CALLBACK (position_notify_cb), NULL);
  g_signal_connect (request, "notify::streaming", G_CALLBACK (streaming_notify_cb), NULL);
  g_signal_connect (request, "finished", G_CALLBACK (finished_cb), NULL);
  /* What it already is (attach starts before we connect). */
  if (fal_request_get_streaming (request))
    w->n_streaming++;
}

static FalRequest *
submit (Fx                   *fx,
        const char           *endpoint_id,
        const char           *json,
        const FalCallOptions *options)
{
  g_autoptr(JsonNode) body = input (json);
  g_autoptr(GError) error = NULL;
  FalRequest *request = fal_client_submit (fx->client, endpoint_id, body, options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  watch (request);
  return request;
}

/* The request's log model holds exactly the server's whole log, each line
 * once and in order (a final status?logs=1 poll has all of it). */
static void
assert_logs_match_server (Fx         *fx,
                          FalRequest *request,
                          const char *app)
{
  g_autofree char *path = g_strdup_printf ("/queue/%s/requests/%s/status?logs=1", app,
                                           fal_request_get_request_id (request));
  guint status = 0;
  g_autoptr(JsonNode) node = fx_http (fx, "GET", path, NULL, &status);
  JsonArray *lines;
  GListModel *model = fal_request_get_logs (request);

  g_assert_cmpuint (status, ==, 200);
  lines = json_object_get_array_member (json_node_get_object (node), "logs");
  g_assert_nonnull (lines);
  g_assert_cmpuint (json_array_get_length (lines), >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, json_array_get_length (lines));
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);
      g_autoptr(FalLogEntry) entry = g_list_model_get_item (model, i);

      g_assert_cmpstr (fal_log_entry_get_message (entry), ==, json_object_get_string_member (line, "message"));
      g_assert_cmpstr (fal_log_entry_get_timestamp (entry), ==, json_object_get_string_member (line, "timestamp"));
      g_assert_cmpstr (fal_log_entry_get_level (entry), ==, json_object_get_string_member (line, "level"));
    }
}

static void
assert_has_images (JsonNode *result)
{
  JsonArray *images;

  g_assert_nonnull (result);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (result));
  images = json_object_get_array_member (json_node_get_object (result), "images");
  g_assert_nonnull (images);
  g_assert_cmpuint (json_array_get_length (images), ==, 1);
}

/* ------------------------------------------------------------------ tests */

static void
test_lifecycle (void)
{
  g_autoptr(Fx) fx = fx_new (2, 2);
  g_autoptr(FalRequest) request = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a red fox\",\"seed\":7}", NULL);
  g_autoptr(JsonArray) log = NULL;
  Watch *w = watch_get (request);
  gboolean seen_queue = FALSE, seen_progress = FALSE, seen_completed = FALSE;

  g_assert_cmpint (fal_request_get_status (request), ==, FAL_REQUEST_SUBMITTING);
  g_assert_null (fal_request_get_request_id (request));
  wait_done (request);

  g_assert_no_error ((GError *) fal_request_get_error (request));
  g_assert_nonnull (fal_request_get_request_id (request));
  g_assert_true (g_str_has_suffix (fal_request_get_status_url (request), "/status"));
  g_assert_cmpint (fal_request_get_status (request), ==, FAL_REQUEST_COMPLETED);
  assert_has_images (fal_request_get_result (request));
  g_assert_cmpuint (w->n_finished, ==, 1);
  g_assert_nonnull (fal_request_get_metrics (request));
  g_assert_true (json_object_has_member (fal_request_get_metrics (request), "inference_time"));
  g_assert_cmpint (fal_request_get_queue_position (request), ==, -1);

  /* IN_QUEUE, IN_PROGRESS, COMPLETED in this order, each once. */
  g_assert_cmpuint (w->statuses->len, ==, 3);
  for (guint i = 0; i < w->statuses->len; i++)
    {
      FalRequestStatus status = g_array_index (w->statuses, FalRequestStatus, i);

      if (status == FAL_REQUEST_IN_QUEUE)
        seen_queue = !seen_progress && !seen_completed;
      else if (status == FAL_REQUEST_IN_PROGRESS)
        seen_progress = seen_queue && !seen_completed;
      else if (status == FAL_REQUEST_COMPLETED)
        seen_completed = seen_progress;
    }
  g_assert_true (seen_queue && seen_progress && seen_completed);

  /* fal was seen running it, and answered all along. */
  g_assert_true (fal_request_get_started (request));
  g_assert_false (fal_request_get_connection_lost (request));
  g_assert_cmpint (fal_request_get_last_contact (request), >, 0);
  g_assert_cmpint (fal_request_get_last_contact (request), <=, g_get_monotonic_time ());

  /* It followed the status stream, not polls. */
  g_assert_cmpuint (w->n_streaming, >=, 1);
  g_assert_false (fal_request_get_streaming (request));
  assert_logs_match_server (fx, request, "fal-ai/fast-sdxl");

  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "POST", "^/queue/fal-ai/fast-sdxl$", NULL), ==, 1);
  g_assert_cmpuint (count_requests (log, "GET", "/status/stream$", NULL), ==, 1);
  g_assert_cmpuint (count_requests (log, "GET", "/requests/[^/]+$", fal_request_get_request_id (request)), ==, 1);
}

/* The status stream fails in one way; the request polls, goes back to the
 * stream, and its log still holds each line exactly once. */
static void
test_fallback (gconstpointer data)
{
  const char *fault = data;
  g_autoptr(Fx) fx = fx_new (1, 2);
  const char *headers[] = { "x-fal-fault", "log-flood=400", NULL };
  FalCallOptions options = { .headers = headers };
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonArray) log = NULL;
  gint64 first_poll, last_stream;

  fal_test_add_fault (fx->ts, "GET", "/status/stream$", 1, fault);
  request = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\",\"seed\":1}", &options);
  wait_done (request);

  g_assert_no_error ((GError *) fal_request_get_error (request));
  assert_has_images (fal_request_get_result (request));
  assert_logs_match_server (fx, request, "fal-ai/fast-sdxl");
  /* 25 steps and friends, plus the flood. */
  g_assert_cmpuint (g_list_model_get_n_items (fal_request_get_logs (request)), >=, 400 + 25);

  log = fal_test_request_log (fx->ts);
  first_poll = find_request (log, "GET", "/status$", FALSE);
  last_stream = find_request (log, "GET", "/status/stream$", TRUE);
  g_test_message ("%s: %u polls, %u streams", fault,
                  count_requests (log, "GET", "/status$", NULL),
                  count_requests (log, "GET", "/status/stream$", NULL));
  /* It polled after the fault, then opened the stream again. */
  g_assert_cmpint (first_poll, >, 0);
  g_assert_cmpint (last_stream, >, first_poll);
  g_assert_cmpuint (count_requests (log, "GET", "/status/stream$", NULL), >=, 2);
  g_assert_cmpuint (watch_get (request)->n_streaming, >=, 1);
  g_assert_cmpuint (watch_get (request)->n_finished, ==, 1);
}

/* A quiet stream (a request waiting behind a long run) is checked with
 * status calls that do not ask for the log: the stream brings the lines,
 * and a flooded log is megabytes. The log still holds each line once. */
static void
test_probe_without_logs (void)
{
  g_autoptr(Fx) fx = fx_new (0.3, 1);
  const char *headers[] = { "x-fal-fault", "log-flood=3000", NULL };
  FalCallOptions options = { .headers = headers };
  g_autoptr(FalRequest) running = NULL;
  g_autoptr(FalRequest) waiting = NULL;
  g_autoptr(JsonArray) log = NULL;
  guint probes = 0;

  running = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\",\"seed\":1}", &options);
  g_assert_true (wait_for (request_has_id, running, DEADLINE_MS));
  waiting = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\",\"seed\":2}", &options);
  wait_done (running);
  wait_done (waiting);
  g_assert_no_error ((GError *) fal_request_get_error (running));
  g_assert_no_error ((GError *) fal_request_get_error (waiting));

  log = fal_test_request_log (fx->ts);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), "GET") &&
          g_str_has_suffix (json_object_get_string_member (entry, "path"), "/status"))
        {
          g_assert_null (strstr (json_object_get_string_member (entry, "query"), "logs"));
          probes++;
        }
    }
  g_test_message ("%u probes", probes);
  /* The waiting one sat in the queue for seconds: it was checked. */
  g_assert_cmpuint (probes, >=, 1);
  assert_logs_match_server (fx, running, "fal-ai/fast-sdxl");
  assert_logs_match_server (fx, waiting, "fal-ai/fast-sdxl");
}

/* The stream does not open while the run goes on and ends: the checks of
 * the silent opening (no log lines in them) see the end, and the request
 * asks for the log before it ends, so no line is missing. */
static void
test_probe_sees_the_end (void)
{
  g_autoptr(Fx) fx = fx_new (1, 1);
  const char *headers[] = { "x-fal-fault", "log-flood=500", NULL };
  FalCallOptions options = { .headers = headers };
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonArray) log = NULL;

  fal_test_add_fault (fx->ts, "GET", "/status/stream$", 1, "stall=8000");
  request = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\",\"seed\":1}", &options);
  wait_done (request);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  assert_logs_match_server (fx, request, "fal-ai/fast-sdxl");
  g_assert_cmpuint (g_list_model_get_n_items (fal_request_get_logs (request)), >=, 500);
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "GET", "/status$", NULL), >=, 2);
}

/* A stream that never works: the request lives on polls alone. */
static void
test_fallback_stream_never_works (void)
{
  g_autoptr(Fx) fx = fx_new (2, 2);
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonArray) log = NULL;

  fal_test_add_fault (fx->ts, "GET", "/status/stream$", 1000, "status=500");
  request = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\"}", NULL);
  wait_done (request);

  g_assert_no_error ((GError *) fal_request_get_error (request));
  assert_has_images (fal_request_get_result (request));
  assert_logs_match_server (fx, request, "fal-ai/fast-sdxl");
  g_assert_cmpuint (watch_get (request)->n_streaming, ==, 0);
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "GET", "/status$", NULL), >=, 2);
}

static void
poll_notify_cb (GObject    *object,
                GParamSpec *pspec,
                guint      *count)
{
  (*count)++;
}

static void
test_poll_interval (void)
{
  g_autoptr(Fx) fx = fx_new (1, 2);
  g_autoptr(FalClient) client = fal_client_new ();
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonArray) log = NULL;
  guint notified = 0, interval = 0, polls;
  gint64 started;
  double elapsed_ms;

  /* The property: 500 ms by default, clamped, notified. */
  g_assert_cmpuint (fal_client_get_poll_interval (client), ==, 500);
  g_signal_connect (client, "notify::poll-interval", G_CALLBACK (poll_notify_cb), &notified);
  g_object_set (client, "poll-interval", 250, NULL);
  g_object_get (client, "poll-interval", &interval, NULL);
  g_assert_cmpuint (interval, ==, 250);
  g_assert_cmpuint (notified, ==, 1);
  fal_client_set_poll_interval (client, 250);
  g_assert_cmpuint (notified, ==, 1);
  fal_client_set_poll_interval (client, 1);
  g_assert_cmpuint (fal_client_get_poll_interval (client), ==, 10);

  /* Polling keeps to it: never more often than every interval. */
  fal_client_set_poll_interval (fx->client, 300);
  fal_test_add_fault (fx->ts, "GET", "/status/stream$", 1000, "status=500");
  started = g_get_monotonic_time ();
  request = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\"}", NULL);
  wait_done (request);
  elapsed_ms = (g_get_monotonic_time () - started) / 1000.0;
  g_assert_no_error ((GError *) fal_request_get_error (request));

  log = fal_test_request_log (fx->ts);
  polls = count_requests (log, "GET", "/status$", NULL);
  g_test_message ("%u polls in %.0f ms at 300 ms", polls, elapsed_ms);
  g_assert_cmpuint (polls, >=, 2);
  g_assert_cmpfloat (polls, <=, elapsed_ms / 300.0 + 1);
}

/* poll-only: the request lives on polls and never opens the stream,
 * also after fal was out of reach (every way back to the stream). */
static void
test_poll_only (void)
{
  g_autoptr(Fx) fx = fx_new (2, 2);
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonArray) log = NULL;
  guint notified = 0;
  gboolean poll_only = FALSE;

  g_assert_false (fal_client_get_poll_only (fx->client));
  g_signal_connect (fx->client, "notify::poll-only", G_CALLBACK (poll_notify_cb), &notified);
  g_object_set (fx->client, "poll-only", TRUE, NULL);
  fal_client_set_poll_only (fx->client, TRUE);
  g_object_get (fx->client, "poll-only", &poll_only, NULL);
  g_assert_true (poll_only);
  g_assert_cmpuint (notified, ==, 1);

  /* One poll goes unanswered: connection lost, then back to polls. */
  fal_test_add_fault (fx->ts, "GET", "/status$", 1, "status=503");
  request = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\"}", NULL);
  wait_done (request);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  assert_has_images (fal_request_get_result (request));
  g_assert_cmpuint (watch_get (request)->n_streaming, ==, 0);
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "GET", "/status$", fal_request_get_request_id (request)), >=, 2);
  g_assert_cmpuint (count_requests (log, "GET", "/status/stream$", NULL), ==, 0);
}

static gboolean
all_running_or_done (gpointer data)
{
  FalRequest **requests = data;

  for (guint i = 0; requests[i]; i++)
    if (fal_request_get_status (requests[i]) < FAL_REQUEST_IN_PROGRESS)
      return FALSE;
  return TRUE;
}

static gboolean
all_done (gpointer data)
{
  FalRequest **requests = data;

  for (guint i = 0; requests[i]; i++)
    if (!fal_request_is_done (requests[i]))
      return FALSE;
  return TRUE;
}

static void
test_queue_position (void)
{
  g_autoptr(Fx) fx = fx_new (2, 1);
  FalRequest *requests[4] = { NULL };
  GArray *positions;
  gboolean seen_zero = FALSE;
  int highest = -1;

  /* One at a time, so they reach the queue in this order. */
  for (guint i = 0; i < 3; i++)
    {
      requests[i] = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\"}", NULL);
      g_assert_true (wait_for (request_has_id, requests[i], DEADLINE_MS));
    }
  /* Until the last one starts, the others are ahead of it. */
  g_assert_true (wait_for (all_running_or_done, requests, DEADLINE_MS));
  g_assert_true (wait_for (all_done, requests, DEADLINE_MS));

  positions = watch_get (requests[2])->positions;
  for (guint i = 0; i < positions->len; i++)
    {
      int position = g_array_index (positions, int, i);

      if (i > 0)
        g_assert_cmpint (position, <=, g_array_index (positions, int, i - 1));
      highest = MAX (highest, position);
      seen_zero |= position == 0;
    }
  /* With one runner, two jobs were ahead of the third one at first. */
  g_assert_cmpint (highest, >=, 1);
  g_assert_true (seen_zero);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_no_error ((GError *) fal_request_get_error (requests[i]));
      g_assert_cmpint (fal_request_get_queue_position (requests[i]), ==, -1);
    }
  /* One runner: they ran one after the other, in order. */
  g_assert_cmpint (watch_get (requests[0])->finished_at, <, watch_get (requests[1])->finished_at);
  g_assert_cmpint (watch_get (requests[1])->finished_at, <, watch_get (requests[2])->finished_at);
  for (guint i = 0; i < 3; i++)
    g_object_unref (requests[i]);
}

static JsonObject *
find_submit (JsonArray  *log,
             const char *header,
             const char *value)
{
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      JsonObject *headers = json_object_get_object_member (entry, "headers");

      if (g_strcmp0 (json_object_get_string_member (entry, "method"), "POST") == 0 &&
          json_object_has_member (headers, header) &&
          g_strcmp0 (json_object_get_string_member (headers, header), value) == 0)
        return entry;
    }
  return NULL;
}

static void
test_priority (void)
{
  g_autoptr(Fx) fx = fx_new (2, 1);
  FalCallOptions low = { .low_priority = TRUE, .headers = (const char *[]) { "x-test-name", "low", NULL } };
  FalCallOptions normal_b = { .headers = (const char *[]) { "x-test-name", "normal-b", NULL } };
  FalRequest *requests[4] = { NULL };
  g_autoptr(JsonArray) log = NULL;
  JsonObject *entry;

  /* A takes the only runner; then a low one, then a normal one, which
   * goes ahead of the low one. One at a time, so they arrive in order. */
  requests[0] = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a\"}", NULL);
  g_assert_true (wait_for (request_has_id, requests[0], DEADLINE_MS));
  requests[1] = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"b\"}", &low);
  g_assert_true (wait_for (request_has_id, requests[1], DEADLINE_MS));
  requests[2] = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"c\"}", &normal_b);
  g_assert_true (wait_for (all_done, requests, DEADLINE_MS));

  for (guint i = 0; i < 3; i++)
    g_assert_no_error ((GError *) fal_request_get_error (requests[i]));
  g_assert_cmpint (watch_get (requests[0])->finished_at, <, watch_get (requests[2])->finished_at);
  g_assert_cmpint (watch_get (requests[2])->finished_at, <, watch_get (requests[1])->finished_at);

  log = fal_test_request_log (fx->ts);
  entry = find_submit (log, "x-test-name", "low");
  g_assert_nonnull (entry);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "headers"),
                                                  "x-fal-queue-priority"), ==, "low");
  entry = find_submit (log, "x-test-name", "normal-b");
  g_assert_nonnull (entry);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (entry, "headers"),
                                                  "x-fal-queue-priority"), ==, "normal");
  for (guint i = 0; i < 3; i++)
    g_object_unref (requests[i]);
}

/* Runner hint, start timeout and extra headers go out on the submit; an
 * extra Authorization header cannot replace the key. */
static void
test_submit_options (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  const char *headers[] = { "x-fal-store-io", "0", "Authorization", "Key evil:evil", NULL };
  FalCallOptions options = { .runner_hint = "runner-7", .start_timeout = 30, .headers = headers };
  g_autoptr(FalRequest) request = submit (fx, "fal-ai/flux/schnell", "{\"prompt\":\"a cat\"}", &options);
  g_autoptr(JsonArray) log = NULL;
  JsonObject *entry, *sent;

  wait_done (request);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  log = fal_test_request_log (fx->ts);
  entry = find_submit (log, "x-fal-runner-hint", "runner-7");
  g_assert_nonnull (entry);
  sent = json_object_get_object_member (entry, "headers");
  g_assert_cmpstr (json_object_get_string_member (sent, "x-fal-store-io"), ==, "0");
  g_assert_cmpfloat (g_ascii_strtod (json_object_get_string_member (sent, "x-fal-request-timeout"), NULL), ==, 30);
  g_assert_true (json_object_get_boolean_member (entry, "authorization"));
  g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 200);
  /* The status URL uses owner/alias. */
  g_assert_nonnull (strstr (fal_request_get_status_url (request), "/queue/fal-ai/flux/requests/"));
  assert_logs_match_server (fx, request, "fal-ai/flux");
}

static void
test_attach_completed (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalRequest) first = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\",\"seed\":3}", NULL);
  g_autoptr(FalRequest) again = NULL;
  g_autoptr(GError) error = NULL;

  wait_done (first);
  g_assert_no_error ((GError *) fal_request_get_error (first));

  /* Endpoint + request id alone, as after a restart. */
  again = fal_client_attach (fx->client, "fal-ai/fast-sdxl", fal_request_get_request_id (first), &error);
  g_assert_no_error (error);
  g_assert_nonnull (again);
  watch (again);
  wait_done (again);
  g_assert_no_error ((GError *) fal_request_get_error (again));
  g_assert_cmpstr (fal_request_get_request_id (again), ==, fal_request_get_request_id (first));
  g_assert_cmpint (fal_request_get_status (again), ==, FAL_REQUEST_COMPLETED);
  g_assert_true (json_node_equal (fal_request_get_result (again), fal_request_get_result (first)));
  assert_logs_match_server (fx, again, "fal-ai/fast-sdxl");
  /* The URLs are those the submit gave, as properties too. */
  g_assert_cmpstr (fal_request_get_status_url (again), ==, fal_request_get_status_url (first));
  g_assert_cmpstr (fal_request_get_response_url (again), ==, fal_request_get_response_url (first));
  g_assert_cmpstr (fal_request_get_cancel_url (again), ==, fal_request_get_cancel_url (first));
  {
    g_autofree char *status_url = NULL;
    double elapsed = -1;

    g_object_get (first, "status-url", &status_url, "elapsed", &elapsed, NULL);
    g_assert_cmpstr (status_url, ==, fal_request_get_status_url (first));
    g_assert_cmpfloat (elapsed, >, 0);
  }
}

typedef struct {
  Fx *fx;
  const char *status_path;
} RawStatus;

static gboolean
raw_in_progress (gpointer data)
{
  RawStatus *raw = data;
  g_autoptr(JsonNode) node = fx_http (raw->fx, "GET", raw->status_path, NULL, NULL);

  return g_strcmp0 (json_object_get_string_member (json_node_get_object (node), "status"), "IN_PROGRESS") == 0;
}

static void
test_attach_running (void)
{
  g_autoptr(Fx) fx = fx_new (1, 2);
  guint status = 0;
  g_autoptr(JsonNode) answer = fx_http (fx, "POST", "/queue/fal-ai/fast-sdxl", "{\"prompt\":\"elsewhere\"}", &status);
  const char *request_id;
  g_autofree char *status_path = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  RawStatus raw = { fx, NULL };

  /* Submitted by someone else (raw HTTP); attached once it runs, so lines
   * logged before the attach must come too. */
  g_assert_cmpuint (status, ==, 200);
  request_id = json_object_get_string_member (json_node_get_object (answer), "request_id");
  status_path = g_strdup_printf ("/queue/fal-ai/fast-sdxl/requests/%s/status", request_id);
  raw.status_path = status_path;
  g_assert_true (wait_for (raw_in_progress, &raw, DEADLINE_MS));
  fal_test_wait_ms (500);

  request = fal_client_attach (fx->client, "fal-ai/fast-sdxl", request_id, &error);
  g_assert_no_error (error);
  watch (request);
  wait_done (request);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  assert_has_images (fal_request_get_result (request));
  assert_logs_match_server (fx, request, "fal-ai/fast-sdxl");
  g_assert_cmpuint (watch_get (request)->n_streaming, >=, 1);
}

static void
test_attach_unknown (void)
{
  g_autoptr(Fx) fx = fx_new (1, 2);
  g_autoptr(GError) error = NULL;
  g_autoptr(FalRequest) request = fal_client_attach (fx->client, "fal-ai/fast-sdxl",
                                                     "6c1b1d2e-8a31-4d7e-9b57-0f3a6f0f9e11", &error);
  const GError *failure;

  g_assert_no_error (error);
  wait_done (request);
  failure = fal_request_get_error (request);
  g_assert_error ((GError *) failure, FAL_ERROR, FAL_ERROR_NOT_FOUND);
  g_assert_cmpuint (fal_error_get_http_status (failure), ==, 404);

  /* No id at all fails at once. */
  g_assert_null (fal_client_attach (fx->client, "fal-ai/fast-sdxl", "", &error));
  g_assert_error (error, FAL_ERROR, FAL_ERROR_NOT_FOUND);
}

typedef struct {
  gboolean done;
  gboolean ok;
  FalCancelOutcome outcome;
  GError *error;
} CancelResult;

static void
cancel_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  CancelResult *cancel = data;

  cancel->ok = fal_request_cancel_finish (FAL_REQUEST (source), result, &cancel->outcome, &cancel->error);
  cancel->done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static FalCancelOutcome
cancel_request (FalRequest *request)
{
  CancelResult cancel = { 0 };

  fal_request_cancel_async (request, NULL, cancel_done_cb, &cancel);
  g_assert_true (wait_for (flag_set, &cancel.done, DEADLINE_MS));
  g_assert_no_error (cancel.error);
  g_assert_true (cancel.ok);
  return cancel.outcome;
}

/* "Cancelled" in words, never "HTTP 499", and the result was not asked
 * for: a cancelled request has none. */
static void
assert_cancelled_in_words (FalRequest *request,
                           const char *words)
{
  const GError *error = fal_request_get_error (request);
  g_autofree char *described = fal_error_describe (error);
  g_autofree char *expected = g_strdup_printf ("%s [request %s]", words, fal_request_get_request_id (request));

  g_assert_cmpstr (described, ==, expected);
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "client_cancelled");
  g_assert_null (fal_request_get_result (request));
  g_assert_false (fal_request_get_connection_lost (request));
}

static void
test_cancel (void)
{
  /* Slow, so the first job is surely still running when cancelled. */
  g_autoptr(Fx) fx = fx_new (0.5, 1);
  g_autoptr(FalRequest) running = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a\"}", NULL);
  g_autoptr(FalRequest) queued = NULL;
  g_autoptr(FalRequest) quick = NULL;
  g_autoptr(Fx) fast = NULL;

  g_assert_true (wait_for (request_running, running, DEADLINE_MS));
  queued = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"b\"}", NULL);
  g_assert_true (wait_for (request_has_id, queued, DEADLINE_MS));
  g_assert_cmpint (fal_request_get_status (queued), ==, FAL_REQUEST_IN_QUEUE);
  g_assert_false (fal_request_is_done (running));

  /* Queued: it leaves the queue, and ends cancelled. */
  g_assert_cmpint (cancel_request (queued), ==, FAL_CANCEL_LEFT_QUEUE);
  wait_done (queued);
  g_assert_error ((GError *) fal_request_get_error (queued), FAL_ERROR, FAL_ERROR_CANCELLED);
  g_assert_cmpuint (watch_get (queued)->running_at, ==, 0);
  g_assert_false (fal_request_get_started (queued));
  assert_cancelled_in_words (queued, "Cancelled before it started");

  /* Running: the runner is told, and it ends cancelled too. */
  g_assert_cmpint (fal_request_get_status (running), ==, FAL_REQUEST_IN_PROGRESS);
  g_assert_true (fal_request_get_started (running));
  g_assert_cmpint (cancel_request (running), ==, FAL_CANCEL_REQUESTED);
  wait_done (running);
  g_assert_error ((GError *) fal_request_get_error (running), FAL_ERROR, FAL_ERROR_CANCELLED);
  assert_cancelled_in_words (running, "Cancelled while it was running");

  /* Completed: too late, and nothing changes. */
  fast = fx_new (4, 2);
  quick = submit (fast, "fal-ai/flux/schnell", "{\"prompt\":\"c\"}", NULL);
  wait_done (quick);
  g_assert_no_error ((GError *) fal_request_get_error (quick));
  g_assert_cmpint (cancel_request (quick), ==, FAL_CANCEL_ALREADY_COMPLETED);
  g_assert_no_error ((GError *) fal_request_get_error (quick));
  g_assert_nonnull (fal_request_get_result (quick));
}

/* Cancelled by someone else (another program, the fal dashboard): the
 * request following it ends cancelled too, in words; so does one attached
 * after the fact. */
static void
test_cancelled_elsewhere (void)
{
  g_autoptr(Fx) fx = fx_new (0.5, 1);
  g_autoptr(FalRequest) running = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a\"}", NULL);
  g_autoptr(FalRequest) queued = NULL;
  g_autoptr(FalRequest) attached = NULL;
  g_autofree char *cancel_running = NULL;
  g_autofree char *cancel_queued = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) other = NULL;
  g_autoptr(GError) error = NULL;
  guint status = 0;

  g_assert_true (wait_for (request_running, running, DEADLINE_MS));
  queued = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"b\"}", NULL);
  g_assert_true (wait_for (request_has_id, queued, DEADLINE_MS));

  cancel_queued = g_strdup_printf ("/queue/fal-ai/fast-sdxl/requests/%s/cancel", fal_request_get_request_id (queued));
  answer = fx_http (fx, "PUT", cancel_queued, NULL, &status);
  g_assert_cmpuint (status, ==, 202);
  cancel_running = g_strdup_printf ("/queue/fal-ai/fast-sdxl/requests/%s/cancel", fal_request_get_request_id (running));
  other = fx_http (fx, "PUT", cancel_running, NULL, &status);
  g_assert_cmpuint (status, ==, 202);

  wait_done (queued);
  wait_done (running);
  g_assert_error ((GError *) fal_request_get_error (queued), FAL_ERROR, FAL_ERROR_CANCELLED);
  assert_cancelled_in_words (queued, "Cancelled before it started");
  g_assert_error ((GError *) fal_request_get_error (running), FAL_ERROR, FAL_ERROR_CANCELLED);
  assert_cancelled_in_words (running, "Cancelled while it was running");

  attached = fal_client_attach (fx->client, "fal-ai/fast-sdxl", fal_request_get_request_id (queued), &error);
  g_assert_no_error (error);
  wait_done (attached);
  g_assert_error ((GError *) fal_request_get_error (attached), FAL_ERROR, FAL_ERROR_CANCELLED);
  assert_cancelled_in_words (attached, "Cancelled before it started");
}

/* COMPLETED with an error: the result is still fetched, and its error is
 * what the request ends with: a 422 stays a validation error, a 500 is the
 * model failing. */
static void
test_completed_with_error (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  const char *fail_422[] = { "x-fal-fault", "fail=422", NULL };
  const char *fail_500[] = { "x-fal-fault", "fail=500", NULL };
  FalCallOptions options_422 = { .headers = fail_422 };
  FalCallOptions options_500 = { .headers = fail_500 };
  g_autoptr(FalRequest) invalid = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a\"}", &options_422);
  g_autoptr(FalRequest) broken = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"b\"}", &options_500);
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_autofree char *described = NULL;
  const GError *error;

  wait_done (invalid);
  wait_done (broken);

  error = fal_request_get_error (invalid);
  g_assert_error ((GError *) error, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_cmpuint (fal_error_get_http_status (error), ==, 422);
  g_assert_cmpstr (fal_error_get_request_id (error), ==, fal_request_get_request_id (invalid));
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "content_policy_violation");
  fields = fal_error_field_errors_for (error, "prompt");
  g_assert_nonnull (fields);
  g_assert_cmpuint (fields->len, ==, 1);
  g_assert_cmpint (fal_request_get_status (invalid), ==, FAL_REQUEST_COMPLETED);
  /* The whole timeline played out first. */
  assert_logs_match_server (fx, invalid, "fal-ai/fast-sdxl");

  g_assert_false (fal_error_is_model_failure (error));

  /* A 500 result after a failed status is the model failing, said in
   * words with the model's own detail and the error type. */
  error = fal_request_get_error (broken);
  g_assert_error ((GError *) error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_true (fal_error_is_model_failure (error));
  g_assert_cmpuint (fal_error_get_http_status (error), ==, 500);
  g_assert_cmpstr (fal_error_get_request_id (error), ==, fal_request_get_request_id (broken));
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "runner_server_error");
  g_assert_cmpstr (error->message, ==, "The runner failed (a fault injected by the local server, status 500)");
  described = fal_error_describe (error);
  g_assert_true (g_str_has_prefix (described, "The model failed on fal's side: The runner failed (a fault injected "
                                              "by the local server, status 500) (runner_server_error) [request "));
  g_assert_null (strstr (described, "HTTP"));
  g_assert_true (fal_request_get_started (broken));

  /* The result was fetched once each (a 500 result is not retried). */
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "GET", "/requests/[^/]+$", fal_request_get_request_id (invalid)), ==, 1);
  g_assert_cmpuint (count_requests (log, "GET", "/requests/[^/]+$", fal_request_get_request_id (broken)), ==, 1);
}

/* A start timeout is the user's own deadline: never retried. */
static void
test_start_timeout (void)
{
  g_autoptr(Fx) fx = fx_new (1, 1);
  g_autoptr(FalRequest) busy = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a\"}", NULL);
  FalCallOptions options = { .start_timeout = 1.2 };
  const char *fault[] = { "x-fal-fault", "status=504; timeout-type=user", NULL };
  FalCallOptions fault_options = { .headers = fault };
  g_autoptr(FalRequest) late = NULL;
  g_autoptr(FalRequest) refused = NULL;
  g_autoptr(JsonArray) log = NULL;
  const GError *error;

  g_assert_true (wait_for (request_running, busy, DEADLINE_MS));
  late = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"b\"}", &options);
  wait_done (late);
  error = fal_request_get_error (late);
  g_assert_error ((GError *) error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_true (fal_error_is_user_timeout (error));
  g_assert_cmpuint (fal_error_get_http_status (error), ==, 504);
  g_assert_cmpstr (fal_error_get_request_id (error), ==, fal_request_get_request_id (late));

  /* The same answer to the submit itself. */
  refused = submit (fx, "fal-ai/flux/schnell", "{\"prompt\":\"c\"}", &fault_options);
  wait_done (refused);
  error = fal_request_get_error (refused);
  g_assert_error ((GError *) error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_true (fal_error_is_user_timeout (error));

  /* Give a retry time to show up (the first would come after ~1 s). */
  fal_test_wait_ms (2500);
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "POST", "^/queue/fal-ai/fast-sdxl$", NULL), ==, 2);
  g_assert_cmpuint (count_requests (log, "POST", "^/queue/fal-ai/flux/schnell$", NULL), ==, 1);
  g_assert_cmpuint (count_requests (log, "GET", "/requests/[^/]+$", fal_request_get_request_id (late)), ==, 1);
  fal_request_stop (busy);
}

int
main (int   argc,
      char *argv[])
{
  /* Only what each test sets may steer the client. */
  const char *env[] = { "FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "FALSTAFF_QUEUE_URL",
                        "FALSTAFF_RUN_URL", "FALSTAFF_REST_URL", "FALSTAFF_WEB_URL",
                        "FALSTAFF_PROXY_URL", "FALSTAFF_LOCAL_URL" };

  for (guint i = 0; i < G_N_ELEMENTS (env); i++)
    g_unsetenv (env[i]);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/queue/lifecycle", test_lifecycle);
  g_test_add_data_func ("/fal/queue/fallback-to-polling/end-after-events-1", "end-after-events=1", test_fallback);
  g_test_add_data_func ("/fal/queue/fallback-to-polling/end-after-events-5", "end-after-events=5", test_fallback);
  g_test_add_data_func ("/fal/queue/fallback-to-polling/drop-after-events-1", "drop-after-events=1", test_fallback);
  g_test_add_data_func ("/fal/queue/fallback-to-polling/drop-after-events-5", "drop-after-events=5", test_fallback);
  g_test_add_data_func ("/fal/queue/fallback-to-polling/status-500", "status=500", test_fallback);
  g_test_add_data_func ("/fal/queue/fallback-to-polling/malformed", "malformed", test_fallback);
  g_test_add_func ("/fal/queue/fallback-to-polling/stream-never-works", test_fallback_stream_never_works);
  g_test_add_func ("/fal/queue/probe-without-logs", test_probe_without_logs);
  g_test_add_func ("/fal/queue/probe-sees-the-end", test_probe_sees_the_end);
  g_test_add_func ("/fal/queue/poll-interval", test_poll_interval);
  g_test_add_func ("/fal/queue/poll-only", test_poll_only);
  g_test_add_func ("/fal/queue/queue-position", test_queue_position);
  g_test_add_func ("/fal/queue/priority", test_priority);
  g_test_add_func ("/fal/queue/submit-options", test_submit_options);
  g_test_add_func ("/fal/queue/attach/completed", test_attach_completed);
  g_test_add_func ("/fal/queue/attach/running", test_attach_running);
  g_test_add_func ("/fal/queue/attach/unknown-id", test_attach_unknown);
  g_test_add_func ("/fal/queue/cancel", test_cancel);
  g_test_add_func ("/fal/queue/cancelled-elsewhere", test_cancelled_elsewhere);
  g_test_add_func ("/fal/queue/completed-with-error", test_completed_with_error);
  g_test_add_func ("/fal/queue/start-timeout", test_start_timeout);

  return g_test_run ();
}
