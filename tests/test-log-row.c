/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gtk/gtk.h>

#include "falstaff-log-row.h"

/* A log line's row (issue #16): one widget, one line high whatever it
 * says, its level a CSS class; a new line only redraws it. A log flood's
 * jump to the end builds ~205 of them at once (GTK 4.8's list view), so
 * they must be cheap to make and to measure. */

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
test_line (void)
{
  GtkWidget *row = g_object_ref_sink (falstaff_log_row_new ());

  falstaff_log_row_set_line (FALSTAFF_LOG_ROW (row), "2026-11-25T12:00:01.123Z", "WARNING", "two\nlines\tand a tab");
  /* The clock time, the level in its column, the message on one line. */
  g_assert_cmpstr (falstaff_log_row_get_text (FALSTAFF_LOG_ROW (row)), ==, "12:00:01  WARNING  two lines and a tab");
  g_assert_true (gtk_widget_has_css_class (row, "log-warning"));
  gtk_test_accessible_assert_property (row, GTK_ACCESSIBLE_PROPERTY_LABEL, "12:00:01  WARNING  two lines and a tab");

  /* A recycled row takes the new level's class and drops the old one. */
  falstaff_log_row_set_line (FALSTAFF_LOG_ROW (row), "2026-11-25T12:00:02Z", "INFO", "ready");
  g_assert_cmpstr (falstaff_log_row_get_text (FALSTAFF_LOG_ROW (row)), ==, "12:00:02  INFO     ready");
  g_assert_true (gtk_widget_has_css_class (row, "log-info"));
  g_assert_false (gtk_widget_has_css_class (row, "log-warning"));

  /* No time (a line fal sent without one), no level. */
  falstaff_log_row_set_line (FALSTAFF_LOG_ROW (row), NULL, NULL, "bare");
  g_assert_cmpstr (falstaff_log_row_get_text (FALSTAFF_LOG_ROW (row)), ==, "                   bare");
  g_object_unref (row);
}

static void
test_one_line_high (void)
{
  GtkWidget *window = gtk_window_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *rows[2] = { falstaff_log_row_new (), falstaff_log_row_new () };
  g_autoptr(GString) long_message = g_string_new (NULL);
  guint toplevel_sizes = 0, paints = 0, last_paints;
  int short_height, long_height, natural_width;

  for (guint i = 0; i < 200; i++)
    g_string_append (long_message, "a long log line that goes on ");
  falstaff_log_row_set_line (FALSTAFF_LOG_ROW (rows[0]), "2026-11-25T12:00:01Z", "INFO", "short");
  falstaff_log_row_set_line (FALSTAFF_LOG_ROW (rows[1]), "2026-11-25T12:00:01Z", "ERROR", long_message->str);
  gtk_box_append (GTK_BOX (box), rows[0]);
  gtk_box_append (GTK_BOX (box), rows[1]);
  gtk_window_set_default_size (GTK_WINDOW (window), 400, 200);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));
  gtk_test_widget_wait_for_draw (window);
  iterate_for (200);

  gtk_widget_measure (rows[0], GTK_ORIENTATION_VERTICAL, -1, NULL, &short_height, NULL, NULL);
  gtk_widget_measure (rows[1], GTK_ORIENTATION_VERTICAL, 100, NULL, &long_height, NULL, NULL);
  gtk_widget_measure (rows[1], GTK_ORIENTATION_HORIZONTAL, -1, NULL, &natural_width, NULL, NULL);
  /* A line of text high, however long the message and however narrow. */
  g_assert_cmpint (short_height, >=, 8);
  g_assert_cmpint (long_height, ==, short_height);
  g_assert_cmpint (gtk_widget_get_height (rows[1]), ==, short_height);
  /* A long message never widens the log: it is cut short. */
  g_assert_cmpint (natural_width, <, 100);
  g_assert_cmpint (gtk_widget_get_width (rows[1]), ==, 400);

  /* A new line of the same level (a flood's are) only redraws the row: no
   * layout of the window. (A new level is a new CSS class: in GTK 4.8 a
   * style change lays the window out.) */
  g_signal_connect (gtk_native_get_surface (GTK_NATIVE (window)), "compute-size", G_CALLBACK (compute_size_cb), &toplevel_sizes);
  g_signal_connect (gtk_widget_get_frame_clock (window), "after-paint", G_CALLBACK (after_paint_cb), &paints);
  for (guint i = 0; i < 5; i++)
    {
      g_autofree char *message = g_strdup_printf ("line %u", i);

      last_paints = paints;
      falstaff_log_row_set_line (FALSTAFF_LOG_ROW (rows[0]), "2026-11-25T12:00:03Z", "INFO", message);
      iterate_for (100);
      g_assert_cmpuint (paints, >, last_paints);
    }
  g_assert_cmpuint (toplevel_sizes, ==, 0);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int    argc,
      char **argv)
{
  gtk_test_init (&argc, &argv, NULL);

  g_test_add_func ("/app/log-row/line", test_line);
  g_test_add_func ("/app/log-row/one-line-high", test_one_line_high);

  return g_test_run ();
}
