/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "falstaff-size-limit.h"

struct _FalstaffSizeLimit
{
  GObject parent_instance;

  guint64 max_bytes;
  guint64 passed;
};

static void falstaff_size_limit_converter_init (GConverterIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FalstaffSizeLimit, falstaff_size_limit, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_CONVERTER, falstaff_size_limit_converter_init))

static GConverterResult
falstaff_size_limit_convert (GConverter       *converter,
                             const void       *inbuf,
                             gsize             inbuf_size,
                             void             *outbuf,
                             gsize             outbuf_size,
                             GConverterFlags   flags,
                             gsize            *bytes_read,
                             gsize            *bytes_written,
                             GError          **error)
{
  FalstaffSizeLimit *self = FALSTAFF_SIZE_LIMIT (converter);
  gsize n = MIN (inbuf_size, outbuf_size);

  if (self->passed + n > self->max_bytes)
    {
      g_propagate_error (error, falstaff_size_limit_error_new (self->max_bytes));
      return G_CONVERTER_ERROR;
    }
  if (n == 0 && inbuf_size > 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "no room to convert into");
      return G_CONVERTER_ERROR;
    }
  if (inbuf_size == 0 && !(flags & (G_CONVERTER_INPUT_AT_END | G_CONVERTER_FLUSH)))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT, "more input needed");
      return G_CONVERTER_ERROR;
    }
  memcpy (outbuf, inbuf, n);
  self->passed += n;
  *bytes_read = *bytes_written = n;
  if ((flags & G_CONVERTER_INPUT_AT_END) && n == inbuf_size)
    return G_CONVERTER_FINISHED;
  if ((flags & G_CONVERTER_FLUSH) && n == inbuf_size)
    return G_CONVERTER_FLUSHED;
  return G_CONVERTER_CONVERTED;
}

static void
falstaff_size_limit_reset (GConverter *converter)
{
  FALSTAFF_SIZE_LIMIT (converter)->passed = 0;
}

static void
falstaff_size_limit_converter_init (GConverterIface *iface)
{
  iface->convert = falstaff_size_limit_convert;
  iface->reset = falstaff_size_limit_reset;
}

static void
falstaff_size_limit_class_init (FalstaffSizeLimitClass *klass)
{
}

static void
falstaff_size_limit_init (FalstaffSizeLimit *self)
{
}

FalstaffSizeLimit *
falstaff_size_limit_new (guint64 max_bytes)
{
  FalstaffSizeLimit *self = g_object_new (FALSTAFF_TYPE_SIZE_LIMIT, NULL);

  self->max_bytes = max_bytes;
  return self;
}

GError *
falstaff_size_limit_error_new (guint64 max_bytes)
{
  /* The number apart: xgettext cannot see through G_GUINT64_FORMAT. */
  g_autofree char *mib = g_strdup_printf ("%" G_GUINT64_FORMAT, max_bytes / (1024 * 1024));

  return g_error_new (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                      _("the file is larger than the %s MiB this app downloads"), mib);
}
