/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Local fake fal server media: image-to-image, a seeded colour grade and
 * ripple over the decoded source, resampled to the requested size.
 */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <math.h>

#include "fal-local-media-private.h"

/* ---------------------------------------------------------------------- */
/* Pixel access                                                            */

static guint32
pack_pixel (double r, double g, double b, double a)
{
  guint ai = (guint) lround (CLAMP (a, 0, 1) * 255);
  double f = ai;

  return (ai << 24)
    | ((guint) lround (CLAMP (r, 0, 1) * f) << 16)
    | ((guint) lround (CLAMP (g, 0, 1) * f) << 8)
    | (guint) lround (CLAMP (b, 0, 1) * f);
}

/* ---------------------------------------------------------------------- */
/* Image-to-image                                                          */

typedef struct
{
  double matrix[9];   /* hue rotation */
  double saturation, contrast;
  Rgb tone_dark, tone_light;
  double tone;        /* split-toning amount */
  int levels;         /* posterise, 0 = off */
  double ripple;      /* amplitude, fraction of the short side */
  double wavelength;  /* fraction of the short side */
  double phase_x, phase_y;
  double vignette;
} Grade;

static void
make_grade (Rng *rng, char **words, Grade *g)
{
  static const char * const mono[] = { "monochrome", "grayscale", "greyscale", "noir", "bw", NULL };
  static const char * const sepia[] = { "sepia", "vintage", "old", "retro", "antique", NULL };
  static const char * const neon[] = { "neon", "cyberpunk", "synthwave", "vaporwave", "glow", NULL };
  static const char * const poster[] = { "poster", "comic", "cartoon", "pop", "painting", "watercolor", "anime", NULL };
  static const char * const dream[] = { "dream", "underwater", "water", "ripple", "wave", "liquid", NULL };
  static const char * const warm[] = { "warm", "sunset", "summer", "golden", "autumn", NULL };
  static const char * const cold[] = { "cold", "winter", "ice", "frozen", "night", "moon", NULL };
  double angle = _fal_local_media_rng_range (rng, 0.08, 0.45) * (_fal_local_media_rng_double (rng) < 0.5 ? -1 : 1) * 2 * G_PI;
  double ca, sa;

  g->saturation = _fal_local_media_rng_range (rng, 1.05, 1.5);
  g->contrast = _fal_local_media_rng_range (rng, 1.0, 1.25);
  g->tone_dark = _fal_local_media_hsl (_fal_local_media_rng_double (rng), 0.6, 0.35);
  g->tone_light = _fal_local_media_hsl (_fal_local_media_rng_double (rng), 0.7, 0.65);
  g->tone = _fal_local_media_rng_range (rng, 0.15, 0.4);
  g->levels = _fal_local_media_rng_double (rng) < 0.35 ? 4 + _fal_local_media_rng_int (rng, 4) : 0;
  g->ripple = _fal_local_media_rng_double (rng) < 0.5 ? _fal_local_media_rng_range (rng, 0.004, 0.015) : 0;
  g->wavelength = _fal_local_media_rng_range (rng, 0.06, 0.2);
  g->phase_x = _fal_local_media_rng_range (rng, 0, 2 * G_PI);
  g->phase_y = _fal_local_media_rng_range (rng, 0, 2 * G_PI);
  g->vignette = _fal_local_media_rng_range (rng, 0.15, 0.45);

  if (_fal_local_media_has_any_word (words, mono)
      || (_fal_local_media_has_word (words, "black") && _fal_local_media_has_word (words, "white")))
    {
      g->saturation = 0;
      g->contrast = 1.3;
      g->tone = 0.05;
      angle = 0;
    }
  else if (_fal_local_media_has_any_word (words, sepia))
    {
      g->saturation = 0.1;
      g->tone_dark = (Rgb) { 0.45, 0.32, 0.2 };
      g->tone_light = (Rgb) { 0.62, 0.52, 0.38 };
      g->tone = 0.7;
      angle = 0;
    }
  else if (_fal_local_media_has_any_word (words, neon))
    {
      g->saturation = 1.9;
      g->contrast = 1.3;
      g->tone_dark = (Rgb) { 0.45, 0.1, 0.6 };
      g->tone_light = (Rgb) { 0.2, 0.8, 0.85 };
      g->tone = 0.5;
    }
  if (_fal_local_media_has_any_word (words, poster))
    g->levels = 5;
  if (_fal_local_media_has_any_word (words, dream))
    {
      g->ripple = 0.012;
      g->wavelength = 0.1;
    }
  if (_fal_local_media_has_any_word (words, warm))
    g->tone_light = (Rgb) { 0.75, 0.55, 0.3 }, g->tone_dark = (Rgb) { 0.5, 0.3, 0.25 };
  else if (_fal_local_media_has_any_word (words, cold))
    g->tone_light = (Rgb) { 0.4, 0.6, 0.75 }, g->tone_dark = (Rgb) { 0.2, 0.3, 0.55 };

  /* Luminance-preserving hue rotation (as in SVG feColorMatrix). */
  ca = cos (angle);
  sa = sin (angle);
  g->matrix[0] = 0.213 + ca * 0.787 - sa * 0.213;
  g->matrix[1] = 0.715 - ca * 0.715 - sa * 0.715;
  g->matrix[2] = 0.072 - ca * 0.072 + sa * 0.928;
  g->matrix[3] = 0.213 - ca * 0.213 + sa * 0.143;
  g->matrix[4] = 0.715 + ca * 0.285 + sa * 0.140;
  g->matrix[5] = 0.072 - ca * 0.072 - sa * 0.283;
  g->matrix[6] = 0.213 - ca * 0.213 - sa * 0.787;
  g->matrix[7] = 0.715 - ca * 0.715 + sa * 0.715;
  g->matrix[8] = 0.072 + ca * 0.928 + sa * 0.072;
}

