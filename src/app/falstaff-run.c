/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "fal-error.h"
#include "fal-pricing.h"
#include "fal-request.h"
#include "fal-log-entry.h"
#include "fal-json.h"

#include "falstaff-run.h"
#include "falstaff-run-store-private.h"

/* Log lines kept in the summary, and the snippet's length in characters. */
#define LOG_SUMMARY_LINES 5
/* A finished run's log as kept on disk: its last lines, at most. */
#define KEPT_LOG_LINES 5000
#define SNIPPET_CHARS 120
#define PROMPT_CHARS 2000

struct _FalstaffRun
{
  GObject parent_instance;

  FalstaffRunStore *store;   /* unowned: the store clears it */

  gint64 id;
  char *endpoint_id;
  char *mode;
  JsonNode *inputs;
  char *request_id;
  char *status_url;
  char *response_url;
  char *cancel_url;
  FalJobStatus status;
  char *error_message;
  char *error_type;
  JsonNode *result;
  char *log_summary;
  gint64 created_at;
  gint64 submitted_at;
  gint64 started_at;
  gint64 completed_at;
  gint64 seed;
  char *prompt;
  char *thumbnail_url;
  char *text_snippet;
  char *search_text;         /* case-folded endpoint, prompt, snippet; lazy */
  gint64 sweep_id;           /* 0: not in a sweep */
  JsonNode *sweep;           /* {"axes": [...], "cell": [column, row]} */
  double billable_units;     /* x-fal-billable-units of the result, -1 unknown */
  double unit_price;         /* the endpoint's price when sent, -1 unknown */
  char *price_unit;
  char *currency;

  FalJob *job;
  GListModel *job_logs;
  GListStore *kept_logs;     /* FalLogEntry: a finished run's log, from disk */
  gulong notify_handler;
  gulong finished_handler;
  gulong logs_handler;

  guint details_loaded : 1;
  guint inputs_dirty : 1;    /* not written since it changed */
  guint result_dirty : 1;
  guint logs_written : 1;    /* the finished job's log is in a snapshot */
};

G_DEFINE_FINAL_TYPE (FalstaffRun, falstaff_run, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_ENDPOINT_ID,
  PROP_MODE,
  PROP_INPUTS,
  PROP_REQUEST_ID,
  PROP_STATUS_URL,
  PROP_RESPONSE_URL,
  PROP_CANCEL_URL,
  PROP_STATUS,
  PROP_ERROR_MESSAGE,
  PROP_ERROR_TYPE,
  PROP_RESULT,
  PROP_DETAILS_LOADED,
  PROP_LOG_SUMMARY,
  PROP_CREATED_AT,
  PROP_SUBMITTED_AT,
  PROP_STARTED_AT,
  PROP_COMPLETED_AT,
  PROP_SEED,
  PROP_PROMPT,
  PROP_THUMBNAIL_URL,
  PROP_TEXT_SNIPPET,
  PROP_JOB,
  PROP_COST,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------ setters */

static gboolean
set_string (FalstaffRun  *self,
            char        **field,
            const char   *value,
            guint         prop)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  if (prop == PROP_PROMPT || prop == PROP_TEXT_SNIPPET)
    g_clear_pointer (&self->search_text, g_free);
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

static gboolean
set_int64 (FalstaffRun *self,
           gint64      *field,
           gint64       value,
           guint        prop)
{
  if (*field == value)
    return FALSE;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
  return TRUE;
}

/* ------------------------------------------------------------------ what is derived from inputs and result */

static const char *
object_string (JsonNode   *node,
               const char *member)
{
  JsonNode *value;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  value = json_object_get_member (json_node_get_object (node), member);
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value) ||
      json_node_get_value_type (value) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (value);
}

static gboolean
object_seed (JsonNode *node,
             gint64   *seed)
{
  JsonNode *value;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return FALSE;
  value = json_object_get_member (json_node_get_object (node), "seed");
  if (value == NULL || !JSON_NODE_HOLDS_VALUE (value))
    return FALSE;
  switch (json_node_get_value_type (value))
    {
    case G_TYPE_INT64:
      *seed = json_node_get_int (value);
      return *seed >= 0;
    case G_TYPE_DOUBLE:
      *seed = (gint64) json_node_get_double (value);
      return *seed >= 0;
    default:
      return FALSE;
    }
}

/* Whitespace runs made single spaces; at most max_chars characters, the
 * last one "…" when cut. */
static char *
squeeze_text (const char *text,
              guint       max_chars)
{
  g_autoptr(GString) out = NULL;
  gboolean space = FALSE;
  guint n = 0;

  if (text == NULL || !g_utf8_validate (text, -1, NULL))
    return NULL;
  out = g_string_new (NULL);
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c))
        {
          space = out->len > 0;
          continue;
        }
      if (space)
        {
          g_string_append_c (out, ' ');
          n++;
          space = FALSE;
        }
      g_string_append_unichar (out, c);
      /* Enough to know it must be cut. */
      if (++n > max_chars)
        break;
    }
  if (n > max_chars)
    {
      g_autofree char *cut = g_utf8_substring (out->str, 0, max_chars - 1);

      return g_strconcat (cut, "…", NULL);
    }
  if (out->len == 0)
    return NULL;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
