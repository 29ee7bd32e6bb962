"""Benchmark suites: TOML files listing (data set, model, evaluation) entries.

A suite file::

    name = "quick"
    description = "A handful of models on MNIST"

    [defaults]            # merged into every entry (keys another kind has are skipped)
    dataset = "mnist"
    split = "train/test"
    time_limit = 900

    [[entries]]
    id = "pca-svc-rbf"
    model = "pca-svc-rbf"                     # a name from mnistkit.baselines.list_baselines()
    params = { svc__C = 10 }                  # overrides, as make_baseline takes them
    grid = { svc__C = [1, 10] }               # classifier: GridSearchCV on the training part
    repeats = 3                               # seeds random_state, +1, +2: mean and spread
    reported = { test_accuracy = 0.987 }      # a published figure to compare with
    reported_note = "PCA(50) + RBF SVC, 60k/10k"  # what the figure's source says
    reported_finding = "rbf beats linear"     # or a finding in words, set beside our figures
    explanations = { test_accuracy = "..." }  # why ours differs (measured), per figure

Every key has a declared type (:class:`Entry` holds the keys all kinds share, each kind's options
dataclass its own): a wrong type, an unknown key, an unknown kind or model, or an id that is not a
safe file name is refused at load time, naming the file, the entry, the key and what is allowed.
Splits: ``train/test`` (60k/10k), ``lab`` (as train/test, with networks validating on the last
10k of the 60k), ``train/validation`` (first 50k / last 10k) and ``54k/6k`` (a random 6,000 of
the 60k training images as the evaluation part, drawn with ``random_state=42`` as the lab did).
``classes = [0, 1]`` keeps only those labels; ``train_size``/``test_size`` keep the first n samples.

The suites shipped with mnistkit are package data, found by name from any folder.
"""

import dataclasses
import difflib
import sys
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path

from ..utils._files import check_file_name
from ._fields import SuiteError, convert_fields, field_names, unknown_keys_message
from ._kinds import get_kind, kind_names
from ._records import MAX_SEED, Entry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["Suite", "SuiteError", "find_suite", "list_suites", "load_suite"]

_SUITE_KEYS = {"name", "description", "defaults", "entries"}


@dataclass
class Suite:
    """A named list of entries, from a TOML file."""

    name: str
    description: str
    entries: list
    path: Path | None = None


def _all_option_keys():
    return {name for kind in kind_names() for name in field_names(get_kind(kind).options)}


def _check_entry(raw, defaults, where, folder=None):
    """Turn one ``[[entries]]`` table (with the suite's defaults) into a validated Entry;
    ``folder`` (the suite file's) is searched first for the entry's own modules."""
    common = set(field_names(Entry))
    unknown = set(raw) - common - _all_option_keys()
    if unknown:
        raise SuiteError(unknown_keys_message(unknown, common | _all_option_keys(), where))
    kind_name = raw.get("kind", defaults.get("kind", "classifier"))
    if not isinstance(kind_name, str):
        raise SuiteError(f"{where}: 'kind' must be a string; got {kind_name!r}.")
    try:
        kind = get_kind(kind_name)
    except SuiteError as exc:
        raise SuiteError(f"{where}: {exc}.") from None
    own = set(field_names(kind.options))
    foreign = set(raw) - common - own
    if foreign:
        raise SuiteError(
            f"{where}: {', '.join(map(repr, sorted(foreign)))} do not apply to kind "
            f"{kind_name!r}; its own keys are {', '.join(map(repr, sorted(own))) or 'none'}."
        )
    # Defaults fill what the entry leaves out, where the key means something for this kind
    # and this data set.
    dataset = raw.get("dataset", defaults.get("dataset", "mnist"))
    merged = {
        **{
            k: v
            for k, v in defaults.items()
            if k in common | own and dataset in _DATA_SET_KEYS.get(k, (dataset,))
        },
        **raw,
    }
    entry = Entry(
        **convert_fields(Entry, merged, where, required=("id",)),
        options=kind.options(**convert_fields(kind.options, merged, where, required=kind.required)),
        search_path=str(Path(folder).resolve()) if folder is not None else None,
    )
    _check_data_keys(raw, dataset, where)  # after each key's own type and range check
    if entry.dataset == "folder" and not entry.path:
        raise SuiteError(
            f"{where}: dataset 'folder' needs a 'path' (with train/ and test/ inside)."
        )
    if entry.dataset == "file":
        _check_file_entry(entry, folder, where)
    if entry.random_state + entry.repeats - 1 > MAX_SEED:
        raise SuiteError(
            f"{where}: 'random_state' + 'repeats' - 1 must stay below 2**32 (NumPy seeds); got "
            f"{entry.random_state} + {entry.repeats} - 1."
        )
    _check_classes(entry, where)
    _check_model(entry, kind, where)
    unknown_figures = set(entry.reported) - set(kind.reported_figures)
    if unknown_figures:
        raise SuiteError(
            f"{where}: reported has figures {sorted(unknown_figures)} that kind {kind_name!r} "
            f"does not measure; it measures {', '.join(kind.reported_figures)}."
        )
    kind.validate(entry, where)
    return entry


