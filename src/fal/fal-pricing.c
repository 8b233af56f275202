/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <math.h>
#include <string.h>

#include "fal-client-private.h"
#include "fal-error.h"
#include "fal-json.h"
#include "fal-pricing.h"
#include "fal-i18n-private.h"

/* The pricing call takes at most this many ids. */
#define PRICE_BATCH 50

G_DEFINE_BOXED_TYPE (FalPrice, fal_price, fal_price_copy, fal_price_free)

FalPrice *
fal_price_copy (const FalPrice *price)
{
  FalPrice *copy = g_new0 (FalPrice, 1);

  copy->endpoint_id = g_strdup (price->endpoint_id);
  copy->unit_price = price->unit_price;
  copy->unit = g_strdup (price->unit);
  copy->currency = g_strdup (price->currency);
  return copy;
}

void
fal_price_free (FalPrice *price)
{
  if (price == NULL)
    return;
  g_free (price->endpoint_id);
  g_free (price->unit);
  g_free (price->currency);
  g_free (price);
}

/* ------------------------------------------------------------------ words */

char *
fal_format_money (double      amount,
                  const char *currency)
{
  int decimals = 2;
  char number[64];
  double magnitude = fabs (amount);
  g_autofree char *format = NULL;

  /* As many digits as the amount has (up to six), so that neither a price
   * below a cent ($0.0025) nor a total like $1.275 is rounded away. */
  if (magnitude > 0)
    while (decimals < 6 && fabs (amount - round (amount * pow (10, decimals)) / pow (10, decimals)) > magnitude * 1e-6)
      decimals++;
  format = g_strdup_printf ("%%.%df", decimals);
  g_ascii_formatd (number, sizeof number, format, amount);
  if (currency == NULL || g_ascii_strcasecmp (currency, "USD") == 0)
    return amount < 0 ? g_strdup_printf ("−$%s", number + 1) : g_strdup_printf ("$%s", number);
  if (g_ascii_strcasecmp (currency, "EUR") == 0)
    return g_strdup_printf ("€%s", number);
  if (g_ascii_strcasecmp (currency, "GBP") == 0)
    return g_strdup_printf ("£%s", number);
  return g_strdup_printf ("%s %s", number, currency);
}

char *
fal_format_quantity (double quantity)
{
  char text[G_ASCII_DTOSTR_BUF_SIZE];
  double rounded;

  /* Two decimals, or three significant digits below one: no 2.0999999. */
  rounded = fabs (quantity) >= 1 || quantity == 0 ? round (quantity * 100) / 100
                                                  : g_ascii_strtod (g_ascii_formatd (text, sizeof text, "%.3g", quantity), NULL);
  g_ascii_formatd (text, sizeof text, "%.6g", rounded);
  return g_strdup (text);
}

char *
fal_price_describe_unit (const FalPrice *price,
                         double          quantity)
{
  const char *unit = price && price->unit ? price->unit : "request";
  /* A quantity may be fractional ("2.5 seconds of video"): plural forms
   * are picked for the whole number it rounds to, 1 only when it is 1. */
  gulong n = fabs (quantity - 1.0) < 1e-9 ? 1 : quantity > 1 && quantity < 1e9 ? (gulong) ceil (quantity) : 2;

  if (g_str_equal (unit, "image") || g_str_equal (unit, "images"))
    return g_strdup (g_dngettext (GETTEXT_PACKAGE, "image", "images", n));
  if (g_str_equal (unit, "megapixels") || g_str_equal (unit, "megapixel"))
    return g_strdup (g_dngettext (GETTEXT_PACKAGE, "megapixel", "megapixels", n));
  if (g_str_equal (unit, "video_second") || g_str_equal (unit, "second") || g_str_equal (unit, "seconds"))
    return g_strdup (g_dngettext (GETTEXT_PACKAGE, "second of video", "seconds of video", n));
  if (g_str_equal (unit, "video") || g_str_equal (unit, "videos"))
    return g_strdup (g_dngettext (GETTEXT_PACKAGE, "video", "videos", n));
  if (g_str_equal (unit, "request") || g_str_equal (unit, "requests"))
    return g_strdup (g_dngettext (GETTEXT_PACKAGE, "request", "requests", n));
  if (g_str_equal (unit, "audio_minute") || g_str_equal (unit, "minute"))
    return g_strdup (g_dngettext (GETTEXT_PACKAGE, "minute of audio", "minutes of audio", n));
  /* Translators: a price unit: "$0.01 per 1,000 characters", "3 × 1,000 characters". */
  if (g_str_equal (unit, "1k_characters"))
    return g_strdup (n == 1 ? _("1,000 characters") : _("× 1,000 characters"));
  if (g_str_equal (unit, "gpu_second"))
    return g_strdup (g_dngettext (GETTEXT_PACKAGE, "GPU second", "GPU seconds", n));
  /* A unit fal added since: its own words, underscores as spaces. */
  return g_strdelimit (g_strdup (unit), "_", ' ');
}

