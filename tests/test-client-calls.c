/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal.h"
#include "fal-client-private.h"
#include "fal-json.h"
#include "fal-json-private.h"
#include "client-fixture.h"
#include "proxy-fixture.h"

/* FalClient's one-shot calls, runs, streams, retries and where the key
 * goes, against the local server over real HTTP. Deadlines are generous:
 * the machine may be loaded, and a deadline only catches a hang. */

/* ------------------------------------------------------------------ calls */

typedef struct {
  gboolean done;
  JsonNode *node;
  gboolean ok;
  char *request_id;
  GError *error;
  GBytes *bytes;
  guint status;
  gint64 finished_at;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->node, json_node_unref);
  g_clear_pointer (&outcome->request_id, g_free);
  g_clear_error (&outcome->error);
  g_clear_pointer (&outcome->bytes, g_bytes_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static gboolean
outcome_done (gpointer data)
{
  return ((Outcome *) data)->done;
}

static void
run_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      data)
{
  Outcome *outcome = data;

  outcome->node = fal_client_run_finish (FAL_CLIENT (source), result, &outcome->request_id, &outcome->error);
  outcome->finished_at = g_get_monotonic_time ();
  outcome->done = TRUE;
}

static void
run (FalClient            *client,
     const char           *endpoint_id,
     const char           *json,
     const FalCallOptions *options,
     Outcome              *outcome)
{
  g_autoptr(JsonNode) body = input (json);

  fal_client_run_async (client, endpoint_id, body, options, NULL, run_cb, outcome);
  g_assert_true (wait_for (outcome_done, outcome, DEADLINE_MS));
}

static void
status_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Outcome *outcome = data;

  outcome->node = fal_client_status_finish (FAL_CLIENT (source), result, &outcome->error);
  outcome->finished_at = g_get_monotonic_time ();
  outcome->done = TRUE;
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Outcome *outcome = data;

  outcome->node = fal_client_result_finish (FAL_CLIENT (source), result, &outcome->error);
  outcome->finished_at = g_get_monotonic_time ();
  outcome->done = TRUE;
}

static void
cancel_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Outcome *outcome = data;

  outcome->ok = fal_client_cancel_finish (FAL_CLIENT (source), result, &outcome->error);
  outcome->finished_at = g_get_monotonic_time ();
  outcome->done = TRUE;
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Outcome *outcome = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  outcome->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &outcome->error);
  outcome->status = soup_message_get_status (msg);
  outcome->finished_at = g_get_monotonic_time ();
  outcome->done = TRUE;
}

/* A message made by the client (so the key goes where the client says)
 * sent on one of its two sessions; not waited for. */
static void
client_send_async (FalClient  *client,
                   gboolean    long_calls,
                   const char *method,
                   const char *url,
                   const char *content_type,
                   GBytes     *body,
                   Outcome    *outcome)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SoupMessage) msg = _fal_client_new_message (client, method, url, &error);

  g_assert_no_error (error);
  if (body)
    soup_message_set_request_body_from_bytes (msg, content_type, body);
  soup_session_send_and_read_async (_fal_client_get_session (client, long_calls), msg, G_PRIORITY_DEFAULT,
                                    NULL, send_cb, outcome);
}

static void
client_send (FalClient  *client,
             gboolean    long_calls,
             const char *method,
             const char *url,
             const char *content_type,
             GBytes     *body,
             Outcome    *outcome)
{
  client_send_async (client, long_calls, method, url, content_type, body, outcome);
  g_assert_true (wait_for (outcome_done, outcome, DEADLINE_MS));
  g_assert_no_error (outcome->error);
}

static JsonObject *
outcome_object (Outcome *outcome)
{
  g_autoptr(JsonNode) node = NULL;

  g_assert_nonnull (outcome->bytes);
  node = json_from_string (g_bytes_get_data (outcome->bytes, NULL), NULL);
  g_assert_nonnull (node);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (node));
  return json_object_ref (json_node_get_object (node));
}

/* Storage initiate through the client's rest base (with the key): the
 * upload_url and file_url. */
static void
initiate_upload (Fx          *fx,
                 FalClient   *client,
                 char       **upload_url,
                 char       **file_url)
{
  g_autofree char *url = _fal_client_build_url (client, FAL_HOST_REST, "storage/upload/initiate?storage_type=fal-cdn-v3");
  static const char json[] = "{\"content_type\":\"application/octet-stream\",\"file_name\":\"blob.bin\"}";
  g_autoptr(GBytes) body = g_bytes_new_static (json, strlen (json));
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(JsonObject) answer = NULL;

  client_send (client, FALSE, "POST", url, "application/json", body, &outcome);
  g_assert_cmpuint (outcome.status, ==, 200);
  answer = outcome_object (&outcome);
  *upload_url = g_strdup (json_object_get_string_member (answer, "upload_url"));
  *file_url = g_strdup (json_object_get_string_member (answer, "file_url"));
}

static FalRequest *
submit_and_wait (Fx                   *fx,
                 FalClient            *client,
                 const char           *endpoint_id,
                 const char           *json,
                 const FalCallOptions *options)
{
  g_autoptr(JsonNode) body = input (json);
  g_autoptr(GError) error = NULL;
  FalRequest *request = fal_client_submit (client, endpoint_id, body, options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (request);
  wait_done (request);
  return request;
}

static GPtrArray *
stream_events (FalStream *stream)
{
  return g_object_get_data (G_OBJECT (stream), "test-events");
}

static void
stream_event_cb (FalStream *stream,
                 JsonNode  *event)
{
  g_ptr_array_add (stream_events (stream), json_node_ref (event));
}

static gboolean
stream_done (gpointer data)
{
  return fal_stream_is_done (data);
}

static FalStream *
stream_and_wait (FalClient            *client,
                 const char           *endpoint_id,
                 const char           *json,
                 const FalCallOptions *options)
{
  g_autoptr(JsonNode) body = input (json);
  g_autoptr(GError) error = NULL;
  FalStream *stream = fal_client_stream (client, endpoint_id, body, options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (stream);
  g_object_set_data_full (G_OBJECT (stream), "test-events",
                          g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref),
                          (GDestroyNotify) g_ptr_array_unref);
  g_signal_connect (stream, "event", G_CALLBACK (stream_event_cb), NULL);
  g_assert_true (wait_for (stream_done, stream, DEADLINE_MS));
  return stream;
}

static FalStream *
stream_with_fault (Fx         *fx,
                   const char *fault)
{
  const char *headers[] = { "x-fal-fault", fault, NULL };
  FalCallOptions options = { .headers = headers };

  return stream_and_wait (fx->client, "fal-ai/any-llm", "{\"prompt\":\"tell me about foxes and their dens\"}", &options);
}

static const char *
entry_header (JsonObject *entry,
              const char *name)
{
  JsonObject *headers = json_object_get_object_member (entry, "headers");

  return headers && json_object_has_member (headers, name) ? json_object_get_string_member (headers, name) : NULL;
}

/* ------------------------------------------------------------------ run and stream */


static void
assert_n_field_errors (const GError *error,
                       const char   *field,
                       guint         n)
{
  g_autoptr(GPtrArray) errors = fal_error_field_errors_for (error, field);

  g_assert_cmpuint (errors->len, ==, n);
}
static void
test_run (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_auto(Outcome) outcome = { 0 };
  g_auto(Outcome) invalid = { 0 };
  g_autoptr(JsonArray) log = NULL;
  const char *output;

  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hello brave world\"}", NULL, &outcome);
  g_assert_no_error (outcome.error);
  g_assert_nonnull (outcome.node);
  output = json_object_get_string_member (json_node_get_object (outcome.node), "output");
  g_assert_nonnull (strstr (output, "hello brave world"));
  g_assert_true (g_uuid_string_is_valid (outcome.request_id));

  /* Refused input: a 422 with the field named. */
  run (fx->client, "fal-ai/any-llm", "{\"prompt\":42}", NULL, &invalid);
  g_assert_error (invalid.error, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_cmpuint (fal_error_get_http_status (invalid.error), ==, 422);
  assert_n_field_errors (invalid.error, "prompt", 1);

  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "POST", "^/run/fal-ai/any-llm$", NULL), ==, 2);
  /* The user agent names the app. */
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_str_has_prefix (json_object_get_string_member (entry, "path"), "/run/"))
        g_assert_cmpstr (entry_header (entry, "user-agent"), ==, "Falstaff/" PACKAGE_VERSION);
    }
}

