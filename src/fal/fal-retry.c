/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <errno.h>

#include "fal-error.h"
#include "fal-retry.h"

/* The JS client's defaults (retry.ts, request.ts, queue.ts, client.ts). */
static const FalRetryPolicy policies[] = {
  [FAL_RETRY_DEFAULT] = { 3, 1000, 30000 },
  [FAL_RETRY_SUBMIT]  = { 3, 1000, 60000 },
  [FAL_RETRY_RESULT]  = { 3, 1000, 60000 },
  [FAL_RETRY_STATUS]  = { 5, 1000, 30000 },
  [FAL_RETRY_RUN]     = { 3,  500, 15000 },
  [FAL_RETRY_NONE]    = { 0,    0,     0 },
};

const FalRetryPolicy *
fal_retry_policy_get (FalRetryKind kind)
{
  g_return_val_if_fail (kind <= FAL_RETRY_NONE, &policies[FAL_RETRY_DEFAULT]);

  return &policies[kind];
}

static gboolean
is_user_timeout (guint               status,
                 SoupMessageHeaders *headers)
{
  const char *type;

  if (status != 504 || headers == NULL)
    return FALSE;
  type = soup_message_headers_get_one (headers, "X-Fal-Request-Timeout-Type");
  return type != NULL && g_ascii_strcasecmp (type, "user") == 0;
}

static gboolean
is_cancellation (const GError *error)
{
  return error != NULL &&
         (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED));
}

/* A failure before any byte of the request left: connecting or
 * resolving. Only these are safe to retry for calls that enqueue work. */
static gboolean
is_before_send (const GError *error)
{
  if (error->domain == G_RESOLVER_ERROR)
    return TRUE;
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE);
}

/* Transport errors that can go away on their own. Certificate problems,
 * bad redirects and local misuse will fail the same way again. */
static gboolean
is_transient_transport (const GError *error)
{
  if (error->domain == G_RESOLVER_ERROR)
    return TRUE;

  if (error->domain == G_IO_ERROR)
    {
      switch (error->code)
        {
        case G_IO_ERROR_CANCELLED:
        case G_IO_ERROR_INVALID_ARGUMENT:
        case G_IO_ERROR_NOT_SUPPORTED:
        case G_IO_ERROR_PROXY_AUTH_FAILED:
        case G_IO_ERROR_PROXY_NEED_AUTH:
        case G_IO_ERROR_PROXY_NOT_ALLOWED:
          return FALSE;
        default:
          return TRUE;
        }
    }

  /* An unclean TLS close is a dropped connection; the rest is about
   * certificates and handshakes. */
  if (error->domain == G_TLS_ERROR)
    return error->code == G_TLS_ERROR_EOF;

  /* A garbled or truncated answer; redirect and queue errors repeat. */
  if (error->domain == SOUP_SESSION_ERROR)
    return error->code == SOUP_SESSION_ERROR_PARSING ||
           error->code == SOUP_SESSION_ERROR_ENCODING;

  /* Already mapped by fal_error_new_from_transport(). */
  if (error->domain == FAL_ERROR)
    return error->code == FAL_ERROR_NETWORK ||
           (error->code == FAL_ERROR_TIMEOUT && !fal_error_is_user_timeout (error));

  return FALSE;
}

