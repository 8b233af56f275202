/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A large image with zoom and pan that stays smooth on 4096² images.
 * The image is decoded once in a worker thread and kept in memory (with
 * half-size levels below it); each frame draws one texture of just the
 * visible rectangle at screen resolution, made in a worker thread from the
 * nearest level, while the last frame is shown moved and scaled in the
 * meantime. The full texture is never drawn. Put it in a
 * GtkScrolledWindow (it is GtkScrollable). Ctrl+scroll and pinch zoom at
 * the pointer, dragging pans, a double click toggles fit and 100 %. */
#define FALSTAFF_TYPE_ZOOM_VIEW (falstaff_zoom_view_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffZoomView, falstaff_zoom_view, FALSTAFF, ZOOM_VIEW, GtkWidget)

GtkWidget  *falstaff_zoom_view_new               (void);
/* Encoded image bytes (PNG, JPEG, WebP if the loader is there); decoding
 * starts at once (notify::loading, then notify::image-width). */
void        falstaff_zoom_view_set_bytes         (FalstaffZoomView *self,
                                                  GBytes           *image);
gboolean    falstaff_zoom_view_get_loading       (FalstaffZoomView *self);
/* Why the last image could not be decoded, else NULL. */
const char *falstaff_zoom_view_get_error_message (FalstaffZoomView *self);
/* FALSE until decoded. */
gboolean    falstaff_zoom_view_get_image_size    (FalstaffZoomView *self,
                                                  int              *width,
                                                  int              *height);

/* 1.0 = one image pixel per logical pixel. Clamped to 1 %–3200 %. */
double      falstaff_zoom_view_get_zoom          (FalstaffZoomView *self);
/* Zooms around the centre of the view. */
void        falstaff_zoom_view_set_zoom          (FalstaffZoomView *self,
                                                  double            zoom);
/* Zooms keeping the image point under (x, y) (widget coordinates) there. */
void        falstaff_zoom_view_set_zoom_at       (FalstaffZoomView *self,
                                                  double            zoom,
                                                  double            x,
                                                  double            y);
void        falstaff_zoom_view_zoom_in           (FalstaffZoomView *self);
void        falstaff_zoom_view_zoom_out          (FalstaffZoomView *self);
/* The whole image in the view (never enlarged past 100 %), also after
 * resizes, until zoomed. */
void        falstaff_zoom_view_zoom_fit          (FalstaffZoomView *self);
gboolean    falstaff_zoom_view_get_fit           (FalstaffZoomView *self);

/* For tests and benchmarks: the pixel size of the texture the last frame
 * drew (0 × 0 before the first), whether the frame there is made for the
 * current zoom and position (rather than the previous one moved, until
 * the worker has made it), and how many frames were rendered. */
void        falstaff_zoom_view_get_drawn_size    (FalstaffZoomView *self,
                                                  int              *width,
                                                  int              *height);
gboolean    falstaff_zoom_view_is_frame_current  (FalstaffZoomView *self);
guint       falstaff_zoom_view_get_n_renders     (FalstaffZoomView *self);

G_END_DECLS
