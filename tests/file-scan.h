/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Reads every regular file below dir (symbolic links not followed) and
 * adds to found the path of each that holds needle; returns how many
 * files it read. For tests that prove a secret reached no file. */
guint file_scan_find (const char *dir,
                      const char *needle,
                      GPtrArray  *found);

G_END_DECLS
