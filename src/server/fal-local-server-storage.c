/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <math.h>
#include <string.h>

#include "fal-local-catalog.h"
#include "fal-local-cors.h"
#include "fal-local-endpoints.h"
#include "fal-local-server-private.h"

/* A file name as the CDN keeps it: no directories, nothing hidden. */
static char *
clean_file_name (const char *name)
{
  g_autofree char *base = g_path_get_basename (name && *name ? name : "upload.bin");
  char *clean = g_strdelimit (g_strdup (base), "/\\?#%\"<>", '_');

  if (*clean == '.' || *clean == '\0')
    {
      char *prefixed = g_strconcat ("file", clean, NULL);
      g_free (clean);
      return prefixed;
    }
  return clean;
}

gboolean
fal_local_call_object_lifetime (FalLocalCall *call,
                                const char   *header,
                                gint64       *lifetime)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  const char *value = soup_message_headers_get_one (headers, header);
  g_autoptr(JsonParser) parser = NULL;
  JsonNode *root;
  JsonNode *member;
  double seconds;

  *lifetime = 0;
  if (value == NULL)
    return TRUE;

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, value, -1, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    goto invalid;
  member = json_object_get_member (json_node_get_object (root), "expiration_duration_seconds");
  /* Only an ACL, or an explicit null: no expiry. */
  if (member == NULL || JSON_NODE_HOLDS_NULL (member))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (member) ||
      (json_node_get_value_type (member) != G_TYPE_INT64 && json_node_get_value_type (member) != G_TYPE_DOUBLE))
    goto invalid;
  seconds = json_node_get_value_type (member) == G_TYPE_INT64 ? (double) json_node_get_int (member)
                                                               : json_node_get_double (member);
  if (!(seconds > 0) || seconds > 1e10)
    goto invalid;
  /* On the timeline's clock, like every other wait. */
  *lifetime = MAX (1, (gint64) (seconds * G_USEC_PER_SEC / call->server->speed));
  return TRUE;

invalid:
  {
    g_autofree char *detail = g_strdup_printf ("Invalid %s header: expected a JSON object with "
                                               "\"expiration_duration_seconds\": a number of seconds > 0",
                                               header);
    fal_local_call_respond_detail (call, 400, detail);
    return FALSE;
  }
}

/* ------------------------------------------------------------------ tokens */

static void
add_field_error (JsonArray  *errors,
                 const char *field,
                 int         index,
                 const char *type,
                 const char *msg)
{
  JsonObject *entry = json_object_new ();
  JsonArray *loc = json_array_new ();

  json_array_add_string_element (loc, "body");
  if (field)
    json_array_add_string_element (loc, field);
  if (index >= 0)
    json_array_add_int_element (loc, index);
  json_object_set_array_member (entry, "loc", loc);
  json_object_set_string_member (entry, "msg", msg);
  json_object_set_string_member (entry, "type", type);
  json_array_add_object_element (errors, entry);
}

/* POST /tokens/ {"allowed_apps": […], "token_expiration": s}: a JWT, as a
 * JSON string, that stands in for the key on those apps' run, stream and
 * queue routes. Field errors are Pydantic's, as fal's FastAPI answers. */
