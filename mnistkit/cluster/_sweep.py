"""Sweeps over clusterings (K, init, covariance type, ...) as a table ready to plot."""

import time
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid

from ..metrics import clustering_scores
from ..utils._sklearn_compat import HasMethods, Interval, validate_params
from ._evaluator import check_cluster_count

__all__ = ["clustering_sweep"]


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array{value.shape}"
    return value


def _fit_one(clusterer, params, X, labels_true, silhouette_sample_size, random_state):
    clusterer = clone(clusterer).set_params(**params)
    check_cluster_count(clusterer, len(X))
    start = time.perf_counter()
    clusterer.fit(X)
    fit_seconds = time.perf_counter() - start
    labels = clusterer.labels_ if hasattr(clusterer, "labels_") else clusterer.predict(X)
    row = {name: _describe(value) for name, value in params.items()}
    row["fit_seconds"] = fit_seconds
    row.update(
        clustering_scores(
            labels_true,
            labels,
            X,
            silhouette_sample_size=silhouette_sample_size,
            random_state=random_state,
        )
    )
    if hasattr(clusterer, "inertia_"):
        row["inertia"] = float(clusterer.inertia_)
    if hasattr(clusterer, "bic"):
        row["bic"] = float(clusterer.bic(X))
    return row


@validate_params(
    {
        "clusterer": [HasMethods(["fit", "predict"])],
        "param_grid": [dict, list],
        "X": ["array-like"],
        "labels_true": ["array-like"],
        "silhouette_sample_size": [Interval(Integral, 2, None, closed="left"), None],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    },
    prefer_skip_nested_validation=True,
)
def clustering_sweep(
    clusterer,
    param_grid,
    X,
    labels_true,
    *,
    silhouette_sample_size=10_000,
    random_state=0,
    n_jobs=None,
):
    """Fit a clusterer for every combination of parameters and score each clustering.

    Parameters
    ----------
    clusterer : estimator
        Unfitted clusterer (KMeans, GaussianMixture, ...) or a pipeline ending in one.
    param_grid : dict or list of dict
        As for :class:`sklearn.model_selection.ParameterGrid`, e.g.
        ``{"n_clusters": range(2, 151)}``, ``{"init": ["k-means++", "random", centres]}`` or
        ``{"covariance_type": ["spherical", "tied", "diag", "full"]}``.
    X : array-like of shape (n_samples, n_features)
        Data (raw pixels, PCA or UMAP features).
    labels_true : array-like of shape (n_samples,)
        Classes, for the external scores only.
    silhouette_sample_size : int or None, default=10000
        See :func:`mnistkit.metrics.clustering_scores`.
    random_state : int, default=0
        Seed of the silhouette sample.
    n_jobs : int, default=None
        Parameter combinations fitted in parallel (joblib).

    Returns
    -------
    table : pandas.DataFrame
        One row per combination: the parameters, ``fit_seconds``, every score of
        :func:`~mnistkit.metrics.clustering_scores`, and ``inertia`` / ``bic`` where the
        clusterer has them.

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> from mnistkit.cluster import clustering_sweep
    >>> from mnistkit.datasets import load_mnist
    >>> X, y = load_mnist(subset="test", return_X_y=True)
    >>> table = clustering_sweep(KMeans(n_init=1, random_state=0), {"n_clusters": [5, 10]},
    ...                          X[:1000] / 255, y[:1000])
    >>> table[["n_clusters", "homogeneity"]].shape
    (2, 2)
    """
    import pandas as pd

    combinations = list(ParameterGrid(param_grid))
    if not combinations or combinations == [{}]:
        raise ValueError(
            f"param_grid {param_grid!r} has nothing to sweep; give at least one parameter with "
            "its values, e.g. {'n_clusters': [5, 10, 20]}."
        )
    rows = Parallel(n_jobs=n_jobs)(
        delayed(_fit_one)(clusterer, params, X, labels_true, silhouette_sample_size, random_state)
        for params in combinations
    )
    return pd.DataFrame(rows)
