/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include <adwaita.h>

#include "bench-common.h"
#include "bench-config.h"

#include "falstaff-memory.h"
#include "falstaff-application.h"
#include "falstaff-history-view.h"
#include "falstaff-run-store.h"
#include "falstaff-run-store-private.h"
#include "falstaff-window.h"
#include "falstaff-window-private.h"

/* Issue 10's benchmark: a history of --runs runs (10,000) against an
 * empty one.
 *
 *  1. The history is written by the store's own database thread
 *     (falstaff-run-store-db.c: its schema and migrations, its INSERT),
 *     from rows made by _falstaff_run_new() and _falstaff_run_snapshot():
 *     varied endpoints (images, video, LLM, speech), prompts of 6 to 80
 *     words, results of realistic shape (~0.5–3 KiB of JSON), mostly
 *     COMPLETED, some FAILED and CANCELLED, none unfinished (those would
 *     be followed again at start). `--write PATH` only does this.
 *  2. The store alone, in a fresh process each time (this program with
 *     --child-store): FalstaffRunStore loading the file, wall time and the
 *     longest main-loop stall (a 1 ms timer's longest gap: the part done
 *     on the main thread), and the memory it keeps (malloc'd bytes across
 *     all arenas, mallinfo2, and VmRSS).
 *  3. The real `falstaff` binary as bench-launch starts it (returning
 *     user, last endpoint restored, its schema cached, a `falctl serve`
 *     of its own), XDG_DATA_HOME holding the empty history or the full
 *     one and everything else the same; alternating, one warm-up each,
 *     medians of --repeat: exec → first frame and idle RSS (VmRSS
 *     --settle-ms after it). Goals: +20 % time, +30 MiB.
 *  4. The history list's first page: this program with --child-window
 *     runs the real FalstaffApplication and FalstaffWindow (so the window's
 *     own FALSTAFF_BENCH_FIRST_FRAME hook prints "first-frame") with the
 *     sidebar on its History page from the start, and prints
 *     "history-rows <µs>" at the first frame drawn with row widgets in the
 *     history's GtkListView; and, the other way a person gets there, on
 *     the Endpoints page until the history is loaded and the window idle,
 *     then the page switched (as the stack switcher does) and the time
 *     to the first frame with rows; and, as a what-if for the lead, the
 *     first case with the store made at the application's startup instead
 *     of in the window's constructor. Nothing in src/app is changed for it.
 *
 * Goals are reported, never asserted; only a broken run fails. */

static int opt_runs = 10000;
static int opt_repeat = 5;
static int opt_settle_ms = 2000;
static int opt_seed = 1;
static double opt_goal_ratio = 1.2;
static double opt_goal_rss_mib = 30;
static double opt_goal_switch_ms = 100;
static char *opt_falstaff = NULL;
static char *opt_falctl = NULL;
static char *opt_schema_dir = NULL;
static char *opt_endpoint = NULL;
static char *opt_write = NULL;
static char *opt_child_store = NULL;
static char *opt_child_window = NULL;
static gboolean opt_verbose = FALSE;

/* ------------------------------------------------------------------ a history of N runs */

typedef enum {
  KIND_IMAGE,
  KIND_VIDEO,
  KIND_LLM,
  KIND_TRANSCRIBE,
  KIND_SPEECH,
} Kind;

static const struct {
  const char *id;
  Kind kind;
  guint weight;
} endpoints[] = {
  { "fal-ai/fast-sdxl", KIND_IMAGE, 14 },
  { "fal-ai/flux/dev", KIND_IMAGE, 16 },
  { "fal-ai/flux/schnell", KIND_IMAGE, 12 },
  { "fal-ai/flux-pro/v1.1-ultra", KIND_IMAGE, 6 },
  { "fal-ai/recraft-v3", KIND_IMAGE, 4 },
  { "fal-ai/stable-diffusion-v35-large", KIND_IMAGE, 4 },
  { "fal-ai/flux/dev/image-to-image", KIND_IMAGE, 4 },
  { "fal-ai/kling-video/v1.6/standard/text-to-video", KIND_VIDEO, 4 },
  { "fal-ai/minimax/video-01", KIND_VIDEO, 3 },
  { "fal-ai/ltx-video", KIND_VIDEO, 3 },
  { "fal-ai/any-llm", KIND_LLM, 15 },
  { "fal-ai/whisper", KIND_TRANSCRIBE, 8 },
  { "fal-ai/f5-tts", KIND_SPEECH, 7 },
};

static const char * const words[] = {
  "a", "the", "of", "in", "with", "and", "on", "at", "under", "over", "portrait", "landscape",
  "cinematic", "photo", "painting", "watercolor", "neon", "city", "forest", "mountain", "river",
  "ocean", "sunset", "sunrise", "night", "rain", "snow", "fog", "golden", "hour", "light",
  "shadow", "old", "young", "woman", "man", "child", "cat", "dog", "fox", "owl", "dragon",
  "robot", "astronaut", "castle", "street", "market", "cafe", "library", "garden", "bridge",
  "train", "ship", "lantern", "mirror", "clock", "candle", "velvet", "glass", "copper",
  "marble", "detailed", "sharp", "soft", "focus", "bokeh", "35mm", "wide", "angle", "close-up",
  "highly", "intricate", "vibrant", "muted", "colors", "pastel", "moody", "dramatic", "epic",
  "quiet", "serene", "ancient", "futuristic", "baroque", "minimalist", "studio", "lighting",
  "volumetric", "8k", "octane", "render", "film", "grain", "analog", "kodak", "portra",
  "explain", "summarize", "write", "poem", "about", "why", "how", "does", "story", "recipe",
};

static const char * const failures[][2] = {
  { "The model could not run: CUDA out of memory.", "internal_server_error" },
  { "Your input was not accepted: image_size: value is not a valid size", "validation_error" },
  { "The request took too long and was stopped by fal.", "request_timeout" },
  { "fal did not accept the key: it is not valid.", NULL },
  { "The output was flagged by the safety checker.", "content_policy_violation" },
};

typedef struct {
  GRand *rand;
  guint total_weight;
  gsize result_bytes;
  guint n_results;
  guint n_status[FAL_JOB_CANCELLED + 1];
} Maker;

static char *
random_prompt (Maker *maker,
               guint  min_words,
               guint  max_words)
{
  guint n = g_rand_int_range (maker->rand, min_words, max_words + 1);
  GString *text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (text, i % 9 == 8 ? ',' : ' ');
      if (i % 9 == 8)
        g_string_append_c (text, ' ');
      g_string_append (text, words[g_rand_int_range (maker->rand, 0, G_N_ELEMENTS (words))]);
    }
  return g_string_free (text, FALSE);
}

