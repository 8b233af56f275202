/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <math.h>
#include <string.h>

#include "fal-local-catalog.h"
#include "fal-local-endpoints.h"
#include "fal-local-media.h"

typedef struct {
  const FalLocalEndpoint *endpoint;
  JsonObject *input;
  FalLocalStorage *storage;
  char *base_url;
  char *local_url;
  gint64 file_lifetime;
  gint64 seed;
  gboolean sync_mode;
  gsize inline_left;       /* data: URI bytes sync_mode may still return */
} Compute;

typedef JsonNode *(*ComputeFunc) (Compute  *compute,
                                  guint    *http_status,
                                  char    **error_type,
                                  GError  **error);
typedef void (*PlanFunc) (const FalLocalEndpoint *endpoint,
                          JsonObject             *input,
                          GPtrArray              *plan);

struct _FalLocalEndpoint
{
  const char *id;
  const char *category;
  guint queue_step_ms;
  guint run_ms;
  ComputeFunc compute;
  PlanFunc plan;
};

/* ------------------------------------------------------------------ input */

static const char *
input_string (JsonObject *input,
              const char *name,
              const char *fallback)
{
  JsonNode *node = json_object_get_member (input, name);

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    return json_node_get_string (node);
  return fallback;
}

static gboolean
input_has_number (JsonObject *input,
                  const char *name)
{
  JsonNode *node = json_object_get_member (input, name);

  return node && JSON_NODE_HOLDS_VALUE (node) &&
         (json_node_get_value_type (node) == G_TYPE_INT64 ||
          json_node_get_value_type (node) == G_TYPE_DOUBLE);
}

static double
input_double (JsonObject *input,
              const char *name,
              double      fallback)
{
  JsonNode *node = json_object_get_member (input, name);

  if (!input_has_number (input, name))
    {
      /* Several fal enums are numbers spelt as strings ("4", "10"). */
      const char *text = input_string (input, name, NULL);
      char *end = NULL;
      double value;

      if (text == NULL)
        return fallback;
      value = g_ascii_strtod (text, &end);
      return end && *end == '\0' && end != text ? value : fallback;
    }
  return json_node_get_value_type (node) == G_TYPE_INT64 ? (double) json_node_get_int (node)
                                                         : json_node_get_double (node);
}

static gint64
input_int (JsonObject *input,
           const char *name,
           gint64      fallback)
{
  return (gint64) input_double (input, name, (double) fallback);
}

typedef struct {
  const char *name;
  int width;
  int height;
} SizePreset;

static const SizePreset size_presets[] = {
  { "square_hd", 1024, 1024 },
  { "square", 512, 512 },
  { "portrait_4_3", 768, 1024 },
  { "portrait_16_9", 576, 1024 },
  { "landscape_4_3", 1024, 768 },
  { "landscape_16_9", 1024, 576 },
};

/* image_size is a preset name or {width, height}; FALSE when absent. */
static gboolean
input_image_size (JsonObject *input,
                  int        *width,
                  int        *height)
{
  JsonNode *node = json_object_get_member (input, "image_size");

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return FALSE;
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *size = json_node_get_object (node);

      *width = (int) input_int (size, "width", 512);
      *height = (int) input_int (size, "height", 512);
      return TRUE;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *name = json_node_get_string (node);

      for (guint i = 0; i < G_N_ELEMENTS (size_presets); i++)
        if (g_str_equal (name, size_presets[i].name))
          {
            *width = size_presets[i].width;
            *height = size_presets[i].height;
            return TRUE;
          }
    }
  return FALSE;
}

static JsonNode *
field_error_body (const char *field,
                  const char *msg,
                  const char *type,
                  const char *input_value)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "detail");
  json_builder_begin_array (builder);
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "loc");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "body");
  json_builder_add_string_value (builder, field);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "msg");
  json_builder_add_string_value (builder, msg);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  if (input_value)
    {
      json_builder_set_member_name (builder, "input");
      json_builder_add_string_value (builder, input_value);
    }
  json_builder_end_object (builder);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  return json_builder_get_root (builder);
}

char *
fal_local_file_url (const char *base_url,
                    const char *file_id,
                    const char *file_name)
{
  g_autofree char *escaped = g_uri_escape_string (file_name, NULL, FALSE);

  return g_strdup_printf ("%s/cdn/files/%s/%s", base_url, file_id, escaped);
}

/* A model input URL: a file of this server's storage, or a data: URI.
 * Anything else is out of reach, as a private URL is for fal. */
