/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib.h>

#include "falstaff-display-name.h"

/* How the form shows a schema's words: enum values and titles as people
 * write them, acronyms right, values already written for people left
 * as they are. */

static void
test_value_names (void)
{
  static const struct { const char *raw, *shown; } cases[] = {
    { "square_hd", "Square HD" },
    { "square", "Square" },
    { "portrait_4_3", "Portrait 4:3" },
    { "portrait_16_9", "Portrait 16:9" },
    { "landscape_4_3", "Landscape 4:3" },
    { "landscape_16_9", "Landscape 16:9" },
    { "jpeg", "JPEG" },
    { "png", "PNG" },
    { "mp4", "MP4" },
    { "wav", "WAV" },
    { "webp", "WebP" },
    { "fps_30", "FPS 30" },
    { "lora", "LoRA" },
    { "sd_vae", "SD VAE" },
    { "transcribe", "Transcribe" },
    { "segment", "Segment" },
    { "v1", "v1" },
    { "v2", "v2" },
    { "euler_a", "Euler a" },
    { "best_of_both", "Best of Both" },
    { "high_cfg_json_api", "High CFG JSON API" },
    { "user_id", "User ID" },
    { "image_urls", "Image URLs" },
    { "hd_4k", "HD 4K" },
    { "1_1", "1:1" },
    { "21_9_wide", "21:9 Wide" },
    /* Already written for people, or not an identifier: as it is. */
    { "Euler a", "Euler a" },
    { "DPM++ 2M Karras", "DPM++ 2M Karras" },
    { "google/gemini-flash-1.5", "google/gemini-flash-1.5" },
    { "anthropic/claude-3-5-haiku", "anthropic/claude-3-5-haiku" },
    { "gpt-4o", "gpt-4o" },
    { "3", "3" },
    { "1024", "1024" },
    { "16:9", "16:9" },
    { "en", "En" },
    { "", "" },
    { "_x", "_x" },
    { "x_", "x_" },
    { "a__b", "a__b" },
    { "Square_HD", "Square_HD" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = falstaff_display_name_for_value (cases[i].raw);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
}

static void
test_title_names (void)
{
  static const struct { const char *raw, *shown; } cases[] = {
    { "Image Url", "Image URL" },
    { "Image Urls", "Image URLs" },
    { "Audio Url", "Audio URL" },
    { "Image url", "Image URL" },
    { "Loras", "LoRAs" },
    { "Lora Scale", "LoRA Scale" },
    { "Guidance scale (CFG)", "Guidance scale (CFG)" },
    { "Guidance Scale (cfg)", "Guidance Scale (CFG)" },
    { "Enable Safety Checker", "Enable Safety Checker" },
    { "Num Inference Steps", "Num Inference Steps" },
    { "Voice Id", "Voice ID" },
    { "Reference Ids", "Reference IDs" },
    { "Fps", "FPS" },
    { "Output Format (png or jpeg)", "Output Format (PNG or JPEG)" },
    { "Vae Path", "VAE Path" },
    { "Api Key", "API Key" },
    { "Json Schema", "JSON Schema" },
    { "Mp4 Url", "MP4 URL" },
    { "Ip Adapter Scale", "IP Adapter Scale" },
    { "Sd Version", "SD Version" },
    { "Sync Mode", "Sync Mode" },
    { "Seed", "Seed" },
    { "Prompt", "Prompt" },
    { "Ideas", "Ideas" },
    { "Hides", "Hides" },
    { "Is Public", "Is Public" },
    { "Taille de l’image", "Taille de l’image" },
    { "Größe Url", "Größe URL" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = falstaff_display_name_for_title (cases[i].raw);

      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/display-name/values", test_value_names);
  g_test_add_func ("/app/display-name/titles", test_title_names);
  return g_test_run ();
}
