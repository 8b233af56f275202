/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-error.h"
#include "fal-form-field-private.h"
#include "fal-json.h"
#include "fal-schema-resolve.h"
#include "fal-i18n-private.h"

/* $refs expanded inside one another (a deeper chain is a cycle or abuse),
 * and lists of objects inside lists of objects. */
#define MAX_REF_DEPTH 32
#define MAX_NESTING 4

typedef struct {
  JsonObject *root;
  GPtrArray *refs;             /* the $refs being expanded, for the cycle guard */
} Resolver;

/* What anyOf/oneOf collapsed to. */
typedef struct {
  JsonObject *schema;          /* effective schema, flattened (owned) */
  gboolean nullable;
  gboolean mixed;              /* branches of unrelated types: free JSON */
  JsonObject *size_object;     /* the ImageSize-like branch (owned), or NULL */
  JsonArray *presets;          /* string enum branches beside it (owned), or NULL */
} Shape;

static GPtrArray *build_fields (Resolver *r, JsonObject *schema, guint depth);
static void shape_clear (Shape *shape);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Shape, shape_clear)

/* ------------------------------------------------------------------ $ref, allOf */

static JsonObject *
lookup_ref (Resolver   *r,
            const char *ref)
{
  g_auto(GStrv) parts = NULL;
  JsonObject *current = r->root;

  /* Local JSON pointers only: fal's documents are self-contained. */
  if (!g_str_has_prefix (ref, "#/"))
    return NULL;
  parts = g_strsplit (ref + 2, "/", -1);
  for (guint i = 0; parts[i] && current; i++)
    {
      g_autofree char *unescaped = g_uri_unescape_string (parts[i], NULL);
      g_autoptr(GString) name = g_string_new (unescaped ? unescaped : parts[i]);

      g_string_replace (name, "~1", "/", 0);
      g_string_replace (name, "~0", "~", 0);
      current = fal_json_get_object (current, name->str);
    }
  return current;
}

static gboolean
expanding (Resolver   *r,
           const char *ref)
{
  for (guint i = 0; i < r->refs->len; i++)
    if (g_str_equal (g_ptr_array_index (r->refs, i), ref))
      return TRUE;
  return FALSE;
}

/* Sets one keyword of a merged schema: properties are united member by
 * member and required lists joined; other keywords are replaced only when
 * override is set (or they are new). */
static void
merge_member (JsonObject *into,
              const char *name,
              JsonNode   *node,
              gboolean    override)
{
  JsonNode *existing = json_object_get_member (into, name);

  if (existing && g_str_equal (name, "properties") &&
      JSON_NODE_HOLDS_OBJECT (existing) && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *merged = json_object_new ();
      JsonObject *sources[2] = { json_node_get_object (existing), json_node_get_object (node) };

      for (guint s = 0; s < 2; s++)
        {
          JsonObjectIter iter;
          const char *member;
          JsonNode *value;

          json_object_iter_init_ordered (&iter, sources[s]);
          while (json_object_iter_next_ordered (&iter, &member, &value))
            if (s == 1 || !json_object_has_member (merged, member))
              json_object_set_member (merged, member, json_node_copy (value));
        }
      json_object_set_object_member (into, name, merged);
      return;
    }
  if (existing && g_str_equal (name, "required") &&
      JSON_NODE_HOLDS_ARRAY (existing) && JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *merged = json_array_new ();
      JsonArray *sources[2] = { json_node_get_array (existing), json_node_get_array (node) };

      for (guint s = 0; s < 2; s++)
        for (guint i = 0; i < json_array_get_length (sources[s]); i++)
          json_array_add_element (merged, json_node_copy (json_array_get_element (sources[s], i)));
      json_object_set_array_member (into, name, merged);
      return;
    }
  if (existing == NULL || override)
    json_object_set_member (into, name, json_node_copy (node));
}

static void
merge_object (JsonObject *into,
              JsonObject *from,
              gboolean    override)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  json_object_iter_init_ordered (&iter, from);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    merge_member (into, name, node, override);
}

