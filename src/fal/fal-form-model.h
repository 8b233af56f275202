/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-form-field.h"

G_BEGIN_DECLS

/* An endpoint's input form: a GListModel of FalFormField in display
 * order (required first, then x-fal-order-properties), plus the values a
 * person typed. It turns the values into the request body and checks
 * them locally, with errors shaped like a 422's detail:
 * [{loc: ["body", name, …], msg, type, ctx?}], so a window shows both
 * the same way (see fal_error_get_field_errors()).
 *
 * A field's value is its default until set; set_value() marks it changed
 * (NULL, a JSON null, or an empty string for a file field, unsets it).
 * The body holds the required fields and the changed ones that have a
 * value; an unset field is omitted, never sent as null. The seed field
 * is always sent: when unset, or set to the string "random", the client
 * draws one, so every run records its seed. */
#define FAL_TYPE_FORM_MODEL (fal_form_model_get_type ())
G_DECLARE_FINAL_TYPE (FalFormModel, fal_form_model, FAL, FORM_MODEL, GObject)

/* FAL_ERROR_PROTOCOL when the document has no object input schema. */
FalFormModel *fal_form_model_new_from_openapi (JsonNode      *document,
                                               const char    *endpoint_id,
                                               GError       **error);

const char   *fal_form_model_get_endpoint_id  (FalFormModel  *self);
/* info["x-fal-metadata"].category ("text-to-image", …), or NULL. */
const char   *fal_form_model_get_category     (FalFormModel  *self);
/* The field called name (borrowed), or NULL. */
FalFormField *fal_form_model_get_field        (FalFormModel  *self,
                                               const char    *name);

/* FALSE when there is no such field. The value is copied. Emits
 * "value-changed" (detail: the name). */
gboolean      fal_form_model_set_value        (FalFormModel  *self,
                                               const char    *name,
                                               JsonNode      *value);
/* The value the body would carry (borrowed): the set value, else the
 * default; NULL when unset. */
JsonNode     *fal_form_model_get_value        (FalFormModel  *self,
                                               const char    *name);
gboolean      fal_form_model_is_changed       (FalFormModel  *self,
                                               const char    *name);
/* Every field back to its default, unchanged. */
void          fal_form_model_reset            (FalFormModel  *self);

/* The request body (a new object), or NULL with FAL_ERROR_VALIDATION
 * carrying the field errors of fal_form_model_validate(). */
JsonNode     *fal_form_model_build_body       (FalFormModel  *self,
                                               GError       **error);
/* The seed of the last body built, and whether the client drew it;
 * FALSE when the endpoint has no seed field or no body was built yet. */
gboolean      fal_form_model_get_last_seed    (FalFormModel  *self,
                                               gint64        *seed,
                                               gboolean      *drawn);

/* NULL when the values are valid; else the 422-shaped errors, all of them,
 * in field order. */
JsonArray    *fal_form_model_validate         (FalFormModel  *self);

/* Paths of the file fields in the body, for auto-upload: "image_url",
 * "image_urls/ *" (each item), "loras/ *" + "/path" (a file field of
 * each item), in field order. */
char        **fal_form_model_get_file_paths   (FalFormModel  *self);

/* Types text for a field as its kind wants it (falctl run -i): integers
 * and numbers parsed; enums matched against their typed values ("4" stays
 * a string for a string enum, becomes 4 for an integer one); booleans
 * from true/false/yes/no/on/off/1/0; image sizes from a preset name,
 * "WIDTHxHEIGHT" or a JSON object; seeds from an integer or "random";
 * file lists from a JSON array or one URL; lists of objects and free
 * JSON from JSON text (free JSON falls back to the text as a string);
 * "null" for a nullable field. G_IO_ERROR_NOT_FOUND for an unknown field,
 * G_IO_ERROR_INVALID_ARGUMENT when the text does not fit. */
JsonNode     *fal_form_model_coerce           (FalFormModel  *self,
                                               const char    *name,
                                               const char    *text,
                                               GError       **error);

/* {"endpoint_id", "category"?, "fields": [fal_form_field_to_json …]}. */
JsonNode     *fal_form_model_to_json          (FalFormModel  *self);

G_END_DECLS
