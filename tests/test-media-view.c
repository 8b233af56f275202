/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <cairo.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "fal.h"
#include "fal-local-media.h"
#include "fal-local-server.h"

#include "fal-file-name.h"
#include "falstaff-media-view.h"
#include "falstaff-output-actions.h"
#include "falstaff-png-metadata.h"
#include "falstaff-zoom-view.h"
#include "falstaff-zoom-window.h"
#include "ui-test-utils.h"

/* Media outputs and keeping them: video and audio from the local fal
 * server played through GStreamer (asserting the streams' state, not
 * sound), a non-media file reported as such, the zoom view on a 4096²
 * image drawing only viewport-sized frames, and saving with PNG text
 * chunks. */

static FalLocalServer *server;
static FalClient *client;
static SoupServer *files;       /* serves what the fal server would not */
static char *files_url;
static SoupSession *session;    /* without any key, as the app's media session */

/* ------------------------------------------------------------------ helpers */

static gboolean
result_ready (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_for_result (GAsyncResult **slot,
                 guint          timeout_ms)
{
  g_assert_true (falstaff_test_wait_until (result_ready, slot, timeout_ms));
  return *slot;
}

/* Runs an endpoint on the local server and returns its output. */
static JsonNode *
run_endpoint (const char  *endpoint_id,
              const char  *input_json,
              char       **request_id)
{
  g_autoptr(JsonNode) input = json_from_string (input_json, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *output;

  g_assert_nonnull (input);
  fal_client_run_async (client, endpoint_id, input, NULL, NULL, store_result_cb, &result);
  wait_for_result (&result, 60000);
  output = fal_client_run_finish (client, result, request_id, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (output));
  return output;
}

static JsonObject *
member_object (JsonNode   *output,
               const char *name)
{
  JsonObject *object = fal_json_get_object (json_node_get_object (output), name);

  g_assert_nonnull (object);
  g_assert_nonnull (fal_json_get_string (object, "url"));
  return object;
}

static GtkWindow *
window_with (GtkWidget *child,
             int        width,
             int        height)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());

  gtk_window_set_default_size (window, width, height);
  gtk_window_set_child (window, child);
  gtk_window_present (window);
  return window;
}

static gboolean
media_settled (gpointer data)
{
  FalstaffMediaView *view = data;
  GtkMediaStream *stream = falstaff_media_view_get_stream (view);

  if (g_str_equal (falstaff_media_view_get_state (view), "error"))
    return TRUE;
  return stream && (gtk_media_stream_is_prepared (stream) || gtk_media_stream_get_error (stream));
}

/* Fails (never skips) when the stream errors: GStreamer and its good
 * plugins are part of the test environment. */
static GtkMediaStream *
wait_prepared (FalstaffMediaView *view)
{
  GtkMediaStream *stream;

  g_assert_true (falstaff_test_wait_until (media_settled, view, 30000));
  if (falstaff_media_view_get_error_message (view))
    g_error ("The media view shows an error: %s", falstaff_media_view_get_error_message (view));
  stream = falstaff_media_view_get_stream (view);
  g_assert_nonnull (stream);
  g_assert_no_error (gtk_media_stream_get_error (stream));
  g_assert_true (gtk_media_stream_is_prepared (stream));
  return stream;
}

static GBytes *
small_png (void)
{
  g_autoptr(GError) error = NULL;
  GBytes *png = fal_local_media_render_image ("a small test picture", 3, 0, 64, 48, &error);

  g_assert_no_error (error);
  return png;
}

