/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <math.h>
#include <string.h>

#include "fal-local-base64url.h"
#include "fal-local-catalog.h"
#include "fal-local-openapi.h"
#include "fal-local-server-private.h"

/* fal's Platform API (api.fal.ai/v1, §13 of the protocol notes) over the
 * catalog: the model search with cursors, prices and cost estimates. */

#define DEFAULT_LIMIT 50
#define MAX_LIMIT 100
#define MAX_FIND_IDS 50
#define EXPAND_OPENAPI "openapi-3.0"

typedef struct {
  char **words;          /* of q, lower case; NULL when there is no q */
  const char *category;
  const char *status;
} Filters;

static void
filters_clear (Filters *filters)
{
  g_clear_pointer (&filters->words, g_strfreev);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Filters, filters_clear)

/* ------------------------------------------------------------------ errors */

/* One FastAPI-shaped error; loc is "query" or "body" then the names. */
static void
add_error (JsonArray  *errors,
           const char *msg,
           const char *type,
           JsonNode   *input,
           const char *where,
           ...)
{
  JsonObject *error = json_object_new ();
  JsonArray *loc = json_array_new ();
  const char *name;
  va_list args;

  json_array_add_string_element (loc, where);
  va_start (args, where);
  while ((name = va_arg (args, const char *)))
    json_array_add_string_element (loc, name);
  va_end (args);

  json_object_set_array_member (error, "loc", loc);
  json_object_set_string_member (error, "msg", msg);
  json_object_set_string_member (error, "type", type);
  if (input)
    json_object_set_member (error, "input", input);
  json_array_add_object_element (errors, error);
}

static JsonNode *
string_node (const char *text)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  return node;
}

/* ------------------------------------------------------------------ query */

/* Every value of a parameter, split at commas, in the order sent. The
 * parsed query keeps only the last of repeated parameters, so this reads
 * the raw one. NULL when the parameter is absent. */
static GPtrArray *
query_list (FalLocalCall *call,
            const char   *name)
{
  g_auto(GStrv) pairs = NULL;
  GPtrArray *values = NULL;

  if (call->raw_query == NULL)
    return NULL;
  pairs = g_strsplit (call->raw_query, "&", -1);
  for (guint i = 0; pairs[i]; i++)
    {
      char *equals = strchr (pairs[i], '=');
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;
      g_auto(GStrv) items = NULL;

      g_strdelimit (pairs[i], "+", ' ');
      key = g_uri_unescape_segment (pairs[i], equals, NULL);
      if (g_strcmp0 (key, name) != 0)
        continue;
      if (values == NULL)
        values = g_ptr_array_new_with_free_func (g_free);
      value = equals ? g_uri_unescape_string (equals + 1, NULL) : g_strdup ("");
      if (value == NULL)
        value = g_strdup (equals + 1);
      items = g_strsplit (value, ",", -1);
      for (guint j = 0; items[j]; j++)
        {
          g_strstrip (items[j]);
          if (*items[j] != '\0')
            g_ptr_array_add (values, g_strdup (items[j]));
        }
    }
  return values;
}

