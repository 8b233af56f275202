/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Outgoing webhooks of the local fal server, received by a real HTTP
 * server in this process on 127.0.0.1: fal's OK and ERROR bodies and
 * headers, signatures that verify against the server's JWKS (and fail
 * when anything signed is changed), retries with growing waits, redirects
 * as final, loopback only, and the two clients that set fal_webhook
 * (libfal, falctl run). */
#include "config.h"

#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/abstract.h>

#include "client-fixture.h"

#define SDXL "fal-ai/fast-sdxl"
#define SDXL_BODY "{\"prompt\": \"a lighthouse\", \"num_inference_steps\": 4, \"image_size\": \"square\", \"seed\": 7}"
#define JWKS_PATH "/rest/.well-known/jwks.json"

/* ------------------------------------------------------------------ receiver */

typedef struct {
  gint64 time;             /* monotonic µs */
  char *path;
  char *query;
  char *content_type;
  char *request_id;        /* X-Fal-Webhook-Request-Id */
  char *user_id;
  char *timestamp;
  char *signature;         /* X-Fal-Webhook-Signature */
  GBytes *raw_body;        /* exactly as received */
  JsonNode *body;
} Hit;

typedef struct {
  SoupServer *server;
  char *url;               /* http://127.0.0.1:PORT */
  GPtrArray *hits;
  guint fail_first;        /* answer fail_status to this many first */
  guint fail_status;
} Receiver;

static void
hit_free (gpointer data)
{
  Hit *hit = data;

  g_free (hit->path);
  g_free (hit->query);
  g_free (hit->content_type);
  g_free (hit->request_id);
  g_free (hit->user_id);
  g_free (hit->timestamp);
  g_free (hit->signature);
  g_clear_pointer (&hit->raw_body, g_bytes_unref);
  g_clear_pointer (&hit->body, json_node_unref);
  g_free (hit);
}

static void
receiver_handler (SoupServer        *server,
                  SoupServerMessage *msg,
                  const char        *path,
                  GHashTable        *query,
                  gpointer           data)
{
  Receiver *receiver = data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  Hit *hit = g_new0 (Hit, 1);

  hit->time = g_get_monotonic_time ();
  hit->path = g_strdup (path);
  hit->query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  hit->content_type = g_strdup (soup_message_headers_get_content_type (headers, NULL));
  hit->request_id = g_strdup (soup_message_headers_get_one (headers, "X-Fal-Webhook-Request-Id"));
  hit->user_id = g_strdup (soup_message_headers_get_one (headers, "X-Fal-Webhook-User-Id"));
  hit->timestamp = g_strdup (soup_message_headers_get_one (headers, "X-Fal-Webhook-Timestamp"));
  hit->signature = g_strdup (soup_message_headers_get_one (headers, "X-Fal-Webhook-Signature"));
  hit->raw_body = g_bytes_new (body->data, body->length);
  hit->body = fal_test_parse_json (body->data, body->length);
  g_assert_cmpstr (soup_server_message_get_method (msg), ==, "POST");
  g_ptr_array_add (receiver->hits, hit);

  if (receiver->hits->len <= receiver->fail_first)
    {
      soup_server_message_set_status (msg, receiver->fail_status, NULL);
      if (SOUP_STATUS_IS_REDIRECTION (receiver->fail_status))
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Location", "http://example.com/elsewhere");
    }
  else
    soup_server_message_set_status (msg, 200, NULL);
}

