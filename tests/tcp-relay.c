/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tcp-relay.h"

typedef struct _Pipe Pipe;

/* One direction of a relayed connection. */
typedef struct {
  TcpRelay *relay;
  Pipe *pipe;
  GInputStream *in;
  GOutputStream *out;
  GBytes *held;                /* read while frozen, written on thaw */
  gboolean reading;
  gboolean writing;
} Pump;

struct _Pipe {
  GSocketConnection *client;
  GSocketConnection *upstream;
  Pump up;                     /* client → server */
  Pump down;                   /* server → client */
  GCancellable *cancellable;
  gboolean closed;
};

struct _TcpRelay {
  GSocketService *service;
  guint16 port;
  guint16 target_port;
  GPtrArray *pipes;            /* Pipe, closed ones too until the end */
  GPtrArray *waiting;          /* GSocketConnection accepted while frozen */
  gboolean frozen;
  guint n_accepted;
  char *url;
};

static void pump_read (Pump *pump);

/* Both sockets closed at once, as when a process dies. Callbacks still on
 * their way see pipe->closed. */
static void
pipe_close (Pipe *pipe)
{
  if (pipe->closed)
    return;
  pipe->closed = TRUE;
  g_cancellable_cancel (pipe->cancellable);
  g_socket_close (g_socket_connection_get_socket (pipe->client), NULL);
  g_socket_close (g_socket_connection_get_socket (pipe->upstream), NULL);
}

static void
pipe_free (Pipe *pipe)
{
  pipe_close (pipe);
  g_clear_object (&pipe->client);
  g_clear_object (&pipe->upstream);
  g_clear_object (&pipe->cancellable);
  g_clear_pointer (&pipe->up.held, g_bytes_unref);
  g_clear_pointer (&pipe->down.held, g_bytes_unref);
  g_free (pipe);
}

static void
pump_written_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Pump *pump = data;
  gboolean ok = g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, NULL);

  if (pump->pipe->closed)
    return;
  pump->writing = FALSE;
  if (!ok)
    {
      pipe_close (pump->pipe);
      return;
    }
  pump_read (pump);
}

static void
pump_write (Pump   *pump,
            GBytes *bytes)
{
  gsize size;
  gconstpointer data;

  /* The bytes live in the held slot until written. */
  g_bytes_ref (bytes);
  g_clear_pointer (&pump->held, g_bytes_unref);
  pump->held = bytes;
  data = g_bytes_get_data (bytes, &size);
  pump->writing = TRUE;
  g_output_stream_write_all_async (pump->out, data, size, G_PRIORITY_DEFAULT, pump->pipe->cancellable,
                                   pump_written_cb, pump);
}

static void
pump_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Pump *pump = data;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, NULL);

  if (pump->pipe->closed)
    return;
  pump->reading = FALSE;
  if (bytes == NULL || g_bytes_get_size (bytes) == 0)
    {
      /* One side closed or broke: so does the other. */
      pipe_close (pump->pipe);
      return;
    }
  if (pump->relay->frozen)
    {
      g_clear_pointer (&pump->held, g_bytes_unref);
      pump->held = g_steal_pointer (&bytes);
      return;
    }
  pump_write (pump, bytes);
}

static void
pump_read (Pump *pump)
{
  g_clear_pointer (&pump->held, g_bytes_unref);
  if (pump->relay->frozen)
    return;
  pump->reading = TRUE;
  g_input_stream_read_bytes_async (pump->in, 16 * 1024, G_PRIORITY_DEFAULT, pump->pipe->cancellable,
                                   pump_read_cb, pump);
}

static void
pipe_start (TcpRelay             *relay,
            GSocketConnection *client)
{
  g_autoptr(GSocketClient) connector = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  Pipe *pipe = g_new0 (Pipe, 1);

  pipe->client = g_object_ref (client);
  /* The server is on this machine: a blocking connect is immediate. */
  pipe->upstream = g_socket_client_connect_to_host (connector, "127.0.0.1", relay->target_port, NULL, &error);
  g_assert_no_error (error);
  pipe->cancellable = g_cancellable_new ();
  pipe->up = (Pump) { relay, pipe, g_io_stream_get_input_stream (G_IO_STREAM (pipe->client)),
                      g_io_stream_get_output_stream (G_IO_STREAM (pipe->upstream)), NULL, FALSE, FALSE };
  pipe->down = (Pump) { relay, pipe, g_io_stream_get_input_stream (G_IO_STREAM (pipe->upstream)),
                        g_io_stream_get_output_stream (G_IO_STREAM (pipe->client)), NULL, FALSE, FALSE };
  g_ptr_array_add (relay->pipes, pipe);
  pump_read (&pipe->up);
  pump_read (&pipe->down);
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source,
             TcpRelay             *relay)
{
  relay->n_accepted++;
  if (relay->frozen)
    g_ptr_array_add (relay->waiting, g_object_ref (connection));
  else
    pipe_start (relay, connection);
  return TRUE;
}

