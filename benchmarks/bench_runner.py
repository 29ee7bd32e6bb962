"""The benchmark runner's and report's own cost, beside the work they run, in one process.

Runs a suite into a fresh folder and prints, side by side:

- the wall time of the run against the sum of its entries' own seconds (the difference is the
  runner: planning, fingerprints, child start-up, writing records);
- the time of a second run into the same folder, where every entry is current (planning and
  fingerprint checks alone);
- the time to write the report (figures, intervals, McNemar, templates), against the run.

Usage: python benchmarks/bench_runner.py [SUITE] (default: quick; any shipped name or .toml).
"""

import sys
import tempfile
import time
from pathlib import Path

from mnistkit.benchmark import Result, find_suite, load_suite, run_suite, write_report


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
    main(*sys.argv[1:2])
