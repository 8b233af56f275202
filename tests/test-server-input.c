/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Auth and bad input against the local fal server: keys, malformed and
 * oversized bodies, wrong methods, unknown routes, clients that leave
 * mid-stream, and the request log (which must never hold the key). */
#include "config.h"

#include <string.h>

#include "server-fixture.h"

#define SDXL "fal-ai/fast-sdxl"
#define SDXL_BODY "{\"prompt\": \"x\", \"num_inference_steps\": 4, \"image_size\": \"square\"}"

static FalTestResponse *
call_with_auth (FalTestServer *ts,
                const char    *method,
                const char    *path,
                const char    *body,
                const char    *authorization)
{
  g_autoptr(SoupMessage) msg = fal_test_message (ts, method, path, body);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  if (authorization)
    soup_message_headers_replace (headers, "Authorization", authorization);
  else
    soup_message_headers_remove (headers, "Authorization");
  return fal_test_send (ts, msg);
}

/* ------------------------------------------------------------------ auth */

static void
test_auth (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) submitted = fal_test_call (ts, "POST", "/queue/" SDXL, SDXL_BODY);
  const char *status_url = fal_test_response_string (submitted, "status_url");
  g_autofree char *stream_url = g_strconcat (status_url, "/stream", NULL);
  const struct {
    const char *method;
    const char *path;
    const char *body;
  } routes[] = {
    { "POST", "/queue/" SDXL, SDXL_BODY },
    { "GET", status_url, NULL },
    { "GET", stream_url, NULL },
    { "GET", fal_test_response_string (submitted, "response_url"), NULL },
    { "PUT", fal_test_response_string (submitted, "cancel_url"), NULL },
    { "POST", "/run/" SDXL, SDXL_BODY },
    { "POST", "/run/fal-ai/any-llm/stream", "{\"prompt\": \"x\"}" },
    { "POST", "/rest/storage/upload/initiate?storage_type=fal-cdn-v3", "{}" },
    { "POST", "/rest/storage/upload/initiate-multipart?storage_type=fal-cdn-v3", "{}" },
    { "POST", "/rest/tokens/", "{\"allowed_apps\": [\"fast-sdxl\"], \"token_expiration\": 120}" },
  };
  const struct {
    const char *authorization;
    const char *detail;
  } bad_keys[] = {
    { NULL, NULL },
    { "Bearer " FAL_LOCAL_DEFAULT_KEY, "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'." },
    { "Key no-colon-here", "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'." },
    { "Key local:wrong", "No user found for Key ID and Secret" },
    { "key " FAL_LOCAL_DEFAULT_KEY, NULL },
  };

  g_assert_cmpuint (submitted->status, ==, 200);
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    for (guint j = 0; j < G_N_ELEMENTS (bad_keys); j++)
      {
        g_autoptr(FalTestResponse) response = call_with_auth (ts, routes[i].method, routes[i].path, routes[i].body,
                                                              bad_keys[j].authorization);

        if (response->status != 401)
          g_error ("%s %s with Authorization %s: %u, not 401", routes[i].method, routes[i].path,
                   bad_keys[j].authorization, response->status);
        fal_test_assert_detail (response, 401);
        g_assert_nonnull (fal_test_response_string (response, "detail"));
        if (bad_keys[j].detail)
          g_assert_cmpstr (fal_test_response_string (response, "detail"), ==, bad_keys[j].detail);
      }

  /* The token route with the key: a JWT as a JSON string. */
  {
    g_autoptr(FalTestResponse) token = fal_test_call (ts, "POST", "/rest/tokens/", routes[9].body);

    g_assert_cmpuint (token->status, ==, 201);
    g_assert_nonnull (token->json);
    g_assert_true (JSON_NODE_HOLDS_VALUE (token->json));
    g_assert_cmpuint (strlen (json_node_get_string (token->json)), >, 10);
  }
}

