/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <math.h>
#include <string.h>

#include "fal-local-catalog.h"
#include "fal-local-openapi.h"
#include "fal-local-resources.h"

#define RESOURCE_PREFIX "/io/github/falstaff/server/openapi/"

/* Bounds a chain of $refs (a cycle would loop for ever) and the nesting
 * of a recursive schema (a deep body would recurse for ever). */
#define MAX_REF_HOPS 32
#define MAX_DEPTH 64

typedef struct {
  GBytes *bytes;
  JsonNode *root;        /* sealed, so threads can read it together */
  JsonObject *input;     /* borrowed from root */
} Document;

/* endpoint id → Document; entries live as long as the process, so the
 * borrowed pointers handed out below stay valid without a lock. */
static GMutex documents_lock;
static GHashTable *documents;

typedef struct {
  const char *name;      /* NULL for an array index */
  guint index;
} LocPart;

typedef struct {
  JsonNode *root;
  JsonArray *errors;
  GArray *loc;           /* of LocPart, after "body" */
  GError **error;        /* first problem in the schema itself */
  guint depth;
} Validator;

static void validate_value (Validator  *v,
                            JsonObject *schema,
                            JsonNode   *value);

/* Documents */

static JsonNode *
resolve_pointer (JsonNode    *root,
                 const char  *ref,
                 GError     **error)
{
  g_auto(GStrv) parts = NULL;
  JsonNode *node = root;

  if (!g_str_has_prefix (ref, "#/"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Unsupported $ref “%s” (only local references are supported)", ref);
      return NULL;
    }

  parts = g_strsplit (ref + 2, "/", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autoptr(GString) key = g_string_new (parts[i]);

      /* JSON pointer escapes, ~1 before ~0 as RFC 6901 says */
      g_string_replace (key, "~1", "/", 0);
      g_string_replace (key, "~0", "~", 0);

      if (!JSON_NODE_HOLDS_OBJECT (node) ||
          !json_object_has_member (json_node_get_object (node), key->str))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Unresolvable $ref “%s”", ref);
          return NULL;
        }
      node = json_object_get_member (json_node_get_object (node), key->str);
    }

  return node;
}

/* Follows $ref, and allOf with a single member (fal's way of giving a
 * $ref a title), to the schema that says something. */
static JsonObject *
resolve_schema (JsonNode    *root,
                JsonObject  *schema,
                GError     **error)
{
  for (guint hops = 0; hops < MAX_REF_HOPS; hops++)
    {
      JsonNode *next = NULL;

      if (json_object_has_member (schema, "$ref"))
        {
          const char *ref = json_object_get_string_member_with_default (schema, "$ref", NULL);

          if (ref == NULL)
            {
              g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                   "$ref is not a string");
              return NULL;
            }
          if (!(next = resolve_pointer (root, ref, error)))
            return NULL;
        }
      else if (json_object_has_member (schema, "allOf") &&
               JSON_NODE_HOLDS_ARRAY (json_object_get_member (schema, "allOf")) &&
               json_array_get_length (json_object_get_array_member (schema, "allOf")) == 1)
        next = json_array_get_element (json_object_get_array_member (schema, "allOf"), 0);
      else
        return schema;

      if (!JSON_NODE_HOLDS_OBJECT (next))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               "A $ref points at something that is not a schema");
          return NULL;
        }
      schema = json_node_get_object (next);
    }

  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Cyclic $ref chain");
  return NULL;
}

static JsonObject *
get_object_path (JsonObject *object,
                 ...)
{
  va_list args;
  const char *name;

  va_start (args, object);
  while (object != NULL && (name = va_arg (args, const char *)) != NULL)
    {
      JsonNode *member = json_object_get_member (object, name);

      object = member != NULL && JSON_NODE_HOLDS_OBJECT (member)
        ? json_node_get_object (member)
        : NULL;
    }
  va_end (args);

  return object;
}

/* The submit operation is POST /ID; a document without endpointId in its
 * metadata falls back to the one path that has a POST. */
static JsonObject *
find_input_schema (JsonNode    *root,
                   GError     **error)
{
  JsonObject *doc;
  JsonObject *paths;
  JsonObject *post = NULL;
  JsonObject *schema;
  const char *endpoint_id = NULL;

  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The OpenAPI document is not a JSON object");
      return NULL;
    }

  doc = json_node_get_object (root);
  paths = get_object_path (doc, "paths", NULL);
  if (paths == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The OpenAPI document has no paths");
      return NULL;
    }

  {
    JsonObject *meta = get_object_path (doc, "info", "x-fal-metadata", NULL);

    if (meta != NULL)
      endpoint_id = json_object_get_string_member_with_default (meta, "endpointId", NULL);
  }

  if (endpoint_id != NULL)
    {
      g_autofree char *path = g_strconcat ("/", endpoint_id, NULL);

      post = get_object_path (paths, path, "post", NULL);
    }
  else
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *item;

      json_object_iter_init_ordered (&iter, paths);
      while (post == NULL && json_object_iter_next_ordered (&iter, &name, &item))
        if (JSON_NODE_HOLDS_OBJECT (item))
          post = get_object_path (json_node_get_object (item), "post", NULL);
    }

  schema = post != NULL
    ? get_object_path (post, "requestBody", "content", "application/json", "schema", NULL)
    : NULL;
  if (schema == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The OpenAPI document has no JSON request body for its submit operation");
      return NULL;
    }

  return resolve_schema (root, schema, error);
}

