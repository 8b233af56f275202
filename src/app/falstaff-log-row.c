/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <string.h>

#include "falstaff-log-row.h"

/* The time column's width, and the level column's (the longest level
 * fal sends, "WARNING", fits; a longer one pushes the message). */
#define TIME_CHARS 8
#define LEVEL_CHARS 7
/* Horizontal padding, as the box of labels had (6 px margins). */
#define PADDING 6

struct _FalstaffLogRow
{
  GtkWidget parent_instance;

  PangoLayout *layout;
  char *level_class;           /* the CSS class now on the row */
  guint context_serial;        /* of the Pango context the layout is for */
  int line_height;             /* pixels; 0: not known yet */
};

G_DEFINE_FINAL_TYPE (FalstaffLogRow, falstaff_log_row, GTK_TYPE_WIDGET)

/* The layout follows the widget's font: GTK changes its Pango context in
 * place when the font or the scale changes. */
static void
sync_context (FalstaffLogRow *self)
{
  PangoContext *context = gtk_widget_get_pango_context (GTK_WIDGET (self));
  guint serial = pango_context_get_serial (context);

  if (serial == self->context_serial)
    return;
  self->context_serial = serial;
  pango_layout_context_changed (self->layout);
  self->line_height = 0;
}

/* One line's height, from one character: every line is one line of the
 * same monospace font, so the rows never wait for their text to be
 * shaped to be measured. */
static int
line_height (FalstaffLogRow *self)
{
  sync_context (self);
  if (self->line_height == 0)
    {
      PangoLayout *probe = gtk_widget_create_pango_layout (GTK_WIDGET (self), "0");
      int height = 0;

      pango_layout_get_pixel_size (probe, NULL, &height);
      g_object_unref (probe);
      self->line_height = MAX (height, 1);
    }
  return self->line_height;
}

static void
falstaff_log_row_measure (GtkWidget      *widget,
                          GtkOrientation  orientation,
                          int             for_size,
                          int            *minimum,
                          int            *natural,
                          int            *minimum_baseline,
                          int            *natural_baseline)
{
  FalstaffLogRow *self = FALSTAFF_LOG_ROW (widget);

  if (orientation == GTK_ORIENTATION_VERTICAL)
    *minimum = *natural = line_height (self);
  else
    /* As narrow as it is given: the message is ellipsized. */
    *minimum = *natural = 2 * PADDING;
}

static void
falstaff_log_row_size_allocate (GtkWidget *widget,
                                int        width,
                                int        height,
                                int        baseline)
{
  FalstaffLogRow *self = FALSTAFF_LOG_ROW (widget);

  pango_layout_set_width (self->layout, MAX (0, width - 2 * PADDING) * PANGO_SCALE);
}

static void
falstaff_log_row_snapshot (GtkWidget   *widget,
                           GtkSnapshot *snapshot)
{
  FalstaffLogRow *self = FALSTAFF_LOG_ROW (widget);
  GdkRGBA color;
  int height = 0;

  sync_context (self);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
  G_GNUC_END_IGNORE_DEPRECATIONS
  pango_layout_get_pixel_size (self->layout, NULL, &height);
  gtk_snapshot_save (snapshot);
  gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (PADDING, (gtk_widget_get_height (widget) - height) / 2));
  gtk_snapshot_append_layout (snapshot, self->layout, &color);
  gtk_snapshot_restore (snapshot);
}

static void
falstaff_log_row_finalize (GObject *object)
{
  FalstaffLogRow *self = FALSTAFF_LOG_ROW (object);

  g_clear_object (&self->layout);
  g_free (self->level_class);

  G_OBJECT_CLASS (falstaff_log_row_parent_class)->finalize (object);
}

static void
falstaff_log_row_class_init (FalstaffLogRowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = falstaff_log_row_finalize;
  widget_class->measure = falstaff_log_row_measure;
  widget_class->size_allocate = falstaff_log_row_size_allocate;
  widget_class->snapshot = falstaff_log_row_snapshot;
  gtk_widget_class_set_css_name (widget_class, "logline");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_LABEL);
}

static void
falstaff_log_row_init (FalstaffLogRow *self)
{
  self->layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
  pango_layout_set_ellipsize (self->layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_single_paragraph_mode (self->layout, TRUE);
  self->context_serial = pango_context_get_serial (gtk_widget_get_pango_context (GTK_WIDGET (self)));
  gtk_widget_add_css_class (GTK_WIDGET (self), "monospace");
}

GtkWidget *
falstaff_log_row_new (void)
{
  return g_object_new (FALSTAFF_TYPE_LOG_ROW, NULL);
}

/* Pads text with spaces to width characters (at least one after it). */
static void
append_column (GString    *line,
               const char *text,
               guint       width)
{
  glong length = g_utf8_strlen (text, -1);

  g_string_append (line, text);
  for (glong i = length; i < (glong) width + 2; i++)
    g_string_append_c (line, ' ');
}

void
falstaff_log_row_set_line (FalstaffLogRow *self,
                           const char     *timestamp,
                           const char     *level,
                           const char     *message)
{
  g_autoptr(GString) line = g_string_sized_new (64);
  const char *t = timestamp ? strchr (timestamp, 'T') : NULL;
  g_autofree char *clock = t && strlen (t) >= 1 + TIME_CHARS ? g_strndup (t + 1, TIME_CHARS)
                                                             : g_strdup (timestamp ? timestamp : "");
  g_autofree char *level_class = NULL;
  PangoAttrList *attributes;
  PangoAttribute *dim;

  g_return_if_fail (FALSTAFF_IS_LOG_ROW (self));

  level = level ? level : "";
  append_column (line, clock, TIME_CHARS);
  append_column (line, level, LEVEL_CHARS);
  g_string_append (line, message ? message : "");
  /* One line: a message's own line breaks show as spaces. */
  for (char *c = line->str; *c; c++)
    if (*c == '\n' || *c == '\r' || *c == '\t')
      *c = ' ';

  pango_layout_set_text (self->layout, line->str, (int) line->len);
  /* The time dimmed, as a dim-label. */
  attributes = pango_attr_list_new ();
  dim = pango_attr_foreground_alpha_new (0.55 * 65535);
  dim->start_index = 0;
  dim->end_index = strlen (clock);
  pango_attr_list_insert (attributes, dim);
  pango_layout_set_attributes (self->layout, attributes);
  pango_attr_list_unref (attributes);

  /* Levels are CSS classes: a recycled row of the same level keeps its
   * class (no restyling in a flood). */
  level_class = g_strconcat ("log-", level, NULL);
  for (char *c = level_class; *c; c++)
    *c = g_ascii_tolower (*c);
  if (g_strcmp0 (level_class, self->level_class) != 0)
    {
      if (self->level_class)
        gtk_widget_remove_css_class (GTK_WIDGET (self), self->level_class);
      gtk_widget_add_css_class (GTK_WIDGET (self), level_class);
      g_free (self->level_class);
      self->level_class = g_steal_pointer (&level_class);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, line->str, -1);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

const char *
falstaff_log_row_get_text (FalstaffLogRow *self)
{
  g_return_val_if_fail (FALSTAFF_IS_LOG_ROW (self), NULL);

  return pango_layout_get_text (self->layout);
}
