#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# po/POTFILES.in against the tree: every file under src/ and data/ with a
# string marked for translation is listed (else xgettext never sees its
# strings and they stay English), and every listed file exists. TAP.
#   check-potfiles.py SOURCE_ROOT           the check
#   check-potfiles.py SOURCE_ROOT --print   the list POTFILES.in should hold
import os
import re
import sys

# Calls that mark a string (glib/gi18n.h, gi18n-lib.h, libintl).
C_MARK = re.compile(r'\b(?:_|N_|C_|NC_|Q_)\s*\(\s*"'
                    r'|\b(?:ngettext|dngettext|g_dngettext|g_dgettext|dgettext|g_dpgettext2|g_dcgettext)\s*\(')
# A marked string glued to a format macro: xgettext stops at the macro, so
# the catalog's msgid is cut short and never matches at run time.
C_MACRO_IN_MARK = re.compile(r'\b(?:_|N_|C_|NC_)\s*\(\s*(?:"(?:[^"\\\n]|\\.)*"\s*)+G_G\w*_FORMAT')
C_STRIP = re.compile(r'/\*.*?\*/|//[^\n]*|"(?:[^"\\\n]|\\.)*"', re.S)


def strip_c_comments(text):
    # Comments go, string literals stay (a marked string's call is outside them).
    # (Newlines kept, so that line numbers stay right.)
    return C_STRIP.sub(lambda m: m.group(0) if m.group(0).startswith('"') else ' ' + '\n' * m.group(0).count('\n'),
                       text)


def has_marked_strings(path):
    name = os.path.basename(path)
    if name.endswith(('.desktop.in', '.metainfo.xml.in', '.appdata.xml.in')):
        return True
    with open(path, encoding='utf-8', errors='replace') as f:
        text = f.read()
    if name.endswith('.gschema.xml'):
        return 'gettext-domain=' in text
    if name.endswith('.ui'):
        return re.search(r'translatable\s*=\s*"(?:yes|true|1)"', text) is not None
    if name.endswith(('.c', '.h')):
        return C_MARK.search(strip_c_comments(text)) is not None
    return False


def files_with_strings(root):
    found = []
    for top in ('src', 'data'):
        for directory, dirs, names in os.walk(os.path.join(root, top)):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(directory, name)
                if has_marked_strings(path):
                    found.append(os.path.relpath(path, root))
    return found


def macro_in_marked(root, paths):
    found = []
    for path in paths:
        if path.endswith(('.c', '.h')):
            with open(os.path.join(root, path), encoding='utf-8', errors='replace') as f:
                text = strip_c_comments(f.read())
            for match in C_MACRO_IN_MARK.finditer(text):
                found.append('%s:%d' % (path, text.count('\n', 0, match.start()) + 1))
    return found


def listed(root):
    entries = []
    with open(os.path.join(root, 'po', 'POTFILES.in'), encoding='utf-8') as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                entries.append(line)
    return entries


def main():
    root = sys.argv[1]
    marked = files_with_strings(root)
    if '--print' in sys.argv[2:]:
        print('\n'.join(marked))
        return 0
    entries = listed(root)
    missing = [path for path in marked if path not in entries]
    gone = [path for path in entries if not os.path.isfile(os.path.join(root, path))]
    twice = sorted({path for path in entries if entries.count(path) > 1})
    glued = macro_in_marked(root, marked)

    print('1..4')
    failed = False
    for number, (what, paths) in enumerate([
            ('files with marked strings are in po/POTFILES.in', missing),
            ('files listed in po/POTFILES.in exist', gone),
            ('files listed in po/POTFILES.in once', twice),
            ('no marked string has a G_G*_FORMAT macro inside (format the number apart, as %s)', glued)], 1):
        if paths:
            failed = True
            print('not ok %d - %s' % (number, what))
            for path in paths:
                print('# %s' % path)
        else:
            print('ok %d - %s' % (number, what))
    if missing:
        print('# add the missing files to po/POTFILES.in (docs/translating.md)', file=sys.stderr)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
