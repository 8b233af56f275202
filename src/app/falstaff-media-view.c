/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <errno.h>
#include <glib/gi18n.h>

#include "fal.h"
#include "fal-file-name.h"
#include "falstaff-media-view.h"
#include "falstaff-output-actions.h"
#include "falstaff-output-keeper.h"
#include "falstaff-size-limit.h"

struct _FalstaffMediaView
{
  GtkWidget parent_instance;

  GtkStack *stack;
  GtkSpinner *spinner;
  GtkVideo *video;
  GtkLabel *audio_title;
  GtkMediaControls *controls;
  GtkLabel *error_label;
  GtkButton *open_button;

  SoupSession *session;
  GCancellable *cancellable;
  char *url;
  char *content_type;
  char *name;             /* the file name shown and kept */
  GFile *file;            /* downloaded */
  GFile *local_file;      /* kept already (FalstaffOutputKeeper), or NULL */
  GFile *part;            /* being downloaded */
  GtkMediaStream *stream;
  char *error_message;
  char *last_notice;
};

G_DEFINE_FINAL_TYPE (FalstaffMediaView, falstaff_media_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_SESSION,
  PROP_URL,
  PROP_CONTENT_TYPE,
  PROP_LOCAL_FILE,
  PROP_STATE,
  PROP_STREAM,
  PROP_ERROR_MESSAGE,
  PROP_LAST_NOTICE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_state (FalstaffMediaView *self,
           const char        *state)
{
  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), state) == 0)
    return;
  gtk_spinner_set_spinning (self->spinner, g_str_equal (state, "loading"));
  gtk_stack_set_visible_child_name (self->stack, state);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
show_error (FalstaffMediaView *self,
            const char        *message)
{
  g_free (self->error_message);
  self->error_message = g_strdup (message);
  gtk_label_set_text (self->error_label, message);
  set_state (self, "error");
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
}

static gboolean
is_audio (FalstaffMediaView *self)
{
  return self->content_type && g_str_has_prefix (self->content_type, "audio/");
}

static void
stream_error_cb (GtkMediaStream    *stream,
                 GParamSpec        *pspec,
                 FalstaffMediaView *self)
{
  const GError *error = gtk_media_stream_get_error (stream);

  if (error == NULL)
    return;
  /* What GStreamer says (element paths, source lines) is for a developer:
   * the debug log has it, the card says what a person can do. */
  g_debug ("Media stream of %s: %s", self->url, error->message);
  show_error (self, is_audio (self)
                      ? _("This audio can’t be played here. Open it in another app to listen to it.")
                      : _("This video can’t be played here. Open it in another app to watch it."));
}

static void
stream_prepared_cb (GtkMediaStream    *stream,
                    GParamSpec        *pspec,
                    FalstaffMediaView *self)
{
  /* A file that prepares without video is still worth showing: GtkVideo
   * has controls; audio without audio is an error the stream reports. */
  if (gtk_media_stream_is_prepared (stream) && gtk_media_stream_get_error (stream) == NULL)
    set_state (self, is_audio (self) ? "audio" : "video");
}

/* GTK 4.8's player controls leave their position slider without a name a
 * screen reader can speak: give it one (and any other nameless scale). */
static void
name_player_parts (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child; child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_SCALE (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        _("Playback position"), -1);
      name_player_parts (child);
    }
}

static void
start_stream (FalstaffMediaView *self)
{
  g_assert (self->file != NULL);

  self->stream = GTK_MEDIA_STREAM (gtk_media_file_new_for_file (self->file));
  g_signal_connect (self->stream, "notify::error", G_CALLBACK (stream_error_cb), self);
  g_signal_connect (self->stream, "notify::prepared", G_CALLBACK (stream_prepared_cb), self);
  gtk_label_set_text (self->audio_title, self->name);
  if (is_audio (self))
    gtk_media_controls_set_media_stream (self->controls, self->stream);
  else
    gtk_video_set_media_stream (self->video, self->stream);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STREAM]);
  name_player_parts (GTK_WIDGET (self->controls));
  name_player_parts (GTK_WIDGET (self->video));
  /* Without a media backend GTK's stand-in reports its error at once. */
  stream_error_cb (self->stream, NULL, self);
  stream_prepared_cb (self->stream, NULL, self);
}

/* ------------------------------------------------------------------ download */

