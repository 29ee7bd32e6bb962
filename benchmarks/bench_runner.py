"""The benchmark runner's and report's own cost, beside the work they run, in one process.

Runs a suite into a fresh folder and prints, side by side:

- the wall time of the run against the sum of its entries' own seconds (the difference is the
  runner: planning, fingerprints, child start-up, writing records);
- the time of a second run into the same folder, where every entry is current (planning and
  fingerprint checks alone);
- the time to write the report (figures, intervals, McNemar, templates), against the run.

Usage: python benchmarks/bench_runner.py [SUITE] (default: quick; any shipped name or .toml).

``python benchmarks/bench_runner.py --start`` measures what starting an entry's process costs:
a suite of ten small entries (naive Bayes and a decision tree on 2,000 MNIST images) run with
each process forked from the fork server and with each started as ``python -c``
(``MNISTKIT_FORK_SERVER=0``), alternated, twice each, a new server each run; it prints the
runner's seconds per entry (the run's wall time less the entries' own seconds) and the ratio.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mnistkit.benchmark import Result, find_suite, load_suite, run_suite, write_report
from mnistkit.benchmark._forkserver import _close_servers

SMALL_ENTRIES = """
name = "small-entries"
description = "Ten entries that each fit in well under a second"

[defaults]
dataset = "mnist"
train_size = 2000
test_size = 500
""" + "".join(
    f"""
[[entries]]
id = "{model}-{i}"
model = "pixels-{model}"
"""
    for model in ("gaussian-nb", "decision-tree")
    for i in range(5)
)


def _run_fresh(suite, folder, fork):
    """Run ``suite`` into a new folder; return (wall seconds, the entries' own seconds)."""
    _close_servers()  # each run starts its own server, as a new `mnistkit benchmark run` does
    os.environ["MNISTKIT_FORK_SERVER"] = "1" if fork else "0"
    try:
        out = Path(tempfile.mkdtemp(dir=folder))
        start = time.perf_counter()
        summary = run_suite(suite, out, progress=False)
        wall = time.perf_counter() - start
    finally:
        del os.environ["MNISTKIT_FORK_SERVER"]
    assert set(summary.statuses.values()) == {"ok"}, summary.errors
    records = [Result.read(path) for path in out.glob("entries/*/repeat-*.json")]
    return wall, sum(record.seconds for record in records)


def compare_starts():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small.toml"
        path.write_text(SMALL_ENTRIES, encoding="utf-8")
        suite = load_suite(path)
        per_entry = {True: [], False: []}
        for _ in range(2):
            for fork in (True, False):
                wall, own = _run_fresh(suite, folder, fork)
                per_entry[fork].append((wall - own) / len(suite.entries))
                print(
                    f"  {'forked' if fork else 'python -c'}: wall {wall:6.1f} s, entries' own "
                    f"{own:6.1f} s, runner {per_entry[fork][-1]:5.2f} s per entry"
                )
    forked, plain = (statistics.mean(per_entry[fork]) for fork in (True, False))
    print(f"runner seconds per entry: forked {forked:.2f}, python -c {plain:.2f}")
    print(f"ratio forked / python -c: {forked / plain:.2f}")


def main(name="quick"):
    suite = load_suite(find_suite(name))
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / suite.name
        start = time.perf_counter()
        summary = run_suite(suite, out, progress=False)
        run_seconds = time.perf_counter() - start
        records = [Result.read(path) for path in sorted(out.glob("entries/*/repeat-*.json"))]
        entry_seconds = sum(record.seconds or 0 for record in records)
        start = time.perf_counter()
        again = run_suite(suite, out, progress=False)
        resume_seconds = time.perf_counter() - start
        start = time.perf_counter()
        write_report(out)
        report_seconds = time.perf_counter() - start
    statuses = sorted(set(summary.statuses.values()))
    print(f"suite {suite.name!r}: {len(summary.ran)} runs, statuses {statuses}")
    print(f"  run, wall:                      {run_seconds:8.1f} s")
    print(f"  entries' own seconds, summed:   {entry_seconds:8.1f} s")
    overhead = run_seconds - entry_seconds
    print(
        f"  runner overhead:                {overhead:8.1f} s "
        f"({overhead / run_seconds:.1%} of the run)"
    )
    print(
        f"  second run, all current:        {resume_seconds:8.1f} s ({len(again.skipped)} skipped)"
    )
    print(
        f"  report:                         {report_seconds:8.1f} s "
        f"({report_seconds / run_seconds:.1%} of the run)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--start"]:
        compare_starts()
    else:
        main(*sys.argv[1:2])
