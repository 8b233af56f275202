/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "falstaff-png-metadata.h"
#include "falstaff-sheet-export.h"

#define MARGIN 16
#define GAP 8
#define TITLE_HEIGHT 36
#define COLUMN_LABEL_HEIGHT 28
#define ROW_LABEL_WIDTH 180
#define MAX_CELL 256
#define MIN_CELL 64
/* No side past this, whatever the grid. */
#define MAX_SIDE 8000

typedef struct {
  guchar *pixels;                 /* cairo ARGB32, premultiplied */
  int width;
  int height;
  char *text;
} Cell;

struct _FalstaffSheetExport
{
  GObject parent_instance;

  guint n_columns;
  guint n_rows;
  char *title;
  GStrv column_labels;
  GStrv row_labels;
  Cell *cells;
  GPtrArray *metadata;            /* key, value, key, value, … */
  gboolean row_labelled;
  int cell_size;
};

G_DEFINE_FINAL_TYPE (FalstaffSheetExport, falstaff_sheet_export, G_TYPE_OBJECT)

static void
falstaff_sheet_export_finalize (GObject *object)
{
  FalstaffSheetExport *self = FALSTAFF_SHEET_EXPORT (object);

  for (guint i = 0; i < self->n_columns * self->n_rows; i++)
    {
      g_free (self->cells[i].pixels);
      g_free (self->cells[i].text);
    }
  g_free (self->cells);
  g_free (self->title);
  g_strfreev (self->column_labels);
  g_strfreev (self->row_labels);
  g_ptr_array_unref (self->metadata);
  G_OBJECT_CLASS (falstaff_sheet_export_parent_class)->finalize (object);
}

static void
falstaff_sheet_export_class_init (FalstaffSheetExportClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = falstaff_sheet_export_finalize;
}

static void
falstaff_sheet_export_init (FalstaffSheetExport *self)
{
  self->metadata = g_ptr_array_new_with_free_func (g_free);
}

FalstaffSheetExport *
falstaff_sheet_export_new (guint n_columns,
                           guint n_rows)
{
  FalstaffSheetExport *self;
  int left;

  g_return_val_if_fail (n_columns > 0 && n_rows > 0, NULL);

  self = g_object_new (FALSTAFF_TYPE_SHEET_EXPORT, NULL);
  self->n_columns = n_columns;
  self->n_rows = n_rows;
  self->column_labels = g_new0 (char *, n_columns + 1);
  self->row_labels = g_new0 (char *, n_rows + 1);
  self->cells = g_new0 (Cell, n_columns * n_rows);
  /* Cells as big as MAX_SIDE allows, up to MAX_CELL. */
  left = MARGIN * 2 + ROW_LABEL_WIDTH + GAP;
  self->cell_size = MIN (MAX_CELL, (MAX_SIDE - left) / (int) n_columns - GAP);
  self->cell_size = MIN (self->cell_size, (MAX_SIDE - MARGIN * 2 - TITLE_HEIGHT - COLUMN_LABEL_HEIGHT) / (int) n_rows - GAP);
  self->cell_size = MAX (self->cell_size, MIN_CELL);
  return self;
}

void
falstaff_sheet_export_set_title (FalstaffSheetExport *self,
                                 const char          *title)
{
  g_return_if_fail (FALSTAFF_IS_SHEET_EXPORT (self));
  g_free (self->title);
  self->title = g_strdup (title);
}

void
falstaff_sheet_export_set_column_label (FalstaffSheetExport *self,
                                        guint                column,
                                        const char          *label)
{
  g_return_if_fail (FALSTAFF_IS_SHEET_EXPORT (self));
  g_return_if_fail (column < self->n_columns);
  g_free (self->column_labels[column]);
  self->column_labels[column] = g_strdup (label);
}

void
falstaff_sheet_export_set_row_label (FalstaffSheetExport *self,
                                     guint                row,
                                     const char          *label)
{
  g_return_if_fail (FALSTAFF_IS_SHEET_EXPORT (self));
  g_return_if_fail (row < self->n_rows);
  g_free (self->row_labels[row]);
  self->row_labels[row] = g_strdup (label);
  self->row_labelled |= label != NULL;
}

static Cell *
cell_at (FalstaffSheetExport *self,
         guint                column,
         guint                row)
{
  return &self->cells[row * self->n_columns + column];
}

