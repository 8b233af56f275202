/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>

#include "fal-local-base64url.h"
#include "fal-local-webhook-signer.h"

#define ED25519_KEY_SIZE 32

struct _FalLocalWebhookSigner
{
  GObject parent_instance;

  gnutls_privkey_t key;
  char *public_key;        /* base64url x */
  char *key_id;
};

G_DEFINE_FINAL_TYPE (FalLocalWebhookSigner, fal_local_webhook_signer, G_TYPE_OBJECT)

static gboolean
set_gnutls_error (GError     **error,
                  const char  *what,
                  int          code)
{
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", what, gnutls_strerror (code));
  return FALSE;
}

/* RFC 7638: SHA-256 over the required members, sorted, no spaces. */
static char *
thumbprint (const char *x)
{
  g_autofree char *canonical = g_strdup_printf ("{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"%s\"}", x);
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize length = sizeof digest;

  g_checksum_update (checksum, (const guchar *) canonical, -1);
  g_checksum_get_digest (checksum, digest, &length);
  return fal_local_base64url_encode (digest, length);
}

static gboolean
generate (FalLocalWebhookSigner  *self,
          GError                **error)
{
  gnutls_pubkey_t pubkey = NULL;
  gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
  gnutls_datum_t x = { NULL, 0 };
  gnutls_datum_t y = { NULL, 0 };
  gboolean ok = FALSE;
  int ret;

  if ((ret = gnutls_privkey_init (&self->key)) < 0)
    return set_gnutls_error (error, "Could not make a webhook signing key", ret);
  ret = gnutls_privkey_generate2 (self->key, GNUTLS_PK_EDDSA_ED25519,
                                  GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_ED25519), 0, NULL, 0);
  if (ret < 0)
    return set_gnutls_error (error, "Could not make a webhook signing key", ret);

  if ((ret = gnutls_pubkey_init (&pubkey)) < 0 ||
      (ret = gnutls_pubkey_import_privkey (pubkey, self->key, 0, 0)) < 0 ||
      (ret = gnutls_pubkey_export_ecc_raw2 (pubkey, &curve, &x, &y, 0)) < 0)
    set_gnutls_error (error, "Could not read the webhook public key", ret);
  else if (curve != GNUTLS_ECC_CURVE_ED25519 || x.size != ED25519_KEY_SIZE)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The webhook public key is not a raw Ed25519 key");
  else
    {
      self->public_key = fal_local_base64url_encode (x.data, x.size);
      self->key_id = thumbprint (self->public_key);
      ok = TRUE;
    }

  gnutls_free (x.data);
  gnutls_free (y.data);
  g_clear_pointer (&pubkey, gnutls_pubkey_deinit);
  return ok;
}

static void
fal_local_webhook_signer_finalize (GObject *object)
{
  FalLocalWebhookSigner *self = (FalLocalWebhookSigner *)object;

  g_clear_pointer (&self->key, gnutls_privkey_deinit);
  g_free (self->public_key);
  g_free (self->key_id);

  G_OBJECT_CLASS (fal_local_webhook_signer_parent_class)->finalize (object);
}

static void
fal_local_webhook_signer_class_init (FalLocalWebhookSignerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_local_webhook_signer_finalize;
}

static void
fal_local_webhook_signer_init (FalLocalWebhookSigner *self)
{
}

FalLocalWebhookSigner *
fal_local_webhook_signer_new (GError **error)
{
  g_autoptr(FalLocalWebhookSigner) self = g_object_new (FAL_LOCAL_TYPE_WEBHOOK_SIGNER, NULL);

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!generate (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

const char *
fal_local_webhook_signer_get_public_key (FalLocalWebhookSigner *self)
{
  g_return_val_if_fail (FAL_LOCAL_IS_WEBHOOK_SIGNER (self), NULL);

  return self->public_key;
}

const char *
fal_local_webhook_signer_get_key_id (FalLocalWebhookSigner *self)
{
  g_return_val_if_fail (FAL_LOCAL_IS_WEBHOOK_SIGNER (self), NULL);

  return self->key_id;
}

JsonNode *
fal_local_webhook_signer_dup_jwks (FalLocalWebhookSigner *self)
{
  JsonObject *jwks = json_object_new ();
  JsonArray *keys = json_array_new ();
  JsonObject *key = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  g_return_val_if_fail (FAL_LOCAL_IS_WEBHOOK_SIGNER (self), NULL);

  json_object_set_string_member (key, "kty", "OKP");
  json_object_set_string_member (key, "crv", "Ed25519");
  json_object_set_string_member (key, "x", self->public_key);
  json_object_set_string_member (key, "kid", self->key_id);
  json_object_set_string_member (key, "use", "sig");
  json_object_set_string_member (key, "alg", "EdDSA");
  json_array_add_object_element (keys, key);
  json_object_set_array_member (jwks, "keys", keys);
  json_node_take_object (node, jwks);
  return node;
}

char *
fal_local_webhook_signer_sign (FalLocalWebhookSigner  *self,
                               const char             *request_id,
                               const char             *user_id,
                               const char             *timestamp,
                               GBytes                 *body,
                               GError                **error)
{
  g_autofree char *body_hash = NULL;
  g_autofree char *message = NULL;
  gnutls_datum_t data;
  gnutls_datum_t signature = { NULL, 0 };
  GString *hex;
  int ret;

  g_return_val_if_fail (FAL_LOCAL_IS_WEBHOOK_SIGNER (self), NULL);
  g_return_val_if_fail (request_id != NULL && user_id != NULL && timestamp != NULL, NULL);
  g_return_val_if_fail (body != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The hash of the exact bytes sent: receivers hash the raw body. */
  body_hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body);
  message = g_strjoin ("\n", request_id, user_id, timestamp, body_hash, NULL);
  data.data = (unsigned char *) message;
  data.size = (unsigned int) strlen (message);
  ret = gnutls_privkey_sign_data2 (self->key, GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &signature);
  if (ret < 0)
    {
      set_gnutls_error (error, "Could not sign the webhook", ret);
      return NULL;
    }

  hex = g_string_sized_new (signature.size * 2);
  for (guint i = 0; i < signature.size; i++)
    g_string_append_printf (hex, "%02x", signature.data[i]);
  gnutls_free (signature.data);
  return g_string_free (hex, FALSE);
}
