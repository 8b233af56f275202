/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include "falstaff-sheet-tile.h"

/* The smallest tile, and the one asked for when there is room. */
#define TILE_MIN 72
#define TILE_NATURAL 160
#define TILE_PADDING 6
#define SPINNER_SIZE 16
/* A turn a second in twelve steps: a sheet of waiting cells is drawn
 * twelve times a second, not sixty (each frame draws every spinner of
 * the sheet again: ~8 ms of main-thread CPU with the cairo renderer). One
 * timer for every tile, not a tick callback each: a tick keeps the frame
 * clock running sixty times a second, and each frame on X11 costs two
 * round trips even when nothing is painted. */
#define SPINNER_STEPS 12

struct _FalstaffSheetTile
{
  GtkWidget parent_instance;

  GtkWidget *icon;
  GtkWidget *caption;
  GtkWidget *words;

  FalstaffSheetTileMode mode;
  GdkTexture *texture;
  char *icon_name;
  GdkPaintable *spinner;          /* process-working-symbolic, looked up when drawn */
  gboolean spinning;
  graphene_rect_t mark;           /* where the spinner or the icon goes */
};

G_DEFINE_FINAL_TYPE (FalstaffSheetTile, falstaff_sheet_tile, GTK_TYPE_WIDGET)

static GtkSizeRequestMode
falstaff_sheet_tile_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* A square as wide as it is given, whatever it shows: the children are
 * not asked (that is the point). */
static void
falstaff_sheet_tile_measure (GtkWidget      *widget,
                             GtkOrientation  orientation,
                             int             for_size,
                             int            *minimum,
                             int            *natural,
                             int            *minimum_baseline,
                             int            *natural_baseline)
{
  if (orientation == GTK_ORIENTATION_VERTICAL && for_size >= 0)
    *minimum = *natural = MAX (TILE_MIN, for_size);
  else
    {
      *minimum = TILE_MIN;
      *natural = TILE_NATURAL;
    }
}

/* The tile's own spinner: a GtkSpinner is a CSS animation, and in GTK 4.8
 * any style change (every frame of an animation) validates the window's
 * styles in the layout phase, where X11 computes the toplevel's size
 * again. A tick that only redraws costs no layout. */
static GPtrArray *spinning_tiles;  /* FalstaffSheetTile, unowned */
static guint spin_source;

static gboolean
spin_cb (gpointer data)
{
  for (guint i = 0; i < spinning_tiles->len; i++)
    gtk_widget_queue_draw (g_ptr_array_index (spinning_tiles, i));
  return G_SOURCE_CONTINUE;
}

static void
update_spinning (FalstaffSheetTile *self)
{
  gboolean spin = self->mode == FALSTAFF_SHEET_TILE_WAITING && gtk_widget_get_mapped (GTK_WIDGET (self));

  if (spin == self->spinning)
    return;
  self->spinning = spin;
  if (spinning_tiles == NULL)
    spinning_tiles = g_ptr_array_new ();
  if (spin)
    g_ptr_array_add (spinning_tiles, self);
  else
    g_ptr_array_remove_fast (spinning_tiles, self);
  if (spinning_tiles->len > 0 && spin_source == 0)
    {
      spin_source = g_timeout_add (1000 / SPINNER_STEPS, spin_cb, NULL);
      g_source_set_name_by_id (spin_source, "[falstaff] sheet spinners");
    }
  else if (spinning_tiles->len == 0 && spin_source != 0)
    g_clear_handle_id (&spin_source, g_source_remove);
}

static void
snapshot_spinner (FalstaffSheetTile *self,
                  GtkSnapshot       *snapshot)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GdkRGBA color;

  if (self->spinner == NULL)
    self->spinner = GDK_PAINTABLE (gtk_icon_theme_lookup_icon (gtk_icon_theme_get_for_display (gtk_widget_get_display (widget)),
                                                               "process-working-symbolic", NULL, SPINNER_SIZE,
                                                               gtk_widget_get_scale_factor (widget),
                                                               gtk_widget_get_direction (widget), 0));
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (self->mark.origin.x + self->mark.size.width / 2,
                                                          self->mark.origin.y + self->mark.size.height / 2));
  gtk_snapshot_rotate (snapshot, (g_get_monotonic_time () / (G_USEC_PER_SEC / SPINNER_STEPS) % SPINNER_STEPS) * 360.0 / SPINNER_STEPS);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-SPINNER_SIZE / 2.0, -SPINNER_SIZE / 2.0));
  gtk_symbolic_paintable_snapshot_symbolic (GTK_SYMBOLIC_PAINTABLE (self->spinner), snapshot,
                                            SPINNER_SIZE, SPINNER_SIZE, &color, 1);
  gtk_snapshot_restore (snapshot);
}