static const char *
own_file_path (Compute    *compute,
               const char *url)
{
  const char *bases[] = { compute->base_url, compute->local_url };

  /* Files are ours under the public base and the loopback URL alike. */
  for (guint i = 0; i < G_N_ELEMENTS (bases); i++)
    if (bases[i] && g_str_has_prefix (url, bases[i]) &&
        g_str_has_prefix (url + strlen (bases[i]), "/cdn/files/"))
      return url + strlen (bases[i]) + strlen ("/cdn/files/");
  return NULL;
}

static GBytes *
fetch_input_file (Compute     *compute,
                  const char  *url,
                  GError     **error)
{
  const char *rest = own_file_path (compute, url);

  if (rest != NULL)
    {
      g_autofree char *id = g_strdup (rest);
      char *slash = strchr (id, '/');

      if (slash)
        *slash = '\0';
      return fal_local_storage_read (compute->storage, id, error);
    }

  if (g_str_has_prefix (url, "data:"))
    {
      const char *comma = strchr (url, ',');

      if (comma)
        {
          g_autofree char *meta = g_strndup (url + 5, comma - url - 5);
          g_autofree char *payload = g_uri_unescape_string (comma + 1, NULL);

          if (payload != NULL)
            {
              if (g_str_has_suffix (meta, ";base64"))
                {
                  gsize len = 0;
                  guchar *data = g_base64_decode (payload, &len);
                  return g_bytes_new_take (data, len);
                }
              return g_bytes_new_take (g_steal_pointer (&payload), strlen (comma + 1));
            }
        }
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "Cannot fetch %s", url);
  return NULL;
}

/* sync_mode: the media itself as a data: URI, not stored (fal keeps such
 * outputs out of its CDN and history), while the result's URIs fit in
 * the server's limit; NULL when this one does not. */
static char *
inline_data_uri (Compute    *compute,
                 GBytes     *bytes,
                 const char *content_type)
{
  gsize size = g_bytes_get_size (bytes);
  gsize length = strlen ("data:;base64,") + strlen (content_type) + (size + 2) / 3 * 4;
  g_autofree char *encoded = NULL;

  if (!compute->sync_mode || length > compute->inline_left)
    return NULL;
  compute->inline_left -= length;
  encoded = g_base64_encode (g_bytes_get_data (bytes, NULL), size);
  return g_strconcat ("data:", content_type, ";base64,", encoded, NULL);
}

static JsonObject *
store_file (Compute     *compute,
            GBytes      *bytes,
            const char  *content_type,
            const char  *file_name,
            GError     **error)
{
  g_autofree char *url = inline_data_uri (compute, bytes, content_type);
  JsonObject *file;

  if (url == NULL)
    {
      g_autofree char *id = fal_local_storage_put_bytes (compute->storage, bytes, content_type, file_name, error);

      if (id == NULL)
        return NULL;
      if (compute->file_lifetime > 0)
        fal_local_storage_set_lifetime (compute->storage, id, compute->file_lifetime);
      url = fal_local_file_url (compute->base_url, id, file_name);
    }
  file = json_object_new ();
  json_object_set_string_member (file, "url", url);
  json_object_set_string_member (file, "content_type", content_type);
  json_object_set_string_member (file, "file_name", file_name);
  json_object_set_int_member (file, "file_size", g_bytes_get_size (bytes));
  return file;
}

/* ------------------------------------------------------------------ models */

static JsonNode *
image_result (Compute    *compute,
              GPtrArray  *images,
              double      seconds)
{
  JsonObject *result = json_object_new ();
  JsonArray *array = json_array_new ();
  JsonArray *nsfw = json_array_new ();
  JsonObject *timings = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  for (guint i = 0; i < images->len; i++)
    {
      json_array_add_object_element (array, json_object_ref (g_ptr_array_index (images, i)));
      json_array_add_boolean_element (nsfw, FALSE);
    }
  json_object_set_array_member (result, "images", array);
  json_object_set_int_member (result, "seed", compute->seed);
  json_object_set_array_member (result, "has_nsfw_concepts", nsfw);
  json_object_set_string_member (result, "prompt", input_string (compute->input, "prompt", ""));
  json_object_set_double_member (timings, "inference", seconds);
  json_object_set_object_member (result, "timings", timings);
  json_node_take_object (node, result);
  return node;
}

static JsonObject *
image_file (Compute     *compute,
            GBytes      *png,
            int          width,
            int          height,
            guint        index,
            GError     **error)
{
  g_autofree char *name = g_strdup_printf ("image-%" G_GINT64_FORMAT "-%u.png", compute->seed, index);
  JsonObject *file = store_file (compute, png, "image/png", name, error);

  if (file)
    {
      json_object_set_int_member (file, "width", width);
      json_object_set_int_member (file, "height", height);
    }
  return file;
}

