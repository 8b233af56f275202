/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#include "fal-file-name.h"
#include "falstaff-output-actions.h"
#include "falstaff-output-keeper-private.h"

/* Keeping a run's outputs: every media file of its result downloaded
 * into its folder, a few at once, each streamed into a hidden part file
 * that is renamed when the whole file is there. */

/* Downloads at once for one keep. */
#define MAX_PARALLEL 3
/* Read and written in blocks of this size. */
#define BLOCK_SIZE (64 * 1024)

static gboolean
type_is_not_media (const char *type)
{
  return type != NULL &&
         (g_str_has_prefix (type, "text/") || g_str_has_prefix (type, "application/json") ||
          g_str_has_prefix (type, "application/xml") || g_str_has_prefix (type, "application/xhtml"));
}

typedef struct _Keep Keep;

typedef struct {
  Keep *keep;             /* not owned */
  FalstaffKeptMedia *media;           /* not owned */
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
  GPtrArray *media;       /* FalstaffKeptMedia */
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
  if (_falstaff_output_keeper_generation (keep->self, keep->run_id) != keep->generation)
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
  g_autofree char *extension = _falstaff_output_keeper_url_extension (item->media->url);
  const char *from_type = fal_file_name_extension_for_type (item->media->content_type);
  g_autofree char *file_name = NULL;
  g_autofree char *part_name = NULL;

  if (from_type == NULL)
    from_type = fal_file_name_extension_for_type (answer_type);
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
  if (!falstaff_output_check_link (item->media->url, &error))
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

      item->path = _falstaff_output_keeper_find_kept (keep->dir, item->media->url);
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

/* ------------------------------------------------------------------ shared */

guint
_falstaff_output_keeper_generation (FalstaffOutputKeeper *self,
                                    gint64                run_id)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (self->generations, &run_id));
}

void
_falstaff_output_keeper_forget_run (FalstaffOutputKeeper *self,
                                    gint64                run_id)
{
  GPtrArray *keeps = g_hash_table_lookup (self->keeps, &run_id);

  g_hash_table_insert (self->generations, g_memdup2 (&run_id, sizeof (gint64)),
                       GUINT_TO_POINTER (_falstaff_output_keeper_generation (self, run_id) + 1));
  for (guint i = 0; keeps && i < keeps->len; i++)
    g_cancellable_cancel (((Keep *) g_ptr_array_index (keeps, i))->cancellable);
}

/* ------------------------------------------------------------------ public */

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
  keep->generation = _falstaff_output_keeper_generation (self, run_id);
  keep->dir = _falstaff_output_keeper_run_dir (self->outputs_dir, run_id);
  keep->media = _falstaff_output_keeper_find_media_files (result);
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
      item->hash = _falstaff_output_keeper_url_hash (item->media->url);
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