static void
files_handler (SoupServer        *soup_server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           data)
{
  if (g_str_equal (path, "/not-a-video.avi"))
    {
      static const char text[] = "This is a plain text file, not an AVI, whatever its type says.\n";

      soup_server_message_set_response (msg, "video/x-msvideo", SOUP_MEMORY_STATIC, text, sizeof text - 1);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }
  else if (g_str_equal (path, "/picture.png"))
    {
      g_autoptr(GBytes) png = small_png ();
      gsize size;
      const char *bytes = g_bytes_get_data (png, &size);

      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_COPY, bytes, size);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

/* ------------------------------------------------------------------ PNG text, names */

static void
test_png_text (void)
{
  g_autoptr(GBytes) png = small_png ();
  g_autoptr(GBytes) once = NULL;
  g_autoptr(GBytes) twice = NULL;
  g_autoptr(GHashTable) text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr(GByteArray) corrupt = NULL;
  g_autoptr(GBytes) corrupt_bytes = NULL;
  const char *pairs[] = {
    "Software", "Falstaff",
    "fal:endpoint", "fal-ai/fast-sdxl",
    "fal:seed", "42",
    "fal:inputs", "{\"prompt\": \"café au lait\"}",          /* Latin-1: tEXt */
    "Comment", "ライトハウス 🌅",                              /* not Latin-1: iTXt */
    "Empty", "",                                              /* skipped */
    NULL
  };
  const char *again[] = { "fal:seed", "43", NULL };
  const char *bad_key[] = { " leading space", "x", NULL };

  once = falstaff_png_add_text (png, pairs, &error);
  g_assert_no_error (error);
  text = falstaff_png_read_text (once, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (text, "Software"), ==, "Falstaff");
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:endpoint"), ==, "fal-ai/fast-sdxl");
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:seed"), ==, "42");
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:inputs"), ==, "{\"prompt\": \"café au lait\"}");
  g_assert_cmpstr (g_hash_table_lookup (text, "Comment"), ==, "ライトハウス 🌅");
  g_assert_false (g_hash_table_contains (text, "Empty"));
  /* Still a PNG that decoders accept (CRCs right, IEND last). */
  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, once, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (gdk_pixbuf_loader_get_pixbuf (loader)), ==, 64);
  g_clear_pointer (&text, g_hash_table_unref);

  /* Saving again replaces a key instead of repeating it. */
  twice = falstaff_png_add_text (once, again, &error);
  g_assert_no_error (error);
  text = falstaff_png_read_text (twice, &error);
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:seed"), ==, "43");
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:endpoint"), ==, "fal-ai/fast-sdxl");
  g_assert_cmpuint (g_bytes_get_size (twice), ==, g_bytes_get_size (once));

  /* A damaged chunk is noticed; bad keys and non-PNGs are refused. */
  corrupt = g_bytes_unref_to_array (g_bytes_ref (once));
  corrupt->data[corrupt->len - 20] ^= 0x55;
  corrupt_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&corrupt));
  g_assert_null (falstaff_png_read_text (corrupt_bytes, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);
  g_assert_null (falstaff_png_add_text (png, bad_key, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  {
    g_autoptr(GBytes) not_png = g_bytes_new_static ("GIF89a not a png", 16);

    g_assert_false (falstaff_png_is_png (not_png));
    g_assert_null (falstaff_png_add_text (not_png, pairs, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  }
}

static void
check_name (const char *in,
            const char *expected)
{
  g_autofree char *out = fal_file_name_sanitize (in, "output");

  g_assert_cmpstr (out, ==, expected);
}

static void
test_file_names (void)
{
  g_autofree char *a300 = g_strnfill (300, 'a');
  g_autofree char *long_name = g_strconcat (a300, ".png", NULL);
  g_autofree char *long_out = NULL;
  g_autofree char *from_url = NULL;

  check_name ("image.png", "image.png");
  check_name ("../../etc/passwd", "_.._etc_passwd");
  check_name (".hidden.png", "hidden.png");
  check_name ("...", "output");
  check_name ("", "output");
  check_name (NULL, "output");
  check_name ("a\nb\tc\x7f.png", "abc.png");
  check_name ("what?<is>*this\".png", "whatisthis.png");
  check_name ("C:\\Users\\x.png", "C__Users_x.png");
  check_name ("trailing. . ", "trailing");
  check_name ("-rf.png", "rf.png");
  check_name ("ライト ハウス.png", "ライト ハウス.png");
  check_name ("bad\xff utf8.png", "bad\xef\xbf\xbd utf8.png");
  check_name ("///", "output");
  long_out = fal_file_name_sanitize (long_name, "output");
  g_assert_cmpuint (strlen (long_out), <=, 200);
  g_assert_true (g_str_has_suffix (long_out, ".png"));

  from_url = fal_file_name_from_url ("http://127.0.0.1:1/files/abc/video-42.avi?x=1", "video/x-msvideo");
  g_assert_cmpstr (from_url, ==, "video-42.avi");
  g_free (from_url);
  from_url = fal_file_name_from_url ("https://example.com/files/a%2Fb%20c", "image/png");
  g_assert_cmpstr (from_url, ==, "a_b c.png");
  g_free (from_url);
  from_url = fal_file_name_from_url ("data:image/png;base64,AAAA", "image/png");
  g_assert_cmpstr (from_url, ==, "output.png");
  g_free (from_url);
  from_url = fal_file_name_from_url ("https://example.com/", "audio/wav");
  g_assert_cmpstr (from_url, ==, "output.wav");
}

/* ------------------------------------------------------------------ media */

static gboolean
timestamp_moved (gpointer data)
{
  return gtk_media_stream_get_timestamp (data) > 0;
}

static void
test_video (void)
{
  g_autoptr(JsonNode) output = run_endpoint ("fal-ai/minimax/video-01", "{\"prompt\": \"a paper boat on a pond\"}", NULL);
  JsonObject *video = member_object (output, "video");
  GtkWidget *view = falstaff_media_view_new (session, fal_json_get_string (video, "url"),
                                             fal_json_get_string (video, "content_type"));
  GtkWindow *window = window_with (view, 640, 480);
  GtkMediaStream *stream;
  g_autofree char *shot = NULL;

  g_assert_cmpstr (fal_json_get_string (video, "content_type"), ==, "video/x-msvideo");
  stream = wait_prepared (FALSTAFF_MEDIA_VIEW (view));
  g_assert_cmpstr (falstaff_media_view_get_state (FALSTAFF_MEDIA_VIEW (view)), ==, "video");
  g_assert_true (gtk_media_stream_has_video (stream));
  /* 3 s at 12 fps. */
  g_assert_cmpint (gtk_media_stream_get_duration (stream), >, 2 * G_USEC_PER_SEC);
  g_assert_cmpint (gtk_media_stream_get_duration (stream), <, 4 * G_USEC_PER_SEC);
  g_assert_nonnull (falstaff_media_view_get_file (FALSTAFF_MEDIA_VIEW (view)));
  g_assert_true (g_file_query_exists (falstaff_media_view_get_file (FALSTAFF_MEDIA_VIEW (view)), NULL));

  /* It decodes: played, the clock moves (the video has no sound). */
  gtk_media_stream_set_muted (stream, TRUE);
  gtk_media_stream_play (stream);
  g_assert_true (falstaff_test_wait_until (timestamp_moved, stream, 10000));
  gtk_media_stream_pause (stream);
  gtk_test_widget_wait_for_draw (view);
  shot = falstaff_test_screenshot (GTK_WIDGET (window), "video-result");
  gtk_window_destroy (window);
}

static void
test_audio (void)
{
  g_autoptr(JsonNode) output = run_endpoint ("fal-ai/stable-audio", "{\"prompt\": \"rain on a tin roof\", \"seconds_total\": 5}", NULL);
  JsonObject *audio = member_object (output, "audio_file");
  GtkWidget *view = falstaff_media_view_new (session, fal_json_get_string (audio, "url"),
                                             fal_json_get_string (audio, "content_type"));
  GtkWindow *window = window_with (view, 480, 240);
  GtkMediaStream *stream;
  GtkWidget *controls;

  stream = wait_prepared (FALSTAFF_MEDIA_VIEW (view));
  g_assert_cmpstr (falstaff_media_view_get_state (FALSTAFF_MEDIA_VIEW (view)), ==, "audio");
  g_assert_true (gtk_media_stream_has_audio (stream));
  g_assert_false (gtk_media_stream_has_video (stream));
  g_assert_cmpfloat_with_epsilon (gtk_media_stream_get_duration (stream) / (double) G_USEC_PER_SEC, 5.0, 0.1);
  /* The controls show this stream (and so its duration). */
  controls = falstaff_media_view_get_controls (FALSTAFF_MEDIA_VIEW (view));
  g_assert_true (gtk_media_controls_get_media_stream (GTK_MEDIA_CONTROLS (controls)) == stream);
  g_assert_true (gtk_widget_get_mapped (controls));
  g_assert_false (gtk_media_stream_get_playing (stream));
  gtk_window_destroy (window);
}

static void
test_not_media (void)
{
  g_autofree char *url = g_strconcat (files_url, "not-a-video.avi", NULL);
  GtkWidget *view = falstaff_media_view_new (session, url, "video/x-msvideo");
  GtkWindow *window = window_with (view, 640, 480);
  GtkWidget *button;
  g_autofree char *shot = NULL;

  g_assert_true (falstaff_test_wait_until (media_settled, view, 30000));
  g_assert_cmpstr (falstaff_media_view_get_state (FALSTAFF_MEDIA_VIEW (view)), ==, "error");
  g_assert_nonnull (falstaff_media_view_get_error_message (FALSTAFF_MEDIA_VIEW (view)));
  g_assert_cmpstr (falstaff_media_view_get_error_message (FALSTAFF_MEDIA_VIEW (view)), ==,
                   "This video can’t be played here. Open it in another app to watch it.");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (falstaff_media_view_get_error_label (FALSTAFF_MEDIA_VIEW (view)))), ==,
                   falstaff_media_view_get_error_message (FALSTAFF_MEDIA_VIEW (view)));
  button = falstaff_media_view_get_open_button (FALSTAFF_MEDIA_VIEW (view));
  gtk_test_widget_wait_for_draw (view);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_is_sensitive (button));
  g_assert_cmpstr (gtk_actionable_get_action_name (GTK_ACTIONABLE (button)), ==, "media.open-external");
  shot = falstaff_test_screenshot (GTK_WIDGET (window), "media-error");
  gtk_window_destroy (window);
}

static void
test_download_fails (void)
{
  g_autofree char *url = g_strconcat (files_url, "missing.wav", NULL);
  GtkWidget *view = falstaff_media_view_new (session, url, "audio/wav");
  GtkWindow *window = window_with (view, 480, 320);

  g_assert_true (falstaff_test_wait_until (media_settled, view, 30000));
  g_assert_cmpstr (falstaff_media_view_get_state (FALSTAFF_MEDIA_VIEW (view)), ==, "error");
  /* In words, not "HTTP 404 Not Found". */
  g_assert_cmpstr (falstaff_media_view_get_error_message (FALSTAFF_MEDIA_VIEW (view)), ==,
                   "This audio could not be downloaded: the server no longer has this file.");
  g_assert_null (falstaff_media_view_get_stream (FALSTAFF_MEDIA_VIEW (view)));
  g_assert_true (gtk_widget_get_visible (falstaff_media_view_get_open_button (FALSTAFF_MEDIA_VIEW (view))));
  gtk_window_destroy (window);
}

/* ------------------------------------------------------------------ zoom view */

static gboolean
image_decoded (gpointer data)
{
  return falstaff_zoom_view_get_image_size (data, NULL, NULL) || falstaff_zoom_view_get_error_message (data);
}

static gboolean
frame_current (gpointer data)
{
  return falstaff_zoom_view_is_frame_current (data);
}

/* Waits for the frame made for the current zoom and position, then checks
 * that what was drawn is no bigger than the view. */
static void
assert_viewport_frame (FalstaffZoomView *view)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (view));
  int width = 0, height = 0;

  g_assert_true (falstaff_test_wait_until (frame_current, view, 10000));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (view));
  falstaff_zoom_view_get_drawn_size (view, &width, &height);
  g_test_message ("zoom %.3f: drew %d × %d in a %d × %d view", falstaff_zoom_view_get_zoom (view),
                  width, height, gtk_widget_get_width (GTK_WIDGET (view)), gtk_widget_get_height (GTK_WIDGET (view)));
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);
  g_assert_cmpint (width, <=, gtk_widget_get_width (GTK_WIDGET (view)) * scale);
  g_assert_cmpint (height, <=, gtk_widget_get_height (GTK_WIDGET (view)) * scale);
}