char *
fal_price_describe (const FalPrice *price)
{
  g_autofree char *money = NULL;
  g_autofree char *unit = NULL;

  g_return_val_if_fail (price != NULL, NULL);
  money = fal_format_money (price->unit_price, price->currency);
  unit = fal_price_describe_unit (price, 1);
  return g_strdup_printf ("%s per %s", money, unit);
}

static double
number_member (JsonObject *input,
               const char *member,
               double      fallback)
{
  JsonNode *node = input ? json_object_get_member (input, member) : NULL;
  double value;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return fallback;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_INT64:
      return (double) json_node_get_int (node);
    case G_TYPE_DOUBLE:
      return json_node_get_double (node);
    case G_TYPE_STRING:
      {
        /* Video models take durations as strings: "5", "10s". */
        const char *text = json_node_get_string (node);
        char *end = NULL;

        value = g_ascii_strtod (text, &end);
        return end != text ? value : fallback;
      }
    default:
      return fallback;
    }
}

/* image_size: {"width","height"} or one of fal's named sizes. */
static double
megapixels_of (JsonObject *input)
{
  static const struct { const char *name; int width, height; } named[] = {
    { "square_hd", 1024, 1024 }, { "square", 512, 512 },
    { "portrait_4_3", 768, 1024 }, { "portrait_16_9", 576, 1024 },
    { "landscape_4_3", 1024, 768 }, { "landscape_16_9", 1024, 576 },
  };
  JsonNode *node = input ? json_object_get_member (input, "image_size") : NULL;

  if (node && JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *size = json_node_get_object (node);
      double width = number_member (size, "width", 0), height = number_member (size, "height", 0);

      if (width > 0 && height > 0)
        return width * height / 1e6;
    }
  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    for (guint i = 0; i < G_N_ELEMENTS (named); i++)
      if (g_str_equal (json_node_get_string (node), named[i].name))
        return named[i].width * named[i].height / 1e6;
  /* fal's default size: landscape 4:3. */
  return 1024 * 768 / 1e6;
}

double
fal_price_units_for_input (const FalPrice *price,
                           JsonObject     *input)
{
  const char *unit;
  double images;

  g_return_val_if_fail (price != NULL, 1);

  unit = price->unit ? price->unit : "request";
  images = MAX (1, number_member (input, "num_images", 1));
  if (g_str_equal (unit, "image") || g_str_equal (unit, "images"))
    return images;
  if (g_str_has_prefix (unit, "megapixel"))
    return images * megapixels_of (input);
  if (g_str_equal (unit, "video_second") || g_str_equal (unit, "second") || g_str_equal (unit, "seconds"))
    return MAX (0, number_member (input, "duration", 5));
  if (g_str_equal (unit, "audio_minute") || g_str_equal (unit, "minute"))
    return MAX (0, number_member (input, "seconds_total", number_member (input, "duration", 30))) / 60.0;
  if (g_str_equal (unit, "1k_characters"))
    {
      const char *text = input ? fal_json_get_string (input, "text") : NULL;

      if (text == NULL && input)
        text = fal_json_get_string (input, "prompt");
      return MAX (0.001, (text ? g_utf8_strlen (text, -1) : 0) / 1000.0);
    }
  return 1;
}

/* ------------------------------------------------------------------ FalPricing */

struct _FalPricing
{
  GObject parent_instance;

  FalClient *client;
  GHashTable *prices;   /* endpoint id → FalPrice */
};

G_DEFINE_FINAL_TYPE (FalPricing, fal_pricing, G_TYPE_OBJECT)

