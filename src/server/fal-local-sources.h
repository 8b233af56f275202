/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* g_timeout_add() and g_idle_add() attach to the global default context;
 * the server's timers must run on its own thread's context instead. */
static inline guint
fal_local_timeout_add_full (guint          interval_ms,
                            GSourceFunc    function,
                            gpointer       data,
                            GDestroyNotify notify)
{
  g_autoptr(GSource) source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, function, data, notify);
  return g_source_attach (source, g_main_context_get_thread_default ());
}

static inline guint
fal_local_timeout_add (guint       interval_ms,
                       GSourceFunc function,
                       gpointer    data)
{
  return fal_local_timeout_add_full (interval_ms, function, data, NULL);
}

static inline guint
fal_local_idle_add (GSourceFunc function,
                    gpointer    data)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_callback (source, function, data, NULL);
  return g_source_attach (source, g_main_context_get_thread_default ());
}

/* g_source_remove() looks in the global default context too. */
static inline void
fal_local_source_remove (guint id)
{
  GSource *source = g_main_context_find_source_by_id (g_main_context_get_thread_default (), id);

  if (source)
    g_source_destroy (source);
}

static inline void
fal_local_clear_source (guint *id)
{
  if (*id != 0)
    fal_local_source_remove (*id);
  *id = 0;
}

G_END_DECLS
