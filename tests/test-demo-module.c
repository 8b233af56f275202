/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The demo server as the app gets it: from its module, loaded when the
 * demo starts (src/app/falstaff-demo-server.c). This program links the
 * loader alone, not the server, as the app does; the real falstaff
 * executable is checked to link none of the server's libraries. Each
 * case runs in a subprocess of its own: a process loads the module once. */
#include <string.h>

#include <gio/gio.h>
#include <libsoup/soup.h>

#include "falstaff-demo-server.h"

static void
test_from_module (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GObject) server = falstaff_demo_server_start (0, TRUE, &error);
      g_autoptr(SoupSession) session = soup_session_new ();
      g_autoptr(SoupMessage) message = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autofree char *url = NULL;

      g_assert_no_error (error);
      g_assert_nonnull (server);
      g_assert_true (g_str_has_prefix (falstaff_demo_server_get_url (server), "http://127.0.0.1:"));
      /* It answers as the local fal server: the model catalog of the
       * Platform API. */
      url = g_strconcat (falstaff_demo_server_get_url (server), "/api/v1/models", NULL);
      message = soup_message_new ("GET", url);
      body = soup_session_send_and_read (session, message, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (soup_message_get_status (message), ==, 200);
      g_assert_nonnull (g_strstr_len (g_bytes_get_data (body, NULL), g_bytes_get_size (body), "fal-ai/"));
      falstaff_demo_server_stop (server);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_missing (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GObject) server = NULL;

      g_setenv ("FALSTAFF_DEMO_MODULE", "/nonexistent/falstaff-demo-server.so", TRUE);
      server = falstaff_demo_server_start (0, FALSE, &error);
      g_assert_null (server);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
      /* Says where it looked. */
      g_assert_nonnull (strstr (error->message, "/nonexistent/falstaff-demo-server.so"));
      return;
    }
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* The app's executable links no server library: those come with the
 * module. */
static void
test_app_links_no_server (void)
{
  const char *app = g_getenv ("FALSTAFF_APP");
  const char *argv[] = { "ldd", app, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  g_assert_nonnull (app);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_nonnull (strstr (out, "libgtk-4"));
  g_assert_null (strstr (out, "libgnutls"));
  g_assert_null (strstr (out, "libhogweed"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo-module/from-module", test_from_module);
  g_test_add_func ("/demo-module/missing", test_missing);
  g_test_add_func ("/demo-module/app-links-no-server", test_app_links_no_server);
  return g_test_run ();
}
