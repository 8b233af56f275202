/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/* What libsoup 3.2's server does not do for its connections: close the
 * ones whose client has gone (they stayed in CLOSE-WAIT, one fd each,
 * until the process ran out), time out a client that does not finish
 * its request line and headers, and bound how many are open at once. */
typedef struct _FalLocalConnections FalLocalConnections;

FalLocalConnections *fal_local_connections_new (SoupServer *soup,
                                                guint       max_connections,
                                                guint       idle_timeout_ms);

/* Disconnects from the server; connections still open keep what they
 * need. */
void fal_local_connections_free (FalLocalConnections *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalLocalConnections, fal_local_connections_free)

G_END_DECLS
