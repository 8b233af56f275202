#!/usr/bin/env bash
# Runs one UI test program on an X server (and data directory) of its own: real key events and
# clicks (xdotool) go to the focused window of a display, so tests running
# side by side must not share one.
#   own-display.sh PROGRAM [ARGS…]
set -u
dir=$(mktemp -d "${TMPDIR:-/tmp}/falstaff-display.XXXXXX")
Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp -noreset 5>"$dir/display" 2>"$dir/xvfb.log" &
xvfb=$!
for _ in $(seq 1 100); do
  [ -s "$dir/display" ] && break
  kill -0 $xvfb 2>/dev/null || { cat "$dir/xvfb.log" >&2; exit 1; }
  sleep 0.05
done
export DISPLAY=":$(tr -d '\n' <"$dir/display")"
# And a history of its own: test programs run side by side, and each
# keeps its runs in its data directory.
export XDG_DATA_HOME="$dir/data"
mkdir -p "$XDG_DATA_HOME"
unset WAYLAND_DISPLAY
# And a D-Bus session of its own: what one program's app sends on the bus
# (notifications) must not reach another's fake notification server.
if [ -z "${FALSTAFF_OWN_BUS:-}" ] && command -v dbus-run-session >/dev/null 2>&1; then
  FALSTAFF_OWN_BUS=1 dbus-run-session -- "$@"
else
  "$@"
fi
status=$?
kill $xvfb 2>/dev/null
wait $xvfb 2>/dev/null
rm -rf "$dir"
exit $status
