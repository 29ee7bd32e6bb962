import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.decomposition import PCA

from mnistkit.decomposition import n_components_for_variance, pca_reconstruct, reconstruction_error


def test_reconstruction_matches_sklearn_inverse_transform(rng):
    X = rng.normal(size=(100, 12)) @ rng.normal(size=(12, 12))
    full = PCA().fit(X)
    for k in (1, 4, 12):
        truncated = PCA(k).fit(X)
        assert_allclose(
            pca_reconstruct(full, X, n_components=k),
            truncated.inverse_transform(truncated.transform(X)),
            atol=1e-8,
        )
    whitened = PCA(5, whiten=True).fit(X)
    assert_allclose(
        pca_reconstruct(whitened, X), whitened.inverse_transform(whitened.transform(X)), atol=1e-8
    )
    assert reconstruction_error(full, X) < 1e-20
    assert reconstruction_error(full, X, n_components=2) > reconstruction_error(
        full, X, n_components=6
    )


def test_components_for_variance(rng):
    X = rng.normal(size=(200, 10)) * np.arange(1, 11)
    pca = PCA().fit(X)
    cumulative = np.cumsum(pca.explained_variance_ratio_)
    k = n_components_for_variance(pca, 0.9)
    assert cumulative[k - 1] >= 0.9 > cumulative[k - 2]
    with pytest.raises(
        ValueError,
        match=r"The 'threshold' parameter of n_components_for_variance must be a float in the range \(0.0, 1.0\]",
    ):
        n_components_for_variance(pca, 1.5)
    with pytest.raises(ValueError, match="less than threshold=0.99"):
        n_components_for_variance(PCA(2).fit(X), 0.99)
    with pytest.raises(ValueError, match="n_components must be between 1 and the 2 components"):
        pca_reconstruct(PCA(2).fit(X), X, n_components=3)
