#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Full-size benchmarks: `meson compile -C BUILD bench`. Arguments: the
# bench-server and bench-upload executables; figures go to stdout.
set -e
"$1"
echo
"$2"
echo
"$3"
echo
"$4"
echo
"$5"
