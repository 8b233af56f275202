/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include "fal-local-job.h"

#include <string.h>

struct _FalLocalJob
{
  GObject parent_instance;

  char *id;
  char *endpoint_id;
  char *app_id;
  JsonNode *input;
  FalLocalJobMode mode;
  FalLocalJobPriority priority;
  FalLocalJobState state;
  guint queue_position;
  gint64 queued_at;
  gint64 started_at;
  gint64 completed_at;
  gint64 start_deadline;
  gint64 file_lifetime;

  GPtrArray *logs;

  JsonNode *output;
  JsonNode *result;
  guint result_status;
  char *error;
  char *error_type;

  gboolean fixed_clock;
  guint sequence;
  guint nominal_run_ms;

  gboolean cancel_requested;
  guint log_flood;
  guint planned_failure;
  char *planned_error_type;
};

G_DEFINE_FINAL_TYPE (FalLocalJob, fal_local_job, G_TYPE_OBJECT)

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* A JSON string, as json-glib would write it (the text is UTF-8). */
static void
append_json_string (GString    *out,
                    const char *text)
{
  g_string_append_c (out, '"');
  for (const char *p = text; *p; p++)
    {
      guchar c = (guchar) *p;

      switch (c)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (c < 0x20)
            g_string_append_printf (out, "\\u%04x", c);
          else
            g_string_append_c (out, (char) c);
        }
    }
  g_string_append_c (out, '"');
}

