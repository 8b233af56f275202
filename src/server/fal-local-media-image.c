/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Local fake fal server media: text-to-image rendering, PNG/JPEG header
 * sizes and decoding, and the vision description of an image.
 */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>
#include <math.h>

#include "fal-local-media-private.h"

/* ---------------------------------------------------------------------- */
/* Text-to-image                                                           */

static void
paint_landscape (cairo_t *cr, Rng *rng, const Palette *pal, int w, int h)
{
  cairo_pattern_t *pat;
  double sun_x = _fal_local_media_rng_range (rng, 0.2, 0.8) * w, sun_y = _fal_local_media_rng_range (rng, 0.15, 0.4) * h;
  double sun_r = _fal_local_media_rng_range (rng, 0.05, 0.1) * MIN (w, h);
  Rgb sky_top = pal->dark ? pal->deep : pal->soft, sky_low = pal->dark ? pal->shade : pal->light, sun;
  int layers = 3 + _fal_local_media_rng_int (rng, 3);

  pat = cairo_pattern_create_linear (0, 0, 0, h * 0.7);
  _fal_local_media_stop_rgba (pat, 0, sky_top, 1);
  _fal_local_media_stop_rgba (pat, 1, sky_low, 1);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);

  if (pal->dark)
    for (int i = 0; i < 120; i++)
      {
        cairo_arc (cr, _fal_local_media_rng_double (rng) * w, _fal_local_media_rng_double (rng) * h * 0.6,
                   MAX (0.5, _fal_local_media_rng_range (rng, 0.0005, 0.002) * MIN (w, h)), 0, 2 * G_PI);
        cairo_set_source_rgba (cr, 1, 1, 0.95, _fal_local_media_rng_range (rng, 0.3, 0.9));
        cairo_fill (cr);
      }

  /* A warm sun by day, a pale moon at night. */
  sun = pal->dark ? (Rgb) { 0.92, 0.93, 0.85 } : _fal_local_media_rgb_mix (pal->light, (Rgb) { 1, 0.9, 0.6 }, 0.6);
  pat = cairo_pattern_create_radial (sun_x, sun_y, sun_r * 0.9, sun_x, sun_y, sun_r * 4);
  _fal_local_media_stop_rgba (pat, 0, sun, 0.5);
  _fal_local_media_stop_rgba (pat, 1, sun, 0);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);
  cairo_arc (cr, sun_x, sun_y, sun_r, 0, 2 * G_PI);
  _fal_local_media_set_rgba (cr, sun, 1);
  cairo_fill (cr);

  for (int layer = 0; layer < layers; layer++)
    {
      double depth = (double) layer / (layers - 1);
      double base = h * (0.5 + 0.4 * depth) - h * 0.05;
      double amp = h * _fal_local_media_rng_range (rng, 0.04, 0.11) * (1.1 - depth * 0.5);
      double f1 = _fal_local_media_rng_range (rng, 1, 3), f2 = _fal_local_media_rng_range (rng, 3, 7),
             p1 = _fal_local_media_rng_range (rng, 0, 6.3), p2 = _fal_local_media_rng_range (rng, 0, 6.3);
      /* Atmospheric perspective: far hills fade into the sky. */
      Rgb col = _fal_local_media_rgb_mix (_fal_local_media_rgb_mix (pal->mid, pal->deep, depth), sky_low, (1 - depth) * 0.55);

      cairo_move_to (cr, 0, h);
      for (int i = 0; i <= 96; i++)
        {
          double u = (double) i / 96;
          cairo_line_to (cr, u * w, base - amp * (sin (u * f1 * G_PI + p1) + 0.35 * sin (u * f2 * G_PI + p2)));
        }
      cairo_line_to (cr, w, h);
      cairo_close_path (cr);
      pat = cairo_pattern_create_linear (0, base - amp, 0, h);
      _fal_local_media_stop_rgba (pat, 0, col, 1);
      _fal_local_media_stop_rgba (pat, 1, _fal_local_media_rgb_mix (col, pal->deep, 0.5), 1);
      cairo_set_source (cr, pat);
      cairo_fill (cr);
      cairo_pattern_destroy (pat);
    }
}

