"""Benchmark suites: run (data set, model) entries, keep every result, write a report.

Entry kinds (``classifier``, ``clustering``, ``pca``, ``sweep``) are objects registered in
:mod:`mnistkit.benchmark._kinds`; each owns its suite keys, its run, its figures and pictures.
"""

from ._dask import DaskBackend
from ._fields import SuiteError
from ._kinds import EntryKind, Fact, get_kind, kind_names, register_kind
from ._objects import compare
from ._records import CorruptRecordError, Entry, Result
from ._report import write_report
from ._results import RESULT_COLUMNS, load_results
from ._runner import RunSummary, plan_runs, run_suite
from ._suite import Suite, find_suite, list_suites, load_suite

__all__ = [
    "RESULT_COLUMNS",
    "CorruptRecordError",
    "DaskBackend",
    "Entry",
    "EntryKind",
    "Fact",
    "Result",
    "RunSummary",
    "Suite",
    "SuiteError",
    "compare",
    "find_suite",
    "get_kind",
    "kind_names",
    "list_suites",
    "load_results",
    "load_suite",
    "plan_runs",
    "register_kind",
    "run_suite",
    "write_report",
]
