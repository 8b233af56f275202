/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "falstaff-endpoint-picker.h"
#include "falstaff-form-view.h"
#include "falstaff-output-view.h"
#include "falstaff-request-view.h"
#include "falstaff-welcome-page.h"
#include "proxy-fixture.h"
#include "file-scan.h"
#include "studio-fixture.h"
#include "tcp-relay.h"
#include "ui-test-utils.h"

/* What a newcomer meets (issue 9), driven with real key events and real
 * clicks under Xvfb against the local fal server. */

static char *
text_view_text (GtkWidget *control)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (control));
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

static gboolean
run_started (gpointer data)
{
  return falstaff_window_get_request (data) != NULL || falstaff_window_get_stream (data) != NULL;
}

static gboolean
focus_within (GtkWidget *window,
              GtkWidget *widget)
{
  GtkWidget *focus = gtk_window_get_focus (GTK_WINDOW (window));

  return focus != NULL && (focus == widget || gtk_widget_is_ancestor (focus, widget));
}

/* Ctrl+Enter in the prompt's text view runs, and adds no newline. */
static void
test_run_from_prompt (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *text = NULL;
  GtkWidget *prompt;

  start_demo (studio);
  pick_endpoint (studio, "any-llm");
  prompt = row_control (studio, "prompt");
  g_assert_true (GTK_IS_TEXT_VIEW (prompt));
  type_text (prompt, "Say hello");
  falstaff_test_press_keys (prompt, "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (run_started, studio->window, 5000));
  text = text_view_text (prompt);
  g_assert_cmpstr (text, ==, "Say hello");
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  /* Focus stays in the form after Run. */
  g_assert_true (focus_within (GTK_WIDGET (studio->window), prompt));
}

static gboolean
request_running (gpointer data)
{
  FalRequest *request = falstaff_window_get_request (data);

  return request && fal_request_get_status (request) == FAL_REQUEST_IN_PROGRESS;
}

/* Ctrl+Period in an entry cancels, and opens no emoji chooser. */
static void
test_cancel_from_entry (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *search;

  start_demo (studio);
  pick_endpoint (studio, "minimax");
  type_text (row_control (studio, "prompt"), "a paper boat");
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+KP_Enter");
  g_assert_true (falstaff_test_wait_until (request_running, studio->window, 20000));

  search = falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window));
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  falstaff_test_press_keys (search, "ctrl+period");
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 30000));
  g_assert_error (fal_request_get_error (falstaff_window_get_request (studio->window)), FAL_ERROR, FAL_ERROR_CANCELLED);
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (search)), ==, "");
}

/* A click on Run leaves the focus in the form. */
static void
test_click_run_keeps_focus (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *prompt;

  start_demo (studio);
  pick_endpoint (studio, "any-llm");
  prompt = row_control (studio, "prompt");
  type_text (prompt, "Say hello");
  gtk_widget_grab_focus (prompt);
  falstaff_test_click (_falstaff_window_get_run_button (studio->window));
  g_assert_true (falstaff_test_wait_until (run_started, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_true (focus_within (GTK_WIDGET (studio->window), prompt));
}

static gboolean
has_focus_within (gpointer data)
{
  void **args = data;

  return focus_within (args[0], args[1]);
}

/* Focus starts where a person starts: the key field on the welcome page,
 * the endpoint search in the studio, also with a restored endpoint; and
 * typed keys then never change a setting. */
static void
test_focus_at_start (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_autoptr(GVariant) choices_before = NULL;
  g_autoptr(GVariant) choices_after = NULL;
  GtkWidget *search;
  void *args[2];

  wait_for_page (studio, "welcome");
  args[0] = studio->window;
  args[1] = falstaff_welcome_page_get_key_row (_falstaff_window_get_welcome_page (studio->window));
  g_assert_true (falstaff_test_wait_until (has_focus_within, args, 5000));

  /* The last session's endpoint comes back. */
  g_settings_set_string (settings, "last-endpoint", "fal-ai/fast-sdxl");
  start_demo (studio);
  g_assert_true (falstaff_test_wait_until (form_ready, studio->window, 10000));
  search = falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window));
  args[1] = search;
  g_assert_true (falstaff_test_wait_until (has_focus_within, args, 5000));

  choices_before = g_settings_get_value (settings, "stream-choices");
  falstaff_test_press_keys (GTK_WIDGET (studio->window), "f l u x space Return");
  choices_after = g_settings_get_value (settings, "stream-choices");
  g_assert_true (g_variant_equal (choices_before, choices_after));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (search)), ==, "flux ");
}

