/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <adwaita.h>

#include "falstaff-application.h"
#include "falstaff-history-view.h"
#include "falstaff-preferences-window.h"
#include "falstaff-run-store.h"
#include "falstaff-welcome-page.h"
#include "falstaff-window.h"
#include "falstaff-window-private.h"
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
  /* The welcome and History pages are made when first shown, apart. */
  GType types[] = { FALSTAFF_TYPE_WINDOW, FALSTAFF_TYPE_PREFERENCES_WINDOW, FALSTAFF_TYPE_WELCOME_PAGE,
                    FALSTAFF_TYPE_HISTORY_VIEW };

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

static GtkWidget *
find_of_type (GtkWidget *widget,
              GType      type)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = G_TYPE_CHECK_INSTANCE_TYPE (child, type) ? child : find_of_type (child, type);

      if (found)
        return found;
    }
  return NULL;
}

static gboolean
is_sidebar_stack (GtkWidget *widget)
{
  return GTK_IS_STACK (widget) && gtk_stack_get_child_by_name (GTK_STACK (widget), "history") != NULL;
}

static gboolean
history_read (gpointer data)
{
  return falstaff_run_store_is_loaded (_falstaff_window_get_run_store (data));
}

static gboolean
in_studio (gpointer data)
{
  return g_strcmp0 (falstaff_window_get_page (data), "studio") == 0;
}

/* A returning person (a key in the environment) never sees the welcome
 * page, and the History page is hidden at start: neither is made then
 * (issue 16: a faster first frame). The history is read after the first
 * frame, and the History page is made, with its runs, when shown. */
static void
test_hidden_pages_later (void)
{
  g_autoptr(FalstaffApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *window;
  GtkWidget *sidebar;
  GtkWidget *history;

  /* One application per process can be registered on the bus. */
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_setenv ("FAL_KEY", "test:key", TRUE);
  app = falstaff_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (FALSTAFF_IS_WINDOW (window));
  /* Not read before the window is drawn. */
  g_assert_false (falstaff_run_store_is_loaded (_falstaff_window_get_run_store (FALSTAFF_WINDOW (window))));

  g_assert_true (falstaff_test_wait_until (window_drawn, window, 5000));
  g_assert_true (falstaff_test_wait_until (in_studio, window, 5000));
  g_assert_true (falstaff_test_wait_until (history_read, window, 5000));
  falstaff_test_iterate_for (200);
  g_assert_null (find_of_type (window, FALSTAFF_TYPE_WELCOME_PAGE));
  g_assert_null (find_of_type (window, FALSTAFF_TYPE_HISTORY_VIEW));

  /* As the sidebar's switcher does. */
  sidebar = falstaff_test_find_descendant (window, is_sidebar_stack);
  g_assert_nonnull (sidebar);
  gtk_stack_set_visible_child_name (GTK_STACK (sidebar), "history");
  history = find_of_type (window, FALSTAFF_TYPE_HISTORY_VIEW);
  g_assert_nonnull (history);
  g_assert_true (history == GTK_WIDGET (_falstaff_window_get_history_view (FALSTAFF_WINDOW (window))));
  falstaff_test_iterate_for (200);
  g_assert_true (gtk_widget_get_mapped (history));
  g_assert_null (find_of_type (window, FALSTAFF_TYPE_WELCOME_PAGE));

  gtk_window_destroy (GTK_WINDOW (window));
  g_unsetenv ("FAL_KEY");
}

typedef struct {
  gboolean painted;
  char *page;
  gboolean fading;
  gboolean help_overlay;
  gboolean menu_model;
} FirstFrame;

static gboolean
is_main_menu_button (GtkWidget *widget)
{
  return GTK_IS_MENU_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
         g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)), "open-menu-symbolic") == 0;
}

static gboolean
has_main_menu (gpointer data)
{
  GtkWidget *button = falstaff_test_find_descendant (data, is_main_menu_button);

  return button && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (button)) != NULL;
}

static gboolean
has_help_overlay (gpointer data)
{
  return gtk_application_window_get_help_overlay (data) != NULL;
}

/* What the first frame painted while mapped shows. */
static void
first_frame_cb (GdkFrameClock *clock,
                GtkWidget     *window)
{
  FirstFrame *frame = g_object_get_data (G_OBJECT (window), "first-frame");
  /* The window's top stack: the welcome page or the studio. */
  GtkWidget *main_stack = find_of_type (window, GTK_TYPE_STACK);

  if (!gtk_widget_get_mapped (window) || frame->painted)
    return;
  frame->painted = TRUE;
  frame->page = g_strdup (falstaff_window_get_page (FALSTAFF_WINDOW (window)));
  frame->fading = gtk_stack_get_transition_running (GTK_STACK (main_stack));
  frame->help_overlay = has_help_overlay (window);
  frame->menu_model = has_main_menu (window);
}

static void
first_frame_realize_cb (GtkWidget *window)
{
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (first_frame_cb), window);
}

static void
window_added_cb (GtkApplication *app,
                 GtkWindow      *window,
                 FirstFrame     *frame)
{
  g_object_set_data (G_OBJECT (window), "first-frame", frame);
  if (gtk_widget_get_realized (GTK_WIDGET (window)))
    first_frame_realize_cb (GTK_WIDGET (window));
  else
    g_signal_connect (window, "realize", G_CALLBACK (first_frame_realize_cb), NULL);
}

static gboolean
first_frame_painted (gpointer data)
{
  FirstFrame *frame = g_object_get_data (data, "first-frame");

  return frame->painted;
}

/* A returning person (a key in the environment): the first frame is the
 * studio itself, not an empty page it fades in from (issue 16). The
 * shortcuts window and the menus' popovers, which no first frame shows,
 * come after it. */
static void
test_first_frame_is_studio (void)
{
  g_autoptr(FalstaffApplication) app = NULL;
  g_autoptr(GError) error = NULL;
  FirstFrame frame = { 0 };
  GtkWidget *window;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
      return;
    }
  g_setenv ("FAL_KEY", "test:key", TRUE);
  app = falstaff_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  /* Watched from the window's creation on. */
  g_signal_connect (app, "window-added", G_CALLBACK (window_added_cb), &frame);
  g_application_activate (G_APPLICATION (app));
  window = GTK_WIDGET (gtk_application_get_active_window (GTK_APPLICATION (app)));
  g_assert_true (FALSTAFF_IS_WINDOW (window));

  g_assert_true (falstaff_test_wait_until (first_frame_painted, window, 5000));
  g_test_message ("first frame: page %s, fading %d", frame.page, frame.fading);
  g_assert_cmpstr (frame.page, ==, "studio");
  g_assert_false (frame.fading);
  g_assert_false (frame.help_overlay);
  g_assert_false (frame.menu_model);
  g_assert_true (falstaff_test_wait_until (has_help_overlay, window, 5000));
  g_assert_true (falstaff_test_wait_until (has_main_menu, window, 5000));

  g_signal_handlers_disconnect_by_func (gtk_widget_get_frame_clock (window), first_frame_cb, window);
  g_free (frame.page);
  gtk_window_destroy (GTK_WINDOW (window));
  g_unsetenv ("FAL_KEY");
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();

  g_test_add_func ("/ui/templates/instantiate", test_templates_instantiate);
  g_test_add_func ("/ui/window/opens", test_window_opens);
  g_test_add_func ("/ui/window/hidden-pages-later", test_hidden_pages_later);
  g_test_add_func ("/ui/window/first-frame-is-studio", test_first_frame_is_studio);

  return g_test_run ();
}
