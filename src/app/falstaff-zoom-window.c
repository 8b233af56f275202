/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-zoom-window.h"

struct _FalstaffZoomWindow
{
  AdwWindow parent_instance;

  AdwWindowTitle *window_title;
  GtkLabel *zoom_label;
  FalstaffZoomView *view;
  GtkSpinner *spinner;
  AdwStatusPage *error_page;
};

G_DEFINE_FINAL_TYPE (FalstaffZoomWindow, falstaff_zoom_window, ADW_TYPE_WINDOW)

static void
zoom_changed_cb (FalstaffZoomWindow *self)
{
  g_autofree char *text = g_strdup_printf ("%.0f %%", falstaff_zoom_view_get_zoom (self->view) * 100);

  gtk_label_set_text (self->zoom_label, text);
}

static void
state_changed_cb (FalstaffZoomWindow *self)
{
  const char *error = falstaff_zoom_view_get_error_message (self->view);
  int width, height;

  gtk_spinner_set_spinning (self->spinner, falstaff_zoom_view_get_loading (self->view));
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), falstaff_zoom_view_get_loading (self->view));
  gtk_widget_set_visible (GTK_WIDGET (self->error_page), error != NULL);
  /* The decoder's words are for a developer (the view keeps them). */
  adw_status_page_set_description (self->error_page,
                                   error ? _("The file is damaged or in a format this app does not know.") : NULL);
  if (falstaff_zoom_view_get_image_size (self->view, &width, &height))
    {
      g_autofree char *size = g_strdup_printf ("%d × %d", width, height);

      adw_window_title_set_subtitle (self->window_title, size);
    }
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  FalstaffZoomWindow *self = FALSTAFF_ZOOM_WINDOW (widget);

  if (g_str_equal (action_name, "zoom.in"))
    falstaff_zoom_view_zoom_in (self->view);
  else if (g_str_equal (action_name, "zoom.out"))
    falstaff_zoom_view_zoom_out (self->view);
  else if (g_str_equal (action_name, "zoom.fit"))
    falstaff_zoom_view_zoom_fit (self->view);
  else
    falstaff_zoom_view_set_zoom (self->view, 1.0);
}

static void
falstaff_zoom_window_dispose (GObject *object)
{
  FalstaffZoomWindow *self = FALSTAFF_ZOOM_WINDOW (object);

  /* The view says its zoom changed as it goes: not to us any more (a
   * window closed before its image loaded met a view already gone). */
  if (self->view)
    g_signal_handlers_disconnect_by_data (self->view, self);
  gtk_widget_dispose_template (GTK_WIDGET (object), FALSTAFF_TYPE_ZOOM_WINDOW);

  G_OBJECT_CLASS (falstaff_zoom_window_parent_class)->dispose (object);
}

static void
falstaff_zoom_window_class_init (FalstaffZoomWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_zoom_window_dispose;

  g_type_ensure (FALSTAFF_TYPE_ZOOM_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-zoom-window.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffZoomWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, FalstaffZoomWindow, zoom_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffZoomWindow, view);
  gtk_widget_class_bind_template_child (widget_class, FalstaffZoomWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, FalstaffZoomWindow, error_page);

  gtk_widget_class_install_action (widget_class, "zoom.in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "zoom.out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "zoom.fit", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "zoom.original", NULL, zoom_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK, "zoom.in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK, "zoom.in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Add, GDK_CONTROL_MASK, "zoom.in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, 0, "zoom.in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK, "zoom.out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Subtract, GDK_CONTROL_MASK, "zoom.out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, 0, "zoom.out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK, "zoom.fit", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK, "zoom.original", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
falstaff_zoom_window_init (FalstaffZoomWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->view, "notify::zoom", G_CALLBACK (zoom_changed_cb), self);
  g_signal_connect_swapped (self->view, "notify::loading", G_CALLBACK (state_changed_cb), self);
  g_signal_connect_swapped (self->view, "notify::error-message", G_CALLBACK (state_changed_cb), self);
  gtk_widget_grab_focus (GTK_WIDGET (self->view));
}

GtkWidget *
falstaff_zoom_window_new (GtkWindow  *parent,
                          GBytes     *image,
                          const char *title)
{
  FalstaffZoomWindow *self;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (image != NULL, NULL);

  self = g_object_new (FALSTAFF_TYPE_ZOOM_WINDOW,
                       "transient-for", parent,
                       "title", title ? title : _("Image"),
                       NULL);
  adw_window_title_set_title (self->window_title, title ? title : _("Image"));
  if (parent && gtk_window_get_application (parent))
    gtk_window_set_application (GTK_WINDOW (self), gtk_window_get_application (parent));
  falstaff_zoom_view_set_bytes (self->view, image);
  return GTK_WIDGET (self);
}

FalstaffZoomView *
falstaff_zoom_window_get_view (FalstaffZoomWindow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ZOOM_WINDOW (self), NULL);
  return self->view;
}
