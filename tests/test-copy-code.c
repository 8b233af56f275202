/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <gdk/x11/gdkx.h>
#include <glib/gstdio.h>

#include "falstaff-file-row.h"
#include "falstaff-form-view.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* Copy as code (issue 15), as a person does it: the studio signed in
 * with a key against the keyed local server, the form filled, the Copy
 * as Code menu beside Run opened with a real click (or real keys), an
 * item chosen; the clipboard's cURL command then runs in /bin/sh with
 * FAL_KEY in its environment and prints fal's answer. The key the studio
 * holds is never in the text. */

#define KEY "test:key"

/* ------------------------------------------------------------------ helpers */

static GtkWidget *
copy_button (Studio *studio)
{
  GtkWidget *button = falstaff_test_find_by_tooltip (GTK_WIDGET (studio->window), GTK_TYPE_MENU_BUTTON, "Copy as Code");

  g_assert_nonnull (button);
  return button;
}

/* A menu item by its label as shown. */
static GtkWidget *
find_item (GtkWidget  *root,
           const char *label)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;
      g_autofree char *text = NULL;

      if (g_object_class_find_property (G_OBJECT_GET_CLASS (child), "text"))
        g_object_get (child, "text", &text, NULL);
      /* GtkModelButton's text is the label as shown. */
      if (text && gtk_widget_get_mapped (child) && g_str_equal (text, label))
        return child;
      if ((found = find_item (child, label)))
        return found;
    }
  return NULL;
}

/* A label showing text (a toast's title), anywhere in the window. */
static gboolean
shows_label (GtkWidget  *root,
             const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LABEL (child) && gtk_widget_get_mapped (child) &&
          g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), text) == 0)
        return TRUE;
      if (shows_label (child, text))
        return TRUE;
    }
  return FALSE;
}

static gboolean
toast_copied_curl (gpointer data)
{
  return shows_label (data, "Copied as cURL");
}

static gboolean
popover_open (gpointer data)
{
  GtkPopover *popover = gtk_menu_button_get_popover (data);

  return popover && gtk_widget_get_mapped (GTK_WIDGET (popover));
}

static gboolean
popover_closed (gpointer data)
{
  return !popover_open (data);
}

static GtkWidget *
open_menu_by_click (Studio *studio)
{
  GtkWidget *button = copy_button (studio);

  falstaff_test_click (button);
  g_assert_true (falstaff_test_wait_until (popover_open, button, 5000));
  return GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
}

static void
text_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  char **text = data;
  g_autoptr(GError) error = NULL;

  *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);
  if (*text == NULL)
    *text = g_strdup ("");
}

static char *
clipboard_text (Studio *studio)
{
  char *text = NULL;

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (GTK_WIDGET (studio->window)), NULL, text_read_cb, &text);
  while (text == NULL)
    g_main_context_iteration (NULL, TRUE);
  return text;
}

/* The clipboard once it holds text starting with prefix. */
static char *
wait_for_clipboard (Studio     *studio,
                    const char *prefix,
                    guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * (gint64) 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *text = clipboard_text (studio);

      if (g_str_has_prefix (text, prefix))
        return g_steal_pointer (&text);
      falstaff_test_iterate_for (50);
    }
  g_error ("the clipboard never held text starting with '%s'", prefix);
  return NULL;
}

/* Runs the command as a person pastes it into a shell: FAL_KEY set, and
 * nothing else of ours. Returns what it printed, parsed. */
static JsonNode *
run_in_shell (const char *command,
              const char *key)
{
  g_auto(GStrv) env = g_get_environ ();
  const char *argv[] = { "/bin/sh", "-c", command, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  int status = 0;

  env = g_environ_unsetenv (env, "FAL_KEY_ID");
  env = g_environ_unsetenv (env, "FAL_KEY_SECRET");
  env = key ? g_environ_setenv (env, "FAL_KEY", key, TRUE) : g_environ_unsetenv (env, "FAL_KEY");
  /* The local server answers from a thread of its own: blocking is fine. */
  g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("the copied command failed: %s\n%s\nstdout: %s\nstderr: %s", error->message, command, out, err);
  if (!json_parser_load_from_data (parser, out, -1, &error) || json_parser_get_root (parser) == NULL)
    g_error ("the copied command printed no JSON: %s\n%s", out, error ? error->message : "");
  return json_node_copy (json_parser_get_root (parser));
}

static void
assert_no_key (const char *text)
{
  g_assert_null (strstr (text, KEY));
  g_assert_null (strstr (text, "Key test"));
}

/* fast-sdxl's answer: images with a URL on the server and their size. */
static void
assert_images (JsonNode *answer,
               int       width,
               int       height)
{
  JsonObject *object;
  JsonArray *images;
  JsonObject *image;

  g_assert_true (JSON_NODE_HOLDS_OBJECT (answer));
  object = json_node_get_object (answer);
  g_assert_false (json_object_has_member (object, "detail"));
  images = json_object_get_array_member (object, "images");
  g_assert_nonnull (images);
  g_assert_cmpuint (json_array_get_length (images), ==, 1);
  image = json_array_get_object_element (images, 0);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (image, "url"),
                                   fal_local_server_get_url (studio_fixture_get_keyed_server ())));
  if (width > 0)
    {
      g_assert_cmpint (json_object_get_int_member (image, "width"), ==, width);
      g_assert_cmpint (json_object_get_int_member (image, "height"), ==, height);
    }
  g_assert_true (json_object_has_member (object, "seed"));
}

