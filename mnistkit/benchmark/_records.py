"""The typed records of a benchmark: an :class:`Entry` of a suite, and the :class:`Result` of one
run of it. JSON appears only where they cross a process or a disk boundary.

A result carries the fingerprint of what produced it: a hash of the fully resolved entry (model,
overrides, grid, data set, split, sizes, classes, seed) and a hash of the arrays it was trained and
tested on. A result whose fingerprint no longer matches its suite entry is stale: the runner runs
it again and the report marks it, never mixing it silently with current figures.
"""

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from ..datasets import LOADERS
from ..utils._files import atomic_write, check_file_name
from ._estimators import FEATURE_STEPS
from ._fields import (
    between,
    one_of,
    suite_field,
    table_of,
)

__all__ = [
    "DATA_MISSING",
    "FAILED",
    "OK",
    "TIMEOUT",
    "CorruptRecordError",
    "Entry",
    "Result",
    "predictions_path",
    "read_predictions",
    "record_path",
]

#: Result statuses. ``data missing`` is not a failure of the model: the data set is not on this
#: machine, and the result says where to put it.
OK, FAILED, TIMEOUT, DATA_MISSING = "ok", "failed", "timeout", "data missing"
SCHEMA_VERSION = 2

#: The data sets an entry can name: every loader of ``mnistkit.datasets.LOADERS``, image
#: folders, and a user's own file (``.npz``, ``.csv`` or a folder of IDX files).
DATASETS = (*LOADERS, "folder", "file")
SPLITS = ("train/test", "lab", "train/validation", "54k/6k")

# Keys that describe an entry to a reader but do not change what a run produces.
_PRESENTATION = (
    "description",
    "reported",
    "reported_note",
    "reported_finding",
    "explanations",
    "probe_of",
    "time_limit",
)
# Keys that name a user's own model or data file, left out of the fingerprint while unset.
_USER_MODEL_KEYS = (
    "estimator",
    "network",
    "features",
    "test_path",
    "test_fraction",
    "label_column",
)
# Keys that decide which arrays an entry trains and tests on.
_DATA_KEYS = (
    "dataset",
    "path",
    "split",
    "train_size",
    "test_size",
    "classes",
    "image_size",
    "color_mode",
    "test_path",
    "test_fraction",
    "label_column",
)


def _image_size(value):
    ok = len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    if not ok or min(value) <= 0:
        return "must be two positive integers [height, width]"
    return None if max(value) <= 4096 else "must be at most 4096 pixels a side"


#: The most repeats (seeds) of one entry, and the most seconds one run may be given (a week).
MAX_REPEATS, MAX_TIME_LIMIT = 1000, 7 * 24 * 3600.0
#: Seeds are NumPy seeds: below 2**32.
MAX_SEED = 2**32 - 1


def _classes(value):
    ok = value and all(isinstance(v, int | str) and not isinstance(v, bool) for v in value)
    if not ok:
        return "must be an array of labels (integers or strings)"
    if len({canonical_json(v) for v in value}) != len(value):
        return "must not repeat a label"
    if len(value) < 2:
        return "must keep at least two labels (a classifier needs two classes)"
    return None


def _entry_id(value):
    try:
        check_file_name(value, "entry id")
    except ValueError as exc:
        return f"is not a safe file name ({str(exc).split(': ', 1)[1]})"
    return None


def canonical_json(value):
    """JSON with sorted keys and no spaces: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=repr)


def digest(text):
    """A short stable hash of a text (16 hex digits of SHA-256)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass
