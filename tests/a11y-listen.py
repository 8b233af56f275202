#!/usr/bin/python3
# Listens over AT-SPI, as Orca does, for accessible-description changes
# in one running program and prints each as "ROLE<TAB>DESCRIPTION"; ends
# when a description contains STOP (exit 0) or after SECONDS (exit 1).
# Prints "ready" once it listens.
#   a11y-listen.py PID SECONDS STOP
import sys

import pyatspi
from gi.repository import GLib

pid, seconds, stop = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
status = 1


def on_description(event):
    global status
    try:
        if event.source.get_process_id() != pid:
            return
        role = event.source.getRoleName()
    except Exception:
        return
    text = str(event.any_data)
    print("%s\t%s" % (role, text), flush=True)
    if stop in text:
        status = 0
        pyatspi.Registry.stop()


pyatspi.Registry.registerEventListener(on_description, "object:property-change:accessible-description")
GLib.timeout_add(int(seconds * 1000), lambda: pyatspi.Registry.stop())
GLib.idle_add(lambda: print("ready", flush=True) and False)
pyatspi.Registry.start()
sys.exit(status)
