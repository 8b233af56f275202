/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench-common.h"
#include "fal-sse-parser.h"

/* Throughput of FalSseParser on a realistic fal status stream (spec
 * §3.3), fed in 16 KiB chunks as libsoup hands them over, beside the
 * reference: a plain memchr ('\n') scan of the same buffer counting lines.
 * The goal is a ratio of at least 1/4. Runs of the two alternate; the
 * figures are medians (best shown too). MB = 10^6 bytes. The event and
 * line counts are checked against what was generated, so a figure is
 * never that of a parser that skipped work. */

typedef struct {
  guint64 n_events;
  guint64 n_comments;
  guint64 data_bytes;
  guint64 n_json;       /* events whose data starts with '{' */
} Counts;

static void
count_event (const FalSseEvent *event,
             gpointer           user_data)
{
  Counts *counts = user_data;

  counts->n_events++;
  counts->data_bytes += event->data_length;
  counts->n_json += event->data[0] == '{';
}

static void
count_comment (const char *comment,
               gpointer    user_data)
{
  Counts *counts = user_data;

  counts->n_comments++;
}

static void
append_request_id (GString *s,
                   GRand   *rand)
{
  g_string_append_printf (s, "%08x-%04x-4%03x-%04x-%08x%04x",
                          g_rand_int (rand), g_rand_int (rand) & 0xffff, g_rand_int (rand) & 0xfff,
                          0x8000 | (g_rand_int (rand) & 0x3fff), g_rand_int (rand), g_rand_int (rand) & 0xffff);
}

static void
append_urls (GString    *s,
             const char *id)
{
  g_string_append_printf (s,
                          ",\"response_url\":\"https://queue.fal.run/fal-ai/flux/requests/%s\""
                          ",\"status_url\":\"https://queue.fal.run/fal-ai/flux/requests/%s/status\""
                          ",\"cancel_url\":\"https://queue.fal.run/fal-ai/flux/requests/%s/cancel\"}\n\n",
                          id, id, id);
}

/* Requests one after another: a few IN_QUEUE events, 25 IN_PROGRESS
 * steps with one or two log lines each, COMPLETED; a keep-alive comment
 * now and then. Fills at least size bytes; returns the expected counts. */
static GString *
build_stream (gsize   size,
              Counts *expected,
              guint64 *n_lines)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (1125);
  GString *s = g_string_sized_new (size + 4096);
  g_autoptr(GString) id = g_string_new (NULL);

  memset (expected, 0, sizeof *expected);
  *n_lines = 0;
  while (s->len < size)
    {
      int position = g_rand_int_range (rand, 0, 4);

      g_string_truncate (id, 0);
      append_request_id (id, rand);
      for (; position >= 0; position--)
        {
          g_string_append_printf (s, "data: {\"status\":\"IN_QUEUE\",\"queue_position\":%d,\"request_id\":\"%s\"",
                                  position, id->str);
          append_urls (s, id->str);
          expected->n_events++;
        }
      for (int step = 1; step <= 25; step++)
        {
          g_string_append (s, "data: {\"status\":\"IN_PROGRESS\",\"logs\":[");
          for (int l = g_rand_int_range (rand, 0, 2); l >= 0; l--)
            g_string_append_printf (s, "{\"message\":\"Step %d/25\",\"level\":\"INFO\",\"source\":\"USER\","
                                    "\"timestamp\":\"2026-11-25T12:%02d:%02d.%03dZ\"}%s",
                                    step, step, g_rand_int_range (rand, 0, 60), g_rand_int_range (rand, 0, 1000),
                                    l > 0 ? "," : "");
          g_string_append_printf (s, "],\"request_id\":\"%s\"", id->str);
          append_urls (s, id->str);
          expected->n_events++;
          if (g_rand_int_range (rand, 0, 20) == 0)
            {
              g_string_append (s, ": keep-alive\n\n");
              expected->n_comments++;
            }
        }
      g_string_append_printf (s, "data: {\"status\":\"COMPLETED\",\"logs\":[],\"metrics\":{\"inference_time\":%.3f},"
                              "\"request_id\":\"%s\"", g_rand_double_range (rand, 0.5, 9), id->str);
      append_urls (s, id->str);
      expected->n_events++;
    }

  /* Each event and each comment is one line plus one blank line; the
   * data is the line less "data: ". */
  *n_lines = 2 * (expected->n_events + expected->n_comments);
  expected->data_bytes = s->len - 2 * expected->n_events - expected->n_comments * strlen (": keep-alive\n\n")
                         - strlen ("data: ") * expected->n_events;
  expected->n_json = expected->n_events;
  return s;
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Returns seconds. */
static double
run_parser (const char *buffer,
            gsize       length,
            gsize       chunk,
            Counts     *counts)
{
  double start = now ();
  g_autoptr(FalSseParser) parser = fal_sse_parser_new (count_event, count_comment, counts);

  memset (counts, 0, sizeof *counts);
  for (gsize at = 0; at < length; at += chunk)
    fal_sse_parser_feed (parser, buffer + at, MIN (chunk, length - at));
  if (fal_sse_parser_finish (parser))
    g_error ("the stream ended inside an event");
  g_clear_pointer (&parser, fal_sse_parser_free);
  return now () - start;
}

