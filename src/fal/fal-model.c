/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-error.h"
#include "fal-json.h"
#include "fal-model.h"
#include "fal-i18n-private.h"

struct _FalModel
{
  GObject parent_instance;

  char *endpoint_id;
  char *display_name;
  char *category;
  char *description;
  char *status;
  char **tags;
  char *thumbnail_url;
  char *model_url;
  char *updated_at;
  char *date;
  gboolean highlighted;
  gboolean pinned;
  JsonNode *openapi;
  /* Lower-cased id, name, description, category and tags, for matching. */
  char *haystack;
};

G_DEFINE_FINAL_TYPE (FalModel, fal_model, G_TYPE_OBJECT)

static void
fal_model_finalize (GObject *object)
{
  FalModel *self = (FalModel *)object;

  g_free (self->endpoint_id);
  g_free (self->display_name);
  g_free (self->category);
  g_free (self->description);
  g_free (self->status);
  g_strfreev (self->tags);
  g_free (self->thumbnail_url);
  g_free (self->model_url);
  g_free (self->updated_at);
  g_free (self->date);
  g_clear_pointer (&self->openapi, json_node_unref);
  g_free (self->haystack);

  G_OBJECT_CLASS (fal_model_parent_class)->finalize (object);
}

static void
fal_model_class_init (FalModelClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_model_finalize;
}

static void
fal_model_init (FalModel *self)
{
}

static char *
dup_member (JsonObject *object,
            const char *member)
{
  const char *value = object ? fal_json_get_string (object, member) : NULL;

  return value && *value ? g_strdup (value) : NULL;
}

static gboolean
get_flag (JsonObject *object,
          const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN &&
         json_node_get_boolean (node);
}

FalModel *
fal_model_new_from_json (JsonObject  *object,
                         GError     **error)
{
  FalModel *self;
  JsonObject *metadata;
  JsonArray *tags;
  JsonNode *openapi;
  GString *haystack;

  g_return_val_if_fail (object != NULL, NULL);

  if (fal_json_get_string (object, "endpoint_id") == NULL || !*fal_json_get_string (object, "endpoint_id"))
    {
      g_set_error_literal (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("A model of the catalog has no endpoint_id"));
      return NULL;
    }

  self = g_object_new (FAL_TYPE_MODEL, NULL);
  metadata = fal_json_get_object (object, "metadata");
  self->endpoint_id = dup_member (object, "endpoint_id");
  self->display_name = dup_member (metadata, "display_name");
  self->category = dup_member (metadata, "category");
  self->description = dup_member (metadata, "description");
  self->status = dup_member (metadata, "status");
  self->thumbnail_url = dup_member (metadata, "thumbnail_url");
  self->model_url = dup_member (metadata, "model_url");
  self->updated_at = dup_member (metadata, "updated_at");
  self->date = dup_member (metadata, "date");
  self->highlighted = get_flag (metadata, "highlighted");
  self->pinned = get_flag (metadata, "pinned");

  tags = metadata ? fal_json_get_array (metadata, "tags") : NULL;
  {
    GPtrArray *list = g_ptr_array_new ();

    for (guint i = 0; tags && i < json_array_get_length (tags); i++)
      {
        JsonNode *tag = json_array_get_element (tags, i);

        if (JSON_NODE_HOLDS_VALUE (tag) && json_node_get_value_type (tag) == G_TYPE_STRING)
          g_ptr_array_add (list, g_strdup (json_node_get_string (tag)));
      }
    g_ptr_array_add (list, NULL);
    self->tags = (char **) g_ptr_array_free (list, FALSE);
  }

  openapi = json_object_get_member (object, "openapi");
  if (openapi && JSON_NODE_HOLDS_OBJECT (openapi))
    self->openapi = json_node_ref (openapi);

  haystack = g_string_new (self->endpoint_id);
  {
    const char *parts[] = { self->display_name, self->description, self->category };

    for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
      if (parts[i])
        g_string_append_printf (haystack, "\n%s", parts[i]);
  }
  for (guint i = 0; self->tags[i]; i++)
    g_string_append_printf (haystack, "\n%s", self->tags[i]);
  self->haystack = g_utf8_casefold (haystack->str, -1);
  g_string_free (haystack, TRUE);

  return self;
}

JsonObject *
fal_model_to_json (FalModel *self)
{
  JsonObject *object = json_object_new ();
  JsonObject *metadata = json_object_new ();
  JsonArray *tags = json_array_new ();

  g_return_val_if_fail (FAL_IS_MODEL (self), object);

#define SET(member, value) if (value) json_object_set_string_member (metadata, member, value)
  SET ("display_name", self->display_name);
  SET ("category", self->category);
  SET ("description", self->description);
  SET ("status", self->status);
  SET ("thumbnail_url", self->thumbnail_url);
  SET ("model_url", self->model_url);
  SET ("updated_at", self->updated_at);
  SET ("date", self->date);
#undef SET
  for (guint i = 0; self->tags[i]; i++)
    json_array_add_string_element (tags, self->tags[i]);
  json_object_set_array_member (metadata, "tags", tags);
  json_object_set_boolean_member (metadata, "highlighted", self->highlighted);
  json_object_set_boolean_member (metadata, "pinned", self->pinned);
  json_object_set_string_member (object, "endpoint_id", self->endpoint_id);
  json_object_set_object_member (object, "metadata", metadata);
  return object;
}

const char *fal_model_get_endpoint_id (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return self->endpoint_id; }
const char *fal_model_get_display_name (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return self->display_name ? self->display_name : self->endpoint_id; }
const char *fal_model_get_category (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return self->category; }
const char *fal_model_get_description (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return self->description; }
const char *fal_model_get_status (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return self->status ? self->status : "active"; }
gboolean fal_model_is_deprecated (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), FALSE); return g_strcmp0 (self->status, "deprecated") == 0; }
const char * const *fal_model_get_tags (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return (const char * const *) self->tags; }
const char *fal_model_get_thumbnail_url (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return self->thumbnail_url; }
const char *fal_model_get_model_url (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return self->model_url; }
const char *fal_model_get_updated_at (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return self->updated_at; }
gboolean fal_model_get_highlighted (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), FALSE); return self->highlighted; }
gboolean fal_model_get_pinned (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), FALSE); return self->pinned; }
JsonNode *fal_model_get_openapi (FalModel *self) { g_return_val_if_fail (FAL_IS_MODEL (self), NULL); return self->openapi; }

gboolean
fal_search_words_match (const char *haystack,
                        const char *query)
{
  g_autofree char *folded = NULL;
  g_auto(GStrv) words = NULL;

  if (query == NULL || *query == '\0')
    return TRUE;
  folded = g_utf8_casefold (query, -1);
  words = g_strsplit_set (folded, " \t\n", -1);
  for (guint i = 0; words[i]; i++)
    if (*words[i] && (haystack == NULL || strstr (haystack, words[i]) == NULL))
      return FALSE;
  return TRUE;
}

gboolean
fal_model_matches (FalModel   *self,
                   const char *query)
{
  g_return_val_if_fail (FAL_IS_MODEL (self), FALSE);
  return fal_search_words_match (self->haystack, query);
}
