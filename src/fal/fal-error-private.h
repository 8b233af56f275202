/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal-error.h"

G_BEGIN_DECLS

/* The error a run ends with, from the error answer that brought its
 * outcome (a result fetch, a /run answer). status_error and
 * status_error_type come from a COMPLETED status that said the run
 * failed (NULL otherwise). A 5xx or 4xx that carries an error type, or
 * follows such a status, becomes a model failure (FAL_ERROR_APP,
 * fal_error_is_model_failure()); anything else is copied. */
GError *_fal_error_for_job        (const GError *answer,
                                   const char   *status_error,
                                   const char   *status_error_type);
/* A model failure made from its parts. */
GError *_fal_error_new_model_failure (const char *message,
                                      guint       http_status,
                                      const char *request_id,
                                      const char *error_type);
/* The error of a /stream error event {"error", "error_type", "detail"?}. */
GError *_fal_error_new_from_event (JsonObject   *event,
                                   const char   *request_id);

/* The word of an error answer shaped {"status": WORD} (the queue's
 * cancel says "ALREADY_COMPLETED" so), or NULL. */
const char *_fal_error_get_status_word (const GError *error);

G_END_DECLS
