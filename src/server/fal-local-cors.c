/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>

#include "fal-local-cors.h"
#include "fal-local-faults.h"

/* "*", not the request's Origin: pages authenticate with an
 * Authorization header, which fetch() sends whatever its credentials
 * mode, and the server keeps no cookies. A wildcard also lets a cached
 * answer (a schema, an immutable file) serve every origin, with no
 * Vary: Origin to split the cache. */
#define ALLOW_ORIGIN "*"
#define ALLOW_METHODS "GET, POST, PUT, DELETE, OPTIONS"
/* Chromium keeps a preflight at most 2 hours, Firefox 1 day. */
#define MAX_AGE "86400"

/* What fal's clients send. A header list cannot say "x-fal-*":
 * wildcards are only "*", which never covers Authorization. */
static const char * const allowed_headers[] = {
  "authorization",
  "content-type",
  "accept",
  "x-fal-queue-priority",
  "x-fal-runner-hint",
  "x-fal-request-timeout",
  "x-fal-object-lifecycle-preference",
  "x-fal-object-lifecycle",
  "x-fal-target-url",
  "x-fal-no-retry",
  "x-fal-store-io",
  "x-fal-file-name",
  FAL_LOCAL_FAULT_HEADER,
};

/* What a page may read besides the safelisted response headers. */
#define EXPOSE_HEADERS "x-fal-request-id, x-fal-error-type, x-fal-retryable, retry-after, " \
                       "etag, content-length, x-fal-billable-units, x-fal-request-timeout-type"

static gboolean
is_header_name (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("!#$%&'*+-.^_`|~", *p))
      return FALSE;
  return TRUE;
}

static void
add_name (GPtrArray  *names,
          const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (g_str_equal (g_ptr_array_index (names, i), name))
      return;
  g_ptr_array_add (names, g_strdup (name));
}

gboolean
fal_local_cors_applies_to (const char *path)
{
  g_return_val_if_fail (path != NULL, FALSE);

  return !g_str_has_prefix (path, "/__control/") && !g_str_equal (path, "/__control");
}

gboolean
fal_local_cors_is_preflight (const char         *method,
                             SoupMessageHeaders *request_headers)
{
  g_return_val_if_fail (method != NULL, FALSE);
  g_return_val_if_fail (request_headers != NULL, FALSE);

  return g_str_equal (method, "OPTIONS") &&
         soup_message_headers_get_one (request_headers, "Origin") != NULL &&
         soup_message_headers_get_one (request_headers, "Access-Control-Request-Method") != NULL;
}

void
fal_local_cors_add_headers (SoupMessageHeaders *request_headers,
                            SoupMessageHeaders *response_headers)
{
  g_return_if_fail (response_headers != NULL);

  /* The request matters only if the origin were echoed (see ALLOW_ORIGIN). */
  (void) request_headers;
  soup_message_headers_replace (response_headers, "Access-Control-Allow-Origin", ALLOW_ORIGIN);
  soup_message_headers_replace (response_headers, "Access-Control-Expose-Headers", EXPOSE_HEADERS);
}

void
fal_local_cors_answer_preflight (SoupServerMessage *msg)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  const char *requested = soup_message_headers_get_list (request_headers, "Access-Control-Request-Headers");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *allow_headers = NULL;

  g_return_if_fail (SOUP_IS_SERVER_MESSAGE (msg));

  for (guint i = 0; i < G_N_ELEMENTS (allowed_headers); i++)
    add_name (names, allowed_headers[i]);
  /* Whatever the page asks for, it may send: the server reads what it
   * knows and ignores the rest, as it does without a browser. */
  if (requested)
    {
      g_auto(GStrv) asked = g_strsplit (requested, ",", -1);

      for (guint i = 0; asked[i]; i++)
        {
          g_autofree char *name = g_ascii_strdown (g_strstrip (asked[i]), -1);

          if (is_header_name (name))
            add_name (names, name);
        }
    }
  g_ptr_array_add (names, NULL);
  allow_headers = g_strjoinv (", ", (char **) names->pdata);

  fal_local_cors_add_headers (request_headers, headers);
  soup_message_headers_replace (headers, "Access-Control-Allow-Methods", ALLOW_METHODS);
  soup_message_headers_replace (headers, "Access-Control-Allow-Headers", allow_headers);
  soup_message_headers_replace (headers, "Access-Control-Max-Age", MAX_AGE);
  /* Chromium's Private Network Access: a public page calling this
   * loopback server asks first. */
  if (g_strcmp0 (soup_message_headers_get_one (request_headers, "Access-Control-Request-Private-Network"), "true") == 0)
    soup_message_headers_replace (headers, "Access-Control-Allow-Private-Network", "true");
  soup_message_headers_append (headers, "Vary", "Access-Control-Request-Headers");
  soup_server_message_set_status (msg, 204, NULL);
}
