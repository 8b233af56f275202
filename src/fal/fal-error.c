/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-error.h"
#include "fal-error-private.h"
#include "fal-json.h"
#include "fal-retry.h"
#include "fal-i18n-private.h"

/* How many field errors a one-line summary names before "(+N more)". */
#define SUMMARY_MAX_ENTRIES 3

typedef struct {
  guint      http_status;
  char      *request_id;
  char      *error_type;
  JsonArray *field_errors;
  gint64     retry_after;
  gboolean   user_timeout;
  gboolean   model_failure;
  char      *status_word;    /* a queue answer's {"status": WORD}, or NULL */
} FalErrorPrivate;

static void
fal_error_private_init (FalErrorPrivate *priv)
{
  priv->retry_after = -1;
}

static void
fal_error_private_copy (const FalErrorPrivate *src,
                        FalErrorPrivate       *dest)
{
  dest->http_status = src->http_status;
  dest->request_id = g_strdup (src->request_id);
  dest->error_type = g_strdup (src->error_type);
  /* Never modified after creation, so copies can share it. */
  dest->field_errors = src->field_errors ? json_array_ref (src->field_errors) : NULL;
  dest->retry_after = src->retry_after;
  dest->user_timeout = src->user_timeout;
  dest->model_failure = src->model_failure;
  dest->status_word = g_strdup (src->status_word);
}

static void
fal_error_private_clear (FalErrorPrivate *priv)
{
  g_clear_pointer (&priv->request_id, g_free);
  g_clear_pointer (&priv->error_type, g_free);
  g_clear_pointer (&priv->field_errors, json_array_unref);
  g_clear_pointer (&priv->status_word, g_free);
}

G_DEFINE_EXTENDED_ERROR (FalError, fal_error)

/* The private data of a FAL_ERROR, or NULL for any other error (the
 * generated getter would warn on a foreign domain). */
static FalErrorPrivate *
get_priv (const GError *error)
{
  if (error == NULL || error->domain != FAL_ERROR)
    return NULL;
  return fal_error_get_private (error);
}

guint
fal_error_get_http_status (const GError *error)
{
  FalErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, 0);

  priv = get_priv (error);
  return priv ? priv->http_status : 0;
}

const char *
fal_error_get_request_id (const GError *error)
{
  FalErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  priv = get_priv (error);
  return priv ? priv->request_id : NULL;
}

const char *
fal_error_get_error_type (const GError *error)
{
  FalErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  priv = get_priv (error);
  return priv ? priv->error_type : NULL;
}

/* Transfer none: owned by the error (and shared with its copies). */
JsonArray *
fal_error_get_field_errors (const GError *error)
{
  FalErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, NULL);

  priv = get_priv (error);
  return priv ? priv->field_errors : NULL;
}

gint64
fal_error_get_retry_after (const GError *error)
{
  FalErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, -1);

  priv = get_priv (error);
  return priv ? priv->retry_after : -1;
}

gboolean
fal_error_is_user_timeout (const GError *error)
{
  FalErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, FALSE);

  priv = get_priv (error);
  return priv ? priv->user_timeout : FALSE;
}

gboolean
fal_error_is_model_failure (const GError *error)
{
  FalErrorPrivate *priv;

  g_return_val_if_fail (error != NULL, FALSE);

  priv = get_priv (error);
  return priv ? priv->model_failure : FALSE;
}

