/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gtk/gtk.h>

#include "falstaff-sheet-tile.h"

/* A contact sheet cell's tile (issue #16): what it shows never changes its
 * size, and a new state or picture never makes GTK lay the window out
 * again. In GTK 4.8 on X11 every frame with a layout phase computes the
 * toplevel's size (seven X round trips): a 64-run sweep filling a sheet
 * paid that in every frame (bench-sweep). */

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
iterate_for (guint ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
}

static void
compute_size_cb (GdkToplevel     *toplevel,
                 GdkToplevelSize *size,
                 guint           *count)
{
  (*count)++;
}

static void
after_paint_cb (GdkFrameClock *clock,
                guint         *count)
{
  (*count)++;
}

static void
test_state_changes_only_redraw (void)
{
  GtkWidget *window = gtk_window_new ();
  FalstaffSheetTile *tile = g_object_new (FALSTAFF_TYPE_SHEET_TILE, NULL);
  g_autoptr(GdkTexture) wide = solid (192, 96, 0xff3366cc);
  g_autoptr(GdkTexture) square = solid (192, 192, 0xffcc6633);
  GdkFrameClock *clock;
  guint toplevel_sizes = 0, paints = 0, last_paints;
  int width, height, minimum, natural;
  struct {
    FalstaffSheetTileMode mode;
    const char *text;
    const char *icon;
    GdkTexture *texture;
  } states[] = {
    { FALSTAFF_SHEET_TILE_WAITING, "Sending…", NULL, NULL },
    { FALSTAFF_SHEET_TILE_WAITING, "In queue", NULL, NULL },
    { FALSTAFF_SHEET_TILE_WAITING, "Running", NULL, NULL },
    { FALSTAFF_SHEET_TILE_WAITING, "Loading the image…", NULL, NULL },
    { FALSTAFF_SHEET_TILE_IMAGE, NULL, NULL, wide },
    { FALSTAFF_SHEET_TILE_TEXT, "A long answer of a language model, far longer than a tile can show in full: "
                                "it is cut short, the whole of it in the cell's tooltip.", NULL, NULL },
    { FALSTAFF_SHEET_TILE_FAILED, "The model failed on fal's side", "dialog-warning-symbolic", NULL },
    { FALSTAFF_SHEET_TILE_IMAGE, NULL, NULL, square },
    { FALSTAFF_SHEET_TILE_WAITING, "In queue", NULL, NULL },
  };

  gtk_window_set_default_size (GTK_WINDOW (window), 300, 300);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (tile));
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (window);
  iterate_for (300);
  width = gtk_widget_get_width (GTK_WIDGET (tile));
  height = gtk_widget_get_height (GTK_WIDGET (tile));
  g_assert_cmpint (width, >, 0);

  clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (gtk_native_get_surface (GTK_NATIVE (window)), "compute-size", G_CALLBACK (compute_size_cb), &toplevel_sizes);
  g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &paints);

  for (guint i = 0; i < G_N_ELEMENTS (states); i++)
    {
      last_paints = paints;
      falstaff_sheet_tile_show (tile, states[i].mode, states[i].text, states[i].icon, states[i].texture);
      iterate_for (120);
      g_test_message ("state %u: %u toplevel sizes so far, %u paints", i, toplevel_sizes, paints - last_paints);
      /* Shown (drawn again)… */
      g_assert_cmpint (falstaff_sheet_tile_get_mode (tile), ==, states[i].mode);
      g_assert_cmpuint (paints, >, last_paints);
      /* … without laying the window out again, at the same size. */
      g_assert_cmpuint (toplevel_sizes, ==, 0);
      g_assert_cmpint (gtk_widget_get_width (GTK_WIDGET (tile)), ==, width);
      g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (tile)), ==, height);
      /* A square, whatever it shows. */
      gtk_widget_measure (GTK_WIDGET (tile), GTK_ORIENTATION_VERTICAL, 150, &minimum, &natural, NULL, NULL);
      g_assert_cmpint (minimum, ==, 150);
      g_assert_cmpint (natural, ==, 150);
      /* Waiting is told to assistive technologies. */
      gtk_test_accessible_assert_state (tile, GTK_ACCESSIBLE_STATE_BUSY,
                                        states[i].mode == FALSTAFF_SHEET_TILE_WAITING);
    }
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/sheet-tile/state-changes-only-redraw", test_state_changes_only_redraw);

  return g_test_run ();
}
