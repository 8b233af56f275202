/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Shared helpers of the local fake fal server's media synthesis. Everything
 * here is a pure function of its arguments: no global mutable state (several
 * worker threads call in at once) and no wall-clock or g_random input, so the
 * same request always yields byte-identical output.
 */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>
#include <math.h>

#include <jerror.h>

#include "fal-local-media-private.h"

#define CAPTION_FONT "DejaVu Sans"

/* ---------------------------------------------------------------------- */
/* Hashing and a tiny seeded PRNG                                          */

static guint64
fnv1a (guint64 h, const void *data, gsize len)
{
  const guint8 *p = data;

  for (gsize i = 0; i < len; i++)
    {
      h ^= p[i];
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  return h;
}

static guint64
mix64 (guint64 z)
{
  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

/* The tag keeps e.g. the picture and the sound of one prompt independent. */
guint64
_fal_local_media_args_hash (const char *tag, const char *prompt, gint64 seed, guint64 extra)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  guint8 buf[8];

  h = fnv1a (h, tag, strlen (tag) + 1);
  h = fnv1a (h, prompt ? prompt : "", prompt ? strlen (prompt) : 0);
  /* Fixed byte order so hashes do not depend on the host. */
  for (int i = 0; i < 8; i++)
    buf[i] = (guint8) ((guint64) seed >> (8 * i));
  h = fnv1a (h, buf, 8);
  return mix64 (h ^ mix64 (extra + 1));
}

guint64
_fal_local_media_rng_next (Rng *rng)
{
  rng->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  return mix64 (rng->state);
}

double
_fal_local_media_rng_double (Rng *rng)
{
  return (double) (_fal_local_media_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

double
_fal_local_media_rng_range (Rng *rng, double lo, double hi)
{
  return lo + (hi - lo) * _fal_local_media_rng_double (rng);
}

int
_fal_local_media_rng_int (Rng *rng, int n)
{
  return (int) (_fal_local_media_rng_next (rng) % (guint64) n);
}

/* ---------------------------------------------------------------------- */
/* Prompt helpers                                                          */

/* Valid UTF-8 without control characters, so cairo can always show it. */
char *
_fal_local_media_clean_prompt (const char *prompt)
{
  char *text = g_utf8_make_valid (prompt ? prompt : "", -1);

  for (char *p = text; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (text);
}

/* Lower-case ASCII words, for keyword lookups. */
char **
_fal_local_media_prompt_words (const char *prompt)
{
  g_autofree char *lower = g_ascii_strdown (prompt ? prompt : "", -1);
  g_autoptr(GPtrArray) words = g_ptr_array_new ();
  const char *p = lower;

  while (*p)
    {
      const char *start;

      while (*p && !g_ascii_isalnum (*p))
        p++;
      start = p;
      while (g_ascii_isalnum (*p))
        p++;
      if (p > start)
        g_ptr_array_add (words, g_strndup (start, p - start));
    }
  g_ptr_array_add (words, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&words), FALSE);
}

/* "wave" matches "wave" and "waves". */
static gboolean
word_matches (const char *word, const char *keyword)
{
  gsize klen = strlen (keyword);

  return strncmp (word, keyword, klen) == 0 && (word[klen] == '\0' || strcmp (word + klen, "s") == 0);
}

gboolean
_fal_local_media_has_word (char **words, const char *keyword)
{
  for (guint i = 0; words[i]; i++)
    if (word_matches (words[i], keyword))
      return TRUE;
  return FALSE;
}

gboolean
_fal_local_media_has_any_word (char **words, const char * const *keywords)
{
  for (guint i = 0; keywords[i]; i++)
    if (_fal_local_media_has_word (words, keywords[i]))
      return TRUE;
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Colour                                                                  */

static double
hue_channel (double p, double q, double t)
{
  t -= floor (t);
  if (t < 1.0 / 6)
    return p + (q - p) * 6 * t;
  if (t < 0.5)
    return q;
  if (t < 2.0 / 3)
    return p + (q - p) * (2.0 / 3 - t) * 6;
  return p;
}

/* h in turns, s and l in 0..1. */
Rgb
_fal_local_media_hsl (double h, double s, double l)
{
  double q, p;

  s = CLAMP (s, 0, 1);
  l = CLAMP (l, 0, 1);
  q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  p = 2 * l - q;
  return (Rgb) { hue_channel (p, q, h + 1.0 / 3), hue_channel (p, q, h), hue_channel (p, q, h - 1.0 / 3) };
}

Rgb
_fal_local_media_rgb_mix (Rgb a, Rgb b, double t)
{
  return (Rgb) { a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t };
}

void
_fal_local_media_set_rgba (cairo_t *cr, Rgb c, double alpha)
{
  cairo_set_source_rgba (cr, c.r, c.g, c.b, alpha);
}

void
_fal_local_media_stop_rgba (cairo_pattern_t *pat, double offset, Rgb c, double alpha)
{
  cairo_pattern_add_color_stop_rgba (pat, offset, c.r, c.g, c.b, alpha);
}

/* Words that steer the palette, so "a blue ocean" actually looks blue. */
static const struct
{
  const char *word;
  double hue, sat, light;
} palette_moods[] = {
  { "red", 0.00, 0.75, 0.0 }, { "fire", 0.03, 0.85, 0.0 }, { "lava", 0.02, 0.85, -0.05 },
  { "sunset", 0.05, 0.80, 0.0 }, { "autumn", 0.07, 0.70, 0.0 }, { "orange", 0.08, 0.85, 0.0 },
  { "desert", 0.10, 0.55, 0.05 }, { "gold", 0.12, 0.75, 0.0 }, { "golden", 0.12, 0.75, 0.0 },
  { "yellow", 0.15, 0.80, 0.05 }, { "sun", 0.13, 0.80, 0.05 }, { "lemon", 0.16, 0.8, 0.05 },
  { "green", 0.33, 0.60, 0.0 }, { "forest", 0.31, 0.55, -0.05 }, { "jungle", 0.30, 0.65, -0.03 },
  { "grass", 0.27, 0.65, 0.0 }, { "spring", 0.28, 0.60, 0.08 }, { "teal", 0.48, 0.60, 0.0 },
  { "cyan", 0.50, 0.70, 0.0 }, { "ocean", 0.55, 0.70, 0.0 }, { "sea", 0.54, 0.65, 0.0 },
  { "water", 0.55, 0.60, 0.03 }, { "ice", 0.53, 0.45, 0.12 }, { "snow", 0.58, 0.30, 0.15 },
  { "winter", 0.58, 0.35, 0.10 }, { "sky", 0.57, 0.65, 0.05 }, { "blue", 0.62, 0.70, 0.0 },
  { "night", 0.65, 0.55, -0.12 }, { "space", 0.70, 0.55, -0.12 }, { "galaxy", 0.74, 0.60, -0.10 },
  { "purple", 0.78, 0.60, 0.0 }, { "violet", 0.76, 0.60, 0.0 }, { "lavender", 0.75, 0.45, 0.12 },
  { "magenta", 0.87, 0.70, 0.0 }, { "neon", 0.85, 0.90, 0.0 }, { "cyberpunk", 0.86, 0.85, -0.05 },
  { "pink", 0.93, 0.65, 0.08 }, { "rose", 0.96, 0.60, 0.03 }, { "candy", 0.92, 0.70, 0.08 },
};

void
_fal_local_media_make_palette (Rng *rng, char **words, Palette *pal)
{
  double hue = _fal_local_media_rng_double (rng), sat = _fal_local_media_rng_range (rng, 0.45, 0.8),
         bias = _fal_local_media_rng_range (rng, -0.05, 0.05);
  double h1, h2;
  gboolean found = FALSE;

  for (guint w = 0; words[w] && !found; w++)
    for (guint i = 0; i < G_N_ELEMENTS (palette_moods); i++)
      if (word_matches (words[w], palette_moods[i].word))
        {
          hue = palette_moods[i].hue + _fal_local_media_rng_range (rng, -0.025, 0.025);
          sat = palette_moods[i].sat;
          bias = palette_moods[i].light;
          found = TRUE;
          break;
        }

  switch (_fal_local_media_rng_int (rng, 4))
    {
    case 0: /* analogous */
      h1 = hue + 0.07;
      h2 = hue - 0.07;
      break;
    case 1: /* complementary */
      h1 = hue + 0.04;
      h2 = hue + 0.5;
      break;
    case 2: /* triadic */
      h1 = hue + 1.0 / 3;
      h2 = hue + 2.0 / 3;
      break;
    default: /* split complementary */
      h1 = hue + 0.42;
      h2 = hue + 0.58;
      break;
    }

  pal->deep = _fal_local_media_hsl (hue, sat, 0.16 + bias);
  pal->shade = _fal_local_media_hsl (h1, sat * 0.8, 0.30 + bias);
  pal->mid = _fal_local_media_hsl (hue, sat, 0.45 + bias);
  pal->soft = _fal_local_media_hsl (h1, sat * 0.9, 0.62 + bias);
  pal->light = _fal_local_media_hsl (hue + 0.02, sat * 0.55, 0.86 + bias * 0.5);
  pal->accent = _fal_local_media_hsl (h2, MIN (1.0, sat + 0.15), 0.58);
  pal->dark = bias < -0.08;
}

/* ---------------------------------------------------------------------- */
/* Cairo helpers                                                           */

static cairo_status_t
png_write_cb (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

GBytes *
_fal_local_media_surface_to_png (cairo_surface_t *surface, GError **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();
  cairo_status_t status;

  cairo_surface_flush (surface);
  status = cairo_surface_write_to_png_stream (surface, png_write_cb, out);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not encode PNG: %s", cairo_status_to_string (status));
      return NULL;
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

cairo_surface_t *
_fal_local_media_new_surface (cairo_format_t format, int width, int height, GError **error)
{
  cairo_surface_t *surface = cairo_image_surface_create (format, width, height);

  if (cairo_surface_status (surface) != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "Could not allocate a %d×%d image: %s", width, height,
                   cairo_status_to_string (cairo_surface_status (surface)));
      cairo_surface_destroy (surface);
      return NULL;
    }
  return surface;
}

void
_fal_local_media_rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

void
_fal_local_media_select_font (cairo_t *cr, const char *family, cairo_font_weight_t weight, double px)
{
  cairo_font_options_t *options = cairo_font_options_create ();

  /* Unhinted metrics keep the layout proportional at every size. */
  cairo_font_options_set_hint_metrics (options, CAIRO_HINT_METRICS_OFF);
  cairo_font_options_set_antialias (options, CAIRO_ANTIALIAS_GRAY);
  cairo_set_font_options (cr, options);
  cairo_font_options_destroy (options);
  cairo_select_font_face (cr, family, CAIRO_FONT_SLANT_NORMAL, weight);
  cairo_set_font_size (cr, px);
}

double
_fal_local_media_text_width (cairo_t *cr, const char *text)
{
  cairo_text_extents_t ext;

  cairo_text_extents (cr, text, &ext);
  return ext.x_advance;
}

/* Longest prefix (at least one character) that fits together with suffix. */
static char *
fit_prefix (cairo_t *cr, const char *text, double max_width, const char *suffix)
{
  const char *end = g_utf8_next_char (text);

  for (const char *p = end; *p; )
    {
      const char *next = g_utf8_next_char (p);
      g_autofree char *candidate = g_strdup_printf ("%.*s%s", (int) (next - text), text, suffix);

      if (_fal_local_media_text_width (cr, candidate) > max_width)
        break;
      end = next;
      p = next;
    }
  return g_strdup_printf ("%.*s", (int) (end - text), text);
}

/* Greedy word wrap; overlong words are broken, extra lines end in "…". */
static GPtrArray *
wrap_text (cairo_t *cr, const char *text, double max_width, guint max_lines)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) words = g_strsplit_set (text, " \t", -1);
  g_autoptr(GString) line = g_string_new (NULL);
  gboolean truncated = FALSE;

  for (guint i = 0; words[i] && !truncated; i++)
    {
      const char *word = words[i];

      if (*word == '\0')
        continue;
      if (line->len > 0)
        {
          g_autofree char *candidate = g_strdup_printf ("%s %s", line->str, word);

          if (_fal_local_media_text_width (cr, candidate) <= max_width)
            {
              g_string_assign (line, candidate);
              continue;
            }
          g_ptr_array_add (lines, g_strdup (line->str));
          g_string_truncate (line, 0);
        }
      while (_fal_local_media_text_width (cr, word) > max_width && lines->len <= max_lines)
        {
          g_autofree char *head = fit_prefix (cr, word, max_width, "");

          word += strlen (head);
          g_ptr_array_add (lines, g_steal_pointer (&head));
        }
      g_string_assign (line, word);
      /* Stop early: long prompts must not cost a measurement per word. */
      truncated = lines->len >= max_lines;
    }
  if (line->len > 0)
    g_ptr_array_add (lines, g_strdup (line->str));

  if (lines->len > max_lines)
    {
      const char *last = g_ptr_array_index (lines, max_lines - 1);
      g_autofree char *with_dots = g_strconcat (last, "…", NULL);
      char *fitted;

      if (_fal_local_media_text_width (cr, with_dots) <= max_width)
        fitted = g_steal_pointer (&with_dots);
      else
        {
          g_autofree char *head = fit_prefix (cr, last, max_width, "…");
          fitted = g_strconcat (g_strchomp (head), "…", NULL);
        }
      g_ptr_array_set_size (lines, max_lines);
      g_free (lines->pdata[max_lines - 1]);
      lines->pdata[max_lines - 1] = fitted;
    }
  return lines;
}

/* A translucent dark card in the bottom-left (or top-left) corner with the
 * (wrapped) prompt and a smaller detail line under it. */
void
_fal_local_media_draw_caption (cairo_t *cr, int width, int height, const char *text,
                               const char *detail, double font_px, guint max_lines, gboolean top)
{
  double margin = MAX (4.0, font_px * 0.6), pad = font_px * 0.5;
  double detail_px = font_px * 0.72, max_text = width - 2 * margin - 2 * pad;
  double line_h = font_px * 1.25, detail_h = detail_px * 1.35;
  double box_w = 0, box_h, block_h, x, y;
  g_autoptr(GPtrArray) lines = NULL;
  cairo_font_extents_t fext;

  cairo_save (cr);
  _fal_local_media_select_font (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_NORMAL, font_px);
  lines = wrap_text (cr, *text ? text : "(empty prompt)", max_text, max_lines);
  for (guint i = 0; i < lines->len; i++)
    box_w = MAX (box_w, _fal_local_media_text_width (cr, g_ptr_array_index (lines, i)));
  cairo_font_extents (cr, &fext);
  if (detail)
    {
      _fal_local_media_select_font (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_BOLD, detail_px);
      box_w = MAX (box_w, MIN (max_text, _fal_local_media_text_width (cr, detail)));
    }

  box_w += 2 * pad;
  block_h = (lines->len - 1) * line_h + fext.ascent + fext.descent;
  box_h = 2 * pad + block_h + (detail ? detail_h : 0);
  x = margin;
  y = top ? margin : height - margin - box_h;

  _fal_local_media_rounded_rect (cr, x, y, box_w, box_h, font_px * 0.45);
  cairo_set_source_rgba (cr, 0.05, 0.05, 0.08, 0.62);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.18);
  cairo_set_line_width (cr, MAX (1.0, font_px / 20));
  cairo_stroke (cr);

  _fal_local_media_select_font (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_NORMAL, font_px);
  cairo_set_source_rgb (cr, 1, 1, 1);
  for (guint i = 0; i < lines->len; i++)
    {
      cairo_move_to (cr, x + pad, y + pad + fext.ascent + i * line_h);
      cairo_show_text (cr, g_ptr_array_index (lines, i));
    }
  if (detail)
    {
      _fal_local_media_select_font (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_BOLD, detail_px);
      cairo_set_source_rgba (cr, 1, 0.86, 0.55, 0.95);
      cairo_move_to (cr, x + pad, y + pad + block_h + detail_px * 1.1);
      cairo_show_text (cr, detail);
    }
  cairo_restore (cr);
}

gboolean
_fal_local_media_check_side (const char *what, int side, int max, GError **error)
{
  if (side < 1 || side > max)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s %d is out of range (1..%d)", what, side, max);
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Byte order                                                              */

guint32
_fal_local_media_le32 (const guint8 *p)
{
  return ((guint32) p[3] << 24) | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
}

guint
_fal_local_media_le16 (const guint8 *p)
{
  return ((guint) p[1] << 8) | p[0];
}

void
_fal_local_media_put_le32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

void
_fal_local_media_put_le16 (guint8 *p, guint v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
}

/* ---------------------------------------------------------------------- */
/* JPEG errors                                                             */

static void
jpeg_error_exit_cb (j_common_ptr cinfo)
{
  JpegError *err = (JpegError *) cinfo->err;

  err->pub.format_message (cinfo, err->message);
  longjmp (err->jump, 1);
}

static void
jpeg_emit_message_cb (j_common_ptr cinfo, int level)
{
  JpegError *err = (JpegError *) cinfo->err;

  if (level >= 0)
    return;
  /* libjpeg only warns about truncation and pads with grey; we want an
   * error. Other warnings (stray bytes etc.) are common and harmless. */
  if (err->pub.msg_code == JWRN_JPEG_EOF)
    jpeg_error_exit_cb (cinfo);
  err->pub.num_warnings++;
}

JpegError *
_fal_local_media_jpeg_error_init (JpegError *err)
{
  jpeg_std_error (&err->pub);
  err->pub.error_exit = jpeg_error_exit_cb;
  err->pub.emit_message = jpeg_emit_message_cb;
  err->message[0] = '\0';
  return err;
}

/* ---------------------------------------------------------------------- */
/* Pixel access                                                            */

/* Unpremultiplied 0..1 channels of a cairo ARGB32/RGB24 pixel. */
void
_fal_local_media_unpack_pixel (guint32 p, gboolean alpha, double *r, double *g, double *b, double *a)
{
  double av = alpha ? ((p >> 24) & 0xff) / 255.0 : 1.0;

  *a = av;
  if (av <= 0)
    {
      *r = *g = *b = 0;
      return;
    }
  *r = ((p >> 16) & 0xff) / 255.0 / av;
  *g = ((p >> 8) & 0xff) / 255.0 / av;
  *b = (p & 0xff) / 255.0 / av;
}
