/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Storage, schemas and the outputs of every simulated endpoint of the
 * local fal server, through real HTTP. */
#include "config.h"

#include <string.h>

#include "fal-local-storage.h"
#include "server-fixture.h"

#define INITIATE "/rest/storage/upload/initiate?storage_type=fal-cdn-v3"
#define INITIATE_MULTIPART "/rest/storage/upload/initiate-multipart?storage_type=fal-cdn-v3"

static GBytes *
random_bytes (gsize  size,
              guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (size);

  for (gsize i = 0; i < size; i++)
    data[i] = g_rand_int (rand) & 0xff;
  return g_bytes_new_take (data, size);
}

static FalTestResponse *
put_bytes (FalTestServer *ts,
           const char    *url,
           const char    *content_type,
           GBytes        *bytes)
{
  /* Signed upload URLs take no Authorization header. */
  g_autoptr(SoupMessage) msg = soup_message_new ("PUT", url);

  g_assert_nonnull (msg);
  fal_test_message_set_bytes (msg, content_type, bytes);
  return fal_test_send (ts, msg);
}

static FalTestResponse *
get_without_key (FalTestServer *ts,
                 const char    *path_or_url)
{
  g_autofree char *url = fal_test_url (ts, path_or_url);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

  return fal_test_send (ts, msg);
}

/* ------------------------------------------------------------------ single */

static void
test_upload_round_trip (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(GBytes) bytes = random_bytes (3 * 1024 * 1024 + 17, 1);
  g_autoptr(FalTestResponse) initiate = fal_test_call (ts, "POST", INITIATE,
                                                       "{\"content_type\": \"application/x-falstaff\", \"file_name\": \"blob.bin\"}");
  g_autoptr(FalTestResponse) early = NULL;
  g_autoptr(FalTestResponse) stored = NULL;
  g_autoptr(FalTestResponse) back = NULL;
  g_autofree char *upload_prefix = g_strdup_printf ("%s/cdn/upload/", ts->url);
  g_autofree char *file_prefix = g_strdup_printf ("%s/cdn/files/", ts->url);
  const char *upload_url, *file_url;

  g_assert_cmpuint (initiate->status, ==, 200);
  upload_url = fal_test_response_string (initiate, "upload_url");
  file_url = fal_test_response_string (initiate, "file_url");
  g_assert_true (g_str_has_prefix (upload_url, upload_prefix));
  g_assert_true (g_str_has_prefix (file_url, file_prefix));
  g_assert_true (g_str_has_suffix (file_url, "/blob.bin"));

  /* Nothing to serve before the bytes arrive. */
  early = get_without_key (ts, file_url);
  fal_test_assert_detail (early, 404);

  stored = put_bytes (ts, upload_url, "application/x-falstaff", bytes);
  g_assert_no_error (stored->error);
  g_assert_cmpuint (stored->status, ==, 200);

  back = get_without_key (ts, file_url);
  g_assert_cmpuint (back->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (back->headers, NULL), ==, "application/x-falstaff");
  g_assert_true (g_bytes_equal (back->body, bytes));
}

/* The PUT's Content-Type is the one served, as on a signed-URL upload. */
static void
test_upload_content_types (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(GBytes) text = g_bytes_new_static ("hello, falstaff\n", 16);
  g_autofree char *png_url = fal_test_upload (ts, text, "image/png", "a.png");
  g_autofree char *wav_url = fal_test_upload (ts, text, "audio/wav", "a.wav");
  g_autoptr(FalTestResponse) initiate = fal_test_call (ts, "POST", INITIATE,
                                                       "{\"content_type\": \"text/plain\", \"file_name\": \"../../etc/passwd\"}");
  g_autoptr(FalTestResponse) stored = NULL;
  g_autofree char *type = NULL;
  g_autoptr(GBytes) png = fal_test_download (ts, png_url, &type);
  g_autoptr(GBytes) other = NULL;

  g_assert_cmpstr (type, ==, "image/png");
  g_assert_true (g_bytes_equal (png, text));
  g_clear_pointer (&type, g_free);
  g_clear_pointer (&png, g_bytes_unref);
  png = fal_test_download (ts, wav_url, &type);
  g_assert_cmpstr (type, ==, "audio/wav");

  /* A file name never names a directory. */
  g_assert_cmpuint (initiate->status, ==, 200);
  g_assert_null (strstr (fal_test_response_string (initiate, "file_url"), ".."));
  g_assert_true (g_str_has_suffix (fal_test_response_string (initiate, "file_url"), "/passwd"));
  stored = put_bytes (ts, fal_test_response_string (initiate, "upload_url"), "application/octet-stream", text);
  g_assert_cmpuint (stored->status, ==, 200);
  g_clear_pointer (&type, g_free);
  other = fal_test_download (ts, fal_test_response_string (initiate, "file_url"), &type);
  g_assert_cmpstr (type, ==, "application/octet-stream");
}

