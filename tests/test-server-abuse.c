/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Clients that misbehave on purpose (issue #14): the local fal server
 * keeps answering and keeps its memory bounded. Everything goes over
 * real sockets; no subtest asserts a timing figure (those are in bench/). */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

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

/* ------------------------------------------------------------------ clients that do not read */

/* A status stream with logs for a job that logged 30,000 lines (3 MB of
 * events), opened by a client that never reads (a 4 KiB receive buffer):
 * the server resets it once 1 MiB (its max-client-backlog; 8 MiB unless
 * set) waits for it, instead of queueing all of it (five such clients
 * once grew the server by 819 MB), and answers others meanwhile. What the
 * client finds when it reads at last ends early: no COMPLETED, no end
 * chunk. */
static void
test_stream_not_read (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new_with (40, 2, 15000, "max-client-backlog", 1024 * 1024, NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", "/queue/fal-ai/any-llm", "{\"prompt\": \"x\"}");
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, fal_local_server_get_port (ts->server));
  g_autoptr(GUri) status_uri = NULL;
  g_autofree char *request = NULL;
  g_autofree char *answer = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(FalTestResponse) alive = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-fault", "log-flood=30000");
  submitted = fal_test_send (ts, msg);
  g_assert_cmpuint (submitted->status, ==, 200);
  status_uri = g_uri_parse (fal_test_response_string (submitted, "status_url"), G_URI_FLAGS_NONE, NULL);
  /* Opened once the job has ended, the stream has all of the log to send
   * at once, however fast or slow this machine. */
  done = fal_test_wait_status (ts, fal_test_response_string (submitted, "status_url"), "COMPLETED", 120000);

  g_assert_true (g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, 4096, NULL));
  g_assert_true (g_socket_connect (socket, address, NULL, NULL));
  connection = g_socket_connection_factory_create_connection (socket);
  request = g_strdup_printf ("GET %s/stream?logs=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                             "Authorization: Key " FAL_LOCAL_DEFAULT_KEY "\r\n\r\n",
                             g_uri_get_path (status_uri));
  fal_test_raw_write (connection, request);

  alive = fal_test_call (ts, "GET", "/", NULL);
  g_assert_no_error (alive->error);
  g_assert_cmpuint (alive->status, ==, 200);

  /* The reset comes while the client has read nothing. */
  g_assert_true (g_socket_condition_timed_wait (socket, G_IO_ERR | G_IO_HUP, 120 * G_USEC_PER_SEC, NULL, NULL));
  answer = fal_test_raw_read_until (connection, NULL, 20000);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
  g_assert_null (strstr (answer, "\"status\":\"COMPLETED\""));
  g_assert_false (g_str_has_suffix (answer, "0\r\n\r\n"));
}

/* ------------------------------------------------------------------ remembered requests */

/* The server remembered every queue request, with its result, for as
 * long as it ran (a fuzzer's 178,000 requests took it to 1.25 GB). With
 * max-kept-requests 5, after 12 finished requests the oldest are
 * forgotten (404, as an expired request at fal) and the newest answer. */
static void
test_kept_requests (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new_with (1000, 4, 15000, "max-kept-requests", 5, NULL);
  g_autoptr(GPtrArray) status_urls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(FalTestResponse) first = NULL;
  g_autoptr(FalTestResponse) last = NULL;

  for (guint i = 0; i < 12; i++)
    {
      g_autoptr(FalTestResponse) submitted = fal_test_submit (ts, "fal-ai/any-llm", "{\"prompt\": \"x\"}", NULL);
      g_autoptr(JsonObject) done = NULL;

      g_assert_cmpuint (submitted->status, ==, 200);
      g_ptr_array_add (status_urls, g_strdup (fal_test_response_string (submitted, "status_url")));
      done = fal_test_wait_status (ts, status_urls->pdata[i], "COMPLETED", 30000);
    }
  first = fal_test_call (ts, "GET", status_urls->pdata[0], NULL);
  g_assert_cmpuint (first->status, ==, 404);
  last = fal_test_call (ts, "GET", status_urls->pdata[11], NULL);
  g_assert_cmpuint (last->status, ==, 200);
}

/* ------------------------------------------------------------------ connections */

static guint
count_open_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir))
    n++;
  return n;
}

/* TRUE once the server has closed its side: what it sent is read and
 * dropped until the end of the stream; FALSE at timeout_ms. */
static gboolean
peer_closes (GSocketConnection *connection,
             guint              timeout_ms)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  for (;;)
    {
      gint64 remaining = deadline - g_get_monotonic_time ();
      char buffer[4096];
      gssize n;

      if (remaining <= 0 || !g_socket_condition_timed_wait (socket, G_IO_IN, remaining, NULL, NULL))
        return FALSE;
      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL);
      if (n <= 0)
        return TRUE;
    }
}

