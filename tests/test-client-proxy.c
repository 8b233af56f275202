/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "fal.h"
#include "client-fixture.h"
#include "proxy-fixture.h"

/* A client with no key behind fal's server proxy (tests/proxy-fixture.c,
 * forwarding fal's own hosts to the local server): every call libfal
 * makes to a fal host goes through the proxy, upload and file URLs go
 * direct, and the only keys the server sees are the proxy's. Errors keep
 * their meaning through the proxy; the proxy's own refusal is said so. */

typedef struct {
  Fx *fx;
  ProxyFixture *proxy;
  FalClient *client;      /* no key, fal's hosts, FALSTAFF_PROXY_URL */
} Px;

static Px *
px_new (const char *proxy_key)
{
  Px *px = g_new0 (Px, 1);

  px->fx = fx_new (8, 2);
  px->proxy = proxy_fixture_new (proxy_key);
  proxy_fixture_set_upstream (px->proxy, px->fx->url);
  g_setenv ("FALSTAFF_PROXY_URL", proxy_fixture_get_url (px->proxy), TRUE);
  px->client = fal_client_new ();
  g_unsetenv ("FALSTAFF_PROXY_URL");
  fal_client_set_poll_interval (px->client, 50);
  g_assert_false (fal_client_has_key (px->client));
  g_assert_cmpstr (fal_client_get_queue_url (px->client), ==, FAL_DEFAULT_QUEUE_URL);
  return px;
}

static void
px_free (Px *px)
{
  g_clear_object (&px->client);
  fx_free (px->fx);
  proxy_fixture_free (px->proxy);
  g_free (px);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Px, px_free)

/* ------------------------------------------------------------------ waiting */

typedef struct {
  gboolean done;
  gboolean ok;
  JsonNode *node;
  FalCatalogPage *page;
  GPtrArray *prices;
  double total;
  char *request_id;
  GError *error;
} Wait;

static void
wait_clear (Wait *wait)
{
  g_clear_pointer (&wait->node, json_node_unref);
  g_clear_pointer (&wait->page, fal_catalog_page_unref);
  g_clear_pointer (&wait->prices, g_ptr_array_unref);
  g_clear_pointer (&wait->request_id, g_free);
  g_clear_error (&wait->error);
  wait->done = wait->ok = FALSE;
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Wait, wait_clear)

static gboolean
wait_done_cb (gpointer data)
{
  return ((Wait *) data)->done;
}

static void
wait_here (Wait *wait)
{
  g_assert_true (wait_for (wait_done_cb, wait, DEADLINE_MS));
}

static void
run_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *wait = data;

  wait->node = fal_client_run_finish (FAL_CLIENT (source), result, &wait->request_id, &wait->error);
  wait->done = TRUE;
}

static void
run (FalClient  *client,
     const char *endpoint_id,
     const char *json,
     Wait       *wait)
{
  g_autoptr(JsonNode) body = input (json);

  wait_clear (wait);
  fal_client_run_async (client, endpoint_id, body, NULL, NULL, run_cb, wait);
  wait_here (wait);
}

static void
status_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *wait = data;

  wait->node = fal_client_status_finish (FAL_CLIENT (source), result, &wait->error);
  wait->done = TRUE;
}

static void
cancel_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *wait = data;

  wait->ok = fal_client_cancel_finish (FAL_CLIENT (source), result, &wait->error);
  wait->done = TRUE;
}

static void
schema_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *wait = data;

  wait->node = fal_client_fetch_schema_finish (FAL_CLIENT (source), result, NULL, &wait->error);
  wait->done = TRUE;
}

static void
fetch_schema (FalClient  *client,
              const char *endpoint_id,
              const char *dir,
              Wait       *wait)
{
  wait_clear (wait);
  fal_client_fetch_schema_full_async (client, endpoint_id, dir, NULL, schema_cb, wait);
  wait_here (wait);
}

static void
search_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *wait = data;

  wait->page = fal_catalog_search_finish (FAL_CATALOG (source), result, &wait->error);
  wait->done = TRUE;
}

static void
prices_cb (GObject *source, GAsyncResult *result, gpointer data)
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
  wait_here (wait);
}

static void
estimate_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *wait = data;

  wait->ok = fal_pricing_estimate_finish (FAL_PRICING (source), result, &wait->total, NULL, &wait->error);
  wait->done = TRUE;
}

static gboolean
stream_done (gpointer data)
{
  return fal_stream_is_done (data);
}

