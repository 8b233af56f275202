/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-error.h"
#include "fal-form-model.h"
#include "fal-json.h"
#include "fal-local-openapi.h"

/* ------------------------------------------------------------------ helpers */

static JsonNode *
load_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;
  JsonNode *node;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  node = fal_json_parse (contents, length, &error);
  g_assert_no_error (error);
  return node;
}

/* tests/fixtures/openapi/FILE, or the local server's src/server/openapi/FILE. */
static FalFormModel *
model_for (const char *endpoint_id,
           gboolean    server_document)
{
  g_autofree char *file = g_strconcat (endpoint_id, ".json", NULL);
  g_autofree char *path = NULL;
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(GError) error = NULL;
  FalFormModel *model;

  g_strdelimit (file, "/", '_');
  if (server_document)
    path = g_test_build_filename (G_TEST_DIST, "..", "src", "server", "openapi", file, NULL);
  else
    path = g_test_build_filename (G_TEST_DIST, "fixtures", "openapi", file, NULL);
  document = load_file (path);
  model = fal_form_model_new_from_openapi (document, endpoint_id, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
  g_assert_cmpstr (fal_form_model_get_endpoint_id (model), ==, endpoint_id);
  return model;
}

static FalFormModel *
model_from_text (const char *text,
                 const char *endpoint_id)
{
  g_autoptr(JsonNode) document = fal_json_parse (text, strlen (text), NULL);
  g_autoptr(GError) error = NULL;
  FalFormModel *model;

  g_assert_nonnull (document);
  model = fal_form_model_new_from_openapi (document, endpoint_id, &error);
  g_assert_no_error (error);
  return model;
}

/* A minimal document: components.schemas.Input (plus extra schemas) as
 * the body of POST /test/endpoint. */
static FalFormModel *
model_from_input (const char *input_json,
                  const char *extra_schemas)
{
  g_autofree char *text = g_strdup_printf (
    "{\"openapi\": \"3.0.4\", \"info\": {\"title\": \"t\"},"
    " \"paths\": {\"/test/endpoint\": {\"post\": {\"requestBody\": {\"content\": {\"application/json\":"
    " {\"schema\": {\"$ref\": \"#/components/schemas/Input\"}}}}}}},"
    " \"components\": {\"schemas\": {\"Input\": %s%s%s}}}",
    input_json, extra_schemas ? ", " : "", extra_schemas ? extra_schemas : "");

  return model_from_text (text, "test/endpoint");
}

static JsonNode *
json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = fal_json_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return node;
}

static void
set (FalFormModel *model,
     const char   *name,
     const char   *json_text)
{
  g_autoptr(JsonNode) value = json_text ? json (json_text) : NULL;

  g_assert_true (fal_form_model_set_value (model, name, value));
}

static FalFormField *
field (FalFormModel *model,
       const char   *name)
{
  FalFormField *found = fal_form_model_get_field (model, name);

  if (found == NULL)
    g_error ("No field %s in %s", name, fal_form_model_get_endpoint_id (model));
  return found;
}

/* "name:kind" for every field, in display order, joined with spaces. */
static char *
describe_kinds (FalFormModel *model)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) f = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (i > 0)
        g_string_append_c (out, ' ');
      g_string_append_printf (out, "%s:%s", fal_form_field_get_name (f),
                              fal_field_kind_to_string (fal_form_field_get_kind (f)));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The names of the advanced fields, joined with spaces. */
static char *
describe_advanced (FalFormModel *model)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (model));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalFormField) f = g_list_model_get_item (G_LIST_MODEL (model), i);

      if (!fal_form_field_get_advanced (f))
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, fal_form_field_get_name (f));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
to_text (JsonNode *node)
{
  return node ? fal_json_to_string (node, FALSE) : g_strdup ("(null)");
}

static void
assert_json (JsonNode   *node,
             const char *expected)
{
  g_autofree char *text = to_text (node);
  g_autoptr(JsonNode) expected_node = json (expected);
  g_autofree char *expected_text = to_text (expected_node);

  g_assert_cmpstr (text, ==, expected_text);
}

static void
assert_array (JsonArray  *array,
              const char *expected)
{
  g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), array);

  assert_json (node, expected);
}

static void
count_cb (FalFormModel *model,
          const char   *name,
          guint        *count)
{
  (*count)++;
}

static void
assert_bounds (FalFormField *f,
               gboolean      has_min,
               double        min,
               gboolean      min_exclusive,
               gboolean      has_max,
               double        max,
               gboolean      max_exclusive)
{
  double value = -1;
  gboolean exclusive = -1;

  g_assert_cmpint (fal_form_field_get_minimum (f, &value, &exclusive), ==, has_min);
  if (has_min)
    {
      g_assert_cmpfloat (value, ==, min);
      g_assert_cmpint (exclusive, ==, min_exclusive);
    }
  g_assert_cmpint (fal_form_field_get_maximum (f, &value, &exclusive), ==, has_max);
  if (has_max)
    {
      g_assert_cmpfloat (value, ==, max);
      g_assert_cmpint (exclusive, ==, max_exclusive);
    }
}

static JsonObject *
body_of (FalFormModel *model)
{
  g_autoptr(GError) error = NULL;
  JsonNode *body = fal_form_model_build_body (model, &error);

  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (body));
  /* Keep the node alive with the object. */
  g_object_set_data_full (G_OBJECT (model), "last-body", body, (GDestroyNotify) json_node_unref);
  return json_node_get_object (body);
}

/* The whole body, as text. */
static char *
body_text (FalFormModel *model)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = fal_form_model_build_body (model, &error);

  g_assert_no_error (error);
  return to_text (body);
}

/* The body without the (random) seed, as text. */
static char *
body_without_seed (FalFormModel *model)
{
  JsonObject *body = body_of (model);
  g_autoptr(JsonNode) copy = NULL;
  JsonNode *node = g_object_get_data (G_OBJECT (model), "last-body");

  copy = fal_json_deep_copy (node);
  json_object_remove_member (json_node_get_object (copy), "seed");
  (void) body;
  return to_text (copy);
}

