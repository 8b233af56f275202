/* SPDX-License-Identifier: GPL-3.0-or-later */
/* CORS on every route of the local fal server, through real HTTP: the
 * preflights a browser sends (as Chromium writes them), then the real
 * requests with an Origin, answered well or badly, plain, streamed, raw
 * or faulted. /__control/ stays closed to pages. */
#include "config.h"

#include <string.h>

#include "server-fixture.h"

#define SDXL "fal-ai/fast-sdxl"
#define SDXL_BODY "{\"prompt\": \"a lighthouse\", \"num_inference_steps\": 2, \"image_size\": \"square\", \"seed\": 7}"
#define ORIGIN "http://127.0.0.1:9"
/* Chromium lists them lower-case, sorted, without spaces. */
#define REQUEST_HEADERS "authorization,content-type,x-fal-queue-priority,x-fal-runner-hint,x-fal-store-io"
#define EXPOSED "x-fal-request-id, x-fal-error-type, x-fal-retryable, retry-after, etag, content-length, " \
                "x-fal-billable-units, x-fal-request-timeout-type"
#define INITIATE "/rest/storage/upload/initiate?storage_type=fal-cdn-v3"
#define INITIATE_MULTIPART "/rest/storage/upload/initiate-multipart?storage_type=fal-cdn-v3"
#define SCHEMA "/web/api/openapi/queue/openapi.json?endpoint_id=" SDXL

