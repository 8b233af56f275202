/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <math.h>
#include <string.h>

#include "fal-error.h"
#include "fal-form-field-private.h"
#include "fal-form-model.h"
#include "fal-json.h"
#include "fal-schema-resolve.h"
#include "fal-i18n-private.h"

struct _FalFormModel
{
  GObject parent_instance;

  char *endpoint_id;
  char *category;
  GPtrArray *fields;           /* FalFormField, display order */
  GHashTable *by_name;         /* name → FalFormField (borrowed) */
  GHashTable *values;          /* name → JsonNode or NULL (unset): changed fields only */
  gboolean has_last_seed;
  gint64 last_seed;
  gboolean last_seed_drawn;
};

static void fal_form_model_list_model_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FalFormModel, fal_form_model, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, fal_form_model_list_model_init))

enum {
  PROP_0,
  PROP_ENDPOINT_ID,
  PROP_CATEGORY,
  N_PROPS
};

enum {
  VALUE_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ GListModel */

static GType
list_get_item_type (GListModel *list)
{
  return FAL_TYPE_FORM_FIELD;
}

static guint
list_get_n_items (GListModel *list)
{
  return FAL_FORM_MODEL (list)->fields->len;
}

static gpointer
list_get_item (GListModel *list,
               guint       position)
{
  FalFormModel *self = FAL_FORM_MODEL (list);

  if (position >= self->fields->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->fields, position));
}

static void
fal_form_model_list_model_init (GListModelInterface *iface)
{
  iface->get_item_type = list_get_item_type;
  iface->get_n_items = list_get_n_items;
  iface->get_item = list_get_item;
}

/* ------------------------------------------------------------------ GObject */

static void
fal_form_model_finalize (GObject *object)
{
  FalFormModel *self = FAL_FORM_MODEL (object);

  g_free (self->endpoint_id);
  g_free (self->category);
  g_clear_pointer (&self->values, g_hash_table_unref);
  g_clear_pointer (&self->by_name, g_hash_table_unref);
  g_clear_pointer (&self->fields, g_ptr_array_unref);

  G_OBJECT_CLASS (fal_form_model_parent_class)->finalize (object);
}

static void
fal_form_model_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  FalFormModel *self = FAL_FORM_MODEL (object);

  switch (prop_id)
    {
    case PROP_ENDPOINT_ID: g_value_set_string (value, self->endpoint_id); break;
    case PROP_CATEGORY: g_value_set_string (value, self->category); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_form_model_class_init (FalFormModelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = fal_form_model_finalize;
  object_class->get_property = fal_form_model_get_property;

  properties[PROP_ENDPOINT_ID] = g_param_spec_string ("endpoint-id", NULL, NULL, NULL, flags);
  properties[PROP_CATEGORY] = g_param_spec_string ("category", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A field's value was set or reset; the detail is its name. */
  signals[VALUE_CHANGED] = g_signal_new ("value-changed", G_TYPE_FROM_CLASS (klass),
                                         G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
                                         0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                         G_TYPE_STRING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

/* Unset values are stored as NULL, which json_node_unref() refuses. */
static void
value_free (gpointer data)
{
  if (data)
    json_node_unref (data);
}

static void
fal_form_model_init (FalFormModel *self)
{
  self->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->values = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, value_free);
}

FalFormModel *
fal_form_model_new_from_openapi (JsonNode    *document,
                                 const char  *endpoint_id,
                                 GError     **error)
{
  g_autoptr(FalFormModel) self = NULL;
  GPtrArray *fields;
  JsonObject *metadata;

  g_return_val_if_fail (document != NULL, NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fields = _fal_schema_build_fields (document, endpoint_id, error);
  if (fields == NULL)
    return NULL;

  self = g_object_new (FAL_TYPE_FORM_MODEL, NULL);
  self->endpoint_id = g_strdup (endpoint_id);
  self->fields = fields;
  for (guint i = 0; i < fields->len; i++)
    {
      FalFormField *field = g_ptr_array_index (fields, i);

      g_hash_table_insert (self->by_name, field->name, field);
    }
  metadata = fal_json_get_object (fal_json_get_object (json_node_get_object (document), "info"), "x-fal-metadata");
  self->category = g_strdup (fal_json_get_string (metadata, "category"));
  return g_steal_pointer (&self);
}

const char *
fal_form_model_get_endpoint_id (FalFormModel *self)
{
  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), NULL);
  return self->endpoint_id;
}

const char *
fal_form_model_get_category (FalFormModel *self)
{
  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), NULL);
  return self->category;
}