static void
serve_tokens (FalLocalCall *call)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonArray) errors = json_array_new ();
  g_autoptr(GPtrArray) apps = g_ptr_array_new ();
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *token = NULL;
  gint64 expiration = FAL_LOCAL_TOKEN_DEFAULT_EXPIRATION;
  JsonObject *object;
  JsonNode *member;

  if (!fal_local_call_parse_body (call, &body))
    return;
  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      add_field_error (errors, NULL, -1, "model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
      fal_local_call_respond_field_errors (call, errors);
      return;
    }
  object = json_node_get_object (body);

  member = json_object_get_member (object, "allowed_apps");
  if (member == NULL)
    add_field_error (errors, "allowed_apps", -1, "missing", "Field required");
  else if (!JSON_NODE_HOLDS_ARRAY (member))
    add_field_error (errors, "allowed_apps", -1, "list_type", "Input should be a valid list");
  else
    {
      JsonArray *array = json_node_get_array (member);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          JsonNode *element = json_array_get_element (array, i);

          if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING &&
              *json_node_get_string (element) != '\0')
            g_ptr_array_add (apps, (gpointer) json_node_get_string (element));
          else
            add_field_error (errors, "allowed_apps", (int) i, "string_type", "Input should be a valid, non-empty string");
        }
      if (json_array_get_length (array) == 0)
        add_field_error (errors, "allowed_apps", -1, "too_short", "List should have at least 1 item after validation, not 0");
    }

  member = json_object_get_member (object, "token_expiration");
  if (member && !JSON_NODE_HOLDS_NULL (member))
    {
      GType type = JSON_NODE_HOLDS_VALUE (member) ? json_node_get_value_type (member) : G_TYPE_INVALID;
      double value = type == G_TYPE_INT64 ? (double) json_node_get_int (member) :
                     type == G_TYPE_DOUBLE ? json_node_get_double (member) : NAN;

      /* Pydantic takes 120.0 as an int, but not 120.5, "120" or true. */
      if (!isfinite (value) || value != floor (value))
        add_field_error (errors, "token_expiration", -1, "int_type", "Input should be a valid integer");
      else if (value < 1)
        add_field_error (errors, "token_expiration", -1, "greater_than_equal", "Input should be greater than or equal to 1");
      else if (value > FAL_LOCAL_TOKEN_MAX_EXPIRATION)
        add_field_error (errors, "token_expiration", -1, "less_than_equal", "Input should be less than or equal to 86400");
      else
        expiration = (gint64) value;
    }

  if (json_array_get_length (errors) > 0)
    {
      fal_local_call_respond_field_errors (call, errors);
      return;
    }

  g_ptr_array_add (apps, NULL);
  token = fal_local_tokens_issue (call->server->tokens, (const char * const *) apps->pdata, (guint) expiration);
  answer = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (answer, token);
  fal_local_call_respond_json (call, 201, answer);
}

/* ------------------------------------------------------------------ Python's CDN */

/* fal's value is not known (⚠️); an hour, on the timeline's clock. */
#define CDN_TOKEN_LIFETIME_S 3600

/* POST /rest/storage/auth/token?storage_type=fal-cdn-v3, body {}: a
 * bearer token for {base_url}/files/upload, and when it stops working. */
static void
serve_cdn_token (FalLocalCall *call)
{
  FalLocalServer *self = call->server;
  const char *storage_type = fal_local_call_query (call, "storage_type");
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) expires = NULL;
  g_autofree char *token = NULL;
  g_autofree char *expires_at = NULL;
  g_autofree char *base_url = NULL;
  gint64 lifetime;

  if (!fal_local_call_check_auth (call) || !fal_local_call_check_method (call, "POST") ||
      !fal_local_call_parse_body (call, &body))
    return;
  if (storage_type && !g_str_equal (storage_type, "fal-cdn-v3"))
    {
      g_autofree char *detail = g_strdup_printf ("Unsupported storage_type '%s': this server has fal-cdn-v3",
                                                 storage_type);
      fal_local_call_respond_detail (call, 400, detail);
      return;
    }

  lifetime = MAX (1, (gint64) ((double) CDN_TOKEN_LIFETIME_S * G_USEC_PER_SEC / self->speed));
  token = fal_local_tokens_issue_cdn (self->tokens, lifetime);
  expires = g_date_time_add (now, lifetime);
  /* "+00:00", not "Z": Python before 3.11 cannot read a Z in fromisoformat(). */
  expires_at = g_date_time_format (expires, "%Y-%m-%dT%H:%M:%S+00:00");
  base_url = g_strconcat (fal_local_server_get_public_base (self), "/cdn", NULL);
  json_object_set_string_member (answer, "token", token);
  json_object_set_string_member (answer, "token_type", "Bearer");
  json_object_set_string_member (answer, "base_url", base_url);
  json_object_set_string_member (answer, "expires_at", expires_at);
  fal_local_call_respond_object (call, 200, answer);
}

/* NULL when the Authorization header may upload to the CDN: a CDN token
 * as Bearer, or the key (the legacy fal.media flow); else why not. The
 * key as a Bearer token is not one. */
static const char *
cdn_auth_problem (FalLocalServer     *self,
                  SoupMessageHeaders *headers)
{
  const char *value = soup_message_headers_get_one (headers, "Authorization");

  if (value == NULL)
    return "Missing Authorization header: expected 'Bearer <token>' from storage/auth/token";
  if (g_ascii_strncasecmp (value, "Key ", 4) == 0)
    return g_strcmp0 (value + 4, self->key) == 0 ? NULL : "No user found for Key ID and Secret";
  if (g_ascii_strncasecmp (value, "Bearer ", 7) == 0)
    {
      const char *token = value + 7;

      while (*token == ' ')
        token++;
      switch (fal_local_tokens_check_cdn (self->tokens, token))
        {
        case FAL_LOCAL_TOKEN_VALID:
          return NULL;
        case FAL_LOCAL_TOKEN_EXPIRED:
          return "Token has expired";
        default:
          return "Invalid token";
        }
    }
  return "Invalid Authorization header: expected 'Bearer <token>'";
}

