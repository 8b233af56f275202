/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The SSE parser (status streams and /stream) on any bytes, fed in the
 * pieces the first byte chooses, as the network would split them. */
#include "config.h"

#include <string.h>

#include "fal-sse-parser.h"
#include "fuzz.h"

static void
on_event (const FalSseEvent *event,
          gpointer           user_data)
{
  gsize *total = user_data;

  /* Touch every byte the parser says is there. */
  for (gsize i = 0; i < event->data_length; i++)
    *total += (guchar) event->data[i];
  *total += strlen (event->event) + (event->id ? strlen (event->id) : 0);
}

static void
on_comment (const char *comment,
            gpointer    user_data)
{
  *(gsize *) user_data += strlen (comment);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(FalSseParser) parser = NULL;
  gsize total = 0;
  gsize piece, at = 0;

  if (size == 0)
    return 0;
  piece = data[0] + 1;
  data++, size--;
  parser = fal_sse_parser_new (on_event, on_comment, &total);
  while (at < size)
    {
      gsize n = MIN (piece, size - at);

      fal_sse_parser_feed (parser, (const char *) data + at, n);
      at += n;
    }
  fal_sse_parser_finish (parser);
  (void) fal_sse_parser_get_retry (parser);
  (void) fal_sse_parser_get_n_events (parser);
  return 0;
}
