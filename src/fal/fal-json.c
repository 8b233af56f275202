/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-error.h"
#include "fal-json-private.h"
#include "fal-i18n-private.h"

/* The deepest nesting of arrays and objects, stopping once past limit;
 * brackets inside strings do not count. */
static guint
nesting_depth (const char *data,
               gsize       length,
               guint       limit)
{
  guint depth = 0, deepest = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length && deepest <= limit; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '[' || c == '{')
        {
          depth++;
          deepest = MAX (deepest, depth);
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return deepest;
}

JsonNode *
fal_json_parse (const char  *data,
                gsize        length,
                GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (length > G_MAXSSIZE)
    {
      g_set_error_literal (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("The answer is too large to parse"));
      return NULL;
    }
  if (nesting_depth (data, length, FAL_JSON_MAX_DEPTH) > FAL_JSON_MAX_DEPTH)
    {
      g_set_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL,
                   _("The answer is nested more than %d levels deep: refused"), FAL_JSON_MAX_DEPTH);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) length, &local_error))
    {
      g_autofree char *message = g_strdup_printf (_("The answer is not valid JSON: %s"), local_error->message);

      /* Garbled on its way, most likely: the same call may come whole. */
      g_propagate_error (error, fal_error_new_literal_full (FAL_ERROR_PROTOCOL, message, 0, NULL, "garbled_answer"));
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_propagate_error (error, fal_error_new_literal_full (FAL_ERROR_PROTOCOL, _("The answer is empty where JSON was expected"),
                                                            0, NULL, "garbled_answer"));
      return NULL;
    }
  return json_node_ref (root);
}

typedef struct {
  GBytes *bytes;
  FalJsonThenFunc then;
  gpointer then_data;
  GDestroyNotify then_data_free;
} ParseJob;

static void
parse_job_free (gpointer data)
{
  ParseJob *job = data;

  g_bytes_unref (job->bytes);
  if (job->then_data_free)
    job->then_data_free (job->then_data);
  g_free (job);
}

static void
parse_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ParseJob *job = task_data;
  GError *error = NULL;
  gsize length = 0;
  const char *data = g_bytes_get_data (job->bytes, &length);
  JsonNode *node = fal_json_parse (data, length, &error);

  if (node == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (job->then)
    job->then (node, job->then_data);
  /* A result nobody takes (the call was cancelled meanwhile) is freed
   * where the task is: the main loop, most often. */
  g_task_return_pointer (task, node, (GDestroyNotify) fal_json_unref_later);
}

void
_fal_json_parse_then_async (GBytes              *bytes,
                            FalJsonThenFunc      then,
                            gpointer             then_data,
                            GDestroyNotify       then_data_free,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  ParseJob *job = g_new0 (ParseJob, 1);

  g_task_set_source_tag (task, fal_json_parse_async);
  job->bytes = g_bytes_ref (bytes);
  job->then = then;
  job->then_data = then_data;
  job->then_data_free = then_data_free;
  g_task_set_task_data (task, job, parse_job_free);
  if (g_bytes_get_size (bytes) > FAL_JSON_THREAD_THRESHOLD)
    g_task_run_in_thread (task, parse_thread);
  else
    parse_thread (task, NULL, job, cancellable);
}

void
fal_json_parse_async (GBytes              *bytes,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  _fal_json_parse_then_async (bytes, NULL, NULL, NULL, cancellable, callback, user_data);
}

JsonNode *
fal_json_parse_finish (GAsyncResult  *result,
                       GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static JsonNode *
value_member (JsonObject *object,
              const char *member,
              GType       type)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

const char *
fal_json_get_string (JsonObject *object,
                     const char *member)
{
  JsonNode *node = value_member (object, member, G_TYPE_STRING);

  return node ? json_node_get_string (node) : NULL;
}

gboolean
fal_json_get_int (JsonObject *object,
                  const char *member,
                  gint64     *value)
{
  JsonNode *node = value_member (object, member, G_TYPE_INT64);

  if (node == NULL)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

gboolean
fal_json_get_double (JsonObject *object,
                     const char *member,
                     double     *value)
{
  JsonNode *node = value_member (object, member, G_TYPE_DOUBLE);

  if (node)
    {
      *value = json_node_get_double (node);
      return TRUE;
    }
  node = value_member (object, member, G_TYPE_INT64);
  if (node)
    {
      *value = (double) json_node_get_int (node);
      return TRUE;
    }
  return FALSE;
}

JsonObject *
fal_json_get_object (JsonObject *object,
                     const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

JsonArray *
fal_json_get_array (JsonObject *object,
                    const char *member)
{
  JsonNode *node = object ? json_object_get_member (object, member) : NULL;

  return node && JSON_NODE_HOLDS_ARRAY (node) ? json_node_get_array (node) : NULL;
}

char *
fal_json_to_string (JsonNode *node,
                    gboolean  pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();

  json_generator_set_root (generator, node);
  json_generator_set_pretty (generator, pretty);
  return json_generator_to_data (generator, NULL);
}

typedef struct {
  gpointer data;
  GDestroyNotify free_func;
} Garbage;

static void
free_garbage (gpointer data,
              gpointer user_data)
{
  Garbage *garbage = data;

  garbage->free_func (garbage->data);
  g_free (garbage);
}

void
_fal_free_later (gpointer       data,
                 GDestroyNotify free_func)
{
  static GThreadPool *pool;
  Garbage *garbage;

  if (data == NULL)
    return;
  if (g_once_init_enter (&pool))
    g_once_init_leave (&pool, g_thread_pool_new (free_garbage, NULL, 1, FALSE, NULL));
  garbage = g_new (Garbage, 1);
  garbage->data = data;
  garbage->free_func = free_func;
  g_thread_pool_push (pool, garbage, NULL);
}

void
fal_json_unref_later (JsonNode *node)
{
  _fal_free_later (node, (GDestroyNotify) json_node_unref);
}

JsonNode *
fal_json_deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObject *object_copy = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, object);
      while (json_object_iter_next_ordered (&iter, &name, &member))
        json_object_set_member (object_copy, name, fal_json_deep_copy (member));
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, object_copy);
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *array_copy = json_array_sized_new (json_array_get_length (array));

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (array_copy, fal_json_deep_copy (json_array_get_element (array, i)));
      copy = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (copy, array_copy);
      return copy;
    }
  return json_node_copy (node);
}