static void
test_stream_events (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalStream) stream = stream_and_wait (fx->client, "fal-ai/any-llm",
                                                 "{\"prompt\":\"a long answer about foxes, dens, rivers and the moon\"}",
                                                 NULL);
  GPtrArray *events = stream_events (stream);
  g_autoptr(JsonArray) log = NULL;
  JsonObject *last;
  gsize previous = 0;

  g_assert_no_error ((GError *) fal_stream_get_error (stream));
  g_assert_cmpuint (events->len, >=, 3);
  g_assert_cmpuint (fal_stream_get_n_events (stream), ==, events->len);
  /* Growing partial outputs, in order, then the final one. */
  for (guint i = 0; i + 1 < events->len; i++)
    {
      JsonObject *event = json_node_get_object (g_ptr_array_index (events, i));
      const char *output = json_object_get_string_member (event, "output");

      g_assert_true (json_object_get_boolean_member (event, "partial"));
      g_assert_cmpuint (strlen (output), >=, previous);
      previous = strlen (output);
    }
  last = json_node_get_object (g_ptr_array_index (events, events->len - 1));
  g_assert_false (json_object_get_boolean_member (last, "partial"));
  g_assert_cmpuint (strlen (json_object_get_string_member (last, "output")), >=, previous);
  g_assert_true (json_node_equal (fal_stream_get_last_event (stream), g_ptr_array_index (events, events->len - 1)));
  g_assert_true (g_uuid_string_is_valid (fal_stream_get_request_id (stream)));

  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "POST", "^/run/fal-ai/any-llm/stream$", NULL), ==, 1);
}

static void
test_stream_http_error (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalStream) stream = stream_and_wait (fx->client, "fal-ai/any-llm", "{}", NULL);
  const GError *error = fal_stream_get_error (stream);
  g_autoptr(GPtrArray) fields = NULL;

  g_assert_error ((GError *) error, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_cmpuint (fal_error_get_http_status (error), ==, 422);
  fields = fal_error_field_errors_for (error, "prompt");
  g_assert_cmpuint (fields->len, ==, 1);
  g_assert_cmpuint (fal_stream_get_n_events (stream), ==, 0);
}

typedef struct {
  const char *fault;
  int code;
} StreamFault;

static void
test_stream_fault (gconstpointer data)
{
  const StreamFault *spec = data;
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalStream) stream = stream_with_fault (fx, spec->fault);
  const GError *error = fal_stream_get_error (stream);

  g_test_message ("%s: %u events, %s", spec->fault, fal_stream_get_n_events (stream),
                  error ? error->message : "no error");
  g_assert_error ((GError *) error, FAL_ERROR, spec->code);
  g_assert_true (fal_stream_is_done (stream));
  if (spec->code == FAL_ERROR_APP)
    {
      /* error-event=2: two good events, then the error. */
      g_assert_cmpuint (fal_stream_get_n_events (stream), ==, 2);
      g_assert_cmpstr (fal_error_get_error_type (error), ==, "internal_error");
      g_assert_true (g_uuid_string_is_valid (fal_error_get_request_id (error)));
    }
}

static void
count_event_cb (FalStream *stream,
                JsonNode  *event,
                guint     *n)
{
  (*n)++;
}

static gboolean
has_events (gpointer data)
{
  return fal_stream_get_n_events (data) > 0;
}

/* The model failing, on /run and on /stream: a model failure in words,
 * with the model's detail and error type; a 422 from the model stays a
 * validation error with its field errors. */
static void
test_model_failure (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  const char *fail_500[] = { "x-fal-fault", "fail=500", NULL };
  const char *fail_422[] = { "x-fal-fault", "fail=422", NULL };
  FalCallOptions options_500 = { .headers = fail_500 };
  FalCallOptions options_422 = { .headers = fail_422 };
  g_auto(Outcome) failed = { 0 };
  g_auto(Outcome) refused = { 0 };
  g_autoptr(FalStream) stream = NULL;
  g_autoptr(FalStream) stream_refused = NULL;
  g_autofree char *described = NULL;
  g_autofree char *stream_described = NULL;
  const GError *error;

  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", &options_500, &failed);
  g_assert_error (failed.error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_true (fal_error_is_model_failure (failed.error));
  g_assert_cmpuint (fal_error_get_http_status (failed.error), ==, 500);
  g_assert_cmpstr (fal_error_get_error_type (failed.error), ==, "runner_server_error");
  g_assert_true (g_uuid_string_is_valid (failed.request_id));
  g_assert_cmpstr (fal_error_get_request_id (failed.error), ==, failed.request_id);
  described = fal_error_describe (failed.error);
  g_assert_true (g_str_has_prefix (described, "The model failed on fal's side: The runner failed (a fault injected "
                                              "by the local server, status 500) (runner_server_error) [request "));

  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", &options_422, &refused);
  g_assert_error (refused.error, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_false (fal_error_is_model_failure (refused.error));
  assert_n_field_errors (refused.error, "prompt", 1);

  stream = stream_with_fault (fx, "fail=500");
  error = fal_stream_get_error (stream);
  g_assert_error ((GError *) error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_true (fal_error_is_model_failure (error));
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "runner_server_error");
  g_assert_cmpuint (fal_stream_get_n_events (stream), >, 0);
  stream_described = fal_error_describe (error);
  g_assert_true (g_str_has_prefix (stream_described, "The model failed on fal's side: The runner failed (a fault "
                                                     "injected by the local server, status 500) (runner_server_error)"));

  stream_refused = stream_with_fault (fx, "fail=422");
  error = fal_stream_get_error (stream_refused);
  g_assert_error ((GError *) error, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "content_policy_violation");
  assert_n_field_errors (error, "prompt", 1);
}

static void
test_stream_cancel (void)
{
  g_autoptr(Fx) fx = fx_new (0.5, 2);
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"slow\"}");
  g_autoptr(FalStream) stream = fal_client_stream (fx->client, "fal-ai/any-llm", body, NULL, NULL);
  g_autoptr(FalStream) running = NULL;
  g_autofree char *described = NULL;
  guint n_events = 0, seen;

  fal_test_wait_ms (300);
  g_assert_cmpuint (fal_stream_get_n_events (stream), ==, 0);
  fal_stream_cancel (stream);
  g_assert_true (fal_stream_is_done (stream));
  g_assert_error ((GError *) fal_stream_get_error (stream), FAL_ERROR, FAL_ERROR_CANCELLED);
  described = fal_error_describe (fal_stream_get_error (stream));
  g_assert_cmpstr (described, ==, "Cancelled");

  /* Cancelled while events flow: the same, and nothing after it. */
  running = fal_client_stream (fx->client, "fal-ai/any-llm", body, NULL, NULL);
  g_signal_connect (running, "event", G_CALLBACK (count_event_cb), &n_events);
  g_assert_true (wait_for (has_events, running, DEADLINE_MS));
  fal_stream_cancel (running);
  seen = n_events;
  g_assert_error ((GError *) fal_stream_get_error (running), FAL_ERROR, FAL_ERROR_CANCELLED);
  fal_test_wait_ms (500);
  g_assert_cmpuint (n_events, ==, seen);
  g_assert_cmpuint (fal_stream_get_n_events (running), ==, seen);
}

/* ------------------------------------------------------------------ retries */

/* The answer was cut after fal took the submit. */
#define CUT_ANSWER 100

typedef struct {
  const char *fault;
  guint count;            /* how many submits get it */
  guint submits;          /* how many the server should see */
  int code;               /* -1: success */
} SubmitFault;

static void
test_submit_retry (gconstpointer data)
{
  const SubmitFault *spec = data;
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonArray) log = NULL;
  const GError *error;

  fal_test_add_fault (fx->ts, "POST", "^/queue/fal-ai/any-llm$", spec->count, spec->fault);
  request = submit_and_wait (fx, fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL);
  error = fal_request_get_error (request);
  g_test_message ("%s x%u: %s", spec->fault, spec->count, error ? error->message : "success");
  if (spec->code < 0)
    {
      g_assert_no_error ((GError *) error);
      g_assert_nonnull (fal_request_get_result (request));
    }
  else if (spec->code == CUT_ANSWER)
    {
      /* fal took it (its id came in the head): followed by that id to its
       * result, and never sent twice. */
      g_assert_no_error ((GError *) error);
      g_assert_true (g_uuid_string_is_valid (fal_request_get_request_id (request)));
      g_assert_nonnull (fal_request_get_result (request));
      fal_test_wait_ms (2000);
    }
  else
    {
      g_assert_error ((GError *) error, FAL_ERROR, spec->code);
      /* A refusal that names an id keeps it in view. */
      if (strstr (spec->fault, "request-id"))
        {
          g_assert_true (g_uuid_string_is_valid (fal_error_get_request_id (error)));
          g_assert_cmpstr (fal_request_get_request_id (request), ==, fal_error_get_request_id (error));
        }
      /* A retry, had one been planned, comes after ~1 s. */
      fal_test_wait_ms (2000);
    }
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "POST", "^/queue/fal-ai/any-llm$", NULL), ==, spec->submits);
}

