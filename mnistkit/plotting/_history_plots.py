"""Learning curves: a network's training (and validation) figures per epoch.

A display of its own, as the prediction plots' are: it changes for other reasons (what a
training history holds) than the plots of a classifier's predictions.
"""

import numpy as np
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullLocator

from ._common import Display, shortcut_of

__all__ = ["TrainingHistoryDisplay", "plot_learning_curves"]


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


@shortcut_of(TrainingHistoryDisplay, TrainingHistoryDisplay.plot)
def plot_learning_curves(history, *, metric="loss", ax=None, title=None, scale="auto"):
    """Training and validation curves per epoch, to judge under- and overfitting.

    A shortcut for ``TrainingHistoryDisplay(history).plot(...).ax_``.

    {parameters}

    Examples
    --------
    >>> from mnistkit.plotting import plot_learning_curves
    >>> ax = plot_learning_curves({"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5]})
    >>> [line.get_label() for line in ax.get_lines()]
    ['training', 'validation', 'best validation']
    """
    return TrainingHistoryDisplay(history).plot(metric=metric, title=title, scale=scale, ax=ax).ax_
