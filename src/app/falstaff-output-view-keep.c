/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "fal-file-name.h"
#include "falstaff-output-actions.h"
#include "falstaff-output-view-private.h"
#include "falstaff-zoom-window.h"

/* Keeping an output: Save As, Copy Image, Copy Link, Open in Another App
 * and View Large. Each ends in a toast that says it worked, or in words
 * why it did not. */

typedef struct {
  FalstaffOutputView *self;
  char *url;
  char *content_type;
} Keep;

static Keep *
keep_new (FalstaffOutputView *self,
          GtkWidget          *button)
{
  Keep *keep = g_new0 (Keep, 1);

  keep->self = g_object_ref (self);
  keep->url = g_strdup (g_object_get_data (G_OBJECT (button), "url"));
  keep->content_type = g_strdup (g_object_get_data (G_OBJECT (button), "content-type"));
  return keep;
}

static void
keep_free (Keep *keep)
{
  g_object_unref (keep->self);
  g_free (keep->url);
  g_free (keep->content_type);
  g_free (keep);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Keep, keep_free)

static char *
keep_name (Keep *keep)
{
  return fal_file_name_from_url (keep->url, keep->content_type);
}

/* What to fetch for keep's URL, or NULL after saying in a toast why it
 * is not fetched (what: "Not saved", …). */
static char *
source_or_say (Keep       *keep,
               const char *what)
{
  g_autoptr(GError) error = NULL;
  char *source = _falstaff_output_view_local_uri (keep->self, keep->url, &error);

  if (source == NULL)
    {
      g_autofree char *text = g_strdup_printf ("%s: %s", what, error->message);

      _falstaff_output_view_notify (keep->self, text);
    }
  return source;
}

static GtkWindow *
parent_window (FalstaffOutputView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  return GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL;
}

/* ------------------------------------------------------------------ save */

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(Keep) keep = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = falstaff_output_save_finish (result, &error);
  g_autofree char *text = NULL;

  if (file)
    {
      g_autofree char *path = g_file_get_path (file);
      g_autofree char *name = path ? g_filename_display_basename (path) : g_file_get_uri (file);

      text = g_strdup_printf (_("Saved “%s”"), name);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  else
    {
      g_autofree char *reason = falstaff_output_describe_error (error);

      text = g_strdup_printf (_("Could not save: %s"), reason);
    }
  _falstaff_output_view_notify (keep->self, text);
}

static void
save_clicked_cb (GtkButton          *button,
                 FalstaffOutputView *self)
{
  Keep *keep = keep_new (self, GTK_WIDGET (button));
  g_autofree char *name = keep_name (keep);
  g_auto(GStrv) text = _falstaff_output_view_png_text (self);
  g_autofree char *source = source_or_say (keep, _("Not saved"));

  if (source == NULL)
    {
      keep_free (keep);
      return;
    }
  falstaff_output_save_async (parent_window (self), _falstaff_output_view_get_session (self), source,
                              name, (const char * const *) text,
                              _falstaff_output_view_get_cancellable (self), saved_cb, keep);
}

/* ------------------------------------------------------------------ copy */

static void
copy_url_clicked_cb (GtkButton          *button,
                     FalstaffOutputView *self)
{
  const char *url = g_object_get_data (G_OBJECT (button), "url");

  /* A result that carried its file inline has no link anyone could open. */
  if (g_str_has_prefix (url, "data:"))
    {
      _falstaff_output_view_notify (self, _("This output has no web link: it came inside the result. Save it instead."));
      return;
    }
  falstaff_output_copy_url (GTK_WIDGET (self), url);
  _falstaff_output_view_notify (self, _("Link copied"));
}

static void
image_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(Keep) keep = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) bytes = falstaff_output_fetch_finish (result, &content_type, &error);

  if (bytes && content_type && g_str_has_prefix (content_type, "image/"))
    {
      falstaff_output_copy_image_bytes (GTK_WIDGET (keep->self), bytes, content_type);
      _falstaff_output_view_notify (keep->self, _("Image copied"));
    }
  else if (bytes)
    _falstaff_output_view_notify (keep->self, _("Could not copy the image: the file host did not send an image"));
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *reason = falstaff_output_describe_error (error);
      g_autofree char *text = g_strdup_printf (_("Could not copy the image: %s"), reason);

      _falstaff_output_view_notify (keep->self, text);
    }
}

/* The full image, fetched again: the gallery keeps thumbnails only. */
static void
copy_image_clicked_cb (GtkButton          *button,
                       FalstaffOutputView *self)
{
  Keep *keep = keep_new (self, GTK_WIDGET (button));
  g_autofree char *source = source_or_say (keep, _("Not copied"));

  if (source == NULL)
    {
      keep_free (keep);
      return;
    }
  falstaff_output_fetch_async (_falstaff_output_view_get_session (self), source,
                               _falstaff_output_view_get_cancellable (self), image_fetched_cb, keep);
}

/* ------------------------------------------------------------------ open */

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(Keep) keep = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_name = falstaff_output_open_url_finish (result, &error);
  g_autofree char *name = keep_name (keep);
  g_autofree char *text = NULL;

  if (error == NULL)
    text = app_name ? g_strdup_printf (_("Opened “%s” in %s"), name, app_name)
                    : g_strdup_printf (_("Opened “%s” in another app"), name);
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  else if (g_error_matches (error, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_NO_APP))
    text = g_strdup (_("No app on this computer opens this kind of file"));
  else
    {
      g_autofree char *reason = falstaff_output_describe_error (error);

      text = g_strdup_printf (_("Could not open “%s”: %s"), name, reason);
    }
  _falstaff_output_view_notify (keep->self, text);
}

