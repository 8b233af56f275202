/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "falstaff-run-store-private.h"

/* The database thread of FalstaffRunStore. It alone opens, reads and
 * writes the file: the main thread queues operations and gets answers
 * back through GTasks, which call back on the main context. Writes that
 * follow each other in the queue share one transaction. */

#define MAX_WRITES_PER_TRANSACTION 500

/* GLib's GMutex (under GAsyncQueue and GMainContext) is a futex that
 * ThreadSanitizer cannot see: tell it where data is handed over, so that
 * a sanitizer build reports only real races. */
#if defined(__SANITIZE_THREAD__)
void __tsan_acquire (void *addr);
void __tsan_release (void *addr);
# define HANDED_OVER(p) __tsan_release (p)
# define TAKEN_OVER(p) __tsan_acquire (p)
#else
# define HANDED_OVER(p) ((void) (p))
# define TAKEN_OVER(p) ((void) (p))
#endif

typedef struct {
  FalstaffRunDbOpKind kind;
  gboolean quit;
  GPtrArray *rows;
  GArray *ids;
  GTask *task;
} Op;

struct _FalstaffRunDb
{
  char *path;
  GThread *thread;
  GAsyncQueue *queue;
  FalstaffRunStoreStatementHook hook;
  gpointer hook_data;

  /* Only the database thread touches these. */
  sqlite3 *sqlite;
  sqlite3_stmt *insert_stmt;
  sqlite3_stmt *update_stmt;
  sqlite3_stmt *delete_stmt;
  sqlite3_stmt *details_stmt;
};

/* The done statuses, as stored (fal_job_status_to_string()). */
#define DONE_STATUSES "('COMPLETED', 'FAILED', 'CANCELLED')"

/* Migrations: entry i brings the schema from version i to i + 1. Version
 * 1 had no error_type. Never change one that shipped: add the next. */
static const char * const migrations[] = {
  /* 0 → 1 */
  "CREATE TABLE runs ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  endpoint_id TEXT NOT NULL,"
  "  mode TEXT NOT NULL DEFAULT 'queue',"
  "  inputs TEXT,"
  "  request_id TEXT,"
  "  status_url TEXT,"
  "  response_url TEXT,"
  "  cancel_url TEXT,"
  "  status TEXT NOT NULL,"
  "  error_message TEXT,"
  "  result TEXT,"
  "  log_summary TEXT,"
  "  prompt TEXT,"
  "  thumbnail_url TEXT,"
  "  text_snippet TEXT,"
  "  seed INTEGER NOT NULL DEFAULT -1,"
  "  created_at INTEGER NOT NULL,"
  "  submitted_at INTEGER NOT NULL DEFAULT 0,"
  "  started_at INTEGER NOT NULL DEFAULT 0,"
  "  completed_at INTEGER NOT NULL DEFAULT 0"
  ");",
  /* 1 → 2 */
  "ALTER TABLE runs ADD COLUMN error_type TEXT;",
  /* 2 → 3: runs of one sweep (issue #11) share sweep_id (the id of its
   * first run); sweep holds the axes and the run's cell. */
  "ALTER TABLE runs ADD COLUMN sweep_id INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE runs ADD COLUMN sweep TEXT;",
  /* 3 → 4: what a run cost (issue #12): the units fal billed
   * (x-fal-billable-units, -1 unknown) and the price of a unit when it
   * was sent. */
  "ALTER TABLE runs ADD COLUMN billable_units REAL NOT NULL DEFAULT -1;"
  "ALTER TABLE runs ADD COLUMN unit_price REAL NOT NULL DEFAULT -1;"
  "ALTER TABLE runs ADD COLUMN price_unit TEXT;"
  "ALTER TABLE runs ADD COLUMN currency TEXT;",
  /* 4 → 5: a finished run's whole log (issue #16), a JSON array of
   * [timestamp, level, source, message]: the app keeps only the last
   * finished runs' logs in memory. */
  "ALTER TABLE runs ADD COLUMN logs TEXT;",
  /* 5 → 6: the runs not finished, the only ones read at start (issue
   * #16): without it the opening scanned the whole file for them
   * (~25 ms for 10,000 runs). A partial index holds only those rows. */
  "CREATE INDEX runs_unfinished ON runs (id) WHERE status NOT IN " DONE_STATUSES ";",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == FALSTAFF_RUN_STORE_SCHEMA_VERSION);

