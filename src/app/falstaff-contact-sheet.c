/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-contact-sheet.h"
#include "falstaff-display-name.h"
#include "falstaff-input-diff.h"
#include "falstaff-png-metadata.h"
#include "falstaff-sheet-export.h"
#include "falstaff-tooltip.h"
#include "fal.h"

/* Cells made in one frame: each is eight widgets to style and lay out,
 * about 1 ms apiece with the cairo renderer. Each frame that adds some
 * re-lays out the toplevel (seven X round trips on X11), so not too few. */
#define CELLS_A_FRAME 16

/* A single axis longer than this wraps. */
#define WRAP_AFTER 4

struct _FalstaffContactSheet
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkLabel *title_label;
  GtkInscription *progress_label;
  GtkGrid *grid;

  FalstaffOutputKeeper *keeper;
  FalstaffRunStore *store;
  gulong items_changed_handler;
  gint64 sweep_id;
  char *endpoint_id;
  JsonNode *axes;                  /* the sweep's axes (array) */
  guint n_columns;
  guint n_rows;
  guint wrap;                      /* columns a line when one axis wraps, else 0 */
  GPtrArray *column_labels;        /* char * */
  GPtrArray *row_labels;           /* char * */
  GPtrArray *cells;                /* FalstaffSheetCell or NULL (not built yet), row-major */
  GPtrArray *cell_runs;            /* the latest FalstaffRun of each cell, or NULL */
  guint n_built;                   /* cells made so far */
  guint build_tick;                /* makes the rest, a few a frame */
};

G_DEFINE_FINAL_TYPE (FalstaffContactSheet, falstaff_contact_sheet, GTK_TYPE_WIDGET)

enum {
  SIGNAL_OPEN_RUN,
  SIGNAL_RUN_AGAIN,
  SIGNAL_MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ------------------------------------------------------------------ labels */

/* "num_inference_steps" → "Num inference steps", as people read it. */
static char *
field_words (const char *field)
{
  g_autofree char *spaced = g_strdelimit (g_strdup (field), "_", ' ');

  if (spaced[0])
    spaced[0] = g_ascii_toupper (spaced[0]);
  return falstaff_display_name_for_title (spaced);
}

static char *
value_words (JsonNode *value)
{
  if (JSON_NODE_HOLDS_VALUE (value))
    switch (json_node_get_value_type (value))
      {
      case G_TYPE_BOOLEAN:
        return g_strdup (json_node_get_boolean (value) ? _("on") : _("off"));
      case G_TYPE_INT64:
        return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (value));
      case G_TYPE_DOUBLE:
        {
          char buffer[G_ASCII_DTOSTR_BUF_SIZE];

          return g_strdup (g_ascii_formatd (buffer, sizeof buffer, "%g", json_node_get_double (value)));
        }
      case G_TYPE_STRING:
        return falstaff_display_name_for_value (json_node_get_string (value));
      default:
        break;
      }
  return json_to_string (value, FALSE);
}

static JsonObject *
axis (FalstaffContactSheet *self,
      guint                 index)
{
  JsonArray *axes = self->axes ? json_node_get_array (self->axes) : NULL;

  if (axes == NULL || index >= json_array_get_length (axes))
    return NULL;
  return json_array_get_object_element (axes, index);
}

static guint
axis_length (FalstaffContactSheet *self,
             guint                 index)
{
  JsonObject *object = axis (self, index);
  JsonArray *values = object ? json_object_get_array_member (object, "values") : NULL;

  return values ? json_array_get_length (values) : 1;
}

/* "3": one of an axis's values, in words. */
static char *
axis_value (FalstaffContactSheet *self,
            guint                 index,
            guint                 value_index)
{
  JsonObject *object = axis (self, index);

  return value_words (json_array_get_element (json_object_get_array_member (object, "values"), value_index));
}

