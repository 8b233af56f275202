/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <errno.h>
#include <sys/socket.h>

#include "fal-local-connections.h"

/* How libsoup 3.2's server loses connections: after an answer on a kept-
 * alive connection it waits for the next request with a message that has
 * no completion handler yet (that comes with the request's first byte).
 * When the client closes instead, the read fails, that message is
 * finished and nobody disconnects: the socket stays in CLOSE-WAIT for
 * the life of the process. So between an answer and the next request
 * each connection is watched here: readable with nothing to read means
 * the client has gone, and the socket is closed; idle past the timeout,
 * it is closed too. While a request's headers come in, libsoup reads
 * them itself (an end there is handled), and only the timeout is ours:
 * a shutdown(2) makes libsoup's own read fail and disconnect.
 *
 * A connection closed here while idle leaves libsoup's small objects for
 * it (no fd). Open connections are counted as the sockets seen that are
 * not closed yet, not by finalization: libsoup before 3.4 never drops its
 * listener's reference to an accepted GSocket (fixed upstream by "soup-
 * listener: Plug a leak", 3.4.0), so a socket is never finalized there. */

#define CONNECTION_KEY "fal-local-connection"

typedef struct {
  gatomicrefcount ref_count;
  guint max_connections;
  guint idle_timeout_ms;
  GPtrArray *sockets;    /* seen and maybe open: pruned when a new one comes */
  gint open;             /* atomic: read from any thread */
  SoupServer *soup;      /* weak: NULL once freed */
  gulong handlers[4];
} Shared;

struct _FalLocalConnections {
  Shared *shared;
};

/* One per accepted socket, as its qdata; freed with the socket. */
typedef struct {
  Shared *shared;
  GSource *readable;
  GSource *deadline;
} Connection;

static Shared *
shared_ref (Shared *shared)
{
  g_atomic_ref_count_inc (&shared->ref_count);
  return shared;
}

static void
shared_unref (Shared *shared)
{
  if (g_atomic_ref_count_dec (&shared->ref_count))
    {
      g_ptr_array_unref (shared->sockets);
      g_free (shared);
    }
}

/* The open connections, once the closed ones are forgotten. */
static guint
prune_closed (Shared *shared)
{
  for (guint i = shared->sockets->len; i > 0; i--)
    if (g_socket_is_closed (g_ptr_array_index (shared->sockets, i - 1)))
      g_ptr_array_remove_index_fast (shared->sockets, i - 1);
  g_atomic_int_set (&shared->open, (gint) shared->sockets->len);
  return shared->sockets->len;
}

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
unwatch (Connection *connection)
{
  clear_source (&connection->readable);
  clear_source (&connection->deadline);
}

static void
connection_free (gpointer data)
{
  Connection *connection = data;

  /* The sources hold the socket: none is left when it is finalized. */
  g_assert (connection->readable == NULL && connection->deadline == NULL);
  shared_unref (connection->shared);
  g_free (connection);
}

static Connection *
connection_for (GSocket *socket)
{
  return g_object_get_data (G_OBJECT (socket), CONNECTION_KEY);
}

/* Idle: libsoup no longer reads this socket, so it is closed here. */
static void
close_idle (GSocket    *socket,
            const char *why)
{
  Connection *connection = connection_for (socket);

  g_debug ("closing idle connection %d: %s", g_socket_get_fd (socket), why);
  unwatch (connection);
  g_socket_close (socket, NULL);
}

static gboolean
idle_readable_cb (GSocket      *socket,
                  GIOCondition  condition,
                  gpointer      data)
{
  Connection *connection = data;
  char byte;
  gssize n;

  if (g_socket_is_closed (socket))
    {
      unwatch (connection);
      return G_SOURCE_REMOVE;
    }
  n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      close_idle (socket, "the client closed it");
      return G_SOURCE_REMOVE;
    }
  /* The next request: libsoup reads it, request-started follows. */
  g_clear_pointer (&connection->readable, g_source_unref);
  return G_SOURCE_REMOVE;
}

static gboolean
idle_deadline_cb (gpointer data)
{
  GSocket *socket = data;

  if (!g_socket_is_closed (socket))
    close_idle (socket, "idle too long");
  return G_SOURCE_REMOVE;
}

