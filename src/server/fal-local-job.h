/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum {
  FAL_LOCAL_JOB_QUEUED,
  FAL_LOCAL_JOB_RUNNING,
  FAL_LOCAL_JOB_COMPLETED,
} FalLocalJobState;

typedef enum {
  FAL_LOCAL_JOB_PRIORITY_NORMAL,
  FAL_LOCAL_JOB_PRIORITY_LOW,
} FalLocalJobPriority;

/* How the caller waits for the job: the queue API, a synchronous run, or
 * a /stream run. Only queue jobs are reachable by id afterwards. */
typedef enum {
  FAL_LOCAL_JOB_MODE_QUEUE,
  FAL_LOCAL_JOB_MODE_RUN,
  FAL_LOCAL_JOB_MODE_STREAM,
} FalLocalJobMode;

#define FAL_LOCAL_TYPE_JOB (fal_local_job_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalJob, fal_local_job, FAL_LOCAL, JOB, GObject)

FalLocalJob        *fal_local_job_new               (const char          *endpoint_id,
                                                     const char          *app_id,
                                                     JsonNode            *input,
                                                     FalLocalJobMode      mode,
                                                     FalLocalJobPriority  priority);
const char         *fal_local_job_get_id            (FalLocalJob *self);
const char         *fal_local_job_get_endpoint_id   (FalLocalJob *self);
const char         *fal_local_job_get_app_id        (FalLocalJob *self);
JsonNode           *fal_local_job_get_input         (FalLocalJob *self);
FalLocalJobMode     fal_local_job_get_mode          (FalLocalJob *self);
FalLocalJobPriority fal_local_job_get_priority      (FalLocalJob *self);
FalLocalJobState    fal_local_job_get_state         (FalLocalJob *self);
void                fal_local_job_set_state         (FalLocalJob      *self,
                                                     FalLocalJobState  state);
guint               fal_local_job_get_queue_position (FalLocalJob *self);
void                fal_local_job_set_queue_position (FalLocalJob *self,
                                                      guint        position);

void                fal_local_job_add_log           (FalLocalJob *self,
                                                     const char  *level,
                                                     const char  *message);
guint               fal_local_job_get_n_logs        (FalLocalJob *self);

void                fal_local_job_complete          (FalLocalJob *self,
                                                     JsonNode    *result);
void                fal_local_job_fail              (FalLocalJob *self,
                                                     guint        http_status,
                                                     JsonNode    *body,
                                                     const char  *error,
                                                     const char  *error_type);
gboolean            fal_local_job_get_failed        (FalLocalJob *self);
guint               fal_local_job_get_result_status (FalLocalJob *self);
JsonNode           *fal_local_job_get_result        (FalLocalJob *self);
const char         *fal_local_job_get_error         (FalLocalJob *self);
const char         *fal_local_job_get_error_type    (FalLocalJob *self);

/* The computed output while the run still goes on (for /stream). */
JsonNode           *fal_local_job_get_output        (FalLocalJob *self);
void                fal_local_job_set_output        (FalLocalJob *self,
                                                     JsonNode    *output);

void                fal_local_job_request_cancel    (FalLocalJob *self);
gboolean            fal_local_job_get_cancel_requested (FalLocalJob *self);

/* Job-level fault knobs, taken from the submit's fault. */
guint               fal_local_job_get_log_flood     (FalLocalJob *self);
void                fal_local_job_set_log_flood     (FalLocalJob *self,
                                                     guint        n_lines);
void                fal_local_job_set_planned_failure (FalLocalJob *self,
                                                       guint        http_status,
                                                       const char  *error_type);
guint               fal_local_job_get_planned_failure (FalLocalJob  *self,
                                                       const char  **error_type);

/* Start deadline (x-fal-request-timeout), monotonic µs; 0 = none. */
gint64              fal_local_job_get_start_deadline (FalLocalJob *self);
void                fal_local_job_set_start_deadline (FalLocalJob *self,
                                                      gint64       deadline);

/* How long the files the job makes are kept (x-fal-object-lifecycle-
 * preference, already scaled by the speed), µs; 0 = forever. */
gint64              fal_local_job_get_file_lifetime (FalLocalJob *self);
void                fal_local_job_set_file_lifetime (FalLocalJob *self,
                                                     gint64       lifetime);

/* The status object of §3.2 without the URL fields, which the server
 * adds since it knows its base. from_log: the first log line to give, or
 * -1 for "logs": null. With lines, "logs" is left out: the caller writes
 * it from to_log_out's end with fal_local_job_append_logs_json(), unless
 * the job is queued (no "logs" at all). max_lines > 0 caps the lines: a
 * running or finished job with more left than that is described as it
 * was while they were logged (IN_PROGRESS, no metrics), so that a status
 * stream can send a long log in parts before its last event. */
JsonObject         *fal_local_job_status_object     (FalLocalJob *self,
                                                     int          from_log,
                                                     guint        max_lines,
                                                     guint       *to_log_out);
/* "[…]": log lines from_log to to_log (excluded), each an entry's JSON
 * text made when it was logged. */
void                fal_local_job_append_logs_json  (FalLocalJob *self,
                                                     GString     *out,
                                                     guint        from_log,
                                                     guint        to_log);

/* For screenshots and demos that must look the same every time: the id
 * from a sequence number, log times from a fixed day, and the inference
 * time the timeline's nominal run time. */
void                fal_local_job_set_fixed_clock   (FalLocalJob *self,
                                                     guint        sequence,
                                                     guint        nominal_run_ms);

char               *fal_local_timestamp_now         (void);

G_END_DECLS