char *
fal_local_timestamp_now (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *seconds = g_date_time_format (now, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", seconds, g_date_time_get_microsecond (now) / 1000);
}

static void
fal_local_job_finalize (GObject *object)
{
  FalLocalJob *self = (FalLocalJob *)object;

  g_free (self->id);
  g_free (self->endpoint_id);
  g_free (self->app_id);
  g_clear_pointer (&self->input, json_node_unref);
  g_clear_pointer (&self->logs, g_ptr_array_unref);
  g_clear_pointer (&self->output, json_node_unref);
  g_clear_pointer (&self->result, json_node_unref);
  g_free (self->error);
  g_free (self->error_type);
  g_free (self->planned_error_type);

  G_OBJECT_CLASS (fal_local_job_parent_class)->finalize (object);
}

static void
fal_local_job_class_init (FalLocalJobClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = fal_local_job_finalize;

  /* Emitted whenever a status reader would see something new: state,
   * queue position or log lines. */
  signals[CHANGED] = g_signal_new ("changed",
                                   G_TYPE_FROM_CLASS (klass),
                                   G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL,
                                   G_TYPE_NONE, 0);
}

static void
fal_local_job_init (FalLocalJob *self)
{
  self->logs = g_ptr_array_new_with_free_func (g_free);
}

FalLocalJob *
fal_local_job_new (const char          *endpoint_id,
                   const char          *app_id,
                   JsonNode            *input,
                   FalLocalJobMode      mode,
                   FalLocalJobPriority  priority)
{
  FalLocalJob *self = g_object_new (FAL_LOCAL_TYPE_JOB, NULL);

  self->id = g_uuid_string_random ();
  self->endpoint_id = g_strdup (endpoint_id);
  self->app_id = g_strdup (app_id);
  self->input = input ? json_node_ref (input) : NULL;
  self->mode = mode;
  self->priority = priority;
  self->state = FAL_LOCAL_JOB_QUEUED;
  self->queued_at = g_get_monotonic_time ();

  return self;
}

const char *fal_local_job_get_id (FalLocalJob *self) { return self->id; }
const char *fal_local_job_get_endpoint_id (FalLocalJob *self) { return self->endpoint_id; }
const char *fal_local_job_get_app_id (FalLocalJob *self) { return self->app_id; }
JsonNode *fal_local_job_get_input (FalLocalJob *self) { return self->input; }
FalLocalJobMode fal_local_job_get_mode (FalLocalJob *self) { return self->mode; }
FalLocalJobPriority fal_local_job_get_priority (FalLocalJob *self) { return self->priority; }
FalLocalJobState fal_local_job_get_state (FalLocalJob *self) { return self->state; }
guint fal_local_job_get_queue_position (FalLocalJob *self) { return self->queue_position; }
gboolean fal_local_job_get_failed (FalLocalJob *self) { return self->result_status != 200; }
guint fal_local_job_get_result_status (FalLocalJob *self) { return self->result_status; }
JsonNode *fal_local_job_get_result (FalLocalJob *self) { return self->result; }
const char *fal_local_job_get_error (FalLocalJob *self) { return self->error; }
const char *fal_local_job_get_error_type (FalLocalJob *self) { return self->error_type; }
gboolean fal_local_job_get_cancel_requested (FalLocalJob *self) { return self->cancel_requested; }
guint fal_local_job_get_log_flood (FalLocalJob *self) { return self->log_flood; }
void fal_local_job_set_log_flood (FalLocalJob *self, guint n_lines) { self->log_flood = n_lines; }
gint64 fal_local_job_get_start_deadline (FalLocalJob *self) { return self->start_deadline; }
void fal_local_job_set_start_deadline (FalLocalJob *self, gint64 deadline) { self->start_deadline = deadline; }
gint64 fal_local_job_get_file_lifetime (FalLocalJob *self) { return self->file_lifetime; }
void fal_local_job_set_file_lifetime (FalLocalJob *self, gint64 lifetime) { self->file_lifetime = lifetime; }

void
fal_local_job_set_planned_failure (FalLocalJob *self,
                                   guint        http_status,
                                   const char  *error_type)
{
  self->planned_failure = http_status;
  g_free (self->planned_error_type);
  self->planned_error_type = g_strdup (error_type);
}

guint
fal_local_job_get_planned_failure (FalLocalJob  *self,
                                   const char  **error_type)
{
  if (error_type)
    *error_type = self->planned_error_type;
  return self->planned_failure;
}

void
fal_local_job_set_state (FalLocalJob      *self,
                         FalLocalJobState  state)
{
  g_return_if_fail (FAL_LOCAL_IS_JOB (self));

  if (self->state == state)
    return;

  self->state = state;
  if (state == FAL_LOCAL_JOB_RUNNING)
    self->started_at = g_get_monotonic_time ();
  else if (state == FAL_LOCAL_JOB_COMPLETED)
    self->completed_at = g_get_monotonic_time ();

  g_signal_emit (self, signals[CHANGED], 0);
}

void
fal_local_job_set_queue_position (FalLocalJob *self,
                                  guint        position)
{
  if (self->queue_position == position)
    return;

  self->queue_position = position;
  if (self->state == FAL_LOCAL_JOB_QUEUED)
    g_signal_emit (self, signals[CHANGED], 0);
}

void
fal_local_job_set_fixed_clock (FalLocalJob *self,
                               guint        sequence,
                               guint        nominal_run_ms)
{
  self->fixed_clock = TRUE;
  self->sequence = sequence;
  self->nominal_run_ms = nominal_run_ms;
  g_free (self->id);
  self->id = g_strdup_printf ("00000000-0000-4000-8000-%012u", sequence);
}

/* 2026-01-01T12:00:00Z, a minute per job, 100 ms per log line. */
static char *
fixed_timestamp (FalLocalJob *self,
                 guint        line)
{
  g_autoptr(GDateTime) day = g_date_time_new_utc (2026, 1, 1, 12, 0, 0);
  g_autoptr(GDateTime) at = g_date_time_add (day, ((gint64) self->sequence * 60 * 1000 + line * 100) * 1000);
  g_autofree char *seconds = g_date_time_format (at, "%Y-%m-%dT%H:%M:%S");

  return g_strdup_printf ("%s.%03dZ", seconds, g_date_time_get_microsecond (at) / 1000);
}

void
fal_local_job_add_log (FalLocalJob *self,
                       const char  *level,
                       const char  *message)
{
  g_autofree char *timestamp = NULL;
  g_autofree char *valid = NULL;
  GString *entry;

  g_return_if_fail (FAL_LOCAL_IS_JOB (self));

  timestamp = self->fixed_clock ? fixed_timestamp (self, self->logs->len) : fal_local_timestamp_now ();
  if (!g_utf8_validate (message, -1, NULL))
    message = valid = g_utf8_make_valid (message, -1);
  /* Kept as the entry's JSON text, made once: a poll's answer holds the
   * whole log, and building it as a tree on every poll cost the server
   * more than anything else it does for a big log. */
  entry = g_string_sized_new (64 + strlen (message));
  g_string_append (entry, "{\"message\":");
  append_json_string (entry, message);
  g_string_append (entry, ",\"level\":");
  append_json_string (entry, level ? level : "INFO");
  g_string_append (entry, ",\"source\":\"USER\",\"timestamp\":");
  append_json_string (entry, timestamp);
  g_string_append_c (entry, '}');
  g_ptr_array_add (self->logs, g_string_free (entry, FALSE));

  g_signal_emit (self, signals[CHANGED], 0);
}

guint
fal_local_job_get_n_logs (FalLocalJob *self)
{
  return self->logs->len;
}

void
fal_local_job_complete (FalLocalJob *self,
                        JsonNode    *result)
{
  g_return_if_fail (FAL_LOCAL_IS_JOB (self));
  g_return_if_fail (self->state != FAL_LOCAL_JOB_COMPLETED);

  self->result = json_node_ref (result);
  self->result_status = 200;
  fal_local_job_set_state (self, FAL_LOCAL_JOB_COMPLETED);
}

void
fal_local_job_fail (FalLocalJob *self,
                    guint        http_status,
                    JsonNode    *body,
                    const char  *error,
                    const char  *error_type)
{
  g_return_if_fail (FAL_LOCAL_IS_JOB (self));
  g_return_if_fail (self->state != FAL_LOCAL_JOB_COMPLETED);

  self->result = json_node_ref (body);
  self->result_status = http_status;
  self->error = g_strdup (error);
  self->error_type = g_strdup (error_type);
  fal_local_job_set_state (self, FAL_LOCAL_JOB_COMPLETED);
}

JsonNode *
fal_local_job_get_output (FalLocalJob *self)
{
  return self->output;
}

void
fal_local_job_set_output (FalLocalJob *self,
                          JsonNode    *output)
{
  g_clear_pointer (&self->output, json_node_unref);
  self->output = output ? json_node_ref (output) : NULL;
  g_signal_emit (self, signals[CHANGED], 0);
}

void
fal_local_job_request_cancel (FalLocalJob *self)
{
  self->cancel_requested = TRUE;
}

void
fal_local_job_append_logs_json (FalLocalJob *self,
                                GString     *out,
                                guint        from_log,
                                guint        to_log)
{
  g_return_if_fail (FAL_LOCAL_IS_JOB (self));
  g_return_if_fail (from_log <= to_log && to_log <= self->logs->len);

  g_string_append_c (out, '[');
  for (guint i = from_log; i < to_log; i++)
    {
      if (i > from_log)
        g_string_append_c (out, ',');
      g_string_append (out, g_ptr_array_index (self->logs, i));
    }
  g_string_append_c (out, ']');
}

JsonObject *
fal_local_job_status_object (FalLocalJob *self,
                             int          from_log,
                             guint        max_lines,
                             guint       *to_log_out)
{
  JsonObject *object = json_object_new ();
  FalLocalJobState state = self->state;
  guint to_log = self->logs->len;

  if (from_log >= 0 && max_lines > 0 && state != FAL_LOCAL_JOB_QUEUED &&
      self->logs->len > (guint) from_log + max_lines)
    {
      to_log = from_log + max_lines;
      state = FAL_LOCAL_JOB_RUNNING;
    }

  switch (state)
    {
    case FAL_LOCAL_JOB_QUEUED:
      json_object_set_string_member (object, "status", "IN_QUEUE");
      json_object_set_int_member (object, "queue_position", self->queue_position);
      break;
    case FAL_LOCAL_JOB_RUNNING:
      json_object_set_string_member (object, "status", "IN_PROGRESS");
      break;
    case FAL_LOCAL_JOB_COMPLETED:
      json_object_set_string_member (object, "status", "COMPLETED");
      break;
    default:
      g_assert_not_reached ();
    }

  /* With lines, "logs" is the caller's to write from the kept texts
   * (fal_local_job_append_logs_json()). */
  if (state != FAL_LOCAL_JOB_QUEUED && from_log < 0)
    json_object_set_null_member (object, "logs");
  if (to_log_out)
    *to_log_out = from_log < 0 || state == FAL_LOCAL_JOB_QUEUED ? (guint) MAX (from_log, 0) : to_log;

  if (state == FAL_LOCAL_JOB_COMPLETED)
    {
      JsonObject *metrics = json_object_new ();

      /* A job that never ran has no inference time, fixed clock or not. */
      if (self->started_at > 0 && self->fixed_clock)
        json_object_set_double_member (metrics, "inference_time", self->nominal_run_ms / 1000.0);
      else if (self->started_at > 0)
        json_object_set_double_member (metrics, "inference_time",
                                       (self->completed_at - self->started_at) / (double) G_USEC_PER_SEC);
      json_object_set_object_member (object, "metrics", metrics);
      if (self->error)
        {
          json_object_set_string_member (object, "error", self->error);
          json_object_set_string_member (object, "error_type", self->error_type);
        }
    }

  json_object_set_string_member (object, "request_id", self->id);

  return object;
}
