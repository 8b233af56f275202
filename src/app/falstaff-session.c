/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "falstaff-demo-server.h"

#include "falstaff-session.h"
#include "falstaff-settings.h"

struct _FalstaffSession
{
  GObject parent_instance;

  FalClient *client;
  GObject *demo_server;      /* a FalLocalServer, from falstaff-demo-server.c */
  FalstaffSessionMode mode;
  char *key_warning;
  GSettings *settings;
  /* Hosts whose environment variable was set when the client was made:
   * the setting leaves them alone. */
  guint host_from_environment;
};

G_DEFINE_FINAL_TYPE (FalstaffSession, falstaff_session, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CLIENT,
  PROP_MODE,
  PROP_KEY_WARNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_mode (FalstaffSession     *self,
          FalstaffSessionMode  mode)
{
  if (self->mode == mode)
    return;
  self->mode = mode;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODE]);
}

static void
set_key_warning (FalstaffSession *self,
                 const char      *warning)
{
  if (g_strcmp0 (self->key_warning, warning) == 0)
    return;
  g_free (self->key_warning);
  self->key_warning = g_strdup (warning);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_KEY_WARNING]);
}

static void
falstaff_session_dispose (GObject *object)
{
  FalstaffSession *self = (FalstaffSession *)object;

  if (self->demo_server)
    falstaff_demo_server_stop (self->demo_server);
  g_clear_object (&self->demo_server);
  g_clear_object (&self->client);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (falstaff_session_parent_class)->dispose (object);
}

static void
falstaff_session_finalize (GObject *object)
{
  FalstaffSession *self = (FalstaffSession *)object;

  g_free (self->key_warning);

  G_OBJECT_CLASS (falstaff_session_parent_class)->finalize (object);
}