static JsonNode *
compute_text_to_image (Compute  *compute,
                       guint    *http_status,
                       char    **error_type,
                       GError  **error)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  gint64 started = g_get_monotonic_time ();
  const char *prompt = input_string (compute->input, "prompt", "");
  guint n = CLAMP (input_int (compute->input, "num_images", 1), 1, 8);
  int width, height;

  if (!input_image_size (compute->input, &width, &height))
    {
      /* The schema's default preset: square_hd for SDXL, landscape_4_3 for flux. */
      width = 1024;
      height = g_str_has_prefix (compute->endpoint->id, "fal-ai/flux") ? 768 : 1024;
    }

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) png = fal_local_media_render_image (prompt, compute->seed, i, width, height, error);
      JsonObject *file;

      if (png == NULL)
        return NULL;
      file = image_file (compute, png, width, height, i, error);
      if (file == NULL)
        return NULL;
      g_ptr_array_add (images, file);
    }

  *http_status = 200;
  return image_result (compute, images, (g_get_monotonic_time () - started) / 1e6);
}

static JsonNode *
download_error (const char *field,
                const char *url,
                guint      *http_status,
                char      **error_type)
{
  *http_status = 422;
  *error_type = g_strdup ("file_download_error");
  return field_error_body (field,
                           "Failed to download the file. Please check if the URL is accessible.",
                           "file_download_error", url);
}

static JsonNode *
compute_image_to_image (Compute  *compute,
                        guint    *http_status,
                        char    **error_type,
                        GError  **error)
{
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  g_autoptr(GBytes) source = NULL;
  g_autoptr(GError) fetch_error = NULL;
  gint64 started = g_get_monotonic_time ();
  const char *url = input_string (compute->input, "image_url", "");
  const char *prompt = input_string (compute->input, "prompt", "");
  double strength = input_double (compute->input, "strength", 0.95);
  guint n = CLAMP (input_int (compute->input, "num_images", 1), 1, 8);
  int width = 0, height = 0;

  source = fetch_input_file (compute, url, &fetch_error);
  if (source == NULL)
    return download_error ("image_url", url, http_status, error_type);

  input_image_size (compute->input, &width, &height);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GBytes) png = NULL;
      g_autoptr(GError) local_error = NULL;
      int out_width = 0, out_height = 0;
      JsonObject *file;

      png = fal_local_media_transform_image (source, prompt, compute->seed + i, strength,
                                             width, height, &out_width, &out_height, &local_error);
      if (png == NULL)
        {
          *http_status = 422;
          *error_type = g_strdup ("image_load_error");
          return field_error_body ("image_url", local_error->message, "image_load_error", url);
        }
      file = image_file (compute, png, out_width, out_height, i, error);
      if (file == NULL)
        return NULL;
      g_ptr_array_add (images, file);
    }

  *http_status = 200;
  return image_result (compute, images, (g_get_monotonic_time () - started) / 1e6);
}

static JsonNode *
text_result (const char *text)
{
  JsonObject *result = json_object_new ();
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (result, "output", text);
  json_object_set_boolean_member (result, "partial", FALSE);
  json_object_set_null_member (result, "error");
  json_node_take_object (node, result);
  return node;
}

/* A reply built from the prompt's own words, so what streams is about
 * what was asked. */
static JsonNode *
compute_llm (Compute  *compute,
             guint    *http_status,
             char    **error_type,
             GError  **error)
{
  const char *prompt = input_string (compute->input, "prompt", "");
  const char *model = input_string (compute->input, "model", "google/gemini-flash-1.5");
  const char *system = input_string (compute->input, "system_prompt", NULL);
  g_auto(GStrv) words = g_strsplit_set (prompt, " \t\n.,;:!?\"'()", -1);
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GPtrArray) keywords = g_ptr_array_new ();

  for (guint i = 0; words[i]; i++)
    if (strlen (words[i]) > 3)
      g_ptr_array_add (keywords, words[i]);

  g_string_append_printf (text, "This is a simulated answer from the local fal server, standing in for %s. ", model);
  if (system && *system)
    g_string_append_printf (text, "Following the system prompt (\"%s\"), ", system);
  g_string_append_printf (text, "You asked: \"%s\". ", prompt);
  if (keywords->len > 0)
    {
      g_string_append (text, "The key ideas in the question are ");
      for (guint i = 0; i < keywords->len && i < 5; i++)
        g_string_append_printf (text, "%s\"%s\"", i == 0 ? "" : (i + 1 == MIN (keywords->len, 5) ? " and " : ", "),
                                (const char *) g_ptr_array_index (keywords, i));
      g_string_append (text, ". ");
    }
  g_string_append_printf (text,
                          "A real model would reason about them step by step; here the text grows word by word "
                          "so that streaming, partial results and the final answer can be tested. "
                          "The prompt had %u characters and %u words.",
                          (guint) g_utf8_strlen (prompt, -1), g_strv_length (words));

  *http_status = 200;
  return text_result (text->str);
}

