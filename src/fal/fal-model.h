/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * FalModel:
 *
 * One model of fal's catalog (GET /v1/models): its endpoint id and the
 * metadata fal shows of it. Immutable.
 */
#define FAL_TYPE_MODEL (fal_model_get_type ())
G_DECLARE_FINAL_TYPE (FalModel, fal_model, FAL, MODEL, GObject)

/**
 * fal_model_new_from_json:
 * @object: one element of "models"
 * @error: return location for an error
 *
 * A missing metadata object is not an error.
 *
 * Returns: (transfer full): the model, or %NULL with %FAL_ERROR_PROTOCOL
 *   when it has no endpoint_id
 */
FalModel    *fal_model_new_from_json      (JsonObject *object,
                                           GError    **error);
/**
 * fal_model_to_json:
 * @self: a model
 *
 * The same model as JSON (endpoint_id, metadata), without the OpenAPI
 * document: what the app caches on disk.
 *
 * Returns: (transfer full): a new object
 */
JsonObject  *fal_model_to_json            (FalModel   *self);

/**
 * fal_model_get_endpoint_id:
 * @self: a model
 *
 * Returns: (transfer none): the endpoint id
 */
const char  *fal_model_get_endpoint_id    (FalModel *self);
/**
 * fal_model_get_display_name:
 * @self: a model
 *
 * Returns: (transfer none): the display name, or the endpoint id when fal
 *   gave none
 */
const char  *fal_model_get_display_name   (FalModel *self);
/**
 * fal_model_get_category:
 * @self: a model
 *
 * Returns: (transfer none) (nullable): the category
 */
const char  *fal_model_get_category       (FalModel *self);
/**
 * fal_model_get_description:
 * @self: a model
 *
 * Returns: (transfer none) (nullable): the description
 */
const char  *fal_model_get_description    (FalModel *self);
/**
 * fal_model_get_status:
 * @self: a model
 *
 * Returns: (transfer none) (nullable): "active", "deprecated", or what fal
 *   said
 */
const char  *fal_model_get_status         (FalModel *self);
/**
 * fal_model_is_deprecated:
 * @self: a model
 *
 * Returns: whether fal deprecated it
 */
gboolean     fal_model_is_deprecated      (FalModel *self);
/**
 * fal_model_get_tags:
 * @self: a model
 *
 * Returns: (transfer none) (array zero-terminated=1): the tags
 */
const char * const *fal_model_get_tags    (FalModel *self);
/**
 * fal_model_get_thumbnail_url:
 * @self: a model
 *
 * Returns: (transfer none) (nullable): the thumbnail's URL
 */
const char  *fal_model_get_thumbnail_url  (FalModel *self);
/**
 * fal_model_get_model_url:
 * @self: a model
 *
 * Returns: (transfer none) (nullable): the model's page
 */
const char  *fal_model_get_model_url      (FalModel *self);
/**
 * fal_model_get_updated_at:
 * @self: a model
 *
 * Returns: (transfer none) (nullable): when fal last changed it, as sent
 */
const char  *fal_model_get_updated_at     (FalModel *self);
/**
 * fal_model_get_highlighted:
 * @self: a model
 *
 * Returns: whether fal highlights it
 */
gboolean     fal_model_get_highlighted    (FalModel *self);
/**
 * fal_model_get_pinned:
 * @self: a model
 *
 * Returns: whether fal pins it
 */
gboolean     fal_model_get_pinned         (FalModel *self);
/**
 * fal_model_get_openapi:
 * @self: a model
 *
 * Returns: (transfer none) (nullable): the inlined OpenAPI document
 *   (expand=openapi-3.0), or %NULL
 */
JsonNode    *fal_model_get_openapi        (FalModel *self);

/**
 * fal_search_words_match:
 * @haystack: case-folded text (g_utf8_casefold())
 * @query: (nullable): the words to find
 *
 * The one rule every search of models follows.
 *
 * Returns: whether every word of @query (case-folded) is in @haystack;
 *   %NULL or "" matches all
 */
gboolean     fal_search_words_match       (const char *haystack,
                                           const char *query);

/**
 * fal_model_matches:
 * @self: a model
 * @query: (nullable): the words to find
 *
 * Returns: whether every word of @query (case-insensitive) is in the id,
 *   display name, description, category or a tag; %NULL or "" matches all
 */
gboolean     fal_model_matches            (FalModel   *self,
                                           const char *query);

G_END_DECLS