static Receiver *
receiver_new (void)
{
  Receiver *receiver = g_new0 (Receiver, 1);
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  receiver->hits = g_ptr_array_new_with_free_func (hit_free);
  receiver->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (receiver->server, NULL, receiver_handler, receiver, NULL);
  soup_server_listen_local (receiver->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (receiver->server);
  receiver->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  return receiver;
}

static void
receiver_free (Receiver *receiver)
{
  soup_server_disconnect (receiver->server);
  g_clear_object (&receiver->server);
  g_ptr_array_unref (receiver->hits);
  g_free (receiver->url);
  g_free (receiver);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Receiver, receiver_free)

typedef struct {
  Receiver *receiver;
  guint n;
} HitsWait;

static gboolean
has_hits (gpointer data)
{
  HitsWait *wait = data;

  return wait->receiver->hits->len >= wait->n;
}

static void
wait_hits (Receiver *receiver,
           guint     n)
{
  HitsWait wait = { receiver, n };

  if (!fal_test_wait_until (has_hits, &wait, DEADLINE_MS))
    g_error ("the receiver got %u webhooks, not %u", receiver->hits->len, n);
}

static Hit *
hit_at (Receiver *receiver,
        guint     index)
{
  return g_ptr_array_index (receiver->hits, index);
}

/* ------------------------------------------------------------------ verifying */

/* A JWKS GET with no key at all, as a webhook receiver makes it. */
static FalTestResponse *
get_jwks (FalTestServer *ts)
{
  g_autofree char *url = fal_test_url (ts, JWKS_PATH);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

  return fal_test_send (ts, msg);
}

static GBytes *
base64url_decode (const char *text)
{
  g_autoptr(GString) standard = g_string_new (text);
  guchar *data;
  gsize length = 0;

  g_assert_null (strchr (text, '='));
  for (gsize i = 0; i < standard->len; i++)
    {
      g_assert_true (g_ascii_isalnum (text[i]) || text[i] == '-' || text[i] == '_');
      if (text[i] == '-')
        standard->str[i] = '+';
      else if (text[i] == '_')
        standard->str[i] = '/';
    }
  while (standard->len % 4)
    g_string_append_c (standard, '=');
  data = g_base64_decode (standard->str, &length);
  return g_bytes_new_take (data, length);
}

/* The raw Ed25519 keys of the server's JWKS, checking its shape. */
static GPtrArray *
fetch_keys (FalTestServer *ts)
{
  g_autoptr(FalTestResponse) response = get_jwks (ts);
  GPtrArray *keys = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  JsonArray *array;

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (response->headers, NULL), ==, "application/json");
  array = json_object_get_array_member (fal_test_response_object (response), "keys");
  g_assert_nonnull (array);
  g_assert_cmpuint (json_array_get_length (array), >=, 1);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonObject *key = json_array_get_object_element (array, i);
      GBytes *x;

      g_assert_cmpstr (json_object_get_string_member (key, "kty"), ==, "OKP");
      g_assert_cmpstr (json_object_get_string_member (key, "crv"), ==, "Ed25519");
      g_assert_cmpstr (json_object_get_string_member (key, "alg"), ==, "EdDSA");
      g_assert_cmpstr (json_object_get_string_member (key, "use"), ==, "sig");
      g_assert_nonnull (json_object_get_string_member (key, "kid"));
      x = base64url_decode (json_object_get_string_member (key, "x"));
      g_assert_cmpuint (g_bytes_get_size (x), ==, 32);
      g_ptr_array_add (keys, x);
    }
  return keys;
}

static GBytes *
hex_decode (const char *hex)
{
  gsize length = strlen (hex) / 2;
  guint8 *data = g_malloc (length);

  for (gsize i = 0; i < length; i++)
    data[i] = (guint8) (g_ascii_xdigit_value (hex[2 * i]) << 4 | g_ascii_xdigit_value (hex[2 * i + 1]));
  return g_bytes_new_take (data, length);
}

/* As fal documents for receivers: the message is request_id, user_id,
 * timestamp and the hex SHA-256 of the raw body, one per line, and any
 * key of the JWKS may have signed it. */
