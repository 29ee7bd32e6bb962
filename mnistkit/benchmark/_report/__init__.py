"""The benchmark report: a static HTML page with PNG figures, and a Markdown summary.

The report is a renderer: :mod:`._outcomes` reads the results folder into typed objects,
:mod:`._tables` turns them into plain tables (one column list for both outputs), the entry kinds
draw their own figures and facts, and Jinja2 templates shipped as package data write the page and
``summary.md``. The page works offline (CSS and the table sorter are inline) and every string from
results or suites is escaped by the template engine.

Writing is safe against failure half-way: figures get names from their contents, so a new figure
never overwrites one the old page shows; the page and the summary are replaced atomically last;
figures no page refers to any more are removed after that. Only files a report wrote are ever
removed: the report folder's manifest (``mnistkit-report.json``) lists them, and a folder that
holds files no report wrote (a paper's own figures) is refused rather than cleaned.
"""

import hashlib
import io
import json
import os
import re
from pathlib import Path

import jinja2
import markupsafe

from ...utils._files import atomic_write
from ...utils._lock import LOCK_NAME, FolderLock
from ._outcomes import OK, load_merged_report_data, load_report_data
from ._provenance import environment_rows, provenance, where_it_ran
from ._tables import (
    comparisons,
    css_class,
    leaderboard,
    not_comparable,
    number,
    reproduction,
    reproduction_rows,
    spread,
    unfinished,
)

__all__ = ["write_report"]

_MARKDOWN_INLINE = str.maketrans(
    {
        "\\": "\\\\",
        "&": "&amp;",
        "<": "&lt;",  # a lone ">" opens no tag; at the start of a line it is escaped below
        "|": "\\|",
        "`": "\\`",
        "*": "\\*",
        "~": "\\~",
    }
)
# "_" inside a word (smallest_class) never emphasises; only one at a word's edge needs escaping.
_MARKDOWN_EDGE_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
# A line that starts like this is a heading, a quote, a reference, a list item, a rule or a
# setext underline; a number such as 0.9912 is not (only "1." or "1)" and a space starts a
# list). A backslash escapes punctuation only: "1." becomes "1\.", not "\1.".
_MARKDOWN_BLOCK_START = re.compile(
    r"^(\s*)(#|>|\[(?=[^\]]*\]:)|[-+=](?=[\s+=-]|$)|\d+(?=[.)](?:\s|$)))"
)


def markdown_text(value):
    """``value`` as literal Markdown text on one line: nothing in it becomes markup.

    HTML is escaped as entities (a Markdown renderer passes raw HTML through, so ``<script>``
    from a suite would run in the reader's browser), Markdown's inline markers are
    backslash-escaped, a line break becomes a space (it would end a table row or start a
    heading), and a leading ``#``, ``>``, ``-``, ``+``, ``=`` or ``1.`` cannot start a block.

    Examples
    --------
    >>> from mnistkit.benchmark._report import markdown_text
    >>> print(markdown_text("<img onerror=x> 5|6 *bold*\\n# heading"))
    &lt;img onerror=x> 5\\|6 \\*bold\\* # heading
    """
    if isinstance(value, markupsafe.Markup):  # the template's own output (macros)
        return value
    text = " ".join(str(value).splitlines()).translate(_MARKDOWN_INLINE)
    text = _MARKDOWN_EDGE_UNDERSCORE.sub(r"\\_", text)
    # A bracket is a link or an image only when "(" or "[" follows it, or it starts a line
    # (a reference definition): an interval such as [0.62, 0.73] stays as it is.
    text = text.replace("](", "]\\(").replace("][", "]\\[")
    match = _MARKDOWN_BLOCK_START.match(text)
    if match:
        start, marker = match.end(1), match.group(2)
        at = start + len(marker) if marker[0].isdigit() else start
        text = text[:at] + "\\" + text[at:]
    return markupsafe.Markup(text)


