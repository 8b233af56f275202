/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-client-private.h"
#include "fal-error.h"
#include "fal-json.h"
#include "fal-range-input-stream.h"
#include "fal-upload.h"
#include "fal-i18n-private.h"

/* What g_content_type_guess looks at besides the name. */
#define SNIFF_BYTES 4096
/* bytes-sent: at most once a frame, and soon after bytes move. */
#define PROGRESS_INTERVAL_US (16 * 1000)
/* A transfer that makes no progress for this long fails (and a part is
 * tried again). */
#define TRANSFER_IO_TIMEOUT_S 60
#define PART_RETRY_DELAY_MS 250
/* The storage's limit on part numbers. */
#define MAX_PARTS 10000

G_DEFINE_ENUM_TYPE (FalUploadState, fal_upload_state,
  G_DEFINE_ENUM_VALUE (FAL_UPLOAD_PENDING, "pending"),
  G_DEFINE_ENUM_VALUE (FAL_UPLOAD_UPLOADING, "uploading"),
  G_DEFINE_ENUM_VALUE (FAL_UPLOAD_DONE, "done"),
  G_DEFINE_ENUM_VALUE (FAL_UPLOAD_FAILED, "failed"),
  G_DEFINE_ENUM_VALUE (FAL_UPLOAD_CANCELLED, "cancelled"))

struct _FalUpload
{
  GObject parent_instance;

  /* The owner's thread only. */
  FalClient *client;
  GFile *file;
  char *file_name;              /* display name: sent at initiate, used in messages */
  char *content_type;
  guint64 multipart_threshold;
  guint64 part_size;
  guint max_parallel;
  guint64 total;
  guint64 bytes_sent;           /* as last notified */
  FalUploadState state;
  gboolean multipart;
  char *url;
  GError *error;
  gboolean finished;
  GMainContext *context;        /* where properties change and signals go */
  GPtrArray *waiters;           /* GTask */

  /* Read by the worker threads, written before they start. */
  GCancellable *cancellable;    /* user cancel, or the first failed part */
  char *upload_url;
  char *file_url;
  guint n_parts;

  /* Shared with the worker threads. */
  GMutex lock;
  guint next_part;
  guint workers;                /* still running */
  guint64 *part_now;            /* bytes of each part's current attempt */
  guint64 *part_best;           /* most bytes any attempt of the part sent */
  char **etags;
  guint64 sent;                 /* Σ part_best: only grows */
  GError *transfer_error;       /* the first one */
  gboolean flush_scheduled;
  gint64 last_flush;
};

G_DEFINE_FINAL_TYPE (FalUpload, fal_upload, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_CONTENT_TYPE,
  PROP_BYTES_SENT,
  PROP_BYTES_TOTAL,
  PROP_MULTIPART,
  PROP_STATE,
  PROP_URL,
  PROP_ERROR,
  N_PROPS
};

enum {
  FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ ending */

/* A waiter's cancel source goes before its task returns, so it cannot
 * return the task a second time. */
static void
waiter_disarm (gpointer task,
               gpointer unused)
{
  GSource *cancel_source = g_task_get_task_data (task);

  if (cancel_source)
    g_source_destroy (cancel_source);
}

static void
waiter_return (FalUpload *self,
               GTask     *task)
{
  waiter_disarm (task, NULL);
  if (self->error)
    g_task_return_error (task, g_error_copy (self->error));
  else
    g_task_return_pointer (task, g_strdup (self->url), g_free);
}

static void
finish (FalUpload      *self,
        FalUploadState  state,
        GError         *error)
{
  if (self->finished)
    {
      g_clear_error (&error);
      return;
    }
  self->finished = TRUE;

  g_object_freeze_notify (G_OBJECT (self));
  if (state == FAL_UPLOAD_DONE)
    {
      /* Complete, whatever the last flush saw. */
      self->url = g_strdup (self->file_url);
      if (self->bytes_sent != self->total)
        {
          self->bytes_sent = self->total;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_SENT]);
        }
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
    }
  else
    {
      self->error = error;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR]);
    }
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  g_object_thaw_notify (G_OBJECT (self));

  g_signal_emit (self, signals[FINISHED], 0);

  g_ptr_array_foreach (self->waiters, waiter_disarm, NULL);
  _fal_complete_waiters (&self->waiters, self->error, self->url, (GBoxedCopyFunc) g_strdup, g_free);
}

