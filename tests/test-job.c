/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal.h"
#include "client-fixture.h"

/* FalJob, the one run object: a queued request and a stream seen through
 * the same interface, against the local server over real HTTP. */

/* ------------------------------------------------------------------ watching a job */

/* What a job went through, kept on the job itself so late notifications
 * never touch freed memory. */
typedef struct {
  GArray *statuses;          /* FalJobStatus, as notified */
  GHashTable *notified;      /* property name → count */
  guint n_finished;
  guint n_outputs_running;   /* "output" notified while IN_PROGRESS */
  FalJobStatus status_at_finish;
  gboolean output_at_finish;
  gint64 completed_at_finish;
  GThread *thread;           /* where it was made */
  GMainContext *context;     /* the thread default then */
  guint n_elsewhere;         /* notifications on another thread or context */
} Watch;

static void
watch_free (gpointer data)
{
  Watch *watch = data;

  g_array_unref (watch->statuses);
  g_hash_table_unref (watch->notified);
  g_main_context_unref (watch->context);
  g_free (watch);
}

static Watch *
watch_get (FalJob *job)
{
  return g_object_get_data (G_OBJECT (job), "test-watch");
}

static guint
notified (FalJob     *job,
          const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (watch_get (job)->notified, name));
}

static void
notify_cb (FalJob     *job,
           GParamSpec *pspec)
{
  Watch *watch = watch_get (job);
  const char *name = g_param_spec_get_name (pspec);

  if (g_thread_self () != watch->thread || g_main_context_ref_thread_default () != watch->context)
    watch->n_elsewhere++;
  g_main_context_unref (watch->context);
  g_hash_table_insert (watch->notified, (gpointer) name, GUINT_TO_POINTER (notified (job, name) + 1));
  if (g_str_equal (name, "status"))
    {
      FalJobStatus status = fal_job_get_status (job);
      FalJobStatus value = 0;

      /* The property and the getter agree, and it is a real enum. */
      g_object_get (job, "status", &value, NULL);
      g_assert_cmpint (value, ==, status);
      g_array_append_val (watch->statuses, status);
    }
  else if (g_str_equal (name, "output") && fal_job_get_status (job) == FAL_JOB_IN_PROGRESS)
    watch->n_outputs_running++;
}

static void
finished_cb (FalJob *job)
{
  Watch *watch = watch_get (job);

  watch->n_finished++;
  watch->status_at_finish = fal_job_get_status (job);
  watch->output_at_finish = fal_job_get_output (job) != NULL;
  watch->completed_at_finish = fal_job_get_completed_at (job);
}

static FalJob *
watch (gpointer job)
{
  Watch *w = g_new0 (Watch, 1);

  g_assert_true (FAL_IS_JOB (job));
  w->statuses = g_array_new (FALSE, FALSE, sizeof (FalJobStatus));
  w->notified = g_hash_table_new (g_str_hash, g_str_equal);
  w->thread = g_thread_self ();
  w->context = g_main_context_ref_thread_default ();
  g_object_set_data_full (G_OBJECT (job), "test-watch", w, watch_free);
  g_signal_connect (job, "notify", G_CALLBACK (notify_cb), NULL);
  g_signal_connect (job, "finished", G_CALLBACK (finished_cb), NULL);
  return job;
}

static gboolean
job_done (gpointer data)
{
  return fal_job_is_done (data);
}

static void
wait_job (FalJob *job)
{
  g_assert_true (wait_for (job_done, job, DEADLINE_MS));
}

static gboolean
job_running (gpointer data)
{
  return fal_job_get_status (data) >= FAL_JOB_IN_PROGRESS;
}

static gboolean
job_has_id (gpointer data)
{
  return fal_job_get_request_id (data) != NULL || fal_job_is_done (data);
}