static FalstaffRequestView *
request_view (Studio *studio)
{
  return _falstaff_window_get_request_view (studio->window);
}

/* A cancelled run says Cancelled in plain words, whether fal had started
 * it, keeps its request id in view and shows no error. */
static void
cancel_and_check (FalRequestStatus  at,
                  const char       *expected,
                  const char       *screenshot)
{
  g_autoptr(Studio) studio = studio_new ();
  void *args[2] = { NULL, GUINT_TO_POINTER (at) };
  FalRequest *request;

  start_demo (studio);
  pick_endpoint (studio, "minimax");
  type_text (row_control (studio, "prompt"), "a paper boat");
  run (studio);
  args[0] = studio->window;
  g_assert_true (falstaff_test_wait_until (request_in, args, 20000));
  request = falstaff_window_get_request (studio->window);
  /* In the queue there is no time for xdotool: the job starts soon. */
  if (at == FAL_REQUEST_IN_QUEUE)
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.cancel", NULL));
  else
    falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+period");
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 30000));
  g_assert_error (fal_request_get_error (request), FAL_ERROR, FAL_ERROR_CANCELLED);
  g_assert_cmpstr (falstaff_request_view_get_status_text (request_view (studio)), ==, expected);
  g_assert_null (falstaff_request_view_get_error_text (request_view (studio)));
  g_assert_nonnull (fal_request_get_request_id (request));
  if (screenshot)
    g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), screenshot));
}

static void
test_cancelled_in_queue (void)
{
  cancel_and_check (FAL_REQUEST_IN_QUEUE, "Cancelled before fal started it", NULL);
}

static void
test_cancelled_running (void)
{
  cancel_and_check (FAL_REQUEST_IN_PROGRESS, "Cancelled · fal had started it", "cancelled");
}

/* COMPLETED with an error is the model failing: said in words, with its
 * type, never as an HTTP status. */
static void
test_model_failure (void)
{
  g_autoptr(Studio) studio = studio_new ();
  const char *error_text;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  type_text (row_control (studio, "prompt"), "a lighthouse");
  studio_add_fault (falstaff_session_get_demo_url (studio->session), "POST", "fast-sdxl$", "fail=500", 1);
  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_cmpstr (falstaff_request_view_get_status_text (request_view (studio)), ==, "The model failed");
  error_text = falstaff_request_view_get_error_text (request_view (studio));
  g_assert_nonnull (error_text);
  g_assert_nonnull (strstr (error_text, "runner_server_error"));
  g_assert_null (strstr (error_text, "HTTP"));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "model-error"));
}

/* A /stream call refused: the error says streaming failed, and Run by
 * Queue (a real click) runs the same inputs through the queue. */
