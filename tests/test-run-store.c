/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>

#include "fal.h"
#include "fal-job.h"
#include "client-fixture.h"

#include "falstaff-run.h"
#include "falstaff-run-store.h"
#include "falstaff-run-store-private.h"

/* FalstaffRunStore and FalstaffRun: runs followed against the local
 * server over real HTTP, written by the store's own thread, and read
 * back by a new store (or by the test's own SQLite connection). */

/* ------------------------------------------------------------------ the statement hook */

/* Every SQL statement of a store's connection passes here, on the thread
 * that runs it: never the main thread. */
typedef struct {
  GThread *main_thread;
  int n_statements;
  int n_updates;
  int n_inserts;
  int n_on_main;
} Trace;

static Trace trace;

static void
statement_hook (const char *sql,
                gpointer    data)
{
  Trace *t = data;

  if (g_thread_self () == t->main_thread)
    g_atomic_int_inc (&t->n_on_main);
  g_atomic_int_inc (&t->n_statements);
  if (g_str_has_prefix (sql, "UPDATE runs"))
    g_atomic_int_inc (&t->n_updates);
  else if (g_str_has_prefix (sql, "INSERT INTO runs"))
    g_atomic_int_inc (&t->n_inserts);
}

static void
trace_reset (void)
{
  g_atomic_int_set (&trace.n_statements, 0);
  g_atomic_int_set (&trace.n_updates, 0);
  g_atomic_int_set (&trace.n_inserts, 0);
}

static void
trace_check (void)
{
  g_assert_cmpint (g_atomic_int_get (&trace.n_on_main), ==, 0);
}

/* ------------------------------------------------------------------ helpers */

static gboolean
result_set (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
got_result_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  g_assert_true (wait_for (result_set, slot, DEADLINE_MS));
  return *slot;
}

typedef struct {
  char *dir;
  char *path;
} Tmp;

static Tmp *
tmp_new (void)
{
  Tmp *tmp = g_new0 (Tmp, 1);
  g_autoptr(GError) error = NULL;

  tmp->dir = g_dir_make_tmp ("falstaff-run-store-XXXXXX", &error);
  g_assert_no_error (error);
  /* A folder that does not exist yet: the store makes it. */
  tmp->path = g_build_filename (tmp->dir, "falstaff", "history.sqlite3", NULL);
  return tmp;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      remove_tree (child);
    }
  g_dir_close (dir);
  g_rmdir (path);
}

static void
tmp_free (Tmp *tmp)
{
  remove_tree (tmp->dir);
  g_free (tmp->dir);
  g_free (tmp->path);
  g_free (tmp);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Tmp, tmp_free)

/* A store on path, loaded; the hook watches its threads. */
static FalstaffRunStore *
open_store (const char  *path,
            GError     **error)
{
  FalstaffRunStore *store = falstaff_run_store_new (path);
  g_autoptr(GAsyncResult) result = NULL;

  _falstaff_run_store_set_statement_hook (store, statement_hook, &trace);
  falstaff_run_store_load_async (store, NULL, got_result_cb, &result);
  g_assert_false (falstaff_run_store_is_loaded (store));
  falstaff_run_store_load_finish (store, wait_result (&result), error);
  return store;
}

static FalstaffRunStore *
open_store_ok (const char *path)
{
  g_autoptr(GError) error = NULL;
  FalstaffRunStore *store = open_store (path, &error);

  g_assert_no_error (error);
  g_assert_true (falstaff_run_store_is_loaded (store));
  return store;
}

