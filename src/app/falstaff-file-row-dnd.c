/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-file-row-private.h"

/* ------------------------------------------------------------------ adding */

static gboolean
is_web_link (const char *text)
{
  g_autofree char *scheme = g_uri_parse_scheme (text);

  return scheme && (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0);
}

/* Whether one more item fits; if not, the message says so. */
static gboolean
has_room (FalstaffFileRow *self)
{
  gint64 max = fal_form_field_get_max_length (self->field);
  g_autofree char *message = NULL;

  if (!_falstaff_file_row_is_list (self) || max < 0 || self->items->len < (guint64) max)
    return TRUE;
  message = g_strdup_printf (ngettext ("This field takes at most %d file", "This field takes at most %d files", (gulong) max),
                             (int) max);
  _falstaff_file_row_set_message (self, message);
  return FALSE;
}

static gboolean
add_local_file (FalstaffFileRow *self,
                GFile           *file)
{
  g_autofree char *name = g_file_get_basename (file);
  Item *item;

  if (!has_room (self))
    return FALSE;
  item = _falstaff_file_row_add_item (self, ITEM_CHECKING, name);
  item->file = g_object_ref (file);
  _falstaff_file_row_item_check (item);
  _falstaff_file_row_update_state (self);
  return TRUE;
}

static gboolean
add_texture (FalstaffFileRow *self,
             GdkTexture      *texture)
{
  g_autofree char *name = NULL;
  Item *item;

  if (fal_form_field_get_media (self->field) != FAL_FILE_MEDIA_ANY &&
      fal_form_field_get_media (self->field) != FAL_FILE_MEDIA_IMAGE)
    {
      g_autofree char *message = g_strdup_printf (_("An image does not fit here: this field takes %s"),
                                                  _falstaff_file_row_media_noun (fal_form_field_get_media (self->field)));
      _falstaff_file_row_set_message (self, message);
      return FALSE;
    }
  if (!has_room (self))
    return FALSE;
  /* Translators: the name of a dropped or pasted picture, "Image 640×480". */
  name = g_strdup_printf (_("Image %d×%d"), gdk_texture_get_width (texture), gdk_texture_get_height (texture));
  item = _falstaff_file_row_add_item (self, ITEM_CHECKING, name);
  /* Only memory textures are safe to encode in a worker thread. */
  if (GDK_IS_MEMORY_TEXTURE (texture))
    item->texture = g_object_ref (texture);
  else
    {
      int width = gdk_texture_get_width (texture);
      int height = gdk_texture_get_height (texture);
      gsize stride = (gsize) width * 4;
      guchar *pixels = g_malloc (stride * height);
      g_autoptr(GBytes) bytes = NULL;

      gdk_texture_download (texture, pixels, stride);
      bytes = g_bytes_new_take (pixels, stride * height);
      item->texture = gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, stride);
    }
  _falstaff_file_row_item_check (item);
  _falstaff_file_row_update_state (self);
  return TRUE;
}

static gboolean
add_link (FalstaffFileRow *self,
          const char      *url)
{
  g_autofree char *name = NULL;
  FalFileMedia media = _falstaff_file_row_media_of_link (url, &name);
  FalFileMedia wanted = fal_form_field_get_media (self->field);
  Item *item;

  if (wanted != FAL_FILE_MEDIA_ANY && media != FAL_FILE_MEDIA_ANY && media != wanted)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not %s"), name, _falstaff_file_row_media_noun (wanted));

      _falstaff_file_row_set_message (self, message);
      return FALSE;
    }
  if (!has_room (self))
    return FALSE;
  item = _falstaff_file_row_add_item (self, ITEM_LINK, name);
  item->url = g_strdup (url);
  _falstaff_file_row_item_show (item);
  _falstaff_file_row_keep_only (self, item);
  _falstaff_file_row_write_value (self);
  _falstaff_file_row_update_state (self);
  return TRUE;
}

static gboolean
add_gfile (FalstaffFileRow *self,
           GFile           *file)
{
  g_autofree char *uri = NULL;

  if (g_file_is_native (file))
    return add_local_file (self, file);
  /* A browser's uri-list arrives as a file list of http(s) files: those
   * are links, never read here. */
  uri = g_file_get_uri (file);
  if (is_web_link (uri))
    return add_link (self, uri);
  {
    g_autofree char *message = g_strdup_printf (_("“%s” is neither a local file nor a web link"), uri);

    _falstaff_file_row_set_message (self, message);
  }
  return FALSE;
}

