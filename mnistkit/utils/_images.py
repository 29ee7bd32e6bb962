"""Turning flat pixel rows or image arrays into a batch of images, with clear errors."""

import math

import numpy as np

__all__ = [
    "as_image_batch",
    "check_image_batch",
    "choose_image_shape",
    "flatten_images",
    "infer_image_shape",
    "validate_images",
]


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


def validate_images(estimator, X, *, reset, image_shape=None, max_channels=1, default_channels=1):
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
    max_channels : int, default=1
        The most channels an image may have (1: grayscale only).
    default_channels : int, default=1
        The channels of flat rows whose shape is given nowhere: square images of this many
        channels are inferred (3: 3072 values are 32 x 32 x 3).

    Returns
    -------
    images : ndarray of shape (n_samples, height, width[, channels])
    """
    from sklearn.utils.validation import validate_data

    from ._validation import check_numeric_array

    name = type(estimator).__name__
    X, shape_from_array = flatten_images(X, max_channels=max_channels, owner=name)
    X = validate_data(
        estimator, check_numeric_array(X), reset=reset, dtype="numeric", ensure_min_features=1
    )
    shape = choose_image_shape(
        shape_from_array, image_shape, getattr(estimator, "image_shape_", None), reset=reset
    )
    if shape is None and default_channels > 1 and X.shape[1] % default_channels == 0:
        side = math.isqrt(X.shape[1] // default_channels)
        if side * side * default_channels == X.shape[1]:
            shape = (side, side, default_channels)
    return as_image_batch(X, shape, max_channels=max_channels, owner=name)


def record_image_shape(estimator, shape, *, reset, hint=""):
    """Record ``shape`` as ``estimator.image_shape_`` on ``reset``; afterwards refuse images
    of another shape, where both are known (``None``: flat rows, no shape). (28, 28) and
    (14, 56) hold the same 784 pixels, but not the same pictures. The shared check of
    :class:`~mnistkit.preprocessing.Deskewer`, ``KerasMLP`` and ``KerasCNN``; ``hint`` ends the
    error."""
    shape = None if shape is None else tuple(int(side) for side in shape)
    if reset:
        estimator.image_shape_ = shape
    elif shape is not None and getattr(estimator, "image_shape_", None) not in (None, shape):
        raise ValueError(
            f"{type(estimator).__name__} was fitted on images of shape "
            f"{estimator.image_shape_}; got {shape}. Pass images of the fitted shape{hint}."
        )
    return shape


GRAYSCALE_FIX = "Convert colour images to grayscale first (e.g. skimage.color.rgb2gray)."


def check_image_batch(
    images, *, owner, name="images", two_d="one image", colour=False, empty=True, fix=GRAYSCALE_FIX
):
    """The one check of "is this a batch of images, and of what shape" for functions that take
    images (the HOG and deskewing kernels, the plots).

    Parameters
    ----------
    images : array-like
        What the caller was given.
    owner : str
        The caller, named in the errors (``"hog_features"``).
    name : str, default="images"
        The caller's argument, named in the errors.
    two_d : {"one image", "rows", "refuse"}, default="one image"
        What a 2-d array is taken for: one image, refused with the fix (``images[np.newaxis]``);
        flat square rows ``(n_images, n_pixels)``, accepted and reshaped to squares; or
        neither, refused like any other shape.
    colour : bool, default=False
        Accept colour images ``(n_images, height, width, 3 or 4)``.
    empty : bool, default=True
        Accept a batch of no images.
    fix : str, default=GRAYSCALE_FIX
        The advice for a grayscale batch of any other shape.

    Returns
    -------
    images : ndarray of shape (n_images, height, width) or (n_images, height, width, channels)
        A trailing channel axis of 1 is dropped.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistkit.utils import check_image_batch
    >>> check_image_batch(np.zeros((2, 28, 28, 1)), owner="my_function").shape
    (2, 28, 28)
    >>> check_image_batch(np.zeros((2, 784)), owner="my_function", two_d="rows").shape
    (2, 28, 28)
    """
    images = np.asarray(images)
    if images.ndim == 2 and two_d == "rows":
        height, width = infer_image_shape(images.shape[1], owner=owner)
        images = images.reshape(len(images), height, width)
    elif images.ndim == 2 and two_d == "one image":
        raise ValueError(
            f"{owner} expects a batch of {name} (n_images, height, width); got one 2-d array of "
            f"shape {images.shape}. Use {name}[np.newaxis] for a single image."
        )
    if images.ndim == 4 and images.shape[3] == 1:
        images = images[..., 0]
    rows = " or flat square rows (n_images, n_pixels)" if two_d == "rows" else ""
    if colour and not (images.ndim == 3 or (images.ndim == 4 and images.shape[3] in (3, 4))):
        raise ValueError(
            f"{name} must be images of shape (n_images, height, width[, channels]){rows}; got "
            f"an array of shape {images.shape}."
        )
    if not colour and images.ndim != 3:
        raise ValueError(
            f"{owner} expects grayscale {name} of shape (n_images, height, width){rows}; got "
            f"shape {images.shape}. {fix}"
        )
    if images.dtype.kind not in "uifb":
        raise ValueError(f"{owner} expects numeric {name}; got dtype {images.dtype}.")
    if not empty and len(images) == 0:
        raise ValueError(f"{name} is empty: {owner} has nothing to draw.")
    return images


def choose_image_shape(shape_from_array, image_shape, fitted_shape, *, reset):
    """The image shape of flat rows: the array's own (images given as arrays), else the
    ``image_shape`` parameter, else the shape seen at fit (after fit), else ``None`` (a square
    is inferred)."""
    if shape_from_array is not None:
        return shape_from_array
    if image_shape is not None:
        return tuple(image_shape)
    if not reset:
        return fitted_shape
    return None
