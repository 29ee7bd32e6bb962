"""Kind ``collate``: one figure read across other entries of the suite (the F1 of a family of
runs, the confusions they share, their cost), for lab findings that compare runs.

It fits nothing. Its words are computed when the report is written, from the other entries'
current results, so it can never disagree with them or go stale behind them.
"""

from dataclasses import dataclass

from .._fields import between, one_of, suite_field
from ._base import EntryKind, confusion_cells, register_kind


def _ids(value):
    ok = value and all(isinstance(v, str) and v for v in value)
    return None if ok else "must be a non-empty array of entry ids"


def _gap(metrics):
    train, validation = metrics.get("train_accuracy"), metrics.get("validation_accuracy")
    return None if train is None or validation is None else train - validation


def _f1(result, entry):
    """'macro F1 0.9812, training minus validation +0.0123'."""
    metrics = result.metrics
    gap = _gap(metrics)
    gap_words = "" if gap is None else f", training minus validation {gap:+.4f}"
    return f"macro F1 {metrics.get('f1_macro', 0):.4f}{gap_words}"


def _confusions(result, entry):
    """The confusion-matrix cells with at least ``min_errors`` errors."""
    cells = confusion_cells(result.metrics, entry.get("min_errors", 10))
    return ", ".join(cells) or "no cell reaches the bar"


def _cost(result, entry):
    """Parameters, fit time (per epoch), peak memory and test accuracy."""
    history = result.details.get("history") or {}
    epochs = len(history.get("loss", [])) or None
    words = [f"{result.metrics.get('n_parameters', 0):,} parameters"]
    if result.fit_seconds is not None:
        words.append(f"fit {result.fit_seconds:.1f} s")
        if epochs:
            words.append(f"{result.fit_seconds / epochs:.1f} s per epoch")
    if result.peak_memory_mib is not None:
        words.append(f"peak memory {result.peak_memory_mib:,.0f} MiB")
    if result.metrics.get("accuracy") is not None:
        words.append(f"test accuracy {result.metrics['accuracy']:.4f}")
    return ", ".join(words)


#: What a collate entry can read from each entry (its ``show``): a function of that entry's
#: first result and the collate entry's own keys, returning the words shown after the id.
SHOWS = {"f1": _f1, "confusions": _confusions, "cost": _cost}


@dataclass
class CollateOptions:
    """Keys of a collate entry."""

    of: list | None = suite_field(types=(list,), doc="the entry ids to read", check=_ids)
    show: str = suite_field(
        types=(str,),
        default="f1",
        doc=f"what to read from each: one of {', '.join(SHOWS)}",
        check=one_of(*SHOWS),
    )
    min_errors: int = suite_field(
        types=(int,),
        default=10,
        doc="confusions: list the cells with at least this many errors",
        check=between(1, 10**9),
    )


@register_kind
class CollateKind(EntryKind):
    """A figure of several other entries, side by side."""

    name = "collate"
    options = CollateOptions
    required = ("of",)
    needs_model = False
    score_label = "collated"

    def validate(self, entry, where):
        from .._fields import SuiteError

        if entry.id in entry.options.of:
            raise SuiteError(f"{where}: a collate entry cannot read itself.")

    def validate_in_suite(self, entry, entries, where):
        from .._fields import SuiteError

        known = [other.id for other in entries if other.id != entry.id]
        unknown = [entry_id for entry_id in entry.options.of if entry_id not in known]
        if unknown:
            raise SuiteError(
                f"{where}: 'of' names {', '.join(map(repr, unknown))}, which this suite does not "
                f"have; its entries are {', '.join(known)}."
            )

    def run(self, entry, data, result, predictions_file):
        result.fit_seconds = 0.0
        result.metrics = {"of": list(entry.options.of), "show": entry.options.show}

    def finding(self, result, outcomes=None):
        outcomes = outcomes or {}
        show = result.metrics["show"]
        entry = result.entry
        parts = []
        for entry_id in result.metrics["of"]:
            outcome = outcomes.get(entry_id)
            if outcome is None:
                parts.append(f"{entry_id}: not in this suite")
                continue
            if not outcome.ok or outcome.stale:
                parts.append(f"{entry_id}: no current result")
                continue
            parts.append(f"{entry_id}: {SHOWS[show](outcome.first, entry)}")
        return "; ".join(parts)
