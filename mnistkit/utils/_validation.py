"""Argument checks shared across subpackages, so that their errors read alike."""

from numbers import Integral

import numpy as np

__all__ = ["check_int_pair"]


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
