/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal.h"
#include "client-fixture.h"
#include "tcp-relay.h"

/* A FalRequest when fal goes away mid-run and comes back. The client talks
 * to the local server through a TCP relay on a port of its own, which the
 * test can close (connection refused, open connections closed), freeze
 * (connections accepted, bytes held: a hung server or a half-open
 * connection) and reopen on the same port. The server behind it keeps its
 * jobs, so the run goes on and the request must pick it up where it was.
 * A real restart of the local server loses its jobs: that case must end
 * the request with a clear error, not hang. */


/* ------------------------------------------------------------------ watching */

/* When connection-lost changed, kept on the request. */
typedef struct {
  gint64 lost_at;              /* first TRUE */
  gint64 back_at;              /* first FALSE after that */
  guint n_changes;
} Contact;

static Contact *
contact_get (FalRequest *request)
{
  return g_object_get_data (G_OBJECT (request), "test-contact");
}

static void
lost_notify_cb (FalRequest *request)
{
  Contact *contact = contact_get (request);

  contact->n_changes++;
  if (fal_request_get_connection_lost (request) && contact->lost_at == 0)
    contact->lost_at = g_get_monotonic_time ();
  else if (!fal_request_get_connection_lost (request) && contact->lost_at != 0 && contact->back_at == 0)
    contact->back_at = g_get_monotonic_time ();
}

static FalRequest *
submit_through (FalClient  *client,
                const char *endpoint_id,
                const char *json)
{
  g_autoptr(JsonNode) body = input (json);
  g_autoptr(GError) error = NULL;
  FalRequest *request = fal_client_submit (client, endpoint_id, body, NULL, &error);

  g_assert_no_error (error);
  g_object_set_data_full (G_OBJECT (request), "test-contact", g_new0 (Contact, 1), g_free);
  g_signal_connect (request, "notify::connection-lost", G_CALLBACK (lost_notify_cb), NULL);
  return request;
}

static FalClient *
client_for (const char *url)
{
  FalClient *client = fal_client_new ();

  fal_client_use_local_server (client, url);
  fal_client_set_key (client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  fal_client_set_poll_interval (client, 200);
  return client;
}

static gboolean
is_lost (gpointer data)
{
  return fal_request_get_connection_lost (data);
}

static gboolean
is_in_contact (gpointer data)
{
  return !fal_request_get_connection_lost (data) || fal_request_is_done (data);
}

static gboolean
is_running (gpointer data)
{
  return fal_request_get_status (data) >= FAL_REQUEST_IN_PROGRESS;
}

static gboolean
is_queued (gpointer data)
{
  return fal_request_get_status (data) == FAL_REQUEST_IN_QUEUE;
}

static gboolean
has_logs (gpointer data)
{
  return g_list_model_get_n_items (fal_request_get_logs (data)) >= 3;
}

/* The request's log holds exactly the server's whole log: each line once,
 * in order. */
static void
assert_logs_match_server (Fx         *fx,
                          FalRequest *request,
                          const char *app)
{
  g_autofree char *path = g_strdup_printf ("/queue/%s/requests/%s/status?logs=1", app,
                                           fal_request_get_request_id (request));
  guint status = 0;
  g_autoptr(JsonNode) node = fx_http (fx, "GET", path, NULL, &status);
  GListModel *model = fal_request_get_logs (request);
  JsonArray *lines;

  g_assert_cmpuint (status, ==, 200);
  lines = json_object_get_array_member (json_node_get_object (node), "logs");
  g_assert_cmpuint (json_array_get_length (lines), >, 0);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, json_array_get_length (lines));
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      JsonObject *line = json_array_get_object_element (lines, i);
      g_autoptr(FalLogEntry) entry = g_list_model_get_item (model, i);

      g_assert_cmpstr (fal_log_entry_get_message (entry), ==, json_object_get_string_member (line, "message"));
      g_assert_cmpstr (fal_log_entry_get_timestamp (entry), ==, json_object_get_string_member (line, "timestamp"));
    }
}

