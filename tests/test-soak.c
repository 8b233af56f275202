/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <malloc.h>
#include <string.h>
#include <cairo.h>
#include <glib/gstdio.h>

#include "falstaff-form-view.h"
#include "falstaff-run.h"
#include "falstaff-run-store.h"
#include "server-fixture.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* The soak (issue 14): 200 runs with 10 % faults, through falctl and
 * through the window, 8 at a time. Every run ends as its fault says and
 * none is missing from the history; the process that serves them (and,
 * for the window, runs them) ends with its file descriptors back where
 * they were after the warm-up and its RSS at most 10 % above.
 * docs/reliability.md "Soak" says what is measured, and why so. */

#define N_RUNS 200
#define N_WARM_UP 20
#define IN_FLIGHT 8
#define RSS_GROWTH_MAX 1.10
/* Descriptors that are no socket (pipes, files, eventfds): a few that
 * GLib and GTK may open on the way and keep (a worker's eventfd). */
#define OTHER_FD_SLACK 4
/* Heap the window may keep for good over the 180 runs after the warm-up
 * (caches that fill up): some 5 KiB a run. */
#define HEAP_SLACK (1024 * 1024.0)

/* ------------------------------------------------------------------ measures */

static guint64
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "\nVmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
}

typedef struct {
  guint total;
  guint sockets;
  guint other;          /* pipes, files, eventfds (and the listing's own) */
} Fds;

static void
count_fds (Fds *fds)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  memset (fds, 0, sizeof *fds);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      fds->total++;
      if (target && g_str_has_prefix (target, "socket:"))
        fds->sockets++;
      else
        fds->other++;
    }
}

/* Runs the main context until the number of open descriptors has stayed
 * the same for 500 ms (connections closing, children reaped); at most
 * 10 s. */
static void
settle (void)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  Fds last;

  count_fds (&last);
  while (g_get_monotonic_time () < deadline)
    {
      gint64 until = g_get_monotonic_time () + 500 * 1000;
      Fds now;

      while (g_get_monotonic_time () < until)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (5000);
      count_fds (&now);
      if (now.total == last.total)
        break;
      last = now;
    }
}

typedef struct {
  guint64 rss;          /* KiB */
  gsize heap;           /* bytes malloc has handed out and not had back */
  Fds fds;
} Mark;

static void
mark (Mark       *m,
      const char *when)
{
  struct mallinfo2 info;

  settle ();
  count_fds (&m->fds);
  /* What malloc holds free goes back to the system first, the same at
   * every mark: RSS is then what is in use, with its fragmentation. */
  malloc_trim (0);
  info = mallinfo2 ();
  m->heap = info.uordblks + info.hblkhd;
  m->rss = rss_kib ();
  g_test_message ("%s: VmRSS %" G_GUINT64_FORMAT " KiB, heap in use %zu KiB, fds %u (%u sockets, %u other)",
                  when, m->rss, m->heap / 1024, m->fds.total, m->fds.sockets, m->fds.other);
}

/* RSS at most 10 % above the warm-up's; descriptors other than sockets
 * back to the warm-up's (+ a few), sockets at most socket_slack above. */
static void
assert_flat (const char *what,
             const Mark *warm,
             const Mark *end,
             guint       socket_slack)
{
  double ratio = (double) end->rss / warm->rss;

  g_test_message ("%s: RSS %" G_GUINT64_FORMAT " KiB after the warm-up, %" G_GUINT64_FORMAT " KiB at the end: "
                  "x %.3f; heap in use %+.0f KiB; fds %u -> %u (sockets %u -> %u, other %u -> %u)",
                  what, warm->rss, end->rss, ratio, ((double) end->heap - warm->heap) / 1024,
                  warm->fds.total, end->fds.total, warm->fds.sockets, end->fds.sockets, warm->fds.other,
                  end->fds.other);
  g_assert_cmpfloat (ratio, <=, RSS_GROWTH_MAX);
  g_assert_cmpuint (end->fds.other, <=, warm->fds.other + OTHER_FD_SLACK);
  g_assert_cmpuint (end->fds.sockets, <=, warm->fds.sockets + socket_slack);
}

/* DELETE /__control/requests on a local server (blocking: the server
 * answers from a thread of its own, and no main loop runs meanwhile). */
static void
clear_request_log (const char *server_url)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server_url, "/__control/requests", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("DELETE", url);
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;

  soup_message_headers_replace (soup_message_get_request_headers (msg), "X-Fal-Local-Control", "1");
  answer = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 204);
}

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonNode) node = NULL;

  node = fal_json_parse (text, strlen (text), NULL);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  return json_object_ref (json_node_get_object (node));
}

