"""Results as data: every record of one or several results folders as one tidy DataFrame.

One row per entry and repeat, in the shape benchopt keeps its runs (one long table that pandas,
a paper's table or a plot builds on): what ran, its status and why, every scalar figure its
kind recorded, the 95% intervals the report shows, the times and memory, and where and with
what it ran. The rows are read through the same :func:`~._report._outcomes.load_report_data`
as the report, so a figure here is the figure on the page, and a stale, invalid or corrupt
record is marked as the report marks it.
"""

from pathlib import Path

from ..utils._cpu import cpu_class_of

__all__ = ["RESULT_COLUMNS", "leaderboard_text", "load_results"]

#: The columns every frame has, in order; the kinds' own scalar figures follow them.
RESULT_COLUMNS = (
    "folder",
    "suite",
    "id",
    "kind",
    "model",
    "dataset",
    "split",
    "repeat",
    "seed",
    "status",
    "reason",
    "warnings",
    "score",
    "score_low",
    "score_high",
    "f1_macro_low",
    "f1_macro_high",
    "fit_seconds",
    "predict_seconds",
    "load_seconds",
    "seconds",
    "peak_memory_mib",
    "n_train",
    "n_test",
    "precision",
    "cpu",
    "cpu_class",
    "cpu_count",
    "host",
    "worker",
    "threads",
    "blas",
    "python",
    "mnistkit",
    "numpy",
    "scikit-learn",
    "keras",
    "tensorflow",
    "fingerprint",
    "data_fingerprint",
    "test_set",
    "started",
    "finished",
)


def _scalars(metrics):
    """The recorded figures that are one number (lists, tables and matrices stay out)."""
    return {
        name: value
        for name, value in metrics.items()
        if isinstance(value, int | float) and not isinstance(value, bool)
    }


def _environment_columns(environment):
    versions = environment.get("versions") or {}
    threads = environment.get("threads") or {}
    return {
        "cpu": environment.get("cpu"),
        "cpu_class": environment.get("cpu_class") or cpu_class_of(environment.get("cpu")),
        "cpu_count": environment.get("cpu_count"),
        "host": environment.get("host"),
        "worker": environment.get("worker"),
        "threads": ", ".join(f"{k}={v}" for k, v in threads.items() if v is not None) or None,
        "blas": "; ".join(environment.get("blas") or []) or None,
        "python": environment.get("python"),
        **{
            package: versions.get(package)
            for package in ("mnistkit", "numpy", "scikit-learn", "keras", "tensorflow")
        },
    }


def _rows(data, folder):
    """The rows of one results folder's report data."""
    suite = data.run.get("suite")
    for outcome in data.outcomes:
        entry = outcome.entry
        base = {
            "folder": folder,
            "suite": suite,
            "id": entry.id,
            "kind": entry.kind,
            "model": entry.model_label or entry.kind,
            "dataset": entry.dataset,
            "split": entry.split,
        }
        by_repeat = {result.repeat: result for result in outcome.results}
        for repeat in range(entry.repeats):
            result = by_repeat.get(repeat)
            if result is None:  # not run, or its record is corrupt or not believed
                yield {
                    **base,
                    "repeat": repeat,
                    "seed": entry.seed(repeat),
                    "status": outcome.status if outcome.status != "ok" else "not run",
                    "reason": outcome.error,
                }
                continue
            status, reason = result.status, result.error
            if result.ok and outcome.stale:
                status, reason = "stale", "; ".join(outcome.stale)
            score, f1 = outcome.score, outcome.f1
            row = {
                **base,
                "repeat": repeat,
                "seed": result.seed,
                "status": status,
                "reason": reason,
                "warnings": "; ".join((result.details or {}).get("warnings", [])) or None,
                "score": entry.entry_kind.score(result) if result.ok else None,
                "score_low": score.interval[0] if score and score.interval else None,
                "score_high": score.interval[1] if score and score.interval else None,
                "f1_macro_low": f1.interval[0] if f1 and f1.interval else None,
                "f1_macro_high": f1.interval[1] if f1 and f1.interval else None,
                "fit_seconds": result.fit_seconds,
                "predict_seconds": result.predict_seconds,
                "load_seconds": result.load_seconds,
                "seconds": result.seconds,
                "peak_memory_mib": result.peak_memory_mib,
                "n_train": result.n_train,
                "n_test": result.n_test,
                "precision": (result.details or {}).get("precision"),
                **_environment_columns(result.environment or {}),
                "fingerprint": (result.fingerprint or {}).get("entry"),
                "data_fingerprint": (result.fingerprint or {}).get("data"),
                "test_set": result.test_set,
                "started": result.started,
                "finished": result.finished,
            }
            for name, value in _scalars(result.metrics or {}).items():
                row.setdefault(name, value)
            unnamed = (result.metrics or {}).get("unnamed_classes")
            if isinstance(unnamed, list):  # a classifier on clusters: classes it never predicts
                row["unnamed_classes"] = ", ".join(map(str, unnamed))
            yield row


