/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <libsoup/soup.h>

#include "fal-local-sources.h"
#include "fal-local-webhook.h"

/* One webhook: waiting for its job, then attempts until one lands. */
typedef struct {
  FalLocalWebhook *owner;
  char *url;
  guint64 log_id;
  FalLocalJob *job;
  gulong changed_handler;
  char *request_id;
  GBytes *body;
  guint attempts;
  guint last_status;
  char *last_error;
  const char *state;       /* waiting, delivering, delivered, failed */
  guint wait_timer;
  guint timeout_timer;
  gboolean timed_out;
  gboolean in_flight;
  gboolean orphaned;       /* shut down while an attempt was on its way */
  SoupMessage *msg;
  GCancellable *cancellable;
} Delivery;

struct _FalLocalWebhook
{
  GObject parent_instance;

  double speed;
  FalLocalRequestLog *request_log;
  FalLocalWebhookSigner *signer;   /* NULL when no key could be made */
  SoupSession *session;
  GList *deliveries;       /* Delivery */
};

G_DEFINE_FINAL_TYPE (FalLocalWebhook, fal_local_webhook, G_TYPE_OBJECT)

static void attempt (Delivery *delivery);

static void
delivery_free (Delivery *delivery)
{
  g_clear_signal_handler (&delivery->changed_handler, delivery->job);
  fal_local_clear_source (&delivery->wait_timer);
  fal_local_clear_source (&delivery->timeout_timer);
  g_clear_object (&delivery->job);
  g_clear_object (&delivery->msg);
  g_clear_object (&delivery->cancellable);
  g_clear_pointer (&delivery->body, g_bytes_unref);
  g_free (delivery->url);
  g_free (delivery->request_id);
  g_free (delivery->last_error);
  g_free (delivery);
}

static guint
scale (FalLocalWebhook *self,
       double           ms)
{
  return (guint) MIN (ms / self->speed, (double) G_MAXUINT);
}

/* The submit's request log entry shows where the webhook stands. */
static void
log_delivery (Delivery *delivery)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *object = json_object_new ();

  json_object_set_string_member (object, "url", delivery->url);
  json_object_set_string_member (object, "state", delivery->state);
  json_object_set_int_member (object, "attempts", delivery->attempts);
  if (delivery->last_status)
    json_object_set_int_member (object, "last_status", delivery->last_status);
  if (delivery->last_error)
    json_object_set_string_member (object, "last_error", delivery->last_error);
  json_node_take_object (node, object);
  fal_local_request_log_set_member (delivery->owner->request_log, delivery->log_id, "webhook", node);
}

static void
delivery_end (Delivery   *delivery,
              const char *state)
{
  FalLocalWebhook *self = delivery->owner;

  delivery->state = state;
  log_delivery (delivery);
  self->deliveries = g_list_remove (self->deliveries, delivery);
  delivery_free (delivery);
}

/* fal's shapes (spec §3.6): the output as payload, or the error body. */
static GBytes *
webhook_body (FalLocalJob *job)
{
  g_autoptr(JsonObject) object = json_object_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  JsonNode *result = fal_local_job_get_result (job);
  gsize length = 0;
  char *text;

  json_object_set_string_member (object, "request_id", fal_local_job_get_id (job));
  json_object_set_string_member (object, "gateway_request_id", fal_local_job_get_id (job));
  if (fal_local_job_get_failed (job))
    {
      g_autofree char *error = g_strdup_printf ("Invalid status code: %u", fal_local_job_get_result_status (job));

      json_object_set_string_member (object, "status", "ERROR");
      json_object_set_string_member (object, "error", error);
    }
  else
    json_object_set_string_member (object, "status", "OK");
  json_object_set_member (object, "payload", result ? json_node_copy (result) : json_node_new (JSON_NODE_NULL));

  json_node_set_object (node, object);
  json_generator_set_root (generator, node);
  text = json_generator_to_data (generator, &length);
  return g_bytes_new_take (text, length);
}

static gboolean
retry_cb (gpointer data)
{
  Delivery *delivery = data;

  delivery->wait_timer = 0;
  attempt (delivery);
  return G_SOURCE_REMOVE;
}

