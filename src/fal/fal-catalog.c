/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-catalog.h"
#include "fal-client-private.h"
#include "fal-error.h"
#include "fal-json.h"
#include "fal-schema-cache.h"
#include "fal-i18n-private.h"

/* Find mode takes at most this many ids a call. */
#define FIND_BATCH 50
/* How long an inlined OpenAPI document stands for the endpoint's schema
 * without asking fal.ai again: as long as fal's own Cache-Control. */
#define SCHEMA_FRESH_SECONDS 300

struct _FalCatalogPage
{
  gatomicrefcount ref_count;
  GPtrArray *models;
  char *next_cursor;
  gboolean has_more;
};

G_DEFINE_BOXED_TYPE (FalCatalogPage, fal_catalog_page, fal_catalog_page_ref, fal_catalog_page_unref)

FalCatalogPage *
fal_catalog_page_ref (FalCatalogPage *page)
{
  g_return_val_if_fail (page != NULL, NULL);
  g_atomic_ref_count_inc (&page->ref_count);
  return page;
}

void
fal_catalog_page_unref (FalCatalogPage *page)
{
  g_return_if_fail (page != NULL);
  if (!g_atomic_ref_count_dec (&page->ref_count))
    return;
  g_ptr_array_unref (page->models);
  g_free (page->next_cursor);
  g_free (page);
}

GPtrArray *fal_catalog_page_get_models (FalCatalogPage *page) { g_return_val_if_fail (page != NULL, NULL); return page->models; }
const char *fal_catalog_page_get_next_cursor (FalCatalogPage *page) { g_return_val_if_fail (page != NULL, NULL); return page->next_cursor; }
gboolean fal_catalog_page_get_has_more (FalCatalogPage *page) { g_return_val_if_fail (page != NULL, FALSE); return page->has_more; }

struct _FalCatalog
{
  GObject parent_instance;

  FalClient *client;
  char *schema_cache_dir;
};

G_DEFINE_FINAL_TYPE (FalCatalog, fal_catalog, G_TYPE_OBJECT)

static void
fal_catalog_finalize (GObject *object)
{
  FalCatalog *self = (FalCatalog *)object;

  g_clear_object (&self->client);
  g_free (self->schema_cache_dir);

  G_OBJECT_CLASS (fal_catalog_parent_class)->finalize (object);
}

static void
fal_catalog_class_init (FalCatalogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_catalog_finalize;
}

static void
fal_catalog_init (FalCatalog *self)
{
}

FalCatalog *
fal_catalog_new (FalClient *client)
{
  FalCatalog *self;

  g_return_val_if_fail (FAL_IS_CLIENT (client), NULL);

  self = g_object_new (FAL_TYPE_CATALOG, NULL);
  self->client = g_object_ref (client);
  return self;
}

void
fal_catalog_set_schema_cache_dir (FalCatalog *self,
                                  const char *dir)
{
  g_return_if_fail (FAL_IS_CATALOG (self));
  g_free (self->schema_cache_dir);
  self->schema_cache_dir = g_strdup (dir);
}

/* ------------------------------------------------------------------ one call */

typedef struct {
  JsonNode *answer;
  char *schema_cache_dir;
} PageWork;

static void
page_work_free (gpointer data)
{
  PageWork *work = data;

  g_clear_pointer (&work->answer, json_node_unref);
  g_free (work->schema_cache_dir);
  g_free (work);
}

/* In a worker: an expanded page can hold megabytes of documents. */
static void
build_page_thread (GTask        *task,
                   gpointer      source,
                   gpointer      data,
                   GCancellable *cancellable)
{
  PageWork *work = data;
  JsonObject *root = JSON_NODE_HOLDS_OBJECT (work->answer) ? json_node_get_object (work->answer) : NULL;
  JsonArray *models = root ? fal_json_get_array (root, "models") : NULL;
  g_autoptr(FalCatalogPage) page = NULL;
  const char *cursor;

  if (models == NULL)
    {
      g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_PROTOCOL,
                               _("The model catalog answered without a list of models"));
      return;
    }

  page = g_new0 (FalCatalogPage, 1);
  g_atomic_ref_count_init (&page->ref_count);
  page->models = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonNode *element = json_array_get_element (models, i);
      g_autoptr(GError) error = NULL;
      FalModel *model;
      JsonNode *openapi;

      if (!JSON_NODE_HOLDS_OBJECT (element) ||
          !(model = fal_model_new_from_json (json_node_get_object (element), &error)))
        {
          g_debug ("Skipping a model of the catalog: %s", error ? error->message : "not an object");
          continue;
        }
      g_ptr_array_add (page->models, model);
      if ((openapi = fal_model_get_openapi (model)) != NULL &&
          !fal_schema_cache_store (work->schema_cache_dir, fal_model_get_endpoint_id (model), openapi,
                                   SCHEMA_FRESH_SECONDS, &error))
        g_debug ("Could not cache the schema of %s: %s", fal_model_get_endpoint_id (model), error->message);
    }
  /* Cancelled while the page was built: it ends cancelled, like every
   * libfal call, not with an answer nobody wants. */
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_CANCELLED, _("Cancelled"));
      return;
    }
  cursor = fal_json_get_string (root, "next_cursor");
  page->next_cursor = cursor && *cursor ? g_strdup (cursor) : NULL;
  page->has_more = json_object_get_boolean_member_with_default (root, "has_more", FALSE) && page->next_cursor;
  g_task_return_pointer (task, g_steal_pointer (&page), (GDestroyNotify) fal_catalog_page_unref);
}

