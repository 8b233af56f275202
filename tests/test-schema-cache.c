/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "fal-client.h"
#include "fal-error.h"
#include "fal-form-model.h"
#include "fal-json.h"
#include "fal-local-server.h"
#include "fal-schema-cache.h"

#define ENDPOINT "fal-ai/fast-sdxl"
#define STEM "fal-ai_2Ffast-sdxl"

typedef struct {
  FalLocalServer *server;
  FalClient *client;
  SoupSession *session;        /* for the control routes */
  char *url;
  char *cache_dir;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->server = fal_local_server_new ();
  fal_local_server_start (fixture->server, &error);
  g_assert_no_error (error);
  fixture->url = g_strdup (fal_local_server_get_url (fixture->server));
  fixture->client = fal_client_new ();
  fal_client_use_local_server (fixture->client, fixture->url);
  /* A key the client holds must still not go to the web base. */
  fal_client_set_key (fixture->client, "local:secret", FAL_KEY_SOURCE_PROPERTY);
  fixture->session = soup_session_new ();
  fixture->cache_dir = g_dir_make_tmp ("falstaff-schemas-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  fal_local_server_stop (fixture->server);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->client);
  g_clear_object (&fixture->session);
  g_free (fixture->url);
  remove_tree (fixture->cache_dir);
  g_free (fixture->cache_dir);
}

/* ------------------------------------------------------------------ helpers */

typedef struct {
  gboolean done;
  JsonNode *document;
  FalSchemaSource source;
  GError *error;
} Fetch;

static gboolean
too_long_cb (gpointer data)
{
  g_error ("The fetch took more than 30 s");
  return G_SOURCE_REMOVE;
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Fetch *fetch = data;

  fetch->document = fal_client_fetch_schema_finish (FAL_CLIENT (source), result, &fetch->source, &fetch->error);
  fetch->done = TRUE;
}

/* Runs a fetch to its end; cache_dir NULL = the default directory. */
static JsonNode *
fetch_schema (Fixture          *fixture,
              const char       *endpoint_id,
              const char       *cache_dir,
              GCancellable     *cancellable,
              FalSchemaSource  *source,
              GError          **error)
{
  Fetch fetch = { 0 };
  guint timeout = g_timeout_add_seconds (30, too_long_cb, NULL);

  fal_client_fetch_schema_full_async (fixture->client, endpoint_id, cache_dir, cancellable, fetched_cb, &fetch);
  while (!fetch.done)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
  if (source)
    *source = fetch.source;
  if (fetch.error)
    g_propagate_error (error, fetch.error);
  return fetch.document;
}

static JsonNode *
control (Fixture    *fixture,
         const char *method,
         const char *path,
         const char *body)
{
  g_autofree char *url = g_strconcat (fixture->url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  /* The control routes refuse requests without it (403). */
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  if (body)
    {
      g_autoptr(GBytes) request = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", request);
    }
  bytes = soup_session_send_and_read (fixture->session, msg, NULL, &error);
  g_assert_no_error (error);
  if (g_bytes_get_size (bytes) == 0)
    return NULL;
  return fal_json_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);
}

/* The schema requests the server saw since the last call (which clears
 * the log). */
static GPtrArray *
schema_requests (Fixture *fixture)
{
  g_autoptr(JsonNode) log = control (fixture, "GET", "/__control/requests", NULL);
  GPtrArray *requests = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  JsonArray *entries = json_node_get_array (log);

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_str_has_prefix (json_object_get_string_member (entry, "path"), "/web/"))
        g_ptr_array_add (requests, json_object_ref (entry));
      /* Only the web base is asked, and never with the key. */
      g_assert_false (json_object_get_boolean_member (entry, "authorization"));
    }
  g_clear_pointer (&log, json_node_unref);
  log = control (fixture, "DELETE", "/__control/requests", NULL);
  return requests;
}

static const char *
request_header (JsonObject *request,
                const char *name)
{
  return fal_json_get_string (json_object_get_object_member (request, "headers"), name);
}

static char *
cache_file (Fixture    *fixture,
            const char *suffix)
{
  g_autofree char *name = g_strconcat (STEM, suffix, NULL);

  return g_build_filename (fixture->cache_dir, name, NULL);
}

static void
assert_document (JsonNode   *document,
                 const char *endpoint_id)
{
  JsonObject *info;

  g_assert_nonnull (document);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (document));
  info = fal_json_get_object (fal_json_get_object (json_node_get_object (document), "info"), "x-fal-metadata");
  g_assert_cmpstr (fal_json_get_string (info, "endpointId"), ==, endpoint_id);
}

/* ------------------------------------------------------------------ tests */

