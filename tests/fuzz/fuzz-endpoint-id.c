/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The endpoint id parser on any text (the picker, the command line, ids
 * read back from the history). */
#include "config.h"

#include "fal-endpoint-id.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(FalEndpointId) id = fal_endpoint_id_parse (text, &error);

  g_assert ((id == NULL) != (error == NULL));
  if (id)
    {
      g_autoptr(FalEndpointId) copy = fal_endpoint_id_copy (id);
      g_autoptr(FalEndpointId) again = fal_endpoint_id_parse (fal_endpoint_id_get_full (id), NULL);

      /* What was parsed parses again to the same thing. */
      g_assert_nonnull (again);
      g_assert_cmpstr (fal_endpoint_id_get_full (again), ==, fal_endpoint_id_get_full (id));
      g_assert_cmpstr (fal_endpoint_id_get_app (copy), ==, fal_endpoint_id_get_app (id));
      (void) fal_endpoint_id_get_namespace (id);
      (void) fal_endpoint_id_get_owner (id);
      (void) fal_endpoint_id_get_alias (id);
      (void) fal_endpoint_id_get_path (id);
    }
  return 0;
}