static void
test_retry_after_cap (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_auto(Outcome) outcome = { 0 };
  const GError *error;
  gint64 started = g_get_monotonic_time ();

  /* Past the submit's 60 s cap: no wait, a rate-limited error with it. */
  fal_test_add_fault (fx->ts, "POST", "^/queue/fal-ai/any-llm$", 1, "status=429; retry-after=3600");
  request = submit_and_wait (fx, fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL);
  error = fal_request_get_error (request);
  g_assert_error ((GError *) error, FAL_ERROR, FAL_ERROR_RATE_LIMITED);
  g_assert_cmpint (fal_error_get_retry_after (error), ==, 3600);
  g_assert_cmpuint (fal_error_get_http_status (error), ==, 429);
  g_assert_cmpint (g_get_monotonic_time () - started, <, 30 * G_USEC_PER_SEC);

  /* The run's cap is 15 s: 20 is past it. */
  fal_test_add_fault (fx->ts, "POST", "^/run/fal-ai/any-llm$", 1, "status=503; retry-after=20");
  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &outcome);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_RATE_LIMITED);
  g_assert_cmpint (fal_error_get_retry_after (outcome.error), ==, 20);

  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "POST", "^/queue/fal-ai/any-llm$", NULL), ==, 1);
  g_assert_cmpuint (count_requests (log, "POST", "^/run/fal-ai/any-llm$", NULL), ==, 1);
}

/* The other kinds of call: status, result, cancel, run. */
static void
test_other_retries (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  guint status = 0;
  g_autoptr(JsonNode) answer = fx_http (fx, "POST", "/queue/fal-ai/any-llm", "{\"prompt\":\"x\"}", &status);
  g_autofree char *request_id = g_strdup (json_object_get_string_member (json_node_get_object (answer), "request_id"));
  g_auto(Outcome) polled = { 0 };
  g_auto(Outcome) fetched = { 0 };
  g_auto(Outcome) cancelled = { 0 };
  g_auto(Outcome) ran = { 0 };
  g_auto(Outcome) failed = { 0 };
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(FalRequest) done = NULL;

  /* Status polls: 500 is retried too. */
  fal_test_add_fault (fx->ts, "GET", "/status$", 2, "status=500");
  fal_client_status_async (fx->client, "fal-ai/any-llm", request_id, TRUE, NULL, status_cb, &polled);
  g_assert_true (wait_for (outcome_done, &polled, DEADLINE_MS));
  g_assert_no_error (polled.error);
  g_assert_nonnull (json_object_get_string_member (json_node_get_object (polled.node), "status"));

  /* Results: 503 retried. Wait for completion first (polling raw). */
  done = fal_client_attach (fx->client, "fal-ai/any-llm", request_id, NULL);
  wait_done (done);
  fal_test_add_fault (fx->ts, "GET", "/requests/[^/]+$", 1, "status=503");
  fal_client_result_async (fx->client, "fal-ai/any-llm", request_id, NULL, result_cb, &fetched);
  g_assert_true (wait_for (outcome_done, &fetched, DEADLINE_MS));
  g_assert_no_error (fetched.error);
  g_assert_true (json_object_has_member (json_node_get_object (fetched.node), "output"));

  /* Cancel: 502 retried; the answer is then "too late". */
  fal_test_add_fault (fx->ts, "PUT", "/cancel$", 1, "status=502");
  fal_client_cancel_async (fx->client, "fal-ai/any-llm", request_id, NULL, cancel_cb, &cancelled);
  g_assert_true (wait_for (outcome_done, &cancelled, DEADLINE_MS));
  g_assert_false (cancelled.ok);
  g_assert_error (cancelled.error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_cmpstr (fal_error_get_error_type (cancelled.error), ==, "already_completed");

  /* Any other 400 is not "too late": it stays the error it is (it was
   * read as already completed, whatever its body said). */
  fal_test_add_fault (fx->ts, "PUT", "/cancel$", 1, "status=400");
  outcome_clear (&cancelled);
  cancelled.done = FALSE;
  fal_client_cancel_async (fx->client, "fal-ai/any-llm", request_id, NULL, cancel_cb, &cancelled);
  g_assert_true (wait_for (outcome_done, &cancelled, DEADLINE_MS));
  g_assert_false (cancelled.ok);
  g_assert_nonnull (cancelled.error);
  g_assert_cmpstr (fal_error_get_error_type (cancelled.error), !=, "already_completed");
  g_assert_nonnull (strstr (cancelled.error->message, "Fault injected"));

  /* Run: 504 without an id retried, 500 not. */
  fal_test_add_fault (fx->ts, "POST", "^/run/fal-ai/any-llm$", 1, "status=504");
  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &ran);
  g_assert_no_error (ran.error);
  fal_test_add_fault (fx->ts, "POST", "^/run/fal-ai/any-llm$", 1, "status=500; error-type=runner_server_error");
  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &failed);
  g_assert_error (failed.error, FAL_ERROR, FAL_ERROR_SERVER);
  g_assert_cmpstr (fal_error_get_error_type (failed.error), ==, "runner_server_error");

  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "GET", "/status$", request_id), ==, 3);
  /* The attach fetched it once, the call above twice. */
  g_assert_cmpuint (count_requests (log, "GET", "/requests/[^/]+$", request_id), ==, 3);
  /* 502 then the answer "too late"; then the 400 (not retried). */
  g_assert_cmpuint (count_requests (log, "PUT", "/cancel$", request_id), ==, 3);
  g_assert_cmpuint (count_requests (log, "POST", "^/run/fal-ai/any-llm$", NULL), ==, 3);
}

