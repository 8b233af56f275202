/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The local fal server's finer fal behaviours, through real HTTP:
 * sync_mode data: URIs, whisper word chunks and diarization, the start
 * timeout, billable units, object lifecycles and the public URL. */
#include "config.h"

#include <string.h>

#include "server-fixture.h"

#define FLUX "fal-ai/flux/schnell"
#define SDXL "fal-ai/fast-sdxl"
#define INITIATE "/rest/storage/upload/initiate?storage_type=fal-cdn-v3"
#define PUBLIC "https://fal.example.test/base"

static JsonObject *
run_ok (FalTestServer *ts,
        const char    *endpoint_id,
        const char    *body)
{
  g_autofree char *path = g_strconcat ("/run/", endpoint_id, NULL);
  g_autoptr(FalTestResponse) response = fal_test_call (ts, "POST", path, body);

  g_assert_no_error (response->error);
  g_assert_cmpuint (response->status, ==, 200);
  return json_object_ref (fal_test_response_object (response));
}

/* The bytes of a data: URI of the given type, base64-encoded. */
static GBytes *
data_uri_bytes (const char *uri,
                const char *content_type)
{
  g_autofree char *prefix = g_strdup_printf ("data:%s;base64,", content_type);
  gsize length = 0;
  guchar *data;

  g_assert_true (g_str_has_prefix (uri, prefix));
  data = g_base64_decode (uri + strlen (prefix), &length);
  return g_bytes_new_take (data, length);
}

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static void
assert_png (GBytes *png,
            guint   width,
            guint   height)
{
  gsize size = 0;
  const guint8 *data = g_bytes_get_data (png, &size);

  g_assert_cmpuint (size, >, 33);
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  g_assert_cmpmem (data + 12, 4, "IHDR", 4);
  g_assert_cmpuint (be32 (data + 16), ==, width);
  g_assert_cmpuint (be32 (data + 20), ==, height);
  /* The file ends with its IEND chunk: nothing was cut. */
  g_assert_cmpmem (data + size - 8, 4, "IEND", 4);
}

/* ------------------------------------------------------------------ sync_mode */

