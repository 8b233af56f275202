/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * FalEndpointId:
 *
 * An endpoint id parsed as the official clients parse it (spec §1.3):
 * "owner/alias[/path…]", "workflows|comfy/owner/alias[/path…]", or the
 * legacy "12345-alias" (= "12345/alias"). Immutable, so copies share it.
 */
typedef struct _FalEndpointId FalEndpointId;

#define FAL_TYPE_ENDPOINT_ID (fal_endpoint_id_get_type ())

GType          fal_endpoint_id_get_type      (void) G_GNUC_CONST;
/**
 * fal_endpoint_id_parse:
 * @text: an endpoint id
 * @error: return location for an error
 *
 * Returns: (transfer full): the parsed id, or %NULL with
 *   %FAL_ERROR_INVALID_ENDPOINT when it does not parse
 */
FalEndpointId *fal_endpoint_id_parse         (const char     *text,
                                              GError        **error);
/**
 * fal_endpoint_id_copy:
 * @id: an id
 *
 * Returns: (transfer full): @id (shared: it is immutable)
 */
FalEndpointId *fal_endpoint_id_copy          (const FalEndpointId *id);
/**
 * fal_endpoint_id_free:
 * @id: (transfer full): an id
 *
 * Drops a reference.
 */
void           fal_endpoint_id_free          (FalEndpointId  *id);
/**
 * fal_endpoint_id_get_full:
 * @id: an id
 *
 * Returns: (transfer none): the normalised full id ("12345/alias" for the
 *   legacy form): what submit, run and stream URLs use
 */
const char    *fal_endpoint_id_get_full      (const FalEndpointId *id);
/**
 * fal_endpoint_id_get_app:
 * @id: an id
 *
 * Returns: (transfer none): "[namespace/]owner/alias": what status, result
 *   and cancel URLs use
 */
const char    *fal_endpoint_id_get_app       (const FalEndpointId *id);
/**
 * fal_endpoint_id_get_namespace:
 * @id: an id
 *
 * Returns: (transfer none) (nullable): "workflows" or "comfy", or %NULL
 */
const char    *fal_endpoint_id_get_namespace (const FalEndpointId *id);  /* or NULL */
/**
 * fal_endpoint_id_get_owner:
 * @id: an id
 *
 * Returns: (transfer none): the owner
 */
const char    *fal_endpoint_id_get_owner     (const FalEndpointId *id);
/**
 * fal_endpoint_id_get_alias:
 * @id: an id
 *
 * Returns: (transfer none): the alias
 */
const char    *fal_endpoint_id_get_alias     (const FalEndpointId *id);
/**
 * fal_endpoint_id_get_path:
 * @id: an id
 *
 * Returns: (transfer none) (nullable): the path after the alias, or %NULL
 */
const char    *fal_endpoint_id_get_path      (const FalEndpointId *id);  /* or NULL */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalEndpointId, fal_endpoint_id_free)

G_END_DECLS