/* X-Fal-File-Name, or a name after the content type. */
static char *
python_file_name (SoupMessageHeaders *headers)
{
  const char *name = soup_message_headers_get_one (headers, "X-Fal-File-Name");
  const char *type = soup_message_headers_get_content_type (headers, NULL);
  const char *slash = type ? strchr (type, '/') : NULL;
  g_autofree char *ext = NULL;

  if (name && *name)
    return clean_file_name (name);
  ext = g_strdup (slash ? slash + 1 : "bin");
  ext[strcspn (ext, "+;")] = '\0';
  if (g_str_equal (ext, "octet-stream") || *ext == '\0')
    return g_strdup ("upload.bin");
  if (g_str_equal (ext, "plain"))
    return g_strdup ("upload.txt");
  for (char *p = ext; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      *p = '_';
  return g_strconcat ("upload.", ext, NULL);
}

/* The lifecycle a CDN upload asks for: the JS name of the header, else
 * the Python one. FALSE after answering 400. */
static gboolean
cdn_upload_lifetime (FalLocalCall *call,
                     gint64       *lifetime)
{
  if (!fal_local_call_object_lifetime (call, "X-Fal-Object-Lifecycle", lifetime))
    return FALSE;
  if (*lifetime == 0 && !fal_local_call_object_lifetime (call, "X-Fal-Object-Lifecycle-Preference", lifetime))
    return FALSE;
  return TRUE;
}

/* POST {base_url}/files/upload/multipart → {access_url, uploadId}; the
 * parts go to {access_url}/multipart/{uploadId}/{n}. */
static void
initiate_python_multipart (FalLocalCall *call)
{
  FalLocalServer *self = call->server;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  const char *problem = cdn_auth_problem (self, headers);
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autofree char *file_name = NULL;
  g_autofree char *file_id = NULL;
  g_autofree char *token = NULL;
  g_autofree char *access_url = NULL;
  gint64 lifetime = 0;

  if (!fal_local_call_check_method (call, "POST"))
    return;
  if (problem)
    {
      fal_local_call_respond_detail (call, 401, problem);
      return;
    }
  if (!cdn_upload_lifetime (call, &lifetime))
    return;
  file_name = python_file_name (headers);
  token = fal_local_storage_initiate (self->storage, soup_message_headers_get_content_type (headers, NULL),
                                      file_name, TRUE, &file_id);
  fal_local_storage_set_upload_lifetime (self->storage, token, lifetime);
  access_url = fal_local_file_url (fal_local_server_get_public_base (self), file_id, file_name);
  json_object_set_string_member (answer, "access_url", access_url);
  json_object_set_string_member (answer, "uploadId", token);
  fal_local_call_respond_object (call, 200, answer);
}

void
fal_local_server_route_rest (FalLocalCall       *call,
            const char *rest)
{
  FalLocalServer *self = call->server;
  gboolean multipart = g_str_equal (rest, "storage/upload/initiate-multipart");

  /* Python's CDN token: its own route, ahead of the others. */
  if (g_str_equal (rest, "storage/auth/token"))
    {
      serve_cdn_token (call);
      return;
    }
  if (multipart || g_str_equal (rest, "storage/upload/initiate"))
    {
      g_autoptr(JsonNode) body = NULL;
      g_autoptr(JsonObject) answer = json_object_new ();
      g_autofree char *file_id = NULL;
      g_autofree char *token = NULL;
      g_autofree char *file_name = NULL;
      g_autofree char *upload_url = NULL;
      g_autofree char *file_url = NULL;
      const char *content_type = NULL;
      const char *name = NULL;
      gint64 lifetime = 0;

      if (!fal_local_call_check_auth (call) || !fal_local_call_check_method (call, "POST") || !fal_local_call_parse_body (call, &body))
        return;
      if (!fal_local_call_object_lifetime (call, "X-Fal-Object-Lifecycle", &lifetime))
        return;
      if (JSON_NODE_HOLDS_OBJECT (body))
        {
          JsonObject *object = json_node_get_object (body);
          JsonNode *member;

          if ((member = json_object_get_member (object, "content_type")) && JSON_NODE_HOLDS_VALUE (member) &&
              json_node_get_value_type (member) == G_TYPE_STRING)
            content_type = json_node_get_string (member);
          if ((member = json_object_get_member (object, "file_name")) && JSON_NODE_HOLDS_VALUE (member) &&
              json_node_get_value_type (member) == G_TYPE_STRING)
            name = json_node_get_string (member);
        }
      file_name = clean_file_name (name);
      token = fal_local_storage_initiate (self->storage, content_type, file_name, multipart, &file_id);
      fal_local_storage_set_upload_lifetime (self->storage, token, lifetime);
      upload_url = g_strdup_printf ("%s/cdn/%s/%s?X-Local-Signature=%s", fal_local_server_get_public_base (self),
                                    multipart ? "multipart" : "upload", token, token);
      file_url = fal_local_file_url (fal_local_server_get_public_base (self), file_id, file_name);
      json_object_set_string_member (answer, "upload_url", upload_url);
      json_object_set_string_member (answer, "file_url", file_url);
      fal_local_call_respond_object (call, 200, answer);
    }
  else if (g_str_equal (rest, "tokens/") || g_str_equal (rest, "tokens"))
    {
      if (!fal_local_call_check_auth (call) || !fal_local_call_check_method (call, "POST"))
        return;
      serve_tokens (call);
    }
  else if (g_str_equal (rest, ".well-known/jwks.json"))
    {
      /* Public, as fal's: the keys that verify webhook signatures. */
      FalLocalWebhookSigner *signer = self->webhook ? fal_local_webhook_get_signer (self->webhook) : NULL;
      g_autoptr(JsonNode) jwks = NULL;

      if (!fal_local_call_check_method (call, "GET"))
        return;
      if (signer)
        jwks = fal_local_webhook_signer_dup_jwks (signer);
      else
        jwks = json_from_string ("{\"keys\": []}", NULL);
      /* The key changes at every server start. */
      soup_message_headers_replace (soup_server_message_get_response_headers (call->msg), "Cache-Control", "no-cache");
      fal_local_call_respond_json (call, 200, jwks);
    }
  else
    fal_local_call_respond_detail (call, 404, "Not Found");
}

/* ------------------------------------------------------------------ uploads */

/* An upload PUT's body goes to disk as it arrives, never held whole. */
typedef struct {
  FalLocalStorage *storage;
  char *token;
  guint part;
  GOutputStream *out;
  gboolean failed;
} PutSink;

static void
put_sink_free (gpointer data)
{
  PutSink *sink = data;

  if (sink->out)
    {
      g_output_stream_close (sink->out, NULL, NULL);
      /* Not finished by the handler: the client left mid-body. */
      fal_local_storage_finish_put (sink->storage, sink->token, sink->part, FALSE, NULL, NULL, NULL);
    }
  g_clear_object (&sink->out);
  g_object_unref (sink->storage);
  g_free (sink->token);
  g_free (sink);
}

static void
put_got_chunk_cb (SoupServerMessage *msg,
                  GBytes            *chunk,
                  PutSink           *sink)
{
  if (sink->failed || sink->out == NULL)
    return;
  if (!g_output_stream_write_all (sink->out, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk),
                                  NULL, NULL, NULL))
    sink->failed = TRUE;
}

