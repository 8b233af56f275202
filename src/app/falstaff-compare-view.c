/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-compare-view.h"
#include "falstaff-input-diff.h"

/* Pictures for the slider: detail matters more than in a list. Without
 * it, a column's picture needs only twice its shown size. */
#define COMPARE_IMAGE_SIZE 1024
#define COLUMN_IMAGE_SIZE 160

struct _FalstaffCompareView
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkLabel *title_label;
  GtkPaned *paned;
  FalstaffCompareSlider *slider;
  GtkGrid *grid;

  FalstaffOutputKeeper *keeper;
  GPtrArray *runs;
  GPtrArray *textures;            /* GdkTexture or NULL, a run each */
  GStrv highlighted;
  GCancellable *cancellable;
  guint pending;
  gboolean with_slider;
};

G_DEFINE_FINAL_TYPE (FalstaffCompareView, falstaff_compare_view, GTK_TYPE_WIDGET)

static void
unref_or_null (gpointer object)
{
  if (object)
    g_object_unref (object);
}

static void
clear (FalstaffCompareView *self)
{
  GtkWidget *child;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))))
    gtk_grid_remove (self->grid, child);
  g_ptr_array_set_size (self->runs, 0);
  g_ptr_array_set_size (self->textures, 0);
  g_clear_pointer (&self->highlighted, g_strfreev);
  falstaff_compare_slider_set_paintables (self->slider, NULL, NULL);
  self->pending = 0;
  self->with_slider = FALSE;
}

static GtkWidget *
cell_label (const char *text,
            gboolean    key,
            gboolean    differs)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  /* Keys wrap rather than shrink to "…"; long values end in one. */
  if (key)
    {
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_width_chars (GTK_LABEL (label), 12);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 18);
    }
  else
    {
      gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
      gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
    }
  gtk_label_set_selectable (GTK_LABEL (label), !key);
  gtk_widget_set_tooltip_text (label, text);
  gtk_widget_set_valign (label, GTK_ALIGN_START);
  if (key)
    gtk_widget_add_css_class (label, "dim-label");
  if (differs)
    {
      gtk_widget_add_css_class (label, "falstaff-differs");
      gtk_accessible_update_property (GTK_ACCESSIBLE (label), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                      _("Differs between the runs"), -1);
    }
  return label;
}

static char *
value_text (JsonNode *value)
{
  if (value == NULL)
    return g_strdup ("—");
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  return json_to_string (value, FALSE);
}

static void
show_slider_if_ready (FalstaffCompareView *self)
{
  if (!self->with_slider || self->textures->len != 2 ||
      g_ptr_array_index (self->textures, 0) == NULL || g_ptr_array_index (self->textures, 1) == NULL)
    return;
  falstaff_compare_slider_set_paintables (self->slider, g_ptr_array_index (self->textures, 0),
                                          g_ptr_array_index (self->textures, 1));
}

typedef struct {
  FalstaffCompareView *view;
  guint index;
  GtkPicture *picture;
} ImageLoad;

static void
image_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  ImageLoad *load = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = falstaff_output_keeper_load_thumbnail_finish (FALSTAFF_OUTPUT_KEEPER (source),
                                                                               result, &error);

  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      FalstaffCompareView *self = load->view;

      self->pending--;
      if (texture)
        {
          g_ptr_array_index (self->textures, load->index) = g_object_ref (texture);
          gtk_picture_set_paintable (load->picture, GDK_PAINTABLE (texture));
          show_slider_if_ready (self);
        }
      else
        g_debug ("Compare: no picture: %s", error->message);
    }
  g_object_unref (load->view);
  g_object_unref (load->picture);
  g_free (load);
}

static GtkWidget *
output_widget (FalstaffCompareView *self,
               FalstaffRun         *run,
               guint                index)
{
  const char *url = falstaff_run_get_thumbnail_url (run);
  const char *snippet = falstaff_run_get_text_snippet (run);

  if (url && self->keeper)
    {
      GtkWidget *picture = gtk_picture_new ();
      ImageLoad *load = g_new0 (ImageLoad, 1);

      gtk_picture_set_can_shrink (GTK_PICTURE (picture), TRUE);
      gtk_widget_set_size_request (picture, COLUMN_IMAGE_SIZE, COLUMN_IMAGE_SIZE);
      gtk_accessible_update_property (GTK_ACCESSIBLE (picture), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("The run's image"), -1);
      load->view = g_object_ref (self);
      load->index = index;
      load->picture = g_object_ref (GTK_PICTURE (picture));
      self->pending++;
      falstaff_output_keeper_load_thumbnail_async (self->keeper, falstaff_run_get_id (run), url,
                                                   self->with_slider ? COMPARE_IMAGE_SIZE : 2 * COLUMN_IMAGE_SIZE,
                                                   self->cancellable, image_cb, load);
      return picture;
    }
  {
    GtkWidget *label = gtk_label_new (snippet ? snippet : _("No image or text"));

    gtk_label_set_wrap (GTK_LABEL (label), TRUE);
    gtk_label_set_lines (GTK_LABEL (label), 6);
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
    gtk_label_set_max_width_chars (GTK_LABEL (label), 28);
    gtk_label_set_xalign (GTK_LABEL (label), 0);
    return label;
  }
}

static void
falstaff_compare_view_dispose (GObject *object)
{
  FalstaffCompareView *self = FALSTAFF_COMPARE_VIEW (object);

  if (self->runs)
    clear (self);
  g_clear_object (&self->keeper);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_COMPARE_VIEW);
  G_OBJECT_CLASS (falstaff_compare_view_parent_class)->dispose (object);
}

