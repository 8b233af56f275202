/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* One audio or video output, from its URL: downloaded (with a session
 * that has no key) into the cache, then played in a GtkVideo or with
 * GtkMediaControls. When the media stream reports an error (no GStreamer
 * backend, no codec, not media at all) it says so and offers to open the
 * file in another app instead of showing an empty player. */
#define FALSTAFF_TYPE_MEDIA_VIEW (falstaff_media_view_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffMediaView, falstaff_media_view, FALSTAFF, MEDIA_VIEW, GtkWidget)

/* @content_type: "video/…" or "audio/…"; NULL guesses from the URL. */
GtkWidget      *falstaff_media_view_new               (SoupSession       *session,
                                                       const char        *url,
                                                       const char        *content_type);
/* The same for an output kept on disk already (FalstaffOutputKeeper):
 * @local_file plays without any download when it exists (else @url is
 * downloaded as above). @url still names it. */
GtkWidget      *falstaff_media_view_new_with_local_file (SoupSession     *session,
                                                         const char      *url,
                                                         const char      *content_type,
                                                         GFile           *local_file);
/* "loading", "video", "audio" or "error" (notify::state). */
const char     *falstaff_media_view_get_state         (FalstaffMediaView *self);
/* The stream once downloaded, else NULL. Its "prepared" says it plays. */
GtkMediaStream *falstaff_media_view_get_stream        (FalstaffMediaView *self);
/* The message shown in the error state, else NULL. */
const char     *falstaff_media_view_get_error_message (FalstaffMediaView *self);
/* The downloaded file, else NULL. */
GFile          *falstaff_media_view_get_file          (FalstaffMediaView *self);
/* The last toast it gave (Open in Another App worked or why not), else
 * NULL (notify::last-notice). */
const char     *falstaff_media_view_get_last_notice   (FalstaffMediaView *self);
/* For tests. */
GtkWidget      *falstaff_media_view_get_error_label   (FalstaffMediaView *self);
GtkWidget      *falstaff_media_view_get_open_button   (FalstaffMediaView *self);
GtkWidget      *falstaff_media_view_get_controls      (FalstaffMediaView *self);

G_END_DECLS