static gboolean
verify (GPtrArray  *keys,
        const char *request_id,
        const char *user_id,
        const char *timestamp,
        const char *signature_hex,
        GBytes     *raw_body)
{
  g_autofree char *body_hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, raw_body);
  g_autofree char *message = g_strjoin ("\n", request_id, user_id, timestamp, body_hash, NULL);
  g_autoptr(GBytes) signature = hex_decode (signature_hex);
  gnutls_datum_t data = { (unsigned char *) message, (unsigned int) strlen (message) };
  gnutls_datum_t sig = { (unsigned char *) g_bytes_get_data (signature, NULL), (unsigned int) g_bytes_get_size (signature) };

  for (guint i = 0; i < keys->len; i++)
    {
      GBytes *x = g_ptr_array_index (keys, i);
      gnutls_datum_t raw = { (unsigned char *) g_bytes_get_data (x, NULL), (unsigned int) g_bytes_get_size (x) };
      gnutls_pubkey_t pubkey = NULL;
      int ret;

      g_assert_cmpint (gnutls_pubkey_init (&pubkey), ==, 0);
      g_assert_cmpint (gnutls_pubkey_import_ecc_raw (pubkey, GNUTLS_ECC_CURVE_ED25519, &raw, NULL), ==, 0);
      ret = gnutls_pubkey_verify_data2 (pubkey, GNUTLS_SIGN_EDDSA_ED25519, 0, &data, &sig);
      gnutls_pubkey_deinit (pubkey);
      if (ret >= 0)
        return TRUE;
      g_assert_cmpint (ret, ==, GNUTLS_E_PK_SIG_VERIFY_FAILED);
    }
  return FALSE;
}

static gboolean
hit_verifies (GPtrArray *keys,
              Hit       *hit)
{
  return verify (keys, hit->request_id, hit->user_id, hit->timestamp, hit->signature, hit->raw_body);
}

/* ------------------------------------------------------------------ helpers */

static FalTestResponse *
submit_with_webhook (FalTestServer *ts,
                     const char    *webhook,
                     const char    *fault)
{
  g_autofree char *escaped = g_uri_escape_string (webhook, NULL, FALSE);
  g_autofree char *path = g_strconcat ("/queue/" SDXL "?fal_webhook=", escaped, NULL);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", path, SDXL_BODY);

  if (fault)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-fault", fault);
  return fal_test_send (ts, msg);
}

/* The "webhook" member of the last submit's request log entry that has
 * one (each test has one such submit at a time). */
static JsonObject *
logged_webhook (FalTestServer *ts)
{
  g_autoptr(JsonArray) log = fal_test_request_log (ts);

  for (guint i = json_array_get_length (log); i > 0; i--)
    {
      JsonObject *entry = json_array_get_object_element (log, i - 1);

      if (json_object_has_member (entry, "webhook"))
        {
          g_assert_cmpstr (json_object_get_string_member (entry, "method"), ==, "POST");
          g_assert_nonnull (strstr (json_object_get_string_member (entry, "query"), "fal_webhook="));
          return json_object_ref (json_object_get_object_member (entry, "webhook"));
        }
    }
  return NULL;
}

typedef struct {
  FalTestServer *ts;
  const char *state;
} StateWait;

static gboolean
webhook_state_is (gpointer data)
{
  StateWait *wait = data;
  g_autoptr(JsonObject) webhook = logged_webhook (wait->ts);

  return webhook && g_strcmp0 (json_object_get_string_member (webhook, "state"), wait->state) == 0;
}