looks_like_media (const char *url,
                  const char *content_type)
{
  static const char * const extensions[] = {
    ".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".avif",
    ".mp4", ".webm", ".mov", ".mkv", NULL
  };
  g_autofree char *lower = NULL;
  const char *end;

  if (content_type != NULL)
    return g_str_has_prefix (content_type, "image/") || g_str_has_prefix (content_type, "video/");
  /* The path's end, without query or fragment. */
  end = url + strcspn (url, "?#");
  lower = g_ascii_strdown (url, end - url);
  for (guint i = 0; extensions[i]; i++)
    if (g_str_has_suffix (lower, extensions[i]))
      return TRUE;
  return FALSE;
}

/* The first image or video URL in a result (depth first, in member
 * order). data: URLs are left out: a history row keeps no media. */
static const char *
find_media_url (JsonNode *node,
                guint     depth)
{
  if (node == NULL || depth > 6)
    return NULL;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      const char *url = object_string (node, "url");
      g_autoptr(GList) members = NULL;

      if (url != NULL && !g_str_has_prefix (url, "data:") &&
          looks_like_media (url, object_string (node, "content_type")))
        return url;
      members = json_object_get_members (object);
      for (GList *l = members; l; l = l->next)
        {
          const char *found = find_media_url (json_object_get_member (object, l->data), depth + 1);

          if (found)
            return found;
        }
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        {
          const char *found = find_media_url (json_array_get_element (array, i), depth + 1);

          if (found)
            return found;
        }
    }
  return NULL;
}

static void
update_from_inputs (FalstaffRun *self)
{
  const char *prompt = object_string (self->inputs, "prompt");
  g_autofree char *cut = NULL;

  if (prompt == NULL)
    prompt = object_string (self->inputs, "text");
  if (prompt != NULL && g_utf8_strlen (prompt, -1) > PROMPT_CHARS)
    prompt = cut = g_utf8_substring (prompt, 0, PROMPT_CHARS);
  set_string (self, &self->prompt, prompt, PROP_PROMPT);
}

/* Seed, thumbnail and snippet, from the result and then the inputs. */
static void
update_derived (FalstaffRun *self)
{
  static const char * const text_members[] = { "output", "text", "response", "content", NULL };
  g_autofree char *snippet = NULL;
  gint64 seed = -1;

  if (!object_seed (self->result, &seed) && !object_seed (self->inputs, &seed))
    seed = self->inputs != NULL || self->result != NULL ? -1 : self->seed;
  set_int64 (self, &self->seed, seed, PROP_SEED);

  if (self->result != NULL)
    set_string (self, &self->thumbnail_url, find_media_url (self->result, 0), PROP_THUMBNAIL_URL);

  for (guint i = 0; snippet == NULL && text_members[i]; i++)
    snippet = squeeze_text (object_string (self->result, text_members[i]), SNIPPET_CHARS);
  if (snippet == NULL)
    snippet = squeeze_text (self->prompt, SNIPPET_CHARS);
  if (snippet != NULL || self->inputs != NULL)
    set_string (self, &self->text_snippet, snippet, PROP_TEXT_SNIPPET);
}

/* ------------------------------------------------------------------ the kept log */

/* [[timestamp, level, source, message], …]: the last KEPT_LOG_LINES. */
static char *
logs_to_json (GListModel *logs)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  guint n = logs ? g_list_model_get_n_items (logs) : 0;

  if (n == 0)
    return NULL;
  json_builder_begin_array (builder);
  for (guint i = n > KEPT_LOG_LINES ? n - KEPT_LOG_LINES : 0; i < n; i++)
    {
      g_autoptr(FalLogEntry) entry = g_list_model_get_item (logs, i);

      json_builder_begin_array (builder);
      json_builder_add_string_value (builder, fal_log_entry_get_timestamp (entry));
      json_builder_add_string_value (builder, fal_log_entry_get_level (entry));
      json_builder_add_string_value (builder, fal_log_entry_get_source (entry));
      json_builder_add_string_value (builder, fal_log_entry_get_message (entry));
      json_builder_end_array (builder);
    }
  json_builder_end_array (builder);
  root = json_builder_get_root (builder);
  return json_to_string (root, FALSE);
}

static const char *
element_string (JsonArray *line,
                guint      i)
{
  JsonNode *node = i < json_array_get_length (line) ? json_array_get_element (line, i) : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING
         ? json_node_get_string (node) : NULL;
}

/* Lines that are not [strings…] are skipped: a damaged column loses them,
 * not the run. */