FalFormField *
fal_form_model_get_field (FalFormModel *self,
                          const char   *name)
{
  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (self->by_name, name);
}

/* ------------------------------------------------------------------ values */

static gboolean
is_type (JsonNode *node,
         GType     type)
{
  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == type;
}

gboolean
fal_form_model_set_value (FalFormModel *self,
                          const char   *name,
                          JsonNode     *value)
{
  FalFormField *field;
  JsonNode *stored = NULL;

  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  field = g_hash_table_lookup (self->by_name, name);
  if (field == NULL)
    return FALSE;

  /* Unset: no value, a JSON null, or an empty file field (an entry the
   * person cleared). */
  if (value && !JSON_NODE_HOLDS_NULL (value) &&
      !(field->kind == FAL_FIELD_FILE && is_type (value, G_TYPE_STRING) && *json_node_get_string (value) == '\0'))
    stored = fal_json_deep_copy (value);
  g_hash_table_insert (self->values, g_strdup (name), stored);
  g_signal_emit (self, signals[VALUE_CHANGED], g_quark_from_string (name), name);
  return TRUE;
}

JsonNode *
fal_form_model_get_value (FalFormModel *self,
                          const char   *name)
{
  FalFormField *field;
  gpointer value;

  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  field = g_hash_table_lookup (self->by_name, name);
  if (field == NULL)
    return NULL;
  if (g_hash_table_lookup_extended (self->values, name, NULL, &value))
    return value;
  return field->default_value;
}

gboolean
fal_form_model_is_changed (FalFormModel *self,
                           const char   *name)
{
  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  return g_hash_table_contains (self->values, name);
}

void
fal_form_model_reset (FalFormModel *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (FAL_IS_FORM_MODEL (self));

  g_hash_table_iter_init (&iter, self->values);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (names, g_strdup (key));
  g_hash_table_remove_all (self->values);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      g_signal_emit (self, signals[VALUE_CHANGED], g_quark_from_string (name), name);
    }
}

/* ------------------------------------------------------------------ validation */

typedef struct {
  JsonArray *errors;
  GArray *loc;                 /* LocPart */
} Check;

typedef struct {
  const char *name;            /* NULL: index */
  guint index;
} LocPart;

static void
print_number (GString *out,
              double   value)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  if (value == floor (value) && fabs (value) < 1e15)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, (gint64) value);
  else
    g_string_append (out, g_ascii_formatd (buffer, sizeof buffer, "%.15g", value));
}

static JsonNode *
number_node (double value)
{
  JsonNode *node = json_node_new (JSON_NODE_VALUE);

  if (value == floor (value) && fabs (value) < 1e15)
    json_node_set_int (node, (gint64) value);
  else
    json_node_set_double (node, value);
  return node;
}

/* Python's repr, as in pydantic's "Input should be 'jpeg' or 'png'". */
void
_fal_form_print_literal (GString  *out,
                         JsonNode *literal)
{
  if (is_type (literal, G_TYPE_STRING))
    g_string_append_printf (out, "'%s'", json_node_get_string (literal));
  else if (is_type (literal, G_TYPE_BOOLEAN))
    g_string_append (out, json_node_get_boolean (literal) ? "True" : "False");
  else if (is_type (literal, G_TYPE_INT64) || is_type (literal, G_TYPE_DOUBLE))
    print_number (out, json_node_get_double (literal));
  else
    {
      g_autofree char *json = fal_json_to_string (literal, FALSE);
      g_string_append (out, json);
    }
}