static void
test_upload_auth (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(SoupMessage) msg = fal_test_message (ts, "POST", INITIATE, "{\"content_type\": \"text/plain\"}");
  g_autoptr(SoupMessage) multipart = fal_test_message (ts, "POST", INITIATE_MULTIPART, "{\"content_type\": \"text/plain\"}");
  g_autoptr(FalTestResponse) refused = NULL;
  g_autoptr(FalTestResponse) refused_multipart = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static ("x", 1);
  g_autofree char *url = NULL;

  soup_message_headers_remove (soup_message_get_request_headers (msg), "Authorization");
  refused = fal_test_send (ts, msg);
  fal_test_assert_detail (refused, 401);
  soup_message_headers_remove (soup_message_get_request_headers (multipart), "Authorization");
  refused_multipart = fal_test_send (ts, multipart);
  fal_test_assert_detail (refused_multipart, 401);

  /* The PUT itself needs no key (fal_test_upload sends none). */
  url = fal_test_upload (ts, bytes, "text/plain", "x.txt");
  g_assert_nonnull (url);
}

static void
test_unknown_tokens (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(GBytes) bytes = g_bytes_new_static ("abc", 3);
  g_autofree char *put_url = g_strdup_printf ("%s/cdn/upload/0123456789abcdef", ts->url);
  g_autofree char *part_url = g_strdup_printf ("%s/cdn/multipart/0123456789abcdef/1", ts->url);
  g_autoptr(FalTestResponse) put = put_bytes (ts, put_url, "text/plain", bytes);
  g_autoptr(FalTestResponse) part = put_bytes (ts, part_url, "text/plain", bytes);
  g_autoptr(FalTestResponse) complete = fal_test_call (ts, "POST", "/cdn/multipart/0123456789abcdef/complete",
                                                       "{\"parts\": [{\"partNumber\": 1, \"etag\": \"x\"}]}");
  g_autoptr(FalTestResponse) file = get_without_key (ts, "/cdn/files/0123456789abcdef/a.txt");
  g_autoptr(FalTestResponse) initiate = fal_test_call (ts, "POST", INITIATE, "{}");
  g_autoptr(FalTestResponse) wrong_kind = NULL;
  g_autoptr(FalTestResponse) get_upload = NULL;
  g_autofree char *as_part = NULL;
  g_autofree char *upload_path = NULL;
  const char *upload_url;

  fal_test_assert_detail (put, 404);
  fal_test_assert_detail (part, 404);
  fal_test_assert_detail (complete, 404);
  fal_test_assert_detail (file, 404);

  /* A single-upload token is no multipart token. */
  g_assert_cmpuint (initiate->status, ==, 200);
  upload_url = fal_test_response_string (initiate, "upload_url");
  upload_path = g_strndup (upload_url, strcspn (upload_url, "?"));
  as_part = g_strdup_printf ("%s/cdn/multipart/%s/1", ts->url, strrchr (upload_path, '/') + 1);
  wrong_kind = put_bytes (ts, as_part, "text/plain", bytes);
  fal_test_assert_detail (wrong_kind, 404);

  /* Upload URLs are for PUT. */
  get_upload = get_without_key (ts, upload_url);
  fal_test_assert_detail (get_upload, 405);
}

/* ------------------------------------------------------------------ multipart */

/* {origin}{pathname}/{n}{query}, as the JS client builds part URLs. */
static char *
part_url (const char *upload_url,
          const char *what)
{
  const char *query = strchr (upload_url, '?');
  g_autofree char *base = g_strndup (upload_url, query ? (gsize) (query - upload_url) : strlen (upload_url));

  return g_strdup_printf ("%s/%s%s", base, what, query ? query : "");
}

static char *
put_part (FalTestServer *ts,
          const char    *upload_url,
          guint          number,
          GBytes        *bytes)
{
  g_autofree char *n = g_strdup_printf ("%u", number);
  g_autofree char *url = part_url (upload_url, n);
  g_autoptr(FalTestResponse) response = put_bytes (ts, url, "application/octet-stream", bytes);
  g_autofree char *quoted = NULL;
  JsonObject *object;

  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 200);
  object = fal_test_response_object (response);
  g_assert_cmpint (json_object_get_int_member (object, "partNumber"), ==, number);
  g_assert_nonnull (fal_test_object_string (object, "etag"));
  /* The ETag header carries the same tag, quoted. */
  quoted = g_strdup_printf ("\"%s\"", fal_test_object_string (object, "etag"));
  g_assert_cmpstr (fal_test_response_header (response, "ETag"), ==, quoted);
  return g_strdup (fal_test_object_string (object, "etag"));
}

static FalTestResponse *
complete (FalTestServer *ts,
          const char    *upload_url,
          const char    *body)
{
  g_autofree char *url = part_url (upload_url, "complete");
  g_autoptr(SoupMessage) msg = soup_message_new ("POST", url);
  g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));

  fal_test_message_set_bytes (msg, "application/json", bytes);
  return fal_test_send (ts, msg);
}

/* A completion answered by a drop fault (joining the parts is done off
 * the server's thread, then answered): the server unpaused a message
 * whose connection the fault had stolen (a critical the fault matrix
 * found). The client sees the cut, the server goes on. */
