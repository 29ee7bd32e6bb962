"""Kind ``sweep``: train and test accuracy for each value of one parameter (for clustering
pipelines also homogeneity and ARI of the training clusters per value)."""

import difflib
import itertools
import time
from dataclasses import dataclass

from .._fields import suite_field
from ._base import (
    EntryKind,
    ReportedFigure,
    build_model,
    new_figure,
    qualified_param,
    register_kind,
)
from .clustering import training_clusters


def _sweep(value):
    if set(value) != {"param", "values"} or not isinstance(value["param"], str):
        return "must be { param = '...', values = [...] }"
    if not isinstance(value["values"], list) or not value["values"]:
        return "must list at least one value in 'values'"
    if len(value["values"]) > 1000:
        return "must list at most 1000 values in 'values'"
    return None


@dataclass
class SweepOptions:
    """Keys of a sweep entry."""

    sweep: dict | None = suite_field(
        types=(dict,), doc="{ param = 'step__name', values = [...] }", check=_sweep
    )


def _short(param):
    """'svc__C' -> 'C': the parameter as a reader names it."""
    return param.rsplit("__", 1)[-1].replace("_", " ")


@register_kind
class SweepKind(EntryKind):
    """One parameter over a list of values, each fitted from scratch."""

    name = "sweep"
    options = SweepOptions
    required = ("sweep",)
    reported_figures = {
        "best_value": ReportedFigure("the value with the best test accuracy", 0),
        "test_accuracy": ReportedFigure("the best test accuracy over the values", 0.005),
    }
    score_label = "best test accuracy"

    def validate(self, entry, where):
        from .._fields import SuiteError

        param = entry.options.sweep["param"]
        model = build_model(entry, entry.random_state)
        if qualified_param(model, param) not in model.get_params():
            names = list(model.get_params())
            final = f"{model.steps[-1][0]}__"
            names += [name[len(final) :] for name in names if name.startswith(final)]
            close = difflib.get_close_matches(param, names, n=2)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            raise SuiteError(
                f"{where}: the sweep's param {param!r} is not a parameter of model "
                f"{entry.model_label!r}.{hint}"
            )

    def run(self, entry, data, result, predictions_file):
        from sklearn.base import clone
        from sklearn.metrics import adjusted_rand_score, homogeneity_score, rand_score

        model = build_model(entry, result.seed)
        data = data.shaped_for(model)
        param, values = entry.options.sweep["param"], entry.options.sweep["values"]
        param = qualified_param(model, param)
        rows = []
        start = time.perf_counter()
        for value in values:
            fitted = clone(model).set_params(**{param: value}).fit(data.X_train, data.y_train)
            row = {
                "value": value,
                "train_accuracy": float(fitted.score(data.X_train, data.y_train)),
                "test_accuracy": float(fitted.score(data.X_test, data.y_test)),
            }
            if hasattr(fitted[-1], "clusterer_"):  # a clustering sweep: the clusters' own scores
                clusters = training_clusters(fitted, data.X_train)[1]
                row["homogeneity"] = float(homogeneity_score(data.y_train, clusters))
                row["adjusted_rand"] = float(adjusted_rand_score(data.y_train, clusters))
                row["rand"] = float(rand_score(data.y_train, clusters))
            rows.append(row)
        result.fit_seconds = time.perf_counter() - start
        best = max(rows, key=lambda row: row["test_accuracy"])
        result.metrics = {
            "sweep": rows,
            "param": param,
            "best_value": best["value"],
            "test_accuracy": best["test_accuracy"],
        }

    def score(self, result):
        return result.metrics.get("test_accuracy")

    def finding(self, result, outcomes=None):
        rows, param = result.metrics["sweep"], _short(result.metrics["param"])
        best = max(rows, key=lambda row: row["test_accuracy"])
        if "homogeneity" in rows[0]:
            curve = [row["homogeneity"] for row in rows]
            rises = all(b > a for a, b in itertools.pairwise(curve))
            numeric = all(isinstance(row["value"], int | float) for row in rows)
            trend = (
                f" ({'rises with every step' if rises else 'does not rise at every step'})"
                if numeric
                else ""
            )
            return (
                f"training-set homogeneity / adjusted Rand / Rand by {param}: "
                + ", ".join(
                    f"{row['value']}: {row['homogeneity']:.4f} / {row['adjusted_rand']:.4f}"
                    + (f" / {row['rand']:.3f}" if "rand" in row else "")
                    for row in rows
                )
                + f"{trend}; "
                f"best test accuracy of the majority-named clusters "
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

    def figures(self, result, context):
        from ...plotting import SweepDisplay

        rows, param = result.metrics["sweep"], result.metrics["param"]
        series = [("training accuracy", "train_accuracy"), ("test accuracy", "test_accuracy")]
        if "homogeneity" in rows[0]:
            series = [("homogeneity (training)", "homogeneity"), *series[1:]]
        figure = new_figure()
        SweepDisplay(
            param,
            [row["value"] for row in rows],
            {label: [row[key] for row in rows] for label, key in series},
        ).plot(title=f"{result.id}: scores by {_short(param)}", ax=figure.add_subplot())
        return [(f"Scores by {_short(param)}", "sweep", figure)]
