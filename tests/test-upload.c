/* SPDX-License-Identifier: GPL-3.0-or-later */
/* FalUpload and auto-upload against the local fal server, through real
 * HTTP: single and multipart round trips, progress, retries, failures,
 * cancel, the key rule, and which input values get uploaded. */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "fal-auto-upload.h"
#include "fal-client.h"
#include "fal-error.h"
#include "fal-upload.h"
#include "server-fixture.h"

#define MIB (1024 * 1024)
#define UPLOAD_TIMEOUT_MS 120000

/* A file just over the 90 MiB switch, shared by the tests that need the
 * real thresholds (written once: it takes a moment). */
static char *big_path;
static guint64 big_size;
static char *tmp_dir;

/* ------------------------------------------------------------------ files */

/* Byte i of a pattern file: a mix of i and the seed, so a misplaced or
 * repeated part shows. */
static void
pattern_fill (guint8  *buffer,
              guint64  offset,
              gsize    length,
              guint32  seed)
{
  for (gsize i = 0; i < length; i++)
    {
      guint64 x = (offset + i) / 8 * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15) + seed;

      x ^= x >> 29;
      buffer[i] = (guint8) (x >> (8 * ((offset + i) % 8)));
    }
}

static char *
write_pattern_file (const char *name,
                    guint64     size,
                    guint32     seed)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autofree guint8 *buffer = g_malloc (MIB);
  FILE *out = fopen (path, "wb");
  guint64 written = 0;

  g_assert_nonnull (out);
  while (written < size)
    {
      gsize n = MIN ((guint64) MIB, size - written);

      pattern_fill (buffer, written, n, seed);
      g_assert_cmpuint (fwrite (buffer, 1, n, out), ==, n);
      written += n;
    }
  g_assert_cmpint (fclose (out), ==, 0);
  return path;
}

static char *
write_file (const char *name,
            const void *data,
            gsize       length)
{
  char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, data, length, &error);
  g_assert_no_error (error);
  return path;
}

static GBytes *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize length = 0;

  g_file_get_contents (path, &data, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, length);
}

static void
assert_same_bytes (GBytes *a,
                   GBytes *b)
{
  g_assert_cmpuint (g_bytes_get_size (a), ==, g_bytes_get_size (b));
  /* memcmp, not g_bytes_equal: a failure names the first bad offset. */
  if (memcmp (g_bytes_get_data (a, NULL), g_bytes_get_data (b, NULL), g_bytes_get_size (a)) != 0)
    {
      const guint8 *x = g_bytes_get_data (a, NULL);
      const guint8 *y = g_bytes_get_data (b, NULL);
      gsize i = 0;

      while (x[i] == y[i])
        i++;
      g_error ("The bytes differ from offset %" G_GSIZE_FORMAT, i);
    }
}

/* ------------------------------------------------------------------ client */

static FalClient *
new_client (FalTestServer *ts)
{
  /* g_object_new, not fal_client_new: the environment's key and URLs
   * must not leak in. */
  FalClient *client = g_object_new (FAL_TYPE_CLIENT, NULL);

  fal_client_use_local_server (client, ts->url);
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  return client;
}

typedef struct {
  GArray *times;               /* gint64, monotonic µs */
  GArray *values;              /* guint64 */
  guint finished;
  GArray *states;              /* FalUploadState, as notified */
} Watch;

static void
bytes_sent_cb (FalUpload  *upload,
               GParamSpec *pspec,
               Watch      *watch)
{
  gint64 now = g_get_monotonic_time ();
  guint64 value = fal_upload_get_bytes_sent (upload);

  g_array_append_val (watch->times, now);
  g_array_append_val (watch->values, value);
}

static void
state_cb (FalUpload  *upload,
          GParamSpec *pspec,
          Watch      *watch)
{
  FalUploadState state = fal_upload_get_state (upload);

  g_array_append_val (watch->states, state);
}

static void
finished_cb (FalUpload *upload,
             Watch     *watch)
{
  watch->finished++;
}

static void
watch_init (Watch     *watch,
            FalUpload *upload)
{
  watch->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  watch->values = g_array_new (FALSE, FALSE, sizeof (guint64));
  watch->states = g_array_new (FALSE, FALSE, sizeof (FalUploadState));
  g_signal_connect (upload, "notify::bytes-sent", G_CALLBACK (bytes_sent_cb), watch);
  g_signal_connect (upload, "notify::state", G_CALLBACK (state_cb), watch);
  g_signal_connect (upload, "finished", G_CALLBACK (finished_cb), watch);
}

static void
watch_clear (Watch *watch)
{
  g_array_unref (watch->times);
  g_array_unref (watch->values);
  g_array_unref (watch->states);
}

static gboolean
upload_finished (gpointer data)
{
  return fal_upload_is_finished (data);
}

static void
wait_finished (FalUpload *upload)
{
  g_assert_true (fal_test_wait_until (upload_finished, upload, UPLOAD_TIMEOUT_MS));
}