/* /web and /cdn never ask for a key, even a wrong one is no problem. */
static void
test_no_auth_needed (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("abc", 3);
  g_autofree char *file_url = fal_test_upload (ts, bytes, "text/plain", "a.txt");
  g_autoptr(FalTestResponse) schema = call_with_auth (ts, "GET", "/web/api/openapi/queue/openapi.json?endpoint_id=" SDXL,
                                                      NULL, NULL);
  g_autoptr(FalTestResponse) schema_bad_key = call_with_auth (ts, "GET", "/web/api/openapi/queue/openapi.json?endpoint_id=" SDXL,
                                                              NULL, "Key x:y");
  g_autoptr(FalTestResponse) file = call_with_auth (ts, "GET", file_url, NULL, NULL);
  g_autoptr(FalTestResponse) file_bad_key = call_with_auth (ts, "GET", file_url, NULL, "Bearer nope");

  g_assert_cmpuint (schema->status, ==, 200);
  g_assert_cmpuint (schema_bad_key->status, ==, 200);
  g_assert_cmpuint (file->status, ==, 200);
  g_assert_cmpuint (file_bad_key->status, ==, 200);
  g_assert_true (g_bytes_equal (file->body, bytes));
}

/* ------------------------------------------------------------------ bodies */

static void
assert_body_error (FalTestResponse *response,
                   const char      *type)
{
  JsonArray *detail;
  JsonObject *entry;

  g_assert_cmpuint (response->status, ==, 422);
  detail = json_object_get_array_member (fal_test_response_object (response), "detail");
  g_assert_nonnull (detail);
  g_assert_cmpuint (json_array_get_length (detail), >=, 1);
  entry = json_array_get_object_element (detail, 0);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (json_object_get_member (entry, "loc")));
  g_assert_cmpstr (json_node_get_string (json_array_get_element (json_object_get_array_member (entry, "loc"), 0)), ==, "body");
  g_assert_nonnull (fal_test_object_string (entry, "msg"));
  if (type)
    g_assert_cmpstr (fal_test_object_string (entry, "type"), ==, type);
  else
    g_assert_nonnull (fal_test_object_string (entry, "type"));
}

static void
test_malformed_bodies (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  static const char *const broken[] = {
    "{not json",
    "{\"prompt\": \"x\"",
    "   ",                         /* json-glib 1.6: a NULL root, no error */
    "\xff\xfe{}",
    "{\"prompt\": \"x\"} trailing",
  };
  static const char *const not_objects[] = { "null", "42", "[1, 2]", "\"prompt\"" };
  static const char *const paths[] = { "/queue/" SDXL, "/run/" SDXL, "/run/fal-ai/any-llm/stream" };

  for (guint p = 0; p < G_N_ELEMENTS (paths); p++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
        {
          g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", paths[p], broken[i]);
          assert_body_error (response, "json_invalid");
        }
      for (guint i = 0; i < G_N_ELEMENTS (not_objects); i++)
        {
          g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", paths[p], not_objects[i]);
          assert_body_error (response, NULL);
        }
      {
        /* No body at all is {}: the prompt is missing. */
        g_autoptr(FalTestResponse) empty = fal_test_call (ts, "POST", paths[p], NULL);
        g_autoptr(FalTestResponse) wrong_type = fal_test_call (ts, "POST", paths[p], "{\"prompt\": 5}");
        g_autoptr(FalTestResponse) out_of_range = fal_test_call (ts, "POST", paths[p],
                                                                 "{\"prompt\": \"x\", \"num_inference_steps\": 500}");
        JsonObject *entry;

        assert_body_error (empty, NULL);
        entry = json_array_get_object_element (json_object_get_array_member (fal_test_response_object (empty), "detail"), 0);
        g_assert_cmpstr (json_node_get_string (json_array_get_element (json_object_get_array_member (entry, "loc"), 1)), ==,
                         "prompt");
        assert_body_error (wrong_type, NULL);
        if (!g_str_has_suffix (paths[p], "/stream"))
          assert_body_error (out_of_range, NULL);
      }
    }

  /* The storage and control routes parse JSON the same way. */
  {
    g_autoptr(FalTestResponse) initiate = fal_test_call (ts, "POST", "/rest/storage/upload/initiate", "{oops");
    g_autoptr(FalTestResponse) control = fal_test_call (ts, "POST", "/__control/faults", "{oops");
    g_autoptr(FalTestResponse) after = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);

    assert_body_error (initiate, "json_invalid");
    assert_body_error (control, "json_invalid");
    g_assert_cmpuint (after->status, ==, 200);
  }
}

