/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The queue, run and stream routes of the local fal server, through real
 * HTTP: submit, status, positions, priorities, logs, the status stream,
 * result, cancel, start timeouts, sync runs, /stream, the proxy form and
 * the speed knob. */
#include "config.h"

#include <string.h>

#include "server-fixture.h"
#include "fal-local-job.h"

#define SDXL "fal-ai/fast-sdxl"
/* Four steps: a short, known log (see plan_diffusion). */
#define SDXL_BODY "{\"prompt\": \"a lighthouse\", \"num_inference_steps\": 4, \"image_size\": \"square\", \"seed\": 7}"
#define SDXL_LOG_LINES 8

static FalTestJob *
submit (FalTestServer *ts,
        const char    *endpoint_id,
        const char    *body,
        const char    *priority)
{
  g_autoptr(FalTestResponse) response = fal_test_submit (ts, endpoint_id, body, priority);
  FalTestJob *job = fal_test_job_new (response);

  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (fal_test_response_string (response, "status"), ==, "IN_QUEUE");
  g_assert_nonnull (job->request_id);
  g_assert_nonnull (job->status_url);
  return job;
}

static JsonObject *
status_of (FalTestServer *ts,
           FalTestJob           *job,
           guint         *http_status)
{
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "GET", job->status_url, NULL);
  JsonObject *object = json_object_ref (fal_test_response_object (response));

  if (http_status)
    *http_status = response->status;
  return object;
}

static gint64
position_of (FalTestServer *ts,
             FalTestJob           *job)
{
  guint http_status = 0;
  g_autoptr(JsonObject) status = status_of (ts, job, &http_status);

  g_assert_cmpstr (fal_test_object_string (status, "status"), ==, "IN_QUEUE");
  g_assert_cmpuint (http_status, ==, 202);
  g_assert_true (json_object_has_member (status, "queue_position"));
  return json_object_get_int_member (status, "queue_position");
}

static JsonArray *
log_of (JsonObject *status)
{
  JsonNode *logs = json_object_get_member (status, "logs");

  g_assert_nonnull (logs);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (logs));
  return json_node_get_array (logs);
}

static const char *
log_message (JsonArray *logs,
             guint      index)
{
  return json_object_get_string_member (json_array_get_object_element (logs, index), "message");
}

/* ------------------------------------------------------------------ submit */

static void
test_submit (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) response = fal_test_submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *expected = NULL;
  JsonObject *body;
  const char *id;
  JsonArray *images;

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==, "application/json");
  body = fal_test_response_object (response);
  /* The six fields of §3.1, URLs absolute and pointing at this server. */
  g_assert_cmpuint (json_object_get_size (body), ==, 6);
  g_assert_cmpstr (fal_test_object_string (body, "status"), ==, "IN_QUEUE");
  g_assert_cmpint (json_object_get_int_member (body, "queue_position"), ==, 0);
  id = fal_test_object_string (body, "request_id");
  g_assert_true (g_uuid_string_is_valid (id));
  expected = g_strdup_printf ("%s/queue/" SDXL "/requests/%s", ts->url, id);
  g_assert_cmpstr (fal_test_object_string (body, "response_url"), ==, expected);
  g_free (expected);
  expected = g_strdup_printf ("%s/queue/" SDXL "/requests/%s/status", ts->url, id);
  g_assert_cmpstr (fal_test_object_string (body, "status_url"), ==, expected);
  g_free (expected);
  expected = g_strdup_printf ("%s/queue/" SDXL "/requests/%s/cancel", ts->url, id);
  g_assert_cmpstr (fal_test_object_string (body, "cancel_url"), ==, expected);

  done = fal_test_wait_status (ts, fal_test_object_string (body, "status_url"), "COMPLETED", 20000);
  g_assert_true (json_object_has_member (done, "metrics"));
  g_assert_true (json_object_has_member (json_object_get_object_member (done, "metrics"), "inference_time"));
  g_assert_false (json_object_has_member (done, "error"));
  g_assert_cmpstr (fal_test_object_string (done, "request_id"), ==, id);

  result = fal_test_call (ts, "GET", fal_test_object_string (body, "response_url"), NULL);
  g_assert_cmpuint (result->status, ==, 200);
  g_assert_cmpstr (fal_test_response_header (result, "x-fal-request-id"), ==, id);
  g_assert_cmpstr (soup_message_headers_get_content_type (result->headers, NULL), ==, "application/json");
  images = json_object_get_array_member (fal_test_response_object (result), "images");
  g_assert_cmpuint (json_array_get_length (images), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (images, 0), "width"), ==, 512);
  g_assert_cmpint (json_object_get_int_member (fal_test_response_object (result), "seed"), ==, 7);
}

/* A sub-path endpoint is submitted under its full id, but its request URLs
 * use owner/alias only. */
static void
test_submit_subpath (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestJob) job = submit (ts, "fal-ai/fast-sdxl/image-to-image",
                               "{\"prompt\": \"x\", \"image_url\": \"data:image/png;base64,AAAA\"}", NULL);
  g_autofree char *expected = g_strdup_printf ("%s/queue/fal-ai/fast-sdxl/requests/%s/status",
                                               ts->url, job->request_id);
  g_autofree char *subpath = g_strdup_printf ("/queue/fal-ai/fast-sdxl/image-to-image/requests/%s/status",
                                              job->request_id);
  g_autofree char *subpath_result = g_strdup_printf ("/queue/fal-ai/fast-sdxl/image-to-image/requests/%s",
                                                     job->request_id);
  g_autofree char *subpath_cancel = g_strdup_printf ("/queue/fal-ai/fast-sdxl/image-to-image/requests/%s/cancel",
                                                     job->request_id);
  g_autoptr(FalTestResponse) status = NULL;
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(FalTestResponse) cancel = NULL;
  g_autoptr(JsonObject) done = NULL;

  g_assert_cmpstr (job->status_url, ==, expected);

  /* The full-id form is refused, as the real service does. */
  status = fal_test_call (ts, "GET", subpath, NULL);
  fal_test_assert_detail (status, 405);
  result = fal_test_call (ts, "GET", subpath_result, NULL);
  fal_test_assert_detail (result, 405);
  cancel = fal_test_call (ts, "PUT", subpath_cancel, NULL);
  fal_test_assert_detail (cancel, 405);

  done = fal_test_wait_status (ts, job->status_url, "COMPLETED", 20000);
}

