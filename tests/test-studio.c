/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include <adwaita.h>

#include "fal.h"
#include "fal-local-server.h"

#include "falstaff-application.h"
#include "falstaff-file-row.h"
#include "falstaff-media-view.h"
#include "falstaff-zoom-view.h"
#include "falstaff-zoom-window.h"
#include "falstaff-log-view.h"
#include "falstaff-output-view.h"
#include "falstaff-session.h"
#include "falstaff-window-private.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* ------------------------------------------------------------------ tests */

static void
test_first_run_page (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *shot = NULL;

  wait_for_page (studio, "welcome");
  g_assert_true (gtk_widget_get_visible (falstaff_welcome_page_get_demo_button (_falstaff_window_get_welcome_page (studio->window))));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (studio->window)));
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "first-run");
}

static gboolean
welcome_has_message (gpointer data)
{
  return falstaff_welcome_page_get_message (data) != NULL;
}

static void
test_wrong_key (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffWelcomePage *welcome = _falstaff_window_get_welcome_page (studio->window);
  GtkWidget *key_row = falstaff_welcome_page_get_key_row (welcome);

  wait_for_page (studio, "welcome");
  gtk_editable_set_text (GTK_EDITABLE (key_row), "wrong:key");
  g_signal_emit_by_name (key_row, "apply");
  g_assert_true (falstaff_test_wait_until (welcome_has_message, welcome, 10000));
  /* The server's own words, and still on the first-run page. */
  g_assert_nonnull (strstr (falstaff_welcome_page_get_message (welcome), "No user found for Key ID and Secret"));
  g_assert_cmpstr (falstaff_window_get_page (studio->window), ==, "welcome");
  g_assert_false (fal_client_has_key (falstaff_session_get_client (studio->session)));
}

static void
test_key_entry (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *key_row = falstaff_welcome_page_get_key_row (_falstaff_window_get_welcome_page (studio->window));

  wait_for_page (studio, "welcome");
  gtk_editable_set_text (GTK_EDITABLE (key_row), "test:key");
  g_signal_emit_by_name (key_row, "apply");
  wait_for_page (studio, "studio");
  g_assert_cmpint (falstaff_session_get_mode (studio->session), ==, FALSTAFF_SESSION_ONLINE);
  g_assert_true (fal_client_has_key (falstaff_session_get_client (studio->session)));
}

static gboolean
is_mapped_list_item (GtkWidget *widget)
{
  return gtk_widget_get_mapped (widget) && g_str_equal (G_OBJECT_TYPE_NAME (widget), "GtkListItemWidget");
}

/* The picker's list has rows on screen (it is filled the frame after the
 * studio's first, as a person sees it). */
static gboolean
picker_has_rows (gpointer data)
{
  Studio *studio = data;

  return falstaff_test_find_descendant (GTK_WIDGET (_falstaff_window_get_picker (studio->window)),
                                        is_mapped_list_item) != NULL;
}

static void
test_demo (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *shot = NULL;

  start_demo (studio);
  g_assert_nonnull (falstaff_session_get_demo_url (studio->session));
  /* The screenshot of the studio as a person sees it: the list filled. */
  g_assert_true (falstaff_test_wait_until (picker_has_rows, studio, 5000));
  falstaff_test_iterate_for (200);
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "empty");
}

typedef struct {
  GPtrArray *statuses;
} StatusLog;

static void
status_changed_cb (FalRequest *request,
                   GParamSpec *pspec,
                   StatusLog  *log)
{
  const char *status = fal_request_status_to_string (fal_request_get_status (request));

  if (log->statuses->len == 0 || !g_str_equal (g_ptr_array_index (log->statuses, log->statuses->len - 1), status))
    g_ptr_array_add (log->statuses, g_strdup (status));
}

static gboolean
images_loaded (gpointer data)
{
  void **args = data;

  return falstaff_output_view_get_n_images (args[0]) >= GPOINTER_TO_UINT (args[1]);
}

static gboolean
zoom_window_shown (gpointer data)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (FALSTAFF_IS_ZOOM_WINDOW (window))
        {
          int width = 0, height = 0;

          falstaff_zoom_view_get_image_size (falstaff_zoom_window_get_view (FALSTAFF_ZOOM_WINDOW (window)), &width, &height);
          if (width == 256 && height == 192)
            return TRUE;
        }
    }
  return FALSE;
}

