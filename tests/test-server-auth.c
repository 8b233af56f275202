/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Temporary tokens of the local fal server, through real HTTP: POST
 * /rest/tokens/ issues them, and the run, stream and queue routes take
 * them (?fal_jwt_token= or Authorization: Bearer) for their apps only,
 * until they expire; /rest and /api keep to the key; the request log
 * never shows one. */
#include "config.h"

#include <string.h>

#include "server-fixture.h"

#define SDXL "fal-ai/fast-sdxl"
#define SDXL_BODY "{\"prompt\": \"a lighthouse\", \"num_inference_steps\": 4, \"image_size\": \"square\", \"seed\": 7}"
#define LLM "fal-ai/any-llm"

static char *
issue_token (FalTestServer *ts,
             const char    *body)
{
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", "/rest/tokens/", body);

  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 201);
  g_assert_nonnull (response->json);
  g_assert_true (JSON_NODE_HOLDS_VALUE (response->json));
  g_assert_cmpint (json_node_get_value_type (response->json), ==, G_TYPE_STRING);
  return g_strdup (json_node_get_string (response->json));
}

/* A message with no key: the token goes in the query or as Bearer. */
static SoupMessage *
token_message (FalTestServer *ts,
               const char    *method,
               const char    *path,
               const char    *body,
               const char    *token,
               gboolean       bearer)
{
  g_autofree char *url = NULL;
  SoupMessage *msg;

  if (token && !bearer)
    {
      g_autofree char *escaped = g_uri_escape_string (token, NULL, FALSE);
      url = g_strdup_printf ("%s%sfal_jwt_token=%s", path, strchr (path, '?') ? "&" : "?", escaped);
    }
  else
    url = g_strdup (path);
  msg = fal_test_message (ts, method, url, body);
  soup_message_headers_remove (soup_message_get_request_headers (msg), "Authorization");
  if (token && bearer)
    {
      g_autofree char *value = g_strconcat ("Bearer ", token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", value);
    }
  return msg;
}

static FalTestResponse *
token_call (FalTestServer *ts,
            const char    *method,
            const char    *path,
            const char    *body,
            const char    *token,
            gboolean       bearer)
{
  g_autoptr(SoupMessage) msg = token_message (ts, method, path, body, token, bearer);

  return fal_test_send (ts, msg);
}

static void
assert_401 (FalTestResponse *response,
            const char      *detail)
{
  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 401);
  if (detail)
    g_assert_cmpstr (fal_test_response_string (response, "detail"), ==, detail);
  else
    g_assert_nonnull (fal_test_response_string (response, "detail"));
}

static void
assert_field_error (FalTestResponse *response,
                    const char      *field,
                    int              index,
                    const char      *type)
{
  JsonArray *detail;
  JsonObject *entry;
  JsonArray *loc;

  g_assert_cmpuint (response->status, ==, 422);
  detail = json_object_get_array_member (fal_test_response_object (response), "detail");
  g_assert_cmpuint (json_array_get_length (detail), >=, 1);
  entry = json_array_get_object_element (detail, 0);
  loc = json_object_get_array_member (entry, "loc");
  g_assert_cmpstr (json_array_get_string_element (loc, 0), ==, "body");
  g_assert_cmpstr (json_array_get_string_element (loc, 1), ==, field);
  if (index >= 0)
    g_assert_cmpint (json_array_get_int_element (loc, 2), ==, index);
  g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, type);
  g_assert_nonnull (json_object_get_string_member (entry, "msg"));
}

