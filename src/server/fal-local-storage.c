/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <glib/gstdio.h>

#include "fal-local-storage.h"


typedef struct {
  char *token;
  char *file_id;
  char *content_type;
  char *file_name;
  gboolean multipart;
  gint64 lifetime;           /* of the file it makes, µs; 0 = forever */
  GHashTable *part_etags;    /* part number → etag */
} Upload;

struct _FalLocalStorage
{
  GObject parent_instance;

  GMutex mutex;
  char *directory;
  GHashTable *files;         /* id → FalLocalFile */
  GQueue order;              /* file ids (owned), oldest first; may name forgotten ones */
  guint64 stored_bytes;
  guint max_files;
  guint64 max_bytes;
  guint64 memory_bytes;      /* of the files kept in memory */
  gsize memory_file_max;
  guint64 memory_max;
  GHashTable *uploads;       /* token → Upload */
};

G_DEFINE_FINAL_TYPE (FalLocalStorage, fal_local_storage, G_TYPE_OBJECT)

static void
upload_free (gpointer data)
{
  Upload *upload = data;

  g_free (upload->token);
  g_free (upload->file_id);
  g_free (upload->content_type);
  g_free (upload->file_name);
  g_hash_table_unref (upload->part_etags);
  g_free (upload);
}

void
fal_local_file_free (FalLocalFile *file)
{
  if (file == NULL)
    return;
  g_free (file->id);
  g_strfreev (file->paths);
  g_clear_pointer (&file->bytes, g_bytes_unref);
  g_free (file->content_type);
  g_free (file->file_name);
  g_free (file);
}

static FalLocalFile *
file_copy (const FalLocalFile *file)
{
  FalLocalFile *copy = g_new0 (FalLocalFile, 1);

  copy->id = g_strdup (file->id);
  copy->paths = g_strdupv (file->paths);
  copy->bytes = file->bytes ? g_bytes_ref (file->bytes) : NULL;
  copy->content_type = g_strdup (file->content_type);
  copy->file_name = g_strdup (file->file_name);
  copy->size = file->size;
  copy->expires_at = file->expires_at;
  return copy;
}

/* Ids are random hex: unguessable, and safe as file names. */
static char *
new_id (void)
{
  return g_strdup_printf ("%08x%08x%08x%08x",
                          g_random_int (), g_random_int (), g_random_int (), g_random_int ());
}

static char *
part_path (FalLocalStorage *self,
           const char      *token,
           guint            part,
           gboolean         partial)
{
  g_autofree char *name = g_strdup_printf ("%s.%u%s", token, part, partial ? ".partial" : "");

  return g_build_filename (self->directory, "uploads", name, NULL);
}

/* A content type is sent back as a header when the file is served: one
 * with a CR/LF (or any control character) would split that header, so
 * only a plain "type/subtype[; params]" of printable ASCII is kept. */
static char *
clean_content_type (const char *content_type)
{
  gsize len = content_type ? strlen (content_type) : 0;

  if (len == 0 || len > 255 || strchr (content_type, '/') == NULL)
    return g_strdup ("application/octet-stream");
  for (const char *p = content_type; *p; p++)
    if ((guchar) *p < 0x20 || (guchar) *p > 0x7e)
      return g_strdup ("application/octet-stream");
  return g_strdup (content_type);
}

/* Off the CDN and the disk (the lock held). A reader that has it open
 * keeps its bytes. */
static void
forget_file (FalLocalStorage *self,
             FalLocalFile    *file)
{
  for (guint i = 0; file->paths[i]; i++)
    g_unlink (file->paths[i]);
  if (file->bytes)
    self->memory_bytes -= MIN (self->memory_bytes, g_bytes_get_size (file->bytes));
  self->stored_bytes -= MIN (self->stored_bytes, (guint64) MAX (0, file->size));
  g_hash_table_remove (self->files, file->id);
}

/* Past max_files or max_bytes the oldest files go, as expired files do
 * at fal's CDN (404): a server that runs for days stays bounded. The
 * newest is always kept. */
