/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "falstaff-memory.h"

#define TRIM_DELAY_MS 1000

static guint trim_source;

static gboolean
trim_cb (gpointer data)
{
  trim_source = 0;
#ifdef __GLIBC__
  /* Free pages in the middle of a heap stay resident until asked: the
   * arenas of worker threads above all, whose rows and documents were
   * freed on the main thread. */
  malloc_trim (0);
#endif
  return G_SOURCE_REMOVE;
}

void
falstaff_memory_init (void)
{
#ifdef __GLIBC__
  if (g_getenv ("MALLOC_ARENA_MAX") == NULL)
    mallopt (M_ARENA_MAX, 2);
#endif
}

void
falstaff_memory_trim_soon (void)
{
  if (trim_source != 0)
    g_source_remove (trim_source);
  trim_source = g_timeout_add_full (G_PRIORITY_LOW, TRIM_DELAY_MS, trim_cb, NULL, NULL);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, trim_source), "[falstaff] heap trim");
}
