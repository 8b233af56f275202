/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "fal.h"
#include "fal-local-media.h"
#include "fal-local-server.h"

#include "falstaff-log-view.h"
#include "falstaff-media-view.h"
#include "falstaff-output-view.h"
#include "falstaff-png-metadata.h"
#include "falstaff-zoom-window.h"
#include "ui-test-utils.h"

/* The outputs pane as a person meets it, fed as the request view feeds it
 * (context, clear, result) with results of the local fal server: a video
 * that cannot play, Save As through the file chooser, Copy Image, Copy
 * Link, Open in Another App (a test viewer installed in this test's own
 * XDG directories, so what opens is known), each ending in a toast; the
 * seed a saved PNG records; the gallery's grid; Copy of streamed text;
 * and an accessible name on everything a person can press. */

static FalLocalServer *server;
static FalClient *client;
static SoupServer *files;       /* what the fal server would not serve */
static char *files_url;
static char *scratch;           /* XDG directories, the test viewer, saved files */

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

static JsonNode *
run_endpoint (const char  *endpoint_id,
              JsonNode    *input,
              char       **request_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *output;

  fal_client_run_async (client, endpoint_id, input, NULL, NULL, store_result_cb, &result);
  g_assert_true (falstaff_test_wait_until (result_ready, &result, 60000));
  output = fal_client_run_finish (client, result, request_id, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (output));
  return output;
}

/* One run as the request view shows it: the inputs before it starts, a
 * clear, then the request id and the result. @strip_seed stands for an
 * endpoint whose result does not echo the seed. */
static JsonNode *
show_run (FalstaffOutputView  *view,
          const char          *endpoint_id,
          const char          *input_json,
          gboolean             strip_seed,
          char               **request_id)
{
  g_autoptr(JsonNode) input = json_from_string (input_json, NULL);
  g_autofree char *id = NULL;
  JsonNode *output;

  g_assert_nonnull (input);
  falstaff_output_view_set_context (view, endpoint_id, NULL, input);
  falstaff_output_view_clear (view);
  output = run_endpoint (endpoint_id, input, &id);
  if (strip_seed)
    json_object_remove_member (json_node_get_object (output), "seed");
  falstaff_output_view_set_context (view, endpoint_id, id, NULL);
  falstaff_output_view_show (view, output);
  if (request_id)
    *request_id = g_steal_pointer (&id);
  return output;
}

static void
show_json (FalstaffOutputView *view,
           const char         *json)
{
  g_autoptr(JsonNode) node = json_from_string (json, NULL);

  g_assert_nonnull (node);
  falstaff_output_view_clear (view);
  falstaff_output_view_show (view, node);
}

/* The view in a window with a toast overlay, as in the studio window. */
static GtkWindow *
pane_new (FalstaffOutputView **view,
          int                  width,
          int                  height)
{
  GtkWindow *window = GTK_WINDOW (gtk_window_new ());
  GtkWidget *overlay = adw_toast_overlay_new ();

  *view = g_object_new (FALSTAFF_TYPE_OUTPUT_VIEW, NULL);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), GTK_WIDGET (*view));
  gtk_window_set_child (window, overlay);
  gtk_window_set_default_size (window, width, height);
  gtk_window_present (window);
  return window;
}

typedef struct {
  FalstaffOutputView *view;
  guint n;
} Notices;

static void
notice_cb (FalstaffOutputView *view,
           GParamSpec         *pspec,
           Notices            *notices)
{
  notices->n++;
}

static void
notices_watch (Notices            *notices,
               FalstaffOutputView *view)
{
  notices->view = view;
  notices->n = 0;
  g_signal_connect (view, "notify::last-notice", G_CALLBACK (notice_cb), notices);
}

static gboolean
notice_after (gpointer data)
{
  void **args = data;

  return ((Notices *) args[0])->n > GPOINTER_TO_UINT (args[1]);
}

static GtkWidget *
find_label (GtkWidget  *root,
            const char *text)
{
  if (GTK_IS_LABEL (root) && gtk_widget_get_mapped (root) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (root)), text) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_label (child, text);

      if (found)
        return found;
    }
  return NULL;
}

static gboolean
label_shown (gpointer data)
{
  void **args = data;

  return find_label (args[0], args[1]) != NULL;
}

/* Presses @button and waits for the next notice; checks that it is
 * @expected and that a toast with it is on screen. */
static void
press_and_expect (Notices    *notices,
                  GtkWidget  *button,
                  const char *expected)
{
  guint before = notices->n;
  void *args[] = { notices, GUINT_TO_POINTER (before) };
  void *toast[] = { gtk_widget_get_root (GTK_WIDGET (notices->view)), (void *) expected };

  g_assert_nonnull (button);
  g_signal_emit_by_name (button, "clicked");
  g_assert_true (falstaff_test_wait_until (notice_after, args, 30000));
  g_assert_cmpstr (falstaff_output_view_get_last_notice (notices->view), ==, expected);
  g_assert_true (falstaff_test_wait_until (label_shown, toast, 5000));
}

