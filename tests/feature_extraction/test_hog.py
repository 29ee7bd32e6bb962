import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from skimage.feature import hog as skimage_hog

from mnistkit.feature_extraction import hog_features, hog_images, hog_output_shape


def reference(images, **params):
    """scikit-image's HOG, one image at a time: the reference implementation."""
    return np.stack([skimage_hog(image, feature_vector=True, **params) for image in images])


def reference_pictures(images, orientations, pixels_per_cell):
    return np.stack(
        [
            skimage_hog(
                image,
                orientations=orientations,
                pixels_per_cell=pixels_per_cell,
                cells_per_block=(1, 1),
                visualize=True,
            )[1]
            for image in images
        ]
    )


def _as_dtype(images, dtype):
    if dtype == "uint8":
        return images
    if dtype == "int16":
        return images.astype(np.int16) * 3 - 200  # negative values too
    return (images / 255.0).astype(dtype)


GEOMETRIES = [
    # (orientations, pixels_per_cell, cells_per_block)
    (8, (4, 4), (1, 1)),  # the lab reports' setting
    (9, (8, 8), (3, 3)),  # scikit-image's defaults
    (8, (7, 7), (2, 2)),  # odd cells
    (16, (2, 2), (1, 1)),
    (12, (3, 5), (2, 1)),  # non-square cells and blocks
    (32, (6, 4), (2, 3)),
    (1, (5, 5), (1, 2)),
]


@pytest.mark.parametrize("dtype", ["uint8", "float32", "float64", "int16"])
@pytest.mark.parametrize("block_norm", ["L1", "L1-sqrt", "L2", "L2-Hys"])
@pytest.mark.parametrize("transform_sqrt", [False, True])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_matches_skimage_on_mnist(mnist_test, dtype, block_norm, transform_sqrt, geometry):
    orientations, pixels_per_cell, cells_per_block = geometry
    images = _as_dtype(mnist_test.images[:24], dtype)
    params = dict(
        orientations=orientations,
        pixels_per_cell=pixels_per_cell,
        cells_per_block=cells_per_block,
        block_norm=block_norm,
        transform_sqrt=transform_sqrt,
    )
    if transform_sqrt and dtype == "int16":  # has negative pixels: a clear error, not NaN
        with pytest.raises(ValueError, match="transform_sqrt=True .* negative values"):
            hog_features(images, **params)
        return
    expected = reference(images, **params)
    result = hog_features(images, **params)
    assert result.dtype == expected.dtype
    assert result.shape == expected.shape
    assert_allclose(result.astype(np.float64), expected.astype(np.float64), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(33, 27), (25, 41), (24, 24)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_skimage_on_random_non_square_images(rng, shape, dtype):
    images = rng.random((10, *shape)).astype(dtype)
    for orientations, pixels_per_cell, cells_per_block in GEOMETRIES[:5]:
        params = dict(
            orientations=orientations,
            pixels_per_cell=pixels_per_cell,
            cells_per_block=cells_per_block,
        )
        assert_allclose(
            hog_features(images, **params), reference(images, **params), rtol=1e-6, atol=1e-6
        )


def test_whole_mnist_test_set_lab_setting(mnist_test):
    params = dict(orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1))
    images = mnist_test.images[::10]
    assert_allclose(
        hog_features(images, **params), reference(images, **params), rtol=1e-6, atol=1e-6
    )


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    orientations=st.integers(1, 20),
    cell=st.tuples(st.integers(1, 6), st.integers(1, 6)),
    block=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    block_norm=st.sampled_from(["L1", "L1-sqrt", "L2", "L2-Hys"]),
)
def test_property_equals_skimage(data, orientations, cell, block, block_norm):
    height = data.draw(st.integers(cell[0] * block[0], 24))
    width = data.draw(st.integers(cell[1] * block[1], 24))
    seed = data.draw(st.integers(0, 2**32 - 1))
    images = np.random.default_rng(seed).integers(0, 256, (3, height, width), dtype=np.uint8)
    params = dict(
        orientations=orientations,
        pixels_per_cell=cell,
        cells_per_block=block,
        block_norm=block_norm,
    )
    assert_allclose(
        hog_features(images, **params), reference(images, **params), rtol=1e-6, atol=1e-6
    )


