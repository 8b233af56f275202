/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "falstaff-endpoint-picker.h"
#include "falstaff-form-view.h"
#include "falstaff-request-view.h"
#include "falstaff-zoom-window.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* The keyboard: every shortcut the app answers is in its shortcuts
 * window (Ctrl+?) and every shortcut listed there works; Tab reaches
 * every control of the studio, pane by pane in reading order. */

/* Keys that do the same as a listed one (the keypad's Enter is Enter). */
static guint
listed_keyval (guint keyval)
{
  switch (keyval)
    {
    case GDK_KEY_KP_Enter:
    case GDK_KEY_ISO_Enter:
      return GDK_KEY_Return;
    case GDK_KEY_KP_Decimal:
      return GDK_KEY_period;
    case GDK_KEY_KP_Add:
    case GDK_KEY_equal:
      return GDK_KEY_plus;
    case GDK_KEY_KP_Subtract:
      return GDK_KEY_minus;
    default:
      return gdk_keyval_to_lower (keyval);
    }
}

static char *
accel_key (guint           keyval,
           GdkModifierType modifiers)
{
  modifiers &= GDK_CONTROL_MASK | GDK_SHIFT_MASK | GDK_ALT_MASK | GDK_SUPER_MASK;
  /* Shift on the keypad is the same key with Num Lock off. */
  if (keyval >= GDK_KEY_KP_Space && keyval <= GDK_KEY_KP_9)
    modifiers &= ~GDK_SHIFT_MASK;
  /* Ctrl+? is Ctrl+Shift+/ on most layouts: the same key. */
  if (keyval == GDK_KEY_question)
    modifiers &= ~GDK_SHIFT_MASK;
  return gtk_accelerator_name (listed_keyval (keyval), modifiers);
}

static void
add_trigger (GHashTable        *keys,
             GtkShortcutTrigger *trigger,
             const char         *where)
{
  if (GTK_IS_KEYVAL_TRIGGER (trigger))
    g_hash_table_insert (keys,
                         accel_key (gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)),
                                    gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger))),
                         g_strdup (where));
  else if (GTK_IS_ALTERNATIVE_TRIGGER (trigger))
    {
      add_trigger (keys, gtk_alternative_trigger_get_first (GTK_ALTERNATIVE_TRIGGER (trigger)), where);
      add_trigger (keys, gtk_alternative_trigger_get_second (GTK_ALTERNATIVE_TRIGGER (trigger)), where);
    }
}

/* The shortcuts a widget's own controllers hold (class bindings and
 * controllers added to it). Escape closing a dialog is every dialog's. */
static void
add_widget_shortcuts (GHashTable *keys,
                      GtkWidget  *widget,
                      const char *where)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

      if (!GTK_IS_SHORTCUT_CONTROLLER (controller))
        continue;
      for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (controller)); j++)
        {
          g_autoptr(GtkShortcut) shortcut = g_list_model_get_item (G_LIST_MODEL (controller), j);
          GtkShortcutAction *action = gtk_shortcut_get_action (shortcut);
          GtkShortcutTrigger *trigger = gtk_shortcut_get_trigger (shortcut);

          /* Ours: named actions (GTK's own bindings are signals and
           * callbacks, or window.* ones such as Escape closing a
           * dialog), and the window's run shortcuts. */
          if (GTK_IS_NAMED_ACTION (action) &&
              (!g_str_has_prefix (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), "window.") ||
               g_str_equal (gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)), "window.close")))
            add_trigger (keys, trigger, gtk_named_action_get_action_name (GTK_NAMED_ACTION (action)));
          else if (g_strcmp0 (gtk_event_controller_get_name (GTK_EVENT_CONTROLLER (controller)), "run-shortcuts") == 0)
            add_trigger (keys, trigger, where);
        }
    }
}

