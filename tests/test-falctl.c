/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>

#include "fal.h"
#include "fal-local-catalog.h"
#include "fal-local-server.h"
#include "file-scan.h"
#include "proxy-fixture.h"
#include "server-fixture.h"

/* falctl as a person runs it: a real process against the local server,
 * checked by its output and its documented exit codes. */

static FalLocalServer *server;
static const char *falctl;

typedef struct {
  int status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *run)
{
  g_free (run->out);
  g_free (run->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

/* Extra environment for the next spawns: name, value, …, NULL. */
static const char * const *extra_env;

static GSubprocess *
spawn (const char * const *args,
       const char         *key,
       GError            **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();

  g_subprocess_launcher_setenv (launcher, "FALSTAFF_LOCAL_URL", fal_local_server_get_url (server), TRUE);
  g_subprocess_launcher_unsetenv (launcher, "FAL_KEY_ID");
  g_subprocess_launcher_unsetenv (launcher, "FAL_KEY_SECRET");
  if (key)
    g_subprocess_launcher_setenv (launcher, "FAL_KEY", key, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "FAL_KEY");
  g_subprocess_launcher_unsetenv (launcher, "FALSTAFF_PROXY_URL");
  for (guint i = 0; extra_env && extra_env[i] && extra_env[i + 1]; i += 2)
    g_subprocess_launcher_setenv (launcher, extra_env[i], extra_env[i + 1], TRUE);
  g_ptr_array_add (argv, (gpointer) falctl);
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  return g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, error);
}

static void
run_falctl (Run                *run,
            const char         *key,
            const char * const *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (args, key, &error);

  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &run->out, &run->err, &error));
  g_assert_no_error (error);
  run->status = g_subprocess_get_exit_status (process);
  g_test_message ("falctl %s → %d\nstdout: %s\nstderr: %s", args[0], run->status, run->out, run->err);
}

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = fal_json_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  return node;
}

static void
test_run_queue (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonNode) result = NULL;
  JsonObject *image;
  const char *args[] = { "run", "fal-ai/fast-sdxl", "-i", "prompt=a fox", "-i", "image_size=64x48",
                         "-i", "num_images=2", "-i", "seed=7", "--logs", NULL };

  run_falctl (&run, "local:secret", args);
  g_assert_cmpint (run.status, ==, 0);
  /* Progress and logs on stderr, the result alone on stdout. */
  g_assert_nonnull (strstr (run.err, "IN_PROGRESS"));
  g_assert_nonnull (strstr (run.err, "Step "));
  g_assert_nonnull (strstr (run.err, "COMPLETED"));
  result = parse (run.out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (result), "seed"), ==, 7);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (result), "images")), ==, 2);
  image = json_array_get_object_element (json_object_get_array_member (json_node_get_object (result), "images"), 0);
  /* "64x48" was typed by the schema into {width, height}. */
  g_assert_cmpint (json_object_get_int_member (image, "width"), ==, 64);
  g_assert_cmpint (json_object_get_int_member (image, "height"), ==, 48);
}

static void
test_run_sync_and_out (void)
{
  g_auto(Run) run = { 0 };
  g_autofree char *dir = g_dir_make_tmp ("falctl-out-XXXXXX", NULL);
  g_autofree char *saved = g_build_filename (dir, "image-3-0.png", NULL);
  const char *args[] = { "run", "fal-ai/flux/schnell", "--sync", "-i", "prompt=x", "-i", "image_size=32x32",
                         "-i", "seed=3", "--out", dir, NULL };
  g_autofree char *contents = NULL;
  gsize length = 0;

  run_falctl (&run, "local:secret", args);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_get_contents (saved, &contents, &length, NULL));
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
  g_unlink (saved);
  g_rmdir (dir);
}

/* The same run twice into one directory: the second output is
 * image-3-0-2.png, and the first file is left as it was. */
static void
test_run_out_no_overwrite (void)
{
  g_auto(Run) first = { 0 };
  g_auto(Run) second = { 0 };
  g_autofree char *dir = g_dir_make_tmp ("falctl-out-XXXXXX", NULL);
  g_autofree char *saved = g_build_filename (dir, "image-3-0.png", NULL);
  g_autofree char *again = g_build_filename (dir, "image-3-0-2.png", NULL);
  const char *args[] = { "run", "fal-ai/flux/schnell", "--sync", "-i", "prompt=x", "-i", "image_size=32x32",
                         "-i", "seed=3", "--out", dir, NULL };
  g_autofree char *contents = NULL;

  run_falctl (&first, "local:secret", args);
  g_assert_cmpint (first.status, ==, 0);
  g_assert_true (g_file_set_contents (saved, "mine", 4, NULL));
  run_falctl (&second, "local:secret", args);
  g_assert_cmpint (second.status, ==, 0);
  g_assert_true (g_file_get_contents (saved, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "mine");
  g_assert_true (g_file_test (again, G_FILE_TEST_IS_REGULAR));
  g_assert_nonnull (strstr (second.err, "image-3-0-2.png"));
  g_unlink (saved);
  g_unlink (again);
  g_rmdir (dir);
}

static void
test_run_stream (void)
{
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  guint n;
  const char *args[] = { "run", "fal-ai/any-llm", "--stream", "-i", "prompt=why is the sky blue", NULL };
  g_autoptr(JsonNode) last = NULL;

  run_falctl (&run, "local:secret", args);
  g_assert_cmpint (run.status, ==, 0);
  lines = g_strsplit (g_strstrip (run.out), "\n", -1);
  n = g_strv_length (lines);
  /* One compact JSON line per event; the last is the final result. */
  g_assert_cmpuint (n, >=, 3);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonNode) event = parse (lines[i]);
      g_assert_true (JSON_NODE_HOLDS_OBJECT (event));
    }
  last = parse (lines[n - 1]);
  g_assert_false (json_object_get_boolean_member (json_node_get_object (last), "partial"));
}