/* "loc/joined/by/slashes type" for every error, one per line. */
static char *
describe_errors (JsonArray *errors)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; errors && i < json_array_get_length (errors); i++)
    {
      JsonObject *error = json_array_get_object_element (errors, i);
      JsonArray *loc = json_object_get_array_member (error, "loc");

      for (guint j = 0; j < json_array_get_length (loc); j++)
        {
          JsonNode *part = json_array_get_element (loc, j);

          if (j > 0)
            g_string_append_c (out, '/');
          if (json_node_get_value_type (part) == G_TYPE_STRING)
            g_string_append (out, json_node_get_string (part));
          else
            g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (part));
        }
      g_string_append_printf (out, " %s\n", json_object_get_string_member (error, "type"));
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
validate_text (FalFormModel *model)
{
  g_autoptr(JsonArray) errors = fal_form_model_validate (model);

  return describe_errors (errors);
}

/* ------------------------------------------------------------------ the server's documents */

static const struct {
  const char *id;
  const char *kinds;
  const char *advanced;
  const char *required_values;   /* a JSON object of values for the required fields */
} server_documents[] = {
  { "fal-ai/fast-sdxl",
    "prompt:long_text negative_prompt:long_text image_size:image_size num_inference_steps:integer "
    "guidance_scale:number seed:seed num_images:integer loras:object_list embeddings:object_list "
    "expand_prompt:boolean format:enum safety_checker_version:enum enable_safety_checker:boolean sync_mode:boolean",
    "num_inference_steps guidance_scale loras embeddings expand_prompt format safety_checker_version "
    "enable_safety_checker sync_mode",
    "{\"prompt\": \"a cat\"}" },
  { "fal-ai/fast-sdxl/image-to-image",
    "image_url:file prompt:long_text negative_prompt:long_text image_size:image_size num_inference_steps:integer "
    "guidance_scale:number strength:number seed:seed num_images:integer loras:object_list embeddings:object_list "
    "expand_prompt:boolean format:enum safety_checker_version:enum enable_safety_checker:boolean sync_mode:boolean "
    "preserve_aspect_ratio:boolean crop_output:boolean",
    "num_inference_steps guidance_scale strength loras embeddings expand_prompt format safety_checker_version "
    "enable_safety_checker sync_mode preserve_aspect_ratio crop_output",
    "{\"image_url\": \"http://127.0.0.1:1/files/a.png\", \"prompt\": \"a cat\"}" },
  { "fal-ai/flux/schnell",
    "prompt:long_text image_size:image_size num_inference_steps:integer seed:seed sync_mode:boolean "
    "num_images:integer enable_safety_checker:boolean",
    "num_inference_steps sync_mode enable_safety_checker",
    "{\"prompt\": \"a cat\"}" },
  /* prompt is required: it comes before model despite x-fal-order-properties. */
  { "fal-ai/any-llm",
    "prompt:long_text model:enum system_prompt:long_text reasoning:boolean",
    "reasoning",
    "{\"prompt\": \"hi\"}" },
  { "fal-ai/llavav15-13b",
    "image_url:file prompt:long_text max_tokens:integer temperature:number top_p:number",
    "max_tokens temperature top_p",
    "{\"image_url\": \"http://127.0.0.1:1/files/a.png\", \"prompt\": \"what is it?\"}" },
  { "fal-ai/minimax/video-01",
    "prompt:long_text prompt_optimizer:boolean",
    "prompt_optimizer",
    "{\"prompt\": \"a cat\"}" },
  { "fal-ai/stable-audio",
    "prompt:long_text seconds_start:integer seconds_total:integer steps:integer",
    "seconds_start seconds_total steps",
    "{\"prompt\": \"drums\"}" },
  { "fal-ai/whisper",
    "audio_url:file task:enum language:enum diarize:boolean chunk_level:enum version:enum "
    "batch_size:integer prompt:long_text num_speakers:integer",
    "diarize version batch_size num_speakers",
    "{\"audio_url\": \"http://127.0.0.1:1/files/a.wav\"}" },
};

static void
set_all (FalFormModel *model,
         const char   *values_json)
{
  g_autoptr(JsonNode) values = json (values_json);
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_object_iter_init_ordered (&iter, json_node_get_object (values));
  while (json_object_iter_next_ordered (&iter, &name, &value))
    g_assert_true (fal_form_model_set_value (model, name, value));
}

static void
test_server_documents (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (server_documents); i++)
    {
      g_autoptr(FalFormModel) model = model_for (server_documents[i].id, TRUE);
      g_autofree char *kinds = describe_kinds (model);
      g_autofree char *advanced = describe_advanced (model);
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) body = NULL;
      g_autoptr(JsonArray) server_errors = NULL;

      g_test_message ("%s", server_documents[i].id);
      g_assert_cmpstr (kinds, ==, server_documents[i].kinds);
      g_assert_cmpstr (advanced, ==, server_documents[i].advanced);
      g_assert_cmpstr (G_OBJECT_TYPE_NAME (model), ==, "FalFormModel");
      g_assert_true (g_list_model_get_item_type (G_LIST_MODEL (model)) == FAL_TYPE_FORM_FIELD);

      /* Nothing set: only the required fields are missing. */
      {
        g_autoptr(JsonArray) errors = fal_form_model_validate (model);
        guint n_required = 0;

        for (guint j = 0; j < g_list_model_get_n_items (G_LIST_MODEL (model)); j++)
          {
            g_autoptr(FalFormField) f = g_list_model_get_item (G_LIST_MODEL (model), j);

            n_required += fal_form_field_get_required (f);
          }
        g_assert_nonnull (errors);
        g_assert_cmpuint (json_array_get_length (errors), ==, n_required);
      }

      /* The required values make a body the server accepts. */
      set_all (model, server_documents[i].required_values);
      g_assert_null (fal_form_model_validate (model));
      body = fal_form_model_build_body (model, &error);
      g_assert_no_error (error);
      server_errors = fal_local_openapi_validate (server_documents[i].id, body, &error);
      g_assert_no_error (error);
      g_assert_null (server_errors);
    }
}

/* The same wrong values give the same errors here as at the local server
 * (which answers as fal's pydantic does). */