static void
paint_bokeh (cairo_t *cr, Rng *rng, const Palette *pal, int w, int h)
{
  cairo_pattern_t *pat;
  double side = MIN (w, h);
  int n = 30 + _fal_local_media_rng_int (rng, 30);
  const Rgb *colours[] = { &pal->accent, &pal->soft, &pal->light, &pal->mid };

  pat = cairo_pattern_create_radial (w * 0.5, h * 0.4, 0, w * 0.5, h * 0.5, MAX (w, h) * 0.8);
  _fal_local_media_stop_rgba (pat, 0, pal->shade, 1);
  _fal_local_media_stop_rgba (pat, 1, pal->deep, 1);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);

  cairo_set_operator (cr, CAIRO_OPERATOR_SCREEN);
  for (int i = 0; i < n; i++)
    {
      double x = _fal_local_media_rng_double (rng) * w, y = _fal_local_media_rng_double (rng) * h;
      double r = side * _fal_local_media_rng_range (rng, 0.02, 0.12) * (i < n / 3 ? 2 : 1);
      Rgb c = *colours[_fal_local_media_rng_int (rng, G_N_ELEMENTS (colours))];
      double a = _fal_local_media_rng_range (rng, 0.25, 0.6);

      pat = cairo_pattern_create_radial (x, y, 0, x, y, r);
      _fal_local_media_stop_rgba (pat, 0, c, a);
      _fal_local_media_stop_rgba (pat, 0.75, c, a * 0.8);
      _fal_local_media_stop_rgba (pat, 1, c, 0);
      cairo_set_source (cr, pat);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_pattern_destroy (pat);
    }
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
  cairo_set_line_width (cr, MAX (1.0, side * 0.004));
  for (int i = 0; i < 6; i++)
    {
      cairo_arc (cr, _fal_local_media_rng_double (rng) * w, _fal_local_media_rng_double (rng) * h,
                 side * _fal_local_media_rng_range (rng, 0.03, 0.09), 0, 2 * G_PI);
      _fal_local_media_set_rgba (cr, pal->light, 0.35);
      cairo_stroke (cr);
    }
}

static void
paint_geometric (cairo_t *cr, Rng *rng, const Palette *pal, int w, int h)
{
  int cols = 3 + _fal_local_media_rng_int (rng, 4);
  double cell = (double) w / cols;
  int rows = (int) ceil (h / cell);
  const Rgb *colours[] = { &pal->deep, &pal->mid, &pal->soft, &pal->accent, &pal->shade };

  _fal_local_media_set_rgba (cr, _fal_local_media_rgb_mix (pal->light, (Rgb) { 0.98, 0.95, 0.88 }, 0.5), 1);
  cairo_paint (cr);

  for (int row = 0; row < rows; row++)
    for (int col = 0; col < cols; col++)
      {
        double x = col * cell, y = row * cell, c = cell / 2;
        Rgb fg = *colours[_fal_local_media_rng_int (rng, G_N_ELEMENTS (colours))];
        Rgb bg = *colours[_fal_local_media_rng_int (rng, G_N_ELEMENTS (colours))];

        cairo_save (cr);
        cairo_rectangle (cr, x, y, cell, cell);
        cairo_clip (cr);
        if (_fal_local_media_rng_double (rng) < 0.55)
          {
            _fal_local_media_set_rgba (cr, bg, _fal_local_media_rng_range (rng, 0.35, 1));
            cairo_paint (cr);
          }
        cairo_translate (cr, x + c, y + c);
        cairo_rotate (cr, _fal_local_media_rng_int (rng, 4) * G_PI / 2);
        _fal_local_media_set_rgba (cr, fg, 1);
        switch (_fal_local_media_rng_int (rng, 6))
          {
          case 0: /* quarter circle from a corner */
            cairo_move_to (cr, -c, -c);
            cairo_arc (cr, -c, -c, cell, 0, G_PI / 2);
            cairo_close_path (cr);
            cairo_fill (cr);
            break;
          case 1: /* half disc */
            cairo_arc (cr, 0, c, c * 0.9, G_PI, 2 * G_PI);
            cairo_fill (cr);
            break;
          case 2:
            cairo_arc (cr, 0, 0, c * 0.7, 0, 2 * G_PI);
            cairo_fill (cr);
            break;
          case 3: /* ring */
            cairo_set_line_width (cr, c * 0.28);
            cairo_arc (cr, 0, 0, c * 0.6, 0, 2 * G_PI);
            cairo_stroke (cr);
            break;
          case 4:
            cairo_move_to (cr, -c, c);
            cairo_line_to (cr, c, c);
            cairo_line_to (cr, -c, -c);
            cairo_close_path (cr);
            cairo_fill (cr);
            break;
          default: /* stripes */
            cairo_set_line_width (cr, cell / 14);
            for (int s = -3; s <= 3; s++)
              {
                cairo_move_to (cr, -c, s * cell / 7);
                cairo_line_to (cr, c, s * cell / 7);
              }
            cairo_stroke (cr);
            break;
          }
        cairo_restore (cr);
      }
}