/* The ids of find mode (models) or of a price list: 1–50. */
static gboolean
check_id_list (GPtrArray  *ids,
               gboolean    required,
               JsonArray  *errors)
{
  if (ids == NULL)
    {
      if (required)
        add_error (errors, "Field required", "missing", NULL, "query", "endpoint_id", NULL);
      return !required;
    }
  if (ids->len == 0)
    {
      add_error (errors, "List should have at least 1 item after validation", "too_short", NULL,
                 "query", "endpoint_id", NULL);
      return FALSE;
    }
  if (ids->len > MAX_FIND_IDS)
    {
      add_error (errors, "List should have at most 50 items after validation", "too_long", NULL,
                 "query", "endpoint_id", NULL);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ models */

static gboolean
contains_word (const char *haystack,
               const char *word)
{
  g_autofree char *lower = haystack ? g_utf8_strdown (haystack, -1) : NULL;

  return lower && strstr (lower, word);
}

static gboolean
model_matches (const FalLocalCatalogModel *model,
               const Filters              *filters)
{
  if (filters->category && !g_str_equal (filters->category, model->category))
    return FALSE;
  if (filters->status && !g_str_equal (filters->status, model->status))
    return FALSE;
  for (guint i = 0; filters->words && filters->words[i]; i++)
    {
      const char *word = filters->words[i];
      gboolean found = contains_word (model->endpoint_id, word) ||
                       contains_word (model->display_name, word) ||
                       contains_word (model->description, word) ||
                       contains_word (model->category, word);

      for (guint t = 0; !found && model->tags[t]; t++)
        found = contains_word (model->tags[t], word);
      if (!found)
        return FALSE;
    }
  return TRUE;
}

/* What a cursor is bound to: the filters that make the list. */
static char *
filters_digest (FalLocalCall *call)
{
  g_autofree char *text = g_strdup_printf ("q=%s\ncategory=%s\nstatus=%s",
                                           fal_local_call_query (call, "q") ?: "",
                                           fal_local_call_query (call, "category") ?: "",
                                           fal_local_call_query (call, "status") ?: "");
  g_autofree char *digest = g_compute_checksum_for_string (G_CHECKSUM_SHA1, text, -1);

  return g_strndup (digest, 12);
}

/* base64url without padding, so it needs no escaping in a query. */
static char *
cursor_encode (guint       offset,
               const char *digest)
{
  g_autofree char *plain = g_strdup_printf ("%u:%s", offset, digest);

  return fal_local_base64url_encode ((const guchar *) plain, strlen (plain));
}

static gboolean
cursor_decode (const char *cursor,
               const char *digest,
               guint       n_matches,
               guint      *offset)
{
  g_autofree char *padded = NULL;
  g_autofree guchar *plain = NULL;
  g_autofree char *text = NULL;
  gsize length = strlen (cursor);
  gsize plain_length;
  const char *colon;
  guint64 value;

  if (length == 0 || length % 4 == 1 || strspn (cursor, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != length)
    return FALSE;
  padded = g_strnfill (length + (4 - length % 4) % 4, '=');
  memcpy (padded, cursor, length);
  g_strdelimit (padded, "-", '+');
  g_strdelimit (padded, "_", '/');
  plain = g_base64_decode (padded, &plain_length);
  text = g_strndup ((const char *) plain, plain_length);
  if (strlen (text) != plain_length || (colon = strchr (text, ':')) == NULL)
    return FALSE;
  if (!g_str_equal (colon + 1, digest))
    return FALSE;
  text[colon - text] = '\0';
  if (!g_ascii_string_to_unsigned (text, 10, 1, n_matches, &value, NULL))
    return FALSE;
  *offset = (guint) value;
  return TRUE;
}

static JsonObject *
model_object (FalLocalCall               *call,
              const FalLocalCatalogModel *model,
              gboolean                    expand)
{
  JsonObject *object = json_object_new ();
  JsonObject *metadata = json_object_new ();
  JsonArray *tags = json_array_new ();
  g_autofree char *thumbnail = fal_local_catalog_thumbnail_name (model);
  g_autofree char *thumbnail_url = g_strdup_printf ("%s/cdn/thumbnails/%s",
                                                    fal_local_server_get_public_base (call->server), thumbnail);
  g_autofree char *model_url = g_strconcat ("https://fal.ai/models/", model->endpoint_id, NULL);

  for (guint i = 0; model->tags[i]; i++)
    json_array_add_string_element (tags, model->tags[i]);

  json_object_set_string_member (metadata, "display_name", model->display_name);
  json_object_set_string_member (metadata, "category", model->category);
  json_object_set_string_member (metadata, "description", model->description);
  json_object_set_string_member (metadata, "status", model->status);
  json_object_set_array_member (metadata, "tags", tags);
  json_object_set_string_member (metadata, "updated_at", model->updated_at);
  json_object_set_boolean_member (metadata, "is_favorited", FALSE);
  json_object_set_string_member (metadata, "thumbnail_url", thumbnail_url);
  json_object_set_string_member (metadata, "model_url", model_url);
  json_object_set_string_member (metadata, "date", model->date);
  json_object_set_boolean_member (metadata, "highlighted", model->highlighted);
  json_object_set_boolean_member (metadata, "pinned", model->pinned);

  json_object_set_string_member (object, "endpoint_id", model->endpoint_id);
  json_object_set_object_member (object, "metadata", metadata);

  if (expand)
    {
      /* The very document /web/api/openapi/queue/openapi.json serves. */
      g_autoptr(GBytes) document = fal_local_openapi_lookup (model->endpoint_id);
      g_autoptr(JsonParser) parser = json_parser_new_immutable ();

      if (document && json_parser_load_from_data (parser, g_bytes_get_data (document, NULL),
                                                  g_bytes_get_size (document), NULL))
        json_object_set_member (object, "openapi", json_node_ref (json_parser_get_root (parser)));
    }
  return object;
}

/* Checks the search parameters into filters; FALSE with errors added. */
static gboolean
read_filters (FalLocalCall *call,
              Filters      *filters,
              guint        *limit,
              gboolean     *expand,
              JsonArray    *errors)
{
  const char *limit_text = fal_local_call_query (call, "limit");
  const char *status = fal_local_call_query (call, "status");
  const char *expand_text = fal_local_call_query (call, "expand");
  const char *q = fal_local_call_query (call, "q");

  *limit = DEFAULT_LIMIT;
  if (limit_text)
    {
      gint64 value;

      if (!g_ascii_string_to_signed (limit_text, 10, G_MININT64, G_MAXINT64, &value, NULL))
        add_error (errors, "Input should be a valid integer, unable to parse string as an integer",
                   "int_parsing", string_node (limit_text), "query", "limit", NULL);
      else if (value < 1)
        add_error (errors, "Input should be greater than or equal to 1", "greater_than_equal",
                   string_node (limit_text), "query", "limit", NULL);
      else
        *limit = (guint) MIN (value, MAX_LIMIT);
    }

  if (status && !g_str_equal (status, "active") && !g_str_equal (status, "deprecated"))
    add_error (errors, "Input should be 'active' or 'deprecated'", "enum",
               string_node (status), "query", "status", NULL);
  filters->status = status;

  *expand = FALSE;
  if (expand_text)
    {
      if (g_str_equal (expand_text, EXPAND_OPENAPI))
        *expand = TRUE;
      else
        add_error (errors, "Input should be 'openapi-3.0'", "enum",
                   string_node (expand_text), "query", "expand", NULL);
    }

  filters->category = fal_local_call_query (call, "category");
  if (q)
    {
      g_autofree char *lower = g_utf8_strdown (q, -1);

      filters->words = g_strsplit_set (g_strstrip (lower), " \t\n", -1);
      /* Runs of spaces leave empty words; they match everything anyway. */
    }
  return json_array_get_length (errors) == 0;
}

static void
serve_models (FalLocalCall *call)
{
  g_autoptr(JsonArray) errors = json_array_new ();
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(GPtrArray) find_ids = query_list (call, "endpoint_id");
  g_autoptr(GArray) matches = g_array_new (FALSE, FALSE, sizeof (const FalLocalCatalogModel *));
  g_auto(Filters) filters = { 0 };
  g_autofree char *digest = NULL;
  const char *cursor = fal_local_call_query (call, "cursor");
  JsonArray *models = json_array_new ();
  guint limit, offset = 0, end;
  gboolean expand;

  json_object_set_array_member (answer, "models", models);
  read_filters (call, &filters, &limit, &expand, errors);
  check_id_list (find_ids, FALSE, errors);
  if (json_array_get_length (errors) > 0)
    {
      fal_local_call_respond_field_errors (call, errors);
      return;
    }

  if (find_ids)
    {
      /* Find mode: the ids asked for, in that order, once each. */
      g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);

      for (guint i = 0; i < find_ids->len; i++)
        {
          const FalLocalCatalogModel *model = fal_local_catalog_lookup (find_ids->pdata[i]);

          if (model && model_matches (model, &filters) && g_hash_table_add (seen, (gpointer) model->endpoint_id))
            json_array_add_object_element (models, model_object (call, model, expand));
        }
      json_object_set_null_member (answer, "next_cursor");
      json_object_set_boolean_member (answer, "has_more", FALSE);
      fal_local_call_respond_object (call, 200, answer);
      return;
    }

  for (guint i = 0; i < fal_local_catalog_get_n (); i++)
    {
      const FalLocalCatalogModel *model = fal_local_catalog_get (i);

      if (model_matches (model, &filters))
        g_array_append_val (matches, model);
    }

  digest = filters_digest (call);
  if (cursor && !cursor_decode (cursor, digest, matches->len, &offset))
    {
      add_error (errors, "Invalid cursor: it does not decode, or it belongs to other filters", "value_error",
                 string_node (cursor), "query", "cursor", NULL);
      fal_local_call_respond_field_errors (call, errors);
      return;
    }

  end = MIN (matches->len, offset + limit);
  for (guint i = offset; i < end; i++)
    json_array_add_object_element (models, model_object (call, g_array_index (matches, const FalLocalCatalogModel *, i), expand));
  if (end < matches->len)
    {
      g_autofree char *next = cursor_encode (end, digest);

      json_object_set_string_member (answer, "next_cursor", next);
      json_object_set_boolean_member (answer, "has_more", TRUE);
    }
  else
    {
      json_object_set_null_member (answer, "next_cursor");
      json_object_set_boolean_member (answer, "has_more", FALSE);
    }
  fal_local_call_respond_object (call, 200, answer);
}

/* ------------------------------------------------------------------ prices */

static void
serve_pricing (FalLocalCall *call)
{
  g_autoptr(JsonArray) errors = json_array_new ();
  g_autoptr(JsonObject) answer = json_object_new ();
  g_autoptr(GPtrArray) ids = query_list (call, "endpoint_id");
  JsonArray *prices = json_array_new ();

  json_object_set_array_member (answer, "prices", prices);
  if (!check_id_list (ids, TRUE, errors))
    {
      fal_local_call_respond_field_errors (call, errors);
      return;
    }

  for (guint i = 0; i < ids->len; i++)
    {
      const FalLocalCatalogModel *model = fal_local_catalog_lookup (ids->pdata[i]);
      JsonObject *price;

      if (model == NULL)
        continue;
      price = json_object_new ();
      json_object_set_string_member (price, "endpoint_id", model->endpoint_id);
      json_object_set_double_member (price, "unit_price", model->unit_price);
      json_object_set_string_member (price, "unit", model->unit);
      json_object_set_string_member (price, "currency", "USD");
      json_array_add_object_element (prices, price);
    }
  json_object_set_null_member (answer, "next_cursor");
  json_object_set_boolean_member (answer, "has_more", FALSE);
  fal_local_call_respond_object (call, 200, answer);
}

static gboolean
node_number (JsonNode *node,
             double   *value)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type != G_TYPE_INT64 && type != G_TYPE_DOUBLE)
    return FALSE;
  *value = json_node_get_double (node);
  return isfinite (*value);
}

