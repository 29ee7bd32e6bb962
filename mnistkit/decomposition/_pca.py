"""What people compute around scikit-learn's PCA: variance thresholds and reconstructions."""

from numbers import Real

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..utils._sklearn_compat import HasMethods, Interval, validate_params

__all__ = ["n_components_for_variance", "pca_reconstruct", "reconstruction_error"]


def _ratios(pca_or_ratios):
    if hasattr(pca_or_ratios, "explained_variance_ratio_"):
        return pca_or_ratios.explained_variance_ratio_
    return np.asarray(pca_or_ratios, dtype=float)


@validate_params(
    {
        "pca_or_ratios": [HasMethods(["fit"]), "array-like"],
        "threshold": [Interval(Real, 0, 1, closed="right")],
    },
    prefer_skip_nested_validation=True,
)
def n_components_for_variance(pca_or_ratios, threshold=0.9):
    """Smallest number of components whose cumulative explained variance reaches ``threshold``.

    Parameters
    ----------
    pca_or_ratios : PCA or array-like of float
        A fitted :class:`sklearn.decomposition.PCA` or its ``explained_variance_ratio_``.
    threshold : float, default=0.9
        Fraction of the variance, in (0, 1].

    Returns
    -------
    n_components : int

    Examples
    --------
    >>> from mnistkit.decomposition import n_components_for_variance
    >>> n_components_for_variance([0.5, 0.3, 0.1, 0.1], 0.85)
    3
    """
    cumulative = np.cumsum(_ratios(pca_or_ratios))
    reached = np.flatnonzero(cumulative >= threshold - 1e-12)
    if len(reached) == 0:
        raise ValueError(
            f"The {len(cumulative)} components explain {cumulative[-1]:.4f} of the variance, "
            f"less than threshold={threshold}. Fit the PCA with more components."
        )
    return int(reached[0] + 1)


def pca_reconstruct(pca, X, *, n_components=None):
    """Reconstruct ``X`` from its first ``n_components`` principal components.

    Parameters
    ----------
    pca : sklearn.decomposition.PCA
        Fitted.
    X : array-like of shape (n_samples, n_features)
        Data in the space the PCA was fitted on.
    n_components : int, default=None
        Components to keep, at most ``pca.n_components_``; ``None`` keeps all.

    Returns
    -------
    X_reconstructed : ndarray of shape (n_samples, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from mnistkit.decomposition import pca_reconstruct
    >>> X = np.random.default_rng(0).normal(size=(50, 6))
    >>> pca = PCA().fit(X)
    >>> bool(np.allclose(pca_reconstruct(pca, X), X))
    True
    """
    check_is_fitted(pca, "components_")
    n_available = pca.components_.shape[0]
    if n_components is None:
        n_components = n_available
    if not 1 <= n_components <= n_available:
        raise ValueError(
            f"n_components must be between 1 and the {n_available} components the PCA was "
            f"fitted with; got {n_components}."
        )
    X = np.asarray(X, dtype=float)
    n_features = pca.components_.shape[1]
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(
            f"X must have one row per sample of the {n_features} features the PCA was fitted "
            f"on; got an array of shape {X.shape}. Flatten images to rows (X.reshape(len(X), "
            "-1)) and pass the data the PCA saw, not its components."
        )
    components = pca.components_[:n_components]
    # Project on the unit-norm components directly: this is PCA.inverse_transform restricted
    # to k components, and is the same with or without whiten=True.
    scores = (X - pca.mean_) @ components.T
    return scores @ components + pca.mean_


def reconstruction_error(pca, X, *, n_components=None):
    """Mean squared error per pixel between ``X`` and its reconstruction.

    Parameters
    ----------
    pca : sklearn.decomposition.PCA
        Fitted.
    X : array-like of shape (n_samples, n_features)
        Data.
    n_components : int, default=None
        Components to keep; ``None`` keeps all.

    Returns
    -------
    error : float
    """
    X = np.asarray(X, dtype=float)
    return float(np.mean((X - pca_reconstruct(pca, X, n_components=n_components)) ** 2))