static void
download_failed (FalstaffMediaView *self,
                 const GError      *error)
{
  g_autofree char *reason = falstaff_output_describe_error (error);
  g_autofree char *message = g_strdup_printf (is_audio (self)
                                                ? _("This audio could not be downloaded: %s.")
                                                : _("This video could not be downloaded: %s."),
                                              reason);

  g_clear_object (&self->file);
  show_error (self, message);
}

static void
moved_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(FalstaffMediaView) self = data;
  g_autoptr(GError) error = NULL;

  if (!g_file_move_finish (G_FILE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        download_failed (self, error);
      return;
    }
  g_clear_object (&self->part);
  start_stream (self);
}

static void
spliced_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(FalstaffMediaView) self = data;
  g_autoptr(GError) error = NULL;

  if (g_output_stream_splice_finish (G_OUTPUT_STREAM (source), result, &error) < 0)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        download_failed (self, error);
      g_file_delete (self->part, NULL, NULL);
      return;
    }
  g_file_move_async (self->part, self->file, G_FILE_COPY_OVERWRITE, G_PRIORITY_DEFAULT,
                     self->cancellable, NULL, NULL, moved_cb, g_object_ref (self));
}

typedef struct {
  FalstaffMediaView *self;
  GInputStream *body;
} Opened;

static void
part_opened_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Opened *opened = data;
  g_autoptr(FalstaffMediaView) self = opened->self;
  g_autoptr(GInputStream) body = opened->body;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileOutputStream) out = g_file_replace_finish (G_FILE (source), result, &error);

  g_free (opened);
  if (out == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        download_failed (self, error);
      return;
    }
  g_output_stream_splice_async (G_OUTPUT_STREAM (out), body,
                                G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                                G_PRIORITY_DEFAULT, self->cancellable, spliced_cb, g_object_ref (self));
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(FalstaffMediaView) self = data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  Opened *opened;

  if (body == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        download_failed (self, error);
      return;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_autoptr(GError) http = falstaff_output_http_error (soup_message_get_status (msg));

      download_failed (self, http);
      return;
    }
  if (self->content_type == NULL)
    {
      const char *type = soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL);

      self->content_type = g_strdup (type);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT_TYPE]);
    }
  /* What a server can make the app write: the kept outputs' cap. */
  if (soup_message_headers_get_content_length (soup_message_get_response_headers (msg)) > FALSTAFF_OUTPUT_KEEPER_MAX_FILE_SIZE)
    {
      g_autoptr(GError) too_large = falstaff_size_limit_error_new (FALSTAFF_OUTPUT_KEEPER_MAX_FILE_SIZE);

      download_failed (self, too_large);
      return;
    }
  opened = g_new0 (Opened, 1);
  opened->self = g_object_ref (self);
  {
    g_autoptr(FalstaffSizeLimit) limit = falstaff_size_limit_new (FALSTAFF_OUTPUT_KEEPER_MAX_FILE_SIZE);

    opened->body = g_converter_input_stream_new (body, G_CONVERTER (limit));
  }
  g_file_replace_async (self->part, NULL, FALSE, G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                        G_PRIORITY_DEFAULT, self->cancellable, part_opened_cb, opened);
}

