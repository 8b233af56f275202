/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "falstaff-endpoint-info.h"

G_BEGIN_DECLS

/* The endpoints the picker offers: the catalog shipped as a resource,
 * in its order, grouped by category. A GListModel of FalstaffEndpointInfo. */
#define FALSTAFF_TYPE_CATALOG (falstaff_catalog_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffCatalog, falstaff_catalog, FALSTAFF, CATALOG, GObject)

FalstaffCatalog      *falstaff_catalog_new    (GError         **error);
FalstaffEndpointInfo *falstaff_catalog_lookup (FalstaffCatalog *self,
                                               const char      *endpoint_id);

G_END_DECLS
