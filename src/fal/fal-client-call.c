/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <math.h>
#include <string.h>

#include "fal-body-reader.h"
#include "fal-client-private.h"
#include "fal-error.h"
#include "fal-json-private.h"
#include "fal-i18n-private.h"

/* One API call and its retries. */
typedef struct {
  FalClient *client;
  char *method;
  char *url;
  GBytes *body;
  FalCallOptions *options;
  FalRetryKind kind;
  gboolean long_calls;
  guint attempt;
  guint timer;
  gulong cancel_handler;
  SoupMessage *msg;
  FalReadDeadline head;        /* long calls: the wait for the answer's head */
  FalJsonThenFunc then;        /* run where a 2xx answer is parsed */
  gpointer then_data;
  GDestroyNotify then_data_free;
  GFunc answered;              /* told when a 2xx answer has all arrived */
  gpointer answered_data;
} Call;

typedef struct {
  JsonNode *node;
  guint http_status;
  char *request_id;
  double billable_units;
} CallResult;

static void
call_free (gpointer data)
{
  Call *call = data;

  _fal_clear_source (&call->timer);
  _fal_read_deadline_clear (&call->head);
  g_clear_object (&call->client);
  g_free (call->method);
  g_free (call->url);
  g_clear_pointer (&call->body, g_bytes_unref);
  _fal_call_options_free (call->options);
  g_clear_object (&call->msg);
  if (call->then_data_free)
    call->then_data_free (call->then_data);
  g_free (call);
}

static void
call_result_free (gpointer data)
{
  CallResult *result = data;

  fal_json_unref_later (result->node);
  g_free (result->request_id);
  g_free (result);
}

static void call_send (GTask *task);

static gboolean
retry_cb (gpointer data)
{
  GTask *task = data;
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  call->timer = 0;
  if (call->cancel_handler)
    {
      g_cancellable_disconnect (cancellable, call->cancel_handler);
      call->cancel_handler = 0;
    }
  if (g_cancellable_is_cancelled (cancellable))
    g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_CANCELLED, _("Cancelled"));
  else
    call_send (g_object_ref (task));
  g_object_unref (task);
  return G_SOURCE_REMOVE;
}

static void
cancelled_during_wait_cb (GCancellable *cancellable,
                          GTask        *task)
{
  Call *call = g_task_get_task_data (task);

  /* Runs in the cancelling thread; the caller's context handles it. */
  if (call->timer != 0)
    {
      _fal_clear_source (&call->timer);
      g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_CANCELLED, _("Cancelled"));
      g_object_unref (task);
    }
}

/* Waits before the next attempt, or gives up when the server asks for a
 * longer wait than this kind of call allows. FALSE after returning. */
static gboolean
schedule_retry (GTask              *task,
                SoupMessageHeaders *headers,
                guint               http_status)
{
  Call *call = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);
  guint delay_ms = 0;
  gint64 retry_after = -1;

  if (!fal_retry_delay (call->kind, call->attempt, headers, g_get_real_time () / G_USEC_PER_SEC,
                        g_random_double (), &delay_ms, &retry_after))
    {
      GError *error = fal_error_new_from_response (http_status, headers, NULL);

      error->code = FAL_ERROR_RATE_LIMITED;
      g_task_return_error (task, error);
      return FALSE;
    }

  g_debug ("Retrying %s %s in %u ms (attempt %u)", call->method, call->url, delay_ms, call->attempt + 1);
  call->attempt++;
  call->timer = _fal_timeout_add (delay_ms, retry_cb, g_object_ref (task));
  if (cancellable)
    call->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_during_wait_cb), task, NULL);
  return TRUE;
}

