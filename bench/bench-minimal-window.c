/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench"

#include "config.h"

#include <stdio.h>
#include <time.h>

#include <adwaita.h>

/* The reference for bench-launch: the least a libadwaita app shows, an
 * AdwApplication with one AdwApplicationWindow (a header bar over a
 * status page). With FALSTAFF_BENCH_FIRST_FRAME=1 it prints
 * "first-frame <g_get_monotonic_time () µs> <main thread CPU µs>" on stderr at its first frame
 * painted while mapped, with the same hook as the app's window, and then
 * stays until it is closed or killed. */

static void
after_paint_cb (GdkFrameClock *clock,
                GtkWidget     *widget)
{
  struct timespec cpu = { 0, 0 };

  if (!gtk_widget_get_mapped (widget))
    return;
  /* The main thread's CPU time so far, beside the time: a figure that
   * other processes on the machine hardly move. */
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &cpu);
  fprintf (stderr, "first-frame %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", g_get_monotonic_time (),
           (gint64) cpu.tv_sec * G_USEC_PER_SEC + cpu.tv_nsec / 1000);
  fflush (stderr);
  g_signal_handlers_disconnect_by_func (clock, after_paint_cb, widget);
}

static void
realize_cb (GtkWidget *widget)
{
  g_signal_connect_object (gtk_widget_get_frame_clock (widget), "after-paint",
                           G_CALLBACK (after_paint_cb), widget, 0);
}

static void
activate_cb (GApplication *app)
{
  GtkWidget *window = adw_application_window_new (GTK_APPLICATION (app));
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  GtkWidget *status = adw_status_page_new ();

  adw_header_bar_set_title_widget (ADW_HEADER_BAR (header), adw_window_title_new ("Minimal", NULL));
  adw_status_page_set_icon_name (ADW_STATUS_PAGE (status), "applications-graphics-symbolic");
  adw_status_page_set_title (ADW_STATUS_PAGE (status), "A Minimal Window");
  adw_status_page_set_description (ADW_STATUS_PAGE (status), "The reference for bench-launch");
  gtk_widget_set_vexpand (status, TRUE);
  gtk_box_append (GTK_BOX (box), header);
  gtk_box_append (GTK_BOX (box), status);
  adw_application_window_set_content (ADW_APPLICATION_WINDOW (window), box);
  gtk_window_set_title (GTK_WINDOW (window), "Minimal");
  gtk_window_set_default_size (GTK_WINDOW (window), 1100, 720);

  if (g_strcmp0 (g_getenv ("FALSTAFF_BENCH_FIRST_FRAME"), "1") == 0)
    g_signal_connect (window, "realize", G_CALLBACK (realize_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(AdwApplication) app = adw_application_new ("io.github.falstaff.BenchMinimalWindow",
                                                       G_APPLICATION_DEFAULT_FLAGS);

  g_signal_connect (app, "activate", G_CALLBACK (activate_cb), NULL);
  return g_application_run (G_APPLICATION (app), argc, argv);
}
