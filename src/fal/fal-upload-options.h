/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * FalUploadOptions:
 * @multipart_threshold: multipart when the file is bigger; 0: 90 MiB,
 *   %G_MAXUINT64: never
 * @part_size: bytes of one part; 0: 10 MiB
 * @max_parallel: parts in flight at once; 0: 4
 *
 * Tuning of an upload (fal_client_upload_full()), mostly for tests and
 * benchmarks; zeros take the defaults.
 */
typedef struct {
  guint64 multipart_threshold;
  guint64 part_size;
  guint max_parallel;
} FalUploadOptions;

#define FAL_TYPE_UPLOAD_OPTIONS (fal_upload_options_get_type ())
GType             fal_upload_options_get_type (void) G_GNUC_CONST;

FalUploadOptions *fal_upload_options_new      (void);
FalUploadOptions *fal_upload_options_copy     (const FalUploadOptions *options);
void              fal_upload_options_free     (FalUploadOptions       *options);

G_END_DECLS