static void
parsed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  JsonNode *node = fal_json_parse_finish (result, &error);
  CallResult *call_result;

  if (node == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, fal_error_new_from_transport (error));
      return;
    }
  if (node == NULL)
    {
      GError *protocol = fal_error_new_literal_full (FAL_ERROR_PROTOCOL, error->message,
                                                     soup_message_get_status (call->msg),
                                                     soup_message_headers_get_one (soup_message_get_response_headers (call->msg), "x-fal-request-id"),
                                                     fal_error_get_error_type (error));
      g_task_return_error (task, protocol);
      return;
    }

  call_result = g_new0 (CallResult, 1);
  call_result->node = node;
  call_result->http_status = soup_message_get_status (call->msg);
  call_result->request_id = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (call->msg),
                                                                    "x-fal-request-id"));
  call_result->billable_units =
    _fal_parse_billable_units (soup_message_headers_get_one (soup_message_get_response_headers (call->msg),
                                                             "x-fal-billable-units"));
  g_task_return_pointer (task, call_result, call_result_free);
}

/* The answer (bytes), or the transport error that ended it (error). */
static void
answer_read (GTask  *owned_task,
             GBytes *bytes,
             GError *error)
{
  g_autoptr(GTask) task = owned_task;
  Call *call = g_task_get_task_data (task);
  SoupMessageHeaders *headers;
  guint status;

  if (bytes == NULL)
    {
      /* Our own caps (too large, too slow) are not retried: the same
       * server would send the same again. */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && error->domain != FAL_ERROR &&
          fal_retry_should_retry (call->kind, call->attempt, 0, NULL, error) &&
          schedule_retry (task, NULL, 0))
        return;
      if (!g_task_had_error (task))
        g_task_return_error (task, fal_error_new_from_transport (error));
      return;
    }

  status = soup_message_get_status (call->msg);
  headers = soup_message_get_response_headers (call->msg);

  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      if (call->answered)
        call->answered (call->answered_data, NULL);
      /* The call (then_data's owner) lives as long as the task. */
      _fal_json_parse_then_async (bytes, call->then, call->then_data, NULL, g_task_get_cancellable (task), parsed_cb,
                                  g_object_ref (task));
      return;
    }

  if (SOUP_STATUS_IS_REDIRECTION (status))
    {
      g_task_return_error (task, fal_error_new_literal_full (FAL_ERROR_PROTOCOL,
                                                             _("The server answered with a redirect, which keyed calls do not follow"),
                                                             status, NULL, NULL));
      return;
    }

  if (fal_retry_should_retry (call->kind, call->attempt, status, headers, NULL))
    {
      schedule_retry (task, headers, status);
      return;
    }

  g_task_return_error (task, _fal_client_error_from_answer (call->client, call->msg, bytes));
}


/* The body, within max-json-size and body-timeout. */
static void
body_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;
  g_autoptr(GBytes) bytes = _fal_body_read_finish (result, &error);

  answer_read (task, bytes, error);
  g_clear_error (&error);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *task = data;
  Call *call = g_task_get_task_data (task);
  GError *error = NULL;
  GInputStream *in = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  gboolean late = call->head.expired;

  _fal_read_deadline_clear (&call->head);
  if (in == NULL && late)
    {
      g_clear_error (&error);
      error = fal_error_new_literal_full (FAL_ERROR_TIMEOUT, _("No answer arrived in time (body-timeout)"), 0, NULL,
                                          "body_timeout");
    }
  if (in == NULL)
    {
      answer_read (task, NULL, error);
      g_clear_error (&error);
      return;
    }
  _fal_body_read_async (call->msg, in, _fal_client_get_max_json_size (call->client), "max-json-size",
                        _fal_client_get_body_timeout (call->client), g_task_get_cancellable (task),
                        body_read_cb, task);
  g_object_unref (in);
}

