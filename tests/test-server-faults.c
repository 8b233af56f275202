/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every fault knob of the local fal server, per request (x-fal-fault) and
 * for the next N matching requests (POST /__control/faults). */
#include "config.h"

#include <string.h>

#include "server-fixture.h"

#define SDXL "fal-ai/fast-sdxl"
#define SDXL_BODY "{\"prompt\": \"x\", \"num_inference_steps\": 4, \"image_size\": \"square\"}"
#define SDXL_LOG_LINES 8

static FalTestResponse *
call_with_fault (FalTestServer *ts,
                 const char    *method,
                 const char    *path,
                 const char    *body,
                 const char    *fault)
{
  g_autoptr(SoupMessage) msg = fal_test_message (ts, method, path, body);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-fault", fault);
  return fal_test_send (ts, msg);
}

static FalTestSse *
open_with_fault (FalTestServer *ts,
                 const char    *method,
                 const char    *path,
                 const char    *body,
                 const char    *fault)
{
  g_autoptr(SoupMessage) msg = fal_test_message (ts, method, path, body);

  if (fault)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-fault", fault);
  return fal_test_sse_open (ts, msg);
}

/* ------------------------------------------------------------------ status */

/* Statuses that cannot be a fault's answer, and control characters in a
 * value, are refused with 400, per request and as rules, and the server
 * goes on answering: status=100 used to send "100 Continue" for ever and
 * then read freed memory. */
static void
test_status_refused (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  const char *refused[] = { "status=100", "status=101", "status=102", "status=199", "status=204", "status=304" };
  g_autoptr(FalTestResponse) alive = NULL;
  g_autoptr(FalTestResponse) rule = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(FalTestResponse) response = call_with_fault (ts, "GET", "/", NULL, refused[i]);

      g_assert_no_error (response->error);
      g_assert_cmpuint (response->status, ==, 400);
      g_assert_nonnull (strstr (fal_test_response_string (response, "detail"), "final status"));
    }

  /* A CR or LF cannot come in a header, but it can in a rule's JSON. */
  rule = fal_test_call (ts, "POST", "/__control/faults",
                        "{\"fault\": \"status=503; retry-after=1\\r\\nSet-Cookie: x=1\", \"path\": \"^/$\"}");
  g_assert_no_error (rule->error);
  g_assert_cmpuint (rule->status, ==, 400);
  g_assert_nonnull (strstr (fal_test_response_string (rule, "detail"), "control character"));

  alive = fal_test_call (ts, "GET", "/", NULL);
  g_assert_cmpuint (alive->status, ==, 200);
}