static GtkWidget *
find_button (GtkWidget  *root,
             const char *tooltip)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_widget_get_tooltip_text (root), tooltip) == 0)
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_button (child, tooltip);

      if (found)
        return found;
    }
  return NULL;
}

/* A button under image @index of the gallery. */
static GtkWidget *
image_button (FalstaffOutputView *view,
              guint               index,
              const char         *tooltip)
{
  GtkFlowBox *gallery = GTK_FLOW_BOX (falstaff_output_view_get_gallery (view));
  GtkFlowBoxChild *child = gtk_flow_box_get_child_at_index (gallery, index);

  g_assert_nonnull (child);
  return find_button (GTK_WIDGET (child), tooltip);
}

static gboolean
images_loaded (gpointer data)
{
  void **args = data;

  return falstaff_output_view_get_n_images (args[0]) >= GPOINTER_TO_UINT (args[1]);
}

static void
wait_images (FalstaffOutputView *view,
             guint               n)
{
  void *args[] = { view, GUINT_TO_POINTER (n) };

  g_assert_true (falstaff_test_wait_until (images_loaded, args, 30000));
}

/* ------------------------------------------------------------------ accessible names */

static gboolean
has_text_child (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_widget_get_visible (child) && *gtk_label_get_text (GTK_LABEL (child)))
        return TRUE;
      if (ADW_IS_BUTTON_CONTENT (child) && *adw_button_content_get_label (ADW_BUTTON_CONTENT (child)))
        return TRUE;
      if (has_text_child (child))
        return TRUE;
    }
  return FALSE;
}

static gboolean
has_name (GtkWidget *widget)
{
  if (gtk_test_accessible_has_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL) ||
      gtk_test_accessible_has_relation (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_RELATION_LABELLED_BY))
    return TRUE;
  /* A button with words on it is named by them. */
  return GTK_IS_BUTTON (widget) && has_text_child (widget);
}

/* Every widget on screen under @root that a person can focus or press has
 * a name a screen reader can speak; the nameless are listed in @missing.
 * GtkText is the inside of an entry: the entry is checked. */
static void
collect_nameless (GtkWidget *root,
                  GString   *missing)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (!GTK_IS_TEXT (root) &&
      (gtk_widget_get_focusable (root) || GTK_IS_BUTTON (root) || GTK_IS_ACTIONABLE (root)) &&
      !has_name (root))
    g_string_append_printf (missing, "%s%s in %s (%s)", missing->len ? ", " : "", G_OBJECT_TYPE_NAME (root),
                            G_OBJECT_TYPE_NAME (gtk_widget_get_parent (root)),
                            gtk_widget_get_tooltip_text (root) ? gtk_widget_get_tooltip_text (root) : "no tooltip");
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    collect_nameless (child, missing);
}

static void
assert_all_named (GtkWidget *root)
{
  g_autoptr(GString) missing = g_string_new (NULL);

  collect_nameless (root, missing);
  if (missing->len)
    g_error ("Interactive widgets without an accessible name: %s", missing->str);
}

/* Every label's text on screen, joined by newlines. */
static void
collect_text (GtkWidget *root,
              GString   *text)
{
  if (!gtk_widget_get_mapped (root))
    return;
  if (GTK_IS_LABEL (root))
    g_string_append_printf (text, "%s\n", gtk_label_get_text (GTK_LABEL (root)));
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    collect_text (child, text);
}

/* ------------------------------------------------------------------ the local files server */

static GBytes *
picture_bytes (const char *type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = fal_local_media_render_image ("a test picture", 5, 0, 96, 64, &error);
  g_autoptr(GdkPixbufLoader) loader = NULL;
  char *buffer = NULL;
  gsize size = 0;

  g_assert_no_error (error);
  if (g_str_equal (type, "png"))
    return g_steal_pointer (&png);
  loader = gdk_pixbuf_loader_new ();
  g_assert_true (gdk_pixbuf_loader_write_bytes (loader, png, &error));
  g_assert_true (gdk_pixbuf_loader_close (loader, &error));
  g_assert_true (gdk_pixbuf_save_to_buffer (gdk_pixbuf_loader_get_pixbuf (loader), &buffer, &size, type, &error, NULL));
  return g_bytes_new_take (buffer, size);
}

