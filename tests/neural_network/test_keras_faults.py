"""Keras classifiers under odd arguments and damaged files: right, or a clear error.

Class lists in any order or with repeats, weights that are negative, nan or too large for the
loss, a loss that diverges, images of another shape at predict, probabilities that must sum to
one, inputs on the pixel scale in float, and ``.keras`` files whose saved state is damaged,
edited or inflated.
"""

import json
import zipfile

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from mnistkit import Pipeline
from mnistkit.neural_network import KerasCNN, KerasMLP
from mnistkit.preprocessing import Deskewer, PixelScaler


def tiny(**params):
    return KerasMLP(**{"hidden_layer_sizes": (16,), "epochs": 2, "random_state": 0, **params})


@pytest.fixture(scope="module")
def data(small_mnist):
    return small_mnist[0][:600], small_mnist[1][:600]


@pytest.fixture(scope="module")
def fitted(data):
    return tiny().fit(*data)


@pytest.mark.parametrize("order", [[0, 2, 1, 3, 4, 5, 6, 7, 8, 9], list(range(9, -1, -1))])
def test_the_order_of_classes_never_changes_what_a_label_means(data, order):
    X, y = data
    listed = tiny().partial_fit(X, y, classes=order)
    plain = tiny().partial_fit(X, y)
    assert_array_equal(listed.classes_, np.arange(10))
    assert_array_equal(listed.predict(X), plain.predict(X))


def test_classes_listing_a_label_twice_or_missing_one_is_refused(data):
    X, y = data
    with pytest.raises(ValueError, match=r"classes lists labels more than once \(0\)"):
        tiny().partial_fit(X, y, classes=[0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    with pytest.raises(ValueError, match=r"y has labels \[9\] that are not among the classes"):
        tiny().partial_fit(X, y, classes=list(range(9)))


@pytest.mark.parametrize(
    ("class_weight", "message"),
    [
        ({0: -5.0}, r"class_weight\[0\] is -5.0; class weights must be finite, non-negative"),
        ({0: float("nan")}, r"class_weight\[0\] is nan"),
        ({0: float("inf")}, r"class_weight\[0\] is inf"),
        ({0: 1e40}, r"class_weight\[0\] is 1e\+40; .* up to 3.4e\+38"),
        ({0: "heavy"}, r"class_weight\[0\] must be a number; got 'heavy'"),
    ],
)
def test_class_weights_are_finite_non_negative_and_representable(data, class_weight, message):
    with pytest.raises((ValueError, TypeError), match=message):
        tiny(class_weight=class_weight).fit(*data)


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (1e300, r"sample_weight reaches 1e\+300, beyond float32"),
        (-1.0, r"sample 0 has weight -1.0 \(and 599 more\)"),
        (np.nan, r"sample 0 has weight nan"),
    ],
)
def test_sample_weights_are_finite_non_negative_and_representable(data, weight, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        tiny().fit(X, y, sample_weight=np.full(len(y), weight))
    # Two weights that each fit in float32 are multiplied in float64 and scaled to mean 1, so
    # their product cannot overflow: only the ratios count.
    big = tiny(class_weight={0: 1e30}).fit(X, y, sample_weight=np.full(len(y), 1e30))
    assert np.isfinite(big.history_["loss"]).all()
    # Weights that are all zero once combined leave nothing to learn from.
    with pytest.raises(ValueError, match=r"every training sample has weight zero"):
        tiny(class_weight=dict.fromkeys(np.unique(y).tolist(), 0.0)).fit(X, y)


def test_a_nan_loss_raises_naming_the_cause_and_leaves_nothing_fitted(data):
    X, y = data
    model = tiny(optimizer="sgd", learning_rate=1e12)
    with pytest.raises(FloatingPointError, match=r"training loss became nan .*learning rate"):
        model.fit(X.astype(np.float32) * 1e6, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(model)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_every_classifier_checks_the_image_shape_at_predict(data):
    X, y = data
    mlp = tiny().fit(X.reshape(-1, 28, 28), y)
    with pytest.raises(ValueError, match=r"fitted on images of shape \(28, 28\); got .*\(14, 56\)"):
        mlp.predict(X.reshape(-1, 14, 56))
    assert mlp.predict(X).shape == (len(X),)  # flat rows of the same pixels are fine
    cnn = KerasCNN((4,), dense_layer_sizes=(8,), epochs=1, random_state=0).fit(
        X.reshape(-1, 28, 28), y
    )
    with pytest.raises(ValueError):
        cnn.predict(X.reshape(-1, 14, 56))


def test_probabilities_sum_to_one_in_float64_and_log_loss_does_not_warn(fitted, data):
    import warnings

    from sklearn.metrics import log_loss

    X, y = data
    proba = fitted.predict_proba(X)
    assert proba.dtype == np.float64
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=4 * np.finfo(np.float64).eps)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        log_loss(y, proba, labels=fitted.classes_)


def test_pixels_on_the_0_255_scale_in_float_are_scaled_like_uint8(data, small_mnist):
    X, y = data
    X_test, y_test = small_mnist[2], small_mnist[3]
    deskewed = Pipeline([Deskewer(), tiny(epochs=4)]).fit(X, y)
    scaled = Pipeline([Deskewer(), PixelScaler(), tiny(epochs=4)]).fit(X, y)
    assert deskewed.steps[-1][1].input_scaled_
    assert abs(deskewed.score(X_test, y_test) - scaled.score(X_test, y_test)) < 0.03
    # Standardised features (negative values) are not pixels and are left alone.
    standardised = (X - X.mean(axis=0)) / (X.std(axis=0) + 1)
    assert not tiny(epochs=1).fit(standardised, y).input_scaled_


def test_labels_of_mixed_types_are_named(data):
    X, _ = data
    y = np.array([1, "a"] * 5, dtype=object)
    with pytest.raises(TypeError, match=r"y mixes labels of types int, str"):
        tiny().fit(X[:10], y)


def test_save_creates_missing_folders(fitted, tmp_path, data):
    path = fitted.save(tmp_path / "missing" / "sub" / "m.keras")
    assert_array_equal(KerasMLP.load(path).predict(data[0][:20]), fitted.predict(data[0][:20]))
    assert not list((tmp_path / "missing" / "sub").glob(".*"))


def _rewrite_state(path, change, member="mnistkit.json"):
    """Rewrite an entry of a .keras file (mnistkit.json) with ``change(text)``."""
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    entries[member] = change(entries[member].decode())
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)