static void
assert_common (FalTestServer *ts,
               Hit           *hit,
               const char    *request_id,
               const char    *status)
{
  g_autoptr(GPtrArray) keys = fetch_keys (ts);
  JsonObject *body;
  gint64 timestamp;

  g_assert_cmpstr (hit->content_type, ==, "application/json");
  g_assert_cmpstr (hit->request_id, ==, request_id);
  g_assert_nonnull (hit->user_id);
  g_assert_nonnull (hit->timestamp);
  timestamp = g_ascii_strtoll (hit->timestamp, NULL, 10);
  g_assert_cmpint (ABS (timestamp - g_get_real_time () / G_USEC_PER_SEC), <, 300);
  /* 64 bytes of Ed25519 signature, lowercase hex. */
  g_assert_nonnull (hit->signature);
  g_assert_cmpuint (strlen (hit->signature), ==, 128);
  for (const char *p = hit->signature; *p; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
  g_assert_true (hit_verifies (keys, hit));

  g_assert_nonnull (hit->body);
  body = json_node_get_object (hit->body);
  g_assert_cmpstr (json_object_get_string_member (body, "request_id"), ==, request_id);
  g_assert_cmpstr (json_object_get_string_member (body, "gateway_request_id"), ==, request_id);
  g_assert_cmpstr (json_object_get_string_member (body, "status"), ==, status);
  g_assert_true (json_object_has_member (body, "payload"));
}

/* ------------------------------------------------------------------ tests */

static void
test_ok (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 2, 15000);
  g_autoptr(Receiver) receiver = receiver_new ();
  g_autofree char *url = g_strconcat (receiver->url, "/hook/ok", NULL);
  g_autoptr(FalTestResponse) submitted = submit_with_webhook (ts, url, NULL);
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(JsonObject) logged = NULL;
  const char *request_id;
  JsonObject *payload;
  Hit *hit;

  g_assert_cmpuint (submitted->status, ==, 200);
  g_assert_cmpstr (fal_test_response_header (submitted, "x-fal-local-webhook"), ==, "accepted");
  request_id = fal_test_response_string (submitted, "request_id");
  logged = logged_webhook (ts);
  g_assert_nonnull (logged);
  g_assert_cmpstr (json_object_get_string_member (logged, "url"), ==, url);

  wait_hits (receiver, 1);
  hit = hit_at (receiver, 0);
  g_assert_cmpstr (hit->path, ==, "/hook/ok");
  assert_common (ts, hit, request_id, "OK");
  g_assert_false (json_object_has_member (json_node_get_object (hit->body), "error"));

  /* The payload is the result, as the result route answers it. */
  result = fal_test_call (ts, "GET", fal_test_response_string (submitted, "response_url"), NULL);
  g_assert_cmpuint (result->status, ==, 200);
  payload = json_object_get_object_member (json_node_get_object (hit->body), "payload");
  g_assert_true (json_node_equal (json_object_get_member (json_node_get_object (hit->body), "payload"), result->json));
  g_assert_cmpint (json_object_get_int_member (payload, "seed"), ==, 7);

  {
    StateWait wait = { ts, "delivered" };
    g_autoptr(JsonObject) done = NULL;

    g_assert_true (fal_test_wait_until (webhook_state_is, &wait, DEADLINE_MS));
    done = logged_webhook (ts);
    g_assert_cmpint (json_object_get_int_member (done, "attempts"), ==, 1);
    g_assert_cmpint (json_object_get_int_member (done, "last_status"), ==, 200);
  }

  /* Exactly once. */
  fal_test_wait_ms (300);
  g_assert_cmpuint (receiver->hits->len, ==, 1);
}

