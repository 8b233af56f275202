/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

#include "falstaff-endpoint-info.h"

G_BEGIN_DECLS

/* One line of the endpoint picker's flat list: either a category header
 * (a title only) or an endpoint (wrapping its FalstaffEndpointInfo). */
#define FALSTAFF_TYPE_PICKER_ITEM (falstaff_picker_item_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffPickerItem, falstaff_picker_item, FALSTAFF, PICKER_ITEM, GObject)

FalstaffPickerItem   *falstaff_picker_item_new_header   (const char           *title);
FalstaffPickerItem   *falstaff_picker_item_new_endpoint (FalstaffEndpointInfo *info);
gboolean              falstaff_picker_item_is_header    (FalstaffPickerItem   *self);
/* The header's title, or the endpoint's id. */
const char           *falstaff_picker_item_get_title    (FalstaffPickerItem   *self);
/* NULL for a header. */
FalstaffEndpointInfo *falstaff_picker_item_get_info     (FalstaffPickerItem   *self);

G_END_DECLS
