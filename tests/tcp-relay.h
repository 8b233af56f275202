/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* fal going away and coming back, for tests: a TCP relay on a loopback
 * port of its own in front of a local server (whose jobs live on). It
 * runs on the default main context. */
typedef struct _TcpRelay TcpRelay;

/* Listens on a free port and relays to target_url's port on 127.0.0.1. */
TcpRelay   *tcp_relay_new            (const char *target_url);
/* "http://127.0.0.1:PORT". */
const char *tcp_relay_get_url        (TcpRelay *relay);
/* Connections accepted so far. */
guint       tcp_relay_get_n_accepted (TcpRelay *relay);
/* fal is gone: nothing listens on the port, every open connection is
 * closed (as the kernel does for a process that died). */
void        tcp_relay_close          (TcpRelay *relay);
/* fal is back, on the same port. */
void        tcp_relay_reopen         (TcpRelay *relay);
/* fal hangs: connections stay open and new ones are accepted, but no
 * byte goes either way until the thaw. */
void        tcp_relay_freeze         (TcpRelay *relay);
void        tcp_relay_thaw           (TcpRelay *relay);
void        tcp_relay_free           (TcpRelay *relay);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TcpRelay, tcp_relay_free)

G_END_DECLS