static void
forget_oldest (FalLocalStorage *self)
{
  while ((g_hash_table_size (self->files) > self->max_files || self->stored_bytes > self->max_bytes) &&
         self->order.length > 1)
    {
      g_autofree char *id = g_queue_pop_head (&self->order);
      FalLocalFile *file = g_hash_table_lookup (self->files, id);

      if (file)
        forget_file (self, file);
    }
}

static FalLocalFile *
register_pieces (FalLocalStorage  *self,
                 const char       *file_id,
                 char            **paths,
                 const char       *content_type,
                 const char       *file_name,
                 goffset           size)
{
  FalLocalFile *file = g_new0 (FalLocalFile, 1);

  file->id = g_strdup (file_id);
  file->paths = paths;
  file->content_type = clean_content_type (content_type);
  file->file_name = g_strdup (file_name ? file_name : "file.bin");
  file->size = size;
  g_hash_table_replace (self->files, file->id, file);
  g_queue_push_tail (&self->order, g_strdup (file->id));
  self->stored_bytes += (guint64) MAX (0, size);
  forget_oldest (self);
  return file;
}

static FalLocalFile *
register_file (FalLocalStorage *self,
               const char      *file_id,
               const char      *path,
               const char      *content_type,
               const char      *file_name,
               goffset          size)
{
  char **paths = g_new0 (char *, 2);

  paths[0] = g_strdup (path);
  return register_pieces (self, file_id, paths, content_type, file_name, size);
}

static gint64
expiry_after (gint64 lifetime)
{
  return lifetime > 0 ? g_get_monotonic_time () + lifetime : 0;
}

static void
fal_local_storage_finalize (GObject *object)
{
  FalLocalStorage *self = (FalLocalStorage *)object;

  g_hash_table_unref (self->files);
  g_queue_clear_full (&self->order, g_free);
  g_hash_table_unref (self->uploads);
  g_free (self->directory);
  g_mutex_clear (&self->mutex);

  G_OBJECT_CLASS (fal_local_storage_parent_class)->finalize (object);
}

static void
fal_local_storage_class_init (FalLocalStorageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_local_storage_finalize;
}

static void
fal_local_storage_init (FalLocalStorage *self)
{
  g_mutex_init (&self->mutex);
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) fal_local_file_free);
  self->uploads = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, upload_free);
  g_queue_init (&self->order);
  self->max_files = FAL_LOCAL_STORAGE_MAX_FILES;
  self->max_bytes = FAL_LOCAL_STORAGE_MAX_BYTES;
  self->memory_file_max = FAL_LOCAL_STORAGE_MEMORY_FILE_MAX;
  self->memory_max = 0;
}

void
fal_local_storage_set_limits (FalLocalStorage *self,
                              guint            max_files,
                              guint64          max_bytes)
{
  g_mutex_lock (&self->mutex);
  self->max_files = MAX (1, max_files);
  self->max_bytes = MAX (1, max_bytes);
  g_mutex_unlock (&self->mutex);
}

void
fal_local_storage_set_memory_limits (FalLocalStorage *self,
                                     gsize            max_file,
                                     guint64          max_total)
{
  g_mutex_lock (&self->mutex);
  self->memory_file_max = max_file;
  self->memory_max = max_total;
  g_mutex_unlock (&self->mutex);
}

/* Whether size more bytes may be kept in memory; if so they are counted
 * (the lock held). */
static gboolean
take_memory (FalLocalStorage *self,
             gsize            size)
{
  if (size > self->memory_file_max || self->memory_bytes + size > self->memory_max)
    return FALSE;
  self->memory_bytes += size;
  return TRUE;
}

FalLocalStorage *
fal_local_storage_new (const char  *directory,
                       GError     **error)
{
  g_autoptr(FalLocalStorage) self = g_object_new (FAL_LOCAL_TYPE_STORAGE, NULL);
  g_autofree char *uploads = g_build_filename (directory, "uploads", NULL);

  if (g_mkdir_with_parents (uploads, 0700) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot create the storage directory %s: %s", uploads, g_strerror (saved));
      return NULL;
    }
  self->directory = g_strdup (directory);

  return g_steal_pointer (&self);
}

