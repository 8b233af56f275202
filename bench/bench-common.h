/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define BENCH_KEY "local:secret"

/* The server under test: `falctl serve` in a process of its own (so its
 * CPU time and memory are read apart from the client's), or a
 * FalLocalServer on a thread of this process. */
typedef struct _BenchServer BenchServer;

BenchServer *bench_server_spawn       (const char   *falctl,
                                       double        speed,
                                       guint         runners,
                                       GError      **error);
BenchServer *bench_server_in_process  (double        speed,
                                       guint         runners,
                                       GError      **error);
void         bench_server_free        (BenchServer  *server);
const char  *bench_server_get_url     (BenchServer  *server);
/* Process id of the server; the client's own when in process. */
int          bench_server_get_pid     (BenchServer  *server);
gboolean     bench_server_is_separate (BenchServer  *server);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (BenchServer, bench_server_free)

/* CPU seconds (user + system) of a whole process, and of the local
 * server's own thread (where every request and job step runs) in it. */
double       bench_process_cpu        (int           pid);
double       bench_server_thread_cpu  (int           pid);
/* A "VmHWM"/"VmRSS" line of /proc/PID/status in KiB, or -1. */
gint64       bench_proc_status_kib    (int           pid,
                                       const char   *field);

/* The kernel's count of connections dropped because a listen queue was
 * full (all sockets of the machine), or -1. */
gint64       bench_listen_overflows   (void);

SoupSession *bench_session_new        (guint         max_conns);
SoupMessage *bench_message_new_json   (const char   *method,
                                       const char   *url,
                                       const char   *json);
/* The body's root object, or NULL. */
JsonObject  *bench_parse_object       (GBytes       *bytes);

/* The value at fraction q (0..1) of sorted samples (nearest rank). */
gint64       bench_percentile         (GArray       *sorted_usec,
                                       double        q);
const char  *bench_goal_word          (gboolean      met);

G_END_DECLS
