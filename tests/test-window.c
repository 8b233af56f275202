/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "falstaff-application.h"
#include "falstaff-preferences-window.h"
#include "falstaff-window.h"
#include "ui-test-utils.h"

static gboolean
window_drawn (gpointer data)
{
  GtkWidget *window = data;

  return gtk_widget_get_mapped (window) && gtk_widget_get_width (window) > 0;
}

/* The application opens one main window titled Falstaff, with the main
 * menu's actions installed. */
static void
test_window_opens (void)
{
  g_autoptr(FalstaffApplication) app = falstaff_application_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *shot = NULL;
  GtkWindow *window;

  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_activate (G_APPLICATION (app));

  window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert_true (FALSTAFF_IS_WINDOW (window));
  g_assert_cmpstr (gtk_window_get_title (window), ==, "Falstaff");
  /* The development profile's striped header bar, and only there. */
  g_assert_cmpint (gtk_widget_has_css_class (GTK_WIDGET (window), "devel"), ==, DEVELOPMENT_PROFILE);
  g_assert_true (falstaff_test_wait_until (window_drawn, window, 5000));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "quit"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));

  shot = falstaff_test_screenshot (GTK_WIDGET (window), "main-window");
  g_assert_true (g_file_test (shot, G_FILE_TEST_IS_REGULAR));

  gtk_window_destroy (window);
}

/* Every template builds without a critical (G_DEBUG=fatal-criticals makes
 * one fatal), so a widget or property missing from GTK 4.8 or libadwaita
 * 1.2 fails here. */
static void
test_templates_instantiate (void)
{
  GType types[] = { FALSTAFF_TYPE_WINDOW, FALSTAFF_TYPE_PREFERENCES_WINDOW };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    {
      GtkWidget *widget = g_object_new (types[i], NULL);

      g_assert_true (GTK_IS_WIDGET (widget));
      if (GTK_IS_WINDOW (widget))
        gtk_window_destroy (GTK_WINDOW (widget));
      else
        g_object_unref (g_object_ref_sink (widget));
    }
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/templates/instantiate", test_templates_instantiate);
  g_test_add_func ("/ui/window/opens", test_window_opens);

  return g_test_run ();
}
