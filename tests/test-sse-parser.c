/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-sse-parser.h"

/* Every stream is fed whole, cut at every single point, one byte at a
 * time (with empty feeds between) and in random chunks; each way must give
 * the same events, comments, partial flag and retry value. Random streams
 * are also checked against a naive byte-by-byte reference parser. */

/* What the callbacks saw, one string per event ("type|id|data", NUL in
 * data written as \0, a NULL id as (null)) or comment ("#text"). */
typedef struct {
  GPtrArray *log;
  gboolean partial;
  gint64 retry;
  guint64 n_events;
} Outcome;

static void
outcome_clear (Outcome *outcome)
{
  g_clear_pointer (&outcome->log, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Outcome, outcome_clear)

static char *
format_event (const char *type,
              const char *id,
              const char *data,
              gsize       data_length)
{
  GString *s = g_string_new (type);

  g_string_append_c (s, '|');
  g_string_append (s, id != NULL ? id : "(null)");
  g_string_append_c (s, '|');
  for (gsize i = 0; i < data_length; i++)
    {
      if (data[i] == '\0')
        g_string_append (s, "\\0");
      else
        g_string_append_c (s, data[i]);
    }
  return g_string_free (s, FALSE);
}

static void
record_event (const FalSseEvent *event,
              gpointer           user_data)
{
  GPtrArray *log = user_data;

  /* The data is promised NUL-terminated, and an id never empty. */
  g_assert_cmpint (event->data[event->data_length], ==, '\0');
  g_assert_nonnull (event->event);
  g_assert_cmpstr (event->event, !=, "");
  g_assert_true (event->id == NULL || event->id[0] != '\0');
  g_ptr_array_add (log, format_event (event->event, event->id, event->data, event->data_length));
}

static void
record_comment (const char *comment,
                gpointer    user_data)
{
  GPtrArray *log = user_data;

  g_ptr_array_add (log, g_strconcat ("#", comment, NULL));
}

/* Feeds input cut before each offset in cuts (ascending, may repeat:
 * repeats give empty feeds). */
static Outcome
parse_chunked (const char  *input,
               gsize        length,
               const gsize *cuts,
               gsize        n_cuts)
{
  Outcome outcome = { g_ptr_array_new_with_free_func (g_free), FALSE, -1, 0 };
  g_autoptr(FalSseParser) parser = fal_sse_parser_new (record_event, record_comment, outcome.log);
  gsize start = 0;

  for (gsize i = 0; i <= n_cuts; i++)
    {
      gsize stop = i < n_cuts ? cuts[i] : length;

      g_assert_cmpuint (stop, >=, start);
      g_assert_cmpuint (stop, <=, length);
      /* A copy of exactly the chunk, so valgrind sees any overread. */
      {
        g_autofree char *chunk = g_memdup2 (input + start, stop - start);
        fal_sse_parser_feed (parser, chunk, stop - start);
      }
      start = stop;
    }
  outcome.partial = fal_sse_parser_finish (parser);
  outcome.retry = fal_sse_parser_get_retry (parser);
  outcome.n_events = fal_sse_parser_get_n_events (parser);
  return outcome;
}

static char *
describe (const Outcome *outcome)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < outcome->log->len; i++)
    g_string_append_printf (s, "  [%s]\n", (const char *) outcome->log->pdata[i]);
  g_string_append_printf (s, "  partial=%d retry=%" G_GINT64_FORMAT " n_events=%" G_GUINT64_FORMAT,
                          outcome->partial, outcome->retry, outcome->n_events);
  return g_string_free (s, FALSE);
}

static void
assert_same_outcome (const Outcome *got,
                     const Outcome *want,
                     const char    *how)
{
  gboolean same = got->log->len == want->log->len &&
                  got->partial == want->partial &&
                  got->retry == want->retry &&
                  got->n_events == want->n_events;

  for (guint i = 0; same && i < got->log->len; i++)
    same = g_str_equal (got->log->pdata[i], want->log->pdata[i]);
  if (!same)
    {
      g_autofree char *g = describe (got);
      g_autofree char *w = describe (want);
      g_error ("%s: got\n%s\nwanted\n%s", how, g, w);
    }
}

