/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal.h"
#include "server-fixture.h"

G_BEGIN_DECLS

/* Deadlines are generous: the machine may be loaded, and a deadline only
 * catches a hang. */
#define DEADLINE_MS 60000

/* A local server (with its raw-HTTP session for /__control and checks
 * against the server) plus a FalClient pointed at it. */
typedef struct {
  FalTestServer *ts;
  const char *url;        /* ts->url */
  FalClient *client;
} Fx;

Fx            *fx_new         (double      speed,
                               guint       runners);
void           fx_free        (Fx         *fx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fx, fx_free)

/* A synchronous call with the key; the parsed body (NULL if not JSON).
 * Synchronous, so the client's own traffic stands still meanwhile. */
JsonNode      *fx_http        (Fx         *fx,
                               const char *method,
                               const char *path,
                               const char *body,
                               guint      *status);

/* Log entries with this method whose path matches the regex (and, when
 * request_id is set, contains it). */
guint          count_requests (JsonArray  *log,
                               const char *method,
                               const char *path_regex,
                               const char *request_id);
/* The id of the first (last) matching log entry, or -1. */
gint64         find_request   (JsonArray  *log,
                               const char *method,
                               const char *path_regex,
                               gboolean    last);

/* Parses text, which must be JSON. */
JsonNode      *input          (const char *text);

/* Runs the default context until condition holds; FALSE at the deadline. */
gboolean       wait_for       (FalTestCondition condition,
                               gpointer         data,
                               guint            timeout_ms);
gboolean       request_done   (gpointer    data);
void           wait_done      (FalRequest *request);

G_END_DECLS