static void
test_errors_match_server (void)
{
  static const struct {
    const char *id;
    const char *values;
  } cases[] = {
    { "fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"num_inference_steps\": 0, \"guidance_scale\": 21}" },
    { "fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"format\": \"gif\", \"num_images\": 1.5}" },
    { "fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"num_images\": \"two\", \"expand_prompt\": \"maybe\"}" },
    { "fal-ai/fast-sdxl", "{\"prompt\": 5, \"loras\": [{\"scale\": 5}]}" },
    { "fal-ai/whisper", "{\"audio_url\": \"http://127.0.0.1:1/a.wav\", \"num_speakers\": 0, \"task\": \"sing\"}" },
    { "fal-ai/stable-audio", "{\"prompt\": \"x\", \"seconds_total\": 48, \"steps\": 0}" },
    { "fal-ai/llavav15-13b", "{\"prompt\": \"x\", \"temperature\": 1.5}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(FalFormModel) model = model_for (cases[i].id, TRUE);
      g_autoptr(JsonNode) values = json (cases[i].values);
      g_autoptr(JsonArray) ours = NULL;
      g_autoptr(JsonArray) theirs = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *ours_text = NULL;
      g_autofree char *theirs_text = NULL;

      set_all (model, cases[i].values);
      ours = fal_form_model_validate (model);
      theirs = fal_local_openapi_validate (cases[i].id, values, &error);
      g_assert_no_error (error);
      g_assert_nonnull (ours);
      g_assert_nonnull (theirs);
      ours_text = describe_errors (ours);
      theirs_text = describe_errors (theirs);
      g_assert_cmpstr (ours_text, ==, theirs_text);

      /* And the same messages. */
      for (guint j = 0; j < json_array_get_length (ours); j++)
        g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (ours, j), "msg"), ==,
                         json_object_get_string_member (json_array_get_object_element (theirs, j), "msg"));
    }
}

/* ------------------------------------------------------------------ fixtures */

static void
test_flux_dev (void)
{
  g_autoptr(FalFormModel) model = model_for ("fal-ai/flux/dev", FALSE);
  g_autofree char *kinds = describe_kinds (model);
  g_autofree char *advanced = describe_advanced (model);
  FalFormField *f;
  GListModel *sides;
  g_autoptr(FalFormField) width = NULL;

  g_assert_cmpstr (kinds, ==,
                   "prompt:long_text image_size:image_size num_inference_steps:integer seed:seed "
                   "guidance_scale:number sync_mode:boolean num_images:integer enable_safety_checker:boolean "
                   "output_format:enum acceleration:enum");
  g_assert_cmpstr (advanced, ==,
                   "num_inference_steps guidance_scale sync_mode enable_safety_checker output_format acceleration");
  g_assert_cmpstr (fal_form_model_get_category (model), ==, "text-to-image");

  f = field (model, "prompt");
  g_assert_true (fal_form_field_get_required (f));
  g_assert_true (fal_form_field_get_multiline (f));
  g_assert_false (fal_form_field_get_nullable (f));
  g_assert_null (fal_form_field_get_default (f));
  g_assert_cmpstr (fal_form_field_get_title (f), ==, "Prompt");
  g_assert_nonnull (fal_form_field_get_examples (f));
  g_assert_cmpuint (json_array_get_length (fal_form_field_get_examples (f)), ==, 1);

  f = field (model, "image_size");
  g_assert_cmpstrv (fal_form_field_get_size_presets (f),
                    ((const char * const[]) { "square_hd", "square", "portrait_4_3", "portrait_16_9",
                                              "landscape_4_3", "landscape_16_9", NULL }));
  g_assert_true (fal_form_field_get_custom_size (f));
  assert_json (fal_form_field_get_default (f), "\"landscape_4_3\"");
  g_assert_false (fal_form_field_get_nullable (f));
  sides = fal_form_field_get_children (f);
  g_assert_nonnull (sides);
  g_assert_cmpuint (g_list_model_get_n_items (sides), ==, 2);
  width = g_list_model_get_item (sides, 0);
  g_assert_cmpstr (fal_form_field_get_name (width), ==, "width");
  g_assert_cmpint (fal_form_field_get_kind (width), ==, FAL_FIELD_INTEGER);
  /* ImageSize as fal writes it now: exclusiveMinimum 0 (a number). */
  assert_bounds (width, TRUE, 0, TRUE, TRUE, 14142, FALSE);
  assert_json (fal_form_field_get_default (width), "512");

  f = field (model, "num_inference_steps");
  assert_bounds (f, TRUE, 1, FALSE, TRUE, 50, FALSE);
  assert_json (fal_form_field_get_default (f), "28");

  f = field (model, "guidance_scale");
  assert_bounds (f, TRUE, 1, FALSE, TRUE, 20, FALSE);
  assert_json (fal_form_field_get_default (f), "3.5");
  g_assert_cmpstr (fal_form_field_get_title (f), ==, "Guidance scale (CFG)");

  f = field (model, "seed");
  g_assert_true (fal_form_field_get_nullable (f));
  g_assert_null (fal_form_field_get_default (f));
  assert_bounds (f, FALSE, 0, FALSE, FALSE, 0, FALSE);

  f = field (model, "acceleration");
  assert_array (fal_form_field_get_enum_values (f), "[\"none\", \"regular\", \"high\"]");
  assert_json (fal_form_field_get_default (f), "\"none\"");

  {
    g_auto(GStrv) paths = fal_form_model_get_file_paths (model);
    g_assert_cmpuint (g_strv_length (paths), ==, 0);
  }
}