static void
paint_ribbons (cairo_t *cr, Rng *rng, const Palette *pal, int w, int h)
{
  cairo_pattern_t *pat;
  int n = 7 + _fal_local_media_rng_int (rng, 8);
  double side = MIN (w, h);

  pat = cairo_pattern_create_linear (0, 0, w, h);
  _fal_local_media_stop_rgba (pat, 0, pal->deep, 1);
  _fal_local_media_stop_rgba (pat, 0.6, pal->shade, 1);
  _fal_local_media_stop_rgba (pat, 1, pal->mid, 1);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);

  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int i = 0; i < n; i++)
    {
      double y = h * _fal_local_media_rng_range (rng, 0.1, 0.9), spread = h * _fal_local_media_rng_range (rng, 0.15, 0.45);

      cairo_move_to (cr, -0.1 * w, y);
      cairo_curve_to (cr, w * 0.3, y - spread, w * 0.6, y + spread, w * 1.1, y + _fal_local_media_rng_range (rng, -0.3, 0.3) * h);
      pat = cairo_pattern_create_linear (0, 0, w, 0);
      _fal_local_media_stop_rgba (pat, 0, pal->accent, _fal_local_media_rng_range (rng, 0.3, 0.8));
      _fal_local_media_stop_rgba (pat, 0.5, pal->soft, _fal_local_media_rng_range (rng, 0.2, 0.7));
      _fal_local_media_stop_rgba (pat, 1, pal->light, _fal_local_media_rng_range (rng, 0.3, 0.8));
      cairo_set_source (cr, pat);
      cairo_set_line_width (cr, side * _fal_local_media_rng_range (rng, 0.01, 0.07));
      cairo_stroke (cr);
      cairo_pattern_destroy (pat);
    }
}

typedef void (*PaintFunc) (cairo_t *, Rng *, const Palette *, int, int);

static PaintFunc
choose_style (Rng *rng, char **words)
{
  static const char * const landscape[] = { "landscape", "mountain", "hill", "valley", "sunset", "sunrise", "field", "desert", NULL };
  static const char * const bokeh[] = { "light", "bokeh", "city", "night", "star", "galaxy", "space", "firefly", "bubble", NULL };
  static const char * const geometric[] = { "abstract", "geometric", "bauhaus", "poster", "pattern", "shape", "tile", NULL };
  static const char * const ribbons[] = { "wave", "flow", "silk", "river", "ribbon", "wind", "smoke", NULL };
  const PaintFunc styles[] = { paint_landscape, paint_bokeh, paint_geometric, paint_ribbons };
  int pick = _fal_local_media_rng_int (rng, G_N_ELEMENTS (styles));

  if (_fal_local_media_has_any_word (words, landscape))
    return paint_landscape;
  if (_fal_local_media_has_any_word (words, bokeh))
    return paint_bokeh;
  if (_fal_local_media_has_any_word (words, geometric))
    return paint_geometric;
  if (_fal_local_media_has_any_word (words, ribbons))
    return paint_ribbons;
  return styles[pick];
}