void
falstaff_sheet_export_set_cell_texture (FalstaffSheetExport *self,
                                        guint                column,
                                        guint                row,
                                        GdkTexture          *texture)
{
  Cell *cell;

  g_return_if_fail (FALSTAFF_IS_SHEET_EXPORT (self));
  g_return_if_fail (column < self->n_columns && row < self->n_rows);
  g_return_if_fail (GDK_IS_TEXTURE (texture));

  cell = cell_at (self, column, row);
  g_free (cell->pixels);
  cell->width = gdk_texture_get_width (texture);
  cell->height = gdk_texture_get_height (texture);
  /* gdk_texture_download() gives cairo's own ARGB32 layout. */
  cell->pixels = g_malloc ((gsize) cell->width * cell->height * 4);
  gdk_texture_download (texture, cell->pixels, (gsize) cell->width * 4);
}

void
falstaff_sheet_export_set_cell_text (FalstaffSheetExport *self,
                                     guint                column,
                                     guint                row,
                                     const char          *text)
{
  Cell *cell;

  g_return_if_fail (FALSTAFF_IS_SHEET_EXPORT (self));
  g_return_if_fail (column < self->n_columns && row < self->n_rows);

  cell = cell_at (self, column, row);
  g_free (cell->text);
  cell->text = g_strdup (text);
}

void
falstaff_sheet_export_add_metadata (FalstaffSheetExport *self,
                                    const char          *key,
                                    const char          *value)
{
  g_return_if_fail (FALSTAFF_IS_SHEET_EXPORT (self));
  g_return_if_fail (key != NULL);

  if (value == NULL || value[0] == '\0')
    return;
  g_ptr_array_add (self->metadata, g_strdup (key));
  g_ptr_array_add (self->metadata, g_strdup (value));
}

static int
left_edge (FalstaffSheetExport *self)
{
  return MARGIN + (self->row_labelled ? ROW_LABEL_WIDTH + GAP : 0);
}

static int
top_edge (FalstaffSheetExport *self)
{
  return MARGIN + TITLE_HEIGHT + COLUMN_LABEL_HEIGHT;
}

void
falstaff_sheet_export_get_size (FalstaffSheetExport *self,
                                int                 *width,
                                int                 *height)
{
  g_return_if_fail (FALSTAFF_IS_SHEET_EXPORT (self));
  *width = left_edge (self) + self->n_columns * (self->cell_size + GAP) - GAP + MARGIN;
  *height = top_edge (self) + self->n_rows * (self->cell_size + GAP) - GAP + MARGIN;
}

void
falstaff_sheet_export_get_cell_rect (FalstaffSheetExport *self,
                                     guint                column,
                                     guint                row,
                                     GdkRectangle        *rect)
{
  g_return_if_fail (FALSTAFF_IS_SHEET_EXPORT (self));
  rect->x = left_edge (self) + column * (self->cell_size + GAP);
  rect->y = top_edge (self) + row * (self->cell_size + GAP);
  rect->width = rect->height = self->cell_size;
}

/* ------------------------------------------------------------------ drawing */

static void
draw_text (cairo_t    *cr,
           const char *text,
           const char *font,
           double      x,
           double      y,
           int         width,
           int         height,
           PangoAlignment alignment,
           gboolean    wrap)
{
  PangoLayout *layout;
  PangoFontDescription *description;
  int text_height;

  if (text == NULL)
    return;
  layout = pango_cairo_create_layout (cr);
  description = pango_font_description_from_string (font);
  pango_layout_set_font_description (layout, description);
  pango_layout_set_text (layout, text, -1);
  pango_layout_set_width (layout, width * PANGO_SCALE);
  pango_layout_set_height (layout, height * PANGO_SCALE);
  pango_layout_set_alignment (layout, alignment);
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  if (wrap)
    pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_get_pixel_size (layout, NULL, &text_height);
  cairo_move_to (cr, x, y + MAX (0, (height - text_height) / 2));
  pango_cairo_show_layout (cr, layout);
  pango_font_description_free (description);
  g_object_unref (layout);
}

