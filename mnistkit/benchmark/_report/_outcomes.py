"""What a results folder says, as typed objects: one :class:`Outcome` per suite entry (its
repeats' results, status, staleness and uncertainty), and the paired comparisons that are valid.
"""

import itertools
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ...utils._files import check_file_name
from .._data import load_entry_data
from .._records import (
    OK,
    CorruptRecordError,
    Entry,
    Result,
    record_path,
)
from .._stats import bootstrap_macro_f1_interval, holm_adjust, wilson_interval
from .._suite import list_suites, load_suite

__all__ = [
    "Comparison",
    "Outcome",
    "ReportData",
    "load_merged_report_data",
    "load_report_data",
]

NOT_RUN, CORRUPT, PARTIAL, INVALID = "not run", "corrupt", "partial", "invalid"


@dataclass
class Spread:
    """A figure over the seeds of an entry: mean, standard deviation, per-seed values, interval."""

    values: list
    interval: tuple | None = None

    @property
    def mean(self):
        return float(np.mean(self.values))

    @property
    def std(self):
        return float(np.std(self.values, ddof=1)) if len(self.values) > 1 else None


@dataclass
class Outcome:
    """One suite entry in a results folder."""

    entry: Entry
    results: list
    status: str
    error: str | None = None
    stale: list = field(default_factory=list)
    score: Spread | None = None
    f1: Spread | None = None
    source: str | None = None  # the run it comes from, in a report over several

    @property
    def kind(self):
        return self.entry.entry_kind

    @property
    def first(self):
        """The first repeat's result (figures and pictures come from it)."""
        return self.results[0] if self.results else None

    @property
    def ok(self):
        return self.status == OK

    def interval_of(self, figure):
        """Our 95% interval of a reported figure, when the figure is the score that has one."""
        if self.score is None or self.score.interval is None or not self.results:
            return None
        same = self.kind.value(self.first, figure) == self.kind.score(self.first)
        return self.score.interval if same else None

    def values(self, figure):
        """Our per-seed values of a reported figure."""
        values = [self.kind.value(result, figure) for result in self.results if result.ok]
        return [value for value in values if isinstance(value, int | float)]


@dataclass
class Comparison:
    """McNemar's test between two entries scored on the same test set."""

    first: Outcome
    second: Outcome
    only_first: int
    only_second: int
    pvalue: float
    adjusted: float = float("nan")


@dataclass
class ReportData:
    """Everything the report shows, before formatting."""

    run: dict
    results_dir: Path
    outcomes: list
    test_sets: dict  # test-set identity -> outcomes scored on it (with predictions)
    comparisons: list
    suite_note: str | None = None
    _data: dict = field(default_factory=dict)
    _folders: dict = field(default_factory=dict)  # id(result) -> its results folder (merged)

    def predictions(self, result):
        """(y_true, y_pred) saved by a result, or ``None`` (checked by ``Result.problems``)."""
        return result.saved_predictions(self._folders.get(id(result), self.results_dir))

    def _entry_data(self, result):
        """The arrays of a result's entry, loaded once per data spec (``None`` when its data
        set is not on this machine)."""
        entry = Entry.from_dict(result.entry)
        key = entry.data_spec()
        if key not in self._data:
            try:
                self._data[key] = load_entry_data(entry)
            except Exception:  # the data set is not on this machine: no pictures of it
                self._data[key] = None
        return self._data[key]

    def test_images(self, result):
        """The test images of a result's entry (``None`` when its data set is not here)."""
        data = self._entry_data(result)
        if data is None or len(data.test_images) != result.n_test:
            return None
        return data.test_images

    def training_data(self, result):
        """The training ``(X, y)`` a result's entry ran on, as the run loaded them (``None``
        when its data set is not here)."""
        data = self._entry_data(result)
        if data is None or (result.n_train is not None and len(data.y_train) != result.n_train):
            return None
        return data.X_train, data.y_train


def _recorded_entries(run, run_path):
    """The entries run.json recorded; their ids become file names, so they are checked again."""
    entries = []
    for values in run.get("entries", []):
        try:
            check_file_name(values.get("id"), "entry id")
            entries.append(Entry.from_dict(values))
        except (ValueError, TypeError, AttributeError) as exc:
            raise ValueError(f"{run_path}: {exc}") from None
    return entries


def _suite_entries(run, run_path):
    """The suite's entries as they are now: from its file if it is still there, else run.json."""
    path = run.get("suite_path")
    if not (path and Path(path).is_file()) and run.get("suite_shipped"):
        path = list_suites().get(run.get("suite"))
    if path and Path(path).is_file():
        try:
            return load_suite(path).entries, None
        except ValueError as exc:
            note = f"The suite file no longer loads ({exc}); entries as recorded in run.json."
            return _recorded_entries(run, run_path), note
    return _recorded_entries(run, run_path), None


def _outcome(entry, results_dir, data_identity, suite_name):
    results, status, error, stale = [], None, None, []
    for repeat in range(entry.repeats):
        path = record_path(results_dir, entry.id, repeat)
        if not path.exists():
            continue
        try:
            result = Result.read(path)
        except CorruptRecordError as exc:
            status, error = (
                status or CORRUPT,
                f"{exc}; the next run moves it aside and runs it again",
            )
            continue
        problems = result.problems(results_dir)
        if problems:
            status, error = (
                status or INVALID,
                f"{path} is not believed: {'; '.join(problems)}. Run it again with "
                f"'mnistkit benchmark run {suite_name} --out DIR --entries {entry.id} --force'.",
            )
            continue
        results.append(result)
        if not result.ok and status is None:
            status, error = result.status, result.error
        for reason in result.stale_reasons(entry, data_identity):
            if reason not in stale:
                stale.append(reason)
    if status is None:
        status = OK if len(results) == entry.repeats else (PARTIAL if results else NOT_RUN)
        if status != OK:
            error = (
                f"{len(results)} of {entry.repeats} runs have results. Run the rest with "
                f"'mnistkit benchmark run {suite_name} --out DIR --entries {entry.id}' "
                "(DIR: this results folder)."
            )
    return Outcome(entry, results, status, error, stale)