static void
test_status_any_route (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  static const struct {
    const char *method;
    const char *path;
    const char *body;
    guint status;
  } routes[] = {
    { "POST", "/queue/" SDXL, SDXL_BODY, 503 },
    { "GET", "/queue/" SDXL "/requests/any/status", NULL, 500 },
    { "PUT", "/queue/" SDXL "/requests/any/cancel", NULL, 409 },
    { "POST", "/run/" SDXL, SDXL_BODY, 429 },
    { "POST", "/run/fal-ai/any-llm/stream", "{\"prompt\": \"x\"}", 502 },
    { "POST", "/rest/storage/upload/initiate", "{}", 500 },
    { "GET", "/web/api/openapi/queue/openapi.json?endpoint_id=" SDXL, NULL, 502 },
    { "GET", "/cdn/files/nothing/x.png", NULL, 503 },
    { "GET", "/no/such/route", NULL, 418 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    {
      g_autofree char *spec = g_strdup_printf ("status=%u; retry-after=7", routes[i].status);
      g_autoptr(FalTestResponse) response = call_with_fault (ts, routes[i].method, routes[i].path, routes[i].body, spec);

      fal_test_assert_detail (response, routes[i].status);
      g_assert_cmpstr (fal_test_response_header (response, "Retry-After"), ==, "7");
      /* Without request-id, no x-fal-request-id: what an ingress error looks like. */
      g_assert_null (fal_test_response_header (response, "x-fal-request-id"));
    }
}

static void
test_status_request_id (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) with = call_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY, "status=502; request-id");
  g_autoptr(FalTestResponse) without = call_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY, "status=502");
  g_autoptr(FalTestResponse) timeout = call_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY,
                                                        "status=504; timeout-type=user; error-type=request_timeout");
  g_autoptr(FalTestResponse) body = call_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY,
                                                     "status=503; body={\"detail\": \"nginx says no\"}");
  const char *id;

  fal_test_assert_detail (with, 502);
  id = fal_test_response_header (with, "x-fal-request-id");
  g_assert_true (id && g_uuid_string_is_valid (id));
  fal_test_assert_detail (without, 502);
  g_assert_null (fal_test_response_header (without, "x-fal-request-id"));

  fal_test_assert_detail (timeout, 504);
  g_assert_cmpstr (fal_test_response_header (timeout, "X-Fal-Request-Timeout-Type"), ==, "user");
  g_assert_cmpstr (fal_test_response_header (timeout, "X-Fal-Error-Type"), ==, "request_timeout");
  g_assert_cmpstr (fal_test_response_string (timeout, "error_type"), ==, "request_timeout");

  g_assert_cmpuint (body->status, ==, 503);
  g_assert_cmpstr (fal_test_response_string (body, "detail"), ==, "nginx says no");
}

/* POST /__control/faults: the next N matching requests, then normal. */
static void
test_control_count (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) listed = NULL;
  g_autoptr(FalTestResponse) emptied = NULL;
  JsonObject *rule;

  fal_test_add_fault (ts, "POST", "^/run/fal-ai/fast-sdxl$", 2, "status=503; retry-after=1");
  listed = fal_test_call (ts, "GET", "/__control/faults", NULL);
  g_assert_cmpuint (listed->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (listed->json)), ==, 1);
  rule = json_array_get_object_element (json_node_get_array (listed->json), 0);
  g_assert_cmpint (json_object_get_int_member (rule, "count"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (rule, "method"), ==, "POST");

  /* A request that does not match leaves the rule alone. */
  {
    g_autoptr(FalTestResponse) other = fal_test_call (ts, "POST", "/run/fal-ai/flux/schnell", "{\"prompt\": \"x\"}");
    g_autoptr(FalTestResponse) get = fal_test_call (ts, "GET", "/run/fal-ai/fast-sdxl", NULL);

    g_assert_cmpuint (other->status, ==, 200);
    g_assert_cmpuint (get->status, ==, 405);
  }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(FalTestResponse) faulted = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);

      fal_test_assert_detail (faulted, 503);
      g_assert_cmpstr (fal_test_response_header (faulted, "Retry-After"), ==, "1");
    }
  {
    g_autoptr(FalTestResponse) normal = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);
    g_assert_cmpuint (normal->status, ==, 200);
  }
  emptied = fal_test_call (ts, "GET", "/__control/faults", NULL);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (emptied->json)), ==, 0);

  /* DELETE clears rules that were never used. */
  fal_test_add_fault (ts, NULL, "^/queue/", 5, "status=500");
  fal_test_clear_faults (ts);
  {
    g_autoptr(FalTestResponse) normal = fal_test_call (ts, "POST", "/queue/" SDXL, SDXL_BODY);
    g_assert_cmpuint (normal->status, ==, 200);
  }
}

static void
test_unknown_fault (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) header = call_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY, "explode=1");
  g_autoptr(FalTestResponse) bad_status = call_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY, "status=42");
  g_autoptr(FalTestResponse) control = fal_test_call (ts, "POST", "/__control/faults",
                                                      "{\"fault\": \"explode\", \"path\": \"^/run/\"}");
  g_autoptr(FalTestResponse) no_fault = fal_test_call (ts, "POST", "/__control/faults", "{\"path\": \"^/run/\"}");
  g_autoptr(FalTestResponse) bad_regex = fal_test_call (ts, "POST", "/__control/faults",
                                                        "{\"fault\": \"status=500\", \"path\": \"([\"}");
  g_autoptr(FalTestResponse) after = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);

  fal_test_assert_detail (header, 400);
  fal_test_assert_detail (bad_status, 400);
  fal_test_assert_detail (control, 400);
  fal_test_assert_detail (no_fault, 400);
  fal_test_assert_detail (bad_regex, 400);
  g_assert_cmpuint (after->status, ==, 200);
}