static gboolean
try_listen (TcpRelay  *relay,
            guint16    port,
            GError   **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GSocketAddress) effective = NULL;
  GSocketService *service = g_socket_service_new ();

  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    {
      g_object_unref (service);
      return FALSE;
    }
  relay->service = service;
  relay->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  return TRUE;
}

/* The lowest port the kernel gives a connection's own end. */
static guint
ephemeral_low (void)
{
  g_autofree char *range = NULL;
  guint low = 32768;

  if (g_file_get_contents ("/proc/sys/net/ipv4/ip_local_port_range", &range, NULL, NULL))
    low = (guint) g_ascii_strtoull (range, NULL, 10);
  return low > 2048 ? low : 32768;
}

/* Listens on relay->port; the first time on a free port below the
 * kernel's ephemeral range: listening there again after a close cannot
 * fail because some connection took the port as its own end meanwhile. */
static void
relay_listen (TcpRelay *relay)
{
  g_autoptr(GError) error = NULL;

  if (relay->port == 0)
    {
      guint low = ephemeral_low ();

      for (guint i = 0; i < 200 && relay->service == NULL; i++)
        try_listen (relay, (guint16) g_random_int_range (MAX (1024, (gint) low / 2), (gint) low), NULL);
    }
  if (relay->service == NULL)
    try_listen (relay, relay->port, &error);
  g_assert_no_error (error);
  g_signal_connect (relay->service, "incoming", G_CALLBACK (incoming_cb), relay);
  g_socket_service_start (relay->service);
}

TcpRelay *
tcp_relay_new (const char *target_url)
{
  TcpRelay *relay = g_new0 (TcpRelay, 1);
  g_autoptr(GUri) uri = g_uri_parse (target_url, G_URI_FLAGS_NONE, NULL);

  relay->target_port = g_uri_get_port (uri);
  relay->pipes = g_ptr_array_new_with_free_func ((GDestroyNotify) pipe_free);
  relay->waiting = g_ptr_array_new_with_free_func (g_object_unref);
  relay_listen (relay);
  relay->url = g_strdup_printf ("http://127.0.0.1:%u", relay->port);
  return relay;
}

/* fal is gone: nothing listens on the port, and every open connection is
 * closed (as the kernel does for a process that died). */
void
tcp_relay_close (TcpRelay *relay)
{
  g_socket_service_stop (relay->service);
  g_socket_listener_close (G_SOCKET_LISTENER (relay->service));
  g_clear_object (&relay->service);
  for (guint i = 0; i < relay->pipes->len; i++)
    pipe_close (g_ptr_array_index (relay->pipes, i));
  for (guint i = 0; i < relay->waiting->len; i++)
    g_io_stream_close (g_ptr_array_index (relay->waiting, i), NULL, NULL);
  g_ptr_array_set_size (relay->waiting, 0);
}

/* fal is back, on the same port. */
void
tcp_relay_reopen (TcpRelay *relay)
{
  g_assert_null (relay->service);
  relay_listen (relay);
}

/* fal hangs: connections stay open and new ones are accepted, but no byte
 * goes either way until the thaw. */
void
tcp_relay_freeze (TcpRelay *relay)
{
  relay->frozen = TRUE;
}

void
tcp_relay_thaw (TcpRelay *relay)
{
  relay->frozen = FALSE;
  for (guint i = 0; i < relay->pipes->len; i++)
    {
      Pipe *pipe = g_ptr_array_index (relay->pipes, i);

      for (Pump *pump = &pipe->up; pump && !pipe->closed; pump = pump == &pipe->up ? &pipe->down : NULL)
        {
          if (pump->reading || pump->writing)
            continue;
          if (pump->held)
            pump_write (pump, pump->held);
          else
            pump_read (pump);
        }
    }
  for (guint i = 0; i < relay->waiting->len; i++)
    pipe_start (relay, g_ptr_array_index (relay->waiting, i));
  g_ptr_array_set_size (relay->waiting, 0);
}

void
tcp_relay_free (TcpRelay *relay)
{
  gint64 until = g_get_monotonic_time () + 100 * 1000;

  if (relay->service)
    tcp_relay_close (relay);
  /* Let the cancelled reads and writes come back before the pipes go. */
  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (2000);
  g_ptr_array_unref (relay->pipes);
  g_ptr_array_unref (relay->waiting);
  g_free (relay->url);
  g_free (relay);
}

const char *
tcp_relay_get_url (TcpRelay *relay)
{
  return relay->url;
}

guint
tcp_relay_get_n_accepted (TcpRelay *relay)
{
  return relay->n_accepted;
}