/* ctx is taken. */
static void
add_error (Check      *check,
           const char *type,
           const char *msg,
           JsonObject *ctx)
{
  JsonObject *error = json_object_new ();
  JsonArray *loc = json_array_new ();

  json_array_add_string_element (loc, "body");
  for (guint i = 0; i < check->loc->len; i++)
    {
      LocPart *part = &g_array_index (check->loc, LocPart, i);

      if (part->name)
        json_array_add_string_element (loc, part->name);
      else
        json_array_add_int_element (loc, part->index);
    }
  json_object_set_array_member (error, "loc", loc);
  json_object_set_string_member (error, "msg", msg);
  json_object_set_string_member (error, "type", type);
  if (ctx)
    json_object_set_object_member (error, "ctx", ctx);
  json_array_add_object_element (check->errors, error);
}

static void
push_name (Check      *check,
           const char *name)
{
  LocPart part = { name, 0 };
  g_array_append_val (check->loc, part);
}

static void
push_index (Check *check,
            guint  index)
{
  LocPart part = { NULL, index };
  g_array_append_val (check->loc, part);
}

static void
pop (Check *check)
{
  g_array_set_size (check->loc, check->loc->len - 1);
}

static gboolean
is_number (JsonNode *node)
{
  return is_type (node, G_TYPE_INT64) || is_type (node, G_TYPE_DOUBLE);
}

static gboolean
literal_equal (JsonNode *a,
               JsonNode *b)
{
  if (is_type (a, G_TYPE_STRING) && is_type (b, G_TYPE_STRING))
    return g_str_equal (json_node_get_string (a), json_node_get_string (b));
  if (is_number (a) && is_number (b))
    return json_node_get_double (a) == json_node_get_double (b);
  if (is_type (a, G_TYPE_BOOLEAN) && is_type (b, G_TYPE_BOOLEAN))
    return json_node_get_boolean (a) == json_node_get_boolean (b);
  return FALSE;
}

static void
add_bound_error (Check      *check,
                 const char *type,
                 const char *key,
                 const char *format,
                 double      bound)
{
  g_autoptr(GString) number = g_string_new (NULL);
  g_autofree char *msg = NULL;
  JsonObject *ctx = json_object_new ();

  print_number (number, bound);
  msg = g_strdup_printf (format, number->str);
  json_object_set_member (ctx, key, number_node (bound));
  add_error (check, type, msg, ctx);
}

static void
check_bounds (Check        *check,
              FalFormField *field,
              double        x)
{
  if (field->has_minimum && field->exclusive_minimum && !(x > field->minimum))
    add_bound_error (check, "greater_than", "gt", _("Input should be greater than %s"), field->minimum);
  else if (field->has_minimum && !field->exclusive_minimum && !(x >= field->minimum))
    add_bound_error (check, "greater_than_equal", "ge", _("Input should be greater than or equal to %s"), field->minimum);
  if (field->has_maximum && field->exclusive_maximum && !(x < field->maximum))
    add_bound_error (check, "less_than", "lt", _("Input should be less than %s"), field->maximum);
  else if (field->has_maximum && !field->exclusive_maximum && !(x <= field->maximum))
    add_bound_error (check, "less_than_equal", "le", _("Input should be less than or equal to %s"), field->maximum);
}

static void
check_length (Check        *check,
              FalFormField *field,
              gint64        length,
              gboolean      is_list,
              const char   *prefix)
{
  g_autofree char *short_type = g_strconcat (prefix, "too_short", NULL);
  g_autofree char *long_type = g_strconcat (prefix, "too_long", NULL);

  if (field->min_length >= 0 && length < field->min_length)
    {
      gulong n = (gulong) field->min_length;
      g_autofree char *msg = is_list
        ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "List should have at least %lu item", "List should have at least %lu items", n), n)
        : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "String should have at least %lu character",
                                     "String should have at least %lu characters", n), n);
      JsonObject *ctx = json_object_new ();

      json_object_set_int_member (ctx, "min_length", field->min_length);
      add_error (check, short_type, msg, ctx);
    }
  if (field->max_length >= 0 && length > field->max_length)
    {
      gulong n = (gulong) field->max_length;
      g_autofree char *msg = is_list
        ? g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "List should have at most %lu item", "List should have at most %lu items", n), n)
        : g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "String should have at most %lu character",
                                     "String should have at most %lu characters", n), n);
      JsonObject *ctx = json_object_new ();

      json_object_set_int_member (ctx, "max_length", field->max_length);
      add_error (check, long_type, msg, ctx);
    }
}

