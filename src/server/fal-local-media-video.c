/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Local fake fal server media: MJPEG-in-AVI video of moving sprites and
 * the JPEG encoding of its frames.
 */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>
#include <math.h>

#include "fal-local-media-private.h"

#define MONO_FONT "DejaVu Sans Mono"

/* ---------------------------------------------------------------------- */
/* Video                                                                   */

typedef struct
{
  int kind;
  Rgb colour;
  double alpha, size, cx, cy, ax, ay, phase_x, phase_y, rot0;
  int fx, fy, spin;
} Sprite;

#define N_SPRITES 9

/* Everything moves with whole cycles per clip, so the video loops. */
static void
draw_video_frame (cairo_t *cr, const Palette *pal, const Sprite *sprites, const char *text,
                  int w, int h, guint frame, guint n_frames, guint fps)
{
  double u = (double) frame / n_frames, side = MIN (w, h), font_px = MAX (8.0, side / 24);
  double angle = 2 * G_PI * u;
  cairo_pattern_t *pat;
  g_autofree char *counter = NULL;

  pat = cairo_pattern_create_linear (w / 2.0 - cos (angle) * w / 2, h / 2.0 - sin (angle) * h / 2,
                                     w / 2.0 + cos (angle) * w / 2, h / 2.0 + sin (angle) * h / 2);
  _fal_local_media_stop_rgba (pat, 0, pal->deep, 1);
  _fal_local_media_stop_rgba (pat, 1, pal->shade, 1);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);

  cairo_set_operator (cr, CAIRO_OPERATOR_SCREEN);
  for (int i = 0; i < N_SPRITES; i++)
    {
      const Sprite *s = &sprites[i];
      double x = (s->cx + s->ax * sin (2 * G_PI * s->fx * u + s->phase_x)) * w;
      double y = (s->cy + s->ay * sin (2 * G_PI * s->fy * u + s->phase_y)) * h;
      double r = s->size * side * (1 + 0.15 * sin (2 * G_PI * 2 * u + s->phase_x));

      cairo_save (cr);
      cairo_translate (cr, x, y);
      cairo_rotate (cr, s->rot0 + 2 * G_PI * s->spin * u);
      _fal_local_media_set_rgba (cr, s->colour, s->alpha);
      switch (s->kind)
        {
        case 0:
          pat = cairo_pattern_create_radial (0, 0, 0, 0, 0, r);
          _fal_local_media_stop_rgba (pat, 0, s->colour, s->alpha);
          _fal_local_media_stop_rgba (pat, 0.7, s->colour, s->alpha * 0.7);
          _fal_local_media_stop_rgba (pat, 1, s->colour, 0);
          cairo_set_source (cr, pat);
          cairo_arc (cr, 0, 0, r, 0, 2 * G_PI);
          cairo_fill (cr);
          cairo_pattern_destroy (pat);
          break;
        case 1:
          _fal_local_media_rounded_rect (cr, -r * 0.7, -r * 0.7, r * 1.4, r * 1.4, r * 0.25);
          cairo_fill (cr);
          break;
        case 2:
          cairo_set_line_width (cr, r * 0.2);
          cairo_arc (cr, 0, 0, r * 0.8, 0, 2 * G_PI);
          cairo_stroke (cr);
          break;
        default:
          cairo_move_to (cr, 0, -r);
          cairo_line_to (cr, r * 0.87, r * 0.5);
          cairo_line_to (cr, -r * 0.87, r * 0.5);
          cairo_close_path (cr);
          cairo_fill (cr);
          break;
        }
      cairo_restore (cr);
    }
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);

  if (w < MIN_TEXT_SIDE || h < MIN_TEXT_SIDE)
    return;

  _fal_local_media_draw_caption (cr, w, h, text, NULL, font_px, h >= 240 ? 2 : 1, FALSE);

  counter = g_strdup_printf ("%u/%u  %.2f s", frame + 1, n_frames, (double) frame / fps);
  _fal_local_media_select_font (cr, MONO_FONT, CAIRO_FONT_WEIGHT_BOLD, font_px * 0.7);
  {
    double pad = font_px * 0.35, tw = _fal_local_media_text_width (cr, counter), m = MAX (4.0, font_px * 0.6);

    _fal_local_media_rounded_rect (cr, m, m, tw + 2 * pad, font_px * 0.7 + 2 * pad, pad);
    cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
    cairo_fill (cr);
    cairo_set_source_rgb (cr, 1, 1, 1);
    cairo_move_to (cr, m + pad, m + pad + font_px * 0.7 * 0.8);
    cairo_show_text (cr, counter);
  }
}

static void
avi_fourcc (GByteArray *out, const char *cc)
{
  g_byte_array_append (out, (const guint8 *) cc, 4);
}

static void
avi_u32 (GByteArray *out, guint32 v)
{
  guint8 b[4];

  _fal_local_media_put_le32 (b, v);
  g_byte_array_append (out, b, 4);
}

