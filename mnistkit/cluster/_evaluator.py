"""ClusterClassifier: a clustering that behaves as a classifier once clusters are named."""

from numbers import Integral

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.cluster import KMeans
from sklearn.metrics.cluster import contingency_matrix
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, _fit_context
from ..utils._validation import check_distances_fit, check_numeric_array

__all__ = ["ClusterClassifier", "check_cluster_count"]


def check_cluster_count(clusterer, n_samples):
    """Raise a clear error if a clusterer asks for more clusters than there are samples.

    Also checks that a fixed array of initial centres has one row per cluster.
    """
    params = clusterer.get_params(deep=False)
    for name in ("n_clusters", "n_components"):
        count = params.get(name)
        if isinstance(count, Integral) and count > n_samples:
            raise ValueError(
                f"{type(clusterer).__name__}({name}={count}) asks for more clusters than the "
                f"{n_samples} samples it is fitted on. Use {name} <= {n_samples}."
            )
    init = params.get("init", params.get("means_init"))
    count = params.get("n_clusters", params.get("n_components"))
    if isinstance(init, np.ndarray | list) and count is not None:
        init = np.asarray(init)
        if init.ndim != 2 or init.shape[0] != count:
            raise ValueError(
                f"The fixed initial centres have shape {init.shape}; "
                f"{type(clusterer).__name__} with {count} clusters needs an array of shape "
                f"({count}, n_features)."
            )


def _python_scalar(value):
    return value.item() if isinstance(value, np.generic) else value


