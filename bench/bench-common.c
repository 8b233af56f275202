/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "bench-common.h"
#include "fal-local-server.h"

struct _BenchServer
{
  GSubprocess *process;
  FalLocalServer *local;
  char *url;
};

BenchServer *
bench_server_spawn (const char  *falctl,
                    double       speed,
                    guint        runners,
                    GError     **error)
{
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) lines = NULL;
  g_autofree char *line = NULL;
  char speed_text[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *runners_text = g_strdup_printf ("%u", runners);
  BenchServer *server;

  g_ascii_dtostr (speed_text, sizeof speed_text, speed);
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, error,
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