/* A new schema with $ref and allOf expanded; the schema's own keywords
 * win over what they bring (fal puts title, description and default next
 * to an allOf of one $ref). A cyclic or dangling $ref expands to nothing,
 * which reads as "any JSON". */
static JsonObject *
flatten (Resolver   *r,
         JsonObject *schema)
{
  JsonObject *result = json_object_new ();
  const char *ref = fal_json_get_string (schema, "$ref");
  JsonArray *all_of = fal_json_get_array (schema, "allOf");
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (ref && r->refs->len < MAX_REF_DEPTH && !expanding (r, ref))
    {
      JsonObject *target = lookup_ref (r, ref);

      if (target)
        {
          g_autoptr(JsonObject) flat = NULL;

          g_ptr_array_add (r->refs, (gpointer) ref);
          flat = flatten (r, target);
          g_ptr_array_remove_index (r->refs, r->refs->len - 1);
          merge_object (result, flat, TRUE);
        }
    }
  for (guint i = 0; all_of && i < json_array_get_length (all_of); i++)
    {
      JsonObject *branch = json_array_get_object_element (all_of, i);

      if (branch)
        {
          g_autoptr(JsonObject) flat = flatten (r, branch);
          merge_object (result, flat, TRUE);
        }
    }

  json_object_iter_init_ordered (&iter, schema);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    if (!g_str_equal (name, "$ref") && !g_str_equal (name, "allOf"))
      merge_member (result, name, node, TRUE);

  /* const is a one-value enum (pydantic writes Literal["a"] so). */
  if ((node = json_object_get_member (result, "const")) && !json_object_has_member (result, "enum"))
    {
      JsonArray *values = json_array_new ();

      json_array_add_element (values, json_node_copy (node));
      json_object_set_array_member (result, "enum", values);
    }
  return result;
}

/* ------------------------------------------------------------------ types */

static const char *
node_type_name (JsonNode *node)
{
  if (JSON_NODE_HOLDS_NULL (node))
    return "null";
  if (JSON_NODE_HOLDS_OBJECT (node))
    return "object";
  if (JSON_NODE_HOLDS_ARRAY (node))
    return "array";
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_STRING: return "string";
    case G_TYPE_INT64: return "integer";
    case G_TYPE_DOUBLE: return "number";
    case G_TYPE_BOOLEAN: return "boolean";
    default: return NULL;
    }
}

/* The schema's type: "type" as a string or as a list (a "null" in the list
 * makes it nullable), else guessed from other keywords; NULL: anything. */
static const char *
schema_type (JsonObject *schema,
             gboolean   *nullable)
{
  JsonNode *type = json_object_get_member (schema, "type");
  JsonArray *values;

  if (type && JSON_NODE_HOLDS_VALUE (type) && json_node_get_value_type (type) == G_TYPE_STRING)
    return json_node_get_string (type);
  if (type && JSON_NODE_HOLDS_ARRAY (type))
    {
      JsonArray *types = json_node_get_array (type);
      const char *found = NULL;

      for (guint i = 0; i < json_array_get_length (types); i++)
        {
          const char *name = json_node_get_string (json_array_get_element (types, i));

          if (name && g_str_equal (name, "null"))
            *nullable = TRUE;
          else if (name && found == NULL)
            found = name;
        }
      return found;
    }
  if (json_object_has_member (schema, "properties"))
    return "object";
  if (json_object_has_member (schema, "items"))
    return "array";
  if ((values = fal_json_get_array (schema, "enum")))
    for (guint i = 0; i < json_array_get_length (values); i++)
      if (!JSON_NODE_HOLDS_NULL (json_array_get_element (values, i)))
        return node_type_name (json_array_get_element (values, i));
  if (json_object_has_member (schema, "const"))
    return node_type_name (json_object_get_member (schema, "const"));
  return NULL;
}

static gboolean
is_null_schema (JsonObject *schema)
{
  const char *type = fal_json_get_string (schema, "type");
  JsonArray *values = fal_json_get_array (schema, "enum");

  if (type)
    return g_str_equal (type, "null");
  return values && json_array_get_length (values) == 1 &&
         JSON_NODE_HOLDS_NULL (json_array_get_element (values, 0));
}

