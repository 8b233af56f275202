/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-auto-upload.h"
#include "fal-error.h"
#include "fal-json.h"
#include "fal-i18n-private.h"

/* One local file and the values it replaces. */
typedef struct {
  GFile *file;
  char *path;                  /* the first JSON path naming it, for messages */
  GPtrArray *nodes;            /* JsonNode (in the copy), string values */
  FalUpload *upload;
  gulong finished_handler;
} Job;

typedef struct {
  JsonNode *output;            /* the deep copy being filled in */
  GPtrArray *jobs;             /* Job */
  GHashTable *by_uri;          /* file URI → Job (borrowed) */
  GListStore *uploads;
  GSource *cancel_source;
  guint max_parallel;
  guint next;
  guint running;
  guint done;
  gboolean over;
} Batch;

static void
job_free (gpointer data)
{
  Job *job = data;

  if (job->upload)
    {
      g_clear_signal_handler (&job->finished_handler, job->upload);
      /* A batch that ended early leaves nothing running behind it. */
      fal_upload_cancel (job->upload);
      g_clear_object (&job->upload);
    }
  g_clear_object (&job->file);
  g_free (job->path);
  g_ptr_array_unref (job->nodes);
  g_free (job);
}

static void
batch_free (gpointer data)
{
  Batch *batch = data;

  if (batch->cancel_source)
    {
      g_source_destroy (batch->cancel_source);
      g_source_unref (batch->cancel_source);
    }
  g_clear_pointer (&batch->by_uri, g_hash_table_unref);
  g_clear_pointer (&batch->jobs, g_ptr_array_unref);
  g_clear_pointer (&batch->output, json_node_unref);
  g_clear_object (&batch->uploads);
  g_free (batch);
}

/* ------------------------------------------------------------------ values */

GFile *
fal_auto_upload_file_for_value (const char *value)
{
  g_autofree char *hostname = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (value != NULL, NULL);

  if (value[0] == '/')
    return g_file_new_for_path (value);
  if (g_ascii_strncasecmp (value, "file:", 5) != 0)
    return NULL;
  path = g_filename_from_uri (value, &hostname, NULL);
  if (path == NULL || (hostname && g_ascii_strcasecmp (hostname, "localhost") != 0))
    return NULL;
  return g_file_new_for_path (path);
}

/* ------------------------------------------------------------------ paths */

/* A path segment: JSON Pointer's escapes undone. */
static char *
unescape_segment (const char *segment)
{
  GString *out = g_string_new (NULL);

  for (const char *p = segment; *p; p++)
    {
      if (p[0] == '~' && p[1] == '1')
        g_string_append_c (out, '/'), p++;
      else if (p[0] == '~' && p[1] == '0')
        g_string_append_c (out, '~'), p++;
      else
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

static gboolean
mark_value (Batch       *batch,
            JsonNode    *node,
            const char  *path,
            GError     **error)
{
  const char *value;
  g_autoptr(GFile) file = NULL;
  g_autofree char *uri = NULL;
  Job *job;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return TRUE;
  value = json_node_get_string (node);
  file = fal_auto_upload_file_for_value (value);
  if (file == NULL)
    {
      if (g_ascii_strncasecmp (value, "file:", 5) == 0)
        {
          /* Chosen as a file, yet not one here: better said now than by
           * the model. */
          g_propagate_error (error, fal_error_new_literal_full (FAL_ERROR_APP, "", 0, NULL, "file_unreadable"));
          g_prefix_error (error, _("%s: %s is not a file on this computer"), path, value);
          return FALSE;
        }
      return TRUE;   /* a URL, a data: URI, text */
    }

  uri = g_file_get_uri (file);
  job = g_hash_table_lookup (batch->by_uri, uri);
  if (job == NULL)
    {
      job = g_new0 (Job, 1);
      job->file = g_steal_pointer (&file);
      job->path = g_strdup (path);
      job->nodes = g_ptr_array_new ();
      g_ptr_array_add (batch->jobs, job);
      g_hash_table_insert (batch->by_uri, g_steal_pointer (&uri), job);
    }
  g_ptr_array_add (job->nodes, node);
  return TRUE;
}

static gboolean
walk (Batch       *batch,
      JsonNode    *node,
      char       **segments,
      GString     *path,
      GError     **error)
{
  gsize path_len = path->len;
  gboolean ok = TRUE;

  while (*segments && **segments == '\0')
    segments++;   /* "/a", "a//b" */
  if (*segments == NULL)
    return mark_value (batch, node, path->str, error);

  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      guint64 index;

      if (g_str_equal (*segments, "*"))
        {
          for (guint i = 0; ok && i < json_array_get_length (array); i++)
            {
              g_string_append_printf (path, "%s%u", path->len ? "/" : "", i);
              ok = walk (batch, json_array_get_element (array, i), segments + 1, path, error);
              g_string_truncate (path, path_len);
            }
          return ok;
        }
      if (!g_ascii_string_to_unsigned (*segments, 10, 0, G_MAXUINT, &index, NULL) ||
          index >= json_array_get_length (array))
        return TRUE;
      g_string_append_printf (path, "%s%s", path->len ? "/" : "", *segments);
      ok = walk (batch, json_array_get_element (array, (guint) index), segments + 1, path, error);
      g_string_truncate (path, path_len);
      return ok;
    }

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);

      if (g_str_equal (*segments, "*"))
        {
          g_autoptr(GList) members = json_object_get_members (object);

          for (GList *l = members; ok && l; l = l->next)
            {
              g_string_append_printf (path, "%s%s", path->len ? "/" : "", (const char *) l->data);
              ok = walk (batch, json_object_get_member (object, l->data), segments + 1, path, error);
              g_string_truncate (path, path_len);
            }
          return ok;
        }
      else
        {
          g_autofree char *name = unescape_segment (*segments);
          JsonNode *member = json_object_get_member (object, name);

          if (member == NULL)
            return TRUE;
          g_string_append_printf (path, "%s%s", path->len ? "/" : "", *segments);
          ok = walk (batch, member, segments + 1, path, error);
          g_string_truncate (path, path_len);
          return ok;
        }
    }

  return TRUE;   /* a path through a plain value: nothing there */
}

