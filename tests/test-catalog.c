/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "fal.h"
#include "fal-local-catalog.h"
#include "client-fixture.h"

/* FalCatalog, FalPricing and the billable units of a FalRequest against
 * the local server's Platform API over real HTTP: paging, search, find
 * mode in batches, inlined OpenAPI documents landing in the schema cache,
 * prices, estimates, their errors and retries; and the words for money
 * and units. */

#define MODELS_PATH "^/api/v1/models$"
#define PRICING_PATH "^/api/v1/models/pricing$"
#define ESTIMATE_PATH "^/api/v1/models/pricing/estimate$"

typedef struct {
  gboolean done;
  FalCatalogPage *page;
  GPtrArray *models;
  GPtrArray *prices;
  double total;
  char *currency;
  JsonNode *document;
  FalSchemaSource source;
  GError *error;
} Wait;

static void
wait_clear (Wait *wait)
{
  g_clear_pointer (&wait->page, fal_catalog_page_unref);
  g_clear_pointer (&wait->models, g_ptr_array_unref);
  g_clear_pointer (&wait->prices, g_ptr_array_unref);
  g_clear_pointer (&wait->currency, g_free);
  g_clear_pointer (&wait->document, json_node_unref);
  g_clear_error (&wait->error);
  wait->done = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Wait, wait_clear)

static gboolean
wait_done_cb (gpointer data)
{
  return ((Wait *) data)->done;
}

static void
wait_for_done (Wait *wait)
{
  g_assert_true (wait_for (wait_done_cb, wait, DEADLINE_MS));
}

static void
search_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Wait *wait = data;

  wait->page = fal_catalog_search_finish (FAL_CATALOG (source), result, &wait->error);
  wait->done = TRUE;
}

static void
search (FalCatalog            *catalog,
        const FalCatalogQuery *query,
        const char            *cursor,
        Wait                  *wait)
{
  wait_clear (wait);
  fal_catalog_search_async (catalog, query, cursor, NULL, search_cb, wait);
  wait_for_done (wait);
}

static void
find_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Wait *wait = data;

  wait->models = fal_catalog_find_finish (FAL_CATALOG (source), result, &wait->error);
  wait->done = TRUE;
}

static void
find (FalCatalog          *catalog,
      const char * const  *ids,
      gboolean             expand_openapi,
      Wait                *wait)
{
  wait_clear (wait);
  fal_catalog_find_async (catalog, ids, expand_openapi, NULL, find_cb, wait);
  wait_for_done (wait);
}

static void
prices_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Wait *wait = data;

  wait->prices = fal_pricing_get_prices_finish (FAL_PRICING (source), result, &wait->error);
  wait->done = TRUE;
}

static void
get_prices (FalPricing         *pricing,
            const char * const *ids,
            Wait               *wait)
{
  wait_clear (wait);
  fal_pricing_get_prices_async (pricing, ids, NULL, prices_cb, wait);
  wait_for_done (wait);
}

static void
estimate_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Wait *wait = data;

  if (!fal_pricing_estimate_finish (FAL_PRICING (source), result, &wait->total, &wait->currency, &wait->error))
    g_assert_nonnull (wait->error);
  wait->done = TRUE;
}

static void
estimate (FalPricing         *pricing,
          FalEstimateType     type,
          const char * const *ids,
          const double       *quantities,
          Wait               *wait)
{
  wait_clear (wait);
  fal_pricing_estimate_async (pricing, type, ids, quantities, NULL, estimate_cb, wait);
  wait_for_done (wait);
}

static void
schema_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Wait *wait = data;

  wait->document = fal_client_fetch_schema_finish (FAL_CLIENT (source), result, &wait->source, &wait->error);
  wait->done = TRUE;
}

static JsonArray *
request_log (Fx *fx)
{
  return fal_test_request_log (fx->ts);
}

/* The log entries of GETs (or POSTs) to one Platform API path. */
static GPtrArray *
api_entries (JsonArray  *log,
             const char *method,
             const char *path_regex)
{
  g_autoptr(GRegex) regex = g_regex_new (path_regex, 0, 0, NULL);
  GPtrArray *entries = g_ptr_array_new ();

  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), method) &&
          g_regex_match (regex, json_object_get_string_member (entry, "path"), 0, NULL))
        g_ptr_array_add (entries, entry);
    }
  return entries;
}