static void
test_sync_mode_media (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(JsonObject) images = run_ok (ts, FLUX, "{\"prompt\": \"a fox\", \"seed\": 5, \"num_images\": 2,"
                                                   " \"image_size\": {\"width\": 64, \"height\": 48}, \"sync_mode\": true}");
  g_autoptr(JsonObject) audio = run_ok (ts, "fal-ai/stable-audio", "{\"prompt\": \"rain\", \"seconds_total\": 2, \"sync_mode\": true}");
  g_autoptr(JsonObject) video = run_ok (ts, "fal-ai/minimax/video-01", "{\"prompt\": \"waves\", \"sync_mode\": true}");
  g_autoptr(JsonObject) stored = NULL;
  g_autoptr(JsonObject) queued = NULL;
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(JsonObject) done = NULL;
  JsonArray *array = json_object_get_array_member (images, "images");
  JsonObject *file;

  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *image = json_array_get_object_element (array, i);
      g_autoptr(GBytes) png = data_uri_bytes (json_object_get_string_member (image, "url"), "image/png");
      g_autofree char *name = g_strdup_printf ("image-5-%u.png", i);

      assert_png (png, 64, 48);
      g_assert_cmpint (json_object_get_int_member (image, "file_size"), ==, g_bytes_get_size (png));
      g_assert_cmpint (json_object_get_int_member (image, "width"), ==, 64);
      g_assert_cmpint (json_object_get_int_member (image, "height"), ==, 48);
      g_assert_cmpstr (json_object_get_string_member (image, "content_type"), ==, "image/png");
      g_assert_cmpstr (json_object_get_string_member (image, "file_name"), ==, name);
    }

  /* Audio: a WAV of the asked length (16-bit mono 22050 Hz). */
  file = json_object_get_object_member (audio, "audio_file");
  {
    g_autoptr(GBytes) wav = data_uri_bytes (json_object_get_string_member (file, "url"), "audio/wav");
    const guint8 *data = g_bytes_get_data (wav, NULL);

    g_assert_cmpmem (data, 4, "RIFF", 4);
    g_assert_cmpmem (data + 8, 4, "WAVE", 4);
    g_assert_cmpuint (g_bytes_get_size (wav), ==, 44 + 2 * 22050 * 2);
    g_assert_cmpint (json_object_get_int_member (file, "file_size"), ==, g_bytes_get_size (wav));
  }

  /* Video: the server's MJPEG AVI, 480×272. */
  file = json_object_get_object_member (video, "video");
  {
    g_autoptr(GBytes) avi = data_uri_bytes (json_object_get_string_member (file, "url"), "video/x-msvideo");
    const guint8 *data = g_bytes_get_data (avi, NULL);

    g_assert_cmpmem (data, 4, "RIFF", 4);
    g_assert_cmpmem (data + 8, 4, "AVI ", 4);
    g_assert_cmpint (json_object_get_int_member (file, "file_size"), ==, g_bytes_get_size (avi));
    g_assert_cmpint (json_object_get_int_member (file, "width"), ==, 480);
    g_assert_cmpint (json_object_get_int_member (file, "height"), ==, 272);
  }

  /* None of it went into the CDN. */
  g_assert_cmpuint (fal_test_count_files (ts, NULL), ==, 0);

  /* The queue gives the same; without sync_mode media are stored again. */
  submitted = fal_test_submit (ts, FLUX, "{\"prompt\": \"a fox\", \"seed\": 5, \"sync_mode\": true,"
                                         " \"image_size\": {\"width\": 64, \"height\": 48}}", NULL);
  done = fal_test_wait_status (ts, fal_test_response_string (submitted, "status_url"), "COMPLETED", 20000);
  result = fal_test_call (ts, "GET", fal_test_response_string (submitted, "response_url"), NULL);
  g_assert_cmpuint (result->status, ==, 200);
  queued = json_object_ref (fal_test_response_object (result));
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (queued, "images"), 0), "url"),
                   ==,
                   json_object_get_string_member (json_array_get_object_element (array, 0), "url"));
  g_assert_cmpuint (fal_test_count_files (ts, NULL), ==, 0);

  stored = run_ok (ts, FLUX, "{\"prompt\": \"a fox\", \"seed\": 5, \"sync_mode\": false,"
                             " \"image_size\": {\"width\": 64, \"height\": 48}}");
  g_assert_true (g_str_has_prefix (json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (stored, "images"), 0), "url"),
                                   ts->url));
  g_assert_cmpuint (fal_test_count_files (ts, NULL), ==, 1);
}

/* Past the limit the media are stored and returned as URLs. */
static void
test_sync_mode_limit (void)
{
  const char *body = "{\"prompt\": \"a fox\", \"seed\": 9, \"num_images\": 2,"
                     " \"image_size\": {\"width\": 64, \"height\": 48}, \"sync_mode\": true}";
  g_autoptr(FalTestServer) plain = fal_test_server_new (40, 2, 15000);
  g_autoptr(JsonObject) both = run_ok (plain, FLUX, body);
  JsonArray *array = json_object_get_array_member (both, "images");
  const char *first = json_object_get_string_member (json_array_get_object_element (array, 0), "url");
  const char *second = json_object_get_string_member (json_array_get_object_element (array, 1), "url");
  guint limit = strlen (first) + strlen (second) - 1;
  g_autoptr(FalTestServer) ts = fal_test_server_new_with (40, 2, 15000, "sync-mode-limit", limit, NULL);
  g_autoptr(JsonObject) cut = run_ok (ts, FLUX, body);
  JsonArray *cut_array = json_object_get_array_member (cut, "images");
  JsonObject *spilled = json_array_get_object_element (cut_array, 1);
  g_autoptr(GBytes) inline_png = data_uri_bytes (second, "image/png");
  g_autoptr(GBytes) stored_png = NULL;
  guint default_limit = 0;

  g_object_get (plain->server, "sync-mode-limit", &default_limit, NULL);
  g_assert_cmpuint (default_limit, ==, 10 * 1024 * 1024);

  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cut_array, 0), "url"), ==, first);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (spilled, "url"), ts->url));
  stored_png = fal_test_download (ts, json_object_get_string_member (spilled, "url"), NULL);
  g_assert_true (g_bytes_equal (stored_png, inline_png));
  g_assert_cmpint (json_object_get_int_member (spilled, "file_size"), ==, g_bytes_get_size (stored_png));
  g_assert_cmpuint (fal_test_count_files (ts, NULL), ==, 1);
}