/* Monotonic, never more than the total, and complete when done. */
static void
assert_progress (Watch     *watch,
                 FalUpload *upload)
{
  guint n = watch->values->len;
  gint64 max_gap = 0;
  gint64 min_gap = G_MAXINT64;

  g_assert_cmpuint (n, >, 0);
  for (guint i = 0; i < n; i++)
    {
      guint64 value = g_array_index (watch->values, guint64, i);

      g_assert_cmpuint (value, <=, fal_upload_get_bytes_total (upload));
      if (i > 0)
        {
          gint64 gap = g_array_index (watch->times, gint64, i) - g_array_index (watch->times, gint64, i - 1);

          g_assert_cmpuint (value, >, g_array_index (watch->values, guint64, i - 1));
          /* The last notification (completion) is not a timer's. */
          if (i < n - 1)
            {
              min_gap = MIN (min_gap, gap);
              max_gap = MAX (max_gap, gap);
            }
        }
    }
  g_assert_cmpuint (g_array_index (watch->values, guint64, n - 1), ==, fal_upload_get_bytes_total (upload));
  g_assert_cmpuint (fal_upload_get_bytes_sent (upload), ==, fal_upload_get_bytes_total (upload));

  /* How often progress is told is measured by bench-upload-client:
   * timings under load (or ASan) are not a unit test's to assert. */
  g_test_message ("%u progress notifications, gaps %.1f…%.1f ms", n,
                  min_gap == G_MAXINT64 ? 0 : min_gap / 1000.0, max_gap / 1000.0);
}

/* The entries of the request log whose path matches the regex. */
static GPtrArray *
log_entries (FalTestServer *ts,
             const char    *method,
             const char    *path_regex)
{
  g_autoptr(JsonArray) log = fal_test_request_log (ts);
  g_autoptr(GRegex) regex = g_regex_new (path_regex, 0, 0, NULL);
  GPtrArray *matches = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);

  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_str_equal (json_object_get_string_member (entry, "method"), method) &&
          g_regex_match (regex, json_object_get_string_member (entry, "path"), 0, NULL))
        g_ptr_array_add (matches, json_object_ref (entry));
    }
  return matches;
}

static guint
count_entries (FalTestServer *ts,
               const char    *method,
               const char    *path_regex)
{
  g_autoptr(GPtrArray) entries = log_entries (ts, method, path_regex);

  return entries->len;
}

static const char *
entry_header (JsonObject *entry,
              const char *name)
{
  JsonObject *headers = json_object_get_object_member (entry, "headers");

  return json_object_has_member (headers, name) ? json_object_get_string_member (headers, name) : NULL;
}

static void
assert_keyless (GPtrArray *entries)
{
  for (guint i = 0; i < entries->len; i++)
    g_assert_false (json_object_get_boolean_member (g_ptr_array_index (entries, i), "authorization"));
}

/* ------------------------------------------------------------------ single */

static void
test_single_round_trip (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *path = write_pattern_file ("single.bin", 5 * MIB + 123, 7);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FalUpload) upload = fal_client_upload (client, file, NULL);
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) source = read_file (path);
  g_autoptr(GPtrArray) initiates = NULL;
  g_autoptr(GPtrArray) puts = NULL;
  Watch watch = { 0 };

  watch_init (&watch, upload);
  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_PENDING);
  wait_finished (upload);

  g_assert_no_error (fal_upload_get_error (upload));
  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_DONE);
  g_assert_false (fal_upload_get_multipart (upload));
  g_assert_cmpuint (fal_upload_get_bytes_total (upload), ==, 5 * MIB + 123);
  g_assert_cmpuint (watch.finished, ==, 1);
  g_assert_cmpuint (watch.states->len, ==, 2);
  g_assert_cmpint (g_array_index (watch.states, FalUploadState, 0), ==, FAL_UPLOAD_UPLOADING);
  g_assert_cmpint (g_array_index (watch.states, FalUploadState, 1), ==, FAL_UPLOAD_DONE);
  assert_progress (&watch, upload);
  g_assert_true (g_str_has_prefix (fal_upload_get_url (upload), ts->url));
  g_assert_true (g_str_has_suffix (fal_upload_get_url (upload), "/single.bin"));

  stored = fal_test_download (ts, fal_upload_get_url (upload), NULL);
  assert_same_bytes (stored, source);

  /* The key went to initiate only; the PUT carried the type and no key. */
  initiates = log_entries (ts, "POST", "^/rest/storage/upload/initiate$");
  g_assert_cmpuint (initiates->len, ==, 1);
  g_assert_true (json_object_get_boolean_member (g_ptr_array_index (initiates, 0), "authorization"));
  g_assert_cmpstr (json_object_get_string_member (g_ptr_array_index (initiates, 0), "query"), ==,
                   "storage_type=fal-cdn-v3");
  puts = log_entries (ts, "PUT", "^/cdn/");
  g_assert_cmpuint (puts->len, ==, 1);
  assert_keyless (puts);
  g_assert_cmpstr (entry_header (g_ptr_array_index (puts, 0), "content-type"), ==, "application/octet-stream");
  g_assert_cmpuint (count_entries (ts, "GET", "^/cdn/files/"), ==, 1);   /* our own download only */
  watch_clear (&watch);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GAsyncResult **out = data;

  *out = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