static GListStore *
logs_from_json (JsonNode *node)
{
  GListStore *store = g_list_store_new (FAL_TYPE_LOG_ENTRY);
  JsonArray *lines = JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; lines && i < json_array_get_length (lines); i++)
    {
      JsonNode *line = json_array_get_element (lines, i);
      JsonArray *fields = JSON_NODE_HOLDS_ARRAY (line) ? json_node_get_array (line) : NULL;

      if (fields == NULL || element_string (fields, 3) == NULL)
        continue;
      g_ptr_array_add (entries, fal_log_entry_new (element_string (fields, 3), element_string (fields, 1),
                                                   element_string (fields, 2), element_string (fields, 0)));
    }
  g_list_store_splice (store, 0, 0, entries->pdata, entries->len);
  return store;
}

/* ------------------------------------------------------------------ following a job */

static void
save (FalstaffRun *self,
      gboolean     now)
{
  if (self->store != NULL)
    _falstaff_run_store_save (self->store, self, now);
}

static gboolean
update_log_summary (FalstaffRun *self)
{
  GListModel *logs;
  g_autoptr(GString) text = NULL;
  guint n, first;

  if (self->job == NULL || (logs = fal_job_get_logs (self->job)) == NULL)
    return FALSE;
  n = g_list_model_get_n_items (logs);
  if (n == 0)
    return FALSE;
  first = n > LOG_SUMMARY_LINES ? n - LOG_SUMMARY_LINES : 0;
  text = g_string_new (NULL);
  for (guint i = first; i < n; i++)
    {
      g_autoptr(FalLogEntry) entry = g_list_model_get_item (logs, i);
      const char *message = fal_log_entry_get_message (entry);

      if (text->len > 0)
        g_string_append_c (text, '\n');
      /* A summary line is one line, and short. */
      if (message != NULL)
        g_string_append_len (text, message, MIN (strcspn (message, "\n"), 500));
    }
  return set_string (self, &self->log_summary, text->str, PROP_LOG_SUMMARY);
}

/* Copies what the job knows now; FALSE when nothing changed. *now is set
 * when the change must be written at once (a request id, a final state). */
static gboolean
sync_from_job (FalstaffRun *self,
               gboolean    *now)
{
  FalJob *job = self->job;
  const GError *error;
  JsonNode *output;
  FalJobStatus status;
  gboolean changed = FALSE;

  g_assert (job != NULL);

  if (set_string (self, &self->request_id, fal_job_get_request_id (job), PROP_REQUEST_ID))
    changed = *now = TRUE;
  changed |= set_string (self, &self->status_url, fal_job_get_status_url (job), PROP_STATUS_URL);
  changed |= set_string (self, &self->response_url, fal_job_get_response_url (job), PROP_RESPONSE_URL);
  changed |= set_string (self, &self->cancel_url, fal_job_get_cancel_url (job), PROP_CANCEL_URL);

  error = fal_job_get_error (job);
  if (error != NULL)
    {
      g_autofree char *message = fal_error_describe (error);

      changed |= set_string (self, &self->error_message, message, PROP_ERROR_MESSAGE);
      changed |= set_string (self, &self->error_type, fal_error_get_error_type (error), PROP_ERROR_TYPE);
    }
  else
    {
      changed |= set_string (self, &self->error_message, NULL, PROP_ERROR_MESSAGE);
      changed |= set_string (self, &self->error_type, NULL, PROP_ERROR_TYPE);
    }

  /* A job without output (yet) never erases a result the run has. */
  output = fal_job_get_output (job);
  if (output != NULL && output != self->result)
    {
      g_clear_pointer (&self->result, json_node_unref);
      self->result = json_node_ref (output);
      self->result_dirty = TRUE;
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
      update_derived (self);
    }

  if (FAL_IS_REQUEST (job) && fal_request_get_billable_units (FAL_REQUEST (job)) >= 0 &&
      fal_request_get_billable_units (FAL_REQUEST (job)) != self->billable_units)
    {
      self->billable_units = fal_request_get_billable_units (FAL_REQUEST (job));
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COST]);
    }

  if (fal_job_get_submitted_at (job) != 0)
    changed |= set_int64 (self, &self->submitted_at, fal_job_get_submitted_at (job), PROP_SUBMITTED_AT);
  if (fal_job_get_started_at (job) != 0)
    changed |= set_int64 (self, &self->started_at, fal_job_get_started_at (job), PROP_STARTED_AT);
  if (fal_job_get_completed_at (job) != 0)
    changed |= set_int64 (self, &self->completed_at, fal_job_get_completed_at (job), PROP_COMPLETED_AT);

  changed |= update_log_summary (self);

  /* Status last: who sees a done run finds everything else final. */
  status = fal_job_get_status (job);
  if (status != self->status)
    {
      self->status = status;
      if (fal_job_status_is_done (status))
        {
          *now = TRUE;
          if (self->completed_at == 0)
            set_int64 (self, &self->completed_at, g_get_real_time (), PROP_COMPLETED_AT);
        }
      changed = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
    }
  return changed;
}