def _templates():
    """The report's templates. Every value a template prints is escaped: as HTML in the page,
    as literal Markdown text (:func:`markdown_text`) in ``summary.md``, by the engine itself
    (``finalize``), so that a value added to a template later cannot be forgotten."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("mnistkit.benchmark._report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )
    markdown = environment.overlay(finalize=markdown_text)
    return environment, markdown


def _save_figure(figure, stem, figures_dir):
    """Write a figure as PNG under a name from its contents; return the file name."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    data = buffer.getvalue()
    name = f"{stem}-{hashlib.sha256(data).hexdigest()[:10]}.png"
    path = figures_dir / name
    # A figure of the same name is reused only when its bytes are these: the name promises the
    # contents, and a file replaced since (by hand or by a broken disk) is written anew.
    try:
        same = not path.is_symlink() and path.read_bytes() == data
    except OSError:
        same = False
    if not same:
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


def _lab_beside_ours(rows):
    """Each entry's reproduction rows, by entry id (the card shows them beside its figures)."""
    by_entry = {}
    for row in rows:
        by_entry.setdefault(row.entry_id, []).append(row)
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
            f"kind {entry.kind}, model {entry.model_label or '—'}, "
            f"data {entry.dataset} ({entry.split}), "
            f"{'parameters' if entry.estimator or entry.network else 'overrides'} "
            f"{json.dumps(entry.params)}, seed{'s' if entry.repeats > 1 else ''} {seeds}"
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
    if outcome.source:
        card["lines"].append(f"From {outcome.source}.")
    warned = [line for result in outcome.results for line in result.details.get("warnings", [])]
    if warned:
        card["lines"].append("Warnings while it ran: " + "; ".join(dict.fromkeys(warned)) + ".")
    card["lines"] += _baseline_settings(entry)
    card["lines"] += outcome.kind.card_lines(first)
    card["lines"] += where_it_ran(outcome.results)
    suffix = f" (seed {first.seed})" if entry.repeats > 1 else ""
    for caption, slug, figure in outcome.kind.figures(first, data):
        card["figures"].append(
            (caption + suffix, _save_figure(figure, f"{entry.id}-{slug}", figures_dir))
        )
    return card


def _baseline_settings(entry):
    """A named baseline's settings that are not scikit-learn's defaults, for its card: a
    reader copying a published configuration sees what differs (``[]`` for a user's model)."""
    if entry.estimator or entry.network or not entry.model:
        return []
    from ...baselines._registry import non_default_settings

    try:
        changed = non_default_settings(entry.model)
    except (ValueError, ImportError):
        return []
    overridden = {key.rsplit("__", 1)[-1] for key in entry.params} | set(entry.params)
    listed = [
        f"{key}={value!r} (default {default!r})"
        for key, value, default in changed
        if key not in overridden and key.rsplit("__", 1)[-1] not in overridden
    ]
    return [f"Baseline settings that are not the defaults: {', '.join(listed)}."] if listed else []


def _overview_figure(outcomes, figures_dir):
    """The score of every entry with one against its fit time (:class:`ScoreTimeDisplay`),
    saved; ``None`` with fewer than two such entries."""
    from matplotlib.figure import Figure

    from ...plotting import ScoreTimeDisplay

    points = []
    for outcome in outcomes:
        ok = [result for result in outcome.results if result.ok and result.fit_seconds]
        if outcome.score is not None and ok and not outcome.stale:
            seconds = sum(result.fit_seconds for result in ok) / len(ok)
            points.append((outcome.score.mean, seconds, outcome.entry.id))
    if len(points) < 2:
        return None
    figure = Figure(figsize=(7, 4.2), layout="constrained")
    scores, seconds, labels = zip(*points, strict=True)
    ScoreTimeDisplay(scores, seconds, labels).plot(
        ax=figure.add_subplot(), time_label="fit seconds, mean over seeds"
    )
    return _save_figure(figure, "score-against-fit-time", figures_dir)


MANIFEST = "mnistkit-report.json"
_LEGACY_TITLE = "<title>mnistkit benchmark: "
_LEGACY_FIGURE = re.compile(r'<img src="figures/([A-Za-z0-9._-]+\.png)"')
_REPORT_FILE = re.compile(r"^(index\.html|summary\.md|figures/[A-Za-z0-9][A-Za-z0-9._-]*\.png)$")
_FIGURE_NAME = re.compile(r"-(?P<digest>[0-9a-f]{10})\.png$")


