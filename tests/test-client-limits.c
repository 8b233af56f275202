/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "fal.h"
#include "hostile-server.h"
#include "server-fixture.h"

/* FalClient's caps against a hostile server over real HTTP on loopback:
 * each cap is set small through its property so that every case ends in
 * a second or two. No timing is asserted: a deadline only catches a hang. */

typedef struct {
  gboolean done;
  JsonNode *node;
  GError *error;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->node, json_node_unref);
  g_clear_error (&outcome->error);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Outcome *outcome = data;

  outcome->node = fal_client_result_finish (FAL_CLIENT (source), result, &outcome->error);
  outcome->done = TRUE;
}

static gboolean
give_up_cb (gpointer data)
{
  g_error ("The call did not end in time: a cap is not enforced");
  return G_SOURCE_REMOVE;
}

/* A keyed queue result call whose request id says what the server does. */
static void
fetch_result (HostileServer *server,
              FalClient     *client,
              const char    *what,
              Outcome       *outcome)
{
  g_autofree char *queue = g_strconcat (hostile_server_get_url (server), "/queue", NULL);
  guint give_up;

  g_object_set (client, "queue-url", queue, NULL);
  fal_client_set_key (client, "id:secret", FAL_KEY_SOURCE_PROPERTY);
  give_up = g_timeout_add_seconds (20, give_up_cb, NULL);
  fal_client_result_async (client, "fal-ai/hostile", what, NULL, result_cb, outcome);
  while (!outcome->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (give_up);
}

static FalClient *
small_client (void)
{
  FalClient *client = g_object_new (FAL_TYPE_CLIENT, NULL);

  g_object_set (client, "max-json-size", (guint64) 1024 * 1024, "body-timeout", 1, NULL);
  return client;
}

static void
test_defaults (void)
{
  g_autoptr(FalClient) client = g_object_new (FAL_TYPE_CLIENT, NULL);
  guint64 json = 0, download = 0;
  guint body = 0, idle = 0;

  g_object_get (client, "max-json-size", &json, "max-download-size", &download,
                "body-timeout", &body, "stream-idle-timeout", &idle, NULL);
  g_assert_cmpuint (json, ==, 64 * 1024 * 1024);
  g_assert_cmpuint (download, ==, G_GUINT64_CONSTANT (2) * 1024 * 1024 * 1024);
  g_assert_cmpuint (body, ==, 600);
  g_assert_cmpuint (idle, ==, 300);
}

/* Under the caps an answer still goes through. */
static void
test_small_answer (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };

  fetch_result (server, client, "small", &outcome);
  g_assert_no_error (outcome.error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (outcome.node));
}

static void
assert_too_large (const Outcome *outcome)
{
  g_assert_error (outcome->error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (outcome->error->message, "larger than"));
  g_assert_cmpstr (fal_error_get_error_type (outcome->error), ==, "answer_too_large");
  g_assert_null (outcome->node);
}

/* 8 MiB without a length against a 1 MiB cap: refused while reading. */
static void
test_json_cap_chunked (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };

  fetch_result (server, client, "huge", &outcome);
  assert_too_large (&outcome);
}

/* The same with a Content-Length: refused before reading. */
static void
test_json_cap_length (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };

  fetch_result (server, client, "huge-length", &outcome);
  assert_too_large (&outcome);
}

/* A small gzip that inflates to 64 MiB: the decoded bytes count. */
static void
test_gzip_bomb (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };

  fetch_result (server, client, "gzip", &outcome);
  assert_too_large (&outcome);
}

/* One byte every 200 ms never trips a per-read timeout; the body
 * deadline (1 s here) ends it. */
static void
test_body_timeout (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };

  fetch_result (server, client, "drip", &outcome);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_cmpstr (fal_error_get_error_type (outcome.error), ==, "body_timeout");
}

static void
stream_finished_cb (FalStream *stream,
                    gboolean  *done)
{
  *done = TRUE;
}

