/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include "falstaff-window.h"

struct _FalstaffWindow
{
  AdwApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (FalstaffWindow, falstaff_window, ADW_TYPE_APPLICATION_WINDOW)

static void
falstaff_window_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), FALSTAFF_TYPE_WINDOW);

  G_OBJECT_CLASS (falstaff_window_parent_class)->dispose (object);
}

static void
falstaff_window_class_init (FalstaffWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_window_dispose;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-window.ui");
}

static void
falstaff_window_init (FalstaffWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

FalstaffWindow *
falstaff_window_new (FalstaffApplication *application)
{
  return g_object_new (FALSTAFF_TYPE_WINDOW, "application", application, NULL);
}