static gboolean
request_has_id (gpointer data)
{
  return fal_request_get_request_id (data) != NULL;
}

static gboolean
upload_done (gpointer data)
{
  return fal_upload_is_finished (data);
}

/* A file of size bytes under the test's temp dir. */
static GFile *
make_file (const char *name,
           gsize       size)
{
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), name, NULL);
  g_autofree char *data = g_malloc (size);
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < size; i++)
    data[i] = (char) ('a' + i % 26);
  g_file_set_contents (path, data, size, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

static FalUpload *
upload (FalClient *client,
        GFile     *file,
        guint64    threshold)
{
  FalUploadOptions options = { .multipart_threshold = threshold, .part_size = 16 * 1024 };
  FalUpload *up = fal_client_upload_full (client, file, "text/plain", &options);

  g_assert_true (wait_for (upload_done, up, DEADLINE_MS));
  g_assert_no_error ((GError *) fal_upload_get_error (up));
  g_assert_cmpint (fal_upload_get_state (up), ==, FAL_UPLOAD_DONE);
  return up;
}

/* ------------------------------------------------------------------ checks */

static const char *
entry_header (JsonObject *entry,
              const char *name)
{
  JsonObject *headers = json_object_get_object_member (entry, "headers");

  return headers && json_object_has_member (headers, name) ? json_object_get_string_member (headers, name) : NULL;
}

/* ------------------------------------------------------------------ tests */

/* Every kind of call, keyless, through the proxy. */
static void
test_everything (void)
{
  g_autoptr(Px) px = px_new (FAL_LOCAL_DEFAULT_KEY);
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(FalRequest) to_cancel = NULL;
  g_autoptr(FalStream) stream = NULL;
  g_autoptr(FalUpload) small = NULL;
  g_autoptr(FalUpload) big = NULL;
  g_autoptr(GFile) small_file = make_file ("proxy-small.txt", 1000);
  g_autoptr(GFile) big_file = make_file ("proxy-big.txt", 50 * 1024);
  g_autoptr(FalCatalog) catalog = fal_catalog_new (px->client);
  g_autoptr(FalPricing) pricing = fal_pricing_new (px->client);
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"a fox\",\"num_inference_steps\":1}");
  g_autoptr(JsonNode) slow = input ("{\"prompt\":\"a slow fox\"}");
  g_autoptr(JsonArray) log = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *cache = g_dir_make_tmp ("falstaff-proxy-schema-XXXXXX", NULL);
  g_auto(GStrv) targets = NULL;
  g_auto(Wait) wait = { 0 };
  FalCatalogQuery query = { .query = "whisper" };
  const char *ids[] = { "fal-ai/flux/dev", "fal-ai/fast-sdxl", NULL };
  const double units[] = { 1, 2 };
  guint keyed = 0, direct = 0;

  /* Queue: submit, status stream, result; a status, a cancel. */
  request = fal_client_submit (px->client, "fal-ai/flux/schnell", body, NULL, &error);
  g_assert_no_error (error);
  wait_done (request);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  g_assert_nonnull (fal_request_get_result (request));
  fal_client_status_async (px->client, "fal-ai/flux/schnell", fal_request_get_request_id (request), TRUE,
                           NULL, status_cb, &wait);
  wait_here (&wait);
  g_assert_no_error (wait.error);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (wait.node), "status"), ==, "COMPLETED");
  to_cancel = fal_client_submit (px->client, "fal-ai/minimax/video-01", slow, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (request_has_id, to_cancel, DEADLINE_MS));
  wait_clear (&wait);
  fal_client_cancel_async (px->client, "fal-ai/minimax/video-01", fal_request_get_request_id (to_cancel),
                           NULL, cancel_cb, &wait);
  wait_here (&wait);
  /* Accepted, or too late: either way fal's answer, through the proxy. */
  if (wait.error)
    g_assert_cmpstr (fal_error_get_error_type (wait.error), ==, "already_completed");
  else
    g_assert_true (wait.ok);
  wait_done (to_cancel);

  /* Run, and a stream. */
  run (px->client, "fal-ai/any-llm", "{\"prompt\":\"hello through the proxy\"}", &wait);
  g_assert_no_error (wait.error);
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (wait.node), "output"),
                            "hello through the proxy"));
  stream = fal_client_stream (px->client, "fal-ai/any-llm", body, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (wait_for (stream_done, stream, DEADLINE_MS));
  g_assert_no_error ((GError *) fal_stream_get_error (stream));
  g_assert_cmpuint (fal_stream_get_n_events (stream), >, 0);

  /* Storage: one PUT, and parts (16 KiB each, above a 16 KiB threshold). */
  small = upload (px->client, small_file, 0);
  g_assert_false (fal_upload_get_multipart (small));
  big = upload (px->client, big_file, 16 * 1024);
  g_assert_true (fal_upload_get_multipart (big));

  /* The web host, and the Platform API. */
  fetch_schema (px->client, "fal-ai/any-llm", cache, &wait);
  g_assert_no_error (wait.error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (wait.node));
  g_assert_true (json_object_has_member (json_node_get_object (wait.node), "openapi"));
  wait_clear (&wait);
  fal_catalog_search_async (catalog, &query, NULL, NULL, search_cb, &wait);
  wait_here (&wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (fal_catalog_page_get_models (wait.page)->len, >, 0);
  get_prices (pricing, ids, &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpuint (wait.prices->len, ==, 2);
  wait_clear (&wait);
  fal_pricing_estimate_async (pricing, FAL_ESTIMATE_UNIT_PRICE, ids, units, NULL, estimate_cb, &wait);
  wait_here (&wait);
  g_assert_no_error (wait.error);
  g_assert_true (wait.ok);
  g_assert_cmpfloat (wait.total, >, 0);

  /* Each went through the proxy, naming fal's own URL. */
  targets = proxy_fixture_dup_targets (px->proxy);
  for (guint i = 0; targets[i]; i++)
    g_test_message ("proxied: %s", targets[i]);
  g_assert_true (proxy_fixture_has_target (targets, "POST " FAL_DEFAULT_QUEUE_URL "/fal-ai/flux/schnell"));
  g_assert_true (proxy_fixture_has_target (targets, "GET " FAL_DEFAULT_QUEUE_URL "/fal-ai/flux/requests/"));
  g_assert_true (proxy_fixture_has_target (targets, "PUT " FAL_DEFAULT_QUEUE_URL "/fal-ai/minimax/requests/"));
  g_assert_true (proxy_fixture_has_target (targets, "POST " FAL_DEFAULT_RUN_URL "/fal-ai/any-llm"));
  g_assert_true (proxy_fixture_has_target (targets, "POST " FAL_DEFAULT_RUN_URL "/fal-ai/any-llm/stream"));
  g_assert_true (proxy_fixture_has_target (targets, "POST " FAL_DEFAULT_REST_URL "/storage/upload/initiate?"));
  g_assert_true (proxy_fixture_has_target (targets, "POST " FAL_DEFAULT_REST_URL "/storage/upload/initiate-multipart?"));
  g_assert_true (proxy_fixture_has_target (targets, "GET " FAL_DEFAULT_WEB_URL "/api/openapi/queue/openapi.json?endpoint_id=fal-ai/any-llm"));
  g_assert_true (proxy_fixture_has_target (targets, "GET " FAL_DEFAULT_API_URL "/v1/models?"));
  g_assert_true (proxy_fixture_has_target (targets, "GET " FAL_DEFAULT_API_URL "/v1/models/pricing?"));
  g_assert_true (proxy_fixture_has_target (targets, "POST " FAL_DEFAULT_API_URL "/v1/models/pricing/estimate"));
  for (guint i = 0; targets[i]; i++)
    g_assert_nonnull (strstr (targets[i], " https://"));

  /* At the server: every fal call came from the proxy with its key, the
   * status stream among them; only the bytes came direct, with no key. */
  log = fal_test_request_log (px->fx->ts);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      const char *path = json_object_get_string_member (entry, "path");
      const char *via = entry_header (entry, "via");

      if (g_str_has_prefix (path, "/__control/"))
        continue;
      g_assert_cmpstr (json_object_get_string_member (entry, "route"), ==, "direct");
      if (g_str_has_prefix (path, "/cdn/"))
        {
          g_assert_false (json_object_get_boolean_member (entry, "authorization"));
          g_assert_null (via);
          direct++;
          continue;
        }
      if (json_object_get_boolean_member (entry, "authorization"))
        keyed++;
      if (g_strcmp0 (via, "1.1 falstaff-test-proxy") != 0)
        g_error ("%s %s did not come through the proxy", json_object_get_string_member (entry, "method"), path);
    }
  g_assert_cmpuint (keyed, ==, proxy_fixture_get_n_forwarded (px->proxy));
  /* One PUT; four parts and a complete. */
  g_assert_cmpuint (direct, ==, 6);
  g_assert_cmpuint (count_requests (log, "GET", "^/queue/.*/status/stream$", NULL), >=, 1);
  g_assert_cmpuint (count_requests (log, "GET", "^/web/api/openapi/queue/openapi.json$", NULL), ==, 1);

  g_file_delete (small_file, NULL, NULL);
  g_file_delete (big_file, NULL, NULL);
}

/* Errors through the proxy mean what they meant. */
static void
test_errors (void)
{
  g_autoptr(Px) px = px_new (FAL_LOCAL_DEFAULT_KEY);
  g_autoptr(Px) wrong = px_new ("local:wrong");
  g_autoptr(FalPricing) pricing = fal_pricing_new (wrong->client);
  g_autofree char *cache = g_dir_make_tmp ("falstaff-proxy-schema-XXXXXX", NULL);
  g_autofree char *line = NULL;
  g_auto(Wait) wait = { 0 };
  g_autoptr(GPtrArray) prompt_errors = NULL;
  const char *ids[] = { "fal-ai/flux/dev", NULL };

  /* 422: the field errors, intact. */
  run (px->client, "fal-ai/any-llm", "{\"prompt\":42}", &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_cmpuint (fal_error_get_http_status (wait.error), ==, 422);
  prompt_errors = fal_error_field_errors_for (wait.error, "prompt");
  g_assert_cmpuint (prompt_errors->len, ==, 1);

  /* 404: an endpoint fal does not know; a schema too. */
  run (px->client, "fal-ai/no-such-model", "{\"prompt\":\"hi\"}", &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_NOT_FOUND);
  fetch_schema (px->client, "fal-ai/no-such-model", cache, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_NOT_FOUND);

  /* 401: the proxy's key refused, said as that. */
  run (wrong->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
  g_assert_cmpuint (fal_error_get_http_status (wait.error), ==, 401);
  line = fal_error_describe (wait.error);
  g_test_message ("%s", line);
  g_assert_nonnull (strstr (line, "refused the key the proxy at"));
  g_assert_nonnull (strstr (line, fal_client_get_proxy_url (wrong->client)));
  get_prices (pricing, ids, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
  g_assert_cmpint (proxy_fixture_get_n_forwarded (wrong->proxy), ==, 2);

  /* A key of our own goes through the proxy, which forwards it. */
  fal_client_set_key (wrong->client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  run (wrong->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", &wait);
  g_assert_no_error (wait.error);
  g_assert_cmpint (proxy_fixture_get_n_forwarded (wrong->proxy), ==, 3);
}

/* A proxy that does not allow a target answers 400 "Invalid request":
 * said as the proxy's refusal, not as fal's. */
static void
test_refused (void)
{
  g_autoptr(Px) px = px_new (FAL_LOCAL_DEFAULT_KEY);
  g_autofree char *cache = g_dir_make_tmp ("falstaff-proxy-schema-XXXXXX", NULL);
  g_autofree char *line = NULL;
  g_auto(Wait) wait = { 0 };

  proxy_fixture_set_upstream (px->proxy, NULL);
  run (px->client, "fal-ai/any-llm", "{\"prompt\":\"hi\"}", &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_cmpuint (fal_error_get_http_status (wait.error), ==, 400);
  g_assert_false (fal_error_is_model_failure (wait.error));
  line = fal_error_describe (wait.error);
  g_test_message ("%s", line);
  g_assert_nonnull (strstr (line, "refused to forward a request to fal.run"));
  g_assert_nonnull (strstr (line, "Invalid request"));
  fetch_schema (px->client, "fal-ai/any-llm", cache, &wait);
  g_assert_error (wait.error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_nonnull (strstr (wait.error->message, "refused to forward a request to fal.ai"));
  g_assert_cmpint (proxy_fixture_get_n_forwarded (px->proxy), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  const char *unset[] = { "FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "FALSTAFF_QUEUE_URL", "FALSTAFF_RUN_URL",
                          "FALSTAFF_REST_URL", "FALSTAFF_WEB_URL", "FALSTAFF_API_URL", "FALSTAFF_PROXY_URL",
                          "FALSTAFF_LOCAL_URL" };

  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    g_unsetenv (unset[i]);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fal/proxy/everything", test_everything);
  g_test_add_func ("/fal/proxy/errors", test_errors);
  g_test_add_func ("/fal/proxy/refused", test_refused);
  return g_test_run ();
}