static void
add_app_accels (GHashTable     *keys,
                GtkApplication *app)
{
  g_auto(GStrv) actions = gtk_application_list_action_descriptions (app);

  for (guint i = 0; actions[i]; i++)
    {
      g_auto(GStrv) accels = gtk_application_get_accels_for_action (app, actions[i]);

      for (guint j = 0; accels[j]; j++)
        {
          guint keyval;
          GdkModifierType mods;

          g_assert_true (gtk_accelerator_parse (accels[j], &keyval, &mods));
          g_hash_table_insert (keys, accel_key (keyval, mods), g_strdup (actions[i]));
        }
    }
}

/* Keys FalstaffCompareSlider handles in its key handler (no shortcut
 * controller to read them from): keep in step with its key_pressed_cb. */
static void
add_compare_keys (GHashTable *keys)
{
  static const char *accels[] = {
    "Left", "Right", "<Shift>Left", "<Shift>Right", "Home", "End", "plus", "minus", "0",
    "<Control>Left", "<Control>Right", "<Control>Up", "<Control>Down",
  };

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    {
      guint keyval;
      GdkModifierType mods;

      g_assert_true (gtk_accelerator_parse (accels[i], &keyval, &mods));
      g_hash_table_insert (keys, accel_key (keyval, mods), g_strdup ("compare slider"));
    }
}

/* Every accelerator the shortcuts window lists, keyed as above. */
static void
collect_listed (GtkWidget  *widget,
                GHashTable *listed)
{
  if (GTK_IS_SHORTCUTS_SHORTCUT (widget))
    {
      g_autofree char *accelerator = NULL;
      g_autofree char *title = NULL;
      g_auto(GStrv) accels = NULL;

      g_object_get (widget, "accelerator", &accelerator, "title", &title, NULL);
      accels = g_strsplit (accelerator ? accelerator : "", " ", -1);
      for (guint i = 0; accels[i]; i++)
        {
          guint keyval;
          GdkModifierType mods;

          if (*accels[i] == '\0')
            continue;
          g_assert_true (gtk_accelerator_parse (accels[i], &keyval, &mods));
          g_hash_table_insert (listed, accel_key (keyval, mods), g_strdup (title));
        }
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_listed (child, listed);
}

static gboolean
has_help_overlay (gpointer data)
{
  return gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (data)) != NULL;
}

/* The window sets it after its first frame. */
static GtkWindow *
shortcuts_window (Studio *studio)
{
  g_assert_true (falstaff_test_wait_until (has_help_overlay, studio->window, 5000));
  return GTK_WINDOW (gtk_application_window_get_help_overlay (GTK_APPLICATION_WINDOW (studio->window)));
}

static void
test_shortcuts_listed (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(GHashTable) bound = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GHashTable) listed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  GtkWidget *zoom;
  GHashTableIter iter;
  gpointer key, value;
  guint missing = 0, stale = 0;

  start_demo (studio);
  pick_endpoint (studio, "image-to-image");
  add_app_accels (bound, GTK_APPLICATION (studio->app));
  add_widget_shortcuts (bound, GTK_WIDGET (studio->window), "window");
  /* A file field's paste. */
  {
    GtkWidget *file_row = row_control (studio, "image_url");

    for (GtkWidget *w = file_row; w; w = gtk_widget_get_parent (w))
      add_widget_shortcuts (bound, w, G_OBJECT_TYPE_NAME (w));
  }
  /* The zoom window's. */
  {
    static const guchar pixel[4] = { 255, 0, 0, 255 };
    g_autoptr(GBytes) pixels = g_bytes_new_static (pixel, sizeof pixel);
    g_autoptr(GdkTexture) texture = gdk_memory_texture_new (1, 1, GDK_MEMORY_R8G8B8A8, pixels, 4);
    g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (texture);

    zoom = falstaff_zoom_window_new (GTK_WINDOW (studio->window), png, "zoom");
  }
  add_widget_shortcuts (bound, zoom, "zoom window");
  add_compare_keys (bound);
  gtk_window_destroy (GTK_WINDOW (zoom));

  collect_listed (GTK_WIDGET (shortcuts_window (studio)), listed);
  g_assert_cmpuint (g_hash_table_size (listed), >, 5);

  g_hash_table_iter_init (&iter, bound);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (listed, key))
      {
        g_printerr ("not in the shortcuts window: %s (%s)\n", (char *) key, (char *) value);
        missing++;
      }
  g_hash_table_iter_init (&iter, listed);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (bound, key))
      {
        g_printerr ("listed but bound nowhere: %s (%s)\n", (char *) key, (char *) value);
        stale++;
      }
  g_assert_cmpuint (missing, ==, 0);
  g_assert_cmpuint (stale, ==, 0);
}

