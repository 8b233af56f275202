/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "fal.h"
#include "fal-local-server.h"

#include "falstaff-file-drop.h"
#include "falstaff-file-row.h"
#include "ui-test-utils.h"

/* The file fields of the form: drops, paste, the chooser, uploads with
 * their progress and failures, and runs that use what was uploaded,
 * against an in-process local fal server. */

#define PNG_WIDTH 320
#define PNG_HEIGHT 200
#define WAV_SECONDS 1.5

static FalLocalServer *server;
static FalClient *client;
static SoupSession *session;
static char *data_dir;
static char *files_dir;
static char *schema_dir;

/* ------------------------------------------------------------------ helpers */

typedef struct {
  GAsyncResult *result;
} Wait;

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Wait *wait = user_data;

  wait->result = g_object_ref (result);
}

static gboolean
wait_done (gpointer data)
{
  return ((Wait *) data)->result != NULL;
}

static GAsyncResult *
wait_result (Wait *wait,
             guint timeout_ms)
{
  g_assert_true (falstaff_test_wait_until (wait_done, wait, timeout_ms));
  return wait->result;
}

/* The control routes of the local server, over plain HTTP. */
static JsonNode *
control (const char *method,
         const char *path,
         const char *body,
         guint       expected_status)
{
  g_autofree char *url = g_strconcat (fal_local_server_get_url (server), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };
  gsize size;
  const char *data;

  /* The control routes refuse requests without it (403). */
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, wait_cb, &wait);
  answer = soup_session_send_and_read_finish (session, wait_result (&wait, 30000), &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, expected_status);
  data = g_bytes_get_data (answer, &size);
  return size ? json_from_string (data, NULL) : NULL;
}

static GBytes *
download (const char *url)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };
  GBytes *bytes;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, wait_cb, &wait);
  bytes = soup_session_send_and_read_finish (session, wait_result (&wait, 30000), &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  return bytes;
}

static guint
count_requests (const char *method,
                const char *path_part)
{
  g_autoptr(JsonNode) log = control ("GET", "/__control/requests", NULL, 200);
  JsonArray *entries = json_node_get_array (log);
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), method) &&
          strstr (json_object_get_string_member (entry, "path"), path_part))
        n++;
    }
  return n;
}

static void
add_fault (const char *method,
           const char *path,
           guint       count,
           const char *fault)
{
  g_autofree char *body = g_strdup_printf ("{\"method\": \"%s\", \"path\": \"%s\", \"count\": %u, \"fault\": \"%s\"}",
                                           method, path, count, fault);
  g_autoptr(JsonNode) answer = control ("POST", "/__control/faults", body, 201);
}

static FalFormModel *
model_for (const char *endpoint_id)
{
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GError) error = NULL;
  Wait wait = { 0 };
  FalFormModel *model;

  fal_client_fetch_schema_full_async (client, endpoint_id, schema_dir, NULL, wait_cb, &wait);
  document = fal_client_fetch_schema_finish (client, wait_result (&wait, 30000), NULL, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  model = fal_form_model_new_from_openapi (document, endpoint_id, &error);
  g_assert_no_error (error);
  return model;
}

/* A model from a document kept with the tests (for a file list field). */
static FalFormModel *
model_from_fixture (const char *endpoint_id)
{
  g_autofree char *file = g_strconcat (endpoint_id, ".json", NULL);
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GError) error = NULL;
  FalFormModel *model;
  gsize length;

  g_strdelimit (file, "/", '_');
  path = g_test_build_filename (G_TEST_DIST, "fixtures", "openapi", file, NULL);
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  document = fal_json_parse (contents, length, &error);
  g_assert_no_error (error);
  model = fal_form_model_new_from_openapi (document, endpoint_id, &error);
  g_assert_no_error (error);
  return model;
}

static char *
test_file (const char *name)
{
  return g_build_filename (files_dir, name, NULL);
}

static GFile *
test_gfile (const char *name)
{
  g_autofree char *path = test_file (name);

  return g_file_new_for_path (path);
}

/* A row of one field, in a window of its own. */
typedef struct {
  FalFormModel *model;
  GtkWidget *window;
  FalstaffFileRow *row;
} Fixture;

static Fixture *
fixture_new_with_model (FalFormModel *model,
                        const char   *field)
{
  Fixture *fixture = g_new0 (Fixture, 1);
  GtkWidget *list = gtk_list_box_new ();
  GtkWidget *row;

  fixture->model = model;
  row = falstaff_file_row_new (fal_form_model_get_field (model, field), model, client);
  g_assert_nonnull (row);
  fixture->row = FALSTAFF_FILE_ROW (row);
  gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
  gtk_widget_add_css_class (list, "boxed-list");
  gtk_list_box_append (GTK_LIST_BOX (list), row);
  gtk_widget_set_margin_start (list, 12);
  gtk_widget_set_margin_end (list, 12);
  gtk_widget_set_margin_top (list, 12);
  gtk_widget_set_margin_bottom (list, 12);
  fixture->window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 560, -1);
  gtk_window_set_child (GTK_WINDOW (fixture->window), list);
  gtk_window_present (GTK_WINDOW (fixture->window));
  return fixture;
}

