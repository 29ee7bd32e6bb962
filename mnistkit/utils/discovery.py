"""Find mnistkit's public estimators, for the common tests and the documentation."""

import importlib
import inspect
import pkgutil

from sklearn.base import BaseEstimator

__all__ = ["all_estimators"]

# Subpackages whose import needs optional heavy dependencies are still walked: every runtime
# dependency is installed with mnistkit.
_SKIP_MODULES = ("mnistkit.tests", "mnistkit._cli", "mnistkit.__main__")


def all_estimators():
    """Return ``[(name, class)]`` for every public estimator class mnistkit exports.

    An estimator is public when its class is listed in the ``__all__`` of a public
    subpackage of mnistkit. Abstract classes are left out.

    Returns
    -------
    estimators : list of (str, type)
        Sorted by name.

    Examples
    --------
    >>> from mnistkit.utils.discovery import all_estimators
    >>> "HOGTransformer" in dict(all_estimators())
    True
    """
    import mnistkit

    found = {}
    for module_info in pkgutil.walk_packages(mnistkit.__path__, prefix="mnistkit."):
        name = module_info.name
        if name.startswith(_SKIP_MODULES) or any(part.startswith("_") for part in name.split(".")):
            continue
        module = importlib.import_module(name)
        for attribute in getattr(module, "__all__", []):
            obj = getattr(module, attribute)
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and not inspect.isabstract(obj)
                and obj.__module__.startswith("mnistkit.")
            ):
                found[obj.__name__] = obj
    return sorted(found.items())
