/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <math.h>

#include "fal-form-field-private.h"
#include "fal-json.h"

G_DEFINE_ENUM_TYPE (FalFieldKind, fal_field_kind,
  G_DEFINE_ENUM_VALUE (FAL_FIELD_SHORT_TEXT, "short-text"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_LONG_TEXT, "long-text"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_INTEGER, "integer"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_NUMBER, "number"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_BOOLEAN, "boolean"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_ENUM, "enum"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_IMAGE_SIZE, "image-size"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_SEED, "seed"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_FILE, "file"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_FILE_LIST, "file-list"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_OBJECT_LIST, "object-list"),
  G_DEFINE_ENUM_VALUE (FAL_FIELD_JSON, "json"))

G_DEFINE_ENUM_TYPE (FalFileMedia, fal_file_media,
  G_DEFINE_ENUM_VALUE (FAL_FILE_MEDIA_ANY, "any"),
  G_DEFINE_ENUM_VALUE (FAL_FILE_MEDIA_IMAGE, "image"),
  G_DEFINE_ENUM_VALUE (FAL_FILE_MEDIA_AUDIO, "audio"),
  G_DEFINE_ENUM_VALUE (FAL_FILE_MEDIA_VIDEO, "video"))

G_DEFINE_FINAL_TYPE (FalFormField, fal_form_field, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_NAME,
  PROP_TITLE,
  PROP_DESCRIPTION,
  PROP_KIND,
  PROP_REQUIRED,
  PROP_NULLABLE,
  PROP_ADVANCED,
  PROP_MULTILINE,
  PROP_MEDIA,
  PROP_DEFAULT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

const char *
fal_field_kind_to_string (FalFieldKind kind)
{
  static const char * const names[] = {
    "short_text", "long_text", "integer", "number", "boolean", "enum",
    "image_size", "seed", "file", "file_list", "object_list", "json",
  };

  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (names), NULL);
  return names[kind];
}

const char *
fal_file_media_to_string (FalFileMedia media)
{
  static const char * const names[] = { "any", "image", "audio", "video" };

  g_return_val_if_fail ((guint) media < G_N_ELEMENTS (names), NULL);
  return names[media];
}

static void
fal_form_field_finalize (GObject *object)
{
  FalFormField *self = FAL_FORM_FIELD (object);

  g_free (self->name);
  g_free (self->title);
  g_free (self->description);
  g_clear_pointer (&self->default_value, json_node_unref);
  g_clear_pointer (&self->enum_values, json_array_unref);
  g_strfreev (self->size_presets);
  g_clear_pointer (&self->examples, json_array_unref);
  g_clear_object (&self->children);
  g_free (self->json_type);

  G_OBJECT_CLASS (fal_form_field_parent_class)->finalize (object);
}

static void
fal_form_field_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  FalFormField *self = FAL_FORM_FIELD (object);

  switch (prop_id)
    {
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_TITLE: g_value_set_string (value, self->title); break;
    case PROP_DESCRIPTION: g_value_set_string (value, self->description); break;
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_REQUIRED: g_value_set_boolean (value, self->required); break;
    case PROP_NULLABLE: g_value_set_boolean (value, self->nullable); break;
    case PROP_ADVANCED: g_value_set_boolean (value, self->advanced); break;
    case PROP_MULTILINE: g_value_set_boolean (value, self->multiline); break;
    case PROP_MEDIA: g_value_set_enum (value, self->media); break;
    case PROP_DEFAULT: g_value_set_boxed (value, self->default_value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_form_field_class_init (FalFormFieldClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = fal_form_field_finalize;
  object_class->get_property = fal_form_field_get_property;

  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL, flags);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, flags);
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, FAL_TYPE_FIELD_KIND, FAL_FIELD_SHORT_TEXT, flags);
  properties[PROP_REQUIRED] = g_param_spec_boolean ("required", NULL, NULL, FALSE, flags);
  properties[PROP_NULLABLE] = g_param_spec_boolean ("nullable", NULL, NULL, FALSE, flags);
  properties[PROP_ADVANCED] = g_param_spec_boolean ("advanced", NULL, NULL, FALSE, flags);
  properties[PROP_MULTILINE] = g_param_spec_boolean ("multiline", NULL, NULL, FALSE, flags);
  properties[PROP_MEDIA] = g_param_spec_enum ("media", NULL, NULL, FAL_TYPE_FILE_MEDIA, FAL_FILE_MEDIA_ANY, flags);
  properties[PROP_DEFAULT] = g_param_spec_boxed ("default", NULL, NULL, JSON_TYPE_NODE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fal_form_field_init (FalFormField *self)
{
  self->min_length = -1;
  self->max_length = -1;
}

FalFormField *
_fal_form_field_new (const char *name)
{
  FalFormField *self = g_object_new (FAL_TYPE_FORM_FIELD, NULL);

  self->name = g_strdup (name);
  return self;
}

const char *
fal_form_field_get_name (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);
  return self->name;
}

