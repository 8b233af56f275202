/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "falstaff-code-export.h"
#include "server-fixture.h"

/* "Copy as code" (issue 15): the texts run as they are. The cURL command
 * goes through /bin/sh to the local fal server; the Python program is
 * parsed and run by python3 against a stand-in fal_client module (the
 * real one is not installable here); the JavaScript module is checked by
 * node, and run with the official @fal-ai/client against the local
 * server where the conformance kit is (test-code-export-js). Hostile
 * strings come back byte for byte; the key is never in a text. */

#define CLIENT_KEY "copy-id:copy-secret-never-in-code"

/* Every character that a shell, Python or JavaScript reads specially. */
static const char *const hostile[] = {
  "it's \"quoted\" 'twice' '\\''",
  "back\\slash \\n \\\\ \\u0041 \\x41 C:\\path\\",
  "line one\nline two\r\nthree\ttabbed",
  "$FAL_KEY ${HOME} $(id) `whoami` !! \\$ $'x' ; | & > < *",
  "\"\"\" ''' </script> ${template} %s %n {{ }}",
  "unicode: é ß 日本語 🦊 \u00a0nbsp",
  "unprintable: \x01 \x1f \x7f \u200b zw \u2028 ls \u2029 ps \xc2\x85 nel \ufeff bom",
  "",
};

static JsonNode *
parse (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  g_assert_nonnull (json_parser_get_root (parser));
  return json_node_copy (json_parser_get_root (parser));
}

/* An input with every hostile string as a value, and as a key. */
static JsonNode *
hostile_input (void)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "prompt");
  json_builder_add_string_value (builder, hostile[0]);
  json_builder_set_member_name (builder, "strings");
  json_builder_begin_array (builder);
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    json_builder_add_string_value (builder, hostile[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "keys");
  json_builder_begin_object (builder);
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      json_builder_set_member_name (builder, hostile[i]);
      json_builder_add_int_value (builder, i);
    }
  json_builder_end_object (builder);
  json_builder_set_member_name (builder, "numbers");
  json_builder_begin_array (builder);
  json_builder_add_int_value (builder, 0);
  json_builder_add_int_value (builder, -7);
  json_builder_add_int_value (builder, G_MAXINT64);
  json_builder_add_double_value (builder, 0.1);
  json_builder_add_double_value (builder, 1.0);
  json_builder_add_double_value (builder, -2.5e-300);
  json_builder_add_double_value (builder, 1e300);
  json_builder_add_double_value (builder, 3.141592653589793);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "flags");
  json_builder_begin_array (builder);
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_add_boolean_value (builder, FALSE);
  json_builder_add_null_value (builder);
  json_builder_begin_object (builder);
  json_builder_end_object (builder);
  json_builder_begin_array (builder);
  json_builder_end_array (builder);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "nested");
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "loras");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "path");
  json_builder_add_string_value (builder, "https://v3.fal.media/files/x/y.safetensors");
  json_builder_set_member_name (builder, "scale");
  json_builder_add_double_value (builder, 0.75);
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* A client pointed at the server, with a key of its own: the texts must
 * not carry it. */
static FalClient *
client_for (FalTestServer *ts)
{
  FalClient *client = fal_client_new ();

  fal_client_use_local_server (client, ts->url);
  fal_client_set_key (client, CLIENT_KEY, FAL_KEY_SOURCE_PROPERTY);
  g_assert_true (fal_client_has_key (client));
  return client;
}

static void
assert_no_key (const char *text)
{
  g_assert_null (strstr (text, CLIENT_KEY));
  g_assert_null (strstr (text, "copy-secret"));
  g_assert_null (strstr (text, FAL_LOCAL_DEFAULT_KEY));
}

static char *
write_temp (const char *template,
            const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp (template, &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, contents, -1, &error));
  g_assert_no_error (error);
  return path;
}

/* Runs argv in cwd with extra environment NAME=VALUE strings; the exit
 * status must be 0. Returns stdout. */