/* A request as a page's fetch() makes it: with Origin, the key only if given. */
static SoupMessage *
page_message (FalTestServer *ts,
              const char    *method,
              const char    *path_or_url,
              const char    *key,
              const char    *json_body)
{
  g_autofree char *url = fal_test_url (ts, path_or_url);
  SoupMessage *msg = soup_message_new (method, url);
  SoupMessageHeaders *headers;

  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Origin", ORIGIN);
  if (key)
    {
      g_autofree char *value = g_strconcat ("Key ", key, NULL);
      soup_message_headers_replace (headers, "Authorization", value);
    }
  if (json_body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (json_body, strlen (json_body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  return msg;
}

static FalTestResponse *
page_call (FalTestServer *ts,
           const char    *method,
           const char    *path_or_url,
           const char    *key,
           const char    *json_body)
{
  g_autoptr(SoupMessage) msg = page_message (ts, method, path_or_url, key, json_body);

  return fal_test_send (ts, msg);
}

static FalTestResponse *
preflight (FalTestServer *ts,
           const char    *method,
           const char    *path_or_url)
{
  g_autofree char *url = fal_test_url (ts, path_or_url);
  g_autoptr(SoupMessage) msg = soup_message_new ("OPTIONS", url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  /* No key: a browser never sends credentials on a preflight. */
  soup_message_headers_replace (headers, "Origin", ORIGIN);
  soup_message_headers_replace (headers, "Access-Control-Request-Method", method);
  soup_message_headers_replace (headers, "Access-Control-Request-Headers", REQUEST_HEADERS);
  soup_message_headers_replace (headers, "Accept", "*/*");
  soup_message_headers_replace (headers, "Sec-Fetch-Mode", "cors");
  return fal_test_send (ts, msg);
}

static gboolean
list_has (const char *list,
          const char *name)
{
  g_auto(GStrv) items = g_strsplit (list ? list : "", ",", -1);

  for (guint i = 0; items[i]; i++)
    if (g_ascii_strcasecmp (g_strstrip (items[i]), name) == 0)
      return TRUE;
  return FALSE;
}

static void
assert_cors (FalTestResponse *response,
             guint            status,
             const char      *what)
{
  if (response->status != status)
    g_error ("%s: expected %u, got %u", what, status, response->status);
  if (g_strcmp0 (fal_test_response_header (response, "Access-Control-Allow-Origin"), "*") != 0)
    g_error ("%s (%u): Access-Control-Allow-Origin is %s", what, status,
             fal_test_response_header (response, "Access-Control-Allow-Origin"));
  g_assert_cmpstr (fal_test_response_header (response, "Access-Control-Expose-Headers"), ==, EXPOSED);
}

static void
assert_preflight (FalTestServer *ts,
                  const char    *method,
                  const char    *path_or_url)
{
  g_autoptr(FalTestResponse) response = preflight (ts, method, path_or_url);
  g_autofree char *what = g_strdup_printf ("preflight %s %s", method, path_or_url);
  const char *allow_headers = fal_test_response_header (response, "Access-Control-Allow-Headers");
  static const char * const needed[] = {
    "authorization", "content-type", "accept", "x-fal-queue-priority", "x-fal-runner-hint",
    "x-fal-request-timeout", "x-fal-object-lifecycle-preference", "x-fal-object-lifecycle",
    "x-fal-target-url", "x-fal-no-retry", "x-fal-store-io",
  };
  g_auto(GStrv) asked = g_strsplit (REQUEST_HEADERS, ",", -1);

  assert_cors (response, 204, what);
  g_assert_cmpuint (g_bytes_get_size (response->body), ==, 0);
  g_assert_cmpstr (fal_test_response_header (response, "Access-Control-Allow-Methods"), ==,
                   "GET, POST, PUT, DELETE, OPTIONS");
  g_assert_true (list_has (fal_test_response_header (response, "Access-Control-Allow-Methods"), method));
  for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
    if (!list_has (allow_headers, needed[i]))
      g_error ("%s: %s missing from %s", what, needed[i], allow_headers);
  for (guint i = 0; asked[i]; i++)
    g_assert_true (list_has (allow_headers, asked[i]));
  g_assert_cmpint (atoi (fal_test_response_header (response, "Access-Control-Max-Age")), >=, 600);
}

static FalTestJob *
page_submit (FalTestServer *ts)
{
  g_autoptr(FalTestResponse) response = page_call (ts, "POST", "/queue/" SDXL, FAL_LOCAL_DEFAULT_KEY, SDXL_BODY);
  FalTestJob *job = fal_test_job_new (response);

  assert_cors (response, 200, "submit");
  g_assert_cmpstr (fal_test_response_header (response, "x-fal-request-id"), ==, job->request_id);
  return job;
}

typedef struct {
  char *upload_url;
  char *file_url;
} Upload;

static void
initiate (FalTestServer *ts,
          const char    *path,
          Upload        *upload)
{
  g_autoptr(FalTestResponse) response = page_call (ts, "POST", path, FAL_LOCAL_DEFAULT_KEY,
                                                   "{\"content_type\": \"text/plain\", \"file_name\": \"hello.txt\"}");

  assert_cors (response, 200, path);
  upload->upload_url = g_strdup (fal_test_response_string (response, "upload_url"));
  upload->file_url = g_strdup (fal_test_response_string (response, "file_url"));
}

/* The upload URL with /suffix put before its query, as the JS client does. */
static char *
upload_url_with (const char *upload_url,
                 const char *suffix)
{
  const char *query = strchr (upload_url, '?');
  g_autofree char *base = g_strndup (upload_url, query ? (gsize) (query - upload_url) : strlen (upload_url));

  return g_strconcat (base, suffix, query ? query : "", NULL);
}

/* ------------------------------------------------------------------ preflights */

static void
test_preflight_every_route (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50, 2, 15000);
  g_autoptr(FalTestJob) job = page_submit (ts);
  g_autofree char *stream_url = g_strconcat (job->status_url, "/stream?logs=1", NULL);
  Upload single = { 0 }, multi = { 0 };
  g_autofree char *part_url = NULL;
  g_autofree char *complete_url = NULL;
  g_autoptr(JsonArray) log = NULL;
  guint n_options = 0;

  initiate (ts, INITIATE, &single);
  initiate (ts, INITIATE_MULTIPART, &multi);
  part_url = upload_url_with (multi.upload_url, "/1");
  complete_url = upload_url_with (multi.upload_url, "/complete");
  fal_test_clear_request_log (ts);

  assert_preflight (ts, "POST", "/queue/" SDXL);
  assert_preflight (ts, "POST", "/queue/fal-ai/flux/schnell");
  assert_preflight (ts, "GET", job->status_url);
  assert_preflight (ts, "GET", stream_url);
  assert_preflight (ts, "GET", job->response_url);
  assert_preflight (ts, "PUT", job->cancel_url);
  assert_preflight (ts, "POST", "/run/" SDXL);
  assert_preflight (ts, "POST", "/run/" SDXL "/stream");
  assert_preflight (ts, "POST", INITIATE);
  assert_preflight (ts, "POST", INITIATE_MULTIPART);
  assert_preflight (ts, "POST", "/rest/tokens/");
  assert_preflight (ts, "GET", "/rest/.well-known/jwks.json");
  assert_preflight (ts, "PUT", single.upload_url);
  assert_preflight (ts, "PUT", part_url);
  assert_preflight (ts, "POST", complete_url);
  assert_preflight (ts, "GET", single.file_url);
  assert_preflight (ts, "GET", SCHEMA);
  assert_preflight (ts, "GET", "/api/v1/models");
  assert_preflight (ts, "GET", "/api/v1/models/pricing?endpoint_id=" SDXL);
  assert_preflight (ts, "POST", "/api/v1/models/pricing/estimate");
  assert_preflight (ts, "DELETE", "/queue/" SDXL);
  /* The proxy form: the page calls one URL; x-fal-target-url is only
   * named in the preflight, never sent with it. */
  assert_preflight (ts, "POST", "/api/fal/proxy");
  assert_preflight (ts, "GET", "/");

  /* Preflights are logged like any request, with their 204. */
  log = fal_test_request_log (ts);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_strcmp0 (fal_test_object_string (entry, "method"), "OPTIONS") == 0)
        {
          n_options++;
          g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 204);
        }
    }
  g_assert_cmpuint (n_options, ==, 23);

  /* The upload is still waiting for its bytes: a preflight is not a PUT. */
  {
    g_autoptr(FalTestResponse) none = page_call (ts, "GET", single.file_url, NULL, NULL);
    assert_cors (none, 404, "file before its PUT");
  }

  g_free (single.upload_url);
  g_free (single.file_url);
  g_free (multi.upload_url);
  g_free (multi.file_url);
}

