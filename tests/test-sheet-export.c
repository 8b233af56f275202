/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <gtk/gtk.h>

#include "falstaff-png-metadata.h"
#include "falstaff-sheet-export.h"

/* A contact sheet as one PNG (issue 11): every cell's picture where its
 * rectangle says, its labels drawn, its text chunks readable, and the
 * failures said plainly. */

static GdkTexture *
solid (int     width,
       int     height,
       guint32 argb)
{
  g_autoptr(GBytes) bytes = NULL;
  guint32 *pixels = g_new (guint32, width * height);

  for (int i = 0; i < width * height; i++)
    pixels[i] = argb;
  bytes = g_bytes_new_take (pixels, (gsize) width * height * 4);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, width * 4);
}

static void
written_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  GError **error = data;

  if (!falstaff_sheet_export_write_finish (FALSTAFF_SHEET_EXPORT (source), result, error) && *error == NULL)
    g_assert_not_reached ();
  if (*error == NULL)
    *error = g_error_new_literal (G_IO_ERROR, 0, "ok");
}

/* Writes and waits; NULL on success, else the error. */
static GError *
write_sync (FalstaffSheetExport *export,
            GFile               *file,
            GCancellable        *cancellable)
{
  GError *error = NULL;

  falstaff_sheet_export_write_async (export, file, cancellable, written_cb, &error);
  while (error == NULL)
    g_main_context_iteration (NULL, TRUE);
  if (error->domain == G_IO_ERROR && error->code == 0 && g_str_equal (error->message, "ok"))
    g_clear_error (&error);
  return error;
}

/* Pixel (x, y) of a cairo-made RGB24 PNG read back, as 0xRRGGBB. */
static guint32
pixel (GdkPixbuf *pixbuf,
       int        x,
       int        y)
{
  const guchar *p = gdk_pixbuf_read_pixels (pixbuf) + y * gdk_pixbuf_get_rowstride (pixbuf) +
                    x * gdk_pixbuf_get_n_channels (pixbuf);

  return (p[0] << 16) | (p[1] << 8) | p[2];
}

static gboolean
has_dark_pixel (GdkPixbuf *pixbuf,
                int        x0,
                int        y0,
                int        width,
                int        height)
{
  for (int y = y0; y < y0 + height; y++)
    for (int x = x0; x < x0 + width; x++)
      {
        guint32 p = pixel (pixbuf, x, y);

        if (((p >> 16) & 0xff) < 0x60 && ((p >> 8) & 0xff) < 0x60 && (p & 0xff) < 0x60)
          return TRUE;
      }
  return FALSE;
}

/* The file holds these bytes somewhere (a chunk's type and keyword). */
static gboolean
has_bytes (GBytes     *bytes,
           const char *text)
{
  gsize size, length = strlen (text);
  const guint8 *data = g_bytes_get_data (bytes, &size);

  for (gsize i = 0; i + length <= size; i++)
    if (memcmp (data + i, text, length) == 0)
      return TRUE;
  return FALSE;
}

