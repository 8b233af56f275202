/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-sse-parser.h"

/* The WHATWG "event stream interpretation" algorithm
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html),
 * incremental.
 *
 * Speed: line ends are found with memchr, never byte by byte. The next CR
 * is looked up once and remembered, so a stream without CRs (fal's) pays
 * one extra memchr per chunk for it, not one per line. A line that lies
 * whole inside a chunk is parsed in place; only a line cut by a chunk
 * boundary is copied (into a reused buffer). The data of an event is
 * copied once, into a reused buffer, because it must be joined and
 * NUL-terminated for the callback.
 *
 * Choices where the standard leaves room or where we differ:
 * - Bytes are passed through as they are: invalid UTF-8 is not replaced
 *   with U+FFFD (that would cost a pass over every byte; fal's payloads
 *   are JSON, whose parser rejects invalid UTF-8 anyway).
 * - An empty last event ID (never set, or reset by a bare "id") is
 *   reported as NULL.
 * - Comments: one space after the colon is stripped, as for field values
 *   (": keep-alive" gives "keep-alive").
 * - "retry:" needs at least one digit; huge values saturate.
 * - Memory: a line may grow to max_line bytes (32 MiB by default) and an
 *   event's data to max_event (64 MiB): a fal event can carry a multi-MiB
 *   data: URI, but a 600 MB line without a newline is an attack or a
 *   broken server. Past either the parser stops for good (feed returns
 *   FALSE) instead of buffering on. Growth is amortized (no quadratic
 *   copying) and each byte is scanned once. Buffers that grew past
 *   SHRINK_ABOVE are given back after use.
 * - fal_sse_parser_free() may be called from a callback: the parser stops
 *   at once and is freed when the callback returns. Feeding or finishing
 *   from a callback is refused. */

#define SHRINK_ABOVE (1024 * 1024)
#define INITIAL_SIZE 1024

static const char bom[3] = { '\xEF', '\xBB', '\xBF' };

struct _FalSseParser
{
  FalSseEventFunc on_event;
  FalSseCommentFunc on_comment;
  gpointer user_data;

  GString *line;          /* a line cut by a chunk boundary, so far */
  GString *data;          /* data buffer: each value followed by "\n" */
  GString *event_type;    /* empty = "message" */
  GString *last_id;       /* empty = none */
  GString *comment;       /* NUL-terminated copy for on_comment */

  gint64 retry;
  guint64 n_events;
  gsize max_line;
  gsize max_event;

  guint bom_matched;      /* BOM bytes seen so far at the start */
  guint bom_done : 1;     /* past the point where a BOM may appear */
  guint skip_lf : 1;      /* the last chunk ended with CR: an LF next is part of it */
  guint event_pending : 1; /* a field line since the last blank line */
  guint in_callback : 1;
  guint free_pending : 1;
  guint overflowed : 1;   /* a limit was passed: the parser stopped */
};

FalSseParser *
fal_sse_parser_new (FalSseEventFunc   on_event,
                    FalSseCommentFunc on_comment,
                    gpointer          user_data)
{
  FalSseParser *parser;

  g_return_val_if_fail (on_event != NULL, NULL);

  parser = g_new0 (FalSseParser, 1);
  parser->on_event = on_event;
  parser->on_comment = on_comment;
  parser->user_data = user_data;
  parser->line = g_string_sized_new (INITIAL_SIZE);
  parser->data = g_string_sized_new (INITIAL_SIZE);
  parser->event_type = g_string_new (NULL);
  parser->last_id = g_string_new (NULL);
  parser->comment = g_string_new (NULL);
  parser->retry = -1;
  parser->max_line = FAL_SSE_DEFAULT_MAX_LINE;
  parser->max_event = FAL_SSE_DEFAULT_MAX_EVENT;
  return parser;
}

static void
really_free (FalSseParser *parser)
{
  g_string_free (parser->line, TRUE);
  g_string_free (parser->data, TRUE);
  g_string_free (parser->event_type, TRUE);
  g_string_free (parser->last_id, TRUE);
  g_string_free (parser->comment, TRUE);
  g_free (parser);
}

void
fal_sse_parser_free (FalSseParser *parser)
{
  g_return_if_fail (parser != NULL);

  /* The callback's strings point into the parser: free it later. */
  if (parser->in_callback)
    parser->free_pending = TRUE;
  else
    really_free (parser);
}

/* Empties a buffer, giving back the memory of an unusually large one so
 * one huge event does not pin its size for the life of the stream. */
