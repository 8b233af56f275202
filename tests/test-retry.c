/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-error.h"
#include "fal-retry.h"

/* 2026-01-01 00:00:00 UTC. */
#define NOW_UNIX G_GINT64_CONSTANT (1767225600)

static const FalRetryKind all_kinds[] = {
  FAL_RETRY_DEFAULT, FAL_RETRY_SUBMIT, FAL_RETRY_RESULT, FAL_RETRY_STATUS, FAL_RETRY_RUN,
};

static SoupMessageHeaders *
headers_new (const char *name,
             ...)
{
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  va_list args;

  va_start (args, name);
  for (; name != NULL; name = va_arg (args, const char *))
    soup_message_headers_append (headers, name, va_arg (args, const char *));
  va_end (args);
  return headers;
}

static void
test_policies (void)
{
  const struct {
    FalRetryKind kind;
    guint max_retries, base, max;
  } expected[] = {
    { FAL_RETRY_DEFAULT, 3, 1000, 30000 },
    { FAL_RETRY_SUBMIT,  3, 1000, 60000 },
    { FAL_RETRY_RESULT,  3, 1000, 60000 },
    { FAL_RETRY_STATUS,  5, 1000, 30000 },
    { FAL_RETRY_RUN,     3,  500, 15000 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const FalRetryPolicy *policy = fal_retry_policy_get (expected[i].kind);

      g_assert_nonnull (policy);
      g_assert_cmpuint (policy->max_retries, ==, expected[i].max_retries);
      g_assert_cmpuint (policy->base_delay_ms, ==, expected[i].base);
      g_assert_cmpuint (policy->max_delay_ms, ==, expected[i].max);
    }
}

static gboolean
in_list (guint        status,
         const guint *list)
{
  for (; *list != 0; list++)
    if (*list == status)
      return TRUE;
  return FALSE;
}

static void
test_status_table (void)
{
  static const guint statuses[] = {
    200, 301, 400, 401, 403, 404, 405, 408, 409, 422, 429, 499,
    500, 501, 502, 503, 504, 505, 520,
  };
  static const guint default_codes[] = { 429, 502, 503, 504, 0 };
  static const guint status_codes[] = { 429, 500, 502, 503, 504, 0 };
  g_autoptr(SoupMessageHeaders) empty = headers_new (NULL);

  for (guint k = 0; k < G_N_ELEMENTS (all_kinds); k++)
    {
      FalRetryKind kind = all_kinds[k];
      const guint *retried = kind == FAL_RETRY_STATUS ? status_codes : default_codes;

      for (guint i = 0; i < G_N_ELEMENTS (statuses); i++)
        {
          gboolean expected = in_list (statuses[i], retried);

          if (fal_retry_should_retry (kind, 0, statuses[i], empty, NULL) != expected)
            g_test_message ("kind %d status %u", kind, statuses[i]);
          g_assert_cmpint (fal_retry_should_retry (kind, 0, statuses[i], empty, NULL), ==, expected);
          /* NULL headers behave like no headers. */
          g_assert_cmpint (fal_retry_should_retry (kind, 0, statuses[i], NULL, NULL), ==, expected);
        }
    }
}

static void
test_attempts (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (all_kinds); k++)
    {
      const FalRetryPolicy *policy = fal_retry_policy_get (all_kinds[k]);

      for (guint attempt = 0; attempt < policy->max_retries; attempt++)
        g_assert_true (fal_retry_should_retry (all_kinds[k], attempt, 429, NULL, NULL));
      g_assert_false (fal_retry_should_retry (all_kinds[k], policy->max_retries, 429, NULL, NULL));
      g_assert_false (fal_retry_should_retry (all_kinds[k], G_MAXUINT, 429, NULL, NULL));
    }
}