static void
test_wait (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *path = write_file ("wait.txt", "hello, fal\n", 11);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FalUpload) upload = fal_client_upload (client, file, NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) late = NULL;
  g_autoptr(GAsyncResult) cancelled = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *late_url = NULL;

  /* A wait whose own cancellable fires ends alone. */
  fal_upload_wait_async (upload, cancellable, wait_cb, &cancelled);
  g_cancellable_cancel (cancellable);
  fal_upload_wait_async (upload, NULL, wait_cb, &result);
  g_assert_true (fal_test_wait_until (is_set, &result, UPLOAD_TIMEOUT_MS));
  g_assert_nonnull (cancelled);
  g_assert_null (fal_upload_wait_finish (upload, cancelled, &error));
  g_assert_error (error, FAL_ERROR, FAL_ERROR_CANCELLED);
  g_clear_error (&error);

  url = fal_upload_wait_finish (upload, result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (url, ==, fal_upload_get_url (upload));
  g_assert_cmpstr (fal_upload_get_content_type (upload), ==, "text/plain");

  /* After the end, a wait answers at once (on the next turn). */
  fal_upload_wait_async (upload, NULL, wait_cb, &late);
  g_assert_true (fal_test_wait_until (is_set, &late, 1000));
  late_url = fal_upload_wait_finish (upload, late, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (late_url, ==, url);
}

typedef struct {
  const char *name;
  const guint8 *data;
  gsize length;
  const char *given;
  const char *expected;
} TypeCase;

static void
test_content_type (void)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                                0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89 };
  static const guint8 text[] = "a few words of plain text\n";
  const TypeCase cases[] = {
    { "photo.png", png, sizeof png, NULL, "image/png" },
    { "no-extension", png, sizeof png, NULL, "image/png" },      /* from the bytes */
    { "notes.txt", text, sizeof text - 1, NULL, "text/plain" },
    { "notes.md.png", text, sizeof text - 1, "application/x-falstaff", "application/x-falstaff" },  /* given wins */
  };
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_file (cases[i].name, cases[i].data, cases[i].length);
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(FalUpload) upload = fal_client_upload (client, file, cases[i].given);
      g_autoptr(GPtrArray) puts = NULL;
      g_autoptr(GBytes) stored = NULL;
      g_autofree char *stored_type = NULL;

      fal_test_clear_request_log (ts);
      wait_finished (upload);
      g_assert_no_error (fal_upload_get_error (upload));
      g_assert_cmpstr (fal_upload_get_content_type (upload), ==, cases[i].expected);
      puts = log_entries (ts, "PUT", "^/cdn/upload/");
      g_assert_cmpuint (puts->len, ==, 1);
      g_assert_cmpstr (entry_header (g_ptr_array_index (puts, 0), "content-type"), ==, cases[i].expected);
      stored = fal_test_download (ts, fal_upload_get_url (upload), &stored_type);
      g_assert_cmpstr (stored_type, ==, cases[i].expected);
      g_assert_cmpuint (g_bytes_get_size (stored), ==, cases[i].length);
    }
}

static void
test_put_fails (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *path = write_pattern_file ("fails.bin", 2 * MIB, 3);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FalUpload) upload = NULL;
  g_autofree char *line = NULL;
  Watch watch = { 0 };

  fal_test_add_fault (ts, "PUT", "^/cdn/upload/", 1, "status=500");
  upload = fal_client_upload (client, file, NULL);
  watch_init (&watch, upload);
  wait_finished (upload);

  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_FAILED);
  g_assert_error (fal_upload_get_error (upload), FAL_ERROR, FAL_ERROR_SERVER);
  g_assert_cmpuint (fal_error_get_http_status (fal_upload_get_error (upload)), ==, 500);
  g_assert_null (fal_upload_get_url (upload));
  g_assert_cmpuint (watch.finished, ==, 1);
  line = fal_error_describe (fal_upload_get_error (upload));
  g_test_message ("%s", line);
  g_assert_nonnull (strstr (line, "fails.bin"));
  /* One PUT: the spec does not retry a single PUT. */
  g_assert_cmpuint (count_entries (ts, "PUT", "^/cdn/upload/"), ==, 1);
  watch_clear (&watch);
}

/* ------------------------------------------------------------------ multipart */