/* fal's file URLs: v3.fal.media/files/<word>/<22 characters>_<name>. */
static char *
random_file_url (Maker      *maker,
                 const char *name)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  char token[23];

  for (guint i = 0; i < 22; i++)
    token[i] = alphabet[g_rand_int_range (maker->rand, 0, sizeof alphabet - 1)];
  token[22] = '\0';
  return g_strdup_printf ("https://v3.fal.media/files/%s/%s_%s",
                          words[g_rand_int_range (maker->rand, 10, 60)], token, name);
}

static char *
random_uuid (Maker *maker)
{
  return g_strdup_printf ("%08x-%04x-4%03x-%04x-%08x%04x",
                          g_rand_int (maker->rand), g_rand_int (maker->rand) & 0xffff,
                          g_rand_int (maker->rand) & 0xfff, (g_rand_int (maker->rand) & 0x3fff) | 0x8000,
                          g_rand_int (maker->rand), g_rand_int (maker->rand) & 0xffff);
}

static JsonNode *
parse (const char *json)
{
  JsonNode *node = json_from_string (json, NULL);

  g_assert (node != NULL);
  return node;
}

/* The app's own rules (falstaff-run.c) for the derived columns, kept
 * simple here: snippets are single-spaced already. */
static char *
snippet_of (const char *text)
{
  if (g_utf8_strlen (text, -1) <= 120)
    return g_strdup (text);
  {
    g_autofree char *cut = g_utf8_substring (text, 0, 119);

    return g_strconcat (cut, "…", NULL);
  }
}