static void
attempt_failed (Delivery *delivery,
                gboolean  permanent)
{
  FalLocalWebhook *self = delivery->owner;
  double wait_ms;

  if (permanent || delivery->attempts >= FAL_LOCAL_WEBHOOK_MAX_ATTEMPTS)
    {
      g_debug ("Webhook for %s failed after %u attempts", delivery->request_id, delivery->attempts);
      delivery_end (delivery, "failed");
      return;
    }
  wait_ms = FAL_LOCAL_WEBHOOK_FIRST_WAIT_MS * (double) (1u << (delivery->attempts - 1));
  log_delivery (delivery);
  delivery->wait_timer = fal_local_timeout_add (scale (self, wait_ms), retry_cb, delivery);
}

static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Delivery *delivery = data;
  g_autoptr(GBytes) answer = NULL;
  g_autoptr(GError) error = NULL;
  guint status;

  answer = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  delivery->in_flight = FALSE;
  if (delivery->orphaned)
    {
      delivery_free (delivery);
      return;
    }
  fal_local_clear_source (&delivery->timeout_timer);
  g_clear_object (&delivery->cancellable);

  g_clear_pointer (&delivery->last_error, g_free);
  if (answer == NULL)
    {
      delivery->last_status = 0;
      delivery->last_error = g_strdup (delivery->timed_out ? "timed out" : error->message);
      attempt_failed (delivery, FALSE);
      return;
    }

  status = soup_message_get_status (delivery->msg);
  delivery->last_status = status;
  if (SOUP_STATUS_IS_SUCCESSFUL (status))
    delivery_end (delivery, "delivered");
  else
    /* fal takes a redirect as the receiver's final word. */
    attempt_failed (delivery, SOUP_STATUS_IS_REDIRECTION (status));
}

static gboolean
attempt_timeout_cb (gpointer data)
{
  Delivery *delivery = data;

  delivery->timeout_timer = 0;
  delivery->timed_out = TRUE;
  g_cancellable_cancel (delivery->cancellable);
  return G_SOURCE_REMOVE;
}

static void
attempt (Delivery *delivery)
{
  FalLocalWebhook *self = delivery->owner;
  SoupMessageHeaders *headers;
  g_autofree char *timestamp = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / G_USEC_PER_SEC);
  double timeout_ms = delivery->attempts == 0 ? FAL_LOCAL_WEBHOOK_FIRST_TIMEOUT_MS : FAL_LOCAL_WEBHOOK_RETRY_TIMEOUT_MS;

  g_clear_object (&delivery->msg);
  delivery->msg = soup_message_new (SOUP_METHOD_POST, delivery->url);
  /* Following a redirect could lead off the loopback host. */
  soup_message_add_flags (delivery->msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (delivery->msg);
  soup_message_headers_replace (headers, "X-Fal-Webhook-Request-Id", delivery->request_id);
  soup_message_headers_replace (headers, "X-Fal-Webhook-User-Id", FAL_LOCAL_WEBHOOK_USER_ID);
  soup_message_headers_replace (headers, "X-Fal-Webhook-Timestamp", timestamp);
  /* Signed per attempt: each carries its own timestamp. */
  if (self->signer)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *signature = fal_local_webhook_signer_sign (self->signer, delivery->request_id,
                                                                  FAL_LOCAL_WEBHOOK_USER_ID, timestamp,
                                                                  delivery->body, &error);

      if (signature)
        soup_message_headers_replace (headers, "X-Fal-Webhook-Signature", signature);
      else
        g_debug ("Webhook for %s goes unsigned: %s", delivery->request_id, error->message);
    }
  soup_message_set_request_body_from_bytes (delivery->msg, "application/json", delivery->body);

  delivery->attempts++;
  delivery->state = "delivering";
  delivery->timed_out = FALSE;
  delivery->in_flight = TRUE;
  delivery->cancellable = g_cancellable_new ();
  /* Timeouts follow the speed too, but never below a second, so that a
   * fast test server does not give up on a busy receiver. */
  delivery->timeout_timer = fal_local_timeout_add (MAX (1000, scale (self, timeout_ms)), attempt_timeout_cb, delivery);
  log_delivery (delivery);
  soup_session_send_and_read_async (self->session, delivery->msg, G_PRIORITY_DEFAULT,
                                    delivery->cancellable, sent_cb, delivery);
}

static void
job_changed_cb (FalLocalJob *job,
                Delivery    *delivery)
{
  if (fal_local_job_get_state (job) != FAL_LOCAL_JOB_COMPLETED)
    return;
  g_clear_signal_handler (&delivery->changed_handler, delivery->job);
  delivery->body = webhook_body (job);
  g_clear_object (&delivery->job);
  attempt (delivery);
}

