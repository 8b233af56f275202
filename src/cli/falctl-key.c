/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falctl"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "falctl-common.h"

typedef struct {
  gboolean done;
  gboolean ok;
  char *key;
  GError *error;
} KeyWait;

static void
stored_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  KeyWait *wait = data;
  wait->ok = fal_credentials_store_finish (result, &wait->error);
  wait->done = TRUE;
}

static void
forgot_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  KeyWait *wait = data;
  wait->ok = fal_credentials_forget_finish (result, &wait->error);
  wait->done = TRUE;
}

static void
looked_up_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  KeyWait *wait = data;
  wait->key = fal_credentials_lookup_finish (result, &wait->error);
  wait->done = TRUE;
}

/* The key from stdin, without echo on a terminal: never from argv, where
 * other users and shell history would see it. */
static char *
read_key (void)
{
  struct termios old, quiet;
  gboolean tty = isatty (0);
  char line[4096];
  char *result = NULL;

  if (tty)
    {
      fprintf (stderr, "fal key (id:secret): ");
      tcgetattr (0, &old);
      quiet = old;
      quiet.c_lflag &= ~ECHO;
      tcsetattr (0, TCSANOW, &quiet);
    }
  if (fgets (line, sizeof line, stdin))
    result = g_strstrip (g_strdup (line));
  if (tty)
    {
      tcsetattr (0, TCSANOW, &old);
      fprintf (stderr, "\n");
    }
  memset (line, 0, sizeof line);
  return result;
}

int
falctl_key (int    argc,
            char **argv)
{
  KeyWait wait = { 0 };
  const char *action = argc > 1 ? argv[1] : NULL;

  if (g_strcmp0 (action, "set") == 0)
    {
      g_autofree char *key = read_key ();

      if (key == NULL || *key == '\0' || strchr (key, ':') == NULL)
        {
          fprintf (stderr, "falctl key set: a fal key looks like key_id:key_secret\n");
          return FALCTL_EXIT_USAGE;
        }
      fal_credentials_store_async (key, NULL, stored_cb, &wait);
      falctl_wait (&wait.done);
      memset (key, 0, strlen (key));
      if (!wait.ok)
        {
          fprintf (stderr, "falctl key set: cannot store the key in the Secret Service: %s\n", wait.error->message);
          g_clear_error (&wait.error);
          return FALCTL_EXIT_FAILED;
        }
      fprintf (stderr, "Stored in the Secret Service.\n");
      return FALCTL_EXIT_OK;
    }
  if (g_strcmp0 (action, "forget") == 0)
    {
      fal_credentials_forget_async (NULL, forgot_cb, &wait);
      falctl_wait (&wait.done);
      if (!wait.ok)
        {
          fprintf (stderr, "falctl key forget: %s\n", wait.error->message);
          g_clear_error (&wait.error);
          return FALCTL_EXIT_FAILED;
        }
      fprintf (stderr, "Forgotten.\n");
      return FALCTL_EXIT_OK;
    }
  if (g_strcmp0 (action, "show-source") == 0)
    {
      g_autofree char *env = fal_credentials_from_environment ();

      if (env)
        {
          printf ("environment (%s)\n", g_getenv ("FAL_KEY") && *g_getenv ("FAL_KEY") ? "FAL_KEY" : "FAL_KEY_ID + FAL_KEY_SECRET");
          return FALCTL_EXIT_OK;
        }
      /* What falctl_client_new() does: behind a proxy, no stored key. */
      if (g_getenv ("FALSTAFF_PROXY_URL") && *g_getenv ("FALSTAFF_PROXY_URL"))
        {
          printf ("proxy (FALSTAFF_PROXY_URL adds it)\n");
          return FALCTL_EXIT_OK;
        }
      fal_credentials_lookup_async (NULL, looked_up_cb, &wait);
      falctl_wait (&wait.done);
      if (wait.key)
        {
          printf ("secret service\n");
          memset (wait.key, 0, strlen (wait.key));
          g_free (wait.key);
          return FALCTL_EXIT_OK;
        }
      if (wait.error)
        {
          printf ("none (the Secret Service is not available: %s)\n", wait.error->message);
          g_clear_error (&wait.error);
        }
      else
        printf ("none\n");
      return FALCTL_EXIT_AUTH;
    }

  fprintf (stderr, "Usage: falctl key set|forget|show-source\n"
                   "  set          read a key from stdin and store it in the Secret Service\n"
                   "  forget       remove the stored key\n"
                   "  show-source  say where the key comes from (never prints it)\n");
  return FALCTL_EXIT_USAGE;
}