static void
test_wrong_methods (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  static const struct {
    const char *method;
    const char *path;
  } calls[] = {
    { "GET", "/queue/" SDXL },
    { "PUT", "/run/" SDXL },
    { "GET", "/run/fal-ai/any-llm/stream" },
    { "GET", "/rest/storage/upload/initiate" },
    { "PUT", "/rest/storage/upload/initiate-multipart" },
    { "GET", "/rest/tokens/" },
    { "DELETE", "/web/api/openapi/queue/openapi.json?endpoint_id=" SDXL },
    { "POST", "/cdn/files/abc/def.png" },
    { "PUT", "/__control/requests" },
    { "PUT", "/__control/faults" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autoptr(FalTestResponse) response = fal_test_call (ts, calls[i].method, calls[i].path,
                                                           g_str_equal (calls[i].method, "GET") ? NULL : "{}");

      if (response->status != 405)
        g_error ("%s %s: %u, not 405", calls[i].method, calls[i].path, response->status);
      fal_test_assert_detail (response, 405);
      g_assert_nonnull (fal_test_response_header (response, "Allow"));
    }
}

static void
test_unknown_routes (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  static const char *const paths[] = {
    "/nope", "/queue", "/run", "/rest/storage/other", "/rest/", "/cdn/", "/cdn/whatever/x",
    "/web/", "/web/api/openapi/queue/other.json", "/__control/nothing", "/favicon.ico",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(FalTestResponse) response = fal_test_call (ts, "GET", paths[i], NULL);

      if (response->status != 404)
        g_error ("GET %s: %u, not 404", paths[i], response->status);
      fal_test_assert_detail (response, 404);
    }

  /* No endpoint id at all is an unknown endpoint. */
  {
    g_autoptr(FalTestResponse) queue = fal_test_call (ts, "POST", "/queue/", SDXL_BODY);
    g_autoptr(FalTestResponse) run = fal_test_call (ts, "POST", "/run/", SDXL_BODY);

    fal_test_assert_detail (queue, 404);
    fal_test_assert_detail (run, 404);
  }
}

/* ------------------------------------------------------------------ sizes */

static void
test_oversized_json (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  gsize size = 33 * 1024 * 1024;
  char *big = g_malloc (size);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", "/run/" SDXL, NULL);
  g_autoptr(FalTestResponse) response = NULL;
  g_autoptr(FalTestResponse) after = NULL;
  g_autoptr(JsonArray) log = NULL;
  gboolean logged = FALSE;

  /* A valid document, just too big: {"prompt": "aaaa…"}. */
  memcpy (big, "{\"prompt\": \"", 12);
  memset (big + 12, 'a', size - 14);
  memcpy (big + size - 2, "\"}", 2);
  bytes = g_bytes_new_take (big, size);
  fal_test_clear_request_log (ts);
  fal_test_message_set_bytes (msg, "application/json", bytes);
  response = fal_test_send (ts, msg);

  g_assert_no_error (response->error);
  fal_test_assert_detail (response, 413);

  log = fal_test_request_log (ts);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_str_equal (json_object_get_string_member (entry, "path"), "/run/" SDXL))
        {
          g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 413);
          logged = TRUE;
        }
    }
  g_assert_true (logged);

  after = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);
  g_assert_cmpuint (after->status, ==, 200);
}

static void
test_oversized_images (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  static const char *const bodies[] = {
    "{\"prompt\": \"x\", \"image_size\": {\"width\": 4097, \"height\": 8}}",
    "{\"prompt\": \"x\", \"image_size\": {\"width\": 64, \"height\": 10000}}",
  };
  static const char *const paths[] = { "/queue/" SDXL, "/run/" SDXL, "/run/" SDXL "/stream", "/queue/fal-ai/flux/schnell" };
  g_autoptr(FalTestResponse) edge = fal_test_call (ts, "POST", "/run/" SDXL,
                                                   "{\"prompt\": \"x\", \"image_size\": {\"width\": 4096, \"height\": 8}}");

  for (guint p = 0; p < G_N_ELEMENTS (paths); p++)
    for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
      {
        g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", paths[p], bodies[i]);
        JsonObject *entry;

        assert_body_error (response, "image_too_large");
        entry = json_array_get_object_element (json_object_get_array_member (fal_test_response_object (response), "detail"), 0);
        g_assert_cmpstr (json_node_get_string (json_array_get_element (json_object_get_array_member (entry, "loc"), 1)), ==,
                         "image_size");
      }

  /* 4096 is still fine. */
  g_assert_cmpuint (edge->status, ==, 200);
  {
    JsonObject *image = json_array_get_object_element (json_object_get_array_member (fal_test_response_object (edge), "images"), 0);
    g_assert_cmpint (json_object_get_int_member (image, "width"), ==, 4096);
  }
}