static void
test_zoom_large (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = fal_local_media_render_image ("a lighthouse on a cliff at dusk", 11, 0, 4096, 4096, &error);
  GtkWidget *window;
  FalstaffZoomView *view;
  GtkAdjustment *hadjustment, *vadjustment;
  int width = 0, height = 0;
  gint64 start, elapsed;
  guint renders;
  g_autofree char *shot = NULL;

  g_assert_no_error (error);
  window = falstaff_zoom_window_new (NULL, png, "lighthouse.png");
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 750);
  gtk_window_present (GTK_WINDOW (window));
  view = falstaff_zoom_window_get_view (FALSTAFF_ZOOM_WINDOW (window));

  g_assert_true (falstaff_test_wait_until (image_decoded, view, 30000));
  g_assert_null (falstaff_zoom_view_get_error_message (view));
  g_assert_true (falstaff_zoom_view_get_image_size (view, &width, &height));
  g_assert_cmpint (width, ==, 4096);
  g_assert_cmpint (height, ==, 4096);

  /* Fitted at first: the whole image in the view. */
  assert_viewport_frame (view);
  g_assert_true (falstaff_zoom_view_get_fit (view));
  g_assert_cmpfloat (falstaff_zoom_view_get_zoom (view), <=, gtk_widget_get_height (GTK_WIDGET (view)) / 4096.0 + 1e-9);
  shot = falstaff_test_screenshot (window, "zoom-view-fit");
  g_clear_pointer (&shot, g_free);

  /* 100 %, then zoomed in with the window's actions, then panned. */
  g_assert_true (gtk_widget_activate_action (window, "zoom.original", NULL));
  g_assert_cmpfloat (falstaff_zoom_view_get_zoom (view), ==, 1.0);
  g_assert_false (falstaff_zoom_view_get_fit (view));
  assert_viewport_frame (view);
  g_assert_true (gtk_widget_activate_action (window, "zoom.in", NULL));
  g_assert_cmpfloat (falstaff_zoom_view_get_zoom (view), >, 1.0);
  assert_viewport_frame (view);

  hadjustment = gtk_scrollable_get_hadjustment (GTK_SCROLLABLE (view));
  vadjustment = gtk_scrollable_get_vadjustment (GTK_SCROLLABLE (view));
  g_assert_cmpfloat (gtk_adjustment_get_upper (hadjustment), ==, round (4096 * falstaff_zoom_view_get_zoom (view)));
  /* Each pan step is drawn at once (from the last frame); frames for the
   * new position follow from a worker thread. The per-frame drawing
   * stays far from the 185–310 ms a full 4096² texture costs. */
  renders = falstaff_zoom_view_get_n_renders (view);
  start = g_get_monotonic_time ();
  for (int i = 1; i <= 20; i++)
    {
      gtk_adjustment_set_value (hadjustment, 1200 + i * 40);
      gtk_adjustment_set_value (vadjustment, 900 + i * 30);
      gtk_test_widget_wait_for_draw (GTK_WIDGET (view));
      falstaff_zoom_view_get_drawn_size (view, &width, &height);
      g_assert_cmpint (width, <=, gtk_widget_get_width (GTK_WIDGET (view)));
      g_assert_cmpint (height, <=, gtk_widget_get_height (GTK_WIDGET (view)));
    }
  elapsed = g_get_monotonic_time () - start;
  g_test_message ("20 pan frames in %" G_GINT64_FORMAT " ms, %u renders", elapsed / 1000,
                  falstaff_zoom_view_get_n_renders (view) - renders);
  g_assert_cmpint (elapsed / 20, <, 150 * 1000);
  assert_viewport_frame (view);
  g_assert_cmpfloat (gtk_adjustment_get_value (hadjustment), ==, 2000);

  /* Deep zoom at a point: the image point under it stays put. */
  {
    double before_x = (gtk_adjustment_get_value (hadjustment) + 100) / falstaff_zoom_view_get_zoom (view);
    double before_y = (gtk_adjustment_get_value (vadjustment) + 100) / falstaff_zoom_view_get_zoom (view);

    falstaff_zoom_view_set_zoom_at (view, 8.0, 100, 100);
    g_assert_cmpfloat (falstaff_zoom_view_get_zoom (view), ==, 8.0);
    g_assert_cmpfloat_with_epsilon ((gtk_adjustment_get_value (hadjustment) + 100) / 8.0, before_x, 0.1);
    g_assert_cmpfloat_with_epsilon ((gtk_adjustment_get_value (vadjustment) + 100) / 8.0, before_y, 0.1);
  }
  assert_viewport_frame (view);

  /* Back to fit, then 100 % on the caption for the picture. */
  g_assert_true (gtk_widget_activate_action (window, "zoom.fit", NULL));
  g_assert_true (falstaff_zoom_view_get_fit (view));
  assert_viewport_frame (view);
  falstaff_zoom_view_set_zoom_at (view, 1.0, 300, 620);
  gtk_adjustment_set_value (vadjustment, gtk_adjustment_get_value (vadjustment) + 250);
  assert_viewport_frame (view);
  shot = falstaff_test_screenshot (window, "zoom-view");
  gtk_window_destroy (GTK_WINDOW (window));
}