static void
test_issue (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1.0, 2, 15000);
  g_autofree char *token = issue_token (ts, "{\"allowed_apps\": [\"fast-sdxl\"], \"token_expiration\": 120}");
  g_autofree char *other = issue_token (ts, "{\"allowed_apps\": [\"fal-ai/fast-sdxl\"]}");
  g_auto(GStrv) parts = g_strsplit (token, ".", -1);
  static const struct {
    const char *body;
    const char *field;
    int index;
    const char *type;
  } bad[] = {
    { "{}", "allowed_apps", -1, "missing" },
    { "{\"allowed_apps\": \"fast-sdxl\"}", "allowed_apps", -1, "list_type" },
    { "{\"allowed_apps\": []}", "allowed_apps", -1, "too_short" },
    { "{\"allowed_apps\": [\"flux\", 42]}", "allowed_apps", 1, "string_type" },
    { "{\"allowed_apps\": [\"flux\"], \"token_expiration\": \"120\"}", "token_expiration", -1, "int_type" },
    { "{\"allowed_apps\": [\"flux\"], \"token_expiration\": 1.5}", "token_expiration", -1, "int_type" },
    { "{\"allowed_apps\": [\"flux\"], \"token_expiration\": 0}", "token_expiration", -1, "greater_than_equal" },
    { "{\"allowed_apps\": [\"flux\"], \"token_expiration\": 999999999}", "token_expiration", -1, "less_than_equal" },
  };

  /* JWT-shaped, and a new one every time. */
  g_assert_cmpuint (g_strv_length (parts), ==, 3);
  g_assert_cmpstr (token, !=, other);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", "/rest/tokens/", bad[i].body);

      g_test_message ("body %s", bad[i].body);
      assert_field_error (response, bad[i].field, bad[i].index, bad[i].type);
    }

  /* Tokens are issued for a key only, never for a token. */
  {
    g_autoptr(FalTestResponse) no_key = token_call (ts, "POST", "/rest/tokens/", "{\"allowed_apps\": [\"flux\"]}",
                                                    NULL, FALSE);
    g_autoptr(FalTestResponse) by_token = token_call (ts, "POST", "/rest/tokens/", "{\"allowed_apps\": [\"flux\"]}",
                                                      token, TRUE);

    assert_401 (no_key, NULL);
    assert_401 (by_token, NULL);
  }
}

static void
test_run_and_stream (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 2, 15000);
  g_autofree char *sdxl = issue_token (ts, "{\"allowed_apps\": [\"fast-sdxl\"]}");
  g_autofree char *llm = issue_token (ts, "{\"allowed_apps\": [\"" LLM "\"]}");

  for (guint bearer = 0; bearer < 2; bearer++)
    {
      g_autoptr(FalTestResponse) run = token_call (ts, "POST", "/run/" SDXL, SDXL_BODY, sdxl, bearer);
      g_autoptr(FalTestResponse) wrong = token_call (ts, "POST", "/run/" SDXL, SDXL_BODY, llm, bearer);
      g_autoptr(SoupMessage) msg = token_message (ts, "POST", "/run/" LLM "/stream",
                                                  "{\"prompt\": \"a haiku about queues\"}", llm, bearer);
      g_autoptr(FalTestSse) sse = NULL;
      g_autoptr(JsonObject) last = NULL;

      g_test_message ("token by %s", bearer ? "Bearer" : "query");
      g_assert_no_error (run->error);
      g_assert_cmpuint (run->status, ==, 200);
      g_assert_true (json_object_has_member (fal_test_response_object (run), "images"));
      assert_401 (wrong, "Token is not authorized for app '" SDXL "'");

      sse = fal_test_sse_open (ts, msg);
      g_assert_cmpuint (sse->status, ==, 200);
      g_assert_true (fal_test_sse_wait_end (sse, 30000));
      g_assert_cmpuint (sse->events->len, >=, 2);
      last = fal_test_sse_event_object (sse, sse->events->len - 1);
      g_assert_nonnull (fal_test_object_string (last, "output"));
    }

  /* The stream of an app the token was not made for. */
  {
    g_autoptr(FalTestResponse) stream = token_call (ts, "POST", "/run/" LLM "/stream", "{\"prompt\": \"x\"}",
                                                    sdxl, FALSE);
    assert_401 (stream, "Token is not authorized for app '" LLM "'");
  }
}

