#!/usr/bin/env bash
# copy-screenshots.sh FROM TO: the UI tests' screenshots into the docs.
set -eu
from="$1"
to="$2"
if ! ls "$from"/*.png >/dev/null 2>&1; then
  echo "no screenshots in $from: run the UI tests first (build-aux/dev.sh test)" >&2
  exit 1
fi
mkdir -p "$to"
cp "$from"/*.png "$to"/
ls "$to"