/* A cancel during the wait before a retry ends the call at once, and no
 * retry goes out after it. */
static void
test_cancel_during_retry_wait (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"hi\"}");
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_auto(Outcome) outcome = { 0 };
  gint64 cancelled_at;

  /* Run: Retry-After 8 s is under its 15 s cap, so it waits. */
  fal_test_add_fault (fx->ts, "POST", "^/run/fal-ai/any-llm$", 5, "status=429; retry-after=8");
  fal_client_run_async (fx->client, "fal-ai/any-llm", body, NULL, cancellable, run_cb, &outcome);
  for (gint64 until = g_get_monotonic_time () + DEADLINE_MS * 1000L; g_get_monotonic_time () < until;)
    {
      g_autoptr(JsonArray) seen = fal_test_request_log (fx->ts);

      if (count_requests (seen, "POST", "^/run/", NULL) == 1)
        break;
      fal_test_wait_ms (20);
    }
  fal_test_wait_ms (200);
  g_assert_false (outcome.done);
  cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancellable);
  g_assert_true (wait_for (outcome_done, &outcome, DEADLINE_MS));
  g_assert_cmpint (outcome.finished_at - cancelled_at, <, 4 * G_USEC_PER_SEC);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_CANCELLED);

  /* A submit waiting to retry, stopped by the user. */
  fal_test_add_fault (fx->ts, "POST", "^/queue/fal-ai/any-llm$", 5, "status=429; retry-after=8");
  request = fal_client_submit (fx->client, "fal-ai/any-llm", body, NULL, NULL);
  for (gint64 until = g_get_monotonic_time () + DEADLINE_MS * 1000L; g_get_monotonic_time () < until;)
    {
      g_autoptr(JsonArray) seen = fal_test_request_log (fx->ts);

      if (count_requests (seen, "POST", "^/queue/", NULL) == 1)
        break;
      fal_test_wait_ms (20);
    }
  fal_test_wait_ms (200);
  cancelled_at = g_get_monotonic_time ();
  fal_request_stop (request);
  wait_done (request);
  g_assert_cmpint (g_get_monotonic_time () - cancelled_at, <, 4 * G_USEC_PER_SEC);
  g_assert_error ((GError *) fal_request_get_error (request), FAL_ERROR, FAL_ERROR_CANCELLED);

  /* Past both retry times: still one attempt each. */
  fal_test_wait_ms (9000);
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "POST", "^/run/fal-ai/any-llm$", NULL), ==, 1);
  g_assert_cmpuint (count_requests (log, "POST", "^/queue/fal-ai/any-llm$", NULL), ==, 1);
}

static void
test_unauthorized (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(FalStream) stream = NULL;

  fal_client_set_key (fx->client, "local:wrong", FAL_KEY_SOURCE_PROPERTY);
  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &outcome);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (fal_error_get_http_status (outcome.error), ==, 401);

  request = submit_and_wait (fx, fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL);
  g_assert_error ((GError *) fal_request_get_error (request), FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
  stream = stream_and_wait (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL);
  g_assert_error ((GError *) fal_stream_get_error (stream), FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
}

/* ------------------------------------------------------------------ the key */

/* Every logged request under /queue, /run and /rest carried the key, and
 * none under /web or /cdn did; returns how many of each were seen. */
static void
assert_key_only_where_it_may_go (JsonArray *log,
                                 guint     *keyed,
                                 guint     *unkeyed)
{
  *keyed = *unkeyed = 0;
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      const char *path = json_object_get_string_member (entry, "path");
      gboolean has_key = json_object_get_boolean_member (entry, "authorization");

      if (g_str_has_prefix (path, "/queue/") || g_str_has_prefix (path, "/run/") ||
          g_str_has_prefix (path, "/rest/"))
        {
          if (!has_key)
            g_error ("%s %s went without the key", json_object_get_string_member (entry, "method"), path);
          (*keyed)++;
        }
      else if (g_str_has_prefix (path, "/web/") || g_str_has_prefix (path, "/cdn/"))
        {
          if (has_key)
            g_error ("%s %s carried the key", json_object_get_string_member (entry, "method"), path);
          (*unkeyed)++;
        }
    }
}

static const char *
first_image_url (JsonNode *result)
{
  JsonArray *images = json_object_get_array_member (json_node_get_object (result), "images");

  return json_object_get_string_member (json_array_get_object_element (images, 0), "url");
}

static void
test_key_placement (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(FalStream) stream = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_autofree char *upload_url = NULL;
  g_autofree char *file_url = NULL;
  g_autofree char *web_url = NULL;
  g_autoptr(GBytes) blob = g_bytes_new_static ("hello world", 11);
  g_auto(Outcome) ran = { 0 };
  g_auto(Outcome) cancelled = { 0 };
  g_auto(Outcome) put = { 0 };
  g_auto(Outcome) fetched = { 0 };
  g_auto(Outcome) media = { 0 };
  g_auto(Outcome) web = { 0 };
  guint keyed, unkeyed;

  /* Queue: submit, status stream, result, cancel. */
  request = submit_and_wait (fx, fx->client, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\"}", NULL);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  fal_client_cancel_async (fx->client, "fal-ai/fast-sdxl", fal_request_get_request_id (request), NULL,
                           cancel_cb, &cancelled);
  g_assert_true (wait_for (outcome_done, &cancelled, DEADLINE_MS));
  /* Run and stream. */
  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &ran);
  g_assert_no_error (ran.error);
  stream = stream_and_wait (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL);
  g_assert_no_error ((GError *) fal_stream_get_error (stream));
  /* Storage: initiate with the key, the PUT and the file without. */
  initiate_upload (fx, fx->client, &upload_url, &file_url);
  client_send (fx->client, TRUE, "PUT", upload_url, "text/plain", blob, &put);
  g_assert_cmpuint (put.status, ==, 200);
  client_send (fx->client, TRUE, "GET", file_url, NULL, NULL, &fetched);
  g_assert_cmpuint (fetched.status, ==, 200);
  g_assert_true (g_bytes_equal (fetched.bytes, blob));
  /* Result media, and the web base. */
  client_send (fx->client, TRUE, "GET", first_image_url (fal_request_get_result (request)), NULL, NULL, &media);
  g_assert_cmpuint (media.status, ==, 200);
  web_url = _fal_client_build_url (fx->client, FAL_HOST_WEB, "api/openapi/queue/openapi.json?endpoint_id=fal-ai/any-llm");
  client_send (fx->client, FALSE, "GET", web_url, NULL, NULL, &web);
  g_assert_cmpuint (web.status, ==, 200);

  log = fal_test_request_log (fx->ts);
  assert_key_only_where_it_may_go (log, &keyed, &unkeyed);
  g_assert_cmpuint (count_requests (log, "GET", "/status/stream$", NULL), >=, 1);
  g_assert_cmpuint (count_requests (log, "PUT", "/cancel$", NULL), ==, 1);
  g_assert_cmpuint (count_requests (log, "POST", "^/rest/storage/upload/initiate$", NULL), ==, 1);
  g_assert_cmpuint (count_requests (log, "PUT", "^/cdn/upload/", NULL), ==, 1);
  g_assert_cmpuint (count_requests (log, "GET", "^/cdn/files/", NULL), ==, 2);
  g_assert_cmpuint (count_requests (log, "GET", "^/web/", NULL), ==, 1);
  g_assert_cmpuint (keyed, >=, 7);
  g_assert_cmpuint (unkeyed, ==, 4);
}