/* ------------------------------------------------------------------ errors */

static gboolean
is_corrupt_code (int rc)
{
  rc &= 0xff;
  return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB;
}

/* A GError for a failed call; *corrupt is set when the file is damaged
 * or no database at all. */
static gboolean
fail (FalstaffRunDb  *db,
      int             rc,
      const char     *what,
      gboolean       *corrupt,
      GError        **error)
{
  if (corrupt != NULL && is_corrupt_code (rc))
    *corrupt = TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what,
               db->sqlite ? sqlite3_errmsg (db->sqlite) : sqlite3_errstr (rc));
  return FALSE;
}

static gboolean
exec (FalstaffRunDb  *db,
      const char     *sql,
      gboolean       *corrupt,
      GError        **error)
{
  int rc = sqlite3_exec (db->sqlite, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return fail (db, rc, sql, corrupt, error);
  return TRUE;
}

/* ------------------------------------------------------------------ statements */

static int
trace_cb (unsigned  type,
          void     *data,
          void     *statement,
          void     *text)
{
  FalstaffRunDb *db = data;

  if (db->hook != NULL && type == SQLITE_TRACE_STMT)
    db->hook (text, db->hook_data);
  return 0;
}

static void
bind_text (sqlite3_stmt *stmt,
           int           index,
           const char   *text)
{
  if (text != NULL)
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

static char *
column_text (sqlite3_stmt *stmt,
             int           index)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, index));
}

/* A fresh node from a JSON column, or NULL (also for text that does not
 * parse: a damaged value loses itself, not the run). */
static JsonNode *
column_json (sqlite3_stmt *stmt,
             int           index)
{
  const char *text = (const char *) sqlite3_column_text (stmt, index);

  if (text == NULL)
    return NULL;
  return json_from_string (text, NULL);
}

static gboolean
prepare (FalstaffRunDb  *db,
         sqlite3_stmt  **stmt,
         const char     *sql,
         GError        **error)
{
  int rc;

  if (*stmt != NULL)
    {
      sqlite3_reset (*stmt);
      sqlite3_clear_bindings (*stmt);
      return TRUE;
    }
  rc = sqlite3_prepare_v3 (db->sqlite, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL);
  if (rc != SQLITE_OK)
    return fail (db, rc, "prepare", NULL, error);
  return TRUE;
}

static void
close_db (FalstaffRunDb *db)
{
  g_clear_pointer (&db->insert_stmt, sqlite3_finalize);
  g_clear_pointer (&db->update_stmt, sqlite3_finalize);
  g_clear_pointer (&db->delete_stmt, sqlite3_finalize);
  g_clear_pointer (&db->details_stmt, sqlite3_finalize);
  if (db->sqlite != NULL)
    {
      /* Closing the last connection checkpoints the WAL into the file. */
      sqlite3_close (db->sqlite);
      db->sqlite = NULL;
    }
}

/* ------------------------------------------------------------------ opening */