/* Something asked for beyond fal's headers is allowed too; anything that
 * is not a header name is left out rather than written back. */
static void
test_preflight_echo (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50, 2, 15000);
  g_autofree char *url = fal_test_url (ts, "/run/" SDXL);
  g_autoptr(SoupMessage) msg = soup_message_new ("OPTIONS", url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
  g_autoptr(FalTestResponse) response = NULL;
  g_autoptr(SoupMessage) plain = soup_message_new ("OPTIONS", url);
  g_autoptr(FalTestResponse) not_preflight = NULL;
  const char *allowed;

  soup_message_headers_replace (headers, "Origin", "https://studio.example");
  soup_message_headers_replace (headers, "Access-Control-Request-Method", "POST");
  soup_message_headers_replace (headers, "Access-Control-Request-Headers", "X-Trace-Id, x-fal-fault, b@d");
  soup_message_headers_replace (headers, "Access-Control-Request-Private-Network", "true");
  response = fal_test_send (ts, msg);
  assert_cors (response, 204, "preflight with extra headers");
  allowed = fal_test_response_header (response, "Access-Control-Allow-Headers");
  g_assert_true (list_has (allowed, "x-trace-id"));
  g_assert_true (list_has (allowed, "x-fal-fault"));
  g_assert_null (strchr (allowed, '@'));
  g_assert_cmpstr (fal_test_response_header (response, "Access-Control-Allow-Private-Network"), ==, "true");

  /* An OPTIONS that is no preflight (no Origin) is routed as ever:
   * without a key, refused. */
  not_preflight = fal_test_send (ts, plain);
  g_assert_cmpuint (not_preflight->status, ==, 401);
}

/* A fault rule is for the real call: the preflight passes it by and
 * leaves it for that call, whose faulted answer is still readable. */
