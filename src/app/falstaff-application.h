/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "fal.h"

G_BEGIN_DECLS

#define FALSTAFF_TYPE_APPLICATION (falstaff_application_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffApplication, falstaff_application, FALSTAFF, APPLICATION, AdwApplication)

/* Binds the text domain (GETTEXT_PACKAGE) to the installed catalogs, or to
 * a build tree's when FALSTAFF_LOCALEDIR names one (meson devenv sets it
 * to build/po). */
void                 falstaff_application_bind_text_domain (void);

FalstaffApplication *falstaff_application_new         (void);
/* The key, the client and the demo server, shared by the windows. */
typedef struct _FalstaffSession FalstaffSession;
FalstaffSession     *falstaff_application_get_session (FalstaffApplication *self);
/* Every run, kept in the history database; loading starts on the first
 * call. */
typedef struct _FalstaffRunStore FalstaffRunStore;
FalstaffRunStore    *falstaff_application_get_run_store (FalstaffApplication *self);
/* The same store, made but not read yet: a window takes it before its
 * first frame and asks for it again, loading, after that frame. */
FalstaffRunStore    *falstaff_application_get_run_store_unread (FalstaffApplication *self);
/* The runs' outputs kept on disk, and their thumbnails. */
typedef struct _FalstaffOutputKeeper FalstaffOutputKeeper;
FalstaffOutputKeeper *falstaff_application_get_output_keeper (FalstaffApplication *self);
/* Sends the request's cancel and keeps the application running until fal
 * answered it, or for 10 s at most: quitting with "Cancel Request" must
 * not exit before the cancel is out. */
void                 falstaff_application_cancel_before_quit  (FalstaffApplication *self,
                                                               FalRequest          *request);
guint                falstaff_application_get_pending_cancels (FalstaffApplication *self);

G_END_DECLS
