/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include <adwaita.h>

#include "falstaff-accessible.h"
#include "falstaff-welcome-page.h"

struct _FalstaffWelcomePage
{
  GtkWidget parent_instance;

  AdwPasswordEntryRow *key_row;
  GtkLabel *message_label;
  GtkSpinner *spinner;
  GtkButton *demo_button;
};

G_DEFINE_FINAL_TYPE (FalstaffWelcomePage, falstaff_welcome_page, GTK_TYPE_WIDGET)

enum {
  KEY_ENTERED,
  DEMO_REQUESTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
key_applied_cb (FalstaffWelcomePage *self)
{
  const char *key = gtk_editable_get_text (GTK_EDITABLE (self->key_row));

  if (key == NULL || *key == '\0')
    return;
  g_signal_emit (self, signals[KEY_ENTERED], 0, key);
}

static void
demo_clicked_cb (FalstaffWelcomePage *self)
{
  g_signal_emit (self, signals[DEMO_REQUESTED], 0);
}

static void
falstaff_welcome_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), FALSTAFF_TYPE_WELCOME_PAGE);
  /* The template's root child is not bound: it goes here. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (object))))
      gtk_widget_unparent (child);
  }

  G_OBJECT_CLASS (falstaff_welcome_page_parent_class)->dispose (object);
}

static void
falstaff_welcome_page_class_init (FalstaffWelcomePageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_welcome_page_dispose;

  signals[KEY_ENTERED] = g_signal_new ("key-entered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[DEMO_REQUESTED] = g_signal_new ("demo-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-welcome-page.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffWelcomePage, key_row);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWelcomePage, message_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWelcomePage, spinner);
  gtk_widget_class_bind_template_child (widget_class, FalstaffWelcomePage, demo_button);
  gtk_widget_class_bind_template_callback (widget_class, key_applied_cb);
  gtk_widget_class_bind_template_callback (widget_class, demo_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

/* AdwEntryRow's apply button shows only an icon, and libadwaita 1.2
 * gives it no name: a screen reader would say its class name. */
static void
falstaff_welcome_page_init (FalstaffWelcomePage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  falstaff_accessible_name_icon_buttons (GTK_WIDGET (self->key_row), _("Check and save the key"));
}

void
falstaff_welcome_page_set_busy (FalstaffWelcomePage *self,
                                gboolean             busy)
{
  g_return_if_fail (FALSTAFF_IS_WELCOME_PAGE (self));

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->key_row), !busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->demo_button), !busy);
}

void
falstaff_welcome_page_show_message (FalstaffWelcomePage *self,
                                    const char          *message)
{
  g_return_if_fail (FALSTAFF_IS_WELCOME_PAGE (self));

  gtk_label_set_text (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
}

void
falstaff_welcome_page_clear (FalstaffWelcomePage *self)
{
  g_return_if_fail (FALSTAFF_IS_WELCOME_PAGE (self));

  gtk_editable_set_text (GTK_EDITABLE (self->key_row), "");
  falstaff_welcome_page_show_message (self, NULL);
  falstaff_welcome_page_set_busy (self, FALSE);
}

GtkWidget *falstaff_welcome_page_get_key_row (FalstaffWelcomePage *self) { return GTK_WIDGET (self->key_row); }
GtkWidget *falstaff_welcome_page_get_demo_button (FalstaffWelcomePage *self) { return GTK_WIDGET (self->demo_button); }

const char *
falstaff_welcome_page_get_message (FalstaffWelcomePage *self)
{
  return gtk_widget_get_visible (GTK_WIDGET (self->message_label)) ? gtk_label_get_text (self->message_label) : NULL;
}
