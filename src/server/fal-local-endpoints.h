/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-local-storage.h"

G_BEGIN_DECLS

/* The simulated models: what each endpoint the local server offers does,
 * how long it takes at --speed 1, what it logs, and what it returns. */
typedef struct _FalLocalEndpoint FalLocalEndpoint;

typedef struct {
  double at;          /* fraction of the run time, 0..1 */
  const char *level;
  char *message;
} FalLocalPlannedLog;

/* A simulated endpoint, or a catalog model that runs as one (under its
 * own id). */
const FalLocalEndpoint *fal_local_endpoints_lookup   (const char *endpoint_id);
/* NULL-terminated list of the simulated endpoints' ids. */
const char * const     *fal_local_endpoints_list     (void);

const char *fal_local_endpoint_get_id           (const FalLocalEndpoint *endpoint);
/* Time from reaching the head of the queue with a free runner to the
 * start, and the run time, both in ms at --speed 1. */
guint       fal_local_endpoint_get_queue_step_ms (const FalLocalEndpoint *endpoint);
guint       fal_local_endpoint_get_run_ms       (const FalLocalEndpoint *endpoint,
                                                 JsonObject             *input);
/* Log lines over the run, ordered by `at`; elements are FalLocalPlannedLog. */
GPtrArray  *fal_local_endpoint_plan_logs        (const FalLocalEndpoint *endpoint,
                                                 JsonObject             *input);

/* Checks beyond the OpenAPI schema (the image size cap): NULL when fine,
 * else a 422 detail array. */
JsonArray  *fal_local_endpoint_check            (const FalLocalEndpoint *endpoint,
                                                 JsonObject             *input);

/* sync_mode: by default a result returns at most this many bytes of data:
 * URIs; the media past it are stored and returned as URLs, as without
 * sync_mode. */
#define FAL_LOCAL_SYNC_MODE_MAX_BYTES (10 * 1024 * 1024)

/* Computes the output in a worker thread. base_url is the base of the
 * URLs returned (the public base); file URLs under it or under local_url
 * (the loopback URL) are read back from storage. Stored outputs expire
 * file_lifetime µs after they are made (0: never). With sync_mode, up to
 * inline_limit bytes of media come back as data: URIs. */
void        fal_local_endpoint_compute_async    (const FalLocalEndpoint *endpoint,
                                                 JsonObject             *input,
                                                 FalLocalStorage        *storage,
                                                 const char             *base_url,
                                                 const char             *local_url,
                                                 gint64                  file_lifetime,
                                                 gsize                   inline_limit,
                                                 GCancellable           *cancellable,
                                                 GAsyncReadyCallback     callback,
                                                 gpointer                user_data);
/* The output (http_status 200) or a model error body (http_status 422,
 * error_type set); NULL with error on an internal failure. */
JsonNode   *fal_local_endpoint_compute_finish   (GAsyncResult           *result,
                                                 guint                  *http_status,
                                                 char                  **error_type,
                                                 GError                **error);

/* The events a /stream request sends for this output, in order; every one
 * but the last has "partial": true. */
GPtrArray  *fal_local_endpoint_stream_events    (const FalLocalEndpoint *endpoint,
                                                 JsonNode               *output);

char       *fal_local_file_url                  (const char *base_url,
                                                 const char *file_id,
                                                 const char *file_name);

G_END_DECLS
