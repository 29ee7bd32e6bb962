"""Deskewing: straighten each slanted digit by the shear its second moments measure.

Handwritten digits lean. Shearing each image so that its principal axis is vertical removes
that variation before features are computed; it is the classic preprocessing behind the best
SVM results on MNIST (the MNIST results table lists deskewing for its best SVM entries). The
usual code does it one image at a time with OpenCV's ``warpAffine`` or
``scipy.ndimage.affine_transform``; neither scikit-image nor scikit-learn has it as a batch
operation, so :func:`deskew_images` is a numba kernel over the batch (60,000 MNIST images in
0.95 s on 2 cores), and :class:`Deskewer` is the pipeline step.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..utils._chunks import run_chunks
from ..utils._images import check_image_batch, record_image_shape, validate_images
from ..utils._sklearn_compat import StrOptions, _fit_context

__all__ = ["Deskewer", "deskew_images"]


def deskew_images(images, *, dtype=np.float32, chunk_size=2048, n_jobs=None):
    """Shear each image so that its slant, measured by its second moments, is removed.

    For an image with intensity centroid ``(r0, c0)`` and central moments ``mu11`` and ``mu02``
    (rows as the vertical axis; the ink is the positive part of each pixel), the skew is
    ``mu11 / mu02``; output pixel ``(r, c)`` takes the
    input at ``(r, c + skew * (r - (height - 1) / 2))``, interpolated linearly along the row,
    zero outside the image. The image's vertical centre line stays in place.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width) or (n_images, height, width, 1)
        Grayscale images, any scale (0-255 or 0-1), ink brighter than the background.
    dtype : {numpy.float32, numpy.float64}, default=numpy.float32
        Output dtype.
    chunk_size : int, default=2048
        Images per chunk handed to a thread.
    n_jobs : int, default=None
        Threads; ``None`` means 1 unless in a :obj:`joblib.parallel_config` context, ``-1``
        means all cores.

    Returns
    -------
    deskewed : ndarray of shape (n_images, height, width)
        In the input's scale.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistkit.preprocessing import deskew_images
    >>> slanted = np.zeros((1, 7, 7))
    >>> for row in range(7):
    ...     slanted[0, row, row] = 1.0  # a stroke leaning 45 degrees
    >>> straight = deskew_images(slanted)
    >>> straight[0].sum(axis=0).round(2)  # all its ink now in the centre column
    array([0., 0., 0., 7., 0., 0., 0.], dtype=float32)
    """
    images = check_image_batch(
        images,
        owner="deskew_images",
        two_d="refuse",
        fix="Reshape flat rows first (e.g. X.reshape(-1, 28, 28)), or use the Deskewer "
        "transformer, which accepts them.",
    )
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype must be float32 or float64; got {dtype}.")
    if not isinstance(chunk_size, Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be a positive int; got {chunk_size!r}.")
    # The kernel is compiled for float32 and float64: other dtypes (integers, bool, float16)
    # are read as float64.
    source = images if images.dtype in (np.float32, np.float64) else images.astype(np.float64)
    if source.size and not np.isfinite(source).all():
        raise ValueError(
            "deskew_images got images containing NaN or infinity; replace them (e.g. "
            "numpy.nan_to_num) first."
        )
    # The moments sum squares of pixel values times coordinates: values beyond this overflow
    # the computation (1e300 gave inf) long before any image is that bright.
    limit = float(np.sqrt(np.finfo(dtype).max)) / max(1, images.shape[1] * images.shape[2]) ** 2
    largest = float(np.abs(source).max()) if source.size else 0.0
    if largest > limit:
        raise ValueError(
            f"deskew_images got pixel values up to {largest:.3g}; values beyond {limit:.3g} "
            f"overflow {dtype.name} in the image moments. Scale the images (pixels are 0-255 "
            "or 0-1)."
        )
    out = np.empty(images.shape, dtype=dtype)
    # Imported here: numba takes 0.2 s to import, which only a deskewing needs to pay.
    from ._deskew_kernel import _deskew_kernel

    def process(start, stop):
        _deskew_kernel(source[start:stop], out[start:stop])

    run_chunks(process, len(images), chunk_size, n_jobs)
    return out


class Deskewer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Deskew images in a pipeline: flat rows (or images) in, flat deskewed rows out.

    A stateless step over :func:`deskew_images`; put it before
    :class:`~mnistkit.feature_extraction.HOGTransformer` or a pixel model. The output keeps the
    input's pixel scale and layout, so any step that took the pixels takes the deskewed ones.

    Parameters
    ----------
    image_shape : (int, int), default=None
        ``(height, width)`` when X holds flat rows; ``None`` infers square images.
    dtype : {"float32", "float64"}, default="float32"
        Output dtype.
    n_jobs : int, default=None
        Threads; ``-1`` means all cores.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels per image seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.
    image_shape_ : tuple of int
        ``(height, width)`` of the images seen during ``fit``.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from mnistkit.datasets import load_mnist
    >>> from mnistkit.feature_extraction import HOGTransformer
    >>> from mnistkit.preprocessing import Deskewer
    >>> X, y = load_mnist(subset="test", return_X_y=True)
    >>> Deskewer().fit_transform(X[:3]).shape
    (3, 784)
    >>> make_pipeline(Deskewer(), HOGTransformer()).fit_transform(X[:3]).shape
    (3, 1296)
    """

    _parameter_constraints: dict = {
        "image_shape": [None, tuple, list],
        "dtype": [StrOptions({"float32", "float64"})],
        "n_jobs": [None, Integral],
    }

    def __init__(self, *, image_shape=None, dtype="float32", n_jobs=None):
        self.image_shape = image_shape
        self.dtype = dtype
        self.n_jobs = n_jobs

    def _images(self, X, *, reset):
        images = validate_images(self, X, reset=reset, image_shape=self.image_shape)
        record_image_shape(self, images.shape[1:], reset=reset)
        return images

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the image shape; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, height, width[, 1])
            Images as flat rows or as arrays.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        self._images(X, reset=True)
        return self

    def transform(self, X):
        """Deskew each image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, height, width[, 1])
            Images as flat rows or as arrays.

        Returns
        -------
        X_deskewed : ndarray of shape (n_samples, n_pixels)
            Flat deskewed rows, in :attr:`dtype`.
        """
        check_is_fitted(self, "image_shape_")
        images = self._images(X, reset=False)
        deskewed = deskew_images(images, dtype=np.dtype(self.dtype), n_jobs=self.n_jobs)
        return deskewed.reshape(len(deskewed), -1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = [self.dtype]
        tags.input_tags.three_d_array = True  # image batches (n, height, width)
        return tags