static void
test_fast_lightning_sdxl (void)
{
  g_autoptr(FalFormModel) model = model_for ("fal-ai/fast-lightning-sdxl", FALSE);
  g_autofree char *kinds = describe_kinds (model);
  FalFormField *f;
  JsonArray *values;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) coerced = NULL;
  g_autofree char *errors = NULL;

  g_assert_cmpstr (kinds, ==,
                   "prompt:long_text image_size:image_size num_inference_steps:enum seed:seed sync_mode:boolean "
                   "num_images:integer embeddings:object_list enable_safety_checker:boolean "
                   "safety_checker_version:enum expand_prompt:boolean format:enum");

  /* Steps as a string enum: "1" | "2" | "4" | "8", typed as strings. */
  f = field (model, "num_inference_steps");
  values = fal_form_field_get_enum_values (f);
  g_assert_cmpuint (json_array_get_length (values), ==, 4);
  for (guint i = 0; i < 4; i++)
    g_assert_cmpint (json_node_get_value_type (json_array_get_element (values, i)), ==, G_TYPE_STRING);
  g_assert_cmpstr (json_array_get_string_element (values, 2), ==, "4");
  assert_json (fal_form_field_get_default (f), "\"4\"");
  g_assert_false (fal_form_field_get_advanced (f));

  coerced = fal_form_model_coerce (model, "num_inference_steps", "8", &error);
  g_assert_no_error (error);
  assert_json (coerced, "\"8\"");
  g_clear_pointer (&coerced, json_node_unref);
  coerced = fal_form_model_coerce (model, "num_inference_steps", "3", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_null (coerced);
  g_clear_error (&error);

  /* An integer 4 is not the string "4". */
  set (model, "prompt", "\"a cat\"");
  set (model, "num_inference_steps", "4");
  errors = validate_text (model);
  g_assert_cmpstr (errors, ==, "body/num_inference_steps literal_error\n");
  set (model, "num_inference_steps", "\"2\"");
  g_assert_null (fal_form_model_validate (model));
  {
    g_autofree char *body = body_without_seed (model);
    g_assert_cmpstr (body, ==, "{\"prompt\":\"a cat\",\"num_inference_steps\":\"2\"}");
  }

  /* image_size is nullable here (anyOf with a null branch). */
  f = field (model, "image_size");
  g_assert_true (fal_form_field_get_nullable (f));
  g_assert_true (fal_form_field_get_custom_size (f));

  /* Embeddings: a list of objects; path is a file (weights), tokens JSON. */
  f = field (model, "embeddings");
  g_assert_cmpint (fal_form_field_get_kind (fal_form_field_get_child (f, "path")), ==, FAL_FIELD_FILE);
  g_assert_cmpint (fal_form_field_get_kind (fal_form_field_get_child (f, "tokens")), ==, FAL_FIELD_JSON);
  g_assert_true (fal_form_field_get_required (fal_form_field_get_child (f, "path")));
  {
    g_auto(GStrv) paths = fal_form_model_get_file_paths (model);
    g_assert_cmpstrv (paths, ((const char * const[]) { "embeddings/*/path", NULL }));
  }
}

static void
test_kling_video (void)
{
  g_autoptr(FalFormModel) model = model_for ("fal-ai/kling-video/v1/standard/text-to-video", FALSE);
  g_autofree char *kinds = describe_kinds (model);
  g_autofree char *advanced = describe_advanced (model);
  FalFormField *f;
  g_autoptr(JsonNode) coerced = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (kinds, ==,
                   "prompt:long_text duration:enum aspect_ratio:enum negative_prompt:long_text cfg_scale:number");
  g_assert_cmpstr (advanced, ==, "cfg_scale");
  g_assert_cmpstr (fal_form_model_get_category (model), ==, "text-to-video");

  f = field (model, "duration");
  assert_array (fal_form_field_get_enum_values (f), "[\"5\", \"10\"]");
  assert_json (fal_form_field_get_default (f), "\"5\"");
  f = field (model, "aspect_ratio");
  assert_array (fal_form_field_get_enum_values (f), "[\"16:9\", \"9:16\", \"1:1\"]");
  f = field (model, "prompt");
  g_assert_cmpint (fal_form_field_get_max_length (f), ==, 2500);
  g_assert_cmpint (fal_form_field_get_min_length (f), ==, -1);
  /* No title in the schema: the name made readable. */
  g_assert_cmpstr (fal_form_field_get_title (f), ==, "Prompt");
  f = field (model, "cfg_scale");
  assert_bounds (f, TRUE, 0, FALSE, TRUE, 1, FALSE);

  coerced = fal_form_model_coerce (model, "duration", "10", &error);
  g_assert_no_error (error);
  assert_json (coerced, "\"10\"");

  set (model, "prompt", "\"a fox\"");
  set (model, "duration", "\"10\"");
  set (model, "cfg_scale", "1.5");
  {
    g_autofree char *errors = validate_text (model);
    g_assert_cmpstr (errors, ==, "body/cfg_scale less_than_equal\n");
  }
  set (model, "cfg_scale", "1");
  {
    /* No seed field: nothing drawn. */
    g_autofree char *body = NULL;

    body = body_text (model);
    g_assert_cmpstr (body, ==, "{\"prompt\":\"a fox\",\"duration\":\"10\",\"cfg_scale\":1}");
    g_assert_false (fal_form_model_get_last_seed (model, NULL, NULL));
  }
}

static void
test_whisper (void)
{
  g_autoptr(FalFormModel) model = model_for ("fal-ai/whisper", FALSE);
  FalFormField *f;
  g_autoptr(JsonNode) coerced = NULL;
  g_autoptr(GError) error = NULL;

  f = field (model, "audio_url");
  g_assert_cmpint (fal_form_field_get_kind (f), ==, FAL_FIELD_FILE);
  g_assert_cmpint (fal_form_field_get_media (f), ==, FAL_FILE_MEDIA_AUDIO);
  g_assert_true (fal_form_field_get_required (f));

  /* language: anyOf [string enum, null], default null → no default. */
  f = field (model, "language");
  g_assert_cmpint (fal_form_field_get_kind (f), ==, FAL_FIELD_ENUM);
  g_assert_true (fal_form_field_get_nullable (f));
  g_assert_null (fal_form_field_get_default (f));
  g_assert_cmpuint (json_array_get_length (fal_form_field_get_enum_values (f)), ==, 24);
  g_assert_false (fal_form_field_get_advanced (f));

  f = field (model, "num_speakers");
  g_assert_cmpint (fal_form_field_get_kind (f), ==, FAL_FIELD_INTEGER);
  g_assert_true (fal_form_field_get_nullable (f));
  assert_bounds (f, TRUE, 1, FALSE, FALSE, 0, FALSE);

  f = field (model, "version");
  assert_json (fal_form_field_get_default (f), "\"3\"");

  set (model, "audio_url", "\"https://example.com/a.mp3\"");
  {
    g_autofree char *body = body_text (model);
    g_assert_cmpstr (body, ==, "{\"audio_url\":\"https://example.com/a.mp3\"}");
  }
  /* Set, then unset (a null): changed, but omitted, never sent as null. */
  set (model, "language", "\"de\"");
  {
    g_autofree char *body = body_text (model);
    g_assert_cmpstr (body, ==, "{\"audio_url\":\"https://example.com/a.mp3\",\"language\":\"de\"}");
  }
  set (model, "language", "null");
  g_assert_true (fal_form_model_is_changed (model, "language"));
  g_assert_null (fal_form_model_get_value (model, "language"));
  {
    g_autofree char *body = body_text (model);
    g_assert_cmpstr (body, ==, "{\"audio_url\":\"https://example.com/a.mp3\"}");
  }
  coerced = fal_form_model_coerce (model, "language", "null", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_NULL (coerced));

  {
    g_auto(GStrv) paths = fal_form_model_get_file_paths (model);
    g_assert_cmpstrv (paths, ((const char * const[]) { "audio_url", NULL }));
  }
}

