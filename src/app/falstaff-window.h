/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "falstaff-application.h"
#include "falstaff-session.h"

G_BEGIN_DECLS

#define FALSTAFF_TYPE_WINDOW (falstaff_window_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffWindow, falstaff_window, FALSTAFF, WINDOW, AdwApplicationWindow)

FalstaffWindow *falstaff_window_new             (FalstaffApplication *application,
                                                 FalstaffSession     *session);
/* Picks an endpoint as the picker would. */
void            falstaff_window_select_endpoint (FalstaffWindow *self,
                                                 const char     *endpoint_id);
/* "welcome" or "studio". */
const char     *falstaff_window_get_page        (FalstaffWindow *self);
/* The session this window talks to fal through. */
FalstaffSession *falstaff_window_get_session    (FalstaffWindow *self);
gboolean        falstaff_window_is_running      (FalstaffWindow *self);
/* What a test drives: the live request or stream of the last run. */
FalRequest     *falstaff_window_get_request     (FalstaffWindow *self);
FalStream      *falstaff_window_get_stream      (FalstaffWindow *self);
/* The run the results pane shows (a FalstaffRun), or NULL. */
typedef struct _FalstaffRun FalstaffRun;
FalstaffRun    *falstaff_window_get_shown_run   (FalstaffWindow *self);
/* Shows the run with this id from the history. */
void            falstaff_window_show_run_by_id  (FalstaffWindow *self,
                                                 gint64          id);
/* Follows a request made elsewhere (Open Request…) as a run of the
 * history, or shows the run that has this request id already. FALSE
 * while the history loads, or for an endpoint id that does not parse. */
gboolean        falstaff_window_open_request    (FalstaffWindow  *self,
                                                 const char      *endpoint_id,
                                                 const char      *request_id,
                                                 GError         **error);
/* Deletes runs from the history (their rows, their kept files). */
void            falstaff_window_delete_runs     (FalstaffWindow  *self,
                                                 FalstaffRun    **runs,
                                                 guint            n_runs);

G_END_DECLS
