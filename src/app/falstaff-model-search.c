/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "falstaff-endpoint-info.h"
#include "falstaff-memory.h"
#include "falstaff-model-search.h"

#define PAGE_SIZE 25
#define SAVE_DELAY_MS 1000

struct _FalstaffModelSearch
{
  GObject parent_instance;

  FalCatalog *catalog;
  FalstaffCatalog *fallback;
  GListStore *results;          /* FalstaffEndpointInfo */
  GHashTable *result_ids;       /* ids in results, against duplicates across pages */
  char *query;                  /* the one wanted */
  char *results_query;          /* the one the results are for */
  char *cursor;
  GCancellable *cancellable;    /* the search in flight */
  guint debounce_id;
  guint slow_id;                /* a search that has not answered yet */
  gboolean asked;
  gboolean loading;
  gboolean has_more;
  gboolean offline;
  char *cache_age;

  /* The catalog seen for the empty query, accumulated over pages and
   * launches, kept on disk for when fal cannot be reached. */
  char *cache_path;
  GPtrArray *cached;            /* FalModel, in the order first seen */
  GHashTable *cached_index;     /* id -> position in cached + 1 */
  gint64 saved_at;              /* unix seconds of the cached models */
  gboolean cache_loaded;
  guint save_id;
  GCancellable *io_cancellable;
};

G_DEFINE_FINAL_TYPE (FalstaffModelSearch, falstaff_model_search, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_LOADING,
  PROP_HAS_MORE,
  PROP_OFFLINE,
  PROP_CACHE_AGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_boolean (FalstaffModelSearch *self,
             gboolean            *field,
             gboolean             value,
             guint                prop)
{
  if (*field == value)
    return;
  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop]);
}

static void
set_cache_age (FalstaffModelSearch *self,
               const char          *text)
{
  if (g_strcmp0 (self->cache_age, text) == 0)
    return;
  g_free (self->cache_age);
  self->cache_age = g_strdup (text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CACHE_AGE]);
}

static char *
describe_age (gint64 saved_at)
{
  gint64 seconds = MAX (0, g_get_real_time () / G_USEC_PER_SEC - saved_at);
  gint64 minutes = seconds / 60, hours = minutes / 60, days = hours / 24;

  if (minutes < 1)
    return g_strdup (_("just now"));
  if (hours < 1)
    return g_strdup_printf (ngettext ("%d minute ago", "%d minutes ago", minutes), (int) minutes);
  if (days < 2)
    return g_strdup_printf (ngettext ("%d hour ago", "%d hours ago", hours), (int) hours);
  return g_strdup_printf (ngettext ("%d day ago", "%d days ago", days), (int) days);
}

static void
replace_results (FalstaffModelSearch *self,
                 GPtrArray           *infos)
{
  g_hash_table_remove_all (self->result_ids);
  for (guint i = 0; i < infos->len; i++)
    g_hash_table_add (self->result_ids, g_strdup (falstaff_endpoint_info_get_id (infos->pdata[i])));
  g_list_store_splice (self->results, 0, g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                       infos->pdata, infos->len);
}

/* ------------------------------------------------------------ disk cache */

typedef struct {
  GPtrArray *models;
  gint64 saved_at;
} CacheContents;

static void
cache_contents_free (CacheContents *contents)
{
  g_clear_pointer (&contents->models, g_ptr_array_unref);
  g_free (contents);
}

static void
load_cache_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  CacheContents *contents;
  JsonObject *root;
  JsonArray *models;

  if (!json_parser_load_from_mapped_file (parser, path, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)) ||
      (root = json_node_get_object (json_parser_get_root (parser))) == NULL ||
      (models = json_object_get_array_member (root, "models")) == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "Not a catalog: %s", path);
      return;
    }
  contents = g_new0 (CacheContents, 1);
  contents->saved_at = json_object_get_int_member_with_default (root, "saved_at", 0);
  contents->models = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonNode *node = json_array_get_element (models, i);
      FalModel *model;

      if (JSON_NODE_HOLDS_OBJECT (node) && (model = fal_model_new_from_json (json_node_get_object (node), NULL)))
        g_ptr_array_add (contents->models, model);
    }
  g_task_return_pointer (task, contents, (GDestroyNotify) cache_contents_free);
}