static void
test_flux_general (void)
{
  g_autoptr(FalFormModel) model = model_for ("fal-ai/flux-general/image-to-image", FALSE);
  g_autofree char *kinds = describe_kinds (model);
  g_autofree char *advanced = describe_advanced (model);
  FalFormField *f;
  FalFormField *child;

  /* image_urls is required too, and listed after prompt in the order. */
  g_assert_cmpstr (kinds, ==,
                   "prompt:long_text image_urls:file_list mask_url:file strength:number image_size:image_size "
                   "num_inference_steps:integer seed:seed loras:object_list guidance_scale:number "
                   "real_cfg_scale:number ip_adapter:json num_images:integer sync_mode:boolean "
                   "enable_safety_checker:boolean output_format:enum");
  g_assert_cmpstr (advanced, ==,
                   "strength num_inference_steps loras guidance_scale real_cfg_scale ip_adapter sync_mode "
                   "enable_safety_checker output_format");

  f = field (model, "image_urls");
  g_assert_true (fal_form_field_get_required (f));
  g_assert_cmpint (fal_form_field_get_media (f), ==, FAL_FILE_MEDIA_IMAGE);
  g_assert_cmpint (fal_form_field_get_min_length (f), ==, 1);
  g_assert_cmpint (fal_form_field_get_max_length (f), ==, 4);
  g_assert_cmpstr (fal_form_field_get_title (f), ==, "Image URLs");

  f = field (model, "mask_url");
  g_assert_cmpint (fal_form_field_get_media (f), ==, FAL_FILE_MEDIA_IMAGE);
  g_assert_true (fal_form_field_get_nullable (f));

  /* pydantic v2's numeric exclusive bounds. */
  assert_bounds (field (model, "strength"), TRUE, 0, TRUE, TRUE, 1, FALSE);
  assert_bounds (field (model, "guidance_scale"), TRUE, 0, FALSE, TRUE, 20, TRUE);

  f = field (model, "loras");
  g_assert_cmpuint (g_list_model_get_n_items (fal_form_field_get_children (f)), ==, 2);
  child = fal_form_field_get_child (f, "path");
  g_assert_cmpint (fal_form_field_get_kind (child), ==, FAL_FIELD_FILE);
  g_assert_cmpint (fal_form_field_get_media (child), ==, FAL_FILE_MEDIA_ANY);
  g_assert_true (fal_form_field_get_required (child));
  child = fal_form_field_get_child (f, "scale");
  g_assert_cmpint (fal_form_field_get_kind (child), ==, FAL_FIELD_NUMBER);
  assert_bounds (child, TRUE, 0, FALSE, TRUE, 4, FALSE);
  assert_json (fal_form_field_get_default (child), "1");
  assert_json (fal_form_field_get_default (f), "[]");

  /* anyOf [allOf [$ref IPAdapter], null]: a nullable object. */
  f = field (model, "ip_adapter");
  g_assert_true (fal_form_field_get_nullable (f));
  g_assert_cmpstr (fal_form_field_get_description (f), ==, "IP-Adapter to use for image generation.");

  /* allOf [$ref OutputFormat] with the default beside it. */
  f = field (model, "output_format");
  assert_json (fal_form_field_get_default (f), "\"jpeg\"");
  assert_array (fal_form_field_get_enum_values (f), "[\"jpeg\", \"png\"]");

  {
    g_auto(GStrv) paths = fal_form_model_get_file_paths (model);
    g_assert_cmpstrv (paths, ((const char * const[]) { "image_urls/*", "mask_url", "loras/*/path", NULL }));
  }

  /* Bounds, inclusive and exclusive, and nested locs. */
  set (model, "prompt", "\"x\"");
  set (model, "image_urls", "[]");
  set (model, "strength", "0");
  set (model, "guidance_scale", "20");
  set (model, "loras", "[{\"path\": \"https://x/l.safetensors\"}, {\"scale\": 5}]");
  set (model, "image_size", "{\"width\": 0, \"height\": 512}");
  {
    g_autofree char *errors = validate_text (model);
    g_assert_cmpstr (errors, ==,
                     "body/image_urls too_short\n"
                     "body/strength greater_than\n"
                     "body/image_size/width greater_than\n"
                     "body/loras/1/path missing\n"
                     "body/loras/1/scale less_than_equal\n"
                     "body/guidance_scale less_than\n");
  }
  set (model, "image_urls", "[\"https://x/a.png\", 3]");
  set (model, "strength", "1");
  set (model, "guidance_scale", "19.5");
  set (model, "loras", "[{\"path\": \"https://x/l.safetensors\", \"scale\": 4}]");
  set (model, "image_size", "{\"width\": 1, \"height\": 14142}");
  {
    g_autofree char *errors = validate_text (model);
    g_assert_cmpstr (errors, ==, "body/image_urls/1 string_type\n");
  }
  set (model, "image_urls", "[\"https://x/a.png\"]");
  g_assert_null (fal_form_model_validate (model));

  /* An empty file entry is unset. */
  set (model, "mask_url", "\"\"");
  g_assert_null (fal_form_model_get_value (model, "mask_url"));
  {
    g_autofree char *body = body_without_seed (model);
    g_assert_cmpstr (body, ==,
                     "{\"prompt\":\"x\",\"image_urls\":[\"https://x/a.png\"],\"strength\":1,"
                     "\"image_size\":{\"width\":1,\"height\":14142},"
                     "\"loras\":[{\"path\":\"https://x/l.safetensors\",\"scale\":4}],\"guidance_scale\":19.5}");
  }
}

/* ------------------------------------------------------------------ body */

