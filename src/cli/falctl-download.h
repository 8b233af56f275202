/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal.h"

G_BEGIN_DECLS

/* Downloads every media file the result names (objects with a "url") into
 * dir, without the key (fal_client_download_async: the client's caps and
 * redirect policy); two outputs of the same name, or a file already
 * there, give name-2.ext, … (nothing is overwritten); prints each saved
 * path on stderr, control characters escaped. */
gboolean falctl_download_outputs (FalClient    *client,
                                  JsonNode     *result,
                                  const char   *dir,
                                  GCancellable *cancellable,
                                  GError      **error);

G_END_DECLS