static JsonNode *
parse_document (GBytes  *bytes,
                GError **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  gsize size;
  const char *data = g_bytes_get_data (bytes, &size);
  JsonNode *root;

  if (!json_parser_load_from_data (parser, data, size, error))
    return NULL;

  /* json-glib 1.6 accepts empty input with a NULL root */
  if ((root = json_parser_get_root (parser)) == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "The OpenAPI document is empty");
      return NULL;
    }

  return json_node_ref (root);
}

static gboolean
endpoint_id_matches (JsonNode   *root,
                     const char *endpoint_id)
{
  JsonObject *meta = get_object_path (json_node_get_object (root), "info", "x-fal-metadata", NULL);

  return meta != NULL &&
         g_strcmp0 (json_object_get_string_member_with_default (meta, "endpointId", NULL),
                    endpoint_id) == 0;
}

static Document *get_document_locked (const char  *endpoint_id,
                                      GError     **error);

/* A path key of the runs_as document, for the alias: "/base/…" → "/alias/…". */
static char *
alias_path (const char *key,
            const char *base_id,
            const char *alias_id)
{
  gsize n = strlen (base_id);

  if (key[0] == '/' && strncmp (key + 1, base_id, n) == 0 && (key[1 + n] == '\0' || key[1 + n] == '/'))
    return g_strconcat ("/", alias_id, key + 1 + n, NULL);
  return g_strdup (key);
}

/* A catalog model that runs as a simulated endpoint is served that
 * endpoint's document, rewritten to name the model. */
static GBytes *
alias_document (const FalLocalCatalogModel  *model,
                GError                     **error)
{
  Document *base = get_document_locked (model->runs_as, error);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonObject) paths = json_object_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;
  g_autofree char *page = NULL;
  g_autofree char *documentation = NULL;
  JsonObject *doc;
  JsonObject *info;
  JsonObject *meta;
  JsonObjectIter iter;
  const char *key;
  JsonNode *item;
  char *text;
  gsize length;

  if (base == NULL)
    return NULL;
  /* A mutable copy: the cached root is sealed. */
  if (!json_parser_load_from_data (parser, g_bytes_get_data (base->bytes, NULL), g_bytes_get_size (base->bytes), error))
    return NULL;
  doc = json_node_get_object (json_parser_get_root (parser));

  json_object_iter_init_ordered (&iter, json_object_get_object_member (doc, "paths"));
  while (json_object_iter_next_ordered (&iter, &key, &item))
    {
      g_autofree char *renamed = alias_path (key, model->runs_as, model->endpoint_id);

      json_object_set_member (paths, renamed, json_node_copy (item));
    }
  json_object_set_object_member (doc, "paths", json_object_ref (paths));

  title = g_strconcat ("Queue OpenAPI for ", model->endpoint_id, NULL);
  description = g_strdup_printf ("The OpenAPI schema for the %s queue.", model->endpoint_id);
  page = g_strconcat ("https://fal.ai/models/", model->endpoint_id, NULL);
  documentation = g_strconcat (page, "/api", NULL);
  info = json_object_get_object_member (doc, "info");
  json_object_set_string_member (info, "title", title);
  json_object_set_string_member (info, "description", description);
  meta = json_object_get_object_member (info, "x-fal-metadata");
  json_object_set_string_member (meta, "endpointId", model->endpoint_id);
  json_object_set_string_member (meta, "category", model->category);
  json_object_set_string_member (meta, "playgroundUrl", page);
  json_object_set_string_member (meta, "documentationUrl", documentation);

  json_generator_set_root (generator, json_parser_get_root (parser));
  json_generator_set_pretty (generator, TRUE);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

/* Returns the cached document, loading it on first use. NULL without an
 * error when there is no such endpoint. */
static Document *
get_document (const char  *endpoint_id,
              GError     **error)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&documents_lock);

  return get_document_locked (endpoint_id, error);
}

