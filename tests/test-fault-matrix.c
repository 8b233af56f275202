/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "fault-table.h"
#include "server-fixture.h"

/* The fault matrix of issue 14: every fal call falctl makes, each against
 * every kind of failure the local server can inject (docs/local-server.md
 * §9), fal going on failing (a rule that outlasts any retry). One falctl
 * process a row, each with its own server, eight at a time.
 *
 * Each row must end by itself (no crash, no hang past its --timeout),
 * with a documented exit code and, when it fails, one line that says
 * why. The outcomes are the table in docs/reliability.md: a change of
 * behaviour fails here until the table is brought up to date
 * (FALSTAFF_UPDATE_DOCS=1 rewrites it). */

#define ENDPOINT     "fal-ai/fast-sdxl"
#define PARALLEL     8
#define TIMEOUT_S    "60"
#define STALL_S      "5"
#define BIG_SIZE     (91 * 1024 * 1024)   /* just past falctl's multipart threshold */

typedef enum {
  PREP_NONE,
  PREP_WAITING,      /* a request that stays in the queue */
  PREP_COMPLETED,    /* a request already done */
} Prep;

typedef struct {
  const char *name;
  const char *method;
  const char *path;          /* the rule's regex */
  Prep prep;
  const char *args[8];       /* falctl's; @ID, @FILE, @BIG, @OUT are filled in */
} Call;

static const Call calls[] = {
  { "submit", "POST", "^/queue/" ENDPOINT "$", PREP_NONE, { "run", ENDPOINT, "-i", "prompt=a lighthouse" } },
  { "status stream", "GET", "/status/stream$", PREP_NONE, { "run", ENDPOINT, "-i", "prompt=a lighthouse" } },
  { "status", "GET", "/status$", PREP_WAITING, { "status", ENDPOINT, "@ID" } },
  { "result", "GET", "/requests/[^/]+$", PREP_COMPLETED, { "result", ENDPOINT, "@ID" } },
  { "cancel", "PUT", "/cancel$", PREP_WAITING, { "cancel", ENDPOINT, "@ID" } },
  { "sync run", "POST", "^/run/" ENDPOINT "$", PREP_NONE, { "run", ENDPOINT, "-i", "prompt=a lighthouse", "--sync" } },
  { "stream run", "POST", "^/run/" ENDPOINT "/stream$", PREP_NONE, { "run", ENDPOINT, "-i", "prompt=a lighthouse", "--stream" } },
  { "initiate", "POST", "/storage/upload/initiate$", PREP_NONE, { "upload", "@FILE" } },
  { "PUT", "PUT", "^/cdn/upload/", PREP_NONE, { "upload", "@FILE" } },
  { "initiate multipart", "POST", "/storage/upload/initiate-multipart$", PREP_NONE, { "upload", "@BIG" } },
  { "part", "PUT", "^/cdn/multipart/[^/]+/[0-9]+$", PREP_NONE, { "upload", "@BIG" } },
  { "complete", "POST", "^/cdn/multipart/[^/]+/complete$", PREP_NONE, { "upload", "@BIG" } },
  { "media", "GET", "^/cdn/files/", PREP_NONE, { "run", ENDPOINT, "-i", "prompt=a lighthouse", "--out", "@OUT" } },
  { "schema", "GET", "/openapi\\.json$", PREP_NONE, { "schema", ENDPOINT } },
  { "catalog", "GET", "^/api/v1/models$", PREP_NONE, { "models", "flux" } },
  { "pricing", "GET", "^/api/v1/models/pricing$", PREP_NONE, { "price", "fal-ai/flux/dev" } },
};

typedef struct {
  const Call *call;
  const FaultKind *fault;
  FalTestServer *server;
  char *dir;
  GSubprocess *process;
  gint64 started;
  /* The outcome. */
  gboolean finished;
  gboolean signalled;
  int code;
  double seconds;
  char *out;
  char *err;
  guint attempts;            /* requests that met the rule */
  gboolean id_given;         /* fal answered a submit or a run: a request id exists */
} Row;

static const char *falctl;
static char *small_file;
static char *big_file;
static GPtrArray *rows;

static void
row_free (gpointer data)
{
  Row *row = data;

  g_clear_pointer (&row->server, fal_test_server_free);
  if (row->dir)
    fal_test_remove_tree (row->dir);
  g_free (row->dir);
  g_clear_object (&row->process);
  g_free (row->out);
  g_free (row->err);
  g_free (row);
}

static gboolean
is_stall (const Row *row)
{
  return fault_kind_is_stall (row->fault);
}