/* One run, oldest first: id 1 is the oldest. */
static FalstaffRunRow *
make_row (Maker  *maker,
          gint64  id,
          gint64  now)
{
  guint pick = g_rand_int_range (maker->rand, 0, maker->total_weight);
  guint e = 0;
  g_autoptr(FalstaffRun) run = NULL;
  g_autoptr(JsonNode) inputs = NULL;
  g_autoptr(JsonBuilder) result = json_builder_new ();
  g_autofree char *prompt = NULL;
  g_autofree char *request_id = random_uuid (maker);
  g_autofree char *app = NULL;
  g_autofree char *thumbnail = NULL;
  g_autofree char *output_text = NULL;
  g_auto(GStrv) parts = NULL;
  FalstaffRunRow *row;
  gint64 seed = g_rand_int (maker->rand) & 0x7fffffff;
  guint fate = g_rand_int_range (maker->rand, 0, 100);
  FalJobStatus status = fate < 90 ? FAL_JOB_COMPLETED : fate < 98 ? FAL_JOB_FAILED : FAL_JOB_CANCELLED;
  Kind kind;

  while (pick >= endpoints[e].weight)
    pick -= endpoints[e++].weight;
  kind = endpoints[e].kind;

  /* What was sent. */
  switch (kind)
    {
    case KIND_IMAGE:
      {
        static const char * const sizes[] = { "square_hd", "landscape_4_3", "portrait_16_9", "landscape_16_9" };
        g_autofree char *json = NULL;

        prompt = random_prompt (maker, 20, 80);
        json = g_strdup_printf ("{\"prompt\":\"%s\",\"image_size\":\"%s\",\"num_inference_steps\":%d,"
                                "\"guidance_scale\":3.5,\"num_images\":%d,\"enable_safety_checker\":true%s}",
                                prompt, sizes[g_rand_int_range (maker->rand, 0, G_N_ELEMENTS (sizes))],
                                g_rand_boolean (maker->rand) ? 28 : 4, g_rand_int_range (maker->rand, 1, 5),
                                g_rand_boolean (maker->rand) ? "" : ",\"seed\":42");
        inputs = parse (json);
      }
      break;
    case KIND_VIDEO:
      {
        g_autofree char *json = NULL;

        prompt = random_prompt (maker, 20, 80);
        json = g_strdup_printf ("{\"prompt\":\"%s\",\"duration\":\"5\",\"aspect_ratio\":\"16:9\"}", prompt);
        inputs = parse (json);
      }
      break;
    case KIND_LLM:
      {
        g_autofree char *json = NULL;

        prompt = random_prompt (maker, 6, 40);
        json = g_strdup_printf ("{\"prompt\":\"%s\",\"model\":\"google/gemini-flash-1.5\","
                                "\"system_prompt\":\"You are a helpful assistant. Answer briefly.\"}", prompt);
        inputs = parse (json);
      }
      break;
    case KIND_TRANSCRIBE:
      {
        g_autofree char *url = random_file_url (maker, "interview.mp3");
        g_autofree char *json = g_strdup_printf ("{\"audio_url\":\"%s\",\"task\":\"transcribe\","
                                                 "\"language\":\"en\",\"chunk_level\":\"segment\"}", url);

        inputs = parse (json);
      }
      break;
    case KIND_SPEECH:
      {
        g_autofree char *url = random_file_url (maker, "voice.wav");
        g_autofree char *json = NULL;

        prompt = random_prompt (maker, 10, 50);
        json = g_strdup_printf ("{\"gen_text\":\"%s\",\"ref_audio_url\":\"%s\",\"model_type\":\"F5-TTS\"}",
                                prompt, url);
        inputs = parse (json);
      }
      break;
    }

  /* The run as the app makes it (prompt and snippet from the inputs). */
  run = _falstaff_run_new (id, endpoints[e].id, kind == KIND_LLM && g_rand_boolean (maker->rand) ? "stream" : "queue",
                           inputs);
  row = _falstaff_run_snapshot (run, TRUE);

  /* What came back. */
  json_builder_begin_object (result);
  switch (kind)
    {
    case KIND_IMAGE:
      {
        guint n = g_rand_int_range (maker->rand, 1, 5);

        json_builder_set_member_name (result, "images");
        json_builder_begin_array (result);
        for (guint i = 0; i < n; i++)
          {
            g_autofree char *url = random_file_url (maker, "image.jpeg");

            if (thumbnail == NULL)
              thumbnail = g_strdup (url);
            json_builder_begin_object (result);
            json_builder_set_member_name (result, "url");
            json_builder_add_string_value (result, url);
            json_builder_set_member_name (result, "width");
            json_builder_add_int_value (result, 1024);
            json_builder_set_member_name (result, "height");
            json_builder_add_int_value (result, 768);
            json_builder_set_member_name (result, "content_type");
            json_builder_add_string_value (result, "image/jpeg");
            json_builder_end_object (result);
          }
        json_builder_end_array (result);
        json_builder_set_member_name (result, "timings");
        json_builder_begin_object (result);
        json_builder_set_member_name (result, "inference");
        json_builder_add_double_value (result, g_rand_double_range (maker->rand, 0.3, 9.0));
        json_builder_end_object (result);
        json_builder_set_member_name (result, "seed");
        json_builder_add_int_value (result, seed);
        json_builder_set_member_name (result, "has_nsfw_concepts");
        json_builder_begin_array (result);
        for (guint i = 0; i < n; i++)
          json_builder_add_boolean_value (result, FALSE);
        json_builder_end_array (result);
        json_builder_set_member_name (result, "prompt");
        json_builder_add_string_value (result, prompt);
      }
      break;
    case KIND_VIDEO:
      {
        g_autofree char *url = random_file_url (maker, "output.mp4");

        thumbnail = g_strdup (url);
        json_builder_set_member_name (result, "video");
        json_builder_begin_object (result);
        json_builder_set_member_name (result, "url");
        json_builder_add_string_value (result, url);
        json_builder_set_member_name (result, "content_type");
        json_builder_add_string_value (result, "video/mp4");
        json_builder_set_member_name (result, "file_name");
        json_builder_add_string_value (result, "output.mp4");
        json_builder_set_member_name (result, "file_size");
        json_builder_add_int_value (result, g_rand_int_range (maker->rand, 800000, 9000000));
        json_builder_end_object (result);
        json_builder_set_member_name (result, "seed");
        json_builder_add_int_value (result, seed);
        json_builder_set_member_name (result, "prompt");
        json_builder_add_string_value (result, prompt);
        json_builder_set_member_name (result, "timings");
        json_builder_begin_object (result);
        json_builder_set_member_name (result, "inference");
        json_builder_add_double_value (result, g_rand_double_range (maker->rand, 20, 240));
        json_builder_end_object (result);
      }
      break;
    case KIND_LLM:
      output_text = random_prompt (maker, 150, 400);
      json_builder_set_member_name (result, "output");
      json_builder_add_string_value (result, output_text);
      json_builder_set_member_name (result, "partial");
      json_builder_add_boolean_value (result, FALSE);
      json_builder_set_member_name (result, "error");
      json_builder_add_null_value (result);
      break;
    case KIND_TRANSCRIBE:
      {
        guint n = g_rand_int_range (maker->rand, 6, 13);
        g_autoptr(GString) text = g_string_new (NULL);
        double at = 0;

        json_builder_set_member_name (result, "chunks");
        json_builder_begin_array (result);
        for (guint i = 0; i < n; i++)
          {
            g_autofree char *said = random_prompt (maker, 8, 20);
            double length = g_rand_double_range (maker->rand, 2, 9);

            g_string_append_printf (text, "%s%s.", text->len ? " " : "", said);
            json_builder_begin_object (result);
            json_builder_set_member_name (result, "timestamp");
            json_builder_begin_array (result);
            json_builder_add_double_value (result, at);
            json_builder_add_double_value (result, at + length);
            json_builder_end_array (result);
            json_builder_set_member_name (result, "text");
            json_builder_add_string_value (result, said);
            json_builder_end_object (result);
            at += length;
          }
        json_builder_end_array (result);
        output_text = g_strdup (text->str);
        json_builder_set_member_name (result, "text");
        json_builder_add_string_value (result, output_text);
      }
      break;
    case KIND_SPEECH:
      {
        g_autofree char *url = random_file_url (maker, "speech.wav");

        json_builder_set_member_name (result, "audio_url");
        json_builder_begin_object (result);
        json_builder_set_member_name (result, "url");
        json_builder_add_string_value (result, url);
        json_builder_set_member_name (result, "content_type");
        json_builder_add_string_value (result, "audio/wav");
        json_builder_set_member_name (result, "file_name");
        json_builder_add_string_value (result, "speech.wav");
        json_builder_set_member_name (result, "file_size");
        json_builder_add_int_value (result, g_rand_int_range (maker->rand, 100000, 2000000));
        json_builder_end_object (result);
      }
      break;
    }
  json_builder_end_object (result);

  /* Where it stood at fal. */
  parts = g_strsplit (endpoints[e].id, "/", 3);
  app = g_strdup_printf ("%s/%s", parts[0], parts[1]);
  row->request_id = g_strdup (request_id);
  row->status_url = g_strdup_printf ("https://queue.fal.run/%s/requests/%s/status", app, request_id);
  row->response_url = g_strdup_printf ("https://queue.fal.run/%s/requests/%s", app, request_id);
  row->cancel_url = g_strdup_printf ("https://queue.fal.run/%s/requests/%s/cancel", app, request_id);
  row->status = status;
  maker->n_status[status]++;

  /* Newest at the top, one run every hour or so, a year back. */
  row->created_at = now - (gint64) (opt_runs - id + 1) * 3500 * G_USEC_PER_SEC
                    - g_rand_int_range (maker->rand, 0, 100) * G_USEC_PER_SEC;
  row->submitted_at = row->created_at + g_rand_int_range (maker->rand, 50, 400) * 1000;
  row->started_at = row->submitted_at + g_rand_int_range (maker->rand, 200, 20000) * (gint64) 1000;
  row->completed_at = row->started_at + g_rand_int_range (maker->rand, 500, 60000) * (gint64) 1000;

  if (status == FAL_JOB_COMPLETED)
    {
      g_autoptr(JsonNode) node = json_builder_get_root (result);

      row->write_result = TRUE;
      row->result_json = json_to_string (node, FALSE);
      maker->result_bytes += strlen (row->result_json);
      maker->n_results++;
      row->log_summary = g_strdup_printf ("Loading weights\nWarming up\nRunning inference\n%d/%d steps\nDone in %.1fs",
                                          28, 28, (row->completed_at - row->started_at) / 1e6);
      if (kind == KIND_IMAGE || kind == KIND_VIDEO)
        {
          row->seed = seed;
          g_free (row->thumbnail_url);
          row->thumbnail_url = g_steal_pointer (&thumbnail);
        }
      if (output_text != NULL)
        {
          g_free (row->text_snippet);
          row->text_snippet = snippet_of (output_text);
        }
    }
  else if (status == FAL_JOB_FAILED)
    {
      guint f = g_rand_int_range (maker->rand, 0, G_N_ELEMENTS (failures));

      row->error_message = g_strdup (failures[f][0]);
      row->error_type = g_strdup (failures[f][1]);
      row->log_summary = g_strdup ("Loading weights\nRunning inference\nError");
      row->write_result = TRUE;
      row->result_json = NULL;
    }
  else
    {
      row->error_message = g_strdup ("Cancelled.");
      row->started_at = 0;
    }
  return row;
}