static void
test_multipart_answer_cut (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) initiate = fal_test_call (ts, "POST", INITIATE_MULTIPART,
                                                       "{\"content_type\": \"video/mp4\", \"file_name\": \"big.mp4\"}");
  g_autoptr(GBytes) part = random_bytes (4096, 21);
  g_autofree char *etag = NULL;
  g_autofree char *body = NULL;
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(FalTestResponse) cut = NULL;
  g_autoptr(FalTestResponse) after = NULL;
  const char *upload_url;

  g_assert_cmpuint (initiate->status, ==, 200);
  upload_url = fal_test_response_string (initiate, "upload_url");
  etag = put_part (ts, upload_url, 1, part);
  body = g_strdup_printf ("{\"parts\": [{\"partNumber\": 1, \"etag\": \"%s\"}]}", etag);
  url = part_url (upload_url, "complete");
  msg = soup_message_new ("POST", url);
  bytes = g_bytes_new (body, strlen (body));
  fal_test_message_set_bytes (msg, "application/json", bytes);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-fault", "drop=10");
  cut = fal_test_send (ts, msg);
  g_assert_true (cut->error != NULL || cut->body == NULL || g_bytes_get_size (cut->body) == 10);

  after = fal_test_call (ts, "GET", "/rest/.well-known/jwks.json", NULL);
  g_assert_cmpuint (after->status, ==, 200);
}

static void
test_multipart (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) initiate = fal_test_call (ts, "POST", INITIATE_MULTIPART,
                                                       "{\"content_type\": \"video/mp4\", \"file_name\": \"big.mp4\"}");
  g_autoptr(GBytes) part1 = random_bytes (2 * 1024 * 1024, 11);
  g_autoptr(GBytes) part2 = random_bytes (2 * 1024 * 1024, 12);
  g_autoptr(GBytes) part3 = random_bytes (12345, 13);
  g_autofree char *etag1 = NULL, *etag2 = NULL, *etag3 = NULL;
  g_autofree char *body = NULL;
  g_autofree char *bad_body = NULL;
  g_autofree char *missing_body = NULL;
  g_autoptr(FalTestResponse) bad = NULL;
  g_autoptr(FalTestResponse) missing = NULL;
  g_autoptr(FalTestResponse) empty = NULL;
  g_autoptr(FalTestResponse) malformed = NULL;
  g_autofree char *wrapped_body = NULL;
  g_autofree char *twice_body = NULL;
  g_autoptr(FalTestResponse) wrapped = NULL;
  g_autoptr(FalTestResponse) twice = NULL;
  g_autoptr(FalTestResponse) done = NULL;
  g_autoptr(FalTestResponse) after = NULL;
  g_autoptr(GByteArray) expected = g_byte_array_new ();
  g_autoptr(GBytes) expected_bytes = NULL;
  g_autoptr(GBytes) back = NULL;
  g_autofree char *type = NULL;
  g_autofree char *multipart_prefix = g_strdup_printf ("%s/cdn/multipart/", ts->url);
  const char *upload_url;

  g_assert_cmpuint (initiate->status, ==, 200);
  upload_url = fal_test_response_string (initiate, "upload_url");
  g_assert_true (g_str_has_prefix (upload_url, multipart_prefix));

  /* Out of order on the wire; the completion's list decides. */
  etag3 = put_part (ts, upload_url, 3, part3);
  etag1 = put_part (ts, upload_url, 1, part1);
  etag2 = put_part (ts, upload_url, 2, part2);
  g_assert_cmpstr (etag1, !=, etag2);

  bad_body = g_strdup_printf ("{\"parts\": [{\"partNumber\": 1, \"etag\": \"%s\"}, {\"partNumber\": 2, \"etag\": \"wrong\"},"
                              " {\"partNumber\": 3, \"etag\": \"%s\"}]}", etag1, etag3);
  bad = complete (ts, upload_url, bad_body);
  fal_test_assert_detail (bad, 400);
  missing_body = g_strdup_printf ("{\"parts\": [{\"partNumber\": 1, \"etag\": \"%s\"}, {\"partNumber\": 4, \"etag\": \"%s\"}]}",
                                  etag1, etag3);
  missing = complete (ts, upload_url, missing_body);
  fal_test_assert_detail (missing, 400);
  empty = complete (ts, upload_url, "{\"parts\": []}");
  fal_test_assert_detail (empty, 400);
  malformed = complete (ts, upload_url, "{\"parts\": [{\"partNumber\": \"one\"}]}");
  fal_test_assert_detail (malformed, 400);

  /* 2^32 + 1 was taken as part 1, and a part listed twice broke the
   * upload for good (its file renamed away): both refused, nothing lost. */
  wrapped_body = g_strdup_printf ("{\"parts\": [{\"partNumber\": 4294967297, \"etag\": \"%s\"}, {\"partNumber\": 2, \"etag\": \"%s\"},"
                                  " {\"partNumber\": 3, \"etag\": \"%s\"}]}", etag1, etag2, etag3);
  wrapped = complete (ts, upload_url, wrapped_body);
  fal_test_assert_detail (wrapped, 400);
  twice_body = g_strdup_printf ("{\"parts\": [{\"partNumber\": 1, \"etag\": \"%s\"}, {\"partNumber\": 1, \"etag\": \"%s\"},"
                                " {\"partNumber\": 2, \"etag\": \"%s\"}, {\"partNumber\": 3, \"etag\": \"%s\"}]}",
                                etag1, etag1, etag2, etag3);
  twice = complete (ts, upload_url, twice_body);
  fal_test_assert_detail (twice, 400);

  body = g_strdup_printf ("{\"parts\": [{\"partNumber\": 1, \"etag\": \"%s\"}, {\"partNumber\": 2, \"etag\": \"%s\"},"
                          " {\"partNumber\": 3, \"etag\": \"%s\"}]}", etag1, etag2, etag3);
  done = complete (ts, upload_url, body);
  g_assert_cmpuint (done->status, ==, 200);
  g_assert_cmpstr (fal_test_response_string (done, "file_url"), ==, fal_test_response_string (initiate, "file_url"));

  g_byte_array_append (expected, g_bytes_get_data (part1, NULL), g_bytes_get_size (part1));
  g_byte_array_append (expected, g_bytes_get_data (part2, NULL), g_bytes_get_size (part2));
  g_byte_array_append (expected, g_bytes_get_data (part3, NULL), g_bytes_get_size (part3));
  expected_bytes = g_byte_array_free_to_bytes (g_steal_pointer (&expected));
  back = fal_test_download (ts, fal_test_response_string (done, "file_url"), &type);
  g_assert_cmpstr (type, ==, "video/mp4");
  g_assert_cmpuint (g_bytes_get_size (back), ==, g_bytes_get_size (expected_bytes));
  g_assert_true (g_bytes_equal (back, expected_bytes));

  /* The upload is spent, and its parts are gone from disk. */
  after = complete (ts, upload_url, body);
  fal_test_assert_detail (after, 404);
  g_assert_cmpuint (fal_test_count_files (ts, "uploads"), ==, 0);
}