char *
fal_local_storage_put_bytes (FalLocalStorage *self,
                             GBytes          *bytes,
                             const char      *content_type,
                             const char      *file_name,
                             GError         **error)
{
  g_autofree char *id = new_id ();
  g_autofree char *path = NULL;
  gsize size = 0;
  const char *data = g_bytes_get_data (bytes, &size);

  g_mutex_lock (&self->mutex);
  if (take_memory (self, size))
    {
      FalLocalFile *file = register_pieces (self, id, g_new0 (char *, 1), content_type, file_name, size);

      file->bytes = g_bytes_ref (bytes);
      g_mutex_unlock (&self->mutex);
      return g_steal_pointer (&id);
    }
  g_mutex_unlock (&self->mutex);

  path = g_build_filename (self->directory, id, NULL);
  if (!g_file_set_contents (path, data, size, error))
    return NULL;

  g_mutex_lock (&self->mutex);
  register_file (self, id, path, content_type, file_name, size);
  g_mutex_unlock (&self->mutex);

  return g_steal_pointer (&id);
}

guint
fal_local_storage_get_n_files (FalLocalStorage *self)
{
  guint n;

  g_mutex_lock (&self->mutex);
  n = g_hash_table_size (self->files);
  g_mutex_unlock (&self->mutex);
  return n;
}

FalLocalFile *
fal_local_storage_lookup (FalLocalStorage *self,
                          const char      *file_id)
{
  FalLocalFile *file;
  FalLocalFile *copy = NULL;

  g_mutex_lock (&self->mutex);
  file = g_hash_table_lookup (self->files, file_id);
  if (file && file->expires_at != 0 && g_get_monotonic_time () >= file->expires_at)
    {
      /* Expired: gone from the CDN, and from the disk. */
      forget_file (self, file);
      file = NULL;
    }
  if (file)
    copy = file_copy (file);
  g_mutex_unlock (&self->mutex);

  return copy;
}

void
fal_local_storage_set_lifetime (FalLocalStorage *self,
                                const char      *file_id,
                                gint64           lifetime)
{
  FalLocalFile *file;

  g_return_if_fail (FAL_LOCAL_IS_STORAGE (self));

  g_mutex_lock (&self->mutex);
  file = g_hash_table_lookup (self->files, file_id);
  if (file)
    file->expires_at = expiry_after (lifetime);
  g_mutex_unlock (&self->mutex);
}

void
fal_local_storage_set_upload_lifetime (FalLocalStorage *self,
                                       const char      *token,
                                       gint64           lifetime)
{
  Upload *upload;

  g_return_if_fail (FAL_LOCAL_IS_STORAGE (self));

  g_mutex_lock (&self->mutex);
  upload = g_hash_table_lookup (self->uploads, token);
  if (upload)
    upload->lifetime = MAX (0, lifetime);
  g_mutex_unlock (&self->mutex);
}

GBytes *
fal_local_storage_read (FalLocalStorage *self,
                        const char      *file_id,
                        GError         **error)
{
  g_autoptr(GPtrArray) pieces = fal_local_storage_read_pieces (self, file_id, error);
  g_autoptr(GByteArray) joined = NULL;

  if (pieces == NULL)
    return NULL;
  if (pieces->len == 1)
    return g_bytes_ref (g_ptr_array_index (pieces, 0));
  joined = g_byte_array_new ();
  for (guint i = 0; i < pieces->len; i++)
    {
      gsize size = 0;
      const guint8 *data = g_bytes_get_data (g_ptr_array_index (pieces, i), &size);

      g_byte_array_append (joined, data, size);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&joined));
}