static void
call_send (GTask *task)
{
  Call *call = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  g_clear_object (&call->msg);
  call->msg = _fal_client_new_message (call->client, call->method, call->url, &error);
  if (call->msg == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (call->options)
    _fal_client_apply_options (call->msg, call->options);
  if (call->body)
    soup_message_set_request_body_from_bytes (call->msg, "application/json", call->body);

  /* The long session has no timeout of its own, so a server that takes
   * the request and never answers would hold a result for ever. A
   * synchronous run may legitimately compute for minutes: its wait is the
   * caller's to bound. */
  _fal_read_deadline_start (&call->head, g_task_get_cancellable (task),
                            call->long_calls && call->kind != FAL_RETRY_RUN ? _fal_client_get_body_timeout (call->client) : 0);
  soup_session_send_async (_fal_client_get_session (call->client, call->long_calls),
                           call->msg, G_PRIORITY_DEFAULT, call->head.cancellable,
                           sent_cb, task);
}

void
_fal_client_call_then_async (FalClient            *self,
                             const char           *method,
                             const char           *url,
                             JsonNode             *body,
                             const FalCallOptions *options,
                             FalRetryKind          kind,
                             gboolean              long_calls,
                             FalJsonThenFunc       then,
                             gpointer              then_data,
                             GDestroyNotify        then_data_free,
                             GFunc                 answered,
                             gpointer              answered_data,
                             GCancellable         *cancellable,
                             GAsyncReadyCallback   callback,
                             gpointer              user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  Call *call = g_new0 (Call, 1);

  g_task_set_source_tag (task, _fal_client_call_async);
  /* A cancelled call ends FAL_ERROR_CANCELLED (mapped below), not GIO's. */
  g_task_set_check_cancellable (task, FALSE);
  call->client = g_object_ref (self);
  call->method = g_strdup (method);
  call->url = g_strdup (url);
  if (body)
    {
      char *text = fal_json_to_string (body, FALSE);
      call->body = g_bytes_new_take (text, strlen (text));
    }
  call->options = options ? _fal_call_options_copy (options) : NULL;
  call->kind = kind;
  call->long_calls = long_calls;
  call->then = then;
  call->then_data = then_data;
  call->then_data_free = then_data_free;
  call->answered = answered;
  call->answered_data = answered_data;
  g_task_set_task_data (task, call, call_free);

  call_send (task);
}

void
_fal_client_call_async (FalClient            *self,
                        const char           *method,
                        const char           *url,
                        JsonNode             *body,
                        const FalCallOptions *options,
                        FalRetryKind          kind,
                        gboolean              long_calls,
                        GCancellable         *cancellable,
                        GAsyncReadyCallback   callback,
                        gpointer              user_data)
{
  _fal_client_call_then_async (self, method, url, body, options, kind, long_calls, NULL, NULL, NULL, NULL, NULL,
                               cancellable, callback, user_data);
}

double
_fal_parse_billable_units (const char *value)
{
  char *end = NULL;
  double units;

  if (value == NULL)
    return -1;
  units = g_ascii_strtod (value, &end);
  return end != value && *end == '\0' && units >= 0 && isfinite (units) ? units : -1;
}

JsonNode *
_fal_client_call_finish (FalClient     *self,
                         GAsyncResult  *result,
                         guint         *http_status,
                         char         **request_id,
                         GError       **error)
{
  return _fal_client_call_finish_full (self, result, http_status, request_id, NULL, error);
}

JsonNode *
_fal_client_call_finish_full (FalClient     *self,
                              GAsyncResult  *result,
                              guint         *http_status,
                              char         **request_id,
                              double        *billable_units,
                              GError       **error)
{
  CallResult *call_result = g_task_propagate_pointer (G_TASK (result), error);
  JsonNode *node;

  if (call_result == NULL)
    return NULL;
  if (billable_units)
    *billable_units = call_result->billable_units;
  if (http_status)
    *http_status = call_result->http_status;
  if (request_id)
    *request_id = g_steal_pointer (&call_result->request_id);
  node = g_steal_pointer (&call_result->node);
  call_result_free (call_result);
  return node;
}

/* ------------------------------------------------------------------ streams */

typedef struct {
  SoupMessage *msg;
  GInputStream *body;
  FalReadDeadline head;        /* the wait for the stream's head */
} OpenStream;

static void
open_stream_free (gpointer data)
{
  OpenStream *open = data;

  _fal_read_deadline_clear (&open->head);
  g_clear_object (&open->msg);
  g_clear_object (&open->body);
  g_free (open);
}

static void
error_body_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  OpenStream *open = g_task_get_task_data (task);
  g_autoptr(GBytes) bytes = _fal_body_read_finish (result, NULL);

  /* An error body that is too big or too slow still gives its status. */
  g_task_return_error (task, _fal_client_error_from_answer (g_task_get_source_object (task), open->msg, bytes));
}