/* "Seed 3": an axis's field and one of its values. */
static char *
axis_label (FalstaffContactSheet *self,
            guint                 index,
            guint                 value_index)
{
  JsonObject *object = axis (self, index);
  g_autofree char *field = NULL;
  g_autofree char *value = NULL;

  if (object == NULL)
    return NULL;
  field = field_words (json_object_get_string_member (object, "field"));
  value = value_words (json_array_get_element (json_object_get_array_member (object, "values"), value_index));
  return g_strdup_printf ("%s %s", field, value);
}

/* ------------------------------------------------------------------ progress */

static void
update_progress (FalstaffContactSheet *self)
{
  guint done = 0, failed = 0, cancelled = 0, total = self->cell_runs->len;
  g_autofree char *text = NULL;

  for (guint i = 0; i < total; i++)
    {
      FalstaffRun *run = g_ptr_array_index (self->cell_runs, i);

      if (run == NULL || !falstaff_run_is_done (run))
        continue;
      done++;
      if (falstaff_run_get_status (run) == FAL_JOB_FAILED)
        failed++;
      else if (falstaff_run_get_status (run) == FAL_JOB_CANCELLED)
        cancelled++;
    }
  text = g_strdup_printf (ngettext ("%u of %u run done", "%u of %u runs done", total), done, total);
  if (failed > 0)
    {
      g_autofree char *more = g_strdup_printf (ngettext ("%s · %u failed", "%s · %u failed", failed), text, failed);
      g_free (text);
      text = g_steal_pointer (&more);
    }
  if (cancelled > 0)
    {
      g_autofree char *more = g_strdup_printf (ngettext ("%s · %u cancelled", "%s · %u cancelled", cancelled),
                                               text, cancelled);
      g_free (text);
      text = g_steal_pointer (&more);
    }
  gtk_inscription_set_text (self->progress_label, text);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sheet.cancel-all", done < total);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sheet.export", total > 0);
}

/* ------------------------------------------------------------------ cells */

/* Where cell (column, row) goes in the GtkGrid: below the axis title and
 * the column labels (and after the row labels); a wrapped single axis
 * puts its labels above each line. */
static void
grid_place (FalstaffContactSheet *self,
            guint                 column,
            guint                 row,
            guint                *x,
            guint                *y)
{
  if (self->wrap)
    {
      *x = column % self->wrap + 1;
      *y = (column / self->wrap) * 2 + 2;
      return;
    }
  *x = column + 1;
  *y = row + 2;
}

static void
unref_or_null (gpointer object)
{
  if (object)
    g_object_unref (object);
}

static FalstaffSheetCell *
cell_at (FalstaffContactSheet *self,
         guint                 column,
         guint                 row)
{
  if (column >= self->n_columns || row >= self->n_rows)
    return NULL;
  return g_ptr_array_index (self->cells, row * self->n_columns + column);
}

static void
cell_open_cb (FalstaffSheetCell    *cell,
              FalstaffContactSheet *self)
{
  g_signal_emit (self, signals[SIGNAL_OPEN_RUN], 0, falstaff_sheet_cell_get_run (cell));
}

static void
cell_run_again_cb (FalstaffSheetCell    *cell,
                   FalstaffContactSheet *self)
{
  g_signal_emit (self, signals[SIGNAL_RUN_AGAIN], 0, falstaff_sheet_cell_get_run (cell));
}

static void
run_status_cb (FalstaffContactSheet *self)
{
  update_progress (self);
}

/* A run of the sweep goes in its cell unless a newer one is there. */
static void
place_run (FalstaffContactSheet *self,
           FalstaffRun          *run)
{
  FalstaffSheetCell *cell;
  FalstaffRun *there;
  guint column, row, index;

  if (falstaff_run_get_sweep_id (run) != self->sweep_id ||
      !falstaff_run_get_sweep_cell (run, &column, &row) ||
      column >= self->n_columns || row >= self->n_rows)
    return;
  index = row * self->n_columns + column;
  there = g_ptr_array_index (self->cell_runs, index);
  if (there && falstaff_run_get_id (there) > falstaff_run_get_id (run))
    return;
  g_set_object ((FalstaffRun **) &self->cell_runs->pdata[index], run);
  if ((cell = cell_at (self, column, row)))
    falstaff_sheet_cell_set_run (cell, run);
  /* Once per run, however often a rebuild places it again. */
  g_signal_handlers_disconnect_by_func (run, run_status_cb, self);
  g_signal_connect_object (run, "notify::status", G_CALLBACK (run_status_cb), self, G_CONNECT_SWAPPED);
}

