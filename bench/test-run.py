#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tests of bench/run (suite 'bench'), TAP on stdout.

  test-run.py table BENCH_RUN SOURCE_DIR
      the table writing alone: canned BENCH-RESULT lines for every id the
      BENCHMARKS table lists, written into copies of docs/benchmarks.md and
      README.md; checks each row (median, spread, reference, ratio or delta,
      goal, met or missed), the machine line, the headline, and that nothing
      outside the markers changed.
  test-run.py quick BENCH_RUN SOURCE_DIR BUILD_DIR
      `bench/run --quick` of the build as it is, into copies of the files:
      every id of every built benchmark has a measured row."""

import os
import re
import shutil
import subprocess
import sys
import tempfile

MARKERS = ("<!-- bench-run:begin -->", "<!-- bench-run:end -->")
HEADLINE = ("<!-- bench-headline:begin -->", "<!-- bench-headline:end -->")

n = 0
failures = 0


def check(ok, what, detail=""):
    global n, failures
    n += 1
    print("{} {} - {}".format("ok" if ok else "not ok", n, what))
    if not ok:
        failures += 1
        for line in str(detail).splitlines():
            print("# " + line)
    return ok


def between(text, markers):
    if markers[0] not in text or markers[1] not in text:
        return None
    return text.split(markers[0], 1)[1].split(markers[1], 1)[0]


def outside(text, markers):
    if markers[0] not in text or markers[1] not in text:
        return text
    head, rest = text.split(markers[0], 1)
    return head + rest.split(markers[1], 1)[1]


def rows(block):
    """{id: [cells]} of the table's rows (the id is the figure cell's `code`)."""
    out = {}
    for line in block.splitlines():
        m = re.match(r"\| (.*) `([^`]+)` \| (.*) \|$", line)
        if m:
            out[m.group(2)] = [m.group(1)] + [c.strip() for c in m.group(3).split(" | ")]
    return out


def copies(source_dir, tmp):
    docs = os.path.join(tmp, "benchmarks.md")
    readme = os.path.join(tmp, "README.md")
    shutil.copy(os.path.join(source_dir, "docs", "benchmarks.md"), docs)
    shutil.copy(os.path.join(source_dir, "README.md"), readme)
    return docs, readme


def listed_ids(bench_run):
    p = subprocess.run([bench_run, "--list-ids"], capture_output=True, text=True, check=True)
    return [line.split() for line in p.stdout.splitlines() if line.strip()]


def result_line(fid, value, unit, reference=None, goal=None, bound=None, label=None):
    parts = ['"id":"{}"'.format(fid), '"label":"{}"'.format(label or "figure " + fid),
             '"value":{}'.format(value), '"unit":"{}"'.format(unit)]
    if reference is not None:
        parts += ['"reference":{}'.format(reference), '"reference_label":"ref of {}"'.format(fid)]
    if goal is not None:
        parts += ['"goal":"{}"'.format(goal), '"bound":{}'.format(bound)]
    return "BENCH-RESULT {" + ",".join(parts) + "}"


def test_table(bench_run, source_dir):
    ids = [i for _, _, i in listed_ids(bench_run)]
    check(len(ids) == len(set(ids)) and len(ids) >= 20, "the BENCHMARKS table lists unique ids", ids)
    lines = ["a human-readable line, ignored"]
    # Every listed id: a figure with an absolute goal, met on even rows,
    # missed on odd ones; two runs each (10 and 30 → median 20, 10–30).
    for k, fid in enumerate(ids):
        if fid.startswith(("launch.", "pygobject.")) or fid == "sse.parser-rate":
            continue
        bound = 25 if k % 2 == 0 else 15
        lines.append(result_line(fid, 10, "ms", 5, "<", bound))
        lines.append(result_line(fid, 30, "ms", 7, "<", bound))
    # The headline's figures, with goals as bench-launch prints them.
    for value, ref in ((140, 80), (120, 82), (130, 78)):
        lines.append(result_line("launch.first-frame", value, "ms", ref, "ratio<=", 1.3, "exec → first frame"))
    lines.append(result_line("launch.studio-filled", 180, "ms", 80, label="exec → the studio's panes drawn"))
    lines.append(result_line("launch.idle-rss", 70.94, "MiB", 41.1, "delta<=", 20, "idle RSS"))
    lines.append(result_line("launch.first-frame-cpu", 104, "ms", 56))
    lines.append(result_line("launch.peak-rss", 90, "MiB", 45))
    lines.append(result_line("pygobject.first-frame", 150, "ms", 80))
    lines.append(result_line("pygobject.idle-rss", 55, "MiB", 41))
    lines.append(result_line("sse.parser-rate", 11157, "MB/s", 27204, "ratio>=", 0.25))
    lines.append(result_line("new.figure", 3, "ms", label="a figure no row lists yet"))

    with tempfile.TemporaryDirectory() as tmp:
        docs, readme = copies(source_dir, tmp)
        canned = os.path.join(tmp, "results.txt")
        with open(canned, "w") as f:
            f.write("\n".join(lines) + "\n")
        with open(docs) as f:
            docs_before = f.read()
        with open(readme) as f:
            readme_before = f.read()
        p = subprocess.run([bench_run, "--results-from", canned, "--docs", docs, "--readme", readme],
                           capture_output=True, text=True)
        check(p.returncode == 0, "bench/run --results-from exits 0 with goals missed", p.stderr)
        with open(docs) as f:
            docs_after = f.read()
        with open(readme) as f:
            readme_after = f.read()

        block = between(docs_after, MARKERS)
        if not check(block is not None and docs_after.count(MARKERS[0]) == 1,
                     "docs/benchmarks.md has the table between one pair of markers"):
            return
        check(outside(docs_after, MARKERS) == outside(docs_before, MARKERS),
              "nothing outside the markers of docs/benchmarks.md changed")
        check(outside(readme_after, HEADLINE) == outside(readme_before, HEADLINE),
              "nothing outside the markers of README.md changed")
        table = rows(block)
        missing = [i for i in ids if i not in table]
        check(not missing, "a row for every listed id", "missing: {}".format(missing))
        check("new.figure" in table, "a figure no row lists yet still gets a row")
        order = [i for i in table]
        check(order[:len(ids)] == ids, "rows in the order of the BENCHMARKS table", order)
        for k, fid in enumerate(ids):
            if fid.startswith(("launch.", "pygobject.")) or fid == "sse.parser-rate" or fid not in table:
                continue
            cells = table[fid]
            expected = ["figure " + fid, "20 ms (10–30)", "ref of {}: 6 ms".format(fid), "+14 ms",
                        "< {} ms".format(25 if k % 2 == 0 else 15), "met" if k % 2 == 0 else "**missed**"]
            if not check(cells == expected, "row " + fid, "got {}\nwanted {}".format(cells, expected)):
                break
        check(table.get("launch.first-frame") == ["exec → first frame", "130 ms (120–140)",
                                                   "ref of launch.first-frame: 80 ms", "1.62×",
                                                   "≤ 1.3× ref of launch.first-frame", "**missed**"],
              "ratio goal: median over medians, missed", table.get("launch.first-frame"))
        check(table.get("launch.idle-rss", [None] * 6)[1:] == ["70.9 MiB", "ref of launch.idle-rss: 41.1 MiB",
                                                                "+29.8 MiB", "≤ ref of launch.idle-rss + 20 MiB",
                                                                "**missed**"],
              "delta goal", table.get("launch.idle-rss"))
        check(table.get("sse.parser-rate", [None] * 6)[3:] == ["0.41×", "≥ 0.25× ref of sse.parser-rate", "met"],
              "ratio≥ goal", table.get("sse.parser-rate"))
        check(table.get("pygobject.first-frame", [None] * 6)[3:] == ["+70 ms", "", ""],
              "a figure without a goal: delta, no result", table.get("pygobject.first-frame"))
        check(re.search(r"^Measured on: .*\d+ cores, .* GiB RAM, Linux .*\d{4}-\d\d-\d\d, .*build.*Command: `bench/run",
                        block, re.M) is not None, "the machine line", block)

        head = between(readme_after, HEADLINE)
        check(head is not None and "| exec → first frame | 130 ms (1.62×) | 80 ms | 150 ms (the C window beside it: 80 ms; +70 ms) |" in head
              and "| 70.9 MiB RSS (+29.8 MiB) | 41.1 MiB RSS | 55 MiB RSS (the C window beside it: 41 MiB; +14 MiB) |"
              in head and "378 MiB" in head,
              "README headline: the app, the C and PyGObject windows, the browser tab", head)
        check(head is not None and
              "| exec → the studio's panes drawn (the frame after the first) | 180 ms (2.25×) | 80 ms (its first frame) |"
              in head, "README headline: the studio's second frame beside the first", head)

        # A second write replaces the table, it does not add one.
        p = subprocess.run([bench_run, "--results-from", canned, "--docs", docs, "--readme", readme],
                           capture_output=True, text=True)
        with open(docs) as f:
            again = f.read()
        check(p.returncode == 0 and again.count(MARKERS[0]) == 1 and
              (between(again, MARKERS) or "").count("`launch.first-frame`") == 1,
              "writing again replaces the table")


def test_quick(bench_run, source_dir, build_dir):
    listed = listed_ids(bench_run)
    with tempfile.TemporaryDirectory() as tmp:
        docs, readme = copies(source_dir, tmp)
        p = subprocess.run([bench_run, "--quick", "--no-build", "--build-dir", build_dir, "--docs", docs,
                            "--readme", readme], capture_output=True, text=True)
        for line in (p.stdout + p.stderr).splitlines():
            print("# " + line)
        check(p.returncode == 0, "bench/run --quick ran every built benchmark", p.returncode)
        with open(docs) as f:
            table = rows(between(f.read(), MARKERS) or "")
        built = [(name, i) for name, program, i in listed
                 if os.access(os.path.join(build_dir, "bench", program), os.X_OK)]
        check(len(built) >= 10, "the build has the benchmarks", built)
        for name, fid in built:
            cells = table.get(fid)
            check(cells is not None and cells[1] not in ("", "–"), "{}: a measured row for {}".format(name, fid),
                  cells)
        with open(readme) as f:
            head = between(f.read(), HEADLINE) or ""
        # Without the GUI (the sanitizer pass) there is no window to time.
        if not os.access(os.path.join(build_dir, "bench", "bench-launch"), os.X_OK):
            return
        check("| exec → first frame | " in head and "–" not in head.split("| exec → first frame |")[1].split("|")[1],
              "README headline has the app's first frame", head)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "table" and len(sys.argv) == 4:
        test_table(sys.argv[2], sys.argv[3])
    elif mode == "quick" and len(sys.argv) == 5:
        test_quick(sys.argv[2], sys.argv[3], os.path.abspath(sys.argv[4]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print("1..{}".format(n))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