static void
fal_local_webhook_finalize (GObject *object)
{
  FalLocalWebhook *self = (FalLocalWebhook *)object;

  fal_local_webhook_shutdown (self);
  g_clear_object (&self->session);
  g_clear_object (&self->request_log);
  g_clear_object (&self->signer);

  G_OBJECT_CLASS (fal_local_webhook_parent_class)->finalize (object);
}

static void
fal_local_webhook_class_init (FalLocalWebhookClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_local_webhook_finalize;
}

static void
fal_local_webhook_init (FalLocalWebhook *self)
{
  self->speed = 1.0;
}

FalLocalWebhook *
fal_local_webhook_new (double              speed,
                       FalLocalRequestLog *request_log)
{
  FalLocalWebhook *self = g_object_new (FAL_LOCAL_TYPE_WEBHOOK, NULL);
  g_autoptr(GError) error = NULL;

  self->speed = speed > 0 ? speed : 1.0;
  self->request_log = g_object_ref (request_log);
  /* A new key pair each start: nothing secret is ever written down. */
  self->signer = fal_local_webhook_signer_new (&error);
  if (self->signer == NULL)
    g_warning ("Webhooks will not be signed: %s", error->message);
  /* Created on the server's thread, so it runs on that thread's context.
   * No proxy: the receiver is on this machine. */
  self->session = soup_session_new_with_options ("proxy-resolver", NULL,
                                                 "user-agent", "falstaff-local-webhook/" PACKAGE_VERSION,
                                                 NULL);
  return self;
}

char *
fal_local_webhook_check_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GInetAddress) address = NULL;
  const char *scheme;
  const char *host;

  g_return_val_if_fail (url != NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, NULL);
  if (uri == NULL || (host = g_uri_get_host (uri)) == NULL || *host == '\0')
    return g_strdup ("The webhook URL is not a valid absolute URL");
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    return g_strdup ("The webhook URL must be http or https");
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return NULL;
  address = g_inet_address_new_from_string (host);
  if (address && g_inet_address_get_is_loopback (address))
    return NULL;
  return g_strdup ("The local server only delivers webhooks to loopback addresses (127.0.0.0/8, ::1, localhost)");
}

void
fal_local_webhook_watch (FalLocalWebhook *self,
                         FalLocalJob     *job,
                         const char      *url,
                         guint64          log_id)
{
  Delivery *delivery;

  g_return_if_fail (FAL_LOCAL_IS_WEBHOOK (self));
  g_return_if_fail (FAL_LOCAL_IS_JOB (job));
  g_return_if_fail (url != NULL);

  delivery = g_new0 (Delivery, 1);
  delivery->owner = self;
  delivery->url = g_strdup (url);
  delivery->log_id = log_id;
  delivery->request_id = g_strdup (fal_local_job_get_id (job));
  delivery->state = "waiting";
  delivery->job = g_object_ref (job);
  self->deliveries = g_list_prepend (self->deliveries, delivery);
  log_delivery (delivery);
  if (fal_local_job_get_state (job) == FAL_LOCAL_JOB_COMPLETED)
    job_changed_cb (job, delivery);
  else
    delivery->changed_handler = g_signal_connect (job, "changed", G_CALLBACK (job_changed_cb), delivery);
}

FalLocalWebhookSigner *
fal_local_webhook_get_signer (FalLocalWebhook *self)
{
  g_return_val_if_fail (FAL_LOCAL_IS_WEBHOOK (self), NULL);

  return self->signer;
}

void
fal_local_webhook_shutdown (FalLocalWebhook *self)
{
  g_return_if_fail (FAL_LOCAL_IS_WEBHOOK (self));

  while (self->deliveries)
    {
      Delivery *delivery = self->deliveries->data;

      self->deliveries = g_list_delete_link (self->deliveries, self->deliveries);
      if (delivery->in_flight)
        {
          /* Its callback comes later and frees it. */
          fal_local_clear_source (&delivery->timeout_timer);
          fal_local_clear_source (&delivery->wait_timer);
          delivery->orphaned = TRUE;
          g_cancellable_cancel (delivery->cancellable);
        }
      else
        delivery_free (delivery);
    }
}