static Document *
get_document_locked (const char  *endpoint_id,
                     GError     **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  const FalLocalCatalogModel *model;
  JsonObject *input;
  Document *document;

  if (documents == NULL)
    documents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  else if ((document = g_hash_table_lookup (documents, endpoint_id)))
    return document;

  /* Unknown ids are not cached: clients choose them, and the table must
   * not grow with whatever they send. */
  if (*endpoint_id == '\0')
    return NULL;

  model = fal_local_catalog_lookup (endpoint_id);
  name = g_strdelimit (g_strdup (endpoint_id), "/", '_');
  path = g_strconcat (RESOURCE_PREFIX, name, ".json", NULL);
  if (model && !g_str_equal (model->runs_as, endpoint_id))
    bytes = alias_document (model, error);
  else
    bytes = g_resource_lookup_data (fal_local_get_resource (), path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    return NULL;

  if (!(root = parse_document (bytes, error)))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  /* "a_b" and "a/b" map to one file name; only the real id owns it */
  if (!JSON_NODE_HOLDS_OBJECT (root) || !endpoint_id_matches (root, endpoint_id))
    return NULL;

  if (!(input = find_input_schema (root, error)))
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }

  document = g_new0 (Document, 1);
  document->bytes = g_steal_pointer (&bytes);
  document->root = g_steal_pointer (&root);
  document->input = input;
  g_hash_table_insert (documents, g_strdup (endpoint_id), document);

  return document;
}

GBytes *
fal_local_openapi_lookup (const char *endpoint_id)
{
  g_autoptr(GError) error = NULL;
  Document *document;

  g_return_val_if_fail (endpoint_id != NULL, NULL);

  if (!(document = get_document (endpoint_id, &error)))
    {
      if (error != NULL)
        g_warning ("Not serving the OpenAPI document of %s: %s", endpoint_id, error->message);
      return NULL;
    }

  return g_bytes_ref (document->bytes);
}

char *
fal_local_openapi_etag (GBytes *document)
{
  g_autofree char *digest = NULL;

  g_return_val_if_fail (document != NULL, NULL);

  digest = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, document);

  return g_strdup_printf ("\"%s\"", digest);
}

JsonObject *
fal_local_openapi_input_schema (GBytes  *document,
                                GError **error)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *input;

  g_return_val_if_fail (document != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(root = parse_document (document, error)))
    return NULL;
  if (!(input = find_input_schema (root, error)))
    return NULL;

  return json_object_ref (input);
}

/* Errors */

static void
print_number (GString  *out,
              JsonNode *number)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (json_node_get_value_type (number) != G_TYPE_DOUBLE)
    {
      g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (number));
      return;
    }

  /* Like Python's repr of a float, which is what pydantic prints */
  g_ascii_formatd (buffer, sizeof buffer, "%.15g", json_node_get_double (number));
  g_string_append (out, buffer);
  if (strpbrk (buffer, ".eEn") == NULL)
    g_string_append (out, ".0");
}

/* Python's repr of a literal, as in "Input should be 'jpeg' or 'png'" */
static void
print_literal (GString  *out,
               JsonNode *literal)
{
  GType type = JSON_NODE_HOLDS_VALUE (literal) ? json_node_get_value_type (literal) : G_TYPE_INVALID;

  if (JSON_NODE_HOLDS_NULL (literal))
    g_string_append (out, "None");
  else if (type == G_TYPE_STRING)
    g_string_append_printf (out, "'%s'", json_node_get_string (literal));
  else if (type == G_TYPE_BOOLEAN)
    g_string_append (out, json_node_get_boolean (literal) ? "True" : "False");
  else if (type == G_TYPE_INT64 || type == G_TYPE_DOUBLE)
    print_number (out, literal);
  else
    {
      g_autofree char *json = json_to_string (literal, FALSE);
      g_string_append (out, json);
    }
}

static JsonNode *
build_loc (Validator *v)
{
  g_autoptr(JsonArray) loc = json_array_sized_new (v->loc->len + 1);

  json_array_add_string_element (loc, "body");
  for (guint i = 0; i < v->loc->len; i++)
    {
      const LocPart *part = &g_array_index (v->loc, LocPart, i);

      if (part->name != NULL)
        json_array_add_string_element (loc, part->name);
      else
        json_array_add_int_element (loc, part->index);
    }

  return json_node_init_array (json_node_alloc (), loc);
}

/* input is borrowed (NULL leaves it out), ctx is taken */
static void
add_error (Validator  *v,
           const char *type,
           const char *msg,
           JsonNode   *input,
           JsonObject *ctx)
{
  g_autoptr(JsonObject) error = json_object_new ();

  json_object_set_string_member (error, "type", type);
  json_object_set_member (error, "loc", build_loc (v));
  json_object_set_string_member (error, "msg", msg);
  if (input != NULL)
    json_object_set_member (error, "input", json_node_copy (input));
  if (ctx != NULL)
    json_object_set_object_member (error, "ctx", ctx);

  json_array_add_object_element (v->errors, g_steal_pointer (&error));
}

