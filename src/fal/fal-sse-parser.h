/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * FalSseParser:
 *
 * An incremental text/event-stream parser (the WHATWG rules): feed it
 * bytes at any chunk boundary; it calls back once per dispatched event.
 * Handles a leading BOM, CR, LF and CRLF line ends (a CRLF split across
 * chunks too), multi-line data, comments, event/id/retry fields, and
 * fields without a colon. Pure: no I/O, no main loop. For C: bindings
 * have parsers of their own (fal_sse_parser_new() is skipped).
 */
typedef struct _FalSseParser FalSseParser;

/**
 * FalSseEvent:
 * @event: "message" unless an event: field said otherwise
 * @data: lines joined with "\n", no trailing newline
 * @data_length: the length of @data in bytes
 * @id: the last event id (persists across events), or %NULL
 *
 * One dispatched event.
 */
typedef struct {
  const char *event;
  const char *data;
  gsize data_length;
  const char *id;
} FalSseEvent;

/**
 * FalSseEventFunc:
 * @event: the event; its strings are valid during the call only
 * @user_data: (closure): the data given to fal_sse_parser_new()
 *
 * Called for each event.
 */
typedef void (*FalSseEventFunc)   (const FalSseEvent *event,
                                   gpointer           user_data);
/**
 * FalSseCommentFunc:
 * @comment: the text after the colon
 * @user_data: (closure): the data given to fal_sse_parser_new()
 *
 * Called for each comment line (": keep-alive").
 */
typedef void (*FalSseCommentFunc) (const char *comment,
                                   gpointer    user_data);

/**
 * fal_sse_parser_new: (skip)
 * @on_event: called for each event
 * @on_comment: (nullable): called for each comment
 * @user_data: data for both
 *
 * Skipped in bindings: two callbacks share one user_data.
 *
 * Returns: (transfer full): a new parser
 */
FalSseParser *fal_sse_parser_new          (FalSseEventFunc   on_event,
                                           FalSseCommentFunc on_comment,
                                           gpointer          user_data);
/**
 * fal_sse_parser_free:
 * @parser: (transfer full): a parser
 */
void          fal_sse_parser_free         (FalSseParser *parser);
/**
 * fal_sse_parser_feed:
 * @parser: a parser
 * @data: (array length=length) (element-type guint8): the bytes
 * @length: their length
 *
 * Returns: %FALSE when the parser stopped (a limit was passed)
 */
gboolean      fal_sse_parser_feed         (FalSseParser *parser,
                                           const char   *data,
                                           gsize         length);
/**
 * fal_sse_parser_finish:
 * @parser: a parser
 *
 * The stream ended: an event without its closing blank line is dropped,
 * as the standard says.
 *
 * Returns: %TRUE when such a partial event (or a partial line) was
 *   pending, so a caller can tell a cut-off stream
 */
gboolean      fal_sse_parser_finish       (FalSseParser *parser);
/**
 * fal_sse_parser_get_retry:
 * @parser: a parser
 *
 * Returns: the last retry: value in ms, or -1
 */
gint64        fal_sse_parser_get_retry    (FalSseParser *parser);
/**
 * fal_sse_parser_get_n_events:
 * @parser: a parser
 *
 * Returns: the events dispatched so far
 */
guint64       fal_sse_parser_get_n_events (FalSseParser *parser);

/* Limits on memory: one line (field name and value, before its line end)
 * and one event's data (its data lines joined). Defaults:
 * FAL_SSE_DEFAULT_MAX_LINE and FAL_SSE_DEFAULT_MAX_EVENT; 0 keeps a
 * limit as it is. Past a limit the parser stops: fal_sse_parser_feed()
 * returns FALSE from then on and dispatches nothing more, so a caller
 * drops the stream before a line without an end eats the memory. */
#define FAL_SSE_DEFAULT_MAX_LINE  (32 * 1024 * 1024)
#define FAL_SSE_DEFAULT_MAX_EVENT (64 * 1024 * 1024)

/**
 * fal_sse_parser_set_limits:
 * @parser: a parser
 * @max_line: bytes of one line (field name and value, before its line
 *   end); 0 keeps it
 * @max_event: bytes of one event's data (its data lines joined); 0 keeps it
 *
 * Limits on memory. Defaults: %FAL_SSE_DEFAULT_MAX_LINE and
 * %FAL_SSE_DEFAULT_MAX_EVENT. Past a limit the parser stops:
 * fal_sse_parser_feed() returns %FALSE from then on and dispatches nothing
 * more, so a caller drops the stream before a line without an end eats
 * the memory.
 */
void          fal_sse_parser_set_limits   (FalSseParser *parser,
                                           gsize         max_line,
                                           gsize         max_event);
/**
 * fal_sse_parser_get_overflowed:
 * @parser: a parser
 *
 * Returns: %TRUE once a line or an event went past its limit
 */
gboolean      fal_sse_parser_get_overflowed (FalSseParser *parser);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalSseParser, fal_sse_parser_free)

G_END_DECLS
