/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "fal.h"
#include "falstaff-run.h"

typedef struct _FalstaffRunStore FalstaffRunStore;

G_BEGIN_DECLS

/* One run as it goes: its status (queue position, elapsed time, inference
 * time), its request id, its error as a banner, and its output, logs and
 * raw JSON. Follows a FalRequest (queue) or a FalStream. */
#define FALSTAFF_TYPE_REQUEST_VIEW (falstaff_request_view_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffRequestView, falstaff_request_view, FALSTAFF, REQUEST_VIEW, GtkWidget)

/* Shows one run, and only that run: live while this process follows its
 * job, else as the history kept it (its result loaded from the store on
 * demand). NULL: nothing. */
void        falstaff_request_view_set_run     (FalstaffRequestView *self,
                                               FalstaffRun         *run,
                                               FalstaffRunStore    *store);
FalstaffRun *falstaff_request_view_get_run    (FalstaffRequestView *self);
void        falstaff_request_view_set_request (FalstaffRequestView *self,
                                               FalRequest          *request);
void        falstaff_request_view_set_stream  (FalstaffRequestView *self,
                                               FalStream           *stream);
/* An error before any request existed (local validation, a refused key). */
void        falstaff_request_view_show_error  (FalstaffRequestView *self,
                                               const GError        *error);
void        falstaff_request_view_clear       (FalstaffRequestView *self);
/* The run's endpoint and inputs, for what saved outputs record. */
void        falstaff_request_view_set_context (FalstaffRequestView *self,
                                               const char          *endpoint_id,
                                               JsonNode            *inputs);
/* An attempt refused before it reached fal (local validation, no key):
 * its error and "Not sent", and the last run's outputs stay. */
void        falstaff_request_view_show_not_sent (FalstaffRequestView *self,
                                                 const GError        *error);
/* While Run waits for files still uploading, the status says so (0: it
 * no longer waits). */
void        falstaff_request_view_set_waiting_uploads (FalstaffRequestView *self,
                                                       guint                n_files);
const char *falstaff_request_view_get_status_text (FalstaffRequestView *self);
/* "endpoint · time" of the run shown, "" for none. */
const char *falstaff_request_view_get_run_text    (FalstaffRequestView *self);
const char *falstaff_request_view_get_error_text  (FalstaffRequestView *self);
/* Where the runs' outputs are kept (the results pane shows the kept
 * files). */
typedef struct _FalstaffOutputKeeper FalstaffOutputKeeper;
void        falstaff_request_view_set_output_keeper (FalstaffRequestView  *self,
                                                     FalstaffOutputKeeper *keeper);
/* The run's menu (Run Again, Use Seed, Delete Run…) and its Submit
 * Again button. */
GtkWidget  *falstaff_request_view_get_run_menu_button    (FalstaffRequestView *self);
GtkWidget  *falstaff_request_view_get_submit_again_button (FalstaffRequestView *self);
GtkWidget  *falstaff_request_view_get_output_view (FalstaffRequestView *self);
GtkWidget  *falstaff_request_view_get_log_view    (FalstaffRequestView *self);
/* "output", "logs" or "json". */
void        falstaff_request_view_show_page   (FalstaffRequestView *self,
                                               const char          *name);

/* For tests: the "Run by Queue" button of a refused stream, the JSON
 * tab's text and its Copy button. */
GtkWidget   *_falstaff_request_view_get_queue_button     (FalstaffRequestView *self);
GtkWidget   *_falstaff_request_view_get_copy_json_button (FalstaffRequestView *self);
GtkTextView *_falstaff_request_view_get_json_view        (FalstaffRequestView *self);

G_END_DECLS
