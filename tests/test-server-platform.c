/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The local server's Platform API through real HTTP: the model catalog
 * (paging, search, filters, find mode, inline OpenAPI), prices,
 * estimates, their errors, thumbnails, the proxy form, faults, and
 * catalog models that run as the simulated endpoints. */
#include "config.h"

#include <math.h>
#include <string.h>

#include "fal-local-catalog.h"
#include "fal-local-media.h"
#include "server-fixture.h"

#define MODELS "/api/v1/models"
#define PRICING "/api/v1/models/pricing"
#define ESTIMATE "/api/v1/models/pricing/estimate"

static FalTestResponse *
get_without_key (FalTestServer *ts,
                 const char    *path)
{
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", path, NULL);

  soup_message_headers_remove (soup_message_get_request_headers (msg), "Authorization");
  return fal_test_send (ts, msg);
}

static JsonArray *
models_of (FalTestResponse *response)
{
  JsonObject *object;

  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 200);
  object = fal_test_response_object (response);
  g_assert_true (json_object_has_member (object, "has_more"));
  g_assert_true (json_object_has_member (object, "next_cursor"));
  return json_object_get_array_member (object, "models");
}

static const char *
model_id (JsonArray *models,
          guint      index)
{
  return json_object_get_string_member (json_array_get_object_element (models, index), "endpoint_id");
}

static JsonObject *
model_metadata (JsonArray *models,
                guint      index)
{
  return json_object_get_object_member (json_array_get_object_element (models, index), "metadata");
}

static gboolean
ids_contain (JsonArray  *models,
             const char *id)
{
  for (guint i = 0; i < json_array_get_length (models); i++)
    if (g_str_equal (model_id (models, i), id))
      return TRUE;
  return FALSE;
}

/* A 422 whose first error is at loc ["query"|"body", name…]. */
static void
assert_422_at (FalTestResponse *response,
               const char      *loc)
{
  JsonObject *object;
  JsonArray *detail;
  g_autoptr(GString) joined = g_string_new (NULL);
  JsonArray *parts;

  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 422);
  object = fal_test_response_object (response);
  detail = json_object_get_array_member (object, "detail");
  g_assert_nonnull (detail);
  g_assert_cmpuint (json_array_get_length (detail), >=, 1);
  parts = json_object_get_array_member (json_array_get_object_element (detail, 0), "loc");
  for (guint i = 0; i < json_array_get_length (parts); i++)
    g_string_append_printf (joined, "%s%s", i ? "." : "", json_array_get_string_element (parts, i));
  g_assert_cmpstr (joined->str, ==, loc);
  g_assert_nonnull (json_object_get_string_member (json_array_get_object_element (detail, 0), "msg"));
}

/* ------------------------------------------------------------------ models */

