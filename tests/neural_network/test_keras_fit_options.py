"""Sample weights with metadata routing, the stratified hold-out, callbacks."""

import pickle

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from mnistkit.neural_network import KerasMLP
from mnistkit.neural_network._data import hold_out
from mnistkit.preprocessing import PixelScaler


def tiny_mlp(**params):
    defaults = dict(
        hidden_layer_sizes=(16,), epochs=2, batch_size=64, learning_rate=0.003, random_state=0
    )
    return KerasMLP(**{**defaults, **params})


def test_zero_sample_weights_remove_samples_and_combine_with_class_weight(small_mnist):
    X, y, X_test, _ = small_mnist
    X, y = X[:600], y[:600]
    weights = np.where(y == 3, 0.0, 1.0)
    model = tiny_mlp(epochs=6).fit(X, y, sample_weight=weights)
    assert np.mean(model.predict(X_test) == 3) < 0.01  # never trained to answer 3
    # class_weight multiplies: a class weighted 0 is gone even with unit sample weights.
    model = tiny_mlp(epochs=6, class_weight={3: 0.0}).fit(X, y, sample_weight=np.ones(len(y)))
    assert np.mean(model.predict(X_test) == 3) < 0.01
    with pytest.raises(ValueError, match=r"sample_weight must have one weight per sample \(600\)"):
        tiny_mlp().fit(X, y, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="finite and non-negative"):
        tiny_mlp().fit(X, y, sample_weight=-np.ones(600))


@pytest.mark.slow
def test_sample_weights_routed_through_pipeline_and_grid_search_with_weighted_scoring(
    small_mnist,
):
    X, y = small_mnist[0][:400], small_mnist[1][:400]
    weights = np.random.default_rng(0).uniform(0.2, 2.0, len(y))
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        network = tiny_mlp().set_fit_request(sample_weight=True)
        scorer = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        search = GridSearchCV(
            make_pipeline(PixelScaler(), network),
            {"kerasmlp__hidden_layer_sizes": [(8,), (16,)]},
            cv=cv,
            scoring=scorer,
        ).fit(X, y, sample_weight=weights)
    # The same folds by hand: weighted fit, weighted accuracy.
    for index, sizes in enumerate(search.cv_results_["param_kerasmlp__hidden_layer_sizes"]):
        scores = []
        for train, test in cv.split(X, y):
            model = make_pipeline(PixelScaler(), tiny_mlp(hidden_layer_sizes=sizes))
            model.fit(X[train], y[train], kerasmlp__sample_weight=weights[train])
            predicted = model.predict(X[test])
            scores.append(accuracy_score(y[test], predicted, sample_weight=weights[test]))
        assert_allclose(search.cv_results_["mean_test_score"][index], np.mean(scores))


def test_hold_out_is_stratified_seeded_and_from_the_training_data(small_mnist):
    X, y = small_mnist[0][:1000], small_mnist[1][:1000]
    order = np.argsort(y, kind="stable")  # sorted labels: a tail split would be all 9s
    X, y = X[order], y[order]
    model = tiny_mlp(validation_fraction=0.2, epochs=1).fit(X[::20], y[::20])
    codes_all = np.searchsorted(model.classes_, y)
    _, codes, _, validation = model._training_data(
        X, y, None, reset=False, classes=None, validation_data=None, fraction=0.2
    )
    held_out = validation[1]
    assert len(held_out) == 200 and len(codes) == 800
    expected = np.bincount(y) * 0.2
    assert np.abs(np.bincount(held_out, minlength=10) - expected).max() <= 1
    _, held = hold_out(codes_all, 10, 0.2, model._validation_seed())
    assert_array_equal(codes_all[held], held_out)  # the split _training_data took
    assert_array_equal(hold_out(codes_all, 10, 0.2, model._validation_seed())[1], held)  # seeded
    fitted = tiny_mlp(validation_fraction=0.2, epochs=2).fit(X, y)
    assert fitted.history_["val_accuracy"][-1] > 0.5  # a tail split of 9s would score ~0


@pytest.mark.slow
def test_early_stopping_inside_grid_search_never_sees_the_test_fold(small_mnist):
    X, y = small_mnist[0][:600], small_mnist[1][:600]

    class Recorder(KerasMLP):
        seen = []

        def _training_data(self, X, *args, **kwargs):
            Recorder.seen.append(len(X))
            return super()._training_data(X, *args, **kwargs)

    params = tiny_mlp(early_stopping=True, patience=1).get_params()
    search = GridSearchCV(Recorder(**params), {"dropout": [0.0]}, cv=3, refit=False)
    search.fit(X, y)
    assert Recorder.seen == [400, 400, 400]  # each fold's 400 training rows, nothing more


