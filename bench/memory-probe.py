#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where a program's resident memory is, by kind: heap, anonymous maps
(thread arenas, big buffers), shared libraries (each), X shared memory,
files. Starts PROGRAM in the HOME and XDG_* folders that
`bench-launch --keep` left, waits, reads /proc/PID/smaps.

  memory-probe.py KEPT_ROOT PROGRAM [--settle S] [--url URL] [--key KEY]
                  [--schema-dir DIR] [--libs N]

Run it under a display (xvfb-run ... dbus-run-session -- ...)."""
import argparse
import collections
import os
import re
import subprocess
import time

parser = argparse.ArgumentParser()
parser.add_argument("root")
parser.add_argument("program")
parser.add_argument("--settle", type=float, default=3.0)
parser.add_argument("--url", default="http://127.0.0.1:1")
parser.add_argument("--key", default="local:secret")
parser.add_argument("--schema-dir")
parser.add_argument("--libs", type=int, default=15)
args = parser.parse_args()

env = dict(os.environ)
env.update(GSK_RENDERER="cairo", GDK_DEBUG="gl-disable", FAL_KEY=args.key,
           FALSTAFF_LOCAL_URL=args.url, FALSTAFF_SECRET_SERVICE="0", GSETTINGS_BACKEND="keyfile",
           HOME=args.root + "/home", XDG_CONFIG_HOME=args.root + "/config",
           XDG_CACHE_HOME=args.root + "/cache", XDG_DATA_HOME=args.root + "/data",
           XDG_STATE_HOME=args.root + "/state")
if args.schema_dir:
    env["GSETTINGS_SCHEMA_DIR"] = args.schema_dir
process = subprocess.Popen([args.program], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
time.sleep(args.settle)
kinds = collections.Counter()
libs = collections.Counter()
kind = lib = None
with open(f"/proc/{process.pid}/smaps") as smaps:
    for line in smaps:
        mapping = re.match(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$", line)
        if mapping:
            name = mapping.group(1).strip()
            lib = None
            if name == "":
                kind = "anonymous"
            elif name.startswith("["):
                kind = name
            elif "SYSV" in name or name.startswith("/dev/shm") or "memfd" in name:
                kind = "shared memory (X)"
            elif ".so" in name:
                kind, lib = "libraries", os.path.basename(name)
            else:
                kind = "file " + os.path.basename(name)
        elif line.startswith("Rss:"):
            kib = int(line.split()[1])
            kinds[kind] += kib
            if lib:
                libs[lib] += kib
process.terminate()
process.wait()
print("RSS %.1f MiB" % (sum(kinds.values()) / 1024))
for name, kib in kinds.most_common(8):
    print("%8.1f MiB  %s" % (kib / 1024, name))
print("%d libraries; the largest:" % len(libs))
for name, kib in libs.most_common(args.libs):
    print("%8.2f MiB  %s" % (kib / 1024, name))