static void
test_multipart_round_trip (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autoptr(GFile) file = g_file_new_for_path (big_path);
  g_autoptr(FalUpload) upload = fal_client_upload (client, file, NULL);
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) source = NULL;
  g_autoptr(GPtrArray) initiates = NULL;
  g_autoptr(GPtrArray) parts = NULL;
  g_autoptr(GPtrArray) completes = NULL;
  g_autoptr(GHashTable) numbers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  Watch watch = { 0 };

  watch_init (&watch, upload);
  wait_finished (upload);
  g_assert_no_error (fal_upload_get_error (upload));
  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_DONE);
  g_assert_true (fal_upload_get_multipart (upload));
  g_assert_cmpuint (watch.finished, ==, 1);
  assert_progress (&watch, upload);

  stored = fal_test_download (ts, fal_upload_get_url (upload), NULL);
  source = read_file (big_path);
  assert_same_bytes (stored, source);

  /* initiate-multipart with the key; 10 MiB parts and complete without. */
  g_assert_cmpuint (count_entries (ts, "POST", "^/rest/storage/upload/initiate$"), ==, 0);
  initiates = log_entries (ts, "POST", "^/rest/storage/upload/initiate-multipart$");
  g_assert_cmpuint (initiates->len, ==, 1);
  g_assert_true (json_object_get_boolean_member (g_ptr_array_index (initiates, 0), "authorization"));
  parts = log_entries (ts, "PUT", "^/cdn/multipart/[^/]+/[0-9]+$");
  g_assert_cmpuint (parts->len, ==, (big_size + 10 * MIB - 1) / (10 * MIB));
  assert_keyless (parts);
  for (guint i = 0; i < parts->len; i++)
    {
      JsonObject *entry = g_ptr_array_index (parts, i);
      const char *number = strrchr (json_object_get_string_member (entry, "path"), '/') + 1;

      /* Bare parts, each with the upload URL's query. */
      g_assert_null (entry_header (entry, "content-type"));
      g_assert_true (g_str_has_prefix (json_object_get_string_member (entry, "query"), "X-Local-Signature="));
      g_assert_cmpint (json_object_get_int_member (entry, "status"), ==, 200);
      g_assert_true (g_hash_table_add (numbers, g_strdup (number)));
    }
  completes = log_entries (ts, "POST", "^/cdn/multipart/[^/]+/complete$");
  g_assert_cmpuint (completes->len, ==, 1);
  assert_keyless (completes);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (g_ptr_array_index (completes, 0), "query"),
                                   "X-Local-Signature="));
  watch_clear (&watch);
}

/* Small parts, so the paths are exercised without the big file. */
static const FalUploadOptions small_parts = { 1 * MIB, 256 * 1024, 4 };

static void
test_multipart_out_of_order (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *path = write_pattern_file ("order.bin", 10 * 256 * 1024 - 1000, 11);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FalUpload) upload = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) source = read_file (path);
  g_autoptr(JsonArray) log = NULL;
  gint64 first_part_id = -1, last_part_id = -1;

  /* Part 1 is answered long after the others. */
  fal_test_add_fault (ts, "PUT", "^/cdn/multipart/[^/]+/1$", 1, "stall=700");
  upload = fal_client_upload_full (client, file, NULL, &small_parts);
  wait_finished (upload);
  g_assert_no_error (fal_upload_get_error (upload));
  g_assert_true (fal_upload_get_multipart (upload));

  stored = fal_test_download (ts, fal_upload_get_url (upload), NULL);
  assert_same_bytes (stored, source);

  /* Part 1 arrived first yet the later parts went out meanwhile. */
  log = fal_test_request_log (ts);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      const char *entry_path = json_object_get_string_member (entry, "path");

      if (g_str_has_prefix (entry_path, "/cdn/multipart/") && g_str_has_suffix (entry_path, "/1"))
        first_part_id = json_object_get_int_member (entry, "id");
      if (g_str_has_prefix (entry_path, "/cdn/multipart/") && g_str_has_suffix (entry_path, "/10"))
        last_part_id = json_object_get_int_member (entry, "id");
    }
  g_assert_cmpint (first_part_id, >=, 0);
  g_assert_cmpint (last_part_id, >, first_part_id);
}

static void
test_multipart_part_retried (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *path = write_pattern_file ("retry.bin", 6 * 256 * 1024 + 5, 13);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FalUpload) upload = NULL;
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) source = read_file (path);
  g_autoptr(GPtrArray) third = NULL;
  Watch watch = { 0 };

  /* Part 3 fails twice (a 500, then a cut connection), then goes in. */
  fal_test_add_fault (ts, "PUT", "^/cdn/multipart/[^/]+/3$", 1, "status=500");
  fal_test_add_fault (ts, "PUT", "^/cdn/multipart/[^/]+/3$", 1, "status=502; drop=3");
  upload = fal_client_upload_full (client, file, NULL, &small_parts);
  watch_init (&watch, upload);
  wait_finished (upload);
  g_assert_no_error (fal_upload_get_error (upload));
  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_DONE);
  assert_progress (&watch, upload);

  third = log_entries (ts, "PUT", "^/cdn/multipart/[^/]+/3$");
  g_assert_cmpuint (third->len, ==, 3);
  stored = fal_test_download (ts, fal_upload_get_url (upload), NULL);
  assert_same_bytes (stored, source);
  watch_clear (&watch);
}

static void
test_multipart_part_fails (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *path = write_pattern_file ("part-fails.bin", 6 * 256 * 1024, 17);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FalUpload) upload = NULL;
  g_autofree char *line = NULL;

  fal_test_add_fault (ts, "PUT", "^/cdn/multipart/[^/]+/2$", 3, "status=503");
  upload = fal_client_upload_full (client, file, NULL, &small_parts);
  wait_finished (upload);

  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_FAILED);
  g_assert_error (fal_upload_get_error (upload), FAL_ERROR, FAL_ERROR_SERVER);
  g_assert_cmpuint (fal_error_get_http_status (fal_upload_get_error (upload)), ==, 503);
  line = fal_error_describe (fal_upload_get_error (upload));
  g_test_message ("%s", line);
  g_assert_nonnull (strstr (line, "Part 2 of 6 of part-fails.bin"));
  g_assert_cmpuint (count_entries (ts, "PUT", "^/cdn/multipart/[^/]+/2$"), ==, 3);
  g_assert_cmpuint (count_entries (ts, "POST", "/complete$"), ==, 0);
}

