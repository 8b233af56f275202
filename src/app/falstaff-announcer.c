/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include "falstaff-accessible.h"
#include "falstaff-announcer.h"

struct _FalstaffAnnouncer
{
  GObject parent_instance;

  GtkWindow *window;              /* unowned: the window owns us */
  GtkWidget *described;           /* the control holding the news, weak */
  char *last;
};

G_DEFINE_FINAL_TYPE (FalstaffAnnouncer, falstaff_announcer, G_TYPE_OBJECT)

/* Gives the control back its own description, or none. */
static void
restore (FalstaffAnnouncer *self)
{
  const char *own;

  if (self->described == NULL)
    return;
  own = falstaff_accessible_get_description (self->described);
  if (own)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self->described), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, own, -1);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (self->described), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
  g_clear_weak_pointer (&self->described);
}

static void
focus_moved_cb (GtkWindow         *window,
                GParamSpec        *pspec,
                FalstaffAnnouncer *self)
{
  if (self->described != gtk_root_get_focus (GTK_ROOT (window)))
    restore (self);
}

static void
falstaff_announcer_finalize (GObject *object)
{
  FalstaffAnnouncer *self = FALSTAFF_ANNOUNCER (object);

  g_clear_weak_pointer (&self->described);
  g_free (self->last);
  G_OBJECT_CLASS (falstaff_announcer_parent_class)->finalize (object);
}

static void
falstaff_announcer_class_init (FalstaffAnnouncerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = falstaff_announcer_finalize;
}

static void
falstaff_announcer_init (FalstaffAnnouncer *self)
{
}

FalstaffAnnouncer *
falstaff_announcer_get_for_window (GtkWindow *window)
{
  FalstaffAnnouncer *self;

  g_return_val_if_fail (GTK_IS_WINDOW (window), NULL);

  self = g_object_get_data (G_OBJECT (window), "falstaff-announcer");
  if (self == NULL)
    {
      self = g_object_new (FALSTAFF_TYPE_ANNOUNCER, NULL);
      self->window = window;
      g_object_set_data_full (G_OBJECT (window), "falstaff-announcer", self, g_object_unref);
      g_signal_connect_object (window, "notify::focus-widget", G_CALLBACK (focus_moved_cb), self, 0);
    }
  return self;
}

void
falstaff_announcer_announce (FalstaffAnnouncer *self,
                             const char        *text)
{
  GtkWidget *focus;

  g_return_if_fail (FALSTAFF_IS_ANNOUNCER (self));
  g_return_if_fail (text != NULL);

  g_free (self->last);
  self->last = g_strdup (text);
  focus = gtk_root_get_focus (GTK_ROOT (self->window));
  if (focus != self->described)
    restore (self);
  if (focus == NULL)
    return;
  g_set_weak_pointer (&self->described, focus);
  gtk_accessible_update_property (GTK_ACCESSIBLE (focus), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, text, -1);
}

const char *
falstaff_announcer_get_last (FalstaffAnnouncer *self)
{
  g_return_val_if_fail (FALSTAFF_IS_ANNOUNCER (self), NULL);

  return self->last;
}

void
falstaff_announce (GtkWidget  *widget,
                   const char *text)
{
  GtkRoot *root;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  root = gtk_widget_get_root (widget);
  if (GTK_IS_WINDOW (root))
    falstaff_announcer_announce (falstaff_announcer_get_for_window (GTK_WINDOW (root)), text);
}