static void
test_body_and_seed (void)
{
  g_autoptr(FalFormModel) model = model_for ("fal-ai/flux/dev", FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = NULL;
  JsonArray *field_errors;
  JsonObject *object;
  gint64 seed = -1;
  gboolean drawn = FALSE;
  guint changes = 0, prompt_changes = 0;

  /* Missing required field: a validation error shaped like a 422. */
  body = fal_form_model_build_body (model, &error);
  g_assert_null (body);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_VALIDATION);
  field_errors = fal_error_get_field_errors (error);
  g_assert_nonnull (field_errors);
  g_assert_cmpuint (json_array_get_length (field_errors), ==, 1);
  assert_json (json_object_get_member (json_array_get_object_element (field_errors, 0), "loc"), "[\"body\", \"prompt\"]");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (field_errors, 0), "type"), ==, "missing");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (field_errors, 0), "msg"), ==, "Field required");
  {
    g_autofree char *line = fal_error_describe (error);
    g_assert_cmpstr (line, ==, "Validation failed: prompt: Field required");
  }
  g_clear_error (&error);
  g_assert_false (fal_form_model_get_last_seed (model, NULL, NULL));

  g_signal_connect (model, "value-changed::prompt", G_CALLBACK (count_cb), &prompt_changes);
  g_signal_connect (model, "value-changed", G_CALLBACK (count_cb), &changes);

  /* Required + changed only; the seed drawn and sent. */
  set (model, "prompt", "\"a lighthouse\"");
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (prompt_changes, ==, 1);
  g_assert_true (fal_form_model_is_changed (model, "prompt"));
  g_assert_false (fal_form_model_is_changed (model, "num_images"));
  assert_json (fal_form_model_get_value (model, "num_images"), "1");
  object = body_of (model);
  g_assert_cmpuint (json_object_get_size (object), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "prompt"), ==, "a lighthouse");
  g_assert_true (fal_form_model_get_last_seed (model, &seed, &drawn));
  g_assert_true (drawn);
  g_assert_cmpint (seed, >=, 0);
  g_assert_cmpint (seed, <=, G_MAXINT32);
  g_assert_cmpint (json_object_get_int_member (object, "seed"), ==, seed);

  /* Every run draws again. */
  {
    gint64 seeds[8];
    gboolean all_same = TRUE;

    for (guint i = 0; i < G_N_ELEMENTS (seeds); i++)
      {
        body_of (model);
        fal_form_model_get_last_seed (model, &seeds[i], NULL);
        all_same &= seeds[i] == seeds[0];
      }
    g_assert_false (all_same);
  }

  /* A changed field goes in even at its default value. */
  set (model, "num_images", "1");
  set (model, "image_size", "{\"width\": 768, \"height\": 512}");
  set (model, "seed", "42");
  object = body_of (model);
  {
    g_autofree char *text = to_text (g_object_get_data (G_OBJECT (model), "last-body"));
    g_assert_cmpstr (text, ==,
                     "{\"prompt\":\"a lighthouse\",\"image_size\":{\"width\":768,\"height\":512},"
                     "\"seed\":42,\"num_images\":1}");
  }
  g_assert_true (fal_form_model_get_last_seed (model, &seed, &drawn));
  g_assert_cmpint (seed, ==, 42);
  g_assert_false (drawn);

  /* "random" draws again. */
  set (model, "seed", "\"random\"");
  object = body_of (model);
  g_assert_true (fal_form_model_get_last_seed (model, &seed, &drawn));
  g_assert_true (drawn);
  g_assert_cmpint (json_object_get_int_member (object, "seed"), ==, seed);

  /* Reset: defaults, unchanged, a signal per changed field. */
  changes = 0;
  fal_form_model_reset (model);
  g_assert_cmpuint (changes, ==, 4);
  g_assert_false (fal_form_model_is_changed (model, "prompt"));
  g_assert_null (fal_form_model_get_value (model, "prompt"));
  assert_json (fal_form_model_get_value (model, "image_size"), "\"landscape_4_3\"");

  g_assert_false (fal_form_model_set_value (model, "no_such_field", NULL));
  g_assert_null (fal_form_model_get_value (model, "no_such_field"));
}

static void
test_seed_bounds (void)
{
  g_autoptr(FalFormModel) model = model_from_input (
    "{\"type\": \"object\", \"properties\": {\"seed\": {\"type\": \"integer\", \"minimum\": 10, \"exclusiveMaximum\": 13}}}",
    NULL);

  for (guint i = 0; i < 50; i++)
    {
      gint64 seed;
      JsonObject *body = body_of (model);

      g_assert_true (fal_form_model_get_last_seed (model, &seed, NULL));
      g_assert_cmpint (seed, >=, 10);
      g_assert_cmpint (seed, <=, 12);
      g_assert_cmpint (json_object_get_int_member (body, "seed"), ==, seed);
    }
  set (model, "seed", "13");
  {
    g_autofree char *errors = validate_text (model);
    g_assert_cmpstr (errors, ==, "body/seed less_than\n");
  }
}

/* ------------------------------------------------------------------ coerce */

static void
assert_coerce (FalFormModel *model,
               const char   *name,
               const char   *text,
               const char   *expected)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = fal_form_model_coerce (model, name, text, &error);

  if (expected == NULL)
    {
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_null (node);
      return;
    }
  g_assert_no_error (error);
  assert_json (node, expected);
}

