/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>

#include "fal-local-openapi.h"

typedef struct {
  const char *id;
  const char *required[3];
  const char *minimal_body;
} Endpoint;

/* The conformance kit's required inputs, and a smallest valid body */
static const Endpoint endpoints[] = {
  { "fal-ai/fast-sdxl", { "prompt" }, "{\"prompt\": \"x\"}" },
  { "fal-ai/flux/schnell", { "prompt" }, "{\"prompt\": \"x\"}" },
  { "fal-ai/fast-sdxl/image-to-image", { "image_url", "prompt" },
    "{\"image_url\": \"http://127.0.0.1:1/files/a.png\", \"prompt\": \"x\"}" },
  { "fal-ai/any-llm", { "prompt" }, "{\"prompt\": \"x\"}" },
  { "fal-ai/llavav15-13b", { "image_url", "prompt" },
    "{\"image_url\": \"http://127.0.0.1:1/files/a.png\", \"prompt\": \"x\"}" },
  { "fal-ai/whisper", { "audio_url" }, "{\"audio_url\": \"http://127.0.0.1:1/files/a.wav\"}" },
  { "fal-ai/stable-audio", { "prompt" }, "{\"prompt\": \"x\"}" },
  { "fal-ai/minimax/video-01", { "prompt" }, "{\"prompt\": \"x\"}" },
};

static JsonNode *
parse (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (json_parser_get_root (parser));

  return json_node_copy (json_parser_get_root (parser));
}

static JsonArray *
validate (const char *endpoint_id,
          const char *json)
{
  g_autoptr(JsonNode) body = parse (json);
  g_autoptr(GError) error = NULL;
  JsonArray *errors;

  errors = fal_local_openapi_validate (endpoint_id, body, &error);
  g_assert_no_error (error);

  return errors;
}

static void
assert_valid (const char *endpoint_id,
              const char *json)
{
  g_autoptr(JsonArray) errors = validate (endpoint_id, json);

  if (errors != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_array (json_node_alloc (), errors);
      g_autofree char *text = json_to_string (node, TRUE);

      g_error ("%s rejected %s:\n%s", endpoint_id, json, text);
    }
}

/* Checks error number `index`: its loc as compact JSON, and its type */
static JsonObject *
assert_error (JsonArray  *errors,
              guint       index,
              const char *loc,
              const char *type)
{
  JsonObject *error;
  g_autoptr(JsonNode) loc_node = NULL;
  g_autofree char *loc_text = NULL;

  g_assert_nonnull (errors);
  g_assert_cmpuint (json_array_get_length (errors), >, index);

  error = json_array_get_object_element (errors, index);
  g_assert_nonnull (error);
  loc_node = json_node_init_array (json_node_alloc (), json_object_get_array_member (error, "loc"));
  loc_text = json_to_string (loc_node, FALSE);
  g_assert_cmpstr (loc_text, ==, loc);
  g_assert_cmpstr (json_object_get_string_member (error, "type"), ==, type);
  g_assert_nonnull (json_object_get_string_member (error, "msg"));

  return error;
}

static JsonObject *
assert_only_error (JsonArray  *errors,
                   const char *loc,
                   const char *type)
{
  g_assert_nonnull (errors);
  g_assert_cmpuint (json_array_get_length (errors), ==, 1);

  return assert_error (errors, 0, loc, type);
}

static void
collect_refs (JsonNode  *node,
              GPtrArray *refs)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init (&iter, json_node_get_object (node));
      while (json_object_iter_next (&iter, &name, &member))
        {
          if (g_str_equal (name, "$ref") && JSON_NODE_HOLDS_VALUE (member))
            g_ptr_array_add (refs, (gpointer) json_node_get_string (member));
          else
            collect_refs (member, refs);
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_refs (json_array_get_element (array, i), refs);
    }
}

static gboolean
array_has_string (JsonArray  *array,
                  const char *string)
{
  for (guint i = 0; i < json_array_get_length (array); i++)
    if (g_strcmp0 (json_array_get_string_element (array, i), string) == 0)
      return TRUE;

  return FALSE;
}

