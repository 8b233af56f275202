/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-client.h"

G_BEGIN_DECLS

/* What one unit of an endpoint costs (GET /v1/models/pricing). */
#define FAL_TYPE_PRICE (fal_price_get_type ())
/**
 * FalPrice:
 * @endpoint_id: the endpoint
 * @unit_price: what one unit costs
 * @unit: "image", "megapixels", "video_second", "request", …
 * @currency: "USD", …
 *
 * What one unit of an endpoint costs (GET /v1/models/pricing).
 */
typedef struct {
  char   *endpoint_id;
  double  unit_price;
  char   *unit;
  char   *currency;
} FalPrice;
GType     fal_price_get_type (void) G_GNUC_CONST;
/**
 * fal_price_copy:
 * @price: a price
 *
 * Returns: (transfer full): a copy
 */
FalPrice *fal_price_copy     (const FalPrice *price);
/**
 * fal_price_free:
 * @price: (transfer full): a price
 */
void      fal_price_free     (FalPrice       *price);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalPrice, fal_price_free)

/**
 * fal_format_money:
 * @amount: an amount
 * @currency: its currency ("USD", …)
 *
 * An amount as a person reads it: "$0.025", "$3.75", "€0.10", "0.5 CHF";
 * at least two decimals, and as many as the amount has up to six.
 *
 * Returns: (transfer full): the text
 */
char     *fal_format_money        (double          amount,
                                   const char     *currency);
/**
 * fal_format_quantity:
 * @quantity: a count of units
 *
 * Returns: (transfer full): it as a person reads it: "4", "2.1", "0.79",
 *   "0.003"
 */
char     *fal_format_quantity     (double          quantity);
/**
 * fal_price_describe_unit:
 * @price: a price
 * @quantity: how many units
 *
 * Returns: (transfer full): the unit as a person reads it, singular or
 *   plural: "image"/"images", "megapixel", "second of video", "request", …
 */
char     *fal_price_describe_unit (const FalPrice *price,
                                   double          quantity);
/**
 * fal_price_describe:
 * @price: a price
 *
 * Returns: (transfer full): "$0.025 per image"
 */
char     *fal_price_describe      (const FalPrice *price);
/**
 * fal_price_units_for_input:
 * @price: a price
 * @input: (nullable): the input of a run
 *
 * How many units a run with this input will bill, as well as the input
 * tells: num_images (images, megapixels with image_size), duration
 * (seconds, minutes), the prompt's length (1000 characters); 1 for a
 * request and anything unknown.
 *
 * Returns: the units
 */
double    fal_price_units_for_input (const FalPrice *price,
                                     JsonObject     *input);

/**
 * FalEstimateType:
 * @FAL_ESTIMATE_UNIT_PRICE: quantities are units
 * @FAL_ESTIMATE_HISTORICAL_API: quantities are calls, priced as past calls were
 *
 * estimate_type of an estimate.
 */
typedef enum {
  FAL_ESTIMATE_UNIT_PRICE,
  FAL_ESTIMATE_HISTORICAL_API,
} FalEstimateType;

/**
 * FalPricing:
 *
 * The Platform API's pricing calls (key required), with the prices
 * already fetched kept for fal_pricing_lookup().
 */
#define FAL_TYPE_PRICING (fal_pricing_get_type ())
G_DECLARE_FINAL_TYPE (FalPricing, fal_pricing, FAL, PRICING, GObject)

/**
 * fal_pricing_new:
 * @client: the client to ask with
 *
 * Returns: (transfer full): a new pricing
 */
FalPricing     *fal_pricing_new            (FalClient *client);

/**
 * fal_pricing_get_prices_async:
 * @self: a pricing
 * @endpoint_ids: (array zero-terminated=1): the endpoints
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: (closure): data for @callback
 *
 * Prices of any number of endpoints (asked 50 at a time).
 */
void            fal_pricing_get_prices_async  (FalPricing          *self,
                                               const char * const  *endpoint_ids,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/**
 * fal_pricing_get_prices_finish:
 * @self: a pricing
 * @result: the result given to the callback
 * @error: return location for an error
 *
 * Returns: (transfer full) (element-type FalPrice): the prices; endpoints
 *   fal has no price for are left out
 */
GPtrArray      *fal_pricing_get_prices_finish (FalPricing          *self,
                                               GAsyncResult        *result,
                                               GError             **error);
/**
 * fal_pricing_lookup:
 * @self: a pricing
 * @endpoint_id: (nullable): an endpoint
 *
 * Returns: (transfer none) (nullable): a price fetched before, or %NULL
 */
const FalPrice *fal_pricing_lookup            (FalPricing          *self,
                                               const char          *endpoint_id);

/**
 * fal_pricing_estimate_async: (skip)
 * @self: a pricing
 * @type: what the quantities are
 * @endpoint_ids: (array zero-terminated=1): the endpoints
 * @quantities: as many quantities as @endpoint_ids: units (or calls)
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when done
 * @user_data: (closure): data for @callback
 *
 * POST /v1/models/pricing/estimate. Skipped in bindings: @quantities has
 * the length of @endpoint_ids, which no annotation can say.
 */
void            fal_pricing_estimate_async    (FalPricing          *self,
                                               FalEstimateType      type,
                                               const char * const  *endpoint_ids,
                                               const double        *quantities,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/**
 * fal_pricing_estimate_finish: (skip)
 * @self: a pricing
 * @result: the result given to the callback
 * @total_cost: (out) (optional): the total
 * @currency: (out) (optional) (transfer full): its currency
 * @error: return location for an error
 *
 * Returns: whether the estimate came
 */
gboolean        fal_pricing_estimate_finish   (FalPricing          *self,
                                               GAsyncResult        *result,
                                               double              *total_cost,
                                               char               **currency,
                                               GError             **error);

G_END_DECLS