static FalClient *
client_without_key (Fx *fx)
{
  FalClient *client = fal_client_new ();

  fal_client_use_local_server (client, fx->url);
  return client;
}

/* ------------------------------------------------------------------ catalog */

static void
test_paging (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalCatalog) catalog = fal_catalog_new (fx->client);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(GPtrArray) gets = NULL;
  g_autofree char *cursor = NULL;
  g_auto(Wait) wait = { 0 };
  FalCatalogQuery query = { .limit = 10 };
  guint pages = 0;

  fal_test_clear_request_log (fx->ts);
  do
    {
      GPtrArray *models;

      search (catalog, &query, cursor, &wait);
      g_assert_no_error (wait.error);
      pages++;
      models = fal_catalog_page_get_models (wait.page);
      g_assert_cmpuint (models->len, <=, 10);
      for (guint i = 0; i < models->len; i++)
        {
          FalModel *model = g_ptr_array_index (models, i);
          const FalLocalCatalogModel *row = fal_local_catalog_get (g_hash_table_size (seen));

          /* In the server's order, each once. */
          g_assert_cmpstr (fal_model_get_endpoint_id (model), ==, row->endpoint_id);
          g_assert_cmpstr (fal_model_get_display_name (model), ==, row->display_name);
          g_assert_cmpstr (fal_model_get_category (model), ==, row->category);
          g_assert_cmpstr (fal_model_get_status (model), ==, row->status);
          g_assert_cmpstr (fal_model_get_updated_at (model), ==, row->updated_at);
          g_assert_cmpint (fal_model_get_highlighted (model), ==, row->highlighted);
          g_assert_cmpint (fal_model_get_pinned (model), ==, row->pinned);
          g_assert_cmpstr (fal_model_get_tags (model)[0], ==, row->tags[0]);
          g_assert_true (g_str_has_prefix (fal_model_get_thumbnail_url (model), fx->url));
          g_assert_null (fal_model_get_openapi (model));
          g_assert_true (g_hash_table_add (seen, (gpointer) fal_model_get_endpoint_id (model)));
          g_ptr_array_add (keep, g_object_ref (model));
        }
      g_clear_pointer (&cursor, g_free);
      if (fal_catalog_page_get_has_more (wait.page))
        {
          g_assert_cmpuint (models->len, ==, 10);
          g_assert_nonnull (fal_catalog_page_get_next_cursor (wait.page));
          cursor = g_strdup (fal_catalog_page_get_next_cursor (wait.page));
        }
      else
        g_assert_null (fal_catalog_page_get_next_cursor (wait.page));
    }
  while (cursor && pages < 50);

  g_assert_cmpuint (fal_local_catalog_get_n (), ==, 121);
  g_assert_cmpuint (g_hash_table_size (seen), ==, 121);
  g_assert_cmpuint (pages, ==, 13);

  /* One GET a page, each after the first with the cursor it was given. */
  log = request_log (fx);
  gets = api_entries (log, "GET", MODELS_PATH);
  g_assert_cmpuint (gets->len, ==, 13);
  g_assert_null (strstr (json_object_get_string_member (g_ptr_array_index (gets, 0), "query"), "cursor="));
  for (guint i = 1; i < gets->len; i++)
    g_assert_nonnull (strstr (json_object_get_string_member (g_ptr_array_index (gets, i), "query"), "cursor="));
}

static guint
count_rows (const char *category,
            const char *status)
{
  guint n = 0;

  for (guint i = 0; i < fal_local_catalog_get_n (); i++)
    if ((category == NULL || g_str_equal (fal_local_catalog_get (i)->category, category)) &&
        (status == NULL || g_str_equal (fal_local_catalog_get (i)->status, status)))
      n++;
  return n;
}

static gboolean
has_model (GPtrArray  *models,
           const char *endpoint_id)
{
  for (guint i = 0; i < models->len; i++)
    if (g_str_equal (fal_model_get_endpoint_id (g_ptr_array_index (models, i)), endpoint_id))
      return TRUE;
  return FALSE;
}