/* Lost within 5 s of the moment fal went away. */
static void
assert_lost_soon (FalRequest *request,
                  gint64      gone_at)
{
  g_assert_true (wait_for (is_lost, request, 8000));
  g_test_message ("connection-lost after %.2f s", (contact_get (request)->lost_at - gone_at) / 1e6);
  g_assert_cmpint (contact_get (request)->lost_at - gone_at, <, 5 * G_USEC_PER_SEC);
  g_assert_false (fal_request_is_done (request));
  g_assert_null (fal_request_get_error (request));
  /* The last answer came before contact was lost. */
  g_assert_cmpint (fal_request_get_last_contact (request), >, 0);
  g_assert_cmpint (fal_request_get_last_contact (request), <, contact_get (request)->lost_at);
}

static void
assert_back_and_done (Fx         *fx,
                      FalRequest *request,
                      const char *app,
                      gint64      back_at)
{
  g_assert_true (wait_for (is_in_contact, request, 10000));
  g_test_message ("in contact again after %.2f s", (contact_get (request)->back_at - back_at) / 1e6);
  wait_done (request);
  g_assert_no_error ((GError *) fal_request_get_error (request));
  g_assert_nonnull (fal_request_get_result (request));
  g_assert_false (fal_request_get_connection_lost (request));
  g_assert_cmpint (fal_request_get_last_contact (request), >=, back_at);
  assert_logs_match_server (fx, request, app);
}

/* ------------------------------------------------------------------ tests */

/* The port closes while one request runs and another waits in the queue;
 * both say connection-lost within 5 s, then pick up where they were. */
static void
test_refused (void)
{
  g_autoptr(Fx) fx = fx_new (1, 1);
  g_autoptr(TcpRelay) relay = tcp_relay_new (fx->url);
  g_autoptr(FalClient) client = client_for (tcp_relay_get_url (relay));
  g_autoptr(FalRequest) running = submit_through (client, "fal-ai/minimax/video-01", "{\"prompt\":\"a boat\"}");
  g_autoptr(FalRequest) queued = NULL;
  gint64 gone_at, back_at;

  g_assert_true (wait_for (is_running, running, DEADLINE_MS));
  queued = submit_through (client, "fal-ai/minimax/video-01", "{\"prompt\":\"a lake\"}");
  g_assert_true (wait_for (is_queued, queued, DEADLINE_MS));
  g_assert_true (wait_for (has_logs, running, DEADLINE_MS));

  tcp_relay_close (relay);
  gone_at = g_get_monotonic_time ();
  assert_lost_soon (running, gone_at);
  assert_lost_soon (queued, gone_at);
  g_assert_cmpint (fal_request_get_status (queued), ==, FAL_REQUEST_IN_QUEUE);

  /* Away a little longer: still lost, still not failed. */
  fal_test_wait_ms (2000);
  g_assert_true (fal_request_get_connection_lost (running));
  g_assert_true (fal_request_get_connection_lost (queued));

  tcp_relay_reopen (relay);
  back_at = g_get_monotonic_time ();
  assert_back_and_done (fx, running, "fal-ai/minimax", back_at);
  assert_back_and_done (fx, queued, "fal-ai/minimax", back_at);
  g_assert_true (fal_request_get_started (queued));
  /* Back within a retry (1–2 s), not after some long backoff. */
  g_assert_cmpint (contact_get (running)->back_at - back_at, <, 3 * G_USEC_PER_SEC);
  g_assert_cmpint (contact_get (queued)->back_at - back_at, <, 3 * G_USEC_PER_SEC);
}

/* fal hangs: the open stream goes silent and new connections get no
 * answer. The silent stream is checked, the check times out, and the
 * request says so; when bytes flow again it goes on. While lost it asks
 * again as each try times out (2.5 s). */
static void
test_frozen (void)
{
  g_autoptr(Fx) fx = fx_new (1, 2);
  g_autoptr(TcpRelay) relay = tcp_relay_new (fx->url);
  g_autoptr(FalClient) client = client_for (tcp_relay_get_url (relay));
  g_autoptr(FalRequest) request = submit_through (client, "fal-ai/minimax/video-01", "{\"prompt\":\"a boat\"}");
  gint64 gone_at, back_at;
  guint accepted;

  g_assert_true (wait_for (has_logs, request, DEADLINE_MS));
  g_assert_true (fal_request_get_streaming (request));

  tcp_relay_freeze (relay);
  gone_at = g_get_monotonic_time ();
  assert_lost_soon (request, gone_at);

  accepted = tcp_relay_get_n_accepted (relay);
  fal_test_wait_ms (4000);
  g_test_message ("%u connection attempts in 4 s while lost", tcp_relay_get_n_accepted (relay) - accepted);
  g_assert_cmpuint (tcp_relay_get_n_accepted (relay) - accepted, >=, 1);
  g_assert_cmpuint (tcp_relay_get_n_accepted (relay) - accepted, <=, 8);
  g_assert_true (fal_request_get_connection_lost (request));

  tcp_relay_thaw (relay);
  back_at = g_get_monotonic_time ();
  assert_back_and_done (fx, request, "fal-ai/minimax", back_at);
}

