/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Downloads every media file the result names (objects with a "url") into
 * dir, without the key; prints each saved path on stderr. */
gboolean falctl_download_outputs (JsonNode    *result,
                                  const char  *dir,
                                  GError     **error);

G_END_DECLS