static void
serve_estimate (FalLocalCall *call)
{
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonArray) errors = json_array_new ();
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonObject *object;
  JsonNode *endpoints_node;
  JsonObject *endpoints = NULL;
  const char *type = NULL;
  const char *quantity_name = NULL;
  gboolean historical = FALSE;
  double total = 0;

  if (!fal_local_call_parse_body (call, &body))
    return;
  if (!JSON_NODE_HOLDS_OBJECT (body))
    {
      add_error (errors, "Input should be a valid dictionary", "dict_type", NULL, "body", NULL);
      fal_local_call_respond_field_errors (call, errors);
      return;
    }
  object = json_node_get_object (body);

  if (!json_object_has_member (object, "estimate_type"))
    add_error (errors, "Field required", "missing", NULL, "body", "estimate_type", NULL);
  else
    {
      JsonNode *node = json_object_get_member (object, "estimate_type");

      type = JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
        ? json_node_get_string (node) : NULL;
      if (g_strcmp0 (type, "unit_price") == 0)
        quantity_name = "unit_quantity";
      else if (g_strcmp0 (type, "historical_api_price") == 0)
        {
          quantity_name = "call_quantity";
          historical = TRUE;
        }
      else
        add_error (errors, "Input should be 'unit_price' or 'historical_api_price'", "literal_error",
                   json_node_copy (node), "body", "estimate_type", NULL);
    }

  endpoints_node = json_object_get_member (object, "endpoints");
  if (endpoints_node == NULL)
    add_error (errors, "Field required", "missing", NULL, "body", "endpoints", NULL);
  else if (!JSON_NODE_HOLDS_OBJECT (endpoints_node))
    add_error (errors, "Input should be a valid dictionary", "dict_type", json_node_copy (endpoints_node),
               "body", "endpoints", NULL);
  else if (json_object_get_size (endpoints = json_node_get_object (endpoints_node)) == 0)
    add_error (errors, "Dictionary should have at least 1 item after validation", "too_short", NULL,
               "body", "endpoints", NULL);
  else
    {
      JsonObjectIter iter;
      const char *id;
      JsonNode *entry;

      json_object_iter_init_ordered (&iter, endpoints);
      while (json_object_iter_next_ordered (&iter, &id, &entry))
        {
          const FalLocalCatalogModel *model = fal_local_catalog_lookup (id);
          const char *name = quantity_name ? quantity_name : "unit_quantity";
          JsonNode *quantity_node;
          double quantity;

          if (model == NULL)
            {
              g_autofree char *msg = g_strdup_printf ("Unknown endpoint '%s'", id);

              add_error (errors, msg, "value_error", NULL, "body", "endpoints", id, NULL);
              continue;
            }
          if (!JSON_NODE_HOLDS_OBJECT (entry))
            {
              add_error (errors, "Input should be a valid dictionary", "dict_type", json_node_copy (entry),
                         "body", "endpoints", id, NULL);
              continue;
            }
          quantity_node = json_object_get_member (json_node_get_object (entry), name);
          if (quantity_node == NULL)
            add_error (errors, "Field required", "missing", NULL, "body", "endpoints", id, name, NULL);
          else if (!node_number (quantity_node, &quantity))
            add_error (errors, "Input should be a valid number", "float_type", json_node_copy (quantity_node),
                       "body", "endpoints", id, name, NULL);
          else if (quantity < 0)
            add_error (errors, "Input should be greater than or equal to 0", "greater_than_equal",
                       json_node_copy (quantity_node), "body", "endpoints", id, name, NULL);
          else if (historical)
            total += quantity * model->unit_price * fal_local_catalog_typical_units (model);
          else
            total += quantity * model->unit_price;
        }
    }

  if (json_array_get_length (errors) > 0)
    {
      fal_local_call_respond_field_errors (call, errors);
      return;
    }

  json_object_set_string_member (answer, "estimate_type", type);
  json_object_set_double_member (answer, "total_cost", round (total * 1e6) / 1e6);
  json_object_set_string_member (answer, "currency", "USD");
  fal_local_call_respond_object (call, 200, answer);
}

/* ------------------------------------------------------------------ route */

void
fal_local_server_route_api (FalLocalCall *call,
                            const char   *rest)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);

  if (g_str_equal (rest, "v1/models"))
    {
      if (!fal_local_call_check_method (call, "GET"))
        return;
      /* The key is optional here, but a wrong one is still refused. */
      if (soup_message_headers_get_one (headers, "Authorization") && !fal_local_call_check_auth (call))
        return;
      serve_models (call);
    }
  else if (g_str_equal (rest, "v1/models/pricing"))
    {
      if (fal_local_call_check_method (call, "GET") && fal_local_call_check_auth (call))
        serve_pricing (call);
    }
  else if (g_str_equal (rest, "v1/models/pricing/estimate"))
    {
      if (fal_local_call_check_method (call, "POST") && fal_local_call_check_auth (call))
        serve_estimate (call);
    }
  else
    fal_local_call_respond_detail (call, 404, "Not Found");
}
