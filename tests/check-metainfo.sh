#!/bin/sh
# appstreamcli validate, stricter than --strict: every issue fails,
# whatever its severity (error, warning, info, pedantic hint), except
# these two, each for a reason:
# - cid-contains-uppercase-letter (pedantic): the app id follows GNOME's
#   reverse-DNS naming with the app's capitalised name, as Flathub accepts;
#   changing it would change the id itself.
# - unknown-tag developer (info), from AppStream before 1.0 only (Debian 12
#   has 0.16): <developer id><name> is AppStream 1.0's tag, the one Flathub
#   asks for; the old <developer_name> is deprecated there.
#   check-metainfo.sh APPSTREAMCLI METAINFO
out=$("$1" validate --no-net --pedantic --explain "$2" 2>&1)
status=$?
printf '%s\n' "$out"
major=$("$1" --version | sed -n 's/^AppStream version: \([0-9]*\)\..*/\1/p')
allowed='^P: [^ ]* cid-contains-uppercase-letter( |$)'
[ "${major:-1}" -lt 1 ] && allowed="$allowed|^I: [^ ]* unknown-tag developer\$"
issues=$(printf '%s\n' "$out" | grep -E '^[EWIP]: ' | grep -v -E "$allowed")
if [ -n "$issues" ]; then
  printf '\nnot allowed:\n%s\n' "$issues" >&2
  exit 1
fi
if [ $status -ne 0 ] && ! printf '%s\n' "$out" | grep -q -E '^[EWIP]: '; then
  echo "appstreamcli failed without naming an issue" >&2
  exit 1
fi
exit 0