const char *
fal_form_field_get_title (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);
  return self->title;
}

const char *
fal_form_field_get_description (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);
  return self->description;
}

FalFieldKind
fal_form_field_get_kind (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), FAL_FIELD_JSON);
  return self->kind;
}

gboolean
fal_form_field_get_required (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), FALSE);
  return self->required;
}

gboolean
fal_form_field_get_nullable (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), FALSE);
  return self->nullable;
}

gboolean
fal_form_field_get_advanced (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), FALSE);
  return self->advanced;
}

gboolean
fal_form_field_get_multiline (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), FALSE);
  return self->multiline;
}

JsonNode *
fal_form_field_get_default (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);
  return self->default_value;
}

JsonArray *
fal_form_field_get_enum_values (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);
  return self->enum_values;
}

const char * const *
fal_form_field_get_size_presets (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);
  return (const char * const *) self->size_presets;
}

gboolean
fal_form_field_get_custom_size (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), FALSE);
  return self->custom_size;
}

FalFileMedia
fal_form_field_get_media (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), FAL_FILE_MEDIA_ANY);
  return self->media;
}

gboolean
fal_form_field_get_minimum (FalFormField *self,
                            double       *minimum,
                            gboolean     *exclusive)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), FALSE);

  if (minimum)
    *minimum = self->has_minimum ? self->minimum : 0;
  if (exclusive)
    *exclusive = self->has_minimum && self->exclusive_minimum;
  return self->has_minimum;
}

gboolean
fal_form_field_get_maximum (FalFormField *self,
                            double       *maximum,
                            gboolean     *exclusive)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), FALSE);

  if (maximum)
    *maximum = self->has_maximum ? self->maximum : 0;
  if (exclusive)
    *exclusive = self->has_maximum && self->exclusive_maximum;
  return self->has_maximum;
}

gint64
fal_form_field_get_min_length (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), -1);
  return self->min_length;
}

gint64
fal_form_field_get_max_length (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), -1);
  return self->max_length;
}

JsonArray *
fal_form_field_get_examples (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);
  return self->examples;
}

GListModel *
fal_form_field_get_children (FalFormField *self)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);
  return self->children ? G_LIST_MODEL (self->children) : NULL;
}

FalFormField *
fal_form_field_get_child (FalFormField *self,
                          const char   *name)
{
  guint n;

  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (self->children == NULL)
    return NULL;
  n = g_list_model_get_n_items (G_LIST_MODEL (self->children));
  for (guint i = 0; i < n; i++)
    {
      /* The store keeps it alive: hand out a borrowed pointer. */
      g_autoptr(FalFormField) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

      if (g_str_equal (child->name, name))
        return child;
    }
  return NULL;
}

