/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An endpoint's OpenAPI document, as fal's schema URL or the schema cache
 * gives it, made into a form: every field typed into, validated and made
 * into a request body, as the app and `falctl run -i` do. */
#include "config.h"

#include "fal-form-model.h"
#include "fal-form-field.h"
#include "fal-json.h"
#include "fuzz.h"

/* What a person may type into any field. */
static const char * const typed[] = {
  "1", "-3.5", "random", "512x512", "landscape_4_3", "true", "null", "[\"https://x.invalid/a.png\"]",
  "{\"width\": 64, \"height\": 64}", "[{\"path\": \"https://x.invalid/l.safetensors\", \"scale\": 1}]", "",
};

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(JsonNode) document = fal_json_parse ((const char *) data, size, NULL);
  g_autoptr(FalFormModel) model = NULL;
  g_autoptr(JsonNode) body = NULL;
  g_autoptr(JsonNode) description = NULL;
  g_autoptr(JsonArray) errors = NULL;
  g_auto(GStrv) paths = NULL;
  guint n;

  if (document == NULL)
    return 0;
  model = fal_form_model_new_from_openapi (document, "fuzz/endpoint", NULL);
  if (model == NULL)
    return 0;

  n = g_list_model_get_n_items (G_LIST_MODEL (model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) field = g_list_model_get_item (G_LIST_MODEL (model), i);
      const char *name = fal_form_field_get_name (field);
      const char *text = typed[(i + size) % G_N_ELEMENTS (typed)];
      g_autoptr(JsonNode) value = fal_form_model_coerce (model, name, text, NULL);

      if (value)
        g_assert_true (fal_form_model_set_value (model, name, value));
      (void) fal_form_model_get_value (model, name);
    }
  errors = fal_form_model_validate (model);
  body = fal_form_model_build_body (model, NULL);
  /* A body is built exactly when nothing is wrong with the values. */
  g_assert_true ((body == NULL) == (errors != NULL));
  paths = fal_form_model_get_file_paths (model);
  description = fal_form_model_to_json (model);
  fal_form_model_reset (model);
  return 0;
}