static void
add_bound_error (Validator  *v,
                 const char *type,
                 const char *key,
                 const char *relation,
                 JsonNode   *bound,
                 JsonNode   *input)
{
  g_autoptr(GString) msg = g_string_new ("Input should be ");
  JsonObject *ctx = json_object_new ();

  g_string_append_printf (msg, "%s ", relation);
  print_number (msg, bound);
  json_object_set_member (ctx, key, json_node_copy (bound));
  add_error (v, type, msg->str, input, ctx);
}

static void
add_length_error (Validator  *v,
                  const char *type,
                  const char *what,
                  const char *key,
                  const char *relation,
                  gint64      limit,
                  const char *unit,
                  gint64      actual,
                  JsonNode   *input)
{
  g_autofree char *msg = NULL;
  JsonObject *ctx = json_object_new ();

  if (actual >= 0)
    msg = g_strdup_printf ("%s should have %s %" G_GINT64_FORMAT " %s%s after validation, not %" G_GINT64_FORMAT,
                           what, relation, limit, unit, limit == 1 ? "" : "s", actual);
  else
    msg = g_strdup_printf ("%s should have %s %" G_GINT64_FORMAT " %s%s",
                           what, relation, limit, unit, limit == 1 ? "" : "s");
  json_object_set_int_member (ctx, key, limit);
  if (actual >= 0)
    json_object_set_int_member (ctx, "actual_length", actual);
  add_error (v, type, msg, input, ctx);
}

/* Validation */

static void
loc_push_name (Validator  *v,
               const char *name)
{
  LocPart part = { name, 0 };

  g_array_append_val (v->loc, part);
}

static void
loc_push_index (Validator *v,
                guint      index)
{
  LocPart part = { NULL, index };

  g_array_append_val (v->loc, part);
}

static void
loc_pop (Validator *v)
{
  g_assert (v->loc->len > 0);
  g_array_set_size (v->loc, v->loc->len - 1);
}

static void
schema_problem (Validator *v,
                GError    *problem)
{
  if (v->error != NULL && *v->error == NULL)
    g_propagate_error (v->error, problem);
  else
    g_error_free (problem);
}

static JsonObject *
resolve (Validator  *v,
         JsonObject *schema)
{
  GError *problem = NULL;
  JsonObject *resolved = resolve_schema (v->root, schema, &problem);

  if (resolved == NULL)
    schema_problem (v, problem);

  return resolved;
}

static GType
value_type (JsonNode *value)
{
  return JSON_NODE_HOLDS_VALUE (value) ? json_node_get_value_type (value) : G_TYPE_INVALID;
}

static gboolean
is_number (JsonNode *value)
{
  GType type = value_type (value);

  return type == G_TYPE_INT64 || type == G_TYPE_DOUBLE;
}

/* Whether a value is of the JSON type a schema type name stands for;
 * right type with a wrong value (1.5 for an integer) still counts. */
static gboolean
kind_matches (const char *kind,
              JsonNode   *value)
{
  if (g_str_equal (kind, "null"))
    return JSON_NODE_HOLDS_NULL (value);
  if (g_str_equal (kind, "boolean"))
    return value_type (value) == G_TYPE_BOOLEAN;
  if (g_str_equal (kind, "integer") || g_str_equal (kind, "number"))
    return is_number (value);
  if (g_str_equal (kind, "string"))
    return value_type (value) == G_TYPE_STRING;
  if (g_str_equal (kind, "array"))
    return JSON_NODE_HOLDS_ARRAY (value);
  if (g_str_equal (kind, "object"))
    return JSON_NODE_HOLDS_OBJECT (value);
  return FALSE;
}

