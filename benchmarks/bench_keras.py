"""Default KerasMLP and KerasCNN on full MNIST, and the wrapper's overhead over plain Keras.

Part 1 fits each default network on the 60,000 training images and reports test accuracy,
seconds per epoch and fit time. Targets (issue 4, 2 cores): CNN >= 99.3% in under 2 minutes of
fit time; MLP >= 98.0% in under 60 s.

Part 2 measures the wrapper's overhead: the same network, optimizer and schedule written
directly in Keras (including the uint8-to-float conversion a plain script does), fitted for 3
epochs alternately with the mnistkit classifier, 3 times each; the overhead is the difference of
the best times (target < 5%). Run-to-run noise on a shared 2-core machine is about 10%, which is
why single runs cannot measure it.

Run: ``python benchmarks/bench_keras.py`` (about 8 minutes on 2 cores).
"""

import math
import time

import numpy as np
from sklearn.base import clone

from mnistkit.datasets import load_mnist
from mnistkit.neural_network import KerasCNN, KerasMLP
from mnistkit.neural_network._backend import import_keras


def plain_keras_fit(estimator, X, y):
    """Fit the estimator's network in plain Keras; return the seconds it took."""
    keras = import_keras()
    keras.utils.set_random_seed(1)
    start = time.perf_counter()
    X = X.astype(np.float32) / 255
    if isinstance(estimator, KerasCNN):
        X = X.reshape(-1, 28, 28, 1)
    model = keras.Sequential([keras.Input(X.shape[1:])])
    for layer in estimator.model_.layers:  # the same architecture, freshly initialised
        model.add(layer.__class__.from_config(layer.get_config()))
    steps = math.ceil(len(X) / estimator.batch_size)
    total = steps * estimator.epochs
    warmup = min(total - 1, round(estimator.warmup_epochs * steps))
    rate = estimator.learning_rate or 1e-3
    schedule = keras.optimizers.schedules.CosineDecay(
        rate / 10 if warmup else rate,
        max(1, total - warmup),
        warmup_target=rate if warmup else None,
        warmup_steps=warmup,
    )
    model.compile(
        keras.optimizers.Adam(schedule), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.fit(X, y, batch_size=estimator.batch_size, epochs=estimator.epochs, verbose=0)
    return time.perf_counter() - start


def main():
    import_keras()  # TensorFlow's one-time import (a few seconds) is timed by neither side
    X, y = load_mnist(return_X_y=True)
    X_test, y_test = load_mnist(subset="test", return_X_y=True)
    print("Part 1: default networks on 60,000 training images\n")
    print(
        f"{'model':<6}{'params':>9}{'epochs':>7}{'s/epoch':>9}{'fit (s)':>9}{'test acc':>10}"
        f"  targets"
    )
    for name, estimator, seconds_target, accuracy_target in [
        ("MLP", KerasMLP(random_state=0), 60, 0.980),
        ("CNN", KerasCNN(random_state=0), 120, 0.993),
    ]:
        start = time.perf_counter()
        estimator.fit(X, y)
        fit_seconds = time.perf_counter() - start
        accuracy = estimator.score(X_test, y_test)
        verdict = (
            f"accuracy >= {accuracy_target}: {'PASS' if accuracy >= accuracy_target else 'FAIL'}"
            f", fit < {seconds_target} s: {'PASS' if fit_seconds < seconds_target else 'FAIL'}"
        )
        print(
            f"{name:<6}{estimator.n_parameters_:>9}{estimator.n_iter_:>7}"
            f"{fit_seconds / estimator.n_iter_:>9.1f}{fit_seconds:>9.1f}{accuracy:>10.4f}"
            f"  {verdict}",
            flush=True,
        )

    print("\nPart 2: wrapper overhead, 3-epoch fits alternated 3 times, best of each\n")
    for name, estimator in [
        ("MLP", KerasMLP(random_state=0, epochs=3)),
        ("CNN", KerasCNN(random_state=0, epochs=3)),
    ]:
        wrapper, plain = [], []
        for _ in range(3):
            model = clone(estimator)
            start = time.perf_counter()
            model.fit(X, y)
            wrapper.append(time.perf_counter() - start)
            plain.append(plain_keras_fit(model, X, y))
        overhead = (min(wrapper) - min(plain)) / min(plain)
        print(
            f"{name}: mnistkit {min(wrapper):.1f} s, plain Keras {min(plain):.1f} s "
            f"(all runs: {[round(t, 1) for t in wrapper]} vs {[round(t, 1) for t in plain]}); "
            f"overhead {overhead:+.1%} (target < 5%): {'PASS' if overhead < 0.05 else 'FAIL'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