static void
sync_and_save (FalstaffRun *self)
{
  gboolean now = FALSE;

  if (self->job == NULL)
    return;
  if (sync_from_job (self, &now))
    save (self, now);
}

static void
job_notify_cb (FalstaffRun *self,
               GParamSpec  *pspec,
               FalJob      *job)
{
  /* Changes that are not kept. */
  if (g_strcmp0 (pspec->name, "queue-position") == 0 ||
      g_strcmp0 (pspec->name, "connection-lost") == 0 ||
      g_strcmp0 (pspec->name, "started") == 0 ||
      g_strcmp0 (pspec->name, "last-contact") == 0 ||
      g_strcmp0 (pspec->name, "streaming") == 0)
    return;
  sync_and_save (self);
}

static void
job_finished_cb (FalstaffRun *self,
                 FalJob      *job)
{
  sync_and_save (self);
}

static void
logs_changed_cb (FalstaffRun *self,
                 guint        position,
                 guint        removed,
                 guint        added,
                 GListModel  *logs)
{
  if (update_log_summary (self))
    save (self, FALSE);
}

static void
stop_following (FalstaffRun *self)
{
  if (self->job != NULL)
    {
      g_clear_signal_handler (&self->notify_handler, self->job);
      g_clear_signal_handler (&self->finished_handler, self->job);
    }
  if (self->job_logs != NULL)
    g_clear_signal_handler (&self->logs_handler, self->job_logs);
  g_clear_object (&self->job_logs);
  g_clear_object (&self->job);
}

/* ------------------------------------------------------------------ GObject */

static void
falstaff_run_dispose (GObject *object)
{
  FalstaffRun *self = (FalstaffRun *) object;

  stop_following (self);

  G_OBJECT_CLASS (falstaff_run_parent_class)->dispose (object);
}

static void
falstaff_run_finalize (GObject *object)
{
  FalstaffRun *self = (FalstaffRun *) object;

  g_free (self->endpoint_id);
  g_free (self->mode);
  g_clear_pointer (&self->inputs, json_node_unref);
  g_free (self->request_id);
  g_free (self->status_url);
  g_free (self->response_url);
  g_free (self->cancel_url);
  g_free (self->error_message);
  g_free (self->error_type);
  g_clear_pointer (&self->sweep, json_node_unref);
  g_free (self->price_unit);
  g_free (self->currency);
  g_clear_pointer (&self->result, json_node_unref);
  g_free (self->log_summary);
  g_free (self->prompt);
  g_free (self->thumbnail_url);
  g_free (self->text_snippet);
  g_free (self->search_text);
  g_clear_object (&self->kept_logs);

  G_OBJECT_CLASS (falstaff_run_parent_class)->finalize (object);
}