typedef struct {
  GMainLoop *loop;
  gboolean done;
  gboolean ok;
  GError *error;
} Wait;

static void
db_load_answered_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Wait *wait = data;
  FalstaffRunDbLoad *load = g_task_propagate_pointer (G_TASK (result), &wait->error);

  wait->ok = load != NULL && load->rows->len == 0;
  if (load != NULL && load->rows->len != 0)
    g_set_error (&wait->error, G_IO_ERROR, G_IO_ERROR_EXISTS, "the file holds runs already");
  _falstaff_run_db_load_free (load);
}

static void
db_flushed_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Wait *wait = data;

  g_task_propagate_boolean (G_TASK (result), NULL);
  wait->done = TRUE;
  g_main_loop_quit (wait->loop);
}

/* Writes n runs to a new history file at path (removed first, with its
 * WAL); returns the mean size of a result's JSON. */
static gboolean
write_history (const char  *path,
               guint        n,
               Maker       *maker,
               GError     **error)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GObject) owner = g_object_new (G_TYPE_OBJECT, NULL);
  g_autoptr(GTask) load_task = NULL;
  g_autoptr(GTask) flush_task = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) _falstaff_run_row_free);
  const char *suffixes[] = { "", "-wal", "-shm" };
  Wait wait = { .loop = loop };
  gint64 now = g_get_real_time ();
  FalstaffRunDb *db;

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_unlink (file);
    }
  for (guint id = 1; id <= n; id++)
    g_ptr_array_add (rows, make_row (maker, id, now));

  /* LOAD opens the file and brings the schema up to date; the writes
   * queued behind it go in one transaction; FLUSH answers after them. */
  db = _falstaff_run_db_new (path, NULL, NULL);
  load_task = g_task_new (owner, NULL, db_load_answered_cb, &wait);
  flush_task = g_task_new (owner, NULL, db_flushed_cb, &wait);
  _falstaff_run_db_push (db, FALSTAFF_RUN_DB_LOAD, NULL, NULL, load_task);
  _falstaff_run_db_push (db, FALSTAFF_RUN_DB_INSERT, rows, NULL, NULL);
  _falstaff_run_db_push (db, FALSTAFF_RUN_DB_FLUSH, NULL, NULL, flush_task);
  while (!wait.done)
    g_main_loop_run (loop);
  /* Closing the connection checkpoints the WAL into the file. */
  _falstaff_run_db_free (db);
  if (!wait.ok)
    {
      g_propagate_prefixed_error (error, wait.error ? wait.error : g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "?"),
                                  "%s: ", path);
      return FALSE;
    }
  return TRUE;
}

static Maker *
maker_new (void)
{
  Maker *maker = g_new0 (Maker, 1);

  maker->rand = g_rand_new_with_seed (opt_seed);
  for (guint i = 0; i < G_N_ELEMENTS (endpoints); i++)
    maker->total_weight += endpoints[i].weight;
  return maker;
}

static void
maker_free (Maker *maker)
{
  g_rand_free (maker->rand);
  g_free (maker);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Maker, maker_free)

/* ------------------------------------------------------------------ child: the store alone */

typedef struct {
  GMainLoop *loop;
  gint64 last_tick;
  gint64 longest_gap;
  gboolean loaded;
  GError *error;
} StoreWait;

static gboolean
tick_cb (gpointer data)
{
  StoreWait *wait = data;
  gint64 now = g_get_monotonic_time ();

  wait->longest_gap = MAX (wait->longest_gap, now - wait->last_tick);
  wait->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
store_loaded_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  StoreWait *wait = data;

  falstaff_run_store_load_finish (FALSTAFF_RUN_STORE (source), result, &wait->error);
  wait->loaded = TRUE;
  g_main_loop_quit (wait->loop);
}

static gint64
heap_bytes (void)
{
  struct mallinfo2 info = mallinfo2 ();

  /* In use, in every arena (the database thread has one of its own), and
   * in blocks mmap'd on their own. */
  return (gint64) (info.uordblks + info.hblkhd);
}

/* Prints one line on stdout: "store runs=… load-ms=… stall-ms=…
 * heap-kib=… rss-kib=…". */
static int
child_store (const char *path)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(FalstaffRunStore) store = NULL;
  StoreWait wait = { .loop = loop };
  gint64 heap_before, rss_before, start, end;
  guint tick;

  /* Types and the first allocations of GLib outside the figures. */
  g_type_ensure (FALSTAFF_TYPE_RUN);
  g_type_ensure (FALSTAFF_TYPE_RUN_STORE);
  g_type_ensure (FAL_TYPE_JOB_STATUS);
  heap_before = heap_bytes ();
  rss_before = bench_proc_status_kib (getpid (), "VmRSS");

  store = falstaff_run_store_new (path);
  tick = g_timeout_add (1, tick_cb, &wait);
  start = wait.last_tick = g_get_monotonic_time ();
  falstaff_run_store_load_async (store, NULL, store_loaded_cb, &wait);
  while (!wait.loaded)
    g_main_loop_run (loop);
  end = g_get_monotonic_time ();
  tick_cb (&wait);
  g_source_remove (tick);
  if (wait.error != NULL)
    {
      g_printerr ("bench-history: loading %s: %s\n", path, wait.error->message);
      return 1;
    }
  printf ("store runs=%u load-ms=%.2f stall-ms=%.2f heap-kib=%" G_GINT64_FORMAT " rss-kib=%" G_GINT64_FORMAT "\n",
          g_list_model_get_n_items (G_LIST_MODEL (store)), (end - start) / 1000.0, wait.longest_gap / 1000.0,
          (heap_bytes () - heap_before) / 1024, bench_proc_status_kib (getpid (), "VmRSS") - rss_before);
  return 0;
}

/* ------------------------------------------------------------------ child: the window */

typedef struct {
  gboolean switch_later;      /* start on Endpoints, switch once idle */
  GtkWindow *window;
  GtkStack *sidebar_stack;
  GtkWidget *history_view;
  GtkWidget *list_view;
  GtkStack *history_stack;    /* the view's list / "No Runs" */
  FalstaffRunStore *store;
  gboolean painted;
  gboolean switch_planned;
  gboolean switched;
  gboolean rows_printed;
  gint64 empty_shown_at;
} WindowChild;

static void
mark (const char *name)
{
  fprintf (stderr, "%s %" G_GINT64_FORMAT "\n", name, g_get_monotonic_time ());
  fflush (stderr);
}

