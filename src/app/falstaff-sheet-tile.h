/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* What a contact sheet cell shows inside its button: a run's thumbnail,
 * or words (with a spinner while it waits, an icon when it failed).
 *
 * Its size never depends on what it shows (a square as wide as it is
 * given), so a new state or a picture only redraws it: in GTK 4.8 any
 * queued resize re-lays out the toplevel, which the X11 backend pays with
 * about seven round trips to the X server, once a frame (bench-sweep). */
#define FALSTAFF_TYPE_SHEET_TILE (falstaff_sheet_tile_get_type ())
G_DECLARE_FINAL_TYPE (FalstaffSheetTile, falstaff_sheet_tile, FALSTAFF, SHEET_TILE, GtkWidget)

typedef enum {
  FALSTAFF_SHEET_TILE_WAITING,     /* a spinner over dim words */
  FALSTAFF_SHEET_TILE_IMAGE,       /* the texture */
  FALSTAFF_SHEET_TILE_TEXT,        /* words only */
  FALSTAFF_SHEET_TILE_FAILED,      /* an icon over words */
} FalstaffSheetTileMode;

/* text: the words shown (none for an image); icon_name: FAILED's icon;
 * texture: IMAGE's picture. */
void                  falstaff_sheet_tile_show     (FalstaffSheetTile     *self,
                                                    FalstaffSheetTileMode  mode,
                                                    const char            *text,
                                                    const char            *icon_name,
                                                    GdkTexture            *texture);
FalstaffSheetTileMode falstaff_sheet_tile_get_mode (FalstaffSheetTile     *self);

G_END_DECLS
