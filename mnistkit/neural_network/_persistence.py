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
#: Fitted state saved under an earlier name, read under today's.
_RENAMED_STATE = {"_schedule_epochs": "schedule_epochs_"}


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
        items = _decode(value["__ndarray__"])
        return np.asarray(items, dtype=_checked_dtype(value.get("dtype"), items))
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


def _checked_dtype(name, items):
    """The dtype a saved array declares, refused where it is not one :func:`_encode` writes or
    where it is wider than its items (``"<U50000000"`` would take gigabytes for one label)."""
    if not isinstance(name, str) or len(name) > 16:
        raise ValueError(f"dtype {name!r} is not a NumPy dtype name")
    dtype = np.dtype(name)
    if dtype.kind not in "biufUSO":
        raise ValueError(f"dtype {name!r} is not one of a label or number array")
    if dtype.kind in "US":
        longest = max(
            (len(str(item)) for item in np.ravel(np.asarray(items, dtype=object))), default=0
        )
        width = dtype.itemsize // (4 if dtype.kind == "U" else 1)
        if width > max(longest, 1):
            raise ValueError(
                f"dtype {name!r} declares strings of {width:,} characters, but the longest "
                f"item has {longest:,}"
            )
    elif dtype.itemsize > 16:
        raise ValueError(f"dtype {name!r} is wider than any number type")
    return dtype


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
    _check_custom_objects(custom_objects)
    state = _read_state(path)
    _check_state(state, cls, path)
    keras = import_keras()

    def keras_object(config):
        try:
            return keras.saving.deserialize_keras_object(
                config, custom_objects=custom_objects, safe_mode=safe_mode
            )
        except (TypeError, ValueError) as exc:
            if "Could not locate" not in str(exc) and "Unknown" not in str(exc):
                raise
            name = config.get("class_name") if isinstance(config, dict) else None
            name = name if isinstance(name, str) and name.isidentifier() else "MyLoss"
            raise _UnknownClass(
                f"{path}: its parameters name the class {name!r} (a loss, metric or "
                "optimizer of your own), which Keras does not know. Pass it: "
                f"{cls.__name__}.load(path, custom_objects={{{name!r}: {name}}}) (or "
                "register it with keras.saving.register_keras_serializable)."
            ) from None

    try:
        decoded_params = _decode(state["params"], keras_object)
        fitted = _decode(state["fitted"])
    except _UnknownClass as exc:
        raise ValueError(str(exc)) from None
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        reason = "values nested too deep" if isinstance(exc, RecursionError) else exc
        raise ValueError(f"{path}: the saved estimator state is malformed ({reason}).") from None
    for old, new in _RENAMED_STATE.items():
        if isinstance(fitted, dict) and old in fitted:
            fitted.setdefault(new, fitted.pop(old))
    _check_fitted(fitted, cls, path)
    # A parameter added since the file was written takes the value its network had then,
    # not today's default: it was fitted and predicts without what the parameter adds.
    for name, before in getattr(cls, "_parameters_before_added", {}).items():
        decoded_params.setdefault(name, before)
    estimator = cls(**decoded_params)
    if params:
        estimator.set_params(**params)
    for name, value in fitted.items():
        setattr(estimator, name, value)
    _check_network_sizes(path)
    try:
        estimator.model_ = keras.saving.load_model(
            path, custom_objects=custom_objects, safe_mode=safe_mode
        )
    except (TypeError, ValueError) as exc:
        text = str(exc)
        if "safe_mode" in text and "lambda" in text.lower():
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
        first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
        raise ValueError(
            f"{path}: Keras cannot rebuild the saved network ({first[:200]}). "
            "keras.saving.load_model fails on it too; one cause is a layer whose state lives "
            "outside the file, such as a StringLookup or TextVectorization vocabulary given as "
            "a file path: build the network with the vocabulary as a list, and save it again."
        ) from exc
    _check_outputs(estimator, path, keras)
    return estimator


#: The config.json keys that size a layer's weights (Dense, Conv, Embedding, ...).
_SIZE_KEYS = ("units", "filters", "output_dim")


def _layer_sizes(config, found=None):
    """``(layer name, key, value)`` for every sizing key of every layer in a Keras config."""
    found = [] if found is None else found
    if isinstance(config, dict):
        inner = config.get("config")
        if isinstance(inner, dict) and "class_name" in config:
            for key in _SIZE_KEYS:
                if key in inner:
                    found.append((inner.get("name", config["class_name"]), key, inner[key]))
        for value in config.values():
            _layer_sizes(value, found)
    elif isinstance(config, list):
        for value in config:
            _layer_sizes(value, found)
    return found


def _check_network_sizes(path):
    """Refuse a network whose config declares layer sizes its weights file does not hold,
    before Keras allocates them: a hidden layer edited from 8 to 400,000 units would cost
    gigabytes before Keras finds the weights do not fit, and then dump them in its message.

    Every sizing value (units, filters) must be a dimension of some stored weight array.
    """
    import h5py

    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("config.json")
            if info.file_size > MAX_STATE_BYTES:
                raise ValueError(f"its config.json declares {info.file_size:,} bytes")
            config = json.loads(archive.read(info))
            with archive.open("model.weights.h5") as raw:
                weights = io.BytesIO(raw.read())
    except KeyError as exc:
        raise ValueError(f"{path}: the Keras file lacks {exc.args[0]}; it is damaged.") from None
    except RecursionError:
        raise ValueError(f"{path}: its config.json nests values too deep.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: its network is unreadable ({exc}).") from None
    dimensions = set()
    try:
        with h5py.File(weights, "r") as h5:
            h5.visititems(
                lambda _, item: (
                    dimensions.update(item.shape or ()) if isinstance(item, h5py.Dataset) else None
                )
            )
    except OSError as exc:
        raise ValueError(f"{path}: its model.weights.h5 is not readable ({exc}).") from None
    for name, key, value in _layer_sizes(config):
        if not _count(value, 1) or value not in dimensions:
            raise ValueError(
                f"{path}: config.json gives layer {str(name)[:60]!r} {key}={str(value)[:20]}, "
                "but model.weights.h5 holds no weights of that size; the file was edited or "
                "damaged. Save the estimator again."
            )