typedef gboolean (*WidgetTest) (GtkWidget *widget);

static GtkWidget *
find_descendant (GtkWidget  *widget,
                 WidgetTest  test)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child; child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found;

      if (test (child))
        return child;
      if ((found = find_descendant (child, test)))
        return found;
    }
  return NULL;
}

/* The list of runs (not the filter drop-down's list, in its popover). */
static gboolean
is_runs_list (GtkWidget *widget)
{
  return GTK_IS_LIST_VIEW (widget) && gtk_widget_get_ancestor (widget, GTK_TYPE_POPOVER) == NULL;
}

/* The view's stack of the list and "No Runs". */
static gboolean
is_list_or_empty_stack (GtkWidget *widget)
{
  return GTK_IS_STACK (widget) && gtk_stack_get_child_by_name (GTK_STACK (widget), "list") != NULL &&
         gtk_stack_get_child_by_name (GTK_STACK (widget), "empty") != NULL;
}

/* Row widgets of the list, mapped and given a size: drawn in this frame. */
static gboolean
rows_shown (WindowChild *child)
{
  if (!gtk_widget_get_mapped (child->list_view))
    return FALSE;
  for (GtkWidget *row = gtk_widget_get_first_child (child->list_view); row; row = gtk_widget_get_next_sibling (row))
    if (gtk_widget_get_mapped (row) && gtk_widget_get_height (row) > 0)
      return TRUE;
  return FALSE;
}

/* The sidebar's stack: the one with a "history" page. */
static gboolean
is_sidebar_stack (GtkWidget *widget)
{
  return GTK_IS_STACK (widget) && gtk_stack_get_child_by_name (GTK_STACK (widget), "history") != NULL;
}

static void
find_history_view (WindowChild *child)
{
  child->history_view = GTK_WIDGET (_falstaff_window_get_history_view (FALSTAFF_WINDOW (child->window)));
  child->list_view = find_descendant (child->history_view, is_runs_list);
  child->history_stack = GTK_STACK (find_descendant (child->history_view, is_list_or_empty_stack));
  g_assert (child->list_view && child->history_stack);
}

static void
switch_cb (gpointer data)
{
  WindowChild *child = data;

  /* As a press on the sidebar's "History" switcher does (the window
   * makes the History page then). */
  mark ("history-switch");
  child->switched = TRUE;
  gtk_stack_set_visible_child_name (child->sidebar_stack, "history");
  find_history_view (child);
}

static void
after_paint_cb (GdkFrameClock *clock,
                WindowChild   *child)
{
  if (!gtk_widget_get_mapped (GTK_WIDGET (child->window)))
    return;
  child->painted = TRUE;
  if (child->empty_shown_at == 0 && !child->rows_printed && child->history_view &&
      gtk_widget_get_mapped (child->history_view) &&
      g_strcmp0 (gtk_stack_get_visible_child_name (child->history_stack), "empty") == 0)
    /* "No Runs" drawn while the history is still being read. */
    child->empty_shown_at = g_get_monotonic_time ();
  if (!child->rows_printed && child->list_view && rows_shown (child))
    {
      /* Second figure: when "No Runs" was drawn before, or 0. */
      child->rows_printed = TRUE;
      fprintf (stderr, "history-rows %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n",
               g_get_monotonic_time (), child->empty_shown_at);
      fflush (stderr);
    }
  if (child->switch_later && !child->switch_planned && falstaff_run_store_is_loaded (child->store))
    {
      /* Idle first: the start-up's own work is over. */
      child->switch_planned = TRUE;
      g_timeout_add_once (1000, switch_cb, child);
    }
}

static void
store_loaded_mark_cb (WindowChild *child)
{
  mark ("store-loaded");
  /* The frame after a switch planned from here. */
  if (child->painted)
    gtk_widget_queue_draw (GTK_WIDGET (child->window));
}

static void
activated_cb (GApplication *app,
              WindowChild  *child)
{
  /* The window reads the store from its first frame on. */
  mark ("window-made");
  child->window = gtk_application_get_active_window (GTK_APPLICATION (app));
  g_assert (FALSTAFF_IS_WINDOW (child->window));
  child->store = _falstaff_window_get_run_store (FALSTAFF_WINDOW (child->window));
  child->sidebar_stack = GTK_STACK (find_descendant (GTK_WIDGET (child->window), is_sidebar_stack));
  g_assert (GTK_IS_STACK (child->sidebar_stack));

  /* The History page is made when first shown: here from the start, or
   * at the switch. */
  if (!child->switch_later)
    {
      gtk_stack_set_visible_child_name (child->sidebar_stack, "history");
      find_history_view (child);
    }
  g_signal_connect_swapped (child->store, "notify::loaded", G_CALLBACK (store_loaded_mark_cb), child);
  if (falstaff_run_store_is_loaded (child->store))
    store_loaded_mark_cb (child);
  /* Presented already: realized, with its frame clock. */
  g_signal_connect (gtk_widget_get_frame_clock (GTK_WIDGET (child->window)), "after-paint",
                    G_CALLBACK (after_paint_cb), child);
}

static int
child_window (const char *mode,
              const char *argv0)
{
  g_autoptr(FalstaffApplication) app = falstaff_application_new ();
  WindowChild child = { .switch_later = g_strcmp0 (mode, "switch") == 0 };
  char *argv[] = { (char *) argv0, NULL };

  /* What if: the store made (and its load begun) at the application's
   * startup instead of in the window's constructor. */
  if (g_strcmp0 (mode, "history-early") == 0)
    g_signal_connect_after (app, "startup", G_CALLBACK (falstaff_application_get_run_store), NULL);

  /* Never handed to another instance on the same bus. */
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  /* After the class handler, which makes and presents the window. */
  g_signal_connect_after (app, "activate", G_CALLBACK (activated_cb), &child);
  return g_application_run (G_APPLICATION (app), 1, argv);
}

/* ------------------------------------------------------------------ the benchmark */

typedef struct {
  double load_ms, stall_ms, heap_mib, rss_mib;
  guint runs;
} StoreFigures;

static gboolean
measure_store (const char   *self_path,
               const char   *history,
               StoreFigures *figures)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gint64 heap_kib = 0, rss_kib = 0;
  const char *at;

  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              self_path, "--child-store", history, NULL);
  if (process == NULL || !g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error) ||
      !g_subprocess_get_successful (process) || (at = strstr (out, "store ")) == NULL ||
      sscanf (at, "store runs=%u load-ms=%lf stall-ms=%lf heap-kib=%" G_GINT64_FORMAT " rss-kib=%" G_GINT64_FORMAT,
              &figures->runs, &figures->load_ms, &figures->stall_ms, &heap_kib, &rss_kib) != 5)
    {
      g_printerr ("bench-history: the store's child failed: %s%s%s\n", error ? error->message : "",
                  out ? out : "", err ? err : "");
      return FALSE;
    }
  figures->heap_mib = heap_kib / 1024.0;
  figures->rss_mib = rss_kib / 1024.0;
  return TRUE;
}

