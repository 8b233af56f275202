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
# And a history and caches of its own: test programs run side by side,
# each keeps its runs in its data directory, and none starts from what
# another left in the cache (the saved catalog, schemas, thumbnails): a
# program starts the same whatever ran before it.
export XDG_DATA_HOME="$dir/data" XDG_CACHE_HOME="$dir/cache"
mkdir -p "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
unset WAYLAND_DISPLAY
# And a D-Bus session of its own, with its own runtime directory and an
# unlocked Secret Service as test-session.sh gives: what one program's app
# sends on the bus (notifications) must not reach another program's fake
# notification server. What the bus starts (the accessibility bus, the
# keyring) writes to a log, not into the test's TAP output.
bus_pid=
if command -v dbus-daemon >/dev/null 2>&1; then
  export XDG_RUNTIME_DIR="$dir/runtime"
  mkdir -p "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  dbus-daemon --session --nofork --print-address=6 6>"$dir/bus" >"$dir/bus.log" 2>&1 &
  bus_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$dir/bus" ] && break
    sleep 0.05
  done
  export DBUS_SESSION_BUS_ADDRESS="$(head -n 1 "$dir/bus")"
  if command -v gnome-keyring-daemon >/dev/null 2>&1; then
    echo -n falstaff-test | gnome-keyring-daemon --unlock --components=secrets >>"$dir/bus.log" 2>&1 || true
  fi
fi
"$@"
status=$?
[ -n "$bus_pid" ] && kill $bus_pid 2>/dev/null && wait $bus_pid 2>/dev/null
kill $xvfb 2>/dev/null
wait $xvfb 2>/dev/null
rm -rf "$dir"
exit $status
