/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the local server reads out of a request before any work: an
 * x-fal-fault header's spec, and an input body (JSON, depth-limited)
 * validated against an endpoint's schema, the 422 a client gets. The
 * first byte picks the endpoint; a body that is not JSON is a fault spec. */
#include "config.h"

#include <string.h>

#include "fal-json.h"
#include "fal-local-endpoints.h"
#include "fal-local-faults.h"
#include "fal-local-openapi.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  const char * const *endpoints = fal_local_endpoints_list ();
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) body = NULL;
  guint n_endpoints = g_strv_length ((char **) endpoints);
  const char *endpoint;

  if (size == 0)
    return 0;
  endpoint = endpoints[data[0] % n_endpoints];
  data++, size--;
  text = g_strndup ((const char *) data, size);
  body = fal_json_parse (text, strlen (text), NULL);
  if (body)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonArray) errors = fal_local_openapi_validate (endpoint, body, &error);

      g_assert_no_error (error);
      if (errors)
        g_assert_cmpuint (json_array_get_length (errors), >, 0);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(FalLocalFault) fault = fal_local_fault_parse (text, &error);

      g_assert_true ((fault == NULL) == (error != NULL));
    }
  return 0;
}
