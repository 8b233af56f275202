/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falctl"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "falctl-common.h"

/* falctl models and falctl price: fal's catalog and prices (the Platform
 * API), for a terminal or, with --json, for a script. */

/* ------------------------------------------------------------------ models */

typedef struct {
  gboolean done;
  FalCatalogPage *page;
  GError *error;
} PageWait;

static void
page_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  PageWait *wait = data;

  wait->page = fal_catalog_search_finish (FAL_CATALOG (source), result, &wait->error);
  wait->done = TRUE;
}

/* The key is optional for the catalog (it raises rate limits): the one
 * from the environment or the Secret Service when there is one, else
 * none. */
static FalClient *
catalog_client_new (void)
{
  g_autoptr(GError) error = NULL;
  FalClient *client = falctl_client_new (&error);

  return client ? client : fal_client_new ();
}

/* Pads with spaces to width characters (not bytes: names may be UTF-8). */
static void
print_padded (GString    *line,
              const char *text,
              glong       width)
{
  glong length = g_utf8_strlen (text, -1);

  g_string_append (line, text);
  for (glong i = length; i < width; i++)
    g_string_append_c (line, ' ');
}

static void
print_models (GPtrArray *models)
{
  glong id_width = 0, name_width = 0;

  for (guint i = 0; i < models->len; i++)
    {
      FalModel *model = g_ptr_array_index (models, i);

      id_width = MAX (id_width, g_utf8_strlen (fal_model_get_endpoint_id (model), -1));
      name_width = MAX (name_width, g_utf8_strlen (fal_model_get_display_name (model), -1));
    }

  for (guint i = 0; i < models->len; i++)
    {
      FalModel *model = g_ptr_array_index (models, i);
      const char *category = fal_model_get_category (model);
      g_autoptr(GString) line = g_string_new (NULL);

      print_padded (line, fal_model_get_endpoint_id (model), id_width + 2);
      if (category)
        {
          print_padded (line, fal_model_get_display_name (model), name_width + 2);
          g_string_append_printf (line, "[%s]", category);
        }
      else
        g_string_append (line, fal_model_get_display_name (model));
      if (fal_model_is_deprecated (model))
        g_string_append (line, " (deprecated)");
      printf ("%s\n", line->str);
    }
  fflush (stdout);
}

static void
print_models_json (GPtrArray *models)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < models->len; i++)
    json_array_add_object_element (array, fal_model_to_json (g_ptr_array_index (models, i)));
  json_node_take_array (node, array);
  falctl_print_json (node, TRUE);
}

int
falctl_models (int    argc,
               char **argv)
{
  g_autofree char *category = NULL;
  g_autofree char *status = NULL;
  int limit = 0;
  double timeout = 0;
  gboolean all = FALSE;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "category", 'c', 0, G_OPTION_ARG_STRING, &category, "Only models of this category (text-to-image, image-to-video, …)", "C" },
    { "status", 0, 0, G_OPTION_ARG_STRING, &status, "Only active or only deprecated models", "active|deprecated" },
    { "limit", 'n', 0, G_OPTION_ARG_INT, &limit, "Models a page (default 50)", "N" },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Follow the pages to the end", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print the models as a JSON array", NULL },
    FALCTL_TIMEOUT_OPTION (&timeout),
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("[QUERY…] - list fal's models");
  g_autoptr(GError) error = NULL;
  g_autoptr(FalClient) client = NULL;
  g_autoptr(FalCatalog) catalog = NULL;
  g_autoptr(GPtrArray) models = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *query_text = NULL;
  g_autofree char *cursor = NULL;
  FalCatalogQuery query = { 0 };
  gboolean more = FALSE;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
                                    "Prints one line per model: its endpoint id, name and category. Without\n"
                                    "--all only the first page is listed. No key is needed; one is sent when\n"
                                    "there is one.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "falctl models: %s\n", error->message);
      return FALCTL_EXIT_USAGE;
    }
  if (limit < 0 || timeout < 0)
    {
      fprintf (stderr, "falctl models: --limit and --timeout take positive numbers\n");
      return FALCTL_EXIT_USAGE;
    }
  falctl_give_up_after ("models", timeout);
  if (status && !g_str_equal (status, "active") && !g_str_equal (status, "deprecated"))
    {
      fprintf (stderr, "falctl models: --status must be active or deprecated, not '%s'\n", status);
      return FALCTL_EXIT_USAGE;
    }

  query_text = argc > 1 ? g_strjoinv (" ", argv + 1) : NULL;
  query.query = query_text;
  query.category = category;
  query.status = status == NULL ? FAL_MODEL_STATUS_ANY :
                 g_str_equal (status, "active") ? FAL_MODEL_STATUS_ACTIVE : FAL_MODEL_STATUS_DEPRECATED;
  query.limit = limit;

  client = catalog_client_new ();
  catalog = fal_catalog_new (client);
  do
    {
      PageWait wait = { 0 };
      g_autoptr(FalCatalogPage) page = NULL;
      GPtrArray *found;

      fal_catalog_search_async (catalog, &query, cursor, NULL, page_cb, &wait);
      falctl_wait (&wait.done);
      if (wait.error)
        {
          g_autoptr(GError) failed = wait.error;

          falctl_print_error ("models", failed);
          return falctl_exit_code_for (failed);
        }
      page = wait.page;
      found = fal_catalog_page_get_models (page);
      for (guint i = 0; i < found->len; i++)
        g_ptr_array_add (models, g_object_ref (g_ptr_array_index (found, i)));
      g_clear_pointer (&cursor, g_free);
      more = fal_catalog_page_get_has_more (page);
      if (more)
        cursor = g_strdup (fal_catalog_page_get_next_cursor (page));
    }
  while (all && cursor);

  if (json)
    print_models_json (models);
  else
    print_models (models);
  if (more && !all)
    fprintf (stderr, "%u models shown, more match: use --all to list them all\n", models->len);
  return FALCTL_EXIT_OK;
}