class Entry:
    """One entry of a suite: a (data set, model, evaluation) to run, with the lab's figure.

    The fields are the suite keys every entry kind shares; ``options`` holds the keys of the
    entry's kind (``grid``/``cv``/``pos_label`` for classifiers, ``sweep`` for sweeps, ...).
    """

    id: str = suite_field(
        types=(str,), doc="a name of letters, digits, '.', '_', '-'", check=_entry_id
    )
    kind: str = suite_field(types=(str,), default="classifier", doc="what the entry measures")
    model: str = suite_field(types=(str,), default="", doc="a name from list_baselines()")
    estimator: str = suite_field(
        types=(str,),
        default="",
        doc="your estimator: 'package.module:attribute', a class or a function returning one",
    )
    network: str = suite_field(
        types=(str,),
        default="",
        doc="your Keras build function, 'package.module:build', trained by KerasClassifier",
    )
    features: str = suite_field(
        types=(str,),
        default="",
        doc="a feature step before your estimator or network",
        check=one_of(*FEATURE_STEPS),
    )
    params: dict = suite_field(
        types=(dict,),
        factory=dict,
        doc="overrides for make_baseline, or the arguments of your estimator or network",
    )
    dataset: str = suite_field(
        types=(str,), default="mnist", doc="the data set", check=one_of(*DATASETS)
    )
    path: str | None = suite_field(
        types=(str,),
        doc="the image folder of dataset 'folder', or the .npz/.csv file or IDX folder of "
        "dataset 'file' (relative to the suite file's folder)",
    )
    test_path: str | None = suite_field(
        types=(str,), doc="dataset 'file': a second file of the same format, the test part"
    )
    test_fraction: float | None = suite_field(
        types=(float,),
        doc="dataset 'file' without a test part: the stratified fraction held out for testing",
        check=between(0.01, 0.9),
    )
    label_column: str | None = suite_field(
        types=(str,), doc="dataset 'file', a CSV table: the label column (default 'label')"
    )
    split: str = suite_field(
        types=(str,), default="train/test", doc="train and test parts", check=one_of(*SPLITS)
    )
    train_size: int | None = suite_field(
        types=(int,), doc="keep the first n training samples", check=between(1, 10**9)
    )
    test_size: int | None = suite_field(
        types=(int,), doc="keep the first n test samples", check=between(1, 10**9)
    )
    image_size: list | None = suite_field(
        types=(list,), doc="[height, width] of folder images", check=_image_size
    )
    color_mode: str = suite_field(
        types=(str,),
        default="grayscale",
        doc="folder images' colours",
        check=one_of("grayscale", "rgb"),
    )
    classes: list | None = suite_field(types=(list,), doc="keep only these labels", check=_classes)
    random_state: int = suite_field(
        types=(int,), default=0, doc="the seed of the first repeat", check=between(0, MAX_SEED)
    )
    repeats: int = suite_field(
        types=(int,),
        default=1,
        doc="runs with seeds random_state + i",
        check=between(1, MAX_REPEATS),
    )
    time_limit: float = suite_field(
        types=(float,),
        default=1800.0,
        doc="seconds before a run is stopped",
        check=between(1e-3, MAX_TIME_LIMIT),
    )
    description: str = suite_field(types=(str,), default="", doc="what the entry is, in words")
    reported: dict = suite_field(
        types=(dict,),
        factory=dict,
        doc="published figures to compare with",
        check=table_of((int, float), "numbers"),
    )
    reported_note: str = suite_field(types=(str,), default="", doc="where the figures come from")
    reported_finding: str = suite_field(
        types=(str,), default="", doc="a published finding in words"
    )
    explanations: dict = suite_field(
        types=(dict,),
        factory=dict,
        doc="why ours differs, per reported figure (or 'finding'): the measured reason",
        check=table_of((str,), "sentences"),
    )
    probe_of: str | None = suite_field(
        types=(str,),
        doc="the id of the entry this one reruns with one setting changed (a probe of a reason "
        "for a difference); its reported figures are that entry's",
    )
    options: object = None
    #: Where the entry's own modules are looked for first: the suite file's folder (set when
    #: the suite is loaded; not a suite key, and not part of the fingerprint).
    search_path: str | None = None

    @property
    def entry_kind(self):
        """The :class:`~mnistkit.benchmark.EntryKind` object that runs and renders this entry."""
        from ._kinds import get_kind

        return get_kind(self.kind)

    def to_dict(self):
        """The entry as plain data: the common keys and the kind's own keys, side by side."""
        common = {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name != "options"
        }
        if common["search_path"] is None:
            del common["search_path"]
        if self.options is not None:
            common.update(dataclasses.asdict(self.options))
        return common

    @classmethod
    def from_dict(cls, values):
        """Rebuild an entry from :meth:`to_dict` output (trusted: no validation)."""
        from ._kinds import get_kind

        names = {field.name for field in dataclasses.fields(cls)} - {"options"}
        kind = get_kind(values.get("kind", "classifier"))
        option_names = {field.name for field in dataclasses.fields(kind.options)}
        options = kind.options(**{k: v for k, v in values.items() if k in option_names})
        return cls(**{k: v for k, v in values.items() if k in names}, options=options)

    @property
    def model_label(self):
        """The entry's model in a few words: the baseline's name, or the user's import path
        (after its feature step: ``hog + sklearn.svm:SVC``); empty for a kind without one."""
        own = self.estimator or self.network
        if not own:
            return self.model
        return f"{self.features} + {own}" if self.features else own

    def seed(self, repeat):
        """The seed of repeat ``repeat`` (0-based): ``random_state + repeat``."""
        return self.random_state + repeat

    def determining(self):
        """The keys that decide what a run produces (not its description or figures)."""
        values = self.to_dict()
        for key in (*_PRESENTATION, "repeats", "random_state", "search_path"):
            values.pop(key, None)
        # Keys for a user's model, left out while unset: the fingerprints of entries written
        # before they existed stay as they were.
        for key in _USER_MODEL_KEYS:
            if not values.get(key):
                values.pop(key, None)
        return values

    def code_identity(self):
        """The user's estimator as it is installed now (``None`` for a baseline): see
        :func:`mnistkit.benchmark._estimators.code_identity`."""
        from ._estimators import code_identity

        return code_identity(self)

    def data_spec(self):
        """The keys that decide the arrays, as a hashable key for caching loaded data."""
        return canonical_json({key: getattr(self, key) for key in _DATA_KEYS})

    def config_fingerprint(self, repeat):
        """Hash of everything in the entry that decides the result of repeat ``repeat``."""
        values = {**self.determining(), "seed": self.seed(repeat)}
        code = self.code_identity()
        if code is not None:
            values["code"] = code
        return digest(canonical_json(values))

    def changed_keys(self, recorded):
        """The determining keys whose values differ from a recorded entry (a dict)."""
        now = self.determining()
        recorded = {
            key: value
            for key, value in recorded.items()
            if key not in (*_PRESENTATION, "repeats", "search_path")
            and (value or key not in _USER_MODEL_KEYS)
        }
        keys = set(now) | set(recorded)
        keys.discard("random_state")
        return sorted(
            key for key in keys if canonical_json(now.get(key)) != canonical_json(recorded.get(key))
        )