static void remember_models (FalstaffModelSearch *self, GPtrArray *models);
static void show_fallback (FalstaffModelSearch *self);

static void
load_cache_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  FalstaffModelSearch *self = FALSTAFF_MODEL_SEARCH (object);
  CacheContents *contents = g_task_propagate_pointer (G_TASK (result), NULL);
  gint64 saved_at = self->saved_at;

  if (g_task_had_error (G_TASK (result)) && g_cancellable_is_cancelled (self->io_cancellable))
    return;
  self->cache_loaded = TRUE;
  if (contents)
    {
      /* Models fal gave since the launch stay; the file's fill in after. */
      guint before = self->cached->len;
      g_autoptr(GPtrArray) fresh = g_ptr_array_copy (self->cached, (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

      g_ptr_array_set_size (self->cached, 0);
      g_hash_table_remove_all (self->cached_index);
      remember_models (self, contents->models);
      remember_models (self, fresh);
      self->saved_at = before > 0 ? saved_at : contents->saved_at;
      cache_contents_free (contents);
    }
  if (self->offline)
    show_fallback (self);
}

static void
save_cache_thread (GTask        *task,
                   gpointer      source_object,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  GPtrArray *args = task_data;
  const char *path = args->pdata[0];
  const char *text = args->pdata[1];
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(GError) error = NULL;

  if (g_mkdir_with_parents (dir, 0700) != 0 || !g_file_set_contents (path, text, -1, &error))
    g_debug ("The catalog could not be kept in %s: %s", path, error ? error->message : g_strerror (errno));
  g_task_return_boolean (task, TRUE);
}

static gboolean
save_cache_cb (gpointer data)
{
  FalstaffModelSearch *self = data;
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GTask) task = NULL;
  GPtrArray *args = g_ptr_array_new_with_free_func (g_free);

  self->save_id = 0;
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "saved_at");
  json_builder_add_int_value (builder, self->saved_at);
  json_builder_set_member_name (builder, "models");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->cached->len; i++)
    {
      JsonNode *node = json_node_new (JSON_NODE_OBJECT);

      json_node_take_object (node, fal_model_to_json (self->cached->pdata[i]));
      json_builder_add_value (builder, node);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);

  g_ptr_array_add (args, g_strdup (self->cache_path));
  g_ptr_array_add (args, json_to_string (root, FALSE));
  task = g_task_new (NULL, self->io_cancellable, NULL, NULL);
  g_task_set_source_tag (task, save_cache_cb);
  g_task_set_task_data (task, args, (GDestroyNotify) g_ptr_array_unref);
  g_task_run_in_thread (task, save_cache_thread);
  return G_SOURCE_REMOVE;
}

/* The model without its OpenAPI document: a page asked with
 * expand=openapi-3.0 has each model's inlined (~40 KiB parsed), which the
 * catalog has written to the schema cache already. */
static FalModel *
lean_copy (FalModel *model)
{
  g_autoptr(JsonObject) object = NULL;

  if (fal_model_get_openapi (model) == NULL)
    return g_object_ref (model);
  object = fal_model_to_json (model);
  return fal_model_new_from_json (object, NULL);
}

static void
remember_models (FalstaffModelSearch *self,
                 GPtrArray           *models)
{
  for (guint i = 0; i < models->len; i++)
    {
      FalModel *model = lean_copy (models->pdata[i]);
      const char *id;
      guint position;

      if (model == NULL)
        continue;
      id = fal_model_get_endpoint_id (model);
      position = GPOINTER_TO_UINT (g_hash_table_lookup (self->cached_index, id));
      if (position > 0)
        {
          g_object_unref (self->cached->pdata[position - 1]);
          self->cached->pdata[position - 1] = model;
        }
      else
        {
          g_ptr_array_add (self->cached, model);
          g_hash_table_insert (self->cached_index, g_strdup (id), GUINT_TO_POINTER (self->cached->len));
        }
    }
}

/* Models fal listed for the empty query: kept, and written a moment later
 * (once for a run of pages). */
static void
keep_models (FalstaffModelSearch *self,
             GPtrArray           *models)
{
  remember_models (self, models);
  self->saved_at = g_get_real_time () / G_USEC_PER_SEC;
  if (self->save_id == 0)
    self->save_id = g_timeout_add (SAVE_DELAY_MS, save_cache_cb, self);
}