def _edit_json(change):
    def edit(text):
        state = json.loads(text)
        change(state)
        return json.dumps(state)

    return edit


def _three_classes(state):
    classes = state["fitted"]["__dict__"]["classes_"]
    classes["__ndarray__"] = classes["__ndarray__"][:3]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda text: text[: len(text) // 2], r"mnistkit.json is not valid JSON"),
        (lambda text: "[1, 2]", r"is not an estimator's state"),
        (_edit_json(_three_classes), r"names 3 classes but the network has 10 outputs"),
        (
            _edit_json(lambda s: s["params"]["__dict__"].update(learning_rat=0.1)),
            r"saved parameters \['learning_rat'\] are not parameters of KerasMLP",
        ),
        (
            _edit_json(lambda s: s["fitted"]["__dict__"].update(__class__="x")),
            r"sets \['__class__'\], which are not fitted attributes",
        ),
        (
            _edit_json(lambda s: s["fitted"]["__dict__"].update(predict=1)),
            r"sets \['predict'\]",
        ),
        (
            _edit_json(lambda s: s["fitted"]["__dict__"].update(_validate_params=1)),
            r"sets \['_validate_params'\]",
        ),
        (_edit_json(lambda s: s.update(params=[1])), r"saved params are not a table"),
        (
            _edit_json(lambda s: s["fitted"]["__dict__"].update(x_={"__what__": 1})),
            r"saved estimator state is malformed",
        ),
        # What each fitted attribute holds is checked against its kind and the network.
        (
            _edit_json(lambda s: s["fitted"]["__dict__"].update(multilabel_=True)),
            r"says multilabel_=True but the network ends in a 'softmax' activation",
        ),
        (
            _edit_json(lambda s: s["fitted"]["__dict__"].update(input_max_="abc")),
            r"saved input_max_ is 'abc', not a positive number",
        ),
        (
            _edit_json(lambda s: s["fitted"]["__dict__"].update(multilabel_="no")),
            r"saved multilabel_ is 'no', not true or false",
        ),
        (
            _edit_json(lambda s: s["fitted"]["__dict__"].update(n_iter_=-1)),
            r"saved n_iter_ is -1, not a whole number",
        ),
        # Sizes a state declares are bounded by what it holds, before anything is allocated.
        (
            _edit_json(lambda s: s["fitted"]["__dict__"]["classes_"].update(dtype="<U50000000")),
            r"declares strings of 50,000,000 characters, but the longest item has 1",
        ),
        (
            _edit_json(lambda s: s["fitted"]["__dict__"]["classes_"].update(dtype="V9")),
            r"dtype 'V9' is not one of a label or number array",
        ),
        (
            lambda text: text.replace(
                '"history_": ', '"x_": ' + "[" * 10**5 + "]" * 10**5 + ', "history_": '
            ),
            r"nests values deeper than Python can read",
        ),
    ],
)
def test_a_damaged_or_edited_state_is_refused_before_anything_is_set(
    fitted, tmp_path, change, message
):
    path = fitted.save(tmp_path / "m.keras")
    _rewrite_state(path, change)
    with pytest.raises(ValueError, match=message):
        KerasMLP.load(path)