static void
test_stream_refused (void)
{
  g_autoptr(Studio) studio = studio_new ();
  const char *error_text;
  GtkWidget *queue_button = NULL;
  GtkToggleButton *toggle;

  start_demo (studio);
  pick_endpoint (studio, "any-llm");
  toggle = _falstaff_window_get_stream_toggle (studio->window);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (toggle)));
  g_assert_true (gtk_toggle_button_get_active (toggle));
  type_text (row_control (studio, "prompt"), "Say hello");
  studio_add_fault (falstaff_session_get_demo_url (studio->session), "POST", "/stream$", "status=405", 1);
  run (studio);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 30000));
  error_text = falstaff_request_view_get_error_text (request_view (studio));
  g_assert_nonnull (error_text);
  g_assert_true (g_str_has_prefix (error_text, "Streaming failed"));

  queue_button = _falstaff_request_view_get_queue_button (request_view (studio));
  g_assert_true (gtk_widget_get_mapped (queue_button));
  falstaff_test_click (queue_button);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_null (fal_request_get_error (falstaff_window_get_request (studio->window)));
  g_assert_false (gtk_toggle_button_get_active (toggle));
  g_assert_false (gtk_widget_get_mapped (queue_button));
}

/* Only endpoints that stream offer the toggle. */
static void
test_stream_toggle_only_when_streaming (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *toggle;

  start_demo (studio);
  toggle = GTK_WIDGET (_falstaff_window_get_stream_toggle (studio->window));
  pick_endpoint (studio, "any-llm");
  g_assert_true (gtk_widget_get_visible (toggle));
  pick_endpoint (studio, "minimax");
  g_assert_false (gtk_widget_get_visible (toggle));
}

static gboolean
status_is_uploading (gpointer data)
{
  return g_str_has_prefix (falstaff_request_view_get_status_text (data), "Uploading 1 file");
}

/* While Run waits for its files, the status says so. */
static void
test_uploading_status (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "falstaff-uploading-test.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 640, 480);
  GtkDropTarget *target;
  GValue value = G_VALUE_INIT;
  gboolean dropped = FALSE;

  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  start_demo (studio);
  pick_endpoint (studio, "image-to-image");
  type_text (row_control (studio, "prompt"), "as a charcoal sketch");
  /* The upload's PUT is held back for a while. */
  studio_add_fault (falstaff_session_get_demo_url (studio->session), "PUT", "", "stall=1500", 1);
  target = _falstaff_window_get_drop_target (studio->window);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (&file, 1));
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &dropped);
  g_value_unset (&value);
  g_assert_true (dropped);

  run (studio);
  g_assert_true (status_is_uploading (request_view (studio)));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "uploading"));
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 20000));
  g_assert_false (status_is_uploading (request_view (studio)));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_null (fal_request_get_error (falstaff_window_get_request (studio->window)));
  g_unlink (path);
}

static gboolean
banner_in_place (gpointer data)
{
  return gtk_revealer_get_child_revealed (data);
}

/* The key kept for this session only: said in words, and dismissable
 * with a real click. */
static void
test_key_banner (void)
{
  g_autoptr(Studio) studio = studio_new ();
  const char *warning;

  enter_key (studio, "test:key");
  warning = falstaff_session_get_key_warning (studio->session);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, "session only"));
  g_assert_null (strstr (warning, "FALSTAFF_"));
  g_assert_null (strstr (warning, "org.freedesktop"));
  g_assert_true (falstaff_test_wait_until ((gboolean (*) (gpointer)) _falstaff_window_get_key_banner_shown,
                                           studio->window, 2000));
  /* Clicked once it has slid in: mid-way the button is not there yet. */
  g_assert_true (falstaff_test_wait_until (banner_in_place,
                                           gtk_widget_get_ancestor (_falstaff_window_get_key_banner_close (studio->window),
                                                                    GTK_TYPE_REVEALER), 5000));
  falstaff_test_click (_falstaff_window_get_key_banner_close (studio->window));
  g_assert_false (_falstaff_window_get_key_banner_shown (studio->window));
}

static gboolean
form_failed (gpointer data)
{
  return g_strcmp0 (_falstaff_window_get_form_state (data), "error") == 0;
}

