/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define FAL_LOCAL_DEFAULT_KEY "local:secret"
/* The header every /__control/ request must carry (value "1"). */
#define FAL_LOCAL_CONTROL_HEADER "X-Fal-Local-Control"

/* A fal server on 127.0.0.1 that speaks the protocol of
 * ../shared/fal-protocol.md with simulated models. It runs on a thread of
 * its own with its own GMainContext, so a GUI can embed it without
 * sharing its main loop. Set the properties, then start it. */
#define FAL_LOCAL_TYPE_SERVER (fal_local_server_get_type ())
G_DECLARE_FINAL_TYPE (FalLocalServer, fal_local_server, FAL_LOCAL, SERVER, GObject)

FalLocalServer *fal_local_server_new      (void);
/* Binds and starts the server thread; returns once it listens. */
gboolean        fal_local_server_start    (FalLocalServer  *self,
                                           GError         **error);
void            fal_local_server_stop     (FalLocalServer  *self);
/* "http://127.0.0.1:PORT", once started. */
const char     *fal_local_server_get_url  (FalLocalServer  *self);
guint           fal_local_server_get_port (FalLocalServer  *self);
/* The base of every URL the server returns: the public-url property (for
 * a server behind a reverse proxy or tunnel), else the url. */
const char     *fal_local_server_get_public_base (FalLocalServer *self);

G_END_DECLS