static void
test_paging (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(FalTestResponse) all = get_without_key (ts, MODELS "?limit=1000");
  g_autoptr(FalTestResponse) first = get_without_key (ts, MODELS);
  g_autoptr(FalTestResponse) root = fal_test_call (ts, "GET", "/", NULL);
  g_autofree char *cursor = NULL;
  guint pages = 0;

  /* Above the maximum is clamped to 100; the default is 50. */
  g_assert_cmpuint (json_array_get_length (models_of (all)), ==, 100);
  g_assert_true (json_object_get_boolean_member (fal_test_response_object (all), "has_more"));
  g_assert_cmpuint (json_array_get_length (models_of (first)), ==, 50);
  g_assert_cmpint (json_object_get_int_member (fal_test_response_object (root), "catalog_models"), ==, fal_local_catalog_get_n ());
  g_assert_cmpuint (fal_local_catalog_get_n (), >=, 110);

  do
    {
      g_autofree char *path = cursor
        ? g_strdup_printf (MODELS "?limit=7&cursor=%s", cursor)
        : g_strdup (MODELS "?limit=7");
      g_autoptr(FalTestResponse) page = get_without_key (ts, path);
      JsonArray *models = models_of (page);
      JsonObject *object = fal_test_response_object (page);
      gboolean has_more = json_object_get_boolean_member (object, "has_more");

      pages++;
      g_assert_cmpuint (json_array_get_length (models), <=, 7);
      for (guint i = 0; i < json_array_get_length (models); i++)
        {
          JsonObject *metadata = model_metadata (models, i);
          g_autofree char *model_url = g_strconcat ("https://fal.ai/models/", model_id (models, i), NULL);

          /* Table order: the i-th model of the whole walk. */
          g_assert_cmpstr (model_id (models, i), ==, fal_local_catalog_get (g_hash_table_size (seen))->endpoint_id);
          g_assert_true (g_hash_table_add (seen, g_strdup (model_id (models, i))));
          g_assert_nonnull (json_object_get_string_member (metadata, "display_name"));
          g_assert_nonnull (json_object_get_string_member (metadata, "category"));
          g_assert_cmpstr (json_object_get_string_member (metadata, "model_url"), ==, model_url);
          g_assert_true (g_str_has_prefix (json_object_get_string_member (metadata, "thumbnail_url"), ts->url));
          g_assert_false (json_object_get_boolean_member (metadata, "is_favorited"));
          g_assert_cmpuint (json_array_get_length (json_object_get_array_member (metadata, "tags")), >=, 2);
          g_assert_false (json_object_has_member (json_array_get_object_element (models, i), "openapi"));
        }
      g_clear_pointer (&cursor, g_free);
      if (has_more)
        {
          g_assert_cmpuint (json_array_get_length (models), ==, 7);
          cursor = g_strdup (json_object_get_string_member (object, "next_cursor"));
          g_assert_nonnull (cursor);
        }
      else
        g_assert_true (json_object_get_null_member (object, "next_cursor"));
    }
  while (cursor && pages < 100);

  g_assert_null (cursor);
  g_assert_cmpuint (g_hash_table_size (seen), ==, fal_local_catalog_get_n ());
  g_assert_cmpuint (pages, ==, (fal_local_catalog_get_n () + 6) / 7);
}

static void
test_search (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalTestResponse) flux = get_without_key (ts, MODELS "?q=FLUX&limit=100");
  g_autoptr(FalTestResponse) two = get_without_key (ts, MODELS "?q=flux+kontext&limit=100");
  g_autoptr(FalTestResponse) none = get_without_key (ts, MODELS "?q=flux+whisper");
  g_autoptr(FalTestResponse) tag = get_without_key (ts, MODELS "?q=background-removal");
  g_autoptr(FalTestResponse) category = get_without_key (ts, MODELS "?category=image-to-3d");
  g_autoptr(FalTestResponse) unknown = get_without_key (ts, MODELS "?category=sculpture");
  g_autoptr(FalTestResponse) deprecated = get_without_key (ts, MODELS "?status=deprecated&limit=100");
  g_autoptr(FalTestResponse) active = get_without_key (ts, MODELS "?status=active&limit=100");
  JsonArray *models;

  models = models_of (flux);
  g_assert_true (ids_contain (models, "fal-ai/flux/dev"));
  g_assert_true (ids_contain (models, "fal-ai/flux/schnell"));
  g_assert_false (ids_contain (models, "fal-ai/whisper"));

  /* Two words: both must be found. */
  models = models_of (two);
  g_assert_cmpuint (json_array_get_length (models), >=, 2);
  g_assert_true (ids_contain (models, "fal-ai/flux-pro/kontext"));
  g_assert_false (ids_contain (models, "fal-ai/flux/dev"));
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      g_autofree char *id = g_ascii_strdown (model_id (models, i), -1);
      g_autofree char *description = g_ascii_strdown (json_object_get_string_member (model_metadata (models, i), "description"), -1);
      g_autofree char *name = g_ascii_strdown (json_object_get_string_member (model_metadata (models, i), "display_name"), -1);

      g_assert_true (strstr (id, "kontext") || strstr (description, "kontext") || strstr (name, "kontext"));
    }
  g_assert_cmpuint (json_array_get_length (models_of (none)), ==, 0);
  /* Tags are searched too. */
  g_assert_true (ids_contain (models_of (tag), "fal-ai/birefnet"));

  models = models_of (category);
  g_assert_cmpuint (json_array_get_length (models), >=, 3);
  for (guint i = 0; i < json_array_get_length (models); i++)
    g_assert_cmpstr (json_object_get_string_member (model_metadata (models, i), "category"), ==, "image-to-3d");
  g_assert_cmpuint (json_array_get_length (models_of (unknown)), ==, 0);
  g_assert_false (json_object_get_boolean_member (fal_test_response_object (unknown), "has_more"));

  models = models_of (deprecated);
  g_assert_cmpuint (json_array_get_length (models), >=, 6);
  for (guint i = 0; i < json_array_get_length (models); i++)
    g_assert_cmpstr (json_object_get_string_member (model_metadata (models, i), "status"), ==, "deprecated");
  /* The rest are active (up to the page limit of 100). */
  g_assert_cmpuint (json_array_get_length (models_of (active)), ==,
                    MIN (100, fal_local_catalog_get_n () - json_array_get_length (models)));
}