static gboolean
add_text (FalstaffFileRow *self,
          const char      *text)
{
  g_auto(GStrv) uris = g_uri_list_extract_uris (text);
  g_autofree char *stripped = g_strstrip (g_strdup (text));
  gboolean added = FALSE;

  /* Plain text that is not a uri-list: one link or path. */
  if (uris == NULL || uris[0] == NULL)
    {
      g_strfreev (uris);
      uris = g_new0 (char *, 2);
      uris[0] = g_strdup (stripped);
    }
  for (guint i = 0; uris[i] && (_falstaff_file_row_is_list (self) || !added); i++)
    {
      const char *uri = uris[i];
      g_autofree char *scheme = g_uri_parse_scheme (uri);

      if (is_web_link (uri) || (scheme && g_ascii_strcasecmp (scheme, "data") == 0))
        added |= add_link (self, uri);
      else if (scheme && g_ascii_strcasecmp (scheme, "file") == 0)
        {
          g_autoptr(GFile) file = g_file_new_for_uri (uri);
          added |= add_local_file (self, file);
        }
      else if (g_path_is_absolute (uri))
        {
          g_autoptr(GFile) file = g_file_new_for_path (uri);
          added |= add_local_file (self, file);
        }
      else if (*uri)
        {
          g_autofree char *message = g_strdup_printf (_("“%s” is not a link to a file"), uri);

          _falstaff_file_row_set_message (self, message);
        }
    }
  return added;
}
/* ------------------------------------------------------------------ drop, paste, choose */

static gboolean
drop_cb (GtkDropTarget   *target,
         const GValue    *value,
         double           x,
         double           y,
         FalstaffFileRow *self)
{
  return falstaff_file_row_add_value (self, value);
}

static void
clipboard_value_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(FalstaffFileRow) self = user_data;
  g_autoptr(GError) error = NULL;
  const GValue *value = gdk_clipboard_read_value_finish (GDK_CLIPBOARD (source), result, &error);

  self->pending--;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the row went away */
  if (value)
    falstaff_file_row_add_value (self, value);
  else
    {
      g_autofree char *message = g_strdup_printf (_("Nothing could be pasted: %s"), error->message);

      _falstaff_file_row_set_message (self, message);
    }
  _falstaff_file_row_update_state (self);
}

static void
paste_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (widget);
  GdkClipboard *clipboard = gtk_widget_get_clipboard (widget);
  /* What the clipboard offers, and what its MIME types can become
   * (a file manager's text/uri-list is a file list). */
  g_autoptr(GdkContentFormats) formats =
    gdk_content_formats_union_deserialize_gtypes (gdk_content_formats_ref (gdk_clipboard_get_formats (clipboard)));
  /* Files first (a file manager's copy), then pictures, then links. */
  const GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE, G_TYPE_STRING };

  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    if (gdk_content_formats_contain_gtype (formats, types[i]))
      {
        self->pending++;
        _falstaff_file_row_update_state (self);
        gdk_clipboard_read_value_async (clipboard, types[i], G_PRIORITY_DEFAULT, self->cancellable,
                                        clipboard_value_cb, g_object_ref (self));
        return;
      }
  _falstaff_file_row_set_message (self, _("The clipboard holds no file, image or link"));
}

static void
chooser_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     FalstaffFileRow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));

      falstaff_file_row_add_files (self, files);
    }
  gtk_native_dialog_destroy (dialog);
  g_clear_object (&self->chooser);
}

static GtkFileFilter *
media_filter (FalFileMedia media)
{
  GtkFileFilter *filter = gtk_file_filter_new ();

  switch (media)
    {
    case FAL_FILE_MEDIA_IMAGE:
      gtk_file_filter_set_name (filter, _("Images"));
      gtk_file_filter_add_mime_type (filter, "image/*");
      break;
    case FAL_FILE_MEDIA_AUDIO:
      gtk_file_filter_set_name (filter, _("Audio"));
      gtk_file_filter_add_mime_type (filter, "audio/*");
      break;
    case FAL_FILE_MEDIA_VIDEO:
      gtk_file_filter_set_name (filter, _("Videos"));
      gtk_file_filter_add_mime_type (filter, "video/*");
      break;
    case FAL_FILE_MEDIA_ANY:
    default:
      gtk_file_filter_set_name (filter, _("All Files"));
      gtk_file_filter_add_pattern (filter, "*");
      break;
    }
  return filter;
}

static void
choose_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  FalFileMedia media = fal_form_field_get_media (self->field);
  g_autoptr(GtkFileFilter) filter = media_filter (media);
  g_autofree char *title = g_strdup_printf (_("Choose %s"), fal_form_field_get_title (self->field));

  if (self->chooser)
    {
      gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
      return;
    }
  self->chooser = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), _falstaff_file_row_is_list (self));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  if (media != FAL_FILE_MEDIA_ANY)
    {
      g_autoptr(GtkFileFilter) all = media_filter (FAL_FILE_MEDIA_ANY);

      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), all);
    }
  gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static FalFileMedia