/* A request for the rows that need one, made before the rule exists. */
static char *
prepare (Row *row)
{
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(FalTestJob) job = NULL;

  if (row->call->prep == PREP_NONE)
    return NULL;
  submitted = fal_test_submit (row->server, ENDPOINT, "{\"prompt\":\"a lighthouse\"}", NULL);
  g_assert_cmpuint (submitted->status, ==, 200);
  job = fal_test_job_new (submitted);
  if (row->call->prep == PREP_COMPLETED)
    json_object_unref (fal_test_wait_status (row->server, job->status_url, "COMPLETED", 30000));
  return g_strdup (job->request_id);
}

/* Only falctl run's own requests count for the id: status, result and
 * cancel are given theirs. */
static void
read_log (Row *row)
{
  gboolean id_given = FALSE;

  fault_table_read_log (row->server, row->call->method, row->call->path, row->fault, ENDPOINT,
                        &row->attempts, &id_given);
  row->id_given = id_given && g_str_equal (row->call->args[0], "run");
}

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Row *row = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &row->out, &row->err, &error));
  g_assert_no_error (error);
  row->seconds = (g_get_monotonic_time () - row->started) / 1e6;
  row->signalled = g_subprocess_get_if_signaled (row->process);
  row->code = row->signalled ? -g_subprocess_get_term_sig (row->process) : g_subprocess_get_exit_status (row->process);
  read_log (row);
  row->finished = TRUE;
  g_test_message ("%s x %s: exit %d in %.1f s, %u attempts; stderr:\n%s", row->call->name, row->fault->name,
                  row->code, row->seconds, row->attempts, row->err);
  /* Its server goes now: eight at a time is enough. */
  g_clear_pointer (&row->server, fal_test_server_free);
  fault_rows_done ();
}

static void
start_row (Row *row)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDIN_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *request_id = NULL;
  g_autofree char *out_dir = NULL;
  g_autofree char *cache_dir = NULL;
  /* Past the queue's place: a waiting request stays waiting. */
  gboolean waiting = row->call->prep == PREP_WAITING;

  row->dir = g_dir_make_tmp ("fault-matrix-XXXXXX", &error);
  g_assert_no_error (error);
  row->server = fal_test_server_new (waiting ? 0.001 : 20.0, 1, 15000);
  request_id = prepare (row);
  /* A status stream that failed is opened again after a few polls if the
   * run is still going. How often depends on how long the run takes (its
   * image is made for real: seconds under AddressSanitizer, where a CI
   * run once counted 2), so that rule meets only the first. */
  fal_test_add_fault (row->server, row->call->method, row->call->path,
                      g_str_equal (row->call->name, "status stream") ? 1 : 1000, fault_kind_spec (row->fault));

  out_dir = g_build_filename (row->dir, "out", NULL);
  cache_dir = g_build_filename (row->dir, "cache", NULL);
  /* Nothing from the person's session: a fresh schema cache, no proxy,
   * the key from the environment only. */
  g_subprocess_launcher_set_environ (launcher, NULL);
  g_subprocess_launcher_setenv (launcher, "PATH", "/usr/bin:/bin", TRUE);
  g_subprocess_launcher_setenv (launcher, "HOME", row->dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache_dir, TRUE);
  g_subprocess_launcher_setenv (launcher, "FALSTAFF_LOCAL_URL", row->server->url, TRUE);
  g_subprocess_launcher_setenv (launcher, "FAL_KEY", FAL_LOCAL_DEFAULT_KEY, TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);

  g_ptr_array_add (argv, g_strdup (falctl));
  for (guint i = 0; row->call->args[i]; i++)
    {
      const char *arg = row->call->args[i];

      if (g_str_equal (arg, "@ID"))
        g_ptr_array_add (argv, g_strdup (request_id));
      else if (g_str_equal (arg, "@FILE"))
        g_ptr_array_add (argv, g_strdup (small_file));
      else if (g_str_equal (arg, "@BIG"))
        g_ptr_array_add (argv, g_strdup (big_file));
      else if (g_str_equal (arg, "@OUT"))
        g_ptr_array_add (argv, g_strdup (out_dir));
      else
        g_ptr_array_add (argv, g_strdup (arg));
    }
  g_ptr_array_add (argv, g_strdup ("--timeout"));
  g_ptr_array_add (argv, g_strdup (is_stall (row) ? STALL_S : TIMEOUT_S));
  g_ptr_array_add (argv, NULL);

  row->started = g_get_monotonic_time ();
  row->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (row->process, NULL, NULL, communicated_cb, row);
}


static gboolean
shows_request_id (const Row *row)
{
  return fault_table_has_request_id (row->err) || fault_table_has_request_id (row->out);
}

/* falctl's error line, with what changes from run to run (ports, request
 * ids, file keys, temporary paths) replaced by a word. */
static char *
outcome_message (Row *row)
{
  g_autofree char *prefix = g_strdup_printf ("falctl %s: ", row->call->args[0]);
  g_auto(GStrv) lines = g_strsplit (row->err ? row->err : "", "\n", -1);
  const char *line = "";

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], prefix))
      line = lines[i] + strlen (prefix);
  if (row->code == 0)
    return g_strdup ("—");
  return fault_table_mask (line);
}

