/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "falstaff-log-view.h"
#include "falstaff-output-keeper.h"
#include "falstaff-output-view.h"
#include "falstaff-request-view.h"
#include "falstaff-run-store.h"

struct _FalstaffRequestView
{
  GtkWidget parent_instance;

  GtkRevealer *error_revealer;
  GtkLabel *error_label;
  GtkSpinner *spinner;
  GtkWidget *queued_icon;
  GtkLabel *status_label;
  GtkLabel *request_id_label;
  GtkButton *copy_id_button;
  GtkWidget *submit_again_button;
  GtkLabel *run_label;
  GtkWidget *run_menu_button;
  AdwViewStack *view_stack;
  FalstaffOutputView *output_view;
  FalstaffLogView *log_view;
  GtkTextView *json_view;
  GtkButton *queue_button;
  GtkWidget *copy_json_button;

  FalRequest *request;
  FalStream *stream;
  /* The run shown; for a run from the history (no job here), its stored
   * state stands in for the job's. */
  FalstaffRun *run;
  GCancellable *details_cancellable;
  gulong notify_handler;
  gulong finished_handler;
  gulong event_handler;
  guint tick;
  guint waiting_uploads;
  /* The last attempt was refused before it was sent. */
  gboolean not_sent;
  char *error_text;
};

G_DEFINE_FINAL_TYPE (FalstaffRequestView, falstaff_request_view, GTK_TYPE_WIDGET)

static void
set_request_id (FalstaffRequestView *self,
                const char          *request_id)
{
  gtk_label_set_text (self->request_id_label, request_id ? request_id : "");
  gtk_widget_set_visible (GTK_WIDGET (self->copy_id_button), request_id != NULL);
}

static void
show_json (FalstaffRequestView *self,
           JsonNode            *node)
{
  g_autofree char *text = node ? fal_json_to_string (node, TRUE) : g_strdup ("");
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->json_view);
  GtkTextIter start, end;

  gtk_text_buffer_set_text (buffer, text, -1);
  /* Wrapped anywhere, but never with a hyphen: a URL copied from here
   * must stay intact. */
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_apply_tag_by_name (buffer, "no-hyphens", &start, &end);
}

