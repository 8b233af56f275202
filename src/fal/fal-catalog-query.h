/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * FalModelStatus:
 * @FAL_MODEL_STATUS_ANY: every model
 * @FAL_MODEL_STATUS_ACTIVE: models fal still serves
 * @FAL_MODEL_STATUS_DEPRECATED: models fal marked deprecated
 *
 * The `status=` of a catalog search.
 */
typedef enum {
  FAL_MODEL_STATUS_ANY,
  FAL_MODEL_STATUS_ACTIVE,
  FAL_MODEL_STATUS_DEPRECATED,
} FalModelStatus;

/**
 * FalCatalogQuery:
 * @query: (nullable): `q`: free text
 * @category: (nullable): a category: "text-to-image", …
 * @status: which models by their status
 * @limit: models a page; 0: fal's default
 * @expand_openapi: asks for each model's OpenAPI document
 *   (`expand=openapi-3.0`)
 *
 * What to search fal's catalog for (fal_catalog_search_async()); every
 * member is optional. C code fills one on the stack, borrowing its
 * strings; bindings make one with fal_catalog_query_new(), which owns its
 * strings, and set them with the setters.
 */
typedef struct {
  const char     *query;
  const char     *category;
  FalModelStatus  status;
  guint           limit;
  gboolean        expand_openapi;
} FalCatalogQuery;

#define FAL_TYPE_CATALOG_QUERY (fal_catalog_query_get_type ())
GType            fal_catalog_query_get_type     (void) G_GNUC_CONST;

FalCatalogQuery *fal_catalog_query_new          (void);
FalCatalogQuery *fal_catalog_query_copy         (const FalCatalogQuery *query);
void             fal_catalog_query_free         (FalCatalogQuery       *query);
void             fal_catalog_query_set_query    (FalCatalogQuery       *query,
                                                 const char            *text);
void             fal_catalog_query_set_category (FalCatalogQuery       *query,
                                                 const char            *category);

G_END_DECLS