/* ------------------------------------------------------------------ whisper */

/* A silent 16-bit mono PCM WAV. */
static GBytes *
silent_wav (double seconds,
            guint  rate)
{
  guint32 data_size = (guint32) (seconds * rate) * 2;
  guint8 *wav = g_malloc0 (44 + data_size);
  guint32 values[] = { 36 + data_size, 16, rate, rate * 2, data_size };

  memcpy (wav, "RIFF", 4);
  memcpy (wav + 8, "WAVEfmt ", 8);
  memcpy (wav + 36, "data", 4);
  wav[20] = 1;   /* PCM */
  wav[22] = 1;   /* mono */
  wav[32] = 2;   /* block align */
  wav[34] = 16;  /* bits */
  for (guint i = 0; i < G_N_ELEMENTS (values); i++)
    {
      static const guint offsets[] = { 4, 16, 24, 28, 40 };

      for (guint b = 0; b < 4; b++)
        wav[offsets[i] + b] = (values[i] >> (8 * b)) & 0xff;
    }
  return g_bytes_new_take (wav, 44 + data_size);
}

static guint
count_words (const char *text)
{
  g_auto(GStrv) words = g_strsplit_set (text, " \t\n", -1);
  guint n = 0;

  for (guint i = 0; words[i]; i++)
    if (*words[i])
      n++;
  return n;
}

/* Ordered timestamps inside the audio, returned as the chunk count. */
static guint
assert_chunks_ordered (JsonArray *chunks,
                       double     seconds)
{
  double previous_end = 0;

  for (guint i = 0; i < json_array_get_length (chunks); i++)
    {
      JsonArray *timestamp = json_object_get_array_member (json_array_get_object_element (chunks, i), "timestamp");
      double start = json_array_get_double_element (timestamp, 0);
      double end = json_array_get_double_element (timestamp, 1);

      g_assert_cmpuint (json_array_get_length (timestamp), ==, 2);
      g_assert_cmpfloat (start, >=, previous_end - 1e-9);
      g_assert_cmpfloat (end, >, start);
      g_assert_cmpfloat (end, <=, seconds + 1e-9);
      previous_end = end;
    }
  g_assert_cmpfloat_with_epsilon (previous_end, seconds, 1e-6);
  return json_array_get_length (chunks);
}

static const char *
speaker_at (JsonArray *segments,
            double     at)
{
  for (guint i = 0; i < json_array_get_length (segments); i++)
    {
      JsonObject *segment = json_array_get_object_element (segments, i);
      JsonArray *timestamp = json_object_get_array_member (segment, "timestamp");

      if (at >= json_array_get_double_element (timestamp, 0) - 1e-9 &&
          at <= json_array_get_double_element (timestamp, 1) + 1e-9)
        return json_object_get_string_member (segment, "speaker");
    }
  return NULL;
}

