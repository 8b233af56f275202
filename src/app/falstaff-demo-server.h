/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The embedded demo server (src/server, the local fal server) lives in a
 * module of its own, falstaff-demo-server.so, loaded the first time the
 * demo starts: with its media code, cairo, libjpeg and gnutls it is
 * about 2 MiB of a window's memory, and most people never start the
 * demo. A program that links the server itself (the tests) uses its own
 * copy instead.
 *
 * Where the module is looked for: $FALSTAFF_DEMO_MODULE (a file); beside
 * the executable (the build tree); the install's libdir/falstaff, found
 * from the executable as the data is (falstaff-paths.c); the configured
 * libdir/falstaff. */

/* In a worker thread (it loads libraries and binds a port): a new,
 * started FalLocalServer with speed (when > 0) and fixed_clock set; or
 * NULL and an error that says what is missing. */
GObject    *falstaff_demo_server_start   (double       speed,
                                          gboolean     fixed_clock,
                                          GError     **error);
void        falstaff_demo_server_stop    (GObject     *server);
const char *falstaff_demo_server_get_url (GObject     *server);

G_END_DECLS
