"""The benchmark report: a static HTML page with PNG figures, and a Markdown summary.

The page works offline (no CDN: its CSS and its 20-line table sorter are inline) and every
string from results or suites is HTML-escaped.
"""

import functools
import itertools
import json
from html import escape
from pathlib import Path

import numpy as np

from ._entry import load_entry_data

#: Status shown for a suite entry that has no result in the folder (yet).
NOT_RUN = "not run"

__all__ = ["load_results", "write_report"]

_FIGURES = {
    "test_accuracy": ("metrics", "accuracy"),
    "test_loss": ("metrics", "log_loss"),
    "homogeneity": ("metrics", "homogeneity"),
    "adjusted_rand": ("metrics", "adjusted_rand"),
    "silhouette": ("metrics", "silhouette"),
    "cluster_accuracy": ("metrics", "cluster_accuracy"),
    "explained_variance": ("metrics", "explained_variance"),
    "best_value": ("metrics", "best_value"),
    "validation_accuracy": (None, "validation_accuracy"),
    "train_accuracy": (None, "train_accuracy"),
    "n_parameters": (None, "n_parameters"),
    "hog_seconds": (None, "hog_seconds"),
}

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;
max-width:1200px;color:#1d2733;line-height:1.45;padding:0 1rem}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #dde3ea;padding-bottom:.2rem;margin-top:2.2rem}
.muted{color:#5d6b7a}table{border-collapse:collapse;width:100%;margin:.8rem 0;font-size:.92rem}
th,td{border-bottom:1px solid #e3e8ee;padding:.35rem .55rem;text-align:right}
th:first-child,td:first-child,td.text,th.text{text-align:left}th{background:#f3f6f9;position:sticky;top:0}
th.sortable{cursor:pointer}th.sortable:after{content:" \\2195";color:#9aa7b4}
tr:hover td{background:#f8fafc}.ok{color:#1a7f37}.failed,.timeout{color:#c62828;font-weight:600}
.data-missing,.not-run{color:#9a6700;font-weight:600}
.entry{border:1px solid #e3e8ee;border-radius:8px;padding:1rem;margin:1.2rem 0}
.figures{display:flex;flex-wrap:wrap;gap:1rem}.figures img{max-width:540px;width:100%;
border:1px solid #eef1f4}code{background:#f3f6f9;padding:0 .25rem;border-radius:3px}
.better{color:#1a7f37}.worse{color:#c62828}
"""

_SORTER = """
document.querySelectorAll('table.sortable').forEach(function(table){
  table.querySelectorAll('th').forEach(function(th, column){
    th.classList.add('sortable');
    th.addEventListener('click', function(){
      var body = table.tBodies[0], rows = Array.from(body.rows);
      var ascending = th.dataset.order !== 'asc'; th.dataset.order = ascending ? 'asc' : 'desc';
      rows.sort(function(a, b){
        var x = a.cells[column].dataset.value || a.cells[column].textContent;
        var y = b.cells[column].dataset.value || b.cells[column].textContent;
        var nx = parseFloat(x), ny = parseFloat(y);
        var cmp = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
        return ascending ? cmp : -cmp;
      });
      rows.forEach(function(row){ body.appendChild(row); });
    });
  });
});
"""


def _with_entries_not_run(run, results):
    """``results`` plus a "not run" placeholder for each suite entry that has no result."""
    have = {result["id"] for result in results}
    suite = run.get("suite", "SUITE")
    missing = [
        {
            "id": entry["id"],
            "entry": entry,
            "status": NOT_RUN,
            "random_state": entry.get("random_state"),
            "error": (
                f"No result yet. Run it with 'mnistkit benchmark run {suite} --out DIR "
                f"--entries {entry['id']}' (DIR: this results folder)."
            ),
        }
        for entry in run.get("entry_specs", [])
        if entry["id"] not in have
    ]
    return _in_suite_order(run, results + missing)


def _in_suite_order(run, results):
    order = {entry_id: index for index, entry_id in enumerate(run.get("entries", []))}
    return sorted(results, key=lambda result: order.get(result["id"], len(order)))


def _status_class(status):
    """CSS class of a status ("data missing" -> "data-missing"), safe in an attribute."""
    return escape(str(status).replace(" ", "-"))


def load_results(results_dir):
    """Return (run, results): ``run.json`` and every entry result, in suite order."""
    results_dir = Path(results_dir)
    run_path = results_dir / "run.json"
    if not run_path.exists():
        raise FileNotFoundError(
            f"{results_dir} holds no benchmark results (no run.json). Run "
            f"'mnistkit benchmark run SUITE --out {results_dir}' first."
        )
    run = json.loads(run_path.read_text())
    results = {}
    for path in sorted((results_dir / "entries").glob("[!.]*.json")):
        result = json.loads(path.read_text())
        results[result["id"]] = result
    return run, _in_suite_order(run, list(results.values()))


def _ours(result, figure):
    section, key = _FIGURES.get(figure, (None, None))
    if figure == "f1":
        metrics = result.get("metrics", {})
        binary = metrics.get("binary")
        return binary["f1"] if binary else metrics.get("f1_macro")
    source = result.get(section, {}) if section else result
    return source.get(key) if isinstance(source, dict) else None


def _number(value, digits=4):
    if value is None:
        return "&mdash;"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return escape(str(value))
    if isinstance(value, int) or (float(value).is_integer() and abs(value) >= 100):
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def _save(ax, path):
    ax.figure.savefig(path, dpi=80)
    return path.name


@functools.cache
def _cached_data(entry_json):
    return load_entry_data(json.loads(entry_json))


def _entry_figures(result, results_dir, figures_dir):
    """Render the figures of one entry; return [(caption, file name)]."""
    from ..metrics import evaluate
    from ..plotting import (
        plot_confusion_matrix,
        plot_learning_curves,
        plot_misclassified,
    )

    entry_id = result["id"]
    figures = []
    predictions = Path(results_dir, "entries", f"{entry_id}.predictions.npz")
    if predictions.exists():
        arrays = np.load(predictions, allow_pickle=False)
        metrics = result["metrics"]
        evaluation = evaluate(
            arrays["y_true"],
            arrays["y_pred"],
            labels=np.asarray(metrics["labels"]),
            target_names=metrics["target_names"],
        )
        figures.append(
            (
                "Confusion matrix (row-normalised)",
                _save(
                    plot_confusion_matrix(evaluation, normalize=True),
                    figures_dir / f"{entry_id}-confusion.png",
                ),
            )
        )
        try:
            images = _cached_data(json.dumps(result["entry"], sort_keys=True))[4]
        except Exception:  # the data set is not on this machine: skip the picture
            images = None
        if (
            images is not None
            and len(images) == evaluation.n_samples
            and len(evaluation.misclassified_indices)
        ):
            figures.append(
                (
                    "Misclassified test images (true -> predicted)",
                    _save(
                        plot_misclassified(evaluation, images, n_images=20),
                        figures_dir / f"{entry_id}-misclassified.png",
                    ),
                )
            )
    history = result.get("history")
    if history and "loss" in history:
        figures.append(
            (
                "Learning curves: loss",
                _save(
                    plot_learning_curves(history, metric="loss"),
                    figures_dir / f"{entry_id}-loss.png",
                ),
            )
        )
        if "accuracy" in history:
            figures.append(
                (
                    "Learning curves: accuracy",
                    _save(
                        plot_learning_curves(history, metric="accuracy"),
                        figures_dir / f"{entry_id}-accuracy.png",
                    ),
                )
            )
    sweep = result.get("metrics", {}).get("sweep") if result.get("status") == "ok" else None
    if sweep:
        from ..plotting._common import get_axes

        ax = get_axes(None, figsize=(6, 4))
        values = [row["value"] for row in sweep]
        ax.plot(values, [row["train_accuracy"] for row in sweep], marker="o", label="training")
        ax.plot(values, [row["test_accuracy"] for row in sweep], marker="o", label="test")
        ax.set_xlabel(result["metrics"]["param"])
        ax.set_ylabel("accuracy")
        ax.set_title(f"{entry_id}: accuracy against {result['metrics']['param']}")
        ax.legend()
        ax.grid(alpha=0.3)
        figures.append(("Sweep", _save(ax, figures_dir / f"{entry_id}-sweep.png")))
    return figures


def _mcnemar_rows(results, results_dir, top=4):
    """Pairwise McNemar tests between the best classifiers that share a test set."""
    from ..metrics import mcnemar_test

    groups = {}
    for result in results:
        path = Path(results_dir, "entries", f"{result['id']}.predictions.npz")
        if result.get("status") == "ok" and path.exists():
            entry = result["entry"]
            key = (entry["dataset"], entry["split"], entry["test_size"], entry.get("path"))
            groups.setdefault(key, []).append(result)
    rows = []
    for members in groups.values():
        best = sorted(members, key=lambda r: -r["metrics"]["accuracy"])[:top]
        for first, second in itertools.combinations(best, 2):
            a = np.load(Path(results_dir, "entries", f"{first['id']}.predictions.npz"))
            b = np.load(Path(results_dir, "entries", f"{second['id']}.predictions.npz"))
            test = mcnemar_test(a["y_true"], a["y_pred"], b["y_pred"])
            rows.append(
                (
                    first["id"],
                    second["id"],
                    first["metrics"]["accuracy"],
                    second["metrics"]["accuracy"],
                    test,
                )
            )
    return rows


def _qualitative(result):
    """Our figures for a lab finding given in words: the sweep's curve, or the accuracy."""
    metrics = result.get("metrics") or {}
    if "sweep" in metrics:
        rows, param = metrics["sweep"], metrics["param"]
        best = max(rows, key=lambda row: row["test_accuracy"])
        if "homogeneity" in rows[0]:
            curve = [row["homogeneity"] for row in rows]
            trend = (
                "rises with every step"
                if all(b > a for a, b in itertools.pairwise(curve))
                else "does not rise at every step"
            )
            return (
                f"training-set homogeneity by {param}: "
                + ", ".join(f"{row['value']}: {row['homogeneity']:.3f}" for row in rows)
                + f" ({trend}); best test accuracy of the majority-named clusters "
                f"{best['test_accuracy']:.4f} at {best['value']}"
            )
        return (
            f"test accuracy by {param} (train minus test in brackets): "
            + ", ".join(
                f"{row['value']}: {row['test_accuracy']:.4f} "
                f"({row['train_accuracy'] - row['test_accuracy']:+.3f})"
                for row in rows
            )
            + f"; best {best['value']}"
        )
    if "accuracy" in metrics:
        return f"test accuracy {metrics['accuracy']:.4f}"
    return None


def _difference(figure, reported, ours):
    """Ours minus reported; for times, how many times faster or slower (a ratio reads better)."""
    if not (isinstance(ours, int | float) and isinstance(reported, int | float)):
        return None
    if figure.endswith("_seconds") and ours > 0 and reported > 0:
        ratio = reported / ours
        return f"{ratio:,.0f}x faster" if ratio >= 1 else f"{1 / ratio:,.1f}x slower"
    return ours - reported


def _reproduction_rows(results):
    rows = []
    for result in results:
        entry = result["entry"]
        finding = entry.get("reported_finding")
        if finding or (not entry.get("reported") and entry.get("reported_note")):
            ours = _qualitative(result) if result.get("status") == "ok" else None
            rows.append(
                (
                    result["id"],
                    entry.get("reported_note") or entry.get("description", ""),
                    "finding",
                    finding or entry["reported_note"],
                    ours,
                    None,
                    result.get("status"),
                )
            )
        for figure, reported in entry.get("reported", {}).items():
            ours = _ours(result, figure) if result.get("status") == "ok" else None
            difference = _difference(figure, reported, ours)
            rows.append(
                (
                    result["id"],
                    entry.get("reported_note") or entry.get("description", ""),
                    figure,
                    reported,
                    ours,
                    difference,
                    result.get("status"),
                )
            )
    return rows


def _describe_data(entry):
    """'mnist (lab)', 'mnist, classes 0, 1 (train/test)': what an entry's accuracy is over."""
    classes = entry.get("classes")
    subset = f", classes {', '.join(map(str, classes))}" if classes else ""
    return f"{entry['dataset']}{subset} ({entry['split']})"


def _leaderboard(results):
    rows = []
    for result in results:
        metrics = result.get("metrics") or {}
        entry = result["entry"]
        rows.append(
            {
                "id": result["id"],
                "model": entry.get("model") or entry.get("kind"),
                "dataset": _describe_data(entry),
                "status": result.get("status"),
                "accuracy": metrics.get("accuracy", metrics.get("cluster_accuracy")),
                "f1": metrics.get("f1_macro"),
                "fit_seconds": result.get("fit_seconds"),
                "predict_seconds": result.get("predict_seconds"),
                "peak_memory_mib": result.get("peak_memory_mib"),
                "n_parameters": result.get("n_parameters"),
            }
        )
    return sorted(rows, key=lambda row: -(row["accuracy"] if row["accuracy"] is not None else -1))


def _text_cell(value):
    """A cell of words (a finding), read left to right."""
    return f"<td class='text'>{_number(value)}</td>"


def _cell(value, digits=4):
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else ""
    return f'<td data-value="{escape(str(number))}">{_number(value, digits)}</td>'


def write_report(results_dir, output_dir=None):
    """Write ``index.html`` (with PNG figures) and ``summary.md`` for a results folder.

    Parameters
    ----------
    results_dir : path-like
        A folder written by :func:`run_suite`.
    output_dir : path-like, default=None
        Where to write the report; ``None`` means ``results_dir/report``.

    Returns
    -------
    index : pathlib.Path
        The HTML page.
    """
    results_dir = Path(results_dir)
    run, results = load_results(results_dir)
    n_results, n_ok = len(results), sum(r.get("status") == "ok" for r in results)
    results = _with_entries_not_run(run, results)
    output_dir = Path(output_dir) if output_dir else results_dir / "report"
    figures_dir = output_dir / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    board = _leaderboard(results)
    reproduction = _reproduction_rows(results)
    mcnemar = _mcnemar_rows(results, results_dir)
    title = f"mnistkit benchmark: {run.get('suite', results_dir.name)}"

    html = [
        f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p class='muted'>{escape(run.get('description', ''))}</p>",
        f"<p>{n_results} of {len(run.get('entries', []))} entries have results; "
        f"{n_ok} succeeded.</p>",
    ]

    html.append(
        "<h2>Leaderboard</h2><p class='muted'>Click a column to sort. Accuracy is on "
        "the test split (clustering: unsupervised cluster accuracy).</p>"
    )
    html.append(
        "<table class='sortable'><thead><tr><th>entry</th><th class='text'>model</th>"
        "<th class='text'>data</th><th class='text'>status</th><th>accuracy</th>"
        "<th>macro F1</th><th>fit (s)</th><th>predict (s)</th><th>peak memory (MiB)</th>"
        "<th>parameters</th></tr></thead>"
        "<tbody>"
    )
    for row in board:
        html.append(
            f"<tr><td><a href='#{escape(row['id'])}'>{escape(row['id'])}</a></td>"
            f"<td class='text'>{escape(str(row['model']))}</td>"
            f"<td class='text'>{escape(row['dataset'])}</td>"
            f"<td class='text {_status_class(row['status'])}'>{escape(str(row['status']))}</td>"
            + _cell(row["accuracy"])
            + _cell(row["f1"])
            + _cell(row["fit_seconds"], 1)
            + _cell(row["predict_seconds"], 2)
            + _cell(row["peak_memory_mib"], 0)
            + _cell(row["n_parameters"])
            + "</tr>"
        )
    html.append("</tbody></table>")

    if reproduction:
        html.append(
            "<h2>Reproduction of the lab reports</h2><p class='muted'>Each published "
            "figure beside ours, with the difference (ours minus reported).</p>"
        )
        html.append(
            "<table class='sortable'><thead><tr><th>experiment</th><th class='text'>configuration"
            "</th><th>figure</th><th>reported</th><th>ours</th><th>difference</th>"
            "</tr></thead><tbody>"
        )
        for entry_id, note, figure, reported, ours, difference, status in reproduction:
            cell = _text_cell if figure == "finding" else _cell
            shown = (
                cell(ours)
                if status == "ok"
                else (f"<td class='{_status_class(status)}'>{escape(str(status))}</td>")
            )
            html.append(
                f"<tr><td><a href='#{escape(entry_id)}'>{escape(entry_id)}</a></td>"
                f"<td style='text-align:left'>{escape(note)}</td>"
                f"<td>{escape(figure)}</td>" + cell(reported) + shown + _cell(difference) + "</tr>"
            )
        html.append("</tbody></table>")

    if mcnemar:
        html.append(
            "<h2>Are the differences real? McNemar's test</h2><p class='muted'>Between "
            "the best classifiers evaluated on the same test set; p &lt; 0.05 means the "
            "two error rates differ.</p><table><thead><tr><th>model A</th><th class='text'>model B"
            "</th><th>accuracy A</th><th>accuracy B</th><th>only A right</th>"
            "<th>only B right</th><th>p-value</th><th>significant</th></tr></thead>"
            "<tbody>"
        )
        for first, second, accuracy_a, accuracy_b, test in mcnemar:
            html.append(
                f"<tr><td>{escape(first)}</td><td class='text'>{escape(second)}</td>"
                + _cell(accuracy_a)
                + _cell(accuracy_b)
                + _cell(test.only_a_correct)
                + _cell(test.only_b_correct)
                + f"<td>{test.pvalue:.2e}</td>"
                f"<td>{'yes' if test.significant() else 'no'}</td></tr>"
            )
        html.append("</tbody></table>")

    html.append("<h2>Entries</h2>")
    for result in results:
        html.append(_entry_section(result, results_dir, figures_dir))

    environment = next(
        (r["environment"] for r in results if "environment" in r), run.get("environment", {})
    )
    html.append("<h2>Environment</h2><table><tbody>")
    for key in ("python", "platform", "processor", "cpu_count", "memory_gib"):
        html.append(f"<tr><td>{escape(key)}</td><td>{escape(str(environment.get(key)))}</td></tr>")
    for package, version in environment.get("versions", {}).items():
        html.append(f"<tr><td>{escape(package)}</td><td>{escape(str(version))}</td></tr>")
    html.append("</tbody></table>")
    html.append(f"<script>{_SORTER}</script></body></html>")

    index = output_dir / "index.html"
    index.write_text("\n".join(html), encoding="utf-8")
    (output_dir / "summary.md").write_text(
        _markdown(title, run, results, board, reproduction, mcnemar), encoding="utf-8"
    )
    return index


def _entry_section(result, results_dir, figures_dir):
    entry = result["entry"]
    status = result.get("status")
    parts = [
        f"<div class='entry' id='{escape(result['id'])}'><h3>{escape(result['id'])} "
        f"<span class='{_status_class(status)}'>({escape(str(status))})</span></h3>"
    ]
    description = entry.get("description") or entry.get("reported_note")
    if description:
        parts.append(f"<p>{escape(description)}</p>")
    parts.append(
        f"<p class='muted'>model <code>{escape(str(entry.get('model')))}</code>, "
        f"data {escape(entry['dataset'])} ({escape(entry['split'])}), "
        f"overrides <code>{escape(json.dumps(entry.get('params', {})))}</code>, "
        f"seed {escape(str(result.get('random_state')))}</p>"
    )
    if status != "ok":
        parts.append(
            f"<p class='{_status_class(status)}'>{escape(str(result.get('error')))}</p></div>"
        )
        return "".join(parts)
    metrics = result.get("metrics", {})
    facts = []
    for label, value, digits in [
        ("accuracy", metrics.get("accuracy"), 4),
        ("balanced accuracy", metrics.get("balanced_accuracy"), 4),
        ("macro F1", metrics.get("f1_macro"), 4),
        ("log loss", metrics.get("log_loss"), 4),
        ("fit seconds", result.get("fit_seconds"), 1),
        ("predict seconds", result.get("predict_seconds"), 2),
        ("peak memory MiB", result.get("peak_memory_mib"), 0),
        ("parameters", result.get("n_parameters"), 0),
    ]:
        if value is not None:
            facts.append(f"{escape(label)} <b>{_number(value, digits)}</b>")
    if "homogeneity" in metrics:
        facts += [
            f"{escape(key)} <b>{_number(metrics.get(key))}</b>"
            for key in ("homogeneity", "adjusted_rand", "cluster_accuracy", "silhouette")
        ]
    if "explained_variance" in metrics:
        facts.append(
            f"variance explained by {metrics['n_components']} components "
            f"<b>{metrics['explained_variance']:.4f}</b>; 90% needs "
            f"<b>{metrics['components_for_90_percent']}</b> components"
        )
    parts.append("<p>" + " &middot; ".join(facts) + "</p>")
    if result.get("best_params"):
        parts.append(
            f"<p>grid search (cross-validation on the training split) chose "
            f"<code>{escape(json.dumps(result['best_params']))}</code></p>"
        )
    if metrics.get("most_confused"):
        names = dict(zip(map(str, metrics["labels"]), metrics["target_names"], strict=True))
        pairs = ", ".join(
            f"{escape(names[str(t)])} &rarr; {escape(names[str(p)])} ({c})"
            for t, p, c in metrics["most_confused"]
        )
        parts.append(f"<p>Most confused (true &rarr; predicted): {pairs}</p>")
    figures = _entry_figures(result, results_dir, figures_dir)
    if figures:
        parts.append("<div class='figures'>")
        for caption, name in figures:
            parts.append(
                f"<figure><img src='figures/{escape(name)}' alt='{escape(caption)}'>"
                f"<figcaption class='muted'>{escape(caption)}</figcaption></figure>"
            )
        parts.append("</div>")
    parts.append("</div>")
    return "".join(parts)


def _markdown(title, run, results, board, reproduction, mcnemar):
    def cell(value, digits=4):
        if isinstance(value, str):
            return value.replace("|", "/")  # Markdown is not HTML: no escaping, but no pipes
        text = _number(value, digits)
        return "-" if text == "&mdash;" else text

    lines = [
        f"# {title}",
        "",
        run.get("description", ""),
        "",
        "## Leaderboard",
        "",
        "| entry | model | data | status | accuracy | macro F1 | fit (s) | peak MiB | parameters |",
        "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in board:
        lines.append(
            f"| {row['id']} | {row['model']} | {row['dataset']} | {row['status']}"
            f" | {cell(row['accuracy'])}"
            f" | {cell(row['f1'])} | {cell(row['fit_seconds'], 1)} |"
            f" {cell(row['peak_memory_mib'], 0)} | {cell(row['n_parameters'])} |"
        )
    if reproduction:
        lines += [
            "",
            "## Reproduction of the lab reports",
            "",
            "| experiment | figure | reported | ours | difference |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for entry_id, _, figure, reported, ours, difference, status in reproduction:
            shown = cell(ours) if status == "ok" else (status or "not run")
            lines.append(
                f"| {entry_id} | {figure} | {cell(reported)} | {shown} | {cell(difference)} |"
            )
    unfinished = [result for result in results if result.get("status") != "ok"]
    if unfinished:
        lines += ["", "## Entries without a result", ""]
        lines += [
            f"- **{result['id']}** ({result.get('status')}): {result.get('error')}"
            for result in unfinished
        ]
    if mcnemar:
        lines += [
            "",
            "## McNemar's test",
            "",
            "| A | B | only A right | only B right | p |",
            "| --- | --- | ---: | ---: | ---: |",
        ]
        for first, second, _, _, test in mcnemar:
            lines.append(
                f"| {first} | {second} | {test.only_a_correct} | {test.only_b_correct}"
                f" | {test.pvalue:.2e} |"
            )
    return "\n".join(lines) + "\n"
