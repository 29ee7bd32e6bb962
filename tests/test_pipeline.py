"""mnistkit.Pipeline: unnamed steps, caching, grid search over named steps."""

import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV

from mnistkit import Pipeline
from mnistkit.feature_extraction import HOGTransformer
from mnistkit.neural_network import KerasMLP


@pytest.mark.slow
def test_pipeline_with_hog_and_unnamed_steps(small_mnist, tmp_path):
    X, y, X_test, y_test = small_mnist
    model = Pipeline(
        [
            HOGTransformer(orientations=8, cells_per_block=1),
            KerasMLP(
                hidden_layer_sizes=(32,),
                epochs=5,
                batch_size=64,
                learning_rate=0.003,
                random_state=0,
            ),
        ],
        memory=str(tmp_path),
    )
    assert list(model.named_steps) == ["hogtransformer", "kerasmlp"]
    search = GridSearchCV(model, {"kerasmlp__hidden_layer_sizes": [(32,), (64,)]}, cv=2)
    search.fit(X[:800], y[:800])
    assert search.score(X_test, y_test) > 0.8
    assert clone(model).get_params()["kerasmlp__hidden_layer_sizes"] == (32,)
