/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

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

char *
falstaff_test_screenshot (GtkWidget  *widget,
                          const char *name)
{
  g_autoptr(GskRenderer) renderer = NULL;
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
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
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  /* A widget not drawn yet has no render node: wait for a frame. */
  while (node == NULL && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, TRUE);
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
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
void
falstaff_test_press_keys (GtkWidget  *focus,
                          const char *keys)
{
  GtkNative *native = gtk_widget_get_native (focus);
  g_autofree char *command = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  gulong xid;

  g_assert_nonnull (native);
  g_assert_true (GDK_IS_X11_SURFACE (gtk_native_get_surface (native)));
  xid = gdk_x11_surface_get_xid (gtk_native_get_surface (native));
  if (focus != GTK_WIDGET (native))
    g_assert_true (gtk_widget_grab_focus (focus));
  for (guint i = 0; i < 20 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);

  command = g_strdup_printf ("xdotool windowfocus --sync %lu key --clearmodifiers --delay 30 %s", xid, keys);
  g_assert_true (g_spawn_command_line_sync (command, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xdotool failed: %s", err);
  /* Let the events arrive and be handled. */
  {
    gint64 until = g_get_monotonic_time () + 150 * 1000;
    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  }
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
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

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
  g_assert_true (g_spawn_command_line_sync (command, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("xdotool failed: %s", err);
  {
    gint64 until = g_get_monotonic_time () + 150 * 1000;
    while (g_get_monotonic_time () < until)
      g_main_context_iteration (NULL, FALSE), g_usleep (2000);
  }
}
