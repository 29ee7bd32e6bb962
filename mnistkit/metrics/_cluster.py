"""Clustering scores scikit-learn lacks, and one call that reports all of them."""

from numbers import Integral

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn import metrics
from sklearn.metrics.cluster import contingency_matrix

from ..utils._sklearn_compat import Interval, validate_params
from ._classification import _check_pair_of_labels

__all__ = ["cluster_accuracy_score", "clustering_scores", "purity_score"]


def _check_clustering(labels_true, labels_pred):
    return _check_pair_of_labels(
        labels_true, labels_pred, names=("labels_true", "labels_pred"), same_labels=False
    )


@validate_params(
    {"labels_true": ["array-like"], "labels_pred": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def cluster_accuracy_score(labels_true, labels_pred):
    """Accuracy of a clustering under the best one-to-one cluster-to-class matching.

    The matching maximises the number of samples whose cluster is matched to their class
    (Hungarian algorithm, :func:`scipy.optimize.linear_sum_assignment`, on the contingency
    table). With more clusters than classes, the unmatched clusters count as errors; use
    :func:`purity_score` for a many-to-one matching.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground-truth classes.
    labels_pred : array-like of shape (n_samples,)
        Cluster assignments.

    Returns
    -------
    accuracy : float
        In [0, 1].

    Examples
    --------
    >>> from mnistkit.metrics import cluster_accuracy_score
    >>> cluster_accuracy_score([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 3, 4])
    0.8333333333333334
    """
    labels_true, labels_pred = _check_clustering(labels_true, labels_pred)
    table = contingency_matrix(labels_true, labels_pred)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / len(labels_true))


@validate_params(
    {"labels_true": ["array-like"], "labels_pred": ["array-like"]},
    prefer_skip_nested_validation=True,
)
def purity_score(labels_true, labels_pred):
    """Purity: the fraction of samples in their cluster's most frequent class.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground-truth classes.
    labels_pred : array-like of shape (n_samples,)
        Cluster assignments.

    Returns
    -------
    purity : float
        In [0, 1]; it reaches 1 with one cluster per sample, so compare it at equal K.

    Examples
    --------
    >>> from mnistkit.metrics import purity_score
    >>> purity_score([0, 0, 1, 1, 2, 2], [5, 5, 3, 3, 3, 4])
    0.8333333333333334
    """
    labels_true, labels_pred = _check_clustering(labels_true, labels_pred)
    table = contingency_matrix(labels_true, labels_pred)
    return float(table.max(axis=0).sum() / len(labels_true))


@validate_params(
    {
        "labels_true": ["array-like"],
        "labels_pred": ["array-like"],
        "X": ["array-like", None],
        "silhouette_sample_size": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def clustering_scores(
    labels_true, labels_pred, X=None, *, silhouette_sample_size=10_000, random_state=0
):
    """Every external (and, given X, internal) score of a clustering, in one dict.

    Parameters
    ----------
    labels_true : array-like of shape (n_samples,)
        Ground-truth classes.
    labels_pred : array-like of shape (n_samples,)
        Cluster assignments.
    X : array-like of shape (n_samples, n_features), default=None
        The clustered data; enables the silhouette coefficient.
    silhouette_sample_size : int or None, default=10000
        The silhouette costs O(n^2): on more samples than this it is computed on a random
        sample of this size (reported as ``silhouette_sample_size``). ``None`` uses all.
    random_state : int, default=0
        Seed of the silhouette sample.

    Returns
    -------
    scores : dict
        ``homogeneity``, ``completeness``, ``v_measure``, ``adjusted_rand``, ``rand``,
        ``adjusted_mutual_info``, ``normalized_mutual_info``, ``cluster_accuracy``,
        ``purity``, ``n_clusters``, and with ``X`` ``silhouette`` and
        ``silhouette_sample_size``.

    Examples
    --------
    >>> from mnistkit.metrics import clustering_scores
    >>> scores = clustering_scores([0, 0, 1, 1], [1, 1, 0, 0])
    >>> scores["adjusted_rand"], scores["cluster_accuracy"]
    (1.0, 1.0)
    """
    labels_true, labels_pred = _check_clustering(labels_true, labels_pred)
    homogeneity, completeness, v_measure = metrics.homogeneity_completeness_v_measure(
        labels_true, labels_pred
    )
    scores = {
        "homogeneity": float(homogeneity),
        "completeness": float(completeness),
        "v_measure": float(v_measure),
        "adjusted_rand": float(metrics.adjusted_rand_score(labels_true, labels_pred)),
        "rand": float(metrics.rand_score(labels_true, labels_pred)),
        "adjusted_mutual_info": float(metrics.adjusted_mutual_info_score(labels_true, labels_pred)),
        "normalized_mutual_info": float(
            metrics.normalized_mutual_info_score(labels_true, labels_pred)
        ),
        "cluster_accuracy": cluster_accuracy_score(labels_true, labels_pred),
        "purity": purity_score(labels_true, labels_pred),
        "n_clusters": len(np.unique(labels_pred)),
    }
    if X is not None:
        n_samples = len(labels_pred)
        if len(X) != n_samples:
            raise ValueError(f"X has {len(X)} rows but the labellings have {n_samples} entries.")
        size = (
            n_samples if silhouette_sample_size is None else min(silhouette_sample_size, n_samples)
        )
        if 2 <= scores["n_clusters"] <= size - 1:
            scores["silhouette"] = float(
                metrics.silhouette_score(
                    X,
                    labels_pred,
                    sample_size=size if size < n_samples else None,
                    random_state=random_state,
                )
            )
        else:
            scores["silhouette"] = None  # undefined for one cluster or one sample per cluster
        scores["silhouette_sample_size"] = int(size)
    return scores