static void
test_run_images (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(JsonNode) size = json_from_string ("{\"width\": 256, \"height\": 192}", NULL);
  StatusLog log = { g_ptr_array_new_with_free_func (g_free) };
  FalstaffRequestView *view;
  FalstaffOutputView *output;
  FalRequest *request;
  void *args[2];
  int width = 0, height = 0;
  g_autofree char *shot1 = NULL;
  g_autofree char *shot2 = NULL;
  g_autofree char *shot3 = NULL;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  g_assert_cmpstr (fal_form_model_get_endpoint_id (form_model (studio)), ==, "fal-ai/fast-sdxl");

  /* The prompt through its text area, the rest through their rows. */
  type_text (row_control (studio, "prompt"), "a lighthouse on a cliff at dusk");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (studio, "num_images")), 2);
  fal_form_model_set_value (form_model (studio), "image_size", size);
  falstaff_form_view_refresh (_falstaff_window_get_form_view (studio->window));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_prev_sibling (row_control (studio, "seed"))), FALSE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (studio, "seed")), 42);
  shot1 = falstaff_test_screenshot (GTK_WIDGET (studio->window), "form-filled");

  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  request = falstaff_window_get_request (studio->window);
  g_signal_connect (request, "notify::status", G_CALLBACK (status_changed_cb), &log);

  view = _falstaff_window_get_request_view (studio->window);
  falstaff_request_view_show_page (view, "logs");
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_true (falstaff_window_get_request (studio->window) == request);
  g_assert_null (fal_request_get_error (request));

  /* The statuses seen after submit: queue, progress, completion. */
  g_assert_cmpuint (log.statuses->len, >=, 2);
  g_assert_cmpstr (g_ptr_array_index (log.statuses, log.statuses->len - 1), ==, "COMPLETED");
  g_assert_true (g_ptr_array_find_with_equal_func (log.statuses, "IN_QUEUE", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (log.statuses, "IN_PROGRESS", g_str_equal, NULL));
  g_assert_nonnull (strstr (falstaff_request_view_get_status_text (view), "Completed"));
  g_assert_cmpuint (g_list_model_get_n_items (fal_request_get_logs (request)), >, 0);
  shot2 = falstaff_test_screenshot (GTK_WIDGET (studio->window), "running-logs");

  falstaff_request_view_show_page (view, "output");
  output = FALSTAFF_OUTPUT_VIEW (falstaff_request_view_get_output_view (view));
  args[0] = output;
  args[1] = GUINT_TO_POINTER (2);
  g_assert_true (falstaff_test_wait_until (images_loaded, args, 20000));
  g_assert_cmpstr (falstaff_output_view_get_kind (output), ==, "gallery");
  for (guint i = 0; i < 2; i++)
    {
      g_assert_true (falstaff_output_view_get_image_size (output, i, &width, &height));
      g_assert_cmpint (width, ==, 256);
      g_assert_cmpint (height, ==, 192);
    }
  shot3 = falstaff_test_screenshot (GTK_WIDGET (studio->window), "image-results");

  /* A thumbnail opens large: the zoom window comes up with the full image. */
  falstaff_output_view_open_image (output, 0);
  g_assert_true (falstaff_test_wait_until (zoom_window_shown, NULL, 10000));
  {
    GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

    for (guint i = g_list_model_get_n_items (toplevels); i > 0; i--)
      {
        g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i - 1);

        if (FALSTAFF_IS_ZOOM_WINDOW (window))
          gtk_window_destroy (window);
      }
  }
  g_ptr_array_unref (log.statuses);
}

typedef struct {
  FalstaffOutputView *output;
  GHashTable *lengths;
} Growth;

static void
stream_event_cb (FalStream *stream,
                 JsonNode  *event,
                 Growth    *growth)
{
  /* What the view shows right after each event. */
  g_autofree char *text = falstaff_output_view_get_text (growth->output);

  g_hash_table_add (growth->lengths, GUINT_TO_POINTER ((guint) strlen (text) + 1));
}

static gboolean
stream_exists (gpointer data)
{
  return falstaff_window_get_stream (data) != NULL;
}