static void
place (GtkWidget *child,
       int        x,
       int        y,
       int        width,
       int        height)
{
  int min_width, min_height;

  /* GTK wants every child measured before it is placed. */
  gtk_widget_measure (child, GTK_ORIENTATION_HORIZONTAL, -1, &min_width, NULL, NULL, NULL);
  gtk_widget_measure (child, GTK_ORIENTATION_VERTICAL, MAX (width, min_width), &min_height, NULL, NULL, NULL);
  gtk_widget_size_allocate (child,
                            &(GtkAllocation) { x, y, MAX (width, min_width), MAX (height, min_height) }, -1);
}

static void
falstaff_sheet_tile_size_allocate (GtkWidget *widget,
                                   int        width,
                                   int        height,
                                   int        baseline)
{
  FalstaffSheetTile *self = FALSTAFF_SHEET_TILE (widget);
  int mark_width, mark_height, middle = height / 2;
  int text_width = MAX (0, width - 2 * TILE_PADDING);

  /* The spinner or the icon just above the middle, the caption below
   * it; words alone take the whole tile. Each child has its place
   * whatever the mode, so that a new mode only redraws the tile: even a
   * queued allocation makes GTK 4.8 on X11 compute the toplevel's size
   * (in the frame clock's layout phase). */
  gtk_widget_measure (self->icon, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &mark_width, NULL, NULL);
  gtk_widget_measure (self->icon, GTK_ORIENTATION_VERTICAL, -1, NULL, &mark_height, NULL, NULL);
  graphene_rect_init (&self->mark, (width - mark_width) / 2, middle - mark_height - TILE_PADDING / 2,
                      mark_width, mark_height);
  place (self->icon, self->mark.origin.x, self->mark.origin.y, mark_width, mark_height);
  place (self->words, TILE_PADDING, TILE_PADDING, text_width, MAX (0, height - 2 * TILE_PADDING));
  place (self->caption, TILE_PADDING, middle + TILE_PADDING / 2, text_width,
         MAX (0, height - middle - TILE_PADDING / 2 - TILE_PADDING));
}

static void
falstaff_sheet_tile_snapshot (GtkWidget   *widget,
                              GtkSnapshot *snapshot)
{
  FalstaffSheetTile *self = FALSTAFF_SHEET_TILE (widget);

  switch (self->mode)
    {
    case FALSTAFF_SHEET_TILE_IMAGE:
      if (self->texture)
        {
          double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
          double texture_width = gdk_texture_get_width (self->texture);
          double texture_height = gdk_texture_get_height (self->texture);
          double scale = MIN (width / texture_width, height / texture_height);

          /* Fitted and centred, as a GtkPicture keeping its aspect does. */
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((width - texture_width * scale) / 2,
                                                                  (height - texture_height * scale) / 2));
          gdk_paintable_snapshot (GDK_PAINTABLE (self->texture), snapshot,
                                  texture_width * scale, texture_height * scale);
          gtk_snapshot_restore (snapshot);
        }
      break;
    case FALSTAFF_SHEET_TILE_WAITING:
      snapshot_spinner (self, snapshot);
      /* Dimmed as .dim-label does, without a style change. */
      gtk_snapshot_push_opacity (snapshot, 0.55);
      gtk_widget_snapshot_child (widget, self->caption, snapshot);
      gtk_snapshot_pop (snapshot);
      break;
    case FALSTAFF_SHEET_TILE_FAILED:
      gtk_widget_snapshot_child (widget, self->icon, snapshot);
      gtk_widget_snapshot_child (widget, self->caption, snapshot);
      break;
    case FALSTAFF_SHEET_TILE_TEXT:
    default:
      gtk_widget_snapshot_child (widget, self->words, snapshot);
      break;
    }
}

