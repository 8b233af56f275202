/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "fal"

#include "config.h"

#include "fal-range-input-stream.h"
#include "fal-i18n-private.h"

struct _FalRangeInputStream
{
  GInputStream parent_instance;

  GFile *file;
  goffset offset;
  goffset length;
  goffset position;            /* bytes returned so far */
  GInputStream *base;          /* opened on the first read */
  GError *file_error;
};

G_DEFINE_FINAL_TYPE (FalRangeInputStream, fal_range_input_stream, G_TYPE_INPUT_STREAM)

static gboolean
ensure_open (FalRangeInputStream  *self,
             GCancellable         *cancellable,
             GError              **error)
{
  g_autoptr(GFileInputStream) base = NULL;

  if (self->base)
    return TRUE;

  base = g_file_read (self->file, cancellable, error);
  if (base == NULL)
    return FALSE;
  if (self->offset + self->position > 0 &&
      !g_seekable_seek (G_SEEKABLE (base), self->offset + self->position, G_SEEK_SET, cancellable, error))
    return FALSE;
  self->base = G_INPUT_STREAM (g_steal_pointer (&base));
  return TRUE;
}

static gssize
fal_range_input_stream_read (GInputStream  *stream,
                             void          *buffer,
                             gsize          count,
                             GCancellable  *cancellable,
                             GError       **error)
{
  FalRangeInputStream *self = FAL_RANGE_INPUT_STREAM (stream);
  goffset remaining = self->length - self->position;
  GError *local_error = NULL;
  gssize n;

  if (remaining <= 0 || count == 0)
    return 0;
  if (!ensure_open (self, cancellable, &local_error))
    goto failed;

  n = g_input_stream_read (self->base, buffer, MIN ((goffset) count, remaining), cancellable, &local_error);
  if (n < 0)
    goto failed;
  if (n == 0)
    {
      g_autofree char *name = g_file_get_parse_name (self->file);

      /* Truncated while we read it: a short body would be a broken file. */
      g_autofree char *at = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) (self->offset + self->position));
      g_autofree char *expected = g_strdup_printf ("%" G_GINT64_FORMAT, (gint64) (self->offset + self->length));

      /* Translators: a file name, then two byte offsets. */
      local_error = g_error_new (G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT,
                                 _("%s ended at byte %s instead of %s: it changed while being uploaded"),
                                 name, at, expected);
      goto failed;
    }
  self->position += n;
  return n;

failed:
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_clear_error (&self->file_error);
      self->file_error = g_error_copy (local_error);
    }
  g_propagate_error (error, local_error);
  return -1;
}

static gboolean
fal_range_input_stream_close (GInputStream  *stream,
                              GCancellable  *cancellable,
                              GError       **error)
{
  FalRangeInputStream *self = FAL_RANGE_INPUT_STREAM (stream);
  g_autoptr(GInputStream) base = g_steal_pointer (&self->base);

  return base == NULL || g_input_stream_close (base, cancellable, error);
}

static void
fal_range_input_stream_finalize (GObject *object)
{
  FalRangeInputStream *self = (FalRangeInputStream *)object;

  g_clear_object (&self->base);
  g_clear_object (&self->file);
  g_clear_error (&self->file_error);

  G_OBJECT_CLASS (fal_range_input_stream_parent_class)->finalize (object);
}

static void
fal_range_input_stream_class_init (FalRangeInputStreamClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  object_class->finalize = fal_range_input_stream_finalize;
  stream_class->read_fn = fal_range_input_stream_read;
  stream_class->close_fn = fal_range_input_stream_close;
}

static void
fal_range_input_stream_init (FalRangeInputStream *self)
{
}

GInputStream *
fal_range_input_stream_new (GFile   *file,
                            goffset  offset,
                            goffset  length)
{
  FalRangeInputStream *self;

  g_return_val_if_fail (G_IS_FILE (file), NULL);
  g_return_val_if_fail (offset >= 0, NULL);
  g_return_val_if_fail (length >= 0, NULL);

  self = g_object_new (FAL_TYPE_RANGE_INPUT_STREAM, NULL);
  self->file = g_object_ref (file);
  self->offset = offset;
  self->length = length;
  return G_INPUT_STREAM (self);
}

goffset
fal_range_input_stream_get_position (FalRangeInputStream *self)
{
  g_return_val_if_fail (FAL_IS_RANGE_INPUT_STREAM (self), 0);
  return self->position;
}

const GError *
fal_range_input_stream_get_file_error (FalRangeInputStream *self)
{
  g_return_val_if_fail (FAL_IS_RANGE_INPUT_STREAM (self), NULL);
  return self->file_error;
}