/* ImageSize: an object of width and height, and nothing else. */
static gboolean
is_size_object (JsonObject *schema)
{
  JsonObject *properties = fal_json_get_object (schema, "properties");
  gboolean nullable = FALSE;
  const char *type = schema_type (schema, &nullable);

  return type && g_str_equal (type, "object") && properties && json_object_get_size (properties) == 2 &&
         json_object_has_member (properties, "width") && json_object_has_member (properties, "height");
}

static gboolean
is_enum_of (JsonObject *schema,
            const char *type)
{
  gboolean nullable = FALSE;
  const char *found = schema_type (schema, &nullable);

  return fal_json_get_array (schema, "enum") && found && g_str_equal (found, type);
}

static void
shape_clear (Shape *shape)
{
  g_clear_pointer (&shape->schema, json_object_unref);
  g_clear_pointer (&shape->size_object, json_object_unref);
  g_clear_pointer (&shape->presets, json_array_unref);
}

static void
add_enum_values (JsonArray  *into,
                 JsonObject *schema)
{
  JsonArray *values = fal_json_get_array (schema, "enum");

  for (guint i = 0; values && i < json_array_get_length (values); i++)
    json_array_add_element (into, json_node_copy (json_array_get_element (values, i)));
}

/* Flattens a schema and collapses anyOf/oneOf: null branches make it
 * nullable; an ImageSize object beside string enums is an image size with
 * presets; enums of one type unite; integer beside number is a number;
 * otherwise the first branch, unless the branches disagree on the type,
 * which leaves free JSON. The outer keywords (title, default, …) win. */
static void
shape_init (Resolver   *r,
            JsonObject *schema,
            Shape      *shape)
{
  g_autoptr(JsonObject) flat = flatten (r, schema);
  g_autoptr(GPtrArray) alive = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  JsonArray *branches = fal_json_get_array (flat, "anyOf");
  JsonObject *chosen = NULL;
  g_autoptr(JsonObject) merged_enum = NULL;
  JsonNode *nullable = json_object_get_member (flat, "nullable");

  memset (shape, 0, sizeof *shape);
  if (nullable && JSON_NODE_HOLDS_VALUE (nullable) && json_node_get_value_type (nullable) == G_TYPE_BOOLEAN)
    shape->nullable = json_node_get_boolean (nullable);
  if (branches == NULL)
    branches = fal_json_get_array (flat, "oneOf");
  if (branches == NULL)
    {
      shape->schema = g_steal_pointer (&flat);
      return;
    }

  for (guint i = 0; i < json_array_get_length (branches); i++)
    {
      JsonObject *branch = json_array_get_object_element (branches, i);
      JsonObject *flat_branch;

      if (branch == NULL)
        continue;
      flat_branch = flatten (r, branch);
      if (is_null_schema (flat_branch))
        {
          shape->nullable = TRUE;
          json_object_unref (flat_branch);
          continue;
        }
      g_ptr_array_add (alive, flat_branch);
    }

  if (alive->len > 0)
    {
      guint others = 0, enums = 0;
      gboolean all_numbers = TRUE;
      const char *first_type = NULL;
      gboolean same_type = TRUE;

      for (guint i = 0; i < alive->len; i++)
        {
          JsonObject *branch = g_ptr_array_index (alive, i);
          gboolean branch_nullable = FALSE;
          const char *type = schema_type (branch, &branch_nullable);

          shape->nullable |= branch_nullable;
          if (is_size_object (branch) && shape->size_object == NULL)
            shape->size_object = json_object_ref (branch);
          else if (is_enum_of (branch, "string"))
            {
              if (shape->presets == NULL)
                shape->presets = json_array_new ();
              add_enum_values (shape->presets, branch);
            }
          else
            others++;
          if (fal_json_get_array (branch, "enum"))
            enums++;
          if (type == NULL || (!g_str_equal (type, "integer") && !g_str_equal (type, "number")))
            all_numbers = FALSE;
          if (i == 0)
            first_type = type;
          else if (g_strcmp0 (first_type, type) != 0)
            same_type = FALSE;
        }

      if (shape->size_object && others == 0)
        /* Image size: the outer schema carries title and default. */
        chosen = NULL;
      else if (same_type && enums == alive->len && alive->len > 1)
        {
          merged_enum = json_object_new ();
          json_object_set_string_member (merged_enum, "type", first_type);
          json_object_set_array_member (merged_enum, "enum", json_array_new ());
          for (guint i = 0; i < alive->len; i++)
            add_enum_values (fal_json_get_array (merged_enum, "enum"), g_ptr_array_index (alive, i));
          chosen = merged_enum;
        }
      else
        {
          g_clear_pointer (&shape->size_object, json_object_unref);
          g_clear_pointer (&shape->presets, json_array_unref);
          chosen = g_ptr_array_index (alive, 0);
          if (all_numbers && !same_type)
            for (guint i = 0; i < alive->len; i++)
              if (g_str_equal (schema_type (g_ptr_array_index (alive, i), &shape->nullable), "number"))
                chosen = g_ptr_array_index (alive, i);
          if (!same_type && !all_numbers)
            {
              shape->mixed = TRUE;
              chosen = NULL;
            }
        }
    }

  shape->schema = json_object_new ();
  if (chosen)
    merge_object (shape->schema, chosen, TRUE);
  {
    JsonObjectIter iter;
    const char *name;
    JsonNode *node;

    json_object_iter_init_ordered (&iter, flat);
    while (json_object_iter_next_ordered (&iter, &name, &node))
      if (!g_str_equal (name, "anyOf") && !g_str_equal (name, "oneOf"))
        merge_member (shape->schema, name, node, TRUE);
  }
}