static void
cancel_on_progress_cb (FalUpload  *upload,
                       GParamSpec *pspec,
                       gpointer    data)
{
  if (fal_upload_get_bytes_sent (upload) > 0)
    fal_upload_cancel (upload);
}

static void
check_cancelled (FalUpload *upload,
                 gboolean   mid_body)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;

  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_CANCELLED);
  g_assert_error (fal_upload_get_error (upload), FAL_ERROR, FAL_ERROR_CANCELLED);
  g_assert_cmpuint (fal_upload_get_bytes_sent (upload), >, 0);
  if (mid_body)
    g_assert_cmpuint (fal_upload_get_bytes_sent (upload), <, fal_upload_get_bytes_total (upload));
  g_assert_null (fal_upload_get_url (upload));
  fal_upload_wait_async (upload, NULL, wait_cb, &result);
  g_assert_true (fal_test_wait_until (is_set, &result, 1000));
  url = fal_upload_wait_finish (upload, result, &error);
  g_assert_null (url);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_CANCELLED);
}

static void
test_cancel (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *path = write_pattern_file ("cancel.bin", 8 * 256 * 1024, 19);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  const FalUploadOptions one_at_a_time = { 1 * MIB, 256 * 1024, 1 };
  FalUpload *upload;
  Watch watch = { 0 };

  /* Multipart: part 2 hangs; the cancel comes once part 1 counted. */
  fal_test_add_fault (ts, "PUT", "^/cdn/multipart/[^/]+/2$", 1, "stall=3000");
  upload = fal_client_upload_full (client, file, NULL, &one_at_a_time);
  g_object_add_weak_pointer (G_OBJECT (upload), (gpointer *) &upload);
  watch_init (&watch, upload);
  g_signal_connect (upload, "notify::bytes-sent", G_CALLBACK (cancel_on_progress_cb), NULL);
  wait_finished (upload);
  check_cancelled (upload, TRUE);
  g_assert_cmpuint (watch.finished, ==, 1);
  g_assert_cmpuint (count_entries (ts, "POST", "/complete$"), ==, 0);
  g_assert_cmpuint (count_entries (ts, "PUT", "^/cdn/multipart/"), <=, 2);
  watch_clear (&watch);

  /* The worker threads let go of it soon after. */
  g_object_unref (upload);
  for (guint i = 0; i < 200 && upload != NULL; i++)
    fal_test_wait_ms (10);
  g_assert_null (upload);

  /* A single PUT whose answer hangs (its whole body may be out by the
   * time bytes-sent is first told). */
  fal_test_add_fault (ts, "PUT", "^/cdn/upload/", 1, "stall=3000");
  upload = fal_client_upload (client, file, NULL);
  g_signal_connect (upload, "notify::bytes-sent", G_CALLBACK (cancel_on_progress_cb), NULL);
  wait_finished (upload);
  check_cancelled (upload, FALSE);
  g_object_unref (upload);
}

static void
test_cancel_before_start (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *path = write_file ("early.txt", "x", 1);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FalUpload) upload = fal_client_upload (client, file, NULL);

  fal_upload_cancel (upload);
  g_assert_true (fal_upload_is_finished (upload));
  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_CANCELLED);
  fal_test_wait_ms (100);
  g_assert_cmpuint (count_entries (ts, "POST", "^/rest/"), ==, 0);
}

/* ------------------------------------------------------------------ bad files */

static void
assert_file_error (FalTestServer *ts,
                   FalClient     *client,
                   GFile         *file,
                   const char    *error_type,
                   const char    *message_part)
{
  g_autoptr(FalUpload) upload = fal_client_upload (client, file, NULL);
  g_autofree char *line = NULL;

  wait_finished (upload);
  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_FAILED);
  g_assert_error (fal_upload_get_error (upload), FAL_ERROR, FAL_ERROR_APP);
  g_assert_cmpstr (fal_error_get_error_type (fal_upload_get_error (upload)), ==, error_type);
  line = fal_error_describe (fal_upload_get_error (upload));
  g_test_message ("%s", line);
  g_assert_nonnull (strstr (fal_upload_get_error (upload)->message, message_part));
}