static void
test_stream_text (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(GHashTable) lengths = g_hash_table_new (NULL, NULL);
  Growth growth;
  FalStream *stream;
  g_autofree char *final = NULL;
  g_autofree char *shot = NULL;

  start_demo (studio);
  pick_endpoint (studio, "any-llm");
  g_assert_true (gtk_toggle_button_get_active (_falstaff_window_get_stream_toggle (studio->window)));
  type_text (row_control (studio, "prompt"), "Why is the sky blue?");
  run (studio);
  g_assert_true (falstaff_test_wait_until (stream_exists, studio->window, 5000));
  stream = falstaff_window_get_stream (studio->window);
  growth.output = FALSTAFF_OUTPUT_VIEW (falstaff_request_view_get_output_view (_falstaff_window_get_request_view (studio->window)));
  growth.lengths = lengths;
  g_signal_connect_after (stream, "event", G_CALLBACK (stream_event_cb), &growth);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_null (fal_stream_get_error (stream));

  /* The text took at least three growing lengths while it streamed. */
  g_assert_cmpuint (g_hash_table_size (lengths), >=, 3);
  final = falstaff_output_view_get_text (growth.output);
  g_assert_nonnull (strstr (final, "Why is the sky blue?"));
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "streaming-text");
}

static void
test_422_on_row (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(JsonNode) size = json_from_string ("{\"width\": 5000, \"height\": 5000}", NULL);
  g_autofree char *shot = NULL;
  FalFormModel *model;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  model = form_model (studio);
  type_text (row_control (studio, "prompt"), "too big");
  /* Valid for the schema; the server's 4096 px cap answers 422. */
  fal_form_model_set_value (model, "image_size", size);
  falstaff_form_view_refresh (_falstaff_window_get_form_view (studio->window));
  run (studio);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 30000));
  g_assert_nonnull (falstaff_form_view_get_row_error (_falstaff_window_get_form_view (studio->window), "image_size"));
  g_assert_nonnull (falstaff_request_view_get_error_text (_falstaff_window_get_request_view (studio->window)));
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "error");
}

static void
test_local_validation (void)
{
  g_autoptr(Studio) studio = studio_new ();

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  type_text (row_control (studio, "prompt"), "");
  run (studio);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 5000));
  /* Refused before sending: nothing submitted, the prompt row says why. */
  g_assert_null (falstaff_window_get_request (studio->window));
  g_assert_nonnull (falstaff_form_view_get_row_error (_falstaff_window_get_form_view (studio->window), "prompt"));
}

static guint
string_index (GtkDropDown *drop_down,
              const char  *text)
{
  GListModel *items = gtk_drop_down_get_model (drop_down);

  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (items, i);

      if (g_str_equal (gtk_string_object_get_string (item), text))
        return i;
    }
  g_assert_not_reached ();
}

/* Each kind of row, driven through its widget, lands in the body. */
static void
test_row_kinds (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  GtkWidget *seed;
  JsonObject *object;
  JsonArray *loras;
  double guidance = 0;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");

  type_text (row_control (studio, "prompt"), "a red fox");
  type_text (row_control (studio, "negative_prompt"), "blurry");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (studio, "num_inference_steps")), 12);
  g_assert_true (GTK_IS_SCALE (row_control (studio, "guidance_scale")));
  gtk_range_set_value (GTK_RANGE (row_control (studio, "guidance_scale")), 5.5);
  gtk_switch_set_active (GTK_SWITCH (row_control (studio, "expand_prompt")), TRUE);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (row_control (studio, "format")),
                              string_index (GTK_DROP_DOWN (row_control (studio, "format")), "png"));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (row_control (studio, "image_size")),
                              string_index (GTK_DROP_DOWN (row_control (studio, "image_size")), "square"));
  type_text (row_control (studio, "loras"), "[{\"path\": \"https://example.com/style.safetensors\", \"scale\": 0.5}]");
  seed = row_control (studio, "seed");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_prev_sibling (seed)), FALSE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (seed), 7);

  body = fal_form_model_build_body (form_model (studio), &error);
  g_assert_no_error (error);
  object = json_node_get_object (body);
  g_assert_cmpstr (json_object_get_string_member (object, "prompt"), ==, "a red fox");
  g_assert_cmpstr (json_object_get_string_member (object, "negative_prompt"), ==, "blurry");
  g_assert_cmpint (json_object_get_int_member (object, "num_inference_steps"), ==, 12);
  g_assert_true (fal_json_get_double (object, "guidance_scale", &guidance));
  g_assert_cmpfloat_with_epsilon (guidance, 5.5, 0.01);
  g_assert_true (json_object_get_boolean_member (object, "expand_prompt"));
  g_assert_cmpstr (json_object_get_string_member (object, "format"), ==, "png");
  g_assert_cmpstr (json_object_get_string_member (object, "image_size"), ==, "square");
  g_assert_cmpint (json_object_get_int_member (object, "seed"), ==, 7);
  loras = json_object_get_array_member (object, "loras");
  g_assert_cmpuint (json_array_get_length (loras), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (loras, 0), "path"), ==,
                   "https://example.com/style.safetensors");
  /* Untouched optional fields are not sent. */
  g_assert_false (json_object_has_member (object, "sync_mode"));

  /* And the run really uses it: the square preset and the seed come back. */
  run (studio);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  object = json_node_get_object (fal_request_get_result (falstaff_window_get_request (studio->window)));
  g_assert_cmpint (json_object_get_int_member (object, "seed"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (json_object_get_array_member (object, "images"), 0), "width"), ==, 512);
}