gboolean
fal_retry_should_retry (FalRetryKind        kind,
                        guint               attempt,
                        guint               status,
                        SoupMessageHeaders *headers,
                        const GError       *transport_error)
{
  const FalRetryPolicy *policy;
  gboolean enqueues;

  g_return_val_if_fail (kind <= FAL_RETRY_NONE, FALSE);

  policy = &policies[kind];
  if (attempt >= policy->max_retries)
    return FALSE;

  /* Whatever else happened, the user asked to stop. */
  if (is_cancellation (transport_error))
    return FALSE;

  /* Submit and run put work in the queue: a second copy costs money. */
  enqueues = kind == FAL_RETRY_SUBMIT || kind == FAL_RETRY_RUN;

  if (status == 0)
    {
      /* No HTTP answer. Without details assume a plain network failure,
       * which for an enqueuing call may have happened after sending. */
      if (transport_error == NULL)
        return !enqueues;
      if (enqueues)
        return is_before_send (transport_error);
      return is_transient_transport (transport_error);
    }

  /* The start deadline the user set has passed: asking again would
   * only restart the wait. */
  if (is_user_timeout (status, headers))
    return FALSE;

  switch (status)
    {
    case 429:
      return TRUE;
    case 500:
      return kind == FAL_RETRY_STATUS;
    case 502:
    case 503:
    case 504:
      /* With a request id the answer came from fal itself, which may
       * already have queued the job; without one it came from the
       * gateway in front and the request never got in. */
      if (enqueues)
        return headers == NULL ||
               soup_message_headers_get_one (headers, "x-fal-request-id") == NULL;
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
fal_retry_delay (FalRetryKind        kind,
                 guint               attempt,
                 SoupMessageHeaders *headers,
                 gint64              now_unix,
                 double              random_fraction,
                 guint              *delay_ms,
                 gint64             *retry_after_seconds)
{
  const FalRetryPolicy *policy;
  const char *value = NULL;
  gint64 retry_after = -1;
  guint64 exponential;
  guint64 ppm;

  g_return_val_if_fail (kind <= FAL_RETRY_NONE, FALSE);

  policy = &policies[kind];

  if (headers != NULL)
    value = soup_message_headers_get_one (headers, "Retry-After");
  if (value != NULL)
    retry_after = fal_retry_parse_retry_after (value, now_unix);

  if (retry_after_seconds != NULL)
    *retry_after_seconds = retry_after;

  if (retry_after >= 0)
    {
      /* Written so that a huge value cannot overflow the product. */
      if (retry_after > (gint64) (policy->max_delay_ms / 1000))
        {
          if (delay_ms != NULL)
            *delay_ms = policy->max_delay_ms;
          return FALSE;
        }
      if (delay_ms != NULL)
        *delay_ms = (guint) retry_after * 1000;
      return TRUE;
    }

  /* min (base × 2^attempt, max) without shifting past 64 bits. */
  exponential = policy->base_delay_ms;
  for (guint i = 0; i < attempt && exponential < policy->max_delay_ms; i++)
    exponential *= 2;
  exponential = MIN (exponential, policy->max_delay_ms);

  /* ±25 %: fraction 0 → ×0.75, fraction → 1 → ×1.25. In integer
   * parts per million so that the result is the same on every CPU (no
   * fused multiply-add or rounding differences for tests to trip on). */
  if (!(random_fraction >= 0.0))   /* also catches NaN */
    random_fraction = 0.0;
  ppm = random_fraction < 1.0 ? (guint64) (random_fraction * 1000000.0 + 0.5) : 999999;
  ppm = MIN (ppm, 999999);

  if (delay_ms != NULL)
    *delay_ms = (guint) (exponential * (1500000 + ppm) / 2000000);
  return TRUE;
}

static gboolean
is_all_digits (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

gint64
fal_retry_parse_retry_after (const char *value,
                             gint64      now_unix)
{
  g_autofree char *text = NULL;
  g_autoptr(GDateTime) date = NULL;
  gint64 seconds;

  if (value == NULL)
    return -1;

  text = g_strstrip (g_strdup (value));

  /* delay-seconds (RFC 9110 §10.2.3): digits only, no sign or fraction. */
  if (is_all_digits (text))
    {
      guint64 parsed;

      errno = 0;
      parsed = g_ascii_strtoull (text, NULL, 10);
      /* An absurd value still means "not soon": saturate, don't reject. */
      if (errno == ERANGE || parsed > G_MAXINT64)
        return G_MAXINT64;
      return (gint64) parsed;
    }

  date = soup_date_time_new_from_http_string (text);
  if (date == NULL)
    return -1;

  seconds = g_date_time_to_unix (date) - now_unix;
  /* A date in the past means "now". */
  return MAX (seconds, 0);
}
