/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#define _GNU_SOURCE
#include "config.h"

#include <sched.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include <math.h>

#include "bench-common.h"
#include "fal-local-server.h"
#include "fal-schema-cache.h"

struct _BenchServer
{
  GSubprocess *process;
  FalLocalServer *local;
  char *url;
};

static gboolean idle_child = TRUE;

void
bench_server_set_idle_policy (gboolean idle)
{
  idle_child = idle;
}

static void
renice_child (gpointer data)
{
  /* Between fork and exec: only async-signal-safe calls. */
  setpriority (PRIO_PROCESS, 0, GPOINTER_TO_INT (data));
  /* And SCHED_IDLE: fal renders elsewhere, so its stand-in runs only when
   * the app's threads and the X server leave a core idle. Nice alone did
   * that on CFS; under EEVDF (Linux 6.6 and later) a nice-10 thread keeps
   * the core until its slice ends or the next 4 ms tick, and the app's
   * main thread and the X server waited that long at each of a frame's
   * round trips (bench-ui-stall: 115–145 ms frames with 10–20 ms of work;
   * 61–75 ms with this). */
  if (idle_child)
    {
      struct sched_param param = { 0 };

      sched_setscheduler (0, SCHED_IDLE, &param);
    }
}

BenchServer *
bench_server_spawn (const char  *falctl,
                    double       speed,
                    guint        runners,
                    GError     **error)
{
  return bench_server_spawn_niced (falctl, speed, runners, 0, error);
}

BenchServer *
bench_server_spawn_niced (const char  *falctl,
                          double       speed,
                          guint        runners,
                          int          nice,
                          GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  char speed_text[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *runners_text = g_strdup_printf ("%u", runners);
  BenchServer *server;

  g_ascii_dtostr (speed_text, sizeof speed_text, speed);
  if (nice != 0)
    g_subprocess_launcher_set_child_setup (launcher, renice_child, GINT_TO_POINTER (nice), NULL);
  process = g_subprocess_launcher_spawn (launcher, error,
                                         falctl, "serve", "--port", "0", "--speed", speed_text,
                                         "--runners", runners_text, NULL);
  if (process == NULL)
    return NULL;

  /* The first line says where it listens; nothing else comes on stdout. */
  lines = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  line = g_data_input_stream_read_line_utf8 (lines, NULL, NULL, error);
  if (line == NULL || !g_str_has_prefix (line, "listening "))
    {
      if (error && *error == NULL)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                     "%s serve did not say where it listens", falctl);
      g_subprocess_force_exit (process);
      return NULL;
    }

  server = g_new0 (BenchServer, 1);
  server->process = g_steal_pointer (&process);
  server->url = g_strdup (line + strlen ("listening "));
  return server;
}

BenchServer *
bench_server_in_process (double    speed,
                         guint     runners,
                         GError  **error)
{
  g_autoptr(FalLocalServer) local = g_object_new (FAL_LOCAL_TYPE_SERVER,
                                                  "speed", speed,
                                                  "runners", runners,
                                                  NULL);
  BenchServer *server;

  if (!fal_local_server_start (local, error))
    return NULL;
  server = g_new0 (BenchServer, 1);
  server->url = g_strdup (fal_local_server_get_url (local));
  server->local = g_steal_pointer (&local);
  return server;
}

void
bench_server_free (BenchServer *server)
{
  if (server == NULL)
    return;
  if (server->process)
    {
      /* SIGTERM lets falctl remove its temporary storage. */
      g_subprocess_send_signal (server->process, SIGTERM);
      g_subprocess_wait (server->process, NULL, NULL);
      g_object_unref (server->process);
    }
  if (server->local)
    {
      fal_local_server_stop (server->local);
      g_object_unref (server->local);
    }
  g_free (server->url);
  g_free (server);
}

const char *
bench_server_get_url (BenchServer *server)
{
  return server->url;
}