static void
falstaff_compare_view_finalize (GObject *object)
{
  FalstaffCompareView *self = FALSTAFF_COMPARE_VIEW (object);

  g_clear_pointer (&self->runs, g_ptr_array_unref);
  g_clear_pointer (&self->textures, g_ptr_array_unref);
  g_clear_pointer (&self->highlighted, g_strfreev);
  G_OBJECT_CLASS (falstaff_compare_view_parent_class)->finalize (object);
}

static void
falstaff_compare_view_class_init (FalstaffCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_compare_view_dispose;
  object_class->finalize = falstaff_compare_view_finalize;

  g_type_ensure (FALSTAFF_TYPE_COMPARE_SLIDER);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffCompareView, box);
  gtk_widget_class_bind_template_child (widget_class, FalstaffCompareView, title_label);
  gtk_widget_class_bind_template_child (widget_class, FalstaffCompareView, paned);
  gtk_widget_class_bind_template_child (widget_class, FalstaffCompareView, slider);
  gtk_widget_class_bind_template_child (widget_class, FalstaffCompareView, grid);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_compare_view_init (FalstaffCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->runs = g_ptr_array_new_with_free_func (g_object_unref);
  self->textures = g_ptr_array_new_with_free_func (unref_or_null);
}

void
falstaff_compare_view_set_output_keeper (FalstaffCompareView  *self,
                                         FalstaffOutputKeeper *keeper)
{
  g_return_if_fail (FALSTAFF_IS_COMPARE_VIEW (self));
  g_set_object (&self->keeper, keeper);
}

void
falstaff_compare_view_set_runs (FalstaffCompareView  *self,
                                FalstaffRun         **runs,
                                guint                 n_runs)
{
  g_autofree JsonNode **inputs = g_new0 (JsonNode *, MAX (n_runs, 1));
  g_auto(GStrv) keys = NULL;
  g_autofree char *title = NULL;
  guint n_images = 0;

  g_return_if_fail (FALSTAFF_IS_COMPARE_VIEW (self));

  clear (self);
  self->cancellable = g_cancellable_new ();
  for (guint i = 0; i < n_runs; i++)
    {
      g_ptr_array_add (self->runs, g_object_ref (runs[i]));
      g_ptr_array_add (self->textures, NULL);
      inputs[i] = falstaff_run_get_inputs (runs[i]);
      n_images += falstaff_run_get_thumbnail_url (runs[i]) != NULL;
    }
  self->highlighted = falstaff_input_diff_keys (inputs, n_runs);
  keys = falstaff_input_all_keys (inputs, n_runs);
  /* Two pictures: one over the other, the divider between. */
  self->with_slider = n_runs == 2 && n_images == 2 && self->keeper != NULL;
  gtk_widget_set_visible (GTK_WIDGET (self->slider), self->with_slider);
  falstaff_compare_slider_set_position (self->slider, 0.5);
  falstaff_compare_slider_set_zoom (self->slider, 1.0);

  title = self->with_slider
    ? g_strdup_printf (ngettext ("%u run compared: the first on the left of the divider",
                                 "%u runs compared: the first on the left of the divider, the second on the right",
                                 n_runs), n_runs)
    : g_strdup_printf (ngettext ("%u run compared", "%u runs compared", n_runs), n_runs);
  gtk_label_set_text (self->title_label, title);

  for (guint i = 0; i < n_runs; i++)
    {
      FalstaffRun *run = runs[i];
      g_autoptr(GDateTime) created = g_date_time_new_from_unix_local (falstaff_run_get_created_at (run) / G_USEC_PER_SEC);
      g_autofree char *time = g_date_time_format (created, "%e %b %H:%M:%S");
      g_autofree char *heading = g_strdup_printf ("%s\n%s", falstaff_run_get_endpoint_id (run), g_strstrip (time));
      GtkWidget *header = cell_label (heading, FALSE, FALSE);

      gtk_widget_add_css_class (header, "heading");
      gtk_grid_attach (self->grid, header, i + 1, 0, 1, 1);
      gtk_grid_attach (self->grid, output_widget (self, run, i), i + 1, 1, 1, 1);
    }
  for (guint k = 0; keys[k]; k++)
    {
      gboolean differs = g_strv_contains ((const char * const *) self->highlighted, keys[k]);
      g_autofree char *key = differs ? g_strdup_printf (_("%s (differs)"), keys[k]) : g_strdup (keys[k]);

      gtk_grid_attach (self->grid, cell_label (key, TRUE, differs), 0, k + 2, 1, 1);
      for (guint i = 0; i < n_runs; i++)
        {
          JsonObject *object = inputs[i] && JSON_NODE_HOLDS_OBJECT (inputs[i]) ? json_node_get_object (inputs[i]) : NULL;
          g_autofree char *text = value_text (object ? json_object_get_member (object, keys[k]) : NULL);

          gtk_grid_attach (self->grid, cell_label (text, FALSE, differs), i + 1, k + 2, 1, 1);
        }
    }
}

FalstaffCompareSlider *
falstaff_compare_view_get_slider (FalstaffCompareView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_COMPARE_VIEW (self), NULL);
  return self->with_slider ? self->slider : NULL;
}

char **
falstaff_compare_view_get_highlighted_keys (FalstaffCompareView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_COMPARE_VIEW (self), NULL);
  return g_strdupv (self->highlighted);
}

gboolean
falstaff_compare_view_is_loaded (FalstaffCompareView *self)
{
  g_return_val_if_fail (FALSTAFF_IS_COMPARE_VIEW (self), FALSE);
  return self->pending == 0;
}