static void
falstaff_session_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  FalstaffSession *self = FALSTAFF_SESSION (object);

  switch (prop_id)
    {
    case PROP_CLIENT:
      g_value_set_object (value, self->client);
      break;
    case PROP_MODE:
      g_value_set_uint (value, self->mode);
      break;
    case PROP_KEY_WARNING:
      g_value_set_string (value, self->key_warning);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
falstaff_session_class_init (FalstaffSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = falstaff_session_dispose;
  object_class->finalize = falstaff_session_finalize;
  object_class->get_property = falstaff_session_get_property;

  properties[PROP_CLIENT] = g_param_spec_object ("client", NULL, NULL, FAL_TYPE_CLIENT, flags);
  properties[PROP_MODE] = g_param_spec_uint ("mode", NULL, NULL, 0, FALSTAFF_SESSION_DEMO, 0, flags);
  properties[PROP_KEY_WARNING] = g_param_spec_string ("key-warning", NULL, NULL, NULL, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

/* The preferences' hosts and proxy: a setting that is empty means fal's
 * own; an environment variable wins over it; one that is not secure is
 * never used (the preferences refuse it too). The demo's client keeps
 * its local server. */
static void
apply_hosts (FalstaffSession *self)
{
  static const char *keys[] = { "queue-url", "run-url", "rest-url", "api-url", "web-url", "proxy-url" };

  if (self->mode == FALSTAFF_SESSION_DEMO)
    return;
  /* The environment read once, with the client's own reading of it. */
  if (self->host_from_environment == 0)
    {
      self->host_from_environment = 1u << G_N_ELEMENTS (keys);
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        if (falstaff_settings_host_override (keys[i]) != NULL)
          self->host_from_environment |= 1u << i;
    }
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *url = g_settings_get_string (self->settings, keys[i]);

      if (self->host_from_environment & (1u << i))
        continue;
      if (!falstaff_settings_host_is_valid (url))
        {
          g_message ("The %s setting is not a secure URL; fal's default is used", keys[i]);
          g_clear_pointer (&url, g_free);
        }
      /* NULL: the property's default (none for the proxy). */
      g_object_set (self->client, keys[i], url && *url ? url : NULL, NULL);
    }
  /* Behind a proxy the proxy adds the key. */
  if (self->mode == FALSTAFF_SESSION_NO_KEY && fal_client_get_proxy_url (self->client) != NULL)
    set_mode (self, FALSTAFF_SESSION_ONLINE);
  else if (self->mode == FALSTAFF_SESSION_ONLINE && !fal_client_has_key (self->client) &&
           fal_client_get_proxy_url (self->client) == NULL)
    set_mode (self, FALSTAFF_SESSION_NO_KEY);
}

static void
settings_changed_cb (FalstaffSession *self,
                     const char      *key)
{
  if (g_str_has_suffix (key, "-url"))
    apply_hosts (self);
}

static void
falstaff_session_init (FalstaffSession *self)
{
  self->settings = falstaff_settings_new ();
  self->client = fal_client_new ();
  g_settings_bind (self->settings, "poll-only", self->client, "poll-only", G_SETTINGS_BIND_GET);
  g_signal_connect_object (self->settings, "changed", G_CALLBACK (settings_changed_cb), self, G_CONNECT_SWAPPED);
  self->mode = FALSTAFF_SESSION_NO_KEY;
  apply_hosts (self);
  /* Behind a proxy (FALSTAFF_PROXY_URL) the proxy adds the key: online
   * from the start, never asked for one. */
  self->mode = fal_client_has_key (self->client) || fal_client_get_proxy_url (self->client) != NULL
                 ? FALSTAFF_SESSION_ONLINE : FALSTAFF_SESSION_NO_KEY;
}

FalstaffSession *
falstaff_session_new (void)
{
  return g_object_new (FALSTAFF_TYPE_SESSION, NULL);
}

FalClient *falstaff_session_get_client (FalstaffSession *self) { return self->client; }
FalstaffSessionMode falstaff_session_get_mode (FalstaffSession *self) { return self->mode; }
const char *falstaff_session_get_key_warning (FalstaffSession *self) { return self->key_warning; }

const char *
falstaff_session_get_demo_url (FalstaffSession *self)
{
  return self->demo_server ? falstaff_demo_server_get_url (self->demo_server) : NULL;
}

/* ------------------------------------------------------------------ load */

/* FALSTAFF_SECRET_SERVICE=0 keeps the key out of the Secret Service (the
 * UI tests, which share one keyring with other tests). */
static gboolean
secret_service_wanted (void)
{
  return g_strcmp0 (g_getenv ("FALSTAFF_SECRET_SERVICE"), "0") != 0;
}

static void
lookup_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  FalstaffSession *self = g_task_get_source_object (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *key = fal_credentials_lookup_finish (result, &error);

  if (key)
    {
      fal_client_set_key (self->client, key, FAL_KEY_SOURCE_SECRET_SERVICE);
      memset (key, 0, strlen (key));
      set_mode (self, FALSTAFF_SESSION_ONLINE);
    }
  else if (error)
    g_debug ("No Secret Service: %s", error->message);
  g_task_return_boolean (task, key != NULL);
}

void
falstaff_session_load_key_async (FalstaffSession     *self,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, falstaff_session_load_key_async);
  /* Behind a proxy (FALSTAFF_PROXY_URL) the proxy adds the key. */
  if (fal_client_has_key (self->client) || fal_client_get_proxy_url (self->client) != NULL)
    {
      set_mode (self, FALSTAFF_SESSION_ONLINE);
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!secret_service_wanted ())
    {
      g_task_return_boolean (task, FALSE);
      return;
    }
  fal_credentials_lookup_async (cancellable, lookup_cb, g_steal_pointer (&task));
}

gboolean
falstaff_session_load_key_finish (FalstaffSession  *self,
                                  GAsyncResult     *result,
                                  GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ set key */

typedef struct {
  FalClient *probe;
  char *key;
} KeyCheck;

static void
key_check_free (gpointer data)
{
  KeyCheck *check = data;

  g_clear_object (&check->probe);
  if (check->key)
    memset (check->key, 0, strlen (check->key));
  g_free (check->key);
  g_free (check);
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  FalstaffSession *self = g_task_get_source_object (task);
  KeyCheck *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  fal_client_set_key (self->client, check->key, FAL_KEY_SOURCE_PROPERTY);
  if (!fal_credentials_store_finish (result, &error))
    {
      /* Used for this session only: never written anywhere else. The
       * keyring's own message (D-Bus names and paths) is for the log. */
      g_message ("The key could not be stored in the Secret Service: %s", error->message);
      set_key_warning (self, _("Your key is kept for this session only: the system keyring could not save it, "
                               "so Falstaff will ask for it again next time."));
    }
  else
    set_key_warning (self, NULL);
  set_mode (self, FALSTAFF_SESSION_ONLINE);
  g_task_return_boolean (task, TRUE);
}

/* An unknown request id: a good key gets 404, a bad one 401 or 403. */
static void
probe_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(GTask) task = data;
  KeyCheck *check = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = fal_client_status_finish (FAL_CLIENT (source), result, &error);

  if (node == NULL && !g_error_matches (error, FAL_ERROR, FAL_ERROR_NOT_FOUND))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!secret_service_wanted ())
    {
      FalstaffSession *self = g_task_get_source_object (task);

      fal_client_set_key (self->client, check->key, FAL_KEY_SOURCE_PROPERTY);
      set_key_warning (self, _("Your key is kept for this session only: Falstaff was asked not to use the system keyring."));
      set_mode (self, FALSTAFF_SESSION_ONLINE);
      g_task_return_boolean (task, TRUE);
      return;
    }
  fal_credentials_store_async (check->key, g_task_get_cancellable (task), stored_cb, g_object_ref (task));
}

