/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A real browser against the local fal server: headless Chromium loads a
 * page from a second server (another origin) that runs the official
 * @fal-ai/client against the local server — preflights, key in
 * Authorization, status streams read with fetch, uploads, file bytes,
 * schemas, the Platform API, a bad key, the proxy form, temporary tokens
 * (the client's "client" connection mode; a token from the page's backend,
 * which is this test) and a webhook — and reports every flow's outcome
 * back to this test as JSON. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "server-fixture.h"

/* Chromium starts in about a second; the flows take a few more. */
#define REPORT_TIMEOUT_MS 90000
#define SDXL "fal-ai/fast-sdxl"
#define SPEED 20.0
/* The webhook comes once the job ends, maybe after the report. */
#define WEBHOOK_TIMEOUT_MS 15000

typedef struct {
  char *pages_dir;             /* tests/browser */
  char *modules_dir;           /* node_modules of the installed kit */
  JsonNode *report;
  gboolean chromium_exited;
  FalTestServer *ts;           /* the page's "backend" holds its key */
  GPtrArray *tokens;           /* every token the backend handed out */
  guint n_webhooks;
  JsonNode *webhook;           /* the last webhook's body */
  char *webhook_request_id;    /* its X-Fal-Webhook-Request-Id */
} Page;

typedef struct {
  Page *page;
  SoupServerMessage *reply;
  SoupMessage *issue;
} TokenRequest;

static void
serve_file (SoupServerMessage *msg,
            const char        *dir,
            const char        *relative)
{
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  const char *type = "text/plain";

  /* Only below dir: no way up, nothing hidden. */
  if (strstr (relative, "..") || strstr (relative, "/.") || *relative == '.')
    {
      soup_server_message_set_status (msg, 403, NULL);
      return;
    }
  path = g_build_filename (dir, relative, NULL);
  if (!g_file_get_contents (path, &contents, &length, NULL))
    {
      soup_server_message_set_status (msg, 404, NULL);
      return;
    }
  if (g_str_has_suffix (relative, ".html"))
    type = "text/html; charset=utf-8";
  else if (g_str_has_suffix (relative, ".js") || g_str_has_suffix (relative, ".cjs"))
    type = "text/javascript; charset=utf-8";
  else if (g_str_has_suffix (relative, ".json"))
    type = "application/json";
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_TAKE, g_steal_pointer (&contents), length);
}

static void
token_issued_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  TokenRequest *request = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  guint status = soup_message_get_status (request->issue);

  if (body == NULL)
    {
      g_autofree char *text = g_strdup_printf ("\"token request failed: %s\"", error->message);

      soup_server_message_set_status (request->reply, 502, NULL);
      soup_server_message_set_response (request->reply, "application/json", SOUP_MEMORY_COPY, text, strlen (text));
    }
  else
    {
      g_autoptr(JsonNode) token = fal_test_parse_json (g_bytes_get_data (body, NULL), g_bytes_get_size (body));

      if (status == 201 && token && JSON_NODE_HOLDS_VALUE (token) && json_node_get_value_type (token) == G_TYPE_STRING)
        g_ptr_array_add (request->page->tokens, g_strdup (json_node_get_string (token)));
      /* The fal answer as it is: a JSON string, or the error. */
      soup_server_message_set_status (request->reply, status, NULL);
      soup_server_message_set_response (request->reply, "application/json", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    }
  soup_server_message_unpause (request->reply);
  g_object_unref (request->reply);
  g_object_unref (request->issue);
  g_free (request);
}

/* GET /token?app=ID&expiration=S: what a web app's backend does for its
 * page, POST /rest/tokens/ with the key, answered without blocking. */
