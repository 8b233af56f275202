/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <string.h>

#include "fal.h"

#include "falstaff-file-name.h"
#include "falstaff-image-loader.h"
#include "falstaff-output-actions.h"
#include "falstaff-output-keeper.h"

/* Downloads at once for one keep. */
#define MAX_PARALLEL 3
/* Read and written in blocks of this size. */
#define BLOCK_SIZE (64 * 1024)
/* Hex digits of the URL's SHA-256 in a file name (128 bits). */
#define HASH_CHARS 32

struct _FalstaffOutputKeeper
{
  GObject parent_instance;

  char *outputs_dir;
  char *thumbnails_dir;
  SoupSession *session;
  /* "<run id>/<hash>" → GPtrArray of Items waiting for the one download
   * of that file under way: two keeps of a run fetch each file once. */
  GHashTable *in_flight;
  /* run id (gint64 *) → GPtrArray of Keeps under way, for delete. */
  GHashTable *keeps;
  /* run id → how often its outputs were deleted: a download that ends
   * after a delete throws its file away. */
  GHashTable *generations;
};

G_DEFINE_FINAL_TYPE (FalstaffOutputKeeper, falstaff_output_keeper, G_TYPE_OBJECT)

/* ------------------------------------------------------------------ names */

static char *
url_hash (const char *url)
{
  char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);

  hash[HASH_CHARS] = '\0';
  return hash;
}

static char *
run_dir (const char *outputs_dir,
         gint64      run_id)
{
  g_autofree char *name = g_strdup_printf ("%" G_GINT64_FORMAT, run_id);

  return g_build_filename (outputs_dir, name, NULL);
}

/* ".png" from the URL's path when it ends in a short extension, else NULL. */
static char *
url_extension (const char *url)
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
static char *
find_kept (const char *dir,
           const char *url)
{
  g_autofree char *hash = url_hash (url);
  g_autofree char *extension = url_extension (url);
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
  path_name = falstaff_file_name_from_url (url, NULL);
  return name_is_media (path_name);
}

typedef struct {
  char *url;
  char *content_type;     /* from the result, may be NULL */
  gint64 file_size;       /* from the result, -1 when not given */
} Media;

static void
media_free (gpointer data)
{
  Media *media = data;

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
          Media *media = g_new0 (Media, 1);
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

static GPtrArray *
find_media_files (JsonNode *result)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  GPtrArray *found = g_ptr_array_new_with_free_func (media_free);

  find_media (result, NULL, 0, seen, found);
  return found;
}

/* ------------------------------------------------------------------ where from */

/* Never the key, never plain http across a network: https, or http to
 * this computer (the local server), or the bytes inline. */
static gboolean
check_url (const char  *url,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (g_str_has_prefix (url, "data:"))
    return TRUE;
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  host = uri ? g_uri_get_host (uri) : NULL;
  if (scheme == NULL || host == NULL || *host == '\0')
    {
      g_set_error_literal (error, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP, _("the link is not valid"));
      return FALSE;
    }
  if (g_ascii_strcasecmp (scheme, "https") == 0)
    return TRUE;
  if (g_ascii_strcasecmp (scheme, "http") == 0)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

      if (g_ascii_strcasecmp (host, "localhost") == 0 || (address && g_inet_address_get_is_loopback (address)))
        return TRUE;
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("the link is not a secure (https) address"));
  return FALSE;
}

static gboolean
type_is_not_media (const char *type)
{
  return type != NULL &&
         (g_str_has_prefix (type, "text/") || g_str_has_prefix (type, "application/json") ||
          g_str_has_prefix (type, "application/xml") || g_str_has_prefix (type, "application/xhtml"));
}

/* ------------------------------------------------------------------ keeping */

typedef struct _Keep Keep;

