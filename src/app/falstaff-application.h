/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define FALSTAFF_TYPE_APPLICATION (falstaff_application_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffApplication, falstaff_application, FALSTAFF, APPLICATION, AdwApplication)

FalstaffApplication *falstaff_application_new         (void);
/* The key, the client and the demo server, shared by the windows. */
typedef struct _FalstaffSession FalstaffSession;
FalstaffSession     *falstaff_application_get_session (FalstaffApplication *self);

G_END_DECLS
