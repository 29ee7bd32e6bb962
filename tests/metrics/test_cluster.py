import itertools

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn import metrics

from mnistkit.metrics import cluster_accuracy_score, clustering_scores, purity_score


def brute_force_cluster_accuracy(labels_true, labels_pred):
    classes, clusters = np.unique(labels_true), np.unique(labels_pred)
    best = 0
    # Every injective map from clusters to classes (or classes to clusters).
    if len(clusters) <= len(classes):
        for chosen in itertools.permutations(classes, len(clusters)):
            mapping = dict(zip(clusters, chosen, strict=True))
            best = max(
                best,
                np.sum([mapping[c] == t for c, t in zip(labels_pred, labels_true, strict=True)]),
            )
    else:
        for chosen in itertools.permutations(clusters, len(classes)):
            mapping = dict(zip(chosen, classes, strict=True))
            best = max(
                best,
                np.sum(
                    [mapping.get(c) == t for c, t in zip(labels_pred, labels_true, strict=True)]
                ),
            )
    return best / len(labels_true)


@pytest.mark.parametrize("n_classes, n_clusters", [(3, 3), (4, 3), (3, 5), (5, 5)])
def test_cluster_accuracy_equals_brute_force(rng, n_classes, n_clusters):
    for _ in range(5):
        labels_true = rng.integers(0, n_classes, 40)
        labels_pred = rng.integers(0, n_clusters, 40)
        assert_allclose(
            cluster_accuracy_score(labels_true, labels_pred),
            brute_force_cluster_accuracy(labels_true, labels_pred),
        )


def test_cluster_accuracy_is_permutation_invariant(rng):
    labels = rng.integers(0, 6, 200)
    permutation = rng.permutation(6)
    assert cluster_accuracy_score(labels, permutation[labels]) == 1.0


def test_purity_by_hand(rng):
    labels_true = rng.integers(0, 4, 100)
    labels_pred = rng.integers(0, 6, 100)
    expected = (
        sum(np.bincount(labels_true[labels_pred == k]).max() for k in np.unique(labels_pred)) / 100
    )
    assert_allclose(purity_score(labels_true, labels_pred), expected)


def test_scores_match_sklearn(rng):
    X = rng.normal(size=(300, 4))
    labels_true = rng.integers(0, 3, 300)
    labels_pred = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
    scores = clustering_scores(labels_true, labels_pred, X, silhouette_sample_size=None)
    assert_allclose(scores["homogeneity"], metrics.homogeneity_score(labels_true, labels_pred))
    assert_allclose(scores["adjusted_rand"], metrics.adjusted_rand_score(labels_true, labels_pred))
    assert_allclose(
        scores["adjusted_mutual_info"], metrics.adjusted_mutual_info_score(labels_true, labels_pred)
    )
    assert_allclose(scores["rand"], metrics.rand_score(labels_true, labels_pred))
    assert_allclose(scores["silhouette"], metrics.silhouette_score(X, labels_pred))
    assert scores["silhouette_sample_size"] == 300 and scores["n_clusters"] == 3
    sampled = clustering_scores(labels_true, labels_pred, X, silhouette_sample_size=100)
    assert sampled["silhouette_sample_size"] == 100
    assert abs(sampled["silhouette"] - scores["silhouette"]) < 0.1


def test_bad_input():
    with pytest.raises(ValueError, match="labels_true has 3 labels but labels_pred has 2"):
        cluster_accuracy_score([0, 1, 1], [0, 1])
    with pytest.raises(ValueError, match="empty"):
        purity_score([], [])
    with pytest.raises(ValueError, match="X has 2 rows but the labellings have 3"):
        clustering_scores([0, 1, 1], [0, 1, 1], np.zeros((2, 2)))
    single = clustering_scores([0, 1, 1], [0, 0, 0], np.zeros((3, 2)))
    assert single["silhouette"] is None