typedef struct {
  Keep *keep;             /* not owned */
  Media *media;           /* not owned */
  char *key;              /* "<run id>/<hash>", for in_flight */
  char *hash;
  char *path;             /* the kept file, once known */
  char *part;             /* being written */
  gboolean owner;         /* this item downloads; others wait on it */
  SoupMessage *msg;
  GInputStream *body;
  GOutputStream *out;
  GBytes *block;          /* being written */
  gint64 content_length;
  gint64 written;
  gboolean kept;
  gboolean done;
  GError *error;
} Item;

struct _Keep
{
  FalstaffOutputKeeper *self;
  gint64 run_id;
  guint generation;
  char *dir;
  GPtrArray *media;       /* Media */
  GPtrArray *items;       /* Item */
  GTask *task;
  GCancellable *cancellable;   /* ours: the caller's, and delete */
  GCancellable *caller_cancellable;
  gulong caller_handler;
  guint next;
  guint active;
  guint n_done;
  gboolean pumping;
};

static void item_start (Item *item);
static void item_finish (Item *item);

static void
item_free (gpointer data)
{
  Item *item = data;

  g_free (item->key);
  g_free (item->hash);
  g_free (item->path);
  g_free (item->part);
  g_clear_object (&item->msg);
  g_clear_object (&item->body);
  g_clear_object (&item->out);
  g_clear_pointer (&item->block, g_bytes_unref);
  g_clear_error (&item->error);
  g_free (item);
}

static void
keep_free (Keep *keep)
{
  if (keep->caller_handler)
    g_cancellable_disconnect (keep->caller_cancellable, keep->caller_handler);
  g_clear_object (&keep->caller_cancellable);
  g_clear_object (&keep->cancellable);
  g_clear_pointer (&keep->items, g_ptr_array_unref);
  g_clear_pointer (&keep->media, g_ptr_array_unref);
  g_free (keep->dir);
  g_clear_object (&keep->self);
  g_free (keep);
}

static guint
generation_of (FalstaffOutputKeeper *self,
               gint64                run_id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->generations, &run_id));
}

static void
keep_register (Keep *keep)
{
  GPtrArray *keeps = g_hash_table_lookup (keep->self->keeps, &keep->run_id);

  if (keeps == NULL)
    {
      keeps = g_ptr_array_new ();
      g_hash_table_insert (keep->self->keeps, g_memdup2 (&keep->run_id, sizeof (gint64)), keeps);
    }
  g_ptr_array_add (keeps, keep);
}

static void
keep_unregister (Keep *keep)
{
  GPtrArray *keeps = g_hash_table_lookup (keep->self->keeps, &keep->run_id);

  if (keeps == NULL)
    return;
  g_ptr_array_remove (keeps, keep);
  if (keeps->len == 0)
    g_hash_table_remove (keep->self->keeps, &keep->run_id);
}

static void
caller_cancelled_cb (GCancellable *cancellable,
                     gpointer      data)
{
  /* Any thread: cancelling is thread-safe. */
  g_cancellable_cancel (G_CANCELLABLE (data));
}