static void
test_exit_codes (void)
{
  struct {
    const char *key;
    const char *args[8];
    int status;
    const char *says;
  } cases[] = {
    { "local:secret", { "run", "fal-ai/fast-sdxl", "-i", "negative_prompt=x", NULL }, 4, "prompt" },
    { "local:secret", { "run", "fal-ai/fast-sdxl", "-i", "prompt=x", "-i", "num_inference_steps=lots", NULL }, 4, "falctl run: -i num_inference_steps: expected an integer" },
    { "wrong:key", { "run", "fal-ai/fast-sdxl", "-i", "prompt=x", NULL }, 3, "No user found" },
    { "local:secret", { "run", "not an id", NULL }, 2, "Invalid endpoint id" },
    { "local:secret", { "run", NULL }, 2, NULL },
    { "local:secret", { "status", "fal-ai/fast-sdxl", "00000000-0000-0000-0000-000000000000", NULL }, 6, NULL },
    { "local:secret", { "run", "fal-ai/fast-sdxl", "-i", "prompt=x", "-H", NULL }, 2, NULL },
    { "local:secret", { "frobnicate", NULL }, 2, "unknown command" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(Run) run = { 0 };

      run_falctl (&run, cases[i].key, cases[i].args);
      g_assert_cmpint (run.status, ==, cases[i].status);
      if (cases[i].says)
        g_assert_nonnull (strstr (run.err, cases[i].says));
      /* The key never shows, whatever went wrong. */
      g_assert_null (strstr (run.err, "local:secret"));
      g_assert_null (strstr (run.out, "local:secret"));
    }
}

static void
test_no_key (void)
{
  g_auto(Run) run = { 0 };
  const char *args[] = { "run", "fal-ai/fast-sdxl", "-i", "prompt=x", NULL };
  g_autoptr(GSubprocessLauncher) launcher = NULL;

  /* No environment key, and (in the test session) no stored one under
   * the test's own keyring unless another test put one there: forget it. */
  {
    const char *forget[] = { "key", "forget", NULL };
    g_auto(Run) forgot = { 0 };
    run_falctl (&forgot, NULL, forget);
  }
  run_falctl (&run, NULL, args);
  g_assert_cmpint (run.status, ==, 3);
  /* Said once, in plain words, with the three ways out. */
  g_assert_cmpstr (run.err, ==, "falctl run: No API key: set FAL_KEY, store one with 'falctl key set', "
                                "or set FALSTAFF_PROXY_URL to a proxy that adds it\n");
}

/* ------------------------------------------------------------------ helpers for the server */

static JsonNode *
server_call (const char *method,
             const char *path,
             const char *body)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (fal_local_server_get_url (server), path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  /* The control routes refuse requests without it (403). */
  if (strstr (path, "/__control/"))
    soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  if (body)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), <, 300);
  if (g_bytes_get_size (answer) == 0)
    return NULL;
  return parse (g_bytes_get_data (answer, NULL));
}

static void
add_fault (const char *method,
           const char *path,
           const char *fault)
{
  g_autofree char *rule = g_strdup_printf ("{\"method\":\"%s\",\"path\":\"%s\",\"count\":1,\"fault\":\"%s\"}",
                                           method, path, fault);
  g_autoptr(JsonNode) rules = server_call ("POST", "/__control/faults", rule);
}

/* A one-second WAV, made by the local server's own audio model. */
static void
make_wav (const char *path)
{
  const char *make[] = { "run", "fal-ai/stable-audio", "--sync", "-i", "prompt=rain", "-i", "seconds_total=1", NULL };
  g_auto(Run) made = { 0 };
  g_autoptr(JsonNode) made_result = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) wav = NULL;

  run_falctl (&made, "local:secret", make);
  g_assert_cmpint (made.status, ==, 0);
  made_result = parse (made.out);
  msg = soup_message_new ("GET", json_object_get_string_member (json_object_get_object_member (json_node_get_object (made_result), "audio_file"), "url"));
  wav = soup_session_send_and_read (session, msg, NULL, NULL);
  g_assert_nonnull (wav);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (wav, NULL), g_bytes_get_size (wav), NULL));
}

static void
forget_stored_key (void)
{
  const char *forget[] = { "key", "forget", NULL };
  g_auto(Run) forgot = { 0 };

  run_falctl (&forgot, NULL, forget);
}

/* ------------------------------------------------------------------ the model failing */

/* COMPLETED with an error: said in words, exit 1 as documented. */
static void
test_model_failure (void)
{
  const char *queue_args[] = { "run", "fal-ai/flux/schnell", "-i", "prompt=x", "-i", "image_size=32x32", NULL };
  const char *sync_args[] = { "run", "fal-ai/flux/schnell", "--sync", "-i", "prompt=x", "-i", "image_size=32x32", NULL };
  const char *invalid_args[] = { "run", "fal-ai/flux/schnell", "-i", "prompt=x", "-i", "image_size=32x32", NULL };
  g_auto(Run) queued = { 0 };
  g_auto(Run) synced = { 0 };
  g_auto(Run) invalid = { 0 };
  const char *words = "The model failed on fal's side: The runner failed (a fault injected by the local server, "
                      "status 500) (runner_server_error) [request ";

  add_fault ("POST", "^/queue/fal-ai/flux/schnell$", "fail=500");
  run_falctl (&queued, "local:secret", queue_args);
  g_assert_cmpint (queued.status, ==, 1);
  /* Not "COMPLETED" and then the failure; the id is said once. */
  g_assert_nonnull (strstr (queued.err, "IN_PROGRESS"));
  g_assert_null (strstr (queued.err, "COMPLETED"));
  g_assert_null (strstr (queued.err, "request id:"));
  g_assert_nonnull (strstr (queued.err, words));
  g_assert_null (strstr (queued.err, "HTTP 500"));
  g_assert_null (strstr (queued.err, "Server error"));

  add_fault ("POST", "^/run/fal-ai/flux/schnell$", "fail=500");
  run_falctl (&synced, "local:secret", sync_args);
  g_assert_cmpint (synced.status, ==, 1);
  g_assert_true (g_str_has_prefix (synced.err, "falctl run: "));
  g_assert_nonnull (strstr (synced.err, words));

  /* The model refusing the input stays a validation error (4). */
  add_fault ("POST", "^/queue/fal-ai/flux/schnell$", "fail=422");
  run_falctl (&invalid, "local:secret", invalid_args);
  g_assert_cmpint (invalid.status, ==, 4);
  g_assert_nonnull (strstr (invalid.err, "Validation failed: prompt: The model rejected this input"));
}

/* A result whose text holds DEL, a C1 control (CSI, U+009B) and ESC:
 * stdout gets their \u escapes, never the raw bytes a terminal obeys. */