static const GError *
run_stream (HostileServer *server,
            FalClient     *client,
            const char    *endpoint,
            FalStream    **out)
{
  g_autofree char *run = g_strconcat (hostile_server_get_url (server), "/run", NULL);
  g_autoptr(GError) error = NULL;
  gboolean done = FALSE;
  guint give_up;

  g_object_set (client, "run-url", run, NULL);
  fal_client_set_key (client, "id:secret", FAL_KEY_SOURCE_PROPERTY);
  *out = fal_client_stream (client, endpoint, NULL, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (*out, "finished", G_CALLBACK (stream_finished_cb), &done);
  give_up = g_timeout_add_seconds (20, give_up_cb, NULL);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (give_up);
  return fal_stream_get_error (*out);
}

/* "data: " and then 'x' for ever without a newline: the stream fails once
 * the line passes the parser's cap instead of buffering on. */
static void
test_sse_line_cap (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_autoptr(FalStream) stream = NULL;
  const GError *error = run_stream (server, client, "fal-ai/sse-line", &stream);

  g_assert_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  g_assert_nonnull (strstr (error->message, "larger than"));
}

/* An event stream that sends nothing, not even a keep-alive. */
static void
test_stream_idle_timeout (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_autoptr(FalStream) stream = NULL;
  const GError *error;

  g_object_set (client, "stream-idle-timeout", 1, NULL);
  error = run_stream (server, client, "fal-ai/sse-silent", &stream);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "stream_idle");
}

/* A stream whose server takes the request and never answers, not even
 * the head: the long session has no timeout, the stream's idle one ends
 * it. */
static void
test_stream_no_head (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_autoptr(FalStream) stream = NULL;
  const GError *error;

  g_object_set (client, "stream-idle-timeout", 1, NULL);
  error = run_stream (server, client, "fal-ai/silent", &stream);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "stream_idle");
}

static void
download_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Outcome *outcome = data;
  guint64 size = 0;

  if (fal_client_download_finish (FAL_CLIENT (source), result, &size, &outcome->error))
    {
      outcome->node = json_node_new (JSON_NODE_VALUE);
      json_node_set_int (outcome->node, (gint64) size);
    }
  outcome->done = TRUE;
}

/* Downloads SERVER/media/WHAT into a new temporary file; whether a file
 * is left behind goes to *kept. */
static void
download (HostileServer *server,
          FalClient     *client,
          const char    *what,
          Outcome       *outcome,
          gboolean      *kept)
{
  g_autofree char *url = g_strconcat (hostile_server_get_url (server), "/media/", what, NULL);
  g_autofree char *dir = g_dir_make_tmp ("limits-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "out", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  guint give_up;

  give_up = g_timeout_add_seconds (20, give_up_cb, NULL);
  fal_client_download_async (client, url, file, NULL, download_cb, outcome);
  while (!outcome->done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (give_up);
  *kept = g_file_query_exists (file, NULL);
  g_file_delete (file, NULL, NULL);
  g_rmdir (dir);
}

static void
test_download_ok (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };
  gboolean kept = FALSE;

  download (server, client, "small", &outcome, &kept);
  g_assert_no_error (outcome.error);
  g_assert_cmpint (json_node_get_int (outcome.node), ==, 11);
  g_assert_true (kept);
}

/* 8 MiB against a 1 MiB cap: refused, and no partial file is left. */
static void
test_download_cap (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };
  gboolean kept = TRUE;

  g_object_set (client, "max-download-size", (guint64) 1024 * 1024, NULL);
  download (server, client, "huge", &outcome, &kept);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  g_assert_cmpstr (fal_error_get_error_type (outcome.error), ==, "download_too_large");
  g_assert_false (kept);
}

static void
test_download_gzip_bomb (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };
  gboolean kept = TRUE;

  g_object_set (client, "max-download-size", (guint64) 1024 * 1024, NULL);
  download (server, client, "gzip", &outcome, &kept);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  g_assert_false (kept);
}

/* A server that takes the request and sends nothing: the result call
 * (on the session without a timeout) ends after body-timeout too. */
static void
test_silent_result (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };

  fetch_result (server, client, "silent", &outcome);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_cmpstr (fal_error_get_error_type (outcome.error), ==, "body_timeout");
}

static void
test_silent_download (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };
  gboolean kept = TRUE;

  download (server, client, "silent", &outcome, &kept);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_cmpstr (fal_error_get_error_type (outcome.error), ==, "body_timeout");
  g_assert_false (kept);
}

/* 10 of the 100 bytes promised: an error, and no file that looks whole. */
static void
test_download_cut_short (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };
  gboolean kept = TRUE;

  download (server, client, "short", &outcome, &kept);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_NETWORK);
  g_assert_cmpstr (fal_error_get_error_type (outcome.error), ==, "answer_cut_short");
  g_assert_false (kept);
}

