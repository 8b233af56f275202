/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "fal-local-catalog.h"
#include "fal-local-cors.h"
#include "fal-local-endpoints.h"
#include "fal-local-faults.h"
#include "fal-local-job.h"
#include "fal-local-openapi.h"
#include "fal-local-queue.h"
#include "fal-local-sources.h"
#include "fal-local-raw.h"
#include "fal-local-request-log.h"
#include "fal-local-server.h"
#include "fal-local-server-private.h"
#include "fal-local-storage.h"

G_DEFINE_FINAL_TYPE (FalLocalServer, fal_local_server, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_PORT,
  PROP_KEY,
  PROP_SPEED,
  PROP_RUNNERS,
  PROP_KEEPALIVE_INTERVAL,
  PROP_DATA_DIR,
  PROP_FIXED_CLOCK,
  PROP_URL,
  PROP_PUBLIC_URL,
  PROP_SYNC_MODE_LIMIT,
  PROP_MAX_CONNECTIONS,
  PROP_IDLE_TIMEOUT,
  PROP_MAX_KEPT_REQUESTS,
  PROP_MAX_CLIENT_BACKLOG,
  PROP_MEMORY_FILES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
route_web (FalLocalCall       *call,
           const char *rest)
{
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (call->msg);
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (call->msg);
  const char *endpoint_id = fal_local_call_query (call, "endpoint_id");
  g_autoptr(GBytes) document = NULL;
  g_autofree char *etag = NULL;
  const char *if_none_match;

  if (!g_str_equal (rest, "api/openapi/queue/openapi.json"))
    {
      fal_local_call_respond_detail (call, 404, "Not Found");
      return;
    }
  if (!fal_local_call_check_method (call, "GET"))
    return;
  if (endpoint_id == NULL || (document = fal_local_openapi_lookup (endpoint_id)) == NULL)
    {
      g_autofree char *detail = g_strdup_printf ("No OpenAPI document for endpoint '%s'",
                                                 endpoint_id ? endpoint_id : "");
      fal_local_call_respond_detail (call, 404, detail);
      return;
    }

  etag = fal_local_openapi_etag (document);
  soup_message_headers_replace (headers, "ETag", etag);
  soup_message_headers_replace (headers, "Cache-Control", "public, max-age=300");
  if_none_match = soup_message_headers_get_one (request_headers, "If-None-Match");
  if (if_none_match && (strstr (if_none_match, etag) || strchr (if_none_match, '*')))
    {
      soup_server_message_set_status (call->msg, 304, NULL);
      return;
    }
  fal_local_call_respond_bytes (call, 200, "application/json", document);
}

/* The control routes have no key: a web page must not reach them. A
 * page can send neither this header nor a JSON body to another origin
 * without a CORS preflight, and /__control/ answers none. */
static gboolean
control_allowed (FalLocalCall *call)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (call->msg);
  const char *marker = soup_message_headers_get_one (headers, FAL_LOCAL_CONTROL_HEADER);
  const char *content_type = soup_message_headers_get_content_type (headers, NULL);
  gboolean has_body = soup_server_message_get_request_body (call->msg)->length > 0 ||
                      soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED;

  if (g_strcmp0 (marker, "1") != 0)
    {
      fal_local_call_respond_detail (call, 403, "The control routes need the header " FAL_LOCAL_CONTROL_HEADER ": 1");
      return FALSE;
    }
  if ((has_body || content_type != NULL) &&
      g_strcmp0 (content_type, "application/json") != 0)
    {
      fal_local_call_respond_detail (call, 403, "The control routes take only application/json bodies");
      return FALSE;
    }
  return TRUE;
}