static gboolean
migrate (FalstaffRunDb  *db,
         gboolean       *corrupt,
         GError        **error)
{
  sqlite3_stmt *stmt = NULL;
  int version, rc;

  rc = sqlite3_prepare_v2 (db->sqlite, "PRAGMA user_version", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return fail (db, rc, "PRAGMA user_version", corrupt, error);
  rc = sqlite3_step (stmt);
  version = rc == SQLITE_ROW ? sqlite3_column_int (stmt, 0) : -1;
  sqlite3_finalize (stmt);
  if (rc != SQLITE_ROW)
    return fail (db, rc, "PRAGMA user_version", corrupt, error);

  if (version > FALSTAFF_RUN_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("The history was written by a newer version of Falstaff and cannot be read by this one."));
      return FALSE;
    }

  for (int v = version; v < FALSTAFF_RUN_STORE_SCHEMA_VERSION; v++)
    {
      g_autofree char *set_version = g_strdup_printf ("PRAGMA user_version = %d", v + 1);

      /* Each step whole or not at all: a crash mid-way leaves version v. */
      if (!exec (db, "BEGIN IMMEDIATE", corrupt, error))
        return FALSE;
      if (!exec (db, migrations[v], corrupt, error) ||
          !exec (db, set_version, corrupt, error))
        {
          sqlite3_exec (db->sqlite, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
      if (!exec (db, "COMMIT", corrupt, error))
        return FALSE;
      g_debug ("history: schema version %d → %d", v, v + 1);
    }
  return TRUE;
}

static gboolean
read_summaries (FalstaffRunDb       *db,
                FalstaffRunDbOpKind  which,
                FalstaffRunDbLoad   *load,
                gboolean            *corrupt,
                GError             **error)
{
  sqlite3_stmt *stmt = NULL;
  const char *where = which == FALSTAFF_RUN_DB_OPEN ? " WHERE status NOT IN " DONE_STATUSES
                      : which == FALSTAFF_RUN_DB_LIST_FINISHED || which == FALSTAFF_RUN_DB_LIST_NEWEST
                      ? " WHERE status IN " DONE_STATUSES
                      : "";
  g_autofree char *limit = which == FALSTAFF_RUN_DB_LIST_NEWEST
                           ? g_strdup_printf (" LIMIT %d", FALSTAFF_RUN_DB_NEWEST_ROWS) : NULL;
  g_autofree char *sql = NULL;
  int rc;

  /* A finished run's queue URLs, kept log lines and whole prompt come
   * with its details: they are most of a summary's memory, and the list
   * does not show them. */
  sql = g_strconcat ("SELECT id, endpoint_id, mode, request_id,"
                     " CASE WHEN status IN " DONE_STATUSES " THEN NULL ELSE status_url END,"
                     " CASE WHEN status IN " DONE_STATUSES " THEN NULL ELSE response_url END,"
                     " CASE WHEN status IN " DONE_STATUSES " THEN NULL ELSE cancel_url END,"
                     " status, error_message, error_type,"
                     " CASE WHEN status IN " DONE_STATUSES " THEN NULL ELSE log_summary END,"
                     " CASE WHEN status IN " DONE_STATUSES " THEN NULL ELSE prompt END,"
                     " thumbnail_url, text_snippet, seed, created_at, submitted_at,"
                     " started_at, completed_at,"
                     /* Only unfinished runs need their inputs and result now. */
                     " status IN " DONE_STATUSES ","
                     " CASE WHEN status IN " DONE_STATUSES " THEN NULL ELSE inputs END,"
                     " CASE WHEN status IN " DONE_STATUSES " THEN NULL ELSE result END,"
                     " sweep_id, sweep, billable_units, unit_price, price_unit, currency"
                     " FROM runs", where, " ORDER BY id DESC", limit, NULL);
  rc = sqlite3_prepare_v2 (db->sqlite, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return fail (db, rc, "SELECT runs", corrupt, error);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      FalstaffRunRow *row = g_new0 (FalstaffRunRow, 1);
      const char *status = (const char *) sqlite3_column_text (stmt, 7);

      row->id = sqlite3_column_int64 (stmt, 0);
      row->endpoint_id = column_text (stmt, 1);
      row->mode = column_text (stmt, 2);
      row->request_id = column_text (stmt, 3);
      row->status_url = column_text (stmt, 4);
      row->response_url = column_text (stmt, 5);
      row->cancel_url = column_text (stmt, 6);
      /* A status this version does not know cannot be followed. */
      if (!fal_job_status_from_string (status, &row->status))
        row->status = FAL_JOB_FAILED;
      row->error_message = column_text (stmt, 8);
      row->error_type = column_text (stmt, 9);
      row->log_summary = column_text (stmt, 10);
      row->prompt = column_text (stmt, 11);
      row->thumbnail_url = column_text (stmt, 12);
      row->text_snippet = column_text (stmt, 13);
      row->seed = sqlite3_column_int64 (stmt, 14);
      row->created_at = sqlite3_column_int64 (stmt, 15);
      row->submitted_at = sqlite3_column_int64 (stmt, 16);
      row->started_at = sqlite3_column_int64 (stmt, 17);
      row->completed_at = sqlite3_column_int64 (stmt, 18);
      if (!sqlite3_column_int (stmt, 19))
        {
          row->inputs = column_json (stmt, 20);
          row->result = column_json (stmt, 21);
          row->details_loaded = TRUE;
        }
      row->sweep_id = sqlite3_column_int64 (stmt, 22);
      if (row->sweep_id != 0)
        row->sweep = column_json (stmt, 23);
      row->billable_units = sqlite3_column_double (stmt, 24);
      row->unit_price = sqlite3_column_double (stmt, 25);
      row->price_unit = column_text (stmt, 26);
      row->currency = column_text (stmt, 27);
      load->max_id = MAX (load->max_id, row->id);
      g_ptr_array_add (load->rows, row);
    }
  sqlite3_finalize (stmt);
  if (rc != SQLITE_DONE)
    return fail (db, rc, "SELECT runs", corrupt, error);

  /* Ids are never given twice, not even those of deleted runs. */
  if (sqlite3_prepare_v2 (db->sqlite, "SELECT seq FROM sqlite_sequence WHERE name = 'runs'",
                          -1, &stmt, NULL) == SQLITE_OK)
    {
      if (sqlite3_step (stmt) == SQLITE_ROW)
        load->max_id = MAX (load->max_id, sqlite3_column_int64 (stmt, 0));
      sqlite3_finalize (stmt);
    }
  return TRUE;
}

static gboolean
open_and_read (FalstaffRunDb       *db,
               FalstaffRunDbOpKind  which,
               FalstaffRunDbLoad   *load,
               gboolean            *corrupt,
               GError             **error)
{
  int rc;

  rc = sqlite3_open_v2 (db->path, &db->sqlite,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    return fail (db, rc, db->path, corrupt, error);
  sqlite3_trace_v2 (db->sqlite, SQLITE_TRACE_STMT, trace_cb, db);
  sqlite3_busy_timeout (db->sqlite, 5000);

  /* WAL: a crash at any point loses at most the transaction under way;
   * NORMAL: no fsync per commit (a power cut may lose the last ones). The
   * first read of the file also tells whether it is a database. */
  return exec (db, "PRAGMA journal_mode = WAL", corrupt, error) &&
         exec (db, "PRAGMA synchronous = NORMAL", corrupt, error) &&
         /* 512 KiB of page cache instead of 2 MiB: the file is read once
          * at start, then written a row at a time. */
         exec (db, "PRAGMA cache_size = -512", corrupt, error) &&
         migrate (db, corrupt, error) &&
         read_summaries (db, which, load, corrupt, error);
}

/* Renames path+suffix to broken+suffix, if it exists. */
static gboolean
move_file (const char  *path,
           const char  *broken,
           const char  *suffix,
           GError     **error)
{
  g_autofree char *from = g_strconcat (path, suffix, NULL);
  g_autofree char *to = g_strconcat (broken, suffix, NULL);

  if (g_rename (from, to) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not move the damaged history aside: %s"), g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static char *
move_aside (FalstaffRunDb  *db,
            GError        **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *broken = g_strdup_printf ("%s.broken-%s", db->path, stamp);
  g_autofree char *shm = g_strconcat (db->path, "-shm", NULL);

  for (guint i = 2; g_file_test (broken, G_FILE_TEST_EXISTS); i++)
    {
      g_free (broken);
      broken = g_strdup_printf ("%s.broken-%s-%u", db->path, stamp, i);
    }
  /* The WAL goes with its file: replayed into a new file it would do
   * harm. The shared-memory index is rebuilt from the WAL anyway. */
  if (!move_file (db->path, broken, "", error) ||
      !move_file (db->path, broken, "-wal", error))
    return NULL;
  g_unlink (shm);
  return g_steal_pointer (&broken);
}

static FalstaffRunDbLoad *
load (FalstaffRunDb        *db,
      FalstaffRunDbOpKind   which,
      GError              **error)
{
  FalstaffRunDbLoad *result = g_new0 (FalstaffRunDbLoad, 1);
  g_autofree char *dir = g_path_get_dirname (db->path);
  g_autoptr(GError) local_error = NULL;
  gboolean corrupt = FALSE;
  g_autofree char *broken = NULL;

  result->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _falstaff_run_row_free);

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Could not make the folder for the history: %s"), g_strerror (saved));
      _falstaff_run_db_load_free (result);
      return NULL;
    }

  if (open_and_read (db, which, result, &corrupt, &local_error))
    return result;

  close_db (db);
  if (!corrupt)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      _falstaff_run_db_load_free (result);
      return NULL;
    }

  g_message ("history: %s is damaged (%s); starting a new one", db->path, local_error->message);
  g_clear_error (&local_error);
  g_ptr_array_set_size (result->rows, 0);
  result->max_id = 0;
  if ((broken = move_aside (db, error)) == NULL ||
      !open_and_read (db, which, result, NULL, error))
    {
      close_db (db);
      _falstaff_run_db_load_free (result);
      return NULL;
    }
  result->recovery_message =
    g_strdup_printf (_("The history of runs could not be read, so a new, empty one was started. "
                       "The damaged file was kept as “%s”."), broken);
  return result;
}

/* ------------------------------------------------------------------ operations */

static void
write_row (FalstaffRunDb  *db,
           FalstaffRunRow *row,
           gboolean        insert)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  int rc;

  if (insert)
    {
      if (!prepare (db, &db->insert_stmt,
                    "INSERT INTO runs (id, endpoint_id, mode, request_id, status_url, response_url,"
                    " cancel_url, status, error_message, error_type, log_summary, prompt,"
                    " thumbnail_url, text_snippet, seed, submitted_at, started_at, completed_at,"
                    " inputs, result, created_at, sweep_id, sweep,"
                    " billable_units, unit_price, price_unit, currency)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
                    " ?16, ?17, ?18, ?20, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)", &error))
        goto out;
      stmt = db->insert_stmt;
      sqlite3_bind_int64 (stmt, 23, row->created_at);
      /* A run's sweep never changes: written once. */
      sqlite3_bind_int64 (stmt, 24, row->sweep_id);
      bind_text (stmt, 25, row->sweep_json);
    }
  else
    {
      if (!prepare (db, &db->update_stmt,
                    /* Columns that come with the details are kept as they are
                     * on disk when the run's details were never loaded. */
                    "UPDATE runs SET request_id = ?4,"
                    " status_url = CASE WHEN ?30 THEN ?5 ELSE status_url END,"
                    " response_url = CASE WHEN ?30 THEN ?6 ELSE response_url END,"
                    " cancel_url = CASE WHEN ?30 THEN ?7 ELSE cancel_url END,"
                    " status = ?8, error_message = ?9, error_type = ?10,"
                    " log_summary = CASE WHEN ?30 THEN ?11 ELSE log_summary END,"
                    " prompt = CASE WHEN ?30 THEN ?12 ELSE prompt END,"
                    " thumbnail_url = ?13, text_snippet = ?14,"
                    " seed = ?15, submitted_at = ?16, started_at = ?17, completed_at = ?18,"
                    " inputs = CASE WHEN ?19 THEN ?20 ELSE inputs END,"
                    " result = CASE WHEN ?21 THEN ?22 ELSE result END,"
                    " billable_units = ?26, unit_price = ?27, price_unit = ?28, currency = ?29,"
                    " logs = CASE WHEN ?31 THEN ?32 ELSE logs END"
                    " WHERE id = ?1", &error))
        goto out;
      stmt = db->update_stmt;
      sqlite3_bind_int (stmt, 19, row->write_inputs);
      sqlite3_bind_int (stmt, 21, row->write_result);
      sqlite3_bind_int (stmt, 30, row->write_extras);
      sqlite3_bind_int (stmt, 31, row->write_logs);
      bind_text (stmt, 32, row->logs_json);
    }

  sqlite3_bind_int64 (stmt, 1, row->id);
  if (insert)
    {
      bind_text (stmt, 2, row->endpoint_id);
      bind_text (stmt, 3, row->mode);
    }
  bind_text (stmt, 4, row->request_id);
  bind_text (stmt, 5, row->status_url);
  bind_text (stmt, 6, row->response_url);
  bind_text (stmt, 7, row->cancel_url);
  bind_text (stmt, 8, fal_job_status_to_string (row->status));
  bind_text (stmt, 9, row->error_message);
  bind_text (stmt, 10, row->error_type);
  bind_text (stmt, 11, row->log_summary);
  bind_text (stmt, 12, row->prompt);
  bind_text (stmt, 13, row->thumbnail_url);
  bind_text (stmt, 14, row->text_snippet);
  sqlite3_bind_int64 (stmt, 15, row->seed);
  sqlite3_bind_int64 (stmt, 16, row->submitted_at);
  sqlite3_bind_int64 (stmt, 17, row->started_at);
  sqlite3_bind_int64 (stmt, 18, row->completed_at);
  bind_text (stmt, 20, row->inputs_json);
  bind_text (stmt, 22, row->result_json);
  sqlite3_bind_double (stmt, 26, row->billable_units);
  sqlite3_bind_double (stmt, 27, row->unit_price);
  bind_text (stmt, 28, row->price_unit);
  bind_text (stmt, 29, row->currency);

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    fail (db, rc, insert ? "INSERT run" : "UPDATE run", NULL, &error);
  sqlite3_reset (stmt);

out:
  if (error != NULL)
    g_warning ("history: run %" G_GINT64_FORMAT " not written: %s", row->id, error->message);
}

static void
delete_rows (FalstaffRunDb *db,
             GArray        *ids,
             GError       **error)
{
  if (!prepare (db, &db->delete_stmt, "DELETE FROM runs WHERE id = ?1", error))
    return;
  for (guint i = 0; i < ids->len; i++)
    {
      int rc;

      sqlite3_bind_int64 (db->delete_stmt, 1, g_array_index (ids, gint64, i));
      rc = sqlite3_step (db->delete_stmt);
      sqlite3_reset (db->delete_stmt);
      if (rc != SQLITE_DONE)
        {
          fail (db, rc, "DELETE run", NULL, error);
          return;
        }
    }
}

static FalstaffRunRow *
read_details (FalstaffRunDb  *db,
              gint64          id,
              GError        **error)
{
  FalstaffRunRow *row;
  int rc;

  if (!prepare (db, &db->details_stmt,
                "SELECT inputs, result, status_url, response_url, cancel_url, log_summary, prompt, logs"
                " FROM runs WHERE id = ?1", error))
    return NULL;
  sqlite3_bind_int64 (db->details_stmt, 1, id);
  rc = sqlite3_step (db->details_stmt);
  if (rc != SQLITE_ROW)
    {
      if (rc == SQLITE_DONE)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                     _("This run is no longer in the history."));
      else
        fail (db, rc, "SELECT details", NULL, error);
      sqlite3_reset (db->details_stmt);
      return NULL;
    }
  row = g_new0 (FalstaffRunRow, 1);
  row->id = id;
  row->inputs = column_json (db->details_stmt, 0);
  row->result = column_json (db->details_stmt, 1);
  row->status_url = column_text (db->details_stmt, 2);
  row->response_url = column_text (db->details_stmt, 3);
  row->cancel_url = column_text (db->details_stmt, 4);
  row->log_summary = column_text (db->details_stmt, 5);
  row->prompt = column_text (db->details_stmt, 6);
  row->logs = column_json (db->details_stmt, 7);
  row->details_loaded = TRUE;
  sqlite3_reset (db->details_stmt);
  return row;
}

