/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "fal-form-field.h"

G_BEGIN_DECLS

/* Finds the submit body schema of endpoint_id in an endpoint's OpenAPI
 * document (paths["/ID"].post.requestBody, else the only POST, else the
 * one components schema named …Input), resolves $ref, allOf and
 * anyOf/oneOf, and builds its fields in display order: required first,
 * then x-fal-order-properties, then the rest in document order. A
 * GPtrArray of FalFormField (owned); NULL with FAL_ERROR_PROTOCOL when
 * the document has no usable input schema. */
GPtrArray *_fal_schema_build_fields (JsonNode    *document,
                                     const char  *endpoint_id,
                                     GError     **error);

G_END_DECLS
