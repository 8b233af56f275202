/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include "falstaff-paths.h"

/* An installed Falstaff finds its data beside its own executable, the way
 * it was laid out under the prefix (bindir/../share), rather than only at
 * the prefix it was configured for: an install staged with DESTDIR, or a
 * prefix copied elsewhere, still has its settings schema, translations
 * and icons. The data counts as ours only when our schema is there, so a
 * binary started from the build tree (or copied alone into ~/bin) keeps to
 * the configured paths. */

char *
falstaff_paths_beside_executable (const char *relative)
{
  g_autofree char *exe = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;

  if (relative[0] == '\0')
    return NULL;
  exe = g_file_read_link ("/proc/self/exe", NULL);
  if (exe == NULL)
    return NULL;
  dir = g_path_get_dirname (exe);
  path = g_build_filename (dir, relative, NULL);
  return g_canonicalize_filename (path, NULL);
}

/**
 * falstaff_paths_get_installed_datadir:
 *
 * Returns: (nullable): the data directory of the install this executable
 *   belongs to (holding glib-2.0/schemas, icons, locale), or %NULL when
 *   it runs from somewhere else, such as the build tree
 */
const char *
falstaff_paths_get_installed_datadir (void)
{
  static char *datadir;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      g_autofree char *dir = falstaff_paths_beside_executable (BINDIR_TO_DATADIR);
      g_autofree char *schema_file = NULL;

      if (dir)
        schema_file = g_build_filename (dir, "glib-2.0", "schemas", SCHEMA_ID ".gschema.xml", NULL);
      if (schema_file && g_file_test (schema_file, G_FILE_TEST_IS_REGULAR))
        datadir = g_steal_pointer (&dir);
      g_once_init_leave (&initialized, 1);
    }
  return datadir;
}

/**
 * falstaff_paths_get_localedir:
 *
 * Returns: the directory of the translations: the install's own when
 *   the executable is installed, else the configured one
 */
const char *
falstaff_paths_get_localedir (void)
{
  static char *localedir;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      if (falstaff_paths_get_installed_datadir () != NULL)
        localedir = falstaff_paths_beside_executable (BINDIR_TO_LOCALEDIR);
      if (localedir == NULL)
        localedir = g_strdup (LOCALEDIR);
      g_once_init_leave (&initialized, 1);
    }
  return localedir;
}