/* ------------------------------------------------------------------ client leaves */

static void
test_client_leaves_mid_upload (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) initiate = fal_test_call (ts, "POST", INITIATE,
                                                       "{\"content_type\": \"text/plain\", \"file_name\": \"cut.txt\"}");
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  g_autoptr(FalTestResponse) gone = NULL;
  g_autoptr(FalTestResponse) retried = NULL;
  g_autoptr(GBytes) full = random_bytes (1000000, 5);
  g_autoptr(GBytes) back = NULL;
  g_autofree char *half = NULL;
  const char *upload_url, *file_url;
  guint files_before;

  g_assert_cmpuint (initiate->status, ==, 200);
  upload_url = fal_test_response_string (initiate, "upload_url");
  file_url = fal_test_response_string (initiate, "file_url");
  uri = g_uri_parse (upload_url, G_URI_FLAGS_ENCODED, NULL);
  files_before = fal_test_count_files (ts, NULL);

  /* Promise a megabyte, send 64 KiB, hang up. */
  g_string_append_printf (head, "PUT %s?%s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\n"
                          "Content-Length: 1000000\r\n\r\n", g_uri_get_path (uri), g_uri_get_query (uri));
  connection = fal_test_raw_connect (ts);
  fal_test_raw_write (connection, head->str);
  half = g_strnfill (65536, 'x');
  fal_test_raw_write (connection, half);
  /* The partial body reaches the disk before we leave. */
  fal_test_wait_ms (200);
  g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);

  /* No half file is left or served, and the server keeps going. */
  g_assert_true (fal_test_wait_until (fal_test_no_partial_uploads, ts, 10000));
  g_assert_cmpuint (fal_test_count_files (ts, NULL), ==, files_before);
  gone = get_without_key (ts, file_url);
  fal_test_assert_detail (gone, 404);

  /* The signed URL can be used again, as a retrying client would. */
  retried = put_bytes (ts, upload_url, "text/plain", full);
  g_assert_cmpuint (retried->status, ==, 200);
  back = fal_test_download (ts, file_url, NULL);
  g_assert_true (g_bytes_equal (back, full));
}

/* ------------------------------------------------------------------ schemas */

static const char *const endpoint_ids[] = {
  "fal-ai/fast-sdxl",
  "fal-ai/flux/schnell",
  "fal-ai/fast-sdxl/image-to-image",
  "fal-ai/any-llm",
  "fal-ai/llavav15-13b",
  "fal-ai/whisper",
  "fal-ai/stable-audio",
  "fal-ai/minimax/video-01",
};