static char *
make_table (void)
{
  GString *table = g_string_new (NULL);

  g_string_append (table, "| call | fault | requests | exit | request id shown | what falctl says |\n"
                          "| --- | --- | --- | --- | --- | --- |\n");
  for (guint i = 0; i < rows->len; i++)
    {
      Row *row = g_ptr_array_index (rows, i);
      g_autofree char *message = outcome_message (row);

      g_autofree char *attempts = g_strdup_printf ("%u", row->attempts);

      /* Parts go up in parallel: how many left before the failure
       * stopped the others varies. */
      g_string_append_printf (table, "| %s | %s | %s | %d | %s | %s |\n", row->call->name, row->fault->name,
                              g_str_equal (row->call->name, "part") ? "—" : attempts, row->code,
                              !row->id_given || row->code == 0 ? "—" : shows_request_id (row) ? "yes" : "no", message);
    }
  return g_string_free (table, FALSE);
}

/* Every row, whatever its outcome: it ended by itself, with a documented
 * code, and a failure says why in a line of its own. */
static void
check_row (Row *row)
{
  g_autofree char *prefix = g_strdup_printf ("falctl %s: ", row->call->args[0]);
  double limit = g_ascii_strtod (is_stall (row) ? STALL_S : TIMEOUT_S, NULL) + 15;
  const int documented[] = { 0, 1, 3, 4, 5, 6 };
  gboolean known = FALSE;

  g_assert_false (row->signalled);
  g_assert_cmpfloat (row->seconds, <, limit);
  for (guint i = 0; i < G_N_ELEMENTS (documented); i++)
    known |= row->code == documented[i];
  if (!known)
    g_error ("%s x %s: exit %d is not a documented code", row->call->name, row->fault->name, row->code);
  /* The rule was met: the row tests what it says. */
  g_assert_cmpuint (row->attempts, >, 0);
  if (row->code != 0)
    {
      g_autofree char *message = outcome_message (row);

      if (strlen (message) < 10)
        g_error ("%s x %s: no 'falctl %s: …' line that says why in: %s", row->call->name, row->fault->name,
                 row->call->args[0], row->err);
      /* A request fal took is never lost from view: its id is what
       * fetches the (paid) result again. */
      if (row->id_given && !shows_request_id (row))
        g_error ("%s x %s: fal gave a request id, and falctl did not show it: %s", row->call->name,
                 row->fault->name, row->err);
    }
  else if (!g_str_equal (row->call->args[0], "cancel") && !g_str_equal (row->call->args[0], "upload"))
    g_assert_cmpuint (strlen (row->out), >, 0);
}

static void
test_falctl_matrix (void)
{
  g_autofree char *table = NULL;

  g_autoptr(GRegex) filter = fault_table_row_filter ();

  rows = g_ptr_array_new_with_free_func (row_free);
  for (guint c = 0; c < G_N_ELEMENTS (calls); c++)
    for (guint f = 0; f < n_fault_kinds; f++)
      {
        Row *row;

        if (!fault_table_row_wanted (filter, calls[c].name, fault_kinds[f].name))
          continue;
        row = g_new0 (Row, 1);
        row->call = &calls[c];
        row->fault = &fault_kinds[f];
        g_ptr_array_add (rows, row);
      }

  fault_rows_run (rows, PARALLEL, (FaultRowStart) start_row);

  for (guint i = 0; i < rows->len; i++)
    check_row (g_ptr_array_index (rows, i));
  table = make_table ();
  g_test_message ("%s", table);
  if (filter == NULL)
    fault_table_check_docs ("fault-matrix", table);
  g_clear_pointer (&rows, g_ptr_array_unref);
}

static char *
make_file (const char *dir,
           const char *name,
           gsize       size)
{
  char *path = g_build_filename (dir, name, NULL);
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  g_assert_cmpint (fd, >=, 0);
  /* Sparse: the disk is not the point. */
  g_assert_cmpint (ftruncate (fd, size), ==, 0);
  if (size < 4096)
    g_assert_cmpint (write (fd, "fault matrix\n", 13), ==, 13);
  close (fd);
  return path;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *files = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  falctl = g_getenv ("FALCTL");
  g_assert_nonnull (falctl);
  g_assert_nonnull (g_getenv ("FALSTAFF_DOCS"));

  files = g_dir_make_tmp ("fault-matrix-files-XXXXXX", &error);
  g_assert_no_error (error);
  small_file = make_file (files, "notes.txt", 0);
  big_file = make_file (files, "big.bin", BIG_SIZE);

  g_test_add_func ("/faults/falctl", test_falctl_matrix);
  status = g_test_run ();

  fal_test_remove_tree (files);
  g_free (small_file);
  g_free (big_file);
  return status;
}
