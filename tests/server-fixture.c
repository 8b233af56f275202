/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "server-fixture.h"
#include "fal-local-server-private.h"

/* Every wait has a deadline; this one is for things that must happen. */
#define SEND_TIMEOUT_MS 60000

void
fal_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        fal_test_remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

FalTestServer *
fal_test_server_new (double speed,
                     guint  runners,
                     guint  keepalive_ms)
{
  return fal_test_server_new_with (speed, runners, keepalive_ms, NULL);
}

FalTestServer *
fal_test_server_new_with (double      speed,
                          guint       runners,
                          guint       keepalive_ms,
                          const char *first_property,
                          ...)
{
  FalTestServer *ts = g_new0 (FalTestServer, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("falstaff-test-XXXXXX", &error);

  g_assert_no_error (error);
  /* port 0: the kernel picks a free one. */
  ts->server = g_object_new (FAL_LOCAL_TYPE_SERVER,
                             "port", 0,
                             "speed", speed,
                             "runners", runners,
                             "keepalive-interval", keepalive_ms,
                             "key", FAL_LOCAL_DEFAULT_KEY,
                             "data-dir", data_dir,
                             NULL);
  if (first_property)
    {
      va_list args;

      va_start (args, first_property);
      g_object_set_valist (G_OBJECT (ts->server), first_property, args);
      va_end (args);
    }
  fal_local_server_start (ts->server, &error);
  g_assert_no_error (error);
  ts->url = g_strdup (fal_local_server_get_url (ts->server));
  g_assert_nonnull (ts->url);

  ts->session = g_object_new (SOUP_TYPE_SESSION,
                              "timeout", 60,
                              "idle-timeout", 60,
                              "max-conns", 64,
                              "max-conns-per-host", 16,
                              /* Straight to 127.0.0.1: no system proxy (and
                               * no libproxy, which upsets ASan). */
                              "proxy-resolver", NULL,
                              NULL);
  return ts;
}

void
fal_test_server_free (FalTestServer *ts)
{
  g_autofree char *data_dir = NULL;

  if (ts == NULL)
    return;
  g_object_get (ts->server, "data-dir", &data_dir, NULL);
  soup_session_abort (ts->session);
  g_clear_object (&ts->session);
  /* Let the session's closing connections settle before the server goes. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  fal_local_server_stop (ts->server);
  g_clear_object (&ts->server);
  if (data_dir)
    fal_test_remove_tree (data_dir);
  g_free (ts->url);
  g_free (ts);
}

char *
fal_test_url (FalTestServer *ts,
              const char    *path_or_url)
{
  if (g_str_has_prefix (path_or_url, "http://") || g_str_has_prefix (path_or_url, "https://"))
    return g_strdup (path_or_url);
  return g_strconcat (ts->url, path_or_url, NULL);
}

SoupMessage *
fal_test_message (FalTestServer *ts,
                  const char    *method,
                  const char    *path_or_url,
                  const char    *json_body)
{
  g_autofree char *url = fal_test_url (ts, path_or_url);
  SoupMessage *msg = soup_message_new (method, url);

  g_assert_nonnull (msg);
  soup_message_headers_replace (soup_message_get_request_headers (msg),
                                "Authorization", "Key " FAL_LOCAL_DEFAULT_KEY);
  /* The control routes refuse requests without it (403). */
  if (strstr (url, "/__control/"))
    soup_message_headers_replace (soup_message_get_request_headers (msg), FAL_LOCAL_CONTROL_HEADER, "1");
  if (json_body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (json_body, strlen (json_body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  return msg;
}

void
fal_test_message_set_bytes (SoupMessage *msg,
                            const char  *content_type,
                            GBytes      *bytes)
{
  soup_message_set_request_body_from_bytes (msg, content_type, bytes);
}

void
fal_test_response_free (FalTestResponse *response)
{
  if (response == NULL)
    return;
  g_clear_pointer (&response->headers, soup_message_headers_unref);
  g_clear_pointer (&response->body, g_bytes_unref);
  g_clear_pointer (&response->json, json_node_unref);
  g_clear_error (&response->error);
  g_free (response);
}

JsonNode *
fal_test_parse_json (const char *data,
                     gssize      length)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (data == NULL)
    return NULL;
  if (!json_parser_load_from_data (parser, data, length, NULL))
    return NULL;
  /* json-glib 1.6 accepts an empty document and gives a NULL root. */
  root = json_parser_get_root (parser);
  return root ? json_node_copy (root) : NULL;
}

typedef struct {
  gboolean done;
  GBytes *bytes;
  GError *error;
} SendState;

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  SendState *state = data;

  state->bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &state->error);
  state->done = TRUE;
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

static gboolean
cancel_cb (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

FalTestResponse *
fal_test_send_with_timeout (FalTestServer *ts,
                            SoupMessage   *msg,
                            guint          timeout_ms)
{
  FalTestResponse *response = g_new0 (FalTestResponse, 1);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SendState state = { 0 };
  guint timer;

  timer = g_timeout_add (timeout_ms, cancel_cb, cancellable);
  soup_session_send_and_read_async (ts->session, msg, G_PRIORITY_DEFAULT, cancellable, send_cb, &state);
  /* The cancel fires at the deadline, so this cannot hang; the extra
   * slack is for the callback after a cancel. */
  if (!fal_test_wait_until (flag_is_set, &state.done, timeout_ms + 10000))
    g_error ("%s %s: no answer at all, even after cancelling",
             soup_message_get_method (msg), g_uri_to_string (soup_message_get_uri (msg)));
  if (!g_cancellable_is_cancelled (cancellable))
    g_source_remove (timer);

  response->error = state.error;
  response->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  if (state.error == NULL)
    {
      gsize length = 0;
      const char *data;

      response->status = soup_message_get_status (msg);
      response->body = state.bytes;
      data = g_bytes_get_data (response->body, &length);
      if (length > 0)
        response->json = fal_test_parse_json (data, length);
    }
  return response;
}

FalTestResponse *
fal_test_send (FalTestServer *ts,
               SoupMessage   *msg)
{
  return fal_test_send_with_timeout (ts, msg, SEND_TIMEOUT_MS);
}

FalTestResponse *
fal_test_call (FalTestServer *ts,
               const char    *method,
               const char    *path_or_url,
               const char    *json_body)
{
  g_autoptr(SoupMessage) msg = fal_test_message (ts, method, path_or_url, json_body);

  return fal_test_send (ts, msg);
}

const char *
fal_test_response_header (FalTestResponse *response,
                          const char      *name)
{
  return soup_message_headers_get_one (response->headers, name);
}

JsonObject *
fal_test_response_object (FalTestResponse *response)
{
  g_assert_no_error (response->error);
  if (response->json == NULL || !JSON_NODE_HOLDS_OBJECT (response->json))
    g_error ("expected a JSON object, got HTTP %u: %.*s", response->status,
             (int) MIN (g_bytes_get_size (response->body), 400),
             (const char *) g_bytes_get_data (response->body, NULL));
  return json_node_get_object (response->json);
}

const char *
fal_test_object_string (JsonObject *object,
                        const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

const char *
fal_test_response_string (FalTestResponse *response,
                          const char      *member)
{
  return fal_test_object_string (fal_test_response_object (response), member);
}

/* Status and a {"detail": "…"} body, as fal's flat errors have. */
void
fal_test_assert_detail (FalTestResponse *response,
                        guint            status)
{
  JsonObject *object;

  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, status);
  object = fal_test_response_object (response);
  g_assert_true (json_object_has_member (object, "detail"));
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==, "application/json");
}

/* ------------------------------------------------------------------ waiting */

static gboolean
deadline_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
fal_test_wait_until (FalTestCondition condition,
                     gpointer         data,
                     guint            timeout_ms)
{
  gboolean expired = FALSE;
  gboolean met = FALSE;
  guint timer = g_timeout_add (timeout_ms, deadline_cb, &expired);

  /* The condition is asked once per turn and not again after it held:
   * some conditions keep what they found (and would leak it twice). */
  while (!(met = condition != NULL && condition (data)) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timer);
  return met;
}

void
fal_test_wait_ms (guint ms)
{
  fal_test_wait_until (NULL, NULL, ms);
}

/* ------------------------------------------------------------------ queue */

FalTestResponse *
fal_test_submit (FalTestServer *ts,
                 const char    *endpoint_id,
                 const char    *json_body,
                 const char    *priority)
{
  g_autofree char *path = g_strconcat ("/queue/", endpoint_id, NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", path, json_body);

  if (priority)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-queue-priority", priority);
  return fal_test_send (ts, msg);
}

JsonObject *
fal_test_wait_status (FalTestServer *ts,
                      const char    *status_url,
                      const char    *status,
                      guint          timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;
  g_autofree char *last = NULL;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(FalTestResponse) response = fal_test_call (ts, "GET", status_url, NULL);
      JsonObject *object = fal_test_response_object (response);

      g_free (last);
      last = g_strdup (fal_test_object_string (object, "status"));
      if (g_strcmp0 (last, status) == 0)
        return json_object_ref (object);
      fal_test_wait_ms (20);
    }
  g_error ("%s never reached %s within %u ms (last %s)", status_url, status, timeout_ms, last);
  return NULL;
}

/* ------------------------------------------------------------------ SSE */

static void
sse_event_free (gpointer data)
{
  FalTestSseEvent *event = data;

  g_free (event->data);
  g_free (event);
}

static void
sse_parse (FalTestSse *sse)
{
  char *newline;

  while ((newline = memchr (sse->buffer->str, '\n', sse->buffer->len)) != NULL)
    {
      gsize line_len = newline - sse->buffer->str;
      g_autofree char *line = g_strndup (sse->buffer->str, line_len);

      if (line_len > 0 && line[line_len - 1] == '\r')
        line[line_len - 1] = '\0';
      g_string_erase (sse->buffer, 0, line_len + 1);

      if (*line == '\0')
        {
          if (sse->have_data)
            {
              FalTestSseEvent *event = g_new0 (FalTestSseEvent, 1);

              event->data = g_strdup (sse->data->str);
              event->time = g_get_monotonic_time ();
              g_ptr_array_add (sse->events, event);
              g_ptr_array_add (sse->order, (gpointer) "e");
            }
          g_string_truncate (sse->data, 0);
          sse->have_data = FALSE;
        }
      else if (*line == ':')
        {
          g_ptr_array_add (sse->comments, g_strdup (line + 1));
          g_ptr_array_add (sse->order, (gpointer) "c");
          sse->n_comments++;
        }
      else if (g_str_has_prefix (line, "data:"))
        {
          const char *value = line + 5;

          if (*value == ' ')
            value++;
          if (sse->have_data)
            g_string_append_c (sse->data, '\n');
          g_string_append (sse->data, value);
          sse->have_data = TRUE;
        }
      /* event:, id:, retry: carry nothing the tests look at. */
    }
}

static void sse_read_next (FalTestSse *sse);

static void
sse_read_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  FalTestSse *sse = data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &sse->error);

  sse->reading = FALSE;
  if (bytes == NULL)
    {
      sse->eof = TRUE;
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      sse->eof = TRUE;
      return;
    }
  g_byte_array_append (sse->raw_buffer, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  g_string_append_len (sse->buffer, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  sse_parse (sse);
  sse_read_next (sse);
}

static void
sse_read_next (FalTestSse *sse)
{
  if (sse->eof || sse->reading)
    return;
  sse->reading = TRUE;
  g_input_stream_read_bytes_async (sse->stream, 4096, G_PRIORITY_DEFAULT, sse->cancellable,
                                   sse_read_cb, sse);
}

static void
sse_send_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  FalTestSse *sse = data;

  sse->stream = soup_session_send_finish (SOUP_SESSION (source), result, &sse->error);
  sse->headers_done = TRUE;
  if (sse->stream == NULL)
    {
      sse->eof = TRUE;
      return;
    }
  sse->status = soup_message_get_status (sse->msg);
  sse_read_next (sse);
}

FalTestSse *
fal_test_sse_open (FalTestServer *ts,
                   SoupMessage   *msg)
{
  FalTestSse *sse = g_new0 (FalTestSse, 1);

  sse->ts = ts;
  sse->msg = g_object_ref (msg);
  sse->cancellable = g_cancellable_new ();
  sse->buffer = g_string_new (NULL);
  sse->data = g_string_new (NULL);
  sse->events = g_ptr_array_new_with_free_func (sse_event_free);
  sse->comments = g_ptr_array_new_with_free_func (g_free);
  sse->order = g_ptr_array_new ();
  sse->raw_buffer = g_byte_array_new ();

  soup_session_send_async (ts->session, msg, G_PRIORITY_DEFAULT, sse->cancellable, sse_send_cb, sse);
  if (!fal_test_wait_until (flag_is_set, &sse->headers_done, 30000))
    g_error ("no response headers for %s", g_uri_to_string (soup_message_get_uri (msg)));
  return sse;
}

typedef struct {
  FalTestSse *sse;
  guint n;
} EventsWait;

static gboolean
has_events (gpointer data)
{
  EventsWait *wait = data;

  return wait->sse->events->len >= wait->n || wait->sse->eof;
}

gboolean
fal_test_sse_wait_events (FalTestSse *sse,
                          guint       n,
                          guint       timeout_ms)
{
  EventsWait wait = { sse, n };

  fal_test_wait_until (has_events, &wait, timeout_ms);
  return sse->events->len >= n;
}

gboolean
fal_test_sse_wait_end (FalTestSse *sse,
                       guint       timeout_ms)
{
  return fal_test_wait_until (flag_is_set, &sse->eof, timeout_ms);
}

JsonObject *
fal_test_sse_event_object (FalTestSse *sse,
                           guint       index)
{
  FalTestSseEvent *event;
  g_autoptr(JsonNode) node = NULL;

  g_assert_cmpuint (index, <, sse->events->len);
  event = g_ptr_array_index (sse->events, index);
  node = fal_test_parse_json (event->data, -1);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    g_error ("event %u is not a JSON object: %s", index, event->data);
  return json_object_ref (json_node_get_object (node));
}

static gboolean
not_reading (gpointer data)
{
  return !((FalTestSse *) data)->reading;
}

void
fal_test_sse_free (FalTestSse *sse)
{
  if (sse == NULL)
    return;
  /* A stream still open is cut: the cancel closes its connection. */
  g_cancellable_cancel (sse->cancellable);
  g_assert_true (fal_test_wait_until (not_reading, sse, 10000));
  g_clear_object (&sse->stream);
  g_clear_object (&sse->msg);
  g_clear_object (&sse->cancellable);
  g_string_free (sse->buffer, TRUE);
  g_string_free (sse->data, TRUE);
  g_ptr_array_unref (sse->events);
  g_ptr_array_unref (sse->comments);
  g_ptr_array_unref (sse->order);
  g_byte_array_unref (sse->raw_buffer);
  g_clear_pointer (&sse->raw, g_bytes_unref);
  g_clear_error (&sse->error);
  g_free (sse);
}

/* ------------------------------------------------------------------ control */

JsonArray *
fal_test_request_log (FalTestServer *ts)
{
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "GET", "/__control/requests", NULL);

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_nonnull (response->json);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (response->json));
  return json_array_ref (json_node_get_array (response->json));
}