static gboolean
is_cancelled (const GError *error)
{
  return g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* A /stream call that fal refused before any output: streaming is what
 * failed, and the queue may still work. */
static gboolean
is_stream_refused (FalstaffRequestView *self,
                   const GError        *error)
{
  return self->stream != NULL && fal_stream_get_n_events (self->stream) == 0 &&
         error != NULL && error->domain == FAL_ERROR && fal_error_get_http_status (error) >= 400 &&
         !is_cancelled (error);
}

static void
show_error (FalstaffRequestView *self,
            const GError        *error)
{
  g_autoptr(GString) text = NULL;
  gboolean stream_refused = is_stream_refused (self, error);

  g_clear_pointer (&self->error_text, g_free);
  gtk_widget_set_visible (GTK_WIDGET (self->queue_button), stream_refused);
  /* A cancelled run is not a failure: the status line says it. */
  if (error == NULL || is_cancelled (error))
    {
      gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
      return;
    }
  text = g_string_new (NULL);
  if (error->domain == FAL_ERROR)
    {
      g_autofree char *line = fal_error_describe (error);

      if (stream_refused)
        g_string_append_printf (text, _("Streaming failed: %s"), line);
      else
        g_string_append (text, line);
    }
  else
    g_string_append (text, error->message);
  self->error_text = g_string_free (g_steal_pointer (&text), FALSE);
  gtk_label_set_text (self->error_label, self->error_text);
  gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
}

/* What an ended run says in its status line. */
static char *
ended_text (const GError *error,
            gboolean      started)
{
  if (is_cancelled (error))
    return g_strdup (started ? _("Cancelled · fal had started it") : _("Cancelled before fal started it"));
  if (fal_error_is_model_failure (error))
    return g_strdup (_("The model failed"));
  return g_strdup (_("Failed"));
}

/* What the status line shows beside its text: nothing, a spinner, or
 * (waiting in fal's queue) a still icon. */
typedef enum {
  STATUS_IDLE,
  STATUS_BUSY,
  STATUS_QUEUED,
} StatusKind;

/* The text changes with the clock: "Running · 12 s", "last answer 5
 * seconds ago". */
static gboolean
request_text_ticks (FalRequest *request)
{
  if (fal_request_is_done (request))
    return FALSE;
  return fal_request_get_connection_lost (request) || fal_request_get_status (request) == FAL_REQUEST_IN_PROGRESS;
}

static char *
request_status_text (FalRequest *request,
                     gboolean   *busy)
{
  int position = fal_request_get_queue_position (request);
  double inference = 0;

  *busy = !fal_request_is_done (request);
  if (*busy && fal_request_get_connection_lost (request))
    {
      gint64 last = fal_request_get_last_contact (request);
      int seconds = last > 0 ? (int) ((g_get_monotonic_time () - last) / G_USEC_PER_SEC) : 0;

      return g_strdup_printf (ngettext ("Connection lost, retrying · last answer %d second ago",
                                        "Connection lost, retrying · last answer %d seconds ago", seconds),
                              seconds);
    }
  switch (fal_request_get_status (request))
    {
    case FAL_REQUEST_SUBMITTING:
      return g_strdup (_("Submitting…"));
    case FAL_REQUEST_IN_QUEUE:
      if (position == 0)
        return g_strdup (_("In queue · next"));
      if (position > 0)
        return g_strdup_printf (ngettext ("In queue · %d ahead", "In queue · %d ahead", position), position);
      return g_strdup (_("In queue"));
    case FAL_REQUEST_IN_PROGRESS:
      return g_strdup_printf (_("Running · %.0f s"), fal_request_get_elapsed (request));
    case FAL_REQUEST_COMPLETED:
    default:
      if (*busy)
        return g_strdup (_("Completed · fetching the result…"));
      if (fal_request_get_error (request))
        return ended_text (fal_request_get_error (request), fal_request_get_started (request));
      if (fal_request_get_metrics (request) &&
          fal_json_get_double (fal_request_get_metrics (request), "inference_time", &inference))
        return g_strdup_printf (_("Completed in %.2f s"), inference);
      return g_strdup_printf (_("Completed in %.1f s"), fal_request_get_elapsed (request));
    }
}

static char *
stream_status_text (FalStream *stream,
                    gboolean  *busy)
{
  *busy = !fal_stream_is_done (stream);
  if (*busy)
    return g_strdup (fal_stream_get_n_events (stream) > 0 ? _("Streaming the output…") : _("Starting…"));
  if (fal_stream_get_error (stream))
    return ended_text (fal_stream_get_error (stream), fal_stream_get_n_events (stream) > 0);
  return g_strdup (_("Completed"));
}

/* A run from the history: what the store kept of it. */
static char *
stored_status_text (FalstaffRun *run,
                    gboolean    *busy)
{
  *busy = FALSE;
  switch (falstaff_run_get_status (run))
    {
    case FAL_JOB_COMPLETED:
      return g_strdup (_("Completed"));
    case FAL_JOB_CANCELLED:
      return g_strdup (falstaff_run_get_started_at (run) > 0 ? _("Cancelled · fal had started it")
                                                             : _("Cancelled before fal started it"));
    case FAL_JOB_FAILED:
      return g_strdup (falstaff_run_get_error_type (run) ? _("The model failed") : _("Failed"));
    case FAL_JOB_SUBMITTING:
      if (falstaff_run_get_request_id (run) == NULL)
        return g_strdup (_("Never confirmed by fal"));
      G_GNUC_FALLTHROUGH;
    case FAL_JOB_IN_QUEUE:
    case FAL_JOB_IN_PROGRESS:
      /* fal finds queue runs by id, not streams. */
      if (falstaff_run_needs_submit_again (run))
        return g_strdup (_("Stream cut off"));
      G_GNUC_FALLTHROUGH;
    default:
      return g_strdup (_("Not followed"));
    }
}

static void update_tick (FalstaffRequestView *self);

static void
update_status (FalstaffRequestView *self)
{
  g_autofree char *text = NULL;
  gboolean busy = FALSE;
  gboolean queued = FALSE;
  StatusKind kind;

  /* Run waits for its files: that is the news, not the last run. */
  if (self->waiting_uploads > 0)
    {
      text = g_strdup_printf (ngettext ("Uploading %u file…", "Uploading %u files…", self->waiting_uploads),
                              self->waiting_uploads);
      busy = TRUE;
    }
  else if (self->not_sent)
    text = g_strdup (_("Not sent"));
  else if (self->request)
    {
      text = request_status_text (self->request, &busy);
      queued = busy && !fal_request_get_connection_lost (self->request) &&
               fal_request_get_status (self->request) == FAL_REQUEST_IN_QUEUE;
    }
  else if (self->stream)
    text = stream_status_text (self->stream, &busy);
  else if (self->run)
    text = stored_status_text (self->run, &busy);
  else
    text = g_strdup (_("Ready"));

  gtk_label_set_text (self->status_label, text);
  gtk_widget_set_visible (self->submit_again_button,
                          self->run != NULL && falstaff_run_needs_submit_again (self->run));
  if (self->run && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (self->run_menu_button)) == NULL)
    gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (self->run_menu_button),
                                    G_MENU_MODEL (gtk_widget_get_template_child (GTK_WIDGET (self),
                                                                                 FALSTAFF_TYPE_REQUEST_VIEW,
                                                                                 "run_menu")));
  gtk_widget_set_visible (self->run_menu_button, self->run != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->run_label), self->run != NULL);
  kind = !busy ? STATUS_IDLE : queued ? STATUS_QUEUED : STATUS_BUSY;
  gtk_spinner_set_spinning (self->spinner, kind == STATUS_BUSY);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), kind == STATUS_BUSY);
  gtk_widget_set_visible (self->queued_icon, kind == STATUS_QUEUED);
  update_tick (self);
}