static void
test_error (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 1, 15000);
  g_autoptr(Receiver) receiver = receiver_new ();
  g_autofree char *url = g_strconcat (receiver->url, "/hook/error", NULL);
  g_autoptr(FalTestResponse) failed = submit_with_webhook (ts, url, "fail=422");
  const char *failed_id = fal_test_response_string (failed, "request_id");
  JsonObject *body;
  JsonArray *detail;

  g_assert_cmpuint (failed->status, ==, 200);
  wait_hits (receiver, 1);
  assert_common (ts, hit_at (receiver, 0), failed_id, "ERROR");
  body = json_node_get_object (hit_at (receiver, 0)->body);
  g_assert_cmpstr (json_object_get_string_member (body, "error"), ==, "Invalid status code: 422");
  /* The payload is the model's 422 body: detail[] naming a field. */
  detail = json_object_get_array_member (json_object_get_object_member (body, "payload"), "detail");
  g_assert_cmpuint (json_array_get_length (detail), >=, 1);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (json_array_get_object_element (detail, 0), "loc"), 1),
                   ==, "prompt");

  /* A request cancelled in the queue ends too: ERROR with its 499. */
  {
    g_autoptr(FalTestResponse) busy = fal_test_submit (ts, SDXL, SDXL_BODY, NULL);
    g_autoptr(FalTestResponse) queued = submit_with_webhook (ts, url, NULL);
    g_autoptr(FalTestResponse) cancel = NULL;
    const char *queued_id = fal_test_response_string (queued, "request_id");

    g_assert_cmpuint (busy->status, ==, 200);
    cancel = fal_test_call (ts, "PUT", fal_test_response_string (queued, "cancel_url"), NULL);
    g_assert_cmpuint (cancel->status, ==, 202);
    wait_hits (receiver, 2);
    assert_common (ts, hit_at (receiver, 1), queued_id, "ERROR");
    body = json_node_get_object (hit_at (receiver, 1)->body);
    g_assert_cmpstr (json_object_get_string_member (body, "error"), ==, "Invalid status code: 499");
  }
}

/* The JWKS answers with no key, directly and in the proxy form (both of
 * fal's hosts), and a signature verifies only over exactly what was
 * signed, and only with this server start's key. */
static void
test_signature (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 2, 15000);
  g_autoptr(Receiver) receiver = receiver_new ();
  g_autofree char *url = g_strconcat (receiver->url, "/hook/signed", NULL);
  g_autoptr(FalTestResponse) direct = get_jwks (ts);
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(GPtrArray) keys = fetch_keys (ts);
  const char *targets[] = { "https://rest.fal.ai/.well-known/jwks.json", "https://rest.alpha.fal.ai/.well-known/jwks.json" };
  Hit *hit;

  g_assert_cmpuint (direct->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (fal_test_response_object (direct), "keys")), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      g_autofree char *root = fal_test_url (ts, "/");
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", root);
      g_autoptr(FalTestResponse) proxied = NULL;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-target-url", targets[i]);
      proxied = fal_test_send (ts, msg);
      g_assert_cmpuint (proxied->status, ==, 200);
      g_assert_true (json_node_equal (proxied->json, direct->json));
    }
  /* A wrong key does not matter either: the route is public. */
  {
    g_autoptr(SoupMessage) msg = fal_test_message (ts, "GET", JWKS_PATH, NULL);
    g_autoptr(FalTestResponse) wrong = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", "Key local:wrong");
    wrong = fal_test_send (ts, msg);
    g_assert_cmpuint (wrong->status, ==, 200);
    g_assert_true (json_node_equal (wrong->json, direct->json));
  }
  {
    g_autoptr(FalTestResponse) post = fal_test_call (ts, "POST", JWKS_PATH, "{}");

    g_assert_cmpuint (post->status, ==, 405);
  }

  submitted = submit_with_webhook (ts, url, NULL);
  g_assert_cmpuint (submitted->status, ==, 200);
  wait_hits (receiver, 1);
  hit = hit_at (receiver, 0);
  assert_common (ts, hit, fal_test_response_string (submitted, "request_id"), "OK");
  g_assert_true (hit_verifies (keys, hit));

  /* Change any one signed thing and it no longer verifies. */
  {
    gsize size = 0;
    const char *data = g_bytes_get_data (hit->raw_body, &size);
    g_autofree char *tampered_text = g_strndup (data, size);
    g_autoptr(GBytes) tampered = NULL;
    g_autoptr(GBytes) longer = NULL;
    g_autofree char *longer_text = g_strconcat (tampered_text, " ", NULL);
    g_autofree char *later = g_strdup_printf ("%" G_GINT64_FORMAT, g_ascii_strtoll (hit->timestamp, NULL, 10) + 1);
    g_autofree char *flipped = g_strdup (hit->signature);
    char *seven = strstr (tampered_text, "\"seed\":7");

    g_assert_nonnull (seven);
    seven[7] = '8';
    tampered = g_bytes_new (tampered_text, size);
    longer = g_bytes_new (longer_text, size + 1);
    flipped[0] = flipped[0] == '0' ? '1' : '0';

    g_assert_false (verify (keys, hit->request_id, hit->user_id, hit->timestamp, hit->signature, tampered));
    g_assert_false (verify (keys, hit->request_id, hit->user_id, hit->timestamp, hit->signature, longer));
    g_assert_false (verify (keys, hit->request_id, hit->user_id, later, hit->signature, hit->raw_body));
    g_assert_false (verify (keys, "another-request", hit->user_id, hit->timestamp, hit->signature, hit->raw_body));
    g_assert_false (verify (keys, hit->request_id, "someone-else", hit->timestamp, hit->signature, hit->raw_body));
    g_assert_false (verify (keys, hit->request_id, hit->user_id, hit->timestamp, flipped, hit->raw_body));
    /* The unchanged one still does: the checks above failed for their change. */
    g_assert_true (verify (keys, hit->request_id, hit->user_id, hit->timestamp, hit->signature, hit->raw_body));
  }

  /* A key pair per server start: another server's key differs and does
   * not verify this server's webhook. */
  {
    g_autoptr(FalTestServer) other = fal_test_server_new (20.0, 1, 15000);
    g_autoptr(GPtrArray) other_keys = fetch_keys (other);

    g_assert_cmpuint (other_keys->len, ==, 1);
    g_assert_false (g_bytes_equal (g_ptr_array_index (other_keys, 0), g_ptr_array_index (keys, 0)));
    g_assert_false (hit_verifies (other_keys, hit));
  }
}