int
bench_server_get_pid (BenchServer *server)
{
  if (server->process)
    return atoi (g_subprocess_get_identifier (server->process));
  return getpid ();
}

gboolean
bench_server_is_separate (BenchServer *server)
{
  return server->process != NULL;
}

/* utime + stime of one /proc stat file; the name may hold spaces and
 * parentheses, so fields are counted from the last ')'. */
static double
stat_cpu (const char *path,
          char      **comm)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  char *open_paren;
  char *close_paren;

  if (!g_file_get_contents (path, &text, NULL, NULL) ||
      (open_paren = strchr (text, '(')) == NULL ||
      (close_paren = strrchr (text, ')')) == NULL)
    return 0;
  if (comm)
    *comm = g_strndup (open_paren + 1, close_paren - open_paren - 1);
  /* After ')': state is field 3, utime 14 and stime 15. */
  fields = g_strsplit (close_paren + 2, " ", 16);
  if (g_strv_length (fields) < 14)
    return 0;
  return (g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL)) /
         (double) sysconf (_SC_CLK_TCK);
}

double
bench_process_cpu (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);

  return stat_cpu (path, NULL);
}

/* The server's own thread is named "fal-local-srv" (the kernel keeps 15
 * bytes of a name). The other threads are GLib's and libsoup's workers. */
double
bench_server_thread_cpu (int pid)
{
  g_autofree char *dir_path = g_strdup_printf ("/proc/%d/task", pid);
  g_autofree char *main_path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *main_comm = NULL;
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  const char *tid;
  double named = 0, unnamed = 0;

  stat_cpu (main_path, &main_comm);
  while (dir && (tid = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename (dir_path, tid, "stat", NULL);
      g_autofree char *comm = NULL;
      double cpu = stat_cpu (path, &comm);

      if (comm == NULL)
        continue;
      if (g_str_equal (comm, "fal-local-srv"))
        named += cpu;
      else if (atoi (tid) != pid && g_strcmp0 (comm, main_comm) == 0)
        unnamed += cpu;
    }
  /* An older server left its thread with the process's name. */
  return named > 0 ? named : unnamed;
}

int
bench_x_server_pid (void)
{
  const char *display = g_getenv ("DISPLAY");
  g_autoptr(GDir) dir = NULL;
  g_autofree char *wanted = NULL;
  const char *name;

  if (display == NULL || (display = strchr (display, ':')) == NULL)
    return 0;
  /* ":99.0" → ":99", as the server was started. */
  wanted = g_strndup (display, strcspn (display, "."));
  dir = g_dir_open ("/proc", 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *text = NULL;
      g_autofree char *base = NULL;
      gsize length;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &text, &length, NULL) || length == 0)
        continue;
      base = g_path_get_basename (text);
      if (!g_str_has_prefix (base, "Xvfb") && !g_str_has_prefix (base, "Xorg") && !g_str_equal (base, "X"))
        continue;
      /* The arguments are NUL-separated. */
      for (const char *arg = text; arg < text + length; arg += strlen (arg) + 1)
        if (g_str_equal (arg, wanted))
          return atoi (name);
    }
  return 0;
}

gint64
bench_proc_status_kib (int         pid,
                       const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  g_autofree char *key = g_strconcat ("\n", field, ":", NULL);
  const char *at;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (at = strstr (text, key)) == NULL)
    return -1;
  return g_ascii_strtoll (at + strlen (key), NULL, 10);
}

gint64
bench_listen_overflows (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/net/netstat", &text, NULL, NULL))
    return -1;
  lines = g_strsplit (text, "\n", -1);
  /* Pairs of lines: "TcpExt: names…" then "TcpExt: values…". */
  for (guint i = 0; lines[i] && lines[i + 1]; i++)
    {
      g_auto(GStrv) names = NULL;
      g_auto(GStrv) values = NULL;

      if (!g_str_has_prefix (lines[i], "TcpExt: ") || !g_str_has_prefix (lines[i + 1], "TcpExt: "))
        continue;
      names = g_strsplit (lines[i], " ", -1);
      values = g_strsplit (lines[i + 1], " ", -1);
      for (guint j = 1; names[j] && values[j]; j++)
        if (g_str_equal (names[j], "ListenOverflows"))
          return g_ascii_strtoll (values[j], NULL, 10);
    }
  return -1;
}

