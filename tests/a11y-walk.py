#!/usr/bin/python3
# Walks the accessibility tree of one running GTK program over AT-SPI, as
# a screen reader sees it, and lists every visible widget a person can
# focus or press that has no name to speak. Exit 0: none; 1: some (listed
# on stdout); 2: the program was not found.
#   a11y-walk.py PID
import os
import re
import sys

import pyatspi

INTERACTIVE = {
    pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_CHECK_BOX,
    pyatspi.ROLE_RADIO_BUTTON, pyatspi.ROLE_COMBO_BOX, pyatspi.ROLE_SPIN_BUTTON,
    pyatspi.ROLE_SLIDER, pyatspi.ROLE_ENTRY, pyatspi.ROLE_TEXT, pyatspi.ROLE_PASSWORD_TEXT,
    pyatspi.ROLE_LINK, pyatspi.ROLE_SWITCH if hasattr(pyatspi, "ROLE_SWITCH") else pyatspi.ROLE_TOGGLE_BUTTON,
    pyatspi.ROLE_SCROLL_BAR,
}


def find_app(pid):
    desktop = pyatspi.Registry.getDesktop(0)
    for i in range(desktop.childCount):
        app = desktop.getChildAtIndex(i)
        try:
            if app is not None and app.get_process_id() == pid:
                return app
        except Exception:
            pass
    return None


def path_of(node):
    parts = []
    while node is not None and len(parts) < 6:
        try:
            parts.append("%s%s" % (node.getRoleName(), "[%s]" % node.name if node.name else ""))
            node = node.parent
        except Exception:
            break
    return " < ".join(parts)


def on_screen(node):
    try:
        extents = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    except Exception:
        return True
    return extents.width > 0 and extents.height > 0


def has_named_descendant(node, depth=0):
    if depth > 6:
        return False
    for i in range(node.childCount):
        child = node.getChildAtIndex(i)
        if child is None:
            continue
        if speakable(child.name):
            return True
        try:
            text = child.queryText()
            if text.characterCount > 0 and text.getText(0, text.characterCount).strip():
                return True
        except Exception:
            pass
        if has_named_descendant(child, depth + 1):
            return True
    return False


# GTK 4.8 falls back to the class name ("GtkDropDown"), and a label's
# mnemonic underscore leaks into the name ("_Run"): neither is speech.
CLASS_NAME = re.compile(r"^(Gtk|Adw|Falstaff)[A-Z][A-Za-z]*$")
MNEMONIC = re.compile(r"(^|\s)_\w")


def speakable(name):
    name = (name or "").strip()
    return bool(name) and not CLASS_NAME.match(name) and not MNEMONIC.search(name)


def walk(node, missing, depth=0):
    if depth > 60:
        return
    try:
        states = node.getState()
        role = node.getRole()
    except Exception:
        return
    # GTK 4.8 calls every widget whose visible property is set "visible",
    # hidden stack pages too: what has no size is not on screen.
    if not states.contains(pyatspi.STATE_VISIBLE) or not on_screen(node):
        return
    if role in INTERACTIVE and role != pyatspi.ROLE_SCROLL_BAR:
        interactive = True
    else:
        # A focusable row is read by its contents.
        interactive = states.contains(pyatspi.STATE_FOCUSABLE) and role == pyatspi.ROLE_LIST_ITEM \
            and not has_named_descendant(node)
    if interactive and os.environ.get("FALSTAFF_A11Y_VERBOSE"):
        print("seen: %r %s" % (node.name, path_of(node)))
    if interactive and not speakable(node.name):
        parent = node.parent
        # Editable text inside a named entry is the entry itself.
        if not (role in (pyatspi.ROLE_TEXT, pyatspi.ROLE_ENTRY) and parent is not None and speakable(parent.name)):
            missing.append("%r %s" % (node.name, path_of(node)))
    try:
        children = [node.getChildAtIndex(i) for i in range(node.childCount)]
    except Exception:
        return
    for child in children:
        if child is not None:
            walk(child, missing, depth + 1)


def main():
    pid = int(sys.argv[1])
    app = find_app(pid)
    if app is None:
        print("no accessible application with pid %d" % pid)
        return 2
    missing = []
    for i in range(app.childCount):
        window = app.getChildAtIndex(i)
        if window is not None:
            walk(window, missing)
    for line in missing:
        print("unnamed: " + line)
    return 1 if missing else 0


sys.exit(main())