static void
apply_grade (const Grade *g, double vignette, double *r, double *gr, double *b)
{
  double c[3], l;

  c[0] = g->matrix[0] * *r + g->matrix[1] * *gr + g->matrix[2] * *b;
  c[1] = g->matrix[3] * *r + g->matrix[4] * *gr + g->matrix[5] * *b;
  c[2] = g->matrix[6] * *r + g->matrix[7] * *gr + g->matrix[8] * *b;
  l = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  l = CLAMP (l, 0, 1);
  for (int i = 0; i < 3; i++)
    {
      const double *dark = &g->tone_dark.r, *light = &g->tone_light.r;
      double tint = dark[i] + (light[i] - dark[i]) * l;

      c[i] = l + g->saturation * (c[i] - l);
      c[i] = (c[i] - 0.5) * g->contrast + 0.5;
      /* Multiplying by 2×tint keeps mid grey stable while colouring it. */
      c[i] = c[i] * (1 - g->tone) + g->tone * c[i] * 2 * tint;
      c[i] = CLAMP (c[i], 0, 1);
      if (g->levels > 1)
        c[i] = round (c[i] * (g->levels - 1)) / (g->levels - 1);
      c[i] *= vignette;
    }
  *r = c[0];
  *gr = c[1];
  *b = c[2];
}

/* Bilinear sample in premultiplied space, clamped at the edges. */
static void
sample_bilinear (const guint8 *pixels, int stride, int w, int h, gboolean alpha,
                 double x, double y, double *r, double *g, double *b, double *a)
{
  int x0, y0i;
  double fx, fy, acc[4] = { 0 };

  x = CLAMP (x, 0, w - 1);
  y = CLAMP (y, 0, h - 1);
  x0 = MIN ((int) x, w - 2 < 0 ? 0 : w - 2);
  y0i = MIN ((int) y, h - 2 < 0 ? 0 : h - 2);
  fx = w > 1 ? x - x0 : 0;
  fy = h > 1 ? y - y0i : 0;

  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++)
      {
        int px = MIN (x0 + i, w - 1), py = MIN (y0i + j, h - 1);
        guint32 p = ((const guint32 *) (pixels + (gsize) py * stride))[px];
        double wgt = (i ? fx : 1 - fx) * (j ? fy : 1 - fy);

        acc[0] += wgt * ((p >> 16) & 0xff);
        acc[1] += wgt * ((p >> 8) & 0xff);
        acc[2] += wgt * (p & 0xff);
        acc[3] += wgt * (alpha ? (p >> 24) & 0xff : 255);
      }
  *a = acc[3] / 255.0;
  if (*a <= 0)
    {
      *r = *g = *b = 0;
      return;
    }
  *r = acc[0] / 255.0 / *a;
  *g = acc[1] / 255.0 / *a;
  *b = acc[2] / 255.0 / *a;
}

