/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>


#include "fal-local-server-private.h"

FalLocalCall *
fal_local_call_ref (FalLocalCall *call)
{
  g_atomic_ref_count_inc (&call->ref_count);
  return call;
}

void
fal_local_call_unref (FalLocalCall *call)
{
  if (!g_atomic_ref_count_dec (&call->ref_count))
    return;
  g_free (call->method);
  g_free (call->path);
  g_clear_pointer (&call->query, g_hash_table_unref);
  g_free (call->raw_query);
  g_clear_pointer (&call->fault, fal_local_fault_free);
  g_free (call->request_id);
  g_object_unref (call->msg);
  g_free (call);
}

const char *
fal_local_call_query (FalLocalCall       *call,
            const char *name)
{
  return call->query ? g_hash_table_lookup (call->query, name) : NULL;
}

void
fal_local_call_log_status (FalLocalCall  *call,
                 guint  status)
{
  fal_local_request_log_set_status (call->server->request_log, call->log_id, status);
}

/* ------------------------------------------------------------------ answers */

char *
fal_local_json_to_text (JsonNode *node,
                gsize    *length)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  return json_generator_to_data (generator, length);
}

/* Bytes that no JSON parser takes, json-glib 1.6's lenient one included:
 * the start of the real body, then a string that never closes. */
GBytes *
fal_local_malformed_json (const char *text,
                gsize       length)
{
  g_autoptr(GString) broken = g_string_new_len (text, MIN (length, (gsize) 24));

  g_string_append (broken, "\"\x01<<malformed by the local server>>");
  return g_string_free_to_bytes (g_steal_pointer (&broken));
}

void
fal_local_call_respond_bytes (FalLocalCall       *call,
               guint       status,
               const char *content_type,
               GBytes     *bytes)
{
  FalLocalFault *fault = call->fault;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);

  if (call->request_id)
    soup_message_headers_replace (headers, "x-fal-request-id", call->request_id);

  if (fault && (fault->drop_bytes >= 0 || fault->truncate_bytes >= 0))
    {
      g_autoptr(FalLocalRaw) raw = NULL;
      gsize length = g_bytes_get_size (bytes);
      gsize cut;

      soup_message_headers_replace (headers, "Content-Type", content_type);
      if (fault->truncate_bytes >= 0)
        {
          g_autofree char *full = g_strdup_printf ("%" G_GSIZE_FORMAT, length);
          soup_message_headers_replace (headers, "Content-Length", full);
          cut = MIN ((gsize) fault->truncate_bytes, length ? length - 1 : 0);
        }
      else
        {
          soup_message_headers_replace (headers, "Transfer-Encoding", "chunked");
          cut = MIN ((gsize) fault->drop_bytes, length);
        }
      fal_local_call_log_status (call, status);
      call->answered_raw = TRUE;
      raw = fal_local_raw_new (call->msg, status, headers);
      if (fault->truncate_bytes >= 0)
        fal_local_raw_write (raw, g_bytes_get_data (bytes, NULL), cut);
      else
        fal_local_raw_write_chunk (raw, g_bytes_get_data (bytes, NULL), cut);
      fal_local_raw_finish (raw, TRUE);
      return;
    }

  /* Stored files can be big: the body refers to the bytes, no copy. */
  soup_server_message_set_status (call->msg, status, NULL);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (call->msg), bytes);
}

void
fal_local_call_respond_json_text (FalLocalCall *call,
                                  guint         status,
                                  char         *text,
                                  gsize         length)
{
  g_autoptr(GBytes) bytes = NULL;

  if (call->fault && call->fault->malformed)
    {
      bytes = fal_local_malformed_json (text, length);
      g_free (text);
    }
  else
    bytes = g_bytes_new_take (text, length);
  fal_local_call_respond_bytes (call, status, "application/json", bytes);
}

void
fal_local_call_respond_json (FalLocalCall     *call,
              guint     status,
              JsonNode *body)
{
  gsize length = 0;
  char *text = fal_local_json_to_text (body, &length);

  fal_local_call_respond_json_text (call, status, text, length);
}

void
fal_local_call_respond_object (FalLocalCall       *call,
                guint       status,
                JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  fal_local_call_respond_json (call, status, node);
}

void
fal_local_call_respond_detail (FalLocalCall       *call,
                guint       status,
                const char *detail)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "detail", detail);
  fal_local_call_respond_object (call, status, object);
}

void
fal_local_call_respond_status_word (FalLocalCall       *call,
                     guint       status,
                     const char *word)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_string_member (object, "status", word);
  fal_local_call_respond_object (call, status, object);
}