static void
test_bad_files (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *empty_path = write_file ("photo.png", "", 0);
  g_autofree char *missing_path = g_build_filename (tmp_dir, "missing.png", NULL);
  g_autoptr(GFile) empty = g_file_new_for_path (empty_path);
  g_autoptr(GFile) missing = g_file_new_for_path (missing_path);
  g_autoptr(GFile) folder = g_file_new_for_path (tmp_dir);

  assert_file_error (ts, client, empty, "file_empty", "photo.png is empty (0 bytes)");
  assert_file_error (ts, client, missing, "file_unreadable", "missing.png was not found");
  assert_file_error (ts, client, folder, "file_unreadable", "is a folder, not a file");
  if (geteuid () != 0)
    {
      g_autofree char *locked_path = write_file ("locked.png", "secret", 6);
      g_autoptr(GFile) locked = g_file_new_for_path (locked_path);

      g_assert_cmpint (g_chmod (locked_path, 0), ==, 0);
      assert_file_error (ts, client, locked, "file_unreadable", "locked.png cannot be read: permission denied");
    }
  else
    g_test_message ("running as root: a file without read permission would still be read");

  /* Nothing was asked of the server. */
  g_assert_cmpuint (count_entries (ts, "POST", "^/rest/"), ==, 0);
}

static void
test_missing_key (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = g_object_new (FAL_TYPE_CLIENT, NULL);
  g_autofree char *path = write_file ("nokey.txt", "x", 1);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(FalUpload) upload = NULL;

  fal_client_use_local_server (client, ts->url);
  upload = fal_client_upload (client, file, NULL);
  wait_finished (upload);
  g_assert_error (fal_upload_get_error (upload), FAL_ERROR, FAL_ERROR_MISSING_KEY);
  g_assert_cmpuint (count_entries (ts, "POST", "^/rest/"), ==, 0);
}

/* ------------------------------------------------------------------ auto-upload */

static JsonNode *
parse (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static const char *
string_at (JsonNode   *root,
           const char *pointer)
{
  JsonNode *node = root;
  g_auto(GStrv) segments = g_strsplit (pointer, "/", -1);

  for (guint i = 0; segments[i]; i++)
    {
      if (JSON_NODE_HOLDS_ARRAY (node))
        node = json_array_get_element (json_node_get_array (node), atoi (segments[i]));
      else
        node = json_object_get_member (json_node_get_object (node), segments[i]);
      g_assert_nonnull (node);
    }
  return json_node_get_string (node);
}

static JsonNode *
upload_inputs (FalClient          *client,
               JsonNode           *input,
               const char * const *paths,
               guint               max_parallel,
               GListStore         *uploads,
               GCancellable       *cancellable,
               GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  fal_client_upload_inputs_full_async (client, input, paths, max_parallel, uploads, cancellable, wait_cb, &result);
  g_assert_true (fal_test_wait_until (is_set, &result, UPLOAD_TIMEOUT_MS));
  return fal_client_upload_inputs_finish (client, result, error);
}

static void
assert_uploaded (FalTestServer *ts,
                 const char    *url,
                 const char    *source_path)
{
  g_autoptr(GBytes) stored = NULL;
  g_autoptr(GBytes) source = read_file (source_path);

  g_assert_true (g_str_has_prefix (url, ts->url));
  g_assert_nonnull (strstr (url, "/cdn/files/"));
  stored = fal_test_download (ts, url, NULL);
  assert_same_bytes (stored, source);
}

static void
test_auto_nested (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *a = write_pattern_file ("a.png", 3000, 1);
  g_autofree char *b = write_pattern_file ("b.jpg", 4000, 2);
  g_autofree char *c = write_pattern_file ("c c.png", 5000, 3);
  g_autofree char *d = write_pattern_file ("d.png", 6000, 4);
  g_autofree char *e = write_pattern_file ("e.safetensors", 7000, 5);
  g_autofree char *c_uri = g_filename_to_uri (c, NULL, NULL);
  g_autofree char *a_uri = g_filename_to_uri (a, NULL, NULL);
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) input = NULL;
  g_autoptr(JsonNode) before = NULL;
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(GListStore) uploads = g_list_store_new (FAL_TYPE_UPLOAD);
  g_autoptr(GError) error = NULL;
  const char * const paths[] = {
    /* As FalFormModel gives them (fal_form_model_get_file_paths), and a
     * JSON Pointer spelling. */
    "image_url", "images/*", "/nested/mask", "loras/*/path", "missing/path", "images/99", "prompt/deeper", NULL
  };

  text = g_strdup_printf ("{\"prompt\": \"%s\","
                          " \"image_url\": \"%s\","
                          " \"images\": [\"%s\", \"https://example.com/x.png\", \"data:image/png;base64,AAAA\", \"%s\", 7, \"relative.png\"],"
                          " \"nested\": {\"mask\": \"%s\", \"other\": \"%s\"},"
                          " \"loras\": [{\"path\": \"%s\", \"scale\": 1}, {\"path\": \"https://example.com/l.safetensors\"}],"
                          " \"unmarked\": \"%s\"}",
                          a_uri, a, b, c_uri, a_uri, d, e, d);
  input = parse (text);
  before = json_node_copy (input);
  output = upload_inputs (client, input, paths, 2, uploads, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (output);

  /* Marked local files became URLs, the same file once. */
  assert_uploaded (ts, string_at (output, "image_url"), a);
  assert_uploaded (ts, string_at (output, "images/0"), b);
  assert_uploaded (ts, string_at (output, "images/3"), c);
  assert_uploaded (ts, string_at (output, "loras/0/path"), e);
  g_assert_cmpstr (string_at (output, "loras/1/path"), ==, "https://example.com/l.safetensors");
  g_assert_cmpstr (string_at (output, "nested/mask"), ==, string_at (output, "image_url"));
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (uploads)), ==, 4);
  g_assert_cmpuint (count_entries (ts, "POST", "^/rest/storage/upload/initiate$"), ==, 4);

  /* Everything else as it was: text that looks like a file, URLs, data:
   * URIs, relative paths, non-strings, unmarked paths. */
  g_assert_cmpstr (string_at (output, "prompt"), ==, a_uri);
  g_assert_cmpstr (string_at (output, "images/1"), ==, "https://example.com/x.png");
  g_assert_cmpstr (string_at (output, "images/2"), ==, "data:image/png;base64,AAAA");
  g_assert_cmpint (json_node_get_int (json_array_get_element (json_object_get_array_member (json_node_get_object (output), "images"), 4)), ==, 7);
  g_assert_cmpstr (string_at (output, "images/5"), ==, "relative.png");
  g_assert_cmpstr (string_at (output, "nested/other"), ==, d);
  g_assert_cmpstr (string_at (output, "unmarked"), ==, d);
  g_assert_cmpint (json_node_get_int (json_object_get_member (json_node_get_object (json_array_get_element (
                     json_object_get_array_member (json_node_get_object (output), "loras"), 0)), "scale")), ==, 1);

  /* The caller's input is untouched. */
  g_assert_true (json_node_equal (input, before));
}

