/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* File names for saved outputs, from the app and falctl (no GTK). */

/**
 * fal_file_name_sanitize:
 * @name: a name
 * @fallback: the name when nothing is left
 *
 * A name safe to offer in a save dialog: no '/', '\\' or other
 * characters file systems refuse (<>:"|?*), no control characters, no
 * leading dots or spaces, no trailing dots or spaces, valid UTF-8, at most
 * 200 bytes (the extension kept).
 *
 * Returns: (transfer full): the name, or a copy of @fallback when nothing
 *   is left
 */
char *fal_file_name_sanitize (const char *name,
                              const char *fallback);
/**
 * fal_file_name_from_url:
 * @url: a URL
 * @content_type: (nullable): the content type of what it names
 *
 * The last path segment of @url, unescaped and sanitised, with an
 * extension from @content_type when it has none; "output" plus that
 * extension when the URL has no usable name (data: URLs).
 *
 * Returns: (transfer full): a file name
 */
char *fal_file_name_from_url (const char *url,
                              const char *content_type);
/**
 * fal_file_name_extension_for_type:
 * @content_type: a content type
 *
 * Returns: (transfer none) (nullable): ".png" for "image/png", …; %NULL
 *   when unknown
 */
const char *fal_file_name_extension_for_type (const char *content_type);

G_END_DECLS
