/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <stdio.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "falstaff-paths.h"
#include "falstaff-settings.h"

#define COMPILED_SCHEMA_RESOURCE "/io/github/falstaff/Falstaff/schema/gschemas.compiled"

static GSettingsSchema *fallback_schema;
static GSettingsBackend *fallback_backend;
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
               _("Falstaff: the settings schema %s is not installed, so settings will not be kept after "
                 "this run. Start Falstaff with build-aux/dev.sh run (or `meson devenv`), or install it.\n"),
               SCHEMA_ID);
      fallback_schema = load_embedded_schema (&error);
      if (fallback_schema == NULL)
        g_error ("The settings schema compiled into Falstaff could not be read: %s", error->message);
    }
  is_volatile = TRUE;
  /* One backend for the process: what the preferences change reaches
   * the windows' settings too. */
  if (fallback_backend == NULL)
    fallback_backend = g_memory_settings_backend_new ();
  return g_settings_new_full (fallback_schema, fallback_backend, NULL);
}

gboolean
falstaff_settings_are_volatile (void)
{
  return is_volatile;
}

/* ------------------------------------------------------------------ runs */

static const struct {
  const char *choice;
  guint seconds;
} lifetimes[] = {
  /* The presets of fal's own JS client. */
  { "1h", 3600 },
  { "1d", 86400 },
  { "7d", 604800 },
  { "30d", 2592000 },
  { "1y", 31536000 },
};

guint
falstaff_settings_lifetime_seconds (const char *choice)
{
  for (guint i = 0; i < G_N_ELEMENTS (lifetimes); i++)
    if (g_strcmp0 (choice, lifetimes[i].choice) == 0)
      return lifetimes[i].seconds;
  return 0;
}

FalstaffCallOptions *
falstaff_settings_get_call_options (GSettings *settings)
{
  FalstaffCallOptions *self = g_new0 (FalstaffCallOptions, 1);
  g_autofree char *priority = g_settings_get_string (settings, "queue-priority");
  g_autofree char *lifetime = g_settings_get_string (settings, "output-lifetime");
  guint timeout = g_settings_get_uint (settings, "start-timeout");
  guint seconds = falstaff_settings_lifetime_seconds (lifetime);

  self->options.low_priority = g_strcmp0 (priority, "low") == 0;
  /* fal refuses 1 s or less: none rather than a refused run. */
  self->options.start_timeout = timeout > 1 ? timeout : 0;
  if (seconds > 0)
    {
      self->headers[0] = g_strdup ("X-Fal-Object-Lifecycle-Preference");
      self->headers[1] = g_strdup_printf ("{\"expiration_duration_seconds\": %u}", seconds);
      self->options.headers = (const char * const *) self->headers;
    }
  return self;
}

void
falstaff_call_options_free (FalstaffCallOptions *options)
{
  if (options == NULL)
    return;
  g_free (options->headers[0]);
  g_free (options->headers[1]);
  g_free (options);
}

char *
falstaff_settings_get_save_folder (GSettings *settings)
{
  g_autofree char *chosen = g_settings_get_string (settings, "save-folder");
  const char *pictures = g_get_user_special_dir (G_USER_DIRECTORY_PICTURES);

  if (*chosen && g_path_is_absolute (chosen) && g_file_test (chosen, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&chosen);
  if (pictures && g_file_test (pictures, G_FILE_TEST_IS_DIR))
    return g_strdup (pictures);
  return NULL;
}

/* ------------------------------------------------------------------ hosts */

const char *
falstaff_settings_host_override (const char *key)
{
  static const struct {
    const char *key;
    const char *variable;
  } variables[] = {
    { "queue-url", "FALSTAFF_QUEUE_URL" },
    { "run-url", "FALSTAFF_RUN_URL" },
    { "rest-url", "FALSTAFF_REST_URL" },
    { "api-url", "FALSTAFF_API_URL" },
    { "web-url", "FALSTAFF_WEB_URL" },
    { "proxy-url", "FALSTAFF_PROXY_URL" },
  };
  const char *value;

  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    {
      if (!g_str_equal (key, variables[i].key))
        continue;
      if ((value = g_getenv (variables[i].variable)) && *value)
        return variables[i].variable;
      /* One local server for all five bases (fal_client_new()). */
      if (!g_str_equal (key, "proxy-url") && (value = g_getenv ("FALSTAFF_LOCAL_URL")) && *value)
        return "FALSTAFF_LOCAL_URL";
      return NULL;
    }
  g_return_val_if_reached (NULL);
}

gboolean
falstaff_settings_host_is_valid (const char *url)
{
  g_autoptr(GUri) uri = NULL;

  if (url == NULL || *url == '\0')
    return TRUE;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  return uri != NULL && g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' &&
         fal_uri_is_secure (uri);
}
