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

#include "falstaff-file-row.h"

/* Thumbnails are decoded at twice their shown size (HiDPI). */
#define THUMB_SIZE 40
/* Above this an image is shown by its icon: decoding it is not worth it. */
#define THUMB_MAX_FILE_SIZE (64 * 1024 * 1024)
/* Bytes read to tell a file's type by its content. */
#define SNIFF_SIZE 4096

typedef enum {
  ITEM_CHECKING,   /* the PNG of a texture being saved, or the file being checked */
  ITEM_UPLOADING,
  ITEM_DONE,
  ITEM_FAILED,
  ITEM_LINK,       /* a URL used as it is */
} ItemState;

/* One file or link of the field, with its line in the list. */
typedef struct {
  FalstaffFileRow *row;
  ItemState state;
  GFile *file;
  GdkTexture *texture;     /* a dropped or pasted image not saved yet */
  char *name;
  char *url;
  char *error;
  guint64 size;
  FalUpload *upload;
  GCancellable *cancellable;
  GtkWidget *widget;
  GtkWidget *thumb;
  GtkWidget *name_label;
  GtkWidget *detail_label;
  GtkWidget *progress;
  GtkWidget *error_label;
  GtkWidget *retry_button;
  GtkWidget *remove_button;
} Item;

struct _FalstaffFileRow
{
  GtkListBoxRow parent_instance;

  GtkLabel *title_label;
  GtkLabel *description_label;
  GtkListBox *items_list;
  GtkLabel *hint_label;
  GtkLabel *message_label;

  FalFormField *field;
  FalFormModel *model;
  FalClient *client;
  GtkDropTarget *drop_target;
  GtkFileChooserNative *chooser;
  GCancellable *cancellable;
  GPtrArray *items;        /* Item, in order */
  GPtrArray *waiters;      /* GTask of wait_async */
  char *message;
  guint pending;           /* clipboard reads */
  gulong value_handler;
  gboolean busy;
  gboolean failed;
  gboolean writing;
};

G_DEFINE_FINAL_TYPE (FalstaffFileRow, falstaff_file_row, GTK_TYPE_LIST_BOX_ROW)

enum {
  PROP_0,
  PROP_FIELD,
  PROP_MODEL,
  PROP_CLIENT,
  PROP_BUSY,
  PROP_FAILED,
  PROP_N_ITEMS,
  PROP_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void item_check (Item *item);

/* ------------------------------------------------------------------ media */

static FalFileMedia
media_of_content_type (const char *content_type)
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

static const char *
media_plural (FalFileMedia media)
{
  switch (media)
    {
    case FAL_FILE_MEDIA_IMAGE:
      return _("images");
    case FAL_FILE_MEDIA_AUDIO:
      return _("audio files");
    case FAL_FILE_MEDIA_VIDEO:
      return _("videos");
    case FAL_FILE_MEDIA_ANY:
    default:
      return _("files");
    }
}

static const char *
media_noun (FalFileMedia media)
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

  if (media == FAL_FILE_MEDIA_ANY || media_of_content_type (content_type) == media)
    return NULL;
  description = g_content_type_get_description (content_type);
  return g_strdup_printf (_("“%s” is not %s (%s)"), name, media_noun (media), description);
}

static gboolean
is_web_link (const char *text)
{
  g_autofree char *scheme = g_uri_parse_scheme (text);

  return scheme && (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0);
}

/* The media a link names by its extension; ANY when it cannot tell. */
static FalFileMedia
media_of_link (const char *url,
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
      return media_of_content_type (content_type);
    }
  base = slash && slash[1] ? g_uri_unescape_string (slash + 1, NULL) : NULL;
  if (name)
    *name = g_strdup (base ? base : (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : url));
  if (base == NULL)
    return FAL_FILE_MEDIA_ANY;
  content_type = g_content_type_guess (base, NULL, 0, &uncertain);
  return uncertain ? FAL_FILE_MEDIA_ANY : media_of_content_type (content_type);
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
  g_autoptr(GBytes) pixels = NULL;
  GError *error = NULL;

  pixbuf = gdk_pixbuf_new_from_file_at_scale (path, THUMB_SIZE * 2, THUMB_SIZE * 2, TRUE, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  pixels = gdk_pixbuf_read_pixel_bytes (pixbuf);
  g_task_return_pointer (task,
                         gdk_memory_texture_new (gdk_pixbuf_get_width (pixbuf), gdk_pixbuf_get_height (pixbuf),
                                                 gdk_pixbuf_get_has_alpha (pixbuf) ? GDK_MEMORY_R8G8B8A8 : GDK_MEMORY_R8G8B8,
                                                 pixels, gdk_pixbuf_get_rowstride (pixbuf)),
                         g_object_unref);
}

