/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "falstaff-run.h"
#include "falstaff-run-store.h"

G_BEGIN_DECLS

/* One row of the runs table, as plain data: what crosses between the main
 * thread and the database thread (never a GObject). */
typedef struct {
  gint64 id;
  char *endpoint_id;
  char *mode;
  char *request_id;
  char *status_url;
  char *response_url;
  char *cancel_url;
  FalJobStatus status;
  char *error_message;
  char *error_type;
  char *log_summary;
  char *prompt;
  char *thumbnail_url;
  char *text_snippet;
  gint64 created_at;
  gint64 submitted_at;
  gint64 started_at;
  gint64 completed_at;
  gint64 seed;
  /* The sweep it belongs to (0: none) and its axes and cell. */
  gint64 sweep_id;
  char *sweep_json;     /* writing */
  JsonNode *sweep;      /* reading */
  /* What it cost: units billed (-1 unknown), price of a unit (-1 unknown). */
  double billable_units;
  double unit_price;
  char *price_unit;
  char *currency;

  /* Writing: the JSON columns are written only when set; the columns
   * that come with the details (queue URLs, log summary, prompt) only
   * when write_extras. */
  gboolean write_inputs;
  gboolean write_result;
  gboolean write_extras;
  gboolean write_logs;
  char *inputs_json;
  char *result_json;
  char *logs_json;      /* a finished run's whole log, written once */

  /* Reading: parsed on the database thread (fresh nodes, owned here). */
  JsonNode *inputs;
  JsonNode *result;
  JsonNode *logs;
  gboolean details_loaded;
} FalstaffRunRow;

void            _falstaff_run_row_free       (FalstaffRunRow *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalstaffRunRow, _falstaff_run_row_free)

/* falstaff-run.c, for the store */
FalstaffRun    *_falstaff_run_new            (gint64            id,
                                              const char       *endpoint_id,
                                              const char       *mode,
                                              JsonNode         *inputs);
/* The run belongs to a sweep: before it is first written. */
void            _falstaff_run_set_sweep      (FalstaffRun      *self,
                                              gint64            sweep_id,
                                              JsonNode         *sweep);
/* Takes the row's contents. */
FalstaffRun    *_falstaff_run_new_from_row   (FalstaffRunRow   *row);
/* A copy of what is to be written; the JSON columns only when they
 * changed since the last snapshot (or all: full). */
FalstaffRunRow *_falstaff_run_snapshot       (FalstaffRun      *self,
                                              gboolean          full);
void            _falstaff_run_set_store      (FalstaffRun      *self,
                                              FalstaffRunStore *store);
/* The details read from the file: takes the row's inputs and result
 * (either may be NULL) and sets the queue URLs, log summary, prompt and
 * kept log that finished runs are listed without. */
void            _falstaff_run_set_details    (FalstaffRun      *self,
                                              FalstaffRunRow   *row);
/* A finished run whose changes are all in a snapshot lets go of its job
 * (and the job's log), inputs and result: all are on disk, and come back
 * with falstaff_run_store_load_details_async(). */
void            _falstaff_run_release_details (FalstaffRun     *self);

/* falstaff-run-store.c, for runs: the run changed; now: write it without
 * waiting to gather more changes. */
void            _falstaff_run_store_save     (FalstaffRunStore *self,
                                              FalstaffRun      *run,
                                              gboolean          now);

/* Tests: called on the thread that runs each SQL statement of the
 * store's connection, with its text. Set before loading. */
typedef void (*FalstaffRunStoreStatementHook) (const char *sql,
                                               gpointer    user_data);
void            _falstaff_run_store_set_statement_hook (FalstaffRunStore              *self,
                                                        FalstaffRunStoreStatementHook  hook,
                                                        gpointer                       user_data);
/* Tests: how long changes are gathered before they are written (250 ms). */
void            _falstaff_run_store_set_save_delay (FalstaffRunStore *self,
                                                    guint             delay_ms);
/* The newest schema version (PRAGMA user_version). */
#define FALSTAFF_RUN_STORE_SCHEMA_VERSION 6

/* ------------------------------------------------------------------ the database thread
 * falstaff-run-store-db.c: one thread owning the sqlite3 connection, fed
 * by a queue of operations, each done in order. */

/* The finished runs are listed newest first in two reads: these few,
 * a first page of the History list in a few milliseconds, then all. */
#define FALSTAFF_RUN_DB_NEWEST_ROWS 200

typedef enum {
  FALSTAFF_RUN_DB_LOAD,     /* task → FalstaffRunDbLoad, every run */
  FALSTAFF_RUN_DB_OPEN,     /* task → FalstaffRunDbLoad, the unfinished runs */
  FALSTAFF_RUN_DB_LIST_NEWEST,   /* after OPEN: task → FalstaffRunDbLoad, the newest
                                  * FALSTAFF_RUN_DB_NEWEST_ROWS finished runs */
  FALSTAFF_RUN_DB_LIST_FINISHED, /* after OPEN: task → FalstaffRunDbLoad, the others */
  FALSTAFF_RUN_DB_INSERT,   /* rows */
  FALSTAFF_RUN_DB_UPDATE,   /* rows */
  FALSTAFF_RUN_DB_DELETE,   /* ids; task → TRUE */
  FALSTAFF_RUN_DB_DETAILS,  /* id; task → FalstaffRunRow (inputs, result) */
  FALSTAFF_RUN_DB_FLUSH,    /* task → TRUE once all before it is done */
} FalstaffRunDbOpKind;

typedef struct {
  GPtrArray *rows;          /* FalstaffRunRow, newest first */
  gint64 max_id;
  char *recovery_message;
} FalstaffRunDbLoad;

void            _falstaff_run_db_load_free   (FalstaffRunDbLoad *load);

typedef struct _FalstaffRunDb FalstaffRunDb;

FalstaffRunDb  *_falstaff_run_db_new         (const char                    *path,
                                              FalstaffRunStoreStatementHook  hook,
                                              gpointer                       hook_data);
/* Queues an operation. Takes rows/ids and a reference on task. Writes
 * before a successful LOAD are dropped. */
void            _falstaff_run_db_push        (FalstaffRunDb       *db,
                                              FalstaffRunDbOpKind  kind,
                                              GPtrArray           *rows,
                                              GArray              *ids,
                                              GTask               *task);
/* Lets the thread finish what was queued, closes the connection and joins
 * the thread. */
void            _falstaff_run_db_free        (FalstaffRunDb       *db);

G_END_DECLS
