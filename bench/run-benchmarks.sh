#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Full-size benchmarks: `meson compile -C BUILD bench`. Arguments: the
# bench-server and bench-upload executables; figures go to stdout.
set -e
"$1"
echo
"$2"
echo
"$3"
echo
"$4"
echo
"$5"
if [ -n "${6:-}" ]; then
  if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
    echo; echo "bench-launch, bench-ui-stall, bench-history, bench-sweep, bench-catalog: no display; run under xvfb-run -a -s '-screen 0 1280x800x24 -noreset' dbus-run-session --"
    exit 0
  fi
  echo; "$6" --minimal "$7"
  echo; "$8"
  echo; "$9"
  echo; "${10}"
  echo; "${11}"
fi