/* ------------------------------------------------------------------ stall */

static void
test_stall (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  gint64 started = g_get_monotonic_time ();
  g_autoptr(FalTestResponse) delayed = call_with_fault (ts, "GET", "/web/api/openapi/queue/openapi.json?endpoint_id=" SDXL,
                                                        NULL, "stall=300");
  gint64 elapsed_ms = (g_get_monotonic_time () - started) / 1000;
  g_autoptr(SoupMessage) forever = fal_test_message (ts, "POST", "/run/" SDXL, SDXL_BODY);
  g_autoptr(FalTestResponse) abandoned = NULL;
  g_autoptr(FalTestResponse) after = NULL;

  /* A stall with a time answers normally, late. */
  g_assert_cmpuint (delayed->status, ==, 200);
  g_assert_cmpint (elapsed_ms, >=, 290);

  /* Without a time it never answers: the client gives up. */
  soup_message_headers_replace (soup_message_get_request_headers (forever), "x-fal-fault", "stall");
  abandoned = fal_test_send_with_timeout (ts, forever, 400);
  g_assert_error (abandoned->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  after = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);
  g_assert_cmpuint (after->status, ==, 200);
}

/* ------------------------------------------------------------------ bodies */

/* Events in a de-chunked SSE body. */
static guint
count_events (GBytes *body)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  g_auto(GStrv) blocks = g_strsplit (text, "\n\n", -1);
  guint n = 0;

  for (guint i = 0; blocks[i]; i++)
    if (g_str_has_prefix (blocks[i], "data: "))
      n++;
  return n;
}

static GBytes *
raw_with_fault (FalTestServer *ts,
                const char    *method,
                const char    *path,
                const char    *body,
                const char    *fault,
                guint          status,
                gboolean      *complete)
{
  g_autofree char *header = g_strdup_printf ("x-fal-fault: %s\r\n", fault);
  g_autofree char *answer = fal_test_raw_request (ts, method, path, header, body, 30000);
  g_autofree char *status_line = g_strdup_printf ("HTTP/1.1 %u ", status);

  g_assert_true (g_str_has_prefix (answer, status_line));
  return fal_test_raw_body (answer, complete);
}

/* libsoup 3.2's client takes a body cut at a chunk boundary or short of
 * its Content-Length as complete, so the cut is checked on the wire; what
 * a SoupSession client gets is at least not valid JSON. */
