/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "falstaff-application.h"

G_BEGIN_DECLS

#define FALSTAFF_TYPE_WINDOW (falstaff_window_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffWindow, falstaff_window, FALSTAFF, WINDOW, AdwApplicationWindow)

FalstaffWindow *falstaff_window_new (FalstaffApplication *application);

G_END_DECLS