media_of_value (const GValue *value,
                gboolean     *usable)
{
  *usable = TRUE;
  if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE))
    return FAL_FILE_MEDIA_IMAGE;
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST) || G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      GSList *files = G_VALUE_HOLDS (value, G_TYPE_FILE) ? NULL : g_value_get_boxed (value);
      GFile *file = G_VALUE_HOLDS (value, G_TYPE_FILE) ? g_value_get_object (value) : (files ? files->data : NULL);
      g_autofree char *name = NULL;
      g_autofree char *content_type = NULL;
      gboolean uncertain = TRUE;

      if (file == NULL)
        {
          *usable = FALSE;
          return FAL_FILE_MEDIA_ANY;
        }
      name = g_file_get_basename (file);
      content_type = g_content_type_guess (name, NULL, 0, &uncertain);
      return uncertain ? FAL_FILE_MEDIA_ANY : _falstaff_file_row_media_of_content_type (content_type);
    }
  if (G_VALUE_HOLDS (value, G_TYPE_STRING) && g_value_get_string (value))
    {
      g_auto(GStrv) uris = g_uri_list_extract_uris (g_value_get_string (value));
      g_autofree char *first = g_strstrip (g_strdup (uris && uris[0] ? uris[0] : g_value_get_string (value)));

      return _falstaff_file_row_media_of_link (first, NULL);
    }
  *usable = FALSE;
  return FAL_FILE_MEDIA_ANY;
}

/* ------------------------------------------------------------------ setup */

/* The choose and paste actions (Ctrl+V), for class_init. */
void
_falstaff_file_row_class_init_dnd (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "file-row.choose", NULL, choose_activated);
  gtk_widget_class_install_action (widget_class, "file-row.paste", NULL, paste_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "file-row.paste", NULL);
}

/* The drop target, for init. */
void
_falstaff_file_row_init_dnd (FalstaffFileRow *self)
{
  const GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE, G_TYPE_STRING };

  self->drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (self->drop_target, (GType *) types, G_N_ELEMENTS (types));
  g_signal_connect (self->drop_target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drop_target));
}

/* ------------------------------------------------------------------ public */

gboolean
falstaff_file_row_accepts (FalstaffFileRow *self,
                           const GValue    *value)
{
  FalFileMedia wanted;
  FalFileMedia media;
  gboolean usable;

  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);

  wanted = fal_form_field_get_media (self->field);
  media = media_of_value (value, &usable);
  return usable && (wanted == FAL_FILE_MEDIA_ANY || media == FAL_FILE_MEDIA_ANY || media == wanted);
}

gboolean
falstaff_file_row_add_value (FalstaffFileRow *self,
                             const GValue    *value)
{
  gboolean added = FALSE;

  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), FALSE);
  g_return_val_if_fail (G_IS_VALUE (value), FALSE);

  /* A new drop, paste or choice answers the last refusal. */
  _falstaff_file_row_set_message (self, NULL);
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      /* A single-file field takes the first. */
      for (GSList *l = g_value_get_boxed (value); l && (_falstaff_file_row_is_list (self) || !added); l = l->next)
        added |= add_gfile (self, l->data);
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE) && g_value_get_object (value))
    added = add_gfile (self, g_value_get_object (value));
  else if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE) && g_value_get_object (value))
    added = add_texture (self, g_value_get_object (value));
  else if (G_VALUE_HOLDS (value, G_TYPE_STRING) && g_value_get_string (value))
    added = add_text (self, g_value_get_string (value));
  else
    _falstaff_file_row_set_message (self, _("Only files, images and links can be used here"));
  return added;
}

void
falstaff_file_row_add_files (FalstaffFileRow *self,
                             GListModel      *files)
{
  gboolean added = FALSE;

  g_return_if_fail (FALSTAFF_IS_FILE_ROW (self));
  g_return_if_fail (G_IS_LIST_MODEL (files));

  _falstaff_file_row_set_message (self, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (files) && (_falstaff_file_row_is_list (self) || !added); i++)
    {
      g_autoptr(GFile) file = g_list_model_get_item (files, i);

      added |= add_gfile (self, file);
    }
}

GtkDropTarget *
falstaff_file_row_get_drop_target (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), NULL);
  return self->drop_target;
}

GtkFileChooserNative *
falstaff_file_row_get_chooser (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), NULL);
  return self->chooser;
}