static void
test_run_controls_escaped (void)
{
  const char *args[] = { "run", "fal-ai/any-llm", "--sync", "-i", "prompt=A\x7f\xc2\x9b" "31mB\x1b[2J", NULL };
  g_auto(Run) run = { 0 };
  g_autoptr(JsonNode) result = NULL;

  run_falctl (&run, "local:secret", args);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strchr (run.out, 0x7f));
  g_assert_null (strchr (run.out, 0x1b));
  g_assert_null (strstr (run.out, "\xc2\x9b"));
  g_assert_nonnull (strstr (run.out, "A\\u007f\\u009b31mB\\u001b[2J"));
  /* Still JSON, and the same text once parsed. */
  result = parse (run.out);
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (result), "output"),
                            "A\x7f\xc2\x9b" "31mB\x1b[2J"));
}

/* ------------------------------------------------------------------ deadlines */

/* --timeout on a queued run whose status calls all stall: falctl stops
 * waiting, exits 5 and says how to fetch the result; the request went on
 * at fal, and `falctl result` with the printed command gets it. A --sync
 * run cannot be fetched later: it is stopped. */
static void
test_run_timeout (void)
{
  const char *queue_args[] = { "run", "fal-ai/flux/schnell", "-i", "prompt=x", "-i", "image_size=32x32",
                               "--timeout", "1", NULL };
  const char *sync_args[] = { "run", "fal-ai/flux/schnell", "--sync", "-i", "prompt=x", "-i", "image_size=32x32",
                              "--timeout", "1", NULL };
  const char *advice = "falctl run: Timed out: stopped waiting after 1 s; the request goes on at fal. "
                       "Fetch its result later with: falctl result fal-ai/flux/schnell ";
  g_auto(Run) queued = { 0 };
  g_auto(Run) synced = { 0 };
  g_auto(Run) fetched = { 0 };
  g_autoptr(JsonNode) stalls = NULL;
  g_autoptr(JsonNode) cleared = NULL;
  g_autoptr(JsonNode) result = NULL;
  g_autofree char *request_id = NULL;
  const char *fetch_args[] = { "result", "fal-ai/flux/schnell", NULL, NULL };
  const char *at;

  stalls = server_call ("POST", "/__control/faults",
                        "{\"method\":\"GET\",\"path\":\"^/queue/fal-ai/flux/requests/.*/status\","
                        "\"count\":1000,\"fault\":\"stall=30000\"}");
  run_falctl (&queued, "local:secret", queue_args);
  cleared = server_call ("DELETE", "/__control/faults", NULL);
  g_assert_cmpint (queued.status, ==, 5);
  at = strstr (queued.err, advice);
  g_assert_nonnull (at);
  request_id = g_strndup (at + strlen (advice), strcspn (at + strlen (advice), "\n"));
  g_assert_cmpuint (strlen (request_id), ==, 36);
  /* Said once, in the advice. */
  g_assert_null (strstr (queued.err, "request id:"));

  fetch_args[2] = request_id;
  for (guint i = 0; i < 50; i++)
    {
      run_clear (&fetched);
      memset (&fetched, 0, sizeof fetched);
      run_falctl (&fetched, "local:secret", fetch_args);
      if (fetched.status == 0)
        break;
      g_usleep (100000);  /* still running at fal */
    }
  g_assert_cmpint (fetched.status, ==, 0);
  result = parse (fetched.out);
  g_assert_true (json_object_has_member (json_node_get_object (result), "images"));

  add_fault ("POST", "^/run/fal-ai/flux/schnell$", "stall=30000");
  run_falctl (&synced, "local:secret", sync_args);
  g_assert_cmpint (synced.status, ==, 5);
  g_assert_nonnull (strstr (synced.err, "falctl run: Timed out: no answer within 1 s"));
}

/* ------------------------------------------------------------------ the key */

/* A whole falctl session with a key of its own, against a server that
 * takes only that key: runs through the queue (with an uploaded file and
 * --out), --sync and --stream, status, result, upload, schema, models and
 * price. The key went only to fal's API calls (queue, run, rest, api),
 * never to a file, upload or schema URL; no file falctl wrote (its HOME,
 * caches, settings, the downloaded outputs) and none of its output holds
 * the key or its secret half. */