static void
files_handler (SoupServer        *soup_server,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           data)
{
  if (g_str_equal (path, "/broken.mp4"))
    {
      /* Starts like nothing GStreamer knows: no decoder takes it. */
      g_autofree guint8 *noise = g_malloc (64 * 1024);

      for (guint i = 0; i < 64 * 1024; i++)
        noise[i] = (guint8) (i * 2654435761u >> 13);
      soup_server_message_set_response (msg, "video/mp4", SOUP_MEMORY_COPY, (const char *) noise, 64 * 1024);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }
  else if (g_str_equal (path, "/picture.jpg"))
    {
      g_autoptr(GBytes) jpeg = picture_bytes ("jpeg");
      gsize size;
      const char *bytes = g_bytes_get_data (jpeg, &size);

      soup_server_message_set_response (msg, "image/jpeg", SOUP_MEMORY_COPY, bytes, size);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

/* ------------------------------------------------------------------ a video that cannot play */

static gboolean
media_settled (gpointer data)
{
  GPtrArray *views = falstaff_output_view_get_media_views (data);

  return views->len > 0 && !g_str_equal (falstaff_media_view_get_state (g_ptr_array_index (views, 0)), "loading");
}

static void
test_video_unplayable (void)
{
  FalstaffOutputView *view;
  GtkWindow *window = pane_new (&view, 480, 560);
  g_autofree char *json = g_strdup_printf ("{\"video\": {\"url\": \"%sbroken.mp4\", \"content_type\": \"video/mp4\"}}", files_url);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree char *folded = NULL;
  g_autofree char *shot = NULL;
  FalstaffMediaView *media;
  GtkWidget *label, *button;
  Notices notices;

  notices_watch (&notices, view);
  show_json (view, json);
  g_assert_true (falstaff_test_wait_until (media_settled, view, 30000));
  media = g_ptr_array_index (falstaff_output_view_get_media_views (view), 0);
  g_assert_cmpstr (falstaff_media_view_get_state (media), ==, "error");
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));

  /* One plain sentence, wrapped inside the card. */
  label = falstaff_media_view_get_error_label (media);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==,
                   "This video can’t be played here. Open it in another app to watch it.");
  g_assert_true (gtk_label_get_wrap (GTK_LABEL (label)));
  g_assert_true (gtk_widget_get_mapped (label));
  g_assert_cmpint (gtk_widget_get_width (label), <=, gtk_widget_get_width (GTK_WIDGET (media)));

  /* Nothing of GStreamer's dump anywhere in the window. */
  collect_text (GTK_WIDGET (window), text);
  folded = g_ascii_strdown (text->str, -1);
  g_test_message ("Visible text: %s", text->str);
  g_assert_null (strstr (folded, "gstreamer"));
  g_assert_null (strstr (folded, "gst"));
  g_assert_null (strstr (folded, "/org/"));
  g_assert_null (strchr (text->str, ':'));

  /* The way out: visible, focusable, named. */
  button = falstaff_media_view_get_open_button (media);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_get_focusable (button));
  g_assert_true (gtk_widget_grab_focus (button));
  g_assert_true (gtk_widget_has_focus (button));
  assert_all_named (GTK_WIDGET (window));
  shot = falstaff_test_screenshot (GTK_WIDGET (window), "video-unplayable");

  /* No app here plays MP4 either: it says so in words. */
  press_and_expect (&notices, button, "No app on this computer opens this kind of file");
  g_assert_cmpstr (falstaff_media_view_get_last_notice (media), ==, "No app on this computer opens this kind of file");
  gtk_window_destroy (window);
}

/* ------------------------------------------------------------------ Save As and the seed */

static GtkWidget *
find_chooser (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (GTK_IS_FILE_CHOOSER_DIALOG (window) && gtk_widget_get_visible (GTK_WIDGET (window)))
        return GTK_WIDGET (window);
    }
  return NULL;
}

static gboolean
chooser_has_folder (gpointer data)
{
  g_autoptr(GFile) folder = gtk_file_chooser_get_current_folder (data);

  return folder != NULL;
}

static gboolean
chooser_shown (gpointer data)
{
  return find_chooser () != NULL;
}

/* Presses Save As under image @index and saves as @name in @dir through
 * the file chooser, as a person would; returns the notice. */
static const char *
save_through_chooser (Notices    *notices,
                      guint       index,
                      const char *dir,
                      const char *name)
{
  g_autoptr(GFile) folder = g_file_new_for_path (dir);
  g_autoptr(GFile) current = NULL;
  guint before = notices->n;
  void *args[] = { notices, GUINT_TO_POINTER (before) };
  GtkWidget *chooser;

  g_signal_emit_by_name (image_button (notices->view, index, "Save As…"), "clicked");
  g_assert_true (falstaff_test_wait_until (chooser_shown, NULL, 10000));
  chooser = find_chooser ();
  g_assert_true (gtk_file_chooser_get_action (GTK_FILE_CHOOSER (chooser)) == GTK_FILE_CHOOSER_ACTION_SAVE);
  /* It opens in Pictures (the test's XDG_PICTURES_DIR). */
  g_assert_true (falstaff_test_wait_until (chooser_has_folder, chooser, 10000));
  current = gtk_file_chooser_get_current_folder (GTK_FILE_CHOOSER (chooser));
  g_assert_nonnull (current);
  g_assert_true (g_file_equal (current, folder));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  g_assert_true (falstaff_test_wait_until (notice_after, args, 30000));
  return falstaff_output_view_get_last_notice (notices->view);
}

