/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include "fal-local-endpoints.h"
#include "fal-local-queue.h"
#include "fal-local-sources.h"

#define FLOOD_BATCHES 20

typedef struct _EndpointQueue EndpointQueue;

/* A job on a runner: its timeline and its output computation. */
typedef struct {
  FalLocalQueue *queue;
  EndpointQueue *endpoint_queue;
  FalLocalJob *job;
  const FalLocalEndpoint *endpoint;
  GPtrArray *plan;
  guint next_log;
  guint flood_done;
  gint64 started;
  guint run_ms;
  guint timer;
  GCancellable *cancellable;
  gboolean compute_done;
  gboolean compute_in_flight;
  gboolean orphaned;         /* released while its computation still runs */
  JsonNode *outcome;
  guint outcome_status;
  char *outcome_error_type;
  char *outcome_error;
} Run;

struct _EndpointQueue {
  FalLocalQueue *queue;
  const FalLocalEndpoint *endpoint;
  GQueue pending;            /* FalLocalJob, normal priority before low */
  GPtrArray *running;        /* Run */
  guint dispatch_timer;
};

struct _FalLocalQueue
{
  GObject parent_instance;

  FalLocalStorage *storage;
  char *base_url;
  char *local_url;
  gsize inline_limit;
  guint runners;
  double speed;
  GHashTable *endpoint_queues;   /* endpoint id → EndpointQueue */
  GHashTable *jobs;              /* request id → FalLocalJob */
  GQueue kept;                   /* the same jobs, oldest first (borrowed) */
  guint max_kept;
  GHashTable *deadline_timers;   /* FalLocalJob → source id */
};

G_DEFINE_FINAL_TYPE (FalLocalQueue, fal_local_queue, G_TYPE_OBJECT)

static void maybe_dispatch (EndpointQueue *eq);
static void run_schedule (Run *run);

guint
fal_local_queue_scale (FalLocalQueue *self,
                       guint          ms)
{
  return (guint) (ms / self->speed);
}

static void
update_positions (EndpointQueue *eq)
{
  guint position = 0;

  for (GList *l = eq->pending.head; l; l = l->next)
    fal_local_job_set_queue_position (l->data, position++);
}

static void
run_free (Run *run)
{
  fal_local_clear_source (&run->timer);
  g_clear_object (&run->cancellable);
  g_clear_object (&run->job);
  g_clear_pointer (&run->plan, g_ptr_array_unref);
  g_clear_pointer (&run->outcome, json_node_unref);
  g_free (run->outcome_error_type);
  g_free (run->outcome_error);
  g_free (run);
}

/* A run's computation may outlive it (cancel, shutdown): the callback
 * then frees it. */
static void
run_release (Run *run)
{
  fal_local_clear_source (&run->timer);
  if (run->compute_in_flight)
    {
      g_cancellable_cancel (run->cancellable);
      run->orphaned = TRUE;
    }
  else
    run_free (run);
}

static void
endpoint_queue_free (EndpointQueue *eq)
{
  fal_local_clear_source (&eq->dispatch_timer);
  g_queue_clear_full (&eq->pending, g_object_unref);
  g_ptr_array_unref (eq->running);
  g_free (eq);
}

static JsonNode *
flat_error_body (const char *detail,
                 const char *error_type)
{
  JsonObject *object = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (object, "detail", detail);
  json_object_set_string_member (object, "error_type", error_type);
  json_node_take_object (node, object);
  return node;
}

static void
fail_cancelled (FalLocalJob *job)
{
  g_autoptr(JsonNode) body = flat_error_body ("Request was cancelled by the client", "client_cancelled");

  fal_local_job_fail (job, 499, body, "Request was cancelled by the client", "client_cancelled");
}

/* What a scripted failure (a "fail=" fault on the submit) looks like: a
 * 422 names a field, like a model rejecting its input; other codes are
 * infrastructure errors with a flat body. */
