/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "fal-client.h"

G_BEGIN_DECLS

/* What one unit of an endpoint costs (GET /v1/models/pricing). */
#define FAL_TYPE_PRICE (fal_price_get_type ())
typedef struct {
  char   *endpoint_id;
  double  unit_price;
  char   *unit;       /* "image", "megapixels", "video_second", "request", … */
  char   *currency;   /* "USD" */
} FalPrice;
GType     fal_price_get_type (void) G_GNUC_CONST;
FalPrice *fal_price_copy     (const FalPrice *price);
void      fal_price_free     (FalPrice       *price);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalPrice, fal_price_free)

/* An amount as a person reads it: "$0.025", "$3.75", "€0.10", "0.5 CHF";
 * at least two decimals, and as many as the amount has up to six. */
char     *fal_format_money        (double          amount,
                                   const char     *currency);
/* A count of units as a person reads it: "4", "2.1", "0.79", "0.003". */
char     *fal_format_quantity     (double          quantity);
/* The unit as a person reads it, singular or plural: "image"/"images",
 * "megapixel", "second of video", "request", "minute of audio", … */
char     *fal_price_describe_unit (const FalPrice *price,
                                   double          quantity);
/* "$0.025 per image" */
char     *fal_price_describe      (const FalPrice *price);
/* How many units a run with this input will bill, as well as the input
 * tells: num_images (images, megapixels with image_size), duration
 * (seconds, minutes), the prompt's length (1000 characters); 1 for a
 * request and anything unknown. */
double    fal_price_units_for_input (const FalPrice *price,
                                     JsonObject     *input);

/* estimate_type of an estimate. */
typedef enum {
  FAL_ESTIMATE_UNIT_PRICE,        /* quantities are units */
  FAL_ESTIMATE_HISTORICAL_API,    /* quantities are calls, priced as past calls were */
} FalEstimateType;

/* The Platform API's pricing calls (key required), with the prices
 * already fetched kept for fal_pricing_lookup(). */
#define FAL_TYPE_PRICING (fal_pricing_get_type ())
G_DECLARE_FINAL_TYPE (FalPricing, fal_pricing, FAL, PRICING, GObject)

FalPricing     *fal_pricing_new            (FalClient *client);

/* Prices of any number of endpoints (asked 50 at a time); endpoints fal
 * has no price for are left out. FalPrice elements. */
void            fal_pricing_get_prices_async  (FalPricing          *self,
                                               const char * const  *endpoint_ids,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GPtrArray      *fal_pricing_get_prices_finish (FalPricing          *self,
                                               GAsyncResult        *result,
                                               GError             **error);
/* A price fetched before, or NULL. */
const FalPrice *fal_pricing_lookup            (FalPricing          *self,
                                               const char          *endpoint_id);

/* POST /v1/models/pricing/estimate: quantities[i] units (or calls) of
 * endpoint_ids[i]. */
void            fal_pricing_estimate_async    (FalPricing          *self,
                                               FalEstimateType      type,
                                               const char * const  *endpoint_ids,
                                               const double        *quantities,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* The total; *currency (optional) gets its currency. */
gboolean        fal_pricing_estimate_finish   (FalPricing          *self,
                                               GAsyncResult        *result,
                                               double              *total_cost,
                                               char               **currency,
                                               GError             **error);

G_END_DECLS