static void
fail (FalUpload *self,
      GError    *error)
{
  if (g_error_matches (error, FAL_ERROR, FAL_ERROR_CANCELLED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&error);
      finish (self, FAL_UPLOAD_CANCELLED, g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, _("Upload cancelled")));
      return;
    }
  finish (self, FAL_UPLOAD_FAILED, error);
}

/* A problem with the local file, told in its name. */
static GError *
file_error_new (FalUpload  *self,
                const char *error_type,
                const char *format,
                ...) G_GNUC_PRINTF (3, 4);

static GError *
file_error_new (FalUpload  *self,
                const char *error_type,
                const char *format,
                ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  return fal_error_new_literal_full (FAL_ERROR_APP, message, 0, NULL, error_type);
}

/* A GIO error about the file, in plain words. */
static GError *
unreadable_error_new (FalUpload    *self,
                      const GError *error)
{
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return file_error_new (self, "file_unreadable", _("%s was not found"), self->file_name);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    return file_error_new (self, "file_unreadable", _("%s cannot be read: permission denied"), self->file_name);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_IS_DIRECTORY))
    return file_error_new (self, "file_unreadable", _("%s is a folder, not a file"), self->file_name);
  return file_error_new (self, "file_unreadable", _("Cannot read %s: %s"), self->file_name, error->message);
}

/* ------------------------------------------------------------------ progress (any thread) */

static gboolean
flush_progress_cb (gpointer data)
{
  FalUpload *self = data;
  guint64 sent;

  g_mutex_lock (&self->lock);
  self->flush_scheduled = FALSE;
  self->last_flush = g_get_monotonic_time ();
  sent = self->sent;
  g_mutex_unlock (&self->lock);

  if (!self->finished && sent > self->bytes_sent)
    {
      self->bytes_sent = sent;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_SENT]);
    }
  return G_SOURCE_REMOVE;
}

/* Called with the lock held: one flush at a time, 16 ms after the last. */
static void
schedule_flush_locked (FalUpload *self)
{
  g_autoptr(GSource) source = NULL;
  gint64 wait;

  if (self->flush_scheduled)
    return;
  self->flush_scheduled = TRUE;
  wait = self->last_flush + PROGRESS_INTERVAL_US - g_get_monotonic_time ();
  source = g_timeout_source_new (wait > 0 ? (guint) ((wait + 999) / 1000) : 0);
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, flush_progress_cb, g_object_ref (self), g_object_unref);
  g_source_attach (source, self->context);
}

/* ------------------------------------------------------------------ transfer (worker threads) */

typedef struct {
  FalUpload *self;
  guint index;
  goffset offset;
  goffset length;
  GInputStream *stream;
} Attempt;

static void
wrote_body_data_cb (SoupMessage *msg,
                    guint        chunk_size,
                    Attempt     *attempt)
{
  FalUpload *self = attempt->self;
  guint i = attempt->index;

  g_mutex_lock (&self->lock);
  self->part_now[i] += chunk_size;
  if (self->part_now[i] > self->part_best[i])
    {
      self->sent += self->part_now[i] - self->part_best[i];
      self->part_best[i] = self->part_now[i];
    }
  schedule_flush_locked (self);
  g_mutex_unlock (&self->lock);
}

static void
set_body (SoupMessage *msg,
          Attempt     *attempt)
{
  FalUpload *self = attempt->self;

  g_clear_object (&attempt->stream);
  attempt->stream = fal_range_input_stream_new (self->file, attempt->offset, attempt->length);
  /* Parts go bare (spec §5.2); a single PUT says its type. */
  soup_message_set_request_body (msg, self->multipart ? NULL : self->content_type,
                                 attempt->stream, attempt->length);
  g_mutex_lock (&self->lock);
  self->part_now[attempt->index] = 0;
  g_mutex_unlock (&self->lock);
}

static void
restarted_cb (SoupMessage *msg,
              Attempt     *attempt)
{
  /* libsoup drops the body stream on a restart (a reused connection the
   * server had closed): the body has to be set again. */
  set_body (msg, attempt);
}

static char *
sibling_url (const char *upload_url,
             const char *suffix)
{
  g_autoptr(GUri) uri = g_uri_parse (upload_url, G_URI_FLAGS_ENCODED, NULL);
  g_autofree char *path = NULL;

  if (uri == NULL)
    return NULL;
  /* {origin}{pathname}/{suffix}{search}, as the JS client builds it. */
  path = g_strconcat (g_uri_get_path (uri), "/", suffix, NULL);
  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (uri), g_uri_get_userinfo (uri),
                     g_uri_get_host (uri), g_uri_get_port (uri), path, g_uri_get_query (uri), NULL);
}

