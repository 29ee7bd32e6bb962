import numpy as np
import pytest

from mnistkit.utils import as_image_batch, flatten_images, infer_image_shape


def test_infer_square_and_explicit():
    assert infer_image_shape(784) == (28, 28)
    assert infer_image_shape(12, (3, 4)) == (3, 4)
    assert infer_image_shape(12, (-1, 4)) == (3, 4)
    assert infer_image_shape(12, (2, -1)) == (2, 6)


def test_infer_errors():
    with pytest.raises(ValueError, match="flat rows of 10 values, which is not a square"):
        infer_image_shape(10, owner="X")
    with pytest.raises(
        ValueError, match=r"image_shape=\(3, 5\) \(15 pixels\) but the rows of X have 12"
    ):
        infer_image_shape(12, (3, 5))
    with pytest.raises(ValueError, match="rows of X have 10 values"):
        infer_image_shape(10, (-1, 3))


def test_flatten_and_back():
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    flat, shape = flatten_images(images)
    assert flat.shape == (2, 12) and shape == (3, 4)
    assert np.shares_memory(flat, images)
    np.testing.assert_array_equal(as_image_batch(flat, shape), images)
    flat, shape = flatten_images(images[..., None])
    assert shape == (3, 4)


def test_colour_images_rejected():
    with pytest.raises(
        ValueError, match=r"at most 1 channel\(s\); got an array of shape \(2, 3, 4, 3\)"
    ):
        flatten_images(np.zeros((2, 3, 4, 3)), owner="HOGTransformer")
    flat, shape = flatten_images(np.zeros((2, 3, 4, 3)), max_channels=3)
    assert shape == (3, 4, 3)
    assert as_image_batch(flat, shape, max_channels=3).shape == (2, 3, 4, 3)