/* A cursor is bound to its filters: it pages through them, and not others. */
static void
test_cursor_filters (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalTestResponse) first = get_without_key (ts, MODELS "?category=text-to-image&limit=5");
  g_autoptr(FalTestResponse) second = NULL;
  g_autoptr(FalTestResponse) other = NULL;
  g_autofree char *path = NULL;
  const char *cursor;
  JsonArray *models;

  g_assert_cmpuint (json_array_get_length (models_of (first)), ==, 5);
  cursor = json_object_get_string_member (fal_test_response_object (first), "next_cursor");
  g_assert_nonnull (cursor);

  path = g_strdup_printf (MODELS "?category=text-to-image&limit=5&cursor=%s", cursor);
  second = get_without_key (ts, path);
  models = models_of (second);
  g_assert_cmpuint (json_array_get_length (models), ==, 5);
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      g_assert_cmpstr (json_object_get_string_member (model_metadata (models, i), "category"), ==, "text-to-image");
      g_assert_false (ids_contain (models_of (first), model_id (models, i)));
    }

  g_free (path);
  path = g_strdup_printf (MODELS "?category=video&limit=5&cursor=%s", cursor);
  other = get_without_key (ts, path);
  assert_422_at (other, "query.cursor");
}

static void
test_find (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalTestResponse) repeated = get_without_key (ts, MODELS "?endpoint_id=fal-ai/whisper&endpoint_id=fal-ai/no-such&endpoint_id=fal-ai/flux/dev");
  g_autoptr(FalTestResponse) comma = get_without_key (ts, MODELS "?endpoint_id=fal-ai%2Frecraft-v3,fal-ai/fast-sdxl&endpoint_id=fal-ai/trellis&limit=1");
  g_autoptr(FalTestResponse) filtered = get_without_key (ts, MODELS "?endpoint_id=fal-ai/lcm,fal-ai/flux/dev&status=deprecated");
  g_autoptr(FalTestResponse) too_many = NULL;
  g_autoptr(FalTestResponse) fifty = NULL;
  g_autoptr(GString) path = g_string_new (MODELS "?endpoint_id=");
  JsonArray *models;

  models = models_of (repeated);
  g_assert_cmpuint (json_array_get_length (models), ==, 2);
  g_assert_cmpstr (model_id (models, 0), ==, "fal-ai/whisper");
  g_assert_cmpstr (model_id (models, 1), ==, "fal-ai/flux/dev");
  g_assert_false (json_object_get_boolean_member (fal_test_response_object (repeated), "has_more"));
  g_assert_true (json_object_get_null_member (fal_test_response_object (repeated), "next_cursor"));

  /* Comma lists and repeats together, in the order asked; no paging. */
  models = models_of (comma);
  g_assert_cmpuint (json_array_get_length (models), ==, 3);
  g_assert_cmpstr (model_id (models, 0), ==, "fal-ai/recraft-v3");
  g_assert_cmpstr (model_id (models, 1), ==, "fal-ai/fast-sdxl");
  g_assert_cmpstr (model_id (models, 2), ==, "fal-ai/trellis");

  /* The other filters still apply. */
  models = models_of (filtered);
  g_assert_cmpuint (json_array_get_length (models), ==, 1);
  g_assert_cmpstr (model_id (models, 0), ==, "fal-ai/lcm");

  for (guint i = 0; i < 50; i++)
    g_string_append_printf (path, "%s%s", i ? "," : "", fal_local_catalog_get (i)->endpoint_id);
  fifty = get_without_key (ts, path->str);
  g_assert_cmpuint (json_array_get_length (models_of (fifty)), ==, 50);
  g_string_append (path, ",fal-ai/one-too-many");
  too_many = get_without_key (ts, path->str);
  assert_422_at (too_many, "query.endpoint_id");
}

