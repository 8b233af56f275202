/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The reads of one body: cancelled by the caller's cancellable or once
 * the deadline passes (then `expired`). Embedded in its user's state. */
typedef struct {
  GCancellable *cancellable;   /* give this to every read */
  GCancellable *outer;
  gulong outer_handler;
  guint timer;
  gboolean expired;
} FalReadDeadline;

void _fal_read_deadline_start (FalReadDeadline *deadline,
                               GCancellable    *outer,
                               guint            seconds);
/* Disconnects and stops the timer; safe to call again. */
void _fal_read_deadline_stop  (FalReadDeadline *deadline);
void _fal_read_deadline_clear (FalReadDeadline *deadline);

/* Reads an answer's body whole, within a byte cap (counted after
 * libsoup's content decoding, so a gzip bomb stops at the cap) and an
 * overall deadline from the head on (a drip of a byte now and then
 * ends too). Past the cap: FAL_ERROR_PROTOCOL, error type
 * "answer_too_large"; past the deadline: FAL_ERROR_TIMEOUT, error type
 * "body_timeout"; both carry the answer's status and request id. A
 * Content-Length past the cap is refused before any byte is read. The
 * stream is closed either way. */
/* libsoup 3.2 ends a body that stops short of its Content-Length as if
 * it were whole: NULL when length bytes are what the head promised (or it
 * promised none, or the body was decoded), else FAL_ERROR_NETWORK
 * ("The answer was cut short …", error type "answer_cut_short"). */
GError *_fal_body_check_length (SoupMessage *msg,
                                guint64      length);

/* cap_name: what the cap is called in the error ("max-json-size"). */
void    _fal_body_read_async  (SoupMessage         *msg,
                               GInputStream        *body,
                               guint64              max_size,
                               const char          *cap_name,
                               guint                timeout_seconds,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
GBytes *_fal_body_read_finish (GAsyncResult        *result,
                               GError             **error);

G_END_DECLS