/* Answers an operation on the task's own context: the GTask, and so the
 * store it holds, is never touched (nor finalized) on this thread. */
typedef struct {
  GTask *task;
  gpointer pointer;
  GDestroyNotify destroy;
  GError *error;
} Answer;

static gboolean
answer_cb (gpointer data)
{
  Answer *answer = data;

  TAKEN_OVER (answer);
  if (answer->error != NULL)
    g_task_return_error (answer->task, answer->error);
  else if (answer->pointer != NULL)
    g_task_return_pointer (answer->task, answer->pointer, answer->destroy);
  else
    g_task_return_boolean (answer->task, TRUE);
  g_object_unref (answer->task);
  g_free (answer);
  return G_SOURCE_REMOVE;
}

/* pointer NULL and error NULL: TRUE. */
static void
answer (Op             *op,
        gpointer        pointer,
        GDestroyNotify  destroy,
        GError         *error)
{
  Answer *a = g_new0 (Answer, 1);
  g_autoptr(GSource) source = g_idle_source_new ();

  a->task = g_steal_pointer (&op->task);
  a->pointer = pointer;
  a->destroy = destroy;
  a->error = error;
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, answer_cb, a, NULL);
  g_source_set_static_name (source, "[falstaff] history answer");
  HANDED_OVER (a);
  g_source_attach (source, g_task_get_context (a->task));
}

