/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>

#include "fal.h"
#include "fal-job.h"
#include "fault-table.h"
#include "server-fixture.h"

#include "falstaff-run.h"
#include "falstaff-run-store.h"

/* The fault matrix of issue 14, through the app's run path: a run made in
 * the history (FalstaffRunStore, written before anything is sent), sent
 * by the queue or as a stream and followed (falstaff_run_follow), as the
 * window's Run does, against each fault on each call a run makes. Each
 * row has its own server; all rows share one history, which is read back
 * from disk at the end: no run may be missing, or differ from what the app
 * showed.
 *
 * The state a row ends in is what the history row and the run's page
 * show: its status and its error in plain words. The client's
 * body-timeout is 5 s here (the app keeps the default 600 s); a run
 * whose status polls get no answer keeps trying and says so, as it does
 * for a person, and is recorded so after ROW_WAIT_S. */

#define ENDPOINT    "fal-ai/fast-sdxl"
#define PARALLEL    8
#define ROW_WAIT_S  45

typedef struct {
  const char *name;
  const char *mode;          /* "queue" or "stream" */
  const char *method;
  const char *path;
  const char *also_method;   /* a second rule, failing for good, or NULL */
  const char *also_path;
  gboolean keeps_following;  /* a queued run goes on at fal: the app asks on */
} Call;

static const Call calls[] = {
  { "submit", "queue", "POST", "^/queue/" ENDPOINT "$" },
  { "status stream", "queue", "GET", "/status/stream$", NULL, NULL, TRUE },
  { "status polls", "queue", "GET", "/status$", "GET", "/status/stream$", TRUE },
  { "result", "queue", "GET", "/requests/[^/]+$", NULL, NULL, TRUE },
  { "stream run", "stream", "POST", "^/run/" ENDPOINT "/stream$" },
};

typedef struct {
  const Call *call;
  const FaultKind *fault;
  FalTestServer *server;
  FalClient *client;
  FalstaffRun *run;
  guint timer;
  gboolean finished;
  gboolean gave_up;          /* still following after ROW_WAIT_S */
  gboolean lost_shown;       /* "no contact with fal, retrying" was shown */
  gboolean id_given;
} Row;

static FalstaffRunStore *store;
static GPtrArray *rows;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_clear_handle_id (&row->timer, g_source_remove);
  g_clear_object (&row->client);
  g_clear_pointer (&row->server, fal_test_server_free);
  g_clear_object (&row->run);
  g_free (row);
}

static gboolean
got_result_cb (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static void
flush_store (FalstaffRunStore *target)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  falstaff_run_store_flush_async (target, NULL, store_result_cb, &result);
  g_assert_true (fal_test_wait_until (got_result_cb, &result, 30000));
  g_assert_true (falstaff_run_store_flush_finish (target, result, &error));
  g_assert_no_error (error);
}