static void
test_documents (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    {
      const Endpoint *endpoint = &endpoints[i];
      g_autoptr(GBytes) bytes = fal_local_openapi_lookup (endpoint->id);
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(JsonObject) input = NULL;
      g_autoptr(GPtrArray) refs = g_ptr_array_new ();
      g_autoptr(GError) error = NULL;
      g_autofree char *title = NULL;
      g_autofree char *submit = NULL;
      JsonObject *doc, *schemas, *post, *properties;
      JsonArray *order, *required;
      const char *ref;

      g_test_message ("%s", endpoint->id);
      g_assert_nonnull (bytes);
      json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), &error);
      g_assert_no_error (error);

      doc = json_node_get_object (json_parser_get_root (parser));
      g_assert_cmpstr (json_object_get_string_member (doc, "openapi"), ==, "3.0.4");
      title = g_strconcat ("Queue OpenAPI for ", endpoint->id, NULL);
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (doc, "info"), "title"), ==, title);
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_object_get_object_member (doc, "info"),
                                                                                      "x-fal-metadata"),
                                                      "endpointId"), ==, endpoint->id);

      /* What the conformance kit looks at */
      schemas = json_object_get_object_member (json_object_get_object_member (doc, "components"), "schemas");
      g_assert_nonnull (schemas);
      g_assert_true (json_object_has_member (schemas, "QueueStatus"));
      submit = g_strconcat ("/", endpoint->id, NULL);
      post = json_object_get_object_member (json_object_get_object_member (json_object_get_object_member (doc, "paths"), submit), "post");
      g_assert_nonnull (post);
      ref = json_object_get_string_member (json_object_get_object_member (json_object_get_object_member (json_object_get_object_member (json_object_get_object_member (post, "requestBody"), "content"), "application/json"), "schema"), "$ref");
      g_assert_true (g_str_has_prefix (ref, "#/components/schemas/"));
      g_assert_true (g_str_has_suffix (ref, "Input"));
      g_assert_true (json_object_has_member (schemas, ref + strlen ("#/components/schemas/")));

      input = fal_local_openapi_input_schema (bytes, &error);
      g_assert_no_error (error);
      g_assert_nonnull (input);
      required = json_object_get_array_member (input, "required");
      for (guint r = 0; r < G_N_ELEMENTS (endpoint->required) && endpoint->required[r]; r++)
        g_assert_true (array_has_string (required, endpoint->required[r]));

      /* The display order names exactly the properties */
      g_assert_true (json_object_has_member (input, "x-fal-order-properties"));
      order = json_object_get_array_member (input, "x-fal-order-properties");
      properties = json_object_get_object_member (input, "properties");
      g_assert_cmpuint (json_array_get_length (order), ==, json_object_get_size (properties));
      for (guint o = 0; o < json_array_get_length (order); o++)
        g_assert_true (json_object_has_member (properties, json_array_get_string_element (order, o)));

      /* Every $ref points at a schema that exists */
      collect_refs (json_parser_get_root (parser), refs);
      g_assert_cmpuint (refs->len, >, 0);
      for (guint r = 0; r < refs->len; r++)
        {
          const char *target = g_ptr_array_index (refs, r);

          g_assert_true (g_str_has_prefix (target, "#/components/schemas/"));
          g_assert_true (json_object_has_member (schemas, target + strlen ("#/components/schemas/")));
        }
    }
}

static void
test_lookup_unknown (void)
{
  g_autoptr(GBytes) missing = fal_local_openapi_lookup ("fal-ai/no-such-model");
  g_autoptr(GBytes) mangled = fal_local_openapi_lookup ("fal-ai_fast-sdxl");
  g_autoptr(GBytes) empty = fal_local_openapi_lookup ("");
  g_autoptr(GBytes) dots = fal_local_openapi_lookup ("../openapi/fal-ai/fast-sdxl");

  g_assert_null (missing);
  g_assert_null (mangled);
  g_assert_null (empty);
  g_assert_null (dots);
}

static void
test_etag (void)
{
  g_autoptr(GBytes) sdxl = fal_local_openapi_lookup ("fal-ai/fast-sdxl");
  g_autoptr(GBytes) sdxl_again = fal_local_openapi_lookup ("fal-ai/fast-sdxl");
  g_autoptr(GBytes) flux = fal_local_openapi_lookup ("fal-ai/flux/schnell");
  g_autoptr(GBytes) copy = g_bytes_new (g_bytes_get_data (sdxl, NULL), g_bytes_get_size (sdxl));
  g_autofree char *etag = fal_local_openapi_etag (sdxl);
  g_autofree char *etag_again = fal_local_openapi_etag (sdxl_again);
  g_autofree char *etag_copy = fal_local_openapi_etag (copy);
  g_autofree char *etag_flux = fal_local_openapi_etag (flux);

  g_assert_true (g_str_has_prefix (etag, "\""));
  g_assert_true (g_str_has_suffix (etag, "\""));
  g_assert_cmpuint (strlen (etag), >, 10);
  g_assert_true (strchr (etag + 1, '"') == etag + strlen (etag) - 1);
  g_assert_cmpstr (etag, ==, etag_again);
  g_assert_cmpstr (etag, ==, etag_copy);
  g_assert_cmpstr (etag, !=, etag_flux);
}

