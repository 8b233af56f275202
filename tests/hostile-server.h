/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A small hostile HTTP server on 127.0.0.1, in the test's own thread, for
 * the client's caps. Every path ends with what to do (any prefix, so a
 * queue result URL .../requests/huge works; a run's .../sse-line/stream
 * too):
 *   …/huge         8 MiB of JSON-ish bytes, chunked (no length)
 *   …/huge-length  the same with a Content-Length
 *   …/gzip         a small gzip body that inflates to 64 MiB
 *   …/drip         one byte every 200 ms, for ever
 *   …/small        {"ok":true}
 *   …/to-remote-http  302 to plain http off this machine
 *   …/to-local     302 to /media/small on this server
 *   …/sse-line     text/event-stream: "data: " then 'x' for ever, no newline
 *   …/sse-silent   text/event-stream headers and a blank line, then nothing
 *   …/silent       takes the request and never answers, not even the head
 *   …/short        Content-Length: 100, then 10 bytes and the connection closes
 * A schema fetch (…/openapi.json?endpoint_id=owner/app/WHAT) takes what
 * to do from the endpoint id's last part. */
typedef struct _HostileServer HostileServer;

HostileServer *hostile_server_new     (void);
void           hostile_server_free    (HostileServer *server);
/* http://127.0.0.1:PORT (no trailing slash). */
const char    *hostile_server_get_url (HostileServer *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HostileServer, hostile_server_free)

G_END_DECLS
