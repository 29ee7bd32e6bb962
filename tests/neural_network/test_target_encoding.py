"""What a Keras classifier's targets are follows what its loss and metrics are, not their names.

Keras gives the loss and every metric the same targets: class codes for a sparse loss, one-hot
rows for a categorical one, 0/1 for a sigmoid head. mnistkit decides which from the Keras
function or class behind each (a renamed loss is still sparse), refuses combinations that
cannot train (a sparse metric beside ``"auc"``, a softmax's loss on one sigmoid unit) before
training, and asks ``target_encoding`` where a loss or metric is the user's own code.
"""

import functools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

keras = pytest.importorskip("keras")

from mnistkit.neural_network import KerasMLP  # noqa: E402
from mnistkit.neural_network._compile import target_encoding  # noqa: E402


def _own_loss(y_true, y_pred):
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


def _own_binary_loss(y_true, y_pred):
    return keras.losses.binary_crossentropy(y_true, y_pred)


class OwnLoss(keras.losses.Loss):
    """A user's loss class, not registered with Keras."""

    def call(self, y_true, y_pred):
        return keras.losses.categorical_crossentropy(y_true, y_pred)


class OwnMetric(keras.metrics.Metric):
    """A user's metric class, not registered with Keras: the largest probability's mean."""

    def __init__(self, name="confidence", **kwargs):
        super().__init__(name=name, **kwargs)
        self.total = self.add_variable(shape=(), initializer="zeros", name="total")
        self.count = self.add_variable(shape=(), initializer="zeros", name="count")

    def update_state(self, y_true, y_pred, sample_weight=None):
        self.total.assign_add(keras.ops.sum(keras.ops.max(y_pred, axis=-1)))
        self.count.assign_add(keras.ops.cast(keras.ops.shape(y_pred)[0], "float32"))

    def result(self):
        return self.total / keras.ops.maximum(self.count, 1.0)


class SmoothedXent(keras.losses.CategoricalCrossentropy):
    """A user's subclass of a Keras loss: it takes what its Keras class takes."""


def encoding(loss=None, metrics=None, *, n_outputs=3, multilabel=False, given="auto"):
    return target_encoding(
        keras, loss, metrics, n_outputs=n_outputs, multilabel=multilabel, encoding=given
    )


@pytest.mark.parametrize(
    ("loss", "metrics", "expected"),
    [
        (None, None, "sparse"),
        (None, ["accuracy"], "sparse"),
        ("sparse_categorical_crossentropy", None, "sparse"),
        (keras.losses.SparseCategoricalCrossentropy(name="xent"), None, "sparse"),
        (keras.losses.sparse_categorical_crossentropy, None, "sparse"),
        (functools.partial(keras.losses.sparse_categorical_crossentropy), None, "sparse"),
        ("categorical_crossentropy", None, "one-hot"),
        (keras.losses.CategoricalCrossentropy(label_smoothing=0.1, name="ls"), None, "one-hot"),
        (keras.losses.CategoricalFocalCrossentropy(), None, "one-hot"),
        ("kld", None, "one-hot"),
        (SmoothedXent(name="mine"), None, "one-hot"),
        (None, [keras.metrics.SparseTopKCategoricalAccuracy(k=3, name="top3")], "sparse"),
        (None, ["auc"], "one-hot"),
        (None, [keras.metrics.Precision(name="p")], "one-hot"),
        # The user's own metric takes what the loss beside it takes.
        ("sparse_categorical_crossentropy", [OwnMetric()], "sparse"),
        (OwnLoss(), ["auc"], "one-hot"),
    ],
)
def test_the_encoding_follows_what_the_loss_and_metrics_are(loss, metrics, expected):
    assert encoding(loss, metrics) == expected


@pytest.mark.parametrize(
    ("loss", "metrics", "message"),
    [
        (
            None,
            ["auc", "sparse_top_k_categorical_accuracy"],
            r"metrics\[1\]=.* takes class "
            r"codes but metrics\[0\]='auc' takes one-hot rows.*use 'top_k_categorical_accuracy'",
        ),
        (
            keras.losses.SparseCategoricalCrossentropy(name="xent"),
            ["auc"],
            r"loss \(SparseCategoricalCrossentropy 'xent'\) takes class codes.*use "
            r"'categorical_crossentropy'",
        ),
        (
            "categorical_crossentropy",
            [keras.metrics.SparseCategoricalAccuracy(name="acc2")],
            r"metrics\[0\] .* takes class codes but loss='categorical_crossentropy'.*"
            r"'categorical_accuracy'",
        ),
        (_own_loss, None, r"loss \(function '_own_loss'\) is your own code.*target_encoding="),
        (OwnLoss(), None, r"loss \(OwnLoss .*\) is your own code.*target_encoding='sparse'"),
        (None, [OwnMetric()], r"metrics\[0\] \(OwnMetric 'confidence'\) is your own code"),
        ("not_a_loss", None, r"loss='not_a_loss' is not a Keras loss name"),
        (None, ["aucc"], r"metrics\[0\]='aucc' is not a Keras metric name"),
    ],
)
def test_a_loss_and_metrics_that_cannot_share_targets_are_refused_naming_the_fix(
    loss, metrics, message
):
    with pytest.raises(ValueError, match=message):
        encoding(loss, metrics)