static void
test_drop_and_truncate (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  gboolean complete = TRUE;
  g_autoptr(GBytes) dropped = raw_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY, "drop=20", 200, &complete);
  g_autoptr(GBytes) dropped_at_once = NULL;
  g_autoptr(GBytes) truncated = NULL;
  g_autoptr(FalTestResponse) soup_dropped = call_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY, "drop=20");
  g_autoptr(FalTestResponse) soup_truncated = call_with_fault (ts, "POST", "/queue/" SDXL, SDXL_BODY, "truncate=30");
  g_autoptr(FalTestResponse) after = NULL;

  /* The connection goes mid-body, without the last chunk. */
  g_assert_false (complete);
  g_assert_cmpuint (g_bytes_get_size (dropped), ==, 20);

  complete = TRUE;
  dropped_at_once = raw_with_fault (ts, "GET", "/web/api/openapi/queue/openapi.json?endpoint_id=" SDXL, NULL, "drop",
                                    200, &complete);
  g_assert_false (complete);
  g_assert_cmpuint (g_bytes_get_size (dropped_at_once), ==, 0);

  /* Truncated: the full Content-Length is promised, 30 bytes come. */
  complete = TRUE;
  truncated = raw_with_fault (ts, "POST", "/queue/" SDXL, SDXL_BODY, "truncate=30", 200, &complete);
  g_assert_false (complete);
  g_assert_cmpuint (g_bytes_get_size (truncated), ==, 30);

  g_assert_true (soup_dropped->error != NULL || soup_dropped->json == NULL);
  g_assert_true (soup_truncated->error != NULL || soup_truncated->json == NULL);
  if (soup_truncated->error == NULL)
    g_assert_cmpint (soup_message_headers_get_content_length (soup_truncated->headers), >,
                     g_bytes_get_size (soup_truncated->body));

  after = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);
  g_assert_cmpuint (after->status, ==, 200);

  /* The same through the control route, for one request. */
  fal_test_add_fault (ts, "GET", "^/queue/.*/status$", 1, "truncate=10");
  {
    g_autoptr(FalTestResponse) submitted = fal_test_call (ts, "POST", "/queue/" SDXL, SDXL_BODY);
    g_autoptr(FalTestResponse) cut = fal_test_call (ts, "GET", fal_test_response_string (submitted, "status_url"), NULL);
    g_autoptr(FalTestResponse) whole = fal_test_call (ts, "GET", fal_test_response_string (submitted, "status_url"), NULL);

    g_assert_true (cut->error != NULL || (cut->json == NULL && g_bytes_get_size (cut->body) == 10));
    g_assert_no_error (whole->error);
    g_assert_nonnull (whole->json);
    g_assert_true (whole->status == 200 || whole->status == 202);
  }
}

static void
assert_rejected_by_json_glib (FalTestResponse *response)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const char *data;

  g_assert_no_error (response->error);
  data = g_bytes_get_data (response->body, &length);
  g_assert_cmpuint (length, >, 0);
  g_assert_false (json_parser_load_from_data (parser, data, length, &error));
  g_assert_nonnull (error);
}

static void
test_malformed (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) run = call_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY, "malformed");
  g_autoptr(FalTestResponse) submit = call_with_fault (ts, "POST", "/queue/" SDXL, SDXL_BODY, "malformed");
  g_autoptr(FalTestResponse) error = call_with_fault (ts, "POST", "/run/" SDXL, "{}", "malformed");
  g_autoptr(FalTestResponse) normal = NULL;

  g_assert_cmpuint (run->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (run->headers, NULL), ==, "application/json");
  assert_rejected_by_json_glib (run);
  g_assert_cmpuint (submit->status, ==, 200);
  assert_rejected_by_json_glib (submit);
  /* Error bodies are broken too. */
  g_assert_cmpuint (error->status, ==, 422);
  assert_rejected_by_json_glib (error);

  fal_test_add_fault (ts, "POST", "^/run/", 1, "malformed");
  {
    g_autoptr(FalTestResponse) broken = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);
    assert_rejected_by_json_glib (broken);
  }
  normal = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);
  g_assert_nonnull (normal->json);
}

/* ------------------------------------------------------------------ streams */

static char *
submit (FalTestServer *ts,
        const char    *fault)
{
  g_autoptr(FalTestResponse) response = fault ? call_with_fault (ts, "POST", "/queue/" SDXL, SDXL_BODY, fault)
                                              : fal_test_call (ts, "POST", "/queue/" SDXL, SDXL_BODY);

  g_assert_cmpuint (response->status, ==, 200);
  return g_strdup (fal_test_response_string (response, "status_url"));
}

