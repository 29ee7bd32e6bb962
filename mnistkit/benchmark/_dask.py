"""Running a suite's entries on a Dask cluster: one future per run, its record as the result.

A worker runs an entry exactly as the local runner does (:func:`._isolated.run_isolated`: a
child process under the entry's time limit), in a scratch folder of its own, and sends the
record and the predictions back as the task's result; the client writes them into the results
folder, atomically. So the workers need no shared file system, a worker never writes where the
client does not look, and a worker's disk keeps nothing (the scratch folder is removed when the
run ends, and by the entry's own process when its worker is killed).

The entries are submitted as futures (``client.submit``, collected as they complete), not
through joblib's Dask backend: a run that kills its workers becomes that entry's failed record
(``KilledWorker``) and the run goes on; entries always run on the cluster, also when it has a
single thread; Ctrl-C on the client cancels the futures, and each worker stops its entry's
process when its future is cancelled (or its client is gone).
"""

import contextlib
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from ..utils._extras import import_optional
from ._isolated import Task, record_failure, run_isolated
from ._records import FAILED, Entry, Result, predictions_path, record_path

__all__ = ["DaskBackend", "NoWorkerError", "cluster_client", "run_on_cluster", "run_on_worker"]


@dataclass(frozen=True)
class DaskBackend:
    """Where and how :func:`~mnistkit.benchmark.run_suite` runs entries on Dask: each run a
    Dask future whose worker sends its record back (the workers need mnistkit and the data
    sets they run, no shared file system). ``backend="dask"`` is ``DaskBackend()``.

    Parameters
    ----------
    scheduler : str, default=None
        Address of the Dask scheduler (``tcp://host:8786``); ``None`` starts a local cluster
        of ``n_jobs`` worker processes.
    connect_timeout : float, default=30
        Seconds to wait for the scheduler to answer.
    wait_for_workers : float, default=300
        Seconds the run waits while no Dask worker is connected before it stops.

    Examples
    --------
    >>> from mnistkit.benchmark import DaskBackend
    >>> DaskBackend("tcp://10.0.0.5:8786", wait_for_workers=600).connect_timeout
    30
    """

    scheduler: str | None = None
    connect_timeout: float = 30
    wait_for_workers: float = 300


class NoWorkerError(RuntimeError):
    """No Dask worker was connected for longer than the run was told to wait."""


def import_distributed():
    """``dask.distributed``, or an ImportError that says which extra to install."""
    return import_optional("distributed", needed_by="--backend dask")


