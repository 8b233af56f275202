/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

const char *falstaff_paths_get_installed_datadir (void);
const char *falstaff_paths_get_localedir         (void);

G_END_DECLS
