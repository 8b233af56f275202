/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fal-catalog-query.h"
#include "fal-client.h"
#include "fal-model.h"

G_BEGIN_DECLS

/**
 * FalCatalogPage:
 *
 * One page of a catalog search. Immutable, reference counted.
 */
#define FAL_TYPE_CATALOG_PAGE (fal_catalog_page_get_type ())
typedef struct _FalCatalogPage FalCatalogPage;
GType            fal_catalog_page_get_type        (void) G_GNUC_CONST;
/**
 * fal_catalog_page_ref:
 * @page: a page
 *
 * Returns: (transfer full): @page
 */
FalCatalogPage  *fal_catalog_page_ref             (FalCatalogPage *page);
/**
 * fal_catalog_page_unref:
 * @page: (transfer full): a page
 */
void             fal_catalog_page_unref           (FalCatalogPage *page);
/**
 * fal_catalog_page_get_models:
 * @page: a page
 *
 * Returns: (transfer none) (element-type FalModel): the models of the page
 */
GPtrArray       *fal_catalog_page_get_models      (FalCatalogPage *page);
/**
 * fal_catalog_page_get_next_cursor:
 * @page: a page
 *
 * Returns: (transfer none) (nullable): the cursor of the next page; %NULL
 *   on the last page
 */
const char      *fal_catalog_page_get_next_cursor (FalCatalogPage *page);
/**
 * fal_catalog_page_get_has_more:
 * @page: a page
 *
 * Returns: whether another page follows
 */
gboolean         fal_catalog_page_get_has_more    (FalCatalogPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalCatalogPage, fal_catalog_page_unref)

/**
 * FalCatalog:
 *
 * fal's model catalog, the Platform API's `GET /v1/models` on the
 * client's api base. The key is sent when there is one (it raises rate
 * limits) but is not required. OpenAPI documents that come inline are
 * written to the schema cache, marked fresh for a while, so that
 * fal_client_fetch_schema_async() answers from the cache without asking
 * fal again. Errors are FAL_ERRORs as for every libfal call (422 field
 * errors for bad parameters); a 429 or 502–504 is retried 3 times (about
 * 7 s in all): a person waits on a search, and the picker falls back to
 * the kept catalog when fal stays away.
 */
#define FAL_TYPE_CATALOG (fal_catalog_get_type ())
G_DECLARE_FINAL_TYPE (FalCatalog, fal_catalog, FAL, CATALOG, GObject)

/**
 * fal_catalog_new:
 * @client: the client to search with
 *
 * Returns: (transfer full): a new catalog
 */
FalCatalog     *fal_catalog_new                  (FalClient *client);
/**
 * fal_catalog_set_schema_cache_dir:
 * @self: a catalog
 * @dir: (nullable): where inlined OpenAPI documents go; %NULL: the
 *   default schema cache
 */
void            fal_catalog_set_schema_cache_dir (FalCatalog *self,
                                                  const char *dir);

/**
 * fal_catalog_search_async:
 * @self: a catalog
 * @query: (nullable): what to search for; %NULL for everything
 * @cursor: (nullable): %NULL for the first page, else the last page's
 *   next cursor
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the page
 * @user_data: (closure): data for @callback
 *
 * Fetches one page of a search.
 */
void            fal_catalog_search_async         (FalCatalog            *self,
                                                  const FalCatalogQuery *query,
                                                  const char            *cursor,
                                                  GCancellable          *cancellable,
                                                  GAsyncReadyCallback    callback,
                                                  gpointer               user_data);
/**
 * fal_catalog_search_finish:
 * @self: a catalog
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the page, or %NULL with @error set
 */
FalCatalogPage *fal_catalog_search_finish        (FalCatalog            *self,
                                                  GAsyncResult          *result,
                                                  GError               **error);

/**
 * fal_catalog_find_async:
 * @self: a catalog
 * @endpoint_ids: (array zero-terminated=1): the endpoints to find
 * @expand_openapi: whether to ask for their OpenAPI documents too
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the models
 * @user_data: (closure): data for @callback
 *
 * Find mode: the models with these ids (any number: asked 50 at a time),
 * in the order given; ids fal does not know are left out.
 */
void            fal_catalog_find_async           (FalCatalog            *self,
                                                  const char * const    *endpoint_ids,
                                                  gboolean               expand_openapi,
                                                  GCancellable          *cancellable,
                                                  GAsyncReadyCallback    callback,
                                                  gpointer               user_data);
/**
 * fal_catalog_find_finish:
 * @self: a catalog
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type FalModel): the models found, or
 *   %NULL with @error set
 */
GPtrArray      *fal_catalog_find_finish          (FalCatalog            *self,
                                                  GAsyncResult          *result,
                                                  GError               **error);

G_END_DECLS