static void
assert_openapi_names (JsonObject *model,
                      const char *id)
{
  JsonObject *document = json_object_get_object_member (model, "openapi");
  JsonObject *paths;
  g_autofree char *submit = g_strconcat ("/", id, NULL);
  g_autofree char *title = g_strconcat ("Queue OpenAPI for ", id, NULL);
  JsonObject *meta;

  g_assert_nonnull (document);
  paths = json_object_get_object_member (document, "paths");
  g_assert_true (json_object_has_member (paths, submit));
  meta = json_object_get_object_member (json_object_get_object_member (document, "info"), "x-fal-metadata");
  g_assert_cmpstr (json_object_get_string_member (meta, "endpointId"), ==, id);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (document, "info"), "title"), ==, title);
  /* Every path names the model, none the endpoint it borrows. */
  {
    JsonObjectIter iter;
    const char *key;
    JsonNode *item;

    json_object_iter_init (&iter, paths);
    while (json_object_iter_next (&iter, &key, &item))
      g_assert_true (g_str_has_prefix (key, submit));
  }
}

static void
test_expand (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalTestResponse) expanded = get_without_key (ts, MODELS "?endpoint_id=fal-ai/whisper,fal-ai/wizper&expand=openapi-3.0");
  g_autoptr(FalTestResponse) served = fal_test_call (ts, "GET", "/web/api/openapi/queue/openapi.json?endpoint_id=fal-ai/wizper", NULL);
  g_autoptr(JsonNode) inline_copy = NULL;
  JsonArray *models = models_of (expanded);

  g_assert_cmpuint (json_array_get_length (models), ==, 2);
  assert_openapi_names (json_array_get_object_element (models, 0), "fal-ai/whisper");
  assert_openapi_names (json_array_get_object_element (models, 1), "fal-ai/wizper");

  /* The same document the OpenAPI route serves. */
  g_assert_cmpuint (served->status, ==, 200);
  inline_copy = json_node_copy (json_object_get_member (json_array_get_object_element (models, 1), "openapi"));
  g_assert_true (json_node_equal (inline_copy, served->json));
}

static void
test_errors (void)
{
  static const struct {
    const char *query;
    const char *loc;
  } cases[] = {
    { "?limit=0", "query.limit" },
    { "?limit=-3", "query.limit" },
    { "?limit=x", "query.limit" },
    { "?status=zzz", "query.status" },
    { "?expand=zzz", "query.expand" },
    { "?cursor=zzz", "query.cursor" },
    { "?cursor=%21%21", "query.cursor" },
    { "?endpoint_id=", "query.endpoint_id" },
  };
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalTestResponse) post = fal_test_call (ts, "POST", MODELS, "{}");
  g_autoptr(FalTestResponse) get_estimate = fal_test_call (ts, "GET", ESTIMATE, NULL);
  g_autoptr(FalTestResponse) unknown = fal_test_call (ts, "GET", "/api/v1/nothing", NULL);
  g_autoptr(SoupMessage) wrong_key = fal_test_message (ts, "GET", MODELS, NULL);
  g_autoptr(FalTestResponse) wrong = NULL;
  g_autoptr(FalTestResponse) keyed = fal_test_call (ts, "GET", MODELS "?limit=2", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strconcat (MODELS, cases[i].query, NULL);
      g_autoptr(FalTestResponse) response = get_without_key (ts, path);

      g_test_message ("%s", cases[i].query);
      assert_422_at (response, cases[i].loc);
    }

  g_assert_cmpuint (post->status, ==, 405);
  g_assert_cmpstr (fal_test_response_header (post, "Allow"), ==, "GET");
  g_assert_cmpuint (get_estimate->status, ==, 405);
  g_assert_cmpstr (fal_test_response_header (get_estimate, "Allow"), ==, "POST");
  g_assert_cmpuint (unknown->status, ==, 404);

  /* The key is optional, but a wrong one is refused. */
  g_assert_cmpuint (json_array_get_length (models_of (keyed)), ==, 2);
  soup_message_headers_replace (soup_message_get_request_headers (wrong_key), "Authorization", "Key wrong:key");
  wrong = fal_test_send (ts, wrong_key);
  fal_test_assert_detail (wrong, 401);
}