/* ------------------------------------------------------------------ clients that leave */

static GSocketConnection *
raw_post (FalTestServer *ts,
          const char    *path,
          const char    *body)
{
  GSocketConnection *connection = fal_test_raw_connect (ts);
  g_autofree char *request = g_strdup_printf ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key %s\r\n"
                                              "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                                              path, FAL_LOCAL_DEFAULT_KEY, strlen (body), body);

  fal_test_raw_write (connection, request);
  return connection;
}

/* Leaving a /stream cancels its run, as on fal: the runner is free again
 * long before the run would have ended. */
static void
test_client_leaves_stream (void)
{
  /* speed 0.25: any-llm runs 10 s, so a runner still busy shows. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (0.25, 1, 15000);
  g_autoptr(GSocketConnection) connection = raw_post (ts, "/run/fal-ai/any-llm/stream",
                                                      "{\"prompt\": \"a long answer, please\"}");
  g_autofree char *seen = fal_test_raw_read_until (connection, "data: ", 20000);
  g_autoptr(FalTestResponse) next = NULL;
  g_autoptr(JsonObject) running = NULL;

  g_assert_nonnull (strstr (seen, "text/event-stream"));
  g_assert_nonnull (strstr (seen, "data: "));
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  /* Cancelled: the next job gets the only runner within a queue step
   * (1.2 s here); otherwise it would wait about 8 s more. */
  next = fal_test_call (ts, "POST", "/queue/fal-ai/any-llm", "{\"prompt\": \"next\"}");
  g_assert_cmpuint (next->status, ==, 200);
  running = fal_test_wait_status (ts, fal_test_response_string (next, "status_url"), "IN_PROGRESS", 6000);
}

/* Leaving a status stream leaves the job alone; keep-alives going to a
 * closed socket do no harm. */
static void
test_client_leaves_status_stream (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (4, 1, 10);
  g_autoptr(FalTestResponse) submitted = fal_test_call (ts, "POST", "/queue/" SDXL, SDXL_BODY);
  const char *status_url = fal_test_response_string (submitted, "status_url");
  g_autofree char *path = g_strdup_printf ("%s/stream?logs=1", strstr (status_url, "/queue/"));
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key %s\r\n\r\n",
                                              path, FAL_LOCAL_DEFAULT_KEY);
  g_autoptr(GSocketConnection) connection = fal_test_raw_connect (ts);
  g_autofree char *seen = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(SoupMessage) again = NULL;
  g_autoptr(FalTestSse) sse = NULL;

  fal_test_raw_write (connection, request);
  seen = fal_test_raw_read_until (connection, "keep-alive", 20000);
  g_assert_nonnull (strstr (seen, "data: "));
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
  fal_test_wait_ms (100);

  done = fal_test_wait_status (ts, status_url, "COMPLETED", 30000);
  g_assert_false (json_object_has_member (done, "error"));

  again = fal_test_message (ts, "GET", path, NULL);
  sse = fal_test_sse_open (ts, again);
  g_assert_true (fal_test_sse_wait_end (sse, 10000));
  g_assert_cmpuint (sse->events->len, ==, 1);
}

static gint64
queue_position (FalTestServer *ts,
                const char    *status_url)
{
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "GET", status_url, NULL);
  JsonObject *status = fal_test_response_object (response);

  if (!json_object_has_member (status, "queue_position"))
    return -1;
  return json_object_get_int_member (status, "queue_position");
}

static const char *
state_of (FalTestServer *ts,
          const char    *status_url,
          char         **out)
{
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "GET", status_url, NULL);

  g_free (*out);
  *out = g_strdup (fal_test_response_string (response, "status"));
  return *out;
}

/* A sync run whose caller hangs up is cancelled, whether it was still
 * queued or already running; the server carries on. */