/* The test streams */

typedef struct {
  const char *name;
  const char *input;
  gsize length;               /* 0: strlen (input) */
  const char *const *expected; /* events and comments, NULL-terminated */
  gboolean partial;
  gint64 retry;
} StreamCase;

#define EXPECT(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define NOTHING ((const char *const[]) { NULL })

static const StreamCase cases[] = {
  /* The standard's examples. */
  { "spec-stocks",
    "data: YHOO\ndata: +2\ndata: 10\n\n", 0,
    EXPECT ("message|(null)|YHOO\n+2\n10"), FALSE, -1 },
  { "spec-ids",
    ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n", 0,
    EXPECT ("#test stream", "message|1|first event", "message|(null)|second event"), TRUE, -1 },
  { "spec-ids-closed",
    ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n", 0,
    EXPECT ("#test stream", "message|1|first event", "message|(null)|second event",
            "message|(null)| third event"), FALSE, -1 },
  { "spec-empty-data",
    "data\n\ndata\ndata\n\ndata:", 0,
    EXPECT ("message|(null)|", "message|(null)|\n"), TRUE, -1 },
  { "spec-space",
    "data:test\n\ndata: test\n\n", 0,
    EXPECT ("message|(null)|test", "message|(null)|test"), FALSE, -1 },

  /* fal's status stream (spec §3.3), keep-alives included. */
  { "fal-status",
    "data: {\"status\":\"IN_QUEUE\",\"queue_position\":1,\"request_id\":\"R\"}\n\n"
    ": keep-alive\n\n"
    "data: {\"status\":\"IN_PROGRESS\",\"logs\":[{\"message\":\"step 1\",\"level\":\"INFO\"}],\"request_id\":\"R\"}\n\n"
    ": keep-alive\n\n"
    "data: {\"status\":\"COMPLETED\",\"logs\":[],\"metrics\":{\"inference_time\":1.5},\"request_id\":\"R\"}\n\n", 0,
    EXPECT ("message|(null)|{\"status\":\"IN_QUEUE\",\"queue_position\":1,\"request_id\":\"R\"}",
            "#keep-alive",
            "message|(null)|{\"status\":\"IN_PROGRESS\",\"logs\":[{\"message\":\"step 1\",\"level\":\"INFO\"}],\"request_id\":\"R\"}",
            "#keep-alive",
            "message|(null)|{\"status\":\"COMPLETED\",\"logs\":[],\"metrics\":{\"inference_time\":1.5},\"request_id\":\"R\"}"),
    FALSE, -1 },
  { "fal-stream",
    "data: {\"output\":\"Hel\",\"partial\":true}\n\n"
    "data: {\"output\":\"Hello\",\"partial\":true}\n\n"
    "data: {\"output\":\"Hello world\",\"partial\":false}\n\n", 0,
    EXPECT ("message|(null)|{\"output\":\"Hel\",\"partial\":true}",
            "message|(null)|{\"output\":\"Hello\",\"partial\":true}",
            "message|(null)|{\"output\":\"Hello world\",\"partial\":false}"), FALSE, -1 },

  { "multi-line-data",
    "data: {\ndata:   \"a\": 1,\ndata:\ndata: }\n\n", 0,
    EXPECT ("message|(null)|{\n  \"a\": 1,\n\n}"), FALSE, -1 },
  { "crlf",
    ": hi\r\ndata: a\r\ndata: b\r\n\r\nevent: x\r\ndata: c\r\n\r\n", 0,
    EXPECT ("#hi", "message|(null)|a\nb", "x|(null)|c"), FALSE, -1 },
  { "lone-cr",
    "data: a\rdata: b\r\rdata: c\r\r", 0,
    EXPECT ("message|(null)|a\nb", "message|(null)|c"), FALSE, -1 },
  { "cr-cr-lf",
    /* CR, then CRLF: two line ends, so a blank line. */
    "data: a\r\r\ndata: b\n\r", 0,
    EXPECT ("message|(null)|a", "message|(null)|b"), FALSE, -1 },
  { "lf-cr",
    /* LF then CR is two line ends, not one. */
    "data: a\n\rdata: b\n\n", 0,
    EXPECT ("message|(null)|a", "message|(null)|b"), FALSE, -1 },
  { "mixed-line-ends",
    "data: 1\ndata: 2\rdata: 3\r\n\ndata: 4\r\r\ndata: 5\n\r\n", 0,
    EXPECT ("message|(null)|1\n2\n3", "message|(null)|4", "message|(null)|5"), FALSE, -1 },
  { "bom",
    "\xEF\xBB\xBF" "data: a\n\n", 0,
    EXPECT ("message|(null)|a"), FALSE, -1 },
  { "bom-only-once",
    /* A second BOM is part of the field name: an unknown field. */
    "\xEF\xBB\xBF\xEF\xBB\xBF" "data: a\n\ndata: b\n\n", 0,
    EXPECT ("message|(null)|b"), FALSE, -1 },
  { "bom-not-at-start",
    "data: a\n\n\xEF\xBB\xBF" "data: b\n\n", 0,
    EXPECT ("message|(null)|a"), FALSE, -1 },
  { "bom-prefix-is-data",
    /* Bytes that start like a BOM but are not one stay in the line. */
    "\xEF\xBB" "data: a\n\ndata: b\n\n", 0,
    EXPECT ("message|(null)|b"), FALSE, -1 },
  { "bom-then-cr",
    "\xEF\xBB\xBF\rdata: a\r\r", 0,
    EXPECT ("message|(null)|a"), FALSE, -1 },
  { "field-without-colon",
    "data\nevent\nid\nretry\n\nevent\ndata\n\n", 0,
    EXPECT ("message|(null)|", "message|(null)|"), FALSE, -1 },
  { "data-without-space",
    "data:a\ndata:  b\ndata: c \ndata:d:e\n\n", 0,
    EXPECT ("message|(null)|a\n b\nc \nd:e"), FALSE, -1 },
  { "retry",
    "retry: 1500\n\nretry: 2x\nretry: -1\nretry: \nretry: 1 \nretry:3000\n\n", 0,
    NOTHING, FALSE, 3000 },
  { "retry-invalid-kept",
    "retry: 250\nretry: 2.5\nretry:\ndata: a\n\n", 0,
    EXPECT ("message|(null)|a"), FALSE, 250 },
  { "retry-huge",
    "retry: 99999999999999999999999999\n\n", 0,
    NOTHING, FALSE, G_MAXINT64 },
  { "id-persists",
    "id: 1\ndata: a\n\ndata: b\n\nid: 2\n\ndata: c\n\nid\ndata: d\n\n", 0,
    EXPECT ("message|1|a", "message|1|b", "message|2|c", "message|(null)|d"), FALSE, -1 },
  { "id-with-nul",
    "id: 7\ndata: a\n\nid: 8\0x\ndata: b\n\n", 32,
    EXPECT ("message|7|a", "message|7|b"), FALSE, -1 },
  { "id-set-late",
    /* The id in effect is the one at dispatch time, wherever it stood. */
    "data: a\nid: 5\n\n", 0,
    EXPECT ("message|5|a"), FALSE, -1 },
  { "nul-in-data",
    "data: a\0b\n\n", 11,
    EXPECT ("message|(null)|a\\0b"), FALSE, -1 },
  { "only-comments",
    ": a\n:b\n:\n:  c\n\n", 0,
    EXPECT ("#a", "#b", "#", "# c"), FALSE, -1 },
  { "event-type",
    "event: add\ndata: 1\n\ndata: 2\n\nevent: a\nevent: b\ndata: 3\n\n", 0,
    EXPECT ("add|(null)|1", "message|(null)|2", "b|(null)|3"), FALSE, -1 },
  { "event-type-reset-without-data",
    /* No data: not dispatched, yet the type is reset. */
    "event: x\n\ndata: y\n\n", 0,
    EXPECT ("message|(null)|y"), FALSE, -1 },
  { "empty-event-type",
    "event:\ndata: y\n\n", 0,
    EXPECT ("message|(null)|y"), FALSE, -1 },
  { "unknown-fields",
    "foo: bar\nData: x\ndata : y\n data: z\ndata: ok\n\n", 0,
    EXPECT ("message|(null)|ok"), FALSE, -1 },
  { "blank-lines-only",
    "\n\n\r\n\r\r", 0,
    NOTHING, FALSE, -1 },
  { "empty", "", 0, NOTHING, FALSE, -1 },
  { "trailing-partial-event",
    "data: a\n\ndata: b\n", 0,
    EXPECT ("message|(null)|a"), TRUE, -1 },
  { "trailing-partial-line",
    "data: a\n\ndata: b", 0,
    EXPECT ("message|(null)|a"), TRUE, -1 },
  { "trailing-partial-field",
    /* An id in an unfinished line is not applied. */
    "data: a\n\nid: 3", 0,
    EXPECT ("message|(null)|a"), TRUE, -1 },
  { "trailing-comment-is-complete",
    "data: a\n\n: bye\n", 0,
    EXPECT ("message|(null)|a", "#bye"), FALSE, -1 },
  { "trailing-cr",
    "data: a\r\r", 0,
    EXPECT ("message|(null)|a"), FALSE, -1 },
  { "partial-bom",
    "\xEF\xBB", 0,
    NOTHING, TRUE, -1 },
};