static void
test_input_schema_broken (void)
{
  static const char *const broken[] = {
    "",
    "[]",
    "{\"paths\": {}}",
    /* a $ref cycle must end in an error, not a hang */
    "{\"paths\": {\"/a/b\": {\"post\": {\"requestBody\": {\"content\": {\"application/json\":"
    " {\"schema\": {\"$ref\": \"#/components/schemas/A\"}}}}}}},"
    " \"components\": {\"schemas\": {\"A\": {\"$ref\": \"#/components/schemas/B\"},"
    " \"B\": {\"$ref\": \"#/components/schemas/A\"}}}}",
    "{\"paths\": {\"/a/b\": {\"post\": {\"requestBody\": {\"content\": {\"application/json\":"
    " {\"schema\": {\"$ref\": \"#/components/schemas/Gone\"}}}}}}}}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      g_autoptr(GBytes) bytes = g_bytes_new_static (broken[i], strlen (broken[i]));
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonObject) input = fal_local_openapi_input_schema (bytes, &error);

      g_assert_null (input);
      g_assert_nonnull (error);
    }
}

static void
test_valid_minimal (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    assert_valid (endpoints[i].id, endpoints[i].minimal_body);
}

static void
test_valid_full (void)
{
  assert_valid ("fal-ai/fast-sdxl",
                "{\"prompt\": \"a cat\", \"negative_prompt\": \"blurry\","
                " \"image_size\": {\"width\": 256, \"height\": 192},"
                " \"num_inference_steps\": 50, \"guidance_scale\": 0, \"seed\": 42,"
                " \"num_images\": 8, \"loras\": [{\"path\": \"http://x/l.safetensors\", \"scale\": 0.5},"
                " {\"path\": \"http://x/m.safetensors\"}],"
                " \"embeddings\": [{\"path\": \"http://x/e.safetensors\", \"tokens\": [\"<s0>\"]}],"
                " \"expand_prompt\": true, \"format\": \"png\", \"safety_checker_version\": \"v2\","
                " \"enable_safety_checker\": false, \"sync_mode\": true,"
                " \"something_fal_ignores\": [1, 2, 3]}");
  assert_valid ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"image_size\": \"landscape_16_9\"}");
  /* a float without a fractional part is an integer to pydantic */
  assert_valid ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"num_images\": 2.0, \"guidance_scale\": 3}");
  assert_valid ("fal-ai/fast-sdxl/image-to-image",
                "{\"image_url\": \"http://127.0.0.1:1/a.png\", \"prompt\": \"x\", \"strength\": 0.05,"
                " \"image_size\": {\"width\": 14142, \"height\": 1}, \"preserve_aspect_ratio\": true}");
  assert_valid ("fal-ai/any-llm",
                "{\"prompt\": \"hi\", \"system_prompt\": \"be brief\", \"model\": \"openai/gpt-4o-mini\","
                " \"reasoning\": true}");
  assert_valid ("fal-ai/llavav15-13b",
                "{\"image_url\": \"u\", \"prompt\": \"p\", \"max_tokens\": 128, \"temperature\": 1,"
                " \"top_p\": 0.5}");
  assert_valid ("fal-ai/whisper",
                "{\"audio_url\": \"u\", \"task\": \"translate\", \"language\": \"de\", \"diarize\": true,"
                " \"chunk_level\": \"word\", \"version\": \"3\", \"batch_size\": 1, \"prompt\": \"\","
                " \"num_speakers\": 2}");
  assert_valid ("fal-ai/stable-audio",
                "{\"prompt\": \"drums\", \"seconds_start\": 0, \"seconds_total\": 47, \"steps\": 1000}");
  assert_valid ("fal-ai/minimax/video-01", "{\"prompt\": \"a boat\", \"prompt_optimizer\": false}");
}

