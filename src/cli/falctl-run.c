/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falctl"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>

#include "falctl-common.h"
#include "falctl-download.h"

typedef struct {
  FalClient *client;
  FalRequest *request;
  FalStream *stream;
  GCancellable *cancellable;
  GCancellable *downloads;     /* --out: saving the result's files */
  gboolean done;
  gboolean interrupted;
  gboolean cancel_pending;     /* interrupted: the cancel's answer ends the run */
  gboolean timed_out;
  double timeout;
  const char *endpoint_id;
  JsonNode *result;
  GError *error;
  FalRequestStatus last_status;
  int last_position;
  guint logs_printed;
} Run;

/* A value typed after name=: a JSON literal where it is one (numbers,
 * true/false/null, quoted strings, arrays, objects), else the text as a
 * string. json-glib 1.6 alone would take '0x10' or 'a' as JSON. */
static JsonNode *
parse_value (const char *text)
{
  static GRegex *number;
  JsonNode *node;

  if (g_once_init_enter (&number))
    g_once_init_leave (&number, g_regex_new ("^-?(0|[1-9][0-9]*)(\\.[0-9]+)?([eE][+-]?[0-9]+)?$", 0, 0, NULL));

  if (g_str_equal (text, "true") || g_str_equal (text, "false") || g_str_equal (text, "null") ||
      g_regex_match (number, text, 0, NULL) ||
      text[0] == '"' || text[0] == '[' || text[0] == '{')
    {
      node = fal_json_parse (text, strlen (text), NULL);
      if (node)
        return node;
    }
  node = json_node_new (JSON_NODE_VALUE);
  json_node_set_string (node, text);
  return node;
}

static JsonNode *
build_input (const char    *json_file,
             char         **inputs,
             FalFormModel  *model,
             GPtrArray     *file_paths,
             GError       **error)
{
  g_autoptr(JsonNode) input = NULL;
  JsonObject *object;

  if (json_file)
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      if (g_str_equal (json_file, "-"))
        {
          g_autoptr(GInputStream) in = g_unix_input_stream_new (0, FALSE);
          g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

          if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
            return NULL;
          length = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
          contents = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), length);
        }
      else if (!g_file_get_contents (json_file, &contents, &length, error))
        return NULL;
      input = fal_json_parse (contents, length, error);
      if (input == NULL)
        {
          g_prefix_error (error, "%s: ", json_file);
          return NULL;
        }
      if (!JSON_NODE_HOLDS_OBJECT (input))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "%s: the input must be a JSON object", json_file);
          return NULL;
        }
      /* Parsed immutable: make it ours to change. */
      {
        JsonNode *copy = fal_json_deep_copy (input);
        json_node_unref (input);
        input = copy;
      }
    }
  else
    {
      input = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (input, json_object_new ());
    }

  object = json_node_get_object (input);
  for (guint i = 0; inputs && inputs[i]; i++)
    {
      const char *eq = strchr (inputs[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL || eq == inputs[i])
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "-i takes name=value, got '%s'", inputs[i]);
          return NULL;
        }
      name = g_strndup (inputs[i], eq - inputs[i]);
      /* name=@FILE: a local file, uploaded before the run; only values
       * marked this way are, so a path typed into a prompt stays text. */
      if (eq[1] == '@' && eq[2] != '\0')
        {
          g_autofree char *path = g_canonicalize_filename (eq + 2, NULL);

          json_object_set_string_member (object, name, path);
          g_ptr_array_add (file_paths, g_strdup (name));
          continue;
        }
      /* Typed as the endpoint's schema says where it is known ("4" stays
       * a string for a string enum); else as a JSON literal. */
      if (model)
        {
          g_autoptr(GError) coerce_error = NULL;
          JsonNode *value = fal_form_model_coerce (model, name, eq + 1, &coerce_error);

          if (value)
            {
              json_object_set_member (object, name, value);
              continue;
            }
          if (!g_error_matches (coerce_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
            {
              /* The schema refuses it: a validation error, as a 422 is.
               * Its message names the field already. */
              if (g_str_has_prefix (coerce_error->message, name) &&
                  coerce_error->message[strlen (name)] == ':')
                g_set_error (error, FAL_ERROR, FAL_ERROR_VALIDATION, "-i %s", coerce_error->message);
              else
                g_set_error (error, FAL_ERROR, FAL_ERROR_VALIDATION, "-i %s: %s", name, coerce_error->message);
              return NULL;
            }
        }
      json_object_set_member (object, name, parse_value (eq + 1));
    }
  return g_steal_pointer (&input);
}

