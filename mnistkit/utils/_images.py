"""Turning flat pixel rows or image arrays into a batch of images, with clear errors."""

import math

import numpy as np

__all__ = ["as_image_batch", "flatten_images", "infer_image_shape", "validate_images"]


def infer_image_shape(n_features, image_shape=None, *, owner="the estimator"):
    """Return ``(height, width)`` for flat rows of ``n_features`` pixels.

    Parameters
    ----------
    n_features : int
        Number of values per row.
    image_shape : (int, int), default=None
        Explicit shape; one side may be -1, inferred as in :func:`numpy.reshape`. ``None``
        infers a square image.
    owner : str, default="the estimator"
        Name used in error messages.

    Returns
    -------
    shape : tuple of int
        ``(height, width)``.

    Examples
    --------
    >>> from mnistkit.utils import infer_image_shape
    >>> infer_image_shape(784)
    (28, 28)
    >>> infer_image_shape(784, (14, -1))
    (14, 56)
    """
    if image_shape is not None:
        height, width = (int(side) for side in image_shape)
        if height == -1 and width > 0 and n_features % width == 0:
            height = n_features // width
        elif width == -1 and height > 0 and n_features % height == 0:
            width = n_features // height
        if height < 1 or width < 1 or height * width != n_features:
            raise ValueError(
                f"{owner} got image_shape={tuple(image_shape)} ({height * width} pixels) but the "
                f"rows of X have {n_features} values. Pass the image_shape of your images."
            )
        return height, width
    side = math.isqrt(n_features)
    if side * side != n_features:
        raise ValueError(
            f"{owner} received flat rows of {n_features} values, which is not a square number of "
            "pixels, so the image shape cannot be inferred. Pass image_shape=(height, width) or "
            "images of shape (n_samples, height, width)."
        )
    return side, side


def as_image_batch(X, image_shape=None, *, max_channels=1, owner="the estimator"):
    """Split a validated 2-d array of flat rows back into images.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Flat rows, already validated.
    image_shape : tuple of int, default=None
        ``(height, width)`` or ``(height, width, channels)``; ``None`` infers square
        single-channel images.
    max_channels : int, default=1
        Largest number of channels accepted.
    owner : str, default="the estimator"
        Name used in error messages.

    Returns
    -------
    images : ndarray of shape (n_samples, height, width) or (n_samples, height, width, channels)
        A view of ``X``; single-channel images have no channel axis.
    """
    if image_shape is not None and len(image_shape) == 3:
        channels = int(image_shape[2])
        if channels > max_channels:
            raise ValueError(
                f"{owner} accepts images with at most {max_channels} channel(s); image_shape "
                f"{tuple(image_shape)} has {channels}. Convert colour images to grayscale first "
                "(e.g. skimage.color.rgb2gray)."
            )
        if X.shape[1] % channels:
            raise ValueError(
                f"{owner} got image_shape={tuple(image_shape)} but the rows of X have "
                f"{X.shape[1]} values."
            )
        height, width = infer_image_shape(X.shape[1] // channels, image_shape[:2], owner=owner)
        if channels > 1:
            return X.reshape(len(X), height, width, channels)
        return X.reshape(len(X), height, width)
    height, width = infer_image_shape(X.shape[1], image_shape, owner=owner)
    return X.reshape(len(X), height, width)


def flatten_images(X, *, max_channels=1, owner="the estimator"):
    """Return ``(flat_rows, image_shape)`` for an array of flat rows or of images.

    Accepts ``(n, h*w)`` (image_shape None), ``(n, h, w)`` and ``(n, h, w, c)`` with
    ``c <= max_channels`` (a single channel axis is dropped). Other inputs pass through unchanged
    for scikit-learn's validation to report.
    """
    if not hasattr(X, "ndim") or X.ndim <= 2:
        return X, None
    if X.ndim == 4:
        channels = X.shape[3]
        if channels > max_channels:
            raise ValueError(
                f"{owner} accepts images with at most {max_channels} channel(s); got an array of "
                f"shape {X.shape}, i.e. {channels} channels. Convert colour images to grayscale "
                "first (e.g. skimage.color.rgb2gray)."
            )
        shape = X.shape[1:] if channels > 1 else X.shape[1:3]
        return np.reshape(X, (X.shape[0], -1)), tuple(int(side) for side in shape)
    if X.ndim == 3:
        return np.reshape(X, (X.shape[0], -1)), (int(X.shape[1]), int(X.shape[2]))
    raise ValueError(
        f"{owner} expects flat rows (n_samples, n_pixels) or images (n_samples, height, width"
        f"[, channels]); got an array of shape {X.shape}."
    )


def validate_images(estimator, X, *, reset, image_shape=None):
    """Validate flat rows or images for an image transformer and return the batch of images.

    The shared input step of :class:`~mnistkit.feature_extraction.HOGTransformer` and
    :class:`~mnistkit.preprocessing.Deskewer`: image arrays give their own shape; flat rows use
    ``image_shape``, else the shape seen at fit, else a square. scikit-learn's
    ``validate_data`` checks values and the feature count (and records ``n_features_in_`` on
    ``reset``).

    Parameters
    ----------
    estimator : estimator
        The transformer (for ``validate_data`` and error messages).
    X : array-like of shape (n_samples, n_pixels) or (n_samples, height, width[, 1])
        Images as flat rows or as arrays.
    reset : bool
        True in ``fit``.
    image_shape : (int, int), default=None
        The estimator's ``image_shape`` parameter.

    Returns
    -------
    images : ndarray of shape (n_samples, height, width)
    """
    from sklearn.utils.validation import validate_data

    from ._validation import check_numeric_array

    name = type(estimator).__name__
    X, shape_from_array = flatten_images(X, owner=name)
    X = validate_data(
        estimator, check_numeric_array(X), reset=reset, dtype="numeric", ensure_min_features=1
    )
    if shape_from_array is not None:
        shape = shape_from_array
    elif image_shape is not None:
        shape = image_shape
    elif not reset:
        shape = getattr(estimator, "image_shape_", None)
    else:
        shape = None
    return as_image_batch(X, shape, owner=name)