def _uncertainty(outcome, data):
    """Mean, spread and 95% intervals of the outcome's score and macro F1."""
    ok = [result for result in outcome.results if result.ok]
    scores = [outcome.kind.score(result) for result in ok]
    if not ok or any(score is None for score in scores):
        return
    predictions = [data.predictions(result) for result in ok]
    if any(p is None for p in predictions):
        outcome.score = Spread(scores)
        return
    y_true = predictions[0][0]
    outcome.score = Spread(scores, wilson_interval(float(np.mean(scores)), len(y_true)))
    f1s = [result.metrics.get("f1_macro") for result in ok]
    if all(value is not None for value in f1s):
        labels = ok[0].metrics["labels"]
        interval = bootstrap_macro_f1_interval(y_true, [p[1] for p in predictions], labels)
        outcome.f1 = Spread(f1s, interval)


def _comparisons(data, top=4):
    """McNemar between the best entries of each shared test set, Holm-adjusted over all pairs."""
    from ...metrics import mcnemar_test

    comparisons = []
    for members in data.test_sets.values():
        if len(members) < 2:
            continue
        best = sorted(members, key=lambda outcome: -outcome.score.mean)[:top]
        for first, second in itertools.combinations(best, 2):
            y_true, first_pred = data.predictions(first.first)
            second_pred = data.predictions(second.first)[1]
            test = mcnemar_test(y_true, first_pred, second_pred)
            comparisons.append(
                Comparison(first, second, test.only_a_correct, test.only_b_correct, test.pvalue)
            )
    for comparison, adjusted in zip(
        comparisons, holm_adjust([c.pvalue for c in comparisons]), strict=True
    ):
        comparison.adjusted = float(adjusted)
    return comparisons


def load_report_data(results_dir):
    """Read a results folder: ``run.json``, every record, the suite as it is now."""
    results_dir = Path(results_dir)
    run_path = results_dir / "run.json"
    if not run_path.exists():
        raise FileNotFoundError(
            f"{results_dir} holds no benchmark results (no run.json). Run "
            f"'mnistkit benchmark run SUITE --out {results_dir}' first."
        )
    try:
        run = json.loads(run_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"{run_path} is unreadable ({exc}); run the suite again.") from None
    entries, note = _suite_entries(run, run_path)
    identities = run.get("data_identities", {})
    suite_name = run.get("suite", "SUITE")
    outcomes = [
        _outcome(entry, results_dir, identities.get(entry.id), suite_name) for entry in entries
    ]
    data = ReportData(run, results_dir, outcomes, {}, [], note)
    for outcome in outcomes:
        _uncertainty(outcome, data)
    _pair(data)
    return data


def _pair(data):
    """Group the outcomes by the test samples they were scored on, and compare within groups."""
    data.test_sets = {}
    for outcome in data.outcomes:
        if outcome.ok and not outcome.stale and outcome.f1 is not None:
            data.test_sets.setdefault(outcome.first.test_set, []).append(outcome)
    data.comparisons = _comparisons(data)


def _run_label(data, number):
    """'run 2: results/quick-b (host vm, 2026-12-05)': which run an outcome comes from."""
    results = [result for outcome in data.outcomes for result in outcome.results]
    host = next((r.environment.get("host") for r in results if r.environment), None)
    dates = sorted(r.started[:10] for r in results if isinstance(r.started, str))
    where = ", ".join(
        part for part in (f"host {host}" if host else None, dates and dates[0]) if part
    )
    return f"run {number}: {data.results_dir}" + (f" ({where})" if where else "")


def load_merged_report_data(results_dirs):
    """Several results folders as one report's data.

    Entries whose id appears in more than one folder are told apart as ``<id>.run<N>`` (N the
    folder's place in ``results_dirs``), and every outcome names the run it comes from: the
    folder, the machine and the date. Pairs for McNemar's test are formed over all the
    folders, among entries scored on the same test samples.
    """
    import dataclasses

    parts = [load_report_data(folder) for folder in results_dirs]
    if len(parts) == 1:
        return parts[0]
    counts = {}
    for part in parts:
        for outcome in part.outcomes:
            counts[outcome.entry.id] = counts.get(outcome.entry.id, 0) + 1
    outcomes, folders, suites = [], {}, []
    for number, part in enumerate(parts, 1):
        label = _run_label(part, number)
        suite = part.run.get("suite")
        if suite and suite not in suites:
            suites.append(suite)
        for outcome in part.outcomes:
            if counts[outcome.entry.id] > 1:
                outcome.entry = dataclasses.replace(
                    outcome.entry, id=f"{outcome.entry.id}.run{number}"
                )
            outcome.source = label
            for result in outcome.results:
                folders[id(result)] = part.results_dir
            outcomes.append(outcome)
    run = {
        "suite": " + ".join(suites) or "merged",
        "description": f"{len(parts)} results folders in one report: "
        + "; ".join(_run_label(part, number) for number, part in enumerate(parts, 1))
        + ".",
    }
    notes = [part.suite_note for part in parts if part.suite_note]
    data = ReportData(
        run, parts[0].results_dir, outcomes, {}, [], " ".join(notes) or None, {}, folders
    )
    _pair(data)
    return data