static gboolean
window_shown (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static void
test_shortcuts_window (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autofree char *shot = NULL;
  GtkWindow *overlay;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  overlay = shortcuts_window (studio);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (overlay)));
  /* Ctrl+? from a text field, as a person presses it. */
  falstaff_test_press_keys (row_control (studio, "prompt"), "ctrl+question");
  g_assert_true (falstaff_test_wait_until (window_shown, overlay, 5000));
  falstaff_test_iterate_for (300);
  shot = falstaff_test_screenshot (GTK_WIDGET (overlay), "shortcuts");
  g_test_message ("screenshot: %s", shot);
  gtk_window_close (overlay);
}

/* ------------------------------------------------------------ Tab order */

typedef struct {
  GPtrArray *focused;             /* in order, weak */
} FocusLog;

static void
focus_changed_cb (GtkWindow  *window,
                  GParamSpec *pspec,
                  FocusLog   *log)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (window));

  if (focus)
    g_ptr_array_add (log->focused, focus);
}

static gboolean
inside_list (GtkWidget *widget,
             GtkWidget *stop)
{
  for (GtkWidget *w = gtk_widget_get_parent (widget); w && w != stop; w = gtk_widget_get_parent (w))
    if (GTK_IS_LIST_VIEW (w) || GTK_IS_GRID_VIEW (w) || GTK_IS_LIST_BOX (w) || GTK_IS_FLOW_BOX (w) ||
        GTK_IS_COLUMN_VIEW (w))
      return TRUE;
  return FALSE;
}

/* The list a widget is in (its items are reached with the arrows once
 * Tab is in it), or the widget itself. */
static GtkWidget *
tab_stop (GtkWidget *widget,
          GtkWidget *stop)
{
  GtkWidget *list = NULL;

  for (GtkWidget *w = gtk_widget_get_parent (widget); w && w != stop; w = gtk_widget_get_parent (w))
    if (GTK_IS_LIST_VIEW (w) || GTK_IS_GRID_VIEW (w) || GTK_IS_FLOW_BOX (w) || GTK_IS_COLUMN_VIEW (w))
      list = w;
  return list ? list : widget;
}

static gboolean
takes_tab (GtkWidget *widget,
           GtkWidget *window)
{
  if (!gtk_widget_get_mapped (widget) || !gtk_widget_is_sensitive (widget) || !gtk_widget_get_focusable (widget))
    return FALSE;
  for (GtkWidget *w = widget; w && w != window; w = gtk_widget_get_parent (w))
    if (!gtk_widget_get_can_focus (w) || !gtk_widget_get_child_visible (w))
      return FALSE;
  /* Rows of a form list are not stops: their controls are. */
  if (GTK_IS_LIST_BOX_ROW (widget) && !gtk_list_box_row_get_activatable (GTK_LIST_BOX_ROW (widget)))
    return FALSE;
  /* Read-only text a person selects with the mouse; a scrolled window
   * stands for its content. */
  if (GTK_IS_LABEL (widget) || GTK_IS_SCROLLED_WINDOW (widget))
    return FALSE;
  return TRUE;
}

static void
collect_stops (GtkWidget  *widget,
               GtkWidget  *window,
               GHashTable *stops)
{
  if (!gtk_widget_get_visible (widget) || !gtk_widget_get_child_visible (widget))
    return;
  if (takes_tab (widget, window) && !inside_list (widget, window))
    g_hash_table_add (stops, widget);
  else if (takes_tab (widget, window))
    g_hash_table_add (stops, tab_stop (widget, window));
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    collect_stops (child, window, stops);
}