void
falstaff_session_set_key_async (FalstaffSession     *self,
                                const char          *key,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  KeyCheck *check;
  g_autofree char *request_id = g_uuid_string_random ();
  g_autofree char *clean = g_strstrip (g_strdup (key ? key : ""));

  g_task_set_source_tag (task, falstaff_session_set_key_async);
  if (strchr (clean, ':') == NULL)
    {
      g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_UNAUTHORIZED,
                               _("A fal key looks like key_id:key_secret"));
      return;
    }

  check = g_new0 (KeyCheck, 1);
  check->key = g_steal_pointer (&clean);
  /* A client of its own, so a wrong key never replaces a good one. */
  check->probe = g_object_new (FAL_TYPE_CLIENT,
                               "queue-url", fal_client_get_queue_url (self->client),
                               "run-url", fal_client_get_run_url (self->client),
                               "rest-url", fal_client_get_rest_url (self->client),
                               "web-url", fal_client_get_web_url (self->client),
                               "api-url", fal_client_get_api_url (self->client),
                               "proxy-url", fal_client_get_proxy_url (self->client),
                               NULL);
  fal_client_set_key (check->probe, check->key, FAL_KEY_SOURCE_PROPERTY);
  g_task_set_task_data (task, check, key_check_free);
  fal_client_status_async (check->probe, "fal-ai/fast-sdxl", request_id, FALSE, cancellable,
                           probe_cb, g_steal_pointer (&task));
}

gboolean
falstaff_session_set_key_finish (FalstaffSession  *self,
                                 GAsyncResult     *result,
                                 GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
forgot_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  g_autoptr(GTask) task = data;
  FalstaffSession *self = g_task_get_source_object (task);
  GError *error = NULL;

  fal_client_set_key (self->client, NULL, FAL_KEY_SOURCE_NONE);
  set_key_warning (self, NULL);
  if (self->mode == FALSTAFF_SESSION_ONLINE && !fal_client_has_key (self->client) &&
      fal_client_get_proxy_url (self->client) == NULL)
    set_mode (self, FALSTAFF_SESSION_NO_KEY);
  if (!fal_credentials_forget_finish (result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
falstaff_session_forget_key_async (FalstaffSession     *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, falstaff_session_forget_key_async);
  fal_credentials_forget_async (cancellable, forgot_cb, task);
}

gboolean
falstaff_session_forget_key_finish (FalstaffSession  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ check */

/* A cheap call that needs the key: the price of one endpoint. */
#define CHECK_ENDPOINT "fal-ai/flux/dev"

static void
checked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) prices = fal_pricing_get_prices_finish (FAL_PRICING (source), result, &error);

  if (prices == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
falstaff_session_check_key_async (FalstaffSession     *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(FalPricing) pricing = NULL;
  static const char *ids[] = { CHECK_ENDPOINT, NULL };

  g_return_if_fail (FALSTAFF_IS_SESSION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_session_check_key_async);
  /* A pricing object of its own: nothing kept from an earlier answer. */
  pricing = fal_pricing_new (self->client);
  fal_pricing_get_prices_async (pricing, ids, cancellable, checked_cb, g_steal_pointer (&task));
}

gboolean
falstaff_session_check_key_finish (FalstaffSession  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ------------------------------------------------------------------ demo */

static void
start_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  const char *speed = g_getenv ("FALSTAFF_DEMO_SPEED");
  GError *error = NULL;
  GObject *server;

  /* Loading the module and binding the server wait on the disk and the
   * server thread: not on the main loop. */
  server = falstaff_demo_server_start (speed ? g_ascii_strtod (speed, NULL) : 0,
                                       g_strcmp0 (g_getenv ("FALSTAFF_DEMO_FIXED_CLOCK"), "1") == 0,
                                       &error);
  if (server)
    g_task_return_pointer (task, server, g_object_unref);
  else
    g_task_return_error (task, error);
}

void
falstaff_session_start_demo_async (FalstaffSession     *self,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, falstaff_session_start_demo_async);
  if (self->demo_server)
    {
      g_task_return_pointer (task, g_object_ref (self->demo_server), g_object_unref);
      return;
    }
  g_task_run_in_thread (task, start_thread);
}

gboolean
falstaff_session_start_demo_finish (FalstaffSession  *self,
                                    GAsyncResult     *result,
                                    GError          **error)
{
  g_autoptr(GObject) server = g_task_propagate_pointer (G_TASK (result), error);

  if (server == NULL)
    return FALSE;
  if (self->demo_server == NULL)
    {
      g_autofree char *key = NULL;

      self->demo_server = g_object_ref (server);
      g_object_get (server, "key", &key, NULL);
      /* A client of its own that reads no environment: the demo's key
       * and hosts, whatever FAL_KEY or FALSTAFF_*_URL say. */
      g_clear_object (&self->client);
      self->client = g_object_new (FAL_TYPE_CLIENT, NULL);
      fal_client_use_local_server (self->client, falstaff_demo_server_get_url (server));
      fal_client_set_key (self->client, key, FAL_KEY_SOURCE_PROPERTY);
      g_settings_bind (self->settings, "poll-only", self->client, "poll-only", G_SETTINGS_BIND_GET);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CLIENT]);
      set_mode (self, FALSTAFF_SESSION_DEMO);
    }
  return TRUE;
}