/* ------------------------------------------------------------------ state */

static gboolean
is_list (FalstaffFileRow *self)
{
  return fal_form_field_get_kind (self->field) == FAL_FIELD_FILE_LIST;
}

static void
item_disconnect_upload (Item *item)
{
  if (item->upload)
    g_signal_handlers_disconnect_by_data (item->upload, item);
}

static void
item_free (gpointer data)
{
  Item *item = data;

  g_cancellable_cancel (item->cancellable);
  g_clear_object (&item->cancellable);
  if (item->upload)
    {
      item_disconnect_upload (item);
      fal_upload_cancel (item->upload);
      g_clear_object (&item->upload);
    }
  g_clear_object (&item->file);
  g_clear_object (&item->texture);
  g_free (item->name);
  g_free (item->url);
  g_free (item->error);
  g_free (item);
}

static void
complete_waiters (FalstaffFileRow *self)
{
  g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);
  Item *failed = NULL;

  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->items->len && failed == NULL; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      if (item->state == ITEM_FAILED)
        failed = item;
    }
  for (guint i = 0; i < waiters->len; i++)
    {
      GTask *task = g_ptr_array_index (waiters, i);
      GCancellable *cancellable = g_task_get_cancellable (task);

      if (cancellable)
        g_signal_handlers_disconnect_by_data (cancellable, task);
      if (failed)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", failed->error);
      else
        g_task_return_boolean (task, TRUE);
    }
}

static void
update_state (FalstaffFileRow *self)
{
  gboolean busy = self->pending > 0;
  gboolean failed = FALSE;

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      busy |= item->state == ITEM_CHECKING || item->state == ITEM_UPLOADING;
      failed |= item->state == ITEM_FAILED;
    }
  /* Nothing to show once the template is gone (a read ending in dispose). */
  if (self->items_list)
    gtk_widget_set_visible (GTK_WIDGET (self->items_list), self->items->len > 0);
  if (failed != self->failed)
    {
      self->failed = failed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FAILED]);
    }
  if (busy != self->busy)
    {
      self->busy = busy;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
    }
  if (!self->busy && self->waiters->len > 0)
    complete_waiters (self);
}

/* The URL(s) of the items that have one, in order, into the model. */
static void
write_value (FalstaffFileRow *self)
{
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(JsonArray) urls = json_array_new ();
  JsonNode *current = fal_form_model_get_value (self->model, fal_form_field_get_name (self->field));

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      if (item->url && (item->state == ITEM_DONE || item->state == ITEM_LINK))
        json_array_add_string_element (urls, item->url);
    }
  if (json_array_get_length (urls) > 0)
    {
      if (is_list (self))
        {
          node = json_node_new (JSON_NODE_ARRAY);
          json_node_set_array (node, urls);
        }
      else
        {
          node = json_node_new (JSON_NODE_VALUE);
          json_node_set_string (node, json_array_get_string_element (urls, 0));
        }
    }
  if ((node == NULL && current == NULL) || (node && current && json_node_equal (node, current)))
    return;
  self->writing = TRUE;
  fal_form_model_set_value (self->model, fal_form_field_get_name (self->field), node);
  self->writing = FALSE;
}

static void
set_message (FalstaffFileRow *self,
             const char      *message)
{
  if (g_strcmp0 (self->message, message) == 0)
    return;
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_text (self->message_label, message ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->message_label), message != NULL);
  if (message)
    gtk_widget_add_css_class (GTK_WIDGET (self), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self), "error");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MESSAGE]);
}

static void
renumber_items (FalstaffFileRow *self)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = g_ptr_array_index (self->items, i);

      /* The target first: an action name with no target yet warns. */
      gtk_actionable_set_action_target (GTK_ACTIONABLE (item->retry_button), "u", i);
      gtk_actionable_set_action_target (GTK_ACTIONABLE (item->remove_button), "u", i);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (item->retry_button), "file-row.retry");
      gtk_actionable_set_action_name (GTK_ACTIONABLE (item->remove_button), "file-row.remove");
    }
}