static void
fail_planned (FalLocalJob *job,
              guint        status,
              const char  *error_type)
{
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *message = NULL;

  if (status == 422)
    {
      JsonObject *object = json_object_new ();
      JsonArray *detail = json_array_new ();
      JsonObject *entry = json_object_new ();
      JsonArray *loc = json_array_new ();

      error_type = error_type ? error_type : "content_policy_violation";
      json_array_add_string_element (loc, "body");
      json_array_add_string_element (loc, "prompt");
      json_object_set_array_member (entry, "loc", loc);
      json_object_set_string_member (entry, "msg", "The model rejected this input (a fault injected by the local server)");
      json_object_set_string_member (entry, "type", error_type);
      json_array_add_object_element (detail, entry);
      json_object_set_array_member (object, "detail", detail);
      body = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (body, object);
      message = g_strdup ("Invalid status code: 422");
    }
  else
    {
      error_type = error_type ? error_type : (status >= 500 ? "runner_server_error" : "bad_request");
      message = g_strdup_printf ("The runner failed (a fault injected by the local server, status %u)", status);
      body = flat_error_body (message, error_type);
    }

  fal_local_job_fail (job, status, body, message, error_type);
}

/* Ends the run once both its time is up and its output is computed. */
static void
run_finish (Run *run)
{
  EndpointQueue *eq = run->endpoint_queue;
  FalLocalJob *job = run->job;
  const char *planned_type = NULL;
  guint planned = fal_local_job_get_planned_failure (job, &planned_type);

  if (fal_local_job_get_cancel_requested (job))
    fail_cancelled (job);
  else if (planned != 0)
    fail_planned (job, planned, planned_type);
  else if (run->outcome == NULL)
    {
      g_autoptr(JsonNode) body = flat_error_body (run->outcome_error ? run->outcome_error : "Internal error",
                                                  "internal_error");
      fal_local_job_fail (job, 500, body, run->outcome_error, "internal_error");
    }
  else if (run->outcome_status != 200)
    {
      g_autofree char *message = g_strdup_printf ("Invalid status code: %u", run->outcome_status);
      fal_local_job_fail (job, run->outcome_status, run->outcome, message, run->outcome_error_type);
    }
  else
    fal_local_job_complete (job, run->outcome);

  g_ptr_array_remove (eq->running, run);
  run_release (run);
  maybe_dispatch (eq);
}

static gboolean
run_tick_cb (gpointer data)
{
  Run *run = data;
  gint64 elapsed_ms = (g_get_monotonic_time () - run->started) / 1000;
  guint flood = fal_local_job_get_log_flood (run->job);

  run->timer = 0;

  while (run->next_log < run->plan->len)
    {
      FalLocalPlannedLog *entry = g_ptr_array_index (run->plan, run->next_log);

      if (entry->at * run->run_ms > elapsed_ms)
        break;
      fal_local_job_add_log (run->job, entry->level, entry->message);
      run->next_log++;
    }

  /* A flood arrives in batches spread over the run. */
  while (flood > 0 && run->flood_done < FLOOD_BATCHES &&
         (run->flood_done + 1) * (gint64) run->run_ms / FLOOD_BATCHES <= elapsed_ms)
    {
      guint from = run->flood_done * flood / FLOOD_BATCHES;
      guint to = (run->flood_done + 1) * flood / FLOOD_BATCHES;

      for (guint i = from; i < to; i++)
        {
          g_autofree char *line = g_strdup_printf ("flood line %u of %u", i + 1, flood);
          fal_local_job_add_log (run->job, "DEBUG", line);
        }
      run->flood_done++;
    }

  if (elapsed_ms >= run->run_ms && run->next_log >= run->plan->len &&
      (flood == 0 || run->flood_done >= FLOOD_BATCHES))
    {
      if (run->compute_done)
        run_finish (run);
      return G_SOURCE_REMOVE;
    }

  run_schedule (run);
  return G_SOURCE_REMOVE;
}