static void
fal_pricing_finalize (GObject *object)
{
  FalPricing *self = (FalPricing *)object;

  g_clear_object (&self->client);
  g_hash_table_unref (self->prices);

  G_OBJECT_CLASS (fal_pricing_parent_class)->finalize (object);
}

static void
fal_pricing_class_init (FalPricingClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_pricing_finalize;
}

static void
fal_pricing_init (FalPricing *self)
{
  self->prices = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) fal_price_free);
}

FalPricing *
fal_pricing_new (FalClient *client)
{
  FalPricing *self;

  g_return_val_if_fail (FAL_IS_CLIENT (client), NULL);
  self = g_object_new (FAL_TYPE_PRICING, NULL);
  self->client = g_object_ref (client);
  return self;
}

const FalPrice *
fal_pricing_lookup (FalPricing *self,
                    const char *endpoint_id)
{
  g_return_val_if_fail (FAL_IS_PRICING (self), NULL);
  return endpoint_id ? g_hash_table_lookup (self->prices, endpoint_id) : NULL;
}

typedef struct {
  GStrv ids;
  guint next;
  GPtrArray *prices;
} GetPrices;

static void
get_prices_free (gpointer data)
{
  GetPrices *get = data;

  g_strfreev (get->ids);
  g_ptr_array_unref (get->prices);
  g_free (get);
}

static void prices_next_batch (GTask *task);

static void
prices_answer_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GTask) task = data;
  FalPricing *self = g_task_get_source_object (task);
  GetPrices *get = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr(JsonNode) answer = _fal_client_call_finish (FAL_CLIENT (source), result, NULL, NULL, &error);
  JsonObject *root = answer && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  JsonArray *prices = root ? fal_json_get_array (root, "prices") : NULL;

  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (prices == NULL)
    {
      g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_PROTOCOL, _("fal's pricing answered without a list of prices"));
      return;
    }
  for (guint i = 0; i < json_array_get_length (prices); i++)
    {
      JsonNode *element = json_array_get_element (prices, i);
      JsonObject *object = JSON_NODE_HOLDS_OBJECT (element) ? json_node_get_object (element) : NULL;
      const char *id = object ? fal_json_get_string (object, "endpoint_id") : NULL;
      double unit_price;
      FalPrice *price;

      if (id == NULL || !fal_json_get_double (object, "unit_price", &unit_price) || unit_price < 0)
        {
          g_debug ("Skipping a price without an endpoint id or a unit price");
          continue;
        }
      price = g_new0 (FalPrice, 1);
      price->endpoint_id = g_strdup (id);
      price->unit_price = unit_price;
      price->unit = g_strdup (fal_json_get_string (object, "unit") ? fal_json_get_string (object, "unit") : "request");
      price->currency = g_strdup (fal_json_get_string (object, "currency") ? fal_json_get_string (object, "currency") : "USD");
      g_hash_table_replace (self->prices, g_strdup (id), fal_price_copy (price));
      g_ptr_array_add (get->prices, price);
    }
  prices_next_batch (g_steal_pointer (&task));
}

static void
prices_next_batch (GTask *task)
{
  FalPricing *self = g_task_get_source_object (task);
  GetPrices *get = g_task_get_task_data (task);
  g_autoptr(GString) path = g_string_new ("v1/models/pricing?");
  g_autofree char *url = NULL;

  if (get->ids[get->next] == NULL)
    {
      g_task_return_pointer (task, g_ptr_array_ref (get->prices), (GDestroyNotify) g_ptr_array_unref);
      g_object_unref (task);
      return;
    }
  for (guint n = 0; n < PRICE_BATCH && get->ids[get->next]; n++)
    {
      g_autofree char *escaped = g_uri_escape_string (get->ids[get->next++], NULL, FALSE);

      g_string_append_printf (path, "%sendpoint_id=%s", n ? "&" : "", escaped);
    }
  url = _fal_client_build_url (self->client, FAL_HOST_API, path->str);
  _fal_client_call_async (self->client, "GET", url, NULL, NULL, FAL_RETRY_STATUS, FALSE,
                          g_task_get_cancellable (task), prices_answer_cb, task);
}