static void
route_control (FalLocalCall       *call,
               const char *rest)
{
  FalLocalServer *self = call->server;

  if (!control_allowed (call))
    return;

  if (g_str_equal (rest, "requests"))
    {
      if (g_str_equal (call->method, "DELETE"))
        {
          fal_local_request_log_clear (self->request_log);
          soup_server_message_set_status (call->msg, 204, NULL);
        }
      else if (fal_local_call_check_method (call, "GET"))
        {
          g_autoptr(JsonNode) list = fal_local_request_log_to_json (self->request_log);
          fal_local_call_respond_json (call, 200, list);
        }
    }
  else if (g_str_equal (rest, "faults"))
    {
      if (g_str_equal (call->method, "DELETE"))
        {
          fal_local_faults_clear (self->faults);
          soup_server_message_set_status (call->msg, 204, NULL);
        }
      else if (g_str_equal (call->method, "POST"))
        {
          g_autoptr(JsonNode) body = NULL;
          g_autoptr(GError) error = NULL;
          JsonObject *object;
          const char *fault;

          if (!fal_local_call_parse_body (call, &body))
            return;
          object = JSON_NODE_HOLDS_OBJECT (body) ? json_node_get_object (body) : NULL;
          fault = object ? json_object_get_string_member_with_default (object, "fault", NULL) : NULL;
          if (fault == NULL)
            {
              fal_local_call_respond_detail (call, 400, "Expected {\"fault\": \"…\", \"path\": \"regex\", \"method\": \"…\", \"count\": N}");
              return;
            }
          if (json_object_get_int_member_with_default (object, "count", 1) < 1)
            {
              fal_local_call_respond_detail (call, 400, "count must be 1 or more");
              return;
            }
          if (!fal_local_faults_add (self->faults,
                                     json_object_get_string_member_with_default (object, "method", NULL),
                                     json_object_get_string_member_with_default (object, "path", ""),
                                     (guint) json_object_get_int_member_with_default (object, "count", 1),
                                     fault, &error))
            {
              fal_local_call_respond_detail (call, 400, error->message);
              return;
            }
          {
            g_autoptr(JsonNode) list = fal_local_faults_list (self->faults);
            fal_local_call_respond_json (call, 201, list);
          }
        }
      else if (fal_local_call_check_method (call, "GET"))
        {
          g_autoptr(JsonNode) list = fal_local_faults_list (self->faults);
          fal_local_call_respond_json (call, 200, list);
        }
    }
  else
    fal_local_call_respond_detail (call, 404, "Not Found");
}

static void
route_root (FalLocalCall *call)
{
  g_autoptr(JsonObject) answer = json_object_new ();
  JsonArray *endpoints = json_array_new ();
  const char * const *ids = fal_local_endpoints_list ();

  for (guint i = 0; ids[i]; i++)
    json_array_add_string_element (endpoints, ids[i]);
  json_object_set_string_member (answer, "name", "Falstaff local fal server");
  json_object_set_string_member (answer, "version", PACKAGE_VERSION);
  json_object_set_array_member (answer, "endpoints", endpoints);
  json_object_set_int_member (answer, "catalog_models", fal_local_catalog_get_n ());
  fal_local_call_respond_object (call, 200, answer);
}

static void
route (FalLocalCall *call)
{
  static const struct {
    const char *prefix;
    void (*handler) (FalLocalCall *call, const char *rest);
  } routes[] = {
    { "/queue/", fal_local_server_route_queue },
    { "/run/", fal_local_server_route_run },
    { "/rest/", fal_local_server_route_rest },
    { "/web/", route_web },
    { "/cdn/", fal_local_server_route_cdn },
    { "/api/", fal_local_server_route_api },
    { "/__control/", route_control },
  };

  if (call->fault && call->fault->status)
    {
      fal_local_call_respond_fault_status (call);
      return;
    }

  if (g_str_equal (call->path, "/"))
    {
      route_root (call);
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
    if (g_str_has_prefix (call->path, routes[i].prefix))
      {
        routes[i].handler (call, call->path + strlen (routes[i].prefix));
        return;
      }
  fal_local_call_respond_detail (call, 404, "Not Found");
}

static gboolean
stall_done_cb (gpointer data)
{
  FalLocalCall *call = data;

  soup_server_message_unpause (call->msg);
  route (call);
  return G_SOURCE_REMOVE;
}

/* The proxy form: x-fal-target-url names the fal host and path. */
gboolean
fal_local_target_resolve (const char  *target,
                          char       **path,
                          char       **query)
{
  static const struct {
    const char *host;
    const char *prefix;
  } hosts[] = {
    { "queue.fal.run", "/queue" },
    { "fal.run", "/run" },
    { "rest.fal.ai", "/rest" },
    { "rest.alpha.fal.ai", "/rest" },
    { "fal.ai", "/web" },
    { "api.fal.ai", "/api" },
    /* The CDN: Python's base_url and the legacy fal.media upload. */
    { "v3.fal.media", "/cdn" },
    { "v3b.fal.media", "/cdn" },
    { "fal.media", "/cdn" },
  };
  g_autoptr(GUri) uri = g_uri_parse (target, G_URI_FLAGS_ENCODED, NULL);
  const char *host;
  const char *prefix = NULL;

  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (hosts); i++)
    if (g_ascii_strcasecmp (host, hosts[i].host) == 0)
      prefix = hosts[i].prefix;
  if (prefix == NULL)
    {
      if (g_str_equal (host, "127.0.0.1") || g_str_equal (host, "localhost"))
        prefix = "";
      else
        return FALSE;
    }

  *path = g_strconcat (prefix, g_uri_get_path (uri), NULL);
  *query = g_strdup (g_uri_get_query (uri));
  return TRUE;
}