static gsize
case_length (const StreamCase *c)
{
  return c->length > 0 ? c->length : strlen (c->input);
}

static Outcome
expected_outcome (const StreamCase *c)
{
  Outcome want = { g_ptr_array_new_with_free_func (g_free), c->partial, c->retry, 0 };

  for (const char *const *e = c->expected; *e != NULL; e++)
    {
      g_ptr_array_add (want.log, g_strdup (*e));
      if ((*e)[0] != '#')
        want.n_events++;
    }
  return want;
}

static void
test_stream (gconstpointer user_data)
{
  const StreamCase *c = user_data;
  gsize length = case_length (c);
  g_auto(Outcome) want = expected_outcome (c);
  g_autofree gsize *cuts = g_new (gsize, 2 * length + 2);

  /* Whole. */
  {
    g_auto(Outcome) got = parse_chunked (c->input, length, NULL, 0);
    assert_same_outcome (&got, &want, "whole");
  }

  /* Two chunks, at every split point (the ends give an empty chunk). */
  for (gsize split = 0; split <= length; split++)
    {
      g_autofree char *how = g_strdup_printf ("split at %" G_GSIZE_FORMAT, split);
      g_auto(Outcome) got = parse_chunked (c->input, length, &split, 1);
      assert_same_outcome (&got, &want, how);
    }

  /* One byte at a time, with an empty feed between bytes. */
  for (gsize i = 0; i < length; i++)
    cuts[2 * i] = cuts[2 * i + 1] = i + 1;
  {
    g_auto(Outcome) got = parse_chunked (c->input, length, cuts, length > 0 ? 2 * length - 1 : 0);
    assert_same_outcome (&got, &want, "byte at a time");
  }
}