/* The key rule itself: a URL that only looks like a base gets no key, and
 * keyed messages never follow a redirect. */
static void
test_key_prefix (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autofree char *lookalike = g_strconcat (fx->url, "/queue-evil/fal-ai/any-llm", NULL);
  g_autofree char *under = g_strconcat (fx->url, "/queue/fal-ai/any-llm", NULL);
  g_autofree char *rest = g_strconcat (fx->url, "/rest?x=1", NULL);
  g_autoptr(SoupMessage) evil = _fal_client_new_message (fx->client, "POST", lookalike, NULL);
  g_autoptr(SoupMessage) good = _fal_client_new_message (fx->client, "POST", under, NULL);
  g_autoptr(SoupMessage) query = _fal_client_new_message (fx->client, "POST", rest, NULL);

  g_assert_null (soup_message_headers_get_one (soup_message_get_request_headers (evil), "Authorization"));
  g_assert_false (soup_message_query_flags (evil, SOUP_MESSAGE_NO_REDIRECT));
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_request_headers (good), "Authorization"),
                   ==, "Key " FAL_LOCAL_DEFAULT_KEY);
  g_assert_true (soup_message_query_flags (good, SOUP_MESSAGE_NO_REDIRECT));
  g_assert_nonnull (soup_message_headers_get_one (soup_message_get_request_headers (query), "Authorization"));
}

/* A keyed call is not followed across a redirect: the key never reaches
 * the other origin (here the local server, which logs every request). */
static void
redirect_cb (SoupServer        *server,
             SoupServerMessage *msg,
             const char        *path,
             GHashTable        *query,
             gpointer           data)
{
  const char *target = data;

  soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, target);
}

static void
test_key_no_redirect (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(SoupServer) elsewhere = soup_server_new (NULL, NULL);
  g_autofree char *target = g_strconcat (fx->url, "/run/fal-ai/any-llm", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSList) uris = NULL;
  g_autofree char *base = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_auto(Outcome) ran = { 0 };

  soup_server_add_handler (elsewhere, NULL, redirect_cb, target, NULL);
  soup_server_listen_local (elsewhere, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (elsewhere);
  base = g_uri_to_string_partial (uris->data, G_URI_HIDE_PASSWORD);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  g_object_set (fx->client, "run-url", base, NULL);

  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &ran);
  g_assert_error (ran.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  g_assert_cmpuint (fal_error_get_http_status (ran.error), ==, 302);
  /* libsoup would follow a 302 POST as a GET: neither came. */
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "POST", "^/run/", NULL), ==, 0);
  g_assert_cmpuint (count_requests (log, "GET", "^/run/", NULL), ==, 0);
  soup_server_disconnect (elsewhere);
}

static void
stamp_event_cb (FalStream *stream,
                JsonNode  *event,
                GArray    *times)
{
  gint64 now = g_get_monotonic_time ();

  g_array_append_val (times, now);
}

/* Through a proxy that adds the key (tests/proxy-fixture.c), a client
 * with no key of its own runs, and a /stream's events arrive one by one
 * as the model makes them, not all at the end. */
static void
test_keyless_behind_proxy (void)
{
  g_autoptr(Fx) fx = fx_new (0.5, 2);
  g_autoptr(ProxyFixture) proxy = proxy_fixture_new (FAL_LOCAL_DEFAULT_KEY);
  g_autoptr(FalClient) client = NULL;
  g_autoptr(FalStream) stream = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"tell me about foxes and their dens\"}");
  g_autoptr(GArray) times = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) targets = NULL;
  gint64 first, last;

  g_setenv ("FALSTAFF_PROXY_URL", proxy_fixture_get_url (proxy), TRUE);
  client = fal_client_new ();
  g_unsetenv ("FALSTAFF_PROXY_URL");
  fal_client_use_local_server (client, fx->url);
  g_assert_false (fal_client_has_key (client));

  stream = fal_client_stream (client, "fal-ai/any-llm", body, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (stream, "event", G_CALLBACK (stamp_event_cb), times);
  g_assert_true (wait_for (stream_done, stream, DEADLINE_MS));
  g_assert_no_error ((GError *) fal_stream_get_error (stream));
  g_assert_cmpuint (times->len, >=, 5);
  first = g_array_index (times, gint64, 0);
  last = g_array_index (times, gint64, times->len - 1);
  /* 5 s of run at speed 0.5, events spread over it. */
  g_test_message ("%u events over %.2f s", times->len, (last - first) / 1e6);
  g_assert_cmpint (last - first, >, 2 * G_USEC_PER_SEC);

  request = submit_and_wait (fx, client, "fal-ai/flux/schnell", "{\"prompt\":\"a fox\",\"num_inference_steps\":1}", NULL);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  g_assert_nonnull (fal_request_get_result (request));

  targets = proxy_fixture_dup_targets (proxy);
  g_assert_cmpuint (g_strv_length (targets), ==, proxy_fixture_get_n_forwarded (proxy));
  g_assert_cmpuint (g_strv_length (targets), >=, 4);
  g_assert_true (g_str_has_prefix (targets[0], "POST http://127.0.0.1:"));
  g_assert_true (g_str_has_suffix (targets[0], "/run/fal-ai/any-llm/stream"));
}

