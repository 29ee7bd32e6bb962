"""KerasClassifier: a user's own network, its build arguments routed and checked by name."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from mnistkit.datasets import load_mnist
from mnistkit.neural_network import KerasClassifier
from mnistkit.neural_network._backend import import_keras

keras = import_keras()
L = keras.layers


def dense_net(width=16, dropout=0.0):
    """A module-level build function (so the estimator pickles)."""
    return keras.Sequential(
        [L.Dense(width, activation="relu", name="hidden"), L.Dropout(dropout, name="drop")]
    )


def shaped_net(input_shape, filters=4):
    """Uses the supplied input_shape argument."""
    inputs = keras.Input(input_shape)
    x = L.Conv2D(filters, 3, padding="same", activation="relu", name="conv")(inputs)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    return keras.Model(inputs, x, name="shaped")


def needs_width(width):
    return keras.Sequential([L.Dense(width, activation="relu")])


@pytest.fixture(scope="module")
def digits():
    X, y = load_mnist(subset="test", return_X_y=True)
    return X[:1200], y[:1200], X[1200:1600], y[1200:1600]


def small(**params):
    defaults = dict(epochs=8, batch_size=64, learning_rate=3e-3, random_state=0)
    return KerasClassifier(dense_net, **{**defaults, **params})


def test_build_arguments_are_parameters():
    clf = KerasClassifier(dense_net, model_params={"width": 8})
    params = clf.get_params()
    assert params["model__width"] == 8
    assert params["model__dropout"] == 0.0  # the signature's default, listed
    assert "model__width" not in clf.get_params(deep=False)
    clf.set_params(model__dropout=0.25)
    assert clf.model_params == {"width": 8, "dropout": 0.25}
    assert clone(clf).get_params()["model__dropout"] == 0.25


def test_misspelt_build_argument_is_an_error():
    clf = KerasClassifier(dense_net)
    with pytest.raises(ValueError, match=r"model__widht.*no argument 'widht'.*width, dropout"):
        clf.set_params(model__widht=8)
    assert clf.model_params is None  # nothing half-set
    bad = KerasClassifier(dense_net, model_params={"widht": 8})
    with pytest.raises(ValueError, match="no argument 'widht'"):
        bad.fit(np.zeros((20, 4)), np.arange(20) % 2)


def test_build_function_with_kwargs_is_refused():
    def loose(**kwargs):
        return keras.Sequential([L.Dense(4)])

    with pytest.raises(TypeError, match=r"\*\*kwargs.*Name the arguments"):
        KerasClassifier(loose).fit(np.zeros((20, 4)), np.arange(20) % 2)
    with pytest.raises(TypeError, match=r"\*\*kwargs"):
        KerasClassifier(loose).set_params(model__width=3)
    assert "model__width" not in KerasClassifier(loose).get_params()  # never raises


def test_missing_required_argument_names_the_parameter():
    with pytest.raises(ValueError, match=r"needs the arguments width.*model__width=\.\.\."):
        KerasClassifier(needs_width, epochs=1).fit(np.zeros((20, 4)), np.arange(20) % 2)
    clf = KerasClassifier(needs_width, epochs=1).set_params(model__width=3)
    assert clf.fit(np.zeros((20, 4)), np.arange(20) % 2).parameter_counts_["output"] == 4


def test_input_shape_is_supplied_not_settable(digits):
    X, y, X_test, _ = digits
    images = X.reshape(-1, 28, 28, 1)
    clf = KerasClassifier(shaped_net, epochs=1, random_state=0).fit(images[:200], y[:200])
    assert clf.input_shape_ == (28, 28, 1)
    assert set(clf.parameter_counts_) >= {"conv", "gap", "output"}
    assert clf.predict(X_test[:10].reshape(-1, 28, 28, 1)).shape == (10,)
    assert "model__input_shape" not in clf.get_params()
    with pytest.raises(ValueError, match="filled in from the training data"):
        clf.set_params(model__input_shape=(28, 28, 1))


@pytest.mark.slow
def test_grid_search_over_build_arguments(digits):
    X, y, X_test, y_test = digits
    search = GridSearchCV(
        small(), {"model__width": [4, 32]}, cv=StratifiedKFold(2), error_score="raise"
    ).fit(X, y)
    assert search.best_params_ == {"model__width": 32}
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > scores[0]
    assert search.best_estimator_.parameter_counts_["hidden"] == 784 * 32 + 32
    assert search.score(X_test, y_test) > 0.8


def test_network_instance_is_cloned_with_fresh_weights(digits):
    X, y, X_test, _ = digits
    net = keras.Sequential([keras.Input((28, 28, 1)), L.Flatten(), L.Dense(16, activation="relu")])
    before = [w.copy() for w in net.get_weights()]
    first = KerasClassifier(net, epochs=2, random_state=0).fit(X, y)  # flat rows, reshaped
    second = KerasClassifier(net, epochs=2, random_state=0).fit(X, y)
    assert all(np.array_equal(a, b) for a, b in zip(before, net.get_weights(), strict=True))
    np.testing.assert_allclose(first.predict_proba(X_test), second.predict_proba(X_test))
    assert first.input_shape_ == (784,)
    assert first.model_.get_layer("reshape_input").output.shape[1:] == (28, 28, 1)
    with pytest.raises(ValueError, match="model_params are arguments of a build function"):
        KerasClassifier(net, model_params={"width": 3}).fit(X, y)


def test_functional_network_is_reused_flat(digits):
    X, y, _, _ = digits
    inputs = keras.Input((784,))
    hidden = L.Dense(8, activation="relu", name="h1")(inputs)
    net = keras.Model(inputs, L.Add(name="skip")([hidden, L.Dense(8, name="h2")(hidden)]))
    clf = KerasClassifier(net, epochs=1, random_state=0).fit(X, y)
    assert {"h1", "h2", "skip", "output"} <= set(clf.parameter_counts_)
    assert clf.n_parameters_ == (784 * 8 + 8) + (8 * 8 + 8) + (8 * 10 + 10)


def test_network_with_its_own_head_or_unflat_output_is_refused():
    X, y = np.zeros((20, 4, 4, 1)), np.arange(20) % 3

    def with_head():
        return keras.Sequential([L.Flatten(), L.Dense(3, activation="softmax")])

    def unflat():
        return keras.Sequential([L.Conv2D(2, 3)])

    def not_a_network():
        return "conv"

    with pytest.raises(ValueError, match="ends with a softmax activation.*leave the output"):
        KerasClassifier(with_head, epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"must be flat.*GlobalAveragePooling2D"):
        KerasClassifier(unflat, epochs=1).fit(X, y)
    with pytest.raises(TypeError, match="returned a str"):
        KerasClassifier(not_a_network, epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="needs a network"):
        KerasClassifier(epochs=1).fit(X, y)
    with pytest.raises(ValueError, match=r"takes inputs of shape \(5,\)"):
        KerasClassifier(keras.Sequential([keras.Input((5,)), L.Dense(2)]), epochs=1).fit(X, y)


def test_binary_labels_get_one_sigmoid_unit(digits):
    X, y, X_test, y_test = digits
    labels = np.where(y == 1, "one", "other")
    clf = small(class_weight="balanced").fit(X, labels)
    assert clf.model_.output.shape[-1] == 1
    assert set(clf.predict(X_test)) <= {"one", "other"}
    assert clf.score(X_test, np.where(y_test == 1, "one", "other")) > 0.9


@pytest.mark.slow
def test_partial_fit_pickle_and_save(digits, tmp_path):
    X, y, X_test, _ = digits
    clf = small().partial_fit(X, y, classes=np.arange(10))
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 2
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X_test), clf.predict_proba(X_test), atol=1e-6)
    path = clf.save(tmp_path / "net.keras")
    loaded = KerasClassifier.load(path)
    assert loaded.model is None  # code is not saved ...
    np.testing.assert_array_equal(loaded.predict(X_test), clf.predict(X_test))
    with pytest.raises(ValueError, match="needs a network"):
        clone(loaded).fit(X, y)
    resumed = KerasClassifier.load(path, model=dense_net)  # ... but can be passed again
    assert resumed.get_params()["model__width"] == 16
    assert clone(resumed).fit(X[:100], y[:100]).n_iter_ >= 1


@pytest.mark.parametrize("name", ["KerasMLP", "KerasCNN", "KerasClassifier"])
def test_parameter_docs_follow_the_signature(name):
    # Written once in the base; each class's defaults come from its own signature.
    import inspect

    from numpydoc.docscrape import ClassDoc

    import mnistkit.neural_network as nn

    cls = getattr(nn, name)
    documented = ClassDoc(cls)["Parameters"]
    signature = inspect.signature(cls.__init__).parameters
    assert [p.name for p in documented] == list(signature)[1:]
    for parameter in documented:
        default = signature[parameter.name].default
        expected = f'"{default}"' if isinstance(default, str) else repr(default)
        assert parameter.type.endswith(f"default={expected}"), (parameter.name, parameter.type)
        assert parameter.desc, parameter.name
    assert "{training_parameters}" not in cls.__doc__
