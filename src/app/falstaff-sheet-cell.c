/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "falstaff"

#include "config.h"

#include <glib/gi18n.h>

#include "falstaff-sheet-cell.h"
#include "falstaff-sheet-tile.h"
#include "falstaff-tooltip.h"

/* Thumbnails of a sheet: big enough for a cell on a HiDPI screen. */
#define CELL_THUMBNAIL_SIZE 192

struct _FalstaffSheetCell
{
  GtkWidget parent_instance;

  GtkWidget *box;
  GtkButton *open_button;
  FalstaffSheetTile *tile;
  GtkButton *run_again_button;

  char *label;
  FalstaffOutputKeeper *keeper;
  FalstaffRun *run;
  gulong notify_handler;
  GCancellable *cancellable;      /* the thumbnail being loaded */
  char *thumbnail_url;            /* asked of the keeper */
  GdkTexture *texture;
  char *text;
  char *accessible_name;          /* as last given to the button */
};

G_DEFINE_FINAL_TYPE (FalstaffSheetCell, falstaff_sheet_cell, GTK_TYPE_WIDGET)

enum {
  SIGNAL_OPEN,
  SIGNAL_RUN_AGAIN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* Words in the tile (the whole of them in its tooltip, as they may be
 * cut short); nothing here changes the cell's size. */
static void
show_text (FalstaffSheetCell     *self,
           FalstaffSheetTileMode  mode,
           const char            *text,
           const char            *icon_name)
{
  if (g_strcmp0 (text, self->text) != 0)
    {
      g_free (self->text);
      self->text = g_strdup (text);
    }
  falstaff_sheet_tile_show (self->tile, mode, text, icon_name, NULL);
  falstaff_tooltip_set_text (GTK_WIDGET (self->tile), text);
}

static void
update_accessible (FalstaffSheetCell *self,
                   const char        *state)
{
  g_autofree char *name = g_strdup_printf ("%s: %s", self->label, state);

  /* A run notifies often (queue position, logs): only a new state is
   * worth telling assistive technologies. */
  if (g_strcmp0 (name, self->accessible_name) == 0)
    return;
  g_free (self->accessible_name);
  self->accessible_name = g_steal_pointer (&name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->open_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, self->accessible_name, -1);
  falstaff_tooltip_set_text (GTK_WIDGET (self->open_button), self->accessible_name);
}

static void
thumbnail_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(FalstaffSheetCell) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = falstaff_output_keeper_load_thumbnail_finish (FALSTAFF_OUTPUT_KEEPER (source),
                                                                               result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (texture == NULL)
    {
      /* The run is fine; only its picture could not be shown here. */
      show_text (self, FALSTAFF_SHEET_TILE_TEXT, _("Done, but its image could not be shown"), NULL);
      g_debug ("Sheet cell: no thumbnail: %s", error->message);
      return;
    }
  g_set_object (&self->texture, texture);
  g_clear_pointer (&self->text, g_free);
  falstaff_sheet_tile_show (self->tile, FALSTAFF_SHEET_TILE_IMAGE, NULL, NULL, texture);
  falstaff_tooltip_set_text (GTK_WIDGET (self->tile), NULL);
}

static void
load_thumbnail (FalstaffSheetCell *self,
                const char        *url)
{
  if (g_strcmp0 (url, self->thumbnail_url) == 0)
    return;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->texture);
  g_free (self->thumbnail_url);
  self->thumbnail_url = g_strdup (url);
  if (url == NULL || self->keeper == NULL)
    return;
  self->cancellable = g_cancellable_new ();
  falstaff_output_keeper_load_thumbnail_async (self->keeper, falstaff_run_get_id (self->run), url,
                                               CELL_THUMBNAIL_SIZE, self->cancellable,
                                               thumbnail_cb, g_object_ref (self));
}