@pytest.mark.parametrize("multilabel", [False, True])
@pytest.mark.parametrize(
    ("loss", "metrics", "argument"),
    [
        ("sparse_categorical_crossentropy", None, "loss"),
        ("categorical_crossentropy", None, "loss"),
        (keras.losses.SparseCategoricalCrossentropy(name="xent"), None, "loss"),
        (keras.losses.CategoricalFocalCrossentropy(), None, "loss"),
        (None, ["sparse_categorical_accuracy"], r"metrics\[0\]"),
        (None, ["auc", keras.metrics.TopKCategoricalAccuracy(k=2)], r"metrics\[1\]"),
    ],
)
def test_a_softmax_s_loss_or_metric_on_sigmoid_outputs_is_refused(
    loss, metrics, argument, multilabel
):
    what = "multilabel targets" if multilabel else "two classes, scored by one sigmoid unit"
    with pytest.raises(ValueError, match=rf"^{argument}.* is for a softmax .* {what}.* binary"):
        encoding(loss, metrics, n_outputs=4 if multilabel else 1, multilabel=multilabel)


def test_sigmoid_outputs_take_binary_losses_and_any_metric_of_their_shape():
    for loss in (None, "binary_crossentropy", keras.losses.BinaryFocalCrossentropy()):
        assert encoding(loss, ["auc", "accuracy", OwnMetric()], n_outputs=1) == "binary"
    assert encoding(_own_binary_loss, None, n_outputs=1) == "binary"
    with pytest.raises(ValueError, match=r"loss \(function '_own_loss'\) fails on 0/1 targets"):
        encoding(_own_loss, None, n_outputs=1)
    with pytest.raises(ValueError, match=r"target_encoding='one-hot' chooses .* Leave"):
        encoding(None, None, n_outputs=1, given="one-hot")


def test_target_encoding_answers_for_own_code_and_may_not_contradict_keras():
    assert encoding(_own_loss, [OwnMetric()], given="sparse") == "sparse"
    with pytest.raises(ValueError, match=r"fails on one-hot rows.*or target_encoding='sparse'"):
        encoding(_own_loss, None, given="one-hot")
    assert encoding(OwnLoss(), None, given="one-hot") == "one-hot"
    with pytest.raises(ValueError, match=r"target_encoding='one-hot' contradicts loss="):
        encoding("sparse_categorical_crossentropy", None, given="one-hot")


def _data(n_classes, *, multilabel=False, n=48, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((n, 12)).astype(np.float32)
    if multilabel:
        y = (X[:, :n_classes] > 0.5).astype(int)
    else:
        y = np.arange(n) % n_classes
        X[np.arange(n), y] += 1.0  # learnable
    return X, y


def test_unregistered_loss_and_metric_classes_train_save_and_load_with_custom_objects(tmp_path):
    X, y = _data(3)
    mlp = KerasMLP(
        hidden_layer_sizes=(8,),
        epochs=3,
        random_state=0,
        loss=OwnLoss(),
        metrics=[OwnMetric()],
        target_encoding="one-hot",
    ).fit(X, y)
    assert np.isfinite(mlp.history_["loss"]).all() and "confidence" in mlp.history_
    path = mlp.save(tmp_path / "m.keras")
    with pytest.raises(
        ValueError, match=r"class 'OwnLoss' .*custom_objects=\{'OwnLoss': OwnLoss\}"
    ):
        KerasMLP.load(path)
    loaded = KerasMLP.load(path, custom_objects={"OwnLoss": OwnLoss, "OwnMetric": OwnMetric})
    np.testing.assert_allclose(loaded.predict_proba(X), mlp.predict_proba(X), rtol=1e-5)


_LOSSES = {
    "default": None,
    "sparse by name": "sparse_categorical_crossentropy",
    "categorical by name": "categorical_crossentropy",
    "binary by name": "binary_crossentropy",
    "renamed sparse": keras.losses.SparseCategoricalCrossentropy(name="xent"),
    "smoothed categorical": keras.losses.CategoricalCrossentropy(label_smoothing=0.1),
    "Keras function": keras.losses.sparse_categorical_crossentropy,
    "own function": _own_loss,
}
_METRICS = {
    "auc": "auc",
    "top2 renamed": keras.metrics.SparseTopKCategoricalAccuracy(k=2, name="top2"),
    "categorical accuracy": "categorical_accuracy",
    "precision": keras.metrics.Precision(name="p"),
    "own": OwnMetric(),
}


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    loss=st.sampled_from(sorted(_LOSSES)),
    metrics=st.lists(st.sampled_from(sorted(_METRICS)), max_size=2, unique=True),
    targets=st.sampled_from(["multiclass", "multiclass", "binary", "multilabel"]),
    given_encoding=st.sampled_from(["auto", "auto", "auto", "sparse", "one-hot"]),
)
def test_every_loss_metrics_and_targets_combination_trains_or_is_refused_before_training(
    loss, metrics, targets, given_encoding
):
    X, y = _data(
        {"multiclass": 3, "binary": 2, "multilabel": 3}[targets], multilabel=targets == "multilabel"
    )
    mlp = KerasMLP(
        hidden_layer_sizes=(16,),
        epochs=4,
        learning_rate=0.01,
        random_state=0,
        loss=_LOSSES[loss],
        metrics=[_METRICS[name] for name in metrics] or None,
        target_encoding=given_encoding,
    )
    try:
        mlp.fit(X, y)
    except ValueError as exc:
        assert not hasattr(mlp, "model_"), "refused after a network was built"
        assert any(word in str(exc) for word in ("loss", "metrics[", "target_encoding")), exc
        return
    losses = np.asarray(mlp.history_["loss"])
    assert np.isfinite(losses).all()
    assert losses[-1] < losses[0], f"the loss did not go down: {losses}"
