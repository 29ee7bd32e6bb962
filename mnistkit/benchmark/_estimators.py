"""A user's own model in a suite entry: an estimator or a Keras build function by import path.

An entry names its model in one of three ways:

- ``model = "pca-svc-rbf"``: one of mnistkit's baselines
  (:func:`~mnistkit.baselines.list_baselines`);
- ``estimator = "package.module:attribute"``: a scikit-learn estimator class, or a function
  returning an estimator, called with the entry's ``params``;
- ``network = "package.module:build"``: a function returning a Keras network, trained through
  :class:`~mnistkit.neural_network.KerasClassifier` (``params``: its ``model__<argument>``
  and training parameters).

``features`` puts one of mnistkit's named feature steps (``hog``, ``pca``, ...) before the
user's model, so "HOG, then my classifier" is one entry. The folder holding the suite file is
searched first for the module (a ``mymodels.py`` beside the suite works, as ``conftest.py`` does
for pytest), then the installed packages.

Import paths in the ``module:attribute`` form are what entry points and ``pytest -p`` use; they
are resolved with :mod:`importlib` here rather than through ``pkgutil.resolve_name`` because
every way that fails must say which part failed and what would fix it (the module not found and
where it was looked for, an attribute with its closest names), which ``resolve_name`` does not.

Everything a run's result depends on is recorded in its fingerprint (:func:`code_identity`):
the import path, the estimator's parameters after construction (``get_params(deep=True)``) and
the version of the package that defines it (or a hash of the module's source, for a module
beside the suite), so that upgrading the package or editing the module marks the result stale.
"""

import contextlib
import difflib
import functools
import hashlib
import importlib
import inspect
import re
import sys
from importlib import metadata
from pathlib import Path

from ._fields import SuiteError

__all__ = [
    "FEATURE_STEPS",
    "build_user_model",
    "code_identity",
    "import_object",
]