static gboolean
literal_equal (JsonNode *a,
               JsonNode *b)
{
  if (JSON_NODE_HOLDS_NULL (a) || JSON_NODE_HOLDS_NULL (b))
    return JSON_NODE_HOLDS_NULL (a) && JSON_NODE_HOLDS_NULL (b);
  if (is_number (a) && is_number (b))
    return json_node_get_double (a) == json_node_get_double (b);
  if (value_type (a) == G_TYPE_STRING && value_type (b) == G_TYPE_STRING)
    return g_str_equal (json_node_get_string (a), json_node_get_string (b));
  if (value_type (a) == G_TYPE_BOOLEAN && value_type (b) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (a) == json_node_get_boolean (b);
  return FALSE;
}

/* The schema's type names: "type" as a string or a list, else guessed
 * from enum, properties or items. Empty when it accepts anything. */
static GPtrArray *
schema_kinds (JsonObject *schema)
{
  GPtrArray *kinds = g_ptr_array_new ();
  JsonNode *type = json_object_get_member (schema, "type");

  if (type != NULL && value_type (type) == G_TYPE_STRING)
    g_ptr_array_add (kinds, (gpointer) json_node_get_string (type));
  else if (type != NULL && JSON_NODE_HOLDS_ARRAY (type))
    {
      JsonArray *names = json_node_get_array (type);

      for (guint i = 0; i < json_array_get_length (names); i++)
        if (value_type (json_array_get_element (names, i)) == G_TYPE_STRING)
          g_ptr_array_add (kinds, (gpointer) json_array_get_string_element (names, i));
    }
  else if (json_object_has_member (schema, "properties"))
    g_ptr_array_add (kinds, (gpointer) "object");
  else if (json_object_has_member (schema, "items"))
    g_ptr_array_add (kinds, (gpointer) "array");

  return kinds;
}

static gboolean
schema_kind_matches (Validator  *v,
                     JsonObject *schema,
                     JsonNode   *value)
{
  g_autoptr(GPtrArray) kinds = NULL;
  JsonNode *choices;

  if (!(schema = resolve (v, schema)))
    return FALSE;

  if ((choices = json_object_get_member (schema, "enum")) != NULL &&
      JSON_NODE_HOLDS_ARRAY (choices))
    {
      JsonArray *literals = json_node_get_array (choices);

      for (guint i = 0; i < json_array_get_length (literals); i++)
        {
          JsonNode *literal = json_array_get_element (literals, i);

          if (JSON_NODE_TYPE (literal) == JSON_NODE_TYPE (value) &&
              (!JSON_NODE_HOLDS_VALUE (value) || value_type (literal) == value_type (value) ||
               (is_number (literal) && is_number (value))))
            return TRUE;
        }
      return FALSE;
    }

  kinds = schema_kinds (schema);
  for (guint i = 0; i < kinds->len; i++)
    if (kind_matches (g_ptr_array_index (kinds, i), value))
      return TRUE;

  return FALSE;
}

static const char *
schema_kind_name (Validator  *v,
                  JsonObject *schema)
{
  g_autoptr(GPtrArray) kinds = NULL;
  JsonNode *choices;

  if (!(schema = resolve (v, schema)))
    return NULL;

  if ((choices = json_object_get_member (schema, "enum")) != NULL &&
      JSON_NODE_HOLDS_ARRAY (choices) &&
      json_array_get_length (json_node_get_array (choices)) > 0)
    {
      JsonNode *literal = json_array_get_element (json_node_get_array (choices), 0);

      if (JSON_NODE_HOLDS_NULL (literal))
        return "null";
      switch (value_type (literal))
        {
        case G_TYPE_STRING: return "string";
        case G_TYPE_BOOLEAN: return "boolean";
        case G_TYPE_INT64: return "integer";
        case G_TYPE_DOUBLE: return "number";
        default: return NULL;
        }
    }

  kinds = schema_kinds (schema);
  return kinds->len > 0 ? g_ptr_array_index (kinds, 0) : NULL;
}

/* A value is valid if any branch takes it. Otherwise pydantic would list
 * every branch's errors under branch-named locs; we report, at the field's
 * own loc, the errors of the first branch whose type fits the value (or of
 * the only non-null branch), and a single union_type error when no branch
 * has the value's type. */
static void
validate_any_of (Validator  *v,
                 JsonArray  *branches,
                 JsonNode   *value)
{
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) json_array_unref);
  g_autoptr(GPtrArray) kinds = g_ptr_array_new ();
  JsonArray *chosen = NULL;
  JsonArray *only_non_null = NULL;
  guint n_non_null = 0;

  for (guint i = 0; i < json_array_get_length (branches); i++)
    {
      JsonNode *branch = json_array_get_element (branches, i);
      Validator scratch = *v;
      const char *kind;

      if (!JSON_NODE_HOLDS_OBJECT (branch))
        continue;

      scratch.errors = json_array_new ();
      g_ptr_array_add (results, scratch.errors);
      validate_value (&scratch, json_node_get_object (branch), value);
      if (json_array_get_length (scratch.errors) == 0)
        return;

      if (chosen == NULL && schema_kind_matches (v, json_node_get_object (branch), value))
        chosen = scratch.errors;

      kind = schema_kind_name (v, json_node_get_object (branch));
      if (g_strcmp0 (kind, "null") != 0)
        {
          n_non_null++;
          only_non_null = scratch.errors;
        }
      if (kind != NULL && !g_ptr_array_find_with_equal_func (kinds, kind, g_str_equal, NULL))
        g_ptr_array_add (kinds, (gpointer) kind);
    }

  if (chosen == NULL && n_non_null == 1)
    chosen = only_non_null;

  if (chosen != NULL)
    {
      for (guint i = 0; i < json_array_get_length (chosen); i++)
        json_array_add_element (v->errors, json_node_copy (json_array_get_element (chosen, i)));
    }
  else
    {
      g_autoptr(GString) msg = g_string_new ("Input should be a valid ");

      /* "object, string or null" */
      for (guint i = 0; i < kinds->len; i++)
        {
          if (i > 0)
            g_string_append (msg, i == kinds->len - 1 ? " or " : ", ");
          g_string_append (msg, g_ptr_array_index (kinds, i));
        }
      if (kinds->len == 0)
        g_string_append (msg, "value");
      add_error (v, "union_type", msg->str, value, NULL);
    }
}

