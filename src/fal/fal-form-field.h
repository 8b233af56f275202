/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/**
 * FalFieldKind:
 * @FAL_FIELD_SHORT_TEXT: fal field short text
 * @FAL_FIELD_LONG_TEXT: prompts and other multi-line strings
 * @FAL_FIELD_INTEGER: fal field integer
 * @FAL_FIELD_NUMBER: fal field number
 * @FAL_FIELD_BOOLEAN: fal field boolean
 * @FAL_FIELD_ENUM: string, integer or number values: see enum_values
 * @FAL_FIELD_IMAGE_SIZE: a preset name and/or {width, height}
 * @FAL_FIELD_SEED: an integer; unset means "random", drawn by the client
 * @FAL_FIELD_FILE: one URL (uploaded from a local file)
 * @FAL_FIELD_FILE_LIST: a list of URLs
 * @FAL_FIELD_OBJECT_LIST: a list of objects: see children (e.g. loras)
 * @FAL_FIELD_JSON: anything else: edited as JSON text
 *
 * What kind of control a field wants; decided from the resolved schema and
 * the field's name (see fal-schema-resolve.c).
 */
typedef enum {
  FAL_FIELD_SHORT_TEXT,
  FAL_FIELD_LONG_TEXT,
  FAL_FIELD_INTEGER,
  FAL_FIELD_NUMBER,
  FAL_FIELD_BOOLEAN,
  FAL_FIELD_ENUM,
  FAL_FIELD_IMAGE_SIZE,
  FAL_FIELD_SEED,
  FAL_FIELD_FILE,
  FAL_FIELD_FILE_LIST,
  FAL_FIELD_OBJECT_LIST,
  FAL_FIELD_JSON,
} FalFieldKind;

/**
 * FalFileMedia:
 * @FAL_FILE_MEDIA_ANY: fal file media any
 * @FAL_FILE_MEDIA_IMAGE: fal file media image
 * @FAL_FILE_MEDIA_AUDIO: fal file media audio
 * @FAL_FILE_MEDIA_VIDEO: fal file media video
 *
 * What a file field should be.
 */
typedef enum {
  FAL_FILE_MEDIA_ANY,
  FAL_FILE_MEDIA_IMAGE,
  FAL_FILE_MEDIA_AUDIO,
  FAL_FILE_MEDIA_VIDEO,
} FalFileMedia;

#define FAL_TYPE_FIELD_KIND (fal_field_kind_get_type ())
GType fal_field_kind_get_type (void) G_GNUC_CONST;
#define FAL_TYPE_FILE_MEDIA (fal_file_media_get_type ())
GType fal_file_media_get_type (void) G_GNUC_CONST;

/**
 * fal_field_kind_to_string:
 * @kind: a kind
 *
 * Returns: (transfer none): "short_text", "long_text", …, "json": the names
 *   falctl schema prints
 */
const char   *fal_field_kind_to_string   (FalFieldKind kind);
/**
 * fal_file_media_to_string:
 * @media: a media kind
 *
 * Returns: (transfer none): "image", "audio", "video", "any"
 */
const char   *fal_file_media_to_string   (FalFileMedia media);

/**
 * FalFormField:
 *
 * One input of an endpoint, as a form shows it. Built by #FalFormModel
 * from the endpoint's OpenAPI document and never changed afterwards.
 */
#define FAL_TYPE_FORM_FIELD (fal_form_field_get_type ())
G_DECLARE_FINAL_TYPE (FalFormField, fal_form_field, FAL, FORM_FIELD, GObject)

/**
 * fal_form_field_get_name:
 * @self: a field
 *
 * Returns: (transfer none): the input's name in the body
 */
const char   *fal_form_field_get_name        (FalFormField *self);
/**
 * fal_form_field_get_title:
 * @self: a field
 *
 * Returns: (transfer none): the schema's title, or the name made readable
 *   ("num_images" → "Num images")
 */
const char   *fal_form_field_get_title       (FalFormField *self);
/**
 * fal_form_field_get_description:
 * @self: a field
 *
 * Returns: (transfer none) (nullable): the schema's description, or %NULL
 */
const char   *fal_form_field_get_description (FalFormField *self);  /* or NULL */
/**
 * fal_form_field_get_kind:
 * @self: a field
 *
 * Returns: what kind of control the field wants
 */
FalFieldKind  fal_form_field_get_kind        (FalFormField *self);
/**
 * fal_form_field_get_required:
 * @self: a field
 *
 * Returns: whether the body must carry it
 */
