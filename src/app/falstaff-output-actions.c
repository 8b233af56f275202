/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-file-name.h"
#include "falstaff-output-actions.h"
#include "falstaff-png-metadata.h"

/* ------------------------------------------------------------------ save to a file */

typedef struct {
  GFile *target;
  char **png_text;
  GBytes *bytes;
} Save;

static void
save_free (gpointer data)
{
  Save *save = data;

  g_clear_object (&save->target);
  g_clear_pointer (&save->png_text, g_strfreev);
  g_clear_pointer (&save->bytes, g_bytes_unref);
  g_free (save);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
write_bytes (GTask *task)
{
  Save *save = g_task_get_task_data (task);

  g_file_replace_contents_bytes_async (save->target, save->bytes, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION,
                                       g_task_get_cancellable (task), written_cb,
                                       g_object_ref (task));
}

/* Copying a big PNG with its new chunks: off the main thread. */
static void
add_text_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  Save *save = task_data;
  GError *error = NULL;
  GBytes *with_text = falstaff_png_add_text (save->bytes, (const char * const *) save->png_text, &error);

  if (with_text == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, with_text, (GDestroyNotify) g_bytes_unref);
}

static void
text_added_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  Save *save = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *with_text = g_task_propagate_pointer (G_TASK (result), &error);

  if (with_text == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_bytes_unref (save->bytes);
  save->bytes = with_text;
  write_bytes (task);
}

static void
got_bytes (GTask  *task,
           GBytes *bytes)
{
  Save *save = g_task_get_task_data (task);

  save->bytes = bytes;
  if (save->png_text && save->png_text[0] && falstaff_png_is_png (bytes))
    {
      g_autoptr(GTask) thread = g_task_new (NULL, g_task_get_cancellable (task), text_added_cb, g_object_ref (task));

      g_task_set_source_tag (thread, add_text_thread);
      g_task_set_task_data (thread, save, NULL);
      g_task_run_in_thread (thread, add_text_thread);
      return;
    }
  write_bytes (task);
}

/* ------------------------------------------------------------------ fetch */

static void
downloaded_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  GError *error = NULL;
  GBytes *bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);

  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_bytes_unref (bytes);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, _("Download failed: HTTP %u %s"),
                               soup_message_get_status (msg), soup_message_get_reason_phrase (msg));
      return;
    }
  g_task_set_task_data (task, g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL)),
                        g_free);
  g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
loaded_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  char *contents;
  gsize length;

  if (!g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_set_task_data (task, g_content_type_guess (g_task_get_task_data (task), (const guchar *) contents, length, NULL),
                        g_free);
  g_task_return_pointer (task, g_bytes_new_take (contents, length), (GDestroyNotify) g_bytes_unref);
}

void
falstaff_output_fetch_async (SoupSession         *session,
                             const char          *url,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_output_fetch_async);
  if (g_str_has_prefix (url, "data:"))
    {
      char *content_type = NULL;
      GBytes *bytes = soup_uri_decode_data_uri (url, &content_type);

      g_task_set_task_data (task, content_type, g_free);
      if (bytes == NULL)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Not a valid data URL"));
      else
        g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
    }
  else if (g_str_has_prefix (url, "file:"))
    {
      g_autoptr(GFile) file = g_file_new_for_uri (url);

      /* The name, until the content type is guessed from it. */
      g_task_set_task_data (task, g_file_get_basename (file), g_free);
      g_file_load_contents_async (file, cancellable, loaded_cb, g_steal_pointer (&task));
    }
  else
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);

      if (msg == NULL)
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Not a valid URL: %s"), url);
          return;
        }
      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, cancellable,
                                        downloaded_cb, g_steal_pointer (&task));
    }
}

GBytes *
falstaff_output_fetch_finish (GAsyncResult  *result,
                              char         **content_type,
                              GError       **error)
{
  GBytes *bytes;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  bytes = g_task_propagate_pointer (G_TASK (result), error);
  if (content_type)
    *content_type = bytes ? g_strdup (g_task_get_task_data (G_TASK (result))) : NULL;
  return bytes;
}

/* ------------------------------------------------------------------ save to a file, continued */

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  GBytes *bytes = falstaff_output_fetch_finish (result, NULL, &error);

  if (bytes == NULL)
    g_task_return_error (task, error);
  else
    got_bytes (task, bytes);
}

void
falstaff_output_save_to_file_async (SoupSession         *session,
                                    const char          *url,
                                    GFile               *target,
                                    const char * const  *png_text,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  Save *save;

  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);
  g_return_if_fail (G_IS_FILE (target));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_output_save_to_file_async);
  save = g_new0 (Save, 1);
  save->target = g_object_ref (target);
  save->png_text = g_strdupv ((char **) png_text);
  g_task_set_task_data (task, save, save_free);
  falstaff_output_fetch_async (session, url, cancellable, fetched_cb, g_steal_pointer (&task));
}

