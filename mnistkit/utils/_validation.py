"""Argument checks shared across subpackages, so that their errors read alike."""

from numbers import Integral

import numpy as np

__all__ = [
    "check_distances_fit",
    "check_fits_float_dtype",
    "check_int_pair",
    "check_numeric_array",
    "sorted_labels",
]


def check_int_pair(value, name, *, axes="rows, columns"):
    """``(int, int)`` from a positive int or a pair of positive ints; a ``ValueError`` naming
    ``name`` otherwise (HOG cells and blocks, CNN kernels and pools, image sizes).

    Examples
    --------
    >>> from mnistkit.utils._validation import check_int_pair
    >>> check_int_pair(4, "pixels_per_cell"), check_int_pair([2, 3], "kernel_size")
    ((4, 4), (2, 3))
    """

    def positive(side):
        return isinstance(side, Integral | np.integer) and not isinstance(side, bool) and side >= 1

    if positive(value):
        return int(value), int(value)
    if (
        isinstance(value, tuple | list | np.ndarray)
        and len(value) == 2
        and all(map(positive, value))
    ):
        return int(value[0]), int(value[1])
    raise ValueError(
        f"{name} must be a positive int or a pair of positive ints ({axes}); got {value!r}."
    )


def check_numeric_array(X, name="X"):
    """Refuse arrays of text or of objects that are not numbers, naming ``name``.

    scikit-learn's ``validate_data`` reports these with NumPy's own words ("could not convert
    string to float: ''"); this says which argument and what to do. Object arrays of numbers
    pass (scikit-learn's estimator checks require it); anything that is not an ndarray is left
    to ``validate_data``.
    """
    if not isinstance(X, np.ndarray) or X.dtype.kind not in "OUSV":
        return X
    error, reason = ValueError, ""
    if X.dtype.kind == "O":
        try:
            X.astype(np.float64)
            return X
        except (TypeError, ValueError) as exc:
            # Keep NumPy's exception type and words (scikit-learn's checks look for them).
            error, reason = type(exc), f" ({exc})"
    example = next(iter(X.flat), None) if X.size else None
    raise error(
        f"{name} must hold numbers (pixel values or features); got an array of dtype {X.dtype}"
        + (f" holding {example!r}" if X.size else "")
        + f"{reason}. Convert it to a numeric dtype first (e.g. X.astype(np.float32))."
    )


def check_fits_float_dtype(X, dtype, name="X"):
    """Refuse values that would become inf when ``X`` is cast to the float ``dtype``.

    1e300 in float64 silently turns into inf in float32, and every prediction after it is
    garbage with only a NumPy RuntimeWarning. NaN and inf themselves are ``validate_data``'s
    business; this checks only the finite values that do not fit.
    """
    dtype = np.dtype(dtype)
    if X.dtype.kind != "f" or not X.size or X.dtype.itemsize <= dtype.itemsize:
        return X
    largest = float(np.max(np.abs(X)))
    limit = float(np.finfo(dtype).max)
    if largest > limit:
        raise ValueError(
            f"{name} has values up to {largest:.3g}, which do not fit in {dtype.name} (computed "
            f"in {dtype.name}, up to {limit:.3g}): they would become inf. Scale the inputs "
            "(pixels are 0-255 or 0-1)."
        )
    return X


def check_distances_fit(X, name="X"):
    """Refuse values whose squared distances overflow ``X``'s float dtype (k-means, mixtures).

    scikit-learn's KMeans and GaussianMixture sum squares of the features; beyond
    ``sqrt(max / n_features) / 2`` they overflow to inf and the clustering is garbage with only
    a NumPy RuntimeWarning.
    """
    if X.dtype.kind != "f" or not X.size:
        return X
    limit = float(np.sqrt(np.finfo(X.dtype).max / max(1, X.shape[1]))) / 2
    largest = float(np.max(np.abs(X)))
    if largest > limit:
        raise ValueError(
            f"{name} has values up to {largest:.3g}; squared distances between samples overflow "
            f"{X.dtype.name} beyond {limit:.3g} for {X.shape[1]} features. Scale the features "
            "(pixels are 0-255 or 0-1)."
        )
    return X


def sorted_labels(values, name="y"):
    """The distinct labels of ``values``, sorted; a ``TypeError`` naming ``name`` when they
    cannot be ordered (ints mixed with strings: NumPy says only "'<' not supported").

    Examples
    --------
    >>> from mnistkit.utils._validation import sorted_labels
    >>> sorted_labels([3, 1, 3]).tolist()
    [1, 3]
    """
    try:
        return np.unique(values)
    except TypeError:
        kinds = sorted({type(value).__name__ for value in np.asarray(values, dtype=object).ravel()})
        raise TypeError(
            f"{name} mixes labels of types {', '.join(kinds)}, which cannot be ordered; use "
            "labels of one type (convert them, e.g. with .astype(str))."
        ) from None


def labels_of_fit(estimator, y):
    """The classes a fitted classifier knows (``classes_``), to evaluate it on ``y`` with, or
    ``None`` when it has none or ``y`` holds labels it never saw (the evaluation then uses the
    labels it finds, so those samples still count)."""
    labels = getattr(estimator, "classes_", None)
    if labels is not None and not np.isin(np.asarray(y), labels).all():
        return None
    return labels