static void
falstaff_run_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  FalstaffRun *self = FALSTAFF_RUN (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_int64 (value, self->id); break;
    case PROP_ENDPOINT_ID: g_value_set_string (value, self->endpoint_id); break;
    case PROP_MODE: g_value_set_string (value, self->mode); break;
    case PROP_INPUTS: g_value_set_boxed (value, self->inputs); break;
    case PROP_REQUEST_ID: g_value_set_string (value, self->request_id); break;
    case PROP_STATUS_URL: g_value_set_string (value, self->status_url); break;
    case PROP_RESPONSE_URL: g_value_set_string (value, self->response_url); break;
    case PROP_CANCEL_URL: g_value_set_string (value, self->cancel_url); break;
    case PROP_STATUS: g_value_set_enum (value, self->status); break;
    case PROP_ERROR_MESSAGE: g_value_set_string (value, self->error_message); break;
    case PROP_ERROR_TYPE: g_value_set_string (value, self->error_type); break;
    case PROP_RESULT: g_value_set_boxed (value, self->result); break;
    case PROP_DETAILS_LOADED: g_value_set_boolean (value, self->details_loaded); break;
    case PROP_LOG_SUMMARY: g_value_set_string (value, self->log_summary); break;
    case PROP_CREATED_AT: g_value_set_int64 (value, self->created_at); break;
    case PROP_SUBMITTED_AT: g_value_set_int64 (value, self->submitted_at); break;
    case PROP_STARTED_AT: g_value_set_int64 (value, self->started_at); break;
    case PROP_COMPLETED_AT: g_value_set_int64 (value, self->completed_at); break;
    case PROP_SEED: g_value_set_int64 (value, self->seed); break;
    case PROP_PROMPT: g_value_set_string (value, self->prompt); break;
    case PROP_THUMBNAIL_URL: g_value_set_string (value, self->thumbnail_url); break;
    case PROP_TEXT_SNIPPET: g_value_set_string (value, self->text_snippet); break;
    case PROP_JOB: g_value_set_object (value, self->job); break;
    case PROP_COST: g_value_set_double (value, falstaff_run_get_cost (self, NULL)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_run_class_init (FalstaffRunClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = falstaff_run_dispose;
  object_class->finalize = falstaff_run_finalize;
  object_class->get_property = falstaff_run_get_property;

#define STRING_PROP(ID, name) \
  properties[ID] = g_param_spec_string (name, NULL, NULL, NULL, flags)
#define TIME_PROP(ID, name) \
  properties[ID] = g_param_spec_int64 (name, NULL, NULL, 0, G_MAXINT64, 0, flags)

  properties[PROP_ID] = g_param_spec_int64 ("id", NULL, NULL, 0, G_MAXINT64, 0, flags);
  STRING_PROP (PROP_ENDPOINT_ID, "endpoint-id");
  STRING_PROP (PROP_MODE, "mode");
  properties[PROP_INPUTS] = g_param_spec_boxed ("inputs", NULL, NULL, JSON_TYPE_NODE, flags);
  STRING_PROP (PROP_REQUEST_ID, "request-id");
  STRING_PROP (PROP_STATUS_URL, "status-url");
  STRING_PROP (PROP_RESPONSE_URL, "response-url");
  STRING_PROP (PROP_CANCEL_URL, "cancel-url");
  properties[PROP_STATUS] = g_param_spec_enum ("status", NULL, NULL, FAL_TYPE_JOB_STATUS,
                                               FAL_JOB_SUBMITTING, flags);
  STRING_PROP (PROP_ERROR_MESSAGE, "error-message");
  STRING_PROP (PROP_ERROR_TYPE, "error-type");
  properties[PROP_RESULT] = g_param_spec_boxed ("result", NULL, NULL, JSON_TYPE_NODE, flags);
  properties[PROP_DETAILS_LOADED] = g_param_spec_boolean ("details-loaded", NULL, NULL, FALSE, flags);
  STRING_PROP (PROP_LOG_SUMMARY, "log-summary");
  TIME_PROP (PROP_CREATED_AT, "created-at");
  TIME_PROP (PROP_SUBMITTED_AT, "submitted-at");
  TIME_PROP (PROP_STARTED_AT, "started-at");
  TIME_PROP (PROP_COMPLETED_AT, "completed-at");
  properties[PROP_SEED] = g_param_spec_int64 ("seed", NULL, NULL, -1, G_MAXINT64, -1, flags);
  STRING_PROP (PROP_PROMPT, "prompt");
  STRING_PROP (PROP_THUMBNAIL_URL, "thumbnail-url");
  STRING_PROP (PROP_TEXT_SNIPPET, "text-snippet");
  properties[PROP_JOB] = g_param_spec_object ("job", NULL, NULL, FAL_TYPE_JOB, flags);
  /* What it cost, in the run's currency; -1 until both the units billed
   * and the price are known. */
  properties[PROP_COST] = g_param_spec_double ("cost", NULL, NULL, -1, G_MAXDOUBLE, -1, flags);

#undef STRING_PROP
#undef TIME_PROP

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
falstaff_run_init (FalstaffRun *self)
{
  self->seed = -1;
  self->status = FAL_JOB_SUBMITTING;
  self->billable_units = -1;
  self->unit_price = -1;
}

/* ------------------------------------------------------------------ private API */

void
_falstaff_run_row_free (FalstaffRunRow *row)
{
  if (row == NULL)
    return;
  g_free (row->endpoint_id);
  g_free (row->mode);
  g_free (row->request_id);
  g_free (row->status_url);
  g_free (row->response_url);
  g_free (row->cancel_url);
  g_free (row->error_message);
  g_free (row->error_type);
  g_free (row->sweep_json);
  g_free (row->price_unit);
  g_free (row->currency);
  g_clear_pointer (&row->sweep, json_node_unref);
  g_free (row->log_summary);
  g_free (row->prompt);
  g_free (row->thumbnail_url);
  g_free (row->text_snippet);
  g_free (row->inputs_json);
  g_free (row->result_json);
  g_free (row->logs_json);
  g_clear_pointer (&row->inputs, json_node_unref);
  g_clear_pointer (&row->result, json_node_unref);
  g_clear_pointer (&row->logs, json_node_unref);
  g_free (row);
}

FalstaffRun *
_falstaff_run_new (gint64      id,
                   const char *endpoint_id,
                   const char *mode,
                   JsonNode   *inputs)
{
  FalstaffRun *self = g_object_new (FALSTAFF_TYPE_RUN, NULL);

  self->id = id;
  self->endpoint_id = g_strdup (endpoint_id);
  self->mode = g_strdup (mode);
  self->inputs = inputs ? json_node_copy (inputs) : NULL;
  self->inputs_dirty = TRUE;
  self->details_loaded = TRUE;
  self->created_at = g_get_real_time ();
  update_from_inputs (self);
  update_derived (self);
  return self;
}

FalstaffRun *
_falstaff_run_new_from_row (FalstaffRunRow *row)
{
  FalstaffRun *self = g_object_new (FALSTAFF_TYPE_RUN, NULL);

  /* Copies, not the row's own strings: rows are made on the database
   * thread, and strings kept from there would pin that thread's malloc
   * arena (about 1 MiB a thousand runs) after the rows are freed. */
  self->id = row->id;
  self->endpoint_id = g_strdup (row->endpoint_id);
  self->mode = g_strdup (row->mode);
  self->request_id = g_strdup (row->request_id);
  self->status_url = g_strdup (row->status_url);
  self->response_url = g_strdup (row->response_url);
  self->cancel_url = g_strdup (row->cancel_url);
  self->status = row->status;
  self->error_message = g_strdup (row->error_message);
  self->error_type = g_strdup (row->error_type);
  self->log_summary = g_strdup (row->log_summary);
  self->prompt = g_strdup (row->prompt);
  self->thumbnail_url = g_strdup (row->thumbnail_url);
  self->text_snippet = g_strdup (row->text_snippet);
  self->created_at = row->created_at;
  self->submitted_at = row->submitted_at;
  self->started_at = row->started_at;
  self->completed_at = row->completed_at;
  self->seed = row->seed;
  self->sweep_id = row->sweep_id;
  self->sweep = g_steal_pointer (&row->sweep);
  self->billable_units = row->billable_units;
  self->unit_price = row->unit_price;
  self->price_unit = g_strdup (row->price_unit);
  self->currency = g_strdup (row->currency);
  self->inputs = g_steal_pointer (&row->inputs);
  self->result = g_steal_pointer (&row->result);
  self->details_loaded = row->details_loaded;
  return self;
}

FalstaffRunRow *
_falstaff_run_snapshot (FalstaffRun *self,
                        gboolean     full)
{
  FalstaffRunRow *row = g_new0 (FalstaffRunRow, 1);

  row->id = self->id;
  row->endpoint_id = g_strdup (self->endpoint_id);
  row->mode = g_strdup (self->mode);
  row->request_id = g_strdup (self->request_id);
  row->status_url = g_strdup (self->status_url);
  row->response_url = g_strdup (self->response_url);
  row->cancel_url = g_strdup (self->cancel_url);
  row->status = self->status;
  row->error_message = g_strdup (self->error_message);
  row->error_type = g_strdup (self->error_type);
  row->log_summary = g_strdup (self->log_summary);
  row->prompt = g_strdup (self->prompt);
  row->thumbnail_url = g_strdup (self->thumbnail_url);
  row->text_snippet = g_strdup (self->text_snippet);
  row->created_at = self->created_at;
  row->submitted_at = self->submitted_at;
  row->started_at = self->started_at;
  row->completed_at = self->completed_at;
  row->seed = self->seed;
  row->sweep_id = self->sweep_id;
  row->sweep_json = self->sweep ? json_to_string (self->sweep, FALSE) : NULL;
  row->billable_units = self->billable_units;
  row->unit_price = self->unit_price;
  row->price_unit = g_strdup (self->price_unit);
  row->currency = g_strdup (self->currency);

  /* An old run's JSON and the columns that come with it, never loaded,
   * are left as they are on disk. */
  row->write_extras = full || self->details_loaded;
  /* The whole log, once the job is done: what a finished run shows when
   * its job is let go (falstaff_run_store_release_details()). */
  if (self->job != NULL && fal_job_is_done (self->job) && !self->logs_written)
    {
      row->write_logs = TRUE;
      row->logs_json = logs_to_json (fal_job_get_logs (self->job));
      self->logs_written = TRUE;
    }
  if ((full || self->inputs_dirty) && self->details_loaded)
    {
      row->write_inputs = TRUE;
      row->inputs_json = self->inputs ? json_to_string (self->inputs, FALSE) : NULL;
      self->inputs_dirty = FALSE;
    }
  if ((full || self->result_dirty) && (self->details_loaded || self->result != NULL))
    {
      row->write_result = TRUE;
      row->result_json = self->result ? json_to_string (self->result, FALSE) : NULL;
      self->result_dirty = FALSE;
    }
  return row;
}

void
_falstaff_run_set_sweep (FalstaffRun *self,
                         gint64       sweep_id,
                         JsonNode    *sweep)
{
  self->sweep_id = sweep_id;
  g_clear_pointer (&self->sweep, json_node_unref);
  /* Its own copy: a caller reusing the node must not move the cell. */
  self->sweep = sweep ? fal_json_deep_copy (sweep) : NULL;
}

void
_falstaff_run_set_store (FalstaffRun      *self,
                         FalstaffRunStore *store)
{
  self->store = store;
}

void
_falstaff_run_set_details (FalstaffRun    *self,
                           FalstaffRunRow *row)
{
  JsonNode *inputs = g_steal_pointer (&row->inputs);
  JsonNode *result = g_steal_pointer (&row->result);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->kept_logs == NULL && row->logs != NULL)
    self->kept_logs = logs_from_json (row->logs);
  /* Set meanwhile (a run followed again) is newer than the file's. */
  if (self->status_url == NULL)
    set_string (self, &self->status_url, row->status_url, PROP_STATUS_URL);
  if (self->response_url == NULL)
    set_string (self, &self->response_url, row->response_url, PROP_RESPONSE_URL);
  if (self->cancel_url == NULL)
    set_string (self, &self->cancel_url, row->cancel_url, PROP_CANCEL_URL);
  if (self->log_summary == NULL)
    set_string (self, &self->log_summary, row->log_summary, PROP_LOG_SUMMARY);
  if (self->prompt == NULL)
    set_string (self, &self->prompt, row->prompt, PROP_PROMPT);
  if (self->inputs == NULL && inputs != NULL)
    {
      self->inputs = g_steal_pointer (&inputs);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INPUTS]);
    }
  /* A result that came from a job meanwhile is newer than the file's. */
  if (self->result == NULL && result != NULL)
    {
      self->result = g_steal_pointer (&result);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
    }
  if (!self->details_loaded)
    {
      self->details_loaded = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETAILS_LOADED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  g_clear_pointer (&inputs, json_node_unref);
  g_clear_pointer (&result, json_node_unref);
}

void
_falstaff_run_release_details (FalstaffRun *self)
{
  g_return_if_fail (falstaff_run_is_done (self));
  g_return_if_fail (!self->inputs_dirty && !self->result_dirty);

  if (!self->details_loaded && self->job == NULL)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (self->job != NULL)
    {
      stop_following (self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOB]);
    }
  g_clear_object (&self->kept_logs);
  if (self->inputs != NULL)
    {
      g_clear_pointer (&self->inputs, json_node_unref);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_INPUTS]);
    }
  if (self->result != NULL)
    {
      g_clear_pointer (&self->result, json_node_unref);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESULT]);
    }
  if (self->details_loaded)
    {
      self->details_loaded = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DETAILS_LOADED]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

