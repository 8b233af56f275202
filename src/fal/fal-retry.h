/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* The official JS client's retry table (spec §6.4). */
typedef enum {
  FAL_RETRY_DEFAULT,   /* cancel, storage initiate, tokens, stream: 3, 1 s, 30 s; 429 502 503 504 */
  FAL_RETRY_SUBMIT,    /* queue submit: 3, 1 s, 60 s; 429 always, 502/503/504 only without x-fal-request-id */
  FAL_RETRY_RESULT,    /* queue result: 3, 1 s, 60 s; 429 502 503 504 */
  FAL_RETRY_STATUS,    /* queue status: 5, 1 s, 30 s; 429 500 502 503 504 */
  FAL_RETRY_RUN,       /* sync run: 3, 0.5 s, 15 s; as submit (a run enqueues work too) */
  FAL_RETRY_NONE,      /* never: the caller tries again by itself (a FalRequest's polls and result) */
} FalRetryKind;

typedef struct {
  guint max_retries;
  guint base_delay_ms;
  guint max_delay_ms;
} FalRetryPolicy;

const FalRetryPolicy *fal_retry_policy_get (FalRetryKind kind);

/* Whether a failed attempt may be retried. status 0 = no HTTP answer (a
 * transport error); transport_error says which (a cancellation or a user
 * start timeout is never retried). attempt counts from 0. */
gboolean fal_retry_should_retry (FalRetryKind        kind,
                                 guint               attempt,
                                 guint               status,
                                 SoupMessageHeaders *headers,
                                 const GError       *transport_error);

/* The delay before retry number attempt (0-based): min(base × 2^attempt,
 * max) ± 25 % jitter (random_fraction in [0,1) drives the jitter, so tests
 * can fix it), or the answer's Retry-After (seconds or HTTP-date, relative
 * to now_unix) when present. Returns FALSE when Retry-After asks for more
 * than the policy's maximum delay; *retry_after_seconds then holds it. */
gboolean fal_retry_delay (FalRetryKind        kind,
                          guint               attempt,
                          SoupMessageHeaders *headers,
                          gint64              now_unix,
                          double              random_fraction,
                          guint              *delay_ms,
                          gint64             *retry_after_seconds);

/* Parses a Retry-After value: seconds, or an HTTP-date; -1 if invalid. */
gint64   fal_retry_parse_retry_after (const char *value,
                                      gint64      now_unix);

G_END_DECLS