class CorruptRecordError(ValueError):
    """A result file is unreadable: truncated, not JSON, or not a result of this version."""


@dataclass
class Result:
    """The record of one run (one repeat) of an entry; ``metrics`` holds the kind's figures."""

    id: str
    repeat: int
    seed: int
    status: str
    entry: dict
    attempt: str = ""
    fingerprint: dict | None = None
    test_set: str | None = None
    started: str | None = None
    finished: str | None = None
    seconds: float | None = None
    load_seconds: float | None = None
    fit_seconds: float | None = None
    predict_seconds: float | None = None
    peak_memory_mib: float | None = None
    peak_growth_mib: float | None = None
    n_train: int | None = None
    n_test: int | None = None
    metrics: dict = dataclasses.field(default_factory=dict)
    details: dict = dataclasses.field(default_factory=dict)
    environment: dict = dataclasses.field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None
    schema: int = SCHEMA_VERSION

    @classmethod
    def start(cls, entry, repeat, attempt, status, **fields):
        """A new record of repeat ``repeat`` of ``entry`` (the fields every run fills in)."""
        return cls(
            id=entry.id,
            repeat=repeat,
            seed=entry.seed(repeat),
            status=status,
            entry=entry.to_dict(),
            attempt=attempt,
            **fields,
        )

    @property
    def ok(self):
        """Whether the run succeeded."""
        return self.status == OK

    def problems(self, results_dir):
        """What makes this succeeded record unbelievable as read back (``[]``: nothing).

        Its kind checks it against its saved predictions (``EntryKind.verify``): a record
        edited by hand, or whose figures disagree with its predictions, has problems. The
        runner runs such a record again and the report marks it invalid. The kind is the
        recorded entry's; an unknown kind is itself the problem.
        """
        from ._fields import SuiteError
        from ._kinds import get_kind

        if not self.ok:
            return []
        try:
            kind = get_kind(self.entry.get("kind", "classifier"))
        except (SuiteError, AttributeError) as exc:
            return [f"its entry is not readable ({exc})"]
        try:
            return kind.verify(self, lambda: self.saved_predictions(results_dir))
        except CorruptRecordError as exc:
            return [str(exc)]

    def saved_predictions(self, results_dir):
        """``(y_true, y_pred)`` saved beside this record in ``results_dir``, checked (see
        :func:`read_predictions`), or ``None`` when it saved none."""
        path = predictions_path(results_dir, self.id, self.repeat)
        return read_predictions(path, self.n_test) if path.exists() else None

    def stale_reasons(self, entry, data_identity):
        """Why this succeeded record no longer stands for ``entry`` (``[]``: it is current).

        The one place staleness is decided: the runner runs a stale record again and the
        report marks it. A record is stale when the entry's determining keys or seed changed
        (``suite changed (keys)``) or, where ``data_identity`` is known, when the arrays it was
        trained and tested on did (``data changed``).
        """
        if not self.ok:
            return []
        fingerprint = self.fingerprint or {}
        reasons = []
        if fingerprint.get("entry") != entry.config_fingerprint(self.repeat):
            keys = entry.changed_keys(self.entry)
            if self.seed != entry.seed(self.repeat):
                keys.append("random_state")
            code = entry.code_identity()
            if keys or code is None:
                reasons.append(f"suite changed ({', '.join(keys) or 'entry'})")
            else:
                from ._estimators import identity_changes

                reasons += identity_changes(fingerprint.get("code"), code)
        if data_identity is not None and fingerprint.get("data") != data_identity:
            reasons.append("data changed")
        return reasons

    def to_json(self):
        """The record as JSON text."""
        return json.dumps(dataclasses.asdict(self), indent=1, default=repr)

    def write(self, results_dir):
        """Write the record atomically to its place in ``results_dir``; return the path."""
        return atomic_write(record_path(results_dir, self.id, self.repeat), self.to_json())

    @classmethod
    def read(cls, path):
        """Read a record, or raise :class:`CorruptRecordError` saying what is wrong with it."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CorruptRecordError(f"{path} is not readable JSON ({exc})") from exc
        return cls.from_json(text, path)

    @classmethod
    def from_json(cls, text, source):
        """A record from its JSON text, or :class:`CorruptRecordError` naming ``source``."""
        try:
            values = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CorruptRecordError(f"{source} is not readable JSON ({exc})") from exc
        if not isinstance(values, dict) or values.get("schema") != SCHEMA_VERSION:
            raise CorruptRecordError(
                f"{source} is not a result of this mnistkit version (schema {SCHEMA_VERSION})"
            )
        names = {field.name for field in dataclasses.fields(cls)}
        try:
            return cls(**{key: value for key, value in values.items() if key in names})
        except TypeError as exc:
            raise CorruptRecordError(f"{source} lacks fields of a result ({exc})") from exc


def record_path(results_dir, entry_id, repeat):
    """Where the result of one repeat of an entry is kept."""
    return Path(results_dir, "entries", entry_id, f"repeat-{repeat}.json")


def predictions_path(results_dir, entry_id, repeat):
    """Where a classifier's test predictions are kept, beside its record."""
    return Path(results_dir, "entries", entry_id, f"repeat-{repeat}.predictions.npz")