static GHashTable *
read_png_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GBytes) bytes = NULL;
  GHashTable *text;
  gsize length;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  text = falstaff_png_read_text (bytes, &error);
  g_assert_no_error (error);
  return text;
}

static void
test_save_as_seed (void)
{
  FalstaffOutputView *view;
  GtkWindow *window = pane_new (&view, 700, 600);
  g_autofree char *dir = g_build_filename (scratch, "Pictures", NULL);
  g_autofree char *second = g_build_filename (dir, "second.png", NULL);
  g_autofree char *third = g_build_filename (dir, "third.png", NULL);
  g_autofree char *id_b = NULL;
  g_autofree char *id_c = NULL;
  g_autofree char *gone = NULL;
  g_autoptr(JsonNode) a = NULL;
  g_autoptr(JsonNode) b = NULL;
  g_autoptr(JsonNode) c = NULL;
  g_autoptr(GHashTable) text = NULL;
  Notices notices;

  notices_watch (&notices, view);

  /* Run A has seed 42 in its result. */
  a = show_run (view, "fal-ai/fast-sdxl",
                "{\"prompt\": \"a lighthouse\", \"image_size\": {\"width\": 128, \"height\": 96}, \"seed\": 42}",
                FALSE, NULL);
  wait_images (view, 1);

  /* Run B asked for seed 7 and its result says none: the PNG records 7,
   * not A's 42. Saved through the real chooser (a critical here would
   * abort the test: G_DEBUG=fatal-criticals). */
  b = show_run (view, "fal-ai/fast-sdxl",
                "{\"prompt\": \"a harbour at night\", \"image_size\": {\"width\": 128, \"height\": 96}, \"seed\": 7}",
                TRUE, &id_b);
  wait_images (view, 1);
  g_assert_cmpstr (save_through_chooser (&notices, 0, dir, "second.png"), ==, "Saved “second.png”");
  text = read_png_text (second);
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:request_id"), ==, id_b);
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:seed"), ==, "7");
  g_assert_nonnull (strstr (g_hash_table_lookup (text, "fal:inputs"), "harbour"));
  g_clear_pointer (&text, g_hash_table_unref);

  /* Run C: no seed asked for, none in the result: none recorded. */
  c = show_run (view, "fal-ai/fast-sdxl",
                "{\"prompt\": \"a quiet bay\", \"image_size\": {\"width\": 128, \"height\": 96}}",
                TRUE, &id_c);
  wait_images (view, 1);
  g_assert_cmpstr (save_through_chooser (&notices, 0, dir, "third.png"), ==, "Saved “third.png”");
  text = read_png_text (third);
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:request_id"), ==, id_c);
  g_assert_false (g_hash_table_contains (text, "fal:seed"));

  /* A file the host no longer has: the reason in words. */
  gone = g_strdup_printf ("{\"images\": [{\"url\": \"%sgone.png\", \"content_type\": \"image/png\"}]}", files_url);
  show_json (view, gone);
  g_assert_cmpstr (save_through_chooser (&notices, 0, dir, "gone.png"), ==,
                   "Could not save: the server no longer has this file");
  {
    g_autofree char *gone_path = g_build_filename (dir, "gone.png", NULL);

    g_assert_false (g_file_test (gone_path, G_FILE_TEST_EXISTS));
  }
  gtk_window_destroy (window);
}

/* ------------------------------------------------------------------ copy */

static void
read_text_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  char **text = data;
  g_autoptr(GError) error = NULL;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
text_read (gpointer data)
{
  return *(char **) data != NULL;
}

static char *
clipboard_text (GtkWidget *widget)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, read_text_cb, &text);
  g_assert_true (falstaff_test_wait_until (text_read, &text, 10000));
  return text;
}

static void
read_texture_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  GdkTexture **texture = data;
  g_autoptr(GError) error = NULL;

  *texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, &error);
  g_assert_no_error (error);
}