static void
test_client_leaves_sync_run (void)
{
  /* speed 0.5: a fast-sdxl run takes 5 s, a queue step 0.8 s. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (0.5, 1, 15000);
  g_autoptr(FalTestResponse) blocker = fal_test_call (ts, "POST", "/queue/" SDXL, SDXL_BODY);
  const char *blocker_status = fal_test_response_string (blocker, "status_url");
  g_autoptr(JsonObject) running = fal_test_wait_status (ts, blocker_status, "IN_PROGRESS", 20000);
  g_autoptr(GSocketConnection) queued = raw_post (ts, "/run/" SDXL, SDXL_BODY);
  g_autoptr(FalTestResponse) probe = NULL;
  g_autoptr(FalTestResponse) after = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autofree char *state = NULL;
  const char *probe_status;
  gint64 deadline;
  gint64 position = -1;

  /* The sync run waits behind the blocker, the probe behind both. */
  fal_test_wait_ms (300);
  probe = fal_test_call (ts, "POST", "/queue/" SDXL, SDXL_BODY);
  probe_status = fal_test_response_string (probe, "status_url");
  g_assert_cmpint (queue_position (ts, probe_status), ==, 1);

  /* Leaving takes the sync run out of the queue while the blocker runs. */
  g_io_stream_close (G_IO_STREAM (queued), NULL, NULL);
  deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && (position = queue_position (ts, probe_status)) != 0)
    fal_test_wait_ms (20);
  g_assert_cmpint (position, ==, 0);
  g_assert_cmpstr (state_of (ts, blocker_status, &state), ==, "IN_PROGRESS");

  done = fal_test_wait_status (ts, blocker_status, "COMPLETED", 30000);
  g_assert_false (json_object_has_member (done, "error"));

  after = fal_test_call (ts, "GET", "/web/api/openapi/queue/openapi.json?endpoint_id=" SDXL, NULL);
  g_assert_cmpuint (after->status, ==, 200);
}

static void
test_client_leaves_sync_run_running (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (0.5, 1, 15000);
  g_autoptr(GSocketConnection) run = raw_post (ts, "/run/" SDXL, SDXL_BODY);
  g_autoptr(FalTestResponse) probe = NULL;
  g_autoptr(JsonObject) started = NULL;
  g_autoptr(FalTestResponse) after = NULL;
  const char *probe_status;

  /* Past the queue step (0.8 s): the sync run is on the runner. */
  fal_test_wait_ms (1200);
  probe = fal_test_call (ts, "POST", "/queue/" SDXL, SDXL_BODY);
  probe_status = fal_test_response_string (probe, "status_url");
  g_assert_cmpint (queue_position (ts, probe_status), ==, 0);
  g_io_stream_close (G_IO_STREAM (run), NULL, NULL);
  /* Cancelled: the probe starts within a queue step, not after 4 s. */
  started = fal_test_wait_status (ts, probe_status, "IN_PROGRESS", 3000);

  after = fal_test_call (ts, "POST", "/run/" SDXL, SDXL_BODY);
  g_assert_cmpuint (after->status, ==, 200);
}

/* ------------------------------------------------------------------ request log */

static JsonObject *
find_entry (JsonArray  *log,
            const char *method,
            const char *path)
{
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), method) &&
          g_str_equal (json_object_get_string_member (entry, "path"), path))
        return entry;
    }
  g_error ("no %s %s in the request log", method, path);
  return NULL;
}

