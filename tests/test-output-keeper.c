/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>
#include <string.h>

#include "fal.h"
#include "client-fixture.h"

#include "falstaff-history-view.h"
#include "falstaff-media-view.h"
#include "falstaff-output-actions.h"
#include "falstaff-output-keeper.h"
#include "falstaff-output-view.h"
#include "falstaff-run.h"
#include "falstaff-run-store.h"
#include "ui-test-utils.h"

/* Outputs kept: real jobs of the local fal server over HTTP, their media
 * downloaded by FalstaffOutputKeeper (never with the key, each once,
 * never half a file), thumbnails from its disk cache (also with the
 * server gone), deleted with their runs; and the results pane and the
 * history showing kept files after fal's URLs stopped answering. */

/* ------------------------------------------------------------------ helpers */

typedef struct {
  char *dir;
  char *outputs;
  char *thumbnails;
  FalstaffOutputKeeper *keeper;
} Place;

static Place *
place_new (void)
{
  Place *place = g_new0 (Place, 1);
  g_autoptr(GError) error = NULL;

  place->dir = g_dir_make_tmp ("falstaff-keeper-XXXXXX", &error);
  g_assert_no_error (error);
  /* Folders that do not exist yet: the keeper makes them. */
  place->outputs = g_build_filename (place->dir, "data", "outputs", NULL);
  place->thumbnails = g_build_filename (place->dir, "cache", "thumbnails", NULL);
  place->keeper = falstaff_output_keeper_new (place->outputs, place->thumbnails);
  return place;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
place_free (Place *place)
{
  g_clear_object (&place->keeper);
  remove_tree (place->dir);
  g_free (place->dir);
  g_free (place->outputs);
  g_free (place->thumbnails);
  g_free (place);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Place, place_free)

/* The names in a folder, sorted, hidden ones too; NULL when it is not there. */
static GPtrArray *
list_dir (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  GPtrArray *names;
  const char *name;

  if (dir == NULL)
    return NULL;
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

static char *
run_dir (Place  *place,
         gint64  run_id)
{
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);

  return g_build_filename (place->outputs, name, NULL);
}

static guint
count_in_dir (const char *path)
{
  g_autoptr(GPtrArray) names = list_dir (path);

  return names ? names->len : 0;
}

/* Thumbnails of run_id in the cache, of any size. */
static guint
count_thumbnails (Place  *place,
                  gint64  run_id)
{
  g_autoptr(GPtrArray) names = list_dir (place->thumbnails);
  g_autofree char *prefix = g_strdup_printf ("%" G_GINT64_FORMAT "-", run_id);
  guint n = 0;

  for (guint i = 0; names && i < names->len; i++)
    if (g_str_has_prefix (g_ptr_array_index (names, i), prefix) &&
        g_str_has_suffix (g_ptr_array_index (names, i), ".png"))
      n++;
  return n;
}

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
got_result_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

/* A job submitted with FalClient and followed to its end: its output. */
static JsonNode *
run_job (Fx         *fx,
         const char *endpoint_id,
         const char *input_json)
{
  g_autoptr(JsonNode) body = input (input_json);
  g_autoptr(GError) error = NULL;
  g_autoptr(FalRequest) request = fal_client_submit (fx->client, endpoint_id, body, NULL, &error);
  JsonNode *output;

  g_assert_no_error (error);
  wait_done (request);
  g_assert_null (fal_job_get_error (FAL_JOB (request)));
  g_assert_cmpint (fal_job_get_status (FAL_JOB (request)), ==, FAL_JOB_COMPLETED);
  output = fal_job_get_output (FAL_JOB (request));
  g_assert_nonnull (output);
  return json_node_copy (output);
}

static gboolean
keep_sync (FalstaffOutputKeeper  *keeper,
           gint64                 run_id,
           JsonNode              *result,
           GCancellable          *cancellable,
           guint                 *n_kept,
           GError               **error)
{
  g_autoptr(GAsyncResult) async = NULL;

  falstaff_output_keeper_keep_async (keeper, run_id, result, cancellable, got_result_cb, &async);
  g_assert_true (wait_for (result_set, &async, DEADLINE_MS));
  return falstaff_output_keeper_keep_finish (keeper, async, n_kept, error);
}

static GdkTexture *
thumbnail_sync (FalstaffOutputKeeper  *keeper,
                gint64                 run_id,
                const char            *url,
                int                    size,
                GError               **error)
{
  g_autoptr(GAsyncResult) async = NULL;

  falstaff_output_keeper_load_thumbnail_async (keeper, run_id, url, size, NULL, got_result_cb, &async);
  g_assert_true (wait_for (result_set, &async, DEADLINE_MS));
  return falstaff_output_keeper_load_thumbnail_finish (keeper, async, error);
}

static void
delete_sync (FalstaffOutputKeeper *keeper,
             const gint64         *ids,
             guint                 n)
{
  g_autoptr(GAsyncResult) async = NULL;
  g_autoptr(GError) error = NULL;

  falstaff_output_keeper_delete_async (keeper, ids, n, NULL, got_result_cb, &async);
  g_assert_true (wait_for (result_set, &async, DEADLINE_MS));
  g_assert_true (falstaff_output_keeper_delete_finish (keeper, async, &error));
  g_assert_no_error (error);
}

/* The URL path, as the request log and fault rules see it. */
static char *
url_path (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);

  g_assert_nonnull (uri);
  return g_strdup (g_uri_get_path (uri));
}

