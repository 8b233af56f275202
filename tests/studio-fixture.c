/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "falstaff-endpoint-picker.h"
#include "falstaff-form-view.h"
#include "falstaff-welcome-page.h"
#include "notification-server.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

static FalLocalServer *keyed_server;
static FalstaffApplication *app;

/* One application for the process (its id is registered once); each
 * test gets a new session and window. */
Studio *
studio_new (void)
{
  Studio *studio = g_new0 (Studio, 1);

  g_autoptr(GSettings) settings = g_settings_new (SCHEMA_ID);

  /* Each test starts as a first launch would. */
  g_settings_reset (settings, "form-values");
  g_settings_reset (settings, "recent-endpoints");
  g_settings_reset (settings, "last-endpoint");
  g_settings_reset (settings, "stream-choices");
  studio->app = g_object_ref (app);
  studio->session = falstaff_session_new ();
  studio->window = falstaff_window_new (studio->app, studio->session);
  gtk_window_set_default_size (GTK_WINDOW (studio->window), 1200, 760);
  gtk_window_present (GTK_WINDOW (studio->window));
  return studio;
}

void
studio_free (Studio *studio)
{
  gtk_window_destroy (GTK_WINDOW (studio->window));
  g_object_unref (studio->session);
  g_object_unref (studio->app);
  g_free (studio);
}


static gboolean
on_page (gpointer data)
{
  void **args = data;

  if (g_strcmp0 (falstaff_window_get_page (args[0]), args[1]) != 0)
    return FALSE;
  /* The studio's panes come in the frame after the window's first (the
   * sidebar's stack is hidden until then): a person sees and reaches
   * them from then on. Folded, the sidebar may be out of view all the
   * same. */
  return g_strcmp0 (args[1], "studio") != 0 ||
         (gtk_widget_get_mapped (GTK_WIDGET (args[0])) &&
          gtk_widget_get_visible (gtk_widget_get_parent (GTK_WIDGET (_falstaff_window_get_picker (args[0])))));
}

void
wait_for_page (Studio     *studio,
               const char *page)
{
  void *args[] = { studio->window, (void *) page };

  g_assert_true (falstaff_test_wait_until (on_page, args, 10000));
}

gboolean
form_ready (gpointer data)
{
  return g_strcmp0 (_falstaff_window_get_form_state (data), "form") == 0;
}

gboolean
not_running (gpointer data)
{
  return !falstaff_window_is_running (data);
}

void
start_demo (Studio *studio)
{
  wait_for_page (studio, "welcome");
  /* The welcome page's own button, as a person would press it. */
  g_signal_emit_by_name (falstaff_welcome_page_get_demo_button (_falstaff_window_get_welcome_page (studio->window)), "clicked");
  wait_for_page (studio, "studio");
  g_assert_cmpint (falstaff_session_get_mode (studio->session), ==, FALSTAFF_SESSION_DEMO);
}

/* Types in the picker's search and presses Enter. */
void
pick_endpoint (Studio     *studio,
               const char *query)
{
  GtkWidget *search = falstaff_endpoint_picker_get_search_entry (_falstaff_window_get_picker (studio->window));

  wait_for_page (studio, "studio");
  gtk_editable_set_text (GTK_EDITABLE (search), query);
  /* GtkSearchEntry delays search-changed; emit it as the delay would. */
  g_signal_emit_by_name (search, "search-changed");
  g_signal_emit_by_name (search, "activate");
  g_assert_true (falstaff_test_wait_until (form_ready, studio->window, 10000));
}

void
type_text (GtkWidget  *control,
           const char *text)
{
  if (GTK_IS_TEXT_VIEW (control))
    gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (control)), text, -1);
  else
    gtk_editable_set_text (GTK_EDITABLE (control), text);
}

GtkWidget *
row_control (Studio     *studio,
             const char *field)
{
  GtkWidget *control = falstaff_form_view_get_row (_falstaff_window_get_form_view (studio->window), field);

  g_assert_nonnull (control);
  return control;
}

FalFormModel *
form_model (Studio *studio)
{
  return falstaff_form_view_get_model (_falstaff_window_get_form_view (studio->window));
}

void
run (Studio *studio)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (studio->window), "win.run", NULL));
}

gboolean
request_exists (gpointer data)
{
  return falstaff_window_get_request (data) != NULL;
}

