/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-body-reader.h"
#include "fal-error.h"
#include "fal-error-private.h"
#include "fal-client-private.h"

#define CHUNK (64 * 1024)

typedef struct {
  SoupMessage *msg;
  GInputStream *body;
  guint64 max_size;
  GByteArray *read;
  GCancellable *read_cancellable;   /* the caller's, or the deadline's */
  gulong cancel_handler;
  guint timer;
  gboolean timed_out;
} Read;

static void
read_free (gpointer data)
{
  Read *read = data;

  _fal_clear_source (&read->timer);
  g_clear_object (&read->msg);
  g_clear_object (&read->body);
  g_clear_pointer (&read->read, g_byte_array_unref);
  g_clear_object (&read->read_cancellable);
  g_free (read);
}

static GError *
answer_error (Read       *read,
              FalErrorCode code,
              const char *message,
              const char *error_type)
{
  return fal_error_new_literal_full (code, message, soup_message_get_status (read->msg),
                                     soup_message_headers_get_one (soup_message_get_response_headers (read->msg),
                                                                   "x-fal-request-id"),
                                     error_type);
}

static GError *
too_large_error (Read *read)
{
  g_autofree char *message = read->max_size >= 1024 * 1024
    ? g_strdup_printf ("The answer is larger than the %" G_GUINT64_FORMAT " MiB this client accepts (max-json-size)",
                       read->max_size / (1024 * 1024))
    : g_strdup_printf ("The answer is larger than the %" G_GUINT64_FORMAT " bytes this client accepts (max-json-size)",
                       read->max_size);

  return answer_error (read, FAL_ERROR_PROTOCOL, message, "answer_too_large");
}

static void
finish (GTask  *task,
        GError *error)
{
  Read *read = g_task_get_task_data (task);

  _fal_clear_source (&read->timer);
  if (read->cancel_handler)
    g_cancellable_disconnect (g_task_get_cancellable (task), read->cancel_handler);
  read->cancel_handler = 0;
  g_input_stream_close_async (read->body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_byte_array_free_to_bytes (g_steal_pointer (&read->read)),
                           (GDestroyNotify) g_bytes_unref);
  g_object_unref (task);
}

static void
chunk_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  GTask *task = data;
  Read *read = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (chunk == NULL)
    {
      if (read->timed_out)
        {
          g_clear_error (&error);
          error = answer_error (read, FAL_ERROR_TIMEOUT, "The answer's body did not arrive in time (body-timeout)",
                                "body_timeout");
        }
      finish (task, error);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      finish (task, NULL);
      return;
    }
  if (read->read->len + g_bytes_get_size (chunk) > read->max_size)
    {
      finish (task, too_large_error (read));
      return;
    }
  g_byte_array_append (read->read, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (read->body, CHUNK, G_PRIORITY_DEFAULT, read->read_cancellable, chunk_cb, task);
}

static gboolean
deadline_cb (gpointer data)
{
  Read *read = data;

  read->timer = 0;
  read->timed_out = TRUE;
  g_cancellable_cancel (read->read_cancellable);
  return G_SOURCE_REMOVE;
}

static void
forward_cancel_cb (GCancellable *cancellable,
                   GCancellable *read_cancellable)
{
  g_cancellable_cancel (read_cancellable);
}

void
_fal_body_read_async (SoupMessage         *msg,
                      GInputStream        *body,
                      guint64              max_size,
                      guint                timeout_seconds,
                      GCancellable        *cancellable,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Read *read = g_new0 (Read, 1);
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  goffset length = soup_message_headers_get_content_length (headers);

  g_task_set_source_tag (task, _fal_body_read_async);
  read->msg = g_object_ref (msg);
  read->body = g_object_ref (body);
  read->max_size = max_size;
  read->read = g_byte_array_new ();
  read->read_cancellable = g_cancellable_new ();
  g_task_set_task_data (task, read, read_free);

  /* Refused before reading when the length says so (not for an encoded
   * body: its length is the compressed one). */
  if (length > 0 && soup_message_headers_get_one (headers, "Content-Encoding") == NULL &&
      (guint64) length > max_size)
    {
      finish (task, too_large_error (read));
      return;
    }
  if (cancellable)
    read->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (forward_cancel_cb),
                                                  read->read_cancellable, NULL);
  if (timeout_seconds > 0)
    read->timer = _fal_timeout_add (timeout_seconds * 1000, deadline_cb, read);
  g_input_stream_read_bytes_async (body, CHUNK, G_PRIORITY_DEFAULT, read->read_cancellable, chunk_cb, task);
}

GBytes *
_fal_body_read_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
