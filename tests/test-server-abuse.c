/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Clients that misbehave on purpose (issue #14): the local fal server
 * keeps answering and keeps its memory bounded. Everything goes over
 * real sockets; no subtest asserts a timing figure (those are in bench/). */
#include "config.h"

#include <string.h>

#include "server-fixture.h"

#define MAX_ENTRY_BYTES (8 * 1024)
#define MAX_TOTAL_BYTES (16 * 1024 * 1024)

static gsize
entry_header_bytes (JsonObject *entry)
{
  JsonObject *headers = json_object_get_object_member (entry, "headers");
  g_autoptr(GList) names = json_object_get_members (headers);
  gsize bytes = 0;

  for (GList *l = names; l; l = l->next)
    bytes += strlen (l->data) + strlen (json_object_get_string_member (headers, l->data));
  return bytes;
}

/* ------------------------------------------------------------------ request log */

/* 60 kB of headers per request: each entry keeps at most 8 KiB of them
 * (marked headers_truncated), and the log at most 16 MiB, the oldest
 * entries dropped first. Before: the log kept every byte (1,500 such
 * requests grew the server by 90 MB). */
static void
test_request_log_bounds (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autofree char *big = g_strnfill (60 * 1024, 'h');
  g_autofree char *medium = g_strnfill (MAX_ENTRY_BYTES, 'm');
  g_autoptr(JsonArray) log = NULL;
  gsize total = 0;
  guint n_requests = 0;

  for (guint i = 0; i < 3; i++, n_requests++)
    {
      g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", "/", NULL);
      g_autoptr(FalTestResponse) response = NULL;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Big", big);
      response = fal_test_send (ts, msg);
      g_assert_cmpuint (response->status, ==, 200);
    }
  log = fal_test_request_log (ts);
  g_assert_cmpuint (json_array_get_length (log), >=, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      g_assert_cmpuint (entry_header_bytes (entry), <=, MAX_ENTRY_BYTES);
      g_assert_true (json_object_get_boolean_member_with_default (entry, "headers_truncated", FALSE));
      /* The key's value is still never logged. */
      g_assert_false (json_object_has_member (json_object_get_object_member (entry, "headers"), "authorization"));
    }
  g_clear_pointer (&log, json_array_unref);

  /* Past 16 MiB in all, the oldest go. */
  for (guint i = 0; i < MAX_TOTAL_BYTES / MAX_ENTRY_BYTES + 100; i++, n_requests++)
    {
      g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", "/", NULL);
      g_autoptr(FalTestResponse) response = NULL;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Medium", medium);
      response = fal_test_send (ts, msg);
      g_assert_cmpuint (response->status, ==, 200);
    }
  log = fal_test_request_log (ts);
  g_assert_cmpuint (json_array_get_length (log), <, n_requests);
  for (guint i = 0; i < json_array_get_length (log); i++)
    total += entry_header_bytes (json_array_get_object_element (log, i));
  g_assert_cmpuint (total, <=, MAX_TOTAL_BYTES);
  /* The newest is kept. */
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (log, json_array_get_length (log) - 1), "id"),
                   >=, n_requests);
}

/* ------------------------------------------------------------------ log flood */

/* log-flood went up to 2^31 lines, each kept by the job: past 200,000
 * it is refused with 400 like any bad fault value, per request and as a
 * rule. */
static void
test_log_flood_cap (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  const char *refused[] = { "log-flood=200001", "log-flood=2147483647", "log-flood=99999999999" };
  g_autoptr(SoupMessage) ok_msg = fal_test_message (ts, "GET", "/", NULL);
  g_autoptr(FalTestResponse) ok = NULL;
  g_autoptr(FalTestResponse) rule = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", "/queue/fal-ai/any-llm", "{\"prompt\": \"x\"}");
      g_autoptr(FalTestResponse) response = NULL;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-fault", refused[i]);
      response = fal_test_send (ts, msg);
      fal_test_assert_detail (response, 400);
    }
  rule = fal_test_call (ts, "POST", "/__control/faults",
                        "{\"fault\": \"log-flood=200001\", \"path\": \"^/queue/\"}");
  fal_test_assert_detail (rule, 400);

  soup_message_headers_replace (soup_message_get_request_headers (ok_msg), "x-fal-fault", "log-flood=200000");
  ok = fal_test_send (ts, ok_msg);
  g_assert_cmpuint (ok->status, ==, 200);
}

/* ------------------------------------------------------------------ request line and length */

/* CONNECT is not served (it answered 200, and libsoup then made the
 * connection a tunnel); a Content-Length that is not one number gets 400.
 * Each closes its connection, and the server answers on. */
static void
test_connect_refused (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(GSocketConnection) connection = fal_test_raw_connect (ts);
  g_autofree char *answer = NULL;
  g_autoptr(FalTestResponse) alive = NULL;

  fal_test_raw_write (connection, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
  answer = fal_test_raw_read_until (connection, NULL, 5000);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 405"));
  g_assert_nonnull (strstr (answer, "Connection: close"));

  alive = fal_test_call (ts, "GET", "/", NULL);
  g_assert_cmpuint (alive->status, ==, 200);
}

static void
test_bad_content_length (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  const char *lengths[] = { "abc", "-1", "0x10", "5, 7", "99999999999999999999999" };
  g_autoptr(FalTestResponse) alive = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autoptr(GSocketConnection) connection = fal_test_raw_connect (ts);
      g_autofree char *request = g_strdup_printf ("POST /queue/fal-ai/any-llm HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                                  "Authorization: Key " FAL_LOCAL_DEFAULT_KEY "\r\n"
                                                  "Content-Type: application/json\r\n"
                                                  "Content-Length: %s\r\n\r\n{\"prompt\": \"x\"}",
                                                  lengths[i]);
      g_autofree char *answer = NULL;

      fal_test_raw_write (connection, request);
      answer = fal_test_raw_read_until (connection, NULL, 5000);
      if (!g_str_has_prefix (answer, "HTTP/1.1 400"))
        g_error ("Content-Length: %s answered %.40s", lengths[i], answer);
    }

  alive = fal_test_call (ts, "GET", "/", NULL);
  g_assert_cmpuint (alive->status, ==, 200);
}

