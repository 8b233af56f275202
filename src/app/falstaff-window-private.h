/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "falstaff-endpoint-picker.h"
#include "falstaff-form-view.h"
#include "falstaff-request-view.h"
#include "falstaff-welcome-page.h"
#include "falstaff-window.h"

G_BEGIN_DECLS

/* The window's parts, for the UI tests that drive them. */
FalstaffEndpointPicker *_falstaff_window_get_picker       (FalstaffWindow *self);
FalstaffFormView       *_falstaff_window_get_form_view    (FalstaffWindow *self);
FalstaffRequestView    *_falstaff_window_get_request_view (FalstaffWindow *self);
FalstaffWelcomePage    *_falstaff_window_get_welcome_page (FalstaffWindow *self);
GtkToggleButton        *_falstaff_window_get_stream_toggle (FalstaffWindow *self);
GtkWidget              *_falstaff_window_get_run_button   (FalstaffWindow *self);
typedef struct _FalstaffHistoryView FalstaffHistoryView;
typedef struct _FalstaffRunStore FalstaffRunStore;
FalstaffHistoryView    *_falstaff_window_get_history_view (FalstaffWindow *self);
FalstaffRunStore       *_falstaff_window_get_run_store    (FalstaffWindow *self);
AdwWindowTitle         *_falstaff_window_get_title        (FalstaffWindow *self);
GtkWidget              *_falstaff_window_get_key_banner_close (FalstaffWindow *self);
gboolean                _falstaff_window_get_key_banner_shown (FalstaffWindow *self);
/* Files dropped on the studio go through this. */
GtkDropTarget          *_falstaff_window_get_drop_target  (FalstaffWindow *self);
/* "none", "loading", "error" or "form". */
const char             *_falstaff_window_get_form_state   (FalstaffWindow *self);

G_END_DECLS
