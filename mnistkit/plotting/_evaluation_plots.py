"""Plots of a trained classifier: confusion matrix, per-class scores, mistakes.

Each plot is a display in scikit-learn's sense (:class:`~sklearn.metrics.ConfusionMatrixDisplay`
is the model): build it ``from_estimator`` (a fitted classifier and a test set),
``from_predictions`` (labels) or from an evaluation, then ``plot(ax=...)``; the ``plot_*``
functions are one-line shortcuts that return the Axes.
"""

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from ..utils._validation import labels_of_fit
from ._common import Display, as_images, image_mosaic, shortcut_of

__all__ = [
    "ClassScoresDisplay",
    "ConfusionMatrixDisplay",
    "MisclassifiedDisplay",
    "plot_confusion_matrix",
    "plot_misclassified",
    "plot_per_class_f1",
]


def _evaluation_of(estimator, X, y, *, target_names=None, images=None):
    """The evaluation of a fitted classifier's predictions on ``X`` (its classes in order)."""
    from ..metrics import evaluate

    if not hasattr(estimator, "predict"):
        raise TypeError(
            f"from_estimator needs a fitted classifier with predict(); got "
            f"{type(estimator).__name__}. For labels you already have, use from_predictions."
        )
    y_pred = estimator.predict(X)
    labels = labels_of_fit(estimator, y)
    return evaluate(y, y_pred, labels=labels, target_names=target_names, images=images)


def _evaluation_from_predictions(y_true, y_pred, *, labels=None, target_names=None, images=None):
    from ..metrics import evaluate

    return evaluate(y_true, y_pred, labels=labels, target_names=target_names, images=images)


class _EvaluationDisplay(Display):
    """A display drawn from a :class:`~mnistkit.metrics.ClassificationEvaluation`."""

    def __init__(self, evaluation):
        self.evaluation = evaluation

    @classmethod
    def from_estimator(cls, estimator, X, y, *, target_names=None, ax=None, **plot_params):
        """Predict ``X`` with a fitted classifier and draw the plot of its predictions.

        Parameters
        ----------
        estimator : fitted classifier
            Anything with ``predict`` (a pipeline too); its ``classes_`` give the class order.
        X : array-like
            Test inputs.
        y : array-like of shape (n_samples,)
            True labels.
        target_names : list of str, default=None
            Display names of the classes, in order.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display
            With ``figure_`` and ``ax_``.
        """
        evaluation = _evaluation_of(estimator, X, y, target_names=target_names)
        return cls(evaluation).plot(ax=ax, **plot_params)

    @classmethod
    def from_predictions(
        cls, y_true, y_pred, *, labels=None, target_names=None, ax=None, **plot_params
    ):
        """Draw the plot of predicted labels against the true ones.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.
        y_pred : array-like of shape (n_samples,)
            Predicted labels.
        labels : array-like of shape (n_classes,), default=None
            The classes, in order; ``None`` uses the sorted labels found.
        target_names : list of str, default=None
            Display names of ``labels``.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display
            With ``figure_`` and ``ax_``.
        """
        evaluation = _evaluation_from_predictions(
            y_true, y_pred, labels=labels, target_names=target_names
        )
        return cls(evaluation).plot(ax=ax, **plot_params)