/* Only endpoints fal knows go to Recent. */
static void
test_made_up_id_not_recent (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  g_auto(GStrv) recent = NULL;
  GtkWidget *search;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  search = falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window));
  gtk_editable_set_text (GTK_EDITABLE (search), "someone/made-up-model");
  g_signal_emit_by_name (search, "search-changed");
  g_signal_emit_by_name (search, "activate");
  g_assert_true (falstaff_test_wait_until (form_failed, studio->window, 10000));
  recent = g_settings_get_strv (settings, "recent-endpoints");
  g_assert_true (g_strv_contains ((const char * const *) recent, "fal-ai/fast-sdxl"));
  g_assert_false (g_strv_contains ((const char * const *) recent, "someone/made-up-model"));
  g_assert_cmpstr (g_settings_get_string (settings, "last-endpoint"), ==, "fal-ai/fast-sdxl");
}

/* What was typed in the demo stays with the demo. */
static void
test_demo_values_apart (void)
{
  Studio *demo = studio_new ();
  g_autoptr(Studio) keyed = NULL;
  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);
  JsonNode *prompt;

  start_demo (demo);
  pick_endpoint (demo, "fast-sdxl");
  type_text (row_control (demo, "prompt"), "typed in the demo");
  gtk_window_close (GTK_WINDOW (demo->window));
  g_object_unref (demo->session);
  g_object_unref (demo->app);
  g_free (demo);

  /* A new window with a key, as after a restart (settings kept). */
  keyed = g_new0 (Studio, 1);
  keyed->app = g_object_ref (g_application_get_default () ? FALSTAFF_APPLICATION (g_application_get_default ()) : NULL);
  keyed->session = falstaff_session_new ();
  keyed->window = falstaff_window_new (keyed->app, keyed->session);
  gtk_window_present (GTK_WINDOW (keyed->window));
  enter_key (keyed, "test:key");
  pick_endpoint (keyed, "fast-sdxl");
  prompt = fal_form_model_get_value (form_model (keyed), "prompt");
  g_assert_true (prompt == NULL || g_strcmp0 (json_node_get_string (prompt), "typed in the demo") != 0);
}

static gboolean
no_pending_cancels (gpointer data)
{
  return falstaff_application_get_pending_cancels (data) == 0;
}

/* Quitting with "Cancel Request": the application is held until fal
 * answered the cancel. */
static void
test_quit_sends_cancel (void)
{
  Studio *studio = studio_new ();
  g_autoptr(FalRequest) request = NULL;
  void *args[2] = { NULL, GUINT_TO_POINTER (FAL_REQUEST_IN_PROGRESS) };

  start_demo (studio);
  pick_endpoint (studio, "minimax");
  type_text (row_control (studio, "prompt"), "a paper boat");
  run (studio);
  args[0] = studio->window;
  g_assert_true (falstaff_test_wait_until (request_in, args, 20000));
  request = g_object_ref (falstaff_window_get_request (studio->window));

  gtk_window_close (GTK_WINDOW (studio->window));
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 5000));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (find_dialog ()), "cancel");
  g_assert_cmpuint (falstaff_application_get_pending_cancels (studio->app), ==, 1);
  g_clear_object (&request);   /* the application holds what it needs */
  g_assert_true (falstaff_test_wait_until (no_pending_cancels, studio->app, 30000));

  g_object_unref (studio->session);
  g_object_unref (studio->app);
  g_free (studio);
}

/* The panes keep their widths while statuses and errors change. */
static void
test_panes_keep_widths (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *form = GTK_WIDGET (_falstaff_window_get_form_view (studio->window));
  GtkWidget *results = GTK_WIDGET (request_view (studio));
  int form_width, results_width;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "panes-before"));
  form_width = gtk_widget_get_width (form);
  results_width = gtk_widget_get_width (results);
  g_assert_cmpint (form_width, >, 0);

  /* A long error from the model, then a field error. */
  type_text (row_control (studio, "prompt"), "a lighthouse");
  studio_add_fault (falstaff_session_get_demo_url (studio->session), "POST", "fast-sdxl$",
                    "fail=500; fail-type=runner_server_error_with_a_very_long_type_name_that_goes_on", 1);
  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "panes-error"));
  g_assert_cmpint (gtk_widget_get_width (form), ==, form_width);
  g_assert_cmpint (gtk_widget_get_width (results), ==, results_width);

  type_text (row_control (studio, "prompt"), "");
  run (studio);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 10000));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "panes-field-error"));
  g_assert_cmpint (gtk_widget_get_width (form), ==, form_width);
  g_assert_cmpint (gtk_widget_get_width (results), ==, results_width);
}

