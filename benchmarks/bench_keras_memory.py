"""Resident memory over many consecutive Keras fits: a grid search's worth, in one process.

Fits a small ``KerasMLP`` (one hidden layer of 32 units, one epoch on 2,000 MNIST images) 50
times in a row, predicting with each and dropping it, as ``GridSearchCV`` does with its
candidates, and prints the growth of the process's resident memory (RSS) after every 10 fits,
and the number of functions left in TensorFlow's runtime. One warm-up fit comes first, so
TensorFlow's one-time start-up is not counted. Target (issue 15): 50 fits grow RSS by under
100 MiB.

Each setting runs in a fresh process of its own, one after the other: mnistkit as it is, and
with its release of TensorFlow's custom-gradient registrations switched off (the state before
the fix), so the two figures are measured side by side.

Run: ``python benchmarks/bench_keras_memory.py [--fits 50]`` (about 2 minutes on 2 cores).
"""

import argparse
import gc
import subprocess
import sys

import psutil

from mnistkit.datasets import load_mnist
from mnistkit.neural_network import KerasMLP, _backend
from mnistkit.neural_network._backend import import_keras


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=50)
    parser.add_argument("--release", choices=["on", "off"], help="run one setting only")
    args = parser.parse_args()
    if args.release is None:
        for release in ("off", "on"):
            command = [sys.executable, __file__, "--fits", str(args.fits), "--release", release]
            subprocess.run(command, check=True)
        return
    if args.release == "off":
        _backend.RELEASE_GRADIENTS = False
    import_keras()
    from tensorflow.python.eager import context

    X, y = load_mnist(subset="test", return_X_y=True)
    X, y = X[:2000], y[:2000]
    process = psutil.Process()

    def fit_once():
        model = KerasMLP((32,), epochs=1, random_state=0).fit(X, y)
        model.predict(X[:100])

    fit_once()  # warm-up: TensorFlow's one-time set-up is not counted
    gc.collect()
    start = process.memory_info().rss
    functions = len(context.context().list_function_names())
    print(
        f"{args.fits} fits of KerasMLP((32,), epochs=1) on 2,000 images, release of "
        f"gradient registrations {args.release}",
        flush=True,
    )
    for fit in range(1, args.fits + 1):
        fit_once()
        if fit % 10 == 0 or fit == args.fits:
            gc.collect()
            grown = (process.memory_info().rss - start) / 2**20
            left = len(context.context().list_function_names()) - functions
            print(
                f"  after {fit:3d} fits: RSS +{grown:6.1f} MiB, TensorFlow functions +{left}",
                flush=True,
            )
    verdict = "PASS" if grown < 100 * args.fits / 50 else "FAIL"
    print(
        f"growth {grown:.1f} MiB over {args.fits} fits (target < 100 MiB per 50): {verdict}\n",
        flush=True,
    )


if __name__ == "__main__":
    main()