static void
avi_u16 (GByteArray *out, guint v)
{
  guint8 b[2];

  _fal_local_media_put_le16 (b, v);
  g_byte_array_append (out, b, 2);
}

/* One opaque cairo surface to a malloc()ed JPEG (quality 80). */
static unsigned char *
encode_jpeg (cairo_surface_t *surface, unsigned long *out_len, GError **error)
{
  struct jpeg_compress_struct cinfo;
  JpegError err;
  unsigned char *volatile jpeg = NULL;
  unsigned char *buffer = NULL;
  unsigned long len = 0;
  const guint8 *pixels = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);

  cinfo.err = &_fal_local_media_jpeg_error_init (&err)->pub;
  if (setjmp (err.jump))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Could not encode JPEG frame: %s", err.message);
      jpeg_destroy_compress (&cinfo);
      free (jpeg);
      return NULL;
    }
  jpeg_create_compress (&cinfo);
  cinfo.image_width = cairo_image_surface_get_width (surface);
  cinfo.image_height = cairo_image_surface_get_height (surface);
  cinfo.input_components = 4;
  cinfo.in_color_space = JPEG_CAIRO_COLORSPACE;
  jpeg_set_defaults (&cinfo);
  jpeg_set_quality (&cinfo, 80, TRUE);
  jpeg_mem_dest (&cinfo, &buffer, &len);
  jpeg_start_compress (&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height)
    {
      JSAMPROW row = (JSAMPROW) pixels + (gsize) cinfo.next_scanline * stride;
      jpeg_write_scanlines (&cinfo, &row, 1);
    }
  jpeg_finish_compress (&cinfo);
  jpeg = buffer;
  jpeg_destroy_compress (&cinfo);
  *out_len = len;
  return jpeg;
}

