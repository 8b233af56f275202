/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "fal-body-reader.h"
#include "fal-client-private.h"
#include "fal-error.h"
#include "fal-json.h"
#include "fal-schema-cache.h"
#include "fal-i18n-private.h"

#define SCHEMA_PATH "api/openapi/queue/openapi.json?endpoint_id="
/* Longer stems are hashed: file names stop at 255 bytes. */
#define MAX_STEM 200

typedef struct {
  FalClient *client;
  char *endpoint_id;           /* normalised */
  GFile *document_file;
  GFile *etag_file;
  GBytes *cached_bytes;
  JsonNode *cached;            /* the cached document, or NULL */
  char *cached_etag;           /* only with cached, and only when it matches */
  SoupMessage *msg;
  JsonNode *fetched;
  GBytes *fetched_bytes;
  GBytes *etag_bytes;          /* what to write beside the new document */
} Fetch;

typedef struct {
  JsonNode *document;
  FalSchemaSource source;
} FetchResult;

static void
fetch_free (gpointer data)
{
  Fetch *fetch = data;

  g_clear_object (&fetch->client);
  g_free (fetch->endpoint_id);
  g_clear_object (&fetch->document_file);
  g_clear_object (&fetch->etag_file);
  g_clear_pointer (&fetch->cached_bytes, g_bytes_unref);
  g_clear_pointer (&fetch->cached, json_node_unref);
  g_free (fetch->cached_etag);
  g_clear_object (&fetch->msg);
  g_clear_pointer (&fetch->fetched, json_node_unref);
  g_clear_pointer (&fetch->fetched_bytes, g_bytes_unref);
  g_clear_pointer (&fetch->etag_bytes, g_bytes_unref);
  g_free (fetch);
}

static void
fetch_result_free (gpointer data)
{
  FetchResult *result = data;

  g_clear_pointer (&result->document, json_node_unref);
  g_free (result);
}

static void
return_document (GTask           *task,
                 JsonNode        *document,
                 FalSchemaSource  source)
{
  FetchResult *result = g_new0 (FetchResult, 1);

  result->document = json_node_ref (document);
  result->source = source;
  g_task_return_pointer (task, result, fetch_result_free);
}

static gboolean
return_if_cancelled (GTask *task)
{
  if (!g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return FALSE;
  g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_CANCELLED, _("Cancelled"));
  return TRUE;
}

char *
fal_schema_cache_get_default_dir (void)
{
  return g_build_filename (g_get_user_cache_dir (), "falstaff", "schemas", NULL);
}

char *
fal_schema_cache_file_stem (const char *endpoint_id)
{
  GString *stem;

  g_return_val_if_fail (endpoint_id != NULL, NULL);

  stem = g_string_new (NULL);
  for (const char *p = endpoint_id; *p; p++)
    {
      if (g_ascii_isalnum (*p) || *p == '-')
        g_string_append_c (stem, *p);
      else
        g_string_append_printf (stem, "_%02X", (guchar) *p);
    }
  if (stem->len > MAX_STEM)
    {
      g_autofree char *hash = g_compute_checksum_for_string (G_CHECKSUM_SHA256, endpoint_id, -1);

      g_string_truncate (stem, MAX_STEM - 65);
      g_string_append_printf (stem, "-%s", hash);
    }
  return g_string_free (stem, FALSE);
}

/* ------------------------------------------------------------------ writing */

/* Failures reading or writing the cache never fail the fetch: they are
 * only logged (debug). */

static void
etag_written_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GTask) task = data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    g_debug ("Could not cache the ETag of %s: %s", fetch->endpoint_id, error->message);
  return_document (task, fetch->fetched, FAL_SCHEMA_SOURCE_FETCHED);
}

static void
document_written_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  g_autoptr(GTask) task = data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      g_debug ("Could not cache the schema of %s: %s", fetch->endpoint_id, error->message);
      return_document (task, fetch->fetched, FAL_SCHEMA_SOURCE_FETCHED);
      return;
    }
  /* Written second, so an old ETag never vouches for a new document for
   * long: its checksum would not match anyway. */
  g_file_replace_contents_bytes_async (fetch->etag_file, fetch->etag_bytes, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                       etag_written_cb, g_object_ref (task));
}