static void
test_queue (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 2, 15000);
  g_autofree char *token = issue_token (ts, "{\"allowed_apps\": [\"" SDXL "\"]}");
  g_autofree char *flux = issue_token (ts, "{\"allowed_apps\": [\"flux\"]}");

  for (guint bearer = 0; bearer < 2; bearer++)
    {
      g_autoptr(FalTestResponse) submitted = token_call (ts, "POST", "/queue/" SDXL, SDXL_BODY, token, bearer);
      g_autoptr(FalTestResponse) second = token_call (ts, "POST", "/queue/" SDXL, SDXL_BODY, token, bearer);
      g_autoptr(FalTestResponse) refused = token_call (ts, "POST", "/queue/" SDXL, SDXL_BODY, flux, bearer);
      g_autoptr(FalTestResponse) cancel = NULL;
      g_autoptr(FalTestResponse) result = NULL;
      g_autoptr(FalTestResponse) status = NULL;
      g_autoptr(FalTestResponse) foreign_status = NULL;
      g_autoptr(SoupMessage) stream_msg = NULL;
      g_autoptr(FalTestSse) sse = NULL;
      g_autofree char *status_url = NULL;
      g_autofree char *stream_url = NULL;
      g_autofree char *response_url = NULL;
      g_autofree char *cancel_url = NULL;
      g_autoptr(JsonObject) last = NULL;

      g_test_message ("token by %s", bearer ? "Bearer" : "query");
      g_assert_cmpuint (submitted->status, ==, 200);
      g_assert_cmpuint (second->status, ==, 200);
      assert_401 (refused, "Token is not authorized for app '" SDXL "'");
      status_url = g_strdup (fal_test_response_string (submitted, "status_url"));
      response_url = g_strdup (fal_test_response_string (submitted, "response_url"));
      cancel_url = g_strdup (fal_test_response_string (second, "cancel_url"));
      stream_url = g_strconcat (status_url, "/stream", NULL);

      /* The status stream with the token, to the end. */
      stream_msg = token_message (ts, "GET", stream_url, NULL, token, bearer);
      sse = fal_test_sse_open (ts, stream_msg);
      g_assert_cmpuint (sse->status, ==, 200);
      g_assert_true (fal_test_sse_wait_end (sse, 30000));
      last = fal_test_sse_event_object (sse, sse->events->len - 1);
      g_assert_cmpstr (fal_test_object_string (last, "status"), ==, "COMPLETED");

      status = token_call (ts, "GET", status_url, NULL, token, bearer);
      g_assert_cmpuint (status->status, ==, 200);
      g_assert_cmpstr (fal_test_response_string (status, "status"), ==, "COMPLETED");
      foreign_status = token_call (ts, "GET", status_url, NULL, flux, bearer);
      assert_401 (foreign_status, NULL);

      result = token_call (ts, "GET", response_url, NULL, token, bearer);
      g_assert_cmpuint (result->status, ==, 200);
      g_assert_true (json_object_has_member (fal_test_response_object (result), "images"));

      cancel = token_call (ts, "PUT", cancel_url, NULL, token, bearer);
      g_assert_true (cancel->status == 202 || cancel->status == 400);
      g_assert_nonnull (fal_test_response_string (cancel, "status"));
    }
}

static void
test_expired (void)
{
  /* At speed 10 a 10 s token lives one second. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (10.0, 2, 15000);
  g_autofree char *token = issue_token (ts, "{\"allowed_apps\": [\"fast-sdxl\"], \"token_expiration\": 10}");
  gint64 issued = g_get_monotonic_time ();
  g_autoptr(FalTestResponse) fresh = token_call (ts, "GET", "/queue/" SDXL "/requests/nope/status", NULL, token, TRUE);
  g_autoptr(FalTestResponse) stale = NULL;

  /* Past auth: the request is unknown, the token is not. */
  g_assert_cmpuint (fresh->status, ==, 404);
  g_assert_cmpstr (fal_test_response_string (fresh, "status"), ==, "NOT_FOUND");
  g_assert_cmpint (g_get_monotonic_time () - issued, <, G_USEC_PER_SEC);

  fal_test_wait_ms (1100);
  stale = token_call (ts, "GET", "/queue/" SDXL "/requests/nope/status", NULL, token, FALSE);
  assert_401 (stale, "Token has expired");
  {
    g_autoptr(FalTestResponse) run = token_call (ts, "POST", "/run/" SDXL, SDXL_BODY, token, TRUE);
    assert_401 (run, "Token has expired");
  }
}

static void
test_garbage (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 2, 15000);
  g_autofree char *token = issue_token (ts, "{\"allowed_apps\": [\"fast-sdxl\"]}");
  g_autofree char *forged = g_strconcat (token, "x", NULL);
  const char *garbage[] = { "nonsense", forged, "" };

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    for (guint bearer = 0; bearer < 2; bearer++)
      {
        g_autoptr(FalTestResponse) run = token_call (ts, "POST", "/run/" SDXL, SDXL_BODY, garbage[i], bearer);
        g_autoptr(FalTestResponse) submit = token_call (ts, "POST", "/queue/" SDXL, SDXL_BODY, garbage[i], bearer);

        assert_401 (run, "Invalid token");
        assert_401 (submit, "Invalid token");
      }

  /* A key sent as Bearer is told how a key goes. */
  {
    g_autoptr(FalTestResponse) key_as_bearer = token_call (ts, "POST", "/run/" SDXL, SDXL_BODY,
                                                           FAL_LOCAL_DEFAULT_KEY, TRUE);
    assert_401 (key_as_bearer, "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'.");
  }

  /* The key still works, and wins over a token in the query. */
  {
    g_autoptr(FalTestResponse) keyed = fal_test_call (ts, "POST", "/run/" SDXL "?fal_jwt_token=nonsense", SDXL_BODY);
    g_assert_cmpuint (keyed->status, ==, 200);
  }
}