static void check_value (Check *check, FalFormField *field, JsonNode *value);

static void
check_children (Check        *check,
                FalFormField *field,
                JsonObject   *object)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (field->children));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) child = g_list_model_get_item (G_LIST_MODEL (field->children), i);
      JsonNode *member = json_object_get_member (object, child->name);

      push_name (check, child->name);
      if (member == NULL)
        {
          if (child->required)
            add_error (check, "missing", _("Field required"), NULL);
        }
      else if (!(JSON_NODE_HOLDS_NULL (member) && child->nullable))
        check_value (check, child, member);
      pop (check);
    }
}

static void
check_enum (Check      *check,
            JsonArray  *values,
            JsonNode   *value)
{
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autofree char *msg = NULL;
  JsonObject *ctx;
  guint n = values ? json_array_get_length (values) : 0;

  for (guint i = 0; i < n; i++)
    if (literal_equal (json_array_get_element (values, i), value))
      return;
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        /* Translators: between the last two choices of "Input should be 'a', 'b' or 'c'". */
        g_string_append (expected, i == n - 1 ? _(" or ") : ", ");
      _fal_form_print_literal (expected, json_array_get_element (values, i));
    }
  msg = g_strdup_printf (_("Input should be %s"), expected->str);
  ctx = json_object_new ();
  json_object_set_string_member (ctx, "expected", expected->str);
  add_error (check, "literal_error", msg, ctx);
}

static void
check_image_size (Check        *check,
                  FalFormField *field,
                  JsonNode     *value)
{
  if (is_type (value, G_TYPE_STRING) && field->size_presets && field->size_presets[0])
    {
      g_autoptr(JsonArray) presets = json_array_new ();

      for (guint i = 0; field->size_presets[i]; i++)
        json_array_add_string_element (presets, field->size_presets[i]);
      check_enum (check, presets, value);
    }
  else if (JSON_NODE_HOLDS_OBJECT (value) && field->custom_size)
    check_children (check, field, json_node_get_object (value));
  else if (field->custom_size)
    add_error (check, "model_type", _("Input should be a valid dictionary or instance of ImageSize"), NULL);
  else
    add_error (check, "string_type", _("Input should be a valid string"), NULL);
}

