/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* How the words of a schema are shown to people.
 *
 * Enum values written as identifiers become words: "square_hd" →
 * "Square HD", "portrait_4_3" → "Portrait 4:3", "png" → "PNG". A value
 * that is already written for people is left as it is: anything with a
 * capital, a space, a slash, a dot or a hyphen ("Euler a",
 * "google/gemini-flash-1.5"), and plain numbers.
 *
 * Titles keep their words and get their acronyms right: "Image Url" →
 * "Image URL", "Loras" → "LoRAs", "Guidance scale (cfg)" → "Guidance
 * scale (CFG)".
 *
 * The raw value is what a request carries; these are only for showing. */
char *falstaff_display_name_for_value (const char *value);
char *falstaff_display_name_for_title (const char *title);

G_END_DECLS
