/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <malloc.h>
#include <string.h>

#include "falstaff-form-view.h"
#include "studio-fixture.h"
#include "ui-test-utils.h"

/* The soak (issue 14), and what it found: memory held for good by the
 * window. docs/reliability.md "Soak" says what is measured, and why so. */

/* ------------------------------------------------------------------ measures */

static guint64
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  line = strstr (status, "\nVmRSS:");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
}

typedef struct {
  guint total;
  guint sockets;
  guint other;          /* pipes, files, eventfds (and the listing's own) */
} Fds;

static void
count_fds (Fds *fds)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  memset (fds, 0, sizeof *fds);
  while ((name = g_dir_read_name (dir)))
    {
      g_autofree char *path = g_build_filename ("/proc/self/fd", name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      fds->total++;
      if (target && g_str_has_prefix (target, "socket:"))
        fds->sockets++;
      else
        fds->other++;
    }
}

/* Runs the main context until the number of open descriptors has stayed
 * the same for 500 ms (connections closing, children reaped); at most
 * 10 s. */
static void
settle (void)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  Fds last;

  count_fds (&last);
  while (g_get_monotonic_time () < deadline)
    {
      gint64 until = g_get_monotonic_time () + 500 * 1000;
      Fds now;

      while (g_get_monotonic_time () < until)
        if (!g_main_context_iteration (NULL, FALSE))
          g_usleep (5000);
      count_fds (&now);
      if (now.total == last.total)
        break;
      last = now;
    }
}

typedef struct {
  guint64 rss;          /* KiB */
  gsize heap;           /* bytes malloc has handed out and not had back */
  Fds fds;
} Mark;

static void
mark (Mark       *m,
      const char *when)
{
  struct mallinfo2 info;

  settle ();
  count_fds (&m->fds);
  /* What malloc holds free goes back to the system first, the same at
   * every mark: RSS is then what is in use, with its fragmentation. */
  malloc_trim (0);
  info = mallinfo2 ();
  m->heap = info.uordblks + info.hblkhd;
  m->rss = rss_kib ();
  g_test_message ("%s: VmRSS %" G_GUINT64_FORMAT " KiB, heap in use %zu KiB, fds %u (%u sockets, %u other)",
                  when, m->rss, m->heap / 1024, m->fds.total, m->fds.sockets, m->fds.other);
}

/* ------------------------------------------------------------------ the window */

/* Normal runs: nine in a row on one of these, in turn. The window streams
 * where the endpoint has a /stream and the person did not say otherwise. */
typedef struct {
  const char *query;    /* typed into the picker */
  const char *endpoint_id;
  const char *mode;
} AppEndpoint;

static const AppEndpoint app_endpoints[] = {
  { "fast-sdxl", "fal-ai/fast-sdxl", "queue" },
  { "any-llm", "fal-ai/any-llm", "stream" },
  { "flux/schnell", "fal-ai/flux/schnell", "stream" },
};

static gboolean
form_is (gpointer data)
{
  void **args = data;

  return form_ready (args[0]) && g_strcmp0 (_falstaff_window_get_endpoint_id (args[0]), args[1]) == 0 &&
         g_strcmp0 (fal_form_model_get_endpoint_id (form_model (args[2])), args[1]) == 0;
}

/* The picker, as a person uses it (its search, then Enter), and the form
 * of that endpoint. */
static void
pick (Studio     *studio,
      const char *query,
      const char *endpoint_id)
{
  void *args[3] = { studio->window, (gpointer) endpoint_id, studio };

  pick_endpoint (studio, query);
  g_assert_true (falstaff_test_wait_until (form_is, args, 10000));
}

/* ------------------------------------------------------------------ endpoint switches */

/* Switching endpoints back and forth holds on to nothing: the form of
 * each is freed with it. (Every switch leaked the form's empty groups,
 * some 15 to 25 KiB each, until the form view made them only with a
 * model.) */
static void
test_soak_endpoint_switches (void)
{
  g_autoptr(Studio) studio = studio_new ();
  const AppEndpoint *endpoints = app_endpoints;
  Mark before, after;
  guint n = 60;

  start_demo (studio);
  for (guint i = 0; i < 10; i++)
    pick (studio, endpoints[i % 2].query, endpoints[i % 2].endpoint_id);
  mark (&before, "endpoint switches, after 10");
  for (guint i = 0; i < n; i++)
    pick (studio, endpoints[i % 2].query, endpoints[i % 2].endpoint_id);
  mark (&after, "endpoint switches, after 70");
  g_test_message ("endpoint switches: heap in use %+.1f KiB a switch",
                  ((double) after.heap - before.heap) / 1024 / n);
  g_assert_cmpfloat ((double) after.heap - before.heap, <=, n * 4 * 1024.0);
}

int
main (int    argc,
      char **argv)
{
  int status;

  /* Buffers of 1 MiB and more are mapped and unmapped each time. By
   * default glibc raises that threshold to the largest buffer freed so
   * far (a 4 MiB image), and each thread's arena then keeps one freed at
   * its top: RSS grows with the threads that ever decoded an image,
   * which says nothing about what the code holds (see the doc). */
  mallopt (M_MMAP_THRESHOLD, 1024 * 1024);
  studio_fixture_init (&argc, &argv);

  g_test_add_func ("/soak/endpoint-switches", test_soak_endpoint_switches);

  status = g_test_run ();
  studio_fixture_shutdown ();
  return status;
}
