/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-client.h"

G_BEGIN_DECLS

/**
 * FalSchemaSource:
 * @FAL_SCHEMA_SOURCE_FETCHED: 200: new or changed; the cache now holds it
 * @FAL_SCHEMA_SOURCE_REVALIDATED: 304: the cached copy is current
 * @FAL_SCHEMA_SOURCE_CACHED_OFFLINE: fal.ai did not answer: the cached copy, maybe stale
 * @FAL_SCHEMA_SOURCE_CACHED_FRESH: stored from the catalog a short while ago: no request made
 *
 * Where a schema came from.
 */
typedef enum {
  FAL_SCHEMA_SOURCE_FETCHED,
  FAL_SCHEMA_SOURCE_REVALIDATED,
  FAL_SCHEMA_SOURCE_CACHED_OFFLINE,
  FAL_SCHEMA_SOURCE_CACHED_FRESH,
} FalSchemaSource;

/**
 * fal_schema_cache_get_default_dir:
 *
 * Returns: (transfer full): g_get_user_cache_dir()/falstaff/schemas
 */
char     *fal_schema_cache_get_default_dir (void);
/**
 * fal_schema_cache_file_stem:
 * @endpoint_id: an endpoint
 *
 * The file name stem of an endpoint's cached copy: the id with every
 * byte but [A-Za-z0-9-] written as _XX, so ids never collide and never
 * reach outside the directory ("fal-ai/flux/dev" → "fal-ai_2Fflux_2Fdev");
 * the document is STEM.json, its ETag STEM.etag.
 *
 * Returns: (transfer full): the stem
 */
char     *fal_schema_cache_file_stem       (const char *endpoint_id);

/**
 * fal_schema_cache_store:
 * @cache_dir: (nullable): the cache; %NULL: the default
 * @endpoint_id: the endpoint
 * @document: its OpenAPI document
 * @fresh_seconds: how long it stays fresh
 * @error: return location for an error
 *
 * Stores a document fal gave by other means (the catalog's
 * expand=openapi-3.0) in the cache, fresh for @fresh_seconds: a fetch in
 * that time answers from the cache (%FAL_SCHEMA_SOURCE_CACHED_FRESH)
 * without a request; later it asks fal again. Blocking: call it from a
 * worker thread.
 *
 * Returns: whether it was stored
 */
gboolean  fal_schema_cache_store           (const char  *cache_dir,
                                            const char  *endpoint_id,
                                            JsonNode    *document,
                                            guint        fresh_seconds,
                                            GError     **error);

/**
 * fal_client_fetch_schema_async:
 * @client: a client
 * @endpoint_id: the endpoint
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: (closure): data for @callback
 *
 * Fetches the endpoint's OpenAPI document from the web base
 * ({web}/api/openapi/queue/openapi.json?endpoint_id=ID), without the key.
 * With a cached copy it asks with If-None-Match and keeps the copy on a
 * 304. A new document is written to the cache (document, then ETag, each
 * replaced atomically) before the call returns. When fal.ai cannot be
 * reached (%FAL_ERROR_NETWORK, %FAL_ERROR_TIMEOUT) the cached copy is the
 * answer, marked %FAL_SCHEMA_SOURCE_CACHED_OFFLINE; without one, or for
 * any other error (%FAL_ERROR_NOT_FOUND for an unknown endpoint…), the
 * error. A cached copy that does not parse, or whose ETag file does not
 * match it, is ignored and replaced.
 */
void      fal_client_fetch_schema_async      (FalClient           *client,
                                              const char          *endpoint_id,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
/**
 * fal_client_fetch_schema_full_async:
 * @client: a client
 * @endpoint_id: the endpoint
 * @cache_dir: (nullable): the cache; %NULL: the default
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: (closure): data for @callback
 *
 * The same as fal_client_fetch_schema_async() with another cache
 * directory.
 */
void      fal_client_fetch_schema_full_async (FalClient           *client,
                                              const char          *endpoint_id,
                                              const char          *cache_dir,
                                              GCancellable        *cancellable,
                                              GAsyncReadyCallback  callback,
                                              gpointer             user_data);
/**
 * fal_client_fetch_schema_finish:
 * @client: a client
 * @result: the result given to the callback
 * @source: (out) (optional): where it came from
 * @error: return location for an error
 *
 * Finishes fal_client_fetch_schema_async() and
 * fal_client_fetch_schema_full_async().
 *
 * Returns: (transfer full): the document (a JSON object), or %NULL with
 *   @error set
 */
JsonNode *fal_client_fetch_schema_finish     (FalClient           *client,
                                              GAsyncResult        *result,
                                              FalSchemaSource     *source,
                                              GError             **error);

G_END_DECLS
