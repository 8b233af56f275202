/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One model of fal's catalog (GET /v1/models): its endpoint id and the
 * metadata fal shows of it. Immutable. */
#define FAL_TYPE_MODEL (fal_model_get_type ())
G_DECLARE_FINAL_TYPE (FalModel, fal_model, FAL, MODEL, GObject)

/* From one element of "models"; NULL with FAL_ERROR_PROTOCOL when it has
 * no endpoint_id. A missing metadata object is not an error. */
FalModel    *fal_model_new_from_json      (JsonObject *object,
                                           GError    **error);
/* The same model as JSON (endpoint_id, metadata), without the OpenAPI
 * document: what the app caches on disk. */
JsonObject  *fal_model_to_json            (FalModel   *self);

const char  *fal_model_get_endpoint_id    (FalModel *self);
/* The display name, or the endpoint id when fal gave none. */
const char  *fal_model_get_display_name   (FalModel *self);
const char  *fal_model_get_category       (FalModel *self);
const char  *fal_model_get_description    (FalModel *self);
/* "active", "deprecated", or what fal said. */
const char  *fal_model_get_status         (FalModel *self);
gboolean     fal_model_is_deprecated      (FalModel *self);
const char * const *fal_model_get_tags    (FalModel *self);
const char  *fal_model_get_thumbnail_url  (FalModel *self);
const char  *fal_model_get_model_url      (FalModel *self);
const char  *fal_model_get_updated_at     (FalModel *self);
gboolean     fal_model_get_highlighted    (FalModel *self);
gboolean     fal_model_get_pinned         (FalModel *self);
/* The inlined OpenAPI document (expand=openapi-3.0), or NULL. */
JsonNode    *fal_model_get_openapi        (FalModel *self);

/* Whether every word of query (case-folded) is in haystack, which is
 * already case-folded (g_utf8_casefold()); NULL or "" matches all. The
 * one rule every search of models follows. */
gboolean     fal_search_words_match       (const char *haystack,
                                           const char *query);

/* Whether every word of query (case-insensitive) is in the id, display
 * name, description, category or a tag; NULL or "" matches all. */
gboolean     fal_model_matches            (FalModel   *self,
                                           const char *query);

G_END_DECLS