static void
test_search (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalCatalog) catalog = fal_catalog_new (fx->client);
  g_auto(Wait) wait = { 0 };
  FalCatalogQuery flux = { .query = "flux", .limit = 100 };
  FalCatalogQuery two_words = { .query = "  Flux Kontext ", .limit = 100 };
  FalCatalogQuery category = { .category = "image-to-3d", .limit = 100 };
  FalCatalogQuery deprecated = { .status = FAL_MODEL_STATUS_DEPRECATED, .limit = 100 };
  FalCatalogQuery active_video = { .category = "video", .status = FAL_MODEL_STATUS_ACTIVE, .limit = 100 };
  GPtrArray *models;

  search (catalog, &flux, NULL, &wait);
  g_assert_no_error (wait.error);
  models = fal_catalog_page_get_models (wait.page);
  g_assert_cmpuint (models->len, >=, 5);
  g_assert_true (has_model (models, "fal-ai/flux/dev"));
  g_assert_false (has_model (models, "fal-ai/whisper"));
  for (guint i = 0; i < models->len; i++)
    g_assert_true (fal_model_matches (g_ptr_array_index (models, i), "flux"));
  g_assert_false (fal_catalog_page_get_has_more (wait.page));

  /* Words separated by a space reach the server as two words. */
  search (catalog, &two_words, NULL, &wait);
  g_assert_no_error (wait.error);
  models = fal_catalog_page_get_models (wait.page);
  g_assert_true (has_model (models, "fal-ai/flux-pro/kontext"));
  g_assert_false (has_model (models, "fal-ai/flux/dev"));

  search (catalog, &category, NULL, &wait);
  g_assert_no_error (wait.error);
  models = fal_catalog_page_get_models (wait.page);
  g_assert_cmpuint (models->len, ==, count_rows ("image-to-3d", NULL));
  g_assert_cmpuint (models->len, >=, 3);
  for (guint i = 0; i < models->len; i++)
    g_assert_cmpstr (fal_model_get_category (g_ptr_array_index (models, i)), ==, "image-to-3d");

  search (catalog, &deprecated, NULL, &wait);
  g_assert_no_error (wait.error);
  models = fal_catalog_page_get_models (wait.page);
  g_assert_cmpuint (models->len, ==, count_rows (NULL, "deprecated"));
  g_assert_cmpuint (models->len, >=, 1);
  for (guint i = 0; i < models->len; i++)
    g_assert_true (fal_model_is_deprecated (g_ptr_array_index (models, i)));

  search (catalog, &active_video, NULL, &wait);
  g_assert_no_error (wait.error);
  models = fal_catalog_page_get_models (wait.page);
  g_assert_cmpuint (models->len, ==, count_rows ("video", "active"));
  for (guint i = 0; i < models->len; i++)
    g_assert_false (fal_model_is_deprecated (g_ptr_array_index (models, i)));
}

static void
test_find (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalCatalog) catalog = fal_catalog_new (fx->client);
  g_auto(Wait) wait = { 0 };
  const char *ids[] = { "fal-ai/whisper", "fal-ai/no-such-model", "fal-ai/flux/dev", "fal-ai/fast-sdxl", NULL };
  const char *many[61] = { NULL };
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(GPtrArray) gets = NULL;

  find (catalog, ids, FALSE, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.models->len, ==, 3);
  g_assert_cmpstr (fal_model_get_endpoint_id (g_ptr_array_index (wait.models, 0)), ==, "fal-ai/whisper");
  g_assert_cmpstr (fal_model_get_endpoint_id (g_ptr_array_index (wait.models, 1)), ==, "fal-ai/flux/dev");
  g_assert_cmpstr (fal_model_get_endpoint_id (g_ptr_array_index (wait.models, 2)), ==, "fal-ai/fast-sdxl");

  /* 60 ids, the table's last 60 backwards: two calls, the order kept. */
  for (guint i = 0; i < 60; i++)
    many[i] = fal_local_catalog_get (fal_local_catalog_get_n () - 1 - i)->endpoint_id;
  fal_test_clear_request_log (fx->ts);
  find (catalog, many, FALSE, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.models->len, ==, 60);
  for (guint i = 0; i < 60; i++)
    g_assert_cmpstr (fal_model_get_endpoint_id (g_ptr_array_index (wait.models, i)), ==, many[i]);
  log = request_log (fx);
  gets = api_entries (log, "GET", MODELS_PATH);
  g_assert_cmpuint (gets->len, ==, 2);
  for (guint i = 0; i < gets->len; i++)
    {
      const char *query = json_object_get_string_member (g_ptr_array_index (gets, i), "query");
      guint n = 0;

      for (const char *at = query; (at = strstr (at, "endpoint_id=")) != NULL; at++)
        n++;
      g_assert_cmpuint (n, ==, i == 0 ? 50 : 10);
    }
}

