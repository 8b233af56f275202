/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "falstaff-run.h"

G_BEGIN_DECLS

/* Every run, newest first, as a GListModel of FalstaffRun, kept in an
 * SQLite file. All database work happens on one worker thread that owns
 * the connection; answers come back on the main context that was the
 * thread default when the store was made. Nothing here blocks.
 *
 * Finalizing the store waits for the writes already queued (flush first
 * to do that without blocking). */
#define FALSTAFF_TYPE_RUN_STORE (falstaff_run_store_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffRunStore, falstaff_run_store, FALSTAFF, RUN_STORE, GObject)

/* g_get_user_data_dir()/falstaff/history.sqlite3 */
char             *falstaff_run_store_default_path     (void);

/* path: the database file (its folder is made when needed); NULL for
 * falstaff_run_store_default_path(). */
FalstaffRunStore *falstaff_run_store_new              (const char          *path);
const char       *falstaff_run_store_get_path         (FalstaffRunStore    *self);

/* Opens (or creates) the file, brings its schema up to date and loads
 * every run's summary (not results, nor the inputs of finished runs).
 * A file that is not a database, or a damaged one, is moved aside to
 * "<path>.broken-<time>" and a new one started: that is a success, and
 * falstaff_run_store_get_recovery_message() says what happened. Fails
 * when the file cannot be opened or made at all, or was written by a
 * newer Falstaff; the store then keeps runs in memory only. */
void              falstaff_run_store_load_async       (FalstaffRunStore    *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean          falstaff_run_store_load_finish      (FalstaffRunStore    *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
gboolean          falstaff_run_store_is_loaded        (FalstaffRunStore    *self);
/* As falstaff_run_store_load_async(), but lists only the runs that are
 * not done (to follow them again); the finished ones, most of a long
 * history, are read when falstaff_run_store_complete_async() asks. Runs
 * may be made once it resolved. The app opens its history so: a person
 * who does not look at the History does not pay its memory. Finished
 * with falstaff_run_store_load_finish(). */
void              falstaff_run_store_open_async       (FalstaffRunStore    *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
/* Resolves once every run of the file is in the list ("complete"): at
 * once after falstaff_run_store_load_async(); after open, it reads the
 * finished runs and adds them in their places (one items-changed).
 * Callable any time after opening started; calls share one read. */
void              falstaff_run_store_complete_async   (FalstaffRunStore    *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean          falstaff_run_store_complete_finish  (FalstaffRunStore    *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
gboolean          falstaff_run_store_is_complete      (FalstaffRunStore    *self);

/* Plain words for a person when the history had to be started anew,
 * else NULL. */
const char       *falstaff_run_store_get_recovery_message (FalstaffRunStore *self);

/* A new run at the top of the list: status SUBMITTING, created-at now,
 * its row queued for writing before anything else about it. A caller that
 * needs the row on disk before it submits (so that a crash during submit
 * still leaves the run in the history) awaits
 * falstaff_run_store_flush_async(), then submits and calls
 * falstaff_run_follow(). Only after loading finished (successfully or
 * not). Returns a new reference. */
FalstaffRun      *falstaff_run_store_create_run       (FalstaffRunStore    *self,
                                                       const char          *endpoint_id,
                                                       const char          *mode,
                                                       JsonNode            *inputs);

/* A new run of a sweep (always by the queue): sweep_id 0 starts a new
 * sweep, whose id is this run's; sweep is {"axes": […], "cell": [c, r]}.
 * Otherwise as falstaff_run_store_create_run(). */
FalstaffRun      *falstaff_run_store_create_sweep_run (FalstaffRunStore    *self,
                                                       const char          *endpoint_id,
                                                       JsonNode            *inputs,
                                                       gint64               sweep_id,
                                                       JsonNode            *sweep);
/* The runs of a sweep, newest first (a cell run again has several). A new
 * array of new references. */
GPtrArray        *falstaff_run_store_get_sweep_runs   (FalstaffRunStore    *self,
                                                       gint64               sweep_id);
/* Resolves once every change made so far (including ones the store was
 * still holding back to write together) is on disk. */
void              falstaff_run_store_flush_async      (FalstaffRunStore    *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean          falstaff_run_store_flush_finish     (FalstaffRunStore    *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Reads a run's inputs and result from the file into the run (it
 * notifies "inputs", "result", "details-loaded"). At once when they are
 * loaded already. */
void              falstaff_run_store_load_details_async  (FalstaffRunStore    *self,
                                                          FalstaffRun         *run,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean          falstaff_run_store_load_details_finish (FalstaffRunStore    *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

/* The runs that are not done, newest first (to re-attach at start):
 * those without a request id were never confirmed. A new array of new
 * references. */
GPtrArray        *falstaff_run_store_get_unfinished   (FalstaffRunStore    *self);

/* Removes the runs from the list at once (items-changed) and their rows
 * from the file; resolves when the rows are gone. A run that is still
 * followed goes on at fal, but is no longer written. */
void              falstaff_run_store_delete_async     (FalstaffRunStore    *self,
                                                       FalstaffRun        **runs,
                                                       guint                n_runs,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean          falstaff_run_store_delete_finish    (FalstaffRunStore    *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* A finished run no one shows lets go of its job, its log, inputs and
 * result, written to the file first: they come back with
 * falstaff_run_store_load_details_async(). Keeps a long session's memory
 * flat. Does nothing for a run not done, or without a file. */
void              falstaff_run_store_release_details  (FalstaffRunStore    *self,
                                                       FalstaffRun         *run);
/* The run with this id (borrowed), or NULL. */
FalstaffRun      *falstaff_run_store_lookup           (FalstaffRunStore    *self,
                                                       gint64               id);

G_END_DECLS
