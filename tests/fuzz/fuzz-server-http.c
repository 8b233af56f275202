/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The local server (falctl serve, on its own thread as always) on any
 * request bytes from a client: one connection per input, the bytes sent
 * as they are, the client's side shut, and the answer read to its end.
 * Whatever comes in, the server must answer or close, and go on serving. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>

#include "fal-local-server.h"
#include "fuzz.h"

static FalLocalServer *server;
static GInetSocketAddress *address;

static void
start_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = g_dir_make_tmp ("falstaff-fuzz-XXXXXX", &error);

  g_assert_no_error (error);
  server = g_object_new (FAL_LOCAL_TYPE_SERVER,
                         "port", 0,
                         /* Runs end at once: a status stream does not
                          * hold an input for seconds. */
                         "speed", 1000.0,
                         "key", FAL_LOCAL_DEFAULT_KEY,
                         "data-dir", data_dir,
                         NULL);
  if (!fal_local_server_start (server, &error))
    g_error ("%s", error->message);
  address = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new_from_string ("127.0.0.1",
                                                                          fal_local_server_get_port (server)));
}

/* The first bytes of the answer (up to 12, as a string), or NULL when
 * the connection could not be made. */
static char *
exchange (const uint8_t *data,
          size_t         size,
          GError       **error)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  char buffer[16384];
  char head[13] = "";
  gsize sent = 0, got = 0;
  gssize n;

  if (socket == NULL)
    return NULL;
  /* A stall (a body it still waits for) ends by our shut side; the
   * timeout only bounds an answer that never ends. */
  g_socket_set_timeout (socket, 2);
  if (!g_socket_connect (socket, G_SOCKET_ADDRESS (address), NULL, error))
    return NULL;
  while (sent < size)
    {
      n = g_socket_send (socket, (const char *) data + sent, size - sent, NULL, NULL);
      if (n <= 0)
        break;  /* it closed on us: fine, read what it said */
      sent += n;
    }
  g_socket_shutdown (socket, FALSE, TRUE, NULL);
  while ((n = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL)) > 0)
    {
      if (got < sizeof head - 1)
        memcpy (head + got, buffer, MIN ((gsize) n, sizeof head - 1 - got));
      got += n;
    }
  g_socket_close (socket, NULL);
  return g_strdup (head);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char probe[] = "GET /rest/storage/nothing HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *ignored = NULL;
  g_autofree char *answer = NULL;

  if (server == NULL)
    start_server ();
  ignored = exchange (data, size, NULL);
  /* Still serving, whatever the input did. */
  answer = exchange ((const uint8_t *) probe, sizeof probe - 1, &error);
  if (answer == NULL || !g_str_has_prefix (answer, "HTTP/1.1 "))
    {
      /* abort(), not g_error (a trap): libFuzzer keeps the input. */
      g_printerr ("the server stopped answering: %s\n", answer ? answer : error->message);
      abort ();
    }
  return 0;
}
