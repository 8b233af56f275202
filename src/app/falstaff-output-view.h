/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <json-glib/json-glib.h>

#include "falstaff-output-keeper.h"

G_BEGIN_DECLS

/* A result as a person wants to see it: images as a gallery of
 * display-size thumbnails (decoded off the main thread), text that grows
 * while it streams, speech-to-text with its timed chunks, other media
 * files as rows. */
#define FALSTAFF_TYPE_OUTPUT_VIEW (falstaff_output_view_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffOutputView, falstaff_output_view, FALSTAFF, OUTPUT_VIEW, GtkWidget)

void        falstaff_output_view_clear        (FalstaffOutputView *self);
/* A streamed event or the final result. */
void        falstaff_output_view_show         (FalstaffOutputView *self,
                                               JsonNode           *output);
/* "empty", "gallery", "text" or "files". */
const char *falstaff_output_view_get_kind     (FalstaffOutputView *self);
/* Thumbnails loaded so far. */
guint       falstaff_output_view_get_n_images (FalstaffOutputView *self);
/* The full pixel size of image i (from the decoded file), or FALSE. */
gboolean    falstaff_output_view_get_image_size (FalstaffOutputView *self,
                                                 guint               index,
                                                 int                *width,
                                                 int                *height);
char       *falstaff_output_view_get_text     (FalstaffOutputView *self);
/* What saved PNGs record: the endpoint, the request id and the inputs. */
void        falstaff_output_view_set_context  (FalstaffOutputView *self,
                                               const char         *endpoint_id,
                                               const char         *request_id,
                                               JsonNode           *inputs);
/* Where kept outputs are found (may be NULL: fal's URLs only), and the
 * run whose result is shown (0: none). With both, images, video and
 * audio the keeper has are shown, saved and opened from the kept file,
 * so a past run whose URLs expired still shows them. Set them before
 * falstaff_output_view_show(). */
void        falstaff_output_view_set_output_keeper (FalstaffOutputView   *self,
                                                    FalstaffOutputKeeper *keeper);
void        falstaff_output_view_set_run_id   (FalstaffOutputView *self,
                                               gint64              run_id);
gint64      falstaff_output_view_get_run_id   (FalstaffOutputView *self);
/* Opens image index of the gallery in the large view (what a click or
 * Enter on a thumbnail does). */
void        falstaff_output_view_open_image   (FalstaffOutputView *self,
                                               guint               index);
/* The media views of audio and video outputs (FalstaffMediaView). */
GPtrArray  *falstaff_output_view_get_media_views (FalstaffOutputView *self);

/* The last toast the view gave (Saved “x.png”, Image copied, why Open
 * failed, …), else NULL; notify::last-notice with each. libadwaita 1.2
 * cannot list a toast overlay's toasts. */
const char *falstaff_output_view_get_last_notice (FalstaffOutputView *self);
/* For tests: the text page's Copy button and the gallery's GtkFlowBox. */
GtkWidget  *falstaff_output_view_get_copy_text_button (FalstaffOutputView *self);
GtkWidget  *falstaff_output_view_get_gallery     (FalstaffOutputView *self);

G_END_DECLS