void
fal_local_call_respond_field_errors (FalLocalCall      *call,
                      JsonArray *errors)
{
  g_autoptr(JsonObject) object = json_object_new ();

  json_object_set_array_member (object, "detail", json_array_ref (errors));
  fal_local_call_respond_object (call, 422, object);
}

/* A fault's own answer: the status, its headers, and a fal-shaped body. */
void
fal_local_call_respond_fault_status (FalLocalCall *call)
{
  FalLocalFault *fault = call->fault;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);

  if (fault->retry_after)
    soup_message_headers_replace (headers, "Retry-After", fault->retry_after);
  if (fault->timeout_user)
    soup_message_headers_replace (headers, "X-Fal-Request-Timeout-Type", "user");
  if (fault->error_type)
    soup_message_headers_replace (headers, "X-Fal-Error-Type", fault->error_type);
  if (fault->with_request_id && call->request_id == NULL)
    call->request_id = g_uuid_string_random ();

  if (fault->body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (fault->body, strlen (fault->body));
      fal_local_call_respond_bytes (call, fault->status, "application/json", bytes);
    }
  else
    {
      g_autoptr(JsonObject) object = json_object_new ();
      g_autofree char *detail = g_strdup_printf ("Fault injected by the local server: HTTP %u", fault->status);

      json_object_set_string_member (object, "detail", detail);
      if (fault->error_type)
        json_object_set_string_member (object, "error_type", fault->error_type);
      fal_local_call_respond_object (call, fault->status, object);
    }
}

/* ------------------------------------------------------------------ helpers */

gboolean
fal_local_call_check_auth (FalLocalCall *call)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  const char *value = soup_message_headers_get_one (headers, "Authorization");

  if (value == NULL)
    {
      fal_local_call_respond_detail (call, 401, "Missing Authorization header: expected 'Key <key_id>:<key_secret>'");
      return FALSE;
    }
  if (!g_str_has_prefix (value, "Key ") || strchr (value + 4, ':') == NULL)
    {
      fal_local_call_respond_detail (call, 401, "Invalid Key Authorization header format. Expected '<key_id>:<key_secret>'.");
      return FALSE;
    }
  if (g_strcmp0 (value + 4, call->server->key) != 0)
    {
      fal_local_call_respond_detail (call, 401, "No user found for Key ID and Secret");
      return FALSE;
    }
  return TRUE;
}

gboolean
fal_local_call_check_auth_for_app (FalLocalCall *call,
                                   const char   *app_id)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  const char *value = soup_message_headers_get_one (headers, "Authorization");
  const char *token = NULL;
  g_autofree char *detail = NULL;

  /* A key, or a malformed header, goes the key's way. */
  if (value && g_ascii_strncasecmp (value, "Bearer", 6) == 0 && (value[6] == ' ' || value[6] == '\0'))
    {
      token = value + 6;
      while (*token == ' ')
        token++;
    }
  else if (value == NULL)
    token = fal_local_call_query (call, "fal_jwt_token");
  if (token == NULL)
    return fal_local_call_check_auth (call);

  switch (fal_local_tokens_check (call->server->tokens, token, app_id))
    {
    case FAL_LOCAL_TOKEN_VALID:
      return TRUE;
    case FAL_LOCAL_TOKEN_EXPIRED:
      fal_local_call_respond_detail (call, 401, "Token has expired");
      return FALSE;
    case FAL_LOCAL_TOKEN_WRONG_APP:
      detail = g_strdup_printf ("Token is not authorized for app '%s'", app_id);
      fal_local_call_respond_detail (call, 401, detail);
      return FALSE;
    case FAL_LOCAL_TOKEN_UNKNOWN:
    default:
      /* A key sent as Bearer (a common slip): the answer says how a
       * key goes. */
      if (value && strchr (token, ':'))
        return fal_local_call_check_auth (call);
      fal_local_call_respond_detail (call, 401, "Invalid token");
      return FALSE;
    }
}

gboolean
fal_local_call_check_method (FalLocalCall       *call,
              const char *method)
{
  if (g_str_equal (call->method, method))
    return TRUE;
  soup_message_headers_replace (soup_server_message_get_response_headers (call->msg), "Allow", method);
  fal_local_call_respond_detail (call, 405, "Method Not Allowed");
  return FALSE;
}

/* How deep arrays and objects nest, counted up to just past limit (a
 * body nested 60,000 deep would overflow json-glib's recursion). */
