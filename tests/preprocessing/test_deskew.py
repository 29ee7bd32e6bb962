import numpy as np
import pytest
from scipy import ndimage

from mnistkit.preprocessing import Deskewer, deskew_images


def reference_deskew(image):
    """One image with SciPy: moments by NumPy, the shear by ndimage.affine_transform."""
    rows, cols = np.indices(image.shape)
    ink = np.maximum(image, 0)
    total = ink.sum()
    if total == 0:
        return image.astype(float)
    mean_row, mean_col = (ink * rows).sum() / total, (ink * cols).sum() / total
    mu02 = (ink * (rows - mean_row) ** 2).sum() / total
    mu11 = (ink * (rows - mean_row) * (cols - mean_col)).sum() / total
    skew = mu11 / max(mu02, 1e-6)
    centre = (image.shape[0] - 1) / 2
    return ndimage.affine_transform(
        image.astype(float),
        np.array([[1.0, 0.0], [skew, 1.0]]),
        offset=(0.0, -skew * centre),
        order=1,
        mode="grid-constant",
        cval=0.0,
    )


def test_deskew_matches_scipy_on_mnist(mnist_test):
    images = mnist_test.images[:200]
    ours = deskew_images(images, dtype=np.float64)
    expected = np.stack([reference_deskew(image) for image in images])
    np.testing.assert_allclose(ours, expected, atol=1e-6 * 255)
    # Standardised images: negative pixels are background, the same shear applies to them.
    centred = images / 255.0 - 0.2
    np.testing.assert_allclose(
        deskew_images(centred, dtype=np.float64),
        np.stack([reference_deskew(image) for image in centred]),
        atol=1e-9,
    )


def test_deskew_straightens_slant_and_keeps_ink(mnist_test):
    images = mnist_test.images[:500].astype(float)
    deskewed = deskew_images(images, dtype=np.float64)

    def skews(batch):
        rows, cols = np.indices(batch.shape[1:])
        total = batch.sum(axis=(1, 2))
        mean_row = (batch * rows).sum(axis=(1, 2)) / total
        mean_col = (batch * cols).sum(axis=(1, 2)) / total
        d_row = rows - mean_row[:, None, None]
        d_col = cols - mean_col[:, None, None]
        return (batch * d_row * d_col).sum(axis=(1, 2)) / (batch * d_row**2).sum(axis=(1, 2))

    assert np.abs(skews(deskewed)).mean() < 0.1 * np.abs(skews(images)).mean()
    # Ink sheared off the edge is rare on MNIST's padded digits.
    np.testing.assert_allclose(deskewed.sum(axis=(1, 2)), images.sum(axis=(1, 2)), rtol=0.02)


def test_threads_blank_images_and_dtypes():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (300, 12, 10)).astype(np.uint8)
    images[5] = 0
    one = deskew_images(images, chunk_size=7)
    many = deskew_images(images, chunk_size=7, n_jobs=2)
    np.testing.assert_array_equal(one, many)
    assert one.dtype == np.float32 and one.shape == (300, 12, 10)
    assert not one[5].any()


def test_deskewer_in_a_pipeline_takes_flat_rows_and_images(mnist_test):
    X = mnist_test.data[:50]
    flat = Deskewer().fit_transform(X)
    assert flat.shape == (50, 784) and flat.dtype == np.float32
    from_images = Deskewer().fit(mnist_test.images[:50]).transform(mnist_test.images[:50])
    np.testing.assert_array_equal(flat, from_images)
    np.testing.assert_array_equal(flat.reshape(-1, 28, 28), deskew_images(mnist_test.images[:50]))
    with pytest.raises(ValueError, match=r"Deskewer is expecting 784 features"):
        Deskewer().fit(X).transform(np.zeros((2, 20, 20)))
    with pytest.raises(ValueError, match=r"fitted on images of shape \(28, 28\); got \(14, 56\)"):
        Deskewer().fit(X).transform(np.zeros((2, 14, 56)))


@pytest.mark.parametrize(
    ("images", "message"),
    [
        (np.zeros((5, 784)), r"expects grayscale images of shape \(n_images, height, width\)"),
        (np.full((2, 5, 5), np.nan), r"NaN or infinity"),
    ],
)
def test_bad_images_are_named(images, message):
    with pytest.raises(ValueError, match=message):
        deskew_images(images)
