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
 * it (no fd). What is kept here for a connection lives in a table, not
 * on the socket, and is dropped once the socket is closed: libsoup
 * before 3.4 never drops its listener's reference to an accepted GSocket
 * (fixed upstream by "soup-listener: Plug a leak", 3.4.0), so a socket
 * there is never finalized. */

typedef struct {
  gatomicrefcount ref_count;
  guint max_connections;
  guint idle_timeout_ms;
  GHashTable *connections; /* GSocket (a reference) → Connection: seen, maybe open */
  SoupServer *soup;        /* weak: NULL once freed */
  gulong handlers[3];
} Shared;

struct _FalLocalConnections {
  Shared *shared;
};

typedef struct {
  GSocket *socket;         /* borrowed: the table holds it */
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

  unwatch (connection);
  g_free (connection);
}

static void
shared_unref (Shared *shared)
{
  if (g_atomic_ref_count_dec (&shared->ref_count))
    {
      g_hash_table_unref (shared->connections);
      g_free (shared);
    }
}

/* The open connections, once the closed ones are forgotten (with what
 * was kept for them: this does not wait for libsoup to let go). */
static guint
prune_closed (Shared *shared)
{
  GHashTableIter iter;
  gpointer socket;

  g_hash_table_iter_init (&iter, shared->connections);
  while (g_hash_table_iter_next (&iter, &socket, NULL))
    if (g_socket_is_closed (socket))
      g_hash_table_iter_remove (&iter);
  return g_hash_table_size (shared->connections);
}

/* Idle: libsoup no longer reads this socket, so it is closed here. */
static void
close_idle (Connection *connection,
            const char *why)
{
  g_debug ("closing idle connection %d: %s", g_socket_get_fd (connection->socket), why);
  unwatch (connection);
  g_socket_close (connection->socket, NULL);
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
      g_clear_pointer (&connection->readable, g_source_unref);
      clear_source (&connection->deadline);
      return G_SOURCE_REMOVE;
    }
  n = recv (g_socket_get_fd (socket), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
    return G_SOURCE_CONTINUE;
  /* Removed by returning: not destroyed again by unwatch. */
  g_clear_pointer (&connection->readable, g_source_unref);
  if (n <= 0)
    close_idle (connection, "the client closed it");
  /* Else the next request: libsoup reads it, request-started follows. */
  return G_SOURCE_REMOVE;
}

static gboolean
idle_deadline_cb (gpointer data)
{
  Connection *connection = data;

  g_clear_pointer (&connection->deadline, g_source_unref);
  if (!g_socket_is_closed (connection->socket))
    close_idle (connection, "idle too long");
  return G_SOURCE_REMOVE;
}

static gboolean
headers_deadline_cb (gpointer data)
{
  Connection *connection = data;

  g_clear_pointer (&connection->deadline, g_source_unref);
  g_debug ("ending connection %d: no complete request in time", g_socket_get_fd (connection->socket));
  if (!g_socket_is_closed (connection->socket))
    g_socket_shutdown (connection->socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static void
add_deadline (Shared      *shared,
              Connection  *connection,
              GSourceFunc  callback)
{
  if (shared->idle_timeout_ms == 0)
    return;
  connection->deadline = g_timeout_source_new (shared->idle_timeout_ms);
  g_source_set_callback (connection->deadline, callback, connection, NULL);
  g_source_attach (connection->deadline, g_main_context_get_thread_default ());
}

static Connection *
connection_of (Shared            *shared,
               SoupServerMessage *msg)
{
  GSocket *socket = soup_server_message_get_socket (msg);

  return socket ? g_hash_table_lookup (shared->connections, socket) : NULL;
}

static void
shared_closure_notify (gpointer  data,
                       GClosure *closure)
{
  shared_unref (data);
}

static void
got_headers_cb (SoupServerMessage *msg,
                Shared            *shared)
{
  Connection *connection = connection_of (shared, msg);

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

  if (socket == NULL || g_socket_is_closed (socket))
    return;
  connection = g_hash_table_lookup (shared->connections, socket);
  if (connection == NULL)
    {
      if (prune_closed (shared) >= shared->max_connections)
        {
          /* libsoup reads the end and disconnects it. */
          g_debug ("ending connection %d: too many connections", g_socket_get_fd (socket));
          g_socket_shutdown (socket, TRUE, TRUE, NULL);
          return;
        }
      connection = g_new0 (Connection, 1);
      connection->socket = socket;
      g_hash_table_insert (shared->connections, g_object_ref (socket), connection);
    }
  unwatch (connection);
  add_deadline (shared, connection, headers_deadline_cb);
  g_signal_connect_data (msg, "got-headers", G_CALLBACK (got_headers_cb), shared_ref (shared),
                         shared_closure_notify, 0);
}

typedef struct {
  Shared *shared;
  GSocket *socket;
} Later;

static void
later_free (gpointer data)
{
  Later *later = data;

  shared_unref (later->shared);
  g_object_unref (later->socket);
  g_free (later);
}

/* After libsoup has either disconnected (Connection: close, an error) or
 * set up the wait for the next request. */
static gboolean
watch_idle_cb (gpointer data)
{
  Later *later = data;
  Connection *connection = g_hash_table_lookup (later->shared->connections, later->socket);

  if (connection == NULL || g_socket_is_closed (later->socket) || !g_socket_is_connected (later->socket))
    return G_SOURCE_REMOVE;
  unwatch (connection);
  connection->readable = g_socket_create_source (later->socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (connection->readable, G_SOURCE_FUNC (idle_readable_cb), connection, NULL);
  g_source_attach (connection->readable, g_main_context_get_thread_default ());
  add_deadline (later->shared, connection, idle_deadline_cb);
  return G_SOURCE_REMOVE;
}

static void
request_done_cb (SoupServer        *soup,
                 SoupServerMessage *msg,
                 Shared            *shared)
{
  Connection *connection = connection_of (shared, msg);
  GSource *source;
  Later *later;

  if (connection == NULL)
    return;
  unwatch (connection);
  later = g_new0 (Later, 1);
  later->shared = shared_ref (shared);
  later->socket = g_object_ref (connection->socket);
  source = g_idle_source_new ();
  g_source_set_callback (source, watch_idle_cb, later, later_free);
  g_source_attach (source, g_main_context_get_thread_default ());
  g_source_unref (source);
}

FalLocalConnections *
fal_local_connections_new (SoupServer *soup,
                           guint       max_connections,
                           guint       idle_timeout_ms)
{
  FalLocalConnections *self = g_new0 (FalLocalConnections, 1);
  Shared *shared = g_new0 (Shared, 1);

  g_atomic_ref_count_init (&shared->ref_count);
  shared->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, connection_free);
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
  /* Every watch goes now; messages still around hold only the table. */
  g_hash_table_remove_all (self->shared->connections);
  shared_unref (self->shared);
  g_free (self);
}