/* Parses cdn/upload/TOKEN, cdn/multipart/TOKEN/N and Python's
 * cdn/files/ID/NAME/multipart/TOKEN/N (file_id: ID there, else NULL). */
static gboolean
parse_upload_path (const char  *path,
                   char       **token,
                   guint       *part,
                   gboolean    *multipart,
                   char       **file_id)
{
  g_auto(GStrv) segments = NULL;
  guint n;

  *file_id = NULL;
  if (!g_str_has_prefix (path, "/cdn/"))
    return FALSE;
  segments = g_strsplit (path + strlen ("/cdn/"), "/", -1);
  n = g_strv_length (segments);
  if (n == 6 && g_str_equal (segments[0], "files") && g_str_equal (segments[3], "multipart"))
    {
      guint64 number = 0;

      if (!g_ascii_string_to_unsigned (segments[5], 10, 1, 10000, &number, NULL))
        return FALSE;
      *token = g_strdup (segments[4]);
      *part = (guint) number;
      *multipart = TRUE;
      *file_id = g_strdup (segments[1]);
      return TRUE;
    }
  if (n == 2 && g_str_equal (segments[0], "upload"))
    {
      *token = g_strdup (segments[1]);
      *part = 0;
      *multipart = FALSE;
      return TRUE;
    }
  if (n == 3 && g_str_equal (segments[0], "multipart"))
    {
      guint64 number = 0;

      if (!g_ascii_string_to_unsigned (segments[2], 10, 1, 10000, &number, NULL))
        return FALSE;
      *token = g_strdup (segments[1]);
      *part = (guint) number;
      *multipart = TRUE;
      return TRUE;
    }
  return FALSE;
}