static void
test_missing_prompt (void)
{
  g_autoptr(JsonArray) errors = validate ("fal-ai/fast-sdxl", "{\"negative_prompt\": \"x\"}");
  JsonObject *error = assert_only_error (errors, "[\"body\",\"prompt\"]", "missing");

  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==, "Field required");
}

static void
test_missing_image_url (void)
{
  g_autoptr(JsonArray) errors = validate ("fal-ai/fast-sdxl/image-to-image", "{\"prompt\": \"x\"}");

  assert_only_error (errors, "[\"body\",\"image_url\"]", "missing");
}

static void
test_wrong_type (void)
{
  g_autoptr(JsonArray) errors = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"num_inference_steps\": \"lots\"}");
  JsonObject *error = assert_only_error (errors, "[\"body\",\"num_inference_steps\"]", "int_parsing");
  g_autoptr(JsonArray) floats = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"guidance_scale\": \"high\"}");
  g_autoptr(JsonArray) fraction = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"num_images\": 1.5}");
  g_autoptr(JsonArray) boolean = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"sync_mode\": 1}");
  g_autoptr(JsonArray) list = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"loras\": {}}");
  g_autoptr(JsonArray) string = validate ("fal-ai/fast-sdxl", "{\"prompt\": 7}");

  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==,
                   "Input should be a valid integer, unable to parse string as an integer");
  g_assert_cmpstr (json_object_get_string_member (error, "input"), ==, "lots");
  assert_only_error (floats, "[\"body\",\"guidance_scale\"]", "float_parsing");
  assert_only_error (fraction, "[\"body\",\"num_images\"]", "int_from_float");
  assert_only_error (boolean, "[\"body\",\"sync_mode\"]", "bool_type");
  assert_only_error (list, "[\"body\",\"loras\"]", "list_type");
  assert_only_error (string, "[\"body\",\"prompt\"]", "string_type");
}

static void
test_out_of_range (void)
{
  g_autoptr(JsonArray) errors = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"num_inference_steps\": 100000}");
  JsonObject *error = assert_only_error (errors, "[\"body\",\"num_inference_steps\"]", "less_than_equal");
  g_autoptr(JsonArray) low = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"num_inference_steps\": 0}");
  g_autoptr(JsonArray) strength = validate ("fal-ai/fast-sdxl/image-to-image",
                                            "{\"image_url\": \"u\", \"prompt\": \"x\", \"strength\": 0.01}");
  g_autoptr(JsonArray) speakers = validate ("fal-ai/whisper", "{\"audio_url\": \"u\", \"num_speakers\": 0}");
  JsonObject *ctx;

  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==, "Input should be less than or equal to 50");
  ctx = json_object_get_object_member (error, "ctx");
  g_assert_cmpint (json_object_get_int_member (ctx, "le"), ==, 50);
  g_assert_cmpint (json_object_get_int_member (error, "input"), ==, 100000);

  error = assert_only_error (low, "[\"body\",\"num_inference_steps\"]", "greater_than_equal");
  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==, "Input should be greater than or equal to 1");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (error, "ctx"), "ge"), ==, 1);

  error = assert_only_error (strength, "[\"body\",\"strength\"]", "greater_than_equal");
  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==, "Input should be greater than or equal to 0.05");

  /* the range of a nullable integer still applies */
  assert_only_error (speakers, "[\"body\",\"num_speakers\"]", "greater_than_equal");
}

static void
test_enum (void)
{
  g_autoptr(JsonArray) errors = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"format\": \"gif\"}");
  JsonObject *error = assert_only_error (errors, "[\"body\",\"format\"]", "literal_error");
  g_autoptr(JsonArray) three = validate ("fal-ai/whisper", "{\"audio_url\": \"u\", \"version\": 3}");
  g_autoptr(JsonArray) language = validate ("fal-ai/whisper", "{\"audio_url\": \"u\", \"language\": \"xx\"}");

  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==, "Input should be 'jpeg' or 'png'");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (error, "ctx"), "expected"), ==,
                   "'jpeg' or 'png'");

  /* "3" is a string literal: the number 3 is not it */
  error = assert_only_error (three, "[\"body\",\"version\"]", "literal_error");
  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==, "Input should be '3'");

  /* nullable enum: the enum branch's error, at the field */
  assert_only_error (language, "[\"body\",\"language\"]", "literal_error");
}