/* ------------------------------------------------------------------ chunked bodies */

/* Writes chunks of 1 MiB until `total` bytes or the server stops taking
 * them; the bytes it took. */
static guint64
write_chunks (GSocketConnection *connection,
              guint64            total)
{
  static char block[1024 * 1024];
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  g_autofree char *size_line = g_strdup_printf ("%x\r\n", (guint) sizeof block);
  guint64 sent = 0;

  memset (block, ' ', sizeof block);
  block[0] = '[';
  while (sent < total)
    {
      if (!g_output_stream_write_all (out, size_line, strlen (size_line), NULL, NULL, NULL) ||
          !g_output_stream_write_all (out, block, sizeof block, NULL, NULL, NULL) ||
          !g_output_stream_write_all (out, "\r\n", 2, NULL, NULL, NULL))
        break;
      sent += sizeof block;
      block[0] = ' ';
    }
  return sent;
}

static GSocketConnection *
start_chunked (FalTestServer *ts)
{
  GSocketConnection *connection = fal_test_raw_connect (ts);

  fal_test_raw_write (connection, "POST /queue/fal-ai/any-llm HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "Authorization: Key " FAL_LOCAL_DEFAULT_KEY "\r\n"
                                  "Content-Type: application/json\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n");
  return connection;
}

/* A chunked body (no Content-Length) past 32 MiB gets 413 once it ends
 * (it was read whole, then parsed); past 64 MiB the connection is cut
 * instead of read on. */
static void
test_chunked_limit (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(GSocketConnection) over = start_chunked (ts);
  g_autoptr(GSocketConnection) flood = start_chunked (ts);
  g_autofree char *answer = NULL;
  g_autofree char *cut = NULL;
  g_autoptr(FalTestResponse) alive = NULL;

  g_assert_cmpuint (write_chunks (over, 40 * 1024 * 1024), ==, 40 * 1024 * 1024);
  fal_test_raw_write (over, "0\r\n\r\n");
  answer = fal_test_raw_read_until (over, NULL, 5000);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (answer, "Request body too large"));

  /* 200 MiB offered: the server stops well before. */
  g_assert_cmpuint (write_chunks (flood, 200 * 1024 * 1024), <, 200 * 1024 * 1024);
  cut = fal_test_raw_read_until (flood, NULL, 5000);
  g_assert_false (g_str_has_prefix (cut, "HTTP/1.1 2"));

  alive = fal_test_call (ts, "GET", "/", NULL);
  g_assert_cmpuint (alive->status, ==, 200);
}

/* ------------------------------------------------------------------ control */

/* The control routes have no key: without X-Fal-Local-Control: 1, or
 * with a body that is not JSON, they answer 403 and do nothing. */
static void
test_control_refused (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autofree char *no_header = fal_test_raw_request (ts, "DELETE", "/__control/requests", NULL, NULL, 5000);
  g_autoptr(GSocketConnection) connection = fal_test_raw_connect (ts);
  g_autofree char *text_plain = NULL;
  g_autofree char *wrong_value = fal_test_raw_request (ts, "GET", "/__control/requests",
                                                       "X-Fal-Local-Control: yes\r\n", NULL, 5000);
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(FalTestResponse) faults = NULL;

  fal_test_raw_write (connection, "POST /__control/faults HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                  "X-Fal-Local-Control: 1\r\nContent-Type: text/plain\r\n"
                                  "Content-Length: 23\r\nConnection: close\r\n\r\n"
                                  "{\"fault\": \"status=500\"}");
  text_plain = fal_test_raw_read_until (connection, NULL, 5000);

  g_assert_true (g_str_has_prefix (no_header, "HTTP/1.1 403"));
  g_assert_true (g_str_has_prefix (text_plain, "HTTP/1.1 403"));
  g_assert_true (g_str_has_prefix (wrong_value, "HTTP/1.1 403"));

  /* Nothing was done: the log was not cleared, no rule was added. */
  log = fal_test_request_log (ts);
  g_assert_cmpuint (json_array_get_length (log), >=, 3);
  faults = fal_test_call (ts, "GET", "/__control/faults", NULL);
  g_assert_cmpuint (faults->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (faults->json)), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/abuse/request-log", test_request_log_bounds);
  g_test_add_func ("/server/abuse/log-flood", test_log_flood_cap);
  g_test_add_func ("/server/abuse/connect", test_connect_refused);
  g_test_add_func ("/server/abuse/bad-content-length", test_bad_content_length);
  g_test_add_func ("/server/abuse/chunked-limit", test_chunked_limit);
  g_test_add_func ("/server/abuse/control", test_control_refused);

  return g_test_run ();
}