/* The body of msg goes to disk, into the upload's part (0: the file). */
static void
attach_put_sink (FalLocalServer    *self,
                 SoupServerMessage *msg,
                 char              *token,
                 guint              part)
{
  g_autoptr(GError) error = NULL;
  PutSink *sink = g_new0 (PutSink, 1);

  sink->storage = g_object_ref (self->storage);
  sink->token = token;
  sink->part = part;
  {
    g_autoptr(GOutputStream) file_out = fal_local_storage_begin_put (self->storage, sink->token, part, &error);

    /* libsoup hands the body over in 8 KiB chunks: a write each would
     * keep this thread busy with system calls. */
    if (file_out)
      sink->out = g_buffered_output_stream_new_sized (file_out, 1024 * 1024);
    else
      g_warning ("Cannot store an upload: %s", error->message);
  }

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  g_signal_connect (msg, "got-chunk", G_CALLBACK (put_got_chunk_cb), sink);
  g_object_set_data_full (G_OBJECT (msg), "fal-local-put-sink", sink, put_sink_free);
}

/* Whether a Python part's URL names the file its upload makes. */
static gboolean
upload_makes_file (FalLocalServer *self,
                   const char     *token,
                   const char     *file_id)
{
  g_autofree char *expected = fal_local_storage_upload_file_id (self->storage, token);

  return g_strcmp0 (expected, file_id) == 0;
}

/* POST {base_url}/files/upload: the raw body is the file. Authorized
 * here, before the body comes: a refused body is dropped as it arrives,
 * never held (the handler then answers 401). */
static void
begin_python_upload (FalLocalServer     *self,
                     SoupServerMessage  *msg,
                     SoupMessageHeaders *headers)
{
  g_autofree char *file_name = NULL;
  g_autofree char *file_id = NULL;
  char *token;

  soup_message_body_set_accumulate (soup_server_message_get_request_body (msg), FALSE);
  if (cdn_auth_problem (self, headers) != NULL)
    return;
  file_name = python_file_name (headers);
  token = fal_local_storage_initiate (self->storage, soup_message_headers_get_content_type (headers, NULL),
                                      file_name, FALSE, &file_id);
  attach_put_sink (self, msg, token, 0);
}

void
fal_local_server_early_handler (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  FalLocalServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  g_autofree char *token = NULL;
  g_autofree char *file_id = NULL;
  guint part = 0;
  gboolean multipart = FALSE;

  const char *target = soup_message_headers_get_one (headers, "x-fal-target-url");
  g_autofree char *target_path = NULL;
  g_autofree char *target_query = NULL;

  /* An upload may come in the proxy form too. */
  if (target && fal_local_target_resolve (target, &target_path, &target_query))
    path = target_path;

  /* Every message passes here first: whatever answers it later (a route,
   * an event stream or fault written raw, the 413 below) sends these. */
  if (fal_local_cors_applies_to (path))
    fal_local_cors_add_headers (headers, soup_server_message_get_response_headers (msg));

  if (fal_local_limits_check_early (self, msg, path, target ? "proxy" : "direct"))
    return;

  if (g_str_equal (soup_server_message_get_method (msg), "POST") && g_str_equal (path, "/cdn/files/upload"))
    {
      begin_python_upload (self, msg, headers);
      return;
    }

  if (!g_str_equal (soup_server_message_get_method (msg), "PUT") ||
      !parse_upload_path (path, &token, &part, &multipart, &file_id))
    return;

  if (!fal_local_storage_has_upload (self->storage, token, multipart) ||
      (file_id && !upload_makes_file (self, token, file_id)))
    return;   /* the handler answers 404 */

  attach_put_sink (self, msg, g_steal_pointer (&token), part);
}

/* Closes the sink's file and stores it as its upload's part (or file);
 * FALSE after answering 500. */
static gboolean
finish_sink (FalLocalCall  *call,
             PutSink       *sink,
             char         **etag)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = g_steal_pointer (&sink->out);
  gboolean ok;

  ok = g_output_stream_close (out, NULL, &error) && !sink->failed;
  if (!fal_local_storage_finish_put (call->server->storage, sink->token, sink->part, ok,
                                     soup_message_headers_get_content_type (headers, NULL),
                                     etag, ok ? &error : NULL) || !ok)
    {
      fal_local_call_respond_detail (call, 500, error ? error->message : "Cannot store the upload");
      return FALSE;
    }
  return TRUE;
}

