"""Running a suite: entries on local cores (joblib) or a Dask cluster (:mod:`._dask`), each
one isolated.

Each run of an entry (one per repeat) happens in a child process (:mod:`._isolated`): its peak
memory is its own, its time limit is enforced by killing it, and a crash cannot take the run
down. The child writes its result atomically; the runner records a timeout or a crash itself.
So a results folder only ever holds whole records.

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
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from joblib import Parallel, delayed, parallel_config

from ..utils._files import atomic_write, remove_abandoned_temporaries
from ..utils._lock import LOCK_NAME, FolderLock
from ..utils._quiet import quiet_tensorflow_logs
from ._child import environment
from ._dask import DaskBackend, cluster_client, run_on_cluster
from ._data import DataIdentities
from ._isolated import Task, run_isolated
from ._records import (
    DATA_MISSING,
    OK,
    CorruptRecordError,
    Result,
    record_path,
)
from ._suite import list_suites, load_suite

__all__ = ["RunSummary", "plan_runs", "run_suite"]


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
    for attempt in range(1000):
        target = path.with_name(f"{path.name}.corrupt-{stamp}" + (f"-{attempt}" if attempt else ""))
        # A hard link is created exclusively: an existing file of that name is never replaced.
        try:
            os.link(path, target, follow_symlinks=False)
        except FileExistsError:
            continue
        path.unlink()
        return target
    raise FileExistsError(f"no free name to move the corrupt record {path} aside")


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


def _progress(total, enabled):
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        unit="run",
        disable=not enabled or not total,  # nothing to run: no empty 0/0 bar
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
        Where results go (``entries/<id>/repeat-<i>.json``, predictions, ``run.json``); a
        relative path is taken from the current folder, also with a Dask cluster.
    n_jobs : int, default=1
        Runs at once on this machine: joblib's workers, or on Dask without a scheduler the
        local cluster's worker processes. On a cluster of your own its worker threads decide,
        and ``n_jobs`` other than 1 is refused.
    backend : {None, "loky", "threading", "dask"} or DaskBackend, default=None
        How runs are spread: joblib's ``"loky"`` (the default) or ``"threading"``, or Dask:
        ``"dask"`` on a local cluster, a :class:`DaskBackend` for a scheduler of your own and
        its time limits.
    force : bool, default=False
        Run everything again, also the runs whose records are current.
    only : list of str, default=None
        Run only these entry ids.
    progress : bool, default=True
        Show a progress bar (run, elapsed time, ETA) on stderr.
    echo : callable, default=None
        Called with one line for each run that runs again and why, and while the run waits for
        a Dask worker (the CLI prints them).

    Returns
    -------
    summary : RunSummary
    """
    if not hasattr(suite, "entries"):
        suite = load_suite(suite)
    dask = DaskBackend() if backend == "dask" else backend
    if not isinstance(dask, DaskBackend):
        dask = None
    if dask is not None and dask.scheduler and n_jobs != 1:
        raise ValueError(
            f"n_jobs={n_jobs} has no effect on a Dask cluster of your own: its workers' threads "
            "decide how many entries run at once. Leave --n-jobs out (start more workers, or "
            "workers with more threads, to run more at once)."
        )
    results_dir = check_results_folder(results_dir)
    with contextlib.ExitStack() as stack:
        stack.enter_context(_terminate_as_interrupt())
        stack.enter_context(FolderLock(results_dir, "results folder"))
        client = None
        if dask is not None:
            # Connected before anything is written: a failed start leaves no run.json.
            client = stack.enter_context(
                cluster_client(
                    dask.scheduler, n_workers=n_jobs, connect_timeout=dask.connect_timeout
                )
            )
        todo, current = _prepare(suite, results_dir, only, force, echo)
        statuses, errors = {}, {}
        by_name = {task.name: task for task in todo}
        with _progress(len(todo), progress) as bar:

            def finished(name, status, error):
                statuses[name] = status
                if status != OK:
                    errors[name] = error
                bar.set_postfix_str(f"{name}: {status}")
                bar.update()
                if echo is not None:
                    with bar.external_write_mode():
                        echo(finished_line(by_name[name], results_dir, status, error))

            if client is not None:
                run_on_cluster(
                    client,
                    todo,
                    results_dir,
                    finished,
                    wait_for_workers=dask.wait_for_workers,
                    echo=echo,
                )
            else:
                _run_here(todo, results_dir, n_jobs, backend, finished)
    return RunSummary(
        results_dir,
        [task.name for task in todo],
        current,
        statuses,
        {task.name: task.reason for task in todo},
        errors,
    )