static void
assert_statuses (FalJob *job,
                 ...)
{
  GArray *statuses = watch_get (job)->statuses;
  g_autoptr(GString) seen = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  va_list args;
  int status;

  va_start (args, job);
  while ((status = va_arg (args, int)) >= 0)
    g_string_append_printf (expected, "%s ", fal_job_status_to_string (status));
  va_end (args);
  for (guint i = 0; i < statuses->len; i++)
    g_string_append_printf (seen, "%s ", fal_job_status_to_string (g_array_index (statuses, FalJobStatus, i)));
  g_assert_cmpstr (seen->str, ==, expected->str);
}

/* Done once, final when it said so, times in order. */
static void
assert_finished (FalJob       *job,
                 FalJobStatus  status,
                 gint64        made_at)
{
  Watch *w = watch_get (job);
  gint64 now = g_get_real_time ();

  g_assert_true (fal_job_is_done (job));
  g_assert_true (fal_job_status_is_done (fal_job_get_status (job)));
  g_assert_cmpint (fal_job_get_status (job), ==, status);
  g_assert_cmpuint (w->n_finished, ==, 1);
  g_assert_cmpint (w->status_at_finish, ==, status);
  g_assert_cmpint (w->completed_at_finish, ==, fal_job_get_completed_at (job));
  g_assert_cmpuint (w->n_elsewhere, ==, 0);
  /* The error says which end it was. */
  if (status == FAL_JOB_COMPLETED)
    g_assert_no_error ((GError *) fal_job_get_error (job));
  else if (status == FAL_JOB_CANCELLED)
    g_assert_error ((GError *) fal_job_get_error (job), FAL_ERROR, FAL_ERROR_CANCELLED);
  else
    {
      g_assert_nonnull (fal_job_get_error (job));
      g_assert_false (g_error_matches (fal_job_get_error (job), FAL_ERROR, FAL_ERROR_CANCELLED));
    }

  if (made_at)
    {
      g_assert_cmpint (fal_job_get_submitted_at (job), >=, made_at);
      g_assert_cmpint (fal_job_get_submitted_at (job), <=, fal_job_get_completed_at (job));
    }
  if (fal_job_get_started (job))
    {
      g_assert_cmpint (fal_job_get_started_at (job), >, 0);
      g_assert_cmpint (fal_job_get_started_at (job), >=, fal_job_get_submitted_at (job));
      g_assert_cmpint (fal_job_get_started_at (job), <=, fal_job_get_completed_at (job));
    }
  else
    g_assert_cmpint (fal_job_get_started_at (job), ==, 0);
  g_assert_cmpint (fal_job_get_completed_at (job), <=, now);
  g_assert_cmpint (fal_job_get_queue_position (job), ==, -1);
  g_assert_false (fal_job_get_connection_lost (job));
  g_assert_cmpuint (notified (job, "completed-at"), ==, 1);
}

static FalJob *
submit (Fx                   *fx,
        const char           *endpoint_id,
        const char           *json,
        const FalCallOptions *options)
{
  g_autoptr(JsonNode) body = input (json);
  g_autoptr(GError) error = NULL;
  FalRequest *request = fal_client_submit (fx->client, endpoint_id, body, options, &error);

  g_assert_no_error (error);
  return watch (request);
}

static FalJob *
stream (Fx                   *fx,
        const char           *endpoint_id,
        const char           *json,
        const FalCallOptions *options)
{
  g_autoptr(JsonNode) body = input (json);
  g_autoptr(GError) error = NULL;
  FalStream *stream = fal_client_stream (fx->client, endpoint_id, body, options, &error);

  g_assert_no_error (error);
  return watch (stream);
}

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} CancelResult;

static void
cancel_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  CancelResult *cancel = data;

  cancel->ok = fal_job_cancel_finish (FAL_JOB (source), result, &cancel->error);
  cancel->done = TRUE;
}

static gboolean
flag_set (gpointer data)
{
  return *(gboolean *) data;
}

static void
cancel_job (FalJob *job)
{
  CancelResult cancel = { 0 };

  fal_job_cancel_async (job, NULL, cancel_done_cb, &cancel);
  g_assert_true (wait_for (flag_set, &cancel.done, DEADLINE_MS));
  g_assert_no_error (cancel.error);
  g_assert_true (cancel.ok);
}