static void
test_submit_request_id (void)
{
  g_autoptr(SoupMessageHeaders) with_id = headers_new ("x-fal-request-id", "80e732af-660e-45cd-bd63-580e4f2a94cc", NULL);
  g_autoptr(SoupMessageHeaders) without_id = headers_new ("Content-Type", "text/html", NULL);
  static const guint gateway[] = { 502, 503, 504 };

  for (guint i = 0; i < G_N_ELEMENTS (gateway); i++)
    {
      /* fal answered: the job may be queued, so submit/run must not repeat. */
      g_assert_false (fal_retry_should_retry (FAL_RETRY_SUBMIT, 0, gateway[i], with_id, NULL));
      g_assert_false (fal_retry_should_retry (FAL_RETRY_RUN, 0, gateway[i], with_id, NULL));
      /* The gateway answered: fal never saw it. */
      g_assert_true (fal_retry_should_retry (FAL_RETRY_SUBMIT, 0, gateway[i], without_id, NULL));
      g_assert_true (fal_retry_should_retry (FAL_RETRY_RUN, 0, gateway[i], without_id, NULL));
      /* Reads are safe to repeat either way. */
      g_assert_true (fal_retry_should_retry (FAL_RETRY_RESULT, 0, gateway[i], with_id, NULL));
      g_assert_true (fal_retry_should_retry (FAL_RETRY_STATUS, 0, gateway[i], with_id, NULL));
      g_assert_true (fal_retry_should_retry (FAL_RETRY_DEFAULT, 0, gateway[i], with_id, NULL));
    }

  /* 429 means "not accepted": always safe. */
  g_assert_true (fal_retry_should_retry (FAL_RETRY_SUBMIT, 0, 429, with_id, NULL));
  g_assert_true (fal_retry_should_retry (FAL_RETRY_RUN, 0, 429, with_id, NULL));
  g_assert_true (fal_retry_should_retry (FAL_RETRY_SUBMIT, 0, 429, without_id, NULL));
  /* 500 is never retried for submit, with or without an id. */
  g_assert_false (fal_retry_should_retry (FAL_RETRY_SUBMIT, 0, 500, without_id, NULL));
}

static void
test_user_timeout (void)
{
  g_autoptr(SoupMessageHeaders) user = headers_new ("X-Fal-Request-Timeout-Type", "user", NULL);
  g_autoptr(SoupMessageHeaders) other = headers_new ("X-Fal-Request-Timeout-Type", "runner", NULL);

  for (guint k = 0; k < G_N_ELEMENTS (all_kinds); k++)
    g_assert_false (fal_retry_should_retry (all_kinds[k], 0, 504, user, NULL));

  g_assert_true (fal_retry_should_retry (FAL_RETRY_DEFAULT, 0, 504, other, NULL));
  g_assert_true (fal_retry_should_retry (FAL_RETRY_STATUS, 0, 504, other, NULL));
  /* The header only matters on a 504. */
  g_assert_true (fal_retry_should_retry (FAL_RETRY_DEFAULT, 0, 503, user, NULL));
}

static void
test_cancelled (void)
{
  g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
  g_autoptr(GError) fal_cancelled = g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, "Cancelled");

  for (guint k = 0; k < G_N_ELEMENTS (all_kinds); k++)
    {
      g_assert_false (fal_retry_should_retry (all_kinds[k], 0, 0, NULL, cancelled));
      g_assert_false (fal_retry_should_retry (all_kinds[k], 0, 0, NULL, fal_cancelled));
      /* Cancelled while reading a retryable answer: still stop. */
      g_assert_false (fal_retry_should_retry (all_kinds[k], 0, 503, NULL, cancelled));
      g_assert_false (fal_retry_should_retry (all_kinds[k], 0, 429, NULL, cancelled));
    }
}

