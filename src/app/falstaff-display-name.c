/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <string.h>

#include "falstaff-display-name.h"

/* Words that schemas write in lower case (or as "Url") and people write
 * otherwise. Kept to abbreviations that are never ordinary English
 * words, so a title word is not changed by mistake. */
static const struct {
  const char *word;   /* lower case */
  const char *shown;
} acronyms[] = {
  { "1k", "1K" }, { "2d", "2D" }, { "2k", "2K" }, { "3d", "3D" }, { "4k", "4K" }, { "8k", "8K" },
  { "aac", "AAC" }, { "ai", "AI" }, { "api", "API" }, { "av1", "AV1" }, { "bf16", "BF16" },
  { "bmp", "BMP" }, { "bpm", "BPM" }, { "cfg", "CFG" }, { "cpu", "CPU" }, { "csv", "CSV" },
  { "ddim", "DDIM" }, { "dpi", "DPI" }, { "flac", "FLAC" }, { "fp16", "FP16" }, { "fp8", "FP8" },
  { "fps", "FPS" }, { "gif", "GIF" }, { "gpu", "GPU" }, { "h264", "H.264" }, { "h265", "H.265" },
  { "hd", "HD" }, { "hdr", "HDR" }, { "hevc", "HEVC" }, { "html", "HTML" }, { "http", "HTTP" },
  { "https", "HTTPS" }, { "id", "ID" }, { "ip", "IP" }, { "jpeg", "JPEG" }, { "jpg", "JPG" },
  { "json", "JSON" }, { "lcm", "LCM" }, { "llm", "LLM" }, { "lora", "LoRA" }, { "mp3", "MP3" },
  { "mp4", "MP4" }, { "nsfw", "NSFW" }, { "ocr", "OCR" }, { "pcm", "PCM" }, { "pdf", "PDF" },
  { "png", "PNG" }, { "rgb", "RGB" }, { "rgba", "RGBA" }, { "sd", "SD" }, { "sde", "SDE" },
  { "sdxl", "SDXL" }, { "srt", "SRT" }, { "ssml", "SSML" }, { "svg", "SVG" }, { "tiff", "TIFF" },
  { "tts", "TTS" }, { "uhd", "UHD" }, { "ui", "UI" }, { "uri", "URI" }, { "url", "URL" },
  { "uuid", "UUID" }, { "vae", "VAE" }, { "vtt", "VTT" }, { "wav", "WAV" }, { "webm", "WebM" },
  { "webp", "WebP" }, { "xl", "XL" },
};

/* Small words stay in lower case inside a value made of words. */
static const char * const small_words[] = {
  "a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "vs", "with",
};

static const char *
acronym (const char *lower)
{
  for (guint i = 0; i < G_N_ELEMENTS (acronyms); i++)
    if (g_str_equal (acronyms[i].word, lower))
      return acronyms[i].shown;
  return NULL;
}

/* The word as people write it when it is an acronym or the plural of
 * one ("urls" → "URLs"), else NULL. */
static char *
acronym_word (const char *word,
              gsize       length)
{
  g_autofree char *lower = g_ascii_strdown (word, length);
  const char *shown = acronym (lower);

  if (shown)
    return g_strdup (shown);
  if (length > 2 && lower[length - 1] == 's')
    {
      lower[length - 1] = '\0';
      shown = acronym (lower);
      if (shown && g_ascii_isalpha (shown[strlen (shown) - 1]))
        return g_strconcat (shown, "s", NULL);
    }
  return NULL;
}

char *
falstaff_display_name_for_title (const char *title)
{
  GString *out;
  const char *p;

  g_return_val_if_fail (title != NULL, NULL);

  out = g_string_sized_new (strlen (title) + 8);
  p = title;
  while (*p)
    {
      const char *start = p;
      g_autofree char *shown = NULL;

      if (!g_ascii_isalnum (*p))
        {
          g_string_append_c (out, *p++);
          continue;
        }
      while (g_ascii_isalnum (*p))
        p++;
      shown = acronym_word (start, p - start);
      if (shown)
        g_string_append (out, shown);
      else
        g_string_append_len (out, start, p - start);
    }
  return g_string_free (out, FALSE);
}

static gboolean
is_identifier (const char *value)
{
  gboolean word = FALSE;
  gboolean letter_or_joint = FALSE;

  /* [a-z0-9]+(_[a-z0-9]+)*, with a letter or an underscore somewhere. */
  for (const char *p = value; *p; p++)
    {
      if (g_ascii_islower (*p) || g_ascii_isdigit (*p))
        {
          letter_or_joint |= g_ascii_islower (*p);
          word = TRUE;
        }
      else if (*p == '_' && word && p[1] != '\0')
        {
          letter_or_joint = TRUE;
          word = FALSE;
        }
      else
        return FALSE;
    }
  return word && letter_or_joint;
}

static gboolean
all_digits (const char *word)
{
  for (const char *p = word; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return *word != '\0';
}

/* "v1", "v2", "v1.5": versions are written in lower case. */
static gboolean
is_version (const char *word)
{
  return word[0] == 'v' && all_digits (word + 1);
}

static gboolean
is_small_word (const char *word)
{
  for (guint i = 0; i < G_N_ELEMENTS (small_words); i++)
    if (g_str_equal (small_words[i], word))
      return TRUE;
  return FALSE;
}

char *
falstaff_display_name_for_value (const char *value)
{
  g_auto(GStrv) words = NULL;
  GString *out;

  g_return_val_if_fail (value != NULL, NULL);

  if (!is_identifier (value))
    return g_strdup (value);

  words = g_strsplit (value, "_", -1);
  out = g_string_new (NULL);
  for (guint i = 0; words[i]; i++)
    {
      const char *word = words[i];
      g_autofree char *shown = acronym_word (word, strlen (word));

      /* Numbers side by side are a ratio: 4_3 → 4:3. */
      if (i > 0 && all_digits (word) && all_digits (words[i - 1]))
        g_string_append_c (out, ':');
      else if (i > 0)
        g_string_append_c (out, ' ');

      if (shown)
        g_string_append (out, shown);
      else if (is_version (word) || (i > 0 && (strlen (word) == 1 || is_small_word (word))))
        g_string_append (out, word);
      else
        {
          g_string_append_c (out, g_ascii_toupper (word[0]));
          g_string_append (out, word + 1);
        }
    }
  return g_string_free (out, FALSE);
}