static void
check_value (Check        *check,
             FalFormField *field,
             JsonNode     *value)
{
  switch (field->kind)
    {
    case FAL_FIELD_SHORT_TEXT:
    case FAL_FIELD_LONG_TEXT:
    case FAL_FIELD_FILE:
      if (!is_type (value, G_TYPE_STRING))
        add_error (check, "string_type", _("Input should be a valid string"), NULL);
      else
        check_length (check, field, g_utf8_strlen (json_node_get_string (value), -1), FALSE, "string_");
      break;

    case FAL_FIELD_SEED:
      if (is_type (value, G_TYPE_STRING) && g_str_equal (json_node_get_string (value), "random"))
        break;
      G_GNUC_FALLTHROUGH;
    case FAL_FIELD_INTEGER:
      if (is_type (value, G_TYPE_DOUBLE) && json_node_get_double (value) != floor (json_node_get_double (value)))
        add_error (check, "int_from_float", _("Input should be a valid integer, got a number with a fractional part"), NULL);
      else if (is_type (value, G_TYPE_STRING))
        add_error (check, "int_parsing", _("Input should be a valid integer, unable to parse string as an integer"), NULL);
      else if (!is_number (value))
        add_error (check, "int_type", _("Input should be a valid integer"), NULL);
      else
        check_bounds (check, field, json_node_get_double (value));
      break;

    case FAL_FIELD_NUMBER:
      if (is_type (value, G_TYPE_STRING))
        add_error (check, "float_parsing", _("Input should be a valid number, unable to parse string as a number"), NULL);
      else if (!is_number (value))
        add_error (check, "float_type", _("Input should be a valid number"), NULL);
      else
        check_bounds (check, field, json_node_get_double (value));
      break;

    case FAL_FIELD_BOOLEAN:
      if (is_type (value, G_TYPE_STRING))
        add_error (check, "bool_parsing", _("Input should be a valid boolean, unable to interpret input"), NULL);
      else if (!is_type (value, G_TYPE_BOOLEAN))
        add_error (check, "bool_type", _("Input should be a valid boolean"), NULL);
      break;

    case FAL_FIELD_ENUM:
      check_enum (check, field->enum_values, value);
      break;

    case FAL_FIELD_IMAGE_SIZE:
      check_image_size (check, field, value);
      break;

    case FAL_FIELD_FILE_LIST:
    case FAL_FIELD_OBJECT_LIST:
      if (!JSON_NODE_HOLDS_ARRAY (value))
        {
          add_error (check, "list_type", _("Input should be a valid list"), NULL);
          break;
        }
      {
        JsonArray *items = json_node_get_array (value);

        check_length (check, field, json_array_get_length (items), TRUE, "");
        for (guint i = 0; i < json_array_get_length (items); i++)
          {
            JsonNode *item = json_array_get_element (items, i);

            push_index (check, i);
            if (field->kind == FAL_FIELD_FILE_LIST && !is_type (item, G_TYPE_STRING))
              add_error (check, "string_type", _("Input should be a valid string"), NULL);
            else if (field->kind == FAL_FIELD_OBJECT_LIST && !JSON_NODE_HOLDS_OBJECT (item))
              add_error (check, "model_type", _("Input should be a valid dictionary"), NULL);
            else if (field->kind == FAL_FIELD_OBJECT_LIST)
              check_children (check, field, json_node_get_object (item));
            pop (check);
          }
      }
      break;

    case FAL_FIELD_JSON:
    default:
      if (g_strcmp0 (field->json_type, "array") == 0 && !JSON_NODE_HOLDS_ARRAY (value))
        add_error (check, "list_type", _("Input should be a valid list"), NULL);
      else if (g_strcmp0 (field->json_type, "object") == 0 && !JSON_NODE_HOLDS_OBJECT (value))
        add_error (check, "dict_type", _("Input should be a valid dictionary"), NULL);
      break;
    }
}

JsonArray *
fal_form_model_validate (FalFormModel *self)
{
  g_autoptr(JsonArray) errors = json_array_new ();
  g_autoptr(GArray) loc = g_array_new (FALSE, FALSE, sizeof (LocPart));
  Check check = { errors, loc };

  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), NULL);

  for (guint i = 0; i < self->fields->len; i++)
    {
      FalFormField *field = g_ptr_array_index (self->fields, i);
      JsonNode *value = fal_form_model_get_value (self, field->name);

      push_name (&check, field->name);
      if (value == NULL)
        {
          /* An unset seed is drawn; anything else unset is left out. */
          if (field->required && field->kind != FAL_FIELD_SEED)
            add_error (&check, "missing", _("Field required"), NULL);
        }
      else
        check_value (&check, field, value);
      pop (&check);
    }
  if (json_array_get_length (errors) == 0)
    return NULL;
  return g_steal_pointer (&errors);
}

/* ------------------------------------------------------------------ body */

/* Within the field's bounds and fal's usual 0…2^31-1. */
static gint64
draw_seed (FalFormField *field)
{
  double low = 0, high = G_MAXINT32 - 1;

  if (field->has_minimum)
    low = MAX (low, field->exclusive_minimum ? floor (field->minimum) + 1 : ceil (field->minimum));
  if (field->has_maximum)
    high = MIN (high, field->exclusive_maximum ? ceil (field->maximum) - 1 : floor (field->maximum));
  if (high < low)
    return (gint64) low;
  return g_random_int_range ((gint32) low, (gint32) high + 1);
}