static void
store (GTask      *task,
       const char *etag)
{
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GFile) dir = g_file_get_parent (fetch->document_file);
  g_autofree char *dir_path = g_file_get_path (dir);
  g_autofree char *checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, fetch->fetched_bytes);
  char *etag_text;

  /* A local directory: creating it does not block for long. */
  if (g_mkdir_with_parents (dir_path, 0700) != 0)
    {
      g_debug ("Could not create %s: %s", dir_path, g_strerror (errno));
      return_document (task, fetch->fetched, FAL_SCHEMA_SOURCE_FETCHED);
      return;
    }
  etag_text = g_strdup_printf ("%s\n%s\n", etag ? etag : "", checksum);
  fetch->etag_bytes = g_bytes_new_take (etag_text, strlen (etag_text));
  g_file_replace_contents_bytes_async (fetch->document_file, fetch->fetched_bytes, NULL, FALSE,
                                       G_FILE_CREATE_REPLACE_DESTINATION, NULL,
                                       document_written_cb, g_object_ref (task));
}

/* ------------------------------------------------------------------ fetching */

static void
fetched_parsed_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GTask) task = data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  fetch->fetched = fal_json_parse_finish (result, &error);
  if (fetch->fetched == NULL)
    {
      if (!return_if_cancelled (task))
        g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_PROTOCOL, _("The schema of %s: %s"),
                                 fetch->endpoint_id, error->message);
      return;
    }
  if (!JSON_NODE_HOLDS_OBJECT (fetch->fetched))
    {
      g_task_return_new_error (task, FAL_ERROR, FAL_ERROR_PROTOCOL,
                               _("The schema of %s is not a JSON object"), fetch->endpoint_id);
      return;
    }
  store (task, soup_message_headers_get_one (soup_message_get_response_headers (fetch->msg), "ETag"));
}

/* fal.ai out of reach: the cached copy, when there is one, is the
 * answer; any other error is said. */
static void
fail_or_use_cache (GTask  *task,
                   GError *error)
{
  Fetch *fetch = g_task_get_task_data (task);

  if (fetch->cached && (g_error_matches (error, FAL_ERROR, FAL_ERROR_NETWORK) ||
                        g_error_matches (error, FAL_ERROR, FAL_ERROR_TIMEOUT)))
    {
      g_debug ("Using the cached schema of %s: %s", fetch->endpoint_id, error->message);
      g_error_free (error);
      return_document (task, fetch->cached, FAL_SCHEMA_SOURCE_CACHED_OFFLINE);
      return;
    }
  g_task_return_error (task, error);
}

static void
body_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) read_error = NULL;
  g_autoptr(GBytes) bytes = _fal_body_read_finish (result, &read_error);
  g_autoptr(GError) error = NULL;
  guint status;

  /* Too large or too slow: said as such, not as a network failure. */
  if (bytes == NULL)
    error = g_steal_pointer (&read_error);
  else
    {
      status = soup_message_get_status (fetch->msg);
      if (status == SOUP_STATUS_NOT_MODIFIED && fetch->cached)
        {
          return_document (task, fetch->cached, FAL_SCHEMA_SOURCE_REVALIDATED);
          return;
        }
      if (SOUP_STATUS_IS_SUCCESSFUL (status))
        {
          fetch->fetched_bytes = g_bytes_ref (bytes);
          fal_json_parse_async (bytes, g_task_get_cancellable (task), fetched_parsed_cb, g_object_ref (task));
          return;
        }
      if (status == SOUP_STATUS_NOT_MODIFIED)
        error = g_error_new (FAL_ERROR, FAL_ERROR_PROTOCOL, _("fal.ai answered 304 Not Modified to an unconditional request"));
      else
        error = _fal_client_error_from_answer (fetch->client, fetch->msg, bytes);
    }

  fail_or_use_cache (task, g_steal_pointer (&error));
}