static JsonNode *
compute_vision (Compute  *compute,
                guint    *http_status,
                char    **error_type,
                GError  **error)
{
  g_autoptr(GBytes) source = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *description = NULL;
  const char *url = input_string (compute->input, "image_url", "");

  source = fetch_input_file (compute, url, &local_error);
  if (source == NULL)
    return download_error ("image_url", url, http_status, error_type);

  description = fal_local_media_describe_image (source, input_string (compute->input, "prompt", ""), &local_error);
  if (description == NULL)
    {
      *http_status = 422;
      *error_type = g_strdup ("image_load_error");
      return field_error_body ("image_url", local_error->message, "image_load_error", url);
    }

  *http_status = 200;
  return text_result (description);
}

static const char *const transcript_phrases[] = {
  "This is the local fal server transcribing your recording.",
  "Each chunk covers a few seconds of the audio you sent.",
  "The timings follow the real length of the file.",
  "Nothing here was heard; the words are made up for testing.",
  "A real model would write what was said.",
};

static JsonObject *
whisper_chunk (double      start,
               double      end,
               const char *text,
               const char *speaker)
{
  JsonObject *chunk = json_object_new ();
  JsonArray *timestamp = json_array_new ();

  json_array_add_double_element (timestamp, start);
  json_array_add_double_element (timestamp, end);
  json_object_set_array_member (chunk, "timestamp", timestamp);
  json_object_set_string_member (chunk, "text", text);
  /* WhisperChunk: "speaker" only when diarization is on. */
  if (speaker)
    json_object_set_string_member (chunk, "speaker", speaker);
  return chunk;
}

/* chunk_level "word": the segment's time shared evenly by its words. */
static void
add_word_chunks (JsonArray  *chunks,
                 double      start,
                 double      end,
                 const char *said,
                 const char *speaker)
{
  g_auto(GStrv) words = g_strsplit_set (said, " \t\n", -1);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();

  for (guint i = 0; words[i]; i++)
    if (*words[i])
      g_ptr_array_add (kept, words[i]);
  for (guint i = 0; i < kept->len; i++)
    json_array_add_object_element (chunks,
                                   whisper_chunk (start + (end - start) * i / kept->len,
                                                  start + (end - start) * (i + 1) / kept->len,
                                                  g_ptr_array_index (kept, i), speaker));
}

static JsonNode *
compute_whisper (Compute  *compute,
                 guint    *http_status,
                 char    **error_type,
                 GError  **error)
{
  g_autoptr(GBytes) audio = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  const char *url = input_string (compute->input, "audio_url", "");
  const char *language = input_string (compute->input, "language", "en");
  gboolean words = g_strcmp0 (input_string (compute->input, "chunk_level", "segment"), "word") == 0;
  JsonNode *diarize = json_object_get_member (compute->input, "diarize");
  guint n_speakers = CLAMP (input_int (compute->input, "num_speakers", 2), 1, 8);
  JsonObject *result;
  JsonArray *chunks;
  JsonArray *languages;
  JsonArray *segments;
  JsonNode *node;
  double seconds = 0;
  guint rate = 0, channels = 0;
  guint n_chunks;

  if (!(diarize && JSON_NODE_HOLDS_VALUE (diarize) && json_node_get_value_type (diarize) == G_TYPE_BOOLEAN &&
        json_node_get_boolean (diarize)))
    n_speakers = 0;

  audio = fetch_input_file (compute, url, &local_error);
  if (audio == NULL)
    return download_error ("audio_url", url, http_status, error_type);
  if (!fal_local_media_wav_info (audio, &seconds, &rate, &channels, &local_error))
    {
      *http_status = 422;
      *error_type = g_strdup ("unsupported_audio_format");
      return field_error_body ("audio_url", local_error->message, "unsupported_audio_format", url);
    }

  result = json_object_new ();
  chunks = json_array_new ();
  segments = json_array_new ();
  n_chunks = MAX (1, (guint) ceil (seconds / 5.0));
  for (guint i = 0; i < n_chunks; i++)
    {
      double start = i * 5.0;
      double end = MIN (seconds, start + 5.0);
      g_autofree char *said = NULL;
      g_autofree char *speaker = NULL;

      if (i == 0)
        said = g_strdup_printf ("%s The file lasts %.2f seconds at %u Hz, %u channel%s.",
                                transcript_phrases[0], seconds, rate, channels, channels == 1 ? "" : "s");
      else
        said = g_strdup (transcript_phrases[i % G_N_ELEMENTS (transcript_phrases)]);

      /* Speakers take turns, one segment each. */
      if (n_speakers > 0)
        {
          guint last = json_array_get_length (segments);
          JsonObject *previous = last ? json_array_get_object_element (segments, last - 1) : NULL;

          speaker = g_strdup_printf ("SPEAKER_%02u", i % n_speakers);
          if (previous && g_str_equal (json_object_get_string_member (previous, "speaker"), speaker))
            {
              /* One speaker throughout: a single growing segment. */
              JsonArray *timestamp = json_object_get_array_member (previous, "timestamp");

              json_array_remove_element (timestamp, 1);
              json_array_add_double_element (timestamp, end);
            }
          else
            {
              JsonObject *segment = json_object_new ();
              JsonArray *timestamp = json_array_new ();

              json_array_add_double_element (timestamp, start);
              json_array_add_double_element (timestamp, end);
              json_object_set_array_member (segment, "timestamp", timestamp);
              json_object_set_string_member (segment, "speaker", speaker);
              json_array_add_object_element (segments, segment);
            }
        }

      if (words)
        add_word_chunks (chunks, start, end, said, speaker);
      else
        json_array_add_object_element (chunks, whisper_chunk (start, end, said, speaker));
      g_string_append_printf (text, "%s%s", i ? " " : "", said);
    }

  languages = json_array_new ();
  json_array_add_string_element (languages, language ? language : "en");
  json_object_set_string_member (result, "text", text->str);
  json_object_set_array_member (result, "chunks", chunks);
  json_object_set_array_member (result, "inferred_languages", languages);
  json_object_set_array_member (result, "diarization_segments", segments);

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, result);
  *http_status = 200;
  return node;
}

