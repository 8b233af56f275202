/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "fal.h"

#include "fal-file-name.h"
#include "falstaff-image-loader.h"
#include "falstaff-output-actions.h"
#include "falstaff-output-keeper-private.h"

/* Hex digits of the URL's SHA-256 in a file name (128 bits). */
#define HASH_CHARS 32

G_DEFINE_FINAL_TYPE (FalstaffOutputKeeper, falstaff_output_keeper, G_TYPE_OBJECT)

/* ------------------------------------------------------------------ names */

char *
_falstaff_output_keeper_url_hash (const char *url)
{
  char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);

  hash[HASH_CHARS] = '\0';
  return hash;
}

char *
_falstaff_output_keeper_run_dir (const char *outputs_dir,
                                 gint64      run_id)
{
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);

  return g_build_filename (outputs_dir, name, NULL);
}

/* ".png" from the URL's path when it ends in a short extension, else NULL. */
char *
_falstaff_output_keeper_url_extension (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *path;
  const char *dot;
  const char *slash;
  size_t length;

  if (g_str_has_prefix (url, "data:"))
    return NULL;
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_PATH, NULL);
  path = uri ? g_uri_get_path (uri) : NULL;
  if (path == NULL)
    return NULL;
  dot = strrchr (path, '.');
  slash = strrchr (path, '/');
  if (dot == NULL || (slash && dot < slash))
    return NULL;
  length = strlen (dot + 1);
  if (length == 0 || length > 5)
    return NULL;
  for (const char *p = dot + 1; *p; p++)
    if (!g_ascii_isalnum (*p))
      return NULL;
  return g_ascii_strdown (dot, -1);
}

/* The kept file of url in dir (a run's folder), or NULL. Thread-safe. */
char *
_falstaff_output_keeper_find_kept (const char *dir,
                                   const char *url)
{
  g_autofree char *hash = _falstaff_output_keeper_url_hash (url);
  g_autofree char *extension = _falstaff_output_keeper_url_extension (url);
  g_autoptr(GDir) folder = NULL;
  const char *name;
  size_t hash_length = strlen (hash);

  /* The usual case, one stat: a URL that names its extension. */
  if (extension)
    {
      g_autofree char *file_name = g_strconcat (hash, extension, NULL);
      g_autofree char *path = g_build_filename (dir, file_name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  folder = g_dir_open (dir, 0, NULL);
  if (folder == NULL)
    return NULL;
  while ((name = g_dir_read_name (folder)))
    if (strncmp (name, hash, hash_length) == 0 && name[hash_length] == '.')
      return g_build_filename (dir, name, NULL);
  return NULL;
}

/* ------------------------------------------------------------------ which URLs */

static gboolean
type_is_media (const char *type)
{
  return g_str_has_prefix (type, "image/") || g_str_has_prefix (type, "video/") ||
         g_str_has_prefix (type, "audio/") || g_str_has_prefix (type, "model/");
}

/* "application/octet-stream" and the like say nothing: the name decides. */
static gboolean
type_is_vague (const char *type)
{
  return g_str_has_prefix (type, "application/octet-stream") || g_str_has_prefix (type, "binary/");
}

static gboolean
name_is_media (const char *name)
{
  g_autofree char *guessed = NULL;
  g_autofree char *mime = NULL;
  gboolean uncertain = FALSE;

  if (name == NULL)
    return FALSE;
  guessed = g_content_type_guess (name, NULL, 0, &uncertain);
  mime = guessed ? g_content_type_get_mime_type (guessed) : NULL;
  return mime != NULL && type_is_media (mime);
}

static gboolean
is_media_file (JsonObject *object,
               const char *url,
               const char *member)
{
  static const char * const media_members[] = { "images", "image", "video", "videos", "audio", "audio_file", NULL };
  const char *type = fal_json_get_string (object, "content_type");
  const char *file_name = fal_json_get_string (object, "file_name");
  g_autofree char *path_name = NULL;

  if (!g_str_has_prefix (url, "https://") && !g_str_has_prefix (url, "http://") && !g_str_has_prefix (url, "data:"))
    return FALSE;
  if (type != NULL && !type_is_vague (type))
    return type_is_media (type);
  if (member != NULL && g_strv_contains (media_members, member))
    return TRUE;
  if (type == NULL && file_name == NULL && !json_object_has_member (object, "width") &&
      !json_object_has_member (object, "file_size"))
    return FALSE;
  if (name_is_media (file_name))
    return TRUE;
  if (g_str_has_prefix (url, "data:"))
    return FALSE;
  path_name = fal_file_name_from_url (url, NULL);
  return name_is_media (path_name);
}

void
_falstaff_output_keeper_media_free (gpointer data)
{
  FalstaffKeptMedia *media = data;

  g_free (media->url);
  g_free (media->content_type);
  g_free (media);
}

static void
find_media (JsonNode   *node,
            const char *member,
            guint       depth,
            GHashTable *seen,
            GPtrArray  *found)
{
  if (node == NULL || depth > 16)
    return;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      const char *url = fal_json_get_string (object, "url");
      JsonObjectIter iter;
      const char *name;
      JsonNode *child;

      if (url != NULL && !g_hash_table_contains (seen, url) && is_media_file (object, url, member))
        {
          FalstaffKeptMedia *media = g_new0 (FalstaffKeptMedia, 1);
          gint64 size;

          media->url = g_strdup (url);
          media->content_type = g_strdup (fal_json_get_string (object, "content_type"));
          media->file_size = fal_json_get_int (object, "file_size", &size) && size > 0 ? size : -1;
          g_hash_table_add (seen, media->url);
          g_ptr_array_add (found, media);
        }
      json_object_iter_init_ordered (&iter, object);
      while (json_object_iter_next_ordered (&iter, &name, &child))
        find_media (child, name, depth + 1, seen, found);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      /* images[i] are images as much as images is. */
      for (guint i = 0; i < json_array_get_length (array); i++)
        find_media (json_array_get_element (array, i), member, depth + 1, seen, found);
    }
}

GPtrArray *
_falstaff_output_keeper_find_media_files (JsonNode *result)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *found = g_ptr_array_new_with_free_func (_falstaff_output_keeper_media_free);

  find_media (result, NULL, 0, seen, found);
  return found;
}

