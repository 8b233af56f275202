/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * FalCallOptions:
 * @low_priority: sends `x-fal-queue-priority: low`
 * @runner_hint: (nullable): `x-fal-runner-hint`
 * @start_timeout: `x-fal-request-timeout` in seconds (more than 1); 0 for none
 * @headers: (nullable) (array zero-terminated=1): extra headers: name,
 *   value, name, value, …, then %NULL
 * @webhook_url: (nullable): `fal_webhook` of a queue submit (run and stream
 *   ignore it)
 *
 * Options of a submit, run or stream; all optional.
 *
 * C code usually fills one on the stack, borrowing its strings
 * (`FalCallOptions options = { .low_priority = TRUE };`): libfal copies
 * what it keeps. Bindings make one with fal_call_options_new(), which owns
 * its strings, and set them with the setters below.
 */
typedef struct {
  gboolean low_priority;
  const char *runner_hint;
  double start_timeout;
  const char * const *headers;
  const char *webhook_url;
} FalCallOptions;

#define FAL_TYPE_CALL_OPTIONS (fal_call_options_get_type ())
GType           fal_call_options_get_type        (void) G_GNUC_CONST;

FalCallOptions *fal_call_options_new             (void);
FalCallOptions *fal_call_options_copy            (const FalCallOptions *options);
void            fal_call_options_free            (FalCallOptions       *options);
void            fal_call_options_set_low_priority (FalCallOptions      *options,
                                                  gboolean              low_priority);
void            fal_call_options_set_runner_hint (FalCallOptions       *options,
                                                  const char           *runner_hint);
void            fal_call_options_set_start_timeout (FalCallOptions     *options,
                                                  double                seconds);
void            fal_call_options_set_headers     (FalCallOptions       *options,
                                                  const char * const   *headers);
void            fal_call_options_set_webhook_url (FalCallOptions       *options,
                                                  const char           *webhook_url);

G_END_DECLS