static Fixture *
fixture_new (const char *endpoint_id,
             const char *field)
{
  return fixture_new_with_model (model_for (endpoint_id), field);
}

static void
fixture_free (Fixture *fixture)
{
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  g_object_unref (fixture->model);
  g_free (fixture);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fixture, fixture_free)

static gboolean
drop (FalstaffFileRow *row,
      const GValue    *value)
{
  gboolean accepted = FALSE;

  g_signal_emit_by_name (falstaff_file_row_get_drop_target (row), "drop", value, 20.0, 20.0, &accepted);
  return accepted;
}

static gboolean
drop_files (FalstaffFileRow    *row,
            const char * const *names)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto(GValue) value = G_VALUE_INIT;

  for (guint i = 0; names[i]; i++)
    g_ptr_array_add (files, test_gfile (names[i]));
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array ((GFile **) files->pdata, files->len));
  return drop (row, &value);
}

static gboolean
drop_file (FalstaffFileRow *row,
           const char      *name)
{
  return drop_files (row, (const char * const[]) { name, NULL });
}

static gboolean
drop_text (FalstaffFileRow *row,
           const char      *text)
{
  g_auto(GValue) value = G_VALUE_INIT;

  g_value_init (&value, G_TYPE_STRING);
  g_value_set_string (&value, text);
  return drop (row, &value);
}

static gboolean
not_busy (gpointer data)
{
  return !falstaff_file_row_get_busy (data);
}

static gboolean
has_message (gpointer data)
{
  return falstaff_file_row_get_message (data) != NULL;
}

static void
wait_idle (FalstaffFileRow *row)
{
  g_assert_true (falstaff_test_wait_until (not_busy, row, 30000));
}

static const char *
value_string (Fixture    *fixture,
              const char *field)
{
  JsonNode *value = fal_form_model_get_value (fixture->model, field);

  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return NULL;
  return json_node_get_string (value);
}

/* The item's upload reached its end: all bytes sent, DONE, the URL in
 * the model. */
static void
assert_uploaded (Fixture    *fixture,
                 const char *field,
                 guint       index,
                 guint64     size)
{
  FalUpload *upload = falstaff_file_row_get_item_upload (fixture->row, index);
  g_autofree char *prefix = g_strconcat (fal_local_server_get_url (server), "/cdn/files/", NULL);

  g_assert_nonnull (upload);
  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_DONE);
  g_assert_cmpuint (fal_upload_get_bytes_total (upload), ==, size);
  g_assert_cmpuint (fal_upload_get_bytes_sent (upload), ==, fal_upload_get_bytes_total (upload));
  g_assert_true (g_str_has_prefix (fal_upload_get_url (upload), prefix));
  g_assert_cmpstr (falstaff_file_row_get_item_url (fixture->row, index), ==, fal_upload_get_url (upload));
  if (field)
    g_assert_cmpstr (value_string (fixture, field), ==, fal_upload_get_url (upload));
}

/* Of a file in the test folder, or at an absolute path. */
static guint64
file_size (const char *name)
{
  g_autofree char *path = g_path_is_absolute (name) ? g_strdup (name) : test_file (name);
  GStatBuf buf;

  g_assert_cmpint (g_stat (path, &buf), ==, 0);
  return buf.st_size;
}

static GdkTexture *
load_texture (const char *name)
{
  g_autoptr(GFile) file = test_gfile (name);
  g_autoptr(GError) error = NULL;
  GdkTexture *texture = gdk_texture_new_from_file (file, &error);

  g_assert_no_error (error);
  return texture;
}

static JsonObject *
run_endpoint (Fixture    *fixture,
              const char *endpoint_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = fal_form_model_build_body (fixture->model, &error);
  g_autoptr(JsonNode) output = NULL;
  Wait wait = { 0 };

  g_assert_no_error (error);
  fal_client_run_async (client, endpoint_id, body, NULL, NULL, wait_cb, &wait);
  output = fal_client_run_finish (client, wait_result (&wait, 60000), NULL, &error);
  g_clear_object (&wait.result);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (output));
  return json_object_ref (json_node_get_object (output));
}

static void
set_text (Fixture    *fixture,
          const char *field,
          const char *text)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_VALUE);

  json_node_set_string (node, text);
  g_assert_true (fal_form_model_set_value (fixture->model, field, node));
}

/* ------------------------------------------------------------------ fixtures on disk */

static void
write_png (const char *name,
           int         width,
           int         height)
{
  g_autofree char *path = test_file (name);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  guchar *pixels = g_malloc ((gsize) width * height * 4);

  /* A gradient with a square, so the image has something to show. */
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guchar *p = pixels + ((gsize) y * width + x) * 4;
        gboolean square = x > width / 3 && x < 2 * width / 3 && y > height / 4 && y < 3 * height / 4;

        p[0] = square ? 230 : (guchar) (x * 255 / width);
        p[1] = square ? 120 : (guchar) (y * 255 / height);
        p[2] = square ? 40 : 180;
        p[3] = 255;
      }
  bytes = g_bytes_new_take (pixels, (gsize) width * height * 4);
  texture = gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, (gsize) width * 4);
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

