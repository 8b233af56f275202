/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Keeps a run's output media on disk, so the history works offline and
 * after fal's URLs expire: outputs/<run id>/<hash of the URL>.<ext>, plus
 * small thumbnails in a disk cache, thumbnails/<run id>-<hash>-<size>.png.
 *
 * Media are fetched with a session of the keeper's own that never carries
 * the fal key; plain http only to this computer (the local server), else
 * https; data: URIs are decoded. Downloads stream to a hidden part file
 * that is renamed when complete, so a kept file is always whole. */
#define FALSTAFF_TYPE_OUTPUT_KEEPER (falstaff_output_keeper_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffOutputKeeper, falstaff_output_keeper, FALSTAFF, OUTPUT_KEEPER, GObject)

/* Largest file kept (2 GiB): a bigger one is an error for that URL. */
#define FALSTAFF_OUTPUT_KEEPER_MAX_FILE_SIZE (G_GINT64_CONSTANT (2) << 30)

/* NULL dirs: g_get_user_data_dir()/falstaff/outputs and
 * g_get_user_cache_dir()/falstaff/thumbnails. Folders are made when
 * needed. */
FalstaffOutputKeeper *falstaff_output_keeper_new            (const char            *outputs_dir,
                                                             const char            *thumbnails_dir);
const char           *falstaff_output_keeper_get_outputs_dir    (FalstaffOutputKeeper *self);
const char           *falstaff_output_keeper_get_thumbnails_dir (FalstaffOutputKeeper *self);

/* The media URLs of a fal result, in the order found: images[].url,
 * image.url, video.url, audio.url, audio_file.url and any object with a
 * "url" and a "content_type", "file_name", "width" or "file_size" whose
 * type (or, without one, the URL's or file name's extension) is an image,
 * video, audio or 3D model. Text, JSON and other files are left out.
 * Each URL once. */
GPtrArray            *falstaff_output_keeper_find_media     (JsonNode              *result);

/* Downloads every media URL of @result (falstaff_output_keeper_find_media())
 * into outputs/<run_id>/, a few at once. Files already kept are not
 * fetched again, so keeping twice downloads once. One URL failing does
 * not stop the others. */
void                  falstaff_output_keeper_keep_async     (FalstaffOutputKeeper  *self,
                                                             gint64                 run_id,
                                                             JsonNode              *result,
                                                             GCancellable          *cancellable,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
/* @n_kept: how many of the URLs are kept now (already or just now).
 * FALSE with the first URL's error when any failed (n_kept still set). */
gboolean              falstaff_output_keeper_keep_finish    (FalstaffOutputKeeper  *self,
                                                             GAsyncResult          *result,
                                                             guint                 *n_kept,
                                                             GError               **error);

/* The kept file's path for @url of run @run_id, or NULL when it is not
 * kept. No network, no database: the name comes from the URL, and one
 * small folder is looked at. */
char                 *falstaff_output_keeper_lookup         (FalstaffOutputKeeper  *self,
                                                             gint64                 run_id,
                                                             const char            *url);

/* An image's thumbnail, at most @size pixels a side: from the cache when
 * there, else decoded from the kept file (or downloaded from @url when it
 * is not kept) scaled in a worker thread, and saved to the cache. */
void                  falstaff_output_keeper_load_thumbnail_async  (FalstaffOutputKeeper *self,
                                                                    gint64                run_id,
                                                                    const char           *url,
                                                                    int                   size,
                                                                    GCancellable         *cancellable,
                                                                    GAsyncReadyCallback   callback,
                                                                    gpointer              user_data);
GdkTexture           *falstaff_output_keeper_load_thumbnail_finish (FalstaffOutputKeeper *self,
                                                                    GAsyncResult         *result,
                                                                    GError              **error);

/* Removes these runs' kept outputs and thumbnails (in a worker thread),
 * and stops their downloads still under way. */
void                  falstaff_output_keeper_delete_async   (FalstaffOutputKeeper  *self,
                                                             const gint64          *run_ids,
                                                             guint                  n_run_ids,
                                                             GCancellable          *cancellable,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
gboolean              falstaff_output_keeper_delete_finish  (FalstaffOutputKeeper  *self,
                                                             GAsyncResult          *result,
                                                             GError               **error);

G_END_DECLS
