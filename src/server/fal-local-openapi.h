/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Returns the OpenAPI document of endpoint_id from the resources, or NULL
 * (no error set) when the server does not offer it. The bytes are the
 * served document. */
GBytes     *fal_local_openapi_lookup       (const char  *endpoint_id);

/* A strong ETag ("\"…\"", quoted) for a document: a hash of its bytes. */
char       *fal_local_openapi_etag         (GBytes      *document);

/* Parses the document and returns the submit input schema object
 * (resolving paths["/ID"].post.requestBody.content["application/json"]
 * .schema.$ref), or NULL with error. Transfer full: free it with
 * json_object_unref(). Nested $refs inside it point into the document,
 * which the returned object does not keep. */
JsonObject *fal_local_openapi_input_schema (GBytes      *document,
                                            GError     **error);

/* Validates an input body against the endpoint's input schema. Returns
 * NULL when valid; otherwise a JsonArray of FastAPI/pydantic-shaped errors
 * {"loc": ["body", field, (index or nested field…)], "msg": "…",
 * "type": "…", "input"?: …, "ctx"?: {…}} — all errors, not just the
 * first, in schema property order. NULL with error set when the endpoint
 * is unknown (G_IO_ERROR_NOT_FOUND) or its document is broken
 * (G_IO_ERROR_INVALID_DATA). A NULL body (json-glib's root of an empty
 * document) is reported as a missing body. */
JsonArray  *fal_local_openapi_validate     (const char  *endpoint_id,
                                            JsonNode    *body,
                                            GError     **error);

G_END_DECLS