static void
flush (FalstaffRunStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  falstaff_run_store_flush_async (store, NULL, got_result_cb, &result);
  g_assert_true (falstaff_run_store_flush_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
}

static void
load_details (FalstaffRunStore *store,
              FalstaffRun      *run)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  falstaff_run_store_load_details_async (store, run, NULL, got_result_cb, &result);
  g_assert_true (falstaff_run_store_load_details_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_true (falstaff_run_get_details_loaded (run));
}

/* The test's own connection to the file (never the store's). */
static sqlite3 *
db_open (const char *path)
{
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  return db;
}

static void
db_exec (sqlite3    *db,
         const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* The first column of the first row, as text (NULL for SQL NULL or no row). */
static char *
db_text (const char *path,
         const char *sql)
{
  sqlite3 *db = db_open (path);
  sqlite3_stmt *stmt = NULL;
  char *text = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    text = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return text;
}

static gint64
db_int (const char *path,
        const char *sql)
{
  g_autofree char *text = db_text (path, sql);

  g_assert_nonnull (text);
  return g_ascii_strtoll (text, NULL, 10);
}

static FalRequest *
submit_and_follow (Fx          *fx,
                   FalstaffRun *run,
                   const char  *const *headers)
{
  FalCallOptions options = { .headers = headers };
  g_autoptr(GError) error = NULL;
  FalRequest *request = fal_client_submit (fx->client, falstaff_run_get_endpoint_id (run),
                                           falstaff_run_get_inputs (run), &options, &error);

  g_assert_no_error (error);
  falstaff_run_follow (run, FAL_JOB (request));
  g_assert_true (falstaff_run_get_job (run) == FAL_JOB (request));
  return request;
}

static gboolean
run_done (gpointer data)
{
  return falstaff_run_is_done (data);
}

static gboolean
run_has_request_id (gpointer data)
{
  return falstaff_run_get_request_id (data) != NULL || falstaff_run_is_done (data);
}

/* ------------------------------------------------------------------ tests */

/* A run written before it is sent, followed to completion, and read back
 * by a new store: request id, status, result, timings, seed. */
static void
test_follow_to_disk (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(Fx) fx = fx_new (2, 2);
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) run = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"a red fox in the snow\",\"num_inference_steps\":8}");
  g_autofree char *sql = NULL;
  g_autofree char *text = NULL;
  g_autofree char *request_id = NULL;
  FalstaffRun *again;
  JsonNode *result;
  gint64 id, seed;

  trace_reset ();
  store = open_store_ok (tmp->path);
  g_assert_null (falstaff_run_store_get_recovery_message (store));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);

  run = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body);
  id = falstaff_run_get_id (run);
  g_assert_cmpint (id, >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  g_assert_true (falstaff_run_store_lookup (store, id) == run);
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_SUBMITTING);
  g_assert_cmpint (falstaff_run_get_created_at (run), >, 0);
  g_assert_cmpstr (falstaff_run_get_prompt (run), ==, "a red fox in the snow");
  g_assert_cmpint (falstaff_run_get_seed (run), ==, -1);

  /* On disk before anything is sent. */
  flush (store);
  sql = g_strdup_printf ("SELECT status || ':' || endpoint_id || ':' || ifnull(request_id, '-') FROM runs WHERE id = %" G_GINT64_FORMAT, id);
  text = db_text (tmp->path, sql);
  g_assert_cmpstr (text, ==, "SUBMITTING:fal-ai/fast-sdxl:-");

  request = submit_and_follow (fx, run, NULL);
  g_assert_true (wait_for (run_done, run, DEADLINE_MS));

  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  g_assert_cmpstr (falstaff_run_get_request_id (run), ==, fal_request_get_request_id (request));
  g_assert_nonnull (falstaff_run_get_status_url (run));
  g_assert_nonnull (falstaff_run_get_response_url (run));
  g_assert_nonnull (falstaff_run_get_cancel_url (run));
  g_assert_null (falstaff_run_get_error_message (run));
  result = falstaff_run_get_result (run);
  g_assert_nonnull (result);
  g_assert_true (json_node_equal (result, fal_request_get_result (request)));
  /* The server drew the seed: it comes from the result. */
  seed = json_object_get_int_member (json_node_get_object (result), "seed");
  g_assert_cmpint (falstaff_run_get_seed (run), ==, seed);
  g_assert_nonnull (falstaff_run_get_thumbnail_url (run));
  g_assert_true (g_str_has_prefix (falstaff_run_get_thumbnail_url (run), fx->url));
  g_assert_cmpstr (falstaff_run_get_text_snippet (run), ==, "a red fox in the snow");
  g_assert_nonnull (falstaff_run_get_log_summary (run));
  g_assert_nonnull (strstr (falstaff_run_get_log_summary (run), "Step 8/8"));
  g_assert_cmpint (falstaff_run_get_submitted_at (run), >=, falstaff_run_get_created_at (run));
  g_assert_cmpint (falstaff_run_get_started_at (run), >=, falstaff_run_get_submitted_at (run));
  g_assert_cmpint (falstaff_run_get_completed_at (run), >=, falstaff_run_get_started_at (run));
  g_assert_true (falstaff_run_matches (run, "RED fox"));
  g_assert_true (falstaff_run_matches (run, "sdxl"));
  g_assert_true (falstaff_run_matches (run, ""));
  g_assert_false (falstaff_run_matches (run, "fox whale"));

  request_id = g_strdup (falstaff_run_get_request_id (run));
  flush (store);
  trace_check ();
  g_assert_cmpint (g_atomic_int_get (&trace.n_inserts), ==, 1);
  g_assert_cmpint (g_atomic_int_get (&trace.n_updates), >=, 2);
  g_clear_object (&store);

  /* A new store reads it all back: the summary at once, the rest on demand. */
  store = open_store_ok (tmp->path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  again = falstaff_run_store_lookup (store, id);
  g_assert_nonnull (again);
  g_assert_true (again != run);
  g_assert_cmpstr (falstaff_run_get_endpoint_id (again), ==, "fal-ai/fast-sdxl");
  g_assert_cmpstr (falstaff_run_get_mode (again), ==, "queue");
  g_assert_cmpstr (falstaff_run_get_request_id (again), ==, request_id);
  g_assert_cmpint (falstaff_run_get_status (again), ==, FAL_JOB_COMPLETED);
  g_assert_cmpint (falstaff_run_get_seed (again), ==, seed);
  g_assert_cmpint (falstaff_run_get_created_at (again), ==, falstaff_run_get_created_at (run));
  g_assert_cmpint (falstaff_run_get_submitted_at (again), ==, falstaff_run_get_submitted_at (run));
  g_assert_cmpint (falstaff_run_get_started_at (again), ==, falstaff_run_get_started_at (run));
  g_assert_cmpint (falstaff_run_get_completed_at (again), ==, falstaff_run_get_completed_at (run));
  g_assert_cmpstr (falstaff_run_get_thumbnail_url (again), ==, falstaff_run_get_thumbnail_url (run));
  g_assert_cmpstr (falstaff_run_get_text_snippet (again), ==, falstaff_run_get_text_snippet (run));
  g_assert_true (falstaff_run_matches (again, "fox"));
  g_assert_null (falstaff_run_get_job (again));
  /* A finished run's JSON, queue URLs, kept log lines and whole prompt
   * stay on disk until asked for: they are most of a listed run's memory. */
  g_assert_false (falstaff_run_get_details_loaded (again));
  g_assert_null (falstaff_run_get_result (again));
  g_assert_null (falstaff_run_get_inputs (again));
  g_assert_null (falstaff_run_get_status_url (again));
  g_assert_null (falstaff_run_get_response_url (again));
  g_assert_null (falstaff_run_get_log_summary (again));
  g_assert_null (falstaff_run_get_prompt (again));
  load_details (store, again);
  g_assert_true (json_node_equal (falstaff_run_get_result (again), result));
  g_assert_true (json_node_equal (falstaff_run_get_inputs (again), body));
  g_assert_cmpstr (falstaff_run_get_status_url (again), ==, falstaff_run_get_status_url (run));
  g_assert_cmpstr (falstaff_run_get_response_url (again), ==, falstaff_run_get_response_url (run));
  g_assert_cmpstr (falstaff_run_get_cancel_url (again), ==, falstaff_run_get_cancel_url (run));
  g_assert_cmpstr (falstaff_run_get_log_summary (again), ==, falstaff_run_get_log_summary (run));
  g_assert_cmpstr (falstaff_run_get_prompt (again), ==, "a red fox in the snow");
  trace_check ();
}

/* A finished run lets go of its job, log, inputs and result once they
 * are on disk, and has them all back, the whole log too, when asked. */
static void
test_release_details (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(Fx) fx = fx_new (2, 2);
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) run = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"a kept log\",\"num_inference_steps\":12}");
  g_autoptr(JsonNode) result = NULL;
  g_autoptr(GListModel) logs = NULL;
  GListModel *kept;
  guint n;

  store = open_store_ok (tmp->path);
  run = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body);
  request = submit_and_follow (fx, run, NULL);
  g_assert_true (wait_for (run_done, run, DEADLINE_MS));
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  logs = g_object_ref (falstaff_run_get_logs (run));
  g_assert_true (logs == fal_job_get_logs (falstaff_run_get_job (run)));
  n = g_list_model_get_n_items (logs);
  /* A line a step, and more. */
  g_assert_cmpuint (n, >=, 12);
  result = json_node_ref (falstaff_run_get_result (run));

  falstaff_run_store_release_details (store, run);
  g_assert_null (falstaff_run_get_job (run));
  g_assert_null (falstaff_run_get_logs (run));
  g_assert_null (falstaff_run_get_inputs (run));
  g_assert_null (falstaff_run_get_result (run));
  g_assert_false (falstaff_run_get_details_loaded (run));
  /* The summary stays. */
  g_assert_cmpstr (falstaff_run_get_request_id (run), ==, fal_request_get_request_id (request));
  g_assert_nonnull (falstaff_run_get_thumbnail_url (run));

  load_details (store, run);
  g_assert_true (json_node_equal (falstaff_run_get_inputs (run), body));
  g_assert_true (json_node_equal (falstaff_run_get_result (run), result));
  kept = falstaff_run_get_logs (run);
  g_assert_nonnull (kept);
  g_assert_cmpuint (g_list_model_get_n_items (kept), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalLogEntry) was = g_list_model_get_item (logs, i);
      g_autoptr(FalLogEntry) is = g_list_model_get_item (kept, i);

      g_assert_cmpstr (fal_log_entry_get_message (is), ==, fal_log_entry_get_message (was));
      g_assert_cmpstr (fal_log_entry_get_level (is), ==, fal_log_entry_get_level (was));
      g_assert_cmpstr (fal_log_entry_get_timestamp (is), ==, fal_log_entry_get_timestamp (was));
    }

  /* A new store reads the log from the file too. */
  g_clear_object (&store);
  store = open_store_ok (tmp->path);
  {
    FalstaffRun *again = falstaff_run_store_lookup (store, falstaff_run_get_id (run));

    g_assert_null (falstaff_run_get_logs (again));
    load_details (store, again);
    g_assert_cmpuint (g_list_model_get_n_items (falstaff_run_get_logs (again)), ==, n);
  }
}