static void
finish_run (Run    *run,
            GError *error)
{
  if (run->done)
    {
      g_clear_error (&error);
      return;
    }
  run->error = error;
  run->done = TRUE;
}

static void
print_new_logs (Run        *run,
                GListModel *logs)
{
  guint n = g_list_model_get_n_items (logs);

  for (; run->logs_printed < n; run->logs_printed++)
    {
      g_autoptr(FalLogEntry) entry = g_list_model_get_item (logs, run->logs_printed);

      fprintf (stderr, "[%s] %s\n", fal_log_entry_get_level (entry), fal_log_entry_get_message (entry));
    }
}

static void
logs_changed_cb (GListModel *logs,
                 guint       position,
                 guint       removed,
                 guint       added,
                 Run        *run)
{
  print_new_logs (run, logs);
}

static void
request_notify_cb (FalRequest *request,
                   GParamSpec *pspec,
                   Run        *run)
{
  FalRequestStatus status = fal_request_get_status (request);
  int position = fal_request_get_queue_position (request);

  if (status == run->last_status && position == run->last_position)
    return;
  run->last_status = status;
  run->last_position = position;

  if (status == FAL_REQUEST_IN_QUEUE)
    fprintf (stderr, "IN_QUEUE position %d (request %s)\n", position, fal_request_get_request_id (request));
  else if (status == FAL_REQUEST_IN_PROGRESS)
    fprintf (stderr, "IN_PROGRESS (request %s)\n", fal_request_get_request_id (request));
}

static void
contact_notify_cb (FalRequest *request,
                   GParamSpec *pspec,
                   Run        *run)
{
  if (fal_request_get_connection_lost (request))
    fprintf (stderr, "No answer from fal: retrying (the run goes on at fal)…\n");
  else if (!fal_request_is_done (request))
    fprintf (stderr, "In contact with fal again\n");
}

static void
request_finished_cb (FalRequest *request,
                     Run        *run)
{
  const GError *error = fal_request_get_error (request);

  /* Interrupted: fal may tell of the cancel on the status stream before
   * it answers the cancel itself; that answer says how it went, and ends
   * the run. */
  if (run->cancel_pending && g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED))
    return;

  /* Said once it is known to have worked: a failed run gets its error
   * line instead, not "COMPLETED" and then the failure. */
  if (error == NULL && fal_request_get_request_id (request))
    {
      double inference = 0;

      if (fal_request_get_metrics (request) &&
          fal_json_get_double (fal_request_get_metrics (request), "inference_time", &inference))
        fprintf (stderr, "COMPLETED in %.2f s (request %s)\n", inference, fal_request_get_request_id (request));
      else
        fprintf (stderr, "COMPLETED (request %s)\n", fal_request_get_request_id (request));
    }

  if (fal_request_get_result (request))
    run->result = json_node_ref (fal_request_get_result (request));
  finish_run (run, error ? g_error_copy (error) : NULL);
}

static void
stream_event_cb (FalStream *stream,
                 JsonNode  *event,
                 Run       *run)
{
  falctl_print_json (event, FALSE);
}

static void
stream_finished_cb (FalStream *stream,
                    Run       *run)
{
  const GError *error = fal_stream_get_error (stream);

  if (fal_stream_get_last_event (stream) && error == NULL)
    run->result = json_node_ref (fal_stream_get_last_event (stream));
  finish_run (run, error ? g_error_copy (error) : NULL);
}

static void
sync_run_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Run *run = data;
  GError *error = NULL;
  g_autofree char *request_id = NULL;

  run->result = fal_client_run_finish (FAL_CLIENT (source), result, &request_id, &error);
  if (request_id && run->result)
    fprintf (stderr, "COMPLETED (request %s)\n", request_id);
  finish_run (run, error);
}

static void
cancel_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;
  FalCancelOutcome outcome;

  run->cancel_pending = FALSE;
  if (fal_request_cancel_finish (FAL_REQUEST (source), result, &outcome, &error))
    fprintf (stderr, "%s\n", outcome == FAL_CANCEL_LEFT_QUEUE ? "Cancelled: it left the queue"
                             : outcome == FAL_CANCEL_REQUESTED ? "Cancellation requested: the runner was told"
                             : "Too late to cancel: it had already completed");
  else
    fprintf (stderr, "Cancel failed: %s\n", error->message);
  finish_run (run, g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, "Cancelled (interrupted)"));
}

