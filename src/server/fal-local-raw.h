/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A response written by hand on a connection taken from libsoup: for the
 * event streams and for the faults libsoup would not let us make (a body
 * cut short, a connection dropped mid-stream). Writes are queued and sent
 * in order; the connection is closed after the last one. "closed" is
 * emitted once, when the peer has gone or the response was closed. */
#define FAL_LOCAL_TYPE_RAW (fal_local_raw_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalRaw, fal_local_raw, FAL_LOCAL, RAW, GObject)

FalLocalRaw *fal_local_raw_new          (SoupServerMessage  *msg,
                                         guint               status,
                                         SoupMessageHeaders *headers);
void         fal_local_raw_write        (FalLocalRaw   *self,
                                         gconstpointer  data,
                                         gsize          length);
/* One chunk of a chunked body (headers must say Transfer-Encoding: chunked). */
void         fal_local_raw_write_chunk  (FalLocalRaw   *self,
                                         gconstpointer  data,
                                         gsize          length);
/* Ends a chunked body and closes, or (abrupt) just closes. */
void         fal_local_raw_finish       (FalLocalRaw   *self,
                                         gboolean       abrupt);

G_END_DECLS
