/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <errno.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gi18n.h>
#include <string.h>

#include "fal-file-name.h"
#include "fal.h"
#include "falstaff-announcer.h"
#include "falstaff-output-actions.h"
#include "falstaff-png-metadata.h"
#include "falstaff-settings.h"

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

/* Seconds to read a fetched body whole, from its head on. */
#define FETCH_BODY_TIMEOUT 600

static void
body_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  SoupMessage *msg = g_task_get_task_data (task);
  GError *error = NULL;
  GBytes *bytes = fal_read_body_finish (result, &error);

  if (bytes == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_bytes_unref (bytes);
      g_task_return_error (task, falstaff_output_http_error (soup_message_get_status (msg)));
      return;
    }
  /* The message goes with the old task data: the type is copied first. */
  g_task_set_task_data (task, g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL)),
                        g_free);
  g_task_return_pointer (task, bytes, (GDestroyNotify) g_bytes_unref);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;
  g_autoptr(GInputStream) body = soup_session_send_finish (SOUP_SESSION (source), result, &error);

  if (body == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  /* Held in memory: within a cap, and a body that drips ends too. */
  fal_read_body_async (g_task_get_task_data (task), body, FALSTAFF_OUTPUT_FETCH_MAX_SIZE, FETCH_BODY_TIMEOUT,
                       g_task_get_cancellable (task), body_read_cb, task);
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

gboolean
falstaff_output_check_link (const char  *url,
                            GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  const char *host;

  if (g_str_has_prefix (url, "data:"))
    return TRUE;
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  host = uri ? g_uri_get_host (uri) : NULL;
  /* A web link needs its host; any other scheme is refused below. */
  if (scheme == NULL ||
      ((g_ascii_strcasecmp (scheme, "https") == 0 || g_ascii_strcasecmp (scheme, "http") == 0) &&
       (host == NULL || *host == '\0')))
    {
      g_set_error_literal (error, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP, _("the link is not valid"));
      return FALSE;
    }
  if (fal_uri_is_secure (uri))
    return TRUE;
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                       _("the link is not a secure (https) address"));
  return FALSE;
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
        g_task_return_new_error (task, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP, "%s", _("the link is not valid"));
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
          g_task_return_new_error (task, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP, "%s", _("the link is not valid"));
          return;
        }
      g_task_set_task_data (task, g_object_ref (msg), g_object_unref);
      soup_session_send_async (session, msg, G_PRIORITY_DEFAULT, cancellable, sent_cb, g_steal_pointer (&task));
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
  GCancellable *cancellable;

  g_signal_handlers_disconnect_by_func (chooser, chooser_response_cb, data);
  if (response != GTK_RESPONSE_ACCEPT || g_task_return_error_if_cancelled (task))
    {
      if (!g_task_had_error (task))
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Not saved"));
      return;
    }
  dialog->target = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  /* Read before the task is handed on: argument order is unspecified, and
   * the steal may come first. */
  cancellable = g_task_get_cancellable (task);
  falstaff_output_save_to_file_async (dialog->session, dialog->url, dialog->target,
                                      (const char * const *) dialog->png_text,
                                      cancellable, saved_cb, g_steal_pointer (&task));
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
  g_autofree char *start = NULL;
  g_autoptr(GSettings) settings = NULL;
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

  name = suggested_name ? fal_file_name_sanitize (suggested_name, "output")
                        : fal_file_name_from_url (url, NULL);
  dialog->chooser = gtk_file_chooser_native_new (_("Save Output"), parent, GTK_FILE_CHOOSER_ACTION_SAVE,
                                                 _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (dialog->chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog->chooser), name);
  /* The folder chosen in the preferences, else Pictures, rather than
   * wherever the process happens to run. */
  settings = falstaff_settings_new ();
  start = falstaff_settings_get_save_folder (settings);
  if (start)
    {
      g_autoptr(GFile) folder = g_file_new_for_path (start);

      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog->chooser), folder, NULL);
    }
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
  gboolean launched;

  if (G_IS_APP_INFO (source))
    launched = g_app_info_launch_uris_finish (G_APP_INFO (source), result, &error);
  else
    launched = g_app_info_launch_default_for_uri_finish (result, &error);
  if (!launched)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

typedef struct {
  char *uri;
  GAppLaunchContext *context;
  char *app_name;
} Open;