/* Every tenth run is faulted. */
static gboolean
is_faulted (guint index)
{
  return index % 10 == 9;
}

/* ------------------------------------------------------------------ falctl */

/* The nine runs between two faulted ones, in this order. */
typedef enum {
  FALCTL_QUEUE,         /* fast-sdxl through the queue */
  FALCTL_STREAM,        /* any-llm's /stream */
  FALCTL_UPLOAD_INPUT,  /* image-to-image with -i image_url=@FILE (an upload first) */
  FALCTL_SYNC,          /* fast-sdxl --sync */
  FALCTL_OUT,           /* flux/dev through the queue, --out DIR */
  FALCTL_LLM,           /* any-llm through the queue */
  FALCTL_AUDIO,         /* stable-audio through the queue */
  FALCTL_UPLOAD,        /* falctl upload FILE */
  FALCTL_STREAM_IMAGE,  /* fast-sdxl's /stream */
  N_FALCTL_KINDS
} FalctlKind;

/* A result nested past libfal's 256 levels: refused for good (a merely
 * garbled one is asked for again, as fal's trouble). */
#define DEEP_RESULT "status=200; body=" \
  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" \
  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" \
  "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["

/* Each fault on an endpoint that only faulted runs use, with a count no
 * run uses up: it hits exactly them, whatever else is in flight. */
typedef struct {
  const char *endpoint_id;
  const char *method;
  const char *path;
  const char *fault;
  gboolean stream;
  int exit_status;      /* docs/falctl.md "Exit codes" */
  const char *says;
} FalctlFault;

static const FalctlFault falctl_faults[] = {
  /* Every submit answers 503: retried three times, then exit 5. */
  { "fal-ai/recraft-v3", "POST", "^/queue/fal-ai/recraft-v3$", "status=503; retry-after=0", FALSE, 5, "503" },
  /* The model fails: COMPLETED with an error, exit 1. */
  { "fal-ai/sana", "POST", "^/queue/fal-ai/sana$", "fail=500", FALSE, 1, "The model failed on fal's side" },
  /* The result is refused (too deep): a broken answer, exit 5. */
  { "fal-ai/aura-flow", "GET", "^/queue/fal-ai/aura-flow/requests/[^/]+$", DEEP_RESULT, FALSE, 5, "levels deep" },
  /* An error event after the stream's first event, exit 1. */
  { "fal-ai/flux/schnell", "POST", "^/run/fal-ai/flux/schnell/stream$", "error-event=1", TRUE, 1, "Stream error" },
  /* The submit refused as invalid, exit 4. */
  { "fal-ai/lcm", "POST", "^/queue/fal-ai/lcm$", "status=422", FALSE, 4, "Validation failed" },
};

typedef struct {
  FalTestServer *ts;
  const char *falctl;
  char *dir;            /* the file to upload, the --out directories */
  char *image;
  guint next;
  guint limit;          /* runs are started up to here */
  guint in_flight;
  guint max_in_flight;
  guint finished;
  guint n_faulted;
  guint n_by_kind[N_FALCTL_KINDS];
} FalctlSoak;

typedef struct {
  FalctlSoak *soak;
  guint index;
  char *out_dir;
} FalctlRun;

static void falctl_start_next (FalctlSoak *soak);

static const FalctlFault *
falctl_fault_for (guint index)
{
  return &falctl_faults[(index / 10) % G_N_ELEMENTS (falctl_faults)];
}

static const char *
first_url (JsonObject *result,
           const char *member)
{
  JsonNode *node = json_object_get_member (result, member);

  g_assert_nonnull (node);
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      g_assert_cmpuint (json_array_get_length (json_node_get_array (node)), >, 0);
      return json_object_get_string_member (json_array_get_object_element (json_node_get_array (node), 0), "url");
    }
  return json_object_get_string_member (json_node_get_object (node), "url");
}

/* A PNG in the run's --out directory. */
static void
assert_downloaded (const char *dir_path)
{
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *name = dir ? g_dir_read_name (dir) : NULL;
  g_autofree char *path = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_nonnull (name);
  path = g_build_filename (dir_path, name, NULL);
  g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 8);
  g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
}