/* The values typed for an endpoint come back with it. */
static void
test_values_kept (void)
{
  g_autoptr(Studio) studio = studio_new ();

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  type_text (row_control (studio, "prompt"), "kept across endpoints");
  pick_endpoint (studio, "flux/schnell");
  pick_endpoint (studio, "fast-sdxl");
  g_assert_cmpstr (json_node_get_string (fal_form_model_get_value (form_model (studio), "prompt")), ==,
                   "kept across endpoints");
}

static gboolean
results_shown (gpointer data)
{
  return gtk_widget_get_mapped (GTK_WIDGET (_falstaff_window_get_request_view (data)));
}

/* At 360 px the panes stack: the form, then the results after Run. */
static void
test_narrow (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *shot = NULL;

  gtk_window_set_default_size (GTK_WINDOW (studio->window), 360, 700);
  start_demo (studio);
  pick_endpoint (studio, "any-llm");
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (_falstaff_window_get_request_view (studio->window))));
  type_text (row_control (studio, "prompt"), "Say hello");
  run (studio);
  g_assert_true (falstaff_test_wait_until (results_shown, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "narrow");
}

static gboolean
form_failed (gpointer data)
{
  return g_strcmp0 (_falstaff_window_get_form_state (data), "error") == 0;
}

/* An id the catalog does not know is used as typed; an endpoint without
 * a schema says so instead of a form. */
static void
test_typed_id (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *search;

  start_demo (studio);
  search = falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window));
  gtk_editable_set_text (GTK_EDITABLE (search), "someone/unknown-model");
  g_signal_emit_by_name (search, "search-changed");
  g_signal_emit_by_name (search, "activate");
  g_assert_true (falstaff_test_wait_until (form_failed, studio->window, 10000));
  /* Nothing to run without a form: a press starts nothing. */
  gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.run", NULL);
  g_assert_false (falstaff_test_wait_until (request_exists, studio->window, 500));
  g_assert_false (falstaff_window_is_running (studio->window));
}

static void
test_forget_key (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *key_row = falstaff_welcome_page_get_key_row (_falstaff_window_get_welcome_page (studio->window));

  wait_for_page (studio, "welcome");
  gtk_editable_set_text (GTK_EDITABLE (key_row), "test:key");
  g_signal_emit_by_name (key_row, "apply");
  wait_for_page (studio, "studio");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.forget-key", NULL));
  wait_for_page (studio, "welcome");
  g_assert_false (fal_client_has_key (falstaff_session_get_client (studio->session)));
}

static gboolean
request_done (gpointer data)
{
  return fal_request_is_done (data);
}

/* Spinners that turn, shown or not: each restyles itself every frame. */
static guint
count_spinning (GtkWidget *widget)
{
  guint n = GTK_IS_SPINNER (widget) && gtk_spinner_get_spinning (GTK_SPINNER (widget));

  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    n += count_spinning (child);
  return n;
}

