/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "fal-endpoint-id.h"
#include "falstaff-open-request-dialog.h"

struct _FalstaffOpenRequestDialog
{
  AdwMessageDialog parent_instance;

  GtkWidget *request_entry;
  GtkWidget *endpoint_entry;
};

G_DEFINE_FINAL_TYPE (FalstaffOpenRequestDialog, falstaff_open_request_dialog, ADW_TYPE_MESSAGE_DIALOG)

/* fal's request ids are UUIDs; be lenient about the form, strict about
 * what could break a URL path. */
static gboolean
is_request_id (const char *text)
{
  gsize length = strlen (text);

  if (length == 0 || length > 128)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return FALSE;
  return TRUE;
}

gboolean
falstaff_parse_request_reference (const char  *text,
                                  char       **endpoint_id,
                                  char       **request_id)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (text ? text : ""));
  g_autoptr(GUri) uri = NULL;
  g_auto(GStrv) halves = NULL;
  g_auto(GStrv) tail = NULL;
  const char *path;
  const char *endpoint;

  *endpoint_id = NULL;
  *request_id = NULL;
  if (is_request_id (trimmed))
    {
      *request_id = g_steal_pointer (&trimmed);
      return TRUE;
    }

  uri = g_uri_parse (trimmed, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return FALSE;
  path = g_uri_get_path (uri);
  halves = g_strsplit (path, "/requests/", 2);
  if (g_strv_length (halves) != 2)
    return FALSE;
  tail = g_strsplit (halves[1], "/", 2);
  if (!is_request_id (tail[0]))
    return FALSE;

  endpoint = halves[0];
  while (*endpoint == '/')
    endpoint++;
  /* The local server (and a proxy) put the queue under a path. */
  if (g_str_has_prefix (endpoint, "queue/"))
    endpoint += strlen ("queue/");
  if (*endpoint)
    {
      g_autoptr(FalEndpointId) id = fal_endpoint_id_parse (endpoint, NULL);

      if (id)
        *endpoint_id = g_strdup (fal_endpoint_id_get_full (id));
    }
  *request_id = g_strdup (tail[0]);
  return TRUE;
}

char *
falstaff_open_request_dialog_dup_request_id (FalstaffOpenRequestDialog *self)
{
  g_autofree char *endpoint = NULL;
  char *request_id = NULL;

  g_return_val_if_fail (FALSTAFF_IS_OPEN_REQUEST_DIALOG (self), NULL);
  falstaff_parse_request_reference (gtk_editable_get_text (GTK_EDITABLE (self->request_entry)),
                                    &endpoint, &request_id);
  return request_id;
}

char *
falstaff_open_request_dialog_dup_endpoint_id (FalstaffOpenRequestDialog *self)
{
  g_autoptr(FalEndpointId) id = NULL;

  g_return_val_if_fail (FALSTAFF_IS_OPEN_REQUEST_DIALOG (self), NULL);
  id = fal_endpoint_id_parse (gtk_editable_get_text (GTK_EDITABLE (self->endpoint_entry)), NULL);
  return id ? g_strdup (fal_endpoint_id_get_full (id)) : NULL;
}

/* A pasted URL names its endpoint: fill it in. Open only while both
 * entries make sense. */
static void
request_changed_cb (FalstaffOpenRequestDialog *self)
{
  g_autofree char *endpoint = NULL;
  g_autofree char *request_id = NULL;

  if (falstaff_parse_request_reference (gtk_editable_get_text (GTK_EDITABLE (self->request_entry)),
                                        &endpoint, &request_id) && endpoint)
    gtk_editable_set_text (GTK_EDITABLE (self->endpoint_entry), endpoint);
}

