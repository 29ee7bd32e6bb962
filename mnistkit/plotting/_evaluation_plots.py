"""Plots of a trained classifier: confusion matrix, per-class scores, learning curves, mistakes.

Each plot is a display in scikit-learn's sense (:class:`~sklearn.metrics.ConfusionMatrixDisplay`
is the model): build it ``from_estimator`` (a fitted classifier and a test set),
``from_predictions`` (labels) or from an evaluation, then ``plot(ax=...)``; the ``plot_*``
functions are one-line shortcuts that return the Axes.
"""

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from ..utils._validation import labels_of_fit
from ._common import Display, as_images, image_mosaic

__all__ = [
    "ClassScoresDisplay",
    "ConfusionMatrixDisplay",
    "MisclassifiedDisplay",
    "TrainingHistoryDisplay",
    "plot_confusion_matrix",
    "plot_learning_curves",
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


class TrainingHistoryDisplay(Display):
    """Training and validation curves per epoch, to judge under- and overfitting.

    Parameters
    ----------
    history : dict
        Per-epoch lists as in a mnistkit network's ``history_`` (``loss``, ``val_loss``,
        ``accuracy``, ``val_accuracy``).

    Attributes
    ----------
    lines_ : list of matplotlib.lines.Line2D
        The training and validation curves.
    figure_ : matplotlib.figure.Figure
        The figure drawn into.
    ax_ : matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> from mnistkit.plotting import TrainingHistoryDisplay
    >>> history = {"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5]}
    >>> display = TrainingHistoryDisplay(history).plot()
    >>> [line.get_label() for line in display.ax_.get_lines()]
    ['training', 'validation', 'best validation']
    """

    def __init__(self, history):
        self.history = history

    @classmethod
    def from_estimator(cls, estimator, *, metric="loss", ax=None, **plot_params):
        """Draw the curves of a fitted network (alone or last in a pipeline).

        Parameters
        ----------
        estimator : fitted estimator
            With a ``history_`` of per-epoch lists, as mnistkit's networks have.
        metric : str, default="loss"
            Which curve pair to draw.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        final = estimator[-1] if hasattr(estimator, "steps") else estimator
        if not hasattr(final, "history_"):
            raise ValueError(
                f"{type(final).__name__} has no history_: fit a mnistkit network first, or pass "
                "a dict of per-epoch lists to TrainingHistoryDisplay(history).plot()."
            )
        return cls(final.history_).plot(metric=metric, ax=ax, **plot_params)

    def plot(self, *, metric="loss", title=None, scale="auto", ax=None):
        """Draw one curve pair.

        Parameters
        ----------
        metric : str, default="loss"
            Which curve pair to draw: ``"loss"`` or ``"accuracy"``.
        title : str, default=None
            Title.
        scale : {"auto", "linear", "log", "logit"}, default="auto"
            The y axis scale. ``"auto"`` draws accuracy on a logit scale (0.9, 0.99 and 0.999
            equally spaced) when every value lies strictly between 0 and 1, and a loss on a log
            scale when it spans more than a factor of four: on a linear axis a first epoch at 55%
            flattens a curve that ends between 98.8% and 99.4% into one line at the top, where
            neither the gap between training and validation nor the overfitting can be read.
            Other cases, and ranges too narrow for three labelled ticks, stay linear.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.

        Returns
        -------
        display : TrainingHistoryDisplay
        """
        history = self.history
        if metric not in history:
            raise ValueError(
                f"history has no {metric!r} curve; it has {sorted(history)}. Pass metric= one "
                "of them."
            )
        values = np.asarray(history[metric], dtype=float)
        if values.ndim != 1 or not np.isfinite(values).any():
            raise ValueError(
                f"history[{metric!r}] holds no finite values ({len(values)} epochs"
                f"{', all nan or infinite' if len(values) else ''}); there is no curve to draw. "
                "Pass the history_ of a fitted network."
            )
        validation = history.get(f"val_{metric}")
        if validation is not None and len(validation) != len(values):
            raise ValueError(
                f"history[{f'val_{metric}'!r}] has {len(validation)} epochs but "
                f"history[{metric!r}] has {len(values)}; they must be of one fit."
            )
        ax = self._axes(ax, figsize=(6, 4))
        epochs = np.arange(1, len(history[metric]) + 1)
        self.lines_ = ax.plot(epochs, history[metric], marker="o", markersize=3, label="training")
        if validation is not None:
            self.lines_ += ax.plot(epochs, validation, marker="o", markersize=3, label="validation")
            best = int(np.argmin(validation) if "loss" in metric else np.argmax(validation))
            ax.axvline(best + 1, color="grey", linestyle=":", linewidth=1, label="best validation")
        series = [history[metric]] + ([validation] if validation is not None else [])
        if scale == "auto":
            scale = _curve_scale(metric, series)
        ax.set_yscale(scale)
        if scale in ("log", "logit"):
            # Matplotlib labels these scales "1 - 10^-2" and "10^-1"; a reader wants 0.99, 0.1.
            ticks = _LOGIT_TICKS if scale == "logit" else _LOG_TICKS
            ax.yaxis.set_major_locator(FixedLocator(ticks))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
            ax.yaxis.set_minor_locator(NullLocator())
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("Epoch")
        ax.set_ylabel(metric.replace("_", " ") + ("" if scale == "linear" else f" ({scale} scale)"))
        ax.legend(loc="best")
        ax.grid(alpha=0.3)
        ax.set_title(title or f"Learning curves: {metric}")
        return self


_LOGIT_TICKS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]
_LOGIT_TICKS += [0.995, 0.998, 0.999, 0.9995, 0.9998, 0.9999]
_LOG_TICKS = [m * 10.0**e for e in range(-5, 3) for m in (1, 2, 5)]


def _curve_scale(metric, series):
    """The y scale ``scale="auto"`` picks for a learning curve (see ``plot``)."""
    values = np.concatenate([np.asarray(v, dtype=float) for v in series])
    values = values[np.isfinite(values)]
    if not len(values):
        return "linear"
    low, high = values.min(), values.max()

    def labelled(ticks):  # a scale whose fixed ticks leave fewer than 3 labels is no help
        return sum(low <= tick <= high for tick in ticks) >= 3

    if "acc" in metric and low > 0 and high < 1 and labelled(_LOGIT_TICKS):
        return "logit"
    if "loss" in metric and low > 0 and high / low > 4 and labelled(_LOG_TICKS):
        return "log"
    return "linear"


def plot_confusion_matrix(
    evaluation, *, normalize=False, highlight_errors=False, ax=None, cmap=None, title=None
):
    """Draw the confusion matrix of an evaluation, with every cell annotated.

    A shortcut for ``ConfusionMatrixDisplay(evaluation).plot(...).ax_``.

    Parameters
    ----------
    evaluation : ClassificationEvaluation
        From :func:`mnistkit.metrics.evaluate`.
    normalize : bool, default=False
        Show each row divided by its total (recall on the diagonal) instead of counts.
    highlight_errors : bool, default=False
        Colour only the errors, on their own scale, so that the most confused pairs of an
        accurate classifier stand out (see :meth:`ConfusionMatrixDisplay.plot`).
    ax : matplotlib.axes.Axes, default=None
        Where to draw; ``None`` makes a new pyplot figure (shown in a notebook).
    cmap : str, default=None
        Colour map; ``None`` is ``"Blues"``, or ``"Reds"`` with ``highlight_errors``.
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
    display = ConfusionMatrixDisplay(evaluation)
    return display.plot(
        normalize=normalize, highlight_errors=highlight_errors, cmap=cmap, title=title, ax=ax
    ).ax_


def plot_per_class_f1(evaluation, *, ax=None, title=None):
    """Bar chart of per-class precision, recall and F1.

    A shortcut for ``ClassScoresDisplay(evaluation).plot(...).ax_``.

    Parameters
    ----------
    evaluation : ClassificationEvaluation
        From :func:`mnistkit.metrics.evaluate`.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; ``None`` makes a new pyplot figure (shown in a notebook).
    title : str, default=None
        Title.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    return ClassScoresDisplay(evaluation).plot(title=title, ax=ax).ax_


def plot_learning_curves(history, *, metric="loss", ax=None, title=None, scale="auto"):
    """Training and validation curves per epoch, to judge under- and overfitting.

    A shortcut for ``TrainingHistoryDisplay(history).plot(...).ax_``.

    Parameters
    ----------
    history : dict
        Per-epoch lists as in a mnistkit network's ``history_`` (``loss``, ``val_loss``,
        ``accuracy``, ``val_accuracy``).
    metric : str, default="loss"
        Which curve pair to draw: ``"loss"`` or ``"accuracy"``.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; ``None`` makes a new pyplot figure (shown in a notebook).
    title : str, default=None
        Title.
    scale : {"auto", "linear", "log", "logit"}, default="auto"
        The y axis scale; ``"auto"`` picks logit for accuracy and log for a loss spanning a
        factor of four (see :meth:`TrainingHistoryDisplay.plot`).

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
    return TrainingHistoryDisplay(history).plot(metric=metric, title=title, scale=scale, ax=ax).ax_


def plot_misclassified(evaluation, images=None, *, n_images=25, n_cols=5, ax=None, title=None):
    """A grid of misclassified test images captioned "true -> predicted".

    A shortcut for ``MisclassifiedDisplay(evaluation, images).plot(...).ax_``.

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
        Where to draw; ``None`` makes a new pyplot figure (shown in a notebook).
    title : str, default=None
        Title.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    display = MisclassifiedDisplay(evaluation, images)
    return display.plot(n_images=n_images, n_cols=n_cols, title=title, ax=ax).ax_
