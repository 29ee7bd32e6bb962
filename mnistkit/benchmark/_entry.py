"""Running one benchmark entry: load its data, build and fit its model, measure everything."""

import json
import os
import platform
import resource
import sys
import time
import traceback
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np

from ..exceptions import DatasetNotFoundError

__all__ = ["DATA_MISSING", "environment", "load_entry_data", "run_entry"]

#: Status of an entry whose data set is not on this machine (e.g. image folders that are not
#: redistributable). Not an error of the model: the result says what to fetch and where.
DATA_MISSING = "data missing"

_PACKAGES = (
    "mnistkit",
    "numpy",
    "scipy",
    "scikit-learn",
    "scikit-image",
    "keras",
    "tensorflow",
    "umap-learn",
    "numba",
    "joblib",
)


def environment():
    """Library versions and the machine, as recorded with every result."""
    versions = {}
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    try:
        import psutil

        memory_gib = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # pragma: no cover - psutil is a dependency
        memory_gib = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "memory_gib": memory_gib,
        "versions": versions,
    }


def _peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_entry_data(entry):
    """Return (X_train, y_train, X_test, y_test, test_images, target_names) for an entry."""
    from ..datasets import load_fashion_mnist, load_image_folder, load_mnist

    if entry["dataset"] == "folder":
        root = Path(entry["path"]).expanduser()
        options = dict(
            image_size=tuple(entry["image_size"] or (128, 128)), color_mode=entry["color_mode"]
        )
        train = load_image_folder(root / "train", **options)
        test = load_image_folder(root / "test", **options)
        if list(train.target_names) != list(test.target_names):
            raise ValueError(
                f"{root}: train/ has classes {list(train.target_names)} but test/ has "
                f"{list(test.target_names)}."
            )
        names = train.target_names
        X_train, y_train = train.images, names[train.target]
        X_test, y_test, images = test.images, names[test.target], test.images
    else:
        loader = load_mnist if entry["dataset"] == "mnist" else load_fashion_mnist
        train = loader(subset="train")
        test = loader(subset="test")
        names = train.target_names
        X_train, y_train = train.data, train.target
        X_test, y_test, images = test.data, test.target, test.images
        if entry["split"] == "train/validation":
            # Train on the first 50k, evaluate on the last 10k of the training set.
            X_test, y_test, images = X_train[50_000:], y_train[50_000:], train.images[50_000:]
            X_train, y_train = X_train[:50_000], y_train[:50_000]
    if entry.get("classes"):
        keep_train, keep_test = (
            np.isin(y_train, entry["classes"]),
            np.isin(y_test, entry["classes"]),
        )
        X_train, y_train = X_train[keep_train], y_train[keep_train]
        X_test, y_test, images = X_test[keep_test], y_test[keep_test], images[keep_test]
    if entry["train_size"]:
        X_train, y_train = X_train[: entry["train_size"]], y_train[: entry["train_size"]]
    if entry["test_size"]:
        size = entry["test_size"]
        X_test, y_test, images = X_test[:size], y_test[:size], images[:size]
    return X_train, y_train, X_test, y_test, images, [str(name) for name in names]


def _jsonable_params(estimator):
    params = {}
    for key, value in estimator.get_params(deep=True).items():
        if hasattr(value, "get_params"):
            continue  # nested estimators appear through their own key__param entries
        params[key] = (
            value if isinstance(value, bool | int | float | str | type(None)) else repr(value)
        )
    return params


def _build_model(entry):
    from ..baselines import make_baseline

    model = make_baseline(entry["model"], **entry["params"])
    final = model.steps[-1][1]
    if "random_state" in final.get_params() and final.get_params()["random_state"] is None:
        model.set_params(**{f"{model.steps[-1][0]}__random_state": entry["random_state"]})
    if entry["split"] == "lab" and "validation_fraction" in final.get_params():
        # The lab convention: networks train on the first 50k and validate on the last 10k.
        fraction = final.get_params()["validation_fraction"]
        if fraction is None:
            model.set_params(**{f"{model.steps[-1][0]}__validation_fraction": 1 / 6})
    return model