static void
test_preflight_and_faults (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50, 2, 15000);
  g_autoptr(FalTestResponse) faulted = NULL;
  g_autoptr(FalTestResponse) after = NULL;
  g_autoptr(SoupMessage) header_fault = NULL;
  g_autoptr(FalTestResponse) header_faulted = NULL;

  fal_test_add_fault (ts, NULL, "^/run/fal-ai/fast-sdxl$", 1, "status=503; retry-after=2; request-id");
  assert_preflight (ts, "POST", "/run/" SDXL);
  faulted = page_call (ts, "POST", "/run/" SDXL, FAL_LOCAL_DEFAULT_KEY, SDXL_BODY);
  assert_cors (faulted, 503, "fault rule");
  g_assert_cmpstr (fal_test_response_header (faulted, "Retry-After"), ==, "2");
  g_assert_nonnull (fal_test_response_header (faulted, "x-fal-request-id"));
  after = page_call (ts, "POST", "/run/" SDXL, FAL_LOCAL_DEFAULT_KEY, SDXL_BODY);
  assert_cors (after, 200, "run after the fault");

  header_fault = page_message (ts, "POST", "/run/" SDXL, FAL_LOCAL_DEFAULT_KEY, SDXL_BODY);
  soup_message_headers_replace (soup_message_get_request_headers (header_fault), "x-fal-fault",
                                "status=429; error-type=rate_limited");
  header_faulted = fal_test_send (ts, header_fault);
  assert_cors (header_faulted, 429, "x-fal-fault");
  g_assert_cmpstr (fal_test_response_header (header_faulted, "X-Fal-Error-Type"), ==, "rate_limited");
}

/* ------------------------------------------------------------------ answers */