static gboolean
is_retryable (const GError *error)
{
  guint status = fal_error_get_http_status (error);

  if (error->domain != FAL_ERROR)
    return FALSE;
  if (status != 0)
    return status >= 500 || status == 429 || status == 408;
  return error->code == FAL_ERROR_NETWORK || error->code == FAL_ERROR_TIMEOUT;
}

static gboolean
sleep_unless_cancelled (guint         ms,
                        GCancellable *cancellable)
{
  GPollFD fd;

  if (g_cancellable_make_pollfd (cancellable, &fd))
    {
      g_poll (&fd, 1, ms);
      g_cancellable_release_fd (cancellable);
    }
  else
    g_usleep (ms * 1000);
  return !g_cancellable_is_cancelled (cancellable);
}

/* One PUT of one part (or of the whole file): its etag, or the error. */
static gboolean
put_once (FalUpload    *self,
          SoupSession  *session,
          guint         index,
          const char   *url,
          char        **etag,
          GError      **error)
{
  Attempt attempt = { self, index, 0, 0, NULL };
  g_autoptr(SoupMessage) msg = url ? soup_message_new ("PUT", url) : NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) node = NULL;
  const GError *file_error;
  const char *value;
  gint64 number;

  if (msg == NULL)
    {
      g_set_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("Not a valid upload URL: %s"), self->upload_url);
      return FALSE;
    }
  attempt.offset = (goffset) index * self->part_size;
  attempt.length = MIN (self->part_size, self->total - attempt.offset);
  set_body (msg, &attempt);
  /* The file must not follow a redirect to plain http elsewhere. */
  _fal_client_guard_redirects (msg);
  g_signal_connect (msg, "wrote-body-data", G_CALLBACK (wrote_body_data_cb), &attempt);
  g_signal_connect (msg, "restarted", G_CALLBACK (restarted_cb), &attempt);

  bytes = soup_session_send_and_read (session, msg, self->cancellable, &local_error);
  file_error = fal_range_input_stream_get_file_error (FAL_RANGE_INPUT_STREAM (attempt.stream));
  g_signal_handlers_disconnect_by_data (msg, &attempt);

  if (file_error)
    {
      /* The disk, not the network: no retry mends it. */
      if (g_error_matches (file_error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT))
        g_propagate_error (error, file_error_new (self, "file_changed", "%s", file_error->message));
      else
        g_propagate_error (error, unreadable_error_new (self, file_error));
      g_clear_object (&attempt.stream);
      return FALSE;
    }
  g_clear_object (&attempt.stream);

  if (bytes == NULL)
    {
      g_propagate_error (error, fal_error_new_from_transport (local_error));
      return FALSE;
    }
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_propagate_error (error, fal_error_new_from_response_bytes (soup_message_get_status (msg), soup_message_get_response_headers (msg), bytes));
      return FALSE;
    }
  if (!self->multipart)
    return TRUE;

  /* {"partNumber": n, "etag": "…"} (spec §5.2); the ETag header will do. */
  node = fal_json_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);
  value = node && JSON_NODE_HOLDS_OBJECT (node) ? fal_json_get_string (json_node_get_object (node), "etag") : NULL;
  if (node && JSON_NODE_HOLDS_OBJECT (node) &&
      fal_json_get_int (json_node_get_object (node), "partNumber", &number) && number != index + 1)
    {
      g_autofree char *answered = g_strdup_printf ("%" G_GINT64_FORMAT, number);

      g_set_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("The storage answered part %u with part %s"),
                   index + 1, answered);
      return FALSE;
    }
  if (value == NULL)
    {
      const char *header = soup_message_headers_get_one (soup_message_get_response_headers (msg), "ETag");
      g_autofree char *unquoted = header ? g_strdup (header) : NULL;

      if (unquoted && *unquoted == '"')
        {
          gsize len = strlen (unquoted);

          memmove (unquoted, unquoted + 1, len);
          if (len >= 2 && unquoted[len - 2] == '"')
            unquoted[len - 2] = '\0';
        }
      if (unquoted == NULL || *unquoted == '\0')
        {
          g_set_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("The storage did not give an etag for part %u"), index + 1);
          return FALSE;
        }
      *etag = g_steal_pointer (&unquoted);
      return TRUE;
    }
  *etag = g_strdup (value);
  return TRUE;
}

