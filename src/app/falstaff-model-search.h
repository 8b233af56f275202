/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "fal.h"

#include "falstaff-catalog.h"

G_BEGIN_DECLS

/* A search of fal's model catalog as the picker needs it: debounced as
 * the text changes, paged on demand, and when fal cannot be reached the
 * last catalog seen (kept on disk) or the built-in list filtered here.
 * The results are a GListModel of FalstaffEndpointInfo. */
/* Typing pauses this long before fal is asked: short, since each search
 * in flight is cancelled by the next anyway. */
#define FALSTAFF_MODEL_SEARCH_DEBOUNCE_MS 50

#define FALSTAFF_TYPE_MODEL_SEARCH (falstaff_model_search_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffModelSearch, falstaff_model_search, FALSTAFF, MODEL_SEARCH, GObject)

FalstaffModelSearch *falstaff_model_search_new          (FalClient           *client);
/* The list filtered when fal cannot be reached and nothing is cached. */
void                 falstaff_model_search_set_fallback (FalstaffModelSearch *self,
                                                         FalstaffCatalog     *catalog);
/* Where the catalog is kept (default: the user cache dir's
 * falstaff/catalog.json). */
void                 falstaff_model_search_set_cache_path (FalstaffModelSearch *self,
                                                           const char          *path);
/* The first query is asked at once, later ones after a short pause. */
void                 falstaff_model_search_set_query    (FalstaffModelSearch *self,
                                                         const char          *query);
/* The query the results are for (NULL before any). */
const char          *falstaff_model_search_get_results_query (FalstaffModelSearch *self);
/* Asks the next page, if there is one and none is on its way. */
void                 falstaff_model_search_load_more    (FalstaffModelSearch *self);
GListModel          *falstaff_model_search_get_results  (FalstaffModelSearch *self);
gboolean             falstaff_model_search_get_loading  (FalstaffModelSearch *self);
gboolean             falstaff_model_search_get_has_more (FalstaffModelSearch *self);
/* The last search failed for want of fal: the results are the fallback. */
gboolean             falstaff_model_search_get_offline  (FalstaffModelSearch *self);
/* When offline with a cached catalog: how old it is ("3 hours ago");
 * NULL when the built-in list is shown instead. */
const char          *falstaff_model_search_get_cache_age (FalstaffModelSearch *self);

G_END_DECLS
