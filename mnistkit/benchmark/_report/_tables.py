"""The report's tables, each declared once as a list of columns. A :class:`Table` is plain data
(formatted cells with their sort values); the HTML template and the Markdown template both render
the same :class:`Table`, so the page and ``summary.md`` can never disagree on a column."""

from dataclasses import dataclass, field

from .._records import OK
from ._outcomes import Spread

__all__ = ["Cell", "Column", "Table", "comparisons", "leaderboard", "reproduction"]

DASH = "—"


def number(value, digits=4):
    """'0.9912', '1,473' (integers and large whole numbers with separators), '—' for none."""
    if value is None:
        return DASH
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 100):
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def interval(bounds, digits=4):
    """'[0.9878, 0.9918]'."""
    return DASH if bounds is None else f"[{bounds[0]:.{digits}f}, {bounds[1]:.{digits}f}]"


def spread(values, digits=4):
    """'0.9912' for one value, '0.9912 ± 0.0008' (mean ± std over seeds) for several."""
    if not values:
        return DASH
    if len(values) == 1:
        return number(values[0], digits)
    over_seeds = Spread(values)
    return f"{number(over_seeds.mean, digits)} ± {over_seeds.std:.{digits}f}"


@dataclass(frozen=True)
class Cell:
    """A formatted cell; ``sort`` orders the column, ``css`` marks statuses and verdicts."""

    text: str
    sort: object = None
    css: str = ""
    href: str | None = None


@dataclass(frozen=True)
class Column:
    """A column: its header, whether it holds words (left-aligned) and a one-line hint."""

    header: str
    text: bool = False
    hint: str = ""


@dataclass
class Table:
    """Columns and rows of cells, rendered by both templates."""

    columns: list
    rows: list = field(default_factory=list)


def css_class(words):
    """'data missing' -> 'data-missing': a status as a CSS class."""
    return str(words).replace(" ", "-").replace("(", "").replace(")", "")


def status_cell(outcome):
    if outcome.ok and outcome.stale:
        return Cell(f"stale: {'; '.join(outcome.stale)}", css="stale")
    return Cell(outcome.status, css=css_class(outcome.status))


def _seeds(score, n_ok):
    """'1', or '3: 0.9905, 0.9912, 0.9920' (each seed's score) for a repeated entry."""
    if not n_ok:
        return DASH
    if score is None or len(score.values) < 2:
        return number(n_ok)
    return f"{n_ok}: " + ", ".join(number(value) for value in score.values)


def _describe_data(entry):
    """'mnist (lab)', 'mnist, classes 0, 1 (train/test)': what an entry's accuracy is over."""
    classes = f", classes {', '.join(map(str, entry.classes))}" if entry.classes else ""
    return f"{entry.dataset}{classes} ({entry.split})"


def _mean(results, name):
    values = [getattr(result, name) for result in results if getattr(result, name) is not None]
    return sum(values) / len(values) if values else None


def _warnings_cell(results):
    count = len({line for r in results for line in (r.details or {}).get("warnings", [])})
    return Cell(str(count) if count else "", count, css="warned" if count else "")


LEADERBOARD = [
    Column("entry", True),
    Column("model", True),
    Column("data", True),
    Column("status", True),
    Column("score", hint="test accuracy; clustering: cluster accuracy on the training set"),
    Column("95% interval", hint="Wilson interval over the test samples"),
    Column("macro F1"),
    Column("F1 95% interval", hint="bootstrap over the test samples"),
    Column("seeds", hint="how many seeds ran; with several, the score of each"),
    Column("fit (s)"),
    Column("predict (s)"),
    Column("peak memory (MiB)"),
    Column("parameters"),
    Column(
        "warnings", hint="distinct warnings the run raised (ConvergenceWarning, ...): see its card"
    ),
]


def leaderboard(outcomes):
    """Every entry, ranked by its score (mean over seeds); entries without a score last."""
    table = Table(LEADERBOARD)
    ranked = sorted(outcomes, key=lambda o: -(o.score.mean if o.score else -1))
    for outcome in ranked:
        entry, ok = outcome.entry, [r for r in outcome.results if r.ok]
        score, f1 = outcome.score, outcome.f1
        table.rows.append(
            [
                Cell(entry.id, href=f"#{entry.id}"),
                Cell(entry.model_label or entry.kind),
                Cell(_describe_data(entry)),
                status_cell(outcome),
                Cell(spread(score.values) if score else DASH, score.mean if score else None),
                Cell(interval(score.interval) if score else DASH),
                Cell(spread(f1.values) if f1 else DASH, f1.mean if f1 else None),
                Cell(interval(f1.interval) if f1 else DASH),
                Cell(_seeds(score, len(ok)), len(ok), css="seeds"),
                Cell(number(_mean(ok, "fit_seconds"), 1), _mean(ok, "fit_seconds")),
                Cell(number(_mean(ok, "predict_seconds"), 2), _mean(ok, "predict_seconds")),
                Cell(number(_mean(ok, "peak_memory_mib"), 0), _mean(ok, "peak_memory_mib")),
                Cell(number(outcome.first.metrics.get("n_parameters")) if ok else DASH),
                _warnings_cell(ok),
            ]
        )
    return table