static void
test_unknown_endpoint (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) queue = fal_test_call (ts, "POST", "/queue/fal-ai/no-such-model", "{\"prompt\": \"x\"}");
  g_autoptr(FalTestResponse) run = fal_test_call (ts, "POST", "/run/fal-ai/no-such-model", "{\"prompt\": \"x\"}");
  g_autoptr(FalTestResponse) stream = fal_test_call (ts, "POST", "/run/fal-ai/no-such-model/stream", "{\"prompt\": \"x\"}");
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autofree char *other_app = g_strdup_printf ("/queue/fal-ai/flux/requests/%s/status", job->request_id);
  g_autoptr(FalTestResponse) wrong_app = fal_test_call (ts, "GET", other_app, NULL);
  g_autoptr(FalTestResponse) unknown_id = NULL;
  g_autoptr(FalTestResponse) unknown_result = NULL;
  g_autoptr(FalTestResponse) unknown_stream = NULL;
  g_autoptr(FalTestResponse) unknown_tail = NULL;
  g_autofree char *tail = g_strdup_printf ("/queue/" SDXL "/requests/%s/bogus", job->request_id);

  fal_test_assert_detail (queue, 404);
  fal_test_assert_detail (run, 404);
  fal_test_assert_detail (stream, 404);

  /* A request id is only known under its own app. */
  g_assert_cmpuint (wrong_app->status, ==, 404);
  g_assert_cmpstr (fal_test_response_string (wrong_app, "status"), ==, "NOT_FOUND");

  unknown_id = fal_test_call (ts, "GET", "/queue/" SDXL "/requests/00000000-0000-0000-0000-000000000000/status", NULL);
  g_assert_cmpuint (unknown_id->status, ==, 404);
  g_assert_cmpstr (fal_test_response_string (unknown_id, "status"), ==, "NOT_FOUND");
  unknown_result = fal_test_call (ts, "GET", "/queue/" SDXL "/requests/nope", NULL);
  g_assert_cmpuint (unknown_result->status, ==, 404);
  g_assert_cmpstr (fal_test_response_string (unknown_result, "status"), ==, "NOT_FOUND");
  unknown_stream = fal_test_call (ts, "GET", "/queue/" SDXL "/requests/nope/status/stream", NULL);
  g_assert_cmpuint (unknown_stream->status, ==, 404);
  g_assert_cmpstr (fal_test_response_string (unknown_stream, "status"), ==, "NOT_FOUND");
  unknown_tail = fal_test_call (ts, "GET", tail, NULL);
  fal_test_assert_detail (unknown_tail, 404);
}

/* ------------------------------------------------------------------ model */

static void
wait_in_progress (FalTestServer *ts,
                  FalTestJob           *job)
{
  g_autoptr(JsonObject) status = fal_test_wait_status (ts, job->status_url, "IN_PROGRESS", 20000);
}

/* queue_position is the real number of requests ahead, per endpoint. */
static void
test_positions (void)
{
  /* speed 1: a fast-sdxl run takes 2.5 s, long enough to look around. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 1, 15000);
  g_autoptr(FalTestJob) a = submit (ts, SDXL, "{\"prompt\": \"a\"}", NULL);
  g_autoptr(FalTestJob) b = NULL;
  g_autoptr(FalTestJob) c = NULL;
  g_autoptr(FalTestJob) d = NULL;
  g_autoptr(FalTestJob) other = NULL;
  g_autoptr(FalTestResponse) cancel = NULL;
  g_autoptr(JsonObject) cancelled = NULL;
  guint http_status = 0;

  wait_in_progress (ts, a);
  b = submit (ts, SDXL, "{\"prompt\": \"b\"}", NULL);
  c = submit (ts, SDXL, "{\"prompt\": \"c\"}", NULL);
  d = submit (ts, SDXL, "{\"prompt\": \"d\"}", NULL);
  /* Another endpoint has a queue of its own. */
  other = submit (ts, "fal-ai/flux/schnell", "{\"prompt\": \"o\"}", NULL);

  g_assert_cmpint (position_of (ts, b), ==, 0);
  g_assert_cmpint (position_of (ts, c), ==, 1);
  g_assert_cmpint (position_of (ts, d), ==, 2);

  /* Leaving the queue moves those behind forward at once. */
  cancel = fal_test_call (ts, "PUT", b->cancel_url, NULL);
  g_assert_cmpuint (cancel->status, ==, 202);
  g_assert_cmpint (position_of (ts, c), ==, 0);
  g_assert_cmpint (position_of (ts, d), ==, 1);
  cancelled = status_of (ts, b, &http_status);
  g_assert_cmpuint (http_status, ==, 200);
  g_assert_cmpstr (fal_test_object_string (cancelled, "status"), ==, "COMPLETED");
  g_assert_cmpstr (fal_test_object_string (cancelled, "error_type"), ==, "client_cancelled");

  /* Then the queue drains in order. */
  {
    g_autoptr(JsonObject) running = fal_test_wait_status (ts, c->status_url, "IN_PROGRESS", 20000);
    g_autoptr(JsonObject) a_done = status_of (ts, a, NULL);

    g_assert_cmpstr (fal_test_object_string (a_done, "status"), ==, "COMPLETED");
    g_assert_cmpint (position_of (ts, d), ==, 0);
  }
}

static void
test_runners (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalTestJob) a = submit (ts, SDXL, "{\"prompt\": \"a\"}", NULL);
  g_autoptr(FalTestJob) b = submit (ts, SDXL, "{\"prompt\": \"b\"}", NULL);
  g_autoptr(FalTestJob) c = NULL;

  /* Two runners: both run at once, the third waits at the head. */
  wait_in_progress (ts, a);
  wait_in_progress (ts, b);
  c = submit (ts, SDXL, "{\"prompt\": \"c\"}", NULL);
  g_assert_cmpint (position_of (ts, c), ==, 0);
  {
    g_autoptr(JsonObject) a_status = status_of (ts, a, NULL);
    g_autoptr(JsonObject) b_status = status_of (ts, b, NULL);

    g_assert_cmpstr (fal_test_object_string (a_status, "status"), ==, "IN_PROGRESS");
    g_assert_cmpstr (fal_test_object_string (b_status, "status"), ==, "IN_PROGRESS");
  }
}