/* ------------------------------------------------------------------ price */

typedef struct {
  gboolean done;
  GPtrArray *prices;
  double total;
  char *currency;
  GError *error;
} PriceWait;

static void
prices_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  PriceWait *wait = data;

  wait->prices = fal_pricing_get_prices_finish (FAL_PRICING (source), result, &wait->error);
  wait->done = TRUE;
}

static void
estimate_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  PriceWait *wait = data;

  fal_pricing_estimate_finish (FAL_PRICING (source), result, &wait->total, &wait->currency, &wait->error);
  wait->done = TRUE;
}

/* quantity of every endpoint; the total, or -1 with the error printed
 * and *code set. */
static double
estimate (FalPricing          *pricing,
          FalEstimateType      type,
          const char * const  *ids,
          double               quantity,
          char               **currency,
          int                 *code)
{
  g_autofree double *quantities = g_new (double, g_strv_length ((char **) ids) + 1);
  PriceWait wait = { 0 };

  for (guint i = 0; ids[i]; i++)
    quantities[i] = quantity;
  fal_pricing_estimate_async (pricing, type, ids, quantities, NULL, estimate_cb, &wait);
  falctl_wait (&wait.done);
  if (wait.error)
    {
      falctl_print_error ("price", wait.error);
      *code = falctl_exit_code_for (wait.error);
      g_clear_error (&wait.error);
      return -1;
    }
  *currency = wait.currency;
  return wait.total;
}

static JsonObject *
price_to_json (const FalPrice *price)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "endpoint_id", price->endpoint_id);
  json_object_set_double_member (object, "unit_price", price->unit_price);
  json_object_set_string_member (object, "unit", price->unit);
  json_object_set_string_member (object, "currency", price->currency);
  return object;
}

static JsonObject *
estimate_to_json (const char *type,
                  double      quantity,
                  double      total,
                  const char *currency)
{
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "estimate_type", type);
  json_object_set_double_member (object, "quantity", quantity);
  json_object_set_double_member (object, "total_cost", total);
  json_object_set_string_member (object, "currency", currency);
  return object;
}