static void
update_open (FalstaffOpenRequestDialog *self)
{
  g_autofree char *request_id = falstaff_open_request_dialog_dup_request_id (self);
  g_autofree char *endpoint = falstaff_open_request_dialog_dup_endpoint_id (self);
  gboolean request_ok = request_id != NULL;
  gboolean endpoint_ok = endpoint != NULL;
  const char *request_text = gtk_editable_get_text (GTK_EDITABLE (self->request_entry));

  /* Marked wrong only once something was typed. */
  if (!request_ok && *request_text)
    gtk_widget_add_css_class (self->request_entry, "error");
  else
    gtk_widget_remove_css_class (self->request_entry, "error");
  if (!endpoint_ok && *gtk_editable_get_text (GTK_EDITABLE (self->endpoint_entry)))
    gtk_widget_add_css_class (self->endpoint_entry, "error");
  else
    gtk_widget_remove_css_class (self->endpoint_entry, "error");
  adw_message_dialog_set_response_enabled (ADW_MESSAGE_DIALOG (self), "open", request_ok && endpoint_ok);
}

/* Enter in either entry opens, as the default button would. */
static void
entry_activate_cb (FalstaffOpenRequestDialog *self)
{
  if (adw_message_dialog_get_response_enabled (ADW_MESSAGE_DIALOG (self), "open"))
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (self), "open");
}

static GtkWidget *
labelled_entry (GtkWidget  *box,
                const char *label_text,
                const char *placeholder)
{
  GtkWidget *label = gtk_label_new_with_mnemonic (label_text);
  GtkWidget *entry = gtk_entry_new ();

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  gtk_widget_add_css_class (label, "caption-heading");
  gtk_label_set_mnemonic_widget (GTK_LABEL (label), entry);
  gtk_entry_set_placeholder_text (GTK_ENTRY (entry), placeholder);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (entry), GTK_ACCESSIBLE_RELATION_LABELLED_BY, label, NULL, -1);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), entry);
  return entry;
}

static void
falstaff_open_request_dialog_init (FalstaffOpenRequestDialog *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);

  adw_message_dialog_set_heading (ADW_MESSAGE_DIALOG (self), _("Open Request"));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (self),
                               _("Follow a request made elsewhere (falctl, another computer, the fal dashboard) "
                                 "and keep it in the history. Paste its id, or its queue URL."));
  self->request_entry = labelled_entry (box, _("_Request id or URL"), "764cabcf-b745-4b3e-ae38-1200304cf45b");
  self->endpoint_entry = labelled_entry (box, _("_Endpoint"), "fal-ai/flux/dev");
  gtk_widget_set_margin_top (gtk_widget_get_prev_sibling (self->endpoint_entry), 6);
  adw_message_dialog_set_extra_child (ADW_MESSAGE_DIALOG (self), box);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (self),
                                    "cancel", _("_Cancel"),
                                    "open", _("_Open"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (self), "open", ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (self), "open");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (self), "cancel");

  g_signal_connect_swapped (self->request_entry, "changed", G_CALLBACK (request_changed_cb), self);
  g_signal_connect_swapped (self->request_entry, "changed", G_CALLBACK (update_open), self);
  g_signal_connect_swapped (self->endpoint_entry, "changed", G_CALLBACK (update_open), self);
  g_signal_connect_swapped (self->request_entry, "activate", G_CALLBACK (entry_activate_cb), self);
  g_signal_connect_swapped (self->endpoint_entry, "activate", G_CALLBACK (entry_activate_cb), self);
  update_open (self);
}

static void
falstaff_open_request_dialog_class_init (FalstaffOpenRequestDialogClass *klass)
{
}

GtkWidget *
falstaff_open_request_dialog_new (GtkWindow  *parent,
                                  const char *endpoint_id)
{
  FalstaffOpenRequestDialog *self = g_object_new (FALSTAFF_TYPE_OPEN_REQUEST_DIALOG,
                                                  "transient-for", parent,
                                                  "modal", TRUE,
                                                  NULL);

  if (endpoint_id)
    gtk_editable_set_text (GTK_EDITABLE (self->endpoint_entry), endpoint_id);
  gtk_widget_grab_focus (self->request_entry);
  return GTK_WIDGET (self);
}

GtkWidget *
falstaff_open_request_dialog_get_request_entry (FalstaffOpenRequestDialog *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OPEN_REQUEST_DIALOG (self), NULL);
  return self->request_entry;
}

GtkWidget *
falstaff_open_request_dialog_get_endpoint_entry (FalstaffOpenRequestDialog *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OPEN_REQUEST_DIALOG (self), NULL);
  return self->endpoint_entry;
}
