/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "falstaff-endpoint-picker.h"
#include "falstaff-form-view.h"
#include "falstaff-request-view.h"
#include "falstaff-welcome-page.h"
#include "studio-fixture.h"
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
  g_autoptr(GSettings) settings = g_settings_new (APPLICATION_ID);
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

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