static void
test_request_log (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(SoupMessage) submit = fal_test_message (ts, "POST", "/queue/" SDXL "?fal_webhook=http%3A%2F%2F127.0.0.1%3A9%2Fhook",
                                                    SDXL_BODY);
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(FalTestResponse) wrong = NULL;
  g_autoptr(FalTestResponse) anonymous = NULL;
  g_autoptr(FalTestResponse) raw_log = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_autofree char *text = NULL;
  JsonObject *entry;
  JsonObject *headers;

  fal_test_clear_request_log (ts);
  soup_message_headers_replace (soup_message_get_request_headers (submit), "X-Fal-Queue-Priority", "low");
  soup_message_headers_replace (soup_message_get_request_headers (submit), "X-Fal-Store-IO", "0");
  submitted = fal_test_send (ts, submit);
  g_assert_cmpuint (submitted->status, ==, 200);
  wrong = call_with_auth (ts, "POST", "/run/" SDXL, SDXL_BODY, "Key other-id:topsecret-value");
  g_assert_cmpuint (wrong->status, ==, 401);
  anonymous = call_with_auth (ts, "GET", "/web/api/openapi/queue/openapi.json?endpoint_id=" SDXL, NULL, NULL);
  g_assert_cmpuint (anonymous->status, ==, 200);

  log = fal_test_request_log (ts);
  entry = find_entry (log, "POST", "/queue/" SDXL);
  g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 200);
  g_assert_true (json_object_get_boolean_member (entry, "authorization"));
  g_assert_nonnull (strstr (json_object_get_string_member (entry, "query"), "fal_webhook="));
  headers = json_object_get_object_member (entry, "headers");
  g_assert_cmpstr (json_object_get_string_member (headers, "x-fal-queue-priority"), ==, "low");
  g_assert_cmpstr (json_object_get_string_member (headers, "x-fal-store-io"), ==, "0");
  g_assert_cmpstr (json_object_get_string_member (headers, "content-type"), ==, "application/json");
  g_assert_false (json_object_has_member (headers, "authorization"));

  entry = find_entry (log, "POST", "/run/" SDXL);
  g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 401);
  g_assert_true (json_object_get_boolean_member (entry, "authorization"));
  g_assert_false (json_object_has_member (json_object_get_object_member (entry, "headers"), "authorization"));

  entry = find_entry (log, "GET", "/web/api/openapi/queue/openapi.json");
  g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 200);
  g_assert_false (json_object_get_boolean_member (entry, "authorization"));

  /* Neither the right key nor a wrong one appears anywhere. */
  raw_log = fal_test_call (ts, "GET", "/__control/requests", NULL);
  text = g_strndup (g_bytes_get_data (raw_log->body, NULL), g_bytes_get_size (raw_log->body));
  g_assert_null (strstr (text, FAL_LOCAL_DEFAULT_KEY));
  g_assert_null (strstr (text, "topsecret-value"));
  g_assert_null (strstr (text, "other-id"));
}

/* A body nested 60,000 arrays deep gets 422 json_invalid, not a stack
 * overflow, without a key too (on /__control); the server answers on. */
static void
test_deep_body (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(GString) deep = g_string_new (NULL);
  g_autoptr(FalTestResponse) run = NULL;
  g_autoptr(FalTestResponse) control = NULL;
  g_autoptr(FalTestResponse) alive = NULL;

  for (guint i = 0; i < 60000; i++)
    g_string_append_c (deep, '[');
  for (guint i = 0; i < 60000; i++)
    g_string_append_c (deep, ']');
  run = fal_test_call (ts, "POST", "/run/fal-ai/fast-sdxl", deep->str);
  g_assert_no_error (run->error);
  g_assert_cmpuint (run->status, ==, 422);
  control = fal_test_call (ts, "POST", "/__control/faults", deep->str);
  g_assert_cmpuint (control->status, ==, 422);
  alive = fal_test_call (ts, "GET", "/", NULL);
  g_assert_cmpuint (alive->status, ==, 200);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/input/auth/required", test_auth);
  g_test_add_func ("/server/input/auth/not-needed", test_no_auth_needed);
  g_test_add_func ("/server/input/malformed-bodies", test_malformed_bodies);
  g_test_add_func ("/server/input/deep-body", test_deep_body);
  g_test_add_func ("/server/input/wrong-methods", test_wrong_methods);
  g_test_add_func ("/server/input/unknown-routes", test_unknown_routes);
  g_test_add_func ("/server/input/oversized/json", test_oversized_json);
  g_test_add_func ("/server/input/oversized/images", test_oversized_images);
  g_test_add_func ("/server/input/client-leaves/stream", test_client_leaves_stream);
  g_test_add_func ("/server/input/client-leaves/status-stream", test_client_leaves_status_stream);
  g_test_add_func ("/server/input/client-leaves/sync-run-queued", test_client_leaves_sync_run);
  g_test_add_func ("/server/input/client-leaves/sync-run-running", test_client_leaves_sync_run_running);
  g_test_add_func ("/server/input/request-log", test_request_log);

  return g_test_run ();
}