static void
run_schedule (Run *run)
{
  gint64 elapsed_ms = (g_get_monotonic_time () - run->started) / 1000;
  gint64 due = run->run_ms;
  guint flood = fal_local_job_get_log_flood (run->job);

  if (run->next_log < run->plan->len)
    {
      FalLocalPlannedLog *entry = g_ptr_array_index (run->plan, run->next_log);
      due = MIN (due, (gint64) (entry->at * run->run_ms));
    }
  if (flood > 0 && run->flood_done < FLOOD_BATCHES)
    due = MIN (due, (run->flood_done + 1) * (gint64) run->run_ms / FLOOD_BATCHES);

  run->timer = fal_local_timeout_add (MAX (0, due - elapsed_ms), run_tick_cb, run);
}

static void
compute_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Run *run = data;
  g_autoptr(GError) error = NULL;

  run->compute_in_flight = FALSE;
  run->outcome = fal_local_endpoint_compute_finish (result, &run->outcome_status,
                                                    &run->outcome_error_type, &error);
  if (run->orphaned)
    {
      run_free (run);
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* a cancelled run ends by its own timer */
  if (error)
    run->outcome_error = g_strdup (error->message);
  run->compute_done = TRUE;

  if (run->outcome && run->outcome_status == 200)
    fal_local_job_set_output (run->job, run->outcome);

  /* The timeline already ended: only the output was missing. */
  if (run->timer == 0)
    run_finish (run);
}

static void
start_job (EndpointQueue *eq,
           FalLocalJob   *job)
{
  FalLocalQueue *self = eq->queue;
  Run *run = g_new0 (Run, 1);
  JsonNode *input = fal_local_job_get_input (job);

  run->queue = self;
  run->endpoint_queue = eq;
  run->job = job;   /* takes the pending list's reference */
  run->endpoint = eq->endpoint;
  run->plan = fal_local_endpoint_plan_logs (eq->endpoint, json_node_get_object (input));
  run->run_ms = fal_local_queue_get_run_ms (self, job);
  run->started = g_get_monotonic_time ();
  run->cancellable = g_cancellable_new ();
  g_ptr_array_add (eq->running, run);

  fal_local_job_set_state (job, FAL_LOCAL_JOB_RUNNING);
  run->compute_in_flight = TRUE;
  fal_local_endpoint_compute_async (eq->endpoint, json_node_get_object (input),
                                    self->storage, self->base_url, self->local_url,
                                    fal_local_job_get_file_lifetime (job), self->inline_limit,
                                    run->cancellable, compute_cb, run);
  run_schedule (run);
}

static gboolean
dispatch_cb (gpointer data)
{
  EndpointQueue *eq = data;
  FalLocalJob *job;

  eq->dispatch_timer = 0;
  job = g_queue_pop_head (&eq->pending);
  if (job != NULL)
    {
      g_hash_table_remove (eq->queue->deadline_timers, job);
      update_positions (eq);
      start_job (eq, job);
    }
  maybe_dispatch (eq);
  return G_SOURCE_REMOVE;
}

static void
maybe_dispatch (EndpointQueue *eq)
{
  FalLocalQueue *self = eq->queue;

  if (eq->dispatch_timer != 0 || eq->pending.length == 0 || eq->running->len >= self->runners)
    return;
  eq->dispatch_timer = fal_local_timeout_add (fal_local_queue_scale (self, fal_local_endpoint_get_queue_step_ms (eq->endpoint)),
                                      dispatch_cb, eq);
}

static void
fal_local_queue_finalize (GObject *object)
{
  FalLocalQueue *self = (FalLocalQueue *)object;

  fal_local_queue_shutdown (self);
  g_hash_table_unref (self->endpoint_queues);
  g_queue_clear (&self->kept);
  g_hash_table_unref (self->jobs);
  g_hash_table_unref (self->deadline_timers);
  g_clear_object (&self->storage);
  g_free (self->base_url);
  g_free (self->local_url);

  G_OBJECT_CLASS (fal_local_queue_parent_class)->finalize (object);
}

static void
fal_local_queue_class_init (FalLocalQueueClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_local_queue_finalize;
}

static void
remove_source (gpointer data)
{
  fal_local_source_remove (GPOINTER_TO_UINT (data));
}