static void
start_download (FalstaffMediaView *self)
{
  g_autofree char *dir = g_build_filename (g_get_user_cache_dir (), "falstaff", "media", NULL);
  g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, self->url, -1);
  g_autofree char *file_name = NULL;
  g_autofree char *part_name = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GError) error = NULL;

  self->name = fal_file_name_from_url (self->url, self->content_type);
  if (self->content_type == NULL)
    {
      g_autofree char *guessed = g_content_type_guess (self->name, NULL, 0, NULL);

      self->content_type = g_content_type_get_mime_type (guessed);
    }

  /* One file per URL (outputs' URLs do not change what they serve), so a
   * view made again for the same output does not download again. */
  /* A kept copy plays as it is: fal's URL may have expired. */
  if (self->local_file && g_file_query_exists (self->local_file, NULL))
    {
      self->file = g_object_ref (self->local_file);
      start_stream (self);
      return;
    }
  hash[16] = '\0';
  file_name = g_strdup_printf ("%s-%s", hash, self->name);
  part_name = g_strconcat (file_name, ".part", NULL);
  self->file = g_file_new_build_filename (dir, file_name, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      error = g_error_new (G_IO_ERROR, g_io_error_from_errno (saved_errno), "%s: %s", dir, g_strerror (saved_errno));
      download_failed (self, error);
      return;
    }
  if (g_file_query_exists (self->file, NULL))
    {
      start_stream (self);
      return;
    }
  self->part = g_file_new_build_filename (dir, part_name, NULL);
  msg = soup_message_new ("GET", self->url);
  if (msg == NULL)
    {
      error = g_error_new_literal (FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_HTTP, _("the link is not valid"));
      download_failed (self, error);
      return;
    }
  soup_session_send_async (self->session, msg, G_PRIORITY_DEFAULT, self->cancellable, sent_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ actions */

/* A toast, and what tests and the output view read back. */
static void
falstaff_media_view_notify (FalstaffMediaView *self,
                            const char        *text)
{
  g_free (self->last_notice);
  self->last_notice = g_strdup (text);
  falstaff_output_toast (GTK_WIDGET (self), text);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LAST_NOTICE]);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(FalstaffMediaView) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *app_name = NULL;
  g_autofree char *text = NULL;

  if (falstaff_output_open_finish (result, &app_name, &error))
    text = app_name ? g_strdup_printf (_("Opened in %s"), app_name) : g_strdup (_("Opened in another app"));
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  else if (g_error_matches (error, FALSTAFF_OUTPUT_ERROR, FALSTAFF_OUTPUT_ERROR_NO_APP))
    text = g_strdup (_("No app on this computer opens this kind of file"));
  else
    {
      g_autofree char *reason = falstaff_output_describe_error (error);

      text = g_strdup_printf (_("Could not open it: %s"), reason);
    }
  falstaff_media_view_notify (self, text);
}