gboolean
falstaff_output_save_to_file_finish (GAsyncResult  *result,
                                     GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ save with a dialog */

typedef struct {
  SoupSession *session;
  char *url;
  char **png_text;
  GtkFileChooserNative *chooser;
  GFile *target;
} SaveDialog;

static void
save_dialog_free (gpointer data)
{
  SaveDialog *dialog = data;

  g_clear_object (&dialog->session);
  g_clear_pointer (&dialog->url, g_free);
  g_clear_pointer (&dialog->png_text, g_strfreev);
  if (dialog->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (dialog->chooser));
  g_clear_object (&dialog->chooser);
  g_clear_object (&dialog->target);
  g_free (dialog);
}

static void
saved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(GTask) task = data;
  SaveDialog *dialog = g_task_get_task_data (task);
  GError *error = NULL;

  if (!falstaff_output_save_to_file_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_object_ref (dialog->target), g_object_unref);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     gpointer         data)
{
  g_autoptr(GTask) task = data;
  SaveDialog *dialog = g_task_get_task_data (task);

  g_signal_handlers_disconnect_by_func (chooser, chooser_response_cb, data);
  if (response != GTK_RESPONSE_ACCEPT || g_task_return_error_if_cancelled (task))
    {
      if (!g_task_had_error (task))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Not saved"));
      return;
    }
  dialog->target = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  falstaff_output_save_to_file_async (dialog->session, dialog->url, dialog->target,
                                      (const char * const *) dialog->png_text,
                                      g_task_get_cancellable (task), saved_cb,
                                      g_steal_pointer (&task));
}

void
falstaff_output_save_async (GtkWindow           *parent,
                            SoupSession         *session,
                            const char          *url,
                            const char          *suggested_name,
                            const char * const  *png_text,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *name = NULL;
  SaveDialog *dialog;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_output_save_async);
  dialog = g_new0 (SaveDialog, 1);
  dialog->session = g_object_ref (session);
  dialog->url = g_strdup (url);
  dialog->png_text = g_strdupv ((char **) png_text);
  g_task_set_task_data (task, dialog, save_dialog_free);

  name = suggested_name ? falstaff_file_name_sanitize (suggested_name, "output")
                        : falstaff_file_name_from_url (url, NULL);
  dialog->chooser = gtk_file_chooser_native_new (_("Save Output"), parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                                 _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog->chooser), name);
  g_signal_connect (dialog->chooser, "response", G_CALLBACK (chooser_response_cb), g_object_ref (task));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog->chooser));
}

GFile *
falstaff_output_save_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

char **
falstaff_output_png_text_new (const char *endpoint_id,
                              const char *request_id,
                              const char *seed,
                              const char *inputs_json)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **list;

  g_strv_builder_add_many (builder, FALSTAFF_PNG_KEY_SOFTWARE, "Falstaff " PACKAGE_VERSION, NULL);
  if (endpoint_id)
    g_strv_builder_add_many (builder, FALSTAFF_PNG_KEY_ENDPOINT, endpoint_id, NULL);
  if (request_id)
    g_strv_builder_add_many (builder, FALSTAFF_PNG_KEY_REQUEST_ID, request_id, NULL);
  if (seed)
    g_strv_builder_add_many (builder, FALSTAFF_PNG_KEY_SEED, seed, NULL);
  if (inputs_json)
    g_strv_builder_add_many (builder, FALSTAFF_PNG_KEY_INPUTS, inputs_json, NULL);
  list = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return list;
}

/* ------------------------------------------------------------------ clipboard */

void
falstaff_output_copy_image (GtkWidget  *widget,
                            GdkTexture *texture)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (GDK_IS_TEXTURE (texture));

  gdk_clipboard_set_texture (gtk_widget_get_clipboard (widget), texture);
}

void
falstaff_output_copy_image_bytes (GtkWidget  *widget,
                                  GBytes     *bytes,
                                  const char *mime_type)
{
  g_autoptr(GdkContentProvider) provider = NULL;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (bytes != NULL);
  g_return_if_fail (mime_type != NULL);

  provider = gdk_content_provider_new_for_bytes (mime_type, bytes);
  gdk_clipboard_set_content (gtk_widget_get_clipboard (widget), provider);
}

void
falstaff_output_copy_url (GtkWidget  *widget,
                          const char *url)
{
  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (url != NULL);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (widget), url);
}

/* ------------------------------------------------------------------ open */

static void
launched_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (!g_app_info_launch_default_for_uri_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
falstaff_output_open_async (GtkWindow           *parent,
                            const char          *uri_or_path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GdkAppLaunchContext) context = NULL;
  g_autofree char *scheme = NULL;
  g_autofree char *uri = NULL;
  GdkDisplay *display;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (uri_or_path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_output_open_async);
  scheme = g_uri_parse_scheme (uri_or_path);
  if (scheme != NULL)
    uri = g_strdup (uri_or_path);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_path (uri_or_path);

      uri = g_file_get_uri (file);
    }
  display = parent ? gtk_widget_get_display (GTK_WIDGET (parent)) : gdk_display_get_default ();
  if (display)
    context = gdk_display_get_app_launch_context (display);
  g_app_info_launch_default_for_uri_async (uri, context ? G_APP_LAUNCH_CONTEXT (context) : NULL,
                                           cancellable, launched_cb, g_steal_pointer (&task));
}

gboolean
falstaff_output_open_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
