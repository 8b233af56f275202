/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include <gdk/x11/gdkx.h>

#include "ui-test-utils.h"

static gboolean
deadline_cb (gpointer data)
{
  gboolean *expired = data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
falstaff_test_wait_until (gboolean (*condition) (gpointer data),
                          gpointer   data,
                          guint      timeout_ms)
{
  gboolean expired = FALSE;
  guint source = g_timeout_add (timeout_ms, deadline_cb, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (source);
  return condition (data);
}

/* GTK warns, and draws nothing for that widget, when a snapshot is taken
 * while a resize is still queued (a label changed in the same main-loop
 * turn that drew the last frame). That is a race of the test, not of the
 * app: while it snapshots, the screenshot takes that one warning as "not
 * laid out yet" and tries again after the next frame. GTK logs it through
 * the structured API, so only a log writer sees it. */
static gboolean in_snapshot;
static gboolean snapshot_hit_pending_layout;

static GLogWriterOutput
pending_layout_writer (GLogLevelFlags   log_level,
                       const GLogField *fields,
                       gsize            n_fields,
                       gpointer         user_data)
{
  if (in_snapshot)
    {
      const char *domain = NULL, *message = NULL;

      for (gsize i = 0; i < n_fields; i++)
        if (g_strcmp0 (fields[i].key, "GLIB_DOMAIN") == 0 && fields[i].length < 0)
          domain = fields[i].value;
        else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
          message = fields[i].value;
      if (g_strcmp0 (domain, "Gtk") == 0 && message && strstr (message, "without a current allocation"))
        {
          snapshot_hit_pending_layout = TRUE;
          return G_LOG_WRITER_HANDLED;
        }
    }
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static GskRenderNode *
snapshot_widget_node (GdkPaintable *paintable,
                      int           width,
                      int           height)
{
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  static gsize writer_set = 0;

  if (g_once_init_enter (&writer_set))
    {
      g_log_set_writer_func (pending_layout_writer, NULL, NULL);
      g_once_init_leave (&writer_set, 1);
    }
  snapshot_hit_pending_layout = FALSE;
  in_snapshot = TRUE;
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  in_snapshot = FALSE;
  if (snapshot_hit_pending_layout)
    {
      g_object_unref (snapshot);
      return NULL;
    }
  return gtk_snapshot_free_to_node (snapshot);
}

static gboolean
never (gpointer data)
{
  return FALSE;
}

void
falstaff_test_iterate_for (guint ms)
{
  falstaff_test_wait_until (never, NULL, ms);
}

char *
falstaff_test_screenshot (GtkWidget  *widget,
                          const char *name)
{
  g_autoptr(GskRenderer) renderer = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *file = NULL;
  char *path;
  int width, height;
  gint64 deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

  /* Let pending layout and frames happen: what is shown is what a person
   * would see now. */
  while ((!gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) == 0) &&
         g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  for (guint i = 0; i < 50 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
  /* A change just made (a label's text) is laid out on the next frame:
   * snapshot what that frame drew. */
  gtk_test_widget_wait_for_draw (widget);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  g_assert_cmpint (height, >, 0);

  g_type_ensure (GSK_TYPE_COLOR_NODE);
  renderer = gsk_cairo_renderer_new ();
  g_assert_true (gsk_renderer_realize (renderer, NULL, &error));

  paintable = gtk_widget_paintable_new (widget);
  node = snapshot_widget_node (paintable, width, height);
  /* A widget not drawn yet (or not laid out yet) has no render node:
   * wait for a frame. */
  while (node == NULL && g_get_monotonic_time () < deadline)
    {
      gtk_test_widget_wait_for_draw (widget);
      width = gtk_widget_get_width (widget);
      height = gtk_widget_get_height (widget);
      node = snapshot_widget_node (paintable, width, height);
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_renderer_unrealize (renderer);

  dir = g_build_filename (g_getenv ("G_TEST_BUILDDIR") ? g_getenv ("G_TEST_BUILDDIR") : ".", "screenshots", NULL);
  g_mkdir_with_parents (dir, 0755);
  file = g_strconcat (name, ".png", NULL);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  return path;
}

/* Real key events, as a person types them: the X server's input focus
 * goes to the widget's window (there is no window manager under Xvfb),
 * GTK's focus to the widget, and xdotool sends the keys through XTEST. */
/* Runs xdotool, then waits until the X server has delivered every event
 * it sent and GDK has taken them all, however long the app takes over
 * each on a loaded machine: a test then sees what the whole input did,
 * not its first key. The main loop does not run while xdotool sends, as
 * a burst of input arrives from a fast typist. */
static void
run_xdotool (GdkDisplay *display,
             const char *command)
{
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  Display *xdisplay = gdk_x11_display_get_xdisplay (display);
  int status = 0;
  gint64 deadline;

  g_assert_true (g_spawn_command_line_sync (command, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xdotool failed: %s", err);

  gdk_display_sync (display);
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (XPending (xdisplay) > 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE);
  /* The last event GDK took, and what it set off. */
  {
    gint64 until = g_get_monotonic_time () + 150 * 1000;
    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  }
}

void
falstaff_test_press_keys (GtkWidget  *focus,
                          const char *keys)
{
  GtkNative *native = gtk_widget_get_native (focus);
  g_autofree char *command = NULL;
  gulong xid;

  g_assert_nonnull (native);
  g_assert_true (GDK_IS_X11_SURFACE (gtk_native_get_surface (native)));
  xid = gdk_x11_surface_get_xid (gtk_native_get_surface (native));
  if (focus != GTK_WIDGET (native))
    g_assert_true (gtk_widget_grab_focus (focus));
  for (guint i = 0; i < 20 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);

  command = g_strdup_printf ("xdotool windowfocus --sync %lu key --clearmodifiers --delay 30 %s", xid, keys);
  run_xdotool (gtk_widget_get_display (focus), command);
}

/* A real click: the pointer moves onto the widget's centre in its X
 * window and the first button is pressed and released there. */
void
falstaff_test_click (GtkWidget *widget)
{
  GtkNative *native = gtk_widget_get_native (widget);
  graphene_point_t centre;
  double surface_x = 0, surface_y = 0;
  g_autofree char *command = NULL;

  g_assert_nonnull (native);
  /* Shown but not mapped or laid out yet: let the frame clock run first. */
  {
    gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

    while ((!gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) == 0 || g_main_context_pending (NULL)) &&
           g_get_monotonic_time () < deadline)
      g_main_context_iteration (NULL, !gtk_widget_get_mapped (widget) || gtk_widget_get_width (widget) == 0);
  }
  g_assert_true (gtk_widget_get_mapped (widget));
  g_assert_cmpint (gtk_widget_get_width (widget), >, 0);
  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native),
                                           &GRAPHENE_POINT_INIT (gtk_widget_get_width (widget) / 2.f,
                                                                 gtk_widget_get_height (widget) / 2.f),
                                           &centre));
  gtk_native_get_surface_transform (native, &surface_x, &surface_y);
  command = g_strdup_printf ("xdotool mousemove --window %lu --sync %d %d click 1",
                             gdk_x11_surface_get_xid (gtk_native_get_surface (native)),
                             (int) (centre.x + surface_x), (int) (centre.y + surface_y));
  run_xdotool (gtk_widget_get_display (widget), command);
}

GtkWindow *
falstaff_test_find_window (GType type)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GtkWindow) window = g_list_model_get_item (toplevels, i);

      /* The list keeps its own reference. */
      if (G_TYPE_CHECK_INSTANCE_TYPE (window, type) && gtk_widget_get_mapped (GTK_WIDGET (window)))
        return window;
    }
  return NULL;
}

GtkWidget *
falstaff_test_find_by_tooltip (GtkWidget  *root,
                               GType       type,
                               const char *tooltip)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (G_TYPE_CHECK_INSTANCE_TYPE (child, type) && gtk_widget_get_mapped (child) &&
          g_strcmp0 (gtk_widget_get_tooltip_text (child), tooltip) == 0)
        return child;
      if ((found = falstaff_test_find_by_tooltip (child, type, tooltip)))
        return found;
    }
  return NULL;
}

GtkWidget *
falstaff_test_find_descendant (GtkWidget  *root,
                               gboolean  (*match) (GtkWidget *widget))
{
  if (match (root))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = falstaff_test_find_descendant (child, match);

      if (found)
        return found;
    }
  return NULL;
}