static void
test_copy (void)
{
  FalstaffOutputView *view;
  GtkWindow *window = pane_new (&view, 700, 600);
  g_autoptr(JsonNode) output = NULL;
  g_autofree char *link = NULL;
  g_autofree char *gone = NULL;
  g_autofree char *inline_json = NULL;
  g_autofree char *base64 = NULL;
  g_autoptr(GBytes) png = picture_bytes ("png");
  g_autoptr(GdkTexture) texture = NULL;
  const char *url;
  Notices notices;

  notices_watch (&notices, view);
  output = show_run (view, "fal-ai/fast-sdxl",
                     "{\"prompt\": \"a red kite\", \"image_size\": {\"width\": 160, \"height\": 120}, \"seed\": 3}",
                     FALSE, NULL);
  url = fal_json_get_string (json_array_get_object_element (fal_json_get_array (json_node_get_object (output), "images"), 0), "url");
  wait_images (view, 1);

  /* Copy Image puts the full image there (not the thumbnail). */
  press_and_expect (&notices, image_button (view, 0, "Copy Image"), "Image copied");
  gdk_clipboard_read_texture_async (gtk_widget_get_clipboard (GTK_WIDGET (view)), NULL, read_texture_cb, &texture);
  g_assert_true (falstaff_test_wait_until (text_read, &texture, 10000));
  g_assert_cmpint (gdk_texture_get_width (texture), ==, 160);
  g_assert_cmpint (gdk_texture_get_height (texture), ==, 120);

  press_and_expect (&notices, image_button (view, 0, "Copy Link"), "Link copied");
  link = clipboard_text (GTK_WIDGET (view));
  g_assert_cmpstr (link, ==, url);
  g_clear_pointer (&link, g_free);

  /* Failures, in words. */
  gone = g_strdup_printf ("{\"images\": [{\"url\": \"%sgone.png\", \"content_type\": \"image/png\"}]}", files_url);
  show_json (view, gone);
  press_and_expect (&notices, image_button (view, 0, "Copy Image"),
                    "Could not copy the image: the server no longer has this file");
  base64 = g_base64_encode (g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  inline_json = g_strdup_printf ("{\"images\": [{\"url\": \"data:image/png;base64,%s\", \"content_type\": \"image/png\"}]}", base64);
  show_json (view, inline_json);
  wait_images (view, 1);
  press_and_expect (&notices, image_button (view, 0, "Copy Link"),
                    "This output has no web link: it came inside the result. Save it instead.");
  /* The clipboard still holds what was there. */
  link = clipboard_text (GTK_WIDGET (view));
  g_assert_cmpstr (link, ==, url);
  gtk_window_destroy (window);
}

/* ------------------------------------------------------------------ open in another app */

static gboolean
file_exists (gpointer data)
{
  return g_file_test (data, G_FILE_TEST_EXISTS);
}

static void
test_open (void)
{
  FalstaffOutputView *view;
  GtkWindow *window = pane_new (&view, 700, 600);
  g_autoptr(JsonNode) output = NULL;
  g_autofree char *marker = g_build_filename (scratch, "opened", NULL);
  g_autofree char *opened = NULL;
  g_autofree char *name = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *jpeg = NULL;
  g_autoptr(GHashTable) text = NULL;
  g_autoptr(GError) error = NULL;
  const char *url;
  Notices notices;

  notices_watch (&notices, view);
  output = show_run (view, "fal-ai/fast-sdxl",
                     "{\"prompt\": \"a green door\", \"image_size\": {\"width\": 128, \"height\": 96}, \"seed\": 5}",
                     FALSE, NULL);
  url = fal_json_get_string (json_array_get_object_element (fal_json_get_array (json_node_get_object (output), "images"), 0), "url");
  name = g_path_get_basename (url);
  wait_images (view, 1);

  /* The test viewer (this test's only app for PNG) gets a local file, with
   * the run's text chunks like a saved one. */
  expected = g_strdup_printf ("Opened “%s” in Falstaff Test Viewer", name);
  press_and_expect (&notices, image_button (view, 0, "Open in Another App"), expected);
  g_assert_true (falstaff_test_wait_until (file_exists, marker, 10000));
  g_assert_true (g_file_get_contents (marker, &opened, NULL, &error));
  g_assert_true (g_str_has_prefix (opened, g_get_user_cache_dir ()));
  g_assert_true (g_str_has_suffix (opened, name));
  text = read_png_text (opened);
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:endpoint"), ==, "fal-ai/fast-sdxl");
  g_assert_cmpstr (g_hash_table_lookup (text, "fal:seed"), ==, "5");

  /* Nothing here opens JPEG. */
  jpeg = g_strdup_printf ("{\"images\": [{\"url\": \"%spicture.jpg\", \"content_type\": \"image/jpeg\"}]}", files_url);
  show_json (view, jpeg);
  wait_images (view, 1);
  press_and_expect (&notices, image_button (view, 0, "Open in Another App"),
                    "No app on this computer opens this kind of file");
  gtk_window_destroy (window);
}

/* A result comes from the network: one that names a local file (or any
 * link that is not https, http on this machine or data:) must not make
 * the app show, copy, save or open that file. The PNG here would load
 * and show without the check. */
static void
test_unsafe_links (void)
{
  FalstaffOutputView *view;
  GtkWindow *window = pane_new (&view, 700, 600);
  g_autoptr(GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 16, 16);
  g_autofree char *secret = g_build_filename (scratch, "secret.png", NULL);
  g_autofree char *secret_uri = g_filename_to_uri (secret, NULL, NULL);
  g_autofree char *marker = g_build_filename (scratch, "opened", NULL);
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  GtkFlowBox *gallery;
  GtkWidget *box, *label;
  Notices notices;

  gdk_pixbuf_fill (pixbuf, 0xff0000ff);
  g_assert_true (gdk_pixbuf_save (pixbuf, secret, "png", &error, NULL));
  g_unlink (marker);
  notices_watch (&notices, view);

  json = g_strdup_printf ("{\"images\": [{\"url\": \"%s\", \"content_type\": \"image/png\"},"
                          " {\"url\": \"javascript:alert(1)\"}]}", secret_uri);
  show_json (view, json);
  gallery = GTK_FLOW_BOX (falstaff_output_view_get_gallery (view));
  for (guint i = 0; i < 2; i++)
    {
      box = gtk_flow_box_child_get_child (gtk_flow_box_get_child_at_index (gallery, i));
      label = gtk_widget_get_next_sibling (gtk_widget_get_first_child (box));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==,
                       "Not shown: the link is not a secure (https) address");
    }
  falstaff_test_iterate_for (500);
  g_assert_cmpuint (falstaff_output_view_get_n_images (view), ==, 0);

  press_and_expect (&notices, image_button (view, 0, "Open in Another App"),
                    "Not opened: the link is not a secure (https) address");
  press_and_expect (&notices, image_button (view, 0, "Copy Image"),
                    "Not copied: the link is not a secure (https) address");
  falstaff_test_iterate_for (500);
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));

  /* A file output with such a link: a row that says so, nothing to press. */
  g_free (json);
  json = g_strdup_printf ("{\"video\": {\"url\": \"%s\", \"content_type\": \"video/mp4\"}}", secret_uri);
  show_json (view, json);
  {
    void *args[] = { view, (void *) "Not opened: the link is not a secure (https) address" };

    g_assert_true (falstaff_test_wait_until (label_shown, args, 5000));
  }
  gtk_window_destroy (window);
}