def _is_our_figure(path):
    """A figure this report code wrote: its name ends with the hash of its own bytes (a
    figure written by a report killed before its manifest was updated is still known)."""
    match = _FIGURE_NAME.search(path.name)
    if match is None or path.parent.name != "figures":
        return False
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10] == match["digest"]
    except OSError:
        return False


def _written_before(output_dir):
    """The files (relative paths) an earlier report wrote into ``output_dir``.

    From its manifest; for a report of a mnistkit without manifests, the page, the summary and
    the figures that page shows (recognised by the page's title).
    """
    manifest = output_dir / MANIFEST
    if manifest.exists():
        try:
            files = json.loads(manifest.read_text(encoding="utf-8"))["files"]
            if not all(isinstance(name, str) and _REPORT_FILE.match(name) for name in files):
                raise TypeError("it names files that are not a report's")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"{manifest}, the list of files an earlier report wrote, is unreadable ({exc}). "
                "Delete the report folder (or just that file, if the folder holds nothing else "
                "of yours) and write the report again."
            ) from None
        return set(files)
    index = output_dir / "index.html"
    try:
        page = index.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    if _LEGACY_TITLE not in page:
        return set()
    shown = {f"figures/{name}" for name in _LEGACY_FIGURE.findall(page)}
    return {"index.html", "summary.md", *shown}


def _check_report_folder(output_dir):
    """What an earlier report wrote in ``output_dir``; a ``ValueError`` if anything else is there.

    A report replaces its own files and removes its own stale figures; it never deletes, or
    writes among, files it did not write.
    """
    if output_dir.is_symlink() and not output_dir.exists():
        raise ValueError(f"The report folder {output_dir} is a symbolic link to nothing.")
    if output_dir.exists() and not output_dir.is_dir():
        raise ValueError(f"The report folder {output_dir} is a file; choose a folder.")
    if not output_dir.exists():
        return set()
    for path in output_dir.rglob("*"):
        if path.is_symlink():
            raise ValueError(
                f"The report folder {output_dir} holds a symbolic link, "
                f"{path.relative_to(output_dir).as_posix()} (to {os.readlink(path)}): a report "
                "never writes through or over a link. Remove it (what it points to is not "
                "touched), or choose a new --out."
            )
    ours = _written_before(output_dir)
    foreign = []
    for path in output_dir.rglob("*"):
        name = path.relative_to(output_dir).as_posix()
        if path.is_dir() or path.name in (MANIFEST, LOCK_NAME) or path.name.endswith(".part"):
            continue
        if name in ours or (path.parent == output_dir / "figures" and _is_our_figure(path)):
            ours.add(name)
        else:
            foreign.append(name)
    foreign.sort()
    if foreign:
        listed = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise ValueError(
            f"The report folder {output_dir} holds files no mnistkit report wrote ({listed}); "
            "a report removes its old figures, so it is not written among other files. Choose "
            "a new or empty --out (e.g. a subfolder such as "
            f"{output_dir / 'benchmark-report'})."
        )
    return ours


def write_report(results_dir, output_dir=None):
    """Write ``index.html`` (with PNG figures) and ``summary.md`` for a results folder, or for
    several in one report.

    Parameters
    ----------
    results_dir : path-like or list of path-like
        A folder written by :func:`~mnistkit.benchmark.run_suite`, or several (two machines,
        last week's run and today's): entries that share an id are told apart by their run
        (``<id>.run<N>``), and each card names its folder, machine and date.
    output_dir : path-like, default=None
        Where to write the report; ``None`` means ``results_dir/report`` (required for
        several folders).

    Returns
    -------
    index : pathlib.Path
        The HTML page.
    """
    folders = [results_dir] if isinstance(results_dir, str | os.PathLike) else list(results_dir)
    folders = [Path(folder) for folder in folders]
    if not folders:
        raise ValueError("write_report needs at least one results folder.")
    if len(folders) > 1 and output_dir is None:
        raise ValueError(
            "A report over several results folders needs its own folder: pass output_dir (--out R)."
        )
    for folder in folders:
        if not (folder / "run.json").is_file():
            load_report_data(folder)  # says what is missing
    output_dir = Path(output_dir) if output_dir else folders[0] / "report"
    earlier = _check_report_folder(output_dir)
    with FolderLock(output_dir, "report folder"):
        inputs = _inputs_digest(folders)
        if _is_current(output_dir, earlier, inputs):
            return output_dir / "index.html"  # nothing it shows changed: left as it is
        data = load_merged_report_data(folders)
        return _write_locked(data, folders[0], output_dir, earlier, inputs)