static void
issue_token (Page              *page,
             SoupServerMessage *msg,
             GHashTable        *query)
{
  const char *app = query ? g_hash_table_lookup (query, "app") : NULL;
  const char *expiration = query ? g_hash_table_lookup (query, "expiration") : NULL;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  TokenRequest *request;

  if (app == NULL || expiration == NULL)
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "allowed_apps");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, app);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "token_expiration");
  json_builder_add_int_value (builder, g_ascii_strtoll (expiration, NULL, 10));
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  request = g_new0 (TokenRequest, 1);
  request->page = page;
  request->reply = g_object_ref (msg);
  request->issue = fal_test_message (page->ts, "POST", "/rest/tokens/", body);
  soup_server_message_pause (msg);
  soup_session_send_and_read_async (page->ts->session, request->issue, G_PRIORITY_DEFAULT, NULL,
                                    token_issued_cb, request);
}

static void
page_handler (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  Page *page = user_data;

  if (g_str_equal (path, "/report") && g_str_equal (soup_server_message_get_method (msg), "POST"))
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);

      g_clear_pointer (&page->report, json_node_unref);
      page->report = fal_test_parse_json (body->data, body->length);
      if (page->report == NULL)
        page->report = json_node_init_string (json_node_alloc (), body->length ? body->data : "(empty)");
      soup_server_message_set_status (msg, 204, NULL);
    }
  else if (g_str_equal (path, "/webhook") && g_str_equal (soup_server_message_get_method (msg), "POST"))
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);

      page->n_webhooks++;
      g_clear_pointer (&page->webhook, json_node_unref);
      page->webhook = fal_test_parse_json (body->data, body->length);
      g_free (page->webhook_request_id);
      page->webhook_request_id = g_strdup (soup_message_headers_get_one (headers, "X-Fal-Webhook-Request-Id"));
      soup_server_message_set_status (msg, 200, NULL);
    }
  else if (g_str_equal (path, "/token") && g_str_equal (soup_server_message_get_method (msg), "GET"))
    issue_token (page, msg, query);
  else if (g_str_equal (path, "/"))
    serve_file (msg, page->pages_dir, "page.html");
  else if (g_str_equal (path, "/page.js") || g_str_equal (path, "/commonjs.js"))
    serve_file (msg, page->pages_dir, path + 1);
  else if (g_str_has_prefix (path, "/node_modules/"))
    serve_file (msg, page->modules_dir, path + strlen ("/node_modules/"));
  else
    soup_server_message_set_status (msg, 404, NULL);
}

/* The kit's pinned @fal-ai/client, installed as tests/run-conformance.sh
 * does: npm ci from npm's cache into a directory of our own. */
static char *
install_client (const char *work)
{
  const char *kit = g_getenv ("FALSTAFF_CONFORMANCE_DIR");
  const char *npm_argv[] = { "timeout", "120", "npm", "ci", "--no-audit", "--no-fund", "--prefer-offline", NULL };
  g_autofree char *output = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  if (kit == NULL || !g_file_test (kit, G_FILE_TEST_IS_DIR))
    {
      g_test_fail_printf ("the conformance kit (@fal-ai/client pinned) is not at '%s'", kit ? kit : "(unset)");
      return NULL;
    }
  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "package.json" : "package-lock.json";
      g_autofree char *from = g_build_filename (kit, name, NULL);
      g_autofree char *to = g_build_filename (work, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;

      if (!g_file_get_contents (from, &contents, &length, &error) ||
          !g_file_set_contents (to, contents, length, &error))
        {
          g_test_fail_printf ("cannot copy the kit's %s: %s", name, error->message);
          return NULL;
        }
    }
  if (g_find_program_in_path ("npm") == NULL)
    {
      g_test_fail_printf ("npm is not installed: the page needs the official @fal-ai/client");
      return NULL;
    }
  if (!g_spawn_sync (work, (char **) npm_argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &output, NULL, &status, &error) ||
      !g_spawn_check_wait_status (status, &error))
    {
      g_test_fail_printf ("npm ci of @fal-ai/client failed: %s\n%s", error->message, output ? output : "");
      return NULL;
    }
  return g_build_filename (work, "node_modules", NULL);
}

static void
own_process_group (gpointer data)
{
  setpgid (0, 0);
}

static void
chromium_exited_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  Page *page = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  page->chromium_exited = TRUE;
}