static gboolean
put_part (FalUpload    *self,
          SoupSession  *session,
          guint         index,
          GError      **error)
{
  g_autofree char *number = g_strdup_printf ("%u", index + 1);
  g_autofree char *url = self->multipart ? sibling_url (self->upload_url, number) : g_strdup (self->upload_url);
  guint tries = self->multipart ? FAL_UPLOAD_PART_TRIES : 1;
  g_autoptr(GError) last_error = NULL;

  for (guint attempt = 0; attempt < tries; attempt++)
    {
      g_autofree char *etag = NULL;

      if (attempt > 0)
        {
          g_debug ("Retrying part %u of %s (attempt %u): %s", index + 1, self->file_name, attempt + 1,
                   last_error->message);
          if (!sleep_unless_cancelled (PART_RETRY_DELAY_MS * attempt, self->cancellable))
            break;
        }
      g_clear_error (&last_error);
      if (put_once (self, session, index, url, &etag, &last_error))
        {
          g_mutex_lock (&self->lock);
          self->etags[index] = g_steal_pointer (&etag);
          g_mutex_unlock (&self->lock);
          return TRUE;
        }
      if (g_cancellable_is_cancelled (self->cancellable) || !is_retryable (last_error))
        break;
    }

  if (last_error == NULL)
    last_error = g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, _("Upload cancelled"));
  if (last_error->domain == FAL_ERROR && last_error->code == FAL_ERROR_APP &&
      fal_error_get_http_status (last_error) == 0)
    ;   /* a file error (no answer involved) names the file already */
  else if (self->multipart)
    g_prefix_error (&last_error, _("Part %u of %u of %s: "), index + 1, self->n_parts, self->file_name);
  else
    g_prefix_error (&last_error, _("Uploading %s: "), self->file_name);
  g_propagate_error (error, g_steal_pointer (&last_error));
  return FALSE;
}

/* POST {upload_url path}/complete with the parts in order; no key
 * (spec §5.2 step 3). */
static gboolean
complete_multipart (FalUpload    *self,
                    SoupSession  *session,
                    GError      **error)
{
  g_autofree char *url = sibling_url (self->upload_url, "complete");
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) last_error = NULL;
  char *text;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "parts");
  json_builder_begin_array (builder);
  for (guint i = 0; i < self->n_parts; i++)
    {
      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "partNumber");
      json_builder_add_int_value (builder, i + 1);
      json_builder_set_member_name (builder, "etag");
      json_builder_add_string_value (builder, self->etags[i]);
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  text = fal_json_to_string (root, FALSE);
  body = g_bytes_new_take (text, strlen (text));

  for (guint attempt = 0; attempt < FAL_UPLOAD_PART_TRIES; attempt++)
    {
      g_autoptr(SoupMessage) msg = url ? soup_message_new ("POST", url) : NULL;
      g_autoptr(GBytes) answer = NULL;
      g_autoptr(GError) local_error = NULL;

      if (msg == NULL)
        {
          g_set_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("Not a valid upload URL: %s"), self->upload_url);
          return FALSE;
        }
      if (attempt > 0 && !sleep_unless_cancelled (PART_RETRY_DELAY_MS * attempt, self->cancellable))
        break;
      g_clear_error (&last_error);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Accept", "application/json");
      soup_message_set_request_body_from_bytes (msg, "application/json", body);
      _fal_client_guard_redirects (msg);
      answer = soup_session_send_and_read (session, msg, self->cancellable, &local_error);
      if (answer == NULL)
        last_error = fal_error_new_from_transport (local_error);
      else if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
        last_error = fal_error_new_from_response_bytes (soup_message_get_status (msg),
                                                        soup_message_get_response_headers (msg), answer);
      else
        return TRUE;
      if (g_cancellable_is_cancelled (self->cancellable) || !is_retryable (last_error))
        break;
    }

  if (last_error == NULL)
    last_error = g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, _("Upload cancelled"));
  g_prefix_error (&last_error, _("Completing the upload of %s: "), self->file_name);
  g_propagate_error (error, g_steal_pointer (&last_error));
  return FALSE;
}

typedef struct {
  FalUpload *self;
  gboolean last;
} WorkerDone;

static void
worker_done_free (gpointer data)
{
  WorkerDone *done = data;

  /* On the owner's thread: the worker's reference ends here. */
  g_object_unref (done->self);
  g_free (done);
}