static void
test_grid (void)
{
  g_autoptr(FalstaffSheetExport) export = falstaff_sheet_export_new (3, 2);
  const guint32 colours[6] = { 0xffff0000, 0xff00ff00, 0xff0000ff, 0xffffff00, 0xff00ffff, 0 };
  const int sizes[6][2] = { { 64, 64 }, { 200, 50 }, { 40, 160 }, { 300, 300 }, { 10, 10 }, { 0, 0 } };
  g_autofree char *dir = g_dir_make_tmp ("falstaff-export-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sheet.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GHashTable) text = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  int width, height;
  GdkRectangle rect;

  falstaff_sheet_export_set_title (export, "fal-ai/fast-sdxl · 5 Dec 2026 21:40");
  for (guint c = 0; c < 3; c++)
    {
      g_autofree char *label = g_strdup_printf ("Steps %u", (c + 1) * 10);
      falstaff_sheet_export_set_column_label (export, c, label);
    }
  falstaff_sheet_export_set_row_label (export, 0, "Guidance 2");
  falstaff_sheet_export_set_row_label (export, 1, "Guidance 4.5");
  for (guint i = 0; i < 5; i++)
    {
      g_autoptr(GdkTexture) texture = solid (sizes[i][0], sizes[i][1], colours[i]);
      falstaff_sheet_export_set_cell_texture (export, i % 3, i / 3, texture);
    }
  falstaff_sheet_export_set_cell_text (export, 2, 1, "Failed: the runner failed");
  falstaff_sheet_export_add_metadata (export, FALSTAFF_PNG_KEY_ENDPOINT, "fal-ai/fast-sdxl");
  falstaff_sheet_export_add_metadata (export, FALSTAFF_PNG_KEY_SHEET_AXES, "{\"axes\":[]}");
  falstaff_sheet_export_add_metadata (export, FALSTAFF_PNG_KEY_SHEET_FIXED_INPUTS, "{\"prompt\":\"Déjà vu — 夢\"}");
  falstaff_sheet_export_add_metadata (export, "Title", "Café · crème");

  error = write_sync (export, file, NULL);
  g_assert_no_error (error);

  pixbuf = gdk_pixbuf_new_from_file (path, &error);
  g_assert_no_error (error);
  falstaff_sheet_export_get_size (export, &width, &height);
  g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, width);
  g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, height);

  /* Each picture's colour at its cell's centre, whatever its shape. */
  for (guint i = 0; i < 5; i++)
    {
      falstaff_sheet_export_get_cell_rect (export, i % 3, i / 3, &rect);
      g_assert_cmphex (pixel (pixbuf, rect.x + rect.width / 2, rect.y + rect.height / 2), ==, colours[i] & 0xffffff);
    }
  /* A wide picture leaves bands above and below: not its colour. */
  falstaff_sheet_export_get_cell_rect (export, 1, 0, &rect);
  g_assert_cmphex (pixel (pixbuf, rect.x + rect.width / 2, rect.y + 4), !=, 0x00ff00);
  /* The text cell: no picture's colour, and words drawn in it. */
  falstaff_sheet_export_get_cell_rect (export, 2, 1, &rect);
  g_assert_true (has_dark_pixel (pixbuf, rect.x, rect.y, rect.width, rect.height));
  /* Labels drawn: above the first column, left of the first row. */
  falstaff_sheet_export_get_cell_rect (export, 0, 0, &rect);
  g_assert_true (has_dark_pixel (pixbuf, rect.x, rect.y - 24, rect.width, 20));
  g_assert_true (has_dark_pixel (pixbuf, 16, rect.y, rect.x - 24, rect.height));

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  bytes = g_bytes_new_take (g_steal_pointer (&contents), length);
  text = falstaff_png_read_text (bytes, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_hash_table_lookup (text, FALSTAFF_PNG_KEY_ENDPOINT), ==, "fal-ai/fast-sdxl");
  g_assert_cmpstr (g_hash_table_lookup (text, FALSTAFF_PNG_KEY_SHEET_AXES), ==, "{\"axes\":[]}");
  /* Not Latin-1: kept whole (iTXt). Latin-1 with accents: tEXt, as
   * the PNG spec and falstaff-png-metadata.h say. */
  g_assert_cmpstr (g_hash_table_lookup (text, FALSTAFF_PNG_KEY_SHEET_FIXED_INPUTS), ==, "{\"prompt\":\"Déjà vu — 夢\"}");
  g_assert_cmpstr (g_hash_table_lookup (text, "Title"), ==, "Café · crème");
  g_assert_true (has_bytes (bytes, "tEXtTitle"));
  g_assert_true (has_bytes (bytes, "iTXtfal:fixed_inputs"));

  g_unlink (path);
  g_rmdir (dir);
}

/* A big grid stays within 8000 pixels a side. */
static void
test_bounded (void)
{
  g_autoptr(FalstaffSheetExport) export = falstaff_sheet_export_new (64, 4);
  int width, height;

  falstaff_sheet_export_get_size (export, &width, &height);
  g_assert_cmpint (width, <=, 8000);
  g_assert_cmpint (height, <=, 8000);
}

static void
test_failures (void)
{
  g_autoptr(FalstaffSheetExport) export = falstaff_sheet_export_new (1, 1);
  g_autoptr(GFile) nowhere = g_file_new_for_path ("/proc/falstaff-cannot-write-here/sheet.png");
  g_autofree char *dir = g_dir_make_tmp ("falstaff-export-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "sheet.png", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  falstaff_sheet_export_set_cell_text (export, 0, 0, "Running");
  error = write_sync (export, nowhere, NULL);
  g_assert_nonnull (error);
  g_assert_false (g_file_query_exists (nowhere, NULL));
  g_clear_error (&error);

  /* Cancelled: an error, and no file left. */
  g_cancellable_cancel (cancellable);
  error = write_sync (export, file, cancellable);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/sheet-export/grid", test_grid);
  g_test_add_func ("/app/sheet-export/bounded", test_bounded);
  g_test_add_func ("/app/sheet-export/failures", test_failures);

  return g_test_run ();
}