static JsonNode *
compute_audio (Compute  *compute,
               guint    *http_status,
               char    **error_type,
               GError  **error)
{
  double seconds = CLAMP (input_double (compute->input, "seconds_total", 30), 1, 47);
  g_autoptr(GBytes) wav = fal_local_media_render_wav (input_string (compute->input, "prompt", ""),
                                                      compute->seed, seconds, error);
  g_autofree char *name = NULL;
  JsonObject *file;
  JsonObject *result;
  JsonNode *node;

  if (wav == NULL)
    return NULL;
  name = g_strdup_printf ("audio-%" G_GINT64_FORMAT ".wav", compute->seed);
  file = store_file (compute, wav, "audio/wav", name, error);
  if (file == NULL)
    return NULL;

  result = json_object_new ();
  json_object_set_object_member (result, "audio_file", file);
  json_object_set_int_member (result, "seed", compute->seed);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, result);
  *http_status = 200;
  return node;
}

#define VIDEO_WIDTH 480
#define VIDEO_HEIGHT 272
#define VIDEO_FPS 12
#define VIDEO_SECONDS 3

static JsonNode *
compute_video (Compute  *compute,
               guint    *http_status,
               char    **error_type,
               GError  **error)
{
  g_autoptr(GBytes) avi = fal_local_media_render_video (input_string (compute->input, "prompt", ""),
                                                        compute->seed, VIDEO_WIDTH, VIDEO_HEIGHT,
                                                        VIDEO_FPS * VIDEO_SECONDS, VIDEO_FPS, error);
  g_autofree char *name = NULL;
  JsonObject *file;
  JsonObject *result;
  JsonNode *node;

  if (avi == NULL)
    return NULL;
  name = g_strdup_printf ("video-%" G_GINT64_FORMAT ".avi", compute->seed);
  file = store_file (compute, avi, "video/x-msvideo", name, error);
  if (file == NULL)
    return NULL;
  json_object_set_int_member (file, "width", VIDEO_WIDTH);
  json_object_set_int_member (file, "height", VIDEO_HEIGHT);
  json_object_set_int_member (file, "fps", VIDEO_FPS);
  json_object_set_double_member (file, "duration", VIDEO_SECONDS);
  json_object_set_int_member (file, "num_frames", VIDEO_FPS * VIDEO_SECONDS);

  result = json_object_new ();
  json_object_set_object_member (result, "video", file);
  json_object_set_int_member (result, "seed", compute->seed);
  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, result);
  *http_status = 200;
  return node;
}

/* ------------------------------------------------------------------ log plans */

static void
plan_add (GPtrArray  *plan,
          double      at,
          const char *level,
          char       *message)
{
  FalLocalPlannedLog *entry = g_new0 (FalLocalPlannedLog, 1);

  entry->at = at;
  entry->level = level;
  entry->message = message;
  g_ptr_array_add (plan, entry);
}

