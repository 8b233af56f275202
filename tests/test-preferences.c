/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "falstaff-preferences-window.h"
#include "falstaff-request-view.h"
#include "falstaff-run.h"
#include "falstaff-endpoint-picker.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* Preferences (issue 15), opened with Ctrl+, in the real window against
 * the keyed local server (key test:key): the key checked, a refused key
 * that replaces nothing, the run options fal receives as headers, runs
 * followed by polls alone, and a run above the spending limit that asks
 * first. What fal saw is read from the server's request log. */

#define SDXL "fal-ai/fast-sdxl"

static gboolean
preferences_shown (gpointer data)
{
  return falstaff_test_find_window (FALSTAFF_TYPE_PREFERENCES_WINDOW) != NULL;
}

static gboolean
preferences_gone (gpointer data)
{
  return falstaff_test_find_window (FALSTAFF_TYPE_PREFERENCES_WINDOW) == NULL;
}

static gboolean
dialog_gone (gpointer data)
{
  return find_dialog () == NULL;
}

typedef struct {
  GtkWidget *label;
  const char *text;
} Says;

static gboolean
label_says (gpointer data)
{
  Says *says = data;

  return gtk_widget_get_visible (says->label) && g_strcmp0 (gtk_label_get_text (GTK_LABEL (says->label)), says->text) == 0;
}

static void
assert_result (FalstaffPreferencesWindow *prefs,
               const char                *text)
{
  Says says = { _falstaff_preferences_window_get_key_result_label (prefs), text };

  if (!falstaff_test_wait_until (label_says, &says, 15000))
    g_error ("The key check says “%s”, not “%s”", gtk_label_get_text (GTK_LABEL (says.label)), text);
}

static gboolean
shown_run_done (gpointer data)
{
  FalstaffRun *run = falstaff_request_view_get_run (_falstaff_window_get_request_view (data));

  return run != NULL && falstaff_run_is_done (run);
}

static gboolean
shown_run_is_new (gpointer data)
{
  void **args = data;
  FalstaffRun *run = falstaff_request_view_get_run (_falstaff_window_get_request_view (args[0]));

  return run != NULL && run != args[1] && falstaff_run_is_done (run);
}

/* The server's request log (a blocking call: the server has its thread). */
static JsonArray *
request_log (void)
{
  FalLocalServer *server = studio_fixture_get_keyed_server ();
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (fal_local_server_get_url (server), "/__control/requests", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (soup_message_get_status (msg), ==, 200);
  node = json_from_string (g_bytes_get_data (answer, NULL), &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  return json_array_ref (json_node_get_array (node));
}

static guint
count (JsonArray  *log,
       const char *method,
       const char *path)
{
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "method"), method) == 0 &&
          g_strcmp0 (json_object_get_string_member (entry, "path"), path) == 0)
        n++;
    }
  return n;
}

/* The headers of the last submit of SDXL. */
static JsonObject *
last_submit_headers (JsonArray *log)
{
  for (guint i = json_array_get_length (log); i > 0; i--)
    {
      JsonObject *entry = json_array_get_object_element (log, i - 1);

      if (g_strcmp0 (json_object_get_string_member (entry, "method"), "POST") == 0 &&
          g_strcmp0 (json_object_get_string_member (entry, "path"), "/queue/" SDXL) == 0)
        return json_object_get_object_member (entry, "headers");
    }
  g_error ("No submit of " SDXL " in the server's log");
}

static gboolean
price_known (gpointer data)
{
  return _falstaff_window_get_price (data) != NULL;
}

static FalstaffPreferencesWindow *
open_preferences (Studio *studio)
{
  /* A real Ctrl+, with the focus in the endpoint search, where a person
   * types most. */
  falstaff_test_press_keys (falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window)),
                            "ctrl+comma");
  g_assert_true (falstaff_test_wait_until (preferences_shown, NULL, 5000));
  return FALSTAFF_PREFERENCES_WINDOW (falstaff_test_find_window (FALSTAFF_TYPE_PREFERENCES_WINDOW));
}

static void
close_preferences (FalstaffPreferencesWindow *prefs)
{
  falstaff_test_press_keys (GTK_WIDGET (prefs), "Escape");
  g_assert_true (falstaff_test_wait_until (preferences_gone, NULL, 5000));
}

static FalstaffRun *
run_and_wait (Studio *studio)
{
  FalstaffRun *before = falstaff_request_view_get_run (_falstaff_window_get_request_view (studio->window));
  void *args[] = { studio->window, before };

  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (shown_run_is_new, args, 60000));
  return falstaff_request_view_get_run (_falstaff_window_get_request_view (studio->window));
}

