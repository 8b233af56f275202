/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-job.h"
#include "fal-pricing.h"

G_BEGIN_DECLS

/* One run as the app sees it: what was asked (endpoint, mode, inputs),
 * where it stands at fal, and what came of it. Kept in a
 * FalstaffRunStore, which writes every change to the history database.
 *
 * Properties (all notified, explicitly, on the main context): "id"
 * (gint64, the store's row id), "endpoint-id", "mode" ("queue" or
 * "stream"), "inputs" (JsonNode, the body sent; NULL for an old run until
 * falstaff_run_store_load_details_async()), "request-id", "status-url",
 * "response-url", "cancel-url", "status" (FalJobStatus),
 * "error-message" (plain words), "error-type" (fal's error_type, or
 * NULL), "result" (JsonNode or NULL; NULL for an old run until its
 * details are loaded), "details-loaded", "log-summary" (the last few log
 * lines), "created-at", "submitted-at", "started-at", "completed-at"
 * (g_get_real_time() µs, 0 when not known), "seed" (gint64, -1 when not
 * known), "prompt", "thumbnail-url", "text-snippet", "job" (the FalJob
 * this process follows it with, or NULL). A finished run read from the
 * history has no "status-url", "response-url", "cancel-url",
 * "log-summary" nor "prompt" either until its details are loaded. All are
 * read-only: a run changes by following its job. */
#define FALSTAFF_TYPE_RUN (falstaff_run_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffRun, falstaff_run, FALSTAFF, RUN, GObject)

gint64        falstaff_run_get_id             (FalstaffRun *self);
const char   *falstaff_run_get_endpoint_id    (FalstaffRun *self);
/* "queue" or "stream". */
const char   *falstaff_run_get_mode           (FalstaffRun *self);
JsonNode     *falstaff_run_get_inputs         (FalstaffRun *self);
/* NULL until fal answered the submit; a run that is not done and has
 * none was never confirmed (the app may have died while submitting). */
const char   *falstaff_run_get_request_id     (FalstaffRun *self);
const char   *falstaff_run_get_status_url     (FalstaffRun *self);
const char   *falstaff_run_get_response_url   (FalstaffRun *self);
const char   *falstaff_run_get_cancel_url     (FalstaffRun *self);
FalJobStatus  falstaff_run_get_status         (FalstaffRun *self);
gboolean      falstaff_run_is_done            (FalstaffRun *self);
const char   *falstaff_run_get_error_message  (FalstaffRun *self);
const char   *falstaff_run_get_error_type     (FalstaffRun *self);
JsonNode     *falstaff_run_get_result         (FalstaffRun *self);
/* TRUE when inputs and result are in memory (always for a run made or
 * followed in this process). */
gboolean      falstaff_run_get_details_loaded (FalstaffRun *self);
const char   *falstaff_run_get_log_summary    (FalstaffRun *self);
gint64        falstaff_run_get_created_at     (FalstaffRun *self);
gint64        falstaff_run_get_submitted_at   (FalstaffRun *self);
gint64        falstaff_run_get_started_at     (FalstaffRun *self);
gint64        falstaff_run_get_completed_at   (FalstaffRun *self);
gint64        falstaff_run_get_seed           (FalstaffRun *self);
const char   *falstaff_run_get_prompt         (FalstaffRun *self);
const char   *falstaff_run_get_thumbnail_url  (FalstaffRun *self);
const char   *falstaff_run_get_text_snippet   (FalstaffRun *self);
FalJob       *falstaff_run_get_job            (FalstaffRun *self);

/* The sweep the run belongs to: the id of the sweep's first run, 0 when
 * it is no sweep's. Never changes. */
gint64        falstaff_run_get_sweep_id       (FalstaffRun *self);
/* {"axes": [{"field", "values"}, …], "cell": [column, row]}, or NULL. */
JsonNode     *falstaff_run_get_sweep          (FalstaffRun *self);
/* Its place in the sweep's grid; FALSE when in none. */
gboolean      falstaff_run_get_sweep_cell     (FalstaffRun *self,
                                               guint       *column,
                                               guint       *row);
/* The endpoint's price when the run was sent (kept in the history). */
void          falstaff_run_set_price          (FalstaffRun    *self,
                                               const FalPrice *price);
/* x-fal-billable-units of its result, -1 when fal did not say. */
double        falstaff_run_get_billable_units (FalstaffRun    *self);
/* Units × price, -1 unless both are known; *currency gets its currency. */
double        falstaff_run_get_cost           (FalstaffRun    *self,
                                               const char    **currency);
/* "$0.10 for 4 images", or NULL. */
char         *falstaff_run_describe_cost      (FalstaffRun    *self);

/* Follows job from now on (replacing any job followed before): copies
 * its request id and URLs the moment it has them, its status, log
 * summary, error, result and timings as they change, and has the store
 * write each change (at most about four writes a second; the request id
 * and the final state at once). The run keeps the job after it finished,
 * for its full logs. */
void          falstaff_run_follow             (FalstaffRun *self,
                                               FalJob      *job);

/* Ends a run that no job will end: one whose submit failed before a job
 * existed (fal_client_submit() refused it), or one never confirmed that
 * the person gives up on. Status FAILED (CANCELLED for
 * FAL_ERROR_CANCELLED), the error in plain words, written at once.
 * Nothing for a run already done; not while a job still follows it. */
void          falstaff_run_fail               (FalstaffRun  *self,
                                               const GError *error);

/* TRUE for a run not done that no job follows and that cannot be
 * followed again by its request id: fal never confirmed its submit, or
 * it was a stream (fal finds only queue runs by id). Sending its inputs
 * again is all that can be done. */
gboolean      falstaff_run_needs_submit_again (FalstaffRun *self);

/* For a GtkFilterListModel: TRUE when every word of query (case-folded)
 * is in the endpoint id, the prompt or the text snippet. A finished run
 * read from the history has its prompt only once its details are loaded.
 * An empty or NULL query matches every run. */
/* The run's log: its job's while it has one, else the log kept on disk
 * (loaded with the details), else NULL. */
GListModel   *falstaff_run_get_logs           (FalstaffRun *self);
gboolean      falstaff_run_matches            (FalstaffRun *self,
                                               const char  *query);

G_END_DECLS
