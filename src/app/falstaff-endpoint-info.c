/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "fal.h"

#include "falstaff-endpoint-info.h"

struct _FalstaffEndpointInfo
{
  GObject parent_instance;

  char *id;
  char *category;
  char *description;
  char *display_name;   /* NULL: none known (the id is shown) */
  char *thumbnail_url;
  char *haystack;       /* lower-cased text the search looks in */
  gboolean streams;
  gboolean local;
  gboolean deprecated;
};

G_DEFINE_FINAL_TYPE (FalstaffEndpointInfo, falstaff_endpoint_info, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_CATEGORY,
  PROP_DESCRIPTION,
  PROP_STREAMS,
  PROP_LOCAL,
  PROP_DISPLAY_NAME,
  PROP_THUMBNAIL_URL,
  PROP_DEPRECATED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
falstaff_endpoint_info_finalize (GObject *object)
{
  FalstaffEndpointInfo *self = (FalstaffEndpointInfo *)object;

  g_free (self->id);
  g_free (self->category);
  g_free (self->description);
  g_free (self->display_name);
  g_free (self->thumbnail_url);
  g_free (self->haystack);

  G_OBJECT_CLASS (falstaff_endpoint_info_parent_class)->finalize (object);
}

static void
falstaff_endpoint_info_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  FalstaffEndpointInfo *self = FALSTAFF_ENDPOINT_INFO (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_CATEGORY:
      g_value_set_string (value, self->category);
      break;
    case PROP_DESCRIPTION:
      g_value_set_string (value, self->description);
      break;
    case PROP_STREAMS:
      g_value_set_boolean (value, self->streams);
      break;
    case PROP_LOCAL:
      g_value_set_boolean (value, self->local);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_THUMBNAIL_URL:
      g_value_set_string (value, self->thumbnail_url);
      break;
    case PROP_DEPRECATED:
      g_value_set_boolean (value, self->deprecated);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_endpoint_info_class_init (FalstaffEndpointInfoClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = falstaff_endpoint_info_finalize;
  object_class->get_property = falstaff_endpoint_info_get_property;

  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  properties[PROP_CATEGORY] = g_param_spec_string ("category", NULL, NULL, NULL, flags);
  properties[PROP_DESCRIPTION] = g_param_spec_string ("description", NULL, NULL, NULL, flags);
  properties[PROP_STREAMS] = g_param_spec_boolean ("streams", NULL, NULL, FALSE, flags);
  properties[PROP_LOCAL] = g_param_spec_boolean ("local", NULL, NULL, FALSE, flags);
  properties[PROP_DISPLAY_NAME] = g_param_spec_string ("display-name", NULL, NULL, NULL, flags);
  properties[PROP_THUMBNAIL_URL] = g_param_spec_string ("thumbnail-url", NULL, NULL, NULL, flags);
  properties[PROP_DEPRECATED] = g_param_spec_boolean ("deprecated", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
falstaff_endpoint_info_init (FalstaffEndpointInfo *self)
{
}

static void
fill_haystack (FalstaffEndpointInfo *self,
               const char * const   *tags)
{
  g_autofree char *joined = NULL;
  g_autofree char *tag_text = tags ? g_strjoinv (" ", (char **) tags) : NULL;

  /* A NULL would end g_strjoin's list early: every member is a string. */
  joined = g_strjoin (" ", self->id, self->description ? self->description : "",
                      self->category ? self->category : "",
                      falstaff_endpoint_info_get_category_title (self) ? falstaff_endpoint_info_get_category_title (self) : "",
                      self->display_name ? self->display_name : "",
                      tag_text ? tag_text : "", NULL);
  g_free (self->haystack);
  self->haystack = g_utf8_casefold (joined, -1);
}

FalstaffEndpointInfo *
falstaff_endpoint_info_new (const char *id,
                            const char *category,
                            const char *description,
                            gboolean    streams,
                            gboolean    local)
{
  FalstaffEndpointInfo *self = g_object_new (FALSTAFF_TYPE_ENDPOINT_INFO, NULL);

  self->id = g_strdup (id);
  self->category = g_strdup (category ? category : "other");
  self->description = g_strdup (description ? description : "");
  self->streams = streams;
  self->local = local;
  fill_haystack (self, NULL);
  return self;
}

FalstaffEndpointInfo *
falstaff_endpoint_info_new_from_model (FalModel *model)
{
  FalstaffEndpointInfo *self;
  const char *category;
  const char *name;
  const char *thumbnail;

  g_return_val_if_fail (FAL_IS_MODEL (model), NULL);

  self = g_object_new (FALSTAFF_TYPE_ENDPOINT_INFO, NULL);
  category = fal_model_get_category (model);
  name = fal_model_get_display_name (model);
  thumbnail = fal_model_get_thumbnail_url (model);
  self->id = g_strdup (fal_model_get_endpoint_id (model));
  self->category = g_strdup (category && *category ? category : "other");
  self->description = g_strdup (fal_model_get_description (model) ? fal_model_get_description (model) : "");
  /* fal gives the id when it has no name: then there is none to show. */
  if (name && *name && g_strcmp0 (name, self->id) != 0)
    self->display_name = g_strdup (name);
  if (thumbnail && *thumbnail)
    self->thumbnail_url = g_strdup (thumbnail);
  self->deprecated = fal_model_is_deprecated (model);
  /* The catalog does not say whether a model streams or runs locally. */
  self->streams = FALSE;
  self->local = FALSE;
  fill_haystack (self, fal_model_get_tags (model));
  return self;
}

const char *falstaff_endpoint_info_get_display_name (FalstaffEndpointInfo *self) { return self->display_name; }
const char *falstaff_endpoint_info_get_thumbnail_url (FalstaffEndpointInfo *self) { return self->thumbnail_url; }
gboolean falstaff_endpoint_info_get_deprecated (FalstaffEndpointInfo *self) { return self->deprecated; }

const char *falstaff_endpoint_info_get_id (FalstaffEndpointInfo *self) { return self->id; }
const char *falstaff_endpoint_info_get_description (FalstaffEndpointInfo *self) { return self->description; }
gboolean falstaff_endpoint_info_get_streams (FalstaffEndpointInfo *self) { return self->streams; }
gboolean falstaff_endpoint_info_get_local (FalstaffEndpointInfo *self) { return self->local; }

const char *
falstaff_endpoint_info_get_category (FalstaffEndpointInfo *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ENDPOINT_INFO (self), NULL);
  return self->category;
}

const char *
falstaff_endpoint_info_get_category_title (FalstaffEndpointInfo *self)
{
  static const struct {
    const char *id;
    const char *title;
  } titles[] = {
    { "recent", N_("Recent") },
    { "text-to-image", N_("Text to Image") },
    { "image-to-image", N_("Image to Image") },
    { "editing", N_("Editing") },
    { "video", N_("Video") },
    { "text-to-video", N_("Text to Video") },
    { "image-to-video", N_("Image to Video") },
    { "video-to-video", N_("Video to Video") },
    { "text-to-audio", N_("Text to Audio") },
    { "text-to-speech", N_("Text to Speech") },
    { "image-to-3d", N_("Image to 3D") },
    { "training", N_("Training") },
    { "audio", N_("Audio") },
    { "speech-to-text", N_("Speech to Text") },
    { "llm", N_("Language Models") },
    { "vision", N_("Vision") },
  };

  for (guint i = 0; i < G_N_ELEMENTS (titles); i++)
    if (g_str_equal (self->category, titles[i].id))
      return _(titles[i].title);
  return _("Other");
}

gboolean
falstaff_endpoint_info_matches (FalstaffEndpointInfo *self,
                                const char           *query)
{
  return fal_search_words_match (self->haystack, query);
}