/* A returned URL sent back through the proxy form: under the public URL,
 * the path below it is ours. */
static gboolean
resolve_public_target (FalLocalServer  *self,
                       const char      *target,
                       char           **path,
                       char           **query)
{
  gsize base = self->public_url ? strlen (self->public_url) : 0;
  const char *mark;

  if (base == 0 || !g_str_has_prefix (target, self->public_url) || target[base] != '/')
    return FALSE;
  *path = g_strndup (target + base, strcspn (target + base, "?#"));
  mark = strchr (target + base, '?');
  *query = mark ? g_strndup (mark + 1, strcspn (mark + 1, "#")) : NULL;
  return TRUE;
}

static gboolean
resolve_target (FalLocalCall  *call,
                const char    *target,
                char         **query)
{
  g_autofree char *path = NULL;

  if (!resolve_public_target (call->server, target, &path, query) &&
      !fal_local_target_resolve (target, &path, query))
    return FALSE;
  g_free (call->path);
  call->path = g_steal_pointer (&path);
  g_clear_pointer (&call->query, g_hash_table_unref);
  g_free (call->raw_query);
  call->raw_query = g_strdup (*query);
  if (*query)
    call->query = soup_form_decode (*query);
  return TRUE;
}

static gboolean
detach_cb (gpointer data)
{
  g_object_set_data (G_OBJECT (data), "fal-local-call", NULL);
  return G_SOURCE_REMOVE;
}

/* The message and its call refer to each other: once the message is
 * done (answered, or its connection stolen or lost), it lets go of the
 * call. Later, from the main loop: the code that stole the connection may
 * still be using the call. */