static void
test_auto_nothing_marked (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autoptr(JsonNode) input = parse ("{\"prompt\": \"/etc/passwd\", \"image_url\": \"https://example.com/a.png\"}");
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(GError) error = NULL;
  const char * const paths[] = { "image_url", NULL };

  output = upload_inputs (client, input, paths, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (input, output));
  g_clear_pointer (&output, json_node_unref);
  output = upload_inputs (client, input, NULL, 0, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (input, output));
  g_assert_cmpuint (count_entries (ts, "POST", "^/rest/"), ==, 0);
}

static void
test_auto_failure (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *good = write_pattern_file ("good.png", 3000, 1);
  g_autofree char *empty = write_file ("empty.png", "", 0);
  g_autofree char *text = g_strdup_printf ("{\"images\": [\"%s\", \"%s\"]}", good, empty);
  g_autoptr(JsonNode) input = parse (text);
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(GError) error = NULL;
  const char * const paths[] = { "images/*", NULL };
  const char * const remote[] = { "image_url", NULL };

  output = upload_inputs (client, input, paths, 0, NULL, NULL, &error);
  g_assert_null (output);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_cmpstr (error->message, ==, "images/1: empty.png is empty (0 bytes)");
  g_assert_cmpstr (fal_error_get_error_type (error), ==, "file_empty");
  g_clear_error (&error);

  /* A file: URI of another machine is refused, not sent to the model. */
  g_clear_pointer (&input, json_node_unref);
  input = parse ("{\"image_url\": \"file://elsewhere/photo.png\"}");
  output = upload_inputs (client, input, remote, 0, NULL, NULL, &error);
  g_assert_null (output);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_APP);
  g_assert_nonnull (strstr (error->message, "image_url: file://elsewhere/photo.png is not a file on this computer"));
}

typedef struct {
  GListStore *uploads;
  guint running;
  guint max_running;
} Bound;

static void
bound_state_cb (FalUpload  *upload,
                GParamSpec *pspec,
                Bound      *bound)
{
  if (fal_upload_is_finished (upload))
    bound->running--;
}

static void
bound_items_changed_cb (GListModel *model,
                        guint       position,
                        guint       removed,
                        guint       added,
                        Bound      *bound)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(FalUpload) upload = g_list_model_get_item (model, i);

      bound->running++;
      bound->max_running = MAX (bound->max_running, bound->running);
      g_signal_connect (upload, "notify::state", G_CALLBACK (bound_state_cb), bound);
    }
}

static void
test_auto_bounded (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autoptr(GListStore) uploads = g_list_store_new (FAL_TYPE_UPLOAD);
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) input = NULL;
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char * const paths[] = { "files/*", NULL };
  Bound bound = { uploads, 0, 0 };

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "files");
  json_builder_begin_array (builder);
  for (guint i = 0; i < 7; i++)
    {
      g_autofree char *name = g_strdup_printf ("many-%u.bin", i);
      char *path = write_pattern_file (name, 300 * 1024 + i, i);

      g_ptr_array_add (files, path);
      json_builder_add_string_value (builder, path);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  input = json_builder_get_root (builder);

  /* Every PUT waits a little, so the uploads overlap. */
  fal_test_add_fault (ts, "PUT", "^/cdn/upload/", 7, "stall=150");
  g_signal_connect (uploads, "items-changed", G_CALLBACK (bound_items_changed_cb), &bound);
  output = upload_inputs (client, input, paths, 2, uploads, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (uploads)), ==, 7);
  g_assert_cmpuint (bound.max_running, ==, 2);
  for (guint i = 0; i < files->len; i++)
    {
      g_autofree char *pointer = g_strdup_printf ("files/%u", i);

      assert_uploaded (ts, string_at (output, pointer), g_ptr_array_index (files, i));
    }
}