@contextlib.contextmanager
def cluster_client(scheduler=None, *, n_workers=1, connect_timeout=30):
    """A Dask client for the run: connected to ``scheduler`` (``tcp://host:8786``) within
    ``connect_timeout`` seconds, or, without one, on a local cluster of ``n_workers``
    single-threaded worker processes. Closed (the local cluster with it) on leaving."""
    distributed = import_distributed()
    with contextlib.ExitStack() as stack:
        if scheduler:
            try:
                client = distributed.Client(
                    scheduler, timeout=connect_timeout, set_as_default=False
                )
            except (OSError, TimeoutError) as exc:
                raise ConnectionError(
                    f"Could not reach the Dask scheduler at {scheduler} within "
                    f"{connect_timeout:g} s ({exc}). Check the address and that a scheduler runs "
                    f"there (`dask scheduler`), or allow longer with --connect-timeout."
                ) from exc
        else:
            cluster = stack.enter_context(
                distributed.LocalCluster(
                    n_workers=max(1, n_workers),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            )
            client = distributed.Client(cluster, set_as_default=False)
        stack.callback(client.close)
        yield client


def run_on_worker(entry, repeat):
    """Run repeat ``repeat`` of ``entry`` (as plain data) on this Dask worker; return what the
    client writes: ``{"record": JSON text, "predictions": bytes or None}``.

    The entry's process is stopped (:class:`._isolated.Stopped`) as soon as the worker no
    longer wants this task: its future was cancelled, or its client went away.
    """
    from distributed import get_worker
    from distributed.worker import thread_state

    worker, key = get_worker(), thread_state.key

    def cancelled():
        state = worker.state.tasks.get(key)
        return state is None or state.state in ("cancelled", "released", "forgotten")

    task = Task(Entry.from_dict(entry), repeat, "")
    scratch = Path(tempfile.mkdtemp(prefix="mnistkit-entry-"))
    try:
        run_isolated(task, scratch, worker=worker.address, should_stop=cancelled)
        predictions = predictions_path(scratch, task.entry.id, repeat)
        return {
            "record": record_path(scratch, task.entry.id, repeat).read_text(encoding="utf-8"),
            "predictions": predictions.read_bytes() if predictions.exists() else None,
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _write_sent(sent, task, results_dir):
    """Write a record a worker sent (its predictions first, so a record never names missing
    ones); return its ``(status, error)``."""
    from ..utils._files import atomic_write

    record = Result.from_json(sent["record"], f"the record of {task.name} sent by its worker")
    target = predictions_path(results_dir, task.entry.id, task.repeat)
    if sent.get("predictions") is None:
        target.unlink(missing_ok=True)
    else:
        atomic_write(target, sent["predictions"])
    record.write(results_dir)
    return record.status, record.error


def _collect(future, task, results_dir, seconds):
    """The ``(status, error)`` of a finished future, its record written into ``results_dir``."""
    distributed = import_distributed()
    try:
        sent = future.result()
    except distributed.KilledWorker as exc:
        # The scheduler gave up after allowed_failures + 1 workers died running it.
        times = exc.allowed_failures + 1
        message = (
            f"killed its worker {times} time{'s' * (times > 1)} (out of memory?); the last was "
            f"{exc.last_worker.address}"
        )
    except ImportError as exc:
        message = (
            f"its Dask worker could not run it ({type(exc).__name__}: {exc}): every worker "
            "needs mnistkit installed, the same version as here"
        )
    except Exception as exc:
        message = f"its Dask worker could not run it ({type(exc).__name__}: {exc})"
    else:
        return _write_sent(sent, task, results_dir)
    return record_failure(task, results_dir, FAILED, message, seconds, "")


def run_on_cluster(client, todo, results_dir, finished, *, wait_for_workers=300, echo=None):
    """Run the tasks ``todo`` on ``client``'s cluster; call ``finished(name, status, error)`` as
    each record is written into ``results_dir``.

    No more runs are submitted than the cluster has threads: a worker holds only the entry it
    runs, so a worker that dies takes no waiting entry with it, and new workers get the next.
    While no worker is connected, ``echo`` is told so once, and after ``wait_for_workers``
    seconds without one the run stops with :class:`NoWorkerError` (the records written so far
    stay; running again resumes). However the call ends, the futures not done are cancelled.
    """
    address = client.scheduler.address
    waiting, running, alone_since = list(todo), {}, None
    try:
        while waiting or running:
            threads = sum(client.nthreads().values())
            while waiting and len(running) < max(1, threads):
                task = waiting.pop(0)
                key = f"mnistkit-{task.name}-{uuid.uuid4().hex[:8]}"
                future = client.submit(run_on_worker, task.entry.to_dict(), task.repeat, key=key)
                running[future] = (task, time.perf_counter())
            for future in _done_soon(running):
                task, started = running.pop(future)
                status, error = _collect(future, task, results_dir, time.perf_counter() - started)
                finished(task.name, status, error)
            if threads or not (waiting or running):
                alone_since = None
            elif alone_since is None:
                alone_since = time.monotonic()
                if echo is not None:
                    echo(
                        f"no Dask worker is connected to {address}; waiting up to "
                        f"{wait_for_workers:g} s for one (start one with `dask worker {address}`)"
                    )
            elif time.monotonic() - alone_since > wait_for_workers:
                raise NoWorkerError(
                    f"No Dask worker was connected to {address} for {wait_for_workers:g} s; "
                    f"stopped with {len(waiting) + len(running)} run(s) not done (the finished "
                    "records are kept: the same command runs the rest). Start workers with "
                    f"`dask worker {address}`, or wait longer with --wait-for-workers."
                )
    finally:
        if running:
            client.cancel(list(running), force=True)


def _done_soon(futures, poll=1.0):
    """The futures done as soon as one is, or after ``poll`` seconds (maybe none).

    Polled rather than ``distributed.wait``, which needs the process's default client: this
    run's client is not made the default, so that it never captures a user's own.
    """
    deadline = time.monotonic() + poll
    while True:
        done = [future for future in futures if future.done()]
        if done or time.monotonic() >= deadline:
            return done
        time.sleep(0.02)