static GtkLabel *
find_label (GtkWidget  *widget,
            const char *text)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkLabel *found;

      if (GTK_IS_LABEL (child) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (child)), text) == 0)
        return GTK_LABEL (child);
      if ((found = find_label (child, text)))
        return found;
    }
  return NULL;
}

/* At 360 px the endpoint's title is readable, not cut. */
static void
test_narrow_title (void)
{
  g_autoptr(Studio) studio = studio_new ();
  AdwWindowTitle *title;
  GtkLabel *label;

  gtk_window_set_default_size (GTK_WINDOW (studio->window), 360, 700);
  start_demo (studio);
  pick_endpoint (studio, "image-to-image");
  title = _falstaff_window_get_title (studio->window);
  label = find_label (GTK_WIDGET (title), adw_window_title_get_title (title));
  g_assert_nonnull (label);
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "narrow-title"));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (label)));
  g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (label)));
}

typedef struct {
  char *text;
  gboolean done;
} ClipboardRead;

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  ClipboardRead *read = data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

static char *
read_clipboard (GtkWidget *widget)
{
  ClipboardRead read = { NULL, FALSE };

  gdk_clipboard_read_text_async (gtk_widget_get_clipboard (widget), NULL, clipboard_read_cb, &read);
  g_assert_true (falstaff_test_wait_until (clipboard_read_done, &read, 5000));
  return read.text;
}

/* The JSON tab: Copy gives the whole JSON, and the text never hyphenates
 * (a URL copied by hand stays intact). */
static void
test_json_copy (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *copied = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(JsonNode) parsed = NULL;
  GtkTextView *json_view;
  GtkTextBuffer *buffer;
  GtkTextTag *tag;
  GtkTextIter start, end;
  gboolean hyphens = TRUE;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  type_text (row_control (studio, "prompt"), "a lighthouse on a cliff, with a very long prompt that wraps");
  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  falstaff_request_view_show_page (request_view (studio), "json");

  json_view = _falstaff_request_view_get_json_view (request_view (studio));
  buffer = gtk_text_view_get_buffer (json_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  shown = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "no-hyphens");
  g_assert_nonnull (tag);
  g_object_get (tag, "insert-hyphens", &hyphens, NULL);
  g_assert_false (hyphens);
  g_assert_true (gtk_text_iter_starts_tag (&start, tag));
  g_assert_true (gtk_text_iter_ends_tag (&end, tag));

  falstaff_test_click (_falstaff_request_view_get_copy_json_button (request_view (studio)));
  copied = read_clipboard (GTK_WIDGET (studio->window));
  g_assert_cmpstr (copied, ==, shown);
  parsed = json_from_string (copied, NULL);
  g_assert_nonnull (parsed);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (parsed));
  g_assert_true (json_object_has_member (json_node_get_object (parsed), "images"));
}

/* Behind a proxy that adds the key (FALSTAFF_PROXY_URL), the app needs
 * no key of its own: no first-run page, and runs go through the proxy. */
