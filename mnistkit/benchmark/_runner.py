"""Running a suite: entries through joblib (local cores or a Dask cluster), each one isolated.

Each entry runs in a child process (``python -m mnistkit.benchmark._entry``): its peak memory
is its own, its time limit is enforced by killing it, and a crash cannot take the run down.
The child writes its result atomically; the runner records a timeout or a crash itself. So a
results folder only ever holds whole results, one per entry id, and ``resume`` skips them.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from joblib import Parallel, delayed, parallel_config

from ._entry import DATA_MISSING, environment, write_json_atomically
from ._suite import load_suite

__all__ = ["RunSummary", "completed_entries", "run_suite"]


@dataclass
class RunSummary:
    """What :func:`run_suite` did."""

    results_dir: Path
    ran: list
    skipped: list
    statuses: dict

    @property
    def n_failed(self):
        """Entries that failed or timed out."""
        return sum(status not in ("ok", DATA_MISSING) for status in self.statuses.values())

    @property
    def n_data_missing(self):
        """Entries whose data set is not on this machine."""
        return sum(status == DATA_MISSING for status in self.statuses.values())

    def error(self, entry_id):
        """The recorded error of an entry that did not succeed (``None`` if it did)."""
        try:
            path = Path(self.results_dir, "entries", f"{entry_id}.json")
            return json.loads(path.read_text()).get("error")
        except (OSError, json.JSONDecodeError):
            return None


def completed_entries(results_dir):
    """Ids of the entries with a successful result in ``results_dir``."""
    done = set()
    for path in Path(results_dir, "entries").glob("[!.]*.json"):
        try:
            if json.loads(path.read_text()).get("status") == "ok":
                done.add(path.stem)
        except (OSError, json.JSONDecodeError):
            continue  # unreadable: run again
    return done


def _record_failure(results_dir, entry, status, message, seconds):
    write_json_atomically(
        Path(results_dir, "entries", f"{entry['id']}.json"),
        {
            "id": entry["id"],
            "entry": entry,
            "status": status,
            "error": message,
            "seconds": seconds,
            "random_state": entry["random_state"],
        },
    )
    return status


def run_isolated(entry, results_dir):
    """Run one entry in a child process under its time limit; return its status."""
    results_dir = Path(results_dir)
    (results_dir / "entries").mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", suffix=".json", delete=False, dir=results_dir / "entries", prefix=".spec."
    ) as spec:
        json.dump(entry, spec)
    start = time.perf_counter()
    command = [sys.executable, "-m", "mnistkit.benchmark._entry", spec.name, str(results_dir)]
    try:
        process = subprocess.run(
            command, capture_output=True, text=True, timeout=entry["time_limit"]
        )
    except subprocess.TimeoutExpired:
        return _record_failure(
            results_dir,
            entry,
            "timeout",
            f"exceeded its time limit of {entry['time_limit']:.0f} s and was stopped",
            time.perf_counter() - start,
        )
    finally:
        Path(spec.name).unlink(missing_ok=True)
    result_path = results_dir / "entries" / f"{entry['id']}.json"
    if process.returncode != 0 or not result_path.exists():
        recorded = result_path.exists() and json.loads(result_path.read_text()).get("status")
        if recorded == "failed":
            return "failed"
        tail = (process.stderr or "").strip().splitlines()[-5:]
        return _record_failure(
            results_dir,
            entry,
            "failed",
            f"the entry's process exited with code {process.returncode}: " + " | ".join(tail),
            time.perf_counter() - start,
        )
    return json.loads(result_path.read_text())["status"]


def _progress(total, enabled):
    from tqdm.auto import tqdm

    return tqdm(
        total=total,
        unit="entry",
        disable=not enabled,
        dynamic_ncols=True,
        bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}{postfix}]",
    )


def run_suite(
    suite,
    results_dir,
    *,
    n_jobs=1,
    backend=None,
    scheduler=None,
    resume=True,
    only=None,
    progress=True,
):
    """Run the entries of a suite, writing one result per entry into ``results_dir``.

    Parameters
    ----------
    suite : Suite or path-like
        A suite, or the path of its TOML file.
    results_dir : path-like
        Where results go (``entries/<id>.json``, predictions, ``run.json``).
    n_jobs : int, default=1
        Entries run at once (joblib).
    backend : {None, "loky", "threading", "dask"}, default=None
        joblib backend. ``"dask"`` sends entries to a Dask cluster (``scheduler``); its workers
        must see ``results_dir`` (a shared file system) and have mnistkit installed.
    scheduler : str, default=None
        Address of the Dask scheduler (``tcp://host:8786``); ``None`` starts a local cluster.
    resume : bool, default=True
        Skip entries that already have a successful result in ``results_dir``.
    only : list of str, default=None
        Run only these entry ids.
    progress : bool, default=True
        Show a progress bar (entry, elapsed time, ETA) on stderr.

    Returns
    -------
    summary : RunSummary
    """
    if not hasattr(suite, "entries"):
        suite = load_suite(suite)
    results_dir = Path(results_dir)
    results_dir.mkdir(parents=True, exist_ok=True)
    all_entries = entries = [entry.to_dict() for entry in suite.entries]
    if only:
        unknown = set(only) - {entry["id"] for entry in entries}
        if unknown:
            raise ValueError(f"Suite {suite.name!r} has no entries {sorted(unknown)}.")
        entries = [entry for entry in entries if entry["id"] in only]
    for stale in Path(results_dir, "entries").glob(".*"):
        stale.unlink(missing_ok=True)  # temporaries of a run that was killed
    done = completed_entries(results_dir) if resume else set()
    todo = [entry for entry in entries if entry["id"] not in done]
    write_json_atomically(
        results_dir / "run.json",
        {
            "suite": suite.name,
            "description": suite.description,
            "suite_path": str(suite.path) if suite.path else None,
            # The whole suite, not just the entries run now (--entries runs a part of it):
            # the report lists every entry, those without a result as "not run".
            "entries": [entry["id"] for entry in all_entries],
            "entry_specs": all_entries,
            "environment": environment(),
        },
    )
    statuses = {}
    client = None
    if backend == "dask":
        from dask.distributed import Client

        client = (
            Client(scheduler)
            if scheduler
            else Client(n_workers=max(1, n_jobs), threads_per_worker=1)
        )
    try:
        with (
            parallel_config(backend=backend or "loky", n_jobs=n_jobs),
            _progress(len(todo), progress) as bar,
        ):
            tasks = (delayed(_run_and_name)(entry, str(results_dir)) for entry in todo)
            for entry_id, status in Parallel(return_as="generator_unordered")(tasks):
                statuses[entry_id] = status
                bar.set_postfix_str(f"{entry_id}: {status}")
                bar.update()
    finally:
        if client is not None:
            client.close()
    return RunSummary(results_dir, [entry["id"] for entry in todo], sorted(done), statuses)


def _run_and_name(entry, results_dir):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return entry["id"], run_isolated(entry, results_dir)
