/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "falstaff-list-pages.h"

void
falstaff_list_pages_show_at_least (GtkSliceListModel *slice,
                                   guint              n,
                                   guint              page_size)
{
  g_return_if_fail (GTK_IS_SLICE_LIST_MODEL (slice));
  g_return_if_fail (page_size > 0);

  if (n > gtk_slice_list_model_get_size (slice))
    gtk_slice_list_model_set_size (slice, (n + page_size - 1) / page_size * page_size);
}
