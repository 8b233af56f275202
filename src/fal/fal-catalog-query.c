/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-catalog-query.h"

/* A boxed FalCatalogQuery owns its strings, so the setters replace them. */
G_DEFINE_BOXED_TYPE (FalCatalogQuery, fal_catalog_query, fal_catalog_query_copy, fal_catalog_query_free)

/**
 * fal_catalog_query_new:
 *
 * Returns: (transfer full): a query for every model, fal's page size
 */
FalCatalogQuery *
fal_catalog_query_new (void)
{
  return g_new0 (FalCatalogQuery, 1);
}

/**
 * fal_catalog_query_copy:
 * @query: a query, owning its strings or borrowing them
 *
 * Returns: (transfer full): a deep copy of @query, owning its strings
 */
FalCatalogQuery *
fal_catalog_query_copy (const FalCatalogQuery *query)
{
  FalCatalogQuery *copy;

  g_return_val_if_fail (query != NULL, NULL);

  copy = g_memdup2 (query, sizeof *query);
  copy->query = g_strdup (query->query);
  copy->category = g_strdup (query->category);
  return copy;
}

/**
 * fal_catalog_query_free:
 * @query: (nullable) (transfer full): a query from fal_catalog_query_new()
 *   or fal_catalog_query_copy()
 */
void
fal_catalog_query_free (FalCatalogQuery *query)
{
  if (query == NULL)
    return;
  g_free ((char *) query->query);
  g_free ((char *) query->category);
  g_free (query);
}

/**
 * fal_catalog_query_set_query:
 * @query: a query from fal_catalog_query_new() or fal_catalog_query_copy()
 * @text: (nullable): free text to search for, or %NULL
 */
void
fal_catalog_query_set_query (FalCatalogQuery *query,
                             const char      *text)
{
  char *old;

  g_return_if_fail (query != NULL);

  old = (char *) query->query;
  query->query = g_strdup (text);
  g_free (old);
}

/**
 * fal_catalog_query_set_category:
 * @query: a query from fal_catalog_query_new() or fal_catalog_query_copy()
 * @category: (nullable): a category ("text-to-image", …), or %NULL
 */
void
fal_catalog_query_set_category (FalCatalogQuery *query,
                                const char      *category)
{
  char *old;

  g_return_if_fail (query != NULL);

  old = (char *) query->category;
  query->category = g_strdup (category);
  g_free (old);
}