class ClusterClassifier(ClassifierMixin, BaseEstimator):
    """Fit a clustering, name each cluster after the training labels, then classify.

    The clusterer (KMeans, GaussianMixture, or any estimator with ``fit`` and ``predict``)
    never sees the labels; they are used only afterwards to map each cluster to a class, so
    clustering sits in the same benchmark tables and confusion matrices as classifiers.

    Parameters
    ----------
    clusterer : estimator, default=None
        Unfitted clusterer with ``fit`` and ``predict`` (with ``assign="neighbors"``,
        ``fit_predict`` is enough: SpectralClustering, AgglomerativeClustering, HDBSCAN);
        ``None`` means ``KMeans(n_clusters=10, n_init="auto")``. It is cloned in ``fit``.
    mapping : {"majority", "hungarian"}, default="majority"
        ``"majority"`` names each cluster after its most frequent training label (several
        clusters may share a class: the right choice when K > number of classes).
        ``"hungarian"`` finds the best one-to-one matching (Hungarian algorithm); clusters left
        unmatched fall back to their majority label.
    random_state : int, RandomState instance or None, default=None
        Set on the cloned clusterer when it has a ``random_state`` parameter (not on the
        embedding, which keeps its own: a seeded UMAP runs on one thread).
    embedding : transformer, default=None
        Unfitted transformer (e.g. :class:`~mnistkit.decomposition.UMAPEmbedding`) fitted on X
        without labels; the clusterer clusters its output. ``None`` clusters X itself.
    assign : {"clusterer", "neighbors"}, default="clusterer"
        How new samples get a cluster in ``predict``. ``"clusterer"`` embeds them (with the
        embedding's ``transform``) and asks the clusterer. ``"neighbors"`` gives each the
        cluster most of its ``n_neighbors`` nearest training samples in X's space belong to:
        no embedding of new points at all (UMAP's ``transform`` is slow and, for points between
        clusters, weak), and clusters of any shape carry over to held-out data.
    n_neighbors : int, default=10
        Neighbours that vote with ``assign="neighbors"``.

    Attributes
    ----------
    clusterer_ : estimator
        The fitted clone of ``clusterer``.
    embedding_ : transformer or None
        The fitted clone of ``embedding``.
    training_clusters_ : ndarray of shape (n_samples,)
        The cluster of each training sample.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    cluster_to_label_ : dict
        The class each cluster is mapped to.
    training_cluster_accuracy_ : float
        Unsupervised accuracy of the training clustering under the best one-to-one matching
        (:func:`mnistkit.metrics.cluster_accuracy_score`): the transductive, training-set
        figure. ``score`` on held-out samples gives the held-out one.
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.

    Examples
    --------
    >>> from sklearn.cluster import KMeans
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.pipeline import make_pipeline
    >>> from mnistkit.cluster import ClusterClassifier
    >>> from mnistkit.datasets import load_mnist
    >>> X, y = load_mnist(subset="test", return_X_y=True)
    >>> model = make_pipeline(PCA(30, random_state=0),
    ...                       ClusterClassifier(KMeans(10, n_init=4), random_state=0))
    >>> model = model.fit(X[:3000], y[:3000])
    >>> 0.4 < model.score(X[3000:5000], y[3000:5000]) < 0.8
    True
    """

    _parameter_constraints: dict = {
        "clusterer": [None, HasMethods(["fit"])],
        "mapping": [StrOptions({"majority", "hungarian"})],
        "random_state": ["random_state"],
        "embedding": [None, HasMethods(["fit_transform"])],
        "assign": [StrOptions({"clusterer", "neighbors"})],
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        clusterer=None,
        *,
        mapping="majority",
        random_state=None,
        embedding=None,
        assign="clusterer",
        n_neighbors=10,
    ):
        self.clusterer = clusterer
        self.mapping = mapping
        self.random_state = random_state
        self.embedding = embedding
        self.assign = assign
        self.n_neighbors = n_neighbors

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the clusterer on X, then map its clusters to the labels y.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : array-like of shape (n_samples,)
            Training labels; required, since they name the clusters.

        Returns
        -------
        self : object
            Fitted estimator.
        """
        if y is None:
            raise ValueError(
                "ClusterClassifier requires y to be passed, but the target y is None: the "
                "training labels map clusters to classes. Call fit(X, y); to cluster without "
                "labels, use the clusterer directly."
            )
        X, y = validate_data(self, check_numeric_array(X), y, dtype=[np.float64, np.float32])
        check_distances_fit(X)
        self._fit_dtype = X.dtype
        check_classification_targets(y)
        clusterer = clone(
            self.clusterer if self.clusterer is not None else KMeans(n_clusters=10, n_init="auto")
        )
        if is_classifier(clusterer) or is_regressor(clusterer):
            raise ValueError(
                f"ClusterClassifier needs a clusterer (fit(X) and predict(X), such as KMeans or "
                f"GaussianMixture); got {type(clusterer).__name__}, which is a supervised "
                "estimator. Use a supervised model directly instead."
            )
        labels_only = not hasattr(clusterer, "predict")
        if labels_only and (self.assign != "neighbors" or not hasattr(clusterer, "fit_predict")):
            raise ValueError(
                f"{type(clusterer).__name__} has no predict(X), so it cannot assign new samples "
                "to its clusters. Pass assign='neighbors' (new samples take the cluster of their "
                "nearest training samples; the clusterer needs fit_predict), or use a clusterer "
                "with predict such as KMeans or GaussianMixture."
            )
        if self.random_state is not None and "random_state" in clusterer.get_params():
            clusterer.set_params(random_state=self.random_state)
        check_cluster_count(clusterer, len(X))
        self.embedding_ = None
        features = X
        if self.embedding is not None:
            # The embedding keeps its own random_state: a seeded UMAP runs on one thread.
            self.embedding_ = clone(self.embedding)
            features = self.embedding_.fit_transform(X)  # no y: the embedding stays unsupervised
        if labels_only:
            clusters = clusterer.fit_predict(features)
            self.clusterer_ = clusterer
        else:
            self.clusterer_ = clusterer.fit(features)
            clusters = self.clusterer_.predict(features)
        self.training_clusters_ = clusters
        if self.assign == "neighbors":
            # Brute-force search: exact, and BLAS-fast on the tens of dimensions this is for.
            self._neighbors = KNeighborsClassifier(
                n_neighbors=min(self.n_neighbors, len(X)), algorithm="brute", n_jobs=-1
            ).fit(X, clusters)
        self.classes_, y_codes = np.unique(y, return_inverse=True)
        cluster_ids, cluster_codes = np.unique(clusters, return_inverse=True)
        table = contingency_matrix(y_codes, cluster_codes)  # classes x clusters
        mapping = table.argmax(axis=0)
        rows, cols = linear_sum_assignment(table, maximize=True)
        if self.mapping == "hungarian":
            mapping[cols] = rows
        self.cluster_to_label_ = {
            _python_scalar(cluster): _python_scalar(self.classes_[code])
            for cluster, code in zip(cluster_ids, mapping, strict=True)
        }
        self._lookup = (cluster_ids, self.classes_[mapping])
        self._most_common_class = self.classes_[np.argmax(np.bincount(y_codes))]
        self.training_cluster_accuracy_ = float(table[rows, cols].sum() / len(X))
        return self

    def predict(self, X):
        """Predict the class of the cluster of each sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted class labels.
        """
        check_is_fitted(self)
        # Predict in the dtype the clusterer was fitted in (KMeans' Cython needs the same).
        X = validate_data(self, check_numeric_array(X), reset=False, dtype=self._fit_dtype)
        check_distances_fit(X)
        if self.assign == "neighbors":
            clusters = self._neighbors.predict(X)
        else:
            features = X if self.embedding_ is None else self.embedding_.transform(X)
            clusters = self.clusterer_.predict(features)
        cluster_ids, labels = self._lookup
        positions = np.searchsorted(cluster_ids, clusters)
        positions = np.clip(positions, 0, len(cluster_ids) - 1)
        known = cluster_ids[positions] == clusters
        # A cluster empty at training time (possible for mixtures) gets the most common class.
        return np.where(known, labels[positions], self._most_common_class)