/* ------------------------------------------------------------------ prices */

static void
test_pricing (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalTestResponse) no_key = get_without_key (ts, PRICING "?endpoint_id=fal-ai/flux/dev");
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", PRICING "?endpoint_id=fal-ai/flux/dev", NULL);
  g_autoptr(FalTestResponse) wrong = NULL;
  g_autoptr(FalTestResponse) prices = fal_test_call (ts, "GET", PRICING "?endpoint_id=fal-ai/flux/dev,fal-ai/nope&endpoint_id=fal-ai/fast-sdxl&endpoint_id=fal-ai/minimax/video-01", NULL);
  g_autoptr(FalTestResponse) missing = fal_test_call (ts, "GET", PRICING, NULL);
  static const struct {
    const char *id;
    double price;
    const char *unit;
  } expected[] = {
    { "fal-ai/flux/dev", 0.025, "megapixels" },
    { "fal-ai/fast-sdxl", 0.0025, "image" },
    { "fal-ai/minimax/video-01", 0.09, "video_second" },
  };
  JsonObject *object;
  JsonArray *list;

  fal_test_assert_detail (no_key, 401);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Key wrong:key");
  wrong = fal_test_send (ts, msg);
  fal_test_assert_detail (wrong, 401);

  g_assert_cmpuint (prices->status, ==, 200);
  object = fal_test_response_object (prices);
  g_assert_false (json_object_get_boolean_member (object, "has_more"));
  g_assert_true (json_object_get_null_member (object, "next_cursor"));
  list = json_object_get_array_member (object, "prices");
  g_assert_cmpuint (json_array_get_length (list), ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      JsonObject *price = json_array_get_object_element (list, i);

      g_assert_cmpstr (json_object_get_string_member (price, "endpoint_id"), ==, expected[i].id);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (price, "unit_price"), expected[i].price, 1e-12);
      g_assert_cmpstr (json_object_get_string_member (price, "unit"), ==, expected[i].unit);
      g_assert_cmpstr (json_object_get_string_member (price, "currency"), ==, "USD");
    }

  assert_422_at (missing, "query.endpoint_id");
}

static void
assert_total (FalTestServer *ts,
              const char    *body,
              const char    *type,
              double         total)
{
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", ESTIMATE, body);
  JsonObject *object;

  g_assert_cmpuint (response->status, ==, 200);
  object = fal_test_response_object (response);
  g_assert_cmpstr (json_object_get_string_member (object, "estimate_type"), ==, type);
  g_assert_cmpstr (json_object_get_string_member (object, "currency"), ==, "USD");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (object, "total_cost"), total, 1e-9);
}