SoupSession *
bench_session_new (guint max_conns)
{
  /* The defaults (2 per host) would queue all but two workers. */
  return soup_session_new_with_options ("max-conns", max_conns * 2,
                                        "max-conns-per-host", max_conns,
                                        "timeout", 120,
                                        NULL);
}

SoupMessage *
bench_message_new_json (const char *method,
                        const char *url,
                        const char *json)
{
  SoupMessage *msg = soup_message_new (method, url);
  SoupMessageHeaders *headers;

  g_assert (msg != NULL);
  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Authorization", "Key " BENCH_KEY);
  /* The local server's control routes refuse requests without it (403). */
  if (strstr (url, "/__control/"))
    soup_message_headers_replace (headers, "X-Fal-Local-Control", "1");
  if (json)
    {
      g_autoptr(GBytes) body = g_bytes_new (json, strlen (json));
      soup_message_set_request_body_from_bytes (msg, "application/json", body);
    }
  return msg;
}

JsonObject *
bench_parse_object (GBytes *bytes)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonNode *root;
  gsize size = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &size) : NULL;

  if (data == NULL || size == 0 ||
      !json_parser_load_from_data (parser, data, size, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return NULL;
  return json_object_ref (json_node_get_object (root));
}

gint64
bench_percentile (GArray *sorted_usec,
                  double  q)
{
  guint rank;

  if (sorted_usec->len == 0)
    return 0;
  rank = (guint) (q * sorted_usec->len + 0.999999);
  rank = CLAMP (rank, 1, sorted_usec->len);
  return g_array_index (sorted_usec, gint64, rank - 1);
}

const char *
bench_goal_word (gboolean met)
{
  return met ? "goal met" : "goal missed";
}

gboolean
bench_result (const char *id,
              const char *label,
              double      value,
              const char *unit,
              double      reference,
              const char *reference_label,
              const char *goal,
              double      bound)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *text = NULL;
  gboolean met = TRUE;
  double compared = value;

  g_return_val_if_fail (id != NULL && label != NULL && unit != NULL, FALSE);

  if (goal != NULL)
    {
      if (g_str_equal (goal, "ratio<="))
        compared = value / reference, met = isfinite (compared) && compared <= bound;
      else if (g_str_equal (goal, "ratio>="))
        compared = value / reference, met = isfinite (compared) && compared >= bound;
      else if (g_str_equal (goal, "delta<="))
        compared = value - reference, met = isfinite (compared) && compared <= bound;
      else if (g_str_equal (goal, "<="))
        met = value <= bound;
      else if (g_str_equal (goal, "<"))
        met = value < bound;
      else if (g_str_equal (goal, ">="))
        met = value >= bound;
      else if (g_str_equal (goal, ">"))
        met = value > bound;
      else
        g_error ("bench_result: unknown goal %s", goal);
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "id");
  json_builder_add_string_value (builder, id);
  json_builder_set_member_name (builder, "label");
  json_builder_add_string_value (builder, label);
  json_builder_set_member_name (builder, "value");
  json_builder_add_double_value (builder, value);
  json_builder_set_member_name (builder, "unit");
  json_builder_add_string_value (builder, unit);
  if (isfinite (reference))
    {
      json_builder_set_member_name (builder, "reference");
      json_builder_add_double_value (builder, reference);
      json_builder_set_member_name (builder, "reference_label");
      json_builder_add_string_value (builder, reference_label ? reference_label : "");
    }
  if (goal != NULL)
    {
      json_builder_set_member_name (builder, "goal");
      json_builder_add_string_value (builder, goal);
      json_builder_set_member_name (builder, "bound");
      json_builder_add_double_value (builder, bound);
      json_builder_set_member_name (builder, "met");
      json_builder_add_boolean_value (builder, met);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  /* Not g_print (): it converts to the locale's charset (→ becomes ? under
   * LANG=C); the line is JSON, always UTF-8. */
  fflush (stdout);
  printf ("BENCH-RESULT %s\n", text);
  fflush (stdout);
  return met;
}

/* ------------------------------------------------------------------ upload file */

#define MIB (1024 * 1024)

static guint64
pattern_word (guint64 k)
{
  guint64 x = (k + 1) * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15);

  x ^= x >> 31;
  x *= G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  return GUINT64_TO_LE (x ^ (x >> 29));
}