void
_falstaff_output_view_open_elsewhere (FalstaffOutputView *self,
                                      const char         *url,
                                      const char         *content_type)
{
  Keep *keep = g_new0 (Keep, 1);
  g_auto(GStrv) text = _falstaff_output_view_png_text (self);
  g_autofree char *source = NULL;

  keep->self = g_object_ref (self);
  keep->url = g_strdup (url);
  keep->content_type = g_strdup (content_type);
  source = source_or_say (keep, _("Not opened"));
  if (source == NULL)
    {
      keep_free (keep);
      return;
    }
  falstaff_output_open_url_async (parent_window (self), _falstaff_output_view_get_session (self),
                                  source, content_type, (const char * const *) text,
                                  _falstaff_output_view_get_cancellable (self), opened_cb, keep);
}

static void
open_clicked_cb (GtkButton          *button,
                 FalstaffOutputView *self)
{
  _falstaff_output_view_open_elsewhere (self, g_object_get_data (G_OBJECT (button), "url"),
                                        g_object_get_data (G_OBJECT (button), "content-type"));
}

/* ------------------------------------------------------------------ view large */

static void
large_fetched_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(Keep) keep = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *content_type = NULL;
  g_autoptr(GBytes) bytes = falstaff_output_fetch_finish (result, &content_type, &error);

  if (bytes)
    {
      const char *type = content_type && g_str_has_prefix (content_type, "image/") ? content_type : "image/png";
      g_autofree char *title = fal_file_name_from_url (keep->url, type);
      GtkWidget *window = falstaff_zoom_window_new (parent_window (keep->self), bytes, title);

      gtk_window_present (GTK_WINDOW (window));
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_autofree char *reason = falstaff_output_describe_error (error);
      g_autofree char *text = g_strdup_printf (_("Could not show the image: %s"), reason);

      _falstaff_output_view_notify (keep->self, text);
    }
}

void
_falstaff_output_view_open_large (FalstaffOutputView *self,
                                  const char         *url)
{
  Keep *keep = g_new0 (Keep, 1);
  g_autofree char *source = NULL;

  keep->self = g_object_ref (self);
  keep->url = g_strdup (url);
  source = source_or_say (keep, _("Not shown"));
  if (source == NULL)
    {
      keep_free (keep);
      return;
    }
  falstaff_output_fetch_async (_falstaff_output_view_get_session (self), source,
                               _falstaff_output_view_get_cancellable (self), large_fetched_cb, keep);
}

static void
zoom_clicked_cb (GtkButton          *button,
                 FalstaffOutputView *self)
{
  _falstaff_output_view_open_large (self, g_object_get_data (G_OBJECT (button), "url"));
}

/* Send to…: the window offers the endpoints that take this media. */
static void
send_to_clicked_cb (GtkButton          *button,
                    FalstaffOutputView *self)
{
  const char *kind = g_object_get_data (G_OBJECT (button), "kind");

  gtk_widget_activate_action (GTK_WIDGET (button), "win.send-to", "(ss)",
                              (const char *) g_object_get_data (G_OBJECT (button), "url"), kind);
}

/* ------------------------------------------------------------------ the buttons */

static GtkWidget *
action_button (FalstaffOutputView *self,
               const char         *icon,
               const char         *name,
               const char         *url,
               const char         *content_type,
               GCallback           callback)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  /* Icon only: the tooltip for the eye, the label for screen readers
   * (GTK 4.8 does not read tooltips as names). */
  gtk_widget_set_tooltip_text (button, name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
  gtk_widget_add_css_class (button, "flat");
  g_object_set_data_full (G_OBJECT (button), "url", g_strdup (url), g_free);
  g_object_set_data_full (G_OBJECT (button), "content-type", g_strdup (content_type), g_free);
  g_signal_connect (button, "clicked", callback, self);
  return button;
}

GtkWidget *
_falstaff_output_view_item_actions (FalstaffOutputView *self,
                                    const char         *url,
                                    const char         *content_type,
                                    gboolean            image)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);

  gtk_widget_set_halign (box, GTK_ALIGN_CENTER);
  if (image)
    gtk_box_append (GTK_BOX (box), action_button (self, "zoom-in-symbolic", _("View Large"), url, content_type,
                                                  G_CALLBACK (zoom_clicked_cb)));
  gtk_box_append (GTK_BOX (box), action_button (self, "document-save-symbolic", _("Save As…"), url, content_type,
                                                G_CALLBACK (save_clicked_cb)));
  if (image)
    gtk_box_append (GTK_BOX (box), action_button (self, "edit-copy-symbolic", _("Copy Image"), url, content_type,
                                                  G_CALLBACK (copy_image_clicked_cb)));
  gtk_box_append (GTK_BOX (box), action_button (self, "insert-link-symbolic", _("Copy Link"), url, content_type,
                                                G_CALLBACK (copy_url_clicked_cb)));
  {
    GtkWidget *send = action_button (self, "mail-send-symbolic", _("Send to…"), url, content_type,
                                     G_CALLBACK (send_to_clicked_cb));
    const char *kind = image ? "image"
                       : content_type && g_str_has_prefix (content_type, "audio/") ? "audio"
                       : content_type && g_str_has_prefix (content_type, "video/") ? "video" : "file";

    g_object_set_data (G_OBJECT (send), "kind", (gpointer) kind);
    gtk_box_append (GTK_BOX (box), send);
  }
  if (image)
    gtk_box_append (GTK_BOX (box), action_button (self, "document-open-symbolic", _("Open in Another App"), url,
                                                  content_type, G_CALLBACK (open_clicked_cb)));
  return box;
}