static void
fal_local_queue_init (FalLocalQueue *self)
{
  self->endpoint_queues = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                                 (GDestroyNotify) endpoint_queue_free);
  self->jobs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  g_queue_init (&self->kept);
  self->max_kept = FAL_LOCAL_QUEUE_MAX_KEPT;
  self->deadline_timers = g_hash_table_new_full (NULL, NULL, NULL, remove_source);
}

FalLocalQueue *
fal_local_queue_new (FalLocalStorage *storage,
                     const char      *base_url,
                     const char      *local_url,
                     guint            runners,
                     double           speed)
{
  FalLocalQueue *self = g_object_new (FAL_LOCAL_TYPE_QUEUE, NULL);

  self->storage = g_object_ref (storage);
  self->base_url = g_strdup (base_url);
  self->local_url = g_strdup (local_url);
  self->inline_limit = FAL_LOCAL_SYNC_MODE_MAX_BYTES;
  self->runners = MAX (1, runners);
  self->speed = speed > 0 ? speed : 1.0;

  return self;
}

void
fal_local_queue_set_inline_limit (FalLocalQueue *self,
                                  gsize          limit)
{
  self->inline_limit = limit;
}

void
fal_local_queue_set_max_kept (FalLocalQueue *self,
                              guint          max_kept)
{
  self->max_kept = MAX (1, max_kept);
}

/* Past max_kept remembered requests the oldest finished ones are
 * forgotten (their status and result then answer 404, as an expired
 * request's do at fal); unfinished ones stay whatever their age. */
static void
forget_old_jobs (FalLocalQueue *self)
{
  GList *l = self->kept.head;

  while (l && g_hash_table_size (self->jobs) > self->max_kept)
    {
      GList *next = l->next;
      FalLocalJob *job = l->data;

      if (fal_local_job_get_state (job) == FAL_LOCAL_JOB_COMPLETED)
        {
          g_queue_delete_link (&self->kept, l);
          g_hash_table_remove (self->jobs, fal_local_job_get_id (job));
        }
      l = next;
    }
}

static EndpointQueue *
endpoint_queue_for (FalLocalQueue *self,
                    const char    *endpoint_id)
{
  EndpointQueue *eq = g_hash_table_lookup (self->endpoint_queues, endpoint_id);

  if (eq == NULL)
    {
      eq = g_new0 (EndpointQueue, 1);
      eq->queue = self;
      eq->endpoint = fal_local_endpoints_lookup (endpoint_id);
      g_assert (eq->endpoint != NULL);
      eq->running = g_ptr_array_new ();
      g_hash_table_insert (self->endpoint_queues, (gpointer) fal_local_endpoint_get_id (eq->endpoint), eq);
    }
  return eq;
}

typedef struct {
  FalLocalQueue *queue;
  FalLocalJob *job;
} Deadline;

static gboolean
deadline_cb (gpointer data)
{
  Deadline *deadline = data;
  FalLocalQueue *self = deadline->queue;
  FalLocalJob *job = deadline->job;
  EndpointQueue *eq = endpoint_queue_for (self, fal_local_job_get_endpoint_id (job));
  g_autoptr(JsonNode) body = flat_error_body ("Request timed out", "request_timeout");

  g_hash_table_steal (self->deadline_timers, job);
  if (g_queue_remove (&eq->pending, job))
    {
      update_positions (eq);
      fal_local_job_fail (job, 504, body, "Request timed out", "request_timeout");
      g_object_unref (job);
    }
  return G_SOURCE_REMOVE;
}