/* ------------------------------------------------------------------ names */

static gboolean
name_has_word (const char *name,
               const char *word)
{
  /* A plain substring test: fal's names are snake_case words. */
  return strstr (name, word) != NULL;
}

static gboolean
is_prompt_name (const char *name)
{
  return g_str_equal (name, "prompt") || g_str_has_suffix (name, "_prompt") ||
         g_str_equal (name, "text") || g_str_equal (name, "instructions");
}

static gboolean
mentions_lines (const char *description)
{
  g_autofree char *lower = description ? g_ascii_strdown (description, -1) : NULL;

  return lower && (strstr (lower, "multi-line") || strstr (lower, "multiline") ||
                   strstr (lower, "multiple lines") || strstr (lower, "newline") ||
                   strstr (lower, "new line"));
}

static FalFileMedia
media_in (const char *text)
{
  static const struct {
    const char *word;
    FalFileMedia media;
  } words[] = {
    { "video", FAL_FILE_MEDIA_VIDEO },
    { "audio", FAL_FILE_MEDIA_AUDIO },
    { "voice", FAL_FILE_MEDIA_AUDIO },
    { "speech", FAL_FILE_MEDIA_AUDIO },
    { "music", FAL_FILE_MEDIA_AUDIO },
    { "sound", FAL_FILE_MEDIA_AUDIO },
    { "image", FAL_FILE_MEDIA_IMAGE },
    { "mask", FAL_FILE_MEDIA_IMAGE },
    { "photo", FAL_FILE_MEDIA_IMAGE },
    { "picture", FAL_FILE_MEDIA_IMAGE },
    { "face", FAL_FILE_MEDIA_IMAGE },
    { "frame", FAL_FILE_MEDIA_IMAGE },
  };
  const char *earliest = NULL;
  FalFileMedia media = FAL_FILE_MEDIA_ANY;

  /* The word that comes first wins: "video_url … an image of" is a video. */
  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    {
      const char *at = strstr (text, words[i].word);

      if (at && (earliest == NULL || at < earliest))
        {
          earliest = at;
          media = words[i].media;
        }
    }
  return media;
}

/* From the name ("start_image_url", "audio_url"), else the description. */
static FalFileMedia
guess_media (const char *name,
             const char *description)
{
  FalFileMedia media = media_in (name);
  g_autofree char *lower = NULL;

  if (media != FAL_FILE_MEDIA_ANY || description == NULL)
    return media;
  lower = g_ascii_strdown (description, -1);
  return media_in (lower);
}