static void
test_behind_proxy (void)
{
  g_autoptr(ProxyFixture) proxy = proxy_fixture_new ("test:key");
  g_autoptr(Studio) studio = NULL;
  FalRequest *request;

  g_setenv ("FALSTAFF_PROXY_URL", proxy_fixture_get_url (proxy), TRUE);
  studio = studio_new ();
  g_unsetenv ("FALSTAFF_PROXY_URL");
  wait_for_page (studio, "studio");
  g_assert_false (fal_client_has_key (falstaff_session_get_client (studio->session)));

  pick_endpoint (studio, "fast-sdxl");
  type_text (row_control (studio, "prompt"), "a lighthouse");
  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  request = falstaff_window_get_request (studio->window);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  g_assert_nonnull (fal_request_get_result (request));
  g_assert_cmpuint (proxy_fixture_get_n_forwarded (proxy), >=, 3);
}

static gboolean
status_says_lost (gpointer data)
{
  return g_str_has_prefix (falstaff_request_view_get_status_text (data), "Connection lost, retrying");
}

/* fal stops answering mid-run: within 5 s the status says so with the
 * time since the last answer, and the run recovers by itself. */
static void
test_connection_lost (void)
{
  g_autoptr(TcpRelay) relay = tcp_relay_new (fal_local_server_get_url (studio_fixture_get_keyed_server ()));
  g_autofree char *saved_url = g_strdup (g_getenv ("FALSTAFF_LOCAL_URL"));
  g_autoptr(Studio) studio = NULL;
  void *args[2] = { NULL, GUINT_TO_POINTER (FAL_REQUEST_IN_PROGRESS) };
  FalRequest *request;
  gint64 gone_at;

  g_setenv ("FALSTAFF_LOCAL_URL", tcp_relay_get_url (relay), TRUE);
  studio = studio_new ();
  g_setenv ("FALSTAFF_LOCAL_URL", saved_url, TRUE);
  enter_key (studio, "test:key");
  pick_endpoint (studio, "minimax");
  type_text (row_control (studio, "prompt"), "a paper boat");
  run (studio);
  args[0] = studio->window;
  g_assert_true (falstaff_test_wait_until (request_in, args, 20000));
  request = falstaff_window_get_request (studio->window);

  gone_at = g_get_monotonic_time ();
  tcp_relay_close (relay);
  g_assert_true (falstaff_test_wait_until (status_says_lost, request_view (studio), 5000));
  g_test_message ("said after %.1f s", (g_get_monotonic_time () - gone_at) / 1e6);
  g_assert_null (falstaff_request_view_get_error_text (request_view (studio)));
  /* The seconds since the last answer count up. */
  g_usleep (G_USEC_PER_SEC);
  g_assert_true (falstaff_test_wait_until (status_says_lost, request_view (studio), 1000));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "connection-lost"));

  tcp_relay_reopen (relay);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_no_error ((GError *) fal_request_get_error (request));
  g_assert_nonnull (fal_request_get_result (request));
  g_assert_false (status_says_lost (request_view (studio)));
}

/* Popovers are children of the widget they point at. */
static gboolean
has_mapped (GtkWidget *widget,
            GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    if ((G_TYPE_CHECK_INSTANCE_TYPE (child, type) && gtk_widget_get_mapped (child)) || has_mapped (child, type))
      return TRUE;
  return FALSE;
}

/* Typed fast and Enter at once (before the search's own delay): the
 * endpoint typed is the one picked, and the focus goes to its form. */
static void
test_type_fast_and_pick (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *search;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  search = falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window));
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  falstaff_test_press_keys (search, "m i n i m a x Return");
  g_assert_true (falstaff_test_wait_until (form_ready, studio->window, 10000));
  g_assert_cmpstr (fal_form_model_get_endpoint_id (form_model (studio)), ==, "fal-ai/minimax/video-01");
  g_assert_true (focus_within (GTK_WIDGET (studio->window), row_control (studio, "prompt")));

  /* Ctrl+Period with nothing to cancel opens no emoji chooser, and
   * Ctrl+Enter while a run goes adds no newline. */
  falstaff_test_press_keys (row_control (studio, "prompt"), "a b c ctrl+period");
  g_assert_false (has_mapped (GTK_WIDGET (studio->window), GTK_TYPE_EMOJI_CHOOSER));
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return ctrl+Return");
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  {
    g_autofree char *text = text_view_text (row_control (studio, "prompt"));
    g_assert_cmpstr (text, ==, "abc");
  }
  gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.cancel", NULL);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 30000));
}