static void
plan_diffusion (const FalLocalEndpoint *endpoint,
                JsonObject             *input,
                GPtrArray              *plan)
{
  guint steps = CLAMP (input_int (input, "num_inference_steps", g_str_has_prefix (endpoint->id, "fal-ai/flux") ? 4 : 25), 1, 50);
  guint n = CLAMP (input_int (input, "num_images", 1), 1, 8);
  int width, height;

  plan_add (plan, 0.0, "INFO", g_strdup_printf ("Loading %s weights", endpoint->id));
  if (input_image_size (input, &width, &height))
    plan_add (plan, 0.05, "INFO", g_strdup_printf ("Encoding prompt (%u× %d×%d)", n, width, height));
  else if (endpoint->compute == compute_image_to_image)
    plan_add (plan, 0.05, "INFO", g_strdup_printf ("Encoding prompt (%u× the source image's size)", n));
  else
    plan_add (plan, 0.05, "INFO", g_strdup_printf ("Encoding prompt (%u× %d×%d)", n, 1024,
                                                   g_str_has_prefix (endpoint->id, "fal-ai/flux") ? 768 : 1024));
  for (guint i = 1; i <= steps; i++)
    plan_add (plan, 0.1 + 0.8 * i / steps, "INFO", g_strdup_printf ("Step %u/%u", i, steps));
  plan_add (plan, 0.93, "INFO", g_strdup ("Running the safety checker"));
  plan_add (plan, 0.97, "INFO", g_strdup ("Uploading the results"));
}

static void
plan_llm (const FalLocalEndpoint *endpoint,
          JsonObject             *input,
          GPtrArray              *plan)
{
  plan_add (plan, 0.0, "INFO", g_strdup_printf ("Routing to %s", input_string (input, "model", "the default model")));
  plan_add (plan, 0.1, "INFO", g_strdup ("Prompt accepted, generating"));
  plan_add (plan, 0.9, "INFO", g_strdup ("Generation finished"));
}

static void
plan_media (const FalLocalEndpoint *endpoint,
            JsonObject             *input,
            GPtrArray              *plan)
{
  plan_add (plan, 0.0, "INFO", g_strdup_printf ("Loading %s", endpoint->id));
  plan_add (plan, 0.05, "DEBUG", g_strdup ("Runner warmed up"));
  for (guint i = 1; i <= 10; i++)
    plan_add (plan, 0.1 + 0.08 * i, "INFO", g_strdup_printf ("Progress %u%%", i * 10));
  plan_add (plan, 0.95, "INFO", g_strdup ("Encoding the output file"));
}

static void
plan_input_file (const FalLocalEndpoint *endpoint,
                 JsonObject             *input,
                 GPtrArray              *plan)
{
  plan_add (plan, 0.0, "INFO", g_strdup ("Downloading the input file"));
  plan_add (plan, 0.15, "INFO", g_strdup_printf ("Running %s", endpoint->id));
  plan_add (plan, 0.85, "INFO", g_strdup ("Post-processing"));
}

static const FalLocalEndpoint endpoints[] = {
  { "fal-ai/fast-sdxl", "text-to-image", 400, 2500, compute_text_to_image, plan_diffusion },
  { "fal-ai/flux/schnell", "text-to-image", 400, 1500, compute_text_to_image, plan_diffusion },
  { "fal-ai/fast-sdxl/image-to-image", "image-to-image", 400, 2500, compute_image_to_image, plan_diffusion },
  { "fal-ai/any-llm", "llm", 300, 2500, compute_llm, plan_llm },
  { "fal-ai/llavav15-13b", "vision", 400, 2500, compute_vision, plan_input_file },
  { "fal-ai/whisper", "speech-to-text", 400, 2500, compute_whisper, plan_input_file },
  { "fal-ai/stable-audio", "text-to-audio", 500, 4000, compute_audio, plan_media },
  { "fal-ai/minimax/video-01", "text-to-video", 600, 8000, compute_video, plan_media },
};

static const char *const endpoint_ids[] = {
  "fal-ai/fast-sdxl",
  "fal-ai/flux/schnell",
  "fal-ai/fast-sdxl/image-to-image",
  "fal-ai/any-llm",
  "fal-ai/llavav15-13b",
  "fal-ai/whisper",
  "fal-ai/stable-audio",
  "fal-ai/minimax/video-01",
  NULL
};

G_STATIC_ASSERT (G_N_ELEMENTS (endpoints) + 1 == G_N_ELEMENTS (endpoint_ids));

static const FalLocalEndpoint *
simulated_lookup (const char *endpoint_id)
{
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    if (g_str_equal (endpoints[i].id, endpoint_id))
      return &endpoints[i];
  return NULL;
}

/* The other catalog models behave as their runs_as endpoint under their
 * own id (queues, logs and URLs say the alias); made once, kept. */