static gboolean
is_file_string (const char *name,
                JsonObject *schema,
                const char *description)
{
  const char *format = fal_json_get_string (schema, "format");
  g_autofree char *lower = description ? g_ascii_strdown (description, -1) : NULL;

  if (name_has_word (name, "webhook"))
    return FALSE;
  if (format && (g_str_equal (format, "uri") || g_str_equal (format, "binary") ||
                 g_str_equal (format, "data-url")))
    return TRUE;
  if (g_str_has_suffix (name, "_url") || g_str_equal (name, "url"))
    return TRUE;
  /* LoRA and embedding weights: "URL or the path to the LoRA weights";
   * "reference_image": "URL of the image to …". */
  if ((g_str_equal (name, "path") || g_str_has_suffix (name, "_path") || media_in (name) != FAL_FILE_MEDIA_ANY) &&
      lower && strstr (lower, "url"))
    return TRUE;
  return FALSE;
}

static gboolean
is_file_list (const char *name,
              JsonObject *items,
              const char *description)
{
  const char *format = fal_json_get_string (items, "format");

  g_autofree char *lower = description ? g_ascii_strdown (description, -1) : NULL;

  if (name_has_word (name, "webhook"))
    return FALSE;
  return g_str_has_suffix (name, "_urls") || g_str_equal (name, "urls") ||
         (format && (g_str_equal (format, "uri") || g_str_equal (format, "binary"))) ||
         (media_in (name) != FAL_FILE_MEDIA_ANY && lower && strstr (lower, "url"));
}

static char *
humanize (const char *name)
{
  char *title = g_strdelimit (g_strdup (name), "_-", ' ');

  title[0] = g_ascii_toupper (title[0]);
  return title;
}

/* The "Advanced" rule. Basic: required fields; prompts; image size, seed
 * and files; enums; num_images, aspect_ratio, duration and resolution.
 * Advanced whatever its kind: sync_mode, safety settings, prompt
 * expansion, output formats, versions, acceleration, batch sizes and
 * enable_* switches. Everything else (numbers, booleans, lists of
 * objects, free JSON, other text) is advanced. */
static gboolean
is_advanced (FalFormField *field)
{
  static const char * const advanced_names[] = {
    "sync_mode", "expand_prompt", "enhance_prompt", "format", "output_format",
    "acceleration", "batch_size", "version", NULL
  };
  static const char * const basic_names[] = {
    "num_images", "aspect_ratio", "duration", "resolution", NULL
  };
  const char *name = field->name;

  if (field->required)
    return FALSE;
  if (g_strv_contains (advanced_names, name) || strstr (name, "safety") ||
      g_str_has_suffix (name, "_format") || g_str_has_suffix (name, "_version") ||
      g_str_has_prefix (name, "enable_"))
    return TRUE;
  if (g_strv_contains (basic_names, name))
    return FALSE;

  switch (field->kind)
    {
    case FAL_FIELD_LONG_TEXT:
      return !is_prompt_name (name);
    case FAL_FIELD_IMAGE_SIZE:
    case FAL_FIELD_SEED:
    case FAL_FIELD_FILE:
    case FAL_FIELD_FILE_LIST:
    case FAL_FIELD_ENUM:
      return FALSE;
    default:
      return TRUE;
    }
}

/* ------------------------------------------------------------------ fields */

static gboolean
get_number (JsonObject *schema,
            const char *member,
            double     *value)
{
  return fal_json_get_double (schema, member, value);
}

