/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include "falstaff-run-store.h"
#include "falstaff-run-store-private.h"

/* How long changes to runs are gathered before they are written
 * together: at most four writes a second per run. */
#define SAVE_DELAY_MS 250

struct _FalstaffRunStore
{
  GObject parent_instance;

  char *path;
  GMainContext *context;     /* where answers and timers run */
  FalstaffRunDb *db;         /* NULL until loading starts */

  GPtrArray *runs;           /* FalstaffRun, newest first */
  GHashTable *by_id;         /* gint64* → FalstaffRun (in runs) */
  GHashTable *dirty;         /* FalstaffRun (in runs) → itself */
  GSource *save_source;
  guint save_delay_ms;

  gint64 next_id;
  char *recovery_message;

  FalstaffRunStoreStatementHook hook;
  gpointer hook_data;

  GPtrArray *complete_tasks; /* GTask: waiting for the finished runs */
  GHashTable *deleted_while_listing; /* gint64 ids: a listing read before the delete must not bring them back */

  guint loading : 1;
  guint load_done : 1;       /* successfully or not: runs may be made */
  guint loaded : 1;          /* from the file */
  guint complete : 1;        /* every run of the file is in the list */
  guint listing : 1;         /* the finished runs are being read */
};

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FalstaffRunStore, falstaff_run_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum {
  PROP_0,
  PROP_PATH,
  PROP_LOADED,
  PROP_RECOVERY_MESSAGE,
  PROP_N_ITEMS,
  PROP_COMPLETE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------ GListModel */

static GType
get_item_type (GListModel *model)
{
  return FALSTAFF_TYPE_RUN;
}

static guint
get_n_items (GListModel *model)
{
  return FALSTAFF_RUN_STORE (model)->runs->len;
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  FalstaffRunStore *self = FALSTAFF_RUN_STORE (model);

  if (position >= self->runs->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->runs, position));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
  iface->get_item = get_item;
}

static void
items_changed (FalstaffRunStore *self,
               guint             position,
               guint             removed,
               guint             added)
{
  g_list_model_items_changed (G_LIST_MODEL (self), position, removed, added);
  if (removed != added)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

/* ------------------------------------------------------------------ writing */

static void
add_run (FalstaffRunStore *self,
         FalstaffRun      *run,
         gboolean          at_top)
{
  g_assert (falstaff_run_get_id (run) > 0);

  if (at_top)
    g_ptr_array_insert (self->runs, 0, run);
  else
    g_ptr_array_add (self->runs, run);
  g_hash_table_insert (self->by_id, g_memdup2 (&(gint64) { falstaff_run_get_id (run) }, sizeof (gint64)), run);
  _falstaff_run_set_store (run, self);
}

/* Queues the changed runs for writing, in one transaction. */
static void
write_dirty (FalstaffRunStore *self)
{
  GHashTableIter iter;
  GPtrArray *rows;
  gpointer run;

  if (self->save_source != NULL)
    {
      g_source_destroy (self->save_source);
      g_clear_pointer (&self->save_source, g_source_unref);
    }
  if (g_hash_table_size (self->dirty) == 0 || self->db == NULL)
    return;

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _falstaff_run_row_free);
  g_hash_table_iter_init (&iter, self->dirty);
  while (g_hash_table_iter_next (&iter, &run, NULL))
    g_ptr_array_add (rows, _falstaff_run_snapshot (run, FALSE));
  g_hash_table_remove_all (self->dirty);
  _falstaff_run_db_push (self->db, FALSTAFF_RUN_DB_UPDATE, rows, NULL, NULL);
}

static gboolean
save_timeout_cb (gpointer data)
{
  FalstaffRunStore *self = data;

  g_clear_pointer (&self->save_source, g_source_unref);
  write_dirty (self);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------------ GObject */

static void
falstaff_run_store_dispose (GObject *object)
{
  FalstaffRunStore *self = (FalstaffRunStore *) object;

  write_dirty (self);
  for (guint i = 0; i < self->runs->len; i++)
    _falstaff_run_set_store (g_ptr_array_index (self->runs, i), NULL);
  g_hash_table_remove_all (self->dirty);
  g_hash_table_remove_all (self->by_id);
  g_ptr_array_set_size (self->runs, 0);
  /* Waits for the writes already queued. */
  g_clear_pointer (&self->db, _falstaff_run_db_free);

  G_OBJECT_CLASS (falstaff_run_store_parent_class)->dispose (object);
}

static void
falstaff_run_store_finalize (GObject *object)
{
  FalstaffRunStore *self = (FalstaffRunStore *) object;

  g_ptr_array_unref (self->runs);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->dirty);
  g_ptr_array_unref (self->complete_tasks);
  g_hash_table_unref (self->deleted_while_listing);
  g_main_context_unref (self->context);
  g_free (self->path);
  g_free (self->recovery_message);

  G_OBJECT_CLASS (falstaff_run_store_parent_class)->finalize (object);
}