def load_results(paths):
    """Every record of one or several results folders as a pandas DataFrame.

    Parameters
    ----------
    paths : str, path-like or list of them
        Results folders written by ``mnistkit benchmark run`` (each holds a ``run.json``).

    Returns
    -------
    results : pandas.DataFrame
        One row per entry and repeat, in the suite's order, folder after folder. The columns
        are :data:`RESULT_COLUMNS` (the folder, the entry, its status with the reason for a
        failed, timed-out, stale, invalid or corrupt one, the score and its 95% Wilson
        interval, the macro F1's bootstrap interval, times in seconds, peak memory in MiB, the
        machine, CPU class, thread settings, BLAS and library versions, fingerprints and
        start/finish times in UTC), then every scalar figure the entries' kinds recorded
        (``accuracy``, ``f1_macro``, ``homogeneity``, ...; empty where a kind has none).
        ``started`` and ``finished`` are timestamps.

    Raises
    ------
    FileNotFoundError
        A folder holds no ``run.json`` (it is not a results folder).

    Examples
    --------
    >>> from mnistkit.benchmark import load_results
    >>> frame = load_results("results/quick")  # doctest: +SKIP
    >>> frame.sort_values("score", ascending=False)[["id", "score", "fit_seconds"]]
    ... # doctest: +SKIP
    """
    import pandas as pd

    from ._report._outcomes import load_report_data

    if isinstance(paths, str | Path):
        paths = [paths]
    paths = list(paths)
    if not paths:
        raise ValueError("load_results needs at least one results folder.")
    rows = []
    for path in paths:
        rows.extend(_rows(load_report_data(path), str(path)))
    frame = pd.DataFrame(rows)
    extra = [column for column in frame.columns if column not in RESULT_COLUMNS]
    frame = frame.reindex(columns=[*RESULT_COLUMNS, *extra])
    for column in ("started", "finished"):
        frame[column] = pd.to_datetime(frame[column], utc=True, errors="coerce")
    for column in ("repeat", "seed", "n_train", "n_test", "cpu_count"):
        frame[column] = frame[column].astype("Int64")
    return frame


def leaderboard_text(frame):
    """The console's leaderboard of a :func:`load_results` frame: one line per entry (its
    folder's too, for several), ranked by score (mean over repeats), with the 95% interval and
    the fit seconds; entries without a score follow with their status and its one-line reason.
    """
    several = frame["folder"].nunique() > 1
    lines, unscored = [], []
    groups = frame.groupby(["folder", "id"], sort=False, dropna=False)
    ranked = []
    for (folder, entry_id), rows in groups:
        label = f"{entry_id} ({folder})" if several else entry_id
        scored = rows[rows["score"].notna()]
        if scored.empty or (rows["status"] != "ok").any():
            statuses = [s for s in rows["status"] if s != "ok"]
            reasons = [r for r in rows["reason"] if isinstance(r, str) and r.strip()]
            reason = reasons[0].strip().splitlines()[0] if reasons else ""
            if scored.empty:
                unscored.append(
                    f"{label}: {statuses[0] if statuses else 'no score'}"
                    + (f": {reason}" if reason else "")
                )
                continue
            note = f"  [{statuses[0]}{': ' + reason if reason else ''}]"
        else:
            note = ""
        low, high = scored["score_low"].iloc[0], scored["score_high"].iloc[0]
        bounds = f"[{low:.4f}, {high:.4f}]" if low == low and high == high else ""
        fit = scored["fit_seconds"].mean()
        ranked.append((scored["score"].mean(), label, bounds, fit, note))
    ranked.sort(key=lambda row: -row[0])
    name_width = max([len(row[1]) for row in ranked] + [5])
    if ranked:
        lines.append(
            f"{'#':>3}  {'entry':<{name_width}}  {'score':>6}  {'95% interval':<16}  fit (s)"
        )
        for rank, (score, label, bounds, fit, note) in enumerate(ranked, 1):
            fit_text = f"{fit:>7.1f}" if fit == fit else f"{'-':>7}"
            lines.append(
                f"{rank:>3}  {label:<{name_width}}  {score:.4f}  {bounds:<16}  {fit_text}{note}"
            )
    lines += unscored
    return "\n".join(lines)