/* The request id reaches the file at once, changes in between are held
 * back, and the final state is written at once too. */
static void
test_urgent_writes (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(Fx) fx = fx_new (1, 1);
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) run = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"a slow heron\",\"seed\":42,\"num_inference_steps\":20}");
  g_autofree char *sql = NULL;
  g_autofree char *on_disk = NULL;
  g_autofree char *final = NULL;
  gint64 until;

  trace_reset ();
  store = open_store_ok (tmp->path);
  /* Nothing but urgent writes can reach the file within this test. */
  _falstaff_run_store_set_save_delay (store, 600 * 1000);
  run = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body);
  g_assert_cmpint (falstaff_run_get_seed (run), ==, 42);
  request = submit_and_follow (fx, run, NULL);
  g_assert_true (wait_for (run_has_request_id, run, DEADLINE_MS));
  g_assert_false (falstaff_run_is_done (run));

  sql = g_strdup_printf ("SELECT request_id FROM runs WHERE id = %" G_GINT64_FORMAT, falstaff_run_get_id (run));
  until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((on_disk = db_text (tmp->path, sql)) == NULL && g_get_monotonic_time () < until)
    fal_test_wait_ms (20);
  g_assert_cmpstr (on_disk, ==, falstaff_run_get_request_id (run));

  g_assert_true (wait_for (run_done, run, DEADLINE_MS));
  g_free (sql);
  sql = g_strdup_printf ("SELECT status || ':' || seed || ':' || (result IS NOT NULL) FROM runs WHERE id = %" G_GINT64_FORMAT,
                         falstaff_run_get_id (run));
  until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (g_strcmp0 (final = db_text (tmp->path, sql), "COMPLETED:42:1") != 0 && g_get_monotonic_time () < until)
    {
      g_clear_pointer (&final, g_free);
      fal_test_wait_ms (20);
    }
  g_assert_cmpstr (final, ==, "COMPLETED:42:1");
  /* Only the request id and the end were written: the status changes and
   * twenty log lines in between were held back. */
  g_assert_cmpint (g_atomic_int_get (&trace.n_updates), <=, 3);
  trace_check ();
}

typedef struct {
  guint n_changes;
} Changes;

static void
run_notify_cb (FalstaffRun *run,
               GParamSpec  *pspec,
               Changes     *changes)
{
  changes->n_changes++;
}

/* Many changes a second (a flood of log lines) make only a few writes a
 * second. */
static void
test_coalesced (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(Fx) fx = fx_new (1, 1);
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) run = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"a noisy crow\",\"num_inference_steps\":40}");
  const char *headers[] = { "x-fal-fault", "log-flood=400", NULL };
  Changes changes = { 0 };
  gint64 start, elapsed_ms;
  int n_updates, allowed;

  trace_reset ();
  store = open_store_ok (tmp->path);
  run = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body);
  g_signal_connect (run, "notify::log-summary", G_CALLBACK (run_notify_cb), &changes);
  start = g_get_monotonic_time ();
  request = submit_and_follow (fx, run, headers);
  g_assert_true (wait_for (run_done, run, DEADLINE_MS));
  elapsed_ms = (g_get_monotonic_time () - start) / 1000;
  flush (store);

  n_updates = g_atomic_int_get (&trace.n_updates);
  /* One per 250 ms at most, plus the request id, the end and the flush. */
  allowed = elapsed_ms / 250 + 4;
  g_test_message ("%u log summary changes in %" G_GINT64_FORMAT " ms: %d writes (at most %d allowed)",
                  changes.n_changes, elapsed_ms, n_updates, allowed);
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  g_assert_cmpuint (g_list_model_get_n_items (fal_request_get_logs (request)), >=, 400);
  g_assert_cmpint (n_updates, <=, allowed);
  g_assert_cmpuint (changes.n_changes, >, (guint) n_updates * 2);
  trace_check ();
}

/* A failed run keeps its error in plain words and fal's error type; a
 * text output becomes the snippet. */
static void
test_failed_and_text (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(Fx) fx = fx_new (4, 2);
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) failed = NULL;
  g_autoptr(FalstaffRun) text = NULL;
  g_autoptr(FalRequest) r1 = NULL;
  g_autoptr(FalRequest) r2 = NULL;
  g_autoptr(JsonNode) body1 = input ("{\"prompt\":\"a broken kettle\",\"num_inference_steps\":2}");
  g_autoptr(JsonNode) body2 = input ("{\"prompt\":\"Say something kind about otters\"}");
  const char *headers[] = { "x-fal-fault", "fail=500", NULL };
  g_autofree char *message = NULL;
  g_autofree char *snippet = NULL;
  FalstaffRun *again;

  trace_reset ();
  store = open_store_ok (tmp->path);
  failed = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body1);
  text = falstaff_run_store_create_run (store, "fal-ai/any-llm", "queue", body2);
  r1 = submit_and_follow (fx, failed, headers);
  r2 = submit_and_follow (fx, text, NULL);
  g_assert_true (wait_for (run_done, failed, DEADLINE_MS));
  g_assert_true (wait_for (run_done, text, DEADLINE_MS));

  g_assert_cmpint (falstaff_run_get_status (failed), ==, FAL_JOB_FAILED);
  g_assert_nonnull (falstaff_run_get_error_message (failed));
  g_assert_cmpstr (falstaff_run_get_error_type (failed), ==, "runner_server_error");
  message = g_strdup (falstaff_run_get_error_message (failed));

  g_assert_cmpint (falstaff_run_get_status (text), ==, FAL_JOB_COMPLETED);
  g_assert_null (falstaff_run_get_thumbnail_url (text));
  g_assert_nonnull (falstaff_run_get_text_snippet (text));
  g_assert_cmpuint (g_utf8_strlen (falstaff_run_get_text_snippet (text), -1), <=, 120);
  g_assert_cmpstr (falstaff_run_get_text_snippet (text), !=, "Say something kind about otters");
  snippet = g_strdup (falstaff_run_get_text_snippet (text));

  /* Newest first. */
  {
    g_autoptr(FalstaffRun) first = g_list_model_get_item (G_LIST_MODEL (store), 0);

    g_assert_true (first == text);
  }
  g_clear_object (&store);

  store = open_store_ok (tmp->path);
  again = falstaff_run_store_lookup (store, falstaff_run_get_id (failed));
  g_assert_cmpint (falstaff_run_get_status (again), ==, FAL_JOB_FAILED);
  g_assert_cmpstr (falstaff_run_get_error_message (again), ==, message);
  g_assert_cmpstr (falstaff_run_get_error_type (again), ==, "runner_server_error");
  again = falstaff_run_store_lookup (store, falstaff_run_get_id (text));
  g_assert_cmpstr (falstaff_run_get_text_snippet (again), ==, snippet);
  /* The whole prompt comes with the details. */
  g_assert_false (falstaff_run_matches (again, "otters"));
  load_details (store, again);
  g_assert_true (falstaff_run_matches (again, "otters"));
  trace_check ();
}

