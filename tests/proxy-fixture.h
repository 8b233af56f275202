/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A fal proxy for tests, the way @fal-ai/server-proxy works: a real
 * SoupServer on 127.0.0.1 (a free port) that forwards each request to the
 * URL in its x-fal-target-url header, adds "Authorization: Key <key>"
 * (replacing any the caller sent) and "Via: 1.1 falstaff-test-proxy", and
 * passes the answer back as it arrives: bodies, event streams included,
 * are streamed through chunk by chunk, never buffered to the end.
 *
 * Only loopback targets (127.0.0.1, localhost, ::1) are forwarded; any
 * other target, or none, gets 400 {"detail": …}. A target that cannot be
 * reached gets 502 {"detail": …}; an answer cut upstream is cut here too.
 * Redirects are passed back, not followed.
 *
 * It runs on a thread of its own with its own GMainContext, so a test may
 * block its main thread (e.g. on a falctl subprocess) while clients use
 * it. No GTK. Point a FalClient at it with FALSTAFF_PROXY_URL or
 * fal_client_new() after setting that variable. */
typedef struct _ProxyFixture ProxyFixture;

/* Starts listening before it returns. key: what goes after "Key ". */
ProxyFixture *proxy_fixture_new             (const char   *key);
/* "http://127.0.0.1:PORT/". */
const char   *proxy_fixture_get_url         (ProxyFixture *self);
/* Requests forwarded so far (refused ones not counted). */
guint         proxy_fixture_get_n_forwarded (ProxyFixture *self);
/* "METHOD target-url" of each forwarded request, in order. */
GStrv         proxy_fixture_dup_targets     (ProxyFixture *self);
/* Stops it (open streams are cut) and frees it. */
void          proxy_fixture_free            (ProxyFixture *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProxyFixture, proxy_fixture_free)

G_END_DECLS
