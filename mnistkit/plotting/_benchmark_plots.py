"""Plots of benchmark results: which model is worth its time."""

import numpy as np

from ._common import Display

__all__ = ["ScoreTimeDisplay", "SweepDisplay", "pareto_front"]

#: Where a point's label may go, in points from the point, tried in this order: right, left,
#: above, below, then the diagonals and farther out; the first that overlaps nothing is kept.
_LABEL_OFFSETS = [
    (6, -4, "left"),
    (-6, -4, "right"),
    (0, 7, "center"),
    (0, -14, "center"),
    (6, 6, "left"),
    (-6, 6, "right"),
    (6, -14, "left"),
    (-6, -14, "right"),
    (0, 18, "center"),
    (0, -25, "center"),
    (14, 12, "left"),
    (-14, 12, "right"),
    (14, -22, "left"),
    (-14, -22, "right"),
    (0, 30, "center"),
    (0, -36, "center"),
]


def pareto_front(scores, seconds):
    """Indices of the points no other point beats: none is as fast or faster with as high or
    a higher score, and better in one of the two. Ordered by time.

    Examples
    --------
    >>> from mnistkit.plotting._benchmark_plots import pareto_front
    >>> pareto_front([0.81, 0.97, 0.88, 0.99], [1.4, 6.6, 11.8, 64.7])
    [0, 1, 3]
    """
    scores, seconds = np.asarray(scores, float), np.asarray(seconds, float)
    front = []
    for i in np.argsort(seconds, kind="stable"):
        beaten = (
            (seconds <= seconds[i])
            & (scores >= scores[i])
            & ((seconds < seconds[i]) | (scores > scores[i]))
        )
        if not beaten.any():
            front.append(int(i))
    return front