void
fal_test_clear_request_log (FalTestServer *ts)
{
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "DELETE", "/__control/requests", NULL);

  g_assert_cmpuint (response->status, ==, 204);
}

void
fal_test_add_fault (FalTestServer *ts,
                    const char    *method,
                    const char    *path_regex,
                    guint          count,
                    const char    *spec)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autoptr(FalTestResponse) response = NULL;

  json_builder_begin_object (builder);
  if (method)
    {
      json_builder_set_member_name (builder, "method");
      json_builder_add_string_value (builder, method);
    }
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path_regex);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, count);
  json_builder_set_member_name (builder, "fault");
  json_builder_add_string_value (builder, spec);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  body = json_to_string (root, FALSE);

  response = fal_test_call (ts, "POST", "/__control/faults", body);
  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 201);
}

void
fal_test_clear_faults (FalTestServer *ts)
{
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "DELETE", "/__control/faults", NULL);

  g_assert_cmpuint (response->status, ==, 204);
}

/* ------------------------------------------------------------------ storage */

char *
fal_test_upload (FalTestServer *ts,
                 GBytes        *bytes,
                 const char    *content_type,
                 const char    *file_name)
{
  g_autofree char *initiate = g_strdup_printf ("{\"content_type\": \"%s\", \"file_name\": \"%s\"}",
                                               content_type, file_name);
  g_autoptr(FalTestResponse) answer = fal_test_call (ts, "POST", "/rest/storage/upload/initiate?storage_type=fal-cdn-v3",
                                                     initiate);
  g_autoptr(SoupMessage) put = NULL;
  g_autoptr(FalTestResponse) stored = NULL;
  const char *upload_url;

  g_assert_cmpuint (answer->status, ==, 200);
  upload_url = fal_test_response_string (answer, "upload_url");
  g_assert_nonnull (upload_url);
  /* Signed URLs need no key. */
  put = soup_message_new ("PUT", upload_url);
  fal_test_message_set_bytes (put, content_type, bytes);
  stored = fal_test_send (ts, put);
  g_assert_no_error (stored->error);
  g_assert_cmpuint (stored->status, ==, 200);
  return g_strdup (fal_test_response_string (answer, "file_url"));
}