/* ------------------------------------------------------------------ where from */

/* Never the key, never plain http across a network: https, or http to
 * this computer (the local server), or the bytes inline. */

/* ------------------------------------------------------------------ thumbnails */

typedef struct {
  gint64 run_id;
  char *url;
  int size;
  char *dir;              /* the run's outputs */
  char *cache_path;
  GBytes *bytes;          /* downloaded, when the file is not kept */
} Thumb;

static void
thumb_free (gpointer data)
{
  Thumb *thumb = data;

  g_free (thumb->url);
  g_free (thumb->dir);
  g_free (thumb->cache_path);
  g_clear_pointer (&thumb->bytes, g_bytes_unref);
  g_free (thumb);
}

/* Written beside, then renamed: a reader never sees half a PNG. */
static void
save_thumbnail (GdkPixbuf  *pixbuf,
                const char *cache_path)
{
  g_autofree char *dir = g_path_get_dirname (cache_path);
  g_autofree char *part = g_strconcat (cache_path, ".part", NULL);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0 ||
      !gdk_pixbuf_save (pixbuf, part, "png", &error, NULL) ||
      g_rename (part, cache_path) != 0)
    {
      g_debug ("Thumbnail not cached: %s", error ? error->message : g_strerror (errno));
      g_unlink (part);
    }
}

static GdkTexture *
texture_from_cache (const char *cache_path)
{
  g_autoptr(GdkPixbuf) pixbuf = NULL;

  if (!g_file_test (cache_path, G_FILE_TEST_IS_REGULAR))
    return NULL;
  pixbuf = gdk_pixbuf_new_from_file (cache_path, NULL);
  return pixbuf ? falstaff_texture_new_for_pixbuf (pixbuf) : NULL;
}