void
bench_pattern_fill (guint8  *buffer,
                    guint64  offset,
                    gsize    length)
{
  gsize i = 0;

  while (i < length && (offset + i) % 8 != 0)
    {
      guint64 word = pattern_word ((offset + i) / 8);
      buffer[i] = ((const guint8 *) &word)[(offset + i) % 8];
      i++;
    }
  for (; i + 8 <= length; i += 8)
    {
      guint64 word = pattern_word ((offset + i) / 8);
      memcpy (buffer + i, &word, 8);
    }
  for (; i < length; i++)
    {
      guint64 word = pattern_word ((offset + i) / 8);
      buffer[i] = ((const guint8 *) &word)[(offset + i) % 8];
    }
}

char *
bench_create_file (const char  *dir,
                   const char  *name_template,
                   guint64      size,
                   GError     **error)
{
  g_autofree char *template = g_build_filename (dir, name_template, NULL);
  g_autofree guint8 *buffer = g_malloc (MIB);
  guint64 written = 0;
  int fd = g_mkstemp (template);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", template, g_strerror (saved));
      return NULL;
    }
  while (written < size)
    {
      gsize n = MIN ((guint64) MIB, size - written);
      gsize done = 0;

      bench_pattern_fill (buffer, written, n);
      while (done < n)
        {
          gssize w = write (fd, buffer + done, n - done);

          if (w < 0 && errno == EINTR)
            continue;
          if (w <= 0)
            {
              int saved = errno;
              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "%s: %s", template, g_strerror (saved));
              close (fd);
              g_unlink (template);
              return NULL;
            }
          done += w;
        }
      written += n;
    }
  close (fd);
  return g_steal_pointer (&template);
}

gboolean
bench_verify_file (SoupSession  *session,
                   const char   *file_url,
                   guint64       size,
                   GError      **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", file_url);
  g_autoptr(GInputStream) in = NULL;
  g_autofree guint8 *expected = g_malloc (MIB);
  g_autofree guint8 *buffer = g_malloc (MIB);
  guint64 offset = 0;

  {
    BenchWait wait = { loop, NULL };
    g_autoptr(GAsyncResult) result = NULL;

    soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, NULL, bench_wait_cb, &wait);
    result = bench_wait_run (&wait);
    in = soup_session_send_finish (session, result, error);
  }
  if (in == NULL)
    return FALSE;
  if (soup_message_get_status (msg) != 200)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "GET %s: HTTP %u", file_url, soup_message_get_status (msg));
      return FALSE;
    }
  for (;;)
    {
      BenchWait wait = { loop, NULL };
      g_autoptr(GAsyncResult) result = NULL;
      gsize n = 0;

      /* Whole MiBs into one buffer (no allocation per chunk); one byte
       * more than is left, so a longer file shows. */
      g_input_stream_read_all_async (in, buffer, MIN ((guint64) MIB, size - offset + 1), G_PRIORITY_DEFAULT,
                                     NULL, bench_wait_cb, &wait);
      result = bench_wait_run (&wait);
      if (!g_input_stream_read_all_finish (in, result, &n, error))
        return FALSE;
      if (n == 0)
        break;
      if (offset + n > size)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "stored file is longer than %" G_GUINT64_FORMAT " bytes", size);
          return FALSE;
        }
      bench_pattern_fill (expected, offset, n);
      if (memcmp (buffer, expected, n) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "stored file differs within bytes %" G_GUINT64_FORMAT "…%" G_GUINT64_FORMAT, offset, offset + n);
          return FALSE;
        }
      offset += n;
    }
  if (offset != size)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "stored file has %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " bytes", offset, size);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------ waiting */