static gboolean
worker_done_cb (gpointer data)
{
  WorkerDone *done = data;
  FalUpload *self = done->self;
  GError *error;

  if (!done->last || self->finished)
    return G_SOURCE_REMOVE;

  g_mutex_lock (&self->lock);
  error = g_steal_pointer (&self->transfer_error);
  g_mutex_unlock (&self->lock);

  if (error)
    fail (self, error);
  else if (g_cancellable_is_cancelled (self->cancellable))
    fail (self, g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, _("Upload cancelled")));
  else
    finish (self, FAL_UPLOAD_DONE, NULL);
  return G_SOURCE_REMOVE;
}

static void
record_error (FalUpload *self,
              GError    *error)
{
  gboolean first;

  g_mutex_lock (&self->lock);
  first = self->transfer_error == NULL;
  if (first)
    self->transfer_error = error;
  g_mutex_unlock (&self->lock);
  if (first)
    {
      /* The other parts stop too. */
      g_cancellable_cancel (self->cancellable);
    }
  else
    g_error_free (error);
}

/* Each worker has its own session: libsoup 3.2 ties a connection to the
 * thread that opened it, so connections opened here would otherwise sit
 * in the client's pool (which never closes idle ones) after the thread
 * is gone. A worker keeps its connection from part to part. */
static gpointer
worker_main (gpointer data)
{
  FalUpload *self = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autofree char *user_agent = g_strdup_printf ("Falstaff/%s", PACKAGE_VERSION);
  SoupSession *session;
  WorkerDone *done = g_new0 (WorkerDone, 1);
  gboolean ok = TRUE;

  g_main_context_push_thread_default (context);
  session = soup_session_new_with_options ("user-agent", user_agent,
                                           "timeout", TRANSFER_IO_TIMEOUT_S,
                                           "idle-timeout", TRANSFER_IO_TIMEOUT_S,
                                           NULL);
  for (;;)
    {
      GError *error = NULL;
      guint index;

      g_mutex_lock (&self->lock);
      if (self->transfer_error || self->next_part >= self->n_parts ||
          g_cancellable_is_cancelled (self->cancellable))
        {
          g_mutex_unlock (&self->lock);
          break;
        }
      index = self->next_part++;
      g_mutex_unlock (&self->lock);

      if (!put_part (self, session, index, &error))
        {
          record_error (self, error);
          ok = FALSE;
          break;
        }
    }

  g_mutex_lock (&self->lock);
  done->last = --self->workers == 0;
  ok = ok && self->transfer_error == NULL;
  g_mutex_unlock (&self->lock);

  /* The last one out completes; every part is in by then. */
  if (done->last && ok && self->multipart && !g_cancellable_is_cancelled (self->cancellable))
    {
      GError *error = NULL;

      if (!complete_multipart (self, session, &error))
        record_error (self, error);
    }

  soup_session_abort (session);
  g_object_unref (session);
  g_main_context_pop_thread_default (context);

  /* An idle source, not g_main_context_invoke (): that runs the function
   * right here when it can acquire the owner's context, which for the
   * global default one it may. */
  done->self = self;
  {
    g_autoptr(GSource) source = g_idle_source_new ();

    g_source_set_priority (source, G_PRIORITY_DEFAULT);
    g_source_set_callback (source, worker_done_cb, done, worker_done_free);
    g_source_attach (source, self->context);
  }
  return NULL;
}

static void
start_transfer (FalUpload *self)
{
  guint workers;

  self->state = FAL_UPLOAD_UPLOADING;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);

  self->n_parts = self->multipart ? (guint) ((self->total + self->part_size - 1) / self->part_size) : 1;
  if (!self->multipart)
    self->part_size = self->total;
  self->part_now = g_new0 (guint64, self->n_parts);
  self->part_best = g_new0 (guint64, self->n_parts);
  self->etags = g_new0 (char *, self->n_parts + 1);
  self->last_flush = g_get_monotonic_time ();

  workers = MIN (self->multipart ? self->max_parallel : 1, self->n_parts);
  self->workers = workers;
  for (guint i = 0; i < workers; i++)
    {
      g_autoptr(GError) error = NULL;
      GThread *thread = g_thread_try_new ("fal-upload", worker_main, g_object_ref (self), &error);

      if (thread == NULL)
        {
          gboolean none_left;

          /* Out of threads: the upload fails; the ones started stop, and
           * the last of them reports it (or, if all are gone, this). */
          g_object_unref (self);
          record_error (self, fal_error_new_literal_full (FAL_ERROR_APP, error->message, 0, NULL, NULL));
          g_mutex_lock (&self->lock);
          self->workers -= workers - i;
          none_left = self->workers == 0;
          g_mutex_unlock (&self->lock);
          if (none_left)
            {
              WorkerDone *done = g_new0 (WorkerDone, 1);

              done->self = g_object_ref (self);
              done->last = TRUE;
              worker_done_cb (done);
              worker_done_free (done);
            }
          return;
        }
      g_thread_unref (thread);
    }
}

