"""One run of one entry in a child process of its own, under its time limit.

The child (:mod:`._child`) writes its record atomically; this side records a timeout or a crash
itself, so a results folder only ever holds whole records. The child runs in a process group of
its own and watches its runner: when the runner dies (``kill -9`` included), the entry and
everything it started stop within a second. Used by the local runner and on Dask workers alike.
"""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass

from ._forkserver import ENTRY_PROCESS_NAME, ServerGone, forget_server, fork_server
from ._records import (
    FAILED,
    TIMEOUT,
    CorruptRecordError,
    Entry,
    Result,
    predictions_path,
    record_path,
)

__all__ = ["Stopped", "Task", "record_failure", "run_isolated"]


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


def record_failure(task, results_dir, status, message, seconds, attempt):
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


class Stopped(Exception):
    """The run no longer wants this entry (a Dask future cancelled): its process was stopped."""


def _start(code, args, server):
    """Start ``python -c code *args`` in a session of its own: forked by ``server`` (a
    :class:`._forkserver.ForkServer`), or with :mod:`subprocess` where there is none."""
    if server is not None:
        return server.launch(code, args, name=ENTRY_PROCESS_NAME)
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _run_child(code, args, payload, timeout, should_stop=None, poll=0.5, server=None):
    """Run ``python -c code *args`` in a process group of its own, ``payload`` on its stdin.

    Returns ``(returncode, stderr, timed_out)``; raises :class:`Stopped` once ``should_stop()``
    says so (asked every ``poll`` seconds). However this ends (timeout, stop, Ctrl-C, an
    exception), the whole group is killed: nothing the child started outlives the call.
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    with _start(code, args, server) as process:
        try:
            while True:
                left = None if deadline is None else max(0.0, deadline - time.monotonic())
                wait = left if should_stop is None else min(poll, left or poll)
                try:
                    # Called again after a timeout (without the input, already being sent),
                    # communicate goes on where it stopped; the timeout does not kill the child.
                    _, stderr = process.communicate(payload, timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    payload = None
                    if deadline is not None and time.monotonic() >= deadline:
                        _kill_group(process)
                        return process.returncode, "", True
                    if should_stop is not None and should_stop():
                        raise Stopped from None
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


def run_isolated(task, results_dir, runner=None, *, worker=None, should_stop=None):
    """Run one task in a child process under its time limit; return (status, error).

    ``runner`` is ``(host, pid)`` of the process that owns the run: the child stops when that
    process is gone (it also stops when its own parent is). On a Dask worker, ``worker`` is its
    address (recorded), ``results_dir`` a scratch folder the child removes if its worker dies,
    and ``should_stop`` says when the client no longer wants the run (:class:`Stopped`).
    """
    entry, attempt = task.entry, uuid.uuid4().hex
    payload = {
        "entry": entry.to_dict(),
        "repeat": task.repeat,
        "results_dir": str(results_dir),
        "attempt": attempt,
        "runner": list(runner or (socket.gethostname(), os.getpid())),
        "worker": worker,
        "scratch": str(results_dir) if worker else None,
    }
    start = time.perf_counter()
    server = fork_server()
    while True:
        # The child's parent: gone, the child stops (_child.py). A forked child's is the server.
        payload["parent"] = os.getpid() if server is None else server.pid
        # The parent and the scratch folder on the command line too: the child watches them
        # before it has read its task, which a parent killed at once never finishes sending.
        early = ["--parent", str(payload["parent"])]
        early += ["--scratch", payload["scratch"]] if payload["scratch"] else []
        try:
            returncode, stderr, timed_out = _run_child(
                _CHILD, early, json.dumps(payload), entry.time_limit, should_stop, server=server
            )
            break
        except ServerGone:  # nothing started: start the process the plain way
            forget_server(server)
            server = None
    if timed_out:
        message = f"exceeded its time limit of {entry.time_limit:.0f} s and was stopped"
        return record_failure(
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
    return record_failure(task, results_dir, FAILED, message, time.perf_counter() - start, attempt)