static void
test_search_without_key (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalClient) client = client_without_key (fx);
  g_autoptr(FalCatalog) catalog = fal_catalog_new (client);
  g_autoptr(FalCatalog) keyed = fal_catalog_new (fx->client);
  g_auto(Wait) wait = { 0 };
  FalCatalogQuery query = { .query = "whisper" };
  const char *ids[] = { "fal-ai/whisper", NULL };
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(GPtrArray) gets = NULL;

  g_assert_false (fal_client_has_key (client));
  fal_test_clear_request_log (fx->ts);
  search (catalog, &query, NULL, &wait);
  g_assert_no_error (wait.error);
  g_assert_true (has_model (fal_catalog_page_get_models (wait.page), "fal-ai/whisper"));
  find (catalog, ids, FALSE, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.models->len, ==, 1);
  /* With a key, it goes along. */
  search (keyed, &query, NULL, &wait);
  g_assert_no_error (wait.error);

  log = request_log (fx);
  gets = api_entries (log, "GET", MODELS_PATH);
  g_assert_cmpuint (gets->len, ==, 3);
  g_assert_false (json_object_get_boolean_member (g_ptr_array_index (gets, 0), "authorization"));
  g_assert_false (json_object_get_boolean_member (g_ptr_array_index (gets, 1), "authorization"));
  g_assert_true (json_object_get_boolean_member (g_ptr_array_index (gets, 2), "authorization"));
}

static void
fetch_schema (FalClient  *client,
              const char *endpoint_id,
              const char *dir,
              Wait       *wait)
{
  wait_clear (wait);
  fal_client_fetch_schema_full_async (client, endpoint_id, dir, NULL, schema_cb, wait);
  wait_for_done (wait);
}

static guint
openapi_requests (Fx *fx)
{
  g_autoptr(JsonArray) log = request_log (fx);
  g_autoptr(GPtrArray) gets = api_entries (log, "GET", "openapi");

  return gets->len;
}

static void
test_openapi_into_cache (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalCatalog) catalog = fal_catalog_new (fx->client);
  g_autofree char *dir = g_dir_make_tmp ("falstaff-catalog-XXXXXX", NULL);
  g_autofree char *stem = fal_schema_cache_file_stem ("fal-ai/fast-sdxl");
  g_autofree char *json_path = NULL;
  g_autofree char *etag_path = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *stale = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(Wait) wait = { 0 };
  g_auto(Wait) fetched = { 0 };
  const char *ids[] = { "fal-ai/fast-sdxl", "fal-ai/flux/dev", NULL };
  FalModel *sdxl;
  gint64 fresh_until;

  g_assert_nonnull (dir);
  fal_catalog_set_schema_cache_dir (catalog, dir);
  find (catalog, ids, TRUE, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.models->len, ==, 2);
  sdxl = g_ptr_array_index (wait.models, 0);
  g_assert_nonnull (fal_model_get_openapi (sdxl));
  g_assert_true (JSON_NODE_HOLDS_OBJECT (fal_model_get_openapi (sdxl)));

  /* Both documents are in the cache, the fresh mark a while ahead. */
  json_path = g_strconcat (dir, "/", stem, ".json", NULL);
  etag_path = g_strconcat (dir, "/", stem, ".etag", NULL);
  g_assert_true (g_file_test (json_path, G_FILE_TEST_IS_REGULAR));
  {
    g_autofree char *dev_stem = fal_schema_cache_file_stem ("fal-ai/flux/dev");
    g_autofree char *dev_path = g_strconcat (dir, "/", dev_stem, ".json", NULL);

    g_assert_true (g_file_test (dev_path, G_FILE_TEST_IS_REGULAR));
  }
  g_assert_true (g_file_get_contents (etag_path, &etag, NULL, NULL));
  lines = g_strsplit (etag, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 3);
  fresh_until = g_ascii_strtoll (lines[2], NULL, 10);
  g_assert_cmpint (fresh_until, >, g_get_real_time () / G_USEC_PER_SEC);

  /* Asked for the schema now: the cache answers, fal.ai is not asked. */
  fal_test_clear_request_log (fx->ts);
  fetch_schema (fx->client, "fal-ai/fast-sdxl", dir, &fetched);
  g_assert_no_error (fetched.error);
  g_assert_cmpint (fetched.source, ==, FAL_SCHEMA_SOURCE_CACHED_FRESH);
  g_assert_true (json_node_equal (fetched.document, fal_model_get_openapi (sdxl)));
  g_assert_cmpuint (openapi_requests (fx), ==, 0);

  /* The fresh mark in the past: it asks again. */
  stale = g_strdup_printf ("%s\n%s\n%" G_GINT64_FORMAT "\n", lines[0], lines[1],
                           g_get_real_time () / G_USEC_PER_SEC - 10);
  g_assert_true (g_file_set_contents (etag_path, stale, -1, NULL));
  fetch_schema (fx->client, "fal-ai/fast-sdxl", dir, &fetched);
  g_assert_no_error (fetched.error);
  g_assert_cmpint (fetched.source, !=, FAL_SCHEMA_SOURCE_CACHED_FRESH);
  g_assert_cmpint (fetched.source, !=, FAL_SCHEMA_SOURCE_CACHED_OFFLINE);
  g_assert_cmpuint (openapi_requests (fx), ==, 1);
  g_assert_nonnull (json_object_get_member (json_node_get_object (fetched.document), "paths"));

  /* And the default dir stayed untouched by this test: everything is here. */
  {
    g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
    const char *name;

    while ((name = g_dir_read_name (listing)) != NULL)
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        g_unlink (path);
      }
  }
  g_rmdir (dir);
}