GBytes *
fal_local_media_transform_image (GBytes *source, const char *prompt, gint64 seed,
                                 double strength, int width, int height,
                                 int *out_width, int *out_height, GError **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree double *shift_x = NULL, *shift_y = NULL;
  cairo_surface_t *src, *scaled, *out;
  cairo_format_t format;
  gboolean alpha;
  const guint8 *in_px;
  guint8 *out_px;
  int sw, sh, in_stride, out_stride;
  double side, amp, wl, cx, cy, half_diag;
  GBytes *png;
  Grade grade;
  Rng rng;
  cairo_t *cr;

  g_return_val_if_fail (source != NULL, NULL);

  if (!isfinite (strength) || strength < 0 || strength > 1)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Strength %g is out of range (0..1)", strength);
      return NULL;
    }
  if ((width != 0 && !_fal_local_media_check_side ("Width", width, FAL_LOCAL_MEDIA_MAX_SIDE, error))
      || (height != 0 && !_fal_local_media_check_side ("Height", height, FAL_LOCAL_MEDIA_MAX_SIDE, error)))
    return NULL;

  src = fal_local_media_decode_image (source, error);
  if (!src)
    return NULL;
  sw = cairo_image_surface_get_width (src);
  sh = cairo_image_surface_get_height (src);
  format = cairo_image_surface_get_format (src);
  alpha = format == CAIRO_FORMAT_ARGB32;
  width = width ? width : sw;
  height = height ? height : sh;

  /* Resample first; the effect then works in output coordinates. */
  scaled = _fal_local_media_new_surface (format, width, height, error);
  if (!scaled)
    {
      cairo_surface_destroy (src);
      return NULL;
    }
  cr = cairo_create (scaled);
  cairo_scale (cr, (double) width / sw, (double) height / sh);
  cairo_set_source_surface (cr, src, 0, 0);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint (cr);
  cairo_destroy (cr);
  cairo_surface_destroy (src);
  cairo_surface_flush (scaled);

  out = _fal_local_media_new_surface (format, width, height, error);
  if (!out)
    {
      cairo_surface_destroy (scaled);
      return NULL;
    }

  text = _fal_local_media_clean_prompt (prompt);
  words = _fal_local_media_prompt_words (text);
  rng.state = _fal_local_media_args_hash ("transform", text, seed, 0);
  make_grade (&rng, words, &grade);

  side = MIN (width, height);
  amp = grade.ripple * side * strength;
  wl = MAX (2.0, grade.wavelength * side);
  shift_x = g_new (double, height);
  shift_y = g_new (double, width);
  for (int y = 0; y < height; y++)
    shift_x[y] = amp * sin (2 * G_PI * y / wl + grade.phase_x);
  for (int x = 0; x < width; x++)
    shift_y[x] = amp * sin (2 * G_PI * x / wl + grade.phase_y);

  in_px = cairo_image_surface_get_data (scaled);
  in_stride = cairo_image_surface_get_stride (scaled);
  out_px = cairo_image_surface_get_data (out);
  out_stride = cairo_image_surface_get_stride (out);
  cx = width / 2.0;
  cy = height / 2.0;
  half_diag = hypot (cx, cy);

  for (int y = 0; y < height; y++)
    {
      const guint32 *in_row = (const guint32 *) (in_px + (gsize) y * in_stride);
      guint32 *out_row = (guint32 *) (out_px + (gsize) y * out_stride);

      for (int x = 0; x < width; x++)
        {
          double r0, g0, b0, a, r, g, b, d, vig;

          if (strength <= 0)
            {
              out_row[x] = in_row[x];
              continue;
            }
          /* Grade the displaced sample and blend with it (not with the
           * undisplaced pixel) so partial strength shows no ghosting. */
          sample_bilinear (in_px, in_stride, width, height, alpha,
                           x + shift_x[y], y + shift_y[x], &r0, &g0, &b0, &a);
          r = r0;
          g = g0;
          b = b0;
          d = hypot (x - cx, y - cy) / half_diag;
          vig = 1 - grade.vignette * CLAMP ((d - 0.45) / 0.6, 0, 1);
          apply_grade (&grade, vig, &r, &g, &b);
          out_row[x] = pack_pixel (r0 + (r - r0) * strength, g0 + (g - g0) * strength,
                                   b0 + (b - b0) * strength, a);
        }
    }
  cairo_surface_destroy (scaled);
  cairo_surface_mark_dirty (out);

  if (width >= MIN_TEXT_SIDE && height >= MIN_TEXT_SIDE)
    {
      g_autofree char *detail = g_strdup_printf ("seed %" G_GINT64_FORMAT "  ·  strength %.2f", seed, strength);

      cr = cairo_create (out);
      /* Top corner: sources rendered by us already have a bottom caption. */
      _fal_local_media_draw_caption (cr, width, height, text, detail, MAX (8.0, side / 38.0), 1, TRUE);
      cairo_destroy (cr);
    }

  png = _fal_local_media_surface_to_png (out, error);
  cairo_surface_destroy (out);
  if (png)
    {
      if (out_width)
        *out_width = width;
      if (out_height)
        *out_height = height;
    }
  return png;
}