/* Runs not done come back as unfinished: one never confirmed (no request
 * id), one that fal has; that one is re-attached and followed to its end
 * by the new store's run. */
static void
test_unfinished (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(Fx) fx = fx_new (1, 1);
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) never = NULL;
  g_autoptr(FalstaffRun) running = NULL;
  g_autoptr(FalstaffRun) done = NULL;
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(FalRequest) attached = NULL;
  g_autoptr(GPtrArray) unfinished = NULL;
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"a patient owl\",\"seed\":5,\"num_inference_steps\":30}");
  g_autoptr(GError) error = NULL;
  g_autofree char *request_id = NULL;
  FalstaffRun *again;
  gint64 never_id, running_id;

  trace_reset ();
  store = open_store_ok (tmp->path);
  done = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body);
  g_clear_object (&request);
  request = submit_and_follow (fx, done, NULL);
  g_assert_true (wait_for (run_done, done, DEADLINE_MS));
  g_clear_object (&request);

  never = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body);
  never_id = falstaff_run_get_id (never);
  running = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body);
  running_id = falstaff_run_get_id (running);
  request = submit_and_follow (fx, running, NULL);
  g_assert_true (wait_for (run_has_request_id, running, DEADLINE_MS));
  g_assert_false (falstaff_run_is_done (running));
  request_id = g_strdup (falstaff_run_get_request_id (running));

  unfinished = falstaff_run_store_get_unfinished (store);
  g_assert_cmpuint (unfinished->len, ==, 2);
  g_assert_true (g_ptr_array_index (unfinished, 0) == running);
  g_assert_true (g_ptr_array_index (unfinished, 1) == never);
  g_clear_pointer (&unfinished, g_ptr_array_unref);

  /* This process goes away while fal runs it. */
  fal_request_stop (request);
  g_clear_object (&request);
  g_clear_object (&store);

  store = open_store_ok (tmp->path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  unfinished = falstaff_run_store_get_unfinished (store);
  g_assert_cmpuint (unfinished->len, ==, 2);
  again = g_ptr_array_index (unfinished, 1);
  g_assert_cmpint (falstaff_run_get_id (again), ==, never_id);
  g_assert_null (falstaff_run_get_request_id (again));
  g_assert_cmpint (falstaff_run_get_status (again), ==, FAL_JOB_SUBMITTING);
  /* Unfinished runs have their inputs at once ("Submit Again"). */
  g_assert_true (falstaff_run_get_details_loaded (again));
  g_assert_true (json_node_equal (falstaff_run_get_inputs (again), body));

  again = g_ptr_array_index (unfinished, 0);
  g_assert_cmpint (falstaff_run_get_id (again), ==, running_id);
  g_assert_cmpstr (falstaff_run_get_request_id (again), ==, request_id);
  g_assert_false (falstaff_run_is_done (again));

  attached = fal_client_attach (fx->client, falstaff_run_get_endpoint_id (again),
                                falstaff_run_get_request_id (again), &error);
  g_assert_no_error (error);
  falstaff_run_follow (again, FAL_JOB (attached));
  g_assert_true (wait_for (run_done, again, DEADLINE_MS));
  g_assert_cmpint (falstaff_run_get_status (again), ==, FAL_JOB_COMPLETED);
  g_assert_cmpint (falstaff_run_get_seed (again), ==, 5);
  g_assert_nonnull (falstaff_run_get_result (again));

  /* The never-confirmed one is given up on. */
  again = g_ptr_array_index (unfinished, 1);
  {
    g_autoptr(GError) gone = fal_error_new_literal_full (FAL_ERROR_NETWORK, "Could not reach fal", 0, NULL, NULL);

    falstaff_run_fail (again, gone);
  }
  g_assert_cmpint (falstaff_run_get_status (again), ==, FAL_JOB_FAILED);
  g_assert_nonnull (falstaff_run_get_error_message (again));
  g_clear_pointer (&unfinished, g_ptr_array_unref);
  g_clear_object (&store);

  store = open_store_ok (tmp->path);
  unfinished = falstaff_run_store_get_unfinished (store);
  g_assert_cmpuint (unfinished->len, ==, 0);
  again = falstaff_run_store_lookup (store, never_id);
  g_assert_cmpint (falstaff_run_get_status (again), ==, FAL_JOB_FAILED);
  g_assert_nonnull (falstaff_run_get_error_message (again));
  g_assert_null (falstaff_run_get_request_id (again));
  again = falstaff_run_store_lookup (store, running_id);
  g_assert_cmpint (falstaff_run_get_status (again), ==, FAL_JOB_COMPLETED);
  g_assert_cmpstr (falstaff_run_get_request_id (again), ==, request_id);
  load_details (store, again);
  g_assert_nonnull (falstaff_run_get_result (again));
  trace_check ();
}

typedef struct {
  GArray *changes;   /* guint triples */
} ItemsLog;

static void
items_changed_cb (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  ItemsLog   *log)
{
  guint triple[3] = { position, removed, added };

  g_array_append_vals (log->changes, triple, 3);
}

static void
test_delete (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) body = input ("{\"prompt\":\"x\"}");
  FalstaffRun *runs[6];
  FalstaffRun *doomed[3];
  gint64 ids[6];
  ItemsLog log = { g_array_new (FALSE, FALSE, sizeof (guint)) };
  g_autoptr(FalstaffRun) newer = NULL;

  trace_reset ();
  store = open_store_ok (tmp->path);
  for (guint i = 0; i < 6; i++)
    {
      runs[i] = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body);
      ids[i] = falstaff_run_get_id (runs[i]);
      g_object_unref (runs[i]);   /* the store keeps them */
    }
  /* List (newest first): 5 4 3 2 1 0. Delete 5 (the newest), 3 and 2. */
  doomed[0] = runs[3];
  doomed[1] = runs[5];
  doomed[2] = runs[2];
  g_signal_connect (store, "items-changed", G_CALLBACK (items_changed_cb), &log);
  falstaff_run_store_delete_async (store, doomed, 3, NULL, got_result_cb, &result);
  /* Gone from the list at once. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  g_assert_null (falstaff_run_store_lookup (store, ids[5]));
  g_assert_null (falstaff_run_store_lookup (store, ids[3]));
  g_assert_nonnull (falstaff_run_store_lookup (store, ids[4]));
  /* Two blocks: positions 2–3 (3, 2), then 0 (5). */
  g_assert_cmpuint (log.changes->len, ==, 6);
  g_assert_cmpuint (g_array_index (log.changes, guint, 0), ==, 2);
  g_assert_cmpuint (g_array_index (log.changes, guint, 1), ==, 2);
  g_assert_cmpuint (g_array_index (log.changes, guint, 2), ==, 0);
  g_assert_cmpuint (g_array_index (log.changes, guint, 3), ==, 0);
  g_assert_cmpuint (g_array_index (log.changes, guint, 4), ==, 1);
  g_assert_true (falstaff_run_store_delete_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_array_unref (log.changes);
  g_clear_object (&store);

  g_assert_cmpint (db_int (tmp->path, "SELECT count(*) FROM runs"), ==, 3);
  store = open_store_ok (tmp->path);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);
  for (guint i = 0; i < 6; i++)
    g_assert_true ((falstaff_run_store_lookup (store, ids[i]) != NULL) == (i == 0 || i == 1 || i == 4));
  /* A deleted run's id is never given again. */
  newer = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body);
  g_assert_cmpint (falstaff_run_get_id (newer), >, ids[5]);
  trace_check ();
}