GBytes *
fal_local_media_render_image (const char *prompt, gint64 seed, guint index,
                              int width, int height, GError **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) words = NULL;
  cairo_surface_t *surface;
  cairo_t *cr;
  GBytes *png;
  Palette pal;
  Rng rng;

  if (!_fal_local_media_check_side ("Width", width, FAL_LOCAL_MEDIA_MAX_SIDE, error)
      || !_fal_local_media_check_side ("Height", height, FAL_LOCAL_MEDIA_MAX_SIDE, error))
    return NULL;

  text = _fal_local_media_clean_prompt (prompt);
  words = _fal_local_media_prompt_words (text);
  rng.state = _fal_local_media_args_hash ("image", text, seed, index);
  _fal_local_media_make_palette (&rng, words, &pal);

  surface = _fal_local_media_new_surface (CAIRO_FORMAT_RGB24, width, height, error);
  if (!surface)
    return NULL;
  cr = cairo_create (surface);
  choose_style (&rng, words) (cr, &rng, &pal, width, height);

  if (width >= MIN_TEXT_SIDE && height >= MIN_TEXT_SIDE)
    {
      g_autofree char *detail = index > 0
        ? g_strdup_printf ("seed %" G_GINT64_FORMAT "  ·  image %u", seed, index + 1)
        : g_strdup_printf ("seed %" G_GINT64_FORMAT, seed);
      double font_px = MAX (9.0, MIN (width, height * 1.4) / 26.0);

      _fal_local_media_draw_caption (cr, width, height, text, detail, font_px, height >= 160 ? 3 : 1, FALSE);
    }
  cairo_destroy (cr);

  png = _fal_local_media_surface_to_png (surface, error);
  cairo_surface_destroy (surface);
  return png;
}

/* ---------------------------------------------------------------------- */
/* Image headers and decoding                                              */

typedef enum
{
  IMAGE_UNKNOWN,
  IMAGE_PNG,
  IMAGE_JPEG,
} ImageKind;

static const guint8 png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static ImageKind
sniff_image (const guint8 *data, gsize len)
{
  if (len >= 8 && memcmp (data, png_magic, 8) == 0)
    return IMAGE_PNG;
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return IMAGE_JPEG;
  return IMAGE_UNKNOWN;
}

static guint32
be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static guint
be16 (const guint8 *p)
{
  return ((guint) p[0] << 8) | p[1];
}

static gboolean
set_size (guint32 w, guint32 h, int *width, int *height, GError **error)
{
  if (w == 0 || h == 0 || w > G_MAXINT32 || h > G_MAXINT32)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Image header has an invalid size %u×%u", w, h);
      return FALSE;
    }
  if (width)
    *width = (int) w;
  if (height)
    *height = (int) h;
  return TRUE;
}

gboolean
fal_local_media_image_size (GBytes *bytes, int *width, int *height, GError **error)
{
  gsize len;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, FALSE);
  data = g_bytes_get_data (bytes, &len);

  switch (sniff_image (data, len))
    {
    case IMAGE_PNG:
      /* The IHDR chunk must come first. */
      if (len < 24 || be32 (data + 8) != 13 || memcmp (data + 12, "IHDR", 4) != 0)
        break;
      return set_size (be32 (data + 16), be32 (data + 20), width, height, error);

    case IMAGE_JPEG:
      for (gsize pos = 2; pos + 4 <= len; )
        {
          guint marker, seglen;

          if (data[pos] != 0xff)
            break;
          while (pos < len && data[pos] == 0xff)
            pos++;
          if (pos >= len)
            break;
          marker = data[pos++];
          /* Markers without a length field. */
          if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8))
            continue;
          if (marker == 0xd9 || marker == 0xda || pos + 2 > len)
            break;
          seglen = be16 (data + pos);
          if (seglen < 2)
            break;
          if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
            {
              if (seglen < 7 || pos + 7 > len)
                break;
              return set_size (be16 (data + pos + 5), be16 (data + pos + 3), width, height, error);
            }
          pos += seglen;
        }
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "JPEG data has no readable frame header");
      return FALSE;

    case IMAGE_UNKNOWN:
    default:
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Not a PNG or JPEG image");
      return FALSE;
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "PNG header is truncated or invalid");
  return FALSE;
}