static void
stream_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GTask) task = data;
  OpenStream *open = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  guint status;
  const char *content_type;

  open->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (open->body == NULL && open->head.expired)
    {
      _fal_read_deadline_clear (&open->head);
      g_task_return_error (task, fal_error_new_literal_full (FAL_ERROR_TIMEOUT, _("No answer arrived in time (stream-idle-timeout)"),
                                                             0, NULL, "stream_idle"));
      return;
    }
  _fal_read_deadline_clear (&open->head);
  if (open->body == NULL)
    {
      g_task_return_error (task, fal_error_new_from_transport (error));
      return;
    }

  status = soup_message_get_status (open->msg);
  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      /* Error bodies are small JSON: read it whole for the message,
       * within the client's caps. */
      _fal_body_read_async (open->msg, open->body, _fal_client_get_max_json_size (g_task_get_source_object (task)),
                            "max-json-size", _fal_client_get_body_timeout (g_task_get_source_object (task)),
                            g_task_get_cancellable (task), error_body_cb, g_object_ref (task));
      return;
    }

  content_type = soup_message_headers_get_content_type (soup_message_get_response_headers (open->msg), NULL);
  if (content_type == NULL || g_ascii_strcasecmp (content_type, "text/event-stream") != 0)
    {
      g_task_return_error (task, fal_error_new_literal_full (FAL_ERROR_PROTOCOL, _("The answer is not an event stream"),
                                                             status,
                                                             soup_message_headers_get_one (soup_message_get_response_headers (open->msg), "x-fal-request-id"),
                                                             NULL));
      g_input_stream_close_async (open->body, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      return;
    }

  g_task_return_pointer (task, g_object_ref (open->body), g_object_unref);
}

void
_fal_client_open_stream_async (FalClient            *self,
                               const char           *method,
                               const char           *url,
                               JsonNode             *body,
                               const FalCallOptions *options,
                               GCancellable         *cancellable,
                               GAsyncReadyCallback   callback,
                               gpointer              user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  OpenStream *open = g_new0 (OpenStream, 1);

  g_task_set_source_tag (task, _fal_client_open_stream_async);
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_task_data (task, open, open_stream_free);

  open->msg = _fal_client_new_message (self, method, url, &error);
  if (open->msg == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  soup_message_headers_replace (soup_message_get_request_headers (open->msg), "Accept", "text/event-stream");
  if (options)
    _fal_client_apply_options (open->msg, options);
  if (body)
    {
      char *text = fal_json_to_string (body, FALSE);
      g_autoptr(GBytes) bytes = g_bytes_new_take (text, strlen (text));

      soup_message_set_request_body_from_bytes (open->msg, "application/json", bytes);
    }

  /* The long session has no timeout: the head must come within the
   * silence a stream is allowed. */
  _fal_read_deadline_start (&open->head, cancellable, _fal_client_get_stream_idle_timeout (self));
  soup_session_send_async (_fal_client_get_session (self, TRUE), open->msg, G_PRIORITY_DEFAULT,
                           open->head.cancellable, stream_sent_cb, g_steal_pointer (&task));
}

GInputStream *
_fal_client_open_stream_finish (FalClient     *self,
                                GAsyncResult  *result,
                                char         **request_id,
                                GError       **error)
{
  OpenStream *open = g_task_get_task_data (G_TASK (result));

  if (request_id && open->msg)
    *request_id = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (open->msg),
                                                          "x-fal-request-id"));
  return g_task_propagate_pointer (G_TASK (result), error);
}
