/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The upload flows of fal's Python client against the local server,
 * through real HTTP: the CDN token, POST {base_url}/files/upload, its
 * multipart form, and the legacy fal.media upload with the key. */
#include "config.h"

#include <string.h>

#include "server-fixture.h"

#define TOKEN_PATH "/rest/storage/auth/token?storage_type=fal-cdn-v3"
#define SDXL "fal-ai/fast-sdxl"

static GBytes *
random_bytes (gsize   size,
              guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;
  return g_bytes_new_take (data, size);
}

typedef struct {
  char *token;
  char *authorization;   /* "{token_type} {token}", as the client builds it */
  char *base_url;
} CdnToken;

static void
cdn_token_free (CdnToken *token)
{
  g_free (token->token);
  g_free (token->authorization);
  g_free (token->base_url);
  g_free (token);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CdnToken, cdn_token_free)

/* POST …/storage/auth/token with {} and the key, as the client does. */
static CdnToken *
get_token (FalTestServer *ts)
{
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", TOKEN_PATH, "{}");
  CdnToken *token = g_new0 (CdnToken, 1);

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_cmpstr (fal_test_response_string (response, "token_type"), ==, "Bearer");
  token->token = g_strdup (fal_test_response_string (response, "token"));
  token->base_url = g_strdup (fal_test_response_string (response, "base_url"));
  token->authorization = g_strdup_printf ("%s %s", fal_test_response_string (response, "token_type"), token->token);
  g_assert_nonnull (token->token);
  g_assert_nonnull (token->base_url);
  return token;
}

/* POST url with the raw bytes; authorization, file_name, lifecycle
 * header (name, value) may be NULL. */
static FalTestResponse *
post_file (FalTestServer *ts,
           const char    *url,
           const char    *authorization,
           const char    *content_type,
           const char    *file_name,
           const char    *lifecycle_header,
           const char    *lifecycle,
           GBytes        *bytes)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  SoupMessageHeaders *headers;

  g_assert_nonnull (msg);
  headers = soup_message_get_request_headers (msg);
  if (authorization)
    soup_message_headers_replace (headers, "Authorization", authorization);
  if (file_name)
    soup_message_headers_replace (headers, "X-Fal-File-Name", file_name);
  if (lifecycle_header)
    soup_message_headers_replace (headers, lifecycle_header, lifecycle);
  fal_test_message_set_bytes (msg, content_type, bytes);
  return fal_test_send (ts, msg);
}

/* fal_client posts a single file to its CDN_URL + "/files/upload" and a
 * multipart one under base_url: pointed at the server, both are
 * {server}/cdn, which is the base_url given. */
static char *
upload_url (CdnToken *token)
{
  return g_strconcat (token->base_url, "/files/upload", NULL);
}

/* ------------------------------------------------------------------ token */