static gboolean
has_images (gpointer data)
{
  return falstaff_output_view_get_n_images (data) > 0;
}

/* An attempt refused before it reaches fal clears nothing: the last
 * result stays, the status says it was not sent. */
static void
test_refused_keeps_result (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffOutputView *output;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  output = FALSTAFF_OUTPUT_VIEW (falstaff_request_view_get_output_view (request_view (studio)));
  type_text (row_control (studio, "prompt"), "a lighthouse");
  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_true (falstaff_test_wait_until (has_images, output, 10000));

  type_text (row_control (studio, "prompt"), "");
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return");
  g_assert_cmpstr (falstaff_request_view_get_status_text (request_view (studio)), ==, "Not sent");
  g_assert_nonnull (falstaff_request_view_get_error_text (request_view (studio)));
  g_assert_cmpuint (falstaff_output_view_get_n_images (output), >, 0);
}

/* After the runs above (typed key, uploads, results kept, thumbnails,
 * the history): no file the app wrote holds the key. It lives in the
 * Secret Service (encrypted by the keyring) or in memory only. */
static void
test_key_in_no_file (void)
{
  const char *dirs[] = { g_get_user_cache_dir (), g_get_user_data_dir (), g_get_user_config_dir () };
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  guint n_files = 0;

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *own = g_build_filename (dirs[i], "falstaff", NULL);

      n_files += file_scan_find (own, "test:key", found);
    }
  g_test_message ("%u files the app wrote, read", n_files);
  /* The history database at least, and kept outputs. */
  g_assert_cmpuint (n_files, >=, 2);
  if (found->len > 0)
    g_error ("the key is in %s", (char *) found->pdata[0]);
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/keys/run-from-prompt", test_run_from_prompt);
  g_test_add_func ("/ui/keys/cancel-from-entry", test_cancel_from_entry);
  g_test_add_func ("/ui/keys/click-run-keeps-focus", test_click_run_keeps_focus);
  g_test_add_func ("/ui/keys/focus-at-start", test_focus_at_start);
  g_test_add_func ("/ui/keys/type-fast-and-pick", test_type_fast_and_pick);
  g_test_add_func ("/ui/states/cancelled-in-queue", test_cancelled_in_queue);
  g_test_add_func ("/ui/states/cancelled-running", test_cancelled_running);
  g_test_add_func ("/ui/states/model-failure", test_model_failure);
  g_test_add_func ("/ui/states/stream-refused", test_stream_refused);
  g_test_add_func ("/ui/states/stream-toggle", test_stream_toggle_only_when_streaming);
  g_test_add_func ("/ui/states/uploading", test_uploading_status);
  g_test_add_func ("/ui/words/key-banner", test_key_banner);
  g_test_add_func ("/ui/recent/made-up-id", test_made_up_id_not_recent);
  g_test_add_func ("/ui/values/demo-apart", test_demo_values_apart);
  g_test_add_func ("/ui/quit/sends-cancel", test_quit_sends_cancel);
  g_test_add_func ("/ui/layout/panes-keep-widths", test_panes_keep_widths);
  g_test_add_func ("/ui/layout/narrow-title", test_narrow_title);
  g_test_add_func ("/ui/words/json-copy", test_json_copy);
  g_test_add_func ("/ui/states/refused-keeps-result", test_refused_keeps_result);
  g_test_add_func ("/ui/proxy/no-key-needed", test_behind_proxy);
  g_test_add_func ("/ui/states/connection-lost", test_connection_lost);
  /* Last: it reads what the runs above left. */
  g_test_add_func ("/ui/secrets/key-in-no-file", test_key_in_no_file);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