static gboolean
is_write (Op *op)
{
  return !op->quit && (op->kind == FALSTAFF_RUN_DB_INSERT || op->kind == FALSTAFF_RUN_DB_UPDATE);
}

static void
op_free (Op *op)
{
  g_clear_pointer (&op->rows, g_ptr_array_unref);
  g_clear_pointer (&op->ids, g_array_unref);
  g_clear_object (&op->task);
  g_free (op);
}

static void
run_op (FalstaffRunDb *db,
        Op            *op)
{
  g_autoptr(GError) error = NULL;

  switch (op->kind)
    {
    case FALSTAFF_RUN_DB_LOAD:
    case FALSTAFF_RUN_DB_OPEN:
      {
        FalstaffRunDbLoad *result;

        close_db (db);
        result = load (db, op->kind, &error);
        answer (op, result, (GDestroyNotify) _falstaff_run_db_load_free, g_steal_pointer (&error));
      }
      break;

    case FALSTAFF_RUN_DB_LIST_NEWEST:
    case FALSTAFF_RUN_DB_LIST_FINISHED:
      {
        FalstaffRunDbLoad *result = g_new0 (FalstaffRunDbLoad, 1);

        result->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _falstaff_run_row_free);
        if (db->sqlite == NULL)
          ;  /* Opening failed: runs live in memory only, none to list. */
        else if (!read_summaries (db, op->kind, result, NULL, &error))
          g_clear_pointer (&result, _falstaff_run_db_load_free);
        answer (op, result, (GDestroyNotify) _falstaff_run_db_load_free, g_steal_pointer (&error));
      }
      break;

    case FALSTAFF_RUN_DB_INSERT:
    case FALSTAFF_RUN_DB_UPDATE:
      /* Without a database (loading failed): runs live in memory only. */
      break;

    case FALSTAFF_RUN_DB_DELETE:
      if (db->sqlite != NULL)
        {
          if (exec (db, "BEGIN", NULL, &error))
            {
              delete_rows (db, op->ids, &error);
              sqlite3_exec (db->sqlite, error ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
            }
        }
      answer (op, NULL, NULL, g_steal_pointer (&error));
      break;

    case FALSTAFF_RUN_DB_DETAILS:
      {
        FalstaffRunRow *row = NULL;

        if (db->sqlite == NULL)
          g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED,
                       _("The history could not be opened."));
        else
          row = read_details (db, g_array_index (op->ids, gint64, 0), &error);
        answer (op, row, (GDestroyNotify) _falstaff_run_row_free, g_steal_pointer (&error));
      }
      break;

    case FALSTAFF_RUN_DB_FLUSH:
      /* Everything queued before it is done by now. */
      answer (op, NULL, NULL, NULL);
      break;

    default:
      g_assert_not_reached ();
    }
}