static void
test_whisper_words_and_speakers (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  g_autoptr(GBytes) wav = silent_wav (12, 8000);
  g_autofree char *url = fal_test_upload (ts, wav, "audio/wav", "talk.wav");
  g_autofree char *segment_body = g_strdup_printf ("{\"audio_url\": \"%s\"}", url);
  g_autofree char *word_body = g_strdup_printf ("{\"audio_url\": \"%s\", \"chunk_level\": \"word\"}", url);
  g_autofree char *diarize_body = g_strdup_printf ("{\"audio_url\": \"%s\", \"diarize\": true}", url);
  g_autofree char *both_body = g_strdup_printf ("{\"audio_url\": \"%s\", \"diarize\": true, \"chunk_level\": \"word\","
                                                " \"num_speakers\": 3}", url);
  g_autoptr(JsonObject) segments = run_ok (ts, "fal-ai/whisper", segment_body);
  g_autoptr(JsonObject) words = run_ok (ts, "fal-ai/whisper", word_body);
  g_autoptr(JsonObject) wizper = run_ok (ts, "fal-ai/wizper", word_body);
  g_autoptr(JsonObject) diarized = run_ok (ts, "fal-ai/whisper", diarize_body);
  g_autoptr(JsonObject) both = run_ok (ts, "fal-ai/whisper", both_body);
  const char *text = json_object_get_string_member (words, "text");
  JsonArray *chunks = json_object_get_array_member (words, "chunks");
  JsonArray *diarization;
  g_autoptr(GString) joined = g_string_new (NULL);

  /* segment (the default): 5 s chunks, no speakers. */
  g_assert_cmpuint (assert_chunks_ordered (json_object_get_array_member (segments, "chunks"), 12), ==, 3);
  g_assert_false (json_object_has_member (json_array_get_object_element (json_object_get_array_member (segments, "chunks"), 0),
                                          "speaker"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (segments, "diarization_segments")), ==, 0);

  /* word: one chunk per word of the transcript, in order. */
  g_assert_cmpstr (text, ==, json_object_get_string_member (segments, "text"));
  g_assert_cmpuint (count_words (text), >, 20);
  g_assert_cmpuint (assert_chunks_ordered (chunks, 12), ==, count_words (text));
  for (guint i = 0; i < json_array_get_length (chunks); i++)
    {
      const char *word = json_object_get_string_member (json_array_get_object_element (chunks, i), "text");

      g_assert_cmpuint (count_words (word), ==, 1);
      g_string_append_printf (joined, "%s%s", i ? " " : "", word);
    }
  g_assert_cmpstr (joined->str, ==, text);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (wizper, "chunks")), ==, count_words (text));

  /* diarize: speakers take turns; every chunk names the speaker of the
   * segment it lies in. */
  diarization = json_object_get_array_member (diarized, "diarization_segments");
  g_assert_cmpuint (assert_chunks_ordered (diarization, 12), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (diarization, 0), "speaker"), ==, "SPEAKER_00");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (diarization, 1), "speaker"), ==, "SPEAKER_01");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (diarization, 2), "speaker"), ==, "SPEAKER_00");
  chunks = json_object_get_array_member (diarized, "chunks");
  for (guint i = 0; i < json_array_get_length (chunks); i++)
    {
      JsonObject *chunk = json_array_get_object_element (chunks, i);
      JsonArray *timestamp = json_object_get_array_member (chunk, "timestamp");
      double middle = (json_array_get_double_element (timestamp, 0) + json_array_get_double_element (timestamp, 1)) / 2;

      g_assert_cmpstr (json_object_get_string_member (chunk, "speaker"), ==, speaker_at (diarization, middle));
    }

  /* Both, with three speakers. */
  diarization = json_object_get_array_member (both, "diarization_segments");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (diarization, 2), "speaker"), ==, "SPEAKER_02");
  chunks = json_object_get_array_member (both, "chunks");
  g_assert_cmpuint (assert_chunks_ordered (chunks, 12), ==, count_words (text));
  for (guint i = 0; i < json_array_get_length (chunks); i++)
    {
      JsonObject *chunk = json_array_get_object_element (chunks, i);
      JsonArray *timestamp = json_object_get_array_member (chunk, "timestamp");
      double middle = (json_array_get_double_element (timestamp, 0) + json_array_get_double_element (timestamp, 1)) / 2;

      g_assert_cmpstr (json_object_get_string_member (chunk, "speaker"), ==, speaker_at (diarization, middle));
    }
}

/* ------------------------------------------------------------------ timeout, units */

static void
assert_timeout_answer (FalTestResponse *response)
{
  JsonObject *body = fal_test_response_object (response);

  g_assert_cmpuint (response->status, ==, 504);
  g_assert_cmpstr (fal_test_response_header (response, "X-Fal-Request-Timeout-Type"), ==, "user");
  g_assert_cmpstr (fal_test_response_header (response, "X-Fal-Error-Type"), ==, "request_timeout");
  g_assert_nonnull (fal_test_response_header (response, "x-fal-request-id"));
  g_assert_cmpstr (fal_test_object_string (body, "detail"), ==, "Request timed out");
  g_assert_cmpstr (fal_test_object_string (body, "error_type"), ==, "request_timeout");
  g_assert_cmpuint (json_object_get_size (body), ==, 2);
  /* Nothing ran, so nothing is billed. */
  g_assert_null (fal_test_response_header (response, "x-fal-billable-units"));
}