static void
random_cuts (GRand  *rand,
             gsize   length,
             GArray *cuts)
{
  gsize at = 0;
  /* Chunk sizes on different scales: single bytes to whole lines. */
  gsize max_chunk = 1 << g_rand_int_range (rand, 0, 8);

  g_array_set_size (cuts, 0);
  while (at < length)
    {
      at += g_rand_int_range (rand, 0, max_chunk + 1);
      at = MIN (at, length);
      g_array_append_val (cuts, at);
    }
}

static void
test_random_chunks (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  g_autoptr(GArray) cuts = g_array_new (FALSE, FALSE, sizeof (gsize));

  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const StreamCase *c = &cases[k];
      gsize length = case_length (c);
      g_auto(Outcome) want = expected_outcome (c);

      for (int round = 0; round < 200; round++)
        {
          g_autofree char *how = g_strdup_printf ("%s, random round %d", c->name, round);
          g_auto(Outcome) got = { NULL };

          random_cuts (rand, length, cuts);
          got = parse_chunked (c->input, length, (gsize *) cuts->data, cuts->len);
          assert_same_outcome (&got, &want, how);
        }
    }
}

/* A naive reference: byte by byte, one allocation per line, straight from
 * the standard's wording. */
static Outcome
reference_parse (const char *input,
                 gsize       length)
{
  Outcome outcome = { g_ptr_array_new_with_free_func (g_free), FALSE, -1, 0 };
  g_autoptr(GString) data = g_string_new (NULL);
  g_autoptr(GString) type = g_string_new (NULL);
  g_autoptr(GString) id = g_string_new (NULL);
  gboolean pending = FALSE;
  gsize i = 0;

  if (length >= 3 && memcmp (input, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < length)
    {
      gsize j = i;
      g_autofree char *line = NULL;
      gsize line_length, name_length, value_start;

      while (j < length && input[j] != '\r' && input[j] != '\n')
        j++;
      if (j == length)
        {
          pending = TRUE;  /* an unfinished line */
          break;
        }
      line = g_memdup2 (input + i, j - i);
      line_length = j - i;
      i = j + 1;
      if (input[j] == '\r' && i < length && input[i] == '\n')
        i++;

      if (line_length == 0)
        {
          pending = FALSE;
          if (data->len > 0)
            {
              g_string_truncate (data, data->len - 1);
              g_ptr_array_add (outcome.log, format_event (type->len ? type->str : "message",
                                                          id->len ? id->str : NULL,
                                                          data->str, data->len));
              outcome.n_events++;
            }
          g_string_truncate (data, 0);
          g_string_truncate (type, 0);
          continue;
        }
      name_length = 0;
      while (name_length < line_length && line[name_length] != ':')
        name_length++;
      value_start = MIN (name_length + 1, line_length);
      if (value_start < line_length && line[value_start] == ' ')
        value_start++;
      if (name_length == 0)
        {
          g_autofree char *text = g_strndup (line + value_start, line_length - value_start);
          g_ptr_array_add (outcome.log, g_strconcat ("#", text, NULL));
          continue;
        }
      pending = TRUE;
      if (name_length == 4 && strncmp (line, "data", 4) == 0)
        {
          g_string_append_len (data, line + value_start, line_length - value_start);
          g_string_append_c (data, '\n');
        }
      else if (name_length == 5 && strncmp (line, "event", 5) == 0)
        {
          g_string_truncate (type, 0);
          g_string_append_len (type, line + value_start, line_length - value_start);
        }
      else if (name_length == 2 && strncmp (line, "id", 2) == 0)
        {
          if (memchr (line + value_start, '\0', line_length - value_start) == NULL)
            {
              g_string_truncate (id, 0);
              g_string_append_len (id, line + value_start, line_length - value_start);
            }
        }
      else if (name_length == 5 && strncmp (line, "retry", 5) == 0)
        {
          gsize n = line_length - value_start;
          gboolean digits = n > 0 && n < 18;

          for (gsize d = value_start; d < line_length; d++)
            digits = digits && g_ascii_isdigit (line[d]);
          if (digits)
            {
              g_autofree char *text = g_strndup (line + value_start, n);
              outcome.retry = g_ascii_strtoll (text, NULL, 10);
            }
        }
    }
  outcome.partial = pending;
  return outcome;
}

static void
test_reference_agrees (void)
{
  /* The reference's retry handles < 18 digits only. */
  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      const StreamCase *c = &cases[k];
      g_auto(Outcome) want = expected_outcome (c);
      g_auto(Outcome) ref = { NULL };

      if (c->retry == G_MAXINT64)
        continue;
      ref = reference_parse (c->input, case_length (c));
      assert_same_outcome (&ref, &want, c->name);
    }
}