/* A version-1 file (no error_type) made by hand is brought to the
 * current version without losing a run. */
static void
count_cb (guint *count)
{
  (*count)++;
}

/* Opened as the app opens it: only the runs not done are listed (they
 * are followed again); the finished ones come when asked for, in their
 * places among the runs made meanwhile, which keep their objects. */
static void
test_open_then_complete (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) made = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (tmp->path);
  FalstaffRun *running;
  guint changes = 0;
  static const gint64 order[] = { 10, 9, 7, 3 };
  sqlite3 *db;

  /* Two finished runs and one under way, in a file a store made. */
  store = open_store_ok (tmp->path);
  g_clear_object (&store);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = db_open (tmp->path);
  db_exec (db,
           "INSERT INTO runs (id, endpoint_id, mode, request_id, status_url, status, log_summary,"
           "  prompt, created_at) VALUES"
           "  (3, 'fal-ai/flux/dev', 'queue', 'req-3', 'https://queue/3', 'COMPLETED', 'done', 'a lighthouse', 1000),"
           "  (7, 'fal-ai/any-llm', 'queue', 'req-7', 'https://queue/7', 'FAILED', NULL, 'a poem', 2000),"
           "  (9, 'fal-ai/fast-sdxl', 'queue', 'req-9', 'https://queue/9', 'IN_QUEUE', 'waiting', 'tide', 3000);");
  sqlite3_close (db);

  store = falstaff_run_store_new (tmp->path);
  falstaff_run_store_open_async (store, NULL, got_result_cb, &result);
  g_assert_true (falstaff_run_store_load_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_true (falstaff_run_store_is_loaded (store));
  g_assert_false (falstaff_run_store_is_complete (store));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);
  running = falstaff_run_store_lookup (store, 9);
  g_assert_nonnull (running);
  /* Under way: listed whole, to be followed again. */
  g_assert_cmpstr (falstaff_run_get_status_url (running), ==, "https://queue/9");
  g_assert_cmpstr (falstaff_run_get_log_summary (running), ==, "waiting");
  g_assert_null (falstaff_run_store_lookup (store, 3));

  /* A run made before the rest is listed goes on top, with a new id. */
  made = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", NULL);
  g_assert_cmpint (falstaff_run_get_id (made), ==, 10);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);

  g_clear_object (&result);
  g_signal_connect_swapped (store, "items-changed", G_CALLBACK (count_cb), &changes);
  falstaff_run_store_complete_async (store, NULL, got_result_cb, &result);
  falstaff_run_store_complete_async (store, NULL, got_result_cb, &again);
  g_assert_true (falstaff_run_store_complete_finish (store, wait_result (&result), &error));
  g_assert_true (falstaff_run_store_complete_finish (store, wait_result (&again), &error));
  g_assert_no_error (error);
  g_assert_true (falstaff_run_store_is_complete (store));
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      g_autoptr(FalstaffRun) run = g_list_model_get_item (G_LIST_MODEL (store), i);

      g_assert_cmpint (falstaff_run_get_id (run), ==, order[i]);
    }
  g_assert_true (falstaff_run_store_lookup (store, 9) == running);
  g_assert_true (falstaff_run_store_lookup (store, 10) == made);
  g_assert_cmpint (falstaff_run_get_status (falstaff_run_store_lookup (store, 7)), ==, FAL_JOB_FAILED);

  /* Asked again: at once, nothing read. */
  g_clear_object (&result);
  falstaff_run_store_complete_async (store, NULL, got_result_cb, &result);
  g_assert_true (falstaff_run_store_complete_finish (store, wait_result (&result), &error));
  g_assert_cmpuint (changes, ==, 1);
}

typedef struct {
  FalstaffRunStore *store;
  GArray *changes;                /* guint triples: position, removed, added */
  GAsyncResult *deleted;
} ListingWatch;

static void
listing_changed_cb (GListModel   *model,
                    guint         position,
                    guint         removed,
                    guint         added,
                    ListingWatch *watch)
{
  guint change[3] = { position, removed, added };

  g_array_append_vals (watch->changes, change, 3);
  if (watch->changes->len == 3)
    {
      /* Deleted from the first page while the rest is being read: the
       * whole listing, read before the delete, must not bring it back. */
      FalstaffRun *doomed = falstaff_run_store_lookup (watch->store, 60);

      g_assert_nonnull (doomed);
      falstaff_run_store_delete_async (watch->store, &doomed, 1, NULL, got_result_cb, &watch->deleted);
    }
}

/* The finished runs come in two reads: the newest few first (a first
 * page to show at once), then the rest, added below them. A run shown
 * from the first read keeps its place and its object. */
static void
test_newest_first (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) sql = g_string_new ("INSERT INTO runs (id, endpoint_id, mode, status, created_at) VALUES ");
  g_autoptr(GArray) changes = g_array_new (FALSE, FALSE, sizeof (guint));
  ListingWatch watch = { .changes = changes };
  guint n_newest = FALSTAFF_RUN_DB_NEWEST_ROWS;
  guint n_runs = n_newest + 50;
  FalstaffRun *shown;
  sqlite3 *db;

  /* n_runs finished runs, and run 100 still waiting in the queue. */
  store = open_store_ok (tmp->path);
  g_clear_object (&store);
  for (guint id = 1; id <= n_runs; id++)
    g_string_append_printf (sql, "%s(%u, 'fal-ai/flux/dev', 'queue', '%s', %u)", id > 1 ? ", " : "",
                            id, id == 100 ? "IN_QUEUE" : "COMPLETED", id);
  db = db_open (tmp->path);
  db_exec (db, sql->str);
  sqlite3_close (db);

  store = falstaff_run_store_new (tmp->path);
  watch.store = store;
  falstaff_run_store_open_async (store, NULL, got_result_cb, &result);
  g_assert_true (falstaff_run_store_load_finish (store, wait_result (&result), &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 1);

  g_signal_connect (store, "items-changed", G_CALLBACK (listing_changed_cb), &watch);
  g_clear_object (&result);
  falstaff_run_store_complete_async (store, NULL, got_result_cb, &result);
  g_assert_true (falstaff_run_store_complete_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_true (falstaff_run_store_delete_finish (store, wait_result (&watch.deleted), &error));
  g_assert_no_error (error);

  /* First read: the newest n_newest finished runs (runs n_runs … 50
   * but 100), the waiting run 100 among them; all at once, from the top. */
  g_assert_cmpuint (changes->len, ==, 9);
  g_assert_cmpuint (g_array_index (changes, guint, 0), ==, 0);
  g_assert_cmpuint (g_array_index (changes, guint, 1), ==, 1);
  g_assert_cmpuint (g_array_index (changes, guint, 2), ==, n_newest + 1);
  /* Run 60 deleted: one gone from the first page's end part. */
  g_assert_cmpuint (g_array_index (changes, guint, 3), ==, n_runs - 60);
  g_assert_cmpuint (g_array_index (changes, guint, 4), ==, 1);
  g_assert_cmpuint (g_array_index (changes, guint, 5), ==, 0);
  /* Then the rest, below: runs 49 … 1, nothing above them changed. */
  g_assert_cmpuint (g_array_index (changes, guint, 6), ==, n_newest);
  g_assert_cmpuint (g_array_index (changes, guint, 7), ==, 0);
  g_assert_cmpuint (g_array_index (changes, guint, 8), ==, 49);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n_runs - 1);
  g_assert_null (falstaff_run_store_lookup (store, 60));
  shown = falstaff_run_store_lookup (store, 100);
  for (guint i = 0; i < n_runs - 1; i++)
    {
      g_autoptr(FalstaffRun) run = g_list_model_get_item (G_LIST_MODEL (store), i);
      gint64 expected = n_runs - i - (n_runs - i <= 60 ? 1 : 0);

      g_assert_cmpint (falstaff_run_get_id (run), ==, expected);
    }
  g_assert_true (falstaff_run_store_lookup (store, 100) == shown);

  /* And it stays deleted on disk. */
  g_clear_object (&store);
  store = falstaff_run_store_new (tmp->path);
  g_clear_object (&result);
  falstaff_run_store_load_async (store, NULL, got_result_cb, &result);
  g_assert_true (falstaff_run_store_load_finish (store, wait_result (&result), &error));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n_runs - 1);
  g_assert_null (falstaff_run_store_lookup (store, 60));
}