def read_predictions(path, n_test=None):
    """``(y_true, y_pred)`` from a predictions file, checked, or :class:`CorruptRecordError`.

    Refused, naming the file: not a NumPy ``.npz`` archive (truncated, corrupt), arrays of
    Python objects (they would need unpickling, which can run code), a missing ``y_true`` or
    ``y_pred``, arrays that are not one label per test sample, or lengths that differ from each
    other or from the record's ``n_test``.
    """
    import zipfile

    import numpy as np

    path = Path(path)
    try:
        # Opened here, so that the file is closed also when NumPy refuses its contents.
        with open(path, "rb") as handle:
            # np.load takes anything that is not .npy or .npz for a pickle: garbage would be
            # reported as "Python objects". An .npz archive is a zip file.
            start = handle.read(4)
            if start != b"PK\x03\x04":
                raise CorruptRecordError(
                    f"{path} is not a predictions file (not a NumPy .npz archive: it starts "
                    f"with {start!r})"
                )
            handle.seek(0)
            arrays = np.load(handle, allow_pickle=False)
            with arrays:
                missing = [name for name in ("y_true", "y_pred") if name not in arrays.files]
                if missing:
                    raise CorruptRecordError(
                        f"{path} lacks {' and '.join(missing)} (it holds {arrays.files})"
                    )
                y_true, y_pred = arrays["y_true"], arrays["y_pred"]
    except CorruptRecordError:
        raise
    except ValueError as exc:  # object arrays with allow_pickle=False, or not an archive
        reason = "it holds Python objects" if "pickle" in str(exc) else str(exc)
        raise CorruptRecordError(f"{path} is not a predictions file ({reason})") from None
    except (OSError, EOFError, zipfile.BadZipFile, KeyError) as exc:
        raise CorruptRecordError(f"{path} is unreadable ({type(exc).__name__}: {exc})") from None
    if y_true.ndim != 1 or y_pred.ndim != 1 or len(y_true) != len(y_pred):
        raise CorruptRecordError(
            f"{path}: y_true {y_true.shape} and y_pred {y_pred.shape} are not one label per test "
            "sample each"
        )
    if n_test is not None and len(y_true) != n_test:
        raise CorruptRecordError(
            f"{path} holds {len(y_true)} predictions but the record tested {n_test} samples"
        )
    return y_true, y_pred
