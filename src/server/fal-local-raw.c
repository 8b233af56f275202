/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include "fal-local-raw.h"

#include <sys/socket.h>

#define RAW_SEND_BUFFER (256 * 1024)

struct _FalLocalRaw
{
  GObject parent_instance;

  GIOStream *stream;
  GSocket *socket;
  GCancellable *cancellable;
  GQueue pending;            /* GBytes */
  gsize pending_bytes;
  gsize max_backlog;
  gboolean writing;
  gboolean finishing;
  gboolean dropped;
  gboolean closed;
  char peek[512];
};

G_DEFINE_FINAL_TYPE (FalLocalRaw, fal_local_raw, G_TYPE_OBJECT)

enum {
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void write_next (FalLocalRaw *self);

/* Drops the connection; the last reference (held while open) goes. */
static void
close_now (FalLocalRaw *self)
{
  if (self->closed)
    return;

  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_queue_clear_full (&self->pending, (GDestroyNotify) g_bytes_unref);
  self->pending_bytes = 0;
  if (self->dropped)
    {
      /* Reset, not a FIN behind megabytes the kernel would go on
       * offering to a client that does not read. */
      struct linger reset = { .l_onoff = 1, .l_linger = 0 };

      setsockopt (g_socket_get_fd (self->socket), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
    }
  g_io_stream_close (self->stream, NULL, NULL);
  g_signal_emit (self, signals[CLOSED], 0);
  g_object_unref (self);
}

static gboolean
drop_cb (gpointer data)
{
  close_now (data);
  return G_SOURCE_REMOVE;
}

/* The caller is in the middle of writing (from a job's signal, say):
 * "closed" and what its handlers free come from the main loop. */
static void
drop_later (FalLocalRaw *self)
{
  GSource *source = g_idle_source_new ();

  self->finishing = TRUE;
  self->dropped = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_source_set_callback (source, drop_cb, g_object_ref (self), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(FalLocalRaw) self = data;
  GBytes *bytes;

  self->writing = FALSE;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL))
    {
      close_now (self);
      return;
    }
  bytes = g_queue_pop_head (&self->pending);
  self->pending_bytes -= g_bytes_get_size (bytes);
  g_bytes_unref (bytes);
  write_next (self);
}

static void
write_next (FalLocalRaw *self)
{
  GBytes *bytes;

  if (self->closed || self->writing)
    return;

  bytes = g_queue_peek_head (&self->pending);
  if (bytes == NULL)
    {
      if (self->finishing)
        close_now (self);
      return;
    }

  self->writing = TRUE;
  g_output_stream_write_all_async (g_io_stream_get_output_stream (self->stream),
                                   g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                   G_PRIORITY_DEFAULT, self->cancellable,
                                   write_cb, g_object_ref (self));
}

/* The client sends nothing more on a response it waits for: a read that
 * ends means it has gone. */
static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  g_autoptr(FalLocalRaw) self = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, NULL);

  if (self->closed)
    return;
  if (n <= 0)
    {
      close_now (self);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), self->peek, sizeof self->peek,
                             G_PRIORITY_DEFAULT, self->cancellable, read_cb, g_object_ref (self));
}

static void
fal_local_raw_finalize (GObject *object)
{
  FalLocalRaw *self = (FalLocalRaw *)object;

  g_queue_clear_full (&self->pending, (GDestroyNotify) g_bytes_unref);
  g_clear_object (&self->stream);
  g_clear_object (&self->socket);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (fal_local_raw_parent_class)->finalize (object);
}

static void
fal_local_raw_class_init (FalLocalRawClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_local_raw_finalize;

  signals[CLOSED] = g_signal_new ("closed",
                                  G_TYPE_FROM_CLASS (klass),
                                  G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL,
                                  G_TYPE_NONE, 0);
}

static void
fal_local_raw_init (FalLocalRaw *self)
{
  g_queue_init (&self->pending);
  self->max_backlog = FAL_LOCAL_RAW_MAX_BACKLOG;
  self->cancellable = g_cancellable_new ();
}

FalLocalRaw *
fal_local_raw_new (SoupServerMessage  *msg,
                   guint               status,
                   SoupMessageHeaders *headers)
{
  FalLocalRaw *self = g_object_new (FAL_LOCAL_TYPE_RAW, NULL);
  g_autoptr(GString) head = g_string_new (NULL);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  const char *reason = soup_status_get_phrase (status);

  /* headers are the message's own: they already hold CORS, added by the
   * early handler (fal-local-cors.c) to every message. */
  g_string_append_printf (head, "HTTP/1.1 %u %s\r\n", status, reason ? reason : "Unknown");
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (head, "%s: %s\r\n", name, value);
  g_string_append (head, "Connection: close\r\n\r\n");

  self->socket = g_object_ref (soup_server_message_get_socket (msg));
  /* What waits for a slow client waits in our queue, bounded by
   * max_backlog, not in the kernel (which would grow its buffer to 4 MiB
   * a connection, out of our sight). The kernel doubles this. */
  g_socket_set_option (self->socket, SOL_SOCKET, SO_SNDBUF, RAW_SEND_BUFFER, NULL);
  self->stream = soup_server_message_steal_connection (msg);
  /* The open connection holds a reference: the caller's is its own. */
  g_object_ref (self);
  fal_local_raw_write (self, head->str, head->len);
  g_input_stream_read_async (g_io_stream_get_input_stream (self->stream), self->peek, sizeof self->peek,
                             G_PRIORITY_DEFAULT, self->cancellable, read_cb, g_object_ref (self));
  return self;
}

void
fal_local_raw_set_max_backlog (FalLocalRaw *self,
                               gsize        max_backlog)
{
  g_return_if_fail (FAL_LOCAL_IS_RAW (self));

  self->max_backlog = max_backlog;
}

void
fal_local_raw_write (FalLocalRaw   *self,
                     gconstpointer  data,
                     gsize          length)
{
  g_return_if_fail (FAL_LOCAL_IS_RAW (self));

  if (self->closed || self->finishing || length == 0)
    return;
  if (self->pending_bytes + length > self->max_backlog)
    {
      g_debug ("dropping a client that does not read: %" G_GSIZE_FORMAT " bytes queued", self->pending_bytes);
      drop_later (self);
      return;
    }
  self->pending_bytes += length;
  g_queue_push_tail (&self->pending, g_bytes_new (data, length));
  write_next (self);
}

void
fal_local_raw_write_chunk (FalLocalRaw   *self,
                           gconstpointer  data,
                           gsize          length)
{
  g_autoptr(GString) chunk = NULL;

  if (length == 0)
    return;   /* a zero-length chunk would end the body */
  chunk = g_string_sized_new (length + 16);
  g_string_append_printf (chunk, "%" G_GSIZE_MODIFIER "x\r\n", length);
  g_string_append_len (chunk, data, length);
  g_string_append (chunk, "\r\n");
  fal_local_raw_write (self, chunk->str, chunk->len);
}

gboolean
fal_local_raw_is_writable (FalLocalRaw *self)
{
  g_return_val_if_fail (FAL_LOCAL_IS_RAW (self), FALSE);

  return !self->closed && !self->finishing;
}

void
fal_local_raw_finish (FalLocalRaw *self,
                      gboolean     abrupt)
{
  g_return_if_fail (FAL_LOCAL_IS_RAW (self));

  if (self->closed || self->finishing)
    return;
  if (abrupt)
    {
      /* What was queued still goes out, then the connection drops. */
      self->finishing = TRUE;
      write_next (self);
      return;
    }
  fal_local_raw_write (self, "0\r\n\r\n", 5);
  self->finishing = TRUE;
  write_next (self);
}
