#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The second reference for bench-launch: bench-minimal-window's window in
PyGObject (an Adw.Application with one Adw.ApplicationWindow, a header bar
over a status page), so bench/run can set a C app beside the same window in
Python. With FALSTAFF_BENCH_FIRST_FRAME=1 it prints
"first-frame <GLib.get_monotonic_time () µs>" on stderr at its first frame
painted while mapped, with the same hook as the C programs, then stays
until it is closed or killed. Run it as bench-launch's --falstaff."""

import os
import sys

import gi

gi.require_version("Gtk", "4.0")
gi.require_version("Adw", "1")
from gi.repository import Adw, GLib, Gtk  # noqa: E402


def realize(window):
    clock = window.get_frame_clock()
    handler = None

    def after_paint(clock):
        if not window.get_mapped():
            return
        sys.stderr.write("first-frame %d\n" % GLib.get_monotonic_time())
        sys.stderr.flush()
        clock.disconnect(handler)

    handler = clock.connect("after-paint", after_paint)


def activate(app):
    window = Adw.ApplicationWindow(application=app)
    box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
    header = Adw.HeaderBar()
    status = Adw.StatusPage()

    header.set_title_widget(Adw.WindowTitle(title="Minimal", subtitle=""))
    status.set_icon_name("applications-graphics-symbolic")
    status.set_title("A Minimal Window")
    status.set_description("The reference for bench-launch")
    status.set_vexpand(True)
    box.append(header)
    box.append(status)
    window.set_content(box)
    window.set_title("Minimal")
    window.set_default_size(1100, 720)

    if os.environ.get("FALSTAFF_BENCH_FIRST_FRAME") == "1":
        window.connect("realize", realize)
    window.present()


def main():
    app = Adw.Application(application_id="io.github.falstaff.BenchMinimalWindowPy")
    app.connect("activate", activate)
    return app.run(sys.argv)


if __name__ == "__main__":
    sys.exit(main())
