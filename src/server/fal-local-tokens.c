/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "fal-local-base64url.h"
#include "fal-local-tokens.h"

typedef struct {
  GStrv allowed_apps;      /* NULL: a CDN token */
  gint64 expires;          /* monotonic µs */
} Token;

struct _FalLocalTokens
{
  GObject parent_instance;

  double speed;
  GHashTable *tokens;      /* token → Token */
};

G_DEFINE_FINAL_TYPE (FalLocalTokens, fal_local_tokens, G_TYPE_OBJECT)

static void
token_free (gpointer data)
{
  Token *token = data;

  g_strfreev (token->allowed_apps);
  g_free (token);
}

static char *
base64url_json (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  gsize length = 0;
  g_autofree char *text = NULL;

  json_node_set_object (node, object);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &length);
  return fal_local_base64url_encode ((const guchar *) text, length);
}

/* The owner/alias part of an app or endpoint id ("workflows" and "comfy"
 * are namespaces with one segment more, as in fal's clients). */
static char *
app_part (const char *id)
{
  g_auto(GStrv) parts = g_strsplit (id, "/", -1);
  guint n = g_strv_length (parts);
  guint keep = (n > 0 && (g_str_equal (parts[0], "workflows") || g_str_equal (parts[0], "comfy"))) ? 3 : 2;

  if (n <= keep)
    return g_strdup (id);
  g_free (parts[keep]);
  parts[keep] = NULL;
  return g_strjoinv ("/", parts);
}

/* Long-expired tokens are forgotten (then they answer "invalid", not
 * "expired"), so a server that issues many does not grow for ever. */
static void
prune (FalLocalTokens *self)
{
  gint64 limit = g_get_monotonic_time () - (gint64) (600 * (double) G_USEC_PER_SEC / self->speed);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->tokens);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (((Token *) value)->expires < limit)
      g_hash_table_iter_remove (&iter);
}

static void
fal_local_tokens_finalize (GObject *object)
{
  FalLocalTokens *self = (FalLocalTokens *)object;

  g_hash_table_unref (self->tokens);

  G_OBJECT_CLASS (fal_local_tokens_parent_class)->finalize (object);
}

static void
fal_local_tokens_class_init (FalLocalTokensClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_local_tokens_finalize;
}

static void
fal_local_tokens_init (FalLocalTokens *self)
{
  self->speed = 1.0;
  self->tokens = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, token_free);
}

FalLocalTokens *
fal_local_tokens_new (double speed)
{
  FalLocalTokens *self = g_object_new (FAL_LOCAL_TYPE_TOKENS, NULL);

  self->speed = speed > 0 ? speed : 1.0;
  return self;
}

gboolean
fal_local_token_app_matches (const char *allowed,
                             const char *app_id)
{
  g_autofree char *allowed_app = NULL;
  const char *alias;

  g_return_val_if_fail (allowed != NULL && app_id != NULL, FALSE);

  /* A bare alias ("flux") names the app of that alias. */
  if (strchr (allowed, '/') == NULL)
    {
      alias = strrchr (app_id, '/');
      return g_str_equal (alias ? alias + 1 : app_id, allowed);
    }
  allowed_app = app_part (allowed);
  return g_str_equal (allowed_app, app_id);
}