static void
test_key_only_routes (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 2, 15000);
  g_autofree char *token = issue_token (ts, "{\"allowed_apps\": [\"fast-sdxl\"]}");
  const char *paths[][2] = {
    { "POST", "/rest/storage/upload/initiate?storage_type=fal-cdn-v3" },
    { "POST", "/rest/storage/upload/initiate-multipart?storage_type=fal-cdn-v3" },
    { "GET", "/api/v1/models/pricing?endpoint_id=" SDXL },
    { "POST", "/api/v1/models/pricing/estimate" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    for (guint bearer = 0; bearer < 2; bearer++)
      {
        const char *body = g_str_equal (paths[i][0], "POST") ? "{\"content_type\": \"image/png\", \"file_name\": \"a.png\"}" : NULL;
        g_autoptr(FalTestResponse) response = token_call (ts, paths[i][0], paths[i][1], body, token, bearer);

        g_test_message ("%s %s by %s", paths[i][0], paths[i][1], bearer ? "Bearer" : "query");
        assert_401 (response, NULL);
      }

  /* With the key the same upload is fine. */
  {
    g_autoptr(FalTestResponse) keyed = fal_test_call (ts, "POST", paths[0][1],
                                                      "{\"content_type\": \"image/png\", \"file_name\": \"a.png\"}");
    g_assert_cmpuint (keyed->status, ==, 200);
  }
}

static void
test_redacted (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 2, 15000);
  g_autofree char *token = issue_token (ts, "{\"allowed_apps\": [\"fast-sdxl\"]}");
  g_autoptr(FalTestResponse) by_query = token_call (ts, "GET", "/queue/" SDXL "/requests/nope/status?logs=1", NULL, token, FALSE);
  g_autoptr(FalTestResponse) by_bearer = token_call (ts, "GET", "/queue/" SDXL "/requests/nope/status", NULL, token, TRUE);
  g_autoptr(FalTestResponse) proxied = NULL;
  g_autoptr(SoupMessage) proxy_msg = NULL;
  g_autofree char *target = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(JsonNode) log_node = json_node_new (JSON_NODE_ARRAY);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *text = NULL;
  gboolean seen_query = FALSE, seen_bearer = FALSE, seen_proxy = FALSE;

  g_assert_cmpuint (by_query->status, ==, 404);
  g_assert_cmpuint (by_bearer->status, ==, 404);

  /* The proxy form carries the query in x-fal-target-url. */
  target = g_strdup_printf ("https://queue.fal.run/" SDXL "/requests/nope/status?fal_jwt_token=%s", token);
  proxy_msg = token_message (ts, "GET", "/", NULL, NULL, FALSE);
  soup_message_headers_replace (soup_message_get_request_headers (proxy_msg), "x-fal-target-url", target);
  proxied = fal_test_send (ts, proxy_msg);
  g_assert_cmpuint (proxied->status, ==, 404);

  log = fal_test_request_log (ts);
  json_node_set_array (log_node, log);
  json_generator_set_root (generator, log_node);
  text = json_generator_to_data (generator, NULL);
  g_assert_null (strstr (text, token));

  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      const char *query = json_object_get_string_member (entry, "query");
      JsonObject *headers = json_object_get_object_member (entry, "headers");
      const char *target_header = json_object_get_string_member_with_default (headers, "x-fal-target-url", NULL);

      if (!g_str_has_suffix (json_object_get_string_member (entry, "path"), "/nope/status"))
        continue;
      if (target_header)
        {
          g_assert_nonnull (strstr (target_header, "fal_jwt_token=REDACTED"));
          seen_proxy = TRUE;
        }
      else if (strstr (query, "fal_jwt_token"))
        {
          g_assert_cmpstr (query, ==, "logs=1&fal_jwt_token=REDACTED");
          seen_query = TRUE;
        }
      else if (json_object_get_boolean_member (entry, "authorization"))
        seen_bearer = TRUE;
      g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 404);
    }
  g_assert_true (seen_query);
  g_assert_true (seen_bearer);
  g_assert_true (seen_proxy);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/auth/tokens/issue", test_issue);
  g_test_add_func ("/server/auth/tokens/run-and-stream", test_run_and_stream);
  g_test_add_func ("/server/auth/tokens/queue", test_queue);
  g_test_add_func ("/server/auth/tokens/expired", test_expired);
  g_test_add_func ("/server/auth/tokens/garbage", test_garbage);
  g_test_add_func ("/server/auth/tokens/key-only-routes", test_key_only_routes);
  g_test_add_func ("/server/auth/tokens/redacted", test_redacted);

  return g_test_run ();
}