static void
test_key_stays_secret (void)
{
  static const char key[] = "fk-7c1e4b:9d2b6a0f4e8c31a5d7";
  static const char secret_half[] = "9d2b6a0f4e8c31a5d7";
  g_autoptr(GError) error = NULL;
  g_autoptr(FalLocalServer) keyed = g_object_new (FAL_LOCAL_TYPE_SERVER, "speed", 20.0, "key", key, NULL);
  FalLocalServer *previous = server;
  g_autofree char *home = g_dir_make_tmp ("falctl-secret-home-XXXXXX", &error);
  g_autofree char *out_dir = g_build_filename (home, "outputs", NULL);
  g_autofree char *config = g_build_filename (home, ".config", NULL);
  g_autofree char *cache = g_build_filename (home, ".cache", NULL);
  g_autofree char *data = g_build_filename (home, ".local", "share", NULL);
  g_autofree char *state = g_build_filename (home, ".local", "state", NULL);
  g_autofree char *wav = g_build_filename (home, "rain.wav", NULL);
  g_autofree char *audio = g_strdup_printf ("audio_url=@%s", wav);
  const char *env[] = { "HOME", home, "XDG_CONFIG_HOME", config, "XDG_CACHE_HOME", cache,
                        "XDG_DATA_HOME", data, "XDG_STATE_HOME", state, NULL };
  g_autofree char *request_id = NULL;
  const char *queue_args[] = { "run", "fal-ai/fast-sdxl", "-i", "prompt=a lighthouse", "-i", "image_size=64x48",
                               "--logs", "--out", out_dir, NULL };
  const char *upload_run_args[] = { "run", "fal-ai/whisper", "-i", audio, "--logs", NULL };
  const char *sync_args[] = { "run", "fal-ai/flux/schnell", "--sync", "-i", "prompt=x", "-i", "image_size=32x32", NULL };
  const char *stream_args[] = { "run", "fal-ai/any-llm", "--stream", "-i", "prompt=hello", NULL };
  const char *upload_args[] = { "upload", wav, NULL };
  const char *schema_args[] = { "schema", "fal-ai/flux/dev", NULL };
  const char *models_args[] = { "models", "flux", "--limit", "3", NULL };
  const char *price_args[] = { "price", "fal-ai/flux/dev", NULL };
  const char *status_args[] = { "status", "fal-ai/fast-sdxl", NULL, "--logs", NULL };
  const char *result_args[] = { "result", "fal-ai/fast-sdxl", NULL, NULL };
  const char * const *sessions[] = { queue_args, upload_run_args, sync_args, stream_args, upload_args,
                                     schema_args, models_args, price_args, status_args, result_args };
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) found_secret = g_ptr_array_new_with_free_func (g_free);
  guint n_files = 0, n_keyed = 0, n_files_served = 0, n_schemas = 0;
  g_autoptr(JsonNode) queued = NULL;

  g_assert_no_error (error);
  make_wav (wav);
  g_assert_true (fal_local_server_start (keyed, &error));
  server = keyed;
  extra_env = env;

  for (guint i = 0; i < G_N_ELEMENTS (sessions); i++)
    {
      g_auto(Run) run = { 0 };

      if (sessions[i] == status_args || sessions[i] == result_args)
        ((const char **) sessions[i])[2] = request_id;
      run_falctl (&run, key, sessions[i]);
      g_assert_cmpint (run.status, ==, 0);
      g_assert_null (strstr (run.out, secret_half));
      g_assert_null (strstr (run.err, secret_half));
      if (sessions[i] == queue_args)
        {
          const char *at = strstr (run.err, "COMPLETED (request ");

          if (at == NULL)
            at = strstr (run.err, "(request ");
          g_assert_nonnull (at);
          at = strstr (at, "request ") + strlen ("request ");
          request_id = g_strndup (at, 36);
          queued = parse (run.out);
        }
    }
  extra_env = NULL;

  log = server_call ("GET", "/__control/requests", NULL);
  server = previous;
  for (guint i = 0; i < json_array_get_length (json_node_get_array (log)); i++)
    {
      JsonObject *entry = json_array_get_object_element (json_node_get_array (log), i);
      const char *path = json_object_get_string_member (entry, "path");
      gboolean keyed_call = json_object_get_boolean_member (entry, "authorization");

      if (g_str_has_prefix (path, "/__control/"))
        continue;
      if (g_str_has_prefix (path, "/cdn/"))
        n_files_served++;
      if (strstr (path, "openapi"))
        n_schemas++;
      if (keyed_call)
        {
          n_keyed++;
          if (!g_str_has_prefix (path, "/queue/") && !g_str_has_prefix (path, "/run/") &&
              !g_str_has_prefix (path, "/rest/") && !g_str_has_prefix (path, "/api/"))
            g_error ("the key went to %s %s", json_object_get_string_member (entry, "method"), path);
        }
    }
  /* Uploads (PUTs), the downloads of --out, schemas: all made, keyless. */
  g_assert_cmpuint (n_keyed, >=, 8);
  g_assert_cmpuint (n_files_served, >=, 3);
  g_assert_cmpuint (n_schemas, >=, 1);

  n_files += file_scan_find (home, key, found);
  n_files += file_scan_find (home, secret_half, found_secret);
  g_test_message ("%u keyed calls, %u file calls, %u schema calls; %u files read",
                  n_keyed, n_files_served, n_schemas, n_files);
  /* The wav, the outputs and what falctl keeps (the schema cache…). */
  g_assert_cmpuint (n_files, >=, 2 * 4);
  if (found->len > 0 || found_secret->len > 0)
    g_error ("the key is in %s", (char *) (found->len > 0 ? found->pdata[0] : found_secret->pdata[0]));

  fal_test_remove_tree (home);
}

/* ------------------------------------------------------------------ behind a proxy */

static gboolean
header_is (JsonObject *entry,
           const char *name,
           const char *value)
{
  JsonObject *headers = json_object_get_object_member (entry, "headers");

  return g_strcmp0 (json_object_get_string_member_with_default (headers, name, NULL), value) == 0;
}

/* FALSTAFF_PROXY_URL and no key anywhere: the proxy adds it. The key goes
 * through the proxy to fal's API only, never to upload or file URLs. */
static void
test_proxy (void)
{
  g_autoptr(ProxyFixture) proxy = proxy_fixture_new ("local:secret");
  const char *env[] = { "FALSTAFF_PROXY_URL", proxy_fixture_get_url (proxy), NULL };
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "falctl-test-proxy.wav", NULL);
  g_autofree char *argument = g_strdup_printf ("audio_url=@%s", path);
  const char *run_args[] = { "run", "fal-ai/whisper", "-i", argument, "--logs", NULL };
  const char *source_args[] = { "key", "show-source", NULL };
  g_auto(Run) run = { 0 };
  g_auto(Run) source = { 0 };
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) log = NULL;
  g_autoptr(JsonNode) cleared = NULL;
  g_auto(GStrv) targets = NULL;
  guint proxied = 0, files = 0;

  make_wav (path);
  forget_stored_key ();
  cleared = server_call ("DELETE", "/__control/requests", NULL);

  extra_env = env;
  run_falctl (&run, NULL, run_args);
  run_falctl (&source, NULL, source_args);
  extra_env = NULL;

  g_assert_cmpint (run.status, ==, 0);
  result = parse (run.out);
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (result), "text"), "1.00 seconds"));
  g_assert_nonnull (strstr (run.err, "[INFO] "));
  g_assert_cmpint (source.status, ==, 0);
  g_assert_nonnull (strstr (source.out, "proxy"));

  /* Upload initiate, submit, status stream, result: all through it. */
  g_assert_cmpuint (proxy_fixture_get_n_forwarded (proxy), >=, 4);
  targets = proxy_fixture_dup_targets (proxy);
  for (guint i = 0; targets[i]; i++)
    g_assert_null (strstr (targets[i], "/cdn/"));

  log = server_call ("GET", "/__control/requests", NULL);
  for (guint i = 0; i < json_array_get_length (json_node_get_array (log)); i++)
    {
      JsonObject *entry = json_array_get_object_element (json_node_get_array (log), i);
      const char *request_path = json_object_get_string_member (entry, "path");

      if (g_str_has_prefix (request_path, "/__control/"))
        continue;
      if (g_str_has_prefix (request_path, "/cdn/"))
        {
          /* Upload PUTs and file reads: straight, and without the key. */
          g_assert_false (json_object_get_boolean_member (entry, "authorization"));
          g_assert_true (header_is (entry, "via", NULL));
          files++;
        }
      else
        {
          /* fal's hosts, the web one (schemas) too: the proxy's key. */
          g_assert_true (json_object_get_boolean_member (entry, "authorization"));
          g_assert_true (header_is (entry, "via", "1.1 falstaff-test-proxy"));
          proxied++;
        }
    }
  g_assert_cmpuint (proxied, ==, proxy_fixture_get_n_forwarded (proxy));
  g_assert_cmpuint (files, >=, 1);
  g_unlink (path);
}