static void
put_le16 (GByteArray *array,
          guint       value)
{
  guint8 b[2] = { value & 0xff, (value >> 8) & 0xff };

  g_byte_array_append (array, b, 2);
}

static void
put_le32 (GByteArray *array,
          guint32     value)
{
  guint8 b[4] = { value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >> 24) & 0xff };

  g_byte_array_append (array, b, 4);
}

/* 16-bit mono PCM: a 440 Hz tone. */
static void
write_wav (const char *name,
           double      seconds)
{
  g_autofree char *path = test_file (name);
  g_autoptr(GByteArray) wav = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  guint rate = 16000;
  guint n = (guint) (seconds * rate);

  g_byte_array_append (wav, (const guint8 *) "RIFF", 4);
  put_le32 (wav, 36 + n * 2);
  g_byte_array_append (wav, (const guint8 *) "WAVEfmt ", 8);
  put_le32 (wav, 16);
  put_le16 (wav, 1);
  put_le16 (wav, 1);
  put_le32 (wav, rate);
  put_le32 (wav, rate * 2);
  put_le16 (wav, 2);
  put_le16 (wav, 16);
  g_byte_array_append (wav, (const guint8 *) "data", 4);
  put_le32 (wav, n * 2);
  for (guint i = 0; i < n; i++)
    put_le16 (wav, (guint16) (gint16) (8000 * sin (2 * G_PI * 440 * i / rate)));
  g_assert_true (g_file_set_contents (path, (const char *) wav->data, wav->len, &error));
}

static void
write_text (const char *name,
            const char *contents)
{
  g_autofree char *path = test_file (name);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, contents, -1, &error));
}

/* ------------------------------------------------------------------ tests */

static void
count_cb (guint *count)
{
  (*count)++;
}

static gboolean
upload_started (gpointer data)
{
  FalstaffFileRow *row = data;

  return falstaff_file_row_get_n_items (row) > 0 && falstaff_file_row_get_item_upload (row, 0) &&
         fal_upload_get_state (falstaff_file_row_get_item_upload (row, 0)) == FAL_UPLOAD_UPLOADING;
}

static void
test_drop_file_list (void)
{
  g_autoptr(Fixture) fixture = fixture_new ("fal-ai/fast-sdxl/image-to-image", "image_url");
  g_autofree char *shot = NULL;
  guint busy_notified = 0;
  FalUpload *upload;

  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 0);
  g_assert_null (value_string (fixture, "image_url"));
  g_signal_connect_swapped (fixture->row, "notify::busy", G_CALLBACK (count_cb), &busy_notified);

  /* The PUT waits 2 s at the server: the upload is seen in flight. */
  add_fault ("PUT", "^/cdn/upload", 1, "stall=2000");
  g_assert_true (drop_file (fixture->row, "photo.png"));
  g_assert_true (falstaff_file_row_get_busy (fixture->row));
  g_assert_cmpuint (busy_notified, ==, 1);
  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 1);
  g_assert_true (falstaff_test_wait_until (upload_started, fixture->row, 10000));
  upload = falstaff_file_row_get_item_upload (fixture->row, 0);
  g_assert_cmpuint (fal_upload_get_bytes_total (upload), ==, file_size ("photo.png"));
  /* Not in the model until it is done. */
  g_assert_null (value_string (fixture, "image_url"));
  shot = falstaff_test_screenshot (fixture->window, "drop-in-progress");

  wait_idle (fixture->row);
  g_assert_cmpuint (busy_notified, ==, 2);
  assert_uploaded (fixture, "image_url", 0, file_size ("photo.png"));
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 0), ==, "photo.png");
  g_assert_null (falstaff_file_row_get_message (fixture->row));
  g_assert_false (falstaff_file_row_get_failed (fixture->row));

  /* A single-file field: a second file replaces the first. */
  g_assert_true (drop_file (fixture->row, "second.png"));
  wait_idle (fixture->row);
  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 1);
  assert_uploaded (fixture, "image_url", 0, file_size ("second.png"));
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 0), ==, "second.png");

  /* Removing it unsets the field. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->row), "file-row.remove", "u", 0));
  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 0);
  g_assert_null (value_string (fixture, "image_url"));
}

static void
test_drop_texture (void)
{
  g_autoptr(Fixture) fixture = fixture_new ("fal-ai/fast-sdxl/image-to-image", "image_url");
  g_autoptr(GdkTexture) texture = load_texture ("photo.png");
  g_autofree char *drops = g_build_filename (g_get_user_cache_dir (), "falstaff", "drops", NULL);
  g_autofree char *path = NULL;
  g_autoptr(GdkTexture) saved = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  GFile *file;

  g_value_init (&value, GDK_TYPE_TEXTURE);
  g_value_set_object (&value, texture);
  g_assert_true (drop (fixture->row, &value));
  wait_idle (fixture->row);

  /* Saved as a PNG in the cache, then uploaded like any file. */
  file = falstaff_file_row_get_item_file (fixture->row, 0);
  g_assert_nonnull (file);
  path = g_file_get_path (file);
  g_assert_true (g_str_has_prefix (path, drops));
  g_assert_true (g_str_has_suffix (path, ".png"));
  saved = gdk_texture_new_from_file (file, NULL);
  g_assert_nonnull (saved);
  g_assert_cmpint (gdk_texture_get_width (saved), ==, PNG_WIDTH);
  g_assert_cmpint (gdk_texture_get_height (saved), ==, PNG_HEIGHT);
  assert_uploaded (fixture, "image_url", 0, file_size (path));
}