static void
remove_item (FalstaffFileRow *self,
             Item            *item)
{
  gtk_list_box_remove (self->items_list, item->widget);
  g_ptr_array_remove (self->items, item);
  renumber_items (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* ------------------------------------------------------------------ item lines */

static void
item_show (Item *item)
{
  g_autofree char *detail = NULL;
  g_autofree char *size = item->size ? g_format_size (item->size) : NULL;

  switch (item->state)
    {
    case ITEM_CHECKING:
      detail = g_strdup (item->texture ? _("Saving the image…") : _("Checking…"));
      break;
    case ITEM_UPLOADING:
      {
        guint64 sent = fal_upload_get_bytes_sent (item->upload);
        guint64 total = fal_upload_get_bytes_total (item->upload);
        g_autofree char *sent_text = g_format_size (sent);
        g_autofree char *total_text = g_format_size (total ? total : item->size);

        gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (item->progress), total ? (double) sent / total : 0);
        /* Translators: upload progress, "1.2 MB of 3.4 MB". */
        detail = g_strdup_printf (_("%s of %s"), sent_text, total_text);
      }
      break;
    case ITEM_DONE:
      gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (item->progress), 1.0);
      detail = g_strdup_printf (_("%s · Uploaded"), size ? size : "");
      break;
    case ITEM_FAILED:
      detail = g_strdup (size ? size : "");
      break;
    case ITEM_LINK:
      {
        g_autoptr(GUri) uri = item->url ? g_uri_parse (item->url, G_URI_FLAGS_NONE, NULL) : NULL;
        const char *host = uri ? g_uri_get_host (uri) : NULL;

        detail = host ? g_strdup_printf (_("Link · %s"), host) : g_strdup (_("Link"));
      }
      break;
    default:
      g_assert_not_reached ();
    }
  gtk_label_set_text (GTK_LABEL (item->name_label), item->name);
  gtk_label_set_text (GTK_LABEL (item->detail_label), detail);
  gtk_widget_set_visible (item->progress, item->state == ITEM_UPLOADING || item->state == ITEM_CHECKING);
  if (item->state == ITEM_CHECKING)
    gtk_progress_bar_pulse (GTK_PROGRESS_BAR (item->progress));
  gtk_label_set_text (GTK_LABEL (item->error_label), item->error ? item->error : "");
  gtk_widget_set_visible (item->error_label, item->state == ITEM_FAILED && item->error != NULL);
  gtk_widget_set_visible (item->retry_button, item->state == ITEM_FAILED);
}

