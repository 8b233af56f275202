/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include <string.h>

#include "fal-file-name.h"

#define MAX_NAME_BYTES 200

static const struct {
  const char *type;
  const char *extension;
} extensions[] = {
  { "image/png", ".png" },
  { "image/jpeg", ".jpg" },
  { "image/jpg", ".jpg" },
  { "image/webp", ".webp" },
  { "image/gif", ".gif" },
  { "audio/wav", ".wav" },
  { "audio/x-wav", ".wav" },
  { "audio/wave", ".wav" },
  { "audio/mpeg", ".mp3" },
  { "audio/ogg", ".ogg" },
  { "audio/flac", ".flac" },
  { "video/mp4", ".mp4" },
  { "video/webm", ".webm" },
  { "video/x-msvideo", ".avi" },
  { "video/quicktime", ".mov" },
  { "model/gltf-binary", ".glb" },
  { "text/plain", ".txt" },
  { "application/json", ".json" },
};

static gboolean
is_refused (gunichar c)
{
  return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
         /* (char) 0x12F would be '/': only ASCII is looked up. */
         (c < 0x80 && strchr ("/\\<>:\"|?*", (int) c) != NULL) ||
         c == 0x2028 || c == 0x2029 || c == 0xfeff;
}

const char *
fal_file_name_extension_for_type (const char *content_type)
{
  g_autofree char *base = NULL;

  if (content_type == NULL)
    return NULL;
  /* "image/png; charset=…" */
  base = g_ascii_strdown (content_type, strcspn (content_type, ";"));
  g_strstrip (base);
  for (guint i = 0; i < G_N_ELEMENTS (extensions); i++)
    if (strcmp (base, extensions[i].type) == 0)
      return extensions[i].extension;
  return NULL;
}

char *
fal_file_name_sanitize (const char *name,
                        const char *fallback)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *dot;

  g_return_val_if_fail (fallback != NULL, NULL);

  if (name == NULL)
    return g_strdup (fallback);
  valid = g_utf8_make_valid (name, -1);
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_refused (c))
        {
          /* Separators become '_'; invisible characters go. */
          if (c == '/' || c == '\\' || c == ':' || c == '|')
            g_string_append_c (out, '_');
          continue;
        }
      g_string_append_unichar (out, c);
    }
  /* No hidden files and nothing a shell or file manager trims. */
  while (out->len > 0 && (out->str[0] == '.' || out->str[0] == ' ' || out->str[0] == '-'))
    g_string_erase (out, 0, 1);
  while (out->len > 0 && (out->str[out->len - 1] == '.' || out->str[out->len - 1] == ' '))
    g_string_truncate (out, out->len - 1);

  if (out->len > MAX_NAME_BYTES)
    {
      g_autofree char *extension = NULL;
      gsize keep;
      const char *end;

      dot = strrchr (out->str, '.');
      if (dot && strlen (dot) <= 16)
        extension = g_strdup (dot);
      keep = MAX_NAME_BYTES - (extension ? strlen (extension) : 0);
      /* Cut on a character boundary. */
      end = out->str + keep;
      while (end > out->str && (*end & 0xc0) == 0x80)
        end--;
      g_string_truncate (out, end - out->str);
      if (extension)
        g_string_append (out, extension);
    }
  if (out->len == 0 || strspn (out->str, "_") == out->len)
    return g_strdup (fallback);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

char *
fal_file_name_from_url (const char *url,
                        const char *content_type)
{
  const char *extension = fal_file_name_extension_for_type (content_type);
  g_autofree char *segment = NULL;
  g_autofree char *fallback = g_strconcat ("output", extension ? extension : "", NULL);
  g_autofree char *name = NULL;

  if (url != NULL && !g_str_has_prefix (url, "data:"))
    {
      g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_PATH, NULL);
      const char *path = uri ? g_uri_get_path (uri) : NULL;
      const char *slash = path ? strrchr (path, '/') : NULL;
      const char *last = slash ? slash + 1 : path;

      if (last && *last)
        segment = g_uri_unescape_string (last, NULL);
    }
  name = fal_file_name_sanitize (segment, fallback);
  if (extension && strchr (name, '.') == NULL)
    {
      char *with = g_strconcat (name, extension, NULL);

      g_free (name);
      name = with;
    }
  return g_steal_pointer (&name);
}
