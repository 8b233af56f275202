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

/* What one fetch may bring into memory: past it the fetch fails
 * (FAL_ERROR_PROTOCOL, "answer_too_large") instead of growing the app.
 * Kept outputs go to disk, within their own cap. */
#define FALSTAFF_OUTPUT_FETCH_MAX_SIZE (G_GUINT64_CONSTANT (512) * 1024 * 1024)

/* The bytes of @url (http(s), data: or file:), and their content type
 * (from the answer, the data URL or a guess; may be NULL). A non-2xx
 * answer is an error. An http(s) body is read within
 * FALSTAFF_OUTPUT_FETCH_MAX_SIZE and a 600 s deadline. */
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

/* The default app for a URI or a local path. A local file's default
 * handler is asked for first (g_file_query_default_handler_async()), so
 * the finish gives its name, or fails with FALSTAFF_OUTPUT_ERROR_NO_APP;
 * other URIs, and everything in a sandbox, go through
 * g_app_info_launch_default_for_uri_async() (the OpenURI portal). */
void      falstaff_output_open_async          (GtkWindow           *parent,
                                               const char          *uri_or_path,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* @app_name: the app's name when known, else NULL. */
gboolean  falstaff_output_open_finish         (GAsyncResult        *result,
                                               char               **app_name,
                                               GError             **error);

/* Downloads @url into the cache (once; as falstaff_output_save_to_file_async()
 * with @png_text) and opens that file in its default app. */
void      falstaff_output_open_url_async      (GtkWindow           *parent,
                                               SoupSession         *session,
                                               const char          *url,
                                               const char          *content_type,
                                               const char * const  *png_text,
                                               GCancellable        *cancellable,
                                               GAsyncReadyCallback  callback,
                                               gpointer             user_data);
/* The app's name (may be NULL on success when not known: check @error). */
char     *falstaff_output_open_url_finish     (GAsyncResult        *result,
                                               GError             **error);

/* A link from a result (the network) that may be fetched or opened:
 * https, http to this machine, or data:; else FALSE with an error in
 * words. Never file: or another scheme: a result must not make the app
 * show, copy or launch a local file. */
gboolean  falstaff_output_check_link          (const char          *url,
                                               GError             **error);

/* Errors whose message is already written for a person. */
#define FALSTAFF_OUTPUT_ERROR (falstaff_output_error_quark ())
typedef enum {
  FALSTAFF_OUTPUT_ERROR_HTTP,     /* the file host said no */
  FALSTAFF_OUTPUT_ERROR_NO_APP,   /* nothing opens this type */
} FalstaffOutputError;
GQuark    falstaff_output_error_quark         (void);
/* A download's HTTP failure, in words ("the server no longer has this file"). */
GError   *falstaff_output_http_error          (guint                status);
/* Why something failed, in words a person reads after "Could not save: ":
 * no error domains, D-Bus names or GStreamer dumps. Lower case, no full stop. */
char     *falstaff_output_describe_error      (const GError        *error);
/* @text in a toast of the AdwToastOverlay around @widget (none: nothing). */
void      falstaff_output_toast               (GtkWidget           *widget,
                                               const char          *text);

G_END_DECLS