static char *
path_regex (const char *url)
{
  g_autofree char *path = url_path (url);
  g_autofree char *escaped = g_regex_escape_string (path, -1);

  return g_strconcat ("^", escaped, "$", NULL);
}

/* GETs of the file host since the log was cleared; none may carry the key. */
static guint
count_file_gets (Fx *fx)
{
  g_autoptr(JsonArray) log = fal_test_request_log (fx->ts);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "method"), "GET") == 0 &&
          g_str_has_prefix (json_object_get_string_member (entry, "path"), "/cdn/files/"))
        {
          g_assert_false (json_object_get_boolean_member (entry, "authorization"));
          n++;
        }
    }
  return n;
}

static const char *
image_url (JsonNode *result,
           guint     index)
{
  JsonArray *images = fal_json_get_array (json_node_get_object (result), "images");

  g_assert_nonnull (images);
  g_assert_cmpuint (index, <, json_array_get_length (images));
  return fal_json_get_string (json_array_get_object_element (images, index), "url");
}

static void
assert_same_bytes (const char *path,
                   GBytes     *expected)
{
  g_autofree char *contents = NULL;
  gsize length = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (contents, length, g_bytes_get_data (expected, NULL), g_bytes_get_size (expected));
}

/* ------------------------------------------------------------------ which URLs */