static GtkWidget *
find_icon (GtkWidget  *widget,
           const char *icon_name)
{
  if (GTK_IS_IMAGE (widget) && g_strcmp0 (gtk_image_get_icon_name (GTK_IMAGE (widget)), icon_name) == 0)
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_icon (child, icon_name);

      if (found)
        return found;
    }
  return NULL;
}

static gboolean
status_is_queued (gpointer data)
{
  return g_str_has_prefix (falstaff_request_view_get_status_text (data), "In queue");
}

/* A run waiting in fal's queue (issue 16): the status says so beside a
 * still icon, and nothing in the window turns, so a window with runs
 * queued draws no frames. */
static void
test_quiet_while_queued (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(FalRequest) request = NULL;
  FalstaffRequestView *view;
  GtkWidget *icon;
  void *args[2];

  /* A queue step of 400 s: the run waits in the queue for the whole test. */
  g_setenv ("FALSTAFF_DEMO_SPEED", "0.001", TRUE);
  start_demo (studio);
  g_unsetenv ("FALSTAFF_DEMO_SPEED");
  pick_endpoint (studio, "fast-sdxl");
  /* Nothing turns in the window with the form shown. */
  g_assert_cmpuint (count_spinning (GTK_WIDGET (studio->window)), ==, 0);
  type_text (row_control (studio, "prompt"), "a lighthouse, queued");
  run (studio);
  args[0] = studio->window;
  args[1] = GUINT_TO_POINTER (FAL_REQUEST_IN_QUEUE);
  g_assert_true (falstaff_test_wait_until (request_in, args, 20000));
  request = g_object_ref (falstaff_window_get_request (studio->window));
  view = _falstaff_window_get_request_view (studio->window);
  g_assert_true (falstaff_test_wait_until (status_is_queued, view, 5000));
  /* Positions and keep-alives come and go meanwhile. */
  falstaff_test_wait_until (request_done, request, 1500);
  g_assert_false (fal_request_is_done (request));
  g_assert_true (status_is_queued (view));

  icon = find_icon (GTK_WIDGET (view), "content-loading-symbolic");
  g_assert_nonnull (icon);
  g_assert_true (gtk_widget_get_mapped (icon));
  g_assert_cmpuint (count_spinning (GTK_WIDGET (studio->window)), ==, 0);

  gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.cancel", NULL);
  g_assert_true (falstaff_test_wait_until (request_done, request, 30000));
  g_assert_false (gtk_widget_get_visible (icon));
  g_assert_cmpuint (count_spinning (GTK_WIDGET (studio->window)), ==, 0);
}

/* Closing while a request runs asks; "Cancel Request" cancels it at fal. */
static void
test_close_while_running (void)
{
  Studio *studio = studio_new ();
  g_autoptr(FalRequest) request = NULL;
  void *args[2];

  start_demo (studio);
  pick_endpoint (studio, "minimax");
  type_text (row_control (studio, "prompt"), "a paper boat");
  run (studio);
  args[0] = studio->window;
  args[1] = GUINT_TO_POINTER (FAL_REQUEST_IN_PROGRESS);
  g_assert_true (falstaff_test_wait_until (request_in, args, 20000));
  request = g_object_ref (falstaff_window_get_request (studio->window));

  gtk_window_close (GTK_WINDOW (studio->window));
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 5000));
  /* Still open: it asked first, showing the id a paid result is fetched by. */
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (studio->window)));
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (find_dialog ())),
                            fal_request_get_request_id (request)));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (find_dialog ()), "cancel");
  g_assert_true (falstaff_test_wait_until (request_done, request, 30000));
  g_assert_error (fal_request_get_error (request), FAL_ERROR, FAL_ERROR_CANCELLED);

  g_object_unref (studio->session);
  g_object_unref (studio->app);
  g_free (studio);
}

static gboolean
rows_idle (gpointer data)
{
  g_autoptr(GPtrArray) rows = falstaff_form_view_get_file_rows (data);

  for (guint i = 0; i < rows->len; i++)
    if (falstaff_file_row_get_busy (g_ptr_array_index (rows, i)))
      return FALSE;
  return TRUE;
}

