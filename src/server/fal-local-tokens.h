/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* fal's default token_expiration (the JS client asks for 120 s too). */
#define FAL_LOCAL_TOKEN_DEFAULT_EXPIRATION 120
/* The longest lifetime the local server grants, in seconds. */
#define FAL_LOCAL_TOKEN_MAX_EXPIRATION (24 * 3600)

typedef enum {
  FAL_LOCAL_TOKEN_VALID,
  FAL_LOCAL_TOKEN_UNKNOWN,
  FAL_LOCAL_TOKEN_EXPIRED,
  FAL_LOCAL_TOKEN_WRONG_APP,
} FalLocalTokenCheck;

/* The temporary tokens of POST /rest/tokens/: each a JWT-shaped string
 * good for some apps until it expires; and the CDN's bearer tokens of
 * POST /rest/storage/auth/token, good for uploads only. Expiry is on the monotonic clock,
 * divided by the server's speed like every other wait. Lives on the
 * server's thread (no locking). */
#define FAL_LOCAL_TYPE_TOKENS (fal_local_tokens_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalTokens, fal_local_tokens, FAL_LOCAL, TOKENS, GObject)

FalLocalTokens     *fal_local_tokens_new    (double              speed);
/* allowed_apps: app ids ("fal-ai/flux"), endpoint ids or aliases ("flux"). */
char               *fal_local_tokens_issue  (FalLocalTokens     *self,
                                             const char * const *allowed_apps,
                                             guint               expiration_s);
/* app_id: owner/alias (or namespace/owner/alias) of the route. */
FalLocalTokenCheck  fal_local_tokens_check  (FalLocalTokens     *self,
                                             const char         *token,
                                             const char         *app_id);
/* A CDN token (Python's storage/auth/token): lifetime_us from now, on
 * the caller's clock (already divided by speed). Never good on a route
 * fal_local_tokens_check guards, and app tokens are never CDN tokens. */
char               *fal_local_tokens_issue_cdn (FalLocalTokens *self,
                                                gint64          lifetime_us);
/* VALID, EXPIRED or UNKNOWN; never WRONG_APP. */
FalLocalTokenCheck  fal_local_tokens_check_cdn (FalLocalTokens *self,
                                                const char     *token);
/* Whether an allowed_apps entry names this app. */
gboolean            fal_local_token_app_matches (const char *allowed,
                                                 const char *app_id);

G_END_DECLS