static void
falstaff_run_store_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  FalstaffRunStore *self = FALSTAFF_RUN_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case PROP_RECOVERY_MESSAGE:
      g_value_set_string (value, self->recovery_message);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->runs->len);
      break;
    case PROP_COMPLETE:
      g_value_set_boolean (value, self->complete);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_run_store_set_property (GObject      *object,
                                 guint         prop_id,
                                 const GValue *value,
                                 GParamSpec   *pspec)
{
  FalstaffRunStore *self = FALSTAFF_RUN_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      if (self->path == NULL)
        self->path = falstaff_run_store_default_path ();
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_run_store_class_init (FalstaffRunStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = falstaff_run_store_dispose;
  object_class->finalize = falstaff_run_store_finalize;
  object_class->get_property = falstaff_run_store_get_property;
  object_class->set_property = falstaff_run_store_set_property;

  properties[PROP_PATH] =
    g_param_spec_string ("path", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  /* TRUE once the file's runs are in the list. */
  properties[PROP_LOADED] = g_param_spec_boolean ("loaded", NULL, NULL, FALSE, flags);
  properties[PROP_RECOVERY_MESSAGE] = g_param_spec_string ("recovery-message", NULL, NULL, NULL, flags);
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* TRUE once every run of the file is in the list (at once with
   * falstaff_run_store_load_async(); with falstaff_run_store_open_async(),
   * after falstaff_run_store_complete_async()). */
  properties[PROP_COMPLETE] = g_param_spec_boolean ("complete", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
falstaff_run_store_init (FalstaffRunStore *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->save_delay_ms = SAVE_DELAY_MS;
  self->runs = g_ptr_array_new_with_free_func (g_object_unref);
  self->by_id = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->dirty = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->complete_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->deleted_while_listing = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

/* ------------------------------------------------------------------ private API */

void
_falstaff_run_store_save (FalstaffRunStore *self,
                          FalstaffRun      *run,
                          gboolean          now)
{
  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));

  if (g_hash_table_lookup (self->by_id, &(gint64) { falstaff_run_get_id (run) }) != run)
    return;
  if (!g_hash_table_contains (self->dirty, run))
    g_hash_table_add (self->dirty, g_object_ref (run));
  if (now)
    {
      write_dirty (self);
      return;
    }
  if (self->save_source == NULL)
    {
      self->save_source = g_timeout_source_new (self->save_delay_ms);
      g_source_set_callback (self->save_source, save_timeout_cb, self, NULL);
      g_source_set_static_name (self->save_source, "[falstaff] history save");
      g_source_attach (self->save_source, self->context);
    }
}

void
_falstaff_run_store_set_statement_hook (FalstaffRunStore              *self,
                                        FalstaffRunStoreStatementHook  hook,
                                        gpointer                       user_data)
{
  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));
  g_return_if_fail (self->db == NULL);

  self->hook = hook;
  self->hook_data = user_data;
}

void
_falstaff_run_store_set_save_delay (FalstaffRunStore *self,
                                    guint             delay_ms)
{
  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));
  self->save_delay_ms = delay_ms;
}

/* ------------------------------------------------------------------ public API */

/* Every _finish() of this store: its tasks resolve to a boolean. */
static gboolean
finish_boolean (FalstaffRunStore  *self,
                GAsyncResult      *result,
                GError           **error)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}


char *
falstaff_run_store_default_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "falstaff", "history.sqlite3", NULL);
}

FalstaffRunStore *
falstaff_run_store_new (const char *path)
{
  return g_object_new (FALSTAFF_TYPE_RUN_STORE, "path", path, NULL);
}

const char *
falstaff_run_store_get_path (FalstaffRunStore *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), NULL);
  return self->path;
}

static void set_complete (FalstaffRunStore *self);

