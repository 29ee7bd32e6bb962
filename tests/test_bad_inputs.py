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