void
bench_wait_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  BenchWait *wait = data;

  wait->result = g_object_ref (result);
  g_main_loop_quit (wait->loop);
}

GAsyncResult *
bench_wait_run (BenchWait *wait)
{
  g_main_loop_run (wait->loop);
  return wait->result;
}

GBytes *
bench_send_and_read (SoupSession  *session,
                     SoupMessage  *msg,
                     GError      **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  BenchWait wait = { loop, NULL };
  g_autoptr(GAsyncResult) result = NULL;

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, bench_wait_cb, &wait);
  result = bench_wait_run (&wait);
  return soup_session_send_and_read_finish (session, result, error);
}

double
bench_cpu_seconds (int who)
{
  struct rusage usage;

  getrusage (who, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 +
         usage.ru_stime.tv_sec + usage.ru_stime.tv_usec / 1e6;
}

/* ------------------------------------------------------------------ launching the app */

typedef struct {
  GMainLoop *loop;
  GDataInputStream *stderr_lines;
  const char * const *marks;
  BenchLaunch *launch;
  gboolean verbose;
  gboolean eof;
  GString *other;             /* other stderr lines, for failures */
} Child;

static void read_next_line (Child *child);

static gboolean
all_marks_seen (Child *child)
{
  for (guint i = 0; child->marks[i] && i < BENCH_MAX_MARKS; i++)
    if (child->launch->marks[i] == 0)
      return FALSE;
  return TRUE;
}

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Child *child = data;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  gboolean marked = FALSE;

  if (line == NULL)
    {
      child->eof = TRUE;
      g_main_loop_quit (child->loop);
      return;
    }
  for (guint i = 0; child->marks[i] && i < BENCH_MAX_MARKS; i++)
    {
      gsize len = strlen (child->marks[i]);

      if (strncmp (line, child->marks[i], len) == 0 && line[len] == ' ' && child->launch->marks[i] == 0)
        {
          char *end = NULL;

          child->launch->marks[i] = g_ascii_strtoll (line + len + 1, &end, 10);
          if (end != NULL && *end == ' ')
            child->launch->mark_extras[i] = g_ascii_strtoll (end + 1, NULL, 10);
          marked = TRUE;
          if (all_marks_seen (child))
            g_main_loop_quit (child->loop);
          break;
        }
    }
  if (!marked)
    {
      if (child->verbose)
        g_printerr ("  | %s\n", line);
      if (child->other->len < 16384)
        g_string_append_printf (child->other, "  | %s\n", line);
    }
  read_next_line (child);
}