/* Exit 0 with the result the run asked for. */
static void
assert_falctl_result (FalctlRun *run,
                      char      *out)
{
  FalctlKind kind = run->index % 10;
  const char *url = run->soak->ts->url;
  g_autoptr(JsonObject) result = NULL;

  if (kind == FALCTL_UPLOAD)
    {
      g_assert_true (g_str_has_prefix (out, url));
      return;
    }
  if (kind == FALCTL_STREAM || kind == FALCTL_STREAM_IMAGE)
    {
      /* One JSON line an event; the last is the result. */
      g_auto(GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
      guint n = g_strv_length (lines);

      g_assert_cmpuint (n, >=, 2);
      result = parse_object (lines[n - 1]);
      g_assert_nonnull (result);
      g_assert_false (json_object_get_boolean_member (result, "partial"));
    }
  else
    {
      result = parse_object (out);
      g_assert_nonnull (result);
    }

  switch (kind)
    {
    case FALCTL_STREAM:
    case FALCTL_LLM:
      g_assert_cmpuint (strlen (json_object_get_string_member (result, "output")), >, 0);
      break;
    case FALCTL_AUDIO:
      g_assert_true (g_str_has_prefix (first_url (result, "audio_file"), url));
      break;
    case FALCTL_OUT:
      assert_downloaded (run->out_dir);
      G_GNUC_FALLTHROUGH;
    case FALCTL_QUEUE:
    case FALCTL_UPLOAD_INPUT:
    case FALCTL_SYNC:
    case FALCTL_STREAM_IMAGE:
      /* A --sync image may come inline, as fal's sync_mode does. */
      g_assert_true (g_str_has_prefix (first_url (result, "images"), url) ||
                     g_str_has_prefix (first_url (result, "images"), "data:image/"));
      break;
    case FALCTL_UPLOAD:
    case N_FALCTL_KINDS:
    default:
      g_assert_not_reached ();
    }
}

static void
falctl_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  FalctlRun *run = data;
  FalctlSoak *soak = run->soak;
  GSubprocess *process = G_SUBPROCESS (source);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_assert_true (g_subprocess_communicate_utf8_finish (process, result, &out, &err, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  status = g_subprocess_get_exit_status (process);

  if (is_faulted (run->index))
    {
      const FalctlFault *fault = falctl_fault_for (run->index);

      if (status != fault->exit_status)
        g_error ("falctl run %u (%s, %s) exited %d, not %d:\n%s", run->index, fault->endpoint_id, fault->fault,
                 status, fault->exit_status, err);
      /* Said in one line, in words. */
      g_assert_nonnull (strstr (err, "falctl run: "));
      if (fault->says)
        g_assert_nonnull (strstr (err, fault->says));
      soak->n_faulted++;
    }
  else
    {
      if (status != 0)
        g_error ("falctl run %u (kind %u) exited %d:\n%s", run->index, run->index % 10, status, err);
      assert_falctl_result (run, out);
      soak->n_by_kind[run->index % 10]++;
    }

  if (run->out_dir)
    fal_test_remove_tree (run->out_dir);
  g_free (run->out_dir);
  g_free (run);
  soak->in_flight--;
  soak->finished++;
  /* The request log is bounded (20,000 entries) by design; emptied
   * now and then so that its growth does not hide other growth. */
  if (soak->finished % 20 == 0)
    clear_request_log (soak->ts->url);
  falctl_start_next (soak);
}

static void
add_arg (GPtrArray  *argv,
         const char *arg)
{
  g_ptr_array_add (argv, g_strdup (arg));
}

static void
add_input (GPtrArray  *argv,
           const char *format,
           ...) G_GNUC_PRINTF (2, 3);

static void
add_input (GPtrArray  *argv,
           const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  add_arg (argv, "-i");
  g_ptr_array_add (argv, g_strdup_vprintf (format, args));
  va_end (args);
}

static void
falctl_args (FalctlSoak *soak,
             FalctlRun  *run,
             GPtrArray  *argv)
{
  FalctlKind kind = run->index % 10;

  if (is_faulted (run->index))
    {
      const FalctlFault *fault = falctl_fault_for (run->index);

      add_arg (argv, "run");
      add_arg (argv, fault->endpoint_id);
      if (fault->stream)
        add_arg (argv, "--stream");
      add_input (argv, "prompt=soak %u, faulted", run->index);
      add_input (argv, "image_size=64x64");
      return;
    }

  switch (kind)
    {
    case FALCTL_QUEUE:
    case FALCTL_SYNC:
    case FALCTL_STREAM_IMAGE:
      add_arg (argv, "run");
      add_arg (argv, "fal-ai/fast-sdxl");
      add_input (argv, "image_size=64x64");
      if (kind == FALCTL_SYNC)
        add_arg (argv, "--sync");
      if (kind == FALCTL_STREAM_IMAGE)
        add_arg (argv, "--stream");
      break;
    case FALCTL_STREAM:
    case FALCTL_LLM:
      add_arg (argv, "run");
      add_arg (argv, "fal-ai/any-llm");
      if (kind == FALCTL_STREAM)
        add_arg (argv, "--stream");
      break;
    case FALCTL_UPLOAD_INPUT:
      add_arg (argv, "run");
      add_arg (argv, "fal-ai/fast-sdxl/image-to-image");
      add_input (argv, "image_url=@%s", soak->image);
      add_input (argv, "image_size=64x64");
      break;
    case FALCTL_OUT:
      run->out_dir = g_strdup_printf ("%s/out-%u", soak->dir, run->index);
      g_assert_cmpint (g_mkdir (run->out_dir, 0700), ==, 0);
      add_arg (argv, "run");
      add_arg (argv, "fal-ai/flux/dev");
      add_input (argv, "image_size=64x64");
      add_arg (argv, "--out");
      add_arg (argv, run->out_dir);
      break;
    case FALCTL_AUDIO:
      add_arg (argv, "run");
      add_arg (argv, "fal-ai/stable-audio");
      add_input (argv, "seconds_total=1");
      break;
    case FALCTL_UPLOAD:
      add_arg (argv, "upload");
      add_arg (argv, soak->image);
      return;
    case N_FALCTL_KINDS:
    default:
      g_assert_not_reached ();
    }
  add_input (argv, "prompt=soak %u", run->index);
}

static void
falctl_start (FalctlSoak *soak,
              guint       index)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  FalctlRun *run = g_new0 (FalctlRun, 1);

  run->soak = soak;
  run->index = index;
  g_subprocess_launcher_setenv (launcher, "FALSTAFF_LOCAL_URL", soak->ts->url, TRUE);
  g_subprocess_launcher_setenv (launcher, "FAL_KEY", FAL_LOCAL_DEFAULT_KEY, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "FAL_KEY_ID");
  g_subprocess_launcher_unsetenv (launcher, "FAL_KEY_SECRET");
  g_subprocess_launcher_unsetenv (launcher, "FALSTAFF_PROXY_URL");
  add_arg (argv, soak->falctl);
  falctl_args (soak, run, argv);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  soak->in_flight++;
  soak->max_in_flight = MAX (soak->max_in_flight, soak->in_flight);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, falctl_done_cb, run);
}

