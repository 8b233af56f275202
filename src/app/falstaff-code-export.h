/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>

#include "fal.h"

G_BEGIN_DECLS

/* The form's request as code a person can paste and run ("Copy as…"):
 *
 * - CURL: one POSIX shell command, a synchronous call to the run host
 *   that prints the output JSON; the body in single quotes.
 * - PYTHON: fal_client.subscribe() with its logs printed, the output
 *   printed as JSON; the input as a Python literal.
 * - JAVASCRIPT: an ES module with @fal-ai/client's fal.subscribe(), its
 *   logs printed, result.data printed as JSON.
 *
 * The key is never written: the text reads it from the FAL_KEY
 * environment variable ("$FAL_KEY" in the shell; both clients read it
 * themselves). Nothing here knows a key, nor asks a client for one.
 *
 * Hosts are those the studio uses: a NULL member is fal's own. cURL goes
 * to the run host; the JavaScript client has fal's hosts built in, so a
 * studio pointed elsewhere (the local server) gets a request middleware
 * that sends the calls there; fal_client cannot be pointed at a plain
 * http server, so the Python text only says where the studio points. */
typedef enum {
  FALSTAFF_CODE_CURL,
  FALSTAFF_CODE_PYTHON,
  FALSTAFF_CODE_JAVASCRIPT,
} FalstaffCodeLanguage;

typedef struct {
  const char *queue_url;
  const char *run_url;
  const char *rest_url;
} FalstaffCodeHosts;

/* "curl", "python", "javascript" (the window's action targets). */
gboolean  falstaff_code_language_from_name (const char            *name,
                                            FalstaffCodeLanguage  *language);

/* The program for endpoint_id with input (a JSON object). hosts may be
 * NULL: fal's. */
char     *falstaff_code_export             (FalstaffCodeLanguage      language,
                                            const char               *endpoint_id,
                                            const FalstaffCodeHosts  *hosts,
                                            JsonNode                 *input);
/* The same with the hosts client calls (its key stays where it is). */
char     *falstaff_code_export_for_client  (FalstaffCodeLanguage      language,
                                            FalClient                *client,
                                            const char               *endpoint_id,
                                            JsonNode                 *input);

/* The value as a literal of the language (JSON for CURL), indented by
 * level steps after its first line; for tests and the texts above. */
char     *falstaff_code_export_literal     (FalstaffCodeLanguage      language,
                                            JsonNode                 *value,
                                            guint                     level);
/* text in single quotes for a POSIX shell: each ' as '\''. */
char     *falstaff_code_export_shell_quote (const char               *text);

G_END_DECLS
