/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-client-private.h"
#include "fal-credentials.h"
#include "fal-error.h"
#include "fal-error-private.h"
#include "fal-json.h"
#include "fal-i18n-private.h"

#define SHORT_CALL_TIMEOUT_S 30

struct _FalClient
{
  GObject parent_instance;

  char *key;
  FalKeySource key_source;
  char *queue_url;
  char *run_url;
  char *rest_url;
  char *web_url;
  char *api_url;
  char *proxy_url;
  guint poll_interval;
  gboolean poll_only;
  guint64 max_json_size;
  guint64 max_download_size;
  guint body_timeout;
  guint stream_idle_timeout;

  /* Short calls (with a timeout) and long ones (streams, runs, results,
   * transfers: no session timeout) never wait on each other. */
  SoupSession *short_session;
  SoupSession *long_session;
};

G_DEFINE_FINAL_TYPE (FalClient, fal_client, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_HAS_KEY,
  PROP_KEY_SOURCE,
  PROP_QUEUE_URL,
  PROP_RUN_URL,
  PROP_REST_URL,
  PROP_WEB_URL,
  PROP_API_URL,
  PROP_PROXY_URL,
  PROP_POLL_INTERVAL,
  PROP_POLL_ONLY,
  PROP_MAX_JSON_SIZE,
  PROP_MAX_DOWNLOAD_SIZE,
  PROP_BODY_TIMEOUT,
  PROP_STREAM_IDLE_TIMEOUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ------------------------------------------------------------------ sources */

guint
_fal_timeout_add (guint       interval_ms,
                  GSourceFunc function,
                  gpointer    data)
{
  g_autoptr(GSource) source = g_timeout_source_new (interval_ms);

  g_source_set_callback (source, function, data, NULL);
  return g_source_attach (source, g_main_context_get_thread_default ());
}

void
_fal_clear_source (guint *source_id)
{
  if (*source_id != 0)
    {
      GSource *source = g_main_context_find_source_by_id (g_main_context_get_thread_default (), *source_id);

      if (source)
        g_source_destroy (source);
      *source_id = 0;
    }
}

/* ------------------------------------------------------------------ waiters */

void
_fal_complete_waiters (GPtrArray      **waiters,
                       const GError    *error,
                       gpointer         value,
                       GBoxedCopyFunc   value_copy,
                       GDestroyNotify   value_free)
{
  g_autoptr(GPtrArray) tasks = g_steal_pointer (waiters);

  *waiters = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_pointer (task, value_copy (value), value_free);
    }
}

/* ------------------------------------------------------------------ GObject */

static char *
strip_slash (const char *url)
{
  char *copy = g_strdup (url);
  gsize len = strlen (copy);

  while (len > 0 && copy[len - 1] == '/')
    copy[--len] = '\0';
  return copy;
}