static void
models_answer_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GTask) task = data;
  FalCatalog *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  JsonNode *answer = _fal_client_call_finish (FAL_CLIENT (source), result, NULL, NULL, &error);
  PageWork *work;

  if (answer == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  work = g_new0 (PageWork, 1);
  work->answer = answer;
  work->schema_cache_dir = g_strdup (self->schema_cache_dir);
  g_task_set_task_data (task, work, page_work_free);
  g_task_run_in_thread (task, build_page_thread);
}

/* GET {api}/v1/models?QUERY, answered as a FalCatalogPage. */
static void
get_page (FalCatalog          *self,
          GString             *query,
          GCancellable        *cancellable,
          GAsyncReadyCallback  callback,
          gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *path = g_strconcat ("v1/models", query->len ? "?" : "", query->str, NULL);
  g_autofree char *url = _fal_client_build_url (self->client, FAL_HOST_API, path);

  g_task_set_source_tag (task, get_page);
  g_task_set_check_cancellable (task, FALSE);
  /* Retried as briefly as fal's default: a person is waiting. */
  _fal_client_call_async (self->client, "GET", url, NULL, NULL, FAL_RETRY_DEFAULT, FALSE, cancellable,
                          models_answer_cb, task);
}

static FalCatalogPage *
get_page_finish (FalCatalog    *self,
                 GAsyncResult  *result,
                 GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
append_param (GString    *query,
              const char *name,
              const char *value)
{
  g_autofree char *escaped = NULL;

  if (value == NULL || *value == '\0')
    return;
  escaped = g_uri_escape_string (value, NULL, FALSE);
  g_string_append_printf (query, "%s%s=%s", query->len ? "&" : "", name, escaped);
}

/* ------------------------------------------------------------------ search */

static void
search_page_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  FalCatalogPage *page = get_page_finish (FAL_CATALOG (source), result, &error);

  if (page)
    g_task_return_pointer (task, page, (GDestroyNotify) fal_catalog_page_unref);
  else
    g_task_return_error (task, error);
}

void
fal_catalog_search_async (FalCatalog            *self,
                          const FalCatalogQuery *query,
                          const char            *cursor,
                          GCancellable          *cancellable,
                          GAsyncReadyCallback    callback,
                          gpointer               user_data)
{
  GTask *task;
  g_autoptr(GString) params = g_string_new (NULL);

  g_return_if_fail (FAL_IS_CATALOG (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_catalog_search_async);
  g_task_set_check_cancellable (task, FALSE);

  if (query && query->limit > 0)
    g_string_append_printf (params, "limit=%u", query->limit);
  append_param (params, "cursor", cursor);
  if (query)
    {
      g_autofree char *q = query->query ? g_strstrip (g_strdup (query->query)) : NULL;

      append_param (params, "q", q);
      append_param (params, "category", query->category);
      append_param (params, "status", query->status == FAL_MODEL_STATUS_ACTIVE ? "active" :
                                      query->status == FAL_MODEL_STATUS_DEPRECATED ? "deprecated" : NULL);
      if (query->expand_openapi)
        append_param (params, "expand", "openapi-3.0");
    }
  get_page (self, params, cancellable, search_page_cb, task);
}

FalCatalogPage *
fal_catalog_search_finish (FalCatalog    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (FAL_IS_CATALOG (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, fal_catalog_search_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ find */

typedef struct {
  GStrv ids;
  guint next;                /* the first id of the next batch */
  gboolean expand_openapi;
  GHashTable *found;         /* id → FalModel */
} Find;

static void
find_free (gpointer data)
{
  Find *find = data;

  g_strfreev (find->ids);
  g_hash_table_unref (find->found);
  g_free (find);
}

static void find_next_batch (GTask *task);

static void
find_page_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  Find *find = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(FalCatalogPage) page = get_page_finish (FAL_CATALOG (source), result, &error);

  if (page == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < page->models->len; i++)
    {
      FalModel *model = g_ptr_array_index (page->models, i);

      g_hash_table_replace (find->found, (gpointer) fal_model_get_endpoint_id (model), g_object_ref (model));
    }
  find_next_batch (g_steal_pointer (&task));
}

static void
find_next_batch (GTask *task)
{
  Find *find = g_task_get_task_data (task);
  g_autoptr(GString) params = g_string_new (NULL);
  GPtrArray *models;

  if (find->ids[find->next] == NULL)
    {
      models = g_ptr_array_new_with_free_func (g_object_unref);
      for (guint i = 0; find->ids[i]; i++)
        {
          FalModel *model = g_hash_table_lookup (find->found, find->ids[i]);

          if (model && !g_ptr_array_find (models, model, NULL))
            g_ptr_array_add (models, g_object_ref (model));
        }
      g_task_return_pointer (task, models, (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }

  for (guint n = 0; n < FIND_BATCH && find->ids[find->next]; n++)
    append_param (params, "endpoint_id", find->ids[find->next++]);
  g_string_append_printf (params, "&limit=%u", FIND_BATCH);
  if (find->expand_openapi)
    append_param (params, "expand", "openapi-3.0");
  get_page (g_task_get_source_object (task), params, g_task_get_cancellable (task), find_page_cb, task);
}

void
fal_catalog_find_async (FalCatalog          *self,
                        const char * const  *endpoint_ids,
                        gboolean             expand_openapi,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task;
  Find *find;

  g_return_if_fail (FAL_IS_CATALOG (self));
  g_return_if_fail (endpoint_ids != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_catalog_find_async);
  g_task_set_check_cancellable (task, FALSE);
  find = g_new0 (Find, 1);
  find->ids = g_strdupv ((char **) endpoint_ids);
  find->expand_openapi = expand_openapi;
  /* Keys point into the models, which the table owns. */
  find->found = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_object_unref);
  g_task_set_task_data (task, find, find_free);
  find_next_batch (task);
}

GPtrArray *
fal_catalog_find_finish (FalCatalog    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (FAL_IS_CATALOG (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, fal_catalog_find_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