/* The head is in: the body is read within the client's caps, as any
 * answer from fal is. */
static void
sent_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  GTask *task = data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) transport_error = NULL;
  g_autoptr(GInputStream) in = soup_session_send_finish (SOUP_SESSION (source), result, &transport_error);

  if (in == NULL)
    {
      fail_or_use_cache (task, fal_error_new_from_transport (transport_error));
      g_object_unref (task);
      return;
    }
  _fal_body_read_async (fetch->msg, in, _fal_client_get_max_json_size (fetch->client), "max-json-size",
                        _fal_client_get_body_timeout (fetch->client), g_task_get_cancellable (task),
                        body_read_cb, task);
}

static void
send (GTask *task)
{
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *escaped = g_uri_escape_string (fetch->endpoint_id, "/", FALSE);
  g_autofree char *path = g_strconcat (SCHEMA_PATH, escaped, NULL);
  g_autofree char *url = _fal_client_build_url (fetch->client, FAL_HOST_WEB, path);

  if (return_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }
  /* The web base: the message carries no key (through the proxy when
   * one is set). */
  fetch->msg = _fal_client_new_message (fetch->client, "GET", url, &error);
  if (fetch->msg == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  if (fetch->cached_etag)
    soup_message_headers_replace (soup_message_get_request_headers (fetch->msg), "If-None-Match", fetch->cached_etag);
  soup_session_send_async (_fal_client_get_session (fetch->client, FALSE), fetch->msg,
                           G_PRIORITY_DEFAULT, g_task_get_cancellable (task), sent_cb, task);
}

/* ------------------------------------------------------------------ reading */

static void
etag_loaded_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  GTask *task = data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, NULL))
    {
      g_autofree char *checksum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, fetch->cached_bytes);
      g_auto(GStrv) lines = g_strsplit (contents, "\n", 3);

      gboolean matches = g_strv_length (lines) >= 2 && g_str_equal (lines[1], checksum);

      /* The ETag vouches only for the document it was written with. */
      if (matches && *lines[0])
        fetch->cached_etag = g_strdup (lines[0]);
      /* A document the catalog inlined a moment ago needs no request. */
      if (matches && lines[2] &&
          g_ascii_strtoll (lines[2], NULL, 10) > g_get_real_time () / G_USEC_PER_SEC)
        {
          return_document (task, fetch->cached, FAL_SCHEMA_SOURCE_CACHED_FRESH);
          g_object_unref (task);
          return;
        }
    }
  send (task);
}

static void
document_loaded_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  GTask *task = data;
  Fetch *fetch = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  if (g_file_load_contents_finish (G_FILE (source), result, &contents, &length, NULL, &error))
    {
      g_autoptr(JsonNode) document = NULL;

      fetch->cached_bytes = g_bytes_new_take (contents, length);
      document = fal_json_parse (contents, length, &error);
      if (document && JSON_NODE_HOLDS_OBJECT (document))
        fetch->cached = g_steal_pointer (&document);
      else
        g_debug ("Ignoring the broken cached schema of %s", fetch->endpoint_id);
    }
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
           !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("Could not read the cached schema of %s: %s", fetch->endpoint_id, error->message);

  if (fetch->cached)
    g_file_load_contents_async (fetch->etag_file, g_task_get_cancellable (task), etag_loaded_cb, task);
  else
    send (task);
}