static void
draw_cell (FalstaffSheetExport *self,
           cairo_t             *cr,
           Cell                *cell,
           GdkRectangle        *rect)
{
  cairo_set_source_rgb (cr, 0.92, 0.92, 0.92);
  cairo_rectangle (cr, rect->x, rect->y, rect->width, rect->height);
  cairo_fill (cr);
  if (cell->pixels)
    {
      cairo_surface_t *image = cairo_image_surface_create_for_data (cell->pixels, CAIRO_FORMAT_ARGB32,
                                                                    cell->width, cell->height, cell->width * 4);
      double scale = MIN ((double) rect->width / cell->width, (double) rect->height / cell->height);
      double w = cell->width * scale, h = cell->height * scale;

      cairo_save (cr);
      cairo_translate (cr, rect->x + (rect->width - w) / 2, rect->y + (rect->height - h) / 2);
      cairo_scale (cr, scale, scale);
      cairo_set_source_surface (cr, image, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
      cairo_paint (cr);
      cairo_restore (cr);
      cairo_surface_destroy (image);
    }
  else
    {
      cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
      draw_text (cr, cell->text ? cell->text : _("No result"), "Sans 11", rect->x + 8, rect->y + 8,
                 rect->width - 16, rect->height - 16, PANGO_ALIGN_CENTER, TRUE);
    }
}

static cairo_status_t
png_write_cb (void                *closure,
              const unsigned char *data,
              unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static GBytes *
render (FalstaffSheetExport  *self,
        GError              **error)
{
  cairo_surface_t *surface;
  cairo_t *cr;
  g_autoptr(GByteArray) png = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GPtrArray) pairs = g_ptr_array_new ();
  cairo_status_t status;
  int width, height;

  falstaff_sheet_export_get_size (self, &width, &height);
  surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, width, height);
  cr = cairo_create (surface);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);

  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  draw_text (cr, self->title, "Sans Bold 15", MARGIN, MARGIN, width - 2 * MARGIN, TITLE_HEIGHT - 8,
             PANGO_ALIGN_LEFT, FALSE);
  for (guint c = 0; c < self->n_columns; c++)
    {
      GdkRectangle rect;

      falstaff_sheet_export_get_cell_rect (self, c, 0, &rect);
      draw_text (cr, self->column_labels[c], "Sans Bold 11", rect.x, MARGIN + TITLE_HEIGHT, rect.width,
                 COLUMN_LABEL_HEIGHT - 4, PANGO_ALIGN_CENTER, FALSE);
    }
  for (guint r = 0; r < self->n_rows && self->row_labelled; r++)
    {
      GdkRectangle rect;

      falstaff_sheet_export_get_cell_rect (self, 0, r, &rect);
      draw_text (cr, self->row_labels[r], "Sans Bold 11", MARGIN, rect.y, ROW_LABEL_WIDTH, rect.height,
                 PANGO_ALIGN_RIGHT, TRUE);
    }
  for (guint r = 0; r < self->n_rows; r++)
    for (guint c = 0; c < self->n_columns; c++)
      {
        GdkRectangle rect;

        falstaff_sheet_export_get_cell_rect (self, c, r, &rect);
        draw_cell (self, cr, cell_at (self, c, r), &rect);
        cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      }
  cairo_destroy (cr);
  status = cairo_surface_write_to_png_stream (surface, png_write_cb, png);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The sheet could not be drawn: %s"),
                   cairo_status_to_string (status));
      return NULL;
    }
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&png));
  for (guint i = 0; i < self->metadata->len; i++)
    g_ptr_array_add (pairs, g_ptr_array_index (self->metadata, i));
  g_ptr_array_add (pairs, NULL);
  return falstaff_png_add_text (bytes, (const char * const *) pairs->pdata, error);
}

static void
write_thread (GTask        *task,
              gpointer      source,
              gpointer      data,
              GCancellable *cancellable)
{
  FalstaffSheetExport *self = source;
  GFile *file = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) png = render (self, &error);

  if (png == NULL ||
      g_task_return_error_if_cancelled (task) ||
      !g_file_replace_contents (file, g_bytes_get_data (png, NULL), g_bytes_get_size (png), NULL, FALSE,
                                G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable, &error))
    {
      if (error)
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_task_return_boolean (task, TRUE);
}

void
falstaff_sheet_export_write_async (FalstaffSheetExport *self,
                                   GFile               *file,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (FALSTAFF_IS_SHEET_EXPORT (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_sheet_export_write_async);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  g_task_run_in_thread (task, write_thread);
}

gboolean
falstaff_sheet_export_write_finish (FalstaffSheetExport *self,
                                    GAsyncResult        *result,
                                    GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
