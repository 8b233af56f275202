/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-endpoint-id.h"
#include "fal-error.h"
#include "fal-i18n-private.h"

/* Ids in error messages are shortened to this many characters. */
#define DISPLAY_MAX_CHARS 80

/* Immutable once parsed, so copies share one reference-counted box. */
struct _FalEndpointId {
  char *full;
  char *app;
  char *namespace_;
  char *owner;
  char *alias;
  char *path;
};

G_DEFINE_BOXED_TYPE (FalEndpointId, fal_endpoint_id, fal_endpoint_id_copy, fal_endpoint_id_free)

static void
endpoint_id_clear (gpointer data)
{
  FalEndpointId *id = data;

  g_free (id->full);
  g_free (id->app);
  g_free (id->namespace_);
  g_free (id->owner);
  g_free (id->alias);
  g_free (id->path);
}

FalEndpointId *
fal_endpoint_id_copy (const FalEndpointId *id)
{
  g_return_val_if_fail (id != NULL, NULL);

  return g_atomic_rc_box_acquire ((FalEndpointId *) id);
}

void
fal_endpoint_id_free (FalEndpointId *id)
{
  g_return_if_fail (id != NULL);

  g_atomic_rc_box_release_full (id, endpoint_id_clear);
}

const char *
fal_endpoint_id_get_full (const FalEndpointId *id)
{
  g_return_val_if_fail (id != NULL, NULL);
  return id->full;
}

const char *
fal_endpoint_id_get_app (const FalEndpointId *id)
{
  g_return_val_if_fail (id != NULL, NULL);
  return id->app;
}

const char *
fal_endpoint_id_get_namespace (const FalEndpointId *id)
{
  g_return_val_if_fail (id != NULL, NULL);
  return id->namespace_;
}

const char *
fal_endpoint_id_get_owner (const FalEndpointId *id)
{
  g_return_val_if_fail (id != NULL, NULL);
  return id->owner;
}

const char *
fal_endpoint_id_get_alias (const FalEndpointId *id)
{
  g_return_val_if_fail (id != NULL, NULL);
  return id->alias;
}

const char *
fal_endpoint_id_get_path (const FalEndpointId *id)
{
  g_return_val_if_fail (id != NULL, NULL);
  return id->path;
}

/* The id as it can safely appear inside a one-line message: valid
 * UTF-8, control characters escaped, long input cut short. */
static char *
display_id (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  GString *out = g_string_new (NULL);
  glong n = 0;

  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p), n++)
    {
      gunichar c = g_utf8_get_char (p);

      if (n == DISPLAY_MAX_CHARS)
        {
          g_string_append (out, "…");
          break;
        }
      if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02X", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

static gboolean G_GNUC_PRINTF (3, 4)
fail (GError    **error,
      const char *text,
      const char *format,
      ...)
{
  g_autofree char *shown = display_id (text);
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  g_set_error (error, FAL_ERROR, FAL_ERROR_INVALID_ENDPOINT,
               _("Invalid endpoint id “%s”: %s"), shown, reason);
  return FALSE;
}

/* The characters a fal id segment may hold: RFC 3986 "unreserved", so a
 * segment goes into a URL path as-is and means the same there. */
static gboolean
is_segment_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* Checks everything that does not depend on the '/' structure; names
 * the first offending character. */
static gboolean
check_characters (const char  *text,
                  GError     **error)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      guchar c = *p;

      if (c == '/' || is_segment_char (c))
        continue;
      if (g_ascii_isspace (c))
        return fail (error, text, "it contains whitespace");
      if (c < 0x20 || c == 0x7f)
        return fail (error, text, "it contains a control character");
      if (c >= 0x80)
        return fail (error, text, "it contains a non-ASCII character");
      return fail (error, text, "“%c” is not allowed (use letters, digits, “-”, “_”, “.” and “~”)", c);
    }
  return TRUE;
}

/* ^([0-9]+)-([a-zA-Z0-9-]+)$, the clients' legacy "12345-alias" form. */
static gboolean
parse_legacy (const char  *text,
              char       **owner,
              char       **alias)
{
  const char *p = text;
  const char *dash;

  while (g_ascii_isdigit (*p))
    p++;
  if (p == text || *p != '-')
    return FALSE;
  dash = p++;
  if (*p == '\0')
    return FALSE;
  for (; *p != '\0'; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;

  *owner = g_strndup (text, dash - text);
  *alias = g_strdup (dash + 1);
  return TRUE;
}

static FalEndpointId *
endpoint_id_new (void)
{
  return g_atomic_rc_box_new0 (FalEndpointId);
}

FalEndpointId *
fal_endpoint_id_parse (const char  *text,
                       GError     **error)
{
  g_auto(GStrv) segments = NULL;
  FalEndpointId *id;
  guint n_segments;
  guint first;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*text == '\0')
    {
      g_set_error_literal (error, FAL_ERROR, FAL_ERROR_INVALID_ENDPOINT,
                           _("The endpoint id is empty; expected one like “fal-ai/flux/dev”"));
      return NULL;
    }

  /* Checked before the characters so the message says what it is. */
  if (strstr (text, "://") != NULL)
    {
      fail (error, text, "use an id like “fal-ai/flux/dev”, not a URL");
      return NULL;
    }

  if (!check_characters (text, error))
    return NULL;

  if (strchr (text, '/') == NULL)
    {
      g_autofree char *owner = NULL;
      g_autofree char *alias = NULL;

      if (!parse_legacy (text, &owner, &alias))
        {
          fail (error, text, "expected “owner/alias”, like “fal-ai/flux/dev”");
          return NULL;
        }

      id = endpoint_id_new ();
      id->full = g_strdup_printf ("%s/%s", owner, alias);
      id->app = g_strdup (id->full);
      id->owner = g_steal_pointer (&owner);
      id->alias = g_steal_pointer (&alias);
      return id;
    }

  segments = g_strsplit (text, "/", -1);
  n_segments = g_strv_length (segments);

  for (guint i = 0; i < n_segments; i++)
    {
      if (*segments[i] == '\0')
        {
          if (i == 0)
            fail (error, text, "it starts with “/”");
          else if (i == n_segments - 1)
            fail (error, text, "it ends with “/”");
          else
            fail (error, text, "it contains an empty part (“//”)");
          return NULL;
        }
      /* Dot segments would be collapsed by URL normalisation and so
       * name a different path than the one written. */
      if (g_str_equal (segments[i], ".") || g_str_equal (segments[i], ".."))
        {
          fail (error, text, "“%s” is not allowed as a part", segments[i]);
          return NULL;
        }
    }

  /* The only two namespaces the official clients know. */
  first = 0;
  if (g_str_equal (segments[0], "workflows") || g_str_equal (segments[0], "comfy"))
    {
      if (n_segments < 3)
        {
          fail (error, text, "expected “%s/owner/alias”", segments[0]);
          return NULL;
        }
      first = 1;
    }

  id = endpoint_id_new ();
  id->full = g_strdup (text);
  if (first == 1)
    id->namespace_ = g_strdup (segments[0]);
  id->owner = g_strdup (segments[first]);
  id->alias = g_strdup (segments[first + 1]);
  if (n_segments > first + 2)
    id->path = g_strjoinv ("/", segments + first + 2);
  if (id->namespace_ != NULL)
    id->app = g_strdup_printf ("%s/%s/%s", id->namespace_, id->owner, id->alias);
  else
    id->app = g_strdup_printf ("%s/%s", id->owner, id->alias);
  return id;
}