/* fal's own hosts (no FALSTAFF_LOCAL_URL), FALSTAFF_PROXY_URL and no
 * key: run, schema, models and price all go through the proxy, which
 * forwards fal's hosts to the local server; the schema (fal.ai) and the
 * Platform API (api.fal.ai) too. */
static void
test_proxy_fal_hosts (void)
{
  g_autoptr(ProxyFixture) proxy = proxy_fixture_new ("local:secret");
  g_autofree char *cache = g_dir_make_tmp ("falctl-proxy-cache-XXXXXX", NULL);
  const char *env[] = { "FALSTAFF_PROXY_URL", proxy_fixture_get_url (proxy), "FALSTAFF_LOCAL_URL", "",
                        "XDG_CACHE_HOME", cache, NULL };
  const char *run_args[] = { "run", "fal-ai/fast-sdxl", "-i", "prompt=a fox", "-i", "num_images=1", NULL };
  const char *schema_args[] = { "schema", "fal-ai/any-llm", NULL };
  const char *models_args[] = { "models", "whisper", NULL };
  const char *price_args[] = { "price", "fal-ai/flux/dev", "--estimate", "10", NULL };
  g_auto(Run) ran = { 0 };
  g_auto(Run) schema = { 0 };
  g_auto(Run) models = { 0 };
  g_auto(Run) price = { 0 };
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(JsonNode) form = NULL;
  g_auto(GStrv) targets = NULL;

  proxy_fixture_set_upstream (proxy, fal_local_server_get_url (server));
  forget_stored_key ();
  extra_env = env;
  run_falctl (&ran, NULL, run_args);
  run_falctl (&schema, NULL, schema_args);
  run_falctl (&models, NULL, models_args);
  run_falctl (&price, NULL, price_args);
  extra_env = NULL;

  g_assert_cmpint (ran.status, ==, 0);
  result = parse (ran.out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (result), "images")), ==, 1);
  g_assert_cmpint (schema.status, ==, 0);
  form = parse (schema.out);
  g_assert_true (json_object_has_member (json_node_get_object (form), "fields"));
  g_assert_cmpint (models.status, ==, 0);
  g_assert_nonnull (strstr (models.out, "fal-ai/whisper"));
  g_assert_cmpint (price.status, ==, 0);
  g_assert_nonnull (strstr (price.out, "fal-ai/flux/dev"));

  targets = proxy_fixture_dup_targets (proxy);
  for (guint i = 0; targets[i]; i++)
    {
      g_test_message ("proxied: %s", targets[i]);
      g_assert_nonnull (strstr (targets[i], " https://"));
    }
  g_assert_true (proxy_fixture_has_target (targets, "POST https://queue.fal.run/fal-ai/fast-sdxl"));
  g_assert_true (proxy_fixture_has_target (targets, "GET https://queue.fal.run/fal-ai/fast-sdxl/requests/"));
  g_assert_true (proxy_fixture_has_target (targets, "GET https://fal.ai/api/openapi/queue/openapi.json?endpoint_id=fal-ai/any-llm"));
  g_assert_true (proxy_fixture_has_target (targets, "GET https://api.fal.ai/v1/models?"));
  g_assert_true (proxy_fixture_has_target (targets, "GET https://api.fal.ai/v1/models/pricing?"));
  g_assert_true (proxy_fixture_has_target (targets, "POST https://api.fal.ai/v1/models/pricing/estimate"));
}

static void
test_upload_and_file_input (void)
{
  g_auto(Run) upload = { 0 };
  g_auto(Run) run = { 0 };
  g_autofree char *path = g_build_filename (g_get_tmp_dir (), "falctl-test-input.wav", NULL);
  g_autofree char *argument = NULL;
  g_autoptr(JsonNode) result = NULL;
  const char *upload_args[] = { "upload", path, NULL };
  const char *run_args[5] = { "run", "fal-ai/whisper", "-i", NULL, NULL };

  make_wav (path);

  run_falctl (&upload, "local:secret", upload_args);
  g_assert_cmpint (upload.status, ==, 0);
  g_assert_true (g_str_has_prefix (upload.out, fal_local_server_get_url (server)));

  /* -i name=@FILE uploads it and sends its URL. */
  argument = g_strdup_printf ("audio_url=@%s", path);
  run_args[3] = argument;
  run_falctl (&run, "local:secret", run_args);
  g_assert_cmpint (run.status, ==, 0);
  result = parse (run.out);
  g_assert_nonnull (strstr (json_object_get_string_member (json_node_get_object (result), "text"), "1.00 seconds"));
  g_unlink (path);
}

static void
test_schema (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonNode) form = NULL;
  JsonArray *fields;
  const char *args[] = { "schema", "fal-ai/fast-sdxl", NULL };

  run_falctl (&run, NULL, args);
  g_assert_cmpint (run.status, ==, 0);
  form = parse (run.out);
  fields = json_object_get_array_member (json_node_get_object (form), "fields");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (fields, 0), "name"), ==, "prompt");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (fields, 0), "kind"), ==, "long_text");
}

static void
test_key_show_source (void)
{
  g_auto(Run) run = { 0 };
  const char *args[] = { "key", "show-source", NULL };

  run_falctl (&run, "local:secret", args);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "environment"));
  g_assert_null (strstr (run.out, "secret:"));
  g_assert_null (strstr (run.out, "local:secret"));
}

/* ------------------------------------------------------------------ models and prices */

static GStrv
lines_of (const char *text)
{
  g_autofree char *copy = g_strdup (text);

  g_strchomp (copy);
  return *copy ? g_strsplit (copy, "\n", -1) : g_new0 (char *, 1);
}

/* The first word of each line, each once. */
static GHashTable *
listed_ids (GStrv lines)
{
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  for (guint i = 0; lines[i]; i++)
    {
      g_auto(GStrv) words = g_strsplit (lines[i], " ", 2);

      g_assert_true (g_hash_table_add (ids, g_strdup (words[0])));
    }
  return ids;
}