/* Every item done: the count, and the first failure in the result's order. */
static void
keep_complete (Keep *keep)
{
  GTask *task = keep->task;
  guint n_kept = 0;
  GError *first = NULL;

  for (guint i = 0; i < keep->items->len; i++)
    {
      Item *item = g_ptr_array_index (keep->items, i);

      if (item->kept)
        n_kept++;
      else if (first == NULL && item->error)
        first = g_error_copy (item->error);
    }
  keep_unregister (keep);
  g_task_set_task_data (task, GUINT_TO_POINTER (n_kept), NULL);
  /* The task owns the keep (its items) until here. */
  keep->task = NULL;
  keep_free (keep);
  if (first)
    g_task_return_error (task, first);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
keep_pump (Keep *keep)
{
  /* An item that ends at once (kept already) pumps again: the loop below
   * goes on instead, so the keep is not freed under it. */
  if (keep->pumping)
    return;
  keep->pumping = TRUE;
  while (keep->active < MAX_PARALLEL && keep->next < keep->items->len)
    {
      Item *item = g_ptr_array_index (keep->items, keep->next++);

      keep->active++;
      item_start (item);
    }
  keep->pumping = FALSE;
  if (keep->n_done == keep->items->len)
    keep_complete (keep);
}

/* The end of one item (kept or not); the next one starts. */
static void
item_done (Item *item)
{
  Keep *keep = item->keep;

  g_assert (!item->done);
  item->done = TRUE;
  keep->active--;
  keep->n_done++;
  keep_pump (keep);
}

/* The download this item waited on ended: the same outcome, or, when
 * the one downloading gave up (its keep was cancelled), a try of its own. */
static void
waiter_resume (Item         *item,
               gboolean      kept,
               const char   *path,
               const GError *error)
{
  if (!kept && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
      !g_cancellable_is_cancelled (item->keep->cancellable))
    {
      item_start (item);
      return;
    }
  item->kept = kept;
  g_free (item->path);
  item->path = g_strdup (path);
  if (error)
    item->error = g_error_copy (error);
  item_done (item);
}

static void
item_finish (Item *item)
{
  FalstaffOutputKeeper *self = item->keep->self;
  g_autoptr(GPtrArray) waiters = NULL;
  g_autofree char *key = NULL;

  if (item->owner)
    g_hash_table_steal_extended (self->in_flight, item->key, (gpointer *) &key, (gpointer *) &waiters);
  item->owner = FALSE;
  if (waiters)
    for (guint i = 0; i < waiters->len; i++)
      waiter_resume (g_ptr_array_index (waiters, i), item->kept, item->path, item->error);
  item_done (item);
}

static void
item_fail (Item   *item,
           GError *error)
{
  g_clear_error (&item->error);
  item->error = error;
  item->kept = FALSE;
  item_finish (item);
}

/* After a failure: the part file goes, then the item ends. */
static void
part_deleted_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Item *item = data;

  g_file_delete_finish (G_FILE (source), result, NULL);
  item_finish (item);
}

static void
fail_closed_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Item *item = data;
  g_autoptr(GFile) part = g_file_new_for_path (item->part);

  g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, NULL);
  g_file_delete_async (part, G_PRIORITY_DEFAULT, NULL, part_deleted_cb, item);
}

/* Fails the item, and leaves no part file behind. No cancellable: the
 * clean-up must happen also when the keep was cancelled. */
static void
item_abort (Item   *item,
            GError *error)
{
  g_clear_error (&item->error);
  item->error = error;
  item->kept = FALSE;
  if (item->body)
    g_input_stream_close_async (item->body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  if (item->out)
    g_output_stream_close_async (item->out, G_PRIORITY_DEFAULT, NULL, fail_closed_cb, item);
  else if (item->part)
    {
      g_autoptr(GFile) part = g_file_new_for_path (item->part);

      g_file_delete_async (part, G_PRIORITY_DEFAULT, NULL, part_deleted_cb, item);
    }
  else
    item_finish (item);
}

static void
moved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Item *item = data;
  Keep *keep = item->keep;
  GError *error = NULL;

  if (!g_file_move_finish (G_FILE (source), result, &error))
    {
      item_abort (item, error);
      return;
    }
  /* Deleted while it downloaded: not kept after all. */
  if (generation_of (keep->self, keep->run_id) != keep->generation)
    {
      g_autoptr(GFile) file = g_file_new_for_path (item->path);

      g_file_delete (file, NULL, NULL);
      item_fail (item, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, _("the run was deleted")));
      return;
    }
  item->kept = TRUE;
  item_finish (item);
}

static void
part_written (Item *item)
{
  g_autoptr(GFile) part = g_file_new_for_path (item->part);
  g_autoptr(GFile) file = g_file_new_for_path (item->path);

  g_file_move_async (part, file, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT, item->keep->cancellable,
                     NULL, NULL, moved_cb, item);
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Item *item = data;
  GError *error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error))
    {
      g_clear_object (&item->out);
      item_abort (item, error);
      return;
    }
  g_clear_object (&item->out);
  part_written (item);
}

static void read_next (Item *item);