static void
open_free (gpointer data)
{
  Open *open = data;

  g_free (open->uri);
  g_clear_object (&open->context);
  g_free (open->app_name);
  g_free (open);
}

/* In a sandbox the handler can't be asked for: the OpenURI portal picks. */
static gboolean
sandboxed (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) || g_getenv ("SNAP") != NULL;
}

static void
handler_found_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(GTask) task = data;
  Open *open = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GAppInfo) app = g_file_query_default_handler_finish (G_FILE (source), result, &error);
  g_autoptr(GList) uris = NULL;
  GCancellable *cancellable;

  if (app == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_NO_APP, "%s",
                                 _("no app on this computer opens this kind of file"));
      return;
    }
  open->app_name = g_strdup (g_app_info_get_display_name (app));
  uris = g_list_append (NULL, open->uri);
  cancellable = g_task_get_cancellable (task);
  g_app_info_launch_uris_async (app, uris, open->context, cancellable, launched_cb, g_steal_pointer (&task));
}

void
falstaff_output_open_async (GtkWindow           *parent,
                            const char          *uri_or_path,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GFile) file = NULL;
  g_autofree char *scheme = NULL;
  GdkDisplay *display;
  Open *open;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (uri_or_path != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_output_open_async);
  open = g_new0 (Open, 1);
  g_task_set_task_data (task, open, open_free);
  scheme = g_uri_parse_scheme (uri_or_path);
  file = scheme ? g_file_new_for_uri (uri_or_path) : g_file_new_for_path (uri_or_path);
  open->uri = g_file_get_uri (file);
  display = parent ? gtk_widget_get_display (GTK_WIDGET (parent)) : gdk_display_get_default ();
  if (display)
    open->context = G_APP_LAUNCH_CONTEXT (gdk_display_get_app_launch_context (display));

  /* A local file: its default app is asked for first, so a person is told
   * which app opens it, or that none does. */
  if (!sandboxed () && g_file_is_native (file))
    g_file_query_default_handler_async (file, G_PRIORITY_DEFAULT, cancellable,
                                        handler_found_cb, g_steal_pointer (&task));
  else
    g_app_info_launch_default_for_uri_async (open->uri, open->context, cancellable,
                                             launched_cb, g_steal_pointer (&task));
}

gboolean
falstaff_output_open_finish (GAsyncResult  *result,
                             char         **app_name,
                             GError       **error)
{
  Open *open;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  open = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (app_name)
    *app_name = g_strdup (open->app_name);
  return TRUE;
}

/* ------------------------------------------------------------------ open a remote output */

typedef struct {
  GtkWindow *parent;
  GFile *file;
} OpenUrl;

static void
open_url_free (gpointer data)
{
  OpenUrl *open = data;

  g_clear_object (&open->parent);
  g_clear_object (&open->file);
  g_free (open);
}

static void
url_opened_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  char *app_name = NULL;

  if (!falstaff_output_open_finish (result, &app_name, &error))
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, app_name, g_free);
}

static void
open_kept_file (GTask *task)
{
  OpenUrl *open = g_task_get_task_data (task);
  g_autofree char *uri = g_file_get_uri (open->file);
  GCancellable *cancellable = g_task_get_cancellable (task);

  falstaff_output_open_async (open->parent, uri, cancellable, url_opened_cb, g_steal_pointer (&task));
}

static void
kept_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (!falstaff_output_save_to_file_finish (result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  open_kept_file (g_steal_pointer (&task));
}

void
falstaff_output_open_url_async (GtkWindow           *parent,
                                SoupSession         *session,
                                const char          *url,
                                const char          *content_type,
                                const char * const  *png_text,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *name = NULL;
  g_autofree char *file_name = NULL;
  OpenUrl *open;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (SOUP_IS_SESSION (session));
  g_return_if_fail (url != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_output_open_url_async);
  open = g_new0 (OpenUrl, 1);
  open->parent = parent ? g_object_ref (parent) : NULL;
  g_task_set_task_data (task, open, open_url_free);

  /* Another app gets a file with a real name and type, not a link to the
   * file host (a browser would open that, and it may expire). */
  dir = g_build_filename (g_get_user_cache_dir (), "falstaff", "outputs", NULL);
  hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, url, -1);
  hash[16] = '\0';
  name = fal_file_name_from_url (url, content_type);
  file_name = g_strdup_printf ("%s-%s", hash, name);
  open->file = g_file_new_build_filename (dir, file_name, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s", g_strerror (saved_errno));
      return;
    }
  if (g_file_query_exists (open->file, NULL))
    {
      open_kept_file (g_steal_pointer (&task));
      return;
    }
  falstaff_output_save_to_file_async (session, url, open->file, png_text, cancellable,
                                      kept_cb, g_steal_pointer (&task));
}

