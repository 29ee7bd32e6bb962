"""The report's statistics (``mnistkit/benchmark/_stats.py``): Wilson intervals, macro F1 from
confusion matrices, bootstrap intervals, Holm's adjustment, each against a reference."""

import numpy as np
from scipy.stats import binomtest
from sklearn.metrics import f1_score

from mnistkit.benchmark._stats import (
    _macro_f1,
    bootstrap_macro_f1_interval,
    holm_adjust,
    wilson_interval,
)


def test_wilson_interval_matches_scipy():
    for correct, n in [(9900, 10000), (5, 10), (0, 50), (50, 50), (624, 700)]:
        expected = binomtest(correct, n).proportion_ci(confidence_level=0.95, method="wilson")
        np.testing.assert_allclose(
            wilson_interval(correct / n, n), (expected.low, expected.high), atol=1e-12
        )


def test_macro_f1_of_confusion_matrices_matches_scikit_learn(rng):
    from sklearn.metrics import confusion_matrix

    y_true = rng.integers(0, 5, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 6, 300))
    labels = np.arange(7)  # 5 and 6: a class never true, a class never seen at all
    confusion = confusion_matrix(y_true, y_pred, labels=labels)
    expected = f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    np.testing.assert_allclose(_macro_f1(confusion), expected)


def test_bootstrap_interval_holds_the_estimate_and_narrows_with_more_samples(rng):
    def interval(n):
        y = rng.integers(0, 10, n)
        p = np.where(rng.random(n) < 0.9, y, rng.integers(0, 10, n))
        return f1_score(y, p, average="macro"), bootstrap_macro_f1_interval(y, [p], np.arange(10))

    estimate, (low, high) = interval(2000)
    assert low < estimate < high
    _, (wide_low, wide_high) = interval(300)
    assert wide_high - wide_low > 1.5 * (high - low)
    # String labels and a label outside the list are handled as scikit-learn does.
    y = np.array(["a", "b", "a", "b", "c"] * 40)
    low, high = bootstrap_macro_f1_interval(y, [y], np.array(["a", "b"]))
    assert low == high == 1.0


def test_holm_adjustment_by_hand():
    # p sorted 0.01, 0.03, 0.04 -> 3*0.01, max(0.03, 2*0.03), max(0.06, 1*0.04)
    np.testing.assert_allclose(holm_adjust([0.04, 0.01, 0.03]), [0.06, 0.03, 0.06])
    np.testing.assert_allclose(holm_adjust([0.5, 0.6]), [1.0, 1.0])
    assert holm_adjust([]).shape == (0,)
