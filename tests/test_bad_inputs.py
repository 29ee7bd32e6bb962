"""Generated bad inputs against the public API: a correct result or a clear error, never a crash.

Hypothesis throws arrays of random shapes and dtypes (bool, int8, uint8, int64, float16/32/64,
object, strings), NaN and inf, empty arrays, one sample, one class and string labels at the public
functions and estimators. Each call must either succeed with a result that keeps its promises
(shape, dtype, finite values) or raise an error of the documented kinds (``ValueError``,
``TypeError``) whose message names what is wrong. An ``IndexError``, ``ZeroDivisionError``,
``KeyError``, ``AttributeError``, ``OverflowError`` or a NumPy warning escaping is a bug.

The default profile keeps this file under a minute; CI sets ``HYPOTHESIS_PROFILE=ci`` for more
examples.
"""

import os
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mnistkit.feature_extraction import HOGTransformer, hog_features
from mnistkit.metrics import (
    cluster_accuracy_score,
    evaluate,
    mcnemar_test,
    most_confused_pairs,
    purity_score,
    specificity_score,
)
from mnistkit.preprocessing import PixelScaler

# More examples in CI (HYPOTHESIS_PROFILE=ci, set by .ci/run); other tests keep their settings.
fuzz = settings(
    max_examples=150 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

ALLOWED = (ValueError, TypeError)

NUMERIC_DTYPES = [
    np.bool_,
    np.int8,
    np.uint8,
    np.int16,
    np.int64,
    np.float16,
    np.float32,
    np.float64,
]


@st.composite
def arrays(draw, min_dims=0, max_dims=4, max_side=6):
    """An array of any of the dtypes, possibly empty, possibly with NaN/inf, or of objects."""
    kind = draw(st.sampled_from(["numeric", "numeric", "numeric", "object", "string"]))
    shape = draw(
        hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0, max_side=max_side)
    )
    if kind == "object":
        return np.array(
            draw(
                st.lists(
                    st.one_of(st.none(), st.text(max_size=2), st.integers()), min_size=1, max_size=6
                )
            ),
            dtype=object,
        )
    if kind == "string":
        letters = st.text(alphabet="ab1.", max_size=2)  # NumPy strings cannot hold NUL
        return draw(hnp.arrays(np.dtype("U2"), shape, elements=letters))
    dtype = np.dtype(draw(st.sampled_from(NUMERIC_DTYPES)))
    return draw(hnp.arrays(dtype, shape))


@st.composite
def label_pairs(draw):
    """Two label arrays: ints or strings, one or more classes, sometimes of different lengths."""
    n = draw(st.integers(0, 12))
    alphabet = draw(
        st.sampled_from(
            [st.integers(0, 3), st.integers(-2, 2), st.sampled_from(["a", "b", "c"]), st.just(7)]
        )
    )
    y_true = draw(st.lists(alphabet, min_size=n, max_size=n))
    other = n if draw(st.booleans()) else draw(st.integers(0, 12))
    y_pred = draw(st.lists(alphabet, min_size=other, max_size=other))
    return np.array(y_true), np.array(y_pred)