/* -------------------------------------------------------------- searching */

static void
show_fallback (FalstaffModelSearch *self)
{
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func (g_object_unref);

  if (self->cached->len > 0)
    {
      g_autofree char *age = describe_age (self->saved_at);

      for (guint i = 0; i < self->cached->len; i++)
        if (fal_model_matches (self->cached->pdata[i], self->query))
          g_ptr_array_add (infos, falstaff_endpoint_info_new_from_model (self->cached->pdata[i]));
      set_cache_age (self, age);
    }
  else
    {
      GListModel *catalog = G_LIST_MODEL (self->fallback);

      for (guint i = 0; catalog && i < g_list_model_get_n_items (catalog); i++)
        {
          g_autoptr(FalstaffEndpointInfo) info = g_list_model_get_item (catalog, i);

          if (falstaff_endpoint_info_matches (info, self->query))
            g_ptr_array_add (infos, g_object_ref (info));
        }
      set_cache_age (self, NULL);
    }
  g_free (self->results_query);
  self->results_query = g_strdup (self->query);
  g_clear_pointer (&self->cursor, g_free);
  replace_results (self, infos);
  set_boolean (self, &self->has_more, FALSE, PROP_HAS_MORE);
}

static gboolean
is_offline_error (const GError *error)
{
  return error->domain == FAL_ERROR &&
         (error->code == FAL_ERROR_NETWORK || error->code == FAL_ERROR_TIMEOUT ||
          error->code == FAL_ERROR_SERVER || error->code == FAL_ERROR_PROTOCOL ||
          error->code == FAL_ERROR_RATE_LIMITED);
}

typedef struct {
  FalstaffModelSearch *self;
  gboolean more;
  GCancellable *cancellable;    /* the search's own: stale once replaced */
} Ask;

static void
search_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Ask *ask = user_data;
  g_autoptr(FalstaffModelSearch) self = ask->self;
  gboolean more = ask->more;
  g_autoptr(GError) error = NULL;
  g_autoptr(FalCatalogPage) page = fal_catalog_search_finish (FAL_CATALOG (object), result, &error);
  g_autoptr(GPtrArray) infos = NULL;
  GPtrArray *models;
  gboolean stale;

  /* A newer search owns the state, whether this one ended cancelled or
   * had its answer on the way when it was replaced. */
  stale = ask->cancellable != self->cancellable || g_cancellable_is_cancelled (ask->cancellable);
  g_object_unref (ask->cancellable);
  g_free (ask);
  if (stale)
    return;

  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->slow_id, g_source_remove);
  if (page == NULL)
    {
      g_debug ("The model search failed: %s", error->message);
      if (more)
        /* The results so far stay; scrolling does not ask again and again. */
        set_boolean (self, &self->has_more, FALSE, PROP_HAS_MORE);
      else
        {
          set_boolean (self, &self->offline, is_offline_error (error), PROP_OFFLINE);
          show_fallback (self);
        }
      set_boolean (self, &self->loading, FALSE, PROP_LOADING);
      return;
    }

  models = fal_catalog_page_get_models (page);
  /* The page was parsed on a worker, OpenAPI documents and all. */
  falstaff_memory_trim_soon ();
  infos = g_ptr_array_new_with_free_func (g_object_unref);
  if (!more)
    g_hash_table_remove_all (self->result_ids);
  for (guint i = 0; i < models->len; i++)
    {
      const char *id = fal_model_get_endpoint_id (models->pdata[i]);

      if (g_hash_table_contains (self->result_ids, id))
        continue;
      g_hash_table_add (self->result_ids, g_strdup (id));
      g_ptr_array_add (infos, falstaff_endpoint_info_new_from_model (models->pdata[i]));
    }
  if (self->query == NULL || *self->query == '\0')
    keep_models (self, models);

  g_free (self->cursor);
  self->cursor = g_strdup (fal_catalog_page_get_next_cursor (page));
  g_free (self->results_query);
  self->results_query = g_strdup (self->query);
  set_boolean (self, &self->offline, FALSE, PROP_OFFLINE);
  set_cache_age (self, NULL);
  set_boolean (self, &self->has_more, fal_catalog_page_get_has_more (page) && self->cursor != NULL, PROP_HAS_MORE);
  set_boolean (self, &self->loading, FALSE, PROP_LOADING);
  g_list_store_splice (self->results,
                       more ? g_list_model_get_n_items (G_LIST_MODEL (self->results)) : 0,
                       more ? 0 : g_list_model_get_n_items (G_LIST_MODEL (self->results)),
                       infos->pdata, infos->len);
}