/* x-fal-queue-priority: low waits behind every normal request. */
static void
test_priorities (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 1, 15000);
  g_autoptr(FalTestJob) a = submit (ts, SDXL, "{\"prompt\": \"a\"}", NULL);
  g_autoptr(FalTestJob) low1 = NULL;
  g_autoptr(FalTestJob) low2 = NULL;
  g_autoptr(FalTestJob) normal1 = NULL;
  g_autoptr(FalTestJob) normal2 = NULL;
  g_autoptr(FalTestResponse) bad = NULL;
  g_autoptr(FalTestResponse) cancel = NULL;

  wait_in_progress (ts, a);
  low1 = submit (ts, SDXL, "{\"prompt\": \"l1\"}", "low");
  low2 = submit (ts, SDXL, "{\"prompt\": \"l2\"}", "low");
  normal1 = submit (ts, SDXL, "{\"prompt\": \"n1\"}", "normal");
  normal2 = submit (ts, SDXL, "{\"prompt\": \"n2\"}", NULL);

  g_assert_cmpint (position_of (ts, normal1), ==, 0);
  g_assert_cmpint (position_of (ts, normal2), ==, 1);
  g_assert_cmpint (position_of (ts, low1), ==, 2);
  g_assert_cmpint (position_of (ts, low2), ==, 3);

  bad = fal_test_submit (ts, SDXL, "{\"prompt\": \"x\"}", "urgent");
  fal_test_assert_detail (bad, 400);

  /* Free the runner: the first normal one starts, not the older low. */
  cancel = fal_test_call (ts, "PUT", a->cancel_url, NULL);
  g_assert_cmpuint (cancel->status, ==, 202);
  wait_in_progress (ts, normal1);
  g_assert_cmpint (position_of (ts, normal2), ==, 0);
  g_assert_cmpint (position_of (ts, low1), ==, 1);
  g_assert_cmpint (position_of (ts, low2), ==, 2);
}

/* ------------------------------------------------------------------ status */

static void
test_status_codes_and_logs (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (4, 1, 15000);
  g_autoptr(FalTestJob) blocker = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autofree char *with_logs = g_strconcat (job->status_url, "?logs=1", NULL);
  g_autofree char *with_true = g_strconcat (job->status_url, "?logs=true", NULL);
  g_autofree char *without = g_strconcat (job->status_url, "?logs=0", NULL);
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  guint http_status = 0;
  gboolean saw_queue = FALSE, saw_progress = FALSE;
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  /* Poll through the whole life of the job: the logs only ever grow, and
   * each answer repeats all earlier lines. */
  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(FalTestResponse) response = fal_test_call (ts, "GET", with_logs, NULL);
      JsonObject *status = fal_test_response_object (response);
      const char *state = fal_test_object_string (status, "status");

      if (g_str_equal (state, "IN_QUEUE"))
        {
          saw_queue = TRUE;
          g_assert_cmpuint (response->status, ==, 202);
          g_assert_true (json_object_has_member (status, "queue_position"));
        }
      else
        {
          JsonArray *logs = log_of (status);

          g_assert_cmpuint (response->status, ==, g_str_equal (state, "COMPLETED") ? 200 : 202);
          g_assert_false (json_object_has_member (status, "queue_position"));
          g_assert_cmpuint (json_array_get_length (logs), >=, seen->len);
          for (guint i = 0; i < json_array_get_length (logs); i++)
            {
              JsonObject *line = json_array_get_object_element (logs, i);

              g_assert_nonnull (fal_test_object_string (line, "level"));
              g_assert_cmpstr (fal_test_object_string (line, "source"), ==, "USER");
              g_assert_nonnull (fal_test_object_string (line, "timestamp"));
              if (i < seen->len)
                g_assert_cmpstr (log_message (logs, i), ==, g_ptr_array_index (seen, i));
              else
                g_ptr_array_add (seen, g_strdup (log_message (logs, i)));
            }
          if (g_str_equal (state, "IN_PROGRESS"))
            saw_progress = TRUE;
          else
            break;
        }
      fal_test_wait_ms (15);
    }

  g_assert_true (saw_queue);
  g_assert_true (saw_progress);
  g_assert_cmpuint (seen->len, ==, SDXL_LOG_LINES);
  g_assert_cmpstr (g_ptr_array_index (seen, 0), ==, "Loading fal-ai/fast-sdxl weights");
  g_assert_cmpstr (g_ptr_array_index (seen, 2), ==, "Step 1/4");
  g_assert_cmpstr (g_ptr_array_index (seen, 5), ==, "Step 4/4");

  /* logs=true is the Python client's spelling. */
  {
    g_autoptr(FalTestResponse) response = fal_test_call (ts, "GET", with_true, NULL);
    g_assert_cmpuint (json_array_get_length (log_of (fal_test_response_object (response))), ==, SDXL_LOG_LINES);
  }
  /* Without logs the member is there, and null. */
  {
    g_autoptr(FalTestResponse) off = fal_test_call (ts, "GET", without, NULL);
    g_autoptr(JsonObject) plain = status_of (ts, job, &http_status);
    JsonObject *object = fal_test_response_object (off);

    g_assert_cmpuint (http_status, ==, 200);
    g_assert_true (json_object_has_member (object, "logs"));
    g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "logs")));
    g_assert_true (json_object_has_member (plain, "logs"));
    g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (plain, "logs")));
    g_assert_true (json_object_has_member (plain, "metrics"));
    g_assert_nonnull (fal_test_object_string (plain, "response_url"));
    g_assert_nonnull (fal_test_object_string (plain, "cancel_url"));
  }
}

static void
test_wrong_methods (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(FalTestResponse) get_submit = fal_test_call (ts, "GET", "/queue/" SDXL, NULL);
  g_autoptr(FalTestResponse) post_status = fal_test_call (ts, "POST", job->status_url, "{}");
  g_autoptr(FalTestResponse) get_cancel = fal_test_call (ts, "GET", job->cancel_url, NULL);
  g_autoptr(FalTestResponse) delete_result = fal_test_call (ts, "DELETE", job->response_url, NULL);
  g_autoptr(FalTestResponse) get_run = fal_test_call (ts, "GET", "/run/" SDXL, NULL);
  g_autoptr(JsonObject) done = NULL;

  fal_test_assert_detail (get_submit, 405);
  g_assert_cmpstr (fal_test_response_header (get_submit, "Allow"), ==, "POST");
  fal_test_assert_detail (post_status, 405);
  g_assert_cmpstr (fal_test_response_header (post_status, "Allow"), ==, "GET");
  fal_test_assert_detail (get_cancel, 405);
  g_assert_cmpstr (fal_test_response_header (get_cancel, "Allow"), ==, "PUT");
  fal_test_assert_detail (delete_result, 405);
  fal_test_assert_detail (get_run, 405);
  done = fal_test_wait_status (ts, job->status_url, "COMPLETED", 20000);
}