/* The menu as a person sees it: the window, and the popover over it
 * where the X server shows it. */
static void
screenshot_menu (Studio     *studio,
                 GtkWidget  *popover,
                 const char *name)
{
  GtkWidget *window = GTK_WIDGET (studio->window);
  g_autofree char *window_png = falstaff_test_screenshot (window, name);
  g_autofree char *popover_png = falstaff_test_screenshot (popover, "copy-code-menu-only");
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (popover));
  cairo_surface_t *canvas = cairo_image_surface_create_from_png (window_png);
  cairo_surface_t *menu = cairo_image_surface_create_from_png (popover_png);
  double window_x, window_y, popover_x, popover_y;
  cairo_t *cr;

  g_assert_cmpint (cairo_surface_status (canvas), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_surface_status (menu), ==, CAIRO_STATUS_SUCCESS);
  gtk_native_get_surface_transform (GTK_NATIVE (window), &window_x, &window_y);
  gtk_native_get_surface_transform (GTK_NATIVE (popover), &popover_x, &popover_y);
  cr = cairo_create (canvas);
  cairo_set_source_surface (cr, menu,
                            gdk_popup_get_position_x (GDK_POPUP (surface)) + popover_x - window_x,
                            gdk_popup_get_position_y (GDK_POPUP (surface)) + popover_y - window_y);
  cairo_paint (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (canvas, window_png), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (canvas);
  cairo_surface_destroy (menu);
  g_unlink (popover_png);
}

static void
pick (Studio     *studio,
      const char *query,
      const char *endpoint_id)
{
  pick_endpoint (studio, query);
  g_assert_cmpstr (fal_form_model_get_endpoint_id (form_model (studio)), ==, endpoint_id);
}

/* ------------------------------------------------------------------ tests */

#define HOSTILE_PROMPT "a \"fox\" it's $HOME `id` $(id) \\ back\\slash\\n\nnew line 🦊 日本"

/* Off while the form is not valid; then the cURL command from the
 * clipboard runs and prints fal's answer, the prompt unharmed. */
static void
test_copy_curl (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(JsonNode) answer = NULL;
  g_autoptr(JsonNode) refused = NULL;
  g_autofree char *text = NULL;
  g_autofree char *run_url = NULL;
  GtkWidget *popover, *item;

  enter_key (studio, KEY);
  g_assert_true (fal_client_has_key (falstaff_session_get_client (studio->session)));
  pick (studio, "fast-sdxl", "fal-ai/fast-sdxl");
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (studio->window)), "empty");

  /* No prompt yet: the items are there, and off. */
  g_assert_null (fal_form_model_get_value (form_model (studio), "prompt"));
  popover = open_menu_by_click (studio);
  item = find_item (popover, "Copy as cURL");
  g_assert_nonnull (item);
  g_assert_false (gtk_widget_get_sensitive (item));
  g_assert_nonnull (find_item (popover, "Copy as Python (fal_client)"));
  g_assert_nonnull (find_item (popover, "Copy as JavaScript (@fal-ai/client)"));
  gtk_popover_popdown (GTK_POPOVER (popover));
  g_assert_true (falstaff_test_wait_until (popover_closed, copy_button (studio), 5000));

  type_text (row_control (studio, "prompt"), HOSTILE_PROMPT);
  popover = open_menu_by_click (studio);
  item = find_item (popover, "Copy as cURL");
  g_assert_true (gtk_widget_get_sensitive (item));
  screenshot_menu (studio, popover, "copy-as-code");
  falstaff_test_click (item);

  text = wait_for_clipboard (studio, "curl ", 10000);
  g_test_message ("copied:\n%s", text);
  g_assert_true (falstaff_test_wait_until (toast_copied_curl, studio->window, 5000));
  assert_no_key (text);
  g_assert_nonnull (strstr (text, "\"Authorization: Key $FAL_KEY\""));
  run_url = g_strconcat (fal_local_server_get_url (studio_fixture_get_keyed_server ()), "/run/fal-ai/fast-sdxl'", NULL);
  g_assert_nonnull (strstr (text, run_url));
  /* The seed is "random" on the form: so it is in the command. */
  g_assert_null (strstr (text, "\"seed\""));

  answer = run_in_shell (text, KEY);
  assert_images (answer, 0, 0);
  g_assert_cmpstr (json_object_get_string_member_with_default (json_node_get_object (answer), "prompt", NULL),
                   ==, HOSTILE_PROMPT);

  /* The key is the shell's: without it fal refuses. */
  refused = run_in_shell (text, NULL);
  g_assert_true (json_object_has_member (json_node_get_object (refused), "detail"));
  g_assert_false (json_object_has_member (json_node_get_object (refused), "images"));
}