char *
falstaff_output_open_url_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ------------------------------------------------------------------ telling a person */

G_DEFINE_QUARK (falstaff-output-error-quark, falstaff_output_error)

GError *
falstaff_output_http_error (guint status)
{
  if (status == SOUP_STATUS_NOT_FOUND || status == SOUP_STATUS_GONE)
    return g_error_new_literal (FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP,
                                _("the server no longer has this file"));
  if (status == SOUP_STATUS_UNAUTHORIZED || status == SOUP_STATUS_FORBIDDEN)
    return g_error_new_literal (FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP,
                                _("the server refused to hand over this file"));
  if (status >= 500)
    return g_error_new (FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP,
                        _("the server had a problem (error %u)"), status);
  return g_error_new (FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP,
                      _("the server refused the download (error %u)"), status);
}

/* Messages that read like a developer's: GStreamer element paths, D-Bus
 * names, source locations. */
static gboolean
looks_technical (const char *message)
{
  static const char * const marks[] = { "GDBus", "org.freedesktop", "/org/", "Gst", "gst", ".c:", "::", "(null)", NULL };

  for (guint i = 0; marks[i]; i++)
    if (strstr (message, marks[i]))
      return TRUE;
  return FALSE;
}

char *
falstaff_output_describe_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  if (error->domain == FALSTAFF_OUTPUT_ERROR)
    return g_strdup (error->message);
  if (error->domain == G_IO_ERROR)
    switch (error->code)
      {
      case G_IO_ERROR_NOT_FOUND:
        return g_strdup (_("the file or folder does not exist"));
      case G_IO_ERROR_PERMISSION_DENIED:
        return g_strdup (_("this app is not allowed to use that place"));
      case G_IO_ERROR_NO_SPACE:
        return g_strdup (_("the disk is full"));
      case G_IO_ERROR_READ_ONLY:
        return g_strdup (_("that place is read-only"));
      case G_IO_ERROR_IS_DIRECTORY:
        return g_strdup (_("a folder already has that name"));
      case G_IO_ERROR_FILENAME_TOO_LONG:
      case G_IO_ERROR_INVALID_FILENAME:
        return g_strdup (_("that file name is not allowed there"));
      case G_IO_ERROR_NOT_SUPPORTED:
        return g_strdup (_("no app on this computer opens this kind of file"));
      case G_IO_ERROR_TIMED_OUT:
        return g_strdup (_("the server took too long to answer"));
      case G_IO_ERROR_CONNECTION_REFUSED:
      case G_IO_ERROR_HOST_UNREACHABLE:
      case G_IO_ERROR_NETWORK_UNREACHABLE:
      case G_IO_ERROR_CONNECTION_CLOSED:
        return g_strdup (_("the connection to the server failed"));
      case G_IO_ERROR_INVALID_DATA:
        return g_strdup (_("the file is damaged or in a format this app does not know"));
      case G_IO_ERROR_CANCELLED:
        return g_strdup (_("it was cancelled"));
      default:
        break;
      }
  if (error->domain == G_RESOLVER_ERROR || error->domain == G_TLS_ERROR)
    return g_strdup (_("the connection to the server failed"));
  if (error->domain == GDK_PIXBUF_ERROR)
    return g_strdup (_("the file is damaged or in a format this app does not know"));
  if (g_dbus_error_is_remote_error (error) || error->domain == G_DBUS_ERROR)
    return g_strdup (_("a service of the desktop did not answer"));
  if (error->message == NULL || *error->message == '\0' || looks_technical (error->message))
    return g_strdup (_("something went wrong on this computer"));
  return g_strdup (error->message);
}

void
falstaff_output_toast (GtkWidget  *widget,
                       const char *text)
{
  GtkWidget *overlay;

  g_return_if_fail (GTK_IS_WIDGET (widget));
  g_return_if_fail (text != NULL);

  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay)
    {
      adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (text));
      /* libadwaita 1.2's toasts are silent to screen readers. */
      falstaff_announce (widget, text);
    }
  else
    g_debug ("No toast overlay for: %s", text);
}