static GtkWidget *
item_widget (FalstaffFileRow *self,
             Item            *item)
{
  GtkWidget *line = gtk_list_box_row_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *texts = gtk_box_new (GTK_ORIENTATION_VERTICAL, 3);
  g_autofree char *remove_label = g_strdup_printf (_("Remove %s"), item->name);
  g_autofree char *retry_label = g_strdup_printf (_("Retry uploading %s"), item->name);
  g_autofree char *progress_label = g_strdup_printf (_("Uploading %s"), item->name);

  item->thumb = gtk_image_new_from_icon_name (item->state == ITEM_LINK ? "web-browser-symbolic" : "text-x-generic-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (item->thumb), THUMB_SIZE);
  gtk_widget_set_size_request (item->thumb, THUMB_SIZE, THUMB_SIZE);
  gtk_widget_set_valign (item->thumb, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), item->thumb);

  item->name_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (item->name_label), 0);
  gtk_label_set_ellipsize (GTK_LABEL (item->name_label), PANGO_ELLIPSIZE_MIDDLE);
  gtk_box_append (GTK_BOX (texts), item->name_label);
  item->detail_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (item->detail_label), 0);
  gtk_widget_add_css_class (item->detail_label, "dim-label");
  gtk_widget_add_css_class (item->detail_label, "caption");
  gtk_box_append (GTK_BOX (texts), item->detail_label);
  item->progress = gtk_progress_bar_new ();
  gtk_progress_bar_set_pulse_step (GTK_PROGRESS_BAR (item->progress), 0.2);
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->progress), GTK_ACCESSIBLE_PROPERTY_LABEL, progress_label, -1);
  gtk_box_append (GTK_BOX (texts), item->progress);
  item->error_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (item->error_label), 0);
  gtk_label_set_wrap (GTK_LABEL (item->error_label), TRUE);
  gtk_widget_add_css_class (item->error_label, "error");
  gtk_widget_add_css_class (item->error_label, "caption");
  gtk_box_append (GTK_BOX (texts), item->error_label);
  gtk_widget_set_hexpand (texts, TRUE);
  gtk_widget_set_valign (texts, GTK_ALIGN_CENTER);
  gtk_box_append (GTK_BOX (box), texts);

  item->retry_button = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  gtk_widget_set_tooltip_text (item->retry_button, _("Retry"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->retry_button), GTK_ACCESSIBLE_PROPERTY_LABEL, retry_label, -1);
  item->remove_button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  gtk_widget_set_tooltip_text (item->remove_button, _("Remove"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (item->remove_button), GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
  gtk_widget_set_valign (item->retry_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (item->retry_button, "flat");
  gtk_box_append (GTK_BOX (box), item->retry_button);
  gtk_widget_set_valign (item->remove_button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (item->remove_button, "flat");
  gtk_box_append (GTK_BOX (box), item->remove_button);

  gtk_widget_set_margin_start (box, 8);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (line), box);
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (line), FALSE);
  return line;
}

static Item *
add_item (FalstaffFileRow *self,
          ItemState        state,
          const char      *name)
{
  Item *item = g_new0 (Item, 1);

  item->row = self;
  item->state = state;
  item->name = g_strdup (name);
  item->cancellable = g_cancellable_new ();
  item->widget = item_widget (self, item);
  g_ptr_array_add (self->items, item);
  gtk_list_box_append (self->items_list, item->widget);
  renumber_items (self);
  item_show (item);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  return item;
}

/* A single-file field keeps only the newest file that was accepted. */
static void
keep_only (FalstaffFileRow *self,
           Item            *kept)
{
  if (is_list (self))
    return;
  for (guint i = self->items->len; i > 0; i--)
    {
      Item *item = g_ptr_array_index (self->items, i - 1);

      if (item != kept)
        remove_item (self, item);
    }
}

/* ------------------------------------------------------------------ uploads */

static void
upload_progress_cb (FalUpload  *upload,
                    GParamSpec *pspec,
                    Item       *item)
{
  item_show (item);
}

static void
upload_finished_cb (FalUpload *upload,
                    Item      *item)
{
  FalstaffFileRow *self = item->row;

  switch (fal_upload_get_state (upload))
    {
    case FAL_UPLOAD_DONE:
      item->state = ITEM_DONE;
      g_free (item->url);
      item->url = g_strdup (fal_upload_get_url (upload));
      break;
    case FAL_UPLOAD_FAILED:
    case FAL_UPLOAD_CANCELLED:
      item->state = ITEM_FAILED;
      g_free (item->error);
      item->error = g_strdup_printf (_("“%s” was not uploaded: %s"), item->name,
                                     fal_upload_get_error (upload)->message);
      break;
    case FAL_UPLOAD_PENDING:
    case FAL_UPLOAD_UPLOADING:
    default:
      g_assert_not_reached ();
    }
  item_show (item);
  write_value (self);
  update_state (self);
}

static void
item_upload (Item *item)
{
  FalstaffFileRow *self = item->row;

  if (item->upload)
    {
      item_disconnect_upload (item);
      g_clear_object (&item->upload);
    }
  g_clear_pointer (&item->error, g_free);
  item->state = ITEM_UPLOADING;
  item->upload = fal_client_upload (self->client, item->file, NULL);
  g_signal_connect (item->upload, "notify::bytes-sent", G_CALLBACK (upload_progress_cb), item);
  g_signal_connect (item->upload, "notify::bytes-total", G_CALLBACK (upload_progress_cb), item);
  g_signal_connect (item->upload, "finished", G_CALLBACK (upload_finished_cb), item);
  item_show (item);
}

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
      set_message (self, check->problem);
      remove_item (self, item);
      update_state (self);
      return;
    }

  g_free (item->name);
  item->name = g_strdup (check->name);
  item->size = check->size;
  {
    g_autoptr(GIcon) icon = g_content_type_get_symbolic_icon (check->content_type);
    gtk_image_set_from_gicon (GTK_IMAGE (item->thumb), icon);
  }
  if (media_of_content_type (check->content_type) == FAL_FILE_MEDIA_IMAGE && check->size <= THUMB_MAX_FILE_SIZE &&
      g_file_is_native (item->file))
    {
      g_autoptr(GTask) task = g_task_new (self, item->cancellable, thumbnail_cb, item);

      g_task_set_source_tag (task, thumbnail_cb);
      g_task_set_task_data (task, g_object_ref (item->file), g_object_unref);
      g_task_run_in_thread (task, thumbnail_thread);
    }
  keep_only (self, item);
  item_upload (item);
  write_value (self);
  update_state (self);
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

      set_message (self, message);
      remove_item (self, item);
      update_state (self);
      return;
    }
  g_clear_object (&item->texture);
  item->file = g_steal_pointer (&file);
  item_check (item);
}

