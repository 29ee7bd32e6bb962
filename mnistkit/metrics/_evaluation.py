"""One call from predictions to everything people read off a trained classifier."""

import json
import time
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    log_loss,
    multilabel_confusion_matrix,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
    roc_auc_score,
)

from ..utils._validation import labels_of_fit
from ._classification import _check_pair_of_labels, most_confused_pairs, specificity_score

__all__ = ["ClassificationEvaluation", "evaluate", "evaluate_estimator"]


@dataclass
class ClassificationEvaluation:
    """Everything read off a classifier's predictions on a test set.

    Built by :func:`evaluate` or :func:`evaluate_estimator`; render it with ``str()`` (a text
    report), :meth:`to_dict` / :meth:`to_json` or :meth:`to_frame`.

    Attributes
    ----------
    labels : ndarray of shape (n_classes,)
        The classes, in the order of every per-class array.
    target_names : list of str
        Display names of the classes.
    n_samples : int
        Number of test samples.
    accuracy, balanced_accuracy : float
        Overall scores.
    precision_macro, recall_macro, f1_macro : float
        Unweighted means over classes.
    precision_weighted, recall_weighted, f1_weighted : float
        Means over classes weighted by support.
    per_class : pandas.DataFrame
        One row per class: precision, recall (sensitivity), specificity, f1, support, tp, fp,
        fn, tn.
    confusion_matrix : ndarray of shape (n_classes, n_classes)
        Counts; rows are true classes, columns predicted ones.
    confusion_matrix_normalized : ndarray of shape (n_classes, n_classes)
        Each row divided by its total (recall on the diagonal).
    most_confused : list of tuple
        ``(true, predicted, count)`` of the most frequent errors.
    binary : dict or None
        Precision, recall (sensitivity), specificity and F1 of ``pos_label`` when given.
    log_loss, roc_auc : float or None
        From the scores, when given (ROC AUC one-vs-rest, macro, for several classes).
    misclassified_indices : ndarray
        Indices of the samples predicted wrongly.
    images : ndarray or None
        The test images, when given, for plots of the mistakes.
    extras : dict
        Set by :func:`evaluate_estimator`: ``predict_seconds``, and for mnistkit neural
        networks ``history`` and ``n_parameters``.
    """

    labels: np.ndarray
    target_names: list
    n_samples: int
    accuracy: float
    balanced_accuracy: float
    precision_macro: float
    recall_macro: float
    f1_macro: float
    precision_weighted: float
    recall_weighted: float
    f1_weighted: float
    per_class: object
    confusion_matrix: np.ndarray
    confusion_matrix_normalized: np.ndarray
    most_confused: list
    binary: dict | None
    log_loss: float | None
    roc_auc: float | None
    misclassified_indices: np.ndarray
    y_true: np.ndarray = field(repr=False)
    y_pred: np.ndarray = field(repr=False)
    images: np.ndarray | None = field(default=None, repr=False)
    extras: dict = field(default_factory=dict)

    _SUMMARY = (
        "accuracy",
        "balanced_accuracy",
        "precision_macro",
        "recall_macro",
        "f1_macro",
        "precision_weighted",
        "recall_weighted",
        "f1_weighted",
        "log_loss",
        "roc_auc",
    )

    def summary(self):
        """The overall scores as a dict of floats (None where not computed)."""
        return {name: getattr(self, name) for name in self._SUMMARY}

    def to_dict(self):
        """A JSON-serialisable dict of every figure (without the images and raw labels)."""
        return _jsonable(
            {
                "n_samples": self.n_samples,
                "labels": self.labels.tolist(),
                "target_names": list(self.target_names),
                **self.summary(),
                "binary": self.binary,
                "per_class": self.per_class.reset_index(names="class").to_dict(orient="records"),
                "confusion_matrix": self.confusion_matrix.tolist(),
                "confusion_matrix_normalized": self.confusion_matrix_normalized.tolist(),
                "most_confused": [list(pair) for pair in self.most_confused],
                "n_misclassified": len(self.misclassified_indices),
                "extras": self.extras,
            }
        )

    def to_json(self, **kwargs):
        """The :meth:`to_dict` figures as a JSON string; ``kwargs`` go to :func:`json.dumps`."""
        return json.dumps(self.to_dict(), **kwargs)

    def to_frame(self):
        """Per-class table with ``macro avg`` and ``weighted avg`` rows appended."""
        import pandas as pd

        table = self.per_class.copy()
        support = table["support"]
        scores = ["precision", "recall", "specificity", "f1"]
        macro = {name: table[name].mean() for name in scores}
        weighted = {name: np.average(table[name], weights=support) for name in scores}
        extra = pd.DataFrame(
            [{**macro, "support": support.sum()}, {**weighted, "support": support.sum()}],
            index=["macro avg", "weighted avg"],
        )
        return pd.concat([table, extra])

    def __str__(self):
        width = max(12, *(len(str(name)) for name in self.target_names))
        lines = [
            f"Evaluation on {self.n_samples} samples, {len(self.labels)} classes",
            f"  accuracy {self.accuracy:.4f}   balanced accuracy {self.balanced_accuracy:.4f}",
            f"  macro     precision {self.precision_macro:.4f}  recall {self.recall_macro:.4f}"
            f"  F1 {self.f1_macro:.4f}",
            f"  weighted  precision {self.precision_weighted:.4f}  recall "
            f"{self.recall_weighted:.4f}  F1 {self.f1_weighted:.4f}",
        ]
        if self.log_loss is not None:
            lines.append(f"  log loss {self.log_loss:.4f}   ROC AUC {self.roc_auc:.4f}")
        if self.binary is not None:
            b = self.binary
            lines.append(
                f"  positive class {b['pos_label']!r}: precision {b['precision']:.4f}  "
                f"recall (sensitivity) {b['recall']:.4f}  specificity {b['specificity']:.4f}  "
                f"F1 {b['f1']:.4f}"
            )
        header = (
            f"\n{'class':>{width}} {'precision':>9} {'recall':>7} {'specif.':>7} {'f1':>7}"
            f" {'support':>7} {'TP':>6} {'FP':>6} {'FN':>6} {'TN':>7}"
        )
        lines.append(header)
        for name, row in self.per_class.iterrows():
            lines.append(
                f"{name!s:>{width}} {row.precision:>9.4f} {row.recall:>7.4f}"
                f" {row.specificity:>7.4f} {row.f1:>7.4f} {int(row.support):>7} {int(row.tp):>6}"
                f" {int(row.fp):>6} {int(row.fn):>6} {int(row.tn):>7}"
            )
        if self.most_confused:
            names = dict(zip(self.labels.tolist(), self.target_names, strict=True))
            pairs = ", ".join(
                f"{names[true]} -> {names[pred]} ({count})"
                for true, pred, count in self.most_confused
            )
            lines.append(f"\nMost confused (true -> predicted): {pairs}")
        for key in ("predict_seconds", "fit_seconds", "n_parameters"):
            if key in self.extras:
                lines.append(f"{key.replace('_', ' ')}: {self.extras[key]}")
        return "\n".join(lines)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _check_labels(y_true, y_pred, labels):
    present = np.union1d(y_true, y_pred)
    if labels is None:
        return present
    labels = np.asarray(labels)
    unknown = np.setdiff1d(present, labels)
    if len(unknown):
        raise ValueError(
            f"y_true or y_pred contain labels {unknown.tolist()} that are not in labels="
            f"{labels.tolist()}. Add them to labels, or leave labels=None to use the labels found."
        )
    return labels


