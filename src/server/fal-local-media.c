/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Media synthesis for the local fake fal server. Everything here is a pure
 * function of its arguments: no global mutable state (several worker
 * threads call in at once) and no wall-clock or g_random input, so the
 * same request always yields byte-identical output.
 */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <setjmp.h>
#include <math.h>

#include <jpeglib.h>
#include <jerror.h>

#include "fal-local-media.h"

#define CAPTION_FONT "DejaVu Sans"
#define MONO_FONT "DejaVu Sans Mono"
#define WAV_RATE 22050
#define MIN_TEXT_SIDE 64

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
static guint64
args_hash (const char *tag, const char *prompt, gint64 seed, guint64 extra)
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

typedef struct
{
  guint64 state;
} Rng;

static guint64
rng_next (Rng *rng)
{
  rng->state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);
  return mix64 (rng->state);
}

static double
rng_double (Rng *rng)
{
  return (double) (rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

static double
rng_range (Rng *rng, double lo, double hi)
{
  return lo + (hi - lo) * rng_double (rng);
}

static int
rng_int (Rng *rng, int n)
{
  return (int) (rng_next (rng) % (guint64) n);
}

/* ---------------------------------------------------------------------- */
/* Prompt helpers                                                          */

/* Valid UTF-8 without control characters, so cairo can always show it. */
static char *
clean_prompt (const char *prompt)
{
  char *text = g_utf8_make_valid (prompt ? prompt : "", -1);

  for (char *p = text; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (text);
}

/* Lower-case ASCII words, for keyword lookups. */
static char **
prompt_words (const char *prompt)
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

static gboolean
has_word (char **words, const char *keyword)
{
  for (guint i = 0; words[i]; i++)
    if (word_matches (words[i], keyword))
      return TRUE;
  return FALSE;
}

static gboolean
has_any_word (char **words, const char * const *keywords)
{
  for (guint i = 0; keywords[i]; i++)
    if (has_word (words, keywords[i]))
      return TRUE;
  return FALSE;
}

/* ---------------------------------------------------------------------- */
/* Colour                                                                  */

typedef struct
{
  double r, g, b;
} Rgb;

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
static Rgb
hsl (double h, double s, double l)
{
  double q, p;

  s = CLAMP (s, 0, 1);
  l = CLAMP (l, 0, 1);
  q = l < 0.5 ? l * (1 + s) : l + s - l * s;
  p = 2 * l - q;
  return (Rgb) { hue_channel (p, q, h + 1.0 / 3), hue_channel (p, q, h), hue_channel (p, q, h - 1.0 / 3) };
}

static Rgb
rgb_mix (Rgb a, Rgb b, double t)
{
  return (Rgb) { a.r + (b.r - a.r) * t, a.g + (b.g - a.g) * t, a.b + (b.b - a.b) * t };
}

static void
set_rgba (cairo_t *cr, Rgb c, double alpha)
{
  cairo_set_source_rgba (cr, c.r, c.g, c.b, alpha);
}

static void
stop_rgba (cairo_pattern_t *pat, double offset, Rgb c, double alpha)
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

typedef struct
{
  Rgb deep, mid, soft, light, accent, shade;
  gboolean dark;
} Palette;

static void
make_palette (Rng *rng, char **words, Palette *pal)
{
  double hue = rng_double (rng), sat = rng_range (rng, 0.45, 0.8), bias = rng_range (rng, -0.05, 0.05);
  double h1, h2;
  gboolean found = FALSE;

  for (guint w = 0; words[w] && !found; w++)
    for (guint i = 0; i < G_N_ELEMENTS (palette_moods); i++)
      if (word_matches (words[w], palette_moods[i].word))
        {
          hue = palette_moods[i].hue + rng_range (rng, -0.025, 0.025);
          sat = palette_moods[i].sat;
          bias = palette_moods[i].light;
          found = TRUE;
          break;
        }

  switch (rng_int (rng, 4))
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

  pal->deep = hsl (hue, sat, 0.16 + bias);
  pal->shade = hsl (h1, sat * 0.8, 0.30 + bias);
  pal->mid = hsl (hue, sat, 0.45 + bias);
  pal->soft = hsl (h1, sat * 0.9, 0.62 + bias);
  pal->light = hsl (hue + 0.02, sat * 0.55, 0.86 + bias * 0.5);
  pal->accent = hsl (h2, MIN (1.0, sat + 0.15), 0.58);
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

static GBytes *
surface_to_png (cairo_surface_t *surface, GError **error)
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

static cairo_surface_t *
new_surface (cairo_format_t format, int width, int height, GError **error)
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

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  r = MIN (r, MIN (w, h) / 2);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

static void
select_font (cairo_t *cr, const char *family, cairo_font_weight_t weight, double px)
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

static double
text_width (cairo_t *cr, const char *text)
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

      if (text_width (cr, candidate) > max_width)
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

          if (text_width (cr, candidate) <= max_width)
            {
              g_string_assign (line, candidate);
              continue;
            }
          g_ptr_array_add (lines, g_strdup (line->str));
          g_string_truncate (line, 0);
        }
      while (text_width (cr, word) > max_width && lines->len <= max_lines)
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

      if (text_width (cr, with_dots) <= max_width)
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
static void
draw_caption (cairo_t *cr, int width, int height, const char *text,
              const char *detail, double font_px, guint max_lines, gboolean top)
{
  double margin = MAX (4.0, font_px * 0.6), pad = font_px * 0.5;
  double detail_px = font_px * 0.72, max_text = width - 2 * margin - 2 * pad;
  double line_h = font_px * 1.25, detail_h = detail_px * 1.35;
  double box_w = 0, box_h, block_h, x, y;
  g_autoptr(GPtrArray) lines = NULL;
  cairo_font_extents_t fext;

  cairo_save (cr);
  select_font (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_NORMAL, font_px);
  lines = wrap_text (cr, *text ? text : "(empty prompt)", max_text, max_lines);
  for (guint i = 0; i < lines->len; i++)
    box_w = MAX (box_w, text_width (cr, g_ptr_array_index (lines, i)));
  cairo_font_extents (cr, &fext);
  if (detail)
    {
      select_font (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_BOLD, detail_px);
      box_w = MAX (box_w, MIN (max_text, text_width (cr, detail)));
    }

  box_w += 2 * pad;
  block_h = (lines->len - 1) * line_h + fext.ascent + fext.descent;
  box_h = 2 * pad + block_h + (detail ? detail_h : 0);
  x = margin;
  y = top ? margin : height - margin - box_h;

  rounded_rect (cr, x, y, box_w, box_h, font_px * 0.45);
  cairo_set_source_rgba (cr, 0.05, 0.05, 0.08, 0.62);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, 1, 1, 1, 0.18);
  cairo_set_line_width (cr, MAX (1.0, font_px / 20));
  cairo_stroke (cr);

  select_font (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_NORMAL, font_px);
  cairo_set_source_rgb (cr, 1, 1, 1);
  for (guint i = 0; i < lines->len; i++)
    {
      cairo_move_to (cr, x + pad, y + pad + fext.ascent + i * line_h);
      cairo_show_text (cr, g_ptr_array_index (lines, i));
    }
  if (detail)
    {
      select_font (cr, CAPTION_FONT, CAIRO_FONT_WEIGHT_BOLD, detail_px);
      cairo_set_source_rgba (cr, 1, 0.86, 0.55, 0.95);
      cairo_move_to (cr, x + pad, y + pad + block_h + detail_px * 1.1);
      cairo_show_text (cr, detail);
    }
  cairo_restore (cr);
}

/* ---------------------------------------------------------------------- */
/* Text-to-image                                                           */

static void
paint_landscape (cairo_t *cr, Rng *rng, const Palette *pal, int w, int h)
{
  cairo_pattern_t *pat;
  double sun_x = rng_range (rng, 0.2, 0.8) * w, sun_y = rng_range (rng, 0.15, 0.4) * h;
  double sun_r = rng_range (rng, 0.05, 0.1) * MIN (w, h);
  Rgb sky_top = pal->dark ? pal->deep : pal->soft, sky_low = pal->dark ? pal->shade : pal->light, sun;
  int layers = 3 + rng_int (rng, 3);

  pat = cairo_pattern_create_linear (0, 0, 0, h * 0.7);
  stop_rgba (pat, 0, sky_top, 1);
  stop_rgba (pat, 1, sky_low, 1);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);

  if (pal->dark)
    for (int i = 0; i < 120; i++)
      {
        cairo_arc (cr, rng_double (rng) * w, rng_double (rng) * h * 0.6,
                   MAX (0.5, rng_range (rng, 0.0005, 0.002) * MIN (w, h)), 0, 2 * G_PI);
        cairo_set_source_rgba (cr, 1, 1, 0.95, rng_range (rng, 0.3, 0.9));
        cairo_fill (cr);
      }

  /* A warm sun by day, a pale moon at night. */
  sun = pal->dark ? (Rgb) { 0.92, 0.93, 0.85 } : rgb_mix (pal->light, (Rgb) { 1, 0.9, 0.6 }, 0.6);
  pat = cairo_pattern_create_radial (sun_x, sun_y, sun_r * 0.9, sun_x, sun_y, sun_r * 4);
  stop_rgba (pat, 0, sun, 0.5);
  stop_rgba (pat, 1, sun, 0);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);
  cairo_arc (cr, sun_x, sun_y, sun_r, 0, 2 * G_PI);
  set_rgba (cr, sun, 1);
  cairo_fill (cr);

  for (int layer = 0; layer < layers; layer++)
    {
      double depth = (double) layer / (layers - 1);
      double base = h * (0.5 + 0.4 * depth) - h * 0.05;
      double amp = h * rng_range (rng, 0.04, 0.11) * (1.1 - depth * 0.5);
      double f1 = rng_range (rng, 1, 3), f2 = rng_range (rng, 3, 7), p1 = rng_range (rng, 0, 6.3), p2 = rng_range (rng, 0, 6.3);
      /* Atmospheric perspective: far hills fade into the sky. */
      Rgb col = rgb_mix (rgb_mix (pal->mid, pal->deep, depth), sky_low, (1 - depth) * 0.55);

      cairo_move_to (cr, 0, h);
      for (int i = 0; i <= 96; i++)
        {
          double u = (double) i / 96;
          cairo_line_to (cr, u * w, base - amp * (sin (u * f1 * G_PI + p1) + 0.35 * sin (u * f2 * G_PI + p2)));
        }
      cairo_line_to (cr, w, h);
      cairo_close_path (cr);
      pat = cairo_pattern_create_linear (0, base - amp, 0, h);
      stop_rgba (pat, 0, col, 1);
      stop_rgba (pat, 1, rgb_mix (col, pal->deep, 0.5), 1);
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
  int n = 30 + rng_int (rng, 30);
  const Rgb *colours[] = { &pal->accent, &pal->soft, &pal->light, &pal->mid };

  pat = cairo_pattern_create_radial (w * 0.5, h * 0.4, 0, w * 0.5, h * 0.5, MAX (w, h) * 0.8);
  stop_rgba (pat, 0, pal->shade, 1);
  stop_rgba (pat, 1, pal->deep, 1);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);

  cairo_set_operator (cr, CAIRO_OPERATOR_SCREEN);
  for (int i = 0; i < n; i++)
    {
      double x = rng_double (rng) * w, y = rng_double (rng) * h;
      double r = side * rng_range (rng, 0.02, 0.12) * (i < n / 3 ? 2 : 1);
      Rgb c = *colours[rng_int (rng, G_N_ELEMENTS (colours))];
      double a = rng_range (rng, 0.25, 0.6);

      pat = cairo_pattern_create_radial (x, y, 0, x, y, r);
      stop_rgba (pat, 0, c, a);
      stop_rgba (pat, 0.75, c, a * 0.8);
      stop_rgba (pat, 1, c, 0);
      cairo_set_source (cr, pat);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      cairo_fill (cr);
      cairo_pattern_destroy (pat);
    }
  cairo_set_operator (cr, CAIRO_OPERATOR_OVER);
  cairo_set_line_width (cr, MAX (1.0, side * 0.004));
  for (int i = 0; i < 6; i++)
    {
      cairo_arc (cr, rng_double (rng) * w, rng_double (rng) * h, side * rng_range (rng, 0.03, 0.09), 0, 2 * G_PI);
      set_rgba (cr, pal->light, 0.35);
      cairo_stroke (cr);
    }
}

