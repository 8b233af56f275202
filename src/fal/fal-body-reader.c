/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-body-reader.h"
#include "fal-client.h"
#include "fal-error.h"
#include "fal-error-private.h"
#include "fal-client-private.h"
#include "fal-i18n-private.h"

#define CHUNK (64 * 1024)

typedef struct {
  SoupMessage *msg;
  GInputStream *body;
  guint64 max_size;
  char *cap_name;
  GByteArray *read;
  FalReadDeadline deadline;
} Read;

static void
read_free (gpointer data)
{
  Read *read = data;

  _fal_read_deadline_clear (&read->deadline);
  g_clear_object (&read->msg);
  g_clear_object (&read->body);
  g_clear_pointer (&read->read, g_byte_array_unref);
  g_free (read->cap_name);
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
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                           read->max_size >= 1024 * 1024 ? read->max_size / (1024 * 1024) : read->max_size);
  /* Translators: a number, then the name of the setting that caps it. */
  g_autofree char *message = read->max_size >= 1024 * 1024
    ? g_strdup_printf (_("The answer is larger than the %s MiB this client accepts (%s)"), size, read->cap_name)
    : g_strdup_printf (_("The answer is larger than the %s bytes this client accepts (%s)"), size, read->cap_name);

  return answer_error (read, FAL_ERROR_PROTOCOL, message, "answer_too_large");
}

GError *
_fal_body_check_length (SoupMessage *msg,
                        guint64      length)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (msg);
  g_autofree char *message = NULL;
  goffset promised;

  if (soup_message_headers_get_encoding (headers) != SOUP_ENCODING_CONTENT_LENGTH ||
      soup_message_headers_get_one (headers, "Content-Encoding") != NULL)
    return NULL;
  promised = soup_message_headers_get_content_length (headers);
  if (promised < 0 || (guint64) promised == length)
    return NULL;
  {
    g_autofree char *got = g_strdup_printf ("%" G_GUINT64_FORMAT, length);
    g_autofree char *expected = g_strdup_printf ("%" G_GOFFSET_FORMAT, promised);

    message = g_strdup_printf (_("The answer was cut short: %s of %s bytes arrived"), got, expected);
  }
  return fal_error_new_literal_full (FAL_ERROR_NETWORK, message, soup_message_get_status (msg),
                                     soup_message_headers_get_one (headers, "x-fal-request-id"), "answer_cut_short");
}

static void
finish (GTask  *task,
        GError *error)
{
  Read *read = g_task_get_task_data (task);

  _fal_read_deadline_stop (&read->deadline);
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
      if (read->deadline.expired)
        {
          g_clear_error (&error);
          error = answer_error (read, FAL_ERROR_TIMEOUT, _("The answer's body did not arrive in time (body-timeout)"),
                                "body_timeout");
        }
      finish (task, error);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      finish (task, _fal_body_check_length (read->msg, read->read->len));
      return;
    }
  if (read->read->len + g_bytes_get_size (chunk) > read->max_size)
    {
      finish (task, too_large_error (read));
      return;
    }
  g_byte_array_append (read->read, g_bytes_get_data (chunk, NULL), g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (read->body, CHUNK, G_PRIORITY_DEFAULT, read->deadline.cancellable, chunk_cb, task);
}

static gboolean
deadline_cb (gpointer data)
{
  FalReadDeadline *deadline = data;

  deadline->timer = 0;
  deadline->expired = TRUE;
  g_cancellable_cancel (deadline->cancellable);
  return G_SOURCE_REMOVE;
}

static void
forward_cancel_cb (GCancellable *outer,
                   GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

void
_fal_read_deadline_start (FalReadDeadline *deadline,
                          GCancellable    *outer,
                          guint            seconds)
{
  _fal_read_deadline_clear (deadline);
  deadline->cancellable = g_cancellable_new ();
  if (outer)
    {
      deadline->outer = g_object_ref (outer);
      deadline->outer_handler = g_cancellable_connect (outer, G_CALLBACK (forward_cancel_cb),
                                                       deadline->cancellable, NULL);
    }
  if (seconds > 0)
    deadline->timer = _fal_timeout_add (seconds * 1000, deadline_cb, deadline);
}

void
_fal_read_deadline_stop (FalReadDeadline *deadline)
{
  _fal_clear_source (&deadline->timer);
  if (deadline->outer_handler)
    g_cancellable_disconnect (deadline->outer, deadline->outer_handler);
  deadline->outer_handler = 0;
}

void
_fal_read_deadline_clear (FalReadDeadline *deadline)
{
  _fal_read_deadline_stop (deadline);
  g_clear_object (&deadline->outer);
  g_clear_object (&deadline->cancellable);
  deadline->expired = FALSE;
}

void
_fal_body_read_async (SoupMessage         *msg,
                      GInputStream        *body,
                      guint64              max_size,
                      const char          *cap_name,
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
  read->cap_name = g_strdup (cap_name ? cap_name : _("a size cap"));
  read->read = g_byte_array_new ();
  g_task_set_task_data (task, read, read_free);

  /* Refused before reading when the length says so (not for an encoded
   * body: its length is the compressed one). */
  if (length > 0 && soup_message_headers_get_one (headers, "Content-Encoding") == NULL &&
      (guint64) length > max_size)
    {
      finish (task, too_large_error (read));
      return;
    }
  _fal_read_deadline_start (&read->deadline, cancellable, timeout_seconds);
  g_input_stream_read_bytes_async (body, CHUNK, G_PRIORITY_DEFAULT, read->deadline.cancellable, chunk_cb, task);
}

GBytes *
_fal_body_read_finish (GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

void
fal_read_body_async (SoupMessage         *msg,
                     GInputStream        *body,
                     guint64              max_size,
                     guint                timeout_seconds,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  g_return_if_fail (SOUP_IS_MESSAGE (msg));
  g_return_if_fail (G_IS_INPUT_STREAM (body));

  _fal_body_read_async (msg, body, max_size, NULL, timeout_seconds, cancellable, callback, user_data);
}

GBytes *
fal_read_body_finish (GAsyncResult  *result,
                      GError       **error)
{
  return _fal_body_read_finish (result, error);
}
