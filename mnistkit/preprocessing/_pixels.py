"""Pixel scaling as a pipeline step."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import validate_data

from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ..utils._validation import check_fits_float_dtype, check_numeric_array

__all__ = ["PixelScaler"]


class PixelScaler(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Divide pixels by a fixed maximum (255 for 8-bit images), keeping float32.

    Unlike :class:`~sklearn.preprocessing.MinMaxScaler`, which learns each pixel's own range and
    so stretches the near-empty border pixels of MNIST, this applies the same known scale to
    every pixel, as the lab notebooks' ``X / 255`` does.

    Parameters
    ----------
    max_value : float, default=255.0
        The value mapped to 1.
    dtype : {"float32", "float64"}, default="float32"
        Output dtype.

    Attributes
    ----------
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``, when X has string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistkit.preprocessing import PixelScaler
    >>> PixelScaler().fit_transform(np.array([[0, 51, 255]], dtype=np.uint8))
    array([[0. , 0.2, 1. ]], dtype=float32)
    """

    _parameter_constraints: dict = {
        "max_value": [Interval(Real, 0, None, closed="neither")],
        "dtype": [StrOptions({"float32", "float64"})],
    }

    def __init__(self, max_value=255.0, *, dtype="float32"):
        self.max_value = max_value
        self.dtype = dtype

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the number of features; nothing is learned.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Pixels.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The transformer.
        """
        validate_data(self, check_numeric_array(X), dtype="numeric")
        return self

    def transform(self, X):
        """Scale the pixels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Pixels.

        Returns
        -------
        X_scaled : ndarray of shape (n_samples, n_features)
            ``X / max_value`` in ``dtype``.
        """
        X = validate_data(self, check_numeric_array(X), reset=False, dtype="numeric")
        dtype = np.dtype(self.dtype)
        check_fits_float_dtype(X, dtype)
        return np.multiply(X, dtype.type(1.0 / self.max_value), dtype=dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.transformer_tags.preserves_dtype = [self.dtype]
        return tags
