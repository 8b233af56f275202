/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falctl"

#include "config.h"

#include <stdio.h>

#include "falctl-common.h"
#include "fal-form-model.h"
#include "fal-schema-cache.h"

typedef struct {
  gboolean done;
  JsonNode *document;
  FalSchemaSource source;
  GError *error;
} SchemaFetch;

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  SchemaFetch *fetch = data;

  fetch->document = fal_client_fetch_schema_finish (FAL_CLIENT (source), result, &fetch->source, &fetch->error);
  fetch->done = TRUE;
}

/* The endpoint's OpenAPI document through the cache; says on stderr when
 * the cached copy stands in for fal.ai. */
static JsonNode *
fetch_document (FalClient   *client,
                const char  *endpoint_id,
                const char  *command,
                GError     **error)
{
  SchemaFetch fetch = { 0 };

  fal_client_fetch_schema_async (client, endpoint_id, NULL, fetched_cb, &fetch);
  falctl_wait (&fetch.done);
  if (fetch.error)
    {
      g_propagate_error (error, fetch.error);
      return NULL;
    }
  if (fetch.source == FAL_SCHEMA_SOURCE_CACHED_OFFLINE)
    fprintf (stderr, "falctl %s: fal.ai did not answer; using the cached schema of %s\n", command, endpoint_id);
  return fetch.document;
}

/* For falctl run: the endpoint's form model, or NULL (with a note on
 * stderr) when its schema cannot be had; run then types -i values as
 * plain JSON literals. Schemas need no key: any client will do. */
FalFormModel *
falctl_schema_load_model (FalClient  *client,
                          const char *endpoint_id)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) document = fetch_document (client, endpoint_id, "run", &error);
  FalFormModel *model;

  if (document == NULL)
    {
      fprintf (stderr, "falctl run: no schema for %s (%s); inputs are typed as JSON literals\n",
               endpoint_id, error->message);
      return NULL;
    }
  model = fal_form_model_new_from_openapi (document, endpoint_id, &error);
  if (model == NULL)
    fprintf (stderr, "falctl run: the schema of %s is unusable (%s); inputs are typed as JSON literals\n",
             endpoint_id, error->message);
  return model;
}

int
falctl_schema (int    argc,
               char **argv)
{
  gboolean raw = FALSE;
  double timeout = 0;
  GOptionEntry entries[] = {
    { "openapi", 0, 0, G_OPTION_ARG_NONE, &raw, "Print the endpoint's OpenAPI document instead of the form", NULL },
    FALCTL_TIMEOUT_OPTION (&timeout),
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("ENDPOINT - print an endpoint's input form as JSON");
  g_autoptr(GError) error = NULL;
  g_autoptr(FalClient) client = NULL;
  g_autoptr(JsonNode) document = NULL;
  g_autoptr(FalFormModel) model = NULL;
  g_autoptr(JsonNode) description = NULL;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
                                    "The form lists each input in display order with its kind, default, bounds,\n"
                                    "enum values, whether it is required, nullable or advanced. Schemas are\n"
                                    "cached under $XDG_CACHE_HOME/falstaff/schemas and revalidated each time;\n"
                                    "the cached copy is used when fal.ai cannot be reached. No key is needed.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "falctl schema: %s\n", error->message);
      return FALCTL_EXIT_USAGE;
    }
  if (argc != 2 || timeout < 0)
    {
      fprintf (stderr, "falctl schema: give one ENDPOINT (and a --timeout of 0 or more)\n");
      return FALCTL_EXIT_USAGE;
    }
  falctl_give_up_after ("schema", timeout);

  /* The web base never gets the key, so none is looked up. */
  client = fal_client_new ();
  document = fetch_document (client, argv[1], "schema", &error);
  if (document == NULL)
    {
      falctl_print_error ("schema", error);
      return falctl_exit_code_for (error);
    }
  if (raw)
    {
      falctl_print_json (document, TRUE);
      return FALCTL_EXIT_OK;
    }

  model = fal_form_model_new_from_openapi (document, argv[1], &error);
  if (model == NULL)
    {
      falctl_print_error ("schema", error);
      return falctl_exit_code_for (error);
    }
  description = fal_form_model_to_json (model);
  falctl_print_json (description, TRUE);
  return FALCTL_EXIT_OK;
}
