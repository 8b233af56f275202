/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "falstaff-cost-label.h"
#include "falstaff-endpoint-picker.h"
#include "falstaff-form-view.h"
#include "falstaff-output-view.h"
#include "falstaff-request-view.h"
#include "proxy-fixture.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* The window behind fal's server proxy, as someone at a company whose
 * proxy holds the key would use it: FALSTAFF_PROXY_URL and no key. The
 * client keeps fal's own hosts (no FALSTAFF_LOCAL_URL); the test proxy
 * forwards them to the keyed local server, adding its key. */

static Studio *
studio_behind (ProxyFixture *proxy)
{
  g_autofree char *local = g_strdup (g_getenv ("FALSTAFF_LOCAL_URL"));
  Studio *studio;

  proxy_fixture_set_upstream (proxy, fal_local_server_get_url (studio_fixture_get_keyed_server ()));
  g_unsetenv ("FALSTAFF_LOCAL_URL");
  g_setenv ("FALSTAFF_PROXY_URL", proxy_fixture_get_url (proxy), TRUE);
  studio = studio_new ();
  g_unsetenv ("FALSTAFF_PROXY_URL");
  g_setenv ("FALSTAFF_LOCAL_URL", local, TRUE);
  g_assert_cmpstr (fal_client_get_run_url (falstaff_session_get_client (studio->session)), ==, FAL_DEFAULT_RUN_URL);
  return studio;
}

static FalstaffRequestView *
request_view (Studio *studio)
{
  return _falstaff_window_get_request_view (studio->window);
}

static FalstaffCostLabel *
cost_label (Studio *studio)
{
  GtkWidget *widget = GTK_WIDGET (_falstaff_window_get_form_view (studio->window));

  /* The line under the form, in the form page. */
  for (; widget && !GTK_IS_BOX (widget); widget = gtk_widget_get_parent (widget))
    ;
  for (; widget; widget = gtk_widget_get_parent (widget))
    for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
      if (FALSTAFF_IS_COST_LABEL (child))
        return FALSTAFF_COST_LABEL (child);
  g_assert_not_reached ();
}

static char *
control_text (GtkWidget *control)
{
  GtkTextIter start, end;

  if (!GTK_IS_TEXT_VIEW (control))
    return g_strdup (gtk_editable_get_text (GTK_EDITABLE (control)));
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (GTK_TEXT_VIEW (control)), &start, &end);
  return gtk_text_buffer_get_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (control)), &start, &end, FALSE);
}

static gboolean
has_images (gpointer data)
{
  return falstaff_output_view_get_n_images (data) > 0;
}

static gboolean
has_price (gpointer data)
{
  return _falstaff_window_get_price (data) != NULL;
}

static gboolean
search_has_focus (gpointer data)
{
  Studio *studio = data;
  GtkWidget *search = falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window));
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (studio->window));

  return focus && (focus == search || gtk_widget_is_ancestor (focus, search));
}

/* No key asked for; the picker's search, the form's schema, the price
 * and the run all go through the proxy; the image arrives. */