static double
run_memchr (const char *buffer,
            gsize       length,
            guint64    *n_lines)
{
  double start = now ();
  const char *p = buffer;
  const char *end = buffer + length;
  const char *eol;
  guint64 n = 0;

  while ((eol = memchr (p, '\n', end - p)) != NULL)
    {
      n++;
      p = eol + 1;
    }
  *n_lines = n;
  return now () - start;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static double
median (double *values,
        int     n)
{
  qsort (values, n, sizeof *values, compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

static double
best (const double *values,
      int           n)
{
  double b = values[0];

  for (int i = 1; i < n; i++)
    b = MAX (b, values[i]);
  return b;
}

int
main (int   argc,
      char *argv[])
{
  int size_mib = 64;
  int chunk_kib = 16;
  int repeat = 9;
  double goal = 0.25;
  GOptionEntry entries[] = {
    { "size-mib", 0, 0, G_OPTION_ARG_INT, &size_mib, "Stream size in MiB (default 64)", "MIB" },
    { "chunk-kib", 0, 0, G_OPTION_ARG_INT, &chunk_kib, "Chunk size in KiB (default 16)", "KIB" },
    { "repeat", 0, 0, G_OPTION_ARG_INT, &repeat, "Runs of each (default 9)", "N" },
    { "goal", 0, 0, G_OPTION_ARG_DOUBLE, &goal, "Goal: parser/memchr ratio (default 0.25)", "R" },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- FalSseParser throughput");
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) stream = NULL;
  g_autofree double *parser_rates = NULL;
  g_autofree double *memchr_rates = NULL;
  Counts expected;
  guint64 expected_lines;
  double parser_rate, memchr_rate, ratio;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (size_mib < 1 || chunk_kib < 1 || repeat < 1)
    {
      g_printerr ("sizes and --repeat must be at least 1\n");
      return 2;
    }

  stream = build_stream ((gsize) size_mib * 1024 * 1024, &expected, &expected_lines);
  parser_rates = g_new (double, repeat);
  memchr_rates = g_new (double, repeat);

  printf ("bench-sse: %.1f MiB fal status stream (%" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT
          " keep-alives, %" G_GUINT64_FORMAT " lines), fed in %d KiB chunks; %d run(s) of each, alternating\n\n",
          stream->len / 1048576.0, expected.n_events, expected.n_comments, expected_lines, chunk_kib, repeat);

  /* One untimed run of each: page faults and caches warmed alike. */
  for (int i = -1; i < repeat; i++)
    {
      Counts counts;
      guint64 n_lines;
      double parser_s = run_parser (stream->str, stream->len, (gsize) chunk_kib * 1024, &counts);
      double memchr_s = run_memchr (stream->str, stream->len, &n_lines);

      if (counts.n_events != expected.n_events || counts.n_comments != expected.n_comments ||
          counts.data_bytes != expected.data_bytes || counts.n_json != expected.n_json)
        g_error ("parser counts differ: %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " comments, %"
                 G_GUINT64_FORMAT " data bytes, %" G_GUINT64_FORMAT " JSON",
                 counts.n_events, counts.n_comments, counts.data_bytes, counts.n_json);
      if (n_lines != expected_lines)
        g_error ("memchr counted %" G_GUINT64_FORMAT " lines", n_lines);
      if (i < 0)
        continue;
      parser_rates[i] = stream->len / parser_s / 1e6;
      memchr_rates[i] = stream->len / memchr_s / 1e6;
      printf ("  run %d: SSE parser %8.1f MB/s   memchr scan %8.1f MB/s\n", i + 1, parser_rates[i], memchr_rates[i]);
    }

  printf ("\nFigures (medians of %d; best in brackets):\n", repeat);
  parser_rate = median (parser_rates, repeat);
  memchr_rate = median (memchr_rates, repeat);
  ratio = parser_rate / memchr_rate;
  printf ("  SSE parser: %.0f MB/s [%.0f]; memchr scan: %.0f MB/s [%.0f]; ratio %.2f (goal ≥ %.2f): %s\n",
          parser_rate, best (parser_rates, repeat), memchr_rate, best (memchr_rates, repeat),
          ratio, goal, ratio >= goal ? "met" : "missed");
  printf ("  checked: %" G_GUINT64_FORMAT " events, %" G_GUINT64_FORMAT " data bytes, %" G_GUINT64_FORMAT
          " comments per run, as generated\n", expected.n_events, expected.data_bytes, expected.n_comments);
  bench_result ("sse.parser-rate", "SSE parser throughput", parser_rate, "MB/s",
                memchr_rate, "memchr line scan", "ratio>=", goal);
  return 0;
}