def _fit_classifier(entry, model, X_train, y_train, result):
    from sklearn.model_selection import GridSearchCV

    if entry["grid"]:
        grid = {key: list(values) for key, values in entry["grid"].items()}
        search = GridSearchCV(model, grid, cv=entry["cv"], refit=True)
        start = time.perf_counter()
        search.fit(X_train, y_train)
        result["fit_seconds"] = time.perf_counter() - start
        result["best_params"] = {
            k: repr(v) if not isinstance(v, int | float | str) else v
            for k, v in search.best_params_.items()
        }
        result["cv_results"] = {
            "params": [repr(p) for p in search.cv_results_["params"]],
            "mean_test_score": search.cv_results_["mean_test_score"].tolist(),
        }
        return search.best_estimator_
    start = time.perf_counter()
    model.fit(X_train, y_train)
    result["fit_seconds"] = time.perf_counter() - start
    return model


def _run_classifier(entry, data, result, output):
    from ..metrics import evaluate_estimator

    X_train, y_train, X_test, y_test, _, names = data
    model = _fit_classifier(entry, _build_model(entry), X_train, y_train, result)
    labels = getattr(model, "classes_", None)
    target_names = None
    if (
        labels is not None
        and np.issubdtype(np.asarray(labels).dtype, np.integer)
        and len(names) == len(labels)
    ):
        target_names = [names[int(label)] for label in labels]
    evaluation = evaluate_estimator(
        model, X_test, y_test, target_names=target_names, pos_label=entry["pos_label"]
    )
    result["params"] = _jsonable_params(model)
    result["predict_seconds"] = evaluation.extras["predict_seconds"]
    result["metrics"] = evaluation.to_dict()
    final = model.steps[-1][1] if hasattr(model, "steps") else model
    history = getattr(final, "history_", None)
    if history:
        result["history"] = history
        result["train_accuracy"] = history["accuracy"][-1]
        if "val_accuracy" in history:
            result["validation_accuracy"] = history["val_accuracy"][-1]
    if hasattr(final, "n_parameters_"):
        result["n_parameters"] = final.n_parameters_
        result["parameter_counts"] = final.parameter_counts_
    steps = dict(getattr(model, "steps", []))
    if "hogtransformer" in steps:
        # What the lab reports timed: HOG features of every train and test image.
        start = time.perf_counter()
        steps["hogtransformer"].transform(X_train)
        steps["hogtransformer"].transform(X_test)
        result["hog_seconds"] = time.perf_counter() - start
    np.savez_compressed(output, y_true=np.asarray(y_test), y_pred=evaluation.y_pred)


def _training_clusters(model, X):
    """The features a fitted ``... -> ClusterClassifier`` pipeline clusters, and its clusters."""
    features = model[:-1].transform(X)
    return features, model[-1].clusterer_.predict(features)


def _run_clustering(entry, data, result):
    from ..metrics import clustering_scores

    X_train, y_train = data[0], data[1]
    model = _build_model(entry)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    result["fit_seconds"] = time.perf_counter() - start
    features, clusters = _training_clusters(model, X_train)
    result["metrics"] = clustering_scores(y_train, clusters, features)
    result["params"] = _jsonable_params(model)


def _run_pca(entry, data, result):
    from sklearn.decomposition import PCA

    from ..decomposition import n_components_for_variance

    X_train = data[0] / np.float32(255)
    start = time.perf_counter()
    pca = PCA(random_state=entry["random_state"]).fit(X_train)
    result["fit_seconds"] = time.perf_counter() - start
    cumulative = np.cumsum(pca.explained_variance_ratio_)
    k = entry["n_components"] or 200
    result["metrics"] = {
        "n_components": k,
        "explained_variance": float(cumulative[k - 1]),
        "components_for_90_percent": n_components_for_variance(pca, 0.9),
        "components_for_95_percent": n_components_for_variance(pca, 0.95),
    }