/* Ctrl+C cancels the request at fal, then exits 130. */
static gboolean
interrupt_cb (gpointer data)
{
  Run *run = data;

  if (run->interrupted)
    {
      finish_run (run, g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, "Cancelled (interrupted)"));
      return G_SOURCE_REMOVE;
    }
  run->interrupted = TRUE;
  fprintf (stderr, "Interrupted: cancelling…\n");
  if (run->request && fal_request_get_request_id (run->request))
    {
      run->cancel_pending = TRUE;
      fal_request_cancel_async (run->request, NULL, cancel_cb, run);
    }
  else
    {
      if (run->stream)
        fal_stream_cancel (run->stream);
      if (run->request)
        fal_request_cancel_async (run->request, NULL, cancel_cb, run);
      g_cancellable_cancel (run->cancellable);
      if (run->request == NULL)
        finish_run (run, g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, "Cancelled (interrupted)"));
    }
  return G_SOURCE_CONTINUE;
}

/* --timeout: the wait ends, the request does not: fal goes on with it
 * (and bills it), so its id and the command that fetches its result are
 * what the person gets. A stream or a sync run cannot be fetched later:
 * those are stopped. */
static gboolean
deadline_cb (gpointer data)
{
  Run *run = data;
  const char *request_id = run->request ? fal_request_get_request_id (run->request) : NULL;

  run->timed_out = TRUE;
  /* The answer came: what is left is saving its files. */
  if (run->done)
    {
      g_cancellable_cancel (run->downloads);
      return G_SOURCE_REMOVE;
    }
  if (request_id)
    {
      fal_request_stop (run->request);
      finish_run (run, g_error_new (FAL_ERROR, FAL_ERROR_TIMEOUT,
                                    "stopped waiting after %g s; the request goes on at fal. "
                                    "Fetch its result later with: falctl result %s %s",
                                    run->timeout, run->endpoint_id, request_id));
      return G_SOURCE_REMOVE;
    }
  /* First: stopping the stream ends it (as cancelled) at once. */
  finish_run (run, g_error_new (FAL_ERROR, FAL_ERROR_TIMEOUT, "no answer within %g s", run->timeout));
  if (run->request)
    fal_request_stop (run->request);
  if (run->stream)
    fal_stream_cancel (run->stream);
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_REMOVE;
}

typedef struct {
  gboolean done;
  JsonNode *input;
  GError *error;
} UploadInputs;

static void
inputs_uploaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  UploadInputs *uploads = data;

  uploads->input = fal_client_upload_inputs_finish (FAL_CLIENT (source), result, &uploads->error);
  uploads->done = TRUE;
}