/* ------------------------------------------------------------------ the grid */

static void
assert_columns (FalstaffOutputView *view,
                guint               n,
                gboolean            shared_row)
{
  GtkWidget *gallery = falstaff_output_view_get_gallery (view);
  graphene_rect_t bounds[8];
  gboolean shares = FALSE;

  g_assert_cmpuint (n, <=, G_N_ELEMENTS (bounds));
  for (guint i = 0; i < n; i++)
    g_assert_true (gtk_widget_compute_bounds (GTK_WIDGET (gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (gallery), i)),
                                              gallery, &bounds[i]));
  for (guint i = 0; i < n; i++)
    for (guint j = i + 1; j < n; j++)
      if (bounds[i].origin.y == bounds[j].origin.y)
        {
          shares = TRUE;
          g_assert_cmpfloat (bounds[i].origin.x, !=, bounds[j].origin.x);
        }
  g_test_message ("first item %g × %g at %g, %g", bounds[0].size.width, bounds[0].size.height,
                  bounds[0].origin.x, bounds[0].origin.y);
  g_assert_true (shares == shared_row);
}

static void
test_image_grid (void)
{
  FalstaffOutputView *view;
  GtkWindow *window = pane_new (&view, 900, 700);
  g_autoptr(JsonNode) output = NULL;
  g_autofree char *shot = NULL;
  GtkWidget *gallery;

  output = show_run (view, "fal-ai/fast-sdxl",
                     "{\"prompt\": \"four seasons of one tree\", \"num_images\": 4, \"image_size\": {\"width\": 512, \"height\": 384}, \"seed\": 9}",
                     FALSE, NULL);
  wait_images (view, 4);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  gallery = falstaff_output_view_get_gallery (view);
  g_assert_cmpint (gtk_widget_get_width (gallery), >, 600);
  assert_columns (view, 4, TRUE);
  /* Thumbnails, not full images: at most 512 px. */
  for (guint i = 0; i < 4; i++)
    {
      int width, height;

      g_assert_true (falstaff_output_view_get_image_size (view, i, &width, &height));
      g_assert_cmpint (width, ==, 512);
    }
  assert_all_named (GTK_WIDGET (window));
  shot = falstaff_test_screenshot (GTK_WIDGET (window), "image-grid");
  gtk_window_destroy (window);

  /* At 360 px: one column. */
  window = pane_new (&view, 360, 700);
  falstaff_output_view_show (view, output);
  wait_images (view, 4);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (view)), <=, 360);
  assert_columns (view, 4, FALSE);
  gtk_window_destroy (window);
}

/* ------------------------------------------------------------------ streamed text */

static void
stream_event_cb (FalStream          *stream,
                 JsonNode           *event,
                 FalstaffOutputView *view)
{
  falstaff_output_view_show (view, event);
}

static gboolean
stream_done (gpointer data)
{
  return fal_stream_is_done (data);
}