/* ------------------------------------------------------------------ tests */

static void
test_status_strings (void)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (FAL_TYPE_JOB_STATUS);
  g_autoptr(GTypeClass) request_class = NULL;
  g_autoptr(GTypeClass) stream_class = NULL;
  const char *names[] = { "SUBMITTING", "IN_QUEUE", "IN_PROGRESS", "COMPLETED", "FAILED", "CANCELLED" };
  const char *wrong[] = { "", "completed", "COMPLETED ", "UNKNOWN", "in-queue", "DONE" };
  FalJobStatus status;

  g_assert_true (G_TYPE_IS_ENUM (FAL_TYPE_JOB_STATUS));
  g_assert_cmpuint (klass->n_values, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < klass->n_values; i++)
    {
      FalJobStatus value = klass->values[i].value;

      /* Stable names, for storage: each goes there and back. */
      g_assert_cmpstr (fal_job_status_to_string (value), ==, names[value]);
      status = 99;
      g_assert_true (fal_job_status_from_string (names[value], &status));
      g_assert_cmpint (status, ==, value);
      g_assert_true (fal_job_status_is_done (value) == (value >= FAL_JOB_COMPLETED));
      g_assert_nonnull (g_enum_get_value_by_nick (klass, klass->values[i].value_nick));
    }
  for (guint i = 0; i < G_N_ELEMENTS (wrong); i++)
    {
      status = FAL_JOB_IN_QUEUE;
      g_assert_false (fal_job_status_from_string (wrong[i], &status));
      g_assert_cmpint (status, ==, FAL_JOB_IN_QUEUE);
    }
  g_assert_false (fal_job_status_from_string (NULL, &status));
  g_assert_null (fal_job_status_to_string (99));

  /* Both classes are jobs; "finished" is the interface's. */
  request_class = g_type_class_ref (FAL_TYPE_REQUEST);
  stream_class = g_type_class_ref (FAL_TYPE_STREAM);
  g_assert_true (g_type_is_a (FAL_TYPE_REQUEST, FAL_TYPE_JOB));
  g_assert_true (g_type_is_a (FAL_TYPE_STREAM, FAL_TYPE_JOB));
  g_assert_cmpuint (g_signal_lookup ("finished", FAL_TYPE_JOB), !=, 0);
  g_assert_cmpuint (g_signal_lookup ("finished", FAL_TYPE_REQUEST), ==, g_signal_lookup ("finished", FAL_TYPE_JOB));
  g_assert_cmpuint (g_signal_lookup ("finished", FAL_TYPE_STREAM), ==, g_signal_lookup ("finished", FAL_TYPE_JOB));
}