static FalstaffRunStore *
open_store (const char *path)
{
  FalstaffRunStore *opened = falstaff_run_store_new (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  falstaff_run_store_load_async (opened, NULL, store_result_cb, &result);
  g_assert_true (fal_test_wait_until (got_result_cb, &result, 30000));
  g_assert_true (falstaff_run_store_load_finish (opened, result, &error));
  g_assert_no_error (error);
  return opened;
}

static void
read_log (Row *row)
{
  guint met = 0;

  fault_table_read_log (row->server, row->call->method, row->call->path, row->fault, ENDPOINT,
                        &met, &row->id_given);
}

static void
end_row (Row *row)
{
  FalJob *job = falstaff_run_get_job (row->run);

  if (row->finished)
    return;
  row->finished = TRUE;
  g_clear_handle_id (&row->timer, g_source_remove);
  read_log (row);
  g_test_message ("%s x %s: %s%s, request id %s, error: %s", row->call->name, row->fault->name,
                  fal_job_status_to_string (falstaff_run_get_status (row->run)),
                  row->gave_up ? " (still following)" : "",
                  falstaff_run_get_request_id (row->run) ? falstaff_run_get_request_id (row->run) : "none",
                  falstaff_run_get_error_message (row->run) ? falstaff_run_get_error_message (row->run) : "none");
  /* A run still followed stops being followed (as when the app quits):
   * it stays in the history as it is, to be followed again. */
  if (job && !falstaff_run_is_done (row->run))
    {
      if (FAL_IS_REQUEST (job))
        fal_request_stop (FAL_REQUEST (job));
      else
        fal_stream_cancel (FAL_STREAM (job));
    }
  g_clear_object (&row->client);
  g_clear_pointer (&row->server, fal_test_server_free);
  fault_rows_done ();
}

static void
run_notify_cb (FalstaffRun *run,
               GParamSpec  *pspec,
               Row         *row)
{
  if (falstaff_run_is_done (run))
    end_row (row);
}

static void
connection_lost_cb (FalRequest *request,
                    GParamSpec *pspec,
                    Row        *row)
{
  if (fal_request_get_connection_lost (request))
    row->lost_shown = TRUE;
}

static gboolean
give_up_cb (gpointer data)
{
  Row *row = data;

  row->timer = 0;
  row->gave_up = TRUE;
  end_row (row);
  return G_SOURCE_REMOVE;
}

static void
start_row (Row *row)
{
  g_autoptr(JsonNode) inputs = json_from_string ("{\"prompt\": \"a lighthouse\"}", NULL);
  g_autoptr(GError) error = NULL;
  FalJob *job;

  row->server = fal_test_server_new (20.0, 1, 15000);
  row->client = fal_client_new ();
  fal_client_use_local_server (row->client, row->server->url);
  fal_client_set_key (row->client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  g_object_set (row->client, "body-timeout", 5, "stream-idle-timeout", 5, NULL);
  fal_test_add_fault (row->server, row->call->method, row->call->path, 1000, fault_kind_spec (row->fault));
  if (row->call->also_path)
    fal_test_add_fault (row->server, row->call->also_method, row->call->also_path, 1000, "status=500");

  /* As the window's Run: in the history first, then sent and followed. */
  row->run = g_object_ref (falstaff_run_store_create_run (store, ENDPOINT, row->call->mode, inputs));
  flush_store (store);
  if (g_str_equal (row->call->mode, "stream"))
    job = (FalJob *) fal_client_stream (row->client, ENDPOINT, inputs, NULL, &error);
  else
    job = (FalJob *) fal_client_submit (row->client, ENDPOINT, inputs, NULL, &error);
  g_assert_no_error (error);
  g_signal_connect (row->run, "notify::status", G_CALLBACK (run_notify_cb), row);
  if (FAL_IS_REQUEST (job))
    g_signal_connect (job, "notify::connection-lost", G_CALLBACK (connection_lost_cb), row);
  row->timer = g_timeout_add_seconds (ROW_WAIT_S, give_up_cb, row);
  falstaff_run_follow (row->run, job);
  g_object_unref (job);
  if (falstaff_run_is_done (row->run))
    end_row (row);
}


static char *
shown_state (Row *row)
{
  const char *status = fal_job_status_to_string (falstaff_run_get_status (row->run));

  if (!row->gave_up)
    return g_strdup_printf ("%s%s", status, row->lost_shown ? " (after \"no contact with fal\")" : "");
  return g_strdup_printf ("%s, still asking after %d s%s", status, ROW_WAIT_S,
                          row->lost_shown ? ": \"no contact with fal, retrying\"" : "");
}

static char *
make_table (void)
{
  GString *table = g_string_new (NULL);

  g_string_append (table, "| call | fault | the run | request id kept | what the app says |\n"
                          "| --- | --- | --- | --- | --- |\n");
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      const char *error = falstaff_run_get_error_message (row->run);
      g_autofree char *message = error ? fault_table_mask (error) : g_strdup ("—");
      g_autofree char *state = shown_state (row);

      g_string_append_printf (table, "| %s | %s | %s | %s | %s |\n", row->call->name, row->fault->name,
                              state,
                              !row->id_given ? "—" : falstaff_run_get_request_id (row->run) ? "yes" : "no",
                              message);
    }
  return g_string_free (table, FALSE);
}

/* Every row: done, or still following for a reason it shows; a failure
 * in words; the request id kept whenever fal gave one. */
static void
check_row (Row *row)
{
  FalJobStatus status = falstaff_run_get_status (row->run);
  const char *error = falstaff_run_get_error_message (row->run);

  /* Only a queued run, which goes on at fal, is asked about on and on. */
  if (row->gave_up && !row->call->keeps_following)
    g_error ("%s x %s: still %s after %d s", row->call->name, row->fault->name,
             fal_job_status_to_string (status), ROW_WAIT_S);
  if (status == FAL_JOB_FAILED && (error == NULL || strlen (error) < 10))
    g_error ("%s x %s: failed without words", row->call->name, row->fault->name);
  if (row->id_given && falstaff_run_get_request_id (row->run) == NULL)
    g_error ("%s x %s: fal gave a request id, and the run lost it", row->call->name, row->fault->name);
}

/* The history on disk holds every run as the app showed it. */
static void
check_history (const char *path)
{
  g_autoptr(FalstaffRunStore) reread = open_store (path);

  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      FalstaffRun *kept = falstaff_run_store_lookup (reread, falstaff_run_get_id (row->run));

      if (kept == NULL)
        g_error ("%s x %s: the run is not in the history", row->call->name, row->fault->name);
      g_assert_cmpint (falstaff_run_get_status (kept), ==, falstaff_run_get_status (row->run));
      g_assert_cmpstr (falstaff_run_get_request_id (kept), ==, falstaff_run_get_request_id (row->run));
      g_assert_cmpstr (falstaff_run_get_error_message (kept), ==, falstaff_run_get_error_message (row->run));
    }
}

static void
test_app_matrix (void)
{
  g_autoptr(GRegex) filter = fault_table_row_filter ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fault-matrix-app-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "history.sqlite3", NULL);
  g_autofree char *table = NULL;

  g_assert_no_error (error);
  store = open_store (path);
  rows = g_ptr_array_new_with_free_func (row_free);
  for (guint c = 0; c < G_N_ELEMENTS (calls); c++)
    for (guint f = 0; f < n_fault_kinds; f++)
      if (fault_table_row_wanted (filter, calls[c].name, fault_kinds[f].name))
        {
          Row *row = g_new0 (Row, 1);

          row->call = &calls[c];
          row->fault = &fault_kinds[f];
          g_ptr_array_add (rows, row);
        }

  fault_rows_run (rows, PARALLEL, (FaultRowStart) start_row);
  flush_store (store);

  for (guint i = 0; i < rows->len; i++)
    check_row (g_ptr_array_index (rows, i));
  check_history (path);
  table = make_table ();
  g_test_message ("%s", table);
  if (filter == NULL)
    fault_table_check_docs ("fault-matrix-app", table);

  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_object (&store);
  fal_test_remove_tree (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (g_getenv ("FALSTAFF_DOCS"));

  g_test_add_func ("/faults/app", test_app_matrix);
  return g_test_run ();
}