def _run_sweep(entry, data, result):
    from sklearn.base import clone

    X_train, y_train, X_test, y_test = data[:4]
    model = _build_model(entry)
    param, values = entry["sweep"]["param"], entry["sweep"]["values"]
    rows = []
    start = time.perf_counter()
    for value in values:
        fitted = clone(model).set_params(**{param: value}).fit(X_train, y_train)
        row = {
            "value": value,
            "train_accuracy": float(fitted.score(X_train, y_train)),
            "test_accuracy": float(fitted.score(X_test, y_test)),
        }
        if hasattr(fitted[-1], "clusterer_"):  # a clustering sweep: the clusters' own scores
            from sklearn.metrics import adjusted_rand_score, homogeneity_score

            clusters = _training_clusters(fitted, X_train)[1]
            row["homogeneity"] = float(homogeneity_score(y_train, clusters))
            row["adjusted_rand"] = float(adjusted_rand_score(y_train, clusters))
        rows.append(row)
    result["fit_seconds"] = time.perf_counter() - start
    best = max(rows, key=lambda row: row["test_accuracy"])
    result["metrics"] = {
        "sweep": rows,
        "param": param,
        "best_value": best["value"],
        "accuracy": best["test_accuracy"],
    }


def write_json_atomically(path, payload):
    """Write JSON through a temporary file and a rename: readers never see half a file."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.part")
    temporary.write_text(json.dumps(payload, indent=1, default=repr), encoding="utf-8")
    os.replace(temporary, path)


def run_entry(entry, results_dir):
    """Run one entry and write ``<results_dir>/entries/<id>.json`` (and predictions).

    Runs in its own process (see the runner): peak memory is this process's alone. Errors are
    recorded in the result rather than raised.
    """
    results_dir = Path(results_dir)
    entries_dir = results_dir / "entries"
    entries_dir.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    result = {
        "id": entry["id"],
        "entry": entry,
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "environment": environment(),
        "random_state": entry["random_state"],
    }
    baseline_mib = _peak_rss_mib()
    start = time.perf_counter()
    try:
        data = load_entry_data(entry)
        result["load_seconds"] = time.perf_counter() - start
        result["after_load_mib"] = _peak_rss_mib() - baseline_mib
        result["n_train"], result["n_test"] = len(data[1]), len(data[3])
        kind = entry["kind"]
        if kind == "classifier":
            predictions = entries_dir / f".{entry['id']}.predictions.npz"
            _run_classifier(entry, data, result, predictions)
            os.replace(predictions, entries_dir / f"{entry['id']}.predictions.npz")
        elif kind == "clustering":
            _run_clustering(entry, data, result)
        elif kind == "pca":
            _run_pca(entry, data, result)
        else:
            _run_sweep(entry, data, result)
        result["status"] = "ok"
    except DatasetNotFoundError as exc:  # not a failure of the model: say what to fetch
        result["status"] = DATA_MISSING
        result["error"] = str(exc) + (
            " (In a suite file, that folder is the entry's 'path'.)"
            if entry["dataset"] == "folder"
            else ""
        )
    except Exception as exc:  # recorded, and the suite goes on
        result["status"] = "failed"
        result["error"] = f"{type(exc).__name__}: {exc}"
        result["traceback"] = traceback.format_exc()
    result["seconds"] = time.perf_counter() - start
    result["peak_memory_mib"] = _peak_rss_mib()
    result["peak_growth_mib"] = _peak_rss_mib() - baseline_mib
    result["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    write_json_atomically(entries_dir / f"{entry['id']}.json", result)
    return result["status"]


if __name__ == "__main__":
    # python -m mnistkit.benchmark._entry ENTRY_JSON RESULTS_DIR: the runner's child process.
    sys.exit(0 if run_entry(json.loads(Path(sys.argv[1]).read_text()), sys.argv[2]) else 1)