static gboolean
tick_cb (gpointer data)
{
  update_status (data);
  return G_SOURCE_CONTINUE;
}

/* A timer only while the text moves with the clock: none while a run
 * waits in the queue, so a window with runs queued is quiet. */
static void
update_tick (FalstaffRequestView *self)
{
  gboolean ticks = self->request != NULL && self->waiting_uploads == 0 && !self->not_sent &&
                   request_text_ticks (self->request);

  if (ticks && self->tick == 0)
    self->tick = g_timeout_add_seconds (1, tick_cb, self);
  else if (!ticks)
    g_clear_handle_id (&self->tick, g_source_remove);
}

static void
request_notify_cb (FalRequest          *request,
                   GParamSpec          *pspec,
                   FalstaffRequestView *self)
{
  set_request_id (self, fal_request_get_request_id (request));
  update_status (self);
}

static void
request_finished_cb (FalRequest          *request,
                     FalstaffRequestView *self)
{
  JsonNode *result = fal_request_get_result (request);

  g_clear_handle_id (&self->tick, g_source_remove);
  falstaff_output_view_set_context (self->output_view, fal_request_get_endpoint_id (request),
                                    fal_request_get_request_id (request),
                                    self->run ? falstaff_run_get_inputs (self->run) : NULL);
  if (result)
    {
      falstaff_output_view_show (self->output_view, result);
      show_json (self, result);
    }
  show_error (self, fal_request_get_error (request));
  update_status (self);
}

static void
stream_event_cb (FalStream           *stream,
                 JsonNode            *event,
                 FalstaffRequestView *self)
{
  falstaff_output_view_show (self->output_view, event);
  show_json (self, event);
  update_status (self);
}

static void
stream_finished_cb (FalStream           *stream,
                    FalstaffRequestView *self)
{
  falstaff_output_view_set_context (self->output_view, fal_stream_get_endpoint_id (stream),
                                    fal_stream_get_request_id (stream),
                                    self->run ? falstaff_run_get_inputs (self->run) : NULL);
  set_request_id (self, fal_stream_get_request_id (stream));
  show_error (self, fal_stream_get_error (stream));
  update_status (self);
}

static void
disconnect_all (FalstaffRequestView *self)
{
  g_clear_handle_id (&self->tick, g_source_remove);
  if (self->request)
    {
      g_clear_signal_handler (&self->notify_handler, self->request);
      g_clear_signal_handler (&self->finished_handler, self->request);
    }
  if (self->stream)
    {
      g_clear_signal_handler (&self->event_handler, self->stream);
      g_clear_signal_handler (&self->finished_handler, self->stream);
    }
  g_clear_object (&self->request);
  g_clear_object (&self->stream);
}

static void
copy_id_cb (FalstaffRequestView *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), gtk_label_get_text (self->request_id_label));
}

static void
copy_error_cb (FalstaffRequestView *self)
{
  g_autoptr(GString) text = g_string_new (self->error_text);

  if (*gtk_label_get_text (self->request_id_label))
    g_string_append_printf (text, "\n%s: %s", _("Request"), gtk_label_get_text (self->request_id_label));
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text->str);
}

