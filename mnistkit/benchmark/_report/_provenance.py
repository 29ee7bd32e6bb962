"""Where and when a report's figures were measured: the machine and library versions of the
results, one line of provenance for the page's first screen, and each card's place of run."""

import contextlib
import json

__all__ = ["environment_rows", "provenance", "where_it_ran"]

_ENVIRONMENT_KEYS = (
    "python",
    "platform",
    "processor",
    "cpu",
    "cpu_count",
    "memory_gib",
    "host",
)


def _place(environment):
    """'host h (CPU c), Dask worker tcp://…, OMP_NUM_THREADS=1': where a run ran and the thread
    settings it had (``None`` for a record from before mnistkit recorded them)."""
    if not environment.get("host"):
        return None
    cpu = f" ({environment['cpu']})" if environment.get("cpu") else ""
    parts = [f"host {environment['host']}{cpu}"]
    if environment.get("worker"):
        parts.append(f"Dask worker {environment['worker']}")
    threads = {k: v for k, v in (environment.get("threads") or {}).items() if v is not None}
    parts.append(
        ", ".join(f"{k}={v}" for k, v in threads.items()) if threads else "no thread settings"
    )
    return ", ".join(parts)


def where_it_ran(results):
    """The card's line saying where its runs ran, once per different place."""
    places = []
    for result in results:
        place = _place(result.environment or {})
        if place and place not in places:
            places.append(place)
    return [f"Ran on {'; '.join(places)}."] if places else []


def environment_rows(data):
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
    # Records from before mnistkit recorded the host have none: no row rather than "None".
    rows = [(key, str(chosen[key])) for key in _ENVIRONMENT_KEYS if chosen.get(key) is not None]
    rows += [(package, str(version)) for package, version in chosen.get("versions", {}).items()]
    note = None
    if len(environments) > 1:
        others = sorted({i for ids in list(environments.values())[1:] for i in ids})
        note = (
            f"The results come from {len(environments)} different machines or library versions; "
            f"this table is that of the first. Different: {', '.join(others)}."
        )
    return rows, note


def provenance(data):
    """One line on when and on what the figures were measured: the runs' dates and the time
    from the first start to the last finish, the CPU and its class, cores, thread settings,
    BLAS and the library versions (of the first machine, where results come from several)."""
    from datetime import datetime

    from ...utils._cpu import cpu_class_of

    results = [result for outcome in data.outcomes for result in outcome.results]
    times = []
    for result in results:
        for stamp in (result.started, result.finished):
            with contextlib.suppress(TypeError, ValueError):
                times.append(datetime.fromisoformat(stamp))
    if not results:
        return None
    environment = next((r.environment for r in results if r.environment), {}) or {}
    parts = []
    if times:
        first, last = min(times), max(times)
        days = first.strftime("%Y-%m-%d") + (
            f" to {last.strftime('%Y-%m-%d')}" if last.date() != first.date() else ""
        )
        span = (last - first).total_seconds()
        wall = f"{span:.0f} s" if span < 60 else f"{span / 60:.1f} min"
        parts.append(f"Measured {days} (UTC), {wall} from the first run's start to the last's end")
    if environment.get("cpu"):
        cls = environment.get("cpu_class") or cpu_class_of(environment["cpu"])
        parts.append(
            f"on {environment['cpu']}: {cls}, {environment.get('cpu_count')} cores"
            + (f", {environment['memory_gib']} GiB" if environment.get("memory_gib") else "")
        )
    threads = {k: v for k, v in (environment.get("threads") or {}).items() if v is not None}
    parts.append(
        ", ".join(f"{k}={v}" for k, v in threads.items()) if threads else "no thread settings"
    )
    if environment.get("blas"):
        parts.append("BLAS " + "; ".join(environment["blas"]))
    versions = environment.get("versions") or {}
    named = [("mnistkit", "mnistkit"), ("python", None), ("numpy", "NumPy")]
    named += [("scikit-learn", "scikit-learn"), ("keras", "Keras"), ("tensorflow", "TensorFlow")]
    listed = []
    for key, label in named:
        version = environment.get("python") if label is None else versions.get(key)
        if version:
            listed.append(f"{label or 'Python'} {version}")
    if listed:
        parts.append(", ".join(listed))
    return "; ".join(parts) + "."