static void
test_proxy (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalClient) client = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(FalStream) stream = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_autofree char *web_base = g_strconcat (fx->url, "/web", NULL);
  g_autofree char *web_url = NULL;
  g_autofree char *upload_url = NULL;
  g_autofree char *file_url = NULL;
  g_autoptr(GBytes) blob = g_bytes_new_static ("proxy", 5);
  g_auto(Outcome) ran = { 0 };
  g_auto(Outcome) web = { 0 };
  g_auto(Outcome) put = { 0 };
  guint keyed, unkeyed, proxied = 0;

  g_setenv ("FALSTAFF_PROXY_URL", fx->url, TRUE);
  client = fal_client_new ();
  g_unsetenv ("FALSTAFF_PROXY_URL");
  g_assert_cmpstr (fal_client_get_proxy_url (client), ==, fx->url);
  /* The bases stay fal's own; only the proxy is local. */
  g_assert_cmpstr (fal_client_get_queue_url (client), ==, FAL_DEFAULT_QUEUE_URL);
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  g_object_set (client, "web-url", web_base, "poll-interval", 50, NULL);

  request = submit_and_wait (fx, client, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\"}", NULL);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  run (client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &ran);
  g_assert_no_error (ran.error);
  stream = stream_and_wait (client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL);
  g_assert_no_error ((GError *) fal_stream_get_error (stream));
  initiate_upload (fx, client, &upload_url, &file_url);
  client_send (client, TRUE, "PUT", upload_url, "text/plain", blob, &put);
  g_assert_cmpuint (put.status, ==, 200);
  web_url = _fal_client_build_url (client, FAL_HOST_WEB, "api/openapi/queue/openapi.json?endpoint_id=fal-ai/any-llm");
  client_send (client, FALSE, "GET", web_url, NULL, NULL, &web);
  g_assert_cmpuint (web.status, ==, 200);

  log = fal_test_request_log (fx->ts);
  assert_key_only_where_it_may_go (log, &keyed, &unkeyed);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      const char *path = json_object_get_string_member (entry, "path");
      const char *target = entry_header (entry, "x-fal-target-url");

      if (g_str_has_prefix (path, "/queue/") || g_str_has_prefix (path, "/run/") || g_str_has_prefix (path, "/rest/"))
        {
          /* Sent to the proxy, naming fal's URL. */
          g_assert_cmpstr (json_object_get_string_member (entry, "route"), ==, "proxy");
          g_assert_nonnull (target);
          g_assert_true (g_str_has_prefix (target, FAL_DEFAULT_QUEUE_URL "/") ||
                         g_str_has_prefix (target, FAL_DEFAULT_RUN_URL "/") ||
                         g_str_has_prefix (target, FAL_DEFAULT_REST_URL "/"));
          proxied++;
        }
      else if (g_str_has_prefix (path, "/web/"))
        {
          /* The web host goes through the proxy too, without the key. */
          g_assert_cmpstr (json_object_get_string_member (entry, "route"), ==, "proxy");
          g_assert_nonnull (target);
          g_assert_true (g_str_has_prefix (target, web_base));
        }
      else if (g_str_has_prefix (path, "/cdn/"))
        {
          g_assert_cmpstr (json_object_get_string_member (entry, "route"), ==, "direct");
          g_assert_null (target);
        }
    }
  g_assert_cmpuint (proxied, ==, keyed);
  /* submit, stream, result, run, stream, initiate. */
  g_assert_cmpuint (proxied, >=, 6);
  g_assert_cmpuint (unkeyed, ==, 2);
  g_assert_cmpuint (count_requests (log, "GET", "/status/stream$", NULL), >=, 1);
}

static void
test_insecure (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalClient) client = fal_client_new ();
  g_autoptr(FalClient) via = fal_client_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"hi\"}");
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_auto(Outcome) ran = { 0 };
  g_auto(Outcome) proxied = { 0 };
  g_autofree char *cleared = NULL;
  guint status = 0;

  g_assert_null (fx_http (fx, "DELETE", "/__control/requests", NULL, &status));
  g_assert_cmpuint (status, ==, 204);

  /* A name that only looks like a loopback address is elsewhere. */
  fal_client_use_local_server (client, "http://127.attacker.invalid");
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  g_assert_null (fal_client_submit (client, "fal-ai/any-llm", body, NULL, &error));
  g_assert_error (error, FAL_ERROR, FAL_ERROR_INSECURE_URL);
  g_clear_error (&error);
  fal_client_use_local_server (client, "http://example.com");
  g_assert_null (fal_client_submit (client, "fal-ai/any-llm", body, NULL, &error));
  g_assert_error (error, FAL_ERROR, FAL_ERROR_INSECURE_URL);
  g_clear_error (&error);
  g_assert_null (fal_client_stream (client, "fal-ai/any-llm", body, NULL, &error));
  g_assert_error (error, FAL_ERROR, FAL_ERROR_INSECURE_URL);
  g_clear_error (&error);
  g_assert_null (fal_client_attach (client, "fal-ai/any-llm", "6c1b1d2e-8a31-4d7e-9b57-0f3a6f0f9e11", &error));
  g_assert_error (error, FAL_ERROR, FAL_ERROR_INSECURE_URL);
  run (client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &ran);
  g_assert_error (ran.error, FAL_ERROR, FAL_ERROR_INSECURE_URL);

  /* A plain-http proxy elsewhere is refused the same way. */
  fal_client_use_local_server (via, fx->url);
  fal_client_set_key (via, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  g_object_set (via, "proxy-url", "http://example.com/api/fal/proxy", NULL);
  run (via, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &proxied);
  g_assert_error (proxied.error, FAL_ERROR, FAL_ERROR_INSECURE_URL);
  request = submit_and_wait (fx, via, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL);
  g_assert_error ((GError *) fal_request_get_error (request), FAL_ERROR, FAL_ERROR_INSECURE_URL);

  /* Not one request reached the server (only this log read). */
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (json_array_get_length (log), ==, 1);
}

static void
test_environment (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalClient) from_key = NULL;
  g_autoptr(FalClient) from_pair = NULL;
  g_autoptr(FalClient) both = NULL;
  g_autoptr(FalClient) none = NULL;
  g_autoptr(FalClient) bases = NULL;
  g_auto(Outcome) ran_key = { 0 };
  g_auto(Outcome) ran_pair = { 0 };
  g_auto(Outcome) ran_both = { 0 };

  g_setenv ("FAL_KEY", FAL_LOCAL_DEFAULT_KEY, TRUE);
  from_key = fal_client_new ();
  g_unsetenv ("FAL_KEY");
  g_setenv ("FAL_KEY_ID", "local", TRUE);
  g_setenv ("FAL_KEY_SECRET", "secret", TRUE);
  from_pair = fal_client_new ();
  /* FAL_KEY wins over the pair. */
  g_setenv ("FAL_KEY_ID", "wrong", TRUE);
  g_setenv ("FAL_KEY", FAL_LOCAL_DEFAULT_KEY, TRUE);
  both = fal_client_new ();
  g_unsetenv ("FAL_KEY");
  g_unsetenv ("FAL_KEY_ID");
  g_unsetenv ("FAL_KEY_SECRET");
  none = fal_client_new ();

  g_assert_cmpint (fal_client_get_key_source (from_key), ==, FAL_KEY_SOURCE_ENVIRONMENT);
  g_assert_cmpint (fal_client_get_key_source (from_pair), ==, FAL_KEY_SOURCE_ENVIRONMENT);
  g_assert_false (fal_client_has_key (none));
  g_assert_cmpint (fal_client_get_key_source (none), ==, FAL_KEY_SOURCE_NONE);

  /* The environment wins over a key set later. */
  fal_client_set_key (from_key, "local:wrong", FAL_KEY_SOURCE_PROPERTY);
  fal_client_set_key (from_pair, "local:wrong", FAL_KEY_SOURCE_SECRET_SERVICE);
  g_assert_cmpint (fal_client_get_key_source (from_key), ==, FAL_KEY_SOURCE_ENVIRONMENT);
  g_assert_cmpint (fal_client_get_key_source (from_pair), ==, FAL_KEY_SOURCE_ENVIRONMENT);
  fal_client_set_key (none, "local:typed", FAL_KEY_SOURCE_SECRET_SERVICE);
  g_assert_cmpint (fal_client_get_key_source (none), ==, FAL_KEY_SOURCE_SECRET_SERVICE);

  /* And the server takes it (the wrong key would be a 401). */
  fal_client_use_local_server (from_key, fx->url);
  fal_client_use_local_server (from_pair, fx->url);
  fal_client_use_local_server (both, fx->url);
  run (from_key, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &ran_key);
  g_assert_no_error (ran_key.error);
  run (from_pair, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &ran_pair);
  g_assert_no_error (ran_pair.error);
  run (both, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &ran_both);
  g_assert_no_error (ran_both.error);

  /* Base URLs: defaults, then the environment, per host. */
  g_assert_cmpstr (fal_client_get_run_url (none), ==, FAL_DEFAULT_RUN_URL);
  g_assert_cmpstr (fal_client_get_web_url (none), ==, FAL_DEFAULT_WEB_URL);
  g_assert_null (fal_client_get_proxy_url (none));
  g_setenv ("FALSTAFF_QUEUE_URL", "https://q.example/", TRUE);
  g_setenv ("FALSTAFF_RUN_URL", "https://r.example", TRUE);
  g_setenv ("FALSTAFF_REST_URL", "https://s.example", TRUE);
  g_setenv ("FALSTAFF_WEB_URL", "https://w.example", TRUE);
  bases = fal_client_new ();
  g_unsetenv ("FALSTAFF_QUEUE_URL");
  g_unsetenv ("FALSTAFF_RUN_URL");
  g_unsetenv ("FALSTAFF_REST_URL");
  g_unsetenv ("FALSTAFF_WEB_URL");
  g_assert_cmpstr (fal_client_get_queue_url (bases), ==, "https://q.example");
  g_assert_cmpstr (fal_client_get_run_url (bases), ==, "https://r.example");
  g_assert_cmpstr (fal_client_get_rest_url (bases), ==, "https://s.example");
  g_assert_cmpstr (fal_client_get_web_url (bases), ==, "https://w.example");
  g_object_set (bases, "queue-url", "https://other.example", NULL);
  g_assert_cmpstr (fal_client_get_queue_url (bases), ==, "https://other.example");
}