static void
test_token (void)
{
  /* speed 3600: the token's hour is a second. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (3600, 2, 15000);
  g_autoptr(FalTestServer) public = fal_test_server_new_with (40, 2, 15000, "public-url",
                                                              "https://files.example.test/fal/", NULL);
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", TOKEN_PATH, "{}");
  g_autoptr(FalTestResponse) again = fal_test_call (ts, "POST", TOKEN_PATH, "{}");
  g_autoptr(FalTestResponse) gcs = fal_test_call (ts, "POST", "/rest/storage/auth/token?storage_type=gcs", "{}");
  g_autoptr(FalTestResponse) get = fal_test_call (ts, "GET", TOKEN_PATH, NULL);
  g_autoptr(FalTestResponse) keyless = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GDateTime) expires = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(CdnToken) public_token = NULL;
  g_autofree char *base = g_strdup_printf ("%s/cdn", ts->url);
  g_autofree char *url = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static ("hello", 5);
  g_autoptr(FalTestResponse) stored = NULL;
  JsonObject *object;
  GTimeSpan left;

  g_assert_cmpuint (response->status, ==, 200);
  object = fal_test_response_object (response);
  g_assert_cmpuint (json_object_get_size (object), ==, 4);
  g_assert_cmpstr (fal_test_response_string (response, "token_type"), ==, "Bearer");
  g_assert_cmpstr (fal_test_response_string (response, "base_url"), ==, base);
  g_assert_cmpuint (strlen (fal_test_response_string (response, "token")), >=, 32);
  g_assert_cmpstr (fal_test_response_string (response, "token"), !=, fal_test_response_string (again, "token"));
  /* ISO-8601 that Python's fromisoformat() reads before 3.11: no "Z". */
  g_assert_true (g_str_has_suffix (fal_test_response_string (response, "expires_at"), "+00:00"));
  expires = g_date_time_new_from_iso8601 (fal_test_response_string (response, "expires_at"), NULL);
  g_assert_nonnull (expires);
  left = g_date_time_difference (expires, now);
  g_assert_cmpint (left, >, -2 * G_TIME_SPAN_SECOND);
  g_assert_cmpint (left, <, 3 * G_TIME_SPAN_SECOND);

  fal_test_assert_detail (gcs, 400);
  g_assert_cmpuint (get->status, ==, 405);

  url = fal_test_url (ts, TOKEN_PATH);
  msg = soup_message_new ("POST", url);
  keyless = fal_test_send (ts, msg);
  fal_test_assert_detail (keyless, 401);

  /* Behind a public URL, base_url and access_url go through it. */
  public_token = get_token (public);
  g_assert_cmpstr (public_token->base_url, ==, "https://files.example.test/fal/cdn");
  g_free (url);
  url = g_strdup_printf ("%s/cdn/files/upload", public->url);
  stored = post_file (public, url, public_token->authorization, "text/plain", "a.txt", NULL, NULL, bytes);
  g_assert_cmpuint (stored->status, ==, 200);
  g_assert_true (g_str_has_prefix (fal_test_response_string (stored, "access_url"),
                                   "https://files.example.test/fal/cdn/files/"));

  /* The proxy form with the public base_url as the target. */
  {
    g_autoptr(SoupMessage) proxied = soup_message_new ("POST", public->url);
    g_autoptr(FalTestResponse) answer = NULL;
    g_autoptr(GBytes) back = NULL;
    g_autofree char *target = g_strconcat (public_token->base_url, "/files/upload", NULL);
    g_autofree char *local = NULL;
    g_autofree char *type = NULL;
    const char *access_url;

    soup_message_headers_replace (soup_message_get_request_headers (proxied), "x-fal-target-url", target);
    soup_message_headers_replace (soup_message_get_request_headers (proxied), "Authorization",
                                  public_token->authorization);
    fal_test_message_set_bytes (proxied, "text/csv", bytes);
    answer = fal_test_send (public, proxied);
    g_assert_cmpuint (answer->status, ==, 200);
    access_url = fal_test_response_string (answer, "access_url");
    g_assert_true (g_str_has_prefix (access_url, "https://files.example.test/fal/cdn/files/"));
    local = g_strconcat (public->url, access_url + strlen ("https://files.example.test/fal"), NULL);
    back = fal_test_download (public, local, &type);
    g_assert_cmpstr (type, ==, "text/csv");
    g_assert_true (g_bytes_equal (back, bytes));
  }
}

/* ------------------------------------------------------------------ single */