int
falctl_run (int    argc,
            char **argv)
{
  g_auto(GStrv) inputs = NULL;
  g_autofree char *json_file = NULL;
  g_autofree char *out_dir = NULL;
  g_autofree char *webhook = NULL;
  gboolean stream = FALSE, sync = FALSE, logs = FALSE, low = FALSE;
  double timeout = 0;
  GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &inputs, "An input: name=value (value as a JSON literal where it is one)", "NAME=VALUE" },
    { "json", 'j', 0, G_OPTION_ARG_FILENAME, &json_file, "The input as a JSON object (- for stdin)", "FILE" },
    { "stream", 0, 0, G_OPTION_ARG_NONE, &stream, "Use the endpoint's /stream: one JSON line per event", NULL },
    { "sync", 0, 0, G_OPTION_ARG_NONE, &sync, "Run synchronously (fal.run), not through the queue", NULL },
    { "logs", 'l', 0, G_OPTION_ARG_NONE, &logs, "Print the request's log lines on stderr", NULL },
    { "low-priority", 0, 0, G_OPTION_ARG_NONE, &low, "Queue behind normal requests", NULL },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, "Download the output media into DIR", "DIR" },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout,
      "Stop waiting after SECONDS (a queued request goes on at fal; its id is printed)", "SECONDS" },
    { "webhook", 0, 0, G_OPTION_ARG_STRING, &webhook, "fal POSTs the outcome to URL when the request ends (queue only)", "URL" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("ENDPOINT - run a fal endpoint");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) input = NULL;
  g_autoptr(FalFormModel) model = NULL;
  g_autoptr(GPtrArray) file_paths = g_ptr_array_new_with_free_func (g_free);
  FalCallOptions options = { 0 };
  Run run = { 0 };
  int code = 0;
  guint sigint;
  guint deadline = 0;
  gboolean saved_result = FALSE;    /* printed already, beside a failed --out */

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "falctl run: %s\n", error->message);
      return FALCTL_EXIT_USAGE;
    }
  if (argc != 2 || (stream && sync))
    {
      fprintf (stderr, "falctl run: give one ENDPOINT (and at most one of --stream and --sync)\n");
      return FALCTL_EXIT_USAGE;
    }
  if (timeout < 0)
    {
      fprintf (stderr, "falctl run: --timeout takes a number of seconds above 0\n");
      return FALCTL_EXIT_USAGE;
    }
  /* fal only calls webhooks for queued requests. */
  if (webhook && (stream || sync))
    {
      fprintf (stderr, "falctl run: --webhook needs the queue (not --stream or --sync)\n");
      return FALCTL_EXIT_USAGE;
    }
  run.client = falctl_client_new (&error);
  if (run.client == NULL)
    {
      falctl_print_error ("run", error);
      return falctl_exit_code_for (error);
    }
  if (inputs)
    model = falctl_schema_load_model (run.client, argv[1]);
  input = build_input (json_file, inputs, model, file_paths, &error);
  if (input == NULL)
    {
      fprintf (stderr, "falctl run: %s\n", error->message);
      g_clear_object (&run.client);
      return g_error_matches (error, FAL_ERROR, FAL_ERROR_VALIDATION) ? FALCTL_EXIT_VALIDATION : FALCTL_EXIT_USAGE;
    }
  run.cancellable = g_cancellable_new ();
  run.last_position = -2;
  options.low_priority = low;
  options.webhook_url = webhook;

  run.timeout = timeout;
  run.endpoint_id = argv[1];
  sigint = g_unix_signal_add (SIGINT, interrupt_cb, &run);
  /* The uploads count too: the person asked for an answer within it. */
  if (timeout > 0)
    deadline = g_timeout_add ((guint) MIN (timeout * 1000, G_MAXUINT), deadline_cb, &run);

  if (file_paths->len > 0)
    {
      UploadInputs uploads = { 0 };

      g_ptr_array_add (file_paths, NULL);
      fprintf (stderr, "Uploading %u file%s…\n", file_paths->len - 1, file_paths->len == 2 ? "" : "s");
      fal_client_upload_inputs_async (run.client, input, (const char * const *) file_paths->pdata, 0,
                                      run.cancellable, inputs_uploaded_cb, &uploads);
      falctl_wait (&uploads.done);
      if (uploads.input == NULL && run.timed_out)
        {
          g_clear_error (&uploads.error);
          uploads.error = g_error_new (FAL_ERROR, FAL_ERROR_TIMEOUT, "the uploads took longer than %g s", timeout);
        }
      if (uploads.input == NULL)
        {
          g_source_remove (sigint);
          g_clear_handle_id (&deadline, g_source_remove);
          falctl_print_error ("run", uploads.error);
          code = run.interrupted ? FALCTL_EXIT_INTERRUPTED : falctl_exit_code_for (uploads.error);
          g_clear_error (&uploads.error);
          g_clear_object (&run.cancellable);
          g_clear_object (&run.client);
          return code;
        }
      json_node_unref (input);
      input = uploads.input;
    }

  if (stream)
    {
      run.stream = fal_client_stream (run.client, argv[1], input, &options, &error);
      if (run.stream)
        {
          g_signal_connect (run.stream, "event", G_CALLBACK (stream_event_cb), &run);
          g_signal_connect (run.stream, "finished", G_CALLBACK (stream_finished_cb), &run);
        }
    }
  else if (sync)
    fal_client_run_async (run.client, argv[1], input, &options, run.cancellable, sync_run_cb, &run);
  else
    {
      run.request = fal_client_submit (run.client, argv[1], input, &options, &error);
      if (run.request)
        {
          g_signal_connect (run.request, "notify", G_CALLBACK (request_notify_cb), &run);
          g_signal_connect (run.request, "finished", G_CALLBACK (request_finished_cb), &run);
          g_signal_connect (run.request, "notify::connection-lost", G_CALLBACK (contact_notify_cb), &run);
          if (logs)
            g_signal_connect (fal_request_get_logs (run.request), "items-changed", G_CALLBACK (logs_changed_cb), &run);
        }
    }

  if (error == NULL)
    falctl_wait (&run.done);
  else
    run.error = g_steal_pointer (&error);

  /* The deadline covers saving the files too. The result is printed
   * whatever becomes of them: it is paid for. */
  if (run.error == NULL && run.result && out_dir)
    {
      g_autoptr(GError) download_error = NULL;

      run.downloads = g_cancellable_new ();
      if (!falctl_download_outputs (run.client, run.result, out_dir, run.downloads, &download_error))
        {
          const char *request_id = run.request ? fal_request_get_request_id (run.request) : NULL;

          if (!stream)
            falctl_print_json (run.result, TRUE);
          saved_result = TRUE;
          if (run.timed_out && request_id)
            run.error = g_error_new (FAL_ERROR, FAL_ERROR_TIMEOUT,
                                     "the result came, but its files were not all saved within %g s. "
                                     "Fetch the result again with: falctl result %s %s", timeout, argv[1], request_id);
          else if (run.timed_out)
            run.error = g_error_new (FAL_ERROR, FAL_ERROR_TIMEOUT,
                                     "the result came, but its files were not all saved within %g s", timeout);
          else
            run.error = g_steal_pointer (&download_error);
        }
    }
  if (!run.timed_out)
    g_clear_handle_id (&deadline, g_source_remove);

  g_source_remove (sigint);
  if (run.error)
    {
      code = run.interrupted ? FALCTL_EXIT_INTERRUPTED : falctl_exit_code_for (run.error);
      falctl_print_error ("run", run.error);
      /* The error line names the request when fal gave its id there. */
      if (run.request && fal_request_get_request_id (run.request) && !run.timed_out &&
          (run.error->domain != FAL_ERROR || fal_error_get_request_id (run.error) == NULL))
        fprintf (stderr, "request id: %s\n", fal_request_get_request_id (run.request));
    }
  else if (run.result && !stream && !saved_result)
    falctl_print_json (run.result, TRUE);

  g_clear_error (&run.error);
  g_clear_pointer (&run.result, json_node_unref);
  g_clear_object (&run.request);
  g_clear_object (&run.stream);
  g_clear_object (&run.cancellable);
  g_clear_object (&run.downloads);
  g_clear_object (&run.client);
  return code;
}