static void
read_next_line (Child *child)
{
  g_data_input_stream_read_line_async (child->stderr_lines, G_PRIORITY_DEFAULT, NULL, line_read_cb, child);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* Runs the loop for ms, or until something quits it. */
static void
run_for (GMainLoop *loop,
         guint      ms)
{
  GSource *timeout = g_timeout_source_new (ms);

  g_source_set_callback (timeout, quit_cb, loop, NULL);
  g_source_attach (timeout, NULL);
  g_main_loop_run (loop);
  g_source_destroy (timeout);
  g_source_unref (timeout);
}

gboolean
bench_launch_app (const char * const *argv,
                  char              **env,
                  const char * const *marks,
                  guint               settle_ms,
                  gboolean            verbose,
                  const char         *who,
                  BenchLaunch        *launch)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  Child child = { .loop = loop, .marks = marks, .launch = launch, .verbose = verbose, .other = g_string_new (NULL) };
  gint64 deadline;
  int pid;

  memset (launch, 0, sizeof *launch);
  g_subprocess_launcher_set_environ (launcher, env);
  launch->spawned_at = g_get_monotonic_time ();
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (process == NULL)
    {
      g_printerr ("%s: %s: %s\n", who, argv[0], error->message);
      g_string_free (child.other, TRUE);
      return FALSE;
    }
  pid = atoi (g_subprocess_get_identifier (process));
  child.stderr_lines = g_data_input_stream_new (g_subprocess_get_stderr_pipe (process));
  read_next_line (&child);

  deadline = launch->spawned_at + BENCH_FIRST_FRAME_TIMEOUT_S * G_USEC_PER_SEC;
  while (!all_marks_seen (&child) && !child.eof && g_get_monotonic_time () < deadline)
    run_for (loop, 100);

  if (all_marks_seen (&child) && !child.eof)
    {
      /* Keeps reading the child's stderr meanwhile. */
      gint64 end = g_get_monotonic_time () + settle_ms * (gint64) 1000;
      gint64 now;

      while ((now = g_get_monotonic_time ()) < end && !child.eof)
        run_for (loop, (guint) ((end - now + 999) / 1000));
      launch->rss_mib = bench_proc_status_kib (pid, "VmRSS") / 1024.0;
      launch->hwm_mib = bench_proc_status_kib (pid, "VmHWM") / 1024.0;
      launch->ok = launch->rss_mib > 0 && !child.eof;
    }
  if (!launch->ok)
    {
      g_autofree char *missing = NULL;

      for (guint i = 0; marks[i] && i < BENCH_MAX_MARKS; i++)
        if (launch->marks[i] == 0)
          {
            missing = g_strdup (marks[i]);
            break;
          }
      g_printerr ("%s: %s %s%s%s\n%s", who, argv[0],
                  child.eof ? "exited" : "did not print",
                  missing ? (child.eof ? " before printing " : " ") : "",
                  missing ? missing : (child.eof ? " too soon" : " its marks in time (is there a display?)"),
                  child.other->str);
    }

  g_subprocess_send_signal (process, SIGTERM);
  deadline = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
  while (!child.eof && g_get_monotonic_time () < deadline)
    run_for (loop, 100);
  if (!child.eof)
    g_subprocess_force_exit (process);
  g_subprocess_wait (process, NULL, NULL);
  /* The pending read ends with the pipe; let it finish before the
   * stream goes. */
  while (!child.eof)
    g_main_context_iteration (NULL, TRUE);
  g_clear_object (&child.stderr_lines);
  g_string_free (child.other, TRUE);
  return launch->ok;
}

double
bench_launch_mark_ms (const BenchLaunch *launch,
                      guint              i)
{
  g_return_val_if_fail (i < BENCH_MAX_MARKS, 0);
  return (launch->marks[i] - launch->spawned_at) / 1000.0;
}

gboolean
bench_app_prepare_home (const char  *root,
                        const char  *endpoint,
                        GError     **error)
{
  const char *dirs[] = { "home", "config/glib-2.0/settings", "cache", "data", "state" };
  g_autofree char *keyfile = g_build_filename (root, "config", "glib-2.0", "settings", "keyfile", NULL);
  g_autofree char *contents = endpoint == NULL ? g_strdup ("[io/github/falstaff/Falstaff]\n")
                                               : g_strdup_printf ("[io/github/falstaff/Falstaff]\n"
                                                                  "last-endpoint='%s'\n"
                                                                  "recent-endpoints=['%s']\n",
                                                                  endpoint, endpoint);

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (root, dirs[i], NULL);

      if (g_mkdir_with_parents (path, 0700) != 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot create %s", path);
          return FALSE;
        }
    }
  return g_file_set_contents (keyfile, contents, -1, error);
}