static gpointer
build_aliases (gpointer data)
{
  GHashTable *aliases = g_hash_table_new (g_str_hash, g_str_equal);
  guint n = fal_local_catalog_get_n ();

  for (guint i = 0; i < n; i++)
    {
      const FalLocalCatalogModel *model = fal_local_catalog_get (i);
      const FalLocalEndpoint *base = simulated_lookup (model->runs_as);
      FalLocalEndpoint *alias;

      g_assert (base != NULL);
      if (g_str_equal (model->endpoint_id, model->runs_as))
        continue;
      alias = g_new (FalLocalEndpoint, 1);
      *alias = *base;
      alias->id = model->endpoint_id;
      alias->category = model->category;
      g_hash_table_insert (aliases, (gpointer) alias->id, alias);
    }
  return aliases;
}

const FalLocalEndpoint *
fal_local_endpoints_lookup (const char *endpoint_id)
{
  static GOnce once = G_ONCE_INIT;
  const FalLocalEndpoint *endpoint = simulated_lookup (endpoint_id);

  if (endpoint)
    return endpoint;
  return g_hash_table_lookup (g_once (&once, build_aliases, NULL), endpoint_id);
}

const char * const *
fal_local_endpoints_list (void)
{
  return endpoint_ids;
}

const char *fal_local_endpoint_get_id (const FalLocalEndpoint *endpoint) { return endpoint->id; }
guint fal_local_endpoint_get_queue_step_ms (const FalLocalEndpoint *endpoint) { return endpoint->queue_step_ms; }

guint
fal_local_endpoint_get_run_ms (const FalLocalEndpoint *endpoint,
                               JsonObject             *input)
{
  /* Bigger jobs take longer, within reason, so a demo feels alive. */
  if (endpoint->compute == compute_text_to_image || endpoint->compute == compute_image_to_image)
    {
      guint n = CLAMP (input_int (input, "num_images", 1), 1, 8);
      return endpoint->run_ms + (n - 1) * endpoint->run_ms / 4;
    }
  return endpoint->run_ms;
}

static void
planned_log_free (gpointer data)
{
  FalLocalPlannedLog *entry = data;

  g_free (entry->message);
  g_free (entry);
}

GPtrArray *
fal_local_endpoint_plan_logs (const FalLocalEndpoint *endpoint,
                              JsonObject             *input)
{
  GPtrArray *plan = g_ptr_array_new_with_free_func (planned_log_free);

  endpoint->plan (endpoint, input, plan);
  return plan;
}

JsonArray *
fal_local_endpoint_check (const FalLocalEndpoint *endpoint,
                          JsonObject             *input)
{
  int width, height;

  if (input_image_size (input, &width, &height) &&
      (width > FAL_LOCAL_MEDIA_MAX_SIDE || height > FAL_LOCAL_MEDIA_MAX_SIDE))
    {
      g_autofree char *msg = g_strdup_printf ("Image size %d×%d is above the local server's limit of %d pixels per side",
                                              width, height, FAL_LOCAL_MEDIA_MAX_SIDE);
      g_autoptr(JsonNode) body = field_error_body ("image_size", msg, "image_too_large", NULL);

      return json_array_ref (json_object_get_array_member (json_node_get_object (body), "detail"));
    }
  return NULL;
}

/* ------------------------------------------------------------------ compute */

static void
compute_free (gpointer data)
{
  Compute *compute = data;

  json_object_unref (compute->input);
  g_object_unref (compute->storage);
  g_free (compute->base_url);
  g_free (compute->local_url);
  g_free (compute);
}

typedef struct {
  JsonNode *node;
  guint http_status;
  char *error_type;
} Outcome;

static void
outcome_free (gpointer data)
{
  Outcome *outcome = data;

  g_clear_pointer (&outcome->node, json_node_unref);
  g_free (outcome->error_type);
  g_free (outcome);
}

static void
compute_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Compute *compute = task_data;
  Outcome *outcome = g_new0 (Outcome, 1);
  GError *error = NULL;

  outcome->node = compute->endpoint->compute (compute, &outcome->http_status, &outcome->error_type, &error);
  if (outcome->node == NULL)
    {
      outcome_free (outcome);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, outcome, outcome_free);
}