def _inputs_digest(folders):
    """A hash of everything a report shows: each folder's run file, every record and
    predictions file, the suite file as it is now, and the code that draws the report
    (mnistkit's source)."""
    digest = hashlib.sha256()
    files = []
    for results_dir in folders:
        run_path = results_dir / "run.json"
        files += [run_path, *sorted((results_dir / "entries").rglob("*"))]
        try:
            suite_path = json.loads(run_path.read_text(encoding="utf-8")).get("suite_path")
        except (OSError, ValueError, AttributeError):
            suite_path = None
        if isinstance(suite_path, str) and Path(suite_path).is_file():
            files.append(Path(suite_path))
    package = Path(__file__).resolve().parents[2]
    files += sorted(package.rglob("*.py")) + sorted(package.rglob("*.toml"))
    files += sorted(Path(__file__).parent.joinpath("templates").iterdir())
    for path in files:
        if path.is_file():
            # Names relative to their folder: the same results read as results/quick or as
            # /home/me/results/quick are the same inputs.
            digest.update(path.name.encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _is_current(output_dir, earlier, inputs):
    """Whether the report in ``output_dir`` was written from exactly these inputs and all its
    files are still there."""
    try:
        manifest = json.loads((output_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not (isinstance(manifest, dict) and manifest.get("inputs") == inputs and earlier):
        return False
    pages = manifest.get("pages")
    for name in earlier:  # every file as it was written: pages by their hash, figures by name
        path = output_dir / name
        if name.startswith("figures/"):
            if not _is_our_figure(path):
                return False
        elif not (isinstance(pages, dict) and path.is_file() and pages.get(name) == _hash(path)):
            return False
    return True


def _hash(path):
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _write_locked(data, results_dir, output_dir, earlier, inputs):
    figures_dir = output_dir / "figures"
    figures_dir.mkdir(parents=True, exist_ok=True)
    outcomes = data.outcomes
    n_results = sum(bool(outcome.results) for outcome in outcomes)
    n_ok = sum(outcome.status == OK for outcome in outcomes)
    environment, environment_note = environment_rows(data)
    rows = reproduction_rows(outcomes)
    reproduced = reproduction(rows)
    beside = _lab_beside_ours(rows)
    context = {
        "title": f"mnistkit benchmark: {data.run.get('suite', results_dir.name)}",
        "description": data.run.get("description", ""),
        "counts": f"{n_results} of {len(outcomes)} entries have results; {n_ok} succeeded.",
        "provenance": provenance(data),
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
        "overview": _overview_figure(outcomes, figures_dir),
    }
    html, markdown = _templates()
    summary = markdown.get_template("summary.md").render(context)
    page = html.get_template("index.html").render(context)
    shown = {f"figures/{name}" for card in context["cards"] for _, name in card["figures"]}
    if context["overview"]:
        shown.add(f"figures/{context['overview']}")
    written = {"index.html", "summary.md", *shown}
    # The manifest first lists both the old and the new files: a report killed half-way
    # leaves a folder whose every file is still known to be the report's.
    atomic_write(output_dir / MANIFEST, json.dumps({"files": sorted(written | earlier)}))
    atomic_write(output_dir / "summary.md", summary)
    index = atomic_write(output_dir / "index.html", page)
    for name in sorted(earlier - written):
        (output_dir / name).unlink(missing_ok=True)
    pages = {name: _hash(output_dir / name) for name in ("index.html", "summary.md")}
    atomic_write(
        output_dir / MANIFEST,
        json.dumps({"files": sorted(written), "inputs": inputs, "pages": pages}, indent=1),
    )
    return index