char *
fal_local_tokens_issue (FalLocalTokens     *self,
                        const char * const *allowed_apps,
                        guint               expiration_s)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(JsonObject) claims = json_object_new ();
  JsonArray *apps = json_array_new ();
  g_autofree char *jti = g_uuid_string_random ();
  g_autofree char *header_text = NULL;
  g_autofree char *claims_text = NULL;
  g_autofree char *signature = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guchar random[32];
  Token *token;
  char *text;

  g_return_val_if_fail (FAL_LOCAL_IS_TOKENS (self), NULL);
  g_return_val_if_fail (allowed_apps != NULL, NULL);

  prune (self);
  for (guint i = 0; allowed_apps[i]; i++)
    json_array_add_string_element (apps, allowed_apps[i]);
  /* Shaped like fal's JWTs, so that clients that peek at "exp" work; the
   * server only ever looks the whole string up. */
  json_object_set_string_member (header, "alg", "none");
  json_object_set_string_member (header, "typ", "JWT");
  json_object_set_string_member (claims, "iss", "falstaff-local");
  json_object_set_string_member (claims, "jti", jti);
  json_object_set_array_member (claims, "allowed_apps", apps);
  json_object_set_int_member (claims, "iat", now);
  json_object_set_int_member (claims, "exp", now + (gint64) (expiration_s / self->speed));
  for (guint i = 0; i < sizeof random; i++)
    random[i] = (guchar) g_random_int_range (0, 256);

  header_text = base64url_json (header);
  claims_text = base64url_json (claims);
  signature = fal_local_base64url_encode (random, sizeof random);
  text = g_strdup_printf ("%s.%s.%s", header_text, claims_text, signature);

  token = g_new0 (Token, 1);
  token->allowed_apps = g_strdupv ((char **) allowed_apps);
  token->expires = g_get_monotonic_time () + (gint64) (expiration_s * (double) G_USEC_PER_SEC / self->speed);
  g_hash_table_replace (self->tokens, g_strdup (text), token);
  return text;
}

FalLocalTokenCheck
fal_local_tokens_check (FalLocalTokens *self,
                        const char     *text,
                        const char     *app_id)
{
  Token *token;

  g_return_val_if_fail (FAL_LOCAL_IS_TOKENS (self), FAL_LOCAL_TOKEN_UNKNOWN);
  g_return_val_if_fail (app_id != NULL, FAL_LOCAL_TOKEN_UNKNOWN);

  token = text ? g_hash_table_lookup (self->tokens, text) : NULL;
  if (token == NULL || token->allowed_apps == NULL)
    return FAL_LOCAL_TOKEN_UNKNOWN;
  if (g_get_monotonic_time () >= token->expires)
    {
      /* Expired tokens stay known, so the answer can say "expired". */
      return FAL_LOCAL_TOKEN_EXPIRED;
    }
  for (guint i = 0; token->allowed_apps[i]; i++)
    if (fal_local_token_app_matches (token->allowed_apps[i], app_id))
      return FAL_LOCAL_TOKEN_VALID;
  return FAL_LOCAL_TOKEN_WRONG_APP;
}

char *
fal_local_tokens_issue_cdn (FalLocalTokens *self,
                            gint64          lifetime_us)
{
  Token *token = g_new0 (Token, 1);
  char *text;

  g_return_val_if_fail (FAL_LOCAL_IS_TOKENS (self), NULL);

  prune (self);
  /* 32 hex digits twice, no dots or colons: never mistaken for a key or a
   * JWT. */
  text = g_strdup_printf ("%08x%08x%08x%08x%08x%08x%08x%08x",
                          g_random_int (), g_random_int (), g_random_int (), g_random_int (),
                          g_random_int (), g_random_int (), g_random_int (), g_random_int ());
  token->expires = g_get_monotonic_time () + MAX (1, lifetime_us);
  g_hash_table_replace (self->tokens, g_strdup (text), token);
  return text;
}

FalLocalTokenCheck
fal_local_tokens_check_cdn (FalLocalTokens *self,
                            const char     *text)
{
  Token *token;

  g_return_val_if_fail (FAL_LOCAL_IS_TOKENS (self), FAL_LOCAL_TOKEN_UNKNOWN);

  token = text ? g_hash_table_lookup (self->tokens, text) : NULL;
  if (token == NULL || token->allowed_apps != NULL)
    return FAL_LOCAL_TOKEN_UNKNOWN;
  return g_get_monotonic_time () >= token->expires ? FAL_LOCAL_TOKEN_EXPIRED : FAL_LOCAL_TOKEN_VALID;
}