static char *
run_program (const char *const *argv,
             const char         *cwd,
             const char *const  *extra_env)
{
  g_auto(GStrv) env = g_get_environ ();
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  env = g_environ_unsetenv (env, "FAL_KEY");
  env = g_environ_unsetenv (env, "FAL_KEY_ID");
  env = g_environ_unsetenv (env, "FAL_KEY_SECRET");
  for (guint i = 0; extra_env && extra_env[i]; i += 2)
    env = g_environ_setenv (env, extra_env[i], extra_env[i + 1], TRUE);
  g_spawn_sync (cwd, (char **) argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("%s failed: %s\nstdout:\n%s\nstderr:\n%s", argv[0], error->message, out, err);
  return g_steal_pointer (&out);
}

/* ------------------------------------------------------------------ literals */

static void
test_literals (void)
{
  static const struct { const char *json; const char *curl; const char *python; const char *js; } cases[] = {
    { "null", "null", "None", "null" },
    { "true", "true", "True", "true" },
    { "false", "false", "False", "false" },
    { "0", "0", "0", "0" },
    { "-9223372036854775807", "-9223372036854775807", "-9223372036854775807", "-9223372036854775807" },
    { "0.1", "0.1", "0.1", "0.1" },
    { "1.0", "1.0", "1.0", "1.0" },
    { "2.5e-7", "2.5e-07", "2.5e-07", "2.5e-07" },
    { "{}", "{}", "{}", "{}" },
    { "[]", "[]", "[]", "[]" },
    { "\"a\\\"b\\\\c\\nd\"", "\"a\\\"b\\\\c\\nd\"", "\"a\\\"b\\\\c\\nd\"", "\"a\\\"b\\\\c\\nd\"" },
    { "\"\\u0001\\u007f\"", "\"\\u0001\\u007f\"", "\"\\x01\\x7f\"", "\"\\u0001\\u007f\"" },
    { "\"\\u2028\\u200b\\ud83e\\udd8a\\ue000\"", "\"\\u2028\\u200b🦊\\ue000\"", "\"\\u2028\\u200b🦊\\ue000\"", "\"\\u2028\\u200b🦊\\ue000\"" },
    { "\"é\"", "\"é\"", "\"é\"", "\"é\"" },
    { "{\"a\": [1, {\"b c\": 2}], \"$d\": \"'\"}",
      "{\n  \"a\": [\n    1,\n    {\n      \"b c\": 2\n    }\n  ],\n  \"$d\": \"'\"\n}",
      "{\n    \"a\": [\n        1,\n        {\n            \"b c\": 2,\n        },\n    ],\n    \"$d\": \"'\",\n}",
      "{\n  a: [\n    1,\n    {\n      \"b c\": 2,\n    },\n  ],\n  $d: \"'\",\n}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonNode) node = parse (cases[i].json);
      g_autofree char *curl = falstaff_code_export_literal (FALSTAFF_CODE_CURL, node, 0);
      g_autofree char *python = falstaff_code_export_literal (FALSTAFF_CODE_PYTHON, node, 0);
      g_autofree char *js = falstaff_code_export_literal (FALSTAFF_CODE_JAVASCRIPT, node, 0);

      g_assert_cmpstr (curl, ==, cases[i].curl);
      g_assert_cmpstr (python, ==, cases[i].python);
      g_assert_cmpstr (js, ==, cases[i].js);
    }
}

/* The JSON literal of hostile input parses back to the same value. */
static void
test_json_round_trip (void)
{
  g_autoptr(JsonNode) input = hostile_input ();
  g_autofree char *text = falstaff_code_export_literal (FALSTAFF_CODE_CURL, input, 0);
  g_autoptr(JsonNode) back = parse (text);

  g_assert_true (json_node_equal (input, back));
}

static void
test_names (void)
{
  FalstaffCodeLanguage language = FALSTAFF_CODE_CURL;

  g_assert_true (falstaff_code_language_from_name ("python", &language));
  g_assert_cmpint (language, ==, FALSTAFF_CODE_PYTHON);
  g_assert_true (falstaff_code_language_from_name ("javascript", &language));
  g_assert_cmpint (language, ==, FALSTAFF_CODE_JAVASCRIPT);
  g_assert_true (falstaff_code_language_from_name ("curl", &language));
  g_assert_cmpint (language, ==, FALSTAFF_CODE_CURL);
  g_assert_false (falstaff_code_language_from_name ("perl", &language));
  g_assert_false (falstaff_code_language_from_name (NULL, &language));
}

/* What /bin/sh makes of a quoted word is the word. */
static void
test_shell_quote (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (hostile); i++)
    {
      g_autofree char *quoted = falstaff_code_export_shell_quote (hostile[i]);
      g_autofree char *script = g_strdup_printf ("printf '%%s' %s", quoted);
      const char *argv[] = { "/bin/sh", "-c", script, NULL };
      g_autofree char *out = run_program (argv, NULL, NULL);

      g_assert_cmpstr (out, ==, hostile[i]);
    }
}

/* ------------------------------------------------------------------ cURL */

static JsonNode *
llm_input (const char *prompt,
           const char *system_prompt)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "prompt");
  json_builder_add_string_value (builder, prompt);
  json_builder_set_member_name (builder, "system_prompt");
  json_builder_add_string_value (builder, system_prompt);
  json_builder_set_member_name (builder, "reasoning");
  json_builder_add_boolean_value (builder, TRUE);
  json_builder_end_object (builder);
  return json_builder_get_root (builder);
}

