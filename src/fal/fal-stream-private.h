/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "fal-client-private.h"
#include "fal-log-list.h"
#include "fal-sse-parser.h"
#include "fal-stream.h"

G_BEGIN_DECLS

/* Seen by fal-job.c, whose getters read it directly. */
struct _FalStream
{
  GObject parent_instance;

  FalClient *client;
  FalEndpointId *endpoint;
  char *request_id;
  GCancellable *cancellable;
  GInputStream *body;
  FalSseParser *parser;
  guint n_events;
  JsonNode *last_event;
  GError *error;
  gboolean done;
  GPtrArray *waiters;
  guint idle_timer;            /* stream-idle-timeout: no byte for that long */

  /* As a FalJob. */
  FalJobStatus status;
  gboolean started;
  FalLogList *logs;            /* always empty: a stream has no log */
  gint64 submitted_at;         /* wall clock, µs */
  gint64 started_at;
  gint64 completed_at;
};

G_END_DECLS
