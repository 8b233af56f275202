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

/* Bytes queued for a client that does not read (an event stream it never
 * drains), past which it is reset instead of kept in memory (five such
 * clients once grew the server by 819 MB). A client that reads at any
 * normal pace never has more than a few events queued. */
#define FAL_LOCAL_RAW_MAX_BACKLOG (8 * 1024 * 1024)

G_DECLARE_FINAL_TYPE (FalLocalRaw, fal_local_raw, FAL_LOCAL, RAW, GObject)

FalLocalRaw *fal_local_raw_new          (SoupServerMessage  *msg,
                                         guint               status,
                                         SoupMessageHeaders *headers);
/* FAL_LOCAL_RAW_MAX_BACKLOG unless set. */
void         fal_local_raw_set_max_backlog (FalLocalRaw *self,
                                            gsize        max_backlog);
void         fal_local_raw_write        (FalLocalRaw   *self,
                                         gconstpointer  data,
                                         gsize          length);
/* One chunk of a chunked body (headers must say Transfer-Encoding: chunked). */
void         fal_local_raw_write_chunk  (FalLocalRaw   *self,
                                         gconstpointer  data,
                                         gsize          length);
/* FALSE once finishing, dropped or closed: writes go nowhere. */
gboolean     fal_local_raw_is_writable  (FalLocalRaw   *self);
/* Ends a chunked body and closes, or (abrupt) just closes. */
void         fal_local_raw_finish       (FalLocalRaw   *self,
                                         gboolean       abrupt);

G_END_DECLS
