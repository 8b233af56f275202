#!/usr/bin/env bash
# Falstaff developer entry point on Debian 12.
#   build-aux/dev.sh run    install what is missing, build, start the app
#   build-aux/dev.sh test   install what is missing, build, run every test
#                           headless (Xvfb + a private D-Bus session), then
#                           the sanitizer pass below, and print one line
#                           "N passed, N failed" for both (what CI runs);
#                           with arguments (for meson test), only the
#                           main suite, narrowed by them
#   build-aux/dev.sh sanitize  the libfal, server and falctl tests again,
#                           built with AddressSanitizer and
#                           UndefinedBehaviorSanitizer (build-asan/)
#   build-aux/dev.sh deps   only install the Debian packages
set -u
cd "$(dirname "$0")/.."

BUILD_DIR="${BUILD_DIR:-build}"
SANITIZE_BUILD_DIR="${SANITIZE_BUILD_DIR:-build-asan}"

# Everything the build, the tests (headless GUI, keyring, media) and the
# packaging checks need, from Debian 12, checked on a bare debootstrap
# (--no-install-recommends leaves out what GTK only recommends: the
# accessibility bus, without which GTK warns and the UI tests abort, and
# the SVG loader for the icon theme). gstreamer1.0-libav plays the H.264 in
# MP4 that fal's video models return; xdotool sends the UI tests' real keys.
# locales holds the sources test-i18n compiles de_DE.UTF-8 from (localedef).
# python3-gi and gir1.2-adw-1 run bench/minimal-window.py, bench/run's
# PyGObject reference window.
PACKAGES=(
  build-essential meson ninja-build pkg-config gettext locales
  libglib2.0-dev libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev libjson-glib-dev
  libsecret-1-dev libsqlite3-dev libcairo2-dev libjpeg-dev libgnutls28-dev libx11-dev
  desktop-file-utils appstream libglib2.0-bin libgtk-4-bin
  xvfb xauth dbus at-spi2-core gnome-keyring curl python3 ca-certificates
  libgtk-4-media-gstreamer gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-libav xdotool python3-pyatspi python3-gi gir1.2-adw-1
  fonts-dejavu-core librsvg2-common
  chromium
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0 gir1.2-soup-3.0 gir1.2-json-1.0
  gjs valgrind
)

install_deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # CI always refreshes: a clean machine must get everything from here.
  if [ ${#missing[@]} -eq 0 ] && [ "${CI:-}" != "true" ]; then
    return 0
  fi
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "Installing: ${missing[*]:-(refreshing all)}" >&2
  "${sudo[@]}" apt-get update &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${PACKAGES[@]}"
}

build() {
  if [ ! -f "$BUILD_DIR/build.ninja" ]; then
    meson setup "$BUILD_DIR" || return 1
  fi
  meson compile -C "$BUILD_DIR"
}

# Counts meson's test logs (one per build directory given): OK and
# EXPECTEDFAIL pass; everything else, SKIP included, fails.
count_results() {
  python3 - "$@" <<'PY'
import json, os, sys
passed = failed = 0
for build_dir in sys.argv[1:]:
    name_prefix = "" if build_dir == "build" else build_dir + ": "
    try:
        with open(os.path.join(build_dir, "meson-logs", "testlog.json")) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                entry = json.loads(line)
                if entry.get("result") in ("OK", "EXPECTEDFAIL"):
                    passed += 1
                else:
                    failed += 1
                    print("not passed: %s%s (%s)" % (name_prefix, entry.get("name"), entry.get("result")),
                          file=sys.stderr)
    except FileNotFoundError:
        print("no test log in %s: the tests did not run" % build_dir, file=sys.stderr)
        failed += 1
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed or passed == 0 else 0)
PY
}

run_suite() {
  rm -f "$BUILD_DIR/meson-logs/testlog.json"
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp -noreset" \
    build-aux/test-session.sh meson test -C "$BUILD_DIR" --print-errorlogs --num-processes 2 "$@"
}

run_tests() {
  run_suite "$@"
  local meson_status=$?
  count_results "$BUILD_DIR"
  local count_status=$?
  [ $meson_status -eq 0 ] && [ $count_status -eq 0 ]
}

# Everything but the app (GTK and its libraries are not ours to clean),
# with -Db_sanitize=address,undefined: a memory error, undefined
# behaviour or a leak ends the test that met it. The fuzz targets'
# replays are among the tests, so an input a fuzzer once crashed stays
# fixed under the sanitizers too. Leaks in libraries we do not own are
# suppressed in build-aux/lsan.supp, each with its reason; the full
# unwinder is needed for those to match frames inside the libraries.
# That unwinder makes every malloc slow (a 2,000-line log bench ran 17 s
# alone, 50–70 s beside two others), so the pass gets twice the timeouts.
build_sanitized() {
  if [ ! -f "$SANITIZE_BUILD_DIR/build.ninja" ]; then
    meson setup "$SANITIZE_BUILD_DIR" -Dgui=false -Dconformance=false \
      -Db_sanitize=address,undefined -Db_lundef=false || return 1
  fi
  meson compile -C "$SANITIZE_BUILD_DIR"
}

run_sanitized() {
  rm -f "$SANITIZE_BUILD_DIR/meson-logs/testlog.json"
  ASAN_OPTIONS="detect_leaks=1:fast_unwind_on_malloc=0:malloc_context_size=30:abort_on_error=1:halt_on_error=1:strict_string_checks=1" \
  LSAN_OPTIONS="suppressions=$PWD/build-aux/lsan.supp:print_suppressions=0" \
  UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" G_SLICE=always-malloc \
    build-aux/test-session.sh meson test -C "$SANITIZE_BUILD_DIR" --print-errorlogs --num-processes 2 \
      --timeout-multiplier 2 "$@"
}

case "${1:-}" in
  deps)
    install_deps ;;
  run)
    # Through meson devenv: the uninstalled app finds the settings schema
    # the build compiled.
    shift
    install_deps && build &&
      exec meson devenv -C "$BUILD_DIR" "$(cd "$BUILD_DIR" && pwd)/src/app/falstaff" "$@" ;;
  test)
    shift
    install_deps || exit 1
    if [ $# -gt 0 ]; then
      build && run_tests "$@"
      exit
    fi
    # Both passes run whatever the first gave; one line counts both.
    rm -f "$BUILD_DIR/meson-logs/testlog.json" "$SANITIZE_BUILD_DIR/meson-logs/testlog.json"
    build && run_suite
    build_sanitized && run_sanitized
    count_results "$BUILD_DIR" "$SANITIZE_BUILD_DIR" ;;
  sanitize)
    shift
    install_deps && build_sanitized && run_sanitized "$@"
    status=$?
    count_results "$SANITIZE_BUILD_DIR" && [ $status -eq 0 ] ;;
  *)
    echo "usage: $0 run|test|sanitize|deps" >&2
    exit 2 ;;
esac