static void
finish_upload_put (FalLocalCall       *call,
                   const char *path)
{
  PutSink *sink = g_object_get_data (G_OBJECT (call->msg), "fal-local-put-sink");
  g_autofree char *etag = NULL;

  if (sink == NULL || sink->out == NULL)
    {
      fal_local_call_respond_detail (call, 404, "Unknown upload URL");
      return;
    }
  if (!finish_sink (call, sink, &etag))
    return;

  if (sink->part == 0)
    {
      soup_server_message_set_status (call->msg, 200, NULL);
      return;
    }
  else
    {
      g_autoptr(JsonObject) answer = json_object_new ();
      g_autofree char *quoted = g_strdup_printf ("\"%s\"", etag);

      soup_message_headers_replace (soup_server_message_get_response_headers (call->msg), "ETag", quoted);
      json_object_set_int_member (answer, "partNumber", sink->part);
      json_object_set_string_member (answer, "etag", etag);
      fal_local_call_respond_object (call, 200, answer);
    }
}

/* The end of POST {base_url}/files/upload: {"access_url"}. */
static void
finish_python_upload (FalLocalCall *call)
{
  FalLocalServer *self = call->server;
  PutSink *sink = g_object_get_data (G_OBJECT (call->msg), "fal-local-put-sink");
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(FalLocalFile) file = NULL;
  g_autofree char *file_id = NULL;
  g_autofree char *url = NULL;
  gint64 lifetime = 0;

  if (!fal_local_call_check_method (call, "POST"))
    return;
  if (sink == NULL)
    {
      /* The early handler refused it, or never saw it: a proxy-form
       * request to the public URL, whose body was read whole. */
      const char *problem = cdn_auth_problem (self, headers);
      g_autoptr(GBytes) bytes = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *file_name = NULL;

      if (problem)
        {
          fal_local_call_respond_detail (call, 401, problem);
          return;
        }
      if (!cdn_upload_lifetime (call, &lifetime))
        return;
      bytes = soup_message_body_flatten (soup_server_message_get_request_body (call->msg));
      file_name = python_file_name (headers);
      file_id = fal_local_storage_put_bytes (self->storage, bytes, soup_message_headers_get_content_type (headers, NULL),
                                             file_name, &error);
      if (file_id == NULL)
        {
          fal_local_call_respond_detail (call, 500, error->message);
          return;
        }
      fal_local_storage_set_lifetime (self->storage, file_id, lifetime);
    }
  else
    {
      /* A bad header drops the bytes: the sink goes with the message. */
      if (sink->out == NULL || !cdn_upload_lifetime (call, &lifetime))
        {
          if (sink->out == NULL)
            fal_local_call_respond_detail (call, 500, "Cannot store the upload");
          return;
        }
      fal_local_storage_set_upload_lifetime (self->storage, sink->token, lifetime);
      file_id = fal_local_storage_upload_file_id (self->storage, sink->token);
      if (!finish_sink (call, sink, NULL))
        return;
    }
  file = fal_local_storage_lookup (self->storage, file_id);
  if (file == NULL)
    {
      fal_local_call_respond_detail (call, 500, "Cannot store the upload");
      return;
    }
  url = fal_local_file_url (fal_local_server_get_public_base (self), file_id, file->file_name);
  json_object_set_string_member (answer, "access_url", url);
  fal_local_call_respond_object (call, 200, answer);
}

typedef struct {
  FalLocalStorage *storage;
  char *token;
  GArray *numbers;
  GPtrArray *etags;
  const char *url_member;   /* "file_url" (JS) or "access_url" (Python) */
} Complete;

static void
complete_free (gpointer data)
{
  Complete *complete = data;

  g_object_unref (complete->storage);
  g_free (complete->token);
  g_array_unref (complete->numbers);
  g_ptr_array_unref (complete->etags);
  g_free (complete);
}

static void
complete_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Complete *complete = task_data;
  GError *error = NULL;
  char *file_id = NULL;

  if (fal_local_storage_complete_multipart (complete->storage, complete->token,
                                            (const guint *) complete->numbers->data,
                                            (const char **) complete->etags->pdata,
                                            complete->numbers->len, &file_id, &error))
    g_task_return_pointer (task, file_id, g_free);
  else
    g_task_return_error (task, error);
}

static void
complete_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(FalLocalCall) call = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *file_id = g_task_propagate_pointer (G_TASK (result), &error);
  Complete *complete = g_task_get_task_data (G_TASK (result));

  if (file_id == NULL)
    fal_local_call_respond_detail (call, 400, error->message);
  else
    {
      g_autoptr(FalLocalFile) file = fal_local_storage_lookup (call->server->storage, file_id);
      g_autofree char *url = fal_local_file_url (fal_local_server_get_public_base (call->server), file_id, file->file_name);
      g_autoptr(JsonObject) answer = json_object_new ();

      json_object_set_string_member (answer, complete->url_member, url);
      fal_local_call_respond_object (call, 200, answer);
    }
  /* A drop or truncate fault wrote the answer on the stolen connection:
   * libsoup has let go of the message. */
  if (!call->answered_raw)
    soup_server_message_unpause (call->msg);
}