static void
open_external_action (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  FalstaffMediaView *self = FALSTAFF_MEDIA_VIEW (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autofree char *uri = NULL;

  /* The downloaded file when there is one: the remote URL may expire. */
  if (self->file && self->part == NULL)
    uri = g_file_get_uri (self->file);
  else
    uri = g_strdup (self->url);
  falstaff_output_open_async (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, uri,
                              self->cancellable, opened_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ GObject */

static void
falstaff_media_view_constructed (GObject *object)
{
  FalstaffMediaView *self = FALSTAFF_MEDIA_VIEW (object);

  G_OBJECT_CLASS (falstaff_media_view_parent_class)->constructed (object);

  if (self->session == NULL)
    {
      g_autofree char *user_agent = g_strdup_printf ("Falstaff/%s", PACKAGE_VERSION);

      self->session = soup_session_new_with_options ("user-agent", user_agent, NULL);
      fal_session_guard_redirects (self->session);
    }
  if (self->url)
    start_download (self);
}

static void
falstaff_media_view_dispose (GObject *object)
{
  FalstaffMediaView *self = FALSTAFF_MEDIA_VIEW (object);
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  if (self->stream)
    {
      g_signal_handlers_disconnect_by_data (self->stream, self);
      gtk_media_stream_pause (self->stream);
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_MEDIA_VIEW);
  /* The template's root child is not bound: it goes here. */
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
    gtk_widget_unparent (child);
  g_clear_object (&self->stream);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (falstaff_media_view_parent_class)->dispose (object);
}

static void
falstaff_media_view_finalize (GObject *object)
{
  FalstaffMediaView *self = FALSTAFF_MEDIA_VIEW (object);

  g_clear_object (&self->file);
  g_clear_object (&self->part);
  g_clear_object (&self->local_file);
  g_free (self->url);
  g_free (self->content_type);
  g_free (self->name);
  g_free (self->error_message);
  g_free (self->last_notice);

  G_OBJECT_CLASS (falstaff_media_view_parent_class)->finalize (object);
}

static void
falstaff_media_view_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  FalstaffMediaView *self = FALSTAFF_MEDIA_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_CONTENT_TYPE:
      g_value_set_string (value, self->content_type);
      break;
    case PROP_LOCAL_FILE:
      g_value_set_object (value, self->local_file);
      break;
    case PROP_STATE:
      g_value_set_string (value, falstaff_media_view_get_state (self));
      break;
    case PROP_STREAM:
      g_value_set_object (value, self->stream);
      break;
    case PROP_ERROR_MESSAGE:
      g_value_set_string (value, self->error_message);
      break;
    case PROP_LAST_NOTICE:
      g_value_set_string (value, self->last_notice);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_media_view_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  FalstaffMediaView *self = FALSTAFF_MEDIA_VIEW (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      self->session = g_value_dup_object (value);
      break;
    case PROP_URL:
      self->url = g_value_dup_string (value);
      break;
    case PROP_CONTENT_TYPE:
      self->content_type = g_value_dup_string (value);
      break;
    case PROP_LOCAL_FILE:
      self->local_file = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_media_view_class_init (FalstaffMediaViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags construct = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;
  GParamFlags readable = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = falstaff_media_view_constructed;
  object_class->dispose = falstaff_media_view_dispose;
  object_class->finalize = falstaff_media_view_finalize;
  object_class->get_property = falstaff_media_view_get_property;
  object_class->set_property = falstaff_media_view_set_property;

  properties[PROP_SESSION] = g_param_spec_object ("session", NULL, NULL, SOUP_TYPE_SESSION, construct);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, construct);
  /* Construct-only, but filled from the response when not given. */
  properties[PROP_CONTENT_TYPE] = g_param_spec_string ("content-type", NULL, NULL, NULL, construct | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LOCAL_FILE] = g_param_spec_object ("local-file", NULL, NULL, G_TYPE_FILE, construct);
  properties[PROP_STATE] = g_param_spec_string ("state", NULL, NULL, "loading", readable);
  properties[PROP_STREAM] = g_param_spec_object ("stream", NULL, NULL, GTK_TYPE_MEDIA_STREAM, readable);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, readable);
  properties[PROP_LAST_NOTICE] = g_param_spec_string ("last-notice", NULL, NULL, NULL, readable);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_install_action (widget_class, "media.open-external", NULL, open_external_action);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-media-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffMediaView, stack);
  gtk_widget_class_bind_template_child (widget_class, FalstaffMediaView, spinner);
  gtk_widget_class_bind_template_child (widget_class, FalstaffMediaView, video);
  gtk_widget_class_bind_template_child (widget_class, FalstaffMediaView, audio_title);
  gtk_widget_class_bind_template_child (widget_class, FalstaffMediaView, controls);
  gtk_widget_class_bind_template_child (widget_class, FalstaffMediaView, error_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffMediaView, open_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_media_view_init (FalstaffMediaView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  gtk_spinner_set_spinning (self->spinner, TRUE);
  gtk_stack_set_visible_child_name (self->stack, "loading");
}

/* ------------------------------------------------------------------ public */

GtkWidget *
falstaff_media_view_new (SoupSession *session,
                         const char  *url,
                         const char  *content_type)
{
  g_return_val_if_fail (session == NULL || SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (url != NULL, NULL);

  return g_object_new (FALSTAFF_TYPE_MEDIA_VIEW,
                       "session", session,
                       "url", url,
                       "content-type", content_type,
                       NULL);
}

GtkWidget *
falstaff_media_view_new_with_local_file (SoupSession *session,
                                         const char  *url,
                                         const char  *content_type,
                                         GFile       *local_file)
{
  g_return_val_if_fail (session == NULL || SOUP_IS_SESSION (session), NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (local_file == NULL || G_IS_FILE (local_file), NULL);

  return g_object_new (FALSTAFF_TYPE_MEDIA_VIEW,
                       "session", session,
                       "url", url,
                       "content-type", content_type,
                       "local-file", local_file,
                       NULL);
}

const char *
falstaff_media_view_get_state (FalstaffMediaView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MEDIA_VIEW (self), NULL);
  return gtk_stack_get_visible_child_name (self->stack);
}

GtkMediaStream *
falstaff_media_view_get_stream (FalstaffMediaView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MEDIA_VIEW (self), NULL);
  return self->stream;
}

const char *
falstaff_media_view_get_error_message (FalstaffMediaView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MEDIA_VIEW (self), NULL);
  return self->error_message;
}

GFile *
falstaff_media_view_get_file (FalstaffMediaView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MEDIA_VIEW (self), NULL);
  return self->part == NULL ? self->file : NULL;
}

GtkWidget *
falstaff_media_view_get_open_button (FalstaffMediaView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MEDIA_VIEW (self), NULL);
  return GTK_WIDGET (self->open_button);
}

GtkWidget *
falstaff_media_view_get_controls (FalstaffMediaView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MEDIA_VIEW (self), NULL);
  return GTK_WIDGET (self->controls);
}

const char *
falstaff_media_view_get_last_notice (FalstaffMediaView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MEDIA_VIEW (self), NULL);
  return self->last_notice;
}

GtkWidget *
falstaff_media_view_get_error_label (FalstaffMediaView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_MEDIA_VIEW (self), NULL);
  return GTK_WIDGET (self->error_label);
}