class ScoreTimeDisplay(Display):
    """Score against fit time, one point per model, the Pareto front marked: the picture of
    which model is worth its time.

    The time axis is logarithmic (benchmark times span seconds to hours); the front joins the
    models no other model beats on both score and time. Labels are placed where they overlap
    no other label or point (up to about 30 models).

    Parameters
    ----------
    scores : array-like of shape (n_models,)
        Each model's score (test accuracy).
    seconds : array-like of shape (n_models,)
        Each model's fit time in seconds (positive).
    labels : list of str
        Each model's name.

    Attributes
    ----------
    pareto_ : list of str
        The labels on the front, fastest first.
    figure_ : matplotlib.figure.Figure
        The figure drawn into.
    ax_ : matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> from mnistkit.plotting import ScoreTimeDisplay
    >>> display = ScoreTimeDisplay(
    ...     [0.814, 0.882, 0.973, 0.987, 0.983, 0.993],
    ...     [1.4, 11.8, 6.6, 18.0, 28.8, 64.7],
    ...     ["naive-bayes", "tree", "hog-logreg", "pca-svc", "mlp", "cnn"],
    ... ).plot()
    >>> display.pareto_
    ['naive-bayes', 'hog-logreg', 'pca-svc', 'cnn']
    """

    def __init__(self, scores, seconds, labels):
        self.scores = scores
        self.seconds = seconds
        self.labels = labels

    @classmethod
    def from_results(cls, results, *, score="score", time="fit_seconds", ax=None, **plot_params):
        """Draw the entries of a :func:`~mnistkit.benchmark.load_results` frame.

        Each entry (of each results folder, when there are several) is one point: the mean of
        its repeats. Entries without a score or a time (failed, or a kind that fits nothing)
        are left out.

        Parameters
        ----------
        results : pandas.DataFrame
            The frame :func:`~mnistkit.benchmark.load_results` returns.
        score : str, default="score"
            The column on the vertical axis (``"f1_macro"``, ``"balanced_accuracy"``, ...).
        time : str, default="fit_seconds"
            The column on the horizontal axis (``"seconds"``, ``"predict_seconds"``).
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display : ScoreTimeDisplay
        """
        for column in (score, time, "id", "folder"):
            if column not in results.columns:
                raise ValueError(
                    f"results has no column {column!r}; pass the frame load_results returns "
                    f"(its columns include {', '.join(map(repr, list(results.columns)[:6]))}, ...)."
                )
        usable = results[results[score].notna() & results[time].notna()]
        several = results["folder"].nunique() > 1
        groups = usable.groupby(["folder", "id"], sort=False)[[score, time]].mean()
        labels = [f"{i} ({folder})" if several else i for folder, i in groups.index]
        plot_params.setdefault("score_label", score.replace("_", " "))
        plot_params.setdefault("time_label", time.replace("_", " "))
        return cls(groups[score].to_numpy(), groups[time].to_numpy(), labels).plot(
            ax=ax, **plot_params
        )

    def plot(self, *, score_label="score", time_label="fit seconds", title=None, ax=None):
        """Draw the points, the front and the labels.

        Parameters
        ----------
        score_label : str, default="score"
            The vertical axis' name.
        time_label : str, default="fit seconds"
            The horizontal axis' name (it is drawn on a log scale).
        title : str, default=None
            Title.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.

        Returns
        -------
        display : ScoreTimeDisplay
        """
        scores = np.asarray(self.scores, dtype=float)
        seconds = np.asarray(self.seconds, dtype=float)
        labels = [str(label) for label in self.labels]
        if not (scores.ndim == seconds.ndim == 1 and len(scores) == len(seconds) == len(labels)):
            raise ValueError(
                f"scores, seconds and labels must be one value per model; got {scores.shape}, "
                f"{seconds.shape} and {len(labels)} labels."
            )
        if not (np.isfinite(scores).all() and np.isfinite(seconds).all()):
            raise ValueError("scores and seconds must be finite numbers.")
        if (seconds <= 0).any():
            raise ValueError(
                f"seconds must be positive (the time axis is logarithmic); got "
                f"{seconds.min():g} for {labels[int(np.argmin(seconds))]!r}."
            )
        ax = self._axes(ax, figsize=(7, 4.5))
        front = pareto_front(scores, seconds)
        self.pareto_ = [labels[i] for i in front]
        on_front = np.zeros(len(scores), bool)
        on_front[front] = True
        ax.scatter(seconds[~on_front], scores[~on_front], color="tab:gray", zorder=3)
        ax.scatter(
            seconds[on_front],
            scores[on_front],
            color="tab:blue",
            zorder=3,
            label="best for its time (Pareto front)",
        )
        if front:
            ax.step(seconds[front], scores[front], where="post", color="tab:blue", alpha=0.5)
        ax.set_xscale("log")
        ax.set_xlabel(f"{time_label} (log scale)")
        ax.set_ylabel(score_label)
        if len(scores):
            low, high = scores.min(), scores.max()
            pad = max((high - low) * 0.12, 0.005)
            ax.set_ylim(low - pad, high + pad)
            ax.set_xlim(seconds.min() / 1.6, seconds.max() * 1.6)
        ax.grid(True, which="major", alpha=0.3)
        if front:
            ax.legend(loc="lower right", fontsize="small")
        if title:
            ax.set_title(title)
        self.texts_ = _place_labels(ax, seconds, scores, labels)
        return self


def _overlaps(box, boxes):
    return any(box.overlaps(other) for other in boxes)


def _place_labels(ax, xs, ys, labels):
    """Annotate each point with its label at the first offset where it overlaps no label
    placed before, no point and the axes' edge; the last offset tried where none is free."""
    from matplotlib.transforms import Bbox

    figure = ax.figure
    if not hasattr(figure.canvas, "get_renderer"):  # a bare Figure(): measure text with Agg
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(figure)
    renderer = figure.canvas.get_renderer()
    figure.draw_without_rendering()  # positions after the layout engine's pass
    points = ax.transData.transform(np.column_stack([xs, ys])) if len(xs) else np.empty((0, 2))
    taken = [Bbox.from_extents(x - 4, y - 4, x + 4, y + 4) for x, y in points]
    if ax.get_legend() is not None:
        taken.append(ax.get_legend().get_window_extent(renderer))
    frame = ax.get_window_extent(renderer)
    texts = []
    for index in np.argsort(-np.asarray(ys), kind="stable"):  # the best first: they get room
        text = None
        for dx, dy, align in _LABEL_OFFSETS:
            if text is not None:
                text.remove()
            text = ax.annotate(
                labels[index],
                (xs[index], ys[index]),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=align,
                fontsize="small",
            )
            box = text.get_window_extent(renderer).padded(1)
            mine = Bbox.from_extents(*(points[index] - 4), *(points[index] + 4))
            inside = frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1)
            if inside and not _overlaps(box, [b for b in taken if b.bounds != mine.bounds]):
                break
        taken.append(text.get_window_extent(renderer).padded(1))
        texts.append(text)
    return texts