/* ------------------------------------------------------------------ status stream */

static JsonObject *
event_at (FalTestSse *sse,
          guint       index)
{
  return fal_test_sse_event_object (sse, index);
}

static void
test_status_stream (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (4, 1, 15000);
  g_autoptr(FalTestJob) blocker = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autofree char *url = g_strconcat (job->status_url, "/stream?logs=1", NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", url, NULL);
  g_autoptr(FalTestSse) sse = NULL;
  g_autoptr(GPtrArray) joined = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) last = NULL;
  g_autoptr(JsonObject) polled = NULL;
  g_autofree char *polled_url = g_strconcat (job->status_url, "?logs=1", NULL);
  JsonArray *all;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json, text/event-stream");
  sse = fal_test_sse_open (ts, msg);
  g_assert_no_error (sse->error);
  g_assert_cmpuint (sse->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL), ==,
                   "text/event-stream");
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg), "x-fal-request-id"), ==,
                   job->request_id);

  g_assert_true (fal_test_sse_wait_end (sse, 30000));
  g_assert_no_error (sse->error);
  g_assert_cmpuint (sse->events->len, >=, 3);

  first = event_at (sse, 0);
  g_assert_cmpstr (fal_test_object_string (first, "status"), ==, "IN_QUEUE");
  g_assert_true (json_object_has_member (first, "queue_position"));
  g_assert_cmpstr (fal_test_object_string (first, "request_id"), ==, job->request_id);
  g_assert_nonnull (fal_test_object_string (first, "response_url"));

  /* The stream ends right after COMPLETED. */
  last = event_at (sse, sse->events->len - 1);
  g_assert_cmpstr (fal_test_object_string (last, "status"), ==, "COMPLETED");
  g_assert_true (json_object_has_member (last, "metrics"));
  for (guint i = 0; i + 1 < sse->events->len; i++)
    {
      g_autoptr(JsonObject) event = event_at (sse, i);
      g_assert_cmpstr (fal_test_object_string (event, "status"), !=, "COMPLETED");
    }

  /* Each event carries only new lines: together they are the log. */
  for (guint i = 0; i < sse->events->len; i++)
    {
      g_autoptr(JsonObject) event = event_at (sse, i);
      JsonArray *logs;

      if (g_str_equal (fal_test_object_string (event, "status"), "IN_QUEUE"))
        continue;
      logs = log_of (event);
      for (guint j = 0; j < json_array_get_length (logs); j++)
        g_ptr_array_add (joined, g_strdup (log_message (logs, j)));
    }
  polled = fal_test_wait_status (ts, polled_url, "COMPLETED", 1000);
  all = log_of (polled);
  g_assert_cmpuint (joined->len, ==, json_array_get_length (all));
  g_assert_cmpuint (joined->len, ==, SDXL_LOG_LINES);
  for (guint i = 0; i < joined->len; i++)
    g_assert_cmpstr (g_ptr_array_index (joined, i), ==, log_message (all, i));
}

/* Opened mid-run, the first event brings the whole log so far. */
static void
test_status_stream_first_event (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (2, 1, 15000);
  g_autoptr(FalTestJob) job = submit (ts, SDXL, "{\"prompt\": \"x\", \"num_inference_steps\": 20}", NULL);
  g_autofree char *polled_url = g_strconcat (job->status_url, "?logs=1", NULL);
  g_autofree char *url = g_strconcat (job->status_url, "/stream?logs=1", NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", url, NULL);
  g_autoptr(FalTestSse) sse = NULL;
  g_autoptr(JsonObject) first = NULL;
  g_autoptr(JsonObject) second = NULL;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint known = 0;

  while (known < 4 && g_get_monotonic_time () < deadline)
    {
      g_autoptr(FalTestResponse) response = fal_test_call (ts, "GET", polled_url, NULL);
      JsonObject *status = fal_test_response_object (response);

      if (json_object_has_member (status, "logs"))
        known = json_array_get_length (log_of (status));
      if (known < 4)
        fal_test_wait_ms (10);
    }
  g_assert_cmpuint (known, >=, 4);

  sse = fal_test_sse_open (ts, msg);
  g_assert_true (fal_test_sse_wait_events (sse, 2, 20000));
  first = event_at (sse, 0);
  g_assert_cmpstr (fal_test_object_string (first, "status"), ==, "IN_PROGRESS");
  g_assert_cmpuint (json_array_get_length (log_of (first)), >=, known);
  g_assert_cmpstr (log_message (log_of (first), 0), ==, "Loading fal-ai/fast-sdxl weights");
  second = event_at (sse, 1);
  /* ...and a later one does not start over. */
  if (json_array_get_length (log_of (second)) > 0)
    g_assert_cmpstr (log_message (log_of (second), 0), !=, "Loading fal-ai/fast-sdxl weights");
  g_assert_true (fal_test_sse_wait_end (sse, 20000));
}

static void
test_status_stream_no_logs (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (10, 1, 15000);
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autofree char *url = g_strconcat (job->status_url, "/stream", NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", url, NULL);
  g_autoptr(FalTestSse) sse = fal_test_sse_open (ts, msg);

  g_assert_true (fal_test_sse_wait_end (sse, 30000));
  g_assert_no_error (sse->error);
  for (guint i = 0; i < sse->events->len; i++)
    {
      g_autoptr(JsonObject) event = event_at (sse, i);

      if (!g_str_equal (fal_test_object_string (event, "status"), "IN_QUEUE"))
        g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (event, "logs")));
    }
}

/* A stream of a finished request: one COMPLETED event, then the end. */
static void
test_status_stream_completed (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 1, 15000);
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(JsonObject) done = fal_test_wait_status (ts, job->status_url, "COMPLETED", 20000);
  g_autofree char *url = g_strconcat (job->status_url, "/stream?logs=1", NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", url, NULL);
  g_autoptr(FalTestSse) sse = fal_test_sse_open (ts, msg);
  g_autoptr(JsonObject) only = NULL;

  g_assert_true (fal_test_sse_wait_end (sse, 10000));
  g_assert_no_error (sse->error);
  g_assert_cmpuint (sse->events->len, ==, 1);
  only = event_at (sse, 0);
  g_assert_cmpstr (fal_test_object_string (only, "status"), ==, "COMPLETED");
  g_assert_cmpuint (json_array_get_length (log_of (only)), ==, SDXL_LOG_LINES);
}