static void
test_status_stream_faults (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (4, 1, 15000);
  g_autofree char *status_url = submit (ts, NULL);
  g_autofree char *stream_url = g_strconcat (status_url, "/stream?logs=1", NULL);
  g_autofree char *stream_path = g_strdup (strstr (stream_url, "/queue/"));
  gboolean complete = TRUE;
  g_autoptr(GBytes) dropped = raw_with_fault (ts, "GET", stream_path, NULL, "drop-after-events=2", 200, &complete);
  g_autoptr(GBytes) ended_raw = NULL;
  g_autoptr(FalTestSse) ended = NULL;
  g_autoptr(FalTestSse) malformed = NULL;
  g_autoptr(FalTestSse) whole = NULL;
  g_autoptr(JsonObject) last = NULL;

  /* Dropped: two events, then the connection goes without the last chunk. */
  g_assert_cmpuint (count_events (dropped), ==, 2);
  g_assert_false (complete);
  /* Ended: the same two events, and a proper end of body. */
  ended_raw = raw_with_fault (ts, "GET", stream_path, NULL, "end-after-events=2", 200, &complete);
  g_assert_cmpuint (count_events (ended_raw), ==, 2);
  g_assert_true (complete);

  /* Ended: a clean end of body, but before COMPLETED. */
  ended = open_with_fault (ts, "GET", stream_url, NULL, "end-after-events=2");
  g_assert_true (fal_test_sse_wait_end (ended, 30000));
  g_assert_no_error (ended->error);
  g_assert_cmpuint (ended->events->len, ==, 2);
  last = fal_test_sse_event_object (ended, 1);
  g_assert_cmpstr (fal_test_object_string (last, "status"), !=, "COMPLETED");

  /* Malformed: every data line is broken JSON. */
  fal_test_add_fault (ts, "GET", "/status/stream$", 1, "malformed; end-after-events=1");
  malformed = open_with_fault (ts, "GET", stream_url, NULL, NULL);
  g_assert_true (fal_test_sse_wait_end (malformed, 30000));
  g_assert_cmpuint (malformed->events->len, ==, 1);
  {
    g_autoptr(JsonParser) parser = json_parser_new ();
    FalTestSseEvent *event = g_ptr_array_index (malformed->events, 0);
    g_assert_false (json_parser_load_from_data (parser, event->data, -1, NULL));
  }

  /* The rule was for one request: the next stream runs to COMPLETED. */
  whole = open_with_fault (ts, "GET", stream_url, NULL, NULL);
  g_assert_true (fal_test_sse_wait_end (whole, 30000));
  g_assert_no_error (whole->error);
  g_clear_pointer (&last, json_object_unref);
  last = fal_test_sse_event_object (whole, whole->events->len - 1);
  g_assert_cmpstr (fal_test_object_string (last, "status"), ==, "COMPLETED");
}

static void
test_stream_faults (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20, 2, 15000);
  const char *body = "{\"prompt\": \"a story about faults in streams\"}";
  g_autoptr(FalTestSse) error_event = open_with_fault (ts, "POST", "/run/fal-ai/any-llm/stream", body, "error-event=2");
  g_autoptr(FalTestSse) non_sse = NULL;
  g_autoptr(JsonObject) last = NULL;

  /* Two ordinary events, then one carrying `error`, then a clean end. */
  g_assert_cmpuint (error_event->status, ==, 200);
  g_assert_true (fal_test_sse_wait_end (error_event, 30000));
  g_assert_no_error (error_event->error);
  g_assert_cmpuint (error_event->events->len, ==, 3);
  last = fal_test_sse_event_object (error_event, 2);
  g_assert_nonnull (fal_test_object_string (last, "error"));
  g_assert_nonnull (fal_test_object_string (last, "error_type"));
  {
    g_autoptr(JsonObject) first = fal_test_sse_event_object (error_event, 0);
    g_assert_false (json_object_has_member (first, "error") &&
                    !JSON_NODE_HOLDS_NULL (json_object_get_member (first, "error")));
  }

  {
    gboolean complete = TRUE;
    g_autoptr(GBytes) raw = raw_with_fault (ts, "POST", "/run/fal-ai/any-llm/stream", body, "drop-after-events=1",
                                            200, &complete);

    g_assert_cmpuint (count_events (raw), ==, 1);
    g_assert_false (complete);
    g_clear_pointer (&raw, g_bytes_unref);
    /* Without the fault the same stream ends properly. */
    raw = raw_with_fault (ts, "POST", "/run/fal-ai/any-llm/stream", body, "log-flood=0", 200, &complete);
    g_assert_cmpuint (count_events (raw), >=, 3);
    g_assert_true (complete);
  }

  non_sse = open_with_fault (ts, "POST", "/run/fal-ai/any-llm/stream", body, "non-sse");
  g_assert_cmpuint (non_sse->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (non_sse->msg), NULL), !=,
                   "text/event-stream");
  g_assert_true (fal_test_sse_wait_end (non_sse, 30000));
  g_assert_cmpuint (non_sse->events->len, ==, 0);
  g_assert_cmpuint (non_sse->raw_buffer->len, >, 0);
}

