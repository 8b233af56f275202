/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-error.h"

#define REQUEST_ID "80e732af-660e-45cd-bd63-580e4f2a94cc"

static SoupMessageHeaders *
headers_new (const char *name,
             ...)
{
  SoupMessageHeaders *headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  va_list args;

  va_start (args, name);
  for (; name != NULL; name = va_arg (args, const char *))
    soup_message_headers_append (headers, name, va_arg (args, const char *));
  va_end (args);
  return headers;
}

static JsonNode *
json (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  g_assert_nonnull (node);
  return node;
}

/* Builds the error for status + body text (NULL = not JSON). */
static GError *
response_error (guint               status,
                SoupMessageHeaders *headers,
                const char         *body_text)
{
  g_autoptr(JsonNode) body = body_text ? json (body_text) : NULL;

  return fal_error_new_from_response (status, headers, body);
}

static void
assert_field_error (JsonArray  *errors,
                    guint       index,
                    const char *last_loc,
                    const char *msg,
                    const char *type)
{
  JsonObject *entry;
  JsonArray *loc;

  g_assert_cmpuint (index, <, json_array_get_length (errors));
  entry = json_array_get_object_element (errors, index);
  g_assert_nonnull (entry);
  loc = json_object_get_array_member (entry, "loc");
  g_assert_nonnull (loc);
  g_assert_cmpstr (json_array_get_string_element (loc, json_array_get_length (loc) - 1), ==, last_loc);
  g_assert_cmpstr (json_object_get_string_member (entry, "msg"), ==, msg);
  g_assert_cmpstr (json_object_get_string_member (entry, "type"), ==, type);
}

static void
assert_describe (const GError *error,
                 const char   *expected)
{
  g_autofree char *line = fal_error_describe (error);

  g_assert_cmpstr (line, ==, expected);
}

