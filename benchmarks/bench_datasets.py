"""Load time and peak memory of ``load_mnist()`` against the usual notebook loader.

Each measurement runs in a fresh interpreter so that peak RSS (``ru_maxrss``) belongs to that
load alone; the growth is reported over the interpreter's baseline after imports. The files are
read once beforehand so that the timings are warm (OS cache), as the target asks.

Run: ``python benchmarks/bench_datasets.py``. Target: warm load < 0.5 s, peak RSS growth
< 150 MiB.
"""

import json
import subprocess
import sys

CHILD = r"""
import gzip, json, resource, sys, time
import numpy as np
from mnistkit.datasets import load_mnist
from mnistkit.datasets._mnist import _bundled_mnist_paths

def rss_peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def naive():
    # What lab notebooks do: read the whole gzip stream, then convert to float32 and scale.
    paths = _bundled_mnist_paths()
    with gzip.open(paths["train_images"]) as f:
        images = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(paths["train_labels"]) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8)
    return images.astype("float32") / 255, labels

loaders = {
    "mnistkit": lambda: load_mnist(),
    "mnistkit_float32": lambda: load_mnist(dtype=np.float32),
    "naive_float32": naive,
}
before = rss_peak_mib()
start = time.perf_counter()
result = loaders[sys.argv[1]]()
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_growth_mib": rss_peak_mib() - before}))
"""


def measure(name, repeats=3):
    runs = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, name], capture_output=True, text=True, check=True
        )
        runs.append(json.loads(out.stdout))
    return min(r["seconds"] for r in runs), max(r["peak_growth_mib"] for r in runs)


def main():
    measure("mnistkit", repeats=1)  # warm the OS file cache
    results = {name: measure(name) for name in ["mnistkit", "mnistkit_float32", "naive_float32"]}
    print(f"{'loader':<20}{'warm load (s)':>15}{'peak RSS growth (MiB)':>24}")
    for name, (seconds, growth) in results.items():
        print(f"{name:<20}{seconds:>15.3f}{growth:>24.1f}")
    seconds, growth = results["mnistkit"]
    naive_seconds, naive_growth = results["naive_float32"]
    print(f"\nload_mnist() (60k train, uint8, MD5-verified): {seconds:.3f} s, +{growth:.0f} MiB")
    print(
        f"  target < 0.5 s: {'PASS' if seconds < 0.5 else 'FAIL'};"
        f" target < 150 MiB: {'PASS' if growth < 150 else 'FAIL'}"
    )
    print(f"  memory ratio naive float32 / mnistkit uint8: {naive_growth / growth:.1f}x")
    fl_seconds, fl_growth = results["mnistkit_float32"]
    print(
        f"  float32 on request: mnistkit {fl_growth:.0f} MiB vs naive {naive_growth:.0f} MiB"
        f" ({naive_growth / fl_growth:.2f}x), time {fl_seconds:.3f} s vs {naive_seconds:.3f} s"
    )


if __name__ == "__main__":
    main()
