"""Classification scores scikit-learn lacks: specificity, confused pairs, McNemar's test."""

from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import stats
from sklearn.metrics import confusion_matrix, multilabel_confusion_matrix

from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from ..utils._validation import sorted_labels

__all__ = ["McNemarResult", "mcnemar_test", "most_confused_pairs", "specificity_score"]


def _check_pair_of_labels(y_true, y_pred, *, names=("y_true", "y_pred"), same_labels=True):
    """Return both label arrays as 1-d ndarrays of equal, non-zero length, or raise.

    ``same_labels``: the two arrays hold labels of one set (a prediction of a class), so their
    labels must order together; clusterings' ids are a set of their own.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    first, second = names
    if y_true.ndim != 1 or y_pred.ndim != 1:
        raise ValueError(
            f"{first} and {second} must be 1-d label arrays; got shapes {y_true.shape} and "
            f"{y_pred.shape}."
        )
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"{first} has {len(y_true)} labels but {second} has {len(y_pred)}; they must have one "
            "label per sample each."
        )
    if len(y_true) == 0:
        raise ValueError(f"{first} and {second} are empty; there is nothing to evaluate.")
    if {y_true.dtype.kind, y_pred.dtype.kind} & set("OUS"):  # numbers always order
        sorted_labels(y_true, first)
        sorted_labels(y_pred, second)
        if same_labels:
            together = np.concatenate([y_true.astype(object), y_pred.astype(object)])
            sorted_labels(together, f"{first} with {second}")
    return y_true, y_pred


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "labels": ["array-like", None],
        "pos_label": [Real, str, "boolean", None],
        "average": [StrOptions({"binary", "macro", "weighted"}), None],
    },
    prefer_skip_nested_validation=True,
)
def specificity_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary"):
    """Specificity (true negative rate), TN / (TN + FP), per class or averaged.

    scikit-learn has no specificity: it is recall of the negative class in the binary case and,
    per class, ``TN / (TN + FP)`` from :func:`sklearn.metrics.multilabel_confusion_matrix`.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, default=None
        Classes to report, in order; ``None`` uses the sorted union of both arrays.
    pos_label : int or str, default=1
        Positive class when ``average="binary"``.
    average : {"binary", "macro", "weighted"} or None, default="binary"
        ``None`` returns one value per class; ``"macro"`` their mean; ``"weighted"`` their mean
        weighted by support.

    Returns
    -------
    specificity : float or ndarray of shape (n_classes,)

    Examples
    --------
    >>> from mnistkit.metrics import specificity_score
    >>> specificity_score([0, 0, 1, 1], [0, 1, 1, 1])
    0.5
    >>> specificity_score([0, 1, 2, 2], [0, 2, 2, 1], average=None)
    array([1.        , 0.66666667, 0.5       ])
    """
    y_true, y_pred = _check_pair_of_labels(y_true, y_pred)
    if average == "binary":
        present = np.union1d(y_true, y_pred)
        if len(present) > 2:
            raise ValueError(
                f"average='binary' needs two classes but the labels have {len(present)}; pass "
                "average=None, 'macro' or 'weighted'."
            )
        if len(present) == 2 and pos_label not in present.tolist():
            # As scikit-learn's binary scores: an absent positive class is a mistake, not 1.0.
            raise ValueError(
                f"pos_label={pos_label!r} is not one of the labels {present.tolist()}; pass "
                "pos_label= the positive class, or average=None for every class."
            )
        matrices = multilabel_confusion_matrix(y_true, y_pred, labels=[pos_label])
    else:  # None, "macro" or "weighted" (validate_params refused anything else)
        matrices = multilabel_confusion_matrix(y_true, y_pred, labels=labels)
    tn, fp = matrices[:, 0, 0], matrices[:, 0, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        per_class = np.where(tn + fp > 0, tn / np.maximum(tn + fp, 1), 0.0)
    if average == "binary":
        return float(per_class[0])
    if average is None:
        return per_class
    if average == "macro":
        return float(per_class.mean())
    support = matrices[:, 1, 0] + matrices[:, 1, 1]
    return float(np.average(per_class, weights=support)) if support.sum() else 0.0


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred": ["array-like"],
        "k": [Interval(Integral, 1, None, closed="left")],
        "labels": ["array-like", None],
        "symmetric": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def most_confused_pairs(y_true, y_pred, *, k=5, labels=None, symmetric=False):
    """The ``k`` most frequent errors, as (true label, predicted label, count).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    k : int, default=5
        Number of pairs to return (fewer if fewer kinds of error occurred).
    labels : array-like, default=None
        Classes, in order; ``None`` uses the sorted union of both arrays.
    symmetric : bool, default=False
        Count a-mistaken-for-b and b-mistaken-for-a together as the unordered pair (a, b), as
        when people say "3 and 5 are confused".

    Returns
    -------
    pairs : list of tuple
        ``(true, predicted, count)`` sorted by decreasing count (ties by label order); with
        ``symmetric=True``, ``(a, b, count)`` with ``a`` before ``b`` in label order.

    Examples
    --------
    >>> from mnistkit.metrics import most_confused_pairs
    >>> most_confused_pairs([3, 3, 5, 5, 4, 9], [5, 5, 3, 5, 9, 9], k=2)
    [(3, 5, 2), (4, 9, 1)]
    >>> most_confused_pairs([3, 3, 5, 5, 4, 9], [5, 5, 3, 5, 9, 9], k=1, symmetric=True)
    [(3, 5, 3)]
    """
    y_true, y_pred = _check_pair_of_labels(y_true, y_pred)
    if labels is None:
        labels = np.union1d(y_true, y_pred)
    labels = np.asarray(labels)
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    np.fill_diagonal(matrix, 0)
    if symmetric:
        matrix = np.triu(matrix + matrix.T)
    order = np.argsort(-matrix, axis=None, kind="stable")
    pairs = []
    for flat_index in order[:k]:
        row, col = np.unravel_index(flat_index, matrix.shape)
        if matrix[row, col] == 0:
            break
        pairs.append((labels[row].item(), labels[col].item(), int(matrix[row, col])))
    return pairs


@dataclass(frozen=True)
class McNemarResult:
    """Outcome of :func:`mcnemar_test`.

    Attributes
    ----------
    statistic : float
        Chi-squared statistic (with continuity correction), or the smaller discordant count
        for the exact test.
    pvalue : float
        Two-sided p-value.
    only_a_correct : int
        Samples classifier A got right and B wrong.
    only_b_correct : int
        Samples B got right and A wrong.
    exact : bool
        Whether the exact binomial test was used.
    """

    statistic: float
    pvalue: float
    only_a_correct: int
    only_b_correct: int
    exact: bool

    def significant(self, alpha=0.05):
        """Whether the two classifiers' error rates differ at level ``alpha``."""
        return self.pvalue < alpha