char **
bench_app_environ (const char *root,
                   const char *server_url,
                   const char *schema_dir)
{
  char **env = g_get_environ ();
  g_autofree char *home = g_build_filename (root, "home", NULL);
  g_autofree char *config = g_build_filename (root, "config", NULL);
  g_autofree char *cache = g_build_filename (root, "cache", NULL);
  g_autofree char *data = g_build_filename (root, "data", NULL);
  g_autofree char *state = g_build_filename (root, "state", NULL);
  const char *unset[] = { "FAL_KEY_ID", "FAL_KEY_SECRET", "FALSTAFF_PROXY_URL", "FALSTAFF_QUEUE_URL",
                          "FALSTAFF_RUN_URL", "FALSTAFF_REST_URL", "FALSTAFF_WEB_URL", "G_MESSAGES_DEBUG",
                          "GTK_DEBUG", "GSK_DEBUG", "GDK_BACKEND" };

  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    env = g_environ_unsetenv (env, unset[i]);
  env = g_environ_setenv (env, "GSK_RENDERER", "cairo", TRUE);
  env = g_environ_setenv (env, "GDK_DEBUG", "gl-disable", TRUE);
  env = g_environ_setenv (env, "FALSTAFF_BENCH_FIRST_FRAME", "1", TRUE);
  env = g_environ_setenv (env, "FAL_KEY", BENCH_KEY, TRUE);
  env = g_environ_setenv (env, "FALSTAFF_LOCAL_URL", server_url, TRUE);
  env = g_environ_setenv (env, "FALSTAFF_SECRET_SERVICE", "0", TRUE);
  env = g_environ_setenv (env, "GSETTINGS_BACKEND", "keyfile", TRUE);
  env = g_environ_setenv (env, "HOME", home, TRUE);
  env = g_environ_setenv (env, "XDG_CONFIG_HOME", config, TRUE);
  env = g_environ_setenv (env, "XDG_CACHE_HOME", cache, TRUE);
  env = g_environ_setenv (env, "XDG_DATA_HOME", data, TRUE);
  env = g_environ_setenv (env, "XDG_STATE_HOME", state, TRUE);
  if (schema_dir)
    env = g_environ_setenv (env, "GSETTINGS_SCHEMA_DIR", schema_dir, TRUE);
  return env;
}

/* `falctl schema ENDPOINT` writes the cache the app reads (both go
 * through fal_client_fetch_schema_async); then the files must be there. */
gboolean
bench_app_warm_schema_cache (char       **env,
                             const char  *root,
                             const char  *falctl,
                             const char  *endpoint,
                             GError     **error)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *stem = fal_schema_cache_file_stem (endpoint);
  g_autofree char *name = g_strconcat (stem, ".json", NULL);
  g_autofree char *etag_name = g_strconcat (stem, ".etag", NULL);
  g_autofree char *document = g_build_filename (root, "cache", "falstaff", "schemas", name, NULL);
  g_autofree char *etag = g_build_filename (root, "cache", "falstaff", "schemas", etag_name, NULL);

  g_subprocess_launcher_set_environ (launcher, env);
  process = g_subprocess_launcher_spawn (launcher, error, falctl, "schema", endpoint, NULL);
  if (process == NULL || !g_subprocess_wait_check (process, NULL, error))
    return FALSE;
  if (!g_file_test (document, G_FILE_TEST_IS_REGULAR) || !g_file_test (etag, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "falctl schema left no %s and %s", document, etag);
      return FALSE;
    }
  return TRUE;
}

gboolean
bench_remove_tree (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileEnumerator) children = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME ","
                                                                   G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                                                   G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  GFileInfo *info;

  while (children && (info = g_file_enumerator_next_file (children, NULL, NULL)))
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);

      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        bench_remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  return g_rmdir (path) == 0;
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

BenchSpread
bench_spread (const double *values,
              guint         n)
{
  g_autofree double *sorted = NULL;
  BenchSpread s = { 0 };

  if (n == 0)
    return s;
  sorted = g_memdup2 (values, n * sizeof (double));
  qsort (sorted, n, sizeof (double), compare_doubles);
  s.median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  s.min = sorted[0];
  s.max = sorted[n - 1];
  return s;
}
