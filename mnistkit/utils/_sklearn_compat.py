"""The one place mnistkit imports scikit-learn's private helpers.

``_fit_context`` and the parameter-validation classes are private in scikit-learn and have moved
between releases; importing them here alone (as imbalanced-learn's ``utils/_sklearn_compat.py``
does) means a move is fixed in one line. The ``oldest`` tox environment proves the supported range
(scikit-learn 1.6 onwards).
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)

__all__ = ["HasMethods", "Interval", "StrOptions", "_fit_context", "validate_params"]
