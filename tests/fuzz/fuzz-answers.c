/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What fal answers, on any bytes: a JSON body through fal_json_parse (size
 * and depth limits), made into the error of a non-2xx answer, into a
 * /stream error event's error and a run's final error, described for a
 * person; and each status object of it (a body, or an array of them as a
 * status stream brings them) handled by a request, as its logs, queue
 * position and COMPLETED (with or without an error) are. */
#include "config.h"

#include "fal-client-private.h"
#include "fal-error-private.h"
#include "fal-json.h"
#include "fal-request-private.h"
#include "fuzz.h"

static const guint statuses[] = { 400, 401, 403, 404, 409, 410, 422, 429, 500, 502, 503, 504 };

static void
check_error (GError *error)
{
  g_autofree char *described = NULL;
  g_autoptr(GPtrArray) fields = NULL;

  g_assert_nonnull (error);
  described = fal_error_describe (error);
  g_assert_nonnull (described);
  fields = fal_error_field_errors_for (error, "prompt");
  (void) fal_error_get_http_status (error);
  (void) fal_error_get_request_id (error);
  (void) fal_error_get_error_type (error);
  (void) fal_error_get_retry_after (error);
  (void) fal_error_is_user_timeout (error);
  (void) fal_error_is_model_failure (error);
  g_error_free (error);
}

static FalClient *
client_once (void)
{
  static FalClient *client;

  /* No key: a COMPLETED status's result fetch fails at once, never
   * leaving this process. */
  if (client == NULL)
    {
      client = fal_client_new ();
      fal_client_use_local_server (client, "http://127.0.0.1:9");
    }
  return client;
}

static void
handle_statuses (JsonNode *node)
{
  g_autoptr(FalEndpointId) endpoint = fal_endpoint_id_parse ("fal-ai/flux/dev", NULL);
  g_autoptr(FalRequest) request = _fal_request_new (client_once (), endpoint, NULL, NULL, "fuzz-request");

  _fal_request_stop_following (request);
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      /* As a poll's answer: its lines made where it was parsed. */
      FalLogBatch *batch = _fal_log_batch_new (0);

      _fal_log_batch_make (node, batch);
      _fal_request_handle_status (request, json_node_get_object (node), NULL, batch);
      _fal_log_batch_unref (batch);
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *events = json_node_get_array (node);
      FalStreamConn conn = { 0 };

      for (guint i = 0; i < json_array_get_length (events); i++)
        {
          JsonNode *event = json_array_get_element (events, i);

          FalLogBatch *batch = NULL;
          guint known = g_list_model_get_n_items (fal_request_get_logs (request));

          if (!JSON_NODE_HOLDS_OBJECT (event))
            continue;
          /* Every other event as a big one, parsed off the main loop. */
          if (i % 2 == 1)
            {
              batch = _fal_log_batch_new (known > conn.log_pos ? known - conn.log_pos : 0);
              _fal_log_batch_make (event, batch);
            }
          _fal_request_handle_status (request, json_node_get_object (event), &conn, batch);
          _fal_log_batch_unref (batch);
        }
    }
  (void) g_list_model_get_n_items (fal_request_get_logs (request));
  _fal_request_stop_following (request);
  g_clear_object (&request);
  /* Whatever the request started ends here: nothing carries over. */
  for (int i = 0; i < 1000 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonNode) node = NULL;
  guint status;

  if (size == 0)
    return 0;
  status = statuses[data[0] % G_N_ELEMENTS (statuses)];
  data++, size--;
  soup_message_headers_append (headers, "x-fal-request-id", "fuzz-request");
  soup_message_headers_append (headers, "x-fal-error-type", size > 0 && (data[0] & 1) ? "runner_server_error" : "");
  soup_message_headers_append (headers, "retry-after", "3");

  bytes = g_bytes_new (data, size);
  check_error (fal_error_new_from_response_bytes (status, headers, bytes));

  node = fal_json_parse ((const char *) data, size, NULL);
  if (node == NULL)
    return 0;
  check_error (fal_error_new_from_response (status, headers, node));
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *object = json_node_get_object (node);
      g_autoptr(GError) answer = fal_error_new_from_response (status, headers, node);

      check_error (_fal_error_new_from_event (object, "fuzz-request"));
      check_error (_fal_error_for_job (answer, fal_json_get_string (object, "error"),
                                       fal_json_get_string (object, "error_type")));
    }
  handle_statuses (node);
  return 0;
}
