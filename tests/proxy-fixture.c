/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "proxy-fixture.h"
#include "fal-local-server-private.h"

struct _ProxyFixture {
  char *key;
  char *url;
  char *upstream;              /* under mutex: where fal hosts go */
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;          /* these two live on the thread */
  SoupSession *session;
  GMutex mutex;
  GCond cond;
  gboolean ready;
  GError *error;
  guint n_forwarded;           /* atomic */
  GPtrArray *targets;          /* under mutex */
};

/* One forwarded request. */
typedef struct {
  ProxyFixture *self;
  SoupServerMessage *msg;
  SoupMessage *upstream;
  GInputStream *body;
  GCancellable *cancellable;
  gboolean finished;           /* the client's side is over */
} Forward;

/* Hop-by-hop headers, and those the proxy sets itself. */
static gboolean
is_own_header (const char *name)
{
  static const char * const names[] = {
    "host", "authorization", "x-fal-target-url", "connection", "keep-alive", "transfer-encoding",
    "content-length", "proxy-authorization", "proxy-connection", "te", "trailer", "upgrade",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_ascii_strcasecmp (name, names[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
copy_header_cb (const char *name,
                const char *value,
                gpointer    data)
{
  if (!is_own_header (name))
    soup_message_headers_append (data, name, value);
}

static void finished_cb (SoupServerMessage *msg, Forward *forward);

static void
forward_free (Forward *forward)
{
  g_signal_handlers_disconnect_by_func (forward->msg, finished_cb, forward);
  g_cancellable_cancel (forward->cancellable);
  g_clear_object (&forward->cancellable);
  g_clear_object (&forward->body);
  g_clear_object (&forward->upstream);
  g_clear_object (&forward->msg);
  g_free (forward);
}

static void
answer_json (SoupServerMessage *msg,
             guint              status,
             const char        *detail)
{
  g_autofree char *escaped = g_strescape (detail, NULL);
  g_autofree char *body = g_strdup_printf ("{\"detail\":\"%s\"}", escaped);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_COPY, body, strlen (body));
}

static void
finished_cb (SoupServerMessage *msg,
             Forward           *forward)
{
  /* The client left (or got all): stop reading upstream. */
  forward->finished = TRUE;
  g_cancellable_cancel (forward->cancellable);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Forward *forward = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  SoupMessageBody *response;

  if (forward->finished)
    {
      forward_free (forward);
      return;
    }
  response = soup_server_message_get_response_body (forward->msg);
  if (bytes == NULL)
    {
      /* Cut upstream: cut here too, with no terminating chunk. */
      g_autoptr(GIOStream) connection = soup_server_message_steal_connection (forward->msg);

      if (connection)
        g_io_stream_close (connection, NULL, NULL);
      forward_free (forward);
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      soup_message_body_complete (response);
      soup_server_message_unpause (forward->msg);
      forward_free (forward);
      return;
    }
  /* Each chunk goes out as it came. */
  soup_message_body_append_bytes (response, bytes);
  soup_server_message_unpause (forward->msg);
  g_input_stream_read_bytes_async (forward->body, 16 * 1024, G_PRIORITY_DEFAULT, forward->cancellable,
                                   read_cb, forward);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Forward *forward = data;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers;
  guint status;

  forward->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (forward->finished)
    {
      forward_free (forward);
      return;
    }
  if (forward->body == NULL)
    {
      g_autofree char *detail = g_strdup_printf ("The proxy could not reach the target: %s", error->message);

      answer_json (forward->msg, SOUP_STATUS_BAD_GATEWAY, detail);
      soup_server_message_unpause (forward->msg);
      forward_free (forward);
      return;
    }

  status = soup_message_get_status (forward->upstream);
  headers = soup_server_message_get_response_headers (forward->msg);
  soup_server_message_set_status (forward->msg, status, soup_message_get_reason_phrase (forward->upstream));
  soup_message_headers_foreach (soup_message_get_response_headers (forward->upstream), copy_header_cb, headers);

  if (g_str_equal (soup_server_message_get_method (forward->msg), "HEAD") ||
      status == SOUP_STATUS_NO_CONTENT || status == SOUP_STATUS_NOT_MODIFIED)
    {
      soup_server_message_unpause (forward->msg);
      forward_free (forward);
      return;
    }

  soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
  /* Written chunks are let go: an event stream may run long. */
  soup_message_body_set_accumulate (soup_server_message_get_response_body (forward->msg), FALSE);
  soup_server_message_unpause (forward->msg);
  g_input_stream_read_bytes_async (forward->body, 16 * 1024, G_PRIORITY_DEFAULT, forward->cancellable,
                                   read_cb, forward);
}

static gboolean
is_loopback (GUri *uri)
{
  const char *scheme = g_uri_get_scheme (uri);
  const char *host = g_uri_get_host (uri);

  return scheme && (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0) &&
         host && (g_str_equal (host, "127.0.0.1") || g_ascii_strcasecmp (host, "localhost") == 0 ||
                  g_str_equal (host, "::1"));
}

/* The URL a target goes to: a loopback one as it is; one on a fal host
 * (fal.run, queue.fal.run, rest.fal.ai, fal.ai, api.fal.ai) to the
 * upstream local server, under the path prefix it gives that host; NULL
 * when the target is not allowed. */
static GUri *
resolve (ProxyFixture *self,
         const char   *target)
{
  g_autoptr(GUri) uri = target ? g_uri_parse (target, G_URI_FLAGS_ENCODED, NULL) : NULL;
  g_autofree char *upstream = NULL;
  g_autofree char *path = NULL;
  g_autofree char *query = NULL;
  g_autofree char *mapped = NULL;

  if (uri == NULL)
    return NULL;
  if (is_loopback (uri))
    return g_steal_pointer (&uri);
  g_mutex_lock (&self->mutex);
  upstream = g_strdup (self->upstream);
  g_mutex_unlock (&self->mutex);
  if (upstream == NULL || g_strcmp0 (g_uri_get_scheme (uri), "https") != 0 ||
      !fal_local_target_resolve (target, &path, &query))
    return NULL;
  mapped = g_strconcat (upstream, path, query ? "?" : NULL, query, NULL);
  return g_uri_parse (mapped, G_URI_FLAGS_ENCODED, NULL);
}

static void
handler (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           data)
{
  ProxyFixture *self = data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  const char *target = soup_message_headers_get_one (request_headers, "x-fal-target-url");
  const char *method = soup_server_message_get_method (msg);
  g_autoptr(GUri) uri = resolve (self, target);
  g_autoptr(GBytes) body = NULL;
  g_autofree char *authorization = NULL;
  SoupMessageHeaders *upstream_headers;
  Forward *forward;

  /* As @fal-ai/server-proxy says it. */
  if (uri == NULL)
    {
      answer_json (msg, SOUP_STATUS_BAD_REQUEST, target ? "Invalid request: x-fal-target-url is not allowed"
                                                        : "Invalid request: x-fal-target-url is missing");
      return;
    }

  forward = g_new0 (Forward, 1);
  forward->self = self;
  forward->msg = g_object_ref (msg);
  forward->cancellable = g_cancellable_new ();
  forward->upstream = soup_message_new_from_uri (method, uri);
  soup_message_add_flags (forward->upstream, SOUP_MESSAGE_NO_REDIRECT);
  upstream_headers = soup_message_get_request_headers (forward->upstream);
  soup_message_headers_foreach (request_headers, copy_header_cb, upstream_headers);
  /* The caller's own Authorization wins, as in @fal-ai/server-proxy. */
  if (soup_message_headers_get_one (request_headers, "Authorization"))
    authorization = g_strdup (soup_message_headers_get_one (request_headers, "Authorization"));
  else
    authorization = g_strconcat ("Key ", self->key, NULL);
  soup_message_headers_replace (upstream_headers, "Authorization", authorization);
  soup_message_headers_replace (upstream_headers, "Via", "1.1 falstaff-test-proxy");

  body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  if (g_bytes_get_size (body) > 0 || g_str_equal (method, "POST") || g_str_equal (method, "PUT"))
    soup_message_set_request_body_from_bytes (forward->upstream,
                                              soup_message_headers_get_content_type (request_headers, NULL),
                                              body);

  g_mutex_lock (&self->mutex);
  g_ptr_array_add (self->targets, g_strdup_printf ("%s %s", method, target));
  g_mutex_unlock (&self->mutex);
  g_atomic_int_inc (&self->n_forwarded);

  soup_server_message_pause (msg);
  g_signal_connect (msg, "finished", G_CALLBACK (finished_cb), forward);
  soup_session_send_async (self->session, forward->upstream, G_PRIORITY_DEFAULT, forward->cancellable,
                           sent_cb, forward);
}

static gpointer
proxy_thread (gpointer data)
{
  ProxyFixture *self = data;
  g_autoslist(GUri) uris = NULL;
  GError *error = NULL;

  g_main_context_push_thread_default (self->context);
  self->server = soup_server_new ("server-header", "falstaff-test-proxy ", NULL);
  soup_server_add_handler (self->server, NULL, handler, self, NULL);
  self->session = g_object_new (SOUP_TYPE_SESSION,
                                "max-conns", 256,
                                "max-conns-per-host", 128,
                                "timeout", 0,
                                "idle-timeout", 0,
                                "proxy-resolver", NULL,
                                NULL);
  /* Bytes pass as they are: no decoding of compressed answers. */
  soup_session_remove_feature_by_type (self->session, SOUP_TYPE_CONTENT_DECODER);
  if (soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      uris = soup_server_get_uris (self->server);
      self->url = g_strdup_printf ("http://127.0.0.1:%d/", g_uri_get_port (uris->data));
    }

  g_mutex_lock (&self->mutex);
  self->error = error;
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (self->url)
    g_main_loop_run (self->loop);

  soup_session_abort (self->session);
  soup_server_disconnect (self->server);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_object (&self->session);
  g_clear_object (&self->server);
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

ProxyFixture *
proxy_fixture_new (const char *key)
{
  ProxyFixture *self = g_new0 (ProxyFixture, 1);

  g_assert_nonnull (key);
  self->key = g_strdup (key);
  self->targets = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->thread = g_thread_new ("test-proxy", proxy_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);
  g_assert_no_error (self->error);
  return self;
}

const char *
proxy_fixture_get_url (ProxyFixture *self)
{
  return self->url;
}

guint
proxy_fixture_get_n_forwarded (ProxyFixture *self)
{
  return g_atomic_int_get (&self->n_forwarded);
}

GStrv
proxy_fixture_dup_targets (ProxyFixture *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_mutex_lock (&self->mutex);
  for (guint i = 0; i < self->targets->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->targets, i));
  g_mutex_unlock (&self->mutex);
  return g_strv_builder_end (builder);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
proxy_fixture_free (ProxyFixture *self)
{
  if (self == NULL)
    return;
  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);
  g_ptr_array_unref (self->targets);
  g_free (self->upstream);
  g_free (self->url);
  g_free (self->key);
  g_free (self);
}

void
proxy_fixture_set_upstream (ProxyFixture *self,
                            const char   *local_url)
{
  g_autofree char *clean = g_strdup (local_url);
  gsize len = clean ? strlen (clean) : 0;

  while (len > 0 && clean[len - 1] == '/')
    clean[--len] = '\0';
  g_mutex_lock (&self->mutex);
  g_free (self->upstream);
  self->upstream = g_steal_pointer (&clean);
  g_mutex_unlock (&self->mutex);
}

gboolean
proxy_fixture_has_target (GStrv       targets,
                          const char *prefix)
{
  for (guint i = 0; targets && targets[i]; i++)
    if (g_str_has_prefix (targets[i], prefix))
      return TRUE;
  return FALSE;
}
