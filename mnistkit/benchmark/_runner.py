"""Running a suite: entries through joblib (local cores or a Dask cluster), each one isolated.

Each run of an entry (one per repeat) happens in a child process
(``python -m mnistkit.benchmark._child``): its peak memory is its own, its time limit is enforced
by killing it, and a crash cannot take the run down. The child writes its result atomically; the
runner records a timeout or a crash itself. So a results folder only ever holds whole records.

A results folder belongs to one run at a time (:class:`~mnistkit.utils._lock.FolderLock`): a
second run into it is refused with the owner's pid and host. An entry's process lives in a
process group of its own and watches its runner: when the runner dies (``kill -9`` included),
the entry and everything it started stop within a second, so a killed run leaves no process.

Resuming is by fingerprint, not by id: a finished run is skipped only while its record is
readable, succeeded, and matches the suite entry and the data as they are now. Otherwise it runs
again, and the runner says why (``cnn: suite changed (params), running again``).
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from joblib import Parallel, delayed, parallel_config

from ..utils._files import atomic_write, remove_abandoned_temporaries
from ..utils._lock import LOCK_NAME, FolderLock
from ..utils._quiet import quiet_tensorflow_logs
from ._child import environment
from ._data import DataIdentities
from ._records import (
    DATA_MISSING,
    FAILED,
    OK,
    TIMEOUT,
    CorruptRecordError,
    Entry,
    Result,
    predictions_path,
    record_path,
)
from ._suite import list_suites, load_suite

__all__ = ["RunSummary", "plan_runs", "run_suite"]


@dataclass
class Task:
    """One run to do: repeat ``repeat`` of ``entry``, and why it runs."""

    entry: Entry
    repeat: int
    reason: str

    @property
    def name(self):
        """``cnn``, or ``cnn#2`` for the third repeat of an entry with repeats."""
        return self.entry.id if self.entry.repeats == 1 else f"{self.entry.id}#{self.repeat}"


@dataclass
class RunSummary:
    """What :func:`run_suite` did: which runs it ran and why, which it skipped, how they ended."""

    results_dir: Path
    ran: list
    skipped: list
    statuses: dict
    reasons: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)

    @property
    def n_failed(self):
        """Runs that failed or timed out."""
        return sum(status not in (OK, DATA_MISSING) for status in self.statuses.values())

    @property
    def n_data_missing(self):
        """Runs whose data set is not on this machine."""
        return sum(status == DATA_MISSING for status in self.statuses.values())

    def error(self, name):
        """The recorded error of a run that did not succeed (``None`` if it did)."""
        return self.errors.get(name)


def _move_aside(path):
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, target)
    return target


def _why_run(entry, repeat, results_dir, identities, force):
    """Why repeat ``repeat`` of ``entry`` must run (``None``: its record is current)."""
    path = record_path(results_dir, entry.id, repeat)
    if force:
        return "--force"
    if not path.exists():
        return "new"
    try:
        record = Result.read(path)
    except CorruptRecordError as exc:
        moved = _move_aside(path)
        return f"its record was corrupt ({exc}; moved to {moved.name})"
    if record.status != OK:
        return f"the last run ended '{record.status}'"
    problems = record.problems(results_dir)
    if problems:
        return f"its record is not believed ({'; '.join(problems)})"
    reasons = record.stale_reasons(entry, identities(entry))
    return reasons[0] if reasons else None


def plan_runs(suite, results_dir, *, only=None, force=False, identities=None):
    """The runs a suite needs in ``results_dir``: (tasks to run, names of runs that are current).

    Corrupt records found on the way are moved aside (``NAME.corrupt-TIMESTAMP``).
    """
    identities = identities or DataIdentities()
    entries = suite.entries
    if only is not None:
        only = [name.strip() for name in only if name.strip()]
        known = [entry.id for entry in entries]
        if not only:
            raise ValueError(
                "The selection of entries is empty; name at least one entry id (the suite's: "
                f"{', '.join(known)}), or leave the selection out to run them all."
            )
        unknown = set(only) - set(known)
        if unknown:
            raise ValueError(
                f"Suite {suite.name!r} has no entries {sorted(unknown)}; its entries are "
                f"{', '.join(known)}."
            )
        entries = [entry for entry in entries if entry.id in only]
    todo, current = [], []
    for entry in entries:
        for repeat in range(entry.repeats):
            reason = _why_run(entry, repeat, results_dir, identities, force)
            task = Task(entry, repeat, reason or "")
            (todo if reason else current).append(task)
    return todo, [task.name for task in current]