static void
test_file_stem (void)
{
  g_autofree char *a = fal_schema_cache_file_stem ("fal-ai/flux/dev");
  g_autofree char *b = fal_schema_cache_file_stem ("fal-ai/flux_dev");
  g_autofree char *c = fal_schema_cache_file_stem ("../../etc/passwd");
  g_autofree char *long_id = g_strnfill (400, 'a');
  g_autofree char *d = fal_schema_cache_file_stem (long_id);
  g_autofree char *dir = fal_schema_cache_get_default_dir ();

  g_assert_cmpstr (a, ==, "fal-ai_2Fflux_2Fdev");
  g_assert_cmpstr (b, ==, "fal-ai_2Fflux_5Fdev");
  g_assert_null (strchr (c, '/'));
  g_assert_null (strstr (c, ".."));
  g_assert_cmpuint (strlen (d), <=, 200);
  g_assert_true (g_str_has_prefix (dir, g_get_user_cache_dir ()));
  g_assert_true (g_str_has_suffix (dir, "falstaff/schemas"));
}

static void
test_fetch_revalidate_offline (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) first = NULL;
  g_autoptr(JsonNode) second = NULL;
  g_autoptr(JsonNode) offline = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autofree char *document_path = cache_file (fixture, ".json");
  g_autofree char *etag_path = cache_file (fixture, ".etag");
  g_autofree char *etag_text = NULL;
  g_auto(GStrv) etag_lines = NULL;
  g_autofree char *first_text = NULL;
  g_autofree char *offline_text = NULL;
  FalSchemaSource source = -1;

  control (fixture, "DELETE", "/__control/requests", NULL);

  /* 1. Nothing cached: fetched, and written side by side. */
  first = fetch_schema (fixture, ENDPOINT, fixture->cache_dir, NULL, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (source, ==, FAL_SCHEMA_SOURCE_FETCHED);
  assert_document (first, ENDPOINT);
  g_assert_true (g_file_test (document_path, G_FILE_TEST_IS_REGULAR));
  g_file_get_contents (etag_path, &etag_text, NULL, &error);
  g_assert_no_error (error);
  etag_lines = g_strsplit (etag_text, "\n", -1);
  g_assert_cmpuint (g_strv_length (etag_lines), >=, 2);
  g_assert_true (g_str_has_prefix (etag_lines[0], "\""));

  requests = schema_requests (fixture);
  g_assert_cmpuint (requests->len, ==, 1);
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (requests, 0), "method"), ==, "GET");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (requests, 0), "path"), ==,
                   "/web/api/openapi/queue/openapi.json");
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (requests, 0), "query"), ==,
                   "endpoint_id=" ENDPOINT);
  g_assert_null (request_header (g_ptr_array_index (requests, 0), "if-none-match"));
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (requests, 0), "status"), ==, 200);
  g_clear_pointer (&requests, g_ptr_array_unref);

  /* 2. Cached: asked with If-None-Match, answered 304, the copy used. */
  second = fetch_schema (fixture, ENDPOINT, fixture->cache_dir, NULL, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (source, ==, FAL_SCHEMA_SOURCE_REVALIDATED);
  assert_document (second, ENDPOINT);
  requests = schema_requests (fixture);
  g_assert_cmpuint (requests->len, ==, 1);
  g_assert_cmpstr (request_header (g_ptr_array_index (requests, 0), "if-none-match"), ==, etag_lines[0]);
  g_assert_cmpint (json_object_get_int_member (g_ptr_array_index (requests, 0), "status"), ==, 304);
  g_clear_pointer (&requests, g_ptr_array_unref);

  /* The fetched document makes a form. */
  {
    g_autoptr(FalFormModel) model = fal_form_model_new_from_openapi (second, ENDPOINT, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 14);
  }

  /* 3. A 504 from fal.ai: the cached copy, said to be offline. */
  {
    g_autoptr(JsonNode) rule = control (fixture, "POST", "/__control/faults",
                                        "{\"fault\": \"status=504\", \"path\": \"^/web/\", \"count\": 1}");
    g_autoptr(JsonNode) timed_out = fetch_schema (fixture, ENDPOINT, fixture->cache_dir, NULL, &source, &error);

    g_assert_no_error (error);
    g_assert_cmpint (source, ==, FAL_SCHEMA_SOURCE_CACHED_OFFLINE);
    assert_document (timed_out, ENDPOINT);
  }
  /* A 500 is an answer, not an outage: the error. */
  {
    g_autoptr(JsonNode) rule = control (fixture, "POST", "/__control/faults",
                                        "{\"fault\": \"status=500\", \"path\": \"^/web/\", \"count\": 1}");
    g_autoptr(JsonNode) failed = fetch_schema (fixture, ENDPOINT, fixture->cache_dir, NULL, &source, &error);

    g_assert_error (error, FAL_ERROR, FAL_ERROR_SERVER);
    g_assert_null (failed);
    g_clear_error (&error);
  }

  /* 4. The server gone: the cached copy. */
  fal_local_server_stop (fixture->server);
  offline = fetch_schema (fixture, ENDPOINT, fixture->cache_dir, NULL, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (source, ==, FAL_SCHEMA_SOURCE_CACHED_OFFLINE);
  first_text = fal_json_to_string (first, FALSE);
  offline_text = fal_json_to_string (offline, FALSE);
  g_assert_cmpstr (first_text, ==, offline_text);

  /* Nothing cached for this one: the network error. */
  {
    g_autoptr(JsonNode) none = fetch_schema (fixture, "fal-ai/flux/schnell", fixture->cache_dir, NULL, &source, &error);

    g_assert_error (error, FAL_ERROR, FAL_ERROR_NETWORK);
    g_assert_null (none);
  }
}

static void
test_not_found (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = fetch_schema (fixture, "fal-ai/no-such-model", fixture->cache_dir, NULL, NULL, &error);
  g_autofree char *stem = fal_schema_cache_file_stem ("fal-ai/no-such-model");
  g_autofree char *name = g_strconcat (stem, ".json", NULL);
  g_autofree char *path = g_build_filename (fixture->cache_dir, name, NULL);

  g_assert_error (error, FAL_ERROR, FAL_ERROR_NOT_FOUND);
  g_assert_null (document);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  document = fetch_schema (fixture, "not an id", fixture->cache_dir, NULL, NULL, &error);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_INVALID_ENDPOINT);
  g_assert_null (document);
}

