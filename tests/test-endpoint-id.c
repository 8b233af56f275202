/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-endpoint-id.h"
#include "fal-error.h"

typedef struct {
  const char *text;
  const char *full;
  const char *app;
  const char *namespace_;
  const char *owner;
  const char *alias;
  const char *path;
} ValidCase;

/* Spec §1.3 examples first, then the rest of the rule. */
static const ValidCase valid_cases[] = {
  { "fal-ai/flux/dev", "fal-ai/flux/dev", "fal-ai/flux", NULL, "fal-ai", "flux", "dev" },
  { "fal-ai/fast-sdxl/image-to-image", "fal-ai/fast-sdxl/image-to-image", "fal-ai/fast-sdxl", NULL, "fal-ai", "fast-sdxl", "image-to-image" },
  { "fal-ai/fast-sdxl", "fal-ai/fast-sdxl", "fal-ai/fast-sdxl", NULL, "fal-ai", "fast-sdxl", NULL },
  { "workflows/acme/my-flow/v2", "workflows/acme/my-flow/v2", "workflows/acme/my-flow", "workflows", "acme", "my-flow", "v2" },
  { "12345-my-app", "12345/my-app", "12345/my-app", NULL, "12345", "my-app", NULL },
  { "fal-ai/kling-video/v1/standard/text-to-video", "fal-ai/kling-video/v1/standard/text-to-video", "fal-ai/kling-video", NULL, "fal-ai", "kling-video", "v1/standard/text-to-video" },
  { "bytedance/seedream/v4/text-to-image", "bytedance/seedream/v4/text-to-image", "bytedance/seedream", NULL, "bytedance", "seedream", "v4/text-to-image" },
  { "workflows/acme/my-flow", "workflows/acme/my-flow", "workflows/acme/my-flow", "workflows", "acme", "my-flow", NULL },
  { "comfy/acme/graph/a/b", "comfy/acme/graph/a/b", "comfy/acme/graph", "comfy", "acme", "graph", "a/b" },
  /* Only the exact lower-case names are namespaces. */
  { "Workflows/acme", "Workflows/acme", "Workflows/acme", NULL, "Workflows", "acme", NULL },
  { "workflow/acme", "workflow/acme", "workflow/acme", NULL, "workflow", "acme", NULL },
  /* The legacy rule as the regex has it: digits, '-', then [A-Za-z0-9-]+. */
  { "1-a", "1/a", "1/a", NULL, "1", "a", NULL },
  { "123-45-x", "123/45-x", "123/45-x", NULL, "123", "45-x", NULL },
  { "007--", "007/-", "007/-", NULL, "007", "-", NULL },
  /* A legacy-looking first segment is not rewritten once there is a '/'. */
  { "12345-my-app/sub", "12345-my-app/sub", "12345-my-app/sub", NULL, "12345-my-app", "sub", NULL },
  /* Every unreserved character. */
  { "A.b_c~d-9/x.y", "A.b_c~d-9/x.y", "A.b_c~d-9/x.y", NULL, "A.b_c~d-9", "x.y", NULL },
  { "a/b/...", "a/b/...", "a/b", NULL, "a", "b", "..." },
};

static void
test_valid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (valid_cases); i++)
    {
      const ValidCase *c = &valid_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(FalEndpointId) id = fal_endpoint_id_parse (c->text, &error);

      g_test_message ("%s", c->text);
      g_assert_no_error (error);
      g_assert_nonnull (id);
      g_assert_cmpstr (fal_endpoint_id_get_full (id), ==, c->full);
      g_assert_cmpstr (fal_endpoint_id_get_app (id), ==, c->app);
      g_assert_cmpstr (fal_endpoint_id_get_namespace (id), ==, c->namespace_);
      g_assert_cmpstr (fal_endpoint_id_get_owner (id), ==, c->owner);
      g_assert_cmpstr (fal_endpoint_id_get_alias (id), ==, c->alias);
      g_assert_cmpstr (fal_endpoint_id_get_path (id), ==, c->path);
    }
}

typedef struct {
  const char *text;
  const char *message;   /* the whole message */
} InvalidCase;