/* ------------------------------------------------------------------ preparing (owner thread) */

static void
initiated_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(FalUpload) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = _fal_client_call_finish (FAL_CLIENT (source), result, NULL, NULL, &error);
  g_autoptr(SoupMessage) check = NULL;
  JsonObject *object;
  const char *upload_url;
  const char *file_url;

  if (self->finished)
    return;
  if (node == NULL)
    {
      g_prefix_error (&error, _("Asking for an upload URL for %s: "), self->file_name);
      fail (self, g_steal_pointer (&error));
      return;
    }

  object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
  upload_url = object ? fal_json_get_string (object, "upload_url") : NULL;
  file_url = object ? fal_json_get_string (object, "file_url") : NULL;
  if (upload_url == NULL || file_url == NULL)
    {
      fail (self, fal_error_new_literal_full (FAL_ERROR_PROTOCOL, _("The storage gave no upload_url or file_url"),
                                              200, NULL, NULL));
      return;
    }

  /* Only https, or http to this machine: the bytes (and, for parts and
   * complete, the same origin) go there. The transfer builds its own
   * messages, so the key can never ride along. */
  check = _fal_client_new_message (self->client, "PUT", upload_url, &error);
  if (check == NULL)
    {
      fail (self, g_steal_pointer (&error));
      return;
    }
  g_clear_object (&check);
  check = _fal_client_new_message (self->client, "GET", file_url, &error);
  if (check == NULL)
    {
      fail (self, g_steal_pointer (&error));
      return;
    }

  self->upload_url = g_strdup (upload_url);
  self->file_url = g_strdup (file_url);
  start_transfer (self);
}

static void
initiate (FalUpload *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonNode) body = NULL;
  g_autofree char *url = NULL;

  /* Behind a proxy the proxy adds the key. */
  if (!fal_client_has_key (self->client) && fal_client_get_proxy_url (self->client) == NULL)
    {
      fail (self, g_error_new (FAL_ERROR, FAL_ERROR_MISSING_KEY, _("No API key to upload %s with"), self->file_name));
      return;
    }

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "content_type");
  json_builder_add_string_value (builder, self->content_type);
  json_builder_set_member_name (builder, "file_name");
  json_builder_add_string_value (builder, self->file_name);
  json_builder_end_object (builder);
  body = json_builder_get_root (builder);

  url = _fal_client_build_url (self->client, FAL_HOST_REST,
                               self->multipart ? "storage/upload/initiate-multipart?storage_type=fal-cdn-v3"
                                               : "storage/upload/initiate?storage_type=fal-cdn-v3");
  _fal_client_call_async (self->client, "POST", url, body, NULL, FAL_RETRY_DEFAULT, FALSE,
                          self->cancellable, initiated_cb, g_object_ref (self));
}

static void
closed_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_input_stream_close_finish (G_INPUT_STREAM (source), result, NULL);
}

static void
sniffed_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(FalUpload) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  g_input_stream_close_async (G_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL, closed_cb, NULL);
  if (self->finished)
    return;
  if (bytes == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, g_steal_pointer (&error));
      else
        fail (self, unreadable_error_new (self, error));
      return;
    }

  if (self->content_type == NULL)
    {
      gsize length = 0;
      const guchar *head = g_bytes_get_data (bytes, &length);
      gboolean uncertain = FALSE;
      g_autofree char *guess = g_content_type_guess (self->file_name, head, length, &uncertain);
      g_autofree char *mime = guess ? g_content_type_get_mime_type (guess) : NULL;

      self->content_type = g_strdup (mime ? mime : "application/octet-stream");
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT_TYPE]);
    }
  initiate (self);
}

static void
opened_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(FalUpload) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInputStream) stream = g_file_read_finish (G_FILE (source), result, &error);

  if (self->finished)
    return;
  if (stream == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, g_steal_pointer (&error));
      else
        fail (self, unreadable_error_new (self, error));
      return;
    }
  /* The first bytes, for the type; it also proves the file can be read
   * before an upload URL is asked for. */
  g_input_stream_read_bytes_async (G_INPUT_STREAM (stream), SNIFF_BYTES, G_PRIORITY_DEFAULT,
                                   self->cancellable, sniffed_cb, g_object_ref (self));
}