class ConfusionMatrixDisplay(_EvaluationDisplay):
    """Confusion matrix with every cell annotated and the accuracy in the title.

    Like :class:`sklearn.metrics.ConfusionMatrixDisplay`, built from an evaluation (or with
    :meth:`from_estimator` / :meth:`from_predictions`), drawn with :meth:`plot`.

    Parameters
    ----------
    evaluation : ClassificationEvaluation
        From :func:`mnistkit.metrics.evaluate`.

    Attributes
    ----------
    im_ : matplotlib.image.AxesImage
        The matrix.
    text_ : ndarray of shape (n_classes, n_classes) of matplotlib.text.Text
        The cell annotations.
    figure_ : matplotlib.figure.Figure
        The figure drawn into.
    ax_ : matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> from mnistkit.plotting import ConfusionMatrixDisplay
    >>> display = ConfusionMatrixDisplay.from_predictions([0, 1, 1, 2], [0, 1, 2, 2])
    >>> display.ax_.get_xlabel(), display.text_.shape
    ('Predicted label', (3, 3))
    """

    def plot(self, *, normalize=False, highlight_errors=False, cmap=None, title=None, ax=None):
        """Draw the matrix.

        Parameters
        ----------
        normalize : bool, default=False
            Show each row divided by its total (recall on the diagonal) instead of counts.
        highlight_errors : bool, default=False
            Colour only the off-diagonal cells, on a scale that ends at the largest of them, and
            draw the diagonal grey. On the usual scale a classifier at 99% accuracy has every
            error cell under 1% of the largest colour, so the most confused pairs cannot be
            seen; this mode makes them the darkest cells.
        cmap : str, default=None
            Colour map; ``None`` is ``"Blues"``, or ``"Reds"`` with ``highlight_errors``.
        title : str, default=None
            Title; ``None`` writes one with the accuracy.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.

        Returns
        -------
        display : ConfusionMatrixDisplay
        """
        evaluation = self.evaluation
        ax = self._axes(ax, figsize=(7, 6))
        matrix = (
            evaluation.confusion_matrix_normalized if normalize else evaluation.confusion_matrix
        )
        unit = "fraction of true class" if normalize else "count"
        if highlight_errors:
            errors = np.ma.masked_array(matrix, mask=np.eye(len(matrix), dtype=bool))
            largest = errors.max() if errors.count() else 0
            vmax = largest if largest else 1
            self.im_ = ax.imshow(errors, cmap=cmap or "Reds", vmin=0, vmax=vmax)
            for i in range(len(matrix)):
                ax.add_patch(Rectangle((i - 0.5, i - 0.5), 1, 1, color="gainsboro", zorder=0))
            unit = f"errors ({unit})"
        else:
            vmax = 1 if normalize else matrix.max()
            self.im_ = ax.imshow(matrix, cmap=cmap or "Blues", vmin=0, vmax=vmax)
        colorbar = ax.figure.colorbar(self.im_, ax=ax, fraction=0.046, pad=0.04, label=unit)
        if not normalize:  # counts: no 2.5-image ticks
            colorbar.locator = MaxNLocator(integer=True)
            colorbar.update_ticks()
        n_classes = len(evaluation.labels)
        ticks = np.arange(n_classes)
        ax.set_xticks(
            ticks,
            evaluation.target_names,
            rotation=45 if n_classes > 6 else 0,
            ha="right" if n_classes > 6 else "center",
        )
        ax.set_yticks(ticks, evaluation.target_names)
        threshold = vmax / 2 if matrix.size else 0
        font_size = 9 if n_classes <= 10 else 6
        self.text_ = np.empty((n_classes, n_classes), dtype=object)
        for row in range(n_classes):
            for col in range(n_classes):
                value = matrix[row, col]
                self.text_[row, col] = ax.text(
                    col,
                    row,
                    f"{value:.2f}" if normalize else f"{int(value)}",
                    ha="center",
                    va="center",
                    fontsize=font_size,
                    color="white"
                    if value > threshold and not (highlight_errors and row == col)
                    else "black",
                )
        ax.set_xlabel("Predicted label")
        ax.set_ylabel("True label")
        kind = "row-normalised" if normalize else "counts"
        kind += ", errors coloured" if highlight_errors else ""
        ax.set_title(title or f"Confusion matrix ({kind}), accuracy {evaluation.accuracy:.4f}")
        return self


