/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falctl"

#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "falctl-common.h"

typedef struct {
  gboolean done;
  gboolean tty;
  char *url;
  GError *error;
} UploadWait;

static void
progress_cb (FalUpload  *upload,
             GParamSpec *pspec,
             UploadWait *wait)
{
  guint64 done = fal_upload_get_bytes_sent (upload);
  guint64 all = fal_upload_get_bytes_total (upload);
  g_autofree char *sent = NULL;
  g_autofree char *total = NULL;

  /* A line redrawn in place on a terminal; nothing in a log file. */
  if (!wait->tty)
    return;
  sent = g_format_size (done);
  total = g_format_size (all);
  fprintf (stderr, "\r%s / %s (%3.0f%%)   ", sent, total, all ? 100.0 * done / all : 100.0);
}

static void
uploaded_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  UploadWait *wait = data;

  wait->url = fal_upload_wait_finish (FAL_UPLOAD (source), result, &wait->error);
  wait->done = TRUE;
}

int
falctl_upload (int    argc,
               char **argv)
{
  double timeout = 0;
  GOptionEntry entries[] = {
    FALCTL_TIMEOUT_OPTION (&timeout),
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("FILE - upload a file to fal's storage and print its URL");
  g_autoptr(GError) error = NULL;
  g_autoptr(FalClient) client = NULL;
  g_autoptr(FalUpload) upload = NULL;
  g_autoptr(GFile) file = NULL;
  UploadWait wait = { 0 };
  int code = FALCTL_EXIT_OK;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || argc != 2 || timeout < 0)
    {
      fprintf (stderr, "falctl upload: %s\n", error ? error->message : "give one FILE (and a --timeout of 0 or more)");
      return FALCTL_EXIT_USAGE;
    }
  client = falctl_client_new (&error);
  if (client == NULL)
    {
      falctl_print_error ("upload", error);
      return falctl_exit_code_for (error);
    }

  falctl_give_up_after ("upload", timeout);
  wait.tty = isatty (2);
  file = g_file_new_for_commandline_arg (argv[1]);
  upload = fal_client_upload (client, file, NULL);
  g_signal_connect (upload, "notify::bytes-sent", G_CALLBACK (progress_cb), &wait);
  fal_upload_wait_async (upload, NULL, uploaded_cb, &wait);
  falctl_wait (&wait.done);
  if (wait.tty)
    fprintf (stderr, "\n");

  if (wait.error)
    {
      falctl_print_error ("upload", wait.error);
      code = falctl_exit_code_for (wait.error);
      g_clear_error (&wait.error);
    }
  else
    {
      printf ("%s\n", wait.url);
      fflush (stdout);
    }
  g_free (wait.url);
  return code;
}