static void
test_single (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(CdnToken) token = get_token (ts);
  g_autofree char *url = upload_url (token);
  g_autoptr(GBytes) png = random_bytes (3 * 1024 * 1024 + 5, 1);
  g_autoptr(GBytes) jpeg = random_bytes (70000, 2);
  g_autoptr(FalTestResponse) named = post_file (ts, url, token->authorization, "image/png", "cat photo.png",
                                                NULL, NULL, png);
  g_autoptr(FalTestResponse) unnamed = post_file (ts, url, token->authorization, "image/jpeg", NULL, NULL, NULL, jpeg);
  g_autoptr(FalTestResponse) again = post_file (ts, url, token->authorization, "image/png", "cat photo.png",
                                                NULL, NULL, jpeg);
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GBytes) back2 = NULL;
  g_autofree char *type = NULL;
  g_autofree char *type2 = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s/cdn/files/", ts->url);
  const char *access_url;

  g_assert_cmpuint (named->status, ==, 200);
  g_assert_cmpuint (json_object_get_size (fal_test_response_object (named)), ==, 1);
  access_url = fal_test_response_string (named, "access_url");
  g_assert_true (g_str_has_prefix (access_url, prefix));
  g_assert_true (g_str_has_suffix (access_url, "/cat%20photo.png"));
  back = fal_test_download (ts, access_url, &type);
  g_assert_cmpstr (type, ==, "image/png");
  g_assert_true (g_bytes_equal (back, png));

  /* No X-Fal-File-Name: a name after the content type. */
  g_assert_cmpuint (unnamed->status, ==, 200);
  g_assert_true (g_str_has_suffix (fal_test_response_string (unnamed, "access_url"), "/upload.jpeg"));
  back2 = fal_test_download (ts, fal_test_response_string (unnamed, "access_url"), &type2);
  g_assert_cmpstr (type2, ==, "image/jpeg");
  g_assert_true (g_bytes_equal (back2, jpeg));

  /* The same token uploads again, to a new URL. */
  g_assert_cmpuint (again->status, ==, 200);
  g_assert_cmpstr (fal_test_response_string (again, "access_url"), !=, access_url);
  g_assert_cmpuint (fal_test_count_files (ts, "uploads"), ==, 0);
}

/* ------------------------------------------------------------------ auth */

static void
assert_refused (FalTestServer *ts,
                const char    *url,
                const char    *authorization,
                const char    *detail)
{
  g_autoptr(GBytes) bytes = random_bytes (200000, 9);
  g_autoptr(FalTestResponse) response = post_file (ts, url, authorization, "image/png", "x.png", NULL, NULL, bytes);

  fal_test_assert_detail (response, 401);
  if (detail)
    g_assert_cmpstr (fal_test_response_string (response, "detail"), ==, detail);
}

static void
test_auth (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  /* speed 36000: the token's hour is 100 ms. */
  g_autoptr(FalTestServer) fast = fal_test_server_new (36000, 2, 15000);
  g_autoptr(CdnToken) token = get_token (ts);
  g_autoptr(CdnToken) short_lived = get_token (fast);
  g_autofree char *url = upload_url (token);
  g_autofree char *fast_url = upload_url (short_lived);
  g_autofree char *multipart_url = g_strconcat (url, "/multipart", NULL);
  g_autoptr(FalTestResponse) multipart = NULL;
  g_autoptr(SoupMessage) multipart_msg = soup_message_new ("POST", multipart_url);
  g_autofree char *bearer_key = g_strdup ("Bearer " FAL_LOCAL_DEFAULT_KEY);

  assert_refused (ts, url, NULL, NULL);
  assert_refused (ts, url, "Bearer not-a-token", "Invalid token");
  assert_refused (ts, url, bearer_key, "Invalid token");
  assert_refused (ts, url, "Key local:wrong", NULL);
  assert_refused (ts, url, token->token, NULL);
  multipart = fal_test_send (ts, multipart_msg);
  fal_test_assert_detail (multipart, 401);

  /* Expired. */
  fal_test_wait_ms (300);
  assert_refused (fast, fast_url, short_lived->authorization, "Token has expired");

  /* Nothing refused was kept, not even in part. */
  g_assert_cmpuint (fal_test_count_files (ts, NULL), ==, 0);
  g_assert_cmpuint (fal_test_count_files (ts, "uploads"), ==, 0);
  g_assert_cmpuint (fal_test_count_files (fast, NULL), ==, 0);
}

