/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What the server was asked, for tests that check where the key went:
 * every header but the Authorization value, which is only noted as
 * present or not; fal_jwt_token values in the query (and in a proxy's
 * x-fal-target-url) are redacted. */
#define FAL_LOCAL_TYPE_REQUEST_LOG (fal_local_request_log_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalRequestLog, fal_local_request_log, FAL_LOCAL, REQUEST_LOG, GObject)

FalLocalRequestLog *fal_local_request_log_new        (void);
guint64             fal_local_request_log_begin      (FalLocalRequestLog *self,
                                                      const char         *method,
                                                      const char         *path,
                                                      const char         *query,
                                                      const char         *route,
                                                      SoupMessageHeaders *headers);
void                fal_local_request_log_set_status (FalLocalRequestLog *self,
                                                      guint64             entry,
                                                      guint               status);
/* Sets (replaces) a member of an entry, e.g. "webhook". */
void                fal_local_request_log_set_member (FalLocalRequestLog *self,
                                                      guint64             entry,
                                                      const char         *name,
                                                      JsonNode           *value);
JsonNode           *fal_local_request_log_to_json    (FalLocalRequestLog *self);
void                fal_local_request_log_clear      (FalLocalRequestLog *self);

G_END_DECLS