static void
reset_buffer (GString **buffer)
{
  if (G_UNLIKELY ((*buffer)->allocated_len > SHRINK_ABOVE))
    {
      g_string_free (*buffer, TRUE);
      *buffer = g_string_sized_new (INITIAL_SIZE);
    }
  else
    g_string_truncate (*buffer, 0);
}

static void
dispatch (FalSseParser *parser)
{
  FalSseEvent event;

  parser->event_pending = FALSE;

  /* No data line: nothing to dispatch, but the type is still reset. */
  if (parser->data->len == 0)
    {
      g_string_truncate (parser->event_type, 0);
      return;
    }

  /* Drop the "\n" that followed the last value. */
  g_string_truncate (parser->data, parser->data->len - 1);

  event.event = parser->event_type->len > 0 ? parser->event_type->str : "message";
  event.data = parser->data->str;
  event.data_length = parser->data->len;
  event.id = parser->last_id->len > 0 ? parser->last_id->str : NULL;

  parser->n_events++;
  parser->in_callback = TRUE;
  parser->on_event (&event, parser->user_data);
  parser->in_callback = FALSE;

  reset_buffer (&parser->data);
  g_string_truncate (parser->event_type, 0);
}

static void
set_retry (FalSseParser *parser,
           const char   *value,
           gsize         length)
{
  gint64 retry = 0;

  if (length == 0)
    return;
  for (gsize i = 0; i < length; i++)
    {
      int digit = value[i] - '0';

      if (digit < 0 || digit > 9)
        return;
      if (retry > (G_MAXINT64 - digit) / 10)
        retry = G_MAXINT64;
      else
        retry = retry * 10 + digit;
    }
  parser->retry = retry;
}

static void
process_line (FalSseParser *parser,
              const char   *line,
              gsize         length)
{
  const char *name, *value, *colon;
  gsize name_length, value_length;

  if (length == 0)
    {
      dispatch (parser);
      return;
    }

  /* The hot case first: no search for the colon. */
  if (length >= 5 && memcmp (line, "data:", 5) == 0)
    {
      value = line + 5;
      value_length = length - 5;
      if (value_length > 0 && value[0] == ' ')
        value++, value_length--;
      if (G_UNLIKELY (parser->data->len + value_length >= parser->max_event))
        {
          parser->overflowed = TRUE;
          return;
        }
      g_string_append_len (parser->data, value, value_length);
      g_string_append_c (parser->data, '\n');
      parser->event_pending = TRUE;
      return;
    }

  if (line[0] == ':')
    {
      if (parser->on_comment != NULL)
        {
          value = line + 1;
          value_length = length - 1;
          if (value_length > 0 && value[0] == ' ')
            value++, value_length--;
          /* Comments are rare (keep-alives): a copy is fine. */
          g_string_truncate (parser->comment, 0);
          g_string_append_len (parser->comment, value, value_length);
          parser->in_callback = TRUE;
          parser->on_comment (parser->comment->str, parser->user_data);
          parser->in_callback = FALSE;
          reset_buffer (&parser->comment);
        }
      return;
    }

  parser->event_pending = TRUE;
  name = line;
  colon = memchr (line, ':', length);
  if (colon != NULL)
    {
      name_length = colon - line;
      value = colon + 1;
      value_length = length - name_length - 1;
      if (value_length > 0 && value[0] == ' ')
        value++, value_length--;
    }
  else
    {
      /* The whole line is the name; the value is empty. */
      name_length = length;
      value = line + length;
      value_length = 0;
    }

  switch (name_length)
    {
    case 2:
      if (memcmp (name, "id", 2) == 0 && memchr (value, '\0', value_length) == NULL)
        {
          g_string_truncate (parser->last_id, 0);
          g_string_append_len (parser->last_id, value, value_length);
        }
      break;
    case 4:
      /* "data" without a colon (with a colon it took the path above). */
      if (memcmp (name, "data", 4) == 0)
        {
          if (G_UNLIKELY (parser->data->len + value_length >= parser->max_event))
            {
              parser->overflowed = TRUE;
              return;
            }
          g_string_append_len (parser->data, value, value_length);
          g_string_append_c (parser->data, '\n');
        }
      break;
    case 5:
      if (memcmp (name, "event", 5) == 0)
        {
          g_string_truncate (parser->event_type, 0);
          g_string_append_len (parser->event_type, value, value_length);
        }
      else if (memcmp (name, "retry", 5) == 0)
        set_retry (parser, value, value_length);
      break;
    default:
      /* Unknown fields are ignored. */
      break;
    }
}

/* At the start of the stream: consumes a BOM, however it is split, and
 * returns how many bytes of data were eaten. Bytes held back as a
 * possible BOM that turn out not to be one go to the line buffer. */
