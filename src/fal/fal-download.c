/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-body-reader.h"
#include "fal-client-private.h"
#include "fal-error.h"
#include "fal-i18n-private.h"

/* A media download: streamed to a file, never with the key, within
 * max-download-size and body-timeout, following redirects only to https
 * or to plain http on this machine. */

#define DOWNLOAD_CHUNK (64 * 1024)
#define MAX_REDIRECTS  5

typedef struct {
  FalClient *client;
  GFile *destination;
  GUri *uri;
  SoupMessage *msg;
  GInputStream *in;
  GFileOutputStream *out;
  FalReadDeadline deadline;
  guint redirects;
  guint64 written;
} Download;

static void
download_free (gpointer data)
{
  Download *download = data;

  _fal_read_deadline_clear (&download->deadline);
  g_clear_object (&download->client);
  g_clear_object (&download->destination);
  g_clear_pointer (&download->uri, g_uri_unref);
  g_clear_object (&download->msg);
  g_clear_object (&download->in);
  g_clear_object (&download->out);
  g_free (download);
}

/* https anywhere, plain http only to this machine. */
static gboolean
allowed (GUri    *uri,
         GError **error)
{
  if (fal_uri_is_secure (uri))
    return TRUE;
  g_set_error (error, FAL_ERROR, FAL_ERROR_INSECURE_URL,
               _("Refusing to download from %s://%s: only https, or plain http to this machine, is allowed"),
               g_uri_get_scheme (uri), g_uri_get_host (uri) ? g_uri_get_host (uri) : "");
  return FALSE;
}