/* Random streams from pieces that cover every rule, with random line
 * ends, against the reference, each in random chunks. */
static void
test_random_streams (void)
{
  static const struct { const char *text; gsize length; } pieces[] = {
    { "data: x", 0 }, { "data:y", 0 }, { "data", 0 }, { "data:  z", 0 }, { "data: a:b", 0 },
    { "data: {\"status\":\"IN_PROGRESS\",\"logs\":[]}", 0 }, { "data: a\0b", 9 },
    { "event: add", 0 }, { "event", 0 }, { "event:", 0 },
    { "id: 7", 0 }, { "id", 0 }, { "id: a\0b", 7 }, { "id:9", 0 },
    { "retry: 1500", 0 }, { "retry: 15x", 0 }, { "retry:", 0 }, { "retry:42", 0 },
    { ": keep-alive", 0 }, { ":", 0 }, { "foo: bar", 0 }, { "data : no", 0 },
    { "\xEF\xBB\xBF" "data: bom", 0 },
    { "", 0 }, { "", 0 }, { "", 0 }, { "", 0 },
  };
  static const char *const line_ends[] = { "\n", "\n", "\r", "\r\n" };
  g_autoptr(GRand) rand = g_rand_new_with_seed (4242);
  g_autoptr(GArray) cuts = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(GString) stream = g_string_new (NULL);

  for (int n = 0; n < 2000; n++)
    {
      int n_lines = g_rand_int_range (rand, 0, 40);
      g_auto(Outcome) ref = { NULL };

      g_string_truncate (stream, 0);
      if (g_rand_int_range (rand, 0, 8) == 0)
        g_string_append (stream, "\xEF\xBB\xBF");
      for (int l = 0; l < n_lines; l++)
        {
          guint p = g_rand_int_range (rand, 0, G_N_ELEMENTS (pieces));
          gsize len = pieces[p].length ? pieces[p].length : strlen (pieces[p].text);

          g_string_append_len (stream, pieces[p].text, len);
          /* Sometimes no line end after the last line. */
          if (l + 1 < n_lines || g_rand_int_range (rand, 0, 4) != 0)
            g_string_append (stream, line_ends[g_rand_int_range (rand, 0, G_N_ELEMENTS (line_ends))]);
        }

      ref = reference_parse (stream->str, stream->len);
      for (int round = 0; round < 5; round++)
        {
          g_autofree char *how = g_strdup_printf ("random stream %d, round %d", n, round);
          g_auto(Outcome) got = { NULL };

          random_cuts (rand, stream->len, cuts);
          got = parse_chunked (stream->str, stream->len, (gsize *) cuts->data, cuts->len);
          assert_same_outcome (&got, &ref, how);
        }
    }
}