static void
test_coerce (void)
{
  g_autoptr(FalFormModel) flux = model_for ("fal-ai/flux/dev", FALSE);
  g_autoptr(FalFormModel) general = model_for ("fal-ai/flux-general/image-to-image", FALSE);
  g_autoptr(FalFormModel) llm = model_for ("fal-ai/any-llm", TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  assert_coerce (flux, "prompt", "4", "\"4\"");
  assert_coerce (flux, "prompt", "true", "\"true\"");
  assert_coerce (flux, "num_images", "4", "4");
  assert_coerce (flux, "num_images", " 2 ", "2");
  assert_coerce (flux, "num_images", "2.5", NULL);
  assert_coerce (flux, "num_images", "four", NULL);
  assert_coerce (flux, "guidance_scale", "3.5", "3.5");
  assert_coerce (flux, "guidance_scale", "4", "4");
  assert_coerce (flux, "guidance_scale", "nan", NULL);
  assert_coerce (flux, "enable_safety_checker", "false", "false");
  assert_coerce (flux, "enable_safety_checker", "Yes", "true");
  assert_coerce (flux, "enable_safety_checker", "1", "true");
  assert_coerce (flux, "enable_safety_checker", "maybe", NULL);
  assert_coerce (flux, "image_size", "512x768", "{\"width\": 512, \"height\": 768}");
  assert_coerce (flux, "image_size", "1024×1024", "{\"width\": 1024, \"height\": 1024}");
  assert_coerce (flux, "image_size", "landscape_16_9", "\"landscape_16_9\"");
  assert_coerce (flux, "image_size", "{\"width\": 64, \"height\": 64}", "{\"width\": 64, \"height\": 64}");
  assert_coerce (flux, "image_size", "huge", NULL);
  assert_coerce (flux, "seed", "7", "7");
  assert_coerce (flux, "seed", "random", "\"random\"");
  assert_coerce (flux, "seed", "null", "null");
  assert_coerce (flux, "seed", "lucky", NULL);
  assert_coerce (flux, "output_format", "png", "\"png\"");
  assert_coerce (flux, "output_format", "gif", NULL);
  /* Not nullable: "null" is just text. */
  assert_coerce (flux, "prompt", "null", "\"null\"");

  assert_coerce (general, "image_urls", "https://x/a.png", "[\"https://x/a.png\"]");
  assert_coerce (general, "image_urls", "[\"https://x/a.png\", \"https://x/b.png\"]", "[\"https://x/a.png\", \"https://x/b.png\"]");
  assert_coerce (general, "mask_url", "/home/me/mask.png", "\"/home/me/mask.png\"");
  assert_coerce (general, "loras", "[{\"path\": \"a\", \"scale\": 0.5}]", "[{\"path\": \"a\", \"scale\": 0.5}]");
  assert_coerce (general, "loras", "{\"path\": \"a\"}", "[{\"path\": \"a\"}]");
  assert_coerce (general, "loras", "not json", NULL);
  assert_coerce (general, "ip_adapter", "{\"path\": \"h/ip\", \"image_encoder_path\": \"h/enc\", \"scale\": 1}",
                 "{\"path\": \"h/ip\", \"image_encoder_path\": \"h/enc\", \"scale\": 1}");

  assert_coerce (llm, "model", "google/gemini-flash-1.5", "\"google/gemini-flash-1.5\"");
  assert_coerce (llm, "system_prompt", "null", "null");

  node = fal_form_model_coerce (flux, "nope", "1", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_assert_null (node);
}

/* ------------------------------------------------------------------ resolution */

static void
test_resolution_cases (void)
{
  g_autoptr(FalFormModel) model = NULL;
  g_autofree char *kinds = NULL;
  FalFormField *f;

  /* A $ref cycle (a tree of nodes) ends; allOf unites properties and
   * required lists; OpenAPI 3.0 nullable and exclusive flags; 3.1 type
   * lists; oneOf; const; mixed branches are free JSON; integer beside
   * number is a number; fields missing from x-fal-order-properties come
   * after, in document order. */
  model = model_from_input (
    "{\"allOf\": [{\"$ref\": \"#/components/schemas/Base\"}, {\"$ref\": \"#/components/schemas/Extra\"}],"
    " \"x-fal-order-properties\": [\"tree\", \"ratio\"]}",
    "\"Base\": {\"type\": \"object\", \"properties\": {"
    "   \"text\": {\"type\": \"string\", \"nullable\": true},"
    "   \"ratio\": {\"type\": \"number\", \"minimum\": 0, \"exclusiveMinimum\": true, \"maximum\": 2, \"exclusiveMaximum\": false},"
    "   \"tree\": {\"$ref\": \"#/components/schemas/Node\"},"
    "   \"nodes\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Node\"}}},"
    "  \"required\": [\"text\"]},"
    "\"Extra\": {\"type\": \"object\", \"properties\": {"
    "   \"style\": {\"oneOf\": [{\"const\": \"a\"}, {\"const\": \"b\"}]},"
    "   \"mode\": {\"const\": \"fast\"},"
    "   \"label\": {\"type\": [\"string\", \"null\"], \"maxLength\": 20},"
    "   \"either\": {\"anyOf\": [{\"type\": \"string\"}, {\"type\": \"integer\"}]},"
    "   \"amount\": {\"anyOf\": [{\"type\": \"integer\"}, {\"type\": \"number\", \"maximum\": 9}]},"
    "   \"notes\": {\"type\": \"string\", \"description\": \"One item per line (multi-line).\"},"
    "   \"size\": {\"$ref\": \"#/components/schemas/ImageSize\"},"
    "   \"dangling\": {\"$ref\": \"#/components/schemas/Missing\"},"
    "   \"video_url\": {\"type\": \"string\"},"
    "   \"driving\": {\"type\": \"string\", \"format\": \"uri\", \"description\": \"A clip with the speech to follow.\"},"
    "   \"tags\": {\"type\": \"array\", \"items\": {\"type\": \"string\"}}},"
    "  \"required\": [\"mode\"]},"
    "\"Node\": {\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"},"
    "   \"children\": {\"type\": \"array\", \"items\": {\"$ref\": \"#/components/schemas/Node\"}}}},"
    "\"ImageSize\": {\"type\": \"object\", \"properties\": {\"width\": {\"type\": \"integer\"}, \"height\": {\"type\": \"integer\"}}}");
  kinds = describe_kinds (model);
  g_assert_cmpstr (kinds, ==,
                   "text:long_text mode:enum tree:json ratio:number nodes:object_list style:enum label:short_text "
                   "either:json amount:number notes:long_text size:image_size dangling:json video_url:file "
                   "driving:file tags:json");

  g_assert_true (fal_form_field_get_nullable (field (model, "text")));
  g_assert_true (fal_form_field_get_required (field (model, "text")));
  g_assert_true (fal_form_field_get_required (field (model, "mode")));
  assert_bounds (field (model, "ratio"), TRUE, 0, TRUE, TRUE, 2, FALSE);
  assert_array (fal_form_field_get_enum_values (field (model, "style")), "[\"a\", \"b\"]");
  assert_array (fal_form_field_get_enum_values (field (model, "mode")), "[\"fast\"]");
  g_assert_true (fal_form_field_get_nullable (field (model, "label")));
  g_assert_cmpint (fal_form_field_get_max_length (field (model, "label")), ==, 20);
  g_assert_true (fal_form_field_get_multiline (field (model, "notes")));
  g_assert_cmpint (fal_form_field_get_media (field (model, "video_url")), ==, FAL_FILE_MEDIA_VIDEO);
  g_assert_cmpint (fal_form_field_get_media (field (model, "driving")), ==, FAL_FILE_MEDIA_AUDIO);
  g_assert_true (fal_form_field_get_custom_size (field (model, "size")));
  g_assert_null (fal_form_field_get_size_presets (field (model, "size"))[0]);

  /* The recursive list stops after a few levels. */
  f = field (model, "nodes");
  for (guint depth = 0; f && fal_form_field_get_kind (f) == FAL_FIELD_OBJECT_LIST; depth++)
    {
      g_assert_cmpuint (depth, <, 8);
      f = fal_form_field_get_child (f, "children");
    }
  g_assert_nonnull (f);
  g_assert_cmpint (fal_form_field_get_kind (f), ==, FAL_FIELD_JSON);

  set (model, "text", "\"t\"");
  set (model, "mode", "\"fast\"");
  set (model, "tags", "{\"a\": 1}");
  set (model, "tree", "[1]");
  {
    g_autofree char *errors = validate_text (model);
    g_assert_cmpstr (errors, ==, "body/tree dict_type\nbody/tags list_type\n");
  }

  {
    g_autoptr(JsonNode) described = fal_form_model_to_json (model);
    g_autofree char *text = fal_json_to_string (described, TRUE);

    g_assert_nonnull (strstr (text, "\"kind\" : \"object_list\""));
  }
}

static void
test_broken_documents (void)
{
  static const char * const documents[] = {
    "[]",
    "{}",
    "{\"paths\": {}}",
    /* Two POSTs and no matching path: which one? */
    "{\"paths\": {\"/a\": {\"post\": {\"requestBody\": {\"content\": {\"application/json\": {\"schema\": {\"type\": \"object\"}}}}}},"
    "             \"/b\": {\"post\": {\"requestBody\": {\"content\": {\"application/json\": {\"schema\": {\"type\": \"object\"}}}}}}}}",
    /* The input is not an object. */
    "{\"paths\": {\"/x/y\": {\"post\": {\"requestBody\": {\"content\": {\"application/json\": {\"schema\": {\"type\": \"string\"}}}}}}}}",
    /* A self-referencing input. */
    "{\"paths\": {\"/x/y\": {\"post\": {\"requestBody\": {\"content\": {\"application/json\": {\"schema\": {\"$ref\": \"#/components/schemas/A\"}}}}}}},"
    " \"components\": {\"schemas\": {\"A\": {\"$ref\": \"#/components/schemas/A\"}}}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (documents); i++)
    {
      g_autoptr(JsonNode) document = json (documents[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(FalFormModel) model = fal_form_model_new_from_openapi (document, "x/y", &error);

      g_assert_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL);
      g_assert_null (model);
    }

  /* The only POST is used when the path does not match the id, and a
   * components …Input when there are no paths. */
  {
    g_autoptr(FalFormModel) model = model_from_text (
      "{\"paths\": {\"/fal-ai/other\": {\"post\": {\"requestBody\": {\"content\": {\"application/json\":"
      " {\"schema\": {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"boolean\"}}}}}}}}}}", "x/y");
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), ==, 1);
  }
  {
    g_autoptr(FalFormModel) model = model_from_text (
      "{\"components\": {\"schemas\": {\"XyInput\": {\"type\": \"object\", \"properties\": {\"a\": {}}}}}}", "x/y");
    g_autoptr(FalFormField) a = g_list_model_get_item (G_LIST_MODEL (model), 0);

    g_assert_cmpint (fal_form_field_get_kind (a), ==, FAL_FIELD_JSON);
  }
}

static void
test_to_json (void)
{
  g_autoptr(FalFormModel) model = model_for ("fal-ai/flux/dev", FALSE);
  g_autoptr(JsonNode) node = fal_form_model_to_json (model);
  JsonObject *object = json_node_get_object (node);
  JsonArray *fields = json_object_get_array_member (object, "fields");
  JsonObject *image_size, *steps, *prompt;

  g_assert_cmpstr (json_object_get_string_member (object, "endpoint_id"), ==, "fal-ai/flux/dev");
  g_assert_cmpstr (json_object_get_string_member (object, "category"), ==, "text-to-image");
  g_assert_cmpuint (json_array_get_length (fields), ==, 10);

  prompt = json_array_get_object_element (fields, 0);
  g_assert_cmpstr (json_object_get_string_member (prompt, "kind"), ==, "long_text");
  g_assert_true (json_object_get_boolean_member (prompt, "required"));
  g_assert_true (json_object_get_boolean_member (prompt, "multiline"));

  image_size = json_array_get_object_element (fields, 1);
  g_assert_cmpstr (json_object_get_string_member (image_size, "kind"), ==, "image_size");
  g_assert_true (json_object_get_boolean_member (image_size, "custom_size"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (image_size, "presets")), ==, 6);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (image_size, "fields")), ==, 2);

  steps = json_array_get_object_element (fields, 2);
  g_assert_cmpint (json_object_get_int_member (steps, "minimum"), ==, 1);
  g_assert_false (json_object_get_boolean_member (steps, "exclusive_minimum"));
  g_assert_cmpint (json_object_get_int_member (steps, "maximum"), ==, 50);
  g_assert_cmpint (json_object_get_int_member (steps, "default"), ==, 28);
  g_assert_true (json_object_get_boolean_member (steps, "advanced"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/form-model/server-documents", test_server_documents);
  g_test_add_func ("/form-model/errors-match-server", test_errors_match_server);
  g_test_add_func ("/form-model/flux-dev", test_flux_dev);
  g_test_add_func ("/form-model/fast-lightning-sdxl", test_fast_lightning_sdxl);
  g_test_add_func ("/form-model/kling-video", test_kling_video);
  g_test_add_func ("/form-model/whisper", test_whisper);
  g_test_add_func ("/form-model/flux-general", test_flux_general);
  g_test_add_func ("/form-model/body-and-seed", test_body_and_seed);
  g_test_add_func ("/form-model/seed-bounds", test_seed_bounds);
  g_test_add_func ("/form-model/coerce", test_coerce);
  g_test_add_func ("/form-model/resolution", test_resolution_cases);
  g_test_add_func ("/form-model/broken-documents", test_broken_documents);
  g_test_add_func ("/form-model/to-json", test_to_json);

  return g_test_run ();
}