static void
clear_grid (FalstaffContactSheet *self)
{
  GtkWidget *child;

  if (self->build_tick)
    gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->build_tick);
  self->build_tick = 0;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))))
    gtk_grid_remove (self->grid, child);
  g_ptr_array_set_size (self->cells, 0);
  g_ptr_array_set_size (self->cell_runs, 0);
  self->n_built = 0;
  g_ptr_array_set_size (self->column_labels, 0);
  g_ptr_array_set_size (self->row_labels, 0);
  self->n_columns = self->n_rows = self->wrap = 0;
  g_clear_pointer (&self->axes, json_node_unref);
  g_clear_pointer (&self->endpoint_id, g_free);
}

static GtkWidget *
header_label (const char *text,
              gboolean    column)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  falstaff_tooltip_set_text (label, text);
  gtk_widget_add_css_class (label, "heading");
  if (!column)
    {
      /* Row labels wrap rather than shrink to "…". */
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_NONE);
      gtk_label_set_xalign (GTK_LABEL (label), 1.0);
      gtk_label_set_width_chars (GTK_LABEL (label), 8);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 12);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD);
    }
  return label;
}

/* Makes up to n more cells; TRUE when all are made. */
static gboolean
build_cells (FalstaffContactSheet *self,
             guint                 n)
{
  guint total = self->n_columns * self->n_rows;

  for (; self->n_built < total && n > 0; self->n_built++, n--)
    {
      guint c = self->n_built % self->n_columns, r = self->n_built / self->n_columns, x, y;
      g_autofree char *name = self->row_labels->len > 0
                              ? g_strdup_printf ("%s, %s", (char *) g_ptr_array_index (self->column_labels, c),
                                                 (char *) g_ptr_array_index (self->row_labels, r))
                              : g_strdup (g_ptr_array_index (self->column_labels, c));
      FalstaffSheetCell *cell = falstaff_sheet_cell_new (name, self->keeper);

      g_signal_connect_object (cell, "open", G_CALLBACK (cell_open_cb), self, 0);
      g_signal_connect_object (cell, "run-again", G_CALLBACK (cell_run_again_cb), self, 0);
      self->cells->pdata[self->n_built] = g_object_ref_sink (cell);
      falstaff_sheet_cell_set_run (cell, g_ptr_array_index (self->cell_runs, self->n_built));
      grid_place (self, c, r, &x, &y);
      gtk_grid_attach (self->grid, GTK_WIDGET (cell), x, y, 1, 1);
    }
  return self->n_built == total;
}

static gboolean
build_tick_cb (GtkWidget     *widget,
               GdkFrameClock *clock,
               gpointer       data)
{
  FalstaffContactSheet *self = FALSTAFF_CONTACT_SHEET (widget);

  if (!build_cells (self, CELLS_A_FRAME))
    return G_SOURCE_CONTINUE;
  self->build_tick = 0;
  return G_SOURCE_REMOVE;
}

/* The cells from the store's runs of the sweep: the layout from any one
 * of them (they all carry the axes), then each run at its place. */