/* Writes op and the writes right behind it in one transaction; returns
 * the first operation that is not part of it (or NULL). */
static Op *
run_writes (FalstaffRunDb *db,
            Op            *op)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (db->sqlite == NULL || !exec (db, "BEGIN", NULL, &error))
    {
      if (error != NULL)
        g_warning ("history: cannot write: %s", error->message);
      op_free (op);
      return NULL;
    }
  while (op != NULL && is_write (op) && n < MAX_WRITES_PER_TRANSACTION)
    {
      for (guint i = 0; i < op->rows->len; i++)
        write_row (db, g_ptr_array_index (op->rows, i), op->kind == FALSTAFF_RUN_DB_INSERT);
      n += op->rows->len;
      op_free (op);
      op = g_async_queue_try_pop (db->queue);
      if (op != NULL)
        TAKEN_OVER (op);
    }
  if (!exec (db, "COMMIT", NULL, &error))
    {
      g_warning ("history: cannot write: %s", error->message);
      sqlite3_exec (db->sqlite, "ROLLBACK", NULL, NULL, NULL);
    }
  return op;
}

static gpointer
db_thread (gpointer data)
{
  FalstaffRunDb *db = data;
  Op *op = NULL;

  for (;;)
    {
      if (op == NULL)
        {
          op = g_async_queue_pop (db->queue);
          TAKEN_OVER (op);
        }
      if (op->quit)
        break;
      if (is_write (op))
        {
          op = run_writes (db, op);
          continue;
        }
      run_op (db, op);
      g_clear_pointer (&op, op_free);
    }
  op_free (op);
  close_db (db);
  return NULL;
}

