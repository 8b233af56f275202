/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>

#include "fal-local-request-log.h"

/* Enough for any test; older entries go first. A client sending huge
 * headers must not grow the server without bound: each entry keeps at
 * most MAX_ENTRY_BYTES of headers (and of path and query), and the log
 * at most MAX_TOTAL_BYTES of them. */
#define MAX_ENTRIES 20000
#define MAX_ENTRY_BYTES (8 * 1024)
#define MAX_TOTAL_BYTES (16 * 1024 * 1024)

typedef struct {
  guint64 id;
  JsonObject *object;
  gsize size;
} Entry;

struct _FalLocalRequestLog
{
  GObject parent_instance;

  GQueue entries;
  guint64 next_id;
  gsize total_size;
};

G_DEFINE_FINAL_TYPE (FalLocalRequestLog, fal_local_request_log, G_TYPE_OBJECT)

static void
entry_free (gpointer data)
{
  Entry *entry = data;

  json_object_unref (entry->object);
  g_free (entry);
}

static void
drop_oldest (FalLocalRequestLog *self)
{
  Entry *entry = g_queue_pop_head (&self->entries);

  self->total_size -= entry->size;
  entry_free (entry);
}

/* At most max bytes of text, cut on a UTF-8 boundary. */
static char *
clip (const char *text,
      gsize       max)
{
  const char *end;

  if (strlen (text) <= max)
    return g_strdup (text);
  end = text + max;
  while (end > text && ((guchar) *end & 0xc0) == 0x80)
    end--;
  return g_strndup (text, end - text);
}

static void
fal_local_request_log_finalize (GObject *object)
{
  FalLocalRequestLog *self = (FalLocalRequestLog *)object;

  g_queue_clear_full (&self->entries, entry_free);

  G_OBJECT_CLASS (fal_local_request_log_parent_class)->finalize (object);
}

static void
fal_local_request_log_class_init (FalLocalRequestLogClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_local_request_log_finalize;
}

static void
fal_local_request_log_init (FalLocalRequestLog *self)
{
  g_queue_init (&self->entries);
  self->next_id = 1;
}

FalLocalRequestLog *
fal_local_request_log_new (void)
{
  return g_object_new (FAL_LOCAL_TYPE_REQUEST_LOG, NULL);
}

/* Temporary tokens are credentials: their values never reach the log. */
static char *
redact_tokens (const char *text)
{
  static const char name[] = "fal_jwt_token=";
  GString *out;
  const char *p;

  if (text == NULL || strstr (text, name) == NULL)
    return g_strdup (text);
  out = g_string_new (NULL);
  for (p = text; *p; )
    {
      gboolean at_start = p == text || p[-1] == '?' || p[-1] == '&';

      if (at_start && g_str_has_prefix (p, name))
        {
          g_string_append (out, name);
          g_string_append (out, "REDACTED");
          p += strlen (name);
          while (*p && *p != '&' && *p != '#')
            p++;
        }
      else
        g_string_append_c (out, *p++);
    }
  return g_string_free (out, FALSE);
}

static Entry *
find_entry (FalLocalRequestLog *self,
            guint64             id)
{
  /* Answers come soon after the question: look from the newest. */
  for (GList *l = self->entries.tail; l; l = l->prev)
    {
      Entry *entry = l->data;

      if (entry->id == id)
        return entry;
      if (entry->id < id)
        return NULL;
    }
  return NULL;
}

guint64
fal_local_request_log_begin (FalLocalRequestLog *self,
                             const char         *method,
                             const char         *path,
                             const char         *query,
                             const char         *route,
                             SoupMessageHeaders *headers)
{
  Entry *entry = g_new0 (Entry, 1);
  JsonObject *header_object = json_object_new ();
  SoupMessageHeadersIter iter;
  const char *name, *value;
  gboolean authorization = FALSE;

  gsize header_bytes = 0;
  gboolean truncated = FALSE;

  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *lower = g_ascii_strdown (name, -1);
      g_autofree char *redacted = NULL;
      g_autofree char *clipped = NULL;
      gsize room;

      if (g_str_equal (lower, "authorization"))
        {
          authorization = TRUE;
          continue;
        }
      if (g_str_equal (lower, "x-fal-target-url"))
        value = redacted = redact_tokens (value);
      if (header_bytes + strlen (name) >= MAX_ENTRY_BYTES)
        {
          truncated = TRUE;
          continue;
        }
      room = MAX_ENTRY_BYTES - header_bytes - strlen (name);
      if (strlen (value) > room)
        {
          value = clipped = clip (value, room);
          truncated = TRUE;
        }
      header_bytes += strlen (name) + strlen (value);
      json_object_set_string_member (header_object, lower, value);
    }

  entry->id = self->next_id++;
  entry->object = json_object_new ();
  json_object_set_int_member (entry->object, "id", entry->id);
  json_object_set_string_member (entry->object, "method", method);
  {
    g_autofree char *clipped_path = clip (path, MAX_ENTRY_BYTES);
    g_autofree char *redacted = redact_tokens (query ? query : "");
    g_autofree char *clipped_query = clip (redacted, MAX_ENTRY_BYTES);

    json_object_set_string_member (entry->object, "path", clipped_path);
    json_object_set_string_member (entry->object, "query", clipped_query);
    entry->size = header_bytes + strlen (clipped_path) + strlen (clipped_query);
  }
  if (truncated)
    json_object_set_boolean_member (entry->object, "headers_truncated", TRUE);
  json_object_set_string_member (entry->object, "route", route ? route : "");
  json_object_set_int_member (entry->object, "status", 0);
  json_object_set_boolean_member (entry->object, "authorization", authorization);
  json_object_set_object_member (entry->object, "headers", header_object);
  g_queue_push_tail (&self->entries, entry);
  self->total_size += entry->size;

  while (self->entries.length > MAX_ENTRIES || self->total_size > MAX_TOTAL_BYTES)
    drop_oldest (self);

  return entry->id;
}

void
fal_local_request_log_set_status (FalLocalRequestLog *self,
                                  guint64             id,
                                  guint               status)
{
  Entry *entry = find_entry (self, id);

  if (entry)
    json_object_set_int_member (entry->object, "status", status);
}

void
fal_local_request_log_set_member (FalLocalRequestLog *self,
                                  guint64             id,
                                  const char         *name,
                                  JsonNode           *value)
{
  Entry *entry = find_entry (self, id);

  if (entry)
    json_object_set_member (entry->object, name, json_node_copy (value));
}

JsonNode *
fal_local_request_log_to_json (FalLocalRequestLog *self)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (GList *l = self->entries.head; l; l = l->next)
    {
      Entry *entry = l->data;
      json_array_add_object_element (array, json_object_ref (entry->object));
    }
  json_node_take_array (node, array);
  return node;
}

void
fal_local_request_log_clear (FalLocalRequestLog *self)
{
  g_queue_clear_full (&self->entries, entry_free);
  g_queue_init (&self->entries);
  self->total_size = 0;
}