static void
message_done (SoupServerMessage *msg,
              FalLocalCall      *call)
{
  g_autoptr(GSource) source = NULL;

  if (call->detached)
    return;
  call->detached = TRUE;
  source = g_idle_source_new ();
  g_source_set_callback (source, detach_cb, g_object_ref (msg), g_object_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
}

static void
message_finished_cb (SoupServerMessage *msg,
                     FalLocalCall      *call)
{
  if (!call->answered_raw)
    fal_local_call_log_status (call, soup_server_message_get_status (msg));
  message_done (msg, call);
}

static void
handler (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  FalLocalServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *target = soup_message_headers_get_one (headers, "x-fal-target-url");
  const char *fault_spec = soup_message_headers_get_one (headers, FAL_LOCAL_FAULT_HEADER);
  g_autoptr(GError) error = NULL;
  g_autofree char *target_query = NULL;
  FalLocalCall *call = g_new0 (FalLocalCall, 1);

  g_atomic_ref_count_init (&call->ref_count);
  call->server = self;
  call->msg = g_object_ref (msg);
  call->method = g_strdup (soup_server_message_get_method (msg));
  call->path = g_strdup (path);
  call->query = query ? g_hash_table_ref (query) : NULL;
  call->raw_query = g_strdup (g_uri_get_query (soup_server_message_get_uri (msg)));
  /* The message owns the call; async work holds extra references. */
  g_object_set_data_full (G_OBJECT (msg), "fal-local-call", call, (GDestroyNotify) fal_local_call_unref);

  if (target && !resolve_target (call, target, &target_query))
    {
      call->log_id = fal_local_request_log_begin (self->request_log, call->method, path, NULL, "", headers);
      g_signal_connect (msg, "finished", G_CALLBACK (message_finished_cb), call);
      g_signal_connect (msg, "disconnected", G_CALLBACK (message_done), call);
      fal_local_call_respond_detail (call, 400, "Invalid request: x-fal-target-url is not a fal URL");
      return;
    }

  call->log_id = fal_local_request_log_begin (self->request_log, call->method, call->path,
                                              target ? target_query : g_uri_get_query (soup_server_message_get_uri (msg)),
                                              target ? "proxy" : "direct", headers);
  g_signal_connect (msg, "finished", G_CALLBACK (message_finished_cb), call);
  g_signal_connect (msg, "disconnected", G_CALLBACK (message_done), call);

  if (fal_local_limits_body_refused (msg))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      fal_local_call_respond_detail (call, 413, "Request body too large");
      return;
    }

  /* Before faults: a browser's preflight is not the call a fault is for,
   * and must not use up one meant for that call. */
  if (fal_local_cors_is_preflight (call->method, headers) && fal_local_cors_applies_to (call->path))
    {
      fal_local_cors_answer_preflight (msg);
      return;
    }

  if (fault_spec)
    {
      call->fault = fal_local_fault_parse (fault_spec, &error);
      if (call->fault == NULL)
        {
          fal_local_call_respond_detail (call, 400, error->message);
          return;
        }
    }
  else if (!g_str_has_prefix (call->path, "/__control/"))
    call->fault = fal_local_faults_take (self->faults, call->method, call->path);

  if (call->fault && call->fault->stall)
    {
      soup_server_message_pause (msg);
      /* stall with no time: never answer; the client gives up. */
      if (call->fault->stall_ms > 0)
        fal_local_timeout_add_full (call->fault->stall_ms, stall_done_cb,
                            fal_local_call_ref (call), (GDestroyNotify) fal_local_call_unref);
      return;
    }

  route (call);
}

/* ------------------------------------------------------------------ thread */

/* soup_server_listen_local() keeps GSocket's listen backlog of 10: fifty
 * clients connecting at once would overflow it and wait for SYN
 * retransmits (1 s, 3 s). Our own socket gets a deep backlog. */
static gboolean
listen_on_loopback (FalLocalServer  *self,
                    GError         **error)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, self->port);

  if (socket == NULL)
    return FALSE;
  g_socket_set_listen_backlog (socket, 512);
  if (!g_socket_bind (socket, address, TRUE, error) || !g_socket_listen (socket, error))
    return FALSE;
  return soup_server_listen_socket (self->soup, socket, 0, error);
}

/* The public URL is only ever a base for returned URLs: an absolute
 * http(s) URL without query or fragment, kept without a trailing slash. */
static char *
clean_public_url (const char  *text,
                  GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  g_autofree char *clean = NULL;
  gsize len;

  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (g_uri_get_scheme (uri), "http") != 0 &&
       g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") != 0) ||
      g_uri_get_query (uri) != NULL || g_uri_get_fragment (uri) != NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "The public URL must be an absolute http or https URL without query: %s", text);
      return NULL;
    }
  clean = g_strdup (text);
  len = strlen (clean);
  while (len > 0 && clean[len - 1] == '/')
    clean[--len] = '\0';
  return g_steal_pointer (&clean);
}

/* Unless set, three quarters of the fd limit: the rest is left for
 * files, the database and pipes, so the server never stops answering
 * for want of an fd. */
static guint
effective_max_connections (FalLocalServer *self)
{
  struct rlimit limit;

  if (self->max_connections > 0)
    return self->max_connections;
  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return 4096;
  return MAX (16, (guint) MIN (limit.rlim_cur, 65536) * 3 / 4);
}