def evaluate(
    y_true,
    y_pred,
    *,
    y_score=None,
    labels=None,
    target_names=None,
    pos_label=None,
    images=None,
    n_confused_pairs=5,
):
    """Compute every figure of a classifier's predictions in one call.

    Builds on scikit-learn's metrics (accuracy, precision/recall/F1, confusion matrices, log
    loss, ROC AUC); adds only what scikit-learn lacks: specificity, per-class TP/FP/FN/TN and
    the most-confused pairs.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    y_score : array-like of shape (n_samples, n_classes) or (n_samples,), default=None
        Predicted probabilities (columns in the order of ``labels``), or for two classes the
        score of the second class. Enables log loss and ROC AUC.
    labels : array-like of shape (n_classes,), default=None
        The classes, in order; ``None`` uses the sorted labels found in both arrays.
    target_names : list of str, default=None
        Display names of ``labels``.
    pos_label : label, default=None
        Positive class for binary figures (e.g. ``"PNEUMONIA"``); enables :attr:`binary`.
    images : ndarray, default=None
        The test images, kept for plots of the mistakes.
    n_confused_pairs : int, default=5
        How many most-confused pairs to keep.

    Returns
    -------
    evaluation : ClassificationEvaluation

    Examples
    --------
    >>> from mnistkit.metrics import evaluate
    >>> evaluation = evaluate([0, 1, 2, 2, 1], [0, 2, 2, 2, 1])
    >>> round(evaluation.accuracy, 2), evaluation.most_confused
    (0.8, [(1, 2, 1)])
    >>> evaluation.per_class.loc["1", ["recall", "specificity", "f1"]].round(3).tolist()
    [0.5, 1.0, 0.667]
    """
    y_true, y_pred = _check_pair_of_labels(y_true, y_pred)
    labels = _check_labels(y_true, y_pred, labels)
    if target_names is None:
        target_names = [str(label) for label in labels]
    target_names = [str(name) for name in target_names]
    repeated = sorted({name for name in target_names if target_names.count(name) > 1})
    if repeated:
        raise ValueError(
            f"target_names repeats {', '.join(map(repr, repeated))}; each of the labels "
            f"{labels.tolist()} needs a name of its own (the per-class table is indexed by name)."
        )
    if len(target_names) != len(labels):
        raise ValueError(
            f"target_names has {len(target_names)} names but there are {len(labels)} labels "
            f"({labels.tolist()})."
        )
    import pandas as pd

    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    counts = multilabel_confusion_matrix(y_true, y_pred, labels=labels)
    per_class = pd.DataFrame(
        {
            "precision": precision,
            "recall": recall,
            "specificity": specificity_score(y_true, y_pred, labels=labels, average=None),
            "f1": f1,
            "support": support,
            "tp": counts[:, 1, 1],
            "fp": counts[:, 0, 1],
            "fn": counts[:, 1, 0],
            "tn": counts[:, 0, 0],
        },
        index=pd.Index(target_names, name="class"),
    )
    matrix = confusion_matrix(y_true, y_pred, labels=labels)
    row_totals = matrix.sum(axis=1, keepdims=True)
    normalized = np.divide(matrix, row_totals, out=np.zeros(matrix.shape), where=row_totals > 0)

    averaged = {}
    for average in ("macro", "weighted"):
        for name, function in (
            ("precision", precision_score),
            ("recall", recall_score),
            ("f1", f1_score),
        ):
            averaged[f"{name}_{average}"] = float(
                function(y_true, y_pred, labels=labels, average=average, zero_division=0)
            )

    binary = None
    if pos_label is not None:
        if pos_label not in labels:
            raise ValueError(f"pos_label={pos_label!r} is not one of the labels {labels.tolist()}.")
        index = int(np.flatnonzero(labels == pos_label)[0])
        binary = {
            "pos_label": pos_label,
            "precision": float(precision[index]),
            "recall": float(recall[index]),
            "specificity": float(per_class["specificity"].iloc[index]),
            "f1": float(f1[index]),
        }

    loss = auc = None
    if y_score is not None:
        loss, auc = _score_metrics(y_true, np.asarray(y_score, dtype=float), labels)

    return ClassificationEvaluation(
        labels=labels,
        target_names=target_names,
        n_samples=len(y_true),
        accuracy=float(accuracy_score(y_true, y_pred)),
        balanced_accuracy=float(balanced_accuracy_score(y_true, y_pred)),
        per_class=per_class,
        confusion_matrix=matrix,
        confusion_matrix_normalized=normalized,
        most_confused=most_confused_pairs(y_true, y_pred, k=n_confused_pairs, labels=labels),
        binary=binary,
        log_loss=loss,
        roc_auc=auc,
        misclassified_indices=np.flatnonzero(y_true != y_pred),
        y_true=y_true,
        y_pred=y_pred,
        images=images,
        **averaged,
    )