def _outcome(call, names):
    """Run ``call``; an allowed error must say what is wrong, anything else fails the test."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # a NumPy overflow or NaN is silent harm
        try:
            return call()
        except ALLOWED as exc:
            message = str(exc)
            assert message.strip(), f"{type(exc).__name__} without a message"
            assert any(name.lower() in message.lower() for name in names), (
                f"the error does not name the argument ({', '.join(names)}): {message}"
            )
            return None


@fuzz
@given(
    images=arrays(),
    orientations=st.integers(-1, 400),
    dtype=st.sampled_from([None, np.float32, np.int8, np.float16]),
)
def test_hog_features(images, orientations, dtype):
    names = ["images", "orientations", "dtype", "pixels_per_cell", "image", "hog"]
    result = _outcome(
        lambda: hog_features(
            images,
            orientations=orientations,
            pixels_per_cell=(2, 2),
            cells_per_block=(1, 1),
            dtype=dtype,
        ),
        names,
    )
    if result is not None:
        assert result.dtype.kind == "f" and np.isfinite(result).all()
        assert len(result) == len(images)


@fuzz
@given(X=arrays(min_dims=1))
def test_hog_transformer(X):
    result = _outcome(
        lambda: HOGTransformer(pixels_per_cell=(2, 2), cells_per_block=(1, 1)).fit_transform(X),
        ["X", "HOGTransformer", "image", "array", "sample", "feature", "pixels_per_cell"],
    )
    if result is not None:
        assert result.dtype == np.float32 and np.isfinite(result).all() and len(result) == len(X)


@fuzz
@given(X=arrays(min_dims=1, max_dims=3))
def test_pixel_scaler(X):
    result = _outcome(
        lambda: PixelScaler().fit_transform(X),
        ["X", "PixelScaler", "array", "sample", "feature", "pixel"],
    )
    if result is not None:
        assert result.shape == X.shape and np.isfinite(result).all()


@pytest.mark.parametrize(
    "metric",
    [
        lambda t, p: specificity_score(t, p),
        lambda t, p: specificity_score(t, p, average="macro"),
        lambda t, p: most_confused_pairs(t, p),
        lambda t, p: mcnemar_test(t, t, p),
        lambda t, p: cluster_accuracy_score(t, p),
        lambda t, p: purity_score(t, p),
        lambda t, p: evaluate(t, p),
    ],
    ids=[
        "specificity",
        "specificity-macro",
        "confused",
        "mcnemar",
        "cluster-accuracy",
        "purity",
        "evaluate",
    ],
)
@fuzz
@given(pair=label_pairs())
def test_label_metrics(metric, pair):
    y_true, y_pred = pair
    names = ["y_true", "y_pred", "labels_true", "labels_pred", "pos_label", "average", "class"]
    result = _outcome(lambda: metric(y_true, y_pred), names)
    if result is not None and isinstance(result, float):
        assert 0.0 <= result <= 1.0
    if result is not None and len(y_true) != len(y_pred):
        pytest.fail(f"labels of different lengths ({len(y_true)}, {len(y_pred)}) gave {result!r}")


@fuzz
@given(X=arrays(min_dims=1, max_dims=3), pair=label_pairs())
def test_cluster_classifier(X, pair):
    from sklearn.cluster import KMeans

    from mnistkit.cluster import ClusterClassifier

    y = pair[0]
    names = [
        "X",
        "y",
        "ClusterClassifier",
        "KMeans",
        "sample",
        "feature",
        "array",
        "class",
        "cluster",
    ]
    model = _outcome(
        lambda: ClusterClassifier(KMeans(n_clusters=2, n_init=1), random_state=0).fit(X, y), names
    )
    if model is not None:
        assert set(model.predict(X).tolist()) <= set(y.tolist())


@fuzz
@given(images=arrays(), pair=label_pairs())
def test_image_plots(images, pair):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mnistkit.plotting import plot_class_distribution, plot_image_grid

    labels = pair[0]
    names = ["images", "labels", "image", "pixels", "target_names"]
    try:
        _outcome(lambda: plot_image_grid(images, labels if len(labels) else None), names)
        _outcome(lambda: plot_class_distribution(labels), names)
    finally:
        plt.close("all")  # one test runs hundreds of examples: each closes its figures


# -- Generated files: image folders, suite files, saved models --------------------------------

# Pillow modes an image file may have, with the NumPy dtype of its pixels and their range.
IMAGE_MODES = {
    "L": (np.uint8, 255),
    "LA": (np.uint8, 255),
    "RGB": (np.uint8, 255),
    "RGBA": (np.uint8, 255),
    "I;16": (np.uint16, 65535),
    "I": (np.int32, 70000),
    "F": (np.float32, 300.0),
}
FORMATS = {"L": "png", "LA": "png", "RGB": "jpg", "RGBA": "png", "I;16": "png", "I": "tif"}


@st.composite
def image_files(draw):
    """(mode, extension, pixels, EXIF orientation or None) of one image file."""
    mode = draw(st.sampled_from(sorted(IMAGE_MODES)))
    dtype, top = IMAGE_MODES[mode]
    channels = {"LA": 2, "RGB": 3, "RGBA": 4}.get(mode)
    shape = (draw(st.integers(1, 9)), draw(st.integers(1, 9))) + ((channels,) if channels else ())
    if dtype == np.float32:
        elements = st.one_of(
            st.floats(-1.0, top, width=32), st.sampled_from([np.nan, np.inf, -np.inf])
        )
    else:
        elements = st.integers(0 if mode != "I" else -5, top)
    pixels = draw(hnp.arrays(dtype, shape, elements=elements))
    extension = FORMATS.get(mode, "tif")
    orientation = draw(st.sampled_from([None, 1, 3, 6, 8])) if extension == "jpg" else None
    return mode, extension, pixels, orientation


def _write_image(path, mode, pixels, orientation):
    from PIL import Image

    image = Image.fromarray(pixels)  # Pillow infers the mode from the dtype and shape
    assert image.mode == mode
    if orientation is None:
        image.save(path)
    else:
        exif = Image.Exif()
        exif[0x0112] = orientation
        image.save(path, exif=exif)


@fuzz
@given(
    files=st.lists(image_files(), min_size=2, max_size=4),
    image_size=st.tuples(st.integers(1, 12), st.integers(1, 12)),
    color_mode=st.sampled_from(["grayscale", "rgb"]),
    dtype=st.sampled_from([np.uint8, np.float32]),
)
def test_image_folder_of_generated_files(tmp_path_factory, files, image_size, color_mode, dtype):
    """Every mode, bit depth, alpha, orientation and size loads into range, or the bad file
    is named: never an exception of another kind, never a value outside [0, 255] / [0, 1]."""
    from mnistkit.datasets import load_image_folder
    from mnistkit.exceptions import ImageFolderError

    root = tmp_path_factory.mktemp("images")
    written = []
    for index, (mode, extension, pixels, orientation) in enumerate(files):
        folder = root / ("a" if index % 2 == 0 else "b")
        folder.mkdir(exist_ok=True)
        path = folder / f"{index}.{extension}"
        _write_image(path, mode, pixels, orientation)
        written.append((path, pixels))
    try:
        data = load_image_folder(root, image_size=image_size, color_mode=color_mode, dtype=dtype)
    except ImageFolderError as exc:
        bad = [path for path, pixels in written if str(path) in str(exc)]
        assert bad, f"the error names no file: {exc}"
        for path, pixels in written:
            if path in bad:  # only files whose pixels cannot be read as an image
                assert pixels.dtype.kind in "if" and (
                    not np.isfinite(pixels).all() or pixels.min() < 0 or pixels.max() > 65535
                ), f"{path} was refused: {exc}"
        return
    channels = (3,) if color_mode == "rgb" else ()
    assert data.images.shape == (len(files), *image_size, *channels)
    top = 255 if dtype == np.uint8 else 1.0
    assert data.images.dtype == dtype and data.images.min() >= 0 and data.images.max() <= top


SUITE_VALUES = st.one_of(
    st.integers(-3, 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.text(max_size=8),
    st.lists(st.integers(-1, 12), max_size=4),
    st.lists(st.text(max_size=3), max_size=3),
    st.dictionaries(st.sampled_from(["param", "values", "x"]), st.integers(0, 3), max_size=2),
)
SUITE_KEYS = [
    "repeats",
    "time_limit",
    "train_size",
    "test_size",
    "classes",
    "random_state",
    "cv",
    "image_size",
    "split",
    "dataset",
    "grid",
    "params",
    "reported",
    "description",
    "kind",
    "of",
    "sweep",
    "n_components",
]


def _toml_value(value):
    import json
    import math

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{key} = {_toml_value(item)}" for key, item in value.items()) + " }"


@fuzz
@given(keys=st.dictionaries(st.sampled_from(SUITE_KEYS), SUITE_VALUES, max_size=4))
def test_suite_files_with_generated_values(tmp_path_factory, keys):
    """A suite loads into entries whose counts are bounded, or the error names the key."""
    from mnistkit.benchmark import SuiteError, load_suite
    from mnistkit.benchmark._records import MAX_REPEATS, MAX_TIME_LIMIT

    body = "".join(f"{key} = {_toml_value(value)}\n" for key, value in keys.items())
    path = tmp_path_factory.mktemp("suite") / "generated.toml"
    path.write_text(f'[[entries]]\nid = "x"\nmodel = "pixels-gaussian-nb"\n{body}')
    try:
        suite = load_suite(path)
    except SuiteError as exc:
        assert (str(path) in str(exc) and any(f"'{key}'" in str(exc) for key in [*keys, "id"])) or (
            "model" in str(exc) or "kind" in str(exc) or "TOML" in str(exc)
        ), str(exc)
        return
    (entry,) = suite.entries
    assert 1 <= entry.repeats <= MAX_REPEATS and 0 < entry.time_limit <= MAX_TIME_LIMIT
    assert not entry.classes or len(set(map(str, entry.classes))) == len(entry.classes) >= 2


@pytest.fixture(scope="module")
def saved_state(tmp_path_factory, small_mnist):
    """A fitted tiny network saved once: the archive's entries and its state as JSON."""
    import json
    import zipfile

    from mnistkit.neural_network import KerasMLP

    X, y = small_mnist[0][:200], small_mnist[1][:200]
    path = (
        KerasMLP((8,), epochs=1, random_state=0)
        .fit(X, y)
        .save(tmp_path_factory.mktemp("saved") / "m.keras")
    )
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    return entries, json.loads(entries["mnistkit.json"])


JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-3, 20), st.text(max_size=6)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.mark.slow
@fuzz
@given(
    section=st.sampled_from(["params", "fitted", "top"]),
    name=st.one_of(
        st.sampled_from(
            ["classes_", "__class__", "predict", "learning_rate", "epochs", "model_", "x_"]
        ),
        st.text(max_size=10),
    ),
    value=JSON_VALUES,
)
def test_saved_states_with_generated_edits(tmp_path_factory, saved_state, section, name, value):
    """An edited state loads into a working classifier, or a ValueError/TypeError names the
    file: never an AttributeError, IndexError or KeyError, never a half-set estimator."""
    import copy
    import json
    import zipfile

    from mnistkit.neural_network import KerasMLP

    entries, state = saved_state
    state = copy.deepcopy(state)
    if section == "top":
        state[name] = value
    else:
        state[section]["__dict__"][name] = value
    path = tmp_path_factory.mktemp("edited") / "m.keras"
    with zipfile.ZipFile(path, "w") as archive:
        for entry, content in entries.items():
            archive.writestr(entry, json.dumps(state) if entry == "mnistkit.json" else content)
    try:
        model = KerasMLP.load(path)
    except (ValueError, TypeError) as exc:
        assert str(path) in str(exc) or "KerasMLP" in str(exc) or name in str(exc), str(exc)
        return
    X = np.zeros((3, 784), dtype=np.uint8)
    try:
        predicted = model.predict(X)
    except (ValueError, TypeError) as exc:  # an edited parameter the model checks at use
        assert str(exc).strip()
        return
    assert len(predicted) == 3 and set(predicted.tolist()) <= set(model.classes_.tolist())