/* The CDN token is good for uploads and nothing else. */
static void
test_token_scope (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(CdnToken) token = get_token (ts);
  static const char * const paths[] = {
    "/queue/" SDXL, "/run/" SDXL, "/rest/storage/upload/initiate?storage_type=fal-cdn-v3", TOKEN_PATH,
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", paths[i], "{\"prompt\": \"x\"}");
      g_autoptr(FalTestResponse) response = NULL;

      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", token->authorization);
      response = fal_test_send (ts, msg);
      if (response->status != 401)
        g_error ("%s with the CDN token: %u", paths[i], response->status);
      fal_test_assert_detail (response, 401);
    }
}

/* ------------------------------------------------------------------ legacy */

static void
test_legacy_and_proxy (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(CdnToken) token = get_token (ts);
  g_autofree char *url = g_strdup_printf ("%s/cdn/files/upload", ts->url);
  g_autoptr(GBytes) bytes = random_bytes (100000, 3);
  g_autoptr(FalTestResponse) legacy = post_file (ts, url, "Key " FAL_LOCAL_DEFAULT_KEY, "application/pdf", "doc.pdf",
                                                 NULL, NULL, bytes);
  g_autoptr(GBytes) back = NULL;
  g_autofree char *type = NULL;
  static const struct {
    const char *target;
    gboolean key;
  } proxied[] = {
    { "https://v3.fal.media/files/upload", FALSE },
    { "https://fal.media/files/upload", TRUE },
  };

  g_assert_cmpuint (legacy->status, ==, 200);
  back = fal_test_download (ts, fal_test_response_string (legacy, "access_url"), &type);
  g_assert_cmpstr (type, ==, "application/pdf");
  g_assert_true (g_bytes_equal (back, bytes));

  /* Real CDN hosts through the proxy form. */
  for (guint i = 0; i < G_N_ELEMENTS (proxied); i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("POST", ts->url);
      SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
      g_autoptr(FalTestResponse) response = NULL;
      g_autoptr(GBytes) stored = NULL;

      soup_message_headers_replace (headers, "x-fal-target-url", proxied[i].target);
      soup_message_headers_replace (headers, "Authorization",
                                    proxied[i].key ? "Key " FAL_LOCAL_DEFAULT_KEY : token->authorization);
      fal_test_message_set_bytes (msg, "text/plain", bytes);
      response = fal_test_send (ts, msg);
      g_assert_cmpuint (response->status, ==, 200);
      stored = fal_test_download (ts, fal_test_response_string (response, "access_url"), NULL);
      g_assert_true (g_bytes_equal (stored, bytes));
    }
}

/* ------------------------------------------------------------------ multipart */

static FalTestResponse *
send_to (FalTestServer *ts,
         const char    *method,
         const char    *url,
         CdnToken      *token,
         const char    *content_type,
         GBytes        *bytes)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);

  g_assert_nonnull (msg);
  if (token)
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", token->authorization);
  if (bytes)
    fal_test_message_set_bytes (msg, content_type, bytes);
  return fal_test_send (ts, msg);
}

/* PUT {access_url}/multipart/{uploadId}/{n}; the ETag header's value. */
static char *
put_part (FalTestServer *ts,
          CdnToken      *token,
          const char    *access_url,
          const char    *upload_id,
          guint          number,
          GBytes        *bytes)
{
  g_autofree char *url = g_strdup_printf ("%s/multipart/%s/%u", access_url, upload_id, number);
  g_autoptr(FalTestResponse) response = send_to (ts, "PUT", url, token, "video/mp4", bytes);

  g_assert_cmpuint (response->status, ==, 200);
  g_assert_nonnull (fal_test_response_header (response, "ETag"));
  return g_strdup (fal_test_response_header (response, "ETag"));
}

/* {"parts": [{"partNumber": n, "etag": …}, …]} with the tags as given. */
static char *
parts_body (const char *etag1,
            const char *etag2,
            const char *etag3)
{
  const char *etags[] = { etag1, etag2, etag3 };
  g_autoptr(JsonObject) root = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonArray *parts = json_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (etags); i++)
    {
      JsonObject *part = json_object_new ();

      json_object_set_int_member (part, "partNumber", i + 1);
      json_object_set_string_member (part, "etag", etags[i]);
      json_array_add_object_element (parts, part);
    }
  json_object_set_array_member (root, "parts", parts);
  json_node_set_object (node, root);
  return json_to_string (node, FALSE);
}

