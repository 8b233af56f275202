/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The fake CDN: files on disk under a data directory, reached by id;
 * small stored bytes (generated thumbnails, test files) may be kept in
 * memory instead, up to a bound, since creating and deleting a file per
 * output cost more than rendering it. Thread-safe: workers store
 * generated media while the server thread serves uploads and downloads. */
#define FAL_LOCAL_TYPE_STORAGE (fal_local_storage_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalStorage, fal_local_storage, FAL_LOCAL, STORAGE, GObject)

typedef struct {
  char *id;
  char **paths;      /* the file's pieces, in order: one, or a multipart upload's parts; empty when in memory */
  GBytes *bytes;     /* the whole file when kept in memory, else NULL */
  char *content_type;
  char *file_name;
  goffset size;
  gint64 expires_at; /* monotonic µs; 0 = kept for the server's life */
} FalLocalFile;

FalLocalStorage *fal_local_storage_new          (const char  *directory,
                                                 GError     **error);

/* Stores bytes as a new file; returns its id. */
/* Files kept at most, by count and by bytes; past either the oldest are
 * forgotten (404) and deleted. */
#define FAL_LOCAL_STORAGE_MAX_FILES 20000
#define FAL_LOCAL_STORAGE_MAX_BYTES (G_GUINT64_CONSTANT (4) * 1024 * 1024 * 1024)
void             fal_local_storage_set_limits   (FalLocalStorage *self,
                                                 guint            max_files,
                                                 guint64          max_bytes);
/* put_bytes keeps a file of at most max_file bytes in memory while all
 * such files stay within max_total; others go to the disk. By default
 * none is kept in memory. */
#define FAL_LOCAL_STORAGE_MEMORY_FILE_MAX (64 * 1024)
void             fal_local_storage_set_memory_limits (FalLocalStorage *self,
                                                      gsize            max_file,
                                                      guint64          max_total);
char            *fal_local_storage_put_bytes    (FalLocalStorage *self,
                                                 GBytes          *bytes,
                                                 const char      *content_type,
                                                 const char      *file_name,
                                                 GError         **error);
/* How many files are kept (on disk or in memory). */
guint            fal_local_storage_get_n_files  (FalLocalStorage *self);
/* The file expires lifetime µs from now (0: never); an expired file is
 * deleted and is then not found. */
void             fal_local_storage_set_lifetime (FalLocalStorage *self,
                                                 const char      *file_id,
                                                 gint64           lifetime);
/* The file an upload makes expires lifetime µs after it is complete. */
void             fal_local_storage_set_upload_lifetime (FalLocalStorage *self,
                                                        const char      *token,
                                                        gint64           lifetime);
/* A copy of the file's record, or NULL (also once it expired). */
FalLocalFile    *fal_local_storage_lookup       (FalLocalStorage *self,
                                                 const char      *file_id);
/* The whole file (parts are joined: for model inputs, which are small). */
GBytes          *fal_local_storage_read         (FalLocalStorage *self,
                                                 const char      *file_id,
                                                 GError         **error);
/* The file as mapped pieces (GBytes), to serve without copying. */
GPtrArray       *fal_local_storage_read_pieces  (FalLocalStorage *self,
                                                 const char      *file_id,
                                                 GError         **error);
void             fal_local_file_free            (FalLocalFile *file);

/* Uploads: initiate gives a token for the upload URL and the id of the
 * file it will become. */
char            *fal_local_storage_initiate     (FalLocalStorage *self,
                                                 const char      *content_type,
                                                 const char      *file_name,
                                                 gboolean         multipart,
                                                 char           **file_id);
gboolean         fal_local_storage_has_upload   (FalLocalStorage *self,
                                                 const char      *token,
                                                 gboolean         multipart);
/* A stream to write one PUT body (part 0 = a single upload) into; the
 * upload becomes visible only once finished with success. */
GOutputStream   *fal_local_storage_begin_put    (FalLocalStorage *self,
                                                 const char      *token,
                                                 guint            part,
                                                 GError         **error);
gboolean         fal_local_storage_finish_put   (FalLocalStorage *self,
                                                 const char      *token,
                                                 guint            part,
                                                 gboolean         success,
                                                 const char      *content_type,
                                                 char           **etag,
                                                 GError         **error);
/* Makes the parts, in the order given, the pieces of the file: nothing is
 * copied, so completing a GiB takes no time. */
gboolean         fal_local_storage_complete_multipart (FalLocalStorage *self,
                                                       const char      *token,
                                                       const guint     *part_numbers,
                                                       const char     **etags,
                                                       guint            n_parts,
                                                       char           **file_id,
                                                       GError         **error);

/* The id of the file a multipart upload makes, or NULL. */
char            *fal_local_storage_upload_file_id  (FalLocalStorage *self,
                                                    const char      *token);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalLocalFile, fal_local_file_free)

G_END_DECLS