/* ------------------------------------------------------------------ jobs */

static void
test_log_flood (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (10, 2, 15000);
  g_autofree char *status_url = submit (ts, "log-flood=250");
  g_autofree char *with_logs = g_strconcat (status_url, "?logs=1", NULL);
  g_autoptr(JsonObject) done = fal_test_wait_status (ts, with_logs, "COMPLETED", 30000);
  JsonArray *logs = json_object_get_array_member (done, "logs");
  guint flood = 0;

  g_assert_cmpuint (json_array_get_length (logs), ==, SDXL_LOG_LINES + 250);
  for (guint i = 0; i < json_array_get_length (logs); i++)
    if (g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (logs, i), "message"), "flood line "))
      flood++;
  g_assert_cmpuint (flood, ==, 250);
  g_assert_false (json_object_has_member (done, "error"));

  /* Via the control route: a flood on the next submit only. */
  fal_test_add_fault (ts, "POST", "^/queue/", 1, "log-flood=40");
  {
    g_autofree char *flooded = submit (ts, NULL);
    g_autofree char *plain = submit (ts, NULL);
    g_autofree char *flooded_logs = g_strconcat (flooded, "?logs=1", NULL);
    g_autofree char *plain_logs = g_strconcat (plain, "?logs=1", NULL);
    g_autoptr(JsonObject) a = fal_test_wait_status (ts, flooded_logs, "COMPLETED", 30000);
    g_autoptr(JsonObject) b = fal_test_wait_status (ts, plain_logs, "COMPLETED", 30000);

    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (a, "logs")), ==, SDXL_LOG_LINES + 40);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (b, "logs")), ==, SDXL_LOG_LINES);
  }
}

static void
assert_failed_job (FalTestServer *ts,
                   const char    *fault,
                   guint          status,
                   const char    *error_type)
{
  g_autofree char *status_url = submit (ts, fault);
  g_autoptr(JsonObject) done = fal_test_wait_status (ts, status_url, "COMPLETED", 30000);
  g_autofree char *result_url = g_strndup (status_url, strlen (status_url) - strlen ("/status"));
  g_autoptr(FalTestResponse) result = fal_test_call (ts, "GET", result_url, NULL);

  g_assert_nonnull (fal_test_object_string (done, "error"));
  g_assert_cmpstr (fal_test_object_string (done, "error_type"), ==, error_type);
  g_assert_cmpuint (result->status, ==, status);
  g_assert_cmpstr (fal_test_response_header (result, "X-Fal-Error-Type"), ==, error_type);
  g_assert_nonnull (fal_test_response_header (result, "x-fal-request-id"));
  if (status == 422)
    {
      JsonArray *detail = json_object_get_array_member (fal_test_response_object (result), "detail");
      JsonObject *entry = json_array_get_object_element (detail, 0);

      g_assert_true (json_object_has_member (entry, "loc"));
      g_assert_nonnull (fal_test_object_string (entry, "msg"));
      g_assert_cmpstr (fal_test_object_string (entry, "type"), ==, error_type);
    }
  else
    {
      g_assert_nonnull (fal_test_response_string (result, "detail"));
      g_assert_cmpstr (fal_test_response_string (result, "error_type"), ==, error_type);
    }
}

