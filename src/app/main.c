/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-application.h"
#include "falstaff-memory.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(FalstaffApplication) app = NULL;

  falstaff_memory_init ();
  /* gtk_init () (in the application's startup) calls setlocale (LC_ALL,
   * ""); the domain is bound before any text is looked up. */
  falstaff_application_bind_text_domain ();

  app = falstaff_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