void
fal_local_queue_submit (FalLocalQueue *self,
                        FalLocalJob   *job)
{
  EndpointQueue *eq = endpoint_queue_for (self, fal_local_job_get_endpoint_id (job));
  gint64 deadline = fal_local_job_get_start_deadline (job);

  /* Only queue requests can be asked about later. */
  if (fal_local_job_get_mode (job) == FAL_LOCAL_JOB_MODE_QUEUE)
    {
      FalLocalJob *same_id = g_hash_table_lookup (self->jobs, fal_local_job_get_id (job));

      if (same_id)
        g_queue_remove (&self->kept, same_id);
      g_hash_table_replace (self->jobs, (gpointer) fal_local_job_get_id (job), g_object_ref (job));
      g_queue_push_tail (&self->kept, job);
      forget_old_jobs (self);
    }

  if (fal_local_job_get_priority (job) == FAL_LOCAL_JOB_PRIORITY_NORMAL)
    {
      GList *l = eq->pending.head;

      while (l && fal_local_job_get_priority (l->data) == FAL_LOCAL_JOB_PRIORITY_NORMAL)
        l = l->next;
      if (l)
        g_queue_insert_before (&eq->pending, l, g_object_ref (job));
      else
        g_queue_push_tail (&eq->pending, g_object_ref (job));
    }
  else
    g_queue_push_tail (&eq->pending, g_object_ref (job));

  if (deadline > 0)
    {
      Deadline *data = g_new0 (Deadline, 1);
      gint64 wait_ms = MAX (0, (deadline - g_get_monotonic_time ()) / 1000);

      data->queue = self;
      data->job = job;
      g_hash_table_replace (self->deadline_timers, job,
                            GUINT_TO_POINTER (fal_local_timeout_add_full (wait_ms,
                                                                  deadline_cb, data, g_free)));
    }

  update_positions (eq);
  maybe_dispatch (eq);
}

FalLocalJob *
fal_local_queue_lookup (FalLocalQueue *self,
                        const char    *request_id)
{
  return g_hash_table_lookup (self->jobs, request_id);
}

static gboolean
finish_cancelled_cb (gpointer data)
{
  Run *run = data;

  run->timer = 0;
  run_finish (run);
  return G_SOURCE_REMOVE;
}

FalLocalCancelOutcome
fal_local_queue_cancel (FalLocalQueue *self,
                        FalLocalJob   *job)
{
  EndpointQueue *eq = endpoint_queue_for (self, fal_local_job_get_endpoint_id (job));

  switch (fal_local_job_get_state (job))
    {
    case FAL_LOCAL_JOB_QUEUED:
      if (g_queue_remove (&eq->pending, job))
        {
          g_hash_table_remove (self->deadline_timers, job);
          update_positions (eq);
          fal_local_job_request_cancel (job);
          fail_cancelled (job);
          g_object_unref (job);
          maybe_dispatch (eq);
        }
      return FAL_LOCAL_CANCEL_LEFT_QUEUE;

    case FAL_LOCAL_JOB_RUNNING:
      fal_local_job_request_cancel (job);
      for (guint i = 0; i < eq->running->len; i++)
        {
          Run *run = g_ptr_array_index (eq->running, i);

          if (run->job != job)
            continue;
          /* The runner notices the cancellation signal shortly. */
          fal_local_clear_source (&run->timer);
          g_cancellable_cancel (run->cancellable);
          run->timer = fal_local_timeout_add (fal_local_queue_scale (self, 100), finish_cancelled_cb, run);
          break;
        }
      return FAL_LOCAL_CANCEL_REQUESTED;

    case FAL_LOCAL_JOB_COMPLETED:
    default:
      return FAL_LOCAL_CANCEL_ALREADY_COMPLETED;
    }
}

guint
fal_local_queue_get_run_ms (FalLocalQueue *self,
                            FalLocalJob   *job)
{
  const FalLocalEndpoint *endpoint = fal_local_endpoints_lookup (fal_local_job_get_endpoint_id (job));

  return fal_local_queue_scale (self, fal_local_endpoint_get_run_ms (endpoint, json_node_get_object (fal_local_job_get_input (job))));
}

void
fal_local_queue_shutdown (FalLocalQueue *self)
{
  GHashTableIter iter;
  gpointer value;

  g_hash_table_remove_all (self->deadline_timers);
  g_hash_table_iter_init (&iter, self->endpoint_queues);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      EndpointQueue *eq = value;

      fal_local_clear_source (&eq->dispatch_timer);
      while (eq->running->len > 0)
        {
          Run *run = g_ptr_array_steal_index (eq->running, eq->running->len - 1);

          run_release (run);
        }
    }
}