static void
add_bound (JsonBuilder *builder,
           const char  *name,
           const char  *exclusive_name,
           double       value,
           gboolean     exclusive,
           gboolean     integral)
{
  json_builder_set_member_name (builder, name);
  /* Past 2^53 a double is no longer an exact integer, and past gint64 a
   * cast is undefined (a schema may say "maximum": 1e300). */
  if (integral && fabs (value) < 9e15 && value == floor (value))
    json_builder_add_int_value (builder, (gint64) value);
  else
    json_builder_add_double_value (builder, value);
  json_builder_set_member_name (builder, exclusive_name);
  json_builder_add_boolean_value (builder, exclusive);
}

JsonNode *
fal_form_field_to_json (FalFormField *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  gboolean integral;

  g_return_val_if_fail (FAL_IS_FORM_FIELD (self), NULL);

  integral = self->kind == FAL_FIELD_INTEGER || self->kind == FAL_FIELD_SEED;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, self->name);
  json_builder_set_member_name (builder, "title");
  json_builder_add_string_value (builder, self->title);
  if (self->description)
    {
      json_builder_set_member_name (builder, "description");
      json_builder_add_string_value (builder, self->description);
    }
  json_builder_set_member_name (builder, "kind");
  json_builder_add_string_value (builder, fal_field_kind_to_string (self->kind));
  json_builder_set_member_name (builder, "required");
  json_builder_add_boolean_value (builder, self->required);
  json_builder_set_member_name (builder, "nullable");
  json_builder_add_boolean_value (builder, self->nullable);
  json_builder_set_member_name (builder, "advanced");
  json_builder_add_boolean_value (builder, self->advanced);
  if (self->multiline)
    {
      json_builder_set_member_name (builder, "multiline");
      json_builder_add_boolean_value (builder, TRUE);
    }
  if (self->default_value)
    {
      json_builder_set_member_name (builder, "default");
      json_builder_add_value (builder, fal_json_deep_copy (self->default_value));
    }
  if (self->has_minimum)
    add_bound (builder, "minimum", "exclusive_minimum", self->minimum, self->exclusive_minimum, integral);
  if (self->has_maximum)
    add_bound (builder, "maximum", "exclusive_maximum", self->maximum, self->exclusive_maximum, integral);
  if (self->min_length >= 0)
    {
      json_builder_set_member_name (builder, "min_length");
      json_builder_add_int_value (builder, self->min_length);
    }
  if (self->max_length >= 0)
    {
      json_builder_set_member_name (builder, "max_length");
      json_builder_add_int_value (builder, self->max_length);
    }
  if (self->enum_values)
    {
      g_autoptr(JsonNode) values = json_node_init_array (json_node_alloc (), self->enum_values);

      json_builder_set_member_name (builder, "enum");
      json_builder_add_value (builder, fal_json_deep_copy (values));
    }
  if (self->kind == FAL_FIELD_IMAGE_SIZE)
    {
      json_builder_set_member_name (builder, "presets");
      json_builder_begin_array (builder);
      for (guint i = 0; self->size_presets && self->size_presets[i]; i++)
        json_builder_add_string_value (builder, self->size_presets[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "custom_size");
      json_builder_add_boolean_value (builder, self->custom_size);
    }
  if (self->kind == FAL_FIELD_FILE || self->kind == FAL_FIELD_FILE_LIST)
    {
      json_builder_set_member_name (builder, "media");
      json_builder_add_string_value (builder, fal_file_media_to_string (self->media));
    }
  if (self->json_type)
    {
      json_builder_set_member_name (builder, "json_type");
      json_builder_add_string_value (builder, self->json_type);
    }
  if (self->examples)
    {
      g_autoptr(JsonNode) examples = json_node_init_array (json_node_alloc (), self->examples);

      json_builder_set_member_name (builder, "examples");
      json_builder_add_value (builder, fal_json_deep_copy (examples));
    }
  if (self->children)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->children));

      json_builder_set_member_name (builder, "fields");
      json_builder_begin_array (builder);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(FalFormField) child = g_list_model_get_item (G_LIST_MODEL (self->children), i);

          json_builder_add_value (builder, fal_form_field_to_json (child));
        }
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}
