#!/usr/bin/env bash
# Installs the current build into a temporary root (meson install
# --destdir) and checks that the install is complete, then starts the
# INSTALLED app from there as a person would: a clean environment (no
# GSETTINGS_SCHEMA_DIR, no XDG_DATA_DIRS pointing at it, a new HOME), its
# own Xvfb and D-Bus session. The app is not installed at the prefix it was
# configured for, so this also checks that it finds its data relative to
# its own executable (src/app/falstaff-paths.c): the window must map, the
# settings schema must be found, and so must the translations (a test
# language, xx, is added to the staged locale directory; its window title
# proves the installed catalogue was read).
# Meson runs no post-install step under DESTDIR: the schemas are compiled
# here as a package manager would, after checking the step is there.
#   install-test.sh BUILD_DIR PREFIX BINDIR DATADIR LOCALEDIR APP_ID SCHEMA_ID LINGUAS
# TAP output.
set -u
build=$(cd "$1" && pwd)
prefix=$2 bindir=$3 datadir=$4 localedir=$5 app_id=$6 schema_id=$7 linguas=$8
work=$(mktemp -d "${TMPDIR:-/tmp}/falstaff-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/stage"
root="$stage$prefix"
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }

echo "1..6"

# 1. The install itself (its post-install scripts compile the schemas).
if meson install -C "$build" --no-rebuild --destdir "$stage" >"$work/install.log" 2>&1; then
  ok "meson install --destdir"
else
  not_ok "meson install --destdir"
  sed 's/^/# /' "$work/install.log" | tail -n 30
  exit 1
fi

# 2. Every file a complete install has.
expected=(
  "$bindir/falstaff"
  "$bindir/falctl"
  "$datadir/applications/$app_id.desktop"
  "$datadir/metainfo/$app_id.metainfo.xml"
  "$datadir/icons/hicolor/scalable/apps/$app_id.svg"
  "$datadir/icons/hicolor/symbolic/apps/$app_id-symbolic.svg"
  "$datadir/glib-2.0/schemas/$schema_id.gschema.xml"
)
for lang in $(sed 's/#.*//' "$linguas"); do
  expected+=("$localedir/$lang/LC_MESSAGES/falstaff.mo")
done
# libfal, once it is an installed shared library: with its headers, its
# pkg-config file and, when built, its typelib.
installed_list=$(meson introspect --installed "$build" 2>/dev/null)
if grep -q '/libfal[^/"]*\.so' <<<"$installed_list"; then
  for pattern in '/include/.*\.h"' '/pkgconfig/[^/"]*\.pc"'; do
    grep -q "$pattern" <<<"$installed_list" || expected+=("(libfal is installed, but nothing matching $pattern)")
  done
fi
# And whatever else meson says it installs.
while IFS= read -r path; do
  expected+=("${path#"$prefix"/}")
done < <(python3 -c 'import json, sys; print("\n".join(json.load(sys.stdin).values()))' <<<"$installed_list")
missing=()
for path in "${expected[@]}"; do
  [ -e "$root/$path" ] || missing+=("$path")
done
[ -x "$root/$bindir/falstaff" ] || missing+=("$bindir/falstaff (executable)")
if [ ${#missing[@]} -eq 0 ]; then
  ok "a complete install (${#expected[@]} files)"
else
  not_ok "a complete install"
  printf '# missing: %s\n' "${missing[@]}"
fi

# Under DESTDIR meson skips its post-install steps, by design: a package
# manager runs them on the target system. That the install has the step
# that compiles the schemas is checked in its log; the step is then run on
# the staged directory, as a package manager's trigger would.
schemas="$prefix/$datadir/glib-2.0/schemas"
if grep -q "glib-compile-schemas $schemas\('\|\$\)" "$work/install.log" &&
   glib-compile-schemas --strict "$root/$datadir/glib-2.0/schemas" 2>"$work/compile.log" &&
   [ -s "$root/$datadir/glib-2.0/schemas/gschemas.compiled" ]; then
  ok "the install compiles the settings schemas (gnome.post_install)"
else
  not_ok "the install compiles the settings schemas (gnome.post_install)"
  sed 's/^/# /' "$work/install.log" "$work/compile.log" | grep -i "schema" | head -n 10
fi

# The test language: the window's title, translated.
mkdir -p "$root/$localedir/xx/LC_MESSAGES"
printf 'msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Falstaff"\nmsgstr "Falstaff-xx-installed"\n' >"$work/xx.po"
msgfmt -o "$root/$localedir/xx/LC_MESSAGES/falstaff.mo" "$work/xx.po"

# 3. falctl, installed, runs.
if env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$work/home" LANG=C.UTF-8 \
     "$root/$bindir/falctl" --version >"$work/falctl.log" 2>&1; then
  ok "the installed falctl runs ($(head -n 1 "$work/falctl.log"))"
else
  not_ok "the installed falctl runs"
  sed 's/^/# /' "$work/falctl.log"
fi

# 4 and 5. The installed app, in a clean environment: LANGUAGE=xx is a
# person's choice of language, not a path.
mkdir -p "$work/home"
env -i PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 LANGUAGE=xx HOME="$work/home" \
    GSK_RENDERER=cairo GDK_DEBUG=gl-disable APP="$root/$bindir/falstaff" LOG="$work/app.log" \
  dbus-run-session -- xvfb-run -a -s "-screen 0 1024x768x24 -nolisten tcp -noreset" \
  bash -c '
    "$APP" >"$LOG" 2>&1 &
    app=$!
    mapped=
    for _ in $(seq 1 300); do
      if xdotool search --onlyvisible --name "^Falstaff-xx-installed$" >/dev/null 2>&1; then mapped=1; break; fi
      kill -0 $app 2>/dev/null || break
      sleep 0.2
    done
    if [ -z "$mapped" ]; then
      echo "no window titled Falstaff-xx-installed was mapped; visible windows:"
      xdotool search --onlyvisible --name . getwindowname %@ 2>/dev/null
      kill $app 2>/dev/null; exit 1
    fi
    sleep 2
    kill -0 $app 2>/dev/null || { echo "the app died after mapping its window"; exit 1; }
    kill $app; wait $app 2>/dev/null
    exit 0' >"$work/run.log" 2>&1
run_status=$?
if [ $run_status -eq 0 ]; then
  ok "the installed app maps its window, titled in the installed test language"
else
  not_ok "the installed app maps its window, titled in the installed test language"
  sed 's/^/# /' "$work/run.log" "$work/app.log" | tail -n 40
fi
if grep -q "is not installed" "$work/app.log"; then
  not_ok "the installed app finds its settings schema"
  sed 's/^/# /' "$work/app.log" | tail -n 20
elif [ $run_status -ne 0 ]; then
  not_ok "the installed app finds its settings schema (it did not start)"
elif [ -e "$prefix/$datadir/glib-2.0/schemas/$schema_id.gschema.xml" ]; then
  # A real install at the configured prefix would serve the schema too.
  ok "the installed app finds its settings schema # note: $prefix has one installed as well"
else
  ok "the installed app finds its settings schema"
fi
exit $((failed > 0))