static void
test_answers (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50, 2, 15000);
  g_autoptr(FalTestJob) job = page_submit (ts);
  g_autoptr(JsonObject) done = fal_test_wait_status (ts, job->status_url, "COMPLETED", 30000);
  Upload single = { 0 }, multi = { 0 };
  g_autofree char *part_url = NULL;
  g_autofree char *complete_url = NULL;
  g_autoptr(GBytes) hello = g_bytes_new_static ("hello, browser", 14);
  g_autofree char *etag = NULL;
  const char *stored_url;

  struct {
    const char *method;
    const char *path;
    const char *key;
    const char *body;
    guint status;
  } calls[] = {
    { "GET", job->status_url, FAL_LOCAL_DEFAULT_KEY, NULL, 200 },
    { "GET", job->response_url, FAL_LOCAL_DEFAULT_KEY, NULL, 200 },
    { "PUT", job->cancel_url, FAL_LOCAL_DEFAULT_KEY, NULL, 400 },
    { "POST", "/run/" SDXL, FAL_LOCAL_DEFAULT_KEY, SDXL_BODY, 200 },
    { "POST", "/rest/tokens/", FAL_LOCAL_DEFAULT_KEY, "{\"allowed_apps\":[\"fast-sdxl\"]}", 201 },
    { "GET", SCHEMA, NULL, NULL, 200 },
    { "GET", "/api/v1/models?limit=2", FAL_LOCAL_DEFAULT_KEY, NULL, 200 },
    { "GET", "/rest/.well-known/jwks.json", NULL, NULL, 200 },
    { "GET", "/", NULL, NULL, 200 },
    /* Errors are readable too: a page shows fal's detail. */
    { "POST", "/queue/" SDXL, "local:wrong", SDXL_BODY, 401 },
    { "POST", "/queue/" SDXL, NULL, SDXL_BODY, 401 },
    { "GET", "/api/v1/models", "local:wrong", NULL, 401 },
    { "POST", INITIATE, "local:wrong", "{}", 401 },
    { "GET", "/nowhere", NULL, NULL, 404 },
    { "POST", "/queue/fal-ai/no-such-model", FAL_LOCAL_DEFAULT_KEY, SDXL_BODY, 404 },
    { "GET", "/web/api/openapi/queue/openapi.json?endpoint_id=fal-ai/none", NULL, NULL, 404 },
    { "GET", "/cdn/files/no-such-file/x.png", NULL, NULL, 404 },
    { "POST", "/run/" SDXL, FAL_LOCAL_DEFAULT_KEY, "{\"prompt\": ", 422 },
    { "POST", "/run/" SDXL, FAL_LOCAL_DEFAULT_KEY, "{\"num_inference_steps\": \"many\"}", 422 },
    { "GET", "/api/v1/models?limit=-4", FAL_LOCAL_DEFAULT_KEY, NULL, 422 },
    { "DELETE", SCHEMA, NULL, NULL, 405 },
    { "GET", "/rest/tokens/", FAL_LOCAL_DEFAULT_KEY, NULL, 405 },
    { "POST", "/rest/.well-known/jwks.json", NULL, "{}", 405 },
    { "POST", "/cdn/upload/nope", NULL, "{}", 405 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (calls); i++)
    {
      g_autoptr(FalTestResponse) response = page_call (ts, calls[i].method, calls[i].path, calls[i].key, calls[i].body);
      g_autofree char *what = g_strdup_printf ("%s %s", calls[i].method, calls[i].path);

      assert_cors (response, calls[i].status, what);
    }

  /* A 304 for a schema the page has cached. */
  {
    g_autoptr(FalTestResponse) first = page_call (ts, "GET", SCHEMA, NULL, NULL);
    g_autoptr(SoupMessage) again = page_message (ts, "GET", SCHEMA, NULL, NULL);
    g_autoptr(FalTestResponse) cached = NULL;

    etag = g_strdup (fal_test_response_header (first, "ETag"));
    g_assert_nonnull (etag);
    soup_message_headers_replace (soup_message_get_request_headers (again), "If-None-Match", etag);
    cached = fal_test_send (ts, again);
    assert_cors (cached, 304, "schema If-None-Match");
  }

  /* An upload: initiate, PUT with no key, GET the file. */
  initiate (ts, INITIATE, &single);
  {
    g_autoptr(SoupMessage) put = page_message (ts, "PUT", single.upload_url, NULL, NULL);
    g_autoptr(FalTestResponse) stored = NULL;
    g_autoptr(FalTestResponse) back = NULL;
    g_autoptr(FalTestResponse) head = NULL;

    fal_test_message_set_bytes (put, "text/plain", hello);
    stored = fal_test_send (ts, put);
    assert_cors (stored, 200, "upload PUT");
    back = page_call (ts, "GET", single.file_url, NULL, NULL);
    assert_cors (back, 200, "file GET");
    g_assert_true (g_bytes_equal (back->body, hello));
    head = page_call (ts, "HEAD", single.file_url, NULL, NULL);
    assert_cors (head, 200, "file HEAD");
  }

  /* A multipart upload: a part (ETag readable), then complete. */
  initiate (ts, INITIATE_MULTIPART, &multi);
  part_url = upload_url_with (multi.upload_url, "/1");
  complete_url = upload_url_with (multi.upload_url, "/complete");
  {
    g_autoptr(SoupMessage) put = page_message (ts, "PUT", part_url, NULL, NULL);
    g_autoptr(FalTestResponse) part = NULL;
    g_autoptr(FalTestResponse) complete = NULL;
    g_autoptr(FalTestResponse) back = NULL;
    g_autofree char *body = NULL;

    fal_test_message_set_bytes (put, "application/octet-stream", hello);
    part = fal_test_send (ts, put);
    assert_cors (part, 200, "multipart PUT");
    g_assert_nonnull (fal_test_response_header (part, "ETag"));
    body = g_strdup_printf ("{\"parts\": [{\"partNumber\": 1, \"etag\": \"%s\"}]}",
                            fal_test_response_string (part, "etag"));
    complete = page_call (ts, "POST", complete_url, NULL, body);
    assert_cors (complete, 200, "multipart complete");
    stored_url = fal_test_response_string (complete, "file_url");
    back = page_call (ts, "GET", stored_url, NULL, NULL);
    assert_cors (back, 200, "multipart file GET");
    g_assert_true (g_bytes_equal (back->body, hello));
  }

  g_free (single.upload_url);
  g_free (single.file_url);
  g_free (multi.upload_url);
  g_free (multi.file_url);
}

