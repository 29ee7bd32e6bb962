import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from mnistkit.feature_extraction import HOGTransformer, hog_features, hog_images


@pytest.fixture
def digits(mnist_test):
    return mnist_test.data[:600], mnist_test.target[:600]


def test_equals_kernel_for_flat_and_image_input(mnist_test):
    images = mnist_test.images[:50]
    expected = hog_features(
        images, orientations=8, pixels_per_cell=4, cells_per_block=1, dtype=np.float32
    )
    hog = HOGTransformer(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1))
    for X in (images.reshape(50, -1), images, images[..., None]):
        result = hog.fit_transform(X)
        assert result.dtype == np.float32
        assert_array_equal(result, expected)
    assert hog.n_features_in_ == 784 and hog.image_shape_ == (28, 28)
    assert hog.n_features_out_ == 392


def test_stateless_transform_without_fit(mnist_test):
    X = mnist_test.data[:10]
    assert HOGTransformer().transform(X).shape == (10, 6 * 6 * 2 * 2 * 9)


def test_float64_output_and_image_shape(rng):
    X = rng.random((5, 20 * 12))
    hog = HOGTransformer(image_shape=(20, 12), dtype="float64", cells_per_block=1)
    result = hog.fit_transform(X)
    assert result.dtype == np.float64
    assert_allclose(
        result, hog_features(X.reshape(5, 20, 12), pixels_per_cell=4, cells_per_block=1)
    )


def test_feature_names_and_pandas_output(mnist_test):
    pd = pytest.importorskip("pandas")
    hog = HOGTransformer(orientations=8, cells_per_block=1).set_output(transform="pandas")
    frame = hog.fit_transform(mnist_test.data[:5])
    assert isinstance(frame, pd.DataFrame)
    assert frame.shape == (5, 392)
    assert frame.columns[0] == "hog_block0_0_cell0_0_orientation0"
    assert frame.columns[-1] == "hog_block6_6_cell0_0_orientation7"


@pytest.mark.slow
def test_pipeline_grid_search_and_memory(digits, tmp_path):
    X, y = digits
    pipeline = Pipeline(
        [
            ("hog", HOGTransformer()),
            ("scale", StandardScaler()),
            ("clf", LogisticRegression(max_iter=300)),
        ],
        memory=str(tmp_path),
    )
    search = GridSearchCV(
        pipeline,
        {"hog__pixels_per_cell": [(4, 4), (7, 7)], "hog__orientations": [6, 9]},
        cv=3,
    )
    search.fit(X, y)
    assert set(search.best_params_) == {"hog__pixels_per_cell", "hog__orientations"}
    assert search.best_score_ > 0.8
    assert any(tmp_path.iterdir())  # the transformer's output was cached by joblib.Memory


def test_clone_pickle_visualize(mnist_test):
    hog = HOGTransformer(pixels_per_cell=(7, 7)).fit(mnist_test.data[:5])
    restored = pickle.loads(pickle.dumps(hog))
    assert_array_equal(restored.transform(mnist_test.data[:5]), hog.transform(mnist_test.data[:5]))
    assert clone(hog).get_params() == hog.get_params()
    pictures = hog.visualize(mnist_test.data[:3])
    assert_array_equal(pictures, hog_images(mnist_test.images[:3], pixels_per_cell=(7, 7)))


def test_make_pipeline_with_classifier(digits):
    X, y = digits
    model = make_pipeline(
        HOGTransformer(orientations=8, cells_per_block=1), LogisticRegression(max_iter=500)
    ).fit(X[:500], y[:500])
    assert model.score(X[500:], y[500:]) > 0.85


# --- Bad input ---------------------------------------------------------------------------------


def test_non_square_rows_without_image_shape(rng):
    with pytest.raises(
        ValueError, match="HOGTransformer received flat rows of 300 values, which is not a square"
    ):
        HOGTransformer().fit(rng.random((3, 300)))


def test_image_smaller_than_block(rng):
    with pytest.raises(
        ValueError, match=r"HOGTransformer: Images of shape \(8, 8\) are smaller than one HOG block"
    ):
        HOGTransformer(pixels_per_cell=(4, 4), cells_per_block=(3, 3)).fit(rng.random((3, 64)))


def test_nan_rejected(rng):
    X = rng.random((3, 784))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        HOGTransformer().fit_transform(X)


def test_colour_images_rejected(rng):
    with pytest.raises(
        ValueError,
        match=r"HOGTransformer accepts images with at most 1 channel\(s\); got an array of shape \(2, 28, 28, 3\)",
    ):
        HOGTransformer().fit(rng.random((2, 28, 28, 3)))


@pytest.mark.parametrize(
    "params, message",
    [
        (
            dict(orientations=-1),
            "The 'orientations' parameter of HOGTransformer must be an int in the range \\[1, 360\\]",
        ),
        (
            dict(block_norm="max"),
            "The 'block_norm' parameter of HOGTransformer must be a str among",
        ),
        (
            dict(pixels_per_cell=(-4, 4)),
            r"pixels_per_cell must be a positive int or a pair of positive ints .* got \(-4, 4\)",
        ),
        (dict(dtype="int8"), "The 'dtype' parameter of HOGTransformer must be"),
    ],
)
def test_bad_parameters_name_the_parameter(rng, params, message):
    with pytest.raises(ValueError, match=message):
        HOGTransformer(**params).fit(rng.random((2, 784)))


def test_wrong_feature_count_after_fit(rng):
    hog = HOGTransformer().fit(rng.random((2, 784)))
    with pytest.raises(ValueError, match="X has 400 features, but HOGTransformer is expecting 784"):
        hog.transform(rng.random((2, 400)))
