"""The benchmark report: a static HTML page with PNG figures, and a Markdown summary.

The report is a renderer: :mod:`._outcomes` reads the results folder into typed objects,
:mod:`._tables` turns them into plain tables (one column list for both outputs), the entry kinds
draw their own figures and facts, and Jinja2 templates shipped as package data write the page and
``summary.md``. The page works offline (CSS and the table sorter are inline) and every string from
results or suites is escaped by the template engine.

Writing is safe against failure half-way: figures get names from their contents, so a new figure
never overwrites one the old page shows; the page and the summary are replaced atomically last;
figures no page refers to any more are removed after that.
"""

import contextlib
import hashlib
import io
import json
from pathlib import Path

import jinja2

from ...utils._files import atomic_write
from ._outcomes import OK, load_report_data
from ._tables import (
    comparisons,
    css_class,
    leaderboard,
    not_comparable,
    number,
    reproduction,
    spread,
    unfinished,
)

__all__ = ["write_report"]

_ENVIRONMENT_KEYS = ("python", "platform", "processor", "cpu_count", "memory_gib")


def _markdown_cell(value):
    """Markdown is not HTML: no escaping, but a pipe or a new line would break the row."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def _templates():
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mnistkit.benchmark._report", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = _markdown_cell
    return environment


def _save_figure(figure, stem, figures_dir):
    """Write a figure as PNG under a name from its contents; return the file name."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    data = buffer.getvalue()
    name = f"{stem}-{hashlib.sha256(data).hexdigest()[:10]}.png"
    path = figures_dir / name
    if not path.exists():
        atomic_write(path, data)
    return name


def _facts(outcome):
    """The kind's facts of each seed, combined: one value, or mean ± std over the seeds."""
    ok = [result for result in outcome.results if result.ok]
    combined = {}
    for result in ok:
        for fact in outcome.kind.facts(result):
            combined.setdefault(fact.label, (fact.digits, []))[1].append(fact.value)
    for label, result_name, digits in (
        ("fit seconds", "fit_seconds", 1),
        ("predict seconds", "predict_seconds", 2),
        ("peak memory MiB", "peak_memory_mib", 0),
    ):
        values = [getattr(r, result_name) for r in ok if getattr(r, result_name) is not None]
        if values:
            combined[label] = (digits, values)
    return [(label, spread(values, digits)) for label, (digits, values) in combined.items()]


def _lab_beside_ours(reproduction_table):
    """Each entry's rows of the reproduction table, as (figure, lab, ours, verdict, why)."""
    by_entry = {}
    for row in reproduction_table.rows:
        figure, reported, ours, _, _, judged, why = (cell.text for cell in row[2:])
        by_entry.setdefault(row[0].text, []).append(
            (figure, reported, ours, judged, row[7].css, why)
        )
    return by_entry


def _card(outcome, data, figures_dir, beside=()):
    entry, first = outcome.entry, outcome.first
    seeds = ", ".join(str(entry.seed(repeat)) for repeat in range(entry.repeats))
    card = {
        "id": entry.id,
        "status": outcome.status,
        "status_css": css_class(outcome.status),
        "description": entry.description or entry.reported_note,
        "configuration": (
            f"kind {entry.kind}, model {entry.model or '—'}, data {entry.dataset} ({entry.split}), "
            f"overrides {json.dumps(entry.params)}, seed{'s' if entry.repeats > 1 else ''} {seeds}"
        ),
        "stale": "; ".join(outcome.stale),
        "error": None if outcome.ok else outcome.error,
        "facts": [],
        "lines": [],
        "figures": [],
        "beside": list(beside),
    }
    if not outcome.ok:
        return card
    card["facts"] = _facts(outcome)
    if outcome.score and len(outcome.score.values) > 1:
        card["lines"].append(
            f"{outcome.kind.score_label} per seed: "
            + ", ".join(
                f"{result.seed}: {number(value)}"
                for result, value in zip(outcome.results, outcome.score.values, strict=False)
            )
        )
    if first.details.get("best_params"):
        card["lines"].append(
            "grid search (cross-validation on the training part) chose "
            + json.dumps(first.details["best_params"])
        )
    metrics = first.metrics
    if metrics.get("most_confused"):
        names = dict(zip(map(str, metrics["labels"]), metrics["target_names"], strict=True))
        card["lines"].append(
            "Most confused (true → predicted): "
            + ", ".join(
                f"{names[str(t)]} → {names[str(p)]} ({c})" for t, p, c in metrics["most_confused"]
            )
        )
    suffix = f" (seed {first.seed})" if entry.repeats > 1 else ""
    with _closing_new_figures():
        for caption, slug, figure in outcome.kind.figures(first, data):
            card["figures"].append(
                (caption + suffix, _save_figure(figure, f"{entry.id}-{slug}", figures_dir))
            )
    return card