static void
validate_enum (Validator *v,
               JsonArray *literals,
               JsonNode  *value)
{
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *msg = NULL;
  JsonObject *ctx;
  guint n = json_array_get_length (literals);

  for (guint i = 0; i < n; i++)
    if (literal_equal (json_array_get_element (literals, i), value))
      return;

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (expected, i == n - 1 ? " or " : ", ");
      print_literal (expected, json_array_get_element (literals, i));
    }

  msg = g_strdup_printf ("Input should be %s", expected->str);
  ctx = json_object_new ();
  json_object_set_string_member (ctx, "expected", expected->str);
  add_error (v, "literal_error", msg, value, ctx);
}

/* minimum/maximum with the OpenAPI 3.0 boolean exclusive flags, or the
 * 3.1 numeric exclusiveMinimum/exclusiveMaximum */
static void
validate_range (Validator  *v,
                JsonObject *schema,
                JsonNode   *value)
{
  double x = json_node_get_double (value);
  JsonNode *minimum = json_object_get_member (schema, "minimum");
  JsonNode *maximum = json_object_get_member (schema, "maximum");
  JsonNode *exclusive_min = json_object_get_member (schema, "exclusiveMinimum");
  JsonNode *exclusive_max = json_object_get_member (schema, "exclusiveMaximum");
  JsonNode *multiple = json_object_get_member (schema, "multipleOf");
  gboolean min_flag = exclusive_min != NULL && value_type (exclusive_min) == G_TYPE_BOOLEAN &&
                      json_node_get_boolean (exclusive_min);
  gboolean max_flag = exclusive_max != NULL && value_type (exclusive_max) == G_TYPE_BOOLEAN &&
                      json_node_get_boolean (exclusive_max);

  if (exclusive_min != NULL && is_number (exclusive_min) && !(x > json_node_get_double (exclusive_min)))
    add_bound_error (v, "greater_than", "gt", "greater than", exclusive_min, value);
  else if (minimum != NULL && is_number (minimum) && min_flag && !(x > json_node_get_double (minimum)))
    add_bound_error (v, "greater_than", "gt", "greater than", minimum, value);
  else if (minimum != NULL && is_number (minimum) && !min_flag && !(x >= json_node_get_double (minimum)))
    add_bound_error (v, "greater_than_equal", "ge", "greater than or equal to", minimum, value);

  if (exclusive_max != NULL && is_number (exclusive_max) && !(x < json_node_get_double (exclusive_max)))
    add_bound_error (v, "less_than", "lt", "less than", exclusive_max, value);
  else if (maximum != NULL && is_number (maximum) && max_flag && !(x < json_node_get_double (maximum)))
    add_bound_error (v, "less_than", "lt", "less than", maximum, value);
  else if (maximum != NULL && is_number (maximum) && !max_flag && !(x <= json_node_get_double (maximum)))
    add_bound_error (v, "less_than_equal", "le", "less than or equal to", maximum, value);

  if (multiple != NULL && is_number (multiple) && json_node_get_double (multiple) > 0)
    {
      double q = x / json_node_get_double (multiple);

      if (fabs (q - round (q)) > 1e-9)
        add_bound_error (v, "multiple_of", "multiple_of", "a multiple of", multiple, value);
    }
}

static gint64
get_limit (JsonObject *schema,
           const char *name)
{
  JsonNode *limit = json_object_get_member (schema, name);

  return limit != NULL && is_number (limit) ? (gint64) json_node_get_double (limit) : -1;
}

static gboolean
required_has (JsonObject *schema,
              const char *name)
{
  JsonNode *required = json_object_get_member (schema, "required");
  JsonArray *names;

  if (required == NULL || !JSON_NODE_HOLDS_ARRAY (required))
    return FALSE;

  names = json_node_get_array (required);
  for (guint i = 0; i < json_array_get_length (names); i++)
    if (g_strcmp0 (json_array_get_string_element (names, i), name) == 0)
      return TRUE;

  return FALSE;
}