static void
test_schemas (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) root = fal_test_call (ts, "GET", "/", NULL);
  JsonArray *listed;

  /* The root lists exactly the endpoints offered. */
  g_assert_cmpuint (root->status, ==, 200);
  listed = json_object_get_array_member (fal_test_response_object (root), "endpoints");
  g_assert_cmpuint (json_array_get_length (listed), ==, G_N_ELEMENTS (endpoint_ids));

  for (guint i = 0; i < G_N_ELEMENTS (endpoint_ids); i++)
    {
      g_autofree char *path = g_strdup_printf ("/web/api/openapi/queue/openapi.json?endpoint_id=%s", endpoint_ids[i]);
      g_autofree char *submit_path = g_strdup_printf ("/%s", endpoint_ids[i]);
      g_autoptr(FalTestResponse) document = get_without_key (ts, path);
      g_autofree char *url = fal_test_url (ts, path);
      g_autoptr(SoupMessage) again = soup_message_new ("GET", url);
      g_autoptr(SoupMessage) stale = soup_message_new ("GET", url);
      g_autoptr(FalTestResponse) not_modified = NULL;
      g_autoptr(FalTestResponse) modified = NULL;
      JsonObject *object;
      const char *etag;

      g_assert_cmpstr (json_node_get_string (json_array_get_element (listed, i)), ==, endpoint_ids[i]);
      g_assert_cmpuint (document->status, ==, 200);
      g_assert_cmpstr (soup_message_headers_get_content_type (document->headers, NULL), ==, "application/json");
      object = fal_test_response_object (document);
      g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (json_object_get_object_member (object, "info"),
                                                                                     "x-fal-metadata"), "endpointId"),
                       ==, endpoint_ids[i]);
      g_assert_true (json_object_has_member (json_object_get_object_member (object, "paths"), submit_path));

      etag = fal_test_response_header (document, "ETag");
      g_assert_nonnull (etag);
      g_assert_true (etag[0] == '"' && etag[strlen (etag) - 1] == '"');

      soup_message_headers_replace (soup_message_get_request_headers (again), "If-None-Match", etag);
      not_modified = fal_test_send (ts, again);
      g_assert_cmpuint (not_modified->status, ==, 304);
      g_assert_cmpuint (g_bytes_get_size (not_modified->body), ==, 0);
      g_assert_cmpstr (fal_test_response_header (not_modified, "ETag"), ==, etag);

      soup_message_headers_replace (soup_message_get_request_headers (stale), "If-None-Match", "\"something-else\"");
      modified = fal_test_send (ts, stale);
      g_assert_cmpuint (modified->status, ==, 200);
      g_assert_true (g_bytes_equal (modified->body, document->body));
    }

  {
    g_autoptr(FalTestResponse) unknown = get_without_key (ts, "/web/api/openapi/queue/openapi.json?endpoint_id=fal-ai/nope");
    g_autoptr(FalTestResponse) none = get_without_key (ts, "/web/api/openapi/queue/openapi.json");
    g_autoptr(FalTestResponse) other = get_without_key (ts, "/web/api/other.json");
    g_autoptr(FalTestResponse) post = fal_test_call (ts, "POST", "/web/api/openapi/queue/openapi.json?endpoint_id=fal-ai/fast-sdxl", "{}");

    fal_test_assert_detail (unknown, 404);
    fal_test_assert_detail (none, 404);
    fal_test_assert_detail (other, 404);
    fal_test_assert_detail (post, 405);
  }
}

/* ------------------------------------------------------------------ outputs */

static void
png_size (GBytes *png,
          guint  *width,
          guint  *height)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (png, &size);

  g_assert_cmpuint (size, >, 24);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);
  *width = (guint) data[16] << 24 | data[17] << 16 | data[18] << 8 | data[19];
  *height = (guint) data[20] << 24 | data[21] << 16 | data[22] << 8 | data[23];
}

static JsonObject *
run (FalTestServer *ts,
     const char    *endpoint_id,
     const char    *body)
{
  g_autofree char *path = g_strconcat ("/run/", endpoint_id, NULL);
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", path, body);

  if (response->status != 200)
    g_error ("%s answered %u: %.*s", path, response->status, (int) g_bytes_get_size (response->body),
             (const char *) g_bytes_get_data (response->body, NULL));
  return json_object_ref (fal_test_response_object (response));
}

/* Downloads a File object's url and checks its declared metadata. */
static GBytes *
fetch_file (FalTestServer *ts,
            JsonObject    *file,
            const char    *content_type)
{
  g_autofree char *type = NULL;
  GBytes *bytes = fal_test_download (ts, json_object_get_string_member (file, "url"), &type);

  g_assert_cmpstr (type, ==, content_type);
  g_assert_cmpstr (json_object_get_string_member (file, "content_type"), ==, content_type);
  g_assert_cmpint (json_object_get_int_member (file, "file_size"), ==, g_bytes_get_size (bytes));
  g_assert_nonnull (json_object_get_string_member (file, "file_name"));
  return bytes;
}

static void
test_output_text_to_image (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(JsonObject) sdxl = run (ts, "fal-ai/fast-sdxl",
                                    "{\"prompt\": \"a red fox\", \"image_size\": {\"width\": 300, \"height\": 200},"
                                    " \"num_images\": 2, \"seed\": 42}");
  g_autoptr(JsonObject) flux = run (ts, "fal-ai/flux/schnell", "{\"prompt\": \"a red fox\"}");
  g_autoptr(JsonObject) preset = run (ts, "fal-ai/fast-sdxl", "{\"prompt\": \"a red fox\", \"image_size\": \"portrait_16_9\"}");
  JsonArray *images = json_object_get_array_member (sdxl, "images");
  guint width = 0, height = 0;

  g_assert_cmpuint (json_array_get_length (images), ==, 2);
  g_assert_cmpint (json_object_get_int_member (sdxl, "seed"), ==, 42);
  g_assert_cmpstr (json_object_get_string_member (sdxl, "prompt"), ==, "a red fox");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (sdxl, "has_nsfw_concepts")), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *image = json_array_get_object_element (images, i);
      g_autoptr(GBytes) png = fetch_file (ts, image, "image/png");

      png_size (png, &width, &height);
      g_assert_cmpuint (width, ==, 300);
      g_assert_cmpuint (height, ==, 200);
      g_assert_cmpint (json_object_get_int_member (image, "width"), ==, 300);
      g_assert_cmpint (json_object_get_int_member (image, "height"), ==, 200);
    }

  /* flux's default preset is landscape_4_3. */
  {
    JsonObject *image = json_array_get_object_element (json_object_get_array_member (flux, "images"), 0);
    g_autoptr(GBytes) png = fetch_file (ts, image, "image/png");

    png_size (png, &width, &height);
    g_assert_cmpuint (width, ==, 1024);
    g_assert_cmpuint (height, ==, 768);
  }
  {
    JsonObject *image = json_array_get_object_element (json_object_get_array_member (preset, "images"), 0);
    g_autoptr(GBytes) png = fetch_file (ts, image, "image/png");

    png_size (png, &width, &height);
    g_assert_cmpuint (width, ==, 576);
    g_assert_cmpuint (height, ==, 1024);
  }
}

