"""Saving a fitted Keras classifier in Keras's own ``.keras`` format, without pickle.

A ``.keras`` file is a zip archive (``config.json``, ``metadata.json``, ``model.weights.h5``).
:func:`save_classifier` adds one entry, ``mnistkit.json``: the estimator's class, parameters and
fitted attributes. ``keras.saving.load_model`` ignores it, so the file still opens as a plain
Keras model; :func:`load_classifier` restores the whole estimator. Only JSON and the Keras file
are read back: nothing in the file is executed, unlike a pickle.
"""

import io
import json
import pickle
import re
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..utils._files import atomic_write, check_not_a_link

__all__ = ["PickledNetwork", "load_classifier", "save_classifier"]

ENTRY = "mnistkit.json"
FORMAT = 1
#: The most bytes of estimator state read from a file (the state of a fitted MNIST network,
#: its history and its classes, is a few kilobytes); a larger entry is refused unread.
MAX_STATE_BYTES = 16 * 2**20
# A fitted attribute's name: public, ending in one underscore (classes_, history_); never a
# method, a dunder or a private name, which setattr would turn into behaviour.
_FITTED_NAME = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]_$")
_PRIVATE_STATE = ("_schedule_epochs",)


def _encode(value):
    """JSON for parameters and fitted attributes: arrays and tuples keep their type."""
    if isinstance(value, np.ndarray):
        kind = "object" if value.dtype == object else value.dtype.str
        return {"__ndarray__": [_encode(item) for item in value.tolist()], "dtype": kind}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item) for item in value]}
    if isinstance(value, list):
        return [_encode(item) for item in value]
    if isinstance(value, dict):
        if all(isinstance(key, str) for key in value):
            return {"__dict__": {key: _encode(item) for key, item in value.items()}}
        return {"__pairs__": [[_encode(key), _encode(item)] for key, item in value.items()]}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "get_config"):  # a Keras optimizer, loss or metric given as a parameter
        from ._backend import import_keras

        return {"__keras__": import_keras().saving.serialize_keras_object(value)}
    raise TypeError(f"{type(value).__name__} cannot be saved")


def _decode(value, keras_object=None):
    """The value :func:`_encode` wrote; ``keras_object`` rebuilds a serialized Keras object
    (``None``: such an entry is refused)."""
    if isinstance(value, list):
        return [_decode(item, keras_object) for item in value]
    if not isinstance(value, dict):
        return value
    if "__keras__" in value:
        if keras_object is None:
            raise ValueError("a Keras object where none can be")
        return keras_object(value["__keras__"])
    if "__ndarray__" in value:
        return np.asarray(_decode(value["__ndarray__"]), dtype=np.dtype(value["dtype"]))
    if "__tuple__" in value:
        return tuple(_decode(item, keras_object) for item in value["__tuple__"])
    if "__dict__" in value:
        return {key: _decode(item, keras_object) for key, item in value["__dict__"].items()}
    if "__pairs__" in value:
        return {
            _decode(key, keras_object): _decode(item, keras_object)
            for key, item in value["__pairs__"]
        }
    raise ValueError(f"unknown entry {sorted(value)}")


def _check_path(path):
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(
            f"{path.name!r}: a saved classifier is a Keras file and its name must end in "
            f"'.keras' (Keras requires it); use {path.with_suffix('.keras').name!r}."
        )
    return path


def save_classifier(estimator, path):
    """Write a fitted classifier to ``path`` (a ``.keras`` file), atomically."""
    path = _check_path(path)
    params = estimator.get_params(deep=False)
    unsaved = []
    for code in ("callbacks", "model"):
        # Code, not data (callbacks, a build function or network to clone): pass them again
        # to load() to train anew. The trained network itself is saved.
        if params.get(code):
            unsaved.append(code)
            params[code] = None
    if not (params.get("random_state") is None or isinstance(params["random_state"], int)):
        unsaved.append("random_state")
        params["random_state"] = None
    fitted = {
        name: value
        for name, value in vars(estimator).items()
        if name.endswith("_") and not name.startswith("_") and name != "model_"
    }
    fitted["_schedule_epochs"] = getattr(estimator, "_schedule_epochs", None)
    try:
        state = {
            "format": FORMAT,
            "class": type(estimator).__name__,
            "params": _encode(params),
            "fitted": _encode(fitted),
            "not_saved": unsaved,
        }
    except TypeError as exc:
        raise TypeError(f"{type(estimator).__name__}.save: {exc}; use pickle for it.") from None
    buffer = io.BytesIO()
    path.parent.mkdir(parents=True, exist_ok=True)  # as write_idx and the benchmark do
    check_not_a_link(path)
    # Keras writes the network to a file name; it gets a folder of its own, created
    # exclusively (mkdtemp) with a name no user file can have, and only that folder is removed.
    with tempfile.TemporaryDirectory(prefix=f".{path.stem}.saving-", dir=path.parent) as folder:
        scratch = Path(folder, "network.keras")
        estimator.model_.save(scratch)
        buffer.write(scratch.read_bytes())
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(ENTRY, json.dumps(state, indent=1))
    atomic_write(path, buffer.getvalue())
    return path


