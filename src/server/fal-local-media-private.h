/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/* Shared by the fal-local-media-*.c role files: hashing and the seeded
 * PRNG, prompt words, colours and palettes, cairo and caption helpers,
 * byte order, libjpeg error handling and pixel access. */

#include <stdio.h>
#include <setjmp.h>

#include <jpeglib.h>

#include "fal-local-media.h"

G_BEGIN_DECLS

#define MIN_TEXT_SIDE 64

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
#define JPEG_CAIRO_COLORSPACE JCS_EXT_BGRX
#else
#define JPEG_CAIRO_COLORSPACE JCS_EXT_XRGB
#endif

/* Hashing and a tiny seeded PRNG */

typedef struct
{
  guint64 state;
} Rng;

guint64 _fal_local_media_args_hash (const char *tag, const char *prompt, gint64 seed, guint64 extra);
guint64 _fal_local_media_rng_next (Rng *rng);
double _fal_local_media_rng_double (Rng *rng);
double _fal_local_media_rng_range (Rng *rng, double lo, double hi);
int _fal_local_media_rng_int (Rng *rng, int n);

/* Prompt helpers */

char *_fal_local_media_clean_prompt (const char *prompt);
char **_fal_local_media_prompt_words (const char *prompt);
gboolean _fal_local_media_has_word (char **words, const char *keyword);
gboolean _fal_local_media_has_any_word (char **words, const char * const *keywords);

/* Colour */

typedef struct
{
  double r, g, b;
} Rgb;

typedef struct
{
  Rgb deep, mid, soft, light, accent, shade;
  gboolean dark;
} Palette;

Rgb _fal_local_media_hsl (double h, double s, double l);
Rgb _fal_local_media_rgb_mix (Rgb a, Rgb b, double t);
void _fal_local_media_set_rgba (cairo_t *cr, Rgb c, double alpha);
void _fal_local_media_stop_rgba (cairo_pattern_t *pat, double offset, Rgb c, double alpha);
void _fal_local_media_make_palette (Rng *rng, char **words, Palette *pal);

/* Cairo helpers */

GBytes *_fal_local_media_surface_to_png (cairo_surface_t *surface, GError **error);
cairo_surface_t *_fal_local_media_new_surface (cairo_format_t format, int width, int height, GError **error);
void _fal_local_media_rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r);
void _fal_local_media_select_font (cairo_t *cr, const char *family, cairo_font_weight_t weight, double px);
double _fal_local_media_text_width (cairo_t *cr, const char *text);
void _fal_local_media_draw_caption (cairo_t *cr, int width, int height, const char *text,
                                    const char *detail, double font_px, guint max_lines, gboolean top);
gboolean _fal_local_media_check_side (const char *what, int side, int max, GError **error);

/* Byte order */

guint32 _fal_local_media_le32 (const guint8 *p);
guint _fal_local_media_le16 (const guint8 *p);
void _fal_local_media_put_le32 (guint8 *p, guint32 v);
void _fal_local_media_put_le16 (guint8 *p, guint v);

/* JPEG errors: setjmp (err.jump) before using libjpeg */

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} JpegError;

JpegError *_fal_local_media_jpeg_error_init (JpegError *err);

/* Pixel access */

void _fal_local_media_unpack_pixel (guint32 p, gboolean alpha, double *r, double *g, double *b, double *a);

G_END_DECLS
