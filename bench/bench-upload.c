/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "bench-common.h"
#include "bench-config.h"

/* Upload throughput to the local server's CDN: initiate, then PUT a file
 * streamed from disk with libsoup, beside `curl -T` of the same file to
 * the same server. Every stored file is read back and compared byte for
 * byte, so a figure is never that of a short or broken upload. */

#define MIB (1024 * 1024)

static gboolean
initiate (SoupSession  *session,
          const char   *base_url,
          char        **upload_url,
          char        **file_url,
          GError      **error)
{
  g_autofree char *url = g_strconcat (base_url, "/rest/storage/upload/initiate", NULL);
  g_autoptr(SoupMessage) msg = bench_message_new_json ("POST", url,
                                                       "{\"content_type\":\"application/octet-stream\","
                                                       "\"file_name\":\"bench.bin\"}");
  g_autoptr(GBytes) bytes = bench_send_and_read (session, msg, error);
  g_autoptr(JsonObject) object = NULL;

  if (bytes == NULL)
    return FALSE;
  object = bench_parse_object (bytes);
  if (soup_message_get_status (msg) != 200 || object == NULL ||
      !json_object_has_member (object, "upload_url") || !json_object_has_member (object, "file_url"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "initiate: HTTP %u", soup_message_get_status (msg));
      return FALSE;
    }
  *upload_url = g_strdup (json_object_get_string_member (object, "upload_url"));
  *file_url = g_strdup (json_object_get_string_member (object, "file_url"));
  return TRUE;
}

/* Sends the PUT as FalUpload does (fal-upload.c): synchronously, in a
 * thread of its own with a session of its own. Sent from the main loop
 * (--main-loop), each 8 KiB block of the body is a read_async () of the
 * file stream, a job of GIO's thread pool: about a third of the rate, the
 * client a core's worth busy. */
static gboolean opt_main_loop;

typedef struct {
  const char *path;
  guint64 size;
  const char *upload_url;
  GError *error;
} Put;

static gboolean
put_file_sync (SoupSession  *session,
               Put          *put)
{
  g_autoptr(GFile) file = g_file_new_for_path (put->path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, &put->error);
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) answer = NULL;

  if (stream == NULL)
    return FALSE;
  msg = soup_message_new ("PUT", put->upload_url);
  /* Streamed from disk with its length: never held in memory. */
  soup_message_set_request_body (msg, "application/octet-stream", G_INPUT_STREAM (stream), put->size);
  if (opt_main_loop)
    answer = bench_send_and_read (session, msg, &put->error);
  else
    answer = soup_session_send_and_read (session, msg, NULL, &put->error);
  if (answer == NULL)
    return FALSE;
  if (soup_message_get_status (msg) != 200)
    {
      g_set_error (&put->error, G_IO_ERROR, G_IO_ERROR_FAILED, "PUT: HTTP %u", soup_message_get_status (msg));
      return FALSE;
    }
  return TRUE;
}

static gpointer
put_thread (gpointer data)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(SoupSession) session = NULL;
  gboolean done;

  g_main_context_push_thread_default (context);
  session = bench_session_new (1);
  done = put_file_sync (session, data);
  g_clear_object (&session);
  g_main_context_pop_thread_default (context);
  return GINT_TO_POINTER (done);
}

static gboolean
put_file (SoupSession  *session,
          const char   *path,
          guint64       size,
          const char   *upload_url,
          GError      **error)
{
  Put put = { path, size, upload_url, NULL };
  gboolean done;

  if (opt_main_loop)
    done = put_file_sync (session, &put);
  else
    done = GPOINTER_TO_INT (g_thread_join (g_thread_new ("bench-put", put_thread, &put)));
  if (!done)
    g_propagate_error (error, put.error);
  return done;
}

/* ------------------------------------------------------------------ measuring */

static gint64
children_maxrss_kib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_CHILDREN, &usage);
  return usage.ru_maxrss;
}

static gint
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a;
  double y = *(const double *) b;

  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof (double), (int (*) (const void *, const void *)) compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int