/* status, result and cancel: one call each. */

typedef struct {
  gboolean done;
  JsonNode *node;
  gboolean cancelled;
  GError *error;
} OneShot;

static void
status_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  OneShot *shot = data;
  shot->node = fal_client_status_finish (FAL_CLIENT (source), result, &shot->error);
  shot->done = TRUE;
}

static void
result_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  OneShot *shot = data;
  shot->node = fal_client_result_finish (FAL_CLIENT (source), result, &shot->error);
  shot->done = TRUE;
}

static void
one_cancel_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  OneShot *shot = data;
  shot->cancelled = fal_client_cancel_finish (FAL_CLIENT (source), result, &shot->error);
  shot->done = TRUE;
}

int
falctl_request_command (int    argc,
                        char **argv)
{
  const char *command = argv[0];
  gboolean logs = FALSE;
  double timeout = 0;
  GOptionEntry entries[] = {
    { "logs", 'l', 0, G_OPTION_ARG_NONE, &logs, "With status: include the log lines", NULL },
    { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &timeout, "Give up after SECONDS", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("ENDPOINT REQUEST_ID");
  g_autoptr(GError) error = NULL;
  g_autoptr(FalClient) client = NULL;
  OneShot shot = { 0 };
  int code = FALCTL_EXIT_OK;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  guint deadline = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 3 || timeout < 0)
    {
      fprintf (stderr, "falctl %s: %s\n", command, error ? error->message : "give ENDPOINT and REQUEST_ID");
      return FALCTL_EXIT_USAGE;
    }
  client = falctl_client_new (&error);
  if (client == NULL)
    {
      falctl_print_error (command, error);
      return falctl_exit_code_for (error);
    }

  if (timeout > 0)
    deadline = g_timeout_add_once ((guint) MIN (timeout * 1000, G_MAXUINT),
                                   (GSourceOnceFunc) g_cancellable_cancel, cancellable);
  if (g_str_equal (command, "status"))
    fal_client_status_async (client, argv[1], argv[2], logs, cancellable, status_cb, &shot);
  else if (g_str_equal (command, "result"))
    fal_client_result_async (client, argv[1], argv[2], cancellable, result_cb, &shot);
  else
    fal_client_cancel_async (client, argv[1], argv[2], cancellable, one_cancel_cb, &shot);
  falctl_wait (&shot.done);
  if (g_cancellable_is_cancelled (cancellable) && shot.error)
    {
      g_clear_error (&shot.error);
      shot.error = g_error_new (FAL_ERROR, FAL_ERROR_TIMEOUT, "no answer within %g s", timeout);
    }
  else
    g_clear_handle_id (&deadline, g_source_remove);

  if (shot.error)
    {
      falctl_print_error (command, shot.error);
      code = falctl_exit_code_for (shot.error);
      g_clear_error (&shot.error);
    }
  else if (shot.node)
    falctl_print_json (shot.node, TRUE);
  else if (shot.cancelled)
    fprintf (stderr, "Cancellation requested\n");
  g_clear_pointer (&shot.node, json_node_unref);
  return code;
}