static void
copy_json_cb (FalstaffRequestView *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->json_view);
  GtkTextIter start, end;
  g_autofree char *text = NULL;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
}

static void
falstaff_request_view_dispose (GObject *object)
{
  FalstaffRequestView *self = (FalstaffRequestView *)object;

  disconnect_all (self);
  g_cancellable_cancel (self->details_cancellable);
  g_clear_object (&self->details_cancellable);
  g_clear_object (&self->run);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_REQUEST_VIEW);
  /* The template's root child is not bound: it goes here. */
  {
    GtkWidget *child;

    while ((child = gtk_widget_get_first_child (GTK_WIDGET (self))))
      gtk_widget_unparent (child);
  }
  g_clear_pointer (&self->error_text, g_free);

  G_OBJECT_CLASS (falstaff_request_view_parent_class)->dispose (object);
}

static void
falstaff_request_view_class_init (FalstaffRequestViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_request_view_dispose;

  g_type_ensure (FALSTAFF_TYPE_OUTPUT_VIEW);
  g_type_ensure (FALSTAFF_TYPE_LOG_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-request-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, error_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, spinner);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, queued_icon);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, status_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, request_id_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, copy_id_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, submit_again_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, run_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, run_menu_button);
  /* Not in the struct: the button takes it when a run is first shown. */
  gtk_widget_class_bind_template_child_full (widget_class, "run_menu", FALSE, 0);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, view_stack);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, output_view);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, log_view);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, json_view);
  gtk_widget_class_bind_template_callback (widget_class, copy_id_cb);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, queue_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffRequestView, copy_json_button);
  gtk_widget_class_bind_template_callback (widget_class, copy_error_cb);
  gtk_widget_class_bind_template_callback (widget_class, copy_json_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_request_view_init (FalstaffRequestView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_text_buffer_create_tag (gtk_text_view_get_buffer (self->json_view), "no-hyphens",
                              "insert-hyphens", FALSE, NULL);
}

/* What the log of a streamed run says: a /stream call has no log. */
static const char *
stream_log_text (void)
{
  return _("A streamed run sends its output as events, not log lines: see Output and JSON");
}

void
falstaff_request_view_clear (FalstaffRequestView *self)
{
  g_return_if_fail (FALSTAFF_IS_REQUEST_VIEW (self));

  disconnect_all (self);
  g_cancellable_cancel (self->details_cancellable);
  g_clear_object (&self->details_cancellable);
  if (self->run)
    g_signal_handlers_disconnect_by_data (self->run, self);
  g_clear_object (&self->run);
  self->waiting_uploads = 0;
  self->not_sent = FALSE;
  falstaff_output_view_clear (self->output_view);
  falstaff_log_view_set_model (self->log_view, NULL);
  falstaff_log_view_set_empty_text (self->log_view, NULL);
  show_json (self, NULL);
  show_error (self, NULL);
  set_request_id (self, NULL);
  update_status (self);
}

void
falstaff_request_view_set_request (FalstaffRequestView *self,
                                   FalRequest          *request)
{
  g_return_if_fail (FALSTAFF_IS_REQUEST_VIEW (self));

  falstaff_request_view_clear (self);
  self->request = g_object_ref (request);
  self->notify_handler = g_signal_connect (request, "notify", G_CALLBACK (request_notify_cb), self);
  self->finished_handler = g_signal_connect (request, "finished", G_CALLBACK (request_finished_cb), self);
  falstaff_log_view_set_model (self->log_view, fal_request_get_logs (request));
  set_request_id (self, fal_request_get_request_id (request));
  if (fal_request_is_done (request))
    request_finished_cb (request, self);
  update_status (self);
}

void
falstaff_request_view_set_stream (FalstaffRequestView *self,
                                  FalStream           *stream)
{
  g_return_if_fail (FALSTAFF_IS_REQUEST_VIEW (self));

  falstaff_request_view_clear (self);
  self->stream = g_object_ref (stream);
  falstaff_log_view_set_empty_text (self->log_view,
                                    stream_log_text ());
  self->event_handler = g_signal_connect (stream, "event", G_CALLBACK (stream_event_cb), self);
  self->finished_handler = g_signal_connect (stream, "finished", G_CALLBACK (stream_finished_cb), self);
  update_status (self);
}

static void
show_stored (FalstaffRequestView *self,
             FalstaffRun         *run)
{
  JsonNode *result = falstaff_run_get_result (run);

  /* The kept log comes with the details, as the inputs do: the whole of
   * it when this version kept it, else the last lines. */
  falstaff_log_view_set_model (self->log_view, falstaff_run_get_logs (run));
  if (g_strcmp0 (falstaff_run_get_mode (run), "stream") == 0)
    falstaff_log_view_set_empty_text (self->log_view, stream_log_text ());
  else if (falstaff_run_get_log_summary (run) && *falstaff_run_get_log_summary (run))
    {
      g_autofree char *text = g_strdup_printf (_("The history keeps a run's last log lines only:\n%s"),
                                               falstaff_run_get_log_summary (run));

      falstaff_log_view_set_empty_text (self->log_view, text);
    }
  else
    falstaff_log_view_set_empty_text (self->log_view, _("No log lines were kept for this run"));
  falstaff_output_view_set_context (self->output_view, falstaff_run_get_endpoint_id (run),
                                    falstaff_run_get_request_id (run), falstaff_run_get_inputs (run));
  if (result)
    {
      falstaff_output_view_show (self->output_view, result);
      show_json (self, result);
    }
  if (falstaff_run_get_error_message (run) && falstaff_run_get_status (run) == FAL_JOB_FAILED)
    {
      g_autoptr(GError) error = g_error_new_literal (FAL_ERROR, FAL_ERROR_APP, falstaff_run_get_error_message (run));
      show_error (self, error);
      /* The stored message is already in words. */
      gtk_label_set_text (self->error_label, falstaff_run_get_error_message (run));
    }
  update_status (self);
}

static void
details_loaded_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  FalstaffRequestView *self = data;
  g_autoptr(GError) error = NULL;

  if (!falstaff_run_store_load_details_finish (FALSTAFF_RUN_STORE (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (self, error);
      return;
    }
  if (self->run)
    show_stored (self, self->run);
}

/* "fal-ai/flux/dev · 14:02", or with the day when not today; then what
 * the run cost once fal said ("$0.10 for 4 images"). */
static void
show_run_label (FalstaffRequestView *self,
                FalstaffRun         *run)
{
  g_autoptr(GDateTime) made = g_date_time_new_from_unix_local (falstaff_run_get_created_at (run) / G_USEC_PER_SEC);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = NULL;
  g_autofree char *text = NULL;
  g_autofree char *cost = NULL;

  if (made == NULL)
    when = g_strdup ("");
  else if (g_date_time_get_year (made) == g_date_time_get_year (now) &&
           g_date_time_get_day_of_year (made) == g_date_time_get_day_of_year (now))
    when = g_date_time_format (made, "%H:%M");
  else
    /* TRANSLATORS: a run's date and time, see g_date_time_format(). */
    when = g_date_time_format (made, _("%e %b %Y, %H:%M"));
  cost = falstaff_run_describe_cost (run);
  text = cost ? g_strdup_printf ("%s · %s · %s", falstaff_run_get_endpoint_id (run), g_strstrip (when), cost)
              : g_strdup_printf ("%s · %s", falstaff_run_get_endpoint_id (run), g_strstrip (when));
  gtk_label_set_text (self->run_label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->run_label), falstaff_run_get_endpoint_id (run));
}

static void
run_cost_cb (FalstaffRequestView *self)
{
  if (self->run)
    show_run_label (self, self->run);
}

void
falstaff_request_view_set_run (FalstaffRequestView *self,
                               FalstaffRun         *run,
                               FalstaffRunStore    *store)
{
  FalJob *job;

  g_return_if_fail (FALSTAFF_IS_REQUEST_VIEW (self));
  g_return_if_fail (run == NULL || FALSTAFF_IS_RUN (run));

  if (run != NULL && run == self->run)
    return;
  falstaff_request_view_clear (self);
  if (run == NULL)
    return;

  /* Its kept files stand in for links that may have expired. */
  falstaff_output_view_set_run_id (self->output_view, falstaff_run_get_id (run));
  job = falstaff_run_get_job (run);
  if (FAL_IS_REQUEST (job))
    falstaff_request_view_set_request (self, FAL_REQUEST (job));
  else if (FAL_IS_STREAM (job))
    falstaff_request_view_set_stream (self, FAL_STREAM (job));
  self->run = g_object_ref (run);
  show_run_label (self, run);
  /* The request (above) was shown before the run was set: the run's line
   * and menu come with it now, not at its next change of status (a
   * finished run has none). */
  update_status (self);
  g_signal_connect_object (run, "notify::cost", G_CALLBACK (run_cost_cb), self, G_CONNECT_SWAPPED);
  falstaff_output_view_set_context (self->output_view, falstaff_run_get_endpoint_id (run),
                                    falstaff_run_get_request_id (run), falstaff_run_get_inputs (run));
  if (job)
    {
      /* A stream shows its latest output at once. */
      if (FAL_IS_STREAM (job) && fal_job_get_output (job))
        {
          falstaff_output_view_show (self->output_view, fal_job_get_output (job));
          show_json (self, fal_job_get_output (job));
        }
      return;
    }
  set_request_id (self, falstaff_run_get_request_id (run));
  if (falstaff_run_get_details_loaded (run) || store == NULL)
    show_stored (self, run);
  else
    {
      falstaff_log_view_set_empty_text (self->log_view, "");
      self->details_cancellable = g_cancellable_new ();
      falstaff_run_store_load_details_async (store, run, self->details_cancellable, details_loaded_cb, self);
    }
}

FalstaffRun *
falstaff_request_view_get_run (FalstaffRequestView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_REQUEST_VIEW (self), NULL);
  return self->run;
}