def finished_line(task, results_dir, status, error):
    """``'cnn: ok, score 0.9934, fit 64.7 s'``: one finished run in one line, read back from its
    record (``'...: failed: <the error's first line>'`` for one that did not succeed)."""
    if status != OK:
        first = str(error or "").strip().splitlines()
        return f"{task.name}: {status}" + (f": {first[0][:160]}" if first else "")
    try:
        result = Result.read(record_path(results_dir, task.entry.id, task.repeat))
        score = task.entry.entry_kind.score(result)
    except (CorruptRecordError, KeyError, TypeError, ValueError):
        return f"{task.name}: {status}"
    words = [f"score {score:.4f}" if isinstance(score, int | float) else None]
    if result.fit_seconds is not None:
        words.append(f"fit {result.fit_seconds:.1f} s")
    return f"{task.name}: {status}" + "".join(f", {word}" for word in words if word)


# What a results folder holds; a folder with other things and none of these is not one.
_RESULTS_ITEMS = ("run.json", "entries", "report", "inputs", LOCK_NAME)


def check_results_folder(results_dir):
    """``results_dir`` as an absolute path, or a ``ValueError`` saying why a run cannot use it.

    Refused: a file, a symbolic link whose target is missing, a folder that holds other
    files but no results (a run must never write into, or later clean, someone else's files),
    and symbolic links among the run's own files.
    """
    if not str(results_dir).strip():
        raise ValueError(
            "The results folder is an empty path; give a folder (e.g. results/mine): an empty "
            "one would mean the current folder."
        )
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
        _refuse_links_inside(given)
    return given.resolve()


def _refuse_links_inside(folder):
    """A ``ValueError`` naming the symbolic links among the run's own files in ``folder``.

    Everything under a results folder is written by mnistkit (the lock, run.json, records,
    predictions, the report); a link there points at someone's file, which a write would
    replace or follow. The folder itself may be a link (checked above).
    """
    links = sorted(
        path.relative_to(folder).as_posix()
        for name in _RESULTS_ITEMS
        for path in (folder / name, *(folder / name).rglob("*"))
        if path.is_symlink()
    )
    if links:
        listed = ", ".join(links[:3]) + (f" and {len(links) - 3} more" if len(links) > 3 else "")
        raise ValueError(
            f"--out {folder} holds symbolic links where a run writes its own files ({listed}): "
            "mnistkit never writes through or over a link. Remove the links (the files they "
            "point to are not touched), or choose a new --out."
        )


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


def _prepare(suite, results_dir, only, force, echo):
    """Tidy the folder, plan the runs, write ``run.json``; return (tasks to run, current)."""
    remove_abandoned_temporaries(results_dir, recursive=True)
    identities = DataIdentities()
    todo, current = plan_runs(suite, results_dir, only=only, force=force, identities=identities)
    write_run_file(suite, results_dir, identities)
    for task in todo:
        if echo is not None and task.reason != "new":
            echo(f"{task.name}: {task.reason}, running again")
    return todo, current


def _run_here(todo, results_dir, n_jobs, backend, finished):
    """Run the tasks on this machine through joblib; ``finished(name, status, error)`` each."""
    runner = (socket.gethostname(), os.getpid())
    with parallel_config(backend=backend or "loky", n_jobs=n_jobs):
        jobs = (delayed(_run_and_name)(task, str(results_dir), runner) for task in todo)
        for name, (status, error) in Parallel(return_as="generator_unordered")(jobs):
            finished(name, status, error)


def _run_and_name(task, results_dir, runner):
    quiet_tensorflow_logs()
    return task.name, run_isolated(task, results_dir, runner)