def _score_metrics(y_true, y_score, labels):
    if y_score.ndim == 1:
        if len(labels) != 2:
            raise ValueError(
                f"A 1-d y_score is the score of the second class of a binary problem, but there "
                f"are {len(labels)} labels. Pass probabilities of shape (n_samples, {len(labels)})."
            )
        y_score = np.column_stack([1 - y_score, y_score])
    if y_score.shape != (len(y_true), len(labels)):
        raise ValueError(
            f"y_score has shape {y_score.shape}; expected ({len(y_true)}, {len(labels)}): one row "
            f"per sample and one column per class, in the order of labels={labels.tolist()}."
        )
    if not np.isfinite(y_score).all() or y_score.min() < 0 or y_score.max() > 1:
        raise ValueError(
            f"y_score must hold probabilities in [0, 1] (log loss and ROC AUC are computed from "
            f"them); got values from {np.nanmin(y_score):.3g} to {np.nanmax(y_score):.3g}. Pass "
            "predict_proba's output, not decision_function's or logits (softmax them first)."
        )
    row_sums = y_score.sum(axis=1, keepdims=True)
    if not np.allclose(row_sums, 1.0, atol=1e-3):
        raise ValueError(
            f"y_score rows must each sum to 1 (probabilities of the {len(labels)} classes); the "
            f"row sums range from {row_sums.min():.3g} to {row_sums.max():.3g}. Pass "
            "predict_proba's output."
        )
    if len(np.unique(y_true)) < 2:
        return None, None
    # float32 probabilities (Keras, or sklearn models on float32 input) miss 1 by ~1e-7,
    # which scikit-learn's log_loss warns about; renormalise in float64.
    y_score = y_score / row_sums
    loss = float(log_loss(y_true, y_score, labels=labels))
    if len(labels) == 2:
        auc = float(roc_auc_score(y_true == labels[1], y_score[:, 1]))
    else:
        row_sums = y_score.sum(axis=1, keepdims=True)
        probabilities = y_score / np.where(row_sums > 0, row_sums, 1)
        present = np.isin(labels, y_true)
        if present.all():
            auc = float(roc_auc_score(y_true, probabilities, labels=labels, multi_class="ovr"))
        else:
            auc = None  # one-vs-rest AUC is undefined for a class absent from y_true
    return loss, auc