/* A tile's words for a video or a sound (played in the run's own view). */
static const char *
media_words (FalstaffRun *run)
{
  JsonNode *result = falstaff_run_get_result (run);
  JsonObject *object = result && JSON_NODE_HOLDS_OBJECT (result) ? json_node_get_object (result) : NULL;

  if (object == NULL)
    return NULL;
  if (json_object_has_member (object, "video"))
    return _("A video: open the run to play it");
  if (json_object_has_member (object, "audio") || json_object_has_member (object, "audio_file") ||
      json_object_has_member (object, "audio_url"))
    return _("A sound: open the run to hear it");
  return NULL;
}

static void
update (FalstaffSheetCell *self)
{
  FalstaffRun *run = self->run;
  gboolean can_run_again = FALSE;
  const char *state = NULL;

  if (run == NULL)
    {
      load_thumbnail (self, NULL);
      show_text (self, FALSTAFF_SHEET_TILE_TEXT, _("No run: it was deleted"), NULL);
      state = self->text;
    }
  else switch (falstaff_run_get_status (run))
    {
    case FAL_JOB_COMPLETED:
      {
        const char *url = falstaff_run_get_thumbnail_url (run);
        const char *snippet = falstaff_run_get_text_snippet (run);

        if (url)
          {
            load_thumbnail (self, url);
            if (self->texture == NULL)
              {
                /* Shown as loading until the picture is there. */
                show_text (self, FALSTAFF_SHEET_TILE_WAITING, _("Loading the image…"), NULL);
              }
          }
        else
          {
            const char *media = media_words (run);

            load_thumbnail (self, NULL);
            show_text (self, FALSTAFF_SHEET_TILE_TEXT,
                       media ? media : snippet ? snippet : _("Done, with no image or text"), NULL);
          }
        state = _("Completed");
        break;
      }
    case FAL_JOB_FAILED:
      load_thumbnail (self, NULL);
      show_text (self, FALSTAFF_SHEET_TILE_FAILED,
                 falstaff_run_get_error_message (run) ? falstaff_run_get_error_message (run) : _("Failed"),
                 "dialog-warning-symbolic");
      can_run_again = TRUE;
      state = _("Failed");
      break;
    case FAL_JOB_CANCELLED:
      load_thumbnail (self, NULL);
      show_text (self, FALSTAFF_SHEET_TILE_FAILED, _("Cancelled"), "process-stop-symbolic");
      can_run_again = TRUE;
      state = _("Cancelled");
      break;
    case FAL_JOB_IN_PROGRESS:
      show_text (self, FALSTAFF_SHEET_TILE_WAITING, _("Running"), NULL);
      state = self->text;
      break;
    case FAL_JOB_IN_QUEUE:
      show_text (self, FALSTAFF_SHEET_TILE_WAITING, _("In queue"), NULL);
      state = self->text;
      break;
    case FAL_JOB_SUBMITTING:
    default:
      /* No job and no request id: the app died while sending it. */
      if (falstaff_run_needs_submit_again (run))
        {
          show_text (self, FALSTAFF_SHEET_TILE_FAILED, _("Never confirmed by fal"), "dialog-warning-symbolic");
          can_run_again = TRUE;
        }
      else
        {
          show_text (self, FALSTAFF_SHEET_TILE_WAITING, _("Sending…"), NULL);
        }
      state = self->text;
      break;
    }
  gtk_widget_set_visible (GTK_WIDGET (self->run_again_button), can_run_again);
  update_accessible (self, state);
}

static void
run_notify_cb (FalstaffSheetCell *self,
               GParamSpec        *pspec)
{
  update (self);
}

static void
open_clicked_cb (FalstaffSheetCell *self)
{
  if (self->run)
    g_signal_emit (self, signals[SIGNAL_OPEN], 0);
}

static void
run_again_clicked_cb (FalstaffSheetCell *self)
{
  if (self->run)
    g_signal_emit (self, signals[SIGNAL_RUN_AGAIN], 0);
}