static gboolean
report_or_exit (gpointer data)
{
  Page *page = data;

  return page->report != NULL || page->chromium_exited;
}

static JsonObject *
flow (JsonObject *report,
      const char *name)
{
  JsonNode *node = json_object_get_member (report, name);
  JsonObject *object;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    g_error ("the page reported nothing for the flow '%s'", name);
  object = json_node_get_object (node);
  if (!json_object_get_boolean_member_with_default (object, "ok", FALSE))
    {
      g_autofree char *text = fal_test_object_string (object, "error")
                              ? g_strdup (fal_test_object_string (object, "error")) : g_strdup ("?");
      g_error ("flow '%s' failed in the browser: %s", name, text);
    }
  return object;
}

static gint64
member_int (JsonObject *object,
            const char *name)
{
  return json_object_get_int_member_with_default (object, name, -1);
}

static void
check_report (FalTestServer *ts,
              JsonObject    *report,
              const char    *page_origin)
{
  JsonObject *queue = flow (report, "queue");
  JsonObject *submit = flow (report, "fetchSubmit");
  JsonObject *run_stream = flow (report, "runStream");
  JsonObject *run = flow (report, "run");
  JsonObject *upload = flow (report, "upload");
  JsonObject *schema = flow (report, "schema");
  JsonObject *models = flow (report, "models");
  JsonObject *bad_key = flow (report, "badKey");
  JsonObject *proxy = flow (report, "proxy");
  JsonArray *streamed = json_object_get_array_member (queue, "streamed");
  g_autoptr(JsonArray) log = NULL;
  g_autofree char *file_prefix = g_strconcat (ts->url, "/cdn/files/", NULL);
  guint n_preflights = 0, n_from_page = 0;
  gboolean submit_preflighted = FALSE, put_preflighted = FALSE, proxy_preflighted = FALSE;

  g_assert_cmpstr (fal_test_object_string (report, "origin"), ==, page_origin);
  g_assert_cmpstr (fal_test_object_string (report, "origin"), !=, ts->url);
  g_test_message ("browser: %s", fal_test_object_string (report, "userAgent"));

  /* Queue: the result's requestId is read from x-fal-request-id. */
  g_assert_nonnull (fal_test_object_string (queue, "requestId"));
  g_assert_cmpstr (fal_test_object_string (queue, "resultRequestId"), ==, fal_test_object_string (queue, "requestId"));
  g_assert_true (g_strv_contains ((const char *[]) { "IN_QUEUE", "IN_PROGRESS", "COMPLETED", NULL },
                                  fal_test_object_string (queue, "firstStatus")));
  g_assert_nonnull (streamed);
  g_assert_cmpuint (json_array_get_length (streamed), >=, 1);
  g_assert_cmpstr (fal_test_object_string (queue, "doneStatus"), ==, "COMPLETED");
  g_assert_cmpint (member_int (queue, "imageStatus"), ==, 200);
  g_assert_true (g_str_has_prefix (fal_test_object_string (queue, "imageType"), "image/"));
  g_assert_cmpint (member_int (queue, "imageBytes"), >, 100);
  /* content-length is exposed. */
  g_assert_cmpint (g_ascii_strtoll (fal_test_object_string (queue, "imageLength"), NULL, 10), ==,
                   member_int (queue, "imageBytes"));

  g_assert_cmpint (member_int (submit, "status"), ==, 200);
  g_assert_nonnull (fal_test_object_string (submit, "headerRequestId"));
  g_assert_cmpstr (fal_test_object_string (submit, "headerRequestId"), ==, fal_test_object_string (submit, "bodyRequestId"));

  g_assert_cmpint (member_int (run_stream, "events"), >=, 1);
  g_assert_cmpint (member_int (run_stream, "images"), >=, 1);
  g_assert_nonnull (fal_test_object_string (run, "requestId"));
  g_assert_cmpint (member_int (run, "images"), >=, 1);

  g_assert_true (g_str_has_prefix (fal_test_object_string (upload, "url"), file_prefix));
  g_assert_cmpint (member_int (upload, "status"), ==, 200);
  g_assert_true (json_object_get_boolean_member (upload, "same"));
  g_assert_true (g_str_has_prefix (fal_test_object_string (upload, "type"), "text/plain"));

  g_assert_cmpint (member_int (schema, "status"), ==, 200);
  g_assert_nonnull (fal_test_object_string (schema, "etag"));     /* exposed */
  g_assert_true (g_str_has_prefix (fal_test_object_string (schema, "openapi"), "3."));
  g_assert_cmpint (member_int (schema, "revalidated"), ==, 304);

  g_assert_cmpint (member_int (models, "status"), ==, 200);
  g_assert_cmpint (member_int (models, "count"), ==, 3);

  g_assert_true (json_object_get_boolean_member (bad_key, "isApiError"));
  g_assert_cmpint (member_int (bad_key, "clientStatus"), ==, 401);
  g_assert_cmpstr (fal_test_object_string (bad_key, "clientDetail"), ==, "No user found for Key ID and Secret");
  g_assert_cmpint (member_int (bad_key, "fetchStatus"), ==, 401);
  g_assert_cmpstr (fal_test_object_string (bad_key, "fetchDetail"), ==, "No user found for Key ID and Secret");

  g_assert_nonnull (fal_test_object_string (proxy, "requestId"));
  g_assert_cmpint (member_int (proxy, "images"), >=, 1);

  /* The server saw the browser: preflights first (no key), then the
   * calls, all from the page's origin. */
  log = fal_test_request_log (ts);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      JsonObject *headers = json_object_get_object_member (entry, "headers");
      const char *path = fal_test_object_string (entry, "path");

      if (g_strcmp0 (fal_test_object_string (headers, "origin"), page_origin) == 0)
        n_from_page++;
      if (g_strcmp0 (fal_test_object_string (entry, "method"), "OPTIONS") != 0)
        continue;
      n_preflights++;
      g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 204);
      g_assert_false (json_object_get_boolean_member (entry, "authorization"));
      if (g_str_equal (path, "/queue/" SDXL))
        submit_preflighted = TRUE;
      else if (g_str_has_prefix (path, "/cdn/upload/"))
        put_preflighted = TRUE;
      else if (g_str_equal (path, "/api/fal/proxy"))
        proxy_preflighted = TRUE;
    }
  g_test_message ("%u requests from the page's origin, %u preflights", n_from_page, n_preflights);
  g_assert_true (submit_preflighted);
  g_assert_true (put_preflighted);
  g_assert_true (proxy_preflighted);
  g_assert_cmpuint (n_from_page, >=, 15);
}

