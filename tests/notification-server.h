/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A desktop notification server (org.freedesktop.Notifications) on the
 * test's session bus, in this process: the app's GNotifications arrive
 * here as they would at GNOME Shell, and a test can read them and
 * "click" one. Returns once the name is owned. */
void        notification_server_start      (void);
/* Every notification received so far: "summary\nbody". The one at
 * index i was given id i + 1. */
GPtrArray  *notification_server_get_received (void);
/* As a person clicks a notification: its default action. */
void        notification_server_click      (guint32 id);

G_END_DECLS