/* fal has not answered a new query for a while (no network: the client
 * retries before it gives up, 6–20 s): the kept list, or the built-in
 * one, meanwhile; the answer replaces it when it comes. */
#define SLOW_SEARCH_MS 1000

static gboolean
slow_cb (gpointer data)
{
  FalstaffModelSearch *self = data;

  self->slow_id = 0;
  if (self->loading && g_strcmp0 (self->results_query, self->query) != 0)
    show_fallback (self);
  return G_SOURCE_REMOVE;
}

static void
ask (FalstaffModelSearch *self,
     gboolean             more)
{
  FalCatalogQuery query = {
    .query = self->query,
    .status = FAL_MODEL_STATUS_ANY,
    .limit = PAGE_SIZE,
    /* The form of a picked model then needs no request of its own. */
    .expand_openapi = TRUE,
  };
  Ask *data = g_new0 (Ask, 1);

  /* One search at a time: whatever is on its way is for older state. */
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  data->self = g_object_ref (self);
  data->more = more;
  data->cancellable = g_object_ref (self->cancellable);
  set_boolean (self, &self->loading, TRUE, PROP_LOADING);
  g_clear_handle_id (&self->slow_id, g_source_remove);
  if (!more)
    self->slow_id = g_timeout_add (SLOW_SEARCH_MS, slow_cb, self);
  fal_catalog_search_async (self->catalog, &query, more ? self->cursor : NULL,
                            self->cancellable, search_cb, data);
}

