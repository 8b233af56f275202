/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "fal.h"

#include "falstaff-catalog.h"
#include "falstaff-model-search.h"

G_BEGIN_DECLS

/* The searchable list of endpoints: recent ones on top, then the catalog
 * by category; a typed endpoint id that parses can be used as it is.
 * Emits "endpoint-activated" with the id. */
#define FALSTAFF_TYPE_ENDPOINT_PICKER (falstaff_endpoint_picker_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffEndpointPicker, falstaff_endpoint_picker, FALSTAFF, ENDPOINT_PICKER, GtkWidget)

void       falstaff_endpoint_picker_set_catalog   (FalstaffEndpointPicker *self,
                                                   FalstaffCatalog        *catalog);
void       falstaff_endpoint_picker_set_recent    (FalstaffEndpointPicker *self,
                                                   const char * const     *endpoint_ids);
/* Only the endpoints the local server offers (the demo). With a client,
 * it filters the recent ones and the built-in fallback only: the search
 * results are the client's own catalog (in the demo, the local server's). */
void       falstaff_endpoint_picker_set_local_only (FalstaffEndpointPicker *self,
                                                    gboolean                local_only);
void       falstaff_endpoint_picker_select        (FalstaffEndpointPicker *self,
                                                   const char             *endpoint_id);
void       falstaff_endpoint_picker_hold          (FalstaffEndpointPicker *self,
                                                   gboolean                held);
GtkWidget *falstaff_endpoint_picker_get_search_entry (FalstaffEndpointPicker *self);
/* Searches fal's catalog through the client (its api base) instead of
 * filtering the built-in list, which stays as the fallback when fal
 * cannot be reached. NULL: the built-in list only. */
void       falstaff_endpoint_picker_set_client    (FalstaffEndpointPicker *self,
                                                   FalClient              *client);
/* The search behind the list (NULL without a client), for benchmarks and
 * tests that wait on it. */
FalstaffModelSearch  *falstaff_endpoint_picker_get_search (FalstaffEndpointPicker *self);
/* What is known of an id: from the search results, the built-in list or
 * the recent ones (transfer none; NULL when nothing is). */
FalstaffEndpointInfo *falstaff_endpoint_picker_lookup (FalstaffEndpointPicker *self,
                                                       const char             *endpoint_id);

G_END_DECLS