static void
load_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      user_data)
{
  FalstaffRunStore *self = FALSTAFF_RUN_STORE (object);
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  FalstaffRunDbLoad *load;
  guint n;

  self->loading = FALSE;
  self->load_done = TRUE;
  load = g_task_propagate_pointer (G_TASK (result), &error);
  if (load == NULL)
    {
      /* Runs still work, in memory: nothing else to list. */
      self->next_id = 1;
      set_complete (self);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  n = load->rows->len;
  g_ptr_array_set_size (self->runs, 0);
  for (guint i = 0; i < n; i++)
    add_run (self, _falstaff_run_new_from_row (g_ptr_array_index (load->rows, i)), FALSE);
  self->next_id = load->max_id + 1;
  self->recovery_message = g_steal_pointer (&load->recovery_message);
  self->loaded = TRUE;
  _falstaff_run_db_load_free (load);

  if (n > 0)
    items_changed (self, 0, 0, n);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
  if (g_task_get_source_tag (task) == falstaff_run_store_load_async)
    set_complete (self);
  if (self->recovery_message != NULL)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECOVERY_MESSAGE]);
  g_task_return_boolean (task, TRUE);
}

static void
start_loading (FalstaffRunStore    *self,
               FalstaffRunDbOpKind  kind,
               gpointer             source_tag,
               GCancellable        *cancellable,
               GAsyncReadyCallback  callback,
               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) op_task = NULL;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, source_tag);
  self->loading = TRUE;
  self->db = _falstaff_run_db_new (self->path, self->hook, self->hook_data);
  op_task = g_task_new (self, NULL, load_cb, g_steal_pointer (&task));
  _falstaff_run_db_push (self->db, kind, NULL, NULL, op_task);
}

void
falstaff_run_store_load_async (FalstaffRunStore    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));
  g_return_if_fail (!self->loading && !self->load_done);

  start_loading (self, FALSTAFF_RUN_DB_LOAD, falstaff_run_store_load_async, cancellable, callback, user_data);
}

void
falstaff_run_store_open_async (FalstaffRunStore    *self,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));
  g_return_if_fail (!self->loading && !self->load_done);

  start_loading (self, FALSTAFF_RUN_DB_OPEN, falstaff_run_store_open_async, cancellable, callback, user_data);
}

/* The listing is over, read or failed: the tasks that waited for it. */
static GPtrArray *
end_listing (FalstaffRunStore *self)
{
  GPtrArray *tasks = g_steal_pointer (&self->complete_tasks);

  self->complete_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  self->listing = FALSE;
  g_hash_table_remove_all (self->deleted_while_listing);
  return tasks;
}

static void
set_complete (FalstaffRunStore *self)
{
  g_autoptr(GPtrArray) tasks = end_listing (self);

  if (!self->complete)
    {
      self->complete = TRUE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COMPLETE]);
    }
  for (guint i = 0; i < tasks->len; i++)
    g_task_return_boolean (g_ptr_array_index (tasks, i), TRUE);
}

static int
compare_ids_newest_first (gconstpointer a,
                          gconstpointer b)
{
  gint64 id_a = falstaff_run_get_id (*(FalstaffRun **) a);
  gint64 id_b = falstaff_run_get_id (*(FalstaffRun **) b);

  return id_a < id_b ? 1 : id_a > id_b ? -1 : 0;
}

/* Adds the listed runs not listed already (a run made or finished in
 * this session keeps its object), in id order, newest first. Only the
 * part of the list from the first run that moved is said to change: a
 * first page shown stays as it is. */
static void
add_listed (FalstaffRunStore  *self,
            FalstaffRunDbLoad *load)
{
  guint before = self->runs->len;
  gint64 newest_added = 0;
  guint same = 0;

  for (guint i = 0; i < load->rows->len; i++)
    {
      FalstaffRunRow *row = g_ptr_array_index (load->rows, i);

      if (!g_hash_table_contains (self->by_id, &row->id) &&
          !g_hash_table_contains (self->deleted_while_listing, &row->id))
        {
          add_run (self, _falstaff_run_new_from_row (row), FALSE);
          newest_added = MAX (newest_added, row->id);
        }
    }
  if (self->runs->len == before)
    return;
  /* The list was in id order already: the runs above the newest one
   * added keep their places. */
  g_ptr_array_sort (self->runs, compare_ids_newest_first);
  while (falstaff_run_get_id (g_ptr_array_index (self->runs, same)) > newest_added)
    same++;
  items_changed (self, same, before - same, self->runs->len - same);
}

static void
newest_listed_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  FalstaffRunStore *self = FALSTAFF_RUN_STORE (object);
  g_autoptr(GError) error = NULL;
  FalstaffRunDbLoad *load = g_task_propagate_pointer (G_TASK (result), &error);

  /* A failure is told by the whole listing that follows. */
  if (load == NULL)
    return;
  add_listed (self, load);
  _falstaff_run_db_load_free (load);
}

