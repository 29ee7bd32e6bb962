"""The one place mnistkit imports scikit-learn's private helpers.

``_fit_context`` and the parameter-validation classes are private in scikit-learn and have moved
between releases; importing them here alone (as imbalanced-learn's ``utils/_sklearn_compat.py``
does) means a move is fixed in one line. The ``oldest`` tox environment proves the supported range
(scikit-learn 1.6 onwards).
"""

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import HasMethods, Options, StrOptions, validate_params
from sklearn.utils._param_validation import Interval as _Interval


class Interval(_Interval):
    """scikit-learn's ``Interval``, except that ``True`` and ``False`` are not numbers.

    ``bool`` is an ``int`` in Python, so scikit-learn's own ``Interval(Integral, 1, None)``
    takes ``True`` as 1: ``validation_size=True`` would mean one image. A boolean is never a
    size, a count or a fraction in mnistkit; parameters that take one say ``"boolean"``.
    """

    def is_satisfied_by(self, val):
        if isinstance(val, bool | np.bool_):
            return False
        return super().is_satisfied_by(val)


__all__ = [
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_fit_context",
    "validate_params",
]
