import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.decomposition import PCA
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import GridSearchCV

from mnistkit.cluster import ClusterClassifier, clustering_sweep
from mnistkit.metrics import cluster_accuracy_score


@pytest.fixture
def blobs():
    X, y = make_blobs(n_samples=600, centers=4, cluster_std=0.8, random_state=0)
    return X, np.array(["a", "b", "c", "d"])[y]


def test_classifier_on_blobs(blobs):
    X, y = blobs
    model = ClusterClassifier(KMeans(4, n_init=5), random_state=0).fit(X, y)
    assert model.score(X, y) > 0.98
    assert sorted(model.cluster_to_label_.values()) == ["a", "b", "c", "d"]
    assert model.training_cluster_accuracy_ == cluster_accuracy_score(
        y, model.clusterer_.predict(X)
    )
    assert model.clusterer_.random_state == 0


def test_majority_vs_hungarian_with_more_clusters(blobs):
    X, y = blobs
    majority = ClusterClassifier(KMeans(8, n_init=3), random_state=0).fit(X, y)
    hungarian = ClusterClassifier(KMeans(8, n_init=3), mapping="hungarian", random_state=0).fit(
        X, y
    )
    # Majority mapping may reuse a class; the one-to-one matching names 4 clusters uniquely.
    assert majority.score(X, y) >= hungarian.score(X, y)
    values = list(hungarian.cluster_to_label_.values())
    assert len(values) == 8 and set(values) == {"a", "b", "c", "d"}


def test_gaussian_mixture_and_grid_search(blobs):
    X, y = blobs
    search = GridSearchCV(
        ClusterClassifier(GaussianMixture(4), random_state=0),
        {"clusterer__covariance_type": ["spherical", "full"]},
        cv=3,
    ).fit(X, y)
    assert search.best_score_ > 0.95


def test_errors(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="requires y to be passed"):
        ClusterClassifier().fit(X)
    with pytest.raises(
        ValueError, match=r"KMeans\(n_clusters=20\) asks for more clusters than the 10 samples"
    ):
        ClusterClassifier(KMeans(20)).fit(X[:10], y[:10])
    with pytest.raises(
        ValueError,
        match=r"initial centres have shape \(3, 2\); KMeans with 4 clusters needs an array of shape \(4, n_features\)",
    ):
        ClusterClassifier(KMeans(4, init=np.zeros((3, 2)), n_init=1)).fit(X, y)


@pytest.mark.slow
def test_sweep_k_init_and_covariance(blobs):
    X, y = blobs
    centres = np.stack([X[y == label].mean(axis=0) for label in "abcd"])
    table = clustering_sweep(
        KMeans(n_init=1, random_state=0),
        [{"n_clusters": [1, 2, 4, 8]}, {"n_clusters": [4], "init": ["random", centres]}],
        X,
        y,
    )
    assert list(table["n_clusters"]) == [1, 2, 4, 8, 4, 4]
    assert np.isnan(table.loc[0, "silhouette"])  # undefined for one cluster
    assert table["homogeneity"].iloc[:3].is_monotonic_increasing  # K = 1, 2, 4 on 4 blobs
    assert table["init"].iloc[-1] == "array(4, 2)"
    assert {"fit_seconds", "inertia", "adjusted_rand", "cluster_accuracy"} <= set(table.columns)
    gmm = clustering_sweep(
        GaussianMixture(4, random_state=0),
        {"covariance_type": ["spherical", "tied", "diag", "full"]},
        X,
        y,
        n_jobs=2,
    )
    assert len(gmm) == 4 and "bic" in gmm.columns and (gmm["adjusted_rand"] > 0.9).all()


def test_sweep_rejects_too_many_clusters(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="asks for more clusters than the 5 samples"):
        clustering_sweep(KMeans(n_init=1), {"n_clusters": [3, 6]}, X[:5], y[:5])


