#!/usr/bin/env bash
# Builds the fuzz targets with clang's libFuzzer, AddressSanitizer and
# UndefinedBehaviorSanitizer (in build-fuzz/) and runs each for SECONDS
# (default 600) on its corpus; new inputs go to build-fuzz/corpus/NAME,
# crashes to build-fuzz/crashes/NAME/. Usage:
#   tests/fuzz/run-fuzzers.sh [SECONDS] [TARGET…]
# A crash found: copy its file into tests/fuzz/corpus/NAME/ (the replay
# test then fails until it is fixed, and keeps it fixed), then fix it.
set -eu
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-600}
shift || true
TARGETS=${*:-fuzz-sse fuzz-answers fuzz-openapi fuzz-endpoint-id fuzz-server-input fuzz-server-http}

if [ ! -d build-fuzz ]; then
  CC=clang meson setup build-fuzz -Dfuzz=true -Dgui=false -Dconformance=false \
    -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C build-fuzz $(for t in $TARGETS; do echo tests/fuzz/$t; done) >/dev/null

export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export G_SLICE=always-malloc G_DEBUG=gc-friendly
for t in $TARGETS; do
  mkdir -p build-fuzz/corpus/$t build-fuzz/crashes/$t
  echo "== $t for ${SECONDS_EACH}s"
  build-fuzz/tests/fuzz/$t -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=4096 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix=build-fuzz/crashes/$t/ \
    build-fuzz/corpus/$t tests/fuzz/corpus/$t 2>&1 \
    | grep -E '^(#[0-9]+ +DONE|stat::|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)' || true
done