static void
test_retries (void)
{
  /* At speed 50 the waits are 100 ms, then 200 ms. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (50.0, 2, 15000);
  g_autoptr(Receiver) receiver = receiver_new ();
  g_autofree char *url = g_strconcat (receiver->url, "/hook/retry", NULL);
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(JsonObject) logged = NULL;
  StateWait wait = { ts, "delivered" };
  const char *request_id;
  gint64 gap1, gap2;

  receiver->fail_first = 2;
  receiver->fail_status = 500;
  submitted = submit_with_webhook (ts, url, NULL);
  request_id = fal_test_response_string (submitted, "request_id");
  wait_hits (receiver, 3);
  for (guint i = 0; i < 3; i++)
    assert_common (ts, hit_at (receiver, i), request_id, "OK");

  gap1 = (hit_at (receiver, 1)->time - hit_at (receiver, 0)->time) / 1000;
  gap2 = (hit_at (receiver, 2)->time - hit_at (receiver, 1)->time) / 1000;
  g_test_message ("gaps %" G_GINT64_FORMAT " ms, %" G_GINT64_FORMAT " ms", gap1, gap2);
  g_assert_cmpint (gap1, >=, 90);
  g_assert_cmpint (gap2, >=, 190);
  g_assert_cmpint (gap2, >, gap1);

  g_assert_true (fal_test_wait_until (webhook_state_is, &wait, DEADLINE_MS));
  logged = logged_webhook (ts);
  g_assert_cmpint (json_object_get_int_member (logged, "attempts"), ==, 3);
  fal_test_wait_ms (500);
  g_assert_cmpuint (receiver->hits->len, ==, 3);
}

static void
test_redirect_is_final (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (50.0, 2, 15000);
  g_autoptr(Receiver) receiver = receiver_new ();
  g_autofree char *url = g_strconcat (receiver->url, "/hook/moved", NULL);
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(JsonObject) logged = NULL;
  StateWait wait = { ts, "failed" };

  receiver->fail_first = 100;
  receiver->fail_status = 302;
  submitted = submit_with_webhook (ts, url, NULL);
  g_assert_cmpuint (submitted->status, ==, 200);
  wait_hits (receiver, 1);
  g_assert_true (fal_test_wait_until (webhook_state_is, &wait, DEADLINE_MS));
  logged = logged_webhook (ts);
  g_assert_cmpint (json_object_get_int_member (logged, "attempts"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (logged, "last_status"), ==, 302);
  /* Longer than the first retry's wait: no second attempt, and the
   * redirect was not followed. */
  fal_test_wait_ms (400);
  g_assert_cmpuint (receiver->hits->len, ==, 1);
}