/* The command, run by /bin/sh with FAL_KEY set, prints fal's answer:
 * the local server's any-llm quotes the prompt and the system prompt it
 * got, so every hostile byte is checked on the way through the shell. */
static void
test_curl_runs (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50.0, 2, 0);
  g_autoptr(FalClient) client = client_for (ts);

  for (guint i = 0; i + 1 < G_N_ELEMENTS (hostile); i++)
    {
      g_autoptr(JsonNode) input = llm_input (hostile[i], hostile[(i + 1) % G_N_ELEMENTS (hostile)]);
      g_autofree char *text = falstaff_code_export_for_client (FALSTAFF_CODE_CURL, client, "fal-ai/any-llm", input);
      const char *argv[] = { "/bin/sh", "-c", text, NULL };
      const char *env[] = { "FAL_KEY", FAL_LOCAL_DEFAULT_KEY, NULL };
      g_autofree char *out = NULL;
      g_autoptr(JsonNode) answer = NULL;
      g_autofree char *asked = NULL;
      g_autofree char *system = NULL;
      g_autofree char *run_url = g_strconcat (ts->url, "/run/fal-ai/any-llm", NULL);
      const char *output;

      assert_no_key (text);
      g_assert_nonnull (strstr (text, "\"Authorization: Key $FAL_KEY\""));
      g_assert_nonnull (strstr (text, run_url));
      g_assert_true (g_str_has_prefix (text, "curl "));

      out = run_program (argv, NULL, env);
      answer = parse (out);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (answer));
      output = json_object_get_string_member_with_default (json_node_get_object (answer), "output", NULL);
      g_assert_nonnull (output);
      asked = g_strdup_printf ("You asked: \"%s\".", hostile[i]);
      g_assert_nonnull (strstr (output, asked));
      if (*hostile[i + 1])
        {
          system = g_strdup_printf ("Following the system prompt (\"%s\")", hostile[i + 1]);
          g_assert_nonnull (strstr (output, system));
        }
    }
}

/* The key comes from the environment, nowhere else: without it (or with
 * another) the server refuses. */
static void
test_curl_key_from_environment (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50.0, 1, 0);
  g_autoptr(FalClient) client = client_for (ts);
  g_autoptr(JsonNode) input = llm_input ("hello there", "be brief");
  g_autofree char *text = falstaff_code_export_for_client (FALSTAFF_CODE_CURL, client, "fal-ai/any-llm", input);
  const char *argv[] = { "/bin/sh", "-c", text, NULL };
  const char *wrong[] = { "FAL_KEY", "someone:else", NULL };
  g_autofree char *out = run_program (argv, NULL, wrong);
  g_autoptr(JsonNode) answer = parse (out);

  g_assert_true (JSON_NODE_HOLDS_OBJECT (answer));
  g_assert_false (json_object_has_member (json_node_get_object (answer), "output"));
  g_assert_true (json_object_has_member (json_node_get_object (answer), "detail"));
}