static gboolean
nested_deeper_than (const char *data,
                    gsize       length,
                    guint       limit)
{
  guint depth = 0;
  gboolean quoted = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (quoted)
        {
          if (data[i] == '\\')
            i++;
          else if (data[i] == '"')
            quoted = FALSE;
        }
      else if (data[i] == '"')
        quoted = TRUE;
      else if ((data[i] == '[' || data[i] == '{') && ++depth > limit)
        return TRUE;
      else if ((data[i] == ']' || data[i] == '}') && depth > 0)
        depth--;
    }
  return FALSE;
}

/* The request body as a JSON object; an empty body is {}. FALSE after
 * answering 422, as FastAPI does for JSON it cannot decode. */
gboolean
fal_local_call_parse_body (FalLocalCall      *call,
                   JsonNode **out)
{
  SoupMessageBody *body = soup_server_message_get_request_body (call->msg);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  if (body->length == 0)
    {
      /* The node takes the new object's only reference (init would add
       * one of its own, and the object would never be freed). */
      *out = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (*out, json_object_new ());
      return TRUE;
    }

  if (nested_deeper_than (body->data, body->length, MAX_JSON_DEPTH))
    g_set_error (&error, JSON_PARSER_ERROR, JSON_PARSER_ERROR_PARSE,
                 "JSON nested more than %d levels deep", MAX_JSON_DEPTH);
  if (error != NULL || !json_parser_load_from_data (parser, body->data, body->length, &error) ||
      (root = json_parser_get_root (parser)) == NULL)
    {
      g_autoptr(JsonObject) object = json_object_new ();
      JsonArray *detail = json_array_new ();
      JsonObject *entry = json_object_new ();
      JsonArray *loc = json_array_new ();

      json_array_add_string_element (loc, "body");
      json_object_set_array_member (entry, "loc", loc);
      json_object_set_string_member (entry, "msg", error ? error->message : "Empty JSON document");
      json_object_set_string_member (entry, "type", "json_invalid");
      json_array_add_object_element (detail, entry);
      json_object_set_array_member (object, "detail", detail);
      fal_local_call_respond_object (call, 422, object);
      return FALSE;
    }

  *out = json_node_ref (root);
  return TRUE;
}

SoupMessageHeaders *
fal_local_call_sse_headers (FalLocalCall *call)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);

  soup_message_headers_replace (headers, "Content-Type", "text/event-stream");
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_message_headers_replace (headers, "Transfer-Encoding", "chunked");
  if (call->request_id)
    soup_message_headers_replace (headers, "x-fal-request-id", call->request_id);
  return headers;
}

void
fal_local_sse_write_event (FalLocalRaw *raw,
                 FalLocalCall        *call,
                 JsonNode    *node)
{
  gsize length = 0;
  g_autofree char *text = fal_local_json_to_text (node, &length);

  fal_local_sse_write_event_text (raw, call, text, length);
}

void
fal_local_sse_write_event_text (FalLocalRaw  *raw,
                                FalLocalCall *call,
                                const char   *text,
                                gsize         length)
{
  g_autoptr(GString) event = g_string_sized_new (length + 8);

  g_string_append (event, "data: ");

  if (call->fault && call->fault->malformed)
    {
      g_autoptr(GBytes) broken = fal_local_malformed_json (text, length);
      g_string_append_len (event, g_bytes_get_data (broken, NULL), g_bytes_get_size (broken));
    }
  else
    g_string_append_len (event, text, length);
  g_string_append (event, "\n\n");
  fal_local_raw_write_chunk (raw, event->str, event->len);
}

/* ------------------------------------------------------------------ hang-ups */

typedef struct {
  FalLocalHangupFunc func;
  gpointer data;
} HangupWatch;

static gboolean
hangup_cb (GSocket      *socket,
           GIOCondition  condition,
           gpointer      user_data)
{
  HangupWatch *watch = user_data;
  char byte;
  GInputVector vector = { &byte, 1 };
  int flags = G_SOCKET_MSG_PEEK;
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive_message (socket, NULL, &vector, 1, NULL, NULL, &flags, NULL, &error);

  if (n < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  /* n > 0: the client sent more (a pipelined request): it is still there,
   * and watching on would spin on readable data. */
  if (n <= 0)
    watch->func (watch->data);
  return G_SOURCE_REMOVE;
}

GSource *
fal_local_call_watch_hangup (FalLocalCall       *call,
                             FalLocalHangupFunc  func,
                             gpointer            data)
{
  GSocket *socket = soup_server_message_get_socket (call->msg);
  HangupWatch *watch;
  GSource *source;

  if (socket == NULL)
    return NULL;
  watch = g_new0 (HangupWatch, 1);
  watch->func = func;
  watch->data = data;
  source = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (source, G_SOURCE_FUNC (hangup_cb), watch, g_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}
