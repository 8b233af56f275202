/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal-local"

#include "config.h"

#include <string.h>

#include "fal-local-faults.h"

typedef struct {
  char *method;          /* NULL: any */
  char *path_regex;
  GRegex *regex;
  guint remaining;
  char *spec;
} Rule;

struct _FalLocalFaults
{
  GObject parent_instance;

  GPtrArray *rules;
};

G_DEFINE_FINAL_TYPE (FalLocalFaults, fal_local_faults, G_TYPE_OBJECT)

void
fal_local_fault_free (FalLocalFault *fault)
{
  if (fault == NULL)
    return;
  g_free (fault->spec);
  g_free (fault->retry_after);
  g_free (fault->error_type);
  g_free (fault->body);
  g_free (fault->fail_error_type);
  g_free (fault);
}

static gboolean
parse_count (const char  *key,
             const char  *value,
             gint        *out,
             GError     **error)
{
  guint64 n = 0;

  if (value == NULL || !g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT, &n, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Fault \"%s\" needs a whole number, got \"%s\"", key, value ? value : "");
      return FALSE;
    }
  *out = (gint) n;
  return TRUE;
}

static gboolean
has_control_character (const char *text)
{
  for (const char *p = text; *p; p++)
    if (((guchar) *p < 0x20 && *p != '\t') || *p == 0x7f)
      return TRUE;
  return FALSE;
}

static gboolean
parse_status (const char  *key,
              const char  *value,
              guint       *out,
              GError     **error)
{
  gint n = 0;

  if (!parse_count (key, value, &n, error))
    return FALSE;
  if (n < 100 || n > 599)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "Fault \"%s\" needs an HTTP status code, got %d", key, n);
      return FALSE;
    }
  *out = n;
  return TRUE;
}

FalLocalFault *
fal_local_fault_parse (const char  *spec,
                       GError     **error)
{
  g_autoptr(FalLocalFault) fault = g_new0 (FalLocalFault, 1);
  g_auto(GStrv) items = g_strsplit (spec, ";", -1);
  gint n;

  fault->spec = g_strstrip (g_strdup (spec));
  fault->drop_bytes = -1;
  fault->truncate_bytes = -1;
  fault->drop_after_events = -1;
  fault->end_after_events = -1;
  fault->error_event_after = -1;

  for (guint i = 0; items[i]; i++)
    {
      g_autofree char *item = g_strstrip (g_strdup (items[i]));
      char *value = strchr (item, '=');
      const char *key = item;

      if (*item == '\0')
        continue;
      if (value)
        {
          *value++ = '\0';
          g_strstrip (value);
          g_strstrip (item);
        }

      /* A value goes into headers and bodies as it is: a CR or LF would
       * split a header (libsoup refuses it with a critical). */
      if (value && has_control_character (value))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Fault \"%s\" has a control character in its value", key);
          return NULL;
        }
      if (g_str_equal (key, "status"))
        {
          if (!parse_status (key, value, &fault->status, error))
            return NULL;
          /* The answer is a final status with a body: 1xx would be taken for
           * an interim answer (100 Continue sent for ever), 204 and 304 must
           * not carry the body the client would then wait for. */
          if (fault->status < 200 || fault->status == 204 || fault->status == 304)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Fault \"status\" needs a final status with a body (200–599, not 204 or 304), got %u",
                           fault->status);
              return NULL;
            }
        }
      else if (g_str_equal (key, "retry-after") && value)
        fault->retry_after = g_strdup (value);
      else if (g_str_equal (key, "request-id"))
        fault->with_request_id = value == NULL || g_str_equal (value, "1") || g_str_equal (value, "true");
      else if (g_str_equal (key, "timeout-type") && value)
        fault->timeout_user = g_str_equal (value, "user");
      else if (g_str_equal (key, "error-type") && value)
        fault->error_type = g_strdup (value);
      else if (g_str_equal (key, "body") && value)
        fault->body = g_strdup (value);
      else if (g_str_equal (key, "stall"))
        {
          fault->stall = TRUE;
          if (value && !parse_count (key, value, &n, error))
            return NULL;
          fault->stall_ms = value ? n : 0;
        }
      else if (g_str_equal (key, "drop"))
        {
          if (!parse_count (key, value ? value : "0", &fault->drop_bytes, error))
            return NULL;
        }
      else if (g_str_equal (key, "truncate"))
        {
          if (!parse_count (key, value, &fault->truncate_bytes, error))
            return NULL;
        }
      else if (g_str_equal (key, "drop-after-events"))
        {
          if (!parse_count (key, value, &fault->drop_after_events, error))
            return NULL;
        }
      else if (g_str_equal (key, "end-after-events"))
        {
          if (!parse_count (key, value, &fault->end_after_events, error))
            return NULL;
        }
      else if (g_str_equal (key, "error-event"))
        {
          if (!parse_count (key, value ? value : "0", &fault->error_event_after, error))
            return NULL;
        }
      else if (g_str_equal (key, "malformed"))
        fault->malformed = TRUE;
      else if (g_str_equal (key, "non-sse"))
        fault->non_sse = TRUE;
      else if (g_str_equal (key, "log-flood"))
        {
          if (!parse_count (key, value, &n, error))
            return NULL;
          /* Each line is kept by the job and sent to every log stream. */
          if (n > FAL_LOCAL_LOG_FLOOD_MAX)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Fault \"log-flood\" takes at most %u lines, got %d",
                           FAL_LOCAL_LOG_FLOOD_MAX, n);
              return NULL;
            }
          fault->log_flood = n;
        }
      else if (g_str_equal (key, "fail"))
        {
          if (!parse_status (key, value ? value : "500", &fault->fail_status, error))
            return NULL;
          if (fault->fail_status < 400)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           "Fault \"fail\" needs an error status (400–599), got %u", fault->fail_status);
              return NULL;
            }
        }
      else if (g_str_equal (key, "fail-type") && value)
        fault->fail_error_type = g_strdup (value);
      else
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "Unknown fault \"%s\"%s", key, value ? " (or it needs no value)" : " (or it needs a value)");
          return NULL;
        }
    }

  return g_steal_pointer (&fault);
}