_MODEL_KEYS = ("model", "estimator", "network")
# Keys that mean something only for some data sets, with the data sets they apply to.
_DATA_SET_KEYS = {
    "path": ("folder", "file"),
    "image_size": ("folder",),
    "color_mode": ("folder",),
    "test_path": ("file",),
    "test_fraction": ("file",),
    "label_column": ("file",),
}


def _check_data_keys(raw, dataset, where):
    """Refuse keys that the entry's data set would ignore: a result must never say it ran on
    14 x 14 images while it ran on 28 x 28 ones."""
    if not isinstance(dataset, str):
        return  # the type check of 'dataset' names it
    ignored = [key for key, sets in _DATA_SET_KEYS.items() if key in raw and dataset not in sets]
    if ignored:
        applies = sorted({name for key in ignored for name in _DATA_SET_KEYS[key]})
        them = "it" if len(ignored) == 1 else "them"
        raise SuiteError(
            f"{where}: {', '.join(map(repr, ignored))} apply only to dataset "
            f"{' or '.join(map(repr, applies))}; dataset {dataset!r} does not read {them}. "
            f"Remove {them}, or set the dataset {them} belong{'s' if them == 'it' else ''} to."
        )
    if dataset in ("folder", "file") and raw.get("split", "train/test") != "train/test":
        raise SuiteError(
            f"{where}: split {raw['split']!r} applies only to MNIST-style data sets; dataset "
            f"{dataset!r} is split by its own parts (train/ and test/, a test file, or "
            "test_fraction). Remove 'split'."
        )


def _check_model(entry, kind, where):
    """One model per entry that needs one (a baseline, an estimator or a network), none for a
    kind that does not, ``features`` only before a user's model; then the model is built, so
    that a wrong import path or parameter is refused now, not when the entry runs."""
    given = [key for key in _MODEL_KEYS if getattr(entry, key)]
    if len(given) > 1:
        raise SuiteError(
            f"{where} names its model twice ({' and '.join(map(repr, given))}); keep one: "
            "'model' for a baseline, 'estimator' for your estimator, 'network' for your Keras "
            "build function."
        )
    if not kind.needs_model:
        if given or entry.features:
            raise SuiteError(
                f"{where}: kind {entry.kind!r} takes no model; remove "
                f"{', '.join(map(repr, [*given, *(['features'] if entry.features else [])]))}."
            )
        return
    if not given:
        raise SuiteError(
            f"{where} needs a 'model' (a name from mnistkit.baselines.list_baselines()), an "
            "'estimator' ('package.module:attribute', e.g. "
            "'sklearn.ensemble:HistGradientBoostingClassifier') or a 'network' (a Keras build "
            "function, 'mymodels:build')."
        )
    if entry.model:
        from ..baselines import list_baselines

        if entry.model not in list_baselines():
            close = difflib.get_close_matches(entry.model, list_baselines(), n=2)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise SuiteError(f"{where}: unknown model {entry.model!r}.{hint}")
        if entry.features:
            raise SuiteError(
                f"{where}: 'features' goes before your own 'estimator' or 'network'; a baseline "
                f"names its features itself ({entry.model!r}: "
                f"{entry.model.split('-')[0]!r}). Remove 'features' or pick another baseline."
            )
    from ._kinds._base import build_model

    try:
        model = build_model(entry, entry.random_state)
    except SuiteError as exc:
        raise SuiteError(f"{where}: {exc}") from None
    except (ValueError, TypeError) as exc:  # make_baseline's overrides
        raise SuiteError(f"{where}: params {entry.params}: {exc}") from None
    kind.check_model(model, entry, where)


def _check_file_entry(entry, folder, where):
    """A 'file' entry names its file; relative paths are the suite folder's, made absolute
    here so the entry runs the same from any working folder."""
    if not entry.path:
        raise SuiteError(
            f"{where}: dataset 'file' needs a 'path': an .npz archive, a .csv table or a folder "
            "of IDX files."
        )
    for key in ("path", "test_path"):
        value = getattr(entry, key)
        if value and folder is not None and not Path(value).expanduser().is_absolute():
            setattr(entry, key, str(Path(folder).resolve() / value))
    if entry.test_path and entry.test_fraction:
        raise SuiteError(
            f"{where}: give either 'test_path' (a test file) or 'test_fraction' (a part of "
            "'path' held out), not both."
        )


def _check_classes(entry, where):
    """The labels a ``classes`` filter names must be labels of the data set: integers 0-9 for
    MNIST and Fashion-MNIST, folder names (strings) for an image folder. A filter that keeps
    nothing is refused here, not discovered as an empty array inside a run."""
    if not entry.classes:
        return
    if entry.dataset == "file":
        return  # the file's own labels, integers or strings: checked when it is read
    if entry.dataset == "folder":
        bad = [label for label in entry.classes if not isinstance(label, str)]
        allowed = 'class folder names (strings), e.g. ["NORMAL", "PNEUMONIA"]'
    else:
        bad = [label for label in entry.classes if not (isinstance(label, int) and 0 <= label <= 9)]
        allowed = "the digits 0-9 as integers, e.g. [3, 5]"
    if bad:
        raise SuiteError(
            f"{where}: 'classes' holds {', '.join(map(repr, bad))}, which {entry.dataset!r} does "
            f"not have as labels, so the filter would remove those samples; use {allowed}."
        )