/* Saves a texture, then checks the file: the first step of every item
 * that is not a link. */
static void
item_check (Item *item)
{
  FalstaffFileRow *self = item->row;
  g_autoptr(GTask) task = NULL;

  if (item->texture)
    {
      task = g_task_new (self, item->cancellable, texture_saved_cb, item);
      g_task_set_source_tag (task, item_check);
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
      g_task_set_source_tag (task, item_check);
      g_task_set_task_data (task, check, check_free);
      g_task_run_in_thread (task, check_thread);
    }
}

/* ------------------------------------------------------------------ adding */

/* Whether one more item fits; if not, the message says so. */
static gboolean
has_room (FalstaffFileRow *self)
{
  gint64 max = fal_form_field_get_max_length (self->field);
  g_autofree char *message = NULL;

  if (!is_list (self) || max < 0 || self->items->len < (guint64) max)
    return TRUE;
  message = g_strdup_printf (ngettext ("This field takes at most %d file", "This field takes at most %d files", (gulong) max),
                             (int) max);
  set_message (self, message);
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
  item = add_item (self, ITEM_CHECKING, name);
  item->file = g_object_ref (file);
  item_check (item);
  update_state (self);
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
                                                  media_noun (fal_form_field_get_media (self->field)));
      set_message (self, message);
      return FALSE;
    }
  if (!has_room (self))
    return FALSE;
  /* Translators: the name of a dropped or pasted picture, "Image 640×480". */
  name = g_strdup_printf (_("Image %d×%d"), gdk_texture_get_width (texture), gdk_texture_get_height (texture));
  item = add_item (self, ITEM_CHECKING, name);
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
  item_check (item);
  update_state (self);
  return TRUE;
}

static gboolean
add_link (FalstaffFileRow *self,
          const char      *url)
{
  g_autofree char *name = NULL;
  FalFileMedia media = media_of_link (url, &name);
  FalFileMedia wanted = fal_form_field_get_media (self->field);
  Item *item;

  if (wanted != FAL_FILE_MEDIA_ANY && media != FAL_FILE_MEDIA_ANY && media != wanted)
    {
      g_autofree char *message = g_strdup_printf (_("“%s” is not %s"), name, media_noun (wanted));

      set_message (self, message);
      return FALSE;
    }
  if (!has_room (self))
    return FALSE;
  item = add_item (self, ITEM_LINK, name);
  item->url = g_strdup (url);
  item_show (item);
  keep_only (self, item);
  write_value (self);
  update_state (self);
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

    set_message (self, message);
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
  for (guint i = 0; uris[i] && (is_list (self) || !added); i++)
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

          set_message (self, message);
        }
    }
  return added;
}

/* The model's value, shown as links: on construction, and when the
 * value is changed elsewhere (a reset, a restored form). */
static void
load_value (FalstaffFileRow *self)
{
  JsonNode *value = fal_form_model_get_value (self->model, fal_form_field_get_name (self->field));
  g_autoptr(GPtrArray) urls = g_ptr_array_new ();

  while (self->items->len > 0)
    remove_item (self, g_ptr_array_index (self->items, self->items->len - 1));
  if (value && JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    g_ptr_array_add (urls, (gpointer) json_node_get_string (value));
  else if (value && JSON_NODE_HOLDS_ARRAY (value))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (value)); i++)
      {
        JsonNode *element = json_array_get_element (json_node_get_array (value), i);

        if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
          g_ptr_array_add (urls, (gpointer) json_node_get_string (element));
      }
  for (guint i = 0; i < urls->len; i++)
    {
      g_autofree char *name = NULL;
      Item *item;

      media_of_link (g_ptr_array_index (urls, i), &name);
      item = add_item (self, ITEM_LINK, name);
      item->url = g_strdup (g_ptr_array_index (urls, i));
      item_show (item);
    }
  update_state (self);
}