static void
test_models_query (void)
{
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  const char *args[] = { "models", "flux", NULL };
  const char *dev = NULL;
  const char *name_column = NULL;

  run_falctl (&run, "local:secret", args);
  g_assert_cmpint (run.status, ==, 0);
  lines = lines_of (run.out);
  g_assert_cmpuint (g_strv_length (lines), >=, 5);
  for (guint i = 0; lines[i]; i++)
    {
      g_autofree char *folded = g_utf8_casefold (lines[i], -1);

      g_assert_nonnull (strstr (folded, "flux"));
      if (g_str_has_prefix (lines[i], "fal-ai/flux/dev "))
        dev = lines[i];
    }
  g_assert_nonnull (dev);
  g_assert_nonnull (strstr (dev, "  FLUX.1 [dev]  "));
  g_assert_true (g_str_has_suffix (dev, "[text-to-image]"));
  /* Aligned: the names start in one column on every line. */
  name_column = strstr (dev, "FLUX.1 [dev]");
  for (guint i = 0; lines[i]; i++)
    {
      const FalLocalCatalogModel *model;
      g_auto(GStrv) words = g_strsplit (lines[i], " ", 2);

      model = fal_local_catalog_lookup (words[0]);
      g_assert_nonnull (model);
      g_assert_true (g_str_has_prefix (lines[i] + (name_column - dev), model->display_name));
    }
  /* One page was enough: nothing said on stderr. */
  g_assert_cmpstr (run.err, ==, "");
}

static void
test_models_category (void)
{
  g_auto(Run) run = { 0 };
  g_auto(Run) deprecated = { 0 };
  g_auto(GStrv) lines = NULL;
  const char *args[] = { "models", "--category", "image-to-3d", "--all", NULL };
  const char *deprecated_args[] = { "models", "--status", "deprecated", "--all", NULL };
  guint expected = 0, expected_deprecated = 0;

  for (guint i = 0; i < fal_local_catalog_get_n (); i++)
    {
      expected += g_str_equal (fal_local_catalog_get (i)->category, "image-to-3d");
      expected_deprecated += g_str_equal (fal_local_catalog_get (i)->status, "deprecated");
    }
  g_assert_cmpuint (expected, >=, 3);

  run_falctl (&run, NULL, args);
  g_assert_cmpint (run.status, ==, 0);
  lines = lines_of (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, expected);
  for (guint i = 0; lines[i]; i++)
    g_assert_true (g_str_has_suffix (lines[i], "[image-to-3d]") || g_str_has_suffix (lines[i], "[image-to-3d] (deprecated)"));

  g_clear_pointer (&lines, g_strfreev);
  run_falctl (&deprecated, NULL, deprecated_args);
  g_assert_cmpint (deprecated.status, ==, 0);
  lines = lines_of (deprecated.out);
  g_assert_cmpuint (g_strv_length (lines), ==, expected_deprecated);
  for (guint i = 0; lines[i]; i++)
    g_assert_true (g_str_has_suffix (lines[i], " (deprecated)"));

  {
    const char *bad[] = { "models", "--status", "retired", NULL };
    g_auto(Run) refused = { 0 };

    run_falctl (&refused, NULL, bad);
    g_assert_cmpint (refused.status, ==, 2);
  }
}

static void
test_models_all (void)
{
  g_auto(Run) first = { 0 };
  g_auto(Run) all = { 0 };
  g_auto(Run) small_pages = { 0 };
  g_auto(GStrv) first_lines = NULL;
  g_auto(GStrv) all_lines = NULL;
  g_auto(GStrv) small_lines = NULL;
  g_autoptr(GHashTable) ids = NULL;
  const char *first_args[] = { "models", NULL };
  const char *all_args[] = { "models", "--all", NULL };
  const char *small_args[] = { "models", "--all", "--limit", "17", NULL };

  /* The first page alone, and how to see the rest on stderr. */
  run_falctl (&first, NULL, first_args);
  g_assert_cmpint (first.status, ==, 0);
  first_lines = lines_of (first.out);
  g_assert_cmpuint (g_strv_length (first_lines), ==, 50);
  g_assert_nonnull (strstr (first.err, "use --all"));

  run_falctl (&all, NULL, all_args);
  g_assert_cmpint (all.status, ==, 0);
  g_assert_cmpstr (all.err, ==, "");
  all_lines = lines_of (all.out);
  g_assert_cmpuint (g_strv_length (all_lines), ==, fal_local_catalog_get_n ());
  g_assert_cmpuint (fal_local_catalog_get_n (), ==, 121);
  ids = listed_ids (all_lines);
  for (guint i = 0; i < fal_local_catalog_get_n (); i++)
    g_assert_true (g_hash_table_contains (ids, fal_local_catalog_get (i)->endpoint_id));

  /* Eight pages of 17 give the same list. */
  run_falctl (&small_pages, NULL, small_args);
  g_assert_cmpint (small_pages.status, ==, 0);
  small_lines = lines_of (small_pages.out);
  g_assert_cmpuint (g_strv_length (small_lines), ==, 121);
  for (guint i = 0; small_lines[i]; i++)
    g_assert_cmpstr (g_strchomp (small_lines[i]), ==, g_strchomp (all_lines[i]));
}

static void
test_models_json (void)
{
  g_auto(Run) run = { 0 };
  g_autoptr(JsonNode) node = NULL;
  JsonArray *models;
  const char *args[] = { "models", "flux", "dev", "--json", NULL };
  gboolean found = FALSE;

  run_falctl (&run, NULL, args);
  g_assert_cmpint (run.status, ==, 0);
  node = parse (run.out);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (node));
  models = json_node_get_array (node);
  g_assert_cmpuint (json_array_get_length (models), >=, 2);
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonObject *model = json_array_get_object_element (models, i);
      JsonObject *metadata = json_object_get_object_member (model, "metadata");
      const FalLocalCatalogModel *expected = fal_local_catalog_lookup (json_object_get_string_member (model, "endpoint_id"));

      g_assert_nonnull (expected);
      g_assert_cmpstr (json_object_get_string_member (metadata, "display_name"), ==, expected->display_name);
      g_assert_cmpstr (json_object_get_string_member (metadata, "category"), ==, expected->category);
      g_assert_cmpstr (json_object_get_string_member (metadata, "status"), ==, expected->status);
      found |= g_str_equal (expected->endpoint_id, "fal-ai/flux/dev");
    }
  g_assert_true (found);
}