/* A 320×200 picture of our own. */
static void
write_picture (const char *path)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 320, 200);
  cairo_t *cr = cairo_create (surface);

  cairo_set_source_rgb (cr, 0.2, 0.4, 0.8);
  cairo_paint (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
}

/* The window's own drop target, as a drag from a file manager ends. */
static void
drop_on_window (Studio *studio,
                GFile  *file)
{
  GtkDropTarget *target = _falstaff_window_get_drop_target (studio->window);
  GValue value = G_VALUE_INIT;
  gboolean dropped = FALSE;

  g_assert_nonnull (target);
  g_value_init (&value, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&value, gdk_file_list_new_from_array (&file, 1));
  g_signal_emit_by_name (target, "drop", &value, 10.0, 10.0, &dropped);
  g_value_unset (&value);
  g_assert_true (dropped);
}

/* A picture dropped on the window lands in the image field, uploads, and
 * the image-to-image output is made from it. */
static void
test_image_to_image_drop (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "falstaff-drop-test.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) rows = NULL;
  JsonObject *image;
  g_autofree char *shot = NULL;

  write_picture (path);

  start_demo (studio);
  pick_endpoint (studio, "image-to-image");
  type_text (row_control (studio, "prompt"), "as a watercolor");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (gtk_widget_get_prev_sibling (row_control (studio, "seed"))), FALSE);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (row_control (studio, "seed")), 5);

  drop_on_window (studio, file);

  rows = falstaff_form_view_get_file_rows (_falstaff_window_get_form_view (studio->window));
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpuint (falstaff_file_row_get_n_items (g_ptr_array_index (rows, 0)), ==, 1);
  /* Run waits for the upload by itself. */
  run (studio);
  g_assert_true (falstaff_test_wait_until (rows_idle, _falstaff_window_get_form_view (studio->window), 20000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_null (fal_request_get_error (falstaff_window_get_request (studio->window)));
  image = json_array_get_object_element (json_object_get_array_member (json_node_get_object (fal_request_get_result (falstaff_window_get_request (studio->window))), "images"), 0);
  /* Made from the dropped picture: its size. */
  g_assert_cmpint (json_object_get_int_member (image, "width"), ==, 320);
  g_assert_cmpint (json_object_get_int_member (image, "height"), ==, 200);
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "image-to-image");
  g_unlink (path);
}

/* Cancel while Run still waits for an upload: nothing is sent, the run
 * ends, the file finishes uploading and the next Run goes through. */
static void
test_cancel_while_uploading (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "falstaff-cancel-test.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GPtrArray) rows = NULL;
  FalstaffFormView *form;

  write_picture (path);
  start_demo (studio);
  pick_endpoint (studio, "image-to-image");
  type_text (row_control (studio, "prompt"), "as a charcoal sketch");
  form = _falstaff_window_get_form_view (studio->window);
  drop_on_window (studio, file);
  rows = falstaff_form_view_get_file_rows (form);
  g_assert_true (falstaff_file_row_get_busy (g_ptr_array_index (rows, 0)));

  run (studio);
  g_assert_true (falstaff_window_is_running (studio->window));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.cancel", NULL));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 5000));
  g_assert_null (falstaff_window_get_request (studio->window));

  g_assert_true (falstaff_test_wait_until (rows_idle, form, 20000));
  g_assert_false (falstaff_test_wait_until (request_exists, studio->window, 300));
  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_null (fal_request_get_error (falstaff_window_get_request (studio->window)));
  g_unlink (path);
}

static gboolean
media_prepared (gpointer data)
{
  GPtrArray *views = falstaff_output_view_get_media_views (data);
  GtkMediaStream *stream;

  if (views->len == 0)
    return FALSE;
  stream = falstaff_media_view_get_stream (g_ptr_array_index (views, 0));
  return (stream && gtk_media_stream_is_prepared (stream)) ||
         g_strcmp0 (falstaff_media_view_get_state (g_ptr_array_index (views, 0)), "error") == 0;
}