/* "10 megapixels of fal-ai/flux/dev + 10 images of fal-ai/fast-sdxl" */
static char *
describe_units (GPtrArray *prices,
                double     quantity)
{
  g_autoptr(GString) text = g_string_new (NULL);
  char number[G_ASCII_DTOSTR_BUF_SIZE];

  g_ascii_formatd (number, sizeof number, "%g", quantity);
  for (guint i = 0; i < prices->len; i++)
    {
      const FalPrice *price = g_ptr_array_index (prices, i);
      g_autofree char *unit = fal_price_describe_unit (price, quantity);

      g_string_append_printf (text, "%s%s %s of %s", i ? " + " : "", number, unit, price->endpoint_id);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

int
falctl_price (int    argc,
              char **argv)
{
  double units = -1;
  double calls = -1;
  double timeout = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "estimate", 'e', 0, G_OPTION_ARG_DOUBLE, &units, "Also estimate the cost of N units of each endpoint", "N" },
    { "calls", 0, 0, G_OPTION_ARG_DOUBLE, &calls, "Also estimate the cost of N calls of each endpoint, priced as past calls were", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print prices and estimates as JSON", NULL },
    FALCTL_TIMEOUT_OPTION (&timeout),
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("ENDPOINT… - print what endpoints cost");
  g_autoptr(GError) error = NULL;
  g_autoptr(FalClient) client = NULL;
  g_autoptr(FalPricing) pricing = NULL;
  g_autoptr(GPtrArray) found = g_ptr_array_new ();
  g_autoptr(GPtrArray) found_ids = g_ptr_array_new ();
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonArray *prices_json = json_array_new ();
  JsonArray *estimates_json = json_array_new ();
  PriceWait wait = { 0 };
  glong id_width = 0;
  int code = FALCTL_EXIT_OK;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
                                    "Prints each endpoint's price per unit (image, megapixel, second of video,\n"
                                    "…). An endpoint without a price is named on stderr (exit 6). A key is\n"
                                    "required.");
  json_object_set_array_member (answer, "prices", prices_json);
  json_object_set_array_member (answer, "estimates", estimates_json);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "falctl price: %s\n", error->message);
      return FALCTL_EXIT_USAGE;
    }
  if (argc < 2 || timeout < 0)
    {
      fprintf (stderr, "falctl price: give one or more ENDPOINTs (and a --timeout of 0 or more)\n");
      return FALCTL_EXIT_USAGE;
    }
  if ((units != -1 && units < 0) || (calls != -1 && calls < 0))
    {
      fprintf (stderr, "falctl price: --estimate and --calls need a number ≥ 0\n");
      return FALCTL_EXIT_USAGE;
    }
  falctl_give_up_after ("price", timeout);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(FalEndpointId) id = fal_endpoint_id_parse (argv[i], &error);

      if (id == NULL)
        {
          falctl_print_error ("price", error);
          return falctl_exit_code_for (error);
        }
    }

  client = falctl_client_new (&error);
  if (client == NULL)
    {
      falctl_print_error ("price", error);
      return falctl_exit_code_for (error);
    }
  pricing = fal_pricing_new (client);
  fal_pricing_get_prices_async (pricing, (const char * const *) argv + 1, NULL, prices_cb, &wait);
  falctl_wait (&wait.done);
  if (wait.error)
    {
      g_autoptr(GError) failed = wait.error;

      falctl_print_error ("price", failed);
      return falctl_exit_code_for (failed);
    }
  g_clear_pointer (&wait.prices, g_ptr_array_unref);

  /* In the order given, each once; the ones without a price said. */
  for (int i = 1; i < argc; i++)
    {
      const FalPrice *price = fal_pricing_lookup (pricing, argv[i]);

      if (price == NULL)
        {
          fprintf (stderr, "falctl price: no price for %s\n", argv[i]);
          code = FALCTL_EXIT_NOT_FOUND;
          continue;
        }
      if (g_ptr_array_find (found, price, NULL))
        continue;
      g_ptr_array_add (found, (gpointer) price);
      g_ptr_array_add (found_ids, price->endpoint_id);
      id_width = MAX (id_width, g_utf8_strlen (price->endpoint_id, -1));
    }
  g_ptr_array_add (found_ids, NULL);

  for (guint i = 0; i < found->len; i++)
    {
      const FalPrice *price = g_ptr_array_index (found, i);
      g_autofree char *words = fal_price_describe (price);
      g_autoptr(GString) line = g_string_new (NULL);

      json_array_add_object_element (prices_json, price_to_json (price));
      if (json)
        continue;
      print_padded (line, price->endpoint_id, id_width + 2);
      printf ("%s%s\n", line->str, words);
    }

  /* Estimates only over the endpoints that have a price: fal refuses the
   * whole estimate for one it does not know. */
  for (guint kind = 0; kind < 2 && found->len > 0; kind++)
    {
      FalEstimateType type = kind == 0 ? FAL_ESTIMATE_UNIT_PRICE : FAL_ESTIMATE_HISTORICAL_API;
      double quantity = kind == 0 ? units : calls;
      g_autofree char *currency = NULL;
      g_autofree char *money = NULL;
      g_autofree char *what = NULL;
      char number[G_ASCII_DTOSTR_BUF_SIZE];
      double total;
      int failed = FALCTL_EXIT_OK;

      if (quantity < 0)
        continue;
      total = estimate (pricing, type, (const char * const *) found_ids->pdata, quantity, &currency, &failed);
      if (total < 0)
        {
          code = failed;
          continue;
        }
      json_array_add_object_element (estimates_json,
                                     estimate_to_json (kind == 0 ? "unit_price" : "historical_api_price",
                                                       quantity, total, currency));
      if (json)
        continue;
      money = fal_format_money (total, currency);
      g_ascii_formatd (number, sizeof number, "%g", quantity);
      if (kind == 0)
        what = describe_units (found, quantity);
      else
        {
          g_autofree char *joined = g_strjoinv (", ", (char **) found_ids->pdata);

          what = g_strdup_printf ("%s %s of %s", number, quantity == 1 ? "call" : "calls", joined);
        }
      printf ("Estimate: %s ≈ %s%s\n", what, money, kind == 0 ? "" : " (priced as past calls)");
    }

  if (json)
    {
      g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

      json_node_set_object (node, answer);
      falctl_print_json (node, TRUE);
    }
  fflush (stdout);
  return code;
}