static void
test_key (void)
{
  g_autoptr(Studio) studio = studio_new ();
  FalstaffPreferencesWindow *prefs;
  GtkWidget *spinner;
  FalClient *client;

  enter_key (studio, "test:key");
  client = falstaff_session_get_client (studio->session);
  prefs = open_preferences (studio);
  /* No keyring in the tests: kept for this session, and said so. */
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (_falstaff_preferences_window_get_key_row (prefs))), ==,
                   "Kept for this session only");

  /* A slow answer: the spinner turns meanwhile. */
  studio_add_fault (fal_local_server_get_url (studio_fixture_get_keyed_server ()), "GET",
                    "^/api/v1/models/pricing$", "stall=1500", 1);
  falstaff_test_click (_falstaff_preferences_window_get_check_button (prefs));
  spinner = gtk_widget_get_prev_sibling (_falstaff_preferences_window_get_check_button (prefs));
  g_assert_true (GTK_IS_SPINNER (spinner));
  g_assert_true (gtk_widget_get_visible (spinner));
  g_assert_false (gtk_widget_get_sensitive (_falstaff_preferences_window_get_check_button (prefs)));
  assert_result (prefs, "The key works");
  g_assert_false (gtk_widget_get_visible (spinner));
  g_free (falstaff_test_screenshot (GTK_WIDGET (prefs), "preferences"));

  /* A key fal refuses, typed: said, and the good one stays. */
  falstaff_test_press_keys (_falstaff_preferences_window_get_new_key_row (prefs), "b a d colon k e y Return");
  assert_result (prefs, "fal refused this key");
  g_assert_true (fal_client_has_key (client));
  falstaff_test_click (_falstaff_preferences_window_get_check_button (prefs));
  assert_result (prefs, "The key works");

  /* The hosts: FALSTAFF_LOCAL_URL wins (the tests set it), and says so;
   * a proxy over plain http elsewhere is refused. */
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (_falstaff_preferences_window_get_host_row (prefs, "queue-url"))),
                   ==, "Set by FALSTAFF_LOCAL_URL, which wins over this setting");
  g_assert_false (gtk_widget_get_sensitive (_falstaff_preferences_window_get_host_entry (prefs, "queue-url")));
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (prefs), "advanced");
  falstaff_test_press_keys (_falstaff_preferences_window_get_host_entry (prefs, "proxy-url"),
                            "h t t p colon slash slash e x a m p l e period c o m Return");
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (_falstaff_preferences_window_get_host_row (prefs, "proxy-url"))),
                   ==, "Not used: only https, or plain http to this computer");
  g_assert_cmpstr (fal_client_get_proxy_url (client), ==, NULL);
  g_free (falstaff_test_screenshot (GTK_WIDGET (prefs), "preferences-advanced"));
  close_preferences (prefs);
}

/* A key from the environment that the server does not take: the row
 * says where it comes from, and Check says fal refused it (a real 401
 * from the local server's own key check). */
static void
test_key_refused (void)
{
  g_autoptr(Studio) studio = NULL;
  FalstaffPreferencesWindow *prefs;

  g_setenv ("FAL_KEY", "not:this-one", TRUE);
  studio = studio_new ();
  g_unsetenv ("FAL_KEY");
  wait_for_page (studio, "studio");
  prefs = open_preferences (studio);
  g_assert_cmpstr (adw_action_row_get_subtitle (ADW_ACTION_ROW (_falstaff_preferences_window_get_key_row (prefs))), ==,
                   "From the FAL_KEY environment variable, which wins over a stored key");
  falstaff_test_click (_falstaff_preferences_window_get_check_button (prefs));
  assert_result (prefs, "fal refused this key");
  close_preferences (prefs);
}

