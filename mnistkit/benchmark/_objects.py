"""The benchmark from Python: estimator objects and arrays through the same runner.

:func:`compare` takes the models as objects (estimators, Pipelines, GridSearchCV) and the data
as arrays, and runs them exactly as a suite file runs: each entry in its own process, with the
time limit, the fingerprints, the records and the report. The objects and arrays reach the child
processes through files mnistkit writes into the results folder's ``inputs/`` (a pickle per
model, named in the entry with its SHA-256, and the arrays as ``data.npz`` in the layout
``dataset = "file"`` reads), so a model changed since the last run is stale and runs again, and
an unchanged one is current.
"""

import hashlib
import io
import math
import pickle
from pathlib import Path

import numpy as np

from ..utils._files import atomic_write, check_file_name

__all__ = ["compare", "unpickled"]

INPUTS = "inputs"


def unpickled(path, sha256):
    """The estimator pickled at ``path`` by :func:`compare`, after checking its SHA-256 (a file
    replaced since is refused rather than run)."""
    data = Path(path).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise ValueError(
            f"{path} is not the model compare() wrote (its SHA-256 differs); run compare() again."
        )
    return pickle.loads(data)  # written by this user's own compare() call


def _pickled(name, model):
    from sklearn.base import clone

    if not (hasattr(model, "fit") and hasattr(model, "predict")):
        raise TypeError(
            f"models[{name!r}] is a {type(model).__name__}, not a classifier (it needs fit and "
            "predict): pass an estimator such as LogisticRegression() or a Pipeline."
        )
    try:
        unfitted = clone(model)
    except Exception as exc:  # any estimator's own clone failure
        raise TypeError(f"models[{name!r}] cannot be cloned by scikit-learn ({exc}).") from None
    # cloudpickle (joblib's own dependency, which joblib's workers use for the same reason)
    # pickles what a notebook or a script defines (classes in __main__, functions, lambdas) by
    # value: plain pickle would write a reference the entry's own process cannot resolve.
    import cloudpickle

    try:
        return cloudpickle.dumps(unfitted, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # pickling runs the objects' own __reduce__: anything can fail
        raise TypeError(
            f"models[{name!r}] ({type(model).__name__}) cannot be pickled ({exc}), and each "
            "entry runs in its own process, which receives it pickled. Keep open files, locks "
            "and connections out of the estimator, or write a suite file that names it by "
            "import path (estimator = 'module:Class')."
        ) from None


def _write_if_changed(path, data):
    """Write ``data`` unless the file already holds exactly it (its time stays as it was)."""
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    atomic_write(path, data)


def _arrays(data):
    if not isinstance(data, tuple | list) or len(data) != 4:
        raise TypeError(
            "data must be (X_train, y_train, X_test, y_test): four arrays; got "
            f"{type(data).__name__}"
            + (f" of {len(data)}" if isinstance(data, tuple | list) else "")
            + ". For MNIST: data = load_mnist(return_X_y=True, subset='train') + "
            "load_mnist(return_X_y=True, subset='test')."
        )
    names = ("X_train", "y_train", "X_test", "y_test")
    arrays = {name: np.asarray(value) for name, value in zip(names, data, strict=True)}
    for name in ("X_train", "X_test"):
        arrays[name] = _as_images(arrays[name], name)
    for part in ("train", "test"):
        X, y = arrays[f"X_{part}"], arrays[f"y_{part}"]
        if len(X) != len(y):
            raise ValueError(f"X_{part} has {len(X)} samples but y_{part} has {len(y)} labels.")
    buffer = io.BytesIO()
    # The layout of Keras's data sets, which dataset = "file" reads (load_labelled_images).
    np.savez(
        buffer,
        x_train=arrays["X_train"],
        y_train=arrays["y_train"],
        x_test=arrays["X_test"],
        y_test=arrays["y_test"],
    )
    return buffer.getvalue()


def _as_images(X, name):
    """Flat rows as the square images (grayscale, or 3 channels) that ``dataset = "file"``
    reads; images as they are."""
    from ..utils._images import infer_image_shape

    if X.ndim != 2:
        return X
    try:
        return X.reshape(len(X), *infer_image_shape(X.shape[1], owner=name))
    except ValueError:
        pass
    if X.shape[1] % 3 == 0:
        side = math.isqrt(X.shape[1] // 3)
        if side * side * 3 == X.shape[1]:
            return X.reshape(len(X), side, side, 3)
    raise ValueError(
        f"{name} has rows of {X.shape[1]} values, which are not square images (grayscale or "
        "3 channels); pass the images themselves, (n_samples, height, width[, channels])."
    )


def _toml_string(text):
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def compare(
    models,
    data,
    *,
    out,
    name="compare",
    repeats=1,
    time_limit=600.0,
    n_jobs=1,
    report=True,
    progress=False,
):
    """Run estimator objects on arrays through the benchmark runner; return their results.

    Each model is an entry: it runs in its own process under the time limit, is recorded with
    its fingerprint and scored as a suite's classifier entries are. Running again into the same
    ``out`` reruns only the models that changed (their parameters, or the data).

    Parameters
    ----------
    models : dict of str to estimator
        Entry id (letters, digits, ``.``, ``_``, ``-``) to an unfitted classifier: an estimator,
        a Pipeline, a GridSearchCV. Each is cloned and pickled to reach its process.
    data : tuple (X_train, y_train, X_test, y_test)
        The arrays: flat rows or images, labels of any kind.
    out : path-like
        The results folder (its ``inputs/`` holds the pickled models and the arrays).
    name : str, default="compare"
        The suite's name in the report.
    repeats : int, default=1
        Seeds per model.
    time_limit : float, default=600
        Seconds each run may take.
    n_jobs : int, default=1
        Runs at once.
    report : bool, default=True
        Write the report into ``out/report``.
    progress : bool, default=False
        Show a progress bar.

    Returns
    -------
    results : pandas.DataFrame
        :func:`~mnistkit.benchmark.load_results` of ``out``: one row per model and repeat.

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.naive_bayes import GaussianNB
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from mnistkit.benchmark import compare
    >>> from mnistkit.datasets import load_mnist
    >>> X, y = load_mnist(subset="test", return_X_y=True)

    Each model runs in a process of its own (tests/benchmark/test_compare.py runs this):

    >>> frame = compare(  # doctest: +SKIP
    ...     {"nb": GaussianNB(), "tree": DecisionTreeClassifier(max_depth=5)},
    ...     (X[:600], y[:600], X[600:800], y[600:800]),
    ...     out=tempfile.mkdtemp(), report=False,
    ... )
    >>> frame[["id", "status"]].values.tolist()  # doctest: +SKIP
    [['nb', 'ok'], ['tree', 'ok']]
    """
    from ._results import load_results
    from ._runner import check_results_folder, run_suite

    if not isinstance(models, dict) or not models:
        raise TypeError(
            "models must be a dict of entry ids to estimators, e.g. {'tree': "
            f"DecisionTreeClassifier()}}; got {type(models).__name__}."
        )
    for entry_id in models:
        check_file_name(entry_id, "a model's id")
    pickles = {entry_id: _pickled(entry_id, model) for entry_id, model in models.items()}
    arrays = _arrays(data)
    out = check_results_folder(out)
    inputs = out / INPUTS
    inputs.mkdir(parents=True, exist_ok=True)
    _write_if_changed(inputs / "data.npz", arrays)
    lines = [
        f"name = {_toml_string(name)}",
        'description = "Models given to compare() as objects, on arrays."',
        "[defaults]",
        'dataset = "file"',
        'path = "data.npz"',
        f"repeats = {int(repeats)}",
        f"time_limit = {float(time_limit)}",
    ]
    for entry_id, data_bytes in pickles.items():
        target = inputs / f"{entry_id}.pkl"
        _write_if_changed(target, data_bytes)
        digest = hashlib.sha256(data_bytes).hexdigest()
        shown = repr(models[entry_id]).replace("\n", " ")
        lines += [
            "[[entries]]",
            f"id = {_toml_string(entry_id)}",
            f"description = {_toml_string(shown if len(shown) <= 300 else shown[:297] + '...')}",
            'estimator = "mnistkit.benchmark._objects:unpickled"',
            f"params = {{ path = {_toml_string(target)}, sha256 = {_toml_string(digest)} }}",
        ]
    suite_path = inputs / "suite.toml"
    _write_if_changed(suite_path, ("\n".join(lines) + "\n").encode())
    run_suite(suite_path, out, n_jobs=n_jobs, progress=progress)
    if report:
        from ._report import write_report

        write_report(out)
    return load_results(out)
