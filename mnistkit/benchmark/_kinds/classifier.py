"""Kind ``classifier``: fit on the training part (optionally grid-searched), evaluate on the test
part, and keep the test predictions for paired tests and pictures."""

import json
import time
from dataclasses import dataclass

import numpy as np

from ...metrics._evaluation import network_summary
from .._fields import between, suite_field, table_of
from ._base import (
    EntryKind,
    Fact,
    ReportedFigure,
    build_model,
    confusion_cells,
    jsonable_params,
    new_figure,
    qualified_param,
    register_kind,
    save_predictions,
)

#: The most candidates a grid may hold (each is fitted ``cv`` times).
MAX_GRID_CANDIDATES = 10_000


#: How a card names the Keras dtype policy a network trained in.
_PRECISION_WORDS = {
    "float32": "float32",
    "mixed_bfloat16": "bfloat16 (Keras policy mixed_bfloat16: float32 weights)",
    "mixed_float16": "float16 (Keras policy mixed_float16: float32 weights)",
}


def _grid(value):
    import math

    problem = table_of((list,), "arrays of values")(value) or (
        None if all(value.values()) else "must give each parameter at least one value"
    )
    n_candidates = math.prod(len(values) for values in value.values()) if problem is None else 0
    if n_candidates > MAX_GRID_CANDIDATES:
        problem = f"must have at most {MAX_GRID_CANDIDATES:,} combinations of values"
    return problem


@dataclass
class ClassifierOptions:
    """Keys of a classifier entry."""

    grid: dict | None = suite_field(
        types=(dict,), doc="GridSearchCV over these parameters on the training part", check=_grid
    )
    cv: int = suite_field(
        types=(int,), default=3, doc="folds of the grid search", check=between(2, 100)
    )
    pos_label: str | int | None = suite_field(
        types=(str, int), doc="the positive class of a binary task (its F1 is reported)"
    )


#: The clustering measures a classifier built on clusters records (of its training clusters,
#: as the clustering kind scores them).
CLUSTER_MEASURES = ("homogeneity", "completeness", "adjusted_rand", "adjusted_mutual_info")


def _cluster_measures(model, y_train):
    """For a classifier that names clusters (a :class:`~mnistkit.cluster.ClusterClassifier` at
    the end), the lab's clustering measures of its training clusters and the classes no
    cluster was named after (never predicted); ``{}`` for any other model."""
    from ...metrics import clustering_scores

    final = model.steps[-1][1] if hasattr(model, "steps") else model
    clusters = getattr(final, "training_clusters_", None)
    naming = getattr(final, "cluster_to_label_", None)
    if clusters is None or naming is None or len(clusters) != len(y_train):
        return {}
    scores = clustering_scores(np.asarray(y_train), clusters)
    named = set(naming.values())
    return {
        **{name: scores[name] for name in CLUSTER_MEASURES},
        "unnamed_classes": [label for label in final.classes_.tolist() if label not in named],
    }


