#!/usr/bin/env bash
# Runs the official fal JS client's conformance kit against falctl serve.
#   run-conformance.sh FALCTL CONFORMANCE_DIR
# It fails (never skips) when Node or the kit is missing: CI must have them.
set -u
falctl="$1"
kit="$2"
work="$(mktemp -d "${TMPDIR:-/tmp}/falstaff-conformance.XXXXXX")"
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

if [ ! -x "$kit/run.sh" ]; then
  echo "conformance kit not found at $kit" >&2
  exit 1
fi
if ! command -v node >/dev/null 2>&1; then
  echo "node is not installed: the conformance kit needs Node 20 or newer" >&2
  exit 1
fi

# Speed 5: every job is visible in IN_QUEUE/IN_PROGRESS to a client that
# polls every 100 ms, and the longest (video) takes under 2 s.
"$falctl" serve --speed 5 >"$work/serve.log" 2>&1 &
server=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n '1s/^listening //p' "$work/serve.log")
  [ -n "$url" ] && break
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "falctl serve did not start:" >&2
  cat "$work/serve.log" >&2
  exit 1
fi

# Keep the npm install between runs when the caller says where.
CONFORMANCE_WORKDIR="${FALSTAFF_CONFORMANCE_WORKDIR:-}" "$kit/run.sh" "$url"
status=$?
if ! kill -0 "$server" 2>/dev/null; then
  echo "falctl serve died during the run:" >&2
  cat "$work/serve.log" >&2
  status=1
fi
exit $status