typedef struct
{
  const guint8 *data;
  gsize len, pos;
} ByteReader;

static cairo_status_t
png_read_cb (void *closure, unsigned char *out, unsigned int length)
{
  ByteReader *reader = closure;

  if (length > reader->len - reader->pos)
    return CAIRO_STATUS_READ_ERROR;
  memcpy (out, reader->data + reader->pos, length);
  reader->pos += length;
  return CAIRO_STATUS_SUCCESS;
}

static cairo_surface_t *
decode_png (const guint8 *data, gsize len, GError **error)
{
  ByteReader reader = { data, len, 0 };
  cairo_surface_t *surface = cairo_image_surface_create_from_png_stream (png_read_cb, &reader);
  cairo_format_t format;

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Could not decode PNG image: %s",
                   cairo_status_to_string (cairo_surface_status (surface)));
      cairo_surface_destroy (surface);
      return NULL;
    }

  format = cairo_image_surface_get_format (surface);
  if (format != CAIRO_FORMAT_ARGB32 && format != CAIRO_FORMAT_RGB24)
    {
      /* Newer cairo may load deep PNGs as float formats; callers expect 8 bit. */
      cairo_surface_t *converted;
      cairo_t *cr;

      converted = _fal_local_media_new_surface (CAIRO_FORMAT_ARGB32, cairo_image_surface_get_width (surface),
                                                cairo_image_surface_get_height (surface), error);
      if (converted)
        {
          cr = cairo_create (converted);
          cairo_set_source_surface (cr, surface, 0, 0);
          cairo_paint (cr);
          cairo_destroy (cr);
        }
      cairo_surface_destroy (surface);
      return converted;
    }
  return surface;
}

static cairo_surface_t *
decode_jpeg (const guint8 *data, gsize len, GError **error)
{
  struct jpeg_decompress_struct cinfo;
  JpegError err;
  cairo_surface_t *volatile surface = NULL;
  guint8 *volatile cmyk_row = NULL;
  guint8 *pixels;
  int stride;
  gboolean cmyk;

  cinfo.err = &_fal_local_media_jpeg_error_init (&err)->pub;
  if (setjmp (err.jump))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Could not decode JPEG image: %s", err.message);
      jpeg_destroy_decompress (&cinfo);
      if (surface)
        cairo_surface_destroy (surface);
      g_free (cmyk_row);
      return NULL;
    }

  jpeg_create_decompress (&cinfo);
  jpeg_mem_src (&cinfo, data, len);
  jpeg_read_header (&cinfo, TRUE);

  if (cinfo.image_width > FAL_LOCAL_MEDIA_MAX_SIDE || cinfo.image_height > FAL_LOCAL_MEDIA_MAX_SIDE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Image is %u×%u, larger than the maximum side of %d",
                   cinfo.image_width, cinfo.image_height, FAL_LOCAL_MEDIA_MAX_SIDE);
      jpeg_destroy_decompress (&cinfo);
      return NULL;
    }

  /* libjpeg-turbo cannot convert CMYK to RGB itself. */
  cmyk = cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK;
  cinfo.out_color_space = cmyk ? JCS_CMYK : JPEG_CAIRO_COLORSPACE;
  jpeg_start_decompress (&cinfo);

  surface = _fal_local_media_new_surface (CAIRO_FORMAT_RGB24, cinfo.output_width, cinfo.output_height, error);
  if (!surface)
    {
      jpeg_destroy_decompress (&cinfo);
      return NULL;
    }
  pixels = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  if (cmyk)
    cmyk_row = g_malloc (cinfo.output_width * 4);

  while (cinfo.output_scanline < cinfo.output_height)
    {
      guint8 *dest = pixels + (gsize) cinfo.output_scanline * stride;
      JSAMPROW row = cmyk ? cmyk_row : dest;

      jpeg_read_scanlines (&cinfo, &row, 1);
      if (cmyk)
        for (guint x = 0; x < cinfo.output_width; x++)
          {
            const guint8 *p = cmyk_row + 4 * x;
            /* Adobe writes inverted CMYK, which is what we find in the wild. */
            guint k = cinfo.saw_Adobe_marker ? p[3] : 255 - p[3];
            guint c = cinfo.saw_Adobe_marker ? p[0] : 255 - p[0];
            guint m = cinfo.saw_Adobe_marker ? p[1] : 255 - p[1];
            guint y = cinfo.saw_Adobe_marker ? p[2] : 255 - p[2];

            ((guint32 *) dest)[x] = 0xff000000u | ((c * k / 255) << 16) | ((m * k / 255) << 8) | (y * k / 255);
          }
    }

  jpeg_finish_decompress (&cinfo);
  jpeg_destroy_decompress (&cinfo);
  g_free (cmyk_row);
  cairo_surface_mark_dirty (surface);
  return surface;
}

