/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-application.h"
#include "falstaff-paths.h"

int
main (int    argc,
      char **argv)
{
  g_autoptr(FalstaffApplication) app = NULL;

  bindtextdomain (GETTEXT_PACKAGE, falstaff_paths_get_localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = falstaff_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