@contextlib.contextmanager
def _closing_new_figures():
    """Close the pyplot figures opened inside (the plots draw into new pyplot figures).

    A report draws hundreds of figures in one process: each card's are closed once saved, and
    only those, so figures a notebook user has open stay open.
    """
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    try:
        yield
    finally:
        for number in set(plt.get_fignums()) - before:
            plt.close(number)


def _environment(data):
    """The machine and versions, and a note when the results come from more than one."""
    environments = {}
    for outcome in data.outcomes:
        for result in outcome.results:
            if result.environment:
                key = json.dumps(
                    {k: result.environment.get(k) for k in (*_ENVIRONMENT_KEYS, "versions")},
                    sort_keys=True,
                )
                environments.setdefault(key, []).append(result.id)
    chosen = (
        json.loads(next(iter(environments))) if environments else data.run.get("environment", {})
    )
    rows = [(key, str(chosen.get(key))) for key in _ENVIRONMENT_KEYS]
    rows += [(package, str(version)) for package, version in chosen.get("versions", {}).items()]
    note = None
    if len(environments) > 1:
        others = sorted({i for ids in list(environments.values())[1:] for i in ids})
        note = (
            f"The results come from {len(environments)} different machines or library versions; "
            f"this table is that of the first. Different: {', '.join(others)}."
        )
    return rows, note


def write_report(results_dir, output_dir=None):
    """Write ``index.html`` (with PNG figures) and ``summary.md`` for a results folder.

    Parameters
    ----------
    results_dir : path-like
        A folder written by :func:`~mnistkit.benchmark.run_suite`.
    output_dir : path-like, default=None
        Where to write the report; ``None`` means ``results_dir/report``.

    Returns
    -------
    index : pathlib.Path
        The HTML page.
    """
    results_dir = Path(results_dir)
    data = load_report_data(results_dir)
    output_dir = Path(output_dir) if output_dir else results_dir / "report"
    figures_dir = output_dir / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    outcomes = data.outcomes
    n_results = sum(bool(outcome.results) for outcome in outcomes)
    n_ok = sum(outcome.status == OK for outcome in outcomes)
    environment, environment_note = _environment(data)
    reproduced = reproduction(outcomes)
    beside = _lab_beside_ours(reproduced)
    context = {
        "title": f"mnistkit benchmark: {data.run.get('suite', results_dir.name)}",
        "description": data.run.get("description", ""),
        "counts": f"{n_results} of {len(outcomes)} entries have results; {n_ok} succeeded.",
        "suite_note": data.suite_note,
        "n_stale": sum(bool(outcome.ok and outcome.stale) for outcome in outcomes),
        "leaderboard": leaderboard(outcomes),
        "reproduction": reproduced,
        "comparisons": comparisons(data),
        "not_comparable": not_comparable(data),
        "unfinished": unfinished(outcomes),
        "cards": [
            _card(outcome, data, figures_dir, beside.get(outcome.entry.id, ()))
            for outcome in outcomes
        ],
        "environment": environment,
        "environment_note": environment_note,
    }
    templates = _templates()
    summary = templates.get_template("summary.md").render(context)
    page = templates.get_template("index.html").render(context)
    atomic_write(output_dir / "summary.md", summary)
    index = atomic_write(output_dir / "index.html", page)
    shown = {name for card in context["cards"] for _, name in card["figures"]}
    for path in figures_dir.glob("*.png"):
        if path.name not in shown:
            path.unlink(missing_ok=True)
    return index
