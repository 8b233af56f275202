/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The app's image decoder on images a server or a person could hand it:
 * a header that claims more pixels than an image may have is refused
 * before the pixels are allocated; an ordinary image decodes, scaled. */
#include "config.h"

#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "falstaff-image-loader.h"

static guint32
crc32_of (const guint8 *data,
          gsize         length)
{
  guint32 crc = 0xffffffff;

  for (gsize i = 0; i < length; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
    }
  return ~crc;
}

static void
append_chunk (GByteArray   *png,
              const char   *type,
              const guint8 *data,
              guint32       length)
{
  guint32 be_length = GUINT32_TO_BE (length);
  g_autoptr(GByteArray) typed = g_byte_array_new ();
  guint32 crc;

  g_byte_array_append (png, (const guint8 *) &be_length, 4);
  g_byte_array_append (typed, (const guint8 *) type, 4);
  g_byte_array_append (typed, data, length);
  crc = GUINT32_TO_BE (crc32_of (typed->data, typed->len));
  g_byte_array_append (png, typed->data, typed->len);
  g_byte_array_append (png, (const guint8 *) &crc, 4);
}

/* A PNG of a few dozen bytes whose header says width × height (RGBA):
 * its one row of data is all it has. */
static GBytes *
png_claiming (guint32 width,
              guint32 height)
{
  static const guint8 signature[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  /* zlib: a stored block of one byte (filter 0), unfinished. */
  static const guint8 idat[] = { 0x78, 0x01, 0x00, 0x01, 0x00, 0xfe, 0xff, 0x00 };
  GByteArray *png = g_byte_array_new ();
  guint8 ihdr[13] = { 0 };
  guint32 be;

  g_byte_array_append (png, signature, sizeof signature);
  be = GUINT32_TO_BE (width);
  memcpy (ihdr, &be, 4);
  be = GUINT32_TO_BE (height);
  memcpy (ihdr + 4, &be, 4);
  ihdr[8] = 8;   /* bit depth */
  ihdr[9] = 6;   /* RGBA */
  append_chunk (png, "IHDR", ihdr, sizeof ihdr);
  append_chunk (png, "IDAT", idat, sizeof idat);
  append_chunk (png, "IEND", NULL, 0);
  return g_byte_array_free_to_bytes (png);
}

static glong
peak_rss_kib (void)
{
  struct rusage usage;

  getrusage (RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

static void
test_too_large (void)
{
  /* (libpng itself refuses a side over 1,000,000 and some sizes past
   * that: these it takes.) */
  const guint32 sizes[][2] = { { 20000, 20000 }, { 16385, 16384 }, { 300000, 1000 } };
  glong before = peak_rss_kib ();

  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) png = png_claiming (sizes[i][0], sizes[i][1]);
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkPixbuf) pixbuf = falstaff_image_decode (png, 256, NULL, NULL, &error);
      g_autofree char *path = NULL;
      g_autoptr(GdkPixbuf) from_file = NULL;
      g_autoptr(GError) file_error = NULL;
      int fd = g_file_open_tmp ("falstaff-huge-XXXXXX.png", &path, NULL);

      g_assert_null (pixbuf);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_assert_nonnull (strstr (error->message, "too large to show"));

      /* The same through a file, as a dropped file's thumbnail is made. */
      g_assert_cmpint (fd, >=, 0);
      close (fd);
      g_assert_true (g_file_set_contents (path, g_bytes_get_data (png, NULL), g_bytes_get_size (png), NULL));
      from_file = falstaff_image_decode_file (path, 256, NULL, NULL, NULL, &file_error);
      g_assert_null (from_file);
      g_assert_nonnull (file_error);
      g_assert_nonnull (strstr (file_error->message, "too large to show"));
      g_unlink (path);
    }
  /* Nothing near the claimed size was touched. */
  g_assert_cmpint (peak_rss_kib () - before, <, 64 * 1024);
}

static void
test_ordinary (void)
{
  g_autoptr(GdkPixbuf) source = gdk_pixbuf_new (GDK_COLORSPACE_RGB, TRUE, 8, 640, 480);
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr(GBytes) png = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  int width = 0, height = 0;

  gdk_pixbuf_fill (source, 0x3366ccff);
  g_assert_true (gdk_pixbuf_save_to_buffer (source, &data, &length, "png", &error, NULL));
  png = g_bytes_new (data, length);
  pixbuf = falstaff_image_decode (png, 64, &width, &height, &error);
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 640);
  g_assert_cmpint (height, ==, 480);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 64);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 48);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/image-decode/too-large", test_too_large);
  g_test_add_func ("/image-decode/ordinary", test_ordinary);

  return g_test_run ();
}