static void
test_run_behind_proxy (void)
{
  g_autoptr(ProxyFixture) proxy = proxy_fixture_new ("test:key");
  g_autoptr(Studio) studio = studio_behind (proxy);
  g_auto(GStrv) targets = NULL;
  FalstaffOutputView *output;
  GtkWidget *search;
  FalRequest *request;

  /* Straight to the studio: no welcome page, no key banner, no key to
   * forget. */
  wait_for_page (studio, "studio");
  g_assert_cmpint (falstaff_session_get_mode (studio->session), ==, FALSTAFF_SESSION_ONLINE);
  g_assert_false (fal_client_has_key (falstaff_session_get_client (studio->session)));
  g_assert_false (_falstaff_window_get_key_banner_shown (studio->window));
  gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.forget-key", NULL);
  falstaff_test_iterate_for (200);
  g_assert_cmpint (falstaff_session_get_mode (studio->session), ==, FALSTAFF_SESSION_ONLINE);
  wait_for_page (studio, "studio");

  /* The endpoint, picked by typing its name and Enter. */
  search = falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window));
  g_assert_true (falstaff_test_wait_until (search_has_focus, studio, 5000));
  falstaff_test_press_keys (search, "f a s t minus s d x l Return");
  g_assert_true (falstaff_test_wait_until (form_ready, studio->window, 20000));
  g_assert_cmpstr (fal_form_model_get_endpoint_id (form_model (studio)), ==, "fal-ai/fast-sdxl");
  g_assert_true (falstaff_test_wait_until (has_price, studio->window, 20000));

  /* A prompt, typed; Run pressed. */
  falstaff_test_press_keys (row_control (studio, "prompt"), "a space l i g h t h o u s e");
  falstaff_test_click (_falstaff_window_get_run_button (studio->window));
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 10000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  request = falstaff_window_get_request (studio->window);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  g_assert_nonnull (fal_request_get_result (request));
  {
    g_autofree char *typed = control_text (row_control (studio, "prompt"));
    g_assert_cmpstr (typed, ==, "a lighthouse");
  }
  output = FALSTAFF_OUTPUT_VIEW (falstaff_request_view_get_output_view (request_view (studio)));
  g_assert_true (falstaff_test_wait_until (has_images, output, 20000));
  g_assert_null (falstaff_request_view_get_error_text (request_view (studio)));
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "proxy-run"));

  /* Every fal host was asked through the proxy. */
  targets = proxy_fixture_dup_targets (proxy);
  for (guint i = 0; targets[i]; i++)
    {
      g_test_message ("proxied: %s", targets[i]);
      g_assert_nonnull (strstr (targets[i], " https://"));
    }
  /* The search brings the form's schema inline (expand=openapi-3.0). */
  g_assert_true (proxy_fixture_has_target (targets, "GET " FAL_DEFAULT_API_URL "/v1/models?limit=25&q=fast-sdxl&expand=openapi-3.0"));
  g_assert_true (proxy_fixture_has_target (targets, "GET " FAL_DEFAULT_API_URL "/v1/models/pricing?"));
  g_assert_true (proxy_fixture_has_target (targets, "POST " FAL_DEFAULT_QUEUE_URL "/fal-ai/fast-sdxl"));
  g_assert_true (proxy_fixture_has_target (targets, "GET " FAL_DEFAULT_QUEUE_URL "/fal-ai/fast-sdxl/requests/"));
}

/* fal refuses the proxy's key: the window says so, and asks the person
 * for no key of their own. */
static void
test_proxy_key_refused (void)
{
  g_autoptr(ProxyFixture) proxy = proxy_fixture_new ("test:wrong");
  g_autoptr(Studio) studio = studio_behind (proxy);
  const char *error_text;
  const char *cost;

  wait_for_page (studio, "studio");
  falstaff_window_select_endpoint (studio->window, "fal-ai/fast-sdxl");
  g_assert_true (falstaff_test_wait_until (form_ready, studio->window, 20000));
  falstaff_test_press_keys (row_control (studio, "prompt"), "a space f o x ctrl+Return");
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 10000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_error (fal_request_get_error (falstaff_window_get_request (studio->window)),
                  FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
  error_text = falstaff_request_view_get_error_text (request_view (studio));
  g_test_message ("error: %s", error_text);
  g_assert_nonnull (strstr (error_text, "refused the key the proxy at"));
  cost = falstaff_cost_label_get_text (cost_label (studio));
  g_test_message ("cost: %s", cost);
  g_assert_nonnull (strstr (cost, "proxy"));
  g_assert_null (strstr (cost, "your API key"));
  /* Still the studio: no page asking for a key. */
  wait_for_page (studio, "studio");
  g_assert_cmpint (falstaff_session_get_mode (studio->session), ==, FALSTAFF_SESSION_ONLINE);
  g_free (falstaff_test_screenshot (GTK_WIDGET (studio->window), "proxy-key-refused"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);
  g_test_add_func ("/ui/proxy/run", test_run_behind_proxy);
  g_test_add_func ("/ui/proxy/key-refused", test_proxy_key_refused);
  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