static void
test_queued (void)
{
  g_autoptr(Fx) fx = fx_new (2, 2);
  gint64 made_at = g_get_real_time ();
  g_autoptr(FalJob) job = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a red fox\",\"seed\":7}", NULL);
  g_autoptr(GListModel) logs = NULL;
  g_autoptr(JsonNode) output = NULL;
  g_autofree char *request_id = NULL;
  gboolean is_stream = TRUE;
  JsonArray *images;

  g_assert_cmpint (fal_job_get_status (job), ==, FAL_JOB_SUBMITTING);
  g_assert_null (fal_job_get_request_id (job));
  g_assert_false (fal_job_get_is_stream (job));
  g_assert_cmpstr (fal_job_get_endpoint_id (job), ==, "fal-ai/fast-sdxl");
  g_assert_cmpint (fal_job_get_queue_position (job), ==, -1);
  g_assert_cmpint (fal_job_get_started_at (job), ==, 0);
  g_assert_cmpint (fal_job_get_completed_at (job), ==, 0);
  wait_job (job);

  assert_statuses (job, FAL_JOB_IN_QUEUE, FAL_JOB_IN_PROGRESS, FAL_JOB_COMPLETED, -1);
  assert_finished (job, FAL_JOB_COMPLETED, made_at);
  g_assert_true (watch_get (job)->output_at_finish);
  g_assert_true (fal_job_get_started (job));
  g_assert_cmpint (fal_job_get_started_at (job), >, fal_job_get_submitted_at (job));
  g_assert_cmpint (fal_job_get_completed_at (job), >, fal_job_get_started_at (job));

  /* The queue's face, the same through the job and the request. */
  g_assert_true (g_uuid_string_is_valid (fal_job_get_request_id (job)));
  g_assert_cmpstr (fal_job_get_request_id (job), ==, fal_request_get_request_id (FAL_REQUEST (job)));
  g_assert_true (g_str_has_suffix (fal_job_get_status_url (job), "/status"));
  g_assert_cmpstr (fal_job_get_response_url (job), ==, fal_request_get_response_url (FAL_REQUEST (job)));
  g_assert_true (g_str_has_suffix (fal_job_get_cancel_url (job), "/cancel"));
  g_assert_true (fal_job_get_output (job) == fal_request_get_result (FAL_REQUEST (job)));
  images = json_object_get_array_member (json_node_get_object (fal_job_get_output (job)), "images");
  g_assert_cmpuint (json_array_get_length (images), ==, 1);
  g_assert_true (fal_job_get_logs (job) == fal_request_get_logs (FAL_REQUEST (job)));
  g_assert_cmpuint (g_list_model_get_n_items (fal_job_get_logs (job)), >=, 25);
  g_assert_true (json_object_has_member (fal_job_get_metrics (job), "inference_time"));

  /* Each change was notified, once where it happens once. */
  g_assert_cmpuint (notified (job, "request-id"), ==, 1);
  g_assert_cmpuint (notified (job, "output"), ==, 1);
  g_assert_cmpuint (notified (job, "started"), ==, 1);
  g_assert_cmpuint (notified (job, "started-at"), ==, 1);
  g_assert_cmpuint (notified (job, "metrics"), ==, 1);
  g_assert_cmpuint (notified (job, "status"), ==, 3);
  g_assert_cmpuint (notified (job, "error"), ==, 0);

  /* And as properties. */
  g_object_get (job, "request-id", &request_id, "output", &output, "logs", &logs, "is-stream", &is_stream, NULL);
  g_assert_cmpstr (request_id, ==, fal_job_get_request_id (job));
  g_assert_true (output == fal_job_get_output (job) || json_node_equal (output, fal_job_get_output (job)));
  g_assert_true (logs == fal_job_get_logs (job));
  g_assert_false (is_stream);
}

static void
test_stream (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  gint64 made_at = g_get_real_time ();
  g_autoptr(FalJob) job = stream (fx, "fal-ai/any-llm",
                                  "{\"prompt\":\"a long answer about foxes, dens, rivers and the moon\"}", NULL);
  gboolean lost = TRUE;
  int position = 0;
  JsonObject *last;

  g_assert_cmpint (fal_job_get_status (job), ==, FAL_JOB_SUBMITTING);
  g_assert_true (fal_job_get_is_stream (job));
  g_assert_null (fal_job_get_request_id (job));
  wait_job (job);

  assert_statuses (job, FAL_JOB_IN_PROGRESS, FAL_JOB_COMPLETED, -1);
  assert_finished (job, FAL_JOB_COMPLETED, made_at);
  g_assert_true (fal_job_get_started (job));

  /* Partial outputs while it ran, then the final one. */
  g_assert_cmpuint (watch_get (job)->n_outputs_running, >=, 3);
  g_assert_cmpuint (notified (job, "output"), ==, fal_stream_get_n_events (FAL_STREAM (job)));
  g_assert_true (fal_job_get_output (job) == fal_stream_get_last_event (FAL_STREAM (job)));
  last = json_node_get_object (fal_job_get_output (job));
  g_assert_false (json_object_get_boolean_member (last, "partial"));
  g_assert_nonnull (strstr (json_object_get_string_member (last, "output"), "foxes"));

  /* What a stream has not: a queue, URLs, a log, metrics, lost contact. */
  g_assert_true (g_uuid_string_is_valid (fal_job_get_request_id (job)));
  g_assert_null (fal_job_get_status_url (job));
  g_assert_null (fal_job_get_response_url (job));
  g_assert_null (fal_job_get_cancel_url (job));
  g_assert_null (fal_job_get_metrics (job));
  g_assert_nonnull (fal_job_get_logs (job));
  g_assert_cmpuint (g_list_model_get_n_items (fal_job_get_logs (job)), ==, 0);
  g_object_get (job, "connection-lost", &lost, "queue-position", &position, NULL);
  g_assert_false (lost);
  g_assert_cmpint (position, ==, -1);
}