static void
test_find_media (void)
{
  g_autoptr(JsonNode) result = input (
    "{\"images\":[{\"url\":\"https://v3.fal.media/files/a/1.png\",\"content_type\":\"image/png\"},"
    "             {\"url\":\"https://v3.fal.media/files/a/2\"}],"
    " \"image\":{\"url\":\"https://v3.fal.media/files/a/1.png\"},"
    " \"video\":{\"url\":\"https://v3.fal.media/files/b/v.mp4\"},"
    " \"audio_file\":{\"url\":\"https://v3.fal.media/files/c/a\",\"content_type\":\"application/octet-stream\"},"
    " \"mesh\":{\"model_glb\":{\"url\":\"https://v3.fal.media/files/d/m.glb\",\"file_name\":\"m.glb\"}},"
    " \"frames\":[{\"url\":\"https://v3.fal.media/files/e/f.webp\",\"width\":64,\"height\":64}],"
    " \"transcript\":{\"url\":\"https://v3.fal.media/files/f/t.txt\",\"content_type\":\"text/plain\"},"
    " \"log\":{\"url\":\"https://v3.fal.media/files/f/l.json\",\"file_name\":\"l.json\"},"
    " \"page\":{\"url\":\"https://fal.ai/models\"},"
    " \"mislabelled\":{\"url\":\"https://v3.fal.media/files/g/x.png\",\"content_type\":\"text/html\"},"
    " \"weights\":{\"url\":\"https://v3.fal.media/files/h/w.safetensors\",\"content_type\":\"application/octet-stream\"},"
    " \"inline\":{\"url\":\"data:image/png;base64,iVBORw0KGgo=\",\"content_type\":\"image/png\"},"
    " \"local\":{\"url\":\"file:///etc/passwd\",\"content_type\":\"image/png\"},"
    " \"prompt\":\"https://v3.fal.media/files/i/not-an-object.png\"}");
  g_autoptr(GPtrArray) urls = falstaff_output_keeper_find_media (result);
  static const char * const expected[] = {
    "https://v3.fal.media/files/a/1.png",
    "https://v3.fal.media/files/a/2",
    "https://v3.fal.media/files/b/v.mp4",
    "https://v3.fal.media/files/c/a",
    "https://v3.fal.media/files/d/m.glb",
    "https://v3.fal.media/files/e/f.webp",
    "data:image/png;base64,iVBORw0KGgo=",
  };

  g_assert_cmpuint (urls->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    g_assert_cmpstr (g_ptr_array_index (urls, i), ==, expected[i]);

  /* Text results have nothing to keep. */
  {
    g_autoptr(JsonNode) text = input ("{\"output\":\"https://v3.fal.media/files/a/1.png\",\"partial\":false}");
    g_autoptr(GPtrArray) none = falstaff_output_keeper_find_media (text);

    g_assert_cmpuint (none->len, ==, 0);
  }
}

/* ------------------------------------------------------------------ keeping */

/* A real job's two images: on disk as the server serves them, fetched
 * without the key, once however often (and however concurrently) they
 * are kept. */
static void
test_keep (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(Place) place = place_new ();
  g_autoptr(JsonNode) result = run_job (fx, "fal-ai/fast-sdxl",
                                        "{\"prompt\":\"a lighthouse\",\"num_images\":2,\"image_size\":\"square\",\"seed\":7}");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *dir = run_dir (place, 1);
  guint n_kept = 0;

  fal_test_clear_request_log (fx->ts);
  g_assert_null (falstaff_output_keeper_lookup (place->keeper, 1, image_url (result, 0)));
  g_assert_true (keep_sync (place->keeper, 1, result, NULL, &n_kept, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_kept, ==, 2);
  g_assert_cmpuint (count_file_gets (fx), ==, 2);

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = falstaff_output_keeper_lookup (place->keeper, 1, image_url (result, i));
      g_autoptr(GBytes) served = NULL;

      g_assert_nonnull (path);
      g_assert_true (g_str_has_prefix (path, dir));
      g_assert_true (g_str_has_suffix (path, ".png"));
      served = fal_test_download (fx->ts, image_url (result, i), NULL);
      assert_same_bytes (path, served);
    }
  /* Nothing else in the run's folder: no part files. */
  names = list_dir (dir);
  g_assert_cmpuint (names->len, ==, 2);
  /* Another run's outputs are its own. */
  g_assert_null (falstaff_output_keeper_lookup (place->keeper, 2, image_url (result, 0)));

  /* Again: nothing fetched. */
  fal_test_clear_request_log (fx->ts);
  g_assert_true (keep_sync (place->keeper, 1, result, NULL, &n_kept, &error));
  g_assert_cmpuint (n_kept, ==, 2);
  g_assert_cmpuint (count_file_gets (fx), ==, 0);

  /* Two keeps of one run at once (the run completing while its page is
   * opened): each file is fetched once. */
  {
    g_autoptr(GAsyncResult) a = NULL;
    g_autoptr(GAsyncResult) b = NULL;
    guint n_a = 0, n_b = 0;

    falstaff_output_keeper_keep_async (place->keeper, 2, result, NULL, got_result_cb, &a);
    falstaff_output_keeper_keep_async (place->keeper, 2, result, NULL, got_result_cb, &b);
    g_assert_true (wait_for (result_set, &a, DEADLINE_MS));
    g_assert_true (wait_for (result_set, &b, DEADLINE_MS));
    g_assert_true (falstaff_output_keeper_keep_finish (place->keeper, a, &n_a, NULL));
    g_assert_true (falstaff_output_keeper_keep_finish (place->keeper, b, &n_b, NULL));
    g_assert_cmpuint (n_a, ==, 2);
    g_assert_cmpuint (n_b, ==, 2);
    g_assert_cmpuint (count_file_gets (fx), ==, 2);
  }
}

/* A file that is gone (404) and one whose body breaks off: errors for
 * those two, no partial file anywhere, the third kept; a later keep
 * fetches only the two that are missing. */
static void
test_faults (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(Place) place = place_new ();
  g_autoptr(JsonNode) result = run_job (fx, "fal-ai/fast-sdxl",
                                        "{\"prompt\":\"three ships\",\"num_images\":3,\"image_size\":\"square\"}");
  g_autofree char *gone = path_regex (image_url (result, 0));
  g_autofree char *cut = path_regex (image_url (result, 1));
  g_autofree char *dir = run_dir (place, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  g_autofree char *third = NULL;
  guint n_kept = 99;

  fal_test_add_fault (fx->ts, "GET", gone, 1, "status=404");
  fal_test_add_fault (fx->ts, "GET", cut, 1, "drop=100");
  g_assert_false (keep_sync (place->keeper, 5, result, NULL, &n_kept, &error));
  /* The first failure in the result's order: the missing file. */
  g_assert_error (error, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP);
  g_clear_error (&error);
  g_assert_cmpuint (n_kept, ==, 1);
  g_assert_null (falstaff_output_keeper_lookup (place->keeper, 5, image_url (result, 0)));
  g_assert_null (falstaff_output_keeper_lookup (place->keeper, 5, image_url (result, 1)));
  third = falstaff_output_keeper_lookup (place->keeper, 5, image_url (result, 2));
  g_assert_nonnull (third);
  names = list_dir (dir);
  g_assert_cmpuint (names->len, ==, 1);
  g_assert_true (g_str_has_suffix (third, g_ptr_array_index (names, 0)));

  /* The cut answer alone: an error of its own (not the 404's). */
  fal_test_add_fault (fx->ts, "GET", cut, 1, "drop=100");
  {
    /* A deep copy: json_node_copy() shares the object. */
    g_autofree char *text = json_to_string (result, FALSE);
    g_autoptr(JsonNode) second = input (text);
    JsonArray *images = fal_json_get_array (json_node_get_object (second), "images");

    json_array_remove_element (images, 2);
    json_array_remove_element (images, 0);
    g_assert_false (keep_sync (place->keeper, 6, second, NULL, &n_kept, &error));
    g_assert_nonnull (error);
    g_assert_false (g_error_matches (error, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP));
    g_clear_error (&error);
    g_assert_cmpuint (n_kept, ==, 0);
    {
      g_autofree char *dir6 = run_dir (place, 6);

      g_assert_cmpuint (count_in_dir (dir6), ==, 0);
    }
  }

  fal_test_clear_request_log (fx->ts);
  g_assert_true (keep_sync (place->keeper, 5, result, NULL, &n_kept, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_kept, ==, 3);
  g_assert_cmpuint (count_file_gets (fx), ==, 2);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *path = falstaff_output_keeper_lookup (place->keeper, 5, image_url (result, i));
      g_autoptr(GBytes) served = fal_test_download (fx->ts, image_url (result, i), NULL);

      assert_same_bytes (path, served);
    }
}

/* Plain http to another computer is refused before any connection; a
 * data: URI is decoded; text is not kept. */
static void
test_refused_and_inline (void)
{
  g_autoptr(Place) place = place_new ();
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 4, 3);
  g_autofree char *png = NULL;
  gsize png_length = 0;
  g_autofree char *base64 = NULL;
  g_autofree char *json = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_url = NULL;
  g_autofree char *kept = NULL;
  g_autoptr(GBytes) expected = NULL;
  g_autofree char *dir = run_dir (place, 9);
  guint n_kept = 0;

  gdk_pixbuf_fill (pixbuf, 0x336699ff);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &png, &png_length, "png", &error, NULL));
  base64 = g_base64_encode ((const guchar *) png, png_length);
  data_url = g_strconcat ("data:image/png;base64,", base64, NULL);
  json = g_strdup_printf ("{\"images\":[{\"url\":\"%s\"}],"
                          " \"image\":{\"url\":\"http://192.0.2.1/a.png\",\"content_type\":\"image/png\"},"
                          " \"notes\":{\"url\":\"https://v3.fal.media/files/n.txt\",\"content_type\":\"text/plain\"}}",
                          data_url);
  result = input (json);
  g_assert_false (keep_sync (place->keeper, 9, result, NULL, &n_kept, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_cmpuint (n_kept, ==, 1);
  kept = falstaff_output_keeper_lookup (place->keeper, 9, data_url);
  g_assert_nonnull (kept);
  g_assert_true (g_str_has_suffix (kept, ".png"));
  expected = g_bytes_new (png, png_length);
  assert_same_bytes (kept, expected);
  g_assert_cmpuint (count_in_dir (dir), ==, 1);
}

/* Cancelled while the file host has not answered: a cancelled error and
 * nothing on disk; deleting a run stops its keep the same way. */
static void
test_cancel_and_delete_while_keeping (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(Place) place = place_new ();
  g_autoptr(JsonNode) result = run_job (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"slow\",\"image_size\":\"square\"}");
  g_autofree char *slow = path_regex (image_url (result, 0));
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) async = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = run_dir (place, 3);
  guint n_kept = 9;

  fal_test_add_fault (fx->ts, "GET", slow, 2, "stall=4000");
  fal_test_clear_request_log (fx->ts);
  falstaff_output_keeper_keep_async (place->keeper, 3, result, cancellable, got_result_cb, &async);
  while (count_file_gets (fx) == 0)
    g_assert_true (wait_for (result_set, &async, 20) == FALSE);
  g_cancellable_cancel (cancellable);
  g_assert_true (wait_for (result_set, &async, 2000));
  g_assert_false (falstaff_output_keeper_keep_finish (place->keeper, async, &n_kept, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_clear_object (&async);
  g_assert_cmpuint (n_kept, ==, 0);
  g_assert_cmpuint (count_in_dir (dir), ==, 0);

  /* The same, stopped by deleting the run. */
  fal_test_clear_request_log (fx->ts);
  falstaff_output_keeper_keep_async (place->keeper, 3, result, NULL, got_result_cb, &async);
  while (count_file_gets (fx) == 0)
    g_assert_true (wait_for (result_set, &async, 20) == FALSE);
  {
    gint64 id = 3;

    delete_sync (place->keeper, &id, 1);
  }
  g_assert_true (wait_for (result_set, &async, 2000));
  g_assert_false (falstaff_output_keeper_keep_finish (place->keeper, async, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_null (falstaff_output_keeper_lookup (place->keeper, 3, image_url (result, 0)));
}

/* ------------------------------------------------------------------ thumbnails */

static void
assert_fits (GdkTexture *texture,
             int         size)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);

  g_assert_cmpint (width, <=, size);
  g_assert_cmpint (height, <=, size);
  g_assert_cmpint (MAX (width, height), ==, size);
}

static void
test_thumbnail (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(Place) place = place_new ();
  g_autoptr(JsonNode) result = run_job (fx, "fal-ai/fast-sdxl",
                                        "{\"prompt\":\"a wide field\",\"image_size\":\"landscape_4_3\"}");
  const char *url = image_url (result, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) kept = NULL;
  g_autoptr(GdkTexture) fetched = NULL;
  g_autoptr(GdkTexture) again = NULL;
  g_autoptr(GdkTexture) offline = NULL;
  g_autoptr(GdkTexture) offline_kept = NULL;

  g_assert_true (keep_sync (place->keeper, 1, result, NULL, NULL, &error));
  g_assert_no_error (error);

  /* From the kept file: no download; 1024 × 768 becomes 48 × 36. */
  fal_test_clear_request_log (fx->ts);
  kept = thumbnail_sync (place->keeper, 1, url, 48, &error);
  g_assert_no_error (error);
  assert_fits (kept, 48);
  g_assert_cmpint (gdk_texture_get_height (kept), ==, 36);
  g_assert_cmpuint (count_file_gets (fx), ==, 0);
  g_assert_cmpuint (count_thumbnails (place, 1), ==, 1);

  /* Run 2 has nothing kept: downloaded once, then from the cache. */
  fetched = thumbnail_sync (place->keeper, 2, url, 48, &error);
  g_assert_no_error (error);
  assert_fits (fetched, 48);
  g_assert_cmpuint (count_file_gets (fx), ==, 1);
  g_assert_cmpuint (count_thumbnails (place, 2), ==, 1);
  again = thumbnail_sync (place->keeper, 2, url, 48, &error);
  g_assert_no_error (error);
  assert_fits (again, 48);
  g_assert_cmpuint (count_file_gets (fx), ==, 1);

  /* A video has no thumbnail here: said without reading it whole, and
   * without downloading it when it is not kept. */
  {
    g_autoptr(JsonNode) video = run_job (fx, "fal-ai/minimax/video-01", "{\"prompt\":\"no picture\"}");
    const char *video_url = fal_json_get_string (fal_json_get_object (json_node_get_object (video), "video"), "url");
    g_autoptr(GdkTexture) none = NULL;

    g_assert_true (keep_sync (place->keeper, 4, video, NULL, NULL, &error));
    g_assert_no_error (error);
    fal_test_clear_request_log (fx->ts);
    none = thumbnail_sync (place->keeper, 4, video_url, 48, &error);
    g_assert_null (none);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_clear_error (&error);
    none = thumbnail_sync (place->keeper, 5, video_url, 48, &error);
    g_assert_null (none);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
    g_clear_error (&error);
    g_assert_cmpuint (count_file_gets (fx), ==, 0);
    g_assert_cmpuint (count_thumbnails (place, 4), ==, 0);
  }

  /* fal gone: the cache, and the kept file for a size not cached yet. */
  fal_local_server_stop (fx->ts->server);
  offline = thumbnail_sync (place->keeper, 2, url, 48, &error);
  g_assert_no_error (error);
  assert_fits (offline, 48);
  offline_kept = thumbnail_sync (place->keeper, 1, url, 96, &error);
  g_assert_no_error (error);
  assert_fits (offline_kept, 96);
  g_assert_cmpuint (count_thumbnails (place, 1), ==, 2);
}

/* ------------------------------------------------------------------ delete */

static void
test_delete (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(Place) place = place_new ();
  g_autoptr(JsonNode) result = run_job (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"gone soon\",\"image_size\":\"square\"}");
  const char *url = image_url (result, 0);
  gint64 ids[] = { 11, 12, 13 };
  g_autofree char *dir11 = run_dir (place, 11);
  g_autofree char *dir12 = run_dir (place, 12);
  g_autofree char *dir13 = run_dir (place, 13);
  g_autofree char *still = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkTexture) texture = NULL;

      g_assert_true (keep_sync (place->keeper, ids[i], result, NULL, NULL, &error));
      texture = thumbnail_sync (place->keeper, ids[i], url, 48, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (count_thumbnails (place, ids[i]), ==, 1);
    }
  /* Two of three, in one call. */
  delete_sync (place->keeper, (gint64[]) { 11, 13 }, 2);
  g_assert_false (g_file_test (dir11, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dir13, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (count_thumbnails (place, 11), ==, 0);
  g_assert_cmpuint (count_thumbnails (place, 13), ==, 0);
  g_assert_null (falstaff_output_keeper_lookup (place->keeper, 11, url));
  still = falstaff_output_keeper_lookup (place->keeper, 12, url);
  g_assert_nonnull (still);
  g_assert_true (g_str_has_prefix (still, dir12));
  g_assert_cmpuint (count_thumbnails (place, 12), ==, 1);
  /* Deleting what is not there is no error. */
  delete_sync (place->keeper, (gint64[]) { 11, 99 }, 2);
}

/* ------------------------------------------------------------------ the views */

static GtkLabel *
gallery_label (FalstaffOutputView *view,
               guint               index)
{
  GtkFlowBox *gallery = GTK_FLOW_BOX (falstaff_output_view_get_gallery (view));
  GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (gallery, index);
  GtkWidget *box = child ? gtk_flow_box_child_get_child (child) : NULL;
  GtkWidget *frame = box ? gtk_widget_get_first_child (box) : NULL;

  g_assert_nonnull (frame);
  return GTK_LABEL (gtk_widget_get_next_sibling (frame));
}

static gboolean
label_failed (gpointer data)
{
  return g_str_has_prefix (gtk_label_get_text (data), "Could not load");
}

/* The first image shown, or known to have failed. */
static gboolean
image_settled (gpointer data)
{
  return falstaff_output_view_get_n_images (data) == 1 || label_failed (gallery_label (data, 0));
}

static GtkWindow *
window_for (GtkWidget *child)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *overlay = adw_toast_overlay_new ();

  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), child);
  gtk_window_set_child (window, overlay);
  gtk_window_set_default_size (window, 800, 600);
  gtk_window_present (window);
  return window;
}