static void
test_video_output (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffOutputView *output;
  FalstaffMediaView *media;
  g_autofree char *shot = NULL;

  start_demo (studio);
  pick_endpoint (studio, "minimax");
  type_text (row_control (studio, "prompt"), "a paper boat drifting down a stream");
  run (studio);
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  output = FALSTAFF_OUTPUT_VIEW (falstaff_request_view_get_output_view (_falstaff_window_get_request_view (studio->window)));
  g_assert_true (falstaff_test_wait_until (media_prepared, output, 30000));
  media = g_ptr_array_index (falstaff_output_view_get_media_views (output), 0);
  g_assert_cmpstr (falstaff_media_view_get_state (media), ==, "video");
  g_assert_true (gtk_media_stream_is_prepared (falstaff_media_view_get_stream (media)));
  shot = falstaff_test_screenshot (GTK_WIDGET (studio->window), "video-result");
}

static void
test_templates (void)
{
  GType types[] = {
    FALSTAFF_TYPE_WELCOME_PAGE, FALSTAFF_TYPE_ENDPOINT_PICKER, FALSTAFF_TYPE_FORM_VIEW,
    FALSTAFF_TYPE_REQUEST_VIEW, FALSTAFF_TYPE_OUTPUT_VIEW, FALSTAFF_TYPE_LOG_VIEW,
  };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      GtkWidget *widget = g_object_ref_sink (g_object_new (types[i], NULL));

      g_assert_true (GTK_IS_WIDGET (widget));
      g_object_unref (widget);
    }
}

/* A form that comes quickly shows no spinner before it (the restored
 * endpoint's form comes from the schema cache 30–140 ms after the first
 * frame: a spinner would flash); one that takes longer than 300 ms shows
 * it turning, and it stops with the form. */
static void
test_form_spinner_late (void)
{
  g_autoptr(Studio) studio = studio_new ();
  GtkWidget *window;

  start_demo (studio);
  window = GTK_WIDGET (studio->window);
  /* Run first (see main): its schema is not kept yet. */
  studio_add_fault (falstaff_session_get_demo_url (studio->session), "GET", "openapi", "stall=1500", 1);
  falstaff_window_select_endpoint (studio->window, "fal-ai/whisper");
  g_assert_cmpstr (_falstaff_window_get_form_state (studio->window), ==, "loading");
  falstaff_test_iterate_for (150);
  g_assert_cmpstr (_falstaff_window_get_form_state (studio->window), ==, "loading");
  g_assert_cmpuint (count_spinning (window), ==, 0);
  falstaff_test_iterate_for (400);
  g_assert_cmpstr (_falstaff_window_get_form_state (studio->window), ==, "loading");
  g_assert_cmpuint (count_spinning (window), ==, 1);
  g_assert_true (falstaff_test_wait_until (form_ready, window, 10000));
  g_assert_cmpuint (count_spinning (window), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  /* First: no case before it has fetched (and kept) a schema. */
  g_test_add_func ("/ui/studio/form-spinner-late", test_form_spinner_late);
  g_test_add_func ("/ui/studio/templates", test_templates);
  g_test_add_func ("/ui/welcome/first-run", test_first_run_page);
  g_test_add_func ("/ui/welcome/wrong-key", test_wrong_key);
  g_test_add_func ("/ui/welcome/key-entry", test_key_entry);
  g_test_add_func ("/ui/demo/start", test_demo);
  g_test_add_func ("/ui/studio/run-images", test_run_images);
  g_test_add_func ("/ui/studio/stream-text", test_stream_text);
  g_test_add_func ("/ui/studio/422-on-row", test_422_on_row);
  g_test_add_func ("/ui/studio/local-validation", test_local_validation);
  g_test_add_func ("/ui/studio/row-kinds", test_row_kinds);
  g_test_add_func ("/ui/studio/values-kept", test_values_kept);
  g_test_add_func ("/ui/studio/narrow", test_narrow);
  g_test_add_func ("/ui/studio/typed-id", test_typed_id);
  g_test_add_func ("/ui/welcome/forget-key", test_forget_key);
  g_test_add_func ("/ui/studio/close-while-running", test_close_while_running);
  g_test_add_func ("/ui/studio/quiet-while-queued", test_quiet_while_queued);
  g_test_add_func ("/ui/studio/image-to-image-drop", test_image_to_image_drop);
  g_test_add_func ("/ui/studio/cancel-while-uploading", test_cancel_while_uploading);
  g_test_add_func ("/ui/studio/video-output", test_video_output);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