void
falstaff_request_view_show_error (FalstaffRequestView *self,
                                  const GError        *error)
{
  g_return_if_fail (FALSTAFF_IS_REQUEST_VIEW (self));
  show_error (self, error);
}

void
falstaff_request_view_show_not_sent (FalstaffRequestView *self,
                                     const GError        *error)
{
  g_return_if_fail (FALSTAFF_IS_REQUEST_VIEW (self));

  self->not_sent = TRUE;
  self->waiting_uploads = 0;
  show_error (self, error);
  update_status (self);
}

void
falstaff_request_view_set_waiting_uploads (FalstaffRequestView *self,
                                           guint                n_files)
{
  g_return_if_fail (FALSTAFF_IS_REQUEST_VIEW (self));

  self->waiting_uploads = n_files;
  update_status (self);
}

const char *
falstaff_request_view_get_status_text (FalstaffRequestView *self)
{
  return gtk_label_get_text (self->status_label);
}

const char *
falstaff_request_view_get_run_text (FalstaffRequestView *self)
{
  return self->run ? gtk_label_get_text (self->run_label) : "";
}

const char *
falstaff_request_view_get_error_text (FalstaffRequestView *self)
{
  return gtk_revealer_get_reveal_child (self->error_revealer) ? self->error_text : NULL;
}