static char *
self_path (void)
{
  return g_file_read_link ("/proc/self/exe", NULL);
}

static gint64
file_size (const char *path)
{
  GStatBuf st;

  return g_stat (path, &st) == 0 ? (gint64) st.st_size : -1;
}

#define SPREAD(values, n) bench_spread ((values), (n))

int
main (int   argc,
      char *argv[])
{
  GOptionEntry entries[] = {
    { "runs", 'n', 0, G_OPTION_ARG_INT, &opt_runs, "Runs in the full history (10000)", "N" },
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &opt_repeat, "Launches of each kind (5; medians printed)", "N" },
    { "settle-ms", 0, 0, G_OPTION_ARG_INT, &opt_settle_ms, "Idle RSS is read this long after the first frame (2000)", "MS" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "Seed of the made-up history (1)", "N" },
    { "goal-ratio", 0, 0, G_OPTION_ARG_DOUBLE, &opt_goal_ratio, "Goal: first frame within this many times the empty history's (1.2)", "X" },
    { "goal-rss", 0, 0, G_OPTION_ARG_DOUBLE, &opt_goal_rss_mib, "Goal: idle RSS within the empty history's plus this (30)", "MIB" },
    { "goal-switch", 0, 0, G_OPTION_ARG_DOUBLE, &opt_goal_switch_ms, "Goal: History page switch → rows drawn (100)", "MS" },
    { "falstaff", 0, 0, G_OPTION_ARG_FILENAME, &opt_falstaff, "The falstaff binary (default: the build's)", "PATH" },
    { "falctl", 0, 0, G_OPTION_ARG_FILENAME, &opt_falctl, "falctl, for serve and schema (default: the build's)", "PATH" },
    { "schema-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_schema_dir, "GSETTINGS_SCHEMA_DIR for the app (default: the build's)", "DIR" },
    { "endpoint", 0, 0, G_OPTION_ARG_STRING, &opt_endpoint, "The last endpoint to restore (fal-ai/fast-sdxl)", "ID" },
    { "write", 0, 0, G_OPTION_ARG_FILENAME, &opt_write, "Only write a history of --runs runs to this file, and say what it holds", "PATH" },
    { "child-store", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_FILENAME, &opt_child_store, NULL, NULL },
    { "child-window", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &opt_child_window, NULL, NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &opt_verbose, "Show the programs' stderr", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- falstaff with a history of many runs against an empty one");
  g_autoptr(GError) error = NULL;
  g_autoptr(BenchServer) server = NULL;
  g_autoptr(Maker) maker = NULL;
  g_autofree char *root = NULL;
  g_autofree char *self = NULL;
  g_autofree char *full_data = NULL;
  g_autofree char *history = NULL;
  g_autofree char *empty_history = NULL;
  g_auto(GStrv) env_empty = NULL;
  g_auto(GStrv) env_full = NULL;
  g_autofree double *values = NULL;
  gint64 started;
  double write_ms;
  gboolean ok = TRUE;

  /* As the app's main() does. */
  falstaff_memory_init ();
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || opt_repeat < 1 || opt_settle_ms < 0 || opt_runs < 1)
    {
      g_printerr ("bench-history: %s\n", error ? error->message : "--repeat and --runs must be ≥ 1, --settle-ms ≥ 0");
      return 2;
    }
  if (opt_child_store)
    return child_store (opt_child_store);
  if (opt_child_window)
    return child_window (opt_child_window, argv[0]);

  maker = maker_new ();
  if (opt_write)
    {
      started = g_get_monotonic_time ();
      if (!write_history (opt_write, opt_runs, maker, &error))
        {
          g_printerr ("bench-history: %s\n", error->message);
          return 1;
        }
      printf ("%s: %d runs (%u completed, %u failed, %u cancelled), %.1f MiB, results' JSON %zu bytes on average, "
              "written in %.0f ms\n", opt_write, opt_runs, maker->n_status[FAL_JOB_COMPLETED],
              maker->n_status[FAL_JOB_FAILED], maker->n_status[FAL_JOB_CANCELLED], file_size (opt_write) / 1048576.0,
              maker->n_results ? maker->result_bytes / maker->n_results : 0,
              (g_get_monotonic_time () - started) / 1000.0);
      return 0;
    }

#ifdef BENCH_FALSTAFF
  if (opt_falstaff == NULL)
    opt_falstaff = g_strdup (BENCH_FALSTAFF);
#endif
#ifdef BENCH_SCHEMA_DIR
  if (opt_schema_dir == NULL)
    opt_schema_dir = g_strdup (BENCH_SCHEMA_DIR);
#endif
  if (opt_falstaff == NULL)
    {
      g_printerr ("bench-history: give --falstaff PATH\n");
      return 2;
    }
  if (opt_falctl == NULL)
    opt_falctl = g_strdup (BENCH_FALCTL);
  if (opt_endpoint == NULL)
    opt_endpoint = g_strdup ("fal-ai/fast-sdxl");
  self = self_path ();

  /* One home, two data folders: the only difference between the two. */
  root = g_dir_make_tmp ("bench-history-XXXXXX", &error);
  if (root == NULL || !bench_app_prepare_home (root, opt_endpoint, &error))
    {
      g_printerr ("bench-history: %s\n", error->message);
      return 1;
    }
  full_data = g_build_filename (root, "data-full", NULL);
  history = g_build_filename (full_data, "falstaff", "history.sqlite3", NULL);
  empty_history = g_build_filename (root, "data", "falstaff", "history.sqlite3", NULL);
  started = g_get_monotonic_time ();
  if (g_mkdir_with_parents (full_data, 0700) != 0 ||
      !write_history (history, opt_runs, maker, &error))
    {
      g_printerr ("bench-history: %s\n", error ? error->message : "cannot make the data folder");
      bench_remove_tree (root);
      return 1;
    }
  write_ms = (g_get_monotonic_time () - started) / 1000.0;

  server = bench_server_spawn (opt_falctl, 1.0, 2, &error);
  if (server == NULL)
    {
      g_printerr ("bench-history: %s\n", error->message);
      bench_remove_tree (root);
      return 1;
    }
  env_empty = bench_app_environ (root, bench_server_get_url (server), opt_schema_dir);
  env_full = g_environ_setenv (g_strdupv (env_empty), "XDG_DATA_HOME", full_data, TRUE);
  if (!bench_app_warm_schema_cache (env_empty, root, opt_falctl, opt_endpoint, &error))
    {
      g_printerr ("bench-history: warming the schema cache: %s\n", error->message);
      bench_remove_tree (root);
      return 1;
    }

  printf ("bench-history: falstaff with a history of %d runs against an empty one; %d of each measurement, medians "
          "(min–max).\n"
          "  the history: %u completed, %u failed, %u cancelled, none unfinished; %d endpoints; results' JSON %zu bytes "
          "on average; file %.1f MiB, written in %.0f ms by the store's database thread\n"
          "  environment: GSK_RENDERER=cairo GDK_DEBUG=gl-disable, FAL_KEY set, FALSTAFF_LOCAL_URL=%s (falctl serve), "
          "keyfile GSettings with last-endpoint='%s' (schema cached); HOME and XDG_* under %s; only XDG_DATA_HOME "
          "differs.\n  falstaff: %s\n",
          opt_runs, opt_repeat, maker->n_status[FAL_JOB_COMPLETED], maker->n_status[FAL_JOB_FAILED],
          maker->n_status[FAL_JOB_CANCELLED], (int) G_N_ELEMENTS (endpoints),
          maker->n_results ? maker->result_bytes / maker->n_results : 0, file_size (history) / 1048576.0, write_ms,
          bench_server_get_url (server), opt_endpoint, root, opt_falstaff);
  fflush (stdout);
  values = g_new0 (double, 4 * (opt_repeat + 1));

  /* ---- the store alone */
  {
    g_autofree StoreFigures *figures = g_new0 (StoreFigures, opt_repeat);
    StoreFigures empty = { 0 };
    BenchSpread load, stall, heap, rss;

    /* An empty file first, as the app would make it. */
    ok = measure_store (self, empty_history, &empty);
    for (int i = 0; ok && i < opt_repeat; i++)
      ok = measure_store (self, history, &figures[i]) && figures[i].runs == (guint) opt_runs;
    if (!ok)
      goto out;
#define FIELD(f) ({ for (int i = 0; i < opt_repeat; i++) values[i] = figures[i].f; SPREAD (values, opt_repeat); })
    load = FIELD (load_ms);
    stall = FIELD (stall_ms);
    heap = FIELD (heap_mib);
    rss = FIELD (rss_mib);
#undef FIELD
    printf ("the store alone (FalstaffRunStore loading the file, a fresh process each time):\n"
            "  load → list of %d runs: %.1f ms (%.1f–%.1f); empty file %.1f ms\n"
            "  longest main-loop stall meanwhile (1 ms timer): %.1f ms (%.1f–%.1f); empty file %.1f ms\n"
            "  memory it keeps: heap +%.1f MiB (%.0f bytes a run), VmRSS +%.1f MiB (%.1f–%.1f); empty file heap +%.2f MiB\n",
            opt_runs, load.median, load.min, load.max, empty.load_ms, stall.median, stall.min, stall.max, empty.stall_ms,
            heap.median, heap.median * 1048576.0 / opt_runs, rss.median, rss.min, rss.max, empty.heap_mib);
    {
      g_autofree char *label = g_strdup_printf ("history store alone: load → list of %d runs", opt_runs);

      bench_result ("history.store-load", label, load.median, "ms", empty.load_ms, "empty file", NULL, 0);
    }
    bench_result ("history.store-stall", "history store alone: longest main-loop stall while loading", stall.median, "ms",
                  empty.stall_ms, "empty file", NULL, 0);
    bench_result ("history.store-heap", "history store alone: heap kept", heap.median, "MiB",
                  empty.heap_mib, "empty file", NULL, 0);
    fflush (stdout);
  }

  /* ---- the real binary, empty against full */
  {
    const char *app_argv[] = { opt_falstaff, NULL };
    const char *marks[] = { "first-frame", NULL };
    char **envs[2] = { env_empty, env_full };
    const char *names[2] = { "empty", "full" };
    g_autofree BenchLaunch *launches = g_new0 (BenchLaunch, 2 * opt_repeat);
    BenchSpread time[2], rss[2], hwm[2];
    BenchLaunch warmup;
    double ratio;

    for (int h = 0; ok && h < 2; h++)
      ok = bench_launch_app (app_argv, envs[h], marks, opt_settle_ms, opt_verbose, "bench-history", &warmup);
    for (int i = 0; ok && i < opt_repeat; i++)
      for (int h = 0; ok && h < 2; h++)
        {
          BenchLaunch *launch = &launches[h * opt_repeat + i];

          ok = bench_launch_app (app_argv, envs[h], marks, opt_settle_ms, opt_verbose, "bench-history", launch);
          if (ok)
            printf ("  launch %d, %-5s history: first frame %6.1f ms, idle RSS %5.1f MiB, peak %5.1f MiB\n",
                    i + 1, names[h], bench_launch_mark_ms (launch, 0), launch->rss_mib, launch->hwm_mib);
          fflush (stdout);
        }
    if (!ok)
      goto out;
    for (int h = 0; h < 2; h++)
      {
        for (int i = 0; i < opt_repeat; i++)
          values[i] = bench_launch_mark_ms (&launches[h * opt_repeat + i], 0);
        time[h] = SPREAD (values, opt_repeat);
        for (int i = 0; i < opt_repeat; i++)
          values[i] = launches[h * opt_repeat + i].rss_mib;
        rss[h] = SPREAD (values, opt_repeat);
        for (int i = 0; i < opt_repeat; i++)
          values[i] = launches[h * opt_repeat + i].hwm_mib;
        hwm[h] = SPREAD (values, opt_repeat);
      }
    ratio = time[1].median / time[0].median;
    printf ("the real binary (exec → first frame, idle RSS %d ms after it):\n"
            "  exec → first frame: %d runs %.1f ms (%.1f–%.1f) vs empty %.1f ms (%.1f–%.1f) → %.2f× "
            "(goal ≤ %.2f×): %s\n"
            "  idle RSS: %d runs %.1f MiB (%.1f–%.1f) vs empty %.1f MiB (%.1f–%.1f) → +%.1f MiB (goal ≤ +%.0f MiB): %s\n"
            "  peak RSS (VmHWM): %d runs %.1f MiB vs empty %.1f MiB\n",
            opt_settle_ms, opt_runs, time[1].median, time[1].min, time[1].max, time[0].median, time[0].min,
            time[0].max, ratio, opt_goal_ratio, bench_goal_word (ratio <= opt_goal_ratio),
            opt_runs, rss[1].median, rss[1].min, rss[1].max, rss[0].median, rss[0].min, rss[0].max,
            rss[1].median - rss[0].median, opt_goal_rss_mib,
            bench_goal_word (rss[1].median - rss[0].median <= opt_goal_rss_mib),
            opt_runs, hwm[1].median, hwm[0].median);
    {
      g_autofree char *label_frame = g_strdup_printf ("exec → first frame, %d runs in the history", opt_runs);
      g_autofree char *label_rss = g_strdup_printf ("idle RSS, %d runs in the history", opt_runs);

      bench_result ("history.first-frame", label_frame, time[1].median, "ms",
                    time[0].median, "empty history", "ratio<=", opt_goal_ratio);
      bench_result ("history.idle-rss", label_rss, rss[1].median, "MiB",
                    rss[0].median, "empty history", "delta<=", opt_goal_rss_mib);
    }
    fflush (stdout);
  }

  /* ---- the history list's first page */
  {
    const char *start_argv[] = { self, "--child-window", "history", NULL };
    const char *switch_argv[] = { self, "--child-window", "switch", NULL };
    const char *early_argv[] = { self, "--child-window", "history-early", NULL };
    /* The History page shows from the studio's second frame on (the first
     * has its header bars only): an empty history's is the reference. */
    const char *empty_marks[] = { "first-frame", "store-loaded", "studio-filled", NULL };
    const char *start_marks[] = { "first-frame", "store-loaded", "history-rows", "window-made", NULL };
    const char *switch_marks[] = { "first-frame", "store-loaded", "history-switch", "history-rows", NULL };
    g_autofree BenchLaunch *launches = g_new0 (BenchLaunch, 4 * opt_repeat);
    BenchSpread empty_frame, made, frame, loaded, rows, switched, early_rows, early_loaded;
    guint flashes = 0;
    BenchLaunch warmup;

    ok = bench_launch_app (start_argv, env_full, start_marks, 0, opt_verbose, "bench-history", &warmup);
    for (int i = 0; ok && i < opt_repeat; i++)
      {
        BenchLaunch *empty = &launches[i], *start = &launches[opt_repeat + i], *sw = &launches[2 * opt_repeat + i];
        BenchLaunch *early = &launches[3 * opt_repeat + i];

        ok = bench_launch_app (start_argv, env_empty, empty_marks, 0, opt_verbose, "bench-history", empty) &&
             bench_launch_app (start_argv, env_full, start_marks, 0, opt_verbose, "bench-history", start) &&
             bench_launch_app (switch_argv, env_full, switch_marks, 0, opt_verbose, "bench-history", sw) &&
             bench_launch_app (early_argv, env_full, start_marks, 0, opt_verbose, "bench-history", early);
        if (ok)
          printf ("  History page from the start: empty history's page drawn %6.1f ms; %d runs: window made %6.1f ms, "
                  "first frame %6.1f ms, store loaded %6.1f ms, rows drawn %6.1f ms; switched to later: rows %5.1f ms "
                  "after the switch; loaded from startup: rows %6.1f ms\n",
                  bench_launch_mark_ms (empty, 2), opt_runs, bench_launch_mark_ms (start, 3), bench_launch_mark_ms (start, 0),
                  bench_launch_mark_ms (start, 1), bench_launch_mark_ms (start, 2),
                  (sw->marks[3] - sw->marks[2]) / 1000.0, bench_launch_mark_ms (early, 2));
        fflush (stdout);
      }
    if (!ok)
      goto out;
    /* "No Runs" drawn before the rows while the history was read. */
    for (int i = 0; i < opt_repeat; i++)
      flashes += launches[opt_repeat + i].mark_extras[2] != 0;
#define MARKS(base, expr) ({ for (int i = 0; i < opt_repeat; i++) { BenchLaunch *l = &launches[(base) * opt_repeat + i]; values[i] = (expr); } SPREAD (values, opt_repeat); })
    empty_frame = MARKS (0, bench_launch_mark_ms (l, 2));
    frame = MARKS (1, bench_launch_mark_ms (l, 0));
    made = MARKS (1, bench_launch_mark_ms (l, 3));
    loaded = MARKS (1, bench_launch_mark_ms (l, 1));
    rows = MARKS (1, bench_launch_mark_ms (l, 2));
    switched = MARKS (2, (l->marks[3] - l->marks[2]) / 1000.0);
    early_loaded = MARKS (3, bench_launch_mark_ms (l, 1));
    early_rows = MARKS (3, bench_launch_mark_ms (l, 2));
#undef MARKS
    printf ("the history list's first page (FalstaffWindow in this program, sidebar on History):\n"
            "  exec → first page of %d runs drawn: %.1f ms (%.1f–%.1f); window made (the store starts loading) %.1f ms, "
            "first frame %.1f ms, store loaded (list filled) %.1f ms; an empty history's page drawn %.1f ms → %.2f× "
            "(goal ≤ %.2f×): %s\n"
            "  before the rows, the empty page (\"No Runs\") was drawn in %u of %d launches\n"
            "  History page switched to once idle → rows drawn: %.1f ms (%.1f–%.1f) (goal < %.0f ms): %s\n"
            "  what if the store were made at the application's startup (not in the window's constructor): "
            "store loaded %.1f ms, first page drawn %.1f ms (%.1f–%.1f) → %.2f× the empty history's page\n",
            opt_runs, rows.median, rows.min, rows.max, made.median, frame.median, loaded.median, empty_frame.median,
            rows.median / empty_frame.median, opt_goal_ratio, bench_goal_word (rows.median / empty_frame.median <= opt_goal_ratio),
            flashes, opt_repeat,
            switched.median, switched.min, switched.max, opt_goal_switch_ms,
            bench_goal_word (switched.median < opt_goal_switch_ms),
            early_loaded.median, early_rows.median, early_rows.min, early_rows.max, early_rows.median / empty_frame.median);
    {
      g_autofree char *label = g_strdup_printf ("exec → History list's first page drawn (%d runs)", opt_runs);

      bench_result ("history.first-page", label, rows.median, "ms",
                    empty_frame.median, "empty history's page drawn (the studio's second frame)", "ratio<=", opt_goal_ratio);
    }
    bench_result ("history.switch", "History page switched to → rows drawn", switched.median, "ms",
                  NAN, NULL, "<", opt_goal_switch_ms);
    fflush (stdout);
  }

out:
  bench_remove_tree (root);
  /* Goals are reported, never asserted; only a broken run fails. */
  return ok ? 0 : 1;
}