static void
complete_multipart (FalLocalCall *call,
                    const char   *token,
                    const char   *url_member)
{
  FalLocalServer *self = call->server;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(GTask) task = NULL;
  JsonArray *parts = NULL;
  g_autoptr(GHashTable) seen = NULL;
  Complete *complete;

  if (!fal_local_call_parse_body (call, &body))
    return;
  if (JSON_NODE_HOLDS_OBJECT (body) && json_object_has_member (json_node_get_object (body), "parts"))
    {
      JsonNode *node = json_object_get_member (json_node_get_object (body), "parts");
      parts = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
    }
  if (parts == NULL || json_array_get_length (parts) == 0)
    {
      fal_local_call_respond_detail (call, 400, "Expected {\"parts\": [{\"partNumber\": n, \"etag\": \"…\"}, …]}");
      return;
    }

  complete = g_new0 (Complete, 1);
  complete->storage = g_object_ref (self->storage);
  complete->token = g_strdup (token);
  complete->url_member = url_member;
  complete->numbers = g_array_new (FALSE, FALSE, sizeof (guint));
  complete->etags = g_ptr_array_new_with_free_func (g_free);
  seen = g_hash_table_new (NULL, NULL);
  for (guint i = 0; i < json_array_get_length (parts); i++)
    {
      JsonNode *element = json_array_get_element (parts, i);
      JsonObject *part = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      JsonNode *number = part ? json_object_get_member (part, "partNumber") : NULL;
      JsonNode *etag = part ? json_object_get_member (part, "etag") : NULL;
      guint value;

      if (number == NULL || !JSON_NODE_HOLDS_VALUE (number) || json_node_get_value_type (number) != G_TYPE_INT64)
        {
          complete_free (complete);
          fal_local_call_respond_detail (call, 400, "Every part needs an integer partNumber");
          return;
        }
      /* As on the part PUTs: 1 to 10,000 (4294967297 was taken as 1),
       * each once (a part listed twice broke the upload for good). */
      if (json_node_get_int (number) < 1 || json_node_get_int (number) > 10000)
        {
          complete_free (complete);
          fal_local_call_respond_detail (call, 400, "partNumber must be between 1 and 10000");
          return;
        }
      value = (guint) json_node_get_int (number);
      if (!g_hash_table_add (seen, GUINT_TO_POINTER (value)))
        {
          g_autofree char *detail = g_strdup_printf ("Part %u is listed more than once", value);

          complete_free (complete);
          fal_local_call_respond_detail (call, 400, detail);
          return;
        }
      g_array_append_val (complete->numbers, value);
      if (etag && JSON_NODE_HOLDS_VALUE (etag) && json_node_get_value_type (etag) == G_TYPE_STRING)
        {
          const char *text = json_node_get_string (etag);
          gsize len = strlen (text);

          /* An ETag as read from the header keeps its quotes. */
          if (len >= 2 && text[0] == '"' && text[len - 1] == '"')
            g_ptr_array_add (complete->etags, g_strndup (text + 1, len - 2));
          else
            g_ptr_array_add (complete->etags, g_strdup (text));
        }
      else
        g_ptr_array_add (complete->etags, NULL);
    }

  /* Renaming parts is disk work: off the server's thread. */
  soup_server_message_pause (call->msg);
  task = g_task_new (NULL, NULL, complete_cb, fal_local_call_ref (call));
  g_task_set_task_data (task, complete, complete_free);
  g_task_run_in_thread (task, complete_thread);
}

/* A file that expires between its lookup and its read (the lookup that
 * finds it expired deletes it) is gone, as at fal's CDN: 404, not 500. */
static void
respond_read_error (FalLocalCall *call,
                    const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ||
      g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    fal_local_call_respond_detail (call, 404, "File not found");
  else
    fal_local_call_respond_detail (call, 500, error->message);
}

