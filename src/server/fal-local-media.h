/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Real (but small) media synthesis for the local fake fal server: the
 * simulated models produce actual PNG, WAV and AVI files derived
 * deterministically from their arguments. All functions are thread-safe.
 */
#pragma once

#include <glib.h>
#include <gio/gio.h>
#include <cairo.h>

G_BEGIN_DECLS

#define FAL_LOCAL_MEDIA_MAX_SIDE 4096   /* larger image sides are rejected by the server with 422 */

/* Text-to-image: PNG bytes of a seeded abstract picture with the prompt
 * and "seed N" in a caption box. width/height 1..FAL_LOCAL_MEDIA_MAX_SIDE. */
GBytes *fal_local_media_render_image (const char *prompt, gint64 seed, guint index, int width, int height, GError **error);

/* Decodes PNG or JPEG bytes into a new CAIRO_FORMAT_ARGB32 or RGB24 surface. */
cairo_surface_t *fal_local_media_decode_image (GBytes *bytes, GError **error);

/* Image-to-image: PNG bytes of a transformed @source. strength 0..1 (else
 * error; 0 = the source resampled, plus the caption). A width or height of
 * 0 takes the source's width or height. */
GBytes *fal_local_media_transform_image (GBytes *source, const char *prompt, gint64 seed, double strength, int width, int height, int *out_width, int *out_height, GError **error);

/* Vision: an English description of the decoded image. */
char *fal_local_media_describe_image (GBytes *source, const char *prompt, GError **error);

/* Audio: RIFF/WAVE, PCM 16-bit mono 22050 Hz, 0 < seconds <= 600. */
GBytes *fal_local_media_render_wav (const char *prompt, gint64 seed, double seconds, GError **error);

/* Parses a PCM RIFF/WAVE header. Any out argument may be NULL. */
gboolean fal_local_media_wav_info (GBytes *wav, double *seconds, guint *sample_rate, guint *channels, GError **error);

/* Video: an MJPEG AVI. width/height even 16..1920, n_frames 1..600, fps 1..60. */
GBytes *fal_local_media_render_video (const char *prompt, gint64 seed, int width, int height, guint n_frames, guint fps, GError **error);

/* Pixel size from PNG or JPEG header bytes, without decoding. */
gboolean fal_local_media_image_size (GBytes *bytes, int *width, int *height, GError **error);

G_END_DECLS