static void
test_download_drip (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) outcome = { 0 };
  gboolean kept = TRUE;

  download (server, client, "drip", &outcome, &kept);
  g_assert_error (outcome.error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_false (kept);
}

/* Media may move to https or to this machine; never to plain http off
 * it (libsoup alone would follow). */
static void
test_redirect_policy (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_auto(Outcome) refused = { 0 };
  g_auto(Outcome) local = { 0 };
  gboolean kept = TRUE;

  download (server, client, "to-remote-http", &refused, &kept);
  g_assert_error (refused.error, FAL_ERROR, FAL_ERROR_INSECURE_URL);
  g_assert_false (kept);

  download (server, client, "to-local", &local, &kept);
  g_assert_no_error (local.error);
  g_assert_true (kept);
}

static void
schema_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Outcome *outcome = data;

  outcome->node = fal_client_fetch_schema_finish (FAL_CLIENT (source), result, NULL, &outcome->error);
  outcome->done = TRUE;
}

/* Schemas are fetched without the key, so libsoup follows their
 * redirects; never to plain http off this machine (it went on to
 * http://example.invalid), to this machine yes. */
static void
test_schema_redirect_policy (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_autofree char *cache_dir = g_dir_make_tmp ("falstaff-limits-schema-XXXXXX", NULL);
  g_auto(Outcome) refused = { 0 };
  g_auto(Outcome) local = { 0 };

  g_object_set (client, "web-url", hostile_server_get_url (server), NULL);
  fal_client_fetch_schema_full_async (client, "owner/app/to-remote-http", cache_dir, NULL, schema_cb, &refused);
  while (!refused.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (refused.error, FAL_ERROR, FAL_ERROR_INSECURE_URL);
  g_assert_nonnull (strstr (refused.error->message, "http://example.invalid/small"));

  fal_client_fetch_schema_full_async (client, "owner/app/to-local", cache_dir, NULL, schema_cb, &local);
  while (!local.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (local.error);
  g_assert_nonnull (local.node);
  fal_test_remove_tree (cache_dir);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* A schema is read within the same caps as any answer: 8 MiB against a
 * 1 MiB max-json-size, and a drip against a 1 s body timeout (both were
 * read whole, however long it took). */
static void
test_schema_caps (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(FalClient) client = small_client ();
  g_autofree char *cache_dir = g_dir_make_tmp ("falstaff-limits-schema-XXXXXX", NULL);
  g_auto(Outcome) huge = { 0 };
  g_auto(Outcome) drip = { 0 };

  g_object_set (client, "web-url", hostile_server_get_url (server), NULL);
  fal_client_fetch_schema_full_async (client, "owner/app/huge", cache_dir, NULL, schema_cb, &huge);
  while (!huge.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (huge.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  g_assert_cmpstr (fal_error_get_error_type (huge.error), ==, "answer_too_large");

  fal_client_fetch_schema_full_async (client, "owner/app/drip", cache_dir, NULL, schema_cb, &drip);
  while (!drip.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_error (drip.error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  fal_test_remove_tree (cache_dir);
}

static GBytes *
send_guarded (SoupSession   *session,
              HostileServer *server,
              const char    *what,
              SoupMessage  **msg)
{
  g_autofree char *url = g_strconcat (hostile_server_get_url (server), "/media/", what, NULL);

  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GBytes *body;

  /* Async: the hostile server answers from this thread's main loop. */
  *msg = soup_message_new ("GET", url);
  soup_session_send_and_read_async (session, *msg, G_PRIORITY_DEFAULT, NULL, store_result_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  body = soup_session_send_and_read_finish (session, result, &error);
  g_assert_no_error (error);
  return body;
}

typedef struct {
  GBytes *bytes;
  GError *error;
  gboolean done;
} BodyRead;

static void
body_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  BodyRead *read = data;

  read->bytes = fal_read_body_finish (result, &read->error);
  read->done = TRUE;
}

static void
sent_for_body_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  BodyRead *read = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GInputStream) body = soup_session_send_finish (SOUP_SESSION (source), result, &read->error);

  if (body == NULL)
    {
      read->done = TRUE;
      return;
    }
  fal_read_body_async (msg, body, 1024 * 1024, 1, NULL, body_read_cb, read);
}

static void
read_capped (HostileServer *server,
             const char    *what,
             BodyRead      *read)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (hostile_server_get_url (server), "/media/", what, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

  soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, NULL, sent_for_body_cb, read);
  while (!read->done)
    g_main_context_iteration (NULL, TRUE);
}

/* fal_read_body_async, as the app reads the media it shows: 8 MiB against
 * a 1 MiB cap, a gzip bomb, a drip against a 1 s deadline and a body
 * short of its length (which libsoup 3.2 ends as if whole) fail; a small
 * body comes whole. */
static void
test_read_body (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  BodyRead huge = { 0 }, bomb = { 0 }, drip = { 0 }, cut = { 0 }, small = { 0 };

  read_capped (server, "huge", &huge);
  g_assert_error (huge.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  g_assert_cmpstr (fal_error_get_error_type (huge.error), ==, "answer_too_large");
  read_capped (server, "gzip", &bomb);
  g_assert_error (bomb.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  read_capped (server, "drip", &drip);
  g_assert_error (drip.error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  read_capped (server, "short", &cut);
  g_assert_error (cut.error, FAL_ERROR, FAL_ERROR_NETWORK);
  g_assert_cmpstr (fal_error_get_error_type (cut.error), ==, "answer_cut_short");
  read_capped (server, "small", &small);
  g_assert_no_error (small.error);
  g_assert_cmpuint (g_bytes_get_size (small.bytes), ==, 11);

  g_clear_error (&huge.error);
  g_clear_error (&bomb.error);
  g_clear_error (&drip.error);
  g_clear_error (&cut.error);
  g_clear_pointer (&small.bytes, g_bytes_unref);
}

/* The app's media sessions: a redirect to plain http off this machine is
 * not followed (the 302 is the answer), one to this machine is. */
static void
test_session_redirect_policy (void)
{
  g_autoptr(HostileServer) server = hostile_server_new ();
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) refused = NULL;
  g_autoptr(SoupMessage) local = NULL;
  g_autoptr(GBytes) refused_body = NULL;
  g_autoptr(GBytes) local_body = NULL;

  fal_session_guard_redirects (session);
  refused_body = send_guarded (session, server, "to-remote-http", &refused);
  g_assert_cmpuint (soup_message_get_status (refused), ==, SOUP_STATUS_FOUND);
  g_assert_cmpstr (g_uri_get_host (soup_message_get_uri (refused)), ==, "127.0.0.1");

  local_body = send_guarded (session, server, "to-local", &local);
  g_assert_cmpuint (soup_message_get_status (local), ==, SOUP_STATUS_OK);
  g_assert_cmpmem (g_bytes_get_data (local_body, NULL), g_bytes_get_size (local_body), "{\"ok\":true}", 11);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/limits/defaults", test_defaults);
  g_test_add_func ("/fal/limits/small-answer", test_small_answer);
  g_test_add_func ("/fal/limits/json-cap-chunked", test_json_cap_chunked);
  g_test_add_func ("/fal/limits/json-cap-length", test_json_cap_length);
  g_test_add_func ("/fal/limits/gzip-bomb", test_gzip_bomb);
  g_test_add_func ("/fal/limits/body-timeout", test_body_timeout);
  g_test_add_func ("/fal/limits/sse-line-cap", test_sse_line_cap);
  g_test_add_func ("/fal/limits/download", test_download_ok);
  g_test_add_func ("/fal/limits/download-cap", test_download_cap);
  g_test_add_func ("/fal/limits/download-gzip-bomb", test_download_gzip_bomb);
  g_test_add_func ("/fal/limits/download-body-timeout", test_download_drip);
  g_test_add_func ("/fal/limits/silent-result", test_silent_result);
  g_test_add_func ("/fal/limits/silent-download", test_silent_download);
  g_test_add_func ("/fal/limits/download-cut-short", test_download_cut_short);
  g_test_add_func ("/fal/limits/redirect-policy", test_redirect_policy);
  g_test_add_func ("/fal/limits/schema-redirect-policy", test_schema_redirect_policy);
  g_test_add_func ("/fal/limits/schema-caps", test_schema_caps);
  g_test_add_func ("/fal/limits/session-redirect-policy", test_session_redirect_policy);
  g_test_add_func ("/fal/limits/read-body", test_read_body);
  g_test_add_func ("/fal/limits/stream-idle-timeout", test_stream_idle_timeout);
  g_test_add_func ("/fal/limits/stream-no-head", test_stream_no_head);

  return g_test_run ();
}
