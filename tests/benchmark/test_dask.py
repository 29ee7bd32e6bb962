"""Suites on Dask: a real scheduler and worker processes, faults, and nothing lost or left.

The cluster is started as a user starts one (``dask scheduler`` and ``dask worker`` processes
over TCP on the loopback address, each worker in a folder and temporary folder of its own), not
as an in-process LocalCluster: the workers share nothing with the client but the network.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

from mnistkit.benchmark import DaskBackend, Result, load_suite, run_suite
from mnistkit.benchmark._forkserver import ENTRY_PROCESS_NAME
from mnistkit.benchmark._records import record_path

distributed = pytest.importorskip("distributed")

# Two entries that run for some seconds (k-NN on 20,000 images), so that a worker can be killed
# while it runs one, and a quick one.
SUITE = """
name = "cluster"
[defaults]
train_size = 20000
test_size = 2000
[[entries]]
id = "knn-a"
model = "pixels-knn"
[[entries]]
id = "knn-b"
model = "pixels-knn"
params = { kneighborsclassifier__n_neighbors = 5 }
[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
train_size = 1000
test_size = 200
"""

IDS = ["knn-a", "knn-b", "nb"]


def _wait(condition, timeout=120, what="the condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def _runs_an_entry(process):
    """Whether ``process`` runs an entry: forked by the fork server (its name says so) or
    started as ``python -c`` (its command line names the child module)."""
    return process.name() == ENTRY_PROCESS_NAME or "mnistkit.benchmark._child" in " ".join(
        process.cmdline()
    )


class Cluster:
    """A ``dask scheduler`` and ``n_workers`` ``dask worker`` processes (no nanny: a killed
    worker stays dead), each worker with its own working and temporary folders."""

    def __init__(self, root, n_workers=2, allowed_failures=3):
        self.root = root
        self.processes = []
        env = {
            **os.environ,
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(allowed_failures),
            # One task at a time per worker thread, so that a killed worker takes only the
            # entry it was running with it.
            "DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
        }
        scheduler_file = root / "scheduler.json"
        self._start(
            "dask_scheduler",
            ["--host", "127.0.0.1", "--port", "0", "--no-dashboard"],
            ["--scheduler-file", str(scheduler_file)],
            root,
            env,
        )
        _wait(scheduler_file.exists, what="the scheduler's start")
        self.address = _wait(
            lambda: json.loads(scheduler_file.read_text() or "{}").get("address"),
            what="the scheduler's address",
        )
        self.workers = []
        for index in range(n_workers):
            self.add_worker(index, env)

    def _start(self, module, options, more, cwd, env):
        process = subprocess.Popen(
            [sys.executable, "-m", f"distributed.cli.{module}", *options, *more],
            cwd=cwd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        return process

    def add_worker(self, index, env=None):
        folder, scratch = self.root / f"worker-{index}", self.root / f"worker-{index}-tmp"
        folder.mkdir()
        scratch.mkdir()
        env = {**(env or os.environ), "TMPDIR": str(scratch)}
        options = ["--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"]
        worker = self._start("dask_worker", [self.address, *options], [], folder, env)
        self.workers.append((worker, folder, scratch))
        with distributed.Client(self.address, timeout=30) as client:
            client.wait_for_workers(len(self.alive()), timeout=60)
        return worker

    def alive(self):
        return [worker for worker, _, _ in self.workers if worker.poll() is None]

    def running_entry(self):
        """A worker that runs an entry's process now, or ``None``."""
        for worker in self.alive():
            try:
                children = psutil.Process(worker.pid).children(recursive=True)
                if any(_runs_an_entry(child) for child in children):
                    return worker
            except psutil.NoSuchProcess:
                continue
        return None

    def leftovers(self):
        """What the workers left in their working and temporary folders."""
        found = []
        for _, folder, scratch in self.workers:
            found += [p for p in folder.rglob("*") if "mnistkit" in p.name or p.suffix == ".json"]
            found += list(scratch.glob("mnistkit-*"))
        return found

    def close(self):
        """Stop the workers and the scheduler: SIGTERM, and SIGKILL for what is still there
        after 5 s (a worker whose peer was killed took 20 s to close itself)."""
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 5
        for process in self.processes:
            try:
                process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def cluster_factory(tmp_path):
    started = []

    def start(**options):
        root = tmp_path / f"cluster-{len(started)}"
        root.mkdir()
        started.append(Cluster(root, **options))
        return started[-1]

    yield start
    for cluster in started:
        cluster.close()


@pytest.fixture
def suite(tmp_path):
    path = tmp_path / "cluster.toml"
    path.write_text(SUITE)
    return load_suite(path)


def _kill_when_running(cluster, kills=1):
    """Kill (SIGKILL) the worker running an entry, ``kills`` times, from a thread."""
    killed = []

    def kill():
        while len(killed) < kills:
            worker = _wait(cluster.running_entry, timeout=300, what="an entry on a worker")
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            killed.append(worker.pid)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread, killed


@pytest.mark.slow
def test_a_relative_out_gets_every_record_once_although_a_worker_is_killed_mid_entry(
    cluster_factory, suite, tmp_path, monkeypatch
):
    cluster = cluster_factory(n_workers=2)
    client_folder = tmp_path / "client"
    client_folder.mkdir()
    monkeypatch.chdir(client_folder)  # the workers run in folders of their own
    thread, killed = _kill_when_running(cluster)
    summary = run_suite(
        suite, "results/cluster", backend=DaskBackend(cluster.address), progress=False
    )
    thread.join(timeout=60)
    assert len(killed) == 1 and len(cluster.alive()) == 1
    # The entry whose worker died ran again on the other one; every record came back here.
    assert summary.statuses == dict.fromkeys(IDS, "ok")
    assert sorted(summary.ran) == sorted(IDS)
    out = client_folder / "results" / "cluster"
    records = sorted(p.relative_to(out).as_posix() for p in out.rglob("repeat-*.json"))
    assert records == [f"entries/{i}/repeat-0.json" for i in sorted(IDS)]
    for entry_id in IDS:
        record = Result.read(record_path(out, entry_id, 0))
        assert record.ok and record.environment["worker"].startswith("tcp://127.0.0.1:")
        assert "OMP_NUM_THREADS" in record.environment["threads"]  # None: not set
        assert (out / "entries" / entry_id / "repeat-0.predictions.npz").exists()
        assert record.environment["host"]
    # Nothing written on the workers, nothing left in their temporary folders: the killed
    # worker's entry process removes its scratch folder itself once its watcher sees the
    # worker gone, which may be just after the run ends.
    _wait(lambda: cluster.leftovers() == [], timeout=60, what="the scratch folder's removal")
    # Nothing is written into a results folder after the run: the same folder, the same files.
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    time.sleep(2)
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_an_entry_that_kills_its_workers_is_a_failed_record_and_the_run_goes_on(
    cluster_factory, suite, tmp_path
):
    cluster = cluster_factory(n_workers=2, allowed_failures=0)
    thread, _ = _kill_when_running(cluster)
    summary = run_suite(
        suite, tmp_path / "out", backend=DaskBackend(cluster.address), progress=False
    )
    thread.join(timeout=60)
    failed = [name for name, status in summary.statuses.items() if status == "failed"]
    assert len(failed) == 1 and len(summary.statuses) == 3, summary.errors
    error = summary.error(failed[0])
    assert error.startswith("killed its worker 1 time (out of memory?); the last was tcp://")
    assert Result.read(record_path(tmp_path / "out", failed[0], 0)).error == error
    # The run ends as soon as the scheduler gives the entry up; the orphaned entry process
    # removes its scratch folder once its watcher sees the worker gone (it polls, and a thread
    # waits while an import holds the interpreter): nothing is left, within seconds.
    _wait(lambda: cluster.leftovers() == [], timeout=60, what="the scratch folder's removal")


@pytest.mark.slow
def test_ctrl_c_on_the_client_stops_the_entry_on_its_worker(
    cluster_factory, suite, tmp_path, ctrl_c_as_in_a_terminal
):
    cluster = cluster_factory(n_workers=1)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "mnistkit", "benchmark", "run", str(suite.path)]
    options = ["--out", str(out), "--backend", "dask", "--scheduler", cluster.address]
    client = subprocess.Popen(
        [*command, *options, "--no-progress", "--no-report"],
        preexec_fn=ctrl_c_as_in_a_terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    (worker,) = cluster.alive()
    _wait(cluster.running_entry, what="an entry on the worker")
    client.send_signal(signal.SIGINT)
    _, stderr = client.communicate(timeout=60)
    assert client.returncode == 130, stderr
    # The worker stops the cancelled entry's process, and nothing arrives later.
    _wait(lambda: cluster.running_entry() is None, timeout=20, what="the entry's end")
    time.sleep(2)
    assert worker.poll() is None  # the worker lives on for the next run
    assert list(out.rglob("repeat-*.json")) == [] and cluster.leftovers() == []


def test_a_scheduler_that_does_not_answer_is_named_and_nothing_is_written(suite, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(
        ConnectionError,
        match=r"Could not reach the Dask scheduler at tcp://127\.0\.0\.1:9 within 1 s .*--connect-timeout",
    ):
        run_suite(
            suite,
            out,
            backend=DaskBackend("tcp://127.0.0.1:9", connect_timeout=1),
            progress=False,
        )
    assert not (out / "run.json").exists() and not (out / "entries").exists()


@pytest.mark.slow
def test_a_run_without_workers_says_so_and_stops_after_its_limit(cluster_factory, suite, tmp_path):
    cluster = cluster_factory(n_workers=0)
    said = []
    start = time.monotonic()
    with pytest.raises(
        RuntimeError,
        match=r"No Dask worker was connected to tcp://.* for 3 s; stopped with 3 run\(s\) not done .*--wait-for-workers",
    ):
        run_suite(
            suite,
            tmp_path / "out",
            backend=DaskBackend(cluster.address, wait_for_workers=3),
            progress=False,
            echo=said.append,
        )
    assert time.monotonic() - start < 60
    assert said == [
        f"no Dask worker is connected to {cluster.address}; waiting up to 3 s for one (start "
        f"one with `dask worker {cluster.address}`)"
    ]


def test_n_jobs_on_a_cluster_of_ones_own_is_refused(suite, tmp_path):
    with pytest.raises(ValueError, match=r"n_jobs=2 has no effect on a Dask cluster of your own"):
        run_suite(suite, tmp_path, n_jobs=2, backend=DaskBackend("tcp://127.0.0.1:9"))


def test_dask_missing_names_the_extra(suite, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(ImportError, match=r'pip install "mnistkit\[dask\]"'):
        run_suite(suite, tmp_path / "out", backend="dask", progress=False)


@pytest.mark.slow
def test_a_local_cluster_runs_the_entries_on_its_workers(two_suite, tmp_path):
    summary = run_suite(two_suite, tmp_path / "out", n_jobs=2, backend="dask", progress=False)
    assert summary.statuses == {"nb": "ok", "tree": "ok"}
    for entry_id in ("nb", "tree"):
        worker = Result.read(record_path(tmp_path / "out", entry_id, 0)).environment["worker"]
        assert worker.startswith("tcp://127.0.0.1:")
