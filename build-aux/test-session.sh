#!/usr/bin/env bash
# Runs a command inside the test session: a Secret Service (gnome-keyring,
# unlocked with a throw-away password) on the private D-Bus session that
# dbus-run-session gave us, and a clean HOME and XDG directories.
set -u
ORIG_HOME="${HOME:-/root}"
export HOME="$(mktemp -d "${TMPDIR:-/tmp}/falstaff-home.XXXXXX")"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" \
       XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state"
export XDG_RUNTIME_DIR="$HOME/runtime"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# The npm cache stays where it was, so the conformance kit installs once.
export npm_config_cache="${npm_config_cache:-$ORIG_HOME/.npm}"
export GSK_RENDERER=cairo GDK_DEBUG=gl-disable

if command -v gnome-keyring-daemon >/dev/null 2>&1; then
  echo -n falstaff-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
fi

"$@"
status=$?
rm -rf "$HOME"
exit $status