static void
falstaff_sheet_cell_dispose (GObject *object)
{
  FalstaffSheetCell *self = FALSTAFF_SHEET_CELL (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_signal_handler (&self->notify_handler, self->run);
  g_clear_object (&self->run);
  g_clear_object (&self->keeper);
  g_clear_object (&self->texture);
  gtk_widget_dispose_template (GTK_WIDGET (self), FALSTAFF_TYPE_SHEET_CELL);
  G_OBJECT_CLASS (falstaff_sheet_cell_parent_class)->dispose (object);
}

static void
falstaff_sheet_cell_finalize (GObject *object)
{
  FalstaffSheetCell *self = FALSTAFF_SHEET_CELL (object);

  g_free (self->label);
  g_free (self->thumbnail_url);
  g_free (self->text);
  g_free (self->accessible_name);
  G_OBJECT_CLASS (falstaff_sheet_cell_parent_class)->finalize (object);
}

static void
falstaff_sheet_cell_class_init (FalstaffSheetCellClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = falstaff_sheet_cell_dispose;
  object_class->finalize = falstaff_sheet_cell_finalize;

  signals[SIGNAL_OPEN] = g_signal_new ("open", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_RUN_AGAIN] = g_signal_new ("run-again", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                            0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/falstaff/Falstaff/falstaff-sheet-cell.ui");
  gtk_widget_class_bind_template_child (widget_class, FalstaffSheetCell, box);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSheetCell, open_button);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSheetCell, tile);
  gtk_widget_class_bind_template_child (widget_class, FalstaffSheetCell, run_again_button);
  gtk_widget_class_bind_template_callback (widget_class, open_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, run_again_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
falstaff_sheet_cell_init (FalstaffSheetCell *self)
{
  g_type_ensure (FALSTAFF_TYPE_SHEET_TILE);
  gtk_widget_init_template (GTK_WIDGET (self));
}

FalstaffSheetCell *
falstaff_sheet_cell_new (const char           *label,
                         FalstaffOutputKeeper *keeper)
{
  FalstaffSheetCell *self = g_object_new (FALSTAFF_TYPE_SHEET_CELL, NULL);

  self->label = g_strdup (label);
  self->keeper = keeper ? g_object_ref (keeper) : NULL;
  update (self);
  return self;
}

void
falstaff_sheet_cell_set_run (FalstaffSheetCell *self,
                             FalstaffRun       *run)
{
  g_return_if_fail (FALSTAFF_IS_SHEET_CELL (self));

  if (self->run == run)
    return;
  g_clear_signal_handler (&self->notify_handler, self->run);
  g_set_object (&self->run, run);
  /* A new run at the same cell starts without the old one's picture. */
  load_thumbnail (self, NULL);
  if (run)
    self->notify_handler = g_signal_connect_object (run, "notify", G_CALLBACK (run_notify_cb),
                                                    self, G_CONNECT_SWAPPED);
  update (self);
}

FalstaffRun *
falstaff_sheet_cell_get_run (FalstaffSheetCell *self)
{
  g_return_val_if_fail (FALSTAFF_IS_SHEET_CELL (self), NULL);
  return self->run;
}

GdkTexture *
falstaff_sheet_cell_get_texture (FalstaffSheetCell *self)
{
  g_return_val_if_fail (FALSTAFF_IS_SHEET_CELL (self), NULL);
  return self->texture;
}

const char *
falstaff_sheet_cell_get_text (FalstaffSheetCell *self)
{
  g_return_val_if_fail (FALSTAFF_IS_SHEET_CELL (self), NULL);
  return self->text;
}

GtkWidget *
falstaff_sheet_cell_get_open_button (FalstaffSheetCell *self)
{
  return GTK_WIDGET (self->open_button);
}

GtkWidget *
falstaff_sheet_cell_get_run_again_button (FalstaffSheetCell *self)
{
  return GTK_WIDGET (self->run_again_button);
}