static void
test_start_timeout_bodies (void)
{
  /* One runner, busy for 290 ms with the blocker; the deadline is 100 ms. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (10, 1, 15000);
  g_autoptr(FalTestResponse) blocker = fal_test_submit (ts, SDXL, "{\"prompt\": \"x\"}", NULL);
  g_autoptr(SoupMessage) submit = fal_test_message (ts, "POST", "/queue/" SDXL, "{\"prompt\": \"y\"}");
  g_autoptr(SoupMessage) run = fal_test_message (ts, "POST", "/run/" SDXL, "{\"prompt\": \"z\"}");
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(FalTestResponse) ran = NULL;
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(JsonObject) done = NULL;

  g_assert_cmpuint (blocker->status, ==, 200);
  soup_message_headers_replace (soup_message_get_request_headers (submit), "X-Fal-Request-Timeout", "1");
  soup_message_headers_replace (soup_message_get_request_headers (run), "X-Fal-Request-Timeout", "1.0");
  submitted = fal_test_send (ts, submit);
  g_assert_cmpuint (submitted->status, ==, 200);
  ran = fal_test_send (ts, run);
  assert_timeout_answer (ran);

  /* On the queue: an errored COMPLETED status, and the body as result. */
  done = fal_test_wait_status (ts, fal_test_response_string (submitted, "status_url"), "COMPLETED", 20000);
  g_assert_cmpstr (fal_test_object_string (done, "error"), ==, "Request timed out");
  g_assert_cmpstr (fal_test_object_string (done, "error_type"), ==, "request_timeout");
  result = fal_test_call (ts, "GET", fal_test_response_string (submitted, "response_url"), NULL);
  assert_timeout_answer (result);
  g_assert_cmpstr (fal_test_response_header (result, "x-fal-request-id"), ==,
                   fal_test_response_string (submitted, "request_id"));
}

static void
test_billable_units_header (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  const char *body = "{\"prompt\": \"x\", \"num_images\": 3, \"image_size\": {\"width\": 32, \"height\": 32}}";
  g_autoptr(FalTestResponse) ran = fal_test_call (ts, "POST", "/run/" SDXL, body);
  g_autoptr(FalTestResponse) submitted = fal_test_submit (ts, SDXL, body, NULL);
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(FalTestResponse) llm = fal_test_call (ts, "POST", "/run/fal-ai/any-llm", "{\"prompt\": \"hello\"}");
  g_autoptr(JsonObject) done = NULL;

  g_assert_cmpuint (ran->status, ==, 200);
  g_assert_cmpstr (fal_test_response_header (ran, "x-fal-billable-units"), ==, "3");
  done = fal_test_wait_status (ts, fal_test_response_string (submitted, "status_url"), "COMPLETED", 20000);
  result = fal_test_call (ts, "GET", fal_test_response_string (submitted, "response_url"), NULL);
  g_assert_cmpuint (result->status, ==, 200);
  g_assert_cmpstr (fal_test_response_header (result, "x-fal-billable-units"), ==, "3");
  /* any-llm bills by request. */
  g_assert_cmpuint (llm->status, ==, 200);
  g_assert_cmpstr (fal_test_response_header (llm, "x-fal-billable-units"), ==, "1");
}

/* ------------------------------------------------------------------ lifecycle */

/* The file at url expires: fal's CDN answer, {"detail": "File not found"}. */
static void
assert_expires (FalTestServer *ts,
                const char    *url)
{
  g_autoptr(FalTestResponse) gone = fal_test_wait_file_gone (ts, url, 10000);

  g_assert_nonnull (gone);
  fal_test_assert_detail (gone, 404);
  g_assert_cmpstr (fal_test_response_string (gone, "detail"), ==, "File not found");
}

