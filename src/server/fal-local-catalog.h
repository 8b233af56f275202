/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The models the local server's Platform API lists (§13 of the protocol
 * notes): a fixed table, so answers are the same on every run. Each model
 * runs as one of the simulated endpoints (runs_as); a simulated endpoint
 * runs as itself. */
typedef struct {
  const char *endpoint_id;
  const char *display_name;
  const char *category;
  const char *description;
  const char *tags[5];          /* NULL-terminated, 2–4 of them */
  const char *status;           /* "active" or "deprecated" */
  const char *date;             /* ISO 8601 */
  const char *updated_at;
  gboolean highlighted;
  gboolean pinned;
  double unit_price;            /* USD per unit */
  const char *unit;             /* image, megapixels, video_second, video, request,
                                 * audio_minute, 1k_characters, gpu_second */
  const char *runs_as;
} FalLocalCatalogModel;

guint                       fal_local_catalog_get_n      (void);
const FalLocalCatalogModel *fal_local_catalog_get        (guint       index);
/* NULL when the id is not in the catalog. */
const FalLocalCatalogModel *fal_local_catalog_lookup     (const char *endpoint_id);

/* The name of a model's thumbnail below /cdn/thumbnails/: the id with
 * '/' as '_', then ".png"; and back. */
char                       *fal_local_catalog_thumbnail_name (const FalLocalCatalogModel *model);
const FalLocalCatalogModel *fal_local_catalog_lookup_thumbnail (const char *name);
/* A 256×256 PNG, drawn on first use and kept. */
GBytes                     *fal_local_catalog_thumbnail  (const FalLocalCatalogModel *model);

/* How many of a model's units a successful run used, the value of
 * x-fal-billable-units: by the unit, from the input, the output and the
 * run time. Printed in the shortest form ("2", "0.79"). */
double                      fal_local_catalog_billable_units (const FalLocalCatalogModel *model,
                                                              JsonObject                 *input,
                                                              JsonNode                   *output,
                                                              double                      run_seconds);
char                       *fal_local_catalog_format_units   (double                      units);

/* Units one call uses on average, for historical_api_price estimates. */
double                      fal_local_catalog_typical_units  (const FalLocalCatalogModel *model);

G_END_DECLS