void
studio_add_fault (const char *server_url,
                  const char *method,
                  const char *path_regex,
                  const char *fault,
                  guint       count)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server_url, "/__control/faults", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  char *text;

  /* The control routes refuse requests without it (403). */
  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "method");
  json_builder_add_string_value (builder, method);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, path_regex);
  json_builder_set_member_name (builder, "fault");
  json_builder_add_string_value (builder, fault);
  json_builder_set_member_name (builder, "count");
  json_builder_add_int_value (builder, count);
  json_builder_end_object (builder);
  node = json_builder_get_root (builder);
  text = json_to_string (node, FALSE);
  body = g_bytes_new_take (text, strlen (text));
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  /* The server answers from a thread of its own: a blocking call is fine. */
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (soup_message_get_status (msg), ==, 201);
}

void
enter_key (Studio     *studio,
           const char *key)
{
  GtkWidget *key_row = falstaff_welcome_page_get_key_row (_falstaff_window_get_welcome_page (studio->window));

  wait_for_page (studio, "welcome");
  gtk_editable_set_text (GTK_EDITABLE (key_row), key);
  g_signal_emit_by_name (key_row, "apply");
  wait_for_page (studio, "studio");
}

void
studio_fixture_init (int    *argc,
                     char ***argv)
{
  g_autoptr(GError) error = NULL;

  /* A server with a key of its own for the key tests; the demo starts
   * its own from the window. No key from the environment, none stored. */
  g_unsetenv ("FAL_KEY");
  g_unsetenv ("FAL_KEY_ID");
  g_unsetenv ("FAL_KEY_SECRET");
  g_unsetenv ("FALSTAFF_PROXY_URL");
  g_setenv ("FALSTAFF_SECRET_SERVICE", "0", TRUE);
  g_setenv ("FALSTAFF_DEMO_SPEED", "4", TRUE);
  g_setenv ("FALSTAFF_DEMO_FIXED_CLOCK", "1", TRUE);

  gtk_test_init (argc, argv, NULL);
  adw_init ();
  /* Screenshots of settled states, not of transitions. */
  /* No cursor blink either: GTK warns when a blinking GtkText finds its
   * window no longer holds the X focus (real key events move it). */
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, "gtk-cursor-blink", FALSE,
                /* GNOME's own title buttons (no settings portal here):
                 * what the narrow layout must fit beside. */
                "gtk-decoration-layout", "appmenu:close", NULL);

  /* Notifications reach a server of the test's own, as at GNOME Shell. */
  notification_server_start ();

  app = falstaff_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));

  keyed_server = g_object_new (FAL_LOCAL_TYPE_SERVER, "key", "test:key", "speed", 10.0, NULL);
  g_assert_true (fal_local_server_start (keyed_server, &error));
  g_setenv ("FALSTAFF_LOCAL_URL", fal_local_server_get_url (keyed_server), TRUE);
}

void
studio_fixture_shutdown (void)
{
  fal_local_server_stop (keyed_server);
  g_clear_object (&keyed_server);
  g_clear_object (&app);
}

FalLocalServer *
studio_fixture_get_keyed_server (void)
{
  return keyed_server;
}

gboolean
request_in (gpointer data)
{
  void **args = data;
  FalRequest *request = falstaff_window_get_request (args[0]);

  return request && fal_request_get_status (request) == GPOINTER_TO_UINT (args[1]);
}

GtkWindow *
find_dialog (void)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (window))
        return window;
    }
  return NULL;
}

gboolean
dialog_shown (gpointer data)
{
  return find_dialog () != NULL;
}

JsonObject *
studio_submit_elsewhere (const char *server_url,
                         const char *endpoint_id,
                         const char *body_text)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server_url, "/queue/", endpoint_id, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) body = g_bytes_new (body_text, strlen (body_text));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(JsonNode) node = NULL;

  soup_message_headers_append (soup_message_get_request_headers (msg), "Authorization", "Key test:key");
  soup_message_set_request_body_from_bytes (msg, "application/json", body);
  answer = soup_session_send_and_read (session, msg, NULL, NULL);
  g_assert_cmpint (soup_message_get_status (msg), ==, 200);
  node = json_from_string (g_bytes_get_data (answer, NULL), NULL);
  return json_object_ref (json_node_get_object (node));
}
