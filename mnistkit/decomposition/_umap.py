"""UMAP as an unsupervised pipeline step, with its traps spelled out."""

from numbers import Integral, Real

from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._extras import import_optional
from ..utils._quiet import quiet_native_import
from ..utils._sklearn_compat import Interval, _fit_context
from ..utils._validation import check_numeric_array

__all__ = ["UMAPEmbedding", "make_umap"]


class UMAPEmbedding(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """UMAP embedding (umap-learn) that stays unsupervised inside a pipeline.

    ``umap.UMAP.fit(X, y)`` runs *supervised* UMAP when it receives labels, and a scikit-learn
    ``Pipeline`` passes ``y`` to every step: a clustering pipeline ``UMAP -> KMeans`` fitted with
    ``fit(X, y)`` (as :class:`~mnistkit.cluster.ClusterClassifier` needs) would silently learn
    from the labels (cluster accuracy 0.996 instead of 0.96 on MNIST). This step ignores ``y``.

    Two more traps of umap-learn: a fixed ``random_state`` makes it reproducible but forces it
    onto one thread; the first fit in a process compiles numba code (several seconds).

    Parameters
    ----------
    n_components : int, default=2
        Embedding dimension.
    n_neighbors : int, default=15
        Size of the local neighbourhood.
    min_dist : float, default=0.0
        How tightly points may be packed (0 suits clustering).
    metric : str, default="euclidean"
        Input distance.
    random_state : int or None, default=None
        Seed; see the note on threads above.
    n_jobs : int, default=-1
        Threads when ``random_state`` is None.

    Attributes
    ----------
    umap_ : umap.UMAP
        The fitted UMAP model.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.

    Like scikit-learn's transformers, it names its output columns (``get_feature_names_out``:
    ``umapembedding0``, ``umapembedding1``, ...) and returns pandas or polars frames after
    ``set_output(transform="pandas")``, so it fits a ``ColumnTransformer``.

    Examples
    --------
    >>> from mnistkit.decomposition import UMAPEmbedding
    >>> UMAPEmbedding(10).n_components
    10
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(Integral, 2, None, closed="left")],
        "min_dist": [Interval(Real, 0, None, closed="left")],
        "metric": [str],
        "random_state": [None, Integral],
        "n_jobs": [Integral],
    }

    def __init__(
        self,
        n_components=2,
        *,
        n_neighbors=15,
        min_dist=0.0,
        metric="euclidean",
        random_state=None,
        n_jobs=-1,
    ):
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.metric = metric
        self.random_state = random_state
        self.n_jobs = n_jobs

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Fit UMAP on X alone.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : None
            Ignored, on purpose: see the class docstring.

        Returns
        -------
        self : object
            Fitted transformer.
        """
        X = validate_data(self, check_numeric_array(X), dtype="numeric")
        with quiet_native_import():  # umap-learn imports TensorFlow, which logs from C++
            UMAP = import_optional("umap", needed_by="UMAPEmbedding").UMAP

        self.umap_ = UMAP(
            n_components=self.n_components,
            n_neighbors=min(self.n_neighbors, len(X) - 1) if len(X) > 2 else 2,
            min_dist=self.min_dist,
            metric=self.metric,
            random_state=self.random_state,
            n_jobs=1 if self.random_state is not None else self.n_jobs,
        ).fit(X)
        return self

    def transform(self, X):
        """Embed X with the fitted UMAP.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_components)
            Coordinates.
        """
        check_is_fitted(self, "umap_")
        X = validate_data(self, check_numeric_array(X), reset=False, dtype="numeric")
        return self.umap_.transform(X)

    def fit_transform(self, X, y=None):
        """Fit on X alone and return its embedding (the training embedding UMAP computed).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data.
        y : None
            Ignored.

        Returns
        -------
        embedding : ndarray of shape (n_samples, n_components)
            Coordinates.
        """
        return self.fit(X).umap_.embedding_

    @property
    def _n_features_out(self):
        """Output columns, for ``get_feature_names_out`` (scikit-learn's convention); only
        once fitted, so that an unfitted one raises NotFittedError."""
        return self.umap_.n_components

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]  # umap-learn always returns float32
        tags.non_deterministic = self.random_state is None
        return tags


def make_umap(n_components=2, *, n_neighbors=15, min_dist=0.0, random_state=None, n_jobs=-1):
    """Return an :class:`UMAPEmbedding` (unsupervised UMAP) with defaults for clustering.

    Parameters
    ----------
    n_components : int, default=2
        Embedding dimension.
    n_neighbors : int, default=15
        Size of the local neighbourhood.
    min_dist : float, default=0.0
        How tightly points may be packed.
    random_state : int, default=None
        Seed (forces one thread).
    n_jobs : int, default=-1
        Threads when unseeded.

    Returns
    -------
    umap : UMAPEmbedding

    Examples
    --------
    >>> from mnistkit.decomposition import make_umap
    >>> make_umap(10).n_components
    10
    """
    return UMAPEmbedding(
        n_components,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        random_state=random_state,
        n_jobs=n_jobs,
    )
