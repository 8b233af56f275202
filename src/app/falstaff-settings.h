/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The app's settings. When the schema is not installed (an uninstalled
 * binary started without the build's schema dir), says so once on
 * stderr and returns settings kept in memory for this run, from a copy
 * of the schema compiled into the binary: the app never aborts for it. */
GSettings *falstaff_settings_new          (void);
/* Whether the last falstaff_settings_new() had to fall back to memory. */
gboolean   falstaff_settings_are_volatile (void);

G_END_DECLS