static void
test_lora_path_missing (void)
{
  g_autoptr(JsonArray) errors = validate ("fal-ai/fast-sdxl",
                                          "{\"prompt\": \"x\", \"loras\": [{\"scale\": 1}, {\"path\": \"p\", \"scale\": 9}]}");

  g_assert_cmpuint (json_array_get_length (errors), ==, 2);
  assert_error (errors, 0, "[\"body\",\"loras\",0,\"path\"]", "missing");
  assert_error (errors, 1, "[\"body\",\"loras\",1,\"scale\"]", "less_than_equal");
}

static void
test_image_size (void)
{
  g_autoptr(JsonArray) unknown = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"image_size\": \"huge\"}");
  g_autoptr(JsonArray) zero = validate ("fal-ai/fast-sdxl",
                                        "{\"prompt\": \"x\", \"image_size\": {\"width\": 0, \"height\": 512}}");
  g_autoptr(JsonArray) number = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"image_size\": 5}");
  g_autoptr(JsonArray) half = validate ("fal-ai/flux/schnell",
                                        "{\"prompt\": \"x\", \"image_size\": {\"width\": \"wide\"}}");
  JsonObject *error;

  error = assert_only_error (unknown, "[\"body\",\"image_size\"]", "literal_error");
  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==,
                   "Input should be 'square_hd', 'square', 'portrait_4_3', 'portrait_16_9', 'landscape_4_3' or 'landscape_16_9'");

  assert_only_error (zero, "[\"body\",\"image_size\",\"width\"]", "greater_than_equal");

  error = assert_only_error (number, "[\"body\",\"image_size\"]", "union_type");
  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==, "Input should be a valid object or string");

  /* width and height have defaults: only the wrong width counts */
  assert_only_error (half, "[\"body\",\"image_size\",\"width\"]", "int_parsing");
}

static void
test_nullable (void)
{
  assert_valid ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"seed\": null}");
  assert_valid ("fal-ai/fast-sdxl/image-to-image",
                "{\"image_url\": \"u\", \"prompt\": \"x\", \"image_size\": null}");
  assert_valid ("fal-ai/whisper", "{\"audio_url\": \"u\", \"language\": null, \"num_speakers\": null}");
  assert_valid ("fal-ai/any-llm", "{\"prompt\": \"x\", \"system_prompt\": null}");

  /* a nullable field of the wrong type reports its base type's error */
  {
    g_autoptr(JsonArray) errors = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"seed\": \"abc\"}");

    assert_only_error (errors, "[\"body\",\"seed\"]", "int_parsing");
  }
}

static void
test_null_not_nullable (void)
{
  g_autoptr(JsonArray) prompt = validate ("fal-ai/fast-sdxl", "{\"prompt\": null}");
  g_autoptr(JsonArray) steps = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"num_inference_steps\": null}");
  g_autoptr(JsonArray) size = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"image_size\": null}");
  g_autoptr(JsonArray) format = validate ("fal-ai/fast-sdxl", "{\"prompt\": \"x\", \"format\": null}");

  assert_only_error (prompt, "[\"body\",\"prompt\"]", "string_type");
  assert_only_error (steps, "[\"body\",\"num_inference_steps\"]", "int_type");
  assert_only_error (size, "[\"body\",\"image_size\"]", "union_type");
  assert_only_error (format, "[\"body\",\"format\"]", "literal_error");
}

static void
test_not_object (void)
{
  g_autoptr(JsonArray) array = validate ("fal-ai/fast-sdxl", "[\"prompt\"]");
  g_autoptr(JsonArray) string = validate ("fal-ai/fast-sdxl", "\"prompt\"");
  g_autoptr(JsonArray) null = validate ("fal-ai/fast-sdxl", "null");
  g_autoptr(JsonArray) absent = NULL;
  g_autoptr(GError) error = NULL;
  JsonObject *first;

  first = assert_only_error (array, "[\"body\"]", "model_attributes_type");
  g_assert_cmpstr (json_object_get_string_member (first, "msg"), ==, "Input should be a valid dictionary");
  assert_only_error (string, "[\"body\"]", "model_attributes_type");
  assert_only_error (null, "[\"body\"]", "missing");

  /* json-glib's root for an empty document */
  absent = fal_local_openapi_validate ("fal-ai/fast-sdxl", NULL, &error);
  g_assert_no_error (error);
  assert_only_error (absent, "[\"body\"]", "missing");
}

