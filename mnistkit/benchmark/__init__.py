"""Benchmark suites: run (dataset, model) entries, keep every result, write a report."""

from ._report import load_results, write_report
from ._runner import RunSummary, completed_entries, run_suite
from ._suite import Entry, Suite, find_suite, load_suite

__all__ = [
    "Entry",
    "RunSummary",
    "Suite",
    "completed_entries",
    "find_suite",
    "load_results",
    "load_suite",
    "run_suite",
    "write_report",
]