def test_predict_keeps_training_dtype(blobs):
    X, y = blobs
    model = ClusterClassifier(KMeans(4, n_init=2), random_state=0).fit(X.astype(np.float32), y)
    assert_array_equal(model.predict(X), model.predict(X.astype(np.float32)))


def test_empty_cluster_gets_the_most_common_class():
    X = np.array([[0.0], [0.1], [0.2], [10.0], [10.1]])
    y = np.array(["rare", "common", "common", "common", "common"])
    model = ClusterClassifier(KMeans(n_clusters=2, n_init=1, random_state=0)).fit(X, y)
    cluster_ids, _ = model._lookup
    unseen = max(cluster_ids) + 1  # a cluster no training sample fell into
    model.clusterer_.predict = lambda X: np.full(len(X), unseen)
    assert model.predict(np.zeros((3, 1))).tolist() == ["common"] * 3


def test_a_supervised_model_is_not_a_clusterer():
    from sklearn.naive_bayes import GaussianNB

    X, y = make_blobs(60, centers=3, random_state=0)
    with pytest.raises(
        ValueError,
        match=r"ClusterClassifier needs a clusterer .*got GaussianNB, which is a supervised estimator",
    ):
        ClusterClassifier(GaussianNB()).fit(X, y)


@pytest.mark.parametrize("grid", [{}, [], [{}]])
def test_clustering_sweep_with_nothing_to_sweep_is_an_error(grid):
    X, y = make_blobs(60, centers=3, random_state=0)
    with pytest.raises(ValueError, match=r"has nothing to sweep"):
        clustering_sweep(KMeans(n_init=1), grid, X, y)


class _Spy(PCA):
    """PCA that records the y it was fitted with."""

    def fit_transform(self, X, y=None):
        self.seen_y = y
        return super().fit_transform(X)


@pytest.mark.slow
def test_embedding_is_fitted_without_labels_and_neighbours_assign_new_points(mnist_test):
    X, y = mnist_test.data[:3000] / 255.0, mnist_test.target[:3000]
    model = ClusterClassifier(
        KMeans(10, n_init=4), embedding=_Spy(20), assign="neighbors", n_neighbors=5, random_state=0
    ).fit(X[:2000], y[:2000])
    assert model.embedding_.seen_y is None  # unsupervised: the labels only name clusters
    assert model.training_clusters_.shape == (2000,)
    # A training sample's neighbours include itself: most keep their own cluster.
    own = model._neighbors.predict(X[:2000])
    assert np.mean(own == model.training_clusters_) > 0.9
    held_out = model.score(X[2000:], y[2000:])
    # The same clusters assigned by the clusterer on the embedding: similar held-out accuracy.
    by_clusterer = clone(model).set_params(assign="clusterer").fit(X[:2000], y[:2000])
    assert abs(by_clusterer.score(X[2000:], y[2000:]) - held_out) < 0.05
    assert 0.4 < held_out < 0.9


def test_neighbour_assignment_follows_clusters_of_any_shape():
    """Two interleaved half-moons, clustered by SpectralClustering (fit_predict only): a new
    point takes its neighbours' cluster, so held-out points keep the clusters' shapes."""
    from sklearn.cluster import SpectralClustering
    from sklearn.datasets import make_moons

    X, y = make_moons(600, noise=0.05, random_state=0)
    spectral = SpectralClustering(2, affinity="nearest_neighbors", random_state=0)
    model = ClusterClassifier(spectral, assign="neighbors").fit(X[:400], y[:400])
    assert model.training_cluster_accuracy_ > 0.99
    assert model.score(X[400:], y[400:]) > 0.99
    # KMeans on the same data cuts across the moons.
    kmeans = ClusterClassifier(KMeans(2, n_init=4), random_state=0).fit(X[:400], y[:400])
    assert kmeans.score(X[400:], y[400:]) < 0.9
    with pytest.raises(ValueError, match="SpectralClustering has no predict.*assign='neighbors'"):
        ClusterClassifier(spectral).fit(X[:400], y[:400])