static void
value_changed_cb (FalFormModel    *model,
                  const char      *name,
                  FalstaffFileRow *self)
{
  if (!self->writing)
    load_value (self);
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

      set_message (self, message);
    }
  update_state (self);
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
        update_state (self);
        gdk_clipboard_read_value_async (clipboard, types[i], G_PRIORITY_DEFAULT, self->cancellable,
                                        clipboard_value_cb, g_object_ref (self));
        return;
      }
  set_message (self, _("The clipboard holds no file, image or link"));
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
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (self->chooser), is_list (self));
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

static Item *
item_at (FalstaffFileRow *self,
         GVariant        *parameter)
{
  guint index = g_variant_get_uint32 (parameter);

  return index < self->items->len ? g_ptr_array_index (self->items, index) : NULL;
}

static void
retry_activated (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (widget);
  Item *item = item_at (self, parameter);

  if (item == NULL || item->state != ITEM_FAILED)
    return;
  item_upload (item);
  update_state (self);
}

static void
remove_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (widget);
  Item *item = item_at (self, parameter);

  if (item == NULL)
    return;
  remove_item (self, item);
  write_value (self);
  update_state (self);
}

/* ------------------------------------------------------------------ object */

static void
falstaff_file_row_constructed (GObject *object)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);
  const char *description;
  g_autofree char *escaped = NULL;
  g_autofree char *title = NULL;
  g_autofree char *signal = NULL;
  g_autofree char *hint = NULL;
  FalFileMedia media;

  G_OBJECT_CLASS (falstaff_file_row_parent_class)->constructed (object);

  g_assert (FAL_IS_FORM_FIELD (self->field));
  g_assert (FAL_IS_FORM_MODEL (self->model));
  g_assert (FAL_IS_CLIENT (self->client));
  media = fal_form_field_get_media (self->field);

  escaped = g_markup_escape_text (fal_form_field_get_title (self->field), -1);
  /* Required fields are marked as the form's other rows mark them. */
  title = fal_form_field_get_required (self->field)
          ? g_strdup_printf ("%s <span foreground=\"#c01c28\">*</span>", escaped)
          : g_strdup (escaped);
  gtk_label_set_markup (self->title_label, title);
  description = fal_form_field_get_description (self->field);
  if (description && *description)
    {
      gtk_label_set_text (self->description_label, description);
      gtk_widget_set_visible (GTK_WIDGET (self->description_label), TRUE);
    }
  if (is_list (self))
    hint = g_strdup_printf (_("Drop %s here, paste them (Ctrl+V) or choose them; they are sent in this order."),
                            media_plural (media));
  else
    hint = g_strdup_printf (_("Drop %s here, paste one (Ctrl+V) or choose one."), media_noun (media));
  gtk_label_set_text (self->hint_label, hint);

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  fal_form_field_get_title (self->field), -1);
  if (description)
    gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description, -1);
  g_object_set_data (G_OBJECT (self), "field-name", (gpointer) fal_form_field_get_name (self->field));

  signal = g_strconcat ("value-changed::", fal_form_field_get_name (self->field), NULL);
  self->value_handler = g_signal_connect (self->model, signal, G_CALLBACK (value_changed_cb), self);
  load_value (self);
}

static void
falstaff_file_row_dispose (GObject *object)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  if (self->model && self->value_handler)
    g_clear_signal_handler (&self->value_handler, self->model);
  /* Uploads of a row that goes away stop. */
  if (self->items)
    g_ptr_array_set_size (self->items, 0);
  if (self->waiters)
    {
      g_autoptr(GPtrArray) waiters = g_steal_pointer (&self->waiters);

      for (guint i = 0; i < waiters->len; i++)
        {
          GTask *task = g_ptr_array_index (waiters, i);

          if (g_task_get_cancellable (task))
            g_signal_handlers_disconnect_by_data (g_task_get_cancellable (task), task);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The field was closed");
        }
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_FILE_ROW);
  /* The template's root child is not bound: it goes here. */
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (self), NULL);

  G_OBJECT_CLASS (falstaff_file_row_parent_class)->dispose (object);
}