static void
test_multipart (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(CdnToken) token = get_token (ts);
  g_autofree char *initiate_url = g_strconcat (token->base_url, "/files/upload/multipart", NULL);
  g_autoptr(SoupMessage) initiate_msg = soup_message_new ("POST", initiate_url);
  g_autoptr(FalTestResponse) initiated = NULL;
  g_autoptr(GBytes) part1 = random_bytes (2 * 1024 * 1024, 11);
  g_autoptr(GBytes) part2 = random_bytes (2 * 1024 * 1024, 12);
  g_autoptr(GBytes) part3 = random_bytes (54321, 13);
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  g_autoptr(GBytes) expected_bytes = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autoptr(GBytes) body_bytes = NULL;
  g_autoptr(FalTestResponse) stray = NULL;
  g_autoptr(FalTestResponse) wrong_file = NULL;
  g_autoptr(FalTestResponse) before = NULL;
  g_autoptr(FalTestResponse) done = NULL;
  g_autoptr(FalTestResponse) after = NULL;
  g_autofree char *etag1 = NULL, *etag2 = NULL, *etag3 = NULL;
  g_autofree char *body = NULL;
  g_autofree char *complete_url = NULL;
  g_autofree char *stray_url = NULL;
  g_autofree char *wrong_url = NULL;
  g_autofree char *type = NULL;
  g_autofree char *prefix = g_strdup_printf ("%s/cdn/files/", ts->url);
  SoupMessageHeaders *headers = soup_message_get_request_headers (initiate_msg);
  const char *access_url;
  const char *upload_id;

  /* Headers only, as the client sends them. */
  soup_message_headers_replace (headers, "Authorization", token->authorization);
  soup_message_headers_replace (headers, "Content-Type", "video/mp4");
  soup_message_headers_replace (headers, "X-Fal-File-Name", "big.mp4");
  initiated = fal_test_send (ts, initiate_msg);
  g_assert_cmpuint (initiated->status, ==, 200);
  access_url = fal_test_response_string (initiated, "access_url");
  upload_id = fal_test_response_string (initiated, "uploadId");
  g_assert_true (g_str_has_prefix (access_url, prefix));
  g_assert_true (g_str_has_suffix (access_url, "/big.mp4"));
  g_assert_nonnull (upload_id);

  /* Not served before it is complete. */
  before = send_to (ts, "GET", access_url, NULL, NULL, NULL);
  fal_test_assert_detail (before, 404);

  /* Out of order, as ten parallel workers finish. */
  etag3 = put_part (ts, token, access_url, upload_id, 3, part3);
  etag1 = put_part (ts, token, access_url, upload_id, 1, part1);
  etag2 = put_part (ts, token, access_url, upload_id, 2, part2);
  g_assert_true (etag1[0] == '"');
  g_assert_cmpstr (etag1, !=, etag2);

  /* An unknown upload id, and the id under another file's URL. */
  stray_url = g_strdup_printf ("%s/multipart/%s/1", access_url, "0123456789abcdef0123456789abcdef");
  stray = send_to (ts, "PUT", stray_url, token, "video/mp4", part3);
  fal_test_assert_detail (stray, 404);
  wrong_url = g_strdup_printf ("%s/cdn/files/0123456789abcdef0123456789abcdef/big.mp4/multipart/%s/1",
                               ts->url, upload_id);
  wrong_file = send_to (ts, "PUT", wrong_url, token, "video/mp4", part3);
  fal_test_assert_detail (wrong_file, 404);

  /* The ETags exactly as read from the headers, quotes and all. */
  body = parts_body (etag1, etag2, etag3);
  body_bytes = g_bytes_new (body, strlen (body));
  complete_url = g_strdup_printf ("%s/multipart/%s/complete", access_url, upload_id);
  done = send_to (ts, "POST", complete_url, token, "application/json", body_bytes);
  if (done->status != 200)
    g_error ("complete %s: %u %.*s", body, done->status, (int) g_bytes_get_size (done->body),
             (const char *) g_bytes_get_data (done->body, NULL));
  g_assert_cmpstr (fal_test_response_string (done, "access_url"), ==, access_url);

  g_byte_array_append (expected, g_bytes_get_data (part1, NULL), g_bytes_get_size (part1));
  g_byte_array_append (expected, g_bytes_get_data (part2, NULL), g_bytes_get_size (part2));
  g_byte_array_append (expected, g_bytes_get_data (part3, NULL), g_bytes_get_size (part3));
  expected_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&expected));
  back = fal_test_download (ts, access_url, &type);
  g_assert_cmpstr (type, ==, "video/mp4");
  g_assert_true (g_bytes_equal (back, expected_bytes));

  /* Spent. */
  after = send_to (ts, "POST", complete_url, token, "application/json", body_bytes);
  fal_test_assert_detail (after, 404);
  g_assert_cmpuint (fal_test_count_files (ts, "uploads"), ==, 0);
}