@pytest.mark.parametrize(
    ("old", "new", "layer"),
    [('"units": 16', '"units": 400000', "dense_1"), ('"units": 10', '"units": 11', "output")],
)
def test_a_network_edited_to_sizes_its_weights_do_not_hold_is_refused_before_it_is_built(
    fitted, tmp_path, old, new, layer
):
    path = fitted.save(tmp_path / "m.keras")
    _rewrite_state(path, lambda text: text.replace(old, new), member="config.json")
    with pytest.raises(ValueError, match=rf"layer '{layer}' units=\d+, but model.weights.h5"):
        KerasMLP.load(path)


def test_custom_objects_must_be_a_mapping_and_a_list_is_answered_with_one(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.keras")
    with pytest.raises(TypeError, match=r"must be a dict .*\{'Scale': Scale\}; got list"):
        KerasMLP.load(path, custom_objects=["Scale"])


def test_an_inflated_state_is_refused_unread(fitted, tmp_path):
    path = fitted.save(tmp_path / "m.keras")
    _rewrite_state(path, lambda text: text + " " * (17 * 2**20))  # 17 MiB of spaces
    assert path.stat().st_size < 2**20  # it compresses to almost nothing
    with pytest.raises(ValueError, match=r"declares 17,8\d\d,\d\d\d bytes, more than the"):
        KerasMLP.load(path)


def test_save_never_removes_or_follows_a_user_s_file(fitted, tmp_path):
    # The name the scratch copy once had, and a link where the model is to be saved.
    mine = tmp_path / ".m.saving.keras"
    mine.write_bytes(b"my own file")
    path = fitted.save(tmp_path / "m.keras")
    assert mine.read_bytes() == b"my own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".m.saving.keras", "m.keras"]
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    link = tmp_path / "linked.keras"
    link.symlink_to(notes)
    with pytest.raises(FileExistsError, match=r"linked.keras is a symbolic link \(to .*notes"):
        fitted.save(link)
    assert notes.read_text() == "my notes" and link.is_symlink()
    assert KerasMLP.load(path).classes_.tolist() == fitted.classes_.tolist()


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        (
            np.zeros(50),
            r"validation_data\[2\], the validation weights, are zero for every validation sample",
        ),
        (np.full(50, -1.0), r"validation_data\[2\] must be finite and non-negative"),
        (np.ones(49), r"validation_data\[2\] must have one weight per sample \(50\)"),
    ],
)
def test_bad_validation_weights_are_named_as_such(data, weights, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        tiny().fit(X[:200], y[:200], validation_data=(X[200:250], y[200:250], weights))


def test_unpickling_without_keras_names_the_extra_to_install(fitted, tmp_path, data):
    import pickle
    import subprocess
    import sys

    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps(fitted))
    assert_array_equal(
        pickle.loads(path.read_bytes()).predict(data[0][:20]), fitted.predict(data[0][:20])
    )
    code = (
        "import sys, pickle\n"
        "for name in ('keras', 'tensorflow'):\n"
        "    sys.modules[name] = None  # as in a core-only install\n"
        "try:\n"
        f"    pickle.loads(open({str(path)!r}, 'rb').read())\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert 'pip install "mnistkit[keras]"' in done.stdout, done.stderr