static void
paint_geometric (cairo_t *cr, Rng *rng, const Palette *pal, int w, int h)
{
  int cols = 3 + rng_int (rng, 4);
  double cell = (double) w / cols;
  int rows = (int) ceil (h / cell);
  const Rgb *colours[] = { &pal->deep, &pal->mid, &pal->soft, &pal->accent, &pal->shade };

  set_rgba (cr, rgb_mix (pal->light, (Rgb) { 0.98, 0.95, 0.88 }, 0.5), 1);
  cairo_paint (cr);

  for (int row = 0; row < rows; row++)
    for (int col = 0; col < cols; col++)
      {
        double x = col * cell, y = row * cell, c = cell / 2;
        Rgb fg = *colours[rng_int (rng, G_N_ELEMENTS (colours))];
        Rgb bg = *colours[rng_int (rng, G_N_ELEMENTS (colours))];

        cairo_save (cr);
        cairo_rectangle (cr, x, y, cell, cell);
        cairo_clip (cr);
        if (rng_double (rng) < 0.55)
          {
            set_rgba (cr, bg, rng_range (rng, 0.35, 1));
            cairo_paint (cr);
          }
        cairo_translate (cr, x + c, y + c);
        cairo_rotate (cr, rng_int (rng, 4) * G_PI / 2);
        set_rgba (cr, fg, 1);
        switch (rng_int (rng, 6))
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
  int n = 7 + rng_int (rng, 8);
  double side = MIN (w, h);

  pat = cairo_pattern_create_linear (0, 0, w, h);
  stop_rgba (pat, 0, pal->deep, 1);
  stop_rgba (pat, 0.6, pal->shade, 1);
  stop_rgba (pat, 1, pal->mid, 1);
  cairo_set_source (cr, pat);
  cairo_paint (cr);
  cairo_pattern_destroy (pat);

  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (int i = 0; i < n; i++)
    {
      double y = h * rng_range (rng, 0.1, 0.9), spread = h * rng_range (rng, 0.15, 0.45);

      cairo_move_to (cr, -0.1 * w, y);
      cairo_curve_to (cr, w * 0.3, y - spread, w * 0.6, y + spread, w * 1.1, y + rng_range (rng, -0.3, 0.3) * h);
      pat = cairo_pattern_create_linear (0, 0, w, 0);
      stop_rgba (pat, 0, pal->accent, rng_range (rng, 0.3, 0.8));
      stop_rgba (pat, 0.5, pal->soft, rng_range (rng, 0.2, 0.7));
      stop_rgba (pat, 1, pal->light, rng_range (rng, 0.3, 0.8));
      cairo_set_source (cr, pat);
      cairo_set_line_width (cr, side * rng_range (rng, 0.01, 0.07));
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
  int pick = rng_int (rng, G_N_ELEMENTS (styles));

  if (has_any_word (words, landscape))
    return paint_landscape;
  if (has_any_word (words, bokeh))
    return paint_bokeh;
  if (has_any_word (words, geometric))
    return paint_geometric;
  if (has_any_word (words, ribbons))
    return paint_ribbons;
  return styles[pick];
}

static gboolean
check_side (const char *what, int side, int max, GError **error)
{
  if (side < 1 || side > max)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s %d is out of range (1..%d)", what, side, max);
      return FALSE;
    }
  return TRUE;
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

  if (!check_side ("Width", width, FAL_LOCAL_MEDIA_MAX_SIDE, error)
      || !check_side ("Height", height, FAL_LOCAL_MEDIA_MAX_SIDE, error))
    return NULL;

  text = clean_prompt (prompt);
  words = prompt_words (text);
  rng.state = args_hash ("image", text, seed, index);
  make_palette (&rng, words, &pal);

  surface = new_surface (CAIRO_FORMAT_RGB24, width, height, error);
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

      draw_caption (cr, width, height, text, detail, font_px, height >= 160 ? 3 : 1, FALSE);
    }
  cairo_destroy (cr);

  png = surface_to_png (surface, error);
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

static guint32
le32 (const guint8 *p)
{
  return ((guint32) p[3] << 24) | ((guint32) p[2] << 16) | ((guint32) p[1] << 8) | p[0];
}

static guint
le16 (const guint8 *p)
{
  return ((guint) p[1] << 8) | p[0];
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

      converted = new_surface (CAIRO_FORMAT_ARGB32, cairo_image_surface_get_width (surface),
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

typedef struct
{
  struct jpeg_error_mgr pub;
  jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
} JpegError;

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

static JpegError *
jpeg_error_init (JpegError *err)
{
  jpeg_std_error (&err->pub);
  err->pub.error_exit = jpeg_error_exit_cb;
  err->pub.emit_message = jpeg_emit_message_cb;
  err->message[0] = '\0';
  return err;
}

#if G_BYTE_ORDER == G_LITTLE_ENDIAN
#define JPEG_CAIRO_COLORSPACE JCS_EXT_BGRX
#else
#define JPEG_CAIRO_COLORSPACE JCS_EXT_XRGB
#endif

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

  cinfo.err = &jpeg_error_init (&err)->pub;
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

  surface = new_surface (CAIRO_FORMAT_RGB24, cinfo.output_width, cinfo.output_height, error);
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
/* Pixel access                                                            */

/* Unpremultiplied 0..1 channels of a cairo ARGB32/RGB24 pixel. */
static void
unpack_pixel (guint32 p, gboolean alpha, double *r, double *g, double *b, double *a)
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
  double angle = rng_range (rng, 0.08, 0.45) * (rng_double (rng) < 0.5 ? -1 : 1) * 2 * G_PI;
  double ca, sa;

  g->saturation = rng_range (rng, 1.05, 1.5);
  g->contrast = rng_range (rng, 1.0, 1.25);
  g->tone_dark = hsl (rng_double (rng), 0.6, 0.35);
  g->tone_light = hsl (rng_double (rng), 0.7, 0.65);
  g->tone = rng_range (rng, 0.15, 0.4);
  g->levels = rng_double (rng) < 0.35 ? 4 + rng_int (rng, 4) : 0;
  g->ripple = rng_double (rng) < 0.5 ? rng_range (rng, 0.004, 0.015) : 0;
  g->wavelength = rng_range (rng, 0.06, 0.2);
  g->phase_x = rng_range (rng, 0, 2 * G_PI);
  g->phase_y = rng_range (rng, 0, 2 * G_PI);
  g->vignette = rng_range (rng, 0.15, 0.45);

  if (has_any_word (words, mono) || (has_word (words, "black") && has_word (words, "white")))
    {
      g->saturation = 0;
      g->contrast = 1.3;
      g->tone = 0.05;
      angle = 0;
    }
  else if (has_any_word (words, sepia))
    {
      g->saturation = 0.1;
      g->tone_dark = (Rgb) { 0.45, 0.32, 0.2 };
      g->tone_light = (Rgb) { 0.62, 0.52, 0.38 };
      g->tone = 0.7;
      angle = 0;
    }
  else if (has_any_word (words, neon))
    {
      g->saturation = 1.9;
      g->contrast = 1.3;
      g->tone_dark = (Rgb) { 0.45, 0.1, 0.6 };
      g->tone_light = (Rgb) { 0.2, 0.8, 0.85 };
      g->tone = 0.5;
    }
  if (has_any_word (words, poster))
    g->levels = 5;
  if (has_any_word (words, dream))
    {
      g->ripple = 0.012;
      g->wavelength = 0.1;
    }
  if (has_any_word (words, warm))
    g->tone_light = (Rgb) { 0.75, 0.55, 0.3 }, g->tone_dark = (Rgb) { 0.5, 0.3, 0.25 };
  else if (has_any_word (words, cold))
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
  if ((width != 0 && !check_side ("Width", width, FAL_LOCAL_MEDIA_MAX_SIDE, error))
      || (height != 0 && !check_side ("Height", height, FAL_LOCAL_MEDIA_MAX_SIDE, error)))
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
  scaled = new_surface (format, width, height, error);
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

  out = new_surface (format, width, height, error);
  if (!out)
    {
      cairo_surface_destroy (scaled);
      return NULL;
    }

  text = clean_prompt (prompt);
  words = prompt_words (text);
  rng.state = args_hash ("transform", text, seed, 0);
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
      draw_caption (cr, width, height, text, detail, MAX (8.0, side / 38.0), 1, TRUE);
      cairo_destroy (cr);
    }

  png = surface_to_png (out, error);
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

          unpack_pixel (row[x], alpha, &r, &g, &b, &a);
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

  question = clean_prompt (prompt);
  if (*question)
    {
      g_auto(GStrv) words = prompt_words (question);

      gsize qlen = strlen (question);

      g_string_append_printf (out, " You asked: “%s”%s", question,
                              strchr ("?!.", question[qlen - 1]) ? "" : ".");
      if (opaque > 0 && (has_word (words, "colour") || has_word (words, "color")))
        {
          g_autofree char *name = colour_key_name (order[0]);
          g_string_append_printf (out, " The main colour is %s.", name);
        }
      g_string_append (out, " I can only judge colours, brightness and layout here, not recognise objects.");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---------------------------------------------------------------------- */
/* Audio                                                                   */

static double
midi_hz (double note)
{
  return 440.0 * pow (2.0, (note - 69) / 12.0);
}

/* Adds a note built from three harmonics. A rotating phasor avoids calling
 * sin() per sample; envelopes are attack ramp, exponential decay and a
 * release ramp so notes never start or stop with a click. */
static void
add_note (float *buf, gsize n, double start, double length, double freq, double amp,
          double attack, double decay, double release, const double harmonics[3])
{
  gint64 first = (gint64) llround (start * WAV_RATE);
  gint64 count = (gint64) llround ((length + release) * WAV_RATE);
  gint64 attack_n = MAX (1, (gint64) (attack * WAV_RATE));
  gint64 release_n = MAX (1, (gint64) (release * WAV_RATE));
  gint64 hold_n = count - release_n;
  double cs[3], sn[3], rc[3], rs[3], level = 1, decay_mul;

  if (freq * 3 >= WAV_RATE / 2.0)
    return;
  decay_mul = decay > 0 ? exp (-1.0 / (decay * WAV_RATE)) : 1;
  for (int k = 0; k < 3; k++)
    {
      double w = 2 * G_PI * freq * (k + 1) / WAV_RATE;
      cs[k] = 1;
      sn[k] = 0;
      rc[k] = cos (w);
      rs[k] = sin (w);
    }

  for (gint64 i = 0; i < count; i++)
    {
      gint64 idx = first + i;
      double env = level, v = 0;

      if (i < attack_n)
        env *= (double) i / attack_n;
      if (i >= hold_n)
        env *= (double) (count - i) / release_n;
      for (int k = 0; k < 3; k++)
        {
          double c = cs[k] * rc[k] - sn[k] * rs[k];
          sn[k] = sn[k] * rc[k] + cs[k] * rs[k];
          cs[k] = c;
          v += harmonics[k] * sn[k];
        }
      level *= decay_mul;
      if (idx >= 0 && (gsize) idx < n)
        buf[idx] += (float) (amp * env * v);
    }
}

static void
put_le32 (guint8 *p, guint32 v)
{
  for (int i = 0; i < 4; i++)
    p[i] = (guint8) (v >> (8 * i));
}

static void
put_le16 (guint8 *p, guint v)
{
  p[0] = (guint8) v;
  p[1] = (guint8) (v >> 8);
}

GBytes *
fal_local_media_render_wav (const char *prompt, gint64 seed, double seconds, GError **error)
{
  static const char * const minor_words[] = { "sad", "dark", "night", "rain", "melancholy", "storm", "mystery", "lonely", NULL };
  static const char * const major_words[] = { "happy", "sunny", "bright", "joy", "summer", "upbeat", NULL };
  static const char * const slow_words[] = { "calm", "ambient", "sleep", "slow", "relax", "meditation", "lullaby", NULL };
  static const char * const fast_words[] = { "dance", "upbeat", "fast", "energetic", "party", "run", NULL };
  static const char * const noise_words[] = { "rain", "ocean", "wave", "wind", "storm", "noise", "sea", "water", "river", NULL };
  static const int major_scale[] = { 0, 2, 4, 7, 9 }, minor_scale[] = { 0, 3, 5, 7, 10 };
  /* Chord roots (semitones above the key) with 1 = minor triad. */
  static const int major_progs[][4][2] = {
    { { 0, 0 }, { 7, 0 }, { 9, 1 }, { 5, 0 } }, { { 0, 0 }, { 9, 1 }, { 5, 0 }, { 7, 0 } },
    { { 0, 0 }, { 5, 0 }, { 9, 1 }, { 7, 0 } }, { { 2, 1 }, { 7, 0 }, { 0, 0 }, { 9, 1 } },
  };
  static const int minor_progs[][4][2] = {
    { { 0, 1 }, { 8, 0 }, { 3, 0 }, { 10, 0 } }, { { 0, 1 }, { 5, 1 }, { 10, 0 }, { 3, 0 } },
    { { 0, 1 }, { 10, 0 }, { 8, 0 }, { 7, 1 } }, { { 0, 1 }, { 3, 0 }, { 10, 0 }, { 5, 1 } },
  };
  g_autofree char *text = NULL;
  g_auto(GStrv) words = NULL;
  g_autofree float *buf = NULL;
  const int *scale;
  const int (*prog)[2];
  double bpm, beat, bar, noise_level, peak = 0, gain, fade, lp1 = 0, lp2 = 0;
  double lead[3], pad[3] = { 1, 0.15, 0.05 }, bass[3] = { 1, 0.3, 0.08 };
  int root, motif[16];
  gboolean minor;
  gsize n, n_bars;
  guint8 *wav;
  Rng rng, noise_rng;

  if (!isfinite (seconds) || seconds <= 0 || seconds > 600)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Duration %g s is out of range (0 < seconds ≤ 600)", seconds);
      return NULL;
    }

  text = clean_prompt (prompt);
  words = prompt_words (text);
  rng.state = args_hash ("audio", text, seed, 0);
  noise_rng.state = rng_next (&rng);

  n = MAX (1, (gsize) llround (seconds * WAV_RATE));
  buf = g_new0 (float, n);

  root = 45 + rng_int (&rng, 12);
  minor = has_any_word (words, minor_words) ? TRUE
    : has_any_word (words, major_words) ? FALSE : rng_double (&rng) < 0.4;
  scale = minor ? minor_scale : major_scale;
  prog = minor ? minor_progs[rng_int (&rng, 4)] : major_progs[rng_int (&rng, 4)];
  bpm = has_any_word (words, slow_words) ? rng_range (&rng, 60, 72)
    : has_any_word (words, fast_words) ? rng_range (&rng, 118, 132) : rng_range (&rng, 76, 112);
  beat = 60.0 / bpm;
  bar = 4 * beat;
  noise_level = has_any_word (words, noise_words) ? 0.22 : 0.025;
  lead[0] = 1;
  lead[1] = rng_range (&rng, 0.1, 0.5);
  lead[2] = rng_range (&rng, 0.0, 0.25);
  for (int i = 0; i < 16; i++)
    motif[i] = rng_double (&rng) < 0.7 ? rng_int (&rng, 8) : -1;

  n_bars = (gsize) ceil (seconds / bar) + 1;
  for (gsize b = 0; b < n_bars; b++)
    {
      const int *chord = prog[b % 4];
      int third = chord[1] ? 3 : 4;
      double t0 = b * bar;

      /* Pad: overlapping slow swells, slightly detuned for warmth. */
      for (int v = 0; v < 3; v++)
        {
          int note = root + 12 + chord[0] + (v == 0 ? 0 : v == 1 ? third : 7);

          add_note (buf, n, t0 - 0.15, bar + 0.1, midi_hz (note), 0.055, bar * 0.3, 0, 0.6, pad);
          add_note (buf, n, t0 - 0.15, bar + 0.1, midi_hz (note + 0.08), 0.04, bar * 0.35, 0, 0.6, pad);
        }
      /* Bass on each beat, octave jump on the last one. */
      for (int k = 0; k < 4; k++)
        add_note (buf, n, t0 + k * beat, beat * 0.9, midi_hz (root - 12 + chord[0] + (k == 3 ? 12 : 0)),
                  0.2, 0.006, beat * 0.7, 0.05, bass);
      /* Lead: a two-bar motif over the pentatonic scale, varied as it repeats. */
      for (int step = 0; step < 8; step++)
        {
          int m = motif[(b % 2) * 8 + step], deg, note;

          if (m < 0 || (b >= 2 && rng_double (&rng) < 0.15))
            continue;
          if (b >= 2 && rng_double (&rng) < 0.2)
            m = CLAMP (m + rng_int (&rng, 3) - 1, 0, 9);
          deg = m % 5;
          note = root + 24 + scale[deg] + 12 * (m / 5);
          add_note (buf, n, t0 + step * beat / 2, beat * 0.45, midi_hz (note), 0.13,
                    0.008, beat * 0.6, 0.08, lead);
        }
    }

  /* Low-passed noise swelling like waves or wind. */
  for (gsize i = 0; i < n; i++)
    {
      double white = rng_double (&noise_rng) * 2 - 1;
      double swell = 0.55 + 0.45 * sin (2 * G_PI * i / (WAV_RATE * 7.3));

      lp1 += 0.08 * (white - lp1);
      lp2 += 0.08 * (lp1 - lp2);
      buf[i] += (float) (noise_level * 3 * lp2 * swell);
    }

  for (gsize i = 0; i < n; i++)
    peak = MAX (peak, fabs (buf[i]));
  gain = peak > 1e-9 ? 0.8 / peak : 0;

  wav = g_malloc (44 + n * 2);
  memcpy (wav, "RIFF", 4);
  put_le32 (wav + 4, (guint32) (36 + n * 2));
  memcpy (wav + 8, "WAVEfmt ", 8);
  put_le32 (wav + 16, 16);
  put_le16 (wav + 20, 1);             /* PCM */
  put_le16 (wav + 22, 1);             /* mono */
  put_le32 (wav + 24, WAV_RATE);
  put_le32 (wav + 28, WAV_RATE * 2);  /* byte rate */
  put_le16 (wav + 32, 2);             /* block align */
  put_le16 (wav + 34, 16);
  memcpy (wav + 36, "data", 4);
  put_le32 (wav + 40, (guint32) (n * 2));

  fade = MIN (0.5, seconds * 0.1) * WAV_RATE;
  for (gsize i = 0; i < n; i++)
    {
      double v = buf[i] * gain;
      double edge = MIN ((double) i, (double) (n - 1 - i));

      if (edge < fade)
        v *= 0.5 - 0.5 * cos (G_PI * edge / fade);
      put_le16 (wav + 44 + 2 * i, (guint16) (gint16) lround (CLAMP (v, -1, 1) * 32767));
    }
  return g_bytes_new_take (wav, 44 + n * 2);
}

gboolean
fal_local_media_wav_info (GBytes *wav, double *seconds, guint *sample_rate, guint *channels, GError **error)
{
  const guint8 *data;
  gsize len, pos = 12;
  guint fmt_channels = 0, fmt_rate = 0, fmt_align = 0;
  gboolean have_fmt = FALSE;

  g_return_val_if_fail (wav != NULL, FALSE);
  data = g_bytes_get_data (wav, &len);

  if (len < 12 || memcmp (data, "RIFF", 4) != 0 || memcmp (data + 8, "WAVE", 4) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a RIFF/WAVE file");
      return FALSE;
    }

  while (pos + 8 <= len)
    {
      const guint8 *id = data + pos;
      guint64 size = le32 (data + pos + 4), body = pos + 8;

      if (memcmp (id, "fmt ", 4) == 0)
        {
          guint tag, bits;

          if (size < 16 || body + size > len)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "WAV fmt chunk is truncated");
              return FALSE;
            }
          tag = le16 (data + body);
          fmt_channels = le16 (data + body + 2);
          fmt_rate = le32 (data + body + 4);
          fmt_align = le16 (data + body + 12);
          bits = le16 (data + body + 14);
          /* WAVE_FORMAT_EXTENSIBLE carries the real format in its GUID. */
          if (tag == 0xfffe && size >= 40)
            tag = le16 (data + body + 24);
          if (tag != 1 && tag != 3)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "WAV format 0x%04x is not PCM", tag);
              return FALSE;
            }
          if (fmt_channels == 0 || fmt_rate == 0 || bits == 0 || bits > 64
              || fmt_align < fmt_channels * ((bits + 7) / 8))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "WAV fmt chunk is inconsistent (%u channels, %u Hz, %u bits, block %u)",
                           fmt_channels, fmt_rate, bits, fmt_align);
              return FALSE;
            }
          have_fmt = TRUE;
        }
      else if (memcmp (id, "data", 4) == 0)
        {
          if (!have_fmt)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "WAV data chunk comes before fmt");
              return FALSE;
            }
          if (body + size > len)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "WAV data is truncated: %" G_GUINT64_FORMAT " bytes declared, %" G_GSIZE_FORMAT " present",
                           size, len - (gsize) body);
              return FALSE;
            }
          if (seconds)
            *seconds = (double) (size / fmt_align) / fmt_rate;
          if (sample_rate)
            *sample_rate = fmt_rate;
          if (channels)
            *channels = fmt_channels;
          return TRUE;
        }
      pos = body + size + (size & 1);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               have_fmt ? "WAV file has no data chunk" : "WAV file has no fmt chunk");
  return FALSE;
}

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
  stop_rgba (pat, 0, pal->deep, 1);
  stop_rgba (pat, 1, pal->shade, 1);
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
      set_rgba (cr, s->colour, s->alpha);
      switch (s->kind)
        {
        case 0:
          pat = cairo_pattern_create_radial (0, 0, 0, 0, 0, r);
          stop_rgba (pat, 0, s->colour, s->alpha);
          stop_rgba (pat, 0.7, s->colour, s->alpha * 0.7);
          stop_rgba (pat, 1, s->colour, 0);
          cairo_set_source (cr, pat);
          cairo_arc (cr, 0, 0, r, 0, 2 * G_PI);
          cairo_fill (cr);
          cairo_pattern_destroy (pat);
          break;
        case 1:
          rounded_rect (cr, -r * 0.7, -r * 0.7, r * 1.4, r * 1.4, r * 0.25);
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

  draw_caption (cr, w, h, text, NULL, font_px, h >= 240 ? 2 : 1, FALSE);

  counter = g_strdup_printf ("%u/%u  %.2f s", frame + 1, n_frames, (double) frame / fps);
  select_font (cr, MONO_FONT, CAIRO_FONT_WEIGHT_BOLD, font_px * 0.7);
  {
    double pad = font_px * 0.35, tw = text_width (cr, counter), m = MAX (4.0, font_px * 0.6);

    rounded_rect (cr, m, m, tw + 2 * pad, font_px * 0.7 + 2 * pad, pad);
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

  put_le32 (b, v);
  g_byte_array_append (out, b, 4);
}

static void
avi_u16 (GByteArray *out, guint v)
{
  guint8 b[2];

  put_le16 (b, v);
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

  cinfo.err = &jpeg_error_init (&err)->pub;
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

  text = clean_prompt (prompt);
  words = prompt_words (text);
  rng.state = args_hash ("video", text, seed, 0);
  make_palette (&rng, words, &pal);
  colours[0] = &pal.accent;
  colours[1] = &pal.soft;
  colours[2] = &pal.light;
  colours[3] = &pal.mid;
  colours[4] = &pal.accent;
  for (int i = 0; i < N_SPRITES; i++)
    {
      Sprite *s = &sprites[i];

      s->kind = i < 3 ? 0 : rng_int (&rng, 4);
      s->colour = *colours[rng_int (&rng, 5)];
      s->alpha = rng_range (&rng, 0.45, 0.85);
      s->size = i < 3 ? rng_range (&rng, 0.2, 0.35) : rng_range (&rng, 0.05, 0.13);
      s->cx = rng_range (&rng, 0.25, 0.75);
      s->cy = rng_range (&rng, 0.25, 0.65);
      s->ax = rng_range (&rng, 0.1, 0.3);
      s->ay = rng_range (&rng, 0.1, 0.3);
      s->fx = 1 + rng_int (&rng, 2);
      s->fy = 1 + rng_int (&rng, 3);
      s->phase_x = rng_range (&rng, 0, 2 * G_PI);
      s->phase_y = rng_range (&rng, 0, 2 * G_PI);
      s->rot0 = rng_range (&rng, 0, 2 * G_PI);
      s->spin = rng_int (&rng, 3) - 1;
    }

  surface = new_surface (CAIRO_FORMAT_RGB24, width, height, error);
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

  put_le32 (avi->data + movi_list + 4, avi->len - movi_list - 8);

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

  put_le32 (avi->data + 4, avi->len - 8);
  put_le32 (avi->data + 36, max_frame * fps);
  put_le32 (avi->data + 60, max_frame + 8);
  put_le32 (avi->data + 144, max_frame + 8);
  return g_byte_array_free_to_bytes (avi);
}
