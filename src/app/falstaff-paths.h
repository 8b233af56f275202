/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *falstaff_paths_get_installed_datadir (void);
const char *falstaff_paths_get_localedir         (void);
/* relative (a path from the executable's folder, such as
 * BINDIR_TO_DATADIR) made absolute from where this executable is, or
 * NULL when relative is empty or the executable cannot be found. */
char       *falstaff_paths_beside_executable     (const char *relative);

G_END_DECLS