static gboolean
get_flag (JsonObject *schema,
          const char *member)
{
  JsonNode *node = json_object_get_member (schema, member);

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

/* minimum/maximum with OpenAPI 3.0's boolean exclusive flags, or 3.1's
 * (pydantic v2's) numeric exclusiveMinimum/exclusiveMaximum. */
static void
read_bounds (FalFormField *field,
             JsonObject   *schema)
{
  double value;

  if (get_number (schema, "exclusiveMinimum", &value))
    {
      field->has_minimum = field->exclusive_minimum = TRUE;
      field->minimum = value;
    }
  else if (get_number (schema, "minimum", &value))
    {
      field->has_minimum = TRUE;
      field->exclusive_minimum = get_flag (schema, "exclusiveMinimum");
      field->minimum = value;
    }
  if (get_number (schema, "exclusiveMaximum", &value))
    {
      field->has_maximum = field->exclusive_maximum = TRUE;
      field->maximum = value;
    }
  else if (get_number (schema, "maximum", &value))
    {
      field->has_maximum = TRUE;
      field->exclusive_maximum = get_flag (schema, "exclusiveMaximum");
      field->maximum = value;
    }
}

static void
read_lengths (FalFormField *field,
              JsonObject   *schema,
              const char   *min_member,
              const char   *max_member)
{
  gint64 value;

  if (fal_json_get_int (schema, min_member, &value))
    field->min_length = value;
  if (fal_json_get_int (schema, max_member, &value))
    field->max_length = value;
}

static GListStore *
store_of (GPtrArray *fields)
{
  GListStore *store = g_list_store_new (FAL_TYPE_FORM_FIELD);

  for (guint i = 0; i < fields->len; i++)
    g_list_store_append (store, g_ptr_array_index (fields, i));
  return store;
}

/* The enum without its nulls (a null value makes the field nullable). */
static JsonArray *
typed_enum (JsonArray *values,
            gboolean  *nullable)
{
  JsonArray *result = json_array_new ();

  for (guint i = 0; i < json_array_get_length (values); i++)
    {
      JsonNode *value = json_array_get_element (values, i);

      if (JSON_NODE_HOLDS_NULL (value))
        *nullable = TRUE;
      else
        json_array_add_element (result, fal_json_deep_copy (value));
    }
  return result;
}

static void
set_image_size (Resolver     *r,
                FalFormField *field,
                Shape        *shape,
                JsonObject   *schema,
                guint         depth)
{
  JsonObject *size_object = shape->size_object ? shape->size_object : is_size_object (schema) ? schema : NULL;
  JsonArray *presets = shape->presets ? shape->presets : fal_json_get_array (schema, "enum");
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();

  field->kind = FAL_FIELD_IMAGE_SIZE;
  for (guint i = 0; presets && i < json_array_get_length (presets); i++)
    {
      const char *preset = json_node_get_string (json_array_get_element (presets, i));

      if (preset)
        g_strv_builder_add (names, preset);
    }
  field->size_presets = g_strv_builder_end (names);
  field->custom_size = size_object != NULL;
  if (size_object)
    {
      g_autoptr(GPtrArray) sides = build_fields (r, size_object, depth + 1);

      field->children = store_of (sides);
    }
}

static FalFormField *
build_field (Resolver   *r,
             const char *name,
             JsonObject *property,
             gboolean    required,
             guint       depth)
{
  g_auto(Shape) shape = { 0 };
  FalFormField *field = _fal_form_field_new (name);
  JsonObject *schema;
  JsonNode *default_value;
  JsonArray *examples;
  JsonArray *values;
  const char *type;
  const char *text;

  shape_init (r, property, &shape);
  schema = shape.schema;
  field->required = required;
  field->nullable = shape.nullable;
  type = schema_type (schema, &field->nullable);

  text = fal_json_get_string (schema, "title");
  field->title = text && *text ? g_strdup (text) : humanize (name);
  text = fal_json_get_string (schema, "description");
  if (text && *text)
    field->description = g_strstrip (g_strdup (text));

  default_value = json_object_get_member (schema, "default");
  if (default_value && JSON_NODE_HOLDS_NULL (default_value))
    field->nullable = TRUE;
  else if (default_value)
    field->default_value = fal_json_deep_copy (default_value);

  if ((examples = fal_json_get_array (schema, "examples")))
    {
      g_autoptr(JsonNode) copy = json_node_init_array (json_node_alloc (), examples);
      g_autoptr(JsonNode) deep = fal_json_deep_copy (copy);

      field->examples = json_array_ref (json_node_get_array (deep));
    }
  else if (json_object_has_member (schema, "example"))
    {
      field->examples = json_array_new ();
      json_array_add_element (field->examples, fal_json_deep_copy (json_object_get_member (schema, "example")));
    }

  values = fal_json_get_array (schema, "enum");

  if ((shape.size_object || is_size_object (schema) ||
       (g_str_equal (name, "image_size") && values && g_strcmp0 (type, "string") == 0)) &&
      depth < MAX_NESTING)
    set_image_size (r, field, &shape, schema, depth);
  else if (shape.mixed || type == NULL)
    field->kind = FAL_FIELD_JSON;
  else if (g_str_equal (name, "seed") && (g_str_equal (type, "integer") || g_str_equal (type, "number")))
    {
      field->kind = FAL_FIELD_SEED;
      read_bounds (field, schema);
    }
  else if (values && !g_str_equal (type, "boolean"))
    {
      field->kind = FAL_FIELD_ENUM;
      field->enum_values = typed_enum (values, &field->nullable);
    }
  else if (g_str_equal (type, "boolean"))
    field->kind = FAL_FIELD_BOOLEAN;
  else if (g_str_equal (type, "integer") || g_str_equal (type, "number"))
    {
      field->kind = g_str_equal (type, "integer") ? FAL_FIELD_INTEGER : FAL_FIELD_NUMBER;
      read_bounds (field, schema);
    }
  else if (g_str_equal (type, "string"))
    {
      read_lengths (field, schema, "minLength", "maxLength");
      if (is_file_string (name, schema, field->description))
        {
          field->kind = FAL_FIELD_FILE;
          field->media = guess_media (name, field->description);
        }
      else if (is_prompt_name (name) || field->max_length > 200 || mentions_lines (field->description))
        {
          field->kind = FAL_FIELD_LONG_TEXT;
          field->multiline = TRUE;
        }
      else
        field->kind = FAL_FIELD_SHORT_TEXT;
    }
  else if (g_str_equal (type, "array"))
    {
      JsonObject *items_schema = fal_json_get_object (schema, "items");
      g_auto(Shape) items = { 0 };
      gboolean items_nullable = FALSE;
      const char *items_type = NULL;

      read_lengths (field, schema, "minItems", "maxItems");
      if (items_schema)
        {
          shape_init (r, items_schema, &items);
          items_type = items.mixed ? NULL : schema_type (items.schema, &items_nullable);
        }
      if (items_type && g_str_equal (items_type, "object") &&
          fal_json_get_object (items.schema, "properties") && depth < MAX_NESTING)
        {
          g_autoptr(GPtrArray) children = build_fields (r, items.schema, depth + 1);

          field->kind = FAL_FIELD_OBJECT_LIST;
          field->children = store_of (children);
        }
      else if (items_type && g_str_equal (items_type, "string") &&
               is_file_list (name, items.schema, field->description))
        {
          field->kind = FAL_FIELD_FILE_LIST;
          field->media = guess_media (name, field->description);
        }
      else
        {
          field->kind = FAL_FIELD_JSON;
          field->json_type = g_strdup ("array");
        }
    }
  else
    {
      /* Objects that are not an image size, and whatever else. */
      field->kind = FAL_FIELD_JSON;
      if (g_str_equal (type, "object"))
        field->json_type = g_strdup ("object");
    }

  /* Items of a list and the sides of a size sit inside their field. */
  field->advanced = depth == 0 && is_advanced (field);
  return field;
}

/* The fields of an object schema (already flattened), in display order. */
static GPtrArray *
build_fields (Resolver   *r,
              JsonObject *schema,
              guint       depth)
{
  GPtrArray *fields = g_ptr_array_new_with_free_func (g_object_unref);
  JsonObject *properties = fal_json_get_object (schema, "properties");
  JsonArray *required = fal_json_get_array (schema, "required");
  JsonArray *order = fal_json_get_array (schema, "x-fal-order-properties");
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) required_set = g_hash_table_new (g_str_hash, g_str_equal);
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if (properties == NULL)
    return fields;

  for (guint i = 0; required && i < json_array_get_length (required); i++)
    {
      const char *member = json_node_get_string (json_array_get_element (required, i));

      if (member)
        g_hash_table_add (required_set, (gpointer) member);
    }

  for (guint i = 0; order && i < json_array_get_length (order); i++)
    {
      const char *member = json_node_get_string (json_array_get_element (order, i));

      if (member && json_object_has_member (properties, member) && g_hash_table_add (seen, (gpointer) member))
        g_ptr_array_add (names, (gpointer) member);
    }
  json_object_iter_init_ordered (&iter, properties);
  while (json_object_iter_next_ordered (&iter, &name, &node))
    if (g_hash_table_add (seen, (gpointer) name))
      g_ptr_array_add (names, (gpointer) name);

  /* Required first, each group in the order above. */
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < names->len; i++)
      {
        const char *member = g_ptr_array_index (names, i);
        gboolean is_required = g_hash_table_contains (required_set, member);
        JsonObject *property;
        g_autoptr(JsonObject) empty = NULL;

        if (is_required != (pass == 0))
          continue;
        property = fal_json_get_object (properties, member);
        if (property == NULL)
          property = empty = json_object_new ();   /* `true`: anything */
        g_ptr_array_add (fields, build_field (r, member, property, is_required, depth));
      }
  return fields;
}