static void
block_written_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Item *item = data;
  GError *error = NULL;

  g_clear_pointer (&item->block, g_bytes_unref);
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      item_abort (item, error);
      return;
    }
  read_next (item);
}

/* The whole body came: is it whole? libsoup 3.2 takes a chunked body cut
 * at a chunk boundary, or one short of its Content-Length, as complete,
 * so the sizes the answer and the result announced are checked here. */
static void
body_ended (Item *item)
{
  if (item->written == 0 ||
      (item->content_length >= 0 && item->written != item->content_length) ||
      (item->media->file_size >= 0 && item->written != item->media->file_size))
    {
      item_abort (item, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                             _("the download was cut short")));
      return;
    }
  g_input_stream_close_async (item->body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  g_clear_object (&item->body);
  g_output_stream_close_async (item->out, G_PRIORITY_DEFAULT, item->keep->cancellable, closed_cb, item);
}

static void
block_read_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Item *item = data;
  GError *error = NULL;
  GBytes *block = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (block == NULL)
    {
      item_abort (item, error);
      return;
    }
  if (g_bytes_get_size (block) == 0)
    {
      g_bytes_unref (block);
      body_ended (item);
      return;
    }
  item->written += g_bytes_get_size (block);
  if (item->written > FALSTAFF_OUTPUT_KEEPER_MAX_FILE_SIZE)
    {
      g_bytes_unref (block);
      item_abort (item, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("the file is too large to keep")));
      return;
    }
  item->block = block;
  g_output_stream_write_all_async (item->out, g_bytes_get_data (block, NULL), g_bytes_get_size (block),
                                   G_PRIORITY_DEFAULT, item->keep->cancellable, block_written_cb, item);
}

static void
read_next (Item *item)
{
  g_input_stream_read_bytes_async (item->body, BLOCK_SIZE, G_PRIORITY_DEFAULT, item->keep->cancellable,
                                   block_read_cb, item);
}

static void
part_opened_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Item *item = data;
  GError *error = NULL;
  GFileOutputStream *out = g_file_replace_finish (G_FILE (source), result, &error);

  if (out == NULL)
    {
      /* Nothing was made: nothing to delete. */
      g_clear_pointer (&item->part, g_free);
      item_abort (item, error);
      return;
    }
  item->out = G_OUTPUT_STREAM (out);
  read_next (item);
}

/* The kept file's name: the URL's hash, and an extension from the URL,
 * else from the content type (the result's, then the answer's). */
static void
item_set_path (Item       *item,
               const char *answer_type)
{
  g_autofree char *extension = url_extension (item->media->url);
  const char *from_type = falstaff_file_name_extension_for_type (item->media->content_type);
  g_autofree char *file_name = NULL;
  g_autofree char *part_name = NULL;

  if (from_type == NULL)
    from_type = falstaff_file_name_extension_for_type (answer_type);
  file_name = g_strconcat (item->hash, extension ? extension : from_type ? from_type : ".bin", NULL);
  part_name = g_strconcat (".", file_name, ".part", NULL);
  item->path = g_build_filename (item->keep->dir, file_name, NULL);
  item->part = g_build_filename (item->keep->dir, part_name, NULL);
}

static void
open_part (Item *item)
{
  g_autoptr(GFile) part = g_file_new_for_path (item->part);

  g_file_replace_async (part, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                        G_PRIORITY_DEFAULT, item->keep->cancellable, part_opened_cb, item);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Item *item = data;
  GError *error = NULL;
  GInputStream *body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  SoupMessageHeaders *headers;
  const char *type;
  guint status;

  if (body == NULL)
    {
      item_abort (item, error);
      return;
    }
  item->body = body;
  status = soup_message_get_status (item->msg);
  headers = soup_message_get_response_headers (item->msg);
  type = soup_message_headers_get_content_type (headers, NULL);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      item_abort (item, falstaff_output_http_error (status));
      return;
    }
  /* An error page or a text is not the image the result named. */
  if (type_is_not_media (type))
    {
      item_abort (item, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                                             _("the file host did not send a media file")));
      return;
    }
  item->content_length = soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CONTENT_LENGTH
                           ? soup_message_headers_get_content_length (headers) : -1;
  if (item->content_length > FALSTAFF_OUTPUT_KEEPER_MAX_FILE_SIZE)
    {
      item_abort (item, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NO_SPACE, _("the file is too large to keep")));
      return;
    }
  item_set_path (item, type);
  open_part (item);
}

