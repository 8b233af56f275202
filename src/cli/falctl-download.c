/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falctl"

#include "config.h"

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "falctl-common.h"
#include "falctl-download.h"

typedef struct {
  gboolean done;
  GError *error;
} Wait;

static void
collect_urls (JsonNode  *node,
              GPtrArray *files)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      const char *url = fal_json_get_string (object, "url");
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      if (url && (g_str_has_prefix (url, "https://") || g_str_has_prefix (url, "http://")))
        g_ptr_array_add (files, object);
      json_object_iter_init (&iter, object);
      while (json_object_iter_next (&iter, &name, &member))
        collect_urls (member, files);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);

      for (guint i = 0; i < json_array_get_length (array); i++)
        collect_urls (json_array_get_element (array, i), files);
    }
}

/* A file name from the output, safe to create in dir: no separators,
 * control characters or escape sequences (fal_file_name_sanitize). */
static char *
file_name_for (JsonObject *file,
               guint       index)
{
  const char *name = fal_json_get_string (file, "file_name");
  g_autofree char *fallback = g_strdup_printf ("output-%u", index);

  if (name && *name)
    return fal_file_name_sanitize (name, fallback);
  return fal_file_name_from_url (fal_json_get_string (file, "url"), fal_json_get_string (file, "content_type"));
}

/* name, or name-2.ext, name-3.ext …: never a file that exists, nor one
 * this run saved already (two outputs called a.png). */
static char *
unique_path (const char *dir,
             const char *name,
             GHashTable *taken)
{
  const char *dot = strrchr (name, '.');
  g_autofree char *stem = dot && dot != name ? g_strndup (name, dot - name) : g_strdup (name);
  const char *extension = dot && dot != name ? dot : "";

  for (guint n = 1; n < 100000; n++)
    {
      g_autofree char *candidate = n == 1 ? g_strdup (name) : g_strdup_printf ("%s-%u%s", stem, n, extension);
      char *path = g_build_filename (dir, candidate, NULL);

      if (!g_hash_table_contains (taken, path) && !g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_hash_table_add (taken, g_strdup (path));
          return path;
        }
      g_free (path);
    }
  return NULL;
}

/* Text from a server, fit for a terminal: control characters (C0, DEL,
 * C1, hence ESC sequences) as \xNN. */
static char *
escape_for_terminal (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Wait *wait = data;

  fal_client_download_finish (FAL_CLIENT (source), result, NULL, &wait->error);
  wait->done = TRUE;
}

gboolean
falctl_download_outputs (FalClient    *client,
                         JsonNode     *result,
                         const char   *dir,
                         GCancellable *cancellable,
                         GError      **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  g_autoptr(GHashTable) taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  collect_urls (result, files);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }

  for (guint i = 0; i < files->len; i++)
    {
      JsonObject *file = g_ptr_array_index (files, i);
      const char *url = fal_json_get_string (file, "url");
      g_autofree char *name = file_name_for (file, i);
      g_autofree char *path = unique_path (dir, name, taken);
      g_autofree char *shown = NULL;
      g_autoptr(GFile) target = NULL;
      Wait wait = { 0 };

      if (path == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "No free file name for %s in %s", name, dir);
          return FALSE;
        }
      target = g_file_new_for_path (path);
      /* Without the key, within the client's size cap and body timeout,
       * redirects only to https or this machine. */
      fal_client_download_async (client, url, target, cancellable, downloaded_cb, &wait);
      falctl_wait (&wait.done);
      if (wait.error)
        {
          g_autofree char *url_shown = escape_for_terminal (url);

          g_propagate_prefixed_error (error, wait.error, "%s: ", url_shown);
          return FALSE;
        }
      shown = escape_for_terminal (path);
      fprintf (stderr, "saved %s\n", shown);
    }
  return TRUE;
}