static void
serve_file (FalLocalCall *call,
            const char   *file_id)
{
  g_autoptr(FalLocalFile) file = fal_local_storage_lookup (call->server->storage, file_id);
  g_autoptr(GPtrArray) pieces = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);
  FalLocalFault *fault = call->fault;

  if (file == NULL)
    {
      fal_local_call_respond_detail (call, 404, "File not found");
      return;
    }
  soup_message_headers_replace (headers, "Cache-Control", "public, max-age=31536000, immutable");
  /* Served as uploaded, never as a sniffed text/html page. */
  soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");

  /* A fault cuts or breaks one body: give it the whole file. */
  if (fault && (fault->drop_bytes >= 0 || fault->truncate_bytes >= 0 || fault->malformed))
    {
      g_autoptr(GBytes) bytes = fal_local_storage_read (call->server->storage, file_id, &error);

      if (bytes == NULL)
        respond_read_error (call, error);
      else
        fal_local_call_respond_bytes (call, 200, file->content_type, bytes);
      return;
    }

  pieces = fal_local_storage_read_pieces (call->server->storage, file_id, &error);
  if (pieces == NULL)
    {
      respond_read_error (call, error);
      return;
    }
  /* The pieces (a multipart upload's parts) go out as they are stored:
   * mapped, never copied or joined. */
  soup_server_message_set_status (call->msg, 200, NULL);
  soup_message_headers_set_content_type (headers, file->content_type, NULL);
  for (guint i = 0; i < pieces->len; i++)
    soup_message_body_append_bytes (soup_server_message_get_response_body (call->msg),
                                    g_ptr_array_index (pieces, i));
}

/* The catalog's model pictures: media URLs, so no key. */
static void
serve_thumbnail (FalLocalCall *call,
                 const char   *name)
{
  const FalLocalCatalogModel *model = fal_local_catalog_lookup_thumbnail (name);
  g_autoptr(GBytes) bytes = model ? fal_local_catalog_thumbnail (model) : NULL;

  if (bytes == NULL)
    {
      fal_local_call_respond_detail (call, 404, "File not found");
      return;
    }
  soup_message_headers_replace (soup_server_message_get_response_headers (call->msg),
                                "Cache-Control", "public, max-age=86400");
  fal_local_call_respond_bytes (call, 200, "image/png", bytes);
}

void
fal_local_server_route_cdn (FalLocalCall       *call,
           const char *rest)
{
  g_auto(GStrv) segments = g_strsplit (rest, "/", -1);
  guint n = g_strv_length (segments);
  g_autofree char *token = NULL;
  g_autofree char *file_id = NULL;
  guint part = 0;
  gboolean multipart = FALSE;

  if (n == 2 && g_str_equal (segments[0], "thumbnails"))
    {
      if (fal_local_call_check_method (call, "GET"))
        serve_thumbnail (call, segments[1]);
    }
  else if (n == 2 && g_str_equal (segments[0], "files") && g_str_equal (segments[1], "upload"))
    finish_python_upload (call);
  else if (n == 3 && g_str_equal (segments[0], "files") && g_str_equal (segments[1], "upload") &&
           g_str_equal (segments[2], "multipart"))
    initiate_python_multipart (call);
  else if (n == 6 && g_str_equal (segments[0], "files") && g_str_equal (segments[3], "multipart") &&
           g_str_equal (segments[5], "complete"))
    {
      if (!fal_local_call_check_method (call, "POST"))
        return;
      if (!fal_local_storage_has_upload (call->server->storage, segments[4], TRUE) ||
          !upload_makes_file (call->server, segments[4], segments[1]))
        fal_local_call_respond_detail (call, 404, "Unknown upload URL");
      else
        complete_multipart (call, segments[4], "access_url");
    }
  else if (n == 6 && g_str_equal (segments[0], "files") && g_str_equal (segments[3], "multipart"))
    {
      if (fal_local_call_check_method (call, "PUT"))
        finish_upload_put (call, call->path);
    }
  else if (n >= 2 && g_str_equal (segments[0], "files"))
    {
      if (g_str_equal (call->method, "GET") || g_str_equal (call->method, "HEAD"))
        serve_file (call, segments[1]);
      else
        fal_local_call_check_method (call, "GET");
    }
  else if (n == 3 && g_str_equal (segments[0], "multipart") && g_str_equal (segments[2], "complete"))
    {
      if (!fal_local_call_check_method (call, "POST"))
        return;
      if (!fal_local_storage_has_upload (call->server->storage, segments[1], TRUE))
        fal_local_call_respond_detail (call, 404, "Unknown upload URL");
      else
        complete_multipart (call, segments[1], "file_url");
    }
  else if (parse_upload_path (call->path, &token, &part, &multipart, &file_id))
    {
      if (fal_local_call_check_method (call, "PUT"))
        finish_upload_put (call, call->path);
    }
  else
    fal_local_call_respond_detail (call, 404, "Not Found");
}