void
falstaff_request_view_set_output_keeper (FalstaffRequestView  *self,
                                         FalstaffOutputKeeper *keeper)
{
  g_return_if_fail (FALSTAFF_IS_REQUEST_VIEW (self));
  falstaff_output_view_set_output_keeper (self->output_view, keeper);
}

GtkWidget *
falstaff_request_view_get_run_menu_button (FalstaffRequestView *self)
{
  return self->run_menu_button;
}

GtkWidget *
falstaff_request_view_get_submit_again_button (FalstaffRequestView *self)
{
  return self->submit_again_button;
}

GtkWidget *
falstaff_request_view_get_output_view (FalstaffRequestView *self)
{
  return GTK_WIDGET (self->output_view);
}

GtkWidget *
falstaff_request_view_get_log_view (FalstaffRequestView *self)
{
  return GTK_WIDGET (self->log_view);
}

void
falstaff_request_view_show_page (FalstaffRequestView *self,
                                 const char          *name)
{
  adw_view_stack_set_visible_child_name (self->view_stack, name);
}

void
falstaff_request_view_set_context (FalstaffRequestView *self,
                                   const char          *endpoint_id,
                                   JsonNode            *inputs)
{
  g_return_if_fail (FALSTAFF_IS_REQUEST_VIEW (self));
  falstaff_output_view_set_context (self->output_view, endpoint_id, NULL, inputs);
}

GtkWidget *
_falstaff_request_view_get_queue_button (FalstaffRequestView *self)
{
  return GTK_WIDGET (self->queue_button);
}

GtkWidget *
_falstaff_request_view_get_copy_json_button (FalstaffRequestView *self)
{
  return self->copy_json_button;
}

GtkTextView *
_falstaff_request_view_get_json_view (FalstaffRequestView *self)
{
  return self->json_view;
}