/* Away for over 30 s (longer than any retry budget of the one-shot
 * calls): the request never gives up, and finds the run done when fal
 * is back. */
static void
test_away_long (void)
{
  g_autoptr(Fx) fx = fx_new (1, 2);
  g_autoptr(TcpRelay) relay = tcp_relay_new (fx->url);
  g_autoptr(FalClient) client = client_for (tcp_relay_get_url (relay));
  g_autoptr(FalRequest) request = submit_through (client, "fal-ai/minimax/video-01", "{\"prompt\":\"a boat\"}");
  gint64 gone_at, back_at;

  g_assert_true (wait_for (has_logs, request, DEADLINE_MS));
  tcp_relay_close (relay);
  gone_at = g_get_monotonic_time ();
  assert_lost_soon (request, gone_at);

  fal_test_wait_ms (32000);
  g_assert_true (fal_request_get_connection_lost (request));
  g_assert_false (fal_request_is_done (request));
  g_assert_cmpint (contact_get (request)->n_changes, ==, 1);

  tcp_relay_reopen (relay);
  back_at = g_get_monotonic_time ();
  assert_back_and_done (fx, request, "fal-ai/minimax", back_at);
}

static gboolean
is_done (gpointer data)
{
  return fal_request_is_done (data);
}

/* The local server itself restarted on the same port: it lost its jobs
 * and answers 404 for the id. The request ends with a clear error. */
static void
test_server_restarted (void)
{
  g_autoptr(Fx) fx = fx_new (1, 2);
  g_autoptr(FalRequest) request = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autofree char *described = NULL;
  FalLocalServer *server = fx->ts->server;
  guint port = fal_local_server_get_port (server);
  gint64 gone_at;

  fal_client_set_poll_interval (fx->client, 200);
  request = submit_through (fx->client, "fal-ai/minimax/video-01", "{\"prompt\":\"a boat\"}");
  g_assert_true (wait_for (has_logs, request, DEADLINE_MS));

  g_object_get (server, "data-dir", &data_dir, NULL);
  fal_local_server_stop (server);
  g_object_unref (server);
  gone_at = g_get_monotonic_time ();
  assert_lost_soon (request, gone_at);

  fx->ts->server = g_object_new (FAL_LOCAL_TYPE_SERVER, "port", port, "speed", 1.0, "data-dir", data_dir, NULL);
  fal_local_server_start (fx->ts->server, &error);
  g_assert_no_error (error);

  g_assert_true (wait_for (is_done, request, 10000));
  g_assert_error ((GError *) fal_request_get_error (request), FAL_ERROR, FAL_ERROR_NOT_FOUND);
  g_assert_false (fal_request_get_connection_lost (request));
  described = fal_error_describe (fal_request_get_error (request));
  g_test_message ("%s", described);
  g_assert_nonnull (strstr (described, "the server restarted"));
  g_assert_nonnull (strstr (described, fal_request_get_request_id (request)));
}

int
main (int   argc,
      char *argv[])
{
  const char *env[] = { "FAL_KEY", "FAL_KEY_ID", "FAL_KEY_SECRET", "FALSTAFF_QUEUE_URL",
                        "FALSTAFF_RUN_URL", "FALSTAFF_REST_URL", "FALSTAFF_WEB_URL",
                        "FALSTAFF_PROXY_URL", "FALSTAFF_LOCAL_URL" };

  for (guint i = 0; i < G_N_ELEMENTS (env); i++)
    g_unsetenv (env[i]);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/fal/connection/refused", test_refused);
  g_test_add_func ("/fal/connection/frozen", test_frozen);
  g_test_add_func ("/fal/connection/away-over-30-s", test_away_long);
  g_test_add_func ("/fal/connection/server-restarted", test_server_restarted);

  return g_test_run ();
}