static void
test_drop_url (void)
{
  g_autoptr(Fixture) fixture = fixture_new ("fal-ai/fast-sdxl/image-to-image", "image_url");
  g_autoptr(Fixture) list = fixture_new_with_model (model_from_fixture ("fal-ai/flux-general/image-to-image"), "image_urls");
  g_autoptr(GFile) web_file = g_file_new_for_uri ("https://example.com/from-a-browser.png");
  g_auto(GValue) value = G_VALUE_INIT;
  JsonNode *urls;

  g_autoptr(JsonNode) cleared = control ("DELETE", "/__control/requests", NULL, 204);

  /* One link, as text: the value is that link; nothing is uploaded. */
  g_assert_true (drop_text (fixture->row, "https://example.com/pictures/cat.png"));
  g_assert_false (falstaff_file_row_get_busy (fixture->row));
  g_assert_cmpstr (value_string (fixture, "image_url"), ==, "https://example.com/pictures/cat.png");
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 0), ==, "cat.png");
  g_assert_null (falstaff_file_row_get_item_upload (fixture->row, 0));

  /* A browser's uri-list as a file list: the http file is a link too,
   * never read. */
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (&web_file, 1));
  g_assert_true (drop (fixture->row, &value));
  g_assert_cmpstr (value_string (fixture, "image_url"), ==, "https://example.com/from-a-browser.png");

  /* A uri-list of two links on a list field keeps their order. */
  g_assert_true (drop_text (list->row, "# dragged\r\nhttps://example.com/a.png\r\nhttps://example.com/b.jpg\r\n"));
  urls = fal_form_model_get_value (list->model, "image_urls");
  g_assert_true (JSON_NODE_HOLDS_ARRAY (urls));
  g_assert_cmpuint (json_array_get_length (json_node_get_array (urls)), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (json_node_get_array (urls), 0), ==, "https://example.com/a.png");
  g_assert_cmpstr (json_array_get_string_element (json_node_get_array (urls), 1), ==, "https://example.com/b.jpg");

  /* A link to audio on an image field is refused. */
  g_assert_false (drop_text (fixture->row, "https://example.com/song.mp3"));
  g_assert_nonnull (strstr (falstaff_file_row_get_message (fixture->row), "song.mp3"));
  g_assert_cmpstr (value_string (fixture, "image_url"), ==, "https://example.com/from-a-browser.png");

  g_assert_cmpuint (count_requests ("POST", "/storage/upload/initiate"), ==, 0);
  g_assert_cmpuint (count_requests ("PUT", "/cdn/upload"), ==, 0);
}

static void
test_paste (void)
{
  g_autoptr(Fixture) fixture = fixture_new ("fal-ai/fast-sdxl/image-to-image", "image_url");
  g_autoptr(GdkTexture) texture = load_texture ("photo.png");
  GdkClipboard *clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fixture->row));
  g_autoptr(GdkContentProvider) files = NULL;
  g_autoptr(GFile) file = test_gfile ("second.png");
  g_auto(GValue) value = G_VALUE_INIT;
  g_autofree char *drops = g_build_filename (g_get_user_cache_dir (), "falstaff", "drops", NULL);

  gdk_clipboard_set_texture (clipboard, texture);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->row), "file-row.paste", NULL));
  g_assert_true (falstaff_file_row_get_busy (fixture->row));
  wait_idle (fixture->row);
  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 1);
  g_assert_true (g_str_has_prefix (g_file_peek_path (falstaff_file_row_get_item_file (fixture->row, 0)), drops));
  assert_uploaded (fixture, "image_url", 0, file_size (g_file_peek_path (falstaff_file_row_get_item_file (fixture->row, 0))));

  /* A file copied in a file manager. */
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (&file, 1));
  files = gdk_content_provider_new_for_value (&value);
  g_assert_true (gdk_clipboard_set_content (clipboard, files));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->row), "file-row.paste", NULL));
  wait_idle (fixture->row);
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 0), ==, "second.png");
  assert_uploaded (fixture, "image_url", 0, file_size ("second.png"));

  /* A link copied as text. */
  gdk_clipboard_set_text (clipboard, "https://example.com/copied.png");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->row), "file-row.paste", NULL));
  wait_idle (fixture->row);
  g_assert_cmpstr (value_string (fixture, "image_url"), ==, "https://example.com/copied.png");
}