/* ------------------------------------------------------------------ uploading */

static void start_next (GTask *task);

/* While uploads run, the task holds itself: nothing else does. */
static void
end (GTask  *task,
     GError *error)
{
  Batch *batch = g_task_get_task_data (task);

  if (batch->over)
    {
      g_clear_error (&error);
      return;
    }
  batch->over = TRUE;
  if (error)
    {
      /* Freeing the jobs cancels whatever still runs. */
      g_ptr_array_set_size (batch->jobs, 0);
      g_task_return_error (task, error);
    }
  else
    g_task_return_pointer (task, json_node_ref (batch->output), (GDestroyNotify) json_node_unref);
  g_object_unref (task);
}

static void
upload_finished_cb (FalUpload *upload,
                    GTask     *task)
{
  Batch *batch = g_task_get_task_data (task);
  g_autoptr(FalUpload) hold = g_object_ref (upload);
  Job *job = NULL;

  for (guint i = 0; i < batch->jobs->len && job == NULL; i++)
    if (((Job *) g_ptr_array_index (batch->jobs, i))->upload == upload)
      job = g_ptr_array_index (batch->jobs, i);
  if (job == NULL || batch->over)
    return;

  batch->running--;
  batch->done++;
  if (fal_upload_get_state (upload) != FAL_UPLOAD_DONE)
    {
      GError *error = g_error_copy (fal_upload_get_error (upload));

      g_prefix_error (&error, "%s: ", job->path);
      end (task, error);
      return;
    }

  for (guint i = 0; i < job->nodes->len; i++)
    json_node_set_string (g_ptr_array_index (job->nodes, i), fal_upload_get_url (upload));

  if (batch->done == batch->jobs->len)
    end (task, NULL);
  else
    start_next (task);
}

static void
start_next (GTask *task)
{
  Batch *batch = g_task_get_task_data (task);

  while (!batch->over && batch->running < batch->max_parallel && batch->next < batch->jobs->len)
    {
      Job *job = g_ptr_array_index (batch->jobs, batch->next++);

      job->upload = fal_client_upload (g_task_get_source_object (task), job->file, NULL);
      /* The task lives as long as its jobs: no reference needed. */
      job->finished_handler = g_signal_connect (job->upload, "finished", G_CALLBACK (upload_finished_cb), task);
      batch->running++;
      if (batch->uploads)
        g_list_store_append (batch->uploads, job->upload);
    }
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  GTask *task = data;

  end (task, g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, _("Uploads cancelled")));
  return G_SOURCE_REMOVE;
}

void
fal_client_upload_inputs_full_async (FalClient           *client,
                                     JsonNode            *input,
                                     const char * const  *file_paths,
                                     guint                max_parallel,
                                     GListStore          *uploads,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GString) path = g_string_new (NULL);
  GError *error = NULL;
  Batch *batch;

  g_return_if_fail (FAL_IS_CLIENT (client));
  g_return_if_fail (input != NULL);
  g_return_if_fail (uploads == NULL || G_IS_LIST_STORE (uploads));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_client_upload_inputs_async);
  /* A cancel is told as FAL_ERROR_CANCELLED, like every libfal call. */
  g_task_set_check_cancellable (task, FALSE);

  batch = g_new0 (Batch, 1);
  batch->output = fal_json_deep_copy (input);
  batch->jobs = g_ptr_array_new_with_free_func (job_free);
  batch->by_uri = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  batch->uploads = uploads ? g_object_ref (uploads) : NULL;
  batch->max_parallel = max_parallel ? max_parallel : FAL_AUTO_UPLOAD_MAX_PARALLEL;
  g_task_set_task_data (task, batch, batch_free);

  for (guint i = 0; file_paths && file_paths[i]; i++)
    {
      g_auto(GStrv) segments = g_strsplit (file_paths[i], "/", -1);

      g_string_truncate (path, 0);
      if (!walk (batch, batch->output, segments, path, &error))
        {
          batch->over = TRUE;
          g_task_return_error (task, error);
          return;
        }
    }

  if (batch->jobs->len == 0)
    {
      batch->over = TRUE;
      g_task_return_pointer (task, json_node_ref (batch->output), (GDestroyNotify) json_node_unref);
      return;
    }

  if (cancellable)
    {
      /* On this thread's context, whichever thread cancels. */
      batch->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (batch->cancel_source, G_SOURCE_FUNC (cancelled_cb), task, NULL);
      g_source_attach (batch->cancel_source, g_main_context_get_thread_default ());
    }
  g_object_ref (task);   /* dropped by end () */
  start_next (task);
}

void
fal_client_upload_inputs_async (FalClient           *client,
                                JsonNode            *input,
                                const char * const  *file_paths,
                                guint                max_parallel,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  fal_client_upload_inputs_full_async (client, input, file_paths, max_parallel, NULL,
                                       cancellable, callback, user_data);
}

JsonNode *
fal_client_upload_inputs_finish (FalClient     *client,
                                 GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == fal_client_upload_inputs_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
