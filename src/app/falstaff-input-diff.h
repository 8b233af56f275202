/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The top-level keys whose values are not the same in every one of the
 * inputs (JSON objects; a NULL or non-object counts as {}), sorted. A key
 * missing from some differs. Values compare as JSON: 1 and 1.0 are the
 * same number, objects by their members whatever their order. */
char   **falstaff_input_diff_keys  (JsonNode **inputs,
                                    guint      n_inputs);
/* Every top-level key of the inputs, sorted, each once. */
char   **falstaff_input_all_keys   (JsonNode **inputs,
                                    guint      n_inputs);

G_END_DECLS