static void
test_copy_text (void)
{
  FalstaffOutputView *view;
  GtkWindow *window = pane_new (&view, 600, 500);
  g_autoptr(JsonNode) input = json_from_string ("{\"prompt\": \"Why is the sky blue?\"}", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(FalStream) stream = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *copied = NULL;
  g_autofree char *shot = NULL;
  GtkWidget *button;
  Notices notices;

  notices_watch (&notices, view);
  falstaff_output_view_clear (view);
  /* Copy before there is text says so. */
  stream = fal_client_stream (client, "fal-ai/any-llm", input, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (stream, "event", G_CALLBACK (stream_event_cb), view);
  g_assert_true (falstaff_test_wait_until (stream_done, stream, 60000));
  g_assert_null (fal_stream_get_error (stream));
  g_assert_cmpstr (falstaff_output_view_get_kind (view), ==, "text");

  button = falstaff_output_view_get_copy_text_button (view);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  g_assert_true (gtk_widget_get_mapped (button));
  press_and_expect (&notices, button, "Text copied");
  shown = falstaff_output_view_get_text (view);
  copied = clipboard_text (GTK_WIDGET (view));
  g_assert_cmpuint (strlen (shown), >, 20);
  g_assert_cmpstr (copied, ==, shown);
  assert_all_named (GTK_WIDGET (window));
  shot = falstaff_test_screenshot (GTK_WIDGET (window), "text-copied");
  gtk_window_destroy (window);
}

/* ------------------------------------------------------------------ the rest: names */

static void
test_names (void)
{
  FalstaffOutputView *view;
  GtkWindow *window = pane_new (&view, 700, 600);
  g_autoptr(GBytes) png = picture_bytes ("png");
  g_autoptr(GListStore) logs = g_list_store_new (FAL_TYPE_LOG_ENTRY);
  g_autoptr(FalLogEntry) entry = fal_log_entry_new ("Step 1/4", "INFO", NULL, "2026-01-01T12:00:00Z");
  g_autoptr(JsonNode) output = NULL;
  g_autofree char *copied = NULL;
  GtkWidget *zoom, *log_window, *overlay, *log_view;
  GtkFlowBoxChild *child;
  void *args[2];

  /* The gallery: each result has a name with its place and size. */
  output = show_run (view, "fal-ai/flux/schnell",
                     "{\"prompt\": \"two boats\", \"num_images\": 2, \"image_size\": {\"width\": 128, \"height\": 96}}",
                     FALSE, NULL);
  wait_images (view, 2);
  gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
  child = gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (falstaff_output_view_get_gallery (view)), 1);
  gtk_test_accessible_assert_property (child, GTK_ACCESSIBLE_PROPERTY_LABEL, "Result image 2 of 2, 128 × 96");
  assert_all_named (GTK_WIDGET (window));

  /* Audio and video, with GTK's player controls. */
  for (guint i = 0; i < 2; i++)
    {
      g_clear_pointer (&output, json_node_unref);
      output = show_run (view, i == 0 ? "fal-ai/stable-audio" : "fal-ai/minimax/video-01",
                         "{\"prompt\": \"rain\", \"seconds_total\": 1}", FALSE, NULL);
      g_assert_true (falstaff_test_wait_until (media_settled, view, 30000));
      g_assert_cmpstr (falstaff_media_view_get_state (g_ptr_array_index (falstaff_output_view_get_media_views (view), 0)), ==,
                       i == 0 ? "audio" : "video");
      gtk_test_widget_wait_for_draw (GTK_WIDGET (window));
      assert_all_named (GTK_WIDGET (window));
    }
  gtk_window_destroy (window);

  /* The zoom window's controls. */
  zoom = falstaff_zoom_window_new (NULL, png, "picture.png");
  gtk_window_present (GTK_WINDOW (zoom));
  gtk_test_widget_wait_for_draw (zoom);
  assert_all_named (zoom);
  gtk_window_destroy (GTK_WINDOW (zoom));

  /* The log view: its filter, and Copy with a toast. */
  log_window = gtk_window_new ();
  overlay = adw_toast_overlay_new ();
  log_view = g_object_new (FALSTAFF_TYPE_LOG_VIEW, NULL);
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (overlay), log_view);
  gtk_window_set_child (GTK_WINDOW (log_window), overlay);
  gtk_window_set_default_size (GTK_WINDOW (log_window), 500, 300);
  g_list_store_append (logs, entry);
  falstaff_log_view_set_model (FALSTAFF_LOG_VIEW (log_view), G_LIST_MODEL (logs));
  gtk_window_present (GTK_WINDOW (log_window));
  gtk_test_widget_wait_for_draw (log_window);
  assert_all_named (log_window);
  g_signal_emit_by_name (falstaff_log_view_get_copy_button (FALSTAFF_LOG_VIEW (log_view)), "clicked");
  args[0] = log_window;
  args[1] = (void *) "Log copied";
  g_assert_true (falstaff_test_wait_until (label_shown, args, 5000));
  copied = clipboard_text (log_view);
  g_assert_cmpstr (copied, ==, "2026-01-01T12:00:00Z INFO Step 1/4\n");
  gtk_window_destroy (GTK_WINDOW (log_window));
}

/* ------------------------------------------------------------------ main */

/* This test's own XDG data: the system's MIME database, icons and
 * schemas, and one app, a viewer for PNG that writes down what it was
 * given. No other app exists for the test, so what opens is known. */