static gboolean
setup (FalLocalServer  *self,
       GError         **error)
{
  g_autoslist(GUri) uris = NULL;

  if (self->public_url != NULL)
    {
      char *clean = clean_public_url (self->public_url, error);

      if (clean == NULL)
        return FALSE;
      g_free (self->public_url);
      self->public_url = clean;
    }

  if (self->data_dir == NULL)
    {
      self->data_dir = g_dir_make_tmp ("falstaff-server-XXXXXX", error);
      if (self->data_dir == NULL)
        return FALSE;
      self->own_data_dir = TRUE;
    }
  self->storage = fal_local_storage_new (self->data_dir, error);
  if (self->storage == NULL)
    return FALSE;
  fal_local_storage_set_memory_limits (self->storage, FAL_LOCAL_STORAGE_MEMORY_FILE_MAX, self->memory_files);

  self->soup = soup_server_new ("server-header", "falstaff-local/" PACKAGE_VERSION " ", NULL);
  soup_server_add_early_handler (self->soup, NULL, fal_local_server_early_handler, self, NULL);
  soup_server_add_handler (self->soup, NULL, handler, self, NULL);
  self->connections = fal_local_connections_new (self->soup, effective_max_connections (self),
                                                 self->idle_timeout_ms);
  if (!listen_on_loopback (self, error))
    return FALSE;

  uris = soup_server_get_uris (self->soup);
  self->bound_port = g_uri_get_port (uris->data);
  self->url = g_strdup_printf ("http://127.0.0.1:%u", self->bound_port);
  self->queue = fal_local_queue_new (self->storage, fal_local_server_get_public_base (self), self->url,
                                     self->runners, self->speed);
  fal_local_queue_set_inline_limit (self->queue, self->sync_mode_limit);
  fal_local_queue_set_max_kept (self->queue, self->max_kept_requests);
  self->tokens = fal_local_tokens_new (self->speed);
  self->webhook = fal_local_webhook_new (self->speed, self->request_log);
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir)))
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        remove_tree (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

static gpointer
server_thread (gpointer data)
{
  FalLocalServer *self = data;
  GError *error = NULL;
  gboolean ok;

  g_main_context_push_thread_default (self->context);
  ok = setup (self, &error);

  g_mutex_lock (&self->mutex);
  self->ready = TRUE;
  self->start_error = error;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->mutex);

  if (ok)
    g_main_loop_run (self->loop);

  if (self->queue)
    fal_local_queue_shutdown (self->queue);
  if (self->webhook)
    fal_local_webhook_shutdown (self->webhook);
  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_pointer (&self->connections, fal_local_connections_free);
  g_clear_object (&self->soup);
  g_clear_object (&self->queue);
  g_clear_object (&self->tokens);
  /* Let closing connections and finished workers settle. */
  while (g_main_context_iteration (self->context, FALSE))
    ;
  g_clear_object (&self->storage);
  g_clear_object (&self->webhook);
  if (self->own_data_dir && self->data_dir)
    remove_tree (self->data_dir);

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ------------------------------------------------------------------ GObject */

static void
fal_local_server_finalize (GObject *object)
{
  FalLocalServer *self = (FalLocalServer *)object;

  fal_local_server_stop (self);
  g_free (self->key);
  g_free (self->data_dir);
  g_free (self->url);
  g_free (self->public_url);
  g_clear_error (&self->start_error);
  g_clear_object (&self->faults);
  g_clear_object (&self->request_log);
  g_mutex_clear (&self->mutex);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (fal_local_server_parent_class)->finalize (object);
}

static void
fal_local_server_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  FalLocalServer *self = FAL_LOCAL_SERVER (object);

  switch (prop_id)
    {
    case PROP_PORT:
      g_value_set_uint (value, self->bound_port ? self->bound_port : self->port);
      break;
    case PROP_KEY:
      g_value_set_string (value, self->key);
      break;
    case PROP_SPEED:
      g_value_set_double (value, self->speed);
      break;
    case PROP_RUNNERS:
      g_value_set_uint (value, self->runners);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, self->keepalive_ms);
      break;
    case PROP_DATA_DIR:
      g_value_set_string (value, self->data_dir);
      break;
    case PROP_FIXED_CLOCK:
      g_value_set_boolean (value, self->fixed_clock);
      break;
    case PROP_URL:
      g_value_set_string (value, self->url);
      break;
    case PROP_PUBLIC_URL:
      g_value_set_string (value, self->public_url);
      break;
    case PROP_SYNC_MODE_LIMIT:
      g_value_set_uint (value, self->sync_mode_limit);
      break;
    case PROP_MAX_CONNECTIONS:
      g_value_set_uint (value, self->max_connections);
      break;
    case PROP_IDLE_TIMEOUT:
      g_value_set_uint (value, self->idle_timeout_ms);
      break;
    case PROP_MAX_KEPT_REQUESTS:
      g_value_set_uint (value, self->max_kept_requests);
      break;
    case PROP_MAX_CLIENT_BACKLOG:
      g_value_set_uint (value, self->max_client_backlog);
      break;
    case PROP_MEMORY_FILES:
      g_value_set_uint64 (value, self->memory_files);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_local_server_set_property (GObject      *object,
                               guint         prop_id,
                               const GValue *value,
                               GParamSpec   *pspec)
{
  FalLocalServer *self = FAL_LOCAL_SERVER (object);

  if (self->thread != NULL)
    {
      g_warning ("FalLocalServer:%s cannot change while the server runs", pspec->name);
      return;
    }

  switch (prop_id)
    {
    case PROP_PORT:
      self->port = g_value_get_uint (value);
      break;
    case PROP_KEY:
      g_free (self->key);
      self->key = g_value_dup_string (value);
      break;
    case PROP_SPEED:
      self->speed = g_value_get_double (value);
      break;
    case PROP_RUNNERS:
      self->runners = g_value_get_uint (value);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      self->keepalive_ms = g_value_get_uint (value);
      break;
    case PROP_DATA_DIR:
      g_free (self->data_dir);
      self->data_dir = g_value_dup_string (value);
      break;
    case PROP_FIXED_CLOCK:
      self->fixed_clock = g_value_get_boolean (value);
      break;
    case PROP_PUBLIC_URL:
      if (g_strcmp0 (self->public_url, g_value_get_string (value)) == 0)
        return;
      g_free (self->public_url);
      self->public_url = g_value_dup_string (value);
      break;
    case PROP_MAX_CONNECTIONS:
      self->max_connections = g_value_get_uint (value);
      break;
    case PROP_IDLE_TIMEOUT:
      self->idle_timeout_ms = g_value_get_uint (value);
      break;
    case PROP_MAX_KEPT_REQUESTS:
      self->max_kept_requests = g_value_get_uint (value);
      break;
    case PROP_MAX_CLIENT_BACKLOG:
      self->max_client_backlog = g_value_get_uint (value);
      break;
    case PROP_MEMORY_FILES:
      self->memory_files = g_value_get_uint64 (value);
      break;
    case PROP_SYNC_MODE_LIMIT:
      self->sync_mode_limit = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
}

static void
fal_local_server_class_init (FalLocalServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = fal_local_server_finalize;
  object_class->get_property = fal_local_server_get_property;
  object_class->set_property = fal_local_server_set_property;

  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, 65535, 0, flags);
  properties[PROP_KEY] = g_param_spec_string ("key", NULL, NULL, FAL_LOCAL_DEFAULT_KEY, flags);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0.001, 1e9, 1.0, flags);
  properties[PROP_RUNNERS] = g_param_spec_uint ("runners", NULL, NULL, 1, 1024, 2, flags);
  properties[PROP_KEEPALIVE_INTERVAL] = g_param_spec_uint ("keepalive-interval", NULL, NULL,
                                                           0, G_MAXUINT, 15000, flags);
  properties[PROP_DATA_DIR] = g_param_spec_string ("data-dir", NULL, NULL, NULL, flags);
  properties[PROP_FIXED_CLOCK] = g_param_spec_boolean ("fixed-clock", NULL, NULL, FALSE, flags);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL,
                                              G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* The origin clients reach the server by (a reverse proxy, a tunnel):
   * the base of every URL the server returns. NULL: the url. */
  properties[PROP_PUBLIC_URL] = g_param_spec_string ("public-url", NULL, NULL, NULL, flags);
  /* Bytes of data: URIs a sync_mode result may carry; past it, URLs. */
  properties[PROP_SYNC_MODE_LIMIT] = g_param_spec_uint ("sync-mode-limit", NULL, NULL, 0, G_MAXUINT,
                                                        FAL_LOCAL_SYNC_MODE_MAX_BYTES, flags);
  /* Connections open at once; past it a new one is closed at once.
   * 0: three quarters of the process's fd limit. */
  properties[PROP_MAX_CONNECTIONS] = g_param_spec_uint ("max-connections", NULL, NULL, 0, G_MAXUINT, 0, flags);
  /* How long a connection may take from waiting for a request (new, or
   * kept alive after an answer) to its complete headers; 0: no limit. */
  properties[PROP_IDLE_TIMEOUT] = g_param_spec_uint ("idle-timeout", NULL, NULL, 0, G_MAXUINT, 30000, flags);
  /* Queue requests remembered for status and result; past it the oldest
   * finished ones are forgotten (404), so memory stays bounded. */
  properties[PROP_MAX_KEPT_REQUESTS] = g_param_spec_uint ("max-kept-requests", NULL, NULL, 1, G_MAXUINT,
                                                          FAL_LOCAL_QUEUE_MAX_KEPT, flags);
  /* Bytes of a stream queued for a client that does not read, past which
   * it is reset (tests set it low, to reach it quickly). */
  properties[PROP_MAX_CLIENT_BACKLOG] = g_param_spec_uint ("max-client-backlog", NULL, NULL, 1, G_MAXUINT,
                                                           FAL_LOCAL_RAW_MAX_BACKLOG, flags);
  /* Bytes of small stored files (FAL_LOCAL_STORAGE_MEMORY_FILE_MAX each)
   * kept in memory instead of on disk, where creating and deleting a
   * file per output costs more than a small output's rendering; 0: all
   * on disk (an embedding app keeps its memory). */
  properties[PROP_MEMORY_FILES] = g_param_spec_uint64 ("memory-files", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fal_local_server_init (FalLocalServer *self)
{
  self->key = g_strdup (FAL_LOCAL_DEFAULT_KEY);
  self->speed = 1.0;
  self->runners = 2;
  self->keepalive_ms = 15000;
  self->idle_timeout_ms = 30000;
  self->max_kept_requests = FAL_LOCAL_QUEUE_MAX_KEPT;
  self->max_client_backlog = FAL_LOCAL_RAW_MAX_BACKLOG;
  self->sync_mode_limit = FAL_LOCAL_SYNC_MODE_MAX_BYTES;
  self->faults = fal_local_faults_new ();
  self->request_log = fal_local_request_log_new ();
  g_mutex_init (&self->mutex);
  g_cond_init (&self->cond);
}

FalLocalServer *
fal_local_server_new (void)
{
  return g_object_new (FAL_LOCAL_TYPE_SERVER, NULL);
}

gboolean
fal_local_server_start (FalLocalServer  *self,
                        GError         **error)
{
  g_return_val_if_fail (FAL_LOCAL_IS_SERVER (self), FALSE);
  g_return_val_if_fail (self->thread == NULL, FALSE);

  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->ready = FALSE;
  self->thread = g_thread_new ("fal-local-srv", server_thread, self);

  g_mutex_lock (&self->mutex);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->mutex);
  g_mutex_unlock (&self->mutex);

  if (self->start_error)
    {
      g_propagate_error (error, g_steal_pointer (&self->start_error));
      fal_local_server_stop (self);
      return FALSE;
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_URL]);
  return TRUE;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
fal_local_server_stop (FalLocalServer *self)
{
  g_return_if_fail (FAL_LOCAL_IS_SERVER (self));

  if (self->thread == NULL)
    return;

  g_main_context_invoke (self->context, quit_cb, self->loop);
  g_thread_join (g_steal_pointer (&self->thread));
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
}

const char *
fal_local_server_get_url (FalLocalServer *self)
{
  g_return_val_if_fail (FAL_LOCAL_IS_SERVER (self), NULL);
  return self->url;
}

guint
fal_local_server_get_port (FalLocalServer *self)
{
  g_return_val_if_fail (FAL_LOCAL_IS_SERVER (self), 0);
  return self->bound_port;
}

/**
 * fal_local_server_get_public_base:
 *
 * The base of the URLs the server hands out: the public-url when set
 * (without a trailing slash once started), else the url.
 */
const char *
fal_local_server_get_public_base (FalLocalServer *self)
{
  g_return_val_if_fail (FAL_LOCAL_IS_SERVER (self), NULL);
  return self->public_url ? self->public_url : self->url;
}