static gboolean
webhook_came (gpointer data)
{
  Page *page = data;

  return page->n_webhooks > 0;
}

static gboolean
has_query_token (JsonObject *entry)
{
  const char *query = fal_test_object_string (entry, "query");

  return query && strstr (query, "fal_jwt_token=REDACTED") != NULL;
}

/* Temporary tokens and the webhook, in the page and in the server's log. */
static void
check_tokens (FalTestServer *ts,
              Page          *page,
              JsonObject    *report,
              const char    *page_origin)
{
  JsonObject *client_stream = flow (report, "clientStream");
  JsonObject *backend = flow (report, "backendToken");
  JsonObject *refused = flow (report, "tokenRefused");
  JsonObject *webhook = flow (report, "webhook");
  JsonArray *streamed = json_object_get_array_member (backend, "streamed");
  const char *backend_id = fal_test_object_string (backend, "requestId");
  const char *webhook_id = fal_test_object_string (webhook, "requestId");
  g_autofree char *status_stream_path = g_strdup_printf ("/queue/" SDXL "/requests/%s/status/stream", backend_id);
  g_autofree char *result_path = g_strdup_printf ("/queue/" SDXL "/requests/%s", backend_id);
  g_autofree char *webhook_url = g_strconcat (page_origin, "/webhook", NULL);
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(JsonNode) log_node = NULL;
  g_autofree char *log_text = NULL;
  JsonObject *payload;
  gint64 token_post = -1, token_preflight = -1, stream_preflight = -1, stream_post = -1;
  gboolean status_stream_seen = FALSE, result_seen = FALSE, other_app_seen = FALSE, webhook_submit_seen = FALSE;

  /* clientStream: events and the final output came. */
  g_assert_cmpint (member_int (client_stream, "events"), >=, 1);
  g_assert_cmpint (member_int (client_stream, "images"), >=, 1);
  g_assert_nonnull (fal_test_object_string (client_stream, "requestId"));

  /* backendToken: submit, status, status stream and result with the token only. */
  g_assert_cmpint (member_int (backend, "submitStatus"), ==, 200);
  g_assert_nonnull (backend_id);
  g_assert_cmpstr (fal_test_object_string (backend, "headerRequestId"), ==, backend_id);
  g_assert_true (g_strv_contains ((const char *[]) { "IN_QUEUE", "IN_PROGRESS", "COMPLETED", NULL },
                                  fal_test_object_string (backend, "firstStatus")));
  /* 202 until done, as fal answers a status. */
  g_assert_cmpint (member_int (backend, "firstStatusCode"), ==,
                   g_strcmp0 (fal_test_object_string (backend, "firstStatus"), "COMPLETED") == 0 ? 200 : 202);
  g_assert_nonnull (streamed);
  g_assert_cmpuint (json_array_get_length (streamed), >=, 1);
  g_assert_cmpstr (json_array_get_string_element (streamed, json_array_get_length (streamed) - 1), ==, "COMPLETED");
  g_assert_cmpint (member_int (backend, "resultStatus"), ==, 200);
  g_assert_cmpstr (fal_test_object_string (backend, "resultRequestId"), ==, backend_id);
  g_assert_cmpint (member_int (backend, "images"), >=, 1);

  /* tokenRefused: 401s the page could read. */
  g_assert_cmpint (member_int (refused, "otherStatus"), ==, 401);
  g_assert_cmpstr (fal_test_object_string (refused, "otherDetail"), ==, "Token is not authorized for app 'fal-ai/flux'");
  g_assert_cmpint (member_int (refused, "otherRunStatus"), ==, 401);
  g_assert_cmpstr (fal_test_object_string (refused, "otherRunDetail"), ==, "Token is not authorized for app 'fal-ai/flux'");
  g_assert_cmpint (member_int (refused, "expiredStatus"), ==, 401);
  g_assert_cmpstr (fal_test_object_string (refused, "expiredDetail"), ==, "Token has expired");
  /* backendToken once, tokenRefused twice. */
  g_assert_cmpuint (page->tokens->len, ==, 3);

  log = fal_test_request_log (ts);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      JsonObject *headers = json_object_get_object_member (entry, "headers");
      const char *method = fal_test_object_string (entry, "method");
      const char *path = fal_test_object_string (entry, "path");
      gint64 status = json_object_get_int_member (entry, "status");
      gboolean authorization = json_object_get_boolean_member (entry, "authorization");

      if (g_strcmp0 (fal_test_object_string (headers, "origin"), page_origin) != 0)
        continue;
      /* The client's default token provider: preflighted, with the key. */
      if (g_str_equal (path, "/rest/tokens/") && g_str_equal (method, "OPTIONS") && token_preflight < 0)
        {
          g_assert_cmpint (status, ==, 204);
          token_preflight = i;
        }
      else if (g_str_equal (path, "/rest/tokens/") && g_str_equal (method, "POST") && token_post < 0)
        {
          g_assert_cmpint (status, ==, 201);
          g_assert_true (authorization);
          token_post = i;
        }
      else if (g_str_equal (path, "/run/" SDXL "/stream") && g_str_equal (method, "OPTIONS") && token_post >= 0 &&
               stream_preflight < 0)
        stream_preflight = i;
      else if (g_str_equal (path, "/run/" SDXL "/stream") && g_str_equal (method, "POST") && has_query_token (entry))
        {
          /* The token in the query, never an Authorization header. */
          g_assert_cmpint (stream_post, <, 0);
          g_assert_false (authorization);
          g_assert_cmpint (status, ==, 200);
          stream_post = i;
        }
      else if (g_str_equal (path, status_stream_path))
        {
          g_assert_true (has_query_token (entry));
          g_assert_false (authorization);
          g_assert_cmpint (status, ==, 200);
          status_stream_seen = TRUE;
        }
      else if (g_str_equal (path, result_path) && g_str_equal (method, "GET"))
        {
          g_assert_true (authorization);
          g_assert_cmpint (status, ==, 200);
          result_seen = TRUE;
        }
      else if (g_str_has_prefix (path, "/queue/fal-ai/flux/schnell") && g_str_equal (method, "POST"))
        {
          g_assert_cmpint (status, ==, 401);
          other_app_seen = TRUE;
        }
      else if (g_str_equal (path, "/queue/" SDXL) && g_str_equal (method, "POST") &&
               json_object_has_member (entry, "webhook"))
        {
          g_assert_cmpstr (fal_test_object_string (json_object_get_object_member (entry, "webhook"), "url"), ==, webhook_url);
          webhook_submit_seen = TRUE;
        }
    }
  if (token_preflight < 0 || token_post < token_preflight)
    g_error ("clientStream: no preflighted POST /rest/tokens/ from the page (preflight at %" G_GINT64_FORMAT
             ", POST at %" G_GINT64_FORMAT ")", token_preflight, token_post);
  if (stream_post < token_post)
    g_error ("clientStream: no /stream with ?fal_jwt_token= after the token request");
  g_assert_cmpint (stream_preflight, >, token_post);
  g_assert_cmpint (stream_preflight, <, stream_post);
  if (!status_stream_seen || !result_seen)
    g_error ("backendToken: the log lacks the status stream (%d) or the result (%d)", status_stream_seen, result_seen);
  g_assert_true (other_app_seen);
  g_assert_true (webhook_submit_seen);

  /* No token the page held reaches the log. */
  log_node = json_node_init_array (json_node_alloc (), log);
  log_text = json_to_string (log_node, FALSE);
  for (guint i = 0; i < page->tokens->len; i++)
    if (strstr (log_text, g_ptr_array_index (page->tokens, i)))
      g_error ("a temporary token is in the request log");

  /* The webhook: one POST, for the request the page submitted. */
  if (!fal_test_wait_until (webhook_came, page, WEBHOOK_TIMEOUT_MS))
    g_error ("webhook: nothing came to %s within %d s", webhook_url, WEBHOOK_TIMEOUT_MS / 1000);
  fal_test_wait_ms (200);   /* a second one would be a defect */
  g_assert_cmpuint (page->n_webhooks, ==, 1);
  g_assert_nonnull (page->webhook);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (page->webhook));
  g_assert_cmpstr (fal_test_object_string (json_node_get_object (page->webhook), "status"), ==, "OK");
  g_assert_cmpstr (fal_test_object_string (json_node_get_object (page->webhook), "request_id"), ==, webhook_id);
  g_assert_cmpstr (page->webhook_request_id, ==, webhook_id);
  payload = json_object_get_object_member (json_node_get_object (page->webhook), "payload");
  g_assert_nonnull (payload);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (payload, "images")), ==,
                    (guint) member_int (webhook, "images"));
}