@register_kind
class ClassifierKind(EntryKind):
    """Supervised classification: accuracy, F1, confusion matrix, learning curves."""

    name = "classifier"
    options = ClassifierOptions
    reported_figures = {
        "test_accuracy": ReportedFigure("accuracy on the test part", 0.005),
        "validation_accuracy": ReportedFigure("accuracy on the validation part, last epoch", 0.005),
        "train_accuracy": ReportedFigure("accuracy on the training part, last epoch", 0.005),
        "test_loss": ReportedFigure("log loss on the test part", 0.02),
        "f1": ReportedFigure("F1 of the positive class (binary), else macro F1", 0.005),
        "n_parameters": ReportedFigure("weights of the network", 0),
        "hog_seconds": ReportedFigure("seconds of HOG for every train and test image", None),
    }
    score_label = "test accuracy"

    def run(self, entry, data, result, predictions_file):
        from ...metrics import evaluate_estimator

        model = build_model(entry, result.seed)
        data = data.shaped_for(model)
        model = self._fit(entry, model, data, result)
        labels = getattr(model, "classes_", None)
        target_names = None
        if (
            labels is not None
            and np.issubdtype(np.asarray(labels).dtype, np.integer)
            and len(data.target_names) == len(labels)
            and np.array_equal(labels, np.arange(len(labels)))
        ):
            target_names = [data.target_names[int(label)] for label in labels]
        evaluation = evaluate_estimator(
            model,
            data.X_test,
            data.y_test,
            target_names=target_names,
            pos_label=entry.options.pos_label,
        )
        result.predict_seconds = evaluation.extras["predict_seconds"]
        result.metrics = evaluation.to_dict()
        result.details["params"] = jsonable_params(model)
        network = network_summary(model)
        history = network.get("history")
        if history:
            result.details["history"] = history
            result.metrics["train_accuracy"] = history["accuracy"][-1]
            if "val_accuracy" in history:
                result.metrics["validation_accuracy"] = history["val_accuracy"][-1]
        if "precision" in network:
            result.details["precision"] = network["precision"]
        if "n_parameters" in network:
            result.metrics["n_parameters"] = network["n_parameters"]
            result.details["parameter_counts"] = network["parameter_counts"]
        result.metrics.update(_cluster_measures(model, data.y_train))
        steps = dict(getattr(model, "steps", []))
        if "hogtransformer" in steps:
            # What the lab reports timed: HOG features of every train and test image.
            start = time.perf_counter()
            steps["hogtransformer"].transform(data.X_train)
            steps["hogtransformer"].transform(data.X_test)
            result.metrics["hog_seconds"] = time.perf_counter() - start
        save_predictions(predictions_file, data.y_test, evaluation.y_pred)

    def _fit(self, entry, model, data, result):
        from sklearn.model_selection import GridSearchCV

        grid = entry.options.grid
        if grid:
            grid = {qualified_param(model, k): list(v) for k, v in grid.items()}
            model = GridSearchCV(model, grid, cv=entry.options.cv)
        start = time.perf_counter()
        model.fit(data.X_train, data.y_train)
        result.fit_seconds = time.perf_counter() - start
        if not grid:
            return model
        result.details["best_params"] = {
            k: v if isinstance(v, int | float | str) else repr(v)
            for k, v in model.best_params_.items()
        }
        result.details["cv_results"] = {
            "params": [repr(p) for p in model.cv_results_["params"]],
            "mean_test_score": model.cv_results_["mean_test_score"].tolist(),
        }
        return model.best_estimator_

    def verify(self, result, predictions):
        """Besides the default checks, every figure the saved predictions determine is
        recomputed from them: accuracy, balanced accuracy, macro F1, the confusion matrix."""
        from sklearn.metrics import confusion_matrix, f1_score

        problems = super().verify(result, predictions)
        if problems:
            return problems
        metrics = result.metrics
        if not isinstance(metrics.get("accuracy"), int | float):
            return ["it has no test accuracy"]
        saved = predictions()
        if saved is None:
            return ["its predictions file is missing, so its figures cannot be checked"]
        y_true, y_pred = saved
        labels = metrics.get("labels")
        if not isinstance(labels, list) or not labels:
            return ["it has no list of labels"]
        try:
            labels = np.asarray(labels, dtype=y_true.dtype)
            matrix = confusion_matrix(y_true, y_pred, labels=labels)
            f1_macro = f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
        except (ValueError, TypeError) as exc:
            return [f"its predictions do not match its labels ({exc})"]
        totals = matrix.sum(axis=1)
        present = totals > 0
        derived = {
            "accuracy": float(np.mean(y_true == y_pred)),
            # Balanced accuracy is the mean recall of the classes present in y_true.
            "balanced_accuracy": float(np.mean(np.diag(matrix)[present] / totals[present])),
            "f1_macro": float(f1_macro),
        }
        matrix = matrix.tolist()
        for name, value in derived.items():
            recorded = metrics.get(name)
            if recorded is None:
                continue
            if not isinstance(recorded, int | float) or abs(recorded - value) > 1e-9:
                problems.append(
                    f"its {name.replace('_', ' ')} {recorded!r} disagrees with its predictions "
                    f"({value:.6g})"
                )
        if metrics.get("confusion_matrix") is not None and metrics["confusion_matrix"] != matrix:
            problems.append("its confusion matrix disagrees with its predictions")
        return problems

    def value(self, result, figure):
        metrics = result.metrics
        if figure == "test_accuracy":
            return metrics.get("accuracy")
        if figure == "test_loss":
            return metrics.get("log_loss")
        if figure == "f1":
            binary = metrics.get("binary")
            return binary["f1"] if binary else metrics.get("f1_macro")
        return metrics.get(figure)

    def score(self, result):
        return result.metrics.get("accuracy")

    def finding(self, result, outcomes=None):
        """Accuracy and loss, the train/validation gap, and the per-class diagnostics a lab
        report reads off a confusion matrix: the largest confusions, the weakest classes."""

        metrics = result.metrics
        words = [f"test accuracy {metrics['accuracy']:.4f}"]
        if metrics.get("log_loss") is not None:
            words.append(f"loss {metrics['log_loss']:.4f}")
        if metrics.get("train_accuracy") is not None:
            words.append(f"final training accuracy {metrics['train_accuracy']:.4f}")
        if metrics.get("validation_accuracy") is not None:
            words.append(f"validation {metrics['validation_accuracy']:.4f}")
        per_class = metrics.get("per_class") or []
        if len(per_class) > 2:
            by_class = dict(zip(map(str, metrics["labels"]), metrics["target_names"], strict=True))

            def name(row):
                return by_class[str(row["class"])]

            low_p = min(per_class, key=lambda row: row["precision"])
            low_r = min(per_class, key=lambda row: row["recall"])
            high_p = max(per_class, key=lambda row: row["precision"])
            words.append(
                f"precision {min(r['precision'] for r in per_class):.4f} ({name(low_p)}) to "
                f"{high_p['precision']:.4f} ({name(high_p)}), lowest recall "
                f"{low_r['recall']:.4f} ({name(low_r)}), specificity "
                f"{min(r['specificity'] for r in per_class):.4f} to "
                f"{max(r['specificity'] for r in per_class):.4f}"
            )
            cells = confusion_cells(metrics, 10) or confusion_cells(metrics, 1)[:3]
            words.append("largest confusions: " + ", ".join(cells[:6]))
        return "; ".join(words)

    def facts(self, result):
        metrics = result.metrics
        facts = [
            Fact("accuracy", metrics.get("accuracy")),
            Fact("balanced accuracy", metrics.get("balanced_accuracy")),
            Fact("macro F1", metrics.get("f1_macro")),
            Fact("log loss", metrics.get("log_loss")),
            Fact("training accuracy", metrics.get("train_accuracy")),
            Fact("validation accuracy", metrics.get("validation_accuracy")),
            Fact("parameters", metrics.get("n_parameters"), 0),
            Fact("HOG seconds", metrics.get("hog_seconds"), 2),
            *(
                Fact(f"{name.replace('_', ' ')} (training clusters)", metrics.get(name))
                for name in CLUSTER_MEASURES
            ),
        ]
        binary = metrics.get("binary")
        if binary:
            facts.append(Fact(f"F1 of {binary.get('pos_label')}", binary.get("f1")))
        return [fact for fact in facts if fact.value is not None]

    def card_lines(self, result):
        lines = []
        precision = result.details.get("precision")
        if precision:
            lines.append(f"The network trained in {_PRECISION_WORDS.get(precision, precision)}.")
        if result.details.get("best_params"):
            lines.append(
                "grid search (cross-validation on the training part) chose "
                + json.dumps(result.details["best_params"])
            )
        metrics = result.metrics
        unnamed = metrics.get("unnamed_classes")
        if unnamed:
            names = dict(zip(map(str, metrics["labels"]), metrics["target_names"], strict=True))
            shown = [names.get(str(label), str(label)) for label in unnamed]
            listed = " or ".join([", ".join(shown[:-1]), shown[-1]] if len(shown) > 1 else shown)
            lines.append(
                f"No cluster was named {listed}: the classifier never predicts "
                f"{'it' if len(shown) == 1 else 'them'} (several clusters share another class)."
            )
        elif unnamed == []:
            lines.append("Every class has at least one cluster named after it.")
        if metrics.get("most_confused"):
            names = dict(zip(map(str, metrics["labels"]), metrics["target_names"], strict=True))
            lines.append(
                "Most confused (true → predicted): "
                + ", ".join(
                    f"{names[str(t)]} → {names[str(p)]} ({c})"
                    for t, p, c in metrics["most_confused"]
                )
            )
        return lines

    def figures(self, result, context):
        from ...metrics import evaluate
        from ...plotting import (
            ConfusionMatrixDisplay,
            MisclassifiedDisplay,
            TrainingHistoryDisplay,
        )

        figures = []
        predictions = context.predictions(result)
        if predictions is not None:
            metrics = result.metrics
            evaluation = evaluate(
                predictions[0],
                predictions[1],
                labels=np.asarray(metrics["labels"]),
                target_names=metrics["target_names"],
            )
            figure = new_figure((7, 6))
            ConfusionMatrixDisplay(evaluation).plot(highlight_errors=True, ax=figure.add_subplot())
            caption = "Confusion matrix (test counts; the errors coloured)"
            figures.append((caption, "confusion", figure))
            images = context.test_images(result)
            n_wrong = min(20, len(evaluation.misclassified_indices))
            if images is not None and n_wrong:
                # Four rows of five, each picture about 1.4 inches wide with its caption.
                figure = new_figure((7.4, 1.7 * -(-n_wrong // 5) + 0.9))
                MisclassifiedDisplay(evaluation, images).plot(n_images=20, ax=figure.add_subplot())
                caption = "Misclassified test images (true -> predicted)"
                figures.append((caption, "misclassified", figure))
        history = result.details.get("history") or {}
        for metric in ("loss", "accuracy"):
            # One epoch is one point, not a curve: its figures are already in the tables.
            if len(history.get(metric) or ()) > 1:
                figure = new_figure()
                TrainingHistoryDisplay(history).plot(metric=metric, ax=figure.add_subplot())
                figures.append((f"Learning curves: {metric}", metric, figure))
        return figures
