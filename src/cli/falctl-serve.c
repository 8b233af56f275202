/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falctl"

#include "config.h"

#include <stdio.h>
#include <sys/resource.h>
#include <glib-unix.h>

#include "fal-local-server.h"
#include "falctl.h"

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

/* A server for many clients: the soft fd limit (often 1,024) up to the
 * hard one, so that the default max-connections follows it. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }
}

int
falctl_serve (int    argc,
              char **argv)
{
  int port = 0;
  g_autofree char *key = NULL;
  double speed = 1.0;
  int runners = 2;
  int keepalive_ms = 15000;
  g_autofree char *data_dir = NULL;
  gboolean fixed_clock = FALSE;
  g_autofree char *public_url = NULL;
  int max_connections = 0;
  int idle_timeout_ms = 30000;
  int max_kept = 10000;
  int memory_files_mib = 64;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "Port on 127.0.0.1 (0 = a free port)", "PORT" },
    { "key", 'k', 0, G_OPTION_ARG_STRING, &key, "The one key accepted (default local:secret)", "ID:SECRET" },
    { "speed", 's', 0, G_OPTION_ARG_DOUBLE, &speed, "Divide every timeline by this (default 1)", "FACTOR" },
    { "runners", 'r', 0, G_OPTION_ARG_INT, &runners, "Runners per endpoint queue (default 2)", "N" },
    { "keepalive", 0, 0, G_OPTION_ARG_INT, &keepalive_ms, "Status stream keep-alive interval (default 15000)", "MS" },
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir, "Keep stored files here (default: a temporary directory)", "DIR" },
    { "fixed-clock", 0, 0, G_OPTION_ARG_NONE, &fixed_clock, "Request ids, log times and inference times the same on every run", NULL },
    { "public-url", 0, 0, G_OPTION_ARG_STRING, &public_url, "Base of every URL the server returns (behind a reverse proxy or tunnel)", "URL" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_connections, "Connections open at once (default: 3/4 of the fd limit)", "N" },
    { "max-kept-requests", 0, 0, G_OPTION_ARG_INT, &max_kept, "Queue requests remembered for status and result (default 10000)", "N" },
    { "memory-files", 0, 0, G_OPTION_ARG_INT, &memory_files_mib, "Keep small stored files (64 KiB or less) in memory, this many MiB in all, not on disk (default 64; 0 = all on disk)", "MIB" },
    { "idle-timeout", 0, 0, G_OPTION_ARG_INT, &idle_timeout_ms, "Close a connection idle or slow to send its headers this long (default 30000; 0 = never)", "MS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- run the local fal server");
  g_autoptr(GError) error = NULL;
  g_autoptr(FalLocalServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Serves the fal protocol on 127.0.0.1 with simulated models: queue, run,\n"
                                "stream, storage and schemas, with faults on demand (docs/local-server.md).");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "falctl serve: %s\n", error->message);
      return FALCTL_EXIT_USAGE;
    }
  /* The same ranges as FalLocalServer's properties. */
  if (port < 0 || port > 65535 || speed < 0.001 || speed > 1e9 || runners < 1 || runners > 1024 || keepalive_ms < 0 ||
      max_connections < 0 || idle_timeout_ms < 0 || max_kept < 1 || memory_files_mib < 0)
    {
      fprintf (stderr, "falctl serve: --port is 0..65535, --speed 0.001..1e9, --runners 1..1024, "
                       "--keepalive, --max-connections, --idle-timeout and --memory-files ≥ 0, --max-kept-requests ≥ 1\n");
      return FALCTL_EXIT_USAGE;
    }

  server = g_object_new (FAL_LOCAL_TYPE_SERVER,
                         "port", (guint) port,
                         "speed", speed,
                         "runners", (guint) runners,
                         "keepalive-interval", (guint) keepalive_ms,
                         "fixed-clock", fixed_clock,
                         "max-connections", (guint) max_connections,
                         "idle-timeout", (guint) idle_timeout_ms,
                         "max-kept-requests", (guint) max_kept,
                         "memory-files", (guint64) memory_files_mib * 1024 * 1024,
                         NULL);
  if (key)
    g_object_set (server, "key", key, NULL);
  if (data_dir)
    g_object_set (server, "data-dir", data_dir, NULL);
  if (public_url)
    g_object_set (server, "public-url", public_url, NULL);

  raise_fd_limit ();
  if (!fal_local_server_start (server, &error))
    {
      fprintf (stderr, "falctl serve: %s\n", error->message);
      /* A public URL that is not one is a bad option, not a failed start. */
      return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) ? FALCTL_EXIT_USAGE
                                                                             : FALCTL_EXIT_NETWORK;
    }

  printf ("listening %s\n", fal_local_server_get_url (server));
  if (public_url)
    printf ("public %s\n", fal_local_server_get_public_base (server));
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  g_unix_signal_add (SIGINT, quit_cb, loop);
  g_unix_signal_add (SIGTERM, quit_cb, loop);
  g_main_loop_run (loop);

  fal_local_server_stop (server);
  return FALCTL_EXIT_OK;
}