static void
test_catalog_retry_and_malformed (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalCatalog) catalog = fal_catalog_new (fx->client);
  g_auto(Wait) wait = { 0 };
  FalCatalogQuery query = { .limit = 3 };
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(GPtrArray) gets = NULL;

  fal_test_clear_request_log (fx->ts);
  fal_test_add_fault (fx->ts, "GET", MODELS_PATH, 1, "status=503");
  search (catalog, &query, NULL, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (fal_catalog_page_get_models (wait.page)->len, ==, 3);
  log = request_log (fx);
  gets = api_entries (log, "GET", MODELS_PATH);
  g_assert_cmpuint (gets->len, ==, 2);

  fal_test_add_fault (fx->ts, "GET", MODELS_PATH, 1, "malformed");
  search (catalog, &query, NULL, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  g_assert_null (wait.page);

  /* 422 for a bad parameter. */
  {
    FalCatalogQuery bad = { .category = "image-to-3d", .limit = 0 };

    fal_test_add_fault (fx->ts, "GET", MODELS_PATH, 1, "status=422");
    search (catalog, &bad, NULL, &wait);
    g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_VALIDATION);
  }
}

/* ------------------------------------------------------------------ pricing */

static void
test_prices (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalPricing) pricing = fal_pricing_new (fx->client);
  g_auto(Wait) wait = { 0 };
  const char *ids[] = { "fal-ai/flux/dev", "fal-ai/no-such-model", "fal-ai/fast-sdxl", "fal-ai/minimax/video-01", NULL };
  const char *priced[] = { "fal-ai/flux/dev", "fal-ai/fast-sdxl", "fal-ai/minimax/video-01" };

  g_assert_null (fal_pricing_lookup (pricing, "fal-ai/flux/dev"));
  get_prices (pricing, ids, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.prices->len, ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (priced); i++)
    {
      const FalLocalCatalogModel *row = fal_local_catalog_lookup (priced[i]);
      const FalPrice *price = g_ptr_array_index (wait.prices, i);
      const FalPrice *kept = fal_pricing_lookup (pricing, priced[i]);

      g_assert_cmpstr (price->endpoint_id, ==, row->endpoint_id);
      g_assert_cmpfloat (price->unit_price, ==, row->unit_price);
      g_assert_cmpstr (price->unit, ==, row->unit);
      g_assert_cmpstr (price->currency, ==, "USD");
      g_assert_nonnull (kept);
      g_assert_true (kept != price);
      g_assert_cmpfloat (kept->unit_price, ==, row->unit_price);
      g_assert_cmpstr (kept->unit, ==, row->unit);
    }
  g_assert_null (fal_pricing_lookup (pricing, "fal-ai/no-such-model"));
  g_assert_cmpfloat (fal_pricing_lookup (pricing, "fal-ai/flux/dev")->unit_price, ==, 0.025);
  g_assert_cmpfloat (fal_pricing_lookup (pricing, "fal-ai/fast-sdxl")->unit_price, ==, 0.0025);
  g_assert_cmpfloat (fal_pricing_lookup (pricing, "fal-ai/minimax/video-01")->unit_price, ==, 0.09);
}