class SweepDisplay(Display):
    """Scores against the values of one parameter: a validation curve, from a sweep or a grid.

    Numbers spanning a factor of 20 or more (``C`` from 1e-4 to 1e5, ``K`` from 2 to 150) get a
    logarithmic axis ticked at the swept values themselves; values that are not numbers
    (kernels, activations) get one tick each, with points not joined by lines.

    Parameters
    ----------
    param : str
        Name of the swept parameter (a ``step__name`` path is shown by its last part).
    values : list
        The values swept, in order.
    scores : dict of str to list of float
        One series per score, named by its label, one score per value.

    Attributes
    ----------
    lines_ : list of matplotlib.lines.Line2D
        One per series, in the order of ``scores``.
    figure_ : matplotlib.figure.Figure
        The figure drawn into.
    ax_ : matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> from mnistkit.plotting import SweepDisplay
    >>> display = SweepDisplay(
    ...     "svc__C", [0.01, 1, 100], {"test accuracy": [0.90, 0.97, 0.96]}
    ... ).plot()
    >>> display.ax_.get_xscale(), display.ax_.get_xlabel()
    ('log', 'C')
    """

    def __init__(self, param, values, scores):
        self.param = param
        self.values = values
        self.scores = scores

    @classmethod
    def from_cv_results(cls, cv_results, param, *, ax=None, **plot_params):
        """The mean test (and training, where recorded) score of a grid search by one parameter.

        Parameters
        ----------
        cv_results : dict
            ``GridSearchCV(...).cv_results_`` of a search over ``param`` alone (with other
            parameters varied too, the candidates are not a curve: search over one).
        param : str
            The parameter, as named in the search's grid.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display : SweepDisplay
        """
        key = f"param_{param}"
        if key not in cv_results:
            searched = sorted(k[len("param_") :] for k in cv_results if k.startswith("param_"))
            raise ValueError(
                f"cv_results has no parameter {param!r}; the search varied {searched}."
            )
        values = list(cv_results[key])
        if len(set(map(repr, values))) != len(values):
            raise ValueError(
                f"cv_results repeats values of {param!r}: the search varied other parameters "
                "too. Draw a search over this parameter alone."
            )
        scores = {}
        if "mean_train_score" in cv_results:
            scores["training score"] = list(cv_results["mean_train_score"])
        scores["test score (cross-validated)"] = list(cv_results["mean_test_score"])
        return cls(param, values, scores).plot(ax=ax, **plot_params)

    def plot(self, *, title=None, ylabel="score", ax=None):
        """Draw one line (or row of points) per score.

        Parameters
        ----------
        title : str, default=None
            Title; ``None`` says "scores by <parameter>".
        ylabel : str, default="score"
            Label of the score axis.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.

        Returns
        -------
        display : SweepDisplay
        """
        values = list(self.values)
        for label, series in self.scores.items():
            if len(series) != len(values):
                raise ValueError(
                    f"scores[{label!r}] has {len(series)} entries for {len(values)} values."
                )
        name = self.param.rsplit("__", 1)[-1]
        numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
        ax = self._axes(ax, figsize=(6, 4))
        positions = values if numeric else list(range(len(values)))
        style = {"marker": "o"} if numeric else {"marker": "o", "linestyle": "none"}
        self.lines_ = [
            ax.plot(positions, series, label=label, **style)[0]
            for label, series in self.scores.items()
        ]
        if not numeric:
            ax.set_xticks(positions, [str(v) for v in values])
        elif min(values) > 0 and max(values) / min(values) >= 20:
            ax.set_xscale("log")
            # The swept values themselves as ticks: "2, 5, 10, 150" reads better than 10^1.
            ax.set_xticks(values, [f"{v:g}" for v in values], minor=False)
            ax.minorticks_off()
        ax.set_xlabel(name)
        ax.set_ylabel(ylabel)
        ax.set_title(title or f"Scores by {name}", fontsize=10)
        ax.legend()
        ax.grid(alpha=0.3)
        return self
