/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <libsoup/soup.h>

#include "falstaff-output-view.h"

G_BEGIN_DECLS

/* falstaff-output-view.c: what the keeping actions need of the view. */
SoupSession  *_falstaff_output_view_get_session     (FalstaffOutputView *self);
/* Cancelled when the view shows another result. */
GCancellable *_falstaff_output_view_get_cancellable (FalstaffOutputView *self);
/* What to fetch or open for a result's @url: a file: URI of the kept
 * copy when the keeper has one for the run shown, else @url (the caller
 * frees it). A result comes from the network: a link that is not https
 * (or http on this machine, or data:) is never fetched nor opened, so
 * that a result naming file:///… cannot show, copy or launch a local
 * file: NULL then, with @error saying why. */
char         *_falstaff_output_view_local_uri       (FalstaffOutputView *self,
                                                     const char         *url,
                                                     GError            **error);
/* The text chunks a saved PNG gets (falstaff_output_png_text_new()). */
char        **_falstaff_output_view_png_text        (FalstaffOutputView *self);
/* A toast, kept as the last notice (falstaff_output_view_get_last_notice()). */
void          _falstaff_output_view_notify          (FalstaffOutputView *self,
                                                     const char         *text);

/* falstaff-output-view-keep.c: save, copy, open, view large. */
/* The row of buttons under an output; @image adds View Large, Copy Image
 * and Open in Another App. */
GtkWidget    *_falstaff_output_view_item_actions    (FalstaffOutputView *self,
                                                     const char         *url,
                                                     const char         *content_type,
                                                     gboolean            image);
void          _falstaff_output_view_open_large      (FalstaffOutputView *self,
                                                     const char         *url);
/* Downloads into the cache and opens in the default app, with a toast. */
void          _falstaff_output_view_open_elsewhere  (FalstaffOutputView *self,
                                                     const char         *url,
                                                     const char         *content_type);

G_END_DECLS
