/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* After work that leaves megabytes freed behind (the history's rows, a
 * catalog page with its OpenAPI documents, both read on worker threads):
 * a second later, once the main loop is idle, glibc is asked to give the
 * free pages of its heaps back to the system (malloc_trim). Calls within
 * that second share one trim. Elsewhere than glibc, nothing. */
void falstaff_memory_trim_soon (void);

/* At the very start of main(), before any thread: two malloc arenas, not
 * eight a core. Worker threads (downloads, decodes, the history's
 * database, JSON parsing) each got an arena of their own, ~0.5 MiB
 * resident each, their freed pages held apart. MALLOC_ARENA_MAX in the
 * environment still wins. */
void falstaff_memory_init      (void);

G_END_DECLS