/* ------------------------------------------------------------------ lifecycle */

static void
test_lifecycle (void)
{
  /* speed 4: 2 s of lifetime are half a second. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (4, 2, 15000);
  g_autoptr(CdnToken) token = get_token (ts);
  g_autofree char *url = upload_url (token);
  g_autoptr(GBytes) bytes = random_bytes (5000, 4);
  static const char * const names[] = { "X-Fal-Object-Lifecycle", "X-Fal-Object-Lifecycle-Preference", NULL };
  g_autoptr(FalTestResponse) kept = post_file (ts, url, token->authorization, "text/plain", "kept.txt", NULL, NULL, bytes);
  g_autoptr(FalTestResponse) malformed = post_file (ts, url, token->authorization, "text/plain", "bad.txt",
                                                    "X-Fal-Object-Lifecycle", "{\"expiration_duration_seconds\": 0}",
                                                    bytes);
  g_autoptr(GBytes) still = NULL;

  fal_test_assert_detail (malformed, 400);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(FalTestResponse) response = NULL;
      g_autoptr(GBytes) early = NULL;
      g_autoptr(FalTestResponse) gone = NULL;
      const char *url_got;
      gint64 since = g_get_monotonic_time ();

      /* One name, then the other; last both, as fal_client sends them. */
      if (names[i])
        response = post_file (ts, url, token->authorization, "text/plain", "brief.txt",
                              names[i], "{\"expiration_duration_seconds\": 2}", bytes);
      else
        {
          g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
          SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

          soup_message_headers_replace (headers, "Authorization", token->authorization);
          soup_message_headers_replace (headers, "Accept", "application/json");
          soup_message_headers_replace (headers, "User-Agent", "fal-client/0.0.0 (python)");
          soup_message_headers_replace (headers, "X-Fal-File-Name", "brief.txt");
          soup_message_headers_replace (headers, "X-Fal-Object-Lifecycle", "{\"expiration_duration_seconds\": 2}");
          soup_message_headers_replace (headers, "X-Fal-Object-Lifecycle-Preference",
                                        "{\"expiration_duration_seconds\": 2}");
          fal_test_message_set_bytes (msg, "text/plain", bytes);
          response = fal_test_send (ts, msg);
        }
      g_assert_cmpuint (response->status, ==, 200);
      url_got = fal_test_response_string (response, "access_url");
      early = fal_test_download (ts, url_got, NULL);
      g_assert_true (g_bytes_equal (early, bytes));
      gone = fal_test_wait_file_gone (ts, url_got, 10000);
      g_assert_nonnull (gone);
      g_assert_cmpint (g_get_monotonic_time () - since, <, 3 * G_USEC_PER_SEC);
    }

  /* Without the header a file stays; the refused one was never kept. */
  g_assert_cmpuint (kept->status, ==, 200);
  still = fal_test_download (ts, fal_test_response_string (kept, "access_url"), NULL);
  g_assert_true (g_bytes_equal (still, bytes));
  g_assert_cmpuint (fal_test_count_files (ts, NULL), ==, 1);
  g_assert_cmpuint (fal_test_count_files (ts, "uploads"), ==, 0);
}