/* A picture dropped and still uploading: the copy (from the keyboard)
 * waits for its URL, and the command makes an image from it. */
static void
test_copy_waits_for_upload (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "falstaff-copy-code-test.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *text = NULL;
  g_autofree char *python = NULL;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 240, 160);
  cairo_t *cr = cairo_create (surface);
  GtkDropTarget *target;
  GValue value = G_VALUE_INIT;
  gboolean dropped = FALSE;
  FalstaffFileRow *row;
  GtkWidget *button, *popover;
  const char *url;

  cairo_set_source_rgb (cr, 0.8, 0.3, 0.1);
  cairo_paint (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);

  enter_key (studio, KEY);
  pick (studio, "image-to-image", "fal-ai/fast-sdxl/image-to-image");
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (studio->window)), "empty");
  type_text (row_control (studio, "prompt"), "as a woodcut");

  /* The upload waits 3 s at the server. */
  studio_add_fault (fal_local_server_get_url (studio_fixture_get_keyed_server ()), "PUT", "^/cdn/upload", "stall=3000", 1);
  target = _falstaff_window_get_drop_target (studio->window);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (&file, 1));
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &dropped);
  g_value_unset (&value);
  g_assert_true (dropped);
  rows = falstaff_form_view_get_file_rows (_falstaff_window_get_form_view (studio->window));
  row = g_ptr_array_index (rows, 0);
  g_assert_true (falstaff_file_row_get_busy (row));

  /* Keys: Return on the menu button opens the menu on its first item,
   * Return chooses it. */
  button = copy_button (studio);
  falstaff_test_press_keys (button, "Return");
  g_assert_true (falstaff_test_wait_until (popover_open, button, 5000));
  popover = GTK_WIDGET (gtk_menu_button_get_popover (GTK_MENU_BUTTON (button)));
  g_assert_true (gtk_widget_get_sensitive (find_item (popover, "Copy as cURL")));
  g_assert_true (gtk_widget_has_focus (find_item (popover, "Copy as cURL")));
  /* Keys go to the toplevel's X window; GTK hands them to the menu. */
  falstaff_test_press_keys (GTK_WIDGET (studio->window), "Return");
  /* Still uploading: nothing copied yet. */
  g_assert_true (falstaff_file_row_get_busy (row));
  {
    g_autofree char *before = clipboard_text (studio);

    g_assert_cmpstr (before, ==, "empty");
  }

  text = wait_for_clipboard (studio, "curl ", 20000);
  g_test_message ("copied:\n%s", text);
  g_assert_false (falstaff_file_row_get_busy (row));
  url = falstaff_file_row_get_item_url (row, 0);
  g_assert_nonnull (url);
  g_assert_nonnull (strstr (text, url));
  assert_no_key (text);
  answer = run_in_shell (text, KEY);
  /* Made from the uploaded picture: its size. */
  assert_images (answer, 240, 160);

  /* Python, by keys too: the second item. */
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (studio->window)), "empty");
  falstaff_test_press_keys (button, "Return");
  g_assert_true (falstaff_test_wait_until (popover_open, button, 5000));
  falstaff_test_press_keys (GTK_WIDGET (studio->window), "Down Return");
  python = wait_for_clipboard (studio, "# pip install fal-client", 10000);
  assert_no_key (python);
  g_assert_nonnull (strstr (python, url));
  g_assert_nonnull (strstr (python, "fal_client.subscribe(\n    \"fal-ai/fast-sdxl/image-to-image\","));
  g_unlink (path);
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/copy-code/curl", test_copy_curl);
  g_test_add_func ("/ui/copy-code/waits-for-upload", test_copy_waits_for_upload);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