static void
falctl_start_next (FalctlSoak *soak)
{
  while (soak->in_flight < IN_FLIGHT && soak->next < soak->limit)
    falctl_start (soak, soak->next++);
}

static gboolean
falctl_all_finished (gpointer data)
{
  FalctlSoak *soak = data;

  return soak->finished == soak->limit;
}

/* Runs up to `limit`, 8 at a time; returns when all have finished. */
static void
falctl_soak_until (FalctlSoak *soak,
                   guint       limit)
{
  soak->limit = limit;
  falctl_start_next (soak);
  g_assert_true (fal_test_wait_until (falctl_all_finished, soak, 300 * 1000));
}

/* A small PNG to upload. */
static char *
make_png (const char *dir)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, 48, 32);
  cairo_t *cr = cairo_create (surface);
  char *path = g_build_filename (dir, "input.png", NULL);

  cairo_set_source_rgb (cr, 0.2, 0.5, 0.8);
  cairo_paint (cr);
  cairo_destroy (cr);
  g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
  cairo_surface_destroy (surface);
  return path;
}

/* 200 falctl processes against one local server in this process. */
static void
test_soak_falctl (void)
{
  FalctlSoak soak = { 0 };
  Mark warm, end;
  gint64 began = g_get_monotonic_time ();

  soak.falctl = g_getenv ("FALCTL");
  g_assert_nonnull (soak.falctl);
  soak.dir = g_dir_make_tmp ("falstaff-soak-XXXXXX", NULL);
  soak.image = make_png (soak.dir);
  /* Fast jobs, and runners enough that 8 in flight seldom queue. The
   * server remembers finished requests up to a bound (10,000 by
   * default); a bound of 64 puts it in its steady state within the soak. */
  soak.ts = fal_test_server_new_with (20.0, 4, 15000, "max-kept-requests", 64, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (falctl_faults); i++)
    studio_add_fault (soak.ts->url, falctl_faults[i].method, falctl_faults[i].path, falctl_faults[i].fault, 1000000);

  falctl_soak_until (&soak, N_WARM_UP);
  mark (&warm, "falctl soak, after the warm-up");
  falctl_soak_until (&soak, N_RUNS);
  g_test_message ("falctl soak: %u runs (%u faulted), at most %u at once, in %.1f s",
                  soak.finished, soak.n_faulted, soak.max_in_flight,
                  (g_get_monotonic_time () - began) / (double) G_USEC_PER_SEC);
  mark (&end, "falctl soak, at the end");

  g_assert_cmpuint (soak.finished, ==, N_RUNS);
  g_assert_cmpuint (soak.n_faulted, ==, N_RUNS / 10);
  for (guint kind = 0; kind < N_FALCTL_KINDS; kind++)
    g_assert_cmpuint (soak.n_by_kind[kind], ==, N_RUNS / 10);
  g_assert_cmpuint (soak.max_in_flight, ==, IN_FLIGHT);
  /* Each falctl has exited: the server closed its side of every
   * connection; one it has not noticed yet is the slack. */
  assert_flat ("falctl soak", &warm, &end, 2);

  fal_test_server_free (soak.ts);
  fal_test_remove_tree (soak.dir);
  g_free (soak.dir);
  g_free (soak.image);
}