/* Without hosts given, fal's own. */
static void
test_fal_hosts (void)
{
  g_autoptr(JsonNode) input = llm_input ("a", "b");
  g_autofree char *curl = falstaff_code_export (FALSTAFF_CODE_CURL, "fal-ai/any-llm", NULL, input);
  g_autofree char *python = falstaff_code_export (FALSTAFF_CODE_PYTHON, "fal-ai/any-llm", NULL, input);
  g_autofree char *js = falstaff_code_export (FALSTAFF_CODE_JAVASCRIPT, "fal-ai/any-llm", NULL, input);

  g_assert_nonnull (strstr (curl, "--url 'https://fal.run/fal-ai/any-llm'"));
  g_assert_null (strstr (python, "Falstaff calls the server"));
  g_assert_null (strstr (js, "requestMiddleware"));
  g_assert_nonnull (strstr (js, "await fal.subscribe(\"fal-ai/any-llm\", {"));
}

/* ------------------------------------------------------------------ Python */

/* A stand-in for fal_client with the calls the program makes: it checks
 * the arguments' types (bool is not int, float is not int), reports
 * growing logs as the real client's polling does, and returns the call
 * it got as the result. */
static const char fake_fal_client[] =
  "import json, sys\n"
  "\n"
  "class InProgress:\n"
  "    def __init__(self, logs):\n"
  "        self.logs = logs\n"
  "\n"
  "class Queued:\n"
  "    position = 0\n"
  "\n"
  "def _typed(value):\n"
  "    if isinstance(value, dict):\n"
  "        return {k: _typed(v) for k, v in value.items()}\n"
  "    if isinstance(value, list):\n"
  "        return [_typed(v) for v in value]\n"
  "    return [type(value).__name__, value]\n"
  "\n"
  "def subscribe(application, arguments, with_logs=False, on_queue_update=None):\n"
  "    assert with_logs is True\n"
  "    logs = []\n"
  "    on_queue_update(Queued())\n"
  "    for line in ['first line', 'second line', 'third line']:\n"
  "        logs = logs + [{'message': line, 'level': 'INFO'}]\n"
  "        on_queue_update(InProgress(list(logs)))\n"
  "    return {'application': application, 'arguments': arguments, 'typed': _typed(arguments)}\n";

/* The same typing of the JSON input, for comparison. */
static const char check_python[] =
  "import ast, json, sys\n"
  "source = open(sys.argv[1], encoding='utf-8').read()\n"
  "tree = ast.parse(source)\n"
  "calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)\n"
  "         and isinstance(n.func, ast.Attribute) and n.func.attr == 'subscribe']\n"
  "assert len(calls) == 1, calls\n"
  "keywords = {k.arg: k.value for k in calls[0].keywords}\n"
  "arguments = ast.literal_eval(keywords['arguments'])\n"
  "expected = json.load(open(sys.argv[2], encoding='utf-8'), strict=False)\n"
  "def typed(value):\n"
  "    if isinstance(value, dict):\n"
  "        return {k: typed(v) for k, v in value.items()}\n"
  "    if isinstance(value, list):\n"
  "        return [typed(v) for v in value]\n"
  "    return [type(value).__name__, value]\n"
  "assert typed(arguments) == typed(expected), (arguments, expected)\n"
  "assert list(arguments) == list(expected)\n"
  "assert ast.literal_eval(calls[0].args[0]) == sys.argv[3]\n"
  "assert ast.literal_eval(keywords['with_logs']) is True\n"
  "print(json.dumps(typed(expected)))\n";

