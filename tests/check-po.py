#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
# Every translation in po/ is complete against the strings the sources
# mark today: a template made afresh from po/POTFILES.in (in WORK_DIR, not
# in the source tree), each po/LANG.po merged with it as
# `meson compile falstaff-update-po` would, then counted by
# `msgfmt --check --statistics`. A new or changed string without a
# translation (untranslated or fuzzy after the merge) fails, naming it. TAP.
#   check-po.py SOURCE_ROOT WORK_DIR
import os
import re
import subprocess
import sys

# Meson's i18n preset 'glib' (po/meson.build), so the template is the one
# `meson compile falstaff-pot` writes.
XGETTEXT_ARGS = [
    '--from-code=UTF-8', '--add-comments',
    '--keyword=_', '--keyword=N_', '--keyword=C_:1c,2', '--keyword=NC_:1c,2',
    '--keyword=g_dcgettext:2', '--keyword=g_dngettext:2,3', '--keyword=g_dpgettext2:2c,3',
    '--flag=N_:1:pass-c-format', '--flag=C_:2:pass-c-format', '--flag=NC_:2:pass-c-format',
    '--flag=g_dngettext:2:pass-c-format', '--flag=g_strdup_printf:1:c-format',
    '--flag=g_string_printf:2:c-format', '--flag=g_string_append_printf:2:c-format',
    '--flag=g_error_new:3:c-format', '--flag=g_set_error:4:c-format',
    '--flag=g_markup_printf_escaped:1:c-format', '--flag=g_log:3:c-format',
    '--flag=g_print:1:c-format', '--flag=g_printerr:1:c-format', '--flag=g_printf:1:c-format',
    '--flag=g_fprintf:2:c-format', '--flag=g_sprintf:2:c-format', '--flag=g_snprintf:3:c-format',
]
STATS = re.compile(r'(\d+) translated messages?(?:, (\d+) fuzzy translations?)?(?:, (\d+) untranslated messages?)?')


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, **kwargs)


def unfinished(po_path):
    # The msgids of fuzzy or untranslated entries (obsolete ones aside).
    out = run(['msgattrib', '--only-fuzzy', '--no-obsolete', po_path]).stdout
    out += run(['msgattrib', '--untranslated', '--no-obsolete', po_path]).stdout
    return [m for m in re.findall(r'^msgid "(.+)"$', out, re.M)]


def main():
    root, work = sys.argv[1], sys.argv[2]
    os.makedirs(work, exist_ok=True)
    po_dir = os.path.join(root, 'po')
    with open(os.path.join(po_dir, 'LINGUAS'), encoding='utf-8') as f:
        linguas = [w for line in f if not line.startswith('#') for w in line.split()]
    present = sorted(n[:-3] for n in os.listdir(po_dir) if n.endswith('.po'))
    pot = os.path.join(work, 'falstaff.pot')

    print('1..%d' % (2 + len(linguas)))
    made = run(['xgettext', '--package-name=falstaff', '--directory=' + root,
                '--files-from=' + os.path.join(po_dir, 'POTFILES.in'), '--output=' + pot] + XGETTEXT_ARGS)
    if made.returncode != 0 or not os.path.isfile(pot):
        print('not ok 1 - a template from po/POTFILES.in\n# ' + made.stderr.replace('\n', '\n# '))
        return 1
    count = len(re.findall(r'^msgid ', open(pot, encoding='utf-8').read(), re.M)) - 1
    print('ok 1 - a template from po/POTFILES.in (%d strings)' % count)

    failed = False
    if sorted(linguas) != present:
        failed = True
        print('not ok 2 - po/LINGUAS lists the .po files in po/ (LINGUAS: %s; files: %s)'
              % (' '.join(linguas), ' '.join(present)))
    else:
        print('ok 2 - po/LINGUAS lists the .po files in po/')

    for number, lang in enumerate(linguas, 3):
        source = os.path.join(po_dir, lang + '.po')
        merged = os.path.join(work, lang + '.po')
        merge = run(['msgmerge', '--quiet', '--output-file=' + merged, source, pot])
        check = run(['msgfmt', '--check', '--statistics', '--output-file=/dev/null', merged])
        stats = STATS.search(check.stderr)
        fuzzy = int(stats.group(2) or 0) if stats else -1
        untranslated = int(stats.group(3) or 0) if stats else -1
        if merge.returncode != 0 or check.returncode != 0 or fuzzy != 0 or untranslated != 0:
            failed = True
            print('not ok %d - po/%s.po complete and valid' % (number, lang))
            for line in (merge.stderr + check.stderr).splitlines():
                print('# ' + line)
            for msgid in unfinished(merged)[:50]:
                print('# needs a translation: "%s"' % msgid)
        else:
            print('ok %d - po/%s.po complete and valid (%s)' % (number, lang, check.stderr.strip()))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
