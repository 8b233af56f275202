/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <math.h>
#include <string.h>

#include "fal-local-catalog.h"
#include "fal-local-media.h"

#include "fal-local-catalog-table.h"

#define THUMBNAIL_SIDE 256

typedef struct {
  GHashTable *by_id;          /* endpoint id → model */
  GHashTable *by_thumbnail;   /* thumbnail name → model, names owned */
} Index;

static GMutex thumbnails_lock;
static GHashTable *thumbnails; /* model → GBytes */

static gpointer
build_index (gpointer data)
{
  Index *index = g_new0 (Index, 1);

  index->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  index->by_thumbnail = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (catalog_models); i++)
    {
      const FalLocalCatalogModel *model = &catalog_models[i];

      /* A typo in the table would shadow a row or lose a thumbnail. */
      g_assert (!g_hash_table_contains (index->by_id, model->endpoint_id));
      g_hash_table_insert (index->by_id, (gpointer) model->endpoint_id, (gpointer) model);
      g_assert (g_hash_table_insert (index->by_thumbnail, fal_local_catalog_thumbnail_name (model), (gpointer) model));
    }
  return index;
}

static Index *
get_index (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, build_index, NULL);
}

guint
fal_local_catalog_get_n (void)
{
  return G_N_ELEMENTS (catalog_models);
}

const FalLocalCatalogModel *
fal_local_catalog_get (guint index)
{
  g_return_val_if_fail (index < G_N_ELEMENTS (catalog_models), NULL);
  return &catalog_models[index];
}

const FalLocalCatalogModel *
fal_local_catalog_lookup (const char *endpoint_id)
{
  g_return_val_if_fail (endpoint_id != NULL, NULL);
  return g_hash_table_lookup (get_index ()->by_id, endpoint_id);
}

char *
fal_local_catalog_thumbnail_name (const FalLocalCatalogModel *model)
{
  g_autofree char *stem = NULL;

  g_return_val_if_fail (model != NULL, NULL);
  stem = g_strdelimit (g_strdup (model->endpoint_id), "/", '_');
  return g_strconcat (stem, ".png", NULL);
}

const FalLocalCatalogModel *
fal_local_catalog_lookup_thumbnail (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);
  return g_hash_table_lookup (get_index ()->by_thumbnail, name);
}

GBytes *
fal_local_catalog_thumbnail (const FalLocalCatalogModel *model)
{
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  g_return_val_if_fail (model != NULL, NULL);

  g_mutex_lock (&thumbnails_lock);
  if (thumbnails == NULL)
    thumbnails = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_bytes_unref);
  bytes = g_hash_table_lookup (thumbnails, model);
  if (bytes)
    g_bytes_ref (bytes);
  g_mutex_unlock (&thumbnails_lock);
  if (bytes)
    return bytes;

  /* Drawn outside the lock; two first requests at once both draw the
   * same picture and one of them is kept. */
  bytes = fal_local_media_render_image (model->display_name, g_str_hash (model->endpoint_id), 0,
                                        THUMBNAIL_SIDE, THUMBNAIL_SIDE, &error);
  if (bytes == NULL)
    {
      g_warning ("No thumbnail for %s: %s", model->endpoint_id, error->message);
      return NULL;
    }

  g_mutex_lock (&thumbnails_lock);
  if (!g_hash_table_contains (thumbnails, model))
    g_hash_table_insert (thumbnails, (gpointer) model, g_bytes_ref (bytes));
  g_mutex_unlock (&thumbnails_lock);
  return bytes;
}

/* ------------------------------------------------------------------ billing */

/* A number, or a string that starts with one ("6", "6s"). */
static gboolean
member_number (JsonObject *object,
               const char *name,
               double     *value)
{
  JsonNode *node = object ? json_object_get_member (object, name) : NULL;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  if (json_node_get_value_type (node) == G_TYPE_INT64 || json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      *value = json_node_get_double (node);
      return TRUE;
    }
  if (json_node_get_value_type (node) == G_TYPE_STRING)
    {
      const char *text = json_node_get_string (node);
      char *end = NULL;

      *value = g_ascii_strtod (text, &end);
      return end != text && isfinite (*value);
    }
  return FALSE;
}

static JsonArray *
output_images (JsonNode *output)
{
  JsonObject *object = output && JSON_NODE_HOLDS_OBJECT (output) ? json_node_get_object (output) : NULL;
  JsonNode *images = object ? json_object_get_member (object, "images") : NULL;

  return images && JSON_NODE_HOLDS_ARRAY (images) ? json_node_get_array (images) : NULL;
}

static double
round_to (double value,
          double scale)
{
  return round (value * scale) / scale;
}

double
fal_local_catalog_billable_units (const FalLocalCatalogModel *model,
                                  JsonObject                 *input,
                                  JsonNode                   *output,
                                  double                      run_seconds)
{
  const char *unit;
  double value;

  g_return_val_if_fail (model != NULL, 0);

  unit = model->unit;
  if (g_str_equal (unit, "image"))
    {
      JsonArray *images = output_images (output);

      return images ? json_array_get_length (images) : 1;
    }
  if (g_str_equal (unit, "megapixels"))
    {
      JsonArray *images = output_images (output);
      double sum = 0;

      for (guint i = 0; images && i < json_array_get_length (images); i++)
        {
          JsonObject *image = json_array_get_object_element (images, i);
          double width, height;

          if (member_number (image, "width", &width) && member_number (image, "height", &height))
            sum += width * height / 1e6;
        }
      return round_to (sum, 100);
    }
  if (g_str_equal (unit, "video_second"))
    return member_number (input, "duration", &value) && value > 0 ? round_to (value, 1e6) : 5;
  if (g_str_equal (unit, "audio_minute"))
    {
      if ((member_number (input, "seconds_total", &value) || member_number (input, "duration", &value)) && value > 0)
        return round_to (value / 60, 1e6);
      return 0.5;
    }
  if (g_str_equal (unit, "1k_characters"))
    {
      const char *text = NULL;
      double thousands;

      if (input && json_object_has_member (input, "prompt"))
        text = json_object_get_string_member_with_default (input, "prompt", NULL);
      else if (input && json_object_has_member (input, "text"))
        text = json_object_get_string_member_with_default (input, "text", NULL);
      thousands = text ? g_utf8_strlen (text, -1) / 1000.0 : 0;
      return round_to (MAX (thousands, 0.001), 1e6);
    }
  if (g_str_equal (unit, "gpu_second"))
    return round_to (run_seconds, 1e6);
  /* video, request */
  return 1;
}

char *
fal_local_catalog_format_units (double units)
{
  char buffer[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%g", units));
}

double
fal_local_catalog_typical_units (const FalLocalCatalogModel *model)
{
  static const struct {
    const char *unit;
    double per_call;
  } typical[] = {
    { "image", 1 },
    { "megapixels", 1.0 },
    { "video_second", 5 },
    { "video", 1 },
    { "request", 1 },
    { "audio_minute", 0.5 },
    { "1k_characters", 0.2 },
    { "gpu_second", 3 },
  };

  g_return_val_if_fail (model != NULL, 0);

  for (guint i = 0; i < G_N_ELEMENTS (typical); i++)
    if (g_str_equal (typical[i].unit, model->unit))
      return typical[i].per_call;
  g_return_val_if_reached (1);
}