/* The last element of a field error's loc, if it is a string. */
static const char *
loc_last_string (JsonObject *entry)
{
  JsonNode *loc_node = json_object_get_member (entry, "loc");
  JsonArray *loc;
  JsonNode *last;
  guint n;

  if (loc_node == NULL || !JSON_NODE_HOLDS_ARRAY (loc_node))
    return NULL;
  loc = json_node_get_array (loc_node);
  n = json_array_get_length (loc);
  if (n == 0)
    return NULL;
  last = json_array_get_element (loc, n - 1);
  if (json_node_get_value_type (last) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (last);
}

/* Transfer full: a new array of JsonObject (each ref'd), possibly empty. */
GPtrArray *
fal_error_field_errors_for (const GError *error,
                            const char   *field)
{
  GPtrArray *found;
  JsonArray *errors;

  g_return_val_if_fail (error != NULL, NULL);
  g_return_val_if_fail (field != NULL, NULL);

  found = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  errors = fal_error_get_field_errors (error);
  if (errors == NULL)
    return found;

  for (guint i = 0; i < json_array_get_length (errors); i++)
    {
      JsonNode *node = json_array_get_element (errors, i);
      JsonObject *entry;
      const char *last;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        continue;
      entry = json_node_get_object (node);
      last = loc_last_string (entry);
      if (last != NULL && strcmp (last, field) == 0)
        g_ptr_array_add (found, json_object_ref (entry));
    }
  return found;
}

/* String member of an object node, or NULL whatever the shapes are. */
static const char *
get_string_member (JsonNode   *node,
                   const char *name)
{
  JsonNode *member;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  member = json_object_get_member (json_node_get_object (node), name);
  if (member == NULL || json_node_get_value_type (member) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (member);
}

static JsonNode *
get_member (JsonNode   *node,
            const char *name)
{
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_get_member (json_node_get_object (node), name);
}

/* What the JS ValidationError does with a plain-string detail. */
static JsonObject *
wrap_string_detail (const char *msg)
{
  JsonObject *entry = json_object_new ();
  JsonArray *loc = json_array_new ();

  json_array_add_string_element (loc, "body");
  json_object_set_array_member (entry, "loc", loc);
  json_object_set_string_member (entry, "msg", msg);
  json_object_set_string_member (entry, "type", "value_error");
  return entry;
}

/* The field errors of a detail, always as an array of objects so that
 * callers need not check each element: objects are kept, non-empty
 * strings are wrapped, anything else is dropped. NULL when detail holds
 * none. */
static JsonArray *
field_errors_from_detail (JsonNode *detail)
{
  JsonArray *result;

  if (detail == NULL)
    return NULL;

  if (json_node_get_value_type (detail) == G_TYPE_STRING)
    {
      if (*json_node_get_string (detail) == '\0')
        return NULL;
      result = json_array_new ();
      json_array_add_object_element (result, wrap_string_detail (json_node_get_string (detail)));
      return result;
    }

  /* A single error object instead of a list (but not any object). */
  if (JSON_NODE_HOLDS_OBJECT (detail))
    {
      JsonObject *object = json_node_get_object (detail);

      if (!json_object_has_member (object, "msg") && !json_object_has_member (object, "loc"))
        return NULL;
      result = json_array_new ();
      json_array_add_object_element (result, json_node_dup_object (detail));
      return result;
    }

  if (!JSON_NODE_HOLDS_ARRAY (detail))
    return NULL;

  result = json_array_new ();
  for (guint i = 0; i < json_array_get_length (json_node_get_array (detail)); i++)
    {
      JsonNode *node = json_array_get_element (json_node_get_array (detail), i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        json_array_add_object_element (result, json_node_dup_object (node));
      else if (json_node_get_value_type (node) == G_TYPE_STRING &&
               *json_node_get_string (node) != '\0')
        json_array_add_object_element (result, wrap_string_detail (json_node_get_string (node)));
    }
  return result;
}

/* The field a person would recognise: the last string in loc, so that
 * ["body", "images", 0] reads "images"; NULL for the body as a whole. */
static const char *
summary_field (JsonObject *entry)
{
  JsonNode *loc_node = json_object_get_member (entry, "loc");
  JsonArray *loc;

  if (loc_node == NULL || !JSON_NODE_HOLDS_ARRAY (loc_node))
    return NULL;
  loc = json_node_get_array (loc_node);
  for (guint i = json_array_get_length (loc); i > 0; i--)
    {
      JsonNode *element = json_array_get_element (loc, i - 1);

      if (json_node_get_value_type (element) == G_TYPE_STRING)
        {
          const char *name = json_node_get_string (element);

          return *name != '\0' && strcmp (name, "body") != 0 ? name : NULL;
        }
    }
  return NULL;
}

/* "prompt: Field required; seed: Input should be a valid integer",
 * or NULL when no entry has a msg. */
static char *
summarize_field_errors (JsonArray *errors)
{
  g_autoptr(GString) summary = g_string_new (NULL);
  guint shown = 0, skipped = 0;

  for (guint i = 0; i < json_array_get_length (errors); i++)
    {
      JsonObject *entry = json_array_get_object_element (errors, i);
      JsonNode *msg_node = json_object_get_member (entry, "msg");
      const char *field = summary_field (entry);

      if (msg_node == NULL || json_node_get_value_type (msg_node) != G_TYPE_STRING ||
          *json_node_get_string (msg_node) == '\0')
        continue;
      if (shown == SUMMARY_MAX_ENTRIES)
        {
          skipped++;
          continue;
        }
      if (shown > 0)
        g_string_append (summary, "; ");
      if (field != NULL)
        g_string_append_printf (summary, "%s: ", field);
      g_string_append (summary, json_node_get_string (msg_node));
      shown++;
    }

  if (shown == 0)
    return NULL;
  if (skipped > 0)
    g_string_append_printf (summary, " (+%u more)", skipped);
  return g_string_free (g_steal_pointer (&summary), FALSE);
}

static char *
status_text (guint http_status)
{
  const char *phrase;

  /* Codes fal sends that libsoup 3.2 has no phrase for. */
  if (http_status == 429)
    phrase = "Too Many Requests";
  else if (http_status == 499)
    phrase = "Client Closed Request";
  else
    phrase = soup_status_get_phrase (http_status);

  if (phrase == NULL || *phrase == '\0' || g_str_equal (phrase, "Unknown Error"))
    return g_strdup_printf ("HTTP %u", http_status);
  return g_strdup_printf ("HTTP %u %s", http_status, phrase);
}

static FalErrorCode
code_for_status (guint       http_status,
                 const char *error_type)
{
  switch (http_status)
    {
    case 401: return FAL_ERROR_UNAUTHORIZED;
    case 403: return FAL_ERROR_FORBIDDEN;
    case 404: return FAL_ERROR_NOT_FOUND;
    case 408: return FAL_ERROR_TIMEOUT;
    case 422: return FAL_ERROR_VALIDATION;
    case 429: return FAL_ERROR_RATE_LIMITED;
    case 504: return FAL_ERROR_TIMEOUT;
    case 499:
      if (g_strcmp0 (error_type, "client_cancelled") == 0)
        return FAL_ERROR_CANCELLED;
      return FAL_ERROR_APP;
    default:
      break;
    }

  if (http_status >= 500 && http_status <= 599)
    return FAL_ERROR_SERVER;
  if (http_status >= 400 && http_status <= 499)
    return FAL_ERROR_APP;
  /* 1xx–3xx (or anything else) is not an error answer we know. */
  return FAL_ERROR_PROTOCOL;
}

static void
set_details (GError     *error,
             guint       http_status,
             const char *request_id,
             const char *error_type)
{
  FalErrorPrivate *priv = fal_error_get_private (error);

  priv->http_status = http_status;
  g_free (priv->request_id);
  priv->request_id = g_strdup (request_id);
  g_free (priv->error_type);
  priv->error_type = g_strdup (error_type);
}

/* A header value, or NULL if missing or blank. */
static const char *
get_header (SoupMessageHeaders *headers,
            const char         *name)
{
  const char *value;

  if (headers == NULL)
    return NULL;
  value = soup_message_headers_get_one (headers, name);
  if (value == NULL || *value == '\0')
    return NULL;
  return value;
}

GError *
fal_error_new_from_response (guint               http_status,
                             SoupMessageHeaders *headers,
                             JsonNode           *body)
{
  g_autofree char *message = NULL;
  g_autoptr(JsonArray) field_errors = NULL;
  const char *request_id;
  const char *error_type;
  const char *timeout_type;
  const char *retry_after;
  JsonNode *detail;
  GError *error;
  FalErrorPrivate *priv;

  request_id = get_header (headers, "x-fal-request-id");

  /* Python's order: the body's error_type, then the header. */
  error_type = get_string_member (body, "error_type");
  if (error_type == NULL || *error_type == '\0')
    error_type = get_header (headers, "X-Fal-Error-Type");

  detail = get_member (body, "detail");
  if (detail != NULL && json_node_get_value_type (detail) == G_TYPE_STRING)
    {
      message = g_strdup (json_node_get_string (detail));
      if (*message == '\0')
        g_clear_pointer (&message, g_free);
    }

  field_errors = field_errors_from_detail (detail);
  /* Only a 422 turns a string detail into a field error (as JS does);
   * other codes keep a structured detail when there is one. */
  if (field_errors != NULL && http_status != 422 &&
      json_node_get_value_type (detail) == G_TYPE_STRING)
    g_clear_pointer (&field_errors, json_array_unref);
  if (field_errors == NULL && http_status == 422)
    field_errors = json_array_new ();

  /* The fal detail is more specific than a generic message, so it wins. */
  if (message == NULL && field_errors != NULL)
    message = summarize_field_errors (field_errors);
  if (message == NULL)
    {
      const char *body_message = get_string_member (body, "message");

      if (body_message != NULL && *body_message != '\0')
        message = g_strdup (body_message);
    }
  if (message == NULL)
    message = status_text (http_status);

  error = g_error_new_literal (FAL_ERROR, code_for_status (http_status, error_type), message);
  set_details (error, http_status, request_id, error_type);
  priv = fal_error_get_private (error);
  priv->field_errors = g_steal_pointer (&field_errors);
  priv->status_word = g_strdup (get_string_member (body, "status"));

  timeout_type = get_header (headers, "X-Fal-Request-Timeout-Type");
  priv->user_timeout = http_status == 504 && timeout_type != NULL &&
                       g_ascii_strcasecmp (timeout_type, "user") == 0;

  retry_after = get_header (headers, "Retry-After");
  if (retry_after != NULL)
    priv->retry_after = fal_retry_parse_retry_after (retry_after,
                                                     g_get_real_time () / G_USEC_PER_SEC);

  return error;
}

GError *
fal_error_new_literal_full (FalErrorCode  code,
                            const char   *message,
                            guint         http_status,
                            const char   *request_id,
                            const char   *error_type)
{
  GError *error;

  g_return_val_if_fail (message != NULL, NULL);

  error = g_error_new_literal (FAL_ERROR, code, message);
  set_details (error, http_status, request_id, error_type);
  return error;
}

GError *
fal_error_new_from_transport (const GError *error)
{
  FalErrorCode code;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == FAL_ERROR)
    return g_error_copy (error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    code = FAL_ERROR_CANCELLED;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    code = FAL_ERROR_TIMEOUT;
  else if (error->domain == JSON_PARSER_ERROR)
    code = FAL_ERROR_PROTOCOL;
  else
    /* G_IO_ERROR, G_RESOLVER_ERROR, G_TLS_ERROR, SOUP_SESSION_ERROR, and
     * whatever else a stream may raise on the way. */
    code = FAL_ERROR_NETWORK;

  return g_error_new_literal (FAL_ERROR, code, error->message);
}

/* What a person is told the error is about. */
static const char *
code_summary (const GError *error)
{
  switch ((FalErrorCode) error->code)
    {
    case FAL_ERROR_INVALID_ENDPOINT: return _("Invalid endpoint");
    case FAL_ERROR_MISSING_KEY:      return _("No API key");
    case FAL_ERROR_UNAUTHORIZED:     return _("Invalid key");
    case FAL_ERROR_FORBIDDEN:        return _("Not allowed");
    case FAL_ERROR_NOT_FOUND:        return _("Not found");
    case FAL_ERROR_VALIDATION:       return _("Validation failed");
    case FAL_ERROR_RATE_LIMITED:     return _("Rate limited");
    case FAL_ERROR_TIMEOUT:
      return fal_error_is_user_timeout (error) ? _("No runner started in time") : _("Timed out");
    case FAL_ERROR_SERVER:           return _("Server error");
    case FAL_ERROR_NETWORK:          return _("Network error");
    case FAL_ERROR_PROTOCOL:         return _("Unexpected answer");
    case FAL_ERROR_CANCELLED:        return _("Cancelled");
    case FAL_ERROR_APP:              return _("Request failed");
    case FAL_ERROR_INSECURE_URL:     return _("Insecure URL");
    default:                         return _("Error");
    }
}

/* Server text may hold newlines or tabs; a one-liner must not. */
static void
append_one_line (GString    *out,
                 const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  gboolean space = FALSE;

  for (const char *p = valid; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f || *p == ' ')
        {
          space = TRUE;
          continue;
        }
      if (space && out->len > 0 && out->str[out->len - 1] != ' ')
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, *p);
    }
}

char *
fal_error_describe (const GError *error)
{
  g_autoptr(GString) line = NULL;
  g_autofree char *fallback = NULL;
  const char *summary;
  const char *request_id;
  guint status;

  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain != FAL_ERROR)
    {
      g_autoptr(GError) mapped = fal_error_new_from_transport (error);
      return fal_error_describe (mapped);
    }

  summary = code_summary (error);
  status = fal_error_get_http_status (error);
  if (status != 0)
    fallback = status_text (status);

  line = g_string_new (NULL);
  if (fal_error_is_model_failure (error))
    {
      /* The run reached the model and failed there: the model's own
       * words, and its error type for whoever reports it. */
      g_string_append (line, _("The model failed on fal's side"));
      if (error->message != NULL && *error->message != '\0' &&
          (fallback == NULL || !g_str_equal (error->message, fallback)))
        {
          g_string_append (line, ": ");
          append_one_line (line, error->message);
        }
      if (fal_error_get_error_type (error) != NULL)
        {
          g_string_append (line, " (");
          append_one_line (line, fal_error_get_error_type (error));
          g_string_append_c (line, ')');
        }
    }
  else if (error->code == FAL_ERROR_CANCELLED)
    {
      /* A cancellation is said in words: "HTTP 499" or the server's
       * "Request was cancelled by the client" add nothing. */
      if (g_ascii_strncasecmp (error->message, summary, strlen (summary)) == 0)
        append_one_line (line, error->message);
      else if (status != 0 || *error->message == '\0')
        g_string_append (line, summary);
      else
        {
          g_string_append_printf (line, "%s: ", summary);
          append_one_line (line, error->message);
        }
    }
  else if (status == 0 && g_ascii_strncasecmp (error->message, summary, strlen (summary)) == 0)
    /* Our own messages may say it already ("Invalid endpoint id …"). */
    append_one_line (line, error->message);
  else if (fallback != NULL && g_str_equal (error->message, fallback))
    /* The message is only the status line: "Not found (HTTP 404 Not Found)". */
    g_string_append_printf (line, "%s (%s)", summary, fallback);
  else
    {
      g_string_append (line, summary);
      /* 422 always means validation; the number adds nothing there. */
      if (status != 0 && error->code != FAL_ERROR_VALIDATION)
        g_string_append_printf (line, " (HTTP %u)", status);
      if (error->message != NULL && *error->message != '\0')
        {
          g_string_append (line, ": ");
          append_one_line (line, error->message);
        }
    }

  if (error->code == FAL_ERROR_RATE_LIMITED && fal_error_get_retry_after (error) >= 0)
    {
      g_autofree char *seconds = g_strdup_printf ("%" G_GINT64_FORMAT, fal_error_get_retry_after (error));

      /* Translators: appended to a rate-limit error; %s is a number of seconds. */
      g_string_append_printf (line, _(", retry after %s s"), seconds);
    }

  request_id = fal_error_get_request_id (error);
  if (request_id != NULL)
    {
      g_autoptr(GString) id = g_string_new (NULL);

      append_one_line (id, request_id);
      /* Translators: appended to an error; %s is fal's request id. */
      g_string_append_printf (line, _(" [request %s]"), id->str);
    }

  return g_string_free (g_steal_pointer (&line), FALSE);
}

