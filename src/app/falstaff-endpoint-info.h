/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "fal-model.h"

G_BEGIN_DECLS

/* One catalog entry: an endpoint id with what the picker shows of it. */
#define FALSTAFF_TYPE_ENDPOINT_INFO (falstaff_endpoint_info_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffEndpointInfo, falstaff_endpoint_info, FALSTAFF, ENDPOINT_INFO, GObject)

FalstaffEndpointInfo *falstaff_endpoint_info_new             (const char *id,
                                                              const char *category,
                                                              const char *description,
                                                              gboolean    streams,
                                                              gboolean    local);
/* From fal's catalog: display name, thumbnail, deprecation; whether it
 * streams or runs on the local server is not known there (FALSE). */
FalstaffEndpointInfo *falstaff_endpoint_info_new_from_model  (FalModel             *model);
const char           *falstaff_endpoint_info_get_id          (FalstaffEndpointInfo *self);
/* NULL when only the id is known. */
const char           *falstaff_endpoint_info_get_display_name (FalstaffEndpointInfo *self);
/* NULL when there is none. */
const char           *falstaff_endpoint_info_get_thumbnail_url (FalstaffEndpointInfo *self);
gboolean              falstaff_endpoint_info_get_deprecated  (FalstaffEndpointInfo *self);
/* The catalog's category id: "text-to-image", "vision", … */
const char           *falstaff_endpoint_info_get_category    (FalstaffEndpointInfo *self);
/* The category as a person reads it: "Text to image". */
const char           *falstaff_endpoint_info_get_category_title (FalstaffEndpointInfo *self);
const char           *falstaff_endpoint_info_get_description (FalstaffEndpointInfo *self);
gboolean              falstaff_endpoint_info_get_streams     (FalstaffEndpointInfo *self);
/* Offered by the local server (the offline demo). */
gboolean              falstaff_endpoint_info_get_local       (FalstaffEndpointInfo *self);
/* Whether every word of the query is in the id, display name,
 * description, category or tags. */
gboolean              falstaff_endpoint_info_matches         (FalstaffEndpointInfo *self,
                                                              const char           *query);

G_END_DECLS