static void
test_python (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50.0, 1, 0);
  g_autoptr(FalClient) client = client_for (ts);
  g_autoptr(JsonNode) input = hostile_input ();
  g_autofree char *text = falstaff_code_export_for_client (FALSTAFF_CODE_PYTHON, client, "fal-ai/any-llm", input);
  g_autofree char *json = json_to_string (input, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("falstaff-code-XXXXXX", &error);
  g_autofree char *program = g_build_filename (dir, "run.py", NULL);
  g_autofree char *module = g_build_filename (dir, "fal_client.py", NULL);
  g_autofree char *input_path = g_build_filename (dir, "input.json", NULL);
  g_autofree char *checked = NULL;
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) typed = NULL;
  g_autoptr(JsonNode) printed = NULL;
  const char *check_argv[] = { "/usr/bin/python3", "-c", check_python, program, input_path, "fal-ai/any-llm", NULL };
  const char *run_argv[] = { "/usr/bin/python3", "run.py", NULL };
  const char *json_start;
  JsonObject *result;

  g_assert_no_error (error);
  assert_no_key (text);
  g_assert_nonnull (strstr (text, "FAL_KEY"));
  g_assert_nonnull (strstr (text, "import fal_client\n"));
  /* The local server is named: fal_client cannot be sent there. */
  g_assert_nonnull (strstr (text, ts->url));
  g_assert_true (g_file_set_contents (program, text, -1, &error));
  g_assert_true (g_file_set_contents (module, fake_fal_client, -1, &error));
  g_assert_true (g_file_set_contents (input_path, json, -1, &error));
  g_assert_no_error (error);

  /* It parses, and its arguments are the input, value and type. */
  checked = run_program (check_argv, dir, NULL);
  typed = parse (checked);

  /* It runs: each log line once, then the result as JSON. */
  out = run_program (run_argv, dir, NULL);
  g_assert_true (g_str_has_prefix (out, "first line\nsecond line\nthird line\n{"));
  json_start = strchr (out, '{');
  printed = parse (json_start);
  result = json_node_get_object (printed);
  g_assert_cmpstr (json_object_get_string_member (result, "application"), ==, "fal-ai/any-llm");
  g_assert_true (json_node_equal (json_object_get_member (result, "arguments"), input));
  g_assert_true (json_node_equal (json_object_get_member (result, "typed"), typed));

  g_unlink (program);
  g_unlink (module);
  g_unlink (input_path);
  {
    g_autofree char *cache = g_build_filename (dir, "__pycache__", NULL);
    g_autoptr(GDir) entries = g_dir_open (cache, 0, NULL);
    const char *name;

    while (entries && (name = g_dir_read_name (entries)))
      {
        g_autofree char *path = g_build_filename (cache, name, NULL);
        g_unlink (path);
      }
    g_rmdir (cache);
  }
  g_rmdir (dir);
}

/* ------------------------------------------------------------------ JavaScript */

static void
test_javascript_syntax (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50.0, 1, 0);
  g_autoptr(FalClient) client = client_for (ts);
  g_autoptr(JsonNode) input = hostile_input ();
  g_autofree char *text = falstaff_code_export_for_client (FALSTAFF_CODE_JAVASCRIPT, client, "fal-ai/any-llm", input);
  g_autofree char *fal_text = falstaff_code_export (FALSTAFF_CODE_JAVASCRIPT, "fal-ai/any-llm", NULL, input);
  g_autofree char *path = write_temp ("falstaff-code-XXXXXX.mjs", text);
  g_autofree char *fal_path = write_temp ("falstaff-code-XXXXXX.mjs", fal_text);
  const char *argv[] = { "node", "--check", path, NULL };
  const char *fal_argv[] = { "node", "--check", fal_path, NULL };
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *queue = g_strconcat ("[\"https://queue.fal.run\", \"", ts->url, "/queue\"]", NULL);

  assert_no_key (text);
  g_assert_nonnull (strstr (text, "import { fal } from \"@fal-ai/client\";"));
  g_assert_nonnull (strstr (text, queue));
  g_assert_nonnull (strstr (text, "logs: true,"));
  g_assert_nonnull (strstr (text, "console.log(JSON.stringify(result.data, null, 2));"));
  if (node == NULL)
    {
      g_test_fail_printf ("node is not installed: the JavaScript text cannot be checked");
      return;
    }
  argv[0] = fal_argv[0] = node;
  g_free (run_program (argv, NULL, NULL));
  g_free (run_program (fal_argv, NULL, NULL));
  g_unlink (path);
  g_unlink (fal_path);
}