static void
test_failed (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  const char *fail_500[] = { "x-fal-fault", "fail=500", NULL };
  FalCallOptions options = { .headers = fail_500 };
  gint64 made_at = g_get_real_time ();
  g_autoptr(FalJob) queued = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"b\"}", &options);
  g_autoptr(FalJob) streamed = stream (fx, "fal-ai/any-llm", "{\"prompt\":\"a story\"}", &options);
  const GError *error;

  wait_job (queued);
  wait_job (streamed);

  /* fal ran it and the model failed: FAILED, never COMPLETED. */
  assert_statuses (queued, FAL_JOB_IN_QUEUE, FAL_JOB_IN_PROGRESS, FAL_JOB_FAILED, -1);
  assert_finished (queued, FAL_JOB_FAILED, made_at);
  error = fal_job_get_error (queued);
  g_assert_true (fal_error_is_model_failure (error));
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "runner_server_error");
  g_assert_true (fal_job_get_started (queued));
  g_assert_cmpuint (notified (queued, "error"), ==, 1);
  g_assert_cmpint (fal_request_get_status (FAL_REQUEST (queued)), ==, FAL_REQUEST_COMPLETED);

  /* On a stream the failure is an error event after the partial ones. */
  assert_statuses (streamed, FAL_JOB_IN_PROGRESS, FAL_JOB_FAILED, -1);
  assert_finished (streamed, FAL_JOB_FAILED, made_at);
  g_assert_nonnull (fal_job_get_error (streamed));
  g_assert_cmpuint (notified (streamed, "error"), ==, 1);
}

static void
test_cancel_queued (void)
{
  /* One slow runner: the first job holds it, the second waits. */
  g_autoptr(Fx) fx = fx_new (0.5, 1);
  g_autoptr(FalJob) running = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a\"}", NULL);
  g_autoptr(FalJob) queued = NULL;

  g_assert_true (wait_for (job_running, running, DEADLINE_MS));
  queued = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"b\"}", NULL);
  g_assert_true (wait_for (job_has_id, queued, DEADLINE_MS));
  g_assert_cmpint (fal_job_get_status (queued), ==, FAL_JOB_IN_QUEUE);
  g_assert_cmpint (fal_job_get_queue_position (queued), >=, 0);

  cancel_job (queued);
  wait_job (queued);
  assert_statuses (queued, FAL_JOB_IN_QUEUE, FAL_JOB_CANCELLED, -1);
  assert_finished (queued, FAL_JOB_CANCELLED, 0);
  g_assert_false (fal_job_get_started (queued));
  g_assert_null (fal_job_get_output (queued));
  g_assert_false (fal_job_is_done (running));
  fal_request_stop (FAL_REQUEST (running));
}

static void
test_cancel_running (void)
{
  g_autoptr(Fx) fx = fx_new (0.5, 1);
  g_autoptr(FalJob) job = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a\"}", NULL);

  g_assert_true (wait_for (job_running, job, DEADLINE_MS));
  g_assert_cmpint (fal_job_get_status (job), ==, FAL_JOB_IN_PROGRESS);
  cancel_job (job);
  wait_job (job);
  assert_statuses (job, FAL_JOB_IN_QUEUE, FAL_JOB_IN_PROGRESS, FAL_JOB_CANCELLED, -1);
  assert_finished (job, FAL_JOB_CANCELLED, 0);
  g_assert_true (fal_job_get_started (job));
  g_assert_null (fal_job_get_output (job));

  /* Cancelling a done job is too late, and changes nothing. */
  cancel_job (job);
  g_assert_cmpint (fal_job_get_status (job), ==, FAL_JOB_CANCELLED);
  g_assert_cmpuint (watch_get (job)->n_finished, ==, 1);
}

