/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* What kind of control a field wants; decided from the resolved schema
 * and the field's name (see fal-schema-resolve.c). */
typedef enum {
  FAL_FIELD_SHORT_TEXT,
  FAL_FIELD_LONG_TEXT,     /* prompts and other multi-line strings */
  FAL_FIELD_INTEGER,
  FAL_FIELD_NUMBER,
  FAL_FIELD_BOOLEAN,
  FAL_FIELD_ENUM,          /* string, integer or number values: see enum_values */
  FAL_FIELD_IMAGE_SIZE,    /* a preset name and/or {width, height} */
  FAL_FIELD_SEED,          /* an integer; unset means "random", drawn by the client */
  FAL_FIELD_FILE,          /* one URL (uploaded from a local file) */
  FAL_FIELD_FILE_LIST,     /* a list of URLs */
  FAL_FIELD_OBJECT_LIST,   /* a list of objects: see children (e.g. loras) */
  FAL_FIELD_JSON,          /* anything else: edited as JSON text */
} FalFieldKind;

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

/* "short_text", "long_text", …, "json"; "image", "audio", "video", "any":
 * the names falctl schema prints. */
const char   *fal_field_kind_to_string   (FalFieldKind kind);
const char   *fal_file_media_to_string   (FalFileMedia media);

/* One input of an endpoint, as a form shows it. Built by FalFormModel
 * from the endpoint's OpenAPI document and never changed afterwards. */
#define FAL_TYPE_FORM_FIELD (fal_form_field_get_type ())
G_DECLARE_FINAL_TYPE (FalFormField, fal_form_field, FAL, FORM_FIELD, GObject)

const char   *fal_form_field_get_name        (FalFormField *self);
/* The schema's title, or the name made readable ("num_images" →
 * "Num images"). */
const char   *fal_form_field_get_title       (FalFormField *self);
const char   *fal_form_field_get_description (FalFormField *self);  /* or NULL */
FalFieldKind  fal_form_field_get_kind        (FalFormField *self);
gboolean      fal_form_field_get_required    (FalFormField *self);
/* The schema allows null (anyOf […, {type: null}]): unset is omitted from
 * the body, never sent as null. */
gboolean      fal_form_field_get_nullable    (FalFormField *self);
/* Shown under "Advanced" (see fal-schema-resolve.c for the rule). */
gboolean      fal_form_field_get_advanced    (FalFormField *self);
gboolean      fal_form_field_get_multiline   (FalFormField *self);
/* The schema's default, or NULL when it has none (a null default is
 * none: the field starts unset). */
JsonNode     *fal_form_field_get_default     (FalFormField *self);
/* Allowed values of an ENUM (typed: "4" and 4 differ), else NULL. */
JsonArray    *fal_form_field_get_enum_values (FalFormField *self);
/* IMAGE_SIZE: the preset names (NULL when none) and whether a custom
 * width × height is allowed. */
const char * const *fal_form_field_get_size_presets (FalFormField *self);
gboolean      fal_form_field_get_custom_size (FalFormField *self);
/* FILE, FILE_LIST: what the file should be. */
FalFileMedia  fal_form_field_get_media       (FalFormField *self);
/* Bounds of numbers (and of a custom size's sides); the exclusive flags
 * say < / > rather than <= / >=. */
gboolean      fal_form_field_get_minimum     (FalFormField *self,
                                              double       *minimum,
                                              gboolean     *exclusive);
gboolean      fal_form_field_get_maximum     (FalFormField *self,
                                              double       *maximum,
                                              gboolean     *exclusive);
/* Text lengths (strings) and item counts (lists); -1 when unbounded. */
gint64        fal_form_field_get_min_length  (FalFormField *self);
gint64        fal_form_field_get_max_length  (FalFormField *self);
/* The schema's examples, or NULL. */
JsonArray    *fal_form_field_get_examples    (FalFormField *self);
/* OBJECT_LIST: the fields of one item; IMAGE_SIZE with a custom size:
 * width and height. A GListModel of FalFormField, or NULL. */
GListModel   *fal_form_field_get_children    (FalFormField *self);
FalFormField *fal_form_field_get_child       (FalFormField *self,
                                              const char   *name);

/* A description of the field for falctl schema and tests. */
JsonNode     *fal_form_field_to_json         (FalFormField *self);

G_END_DECLS
