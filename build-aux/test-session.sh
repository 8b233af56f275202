#!/usr/bin/env bash
# Runs a command inside a test session of its own: a clean HOME and XDG
# directories, a private D-Bus session, and a Secret Service on it
# (gnome-keyring, unlocked with a throw-away password).
set -u
# The clean HOME and XDG directories come first, and then the D-Bus
# session: what it starts on demand (the accessibility bus, the keyring)
# must put its sockets in this session's runtime directory, not in a
# shared ~/.cache where another session's would replace them.
if [ -z "${FALSTAFF_TEST_SESSION:-}" ]; then
  ORIG_HOME="${HOME:-/root}"
  export HOME="$(mktemp -d "${TMPDIR:-/tmp}/falstaff-home.XXXXXX")"
  export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" \
         XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state"
  export XDG_RUNTIME_DIR="$HOME/runtime"
  mkdir -p "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
  chmod 700 "$XDG_RUNTIME_DIR"
  # The npm cache stays where it was, so the conformance kit installs once.
  export npm_config_cache="${npm_config_cache:-$ORIG_HOME/.npm}"
  export FALSTAFF_TEST_SESSION="$HOME"
  dbus-run-session -- "$0" "$@"
  status=$?
  rm -rf "$HOME"
  exit $status
fi
export GSK_RENDERER=cairo GDK_DEBUG=gl-disable

if command -v gnome-keyring-daemon >/dev/null 2>&1; then
  echo -n falstaff-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || true
fi

exec "$@"