static void
test_corrupt_cache (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GPtrArray) requests = NULL;
  g_autofree char *document_path = cache_file (fixture, ".json");
  g_autofree char *contents = NULL;
  FalSchemaSource source = -1;

  document = fetch_schema (fixture, ENDPOINT, fixture->cache_dir, NULL, &source, &error);
  g_assert_no_error (error);
  g_clear_pointer (&document, json_node_unref);
  control (fixture, "DELETE", "/__control/requests", NULL);

  /* A torn or broken copy: not JSON. Fetched again, no If-None-Match. */
  g_file_set_contents (document_path, "{\"openapi\": \"3.0", -1, &error);
  g_assert_no_error (error);
  document = fetch_schema (fixture, ENDPOINT, fixture->cache_dir, NULL, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (source, ==, FAL_SCHEMA_SOURCE_FETCHED);
  assert_document (document, ENDPOINT);
  requests = schema_requests (fixture);
  g_assert_cmpuint (requests->len, ==, 1);
  g_assert_null (request_header (g_ptr_array_index (requests, 0), "if-none-match"));
  g_clear_pointer (&requests, g_ptr_array_unref);
  g_file_get_contents (document_path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (contents, ENDPOINT));
  g_clear_pointer (&document, json_node_unref);

  /* Valid JSON that is not what the ETag was written for: the ETag is
   * not trusted, and the copy is replaced. */
  g_file_set_contents (document_path, "{\"openapi\": \"3.0.4\"}", -1, &error);
  g_assert_no_error (error);
  document = fetch_schema (fixture, ENDPOINT, fixture->cache_dir, NULL, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (source, ==, FAL_SCHEMA_SOURCE_FETCHED);
  assert_document (document, ENDPOINT);
  requests = schema_requests (fixture);
  g_assert_null (request_header (g_ptr_array_index (requests, 0), "if-none-match"));
  g_clear_pointer (&document, json_node_unref);

  /* And now it revalidates again. */
  document = fetch_schema (fixture, ENDPOINT, fixture->cache_dir, NULL, &source, &error);
  g_assert_no_error (error);
  g_assert_cmpint (source, ==, FAL_SCHEMA_SOURCE_REVALIDATED);
}

static void
test_default_dir_and_cancel (Fixture       *fixture,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *dir = fal_schema_cache_get_default_dir ();
  g_autofree char *path = g_build_filename (dir, STEM ".json", NULL);
  FalSchemaSource source = -1;
  Fetch fetch = { 0 };

  /* main() pointed XDG_CACHE_HOME at a temporary directory. */
  g_assert_true (g_str_has_prefix (dir, g_getenv ("XDG_CACHE_HOME")));
  fal_client_fetch_schema_async (fixture->client, ENDPOINT, NULL, fetched_cb, &fetch);
  while (!fetch.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (fetch.error);
  g_assert_cmpint (fetch.source, ==, FAL_SCHEMA_SOURCE_FETCHED);
  g_clear_pointer (&fetch.document, json_node_unref);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));

  g_cancellable_cancel (cancellable);
  document = fetch_schema (fixture, ENDPOINT, NULL, cancellable, &source, &error);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_CANCELLED);
  g_assert_null (document);
  remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *cache_home = g_dir_make_tmp ("falstaff-cache-home-XXXXXX", NULL);
  int status;

  /* The default directory lands in a temporary XDG_CACHE_HOME (set before
   * GLib reads it). G_TEST_OPTION_ISOLATE_DIRS would hide the GSettings
   * schemas GIO's proxy resolver needs. */
  g_assert_nonnull (cache_home);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/schema-cache/file-stem", test_file_stem);
  g_test_add ("/schema-cache/fetch-revalidate-offline", Fixture, NULL,
              fixture_set_up, test_fetch_revalidate_offline, fixture_tear_down);
  g_test_add ("/schema-cache/not-found", Fixture, NULL, fixture_set_up, test_not_found, fixture_tear_down);
  g_test_add ("/schema-cache/corrupt-cache", Fixture, NULL, fixture_set_up, test_corrupt_cache, fixture_tear_down);
  g_test_add ("/schema-cache/default-dir-and-cancel", Fixture, NULL,
              fixture_set_up, test_default_dir_and_cancel, fixture_tear_down);

  status = g_test_run ();
  remove_tree (cache_home);
  return status;
}
