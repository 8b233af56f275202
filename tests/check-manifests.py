#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Checks a Flatpak manifest of Falstaff against what the project needs.

    check-manifests.py MANIFEST APP_ID PROFILE

The Flatpak build itself cannot run here (the GNOME SDK is not on this
machine), so this reads the manifest as flatpak-builder would and checks
what docs/packaging.md promises: the runtime, the sandbox's permissions
(no host files, no direct keyring bus name), the build from this checkout
with the profile's options. TAP output, one test per promise.
"""
import json
import os
import re
import sys

# Network for fal's API; Wayland with X11 as a fallback; DRI for GL.
# Files come through portals, the key through libsecret's Secret portal.
ALLOWED_FINISH_ARGS = {
    "--share=network",
    "--share=ipc",
    "--socket=wayland",
    "--socket=fallback-x11",
    "--device=dri",
}
# From GNOME 49 (Freedesktop SDK 25.08) the runtime itself pulls in
# org.freedesktop.Platform.codecs-extra (FFmpeg with H.264, which
# gst-libav uses for fal's MP4 videos); the app must not declare the
# retired ffmpeg-full or openh264 extensions any more.
CODECS_IN_RUNTIME_FROM = 49
RETIRED_EXTENSIONS = ("org.freedesktop.Platform.ffmpeg-full", "org.freedesktop.Platform.openh264")

results = []


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))


def meson_options(source_root):
    """The options meson_options.txt declares, with a combo's choices."""
    text = open(os.path.join(source_root, "meson_options.txt"), encoding="utf-8").read()
    options = {}
    for match in re.finditer(r"option\(\s*'([^']+)'(.*?)\)\s*$", text, re.S | re.M):
        choices = re.search(r"choices:\s*\[([^\]]*)\]", match.group(2))
        options[match.group(1)] = re.findall(r"'([^']*)'", choices.group(1)) if choices else None
    return options


def main():
    path, app_id, profile = sys.argv[1:4]
    manifest_dir = os.path.dirname(os.path.abspath(path))
    source_root = os.path.dirname(manifest_dir)

    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as e:
        print("1..1\nnot ok 1 - the manifest is valid JSON\n# %s" % e)
        return 1
    check("the manifest is valid JSON", True)

    check("its id is the meson app id %s" % app_id,
          manifest.get("id", manifest.get("app-id")) == app_id, "id: %r" % manifest.get("id"))
    check("the file is named after the id", os.path.basename(path) == app_id + ".json")
    check("runtime org.gnome.Platform, sdk org.gnome.Sdk",
          manifest.get("runtime") == "org.gnome.Platform" and manifest.get("sdk") == "org.gnome.Sdk",
          "runtime %r, sdk %r" % (manifest.get("runtime"), manifest.get("sdk")))
    version = str(manifest.get("runtime-version", ""))
    check("a stable runtime version that brings codecs-extra (>= %d)" % CODECS_IN_RUNTIME_FROM,
          version.isdigit() and int(version) >= CODECS_IN_RUNTIME_FROM, "runtime-version %r" % version)
    declared = set(manifest.get("add-extensions", {}))
    check("no retired codecs extension declared (the runtime brings codecs-extra)",
          not any(ext in declared for ext in RETIRED_EXTENSIONS), "add-extensions: %s" % sorted(declared))
    check("command falstaff", manifest.get("command") == "falstaff", "command %r" % manifest.get("command"))

    finish_args = manifest.get("finish-args", [])
    check("finish-args are exactly network, ipc, wayland, fallback-x11, dri",
          set(finish_args) == ALLOWED_FINISH_ARGS and len(finish_args) == len(ALLOWED_FINISH_ARGS),
          "finish-args: %s" % finish_args)
    check("no host file access (--filesystem): files come through portals",
          not any(a.startswith("--filesystem") for a in finish_args))
    check("no --talk-name=org.freedesktop.secrets: libsecret uses the Secret portal",
          "--talk-name=org.freedesktop.secrets" not in finish_args)

    modules = manifest.get("modules", [])
    app_module = modules[-1] if modules and isinstance(modules[-1], dict) else {}
    check("the last module is falstaff, built with meson",
          app_module.get("name") == "falstaff" and app_module.get("buildsystem") == "meson",
          "module %r" % {k: app_module.get(k) for k in ("name", "buildsystem")})
    sources = app_module.get("sources", [])
    from_checkout = (len(sources) == 1 and sources[0].get("type") == "dir"
                     and os.path.realpath(os.path.join(manifest_dir, sources[0].get("path", ""))) == os.path.realpath(source_root))
    check("built from this checkout (a dir source at the project root)", from_checkout, "sources: %s" % sources)

    opts = app_module.get("config-opts", [])
    check("-Dprofile=%s" % profile, "-Dprofile=%s" % profile in opts, "config-opts: %s" % opts)
    check("-Dconformance=false and -Dtests=false keep tests and benchmarks out",
          "-Dconformance=false" in opts and "-Dtests=false" in opts, "config-opts: %s" % opts)
    known = meson_options(source_root)
    unknown = []
    for opt in opts:
        match = re.match(r"-D([^=]+)=(.*)$", opt)
        if not match:
            continue
        name, value = match.groups()
        if name in ("buildtype", "prefix", "libdir", "b_ndebug", "b_lto"):
            continue
        if name not in known or (known[name] is not None and value not in known[name]):
            unknown.append(opt)
    check("every -D option is one meson_options.txt declares, with a valid value", not unknown,
          "unknown: %s" % unknown)

    # Both profiles' manifests build the same runtime.
    other_id = app_id[:-len(".Devel")] if app_id.endswith(".Devel") else app_id + ".Devel"
    other_path = os.path.join(manifest_dir, other_id + ".json")
    try:
        with open(other_path, encoding="utf-8") as f:
            other = json.load(f)
        same = all(other.get(k) == manifest.get(k) for k in ("runtime", "runtime-version", "sdk", "finish-args"))
        check("the other profile's manifest has the same runtime and finish-args", same, other_path)
    except (OSError, ValueError) as e:
        check("the other profile's manifest has the same runtime and finish-args", False, str(e))

    print("1..%d" % len(results))
    for i, (name, ok, detail) in enumerate(results, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
        if not ok and detail:
            print("# " + detail)
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
