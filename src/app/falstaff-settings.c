/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "falstaff-paths.h"
#include "falstaff-settings.h"

#define COMPILED_SCHEMA_RESOURCE "/io/github/falstaff/Falstaff/schema/gschemas.compiled"

static GSettingsSchema *fallback_schema;
static gboolean is_volatile;

/* GSettingsSchemaSource reads only from a directory: the embedded copy
 * goes to a private temporary one, which is removed at once (the source
 * keeps the file mapped). */
static GSettingsSchema *
load_embedded_schema (GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GSettingsSchemaSource) source = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  GSettingsSchema *schema;

  bytes = g_resources_lookup_data (COMPILED_SCHEMA_RESOURCE, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
  if (bytes == NULL)
    return NULL;
  dir = g_dir_make_tmp ("falstaff-schema-XXXXXX", error);
  if (dir == NULL)
    return NULL;
  path = g_build_filename (dir, "gschemas.compiled", NULL);
  if (g_file_set_contents (path, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), error))
    source = g_settings_schema_source_new_from_directory (dir, NULL, FALSE, error);
  g_unlink (path);
  g_rmdir (dir);
  if (source == NULL)
    return NULL;
  schema = g_settings_schema_source_lookup (source, SCHEMA_ID, FALSE);
  if (schema == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "the embedded schema has no %s", SCHEMA_ID);
  return schema;
}

GSettings *
falstaff_settings_new (void)
{
  GSettingsSchemaSource *installed = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchemaSource) own = NULL;
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;
  const char *datadir = falstaff_paths_get_installed_datadir ();

  /* The schema installed with this executable comes first: its prefix
   * may be none of the XDG data directories (falstaff-paths.c). */
  if (datadir)
    {
      g_autofree char *dir = g_build_filename (datadir, "glib-2.0", "schemas", NULL);

      own = g_settings_schema_source_new_from_directory (dir, installed, TRUE, NULL);
    }
  if (own)
    schema = g_settings_schema_source_lookup (own, SCHEMA_ID, TRUE);
  else if (installed)
    schema = g_settings_schema_source_lookup (installed, SCHEMA_ID, TRUE);
  if (schema)
    {
      is_volatile = FALSE;
      return g_settings_new_full (schema, NULL, NULL);
    }

  if (fallback_schema == NULL)
    {
      g_autoptr(GError) error = NULL;

      /* Plain words on stderr, not a warning: tests make warnings fatal. */
      fprintf (stderr,
               "Falstaff: the settings schema %s is not installed, so settings will not be kept after "
               "this run. Start Falstaff with build-aux/dev.sh run (or `meson devenv`), or install it.\n",
               SCHEMA_ID);
      fallback_schema = load_embedded_schema (&error);
      if (fallback_schema == NULL)
        g_error ("The settings schema compiled into Falstaff could not be read: %s", error->message);
    }
  is_volatile = TRUE;
  backend = g_memory_settings_backend_new ();
  return g_settings_new_full (fallback_schema, backend, NULL);
}

gboolean
falstaff_settings_are_volatile (void)
{
  return is_volatile;
}
