/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fal-client.h"

G_BEGIN_DECLS

/* Spec §5.2: above this size the JS client switches to multipart. */
#define FAL_UPLOAD_MULTIPART_THRESHOLD (90 * 1024 * 1024)
#define FAL_UPLOAD_PART_SIZE           (10 * 1024 * 1024)
#define FAL_UPLOAD_PART_TRIES          3
#define FAL_UPLOAD_MAX_PARALLEL        4

typedef enum {
  FAL_UPLOAD_PENDING,      /* reading the file's details, asking for an upload URL */
  FAL_UPLOAD_UPLOADING,    /* bytes are moving */
  FAL_UPLOAD_DONE,         /* url is set */
  FAL_UPLOAD_FAILED,       /* error is set */
  FAL_UPLOAD_CANCELLED,    /* error is set (FAL_ERROR_CANCELLED) */
} FalUploadState;

GType fal_upload_state_get_type (void);
#define FAL_TYPE_UPLOAD_STATE (fal_upload_state_get_type ())

/* Tuning, mostly for tests and benchmarks; zeros take the defaults. */
typedef struct {
  guint64 multipart_threshold;   /* multipart when the size is above; 0: 90 MiB, G_MAXUINT64: never */
  guint64 part_size;             /* 0: 10 MiB */
  guint max_parallel;            /* parts in flight at once; 0: 4 */
} FalUploadOptions;

/* One file going to fal's CDN (spec §5.1, §5.2): initiate on the rest
 * base (the only call that carries the key), then the bytes, streamed
 * from disk in worker threads (the caller's main loop never waits on the
 * disk or the network): one PUT, or above 90 MiB 10 MiB parts, several
 * in flight, each tried 3 times, then complete. Properties change on the
 * thread that created the upload; bytes-sent is notified at most every
 * 16 ms, and at least every 250 ms while bytes move, and never goes
 * back (a retried part counts once). "finished" is emitted once, when
 * the state becomes DONE, FAILED or CANCELLED.
 *
 * An empty file fails with FAL_ERROR_APP, error type "file_empty"; a
 * file that cannot be read (missing, a folder, no permission) with
 * FAL_ERROR_APP, error type "file_unreadable"; a file that shrinks while
 * it is read with error type "file_changed". */
#define FAL_TYPE_UPLOAD (fal_upload_get_type ())
G_DECLARE_FINAL_TYPE (FalUpload, fal_upload, FAL, UPLOAD, GObject)

/* Starts at once. content_type NULL: guessed from the name and the first
 * bytes. */
FalUpload      *fal_client_upload             (FalClient              *client,
                                               GFile                  *file,
                                               const char             *content_type);
FalUpload      *fal_client_upload_full        (FalClient              *client,
                                               GFile                  *file,
                                               const char             *content_type,
                                               const FalUploadOptions *options);

GFile          *fal_upload_get_file           (FalUpload *self);
/* NULL until known (guessed, or given). */
const char     *fal_upload_get_content_type   (FalUpload *self);
guint64         fal_upload_get_bytes_sent     (FalUpload *self);
/* 0 until the file's size is known. */
guint64         fal_upload_get_bytes_total    (FalUpload *self);
/* Whether the parts path is taken (known once UPLOADING). */
gboolean        fal_upload_get_multipart      (FalUpload *self);
FalUploadState  fal_upload_get_state          (FalUpload *self);
/* The file_url, once DONE. */
const char     *fal_upload_get_url            (FalUpload *self);
const GError   *fal_upload_get_error          (FalUpload *self);
gboolean        fal_upload_is_finished        (FalUpload *self);

/* Stops the transfer; the state becomes CANCELLED at once (worker
 * threads wind down on their own). Nothing happens once finished. */
void            fal_upload_cancel             (FalUpload *self);

/* The URL once DONE, or the error. */
void            fal_upload_wait_async         (FalUpload           *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
char           *fal_upload_wait_finish        (FalUpload     *self,
                                               GAsyncResult  *result,
                                               GError       **error);

G_END_DECLS
