/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <string.h>

#include "falstaff-file-row-private.h"
#include "falstaff-image-loader.h"

/* Above this an image is shown by its icon: decoding it is not worth it. */
#define THUMB_MAX_FILE_SIZE (64 * 1024 * 1024)
/* Bytes read to tell a file's type by its content. */
#define SNIFF_SIZE 4096

/* ------------------------------------------------------------------ media */

FalFileMedia
_falstaff_file_row_media_of_content_type (const char *content_type)
{
  g_autofree char *mime = content_type ? g_content_type_get_mime_type (content_type) : NULL;

  if (mime == NULL)
    return FAL_FILE_MEDIA_ANY;
  if (g_str_has_prefix (mime, "image/"))
    return FAL_FILE_MEDIA_IMAGE;
  if (g_str_has_prefix (mime, "audio/"))
    return FAL_FILE_MEDIA_AUDIO;
  if (g_str_has_prefix (mime, "video/"))
    return FAL_FILE_MEDIA_VIDEO;
  return FAL_FILE_MEDIA_ANY;
}

const char *
_falstaff_file_row_media_noun (FalFileMedia media)
{
  switch (media)
    {
    case FAL_FILE_MEDIA_IMAGE:
      return _("an image");
    case FAL_FILE_MEDIA_AUDIO:
      return _("an audio file");
    case FAL_FILE_MEDIA_VIDEO:
      return _("a video");
    case FAL_FILE_MEDIA_ANY:
    default:
      return _("a file");
    }
}

/* NULL when a file of this type fits the field, else why not. */
static char *
media_problem (FalFileMedia  media,
               const char   *name,
               const char   *content_type)
{
  g_autofree char *description = NULL;

  if (media == FAL_FILE_MEDIA_ANY || _falstaff_file_row_media_of_content_type (content_type) == media)
    return NULL;
  description = g_content_type_get_description (content_type);
  return g_strdup_printf (_("“%s” is not %s (%s)"), name, _falstaff_file_row_media_noun (media), description);
}

/* The media a link names by its extension; ANY when it cannot tell. */
FalFileMedia
_falstaff_file_row_media_of_link (const char *url,
                                  char      **name)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  g_autofree char *content_type = NULL;
  const char *path = uri ? g_uri_get_path (uri) : NULL;
  const char *slash = path ? strrchr (path, '/') : NULL;
  g_autofree char *base = NULL;
  gboolean uncertain = TRUE;

  if (g_str_has_prefix (url, "data:"))
    {
      /* data:image/png;base64,… names its type. */
      g_autofree char *mime = g_strndup (url + 5, strcspn (url + 5, ";,"));

      if (name)
        *name = g_strdup_printf (_("Data (%s)"), *mime ? mime : "text/plain");
      content_type = g_content_type_from_mime_type (mime);
      return _falstaff_file_row_media_of_content_type (content_type);
    }
  base = slash && slash[1] ? g_uri_unescape_string (slash + 1, NULL) : NULL;
  if (name)
    *name = g_strdup (base ? base : (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : url));
  if (base == NULL)
    return FAL_FILE_MEDIA_ANY;
  content_type = g_content_type_guess (base, NULL, 0, &uncertain);
  return uncertain ? FAL_FILE_MEDIA_ANY : _falstaff_file_row_media_of_content_type (content_type);
}

/* ------------------------------------------------------------------ checks (worker threads) */

typedef struct {
  GFile *file;
  FalFileMedia media;
  char *name;
  char *content_type;
  char *problem;           /* why the file cannot be used, or NULL */
  guint64 size;
} Check;

static void
check_free (gpointer data)
{
  Check *check = data;

  g_clear_object (&check->file);
  g_free (check->name);
  g_free (check->content_type);
  g_free (check->problem);
  g_free (check);
}