/* The official client from the conformance kit's lock file, installed
 * from npm's cache into dir (as tests/run-conformance.sh does). */
static gboolean
install_client (const char *dir)
{
  const char *kit = g_getenv ("FALSTAFF_CONFORMANCE_DIR");
  const char *npm_argv[] = { "timeout", "300", "npm", "ci", "--no-audit", "--no-fund", "--prefer-offline", NULL };

  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "package.json" : "package-lock.json";
      g_autofree char *from = g_build_filename (kit, name, NULL);
      g_autofree char *to = g_build_filename (dir, name, NULL);
      g_autofree char *contents = NULL;
      gsize length;
      g_autoptr(GError) error = NULL;

      if (!g_file_get_contents (from, &contents, &length, &error) ||
          !g_file_set_contents (to, contents, length, &error))
        {
          g_test_fail_printf ("cannot copy the kit's %s: %s", name, error->message);
          return FALSE;
        }
    }
  g_free (run_program (npm_argv, dir, NULL));
  return TRUE;
}

/* The module, as copied, run by node with @fal-ai/client against the
 * local server: it finds its way there, prints the logs and the output. */
static void
test_javascript_runs (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1.0, 1, 0);
  g_autoptr(FalClient) client = client_for (ts);
  g_autoptr(JsonNode) input = llm_input (hostile[3], hostile[1]);
  g_autofree char *text = falstaff_code_export_for_client (FALSTAFF_CODE_JAVASCRIPT, client, "fal-ai/any-llm", input);
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("falstaff-code-js-XXXXXX", &error);
  g_autofree char *program = g_build_filename (dir, "run.mjs", NULL);
  g_autofree char *node = g_find_program_in_path ("node");
  g_autofree char *out = NULL;
  g_autofree char *asked = g_strdup_printf ("You asked: \"%s\".", hostile[3]);
  g_autoptr(JsonNode) answer = NULL;
  const char *argv[] = { node, "run.mjs", NULL };
  const char *env[] = { "FAL_KEY", FAL_LOCAL_DEFAULT_KEY, NULL };
  const char *json_start;
  const char *output;

  g_assert_no_error (error);
  assert_no_key (text);
  if (node == NULL)
    {
      g_test_fail_printf ("node is not installed");
      return;
    }
  if (!install_client (dir))
    return;
  g_assert_true (g_file_set_contents (program, text, -1, &error));
  g_assert_no_error (error);

  out = run_program (argv, dir, env);
  g_test_message ("node printed:\n%s", out);
  /* Log lines from the server first (each once), then the output. */
  g_assert_nonnull (strstr (out, "Prompt accepted, generating\n"));
  json_start = g_str_has_prefix (out, "{") ? out : strstr (out, "\n{");
  g_assert_nonnull (json_start);
  answer = parse (json_start);
  output = json_object_get_string_member_with_default (json_node_get_object (answer), "output", NULL);
  g_assert_nonnull (output);
  g_assert_nonnull (strstr (output, asked));
  {
    g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

    for (guint i = 0; lines[i] && lines[i][0] != '{'; i++)
      for (guint j = i + 1; lines[j] && lines[j][0] != '{'; j++)
        g_assert_cmpstr (lines[i], !=, lines[j]);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/code-export/literals", test_literals);
  g_test_add_func ("/code-export/json-round-trip", test_json_round_trip);
  g_test_add_func ("/code-export/names", test_names);
  g_test_add_func ("/code-export/shell-quote", test_shell_quote);
  g_test_add_func ("/code-export/fal-hosts", test_fal_hosts);
  g_test_add_func ("/code-export/curl/runs", test_curl_runs);
  g_test_add_func ("/code-export/curl/key-from-environment", test_curl_key_from_environment);
  g_test_add_func ("/code-export/python", test_python);
  g_test_add_func ("/code-export/javascript/syntax", test_javascript_syntax);
  /* Needs the official client: run where the conformance kit is. */
  if (g_getenv ("FALSTAFF_CONFORMANCE_DIR"))
    g_test_add_func ("/code-export/javascript/runs", test_javascript_runs);

  return g_test_run ();
}