/* A line far longer than any chunk (17 MiB, past the 16 MiB mark) is
 * kept whole, in linear time. */
static void
test_long_line (void)
{
  const gsize size = 17 * 1024 * 1024;
  const gsize chunk = 16 * 1024;
  g_autofree char *buffer = g_malloc (size + 16);
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(FalSseParser) parser = fal_sse_parser_new (record_event, NULL, log);
  gsize length;

  memcpy (buffer, "data: ", 6);
  memset (buffer + 6, 'x', size - 6);
  memcpy (buffer + size, "\n\ndata: y\n\n", 11);
  length = size + 11;
  for (gsize at = 0; at < length; at += chunk)
    fal_sse_parser_feed (parser, buffer + at, MIN (chunk, length - at));
  g_assert_false (fal_sse_parser_finish (parser));
  g_assert_cmpuint (log->len, ==, 2);
  g_assert_cmpuint (strlen (log->pdata[0]), ==, strlen ("message|(null)|") + size - 6);
  g_assert_cmpstr (log->pdata[1], ==, "message|(null)|y");
}

static void
free_on_event (const FalSseEvent *event,
               gpointer           user_data)
{
  FalSseParser **parser = user_data;

  g_assert_cmpstr (event->data, ==, "stop");
  fal_sse_parser_free (*parser);
  /* The event's strings stay valid until the callback returns. */
  g_assert_cmpstr (event->data, ==, "stop");
  *parser = NULL;
}

static void
test_free_in_callback (void)
{
  FalSseParser *parser = NULL;
  const char input[] = "data: stop\n\ndata: never\n\n";

  parser = fal_sse_parser_new (free_on_event, NULL, &parser);
  fal_sse_parser_feed (parser, input, strlen (input));
  g_assert_null (parser);
}

