/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal.h"
#include "fal-form-model.h"
#include "falctl.h"

G_BEGIN_DECLS

/* The exit code for an error, as documented in docs/falctl.md. */
int        falctl_exit_code_for   (const GError *error);
/* Prints "falctl COMMAND: <one line>" on stderr. */
void       falctl_print_error     (const char   *command,
                                   const GError *error);
/* A client with the key from the environment or, failing that, the
 * Secret Service (iterating the default context while it asks). */
FalClient *falctl_client_new      (GError      **error);
/* --timeout for the commands that leave nothing running at fal (upload,
 * schema, models, price): once seconds (> 0) have passed, prints
 * "falctl COMMAND: Timed out: no answer within S s" and exits 5 at once.
 * An upload cut short leaves no usable file behind. */
void       falctl_give_up_after   (const char   *command,
                                   double        seconds);
#define FALCTL_TIMEOUT_OPTION(seconds) \
  { "timeout", 0, 0, G_OPTION_ARG_DOUBLE, (seconds), "Give up after SECONDS (exit 5)", "SECONDS" }
/* Runs the default main context until *done is TRUE. */
void       falctl_wait            (gboolean     *done);
/* JSON text with DEL and C1 controls escaped (json-glib leaves them). */
char      *falctl_json_escape_controls (const char *text);
void       falctl_print_json      (JsonNode     *node,
                                   gboolean      pretty);
/* The endpoint's form model, or NULL (with a note on stderr) when its
 * schema cannot be had. */
FalFormModel *falctl_schema_load_model (FalClient  *client,
                                        const char *endpoint_id);

G_END_DECLS