static void
set_url (FalClient  *self,
         char      **field,
         const char *url,
         GParamSpec *pspec)
{
  g_autofree char *clean = url && *url ? strip_slash (url) : NULL;

  if (g_strcmp0 (*field, clean) == 0)
    return;
  g_free (*field);
  *field = g_steal_pointer (&clean);
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static void
fal_client_dispose (GObject *object)
{
  FalClient *self = (FalClient *)object;

  if (self->short_session)
    soup_session_abort (self->short_session);
  if (self->long_session)
    soup_session_abort (self->long_session);
  g_clear_object (&self->short_session);
  g_clear_object (&self->long_session);

  G_OBJECT_CLASS (fal_client_parent_class)->dispose (object);
}

static void
fal_client_finalize (GObject *object)
{
  FalClient *self = (FalClient *)object;

  if (self->key)
    memset (self->key, 0, strlen (self->key));
  g_free (self->key);
  g_free (self->queue_url);
  g_free (self->run_url);
  g_free (self->rest_url);
  g_free (self->web_url);
  g_free (self->api_url);
  g_free (self->proxy_url);

  G_OBJECT_CLASS (fal_client_parent_class)->finalize (object);
}

static void
fal_client_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  FalClient *self = FAL_CLIENT (object);

  switch (prop_id)
    {
    case PROP_HAS_KEY:
      g_value_set_boolean (value, self->key != NULL);
      break;
    case PROP_KEY_SOURCE:
      g_value_set_uint (value, self->key_source);
      break;
    case PROP_QUEUE_URL:
      g_value_set_string (value, self->queue_url);
      break;
    case PROP_RUN_URL:
      g_value_set_string (value, self->run_url);
      break;
    case PROP_REST_URL:
      g_value_set_string (value, self->rest_url);
      break;
    case PROP_WEB_URL:
      g_value_set_string (value, self->web_url);
      break;
    case PROP_API_URL:
      g_value_set_string (value, self->api_url);
      break;
    case PROP_PROXY_URL:
      g_value_set_string (value, self->proxy_url);
      break;
    case PROP_POLL_INTERVAL:
      g_value_set_uint (value, self->poll_interval);
      break;
    case PROP_POLL_ONLY:
      g_value_set_boolean (value, self->poll_only);
      break;
    case PROP_MAX_JSON_SIZE:
      g_value_set_uint64 (value, self->max_json_size);
      break;
    case PROP_MAX_DOWNLOAD_SIZE:
      g_value_set_uint64 (value, self->max_download_size);
      break;
    case PROP_BODY_TIMEOUT:
      g_value_set_uint (value, self->body_timeout);
      break;
    case PROP_STREAM_IDLE_TIMEOUT:
      g_value_set_uint (value, self->stream_idle_timeout);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_client_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  FalClient *self = FAL_CLIENT (object);

  switch (prop_id)
    {
    case PROP_QUEUE_URL:
      set_url (self, &self->queue_url, g_value_get_string (value) ? g_value_get_string (value) : FAL_DEFAULT_QUEUE_URL, pspec);
      break;
    case PROP_RUN_URL:
      set_url (self, &self->run_url, g_value_get_string (value) ? g_value_get_string (value) : FAL_DEFAULT_RUN_URL, pspec);
      break;
    case PROP_REST_URL:
      set_url (self, &self->rest_url, g_value_get_string (value) ? g_value_get_string (value) : FAL_DEFAULT_REST_URL, pspec);
      break;
    case PROP_WEB_URL:
      set_url (self, &self->web_url, g_value_get_string (value) ? g_value_get_string (value) : FAL_DEFAULT_WEB_URL, pspec);
      break;
    case PROP_API_URL:
      set_url (self, &self->api_url, g_value_get_string (value) ? g_value_get_string (value) : FAL_DEFAULT_API_URL, pspec);
      break;
    case PROP_PROXY_URL:
      set_url (self, &self->proxy_url, g_value_get_string (value), pspec);
      break;
    case PROP_POLL_INTERVAL:
      fal_client_set_poll_interval (self, g_value_get_uint (value));
      break;
    case PROP_POLL_ONLY:
      fal_client_set_poll_only (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_JSON_SIZE:
      if (self->max_json_size != g_value_get_uint64 (value))
        {
          self->max_json_size = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_MAX_DOWNLOAD_SIZE:
      if (self->max_download_size != g_value_get_uint64 (value))
        {
          self->max_download_size = g_value_get_uint64 (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_BODY_TIMEOUT:
      if (self->body_timeout != g_value_get_uint (value))
        {
          self->body_timeout = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_STREAM_IDLE_TIMEOUT:
      if (self->stream_idle_timeout != g_value_get_uint (value))
        {
          self->stream_idle_timeout = g_value_get_uint (value);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
fal_client_class_init (FalClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = fal_client_dispose;
  object_class->finalize = fal_client_finalize;
  object_class->get_property = fal_client_get_property;
  object_class->set_property = fal_client_set_property;

  properties[PROP_HAS_KEY] = g_param_spec_boolean ("has-key", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_KEY_SOURCE] = g_param_spec_uint ("key-source", NULL, NULL, 0, FAL_KEY_SOURCE_PROPERTY, 0,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_QUEUE_URL] = g_param_spec_string ("queue-url", NULL, NULL, FAL_DEFAULT_QUEUE_URL, flags);
  properties[PROP_RUN_URL] = g_param_spec_string ("run-url", NULL, NULL, FAL_DEFAULT_RUN_URL, flags);
  properties[PROP_REST_URL] = g_param_spec_string ("rest-url", NULL, NULL, FAL_DEFAULT_REST_URL, flags);
  properties[PROP_WEB_URL] = g_param_spec_string ("web-url", NULL, NULL, FAL_DEFAULT_WEB_URL, flags);
  properties[PROP_API_URL] = g_param_spec_string ("api-url", NULL, NULL, FAL_DEFAULT_API_URL, flags);
  properties[PROP_PROXY_URL] = g_param_spec_string ("proxy-url", NULL, NULL, NULL, flags);
  properties[PROP_POLL_INTERVAL] = g_param_spec_uint ("poll-interval", NULL, NULL, 10, 60000, 500, flags);
  /* Requests follow their status by polls only, never the status stream
   * (a proxy or network that mangles long-lived answers). */
  properties[PROP_POLL_ONLY] = g_param_spec_boolean ("poll-only", NULL, NULL, FALSE, flags);
  /* Memory and time caps on what a server sends back (see fal-client.h). */
  properties[PROP_MAX_JSON_SIZE] = g_param_spec_uint64 ("max-json-size", NULL, NULL, 1, G_MAXUINT64,
                                                        FAL_DEFAULT_MAX_JSON_SIZE, flags);
  properties[PROP_MAX_DOWNLOAD_SIZE] = g_param_spec_uint64 ("max-download-size", NULL, NULL, 1, G_MAXUINT64,
                                                            FAL_DEFAULT_MAX_DOWNLOAD_SIZE, flags);
  properties[PROP_BODY_TIMEOUT] = g_param_spec_uint ("body-timeout", NULL, NULL, 1, G_MAXUINT,
                                                     FAL_DEFAULT_BODY_TIMEOUT, flags);
  properties[PROP_STREAM_IDLE_TIMEOUT] = g_param_spec_uint ("stream-idle-timeout", NULL, NULL, 1, G_MAXUINT,
                                                            FAL_DEFAULT_STREAM_IDLE_TIMEOUT, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
fal_client_init (FalClient *self)
{
  g_autofree char *user_agent = g_strdup_printf ("Falstaff/%s", PACKAGE_VERSION);

  self->queue_url = g_strdup (FAL_DEFAULT_QUEUE_URL);
  self->run_url = g_strdup (FAL_DEFAULT_RUN_URL);
  self->rest_url = g_strdup (FAL_DEFAULT_REST_URL);
  self->web_url = g_strdup (FAL_DEFAULT_WEB_URL);
  self->api_url = g_strdup (FAL_DEFAULT_API_URL);
  self->poll_interval = 500;
  self->max_json_size = FAL_DEFAULT_MAX_JSON_SIZE;
  self->max_download_size = FAL_DEFAULT_MAX_DOWNLOAD_SIZE;
  self->body_timeout = FAL_DEFAULT_BODY_TIMEOUT;
  self->stream_idle_timeout = FAL_DEFAULT_STREAM_IDLE_TIMEOUT;

  /* libsoup 3.2 allows 2 connections per host and 60 s timeouts by
   * default: a status stream, a result, an upload and a cancel must not
   * queue behind each other. */
  self->short_session = soup_session_new_with_options ("user-agent", user_agent,
                                                       "timeout", SHORT_CALL_TIMEOUT_S,
                                                       "max-conns-per-host", 8,
                                                       "max-conns", 32,
                                                       NULL);
  self->long_session = soup_session_new_with_options ("user-agent", user_agent,
                                                      "timeout", 0,
                                                      "idle-timeout", 0,
                                                      "max-conns-per-host", 32,
                                                      "max-conns", 64,
                                                      NULL);
}

FalClient *
fal_client_new (void)
{
  FalClient *self = g_object_new (FAL_TYPE_CLIENT, NULL);
  g_autofree char *key = fal_credentials_from_environment ();
  const char *local = g_getenv ("FALSTAFF_LOCAL_URL");
  const char *value;

  if (key)
    {
      self->key = g_steal_pointer (&key);
      self->key_source = FAL_KEY_SOURCE_ENVIRONMENT;
    }
  if (local && *local)
    fal_client_use_local_server (self, local);
  if ((value = g_getenv ("FALSTAFF_QUEUE_URL")) && *value)
    g_object_set (self, "queue-url", value, NULL);
  if ((value = g_getenv ("FALSTAFF_RUN_URL")) && *value)
    g_object_set (self, "run-url", value, NULL);
  if ((value = g_getenv ("FALSTAFF_REST_URL")) && *value)
    g_object_set (self, "rest-url", value, NULL);
  if ((value = g_getenv ("FALSTAFF_WEB_URL")) && *value)
    g_object_set (self, "web-url", value, NULL);
  if ((value = g_getenv ("FALSTAFF_API_URL")) && *value)
    g_object_set (self, "api-url", value, NULL);
  if ((value = g_getenv ("FALSTAFF_PROXY_URL")) && *value)
    g_object_set (self, "proxy-url", value, NULL);
  return self;
}

void
fal_client_set_key (FalClient    *self,
                    const char   *key,
                    FalKeySource  source)
{
  g_return_if_fail (FAL_IS_CLIENT (self));

  if (self->key_source == FAL_KEY_SOURCE_ENVIRONMENT)
    return;

  if (self->key)
    memset (self->key, 0, strlen (self->key));
  g_clear_pointer (&self->key, g_free);
  self->key = key && *key ? g_strstrip (g_strdup (key)) : NULL;
  self->key_source = self->key ? source : FAL_KEY_SOURCE_NONE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_KEY]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY_SOURCE]);
}

gboolean
fal_client_has_key (FalClient *self)
{
  g_return_val_if_fail (FAL_IS_CLIENT (self), FALSE);
  return self->key != NULL;
}

FalKeySource
fal_client_get_key_source (FalClient *self)
{
  g_return_val_if_fail (FAL_IS_CLIENT (self), FAL_KEY_SOURCE_NONE);
  return self->key_source;
}

const char *fal_client_get_queue_url (FalClient *self) { g_return_val_if_fail (FAL_IS_CLIENT (self), NULL); return self->queue_url; }
const char *fal_client_get_run_url (FalClient *self) { g_return_val_if_fail (FAL_IS_CLIENT (self), NULL); return self->run_url; }
const char *fal_client_get_rest_url (FalClient *self) { g_return_val_if_fail (FAL_IS_CLIENT (self), NULL); return self->rest_url; }
const char *fal_client_get_web_url (FalClient *self) { g_return_val_if_fail (FAL_IS_CLIENT (self), NULL); return self->web_url; }
const char *fal_client_get_api_url (FalClient *self) { g_return_val_if_fail (FAL_IS_CLIENT (self), NULL); return self->api_url; }
const char *fal_client_get_proxy_url (FalClient *self) { g_return_val_if_fail (FAL_IS_CLIENT (self), NULL); return self->proxy_url; }

void
fal_client_use_local_server (FalClient  *self,
                             const char *url)
{
  g_autofree char *base = NULL;
  g_autofree char *queue = NULL;
  g_autofree char *run = NULL;
  g_autofree char *rest = NULL;
  g_autofree char *web = NULL;
  g_autofree char *api = NULL;

  g_return_if_fail (FAL_IS_CLIENT (self));
  g_return_if_fail (url != NULL);

  base = strip_slash (url);
  queue = g_strconcat (base, "/queue", NULL);
  run = g_strconcat (base, "/run", NULL);
  rest = g_strconcat (base, "/rest", NULL);
  web = g_strconcat (base, "/web", NULL);
  api = g_strconcat (base, "/api", NULL);
  g_object_set (self, "queue-url", queue, "run-url", run, "rest-url", rest, "web-url", web,
                "api-url", api, NULL);
}

guint
fal_client_get_poll_interval (FalClient *self)
{
  g_return_val_if_fail (FAL_IS_CLIENT (self), 500);
  return self->poll_interval;
}

void
fal_client_set_poll_interval (FalClient *self,
                              guint      interval_ms)
{
  g_return_if_fail (FAL_IS_CLIENT (self));

  interval_ms = CLAMP (interval_ms, 10, 60000);
  if (self->poll_interval == interval_ms)
    return;
  self->poll_interval = interval_ms;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POLL_INTERVAL]);
}

gboolean
fal_client_get_poll_only (FalClient *self)
{
  g_return_val_if_fail (FAL_IS_CLIENT (self), FALSE);
  return self->poll_only;
}

void
fal_client_set_poll_only (FalClient *self,
                          gboolean   poll_only)
{
  g_return_if_fail (FAL_IS_CLIENT (self));

  poll_only = !!poll_only;
  if (self->poll_only == poll_only)
    return;
  self->poll_only = poll_only;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_POLL_ONLY]);
}

/* ------------------------------------------------------------------ messages */

char *
_fal_client_build_url (FalClient  *self,
                       FalHost     host,
                       const char *path)
{
  const char *base = NULL;

  switch (host)
    {
    case FAL_HOST_QUEUE: base = self->queue_url; break;
    case FAL_HOST_RUN: base = self->run_url; break;
    case FAL_HOST_REST: base = self->rest_url; break;
    case FAL_HOST_WEB: base = self->web_url; break;
    case FAL_HOST_API: base = self->api_url; break;
    default: g_assert_not_reached ();
    }
  while (*path == '/')
    path++;
  return g_strconcat (base, "/", path, NULL);
}

/* url is under base: the same string up to base's end, then a path or
 * query boundary; "https://fal.run" must not match "https://fal.run.evil". */
static gboolean
is_under (const char *url,
          const char *base)
{
  gsize len;

  if (base == NULL)
    return FALSE;
  len = strlen (base);
  return g_ascii_strncasecmp (url, base, len) == 0 &&
         (url[len] == '\0' || url[len] == '/' || url[len] == '?');
}

gboolean
fal_host_is_loopback (const char *host)
{
  g_autofree char *bare = NULL;
  g_autoptr(GInetAddress) address = NULL;
  gsize length;

  if (host == NULL || *host == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  length = strlen (host);
  bare = host[0] == '[' && host[length - 1] == ']' ? g_strndup (host + 1, length - 2) : g_strdup (host);
  address = g_inet_address_new_from_string (bare);
  return address != NULL && g_inet_address_get_is_loopback (address);
}

gboolean
fal_uri_is_secure (GUri *uri)
{
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;

  if (scheme == NULL)
    return FALSE;
  return g_ascii_strcasecmp (scheme, "https") == 0 ||
         (g_ascii_strcasecmp (scheme, "http") == 0 && fal_host_is_loopback (g_uri_get_host (uri)));
}
static gboolean
check_secure (const char  *url,
              GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  const char *scheme;

  if (uri == NULL || (scheme = g_uri_get_scheme (uri)) == NULL)
    {
      g_set_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("Not a valid URL: %s"), url);
      return FALSE;
    }
  if (fal_uri_is_secure (uri))
    return TRUE;
  g_set_error (error, FAL_ERROR, FAL_ERROR_INSECURE_URL,
               _("Refusing %s: only https, or plain http to this machine, is allowed"), url);
  return FALSE;
}

/* The catalog search (GET {api}/v1/models) takes a key but needs none;
 * pricing, below it, requires one. */
static gboolean
key_optional (FalClient  *self,
              const char *method,
              const char *url)
{
  g_autofree char *models = g_strconcat (self->api_url, "/v1/models", NULL);
  g_autofree char *pricing = g_strconcat (self->api_url, "/v1/models/pricing", NULL);

  return g_str_equal (method, "GET") && is_under (url, models) && !is_under (url, pricing);
}

#define REFUSED_REDIRECT "fal-refused-redirect"

/* Keyless calls (schemas, through a proxy without a key) follow
 * redirects as libsoup does, but only to https or to this machine: a hop
 * to plain http elsewhere is not made, and its 3xx becomes the answer
 * (_fal_client_error_from_answer says why). libsoup decides to follow
 * once the body is read, after this. */
static void
check_redirect_cb (SoupMessage *msg)
{
  const char *location;
  g_autoptr(GUri) next = NULL;

  if (!SOUP_STATUS_IS_REDIRECTION (soup_message_get_status (msg)))
    return;
  location = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
  if (location == NULL)
    return;
  next = g_uri_parse_relative (soup_message_get_uri (msg), location, G_URI_FLAGS_ENCODED, NULL);
  if (fal_uri_is_secure (next))
    return;
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  g_object_set_data_full (G_OBJECT (msg), REFUSED_REDIRECT, g_strdup (location), g_free);
}

void
_fal_client_guard_redirects (SoupMessage *msg)
{
  g_signal_connect (msg, "got-headers", G_CALLBACK (check_redirect_cb), NULL);
}

static void
request_queued_cb (SoupSession *session,
                   SoupMessage *msg)
{
  _fal_client_guard_redirects (msg);
}

void
fal_session_guard_redirects (SoupSession *session)
{
  g_return_if_fail (SOUP_IS_SESSION (session));

  g_signal_connect (session, "request-queued", G_CALLBACK (request_queued_cb), NULL);
}

SoupMessage *
_fal_client_new_message (FalClient   *self,
                         const char  *method,
                         const char  *url,
                         GError     **error)
{
  g_autoptr(SoupMessage) msg = NULL;
  SoupMessageHeaders *headers;
  gboolean api_call = is_under (url, self->queue_url) || is_under (url, self->run_url) ||
                      is_under (url, self->rest_url) || is_under (url, self->api_url);
  /* Behind a proxy every fal host goes through it, the web one (schemas)
   * too: a proxy may be the only way out. Upload and file URLs are not
   * fal API hosts and go direct, as in fal's JS client: they are signed
   * for themselves, and a stock proxy does not allow them. */
  gboolean proxied = self->proxy_url && (api_call || is_under (url, self->web_url));

  if (!check_secure (url, error))
    return NULL;
  /* fal answers 401 without a key: say what is missing instead. */
  if (api_call && self->key == NULL && self->proxy_url == NULL && !key_optional (self, method, url))
    {
      g_set_error_literal (error, FAL_ERROR, FAL_ERROR_MISSING_KEY,
                           _("No API key: set FAL_KEY, or enter a key"));
      return NULL;
    }

  if (proxied)
    {
      if (!check_secure (self->proxy_url, error))
        return NULL;
      msg = soup_message_new (method, self->proxy_url);
      if (msg)
        soup_message_headers_replace (soup_message_get_request_headers (msg), "x-fal-target-url", url);
    }
  else
    msg = soup_message_new (method, url);

  if (msg == NULL)
    {
      g_set_error (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("Not a valid URL: %s"), url);
      return NULL;
    }

  headers = soup_message_get_request_headers (msg);
  soup_message_headers_replace (headers, "Accept", "application/json");
  /* With a key and a proxy, the key goes along as fal's JS client sends
   * it (the proxy forwards the caller's own Authorization); without a
   * key nothing is sent and the proxy adds its own. */
  if (api_call && self->key)
    {
      g_autofree char *value = g_strconcat ("Key ", self->key, NULL);

      soup_message_headers_replace (headers, "Authorization", value);
      /* A redirect would carry the key along: refuse them on keyed calls. */
      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
    }
  else
    _fal_client_guard_redirects (msg);
  return g_steal_pointer (&msg);
}

/* @fal-ai/server-proxy's own refusal (a target it does not allow, or
 * none): 400 "Invalid request", as a JSON string, a detail or plain
 * text, and no fal request id. fal's own 400s say something else. */
static gboolean
is_proxy_refusal (SoupMessage *msg,
                  GBytes      *body)
{
  gsize length = 0;
  const char *text = body ? g_bytes_get_data (body, &length) : NULL;
  g_autofree char *copy = NULL;

  if (soup_message_get_status (msg) != SOUP_STATUS_BAD_REQUEST || text == NULL ||
      soup_message_headers_get_one (soup_message_get_response_headers (msg), "x-fal-request-id"))
    return FALSE;
  copy = g_strndup (text, MIN (length, 4096));
  return strstr (copy, "Invalid request") != NULL;
}

static char *
target_host (SoupMessage *msg)
{
  const char *target = soup_message_headers_get_one (soup_message_get_request_headers (msg), "x-fal-target-url");
  g_autoptr(GUri) uri = target ? g_uri_parse (target, G_URI_FLAGS_ENCODED, NULL) : NULL;

  return g_strdup (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : "fal");
}

GError *
_fal_client_error_from_answer (FalClient   *self,
                               SoupMessage *msg,
                               GBytes      *body)
{
  guint status = soup_message_get_status (msg);
  const char *refused = g_object_get_data (G_OBJECT (msg), REFUSED_REDIRECT);
  GError *error;
  gboolean via_proxy = soup_message_headers_get_one (soup_message_get_request_headers (msg), "x-fal-target-url") != NULL;
  g_autofree char *host = NULL;
  char *message = NULL;

  if (refused)
    {
      g_autofree char *shown = g_strescape (refused, NULL);  /* no control characters in a message */

      return g_error_new (FAL_ERROR, FAL_ERROR_INSECURE_URL,
                          _("Refusing to follow a redirect to %s: only https, or plain http to this machine, is allowed"),
                          shown);
    }
  error = fal_error_new_from_response_bytes (status, soup_message_get_response_headers (msg), body);
  if (!via_proxy)
    return error;
  host = target_host (msg);
  if (is_proxy_refusal (msg, body))
    message = g_strdup_printf (_("The proxy at %s refused to forward a request to %s (%s): "
                                 "the proxy must allow that fal host"),
                               self->proxy_url, host, error->message);
  /* The key fal refused is the proxy's: ours was never sent. */
  else if (status == SOUP_STATUS_UNAUTHORIZED &&
           soup_message_headers_get_one (soup_message_get_request_headers (msg), "Authorization") == NULL)
    message = g_strdup_printf (_("%s refused the key the proxy at %s adds (%s)"), host, self->proxy_url, error->message);
  if (message)
    {
      g_free (error->message);
      error->message = message;
    }
  return error;
}

void
_fal_client_apply_options (SoupMessage          *msg,
                           const FalCallOptions *options)
{
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  soup_message_headers_replace (headers, "x-fal-queue-priority",
                                options && options->low_priority ? "low" : "normal");
  if (options == NULL)
    return;
  if (options->runner_hint && *options->runner_hint)
    soup_message_headers_replace (headers, "x-fal-runner-hint", options->runner_hint);
  if (options->start_timeout > 0)
    {
      char value[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_dtostr (value, sizeof value, options->start_timeout);
      soup_message_headers_replace (headers, "x-fal-request-timeout", value);
    }
  for (guint i = 0; options->headers && options->headers[i] && options->headers[i + 1]; i += 2)
    if (g_ascii_strcasecmp (options->headers[i], "authorization") != 0)
      soup_message_headers_replace (headers, options->headers[i], options->headers[i + 1]);
}

guint64 _fal_client_get_max_json_size (FalClient *self) { return self->max_json_size; }
guint64 _fal_client_get_max_download_size (FalClient *self) { return self->max_download_size; }
guint _fal_client_get_body_timeout (FalClient *self) { return self->body_timeout; }
guint _fal_client_get_stream_idle_timeout (FalClient *self) { return self->stream_idle_timeout; }

SoupSession *
_fal_client_get_session (FalClient *self,
                         gboolean   long_calls)
{
  return long_calls ? self->long_session : self->short_session;
}

FalCallOptions *
_fal_call_options_copy (const FalCallOptions *options)
{
  FalCallOptions *copy = g_new0 (FalCallOptions, 1);

  if (options)
    {
      copy->low_priority = options->low_priority;
      copy->runner_hint = g_strdup (options->runner_hint);
      copy->start_timeout = options->start_timeout;
      copy->headers = (const char * const *) g_strdupv ((char **) options->headers);
      copy->webhook_url = g_strdup (options->webhook_url);
    }
  return copy;
}

void
_fal_call_options_free (FalCallOptions *options)
{
  if (options == NULL)
    return;
  g_free ((char *) options->runner_hint);
  g_strfreev ((char **) options->headers);
  g_free ((char *) options->webhook_url);
  g_free (options);
}

/* ------------------------------------------------------------------ one-shot calls */

static char *
request_path (FalEndpointId *endpoint,
              const char    *request_id,
              const char    *suffix)
{
  g_autofree char *escaped = g_uri_escape_string (request_id, NULL, FALSE);

  return g_strconcat (fal_endpoint_id_get_app (endpoint), "/requests/", escaped, suffix, NULL);
}

static void
json_call_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;
  g_autofree char *request_id = NULL;
  JsonNode *node = _fal_client_call_finish (FAL_CLIENT (source), result, NULL, &request_id, &error);

  if (node == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  g_object_set_data_full (G_OBJECT (task), "fal-request-id", g_steal_pointer (&request_id), g_free);
  g_task_return_pointer (task, node, (GDestroyNotify) json_node_unref);
}

static void
queue_call (FalClient           *self,
            gpointer             source_tag,
            const char          *method,
            const char          *endpoint_id,
            const char          *request_id,
            const char          *suffix,
            FalRetryKind         kind,
            gboolean             long_calls,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(FalEndpointId) endpoint = NULL;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, source_tag);
  g_task_set_check_cancellable (task, FALSE);
  endpoint = fal_endpoint_id_parse (endpoint_id, &error);
  if (endpoint == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (request_id == NULL || *request_id == '\0')
    {
      g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_NOT_FOUND, _("No request id given"));
      return;
    }
  path = request_path (endpoint, request_id, suffix);
  url = _fal_client_build_url (self, FAL_HOST_QUEUE, path);
  _fal_client_call_async (self, method, url, NULL, NULL, kind, long_calls, cancellable,
                          json_call_cb, g_steal_pointer (&task));
}

void
fal_client_status_async (FalClient           *self,
                         const char          *endpoint_id,
                         const char          *request_id,
                         gboolean             logs,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (FAL_IS_CLIENT (self));
  g_return_if_fail (endpoint_id != NULL);

  queue_call (self, fal_client_status_async, "GET", endpoint_id, request_id,
              logs ? "/status?logs=1" : "/status?logs=0", FAL_RETRY_STATUS, FALSE,
              cancellable, callback, user_data);
}

JsonNode *
fal_client_status_finish (FalClient     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  JsonNode *node;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  node = g_task_propagate_pointer (G_TASK (result), error);
  if (node && (!JSON_NODE_HOLDS_OBJECT (node) ||
               fal_json_get_string (json_node_get_object (node), "status") == NULL))
    {
      json_node_unref (node);
      g_set_error_literal (error, FAL_ERROR, FAL_ERROR_PROTOCOL, _("The status answer has no status"));
      return NULL;
    }
  return node;
}

void
fal_client_result_async (FalClient           *self,
                         const char          *endpoint_id,
                         const char          *request_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (FAL_IS_CLIENT (self));
  g_return_if_fail (endpoint_id != NULL);

  queue_call (self, fal_client_result_async, "GET", endpoint_id, request_id, "",
              FAL_RETRY_RESULT, TRUE, cancellable, callback, user_data);
}

JsonNode *
fal_client_result_finish (FalClient     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
fal_client_cancel_async (FalClient           *self,
                         const char          *endpoint_id,
                         const char          *request_id,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_return_if_fail (FAL_IS_CLIENT (self));
  g_return_if_fail (endpoint_id != NULL);

  queue_call (self, fal_client_cancel_async, "PUT", endpoint_id, request_id, "/cancel",
              FAL_RETRY_DEFAULT, FALSE, cancellable, callback, user_data);
}

gboolean
fal_client_cancel_finish (FalClient     *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  node = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (node)
    return TRUE;
  /* 400 {"status": "ALREADY_COMPLETED"}: too late, which is an answer.
   * Any other 400 stays an error. */
  if (fal_error_get_http_status (local_error) == 400 &&
      g_strcmp0 (_fal_error_get_status_word (local_error), "ALREADY_COMPLETED") == 0)
    {
      g_propagate_error (error, fal_error_new_literal_full (FAL_ERROR_APP, _("The request had already completed"),
                                                            400, fal_error_get_request_id (local_error),
                                                            "already_completed"));
      return FALSE;
    }
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

void
fal_client_run_async (FalClient            *self,
                      const char           *endpoint_id,
                      JsonNode             *input,
                      const FalCallOptions *options,
                      GCancellable         *cancellable,
                      GAsyncReadyCallback   callback,
                      gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(FalEndpointId) endpoint = NULL;
  g_autofree char *url = NULL;
  GError *error = NULL;

  g_return_if_fail (FAL_IS_CLIENT (self));
  g_return_if_fail (endpoint_id != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_client_run_async);
  g_task_set_check_cancellable (task, FALSE);
  endpoint = fal_endpoint_id_parse (endpoint_id, &error);
  if (endpoint == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  url = _fal_client_build_url (self, FAL_HOST_RUN, fal_endpoint_id_get_full (endpoint));
  _fal_client_call_async (self, "POST", url, input, options, FAL_RETRY_RUN, TRUE, cancellable,
                          json_call_cb, g_steal_pointer (&task));
}

JsonNode *
fal_client_run_finish (FalClient     *self,
                       GAsyncResult  *result,
                       char         **request_id,
                       GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  JsonNode *node;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (request_id)
    *request_id = g_strdup (g_object_get_data (G_OBJECT (result), "fal-request-id"));
  node = g_task_propagate_pointer (G_TASK (result), &local_error);
  if (node == NULL)
    {
      /* An answer that names its request came from the run itself: a
       * failure there is the model's (a gateway names none). */
      if (fal_error_get_request_id (local_error) != NULL)
        g_propagate_error (error, _fal_error_for_job (local_error, NULL, NULL));
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      if (request_id && *request_id == NULL && local_error)
        *request_id = g_strdup (fal_error_get_request_id (local_error));
    }
  return node;
}

FalRequest *
fal_client_submit (FalClient            *self,
                   const char           *endpoint_id,
                   JsonNode             *input,
                   const FalCallOptions *options,
                   GError              **error)
{
  g_autoptr(FalEndpointId) endpoint = NULL;

  g_return_val_if_fail (FAL_IS_CLIENT (self), NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);

  endpoint = fal_endpoint_id_parse (endpoint_id, error);
  if (endpoint == NULL || !check_secure (self->queue_url, error))
    return NULL;
  return _fal_request_new (self, endpoint, input, options, NULL);
}

FalRequest *
fal_client_attach (FalClient   *self,
                   const char  *endpoint_id,
                   const char  *request_id,
                   GError     **error)
{
  g_autoptr(FalEndpointId) endpoint = NULL;

  g_return_val_if_fail (FAL_IS_CLIENT (self), NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);

  if (request_id == NULL || *request_id == '\0')
    {
      g_set_error_literal (error, FAL_ERROR, FAL_ERROR_NOT_FOUND, _("No request id given"));
      return NULL;
    }
  endpoint = fal_endpoint_id_parse (endpoint_id, error);
  if (endpoint == NULL || !check_secure (self->queue_url, error))
    return NULL;
  return _fal_request_new (self, endpoint, NULL, NULL, request_id);
}

FalStream *
fal_client_stream (FalClient            *self,
                   const char           *endpoint_id,
                   JsonNode             *input,
                   const FalCallOptions *options,
                   GError              **error)
{
  g_autoptr(FalEndpointId) endpoint = NULL;

  g_return_val_if_fail (FAL_IS_CLIENT (self), NULL);
  g_return_val_if_fail (endpoint_id != NULL, NULL);

  endpoint = fal_endpoint_id_parse (endpoint_id, error);
  if (endpoint == NULL || !check_secure (self->run_url, error))
    return NULL;
  return _fal_stream_new (self, endpoint, input, options);
}