cairo_surface_t *
fal_local_media_decode_image (GBytes *bytes, GError **error)
{
  const guint8 *data;
  gsize len;
  int width, height;

  g_return_val_if_fail (bytes != NULL, NULL);

  /* Check the header first so a hostile size never gets allocated. */
  if (!fal_local_media_image_size (bytes, &width, &height, error))
    return NULL;
  if (width > FAL_LOCAL_MEDIA_MAX_SIDE || height > FAL_LOCAL_MEDIA_MAX_SIDE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Image is %d×%d, larger than the maximum side of %d",
                   width, height, FAL_LOCAL_MEDIA_MAX_SIDE);
      return NULL;
    }

  data = g_bytes_get_data (bytes, &len);
  if (sniff_image (data, len) == IMAGE_PNG)
    return decode_png (data, len, error);
  return decode_jpeg (data, len, error);
}

/* ---------------------------------------------------------------------- */
/* Vision                                                                  */

static const char * const grey_names[] = {
  "black", "near-black", "dark grey", "grey", "light grey", "near-white", "white",
};
static const char * const hue_names[] = {
  "red", "orange", "yellow", "yellow-green", "green", "turquoise", "cyan", "blue", "purple", "magenta", "pink",
};
/* Upper hue bound (degrees) of each entry of hue_names; red wraps around. */
static const double hue_limits[] = { 15, 40, 65, 90, 150, 175, 200, 255, 290, 330, 345 };

enum { TONE_PLAIN, TONE_DARK, TONE_LIGHT, TONE_MUTED, N_TONES };
#define N_GREYS G_N_ELEMENTS (grey_names)
#define N_COLOUR_KEYS (N_GREYS + G_N_ELEMENTS (hue_names) * N_TONES)

static guint
colour_key (double r, double g, double b)
{
  double mx = MAX (r, MAX (g, b)), mn = MIN (r, MIN (g, b));
  double chroma = mx - mn, l = (mx + mn) / 2, s, h;
  guint hue = 0, tone = TONE_PLAIN;

  if (chroma < 0.08 || (chroma < 0.14 && (l < 0.15 || l > 0.9)))
    {
      static const double limits[] = { 0.06, 0.16, 0.36, 0.62, 0.82, 0.95 };
      guint i = 0;

      while (i < G_N_ELEMENTS (limits) && l >= limits[i])
        i++;
      return i;
    }

  s = chroma / (1 - fabs (2 * l - 1));
  if (mx == r)
    h = 60 * fmod ((g - b) / chroma + 6, 6);
  else if (mx == g)
    h = 60 * ((b - r) / chroma + 2);
  else
    h = 60 * ((r - g) / chroma + 4);
  while (hue < G_N_ELEMENTS (hue_limits) && h >= hue_limits[hue])
    hue++;
  if (hue == G_N_ELEMENTS (hue_limits))
    hue = 0;

  if (l < 0.28)
    tone = TONE_DARK;
  else if (l > 0.72)
    tone = TONE_LIGHT;
  else if (s < 0.3)
    tone = TONE_MUTED;
  return N_GREYS + hue * N_TONES + tone;
}