static void
cancel_soon_cb (GListModel   *model,
                guint         position,
                guint         removed,
                guint         added,
                GCancellable *cancellable)
{
  g_cancellable_cancel (cancellable);
}

static void
test_auto_cancel (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (1, 2, 15000);
  g_autoptr(FalClient) client = new_client (ts);
  g_autofree char *path = write_pattern_file ("slow.bin", 300 * 1024, 9);
  g_autofree char *text = g_strdup_printf ("{\"image_url\": \"%s\"}", path);
  g_autoptr(JsonNode) input = parse (text);
  g_autoptr(JsonNode) output = NULL;
  g_autoptr(GListStore) uploads = g_list_store_new (FAL_TYPE_UPLOAD);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(FalUpload) upload = NULL;
  const char * const paths[] = { "image_url", NULL };

  g_signal_connect (uploads, "items-changed", G_CALLBACK (cancel_soon_cb), cancellable);
  output = upload_inputs (client, input, paths, 0, uploads, cancellable, &error);
  g_assert_null (output);
  g_assert_error (error, FAL_ERROR, FAL_ERROR_CANCELLED);
  /* The upload it started was cancelled with it. */
  upload = g_list_model_get_item (G_LIST_MODEL (uploads), 0);
  g_assert_cmpint (fal_upload_get_state (upload), ==, FAL_UPLOAD_CANCELLED);
}

/* ------------------------------------------------------------------ range stream */

#include "fal-range-input-stream.h"

static void
test_range_stream (void)
{
  g_autofree char *path = write_pattern_file ("range.bin", 100000, 21);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GBytes) source = read_file (path);
  g_autoptr(GInputStream) stream = fal_range_input_stream_new (file, 12345, 50000);
  g_autoptr(GInputStream) past = fal_range_input_stream_new (file, 90000, 20000);
  g_autoptr(GBytes) all = NULL;
  g_autoptr(GBytes) expected = g_bytes_new_from_bytes (source, 12345, 50000);
  g_autoptr(GError) error = NULL;
  guint8 buffer[7000];
  gssize n;
  GByteArray *collected = g_byte_array_new ();

  /* Read in odd sizes until EOF, exactly the range. */
  while ((n = g_input_stream_read (stream, buffer, sizeof buffer, NULL, &error)) > 0)
    g_byte_array_append (collected, buffer, n);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, 0);
  all = g_byte_array_free_to_bytes (collected);
  assert_same_bytes (all, expected);
  g_assert_cmpint (fal_range_input_stream_get_position (FAL_RANGE_INPUT_STREAM (stream)), ==, 50000);
  g_assert_true (g_input_stream_close (stream, NULL, &error));
  g_assert_no_error (error);

  /* A range past the end of the file is an error, not a short EOF. */
  while ((n = g_input_stream_read (past, buffer, sizeof buffer, NULL, &error)) > 0)
    ;
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
  g_assert_nonnull (fal_range_input_stream_get_file_error (FAL_RANGE_INPUT_STREAM (past)));
}

/* ------------------------------------------------------------------ main */

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      g_chmod (child, 0600);
      g_unlink (child);
    }
  g_rmdir (path);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);

  tmp_dir = g_dir_make_tmp ("falstaff-upload-test-XXXXXX", &error);
  g_assert_no_error (error);
  big_size = 91 * MIB + 4321;
  big_path = write_pattern_file ("big.bin", big_size, 42);

  g_test_add_func ("/fal/upload/range-stream", test_range_stream);
  g_test_add_func ("/fal/upload/single", test_single_round_trip);
  g_test_add_func ("/fal/upload/wait", test_wait);
  g_test_add_func ("/fal/upload/content-type", test_content_type);
  g_test_add_func ("/fal/upload/put-fails", test_put_fails);
  g_test_add_func ("/fal/upload/multipart", test_multipart_round_trip);
  g_test_add_func ("/fal/upload/multipart/out-of-order", test_multipart_out_of_order);
  g_test_add_func ("/fal/upload/multipart/part-retried", test_multipart_part_retried);
  g_test_add_func ("/fal/upload/multipart/part-fails", test_multipart_part_fails);
  g_test_add_func ("/fal/upload/cancel", test_cancel);
  g_test_add_func ("/fal/upload/cancel-before-start", test_cancel_before_start);
  g_test_add_func ("/fal/upload/bad-files", test_bad_files);
  g_test_add_func ("/fal/upload/missing-key", test_missing_key);
  g_test_add_func ("/fal/upload/auto/nested", test_auto_nested);
  g_test_add_func ("/fal/upload/auto/nothing-marked", test_auto_nothing_marked);
  g_test_add_func ("/fal/upload/auto/failure", test_auto_failure);
  g_test_add_func ("/fal/upload/auto/bounded", test_auto_bounded);
  g_test_add_func ("/fal/upload/auto/cancel", test_auto_cancel);

  status = g_test_run ();
  remove_tree (tmp_dir);
  g_free (big_path);
  g_free (tmp_dir);
  return status;
}
