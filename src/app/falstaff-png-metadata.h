/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Text chunks in PNG files (no GTK): what a saved output carries about
 * how it was made. */

/* Keys written into saved PNGs. */
#define FALSTAFF_PNG_KEY_SOFTWARE   "Software"
#define FALSTAFF_PNG_KEY_ENDPOINT   "fal:endpoint"
#define FALSTAFF_PNG_KEY_REQUEST_ID "fal:request_id"
#define FALSTAFF_PNG_KEY_SEED       "fal:seed"
#define FALSTAFF_PNG_KEY_INPUTS     "fal:inputs"
/* A sweep's contact sheet: its axes ({"axes": [{"field", "values"}]})
 * and the inputs every run shared. */
#define FALSTAFF_PNG_KEY_SHEET_AXES         "fal:sweep_axes"
#define FALSTAFF_PNG_KEY_SHEET_FIXED_INPUTS "fal:fixed_inputs"

/* TRUE when the bytes start with the PNG signature. */
gboolean    falstaff_png_is_png        (GBytes              *data);
/* A copy of @png with one text chunk per key/value pair (UTF-8, a
 * NULL-terminated list key, value, key, value, …, NULL) inserted before
 * IEND: tEXt when the value is Latin-1, iTXt otherwise. Existing text
 * chunks with the same keys are dropped, so saving twice does not repeat
 * them. Pairs with a NULL or empty value are skipped. Keys must be 1–79
 * printable Latin-1 characters. */
GBytes     *falstaff_png_add_text      (GBytes              *png,
                                        const char * const  *keys_and_values,
                                        GError             **error);
/* The uncompressed tEXt and iTXt chunks of @png: key → value, both UTF-8
 * (the first chunk wins when a key repeats). Checks the chunks' CRCs. */
GHashTable *falstaff_png_read_text     (GBytes              *png,
                                        GError             **error);

G_END_DECLS
