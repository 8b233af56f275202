/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falctl"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "falctl-common.h"

int
falctl_exit_code_for (const GError *error)
{
  if (error == NULL)
    return FALCTL_EXIT_OK;
  if (error->domain != FAL_ERROR)
    return FALCTL_EXIT_FAILED;

  switch ((FalErrorCode) error->code)
    {
    case FAL_ERROR_INVALID_ENDPOINT:
    case FAL_ERROR_INSECURE_URL:
      return FALCTL_EXIT_USAGE;
    case FAL_ERROR_MISSING_KEY:
    case FAL_ERROR_UNAUTHORIZED:
    case FAL_ERROR_FORBIDDEN:
      return FALCTL_EXIT_AUTH;
    case FAL_ERROR_VALIDATION:
      return FALCTL_EXIT_VALIDATION;
    case FAL_ERROR_NOT_FOUND:
      return FALCTL_EXIT_NOT_FOUND;
    case FAL_ERROR_CANCELLED:
      return FALCTL_EXIT_INTERRUPTED;
    case FAL_ERROR_RATE_LIMITED:
    case FAL_ERROR_TIMEOUT:
    case FAL_ERROR_SERVER:
    case FAL_ERROR_NETWORK:
    case FAL_ERROR_PROTOCOL:
      return FALCTL_EXIT_NETWORK;
    case FAL_ERROR_APP:
    default:
      return FALCTL_EXIT_FAILED;
    }
}

void
falctl_print_error (const char   *command,
                    const GError *error)
{
  g_autofree char *line = error->domain == FAL_ERROR ? fal_error_describe (error) : g_strdup (error->message);

  fprintf (stderr, "falctl %s: %s\n", command, line);
}

typedef struct {
  char *command;
  double seconds;
} GiveUp;

static void
give_up_cb (gpointer data)
{
  GiveUp *give_up = data;

  fflush (stdout);
  fprintf (stderr, "falctl %s: Timed out: no answer within %g s\n", give_up->command, give_up->seconds);
  fflush (stderr);
  /* Now, without unwinding: transfer threads may be in the middle of a
   * write, and nothing is left to save. */
  _exit (FALCTL_EXIT_NETWORK);
}

void
falctl_give_up_after (const char *command,
                      double      seconds)
{
  GiveUp *give_up;

  if (seconds <= 0)
    return;
  give_up = g_new0 (GiveUp, 1);
  give_up->command = g_strdup (command);
  give_up->seconds = seconds;
  g_timeout_add_once ((guint) MIN (seconds * 1000, G_MAXUINT), give_up_cb, give_up);
}

void
falctl_wait (gboolean *done)
{
  while (!*done)
    g_main_context_iteration (NULL, TRUE);
}

typedef struct {
  gboolean done;
  char *key;
  GError *error;
} Lookup;

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Lookup *lookup = data;

  lookup->key = fal_credentials_lookup_finish (result, &lookup->error);
  lookup->done = TRUE;
}

/* Said once, in plain words, with the three ways out. */
#define NO_KEY "No API key: set FAL_KEY, store one with 'falctl key set', or set FALSTAFF_PROXY_URL to a proxy that adds it"

FalClient *
falctl_client_new (GError **error)
{
  g_autoptr(FalClient) client = fal_client_new ();
  Lookup lookup = { 0 };

  /* Behind a proxy the proxy adds the key: none is needed here, and the
   * Secret Service is not asked. */
  if (fal_client_has_key (client) || fal_client_get_proxy_url (client) != NULL)
    return g_steal_pointer (&client);

  fal_credentials_lookup_async (NULL, lookup_cb, &lookup);
  falctl_wait (&lookup.done);
  if (lookup.key)
    {
      fal_client_set_key (client, lookup.key, FAL_KEY_SOURCE_SECRET_SERVICE);
      g_free (lookup.key);
      return g_steal_pointer (&client);
    }

  if (lookup.error)
    {
      g_set_error (error, FAL_ERROR, FAL_ERROR_MISSING_KEY, NO_KEY " (the Secret Service could not be asked: %s)",
                   lookup.error->message);
      g_clear_error (&lookup.error);
    }
  else
    g_set_error_literal (error, FAL_ERROR, FAL_ERROR_MISSING_KEY, NO_KEY);
  return NULL;
}

void
falctl_print_json (JsonNode *node,
                   gboolean  pretty)
{
  g_autofree char *json = fal_json_to_string (node, pretty);
  g_autofree char *text = falctl_json_escape_controls (json);

  printf ("%s\n", text);
  fflush (stdout);
}

/* json-glib escapes C0 controls in strings but writes DEL and the C1
 * controls (U+0080..U+009F, which some terminals obey: CSI is U+009B)
 * as they are. Outside strings JSON is plain ASCII, so every such
 * character is inside one and becomes its \u escape. */
char *
falctl_json_escape_controls (const char *text)
{
  GString *out = g_string_sized_new (strlen (text));

  for (const unsigned char *p = (const unsigned char *) text; *p; p++)
    {
      if (*p == 0x7f)
        g_string_append (out, "\\u007f");
      else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
        {
          g_string_append_printf (out, "\\u%04x", p[1]);
          p++;
        }
      else
        g_string_append_c (out, (char) *p);
    }
  return g_string_free (out, FALSE);
}
