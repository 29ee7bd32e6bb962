"""Saving a fitted Keras classifier in Keras's own ``.keras`` format, without pickle.

A ``.keras`` file is a zip archive (``config.json``, ``metadata.json``, ``model.weights.h5``).
:func:`save_classifier` adds one entry, ``mnistkit.json``: the estimator's class, parameters and
fitted attributes. ``keras.saving.load_model`` ignores it, so the file still opens as a plain
Keras model; :func:`load_classifier` restores the whole estimator. Only JSON and the Keras file
are read back: nothing in the file is executed, unlike a pickle.
"""

import io
import json
import zipfile
from pathlib import Path

import numpy as np

from ..utils._files import atomic_write

__all__ = ["load_classifier", "save_classifier"]

ENTRY = "mnistkit.json"
FORMAT = 1


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
    raise TypeError(f"{type(value).__name__} cannot be saved")


def _decode(value):
    if isinstance(value, list):
        return [_decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "__ndarray__" in value:
        return np.asarray(_decode(value["__ndarray__"]), dtype=np.dtype(value["dtype"]))
    if "__tuple__" in value:
        return tuple(_decode(item) for item in value["__tuple__"])
    if "__dict__" in value:
        return {key: _decode(item) for key, item in value["__dict__"].items()}
    if "__pairs__" in value:
        return {_decode(key): _decode(item) for key, item in value["__pairs__"]}
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
    scratch = path.with_name(f".{path.stem}.saving.keras")
    try:
        estimator.model_.save(scratch)
        buffer.write(scratch.read_bytes())
    finally:
        scratch.unlink(missing_ok=True)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(ENTRY, json.dumps(state, indent=1))
    atomic_write(path, buffer.getvalue())
    return path


def load_classifier(cls, path, params=None):
    """Read a classifier written by :func:`save_classifier`; ``cls`` must match its class.

    ``params`` are set on the loaded estimator (the unsaved ``callbacks`` or ``model``).
    """
    from ._backend import import_keras

    path = _check_path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist.")
    try:
        with zipfile.ZipFile(path) as archive:
            state = json.loads(archive.read(ENTRY))
    except KeyError:
        raise ValueError(
            f"{path} is a Keras file without mnistkit's estimator state (it was not written by "
            "save()); open the bare network with keras.saving.load_model."
        ) from None
    except zipfile.BadZipFile:
        raise ValueError(f"{path} is not a .keras file (not a zip archive).") from None
    if state.get("format") != FORMAT:
        raise ValueError(
            f"{path} has format {state.get('format')!r}; this mnistkit reads {FORMAT}."
        )
    if state["class"] != cls.__name__:
        raise ValueError(
            f"{path} holds a {state['class']}, not a {cls.__name__}; load it with "
            f"{state['class']}.load()."
        )
    estimator = cls(**_decode(state["params"]))
    if params:
        estimator.set_params(**params)
    for name, value in _decode(state["fitted"]).items():
        setattr(estimator, name, value)
    keras = import_keras()
    estimator.model_ = keras.saving.load_model(path)
    return estimator