static void
validate_property (Validator  *v,
                   JsonObject *schema,
                   JsonObject *object,
                   const char *name,
                   GHashTable *seen)
{
  JsonObject *properties = get_object_path (schema, "properties", NULL);
  JsonNode *property = properties != NULL ? json_object_get_member (properties, name) : NULL;

  if (!g_hash_table_add (seen, (gpointer) name))
    return;

  loc_push_name (v, name);
  if (!json_object_has_member (object, name))
    {
      if (required_has (schema, name))
        add_error (v, "missing", "Field required", NULL, NULL);
    }
  else if (property != NULL && JSON_NODE_HOLDS_OBJECT (property))
    validate_value (v, json_node_get_object (property), json_object_get_member (object, name));
  loc_pop (v);
}

/* In schema order, the way pydantic walks a model's fields: first
 * x-fal-order-properties, then any other property, then any required
 * name the properties forgot. Unknown members of the value are ignored,
 * as fal ignores them. */
static void
validate_object (Validator  *v,
                 JsonObject *schema,
                 JsonObject *object)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObject *properties = get_object_path (schema, "properties", NULL);
  JsonNode *order = json_object_get_member (schema, "x-fal-order-properties");
  JsonNode *required = json_object_get_member (schema, "required");

  if (order != NULL && JSON_NODE_HOLDS_ARRAY (order))
    {
      JsonArray *names = json_node_get_array (order);

      for (guint i = 0; i < json_array_get_length (names); i++)
        {
          const char *name = json_array_get_string_element (names, i);

          if (name != NULL && properties != NULL && json_object_has_member (properties, name))
            validate_property (v, schema, object, name, seen);
        }
    }

  if (properties != NULL)
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *item;

      json_object_iter_init_ordered (&iter, properties);
      while (json_object_iter_next_ordered (&iter, &name, &item))
        validate_property (v, schema, object, name, seen);
    }

  if (required != NULL && JSON_NODE_HOLDS_ARRAY (required))
    {
      JsonArray *names = json_node_get_array (required);

      for (guint i = 0; i < json_array_get_length (names); i++)
        {
          const char *name = json_array_get_string_element (names, i);

          if (name != NULL)
            validate_property (v, schema, object, name, seen);
        }
    }
}

static void
validate_array (Validator  *v,
                JsonObject *schema,
                JsonNode   *value)
{
  JsonArray *array = json_node_get_array (value);
  JsonNode *items = json_object_get_member (schema, "items");
  gint64 length = json_array_get_length (array);
  gint64 min_items = get_limit (schema, "minItems");
  gint64 max_items = get_limit (schema, "maxItems");

  if (min_items >= 0 && length < min_items)
    add_length_error (v, "too_short", "List", "min_length", "at least", min_items, "item", length, value);
  else if (max_items >= 0 && length > max_items)
    add_length_error (v, "too_long", "List", "max_length", "at most", max_items, "item", length, value);

  if (items == NULL || !JSON_NODE_HOLDS_OBJECT (items))
    return;

  for (guint i = 0; i < length; i++)
    {
      loc_push_index (v, i);
      validate_value (v, json_node_get_object (items), json_array_get_element (array, i));
      loc_pop (v);
    }
}