static void
test_chooser (void)
{
  g_autoptr(Fixture) fixture = fixture_new_with_model (model_from_fixture ("fal-ai/flux-general/image-to-image"), "image_urls");
  g_autoptr(GListStore) chosen = g_list_store_new (G_TYPE_FILE);
  GtkFileChooserNative *chooser;
  GtkFileFilter *filter;
  g_autoptr(GVariant) serialized = NULL;
  g_autofree char *filter_text = NULL;
  g_autoptr(GListModel) filters = NULL;
  JsonArray *urls;

  g_assert_null (falstaff_file_row_get_chooser (fixture->row));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->row), "file-row.choose", NULL));
  chooser = falstaff_file_row_get_chooser (fixture->row);
  g_assert_true (GTK_IS_FILE_CHOOSER_NATIVE (chooser));
  g_assert_true (gtk_file_chooser_get_select_multiple (GTK_FILE_CHOOSER (chooser)));
  g_assert_cmpint (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)), ==, GTK_FILE_CHOOSER_ACTION_OPEN);
  g_assert_true (gtk_native_dialog_get_transient_for (GTK_NATIVE_DIALOG (chooser)) == GTK_WINDOW (fixture->window));
  /* Images first, then all files. */
  filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (chooser));
  g_assert_nonnull (filter);
  serialized = gtk_file_filter_to_gvariant (filter);
  filter_text = g_variant_print (serialized, FALSE);
  g_assert_cmpstr (filter_text, ==, "('Images', [(1, 'image/*')])");
  filters = gtk_file_chooser_get_filters (GTK_FILE_CHOOSER (chooser));
  g_assert_cmpuint (g_list_model_get_n_items (filters), ==, 2);

  /* What the chooser's response does with what was chosen: two files,
   * uploaded and kept in the order chosen. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GFile) file = test_gfile (i == 0 ? "second.png" : "photo.png");
      g_list_store_append (chosen, file);
    }
  falstaff_file_row_add_files (fixture->row, G_LIST_MODEL (chosen));
  wait_idle (fixture->row);
  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 2);
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 0), ==, "second.png");
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 1), ==, "photo.png");
  assert_uploaded (fixture, NULL, 0, file_size ("second.png"));
  assert_uploaded (fixture, NULL, 1, file_size ("photo.png"));
  urls = json_node_get_array (fal_form_model_get_value (fixture->model, "image_urls"));
  g_assert_cmpuint (json_array_get_length (urls), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (urls, 0), ==, falstaff_file_row_get_item_url (fixture->row, 0));
  g_assert_cmpstr (json_array_get_string_element (urls, 1), ==, falstaff_file_row_get_item_url (fixture->row, 1));

  /* Closing the chooser lets it go. */
  g_signal_emit_by_name (chooser, "response", GTK_RESPONSE_CANCEL);
  g_assert_null (falstaff_file_row_get_chooser (fixture->row));

  /* An audio field's chooser shows audio files, one at a time. */
  {
    g_autoptr(Fixture) whisper = fixture_new ("fal-ai/whisper", "audio_url");
    g_autoptr(GVariant) audio = NULL;
    g_autofree char *audio_text = NULL;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (whisper->row), "file-row.choose", NULL));
    chooser = falstaff_file_row_get_chooser (whisper->row);
    g_assert_false (gtk_file_chooser_get_select_multiple (GTK_FILE_CHOOSER (chooser)));
    audio = gtk_file_filter_to_gvariant (gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (chooser)));
    audio_text = g_variant_print (audio, FALSE);
    g_assert_cmpstr (audio_text, ==, "('Audio', [(1, 'audio/*')])");
    g_signal_emit_by_name (chooser, "response", GTK_RESPONSE_CANCEL);
  }
}

/* The buttons with this action, in the order they are shown. */
static void
find_buttons (GtkWidget  *widget,
              const char *action,
              GPtrArray  *found)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_BUTTON (child) && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (child)), action) == 0)
        g_ptr_array_add (found, child);
      find_buttons (child, action, found);
    }
}

static void
test_list_order (void)
{
  g_autoptr(Fixture) fixture = fixture_new_with_model (model_from_fixture ("fal-ai/flux-general/image-to-image"), "image_urls");
  const char *names[] = { "c.png", "a.png", "b.png", NULL };
  JsonArray *urls;

  g_assert_true (drop_files (fixture->row, names));
  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 3);
  wait_idle (fixture->row);
  urls = json_node_get_array (fal_form_model_get_value (fixture->model, "image_urls"));
  g_assert_cmpuint (json_array_get_length (urls), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, i), ==, names[i]);
      assert_uploaded (fixture, NULL, i, file_size (names[i]));
      g_assert_cmpstr (json_array_get_string_element (urls, i), ==, falstaff_file_row_get_item_url (fixture->row, i));
    }

  /* The schema allows four: the fifth is refused on the field. */
  g_assert_true (drop_files (fixture->row, (const char * const[]) { "photo.png", "second.png", NULL }));
  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 4);
  g_assert_cmpstr (falstaff_file_row_get_message (fixture->row), ==, "This field takes at most 4 files");
  wait_idle (fixture->row);

  /* Removing the second keeps the others in order. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->row), "file-row.remove", "u", 1));
  urls = json_node_get_array (fal_form_model_get_value (fixture->model, "image_urls"));
  g_assert_cmpuint (json_array_get_length (urls), ==, 3);
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 0), ==, "c.png");
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 1), ==, "b.png");
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 2), ==, "photo.png");
  /* Taking one out answers "at most 4". */
  g_assert_null (falstaff_file_row_get_message (fixture->row));

  /* The buttons of each line are named by the field and the place, the
   * file's name their description. */
  {
    g_autoptr(GPtrArray) buttons = g_ptr_array_new ();

    find_buttons (GTK_WIDGET (fixture->row), "file-row.remove", buttons);
    g_assert_cmpuint (buttons->len, ==, 3);
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (g_ptr_array_index (buttons, 1)), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                         "Remove image 2 for Image URLs");
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (g_ptr_array_index (buttons, 1)), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                         "b.png");
  }
}

