/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* An endpoint id parsed as the official clients parse it (spec §1.3):
 * "owner/alias[/path…]", "workflows|comfy/owner/alias[/path…]", or the
 * legacy "12345-alias" (= "12345/alias"). */
typedef struct _FalEndpointId FalEndpointId;

#define FAL_TYPE_ENDPOINT_ID (fal_endpoint_id_get_type ())

GType          fal_endpoint_id_get_type      (void) G_GNUC_CONST;
/* NULL with FAL_ERROR_INVALID_ENDPOINT when it does not parse. */
FalEndpointId *fal_endpoint_id_parse         (const char     *text,
                                              GError        **error);
FalEndpointId *fal_endpoint_id_copy          (const FalEndpointId *id);
void           fal_endpoint_id_free          (FalEndpointId  *id);
/* Normalised full id ("12345/alias" for the legacy form): what submit,
 * run and stream URLs use. */
const char    *fal_endpoint_id_get_full      (const FalEndpointId *id);
/* "[namespace/]owner/alias": what status, result and cancel URLs use. */
const char    *fal_endpoint_id_get_app       (const FalEndpointId *id);
const char    *fal_endpoint_id_get_namespace (const FalEndpointId *id);  /* or NULL */
const char    *fal_endpoint_id_get_owner     (const FalEndpointId *id);
const char    *fal_endpoint_id_get_alias     (const FalEndpointId *id);
const char    *fal_endpoint_id_get_path      (const FalEndpointId *id);  /* or NULL */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FalEndpointId, fal_endpoint_id_free)

G_END_DECLS