/* ------------------------------------------------------------------ public API */

gint64
falstaff_run_get_id (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), 0);
  return self->id;
}

const char *
falstaff_run_get_endpoint_id (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->endpoint_id;
}

const char *
falstaff_run_get_mode (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->mode;
}

JsonNode *
falstaff_run_get_inputs (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->inputs;
}

const char *
falstaff_run_get_request_id (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->request_id;
}

const char *
falstaff_run_get_status_url (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->status_url;
}

const char *
falstaff_run_get_response_url (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->response_url;
}

const char *
falstaff_run_get_cancel_url (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->cancel_url;
}

FalJobStatus
falstaff_run_get_status (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), FAL_JOB_SUBMITTING);
  return self->status;
}

gboolean
falstaff_run_is_done (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), FALSE);
  return fal_job_status_is_done (self->status);
}

const char *
falstaff_run_get_error_message (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->error_message;
}

const char *
falstaff_run_get_error_type (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->error_type;
}

JsonNode *
falstaff_run_get_result (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->result;
}

gboolean
falstaff_run_get_details_loaded (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), FALSE);
  return self->details_loaded;
}

const char *
falstaff_run_get_log_summary (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->log_summary;
}

gint64
falstaff_run_get_created_at (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), 0);
  return self->created_at;
}