/* The proxy form: CORS follows the route the target names. */
static void
test_proxy_form (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50, 2, 15000);
  g_autoptr(SoupMessage) msg = page_message (ts, "POST", "/api/fal/proxy", FAL_LOCAL_DEFAULT_KEY, SDXL_BODY);
  g_autoptr(SoupMessage) bad = page_message (ts, "POST", "/api/fal/proxy", FAL_LOCAL_DEFAULT_KEY, SDXL_BODY);
  g_autoptr(FalTestResponse) response = NULL;
  g_autoptr(FalTestResponse) refused = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-target-url",
                                "https://queue.fal.run/" SDXL);
  response = fal_test_send (ts, msg);
  assert_cors (response, 200, "proxy submit");
  g_assert_nonnull (fal_test_response_header (response, "x-fal-request-id"));

  soup_message_headers_replace (soup_message_get_request_headers (bad), "x-fal-target-url",
                                "https://example.com/steal");
  refused = fal_test_send (ts, bad);
  assert_cors (refused, 400, "proxy to a foreign host");
}

/* ------------------------------------------------------------------ streams */

static void
assert_stream_cors (FalTestServer *ts,
                    SoupMessage   *msg,
                    const char    *what)
{
  g_autoptr(FalTestSse) sse = NULL;
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "text/event-stream");
  sse = fal_test_sse_open (ts, msg);
  g_assert_no_error (sse->error);
  g_assert_cmpuint (sse->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (headers, NULL), ==, "text/event-stream");
  if (g_strcmp0 (soup_message_headers_get_one (headers, "Access-Control-Allow-Origin"), "*") != 0)
    g_error ("%s: no Access-Control-Allow-Origin on the stream", what);
  g_assert_cmpstr (soup_message_headers_get_one (headers, "Access-Control-Expose-Headers"), ==, EXPOSED);
  g_assert_nonnull (soup_message_headers_get_one (headers, "x-fal-request-id"));
  g_assert_true (fal_test_sse_wait_end (sse, 30000));
  g_assert_cmpuint (sse->events->len, >=, 1);
}

static void
test_streams (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50, 2, 15000);
  g_autoptr(FalTestJob) job = page_submit (ts);
  g_autofree char *stream_url = g_strconcat (job->status_url, "/stream?logs=1", NULL);
  g_autoptr(SoupMessage) status = page_message (ts, "GET", stream_url, FAL_LOCAL_DEFAULT_KEY, NULL);
  g_autoptr(SoupMessage) run = page_message (ts, "POST", "/run/" SDXL "/stream", FAL_LOCAL_DEFAULT_KEY, SDXL_BODY);

  assert_stream_cors (ts, status, "status stream");
  assert_stream_cors (ts, run, "/stream");
}

/* Answers written by hand on the stolen connection (a body cut short by
 * a fault) carry the same headers. */
static void
test_raw_answers (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50, 2, 15000);
  g_autofree char *truncated = fal_test_raw_request (ts, "GET", SCHEMA,
                                                     "Origin: " ORIGIN "\r\nx-fal-fault: truncate=20\r\n",
                                                     NULL, 10000);
  g_autofree char *dropped = fal_test_raw_request (ts, "POST", "/run/" SDXL "/stream",
                                                   "Origin: " ORIGIN "\r\nContent-Type: application/json\r\n"
                                                   "x-fal-fault: drop-after-events=1\r\n",
                                                   SDXL_BODY, 20000);

  for (guint i = 0; i < 2; i++)
    {
      const char *answer = i == 0 ? truncated : dropped;
      g_autofree char *lower = g_ascii_strdown (answer, -1);
      g_autofree char *head = NULL;
      const char *end = strstr (lower, "\r\n\r\n");

      g_assert_nonnull (end);
      head = g_strndup (lower, end - lower);
      g_assert_true (g_str_has_prefix (head, "http/1.1 200"));
      g_assert_nonnull (strstr (head, "\r\naccess-control-allow-origin: *\r\n"));
      g_assert_nonnull (strstr (head, "\r\naccess-control-expose-headers: " EXPOSED "\r\n"));
    }
}

/* ------------------------------------------------------------------ control */

static void
assert_no_cors (FalTestResponse *response,
                const char      *what)
{
  if (fal_test_response_header (response, "Access-Control-Allow-Origin") != NULL)
    g_error ("%s: /__control/ answered with Access-Control-Allow-Origin", what);
  g_assert_null (fal_test_response_header (response, "Access-Control-Allow-Methods"));
  g_assert_null (fal_test_response_header (response, "Access-Control-Allow-Headers"));
  g_assert_null (fal_test_response_header (response, "Access-Control-Expose-Headers"));
}