/* ------------------------------------------------------------------ the window */

/* Normal runs: nine in a row on one of these, in turn. The window streams
 * where the endpoint has a /stream and the person did not say otherwise. */
typedef struct {
  const char *query;    /* typed into the picker */
  const char *endpoint_id;
  const char *mode;
} AppEndpoint;

static const AppEndpoint app_endpoints[] = {
  { "fast-sdxl", "fal-ai/fast-sdxl", "queue" },
  { "any-llm", "fal-ai/any-llm", "stream" },
  { "flux/schnell", "fal-ai/flux/schnell", "stream" },
};

/* Faulted runs: each kind on an endpoint of its own, as for falctl. All
 * end FAILED, with the error in words. */
typedef struct {
  const char *query;
  const char *endpoint_id;
  const char *method;
  const char *path;
  const char *fault;
} AppFault;

static const AppFault app_faults[] = {
  /* Every submit answers 503: retried three times, then failed. */
  { "recraft-v3", "fal-ai/recraft-v3", "POST", "^/queue/fal-ai/recraft-v3$", "status=503; retry-after=0" },
  /* The model fails at fal: COMPLETED with an error. */
  { "sana", "fal-ai/sana", "POST", "^/queue/fal-ai/sana$", "fail=500" },
  /* The result is refused (too deep). */
  { "aura-flow", "fal-ai/aura-flow", "GET", "^/queue/fal-ai/aura-flow/requests/[^/]+$", DEEP_RESULT },
  /* A 500 on the submit (not retried: the run may have been made). */
  { "lcm", "fal-ai/lcm", "POST", "^/queue/fal-ai/lcm$", "status=500" },
};

typedef struct {
  Studio *studio;
  FalstaffRunStore *store;
  GPtrArray *runs;      /* FalstaffRun, in the order started */
  guint max_in_flight;
  guint n_waited;       /* starts that waited for one of the 8 to end */
} AppSoak;

static const char *
app_query_for (guint index)
{
  if (is_faulted (index))
    return app_faults[(index / 10) % G_N_ELEMENTS (app_faults)].query;
  return app_endpoints[(index / 10) % G_N_ELEMENTS (app_endpoints)].query;
}

static const char *
app_endpoint_for (guint index)
{
  if (is_faulted (index))
    return app_faults[(index / 10) % G_N_ELEMENTS (app_faults)].endpoint_id;
  return app_endpoints[(index / 10) % G_N_ELEMENTS (app_endpoints)].endpoint_id;
}

static guint
app_in_flight (AppSoak *soak)
{
  guint n = 0;

  for (guint i = 0; i < soak->runs->len; i++)
    if (!falstaff_run_is_done (g_ptr_array_index (soak->runs, i)))
      n++;
  return n;
}

static gboolean
app_room (gpointer data)
{
  return app_in_flight (data) < IN_FLIGHT;
}

static gboolean
app_all_done (gpointer data)
{
  return app_in_flight (data) == 0;
}

static gboolean
form_is (gpointer data)
{
  void **args = data;

  return form_ready (args[0]) && g_strcmp0 (_falstaff_window_get_endpoint_id (args[0]), args[1]) == 0 &&
         g_strcmp0 (fal_form_model_get_endpoint_id (form_model (args[2])), args[1]) == 0;
}

/* The picker, as a person uses it (its search, then Enter), and the form
 * of that endpoint. */
