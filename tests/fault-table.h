/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "server-fixture.h"

G_BEGIN_DECLS

/* What the fault matrices share (test-fault-matrix for falctl,
 * test-fault-matrix-app for the app's run path): the faults, the masking
 * of what changes from run to run, and the table kept in
 * docs/reliability.md. */

typedef struct {
  const char *name;            /* the table's word for it */
  const char *spec;            /* x-fal-fault spec, see fault_kind_spec() */
} FaultKind;

extern const FaultKind fault_kinds[];
extern const guint n_fault_kinds;

/* The kind's spec for a fault rule (the deep JSON one is built once). */
const char *fault_kind_spec      (const FaultKind *kind);
/* "no answer": the request is never answered. */
gboolean    fault_kind_is_stall  (const FaultKind *kind);
/* A status= fault answers in fal's place: no job is made. */
gboolean    fault_kind_answers_in_place (const FaultKind *kind);

/* FALSTAFF_FAULT_ROWS=REGEX: only rows whose "call × fault" matches; NULL
 * when all run (then the table is compared with the docs). */
GRegex     *fault_table_row_filter (void);
gboolean    fault_table_row_wanted (GRegex     *filter,
                                    const char *call,
                                    const char *fault);

/* Runs start (row) for every row, at most parallel at once, iterating the
 * default main context until each row has called fault_rows_done(). */
typedef void (*FaultRowStart) (gpointer row);
void        fault_rows_run       (GPtrArray     *rows,
                                  guint          parallel,
                                  FaultRowStart  start);
void        fault_rows_done      (void);

/* What the server's request log says of a row whose rule is METHOD
 * PATH_REGEX with fault kind: how many requests met the rule, and whether
 * fal gave a request id (a submit or a run of endpoint_id it answered
 * itself: a status= fault answers in its place). */
void        fault_table_read_log (FalTestServer   *server,
                                  const char      *method,
                                  const char      *path_regex,
                                  const FaultKind *kind,
                                  const char      *endpoint_id,
                                  guint           *met,
                                  gboolean        *id_given);

/* Ports, request ids, file keys, temporary paths, seeds and the like
 * replaced by a word; '|' escaped for a Markdown table. */
char       *fault_table_mask     (const char *text);
/* A UUID in text. */
gboolean    fault_table_has_request_id (const char *text);

/* Compares table with the one between <!-- MARKER:begin --> and
 * <!-- MARKER:end --> in docs/reliability.md ($FALSTAFF_DOCS); writes it
 * to $G_TEST_BUILDDIR/MARKER.md, and with FALSTAFF_UPDATE_DOCS=1 into the
 * docs instead of failing. */
void        fault_table_check_docs (const char *marker,
                                    const char *table);

G_END_DECLS
