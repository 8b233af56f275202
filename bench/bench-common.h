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

/* The upload benchmarks' file: word k is a mix of k, so any offset can
 * be checked without keeping the file or a hash. Incompressible, and not
 * sparse. */
void         bench_pattern_fill       (guint8       *buffer,
                                       guint64       offset,
                                       gsize         length);
/* Writes size bytes of the pattern to a new file in dir, named after
 * name_template (which ends in XXXXXX.bin); returns its path. */
char        *bench_create_file        (const char   *dir,
                                       const char   *name_template,
                                       guint64       size,
                                       GError      **error);
/* Reads a stored file back as it arrives and compares it with the
 * pattern: TRUE when it is the whole file, byte for byte. */
gboolean     bench_verify_file        (SoupSession  *session,
                                       const char   *file_url,
                                       guint64       size,
                                       GError      **error);

/* Each step is async on the main loop; a benchmark runs them one after
 * the other, so it waits for each on the loop: pass bench_wait_cb and
 * the BenchWait, then bench_wait_run gives the result. */
typedef struct {
  GMainLoop *loop;
  GAsyncResult *result;
} BenchWait;

void         bench_wait_cb            (GObject      *source,
                                       GAsyncResult *result,
                                       gpointer      data);
GAsyncResult *bench_wait_run          (BenchWait    *wait);
GBytes      *bench_send_and_read      (SoupSession  *session,
                                       SoupMessage  *msg,
                                       GError      **error);

/* CPU seconds (user + system) of getrusage (who). */
double       bench_cpu_seconds        (int           who);

G_END_DECLS
