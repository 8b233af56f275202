/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* Keeping outputs: save, copy, open elsewhere. Plain functions the output
 * view (and the zoom window) call. URLs are fetched with the caller's
 * session, which must not carry the fal key; data: and file: URIs are read
 * directly. */

/* A save dialog (GtkFileChooserNative, so the portal's in a sandbox) with
 * @suggested_name sanitised (or one made from @url when NULL), then
 * falstaff_output_save_to_file_async() on the chosen file. @png_text: key,
 * value, …, NULL, added as text chunks when the file is a PNG (may be
 * NULL). Finishes with G_IO_ERROR_CANCELLED when the dialog is dismissed. */
void      falstaff_output_save_async          (GtkWindow           *parent,
                                               SoupSession         *session,
                                               const char          *url,
                                               const char          *suggested_name,
                                               const char * const  *png_text,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* The file written (the chosen one). */
GFile    *falstaff_output_save_finish         (GAsyncResult        *result,
                                               GError             **error);

/* The bytes of @url (http(s), data: or file:), and their content type
 * (from the answer, the data URL or a guess; may be NULL). A non-2xx
 * answer is an error. */
void      falstaff_output_fetch_async         (SoupSession         *session,
                                               const char          *url,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
GBytes   *falstaff_output_fetch_finish        (GAsyncResult        *result,
                                               char               **content_type,
                                               GError             **error);

/* Downloads @url and writes it to @target (replacing it), with @png_text
 * inserted when the content is a PNG. */
void      falstaff_output_save_to_file_async  (SoupSession         *session,
                                               const char          *url,
                                               GFile               *target,
                                               const char * const  *png_text,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean  falstaff_output_save_to_file_finish (GAsyncResult        *result,
                                               GError             **error);

/* The key/value list for falstaff_output_save_async(): "Software", then
 * "fal:endpoint", "fal:request_id", "fal:seed" and "fal:inputs" (the input
 * JSON) for those that are not NULL. Free with g_strfreev(). */
char    **falstaff_output_png_text_new        (const char          *endpoint_id,
                                               const char          *request_id,
                                               const char          *seed,
                                               const char          *inputs_json);

/* The clipboard of @widget's display. */
void      falstaff_output_copy_image          (GtkWidget           *widget,
                                               GdkTexture          *texture);
/* Encoded image bytes as they are (no decoding), e.g. the downloaded PNG. */
void      falstaff_output_copy_image_bytes    (GtkWidget           *widget,
                                               GBytes              *bytes,
                                               const char          *mime_type);
void      falstaff_output_copy_url            (GtkWidget           *widget,
                                               const char          *url);

/* The default app for a URI or a local path, through
 * g_app_info_launch_default_for_uri_async() with the display's launch
 * context (GIO uses the OpenURI portal when sandboxed). */
void      falstaff_output_open_async          (GtkWindow           *parent,
                                               const char          *uri_or_path,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
gboolean  falstaff_output_open_finish         (GAsyncResult        *result,
                                               GError             **error);

G_END_DECLS