static void
test_lifecycle_outputs (void)
{
  /* speed 4: 6 s of lifetime are 1.5 s; flux takes 475 ms. */
  g_autoptr(FalTestServer) ts = fal_test_server_new (4, 2, 15000);
  const char *body = "{\"prompt\": \"x\", \"image_size\": {\"width\": 32, \"height\": 32}}";
  g_autoptr(SoupMessage) run = fal_test_message (ts, "POST", "/run/" FLUX, body);
  g_autoptr(SoupMessage) submit = fal_test_message (ts, "POST", "/queue/" FLUX, body);
  g_autoptr(FalTestResponse) ran = NULL;
  g_autoptr(FalTestResponse) kept_run = fal_test_call (ts, "POST", "/run/" FLUX, body);
  g_autoptr(FalTestResponse) submitted = NULL;
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(GBytes) early = NULL;
  g_autoptr(GBytes) kept = NULL;
  const char *url;
  gint64 since;

  soup_message_headers_replace (soup_message_get_request_headers (run), "X-Fal-Object-Lifecycle-Preference",
                                "{\"expiration_duration_seconds\": 6}");
  soup_message_headers_replace (soup_message_get_request_headers (submit), "X-Fal-Object-Lifecycle-Preference",
                                "{\"expiration_duration_seconds\": 6, \"initial_acl\": {\"default\": \"allow\"}}");
  ran = fal_test_send (ts, run);
  g_assert_cmpuint (ran->status, ==, 200);
  url = json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (fal_test_response_object (ran), "images"), 0), "url");

  /* There at first, then gone. */
  early = fal_test_download (ts, url, NULL);
  g_assert_cmpuint (g_bytes_get_size (early), >, 0);
  since = g_get_monotonic_time ();
  assert_expires (ts, url);
  g_assert_cmpint (g_get_monotonic_time () - since, <, 3 * G_USEC_PER_SEC);

  /* A queue job's outputs the same way. */
  submitted = fal_test_send (ts, submit);
  g_assert_cmpuint (submitted->status, ==, 200);
  done = fal_test_wait_status (ts, fal_test_response_string (submitted, "status_url"), "COMPLETED", 20000);
  result = fal_test_call (ts, "GET", fal_test_response_string (submitted, "response_url"), NULL);
  g_assert_cmpuint (result->status, ==, 200);
  url = json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (fal_test_response_object (result), "images"), 0), "url");
  assert_expires (ts, url);

  /* Without the header a file stays. */
  g_assert_cmpuint (kept_run->status, ==, 200);
  kept = fal_test_download (ts, json_object_get_string_member (json_array_get_object_element (json_object_get_array_member (fal_test_response_object (kept_run), "images"), 0), "url"),
                            NULL);
  g_assert_cmpuint (g_bytes_get_size (kept), >, 0);
}

static void
test_lifecycle_uploads (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (4, 2, 15000);
  g_autoptr(SoupMessage) initiate = fal_test_message (ts, "POST", INITIATE, "{\"content_type\": \"text/plain\", \"file_name\": \"a.txt\"}");
  g_autoptr(FalTestResponse) initiated = NULL;
  g_autoptr(FalTestResponse) put = NULL;
  g_autoptr(SoupMessage) put_msg = NULL;
  g_autoptr(GBytes) text = g_bytes_new_static ("short-lived", 11);
  g_autoptr(GBytes) back = NULL;
  const char *url;

  soup_message_headers_replace (soup_message_get_request_headers (initiate), "X-Fal-Object-Lifecycle",
                                "{\"expiration_duration_seconds\": 1}");
  initiated = fal_test_send (ts, initiate);
  g_assert_cmpuint (initiated->status, ==, 200);
  /* The clock starts when the bytes are stored. */
  fal_test_wait_ms (400);
  put_msg = soup_message_new ("PUT", fal_test_response_string (initiated, "upload_url"));
  fal_test_message_set_bytes (put_msg, "text/plain", text);
  put = fal_test_send (ts, put_msg);
  g_assert_cmpuint (put->status, ==, 200);
  url = fal_test_response_string (initiated, "file_url");
  back = fal_test_download (ts, url, NULL);
  g_assert_true (g_bytes_equal (back, text));
  assert_expires (ts, url);
  g_assert_cmpuint (fal_test_count_files (ts, NULL), ==, 0);
}