static void
list_finished_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  FalstaffRunStore *self = FALSTAFF_RUN_STORE (object);
  g_autoptr(GError) error = NULL;
  FalstaffRunDbLoad *load;

  load = g_task_propagate_pointer (G_TASK (result), &error);
  if (load == NULL)
    {
      g_autoptr(GPtrArray) tasks = end_listing (self);

      for (guint i = 0; i < tasks->len; i++)
        g_task_return_error (g_ptr_array_index (tasks, i), g_error_copy (error));
      return;
    }

  add_listed (self, load);
  _falstaff_run_db_load_free (load);
  set_complete (self);
}

void
falstaff_run_store_complete_async (FalstaffRunStore    *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));
  g_return_if_fail (self->loading || self->load_done);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_run_store_complete_async);
  if (self->complete)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  g_ptr_array_add (self->complete_tasks, g_steal_pointer (&task));
  if (!self->listing)
    {
      g_autoptr(GTask) newest_task = g_task_new (self, NULL, newest_listed_cb, NULL);
      g_autoptr(GTask) op_task = g_task_new (self, NULL, list_finished_cb, NULL);

      /* Queued after the opening: the database thread does them in order. */
      self->listing = TRUE;
      _falstaff_run_db_push (self->db, FALSTAFF_RUN_DB_LIST_NEWEST, NULL, NULL, newest_task);
      _falstaff_run_db_push (self->db, FALSTAFF_RUN_DB_LIST_FINISHED, NULL, NULL, op_task);
    }
}

gboolean
falstaff_run_store_complete_finish (FalstaffRunStore  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  return finish_boolean (self, result, error);
}

gboolean
falstaff_run_store_is_complete (FalstaffRunStore *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), FALSE);
  return self->complete;
}

gboolean
falstaff_run_store_load_finish (FalstaffRunStore  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  return finish_boolean (self, result, error);
}

gboolean
falstaff_run_store_is_loaded (FalstaffRunStore *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), FALSE);
  return self->loaded;
}

const char *
falstaff_run_store_get_recovery_message (FalstaffRunStore *self)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), NULL);
  return self->recovery_message;
}

static FalstaffRun *
create_run (FalstaffRunStore *self,
            const char       *endpoint_id,
            const char       *mode,
            JsonNode         *inputs,
            gint64            sweep_id,
            JsonNode         *sweep)
{
  FalstaffRun *run;
  GPtrArray *rows;
  gint64 id = self->next_id++;

  run = _falstaff_run_new (id, endpoint_id, mode, inputs);
  if (sweep != NULL)
    _falstaff_run_set_sweep (run, sweep_id != 0 ? sweep_id : id, sweep);
  add_run (self, g_object_ref (run), TRUE);

  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _falstaff_run_row_free);
  g_ptr_array_add (rows, _falstaff_run_snapshot (run, TRUE));
  _falstaff_run_db_push (self->db, FALSTAFF_RUN_DB_INSERT, rows, NULL, NULL);

  items_changed (self, 0, 0, 1);
  return run;
}

FalstaffRun *
falstaff_run_store_create_run (FalstaffRunStore *self,
                               const char       *endpoint_id,
                               const char       *mode,
                               JsonNode         *inputs)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (self->load_done, NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);
  g_return_val_if_fail (g_strcmp0 (mode, "queue") == 0 || g_strcmp0 (mode, "stream") == 0, NULL);

  return create_run (self, endpoint_id, mode, inputs, 0, NULL);
}

FalstaffRun *
falstaff_run_store_create_sweep_run (FalstaffRunStore *self,
                                     const char       *endpoint_id,
                                     JsonNode         *inputs,
                                     gint64            sweep_id,
                                     JsonNode         *sweep)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), NULL);
  g_return_val_if_fail (self->load_done, NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);
  g_return_val_if_fail (sweep != NULL && JSON_NODE_HOLDS_OBJECT (sweep), NULL);

  return create_run (self, endpoint_id, "queue", inputs, sweep_id, sweep);
}

GPtrArray *
falstaff_run_store_get_sweep_runs (FalstaffRunStore *self,
                                   gint64            sweep_id)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func (g_object_unref);

  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), runs);

  for (guint i = 0; i < self->runs->len && sweep_id != 0; i++)
    {
      FalstaffRun *run = g_ptr_array_index (self->runs, i);

      if (falstaff_run_get_sweep_id (run) == sweep_id)
        g_ptr_array_add (runs, g_object_ref (run));
    }
  return runs;
}

void
falstaff_run_store_flush_async (FalstaffRunStore    *self,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_run_store_flush_async);
  if (self->db == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  write_dirty (self);
  _falstaff_run_db_push (self->db, FALSTAFF_RUN_DB_FLUSH, NULL, NULL, task);
}

gboolean
falstaff_run_store_flush_finish (FalstaffRunStore  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  return finish_boolean (self, result, error);
}