static void
test_run_options (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(JsonArray) log = NULL;
  FalstaffPreferencesWindow *prefs;
  FalstaffRun *run;
  JsonObject *headers;
  g_autofree char *status_path = NULL;
  g_autofree char *stream_path = NULL;
  const char *request_id;

  enter_key (studio, "test:key");
  pick_endpoint (studio, SDXL);
  type_text (row_control (studio, "prompt"), "a lighthouse at dusk");

  prefs = open_preferences (studio);
  /* Drop-downs by keyboard would need the popover; the rows are set. */
  adw_combo_row_set_selected (ADW_COMBO_ROW (_falstaff_preferences_window_get_priority_row (prefs)), 1);
  adw_combo_row_set_selected (ADW_COMBO_ROW (_falstaff_preferences_window_get_lifetime_row (prefs)), 2);
  falstaff_test_press_keys (_falstaff_preferences_window_get_timeout_spin (prefs), "ctrl+a 3 0 Tab");
  g_assert_cmpstr (g_settings_get_string (settings, "queue-priority"), ==, "low");
  g_assert_cmpstr (g_settings_get_string (settings, "output-lifetime"), ==, "1d");
  g_assert_cmpuint (g_settings_get_uint (settings, "start-timeout"), ==, 30);
  close_preferences (prefs);

  /* fal gets them on the submit; the run follows its status stream. */
  run = run_and_wait (studio);
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  log = request_log ();
  headers = last_submit_headers (log);
  g_assert_cmpstr (json_object_get_string_member (headers, "x-fal-queue-priority"), ==, "low");
  g_assert_cmpstr (json_object_get_string_member (headers, "x-fal-request-timeout"), ==, "30");
  g_assert_cmpstr (json_object_get_string_member (headers, "x-fal-object-lifecycle-preference"), ==,
                   "{\"expiration_duration_seconds\": 86400}");
  request_id = falstaff_run_get_request_id (run);
  stream_path = g_strdup_printf ("/queue/%s/requests/%s/status/stream", SDXL, request_id);
  g_assert_cmpuint (count (log, "GET", stream_path), >=, 1);
  g_clear_pointer (&log, json_array_unref);
  g_clear_pointer (&stream_path, g_free);

  /* Polling only: a switch, by a real click. */
  prefs = open_preferences (studio);
  falstaff_test_click (_falstaff_preferences_window_get_poll_switch (prefs));
  g_assert_true (g_settings_get_boolean (settings, "poll-only"));
  g_assert_true (fal_client_get_poll_only (falstaff_session_get_client (studio->session)));
  close_preferences (prefs);

  run = run_and_wait (studio);
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  log = request_log ();
  request_id = falstaff_run_get_request_id (run);
  status_path = g_strdup_printf ("/queue/%s/requests/%s/status", SDXL, request_id);
  stream_path = g_strdup_printf ("/queue/%s/requests/%s/status/stream", SDXL, request_id);
  g_assert_cmpuint (count (log, "GET", status_path), >=, 1);
  g_assert_cmpuint (count (log, "GET", stream_path), ==, 0);
  /* Back to the defaults for the next tests. */
  g_settings_reset (settings, "poll-only");
  g_settings_reset (settings, "queue-priority");
  g_settings_reset (settings, "output-lifetime");
  g_settings_reset (settings, "start-timeout");
}

/* A single run estimated above the limit asks first: Cancel sends
 * nothing; Run sends it. Below the limit it goes at once. */
static void
test_spending_limit (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
  g_autoptr(JsonArray) before = NULL;
  g_autoptr(JsonArray) after = NULL;
  FalstaffPreferencesWindow *prefs;
  GtkWindow *confirm;
  g_autofree char *body = NULL;
  FalstaffRun *run;

  enter_key (studio, "test:key");
  pick_endpoint (studio, SDXL);
  type_text (row_control (studio, "prompt"), "a lighthouse at dusk");
  /* The price first: without it there is no estimate to compare. */
  g_assert_true (falstaff_test_wait_until (price_known, studio->window, 10000));

  prefs = open_preferences (studio);
  falstaff_test_press_keys (_falstaff_preferences_window_get_limit_spin (prefs), "ctrl+a 0 period 0 1 Tab");
  g_assert_cmpfloat_with_epsilon (g_settings_get_double (settings, "cost-confirm-limit"), 0.01, 1e-9);
  close_preferences (prefs);

  /* 8 images at $0.0025: $0.02, above $0.01. */
  falstaff_test_press_keys (row_control (studio, "num_images"), "ctrl+a 8 Tab");
  before = request_log ();
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 10000));
  confirm = find_dialog ();
  g_object_get (confirm, "body", &body, NULL);
  g_assert_cmpstr (body, ==, "This run of fal-ai/fast-sdxl is estimated at $0.02, above your limit of $0.01.");
  g_free (falstaff_test_screenshot (GTK_WIDGET (confirm), "cost-confirm-run"));
  falstaff_test_press_keys (GTK_WIDGET (confirm), "Escape");
  g_assert_true (falstaff_test_wait_until (dialog_gone, NULL, 5000));
  falstaff_test_iterate_for (500);
  after = request_log ();
  g_assert_cmpuint (count (after, "POST", "/queue/" SDXL), ==, count (before, "POST", "/queue/" SDXL));
  g_clear_pointer (&after, json_array_unref);

  /* Asked again; Return is Run. */
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (dialog_shown, NULL, 10000));
  falstaff_test_press_keys (GTK_WIDGET (find_dialog ()), "Return");
  g_assert_true (falstaff_test_wait_until (shown_run_done, studio->window, 60000));
  after = request_log ();
  g_assert_cmpuint (count (after, "POST", "/queue/" SDXL), ==, count (before, "POST", "/queue/" SDXL) + 1);

  /* 2 images, $0.005: below the limit, no question. */
  falstaff_test_press_keys (row_control (studio, "num_images"), "ctrl+a 2 Tab");
  run = run_and_wait (studio);
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  g_assert_null (find_dialog ());
  g_settings_reset (settings, "cost-confirm-limit");
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/ui/preferences/key", test_key);
  g_test_add_func ("/ui/preferences/key-refused", test_key_refused);
  g_test_add_func ("/ui/preferences/run-options", test_run_options);
  g_test_add_func ("/ui/preferences/spending-limit", test_spending_limit);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