/* A long log goes out in parts of at most 1,000 lines, IN_PROGRESS
 * until the last, which is COMPLETED: together they are the log, in
 * order (one event of a whole 200,000-line flood kept the server from
 * answering anyone for a minute under AddressSanitizer). */
static void
test_status_stream_long_log (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 1, 15000);
  g_autoptr(FalTestJob) job = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *polled_url = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(FalTestSse) sse = NULL;
  guint joined = 0;
  JsonArray *all;

  fal_test_add_fault (ts, "POST", "^/queue/", 1, "log-flood=2500");
  job = submit (ts, SDXL, SDXL_BODY, NULL);
  polled_url = g_strconcat (job->status_url, "?logs=1", NULL);
  done = fal_test_wait_status (ts, polled_url, "COMPLETED", 30000);
  all = log_of (done);
  g_assert_cmpuint (json_array_get_length (all), ==, 2500 + SDXL_LOG_LINES);

  url = g_strconcat (job->status_url, "/stream?logs=1", NULL);
  msg = fal_test_message (ts, "GET", url, NULL);
  sse = fal_test_sse_open (ts, msg);
  g_assert_true (fal_test_sse_wait_end (sse, 30000));
  g_assert_no_error (sse->error);
  g_assert_cmpuint (sse->events->len, ==, 3);
  for (guint i = 0; i < sse->events->len; i++)
    {
      g_autoptr(JsonObject) event = event_at (sse, i);
      JsonArray *logs = log_of (event);
      gboolean last = i + 1 == sse->events->len;

      g_assert_cmpstr (fal_test_object_string (event, "status"), ==, last ? "COMPLETED" : "IN_PROGRESS");
      g_assert_cmpint (json_object_has_member (event, "metrics"), ==, last);
      g_assert_cmpuint (json_array_get_length (logs), ==, last ? 500 + SDXL_LOG_LINES : 1000);
      for (guint j = 0; j < json_array_get_length (logs); j++, joined++)
        g_assert_cmpstr (log_message (logs, j), ==, log_message (all, joined));
    }
  g_assert_cmpuint (joined, ==, json_array_get_length (all));
}

/* Log lines are kept as their entries' JSON text, written by the
 * server's own escaper: what a client parses is what was logged, odd
 * characters and all (bytes that are not UTF-8 become U+FFFD). */
static void
test_log_json (void)
{
  const char *messages[] = { "plain", "a \"quoted\" word", "back\\slash", "tab\tnew\nline\rret",
                             "\x01\x1f bell\b feed\f", "ünïcödé × 画像 🎨", "/slash/ and \x7f" };
  g_autoptr(JsonNode) input = json_from_string ("{}", NULL);
  g_autoptr(FalLocalJob) job = fal_local_job_new ("fal-ai/any-llm", "fal-ai/any-llm", input,
                                                  FAL_LOCAL_JOB_MODE_QUEUE, FAL_LOCAL_JOB_PRIORITY_NORMAL);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(JsonNode) parsed = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *logs;

  for (guint i = 0; i < G_N_ELEMENTS (messages); i++)
    fal_local_job_add_log (job, i % 2 ? "WARN" : "INFO", messages[i]);
  fal_local_job_add_log (job, "ERROR", "bad \xff\xfe bytes");

  fal_local_job_append_logs_json (job, text, 1, G_N_ELEMENTS (messages) + 1);
  parsed = json_from_string (text->str, &error);
  g_assert_no_error (error);
  logs = json_node_get_array (parsed);
  g_assert_cmpuint (json_array_get_length (logs), ==, G_N_ELEMENTS (messages));
  for (guint i = 1; i < G_N_ELEMENTS (messages); i++)
    {
      JsonObject *entry = json_array_get_object_element (logs, i - 1);

      g_assert_cmpstr (json_object_get_string_member (entry, "message"), ==, messages[i]);
      g_assert_cmpstr (json_object_get_string_member (entry, "level"), ==, i % 2 ? "WARN" : "INFO");
      g_assert_cmpstr (json_object_get_string_member (entry, "source"), ==, "USER");
      g_assert_true (g_str_has_suffix (json_object_get_string_member (entry, "timestamp"), "Z"));
    }
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (logs, G_N_ELEMENTS (messages) - 1),
                                                  "message"), ==, "bad \xef\xbf\xbd\xef\xbf\xbd bytes");

  /* None at all is an empty array. */
  g_string_truncate (text, 0);
  fal_local_job_append_logs_json (job, text, 3, 3);
  g_assert_cmpstr (text->str, ==, "[]");
}