static void
check_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Check *check = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;
  guint8 head[SNIFF_SIZE];
  gsize n_read = 0;
  GFileType type;

  info = g_file_query_info (check->file,
                            G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                            G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
                            G_FILE_QUERY_INFO_NONE, cancellable, &error);
  if (info == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        check->problem = g_strdup_printf (_("“%s” was not found"), check->name);
      else
        check->problem = g_strdup_printf (_("“%s” cannot be read: %s"), check->name, error->message);
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_free (check->name);
  check->name = g_strdup (g_file_info_get_display_name (info));
  type = g_file_info_get_file_type (info);
  check->size = g_file_info_get_size (info);
  if (type == G_FILE_TYPE_DIRECTORY)
    check->problem = g_strdup_printf (_("“%s” is a folder, not a file"), check->name);
  else if (type != G_FILE_TYPE_REGULAR)
    check->problem = g_strdup_printf (_("“%s” is not a regular file"), check->name);
  else if (check->size == 0)
    check->problem = g_strdup_printf (_("“%s” is empty (0 bytes)"), check->name);
  else if (check->size > FALSTAFF_FILE_ROW_MAX_SIZE)
    {
      g_autofree char *limit = g_format_size_full (FALSTAFF_FILE_ROW_MAX_SIZE, G_FORMAT_SIZE_IEC_UNITS);

      check->problem = g_strdup_printf (_("“%s” is too big: files up to %s can be used here"), check->name, limit);
    }
  if (check->problem)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Reading the first bytes proves the file readable and tells its type
   * when the name does not. */
  stream = g_file_read (check->file, cancellable, &error);
  if (stream == NULL ||
      !g_input_stream_read_all (G_INPUT_STREAM (stream), head, sizeof head, &n_read, cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
        check->problem = g_strdup_printf (_("“%s” cannot be read: permission denied"), check->name);
      else
        check->problem = g_strdup_printf (_("“%s” cannot be read: %s"), check->name, error->message);
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* The bytes first (a recording named "x.png" is audio), the name when
   * they say nothing certain. */
  {
    gboolean uncertain = TRUE;
    g_autofree char *sniffed = g_content_type_guess (NULL, head, n_read, &uncertain);

    if (!uncertain && !g_content_type_is_unknown (sniffed) && !g_content_type_equals (sniffed, "text/plain"))
      check->content_type = g_steal_pointer (&sniffed);
    else
      check->content_type = g_content_type_guess (check->name, head, n_read, NULL);
  }
  check->problem = media_problem (check->media, check->name, check->content_type);
  g_task_return_boolean (task, TRUE);
}

/* A dropped or pasted image becomes a PNG in the cache. */
static void
save_texture_thread (GTask        *task,
                     gpointer      source,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  GdkTexture *texture = task_data;
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "falstaff", "drops", NULL);
  g_autofree char *template = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  gsize size;
  const guint8 *data;
  int fd;

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "%s: %s", dir, g_strerror (saved));
      return;
    }
  template = g_strdup_printf ("%s/image-%dx%d-XXXXXX.png", dir,
                              gdk_texture_get_width (texture), gdk_texture_get_height (texture));
  png = gdk_texture_save_to_png_bytes (texture);
  fd = g_mkstemp_full (template, O_WRONLY, 0600);
  if (fd < 0)
    {
      int saved = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                               "%s: %s", template, g_strerror (saved));
      return;
    }
  data = g_bytes_get_data (png, &size);
  while (size > 0)
    {
      gssize written = write (fd, data, size);

      if (written < 0 && errno == EINTR)
        continue;
      if (written < 0)
        {
          int saved = errno;

          close (fd);
          g_unlink (template);
          g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved),
                                   "%s: %s", template, g_strerror (saved));
          return;
        }
      data += written;
      size -= written;
    }
  if (!g_close (fd, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_pointer (task, g_file_new_for_path (template), g_object_unref);
}

static void
thumbnail_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GError *error = NULL;

  /* Through the app's decoder: a file whose header claims more pixels
   * than an image may have is refused before any is allocated. */
  pixbuf = falstaff_image_decode_file (path, THUMB_SIZE * 2, NULL, NULL, cancellable, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, falstaff_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

/* ------------------------------------------------------------------ checks (main thread) */

static void
thumbnail_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GdkTexture) texture = g_task_propagate_pointer (G_TASK (result), NULL);
  Item *item = user_data;

  /* Cancelled means the item is gone; no thumbnail keeps the icon. */
  if (texture == NULL)
    return;
  gtk_image_set_from_paintable (GTK_IMAGE (item->thumb), GDK_PAINTABLE (texture));
}

static void
check_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (source);
  Check *check = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  Item *item = user_data;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    return;   /* cancelled: the item was removed */

  if (check->problem)
    {
      _falstaff_file_row_set_message (self, check->problem);
      _falstaff_file_row_remove_item (self, item);
      _falstaff_file_row_update_state (self);
      return;
    }

  g_free (item->name);
  item->name = g_strdup (check->name);
  item->size = check->size;
  {
    g_autoptr(GIcon) icon = g_content_type_get_symbolic_icon (check->content_type);
    gtk_image_set_from_gicon (GTK_IMAGE (item->thumb), icon);
  }
  if (_falstaff_file_row_media_of_content_type (check->content_type) == FAL_FILE_MEDIA_IMAGE && check->size <= THUMB_MAX_FILE_SIZE &&
      g_file_is_native (item->file))
    {
      g_autoptr(GTask) task = g_task_new (self, item->cancellable, thumbnail_cb, item);

      g_task_set_source_tag (task, thumbnail_cb);
      g_task_set_task_data (task, g_object_ref (item->file), g_object_unref);
      g_task_run_in_thread (task, thumbnail_thread);
    }
  _falstaff_file_row_keep_only (self, item);
  _falstaff_file_row_item_upload (item);
  _falstaff_file_row_write_value (self);
  _falstaff_file_row_update_state (self);
}

static void
texture_saved_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_task_propagate_pointer (G_TASK (result), &error);
  Item *item = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (file == NULL)
    {
      g_autofree char *message = g_strdup_printf (_("The image could not be saved for upload: %s"), error->message);

      _falstaff_file_row_set_message (self, message);
      _falstaff_file_row_remove_item (self, item);
      _falstaff_file_row_update_state (self);
      return;
    }
  g_clear_object (&item->texture);
  item->file = g_steal_pointer (&file);
  _falstaff_file_row_item_check (item);
}

/* Saves a texture, then checks the file: the first step of every item
 * that is not a link. */
void
_falstaff_file_row_item_check (Item *item)
{
  FalstaffFileRow *self = item->row;
  g_autoptr(GTask) task = NULL;

  if (item->texture)
    {
      task = g_task_new (self, item->cancellable, texture_saved_cb, item);
      g_task_set_source_tag (task, _falstaff_file_row_item_check);
      g_task_set_task_data (task, g_object_ref (item->texture), g_object_unref);
      g_task_run_in_thread (task, save_texture_thread);
    }
  else
    {
      Check *check = g_new0 (Check, 1);

      check->file = g_object_ref (item->file);
      check->media = fal_form_field_get_media (self->field);
      check->name = g_strdup (item->name);
      task = g_task_new (self, item->cancellable, check_cb, item);
      g_task_set_source_tag (task, _falstaff_file_row_item_check);
      g_task_set_task_data (task, check, check_free);
      g_task_run_in_thread (task, check_thread);
    }
}
