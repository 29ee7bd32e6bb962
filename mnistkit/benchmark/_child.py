"""One run of one entry (one repeat), in its own process: load the data, let the entry's kind fit
and measure, and write the :class:`Result` atomically.

The runner starts this module's :func:`main` in a new process group and writes the task to its
stdin (no file is left behind by a killed run): the entry (as plain data), the repeat, the
results folder, an attempt token that the result carries, so that the runner never mistakes an
older record for this run's, and the runner's host and pid. A watcher thread stops the process
group as soon as the runner or this process's parent is gone, so that a killed run leaves
nothing running.
"""

import json
import os
import platform
import resource
import shutil
import signal
import socket
import sys
import threading
import time
import traceback
import warnings
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np

from ..exceptions import DatasetNotFoundError
from ..utils._cpu import cpu_class_of, cpu_summary
from ..utils._files import process_alive
from ..utils._quiet import quiet_tensorflow_logs
from ._data import load_entry_data
from ._records import DATA_MISSING, FAILED, OK, Entry, Result, predictions_path

__all__ = ["environment", "run_entry"]

_PACKAGES = (
    "mnistkit",
    "numpy",
    "scipy",
    "scikit-learn",
    "scikit-image",
    "keras",
    "tensorflow",
    "umap-learn",
    "numba",
    "joblib",
)


# The settings that decide how many threads the numerical libraries use. Dask's workers set
# several to 1, and two entries' macro F1 and log loss then differ from a local run's in the
# fourth to seventh decimal: each record says what its run had.
THREAD_SETTINGS = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMBA_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "ONEDNN_MAX_CPU_ISA",
)


def _blas():
    """``'openblas 0.3.27 (2 threads)'`` for each BLAS and OpenMP library NumPy, SciPy and
    scikit-learn loaded, as threadpoolctl (a scikit-learn dependency) reports them."""
    from threadpoolctl import threadpool_info

    return sorted(  # sorted: the order depends on which library loaded first
        {
            f"{pool.get('internal_api')} {pool.get('version') or ''} "
            f"({pool.get('num_threads')} threads)".replace("  ", " ")
            for pool in threadpool_info()
        }
    )


def environment(worker=None):
    """Library versions and the machine, as recorded with every result.

    ``worker`` is the Dask worker's address when the run came from a cluster; ``threads``
    holds each of :data:`THREAD_SETTINGS` as the process saw it (``None``: not set).
    """
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        import psutil

        memory_gib = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # pragma: no cover - psutil is a dependency
        memory_gib = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        # The model and the instruction sets that decide training speed (bfloat16 or not).
        "cpu": cpu_summary(),
        "cpu_class": cpu_class_of(cpu_summary()),
        "blas": _blas(),
        "cpu_count": os.cpu_count(),
        "memory_gib": memory_gib,
        "host": socket.gethostname(),
        "worker": worker,
        "threads": {name: os.environ.get(name) for name in THREAD_SETTINGS},
        "versions": versions,
    }