static gboolean
has_output (gpointer data)
{
  return fal_job_get_output (data) != NULL || fal_job_is_done (data);
}

static void
test_cancel_stream (void)
{
  /* Slow, so the answer is far from over after its first event. */
  g_autoptr(Fx) fx = fx_new (0.25, 1);
  g_autoptr(FalJob) job = stream (fx, "fal-ai/any-llm",
                                  "{\"prompt\":\"a long answer about foxes, dens, rivers and the moon\"}", NULL);
  g_autoptr(JsonNode) partial = NULL;

  g_assert_true (wait_for (has_output, job, DEADLINE_MS));
  g_assert_cmpint (fal_job_get_status (job), ==, FAL_JOB_IN_PROGRESS);
  partial = json_node_ref (fal_job_get_output (job));
  g_assert_true (json_object_get_boolean_member (json_node_get_object (partial), "partial"));

  cancel_job (job);
  /* Done at once: a stream's cancel is ours alone. */
  g_assert_true (fal_job_is_done (job));
  assert_statuses (job, FAL_JOB_IN_PROGRESS, FAL_JOB_CANCELLED, -1);
  assert_finished (job, FAL_JOB_CANCELLED, 0);
  /* The last partial output stays. */
  g_assert_true (fal_job_get_output (job) == partial);
  /* No event comes after the end. */
  fal_test_wait_ms (500);
  g_assert_true (fal_job_get_output (job) == partial);
  g_assert_cmpuint (watch_get (job)->n_finished, ==, 1);
}

typedef struct {
  Fx *fx;
  const char *status_path;
} RawStatus;

static gboolean
raw_in_progress (gpointer data)
{
  RawStatus *raw = data;
  g_autoptr(JsonNode) node = fx_http (raw->fx, "GET", raw->status_path, NULL, NULL);

  return g_strcmp0 (json_object_get_string_member (json_node_get_object (node), "status"), "IN_PROGRESS") == 0;
}

static void
test_attach_running (void)
{
  g_autoptr(Fx) fx = fx_new (1, 2);
  guint status = 0;
  g_autoptr(JsonNode) answer = fx_http (fx, "POST", "/queue/fal-ai/fast-sdxl", "{\"prompt\":\"elsewhere\"}", &status);
  const char *request_id;
  g_autofree char *status_path = NULL;
  g_autoptr(FalJob) job = NULL;
  g_autoptr(GError) error = NULL;
  RawStatus raw = { fx, NULL };
  gint64 attached_at, earlier;

  /* Submitted by an earlier run of the app (raw HTTP here), attached by
   * id while it runs. */
  g_assert_cmpuint (status, ==, 200);
  request_id = json_object_get_string_member (json_node_get_object (answer), "request_id");
  status_path = g_strdup_printf ("/queue/fal-ai/fast-sdxl/requests/%s/status", request_id);
  raw.status_path = status_path;
  g_assert_true (wait_for (raw_in_progress, &raw, DEADLINE_MS));

  attached_at = g_get_real_time ();
  job = watch (fal_client_attach (fx->client, "fal-ai/fast-sdxl", request_id, &error));
  g_assert_no_error (error);
  /* Known to be submitted, not when. */
  g_assert_cmpint (fal_job_get_status (job), ==, FAL_JOB_IN_QUEUE);
  g_assert_cmpstr (fal_job_get_request_id (job), ==, request_id);
  g_assert_cmpint (fal_job_get_submitted_at (job), ==, 0);
  g_assert_true (wait_for (job_running, job, DEADLINE_MS));
  g_assert_cmpint (fal_job_get_started_at (job), >=, attached_at);

  /* What a run store kept wins: earlier times, notified. */
  earlier = attached_at - 60 * G_USEC_PER_SEC;
  fal_request_restore_times (FAL_REQUEST (job), earlier - G_USEC_PER_SEC, earlier);
  g_assert_cmpint (fal_job_get_submitted_at (job), ==, earlier - G_USEC_PER_SEC);
  g_assert_cmpint (fal_job_get_started_at (job), ==, earlier);
  g_assert_cmpuint (notified (job, "submitted-at"), ==, 1);

  wait_job (job);
  assert_statuses (job, FAL_JOB_IN_PROGRESS, FAL_JOB_COMPLETED, -1);
  assert_finished (job, FAL_JOB_COMPLETED, 0);
  g_assert_nonnull (fal_job_get_output (job));
  g_assert_cmpuint (g_list_model_get_n_items (fal_job_get_logs (job)), >=, 25);
}

