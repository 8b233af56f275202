/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "falstaff-endpoint-picker.h"
#include "falstaff-form-view.h"
#include "falstaff-request-view.h"
#include "falstaff-welcome-page.h"
#include "falstaff-run.h"
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

/* "run", "sweep" or "compare": what the results pane shows. */
const char             *_falstaff_window_get_results_page (FalstaffWindow *self);
typedef struct _FalstaffContactSheet FalstaffContactSheet;
FalstaffContactSheet   *_falstaff_window_get_contact_sheet (FalstaffWindow *self);

/* falstaff-window.c, for its role files. */
FalClient              *_falstaff_window_get_client       (FalstaffWindow *self);
FalFormModel           *_falstaff_window_get_form_model   (FalstaffWindow *self);
const char             *_falstaff_window_get_endpoint_id  (FalstaffWindow *self);
/* The price of the endpoint shown, once fal said it; NULL before. */
const FalPrice         *_falstaff_window_get_price        (FalstaffWindow *self);
GSettings              *_falstaff_window_get_settings     (FalstaffWindow *self);
/* A menu button of the window's template gets its model now if it has
 * none yet (they get them after the first frame). */
void                    _falstaff_window_set_lazy_menu    (FalstaffWindow *self,
                                                           GtkMenuButton  *button);
void                    _falstaff_window_toast            (FalstaffWindow *self,
                                                           const char     *text);
void                    _falstaff_window_save_form_values (FalstaffWindow *self);
void                    _falstaff_window_run_failed       (FalstaffWindow *self,
                                                           const GError   *error);
void                    _falstaff_window_show_run         (FalstaffWindow *self,
                                                           FalstaffRun    *run);
/* This window follows the run's job until it is done. */
void                    _falstaff_window_follow_run       (FalstaffWindow *self,
                                                           FalstaffRun    *run,
                                                           FalJob         *job);
/* Something is on its way to fal (the window is running meanwhile). */
void                    _falstaff_window_submit_started   (FalstaffWindow *self);
void                    _falstaff_window_submit_done      (FalstaffWindow *self);
void                    _falstaff_window_show_results_page (FalstaffWindow *self,
                                                            const char     *name);

typedef struct _FalstaffCompareView FalstaffCompareView;
FalstaffCompareView    *_falstaff_window_get_compare_view (FalstaffWindow *self);

/* falstaff-window-compare.c: the History's Compare pressed. */
void                    _falstaff_window_history_compare_cb (FalstaffWindow      *self,
                                                             FalstaffHistoryView *history_view);

/* falstaff-window-cost.c: TRUE when the run's estimate is above the
 * spending limit and the person is asked first; confirmed runs it once
 * they say yes. */
typedef void (*FalstaffRunConfirmed) (FalstaffWindow *self,
                                      JsonNode       *body);
gboolean                _falstaff_window_ask_before_run   (FalstaffWindow       *self,
                                                           JsonNode             *body,
                                                           FalstaffRunConfirmed  confirmed);
/* falstaff-window-copy.c: Copy as cURL, Python, JavaScript. Possible
 * when the form is valid but for files still uploading (the copy waits
 * for them). */
gboolean                _falstaff_window_can_copy_as_code (FalstaffWindow *self);
/* language: "curl", "python" or "javascript". */
void                    _falstaff_window_copy_as_code     (FalstaffWindow *self,
                                                           const char     *language);
/* Sets up the Copy as Code menu button (from init). */
void                    _falstaff_window_copy_init        (FalstaffWindow *self);

/* falstaff-window-sweep.c */
void                    _falstaff_window_run_variations   (FalstaffWindow *self);
void                    _falstaff_window_show_sweep       (FalstaffWindow *self,
                                                           gint64          sweep_id);
void                    _falstaff_window_sheet_open_run_cb  (FalstaffWindow *self,
                                                             FalstaffRun    *run);
void                    _falstaff_window_sheet_run_again_cb (FalstaffWindow *self,
                                                             FalstaffRun    *run);
void                    _falstaff_window_sheet_message_cb   (FalstaffWindow *self,
                                                             const char     *text);
/* TRUE when run was its sweep's last one going: notification says so. */
gboolean                _falstaff_window_sweep_finished   (FalstaffWindow *self,
                                                           FalstaffRun    *run,
                                                           GPtrArray      *active_runs,
                                                           GNotification **notification);

G_END_DECLS