static void
rule_free (gpointer data)
{
  Rule *rule = data;

  g_free (rule->method);
  g_free (rule->path_regex);
  g_regex_unref (rule->regex);
  g_free (rule->spec);
  g_free (rule);
}

static void
fal_local_faults_finalize (GObject *object)
{
  FalLocalFaults *self = (FalLocalFaults *)object;

  g_ptr_array_unref (self->rules);

  G_OBJECT_CLASS (fal_local_faults_parent_class)->finalize (object);
}

static void
fal_local_faults_class_init (FalLocalFaultsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fal_local_faults_finalize;
}

static void
fal_local_faults_init (FalLocalFaults *self)
{
  self->rules = g_ptr_array_new_with_free_func (rule_free);
}

FalLocalFaults *
fal_local_faults_new (void)
{
  return g_object_new (FAL_LOCAL_TYPE_FAULTS, NULL);
}

gboolean
fal_local_faults_add (FalLocalFaults  *self,
                      const char      *method,
                      const char      *path_regex,
                      guint            count,
                      const char      *spec,
                      GError         **error)
{
  g_autoptr(FalLocalFault) parsed = fal_local_fault_parse (spec, error);
  g_autoptr(GRegex) regex = NULL;
  Rule *rule;

  if (parsed == NULL)
    return FALSE;
  regex = g_regex_new (path_regex ? path_regex : "", G_REGEX_OPTIMIZE, 0, error);
  if (regex == NULL)
    return FALSE;

  rule = g_new0 (Rule, 1);
  rule->method = method && *method ? g_ascii_strup (method, -1) : NULL;
  rule->path_regex = g_strdup (path_regex ? path_regex : "");
  rule->regex = g_steal_pointer (&regex);
  rule->remaining = count ? count : 1;
  rule->spec = g_strdup (spec);
  g_ptr_array_add (self->rules, rule);
  return TRUE;
}

FalLocalFault *
fal_local_faults_take (FalLocalFaults *self,
                       const char     *method,
                       const char     *path)
{
  for (guint i = 0; i < self->rules->len; i++)
    {
      Rule *rule = g_ptr_array_index (self->rules, i);
      FalLocalFault *fault;

      if (rule->method && g_ascii_strcasecmp (rule->method, method) != 0)
        continue;
      if (!g_regex_match (rule->regex, path, 0, NULL))
        continue;

      fault = fal_local_fault_parse (rule->spec, NULL);
      if (--rule->remaining == 0)
        g_ptr_array_remove_index (self->rules, i);
      return fault;
    }
  return NULL;
}

JsonNode *
fal_local_faults_list (FalLocalFaults *self)
{
  JsonArray *array = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint i = 0; i < self->rules->len; i++)
    {
      Rule *rule = g_ptr_array_index (self->rules, i);
      JsonObject *object = json_object_new ();

      if (rule->method)
        json_object_set_string_member (object, "method", rule->method);
      json_object_set_string_member (object, "path", rule->path_regex);
      json_object_set_int_member (object, "count", rule->remaining);
      json_object_set_string_member (object, "fault", rule->spec);
      json_array_add_object_element (array, object);
    }
  json_node_take_array (node, array);
  return node;
}

void
fal_local_faults_clear (FalLocalFaults *self)
{
  g_ptr_array_set_size (self->rules, 0);
}