/* The same for a body not parsed yet (NULL or empty for none). */
GError *
fal_error_new_from_response_bytes (guint               http_status,
                                   SoupMessageHeaders *headers,
                                   GBytes             *body)
{
  gsize length = 0;
  const char *text = body ? g_bytes_get_data (body, &length) : NULL;
  g_autoptr(JsonNode) node = length > 0 ? fal_json_parse (text, length, NULL) : NULL;

  return fal_error_new_from_response (http_status, headers, node);
}

/* ------------------------------------------------------------------ a job's outcome */

GError *
_fal_error_new_model_failure (const char *message,
                              guint       http_status,
                              const char *request_id,
                              const char *error_type)
{
  GError *error = fal_error_new_literal_full (FAL_ERROR_APP, message, http_status, request_id, error_type);

  fal_error_get_private (error)->model_failure = TRUE;
  return error;
}

GError *
_fal_error_for_job (const GError *answer,
                    const char   *status_error,
                    const char   *status_error_type)
{
  FalErrorPrivate *priv = get_priv (answer);
  g_autofree char *fallback = NULL;
  const char *error_type;
  const char *message;

  g_return_val_if_fail (answer != NULL, NULL);

  /* 422s keep their field errors, 504s their timeout, 499s their
   * cancellation; transport trouble and auth are not the model's. */
  if (priv == NULL || priv->http_status == 0 || priv->http_status == 499 ||
      (answer->code != FAL_ERROR_SERVER && answer->code != FAL_ERROR_APP))
    return g_error_copy (answer);

  error_type = priv->error_type ? priv->error_type : status_error_type;
  /* Without an error type or a failed status, a 5xx is the gateway's. */
  if (error_type == NULL && status_error == NULL)
    return g_error_copy (answer);

  fallback = status_text (priv->http_status);
  message = answer->message;
  if ((message == NULL || *message == '\0' || g_str_equal (message, fallback)) && status_error)
    message = status_error;
  return _fal_error_new_model_failure (message ? message : fallback, priv->http_status, priv->request_id, error_type);
}

