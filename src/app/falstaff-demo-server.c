/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <gmodule.h>

#include "falstaff-demo-server.h"
#include "falstaff-paths.h"

#define MODULE_NAME "falstaff-demo-server." G_MODULE_SUFFIX

/* The server's own functions (src/server/fal-local-server.h), by their
 * GObject base: this file never includes the server's headers, so that
 * the app links none of it. */
typedef GObject    *(*NewFunc)    (void);
typedef gboolean    (*StartFunc)  (GObject *server, GError **error);
typedef void        (*StopFunc)   (GObject *server);
typedef const char *(*GetUrlFunc) (GObject *server);

typedef struct {
  NewFunc new_server;
  StartFunc start;
  StopFunc stop;
  GetUrlFunc get_url;
  char *error;          /* why there is none */
} Api;

/* Weak: defined only in programs that link the server (the tests, the
 * benches), NULL in the app. */
extern gpointer fal_local_server_new (void) __attribute__ ((weak));
extern gboolean fal_local_server_start (gpointer server, GError **error) __attribute__ ((weak));
extern void fal_local_server_stop (gpointer server) __attribute__ ((weak));
extern const char *fal_local_server_get_url (gpointer server) __attribute__ ((weak));

static GPtrArray *
candidate_paths (void)
{
  GPtrArray *paths = g_ptr_array_new_with_free_func (g_free);
  const char *env = g_getenv ("FALSTAFF_DEMO_MODULE");
  g_autofree char *installed = NULL;

  if (env && *env)
    g_ptr_array_add (paths, g_strdup (env));
  g_ptr_array_add (paths, falstaff_paths_beside_executable (MODULE_NAME));
  if (BINDIR_TO_LIBDIR[0] != '\0')
    {
      installed = g_build_filename (BINDIR_TO_LIBDIR, "falstaff", MODULE_NAME, NULL);
      g_ptr_array_add (paths, falstaff_paths_beside_executable (installed));
    }
  g_ptr_array_add (paths, g_build_filename (LIBDIR, "falstaff", MODULE_NAME, NULL));
  g_ptr_array_remove (paths, NULL);
  return paths;
}

static gboolean
load_module (Api *api)
{
  g_autoptr(GPtrArray) paths = candidate_paths ();
  g_autoptr(GString) tried = g_string_new (NULL);

  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = g_ptr_array_index (paths, i);
      GModule *module;

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_string_append_printf (tried, "%s%s", tried->len ? ", " : "", path);
          continue;
        }
      module = g_module_open (path, G_MODULE_BIND_LOCAL);
      if (module == NULL)
        {
          /* Translators: the file, then the dynamic loader's own words. */
          api->error = g_strdup_printf (_("Its module %s could not be loaded: %s"), path, g_module_error ());
          return FALSE;
        }
      if (!g_module_symbol (module, "fal_local_server_new", (gpointer *) &api->new_server) ||
          !g_module_symbol (module, "fal_local_server_start", (gpointer *) &api->start) ||
          !g_module_symbol (module, "fal_local_server_stop", (gpointer *) &api->stop) ||
          !g_module_symbol (module, "fal_local_server_get_url", (gpointer *) &api->get_url))
        {
          api->error = g_strdup_printf (_("Its module %s is not the demo server: %s"), path, g_module_error ());
          g_module_close (module);
          return FALSE;
        }
      /* Its GTypes live as long as the process. */
      g_module_make_resident (module);
      g_debug ("demo server from %s", path);
      return TRUE;
    }
  /* Translators: the paths looked at, separated by commas. */
  api->error = g_strdup_printf (_("Its module is not installed (looked for %s)."), tried->str);
  return FALSE;
}

static const Api *
get_api (void)
{
  static Api api;
  static gsize initialized;

  if (g_once_init_enter (&initialized))
    {
      if (fal_local_server_new != NULL)
        {
          api.new_server = (NewFunc) fal_local_server_new;
          api.start = (StartFunc) fal_local_server_start;
          api.stop = (StopFunc) fal_local_server_stop;
          api.get_url = (GetUrlFunc) fal_local_server_get_url;
        }
      else
        load_module (&api);
      g_once_init_leave (&initialized, 1);
    }
  return &api;
}

GObject *
falstaff_demo_server_start (double     speed,
                            gboolean   fixed_clock,
                            GError   **error)
{
  const Api *api = get_api ();
  g_autoptr(GObject) server = NULL;

  if (api->new_server == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, api->error);
      return NULL;
    }
  server = api->new_server ();
  if (speed > 0)
    g_object_set (server, "speed", speed, NULL);
  /* Screenshots: the same ids, times and inference times every run. */
  if (fixed_clock)
    g_object_set (server, "fixed-clock", TRUE, NULL);
  if (!api->start (server, error))
    return NULL;
  return g_steal_pointer (&server);
}

void
falstaff_demo_server_stop (GObject *server)
{
  g_return_if_fail (G_IS_OBJECT (server));
  get_api ()->stop (server);
}

const char *
falstaff_demo_server_get_url (GObject *server)
{
  g_return_val_if_fail (G_IS_OBJECT (server), NULL);
  return get_api ()->get_url (server);
}
