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

# The project's source files, by name. A leak is the project's when its
# block was allocated by project code: walking its stack from malloc,
# past GLib's allocation plumbing (g_malloc, g_slice, g_object_new…), a
# frame in src/ comes within the first three other frames (so a leaked
# SoupMessage that the app made counts, while what GTK, fontconfig or a
# GIO module keep for good, only called from the app's start-up, does not).
names=$(find "$src" -name '*.c' -printf '%f\n' | sort -u | tr '\n' ' ')

echo "valgrind-session: $runs runs under memcheck (log: $log)"
awk -v names="$names" -v runs="$runs" '
BEGIN {
  n = split (names, list, " ")
  for (i = 1; i <= n; i++) ours[list[i]] = 1
}
function flush () {
  if (record != "" && project) {
    print record
    print ""
    bytes += lost
    records++
  }
  record = ""; project = 0; lost = 0; depth = 0
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
  if (line !~ /^ *(at|by) 0x/)
    next
  fn = line
  sub (/^ *(at|by) 0x[0-9A-Fa-f]+: /, "", fn)
  sub (/ .*/, "", fn)
  plumbing = line ~ /vgpreload_/ ||
             (line ~ /libg(lib|object)-2\.0/ &&
              fn ~ /^(\?\?\?|g_malloc|g_malloc0|g_malloc_n|g_malloc0_n|g_realloc|g_realloc_n|g_try_malloc|g_try_malloc0|g_try_realloc|g_slice_alloc|g_slice_alloc0|g_slice_copy|g_type_create_instance|g_object_new|g_object_new_with_properties|g_object_newv|g_object_new_valist|g_strdup|g_strndup|g_strdup_printf|g_strdup_vprintf|g_vasprintf|g_memdup|g_memdup2)$/)
  if (plumbing)
    next
  depth++
  file = ""
  if (match (line, /\(([A-Za-z0-9_.-]+\.c):[0-9]+\)/)) {
    file = substr (line, RSTART + 1, RLENGTH - 2)
    sub (/:[0-9]+$/, "", file)
  }
  if (depth <= 3 && ((file in ours) || (file == "" && fn ~ /^_?(falstaff|fal)_/)))
    project = 1
}
END {
  flush ()
  printf ("  definitely lost, allocated by project code: %d bytes in %d records\n", bytes, records)
  met = bytes == 0 ? "true" : "false"
  printf ("BENCH-RESULT {\"id\":\"leaks.definitely-lost\",\"label\":\"bytes definitely lost by project code, %d-run session under valgrind\",\"value\":%d,\"unit\":\"bytes\",\"goal\":\"<=\",\"bound\":0,\"met\":%s}\n", runs, bytes, met)
}
' "$log"
grep -E "definitely lost:|indirectly lost:|ERROR SUMMARY" "$log" | sed 's/^==[0-9]*== /  all code: /'