static void
test_price (void)
{
  g_auto(Run) run = { 0 };
  g_auto(GStrv) lines = NULL;
  const char *args[] = { "price", "fal-ai/flux/dev", "fal-ai/fast-sdxl", NULL };

  /* The server's table is what the lines below must say. */
  g_assert_cmpfloat (fal_local_catalog_lookup ("fal-ai/flux/dev")->unit_price, ==, 0.025);
  g_assert_cmpstr (fal_local_catalog_lookup ("fal-ai/flux/dev")->unit, ==, "megapixels");
  g_assert_cmpfloat (fal_local_catalog_lookup ("fal-ai/fast-sdxl")->unit_price, ==, 0.0025);
  g_assert_cmpstr (fal_local_catalog_lookup ("fal-ai/fast-sdxl")->unit, ==, "image");

  run_falctl (&run, "local:secret", args);
  g_assert_cmpint (run.status, ==, 0);
  lines = lines_of (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (lines[0], ==, "fal-ai/flux/dev   $0.025 per megapixel");
  g_assert_cmpstr (lines[1], ==, "fal-ai/fast-sdxl  $0.0025 per image");
}

static void
test_price_estimate (void)
{
  g_auto(Run) run = { 0 };
  g_auto(Run) json_run = { 0 };
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonNode) historical = NULL;
  g_autoptr(JsonNode) answer = NULL;
  g_autofree char *past = NULL;
  g_autofree char *past_line = NULL;
  JsonArray *estimates;
  const char *args[] = { "price", "fal-ai/flux/dev", "fal-ai/fast-sdxl", "--estimate", "10", "--calls", "3", NULL };
  const char *json_args[] = { "price", "fal-ai/flux/dev", "fal-ai/fast-sdxl", "--estimate", "10", "--json", NULL };

  run_falctl (&run, "local:secret", args);
  g_assert_cmpint (run.status, ==, 0);
  lines = lines_of (run.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  /* 10 × 0.025 + 10 × 0.0025, to the last digit. */
  g_assert_cmpstr (lines[2], ==, "Estimate: 10 megapixels of fal-ai/flux/dev + 10 images of fal-ai/fast-sdxl ≈ $0.275");

  /* Calls: what the server says three past calls of each cost. */
  {
    const char *body = "{\"estimate_type\":\"historical_api_price\",\"endpoints\":"
                       "{\"fal-ai/flux/dev\":{\"call_quantity\":3},\"fal-ai/fast-sdxl\":{\"call_quantity\":3}}}";
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autofree char *url = g_strconcat (fal_local_server_get_url (server), "/api/v1/models/pricing/estimate", NULL);
    g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
    g_autoptr(GBytes) request = g_bytes_new_static (body, strlen (body));
    g_autoptr(GBytes) bytes = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Key local:secret");
    soup_message_set_request_body_from_bytes (msg, "application/json", request);
    bytes = soup_session_send_and_read (session, msg, NULL, NULL);
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
    historical = parse (g_bytes_get_data (bytes, NULL));
  }
  past = fal_format_money (json_object_get_double_member (json_node_get_object (historical), "total_cost"), "USD");
  past_line = g_strdup_printf ("Estimate: 3 calls of fal-ai/flux/dev, fal-ai/fast-sdxl ≈ %s (priced as past calls)", past);
  g_assert_cmpstr (lines[3], ==, past_line);

  run_falctl (&json_run, "local:secret", json_args);
  g_assert_cmpint (json_run.status, ==, 0);
  answer = parse (json_run.out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (json_node_get_object (answer), "prices")), ==, 2);
  estimates = json_object_get_array_member (json_node_get_object (answer), "estimates");
  g_assert_cmpuint (json_array_get_length (estimates), ==, 1);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (json_array_get_object_element (estimates, 0), "total_cost"),
                                  0.275, 1e-12);
}

static void
test_price_errors (void)
{
  g_auto(Run) no_key = { 0 };
  g_auto(Run) models = { 0 };
  g_auto(Run) unknown = { 0 };
  g_auto(Run) wrong = { 0 };
  g_auto(Run) invalid = { 0 };
  g_auto(GStrv) lines = NULL;
  const char *price_args[] = { "price", "fal-ai/flux/dev", NULL };
  const char *models_args[] = { "models", "whisper", NULL };
  const char *unknown_args[] = { "price", "fal-ai/flux/dev", "fal-ai/no-such-model", "--estimate", "4", NULL };
  const char *invalid_args[] = { "price", "not an id", NULL };

  /* No key: price needs one (3), models does not. */
  forget_stored_key ();
  run_falctl (&no_key, NULL, price_args);
  g_assert_cmpint (no_key.status, ==, 3);
  g_assert_true (g_str_has_prefix (no_key.err, "falctl price: No API key"));
  g_assert_cmpstr (no_key.out, ==, "");
  run_falctl (&models, NULL, models_args);
  g_assert_cmpint (models.status, ==, 0);
  g_assert_true (g_str_has_prefix (models.out, "fal-ai/whisper "));

  run_falctl (&wrong, "wrong:key", price_args);
  g_assert_cmpint (wrong.status, ==, 3);

  /* The known one is still priced and estimated; the other is named. */
  run_falctl (&unknown, "local:secret", unknown_args);
  g_assert_cmpint (unknown.status, ==, 6);
  g_assert_cmpstr (unknown.err, ==, "falctl price: no price for fal-ai/no-such-model\n");
  lines = lines_of (unknown.out);
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_cmpstr (lines[0], ==, "fal-ai/flux/dev  $0.025 per megapixel");
  g_assert_cmpstr (lines[1], ==, "Estimate: 4 megapixels of fal-ai/flux/dev ≈ $0.10");

  run_falctl (&invalid, "local:secret", invalid_args);
  g_assert_cmpint (invalid.status, ==, 2);
}

