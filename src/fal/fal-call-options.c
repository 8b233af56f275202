/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-call-options.h"
#include "fal-client-private.h"

/* A boxed FalCallOptions owns its strings (the same deep copy libfal
 * keeps of the options of a request), so the setters replace them. */
G_DEFINE_BOXED_TYPE (FalCallOptions, fal_call_options, fal_call_options_copy, fal_call_options_free)

/**
 * fal_call_options_new:
 *
 * Options with every member unset: normal priority, no hint, no start
 * timeout, no extra headers, no webhook.
 *
 * Returns: (transfer full): new options; free them with
 *   fal_call_options_free()
 */
FalCallOptions *
fal_call_options_new (void)
{
  return _fal_call_options_copy (NULL);
}

/**
 * fal_call_options_copy:
 * @options: options, owning their strings or borrowing them
 *
 * Returns: (transfer full): a deep copy of @options, owning its strings
 */
FalCallOptions *
fal_call_options_copy (const FalCallOptions *options)
{
  g_return_val_if_fail (options != NULL, NULL);

  return _fal_call_options_copy (options);
}

/**
 * fal_call_options_free:
 * @options: (nullable) (transfer full): options from
 *   fal_call_options_new() or fal_call_options_copy()
 *
 * Frees the options and their strings. Not for a struct of the caller's
 * own that borrows its strings.
 */
void
fal_call_options_free (FalCallOptions *options)
{
  _fal_call_options_free (options);
}

/**
 * fal_call_options_set_low_priority:
 * @options: options
 * @low_priority: whether to ask for `x-fal-queue-priority: low`
 */
void
fal_call_options_set_low_priority (FalCallOptions *options,
                                   gboolean        low_priority)
{
  g_return_if_fail (options != NULL);

  options->low_priority = !!low_priority;
}

/**
 * fal_call_options_set_runner_hint:
 * @options: options from fal_call_options_new() or fal_call_options_copy()
 * @runner_hint: (nullable): the `x-fal-runner-hint`, or %NULL for none
 */
void
fal_call_options_set_runner_hint (FalCallOptions *options,
                                  const char     *runner_hint)
{
  char *old;

  g_return_if_fail (options != NULL);

  old = (char *) options->runner_hint;
  options->runner_hint = g_strdup (runner_hint);
  g_free (old);
}

/**
 * fal_call_options_set_start_timeout:
 * @options: options
 * @seconds: how long fal may take to start the run (more than 1 s), or 0
 *   for no limit
 */
void
fal_call_options_set_start_timeout (FalCallOptions *options,
                                    double          seconds)
{
  g_return_if_fail (options != NULL);

  options->start_timeout = seconds;
}

/**
 * fal_call_options_set_headers:
 * @options: options from fal_call_options_new() or fal_call_options_copy()
 * @headers: (nullable) (array zero-terminated=1): name, value, name,
 *   value, …; %NULL for none. `Authorization` is never sent from here.
 */
void
fal_call_options_set_headers (FalCallOptions     *options,
                              const char * const *headers)
{
  char **old;

  g_return_if_fail (options != NULL);

  old = (char **) options->headers;
  options->headers = (const char * const *) g_strdupv ((char **) headers);
  g_strfreev (old);
}

/**
 * fal_call_options_set_webhook_url:
 * @options: options from fal_call_options_new() or fal_call_options_copy()
 * @webhook_url: (nullable): where fal posts the result of a queue submit,
 *   or %NULL
 */
void
fal_call_options_set_webhook_url (FalCallOptions *options,
                                  const char     *webhook_url)
{
  char *old;

  g_return_if_fail (options != NULL);

  old = (char *) options->webhook_url;
  options->webhook_url = g_strdup (webhook_url);
  g_free (old);
}