static char *
describe (GtkWidget *widget)
{
  GtkWidget *labelled = widget;
  const char *text = NULL;

  while (labelled && text == NULL)
    {
      if (GTK_IS_BUTTON (labelled))
        text = gtk_button_get_label (GTK_BUTTON (labelled)) ? gtk_button_get_label (GTK_BUTTON (labelled))
                                                             : gtk_widget_get_tooltip_text (labelled);
      labelled = gtk_widget_get_parent (labelled);
      if (labelled && gtk_widget_get_tooltip_text (labelled) && text == NULL)
        text = gtk_widget_get_tooltip_text (labelled);
    }
  return g_strdup_printf ("%s %p (%s)", G_OBJECT_TYPE_NAME (widget), widget, text ? text : "");
}

/* 0 the sidebar, 1 the content's header and banners, 2 the form (with
 * its cost line), 3 the results. */
static int
pane_of (Studio    *studio,
         GtkWidget *widget)
{
  GtkWidget *picker = GTK_WIDGET (_falstaff_window_get_picker (studio->window));
  GtkWidget *form = GTK_WIDGET (_falstaff_window_get_form_view (studio->window));
  GtkWidget *results = GTK_WIDGET (_falstaff_window_get_request_view (studio->window));
  GtkWidget *sidebar = picker, *form_pane;

  while (gtk_widget_get_parent (sidebar) && !ADW_IS_LEAFLET (gtk_widget_get_parent (sidebar)))
    sidebar = gtk_widget_get_parent (sidebar);
  form_pane = gtk_widget_get_parent (gtk_widget_get_ancestor (form, GTK_TYPE_SCROLLED_WINDOW));
  if (widget == sidebar || gtk_widget_is_ancestor (widget, sidebar))
    return 0;
  if (widget == results || gtk_widget_is_ancestor (widget, results))
    return 3;
  if (widget == form_pane || gtk_widget_is_ancestor (widget, form_pane))
    return 2;
  return 1;
}

static void
test_tab_reaches_all (void)
{
  g_autoptr(Studio) studio = studio_new ();
  g_autoptr(GHashTable) stops = g_hash_table_new (NULL, NULL);
  g_autoptr(GHashTable) reached = g_hash_table_new (NULL, NULL);
  FocusLog log = { g_ptr_array_new () };
  GtkWidget *window = GTK_WIDGET (studio->window);
  GHashTableIter iter;
  gpointer key;
  guint unreached = 0, first = G_MAXUINT, cycle_end = 0, n_tabs;
  g_autoptr(GString) keys = g_string_new (NULL);
  GtkWidget *start;
  int last_pane = -1;

  start_demo (studio);
  pick_endpoint (studio, "fast-sdxl");
  type_text (row_control (studio, "prompt"), "a lighthouse");
  run (studio);
  g_assert_true (falstaff_test_wait_until (request_exists, studio->window, 5000));
  g_assert_true (falstaff_test_wait_until (not_running, studio->window, 60000));
  falstaff_test_iterate_for (500);

  collect_stops (window, window, stops);
  g_assert_cmpuint (g_hash_table_size (stops), >, 10);

  /* From the first control of the sidebar's header, Tab all the way
   * round (twice the stops, and then some). */
  start = NULL;
  for (GtkWidget *w = GTK_WIDGET (_falstaff_window_get_picker (studio->window)); w; w = gtk_widget_get_parent (w))
    if (GTK_IS_BOX (w) && gtk_widget_get_first_child (w) && ADW_IS_HEADER_BAR (gtk_widget_get_first_child (w)))
      {
        GHashTableIter it;
        gpointer candidate;
        double best = G_MAXDOUBLE;

        g_hash_table_iter_init (&it, stops);
        while (g_hash_table_iter_next (&it, &candidate, NULL))
          if (gtk_widget_is_ancestor (candidate, gtk_widget_get_first_child (w)))
            {
              graphene_point_t origin = { 0, 0 }, at;

              g_assert_true (gtk_widget_compute_point (candidate, window, &origin, &at));
              if (at.x < best)
                best = at.x, start = candidate;
            }
        break;
      }
  g_assert_nonnull (start);
  n_tabs = 2 * g_hash_table_size (stops) + 10;
  for (guint i = 0; i < n_tabs; i++)
    g_string_append (keys, i ? " Tab" : "Tab");
  g_signal_connect (window, "notify::focus-widget", G_CALLBACK (focus_changed_cb), &log);
  g_ptr_array_add (log.focused, start);
  falstaff_test_press_keys (start, keys->str);
  g_signal_handlers_disconnect_by_func (window, focus_changed_cb, &log);

  /* One cycle: from the start until it comes round again. */
  for (guint i = 0; i < log.focused->len; i++)
    if (g_ptr_array_index (log.focused, i) == start)
      {
        if (first == G_MAXUINT)
          first = i;
        else if (i > first + 1)
          {
            cycle_end = i;
            break;
          }
      }
  g_assert_cmpuint (cycle_end, >, 0);

  for (guint i = first; i < cycle_end; i++)
    {
      GtkWidget *focus = g_ptr_array_index (log.focused, i);
      g_autofree char *what = describe (focus);
      int pane = pane_of (studio, focus);

      g_hash_table_add (reached, tab_stop (focus, window));
      if (g_test_verbose ())
        g_printerr ("tab %u: pane %d %s\n", i - first, pane, what);
      /* Pane by pane: the sidebar, the header, the form, the results;
       * never back to one already left. */
      if (pane < last_pane)
        g_error ("Tab went back from pane %d to pane %d at %s", last_pane, pane, what);
      last_pane = pane;
    }

  g_hash_table_iter_init (&iter, stops);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_hash_table_contains (reached, key))
      {
        g_autofree char *what = describe (key);

        g_printerr ("Tab never reaches %s\n", what);
        unreached++;
      }
  g_assert_cmpuint (unreached, ==, 0);
  g_ptr_array_unref (log.focused);
}