/* Ctrl+C cancels the request at fal and exits 130. */
static void
test_interrupt (void)
{
  g_autoptr(GError) error = NULL;
  const char *args[] = { "run", "fal-ai/minimax/video-01", "-i", "prompt=a boat", NULL };
  g_autoptr(GSubprocess) process = spawn (args, "local:secret", &error);
  g_autoptr(GDataInputStream) err = NULL;
  g_autofree char *line = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *request_id = NULL;

  g_assert_no_error (error);
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  /* Wait until it runs: the status line names the request. */
  while ((line = g_data_input_stream_read_line_utf8 (err, NULL, NULL, &error)) != NULL)
    {
      const char *id = strstr (line, "(request ");

      if (strstr (line, "IN_PROGRESS") && id)
        {
          request_id = g_strndup (id + strlen ("(request "), 36);
          break;
        }
      g_clear_pointer (&line, g_free);
    }
  g_assert_nonnull (request_id);
  g_subprocess_send_signal (process, SIGINT);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 130);
  rest = g_data_input_stream_read_upto (err, "", 0, NULL, NULL, NULL);
  g_test_message ("falctl run, interrupted: %s", rest);
  g_assert_nonnull (strstr (rest, "Cancellation requested"));
  g_assert_nonnull (strstr (rest, "falctl run: Cancelled (interrupted)"));

  /* And at the server, the request ended cancelled. */
  {
    const char *status_args[] = { "result", "fal-ai/minimax/video-01", request_id, NULL };
    g_auto(Run) run = { 0 };
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    do
      {
        run_clear (&run);
        memset (&run, 0, sizeof run);
        run_falctl (&run, "local:secret", status_args);
      }
    while (run.status == 1 && strstr (run.err, "still in progress") && g_get_monotonic_time () < deadline);
    g_assert_cmpint (run.status, ==, 130);
  }
}

/* ------------------------------------------------------------------ serve */

static JsonObject *
post_json (const char *url,
           const char *body)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Key local:secret");
  soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  node = parse (g_bytes_get_data (answer, NULL));
  return json_object_ref (json_node_get_object (node));
}

/* falctl serve --public-url: listens on loopback, hands out the public
 * base, and refuses what is not an http(s) URL. */
static void
test_serve_public_url (void)
{
  const char *args[] = { "serve", "--speed", "50", "--public-url", "https://fal.example.test/x/", NULL };
  const char *bad_args[] = { "serve", "--public-url", "ftp://fal.example.test", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = spawn (args, NULL, &error);
  g_autoptr(GDataInputStream) out = NULL;
  g_autofree char *listening = NULL;
  g_autofree char *public = NULL;
  g_autofree char *submit_url = NULL;
  g_autofree char *initiate_url = NULL;
  g_autoptr(JsonObject) submitted = NULL;
  g_autoptr(JsonObject) initiated = NULL;
  g_auto(Run) bad = { 0 };

  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  listening = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  public = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%s / %s", listening, public);
  g_assert_true (g_str_has_prefix (listening, "listening http://127.0.0.1:"));
  g_assert_cmpstr (public, ==, "public https://fal.example.test/x");

  submit_url = g_strconcat (listening + strlen ("listening "), "/queue/fal-ai/any-llm", NULL);
  submitted = post_json (submit_url, "{\"prompt\": \"hi\"}");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (submitted, "status_url"),
                                   "https://fal.example.test/x/queue/fal-ai/any-llm/requests/"));
  initiate_url = g_strconcat (listening + strlen ("listening "), "/rest/storage/upload/initiate", NULL);
  initiated = post_json (initiate_url, "{\"file_name\": \"a.txt\"}");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (initiated, "upload_url"),
                                   "https://fal.example.test/x/cdn/upload/"));
  g_assert_true (g_str_has_prefix (json_object_get_string_member (initiated, "file_url"),
                                   "https://fal.example.test/x/cdn/files/"));

  g_subprocess_send_signal (process, SIGTERM);
  g_assert_true (g_subprocess_wait (process, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  g_assert_cmpint (g_subprocess_get_exit_status (process), ==, 0);

  run_falctl (&bad, NULL, bad_args);
  g_assert_cmpint (bad.status, ==, 2);
  g_assert_nonnull (strstr (bad.err, "public URL"));

  {
    const char *bad_memory[] = { "serve", "--memory-files", "-1", NULL };
    g_auto(Run) refused = { 0 };

    run_falctl (&refused, NULL, bad_memory);
    g_assert_cmpint (refused.status, ==, 2);
    g_assert_nonnull (strstr (refused.err, "--memory-files"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  falctl = g_getenv ("FALCTL");
  g_assert_nonnull (falctl);

  server = g_object_new (FAL_LOCAL_TYPE_SERVER, "speed", 20.0, NULL);
  g_assert_true (fal_local_server_start (server, &error));

  g_test_add_func ("/falctl/run/queue", test_run_queue);
  g_test_add_func ("/falctl/run/sync-and-out", test_run_sync_and_out);
  g_test_add_func ("/falctl/run/out-no-overwrite", test_run_out_no_overwrite);
  g_test_add_func ("/falctl/run/stream", test_run_stream);
  g_test_add_func ("/falctl/run/timeout", test_run_timeout);
  g_test_add_func ("/falctl/run/controls-escaped", test_run_controls_escaped);
  g_test_add_func ("/falctl/exit-codes", test_exit_codes);
  g_test_add_func ("/falctl/no-key", test_no_key);
  g_test_add_func ("/falctl/model-failure", test_model_failure);
  g_test_add_func ("/falctl/key-stays-secret", test_key_stays_secret);
  g_test_add_func ("/falctl/proxy", test_proxy);
  g_test_add_func ("/falctl/proxy/fal-hosts", test_proxy_fal_hosts);
  g_test_add_func ("/falctl/upload-and-file-input", test_upload_and_file_input);
  g_test_add_func ("/falctl/schema", test_schema);
  g_test_add_func ("/falctl/key/show-source", test_key_show_source);
  g_test_add_func ("/falctl/interrupt", test_interrupt);
  g_test_add_func ("/falctl/models/query", test_models_query);
  g_test_add_func ("/falctl/models/category", test_models_category);
  g_test_add_func ("/falctl/models/all", test_models_all);
  g_test_add_func ("/falctl/models/json", test_models_json);
  g_test_add_func ("/falctl/price", test_price);
  g_test_add_func ("/falctl/price/estimate", test_price_estimate);
  g_test_add_func ("/falctl/price/errors", test_price_errors);
  g_test_add_func ("/falctl/serve/public-url", test_serve_public_url);

  status = g_test_run ();
  fal_local_server_stop (server);
  g_object_unref (server);
  return status;
}