/* In a worker: the cache, else the kept file. Returns NULL without an
 * error when neither is there (the URL is to be downloaded). */
static void
thumbnail_local_thread (GTask        *task,
                        gpointer      source,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  Thumb *thumb = task_data;
  GdkTexture *texture = texture_from_cache (thumb->cache_path);
  g_autofree char *kept = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  GError *error = NULL;

  if (texture)
    {
      g_task_return_pointer (task, texture, g_object_unref);
      return;
    }
  kept = _falstaff_output_keeper_find_kept (thumb->dir, thumb->url);
  if (kept == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  /* A video or a sound has no picture here: said from its first bytes,
   * not after reading the whole file. */
  if (gdk_pixbuf_get_file_info (kept, NULL, NULL) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s", _("this output is not an image"));
      return;
    }
  pixbuf = falstaff_image_decode_file (kept, thumb->size, NULL, NULL, cancellable, &error);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  save_thumbnail (pixbuf, thumb->cache_path);
  g_task_return_pointer (task, falstaff_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

static void
thumbnail_bytes_thread (GTask        *task,
                        gpointer      source,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  Thumb *thumb = task_data;
  GError *error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = falstaff_image_decode (thumb->bytes, thumb->size, NULL, NULL, &error);

  g_clear_pointer (&thumb->bytes, g_bytes_unref);
  if (pixbuf == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  save_thumbnail (pixbuf, thumb->cache_path);
  g_task_return_pointer (task, falstaff_texture_new_for_pixbuf (pixbuf), g_object_unref);
}

static void
thumbnail_fetched_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      data)
{
  g_autoptr(GTask) task = data;
  Thumb *thumb = g_task_get_task_data (task);
  GError *error = NULL;

  thumb->bytes = falstaff_output_fetch_finish (result, NULL, &error);
  if (thumb->bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* Thumbnails in bulk: after a person's own image. */
  g_task_set_priority (task, G_PRIORITY_LOW);
  falstaff_image_run_in_background (task, thumbnail_bytes_thread);
}

/* Not a video downloaded whole for a picture it does not have. */
static gboolean
url_may_be_image (const char *url)
{
  g_autofree char *extension = _falstaff_output_keeper_url_extension (url);
  g_autofree char *name = NULL;
  g_autofree char *guessed = NULL;
  g_autofree char *mime = NULL;

  if (extension == NULL)
    return TRUE;
  name = g_strconcat ("output", extension, NULL);
  guessed = g_content_type_guess (name, NULL, 0, NULL);
  mime = guessed ? g_content_type_get_mime_type (guessed) : NULL;
  return mime == NULL || !(g_str_has_prefix (mime, "video/") || g_str_has_prefix (mime, "audio/") ||
                           g_str_has_prefix (mime, "model/"));
}

static void
thumbnail_local_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GTask) task = data;
  Thumb *thumb = g_task_get_task_data (task);
  FalstaffOutputKeeper *self = g_task_get_source_object (task);
  GError *error = NULL;
  GdkTexture *texture = g_task_propagate_pointer (G_TASK (result), &error);

  if (texture)
    g_task_return_pointer (task, texture, g_object_unref);
  else if (error)
    g_task_return_error (task, error);
  else if (!falstaff_output_check_link (thumb->url, &error))
    g_task_return_error (task, error);
  else if (!url_may_be_image (thumb->url))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "%s", _("this output is not an image"));
  else
    {
      GCancellable *cancellable = g_task_get_cancellable (task);

      falstaff_output_fetch_async (self->session, thumb->url, cancellable,
                                   thumbnail_fetched_cb, g_steal_pointer (&task));
    }
}

/* ------------------------------------------------------------------ deleting */

typedef struct {
  char *outputs_dir;
  char *thumbnails_dir;
  GArray *run_ids;
} Delete;

static void
delete_free (gpointer data)
{
  Delete *delete = data;

  g_free (delete->outputs_dir);
  g_free (delete->thumbnails_dir);
  g_array_unref (delete->run_ids);
  g_free (delete);
}

static gboolean
remove_tree (const char  *path,
             GError     **error)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return TRUE;
    }
  else
    while ((name = g_dir_read_name (dir)))
      {
        g_autofree char *child = g_build_filename (path, name, NULL);

        if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
          {
            if (!remove_tree (child, error))
              return FALSE;
          }
        else if (g_unlink (child) != 0 && errno != ENOENT)
          {
            int saved_errno = errno;

            g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", child, g_strerror (saved_errno));
            return FALSE;
          }
      }
  if (g_remove (path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

static void
delete_thread (GTask        *task,
               gpointer      source,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Delete *delete = task_data;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GDir) thumbnails = NULL;
  GError *error = NULL;
  const char *name;

  for (guint i = 0; i < delete->run_ids->len; i++)
    {
      gint64 *id = &g_array_index (delete->run_ids, gint64, i);
      g_autofree char *dir = _falstaff_output_keeper_run_dir (delete->outputs_dir, *id);

      g_hash_table_add (ids, id);
      if (error == NULL)
        remove_tree (dir, &error);
      else
        remove_tree (dir, NULL);
    }
  /* One pass over the cache for all of them: "<run id>-<hash>-<size>.png". */
  thumbnails = g_dir_open (delete->thumbnails_dir, 0, NULL);
  while (thumbnails && (name = g_dir_read_name (thumbnails)))
    {
      char *end = NULL;
      gint64 id = g_ascii_strtoll (name, &end, 10);

      if (end != name && *end == '-' && g_hash_table_contains (ids, &id))
        {
          g_autofree char *path = g_build_filename (delete->thumbnails_dir, name, NULL);

          g_unlink (path);
        }
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* ------------------------------------------------------------------ GObject */

static void
falstaff_output_keeper_dispose (GObject *object)
{
  FalstaffOutputKeeper *self = FALSTAFF_OUTPUT_KEEPER (object);

  /* Keeps under way hold a reference: none is left here. */
  g_clear_object (&self->session);

  G_OBJECT_CLASS (falstaff_output_keeper_parent_class)->dispose (object);
}

static void
falstaff_output_keeper_finalize (GObject *object)
{
  FalstaffOutputKeeper *self = FALSTAFF_OUTPUT_KEEPER (object);

  g_free (self->outputs_dir);
  g_free (self->thumbnails_dir);
  g_clear_pointer (&self->in_flight, g_hash_table_unref);
  g_clear_pointer (&self->keeps, g_hash_table_unref);
  g_clear_pointer (&self->generations, g_hash_table_unref);

  G_OBJECT_CLASS (falstaff_output_keeper_parent_class)->finalize (object);
}

static void
falstaff_output_keeper_class_init (FalstaffOutputKeeperClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = falstaff_output_keeper_dispose;
  object_class->finalize = falstaff_output_keeper_finalize;
}

static void
falstaff_output_keeper_init (FalstaffOutputKeeper *self)
{
  g_autofree char *user_agent = g_strdup_printf ("Falstaff/%s", PACKAGE_VERSION);

  /* No auth feature, no key header: media URLs never see the key. */
  self->session = soup_session_new_with_options ("user-agent", user_agent, "max-conns-per-host", 6, NULL);
  fal_session_guard_redirects (self->session);
  self->in_flight = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->keeps = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  self->generations = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

/* ------------------------------------------------------------------ public */

FalstaffOutputKeeper *
falstaff_output_keeper_new (const char *outputs_dir,
                            const char *thumbnails_dir)
{
  FalstaffOutputKeeper *self = g_object_new (FALSTAFF_TYPE_OUTPUT_KEEPER, NULL);

  self->outputs_dir = outputs_dir ? g_strdup (outputs_dir)
                                  : g_build_filename (g_get_user_data_dir (), "falstaff", "outputs", NULL);
  self->thumbnails_dir = thumbnails_dir ? g_strdup (thumbnails_dir)
                                        : g_build_filename (g_get_user_cache_dir (), "falstaff", "thumbnails", NULL);
  return self;
}

const char *
falstaff_output_keeper_get_outputs_dir (FalstaffOutputKeeper *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_KEEPER (self), NULL);
  return self->outputs_dir;
}

const char *
falstaff_output_keeper_get_thumbnails_dir (FalstaffOutputKeeper *self)
{
  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_KEEPER (self), NULL);
  return self->thumbnails_dir;
}

GPtrArray *
falstaff_output_keeper_find_media (JsonNode *result)
{
  g_autoptr(GPtrArray) found = _falstaff_output_keeper_find_media_files (result);
  GPtrArray *urls = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add (urls, g_strdup (((FalstaffKeptMedia *) g_ptr_array_index (found, i))->url));
  return urls;
}

char *
falstaff_output_keeper_lookup (FalstaffOutputKeeper *self,
                               gint64                run_id,
                               const char           *url)
{
  g_autofree char *dir = NULL;

  g_return_val_if_fail (FALSTAFF_IS_OUTPUT_KEEPER (self), NULL);

  if (url == NULL)
    return NULL;
  dir = _falstaff_output_keeper_run_dir (self->outputs_dir, run_id);
  return _falstaff_output_keeper_find_kept (dir, url);
}

void
falstaff_output_keeper_load_thumbnail_async (FalstaffOutputKeeper *self,
                                             gint64                run_id,
                                             const char           *url,
                                             int                   size,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) local = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *name = NULL;
  Thumb *thumb;

  g_return_if_fail (FALSTAFF_IS_OUTPUT_KEEPER (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (size > 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_output_keeper_load_thumbnail_async);
  hash = _falstaff_output_keeper_url_hash (url);
  name = g_strdup_printf ("%" G_GINT64_FORMAT "-%s-%d.png", run_id, hash, size);
  thumb = g_new0 (Thumb, 1);
  thumb->run_id = run_id;
  thumb->url = g_strdup (url);
  thumb->size = size;
  thumb->dir = _falstaff_output_keeper_run_dir (self->outputs_dir, run_id);
  thumb->cache_path = g_build_filename (self->thumbnails_dir, name, NULL);
  g_task_set_task_data (task, thumb, thumb_free);

  /* The cache and the kept file are read in a worker; only a download
   * (a URL not kept) comes back here for the session. */
  local = g_task_new (self, cancellable, thumbnail_local_cb, g_steal_pointer (&task));
  g_task_set_task_data (local, thumb, NULL);
  /* Thumbnails in bulk: after a person's own image. */
  g_task_set_priority (local, G_PRIORITY_LOW);
  falstaff_image_run_in_background (local, thumbnail_local_thread);
}

GdkTexture *
falstaff_output_keeper_load_thumbnail_finish (FalstaffOutputKeeper  *self,
                                              GAsyncResult          *result,
                                              GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
falstaff_output_keeper_delete_async (FalstaffOutputKeeper *self,
                                     const gint64         *run_ids,
                                     guint                 n_run_ids,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  Delete *delete;

  g_return_if_fail (FALSTAFF_IS_OUTPUT_KEEPER (self));
  g_return_if_fail (run_ids != NULL || n_run_ids == 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_output_keeper_delete_async);
  delete = g_new0 (Delete, 1);
  delete->outputs_dir = g_strdup (self->outputs_dir);
  delete->thumbnails_dir = g_strdup (self->thumbnails_dir);
  delete->run_ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_run_ids);
  g_array_append_vals (delete->run_ids, run_ids, n_run_ids);
  g_task_set_task_data (task, delete, delete_free);

  /* Downloads still under way stop; one that ends anyway is thrown away. */
  for (guint i = 0; i < n_run_ids; i++)
    _falstaff_output_keeper_forget_run (self, run_ids[i]);
  g_task_run_in_thread (task, delete_thread);
}

gboolean
falstaff_output_keeper_delete_finish (FalstaffOutputKeeper  *self,
                                      GAsyncResult          *result,
                                      GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