/* ------------------------------------------------------------------ streaming */

/* The body goes to disk as it arrives; a client that leaves mid-body
 * leaves nothing behind. */
static void
test_streamed (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(CdnToken) token = get_token (ts);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *half = g_strnfill (65536, 'x');

  g_string_append_printf (head, "POST /cdn/files/upload HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                          "Authorization: %s\r\nX-Fal-File-Name: cut.txt\r\nContent-Length: 10000000\r\n\r\n",
                          token->authorization);
  connection = fal_test_raw_connect (ts);
  fal_test_raw_write (connection, head->str);
  fal_test_raw_write (connection, half);
  fal_test_wait_ms (200);
  /* Mid-body: the file being written is on disk. */
  g_assert_cmpuint (fal_test_count_files (ts, "uploads"), ==, 1);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  g_assert_true (fal_test_wait_until (fal_test_no_partial_uploads, ts, 10000));
  g_assert_cmpuint (fal_test_count_files (ts, NULL), ==, 0);
}

/* ------------------------------------------------------------------ CORS */

static void
test_preflight (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(CdnToken) token = get_token (ts);
  g_autofree char *url = upload_url (token);
  g_autofree char *multipart = g_strconcat (url, "/multipart", NULL);
  const char *urls[] = { url, multipart, TOKEN_PATH };
  g_autoptr(GBytes) bytes = g_bytes_new_static ("page", 4);
  g_autoptr(SoupMessage) post = soup_message_new ("POST", url);
  g_autoptr(FalTestResponse) posted = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autofree char *full = fal_test_url (ts, urls[i]);
      g_autoptr(SoupMessage) msg = soup_message_new ("OPTIONS", full);
      SoupMessageHeaders *headers = soup_message_get_request_headers (msg);
      g_autoptr(FalTestResponse) response = NULL;
      const char *allowed;

      soup_message_headers_replace (headers, "Origin", "https://app.example.test");
      soup_message_headers_replace (headers, "Access-Control-Request-Method", "POST");
      soup_message_headers_replace (headers, "Access-Control-Request-Headers",
                                    "authorization,content-type,x-fal-file-name,x-fal-object-lifecycle");
      response = fal_test_send (ts, msg);
      g_assert_cmpuint (response->status, ==, 204);
      g_assert_cmpstr (fal_test_response_header (response, "Access-Control-Allow-Origin"), ==, "*");
      allowed = fal_test_response_header (response, "Access-Control-Allow-Headers");
      g_assert_nonnull (strstr (allowed, "x-fal-file-name"));
      g_assert_nonnull (strstr (allowed, "authorization"));
    }

  /* The upload itself carries the CORS headers too. */
  soup_message_headers_replace (soup_message_get_request_headers (post), "Origin", "https://app.example.test");
  soup_message_headers_replace (soup_message_get_request_headers (post), "Authorization", token->authorization);
  fal_test_message_set_bytes (post, "text/plain", bytes);
  posted = fal_test_send (ts, post);
  g_assert_cmpuint (posted->status, ==, 200);
  g_assert_cmpstr (fal_test_response_header (posted, "Access-Control-Allow-Origin"), ==, "*");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/python-upload/token", test_token);
  g_test_add_func ("/server/python-upload/single", test_single);
  g_test_add_func ("/server/python-upload/auth", test_auth);
  g_test_add_func ("/server/python-upload/token-scope", test_token_scope);
  g_test_add_func ("/server/python-upload/legacy-and-proxy", test_legacy_and_proxy);
  g_test_add_func ("/server/python-upload/multipart", test_multipart);
  g_test_add_func ("/server/python-upload/lifecycle", test_lifecycle);
  g_test_add_func ("/server/python-upload/streamed", test_streamed);
  g_test_add_func ("/server/python-upload/preflight", test_preflight);

  return g_test_run ();
}