def load_classifier(cls, path, params=None, *, custom_objects=None, safe_mode=True):
    """Read a classifier written by :func:`save_classifier`; ``cls`` must match its class.

    ``params`` are set on the loaded estimator (the unsaved ``callbacks`` or ``model``);
    ``custom_objects`` and ``safe_mode`` are Keras's, for the network and for optimizer, loss
    and metric parameters that are Keras objects.
    """
    from ._backend import import_keras

    path = _check_path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist.")
    state = _read_state(path)
    _check_state(state, cls, path)
    keras = import_keras()

    def keras_object(config):
        return keras.saving.deserialize_keras_object(
            config, custom_objects=custom_objects, safe_mode=safe_mode
        )

    try:
        decoded_params = _decode(state["params"], keras_object)
        fitted = _decode(state["fitted"])
    except (ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{path}: the saved estimator state is malformed ({exc}).") from None
    _check_fitted(fitted, cls, path)
    estimator = cls(**decoded_params)
    if params:
        estimator.set_params(**params)
    for name, value in fitted.items():
        setattr(estimator, name, value)
    try:
        estimator.model_ = keras.saving.load_model(
            path, custom_objects=custom_objects, safe_mode=safe_mode
        )
    except (TypeError, ValueError) as exc:
        text = str(exc)
        if "safe_mode" in text or "Lambda" in text:
            raise ValueError(
                f"{path}: the network holds code (a Lambda layer) that Keras refuses to load "
                "in safe mode, since loading it runs that code. If you trust the file, load "
                f"it with {cls.__name__}.load(path, safe_mode=False)."
            ) from exc
        if "Unknown" in text or "custom_objects" in text or "Could not locate" in text:
            raise ValueError(
                f"{path}: the network uses a layer, loss or metric class Keras does not know "
                f"({text.splitlines()[0]}). Pass it: {cls.__name__}.load(path, "
                "custom_objects={'MyLayer': MyLayer}) (or register it with "
                "keras.saving.register_keras_serializable)."
            ) from exc
        raise
    _check_outputs(estimator, path)
    return estimator


def _read_state(path):
    """The JSON state of ``path``, read with a bound (a zip entry can inflate to gigabytes)."""
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(ENTRY)
            except KeyError:
                raise ValueError(
                    f"{path} is a Keras file without mnistkit's estimator state (it was not "
                    "written by save()); open the bare network with keras.saving.load_model."
                ) from None
            if info.file_size > MAX_STATE_BYTES:
                raise ValueError(
                    f"{path}: its {ENTRY} declares {info.file_size:,} bytes, more than the "
                    f"{MAX_STATE_BYTES:,} an estimator's state can need; the file is not one "
                    "that save() wrote."
                )
            with archive.open(info) as entry:
                text = entry.read(MAX_STATE_BYTES + 1)  # the declared size may lie
    except zipfile.BadZipFile:
        raise ValueError(f"{path} is not a .keras file (not a zip archive).") from None
    if len(text) > MAX_STATE_BYTES:
        raise ValueError(f"{path}: its {ENTRY} is larger than {MAX_STATE_BYTES:,} bytes.")
    try:
        state = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(
            f"{path}: its {ENTRY} is not valid JSON ({exc}); the file is damaged. Save the "
            "estimator again."
        ) from None
    if not isinstance(state, dict):
        raise ValueError(f"{path}: its {ENTRY} is not an estimator's state (a JSON object).")
    return state


def _check_state(state, cls, path):
    """The saved state's format, class and parameters, checked before anything is set."""
    if state.get("format") != FORMAT:
        raise ValueError(
            f"{path} has format {state.get('format')!r}; this mnistkit reads {FORMAT}."
        )
    saved_class = state.get("class")
    if saved_class != cls.__name__:
        raise ValueError(
            f"{path} holds a {saved_class}, not a {cls.__name__}; load it with "
            f"{saved_class}.load()."
            if isinstance(saved_class, str) and saved_class.isidentifier()
            else f"{path}: its saved class {saved_class!r} is not a class name."
        )
    params, fitted = state.get("params"), state.get("fitted")
    for name, value in (("params", params), ("fitted", fitted)):
        if not (isinstance(value, dict) and isinstance(value.get("__dict__"), dict)):
            raise ValueError(f"{path}: the saved {name} are not a table of names.")
    unknown = sorted(set(params["__dict__"]) - set(cls._get_param_names()))
    if unknown:
        raise ValueError(
            f"{path}: the saved parameters {unknown} are not parameters of {cls.__name__} "
            f"({', '.join(cls._get_param_names())}); the file was written by another version "
            "or edited."
        )


def _check_fitted(fitted, cls, path):
    bad = sorted(
        name
        for name in fitted
        if name not in _PRIVATE_STATE and (not _FITTED_NAME.match(name) or hasattr(cls, name))
    )
    if bad:
        raise ValueError(
            f"{path}: the saved state sets {bad}, which are not fitted attributes of "
            f"{cls.__name__} (public names ending in '_'); the file was edited or damaged."
        )
    classes = fitted.get("classes_")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) < 2:
        raise ValueError(f"{path}: the saved state has no classes_ of at least two labels.")


def _check_outputs(estimator, path):
    """The network's output units must be the classes' (one sigmoid unit for two)."""
    n_classes = len(estimator.classes_)
    expected = 1 if n_classes == 2 else n_classes
    units = estimator.model_.outputs[0].shape[-1]
    if units not in (expected, n_classes):
        raise ValueError(
            f"{path}: the saved state names {n_classes} classes but the network has {units} "
            "outputs; the file was edited or damaged. Save the estimator again."
        )


def _unpickle_network(data):
    """The network of a pickled classifier; without Keras, an ImportError naming the extra
    (``pip install "mnistkit[keras]"``) instead of pickle's bare ``No module named 'keras'``."""
    from ._backend import import_keras

    import_keras()
    return pickle.loads(data)


class PickledNetwork:
    """Stands for a trained network inside a classifier's pickle: it unpickles through
    :func:`_unpickle_network`, so that Keras is imported by mnistkit, with its install hint."""

    def __init__(self, network):
        self.network = network

    def __reduce__(self):
        return _unpickle_network, (pickle.dumps(self.network),)
