/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-form-field.h"

G_BEGIN_DECLS

/**
 * FalFormModel:
 *
 * An endpoint's input form: a GListModel of FalFormField in display
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
 * draws one, so every run records its seed.
 */
#define FAL_TYPE_FORM_MODEL (fal_form_model_get_type ())
G_DECLARE_FINAL_TYPE (FalFormModel, fal_form_model, FAL, FORM_MODEL, GObject)

/**
 * fal_form_model_new_from_openapi:
 * @document: an endpoint's OpenAPI document
 * @endpoint_id: the endpoint
 * @error: return location for an error
 *
 * Returns: (transfer full): the form, or %NULL with %FAL_ERROR_PROTOCOL
 *   when the document has no object input schema
 */
FalFormModel *fal_form_model_new_from_openapi (JsonNode      *document,
                                               const char    *endpoint_id,
                                               GError       **error);

/**
 * fal_form_model_get_endpoint_id:
 * @self: a form model
 *
 * Returns: (transfer none): the endpoint
 */
const char   *fal_form_model_get_endpoint_id  (FalFormModel  *self);
/**
 * fal_form_model_get_category:
 * @self: a form model
 *
 * Returns: (transfer none) (nullable): `info["x-fal-metadata"].category`
 *   ("text-to-image", …), or %NULL
 */
const char   *fal_form_model_get_category     (FalFormModel  *self);
/**
 * fal_form_model_get_field:
 * @self: a form model
 * @name: a field name
 *
 * Returns: (transfer none) (nullable): the field called @name, or %NULL
 */
FalFormField *fal_form_model_get_field        (FalFormModel  *self,
                                               const char    *name);

/**
 * fal_form_model_set_value:
 * @self: a form model
 * @name: a field name
 * @value: (nullable): the value; %NULL, a JSON null, or an empty string
 *   for a file field unsets it
 *
 * Sets a value (copied) and marks the field changed. Emits
 * #FalFormModel::value-changed (detail: the name).
 *
 * Returns: %FALSE when there is no such field
 */
gboolean      fal_form_model_set_value        (FalFormModel  *self,
                                               const char    *name,
                                               JsonNode      *value);
/**
 * fal_form_model_get_value:
 * @self: a form model
 * @name: a field name
 *
 * Returns: (transfer none) (nullable): the value the body would carry: the
 *   set value, else the default; %NULL when unset
 */
JsonNode     *fal_form_model_get_value        (FalFormModel  *self,
                                               const char    *name);
/**
 * fal_form_model_is_changed:
 * @self: a form model
 * @name: a field name
 *
 * Returns: whether the field was set
 */
gboolean      fal_form_model_is_changed       (FalFormModel  *self,
                                               const char    *name);
/**
 * fal_form_model_reset:
 * @self: a form model
 *
 * Every field back to its default, unchanged.
 */
void          fal_form_model_reset            (FalFormModel  *self);

/**
 * fal_form_model_build_body:
 * @self: a form model
 * @error: return location for an error
 *
 * Returns: (transfer full): the request body (a new object), or %NULL with
 *   %FAL_ERROR_VALIDATION carrying the field errors of
 *   fal_form_model_validate()
 */
JsonNode     *fal_form_model_build_body       (FalFormModel  *self,
                                               GError       **error);
/**
 * fal_form_model_get_last_seed:
 * @self: a form model
 * @seed: (out) (optional): the seed of the last body built
 * @drawn: (out) (optional): whether the client drew it
 *
 * Returns: %FALSE when the endpoint has no seed field or no body was
 *   built yet
 */
gboolean      fal_form_model_get_last_seed    (FalFormModel  *self,
                                               gint64        *seed,
                                               gboolean      *drawn);

/**
 * fal_form_model_validate:
 * @self: a form model
 *
 * Returns: (transfer full) (nullable): %NULL when the values are valid;
 *   else the 422-shaped errors, all of them, in field order
 */
JsonArray    *fal_form_model_validate         (FalFormModel  *self);

/**
 * fal_form_model_get_file_paths:
 * @self: a form model
 *
 * Paths of the file fields in the body, for auto-upload
 * (fal_client_upload_inputs_async()), in field order: "image_url",
 * "image_urls" + "/" + "*" (each item), "loras" + "/" + "*" + "/path" (a
 * file field of each item).
 *
 * Returns: (transfer full) (array zero-terminated=1): the paths
 */
char        **fal_form_model_get_file_paths   (FalFormModel  *self);

/**
 * fal_form_model_coerce:
 * @self: a form model
 * @name: a field name
 * @text: what a person typed
 * @error: return location for an error
 *
 * Types text for a field as its kind wants it (falctl run -i): integers
 * and numbers parsed; enums matched against their typed values ("4" stays
 * a string for a string enum, becomes 4 for an integer one); booleans
 * from true/false/yes/no/on/off/1/0; image sizes from a preset name,
 * "WIDTHxHEIGHT" or a JSON object; seeds from an integer or "random";
 * file lists from a JSON array or one URL; lists of objects and free JSON
 * from JSON text (free JSON falls back to the text as a string); "null"
 * for a nullable field.
 *
 * Returns: (transfer full): the value, or %NULL with %G_IO_ERROR_NOT_FOUND
 *   for an unknown field, %G_IO_ERROR_INVALID_ARGUMENT when the text does
 *   not fit
 */
JsonNode     *fal_form_model_coerce           (FalFormModel  *self,
                                               const char    *name,
                                               const char    *text,
                                               GError       **error);

/**
 * fal_form_model_to_json:
 * @self: a form model
 *
 * Returns: (transfer full): {"endpoint_id", "category"?, "fields":
 *   [fal_form_field_to_json() …]}
 */
JsonNode     *fal_form_model_to_json          (FalFormModel  *self);

G_END_DECLS