static void
pick (Studio     *studio,
      const char *query,
      const char *endpoint_id)
{
  void *args[3] = { studio->window, (gpointer) endpoint_id, studio };

  pick_endpoint (studio, query);
  g_assert_true (falstaff_test_wait_until (form_is, args, 10000));
}

static gboolean
store_grew (gpointer data)
{
  AppSoak *soak = data;

  return g_list_model_get_n_items (G_LIST_MODEL (soak->store)) > soak->runs->len;
}

/* Waits for room among the 8, types the prompt and presses Ctrl+Enter in
 * it; returns once the run is in the history. */
static void
app_start (AppSoak *soak,
           guint    index)
{
  g_autofree char *text = g_strdup_printf ("soak %u", index);
  g_autoptr(FalstaffRun) run = NULL;
  GtkWidget *prompt;

  if (!app_room (soak))
    soak->n_waited++;
  g_assert_true (falstaff_test_wait_until (app_room, soak, 120000));
  if (g_strcmp0 (_falstaff_window_get_endpoint_id (soak->studio->window), app_endpoint_for (index)) != 0)
    pick (soak->studio, app_query_for (index), app_endpoint_for (index));
  prompt = row_control (soak->studio, "prompt");
  type_text (prompt, text);
  falstaff_test_press_keys (prompt, "ctrl+Return");
  g_assert_true (falstaff_test_wait_until (store_grew, soak, 10000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (soak->store)), ==, soak->runs->len + 1);
  run = g_list_model_get_item (G_LIST_MODEL (soak->store), 0);
  g_assert_cmpstr (falstaff_run_get_endpoint_id (run), ==, app_endpoint_for (index));
  g_assert_cmpstr (falstaff_run_get_prompt (run), ==, text);
  g_ptr_array_add (soak->runs, g_steal_pointer (&run));
  soak->max_in_flight = MAX (soak->max_in_flight, app_in_flight (soak));
}

static void
app_soak_until (AppSoak    *soak,
                guint       limit,
                const char *server_url)
{
  for (guint i = soak->runs->len; i < limit; i++)
    {
      app_start (soak, i);
      /* As for falctl: the request log's growth is by design. */
      if (i % 20 == 19)
        clear_request_log (server_url);
    }
  g_assert_true (falstaff_test_wait_until (app_all_done, soak, 120000));
}

/* The run ended as its fault says: on the run the window followed, or on
 * the one the file gives back (which has no result loaded). */
static void load_details (FalstaffRunStore *store,
                          FalstaffRun      *run);

static void
assert_app_run (FalstaffRunStore *store,
                FalstaffRun      *run,
                guint             index,
                gboolean          followed)
{
  g_assert_true (falstaff_run_is_done (run));
  g_assert_cmpstr (falstaff_run_get_endpoint_id (run), ==, app_endpoint_for (index));
  if (is_faulted (index))
    {
      if (falstaff_run_get_status (run) != FAL_JOB_FAILED)
        g_error ("run %u (%s) ended %d, not FAILED", index, app_endpoint_for (index), falstaff_run_get_status (run));
      g_assert_nonnull (falstaff_run_get_error_message (run));
      g_assert_cmpuint (strlen (falstaff_run_get_error_message (run)), >, 0);
    }
  else
    {
      if (falstaff_run_get_status (run) != FAL_JOB_COMPLETED)
        g_error ("run %u (%s) ended %d: %s", index, app_endpoint_for (index), falstaff_run_get_status (run),
                 falstaff_run_get_error_message (run));
      g_assert_null (falstaff_run_get_error_message (run));
      g_assert_nonnull (falstaff_run_get_request_id (run));
      g_assert_cmpstr (falstaff_run_get_mode (run), ==,
                       app_endpoints[(index / 10) % G_N_ELEMENTS (app_endpoints)].mode);
      if (followed)
        {
          if (!falstaff_run_get_details_loaded (run))
            load_details (store, run);
          g_assert_nonnull (falstaff_run_get_result (run));
        }
    }
}