static void
test_fail (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);

  assert_failed_job (ts, "fail=422", 422, "content_policy_violation");
  assert_failed_job (ts, "fail=422; fail-type=image_too_small", 422, "image_too_small");
  assert_failed_job (ts, "fail=500", 500, "runner_server_error");
  assert_failed_job (ts, "fail=503; fail-type=runner_disconnected", 503, "runner_disconnected");

  /* A sync run answers the failure directly. */
  {
    g_autoptr(FalTestResponse) run = call_with_fault (ts, "POST", "/run/" SDXL, SDXL_BODY, "fail=500");
    fal_test_assert_detail (run, 500);
    g_assert_cmpstr (fal_test_response_string (run, "error_type"), ==, "runner_server_error");
  }
  /* A /stream run that fails before its first event is a plain error. */
  {
    g_autoptr(FalTestResponse) stream = call_with_fault (ts, "POST", "/run/" SDXL "/stream", SDXL_BODY, "fail=422");
    g_assert_cmpuint (stream->status, ==, 422);
    g_assert_cmpstr (soup_message_headers_get_content_type (stream->headers, NULL), ==, "application/json");
  }
}

/* ------------------------------------------------------------------ uploads */

static void
test_failing_upload (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) initiate = fal_test_call (ts, "POST", "/rest/storage/upload/initiate",
                                                       "{\"content_type\": \"text/plain\", \"file_name\": \"a.txt\"}");
  g_autoptr(GBytes) bytes = g_bytes_new_static ("some text to store", 18);
  const char *upload_url = fal_test_response_string (initiate, "upload_url");
  const char *file_url = fal_test_response_string (initiate, "file_url");
  g_autoptr(SoupMessage) put = soup_message_new ("PUT", upload_url);
  g_autoptr(FalTestResponse) failed = NULL;
  g_autoptr(FalTestResponse) missing = NULL;
  g_autoptr(FalTestResponse) retried = NULL;
  g_autoptr(GBytes) back = NULL;

  fal_test_add_fault (ts, "PUT", "^/cdn/upload/", 1, "status=500");
  fal_test_message_set_bytes (put, "text/plain", bytes);
  failed = fal_test_send (ts, put);
  fal_test_assert_detail (failed, 500);

  /* Nothing was stored, nothing half-written stays. */
  missing = fal_test_call (ts, "GET", file_url, NULL);
  fal_test_assert_detail (missing, 404);
  g_assert_true (fal_test_wait_until (fal_test_no_partial_uploads, ts, 10000));

  {
    g_autoptr(SoupMessage) again = soup_message_new ("PUT", upload_url);

    fal_test_message_set_bytes (again, "text/plain", bytes);
    retried = fal_test_send (ts, again);
    g_assert_cmpuint (retried->status, ==, 200);
  }
  back = fal_test_download (ts, file_url, NULL);
  g_assert_true (g_bytes_equal (back, bytes));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/faults/status/any-route", test_status_any_route);
  g_test_add_func ("/server/faults/status/refused", test_status_refused);
  g_test_add_func ("/server/faults/status/headers", test_status_request_id);
  g_test_add_func ("/server/faults/control/count", test_control_count);
  g_test_add_func ("/server/faults/unknown", test_unknown_fault);
  g_test_add_func ("/server/faults/stall", test_stall);
  g_test_add_func ("/server/faults/drop-truncate", test_drop_and_truncate);
  g_test_add_func ("/server/faults/malformed", test_malformed);
  g_test_add_func ("/server/faults/status-stream", test_status_stream_faults);
  g_test_add_func ("/server/faults/stream", test_stream_faults);
  g_test_add_func ("/server/faults/log-flood", test_log_flood);
  g_test_add_func ("/server/faults/fail", test_fail);
  g_test_add_func ("/server/faults/upload", test_failing_upload);

  return g_test_run ();
}