static gsize
skip_bom (FalSseParser *parser,
          const char   *data,
          gsize         length)
{
  gsize i = 0;

  while (i < length && parser->bom_matched < sizeof bom)
    {
      if (data[i] != bom[parser->bom_matched])
        {
          g_string_append_len (parser->line, bom, parser->bom_matched);
          parser->bom_done = TRUE;
          return i;
        }
      parser->bom_matched++;
      i++;
    }
  if (parser->bom_matched == sizeof bom)
    parser->bom_done = TRUE;
  return i;
}

gboolean
fal_sse_parser_feed (FalSseParser *parser,
                     const char   *data,
                     gsize         length)
{
  const char *p = data;
  const char *end = data + length;
  const char *cr;

  g_return_val_if_fail (parser != NULL, FALSE);
  g_return_val_if_fail (data != NULL || length == 0, FALSE);
  g_return_val_if_fail (!parser->in_callback, FALSE);

  if (parser->overflowed)
    return FALSE;
  if (length == 0)
    return TRUE;

  if (G_UNLIKELY (!parser->bom_done))
    {
      p += skip_bom (parser, p, length);
      if (!parser->bom_done)
        return TRUE;
    }

  if (parser->skip_lf)
    {
      parser->skip_lf = FALSE;
      if (p < end && *p == '\n')
        p++;
    }

  /* The next CR, searched once, not once per line. */
  cr = memchr (p, '\r', end - p);

  while (p < end)
    {
      const char *eol, *next;

      eol = memchr (p, '\n', (cr != NULL ? cr : end) - p);
      if (eol != NULL)
        next = eol + 1;
      else if (cr != NULL)
        {
          eol = cr;
          if (cr + 1 < end)
            next = cr[1] == '\n' ? cr + 2 : cr + 1;
          else
            {
              next = end;
              parser->skip_lf = TRUE;
            }
          cr = memchr (next, '\r', end - next);
        }
      else
        {
          /* No line end in what is left: keep it for the next chunk,
           * unless the line is already past its limit. */
          if (G_UNLIKELY (parser->line->len + (gsize) (end - p) > parser->max_line))
            {
              parser->overflowed = TRUE;
              reset_buffer (&parser->line);
              return FALSE;
            }
          g_string_append_len (parser->line, p, end - p);
          return TRUE;
        }

      if (G_UNLIKELY (parser->line->len + (gsize) (eol - p) > parser->max_line))
        parser->overflowed = TRUE;
      else if (G_LIKELY (parser->line->len == 0))
        process_line (parser, p, eol - p);
      else
        {
          g_string_append_len (parser->line, p, eol - p);
          process_line (parser, parser->line->str, parser->line->len);
          reset_buffer (&parser->line);
        }

      if (G_UNLIKELY (parser->free_pending))
        {
          really_free (parser);
          return FALSE;
        }
      if (G_UNLIKELY (parser->overflowed))
        {
          reset_buffer (&parser->line);
          reset_buffer (&parser->data);
          return FALSE;
        }
      p = next;
    }
  return TRUE;
}

gboolean
fal_sse_parser_finish (FalSseParser *parser)
{
  gboolean partial;

  g_return_val_if_fail (parser != NULL, FALSE);
  g_return_val_if_fail (!parser->in_callback, FALSE);

  partial = parser->event_pending || parser->line->len > 0 ||
            (!parser->bom_done && parser->bom_matched > 0);

  /* Ready for another stream (a reconnection): the last event ID and the
   * retry time are kept, as an EventSource keeps them. */
  reset_buffer (&parser->line);
  reset_buffer (&parser->data);
  g_string_truncate (parser->event_type, 0);
  parser->event_pending = FALSE;
  parser->skip_lf = FALSE;
  parser->bom_matched = 0;
  parser->bom_done = FALSE;

  return partial;
}

void
fal_sse_parser_set_limits (FalSseParser *parser,
                           gsize         max_line,
                           gsize         max_event)
{
  g_return_if_fail (parser != NULL);

  if (max_line > 0)
    parser->max_line = max_line;
  if (max_event > 0)
    parser->max_event = max_event;
}

gboolean
fal_sse_parser_get_overflowed (FalSseParser *parser)
{
  g_return_val_if_fail (parser != NULL, FALSE);

  return parser->overflowed;
}

gint64
fal_sse_parser_get_retry (FalSseParser *parser)
{
  g_return_val_if_fail (parser != NULL, -1);

  return parser->retry;
}

guint64
fal_sse_parser_get_n_events (FalSseParser *parser)
{
  g_return_val_if_fail (parser != NULL, 0);

  return parser->n_events;
}