GBytes *
fal_local_media_render_video (const char *prompt, gint64 seed, int width, int height,
                              guint n_frames, guint fps, GError **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree guint32 *frame_sizes = NULL;
  GByteArray *avi;
  cairo_surface_t *surface;
  cairo_t *cr;
  Sprite sprites[N_SPRITES];
  const Rgb *colours[5];
  Palette pal;
  Rng rng;
  guint32 max_frame = 0;
  gsize movi_list;

  if (width < 16 || width > 1920 || height < 16 || height > 1920 || width % 2 || height % 2)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Video size %d×%d is invalid (even numbers in 16..1920)", width, height);
      return NULL;
    }
  if (n_frames < 1 || n_frames > 600 || fps < 1 || fps > 60)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Video with %u frames at %u fps is invalid (1..600 frames, 1..60 fps)", n_frames, fps);
      return NULL;
    }

  text = _fal_local_media_clean_prompt (prompt);
  words = _fal_local_media_prompt_words (text);
  rng.state = _fal_local_media_args_hash ("video", text, seed, 0);
  _fal_local_media_make_palette (&rng, words, &pal);
  colours[0] = &pal.accent;
  colours[1] = &pal.soft;
  colours[2] = &pal.light;
  colours[3] = &pal.mid;
  colours[4] = &pal.accent;
  for (int i = 0; i < N_SPRITES; i++)
    {
      Sprite *s = &sprites[i];

      s->kind = i < 3 ? 0 : _fal_local_media_rng_int (&rng, 4);
      s->colour = *colours[_fal_local_media_rng_int (&rng, 5)];
      s->alpha = _fal_local_media_rng_range (&rng, 0.45, 0.85);
      s->size = i < 3 ? _fal_local_media_rng_range (&rng, 0.2, 0.35) : _fal_local_media_rng_range (&rng, 0.05, 0.13);
      s->cx = _fal_local_media_rng_range (&rng, 0.25, 0.75);
      s->cy = _fal_local_media_rng_range (&rng, 0.25, 0.65);
      s->ax = _fal_local_media_rng_range (&rng, 0.1, 0.3);
      s->ay = _fal_local_media_rng_range (&rng, 0.1, 0.3);
      s->fx = 1 + _fal_local_media_rng_int (&rng, 2);
      s->fy = 1 + _fal_local_media_rng_int (&rng, 3);
      s->phase_x = _fal_local_media_rng_range (&rng, 0, 2 * G_PI);
      s->phase_y = _fal_local_media_rng_range (&rng, 0, 2 * G_PI);
      s->rot0 = _fal_local_media_rng_range (&rng, 0, 2 * G_PI);
      s->spin = _fal_local_media_rng_int (&rng, 3) - 1;
    }

  surface = _fal_local_media_new_surface (CAIRO_FORMAT_RGB24, width, height, error);
  if (!surface)
    return NULL;
  frame_sizes = g_new (guint32, n_frames);
  avi = g_byte_array_new ();

  /* Headers are written with zero sizes and patched once the frames exist. */
  avi_fourcc (avi, "RIFF");
  avi_u32 (avi, 0);
  avi_fourcc (avi, "AVI ");
  avi_fourcc (avi, "LIST");
  avi_u32 (avi, 4 + 8 + 56 + 8 + 116);
  avi_fourcc (avi, "hdrl");
  avi_fourcc (avi, "avih");
  avi_u32 (avi, 56);
  avi_u32 (avi, 1000000 / fps);        /* dwMicroSecPerFrame */
  avi_u32 (avi, 0);                    /* dwMaxBytesPerSec, patched (offset 36) */
  avi_u32 (avi, 0);                    /* dwPaddingGranularity */
  avi_u32 (avi, 0x10);                 /* AVIF_HASINDEX */
  avi_u32 (avi, n_frames);
  avi_u32 (avi, 0);                    /* dwInitialFrames */
  avi_u32 (avi, 1);                    /* dwStreams */
  avi_u32 (avi, 0);                    /* dwSuggestedBufferSize, patched (offset 60) */
  avi_u32 (avi, width);
  avi_u32 (avi, height);
  for (int i = 0; i < 4; i++)
    avi_u32 (avi, 0);
  avi_fourcc (avi, "LIST");
  avi_u32 (avi, 4 + 8 + 56 + 8 + 40);
  avi_fourcc (avi, "strl");
  avi_fourcc (avi, "strh");
  avi_u32 (avi, 56);
  avi_fourcc (avi, "vids");
  avi_fourcc (avi, "MJPG");
  avi_u32 (avi, 0);                    /* dwFlags */
  avi_u16 (avi, 0);                    /* wPriority */
  avi_u16 (avi, 0);                    /* wLanguage */
  avi_u32 (avi, 0);                    /* dwInitialFrames */
  avi_u32 (avi, 1);                    /* dwScale */
  avi_u32 (avi, fps);                  /* dwRate */
  avi_u32 (avi, 0);                    /* dwStart */
  avi_u32 (avi, n_frames);             /* dwLength */
  avi_u32 (avi, 0);                    /* dwSuggestedBufferSize, patched (offset 144) */
  avi_u32 (avi, 0xffffffff);           /* dwQuality: default */
  avi_u32 (avi, 0);                    /* dwSampleSize */
  avi_u16 (avi, 0);
  avi_u16 (avi, 0);
  avi_u16 (avi, width);
  avi_u16 (avi, height);
  avi_fourcc (avi, "strf");
  avi_u32 (avi, 40);
  avi_u32 (avi, 40);                   /* BITMAPINFOHEADER.biSize */
  avi_u32 (avi, width);
  avi_u32 (avi, height);
  avi_u16 (avi, 1);                    /* biPlanes */
  avi_u16 (avi, 24);                   /* biBitCount */
  avi_fourcc (avi, "MJPG");
  avi_u32 (avi, width * height * 3);   /* biSizeImage */
  for (int i = 0; i < 4; i++)
    avi_u32 (avi, 0);
  g_assert (avi->len == 212);

  movi_list = avi->len;
  avi_fourcc (avi, "LIST");
  avi_u32 (avi, 0);
  avi_fourcc (avi, "movi");

  cr = cairo_create (surface);
  for (guint f = 0; f < n_frames; f++)
    {
      unsigned char *jpeg;
      unsigned long jpeg_len = 0;

      draw_video_frame (cr, &pal, sprites, text, width, height, f, n_frames, fps);
      cairo_surface_flush (surface);
      jpeg = encode_jpeg (surface, &jpeg_len, error);
      if (!jpeg)
        {
          cairo_destroy (cr);
          cairo_surface_destroy (surface);
          g_byte_array_unref (avi);
          return NULL;
        }

      avi_fourcc (avi, "00dc");
      avi_u32 (avi, (guint32) jpeg_len);
      g_byte_array_append (avi, jpeg, (guint) jpeg_len);
      if (jpeg_len & 1)
        g_byte_array_append (avi, (const guint8 *) "", 1);
      frame_sizes[f] = (guint32) jpeg_len;
      max_frame = MAX (max_frame, (guint32) jpeg_len);
      free (jpeg);
    }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);

  _fal_local_media_put_le32 (avi->data + movi_list + 4, avi->len - movi_list - 8);

  /* idx1 offsets are relative to the 'movi' fourcc. */
  avi_fourcc (avi, "idx1");
  avi_u32 (avi, 16 * n_frames);
  {
    guint32 offset = 4;

    for (guint f = 0; f < n_frames; f++)
      {
        avi_fourcc (avi, "00dc");
        avi_u32 (avi, 0x10);           /* AVIIF_KEYFRAME */
        avi_u32 (avi, offset);
        avi_u32 (avi, frame_sizes[f]);
        offset += 8 + frame_sizes[f] + (frame_sizes[f] & 1);
      }
  }

  _fal_local_media_put_le32 (avi->data + 4, avi->len - 8);
  _fal_local_media_put_le32 (avi->data + 36, max_frame * fps);
  _fal_local_media_put_le32 (avi->data + 60, max_frame + 8);
  _fal_local_media_put_le32 (avi->data + 144, max_frame + 8);
  return g_byte_array_free_to_bytes (avi);
}
