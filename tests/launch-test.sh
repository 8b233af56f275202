#!/usr/bin/env bash
# Starts the app the way a newcomer does, each in a clean environment of
# its own (no GSETTINGS_SCHEMA_DIR, a new HOME, its own X display and
# D-Bus session), and fails unless a window is mapped and the process is
# still alive a few seconds later.
#   launch-test.sh SOURCE_DIR BUILD_DIR
# TAP output: one test per way of starting.
set -u
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/falstaff-launch.XXXXXX")
trap 'rm -rf "$work"' EXIT

# Runs "$@" in a clean environment on a new Xvfb and D-Bus session; the
# inner script waits for a visible window, then checks the process lives.
run_clean() {
  local name=$1; shift
  mkdir -p "$work/$name/home"
  env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 HOME="$work/$name/home" \
      BUILD_DIR="$build" LOG="$LOG" GSK_RENDERER=cairo GDK_DEBUG=gl-disable \
    dbus-run-session -- xvfb-run -a -s "-screen 0 1024x768x24 -nolisten tcp -noreset" \
    bash -c '
      "$@" >"$LOG" 2>&1 &
      app=$!
      mapped=
      for _ in $(seq 1 300); do
        if xdotool search --onlyvisible --name "Falstaff" >/dev/null 2>&1; then mapped=1; break; fi
        kill -0 $app 2>/dev/null || break
        sleep 0.2
      done
      if [ -z "$mapped" ]; then echo "no window was mapped" >&2; kill $app 2>/dev/null; exit 1; fi
      sleep 3
      if ! kill -0 $app 2>/dev/null; then echo "the app died after mapping its window" >&2; exit 1; fi
      kill $app; wait $app 2>/dev/null
      exit 0' bash "$@"
}

n=0
failed=0
check() {
  local name=$1; shift
  n=$((n + 1))
  if LOG="$work/$name.log" run_clean "$name" "$@" >"$work/$name.err" 2>&1 && "${POSTCHECK:-true}" "$work/$name.log"; then
    echo "ok $n - $name"
  else
    echo "not ok $n - $name"
    sed 's/^/# /' "$work/$name.err" "$work/$name.log" | tail -n 40
    failed=$((failed + 1))
  fi
}

export LOG
echo "1..2"
says_schema_missing() { grep -q "settings schema io.github.falstaff.Falstaff is not installed" "$1"; }
finds_schema() { ! says_schema_missing "$1"; }
# The README's run command, as it is written there: it finds the schema
# the build compiled, so settings are kept.
POSTCHECK=finds_schema check readme-run "$src/build-aux/dev.sh" run
# The bare binary with no schema anywhere: it says so and goes on.
POSTCHECK=says_schema_missing check no-schema "$build/src/app/falstaff"
exit $((failed > 0))