GPtrArray *
fal_local_storage_read_pieces (FalLocalStorage *self,
                               const char      *file_id,
                               GError         **error)
{
  g_autoptr(FalLocalFile) file = fal_local_storage_lookup (self, file_id);
  g_autoptr(GPtrArray) pieces = NULL;

  if (file == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No stored file %s", file_id);
      return NULL;
    }
  pieces = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  if (file->bytes)
    g_ptr_array_add (pieces, g_bytes_ref (file->bytes));
  for (guint i = 0; file->paths[i]; i++)
    {
      g_autoptr(GMappedFile) mapped = NULL;
      GStatBuf st;

      /* An empty file cannot be mapped. */
      if (g_stat (file->paths[i], &st) == 0 && st.st_size == 0)
        {
          g_ptr_array_add (pieces, g_bytes_new (NULL, 0));
          continue;
        }
      mapped = g_mapped_file_new (file->paths[i], FALSE, error);
      if (mapped == NULL)
        return NULL;
      g_ptr_array_add (pieces, g_mapped_file_get_bytes (mapped));
    }
  return g_steal_pointer (&pieces);
}

char *
fal_local_storage_initiate (FalLocalStorage *self,
                            const char      *content_type,
                            const char      *file_name,
                            gboolean         multipart,
                            char           **file_id)
{
  Upload *upload = g_new0 (Upload, 1);

  upload->token = new_id ();
  upload->file_id = new_id ();
  upload->content_type = clean_content_type (content_type);
  upload->file_name = g_strdup (file_name);
  upload->multipart = multipart;
  upload->part_etags = g_hash_table_new_full (NULL, NULL, NULL, g_free);

  g_mutex_lock (&self->mutex);
  g_hash_table_replace (self->uploads, upload->token, upload);
  g_mutex_unlock (&self->mutex);

  *file_id = g_strdup (upload->file_id);
  return g_strdup (upload->token);
}

gboolean
fal_local_storage_has_upload (FalLocalStorage *self,
                              const char      *token,
                              gboolean         multipart)
{
  Upload *upload;
  gboolean found;

  g_mutex_lock (&self->mutex);
  upload = g_hash_table_lookup (self->uploads, token);
  found = upload != NULL && upload->multipart == multipart;
  g_mutex_unlock (&self->mutex);

  return found;
}

GOutputStream *
fal_local_storage_begin_put (FalLocalStorage *self,
                             const char      *token,
                             guint            part,
                             GError         **error)
{
  g_autofree char *path = part_path (self, token, part, TRUE);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return G_OUTPUT_STREAM (g_file_replace (file, NULL, FALSE,
                                          G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                          NULL, error));
}

gboolean
fal_local_storage_finish_put (FalLocalStorage *self,
                              const char      *token,
                              guint            part,
                              gboolean         success,
                              const char      *content_type,
                              char           **etag,
                              GError         **error)
{
  g_autofree char *partial = part_path (self, token, part, TRUE);
  g_autofree char *final = NULL;
  Upload *upload;
  GStatBuf st;

  if (!success)
    {
      g_unlink (partial);
      return TRUE;
    }

  g_mutex_lock (&self->mutex);
  upload = g_hash_table_lookup (self->uploads, token);
  if (upload == NULL)
    {
      g_mutex_unlock (&self->mutex);
      g_unlink (partial);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Unknown upload");
      return FALSE;
    }

  if (part == 0)
    final = g_build_filename (self->directory, upload->file_id, NULL);
  else
    final = part_path (self, token, part, FALSE);

  if (g_rename (partial, final) != 0 || g_stat (final, &st) != 0)
    {
      int saved = errno;
      g_mutex_unlock (&self->mutex);
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "Cannot store the upload: %s", g_strerror (saved));
      return FALSE;
    }

  if (part == 0)
    {
      /* The PUT's own Content-Type wins over the one given at initiate,
       * as on a real signed-URL upload. */
      FalLocalFile *file = register_file (self, upload->file_id, final,
                                          content_type ? content_type : upload->content_type,
                                          upload->file_name, st.st_size);

      file->expires_at = expiry_after (upload->lifetime);
      /* A signed upload URL is good for one upload: the file it made is
       * served as immutable. */
      g_hash_table_remove (self->uploads, token);
    }
  else
    {
      g_autofree char *seed = g_strdup_printf ("%s:%u:%" G_GINT64_FORMAT, token, part, (gint64) st.st_size);
      char *tag = g_compute_checksum_for_string (G_CHECKSUM_SHA1, seed, -1);

      g_hash_table_replace (upload->part_etags, GUINT_TO_POINTER (part), tag);
      if (etag)
        *etag = g_strdup (tag);
    }
  g_mutex_unlock (&self->mutex);

  return TRUE;
}