static void
test_attach_completed (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalJob) first = submit (fx, "fal-ai/fast-sdxl", "{\"prompt\":\"a fox\",\"seed\":3}", NULL);
  g_autoptr(FalJob) again = NULL;
  g_autoptr(FalJob) unknown = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *described = NULL;

  wait_job (first);
  g_assert_cmpint (fal_job_get_status (first), ==, FAL_JOB_COMPLETED);

  /* After a restart: done at fal, so COMPLETED with its result. */
  again = watch (fal_client_attach (fx->client, "fal-ai/fast-sdxl", fal_job_get_request_id (first), &error));
  g_assert_no_error (error);
  wait_job (again);
  assert_statuses (again, FAL_JOB_COMPLETED, -1);
  assert_finished (again, FAL_JOB_COMPLETED, 0);
  g_assert_cmpint (fal_job_get_submitted_at (again), ==, 0);
  g_assert_true (json_node_equal (fal_job_get_output (again), fal_job_get_output (first)));
  g_assert_true (fal_job_get_started (again));
  g_assert_nonnull (fal_job_get_metrics (again));

  /* One fal no longer knows: FAILED, not found, in words. */
  unknown = watch (fal_client_attach (fx->client, "fal-ai/fast-sdxl", "6c1b1d2e-8a31-4d7e-9b57-0f3a6f0f9e11", &error));
  g_assert_no_error (error);
  wait_job (unknown);
  assert_statuses (unknown, FAL_JOB_FAILED, -1);
  assert_finished (unknown, FAL_JOB_FAILED, 0);
  g_assert_error ((GError *) fal_job_get_error (unknown), FAL_ERROR, FAL_ERROR_NOT_FOUND);
  described = fal_error_describe (fal_job_get_error (unknown));
  g_test_message ("%s", described);
  g_assert_nonnull (strstr (described, "fal has no request with this id"));
  g_assert_null (fal_job_get_output (unknown));
  g_assert_false (fal_job_get_started (unknown));
}

/* ------------------------------------------------------------------ main context */

typedef struct {
  char *url;
  GMainContext *context;
  GThread *thread;
  FalJobStatus queued_status;
  FalJobStatus stream_status;
  guint queued_elsewhere;
  guint stream_elsewhere;
  guint queued_notified;
  guint stream_notified;
} ThreadRun;