static void
set_up_desktop (void)
{
  static const char * const shared[] = { "mime", "icons", "glib-2.0", "themes", NULL };
  g_autofree char *share = g_build_filename (scratch, "share", NULL);
  g_autofree char *applications = g_build_filename (share, "applications", NULL);
  g_autofree char *opener = g_build_filename (scratch, "opener.sh", NULL);
  g_autofree char *script = NULL;
  g_autofree char *desktop = NULL;
  g_autofree char *desktop_path = g_build_filename (applications, "falstaff-test-viewer.desktop", NULL);
  g_autofree char *data_home = g_build_filename (scratch, "data", NULL);
  g_autofree char *mime_cache = g_build_filename (applications, "mimeinfo.cache", NULL);
  g_autofree char *config_home = g_build_filename (scratch, "config", NULL);
  g_autofree char *cache_home = g_build_filename (scratch, "cache", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (applications, 0700), ==, 0);
  for (guint i = 0; shared[i]; i++)
    {
      g_autofree char *target = g_build_filename ("/usr/share", shared[i], NULL);
      g_autofree char *link = g_build_filename (share, shared[i], NULL);

      if (g_file_test (target, G_FILE_TEST_IS_DIR))
        g_assert_cmpint (symlink (target, link), ==, 0);
    }
  script = g_strdup_printf ("#!/bin/sh\nprintf '%%s' \"$1\" > '%s/opened.part' && mv '%s/opened.part' '%s/opened'\n",
                            scratch, scratch, scratch);
  g_assert_true (g_file_set_contents (opener, script, -1, &error));
  g_assert_cmpint (g_chmod (opener, 0755), ==, 0);
  desktop = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Falstaff Test Viewer\n"
                             "Exec=%s %%f\nMimeType=image/png;\nNoDisplay=true\n", opener);
  g_assert_true (g_file_set_contents (desktop_path, desktop, -1, &error));
  /* GIO finds apps for a type through this index (update-desktop-database). */
  g_assert_true (g_file_set_contents (mime_cache, "[MIME Cache]\nimage/png=falstaff-test-viewer.desktop;\n", -1, &error));

  /* Save As opens in Pictures. */
  {
    g_autofree char *pictures = g_build_filename (scratch, "Pictures", NULL);
    g_autofree char *user_dirs = g_build_filename (config_home, "user-dirs.dirs", NULL);
    g_autofree char *contents = g_strdup_printf ("XDG_PICTURES_DIR=\"%s\"\n", pictures);

    g_assert_cmpint (g_mkdir_with_parents (pictures, 0700), ==, 0);
    g_assert_cmpint (g_mkdir_with_parents (config_home, 0700), ==, 0);
    g_assert_true (g_file_set_contents (user_dirs, contents, -1, &error));
  }
  g_setenv ("XDG_DATA_DIRS", share, TRUE);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_setenv ("XDG_CONFIG_HOME", config_home, TRUE);
  g_setenv ("XDG_CACHE_HOME", cache_home, TRUE);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  int status;

  g_unsetenv ("FAL_KEY");
  g_unsetenv ("FAL_KEY_ID");
  g_unsetenv ("FAL_KEY_SECRET");
  scratch = g_dir_make_tmp ("falstaff-output-XXXXXX", &error);
  g_assert_no_error (error);
  set_up_desktop ();

  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);

  server = g_object_new (FAL_LOCAL_TYPE_SERVER, "speed", 20.0, NULL);
  g_assert_true (fal_local_server_start (server, &error));
  client = fal_client_new ();
  fal_client_use_local_server (client, fal_local_server_get_url (server));
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);

  files = soup_server_new (NULL, NULL);
  soup_server_add_handler (files, "/", files_handler, NULL, NULL);
  g_assert_true (soup_server_listen_local (files, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (files);
  files_url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_test_add_func ("/ui/output/video-unplayable", test_video_unplayable);
  g_test_add_func ("/ui/output/save-as-seed", test_save_as_seed);
  g_test_add_func ("/ui/output/copy", test_copy);
  g_test_add_func ("/ui/output/open", test_open);
  g_test_add_func ("/ui/output/unsafe-links", test_unsafe_links);
  g_test_add_func ("/ui/output/image-grid", test_image_grid);
  g_test_add_func ("/ui/output/copy-text", test_copy_text);
  g_test_add_func ("/ui/output/names", test_names);

  status = g_test_run ();
  soup_server_disconnect (files);
  g_object_unref (files);
  g_free (files_url);
  g_object_unref (client);
  fal_local_server_stop (server);
  g_object_unref (server);
  {
    g_autofree char *command = g_strdup_printf ("rm -rf '%s'", scratch);

    /* The scratch directory holds only what this test made. */
    if (g_str_has_prefix (scratch, g_get_tmp_dir ()))
      g_spawn_command_line_sync (command, NULL, NULL, NULL, NULL);
  }
  g_free (scratch);
  return status;
}