/* ------------------------------------------------------------------ concurrency */

static gboolean
all_streaming (gpointer data)
{
  FalRequest **requests = data;

  for (guint i = 0; requests[i]; i++)
    if (!fal_request_get_streaming (requests[i]))
      return FALSE;
  return TRUE;
}

static gboolean
outcomes_done (gpointer data)
{
  Outcome **outcomes = data;

  for (guint i = 0; outcomes[i]; i++)
    if (!outcomes[i]->done)
      return FALSE;
  return TRUE;
}

/* Three status streams stay open while a 20 MiB upload and its download,
 * a status call, a result fetch and a cancel all go through on the same
 * host: nothing waits for a stream to end. */
static void
test_concurrent_streams_and_transfer (void)
{
  g_autoptr(Fx) fx = fx_new (0.25, 3);
  FalRequest *requests[4] = { NULL };
  gsize size = 20 * 1024 * 1024;
  guint8 *data = g_malloc (size);
  g_autoptr(GBytes) blob = NULL;
  g_autofree char *upload_url = NULL;
  g_autofree char *file_url = NULL;
  g_auto(Outcome) put = { 0 };
  g_auto(Outcome) got = { 0 };
  g_auto(Outcome) polled = { 0 };
  g_auto(Outcome) fetched = { 0 };
  g_auto(Outcome) cancelled = { 0 };
  Outcome *first_wave[] = { &put, &polled, &fetched, &cancelled, NULL };
  Outcome *second_wave[] = { &got, NULL };
  guint status = 0;
  g_autoptr(JsonNode) spare = fx_http (fx, "POST", "/queue/fal-ai/any-llm", "{\"prompt\":\"spare\"}", &status);
  const char *spare_id = json_object_get_string_member (json_node_get_object (spare), "request_id");

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 31 + (i >> 13));
  blob = g_bytes_new_take (data, size);
  initiate_upload (fx, fx->client, &upload_url, &file_url);

  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(JsonNode) body = input ("{\"prompt\":\"a fox\"}");

      requests[i] = fal_client_submit (fx->client, "fal-ai/flux/schnell", body, NULL, NULL);
    }
  g_assert_true (wait_for (all_streaming, requests, DEADLINE_MS));

  client_send_async (fx->client, TRUE, "PUT", upload_url, "application/octet-stream", blob, &put);
  fal_client_status_async (fx->client, "fal-ai/flux/schnell", fal_request_get_request_id (requests[0]), TRUE,
                           NULL, status_cb, &polled);
  /* Still running: the result answers 400 "in progress", at once. */
  fal_client_result_async (fx->client, "fal-ai/flux/schnell", fal_request_get_request_id (requests[1]),
                           NULL, result_cb, &fetched);
  fal_client_cancel_async (fx->client, "fal-ai/any-llm", spare_id, NULL, cancel_cb, &cancelled);
  g_assert_true (wait_for (outcomes_done, first_wave, DEADLINE_MS));
  client_send_async (fx->client, TRUE, "GET", file_url, NULL, NULL, &got);
  g_assert_true (wait_for (outcomes_done, second_wave, DEADLINE_MS));

  /* All of it while the three streams were still open. */
  for (guint i = 0; i < 3; i++)
    {
      g_assert_false (fal_request_is_done (requests[i]));
      g_assert_true (fal_request_get_streaming (requests[i]));
    }
  g_assert_no_error (put.error);
  g_assert_cmpuint (put.status, ==, 200);
  g_assert_no_error (got.error);
  g_assert_cmpuint (got.status, ==, 200);
  g_assert_true (g_bytes_equal (got.bytes, blob));
  g_assert_no_error (polled.error);
  g_assert_error (fetched.error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_cmpuint (fal_error_get_http_status (fetched.error), ==, 400);
  g_assert_no_error (cancelled.error);
  g_assert_true (cancelled.ok);

  for (guint i = 0; i < 3; i++)
    {
      fal_request_stop (requests[i]);
      g_object_unref (requests[i]);
    }
}

/* An answer nested 100,000 arrays deep is refused as a protocol error,
 * not parsed into a stack overflow; 200 levels still parse. */
static void
test_deep_json (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_auto(Outcome) outcome = { 0 };
  g_autoptr(GString) deep = g_string_new ("status=200; body=");
  g_autoptr(GString) fine = g_string_new (NULL);
  g_autoptr(JsonNode) parsed = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c (deep, ']');
  fal_test_add_fault (fx->ts, "POST", "^/run/fal-ai/any-llm$", 1, deep->str);
  run (fx->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", NULL, &outcome);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (outcome.error->message, "nested"));

  /* 100 objects each holding an array: 200 levels. */
  for (guint i = 0; i < 100; i++)
    g_string_append (fine, "{\"a\":[");
  g_string_append (fine, "\"[[[[ in a string\"");
  for (guint i = 0; i < 100; i++)
    g_string_append (fine, "]}");
  parsed = fal_json_parse (fine->str, fine->len, &error);
  g_assert_no_error (error);
  g_assert_nonnull (parsed);
}

/* The order a status poll relies on to keep its deadline for fal's part
 * only: answered, on the caller's thread, once the whole answer is here;
 * then, in the parse thread of a big answer; then the callback. An error
 * answer is not "answered". */
typedef struct {
  Outcome outcome;
  GThread *caller;
  gint answered;
  gint thens;
  gint thens_when_answered;
  gboolean answered_on_caller;
} CallOrder;

static void
order_answered_cb (gpointer data,
                   gpointer unused)
{
  CallOrder *order = data;

  order->answered++;
  order->thens_when_answered = g_atomic_int_get (&order->thens);
  order->answered_on_caller = g_thread_self () == order->caller;
}

static void
order_then (JsonNode *node,
            gpointer  data)
{
  CallOrder *order = data;

  g_atomic_int_inc (&order->thens);
}

static void
order_call_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  CallOrder *order = data;

  order->outcome.node = _fal_client_call_finish (FAL_CLIENT (source), result, NULL, NULL, &order->outcome.error);
  order->outcome.done = TRUE;
}