GBytes *
fal_test_download (FalTestServer *ts,
                   const char    *url,
                   char         **content_type)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(FalTestResponse) response = NULL;

  g_assert_nonnull (msg);
  response = fal_test_send (ts, msg);
  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 200);
  if (content_type)
    *content_type = g_strdup (soup_message_headers_get_content_type (response->headers, NULL));
  return g_bytes_ref (response->body);
}

guint
fal_test_count_files (FalTestServer *ts,
                      const char    *subdir)
{
  g_autofree char *data_dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GDir) dir = NULL;
  guint n = 0;
  const char *name;

  if (subdir == NULL)
    return fal_local_storage_get_n_files (ts->server->storage);
  g_object_get (ts->server, "data-dir", &data_dir, NULL);
  path = g_build_filename (data_dir, subdir, NULL);
  dir = g_dir_open (path, 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_REGULAR))
        n++;
    }
  return n;
}

gboolean
fal_test_no_partial_uploads (gpointer ts)
{
  return fal_test_count_files (ts, "uploads") == 0;
}

typedef struct {
  FalTestServer *ts;
  const char *url;
  FalTestResponse *gone;
} FileProbe;

static gboolean
file_gone (gpointer data)
{
  FileProbe *probe = data;
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", probe->url);
  g_autoptr(FalTestResponse) response = fal_test_send (probe->ts, msg);

  if (response->status == 404)
    {
      probe->gone = g_steal_pointer (&response);
      return TRUE;
    }
  g_assert_cmpuint (response->status, ==, 200);
  return FALSE;
}