static void
test_estimate (void)
{
  static const struct {
    const char *body;
    const char *loc;
  } bad[] = {
    { "{\"estimate_type\": \"guess\", \"endpoints\": {\"fal-ai/flux/dev\": {\"unit_quantity\": 1}}}", "body.estimate_type" },
    { "{\"endpoints\": {\"fal-ai/flux/dev\": {\"unit_quantity\": 1}}}", "body.estimate_type" },
    { "{\"estimate_type\": \"unit_price\"}", "body.endpoints" },
    { "{\"estimate_type\": \"unit_price\", \"endpoints\": {}}", "body.endpoints" },
    { "{\"estimate_type\": \"unit_price\", \"endpoints\": {\"fal-ai/flux/dev\": {\"unit_quantity\": -1}}}", "body.endpoints.fal-ai/flux/dev.unit_quantity" },
    { "{\"estimate_type\": \"unit_price\", \"endpoints\": {\"fal-ai/flux/dev\": {\"unit_quantity\": \"ten\"}}}", "body.endpoints.fal-ai/flux/dev.unit_quantity" },
    { "{\"estimate_type\": \"historical_api_price\", \"endpoints\": {\"fal-ai/flux/dev\": {\"unit_quantity\": 3}}}", "body.endpoints.fal-ai/flux/dev.call_quantity" },
    { "{\"estimate_type\": \"unit_price\", \"endpoints\": {\"fal-ai/no-such\": {\"unit_quantity\": 1}}}", "body.endpoints.fal-ai/no-such" },
  };
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", ESTIMATE, "{\"estimate_type\": \"unit_price\", \"endpoints\": {\"fal-ai/flux/dev\": {\"unit_quantity\": 1}}}");
  g_autoptr(FalTestResponse) no_key = NULL;

  soup_message_headers_remove (soup_message_get_request_headers (msg), "Authorization");
  no_key = fal_test_send (ts, msg);
  fal_test_assert_detail (no_key, 401);

  /* 50 × 0.025 + 10 × 0.0025 */
  assert_total (ts, "{\"estimate_type\": \"unit_price\", \"endpoints\": {\"fal-ai/flux/dev\": {\"unit_quantity\": 50},"
                    " \"fal-ai/fast-sdxl\": {\"unit_quantity\": 10}}}", "unit_price", 1.275);
  /* 100 calls × 0.09 × 5 s + 40 calls × 0.006 × 0.5 min + 7 × 0.05 × 0.2 (1k characters) */
  assert_total (ts, "{\"estimate_type\": \"historical_api_price\", \"endpoints\": {\"fal-ai/minimax/video-01\": {\"call_quantity\": 100},"
                    " \"fal-ai/whisper\": {\"call_quantity\": 40}, \"fal-ai/f5-tts\": {\"call_quantity\": 7}}}",
                "historical_api_price", 45.0 + 0.12 + 0.07);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", ESTIMATE, bad[i].body);

      g_test_message ("%s", bad[i].body);
      assert_422_at (response, bad[i].loc);
    }
}

/* ------------------------------------------------------------------ runs */

static void
test_alias_runs (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20, 2, 15000);
  g_autoptr(FalTestResponse) submitted = fal_test_submit (ts, "fal-ai/recraft-v3",
                                                          "{\"prompt\": \"a red fox\", \"num_images\": 2, \"image_size\": \"square\", \"seed\": 3}", NULL);
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(FalTestResponse) run = NULL;
  g_autoptr(FalTestResponse) invalid = NULL;
  g_autoptr(JsonObject) done = NULL;
  JsonArray *images;
  double megapixels = 0;

  g_assert_cmpuint (submitted->status, ==, 200);
  g_assert_true (g_str_has_suffix (fal_test_response_string (submitted, "status_url"), "/status"));
  g_assert_nonnull (strstr (fal_test_response_string (submitted, "status_url"), "/queue/fal-ai/recraft-v3/requests/"));
  done = fal_test_wait_status (ts, fal_test_response_string (submitted, "status_url"), "COMPLETED", 30000);
  result = fal_test_call (ts, "GET", fal_test_response_string (submitted, "response_url"), NULL);
  g_assert_cmpuint (result->status, ==, 200);
  images = json_object_get_array_member (fal_test_response_object (result), "images");
  g_assert_cmpuint (json_array_get_length (images), ==, 2);
  /* Priced per image: two images, two units. */
  g_assert_cmpstr (fal_test_response_header (result, "x-fal-billable-units"), ==, "2");

  /* A megapixel model by /run: units are the pictures' size. */
  run = fal_test_call (ts, "POST", "/run/fal-ai/flux/dev", "{\"prompt\": \"a lighthouse\", \"image_size\": \"landscape_4_3\", \"seed\": 1}");
  g_assert_cmpuint (run->status, ==, 200);
  images = json_object_get_array_member (fal_test_response_object (run), "images");
  for (guint i = 0; i < json_array_get_length (images); i++)
    {
      JsonObject *image = json_array_get_object_element (images, i);

      megapixels += json_object_get_int_member (image, "width") * json_object_get_int_member (image, "height") / 1e6;
    }
  g_assert_cmpfloat (megapixels, >, 0);
  g_assert_cmpfloat_with_epsilon (g_ascii_strtod (fal_test_response_header (run, "x-fal-billable-units"), NULL),
                                  round (megapixels * 100) / 100, 1e-9);

  /* The alias validates with its runs_as schema; no units on an error. */
  invalid = fal_test_call (ts, "POST", "/run/fal-ai/recraft-v3", "{\"prompt\": 5}");
  g_assert_cmpuint (invalid->status, ==, 422);
  g_assert_null (fal_test_response_header (invalid, "x-fal-billable-units"));
}