/* ------------------------------------------------------------------ input */

static JsonObject *
post_body_schema (JsonObject *path_item)
{
  JsonObject *post = fal_json_get_object (path_item, "post");
  JsonObject *body = fal_json_get_object (post, "requestBody");
  JsonObject *content = fal_json_get_object (body, "content");
  JsonObject *json = fal_json_get_object (content, "application/json");

  return fal_json_get_object (json, "schema");
}

static JsonObject *
find_input (JsonObject *root,
            const char *endpoint_id)
{
  JsonObject *paths = fal_json_get_object (root, "paths");
  JsonObject *schemas = fal_json_get_object (fal_json_get_object (root, "components"), "schemas");
  g_autofree char *path = g_strconcat ("/", endpoint_id, NULL);
  JsonObject *found = NULL;
  guint n_posts = 0;
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;

  if ((found = post_body_schema (fal_json_get_object (paths, path))))
    return found;

  /* The id may be spelled differently (an alias): the only POST wins. */
  if (paths)
    {
      json_object_iter_init_ordered (&iter, paths);
      while (json_object_iter_next_ordered (&iter, &name, &node))
        {
          JsonObject *schema = JSON_NODE_HOLDS_OBJECT (node) ? post_body_schema (json_node_get_object (node)) : NULL;

          if (schema)
            {
              n_posts++;
              found = schema;
            }
        }
      if (n_posts == 1)
        return found;
    }

  /* Last resort: the one components schema named …Input. */
  found = NULL;
  if (schemas)
    {
      json_object_iter_init_ordered (&iter, schemas);
      while (json_object_iter_next_ordered (&iter, &name, &node))
        if (g_str_has_suffix (name, "Input") && JSON_NODE_HOLDS_OBJECT (node))
          {
            if (found)
              return NULL;
            found = json_node_get_object (node);
          }
    }
  return found;
}

GPtrArray *
_fal_schema_build_fields (JsonNode    *document,
                          const char  *endpoint_id,
                          GError     **error)
{
  g_autoptr(GPtrArray) refs = g_ptr_array_new ();
  g_autoptr(JsonObject) flat = NULL;
  Resolver r = { 0 };
  JsonObject *input;
  gboolean nullable = FALSE;
  const char *type;

  if (document == NULL || !JSON_NODE_HOLDS_OBJECT (document))
    {
      g_set_error_literal (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("The OpenAPI document is not a JSON object"));
      return NULL;
    }
  r.root = json_node_get_object (document);
  r.refs = refs;

  input = find_input (r.root, endpoint_id);
  if (input == NULL)
    {
      g_set_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL,
                   _("The OpenAPI document has no input schema for %s"), endpoint_id);
      return NULL;
    }
  flat = flatten (&r, input);
  type = schema_type (flat, &nullable);
  if (type == NULL || !g_str_equal (type, "object"))
    {
      g_set_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL,
                   _("The input schema of %s is not an object"), endpoint_id);
      return NULL;
    }
  return build_fields (&r, flat, 0);
}
