/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-client.h"
#include "fal-upload.h"

G_BEGIN_DECLS

/**
 * FAL_AUTO_UPLOAD_MAX_PARALLEL:
 *
 * Files uploaded at once by auto-upload, by default.
 */
#define FAL_AUTO_UPLOAD_MAX_PARALLEL 3

/**
 * fal_client_upload_inputs_async:
 * @client: a client
 * @input: the input of a call
 * @file_paths: (nullable) (array zero-terminated=1): the paths of the
 *   values in @input that are files
 * @max_parallel: files uploaded at once; 0: 3
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new input
 * @user_data: (closure): data for @callback
 *
 * Auto-upload (spec §5.5), limited to what the person chose: @file_paths
 * mark the values in @input that are files — the form's file fields,
 * falctl's `-i name=@FILE`. A path is slash-separated member names and
 * array indexes ("image_url", "images/0", "loras/1/path"); a segment "*"
 * stands for every element of an array (or member of an object), so
 * "images" then "*" marks every image. "~1" and "~0" spell a '/' and a
 * '~' in a name (as in JSON Pointer), and a leading '/' is allowed. Paths
 * that lead nowhere are ignored.
 *
 * A marked string that is an absolute local path or a file:// URI is
 * uploaded (at most @max_parallel files at once; the same file once) and
 * replaced by its URL in a deep copy of @input, which is the result.
 * Anything else — unmarked values (even "file://…" typed into a prompt),
 * http(s) URLs, data: URIs, relative paths, non-strings — is left as it
 * is. The first failure cancels the other uploads; its error's message
 * starts with the path ("images/1: photo.png is empty (0 bytes)").
 */
void      fal_client_upload_inputs_async      (FalClient           *client,
                                               JsonNode            *input,
                                               const char * const  *file_paths,
                                               guint                max_parallel,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/**
 * fal_client_upload_inputs_full_async:
 * @client: a client
 * @input: the input of a call
 * @file_paths: (nullable) (array zero-terminated=1): the paths of the
 *   values in @input that are files
 * @max_parallel: files uploaded at once; 0: 3
 * @uploads: (nullable): a #GListStore of #FalUpload that gets each upload
 *   as it starts, for a UI to show its progress
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called with the new input
 * @user_data: (closure): data for @callback
 *
 * The same as fal_client_upload_inputs_async(), showing its uploads.
 */
void      fal_client_upload_inputs_full_async (FalClient           *client,
                                               JsonNode            *input,
                                               const char * const  *file_paths,
                                               guint                max_parallel,
                                               GListStore          *uploads,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/**
 * fal_client_upload_inputs_finish:
 * @client: a client
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Finishes fal_client_upload_inputs_async() and
 * fal_client_upload_inputs_full_async().
 *
 * Returns: (transfer full): the input with the marked files replaced by
 *   their URLs, or %NULL with @error set
 */
JsonNode *fal_client_upload_inputs_finish     (FalClient     *client,
                                               GAsyncResult  *result,
                                               GError       **error);

/**
 * fal_auto_upload_file_for_value:
 * @value: a marked value
 *
 * Whether a marked value would be uploaded.
 *
 * Returns: (transfer full) (nullable): the local file it names, or %NULL
 *   (URLs, data: URIs, relative paths, file: URIs of other hosts)
 */
GFile    *fal_auto_upload_file_for_value      (const char *value);

G_END_DECLS
