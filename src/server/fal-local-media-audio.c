/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Local fake fal server media: a seeded WAV melody and WAV header parsing.
 */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>
#include <math.h>

#include "fal-local-media-private.h"

#define WAV_RATE 22050

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

  text = _fal_local_media_clean_prompt (prompt);
  words = _fal_local_media_prompt_words (text);
  rng.state = _fal_local_media_args_hash ("audio", text, seed, 0);
  noise_rng.state = _fal_local_media_rng_next (&rng);

  n = MAX (1, (gsize) llround (seconds * WAV_RATE));
  buf = g_new0 (float, n);

  root = 45 + _fal_local_media_rng_int (&rng, 12);
  minor = _fal_local_media_has_any_word (words, minor_words) ? TRUE
    : _fal_local_media_has_any_word (words, major_words) ? FALSE : _fal_local_media_rng_double (&rng) < 0.4;
  scale = minor ? minor_scale : major_scale;
  prog = minor ? minor_progs[_fal_local_media_rng_int (&rng, 4)] : major_progs[_fal_local_media_rng_int (&rng, 4)];
  bpm = _fal_local_media_has_any_word (words, slow_words) ? _fal_local_media_rng_range (&rng, 60, 72)
    : _fal_local_media_has_any_word (words, fast_words) ? _fal_local_media_rng_range (&rng, 118, 132)
    : _fal_local_media_rng_range (&rng, 76, 112);
  beat = 60.0 / bpm;
  bar = 4 * beat;
  noise_level = _fal_local_media_has_any_word (words, noise_words) ? 0.22 : 0.025;
  lead[0] = 1;
  lead[1] = _fal_local_media_rng_range (&rng, 0.1, 0.5);
  lead[2] = _fal_local_media_rng_range (&rng, 0.0, 0.25);
  for (int i = 0; i < 16; i++)
    motif[i] = _fal_local_media_rng_double (&rng) < 0.7 ? _fal_local_media_rng_int (&rng, 8) : -1;

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

          if (m < 0 || (b >= 2 && _fal_local_media_rng_double (&rng) < 0.15))
            continue;
          if (b >= 2 && _fal_local_media_rng_double (&rng) < 0.2)
            {
              /* Drawn once: CLAMP evaluates its argument up to three
               * times, and each draw differs (m could reach -1, and
               * scale[-1] was read: found by ASan). */
              int step_change = _fal_local_media_rng_int (&rng, 3) - 1;

              m = CLAMP (m + step_change, 0, 9);
            }
          deg = m % 5;
          note = root + 24 + scale[deg] + 12 * (m / 5);
          add_note (buf, n, t0 + step * beat / 2, beat * 0.45, midi_hz (note), 0.13,
                    0.008, beat * 0.6, 0.08, lead);
        }
    }

  /* Low-passed noise swelling like waves or wind. */
  for (gsize i = 0; i < n; i++)
    {
      double white = _fal_local_media_rng_double (&noise_rng) * 2 - 1;
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
  _fal_local_media_put_le32 (wav + 4, (guint32) (36 + n * 2));
  memcpy (wav + 8, "WAVEfmt ", 8);
  _fal_local_media_put_le32 (wav + 16, 16);
  _fal_local_media_put_le16 (wav + 20, 1);             /* PCM */
  _fal_local_media_put_le16 (wav + 22, 1);             /* mono */
  _fal_local_media_put_le32 (wav + 24, WAV_RATE);
  _fal_local_media_put_le32 (wav + 28, WAV_RATE * 2);  /* byte rate */
  _fal_local_media_put_le16 (wav + 32, 2);             /* block align */
  _fal_local_media_put_le16 (wav + 34, 16);
  memcpy (wav + 36, "data", 4);
  _fal_local_media_put_le32 (wav + 40, (guint32) (n * 2));

  fade = MIN (0.5, seconds * 0.1) * WAV_RATE;
  for (gsize i = 0; i < n; i++)
    {
      double v = buf[i] * gain;
      double edge = MIN ((double) i, (double) (n - 1 - i));

      if (edge < fade)
        v *= 0.5 - 0.5 * cos (G_PI * edge / fade);
      _fal_local_media_put_le16 (wav + 44 + 2 * i, (guint16) (gint16) lround (CLAMP (v, -1, 1) * 32767));
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
      guint64 size = _fal_local_media_le32 (data + pos + 4), body = pos + 8;

      if (memcmp (id, "fmt ", 4) == 0)
        {
          guint tag, bits;

          if (size < 16 || body + size > len)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "WAV fmt chunk is truncated");
              return FALSE;
            }
          tag = _fal_local_media_le16 (data + body);
          fmt_channels = _fal_local_media_le16 (data + body + 2);
          fmt_rate = _fal_local_media_le32 (data + body + 4);
          fmt_align = _fal_local_media_le16 (data + body + 12);
          bits = _fal_local_media_le16 (data + body + 14);
          /* WAVE_FORMAT_EXTENSIBLE carries the real format in its GUID. */
          if (tag == 0xfffe && size >= 40)
            tag = _fal_local_media_le16 (data + body + 24);
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