GError *
_fal_error_new_from_event (JsonObject *event,
                           const char *request_id)
{
  const char *text = fal_json_get_string (event, "error");
  const char *error_type = fal_json_get_string (event, "error_type");
  JsonNode *detail = json_object_get_member (event, "detail");
  const char *detail_text;
  GError *error;

  if (g_strcmp0 (error_type, "client_cancelled") == 0)
    return fal_error_new_literal_full (FAL_ERROR_CANCELLED, _("Cancelled"), 0, request_id, error_type);

  /* The detail may be the result body of a 422: its field errors. */
  if (detail && JSON_NODE_HOLDS_OBJECT (detail) &&
      JSON_NODE_HOLDS_ARRAY (get_member (detail, "detail")))
    {
      error = fal_error_new_from_response (422, NULL, detail);
      set_details (error, 0, request_id, error_type);
      return error;
    }

  if (g_strcmp0 (error_type, "request_timeout") == 0 || g_strcmp0 (error_type, "startup_timeout") == 0)
    return fal_error_new_literal_full (FAL_ERROR_TIMEOUT, text ? text : _("Timed out"), 0, request_id, error_type);

  detail_text = get_string_member (detail, "detail");
  if (detail_text == NULL || *detail_text == '\0')
    detail_text = detail && json_node_get_value_type (detail) == G_TYPE_STRING ? json_node_get_string (detail) : NULL;
  return _fal_error_new_model_failure (detail_text && *detail_text ? detail_text : text ? text : _("The model failed"),
                            0, request_id, error_type);
}

const char *
_fal_error_get_status_word (const GError *error)
{
  FalErrorPrivate *priv = get_priv (error);

  return priv ? priv->status_word : NULL;
}