static void
data_written_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Item *item = data;
  GError *error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      item_abort (item, error);
      return;
    }
  part_written (item);
}

/* A data: URI: the bytes are in the result already. */
static void
keep_data_uri (Item *item)
{
  g_autofree char *type = NULL;
  g_autoptr(GBytes) bytes = soup_uri_decode_data_uri (item->media->url, &type);
  g_autoptr(GFile) part = NULL;

  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      item_fail (item, g_error_new_literal (FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP,
                                            _("the link is not valid")));
      return;
    }
  item_set_path (item, type);
  part = g_file_new_for_path (item->part);
  g_file_replace_contents_bytes_async (part, bytes, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                       item->keep->cancellable, data_written_cb, item);
}

static void
item_start (Item *item)
{
  FalstaffOutputKeeper *self = item->keep->self;
  GPtrArray *waiters;
  GError *error = NULL;

  if (item->kept)
    {
      item_done (item);
      return;
    }
  if (g_cancellable_set_error_if_cancelled (item->keep->cancellable, &error))
    {
      item_fail (item, error);
      return;
    }
  /* The same file downloading for another keep: wait for it. */
  if (g_hash_table_lookup_extended (self->in_flight, item->key, NULL, (gpointer *) &waiters))
    {
      g_ptr_array_add (waiters, item);
      return;
    }
  item->owner = TRUE;
  g_hash_table_insert (self->in_flight, g_strdup (item->key), g_ptr_array_new ());
  if (!check_url (item->media->url, &error))
    {
      item_fail (item, error);
      return;
    }
  if (g_str_has_prefix (item->media->url, "data:"))
    {
      keep_data_uri (item);
      return;
    }
  item->msg = soup_message_new ("GET", item->media->url);
  if (item->msg == NULL)
    {
      item_fail (item, g_error_new_literal (FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP,
                                            _("the link is not valid")));
      return;
    }
  item->content_length = -1;
  soup_session_send_async (self->session, item->msg, G_PRIORITY_LOW, item->keep->cancellable, sent_cb, item);
}

/* In a worker: the run's folder made, and the files kept already found. */
static void
prepare_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Keep *keep = task_data;

  if (g_mkdir_with_parents (keep->dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                               "%s: %s", keep->dir, g_strerror (saved_errno));
      return;
    }
  for (guint i = 0; i < keep->items->len; i++)
    {
      Item *item = g_ptr_array_index (keep->items, i);

      item->path = find_kept (keep->dir, item->media->url);
      item->kept = item->path != NULL;
    }
  g_task_return_boolean (task, TRUE);
}

static void
prepared_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Keep *keep = data;
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      for (guint i = 0; i < keep->items->len; i++)
        {
          Item *item = g_ptr_array_index (keep->items, i);

          item->error = g_error_copy (error);
          item->done = TRUE;
        }
      keep->n_done = keep->items->len;
      g_error_free (error);
    }
  keep_pump (keep);
}

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
  kept = find_kept (thumb->dir, thumb->url);
  if (kept == NULL)
    {
      g_task_return_pointer (task, NULL, NULL);
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
  g_task_run_in_thread (task, thumbnail_bytes_thread);
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
  else if (!check_url (thumb->url, &error))
    g_task_return_error (task, error);
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
      g_autofree char *dir = run_dir (delete->outputs_dir, *id);

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
  self->session = soup_session_new_with_options ("user-agent", user_agent, "max-conns-per-host", MAX_PARALLEL * 2,
                                                 NULL);
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
  g_autoptr(GPtrArray) found = find_media_files (result);
  GPtrArray *urls = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add (urls, g_strdup (((Media *) g_ptr_array_index (found, i))->url));
  return urls;
}

