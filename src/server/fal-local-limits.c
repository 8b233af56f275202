/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <libsoup/soup.h>

#include "fal-local-server-private.h"

/* What a request must not do before its handler runs: a method the
 * server never serves (CONNECT would turn the connection into a tunnel),
 * a Content-Length that is not one number, a body past the JSON limit.
 * A chunked body (no Content-Length) is counted as it comes: past
 * MAX_JSON_BODY it is no longer kept and gets 413 once it ends; past
 * MAX_CHUNKED_BODY the connection is cut instead of read on. */

#define BODY_REFUSED "fal-local-body-refused"

typedef struct {
  guint64 received;
} ChunkCount;

/* One or more digits and nothing else: "12, 13" (two headers joined),
 * "-1", "0x10" and "" are not lengths. */
static gboolean
content_length_is_valid (const char *value)
{
  const char *p = value;

  while (*p == ' ' || *p == '\t')
    p++;
  if (!g_ascii_isdigit (*p))
    return FALSE;
  while (g_ascii_isdigit (*p))
    p++;
  while (*p == ' ' || *p == '\t')
    p++;
  /* 19 digits always fit a goffset. */
  return *p == '\0' && p - value < 20;
}

/* Answered before libsoup reads the body: the handler never runs for
 * it, so it is logged here. libsoup would still read the whole body
 * before answering: a body that may be kept is read and dropped (the
 * client then reads the answer in order); with `cut` the answer is
 * written on the connection taken from libsoup, which is then closed. */
static void
answer_early (FalLocalServer    *self,
              SoupServerMessage *msg,
              const char        *path,
              const char        *route,
              guint              status,
              const char        *detail,
              gboolean           cut)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  guint64 id = fal_local_request_log_begin (self->request_log, soup_server_message_get_method (msg),
                                            path, NULL, route, headers);
  char *body;

  json_object_set_string_member (object, "detail", detail);
  json_node_set_object (node, object);
  body = json_to_string (node, FALSE);
  fal_local_request_log_set_status (self->request_log, id, status);
  if (status == 405)
    soup_message_headers_replace (response_headers, "Allow", "GET, HEAD, POST, PUT, DELETE, OPTIONS");
  if (cut)
    {
      g_autoptr(FalLocalRaw) raw = NULL;
      g_autofree char *length = g_strdup_printf ("%zu", strlen (body));

      soup_message_headers_replace (response_headers, "Content-Type", "application/json");
      soup_message_headers_replace (response_headers, "Content-Length", length);
      raw = fal_local_raw_new (msg, status, response_headers);
      fal_local_raw_write (raw, body, strlen (body));
      fal_local_raw_finish (raw, TRUE);
      g_free (body);
      return;
    }
  /* A tunnel, or what is left of the body, is not the next request. */
  soup_message_headers_replace (response_headers, "Connection", "close");
  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, body, strlen (body));
}

static void
got_chunk_cb (SoupServerMessage *msg,
              GBytes            *chunk,
              ChunkCount        *count)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);

  count->received += g_bytes_get_size (chunk);
  if (count->received > MAX_CHUNKED_BODY)
    {
      GSocket *socket = soup_server_message_get_socket (msg);

      /* libsoup sees the socket end and drops the message. The close
       * that follows resets the connection (SO_LINGER 0): a graceful one
       * could leave a client whose window was full waiting on zero-
       * window probes for a minute and more instead of failing its
       * write at once. */
      g_signal_handlers_disconnect_by_data (msg, count);
      if (socket)
        {
          struct linger reset = { 1, 0 };

          setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
          g_socket_shutdown (socket, TRUE, TRUE, NULL);
        }
      return;
    }
  if (count->received > MAX_JSON_BODY && !g_object_get_data (G_OBJECT (msg), BODY_REFUSED))
    {
      g_object_set_data (G_OBJECT (msg), BODY_REFUSED, GINT_TO_POINTER (TRUE));
      soup_message_body_set_accumulate (body, FALSE);
      soup_message_body_truncate (body);
    }
}

/* TRUE when it answered. */
gboolean
fal_local_limits_check_early (FalLocalServer    *self,
                              SoupServerMessage *msg,
                              const char        *path,
                              const char        *route)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *length = soup_message_headers_get_list (headers, "Content-Length");

  if (g_str_equal (soup_server_message_get_method (msg), "CONNECT"))
    {
      answer_early (self, msg, path, route, 405, "Method Not Allowed", FALSE);
      return TRUE;
    }
  if (length && !content_length_is_valid (length))
    {
      answer_early (self, msg, path, route, 400, "Invalid Content-Length", TRUE);
      return TRUE;
    }
  if (g_str_has_prefix (path, "/cdn/"))
    return FALSE;
  if (length && soup_message_headers_get_content_length (headers) > MAX_JSON_BODY)
    {
      answer_early (self, msg, path, route, 413, "Request body too large",
                    soup_message_headers_get_content_length (headers) > MAX_CHUNKED_BODY);
      return TRUE;
    }
  if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
    {
      ChunkCount *count = g_new0 (ChunkCount, 1);

      g_object_set_data_full (G_OBJECT (msg), "fal-local-chunk-count", count, g_free);
      g_signal_connect (msg, "got-chunk", G_CALLBACK (got_chunk_cb), count);
    }
  return FALSE;
}

gboolean
fal_local_limits_body_refused (SoupServerMessage *msg)
{
  return g_object_get_data (G_OBJECT (msg), BODY_REFUSED) != NULL;
}
