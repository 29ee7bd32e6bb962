"""HOGTransformer: the batch HOG kernel as a scikit-learn transformer."""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..utils._images import validate_images
from ..utils._sklearn_compat import Interval, Options, StrOptions, _fit_context
from ._hog import (
    BLOCK_NORMS,
    MAX_ORIENTATIONS,
    _check_parameters,
    _check_pixel_values,
    _hog_batch,
    hog_images,
    hog_output_shape,
)

__all__ = ["HOGTransformer"]


class HOGTransformer(TransformerMixin, BaseEstimator):
    """Histogram of Oriented Gradients features of images, for pipelines.

    A stateless transformer over :func:`~mnistkit.feature_extraction.hog_features`: each row of
    the output equals ``skimage.feature.hog(image, ..., feature_vector=True)`` for the
    corresponding image, computed in one compiled pass over the batch (tens to hundreds of
    times faster than looping over scikit-image; the feature-extraction guide gives the
    measured figures).

    The defaults suit 28x28 digits (4x4-pixel cells, 2x2-cell blocks: 1,296 features); the
    lab-report setting is ``orientations=8, pixels_per_cell=(4, 4), cells_per_block=(1, 1)``
    (392 features). scikit-image's own defaults are 9 / (8, 8) / (3, 3).

    Parameters
    ----------
    orientations : int, default=9
        Number of orientation bins over [0, 180) degrees, from 1 to 360.
    pixels_per_cell : (int, int), default=(4, 4)
        Size of a cell in pixels (rows, columns).
    cells_per_block : (int, int), default=(2, 2)
        Number of cells in each normalisation block.
    block_norm : {"L1", "L1-sqrt", "L2", "L2-Hys"}, default="L2-Hys"
        Block normalisation method.
    transform_sqrt : bool, default=False
        Apply power-law compression (square root of each pixel) first.
    image_shape : (int, int) or (int, int, int), default=None
        ``(height, width)`` of the images when X holds flat rows (``(height, width, channels)``
        for colour); one side may be -1 (inferred as in :func:`numpy.reshape`). ``None`` infers
        square images (784 values -> 28x28; with ``channel_axis=-1``, 3072 -> 32x32x3). Not
        needed for X of shape (n_samples, height, width[, channels]).
    channel_axis : {None, -1}, default=None
        ``-1``: colour images, channels last (CIFAR's 32x32x3); each pixel's gradient is that of
        the channel where it is largest, as ``skimage.feature.hog(..., channel_axis=-1)``.
        ``None``: grayscale.
    dtype : {"float32", "float64"}, default="float32"
        Output dtype.
    n_jobs : int, default=None
        Number of threads. ``None`` means 1 unless in a :obj:`joblib.parallel_config` context;
        ``-1`` means all cores.

    Attributes
    ----------
    n_features_in_ : int
        Number of pixels per image seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.
    image_shape_ : tuple of int
        ``(height, width)`` of the images seen during ``fit``.
    n_features_out_ : int
        Number of HOG features per image.

    See Also
    --------
    mnistkit.feature_extraction.hog_features : the kernel.
    mnistkit.feature_extraction.hog_images : HOG pictures for plots.

    Examples
    --------
    >>> from mnistkit.datasets import load_mnist
    >>> from mnistkit.feature_extraction import HOGTransformer
    >>> X, y = load_mnist(subset="test", return_X_y=True)
    >>> hog = HOGTransformer(orientations=8, cells_per_block=(1, 1))
    >>> features = hog.fit_transform(X[:500])
    >>> features.shape, features.dtype
    ((500, 392), dtype('float32'))

    In a pipeline with a classifier:

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.svm import LinearSVC
    >>> model = make_pipeline(HOGTransformer(), LinearSVC()).fit(X[:2000], y[:2000])
    >>> bool(model.score(X[2000:3000], y[2000:3000]) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        "orientations": [Interval(Integral, 1, MAX_ORIENTATIONS, closed="both")],
        "pixels_per_cell": [tuple, list, Interval(Integral, 1, None, closed="left")],
        "cells_per_block": [tuple, list, Interval(Integral, 1, None, closed="left")],
        "block_norm": [StrOptions(set(BLOCK_NORMS))],
        "transform_sqrt": ["boolean"],
        "image_shape": [None, tuple, list],
        "channel_axis": [None, Options(Integral, {-1})],
        "dtype": [StrOptions({"float32", "float64"}), type],
        "n_jobs": [None, Integral],
    }

    def __init__(
        self,
        orientations=9,
        *,
        pixels_per_cell=(4, 4),
        cells_per_block=(2, 2),
        block_norm="L2-Hys",
        transform_sqrt=False,
        image_shape=None,
        channel_axis=None,
        dtype="float32",
        n_jobs=None,
    ):
        self.orientations = orientations
        self.pixels_per_cell = pixels_per_cell
        self.cells_per_block = cells_per_block
        self.block_norm = block_norm
        self.transform_sqrt = transform_sqrt
        self.image_shape = image_shape
        self.channel_axis = channel_axis
        self.dtype = dtype
        self.n_jobs = n_jobs

    def _output_dtype(self):
        dtype = np.dtype(self.dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be 'float32' or 'float64'; got {self.dtype!r}.")
        return dtype

    def _validate_images(self, X, *, reset):
        """Validate X (flat rows or images) and return the batch of images."""
        name = type(self).__name__
        colour = self.channel_axis is not None
        try:
            images = validate_images(
                self,
                X,
                reset=reset,
                image_shape=self.image_shape,
                max_channels=4 if colour else 1,
                default_channels=3 if colour else 1,
            )
        except ValueError as exc:
            if colour or "at most 1 channel" not in str(exc):
                raise
            raise ValueError(f"{exc} Or compute colour HOG: {name}(channel_axis=-1).") from None
        if colour and images.ndim == 3:
            raise ValueError(
                f"{name}(channel_axis=-1) takes colour images (n_samples, height, width, "
                f"channels); got grayscale images of shape {images.shape[1:]}. Leave "
                "channel_axis=None for grayscale."
            )
        try:
            output_shape = hog_output_shape(
                images.shape[1:3],
                orientations=self.orientations,
                pixels_per_cell=self.pixels_per_cell,
                cells_per_block=self.cells_per_block,
            )
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
        if reset:
            self.image_shape_ = tuple(images.shape[1:])
            self.n_features_out_ = int(np.prod(output_shape))
        return images

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters against the images' shape; nothing is learned.

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
        self._output_dtype()
        self._validate_images(X, reset=True)
        return self

    def transform(self, X):
        """Compute the HOG features of each image.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, height, width[, 1])
            Images as flat rows or as arrays.

        Returns
        -------
        features : ndarray of shape (n_samples, n_features_out)
            HOG descriptors, in :attr:`dtype`.
        """
        dtype = self._output_dtype()
        if not hasattr(self, "image_shape_"):
            self._validate_params()
        images = self._validate_images(X, reset=False)  # the one validation of the batch
        _check_pixel_values(images, self.transform_sqrt, finite=False)  # finite: checked
        orientations, pixels_per_cell, cells_per_block = _check_parameters(
            self.orientations, self.pixels_per_cell, self.cells_per_block, self.block_norm
        )
        return _hog_batch(
            images,
            orientations,
            pixels_per_cell,
            cells_per_block,
            self.block_norm,
            self.transform_sqrt,
            dtype,
            n_jobs=self.n_jobs,
        )

    def visualize(self, X):
        """Return the HOG pictures of the images, for plots (see :func:`hog_images`).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_pixels) or (n_samples, height, width[, 1])
            Images as flat rows or as arrays.

        Returns
        -------
        pictures : ndarray of shape (n_samples, height, width)
            One HOG picture per image.
        """
        images = self._validate_images(X, reset=False)
        return hog_images(
            images,
            orientations=self.orientations,
            pixels_per_cell=self.pixels_per_cell,
            transform_sqrt=self.transform_sqrt,
            channel_axis=self.channel_axis,
            n_jobs=self.n_jobs,
        )

    def get_feature_names_out(self, input_features=None):
        """Names of the output features: ``hog_block{r}_{c}_cell{i}_{j}_orientation{k}``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Ignored apart from a length check against ``n_features_in_``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            One name per HOG feature, in output order.
        """
        check_is_fitted(self, "image_shape_")
        if input_features is not None and len(input_features) != self.n_features_in_:
            raise ValueError(
                f"input_features has {len(input_features)} names; expected {self.n_features_in_}."
            )
        shape = hog_output_shape(
            self.image_shape_[:2],
            orientations=self.orientations,
            pixels_per_cell=self.pixels_per_cell,
            cells_per_block=self.cells_per_block,
        )
        names = [
            f"hog_block{r}_{c}_cell{i}_{j}_orientation{k}" for r, c, i, j, k in np.ndindex(*shape)
        ]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.input_tags.three_d_array = True  # image batches (n, height, width)
        tags.transformer_tags.preserves_dtype = (
            [str(np.dtype(self.dtype))]
            if self.dtype in ("float32", "float64", np.float32, np.float64)
            else []
        )
        return tags