@validate_params(
    {
        "y_true": ["array-like"],
        "y_pred_a": ["array-like"],
        "y_pred_b": ["array-like"],
        "exact": ["boolean", None],
    },
    prefer_skip_nested_validation=True,
)
def mcnemar_test(y_true, y_pred_a, y_pred_b, *, exact=None):
    """McNemar's test: do two classifiers differ in accuracy on the same test set?

    Only the samples where exactly one classifier is right matter: ``b`` (A right, B wrong) and
    ``c`` (B right, A wrong). Under the null hypothesis both are equally likely. The exact test
    is a two-sided binomial test of ``b`` in ``b + c`` trials with p = 0.5; the asymptotic one
    is ``(|b - c| - 1)^2 / (b + c)`` against chi-squared with 1 degree of freedom. scipy
    provides both distributions; statsmodels, which has this test, is not a dependency.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred_a, y_pred_b : array-like of shape (n_samples,)
        Predictions of the two classifiers.
    exact : bool, default=None
        ``None`` uses the exact test when ``b + c < 25``.

    Returns
    -------
    result : McNemarResult

    Examples
    --------
    >>> from mnistkit.metrics import mcnemar_test
    >>> y = [0] * 100
    >>> a = [0] * 100
    >>> b = [0] * 80 + [1] * 20
    >>> result = mcnemar_test(y, a, b)
    >>> result.only_a_correct, result.only_b_correct, round(result.pvalue, 6)
    (20, 0, 2e-06)
    """
    y_true, y_pred_a = _check_pair_of_labels(y_true, y_pred_a)
    _, y_pred_b = _check_pair_of_labels(y_true, y_pred_b)
    correct_a, correct_b = y_pred_a == y_true, y_pred_b == y_true
    b = int(np.sum(correct_a & ~correct_b))
    c = int(np.sum(~correct_a & correct_b))
    if exact is None:
        exact = b + c < 25
    if b + c == 0:
        return McNemarResult(0.0, 1.0, b, c, bool(exact))
    if exact:
        pvalue = stats.binomtest(b, b + c, 0.5).pvalue
        return McNemarResult(float(min(b, c)), float(pvalue), b, c, True)
    statistic = (abs(b - c) - 1) ** 2 / (b + c)
    return McNemarResult(float(statistic), float(stats.chi2.sf(statistic, 1)), b, c, False)