static void
test_migrate_v1 (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autofree char *dir = g_path_get_dirname (tmp->path);
  g_autoptr(FalstaffRun) newer = NULL;
  g_autofree char *error_type = NULL;
  FalstaffRun *run;
  sqlite3 *db;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = db_open (tmp->path);
  db_exec (db,
           "CREATE TABLE runs ("
           "  id INTEGER PRIMARY KEY AUTOINCREMENT, endpoint_id TEXT NOT NULL,"
           "  mode TEXT NOT NULL DEFAULT 'queue', inputs TEXT, request_id TEXT, status_url TEXT,"
           "  response_url TEXT, cancel_url TEXT, status TEXT NOT NULL, error_message TEXT,"
           "  result TEXT, log_summary TEXT, prompt TEXT, thumbnail_url TEXT, text_snippet TEXT,"
           "  seed INTEGER NOT NULL DEFAULT -1, created_at INTEGER NOT NULL,"
           "  submitted_at INTEGER NOT NULL DEFAULT 0, started_at INTEGER NOT NULL DEFAULT 0,"
           "  completed_at INTEGER NOT NULL DEFAULT 0);"
           "INSERT INTO runs (id, endpoint_id, inputs, request_id, status, result, prompt, seed,"
           "  created_at, submitted_at, started_at, completed_at, thumbnail_url)"
           "  VALUES (3, 'fal-ai/flux/dev', '{\"prompt\":\"old lighthouse\"}', 'req-3', 'COMPLETED',"
           "  '{\"images\":[{\"url\":\"https://x/a.png\"}],\"seed\":99}', 'old lighthouse', 99,"
           "  1000, 1100, 1200, 1300, 'https://x/a.png');"
           "INSERT INTO runs (id, endpoint_id, status, error_message, created_at)"
           "  VALUES (7, 'fal-ai/any-llm', 'FAILED', 'The model failed', 2000);"
           "INSERT INTO runs (id, endpoint_id, mode, inputs, request_id, status, created_at)"
           "  VALUES (9, 'fal-ai/fast-sdxl', 'stream', '{\"prompt\":\"tide\"}', 'req-9', 'IN_PROGRESS', 3000);"
           "PRAGMA user_version = 1;");
  sqlite3_close (db);

  trace_reset ();
  store = open_store_ok (tmp->path);
  g_assert_null (falstaff_run_store_get_recovery_message (store));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 3);

  run = falstaff_run_store_lookup (store, 3);
  g_assert_cmpstr (falstaff_run_get_endpoint_id (run), ==, "fal-ai/flux/dev");
  g_assert_cmpstr (falstaff_run_get_request_id (run), ==, "req-3");
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_COMPLETED);
  g_assert_cmpint (falstaff_run_get_seed (run), ==, 99);
  g_assert_cmpint (falstaff_run_get_completed_at (run), ==, 1300);
  g_assert_null (falstaff_run_get_error_type (run));
  load_details (store, run);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (falstaff_run_get_inputs (run)), "prompt"),
                   ==, "old lighthouse");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (falstaff_run_get_result (run)), "seed"), ==, 99);

  run = falstaff_run_store_lookup (store, 7);
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_FAILED);
  g_assert_cmpstr (falstaff_run_get_error_message (run), ==, "The model failed");

  run = falstaff_run_store_lookup (store, 9);
  g_assert_cmpstr (falstaff_run_get_mode (run), ==, "stream");
  g_assert_cmpint (falstaff_run_get_status (run), ==, FAL_JOB_IN_PROGRESS);

  newer = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", NULL);
  g_assert_cmpint (falstaff_run_get_id (newer), ==, 10);
  g_clear_object (&store);

  g_assert_cmpint (db_int (tmp->path, "PRAGMA user_version"), ==, FALSTAFF_RUN_STORE_SCHEMA_VERSION);
  g_assert_cmpint (db_int (tmp->path, "SELECT count(*) FROM runs"), ==, 4);
  /* The new column is there and written. */
  error_type = db_text (tmp->path, "SELECT ifnull(error_type, 'none') FROM runs WHERE id = 7");
  g_assert_cmpstr (error_type, ==, "none");
  /* Old runs belong to no sweep. */
  g_assert_cmpint (db_int (tmp->path, "SELECT count(*) FROM runs WHERE sweep_id = 0 AND sweep IS NULL"), ==, 4);
  /* Nor have they a cost. */
  g_assert_cmpint (db_int (tmp->path, "SELECT count(*) FROM runs WHERE billable_units = -1 AND unit_price = -1"), ==, 4);
  /* The runs under way are found by the index made for them. */
  g_assert_cmpint (db_int (tmp->path, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'runs_unfinished'"),
                   ==, 1);
  trace_check ();
}

/* The statement that reads the runs under way at opening (the store's
 * thread runs the hook; the test reads it once the opening is done). */
static void
opening_select_hook (const char *sql,
                     gpointer    data)
{
  char **opening = data;

  if (*opening == NULL && g_str_has_prefix (sql, "SELECT id,") && strstr (sql, "status NOT IN") != NULL)
    *opening = g_strdup (sql);
}

/* What SQLite would do for sql on the file: the details of its plan. */
static char *
query_plan (const char *path,
            const char *sql)
{
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  GString *plan = g_string_new (NULL);
  sqlite3 *db = db_open (path);
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return g_string_free (plan, FALSE);
}

