/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Downloads an image (never with the key: a session of the caller's that
 * has none) and decodes it in a worker thread, scaled to fit max_size, so
 * the gallery never draws full-size textures. Reports the full size too. */
void        falstaff_image_loader_load_async  (SoupSession         *session,
                                               const char          *url,
                                               int                  max_size,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GdkTexture *falstaff_image_loader_load_finish (GAsyncResult        *result,
                                               int                 *full_width,
                                               int                 *full_height,
                                               GError             **error);
/* The same, from bytes already in memory. */
void        falstaff_image_loader_decode_async (GBytes              *bytes,
                                                int                  max_size,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);

G_END_DECLS