gboolean      fal_form_field_get_required    (FalFormField *self);
/**
 * fal_form_field_get_nullable:
 * @self: a field
 *
 * Whether the schema allows null (anyOf […, {type: null}]): unset is
 * omitted from the body, never sent as null.
 *
 * Returns: whether the schema allows null
 */
gboolean      fal_form_field_get_nullable    (FalFormField *self);
/**
 * fal_form_field_get_advanced:
 * @self: a field
 *
 * Returns: whether it is shown under "Advanced"
 */
gboolean      fal_form_field_get_advanced    (FalFormField *self);
/**
 * fal_form_field_get_multiline:
 * @self: a field
 *
 * Returns: whether its text spans lines
 */
gboolean      fal_form_field_get_multiline   (FalFormField *self);
/**
 * fal_form_field_get_default:
 * @self: a field
 *
 * Returns: (transfer none) (nullable): the schema's default, or %NULL when
 *   it has none (a null default is none: the field starts unset)
 */
JsonNode     *fal_form_field_get_default     (FalFormField *self);
/**
 * fal_form_field_get_enum_values:
 * @self: a field
 *
 * Returns: (transfer none) (nullable): the allowed values of an ENUM
 *   (typed: "4" and 4 differ), else %NULL
 */
JsonArray    *fal_form_field_get_enum_values (FalFormField *self);
/**
 * fal_form_field_get_size_presets:
 * @self: a field
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the preset
 *   names of an IMAGE_SIZE, or %NULL when none
 */
const char * const *fal_form_field_get_size_presets (FalFormField *self);
/**
 * fal_form_field_get_custom_size:
 * @self: a field
 *
 * Returns: whether an IMAGE_SIZE allows a custom width × height
 */
gboolean      fal_form_field_get_custom_size (FalFormField *self);
/**
 * fal_form_field_get_media:
 * @self: a field
 *
 * Returns: what a FILE or FILE_LIST file should be
 */
FalFileMedia  fal_form_field_get_media       (FalFormField *self);
/**
 * fal_form_field_get_minimum:
 * @self: a field
 * @minimum: (out) (optional): the lower bound, 0 when none
 * @exclusive: (out) (optional): whether it is exclusive (<, not <=)
 *
 * Bounds of numbers (and of a custom size's sides).
 *
 * Returns: whether there is a lower bound
 */
gboolean      fal_form_field_get_minimum     (FalFormField *self,
                                              double       *minimum,
                                              gboolean     *exclusive);
/**
 * fal_form_field_get_maximum:
 * @self: a field
 * @maximum: (out) (optional): the upper bound, 0 when none
 * @exclusive: (out) (optional): whether it is exclusive (>, not >=)
 *
 * Returns: whether there is an upper bound
 */
gboolean      fal_form_field_get_maximum     (FalFormField *self,
                                              double       *maximum,
                                              gboolean     *exclusive);
/**
 * fal_form_field_get_min_length:
 * @self: a field
 *
 * Returns: the shortest text (strings) or fewest items (lists), or -1
 */
gint64        fal_form_field_get_min_length  (FalFormField *self);
/**
 * fal_form_field_get_max_length:
 * @self: a field
 *
 * Returns: the longest text (strings) or most items (lists), or -1
 */
gint64        fal_form_field_get_max_length  (FalFormField *self);
/**
 * fal_form_field_get_examples:
 * @self: a field
 *
 * Returns: (transfer none) (nullable): the schema's examples, or %NULL
 */
JsonArray    *fal_form_field_get_examples    (FalFormField *self);
/**
 * fal_form_field_get_children:
 * @self: a field
 *
 * OBJECT_LIST: the fields of one item; IMAGE_SIZE with a custom size:
 * width and height.
 *
 * Returns: (transfer none) (nullable): a #GListModel of #FalFormField, or
 *   %NULL
 */
GListModel   *fal_form_field_get_children    (FalFormField *self);
/**
 * fal_form_field_get_child:
 * @self: a field
 * @name: a child's name
 *
 * Returns: (transfer none) (nullable): the child field called @name, or %NULL
 */
FalFormField *fal_form_field_get_child       (FalFormField *self,
                                              const char   *name);

/**
 * fal_form_field_to_json:
 * @self: a field
 *
 * A description of the field for falctl schema and tests.
 *
 * Returns: (transfer full): a JSON object
 */
JsonNode     *fal_form_field_to_json         (FalFormField *self);

G_END_DECLS