typedef struct {
  FalstaffOutputView *view;
  guint n;
} MediaWait;

static gboolean
media_views_settled (gpointer data)
{
  MediaWait *wait = data;
  GPtrArray *media = falstaff_output_view_get_media_views (wait->view);

  if (media->len != wait->n)
    return FALSE;
  for (guint i = 0; i < media->len; i++)
    if (g_strcmp0 (falstaff_media_view_get_state (g_ptr_array_index (media, i)), "loading") == 0)
      return FALSE;
  return TRUE;
}

/* A past run whose media URLs now answer 404: the pane still shows its
 * kept image (at its full size), and plays its kept audio and video
 * files; the same pane without the keeper cannot. */
static void
test_output_view_expired (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(Place) place = place_new ();
  g_autoptr(JsonNode) image = run_job (fx, "fal-ai/fast-sdxl",
                                       "{\"prompt\":\"an old photo\",\"image_size\":\"landscape_4_3\"}");
  g_autoptr(JsonNode) audio = run_job (fx, "fal-ai/stable-audio", "{\"prompt\":\"rain\",\"seconds_total\":1}");
  g_autoptr(JsonNode) video = run_job (fx, "fal-ai/minimax/video-01", "{\"prompt\":\"waves\"}");
  g_autoptr(GError) error = NULL;
  FalstaffOutputView *view;
  FalstaffOutputView *bare;
  GtkWindow *window;
  GtkWindow *bare_window;
  int width = 0, height = 0;

  g_assert_true (keep_sync (place->keeper, 21, image, NULL, NULL, &error));
  g_assert_true (keep_sync (place->keeper, 22, audio, NULL, NULL, &error));
  g_assert_true (keep_sync (place->keeper, 23, video, NULL, NULL, &error));
  g_assert_no_error (error);
  /* fal's links expire: every file of the host answers 404 from now on. */
  fal_test_add_fault (fx->ts, "GET", "^/cdn/files/", 1000, "status=404");

  bare = g_object_new (FALSTAFF_TYPE_OUTPUT_VIEW, NULL);
  bare_window = window_for (GTK_WIDGET (bare));
  falstaff_output_view_show (bare, image);
  g_assert_true (wait_for (label_failed, gallery_label (bare, 0), DEADLINE_MS));
  g_assert_cmpuint (falstaff_output_view_get_n_images (bare), ==, 0);
  gtk_window_destroy (bare_window);

  view = g_object_new (FALSTAFF_TYPE_OUTPUT_VIEW, NULL);
  window = window_for (GTK_WIDGET (view));
  falstaff_output_view_set_output_keeper (view, place->keeper);
  falstaff_output_view_set_run_id (view, 21);
  g_assert_cmpint (falstaff_output_view_get_run_id (view), ==, 21);
  falstaff_output_view_show (view, image);
  g_assert_true (wait_for (image_settled, view, DEADLINE_MS));
  g_assert_cmpuint (falstaff_output_view_get_n_images (view), ==, 1);
  g_assert_true (falstaff_output_view_get_image_size (view, 0, &width, &height));
  g_assert_cmpint (width, ==, 1024);
  g_assert_cmpint (height, ==, 768);
  g_assert_false (label_failed (gallery_label (view, 0)));

  /* Audio, then video: the kept file plays (or, without a media backend
   * here, says it cannot be played), never "could not be downloaded". */
  for (guint i = 0; i < 2; i++)
    {
      JsonNode *result = i == 0 ? audio : video;
      gint64 id = i == 0 ? 22 : 23;
      const char *member = i == 0 ? "audio_file" : "video";
      const char *url = fal_json_get_string (fal_json_get_object (json_node_get_object (result), member), "url");
      g_autofree char *kept = falstaff_output_keeper_lookup (place->keeper, id, url);
      MediaWait wait = { view, 1 };
      FalstaffMediaView *media;
      g_autofree char *played = NULL;

      g_assert_nonnull (kept);
      falstaff_output_view_clear (view);
      falstaff_output_view_set_run_id (view, id);
      falstaff_output_view_show (view, result);
      g_assert_true (wait_for (media_views_settled, &wait, DEADLINE_MS));
      media = g_ptr_array_index (falstaff_output_view_get_media_views (view), 0);
      g_assert_nonnull (falstaff_media_view_get_file (media));
      played = g_file_get_path (falstaff_media_view_get_file (media));
      g_assert_cmpstr (played, ==, kept);
      if (falstaff_media_view_get_error_message (media))
        g_assert_null (strstr (falstaff_media_view_get_error_message (media), "downloaded"));
    }
  gtk_window_destroy (window);
}