void
fal_client_fetch_schema_full_async (FalClient           *client,
                                    const char          *endpoint_id,
                                    const char          *cache_dir,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;
  Fetch *fetch;
  g_autoptr(FalEndpointId) id = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *default_dir = NULL;
  g_autofree char *stem = NULL;
  g_autofree char *document_name = NULL;
  g_autofree char *etag_name = NULL;

  g_return_if_fail (FAL_IS_CLIENT (client));
  g_return_if_fail (endpoint_id != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (client, cancellable, callback, user_data);
  g_task_set_source_tag (task, fal_client_fetch_schema_full_async);
  /* Cancellation comes back as FAL_ERROR_CANCELLED, like every libfal call. */
  g_task_set_check_cancellable (task, FALSE);

  id = fal_endpoint_id_parse (endpoint_id, &error);
  if (id == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  fetch = g_new0 (Fetch, 1);
  fetch->client = g_object_ref (client);
  fetch->endpoint_id = g_strdup (fal_endpoint_id_get_full (id));
  if (cache_dir == NULL)
    cache_dir = default_dir = fal_schema_cache_get_default_dir ();
  stem = fal_schema_cache_file_stem (fetch->endpoint_id);
  document_name = g_strconcat (stem, ".json", NULL);
  etag_name = g_strconcat (stem, ".etag", NULL);
  {
    g_autofree char *document_path = g_build_filename (cache_dir, document_name, NULL);
    g_autofree char *etag_path = g_build_filename (cache_dir, etag_name, NULL);

    fetch->document_file = g_file_new_for_path (document_path);
    fetch->etag_file = g_file_new_for_path (etag_path);
  }
  g_task_set_task_data (task, fetch, fetch_free);

  g_file_load_contents_async (fetch->document_file, cancellable, document_loaded_cb, task);
}

gboolean
fal_schema_cache_store (const char  *cache_dir,
                        const char  *endpoint_id,
                        JsonNode    *document,
                        guint        fresh_seconds,
                        GError     **error)
{
  g_autoptr(FalEndpointId) id = NULL;
  g_autofree char *default_dir = NULL;
  g_autofree char *stem = NULL;
  g_autofree char *document_path = NULL;
  g_autofree char *etag_path = NULL;
  g_autofree char *text = NULL;
  g_autofree char *checksum = NULL;
  g_autofree char *etag_text = NULL;

  g_return_val_if_fail (endpoint_id != NULL, FALSE);
  g_return_val_if_fail (document != NULL && JSON_NODE_HOLDS_OBJECT (document), FALSE);

  if (!(id = fal_endpoint_id_parse (endpoint_id, error)))
    return FALSE;
  if (cache_dir == NULL)
    cache_dir = default_dir = fal_schema_cache_get_default_dir ();
  if (g_mkdir_with_parents (cache_dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Could not create %s: %s"),
                   cache_dir, g_strerror (saved));
      return FALSE;
    }
  stem = fal_schema_cache_file_stem (fal_endpoint_id_get_full (id));
  document_path = g_strconcat (cache_dir, G_DIR_SEPARATOR_S, stem, ".json", NULL);
  etag_path = g_strconcat (cache_dir, G_DIR_SEPARATOR_S, stem, ".etag", NULL);
  text = fal_json_to_string (document, FALSE);
  checksum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
  /* No ETag: once stale, the next fetch asks for the whole document. */
  etag_text = g_strdup_printf ("\n%s\n%" G_GINT64_FORMAT "\n", checksum,
                               g_get_real_time () / G_USEC_PER_SEC + fresh_seconds);
  return g_file_set_contents (document_path, text, -1, error) &&
         g_file_set_contents (etag_path, etag_text, -1, error);
}

void
fal_client_fetch_schema_async (FalClient           *client,
                               const char          *endpoint_id,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  fal_client_fetch_schema_full_async (client, endpoint_id, NULL, cancellable, callback, user_data);
}

JsonNode *
fal_client_fetch_schema_finish (FalClient        *client,
                                GAsyncResult     *result,
                                FalSchemaSource  *source,
                                GError          **error)
{
  FetchResult *fetch_result;
  JsonNode *document;

  g_return_val_if_fail (FAL_IS_CLIENT (client), NULL);
  g_return_val_if_fail (g_task_is_valid (result, client), NULL);
  g_return_val_if_fail (g_async_result_is_tagged (result, fal_client_fetch_schema_full_async), NULL);

  fetch_result = g_task_propagate_pointer (G_TASK (result), error);
  if (fetch_result == NULL)
    return NULL;
  if (source)
    *source = fetch_result->source;
  document = g_steal_pointer (&fetch_result->document);
  fetch_result_free (fetch_result);
  return document;
}