REPRODUCTION = [
    Column("experiment", True),
    Column("configuration", True),
    Column("figure", True),
    Column("reported", True),
    Column("ours", True, hint="mean ± standard deviation over seeds"),
    Column("our 95% interval / seed range"),
    Column("difference", hint="ours minus reported; times as a ratio"),
    Column("verdict", True),
    Column("why", True, hint="the measured reason for a difference, from the suite entry"),
]

#: Verdicts of a difference beyond our spread and the figure's tolerance.
EXPLAINED, UNEXPLAINED = "differs: explained", "differs: unexplained"


def _difference(figure, reported, ours):
    """Ours minus reported; for times, how many times faster or slower (a ratio reads better)."""
    if ours is None:
        return DASH, None
    if figure.endswith("_seconds") and ours > 0 and reported > 0:
        ratio = reported / ours
        text = f"{ratio:,.0f}x faster" if ratio >= 1 else f"{1 / ratio:,.1f}x slower"
        return text, ratio
    if isinstance(reported, int) and float(ours).is_integer():
        return f"{int(ours) - reported:+,d}", ours - reported  # counts: parameters, a best depth
    return f"{ours - reported:+.4f}", ours - reported


def verdict(outcome, figure, reported):
    """Whether our figure reproduces the reported one, and by which test."""
    values = outcome.values(figure)
    if not values:
        return "no figure"
    tolerance = outcome.kind.reported_figures[figure].tolerance
    if tolerance is None:
        return "not compared (times depend on the machine)"
    if len(values) > 1 and min(values) <= reported <= max(values):
        return "reproduced (within our seed range)"
    bounds = outcome.interval_of(figure)
    if bounds and bounds[0] <= reported <= bounds[1]:
        return "reproduced (within our 95% interval)"
    mean = sum(values) / len(values)
    if mean == reported:
        return "reproduced (exactly)"
    if abs(mean - reported) <= tolerance:
        return f"reproduced (within tolerance {number(tolerance)})"
    return EXPLAINED if _explained(outcome.entry.explanations.get(figure)) else UNEXPLAINED


def _explained(reason):
    """Whether a suite's reason explains a difference. A reason that starts "Unexplained"
    records what was measured without finding the cause: the row stays unexplained."""
    return bool(reason) and not reason.lower().startswith("unexplained")


def _verdict_css(judged):
    """'reproduced (within ...)' -> 'reproduced'; 'differs: explained' -> 'differs explained';
    a probe's 'probe: still differs' -> 'differs'."""
    head = judged.removeprefix("probe: ").removeprefix("still ").split(" (")[0]
    if head.startswith("differs"):
        return "differs " + css_class(head.split(": ")[1]) if ": " in head else "differs"
    return css_class(head)


def _configuration(entry):
    return entry.reported_note or entry.description


def _why(entry, figure, judged):
    """The entry's measured reason; a difference without one says so."""
    reason = entry.explanations.get(figure, "")
    if judged == UNEXPLAINED and not reason:
        return "no measured reason yet"
    return reason


def _probe_verdict(entry, judged):
    """A probe's verdict says whether its one change reproduces the lab entry's figure."""
    of = entry.probe_of
    if judged.startswith("differs"):
        return "probe: still differs", f"a probe of {of}: this change does not reproduce the figure"
    if judged.startswith("reproduced"):
        return f"probe: {judged}", f"a probe of {of}: this change reproduces the figure"
    return judged, ""


@dataclass
class ReproductionRow:
    """One published figure (or finding) of an entry beside ours: what the reproduction table
    and the entry's card both show, each in its own layout."""

    entry_id: str
    configuration: str
    figure: str
    reported: Cell
    ours: Cell
    bounds: str
    difference: Cell
    verdict: str
    verdict_css: str
    why: str

    def cells(self):
        """The row of the reproduction table (columns of :data:`REPRODUCTION`)."""
        return [
            Cell(self.entry_id, href=f"#{self.entry_id}"),
            Cell(self.configuration),
            Cell(self.figure),
            self.reported,
            self.ours,
            Cell(self.bounds),
            self.difference,
            Cell(self.verdict, css=self.verdict_css),
            Cell(self.why),
        ]


