/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "client-fixture.h"

Fx *
fx_new (double speed,
        guint  runners)
{
  Fx *fx = g_new0 (Fx, 1);

  /* 15 s: the server's own keep-alive interval. */
  fx->ts = fal_test_server_new (speed, runners, 15000);
  fx->url = fx->ts->url;

  fx->client = fal_client_new ();
  fal_client_use_local_server (fx->client, fx->url);
  fal_client_set_key (fx->client, FAL_LOCAL_DEFAULT_KEY, FAL_KEY_SOURCE_PROPERTY);
  /* Fallback polls come quickly, so a test sees streaming come back. */
  fal_client_set_poll_interval (fx->client, 50);
  return fx;
}

void
fx_free (Fx *fx)
{
  gint64 until = g_get_monotonic_time () + 200 * 1000;

  g_clear_object (&fx->client);
  /* Let cancelled calls run their callbacks before the server goes. */
  while (g_get_monotonic_time () < until)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (5000);
  g_clear_pointer (&fx->ts, fal_test_server_free);
  g_free (fx);
}

JsonNode *
fx_http (Fx         *fx,
         const char *method,
         const char *path,
         const char *body,
         guint      *status)
{
  g_autoptr(SoupMessage) msg = fal_test_message (fx->ts, method, path, body);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  gsize length = 0;
  const char *data;

  bytes = soup_session_send_and_read (fx->ts->session, msg, NULL, &error);
  g_assert_no_error (error);
  if (status)
    *status = soup_message_get_status (msg);
  data = g_bytes_get_data (bytes, &length);
  if (length == 0)
    return NULL;
  return fal_test_parse_json (data, length);
}

guint
count_requests (JsonArray  *log,
                const char *method,
                const char *path_regex,
                const char *request_id)
{
  g_autoptr(GRegex) regex = g_regex_new (path_regex, 0, 0, NULL);
  guint n = 0;

  g_assert_nonnull (regex);
  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);
      const char *path = json_object_get_string_member (entry, "path");

      if (g_strcmp0 (json_object_get_string_member (entry, "method"), method) == 0 &&
          g_regex_match (regex, path, 0, NULL) &&
          (request_id == NULL || strstr (path, request_id) != NULL))
        n++;
    }
  return n;
}

gint64
find_request (JsonArray  *log,
              const char *method,
              const char *path_regex,
              gboolean    last)
{
  g_autoptr(GRegex) regex = g_regex_new (path_regex, 0, 0, NULL);
  gint64 found = -1;

  for (guint i = 0; i < json_array_get_length (log); i++)
    {
      JsonObject *entry = json_array_get_object_element (log, i);

      if (g_strcmp0 (json_object_get_string_member (entry, "method"), method) == 0 &&
          g_regex_match (regex, json_object_get_string_member (entry, "path"), 0, NULL))
        {
          found = json_object_get_int_member (entry, "id");
          if (!last)
            break;
        }
    }
  return found;
}

JsonNode *
input (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = json_from_string (text, &error);

  g_assert_no_error (error);
  return node;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

gboolean
wait_for (FalTestCondition condition,
          gpointer         data,
          guint            timeout_ms)
{
  /* Some conditions ask the server (another thread), which wakes nothing
   * here: the tick makes the loop look again every 10 ms. */
  guint tick = g_timeout_add (10, tick_cb, NULL);
  gboolean ok = fal_test_wait_until (condition, data, timeout_ms);

  g_source_remove (tick);
  return ok;
}

gboolean
request_done (gpointer data)
{
  return fal_request_is_done (data);
}

void
wait_done (FalRequest *request)
{
  g_assert_true (wait_for (request_done, request, DEADLINE_MS));
}