static void
info_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(FalUpload) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GFileInfo) info = g_file_query_info_finish (G_FILE (source), result, &error);

  if (self->finished)
    return;
  if (info == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        fail (self, g_steal_pointer (&error));
      else
        fail (self, unreadable_error_new (self, error));
      return;
    }

  if (g_file_info_has_attribute (info, G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME))
    {
      g_free (self->file_name);
      self->file_name = g_strdup (g_file_info_get_display_name (info));
    }
  if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
    {
      fail (self, file_error_new (self, "file_unreadable", _("%s is a folder, not a file"), self->file_name));
      return;
    }
  if (g_file_info_get_file_type (info) != G_FILE_TYPE_REGULAR)
    {
      fail (self, file_error_new (self, "file_unreadable", _("%s is not a regular file"), self->file_name));
      return;
    }
  if (g_file_info_get_size (info) <= 0)
    {
      fail (self, file_error_new (self, "file_empty", _("%s is empty (0 bytes)"), self->file_name));
      return;
    }

  self->total = (guint64) g_file_info_get_size (info);
  self->multipart = self->total > self->multipart_threshold;
  if (self->multipart && (self->total + self->part_size - 1) / self->part_size > MAX_PARTS)
    self->part_size = (self->total + MAX_PARTS - 1) / MAX_PARTS;
  g_object_freeze_notify (G_OBJECT (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_TOTAL]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MULTIPART]);
  g_object_thaw_notify (G_OBJECT (self));

  g_file_read_async (self->file, G_PRIORITY_DEFAULT, self->cancellable, opened_cb, g_object_ref (self));
}

/* ------------------------------------------------------------------ GObject */

static void
fal_upload_dispose (GObject *object)
{
  FalUpload *self = (FalUpload *)object;

  g_cancellable_cancel (self->cancellable);

  G_OBJECT_CLASS (fal_upload_parent_class)->dispose (object);
}

static void
fal_upload_finalize (GObject *object)
{
  FalUpload *self = (FalUpload *)object;

  g_clear_object (&self->client);
  g_clear_object (&self->file);
  g_free (self->file_name);
  g_free (self->content_type);
  g_free (self->url);
  g_clear_error (&self->error);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->waiters, g_ptr_array_unref);
  g_clear_object (&self->cancellable);
  g_free (self->upload_url);
  g_free (self->file_url);
  g_free (self->part_now);
  g_free (self->part_best);
  /* Not g_strfreev: a failed upload leaves holes. */
  for (guint i = 0; self->etags && i < self->n_parts; i++)
    g_free (self->etags[i]);
  g_free (self->etags);
  g_clear_error (&self->transfer_error);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (fal_upload_parent_class)->finalize (object);
}