static void
test_status_stream_keepalive (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (2, 1, 20);
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autofree char *url = g_strconcat (job->status_url, "/stream", NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", url, NULL);
  g_autoptr(FalTestSse) sse = fal_test_sse_open (ts, msg);
  g_autoptr(JsonObject) last = NULL;

  g_assert_true (fal_test_sse_wait_end (sse, 30000));
  g_assert_no_error (sse->error);
  /* 1.45 s of run at 20 ms intervals: plenty of comments. */
  g_assert_cmpuint (sse->n_comments, >=, 3);
  for (guint i = 0; i < sse->comments->len; i++)
    g_assert_cmpstr (g_ptr_array_index (sse->comments, i), ==, " keep-alive");
  last = event_at (sse, sse->events->len - 1);
  g_assert_cmpstr (fal_test_object_string (last, "status"), ==, "COMPLETED");
  /* Comments come between events, never after the last one. */
  g_assert_cmpstr (g_ptr_array_index (sse->order, sse->order->len - 1), ==, "e");
}

static void
test_status_stream_keepalive_off (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (10, 1, 0);
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autofree char *url = g_strconcat (job->status_url, "/stream", NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", url, NULL);
  g_autoptr(FalTestSse) sse = fal_test_sse_open (ts, msg);

  g_assert_true (fal_test_sse_wait_end (sse, 30000));
  g_assert_cmpuint (sse->n_comments, ==, 0);
  g_assert_cmpuint (sse->events->len, >=, 2);
}

/* ------------------------------------------------------------------ result, cancel */

static void
test_result_before_completion (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 1, 15000);
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(FalTestResponse) queued = fal_test_call (ts, "GET", job->response_url, NULL);
  g_autoptr(FalTestResponse) running = NULL;

  fal_test_assert_detail (queued, 400);
  g_assert_cmpstr (fal_test_response_string (queued, "detail"), ==, "Request is still in progress");
  wait_in_progress (ts, job);
  running = fal_test_call (ts, "GET", job->response_url, NULL);
  fal_test_assert_detail (running, 400);
  g_assert_cmpstr (fal_test_response_string (running, "detail"), ==, "Request is still in progress");
}

static void
assert_cancelled_result (FalTestServer *ts,
                         FalTestJob           *job)
{
  g_autoptr(JsonObject) done = fal_test_wait_status (ts, job->status_url, "COMPLETED", 20000);
  g_autoptr(FalTestResponse) result = fal_test_call (ts, "GET", job->response_url, NULL);

  g_assert_cmpstr (fal_test_object_string (done, "error_type"), ==, "client_cancelled");
  g_assert_nonnull (fal_test_object_string (done, "error"));
  g_assert_cmpuint (result->status, ==, 499);
  g_assert_cmpstr (fal_test_response_string (result, "error_type"), ==, "client_cancelled");
  g_assert_cmpstr (fal_test_response_header (result, "x-fal-request-id"), ==, job->request_id);
}

static void
test_cancel_queued (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 1, 15000);
  g_autoptr(FalTestJob) a = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(FalTestJob) b = NULL;
  g_autoptr(FalTestResponse) cancel = NULL;
  g_autoptr(JsonObject) status = NULL;
  guint http_status = 0;

  wait_in_progress (ts, a);
  b = submit (ts, SDXL, SDXL_BODY, NULL);
  cancel = fal_test_call (ts, "PUT", b->cancel_url, NULL);
  g_assert_cmpuint (cancel->status, ==, 202);
  g_assert_cmpstr (fal_test_response_string (cancel, "status"), ==, "CANCELLATION_REQUESTED");
  /* Out of the queue at once: no waiting for the runner. */
  status = status_of (ts, b, &http_status);
  g_assert_cmpstr (fal_test_object_string (status, "status"), ==, "COMPLETED");
  g_assert_cmpuint (http_status, ==, 200);
  assert_cancelled_result (ts, b);
  {
    g_autoptr(JsonObject) a_status = status_of (ts, a, NULL);
    g_assert_cmpstr (fal_test_object_string (a_status, "status"), ==, "IN_PROGRESS");
  }
}

static void
test_cancel_running (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 1, 15000);
  g_autoptr(FalTestJob) a = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(FalTestResponse) cancel = NULL;
  g_autoptr(FalTestResponse) again = NULL;

  wait_in_progress (ts, a);
  cancel = fal_test_call (ts, "PUT", a->cancel_url, NULL);
  g_assert_cmpuint (cancel->status, ==, 202);
  g_assert_cmpstr (fal_test_response_string (cancel, "status"), ==, "CANCELLATION_REQUESTED");
  assert_cancelled_result (ts, a);
  /* Once it has ended, it is too late. */
  again = fal_test_call (ts, "PUT", a->cancel_url, NULL);
  g_assert_cmpuint (again->status, ==, 400);
  g_assert_cmpstr (fal_test_response_string (again, "status"), ==, "ALREADY_COMPLETED");
}

static void
test_cancel_completed_and_unknown (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 1, 15000);
  g_autoptr(FalTestJob) a = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(JsonObject) done = fal_test_wait_status (ts, a->status_url, "COMPLETED", 20000);
  g_autoptr(FalTestResponse) cancel = fal_test_call (ts, "PUT", a->cancel_url, NULL);
  g_autoptr(FalTestResponse) unknown = fal_test_call (ts, "PUT", "/queue/" SDXL "/requests/not-a-request/cancel", NULL);
  g_autoptr(FalTestResponse) result = fal_test_call (ts, "GET", a->response_url, NULL);

  g_assert_cmpuint (cancel->status, ==, 400);
  g_assert_cmpstr (fal_test_response_string (cancel, "status"), ==, "ALREADY_COMPLETED");
  g_assert_cmpuint (unknown->status, ==, 404);
  g_assert_cmpstr (fal_test_response_string (unknown, "status"), ==, "NOT_FOUND");
  /* The result is untouched. */
  g_assert_cmpuint (result->status, ==, 200);
}

/* ------------------------------------------------------------------ start timeout */

static void
test_start_timeout (void)
{
  /* speed 2: the blocker needs 1.45 s, the deadline is 1 s / 2. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (2, 1, 15000);
  g_autoptr(FalTestJob) blocker = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", "/queue/" SDXL, SDXL_BODY);
  g_autoptr(SoupMessage) run = fal_test_message (ts, "POST", "/run/" SDXL, SDXL_BODY);
  g_autoptr(SoupMessage) bad = fal_test_message (ts, "POST", "/queue/" SDXL, SDXL_BODY);
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(FalTestResponse) ran = NULL;
  g_autoptr(FalTestResponse) refused = NULL;
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(JsonObject) done = NULL;
  const char *status_url;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-request-timeout", "1");
  submitted = fal_test_send (ts, msg);
  g_assert_cmpuint (submitted->status, ==, 200);
  status_url = fal_test_response_string (submitted, "status_url");
  done = fal_test_wait_status (ts, status_url, "COMPLETED", 20000);
  g_assert_cmpstr (fal_test_object_string (done, "error_type"), ==, "request_timeout");
  {
    g_autoptr(JsonObject) blocker_status = fal_test_wait_status (ts, blocker->status_url, "IN_PROGRESS", 1000);
  }

  result = fal_test_call (ts, "GET", fal_test_response_string (submitted, "response_url"), NULL);
  g_assert_cmpuint (result->status, ==, 504);
  g_assert_cmpstr (fal_test_response_header (result, "X-Fal-Request-Timeout-Type"), ==, "user");
  g_assert_cmpstr (fal_test_response_string (result, "error_type"), ==, "request_timeout");
  g_assert_nonnull (fal_test_response_header (result, "x-fal-request-id"));

  /* A sync run behind the same blocker times out the same way. */
  soup_message_headers_replace (soup_message_get_request_headers (run), "X-Fal-Request-Timeout", "0.5");
  ran = fal_test_send (ts, run);
  g_assert_cmpuint (ran->status, ==, 504);
  g_assert_cmpstr (fal_test_response_header (ran, "X-Fal-Request-Timeout-Type"), ==, "user");

  soup_message_headers_replace (soup_message_get_request_headers (bad), "x-fal-request-timeout", "soon");
  refused = fal_test_send (ts, bad);
  fal_test_assert_detail (refused, 400);
}