static void
test_refused (void)
{
  g_autoptr(Fixture) whisper = fixture_new ("fal-ai/whisper", "audio_url");
  g_autoptr(Fixture) image = fixture_new ("fal-ai/llavav15-13b", "image_url");
  g_autoptr(GdkTexture) texture = load_texture ("photo.png");
  g_auto(GValue) value = G_VALUE_INIT;

  g_autoptr(JsonNode) cleared = control ("DELETE", "/__control/requests", NULL, 204);

  /* Wrong media: a picture for whisper; its content decides, not a
   * misleading name. */
  g_assert_true (drop_file (whisper->row, "photo.png"));
  g_assert_true (falstaff_test_wait_until (has_message, whisper->row, 10000));
  wait_idle (whisper->row);
  g_assert_cmpstr (falstaff_file_row_get_message (whisper->row), ==, "“photo.png” is not an audio file (PNG image)");
  g_assert_cmpuint (falstaff_file_row_get_n_items (whisper->row), ==, 0);
  g_assert_null (value_string (whisper, "audio_url"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (whisper->row), "error"));

  g_assert_true (drop_file (whisper->row, "sound.png"));
  wait_idle (whisper->row);
  g_assert_null (falstaff_file_row_get_message (whisper->row));
  g_assert_cmpuint (falstaff_file_row_get_n_items (whisper->row), ==, 1);
  g_assert_cmpstr (falstaff_file_row_get_item_name (whisper->row, 0), ==, "sound.png");

  g_value_init (&value, GDK_TYPE_TEXTURE);
  g_value_set_object (&value, texture);
  g_assert_false (drop (whisper->row, &value));
  g_assert_cmpstr (falstaff_file_row_get_message (whisper->row), ==,
                   "An image does not fit here: this field takes an audio file");

  g_assert_true (drop_file (image->row, "notes.txt"));
  g_assert_true (falstaff_test_wait_until (has_message, image->row, 10000));
  g_assert_cmpstr (falstaff_file_row_get_message (image->row), ==, "“notes.txt” is not an image (plain text document)");

  /* Empty, missing, a folder, too big. */
  g_assert_true (drop_file (image->row, "empty.png"));
  g_assert_true (falstaff_test_wait_until (has_message, image->row, 10000));
  g_assert_cmpstr (falstaff_file_row_get_message (image->row), ==, "“empty.png” is empty (0 bytes)");

  g_assert_true (drop_file (image->row, "missing.png"));
  g_assert_true (falstaff_test_wait_until (has_message, image->row, 10000));
  g_assert_cmpstr (falstaff_file_row_get_message (image->row), ==, "“missing.png” was not found");

  g_assert_true (drop_file (image->row, "folder.png"));
  g_assert_true (falstaff_test_wait_until (has_message, image->row, 10000));
  g_assert_cmpstr (falstaff_file_row_get_message (image->row), ==, "“folder.png” is a folder, not a file");

  g_assert_true (drop_file (image->row, "huge.png"));
  g_assert_true (falstaff_test_wait_until (has_message, image->row, 10000));
  g_assert_cmpstr (falstaff_file_row_get_message (image->row), ==,
                   "“huge.png” is too big: files up to 1.0\u00a0GiB can be used here");
  wait_idle (image->row);
  g_assert_cmpuint (falstaff_file_row_get_n_items (image->row), ==, 0);

  /* Text that is no link. */
  g_assert_false (drop_text (image->row, "a cat on a mat"));
  g_assert_cmpstr (falstaff_file_row_get_message (image->row), ==, "“a cat on a mat” is not a link to a file");

  /* Nothing refused was sent anywhere. */
  g_assert_cmpuint (count_requests ("POST", "/storage/upload/initiate"), ==, 1);
}

static void
wait_row_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  GError **error = user_data;

  if (!falstaff_file_row_wait_finish (FALSTAFF_FILE_ROW (source), result, error))
    g_assert_nonnull (*error);
  else
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_EXISTS, "fine");
}

static gboolean
error_set (gpointer data)
{
  return *(GError **) data != NULL;
}