static void
falstaff_sheet_tile_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (falstaff_sheet_tile_parent_class)->map (widget);
  update_spinning (FALSTAFF_SHEET_TILE (widget));
}

static void
falstaff_sheet_tile_unmap (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (falstaff_sheet_tile_parent_class)->unmap (widget);
  update_spinning (FALSTAFF_SHEET_TILE (widget));
}

static void
falstaff_sheet_tile_dispose (GObject *object)
{
  FalstaffSheetTile *self = FALSTAFF_SHEET_TILE (object);

  /* Never left in the spinners' timer (a tile is unmapped first). */
  self->mode = FALSTAFF_SHEET_TILE_TEXT;
  if (self->spinning)
    {
      self->spinning = FALSE;
      g_ptr_array_remove_fast (spinning_tiles, self);
      if (spinning_tiles->len == 0)
        g_clear_handle_id (&spin_source, g_source_remove);
    }
  g_clear_object (&self->texture);
  g_clear_object (&self->spinner);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_SHEET_TILE);
  G_OBJECT_CLASS (falstaff_sheet_tile_parent_class)->dispose (object);
}

static void
falstaff_sheet_tile_finalize (GObject *object)
{
  FalstaffSheetTile *self = FALSTAFF_SHEET_TILE (object);

  g_free (self->icon_name);
  G_OBJECT_CLASS (falstaff_sheet_tile_parent_class)->finalize (object);
}

static void
falstaff_sheet_tile_class_init (FalstaffSheetTileClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_sheet_tile_dispose;
  object_class->finalize = falstaff_sheet_tile_finalize;
  widget_class->get_request_mode = falstaff_sheet_tile_get_request_mode;
  widget_class->measure = falstaff_sheet_tile_measure;
  widget_class->size_allocate = falstaff_sheet_tile_size_allocate;
  widget_class->snapshot = falstaff_sheet_tile_snapshot;
  widget_class->map = falstaff_sheet_tile_map;
  widget_class->unmap = falstaff_sheet_tile_unmap;

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-sheet-tile.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffSheetTile, icon);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSheetTile, caption);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSheetTile, words);
  gtk_widget_class_set_css_name (widget_class, "falstaff-sheet-tile");
}

static void
falstaff_sheet_tile_init (FalstaffSheetTile *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->mode = FALSTAFF_SHEET_TILE_TEXT;
  self->icon_name = g_strdup ("dialog-warning-symbolic");
}

/* Nothing here queues a resize or an allocation: the words go to a
 * GtkInscription (its size does not follow its text), the picture and the
 * mode only redraw. */
void
falstaff_sheet_tile_show (FalstaffSheetTile     *self,
                          FalstaffSheetTileMode  mode,
                          const char            *text,
                          const char            *icon_name,
                          GdkTexture            *texture)
{
  g_return_if_fail (FALSTAFF_IS_SHEET_TILE (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));

  gtk_inscription_set_text (GTK_INSCRIPTION (self->caption),
                            mode == FALSTAFF_SHEET_TILE_WAITING || mode == FALSTAFF_SHEET_TILE_FAILED ? text : NULL);
  gtk_inscription_set_text (GTK_INSCRIPTION (self->words), mode == FALSTAFF_SHEET_TILE_TEXT ? text : NULL);
  if (icon_name && g_strcmp0 (icon_name, self->icon_name) != 0)
    {
      /* Icons are the same size: only a failed cell cancelled, or the
       * reverse, pays a resize here. */
      g_free (self->icon_name);
      self->icon_name = g_strdup (icon_name);
      gtk_image_set_from_icon_name (GTK_IMAGE (self->icon), icon_name);
    }
  if (texture != self->texture)
    {
      g_set_object (&self->texture, texture);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
  if (mode != self->mode)
    {
      self->mode = mode;
      update_spinning (self);
      gtk_accessible_update_state (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_STATE_BUSY,
                                   mode == FALSTAFF_SHEET_TILE_WAITING, -1);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

FalstaffSheetTileMode
falstaff_sheet_tile_get_mode (FalstaffSheetTile *self)
{
  g_return_val_if_fail (FALSTAFF_IS_SHEET_TILE (self), FALSTAFF_SHEET_TILE_TEXT);
  return self->mode;
}
