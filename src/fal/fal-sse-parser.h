/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* An incremental text/event-stream parser (the WHATWG rules): feed it
 * bytes at any chunk boundary; it calls back once per dispatched event.
 * Handles a leading BOM, CR, LF and CRLF line ends (a CRLF split across
 * chunks too), multi-line data, comments, event/id/retry fields, and
 * fields without a colon. Pure: no I/O, no main loop. */
typedef struct _FalSseParser FalSseParser;

typedef struct {
  const char *event;   /* "message" unless an event: field said otherwise */
  const char *data;    /* lines joined with "\n", no trailing newline */
  gsize data_length;
  const char *id;      /* the last event id (persists across events), or NULL */
} FalSseEvent;

/* Called for each event; strings are valid during the call only. */
typedef void (*FalSseEventFunc)   (const FalSseEvent *event,
                                   gpointer           user_data);
/* Called for each comment line (": keep-alive"), text after the colon. */
typedef void (*FalSseCommentFunc) (const char *comment,
                                   gpointer    user_data);

FalSseParser *fal_sse_parser_new          (FalSseEventFunc   on_event,
                                           FalSseCommentFunc on_comment,
                                           gpointer          user_data);
void          fal_sse_parser_free         (FalSseParser *parser);
/* FALSE when the parser stopped (a limit below was passed). */
gboolean      fal_sse_parser_feed         (FalSseParser *parser,
                                           const char   *data,
                                           gsize         length);
/* The stream ended: an event without its closing blank line is dropped,
 * as the standard says; returns TRUE when such a partial event (or a
 * partial line) was pending, so a caller can tell a cut-off stream. */
gboolean      fal_sse_parser_finish       (FalSseParser *parser);
/* The last retry: value in ms, or -1. */
gint64        fal_sse_parser_get_retry    (FalSseParser *parser);
/* Events dispatched so far. */
guint64       fal_sse_parser_get_n_events (FalSseParser *parser);

/* Limits on memory: one line (field name and value, before its line end)
 * and one event's data (its data lines joined). Defaults:
 * FAL_SSE_DEFAULT_MAX_LINE and FAL_SSE_DEFAULT_MAX_EVENT; 0 keeps a
 * limit as it is. Past a limit the parser stops: fal_sse_parser_feed()
 * returns FALSE from then on and dispatches nothing more, so a caller
 * drops the stream before a line without an end eats the memory. */
#define FAL_SSE_DEFAULT_MAX_LINE  (32 * 1024 * 1024)
#define FAL_SSE_DEFAULT_MAX_EVENT (64 * 1024 * 1024)

void          fal_sse_parser_set_limits   (FalSseParser *parser,
                                           gsize         max_line,
                                           gsize         max_event);
/* TRUE once a line or an event went past its limit. */
gboolean      fal_sse_parser_get_overflowed (FalSseParser *parser);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalSseParser, fal_sse_parser_free)

G_END_DECLS
