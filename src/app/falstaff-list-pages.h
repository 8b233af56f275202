/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* A long list offered a page at a time through a GtkSliceListModel at
 * offset 0 (the History, the endpoint picker): GTK 4.8's list view makes
 * and binds up to 200 rows of any longer model, though a dozen are in
 * view. Grows the slice, in whole pages, to hold at least the first n
 * items; never shrinks it. */
void falstaff_list_pages_show_at_least (GtkSliceListModel *slice,
                                        guint              n,
                                        guint              page_size);

G_END_DECLS
