/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Downloads an image (never with the key: a session of the caller's that
 * has none) and decodes it in a worker thread, scaled to fit max_size, so
 * the gallery never draws full-size textures. Reports the full size too.
 * @url: http(s), data:, or file: (a kept output, read in the worker). */
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

/* Thread-safe helpers for decoding workers. An image's pixels, scaled to
 * fit max_size (0: full size); full_width/height get the size before. */
GdkPixbuf  *falstaff_image_decode             (GBytes              *bytes,
                                               int                  max_size,
                                               int                 *full_width,
                                               int                 *full_height,
                                               GError             **error);
/* The same for a local file, read in blocks (call it from a worker). */
GdkPixbuf  *falstaff_image_decode_file        (const char          *path,
                                               int                  max_size,
                                               int                 *full_width,
                                               int                 *full_height,
                                               GCancellable        *cancellable,
                                               GError             **error);
/* An immutable texture of the pixbuf's pixels (safe off the main thread). */
GdkTexture *falstaff_texture_new_for_pixbuf   (GdkPixbuf           *pixbuf);
/* How many textures falstaff_texture_new_for_pixbuf() made are still
 * alive, and (bytes) their pixels: what the app holds of decoded images. */
guint       falstaff_texture_count_live       (gint64              *bytes);

/* Runs func for task on one of two image threads of lower priority (nice
 * 10 on Linux): decodes and scales never take the cores from the main
 * thread. Tasks of a higher priority (g_task_set_priority(); thumbnails
 * in bulk are G_PRIORITY_LOW) go first. Takes a reference on task. */
void        falstaff_image_run_in_background (GTask           *task,
                                              GTaskThreadFunc  func);

G_END_DECLS