class ClassScoresDisplay(_EvaluationDisplay):
    """Bar chart of each class's precision, recall and F1.

    Parameters
    ----------
    evaluation : ClassificationEvaluation
        From :func:`mnistkit.metrics.evaluate`.

    Attributes
    ----------
    bars_ : dict of str to matplotlib.container.BarContainer
        The bars of ``"precision"``, ``"recall"`` and ``"f1"``.
    figure_ : matplotlib.figure.Figure
        The figure drawn into.
    ax_ : matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> from mnistkit.plotting import ClassScoresDisplay
    >>> display = ClassScoresDisplay.from_predictions([0, 1, 1, 2], [0, 1, 2, 2])
    >>> sorted(display.bars_), len(display.ax_.patches)
    (['f1', 'precision', 'recall'], 9)
    """

    def plot(self, *, title=None, ax=None):
        """Draw the bars.

        Parameters
        ----------
        title : str, default=None
            Title; ``None`` writes one with the macro F1.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.

        Returns
        -------
        display : ClassScoresDisplay
        """
        evaluation = self.evaluation
        ax = self._axes(ax, figsize=(8, 4))
        table = evaluation.per_class
        positions = np.arange(len(table))
        width = 0.27
        self.bars_ = {}
        for offset, column in zip((-width, 0, width), ("precision", "recall", "f1"), strict=True):
            self.bars_[column] = ax.bar(positions + offset, table[column], width, label=column)
        ax.set_xticks(positions, table.index, rotation=45 if len(table) > 6 else 0)
        low = max(0.0, float(table[["precision", "recall", "f1"]].min().min()) - 0.05)
        ax.set_ylim(low, 1.0)
        ax.set_xlabel("Class")
        ax.set_ylabel("Score")
        ax.legend(loc="lower right", ncols=3)
        ax.grid(axis="y", alpha=0.3)
        ax.set_title(title or f"Per-class scores (macro F1 {evaluation.f1_macro:.4f})")
        return self


class MisclassifiedDisplay(_EvaluationDisplay):
    """A grid of misclassified test images captioned "true -> predicted".

    Parameters
    ----------
    evaluation : ClassificationEvaluation
        From :func:`mnistkit.metrics.evaluate`.
    images : ndarray of shape (n_samples, height, width) or (n_samples, n_pixels), default=None
        The test images; ``None`` uses ``evaluation.images``.

    Attributes
    ----------
    indices_ : ndarray
        Test indices of the images shown.
    figure_ : matplotlib.figure.Figure
        The figure drawn into.
    ax_ : matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> import numpy as np
    >>> from mnistkit.plotting import MisclassifiedDisplay
    >>> images = np.eye(4).repeat(4, axis=0).reshape(4, 4, 4)
    >>> display = MisclassifiedDisplay.from_predictions([0, 1, 1, 2], [0, 1, 2, 2], images)
    >>> display.indices_
    array([2])
    """

    def __init__(self, evaluation, images=None):
        self.evaluation = evaluation
        self.images = images

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, images=None, target_names=None, ax=None, **plot_params
    ):
        """Predict ``X`` with a fitted classifier and show the images it got wrong.

        Parameters
        ----------
        estimator : fitted classifier
            Anything with ``predict`` (a pipeline too).
        X : array-like
            Test inputs.
        y : array-like of shape (n_samples,)
            True labels.
        images : ndarray, default=None
            The test images; ``None`` draws ``X`` (images, or flat rows of a square image).
        target_names : list of str, default=None
            Display names of the classes, in order.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display : MisclassifiedDisplay
        """
        evaluation = _evaluation_of(estimator, X, y, target_names=target_names)
        return cls(evaluation, X if images is None else images).plot(ax=ax, **plot_params)

    @classmethod
    def from_predictions(
        cls, y_true, y_pred, images, *, labels=None, target_names=None, ax=None, **plot_params
    ):
        """Show the images whose predicted label is wrong.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            True labels.
        y_pred : array-like of shape (n_samples,)
            Predicted labels.
        images : ndarray of shape (n_samples, height, width) or (n_samples, n_pixels)
            The images the predictions were made on.
        labels : array-like of shape (n_classes,), default=None
            The classes, in order.
        target_names : list of str, default=None
            Display names of ``labels``.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display : MisclassifiedDisplay
        """
        evaluation = _evaluation_from_predictions(
            y_true, y_pred, labels=labels, target_names=target_names
        )
        return cls(evaluation, images).plot(ax=ax, **plot_params)

    def plot(self, *, n_images=25, n_cols=5, title=None, ax=None):
        """Draw the mistakes (the first ones in test order).

        Parameters
        ----------
        n_images : int, default=25
            How many mistakes to show.
        n_cols : int, default=5
            Images per row.
        title : str, default=None
            Title.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.

        Returns
        -------
        display : MisclassifiedDisplay
        """
        evaluation = self.evaluation
        images = evaluation.images if self.images is None else self.images
        if images is None:
            raise ValueError(
                "The misclassified images need the test images: pass images=, or build the "
                "evaluation with evaluate(..., images=X_test)."
            )
        if len(images) != evaluation.n_samples:
            raise ValueError(
                f"images has {len(images)} entries but the evaluation has "
                f"{evaluation.n_samples} samples; pass the test images the predictions were "
                "made on."
            )
        images = as_images(images)
        names = dict(zip(evaluation.labels.tolist(), evaluation.target_names, strict=True))
        wrong = evaluation.misclassified_indices
        self.indices_ = wrong[:n_images]
        if len(self.indices_) == 0:
            ax = self._axes(ax, figsize=(5, 1.5))
            ax.text(0.5, 0.5, "No misclassified images", ha="center", va="center")
            ax.set_axis_off()
            return self
        captions = [
            f"{names[evaluation.y_true[i].item()]} -> {names[evaluation.y_pred[i].item()]}"
            for i in self.indices_
        ]
        ax = image_mosaic(images[self.indices_], captions, n_cols=n_cols, ax=ax)
        self.ax_, self.figure_ = ax, ax.figure
        ax.set_title(
            title or f"Misclassified: {len(self.indices_)} of {len(wrong)} (true -> predicted)"
        )
        return self