static void
test_prices_batches (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalPricing) pricing = fal_pricing_new (fx->client);
  g_auto(Wait) wait = { 0 };
  const char *all[122] = { NULL };
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(GPtrArray) gets = NULL;

  for (guint i = 0; i < fal_local_catalog_get_n (); i++)
    all[i] = fal_local_catalog_get (i)->endpoint_id;
  fal_test_clear_request_log (fx->ts);
  get_prices (pricing, all, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.prices->len, ==, 121);
  for (guint i = 0; i < 121; i++)
    g_assert_cmpfloat (fal_pricing_lookup (pricing, all[i])->unit_price, ==, fal_local_catalog_get (i)->unit_price);
  log = request_log (fx);
  gets = api_entries (log, "GET", PRICING_PATH);
  g_assert_cmpuint (gets->len, ==, 3);
}

static void
test_pricing_keys (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalClient) keyless = client_without_key (fx);
  g_autoptr(FalClient) wrong = client_without_key (fx);
  g_autoptr(FalPricing) no_key = fal_pricing_new (keyless);
  g_autoptr(FalPricing) wrong_key = fal_pricing_new (wrong);
  g_auto(Wait) wait = { 0 };
  const char *ids[] = { "fal-ai/flux/dev", NULL };
  const double one[] = { 1 };
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(GPtrArray) calls = NULL;

  fal_test_clear_request_log (fx->ts);
  get_prices (no_key, ids, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_MISSING_KEY);
  estimate (no_key, FAL_ESTIMATE_UNIT_PRICE, ids, one, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_MISSING_KEY);
  /* Nothing was sent. */
  log = request_log (fx);
  calls = api_entries (log, "GET", "^/api/");
  g_assert_cmpuint (calls->len, ==, 0);
  g_clear_pointer (&calls, g_ptr_array_unref);
  calls = api_entries (log, "POST", "^/api/");
  g_assert_cmpuint (calls->len, ==, 0);

  fal_client_set_key (wrong, "wrong:key", FAL_KEY_SOURCE_PROPERTY);
  get_prices (wrong_key, ids, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
  estimate (wrong_key, FAL_ESTIMATE_HISTORICAL_API, ids, one, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
}

static void
test_estimates (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalPricing) pricing = fal_pricing_new (fx->client);
  g_auto(Wait) wait = { 0 };
  const char *ids[] = { "fal-ai/flux/dev", "fal-ai/fast-sdxl", NULL };
  const double units[] = { 50, 10 };
  const double calls[] = { 100, 7 };
  double historical = 0;

  estimate (pricing, FAL_ESTIMATE_UNIT_PRICE, ids, units, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpfloat_with_epsilon (wait.total, 50 * 0.025 + 10 * 0.0025, 1e-9);
  g_assert_cmpstr (wait.currency, ==, "USD");

  for (guint i = 0; ids[i]; i++)
    {
      const FalLocalCatalogModel *row = fal_local_catalog_lookup (ids[i]);

      historical += calls[i] * fal_local_catalog_typical_units (row) * row->unit_price;
    }
  estimate (pricing, FAL_ESTIMATE_HISTORICAL_API, ids, calls, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpfloat (historical, >, 0);
  g_assert_cmpfloat_with_epsilon (wait.total, historical, 1e-9);
  g_assert_cmpstr (wait.currency, ==, "USD");

  /* One endpoint twice: both quantities count. */
  {
    const char *twice[] = { "fal-ai/flux/dev", "fal-ai/fast-sdxl", "fal-ai/flux/dev", NULL };
    const double three[] = { 50, 10, 30 };

    estimate (pricing, FAL_ESTIMATE_UNIT_PRICE, twice, three, &wait);
    g_assert_no_error (wait.error);
    g_assert_cmpfloat_with_epsilon (wait.total, 80 * 0.025 + 10 * 0.0025, 1e-9);
  }
}

static void
test_estimate_errors (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(FalPricing) pricing = fal_pricing_new (fx->client);
  g_auto(Wait) wait = { 0 };
  const char *unknown[] = { "fal-ai/flux/dev", "fal-ai/no-such-model", NULL };
  const char *ids[] = { "fal-ai/flux/dev", NULL };
  const double quantities[] = { 2, 2 };
  g_autoptr(GPtrArray) errors = NULL;
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(GPtrArray) posts = NULL;
  JsonArray *fields;

  estimate (pricing, FAL_ESTIMATE_UNIT_PRICE, unknown, quantities, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_VALIDATION);
  fields = fal_error_get_field_errors (wait.error);
  g_assert_nonnull (fields);
  g_assert_cmpuint (json_array_get_length (fields), >=, 1);
  errors = fal_error_field_errors_for (wait.error, "fal-ai/no-such-model");
  g_assert_nonnull (errors);
  g_assert_cmpuint (errors->len, ==, 1);

  /* A 503 is retried: the second try answers. */
  fal_test_clear_request_log (fx->ts);
  fal_test_add_fault (fx->ts, "POST", ESTIMATE_PATH, 1, "status=503");
  estimate (pricing, FAL_ESTIMATE_UNIT_PRICE, ids, quantities, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpfloat_with_epsilon (wait.total, 0.05, 1e-12);
  log = request_log (fx);
  posts = api_entries (log, "POST", ESTIMATE_PATH);
  g_assert_cmpuint (posts->len, ==, 2);

  fal_test_add_fault (fx->ts, "GET", PRICING_PATH, 1, "status=503");
  get_prices (pricing, ids, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.prices->len, ==, 1);

  /* Bytes that are not JSON: a protocol error, not a crash or a total. */
  fal_test_add_fault (fx->ts, "POST", ESTIMATE_PATH, 1, "malformed");
  estimate (pricing, FAL_ESTIMATE_UNIT_PRICE, ids, quantities, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
  fal_test_add_fault (fx->ts, "GET", PRICING_PATH, 1, "malformed");
  get_prices (pricing, ids, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_PROTOCOL);

  /* JSON of the wrong shape: also a protocol error. */
  fal_test_add_fault (fx->ts, "POST", ESTIMATE_PATH, 1, "status=200;body={\"total\":1}");
  estimate (pricing, FAL_ESTIMATE_UNIT_PRICE, ids, quantities, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_PROTOCOL);
}

/* ------------------------------------------------------------------ words */

static void
assert_money (double      amount,
              const char *currency,
              const char *expected)
{
  g_autofree char *text = fal_format_money (amount, currency);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_money (void)
{
  assert_money (0.025, "USD", "$0.025");
  assert_money (0.1, "USD", "$0.10");
  assert_money (3.75, "USD", "$3.75");
  assert_money (0.0025, "USD", "$0.0025");
  assert_money (0.0025, NULL, "$0.0025");
  assert_money (0, "USD", "$0.00");
  assert_money (12, "USD", "$12.00");
  /* Totals keep their digits: an estimate is not rounded to cents. */
  assert_money (0.275, "USD", "$0.275");
  assert_money (1.275, "USD", "$1.275");
  assert_money (0.1 + 0.2, "USD", "$0.30");
  assert_money (0.1, "EUR", "€0.10");
  assert_money (0.035, "eur", "€0.035");
  assert_money (2.5, "GBP", "£2.50");
  assert_money (0.5, "CHF", "0.50 CHF");
}

static void
assert_describe (double      unit_price,
                 const char *unit,
                 const char *expected)
{
  FalPrice price = { (char *) "fal-ai/x", unit_price, (char *) unit, (char *) "USD" };
  g_autofree char *text = fal_price_describe (&price);

  g_assert_cmpstr (text, ==, expected);
}

static void
test_describe (void)
{
  FalPrice minutes = { (char *) "fal-ai/whisper", 0.006, (char *) "audio_minute", (char *) "USD" };
  g_autofree char *one = fal_price_describe_unit (&minutes, 1);
  g_autofree char *two = fal_price_describe_unit (&minutes, 2);

  assert_describe (0.025, "megapixels", "$0.025 per megapixel");
  assert_describe (0.0025, "image", "$0.0025 per image");
  assert_describe (0.09, "video_second", "$0.09 per second of video");
  assert_describe (0.002, "request", "$0.002 per request");
  assert_describe (0.00115, "gpu_second", "$0.00115 per GPU second");
  assert_describe (0.4, "frame_pair", "$0.40 per frame pair");
  g_assert_cmpstr (one, ==, "minute of audio");
  g_assert_cmpstr (two, ==, "minutes of audio");
}

static double
units_for (const char *unit,
           const char *json)
{
  FalPrice price = { (char *) "fal-ai/x", 1, (char *) unit, (char *) "USD" };
  g_autoptr(JsonNode) node = input (json);

  return fal_price_units_for_input (&price, json_node_get_object (node));
}

static void
test_units_for_input (void)
{
  g_assert_cmpfloat (units_for ("image", "{\"num_images\": 4}"), ==, 4);
  g_assert_cmpfloat (units_for ("image", "{}"), ==, 1);
  g_assert_cmpfloat_with_epsilon (units_for ("megapixels", "{\"num_images\": 2, \"image_size\": {\"width\": 1024, \"height\": 1024}}"),
                                  2.097152, 1e-12);
  g_assert_cmpfloat_with_epsilon (units_for ("megapixels", "{\"image_size\": \"square\"}"), 0.262144, 1e-12);
  g_assert_cmpfloat (units_for ("video_second", "{\"duration\": \"10\"}"), ==, 10);
  g_assert_cmpfloat (units_for ("video_second", "{\"duration\": 6}"), ==, 6);
  g_assert_cmpfloat (units_for ("request", "{\"num_images\": 4}"), ==, 1);
  g_assert_cmpfloat_with_epsilon (units_for ("audio_minute", "{\"seconds_total\": 90}"), 1.5, 1e-12);
}

/* ------------------------------------------------------------------ billable units */

static double
header_units (Fx         *fx,
              FalRequest *request)
{
  g_autoptr(FalTestResponse) response = fal_test_call (fx->ts, "GET", fal_request_get_response_url (request), NULL);
  const char *value;

  g_assert_cmpuint (response->status, ==, 200);
  value = fal_test_response_header (response, "x-fal-billable-units");
  g_assert_nonnull (value);
  return g_ascii_strtod (value, NULL);
}

static void
test_billable_units (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  static const struct {
    const char *endpoint_id;
    const char *input;
    double units;
  } cases[] = {
    { "fal-ai/fast-sdxl", "{\"prompt\": \"a fox\", \"num_images\": 2, \"image_size\": {\"width\": 64, \"height\": 48}}", 2 },
    /* A catalog model that runs as fast-sdxl. */
    { "fal-ai/fast-lightning-sdxl", "{\"prompt\": \"a fox\", \"num_images\": 3, \"image_size\": {\"width\": 64, \"height\": 48}}", 3 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) body = input (cases[i].input);
      g_autoptr(GError) error = NULL;
      g_autoptr(FalRequest) request = fal_client_submit (fx->client, cases[i].endpoint_id, body, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpfloat (fal_request_get_billable_units (request), ==, -1);
      wait_done (request);
      g_assert_null (fal_request_get_error (request));
      g_assert_nonnull (fal_request_get_result (request));
      g_assert_cmpfloat (fal_request_get_billable_units (request), ==, cases[i].units);
      g_assert_cmpfloat (fal_request_get_billable_units (request), ==, header_units (fx, request));
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/catalog/paging", test_paging);
  g_test_add_func ("/fal/catalog/search", test_search);
  g_test_add_func ("/fal/catalog/find", test_find);
  g_test_add_func ("/fal/catalog/without-key", test_search_without_key);
  g_test_add_func ("/fal/catalog/openapi-into-cache", test_openapi_into_cache);
  g_test_add_func ("/fal/catalog/retry-and-malformed", test_catalog_retry_and_malformed);
  g_test_add_func ("/fal/pricing/prices", test_prices);
  g_test_add_func ("/fal/pricing/prices-in-batches", test_prices_batches);
  g_test_add_func ("/fal/pricing/keys", test_pricing_keys);
  g_test_add_func ("/fal/pricing/estimates", test_estimates);
  g_test_add_func ("/fal/pricing/estimate-errors", test_estimate_errors);
  g_test_add_func ("/fal/pricing/money", test_money);
  g_test_add_func ("/fal/pricing/describe", test_describe);
  g_test_add_func ("/fal/pricing/units-for-input", test_units_for_input);
  g_test_add_func ("/fal/request/billable-units", test_billable_units);

  return g_test_run ();
}