/* A generous deadline does not hurt. */
static void
test_start_timeout_met (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 1, 15000);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", "/queue/" SDXL, SDXL_BODY);
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(JsonObject) done = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-request-timeout", "30.0");
  submitted = fal_test_send (ts, msg);
  done = fal_test_wait_status (ts, fal_test_response_string (submitted, "status_url"), "COMPLETED", 20000);
  g_assert_false (json_object_has_member (done, "error"));
  result = fal_test_call (ts, "GET", fal_test_response_string (submitted, "response_url"), NULL);
  g_assert_cmpuint (result->status, ==, 200);
}

/* ------------------------------------------------------------------ run, stream */

static void
test_sync_run (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) run = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);
  g_autoptr(FalTestResponse) invalid = fal_test_call (ts, "POST", "/run/" SDXL, "{\"num_images\": 2}");
  g_autoptr(FalTestResponse) llm = fal_test_call (ts, "POST", "/run/fal-ai/any-llm", "{\"prompt\": \"why is the sky blue\"}");
  const char *id;
  JsonObject *error;

  g_assert_cmpuint (run->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (run->headers, NULL), ==, "application/json");
  id = fal_test_response_header (run, "x-fal-request-id");
  g_assert_true (id && g_uuid_string_is_valid (id));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (fal_test_response_object (run), "images")), ==, 1);

  /* Direct runs are not reachable through the queue. */
  {
    g_autofree char *path = g_strdup_printf ("/queue/" SDXL "/requests/%s/status", id);
    g_autoptr(FalTestResponse) status = fal_test_call (ts, "GET", path, NULL);
    g_assert_cmpuint (status->status, ==, 404);
  }

  g_assert_cmpuint (invalid->status, ==, 422);
  error = json_array_get_object_element (json_object_get_array_member (fal_test_response_object (invalid), "detail"), 0);
  g_assert_cmpstr (json_node_get_string (json_array_get_element (json_object_get_array_member (error, "loc"), 1)), ==, "prompt");
  g_assert_nonnull (fal_test_object_string (error, "msg"));
  g_assert_nonnull (fal_test_object_string (error, "type"));

  g_assert_cmpuint (llm->status, ==, 200);
  g_assert_nonnull (strstr (fal_test_response_string (llm, "output"), "why is the sky blue"));
}

static void
test_stream (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", "/run/fal-ai/any-llm/stream",
                                                 "{\"prompt\": \"tell me a long story about streams\"}");
  g_autoptr(FalTestSse) sse = NULL;
  g_autofree char *previous = NULL;
  const char *id;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "text/event-stream");
  sse = fal_test_sse_open (ts, msg);
  g_assert_cmpuint (sse->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL), ==,
                   "text/event-stream");
  id = soup_message_headers_get_one (soup_message_get_response_headers (msg), "x-fal-request-id");
  g_assert_true (id && g_uuid_string_is_valid (id));

  g_assert_true (fal_test_sse_wait_end (sse, 30000));
  g_assert_no_error (sse->error);
  g_assert_cmpuint (sse->events->len, >=, 3);
  for (guint i = 0; i < sse->events->len; i++)
    {
      g_autoptr(JsonObject) event = event_at (sse, i);
      const char *output = fal_test_object_string (event, "output");
      gboolean last = i + 1 == sse->events->len;

      g_assert_true (json_object_has_member (event, "partial"));
      g_assert_cmpint (json_object_get_boolean_member (event, "partial"), ==, !last);
      /* The text so far, growing. */
      g_assert_nonnull (output);
      if (previous)
        {
          g_assert_true (g_str_has_prefix (output, previous));
          g_assert_cmpuint (strlen (output), >, strlen (previous));
        }
      g_free (previous);
      previous = g_strdup (output);

      /* Paced at least 100 ms apart (10 ms of slack for the clock). */
      if (i > 0)
        {
          FalTestSseEvent *now = g_ptr_array_index (sse->events, i);
          FalTestSseEvent *before = g_ptr_array_index (sse->events, i - 1);

          g_assert_cmpint (now->time - before->time, >=, 90 * 1000);
        }
    }
}

/* Even at a high speed, events keep their 100 ms spacing; media
 * endpoints send progress events, then the output. */
static void
test_stream_media_pacing (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50, 2, 15000);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", "/run/" SDXL "/stream", SDXL_BODY);
  g_autoptr(FalTestSse) sse = fal_test_sse_open (ts, msg);
  g_autoptr(JsonObject) last = NULL;

  g_assert_cmpuint (sse->status, ==, 200);
  g_assert_nonnull (soup_message_headers_get_one (soup_message_get_response_headers (msg), "x-fal-request-id"));
  g_assert_true (fal_test_sse_wait_end (sse, 30000));
  g_assert_no_error (sse->error);
  g_assert_cmpuint (sse->events->len, ==, 4);
  for (guint i = 0; i < sse->events->len; i++)
    {
      g_autoptr(JsonObject) event = event_at (sse, i);

      g_assert_cmpint (json_object_get_boolean_member (event, "partial"), ==, i + 1 < sse->events->len);
      if (i > 0)
        {
          FalTestSseEvent *now = g_ptr_array_index (sse->events, i);
          FalTestSseEvent *before = g_ptr_array_index (sse->events, i - 1);

          g_assert_cmpint (now->time - before->time, >=, 90 * 1000);
        }
    }
  last = event_at (sse, 3);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (last, "images")), ==, 1);
}

static void
test_stream_invalid_input (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", "/run/fal-ai/any-llm/stream", "{\"prompt\": 42}");

  /* A failure before the first event is an ordinary HTTP error. */
  g_assert_cmpuint (response->status, ==, 422);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==, "application/json");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (fal_test_response_object (response), "detail")));
}

/* ------------------------------------------------------------------ proxy */

static FalTestResponse *
proxy_call (FalTestServer *ts,
            const char    *method,
            const char    *target,
            const char    *body)
{
  g_autoptr(SoupMessage) msg = fal_test_message (ts, method, "/api/fal/proxy", body);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-target-url", target);
  return fal_test_send (ts, msg);
}