static void
test_control_closed (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50, 2, 15000);
  static const char * const paths[] = { "/__control/faults", "/__control/requests", "/__control/nothing" };
  static const char * const methods[] = { "POST", "DELETE", "GET" };
  g_autoptr(FalTestResponse) faults = NULL;
  g_autoptr(FalTestResponse) log = NULL;
  g_autoptr(SoupMessage) proxied = NULL;
  g_autoptr(FalTestResponse) proxied_log = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    for (guint j = 0; j < G_N_ELEMENTS (methods); j++)
      {
        g_autoptr(FalTestResponse) response = preflight (ts, methods[j], paths[i]);
        g_autofree char *what = g_strdup_printf ("preflight %s %s", methods[j], paths[i]);

        g_assert_cmpuint (response->status, !=, 204);
        g_assert_cmpuint (response->status, >=, 400);
        assert_no_cors (response, what);
      }

  /* A preflight asking for the control header is not allowed either. */
  {
    g_autofree char *url = fal_test_url (ts, "/__control/faults");
    g_autoptr(SoupMessage) msg = soup_message_new ("OPTIONS", url);
    SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
    g_autoptr(FalTestResponse) response = NULL;

    soup_message_headers_replace (headers, "Origin", ORIGIN);
    soup_message_headers_replace (headers, "Access-Control-Request-Method", "POST");
    soup_message_headers_replace (headers, "Access-Control-Request-Headers", "content-type, x-fal-local-control");
    response = fal_test_send (ts, msg);
    g_assert_cmpuint (response->status, >=, 400);
    assert_no_cors (response, "preflight with x-fal-local-control");
  }

  /* What a page may send without a preflight (no custom header, a
   * text/plain body) is refused: it used to be answered (and a POST of
   * a fault rule as text/plain obeyed). */
  faults = page_call (ts, "GET", "/__control/faults", NULL, NULL);
  g_assert_cmpuint (faults->status, ==, 403);
  assert_no_cors (faults, "GET /__control/faults");
  log = page_call (ts, "GET", "/__control/requests", NULL, NULL);
  g_assert_cmpuint (log->status, ==, 403);
  assert_no_cors (log, "GET /__control/requests");
  {
    g_autoptr(SoupMessage) msg = page_message (ts, "POST", "/__control/faults", NULL, NULL);
    g_autoptr(GBytes) rule = g_bytes_new_static ("{\"fault\": \"status=500\"}", 23);
    g_autoptr(FalTestResponse) response = NULL;
    g_autoptr(FalTestResponse) listed = NULL;

    soup_message_set_request_body_from_bytes (msg, "text/plain", rule);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
    response = fal_test_send (ts, msg);
    g_assert_cmpuint (response->status, ==, 403);
    listed = fal_test_call (ts, "GET", "/__control/faults", NULL);
    g_assert_cmpuint (listed->status, ==, 200);
    g_assert_cmpuint (json_array_get_length (json_node_get_array (listed->json)), ==, 0);
  }

  /* Nor through the proxy form. */
  proxied = page_message (ts, "GET", "/api/fal/proxy", NULL, NULL);
  soup_message_headers_replace (soup_message_get_request_headers (proxied), "x-fal-target-url",
                                "http://localhost/__control/requests");
  proxied_log = fal_test_send (ts, proxied);
  g_assert_cmpuint (proxied_log->status, ==, 403);
  assert_no_cors (proxied_log, "proxied /__control/requests");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/cors/preflight/every-route", test_preflight_every_route);
  g_test_add_func ("/server/cors/preflight/echo", test_preflight_echo);
  g_test_add_func ("/server/cors/preflight/faults", test_preflight_and_faults);
  g_test_add_func ("/server/cors/answers", test_answers);
  g_test_add_func ("/server/cors/proxy-form", test_proxy_form);
  g_test_add_func ("/server/cors/streams", test_streams);
  g_test_add_func ("/server/cors/raw-answers", test_raw_answers);
  g_test_add_func ("/server/cors/control-closed", test_control_closed);

  return g_test_run ();
}