/* An image made by the server, uploaded back as a user's file. */
static char *
upload_png (FalTestServer *ts,
            guint          width,
            guint          height)
{
  g_autofree char *body = g_strdup_printf ("{\"prompt\": \"source\", \"image_size\": {\"width\": %u, \"height\": %u}}",
                                           width, height);
  g_autoptr(JsonObject) made = run (ts, "fal-ai/fast-sdxl", body);
  JsonObject *image = json_array_get_object_element (json_object_get_array_member (made, "images"), 0);
  g_autoptr(GBytes) png = fal_test_download (ts, json_object_get_string_member (image, "url"), NULL);

  return fal_test_upload (ts, png, "image/png", "source.png");
}

static void
test_output_image_to_image (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autofree char *source = upload_png (ts, 320, 240);
  g_autofree char *body = g_strdup_printf ("{\"prompt\": \"make it blue\", \"image_url\": \"%s\", \"strength\": 0.5}", source);
  g_autoptr(JsonObject) result = run (ts, "fal-ai/fast-sdxl/image-to-image", body);
  JsonObject *image = json_array_get_object_element (json_object_get_array_member (result, "images"), 0);
  g_autoptr(GBytes) png = fetch_file (ts, image, "image/png");
  g_autoptr(FalTestResponse) unreachable = NULL;
  JsonObject *error;
  guint width = 0, height = 0;

  /* Without image_size the output keeps the source's size. */
  png_size (png, &width, &height);
  g_assert_cmpuint (width, ==, 320);
  g_assert_cmpuint (height, ==, 240);

  /* A URL this server cannot reach fails like a download error on fal. */
  unreachable = fal_test_call (ts, "POST", "/run/fal-ai/fast-sdxl/image-to-image",
                               "{\"prompt\": \"x\", \"image_url\": \"https://example.invalid/missing.png\"}");
  g_assert_cmpuint (unreachable->status, ==, 422);
  error = json_array_get_object_element (json_object_get_array_member (fal_test_response_object (unreachable), "detail"), 0);
  g_assert_cmpstr (fal_test_object_string (error, "type"), ==, "file_download_error");
  g_assert_cmpstr (json_node_get_string (json_array_get_element (json_object_get_array_member (error, "loc"), 1)), ==,
                   "image_url");
  g_assert_cmpstr (fal_test_response_header (unreachable, "X-Fal-Error-Type"), ==, "file_download_error");
  g_assert_nonnull (fal_test_response_header (unreachable, "x-fal-request-id"));
}

/* Through the queue, the same failure is a COMPLETED with an error. */
static void
test_output_download_error_queued (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestResponse) submitted = fal_test_call (ts, "POST", "/queue/fal-ai/llavav15-13b",
                                                        "{\"prompt\": \"x\", \"image_url\": \"http://10.255.255.1/a.png\"}");
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(FalTestResponse) result = NULL;

  g_assert_cmpuint (submitted->status, ==, 200);
  done = fal_test_wait_status (ts, fal_test_response_string (submitted, "status_url"), "COMPLETED", 20000);
  g_assert_cmpstr (fal_test_object_string (done, "error_type"), ==, "file_download_error");
  result = fal_test_call (ts, "GET", fal_test_response_string (submitted, "response_url"), NULL);
  g_assert_cmpuint (result->status, ==, 422);
}

static void
test_output_vision (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autofree char *source = upload_png (ts, 320, 240);
  g_autofree char *body = g_strdup_printf ("{\"prompt\": \"what is in it?\", \"image_url\": \"%s\"}", source);
  g_autoptr(JsonObject) result = run (ts, "fal-ai/llavav15-13b", body);
  const char *output = json_object_get_string_member (result, "output");

  g_assert_nonnull (strstr (output, "320 × 240 pixels"));
  g_assert_false (json_object_get_boolean_member (result, "partial"));
}

static double
wav_seconds (GBytes *wav)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (wav, &size);
  guint32 byte_rate;

  g_assert_cmpuint (size, >, 44);
  g_assert_cmpmem (data, 4, "RIFF", 4);
  g_assert_cmpmem (data + 8, 4, "WAVE", 4);
  byte_rate = data[28] | data[29] << 8 | data[30] << 16 | (guint32) data[31] << 24;
  g_assert_cmpuint (byte_rate, >, 0);
  return (size - 44) / (double) byte_rate;
}

