/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <string.h>

#include "falstaff-png-metadata.h"

static const guint8 png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

/* ------------------------------------------------------------------ CRC-32 */

static guint32 crc_table[256];

static void
crc_table_init (void)
{
  static gsize ready = 0;

  if (g_once_init_enter (&ready))
    {
      for (guint32 n = 0; n < 256; n++)
        {
          guint32 c = n;

          for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
          crc_table[n] = c;
        }
      g_once_init_leave (&ready, 1);
    }
}

static guint32
crc_update (guint32       crc,
            const guint8 *data,
            gsize         len)
{
  for (gsize i = 0; i < len; i++)
    crc = crc_table[(crc ^ data[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

static guint32
get_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

static void
append_be32 (GByteArray *out,
             guint32     v)
{
  guint8 b[4] = { v >> 24, v >> 16, v >> 8, v };

  g_byte_array_append (out, b, 4);
}

static void
append_chunk (GByteArray   *out,
              const char   *type,
              const guint8 *data,
              gsize         len)
{
  guint32 crc;

  append_be32 (out, (guint32) len);
  g_byte_array_append (out, (const guint8 *) type, 4);
  if (len > 0)
    g_byte_array_append (out, data, len);
  crc = crc_update (0xffffffffu, (const guint8 *) type, 4);
  crc = crc_update (crc, data, len);
  append_be32 (out, crc ^ 0xffffffffu);
}

/* ------------------------------------------------------------------ chunks */

typedef struct {
  const guint8 *data;
  gsize len;
  gsize pos;
} Reader;

/* The next chunk, or FALSE at the end or on malformed data (error set). */
static gboolean
next_chunk (Reader        *reader,
            char           type[5],
            const guint8 **data,
            guint32       *len,
            gsize         *start,
            gboolean       check_crc,
            GError       **error)
{
  guint32 length;

  if (reader->pos + 12 > reader->len)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Truncated PNG chunk"));
      return FALSE;
    }
  length = get_be32 (reader->data + reader->pos);
  if (length > 0x7fffffffu || reader->len - reader->pos - 12 < length)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Truncated PNG chunk"));
      return FALSE;
    }
  memcpy (type, reader->data + reader->pos + 4, 4);
  type[4] = '\0';
  if (check_crc)
    {
      guint32 crc = crc_update (0xffffffffu, reader->data + reader->pos + 4, 4 + length) ^ 0xffffffffu;

      if (crc != get_be32 (reader->data + reader->pos + 8 + length))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Bad CRC in PNG chunk %s"), type);
          return FALSE;
        }
    }
  *start = reader->pos;
  *data = reader->data + reader->pos + 8;
  *len = length;
  reader->pos += 12 + length;
  return TRUE;
}

static gboolean
check_signature (GBytes  *png,
                 Reader  *reader,
                 GError **error)
{
  reader->data = g_bytes_get_data (png, &reader->len);
  reader->pos = 8;
  if (reader->len < 8 || memcmp (reader->data, png_signature, 8) != 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("Not a PNG file"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_text_chunk (const char *type)
{
  return strcmp (type, "tEXt") == 0 || strcmp (type, "iTXt") == 0 || strcmp (type, "zTXt") == 0;
}

/* The keyword of a text chunk as UTF-8 (keywords are Latin-1). */
static char *
chunk_keyword (const guint8 *data,
               guint32       len)
{
  const guint8 *nul = memchr (data, '\0', len);

  if (nul == NULL || nul == data)
    return NULL;
  return g_convert ((const char *) data, nul - data, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
}

/* A keyword: 1–79 Latin-1 printable characters, no leading, trailing or
 * double spaces (PNG 11.3.4.3). Returns it in Latin-1. */
static char *
keyword_to_latin1 (const char  *key,
                   GError     **error)
{
  g_autofree char *latin1 = g_convert (key, -1, "ISO-8859-1", "UTF-8", NULL, NULL, NULL);
  gsize len = latin1 ? strlen (latin1) : 0;

  if (latin1 == NULL || len == 0 || len > 79 || latin1[0] == ' ' || latin1[len - 1] == ' ' ||
      strstr (latin1, "  ") != NULL)
    goto invalid;
  for (gsize i = 0; i < len; i++)
    {
      guint8 c = latin1[i];

      if (c < 32 || (c > 126 && c < 161))
        goto invalid;
    }
  return g_steal_pointer (&latin1);

invalid:
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("Not a valid PNG text keyword: “%s”"), key);
  return NULL;
}

static gboolean
key_in_list (const char         *key,
             const char * const *keys_and_values)
{
  for (guint i = 0; keys_and_values[i] && keys_and_values[i + 1]; i += 2)
    if (g_strcmp0 (keys_and_values[i], key) == 0 && keys_and_values[i + 1][0] != '\0')
      return TRUE;
  return FALSE;
}

static void
append_text (GByteArray *out,
             const char *keyword_latin1,
             const char *value)
{
  gsize latin1_len = 0;
  g_autofree char *latin1 = g_convert (value, -1, "ISO-8859-1", "UTF-8", NULL, &latin1_len, NULL);
  g_autoptr(GByteArray) chunk = g_byte_array_new ();
  const guint8 zero = 0;

  g_byte_array_append (chunk, (const guint8 *) keyword_latin1, strlen (keyword_latin1) + 1);
  /* The Latin-1 text is shorter than the UTF-8 one when it has accents:
   * look for a NUL within what was converted, not strlen (value). */
  if (latin1 != NULL && memchr (latin1, '\0', latin1_len) == NULL)
    {
      g_byte_array_append (chunk, (const guint8 *) latin1, latin1_len);
      append_chunk (out, "tEXt", chunk->data, chunk->len);
      return;
    }
  /* iTXt: compression flag and method, empty language tag and
   * translated keyword, then the UTF-8 text. */
  g_byte_array_append (chunk, &zero, 1);
  g_byte_array_append (chunk, &zero, 1);
  g_byte_array_append (chunk, &zero, 1);
  g_byte_array_append (chunk, &zero, 1);
  g_byte_array_append (chunk, (const guint8 *) value, strlen (value));
  append_chunk (out, "iTXt", chunk->data, chunk->len);
}

/* ------------------------------------------------------------------ public */

gboolean
falstaff_png_is_png (GBytes *data)
{
  gsize len;
  const guint8 *bytes;

  g_return_val_if_fail (data != NULL, FALSE);
  bytes = g_bytes_get_data (data, &len);
  return len >= 8 && memcmp (bytes, png_signature, 8) == 0;
}

GBytes *
falstaff_png_add_text (GBytes              *png,
                       const char * const  *keys_and_values,
                       GError             **error)
{
  g_autoptr(GByteArray) out = NULL;
  g_autoptr(GPtrArray) keywords = g_ptr_array_new_with_free_func (g_free);
  Reader reader;
  gboolean seen_iend = FALSE;
  gsize copied_from = 8;

  g_return_val_if_fail (png != NULL, NULL);
  g_return_val_if_fail (keys_and_values != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  crc_table_init ();
  if (!check_signature (png, &reader, error))
    return NULL;
  for (guint i = 0; keys_and_values[i] && keys_and_values[i + 1]; i += 2)
    {
      char *keyword = keyword_to_latin1 (keys_and_values[i], error);

      if (keyword == NULL)
        return NULL;
      g_ptr_array_add (keywords, keyword);
    }

  out = g_byte_array_sized_new (reader.len + 1024);
  g_byte_array_append (out, png_signature, 8);
  while (!seen_iend)
    {
      char type[5];
      const guint8 *data;
      guint32 len;
      gsize start;

      if (!next_chunk (&reader, type, &data, &len, &start, FALSE, error))
        return NULL;
      /* Whole runs of chunks are copied at once; only replaced text
       * chunks and IEND break a run. */
      if (strcmp (type, "IEND") == 0)
        {
          g_byte_array_append (out, reader.data + copied_from, start - copied_from);
          for (guint i = 0; keys_and_values[i] && keys_and_values[i + 1]; i += 2)
            if (keys_and_values[i + 1][0] != '\0')
              append_text (out, g_ptr_array_index (keywords, i / 2), keys_and_values[i + 1]);
          append_chunk (out, "IEND", NULL, 0);
          seen_iend = TRUE;
        }
      else if (is_text_chunk (type))
        {
          g_autofree char *key = chunk_keyword (data, len);

          if (key && key_in_list (key, keys_and_values))
            {
              g_byte_array_append (out, reader.data + copied_from, start - copied_from);
              copied_from = reader.pos;
            }
        }
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&out));
}

GHashTable *
falstaff_png_read_text (GBytes  *png,
                        GError **error)
{
  g_autoptr(GHashTable) table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  Reader reader;

  g_return_val_if_fail (png != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  crc_table_init ();
  if (!check_signature (png, &reader, error))
    return NULL;
  for (;;)
    {
      char type[5];
      const guint8 *data;
      guint32 len;
      gsize start;
      const guint8 *nul;
      char *key;
      char *value = NULL;

      if (!next_chunk (&reader, type, &data, &len, &start, TRUE, error))
        return NULL;
      if (strcmp (type, "IEND") == 0)
        break;
      if (!is_text_chunk (type) || (key = chunk_keyword (data, len)) == NULL)
        continue;
      nul = memchr (data, '\0', len);
      if (strcmp (type, "tEXt") == 0)
        value = g_convert ((const char *) nul + 1, data + len - nul - 1, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
      else if (strcmp (type, "iTXt") == 0 && data + len - nul > 3 && nul[1] == 0)
        {
          /* Skip the flags, the language tag and the translated keyword. */
          const guint8 *p = nul + 3;
          const guint8 *end = data + len;

          for (int skip = 0; skip < 2 && p != NULL && p < end; skip++)
            {
              p = memchr (p, '\0', end - p);
              p = p ? p + 1 : NULL;
            }
          if (p != NULL && p <= end && g_utf8_validate ((const char *) p, end - p, NULL))
            value = g_strndup ((const char *) p, end - p);
        }
      /* zTXt and compressed iTXt: not written by us, not read. */
      if (value != NULL && !g_hash_table_contains (table, key))
        g_hash_table_insert (table, key, value);
      else
        {
          g_free (key);
          g_free (value);
        }
    }
  return g_steal_pointer (&table);
}