void
fal_local_endpoint_compute_async (const FalLocalEndpoint *endpoint,
                                  JsonObject             *input,
                                  FalLocalStorage        *storage,
                                  const char             *base_url,
                                  const char             *local_url,
                                  gint64                  file_lifetime,
                                  gsize                   inline_limit,
                                  GCancellable           *cancellable,
                                  GAsyncReadyCallback     callback,
                                  gpointer                user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Compute *compute = g_new0 (Compute, 1);
  JsonNode *seed = json_object_get_member (input, "seed");
  JsonNode *sync_mode = json_object_get_member (input, "sync_mode");

  compute->endpoint = endpoint;
  compute->input = json_object_ref (input);
  compute->storage = g_object_ref (storage);
  compute->base_url = g_strdup (base_url);
  compute->local_url = g_strdup (local_url);
  compute->file_lifetime = file_lifetime;
  /* Every endpoint that makes media honours it, even where its schema
   * does not list it (stable-audio, minimax). */
  compute->sync_mode = sync_mode && JSON_NODE_HOLDS_VALUE (sync_mode) &&
                       json_node_get_value_type (sync_mode) == G_TYPE_BOOLEAN &&
                       json_node_get_boolean (sync_mode);
  compute->inline_left = inline_limit;
  /* fal draws a seed when none is given and echoes it either way. */
  if (seed && JSON_NODE_HOLDS_VALUE (seed) && json_node_get_value_type (seed) == G_TYPE_INT64)
    compute->seed = json_node_get_int (seed);
  else
    compute->seed = g_random_int_range (0, G_MAXINT32);

  g_task_set_source_tag (task, fal_local_endpoint_compute_async);
  g_task_set_task_data (task, compute, compute_free);
  g_task_run_in_thread (task, compute_thread);
}

JsonNode *
fal_local_endpoint_compute_finish (GAsyncResult  *result,
                                   guint         *http_status,
                                   char         **error_type,
                                   GError       **error)
{
  Outcome *outcome = g_task_propagate_pointer (G_TASK (result), error);
  JsonNode *node;

  if (outcome == NULL)
    return NULL;
  *http_status = outcome->http_status;
  *error_type = g_steal_pointer (&outcome->error_type);
  node = g_steal_pointer (&outcome->node);
  outcome_free (outcome);
  return node;
}

/* ------------------------------------------------------------------ streaming */

/* json_node_copy() shares objects and arrays; events must not. (libfal has
 * its own fal_json_deep_copy(); the server links none of libfal on purpose.) */
static JsonNode *
deep_copy (JsonNode *node)
{
  JsonNode *copy;

  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      JsonObject *object_copy = json_object_new ();
      JsonObjectIter iter;
      const char *name;
      JsonNode *member;

      json_object_iter_init_ordered (&iter, object);
      while (json_object_iter_next_ordered (&iter, &name, &member))
        json_object_set_member (object_copy, name, deep_copy (member));
      copy = json_node_new (JSON_NODE_OBJECT);
      json_node_take_object (copy, object_copy);
      return copy;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *array = json_node_get_array (node);
      JsonArray *array_copy = json_array_sized_new (json_array_get_length (array));

      for (guint i = 0; i < json_array_get_length (array); i++)
        json_array_add_element (array_copy, deep_copy (json_array_get_element (array, i)));
      copy = json_node_new (JSON_NODE_ARRAY);
      json_node_take_array (copy, array_copy);
      return copy;
    }
  return json_node_copy (node);
}

static JsonNode *
with_partial (JsonNode *output,
              gboolean  partial)
{
  JsonNode *copy = deep_copy (output);

  if (JSON_NODE_HOLDS_OBJECT (copy))
    json_object_set_boolean_member (json_node_get_object (copy), "partial", partial);
  return copy;
}

GPtrArray *
fal_local_endpoint_stream_events (const FalLocalEndpoint *endpoint,
                                  JsonNode               *output)
{
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  JsonObject *object = JSON_NODE_HOLDS_OBJECT (output) ? json_node_get_object (output) : NULL;
  g_autofree char *text = object ? g_strdup (input_string (object, "output", NULL)) : NULL;

  if (text)
    {
      /* Growing prefixes cut at word ends, about a dozen of them. */
      gsize len = strlen (text);
      gsize step = MAX (1, len / 12);
      gsize at = 0;

      while (at + step < len)
        {
          JsonNode *event;
          JsonObject *partial;

          at += step;
          while (at < len && text[at] != ' ')
            at++;
          if (at >= len)
            break;
          event = with_partial (output, TRUE);
          partial = json_node_get_object (event);
          {
            g_autofree char *prefix = g_strndup (text, at);
            json_object_set_string_member (partial, "output", prefix);
          }
          g_ptr_array_add (events, event);
        }
    }
  else
    {
      for (guint i = 1; i <= 3; i++)
        {
          JsonObject *progress = json_object_new ();
          JsonNode *event = json_node_new (JSON_NODE_OBJECT);

          json_object_set_double_member (progress, "progress", i / 4.0);
          json_object_set_string_member (progress, "message", "Generating…");
          json_object_set_boolean_member (progress, "partial", TRUE);
          json_node_take_object (event, progress);
          g_ptr_array_add (events, event);
        }
    }

  g_ptr_array_add (events, with_partial (output, FALSE));
  return events;
}