def test_gradient_ties_on_bin_boundaries():
    # Diagonal edges give |g_row| == |g_col|: angles of exactly 45 / 135 degrees that sit on
    # bin boundaries for 4 and 8 orientations. These are where a different atan2 would differ.
    image = np.tril(np.full((16, 16), 200, dtype=np.uint8))
    images = np.stack([image, image.T, image[::-1], np.eye(16, dtype=np.uint8) * 255])
    for orientations in (2, 4, 8):
        params = dict(orientations=orientations, pixels_per_cell=(4, 4), cells_per_block=(1, 1))
        assert_allclose(
            hog_features(images, **params), reference(images, **params), rtol=1e-6, atol=1e-6
        )
        float_images = images / 255.0
        assert_allclose(
            hog_features(float_images, **params),
            reference(float_images, **params),
            rtol=1e-6,
            atol=1e-6,
        )


def test_chunks_and_threads_do_not_change_the_result(mnist_test):
    images = mnist_test.images[:100]
    expected = hog_features(images, pixels_per_cell=4, cells_per_block=2)
    for chunk_size, n_jobs in itertools.product([1, 7, 1000], [1, 2]):
        result = hog_features(
            images, pixels_per_cell=4, cells_per_block=2, chunk_size=chunk_size, n_jobs=n_jobs
        )
        np.testing.assert_array_equal(result, expected)