static void
test_loopback_only (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 2, 15000);
  const char *refused[] = {
    "http://example.com/hook", "http://10.0.0.1/hook", "https://192.168.1.2:8443/hook",
    "http://[2001:db8::1]/hook", "ftp://127.0.0.1/hook", "not a url", "/relative",
  };
  const char *accepted[] = { "http://localhost:9/hook", "http://127.0.0.2:9/hook", "http://[::1]:9/hook" };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(FalTestResponse) response = submit_with_webhook (ts, refused[i], NULL);
      JsonObject *entry;
      JsonArray *loc;

      g_test_message ("webhook %s", refused[i]);
      g_assert_cmpuint (response->status, ==, 422);
      entry = json_array_get_object_element (json_object_get_array_member (fal_test_response_object (response), "detail"), 0);
      loc = json_object_get_array_member (entry, "loc");
      g_assert_cmpstr (json_array_get_string_element (loc, 0), ==, "query");
      g_assert_cmpstr (json_array_get_string_element (loc, 1), ==, "fal_webhook");
      g_assert_nonnull (json_object_get_string_member (entry, "msg"));
    }
  /* Nothing was queued for them. */
  {
    g_autoptr(JsonArray) log = fal_test_request_log (ts);

    for (guint i = 0; i < json_array_get_length (log); i++)
      g_assert_false (json_object_has_member (json_array_get_object_element (log, i), "webhook"));
  }

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(FalTestResponse) response = submit_with_webhook (ts, accepted[i], NULL);

      g_test_message ("webhook %s", accepted[i]);
      g_assert_cmpuint (response->status, ==, 200);
    }
}

static void
run_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      data)
{
  JsonNode **out = data;
  g_autoptr(GError) error = NULL;

  *out = fal_client_run_finish (FAL_CLIENT (source), result, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
test_libfal (void)
{
  g_autoptr(Fx) fx = fx_new (20.0, 2);
  g_autoptr(Receiver) receiver = receiver_new ();
  /* A query of its own: it must reach the receiver intact. */
  g_autofree char *url = g_strconcat (receiver->url, "/hook/libfal?tag=one&two=2", NULL);
  FalCallOptions options = { .webhook_url = url };
  g_autoptr(JsonNode) body = input (SDXL_BODY);
  g_autoptr(GError) error = NULL;
  g_autoptr(FalRequest) request = fal_client_submit (fx->client, SDXL, body, &options, &error);
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(JsonArray) log = NULL;
  Hit *hit;

  g_assert_no_error (error);
  wait_done (request);
  g_assert_null (fal_request_get_error (request));
  wait_hits (receiver, 1);
  hit = hit_at (receiver, 0);
  g_assert_cmpstr (hit->path, ==, "/hook/libfal");
  g_assert_cmpstr (hit->query, ==, "tag=one&two=2");
  assert_common (fx->ts, hit, fal_request_get_request_id (request), "OK");

  /* A synchronous run never carries it. */
  fal_client_run_async (fx->client, SDXL, body, &options, NULL, run_cb, &output);
  g_assert_true (wait_for (is_set, &output, DEADLINE_MS));
  log = fal_test_request_log (fx->ts);
  g_assert_cmpuint (count_requests (log, "POST", "^/queue/fal-ai/fast-sdxl$", NULL), ==, 1);
  g_assert_cmpuint (count_requests (log, "POST", "^/run/fal-ai/fast-sdxl$", NULL), ==, 1);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_str_has_prefix (json_object_get_string_member (entry, "path"), "/run/"))
        g_assert_null (strstr (json_object_get_string_member (entry, "query"), "fal_webhook"));
    }
  fal_test_wait_ms (200);
  g_assert_cmpuint (receiver->hits->len, ==, 1);
}