/* Opening a long history reads only its runs under way, through a
 * partial index: never a scan of every finished run (issue #16: ~25 ms
 * for 10,000 runs on the database thread while the window starts). */
static void
test_open_by_index (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *opening = NULL;
  g_autofree char *plan = NULL;
  sqlite3 *db;

  store = open_store_ok (tmp->path);
  g_clear_object (&store);
  db = db_open (tmp->path);
  db_exec (db,
           "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)"
           " INSERT INTO runs (id, endpoint_id, status, created_at) SELECT i, 'fal-ai/flux/dev',"
           " CASE i % 3 WHEN 0 THEN 'COMPLETED' WHEN 1 THEN 'FAILED' ELSE 'CANCELLED' END, i FROM n;"
           "INSERT INTO runs (id, endpoint_id, status, created_at) VALUES"
           "  (301, 'fal-ai/fast-sdxl', 'IN_QUEUE', 301), (302, 'fal-ai/fast-sdxl', 'IN_PROGRESS', 302);");
  sqlite3_close (db);

  store = falstaff_run_store_new (tmp->path);
  _falstaff_run_store_set_statement_hook (store, opening_select_hook, &opening);
  falstaff_run_store_open_async (store, NULL, got_result_cb, &result);
  g_assert_true (falstaff_run_store_load_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 2);
  g_assert_nonnull (opening);

  plan = query_plan (tmp->path, opening);
  g_test_message ("opening: %s\nplan: %s", opening, plan);
  g_assert_nonnull (strstr (plan, "USING INDEX runs_unfinished"));
}

/* The runs of a sweep share its id (its first run's), keep their axes
 * and cells across a restart, and are found together. */
static void
test_sweep (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) alone = NULL;
  g_autoptr(GPtrArray) runs = NULL;
  gint64 sweep_id = 0;
  guint column, row;

  store = open_store_ok (tmp->path);
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *text = g_strdup_printf ("{\"axes\":[{\"field\":\"seed\",\"values\":[1,2]},"
                                               "{\"field\":\"num_inference_steps\",\"values\":[10,20]}],"
                                               "\"cell\":[%u,%u]}", i % 2, i / 2);
      g_autoptr(JsonNode) sweep = input (text);
      g_autoptr(JsonNode) body = input ("{\"prompt\":\"kites\"}");
      g_autoptr(FalstaffRun) run = falstaff_run_store_create_sweep_run (store, "fal-ai/flux/dev", body, sweep_id, sweep);

      if (sweep_id == 0)
        {
          sweep_id = falstaff_run_get_sweep_id (run);
          g_assert_cmpint (sweep_id, ==, falstaff_run_get_id (run));
        }
      g_assert_cmpint (falstaff_run_get_sweep_id (run), ==, sweep_id);
      g_assert_cmpstr (falstaff_run_get_mode (run), ==, "queue");
    }
  alone = falstaff_run_store_create_run (store, "fal-ai/flux/dev", "queue", NULL);
  g_assert_cmpint (falstaff_run_get_sweep_id (alone), ==, 0);
  g_assert_false (falstaff_run_get_sweep_cell (alone, &column, &row));
  flush (store);
  g_clear_object (&store);

  store = open_store_ok (tmp->path);
  runs = falstaff_run_store_get_sweep_runs (store, sweep_id);
  g_assert_cmpuint (runs->len, ==, 4);
  /* Newest first: the last made was cell (1, 1). */
  g_assert_true (falstaff_run_get_sweep_cell (g_ptr_array_index (runs, 0), &column, &row));
  g_assert_cmpuint (column, ==, 1);
  g_assert_cmpuint (row, ==, 1);
  g_assert_true (falstaff_run_get_sweep_cell (g_ptr_array_index (runs, 3), &column, &row));
  g_assert_cmpuint (column, ==, 0);
  g_assert_cmpuint (row, ==, 0);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                     json_object_get_array_member (json_node_get_object (falstaff_run_get_sweep (g_ptr_array_index (runs, 2))),
                                                   "axes"), 1), "field"), ==, "num_inference_steps");
  g_clear_pointer (&runs, g_ptr_array_unref);
  runs = falstaff_run_store_get_sweep_runs (store, 0);
  g_assert_cmpuint (runs->len, ==, 0);
}

/* A run's price and the units fal billed are kept (schema 4); a run
 * from before has no cost, not a made-up one. */
static void
test_cost (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) run = NULL;
  FalPrice price = { (char *) "fal-ai/flux/dev", 0.025, (char *) "megapixels", (char *) "USD" };
  const char *currency = NULL;
  g_autofree char *words = NULL;
  gint64 id;

  store = open_store_ok (tmp->path);
  run = falstaff_run_store_create_run (store, "fal-ai/flux/dev", "queue", NULL);
  id = falstaff_run_get_id (run);
  g_assert_cmpfloat (falstaff_run_get_cost (run, NULL), ==, -1);
  falstaff_run_set_price (run, &price);
  g_assert_cmpfloat (falstaff_run_get_cost (run, NULL), ==, -1);
  flush (store);
  g_clear_object (&run);
  g_clear_object (&store);
  g_assert_cmpint (db_int (tmp->path, "PRAGMA user_version"), ==, FALSTAFF_RUN_STORE_SCHEMA_VERSION);

  /* fal's billed units, as a finished request would have set them. */
  {
    sqlite3 *db = db_open (tmp->path);
    g_autofree char *sql = g_strdup_printf ("UPDATE runs SET billable_units = 2.36 WHERE id = %" G_GINT64_FORMAT, id);

    db_exec (db, sql);
    sqlite3_close (db);
  }
  store = open_store_ok (tmp->path);
  run = g_list_model_get_item (G_LIST_MODEL (store), 0);
  g_assert_cmpfloat (falstaff_run_get_billable_units (run), ==, 2.36);
  g_assert_cmpfloat_with_epsilon (falstaff_run_get_cost (run, &currency), 0.059, 1e-9);
  g_assert_cmpstr (currency, ==, "USD");
  words = falstaff_run_describe_cost (run);
  g_assert_cmpstr (words, ==, "$0.059 for 2.36 megapixels");
}

/* A file written by a newer schema is left alone. */
static void
test_newer_version (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (tmp->path);
  sqlite3 *db;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  db = db_open (tmp->path);
  db_exec (db, "CREATE TABLE runs (id INTEGER PRIMARY KEY); PRAGMA user_version = 99;");
  sqlite3_close (db);

  store = open_store (tmp->path, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
  g_assert_false (falstaff_run_store_is_loaded (store));
  g_clear_object (&store);
  g_assert_cmpint (db_int (tmp->path, "PRAGMA user_version"), ==, 99);
}

static void
assert_moved_aside (Tmp              *tmp,
                    FalstaffRunStore *store,
                    GBytes           *old_bytes)
{
  g_autofree char *dir = g_path_get_dirname (tmp->path);
  g_autofree char *base = g_path_get_basename (tmp->path);
  g_autofree char *prefix = g_strconcat (base, ".broken-", NULL);
  g_autofree char *broken = NULL;
  const char *message = falstaff_run_store_get_recovery_message (store);
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    if (g_str_has_prefix (name, prefix) && !g_str_has_suffix (name, "-wal"))
      {
        g_assert_null (broken);
        broken = g_build_filename (dir, name, NULL);
      }
  g_dir_close (d);
  g_assert_nonnull (broken);

  g_assert_nonnull (message);
  g_test_message ("recovery message: %s", message);
  g_assert_nonnull (strstr (message, broken));

  if (old_bytes != NULL)
    {
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (g_file_get_contents (broken, &contents, &length, NULL));
      g_assert_cmpmem (contents, length, g_bytes_get_data (old_bytes, NULL), g_bytes_get_size (old_bytes));
    }

  /* A fresh file that works. */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, 0);
}