class _UnknownClass(ValueError):
    """A saved Keras object whose class was not passed in ``custom_objects``."""


def _check_custom_objects(custom_objects):
    """``custom_objects`` as Keras takes it: a dict of names to classes or functions."""
    if custom_objects is None:
        return
    if not isinstance(custom_objects, dict) or not all(
        isinstance(name, str) for name in custom_objects
    ):
        example = ", ".join(
            f"{item!r}: {item}" if isinstance(item, str) else f"{item.__name__!r}: {item.__name__}"
            for item in (custom_objects if isinstance(custom_objects, list | tuple) else [])
            if isinstance(item, str) or hasattr(item, "__name__")
        )
        raise TypeError(
            "custom_objects must be a dict from each class's saved name to the class, as "
            f"keras.saving.load_model takes it: {{{example or repr('Scale') + ': Scale'}}}; got "
            f"{type(custom_objects).__name__} {custom_objects!r}."
        )


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
    except RecursionError:
        raise ValueError(
            f"{path}: its {ENTRY} nests values deeper than Python can read; an estimator's "
            "state is a few levels deep, so the file was edited or damaged."
        ) from None
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
    bad = sorted(name for name in fitted if not _FITTED_NAME.match(name) or hasattr(cls, name))
    if bad:
        raise ValueError(
            f"{path}: the saved state sets {bad}, which are not fitted attributes of "
            f"{cls.__name__} (public names ending in '_'); the file was edited or damaged."
        )
    classes = fitted.get("classes_")
    if not isinstance(classes, np.ndarray) or classes.ndim != 1 or len(classes) < 2:
        raise ValueError(f"{path}: the saved state has no classes_ of at least two labels.")
    for name, value in fitted.items():
        check, what = _FITTED_TYPES.get(name, (None, None))
        if check is not None and not check(value):
            shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
            raise ValueError(
                f"{path}: the saved {name} is {shown}, not {what}; the file was edited or "
                "damaged. Save the estimator again."
            )


def _count(value, least=0):
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _shape(value):
    return isinstance(value, tuple) and all(_count(side, 1) for side in value)


def _numbers(values):
    return isinstance(values, list) and all(
        isinstance(v, int | float) and not isinstance(v, bool) for v in values
    )


# What each fitted attribute of the Keras base may hold (a class's own attributes are checked
# by its methods); a value of another kind would fail later, far from the file.
_FITTED_TYPES = {
    "multilabel_": (lambda v: isinstance(v, bool), "true or false"),
    "input_scaled_": (lambda v: isinstance(v, bool), "true or false"),
    "input_max_": (
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < float("inf"),
        "a positive number",
    ),
    "n_features_in_": (lambda v: _count(v, 1), "a positive whole number"),
    "n_iter_": (_count, "a whole number"),
    "n_parameters_": (_count, "a whole number"),
    "precision_": (
        lambda v: v in ("float32", "mixed_bfloat16", "bfloat16", "float16", "mixed_float16"),
        "a Keras precision name",
    ),
    "history_": (
        lambda v: isinstance(v, dict) and all(_numbers(x) for x in v.values()),
        "a table of per-epoch numbers",
    ),
    "parameter_counts_": (
        lambda v: isinstance(v, dict) and all(_count(x) for x in v.values()),
        "a table of whole numbers",
    ),
    "input_shape_": (_shape, "a shape (a tuple of positive whole numbers)"),
    "image_shape_": (lambda v: v is None or _shape(v), "an image shape or null"),
}


def _check_outputs(estimator, path, keras):
    """The network's output units must be the classes' (one sigmoid unit for two), and its
    last activation what ``multilabel_`` says: a sigmoid per label, else a softmax over the
    classes (or one sigmoid unit for two)."""
    from ._trained import last_activation

    n_classes = len(estimator.classes_)
    expected = 1 if n_classes == 2 else n_classes
    units = estimator.model_.outputs[0].shape[-1]
    if units not in (expected, n_classes):
        raise ValueError(
            f"{path}: the saved state names {n_classes} classes but the network has {units} "
            "outputs; the file was edited or damaged. Save the estimator again."
        )
    activation = last_activation(keras, estimator.model_)
    if estimator.multilabel_:
        consistent = activation in (None, "sigmoid") and units == n_classes
    else:
        consistent = activation in (None, "softmax") if units > 1 else activation != "softmax"
    if not consistent:
        scores = (
            "scores one class per sample" if estimator.multilabel_ else "scores labels one by one"
        )
        raise ValueError(
            f"{path}: the saved state says multilabel_={estimator.multilabel_} but the network "
            f"ends in a {activation!r} activation over {units} unit(s), which {scores}; the "
            "file was edited or damaged. Save the estimator again."
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