typedef struct {
  gboolean done;
  char *out;
  char *err;
  int status;
} Spawned;

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Spawned *spawned = data;
  g_autoptr(GError) error = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &spawned->out, &spawned->err, &error);
  g_assert_no_error (error);
  spawned->status = g_subprocess_get_exit_status (G_SUBPROCESS (source));
  spawned->done = TRUE;
}

static gboolean
spawned_done (gpointer data)
{
  return ((Spawned *) data)->done;
}

/* falctl as a process; the main loop runs meanwhile, so the receiver
 * answers while falctl waits. */
static int
run_falctl (FalTestServer      *ts,
            const char * const *args,
            char              **err)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                                       G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Spawned spawned = { 0 };

  g_subprocess_launcher_setenv (launcher, "FALSTAFF_LOCAL_URL", ts->url, TRUE);
  g_subprocess_launcher_setenv (launcher, "FAL_KEY", FAL_LOCAL_DEFAULT_KEY, TRUE);
  g_subprocess_launcher_unsetenv (launcher, "FALSTAFF_PROXY_URL");
  g_ptr_array_add (argv, (gpointer) g_getenv ("FALCTL"));
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, &spawned);
  g_assert_true (fal_test_wait_until (spawned_done, &spawned, DEADLINE_MS));
  g_test_message ("falctl → %d\nstdout: %s\nstderr: %s", spawned.status, spawned.out, spawned.err);
  g_free (spawned.out);
  *err = spawned.err;
  return spawned.status;
}

static void
test_falctl (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (20.0, 2, 15000);
  g_autoptr(Receiver) receiver = receiver_new ();
  g_autofree char *url = g_strconcat (receiver->url, "/hook/falctl", NULL);
  const char *args[] = { "run", SDXL, "-i", "prompt=a fox", "-i", "seed=5", "--webhook", url, NULL };
  const char *sync_args[] = { "run", SDXL, "--sync", "-i", "prompt=a fox", "--webhook", url, NULL };
  g_autofree char *err = NULL;
  g_autofree char *sync_err = NULL;
  JsonObject *body;

  g_assert_cmpint (run_falctl (ts, args, &err), ==, 0);
  wait_hits (receiver, 1);
  g_assert_cmpstr (hit_at (receiver, 0)->path, ==, "/hook/falctl");
  body = json_node_get_object (hit_at (receiver, 0)->body);
  g_assert_cmpstr (json_object_get_string_member (body, "status"), ==, "OK");
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (body, "payload"), "seed"), ==, 5);
  {
    g_autoptr(GPtrArray) keys = fetch_keys (ts);

    g_assert_true (hit_verifies (keys, hit_at (receiver, 0)));
  }

  /* Only queued requests have webhooks. */
  g_assert_cmpint (run_falctl (ts, sync_args, &sync_err), ==, 2);
  g_assert_nonnull (strstr (sync_err, "--webhook"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_assert_nonnull (g_getenv ("FALCTL"));

  g_test_add_func ("/server/webhook/ok", test_ok);
  g_test_add_func ("/server/webhook/error", test_error);
  g_test_add_func ("/server/webhook/signature", test_signature);
  g_test_add_func ("/server/webhook/retries", test_retries);
  g_test_add_func ("/server/webhook/redirect-is-final", test_redirect_is_final);
  g_test_add_func ("/server/webhook/loopback-only", test_loopback_only);
  g_test_add_func ("/server/webhook/libfal", test_libfal);
  g_test_add_func ("/server/webhook/falctl", test_falctl);

  return g_test_run ();
}