static void
falstaff_file_row_finalize (GObject *object)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);

  g_clear_pointer (&self->items, g_ptr_array_unref);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->field);
  g_clear_object (&self->model);
  g_clear_object (&self->client);
  g_free (self->message);

  G_OBJECT_CLASS (falstaff_file_row_parent_class)->finalize (object);
}

static void
falstaff_file_row_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);

  switch (prop_id)
    {
    case PROP_FIELD:
      g_value_set_object (value, self->field);
      break;
    case PROP_MODEL:
      g_value_set_object (value, self->model);
      break;
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    case PROP_FAILED:
      g_value_set_boolean (value, self->failed);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->items ? self->items->len : 0);
      break;
    case PROP_MESSAGE:
      g_value_set_string (value, self->message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_file_row_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  FalstaffFileRow *self = FALSTAFF_FILE_ROW (object);

  switch (prop_id)
    {
    case PROP_FIELD:
      self->field = g_value_dup_object (value);
      break;
    case PROP_MODEL:
      self->model = g_value_dup_object (value);
      break;
    case PROP_CLIENT:
      self->client = g_value_dup_object (value);
      break;
    case PROP_MESSAGE:
      falstaff_file_row_set_message (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_file_row_class_init (FalstaffFileRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags read_only = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = falstaff_file_row_constructed;
  object_class->dispose = falstaff_file_row_dispose;
  object_class->finalize = falstaff_file_row_finalize;
  object_class->get_property = falstaff_file_row_get_property;
  object_class->set_property = falstaff_file_row_set_property;

  properties[PROP_FIELD] = g_param_spec_object ("field", NULL, NULL, FAL_TYPE_FORM_FIELD, construct);
  properties[PROP_MODEL] = g_param_spec_object ("model", NULL, NULL, FAL_TYPE_FORM_MODEL, construct);
  properties[PROP_CLIENT] = g_param_spec_object ("client", NULL, NULL, FAL_TYPE_CLIENT, construct);
  properties[PROP_BUSY] = g_param_spec_boolean ("busy", NULL, NULL, FALSE, read_only);
  properties[PROP_FAILED] = g_param_spec_boolean ("failed", NULL, NULL, FALSE, read_only);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, read_only);
  properties[PROP_MESSAGE] = g_param_spec_string ("message", NULL, NULL, NULL,
                                                  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-file-row.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, title_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, description_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, items_list);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, hint_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffFileRow, message_label);

  gtk_widget_class_install_action (widget_class, "file-row.choose", NULL, choose_activated);
  gtk_widget_class_install_action (widget_class, "file-row.paste", NULL, paste_activated);
  gtk_widget_class_install_action (widget_class, "file-row.retry", "u", retry_activated);
  gtk_widget_class_install_action (widget_class, "file-row.remove", "u", remove_activated);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_v, GDK_CONTROL_MASK, "file-row.paste", NULL);
}

static void
falstaff_file_row_init (FalstaffFileRow *self)
{
  const GType types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE, GDK_TYPE_TEXTURE, G_TYPE_STRING };

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_add_css_class (GTK_WIDGET (self), "falstaff-field");
  self->cancellable = g_cancellable_new ();
  self->items = g_ptr_array_new_with_free_func (item_free);
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);

  self->drop_target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (self->drop_target, (GType *) types, G_N_ELEMENTS (types));
  g_signal_connect (self->drop_target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (self->drop_target));
}

/* ------------------------------------------------------------------ public */

GtkWidget *
falstaff_file_row_new (FalFormField *field,
                       FalFormModel *model,
                       FalClient    *client)
{
  g_return_val_if_fail (FAL_IS_FORM_FIELD (field), NULL);
  g_return_val_if_fail (FAL_IS_FORM_MODEL (model), NULL);
  g_return_val_if_fail (FAL_IS_CLIENT (client), NULL);
  g_return_val_if_fail (fal_form_field_get_kind (field) == FAL_FIELD_FILE ||
                        fal_form_field_get_kind (field) == FAL_FIELD_FILE_LIST, NULL);

  return g_object_new (FALSTAFF_TYPE_FILE_ROW, "field", field, "model", model, "client", client, NULL);
}

FalFormField *
falstaff_file_row_get_field (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), NULL);
  return self->field;
}

gboolean
falstaff_file_row_get_busy (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), FALSE);
  return self->busy;
}

