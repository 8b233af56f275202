/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <math.h>
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
/* The same at a lower priority: nice is per thread on Linux, and
 * setpriority() on the server's pid after it started only lowers its main
 * thread, not the threads that render and serve (they were made by
 * another). This sets it before exec, so every thread of the server has
 * it, with the SCHED_IDLE policy unless told otherwise below. */
/* FALSE: niced servers keep the normal policy (as before issue 16's
 * SCHED_IDLE). */
void         bench_server_set_idle_policy (gboolean idle);
BenchServer *bench_server_spawn_niced (const char   *falctl,
                                       double        speed,
                                       guint         runners,
                                       int           nice,
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

/* One figure for bench/run (which gathers them into the table of
 * docs/benchmarks.md): prints a line "BENCH-RESULT {json}" on stdout,
 * after the program's own human-readable lines.
 * - id: stable and unique across all benchmarks, e.g. "launch.first-frame";
 * - label: what a reader sees in the table, e.g. "exec → first frame";
 * - value in unit ("ms", "MiB", "%", "µs", "lines/s", …);
 * - reference: the figure it is compared with, measured in the same run
 *   (NAN: none), described by reference_label ("minimal window");
 * - goal: how value must stand, one of
 *     "ratio<=" value / reference ≤ bound ("ratio>=": ≥ bound)
 *     "delta<=" value − reference ≤ bound (in unit)
 *     "<=", "<", ">=", ">" value against bound
 *     NULL: a figure shown without a goal.
 * Returns whether the goal is met (TRUE without a goal). */
gboolean     bench_result             (const char   *id,
                                       const char   *label,
                                       double        value,
                                       const char   *unit,
                                       double        reference,
                                       const char   *reference_label,
                                       const char   *goal,
                                       double        bound);

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

/* ------------------------------------------------------------------ launching the app
 * bench-launch and bench-history start a program as a returning user
 * would and read what it prints on stderr: a line "NAME VALUE" for each
 * mark asked for (the app's FALSTAFF_BENCH_FIRST_FRAME=1 prints
 * "first-frame <g_get_monotonic_time () µs>"; CLOCK_MONOTONIC is shared
 * by every process, so a mark minus the spawn time is exec → mark). */

#define BENCH_MAX_MARKS 8
#define BENCH_FIRST_FRAME_TIMEOUT_S 30

typedef struct {
  gint64 spawned_at;                 /* this process's monotonic µs */
  gint64 marks[BENCH_MAX_MARKS];     /* each mark's value, or 0 when not seen */
  gint64 mark_extras[BENCH_MAX_MARKS]; /* a second number on its line, or 0 */
  double rss_mib;                    /* VmRSS settle_ms after the last mark */
  double hwm_mib;                    /* VmHWM then */
  gboolean ok;                       /* every mark seen, RSS read, still running */
} BenchLaunch;

/* Spawns argv with env; waits (at most BENCH_FIRST_FRAME_TIMEOUT_S)
 * until every mark in marks (NULL-terminated) was printed, then
 * settle_ms more, reads its memory and ends it (SIGTERM). who names the
 * caller in failure messages (with the program's stderr). */
gboolean     bench_launch_app         (const char * const *argv,
                                       char              **env,
                                       const char * const *marks,
                                       guint               settle_ms,
                                       gboolean            verbose,
                                       const char         *who,
                                       BenchLaunch        *launch);
/* Milliseconds from the spawn to mark i (a monotonic µs value). */
double       bench_launch_mark_ms     (const BenchLaunch  *launch,
                                       guint               i);

/* A home of its own under root (home, config, cache, data, state), with a
 * keyfile GSettings that restores endpoint as the last one (none when
 * NULL). */
gboolean     bench_app_prepare_home   (const char         *root,
                                       const char         *endpoint,
                                       GError            **error);
/* The environment for the app: renderer settings (GSK_RENDERER=cairo,
 * GDK_DEBUG=gl-disable), FALSTAFF_BENCH_FIRST_FRAME=1, FAL_KEY, the API at
 * server_url, no Secret Service, the keyfile GSettings, HOME and XDG_*
 * under root, GSETTINGS_SCHEMA_DIR when schema_dir is set. */
char       **bench_app_environ        (const char         *root,
                                       const char         *server_url,
                                       const char         *schema_dir);
/* `falctl schema ENDPOINT` with env: writes the schema cache the app
 * reads; then checks the files are there. */
gboolean     bench_app_warm_schema_cache (char           **env,
                                          const char      *root,
                                          const char      *falctl,
                                          const char      *endpoint,
                                          GError         **error);
/* The process id of the X server (Xvfb, Xorg) serving $DISPLAY, or 0:
 * with the cairo renderer every frame is drawn by it, so its CPU time
 * shows what a frame cost there (read it with bench_process_cpu()). */
int          bench_x_server_pid       (void);
/* rm -r */
gboolean     bench_remove_tree        (const char         *path);

typedef struct {
  double median, min, max;
} BenchSpread;

/* Median (mean of the middle two for an even count), min and max. */
BenchSpread  bench_spread             (const double       *values,
                                       guint               n);

G_END_DECLS