static char *
colour_key_name (guint key)
{
  const char *hue;
  guint tone;

  if (key < N_GREYS)
    return g_strdup (grey_names[key]);
  hue = hue_names[(key - N_GREYS) / N_TONES];
  tone = (key - N_GREYS) % N_TONES;

  if (tone == TONE_DARK)
    {
      if (g_str_equal (hue, "orange"))
        return g_strdup ("brown");
      if (g_str_equal (hue, "yellow"))
        return g_strdup ("olive");
      if (g_str_equal (hue, "blue") || g_str_equal (hue, "purple") || g_str_equal (hue, "red"))
        return g_strconcat ("deep ", hue, NULL);
      return g_strconcat ("dark ", hue, NULL);
    }
  if (tone == TONE_LIGHT)
    return g_str_equal (hue, "red") ? g_strdup ("pink") : g_strconcat ("light ", hue, NULL);
  if (tone == TONE_MUTED)
    return g_str_equal (hue, "orange") ? g_strdup ("tan") : g_strconcat ("greyish ", hue, NULL);
  return g_strdup (hue);
}

static void
append_ratio (GString *out, int w, int h)
{
  int a = w, b = h;

  while (b)
    {
      int t = a % b;
      a = b;
      b = t;
    }
  if (w / a <= 21 && h / a <= 21)
    g_string_append_printf (out, "%d:%d", w / a, h / a);
  else
    g_string_append_printf (out, "about %.2f:1", (double) w / h);
}