static void
test_proxy (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) submitted = proxy_call (ts, "POST", "https://queue.fal.run/" SDXL, SDXL_BODY);
  g_autoptr(FalTestResponse) status = NULL;
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(FalTestResponse) run = NULL;
  g_autoptr(FalTestResponse) initiate = NULL;
  g_autoptr(FalTestResponse) schema = NULL;
  g_autoptr(FalTestResponse) foreign = NULL;
  g_autoptr(FalTestResponse) garbage = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_autofree char *target = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s/queue/" SDXL "/requests/", ts->url);
  g_autofree char *upload_prefix = g_strdup_printf ("%s/cdn/", ts->url);
  const char *id;
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  gboolean found = FALSE;

  g_assert_cmpuint (submitted->status, ==, 200);
  id = fal_test_response_string (submitted, "request_id");
  /* The answer's URLs lead back to this server, not to fal. */
  g_assert_true (g_str_has_prefix (fal_test_response_string (submitted, "status_url"), prefix));

  /* Status through the proxy, with the query in the target. */
  target = g_strdup_printf ("https://queue.fal.run/" SDXL "/requests/%s/status?logs=1", id);
  while (g_get_monotonic_time () < deadline)
    {
      g_clear_pointer (&status, fal_test_response_free);
      status = proxy_call (ts, "GET", target, NULL);
      g_assert_true (status->status == 200 || status->status == 202);
      if (g_str_equal (fal_test_response_string (status, "status"), "COMPLETED"))
        break;
      fal_test_wait_ms (20);
    }
  g_assert_cmpstr (fal_test_response_string (status, "status"), ==, "COMPLETED");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (fal_test_response_object (status), "logs")));

  g_free (target);
  target = g_strdup_printf ("https://queue.fal.run/" SDXL "/requests/%s", id);
  result = proxy_call (ts, "GET", target, NULL);
  g_assert_cmpuint (result->status, ==, 200);
  g_assert_cmpstr (fal_test_response_header (result, "x-fal-request-id"), ==, id);

  run = proxy_call (ts, "POST", "https://fal.run/" SDXL, SDXL_BODY);
  g_assert_cmpuint (run->status, ==, 200);
  g_assert_nonnull (fal_test_response_header (run, "x-fal-request-id"));

  initiate = proxy_call (ts, "POST", "https://rest.fal.ai/storage/upload/initiate?storage_type=fal-cdn-v3",
                         "{\"content_type\": \"text/plain\", \"file_name\": \"a.txt\"}");
  g_assert_cmpuint (initiate->status, ==, 200);
  g_assert_true (g_str_has_prefix (fal_test_response_string (initiate, "upload_url"), upload_prefix));

  schema = proxy_call (ts, "GET", "https://fal.ai/api/openapi/queue/openapi.json?endpoint_id=" SDXL, NULL);
  g_assert_cmpuint (schema->status, ==, 200);
  g_assert_nonnull (fal_test_response_header (schema, "ETag"));

  foreign = proxy_call (ts, "POST", "https://example.com/" SDXL, SDXL_BODY);
  fal_test_assert_detail (foreign, 400);
  garbage = proxy_call (ts, "POST", "not a url", SDXL_BODY);
  fal_test_assert_detail (garbage, 400);

  /* The log records the routed path and that it came by the proxy. */
  log = fal_test_request_log (ts);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_str_equal (json_object_get_string_member (entry, "path"), "/run/" SDXL))
        {
          g_assert_cmpstr (json_object_get_string_member (entry, "route"), ==, "proxy");
          g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 200);
          found = TRUE;
        }
    }
  g_assert_true (found);
}

/* ------------------------------------------------------------------ speed */

static gint64
time_one_job (double speed)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (speed, 1, 15000);
  gint64 started = g_get_monotonic_time ();
  g_autoptr(FalTestJob) job = submit (ts, SDXL, SDXL_BODY, NULL);
  g_autoptr(JsonObject) done = fal_test_wait_status (ts, job->status_url, "COMPLETED", 60000);

  return (g_get_monotonic_time () - started) / 1000;
}

static void
test_speed (void)
{
  /* fast-sdxl: 400 ms in the queue, 2500 ms of run at speed 1. */
  gint64 slow = time_one_job (4);
  gint64 fast = time_one_job (200);

  /* Lower bounds only for the slow one: 2900 / 4 = 725 ms. */
  g_assert_cmpint (slow, >=, 700);
  /* At speed 1 it would take 2.9 s; at 200, 15 ms plus rendering. */
  g_assert_cmpint (fast, <, 2500);
  g_assert_cmpint (fast, <, slow);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/queue/submit", test_submit);
  g_test_add_func ("/server/queue/submit-subpath-405", test_submit_subpath);
  g_test_add_func ("/server/queue/unknown", test_unknown_endpoint);
  g_test_add_func ("/server/queue/positions", test_positions);
  g_test_add_func ("/server/queue/runners", test_runners);
  g_test_add_func ("/server/queue/priorities", test_priorities);
  g_test_add_func ("/server/queue/status-and-logs", test_status_codes_and_logs);
  g_test_add_func ("/server/queue/wrong-methods", test_wrong_methods);
  g_test_add_func ("/server/queue/status-stream", test_status_stream);
  g_test_add_func ("/server/queue/status-stream/first-event", test_status_stream_first_event);
  g_test_add_func ("/server/queue/status-stream/no-logs", test_status_stream_no_logs);
  g_test_add_func ("/server/queue/status-stream/completed", test_status_stream_completed);
  g_test_add_func ("/server/queue/status-stream/long-log", test_status_stream_long_log);
  g_test_add_func ("/server/queue/log-json", test_log_json);
  g_test_add_func ("/server/queue/status-stream/keepalive", test_status_stream_keepalive);
  g_test_add_func ("/server/queue/status-stream/keepalive-off", test_status_stream_keepalive_off);
  g_test_add_func ("/server/queue/result/before-completion", test_result_before_completion);
  g_test_add_func ("/server/queue/cancel/queued", test_cancel_queued);
  g_test_add_func ("/server/queue/cancel/running", test_cancel_running);
  g_test_add_func ("/server/queue/cancel/completed-unknown", test_cancel_completed_and_unknown);
  g_test_add_func ("/server/queue/start-timeout", test_start_timeout);
  g_test_add_func ("/server/queue/start-timeout-met", test_start_timeout_met);
  g_test_add_func ("/server/queue/run", test_sync_run);
  g_test_add_func ("/server/queue/stream", test_stream);
  g_test_add_func ("/server/queue/stream/media-pacing", test_stream_media_pacing);
  g_test_add_func ("/server/queue/stream/invalid-input", test_stream_invalid_input);
  g_test_add_func ("/server/queue/proxy", test_proxy);
  g_test_add_func ("/server/queue/speed", test_speed);

  return g_test_run ();
}