static gboolean
debounce_cb (gpointer data)
{
  FalstaffModelSearch *self = data;

  self->debounce_id = 0;
  ask (self, FALSE);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ object */

static void
falstaff_model_search_dispose (GObject *object)
{
  FalstaffModelSearch *self = (FalstaffModelSearch *)object;

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  g_clear_handle_id (&self->slow_id, g_source_remove);
  if (self->save_id)
    {
      /* Written now rather than lost. */
      g_clear_handle_id (&self->save_id, g_source_remove);
      save_cache_cb (self);
    }
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_cancellable_cancel (self->io_cancellable);

  G_OBJECT_CLASS (falstaff_model_search_parent_class)->dispose (object);
}

static void
falstaff_model_search_finalize (GObject *object)
{
  FalstaffModelSearch *self = (FalstaffModelSearch *)object;

  g_clear_object (&self->catalog);
  g_clear_object (&self->fallback);
  g_clear_object (&self->results);
  g_clear_object (&self->io_cancellable);
  g_clear_pointer (&self->result_ids, g_hash_table_unref);
  g_clear_pointer (&self->cached, g_ptr_array_unref);
  g_clear_pointer (&self->cached_index, g_hash_table_unref);
  g_free (self->query);
  g_free (self->results_query);
  g_free (self->cursor);
  g_free (self->cache_age);
  g_free (self->cache_path);

  G_OBJECT_CLASS (falstaff_model_search_parent_class)->finalize (object);
}

static void
falstaff_model_search_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  FalstaffModelSearch *self = FALSTAFF_MODEL_SEARCH (object);

  switch (prop_id)
    {
    case PROP_LOADING:
      g_value_set_boolean (value, self->loading);
      break;
    case PROP_HAS_MORE:
      g_value_set_boolean (value, self->has_more);
      break;
    case PROP_OFFLINE:
      g_value_set_boolean (value, self->offline);
      break;
    case PROP_CACHE_AGE:
      g_value_set_string (value, self->cache_age);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_model_search_class_init (FalstaffModelSearchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = falstaff_model_search_dispose;
  object_class->finalize = falstaff_model_search_finalize;
  object_class->get_property = falstaff_model_search_get_property;

  properties[PROP_LOADING] = g_param_spec_boolean ("loading", NULL, NULL, FALSE, flags);
  properties[PROP_HAS_MORE] = g_param_spec_boolean ("has-more", NULL, NULL, FALSE, flags);
  properties[PROP_OFFLINE] = g_param_spec_boolean ("offline", NULL, NULL, FALSE, flags);
  properties[PROP_CACHE_AGE] = g_param_spec_string ("cache-age", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
falstaff_model_search_init (FalstaffModelSearch *self)
{
  self->results = g_list_store_new (FALSTAFF_TYPE_ENDPOINT_INFO);
  self->result_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cached = g_ptr_array_new_with_free_func (g_object_unref);
  self->cached_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->io_cancellable = g_cancellable_new ();
  self->query = g_strdup ("");
}

static void
load_cache (FalstaffModelSearch *self)
{
  g_autoptr(GTask) task = g_task_new (self, self->io_cancellable, load_cache_cb, NULL);

  self->cache_loaded = FALSE;
  g_task_set_source_tag (task, load_cache);
  g_task_set_task_data (task, g_strdup (self->cache_path), g_free);
  g_task_run_in_thread (task, load_cache_thread);
}

FalstaffModelSearch *
falstaff_model_search_new (FalClient *client)
{
  FalstaffModelSearch *self;

  g_return_val_if_fail (FAL_IS_CLIENT (client), NULL);

  self = g_object_new (FALSTAFF_TYPE_MODEL_SEARCH, NULL);
  self->catalog = fal_catalog_new (client);
  self->cache_path = g_build_filename (g_get_user_cache_dir (), "falstaff", "catalog.json", NULL);
  load_cache (self);
  return self;
}

void
falstaff_model_search_set_fallback (FalstaffModelSearch *self,
                                    FalstaffCatalog     *catalog)
{
  g_return_if_fail (FALSTAFF_IS_MODEL_SEARCH (self));

  g_set_object (&self->fallback, catalog);
}

void
falstaff_model_search_set_cache_path (FalstaffModelSearch *self,
                                      const char          *path)
{
  g_return_if_fail (FALSTAFF_IS_MODEL_SEARCH (self));
  g_return_if_fail (path != NULL);

  if (g_strcmp0 (self->cache_path, path) == 0)
    return;
  g_free (self->cache_path);
  self->cache_path = g_strdup (path);
  g_ptr_array_set_size (self->cached, 0);
  g_hash_table_remove_all (self->cached_index);
  load_cache (self);
}

void
falstaff_model_search_set_query (FalstaffModelSearch *self,
                                 const char          *query)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (FALSTAFF_IS_MODEL_SEARCH (self));

  stripped = g_strstrip (g_strdup (query ? query : ""));
  if (self->asked && g_strcmp0 (stripped, self->query) == 0)
    return;
  g_free (self->query);
  self->query = g_steal_pointer (&stripped);

  /* What is on its way is for a text no longer wanted. */
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->debounce_id, g_source_remove);

  if (!self->asked)
    {
      self->asked = TRUE;
      ask (self, FALSE);
    }
  else
    {
      set_boolean (self, &self->loading, TRUE, PROP_LOADING);
      self->debounce_id = g_timeout_add (FALSTAFF_MODEL_SEARCH_DEBOUNCE_MS, debounce_cb, self);
    }
}

const char *
falstaff_model_search_get_results_query (FalstaffModelSearch *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MODEL_SEARCH (self), NULL);

  return self->results_query;
}

void
falstaff_model_search_load_more (FalstaffModelSearch *self)
{
  g_return_if_fail (FALSTAFF_IS_MODEL_SEARCH (self));

  /* One page at a time, and only of the results shown. */
  if (self->loading || !self->has_more || self->cursor == NULL || self->debounce_id != 0)
    return;
  ask (self, TRUE);
}

GListModel *
falstaff_model_search_get_results (FalstaffModelSearch *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MODEL_SEARCH (self), NULL);

  return G_LIST_MODEL (self->results);
}

gboolean
falstaff_model_search_get_loading (FalstaffModelSearch *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MODEL_SEARCH (self), FALSE);

  return self->loading;
}

gboolean
falstaff_model_search_get_has_more (FalstaffModelSearch *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MODEL_SEARCH (self), FALSE);

  return self->has_more;
}

gboolean
falstaff_model_search_get_offline (FalstaffModelSearch *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MODEL_SEARCH (self), FALSE);

  return self->offline;
}

const char *
falstaff_model_search_get_cache_age (FalstaffModelSearch *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MODEL_SEARCH (self), NULL);

  return self->cache_age;
}