def test_output_dtype_and_channel_axis(mnist_test):
    images = mnist_test.images[:5]
    assert hog_features(images, pixels_per_cell=4, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(
        hog_features(images[..., None], pixels_per_cell=4), hog_features(images, pixels_per_cell=4)
    )


def test_output_shape():
    assert hog_output_shape(
        (28, 28), orientations=8, pixels_per_cell=(2, 2), cells_per_block=(1, 1)
    ) == (14, 14, 1, 1, 8)
    assert np.prod(hog_output_shape((28, 28))) == 81


@pytest.mark.parametrize("pixels_per_cell", [(2, 2), (4, 4), (7, 7), (3, 5), (8, 6)])
@pytest.mark.parametrize("orientations", [8, 9, 12])
@pytest.mark.parametrize("dtype", ["uint8", "float32"])
def test_hog_images_match_skimage_visualize(mnist_test, pixels_per_cell, orientations, dtype):
    images = _as_dtype(mnist_test.images[:8], dtype)
    result = hog_images(images, orientations=orientations, pixels_per_cell=pixels_per_cell)
    expected = reference_pictures(images, orientations, pixels_per_cell)
    assert result.dtype == expected.dtype
    assert_allclose(result, expected, rtol=1e-6, atol=1e-6)


# --- Bad input ---------------------------------------------------------------------------------


def test_image_smaller_than_a_block():
    with pytest.raises(
        ValueError,
        match=r"Images of shape \(10, 10\) are smaller than one HOG block: pixels_per_cell=\(4, 4\) x cells_per_block=\(3, 3\) needs at least 12 x 12",
    ):
        hog_features(np.zeros((2, 10, 10)), pixels_per_cell=4, cells_per_block=3)


def test_nan_and_inf_rejected():
    images = np.zeros((2, 8, 8))
    images[1, 3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        hog_features(images, pixels_per_cell=4, cells_per_block=1)
    images[1, 3, 3] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        hog_features(images, pixels_per_cell=4, cells_per_block=1)


def test_colour_and_single_images_rejected():
    with pytest.raises(
        ValueError, match=r"grayscale images .* got shape \(2, 8, 8, 3\)\. Convert colour images"
    ):
        hog_features(np.zeros((2, 8, 8, 3)))
    with pytest.raises(ValueError, match=r"one 2-d array of shape \(8, 8\)"):
        hog_features(np.zeros((8, 8)))


@pytest.mark.parametrize(
    "params, message",
    [
        (
            dict(orientations=0),
            "orientations must be an int from 1 to 360 .bins over 180 degrees.; got 0",
        ),
        (
            dict(orientations=2.5),
            "orientations must be an int from 1 to 360 .bins over 180 degrees.; got 2.5",
        ),
        (
            dict(pixels_per_cell=(0, 4)),
            r"pixels_per_cell must be a positive int or a pair .* got \(0, 4\)",
        ),
        (
            dict(pixels_per_cell=-2),
            r"pixels_per_cell must be a positive int or a pair .* got -2\.",
        ),
        (dict(cells_per_block=(1, 2, 3)), r"cells_per_block must .* got \(1, 2, 3\)"),
        (dict(block_norm="L3"), "block_norm must be one of .* got 'L3'"),
        (dict(chunk_size=0), "chunk_size must be a positive int; got 0"),
    ],
)
def test_bad_parameters(params, message):
    with pytest.raises(ValueError, match=message):
        hog_features(np.zeros((2, 16, 16), dtype=np.uint8), **params)


def test_negative_pixels_with_transform_sqrt():
    with pytest.raises(ValueError, match="transform_sqrt=True .* negative values"):
        hog_features(-np.ones((1, 16, 16)), pixels_per_cell=4, transform_sqrt=True)


def test_hog_images_needs_two_pixel_cells():
    with pytest.raises(
        ValueError, match=r"cells of at least 2 x 2 pixels; got pixels_per_cell=\(1, 4\)"
    ):
        hog_images(np.zeros((1, 8, 8)), pixels_per_cell=(1, 4))


def test_integer_output_dtype_is_an_error(rng):
    images = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"dtype must be float32 or float64: .*got int8"):
        hog_features(images, dtype=np.int8)  # used to return zeros


@pytest.mark.parametrize("orientations", [0, 361, 100_000])
def test_orientations_out_of_range_fail_at_once(rng, orientations):
    images = rng.integers(0, 256, (2, 28, 28), dtype=np.uint8)
    with pytest.raises(ValueError, match=r"orientations must be an int from 1 to 360"):
        hog_features(images, orientations=orientations)  # 100000 ran 13.6 s, then overflowed


@settings(max_examples=15, deadline=None)
@given(
    data=st.data(),
    orientations=st.integers(1, 18),
    cell=st.tuples(st.integers(2, 8), st.integers(2, 8)),
    block=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    block_norm=st.sampled_from(["L1", "L1-sqrt", "L2", "L2-Hys"]),
    dtype=st.sampled_from(["uint8", "float32", "float64"]),
    transform_sqrt=st.booleans(),
    channels=st.sampled_from([3, 4]),
)
def test_colour_hog_equals_skimage_channel_axis(
    data, orientations, cell, block, block_norm, dtype, transform_sqrt, channels
):
    height = data.draw(st.integers(cell[0] * block[0], 32))
    width = data.draw(st.integers(cell[1] * block[1], 32))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    images = rng.integers(0, 256, (3, height, width, channels), dtype=np.uint8)
    images[0, ..., 1] = images[0, ..., 0]  # equal magnitudes: the first channel wins the tie
    images = images if dtype == "uint8" else (images / 255).astype(dtype)
    params = dict(
        orientations=orientations,
        pixels_per_cell=cell,
        cells_per_block=block,
        block_norm=block_norm,
        transform_sqrt=transform_sqrt,
    )
    expected = np.stack(
        [skimage_hog(image, channel_axis=-1, feature_vector=True, **params) for image in images]
    )
    assert_allclose(hog_features(images, channel_axis=-1, **params), expected, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_colour_hog_breaks_equal_integer_magnitudes_as_skimage(order):
    # 1^2 + 189^2 == 99^2 + 161^2, but their float64 hypot differ by one unit in the last
    # place: scikit-image takes the larger, whichever channel holds it.
    images = np.zeros((1, 8, 8, 3), dtype=np.uint8)
    for channel, (g_row, g_col) in zip(order, [(1, 189), (99, 161)], strict=True):
        images[0, 4, 3, channel], images[0, 3, 4, channel] = g_row, g_col
    params = dict(orientations=9, pixels_per_cell=(4, 4), cells_per_block=(1, 1))
    expected = skimage_hog(images[0], channel_axis=-1, feature_vector=True, **params)
    assert_array_equal(hog_features(images, channel_axis=-1, **params)[0], expected)


def test_colour_hog_pictures_equal_skimage_visualize(rng):
    images = rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    expected = np.stack(
        [
            skimage_hog(image, pixels_per_cell=(4, 4), channel_axis=-1, visualize=True)[1]
            for image in images
        ]
    )
    assert_allclose(hog_images(images, pixels_per_cell=(4, 4), channel_axis=-1), expected)


def test_colour_hog_transformer_takes_flat_rows_images_and_names_the_fix(rng):
    from mnistkit.feature_extraction import HOGTransformer

    images = rng.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    colour = HOGTransformer(channel_axis=-1, dtype="float64")
    from_images = colour.fit_transform(images)
    assert colour.image_shape_ == (32, 32, 3) and len(colour.get_feature_names_out()) == 1764
    assert_allclose(colour.fit_transform(images.reshape(4, -1)), from_images)  # 3072 -> 32x32x3
    assert_allclose(
        from_images,
        reference(images, channel_axis=-1, pixels_per_cell=(4, 4), cells_per_block=(2, 2)),
        atol=1e-12,
    )
    assert colour.visualize(images).shape == (4, 32, 32)
    with pytest.raises(ValueError, match=r"at most 1 channel.*HOGTransformer\(channel_axis=-1\)"):
        HOGTransformer().fit(images)
    with pytest.raises(ValueError, match=r"channel_axis=-1\) takes colour images .* Leave"):
        HOGTransformer(channel_axis=-1).fit(images[..., 0])
    with pytest.raises(ValueError, match=r"channel_axis must be None .* or -1"):
        hog_features(images, channel_axis=0)