static void
test_transport (void)
{
  const struct {
    GQuark domain;
    int code;
    gboolean enqueuing;   /* SUBMIT, RUN */
    gboolean reading;     /* DEFAULT, RESULT, STATUS */
  } cases[] = {
    { G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, TRUE, TRUE },
    { G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND, TRUE, TRUE },
    { G_IO_ERROR, G_IO_ERROR_HOST_UNREACHABLE, TRUE, TRUE },
    { G_IO_ERROR, G_IO_ERROR_NETWORK_UNREACHABLE, TRUE, TRUE },
    { G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, TRUE, TRUE },
    { G_RESOLVER_ERROR, G_RESOLVER_ERROR_TEMPORARY_FAILURE, TRUE, TRUE },
    /* After sending: the job may exist. */
    { G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, FALSE, TRUE },
    { G_IO_ERROR, G_IO_ERROR_TIMED_OUT, FALSE, TRUE },
    { G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, FALSE, TRUE },
    { G_IO_ERROR, G_IO_ERROR_FAILED, FALSE, TRUE },
    { G_TLS_ERROR, G_TLS_ERROR_EOF, FALSE, TRUE },
    { SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING, FALSE, TRUE },
    /* Will fail the same way again. */
    { G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, FALSE, FALSE },
    { G_TLS_ERROR, G_TLS_ERROR_NOT_TLS, FALSE, FALSE },
    { SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS, FALSE, FALSE },
    { SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_BAD_URI, FALSE, FALSE },
    { G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, FALSE, FALSE },
    { G_IO_ERROR, G_IO_ERROR_PROXY_NEED_AUTH, FALSE, FALSE },
    { JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_DATA, FALSE, FALSE },
    /* Already mapped errors. */
    { FAL_ERROR, FAL_ERROR_NETWORK, FALSE, TRUE },
    { FAL_ERROR, FAL_ERROR_TIMEOUT, FALSE, TRUE },
    { FAL_ERROR, FAL_ERROR_PROTOCOL, FALSE, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (cases[i].domain, cases[i].code, "x");

      g_test_message ("%s %d", g_quark_to_string (cases[i].domain), cases[i].code);
      g_assert_cmpint (fal_retry_should_retry (FAL_RETRY_SUBMIT, 0, 0, NULL, error), ==, cases[i].enqueuing);
      g_assert_cmpint (fal_retry_should_retry (FAL_RETRY_RUN, 0, 0, NULL, error), ==, cases[i].enqueuing);
      g_assert_cmpint (fal_retry_should_retry (FAL_RETRY_DEFAULT, 0, 0, NULL, error), ==, cases[i].reading);
      g_assert_cmpint (fal_retry_should_retry (FAL_RETRY_RESULT, 0, 0, NULL, error), ==, cases[i].reading);
      g_assert_cmpint (fal_retry_should_retry (FAL_RETRY_STATUS, 0, 0, NULL, error), ==, cases[i].reading);
      /* Never past the last attempt. */
      g_assert_false (fal_retry_should_retry (FAL_RETRY_STATUS, 5, 0, NULL, error));
    }

  /* No details: a network failure at an unknown point. */
  g_assert_false (fal_retry_should_retry (FAL_RETRY_SUBMIT, 0, 0, NULL, NULL));
  g_assert_false (fal_retry_should_retry (FAL_RETRY_RUN, 0, 0, NULL, NULL));
  g_assert_true (fal_retry_should_retry (FAL_RETRY_RESULT, 0, 0, NULL, NULL));

  /* A mapped user start timeout is not retried. */
  {
    g_autoptr(SoupMessageHeaders) user = headers_new ("X-Fal-Request-Timeout-Type", "user", NULL);
    g_autoptr(GError) mapped = fal_error_new_from_response (504, user, NULL);

    g_assert_true (fal_error_is_user_timeout (mapped));
    g_assert_false (fal_retry_should_retry (FAL_RETRY_STATUS, 0, 0, NULL, mapped));
  }
}

static void
test_backoff (void)
{
  const struct {
    FalRetryKind kind;
    guint low[7];    /* random fraction 0 */
    guint high[7];   /* random fraction 0.999 */
  } cases[] = {
    { FAL_RETRY_DEFAULT,
      { 750, 1500, 3000, 6000, 12000, 22500, 22500 },
      { 1249, 2499, 4998, 9996, 19992, 37485, 37485 } },
    { FAL_RETRY_STATUS,
      { 750, 1500, 3000, 6000, 12000, 22500, 22500 },
      { 1249, 2499, 4998, 9996, 19992, 37485, 37485 } },
    { FAL_RETRY_SUBMIT,
      { 750, 1500, 3000, 6000, 12000, 24000, 45000 },
      { 1249, 2499, 4998, 9996, 19992, 39984, 74970 } },
    { FAL_RETRY_RESULT,
      { 750, 1500, 3000, 6000, 12000, 24000, 45000 },
      { 1249, 2499, 4998, 9996, 19992, 39984, 74970 } },
    { FAL_RETRY_RUN,
      { 375, 750, 1500, 3000, 6000, 11250, 11250 },
      { 624, 1249, 2499, 4998, 9996, 18742, 18742 } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint attempt = 0; attempt < 7; attempt++)
      {
        guint delay = 0;
        gint64 seconds = 0;

        g_assert_true (fal_retry_delay (cases[i].kind, attempt, NULL, NOW_UNIX, 0.0, &delay, &seconds));
        g_assert_cmpuint (delay, ==, cases[i].low[attempt]);
        g_assert_cmpint (seconds, ==, -1);
        g_assert_true (fal_retry_delay (cases[i].kind, attempt, NULL, NOW_UNIX, 0.999, &delay, &seconds));
        g_assert_cmpuint (delay, ==, cases[i].high[attempt]);
      }

  /* Large attempts stay at the cap instead of overflowing. */
  {
    guint delay = 0;

    g_assert_true (fal_retry_delay (FAL_RETRY_DEFAULT, 64, NULL, NOW_UNIX, 0.0, &delay, NULL));
    g_assert_cmpuint (delay, ==, 22500);
    g_assert_true (fal_retry_delay (FAL_RETRY_DEFAULT, G_MAXUINT, NULL, NOW_UNIX, 0.0, &delay, NULL));
    g_assert_cmpuint (delay, ==, 22500);
    /* 0.5 is no jitter at all; out-of-range fractions are clamped. */
    g_assert_true (fal_retry_delay (FAL_RETRY_DEFAULT, 2, NULL, NOW_UNIX, 0.5, &delay, NULL));
    g_assert_cmpuint (delay, ==, 4000);
    g_assert_true (fal_retry_delay (FAL_RETRY_DEFAULT, 0, NULL, NOW_UNIX, -3.0, &delay, NULL));
    g_assert_cmpuint (delay, ==, 750);
    g_assert_true (fal_retry_delay (FAL_RETRY_DEFAULT, 0, NULL, NOW_UNIX, 7.0, &delay, NULL));
    g_assert_cmpuint (delay, ==, 1249);
    /* Output pointers are optional. */
    g_assert_true (fal_retry_delay (FAL_RETRY_DEFAULT, 0, NULL, NOW_UNIX, 0.0, NULL, NULL));
  }
}

static void
test_retry_after (void)
{
  const struct {
    FalRetryKind kind;
    const char *value;
    gboolean ok;
    guint delay;
    gint64 seconds;
  } cases[] = {
    { FAL_RETRY_DEFAULT, "5", TRUE, 5000, 5 },
    { FAL_RETRY_DEFAULT, "0", TRUE, 0, 0 },
    { FAL_RETRY_DEFAULT, "30", TRUE, 30000, 30 },        /* exactly the cap */
    { FAL_RETRY_DEFAULT, "31", FALSE, 30000, 31 },       /* over it */
    { FAL_RETRY_SUBMIT, "31", TRUE, 31000, 31 },         /* submit's cap is 60 s */
    { FAL_RETRY_SUBMIT, "3600", FALSE, 60000, 3600 },
    { FAL_RETRY_RUN, "16", FALSE, 15000, 16 },
    { FAL_RETRY_DEFAULT, "99999999999999999999999", FALSE, 30000, G_MAXINT64 },
    { FAL_RETRY_DEFAULT, "Thu, 01 Jan 2026 00:00:10 GMT", TRUE, 10000, 10 },
    { FAL_RETRY_DEFAULT, "Thu, 01 Jan 2026 00:01:00 GMT", FALSE, 30000, 60 },
    { FAL_RETRY_SUBMIT, "Thu, 01 Jan 2026 00:01:00 GMT", TRUE, 60000, 60 },
    { FAL_RETRY_DEFAULT, "Wed, 31 Dec 2025 23:00:00 GMT", TRUE, 0, 0 },   /* past */
    /* Not understood: the ordinary backoff applies. */
    { FAL_RETRY_DEFAULT, "soon", TRUE, 750, -1 },
    { FAL_RETRY_DEFAULT, "-5", TRUE, 750, -1 },
    { FAL_RETRY_DEFAULT, "1.5", TRUE, 750, -1 },
    { FAL_RETRY_DEFAULT, "", TRUE, 750, -1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SoupMessageHeaders) headers = headers_new ("Retry-After", cases[i].value, NULL);
      guint delay = 1;
      gint64 seconds = 1;

      g_test_message ("Retry-After: %s", cases[i].value);
      g_assert_cmpint (fal_retry_delay (cases[i].kind, 0, headers, NOW_UNIX, 0.0, &delay, &seconds), ==, cases[i].ok);
      g_assert_cmpuint (delay, ==, cases[i].delay);
      g_assert_cmpint (seconds, ==, cases[i].seconds);
    }
}

static void
test_parse_retry_after (void)
{
  const struct {
    const char *value;
    gint64 seconds;
  } cases[] = {
    { "120", 120 },
    { " 7 ", 7 },
    { "007", 7 },
    { "0", 0 },
    { "18446744073709551616", G_MAXINT64 },
    { "-1", -1 },
    { "+3", -1 },
    { "1.5", -1 },
    { "1e3", -1 },
    { "", -1 },
    { "   ", -1 },
    { "garbage", -1 },
    { "2026-01-01T00:00:10Z", -1 },
    /* The three HTTP-date forms (RFC 9110 §5.6.7). */
    { "Thu, 01 Jan 2026 00:00:10 GMT", 10 },
    { "Thursday, 01-Jan-26 00:00:10 GMT", 10 },
    { "Thu Jan  1 00:00:10 2026", 10 },
    { "Thu, 01 Jan 2026 01:00:00 GMT", 3600 },
    { "Wed, 21 Oct 2015 07:28:00 GMT", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("value \"%s\"", cases[i].value);
      g_assert_cmpint (fal_retry_parse_retry_after (cases[i].value, NOW_UNIX), ==, cases[i].seconds);
    }
  g_assert_cmpint (fal_retry_parse_retry_after (NULL, NOW_UNIX), ==, -1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/retry/policies", test_policies);
  g_test_add_func ("/fal/retry/status-table", test_status_table);
  g_test_add_func ("/fal/retry/attempts", test_attempts);
  g_test_add_func ("/fal/retry/submit-request-id", test_submit_request_id);
  g_test_add_func ("/fal/retry/user-timeout", test_user_timeout);
  g_test_add_func ("/fal/retry/cancelled", test_cancelled);
  g_test_add_func ("/fal/retry/transport", test_transport);
  g_test_add_func ("/fal/retry/backoff", test_backoff);
  g_test_add_func ("/fal/retry/retry-after", test_retry_after);
  g_test_add_func ("/fal/retry/parse-retry-after", test_parse_retry_after);

  return g_test_run ();
}