/* ------------------------------------------------------------------ API for the store */

void
_falstaff_run_db_load_free (FalstaffRunDbLoad *load)
{
  if (load == NULL)
    return;
  g_clear_pointer (&load->rows, g_ptr_array_unref);
  g_free (load->recovery_message);
  g_free (load);
}

FalstaffRunDb *
_falstaff_run_db_new (const char                    *path,
                      FalstaffRunStoreStatementHook  hook,
                      gpointer                       hook_data)
{
  FalstaffRunDb *db = g_new0 (FalstaffRunDb, 1);

  db->path = g_strdup (path);
  db->hook = hook;
  db->hook_data = hook_data;
  db->queue = g_async_queue_new ();
  db->thread = g_thread_new ("falstaff-history", db_thread, db);
  return db;
}

void
_falstaff_run_db_push (FalstaffRunDb       *db,
                       FalstaffRunDbOpKind  kind,
                       GPtrArray           *rows,
                       GArray              *ids,
                       GTask               *task)
{
  Op *op = g_new0 (Op, 1);

  op->kind = kind;
  op->rows = rows;
  op->ids = ids;
  op->task = task ? g_object_ref (task) : NULL;
  HANDED_OVER (op);
  g_async_queue_push (db->queue, op);
}

void
_falstaff_run_db_free (FalstaffRunDb *db)
{
  Op *quit = g_new0 (Op, 1);

  quit->quit = TRUE;
  HANDED_OVER (quit);
  g_async_queue_push (db->queue, quit);
  g_thread_join (db->thread);
  g_async_queue_unref (db->queue);
  g_free (db->path);
  g_free (db);
}
