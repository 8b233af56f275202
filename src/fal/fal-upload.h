/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fal-client.h"
#include "fal-upload-options.h"

G_BEGIN_DECLS

/**
 * FAL_UPLOAD_MULTIPART_THRESHOLD:
 *
 * Spec §5.2: above this size the JS client switches to multipart.
 */
#define FAL_UPLOAD_MULTIPART_THRESHOLD (90 * 1024 * 1024)
/**
 * FAL_UPLOAD_PART_SIZE:
 *
 * Bytes of one part of a multipart upload.
 */
#define FAL_UPLOAD_PART_SIZE           (10 * 1024 * 1024)
/**
 * FAL_UPLOAD_PART_TRIES:
 *
 * Tries of one part before the upload fails.
 */
#define FAL_UPLOAD_PART_TRIES          3
/**
 * FAL_UPLOAD_MAX_PARALLEL:
 *
 * Parts in flight at once, by default.
 */
#define FAL_UPLOAD_MAX_PARALLEL        4

/**
 * FalUploadState:
 * @FAL_UPLOAD_PENDING: reading the file's details, asking for an upload URL
 * @FAL_UPLOAD_UPLOADING: bytes are moving
 * @FAL_UPLOAD_DONE: the URL is set
 * @FAL_UPLOAD_FAILED: the error is set
 * @FAL_UPLOAD_CANCELLED: the error is set (%FAL_ERROR_CANCELLED)
 *
 * Where an upload stands.
 */
typedef enum {
  FAL_UPLOAD_PENDING,
  FAL_UPLOAD_UPLOADING,
  FAL_UPLOAD_DONE,
  FAL_UPLOAD_FAILED,
  FAL_UPLOAD_CANCELLED,
} FalUploadState;

GType fal_upload_state_get_type (void);
#define FAL_TYPE_UPLOAD_STATE (fal_upload_state_get_type ())

/**
 * FalUpload:
 *
 * One file going to fal's CDN (spec §5.1, §5.2): initiate on the rest
 * base (the only call that carries the key), then the bytes, streamed
 * from disk in worker threads (the caller's main loop never waits on the
 * disk or the network): one PUT, or above 90 MiB 10 MiB parts, several
 * in flight, each tried 3 times, then complete. Properties change on the
 * thread that created the upload; #FalUpload:bytes-sent is notified at
 * most every 16 ms, and at least every 250 ms while bytes move, and never
 * goes back (a retried part counts once). #FalUpload::finished is emitted
 * once, when the state becomes DONE, FAILED or CANCELLED.
 *
 * An empty file fails with %FAL_ERROR_APP, error type "file_empty"; a
 * file that cannot be read (missing, a folder, no permission) with
 * %FAL_ERROR_APP, error type "file_unreadable"; a file that shrinks while
 * it is read with error type "file_changed".
 */
#define FAL_TYPE_UPLOAD (fal_upload_get_type ())
G_DECLARE_FINAL_TYPE (FalUpload, fal_upload, FAL, UPLOAD, GObject)

/**
 * fal_client_upload:
 * @client: a client
 * @file: the file to upload
 * @content_type: (nullable): its content type; %NULL: guessed from the
 *   name and the first bytes
 *
 * Uploads @file to fal's CDN; it starts at once.
 *
 * Returns: (transfer full): the upload
 */
FalUpload      *fal_client_upload             (FalClient              *client,
                                               GFile                  *file,
                                               const char             *content_type);
/**
 * fal_client_upload_full:
 * @client: a client
 * @file: the file to upload
 * @content_type: (nullable): its content type, or %NULL to guess it
 * @options: (nullable): tuning; %NULL for the defaults
 *
 * The same as fal_client_upload(), tuned.
 *
 * Returns: (transfer full): the upload
 */
FalUpload      *fal_client_upload_full        (FalClient              *client,
                                               GFile                  *file,
                                               const char             *content_type,
                                               const FalUploadOptions *options);

/**
 * fal_upload_get_file:
 * @self: an upload
 *
 * Returns: (transfer none): the file
 */
GFile          *fal_upload_get_file           (FalUpload *self);
/**
 * fal_upload_get_content_type:
 * @self: an upload
 *
 * Returns: (transfer none) (nullable): the content type; %NULL until known
 *   (guessed, or given)
 */
const char     *fal_upload_get_content_type   (FalUpload *self);
/**
 * fal_upload_get_bytes_sent:
 * @self: an upload
 *
 * Returns: the bytes sent so far
 */
guint64         fal_upload_get_bytes_sent     (FalUpload *self);
/**
 * fal_upload_get_bytes_total:
 * @self: an upload
 *
 * Returns: the file's size; 0 until known
 */
guint64         fal_upload_get_bytes_total    (FalUpload *self);
/**
 * fal_upload_get_multipart:
 * @self: an upload
 *
 * Returns: whether the parts path is taken (known once UPLOADING)
 */
gboolean        fal_upload_get_multipart      (FalUpload *self);
/**
 * fal_upload_get_state:
 * @self: an upload
 *
 * Returns: where it stands
 */
FalUploadState  fal_upload_get_state          (FalUpload *self);
/**
 * fal_upload_get_url:
 * @self: an upload
 *
 * Returns: (transfer none) (nullable): the file URL once DONE, else %NULL
 */
const char     *fal_upload_get_url            (FalUpload *self);
/**
 * fal_upload_get_error:
 * @self: an upload
 *
 * Returns: (transfer none) (nullable): why it failed, or %NULL
 */
const GError   *fal_upload_get_error          (FalUpload *self);
/**
 * fal_upload_is_finished:
 * @self: an upload
 *
 * Returns: whether it is DONE, FAILED or CANCELLED
 */
gboolean        fal_upload_is_finished        (FalUpload *self);

/**
 * fal_upload_cancel:
 * @self: an upload
 *
 * Stops the transfer; the state becomes CANCELLED at once (worker
 * threads wind down on their own). Nothing happens once finished.
 */
void            fal_upload_cancel             (FalUpload *self);

/**
 * fal_upload_wait_async:
 * @self: an upload
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once it is finished
 * @user_data: (closure): data for @callback
 *
 * Waits for the upload to finish.
 */
void            fal_upload_wait_async         (FalUpload           *self,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/**
 * fal_upload_wait_finish:
 * @self: an upload
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full): the file URL once DONE, or %NULL with the error
 */
char           *fal_upload_wait_finish        (FalUpload     *self,
                                               GAsyncResult  *result,
                                               GError       **error);

G_END_DECLS