static gboolean
headers_deadline_cb (gpointer data)
{
  GSocket *socket = data;
  Connection *connection = connection_for (socket);

  g_debug ("ending connection %d: no complete request in time", g_socket_get_fd (socket));
  g_clear_pointer (&connection->deadline, g_source_unref);
  if (!g_socket_is_closed (socket))
    g_socket_shutdown (socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
add_deadline (Connection  *connection,
              GSocket     *socket,
              GSourceFunc  callback)
{
  if (connection->shared->idle_timeout_ms == 0)
    return;
  connection->deadline = g_timeout_source_new (connection->shared->idle_timeout_ms);
  g_source_set_callback (connection->deadline, callback, g_object_ref (socket), g_object_unref);
  g_source_attach (connection->deadline, g_main_context_get_thread_default ());
}

static void
got_headers_cb (SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  Connection *connection = socket ? connection_for (socket) : NULL;

  if (connection)
    unwatch (connection);
}

static void
request_started_cb (SoupServer        *soup,
                    SoupServerMessage *msg,
                    Shared            *shared)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  Connection *connection;

  if (socket == NULL)
    return;
  connection = connection_for (socket);
  if (connection == NULL)
    {
      connection = g_new0 (Connection, 1);
      connection->shared = shared_ref (shared);
      g_object_set_data_full (G_OBJECT (socket), CONNECTION_KEY, connection, connection_free);
      if (prune_closed (shared) >= shared->max_connections)
        {
          /* libsoup reads the end and disconnects it. */
          g_debug ("ending connection %d: too many connections", g_socket_get_fd (socket));
          g_socket_shutdown (socket, TRUE, TRUE, NULL);
          return;
        }
      g_ptr_array_add (shared->sockets, g_object_ref (socket));
      g_atomic_int_set (&shared->open, (gint) shared->sockets->len);
    }
  unwatch (connection);
  add_deadline (connection, socket, headers_deadline_cb);
  g_signal_connect (msg, "got-headers", G_CALLBACK (got_headers_cb), NULL);
}

/* After libsoup has either disconnected (Connection: close, an error) or
 * set up the wait for the next request. */
static gboolean
watch_idle_cb (gpointer data)
{
  GSocket *socket = data;
  Connection *connection = connection_for (socket);

  if (connection == NULL || g_socket_is_closed (socket) || !g_socket_is_connected (socket))
    return G_SOURCE_REMOVE;
  unwatch (connection);
  connection->readable = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (connection->readable, G_SOURCE_FUNC (idle_readable_cb), connection, NULL);
  g_source_attach (connection->readable, g_main_context_get_thread_default ());
  add_deadline (connection, socket, idle_deadline_cb);
  return G_SOURCE_REMOVE;
}

static void
request_done_cb (SoupServer        *soup,
                 SoupServerMessage *msg,
                 Shared            *shared)
{
  GSocket *socket = soup_server_message_get_socket (msg);
  GSource *later;

  if (socket == NULL || connection_for (socket) == NULL)
    return;
  unwatch (connection_for (socket));
  later = g_idle_source_new ();
  g_source_set_callback (later, watch_idle_cb, g_object_ref (socket), g_object_unref);
  g_source_attach (later, g_main_context_get_thread_default ());
  g_source_unref (later);
}

FalLocalConnections *
fal_local_connections_new (SoupServer *soup,
                           guint       max_connections,
                           guint       idle_timeout_ms)
{
  FalLocalConnections *self = g_new0 (FalLocalConnections, 1);
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->ref_count);
  shared->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  shared->max_connections = max_connections > 0 ? max_connections : G_MAXUINT;
  shared->idle_timeout_ms = idle_timeout_ms;
  shared->soup = soup;
  g_object_add_weak_pointer (G_OBJECT (soup), (gpointer *) &shared->soup);
  shared->handlers[0] = g_signal_connect (soup, "request-started", G_CALLBACK (request_started_cb), shared);
  shared->handlers[1] = g_signal_connect (soup, "request-finished", G_CALLBACK (request_done_cb), shared);
  shared->handlers[2] = g_signal_connect (soup, "request-aborted", G_CALLBACK (request_done_cb), shared);
  self->shared = shared;
  return self;
}

guint
fal_local_connections_get_open (FalLocalConnections *self)
{
  return (guint) g_atomic_int_get (&self->shared->open);
}

void
fal_local_connections_free (FalLocalConnections *self)
{
  if (self->shared->soup)
    {
      for (guint i = 0; i < G_N_ELEMENTS (self->shared->handlers); i++)
        if (self->shared->handlers[i])
          g_signal_handler_disconnect (self->shared->soup, self->shared->handlers[i]);
      g_object_remove_weak_pointer (G_OBJECT (self->shared->soup), (gpointer *) &self->shared->soup);
    }
  /* The sockets' Connection data hold the shared part: let them go. */
  g_ptr_array_set_size (self->shared->sockets, 0);
  shared_unref (self->shared);
  g_free (self);
}