void
fal_pricing_get_prices_async (FalPricing          *self,
                              const char * const  *endpoint_ids,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  GTask *task;
  GetPrices *get;

  g_return_if_fail (FAL_IS_PRICING (self));
  g_return_if_fail (endpoint_ids != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_pricing_get_prices_async);
  g_task_set_check_cancellable (task, FALSE);
  get = g_new0 (GetPrices, 1);
  get->ids = g_strdupv ((char **) endpoint_ids);
  get->prices = g_ptr_array_new_with_free_func ((GDestroyNotify) fal_price_free);
  g_task_set_task_data (task, get, get_prices_free);
  prices_next_batch (task);
}

GPtrArray *
fal_pricing_get_prices_finish (FalPricing    *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (FAL_IS_PRICING (self), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, fal_pricing_get_prices_async), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

typedef struct {
  double total_cost;
  char *currency;
} Estimate;

static void
estimate_free (gpointer data)
{
  Estimate *estimate = data;

  g_free (estimate->currency);
  g_free (estimate);
}

static void
estimate_answer_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  g_autoptr(JsonNode) answer = _fal_client_call_finish (FAL_CLIENT (source), result, NULL, NULL, &error);
  JsonObject *root = answer && JSON_NODE_HOLDS_OBJECT (answer) ? json_node_get_object (answer) : NULL;
  Estimate *estimate;
  double total;

  if (answer == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (root == NULL || !fal_json_get_double (root, "total_cost", &total))
    {
      g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_PROTOCOL, _("fal's estimate answered without a total cost"));
      return;
    }
  estimate = g_new0 (Estimate, 1);
  estimate->total_cost = total;
  estimate->currency = g_strdup (fal_json_get_string (root, "currency") ? fal_json_get_string (root, "currency") : "USD");
  g_task_return_pointer (task, estimate, estimate_free);
}

void
fal_pricing_estimate_async (FalPricing          *self,
                            FalEstimateType      type,
                            const char * const  *endpoint_ids,
                            const double        *quantities,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  GTask *task;
  g_autoptr(JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  JsonObject *root = json_object_new ();
  JsonObject *endpoints = json_object_new ();
  g_autofree char *url = NULL;

  g_return_if_fail (FAL_IS_PRICING (self));
  g_return_if_fail (endpoint_ids != NULL && quantities != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_pricing_estimate_async);
  g_task_set_check_cancellable (task, FALSE);

  for (guint i = 0; endpoint_ids[i]; i++)
    {
      const char *member = type == FAL_ESTIMATE_UNIT_PRICE ? "unit_quantity" : "call_quantity";
      JsonObject *quantity = fal_json_get_object (endpoints, endpoint_ids[i]);

      /* One endpoint named twice (two rows of a batch) counts twice: an
       * object member set again would keep only the last quantity. */
      if (quantity)
        {
          json_object_set_double_member (quantity, member, json_object_get_double_member (quantity, member) + quantities[i]);
          continue;
        }
      quantity = json_object_new ();
      json_object_set_double_member (quantity, member, quantities[i]);
      json_object_set_object_member (endpoints, endpoint_ids[i], quantity);
    }
  json_object_set_string_member (root, "estimate_type",
                                 type == FAL_ESTIMATE_UNIT_PRICE ? "unit_price" : "historical_api_price");
  json_object_set_object_member (root, "endpoints", endpoints);
  json_node_take_object (body, root);
  url = _fal_client_build_url (self->client, FAL_HOST_API, "v1/models/pricing/estimate");
  /* An estimate changes nothing: safe to retry like a poll. */
  _fal_client_call_async (self->client, "POST", url, body, NULL, FAL_RETRY_STATUS, FALSE, cancellable,
                          estimate_answer_cb, task);
}

gboolean
fal_pricing_estimate_finish (FalPricing    *self,
                             GAsyncResult  *result,
                             double        *total_cost,
                             char         **currency,
                             GError       **error)
{
  Estimate *estimate;

  g_return_val_if_fail (FAL_IS_PRICING (self), FALSE);
  g_return_val_if_fail (g_async_result_is_tagged (result, fal_pricing_estimate_async), FALSE);

  estimate = g_task_propagate_pointer (G_TASK (result), error);
  if (estimate == NULL)
    return FALSE;
  if (total_cost)
    *total_cost = estimate->total_cost;
  if (currency)
    *currency = g_steal_pointer (&estimate->currency);
  estimate_free (estimate);
  return TRUE;
}
