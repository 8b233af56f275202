/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal-form-field.h"

G_BEGIN_DECLS

/* The resolver fills a field in place, then hands it out; nothing changes
 * it afterwards. */
struct _FalFormField
{
  GObject parent_instance;

  char *name;
  char *title;
  char *description;
  FalFieldKind kind;
  gboolean required;
  gboolean nullable;
  gboolean advanced;
  gboolean multiline;
  JsonNode *default_value;     /* NULL: none */
  JsonArray *enum_values;
  char **size_presets;
  gboolean custom_size;
  FalFileMedia media;
  gboolean has_minimum;
  gboolean exclusive_minimum;
  double minimum;
  gboolean has_maximum;
  gboolean exclusive_maximum;
  double maximum;
  gint64 min_length;
  gint64 max_length;
  JsonArray *examples;
  GListStore *children;        /* FalFormField, or NULL */
  /* The JSON type the schema asks for ("array", "object", …) when kind
   * is JSON, for validation; NULL when anything goes. */
  char *json_type;
};

FalFormField *_fal_form_field_new     (const char    *name);
/* fal-form-coerce.c: see fal_form_model_coerce(). */
JsonNode     *_fal_form_field_coerce  (FalFormField  *field,
                                       const char    *text,
                                       GError       **error);
/* fal-form-model.c: a value as pydantic's messages print it ('a', 1.5,
 * True). */
void          _fal_form_print_literal (GString       *out,
                                       JsonNode      *literal);

G_END_DECLS