@shortcut_of(ConfusionMatrixDisplay, ConfusionMatrixDisplay.plot)
def plot_confusion_matrix(
    evaluation, *, normalize=False, highlight_errors=False, ax=None, cmap=None, title=None
):
    """Draw the confusion matrix of an evaluation, with every cell annotated.

    A shortcut for ``ConfusionMatrixDisplay(evaluation).plot(...).ax_``.

    {parameters}

    Examples
    --------
    >>> from mnistkit.metrics import evaluate
    >>> from mnistkit.plotting import plot_confusion_matrix
    >>> ax = plot_confusion_matrix(evaluate([0, 1, 1, 2], [0, 1, 2, 2]))
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Predicted label', 'True label')
    """
    display = ConfusionMatrixDisplay(evaluation)
    return display.plot(
        normalize=normalize, highlight_errors=highlight_errors, cmap=cmap, title=title, ax=ax
    ).ax_


@shortcut_of(ClassScoresDisplay, ClassScoresDisplay.plot)
def plot_per_class_f1(evaluation, *, ax=None, title=None):
    """Bar chart of per-class precision, recall and F1.

    A shortcut for ``ClassScoresDisplay(evaluation).plot(...).ax_``.

    {parameters}
    """
    return ClassScoresDisplay(evaluation).plot(title=title, ax=ax).ax_


@shortcut_of(MisclassifiedDisplay, MisclassifiedDisplay.plot)
def plot_misclassified(evaluation, images=None, *, n_images=25, n_cols=5, ax=None, title=None):
    """A grid of misclassified test images captioned "true -> predicted".

    A shortcut for ``MisclassifiedDisplay(evaluation, images).plot(...).ax_``.

    {parameters}
    """
    display = MisclassifiedDisplay(evaluation, images)
    return display.plot(n_images=n_images, n_cols=n_cols, title=title, ax=ax).ax_
