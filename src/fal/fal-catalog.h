/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fal-client.h"
#include "fal-model.h"

G_BEGIN_DECLS

/* status= of a search. */
typedef enum {
  FAL_MODEL_STATUS_ANY,
  FAL_MODEL_STATUS_ACTIVE,
  FAL_MODEL_STATUS_DEPRECATED,
} FalModelStatus;

/* What to search for; every member is optional. */
typedef struct {
  const char     *query;          /* q: free text */
  const char     *category;       /* "text-to-image", … */
  FalModelStatus  status;
  guint           limit;          /* models a page; 0: fal's default */
  gboolean        expand_openapi; /* expand=openapi-3.0 */
} FalCatalogQuery;

/* One page of a search. */
#define FAL_TYPE_CATALOG_PAGE (fal_catalog_page_get_type ())
typedef struct _FalCatalogPage FalCatalogPage;
GType            fal_catalog_page_get_type        (void) G_GNUC_CONST;
FalCatalogPage  *fal_catalog_page_ref             (FalCatalogPage *page);
void             fal_catalog_page_unref           (FalCatalogPage *page);
/* FalModel elements. */
GPtrArray       *fal_catalog_page_get_models      (FalCatalogPage *page);
/* NULL on the last page. */
const char      *fal_catalog_page_get_next_cursor (FalCatalogPage *page);
gboolean         fal_catalog_page_get_has_more    (FalCatalogPage *page);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalCatalogPage, fal_catalog_page_unref)

/* fal's model catalog, the Platform API's GET /v1/models on the client's
 * api base. The key is sent when there is one (it raises rate limits) but
 * is not required. OpenAPI documents that come inline are written to the
 * schema cache, marked fresh for a while, so that
 * fal_client_fetch_schema_async() answers from the cache without asking
 * fal again. Errors are FAL_ERRORs as for every libfal call (422 field
 * errors for bad parameters); a 429 or 502–504 is retried 3 times
 * (about 7 s in all): a person waits on a search, and the picker falls
 * back to the kept catalog when fal stays away. */
#define FAL_TYPE_CATALOG (fal_catalog_get_type ())
G_DECLARE_FINAL_TYPE (FalCatalog, fal_catalog, FAL, CATALOG, GObject)

FalCatalog     *fal_catalog_new                  (FalClient *client);
/* Where inlined OpenAPI documents go (NULL: the default schema cache). */
void            fal_catalog_set_schema_cache_dir (FalCatalog *self,
                                                  const char *dir);

/* One page: the first with cursor NULL, the next with the last page's
 * next cursor. */
void            fal_catalog_search_async         (FalCatalog            *self,
                                                  const FalCatalogQuery *query,
                                                  const char            *cursor,
                                                  GCancellable          *cancellable,
                                                  GAsyncReadyCallback    callback,
                                                  gpointer               user_data);
FalCatalogPage *fal_catalog_search_finish        (FalCatalog            *self,
                                                  GAsyncResult          *result,
                                                  GError               **error);

/* Find mode: the models with these ids (any number: asked 50 at a time),
 * in the order given; ids fal does not know are left out. */
void            fal_catalog_find_async           (FalCatalog            *self,
                                                  const char * const    *endpoint_ids,
                                                  gboolean               expand_openapi,
                                                  GCancellable          *cancellable,
                                                  GAsyncReadyCallback    callback,
                                                  gpointer               user_data);
/* FalModel elements. */
GPtrArray      *fal_catalog_find_finish          (FalCatalog            *self,
                                                  GAsyncResult          *result,
                                                  GError               **error);

G_END_DECLS