static void
rebuild (FalstaffContactSheet *self)
{
  g_autoptr(GPtrArray) runs = NULL;
  FalstaffRun *first;
  JsonObject *sweep;
  g_autofree char *time = NULL;
  g_autofree char *title = NULL;
  g_autoptr(GDateTime) created = NULL;
  guint label_rows;

  clear_grid (self);
  if (self->store == NULL || self->sweep_id == 0)
    return;
  runs = falstaff_run_store_get_sweep_runs (self->store, self->sweep_id);
  if (runs->len == 0)
    {
      gtk_label_set_text (self->title_label, _("This sweep's runs were deleted"));
      gtk_inscription_set_text (self->progress_label, NULL);
      return;
    }
  /* The oldest run is the sweep's first: its time is the sweep's. */
  first = g_ptr_array_index (runs, runs->len - 1);
  sweep = json_node_get_object (falstaff_run_get_sweep (first));
  self->axes = json_node_copy (json_object_get_member (sweep, "axes"));
  self->endpoint_id = g_strdup (falstaff_run_get_endpoint_id (first));
  self->n_columns = axis_length (self, 0);
  self->n_rows = axis (self, 1) ? axis_length (self, 1) : 1;
  /* One axis of many values (seeds): wrapped into lines, not one long
   * row. */
  self->wrap = self->n_rows == 1 && self->n_columns > WRAP_AFTER ? WRAP_AFTER : 0;

  created = g_date_time_new_from_unix_local (falstaff_run_get_created_at (first) / G_USEC_PER_SEC);
  time = g_date_time_format (created, "%e %b %Y %H:%M");
  title = g_strdup_printf ("%s · %s", self->endpoint_id, g_strstrip (time));
  gtk_label_set_text (self->title_label, title);
  falstaff_tooltip_set_text (GTK_WIDGET (self->title_label), title);

  /* Each axis's field named once, over the columns and over the row
   * labels; the values by their columns and rows. */
  {
    g_autofree char *field = field_words (json_object_get_string_member (axis (self, 0), "field"));
    GtkWidget *title_widget = header_label (field, TRUE);

    gtk_widget_add_css_class (title_widget, "dim-label");
    gtk_grid_attach (self->grid, title_widget, 1, 0, MIN (self->n_columns, self->wrap ? self->wrap : self->n_columns), 1);
  }
  for (guint c = 0; c < self->n_columns; c++)
    {
      char *label = axis_label (self, 0, c);
      g_autofree char *value = axis_value (self, 0, c);

      g_ptr_array_add (self->column_labels, label);
      guint x, y;

      grid_place (self, c, 0, &x, &y);
      gtk_grid_attach (self->grid, header_label (value, TRUE), x, y - 1, 1, 1);
    }
  label_rows = axis (self, 1) ? self->n_rows : 0;
  if (label_rows)
    {
      g_autofree char *field = field_words (json_object_get_string_member (axis (self, 1), "field"));
      GtkWidget *title_widget = header_label (field, FALSE);

      gtk_widget_add_css_class (title_widget, "dim-label");
      gtk_grid_attach (self->grid, title_widget, 0, 1, 1, 1);
    }
  for (guint r = 0; r < label_rows; r++)
    {
      char *label = axis_label (self, 1, r);
      g_autofree char *value = axis_value (self, 1, r);

      g_ptr_array_add (self->row_labels, label);
      gtk_grid_attach (self->grid, header_label (value, FALSE), 0, r + 2, 1, 1);
    }
  g_ptr_array_set_size (self->cells, self->n_columns * self->n_rows);
  g_ptr_array_set_size (self->cell_runs, self->n_columns * self->n_rows);
  for (guint i = 0; i < runs->len; i++)
    place_run (self, g_ptr_array_index (runs, i));
  update_progress (self);
  /* A few cells now, the rest a few a frame: a big sheet never holds
   * the main loop for long (bench-sweep). */
  if (!build_cells (self, CELLS_A_FRAME))
    self->build_tick = gtk_widget_add_tick_callback (GTK_WIDGET (self), build_tick_cb, NULL, NULL);
}

static void
store_items_changed_cb (GListModel           *store,
                        guint                 position,
                        guint                 removed,
                        guint                 added,
                        FalstaffContactSheet *self)
{
  /* A deleted run may leave its cell to an older one. */
  if (removed > 0)
    {
      rebuild (self);
      return;
    }
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(FalstaffRun) run = g_list_model_get_item (store, i);

      place_run (self, run);
    }
  if (added > 0)
    update_progress (self);
}

/* ------------------------------------------------------------------ actions */

static void
cancel_all_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  FalstaffContactSheet *self = FALSTAFF_CONTACT_SHEET (widget);
  guint n = falstaff_contact_sheet_cancel_all (self);
  g_autofree char *text = g_strdup_printf (ngettext ("Cancel sent for %u run", "Cancel sent for %u runs", n), n);

  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, n > 0 ? text : _("Every run of the sweep is done"));
}