def _finding_row(outcome, by_id, usable, shown, unusable):
    entry = outcome.entry
    ours = outcome.kind.finding(outcome.first, by_id) if usable else None
    return ReproductionRow(
        entry.id,
        _configuration(entry),
        "finding",
        Cell(entry.reported_finding),
        Cell(ours or DASH) if usable else shown,
        DASH,
        Cell(DASH),
        "compare in words" if usable else unusable,
        "finding",
        entry.explanations.get("finding", ""),
    )


def _figure_row(outcome, figure, reported, usable, shown, unusable):
    entry = outcome.entry
    values = outcome.values(figure) if usable else []
    mean = sum(values) / len(values) if values else None
    difference, sort = _difference(figure, reported, mean) if usable else (DASH, None)
    if len(values) > 1:
        bounds = f"{number(min(values))} to {number(max(values))}"
    elif usable and outcome.interval_of(figure):
        bounds = interval(outcome.interval_of(figure))
    else:
        bounds = DASH
    judged = verdict(outcome, figure, reported) if usable else unusable
    why = _why(entry, figure, judged)
    if usable and entry.probe_of:
        judged, why = _probe_verdict(entry, judged)
    return ReproductionRow(
        entry.id,
        _configuration(entry),
        figure,
        Cell(number(reported), reported),
        Cell(spread(values), mean) if usable else shown,
        bounds,
        Cell(difference, sort),
        judged,
        _verdict_css(judged),
        why,
    )


def reproduction_rows(outcomes):
    """Each published figure or finding beside ours, with the difference, a verdict and why."""
    rows = []
    by_id = {outcome.entry.id: outcome for outcome in outcomes}
    for outcome in outcomes:
        usable = outcome.ok and not outcome.stale
        shown = status_cell(outcome) if not usable else None
        unusable = "stale" if outcome.ok else outcome.status
        if outcome.entry.reported_finding:
            rows.append(_finding_row(outcome, by_id, usable, shown, unusable))
        for figure, reported in outcome.entry.reported.items():
            rows.append(_figure_row(outcome, figure, reported, usable, shown, unusable))
    return rows


def reproduction(rows):
    """The reproduction table of :func:`reproduction_rows`."""
    table = Table(REPRODUCTION)
    table.rows.extend(row.cells() for row in rows)
    return table


COMPARISONS = [
    Column("model A", True),
    Column("model B", True),
    Column("accuracy A"),
    Column("accuracy B"),
    Column("only A right"),
    Column("only B right"),
    Column("p-value", hint="McNemar's test"),
    Column("Holm-adjusted p", hint="corrected for all the pairs in this table"),
    Column("significant (adjusted p < 0.05)", True),
]


def comparisons(report_data):
    """McNemar's test between the best entries of each test set."""
    table = Table(COMPARISONS)
    for c in report_data.comparisons:
        table.rows.append(
            [
                Cell(c.first.entry.id, href=f"#{c.first.entry.id}"),
                Cell(c.second.entry.id, href=f"#{c.second.entry.id}"),
                Cell(number(c.first.score.mean), c.first.score.mean),
                Cell(number(c.second.score.mean), c.second.score.mean),
                Cell(number(c.only_first), c.only_first),
                Cell(number(c.only_second), c.only_second),
                Cell(f"{c.pvalue:.2e}", c.pvalue),
                Cell(f"{c.adjusted:.2e}", c.adjusted),
                Cell("yes" if c.adjusted < 0.05 else "no"),
            ]
        )
    return table


def not_comparable(report_data):
    """Entries with predictions whose test set no other entry shares (no paired test)."""
    lonely = [members[0] for members in report_data.test_sets.values() if len(members) == 1]
    return [
        f"{o.entry.id}: {_describe_data(o.entry)}, {number(o.first.n_test)} test samples "
        f"(test set {o.first.test_set})"
        for o in lonely
    ]


def unfinished(outcomes):
    """Entries without a current result, each with its message."""
    lines = []
    for outcome in outcomes:
        if outcome.status != OK:
            lines.append((outcome.entry.id, outcome.status, outcome.error or ""))
        elif outcome.stale:
            lines.append(
                (
                    outcome.entry.id,
                    "stale",
                    f"{'; '.join(outcome.stale)}: its figures are from an older version of the "
                    "entry. Run the suite again into this folder to replace them.",
                )
            )
    return lines