static void
test_corrupt_random (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(FalstaffRun) run = NULL;
  g_autofree char *dir = g_path_get_dirname (tmp->path);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  guint8 *data = g_malloc (65536);

  for (guint i = 0; i < 65536; i++)
    data[i] = g_random_int_range (0, 256);
  bytes = g_bytes_new_take (data, 65536);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (tmp->path, g_bytes_get_data (bytes, NULL), 65536, &error);
  g_assert_no_error (error);

  trace_reset ();
  store = open_store_ok (tmp->path);
  assert_moved_aside (tmp, store, bytes);

  run = falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", NULL);
  g_clear_object (&store);
  store = open_store_ok (tmp->path);
  g_assert_null (falstaff_run_store_get_recovery_message (store));
  g_assert_nonnull (falstaff_run_store_lookup (store, falstaff_run_get_id (run)));
  trace_check ();
}

static void
test_corrupt_truncated (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(GBytes) cut = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *wal = g_strconcat (tmp->path, "-wal", NULL);
  g_autoptr(GString) prompt = g_string_new (NULL);
  gsize length = 0;

  for (guint i = 0; i < 40; i++)
    g_string_append (prompt, "a long prompt for a big file ");

  trace_reset ();
  store = open_store_ok (tmp->path);
  for (guint i = 0; i < 300; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"prompt\":\"%s %u\"}", prompt->str, i);
      g_autoptr(JsonNode) body = input (json);

      g_object_unref (falstaff_run_store_create_run (store, "fal-ai/fast-sdxl", "queue", body));
    }
  g_clear_object (&store);
  /* Closed: the WAL was folded into the file. */
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  g_assert_true (g_file_get_contents (tmp->path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 100 * 1024);
  g_file_set_contents (tmp->path, contents, length / 2, &error);
  g_assert_no_error (error);
  cut = g_bytes_new (contents, length / 2);

  store = open_store_ok (tmp->path);
  assert_moved_aside (tmp, store, cut);
  trace_check ();
}

/* 10,000 runs: written in a few transactions, loaded quickly. */
static void
test_many (void)
{
  g_autoptr(Tmp) tmp = tmp_new ();
  g_autoptr(FalstaffRunStore) store = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 start, previous = G_MAXINT64;
  guint n_matches = 0;
  const guint n = 10000;

  trace_reset ();
  store = open_store_ok (tmp->path);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"prompt\":\"run number %u, a cat on a mat\",\"seed\":%u,"
                                               "\"image_size\":\"square_hd\",\"num_inference_steps\":25}", i, i);
      g_autoptr(JsonNode) body = input (json);

      g_object_unref (falstaff_run_store_create_run (store, i % 3 ? "fal-ai/fast-sdxl" : "fal-ai/flux/dev",
                                                     "queue", body));
    }
  flush (store);
  g_test_message ("10,000 runs made and written in %.0f ms", (g_get_monotonic_time () - start) / 1000.0);
  g_clear_object (&store);

  /* A history is mostly finished runs, each with a result. */
  {
    sqlite3 *db = db_open (tmp->path);

    db_exec (db, "UPDATE runs SET status = 'COMPLETED', request_id = 'req-' || id,"
                 " result = '{\"images\":[{\"url\":\"https://v3.fal.media/files/x/' || id || '.png\","
                 "\"width\":1024,\"height\":1024,\"content_type\":\"image/png\"}],"
                 "\"timings\":{\"inference\":1.5},\"seed\":' || id || ',\"has_nsfw_concepts\":[false]}'");
    sqlite3_close (db);
  }

  store = falstaff_run_store_new (tmp->path);
  _falstaff_run_store_set_statement_hook (store, statement_hook, &trace);
  start = g_get_monotonic_time ();
  falstaff_run_store_load_async (store, NULL, got_result_cb, &result);
  g_assert_true (falstaff_run_store_load_finish (store, wait_result (&result), &error));
  g_assert_no_error (error);
  g_test_message ("10,000 runs loaded in %.0f ms", (g_get_monotonic_time () - start) / 1000.0);

  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (store)), ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalstaffRun) run = g_list_model_get_item (G_LIST_MODEL (store), i);

      g_assert_cmpint (falstaff_run_get_id (run), <, previous);
      previous = falstaff_run_get_id (run);
      /* Finished runs leave their JSON on disk. */
      g_assert_false (falstaff_run_get_details_loaded (run));
      g_assert_null (falstaff_run_get_result (run));
    }
  start = g_get_monotonic_time ();
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(FalstaffRun) run = g_list_model_get_item (G_LIST_MODEL (store), i);

      n_matches += falstaff_run_matches (run, "FLUX number 99");
    }
  g_test_message ("searched 10,000 runs in %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  /* Each word anywhere: flux runs (every third) whose number has "99". */
  {
    guint expected = 0;

    for (guint i = 0; i < n; i++)
      {
        g_autofree char *number = g_strdup_printf ("%u", i);

        expected += i % 3 == 0 && strstr (number, "99") != NULL;
      }
    g_assert_cmpuint (expected, >, 0);
    g_assert_cmpuint (n_matches, ==, expected);
  }
  trace_check ();
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  trace.main_thread = g_thread_self ();

  g_test_add_func ("/app/run-store/follow-to-disk", test_follow_to_disk);
  g_test_add_func ("/app/run-store/urgent-writes", test_urgent_writes);
  g_test_add_func ("/app/run-store/release-details", test_release_details);
  g_test_add_func ("/app/run-store/coalesced", test_coalesced);
  g_test_add_func ("/app/run-store/failed-and-text", test_failed_and_text);
  g_test_add_func ("/app/run-store/unfinished", test_unfinished);
  g_test_add_func ("/app/run-store/delete", test_delete);
  g_test_add_func ("/app/run-store/open-then-complete", test_open_then_complete);
  g_test_add_func ("/app/run-store/newest-first", test_newest_first);
  g_test_add_func ("/app/run-store/migrate-v1", test_migrate_v1);
  g_test_add_func ("/app/run-store/open-by-index", test_open_by_index);
  g_test_add_func ("/app/run-store/sweep", test_sweep);
  g_test_add_func ("/app/run-store/cost", test_cost);
  g_test_add_func ("/app/run-store/newer-version", test_newer_version);
  g_test_add_func ("/app/run-store/corrupt-random", test_corrupt_random);
  g_test_add_func ("/app/run-store/corrupt-truncated", test_corrupt_truncated);
  g_test_add_func ("/app/run-store/many", test_many);
  return g_test_run ();
}