def _epoch_counter():
    import keras

    class Count(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epochs = 0

        def on_epoch_end(self, epoch, logs=None):
            self.epochs += 1

    return Count()


def test_callbacks_are_fresh_copies_per_fit_and_checkpoints_resume(small_mnist, tmp_path):
    import keras

    X, y = small_mnist[0][:500], small_mnist[1][:500]
    counter = _epoch_counter()
    checkpoint = keras.callbacks.ModelCheckpoint(tmp_path / "best.keras", monitor="loss")
    model = tiny_mlp(callbacks=[counter, checkpoint], epochs=3).fit(X, y)
    assert counter.epochs == 0  # the user's instance is untouched
    assert (tmp_path / "best.keras").exists()
    # The checkpoint is a plain Keras model; the estimator pickles with Keras's own callbacks.
    assert keras.saving.load_model(tmp_path / "best.keras").count_params() == model.n_parameters_
    plain = tiny_mlp(callbacks=[checkpoint], epochs=1).fit(X, y)
    assert pickle.loads(pickle.dumps(plain)).predict(X[:20]).shape == (20,)
    with pytest.raises(TypeError, match=r"callbacks\[0\] is a str, not a keras.callbacks.Callback"):
        tiny_mlp(callbacks=["checkpoint"]).fit(X, y)


@pytest.mark.slow
def test_jax_backend_fits_and_predicts():
    """KERAS_BACKEND=jax keeps working (TensorFlow stays the default: faster on CPU here)."""
    import os
    import subprocess
    import sys

    code = """
import keras
from mnistkit.datasets import load_mnist
from mnistkit.neural_network import KerasCNN, KerasMLP
X, y = load_mnist(subset="test", return_X_y=True)
mlp = KerasMLP((32,), epochs=10, learning_rate=0.005, random_state=0).fit(X[:1000], y[:1000])
cnn = KerasCNN((4,), dense_layer_sizes=(8,), epochs=1, random_state=0).fit(X[:300], y[:300])
print(keras.backend.backend(), mlp.score(X[1000:1500], y[1000:1500]) > 0.7, cnn.predict(X[:5]).shape)
"""
    environment = {**os.environ, "KERAS_BACKEND": "jax"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["jax", "True", "(5,)"]


@pytest.mark.slow
def test_fits_leave_no_gradient_registrations_or_graphs_behind():
    # Each traced train step registered tf.custom_gradient functions in TensorFlow's global
    # registry, which held every fitted graph alive (292 MiB over 50 small fits; see
    # benchmarks/bench_keras_memory.py). The registry must not grow, and the graphs must be
    # freed with their networks.
    import gc

    from tensorflow.python.framework import ops
    from tensorflow.python.framework.func_graph import FuncGraph

    def custom_gradients():
        return {name for name in ops._gradient_registry.list() if "CustomGradient" in name}

    def train_graphs():
        gc.collect()
        return sum(
            isinstance(o, FuncGraph) and o.name == "one_step_on_data" for o in gc.get_objects()
        )

    from mnistkit.datasets import load_mnist

    X, y = load_mnist(subset="test", return_X_y=True)
    KerasMLP((8,), epochs=1, random_state=0).fit(X[:300], y[:300])
    registered, graphs = custom_gradients(), train_graphs()
    for _ in range(3):
        model = KerasMLP((8,), epochs=1, random_state=0).fit(X[:300], y[:300])
        model.partial_fit(X[:300], y[:300])  # continuing still works after the release
        model.predict(X[:10])
        del model
    assert custom_gradients() == registered
    assert train_graphs() <= graphs


def test_the_training_step_is_traced_once_per_fit(small_mnist, monkeypatch):
    # Keras's TensorFlow trainer creates the optimizer's and metrics' variables inside the
    # first trace of the step, and tf.function then traces it again without them; the
    # classifier creates them first (fit_network's build_training_state), so each fit pays
    # for one trace. A Python call of train_step happens only while TensorFlow traces it.
    import keras

    traced = []
    train_step = keras.Model.train_step

    def counting_train_step(self, data):
        traced.append(self.name)
        return train_step(self, data)

    monkeypatch.setattr(keras.Model, "train_step", counting_train_step)
    X, y, _, _ = small_mnist
    model = KerasMLP((8,), epochs=2, metrics=["accuracy"], random_state=0)
    model.fit(X[:200], y[:200])
    assert traced == ["kerasmlp"]
    model.set_params(warm_start=True).fit(X[:200], y[:200])  # a continued fit: built already
    assert traced == ["kerasmlp"] * 2