static const InvalidCase invalid_cases[] = {
  { "", "The endpoint id is empty; expected one like “fal-ai/flux/dev”" },
  { "flux", "Invalid endpoint id “flux”: expected “owner/alias”, like “fal-ai/flux/dev”" },
  { "fal-ai", "Invalid endpoint id “fal-ai”: expected “owner/alias”, like “fal-ai/flux/dev”" },
  { "12345", "Invalid endpoint id “12345”: expected “owner/alias”, like “fal-ai/flux/dev”" },
  { "12345-", "Invalid endpoint id “12345-”: expected “owner/alias”, like “fal-ai/flux/dev”" },
  { "-my-app", "Invalid endpoint id “-my-app”: expected “owner/alias”, like “fal-ai/flux/dev”" },
  { "12a-my-app", "Invalid endpoint id “12a-my-app”: expected “owner/alias”, like “fal-ai/flux/dev”" },
  { "12345-my_app", "Invalid endpoint id “12345-my_app”: expected “owner/alias”, like “fal-ai/flux/dev”" },
  { "fal-ai//x", "Invalid endpoint id “fal-ai//x”: it contains an empty part (“//”)" },
  { "fal-ai/flux/", "Invalid endpoint id “fal-ai/flux/”: it ends with “/”" },
  { "fal-ai/", "Invalid endpoint id “fal-ai/”: it ends with “/”" },
  { "/fal-ai/flux", "Invalid endpoint id “/fal-ai/flux”: it starts with “/”" },
  { "/", "Invalid endpoint id “/”: it starts with “/”" },
  { "fal-ai/flux dev", "Invalid endpoint id “fal-ai/flux dev”: it contains whitespace" },
  { " fal-ai/flux", "Invalid endpoint id “ fal-ai/flux”: it contains whitespace" },
  { "fal-ai/flux\n", "Invalid endpoint id “fal-ai/flux\\n”: it contains whitespace" },
  { "fal-ai/flux\t", "Invalid endpoint id “fal-ai/flux\\t”: it contains whitespace" },
  { "fal-ai/fl\001ux", "Invalid endpoint id “fal-ai/fl\\x01ux”: it contains a control character" },
  { "fal-ai/flux?x=1", "Invalid endpoint id “fal-ai/flux?x=1”: “?” is not allowed (use letters, digits, “-”, “_”, “.” and “~”)" },
  { "fal-ai/flux#dev", "Invalid endpoint id “fal-ai/flux#dev”: “#” is not allowed (use letters, digits, “-”, “_”, “.” and “~”)" },
  { "fal-ai/fl%2Fux", "Invalid endpoint id “fal-ai/fl%2Fux”: “%” is not allowed (use letters, digits, “-”, “_”, “.” and “~”)" },
  { "fal-ai\\flux", "Invalid endpoint id “fal-ai\\flux”: “\\” is not allowed (use letters, digits, “-”, “_”, “.” and “~”)" },
  { "fal-ai/flux:dev", "Invalid endpoint id “fal-ai/flux:dev”: “:” is not allowed (use letters, digits, “-”, “_”, “.” and “~”)" },
  { "fal-ai/flüx", "Invalid endpoint id “fal-ai/flüx”: it contains a non-ASCII character" },
  { "fal-ai/../x", "Invalid endpoint id “fal-ai/../x”: “..” is not allowed as a part" },
  { "fal-ai/./x", "Invalid endpoint id “fal-ai/./x”: “.” is not allowed as a part" },
  { "workflows", "Invalid endpoint id “workflows”: expected “owner/alias”, like “fal-ai/flux/dev”" },
  { "workflows/acme", "Invalid endpoint id “workflows/acme”: expected “workflows/owner/alias”" },
  { "comfy/acme", "Invalid endpoint id “comfy/acme”: expected “comfy/owner/alias”" },
  { "workflows//acme", "Invalid endpoint id “workflows//acme”: it contains an empty part (“//”)" },
  { "https://fal.run/fal-ai/flux/dev", "Invalid endpoint id “https://fal.run/fal-ai/flux/dev”: use an id like “fal-ai/flux/dev”, not a URL" },
  { "http://127.0.0.1:8080/x", "Invalid endpoint id “http://127.0.0.1:8080/x”: use an id like “fal-ai/flux/dev”, not a URL" },
};

static void
test_invalid (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (invalid_cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(FalEndpointId) id = fal_endpoint_id_parse (invalid_cases[i].text, &error);

      g_test_message ("case %u", i);
      g_assert_null (id);
      g_assert_error (error, FAL_ERROR, FAL_ERROR_INVALID_ENDPOINT);
      g_assert_cmpstr (error->message, ==, invalid_cases[i].message);
      /* Without a GError it fails quietly. */
      g_assert_null (fal_endpoint_id_parse (invalid_cases[i].text, NULL));
    }
}

static void
test_long_id_message (void)
{
  g_autofree char *text = g_strnfill (200, 'a');
  g_autoptr(GError) error = NULL;
  g_autoptr(FalEndpointId) id = fal_endpoint_id_parse (text, &error);
  g_autofree char *shown = g_strconcat ("Invalid endpoint id “", text + 120, "…”: expected “owner/alias”, like “fal-ai/flux/dev”", NULL);

  g_assert_null (id);
  /* Shortened to 80 characters. */
  g_assert_cmpstr (error->message, ==, shown);
}

static void
test_invalid_utf8_message (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FalEndpointId) id = fal_endpoint_id_parse ("fal-ai/\xff\xfe", &error);

  g_assert_null (id);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_INVALID_ENDPOINT);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_boxed (void)
{
  g_autoptr(FalEndpointId) id = fal_endpoint_id_parse ("workflows/acme/my-flow/v2", NULL);
  g_autoptr(FalEndpointId) copy = NULL;
  g_auto(GValue) value = G_VALUE_INIT;
  FalEndpointId *from_value;

  g_assert_nonnull (id);
  g_assert_true (G_TYPE_IS_BOXED (FAL_TYPE_ENDPOINT_ID));
  g_assert_cmpstr (g_type_name (FAL_TYPE_ENDPOINT_ID), ==, "FalEndpointId");

  copy = fal_endpoint_id_copy (id);
  g_clear_pointer (&id, fal_endpoint_id_free);
  g_assert_cmpstr (fal_endpoint_id_get_full (copy), ==, "workflows/acme/my-flow/v2");
  g_assert_cmpstr (fal_endpoint_id_get_app (copy), ==, "workflows/acme/my-flow");

  g_value_init (&value, FAL_TYPE_ENDPOINT_ID);
  g_value_set_boxed (&value, copy);
  from_value = g_value_dup_boxed (&value);
  g_assert_cmpstr (fal_endpoint_id_get_path (from_value), ==, "v2");
  g_boxed_free (FAL_TYPE_ENDPOINT_ID, from_value);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/endpoint-id/valid", test_valid);
  g_test_add_func ("/fal/endpoint-id/invalid", test_invalid);
  g_test_add_func ("/fal/endpoint-id/long-id-message", test_long_id_message);
  g_test_add_func ("/fal/endpoint-id/invalid-utf8-message", test_invalid_utf8_message);
  g_test_add_func ("/fal/endpoint-id/boxed", test_boxed);

  return g_test_run ();
}