static void
details_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  FalstaffRunRow *row;
  FalstaffRun *run = g_task_get_task_data (task);

  row = g_task_propagate_pointer (G_TASK (result), &error);
  if (row == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  _falstaff_run_set_details (run, row);
  _falstaff_run_row_free (row);
  g_task_return_boolean (task, TRUE);
}

void
falstaff_run_store_load_details_async (FalstaffRunStore    *self,
                                       FalstaffRun         *run,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GTask) op_task = NULL;
  GArray *ids;
  gint64 id;

  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));
  g_return_if_fail (FALSTAFF_IS_RUN (run));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_run_store_load_details_async);
  g_task_set_task_data (task, g_object_ref (run), g_object_unref);
  if (falstaff_run_get_details_loaded (run) || self->db == NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  id = falstaff_run_get_id (run);
  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), 1);
  g_array_append_val (ids, id);
  op_task = g_task_new (self, NULL, details_cb, g_steal_pointer (&task));
  _falstaff_run_db_push (self->db, FALSTAFF_RUN_DB_DETAILS, NULL, ids, op_task);
}

gboolean
falstaff_run_store_load_details_finish (FalstaffRunStore  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  return finish_boolean (self, result, error);
}

GPtrArray *
falstaff_run_store_get_unfinished (FalstaffRunStore *self)
{
  GPtrArray *unfinished;

  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), NULL);

  unfinished = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->runs->len; i++)
    {
      FalstaffRun *run = g_ptr_array_index (self->runs, i);

      if (!falstaff_run_is_done (run))
        g_ptr_array_add (unfinished, g_object_ref (run));
    }
  return unfinished;
}

void
falstaff_run_store_delete_async (FalstaffRunStore    *self,
                                 FalstaffRun        **runs,
                                 guint                n_runs,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GHashTable) doomed = g_hash_table_new (NULL, NULL);
  GArray *ids;

  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));
  g_return_if_fail (runs != NULL || n_runs == 0);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_run_store_delete_async);

  ids = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n_runs);
  for (guint i = 0; i < n_runs; i++)
    {
      gint64 id = falstaff_run_get_id (runs[i]);

      if (g_hash_table_lookup (self->by_id, &id) != runs[i] ||
          !g_hash_table_add (doomed, runs[i]))
        continue;
      g_array_append_val (ids, id);
      if (self->listing)
        g_hash_table_add (self->deleted_while_listing, g_memdup2 (&id, sizeof id));
      g_hash_table_remove (self->by_id, &id);
      g_hash_table_remove (self->dirty, runs[i]);
      _falstaff_run_set_store (runs[i], NULL);
    }

  /* From the end, one items-changed per block of neighbours. */
  for (guint i = self->runs->len; i > 0;)
    {
      guint end = i, start;

      if (!g_hash_table_contains (doomed, g_ptr_array_index (self->runs, i - 1)))
        {
          i--;
          continue;
        }
      while (i > 0 && g_hash_table_contains (doomed, g_ptr_array_index (self->runs, i - 1)))
        i--;
      start = i;
      g_ptr_array_remove_range (self->runs, start, end - start);
      items_changed (self, start, end - start, 0);
    }

  if (self->db == NULL || ids->len == 0)
    {
      g_array_unref (ids);
      g_task_return_boolean (task, TRUE);
      return;
    }
  _falstaff_run_db_push (self->db, FALSTAFF_RUN_DB_DELETE, NULL, ids, task);
}

gboolean
falstaff_run_store_delete_finish (FalstaffRunStore  *self,
                                  GAsyncResult      *result,
                                  GError           **error)
{
  return finish_boolean (self, result, error);
}

void
falstaff_run_store_release_details (FalstaffRunStore *self,
                                    FalstaffRun      *run)
{
  g_return_if_fail (FALSTAFF_IS_RUN_STORE (self));
  g_return_if_fail (FALSTAFF_IS_RUN (run));

  /* Only what the file has can be let go: a store without one keeps all. */
  if (!self->loaded || !falstaff_run_is_done (run) ||
      g_hash_table_lookup (self->by_id, &(gint64) { falstaff_run_get_id (run) }) != run)
    return;
  /* Its last changes and its whole log go into a snapshot now; a details
   * load asked for later is answered after that write. */
  _falstaff_run_store_save (self, run, TRUE);
  _falstaff_run_release_details (run);
}

FalstaffRun *
falstaff_run_store_lookup (FalstaffRunStore *self,
                           gint64            id)
{
  g_return_val_if_fail (FALSTAFF_IS_RUN_STORE (self), NULL);
  return g_hash_table_lookup (self->by_id, &id);
}