static GSocketConnection *
keep_alive_request (FalTestServer *ts,
                    gboolean      *answered)
{
  static const char request[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  GSocketConnection *connection = fal_test_raw_connect (ts);
  g_autofree char *answer = NULL;

  /* A connection past the limit may be reset before this is written. */
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             request, sizeof request - 1, NULL, NULL, NULL);
  answer = fal_test_raw_read_until (connection, "\r\n\r\n", 5000);
  *answered = g_str_has_prefix (answer, "HTTP/1.1 200");
  return connection;
}

typedef struct {
  guint baseline;
} FdCount;

static gboolean
fds_back_to_baseline (gpointer data)
{
  FdCount *count = data;

  /* A few of slack: GLib's worker threads open wakeup fds of their own. */
  return count_open_fds () <= count->baseline + 4;
}

/* Clients that close a kept-alive connection: the server closes its side
 * too. libsoup 3.2 left each in CLOSE-WAIT, one fd apiece, for the life
 * of the process (under a 1,024-fd limit it stopped answering after
 * 1,017). A client that shuts its side right after its request still
 * gets the whole answer, and then the end of the stream. */
static void
test_closed_connections (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) warm = fal_test_call (ts, "GET", "/", NULL);
  g_autoptr(GSocketConnection) half = fal_test_raw_connect (ts);
  g_autofree char *answer = NULL;
  FdCount count = { count_open_fds () };

  for (guint i = 0; i < 300; i++)
    {
      gboolean answered = FALSE;
      g_autoptr(GSocketConnection) connection = keep_alive_request (ts, &answered);

      g_assert_true (answered);
      g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
    }
  /* 300 client sockets closed here, 300 server sockets to be closed by
   * the server. */
  if (!fal_test_wait_until (fds_back_to_baseline, &count, 10000))
    g_error ("%u fds open, %u before the 300 connections", count_open_fds (), count.baseline);

  fal_test_raw_write (half, "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  g_socket_shutdown (g_socket_connection_get_socket (half), FALSE, TRUE, NULL);
  answer = fal_test_raw_read_until (half, "\r\n\r\n", 5000);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
  g_assert_true (peer_closes (half, 10000));
}

/* A client that sends part of its headers and then nothing, and one that
 * keeps a connection idle after its answer: both are closed once the
 * idle timeout (here 300 ms) has passed. */
static void
test_slow_client (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new_with (40, 2, 15000, "idle-timeout", 300, NULL);
  g_autoptr(GSocketConnection) slow = fal_test_raw_connect (ts);
  g_autoptr(GSocketConnection) idle = NULL;
  g_autoptr(FalTestResponse) alive = NULL;
  gboolean answered = FALSE;

  fal_test_raw_write (slow, "GET / HTTP/1.1\r\nHo");
  idle = keep_alive_request (ts, &answered);
  g_assert_true (answered);

  g_assert_true (peer_closes (slow, 10000));
  g_assert_true (peer_closes (idle, 10000));

  alive = fal_test_call (ts, "GET", "/", NULL);
  g_assert_cmpuint (alive->status, ==, 200);
}

/* With max-connections 8, connections past the eighth are closed without
 * an answer; once clients close theirs, new ones are served again. What
 * counts is connections open now: 20 in a row that the server closes
 * after their answer (Connection: close) are all served. */
static void
test_max_connections (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new_with (40, 2, 15000, "max-connections", 8, NULL);
  g_autoptr(GPtrArray) connections = g_ptr_array_new_with_free_func (g_object_unref);
  guint n_answered = 0;
  gboolean answered = FALSE;
  g_autoptr(GSocketConnection) later = NULL;

  for (guint i = 0; i < 20; i++)
    {
      g_autofree char *answer = fal_test_raw_request (ts, "GET", "/", NULL, NULL, 5000);

      g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200"));
    }
  for (guint i = 0; i < 12; i++)
    {
      GSocketConnection *connection = keep_alive_request (ts, &answered);

      if (answered)
        n_answered++;
      else
        g_assert_true (peer_closes (connection, 5000));
      g_ptr_array_add (connections, connection);
    }
  /* The fixture's own session may hold one of the eight. */
  g_assert_cmpuint (n_answered, >=, 7);
  g_assert_cmpuint (n_answered, <=, 8);

  g_ptr_array_set_size (connections, 0);
  answered = FALSE;
  for (guint i = 0; i < 50 && !answered; i++)
    {
      g_clear_object (&later);
      fal_test_wait_ms (100);
      later = keep_alive_request (ts, &answered);
    }
  g_assert_true (answered);
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
  g_test_add_func ("/server/abuse/stream-not-read", test_stream_not_read);
  g_test_add_func ("/server/abuse/kept-requests", test_kept_requests);
  g_test_add_func ("/server/abuse/closed-connections", test_closed_connections);
  g_test_add_func ("/server/abuse/slow-client", test_slow_client);
  g_test_add_func ("/server/abuse/max-connections", test_max_connections);

  return g_test_run ();
}
