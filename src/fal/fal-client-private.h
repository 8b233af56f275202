/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "fal-client.h"
#include "fal-endpoint-id.h"
#include "fal-json-private.h"
#include "fal-retry.h"

G_BEGIN_DECLS

typedef enum {
  FAL_HOST_QUEUE,
  FAL_HOST_RUN,
  FAL_HOST_REST,
  FAL_HOST_WEB,
  FAL_HOST_API,
} FalHost;

/* base + "/" + path (path without a leading slash). */
char        *_fal_client_build_url      (FalClient   *self,
                                         FalHost      host,
                                         const char  *path);
/* A message to url, routed through the proxy when one is set, with the
 * key only where it may go; NULL with FAL_ERROR_INSECURE_URL for plain
 * http to a non-loopback host. */
/* Redirects of a keyless message only to https or this machine; a
 * refused one ends the message with its 3xx, which
 * _fal_client_error_from_answer turns into FAL_ERROR_INSECURE_URL. */
void         _fal_client_guard_redirects (SoupMessage *msg);
SoupMessage *_fal_client_new_message    (FalClient   *self,
                                         const char  *method,
                                         const char  *url,
                                         GError     **error);
/* The error for msg's non-2xx answer (body: NULL or not yet parsed).
 * Through the proxy, its own refusal (400 "Invalid request": a target it
 * does not allow) says so in words, and a 401 to a call that carried no
 * key of ours says that the key the proxy adds was refused; the codes
 * stay what they were (FAL_ERROR_APP, FAL_ERROR_UNAUTHORIZED). */
GError      *_fal_client_error_from_answer (FalClient   *self,
                                            SoupMessage *msg,
                                            GBytes      *body);
/* The headers of a submit, run or stream call. */
void         _fal_client_apply_options  (SoupMessage          *msg,
                                         const FalCallOptions *options);
guint64      _fal_client_get_max_json_size       (FalClient *self);
guint64      _fal_client_get_max_download_size   (FalClient *self);
guint        _fal_client_get_body_timeout        (FalClient *self);
guint        _fal_client_get_stream_idle_timeout (FalClient *self);
SoupSession *_fal_client_get_session    (FalClient *self,
                                         gboolean   long_calls);

/* A JSON call with the retry policy of its kind: the parsed 2xx body;
 * otherwise a FAL_ERROR built from the answer. long_calls picks the
 * session without a timeout (runs, results). */
void         _fal_client_call_async     (FalClient            *self,
                                         const char           *method,
                                         const char           *url,
                                         JsonNode             *body,
                                         const FalCallOptions *options,
                                         FalRetryKind          kind,
                                         gboolean              long_calls,
                                         GCancellable         *cancellable,
                                         GAsyncReadyCallback   callback,
                                         gpointer              user_data);
/* The same, with then (then_data) run where the 2xx answer is parsed
 * (fal-json-private.h); then_data_free (nullable) when the call ends;
 * answered (answered_data, NULL), nullable, on the caller's thread once a
 * 2xx answer has all arrived, before it is parsed. */
void         _fal_client_call_then_async (FalClient            *self,
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
                                          gpointer              user_data);
JsonNode    *_fal_client_call_finish    (FalClient     *self,
                                         GAsyncResult  *result,
                                         guint         *http_status,
                                         char         **request_id,
                                         GError       **error);

/* The same, with the answer's x-fal-billable-units (-1 without one). */
JsonNode    *_fal_client_call_finish_full (FalClient     *self,
                                           GAsyncResult  *result,
                                           guint         *http_status,
                                           char         **request_id,
                                           double        *billable_units,
                                           GError       **error);
/* x-fal-billable-units as a number, -1 when absent or not a number ≥ 0. */
double       _fal_parse_billable_units  (const char    *value);

/* Opens an event stream (long session, no retries): the body stream once
 * a 2xx text/event-stream answer arrived; else the error from the answer
 * (FAL_ERROR_PROTOCOL when a 2xx is not an event stream). */
void          _fal_client_open_stream_async  (FalClient            *self,
                                              const char           *method,
                                              const char           *url,
                                              JsonNode             *body,
                                              const FalCallOptions *options,
                                              GCancellable         *cancellable,
                                              GAsyncReadyCallback   callback,
                                              gpointer              user_data);
GInputStream *_fal_client_open_stream_finish (FalClient     *self,
                                              GAsyncResult  *result,
                                              char         **request_id,
                                              GError       **error);

/* Timers on the caller's thread-default context (g_timeout_add would use
 * the global default one). */
guint        _fal_timeout_add           (guint        interval_ms,
                                         GSourceFunc  function,
                                         gpointer     data);
void         _fal_clear_source          (guint       *source_id);

/* Returns every GTask in *waiters: a copy of error when it is set, else
 * value_copy (value), freed with value_free. *waiters is swapped for an
 * empty array first, so a callback that waits again is kept for later. */
void         _fal_complete_waiters      (GPtrArray     **waiters,
                                         const GError   *error,
                                         gpointer        value,
                                         GBoxedCopyFunc  value_copy,
                                         GDestroyNotify  value_free);

/* Made by the client only. */
FalRequest  *_fal_request_new           (FalClient     *client,
                                         FalEndpointId *endpoint,
                                         JsonNode      *input,
                                         const FalCallOptions *options,
                                         const char    *request_id);
FalStream   *_fal_stream_new            (FalClient     *client,
                                         FalEndpointId *endpoint,
                                         JsonNode      *input,
                                         const FalCallOptions *options);

G_END_DECLS

G_BEGIN_DECLS

/* Options outlive the caller's struct in async work. */
FalCallOptions *_fal_call_options_copy (const FalCallOptions *options);
void            _fal_call_options_free (FalCallOptions       *options);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalCallOptions, _fal_call_options_free)

G_END_DECLS