static void
test_billable_units (void)
{
  g_autoptr(JsonNode) input = json_from_string ("{\"prompt\": \"abcdefghij\", \"duration\": \"6\", \"seconds_total\": 45}", NULL);
  g_autoptr(JsonNode) output = json_from_string ("{\"images\": [{\"width\": 1024, \"height\": 768}, {\"width\": 512, \"height\": 512}]}", NULL);
  JsonObject *in = json_node_get_object (input);
  static const struct {
    const char *id;
    const char *unit;
    const char *units;
  } cases[] = {
    { "fal-ai/fast-sdxl", "image", "2" },
    { "fal-ai/flux/dev", "megapixels", "1.05" },          /* 0.786432 + 0.262144 */
    { "fal-ai/minimax/video-01", "video_second", "6" },
    { "fal-ai/luma-dream-machine", "video", "1" },
    { "fal-ai/any-llm", "request", "1" },
    { "fal-ai/whisper", "audio_minute", "0.75" },
    { "fal-ai/f5-tts", "1k_characters", "0.01" },
    { "fal-ai/esrgan", "gpu_second", "2.5" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const FalLocalCatalogModel *model = fal_local_catalog_lookup (cases[i].id);
      g_autofree char *units = NULL;

      g_assert_nonnull (model);
      g_assert_cmpstr (model->unit, ==, cases[i].unit);
      units = fal_local_catalog_format_units (fal_local_catalog_billable_units (model, in, output, 2.5));
      g_assert_cmpstr (units, ==, cases[i].units);
    }
}

/* ------------------------------------------------------------------ rest */

static void
test_thumbnail (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalTestResponse) listed = get_without_key (ts, MODELS "?endpoint_id=fal-ai/kling-video/v1.6/pro/image-to-video");
  g_autoptr(FalTestResponse) picture = NULL;
  g_autoptr(FalTestResponse) again = NULL;
  g_autoptr(FalTestResponse) unknown = get_without_key (ts, "/cdn/thumbnails/fal-ai_nothing.png");
  g_autoptr(GError) error = NULL;
  const char *url;
  int width = 0, height = 0;

  url = json_object_get_string_member (model_metadata (models_of (listed), 0), "thumbnail_url");
  g_assert_cmpstr (url + strlen (ts->url), ==, "/cdn/thumbnails/fal-ai_kling-video_v1.6_pro_image-to-video.png");
  picture = get_without_key (ts, url);
  g_assert_cmpuint (picture->status, ==, 200);
  g_assert_cmpstr (fal_test_response_header (picture, "Content-Type"), ==, "image/png");
  g_assert_cmpstr (fal_test_response_header (picture, "Cache-Control"), ==, "public, max-age=86400");
  g_assert_cmpuint (g_bytes_get_size (picture->body), >, 8);
  g_assert_cmpmem (g_bytes_get_data (picture->body, NULL), 8, "\x89PNG\r\n\x1a\n", 8);
  g_assert_true (fal_local_media_image_size (picture->body, &width, &height, &error));
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 256);
  g_assert_cmpint (height, ==, 256);

  /* Kept: the same bytes again. */
  again = get_without_key (ts, url);
  g_assert_true (g_bytes_equal (again->body, picture->body));
  g_assert_cmpuint (unknown->status, ==, 404);
}

static void
test_fault (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalTestResponse) failed = NULL;
  g_autoptr(FalTestResponse) recovered = NULL;

  fal_test_add_fault (ts, "GET", "^/api/v1/models$", 1, "status=503");
  failed = get_without_key (ts, MODELS "?limit=3");
  g_assert_cmpuint (failed->status, ==, 503);
  recovered = get_without_key (ts, MODELS "?limit=3");
  g_assert_cmpuint (json_array_get_length (models_of (recovered)), ==, 3);
}