_IMPORT_PATH = re.compile(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*:[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*$")


def _deskewed_hog():
    from ..feature_extraction import HOGTransformer
    from ..preprocessing import Deskewer

    return [Deskewer(n_jobs=-1), HOGTransformer(n_jobs=-1)]


def _colour_hog():
    from ..feature_extraction import HOGTransformer

    return [HOGTransformer(channel_axis=-1, n_jobs=-1)]


def _feature_steps():
    """Named feature steps an entry can put before its own model: the baselines' features and
    deskewed HOG. Each value is ``(description, factory of a list of fresh steps)``."""
    from ..baselines import FEATURES

    return {
        **FEATURES,
        "deskewed-hog": ("images deskewed, then HOG as in 'hog'", _deskewed_hog),
        "colour-hog": (
            "HOG of colour images (each pixel's gradient from its strongest channel)",
            _colour_hog,
        ),
    }


#: The names ``features`` accepts (``pixels``, ``standardized``, ``pca``, ``hog``,
#: ``deskewed-hog``).
FEATURE_STEPS = ("pixels", "standardized", "pca", "hog", "deskewed-hog", "colour-hog")


@contextlib.contextmanager
def _searching(folder):
    """``folder`` first on the import path while the block runs (nothing when ``None``)."""
    if not folder:
        yield
        return
    folder = str(folder)
    sys.path.insert(0, folder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.path.remove(folder)


def _forget_other_copies(module_name, folder):
    """Drop an imported module of the same name from another folder, when ``folder`` has its
    own: two suites in two folders each with a ``mymodels.py`` get their own."""
    if not folder:
        return
    top = module_name.split(".")[0]
    own = [Path(folder, f"{top}.py"), Path(folder, top, "__init__.py")]
    if not any(path.is_file() for path in own):
        return
    loaded = getattr(sys.modules.get(top), "__file__", None)
    if loaded is None or Path(loaded).resolve() in {path.resolve() for path in own}:
        return
    for name in [name for name in sys.modules if name == top or name.startswith(f"{top}.")]:
        del sys.modules[name]


def import_object(path, search_folder=None, *, key="estimator"):
    """The object an import path ``"package.module:attribute"`` names.

    Parameters
    ----------
    path : str
        ``module:attribute``; the attribute may be dotted (``module:Class.factory``).
    search_folder : path-like, default=None
        Searched before the installed packages (the suite file's folder).
    key : str, default="estimator"
        The suite key that gave the path, for messages.

    Returns
    -------
    object

    Raises
    ------
    SuiteError
        Naming what is wrong: the form of the path, a module that does not import (and where
        it was looked for), or an attribute that does not exist (with the closest names).

    Examples
    --------
    >>> from mnistkit.benchmark._estimators import import_object
    >>> import_object("sklearn.naive_bayes:GaussianNB").__name__
    'GaussianNB'
    >>> import_object("sklearn.naive_bayes:GausianNB")
    Traceback (most recent call last):
    ...
    mnistkit.benchmark._fields.SuiteError: ...has no attribute 'GausianNB'... 'GaussianNB'...
    """
    if not isinstance(path, str) or not _IMPORT_PATH.match(path):
        raise SuiteError(
            f"{key} {path!r} is not an import path: write 'package.module:attribute', e.g. "
            "'sklearn.ensemble:HistGradientBoostingClassifier' or 'mymodels:build' for a "
            "mymodels.py beside the suite file."
        )
    module_name, attribute = path.split(":")
    _forget_other_copies(module_name, search_folder)
    with _searching(search_folder):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            where = f"the suite's folder {search_folder} and " if search_folder else ""
            missing = exc.name or module_name
            hint = (
                f"install the package that provides it (pip install {missing.split('.')[0]})"
                if missing.split(".")[0] == module_name.split(".")[0]
                else f"the module itself imports {missing!r}, which is not installed"
            )
            raise SuiteError(
                f"{key} {path!r}: no module named {missing!r} in {where}the installed packages "
                f"(Python {sys.version.split()[0]}); {hint}, or put "
                f"{module_name.replace('.', '/')}.py beside the suite file."
            ) from None
        except Exception as exc:
            raise SuiteError(
                f"{key} {path!r}: importing module {module_name!r} failed: "
                f"{type(exc).__name__}: {exc}"
            ) from None
    value = module
    for part in attribute.split("."):
        if not hasattr(value, part):
            names = [name for name in dir(value) if not name.startswith("_")]
            close = difflib.get_close_matches(part, names, n=3)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise SuiteError(
                f"{key} {path!r}: {getattr(value, '__name__', module_name)!r} has no attribute "
                f"{part!r}.{hint}"
            )
        value = getattr(value, part)
    return value


def _is_estimator(value):
    return hasattr(value, "fit") and hasattr(value, "get_params") and hasattr(value, "set_params")


def _accepted_names(function):
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return None
    return [
        name
        for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    ]


def _bad_params_message(path, params, valid):
    wrong = sorted(set(params) - set(valid))
    described = ", ".join(
        f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
        for name in wrong
        for close in [difflib.get_close_matches(name, valid, n=1)]
    )
    return (
        f"params {described} are not parameters of {path}; its parameters are "
        f"{', '.join(sorted(valid)) or 'none'}."
    )


def _call_with_params(target, path, params):
    """``target(**params)`` for a class or a function, with a message naming a bad parameter."""
    accepted = _accepted_names(target)
    takes_any = accepted is not None and any(
        parameter.kind == parameter.VAR_KEYWORD
        for parameter in inspect.signature(target).parameters.values()
    )
    if isinstance(target, type) and _is_estimator(target):
        # A class: its own arguments now, nested step__param ones through set_params.
        own = {key: value for key, value in params.items() if "__" not in key}
        nested = {key: value for key, value in params.items() if "__" in key}
        if accepted is not None and not takes_any and set(own) - set(accepted):
            raise SuiteError(_bad_params_message(path, own, accepted))
        try:
            instance = target(**own)
        except TypeError as exc:
            raise SuiteError(f"{path}({', '.join(own)}) cannot be built: {exc}") from None
        if nested:
            try:
                instance.set_params(**nested)
            except ValueError as exc:
                raise SuiteError(f"params of {path}: {exc}") from None
        return instance
    if accepted is not None and not takes_any and set(params) - set(accepted):
        raise SuiteError(_bad_params_message(path, params, accepted))
    try:
        return target(**params)
    except TypeError as exc:
        raise SuiteError(f"{path}(**params) failed: {exc}") from None


def _network_classifier(build, path, params):
    from ..neural_network import KerasClassifier

    if not callable(build):
        raise SuiteError(
            f"network {path!r} is a {type(build).__name__}, not a function that builds a Keras "
            "network."
        )
    classifier = KerasClassifier(build)
    valid = sorted(classifier.get_params())
    try:
        return classifier.set_params(**params)
    except ValueError as exc:
        if any(key.startswith("model__") for key in params):
            raise SuiteError(f"params of network {path!r}: {exc}") from None
        raise SuiteError(_bad_params_message(f"KerasClassifier({path})", params, valid)) from None


def user_estimator(entry):
    """The unfitted estimator an entry's ``estimator`` or ``network`` names (no feature steps).

    Raises
    ------
    SuiteError
        For an import path that does not resolve, an object that is not an estimator (or a
        function that does not return one), and parameters it does not take.
    """
    if entry.network:
        build = import_object(entry.network, entry.search_path, key="network")
        return _network_classifier(build, entry.network, dict(entry.params))
    target = import_object(entry.estimator, entry.search_path)
    if not callable(target):
        raise SuiteError(
            f"estimator {entry.estimator!r} is a {type(target).__name__}, not an estimator class "
            "or a function returning an estimator."
        )
    if _is_estimator(target) and not isinstance(target, type):
        raise SuiteError(
            f"estimator {entry.estimator!r} is an estimator object, not a class or a function: "
            "name its class (and put its settings in params), or a function that returns it."
        )
    built = _call_with_params(target, entry.estimator, dict(entry.params))
    if not _is_estimator(built):
        raise SuiteError(
            f"estimator {entry.estimator!r} gave a {type(built).__name__}, which is not a "
            "scikit-learn estimator (it needs fit, get_params and set_params)."
        )
    return built


def build_user_model(entry):
    """The entry's feature steps, then its own estimator, as a :class:`~sklearn.pipeline.Pipeline`.

    The last step is named as :func:`~sklearn.pipeline.make_pipeline` names it (the class
    name in lower case), so grids and sweeps reach its parameters as ``name__param`` or, as
    with the baselines, by their bare name.
    """
    from sklearn.pipeline import make_pipeline

    steps = _feature_steps()[entry.features][1]() if entry.features else []
    return make_pipeline(*steps, user_estimator(entry))


def _defining_package(obj):
    """``(distribution, version)`` of the installed package that defines ``obj``, or
    ``(file name, source hash)`` for a module that no installed distribution provides."""
    module_name = getattr(obj, "__module__", None) or type(obj).__module__
    top = module_name.split(".")[0]
    distributions = _distributions().get(top)
    if distributions:
        name = distributions[0]
        with contextlib.suppress(metadata.PackageNotFoundError):
            return name, metadata.version(name)
    module = sys.modules.get(module_name)
    source = getattr(module, "__file__", None)
    if source and Path(source).is_file():
        return Path(source).name, "source " + hashlib.sha256(Path(source).read_bytes()).hexdigest()[
            :12
        ]
    return top, None


@functools.lru_cache(maxsize=1)
def _distributions():
    return metadata.packages_distributions()


def code_identity(entry):
    """What decides a user's model besides the suite's words (``None`` for a baseline).

    The import path, the package that defines the object and its version (or the source hash
    of a module beside the suite), and the built estimator's parameters.
    """
    from ._kinds._base import jsonable_params

    path = entry.network or entry.estimator
    if not path:
        return None
    target = import_object(path, entry.search_path, key="network" if entry.network else "estimator")
    package, version = _defining_package(target)
    return {
        "object": path,
        "package": package,
        "version": version,
        "params": jsonable_params(user_estimator(entry)),
    }


def identity_changes(recorded, now):
    """Why a recorded code identity differs from today's, in words (``[]``: it does not)."""
    if recorded == now:
        return []
    recorded, now = recorded or {}, now or {}
    if recorded.get("object") != now.get("object"):
        return [f"estimator changed: {recorded.get('object')} -> {now.get('object')}"]
    reasons = []
    if recorded.get("version") != now.get("version"):
        reasons.append(
            f"estimator changed: {now.get('package')} {recorded.get('version')} -> "
            f"{now.get('version')}"
        )
    old, new = recorded.get("params") or {}, now.get("params") or {}
    changed = sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))
    if changed:
        reasons.append(f"estimator changed: parameters {', '.join(changed[:5])}")
    return reasons or ["estimator changed"]