/* About (from the main menu): the version, the licence, links and
 * credits, in a window of its own. */
static AdwAboutWindow *
find_about (void)
{
  return (AdwAboutWindow *) falstaff_test_find_window (ADW_TYPE_ABOUT_WINDOW);
}

static gboolean
about_shown (gpointer data)
{
  return find_about () != NULL;
}

static void
test_about (void)
{
  g_autoptr(Studio) studio = studio_new ();
  AdwAboutWindow *about;
  const char * const *developers;
  g_autofree char *shot = NULL;

  start_demo (studio);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (studio->window), "app.about", NULL));
  g_assert_true (falstaff_test_wait_until (about_shown, NULL, 5000));
  about = find_about ();
  g_assert_cmpstr (adw_about_window_get_version (about), ==, PACKAGE_VERSION);
  g_assert_cmpint (adw_about_window_get_license_type (about), ==, GTK_LICENSE_GPL_3_0);
  g_assert_cmpstr (adw_about_window_get_application_icon (about), ==, APPLICATION_ID);
  g_assert_true (g_str_has_prefix (adw_about_window_get_website (about), "https://"));
  g_assert_true (g_str_has_prefix (adw_about_window_get_issue_url (about), "https://"));
  developers = adw_about_window_get_developers (about);
  g_assert_nonnull (developers);
  g_assert_nonnull (developers[0]);
  g_assert_nonnull (adw_about_window_get_copyright (about));
  falstaff_test_iterate_for (300);
  shot = falstaff_test_screenshot (GTK_WIDGET (about), "about");
  g_test_message ("screenshot: %s", shot);
  gtk_window_close (GTK_WINDOW (about));
}

int
main (int    argc,
      char **argv)
{
  int status;

  studio_fixture_init (&argc, &argv);
  g_test_add_func ("/ui/keyboard/shortcuts-listed", test_shortcuts_listed);
  g_test_add_func ("/ui/keyboard/shortcuts-window", test_shortcuts_window);
  g_test_add_func ("/ui/keyboard/tab-reaches-all", test_tab_reaches_all);
  g_test_add_func ("/ui/window/about", test_about);
  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