static void
test_failed_upload (void)
{
  g_autoptr(Fixture) fixture = fixture_new ("fal-ai/llavav15-13b", "image_url");
  g_autoptr(GError) waited = NULL;
  g_autoptr(GError) waited_again = NULL;
  const char *error;

  add_fault ("PUT", "^/cdn/upload", 1, "status=500");
  g_assert_true (drop_file (fixture->row, "photo.png"));
  /* Run waits for the row: here, it learns the upload failed. */
  falstaff_file_row_wait_async (fixture->row, NULL, wait_row_cb, &waited);
  g_assert_true (falstaff_test_wait_until (error_set, &waited, 30000));
  g_assert_error (waited, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_true (falstaff_file_row_get_failed (fixture->row));
  error = falstaff_file_row_get_item_error (fixture->row, 0);
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error, "“photo.png” was not uploaded: "));
  g_assert_cmpstr (waited->message, ==, error);
  g_assert_cmpint (fal_upload_get_state (falstaff_file_row_get_item_upload (fixture->row, 0)), ==, FAL_UPLOAD_FAILED);
  g_assert_null (value_string (fixture, "image_url"));

  /* A Run without the file put the form's error on the row. */
  falstaff_file_row_set_message (fixture->row, "Field required");
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (fixture->row), "error"));

  /* Retry: the server answers this time, and the error has its answer. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->row), "file-row.retry", "u", 0));
  g_assert_null (falstaff_file_row_get_message (fixture->row));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (fixture->row), "error"));
  g_assert_true (falstaff_file_row_get_busy (fixture->row));
  g_assert_false (falstaff_file_row_get_failed (fixture->row));
  falstaff_file_row_wait_async (fixture->row, NULL, wait_row_cb, &waited_again);
  g_assert_true (falstaff_test_wait_until (error_set, &waited_again, 30000));
  g_assert_error (waited_again, G_IO_ERROR, G_IO_ERROR_EXISTS);   /* wait_finish gave TRUE */
  g_assert_null (falstaff_file_row_get_item_error (fixture->row, 0));
  assert_uploaded (fixture, "image_url", 0, file_size ("photo.png"));
}

static void
test_image_to_image (void)
{
  g_autoptr(Fixture) fixture = fixture_new ("fal-ai/fast-sdxl/image-to-image", "image_url");
  g_autoptr(JsonObject) output = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *image;

  g_assert_true (drop_file (fixture->row, "photo.png"));
  wait_idle (fixture->row);
  assert_uploaded (fixture, "image_url", 0, file_size ("photo.png"));
  set_text (fixture, "prompt", "the same scene as a watercolour");
  output = run_endpoint (fixture, "fal-ai/fast-sdxl/image-to-image");

  /* No image_size: the output takes the uploaded picture's size. */
  image = json_array_get_object_element (json_object_get_array_member (output, "images"), 0);
  g_assert_cmpint (json_object_get_int_member (image, "width"), ==, PNG_WIDTH);
  g_assert_cmpint (json_object_get_int_member (image, "height"), ==, PNG_HEIGHT);
  png = download (json_object_get_string_member (image, "url"));
  texture = gdk_texture_new_from_bytes (png, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (texture), ==, PNG_WIDTH);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, PNG_HEIGHT);
}

static void
test_vision (void)
{
  g_autoptr(Fixture) fixture = fixture_new ("fal-ai/llavav15-13b", "image_url");
  g_autoptr(GdkTexture) texture = load_texture ("photo.png");
  g_autoptr(JsonObject) output = NULL;
  g_autofree char *size = g_strdup_printf ("%d × %d", PNG_WIDTH, PNG_HEIGHT);
  g_auto(GValue) value = G_VALUE_INIT;

  /* The picture arrives as a browser image would: a texture. */
  g_value_init (&value, GDK_TYPE_TEXTURE);
  g_value_set_object (&value, texture);
  g_assert_true (drop (fixture->row, &value));
  wait_idle (fixture->row);
  g_assert_nonnull (value_string (fixture, "image_url"));
  set_text (fixture, "prompt", "Describe the picture");
  output = run_endpoint (fixture, "fal-ai/llavav15-13b");
  g_assert_nonnull (strstr (json_object_get_string_member (output, "output"), size));
}

static void
test_whisper (void)
{
  g_autoptr(Fixture) fixture = fixture_new ("fal-ai/whisper", "audio_url");
  g_autoptr(JsonObject) output = NULL;

  g_assert_true (drop_file (fixture->row, "speech.wav"));
  wait_idle (fixture->row);
  g_assert_null (falstaff_file_row_get_message (fixture->row));
  assert_uploaded (fixture, "audio_url", 0, file_size ("speech.wav"));
  output = run_endpoint (fixture, "fal-ai/whisper");
  g_assert_nonnull (strstr (json_object_get_string_member (output, "text"), "1.50 seconds"));
}

static void
test_window_drop (void)
{
  g_autoptr(Fixture) whisper = fixture_new ("fal-ai/whisper", "audio_url");
  g_autoptr(Fixture) vision = fixture_new ("fal-ai/llavav15-13b", "image_url");
  g_autoptr(Fixture) list = fixture_new_with_model (model_from_fixture ("fal-ai/flux-general/image-to-image"), "image_urls");
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GFile) wav = test_gfile ("speech.wav");
  g_autoptr(GFile) png = test_gfile ("photo.png");
  g_auto(GValue) audio = G_VALUE_INIT;
  g_auto(GValue) image = G_VALUE_INIT;

  g_ptr_array_add (rows, whisper->row);
  g_ptr_array_add (rows, vision->row);
  g_ptr_array_add (rows, list->row);
  g_value_init (&audio, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&audio, gdk_file_list_new_from_array (&wav, 1));
  g_value_init (&image, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&image, gdk_file_list_new_from_array (&png, 1));

  /* An image goes to the first empty image field, not the audio one. */
  g_assert_true (falstaff_file_drop_find_row (rows, &image) == vision->row);
  g_assert_true (falstaff_file_drop_deliver (rows, &image));
  g_assert_cmpuint (falstaff_file_row_get_n_items (vision->row), ==, 1);
  /* Then to the list, which has room. */
  g_assert_true (falstaff_file_drop_find_row (rows, &image) == list->row);
  g_assert_true (falstaff_file_drop_find_row (rows, &audio) == whisper->row);
  g_assert_true (falstaff_file_drop_deliver (rows, &audio));
  wait_idle (whisper->row);
  wait_idle (vision->row);
  assert_uploaded (whisper, "audio_url", 0, file_size ("speech.wav"));
  assert_uploaded (vision, "image_url", 0, file_size ("photo.png"));
  /* Nowhere left for audio. */
  g_assert_null (falstaff_file_drop_find_row (rows, &audio));
  g_assert_false (falstaff_file_drop_deliver (rows, &audio));
}

