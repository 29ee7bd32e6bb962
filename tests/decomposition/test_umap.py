import numpy as np
import pytest


@pytest.mark.slow
def test_umap_embedding_ignores_labels(rng):
    # With umap.UMAP, fit(X, y) runs supervised UMAP; UMAPEmbedding must not see y.
    from mnistkit.decomposition import UMAPEmbedding

    X = rng.normal(size=(200, 5))
    y = rng.integers(0, 2, 200)
    with_labels = UMAPEmbedding(n_neighbors=10, random_state=0).fit_transform(X, y)
    without = UMAPEmbedding(n_neighbors=10, random_state=0).fit_transform(X)
    np.testing.assert_array_equal(with_labels, without)
    assert with_labels.shape == (200, 2)


def test_umap_embedding_names_its_columns_and_sits_in_a_pandas_column_transformer(rng):
    import pandas as pd
    import pytest
    from sklearn.compose import ColumnTransformer
    from sklearn.exceptions import NotFittedError
    from sklearn.preprocessing import StandardScaler

    from mnistkit.decomposition import UMAPEmbedding

    with pytest.raises(NotFittedError):
        UMAPEmbedding().get_feature_names_out()
    frame = pd.DataFrame(rng.normal(size=(120, 6)), columns=[f"p{i}" for i in range(6)])
    frame["age"] = rng.uniform(20, 80, len(frame))
    columns = ColumnTransformer(
        [
            ("umap", UMAPEmbedding(n_components=2, random_state=0), [f"p{i}" for i in range(6)]),
            ("scale", StandardScaler(), ["age"]),
        ]
    ).set_output(transform="pandas")
    out = columns.fit_transform(frame)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == ["umap__umapembedding0", "umap__umapembedding1", "scale__age"]
    embedding = UMAPEmbedding(n_components=3, random_state=0).set_output(transform="pandas")
    assert list(embedding.fit(frame).transform(frame).columns) == [
        "umapembedding0",
        "umapembedding1",
        "umapembedding2",
    ]