static void
test_output_audio_and_whisper (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(JsonObject) audio = run (ts, "fal-ai/stable-audio", "{\"prompt\": \"rain\", \"seconds_total\": 12}");
  JsonObject *file = json_object_get_object_member (audio, "audio_file");
  g_autoptr(GBytes) wav = fetch_file (ts, file, "audio/wav");
  g_autofree char *uploaded = NULL;
  g_autofree char *body = NULL;
  g_autoptr(JsonObject) transcript = NULL;
  g_autoptr(FalTestResponse) not_audio = NULL;
  g_autofree char *text_url = NULL;
  g_autofree char *text_body = NULL;
  g_autoptr(GBytes) text = g_bytes_new_static ("not a wav", 9);
  JsonArray *chunks;
  JsonArray *last;

  g_assert_cmpfloat_with_epsilon (wav_seconds (wav), 12.0, 0.01);

  uploaded = fal_test_upload (ts, wav, "audio/wav", "rain.wav");
  body = g_strdup_printf ("{\"audio_url\": \"%s\"}", uploaded);
  transcript = run (ts, "fal-ai/whisper", body);
  /* 12 s in chunks of 5 s: 3 chunks, the last one ending at 12 s. */
  chunks = json_object_get_array_member (transcript, "chunks");
  g_assert_cmpuint (json_array_get_length (chunks), ==, 3);
  last = json_object_get_array_member (json_array_get_object_element (chunks, 2), "timestamp");
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (last, 0), 10.0, 0.01);
  g_assert_cmpfloat_with_epsilon (json_array_get_double_element (last, 1), 12.0, 0.01);
  g_assert_nonnull (strstr (json_object_get_string_member (transcript, "text"), "12.00 seconds"));

  text_url = fal_test_upload (ts, text, "audio/wav", "fake.wav");
  text_body = g_strdup_printf ("{\"audio_url\": \"%s\"}", text_url);
  not_audio = fal_test_call (ts, "POST", "/run/fal-ai/whisper", text_body);
  g_assert_cmpuint (not_audio->status, ==, 422);
}

static void
test_output_video (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (200, 2, 15000);
  g_autoptr(JsonObject) result = run (ts, "fal-ai/minimax/video-01", "{\"prompt\": \"waves\"}");
  JsonObject *video = json_object_get_object_member (result, "video");
  g_autoptr(GBytes) avi = fetch_file (ts, video, "video/x-msvideo");
  const guint8 *data = g_bytes_get_data (avi, NULL);

  g_assert_cmpmem (data, 4, "RIFF", 4);
  g_assert_cmpmem (data + 8, 4, "AVI ", 4);
  g_assert_cmpint (json_object_get_int_member (video, "width"), ==, 480);
  g_assert_cmpint (json_object_get_int_member (video, "height"), ==, 272);
}

static void
test_output_llm (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(JsonObject) result = run (ts, "fal-ai/any-llm", "{\"prompt\": \"Explain quantum tunnelling\", \"model\": \"openai/gpt-4o\"}");

  g_assert_nonnull (strstr (json_object_get_string_member (result, "output"), "Explain quantum tunnelling"));
  g_assert_nonnull (strstr (json_object_get_string_member (result, "output"), "openai/gpt-4o"));
  g_assert_false (json_object_get_boolean_member (result, "partial"));
}


/* The store forgets its oldest files past its count or byte limits (it
 * kept every upload and generated file while it ran): here 3 files, then
 * 2.5 kB; the forgotten ones are gone from the disk too, the newest
 * always stays. */
static void
test_storage_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("falstaff-storage-XXXXXX", &error);
  g_autoptr(FalLocalStorage) storage = fal_local_storage_new (dir, &error);
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *big = g_strnfill (1000, 'b');
  g_autoptr(GBytes) kilobyte = g_bytes_new (big, 1000);

  g_assert_no_error (error);
  fal_local_storage_set_limits (storage, 3, G_MAXUINT64);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *text = g_strdup_printf ("file %u", i);
      g_autoptr(GBytes) bytes = g_bytes_new (text, strlen (text));

      g_ptr_array_add (ids, fal_local_storage_put_bytes (storage, bytes, "text/plain", "a.txt", &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(FalLocalFile) file = fal_local_storage_lookup (storage, ids->pdata[i]);
      g_autofree char *path = g_build_filename (dir, ids->pdata[i], NULL);

      if (i < 2)
        {
          g_assert_null (file);
          g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
        }
      else
        g_assert_nonnull (file);
    }

  /* By bytes: three 1 kB files against 2.5 kB leave the last two. */
  fal_local_storage_set_limits (storage, 100, 2500);
  g_ptr_array_set_size (ids, 0);
  for (guint i = 0; i < 3; i++)
    g_ptr_array_add (ids, fal_local_storage_put_bytes (storage, kilobyte, "text/plain", "k.txt", &error));
  g_assert_no_error (error);
  {
    g_autoptr(FalLocalFile) first = fal_local_storage_lookup (storage, ids->pdata[0]);
    g_autoptr(FalLocalFile) last = fal_local_storage_lookup (storage, ids->pdata[2]);

    g_assert_null (first);
    g_assert_nonnull (last);
  }
  g_clear_object (&storage);
  fal_test_remove_tree (dir);
}

static gboolean
stored_on_disk (const char *dir,
                const char *id)
{
  g_autofree char *path = g_build_filename (dir, id, NULL);

  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static char *
put_text (FalLocalStorage *storage,
          gsize            size,
          char             fill)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_take (g_strnfill (size, fill), size);
  char *id = fal_local_storage_put_bytes (storage, bytes, "text/plain", "m.txt", &error);

  g_assert_no_error (error);
  return id;
}