/* Checks a value against one type name. The messages are pydantic's. */
static void
validate_kind (Validator  *v,
               JsonObject *schema,
               const char *kind,
               JsonNode   *value)
{
  GType type = value_type (value);

  if (g_str_equal (kind, "null"))
    {
      if (!JSON_NODE_HOLDS_NULL (value))
        add_error (v, "none_required", "Input should be None", value, NULL);
    }
  else if (g_str_equal (kind, "boolean"))
    {
      if (type == G_TYPE_STRING)
        add_error (v, "bool_parsing", "Input should be a valid boolean, unable to interpret input", value, NULL);
      else if (type != G_TYPE_BOOLEAN)
        add_error (v, "bool_type", "Input should be a valid boolean", value, NULL);
    }
  else if (g_str_equal (kind, "integer"))
    {
      /* Numeric strings are refused too (pydantic would take "5"), so the
       * endpoints can read the member as a number. */
      if (type == G_TYPE_STRING)
        add_error (v, "int_parsing", "Input should be a valid integer, unable to parse string as an integer", value, NULL);
      else if (type == G_TYPE_DOUBLE && json_node_get_double (value) != floor (json_node_get_double (value)))
        add_error (v, "int_from_float", "Input should be a valid integer, got a number with a fractional part", value, NULL);
      else if (!is_number (value))
        add_error (v, "int_type", "Input should be a valid integer", value, NULL);
      else
        validate_range (v, schema, value);
    }
  else if (g_str_equal (kind, "number"))
    {
      if (type == G_TYPE_STRING)
        add_error (v, "float_parsing", "Input should be a valid number, unable to parse string as a number", value, NULL);
      else if (!is_number (value))
        add_error (v, "float_type", "Input should be a valid number", value, NULL);
      else
        validate_range (v, schema, value);
    }
  else if (g_str_equal (kind, "string"))
    {
      if (type != G_TYPE_STRING)
        add_error (v, "string_type", "Input should be a valid string", value, NULL);
      else
        {
          gint64 length = g_utf8_strlen (json_node_get_string (value), -1);
          gint64 min_length = get_limit (schema, "minLength");
          gint64 max_length = get_limit (schema, "maxLength");

          if (min_length >= 0 && length < min_length)
            add_length_error (v, "string_too_short", "String", "min_length", "at least", min_length, "character", -1, value);
          else if (max_length >= 0 && length > max_length)
            add_length_error (v, "string_too_long", "String", "max_length", "at most", max_length, "character", -1, value);
        }
    }
  else if (g_str_equal (kind, "array"))
    {
      if (!JSON_NODE_HOLDS_ARRAY (value))
        add_error (v, "list_type", "Input should be a valid list", value, NULL);
      else
        validate_array (v, schema, value);
    }
  else if (g_str_equal (kind, "object"))
    {
      if (!JSON_NODE_HOLDS_OBJECT (value))
        add_error (v,
                   json_object_has_member (schema, "properties") ? "model_attributes_type" : "dict_type",
                   "Input should be a valid dictionary", value, NULL);
      else
        validate_object (v, schema, json_node_get_object (value));
    }
  /* unknown type names accept anything */
}

static void
validate_value (Validator  *v,
                JsonObject *schema,
                JsonNode   *value)
{
  g_autoptr(GPtrArray) kinds = NULL;
  JsonNode *choices;
  const char *kind = NULL;

  if (v->depth >= MAX_DEPTH)
    return;

  if (!(schema = resolve (v, schema)))
    return;

  v->depth++;

  if ((choices = json_object_get_member (schema, "anyOf")) != NULL ||
      (choices = json_object_get_member (schema, "oneOf")) != NULL)
    {
      if (JSON_NODE_HOLDS_ARRAY (choices))
        validate_any_of (v, json_node_get_array (choices), value);
    }
  /* Like a pydantic Literal: only membership counts, not the type */
  else if ((choices = json_object_get_member (schema, "enum")) != NULL &&
           JSON_NODE_HOLDS_ARRAY (choices))
    validate_enum (v, json_node_get_array (choices), value);
  else
    {
      kinds = schema_kinds (schema);
      for (guint i = 0; i < kinds->len && kind == NULL; i++)
        if (kind_matches (g_ptr_array_index (kinds, i), value))
          kind = g_ptr_array_index (kinds, i);

      /* With none fitting, report against the first non-null type */
      for (guint i = 0; i < kinds->len && kind == NULL; i++)
        if (!g_str_equal (g_ptr_array_index (kinds, i), "null"))
          kind = g_ptr_array_index (kinds, i);
      if (kind == NULL && kinds->len > 0)
        kind = g_ptr_array_index (kinds, 0);

      if (kind != NULL)
        validate_kind (v, schema, kind, value);
    }

  v->depth--;
}

JsonArray *
fal_local_openapi_validate (const char  *endpoint_id,
                            JsonNode    *body,
                            GError     **error)
{
  g_autoptr(JsonArray) errors = NULL;
  g_autoptr(GArray) loc = NULL;
  GError *problem = NULL;
  Document *document;
  Validator v = { 0 };

  g_return_val_if_fail (endpoint_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!(document = get_document (endpoint_id, &problem)))
    {
      if (problem != NULL)
        g_propagate_error (error, problem);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     "No OpenAPI document for endpoint “%s”", endpoint_id);
      return NULL;
    }

  errors = json_array_new ();
  loc = g_array_new (FALSE, FALSE, sizeof (LocPart));
  v.root = document->root;
  v.errors = errors;
  v.loc = loc;
  v.error = &problem;

  /* FastAPI's answers for an absent body and for one of the wrong kind */
  if (body == NULL || JSON_NODE_HOLDS_NULL (body))
    add_error (&v, "missing", "Field required", NULL, NULL);
  else if (!JSON_NODE_HOLDS_OBJECT (body))
    add_error (&v, "model_attributes_type", "Input should be a valid dictionary", body, NULL);
  else
    validate_object (&v, document->input, json_node_get_object (body));

  if (problem != NULL)
    {
      g_propagate_prefixed_error (error, problem, "%s: ", endpoint_id);
      return NULL;
    }

  if (json_array_get_length (errors) == 0)
    return NULL;

  return g_steal_pointer (&errors);
}
