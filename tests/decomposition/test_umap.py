import numpy as np


def test_umap_embedding_ignores_labels(rng):
    # With umap.UMAP, fit(X, y) runs supervised UMAP; UMAPEmbedding must not see y.
    from mnistkit.decomposition import UMAPEmbedding

    X = rng.normal(size=(200, 5))
    y = rng.integers(0, 2, 200)
    with_labels = UMAPEmbedding(n_neighbors=10, random_state=0).fit_transform(X, y)
    without = UMAPEmbedding(n_neighbors=10, random_state=0).fit_transform(X)
    np.testing.assert_array_equal(with_labels, without)
    assert with_labels.shape == (200, 2)