static void
test_status_codes (void)
{
  const struct {
    guint status;
    FalErrorCode code;
  } cases[] = {
    { 400, FAL_ERROR_APP },
    { 401, FAL_ERROR_UNAUTHORIZED },
    { 402, FAL_ERROR_APP },
    { 403, FAL_ERROR_FORBIDDEN },
    { 404, FAL_ERROR_NOT_FOUND },
    { 405, FAL_ERROR_APP },
    { 408, FAL_ERROR_TIMEOUT },
    { 409, FAL_ERROR_APP },
    { 410, FAL_ERROR_APP },
    { 413, FAL_ERROR_APP },
    { 422, FAL_ERROR_VALIDATION },
    { 429, FAL_ERROR_RATE_LIMITED },
    { 451, FAL_ERROR_APP },
    { 499, FAL_ERROR_APP },
    { 500, FAL_ERROR_SERVER },
    { 501, FAL_ERROR_SERVER },
    { 502, FAL_ERROR_SERVER },
    { 503, FAL_ERROR_SERVER },
    { 504, FAL_ERROR_TIMEOUT },
    { 505, FAL_ERROR_SERVER },
    { 599, FAL_ERROR_SERVER },
    /* Not an error answer at all. */
    { 200, FAL_ERROR_PROTOCOL },
    { 302, FAL_ERROR_PROTOCOL },
    { 0, FAL_ERROR_PROTOCOL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = response_error (cases[i].status, NULL, NULL);

      g_test_message ("HTTP %u", cases[i].status);
      g_assert_error (error, FAL_ERROR, (int) cases[i].code);
      g_assert_cmpuint (fal_error_get_http_status (error), ==, cases[i].status);
      g_assert_null (fal_error_get_request_id (error));
      g_assert_null (fal_error_get_error_type (error));
      g_assert_cmpint (fal_error_get_retry_after (error), ==, -1);
      g_assert_false (fal_error_is_user_timeout (error));
      /* Only a 422 always carries a (possibly empty) list. */
      if (cases[i].status == 422)
        g_assert_cmpuint (json_array_get_length (fal_error_get_field_errors (error)), ==, 0);
      else
        g_assert_null (fal_error_get_field_errors (error));
    }
}

static void
test_401 (void)
{
  g_autoptr(SoupMessageHeaders) headers = headers_new ("x-fal-request-id", REQUEST_ID, NULL);
  g_autoptr(GError) error = response_error (401, headers, "{\"detail\": \"No user found for Key ID and Secret\"}");

  g_assert_error (error, FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
  g_assert_cmpstr (error->message, ==, "No user found for Key ID and Secret");
  g_assert_cmpstr (fal_error_get_request_id (error), ==, REQUEST_ID);
  /* Other codes than 422 do not wrap a string detail. */
  g_assert_null (fal_error_get_field_errors (error));
  assert_describe (error, "Invalid key (HTTP 401): No user found for Key ID and Secret [request " REQUEST_ID "]");
}

static void
test_422_detail_array (void)
{
  g_autoptr(SoupMessageHeaders) headers = headers_new ("x-fal-request-id", REQUEST_ID, NULL);
  g_autoptr(GError) error = response_error (422, headers,
    "{\"detail\": ["
    "  {\"loc\": [\"body\", \"prompt\"], \"msg\": \"Field required\", \"type\": \"missing\"},"
    "  {\"loc\": [\"body\", \"image_size\", \"width\"], \"msg\": \"Input should be less than or equal to 14142\","
    "   \"type\": \"less_than_equal\", \"ctx\": {\"le\": 14142}, \"input\": 20000}"
    "]}");
  JsonArray *errors;

  g_assert_error (error, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_cmpstr (error->message, ==,
                   "prompt: Field required; width: Input should be less than or equal to 14142");
  errors = fal_error_get_field_errors (error);
  g_assert_cmpuint (json_array_get_length (errors), ==, 2);
  assert_field_error (errors, 0, "prompt", "Field required", "missing");
  assert_field_error (errors, 1, "width", "Input should be less than or equal to 14142", "less_than_equal");
  /* Extra members come along. */
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (errors, 1), "input"), ==, 20000);
  assert_describe (error, "Validation failed: prompt: Field required; width: Input should be less than or equal to 14142"
                          " [request " REQUEST_ID "]");
}

static void
test_422_single (void)
{
  g_autoptr(GError) error = response_error (422, NULL,
    "{\"detail\": [{\"loc\": [\"body\", \"prompt\"], \"msg\": \"Field required\", \"type\": \"missing\"}]}");

  g_assert_cmpstr (error->message, ==, "prompt: Field required");
  assert_describe (error, "Validation failed: prompt: Field required");
}

static void
test_422_detail_string (void)
{
  g_autoptr(GError) error = response_error (422, NULL, "{\"detail\": \"Image too small\"}");
  JsonArray *errors;
  JsonArray *loc;

  g_assert_error (error, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_cmpstr (error->message, ==, "Image too small");
  errors = fal_error_get_field_errors (error);
  g_assert_cmpuint (json_array_get_length (errors), ==, 1);
  assert_field_error (errors, 0, "body", "Image too small", "value_error");
  loc = json_object_get_array_member (json_array_get_object_element (errors, 0), "loc");
  g_assert_cmpuint (json_array_get_length (loc), ==, 1);
  assert_describe (error, "Validation failed: Image too small");
}

static void
test_422_detail_missing (void)
{
  g_autoptr(GError) error = response_error (422, NULL, "{\"error\": \"nope\"}");

  g_assert_error (error, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_cmpstr (error->message, ==, "HTTP 422 Unprocessable Entity");
  g_assert_cmpuint (json_array_get_length (fal_error_get_field_errors (error)), ==, 0);
  assert_describe (error, "Validation failed (HTTP 422 Unprocessable Entity)");

  /* An empty string is no detail either. */
  {
    g_autoptr(GError) empty = response_error (422, NULL, "{\"detail\": \"\"}");

    g_assert_cmpstr (empty->message, ==, "HTTP 422 Unprocessable Entity");
    g_assert_cmpuint (json_array_get_length (fal_error_get_field_errors (empty)), ==, 0);
  }
}

static void
test_422_detail_odd (void)
{
  /* Every odd shape a detail array can hold, and more entries than the
   * summary names. */
  g_autoptr(GError) error = response_error (422, NULL,
    "{\"detail\": ["
    "  \"plain text entry\","
    "  42,"
    "  null,"
    "  [\"nested\"],"
    "  {\"loc\": [\"body\", \"images\", 0], \"msg\": \"Bad image\", \"type\": \"image_load_error\"},"
    "  {\"loc\": \"prompt\", \"msg\": \"loc is not a list\", \"type\": \"x\"},"
    "  {\"loc\": [\"body\", \"seed\"], \"type\": \"no msg\"},"
    "  {\"loc\": [\"body\", \"seed\"], \"msg\": 7, \"type\": \"msg not a string\"},"
    "  \"\","
    "  {\"loc\": [\"body\", \"seed\"], \"msg\": \"\", \"type\": \"empty msg\"},"
    "  {\"loc\": [], \"msg\": \"Empty loc\", \"type\": \"x\"},"
    "  {\"loc\": [\"body\", \"steps\"], \"msg\": \"Too many\", \"type\": \"x\"}"
    "]}");
  JsonArray *errors = fal_error_get_field_errors (error);

  /* Objects kept, the non-empty string wrapped, the rest dropped. */
  g_assert_cmpuint (json_array_get_length (errors), ==, 8);
  for (guint i = 0; i < json_array_get_length (errors); i++)
    g_assert_nonnull (json_array_get_object_element (errors, i));
  assert_field_error (errors, 0, "body", "plain text entry", "value_error");
  /* Three named, then a count of the rest that have a message. */
  g_assert_cmpstr (error->message, ==, "plain text entry; images: Bad image; loc is not a list (+2 more)");
}

static void
test_422_detail_object (void)
{
  g_autoptr(GError) error = response_error (422, NULL,
    "{\"detail\": {\"loc\": [\"body\", \"prompt\"], \"msg\": \"Too long\", \"type\": \"string_too_long\"}}");
  g_autoptr(GError) unrelated = response_error (422, NULL, "{\"detail\": {\"foo\": 1}}");

  g_assert_cmpstr (error->message, ==, "prompt: Too long");
  g_assert_cmpuint (json_array_get_length (fal_error_get_field_errors (error)), ==, 1);
  /* An object that is no field error is not taken for one. */
  g_assert_cmpuint (json_array_get_length (fal_error_get_field_errors (unrelated)), ==, 0);
}

static void
test_body_null (void)
{
  g_autoptr(GError) error = response_error (503, NULL, NULL);

  g_assert_error (error, FAL_ERROR, FAL_ERROR_SERVER);
  g_assert_cmpstr (error->message, ==, "HTTP 503 Service Unavailable");
  assert_describe (error, "Server error (HTTP 503 Service Unavailable)");
}

static void
test_body_shapes (void)
{
  const struct {
    guint status;
    const char *body;
    const char *message;
  } cases[] = {
    { 500, "[1, 2, 3]", "HTTP 500 Internal Server Error" },
    { 500, "[{\"detail\": \"in an array\"}]", "HTTP 500 Internal Server Error" },
    { 500, "\"just a string\"", "HTTP 500 Internal Server Error" },
    { 500, "42", "HTTP 500 Internal Server Error" },
    { 500, "null", "HTTP 500 Internal Server Error" },
    { 500, "{}", "HTTP 500 Internal Server Error" },
    { 500, "{\"detail\": null}", "HTTP 500 Internal Server Error" },
    { 500, "{\"detail\": 17}", "HTTP 500 Internal Server Error" },
    { 500, "{\"detail\": {\"foo\": 1}}", "HTTP 500 Internal Server Error" },
    { 500, "{\"detail\": \"\"}", "HTTP 500 Internal Server Error" },
    { 500, "{\"detail\": []}", "HTTP 500 Internal Server Error" },
    { 500, "{\"message\": 5}", "HTTP 500 Internal Server Error" },
    { 404, "{\"status\": \"NOT_FOUND\"}", "HTTP 404 Not Found" },
    { 400, "{\"status\": \"ALREADY_COMPLETED\"}", "HTTP 400 Bad Request" },
    { 400, "{\"message\": \"Quota exceeded\"}", "Quota exceeded" },
    { 400, "{\"detail\": \"Bad input\", \"message\": \"Generic\"}", "Bad input" },
    { 400, "{\"detail\": [{\"loc\": [\"body\", \"x\"], \"msg\": \"bad\", \"type\": \"t\"}], \"message\": \"Generic\"}", "x: bad" },
    { 400, "{\"detail\": [{\"type\": \"t\"}], \"message\": \"Generic\"}", "Generic" },
    { 418, NULL, "HTTP 418" },       /* a phrase libsoup does not know */
    { 599, NULL, "HTTP 599" },
    { 429, NULL, "HTTP 429 Too Many Requests" },
    { 499, NULL, "HTTP 499 Client Closed Request" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = response_error (cases[i].status, NULL, cases[i].body);

      g_test_message ("%u %s", cases[i].status, cases[i].body);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }

  /* A structured detail on another code than 422 is kept. */
  {
    g_autoptr(GError) error = response_error (400, NULL,
      "{\"detail\": [{\"loc\": [\"body\", \"x\"], \"msg\": \"bad\", \"type\": \"t\"}]}");

    g_assert_error (error, FAL_ERROR, FAL_ERROR_APP);
    g_assert_cmpuint (json_array_get_length (fal_error_get_field_errors (error)), ==, 1);
  }
}

static void
test_body_message (void)
{
  g_autoptr(GError) error = response_error (400, NULL, "{\"message\": \"Quota exceeded\"}");

  g_assert_error (error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_cmpstr (error->message, ==, "Quota exceeded");
  assert_describe (error, "Request failed (HTTP 400): Quota exceeded");
}

static void
test_error_type (void)
{
  g_autoptr(SoupMessageHeaders) header = headers_new ("X-Fal-Error-Type", "runner_disconnected", NULL);
  g_autoptr(GError) from_header = response_error (503, header, "{\"detail\": \"Runner disconnected\"}");
  g_autoptr(GError) from_body = response_error (504, NULL,
    "{\"detail\": \"Request timed out\", \"error_type\": \"request_timeout\"}");
  g_autoptr(GError) both = response_error (503, header,
    "{\"detail\": \"x\", \"error_type\": \"runner_scheduling_failure\"}");
  g_autoptr(GError) body_not_string = response_error (503, header, "{\"error_type\": 5}");

  g_assert_cmpstr (fal_error_get_error_type (from_header), ==, "runner_disconnected");
  g_assert_cmpstr (fal_error_get_error_type (from_body), ==, "request_timeout");
  g_assert_error (from_body, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_false (fal_error_is_user_timeout (from_body));
  g_assert_cmpstr (fal_error_get_error_type (both), ==, "runner_scheduling_failure");
  g_assert_cmpstr (fal_error_get_error_type (body_not_string), ==, "runner_disconnected");
  assert_describe (from_header, "Server error (HTTP 503): Runner disconnected");
  assert_describe (from_body, "Timed out (HTTP 504): Request timed out");
}

static void
test_request_id (void)
{
  g_autoptr(SoupMessageHeaders) headers = headers_new ("X-Fal-Request-Id", REQUEST_ID, NULL);
  g_autoptr(SoupMessageHeaders) blank = headers_new ("x-fal-request-id", "", NULL);
  g_autoptr(GError) error = response_error (404, headers, "{\"status\": \"NOT_FOUND\"}");
  g_autoptr(GError) no_id = response_error (404, blank, NULL);

  /* Header names are case-insensitive. */
  g_assert_cmpstr (fal_error_get_request_id (error), ==, REQUEST_ID);
  g_assert_null (fal_error_get_request_id (no_id));
  assert_describe (error, "Not found (HTTP 404 Not Found) [request " REQUEST_ID "]");
}

static void
test_retry_after (void)
{
  g_autoptr(SoupMessageHeaders) seconds = headers_new ("Retry-After", "17", NULL);
  g_autoptr(SoupMessageHeaders) garbage = headers_new ("Retry-After", "whenever", NULL);
  g_autoptr(SoupMessageHeaders) date = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) later = g_date_time_add_seconds (now, 120);
  g_autofree char *later_text = soup_date_time_to_string (later, SOUP_DATE_HTTP);
  g_autoptr(GError) from_seconds = NULL;
  g_autoptr(GError) from_date = NULL;
  g_autoptr(GError) from_garbage = NULL;
  gint64 left;

  soup_message_headers_append (date, "Retry-After", later_text);

  from_seconds = response_error (429, seconds, "{\"detail\": \"Too many requests\"}");
  from_date = response_error (503, date, NULL);
  from_garbage = response_error (429, garbage, NULL);

  g_assert_error (from_seconds, FAL_ERROR, FAL_ERROR_RATE_LIMITED);
  g_assert_cmpint (fal_error_get_retry_after (from_seconds), ==, 17);
  /* Allow for the clock moving on while the test runs. */
  left = fal_error_get_retry_after (from_date);
  g_assert_cmpint (left, <=, 120);
  g_assert_cmpint (left, >=, 110);
  g_assert_cmpint (fal_error_get_retry_after (from_garbage), ==, -1);

  assert_describe (from_seconds, "Rate limited (HTTP 429): Too many requests, retry after 17 s");
  assert_describe (from_garbage, "Rate limited (HTTP 429 Too Many Requests)");
}

static void
test_504_user_timeout (void)
{
  g_autoptr(SoupMessageHeaders) user = headers_new ("X-Fal-Request-Timeout-Type", "user",
                                                    "x-fal-request-id", REQUEST_ID, NULL);
  g_autoptr(GError) error = response_error (504, user,
    "{\"detail\": \"Request timed out\", \"error_type\": \"startup_timeout\"}");
  g_autoptr(GError) not_504 = response_error (408, user, NULL);
  g_autoptr(GError) plain = response_error (504, NULL, NULL);

  g_assert_error (error, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_true (fal_error_is_user_timeout (error));
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "startup_timeout");
  assert_describe (error, "No runner started in time (HTTP 504): Request timed out [request " REQUEST_ID "]");

  g_assert_error (not_504, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_false (fal_error_is_user_timeout (not_504));
  g_assert_error (plain, FAL_ERROR, FAL_ERROR_TIMEOUT);
  g_assert_false (fal_error_is_user_timeout (plain));
  assert_describe (plain, "Timed out (HTTP 504 Gateway Timeout)");
}

static void
test_499 (void)
{
  g_autoptr(GError) cancelled = response_error (499, NULL,
    "{\"detail\": \"Client cancelled\", \"error_type\": \"client_cancelled\"}");
  g_autoptr(SoupMessageHeaders) header = headers_new ("X-Fal-Error-Type", "client_cancelled", NULL);
  g_autoptr(GError) cancelled_header = response_error (499, header, NULL);
  g_autoptr(GError) disconnected = response_error (499, NULL,
    "{\"detail\": \"Client disconnected\", \"error_type\": \"client_disconnected\"}");

  g_assert_error (cancelled, FAL_ERROR, FAL_ERROR_CANCELLED);
  g_assert_error (cancelled_header, FAL_ERROR, FAL_ERROR_CANCELLED);
  g_assert_error (disconnected, FAL_ERROR, FAL_ERROR_APP);
  /* Cancelled is said in words, never as an HTTP status. */
  assert_describe (cancelled, "Cancelled");
}

static void
test_copy (void)
{
  g_autoptr(SoupMessageHeaders) headers = headers_new ("x-fal-request-id", REQUEST_ID,
                                                       "X-Fal-Error-Type", "validation",
                                                       "Retry-After", "3", NULL);
  g_autoptr(GError) error = response_error (422, headers,
    "{\"detail\": [{\"loc\": [\"body\", \"prompt\"], \"msg\": \"Field required\", \"type\": \"missing\"}]}");
  g_autoptr(GError) copy = g_error_copy (error);

  g_clear_error (&error);
  g_assert_error (copy, FAL_ERROR, FAL_ERROR_VALIDATION);
  g_assert_cmpuint (fal_error_get_http_status (copy), ==, 422);
  g_assert_cmpstr (fal_error_get_request_id (copy), ==, REQUEST_ID);
  g_assert_cmpstr (fal_error_get_error_type (copy), ==, "validation");
  g_assert_cmpint (fal_error_get_retry_after (copy), ==, 3);
  assert_field_error (fal_error_get_field_errors (copy), 0, "prompt", "Field required", "missing");
}

static void
test_literal_full (void)
{
  g_autoptr(GError) error = fal_error_new_literal_full (FAL_ERROR_APP, "Model failed", 200, REQUEST_ID, "runner_server_error");
  g_autoptr(GError) bare = fal_error_new_literal_full (FAL_ERROR_MISSING_KEY, "Set FAL_KEY or add a key in Preferences", 0, NULL, NULL);
  g_autoptr(GError) plain = g_error_new (FAL_ERROR, FAL_ERROR_PROTOCOL, "Expected an object, got %s", "an array");

  g_assert_error (error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_cmpstr (error->message, ==, "Model failed");
  g_assert_cmpuint (fal_error_get_http_status (error), ==, 200);
  g_assert_cmpstr (fal_error_get_request_id (error), ==, REQUEST_ID);
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "runner_server_error");
  g_assert_null (fal_error_get_field_errors (error));
  g_assert_cmpint (fal_error_get_retry_after (error), ==, -1);
  assert_describe (error, "Request failed (HTTP 200): Model failed [request " REQUEST_ID "]");
  assert_describe (bare, "No API key: Set FAL_KEY or add a key in Preferences");

  /* Plain g_error_new() works on the extended domain too. */
  g_assert_cmpuint (fal_error_get_http_status (plain), ==, 0);
  g_assert_cmpint (fal_error_get_retry_after (plain), ==, -1);
  assert_describe (plain, "Unexpected answer: Expected an object, got an array");
}

static void
test_foreign_error (void)
{
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "x");
  g_autoptr(GPtrArray) fields = fal_error_field_errors_for (error, "prompt");

  g_assert_cmpuint (fal_error_get_http_status (error), ==, 0);
  g_assert_null (fal_error_get_request_id (error));
  g_assert_null (fal_error_get_error_type (error));
  g_assert_null (fal_error_get_field_errors (error));
  g_assert_cmpint (fal_error_get_retry_after (error), ==, -1);
  g_assert_false (fal_error_is_user_timeout (error));
  g_assert_cmpuint (fields->len, ==, 0);
}

static void
test_transport (void)
{
  const struct {
    GQuark domain;
    int code;
    const char *message;
    FalErrorCode mapped;
    const char *described;
  } cases[] = {
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled", FAL_ERROR_CANCELLED,
      "Cancelled: Operation was cancelled" },
    { G_IO_ERROR, G_IO_ERROR_TIMED_OUT, "Socket I/O timed out", FAL_ERROR_TIMEOUT,
      "Timed out: Socket I/O timed out" },
    { G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED, "Could not connect to 127.0.0.1: Connection refused",
      FAL_ERROR_NETWORK, "Network error: Could not connect to 127.0.0.1: Connection refused" },
    { G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, "Connection reset by peer", FAL_ERROR_NETWORK,
      "Network error: Connection reset by peer" },
    { G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "Error resolving “queue.fal.run”: Name or service not known",
      FAL_ERROR_NETWORK, "Network error: Error resolving “queue.fal.run”: Name or service not known" },
    { G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE, "Unacceptable TLS certificate", FAL_ERROR_NETWORK,
      "Network error: Unacceptable TLS certificate" },
    { SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING, "Could not parse HTTP response", FAL_ERROR_NETWORK,
      "Network error: Could not parse HTTP response" },
    { JSON_PARSER_ERROR, JSON_PARSER_ERROR_INVALID_BAREWORD, "<data>:1:1: Parse error", FAL_ERROR_PROTOCOL,
      "Unexpected answer: <data>:1:1: Parse error" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) original = g_error_new_literal (cases[i].domain, cases[i].code, cases[i].message);
      g_autoptr(GError) mapped = fal_error_new_from_transport (original);

      g_assert_error (mapped, FAL_ERROR, (int) cases[i].mapped);
      g_assert_cmpstr (mapped->message, ==, cases[i].message);
      g_assert_cmpuint (fal_error_get_http_status (mapped), ==, 0);
      g_assert_null (fal_error_get_request_id (mapped));
      assert_describe (mapped, cases[i].described);
      /* describe maps foreign errors itself. */
      assert_describe (original, cases[i].described);
    }

  /* A FAL_ERROR is copied with its details. */
  {
    g_autoptr(SoupMessageHeaders) headers = headers_new ("x-fal-request-id", REQUEST_ID, NULL);
    g_autoptr(GError) original = response_error (401, headers, NULL);
    g_autoptr(GError) mapped = fal_error_new_from_transport (original);

    g_assert_true (mapped != original);
    g_assert_error (mapped, FAL_ERROR, FAL_ERROR_UNAUTHORIZED);
    g_assert_cmpuint (fal_error_get_http_status (mapped), ==, 401);
    g_assert_cmpstr (fal_error_get_request_id (mapped), ==, REQUEST_ID);
  }
}

static void
test_describe (void)
{
  g_autoptr(GError) multiline = response_error (500, NULL,
    "{\"detail\": \"  Traceback:\\n\\tline 1\\r\\n  boom \\u0007 \"}");
  g_autoptr(GError) forbidden = response_error (403, NULL, "{\"detail\": \"Key lacks the queue scope\"}");
  g_autoptr(GError) insecure = g_error_new_literal (FAL_ERROR, FAL_ERROR_INSECURE_URL,
                                                    "Refusing plain http to example.com");
  g_autoptr(GError) invalid = g_error_new_literal (FAL_ERROR, FAL_ERROR_INVALID_ENDPOINT,
                                                   "Invalid endpoint id “x”: expected “owner/alias”");

  assert_describe (multiline, "Server error (HTTP 500): Traceback: line 1 boom");
  assert_describe (forbidden, "Not allowed (HTTP 403): Key lacks the queue scope");
  assert_describe (insecure, "Insecure URL: Refusing plain http to example.com");
  assert_describe (invalid, "Invalid endpoint id “x”: expected “owner/alias”");
}

static void
test_field_errors_for (void)
{
  g_autoptr(GError) error = response_error (422, NULL,
    "{\"detail\": ["
    "  {\"loc\": [\"body\", \"prompt\"], \"msg\": \"Field required\", \"type\": \"missing\"},"
    "  {\"loc\": [\"body\", \"image_size\", \"width\"], \"msg\": \"Too wide\", \"type\": \"less_than_equal\"},"
    "  {\"loc\": [\"body\", \"prompt\"], \"msg\": \"Too long\", \"type\": \"string_too_long\"},"
    "  {\"loc\": [\"body\", \"images\", 0], \"msg\": \"Bad\", \"type\": \"x\"},"
    "  {\"msg\": \"no loc\", \"type\": \"x\"}"
    "]}");
  g_autoptr(GPtrArray) prompt = fal_error_field_errors_for (error, "prompt");
  g_autoptr(GPtrArray) width = fal_error_field_errors_for (error, "width");
  g_autoptr(GPtrArray) image_size = fal_error_field_errors_for (error, "image_size");
  g_autoptr(GPtrArray) body = fal_error_field_errors_for (error, "body");
  g_autoptr(GError) wrapped = response_error (422, NULL, "{\"detail\": \"Bad request body\"}");
  g_autoptr(GPtrArray) wrapped_body = fal_error_field_errors_for (wrapped, "body");
  g_autoptr(GError) not_422 = response_error (500, NULL, NULL);
  g_autoptr(GPtrArray) none = fal_error_field_errors_for (not_422, "prompt");

  g_assert_cmpuint (prompt->len, ==, 2);
  g_assert_cmpstr (json_object_get_string_member (prompt->pdata[0], "msg"), ==, "Field required");
  g_assert_cmpstr (json_object_get_string_member (prompt->pdata[1], "msg"), ==, "Too long");
  g_assert_cmpuint (width->len, ==, 1);
  /* Only the last loc element counts. */
  g_assert_cmpuint (image_size->len, ==, 0);
  g_assert_cmpuint (body->len, ==, 0);
  g_assert_cmpuint (wrapped_body->len, ==, 1);
  g_assert_cmpuint (none->len, ==, 0);

  /* The entries outlive the error. */
  g_clear_error (&error);
  g_assert_cmpstr (json_object_get_string_member (prompt->pdata[0], "type"), ==, "missing");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/error/status-codes", test_status_codes);
  g_test_add_func ("/fal/error/401", test_401);
  g_test_add_func ("/fal/error/422-detail-array", test_422_detail_array);
  g_test_add_func ("/fal/error/422-detail-single", test_422_single);
  g_test_add_func ("/fal/error/422-detail-string", test_422_detail_string);
  g_test_add_func ("/fal/error/422-detail-missing", test_422_detail_missing);
  g_test_add_func ("/fal/error/422-detail-odd", test_422_detail_odd);
  g_test_add_func ("/fal/error/422-detail-object", test_422_detail_object);
  g_test_add_func ("/fal/error/body-null", test_body_null);
  g_test_add_func ("/fal/error/body-shapes", test_body_shapes);
  g_test_add_func ("/fal/error/body-message", test_body_message);
  g_test_add_func ("/fal/error/error-type", test_error_type);
  g_test_add_func ("/fal/error/request-id", test_request_id);
  g_test_add_func ("/fal/error/retry-after", test_retry_after);
  g_test_add_func ("/fal/error/504-user-timeout", test_504_user_timeout);
  g_test_add_func ("/fal/error/499", test_499);
  g_test_add_func ("/fal/error/copy", test_copy);
  g_test_add_func ("/fal/error/literal-full", test_literal_full);
  g_test_add_func ("/fal/error/foreign-error", test_foreign_error);
  g_test_add_func ("/fal/error/transport", test_transport);
  g_test_add_func ("/fal/error/describe", test_describe);
  g_test_add_func ("/fal/error/field-errors-for", test_field_errors_for);

  return g_test_run ();
}