main (int    argc,
      char **argv)
{
  int upload_mib = 1024;
  int repeat = 3;
  double goal_mib_s = 250;
  double goal_rss_mib = 32;
  g_autofree char *falctl = NULL;
  g_autofree char *dir = NULL;
  GOptionEntry entries[] = {
    { "upload-mib", 'm', 0, G_OPTION_ARG_INT, &upload_mib, "File size in MiB (default 1024)", "MIB" },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, "Uploads of each kind; medians are printed (default 3)", "N" },
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Where to write the file (default: the temporary directory)", "DIR" },
    { "falctl", 0, 0, G_OPTION_ARG_FILENAME, &falctl, "The falctl to spawn (default: the build's)", "PATH" },
    { "main-loop", 0, 0, G_OPTION_ARG_NONE, &opt_main_loop, "Send the PUT from the main loop (async), not as FalUpload does (a thread)", NULL },
    { "goal-rate", 0, 0, G_OPTION_ARG_DOUBLE, &goal_mib_s, "Goal: libsoup upload MiB/s (default 250)", "N" },
    { "goal-rss", 0, 0, G_OPTION_ARG_DOUBLE, &goal_rss_mib, "Goal: client peak RSS growth in MiB (default 32)", "MIB" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- upload throughput: libsoup beside curl -T");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchServer) server = NULL;
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GPtrArray) stored = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *path = NULL;
  g_autofree char *curl = g_find_program_in_path ("curl");
  g_autofree double *soup_rates = NULL;
  g_autofree double *curl_rates = NULL;
  guint64 size;
  int server_pid;
  gint64 server_rss0, server_hwm;
  gint64 soup_rss_growth = 0;
  gint64 curl_maxrss = 0;
  double soup_thread_share = 0, curl_thread_share = 0;
  double soup_client_share = 0, curl_client_share = 0;
  gint64 t_create, t_verify;
  double soup_rate, curl_rate = 0;
  gboolean rate_met, rss_met;
  int status = 0;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("bench-upload: %s\n", error->message);
      return 2;
    }
  if (upload_mib < 1 || repeat < 1)
    {
      g_printerr ("bench-upload: --upload-mib and --repeat must be positive\n");
      return 2;
    }
  size = (guint64) upload_mib * MIB;

  t_create = g_get_monotonic_time ();
  path = bench_create_file (dir ? dir : g_get_tmp_dir (), "falstaff-bench-XXXXXX.bin", size, &error);
  t_create = g_get_monotonic_time () - t_create;
  if (path == NULL)
    {
      g_printerr ("bench-upload: cannot write the test file: %s\n", error->message);
      return 1;
    }
  server = bench_server_spawn (falctl ? falctl : BENCH_FALCTL, 1.0, 2, &error);
  if (server == NULL)
    {
      g_printerr ("bench-upload: cannot start the server: %s\n", error->message);
      g_unlink (path);
      return 1;
    }
  server_pid = bench_server_get_pid (server);
  session = bench_session_new (4);
  soup_rates = g_new0 (double, repeat);
  curl_rates = g_new0 (double, repeat);
  server_rss0 = bench_proc_status_kib (server_pid, "VmRSS");

  printf ("bench-upload: %d MiB file (%s, in the page cache), %d upload(s) of each kind to %s, %u cores\n\n",
          upload_mib, path, repeat, bench_server_get_url (server), g_get_num_processors ());

  for (int i = 0; i < repeat; i++)
    {
      g_autofree char *upload_url = NULL;
      g_autofree char *file_url = NULL;
      gint64 hwm0, t0, t1;
      double thread0, cpu0, seconds;

      /* libsoup, streaming the file from disk. */
      if (!initiate (session, bench_server_get_url (server), &upload_url, &file_url, &error))
        goto failed;
      hwm0 = bench_proc_status_kib (getpid (), "VmHWM");
      thread0 = bench_server_thread_cpu (server_pid);
      cpu0 = bench_cpu_seconds (RUSAGE_SELF);
      t0 = g_get_monotonic_time ();
      if (!put_file (session, path, size, upload_url, &error))
        goto failed;
      t1 = g_get_monotonic_time ();
      seconds = (t1 - t0) / 1e6;
      soup_rates[i] = upload_mib / seconds;
      soup_rss_growth = MAX (soup_rss_growth, bench_proc_status_kib (getpid (), "VmHWM") - hwm0);
      soup_thread_share = MAX (soup_thread_share, (bench_server_thread_cpu (server_pid) - thread0) / seconds);
      soup_client_share = MAX (soup_client_share, (bench_cpu_seconds (RUSAGE_SELF) - cpu0) / seconds);
      printf ("  libsoup PUT #%d   %7.1f MiB/s  (%.2f s)\n", i + 1, soup_rates[i], seconds);
      g_ptr_array_add (stored, g_steal_pointer (&file_url));

      /* curl -T, the reference, with a fresh upload URL. */
      if (curl == NULL)
        continue;
      g_clear_pointer (&upload_url, g_free);
      if (!initiate (session, bench_server_get_url (server), &upload_url, &file_url, &error))
        goto failed;
      {
        const char *curl_argv[] = { curl, "-s", "-S", "-f", "-o", "/dev/null", "-T", path, upload_url, NULL };
        int wait_status = 0;

        thread0 = bench_server_thread_cpu (server_pid);
        cpu0 = bench_cpu_seconds (RUSAGE_CHILDREN);
        t0 = g_get_monotonic_time ();
        if (!g_spawn_sync (NULL, (char **) curl_argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                           &wait_status, &error) ||
            !g_spawn_check_wait_status (wait_status, &error))
          goto failed;
        t1 = g_get_monotonic_time ();
      }
      seconds = (t1 - t0) / 1e6;
      curl_rates[i] = upload_mib / seconds;
      curl_thread_share = MAX (curl_thread_share, (bench_server_thread_cpu (server_pid) - thread0) / seconds);
      curl_client_share = MAX (curl_client_share, (bench_cpu_seconds (RUSAGE_CHILDREN) - cpu0) / seconds);
      printf ("  curl -T #%d       %7.1f MiB/s  (%.2f s)\n", i + 1, curl_rates[i], seconds);
      g_ptr_array_add (stored, g_steal_pointer (&file_url));
    }
  /* The only children waited for so far are the curls. */
  curl_maxrss = children_maxrss_kib ();
  server_hwm = bench_proc_status_kib (server_pid, "VmHWM");

  /* Read every stored file back before believing any figure. */
  t_verify = g_get_monotonic_time ();
  for (guint i = 0; i < stored->len; i++)
    if (!bench_verify_file (session, g_ptr_array_index (stored, i), size, &error))
      {
        g_prefix_error (&error, "verifying %s: ", (const char *) g_ptr_array_index (stored, i));
        goto failed;
      }
  t_verify = g_get_monotonic_time () - t_verify;
  printf ("  verified: %u stored files read back, %" G_GUINT64_FORMAT " bytes each, identical to the source "
          "(%.1f s; writing the file took %.1f s)\n\n", stored->len, size, t_verify / 1e6, t_create / 1e6);

  soup_rate = median (soup_rates, repeat);
  if (curl)
    curl_rate = median (curl_rates, repeat);
  rate_met = soup_rate >= goal_mib_s;
  rss_met = soup_rss_growth / 1024.0 <= goal_rss_mib;

  printf ("Figures (medians of %d):\n", repeat);
  if (curl)
    printf ("  libsoup PUT rate      %7.1f MiB/s   reference curl -T %7.1f MiB/s (%.0f%%)   goal ≥ %.0f MiB/s   %s\n",
            soup_rate, curl_rate, 100 * soup_rate / curl_rate, goal_mib_s, bench_goal_word (rate_met));
  else
    printf ("  libsoup PUT rate      %7.1f MiB/s   reference curl -T: curl not found   goal ≥ %.0f MiB/s   %s\n",
            soup_rate, goal_mib_s, bench_goal_word (rate_met));
  printf ("  client peak RSS growth %6.1f MiB    reference curl peak RSS %5.1f MiB (whole process)   goal ≤ %.0f MiB   %s\n",
          soup_rss_growth / 1024.0, curl_maxrss / 1024.0, goal_rss_mib, bench_goal_word (rss_met));
  printf ("  CPU, libsoup PUT      client %3.0f%%, server thread %3.0f%% (of one core, the busiest run)\n",
          100 * soup_client_share, 100 * soup_thread_share);
  printf ("  CPU, curl -T          curl   %3.0f%%, server thread %3.0f%%\n",
          100 * curl_client_share, 100 * curl_thread_share);
  printf ("  server peak RSS       %7.1f MiB (%.1f MiB before the uploads)\n",
          server_hwm / 1024.0, server_rss0 / 1024.0);
  if (!rate_met)
    {
      if (soup_thread_share > 0.85)
        printf ("  cause: the server's one thread is saturated: it takes every received chunk and writes "
                "it to disk (put_got_chunk_cb, 1 MiB buffered writes)\n");
      else if (soup_client_share > 0.85)
        printf ("  cause: the client is CPU-bound: libsoup sends a streamed body in 8 KiB blocks, "
                "each from the main loop a job of GIO's thread pool (--main-loop)\n");
      else
        printf ("  cause: neither side saturated a core (client %.0f%%, server thread %.0f%%): "
                "the two alternate, each waiting on the other's small writes\n",
                100 * soup_client_share, 100 * soup_thread_share);
    }
  if (!rss_met)
    printf ("  cause: the client buffered the body instead of streaming it\n");
  bench_result ("upload.put-rate", opt_main_loop ? "libsoup PUT rate, sent from the main loop (local server)"
                                                : "libsoup PUT rate, sent as FalUpload sends (local server)", soup_rate, "MiB/s",
                curl ? curl_rate : NAN, "curl -T", ">=", goal_mib_s);
  bench_result ("upload.client-rss-growth", "libsoup PUT: client peak RSS growth", soup_rss_growth / 1024.0, "MiB",
                curl ? curl_maxrss / 1024.0 : NAN, "curl's whole peak RSS", "<=", goal_rss_mib);
  goto done;

failed:
  g_printerr ("bench-upload: %s\n", error->message);
  status = 1;
done:
  g_clear_pointer (&server, bench_server_free);
  g_unlink (path);
  return status;
}