static gboolean
both_done (gpointer data)
{
  FalJob **jobs = data;

  return fal_job_is_done (jobs[0]) && fal_job_is_done (jobs[1]);
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* wait_for() runs the global default context: this runs the thread's. */
static gboolean
run_context_until (GMainContext     *context,
                   FalTestCondition  condition,
                   gpointer          data)
{
  gint64 deadline = g_get_monotonic_time () + DEADLINE_MS * (gint64) 1000;
  g_autoptr(GSource) tick = g_timeout_source_new (20);

  g_source_set_callback (tick, tick_cb, NULL, NULL);
  g_source_attach (tick, context);
  while (!condition (data) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (tick);
  return condition (data);
}

/* A job made on a thread with a context of its own: every notification
 * and "finished" come there, while the main context stands still. */
static gpointer
thread_run (gpointer data)
{
  ThreadRun *run = data;
  g_autoptr(FalClient) client = NULL;
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"a heron\"}");
  FalJob *jobs[2];
  gint64 until = g_get_monotonic_time () + 200 * 1000;

  run->context = g_main_context_new ();
  run->thread = g_thread_self ();
  g_main_context_push_thread_default (run->context);

  client = fal_client_new ();
  fal_client_use_local_server (client, run->url);
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  fal_client_set_poll_interval (client, 50);
  jobs[0] = watch (fal_client_submit (client, "fal-ai/fast-sdxl", body, NULL, NULL));
  jobs[1] = watch (fal_client_stream (client, "fal-ai/any-llm", body, NULL, NULL));
  g_assert_true (run_context_until (run->context, both_done, jobs));

  run->queued_status = fal_job_get_status (jobs[0]);
  run->stream_status = fal_job_get_status (jobs[1]);
  run->queued_elsewhere = watch_get (jobs[0])->n_elsewhere;
  run->stream_elsewhere = watch_get (jobs[1])->n_elsewhere;
  run->queued_notified = g_hash_table_size (watch_get (jobs[0])->notified);
  run->stream_notified = g_hash_table_size (watch_get (jobs[1])->notified);
  g_assert_cmpuint (watch_get (jobs[0])->n_finished, ==, 1);
  g_assert_cmpuint (watch_get (jobs[1])->n_finished, ==, 1);
  g_object_unref (jobs[0]);
  g_object_unref (jobs[1]);
  g_clear_object (&client);
  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (run->context, FALSE))
      g_usleep (5000);

  g_main_context_pop_thread_default (run->context);
  return NULL;
}

static void
test_main_context (void)
{
  g_autoptr(Fx) fx = fx_new (4, 2);
  ThreadRun run = { .url = fx->ts->url };
  GThread *thread = g_thread_new ("test-job", thread_run, &run);

  /* The main context is not run meanwhile: anything sent there would
   * never come, and the thread's jobs would hang. */
  g_thread_join (thread);
  g_assert_cmpint (run.queued_status, ==, FAL_JOB_COMPLETED);
  g_assert_cmpint (run.stream_status, ==, FAL_JOB_COMPLETED);
  g_assert_cmpuint (run.queued_notified, >=, 5);
  g_assert_cmpuint (run.stream_notified, >=, 4);
  g_assert_cmpuint (run.queued_elsewhere, ==, 0);
  g_assert_cmpuint (run.stream_elsewhere, ==, 0);
  g_main_context_unref (run.context);
}

int
main (int   argc,
      char *argv[])
{
  /* Only what each test sets may steer the client. */
  const char *env[] = { "FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "FALSTAFF_QUEUE_URL",
                        "FALSTAFF_RUN_URL", "FALSTAFF_REST_URL", "FALSTAFF_WEB_URL",
                        "FALSTAFF_PROXY_URL", "FALSTAFF_LOCAL_URL" };

  for (guint i = 0; i < G_N_ELEMENTS (env); i++)
    g_unsetenv (env[i]);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/job/status-strings", test_status_strings);
  g_test_add_func ("/fal/job/queued", test_queued);
  g_test_add_func ("/fal/job/stream", test_stream);
  g_test_add_func ("/fal/job/failed", test_failed);
  g_test_add_func ("/fal/job/cancel/queued", test_cancel_queued);
  g_test_add_func ("/fal/job/cancel/running", test_cancel_running);
  g_test_add_func ("/fal/job/cancel/stream", test_cancel_stream);
  g_test_add_func ("/fal/job/attach/running", test_attach_running);
  g_test_add_func ("/fal/job/attach/completed", test_attach_completed);
  g_test_add_func ("/fal/job/main-context", test_main_context);

  return g_test_run ();
}
