"""What Keras users bring: any optimizer, loss and metric, multilabel targets, networks trained
elsewhere, sample weights as scikit-learn means them, and custom layers that load."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, cross_val_score

from mnistkit.exceptions import MnistkitWarning
from mnistkit.metrics import evaluate_estimator
from mnistkit.neural_network import KerasClassifier, KerasMLP
from mnistkit.neural_network._backend import import_keras
from mnistkit.plotting import ConfusionMatrixDisplay

keras = import_keras()


def tiny(**params):
    return KerasMLP(**{"hidden_layer_sizes": (16,), "epochs": 2, "random_state": 0, **params})


@pytest.fixture(scope="module")
def data(small_mnist):
    X, y, X_test, y_test = small_mnist
    return X[:600], y[:600], X_test, y_test


@pytest.mark.slow
def test_any_optimizer_loss_and_metric_in_a_grid_search(data):
    X, y, _, _ = data
    adamw = keras.optimizers.AdamW(learning_rate=0.003, weight_decay=0.01)
    focal = keras.losses.CategoricalFocalCrossentropy(gamma=2.0)
    search = GridSearchCV(
        tiny(metrics=["auc"], epochs=3),
        {"optimizer": ["adam", adamw, "adagrad"], "loss": [None, focal]},
        cv=2,
        error_score="raise",
    ).fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    # Every candidate trained (Adagrad at Keras's default rate barely moves in 3 epochs).
    assert len(scores) == 6 and np.isfinite(scores).all() and scores.max() > 0.3
    # The instances given are templates: never trained, still what the user made.
    assert int(adamw.iterations) == 0 and adamw.weight_decay == 0.01
    assert focal.get_config()["gamma"] == 2.0
    best = search.best_estimator_
    assert "auc" in best.history_ and len(best.history_["auc"]) == 3
    assert type(best.model_.optimizer).__name__ in {"Adam", "AdamW", "Adagrad"}
    # The estimator with Keras objects as parameters clones and pickles.
    model = tiny(optimizer=adamw, loss=focal)
    assert clone(model).get_params()["optimizer"] is not adamw
    fitted = pickle.loads(pickle.dumps(model.fit(X, y)))
    assert_allclose(fitted.predict_proba(X[:20]), model.predict_proba(X[:20]), atol=1e-6)


def test_the_schedule_and_learning_rate_apply_to_an_optimizer_instance(data):
    X, y, _, _ = data
    model = tiny(optimizer=keras.optimizers.AdamW(learning_rate=0.02), epochs=1).fit(X, y)
    schedule = model.model_.optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    assert schedule.initial_learning_rate == pytest.approx(0.02)
    constant = tiny(optimizer="sgd", learning_rate=0.05, learning_rate_schedule="constant")
    optimizer = constant.fit(X, y).model_.optimizer
    assert float(optimizer.learning_rate) == pytest.approx(0.05) and optimizer.momentum == 0.9


@pytest.mark.slow
def test_label_smoothing_gets_one_hot_targets_and_bad_names_are_named(data):
    X, y, X_test, y_test = data
    smooth = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)
    model = tiny(loss=smooth, epochs=10, learning_rate=0.003).fit(X, y)
    assert model.score(X_test, y_test) > 0.6
    assert tiny(loss="categorical_crossentropy").fit(X, y).score(X_test, y_test) > 0.15
    with pytest.raises(ValueError, match=r"loss='cross_entropy' is not a Keras loss"):
        tiny(loss="cross_entropy").fit(X, y)
    with pytest.raises(ValueError, match=r"optimizer='adamm' is not a Keras optimizer"):
        tiny(optimizer="adamm").fit(X, y)
    with pytest.raises(TypeError, match=r"must be a Keras optimizer name or a keras.optimizers"):
        tiny(optimizer=smooth).fit(X, y)


def _labels(y):
    """Two labels per digit: odd, and 5 or more."""
    return np.column_stack([y % 2, y >= 5]).astype(int)


@pytest.mark.slow
def test_multilabel_targets_as_mlpclassifier_takes_them(data):
    X, y, X_test, y_test = data
    Y = _labels(y)
    model = tiny(epochs=6, learning_rate=0.003)
    scores = cross_val_score(model, X, Y, cv=2, scoring="f1_samples")
    assert scores.min() > 0.45
    model.fit(X, Y)
    assert model.multilabel_ and model.classes_.tolist() == [0, 1]
    predicted = model.predict(X_test)
    assert predicted.shape == (len(X_test), 2) and set(np.unique(predicted)) <= {0, 1}
    proba = model.predict_proba(X_test)
    assert proba.shape == (len(X_test), 2) and not np.allclose(proba.sum(axis=1), 1)
    assert_array_equal(predicted, (proba >= 0.5).astype(int))
    assert f1_score(_labels(y_test), predicted, average="samples") > 0.5
    assert model.model_.layers[-1].activation.__name__ == "sigmoid"
    model.set_params(warm_start=True)
    with pytest.raises(ValueError, match=r"fitted on multilabel y .*got class labels"):
        model.fit(X, y)
    with pytest.raises(ValueError, match=r"class_weight weighs the class of each sample"):
        tiny(class_weight="balanced").fit(X, Y)
    search = GridSearchCV(tiny(), {"hidden_layer_sizes": [(8,), (16,)]}, cv=2, scoring="f1_samples")
    assert len(search.fit(X, Y).cv_results_["mean_test_score"]) == 2


def test_a_one_hot_y_is_multilabel_and_the_warning_says_how_to_pass_classes(data):
    X, y, _, _ = data
    with pytest.warns(MnistkitWarning, match=r"one-hot matrix .*pass class labels instead"):
        tiny(epochs=1).fit(X, np.eye(10, dtype=int)[y])


def _trained_network(X, y):
    keras.utils.set_random_seed(0)
    network = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(32, "relu"), keras.layers.Dense(10, "softmax")]
    )
    network.compile("adam", "sparse_categorical_crossentropy")
    network.fit(X / 255, y, epochs=3, verbose=0)
    return network


def test_a_trained_network_is_wrapped_evaluated_fine_tuned_and_saved(data, tmp_path):
    X, y, X_test, y_test = data
    network = _trained_network(X, y)
    before = [w.copy() for w in network.get_weights()]
    wrapped = KerasClassifier.from_trained(network, classes=range(10), rescale=True, epochs=2)
    expected = network.predict(X_test / 255, verbose=0).argmax(axis=1)
    assert_array_equal(wrapped.predict(X_test), expected)
    assert wrapped.score(X_test, y_test) > 0.6
    evaluation = evaluate_estimator(wrapped, X_test, y_test)
    assert evaluation.accuracy == pytest.approx(wrapped.score(X_test, y_test))
    ConfusionMatrixDisplay.from_estimator(wrapped, X_test, y_test)
    again = KerasClassifier.load(wrapped.save(tmp_path / "wrapped.keras"))
    assert_array_equal(again.predict(X_test), expected)
    # Fine-tuning trains a copy with the classifier's optimizer; the given network is untouched.
    wrapped.set_params(warm_start=True).fit(X, y)
    assert wrapped.n_iter_ == 2 and len(wrapped.history_["loss"]) == 2
    for old, new in zip(before, network.get_weights(), strict=True):
        assert_array_equal(old, new)
    assert not np.array_equal(wrapped.model_.get_weights()[0], before[0])
    with pytest.raises(ValueError, match=r"has 10 output units but classes lists 3 labels"):
        KerasClassifier.from_trained(network, classes=[0, 1, 2])
    with pytest.raises(ValueError, match=r"classes must be sorted"):
        KerasClassifier.from_trained(network, classes=[9, 8, 7, 6, 5, 4, 3, 2, 1, 0])


@pytest.mark.slow
def test_scaling_every_sample_weight_leaves_the_fitted_network_unchanged(data):
    X, y, _, _ = data
    weights = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    fitted = [
        tiny(optimizer="sgd", validation_fraction=0.1).fit(X, y, sample_weight=weights * scale)
        for scale in (1.0, 10.0, 1 / len(y))
    ]
    for other in fitted[1:]:
        for a, b in zip(fitted[0].model_.get_weights(), other.model_.get_weights(), strict=True):
            assert_array_equal(a, b)
        assert fitted[0].history_ == other.history_  # the validation loss is on the same scale
    # With class weights too, as the product is scaled.
    balanced = [
        tiny(class_weight="balanced").fit(X, y, sample_weight=weights * scale)
        for scale in (1.0, 1e6)
    ]
    assert_array_equal(balanced[0].model_.get_weights()[0], balanced[1].model_.get_weights()[0])


@keras.saving.register_keras_serializable(package="mnistkit_tests")
class Doubling(keras.layers.Layer):
    def call(self, inputs):
        return inputs * 2.0


class Unregistered(keras.layers.Layer):
    def call(self, inputs):
        return inputs + 1.0


@pytest.mark.slow
def test_networks_with_custom_layers_load_with_custom_objects_or_safe_mode(data, tmp_path):
    X, y, X_test, _ = data

    def with_custom():
        return keras.Sequential([Unregistered(name="plus_one"), keras.layers.Dense(8, "relu")])

    def with_lambda():
        return keras.Sequential(
            [keras.layers.Lambda(lambda t: t * 0.5), keras.layers.Dense(8, "relu")]
        )

    custom = KerasClassifier(with_custom, epochs=1, random_state=0).fit(X, y)
    path = custom.save(tmp_path / "custom.keras")
    with pytest.raises(ValueError, match=r"custom_objects=\{'MyLayer': MyLayer\}"):
        KerasClassifier.load(path)
    loaded = KerasClassifier.load(path, custom_objects={"Unregistered": Unregistered})
    assert_allclose(loaded.predict_proba(X_test[:10]), custom.predict_proba(X_test[:10]), atol=1e-6)
    lam = KerasClassifier(with_lambda, epochs=1, random_state=0).fit(X, y)
    path = lam.save(tmp_path / "lambda.keras")
    with pytest.raises(ValueError, match=r"refuses to load in safe mode.*safe_mode=False"):
        KerasClassifier.load(path)
    loaded = KerasClassifier.load(path, safe_mode=False)
    assert_allclose(loaded.predict_proba(X_test[:10]), lam.predict_proba(X_test[:10]), atol=1e-6)
    # A safe-mode refusal is for that call only: the next load refuses again.
    with pytest.raises(ValueError, match=r"safe mode"):
        KerasClassifier.load(path)
    # Keras objects given as parameters are saved and come back.
    model = tiny(optimizer=keras.optimizers.AdamW(weight_decay=0.02), loss=None).fit(X, y)
    again = KerasMLP.load(model.save(tmp_path / "adamw.keras"))
    assert isinstance(again.optimizer, keras.optimizers.AdamW)
    assert again.optimizer.weight_decay == 0.02
    doubled = KerasClassifier(
        lambda: keras.Sequential([Doubling(), keras.layers.Dense(4, "relu")]), epochs=1
    )
    assert doubled.fit(X, y).n_iter_ == 1


def _logit_network(X, y, units, head=None):
    """A small network trained on logits (no softmax), ending in ``head`` when given."""
    keras.utils.set_random_seed(0)
    layers = [keras.Input((784,)), keras.layers.Dense(units)]
    if head is not None:
        layers.append(head)
    network = keras.Sequential(layers)
    if units > 1:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=head is None)
        network.compile("adam", loss)
        network.fit(X.reshape(len(X), -1) / 255, y, epochs=2, verbose=0)
    return network


@pytest.mark.parametrize("outputs", ["auto", "logits"])
def test_a_network_ending_in_logits_predicts_as_its_own_argmax(data, outputs):
    X, y, X_test, _ = data
    network = _logit_network(X, y, 10)
    rows = X_test.reshape(len(X_test), -1) / 255
    logits = network.predict(rows, verbose=0)
    wrapped = KerasClassifier.from_trained(network, classes=range(10), outputs=outputs)
    assert_array_equal(wrapped.predict(rows), logits.argmax(axis=1))
    proba = wrapped.predict_proba(rows)
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    assert_allclose(proba, shifted / shifted.sum(axis=1, keepdims=True), rtol=1e-4, atol=1e-6)
    assert proba.min() >= 0


def test_one_linear_output_unit_is_thresholded_at_zero(data):
    X, _, X_test, _ = data
    network = _logit_network(X, None, 1)
    rows = X_test.reshape(len(X_test), -1) / 255
    logit = network.predict(rows, verbose=0)[:, 0]
    wrapped = KerasClassifier.from_trained(network, classes=["no", "yes"])
    assert_array_equal(wrapped.predict(rows), np.where(logit > 0, "yes", "no"))
    assert_allclose(wrapped.predict_proba(rows)[:, 1], 1 / (1 + np.exp(-logit)), rtol=1e-5)


@pytest.mark.parametrize(
    ("head", "units", "message"),
    [
        (keras.layers.Activation("relu"), 10, r"ends in a 'relu' activation over 10 unit"),
        (keras.layers.Activation("tanh"), 10, r"ends in a 'tanh' activation"),
        (keras.layers.Activation("sigmoid"), 10, r"ends in a 'sigmoid' activation over 10 unit"),
        (keras.layers.Softmax(), 1, r"ends in a 'softmax' activation over 1 unit"),
    ],
)
def test_outputs_that_are_neither_probabilities_nor_logits_are_refused_by_name(
    data, head, units, message
):
    X, y, _, _ = data
    network = _logit_network(X[:50], y[:50], units, head)
    classes = range(10) if units > 1 else [0, 1]
    with pytest.raises(ValueError, match=message + r".*outputs='logits'"):
        KerasClassifier.from_trained(network, classes=classes)
    with pytest.raises(
        ValueError, match=r"outputs must be one of 'auto', 'probabilities', 'logits'"
    ):
        KerasClassifier.from_trained(network, classes=classes, outputs="scores")


class _Subclassed(keras.Model):
    """A subclassed network: it declares no input, so its shape must be given."""

    def __init__(self):
        super().__init__()
        self.dense = keras.layers.Dense(10, activation="softmax")

    def call(self, inputs):
        return self.dense(keras.ops.reshape(inputs, (-1, 784)))


def test_a_trained_network_of_undeclared_input_shape_asks_for_input_shape(data):
    X = data[0]
    subclassed = _Subclassed()
    subclassed(X[:1].astype("float32"))
    with pytest.raises(ValueError, match=r"input shape of .* cannot be read .*input_shape="):
        KerasClassifier.from_trained(subclassed, classes=range(10))
    clf = KerasClassifier.from_trained(
        subclassed, classes=range(10), input_shape=(28, 28), outputs="probabilities"
    )
    assert_allclose(
        clf.predict_proba(X[:5]), keras.ops.convert_to_numpy(subclassed(X[:5] / 1.0)), rtol=1e-5
    )
    variable = keras.Sequential(
        [
            keras.Input((None, 28)),
            keras.layers.GlobalAveragePooling1D(),
            keras.layers.Dense(10, "softmax"),
        ]
    )
    with pytest.raises(ValueError, match=r"variable size \(None, 28\); pass .*input_shape="):
        KerasClassifier.from_trained(variable, classes=range(10))
    with pytest.raises(ValueError, match=r"input_shape=\(28, 27\) does not fit"):
        KerasClassifier.from_trained(variable, classes=range(10), input_shape=(28, 27))
    unbuilt = keras.Sequential([keras.layers.Dense(10, "softmax")])
    with pytest.raises(ValueError, match=r"has not been built, so it holds no trained weights"):
        KerasClassifier.from_trained(unbuilt, classes=range(10))


def test_a_network_keras_cannot_rebuild_gets_one_sentence_naming_the_file(tmp_path):
    vocabulary = tmp_path / "vocabulary.txt"
    vocabulary.write_text("a\nb\nc\n")
    inputs = keras.Input((1,), dtype="string")
    lookup = keras.layers.StringLookup(vocabulary=str(vocabulary), output_mode="one_hot")
    outputs = keras.layers.Dense(3, "softmax")(keras.layers.Flatten()(lookup(inputs)))
    clf = KerasClassifier.from_trained(keras.Model(inputs, outputs), classes=[0, 1, 2])
    path = clf.save(tmp_path / "m.keras")
    with pytest.raises(
        ValueError,
        match=r"m.keras: Keras cannot rebuild the saved network .*"
        r"StringLookup .* vocabulary as a list",
    ) as caught:
        KerasClassifier.load(path)
    assert "Lambda" not in str(caught.value)