char *
fal_local_media_describe_image (GBytes *source, const char *prompt, GError **error)
{
  guint64 counts[N_COLOUR_KEYS] = { 0 };
  guint order[N_COLOUR_KEYS];
  guint64 samples = 0, opaque = 0, clear = 0, partial = 0;
  double luma_sum = 0, luma_sq = 0, edge_sum = 0;
  guint64 edge_n = 0;
  g_autofree char *question = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  cairo_surface_t *surface;
  const guint8 *pixels;
  gboolean alpha;
  int w, h, stride, step;
  double mean, contrast, detail;

  g_return_val_if_fail (source != NULL, NULL);

  surface = fal_local_media_decode_image (source, error);
  if (!surface)
    return NULL;
  w = cairo_image_surface_get_width (surface);
  h = cairo_image_surface_get_height (surface);
  stride = cairo_image_surface_get_stride (surface);
  pixels = cairo_image_surface_get_data (surface);
  alpha = cairo_image_surface_get_format (surface) == CAIRO_FORMAT_ARGB32;
  /* A grid of at most ~256×256 samples is plenty for statistics. */
  step = MAX (1, (MAX (w, h) + 255) / 256);

  for (int y = 0; y < h; y += step)
    {
      const guint32 *row = (const guint32 *) (pixels + (gsize) y * stride);
      double prev = -1;

      for (int x = 0; x < w; x += step)
        {
          double r, g, b, a, luma;

          _fal_local_media_unpack_pixel (row[x], alpha, &r, &g, &b, &a);
          samples++;
          if (a < 0.06)
            {
              clear++;
              prev = -1;
              continue;
            }
          if (a < 0.98)
            partial++;
          opaque++;
          counts[colour_key (r, g, b)]++;
          /* Perceived brightness: pure red or blue should not read as "dark". */
          luma = 0.6 * (0.299 * r + 0.587 * g + 0.114 * b) + 0.4 * MAX (r, MAX (g, b));
          luma_sum += luma;
          luma_sq += luma * luma;
          if (prev >= 0)
            {
              edge_sum += fabs (luma - prev);
              edge_n++;
            }
          prev = luma;
        }
    }
  cairo_surface_destroy (surface);

  g_string_append_printf (out, "The image is %d × %d pixels, ", w, h);
  if (w == h)
    g_string_append (out, "a square picture. ");
  else
    {
      g_string_append_printf (out, "in %s orientation (aspect ratio ", w > h ? "landscape" : "portrait");
      append_ratio (out, w, h);
      g_string_append (out, "). ");
    }

  if (opaque == 0)
    g_string_append (out, "It is completely transparent, so there is nothing visible to describe. ");
  else
    {
      for (guint i = 0; i < N_COLOUR_KEYS; i++)
        order[i] = i;
      /* Stable insertion sort by count: ties keep a fixed order. */
      for (guint i = 1; i < N_COLOUR_KEYS; i++)
        for (guint j = i; j > 0 && counts[order[j]] > counts[order[j - 1]]; j--)
          {
            guint t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
          }

      if (counts[order[0]] * 100 >= opaque * 90)
        {
          g_autofree char *name = colour_key_name (order[0]);
          g_string_append_printf (out, "It is almost entirely %s (%.0f%% of the visible area). ",
                                  name, 100.0 * counts[order[0]] / opaque);
        }
      else
        {
          g_string_append (out, "Its dominant colours are ");
          for (guint i = 0; i < 4 && i < N_COLOUR_KEYS; i++)
            {
              g_autofree char *name = NULL;
              gboolean last;

              if (i > 0 && counts[order[i]] * 100 < opaque * 5)
                break;
              last = i == 3 || i + 1 >= N_COLOUR_KEYS || counts[order[i + 1]] * 100 < opaque * 5;
              name = colour_key_name (order[i]);
              if (i > 0)
                g_string_append (out, last ? " and " : ", ");
              g_string_append_printf (out, i == 0 ? "%s (about %.0f%% of the visible area)" : "%s (%.0f%%)",
                                      name, 100.0 * counts[order[i]] / opaque);
            }
          g_string_append (out, ". ");
        }

      mean = luma_sum / opaque;
      contrast = sqrt (MAX (0, luma_sq / opaque - mean * mean));
      detail = edge_n ? edge_sum / edge_n : 0;
      g_string_append_printf (out, "Overall it is %s (average brightness %.0f%%) with %s contrast, and %s. ",
                              mean < 0.15 ? "very dark" : mean < 0.35 ? "dark" : mean < 0.65 ? "moderately bright"
                              : mean < 0.85 ? "bright" : "very bright",
                              mean * 100,
                              contrast < 0.08 ? "very low" : contrast < 0.18 ? "low" : contrast < 0.3 ? "moderate" : "high",
                              contrast < 0.02 ? "it is flat with no visible detail"
                              : detail < 0.04 ? "it consists mostly of smooth areas and gradients"
                              : detail < 0.1 ? "it has a fair amount of detail" : "it is busy with fine detail and sharp edges");
    }

  if (!alpha)
    g_string_append (out, "It has no transparency.");
  else if (clear == 0 && partial == 0)
    g_string_append (out, "It has an alpha channel but is fully opaque.");
  else if (partial == 0)
    g_string_append_printf (out, "It uses transparency: about %.0f%% of it is fully transparent.",
                            100.0 * clear / samples);
  else
    g_string_append_printf (out, "It uses transparency: about %.0f%% of it is fully transparent and %.0f%% partially transparent.",
                            100.0 * clear / samples, 100.0 * partial / samples);

  question = _fal_local_media_clean_prompt (prompt);
  if (*question)
    {
      g_auto(GStrv) words = _fal_local_media_prompt_words (question);

      gsize qlen = strlen (question);

      g_string_append_printf (out, " You asked: “%s”%s", question,
                              strchr ("?!.", question[qlen - 1]) ? "" : ".");
      if (opaque > 0 && (_fal_local_media_has_word (words, "colour") || _fal_local_media_has_word (words, "color")))
        {
          g_autofree char *name = colour_key_name (order[0]);
          g_string_append_printf (out, " The main colour is %s.", name);
        }
      g_string_append (out, " I can only judge colours, brightness and layout here, not recognise objects.");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
