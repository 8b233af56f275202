/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Signs outgoing webhooks the way fal does (spec §3.6): an Ed25519 key
 * pair made when the server starts and never stored, a hex signature over
 * request_id "\n" user_id "\n" timestamp "\n" hex(sha256(body)), and the
 * public key published as a JWKS (RFC 8037 OKP key). */
#define FAL_LOCAL_TYPE_WEBHOOK_SIGNER (fal_local_webhook_signer_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalWebhookSigner, fal_local_webhook_signer, FAL_LOCAL, WEBHOOK_SIGNER, GObject)

FalLocalWebhookSigner *fal_local_webhook_signer_new            (GError               **error);
/* The raw public key, base64url without padding (the JWK's "x"). */
const char            *fal_local_webhook_signer_get_public_key (FalLocalWebhookSigner *self);
/* The RFC 7638 thumbprint of the key (the JWK's "kid"). */
const char            *fal_local_webhook_signer_get_key_id     (FalLocalWebhookSigner *self);
/* {"keys": [{"kty": "OKP", "crv": "Ed25519", "x", "kid", "use", "alg"}]} */
JsonNode              *fal_local_webhook_signer_dup_jwks       (FalLocalWebhookSigner *self);
/* The X-Fal-Webhook-Signature value (lowercase hex), or NULL on error. */
char                  *fal_local_webhook_signer_sign           (FalLocalWebhookSigner *self,
                                                                const char            *request_id,
                                                                const char            *user_id,
                                                                const char            *timestamp,
                                                                GBytes                *body,
                                                                GError               **error);

G_END_DECLS