def _table(raw, key, path, kind=dict):
    value = raw.get(key, kind())
    if not isinstance(value, kind):
        word = "a table" if kind is dict else "an array of tables ([[entries]])"
        raise SuiteError(f"{path}: {key!r} must be {word}; got {value!r}.")
    return value


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
    SuiteError
        A ``ValueError`` naming the file, the entry and the problem: malformed TOML, unknown keys
        (with the closest valid one), values of the wrong type, unknown kinds or models, ids or
        suite names that are not safe file names, duplicate ids.
    """
    path = Path(path)
    try:
        # utf-8-sig: a byte-order mark, which some Windows editors write, is not TOML.
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SuiteError(
            f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start}); "
            "TOML files are UTF-8: save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8`)."
        ) from None
    except IsADirectoryError:
        raise SuiteError(f"{path} is a folder; pass the suite's .toml file.") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(raw) - _SUITE_KEYS
    if unknown:
        raise SuiteError(unknown_keys_message(unknown, _SUITE_KEYS, f"{path}: the suite"))
    name = raw.get("name", path.stem)
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise SuiteError(f"{path}: 'description' must be a string; got {description!r}.")
    try:
        check_file_name(name, "suite name")
    except ValueError as exc:
        raise SuiteError(f"{path}: {exc}") from None
    defaults = _table(raw, "defaults", path)
    unknown = set(defaults) - set(field_names(Entry)) - _all_option_keys()
    if unknown:
        raise SuiteError(
            unknown_keys_message(
                unknown, set(field_names(Entry)) | _all_option_keys(), f"{path}: [defaults]"
            )
        )
    entries = []
    for index, item in enumerate(_table(raw, "entries", path, list)):
        if not isinstance(item, dict):
            raise SuiteError(f"{path}: entry {index + 1} must be a table ([[entries]]).")
        label = f" ({item['id']!r})" if isinstance(item.get("id"), str) else ""
        entries.append(
            _check_entry(item, defaults, f"{path}: entry {index + 1}{label}", path.parent)
        )
    if not entries:
        raise SuiteError(f"{path}: the suite has no [[entries]].")
    ids = [entry.id for entry in entries]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SuiteError(f"{path}: entry ids must be unique; repeated: {duplicates}.")
    for index, entry in enumerate(entries):
        where = f"{path}: entry {index + 1} ({entry.id!r})"
        if entry.probe_of is not None and (entry.probe_of == entry.id or entry.probe_of not in ids):
            raise SuiteError(
                f"{where}: 'probe_of' must name another entry of the suite; "
                f"{entry.probe_of!r} is not one."
            )
        entry.entry_kind.validate_in_suite(entry, entries, where)
    by_id = {entry.id: entry for entry in entries}
    for index, entry in enumerate(entries):
        # A probe without published figures of its own is judged against those of the entry
        # it probes: its verdict says whether its one change reproduces them.
        if entry.probe_of is not None and not entry.reported:
            target = by_id[entry.probe_of]
            entries[index] = dataclasses.replace(
                entry,
                reported=dict(target.reported),
                reported_note=entry.reported_note or target.reported_note,
            )
    return Suite(name, description, entries, path)


def _shipped():
    """The folder of the suites that ship with mnistkit (package data)."""
    return resources.files("mnistkit.benchmark") / "suites"


def list_suites():
    """The names of the suites shipped with mnistkit, with their paths."""
    folder = _shipped()
    return {
        item.name[: -len(".toml")]: Path(str(item))
        for item in sorted(folder.iterdir(), key=lambda item: item.name)
        if item.name.endswith(".toml")
    }


def find_suite(name_or_path):
    """The path of a suite given by file path or by the name of a shipped suite (``quick``)."""
    candidate = Path(name_or_path)
    if candidate.is_dir():
        inside = sorted(path.name for path in candidate.glob("*.toml"))
        hint = f" It holds {', '.join(inside)}." if inside else " It holds no .toml file."
        raise FileNotFoundError(
            f"Suite {candidate} is a folder; pass the path of a suite's .toml file.{hint}"
        )
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise FileNotFoundError(f"Suite file {candidate} does not exist.")
        return candidate
    shipped = list_suites()
    if name_or_path in shipped:
        return shipped[name_or_path]
    raise FileNotFoundError(
        f"No suite named {name_or_path!r}. The suites shipped with mnistkit: "
        f"{', '.join(shipped) or 'none'}; or pass the path of a .toml file."
    )


# Entry's own fields are the common suite keys; keep the public name list in one place.
ENTRY_KEYS = tuple(field.name for field in fields(Entry) if field.name != "options")