JsonNode *
fal_form_model_build_body (FalFormModel  *self,
                           GError       **error)
{
  g_autoptr(JsonArray) errors = NULL;
  JsonObject *body;
  JsonNode *node;

  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  errors = fal_form_model_validate (self);
  if (errors)
    {
      g_autoptr(JsonNode) detail = json_node_new (JSON_NODE_OBJECT);
      JsonObject *object = json_object_new ();

      json_object_set_array_member (object, "detail", json_array_ref (errors));
      json_node_take_object (detail, object);
      g_propagate_error (error, fal_error_new_from_response (422, NULL, detail));
      return NULL;
    }

  self->has_last_seed = FALSE;
  body = json_object_new ();
  for (guint i = 0; i < self->fields->len; i++)
    {
      FalFormField *field = g_ptr_array_index (self->fields, i);
      JsonNode *value = fal_form_model_get_value (self, field->name);

      if (field->kind == FAL_FIELD_SEED)
        {
          /* Sent every time, so every run records its seed. */
          self->has_last_seed = TRUE;
          self->last_seed_drawn = value == NULL || is_type (value, G_TYPE_STRING);
          if (self->last_seed_drawn)
            self->last_seed = draw_seed (field);
          else
            self->last_seed = is_type (value, G_TYPE_INT64) ? json_node_get_int (value)
                                                            : (gint64) json_node_get_double (value);
          json_object_set_int_member (body, field->name, self->last_seed);
          continue;
        }
      if (value == NULL || !(field->required || fal_form_model_is_changed (self, field->name)))
        continue;
      json_object_set_member (body, field->name, fal_json_deep_copy (value));
    }

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, body);
  return node;
}

gboolean
fal_form_model_get_last_seed (FalFormModel *self,
                              gint64       *seed,
                              gboolean     *drawn)
{
  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), FALSE);

  if (seed)
    *seed = self->has_last_seed ? self->last_seed : 0;
  if (drawn)
    *drawn = self->has_last_seed && self->last_seed_drawn;
  return self->has_last_seed;
}

/* g_strv_builder_take() is GLib 2.80. */
static void
add_path (GStrvBuilder *builder,
          const char   *first,
          ...)
{
  g_autoptr(GString) path = g_string_new (first);
  const char *part;
  va_list args;

  va_start (args, first);
  while ((part = va_arg (args, const char *)))
    g_string_append (path, part);
  va_end (args);
  g_strv_builder_add (builder, path->str);
}

char **
fal_form_model_get_file_paths (FalFormModel *self)
{
  g_autoptr(GStrvBuilder) paths = g_strv_builder_new ();

  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), NULL);

  for (guint i = 0; i < self->fields->len; i++)
    {
      FalFormField *field = g_ptr_array_index (self->fields, i);

      if (field->kind == FAL_FIELD_FILE)
        g_strv_builder_add (paths, field->name);
      else if (field->kind == FAL_FIELD_FILE_LIST)
        add_path (paths, field->name, "/*", NULL);
      else if (field->kind == FAL_FIELD_OBJECT_LIST)
        {
          guint n = g_list_model_get_n_items (G_LIST_MODEL (field->children));

          for (guint j = 0; j < n; j++)
            {
              g_autoptr(FalFormField) child = g_list_model_get_item (G_LIST_MODEL (field->children), j);

              if (child->kind == FAL_FIELD_FILE)
                add_path (paths, field->name, "/*/", child->name, NULL);
              else if (child->kind == FAL_FIELD_FILE_LIST)
                add_path (paths, field->name, "/*/", child->name, "/*", NULL);
            }
        }
    }
  return g_strv_builder_end (paths);
}

/* ------------------------------------------------------------------ coerce */

JsonNode *
fal_form_model_coerce (FalFormModel  *self,
                       const char    *name,
                       const char    *text,
                       GError       **error)
{
  FalFormField *field;

  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  field = g_hash_table_lookup (self->by_name, name);
  if (field == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("%s is not an input of %s"), name, self->endpoint_id);
      return NULL;
    }
  return _fal_form_field_coerce (field, text, error);
}

/* ------------------------------------------------------------------ describe */

JsonNode *
fal_form_model_to_json (FalFormModel *self)
{
  JsonObject *object = json_object_new ();
  JsonArray *fields = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  g_return_val_if_fail (FAL_IS_FORM_MODEL (self), NULL);

  json_object_set_string_member (object, "endpoint_id", self->endpoint_id);
  if (self->category)
    json_object_set_string_member (object, "category", self->category);
  for (guint i = 0; i < self->fields->len; i++)
    json_array_add_element (fields, fal_form_field_to_json (g_ptr_array_index (self->fields, i)));
  json_object_set_array_member (object, "fields", fields);
  json_node_take_object (node, object);
  return node;
}
