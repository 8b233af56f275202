/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A fal proxy for tests, the way @fal-ai/server-proxy works: a real
 * SoupServer on 127.0.0.1 (a free port) that forwards each request to the
 * URL in its x-fal-target-url header, adds "Authorization: Key <key>"
 * (unless the caller sent its own: that one is forwarded) and
 * "Via: 1.1 falstaff-test-proxy", and
 * passes the answer back as it arrives: bodies, event streams included,
 * are streamed through chunk by chunk, never buffered to the end.
 *
 * Loopback targets (127.0.0.1, localhost, ::1) are forwarded as they
 * are; https targets on fal's hosts (fal.run, queue.fal.run, rest.fal.ai,
 * fal.ai, api.fal.ai) go to the local server set with
 * proxy_fixture_set_upstream(), under the path prefix that server gives
 * each host (fal_local_target_resolve). Any other target, or none, gets
 * 400 {"detail": "Invalid request: …"}, as fal's server proxy answers.
 * A target that cannot be
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
/* Where fal hosts go: a local fal server's URL (NULL: nowhere, 400). */
void          proxy_fixture_set_upstream    (ProxyFixture *self,
                                             const char   *local_url);
/* "http://127.0.0.1:PORT/". */
const char   *proxy_fixture_get_url         (ProxyFixture *self);
/* Requests forwarded so far (refused ones not counted). */
guint         proxy_fixture_get_n_forwarded (ProxyFixture *self);
/* "METHOD target-url" of each forwarded request, in order. */
GStrv         proxy_fixture_dup_targets     (ProxyFixture *self);
/* Stops it (open streams are cut) and frees it. */
void          proxy_fixture_free            (ProxyFixture *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ProxyFixture, proxy_fixture_free)

/* Whether one of targets (as proxy_fixture_dup_targets gives them)
 * starts with prefix. */
gboolean       proxy_fixture_has_target (GStrv       targets,
                                         const char *prefix);

G_END_DECLS
