/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include "falstaff-form-view.h"
#include "falstaff-output-view.h"
#include "falstaff-request-view.h"
#include "falstaff-welcome-page.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* The real window started in German (de_DE.UTF-8) with the catalog the
 * build compiled (build/po/de/LC_MESSAGES/falstaff.mo, found through
 * FALSTAFF_LOCALEDIR as `meson devenv` finds it): the words a person sees
 * are German, from the templates, the window's code and libfal. */

#define GERMAN "de_DE.UTF-8"

static gboolean have_german;

/* de_DE.UTF-8 as installed (Debian's locales-all), or else compiled here
 * from the locales package's sources with localedef into the build tree
 * and found through LOCPATH: a few seconds once, instead of 200 MB of
 * every locale. Before GTK starts: gtk_init's setlocale (LC_ALL, "")
 * reads LC_ALL. */
static gboolean
use_german_locale (void)
{
  g_autofree char *dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".",
                                           "locale", NULL);
  g_autofree char *target = g_build_filename (dir, GERMAN, NULL);

  g_setenv ("LC_ALL", GERMAN, TRUE);
  g_unsetenv ("LANGUAGE");
  if (setlocale (LC_ALL, GERMAN) != NULL)
    return TRUE;

  /* glibc remembers a locale it did not find under a path: LOCPATH is
   * tried once, after localedef. */
  if (!g_file_test (target, G_FILE_TEST_IS_DIR))
    {
      const char *argv[] = { "localedef", "--no-archive", "-i", "de_DE", "-f", "UTF-8", target, NULL };
      g_autoptr(GError) error = NULL;
      g_autofree char *err = NULL;

      g_mkdir_with_parents (dir, 0755);
      /* localedef exits 1 on mere warnings: the setlocale below decides. */
      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                         NULL, NULL, NULL, &err, NULL, &error))
        g_printerr ("# localedef: %s\n", error->message);
      else if (err != NULL && *err != '\0')
        g_printerr ("# localedef: %s", err);
    }
  g_setenv ("LOCPATH", dir, TRUE);
  return setlocale (LC_ALL, GERMAN) != NULL;
}

static gboolean
tree_has_label (GtkWidget  *widget,
                const char *text)
{
  if (GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget) &&
      (g_strcmp0 (gtk_label_get_text (GTK_LABEL (widget)), text) == 0 ||
       g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), text) == 0))
    return TRUE;
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    if (tree_has_label (child, text))
      return TRUE;
  return FALSE;
}

static gboolean
label_shown (gpointer data)
{
  void **args = data;

  return tree_has_label (args[0], args[1]);
}

static GtkMenuButton *
find_menu_button (GtkWidget *widget)
{
  /* The main menu's button (the copy button has a menu too). */
  if (GTK_IS_MENU_BUTTON (widget) && gtk_widget_get_mapped (widget) &&
      gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (widget)) != NULL &&
      g_strcmp0 (gtk_menu_button_get_icon_name (GTK_MENU_BUTTON (widget)), "open-menu-symbolic") == 0)
    return GTK_MENU_BUTTON (widget);
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkMenuButton *found = find_menu_button (child);

      if (found)
        return found;
    }
  return NULL;
}

/* The menu's labels, sections included. */
static void
collect_menu_labels (GMenuModel *menu,
                     GPtrArray  *labels)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *label = NULL;
      g_autoptr(GMenuModel) section = NULL;

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_LABEL, "s", &label))
        g_ptr_array_add (labels, g_steal_pointer (&label));
      section = g_menu_model_get_item_link (menu, i, G_MENU_LINK_SECTION);
      if (section)
        collect_menu_labels (section, labels);
    }
}

static gboolean
row_error_shown (gpointer data)
{
  return falstaff_form_view_get_row_error (data, "prompt") != NULL;
}

static gboolean
has_images (gpointer data)
{
  return falstaff_output_view_get_n_images (data) > 0;
}