#: Classifiers whose ``predict`` is the class of highest ``predict_proba`` (ties to the first
#: class, as ``argmax``): evaluated with one pass over the test set. Not SVC, whose Platt
#: probabilities can disagree with its decision.
_PREDICT_IS_ARGMAX = {
    "KNeighborsClassifier",
    "KerasMLP",
    "KerasCNN",
    "KerasClassifier",
}


def evaluate_estimator(
    estimator,
    X,
    y,
    *,
    target_names=None,
    pos_label=None,
    images=None,
    n_confused_pairs=5,
):
    """Evaluate a fitted classifier on a test set, timing its predictions.

    Uses ``predict_proba`` when the estimator has it (for log loss and ROC AUC), with the
    estimator's ``classes_`` as the label order. For mnistkit neural networks (alone or last
    in a pipeline), the learning history and parameter counts are recorded in ``extras``.

    Parameters
    ----------
    estimator : fitted classifier
        Anything with ``predict`` (and ``classes_``).
    X : array-like
        Test inputs.
    y : array-like of shape (n_samples,)
        True test labels.
    target_names : list of str, default=None
        Display names of the classes.
    pos_label : label, default=None
        Positive class for binary figures.
    images : ndarray, default=None
        Test images for plots; ``None`` keeps ``X`` when it is an image array (of shape
        (n_samples, height, width) or (n_samples, height, width, channels)).
    n_confused_pairs : int, default=5
        How many most-confused pairs to keep.

    Returns
    -------
    evaluation : ClassificationEvaluation
        With ``extras["predict_seconds"]`` (and ``history``, ``n_parameters``).

    Examples
    --------
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from mnistkit.datasets import load_mnist
    >>> from mnistkit.metrics import evaluate_estimator
    >>> X, y = load_mnist(subset="test", return_X_y=True)
    >>> tree = DecisionTreeClassifier(max_depth=8, random_state=0).fit(X[:5000], y[:5000])
    >>> evaluation = evaluate_estimator(tree, X[5000:], y[5000:])
    >>> 0.7 < evaluation.accuracy < 0.9
    True
    """
    if images is None and getattr(X, "ndim", 0) in (3, 4):
        images = np.asarray(X)
    labels = labels_of_fit(estimator, y)
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    start = time.perf_counter()
    argmax = any(cls.__name__ in _PREDICT_IS_ARGMAX for cls in type(final).__mro__)
    if argmax and labels is not None:
        # One pass: these predict the class of highest probability, and a k-NN's neighbour
        # search (most of its time) would otherwise run twice.
        y_score = estimator.predict_proba(X)
        y_pred = np.asarray(final.classes_)[np.argmax(y_score, axis=1)]
        predict_seconds = time.perf_counter() - start
    else:
        y_pred = estimator.predict(X)
        predict_seconds = time.perf_counter() - start
        y_score = None
        if hasattr(estimator, "predict_proba") and labels is not None:
            try:
                y_score = estimator.predict_proba(X)
            except (AttributeError, NotImplementedError):
                y_score = None  # e.g. SVC(probability=False) exposes the method but refuses it
    evaluation = evaluate(
        y,
        y_pred,
        y_score=y_score,
        labels=labels,
        target_names=target_names,
        pos_label=pos_label,
        images=images,
        n_confused_pairs=n_confused_pairs,
    )
    evaluation.extras["predict_seconds"] = round(predict_seconds, 4)
    summary = network_summary(estimator)
    summary.pop("parameter_counts", None)
    evaluation.extras.update(summary)
    return evaluation


def network_summary(estimator):
    """What a fitted network (a pipeline's last step, or the estimator itself) recorded about
    its training: ``history`` (per-epoch figures), ``n_parameters`` and ``parameter_counts``
    (per layer), ``precision`` (the Keras dtype policy it trained in), each only where the
    estimator has it."""
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    summary = {}
    if getattr(final, "history_", None) is not None:
        summary["history"] = final.history_
    if hasattr(final, "n_parameters_"):
        summary["n_parameters"] = int(final.n_parameters_)
        summary["parameter_counts"] = dict(getattr(final, "parameter_counts_", {}))
    if getattr(final, "precision_", None):
        summary["precision"] = str(final.precision_)
    return summary