static void
test_browser_flows (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (SPEED, 4, 15000);
  g_autoptr(SoupServer) page_server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;
  g_autofree char *chromium = NULL;
  g_autofree char *work = g_dir_make_tmp ("falstaff-browser-XXXXXX", NULL);
  g_autofree char *profile = g_build_filename (work, "profile", NULL);
  g_autofree char *chromium_log = g_build_filename (work, "chromium.log", NULL);
  g_autofree char *page_origin = NULL;
  g_autofree char *page_url = NULL;
  g_autofree char *profile_arg = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  Page page = { 0 };
  gboolean reported;
  pid_t pid;

  g_assert_nonnull (work);
  chromium = g_strdup (g_getenv ("FALSTAFF_CHROMIUM"));
  if (chromium == NULL)
    chromium = g_find_program_in_path ("chromium");
  if (chromium == NULL || !g_file_test (chromium, G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_fail_printf ("chromium is not installed (Debian: apt-get install chromium; build-aux/dev.sh lists it): "
                          "this test drives a real browser and cannot run without one");
      fal_test_remove_tree (work);
      return;
    }
  page.pages_dir = g_test_build_filename (G_TEST_DIST, "browser", NULL);
  page.ts = ts;
  page.tokens = g_ptr_array_new_with_free_func (g_free);
  page.modules_dir = install_client (work);
  if (page.modules_dir == NULL)
    goto out;

  soup_server_add_handler (page_server, NULL, page_handler, &page, NULL);
  soup_server_listen_local (page_server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (page_server);
  page_origin = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  page_url = g_strdup_printf ("%s/?base=%s&key=%s&speed=%g", page_origin, ts->url, FAL_LOCAL_DEFAULT_KEY, SPEED);
  g_assert_cmpstr (page_origin, !=, ts->url);

  profile_arg = g_strconcat ("--user-data-dir=", profile, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_subprocess_launcher_set_stdout_file_path (launcher, chromium_log);
  g_subprocess_launcher_set_stderr_file_path (launcher, chromium_log);
  /* Its own process group: every renderer and helper goes at the end. */
  g_subprocess_launcher_set_child_setup (launcher, own_process_group, NULL, NULL);
  process = g_subprocess_launcher_spawn (launcher, &error, chromium,
                                         "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                                         "--no-first-run", "--disable-background-networking",
                                         "--disable-component-update", "--disable-sync",
                                         "--disable-extensions", "--no-default-browser-check",
                                         profile_arg, page_url, NULL);
  g_assert_no_error (error);
  pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (process), NULL, 10);
  g_subprocess_wait_async (process, NULL, chromium_exited_cb, &page);

  reported = fal_test_wait_until (report_or_exit, &page, REPORT_TIMEOUT_MS);

  kill (-pid, SIGKILL);
  while (!page.chromium_exited)
    g_main_context_iteration (NULL, TRUE);
  {
    g_autofree char *output = NULL;

    /* Read now: the work directory goes before any check can abort. */
    g_file_get_contents (chromium_log, &output, NULL, NULL);
    fal_test_remove_tree (work);
    if (!reported || page.report == NULL)
      g_test_message ("chromium's output:\n%s", output ? output : "");
  }

  if (!reported || page.report == NULL)
    {
      g_test_fail_printf (reported ? "chromium exited before the page reported"
                                   : "no report from the page within %d s", REPORT_TIMEOUT_MS / 1000);
      goto out;
    }
  {
    g_autofree char *text = json_to_string (page.report, FALSE);
    g_test_message ("report: %s", text);
  }
  if (!JSON_NODE_HOLDS_OBJECT (page.report))
    g_error ("the page reported something that is not an object");
  if (json_object_has_member (json_node_get_object (page.report), "main"))
    g_error ("the page failed before its flows: %s",
             fal_test_object_string (json_object_get_object_member (json_node_get_object (page.report), "main"), "error"));
  check_report (ts, json_node_get_object (page.report), page_origin);
  check_tokens (ts, &page, json_node_get_object (page.report), page_origin);

out:
  soup_server_disconnect (page_server);
  g_clear_pointer (&page.report, json_node_unref);
  g_clear_pointer (&page.webhook, json_node_unref);
  g_clear_pointer (&page.tokens, g_ptr_array_unref);
  g_free (page.webhook_request_id);
  g_free (page.pages_dir);
  g_free (page.modules_dir);
  fal_test_remove_tree (work);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/browser/fal-client", test_browser_flows);

  return g_test_run ();
}