static void
store_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  FalstaffRunStore *store = FALSTAFF_RUN_STORE (source);
  gboolean *done = data;
  g_autoptr(GError) error = NULL;

  if (g_async_result_is_tagged (result, falstaff_run_store_flush_async))
    g_assert_true (falstaff_run_store_flush_finish (store, result, &error));
  else if (g_async_result_is_tagged (result, falstaff_run_store_load_async))
    g_assert_true (falstaff_run_store_load_finish (store, result, &error));
  else if (g_async_result_is_tagged (result, falstaff_run_store_load_details_async))
    g_assert_true (falstaff_run_store_load_details_finish (store, result, &error));
  else
    g_assert_true (falstaff_run_store_delete_finish (store, result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* A finished run's inputs, result and log, read back from the file when
 * the window let go of them (it keeps the last few in memory). */
static void
load_details (FalstaffRunStore *store,
              FalstaffRun      *run)
{
  gboolean done = FALSE;

  falstaff_run_store_load_details_async (store, run, NULL, store_done_cb, &done);
  g_assert_true (falstaff_test_wait_until (is_true, &done, 30000));
  g_assert_true (falstaff_run_get_details_loaded (run));
}

/* Every run in the window's history as it ended, and in the file: read
 * again by a store of its own. */
static void
assert_history (AppSoak *soak)
{
  g_autoptr(FalstaffRunStore) reread = NULL;
  gboolean flushed = FALSE, loaded = FALSE;
  guint n_failed = 0;

  g_assert_cmpuint (soak->runs->len, ==, N_RUNS);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (soak->store)), ==, N_RUNS);
  for (guint i = 0; i < N_RUNS; i++)
    {
      FalstaffRun *run = g_ptr_array_index (soak->runs, i);

      g_assert_true (falstaff_run_store_lookup (soak->store, falstaff_run_get_id (run)) == run);
      assert_app_run (soak->store, run, i, TRUE);
      n_failed += falstaff_run_get_status (run) == FAL_JOB_FAILED;
    }
  g_assert_cmpuint (n_failed, ==, N_RUNS / 10);

  falstaff_run_store_flush_async (soak->store, NULL, store_done_cb, &flushed);
  g_assert_true (falstaff_test_wait_until (is_true, &flushed, 30000));
  reread = falstaff_run_store_new (falstaff_run_store_get_path (soak->store));
  falstaff_run_store_load_async (reread, NULL, store_done_cb, &loaded);
  g_assert_true (falstaff_test_wait_until (is_true, &loaded, 30000));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (reread)), ==, N_RUNS);
  for (guint i = 0; i < N_RUNS; i++)
    {
      FalstaffRun *run = g_ptr_array_index (soak->runs, i);
      FalstaffRun *stored = falstaff_run_store_lookup (reread, falstaff_run_get_id (run));

      g_assert_nonnull (stored);
      assert_app_run (reread, stored, i, FALSE);
      /* A finished run's prompt comes with its details. */
      load_details (reread, stored);
      g_assert_cmpstr (falstaff_run_get_request_id (stored), ==, falstaff_run_get_request_id (run));
      g_assert_cmpstr (falstaff_run_get_error_message (stored), ==, falstaff_run_get_error_message (run));
      g_assert_cmpstr (falstaff_run_get_prompt (stored), ==, falstaff_run_get_prompt (run));
    }
}

/* 200 runs started in the window, 8 in flight, against the demo (the
 * local server in this process, as a person starts it). */
