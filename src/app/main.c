/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <glib/gi18n.h>

#include "falstaff-application.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(FalstaffApplication) app = NULL;

#ifdef __GLIBC__
  /* Two malloc arenas, not eight a core: worker threads (downloads,
   * decodes, the history's database, JSON parsing) each got an arena of
   * their own, ~0.5 MiB resident each and their freed pages held apart.
   * Before any thread; MALLOC_ARENA_MAX still wins. */
  if (g_getenv ("MALLOC_ARENA_MAX") == NULL)
    mallopt (M_ARENA_MAX, 2);
#endif
  /* gtk_init () (in the application's startup) calls setlocale (LC_ALL,
   * ""); the domain is bound before any text is looked up. */
  falstaff_application_bind_text_domain ();

  app = falstaff_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
