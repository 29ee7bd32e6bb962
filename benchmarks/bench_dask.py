"""One suite run on this machine and on a real Dask cluster, side by side, in one run.

The cluster is started as a user starts one: a ``dask scheduler`` process and ``--workers``
``dask worker`` processes (one thread each) over TCP on the loopback address, each worker in a
folder of its own (nothing shared with the client but the network). The suite (six classical
entries on MNIST by default, or any shipped name or ``.toml``) runs into a fresh folder locally
with ``n_jobs=1`` and on the cluster, ``--rounds`` times alternately, and the script prints each
wall time, the ratio, and whether every record arrived in the client's folder with the same
figures as the local run's.

Usage: python benchmarks/bench_dask.py [SUITE] [--workers 2] [--rounds 2]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mnistkit.benchmark import Result, find_suite, load_suite, run_suite

SIX = """
name = "six"
description = "six classical entries on MNIST subsets"
[defaults]
dataset = "mnist"
train_size = 20000
test_size = 5000
[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
[[entries]]
id = "tree"
model = "pixels-decision-tree"
[[entries]]
id = "knn"
model = "pixels-knn"
[[entries]]
id = "pca-knn"
model = "pca-knn"
[[entries]]
id = "kmeans"
kind = "clustering"
model = "pca200-kmeans"
params = { pca__n_components = 20 }
[[entries]]
id = "hog-linear"
model = "hog-linear-svc"
"""


def start_cluster(root, n_workers):
    """Start the scheduler and workers; return (address, processes)."""
    scheduler_file = root / "scheduler.json"
    scheduler = ["--host", "127.0.0.1", "--port", "0", "--no-dashboard"]
    scheduler += ["--scheduler-file", str(scheduler_file)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "distributed.cli.dask_scheduler", *scheduler],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    while not (scheduler_file.exists() and scheduler_file.read_text()):
        time.sleep(0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    worker = ["--nthreads", "1", "--no-dashboard", "--host", "127.0.0.1"]
    for index in range(n_workers):
        folder = root / f"worker-{index}"
        folder.mkdir()
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "distributed.cli.dask_worker", address, *worker],
                cwd=folder,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    from distributed import Client

    with Client(address, timeout=60) as client:
        client.wait_for_workers(n_workers, timeout=120)
    return address, processes


def _without_times(value):
    """Metrics without the seconds they took (those differ from run to run anyway)."""
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if not k.endswith("_seconds")}
    return value


def figures(out):
    """Each record's metrics (times left out), by entry id."""
    return {
        path.parent.name: _without_times(Result.read(path).metrics)
        for path in sorted(out.glob("entries/*/repeat-*.json"))
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("suite", nargs="?", help="suite name or .toml (default: six entries)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if args.suite:
            suite = load_suite(find_suite(args.suite))
        else:
            (root / "six.toml").write_text(SIX)
            suite = load_suite(root / "six.toml")
        address, processes = start_cluster(root, args.workers)
        times = {"local": [], "dask": []}
        try:
            for round_ in range(args.rounds):
                for how in ("local", "dask") if round_ % 2 == 0 else ("dask", "local"):
                    out = root / f"{how}-{round_}"
                    options = {"backend": "dask", "scheduler": address} if how == "dask" else {}
                    start = time.perf_counter()
                    summary = run_suite(suite, out, progress=False, **options)
                    times[how].append(time.perf_counter() - start)
                    arrived = len(figures(out))
                    print(
                        f"round {round_} {how:>5}: {times[how][-1]:7.1f} s, "
                        f"{arrived} of {len(summary.ran)} records arrived, "
                        f"statuses {sorted(set(summary.statuses.values()))}"
                    )
                local, dask = figures(root / f"local-{round_}"), figures(root / f"dask-{round_}")
                differing = sorted(i for i in local if local[i] != dask.get(i))
                print(f"round {round_}: entries whose figures differ: {differing or 'none'}")
                for entry_id in differing:
                    changed = sorted(
                        k for k in local[entry_id] if local[entry_id][k] != dask[entry_id].get(k)
                    )
                    print(f"  {entry_id}: {', '.join(changed)}")
        finally:
            for process in reversed(processes):
                process.terminate()
            for process in processes:
                process.wait()
    local, dask = min(times["local"]), min(times["dask"])
    print(
        f"suite {suite.name!r}, {len(suite.entries)} entries, {os.cpu_count()} CPUs: "
        f"local n_jobs=1 {local:.1f} s, {args.workers} Dask workers {dask:.1f} s "
        f"(best of {args.rounds}); dask/local = {dask / local:.2f}"
    )


if __name__ == "__main__":
    main()