static void
test_german_studio (void)
{
  g_autofree char *mo = g_build_filename (g_getenv ("FALSTAFF_LOCALEDIR"), "de", "LC_MESSAGES", "falstaff.mo", NULL);
  g_autoptr(Studio) studio = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *shot_welcome = NULL;
  g_autofree char *shot_studio = NULL;
  FalstaffFormView *form_view;
  FalstaffRequestView *request_view;
  GtkMenuButton *menu_button;
  GtkWidget *run_button;
  void *args[2];

  if (!have_german)
    g_error ("No %s locale: install Debian's locales (its localedef sources) or locales-all", GERMAN);
  g_assert_cmpstr (setlocale (LC_MESSAGES, NULL), ==, GERMAN);
  /* The catalog the build made: without it everything below is English. */
  g_assert_true (g_file_test (mo, G_FILE_TEST_IS_REGULAR));

  studio = studio_new ();

  /* The welcome page's title, from its template. */
  wait_for_page (studio, "welcome");
  args[0] = studio->window;
  args[1] = (gpointer) "Willkommen bei Falstaff";
  g_assert_true (falstaff_test_wait_until (label_shown, args, 5000));
  shot_welcome = falstaff_test_screenshot (GTK_WIDGET (studio->window), "german-welcome");

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");

  /* The Run button and its tooltip (window template). */
  run_button = _falstaff_window_get_run_button (studio->window);
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (run_button)), ==, "_Ausführen");
  g_assert_cmpstr (gtk_widget_get_tooltip_text (run_button), ==, "Ausführen (Strg+Eingabe)");

  /* The main menu's items (a <menu> in the window template). */
  menu_button = find_menu_button (GTK_WIDGET (studio->window));
  g_assert_nonnull (menu_button);
  collect_menu_labels (gtk_menu_button_get_menu_model (menu_button), labels);
  g_assert_true (g_ptr_array_find_with_equal_func (labels, "Anfrage ö_ffnen …", g_str_equal, NULL));
  g_assert_true (g_ptr_array_find_with_equal_func (labels, "_Tastenkürzel", g_str_equal, NULL));
  g_assert_false (g_ptr_array_find_with_equal_func (labels, "_Open Request…", g_str_equal, NULL));

  /* A run without its required prompt: libfal's check says so, in the
   * app's catalog. */
  form_view = _falstaff_window_get_form_view (studio->window);
  type_text (row_control (studio, "prompt"), "");
  run (studio);
  g_assert_true (falstaff_test_wait_until (row_error_shown, form_view, 5000));
  g_assert_cmpstr (falstaff_form_view_get_row_error (form_view, "prompt"), ==, "Pflichtfeld");

  /* A run through the local server: its status line from the window. */
  type_text (row_control (studio, "prompt"), "ein Leuchtturm in der Dämmerung");
  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  g_assert_null (fal_request_get_error (falstaff_window_get_request (studio->window)));
  request_view = _falstaff_window_get_request_view (studio->window);
  g_test_message ("status: %s", falstaff_request_view_get_status_text (request_view));
  g_assert_true (g_str_has_prefix (falstaff_request_view_get_status_text (request_view), "Abgeschlossen in "));
  /* German numbers too: the decimal comma of "Abgeschlossen in 1,23 s". */
  g_assert_nonnull (strchr (falstaff_request_view_get_status_text (request_view), ','));
  /* The picture in, as a person sees the result. */
  g_assert_true (falstaff_test_wait_until (has_images,
                                           falstaff_request_view_get_output_view (request_view), 10000));
  falstaff_test_iterate_for (300);
  shot_studio = falstaff_test_screenshot (GTK_WIDGET (studio->window), "german-studio");
  g_assert_true (g_file_test (shot_studio, G_FILE_TEST_IS_REGULAR));
}

int
main (int    argc,
      char **argv)
{
  int status;

  have_german = use_german_locale ();
  studio_fixture_init (&argc, &argv);
  /* As main.c does; FALSTAFF_LOCALEDIR is the build tree's po/. */
  falstaff_application_bind_text_domain ();

  g_test_add_func ("/i18n/german/studio", test_german_studio);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