void
falstaff_output_keeper_keep_async (FalstaffOutputKeeper *self,
                                   gint64                run_id,
                                   JsonNode             *result,
                                   GCancellable         *cancellable,
                                   GAsyncReadyCallback   callback,
                                   gpointer              user_data)
{
  Keep *keep;
  g_autoptr(GTask) prepare = NULL;

  g_return_if_fail (FALSTAFF_IS_OUTPUT_KEEPER (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  keep = g_new0 (Keep, 1);
  keep->self = g_object_ref (self);
  keep->run_id = run_id;
  keep->generation = generation_of (self, run_id);
  keep->dir = run_dir (self->outputs_dir, run_id);
  keep->media = find_media_files (result);
  keep->items = g_ptr_array_new_with_free_func (item_free);
  keep->cancellable = g_cancellable_new ();
  keep->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (keep->task, falstaff_output_keeper_keep_async);
  if (cancellable)
    {
      keep->caller_cancellable = g_object_ref (cancellable);
      keep->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                    g_object_ref (keep->cancellable), g_object_unref);
    }
  for (guint i = 0; i < keep->media->len; i++)
    {
      Item *item = g_new0 (Item, 1);

      item->keep = keep;
      item->media = g_ptr_array_index (keep->media, i);
      item->hash = url_hash (item->media->url);
      item->key = g_strdup_printf ("%" G_GINT64_FORMAT "/%s", run_id, item->hash);
      item->content_length = -1;
      g_ptr_array_add (keep->items, item);
    }
  keep_register (keep);
  if (keep->items->len == 0)
    {
      keep_pump (keep);
      return;
    }

  prepare = g_task_new (NULL, keep->cancellable, prepared_cb, keep);
  g_task_set_source_tag (prepare, falstaff_output_keeper_keep_async);
  g_task_set_task_data (prepare, keep, NULL);
  g_task_set_return_on_cancel (prepare, FALSE);
  g_task_run_in_thread (prepare, prepare_thread);
}

gboolean
falstaff_output_keeper_keep_finish (FalstaffOutputKeeper  *self,
                                    GAsyncResult          *result,
                                    guint                 *n_kept,
                                    GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  if (n_kept)
    *n_kept = GPOINTER_TO_UINT (g_task_get_task_data (G_TASK (result)));
  return g_task_propagate_boolean (G_TASK (result), error);
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
  dir = run_dir (self->outputs_dir, run_id);
  return find_kept (dir, url);
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
  hash = url_hash (url);
  name = g_strdup_printf ("%" G_GINT64_FORMAT "-%s-%d.png", run_id, hash, size);
  thumb = g_new0 (Thumb, 1);
  thumb->run_id = run_id;
  thumb->url = g_strdup (url);
  thumb->size = size;
  thumb->dir = run_dir (self->outputs_dir, run_id);
  thumb->cache_path = g_build_filename (self->thumbnails_dir, name, NULL);
  g_task_set_task_data (task, thumb, thumb_free);

  /* The cache and the kept file are read in a worker; only a download
   * (a URL not kept) comes back here for the session. */
  local = g_task_new (self, cancellable, thumbnail_local_cb, g_steal_pointer (&task));
  g_task_set_task_data (local, thumb, NULL);
  g_task_run_in_thread (local, thumbnail_local_thread);
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

  for (guint i = 0; i < n_run_ids; i++)
    {
      GPtrArray *keeps = g_hash_table_lookup (self->keeps, &run_ids[i]);

      /* Downloads still under way stop; one that ends anyway is thrown away. */
      g_hash_table_insert (self->generations, g_memdup2 (&run_ids[i], sizeof (gint64)),
                           GUINT_TO_POINTER (generation_of (self, run_ids[i]) + 1));
      for (guint j = 0; keeps && j < keeps->len; j++)
        g_cancellable_cancel (((Keep *) g_ptr_array_index (keeps, j))->cancellable);
    }
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
