#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Leaks over a session of the window (issue 16): bench-session's memory
# phase (the real FalstaffWindow starting RUNS runs against `falctl
# serve`, 8 at a time) with its app process under valgrind's memcheck.
# Prints each leak record that is definitely lost and passes through
# project code, and a BENCH-RESULT line "leaks.definitely-lost" (bytes in
# such records; goal 0). Needs a display, like the other window benches:
#   xvfb-run -a -s "-screen 0 1280x800x24 -noreset" dbus-run-session -- \
#     bench/valgrind-session.sh BUILD [RUNS]
# A build with debug info (the default buildtype) names files and lines.
set -eu

build=${1:-build}
runs=${2:-50}
here=$(cd "$(dirname "$0")" && pwd)
src="$here/../src"
bench="$build/bench/bench-session"
log=$(mktemp /tmp/valgrind-session-XXXXXX.log)

supp="--suppressions=/usr/share/glib-2.0/valgrind/glib.supp"
if [ -f /usr/share/gtk-4.0/valgrind/gtk.supp ]; then
  supp="$supp --suppressions=/usr/share/gtk-4.0/valgrind/gtk.supp"
fi

# GLib's slice allocator off, so that every block is malloc's and seen.
G_SLICE=always-malloc G_DEBUG=gc-friendly "$bench" --only memory --runs "$runs" --warm-up 10 --deadline 900 \
  --wrapper "valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --num-callers=40 $supp --log-file=$log" \
  | grep -v '^BENCH-RESULT'

# The project's source files, by name: a frame "(name.c:LINE)" in one of
# them, or a function of libfal, the server or the app, is project code.
names=$(find "$src" -name '*.c' -printf '%f\n' | sort -u | tr '\n' ' ')

echo "valgrind-session: $runs runs under memcheck (log: $log)"
awk -v names="$names" '
BEGIN {
  n = split (names, list, " ")
  for (i = 1; i <= n; i++) ours[list[i]] = 1
}
function flush () {
  if (record != "" && project) {
    print record
    bytes += lost
    records++
  }
  record = ""; project = 0; lost = 0
}
/definitely lost in loss record/ {
  flush ()
  line = $0
  sub (/^==[0-9]+== /, "", line)
  record = line
  lost = line
  sub (/ bytes.*/, "", lost)
  sub (/ \(.*/, "", lost)
  gsub (/,/, "", lost)
  lost += 0
  inrecord = 1
  next
}
inrecord && /^==[0-9]+== *$/ { flush (); inrecord = 0; next }
inrecord {
  line = $0
  sub (/^==[0-9]+== /, "", line)
  record = record "\n" line
  if (match (line, /\(([A-Za-z0-9_.-]+\.c):[0-9]+\)/)) {
    file = substr (line, RSTART + 1, RLENGTH - 2)
    sub (/:[0-9]+$/, "", file)
    if (file in ours) project = 1
  }
  if (line ~ /: _?(falstaff|fal)_[a-z0-9_]+ /) project = 1
}
END {
  flush ()
  printf ("  definitely lost in project code: %d bytes in %d records\n", bytes, records)
  met = bytes == 0 ? "true" : "false"
  printf ("BENCH-RESULT {\"id\":\"leaks.definitely-lost\",\"label\":\"bytes definitely lost in project code, %d-run session under valgrind\",\"value\":%d,\"unit\":\"bytes\",\"goal\":\"<=\",\"bound\":0,\"met\":%s}\n", runs, bytes, met)
}
' runs="$runs" "$log"
grep -E "definitely lost:|indirectly lost:|ERROR SUMMARY" "$log" | sed 's/^==[0-9]*== /  all code: /'