static void
fal_upload_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  FalUpload *self = FAL_UPLOAD (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_CONTENT_TYPE:
      g_value_set_string (value, self->content_type);
      break;
    case PROP_BYTES_SENT:
      g_value_set_uint64 (value, self->bytes_sent);
      break;
    case PROP_BYTES_TOTAL:
      g_value_set_uint64 (value, self->total);
      break;
    case PROP_MULTIPART:
      g_value_set_boolean (value, self->multipart);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_upload_class_init (FalUploadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = fal_upload_dispose;
  object_class->finalize = fal_upload_finalize;
  object_class->get_property = fal_upload_get_property;

  properties[PROP_FILE] = g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE, flags);
  properties[PROP_CONTENT_TYPE] = g_param_spec_string ("content-type", NULL, NULL, NULL, flags);
  properties[PROP_BYTES_SENT] = g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_BYTES_TOTAL] = g_param_spec_uint64 ("bytes-total", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_MULTIPART] = g_param_spec_boolean ("multipart", NULL, NULL, FALSE, flags);
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, FAL_TYPE_UPLOAD_STATE, FAL_UPLOAD_PENDING, flags);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, flags);
  properties[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[FINISHED] = g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
fal_upload_init (FalUpload *self)
{
  g_mutex_init (&self->lock);
  self->cancellable = g_cancellable_new ();
  self->waiters = g_ptr_array_new_with_free_func (g_object_unref);
  self->context = g_main_context_ref_thread_default ();
}

FalUpload *
fal_client_upload_full (FalClient              *client,
                        GFile                  *file,
                        const char             *content_type,
                        const FalUploadOptions *options)
{
  FalUpload *self;

  g_return_val_if_fail (FAL_IS_CLIENT (client), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  self = g_object_new (FAL_TYPE_UPLOAD, NULL);
  self->client = g_object_ref (client);
  self->file = g_object_ref (file);
  self->file_name = g_file_get_basename (file);
  if (content_type && *content_type)
    self->content_type = g_strdup (content_type);
  self->multipart_threshold = options && options->multipart_threshold ? options->multipart_threshold
                                                                      : FAL_UPLOAD_MULTIPART_THRESHOLD;
  self->part_size = options && options->part_size ? options->part_size : FAL_UPLOAD_PART_SIZE;
  self->max_parallel = options && options->max_parallel ? options->max_parallel : FAL_UPLOAD_MAX_PARALLEL;

  g_file_query_info_async (file,
                           G_FILE_ATTRIBUTE_STANDARD_TYPE ","
                           G_FILE_ATTRIBUTE_STANDARD_SIZE ","
                           G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
                           G_FILE_QUERY_INFO_NONE, G_PRIORITY_DEFAULT, self->cancellable,
                           info_cb, g_object_ref (self));
  return self;
}

FalUpload *
fal_client_upload (FalClient  *client,
                   GFile      *file,
                   const char *content_type)
{
  return fal_client_upload_full (client, file, content_type, NULL);
}

/* ------------------------------------------------------------------ public */

GFile *fal_upload_get_file (FalUpload *self) { g_return_val_if_fail (FAL_IS_UPLOAD (self), NULL); return self->file; }
const char *fal_upload_get_content_type (FalUpload *self) { g_return_val_if_fail (FAL_IS_UPLOAD (self), NULL); return self->content_type; }
guint64 fal_upload_get_bytes_sent (FalUpload *self) { g_return_val_if_fail (FAL_IS_UPLOAD (self), 0); return self->bytes_sent; }
guint64 fal_upload_get_bytes_total (FalUpload *self) { g_return_val_if_fail (FAL_IS_UPLOAD (self), 0); return self->total; }
gboolean fal_upload_get_multipart (FalUpload *self) { g_return_val_if_fail (FAL_IS_UPLOAD (self), FALSE); return self->multipart; }
FalUploadState fal_upload_get_state (FalUpload *self) { g_return_val_if_fail (FAL_IS_UPLOAD (self), FAL_UPLOAD_PENDING); return self->state; }
const char *fal_upload_get_url (FalUpload *self) { g_return_val_if_fail (FAL_IS_UPLOAD (self), NULL); return self->url; }
const GError *fal_upload_get_error (FalUpload *self) { g_return_val_if_fail (FAL_IS_UPLOAD (self), NULL); return self->error; }
gboolean fal_upload_is_finished (FalUpload *self) { g_return_val_if_fail (FAL_IS_UPLOAD (self), FALSE); return self->finished; }

void
fal_upload_cancel (FalUpload *self)
{
  g_return_if_fail (FAL_IS_UPLOAD (self));

  if (self->finished)
    return;
  g_cancellable_cancel (self->cancellable);
  fail (self, g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED, _("Upload cancelled")));
}

static gboolean
waiter_cancelled_cb (GCancellable *cancellable,
                     gpointer      data)
{
  GTask *task = data;
  FalUpload *self = g_task_get_source_object (task);

  /* Only this wait ends; the upload goes on. */
  g_task_set_task_data (task, NULL, NULL);
  g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_CANCELLED, _("Cancelled"));
  g_ptr_array_remove (self->waiters, task);
  return G_SOURCE_REMOVE;
}

void
fal_upload_wait_async (FalUpload           *self,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FAL_IS_UPLOAD (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_upload_wait_async);
  /* A cancel is told as FAL_ERROR_CANCELLED, like every libfal call. */
  g_task_set_check_cancellable (task, FALSE);
  if (self->finished)
    {
      waiter_return (self, task);
      return;
    }
  if (cancellable)
    {
      g_autoptr(GSource) source = g_cancellable_source_new (cancellable);

      g_source_set_callback (source, G_SOURCE_FUNC (waiter_cancelled_cb), task, NULL);
      g_source_attach (source, self->context);
      g_task_set_task_data (task, g_source_ref (source), (GDestroyNotify) g_source_unref);
    }
  g_ptr_array_add (self->waiters, g_steal_pointer (&task));
}

char *
fal_upload_wait_finish (FalUpload     *self,
                        GAsyncResult  *result,
                        GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == fal_upload_wait_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
