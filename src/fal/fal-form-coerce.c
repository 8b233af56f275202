/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "fal-form-field-private.h"
#include "fal-json.h"

/* Typing falctl's -i texts by the field's kind (fal_form_model_coerce). */

static gboolean
is_type (JsonNode *node,
         GType     type)
{
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

static JsonNode *
int_node (gint64 value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_int (node, value);
  return node;
}

static JsonNode *
string_node (const char *value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, value);
  return node;
}

static gboolean
parse_int (const char *text,
           gint64     *value)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  return g_ascii_string_to_signed (stripped, 10, G_MININT64, G_MAXINT64, value, NULL);
}

static gboolean
parse_double (const char *text,
              double     *value)
{
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  char *end = NULL;

  if (*stripped == '\0')
    return FALSE;
  errno = 0;
  *value = g_ascii_strtod (stripped, &end);
  return errno == 0 && *end == '\0' && isfinite (*value);
}

static JsonNode *
parse_json (FalFormField  *field,
            const char    *text,
            GError       **error)
{
  g_autoptr(GError) parse_error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;

  /* fal_json_parse() words its errors for answers; these are inputs. */
  if (!json_parser_load_from_data (parser, text, -1, &parse_error) ||
      (root = json_parser_get_root (parser)) == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: expected JSON, got “%s”%s%s",
                   field->name, text, parse_error ? ": " : "", parse_error ? parse_error->message : "");
      return NULL;
    }
  return json_node_copy (root);
}

static JsonNode *
coerce_image_size (FalFormField  *field,
                   const char    *text,
                   GError       **error)
{
  g_autoptr(GRegex) size = g_regex_new ("^\\s*([0-9]+)\\s*(?:x|X|×|\\*)\\s*([0-9]+)\\s*$", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  if (field->size_presets && g_strv_contains ((const char * const *) field->size_presets, text))
    return string_node (text);
  if (field->custom_size && g_regex_match (size, text, 0, &match))
    {
      g_autofree char *width = g_match_info_fetch (match, 1);
      g_autofree char *height = g_match_info_fetch (match, 2);
      JsonObject *object = json_object_new ();
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_object_set_int_member (object, "width", g_ascii_strtoll (width, NULL, 10));
      json_object_set_int_member (object, "height", g_ascii_strtoll (height, NULL, 10));
      json_node_take_object (node, object);
      return node;
    }
  if (field->custom_size && text[0] == '{')
    return parse_json (field, text, error);
  {
    g_autofree char *presets = field->size_presets ? g_strjoinv (", ", field->size_presets) : g_strdup ("");

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: expected %s%s%s, got “%s”",
                 field->name, field->custom_size ? "WIDTHxHEIGHT" : "",
                 field->custom_size && *presets ? " or one of " : *presets ? "one of " : "",
                 presets, text);
  }
  return NULL;
}

static JsonNode *
coerce_enum (FalFormField  *field,
             const char    *text,
             GError       **error)
{
  g_autoptr(GString) choices = g_string_new (NULL);
  guint n = json_array_get_length (field->enum_values);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *value = json_array_get_element (field->enum_values, i);
      gint64 integer;
      double number;

      if (is_type (value, G_TYPE_STRING) && g_str_equal (json_node_get_string (value), text))
        return json_node_copy (value);
      if (is_type (value, G_TYPE_INT64) && parse_int (text, &integer) && integer == json_node_get_int (value))
        return json_node_copy (value);
      if (is_type (value, G_TYPE_DOUBLE) && parse_double (text, &number) && number == json_node_get_double (value))
        return json_node_copy (value);
      if (i > 0)
        g_string_append (choices, ", ");
      _fal_form_print_literal (choices, value);
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: expected one of %s, got “%s”",
               field->name, choices->str, text);
  return NULL;
}

JsonNode *
_fal_form_field_coerce (FalFormField  *field,
                        const char    *text,
                        GError       **error)
{
  const char *name = field->name;
  gint64 integer;
  double number;

  if (field->nullable && g_str_equal (text, "null"))
    return json_node_new (JSON_NODE_NULL);

  switch (field->kind)
    {
    case FAL_FIELD_SHORT_TEXT:
    case FAL_FIELD_LONG_TEXT:
    case FAL_FIELD_FILE:
      return string_node (text);

    case FAL_FIELD_SEED:
      if (g_str_equal (text, "random"))
        return string_node (text);
      G_GNUC_FALLTHROUGH;
    case FAL_FIELD_INTEGER:
      if (parse_int (text, &integer))
        return int_node (integer);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: expected an integer%s, got “%s”",
                   name, field->kind == FAL_FIELD_SEED ? " or random" : "", text);
      return NULL;

    case FAL_FIELD_NUMBER:
      if (parse_int (text, &integer))
        return int_node (integer);
      if (parse_double (text, &number))
        {
          JsonNode *node = json_node_new (JSON_NODE_VALUE);

          json_node_set_double (node, number);
          return node;
        }
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: expected a number, got “%s”", name, text);
      return NULL;

    case FAL_FIELD_BOOLEAN:
      {
        static const char * const yes[] = { "true", "yes", "on", "1", NULL };
        static const char * const no[] = { "false", "no", "off", "0", NULL };
        g_autofree char *lower = g_ascii_strdown (text, -1);
        JsonNode *node;

        if (!g_strv_contains (yes, lower) && !g_strv_contains (no, lower))
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: expected true or false, got “%s”", name, text);
            return NULL;
          }
        node = json_node_new (JSON_NODE_VALUE);
        json_node_set_boolean (node, g_strv_contains (yes, lower));
        return node;
      }

    case FAL_FIELD_ENUM:
      return coerce_enum (field, text, error);

    case FAL_FIELD_IMAGE_SIZE:
      return coerce_image_size (field, text, error);

    case FAL_FIELD_FILE_LIST:
      if (text[0] == '[')
        return parse_json (field, text, error);
      {
        JsonArray *array = json_array_new ();
        JsonNode *node = json_node_new (JSON_NODE_ARRAY);

        json_array_add_string_element (array, text);
        json_node_take_array (node, array);
        return node;
      }

    case FAL_FIELD_OBJECT_LIST:
      {
        JsonNode *node = parse_json (field, text, error);

        if (node && JSON_NODE_HOLDS_OBJECT (node))
          {
            /* One item given alone. */
            JsonArray *array = json_array_new ();
            JsonNode *list = json_node_new (JSON_NODE_ARRAY);

            json_array_add_element (array, node);
            json_node_take_array (list, array);
            return list;
          }
        return node;
      }

    case FAL_FIELD_JSON:
    default:
      {
        JsonNode *node = parse_json (field, text, NULL);

        return node ? node : string_node (text);
      }
    }
}