gint64
falstaff_run_get_submitted_at (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), 0);
  return self->submitted_at;
}

gint64
falstaff_run_get_started_at (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), 0);
  return self->started_at;
}

gint64
falstaff_run_get_completed_at (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), 0);
  return self->completed_at;
}

gint64
falstaff_run_get_seed (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), -1);
  return self->seed;
}

const char *
falstaff_run_get_prompt (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->prompt;
}

const char *
falstaff_run_get_thumbnail_url (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->thumbnail_url;
}

const char *
falstaff_run_get_text_snippet (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->text_snippet;
}

GListModel *
falstaff_run_get_logs (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  if (self->job != NULL)
    return fal_job_get_logs (self->job);
  return self->kept_logs ? G_LIST_MODEL (self->kept_logs) : NULL;
}

FalJob *
falstaff_run_get_job (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);
  return self->job;
}

void
falstaff_run_follow (FalstaffRun *self,
                     FalJob      *job)
{
  g_return_if_fail (FALSTAFF_IS_RUN (self));
  g_return_if_fail (FAL_IS_JOB (job));

  if (self->job == job)
    return;

  stop_following (self);
  self->job = g_object_ref (job);
  self->notify_handler = g_signal_connect_object (job, "notify", G_CALLBACK (job_notify_cb),
                                                  self, G_CONNECT_SWAPPED);
  self->finished_handler = g_signal_connect_object (job, "finished", G_CALLBACK (job_finished_cb),
                                                    self, G_CONNECT_SWAPPED);
  self->job_logs = g_object_ref (fal_job_get_logs (job));
  self->logs_handler = g_signal_connect_object (self->job_logs, "items-changed",
                                                G_CALLBACK (logs_changed_cb), self, G_CONNECT_SWAPPED);

  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_JOB]);
  sync_and_save (self);
  g_object_thaw_notify (G_OBJECT (self));
}