def _record_failure(task, results_dir, status, message, seconds, attempt):
    entry, repeat = task.entry, task.repeat
    predictions_path(results_dir, entry.id, repeat).unlink(missing_ok=True)
    Result.start(
        entry,
        repeat,
        attempt,
        status,
        fingerprint={"entry": entry.config_fingerprint(repeat), "data": None},
        seconds=seconds,
        error=message,
    ).write(results_dir)
    return status, message


def _signal_words(number):
    """'killed (signal 9: out of memory?)': what a process killed by signal ``number`` says."""
    if number == signal.SIGKILL:
        # The kernel's out-of-memory killer sends SIGKILL; so does `kill -9`.
        return "killed (signal 9: out of memory?)"
    try:
        name = signal.Signals(number).name
    except ValueError:
        name = "unknown"
    return f"killed by signal {number} ({name})"


def _kill_group(process):
    """Stop a child and everything it started (its process group), and reap it."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _run_child(command, payload, timeout):
    """Run ``command`` in a process group of its own, ``payload`` on its stdin.

    Returns ``(returncode, stderr, timed_out)``. However this ends (timeout, Ctrl-C, an
    exception), the whole group is killed: nothing the child started outlives the call.
    """
    with subprocess.Popen(
        command,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    ) as process:
        try:
            _, stderr = process.communicate(payload, timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            return process.returncode, "", True
        except BaseException:
            _kill_group(process)
            raise
        # The child is gone; whatever it left in its group is not this run's to keep.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        return process.returncode, stderr, False


# The child is started by name rather than with ``-m``: ``mnistkit.benchmark`` imports the
# module, and runpy would warn about running a module that is already imported.
_CHILD = "import sys; from mnistkit.benchmark._child import main; sys.exit(main())"


def run_isolated(task, results_dir, runner=None):
    """Run one task in a child process under its time limit; return (status, error).

    ``runner`` is ``(host, pid)`` of the process that owns the run: the child stops when that
    process is gone (it also stops when its own parent is).
    """
    entry, attempt = task.entry, uuid.uuid4().hex
    payload = {
        "entry": entry.to_dict(),
        "repeat": task.repeat,
        "results_dir": str(results_dir),
        "attempt": attempt,
        "runner": list(runner or (socket.gethostname(), os.getpid())),
    }
    start = time.perf_counter()
    returncode, stderr, timed_out = _run_child(
        [sys.executable, "-c", _CHILD], json.dumps(payload), entry.time_limit
    )
    if timed_out:
        message = f"exceeded its time limit of {entry.time_limit:.0f} s and was stopped"
        return _record_failure(
            task, results_dir, TIMEOUT, message, time.perf_counter() - start, attempt
        )
    try:
        record = Result.read(record_path(results_dir, entry.id, task.repeat))
    except (CorruptRecordError, FileNotFoundError):
        record = None
    if record is not None and record.attempt == attempt:
        return record.status, record.error
    tail = " | ".join((stderr or "").strip().splitlines()[-5:])
    if returncode is not None and returncode < 0:
        message = f"the entry's process was {_signal_words(-returncode)}" + (
            f": {tail}" if tail else ""
        )
    else:
        message = f"the entry's process exited with code {returncode} without a record" + (
            f": {tail}" if tail else ""
        )
    return _record_failure(task, results_dir, FAILED, message, time.perf_counter() - start, attempt)


def _progress(total, enabled):
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        unit="run",
        disable=not enabled,
        dynamic_ncols=True,
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]",
    )


def _is_shipped(suite):
    shipped = list_suites().get(suite.name)
    return bool(suite.path and shipped and Path(suite.path).resolve() == shipped.resolve())


def write_run_file(suite, results_dir, identities):
    """``run.json``: the whole suite as run (every entry, also those not run now), its data
    identities and the environment; the report lists every entry from it."""
    shipped = _is_shipped(suite)
    atomic_write(
        Path(results_dir, "run.json"),
        json.dumps(
            {
                "suite": suite.name,
                "description": suite.description,
                # A shipped suite is found again by name, on any machine (a committed results
                # folder): its absolute path is this installation's and is not recorded.
                "suite_path": str(suite.path) if suite.path and not shipped else None,
                "suite_shipped": shipped,
                "entries": [entry.to_dict() for entry in suite.entries],
                "data_identities": {entry.id: identities(entry) for entry in suite.entries},
                "environment": environment(),
            },
            indent=1,
        ),
    )


def run_suite(
    suite,
    results_dir,
    *,
    n_jobs=1,
    backend=None,
    scheduler=None,
    force=False,
    only=None,
    progress=True,
    echo=None,
):
    """Run the entries of a suite, writing one result per entry and repeat into ``results_dir``.

    Parameters
    ----------
    suite : Suite or path-like
        A suite, or the path of its TOML file.
    results_dir : path-like
        Where results go (``entries/<id>/repeat-<i>.json``, predictions, ``run.json``).
    n_jobs : int, default=1
        Runs at once (joblib).
    backend : {None, "loky", "threading", "dask"}, default=None
        joblib backend. ``"dask"`` sends runs to a Dask cluster (``scheduler``); its workers
        must see ``results_dir`` (a shared file system) and have mnistkit installed.
    scheduler : str, default=None
        Address of the Dask scheduler (``tcp://host:8786``); ``None`` starts a local cluster.
    force : bool, default=False
        Run everything again, also the runs whose records are current.
    only : list of str, default=None
        Run only these entry ids.
    progress : bool, default=True
        Show a progress bar (run, elapsed time, ETA) on stderr.
    echo : callable, default=None
        Called with one line for each run that runs again and why (the CLI prints them).

    Returns
    -------
    summary : RunSummary
    """
    if not hasattr(suite, "entries"):
        suite = load_suite(suite)
    results_dir = check_results_folder(results_dir)
    with FolderLock(results_dir, "results folder"), _terminate_as_interrupt():
        return _run_locked(
            suite, results_dir, n_jobs, backend, scheduler, force, only, progress, echo
        )


# What a results folder holds; a folder with other things and none of these is not one.
_RESULTS_ITEMS = ("run.json", "entries", "report", LOCK_NAME)


def check_results_folder(results_dir):
    """``results_dir`` as an absolute path, or a ``ValueError`` saying why a run cannot use it.

    Refused: a file, a symbolic link whose target is missing, and a folder that holds other
    files but no results (a run must never write into, or later clean, someone else's files).
    """
    given = Path(results_dir).expanduser()
    if given.is_symlink() and not given.exists():
        raise ValueError(
            f"--out {given} is a symbolic link to {os.readlink(given)}, which does not exist. "
            "Create the target folder, or remove the link and choose another --out."
        )
    if given.exists() and not given.is_dir():
        raise ValueError(f"--out {given} is a file, not a folder; choose a folder for the results.")
    if given.is_dir():
        names = {path.name for path in given.iterdir()}
        if names and not names & set(_RESULTS_ITEMS):
            listed = ", ".join(sorted(names)[:3]) + (" ..." if len(names) > 3 else "")
            raise ValueError(
                f"--out {given} already holds files that are not benchmark results ({listed}). "
                "Choose a new or empty folder for the results."
            )
    return given.resolve()


@contextlib.contextmanager
def _terminate_as_interrupt():
    """SIGTERM stops a run as Ctrl-C does (children killed, the folder unlocked), in the main
    thread; elsewhere signals cannot be handled and the entries' watchers stop the children."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(number, frame):
        raise KeyboardInterrupt(f"signal {number}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_locked(suite, results_dir, n_jobs, backend, scheduler, force, only, progress, echo):
    remove_abandoned_temporaries(results_dir, recursive=True)
    identities = DataIdentities()
    todo, current = plan_runs(suite, results_dir, only=only, force=force, identities=identities)
    write_run_file(suite, results_dir, identities)
    for task in todo:
        if echo is not None and task.reason != "new":
            echo(f"{task.name}: {task.reason}, running again")
    statuses, errors = {}, {}
    client = None
    if backend == "dask":
        from dask.distributed import Client

        client = (
            Client(scheduler)
            if scheduler
            else Client(n_workers=max(1, n_jobs), threads_per_worker=1)
        )
    runner = (socket.gethostname(), os.getpid())
    try:
        with (
            parallel_config(backend=backend or "loky", n_jobs=n_jobs),
            _progress(len(todo), progress) as bar,
        ):
            jobs = (delayed(_run_and_name)(task, str(results_dir), runner) for task in todo)
            for name, (status, error) in Parallel(return_as="generator_unordered")(jobs):
                statuses[name] = status
                if status != OK:
                    errors[name] = error
                bar.set_postfix_str(f"{name}: {status}")
                bar.update()
    finally:
        if client is not None:
            client.close()
    return RunSummary(
        results_dir,
        [task.name for task in todo],
        current,
        statuses,
        {task.name: task.reason for task in todo},
        errors,
    )


def _run_and_name(task, results_dir, runner):
    quiet_tensorflow_logs()
    return task.name, run_isolated(task, results_dir, runner)