static void
test_soak_app (void)
{
  g_autoptr(Studio) studio = studio_new ();
  AppSoak soak = { 0 };
  gboolean deleted = FALSE;
  const char *demo_url;
  Mark warm, full, end;
  gint64 began, warm_at;

  /* Jobs slow enough that 8 are in flight while keys are pressed for
   * the next (about 0.3 s a start). */
  g_setenv ("FALSTAFF_DEMO_SPEED", "2", TRUE);
  start_demo (studio);
  g_setenv ("FALSTAFF_DEMO_SPEED", "4", TRUE);
  demo_url = falstaff_session_get_demo_url (studio->session);
  for (guint i = 0; i < G_N_ELEMENTS (app_faults); i++)
    studio_add_fault (demo_url, app_faults[i].method, app_faults[i].path, app_faults[i].fault, 1000000);

  soak.studio = studio;
  soak.store = _falstaff_window_get_run_store (studio->window);
  soak.runs = g_ptr_array_new_with_free_func (g_object_unref);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (soak.store)), ==, 0);

  began = g_get_monotonic_time ();
  app_soak_until (&soak, N_WARM_UP, demo_url);
  mark (&warm, "window soak, after the warm-up");
  warm_at = g_get_monotonic_time ();
  for (guint k = N_WARM_UP + 20; k <= N_RUNS; k += 20)
    {
      app_soak_until (&soak, k, demo_url);
      g_test_message ("window soak, %u runs: VmRSS %" G_GUINT64_FORMAT " KiB", k, rss_kib ());
    }
  g_test_message ("window soak: %u runs, at most %u at once (%u started when 8 were), in %.1f s "
                  "(%.2f s a run after the warm-up)",
                  soak.runs->len, soak.max_in_flight, soak.n_waited,
                  (g_get_monotonic_time () - began) / (double) G_USEC_PER_SEC,
                  (g_get_monotonic_time () - warm_at) / (double) G_USEC_PER_SEC / (N_RUNS - N_WARM_UP));
  mark (&full, "window soak, at the end, 200 runs in the history");
  g_assert_cmpuint (soak.max_in_flight, ==, IN_FLIGHT);
  assert_history (&soak);

  /* The history keeps every run (its inputs, result, logs) and GTK's
   * list view up to 200 rows of it, by design: that growth is measured
   * above, and let go here as a person deletes the runs. What stays is
   * what the window, the demo server and the libraries keep for good. */
  falstaff_run_store_delete_async (soak.store, (FalstaffRun **) soak.runs->pdata, soak.runs->len, NULL,
                                   store_done_cb, &deleted);
  g_assert_true (falstaff_test_wait_until (is_true, &deleted, 30000));
  g_ptr_array_set_size (soak.runs, 0);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (soak.store)), ==, 0);
  mark (&end, "window soak, at the end, the runs deleted");
  g_test_message ("window soak: with the 200 runs in the history, RSS x %.3f of the warm-up's, heap in use %+.0f KiB",
                  (double) full.rss / warm.rss, ((double) full.heap - warm.heap) / 1024);
  g_test_message ("window soak: the runs deleted, RSS x %.3f, heap in use %+.0f KiB; fds %u -> %u "
                  "(sockets %u -> %u, other %u -> %u)",
                  (double) end.rss / warm.rss, ((double) end.heap - warm.heap) / 1024, warm.fds.total,
                  end.fds.total, warm.fds.sockets, end.fds.sockets, warm.fds.other, end.fds.other);
  /* Nothing else stays per run: the heap is back to the warm-up's. */
  g_assert_cmpfloat ((double) end.heap - warm.heap, <=, HEAP_SLACK);
  /* RSS within 10 % of the warm-up's, but for what the history held:
   * freed in small pieces among live ones, malloc cannot give those
   * pages back. */
  g_assert_cmpfloat (end.rss, <=, warm.rss * RSS_GROWTH_MAX + ((double) full.heap - end.heap) / 1024);
  g_assert_cmpfloat (full.rss, <=, warm.rss * RSS_GROWTH_MAX + ((double) full.heap - end.heap) / 1024);
  g_assert_cmpuint (end.fds.other, <=, warm.fds.other + OTHER_FD_SLACK);
  /* Sockets: the window's idle connections to the server (and the
   * server's ends of them) come and go with what ran last. */
  g_assert_cmpuint (end.fds.sockets, <=, warm.fds.sockets + 2 * IN_FLIGHT);
  g_ptr_array_unref (soak.runs);
}

/* ------------------------------------------------------------------ endpoint switches */

/* Switching endpoints back and forth holds on to nothing: the form of
 * each is freed with it. (Every switch leaked the form's empty groups,
 * some 15 to 25 KiB each, until the form view made them only with a
 * model.) */
static void
test_soak_endpoint_switches (void)
{
  g_autoptr(Studio) studio = studio_new ();
  const AppEndpoint *endpoints = app_endpoints;
  Mark before, after;
  guint n = 60;

  start_demo (studio);
  for (guint i = 0; i < 10; i++)
    pick (studio, endpoints[i % 2].query, endpoints[i % 2].endpoint_id);
  mark (&before, "endpoint switches, after 10");
  for (guint i = 0; i < n; i++)
    pick (studio, endpoints[i % 2].query, endpoints[i % 2].endpoint_id);
  mark (&after, "endpoint switches, after 70");
  g_test_message ("endpoint switches: heap in use %+.1f KiB a switch",
                  ((double) after.heap - before.heap) / 1024 / n);
  g_assert_cmpfloat ((double) after.heap - before.heap, <=, n * 4 * 1024.0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  /* Buffers of 1 MiB and more are mapped and unmapped each time. By
   * default glibc raises that threshold to the largest buffer freed so
   * far (a 4 MiB image), and each thread's arena then keeps one freed at
   * its top: RSS grows with the threads that ever decoded an image,
   * which says nothing about what the code holds (see the doc). */
  mallopt (M_MMAP_THRESHOLD, 1024 * 1024);
  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/soak/falctl", test_soak_falctl);
  g_test_add_func ("/soak/app", test_soak_app);
  g_test_add_func ("/soak/endpoint-switches", test_soak_endpoint_switches);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
