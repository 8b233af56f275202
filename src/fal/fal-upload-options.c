/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-upload-options.h"

G_DEFINE_BOXED_TYPE (FalUploadOptions, fal_upload_options, fal_upload_options_copy, fal_upload_options_free)

/**
 * fal_upload_options_new:
 *
 * Returns: (transfer full): options that take every default (all zeros)
 */
FalUploadOptions *
fal_upload_options_new (void)
{
  return g_new0 (FalUploadOptions, 1);
}

/**
 * fal_upload_options_copy:
 * @options: options
 *
 * Returns: (transfer full): a copy of @options
 */
FalUploadOptions *
fal_upload_options_copy (const FalUploadOptions *options)
{
  g_return_val_if_fail (options != NULL, NULL);

  return g_memdup2 (options, sizeof *options);
}

/**
 * fal_upload_options_free:
 * @options: (nullable) (transfer full): options from
 *   fal_upload_options_new() or fal_upload_options_copy()
 */
void
fal_upload_options_free (FalUploadOptions *options)
{
  g_free (options);
}