gboolean
fal_local_storage_complete_multipart (FalLocalStorage *self,
                                      const char      *token,
                                      const guint     *part_numbers,
                                      const char     **etags,
                                      guint            n_parts,
                                      char           **file_id,
                                      GError         **error)
{
  g_autofree char *id = NULL;
  g_autofree char *content_type = NULL;
  g_autofree char *file_name = NULL;
  char **paths;
  Upload *upload;
  goffset total = 0;
  gint64 lifetime = 0;

  g_mutex_lock (&self->mutex);
  upload = g_hash_table_lookup (self->uploads, token);
  if (upload == NULL || !upload->multipart)
    {
      g_mutex_unlock (&self->mutex);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Unknown multipart upload");
      return FALSE;
    }
  if (n_parts == 0)
    {
      g_mutex_unlock (&self->mutex);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "No parts given");
      return FALSE;
    }
  for (guint i = 0; i < n_parts; i++)
    {
      const char *known = g_hash_table_lookup (upload->part_etags, GUINT_TO_POINTER (part_numbers[i]));

      if (known == NULL || (etags[i] && g_strcmp0 (known, etags[i]) != 0))
        {
          g_mutex_unlock (&self->mutex);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Part %u was not uploaded or its etag does not match", part_numbers[i]);
          return FALSE;
        }
    }
  id = g_strdup (upload->file_id);
  content_type = g_strdup (upload->content_type);
  file_name = g_strdup (upload->file_name);
  lifetime = upload->lifetime;
  g_mutex_unlock (&self->mutex);

  /* Each part becomes a piece of the file, in the order given. */
  paths = g_new0 (char *, n_parts + 1);
  for (guint i = 0; i < n_parts; i++)
    {
      g_autofree char *from = part_path (self, token, part_numbers[i], FALSE);
      g_autofree char *name = g_strdup_printf ("%s.%u", id, i);
      GStatBuf st;

      paths[i] = g_build_filename (self->directory, name, NULL);
      if (g_rename (from, paths[i]) != 0 || g_stat (paths[i], &st) != 0)
        {
          int saved = errno;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                       "Cannot store part %u: %s", part_numbers[i], g_strerror (saved));
          /* The parts go back: a later complete can still succeed, and no
           * piece is left without a file. */
          for (guint j = 0; j < i; j++)
            {
              g_autofree char *back = part_path (self, token, part_numbers[j], FALSE);
              g_rename (paths[j], back);
            }
          g_strfreev (paths);
          return FALSE;
        }
      total += st.st_size;
    }

  g_mutex_lock (&self->mutex);
  upload = g_hash_table_lookup (self->uploads, token);
  if (upload)
    {
      GHashTableIter iter;
      gpointer key;

      g_hash_table_iter_init (&iter, upload->part_etags);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          g_autofree char *path = part_path (self, token, GPOINTER_TO_UINT (key), FALSE);
          g_unlink (path);
        }
      g_hash_table_remove (self->uploads, token);
    }
  register_pieces (self, id, paths, content_type, file_name, total)->expires_at = expiry_after (lifetime);
  g_mutex_unlock (&self->mutex);

  *file_id = g_steal_pointer (&id);
  return TRUE;
}

char *
fal_local_storage_upload_file_id (FalLocalStorage *self,
                                  const char      *token)
{
  Upload *upload;
  char *file_id;

  g_mutex_lock (&self->mutex);
  upload = g_hash_table_lookup (self->uploads, token);
  file_id = upload ? g_strdup (upload->file_id) : NULL;
  g_mutex_unlock (&self->mutex);

  return file_id;
}