/* The form's value from elsewhere (a reset, a restored form) shows as
 * links, and a reset clears the row. */
static void
test_model_value (void)
{
  g_autoptr(FalFormModel) model = model_for ("fal-ai/llavav15-13b");
  g_autoptr(JsonNode) url = json_node_new (JSON_NODE_VALUE);
  g_autoptr(Fixture) fixture = NULL;

  json_node_set_string (url, "https://example.com/kept.png");
  fal_form_model_set_value (model, "image_url", url);
  fixture = fixture_new_with_model (g_object_ref (model), "image_url");
  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 1);
  g_assert_cmpstr (falstaff_file_row_get_item_name (fixture->row, 0), ==, "kept.png");
  g_assert_cmpstr (falstaff_file_row_get_item_url (fixture->row, 0), ==, "https://example.com/kept.png");
  fal_form_model_reset (model);
  g_assert_cmpuint (falstaff_file_row_get_n_items (fixture->row), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *folder = NULL;
  g_autofree char *huge = NULL;
  int status;
  int fd;

  g_unsetenv ("FAL_KEY");
  g_unsetenv ("FAL_KEY_ID");
  g_unsetenv ("FAL_KEY_SECRET");
  g_unsetenv ("FALSTAFF_LOCAL_URL");
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  data_dir = g_dir_make_tmp ("falstaff-file-row-XXXXXX", &error);
  g_assert_no_error (error);
  files_dir = g_build_filename (data_dir, "files", NULL);
  schema_dir = g_build_filename (data_dir, "schemas", NULL);
  g_mkdir_with_parents (files_dir, 0700);
  {
    g_autofree char *server_dir = g_build_filename (data_dir, "server", NULL);

    g_mkdir_with_parents (server_dir, 0700);
    server = g_object_new (FAL_LOCAL_TYPE_SERVER, "port", 0, "key", FAL_LOCAL_DEFAULT_KEY,
                           "speed", 20.0, "data-dir", server_dir, NULL);
  }
  g_assert_true (fal_local_server_start (server, &error));
  client = fal_client_new ();
  fal_client_use_local_server (client, fal_local_server_get_url (server));
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  session = g_object_new (SOUP_TYPE_SESSION, "proxy-resolver", NULL, NULL);

  write_png ("photo.png", PNG_WIDTH, PNG_HEIGHT);
  write_png ("second.png", 96, 64);
  write_png ("a.png", 40, 40);
  write_png ("b.png", 50, 50);
  write_png ("c.png", 60, 60);
  write_wav ("speech.wav", WAV_SECONDS);
  /* A recording named like a picture: its bytes say it is audio. */
  write_wav ("sound.png", 0.5);
  write_text ("notes.txt", "Not a picture at all.\n");
  write_text ("empty.png", "");
  folder = test_file ("folder.png");
  g_mkdir (folder, 0700);
  /* 1 GiB and a byte, sparse: nothing is written. */
  huge = test_file ("huge.png");
  fd = g_open (huge, O_CREAT | O_WRONLY, 0600);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, FALSTAFF_FILE_ROW_MAX_SIZE + 1), ==, 0);
  g_close (fd, NULL);

  g_test_add_func ("/ui/file-row/drop-file-list", test_drop_file_list);
  g_test_add_func ("/ui/file-row/drop-texture", test_drop_texture);
  g_test_add_func ("/ui/file-row/drop-url", test_drop_url);
  g_test_add_func ("/ui/file-row/paste", test_paste);
  g_test_add_func ("/ui/file-row/chooser", test_chooser);
  g_test_add_func ("/ui/file-row/list-order", test_list_order);
  g_test_add_func ("/ui/file-row/refused", test_refused);
  g_test_add_func ("/ui/file-row/failed-upload-retry", test_failed_upload);
  g_test_add_func ("/ui/file-row/image-to-image", test_image_to_image);
  g_test_add_func ("/ui/file-row/vision", test_vision);
  g_test_add_func ("/ui/file-row/whisper", test_whisper);
  g_test_add_func ("/ui/file-row/window-drop", test_window_drop);
  g_test_add_func ("/ui/file-row/model-value", test_model_value);
  status = g_test_run ();

  soup_session_abort (session);
  g_clear_object (&session);
  g_clear_object (&client);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  fal_local_server_stop (server);
  g_clear_object (&server);
  g_unlink (huge);
  return status;
}
