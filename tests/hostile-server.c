/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hostile"

#include "config.h"

#include <string.h>

#include "hostile-server.h"

#define HUGE_SIZE   (8 * 1024 * 1024)
#define BOMB_SIZE   (64 * 1024 * 1024)
#define DRIP_MS     200
#define FLOOD_CHUNK (256 * 1024)

struct _HostileServer
{
  SoupServer *server;
  char *url;
  GBytes *bomb;      /* gzip of BOMB_SIZE zero bytes */
};

/* One slow or endless answer: a timer feeds it until the client leaves. */
typedef struct {
  SoupServerMessage *msg;
  guint timer;
  gboolean flood;    /* 'x' as fast as it goes, else one byte per tick */
} Feeder;

static void
feeder_finished_cb (SoupServerMessage *msg,
                    Feeder            *feeder)
{
  g_clear_handle_id (&feeder->timer, g_source_remove);
}

static void
feeder_free (gpointer data)
{
  Feeder *feeder = data;

  g_clear_handle_id (&feeder->timer, g_source_remove);
  g_free (feeder);
}

static gboolean
feed_cb (gpointer data)
{
  Feeder *feeder = data;
  SoupMessageBody *body = soup_server_message_get_response_body (feeder->msg);

  if (feeder->flood)
    {
      char *chunk = g_malloc (FLOOD_CHUNK);

      memset (chunk, 'x', FLOOD_CHUNK);
      soup_message_body_append_take (body, (guchar *) chunk, FLOOD_CHUNK);
    }
  else
    soup_message_body_append (body, SOUP_MEMORY_STATIC, " ", 1);
  soup_server_message_unpause (feeder->msg);
  return G_SOURCE_CONTINUE;
}

static void
start_feeder (SoupServerMessage *msg,
              gboolean           flood)
{
  Feeder *feeder = g_new0 (Feeder, 1);

  feeder->msg = msg;
  feeder->flood = flood;
  feeder->timer = g_timeout_add (flood ? 1 : DRIP_MS, feed_cb, feeder);
  g_object_set_data_full (G_OBJECT (msg), "hostile-feeder", feeder, feeder_free);
  g_signal_connect (msg, "finished", G_CALLBACK (feeder_finished_cb), feeder);
  soup_server_message_pause (msg);
}

static void
handler_cb (SoupServer        *soup_server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           data)
{
  HostileServer *self = data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);
  /* The last path part, or the one before a run's "/stream". */
  const char *what = n == 0 ? "" : n >= 2 && g_str_equal (parts[n - 1], "stream") ? parts[n - 2] : parts[n - 1];
  const char *endpoint_id = query ? g_hash_table_lookup (query, "endpoint_id") : NULL;

  /* A schema fetch: what to do is the endpoint id's last part. */
  if (endpoint_id && g_str_has_suffix (path, "openapi.json") && strrchr (endpoint_id, '/'))
    what = strrchr (endpoint_id, '/') + 1;

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  if (g_str_equal (what, "small"))
    soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{\"ok\":true}", 11);
  else if (g_str_equal (what, "huge") || g_str_equal (what, "huge-length"))
    {
      char *text = g_malloc (HUGE_SIZE);

      memset (text, ' ', HUGE_SIZE);
      text[0] = '[';
      if (g_str_equal (what, "huge"))
        soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      soup_message_body_append_take (body, (guchar *) text, HUGE_SIZE);
    }
  else if (g_str_equal (what, "gzip"))
    {
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      soup_message_headers_replace (headers, "Content-Encoding", "gzip");
      soup_message_body_append_bytes (body, self->bomb);
    }
  else if (g_str_equal (what, "to-remote-http"))
    soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, "http://example.invalid/small");
  else if (g_str_equal (what, "to-local"))
    soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, "/media/small");
  else if (g_str_equal (what, "drip"))
    {
      soup_message_headers_set_content_type (headers, "application/json", NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_body_append (body, SOUP_MEMORY_STATIC, "[", 1);
      start_feeder (msg, FALSE);
    }
  else if (g_str_equal (what, "sse-line") || g_str_equal (what, "sse-silent"))
    {
      soup_message_headers_set_content_type (headers, "text/event-stream", NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_body_set_accumulate (body, FALSE);
      if (g_str_equal (what, "sse-line"))
        {
          soup_message_body_append (body, SOUP_MEMORY_STATIC, "data: ", 6);
          start_feeder (msg, TRUE);
        }
      else
        /* The head goes out with a first line (a blank one); then
         * nothing ever follows. */
        soup_message_body_append (body, SOUP_MEMORY_STATIC, "\n", 1);
    }
  else if (g_str_equal (what, "short"))
    {
      /* Written by hand: libsoup's server never sends less than it
       * promised. */
      g_autoptr(GIOStream) stream = soup_server_message_steal_connection (msg);
      static const char answer[] = "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                                   "Content-Length: 100\r\nConnection: close\r\n\r\n0123456789";

      g_output_stream_write_all (g_io_stream_get_output_stream (stream), answer, strlen (answer), NULL, NULL, NULL);
      g_io_stream_close (stream, NULL, NULL);
    }
  else if (g_str_equal (what, "silent"))
    /* Takes the request and never answers: not even the head. */
    soup_server_message_pause (msg);
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static GBytes *
make_bomb (void)
{
  g_autoptr(GZlibCompressor) compressor = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr(GOutputStream) memory = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) out = g_converter_output_stream_new (memory, G_CONVERTER (compressor));
  g_autofree char *zeros = g_malloc0 (1024 * 1024);

  for (guint i = 0; i < BOMB_SIZE / (1024 * 1024); i++)
    g_assert_true (g_output_stream_write_all (out, zeros, 1024 * 1024, NULL, NULL, NULL));
  g_assert_true (g_output_stream_close (out, NULL, NULL));
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}

HostileServer *
hostile_server_new (void)
{
  HostileServer *self = g_new0 (HostileServer, 1);
  g_autoptr(GError) error = NULL;
  GSList *uris;
  g_autofree char *text = NULL;

  self->bomb = make_bomb ();
  self->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (self->server, NULL, handler_cb, self, NULL);
  g_assert_true (soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (self->server);
  text = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  /* Without the trailing slash. */
  if (g_str_has_suffix (text, "/"))
    text[strlen (text) - 1] = '\0';
  self->url = g_steal_pointer (&text);
  return self;
}

void
hostile_server_free (HostileServer *self)
{
  soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_bytes_unref (self->bomb);
  g_free (self->url);
  g_free (self);
}

const char *
hostile_server_get_url (HostileServer *self)
{
  return self->url;
}