def _peak_rss_mib():
    """This process's peak resident memory (MiB) since it started.

    Linux's ``VmHWM``, not ``getrusage``'s ``ru_maxrss``: the latter carries the peak of the
    process that started this one across ``exec`` (the runner's, often larger than an entry's
    own), which made small entries report the runner's memory and their growth a difference
    from it. ``ru_maxrss`` only where there is no ``/proc`` (macOS).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _now():
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def run_entry(entry, repeat, results_dir, attempt="", worker=None):
    """Run repeat ``repeat`` of ``entry`` and write its result into ``results_dir``.

    Errors are recorded in the result rather than raised: the status is ``ok``, ``failed`` or
    ``data missing``. ``worker`` names the Dask worker it runs on, if any. Returns the
    :class:`Result`.
    """
    quiet_tensorflow_logs()
    kind = entry.entry_kind
    result = Result.start(
        entry, repeat, attempt, FAILED, started=_now(), environment=environment(worker)
    )
    predictions = predictions_path(results_dir, entry.id, repeat)
    baseline_mib = _peak_rss_mib()
    start = time.perf_counter()
    try:
        data = load_entry_data(entry)
        result.load_seconds = time.perf_counter() - start
        result.n_train, result.n_test = len(data.y_train), len(data.y_test)
        result.fingerprint = {"entry": entry.config_fingerprint(repeat), "data": data.identity()}
        code = entry.code_identity()
        if code is not None:  # what the user's estimator was: its package version and params
            result.fingerprint["code"] = code
        result.test_set = data.test_identity()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")  # every warning once per place, none lost
            kind.run(entry, data, result, predictions)
        result.details["warnings"] = warning_lines(caught)
        result.status = OK
    except DatasetNotFoundError as exc:  # not a failure of the model: say what to fetch
        result.status = DATA_MISSING
        where = " (In a suite file, that folder is the entry's 'path'.)" if entry.path else ""
        result.error = f"{exc}{where}"
    except Exception as exc:  # recorded, and the suite goes on
        result.error = f"{type(exc).__name__}: {exc}"
        result.traceback = traceback.format_exc()
    if result.status != OK:
        predictions.unlink(missing_ok=True)  # an older run's predictions are not this one's
    result.seconds = time.perf_counter() - start
    result.peak_memory_mib = _peak_rss_mib()
    result.peak_growth_mib = _peak_rss_mib() - baseline_mib
    result.finished = _now()
    result.metrics = json.loads(json.dumps(result.metrics, default=_plain))
    result.write(results_dir)
    return result


#: The most distinct warnings a record keeps (each with how often it was raised).
MAX_WARNINGS = 5


def warning_lines(caught):
    """The warnings a run raised, as ``'ConvergenceWarning: ... (x10)'`` lines: distinct
    messages in the order first seen, the most frequent kept. scikit-learn's
    ``ConvergenceWarning`` decided a published LinearSVC row: a record must not drop it."""
    counts = {}
    for warning in caught:
        if issubclass(warning.category, DeprecationWarning | PendingDeprecationWarning):
            continue  # about the libraries' future, not this result
        text = str(warning.message).strip().splitlines()
        line = f"{warning.category.__name__}: {(text or [''])[0][:200]}"
        counts[line] = counts.get(line, 0) + 1
    kept = sorted(counts, key=lambda line: -counts[line])[:MAX_WARNINGS]
    return [line + (f" (x{counts[line]})" if counts[line] > 1 else "") for line in kept]


def _plain(value):
    """NumPy scalars and arrays as JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


def _watch_runner(runner, scratch=None, parent=None, interval=0.25):
    """Stop this process group when the runner (``[host, pid]``) or the parent process is gone.

    ``scratch`` is a folder of this run's own (a Dask worker's, which sends the record back):
    it is removed first, as the parent that would have removed it is gone. ``parent`` is the
    pid of the process that started this one, as that process saw it: a parent that died while
    this process was still importing (seconds on a busy machine) is gone before the watch
    starts, and ``os.getppid()`` would then name the process that adopted the orphan.

    A killed runner cannot stop its children itself; polling is what works for every way a
    runner ends (Linux's ``PR_SET_PDEATHSIG`` fires when the forking *thread* ends, which with
    joblib's thread pools is not the runner's end).
    """
    if os.getpgrp() != os.getpid():
        return  # not started by the runner (a group of our own): nothing of ours to stop
    parent = os.getppid() if parent is None else parent
    host, pid = (runner or [None, None])[:2]
    watch_pid = pid if host == socket.gethostname() and isinstance(pid, int) else None

    def watch():
        while True:
            time.sleep(interval)
            orphaned = os.getppid() != parent
            if orphaned or (watch_pid is not None and not process_alive(watch_pid)):
                try:
                    if scratch:
                        shutil.rmtree(scratch, ignore_errors=True)
                    os.killpg(os.getpgrp(), signal.SIGKILL)
                finally:
                    os._exit(1)

    threading.Thread(target=watch, name="mnistkit-runner-watch", daemon=True).start()


def main(argv=None):
    """The runner's child process: reads its task (JSON) from stdin, or from the file
    ``argv[0]`` when one is given.

    ``--parent PID [--scratch FOLDER]`` before that start the watch at once: a parent killed
    before it has sent the whole task (a Dask worker killed just after starting this process)
    would otherwise leave this process waiting on a broken task and the scratch folder behind.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    early = {}
    while len(argv) >= 2 and argv[0] in ("--parent", "--scratch"):
        early[argv[0][2:]] = argv[1]
        argv = argv[2:]
    if "parent" in early:
        _watch_runner(None, early.get("scratch"), int(early["parent"]))
    try:
        text = Path(argv[0]).read_text(encoding="utf-8") if argv else sys.stdin.read()
        task = json.loads(text)
    except (OSError, ValueError):
        if early.get("scratch"):  # a task cut short: its parent is gone, and nothing ran here
            shutil.rmtree(early["scratch"], ignore_errors=True)
        raise
    _watch_runner(task.get("runner"), task.get("scratch"), task.get("parent"))
    result = run_entry(
        Entry.from_dict(task["entry"]),
        task["repeat"],
        task["results_dir"],
        task["attempt"],
        task.get("worker"),
    )
    return 0 if result.status in (OK, DATA_MISSING) else 1