static void
test_zoom_not_image (void)
{
  g_autoptr(GBytes) bytes = g_bytes_new_static ("not an image at all", 19);
  GtkWidget *window = falstaff_zoom_window_new (NULL, bytes, "broken.png");
  FalstaffZoomView *view = falstaff_zoom_window_get_view (FALSTAFF_ZOOM_WINDOW (window));

  gtk_window_present (GTK_WINDOW (window));
  g_assert_true (falstaff_test_wait_until (image_decoded, view, 10000));
  g_assert_nonnull (falstaff_zoom_view_get_error_message (view));
  g_assert_false (falstaff_zoom_view_get_loading (view));
  gtk_window_destroy (GTK_WINDOW (window));
}

/* ------------------------------------------------------------------ keeping outputs */

static void
test_save_png (void)
{
  g_autofree char *request_id = NULL;
  g_autoptr(JsonNode) output = run_endpoint ("fal-ai/fast-sdxl",
                                             "{\"prompt\": \"a lighthouse\", \"image_size\": {\"width\": 128, \"height\": 96}, \"seed\": 42}",
                                             &request_id);
  JsonArray *images = fal_json_get_array (json_node_get_object (output), "images");
  JsonObject *image;
  g_autofree char *dir = g_dir_make_tmp ("falstaff-save-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "saved.png", NULL);
  g_autoptr(GFile) target = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *seed = NULL;
  g_auto(GStrv) png_text = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  g_autoptr(GBytes) saved = NULL;
  g_autoptr(GHashTable) text = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autofree char *name = NULL;
  const char *inputs = "{\"prompt\":\"a lighthouse\",\"seed\":42}";

  g_assert_nonnull (images);
  image = json_array_get_object_element (images, 0);
  g_assert_nonnull (request_id);
  seed = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member (json_node_get_object (output), "seed"));
  png_text = falstaff_output_png_text_new ("fal-ai/fast-sdxl", request_id, seed, inputs);

  /* The name the save dialog would offer. */
  name = fal_file_name_from_url (fal_json_get_string (image, "url"), fal_json_get_string (image, "content_type"));
  g_assert_true (g_str_has_suffix (name, ".png"));
  g_assert_null (strchr (name, '/'));

  falstaff_output_save_to_file_async (session, fal_json_get_string (image, "url"), target,
                                      (const char * const *) png_text, NULL, store_result_cb, &result);
  wait_for_result (&result, 30000);
  g_assert_true (falstaff_output_save_to_file_finish (result, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  saved = g_bytes_new_take (g_steal_pointer (&contents), length);
  text = falstaff_png_read_text (saved, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (g_hash_table_lookup (text, "Software"), "Falstaff"));
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:endpoint"), ==, "fal-ai/fast-sdxl");
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:request_id"), ==, request_id);
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:seed"), ==, "42");
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:inputs"), ==, inputs);
  pixbuf = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 128);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 96);

  g_unlink (path);
  g_rmdir (dir);
}