static void
test_finish_then_reconnect (void)
{
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(FalSseParser) parser = fal_sse_parser_new (record_event, record_comment, log);
  const char first[] = "retry: 100\nid: 4\ndata: a\n\nevent: x\ndata: cut";
  const char second[] = "\xEF\xBB\xBF" "data: b\n\n";

  fal_sse_parser_feed (parser, first, strlen (first));
  g_assert_true (fal_sse_parser_finish (parser));
  /* A new stream: BOM allowed again; the id and retry persist, the cut
   * event and its type do not. */
  fal_sse_parser_feed (parser, second, strlen (second));
  g_assert_false (fal_sse_parser_finish (parser));
  g_assert_cmpuint (log->len, ==, 2);
  g_assert_cmpstr (log->pdata[0], ==, "message|4|a");
  g_assert_cmpstr (log->pdata[1], ==, "message|4|b");
  g_assert_cmpint (fal_sse_parser_get_retry (parser), ==, 100);
  g_assert_cmpuint (fal_sse_parser_get_n_events (parser), ==, 2);
}

/* A line past the cap stops the parser while it is still being fed (a
 * 600 MB line without a newline must not be buffered whole); so does an
 * event whose data lines together pass the event cap. Lines and events
 * up to the caps still go through. */
static void
test_line_cap (void)
{
  g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(FalSseParser) parser = fal_sse_parser_new (record_event, record_comment, log);
  g_autoptr(FalSseParser) events = NULL;
  g_autofree char *chunk = g_strnfill (100, 'x');
  const char fits[] = "data: 0123456789\n\n";
  gboolean fed = TRUE;
  guint n_chunks = 0;

  g_assert_false (fal_sse_parser_get_overflowed (parser));
  fal_sse_parser_set_limits (parser, 64, 256);
  g_assert_true (fal_sse_parser_feed (parser, fits, strlen (fits)));
  g_assert_cmpuint (log->len, ==, 1);

  /* One line, never ended, fed 100 bytes at a time: refused on the
   * chunk that passes 64 bytes, not at the end. */
  g_assert_true (fal_sse_parser_feed (parser, "data: ", 6));
  while (fed && n_chunks < 1000)
    {
      fed = fal_sse_parser_feed (parser, chunk, 50);
      n_chunks++;
    }
  g_assert_false (fed);
  g_assert_cmpuint (n_chunks, ==, 2);
  g_assert_true (fal_sse_parser_get_overflowed (parser));
  /* Stopped for good: a complete event after it is not dispatched. */
  g_assert_false (fal_sse_parser_feed (parser, "\n\ndata: late\n\n", 16));
  g_assert_cmpuint (log->len, ==, 1);

  /* Short lines whose data adds up past the event cap. */
  events = fal_sse_parser_new (record_event, record_comment, log);
  fal_sse_parser_set_limits (events, 64, 256);
  fed = TRUE;
  for (guint i = 0; fed && i < 100; i++)
    {
      g_autofree char *line = g_strdup_printf ("data: %.40s\n", chunk);

      fed = fal_sse_parser_feed (events, line, strlen (line));
    }
  g_assert_false (fed);
  g_assert_true (fal_sse_parser_get_overflowed (events));
  g_assert_cmpuint (log->len, ==, 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *path = g_strconcat ("/sse/stream/", cases[k].name, NULL);
      g_test_add_data_func (path, &cases[k], test_stream);
    }
  g_test_add_func ("/sse/random-chunks", test_random_chunks);
  g_test_add_func ("/sse/reference-agrees", test_reference_agrees);
  g_test_add_func ("/sse/random-streams", test_random_streams);
  g_test_add_func ("/sse/long-line", test_long_line);
  g_test_add_func ("/sse/free-in-callback", test_free_in_callback);
  g_test_add_func ("/sse/finish-then-reconnect", test_finish_then_reconnect);
  g_test_add_func ("/sse/line-cap", test_line_cap);

  return g_test_run ();
}