static void
exported_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  FalstaffContactSheet *self = FALSTAFF_CONTACT_SHEET (source);
  g_autoptr(GFile) file = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  if (falstaff_contact_sheet_export_finish (self, result, &error))
    {
      g_autofree char *name = g_file_get_basename (file);
      text = g_strdup_printf (_("Sheet saved as “%s”"), name);
    }
  else
    text = g_strdup_printf (_("The sheet could not be saved: %s"), error->message);
  g_signal_emit (self, signals[SIGNAL_MESSAGE], 0, text);
}

static void
export_response_cb (GtkNativeDialog      *chooser,
                    int                   response,
                    FalstaffContactSheet *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      GFile *file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      falstaff_contact_sheet_export_async (self, file, NULL, exported_cb, file);
    }
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
export_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  FalstaffContactSheet *self = FALSTAFF_CONTACT_SHEET (widget);
  GtkNative *native = gtk_widget_get_native (widget);
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;

  chooser = gtk_file_chooser_native_new (_("Export the Sheet"), GTK_IS_WINDOW (native) ? GTK_WINDOW (native) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  name = g_strdup_printf ("sweep-%" G_GINT64_FORMAT ".png", self->sweep_id);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  g_signal_connect (chooser, "response", G_CALLBACK (export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ------------------------------------------------------------------ GObject */

static void
falstaff_contact_sheet_dispose (GObject *object)
{
  FalstaffContactSheet *self = FALSTAFF_CONTACT_SHEET (object);

  g_clear_signal_handler (&self->items_changed_handler, self->store);
  g_clear_object (&self->store);
  g_clear_object (&self->keeper);
  if (self->cells)
    clear_grid (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_CONTACT_SHEET);
  G_OBJECT_CLASS (falstaff_contact_sheet_parent_class)->dispose (object);
}

static void
falstaff_contact_sheet_finalize (GObject *object)
{
  FalstaffContactSheet *self = FALSTAFF_CONTACT_SHEET (object);

  g_clear_pointer (&self->cells, g_ptr_array_unref);
  g_clear_pointer (&self->cell_runs, g_ptr_array_unref);
  g_clear_pointer (&self->column_labels, g_ptr_array_unref);
  g_clear_pointer (&self->row_labels, g_ptr_array_unref);
  g_clear_pointer (&self->axes, json_node_unref);
  g_free (self->endpoint_id);
  G_OBJECT_CLASS (falstaff_contact_sheet_parent_class)->finalize (object);
}

static void
falstaff_contact_sheet_class_init (FalstaffContactSheetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_contact_sheet_dispose;
  object_class->finalize = falstaff_contact_sheet_finalize;

  signals[SIGNAL_OPEN_RUN] = g_signal_new ("open-run", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                           0, NULL, NULL, NULL, G_TYPE_NONE, 1, FALSTAFF_TYPE_RUN);
  signals[SIGNAL_RUN_AGAIN] = g_signal_new ("run-again", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 1, FALSTAFF_TYPE_RUN);
  signals[SIGNAL_MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (widget_class, "sheet.cancel-all", NULL, cancel_all_activated);
  gtk_widget_class_install_action (widget_class, "sheet.export", NULL, export_activated);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-contact-sheet.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffContactSheet, box);
  gtk_widget_class_bind_template_child (widget_class, FalstaffContactSheet, title_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffContactSheet, progress_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffContactSheet, grid);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_contact_sheet_init (FalstaffContactSheet *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cells = g_ptr_array_new_with_free_func (unref_or_null);
  self->cell_runs = g_ptr_array_new_with_free_func (unref_or_null);
  self->column_labels = g_ptr_array_new_with_free_func (g_free);
  self->row_labels = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sheet.cancel-all", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sheet.export", FALSE);
}

/* ------------------------------------------------------------------ public API */

void
falstaff_contact_sheet_set_output_keeper (FalstaffContactSheet *self,
                                          FalstaffOutputKeeper *keeper)
{
  g_return_if_fail (FALSTAFF_IS_CONTACT_SHEET (self));

  g_set_object (&self->keeper, keeper);
}

void
falstaff_contact_sheet_set_sweep (FalstaffContactSheet *self,
                                  FalstaffRunStore     *store,
                                  gint64                sweep_id)
{
  g_return_if_fail (FALSTAFF_IS_CONTACT_SHEET (self));
  g_return_if_fail (store == NULL || FALSTAFF_IS_RUN_STORE (store));

  if (self->store != store)
    {
      g_clear_signal_handler (&self->items_changed_handler, self->store);
      g_set_object (&self->store, store);
      if (store)
        self->items_changed_handler = g_signal_connect (store, "items-changed",
                                                        G_CALLBACK (store_items_changed_cb), self);
    }
  else if (self->sweep_id == sweep_id)
    return;
  self->sweep_id = sweep_id;
  rebuild (self);
}

gint64
falstaff_contact_sheet_get_sweep_id (FalstaffContactSheet *self)
{
  g_return_val_if_fail (FALSTAFF_IS_CONTACT_SHEET (self), 0);
  return self->sweep_id;
}

guint
falstaff_contact_sheet_get_n_columns (FalstaffContactSheet *self)
{
  g_return_val_if_fail (FALSTAFF_IS_CONTACT_SHEET (self), 0);
  return self->n_columns;
}

guint
falstaff_contact_sheet_get_n_rows (FalstaffContactSheet *self)
{
  g_return_val_if_fail (FALSTAFF_IS_CONTACT_SHEET (self), 0);
  return self->n_rows;
}

FalstaffSheetCell *
falstaff_contact_sheet_get_cell (FalstaffContactSheet *self,
                                 guint                 column,
                                 guint                 row)
{
  g_return_val_if_fail (FALSTAFF_IS_CONTACT_SHEET (self), NULL);
  return cell_at (self, column, row);
}

const char *
falstaff_contact_sheet_get_column_label (FalstaffContactSheet *self,
                                         guint                 column)
{
  g_return_val_if_fail (FALSTAFF_IS_CONTACT_SHEET (self), NULL);
  return column < self->column_labels->len ? g_ptr_array_index (self->column_labels, column) : NULL;
}

const char *
falstaff_contact_sheet_get_row_label (FalstaffContactSheet *self,
                                      guint                 row)
{
  g_return_val_if_fail (FALSTAFF_IS_CONTACT_SHEET (self), NULL);
  return row < self->row_labels->len ? g_ptr_array_index (self->row_labels, row) : NULL;
}

static void
cancel_sent_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GError) error = NULL;

  /* Each run shows its own outcome (cancelled, or done after all). */
  if (!fal_request_cancel_finish (FAL_REQUEST (source), result, NULL, &error))
    g_message ("Cancel of %s not sent: %s", fal_request_get_request_id (FAL_REQUEST (source)), error->message);
}

guint
falstaff_contact_sheet_cancel_all (FalstaffContactSheet *self)
{
  guint n = 0;

  g_return_val_if_fail (FALSTAFF_IS_CONTACT_SHEET (self), 0);

  for (guint i = 0; i < self->cell_runs->len; i++)
    {
      FalstaffRun *run = g_ptr_array_index (self->cell_runs, i);
      FalJob *job = run ? falstaff_run_get_job (run) : NULL;

      if (run == NULL || falstaff_run_is_done (run))
        continue;
      if (FAL_IS_REQUEST (job) && !fal_job_is_done (job))
        {
          fal_request_cancel_async (FAL_REQUEST (job), NULL, cancel_sent_cb, NULL);
          n++;
        }
      else if (job == NULL && falstaff_run_needs_submit_again (run))
        {
          /* Never confirmed: nothing to tell fal; the person gives up on it. */
          g_autoptr(GError) error = g_error_new_literal (FAL_ERROR, FAL_ERROR_CANCELLED,
                                                         _("Cancelled before fal confirmed it"));
          falstaff_run_fail (run, error);
          n++;
        }
    }
  return n;
}

static void
export_written_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;

  if (!falstaff_sheet_export_write_finish (FALSTAFF_SHEET_EXPORT (source), result, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* The inputs every run of the sheet shares (the axes' fields left out),
 * from the runs whose inputs are in memory. */
static char *
fixed_inputs (FalstaffContactSheet *self)
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
  g_autoptr(JsonNode) node = NULL;
  g_auto(GStrv) differing = NULL;

  for (guint i = 0; i < self->cell_runs->len; i++)
    {
      FalstaffRun *run = g_ptr_array_index (self->cell_runs, i);

      if (run && falstaff_run_get_inputs (run) && JSON_NODE_HOLDS_OBJECT (falstaff_run_get_inputs (run)))
        g_ptr_array_add (inputs, falstaff_run_get_inputs (run));
    }
  if (inputs->len == 0)
    return NULL;
  /* What compare marks as differing is what is not shared. */
  differing = falstaff_input_diff_keys ((JsonNode **) inputs->pdata, inputs->len);
  node = fal_json_deep_copy (g_ptr_array_index (inputs, 0));
  for (guint k = 0; differing[k]; k++)
    json_object_remove_member (json_node_get_object (node), differing[k]);
  for (guint a = 0; axis (self, a); a++)
    json_object_remove_member (json_node_get_object (node), json_object_get_string_member (axis (self, a), "field"));
  return json_to_string (node, FALSE);
}

void
falstaff_contact_sheet_export_async (FalstaffContactSheet *self,
                                     GFile                *file,
                                     GCancellable         *cancellable,
                                     GAsyncReadyCallback   callback,
                                     gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(FalstaffSheetExport) export = NULL;
  g_autofree char *axes = NULL;
  g_autofree char *fixed = NULL;

  g_return_if_fail (FALSTAFF_IS_CONTACT_SHEET (self));
  g_return_if_fail (G_IS_FILE (file));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, falstaff_contact_sheet_export_async);
  /* Every cell, even those not made yet. */
  build_cells (self, G_MAXUINT);
  if (self->cells->len == 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, _("The sheet is empty"));
      return;
    }
  export = falstaff_sheet_export_new (self->n_columns, self->n_rows);
  falstaff_sheet_export_set_title (export, gtk_label_get_text (self->title_label));
  for (guint c = 0; c < self->column_labels->len; c++)
    falstaff_sheet_export_set_column_label (export, c, g_ptr_array_index (self->column_labels, c));
  for (guint r = 0; r < self->row_labels->len; r++)
    falstaff_sheet_export_set_row_label (export, r, g_ptr_array_index (self->row_labels, r));
  for (guint r = 0; r < self->n_rows; r++)
    for (guint c = 0; c < self->n_columns; c++)
      {
        FalstaffSheetCell *cell = cell_at (self, c, r);
        GdkTexture *texture = falstaff_sheet_cell_get_texture (cell);

        if (texture)
          falstaff_sheet_export_set_cell_texture (export, c, r, texture);
        else
          falstaff_sheet_export_set_cell_text (export, c, r, falstaff_sheet_cell_get_text (cell));
      }
  axes = json_to_string (self->axes, FALSE);
  fixed = fixed_inputs (self);
  falstaff_sheet_export_add_metadata (export, FALSTAFF_PNG_KEY_SOFTWARE, "Falstaff " PACKAGE_VERSION);
  falstaff_sheet_export_add_metadata (export, FALSTAFF_PNG_KEY_ENDPOINT, self->endpoint_id);
  falstaff_sheet_export_add_metadata (export, FALSTAFF_PNG_KEY_SHEET_AXES, axes);
  if (fixed)
    falstaff_sheet_export_add_metadata (export, FALSTAFF_PNG_KEY_SHEET_FIXED_INPUTS, fixed);
  falstaff_sheet_export_write_async (export, file, cancellable, export_written_cb, g_steal_pointer (&task));
}

gboolean
falstaff_contact_sheet_export_finish (FalstaffContactSheet *self,
                                      GAsyncResult         *result,
                                      GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