static void
test_proxy (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", "/api/fal/proxy", NULL);
  g_autoptr(SoupMessage) price_msg = fal_test_message (ts, "GET", "/api/fal/proxy", NULL);
  g_autoptr(FalTestResponse) response = NULL;
  g_autoptr(FalTestResponse) prices = NULL;
  JsonArray *models;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-target-url",
                                "https://api.fal.ai/v1/models?endpoint_id=fal-ai/wizper&endpoint_id=fal-ai/whisper");
  response = fal_test_send (ts, msg);
  models = models_of (response);
  g_assert_cmpuint (json_array_get_length (models), ==, 2);
  g_assert_cmpstr (model_id (models, 0), ==, "fal-ai/wizper");
  g_assert_cmpstr (model_id (models, 1), ==, "fal-ai/whisper");

  soup_message_headers_replace (soup_message_get_request_headers (price_msg), "x-fal-target-url",
                                "https://api.fal.ai/v1/models/pricing?endpoint_id=fal-ai/any-llm");
  prices = fal_test_send (ts, price_msg);
  g_assert_cmpuint (prices->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (fal_test_response_object (prices), "prices")), ==, 1);
}

/* The table itself: the units, the categories and the simulated prices. */
static void
test_table (void)
{
  static const char *const units[] = { "image", "megapixels", "video_second", "video", "request",
                                       "audio_minute", "1k_characters", "gpu_second" };
  static const char *const categories[] = { "text-to-image", "image-to-image", "text-to-video", "image-to-video",
                                            "video-to-video", "text-to-audio", "text-to-speech", "speech-to-text",
                                            "llm", "vision", "image-to-3d", "training" };
  guint highlighted = 0, pinned = 0;

  for (guint u = 0; u < G_N_ELEMENTS (units); u++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < fal_local_catalog_get_n (); i++)
        used |= g_str_equal (fal_local_catalog_get (i)->unit, units[u]);
      g_assert_true (used);
    }
  for (guint c = 0; c < G_N_ELEMENTS (categories); c++)
    {
      gboolean used = FALSE;

      for (guint i = 0; i < fal_local_catalog_get_n (); i++)
        used |= g_str_equal (fal_local_catalog_get (i)->category, categories[c]);
      g_assert_true (used);
    }
  for (guint i = 0; i < fal_local_catalog_get_n (); i++)
    {
      const FalLocalCatalogModel *model = fal_local_catalog_get (i);
      const FalLocalCatalogModel *runs_as = fal_local_catalog_lookup (model->runs_as);

      highlighted += model->highlighted;
      pinned += model->pinned;
      g_assert_nonnull (runs_as);
      g_assert_cmpstr (runs_as->runs_as, ==, runs_as->endpoint_id);
      g_assert_true (g_str_equal (model->status, "active") || g_str_equal (model->status, "deprecated"));
    }
  g_assert_cmpuint (highlighted, >=, 2);
  g_assert_cmpuint (pinned, >=, 2);
  g_assert_cmpstr (fal_local_catalog_lookup ("fal-ai/stable-audio")->unit, ==, "request");
  g_assert_cmpfloat (fal_local_catalog_lookup ("fal-ai/stable-audio")->unit_price, ==, 0.02);
  g_assert_cmpfloat (fal_local_catalog_lookup ("fal-ai/flux/schnell")->unit_price, ==, 0.003);
  g_assert_null (fal_local_catalog_lookup ("fal-ai/no-such"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/platform/table", test_table);
  g_test_add_func ("/server/platform/models/paging", test_paging);
  g_test_add_func ("/server/platform/models/search", test_search);
  g_test_add_func ("/server/platform/models/cursor-filters", test_cursor_filters);
  g_test_add_func ("/server/platform/models/find", test_find);
  g_test_add_func ("/server/platform/models/expand", test_expand);
  g_test_add_func ("/server/platform/models/errors", test_errors);
  g_test_add_func ("/server/platform/pricing", test_pricing);
  g_test_add_func ("/server/platform/estimate", test_estimate);
  g_test_add_func ("/server/platform/alias-runs", test_alias_runs);
  g_test_add_func ("/server/platform/billable-units", test_billable_units);
  g_test_add_func ("/server/platform/thumbnail", test_thumbnail);
  g_test_add_func ("/server/platform/fault", test_fault);
  g_test_add_func ("/server/platform/proxy", test_proxy);

  return g_test_run ();
}