static void
test_lifecycle_malformed (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new (40, 2, 15000);
  static const struct {
    const char *method;
    const char *path;
    const char *header;
    const char *value;
    guint status;
  } cases[] = {
    { "POST", "/queue/" FLUX, "X-Fal-Object-Lifecycle-Preference", "not json", 400 },
    { "POST", "/run/" FLUX, "X-Fal-Object-Lifecycle-Preference", "[60]", 400 },
    { "POST", "/queue/" FLUX, "X-Fal-Object-Lifecycle-Preference", "{\"expiration_duration_seconds\": \"soon\"}", 400 },
    { "POST", "/queue/" FLUX, "X-Fal-Object-Lifecycle-Preference", "{\"expiration_duration_seconds\": 0}", 400 },
    { "POST", INITIATE, "X-Fal-Object-Lifecycle", "{\"expiration_duration_seconds\": -5}", 400 },
    { "POST", INITIATE, "X-Fal-Object-Lifecycle", "{", 400 },
    /* An ACL alone, or null: no expiry, and fine. */
    { "POST", "/queue/" FLUX, "X-Fal-Object-Lifecycle-Preference", "{\"initial_acl\": {\"default\": \"hide\"}}", 200 },
    { "POST", INITIATE, "X-Fal-Object-Lifecycle", "{\"expiration_duration_seconds\": null}", 200 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(SoupMessage) msg = fal_test_message (ts, cases[i].method, cases[i].path, "{\"prompt\": \"x\"}");
      g_autoptr(FalTestResponse) response = NULL;

      soup_message_headers_replace (soup_message_get_request_headers (msg), cases[i].header, cases[i].value);
      response = fal_test_send (ts, msg);
      g_test_message ("%s %s: %s → %u", cases[i].path, cases[i].header, cases[i].value, response->status);
      if (cases[i].status == 400)
        {
          fal_test_assert_detail (response, 400);
          g_assert_nonnull (strstr (fal_test_response_string (response, "detail"), cases[i].header));
        }
      else
        g_assert_cmpuint (response->status, ==, cases[i].status);
    }
}

/* ------------------------------------------------------------------ public URL */

static void
assert_public (const char *url)
{
  g_test_message ("returned %s", url);
  g_assert_true (g_str_has_prefix (url, PUBLIC "/"));
}

/* What the reverse proxy in front would do: the same path on loopback. */
static char *
behind_proxy (FalTestServer *ts,
              const char    *url)
{
  g_assert_true (g_str_has_prefix (url, PUBLIC "/"));
  return g_strconcat (ts->url, url + strlen (PUBLIC), NULL);
}

static void
test_public_url (void)
{
  g_autoptr(FalTestServer) ts = fal_test_server_new_with (40, 2, 15000, "public-url", PUBLIC "/", NULL);
  g_autoptr(FalTestResponse) submitted = fal_test_submit (ts, FLUX, "{\"prompt\": \"x\", \"image_size\": {\"width\": 32, \"height\": 32}}", NULL);
  g_autoptr(FalTestResponse) initiated = fal_test_call (ts, "POST", INITIATE, "{\"content_type\": \"image/png\", \"file_name\": \"in.png\"}");
  g_autoptr(FalTestResponse) multipart = fal_test_call (ts, "POST", "/rest/storage/upload/initiate-multipart",
                                                        "{\"file_name\": \"big.bin\"}");
  g_autoptr(FalTestResponse) catalog = fal_test_call (ts, "GET", "/api/v1/models?limit=3", NULL);
  g_autoptr(FalTestResponse) result = NULL;
  g_autoptr(FalTestResponse) status = NULL;
  g_autoptr(FalTestResponse) put = NULL;
  g_autoptr(SoupMessage) put_msg = NULL;
  g_autoptr(JsonObject) done = NULL;
  g_autoptr(JsonObject) transformed = NULL;
  g_autoptr(GBytes) png = NULL;
  g_autofree char *status_url = NULL;
  g_autofree char *local = NULL;
  g_autofree char *upload_url = NULL;
  g_autofree char *body = NULL;
  g_autoptr(FalLocalServer) bad = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *models;
  JsonObject *image;

  g_assert_cmpstr (fal_local_server_get_public_base (ts->server), ==, PUBLIC);
  /* It still listens on loopback, and says so. */
  g_assert_true (g_str_has_prefix (ts->url, "http://127.0.0.1:"));

  g_assert_cmpuint (submitted->status, ==, 200);
  assert_public (fal_test_response_string (submitted, "status_url"));
  assert_public (fal_test_response_string (submitted, "response_url"));
  assert_public (fal_test_response_string (submitted, "cancel_url"));
  status_url = behind_proxy (ts, fal_test_response_string (submitted, "status_url"));
  done = fal_test_wait_status (ts, status_url, "COMPLETED", 20000);
  assert_public (fal_test_object_string (done, "response_url"));
  status = fal_test_call (ts, "GET", status_url, NULL);
  assert_public (fal_test_response_string (status, "cancel_url"));
  local = behind_proxy (ts, fal_test_response_string (submitted, "response_url"));
  result = fal_test_call (ts, "GET", local, NULL);
  g_assert_cmpuint (result->status, ==, 200);
  image = json_array_get_object_element (json_object_get_array_member (fal_test_response_object (result), "images"), 0);
  assert_public (json_object_get_string_member (image, "url"));
  {
    g_autofree char *file = behind_proxy (ts, json_object_get_string_member (image, "url"));
    png = fal_test_download (ts, file, NULL);
  }
  assert_png (png, 32, 32);

  /* A returned URL sent back through the proxy form. */
  {
    g_autoptr(SoupMessage) proxied = fal_test_message (ts, "GET", "/", NULL);
    g_autoptr(FalTestResponse) answer = NULL;

    soup_message_headers_replace (soup_message_get_request_headers (proxied), "x-fal-target-url",
                                  fal_test_response_string (submitted, "status_url"));
    answer = fal_test_send (ts, proxied);
    g_assert_cmpuint (answer->status, ==, 200);
    g_assert_cmpstr (fal_test_response_string (answer, "status"), ==, "COMPLETED");
  }

  /* Uploads. */
  g_assert_cmpuint (initiated->status, ==, 200);
  assert_public (fal_test_response_string (initiated, "upload_url"));
  assert_public (fal_test_response_string (initiated, "file_url"));
  assert_public (fal_test_response_string (multipart, "upload_url"));
  assert_public (fal_test_response_string (multipart, "file_url"));
  upload_url = behind_proxy (ts, fal_test_response_string (initiated, "upload_url"));
  put_msg = soup_message_new ("PUT", upload_url);
  fal_test_message_set_bytes (put_msg, "image/png", png);
  put = fal_test_send (ts, put_msg);
  g_assert_cmpuint (put->status, ==, 200);

  /* A public file URL is this server's own file as a model input. */
  body = g_strdup_printf ("{\"prompt\": \"y\", \"image_url\": \"%s\"}", fal_test_response_string (initiated, "file_url"));
  transformed = run_ok (ts, "fal-ai/fast-sdxl/image-to-image", body);
  image = json_array_get_object_element (json_object_get_array_member (transformed, "images"), 0);
  assert_public (json_object_get_string_member (image, "url"));
  g_assert_cmpint (json_object_get_int_member (image, "width"), ==, 32);

  /* The catalog's thumbnails. */
  models = json_object_get_array_member (fal_test_response_object (catalog), "models");
  g_assert_cmpuint (json_array_get_length (models), ==, 3);
  for (guint i = 0; i < json_array_get_length (models); i++)
    {
      JsonObject *metadata = json_object_get_object_member (json_array_get_object_element (models, i), "metadata");

      assert_public (json_object_get_string_member (metadata, "thumbnail_url"));
    }

  /* Not a URL: the server does not start. */
  bad = g_object_new (FAL_LOCAL_TYPE_SERVER, "public-url", "ftp://fal.example.test", NULL);
  g_assert_false (fal_local_server_start (bad, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/fidelity/sync-mode", test_sync_mode_media);
  g_test_add_func ("/server/fidelity/sync-mode-limit", test_sync_mode_limit);
  g_test_add_func ("/server/fidelity/whisper-words-speakers", test_whisper_words_and_speakers);
  g_test_add_func ("/server/fidelity/start-timeout", test_start_timeout_bodies);
  g_test_add_func ("/server/fidelity/billable-units", test_billable_units_header);
  g_test_add_func ("/server/fidelity/lifecycle-outputs", test_lifecycle_outputs);
  g_test_add_func ("/server/fidelity/lifecycle-uploads", test_lifecycle_uploads);
  g_test_add_func ("/server/fidelity/lifecycle-malformed", test_lifecycle_malformed);
  g_test_add_func ("/server/fidelity/public-url", test_public_url);

  return g_test_run ();
}