static void
call_in_order (Fx        *fx,
               CallOrder *order)
{
  g_autofree char *url = _fal_client_build_url (fx->client, FAL_HOST_QUEUE, "fal-ai/any-llm/requests/r1/status");

  order->caller = g_thread_self ();
  _fal_client_call_then_async (fx->client, "GET", url, NULL, NULL, FAL_RETRY_NONE, FALSE, order_then, order, NULL,
                               order_answered_cb, order, NULL, order_call_cb, order);
  g_assert_true (wait_for (outcome_done, &order->outcome, DEADLINE_MS));
}

static void
test_answered_before_parse (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(GString) big = g_string_new ("status=200; body={\"status\":\"IN_PROGRESS\",\"pad\":\"");
  CallOrder order = { 0 };
  CallOrder refused = { 0 };

  /* Past the 256 KiB from which answers are parsed in a thread. */
  for (guint i = 0; i < 300 * 1024; i++)
    g_string_append_c (big, 'x');
  g_string_append (big, "\"}");
  fal_test_add_fault (fx->ts, "GET", "/status$", 1, big->str);
  call_in_order (fx, &order);
  g_assert_no_error (order.outcome.error);
  g_assert_nonnull (order.outcome.node);
  g_assert_cmpint (order.answered, ==, 1);
  g_assert_true (order.answered_on_caller);
  g_assert_cmpint (order.thens_when_answered, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&order.thens), ==, 1);
  outcome_clear (&order.outcome);

  fal_test_add_fault (fx->ts, "GET", "/status$", 1, "status=500");
  call_in_order (fx, &refused);
  g_assert_nonnull (refused.outcome.error);
  g_assert_cmpint (refused.answered, ==, 0);
  g_assert_cmpint (g_atomic_int_get (&refused.thens), ==, 0);
  outcome_clear (&refused.outcome);
}

/* Plain http goes only to this machine, by address, not by a name's
 * first characters. */
static void
test_loopback_hosts (void)
{
  const char *loopback[] = { "localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]" };
  const char *elsewhere[] = { "127.attacker.invalid", "127.0.0.1.nip.io", "localhost.example.com",
                              "128.0.0.1", "0.0.0.0", "::2", "[::1", "", "example.com" };

  for (guint i = 0; i < G_N_ELEMENTS (loopback); i++)
    g_assert_true (fal_host_is_loopback (loopback[i]));
  for (guint i = 0; i < G_N_ELEMENTS (elsewhere); i++)
    g_assert_false (fal_host_is_loopback (elsewhere[i]));
  g_assert_false (fal_host_is_loopback (NULL));
}

int
main (int   argc,
      char *argv[])
{
  static const StreamFault stream_faults[] = {
    { "drop-after-events=2", FAL_ERROR_NETWORK },
    { "malformed", FAL_ERROR_PROTOCOL },
    { "error-event=2", FAL_ERROR_APP },
    { "non-sse", FAL_ERROR_PROTOCOL },
    { "status=503; request-id", FAL_ERROR_SERVER },
  };
  static const SubmitFault submit_faults[] = {
    { "status=503", 2, 3, -1 },
    { "status=502", 1, 2, -1 },
    { "status=504", 1, 2, -1 },
    { "status=503", 5, 4, FAL_ERROR_SERVER },
    { "status=503; request-id", 1, 1, FAL_ERROR_SERVER },
    { "status=504; request-id", 1, 1, FAL_ERROR_TIMEOUT },
    { "status=500", 1, 1, FAL_ERROR_SERVER },
    { "status=429; retry-after=1", 1, 2, -1 },
    { "status=429; request-id", 1, 2, -1 },
    { "status=404", 1, 1, FAL_ERROR_NOT_FOUND },
    /* The job is queued, then its answer is cut: never sent again.
     * libsoup 3.2 takes a body cut at a chunk boundary (or short of its
     * Content-Length) as complete, so this shows as unparsable JSON. */
    { "drop=10", 1, 1, CUT_ANSWER },
    { "truncate=20", 1, 1, CUT_ANSWER },
  };
  const char *env[] = { "FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "FALSTAFF_QUEUE_URL",
                        "FALSTAFF_RUN_URL", "FALSTAFF_REST_URL", "FALSTAFF_WEB_URL",
                        "FALSTAFF_PROXY_URL", "FALSTAFF_LOCAL_URL" };

  /* Only what each test sets may steer the client. */
  for (guint i = 0; i < G_N_ELEMENTS (env); i++)
    g_unsetenv (env[i]);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/calls/loopback-hosts", test_loopback_hosts);
  g_test_add_func ("/fal/calls/deep-json", test_deep_json);
  g_test_add_func ("/fal/calls/answered-before-parse", test_answered_before_parse);
  g_test_add_func ("/fal/calls/run", test_run);
  g_test_add_func ("/fal/calls/stream/events", test_stream_events);
  g_test_add_func ("/fal/calls/stream/http-error", test_stream_http_error);
  g_test_add_func ("/fal/calls/stream/cancel", test_stream_cancel);
  g_test_add_func ("/fal/calls/model-failure", test_model_failure);
  for (guint i = 0; i < G_N_ELEMENTS (stream_faults); i++)
    {
      g_autofree char *path = g_strdup_printf ("/fal/calls/stream/fault/%s", stream_faults[i].fault);

      g_strdelimit (path, " ;=", '-');
      g_test_add_data_func (path, &stream_faults[i], test_stream_fault);
    }
  for (guint i = 0; i < G_N_ELEMENTS (submit_faults); i++)
    {
      g_autofree char *path = g_strdup_printf ("/fal/calls/retry/submit/%s-x%u", submit_faults[i].fault,
                                               submit_faults[i].count);

      g_strdelimit (path, " ;=", '-');
      g_test_add_data_func (path, &submit_faults[i], test_submit_retry);
    }
  g_test_add_func ("/fal/calls/retry/retry-after-cap", test_retry_after_cap);
  g_test_add_func ("/fal/calls/retry/other-calls", test_other_retries);
  g_test_add_func ("/fal/calls/retry/cancel-during-wait", test_cancel_during_retry_wait);
  g_test_add_func ("/fal/calls/unauthorized", test_unauthorized);
  g_test_add_func ("/fal/calls/key/placement", test_key_placement);
  g_test_add_func ("/fal/calls/key/prefix", test_key_prefix);
  g_test_add_func ("/fal/calls/key/no-redirect", test_key_no_redirect);
  g_test_add_func ("/fal/calls/key/proxy", test_proxy);
  g_test_add_func ("/fal/calls/key/keyless-behind-proxy", test_keyless_behind_proxy);
  g_test_add_func ("/fal/calls/key/environment", test_environment);
  g_test_add_func ("/fal/calls/insecure-url", test_insecure);
  g_test_add_func ("/fal/calls/concurrent-streams-and-transfer", test_concurrent_streams_and_transfer);

  return g_test_run ();
}
