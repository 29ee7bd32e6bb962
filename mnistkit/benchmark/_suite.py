"""Benchmark suites: TOML files listing (dataset, model, evaluation) entries.

A suite file::

    name = "quick"
    description = "A handful of models on MNIST"

    [defaults]            # merged into every entry
    dataset = "mnist"
    split = "train/test"
    time_limit = 900

    [[entries]]
    id = "pca-svc-rbf"
    model = "pca-svc-rbf"                     # a name from mnistkit.baselines.list_baselines()
    params = { svc__C = 10 }                  # overrides, as make_baseline takes them
    grid = { svc__C = [1, 10] }               # optional: GridSearchCV on the training split
    cv = 3
    reported = { test_accuracy = 0.987 }      # optional: a published figure to compare with
    reported_note = "PCA(50) + RBF SVC, 60k/10k"  # what the figure's source says
    reported_finding = "rbf beats linear"   # or a finding in words, set beside our figures

Kinds: ``classifier`` (fit on the training split, evaluate on the test split), ``clustering``
(scores of the training clustering), ``pca`` (explained variance) and ``sweep`` (train and test
accuracy for each value of one parameter, ``sweep = { param = "...", values = [...] }``).
Splits: ``train/test`` (60k/10k), ``lab`` (as train/test, with networks validating on the last
10k of the 60k) and ``train/validation`` (first 50k / last 10k). ``classes = [0, 1]`` keeps only
those digits; ``train_size``/``test_size`` keep the first n samples.
"""

import difflib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Entry", "Suite", "find_suite", "load_suite"]

KINDS = ("classifier", "clustering", "pca", "sweep")
SPLITS = ("train/test", "lab", "train/validation")
DATASETS = ("mnist", "fashion-mnist", "folder")
REPORTED_KEYS = (
    "test_accuracy",
    "validation_accuracy",
    "train_accuracy",
    "test_loss",
    "f1",
    "n_parameters",
    "homogeneity",
    "adjusted_rand",
    "silhouette",
    "cluster_accuracy",
    "explained_variance",
    "best_value",
    "hog_seconds",
)
_ENTRY_KEYS = {
    "id",
    "model",
    "params",
    "dataset",
    "path",
    "split",
    "train_size",
    "test_size",
    "image_size",
    "color_mode",
    "grid",
    "cv",
    "kind",
    "sweep",
    "reported",
    "reported_note",
    "reported_finding",
    "description",
    "time_limit",
    "random_state",
    "pos_label",
    "n_components",
    "classes",
}
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class Entry:
    """One (dataset, model, evaluation) entry of a suite; see the module docstring."""

    id: str
    model: str = ""
    params: dict = field(default_factory=dict)
    dataset: str = "mnist"
    path: str | None = None
    split: str = "train/test"
    train_size: int | None = None
    test_size: int | None = None
    image_size: list | None = None
    color_mode: str = "grayscale"
    grid: dict | None = None
    cv: int = 3
    kind: str = "classifier"
    sweep: dict | None = None
    reported: dict = field(default_factory=dict)
    reported_note: str = ""
    reported_finding: str = ""
    description: str = ""
    time_limit: float = 1800.0
    random_state: int = 0
    pos_label: object = None
    n_components: int | None = None
    classes: list | None = None

    def to_dict(self):
        """The entry as a plain dict (what a result records)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class Suite:
    """A named list of entries, from a TOML file."""

    name: str
    description: str
    entries: list
    path: Path | None = None


def _fail(path, message):
    raise ValueError(f"{path}: {message}")


def _check_entry(raw, path, index):
    where = f"entry {index + 1}" + (f" ({raw['id']!r})" if "id" in raw else "")
    unknown = set(raw) - _ENTRY_KEYS
    if unknown:
        hints = {key: difflib.get_close_matches(key, _ENTRY_KEYS, n=1) for key in sorted(unknown)}
        described = ", ".join(
            f"{key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            for key, hint in hints.items()
        )
        _fail(path, f"{where} has unknown keys {described}.")
    if "id" not in raw or not isinstance(raw["id"], str) or not _ID.match(raw["id"]):
        _fail(path, f"{where} needs an 'id' of letters, digits, '.', '_' or '-'.")
    entry = Entry(**raw)
    if entry.kind not in KINDS:
        _fail(path, f"{where}: kind must be one of {KINDS}; got {entry.kind!r}.")
    if entry.dataset not in DATASETS:
        _fail(path, f"{where}: dataset must be one of {DATASETS}; got {entry.dataset!r}.")
    if entry.dataset == "folder" and not entry.path:
        _fail(path, f"{where}: dataset 'folder' needs a 'path' (with train/ and test/ inside).")
    if entry.split not in SPLITS:
        _fail(path, f"{where}: split must be one of {SPLITS}; got {entry.split!r}.")
    if entry.kind != "pca" and not entry.model:
        _fail(path, f"{where} needs a 'model' (a name from mnistkit.baselines.list_baselines()).")
    if entry.kind == "sweep" and (
        not isinstance(entry.sweep, dict) or set(entry.sweep) != {"param", "values"}
    ):
        _fail(path, f"{where}: kind 'sweep' needs sweep = {{ param = '...', values = [...] }}.")
    unknown_reported = set(entry.reported) - set(REPORTED_KEYS)
    if unknown_reported:
        _fail(
            path,
            f"{where}: reported has unknown figures {sorted(unknown_reported)}; "
            f"known: {', '.join(REPORTED_KEYS)}.",
        )
    if entry.model:
        from ..baselines import list_baselines

        if entry.model not in list_baselines():
            close = difflib.get_close_matches(entry.model, list_baselines(), n=2)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            _fail(path, f"{where}: unknown model {entry.model!r}.{hint}")
    return entry


def load_suite(path):
    """Read and validate a suite file.

    Parameters
    ----------
    path : str or path-like
        A TOML suite file.

    Returns
    -------
    suite : Suite

    Raises
    ------
    ValueError
        Naming the file, the entry and the problem: unknown keys (with the closest valid one),
        unknown models, duplicate ids, malformed TOML.
    """
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        _fail(path, f"not valid TOML: {exc}")
    defaults = raw.get("defaults", {})
    entries = []
    for index, item in enumerate(raw.get("entries", [])):
        entries.append(_check_entry({**defaults, **item}, path, index))
    if not entries:
        _fail(path, "the suite has no [[entries]].")
    ids = [entry.id for entry in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        _fail(path, f"entry ids must be unique; repeated: {duplicates}.")
    return Suite(raw.get("name", path.stem), raw.get("description", ""), entries, path)


def suite_folders():
    """Folders searched for suites by name: ./benchmarks/suites, then the source checkout's."""
    folders = [Path.cwd() / "benchmarks" / "suites"]
    checkout = Path(__file__).resolve().parents[2] / "benchmarks" / "suites"
    if checkout not in folders:
        folders.append(checkout)
    return folders


def find_suite(name_or_path):
    """Return the path of a suite given by file path or by name (``quick``, ``reproduce``)."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise FileNotFoundError(f"Suite file {candidate} does not exist.")
        return candidate
    searched = []
    for folder in suite_folders():
        path = folder / f"{name_or_path}.toml"
        if path.is_file():
            return path
        searched.append(str(folder))
    available = sorted(
        {p.stem for folder in suite_folders() if folder.is_dir() for p in folder.glob("*.toml")}
    )
    raise FileNotFoundError(
        f"No suite named {name_or_path!r} in {', '.join(searched)}. Available: "
        f"{', '.join(available) or 'none'}; or pass the path of a .toml file."
    )
