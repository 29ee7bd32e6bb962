"""Plots of a trained classifier: confusion matrix, per-class F1, learning curves, mistakes."""

import numpy as np

from ._common import get_axes, image_mosaic

__all__ = [
    "plot_confusion_matrix",
    "plot_learning_curves",
    "plot_misclassified",
    "plot_per_class_f1",
]


def plot_confusion_matrix(evaluation, *, normalize=False, ax=None, cmap="Blues", title=None):
    """Draw the confusion matrix of an evaluation, with every cell annotated.

    Parameters
    ----------
    evaluation : ClassificationEvaluation
        From :func:`mnistkit.metrics.evaluate`.
    normalize : bool, default=False
        Show each row divided by its total (recall on the diagonal) instead of counts.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; ``None`` makes a new figure.
    cmap : str, default="Blues"
        Colour map.
    title : str, default=None
        Title; ``None`` writes one with the accuracy.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> from mnistkit.metrics import evaluate
    >>> from mnistkit.plotting import plot_confusion_matrix
    >>> ax = plot_confusion_matrix(evaluate([0, 1, 1, 2], [0, 1, 2, 2]))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Predicted label', 'True label')
    """
    ax = get_axes(ax, figsize=(7, 6))
    matrix = evaluation.confusion_matrix_normalized if normalize else evaluation.confusion_matrix
    image = ax.imshow(matrix, cmap=cmap, vmin=0, vmax=1 if normalize else None)
    ax.figure.colorbar(
        image,
        ax=ax,
        fraction=0.046,
        pad=0.04,
        label="fraction of true class" if normalize else "count",
    )
    n_classes = len(evaluation.labels)
    ticks = np.arange(n_classes)
    ax.set_xticks(
        ticks,
        evaluation.target_names,
        rotation=45 if n_classes > 6 else 0,
        ha="right" if n_classes > 6 else "center",
    )
    ax.set_yticks(ticks, evaluation.target_names)
    threshold = matrix.max() / 2 if matrix.size else 0
    font_size = 9 if n_classes <= 10 else 6
    for row in range(n_classes):
        for col in range(n_classes):
            value = matrix[row, col]
            text = f"{value:.2f}" if normalize else f"{int(value)}"
            ax.text(
                col,
                row,
                text,
                ha="center",
                va="center",
                fontsize=font_size,
                color="white" if value > threshold else "black",
            )
    ax.set_xlabel("Predicted label")
    ax.set_ylabel("True label")
    kind = "row-normalised" if normalize else "counts"
    ax.set_title(title or f"Confusion matrix ({kind}), accuracy {evaluation.accuracy:.4f}")
    return ax


def plot_per_class_f1(evaluation, *, ax=None, title=None):
    """Bar chart of per-class precision, recall and F1.

    Parameters
    ----------
    evaluation : ClassificationEvaluation
        From :func:`mnistkit.metrics.evaluate`.
    ax : matplotlib.axes.Axes, default=None
        Where to draw.
    title : str, default=None
        Title.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    ax = get_axes(ax, figsize=(8, 4))
    table = evaluation.per_class
    positions = np.arange(len(table))
    width = 0.27
    for offset, column in zip((-width, 0, width), ("precision", "recall", "f1"), strict=True):
        ax.bar(positions + offset, table[column], width, label=column)
    ax.set_xticks(positions, table.index, rotation=45 if len(table) > 6 else 0)
    low = max(0.0, float(table[["precision", "recall", "f1"]].min().min()) - 0.05)
    ax.set_ylim(low, 1.0)
    ax.set_xlabel("Class")
    ax.set_ylabel("Score")
    ax.legend(loc="lower right", ncols=3)
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title or f"Per-class scores (macro F1 {evaluation.f1_macro:.4f})")
    return ax


def plot_learning_curves(history, *, metric="loss", ax=None, title=None):
    """Training and validation curves per epoch, to judge under- and overfitting.

    Parameters
    ----------
    history : dict
        Per-epoch lists as in a mnistkit network's ``history_`` (``loss``, ``val_loss``,
        ``accuracy``, ``val_accuracy``).
    metric : str, default="loss"
        Which curve pair to draw: ``"loss"`` or ``"accuracy"``.
    ax : matplotlib.axes.Axes, default=None
        Where to draw.
    title : str, default=None
        Title.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> from mnistkit.plotting import plot_learning_curves
    >>> ax = plot_learning_curves({"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5]})
    >>> [line.get_label() for line in ax.get_lines()]
    ['training', 'validation', 'best validation']
    """
    if metric not in history:
        raise ValueError(
            f"history has no {metric!r} curve; it has {sorted(history)}. Pass metric= one of them."
        )
    ax = get_axes(ax, figsize=(6, 4))
    epochs = np.arange(1, len(history[metric]) + 1)
    ax.plot(epochs, history[metric], marker="o", markersize=3, label="training")
    if f"val_{metric}" in history:
        ax.plot(epochs, history[f"val_{metric}"], marker="o", markersize=3, label="validation")
        best = int(
            np.argmin(history[f"val_{metric}"])
            if "loss" in metric
            else np.argmax(history[f"val_{metric}"])
        )
        ax.axvline(best + 1, color="grey", linestyle=":", linewidth=1, label="best validation")
    ax.set_xlabel("Epoch")
    ax.set_ylabel(metric.replace("_", " "))
    ax.legend()
    ax.grid(alpha=0.3)
    ax.set_title(title or f"Learning curves: {metric}")
    return ax


def plot_misclassified(evaluation, images=None, *, n_images=25, n_cols=5, ax=None, title=None):
    """A grid of misclassified test images captioned "true -> predicted".

    Parameters
    ----------
    evaluation : ClassificationEvaluation
        From :func:`mnistkit.metrics.evaluate` (with ``images=``) or any evaluation plus
        ``images``.
    images : ndarray of shape (n_samples, height, width) or (n_samples, n_pixels), default=None
        The test images; ``None`` uses ``evaluation.images``.
    n_images : int, default=25
        How many mistakes to show (the first ones in test order).
    n_cols : int, default=5
        Images per row.
    ax : matplotlib.axes.Axes, default=None
        Where to draw.
    title : str, default=None
        Title.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    images = evaluation.images if images is None else images
    if images is None:
        raise ValueError(
            "plot_misclassified needs the test images: pass images=, or build the evaluation "
            "with evaluate(..., images=X_test)."
        )
    if len(images) != evaluation.n_samples:
        raise ValueError(
            f"images has {len(images)} entries but the evaluation has {evaluation.n_samples} "
            "samples; pass the test images the predictions were made on."
        )
    names = dict(zip(evaluation.labels.tolist(), evaluation.target_names, strict=True))
    chosen = evaluation.misclassified_indices[:n_images]
    captions = [
        f"{names[evaluation.y_true[i].item()]} -> {names[evaluation.y_pred[i].item()]}"
        for i in chosen
    ]
    ax = image_mosaic(np.asarray(images)[chosen], captions, n_cols=n_cols, ax=ax)
    ax.set_title(
        title
        or f"Misclassified: {len(chosen)} of {len(evaluation.misclassified_indices)}"
        " (true -> predicted)"
    )
    return ax
