"""Uncertainty of the figures a report shows: intervals and corrected p-values.

- Accuracy: the Wilson score interval, the binomial interval that keeps its coverage near 0 and 1
  (where accuracies on MNIST live). scipy has it (``binomtest(k, n).proportion_ci("wilson")``)
  for an integer count only; the mean accuracy over seeds is not one, so the formula is written
  here, and tested against scipy's on counts.
- Macro F1: a percentile bootstrap over test samples. ``scipy.stats.bootstrap`` would call an F1
  function once per resample (a second per result on 10k samples); here every resample's
  confusion matrix comes from one ``bincount``, and the seeds of a repeated entry are resampled
  together, so the interval is that of their mean.
- Many pairs: Holm's step-down correction (scipy has Benjamini-Hochberg only).
"""

import numpy as np
from scipy.stats import norm

__all__ = ["bootstrap_macro_f1_interval", "holm_adjust", "wilson_interval"]


def wilson_interval(accuracy, n, confidence=0.95):
    """Wilson score interval of a proportion ``accuracy`` observed on ``n`` samples.

    Examples
    --------
    >>> from mnistkit.benchmark._stats import wilson_interval
    >>> [round(bound, 4) for bound in wilson_interval(0.99, 10_000)]
    [0.9878, 0.9918]
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    z = norm.ppf(0.5 + confidence / 2)
    centre = (accuracy + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(accuracy * (1 - accuracy) / n + z * z / (4 * n * n))
    return (float(max(0.0, centre - half)), float(min(1.0, centre + half)))


def _macro_f1(confusions):
    """Macro F1 of a stack of confusion matrices (..., k, k).

    As scikit-learn's ``f1_score(average="macro", labels=...)``: 0 for a class that is neither
    true nor predicted."""
    true_positive = np.diagonal(confusions, axis1=-2, axis2=-1).astype(float)
    denominator = confusions.sum(axis=-1) + confusions.sum(axis=-2)
    f1 = np.divide(
        2 * true_positive, denominator, out=np.zeros_like(true_positive), where=denominator > 0
    )
    return f1.mean(axis=-1)


def _label_codes(values, labels):
    """Index of each value in ``labels``, -1 where it is not one of them."""
    order = np.argsort(labels, kind="stable")
    position = np.clip(np.searchsorted(labels[order], values), 0, len(labels) - 1)
    return np.where(labels[order][position] == values, order[position], -1)


def bootstrap_macro_f1_interval(
    y_true, y_preds, labels, *, confidence=0.95, n_resamples=1000, random_state=0
):
    """Percentile bootstrap interval of the macro F1 (averaged over ``y_preds``).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
    y_preds : list of array-like of shape (n_samples,)
        Predictions of one or more runs (seeds) on the same test samples.
    labels : array-like
        The classes averaged over.
    confidence : float, default=0.95
    n_resamples : int, default=1000
    random_state : int, default=0

    Returns
    -------
    (low, high) : tuple of float
    """
    labels = np.asarray(labels)
    k = len(labels)
    y_true = np.asarray(y_true)
    truth = _label_codes(y_true, labels)
    pairs = []
    for y_pred in y_preds:
        predicted = _label_codes(np.asarray(y_pred), labels)
        keep = (truth >= 0) & (predicted >= 0)
        # Samples outside ``labels`` count for no class (as in scikit-learn with labels=).
        pairs.append(np.where(keep, truth * k + predicted, k * k))
    n = len(y_true)
    rng = np.random.default_rng(random_state)
    scores = []
    for start in range(0, n_resamples, 100):
        size = min(100, n_resamples - start)
        rows = rng.integers(0, n, size=(size, n))
        offsets = np.arange(size)[:, None] * (k * k + 1)
        per_run = [
            np.bincount((pair[rows] + offsets).ravel(), minlength=size * (k * k + 1))
            .reshape(size, k * k + 1)[:, : k * k]
            .reshape(size, k, k)
            for pair in pairs
        ]
        scores.append(np.mean([_macro_f1(confusion) for confusion in per_run], axis=0))
    scores = np.concatenate(scores)
    alpha = (1 - confidence) / 2
    return (float(np.quantile(scores, alpha)), float(np.quantile(scores, 1 - alpha)))


def holm_adjust(pvalues):
    """Holm's step-down adjusted p-values (family-wise error control over all the tests).

    Examples
    --------
    >>> from mnistkit.benchmark._stats import holm_adjust
    >>> holm_adjust([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    pvalues = np.asarray(pvalues, dtype=float)
    m = len(pvalues)
    order = np.argsort(pvalues, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * pvalues[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted
