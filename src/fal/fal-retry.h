/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/**
 * FalRetryKind:
 * @FAL_RETRY_DEFAULT: cancel, storage initiate, tokens, stream: 3, 1 s, 30 s; 429 502 503 504
 * @FAL_RETRY_SUBMIT: queue submit: 3, 1 s, 60 s; 429 always, 502/503/504 only without x-fal-request-id
 * @FAL_RETRY_RESULT: queue result: 3, 1 s, 60 s; 429 502 503 504
 * @FAL_RETRY_STATUS: queue status: 5, 1 s, 30 s; 429 500 502 503 504
 * @FAL_RETRY_RUN: sync run: 3, 0.5 s, 15 s; as submit (a run enqueues work too)
 * @FAL_RETRY_NONE: never: the caller tries again by itself (a FalRequest's polls and result)
 *
 * The official JS client's retry table (spec §6.4).
 */
typedef enum {
  FAL_RETRY_DEFAULT,
  FAL_RETRY_SUBMIT,
  FAL_RETRY_RESULT,
  FAL_RETRY_STATUS,
  FAL_RETRY_RUN,
  FAL_RETRY_NONE,
} FalRetryKind;

/**
 * FalRetryPolicy:
 * @max_retries: retries after the first attempt
 * @base_delay_ms: the first delay, doubled each retry
 * @max_delay_ms: the longest delay
 *
 * How one kind of call is retried.
 */
typedef struct {
  guint max_retries;
  guint base_delay_ms;
  guint max_delay_ms;
} FalRetryPolicy;

/**
 * fal_retry_policy_get:
 * @kind: a kind of call
 *
 * Returns: (transfer none): its retry policy
 */
const FalRetryPolicy *fal_retry_policy_get (FalRetryKind kind);

/**
 * fal_retry_should_retry:
 * @kind: a kind of call
 * @attempt: the attempt that failed, from 0
 * @status: its HTTP status; 0 = no HTTP answer (a transport error)
 * @headers: (nullable): the answer's headers
 * @transport_error: (nullable): the transport error (a cancellation or a
 *   user start timeout is never retried)
 *
 * Returns: whether a failed attempt may be retried
 */
gboolean fal_retry_should_retry (FalRetryKind        kind,
                                 guint               attempt,
                                 guint               status,
                                 SoupMessageHeaders *headers,
                                 const GError       *transport_error);

/**
 * fal_retry_delay:
 * @kind: a kind of call
 * @attempt: the retry's number, from 0
 * @headers: (nullable): the failed answer's headers
 * @now_unix: the time now, in Unix seconds
 * @random_fraction: in [0,1): drives the jitter, so tests can fix it
 * @delay_ms: (out) (optional): the delay
 * @retry_after_seconds: (out) (optional): the answer's Retry-After, or -1
 *
 * The delay before retry number @attempt: min(base × 2^attempt, max) ±
 * 25 % jitter, or the answer's Retry-After (seconds or HTTP-date, relative
 * to @now_unix) when present.
 *
 * Returns: %FALSE when Retry-After asks for more than the policy's
 *   maximum delay
 */
gboolean fal_retry_delay (FalRetryKind        kind,
                          guint               attempt,
                          SoupMessageHeaders *headers,
                          gint64              now_unix,
                          double              random_fraction,
                          guint              *delay_ms,
                          gint64             *retry_after_seconds);

/**
 * fal_retry_parse_retry_after:
 * @value: a Retry-After value
 * @now_unix: the time now, in Unix seconds
 *
 * Returns: seconds (from seconds, or an HTTP-date), or -1 if invalid
 */
gint64   fal_retry_parse_retry_after (const char *value,
                                      gint64      now_unix);

G_END_DECLS