/* Ends the download: the file is kept only when it is whole. */
static void
download_return (GTask  *task,
                 GError *error)
{
  Download *download = g_task_get_task_data (task);

  _fal_read_deadline_stop (&download->deadline);
  if (download->in)
    g_input_stream_close_async (download->in, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  if (download->out)
    {
      g_autoptr(GError) close_error = NULL;

      if (!g_output_stream_close (G_OUTPUT_STREAM (download->out), NULL, &close_error) && error == NULL)
        error = g_steal_pointer (&close_error);
    }
  if (error)
    {
      if (download->out)
        g_file_delete (download->destination, NULL, NULL);
      g_task_return_error (task, error);
    }
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
chunk_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  GTask *task = data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  guint64 cap = _fal_client_get_max_download_size (download->client);

  if (chunk == NULL)
    {
      GError *mapped;

      if (download->deadline.expired)
        mapped = fal_error_new_literal_full (FAL_ERROR_TIMEOUT, _("The download did not finish in time (body-timeout)"),
                                             soup_message_get_status (download->msg), NULL, "body_timeout");
      else
        mapped = fal_error_new_from_transport (error);
      g_clear_error (&error);
      download_return (task, mapped);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      download_return (task, _fal_body_check_length (download->msg, download->written));
      return;
    }
  if (download->written + g_bytes_get_size (chunk) > cap)
    {
      g_autofree char *cap_text = g_strdup_printf ("%" G_GUINT64_FORMAT, cap);
      g_autofree char *message = g_strdup_printf (_("The file is larger than the %s bytes this client accepts (max-download-size)"), cap_text);

      download_return (task, fal_error_new_literal_full (FAL_ERROR_PROTOCOL, message, soup_message_get_status (download->msg),
                                                         NULL, "download_too_large"));
      return;
    }
  if (!g_output_stream_write_all (G_OUTPUT_STREAM (download->out), g_bytes_get_data (chunk, NULL),
                                  g_bytes_get_size (chunk), NULL, NULL, &error))
    {
      download_return (task, error);
      return;
    }
  download->written += g_bytes_get_size (chunk);
  g_input_stream_read_bytes_async (download->in, DOWNLOAD_CHUNK, G_PRIORITY_DEFAULT, download->deadline.cancellable,
                                   chunk_cb, task);
}

static void download_send (GTask *task);

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *task = data;
  Download *download = g_task_get_task_data (task);
  GError *error = NULL;
  guint status;
  goffset length;

  download->in = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (download->in == NULL && download->deadline.expired)
    {
      g_clear_error (&error);
      download_return (task, fal_error_new_literal_full (FAL_ERROR_TIMEOUT, _("No answer arrived in time (body-timeout)"),
                                                         0, NULL, "body_timeout"));
      return;
    }
  _fal_read_deadline_stop (&download->deadline);
  if (download->in == NULL)
    {
      GError *mapped = fal_error_new_from_transport (error);

      g_clear_error (&error);
      download_return (task, mapped);
      return;
    }
  status = soup_message_get_status (download->msg);
  if (SOUP_STATUS_IS_REDIRECTION (status))
    {
      const char *location = soup_message_headers_get_one (soup_message_get_response_headers (download->msg), "Location");
      g_autoptr(GUri) next = location ? g_uri_parse_relative (download->uri, location, G_URI_FLAGS_ENCODED, NULL) : NULL;

      g_input_stream_close_async (download->in, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      g_clear_object (&download->in);
      if (next == NULL || ++download->redirects > MAX_REDIRECTS)
        {
          download_return (task, fal_error_new_literal_full (FAL_ERROR_PROTOCOL, _("Too many redirects, or one without a Location"),
                                                             status, NULL, NULL));
          return;
        }
      if (!allowed (next, &error))
        {
          download_return (task, error);
          return;
        }
      g_uri_unref (download->uri);
      download->uri = g_steal_pointer (&next);
      download_send (task);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      /* The file's server, not fal's API: its 401 or 422 says nothing of
       * the key or the input. A 404 or 410 is a file gone (fal's files
       * expire); 429 and 5xx may pass. */
      const char *reason = soup_status_get_phrase (status);
      FalErrorCode code = status == 404 || status == 410 ? FAL_ERROR_NOT_FOUND
                          : status == 429 ? FAL_ERROR_RATE_LIMITED
                          : status >= 500 ? FAL_ERROR_SERVER : FAL_ERROR_NETWORK;
      g_autofree char *message = code == FAL_ERROR_NOT_FOUND
        ? g_strdup_printf (_("The file is not there any more (HTTP %u %s): fal keeps outputs for a limited time"), status,
                           reason ? reason : "")
        : g_strdup_printf (_("The file's server refused the download (HTTP %u%s%s)"), status, reason ? " " : "",
                           reason ? reason : "");

      download_return (task, fal_error_new_literal_full (code, message, status, NULL, "download_refused"));
      return;
    }
  length = soup_message_headers_get_content_length (soup_message_get_response_headers (download->msg));
  if (length > 0 && soup_message_headers_get_one (soup_message_get_response_headers (download->msg), "Content-Encoding") == NULL &&
      (guint64) length > _fal_client_get_max_download_size (download->client))
    {
      download_return (task, fal_error_new_literal_full (FAL_ERROR_PROTOCOL,
                                                         _("The file is larger than this client accepts (max-download-size)"),
                                                         status, NULL, "download_too_large"));
      return;
    }
  download->out = g_file_replace (download->destination, NULL, FALSE, G_FILE_CREATE_NONE, NULL, &error);
  if (download->out == NULL)
    {
      download_return (task, error);
      return;
    }
  _fal_read_deadline_start (&download->deadline, g_task_get_cancellable (task),
                            _fal_client_get_body_timeout (download->client));
  g_input_stream_read_bytes_async (download->in, DOWNLOAD_CHUNK, G_PRIORITY_DEFAULT, download->deadline.cancellable,
                                   chunk_cb, task);
}

static void
download_send (GTask *task)
{
  Download *download = g_task_get_task_data (task);

  g_clear_object (&download->msg);
  download->msg = soup_message_new_from_uri ("GET", download->uri);
  /* Every hop is checked here, not followed blindly by libsoup. */
  soup_message_add_flags (download->msg, SOUP_MESSAGE_NO_REDIRECT);
  /* The long session has no timeout: the head too must come in time. */
  _fal_read_deadline_start (&download->deadline, g_task_get_cancellable (task),
                            _fal_client_get_body_timeout (download->client));
  soup_session_send_async (_fal_client_get_session (download->client, TRUE), download->msg, G_PRIORITY_DEFAULT,
                           download->deadline.cancellable, sent_cb, task);
}

void
fal_client_download_async (FalClient           *self,
                           const char          *url,
                           GFile               *destination,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  GTask *task;
  Download *download;
  GError *error = NULL;
  g_autoptr(GUri) uri = NULL;

  g_return_if_fail (FAL_IS_CLIENT (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (G_IS_FILE (destination));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_client_download_async);
  g_task_set_check_cancellable (task, FALSE);
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, &error);
  if (uri == NULL || !allowed (uri, &error))
    {
      if (uri == NULL)
        {
          g_clear_error (&error);
          error = g_error_new (FAL_ERROR, FAL_ERROR_PROTOCOL, _("Not a valid URL: %s"), url);
        }
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  download = g_new0 (Download, 1);
  download->client = g_object_ref (self);
  download->destination = g_object_ref (destination);
  download->uri = g_steal_pointer (&uri);
  g_task_set_task_data (task, download, download_free);
  download_send (task);
}

gboolean
fal_client_download_finish (FalClient     *self,
                            GAsyncResult  *result,
                            guint64       *size,
                            GError       **error)
{
  Download *download;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  download = g_task_get_task_data (G_TASK (result));
  if (size)
    *size = download ? download->written : 0;
  return g_task_propagate_boolean (G_TASK (result), error);
}