gboolean
falstaff_file_row_get_failed (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), FALSE);
  return self->failed;
}

guint
falstaff_file_row_get_n_items (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), 0);
  return self->items->len;
}

const char *
falstaff_file_row_get_message (FalstaffFileRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), NULL);
  return self->message;
}

void
falstaff_file_row_set_message (FalstaffFileRow *self,
                               const char      *message)
{
  g_return_if_fail (FALSTAFF_IS_FILE_ROW (self));
  set_message (self, message);
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
      return uncertain ? FAL_FILE_MEDIA_ANY : media_of_content_type (content_type);
    }
  if (G_VALUE_HOLDS (value, G_TYPE_STRING) && g_value_get_string (value))
    {
      g_auto(GStrv) uris = g_uri_list_extract_uris (g_value_get_string (value));
      g_autofree char *first = g_strstrip (g_strdup (uris && uris[0] ? uris[0] : g_value_get_string (value)));

      return media_of_link (first, NULL);
    }
  *usable = FALSE;
  return FAL_FILE_MEDIA_ANY;
}

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
  set_message (self, NULL);
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      /* A single-file field takes the first. */
      for (GSList *l = g_value_get_boxed (value); l && (is_list (self) || !added); l = l->next)
        added |= add_gfile (self, l->data);
    }
  else if (G_VALUE_HOLDS (value, G_TYPE_FILE) && g_value_get_object (value))
    added = add_gfile (self, g_value_get_object (value));
  else if (G_VALUE_HOLDS (value, GDK_TYPE_TEXTURE) && g_value_get_object (value))
    added = add_texture (self, g_value_get_object (value));
  else if (G_VALUE_HOLDS (value, G_TYPE_STRING) && g_value_get_string (value))
    added = add_text (self, g_value_get_string (value));
  else
    set_message (self, _("Only files, images and links can be used here"));
  return added;
}

void
falstaff_file_row_add_files (FalstaffFileRow *self,
                             GListModel      *files)
{
  gboolean added = FALSE;

  g_return_if_fail (FALSTAFF_IS_FILE_ROW (self));
  g_return_if_fail (G_IS_LIST_MODEL (files));

  set_message (self, NULL);

  for (guint i = 0; i < g_list_model_get_n_items (files) && (is_list (self) || !added); i++)
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

static Item *
get_item (FalstaffFileRow *self,
          guint            index)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), NULL);
  g_return_val_if_fail (index < self->items->len, NULL);
  return g_ptr_array_index (self->items, index);
}

FalUpload *
falstaff_file_row_get_item_upload (FalstaffFileRow *self,
                                   guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->upload : NULL;
}

const char *
falstaff_file_row_get_item_url (FalstaffFileRow *self,
                                guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->url : NULL;
}

const char *
falstaff_file_row_get_item_error (FalstaffFileRow *self,
                                  guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->error : NULL;
}

const char *
falstaff_file_row_get_item_name (FalstaffFileRow *self,
                                 guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->name : NULL;
}

GFile *
falstaff_file_row_get_item_file (FalstaffFileRow *self,
                                 guint            index)
{
  Item *item = get_item (self, index);

  return item ? item->file : NULL;
}

static void
waiter_cancelled_cb (GCancellable *cancellable,
                     GTask        *task)
{
  FalstaffFileRow *self = g_task_get_source_object (task);

  g_signal_handlers_disconnect_by_data (cancellable, task);
  g_object_ref (task);
  g_ptr_array_remove (self->waiters, task);
  g_task_return_error_if_cancelled (task);
  g_object_unref (task);
}

void
falstaff_file_row_wait_async (FalstaffFileRow     *self,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FALSTAFF_IS_FILE_ROW (self));
  g_return_if_fail (!cancellable || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_file_row_wait_async);
  if (g_task_return_error_if_cancelled (task))
    return;
  if (cancellable)
    g_signal_connect (cancellable, "cancelled", G_CALLBACK (waiter_cancelled_cb), task);
  g_ptr_array_add (self->waiters, g_steal_pointer (&task));
  if (!self->busy)
    complete_waiters (self);
}

gboolean
falstaff_file_row_wait_finish (FalstaffFileRow  *self,
                               GAsyncResult     *result,
                               GError          **error)
{
  g_return_val_if_fail (FALSTAFF_IS_FILE_ROW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == falstaff_file_row_wait_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