static void
assert_reads_back (FalLocalStorage *storage,
                   const char      *id,
                   gsize            size,
                   char             fill)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) read = fal_local_storage_read (storage, id, &error);
  g_autofree char *expected = g_strnfill (size, fill);

  g_assert_no_error (error);
  g_assert_cmpmem (g_bytes_get_data (read, NULL), g_bytes_get_size (read), expected, size);
}

/* Small files stay in memory (no file made or deleted per generated
 * thumbnail), within a per-file and a total bound; the rest go to the
 * disk, and a forgotten in-memory file gives its room back. Either kind
 * reads back the same. */
static void
test_storage_memory (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("falstaff-storage-XXXXXX", &error);
  g_autoptr(FalLocalStorage) storage = fal_local_storage_new (dir, &error);
  g_autofree char *a = NULL, *b = NULL, *big = NULL, *c = NULL, *d = NULL;

  g_assert_no_error (error);
  fal_local_storage_set_memory_limits (storage, 100, 250);
  fal_local_storage_set_limits (storage, 3, G_MAXUINT64);

  a = put_text (storage, 100, 'a');
  b = put_text (storage, 100, 'b');
  big = put_text (storage, 101, 'B');        /* over the per-file bound */
  g_assert_false (stored_on_disk (dir, a));
  g_assert_false (stored_on_disk (dir, b));
  g_assert_true (stored_on_disk (dir, big));
  c = put_text (storage, 60, 'c');            /* 260 > 250 in memory; a is forgotten (3 files) */
  g_assert_true (stored_on_disk (dir, c));
  assert_reads_back (storage, b, 100, 'b');
  assert_reads_back (storage, big, 101, 'B');
  assert_reads_back (storage, c, 60, 'c');
  {
    g_autoptr(FalLocalFile) gone = fal_local_storage_lookup (storage, a);

    g_assert_null (gone);
  }

  /* a's 100 bytes were given back when it was forgotten. */
  d = put_text (storage, 100, 'd');
  g_assert_false (stored_on_disk (dir, d));
  assert_reads_back (storage, d, 100, 'd');

  g_clear_object (&storage);
  fal_test_remove_tree (dir);
}

/* An embedded server keeps every file on disk (the app's memory is the
 * app's); with "memory-files" (falctl serve: 64 MiB) a small output is
 * served from memory, the same bytes. */
static void
test_server_memory_files (void)
{
  const char *body = "{\"prompt\": \"a red fox\", \"image_size\": {\"width\": 64, \"height\": 64}, \"seed\": 3}";
  g_autoptr(FalTestServer) on_disk = fal_test_server_new (40, 2, 15000);
  g_autoptr(FalTestServer) in_memory = fal_test_server_new_with (40, 2, 15000, "memory-files",
                                                                 (guint64) 1024 * 1024, NULL);
  g_autoptr(JsonObject) a = run (on_disk, "fal-ai/fast-sdxl", body);
  g_autoptr(JsonObject) b = run (in_memory, "fal-ai/fast-sdxl", body);
  g_autoptr(GBytes) png_a = fetch_file (on_disk, json_array_get_object_element (json_object_get_array_member (a, "images"), 0),
                                        "image/png");
  g_autoptr(GBytes) png_b = fetch_file (in_memory, json_array_get_object_element (json_object_get_array_member (b, "images"), 0),
                                        "image/png");

  g_assert_cmpuint (fal_test_count_files (on_disk, NULL), ==, 1);
  g_assert_cmpuint (fal_test_count_files (on_disk, "."), ==, 1);
  g_assert_cmpuint (fal_test_count_files (in_memory, NULL), ==, 1);
  g_assert_cmpuint (fal_test_count_files (in_memory, "."), ==, 0);
  g_assert_true (g_bytes_equal (png_a, png_b));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/storage/upload/round-trip", test_upload_round_trip);
  g_test_add_func ("/server/storage/upload/content-types", test_upload_content_types);
  g_test_add_func ("/server/storage/upload/auth", test_upload_auth);
  g_test_add_func ("/server/storage/upload/unknown-token", test_unknown_tokens);
  g_test_add_func ("/server/storage/upload/client-leaves", test_client_leaves_mid_upload);
  g_test_add_func ("/server/storage/multipart", test_multipart);
  g_test_add_func ("/server/storage/multipart/answer-cut", test_multipart_answer_cut);
  g_test_add_func ("/server/storage/limits", test_storage_limits);
  g_test_add_func ("/server/storage/memory", test_storage_memory);
  g_test_add_func ("/server/storage/memory-files", test_server_memory_files);
  g_test_add_func ("/server/storage/schemas", test_schemas);
  g_test_add_func ("/server/storage/outputs/text-to-image", test_output_text_to_image);
  g_test_add_func ("/server/storage/outputs/image-to-image", test_output_image_to_image);
  g_test_add_func ("/server/storage/outputs/download-error-queued", test_output_download_error_queued);
  g_test_add_func ("/server/storage/outputs/vision", test_output_vision);
  g_test_add_func ("/server/storage/outputs/audio-whisper", test_output_audio_and_whisper);
  g_test_add_func ("/server/storage/outputs/video", test_output_video);
  g_test_add_func ("/server/storage/outputs/llm", test_output_llm);

  return g_test_run ();
}
