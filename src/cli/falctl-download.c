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
  GOutputStream *out;
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

/* A file name from the output, safe to create in dir. */
static char *
file_name_for (JsonObject *file,
               guint       index)
{
  const char *name = fal_json_get_string (file, "file_name");
  g_autofree char *from_url = NULL;
  g_autofree char *base = NULL;
  char *clean;

  if (name == NULL || *name == '\0')
    {
      g_autoptr(GUri) uri = g_uri_parse (fal_json_get_string (file, "url"), G_URI_FLAGS_NONE, NULL);

      if (uri)
        from_url = g_path_get_basename (g_uri_get_path (uri));
      name = from_url;
    }
  base = g_path_get_basename (name && *name && !g_str_equal (name, "/") ? name : "output");
  clean = g_strdelimit (g_strdup (base), "/\\:*?\"<>|", '_');
  if (clean[0] == '.' || clean[0] == '\0')
    {
      char *prefixed = g_strdup_printf ("output-%u%s", index, clean);
      g_free (clean);
      return prefixed;
    }
  return clean;
}

static void
spliced_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Wait *wait = data;

  g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &wait->error);
  wait->done = TRUE;
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Wait *wait = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GInputStream) in = soup_session_send_finish (SOUP_SESSION (source), result, &wait->error);

  if (in && !SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      wait->error = g_error_new (FAL_ERROR, FAL_ERROR_NETWORK, "Download failed: HTTP %u", soup_message_get_status (msg));
      g_clear_object (&in);
    }
  if (in == NULL)
    {
      wait->done = TRUE;
      return;
    }
  g_output_stream_splice_async (wait->out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, NULL, spliced_cb, wait);
}

gboolean
falctl_download_outputs (JsonNode    *result,
                         const char  *dir,
                         GError     **error)
{
  g_autoptr(GPtrArray) files = g_ptr_array_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *user_agent = g_strdup_printf ("Falstaff/%s", PACKAGE_VERSION);

  collect_urls (result, files);
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "Cannot create %s: %s", dir, g_strerror (saved));
      return FALSE;
    }

  /* A session of its own: media URLs never get the key. */
  session = soup_session_new_with_options ("user-agent", user_agent, "timeout", 0, NULL);
  for (guint i = 0; i < files->len; i++)
    {
      JsonObject *file = g_ptr_array_index (files, i);
      const char *url = fal_json_get_string (file, "url");
      g_autofree char *name = file_name_for (file, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr(GFile) target = g_file_new_for_path (path);
      g_autoptr(GFileOutputStream) out = NULL;
      g_autoptr(SoupMessage) msg = NULL;
      g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
      Wait wait = { 0 };

      if (uri == NULL || (g_str_equal (g_uri_get_scheme (uri), "http") &&
                          !fal_host_is_loopback (g_uri_get_host (uri))))
        {
          g_set_error (error, FAL_ERROR, FAL_ERROR_INSECURE_URL, "Refusing to download %s over plain http", url);
          return FALSE;
        }
      out = g_file_replace (target, NULL, FALSE, G_FILE_CREATE_NONE, NULL, error);
      if (out == NULL)
        return FALSE;
      msg = soup_message_new_from_uri ("GET", uri);
      wait.out = G_OUTPUT_STREAM (out);
      soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, NULL, sent_cb, &wait);
      falctl_wait (&wait.done);
      if (wait.error)
        {
          g_propagate_prefixed_error (error, wait.error, "%s: ", url);
          g_unlink (path);
          return FALSE;
        }
      fprintf (stderr, "saved %s\n", path);
    }
  return TRUE;
}