static void
test_all_errors_in_order (void)
{
  g_autoptr(JsonArray) errors = validate ("fal-ai/fast-sdxl",
                                          "{\"sync_mode\": \"yes\", \"format\": \"gif\","
                                          " \"num_inference_steps\": \"lots\", \"num_images\": 99}");
  g_autoptr(JsonArray) both = validate ("fal-ai/llavav15-13b", "{}");

  g_assert_cmpuint (json_array_get_length (errors), ==, 5);
  assert_error (errors, 0, "[\"body\",\"prompt\"]", "missing");
  assert_error (errors, 1, "[\"body\",\"num_inference_steps\"]", "int_parsing");
  assert_error (errors, 2, "[\"body\",\"num_images\"]", "less_than_equal");
  assert_error (errors, 3, "[\"body\",\"format\"]", "literal_error");
  assert_error (errors, 4, "[\"body\",\"sync_mode\"]", "bool_parsing");

  g_assert_cmpuint (json_array_get_length (both), ==, 2);
  assert_error (both, 0, "[\"body\",\"image_url\"]", "missing");
  assert_error (both, 1, "[\"body\",\"prompt\"]", "missing");
}

static void
test_string_too_long (void)
{
  g_autofree char *prompt = g_strnfill (2001, 'a');
  g_autofree char *body = g_strdup_printf ("{\"prompt\": \"%s\"}", prompt);
  g_autoptr(JsonArray) errors = validate ("fal-ai/minimax/video-01", body);
  JsonObject *error = assert_only_error (errors, "[\"body\",\"prompt\"]", "string_too_long");

  g_assert_cmpstr (json_object_get_string_member (error, "msg"), ==, "String should have at most 2000 characters");
}

static void
test_unknown_endpoint (void)
{
  g_autoptr(JsonNode) body = parse ("{\"prompt\": \"x\"}");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonArray) errors = fal_local_openapi_validate ("fal-ai/no-such-model", body, &error);

  g_assert_null (errors);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static gpointer
validate_thread (gpointer data)
{
  guint offset = GPOINTER_TO_UINT (data);

  for (guint i = 0; i < 200; i++)
    {
      const Endpoint *endpoint = &endpoints[(i + offset) % G_N_ELEMENTS (endpoints)];
      g_autoptr(JsonArray) errors = validate (endpoint->id, "{\"num_inference_steps\": \"lots\"}");

      g_assert_nonnull (errors);
      assert_valid (endpoint->id, endpoint->minimal_body);
    }

  return NULL;
}

/* The document cache is filled from several threads at once */
static void
test_threads (void)
{
  GThread *threads[4];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("validate", validate_thread, GUINT_TO_POINTER (i));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  /* first, so that it runs on an empty cache */
  g_test_add_func ("/openapi/threads", test_threads);
  g_test_add_func ("/openapi/documents", test_documents);
  g_test_add_func ("/openapi/lookup/unknown", test_lookup_unknown);
  g_test_add_func ("/openapi/etag", test_etag);
  g_test_add_func ("/openapi/input-schema/broken", test_input_schema_broken);
  g_test_add_func ("/openapi/validate/valid-minimal", test_valid_minimal);
  g_test_add_func ("/openapi/validate/valid-full", test_valid_full);
  g_test_add_func ("/openapi/validate/missing-prompt", test_missing_prompt);
  g_test_add_func ("/openapi/validate/missing-image-url", test_missing_image_url);
  g_test_add_func ("/openapi/validate/wrong-type", test_wrong_type);
  g_test_add_func ("/openapi/validate/out-of-range", test_out_of_range);
  g_test_add_func ("/openapi/validate/enum", test_enum);
  g_test_add_func ("/openapi/validate/lora-path-missing", test_lora_path_missing);
  g_test_add_func ("/openapi/validate/image-size", test_image_size);
  g_test_add_func ("/openapi/validate/nullable", test_nullable);
  g_test_add_func ("/openapi/validate/null-not-nullable", test_null_not_nullable);
  g_test_add_func ("/openapi/validate/not-object", test_not_object);
  g_test_add_func ("/openapi/validate/all-errors-in-order", test_all_errors_in_order);
  g_test_add_func ("/openapi/validate/string-too-long", test_string_too_long);
  g_test_add_func ("/openapi/validate/unknown-endpoint", test_unknown_endpoint);

  return g_test_run ();
}