static void
test_save_other (void)
{
  g_autoptr(JsonNode) output = run_endpoint ("fal-ai/stable-audio", "{\"prompt\": \"wind\", \"seconds_total\": 2}", NULL);
  JsonObject *audio = member_object (output, "audio_file");
  g_autofree char *dir = g_dir_make_tmp ("falstaff-save-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "saved.wav", NULL);
  g_autoptr(GFile) target = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) png_text = falstaff_output_png_text_new ("fal-ai/stable-audio", "r", "1", "{}");
  g_autofree char *contents = NULL;
  gsize length;

  falstaff_output_save_to_file_async (session, fal_json_get_string (audio, "url"), target,
                                      (const char * const *) png_text, NULL, store_result_cb, &result);
  wait_for_result (&result, 30000);
  g_assert_true (falstaff_output_save_to_file_finish (result, &error));
  g_assert_no_error (error);
  /* Not a PNG: written as it came. */
  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_cmpint (length, ==, json_object_get_int_member (audio, "file_size"));
  g_assert_true (memcmp (contents, "RIFF", 4) == 0);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_save_http_error (void)
{
  g_autofree char *url = g_strconcat (files_url, "gone.png", NULL);
  g_autofree char *dir = g_dir_make_tmp ("falstaff-save-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "gone.png", NULL);
  g_autoptr(GFile) target = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  falstaff_output_save_to_file_async (session, url, target, NULL, NULL, store_result_cb, &result);
  wait_for_result (&result, 30000);
  g_assert_false (falstaff_output_save_to_file_finish (result, &error));
  g_assert_error (error, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP);
  g_assert_cmpstr (error->message, ==, "the server no longer has this file");
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

static void
test_clipboard (void)
{
  GtkWidget *label = gtk_label_new ("x");
  GtkWindow *window = window_with (label, 100, 100);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (label);
  g_autoptr(GBytes) png = small_png ();
  g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (png, NULL);
  GdkContentFormats *formats;

  falstaff_output_copy_url (label, "https://example.com/a.png");
  g_assert_true (gdk_content_formats_contain_gtype (gdk_clipboard_get_formats (clipboard), G_TYPE_STRING));
  falstaff_output_copy_image (label, texture);
  g_assert_true (gdk_content_formats_contain_gtype (gdk_clipboard_get_formats (clipboard), GDK_TYPE_TEXTURE));
  falstaff_output_copy_image_bytes (label, png, "image/png");
  formats = gdk_clipboard_get_formats (clipboard);
  g_assert_true (gdk_content_formats_contain_mime_type (formats, "image/png"));
  gtk_window_destroy (window);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) files_uri = NULL;
  GSList *uris;
  int status;

  g_unsetenv ("FAL_KEY");
  g_unsetenv ("FAL_KEY_ID");
  g_unsetenv ("FAL_KEY_SECRET");

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  server = g_object_new (FAL_LOCAL_TYPE_SERVER, "speed", 20.0, NULL);
  g_assert_true (fal_local_server_start (server, &error));
  client = fal_client_new ();
  fal_client_use_local_server (client, fal_local_server_get_url (server));
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  session = soup_session_new ();

  files = soup_server_new (NULL, NULL);
  soup_server_add_handler (files, "/", files_handler, NULL, NULL);
  g_assert_true (soup_server_listen_local (files, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (files);
  files_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_test_add_func ("/ui/media/png-text", test_png_text);
  g_test_add_func ("/ui/media/file-names", test_file_names);
  g_test_add_func ("/ui/media/video", test_video);
  g_test_add_func ("/ui/media/audio", test_audio);
  g_test_add_func ("/ui/media/not-media", test_not_media);
  g_test_add_func ("/ui/media/download-fails", test_download_fails);
  g_test_add_func ("/ui/zoom/large-image", test_zoom_large);
  g_test_add_func ("/ui/zoom/not-an-image", test_zoom_not_image);
  g_test_add_func ("/ui/output/save-png", test_save_png);
  g_test_add_func ("/ui/output/save-other", test_save_other);
  g_test_add_func ("/ui/output/save-http-error", test_save_http_error);
  g_test_add_func ("/ui/output/clipboard", test_clipboard);

  status = g_test_run ();
  g_object_unref (session);
  soup_server_disconnect (files);
  g_object_unref (files);
  g_free (files_url);
  g_object_unref (client);
  fal_local_server_stop (server);
  g_object_unref (server);
  return status;
}