void
falstaff_run_fail (FalstaffRun  *self,
                   const GError *error)
{
  g_autofree char *message = NULL;

  g_return_if_fail (FALSTAFF_IS_RUN (self));
  g_return_if_fail (error != NULL);
  g_return_if_fail (self->job == NULL || fal_job_is_done (self->job));

  if (fal_job_status_is_done (self->status))
    return;
  message = fal_error_describe (error);
  g_object_freeze_notify (G_OBJECT (self));
  set_string (self, &self->error_message, message, PROP_ERROR_MESSAGE);
  set_string (self, &self->error_type, fal_error_get_error_type (error), PROP_ERROR_TYPE);
  set_int64 (self, &self->completed_at, g_get_real_time (), PROP_COMPLETED_AT);
  self->status = g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED) ? FAL_JOB_CANCELLED : FAL_JOB_FAILED;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
  g_object_thaw_notify (G_OBJECT (self));
  save (self, TRUE);
}

gboolean
falstaff_run_needs_submit_again (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), FALSE);

  return !falstaff_run_is_done (self) && self->job == NULL &&
         (self->request_id == NULL || g_strcmp0 (self->mode, "stream") == 0);
}

gboolean
falstaff_run_matches (FalstaffRun *self,
                      const char  *query)
{
  g_auto(GStrv) words = NULL;

  g_return_val_if_fail (FALSTAFF_IS_RUN (self), FALSE);

  if (query == NULL || *query == '\0')
    return TRUE;

  if (self->search_text == NULL)
    {
      g_autofree char *text = g_strjoin ("\n", self->endpoint_id ? self->endpoint_id : "",
                                         self->prompt ? self->prompt : "",
                                         self->text_snippet ? self->text_snippet : "", NULL);

      self->search_text = g_utf8_casefold (text, -1);
    }

  words = g_strsplit_set (query, " \t\n", -1);
  for (guint i = 0; words[i]; i++)
    {
      g_autofree char *folded = NULL;

      if (words[i][0] == '\0')
        continue;
      folded = g_utf8_casefold (words[i], -1);
      if (strstr (self->search_text, folded) == NULL)
        return FALSE;
    }
  return TRUE;
}

gint64
falstaff_run_get_sweep_id (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), 0);

  return self->sweep_id;
}

JsonNode *
falstaff_run_get_sweep (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);

  return self->sweep;
}

gboolean
falstaff_run_get_sweep_cell (FalstaffRun *self,
                             guint       *column,
                             guint       *row)
{
  JsonArray *cell;

  g_return_val_if_fail (FALSTAFF_IS_RUN (self), FALSE);

  if (self->sweep == NULL || !JSON_NODE_HOLDS_OBJECT (self->sweep) ||
      !json_object_has_member (json_node_get_object (self->sweep), "cell"))
    return FALSE;
  cell = json_object_get_array_member (json_node_get_object (self->sweep), "cell");
  if (cell == NULL || json_array_get_length (cell) != 2)
    return FALSE;
  *column = (guint) json_array_get_int_element (cell, 0);
  *row = (guint) json_array_get_int_element (cell, 1);
  return TRUE;
}

void
falstaff_run_set_price (FalstaffRun    *self,
                        const FalPrice *price)
{
  g_return_if_fail (FALSTAFF_IS_RUN (self));
  g_return_if_fail (price != NULL);

  if (self->unit_price == price->unit_price && g_strcmp0 (self->price_unit, price->unit) == 0 &&
      g_strcmp0 (self->currency, price->currency) == 0)
    return;
  self->unit_price = price->unit_price;
  g_free (self->price_unit);
  self->price_unit = g_strdup (price->unit);
  g_free (self->currency);
  self->currency = g_strdup (price->currency);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COST]);
  save (self, FALSE);
}

double
falstaff_run_get_billable_units (FalstaffRun *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), -1);
  return self->billable_units;
}

double
falstaff_run_get_cost (FalstaffRun  *self,
                       const char  **currency)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN (self), -1);

  if (currency)
    *currency = self->currency ? self->currency : "USD";
  if (self->billable_units < 0 || self->unit_price < 0)
    return -1;
  return self->billable_units * self->unit_price;
}

char *
falstaff_run_describe_cost (FalstaffRun *self)
{
  FalPrice price = { self->endpoint_id, self->unit_price, self->price_unit, self->currency };
  g_autofree char *money = NULL;
  g_autofree char *unit = NULL;
  g_autofree char *units = NULL;
  const char *currency;
  double cost;

  g_return_val_if_fail (FALSTAFF_IS_RUN (self), NULL);

  if ((cost = falstaff_run_get_cost (self, &currency)) < 0)
    return NULL;
  money = fal_format_money (cost, currency);
  unit = fal_price_describe_unit (&price, self->billable_units);
  units = fal_format_quantity (self->billable_units);
  /* Translators: a run's cost, then the units fal billed: "$0.10 for 4 images". */
  return g_strdup_printf (_("%s for %s %s"), money, units, unit);
}