FalTestResponse *
fal_test_wait_file_gone (FalTestServer *ts,
                         const char    *url,
                         guint          timeout_ms)
{
  FileProbe probe = { ts, url, NULL };

  fal_test_wait_until (file_gone, &probe, timeout_ms);
  return probe.gone;
}

/* ------------------------------------------------------------------ raw */

GSocketConnection *
fal_test_raw_connect (FalTestServer *ts)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *connection;

  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", fal_local_server_get_port (ts->server),
                                                NULL, &error);
  g_assert_no_error (error);
  return connection;
}

void
fal_test_raw_write (GSocketConnection *connection,
                    const char        *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                             text, strlen (text), NULL, NULL, &error);
  g_assert_no_error (error);
}

char *
fal_test_raw_read_until (GSocketConnection *connection,
                         const char        *needle,
                         guint              timeout_ms)
{
  GSocket *socket = g_socket_connection_get_socket (connection);
  g_autoptr(GString) text = g_string_new (NULL);
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  while (needle == NULL || !strstr (text->str, needle))
    {
      gint64 remaining = deadline - g_get_monotonic_time ();
      char buffer[4096];
      gssize n;

      if (remaining <= 0 || !g_socket_condition_timed_wait (socket, G_IO_IN, remaining, NULL, NULL))
        break;
      n = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL);
      if (n <= 0)
        break;
      g_string_append_len (text, buffer, n);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

char *
fal_test_raw_request (FalTestServer *ts,
                      const char    *method,
                      const char    *path,
                      const char    *extra_headers,
                      const char    *body,
                      guint          timeout_ms)
{
  g_autoptr(GSocketConnection) connection = fal_test_raw_connect (ts);
  g_autoptr(GString) request = g_string_new (NULL);

  g_string_append_printf (request, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Key %s\r\n"
                          "Connection: close\r\n%s", method, path, FAL_LOCAL_DEFAULT_KEY,
                          extra_headers ? extra_headers : "");
  if (body)
    g_string_append_printf (request, "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n",
                            strlen (body));
  g_string_append (request, "\r\n");
  if (body)
    g_string_append (request, body);
  fal_test_raw_write (connection, request->str);
  return fal_test_raw_read_until (connection, NULL, timeout_ms);
}

GBytes *
fal_test_raw_body (const char *answer,
                   gboolean   *complete)
{
  const char *body = strstr (answer, "\r\n\r\n");
  g_autofree char *head = NULL;
  g_autoptr(GByteArray) out = g_byte_array_new ();
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  const char *first_line_end;

  *complete = FALSE;
  g_assert_nonnull (body);
  first_line_end = strstr (answer, "\r\n");
  head = g_strndup (first_line_end + 2, body - first_line_end);
  g_assert_true (soup_headers_parse (head, strlen (head), headers));
  body += 4;

  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
    {
      const char *at = body;

      for (;;)
        {
          char *end = NULL;
          guint64 size;
          const char *line_end = strstr (at, "\r\n");

          if (line_end == NULL)
            break;
          size = g_ascii_strtoull (at, &end, 16);
          if (end == at)
            break;
          if (size == 0)
            {
              *complete = strstr (line_end, "\r\n\r\n") == line_end;
              break;
            }
          if (strlen (line_end + 2) < size + 2)
            {
              g_byte_array_append (out, (const guint8 *) line_end + 2, strlen (line_end + 2));
              break;
            }
          g_byte_array_append (out, (const guint8 *) line_end + 2, size);
          at = line_end + 2 + size + 2;
        }
    }
  else
    {
      goffset length = soup_message_headers_get_content_length (headers);

      g_byte_array_append (out, (const guint8 *) body, strlen (body));
      *complete = (goffset) strlen (body) == length;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

FalTestJob *
fal_test_job_new (FalTestResponse *submitted)
{
  FalTestJob *job = g_new0 (FalTestJob, 1);

  job->request_id = g_strdup (fal_test_response_string (submitted, "request_id"));
  job->status_url = g_strdup (fal_test_response_string (submitted, "status_url"));
  job->response_url = g_strdup (fal_test_response_string (submitted, "response_url"));
  job->cancel_url = g_strdup (fal_test_response_string (submitted, "cancel_url"));
  return job;
}

void
fal_test_job_free (FalTestJob *job)
{
  if (job == NULL)
    return;
  g_free (job->request_id);
  g_free (job->status_url);
  g_free (job->response_url);
  g_free (job->cancel_url);
  g_free (job);
}