/* The history's rows: a picture from the thumbnail cache for a run with
 * an image, none for a text run. */
static void
find_pictures (GtkWidget *widget,
               GPtrArray *found)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_PICTURE (child) && gtk_widget_get_visible (child) && gtk_picture_get_paintable (GTK_PICTURE (child)))
        g_ptr_array_add (found, child);
      find_pictures (child, found);
    }
}

static gboolean
one_picture (gpointer data)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new ();

  find_pictures (data, found);
  return found->len == 1;
}

static gboolean
run_done (gpointer data)
{
  return falstaff_run_is_done (data);
}

static void
test_history_thumbnail (void)
{
  g_autoptr(Fx) fx = fx_new (20, 2);
  g_autoptr(Place) place = place_new ();
  g_autofree char *db = g_build_filename (place->dir, "history.sqlite3", NULL);
  g_autoptr(FalstaffRunStore) store = falstaff_run_store_new (db);
  g_autoptr(JsonNode) image_body = input ("{\"prompt\":\"a red kite\",\"image_size\":\"portrait_4_3\"}");
  g_autoptr(JsonNode) text_body = input ("{\"prompt\":\"say hello\"}");
  g_autoptr(FalstaffRun) image = NULL;
  g_autoptr(FalstaffRun) text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pictures = g_ptr_array_new ();
  FalstaffHistoryView *history;
  GtkWindow *window;
  GdkPaintable *paintable;

  {
    g_autoptr(GAsyncResult) loaded = NULL;

    falstaff_run_store_load_async (store, NULL, got_result_cb, &loaded);
    g_assert_true (wait_for (result_set, &loaded, DEADLINE_MS));
    g_assert_true (falstaff_run_store_load_finish (store, loaded, &error));
    g_assert_true (falstaff_run_store_is_loaded (store));
  }
  image = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", image_body);
  text = falstaff_run_store_create_run (store, "fal-ai/any-llm", "queue", text_body);
  for (guint i = 0; i < 2; i++)
    {
      FalstaffRun *run = i == 0 ? image : text;
      g_autoptr(FalRequest) request = fal_client_submit (fx->client, falstaff_run_get_endpoint_id (run),
                                                         falstaff_run_get_inputs (run), NULL, &error);

      g_assert_no_error (error);
      falstaff_run_follow (run, FAL_JOB (request));
      g_assert_true (wait_for (run_done, run, DEADLINE_MS));
      g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
    }
  g_assert_nonnull (falstaff_run_get_thumbnail_url (image));
  g_assert_null (falstaff_run_get_thumbnail_url (text));
  g_assert_true (keep_sync (place->keeper, falstaff_run_get_id (image), falstaff_run_get_result (image),
                            NULL, NULL, &error));
  g_assert_no_error (error);
  /* Shown from the kept file, not from fal. */
  fal_test_add_fault (fx->ts, "GET", "^/cdn/files/", 1000, "status=404");

  history = g_object_new (FALSTAFF_TYPE_HISTORY_VIEW, NULL);
  window = window_for (GTK_WIDGET (history));
  falstaff_history_view_set_runs (history, G_LIST_MODEL (store));
  /* No keeper, no pictures. */
  falstaff_test_iterate_for (200);
  find_pictures (GTK_WIDGET (history), pictures);
  g_assert_cmpuint (pictures->len, ==, 0);

  falstaff_history_view_set_output_keeper (history, place->keeper);
  g_assert_true (falstaff_history_view_get_output_keeper (history) == place->keeper);
  g_assert_true (wait_for (one_picture, history, DEADLINE_MS));
  find_pictures (GTK_WIDGET (history), pictures);
  paintable = gtk_picture_get_paintable (g_ptr_array_index (pictures, 0));
  /* 768 × 1024 at 48 px: 36 × 48 (at the display's scale). */
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (paintable), ==, 48 * gtk_widget_get_scale_factor (GTK_WIDGET (history)));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (paintable), ==, 36 * gtk_widget_get_scale_factor (GTK_WIDGET (history)));
  g_assert_cmpuint (count_thumbnails (place, falstaff_run_get_id (image)), ==, 1);
  g_assert_cmpuint (count_thumbnails (place, falstaff_run_get_id (text)), ==, 0);
  gtk_window_destroy (window);
}

/* ------------------------------------------------------------------ main */

int
main (int    argc,
      char **argv)
{
  g_unsetenv ("FAL_KEY");
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  g_test_add_func ("/keeper/find-media", test_find_media);
  g_test_add_func ("/keeper/keep", test_keep);
  g_test_add_func ("/keeper/faults", test_faults);
  g_test_add_func ("/keeper/refused-and-inline", test_refused_and_inline);
  g_test_add_func ("/keeper/cancel-and-delete-while-keeping", test_cancel_and_delete_while_keeping);
  g_test_add_func ("/keeper/thumbnail", test_thumbnail);
  g_test_add_func ("/keeper/delete", test_delete);
  g_test_add_func ("/ui/keeper/output-view-expired", test_output_view_expired);
  g_test_add_func ("/ui/keeper/history-thumbnail", test_history_thumbnail);
  return g_test_run ();
}
