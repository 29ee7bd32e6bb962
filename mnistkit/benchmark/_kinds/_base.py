"""The :class:`EntryKind` base class, the registry of kinds, and helpers kinds share."""

import dataclasses
from dataclasses import dataclass
from typing import ClassVar

from .._fields import SuiteError

__all__ = [
    "EntryKind",
    "Fact",
    "ReportedFigure",
    "build_model",
    "get_kind",
    "kind_names",
    "qualified_param",
    "register_kind",
]

_KINDS = {}


@dataclass(frozen=True)
class Fact:
    """One figure of a result as a reader sees it: ``accuracy 0.9912``."""

    label: str
    value: object
    digits: int = 4


@dataclass(frozen=True)
class ReportedFigure:
    """A published figure a kind can be compared on: what it means, and how close is close.

    ``tolerance`` is the largest difference still called reproduced when it falls outside our
    seed spread and interval (``None``: no verdict, e.g. times on other machines).
    """

    description: str
    tolerance: float | None


@dataclass
class NoOptions:
    """A kind without keys of its own."""


class EntryKind:
    """What one kind of benchmark entry is: its keys, its run, its figures and its pictures.

    Subclasses set the class attributes, implement :meth:`run`, and register themselves with
    :func:`register_kind`. The runner and the report only call these methods; they never look
    at which kind an entry is.

    Attributes
    ----------
    name : str
        The ``kind`` value in a suite.
    options : dataclass type
        The kind's own suite keys, declared with :func:`~mnistkit.benchmark._fields.suite_field`.
    required : tuple of str
        Keys of ``options`` that an entry must set.
    needs_model : bool
        Whether an entry needs a ``model`` from :func:`~mnistkit.baselines.list_baselines`.
    reported_figures : dict of str to ReportedFigure
        The published figures an entry of this kind can be compared on (``reported`` keys).
    score_label : str
        What :meth:`score` is, for the leaderboard.
    """

    name: ClassVar[str]
    options: ClassVar[type] = NoOptions
    required: ClassVar[tuple] = ()
    needs_model: ClassVar[bool] = True
    reported_figures: ClassVar[dict] = {}
    score_label: ClassVar[str] = "accuracy"

    def validate(self, entry, where):
        """Checks across keys, after each key's own type check; raise SuiteError."""

    def check_model(self, model, entry, where):
        """Checks of the entry's built model (a Pipeline); raise SuiteError. This default
        wants a classifier: a final step with ``predict``."""
        final = model.steps[-1][1] if hasattr(model, "steps") else model
        if not hasattr(final, "predict"):
            raise SuiteError(
                f"{where}: {type(final).__name__} has no predict method, so kind "
                f"{entry.kind!r} cannot score it; give a classifier (a transformer such as "
                "PCA goes in 'features' or in your own Pipeline, before a classifier)."
            )

    def validate_in_suite(self, entry, entries, where):
        """Checks against the suite's other ``entries`` (ids it reads); raise SuiteError."""

    def run(self, entry, data, result, predictions_file):
        """Fit and measure ``entry`` on ``data``, filling ``result`` (its metrics and details).

        ``predictions_file`` is where a kind that predicts test labels saves them
        (``y_true``, ``y_pred``) for the report's paired tests and pictures.
        """
        raise NotImplementedError

    def verify(self, result, predictions):
        """What is wrong with a succeeded ``result`` read back from disk (``[]``: nothing).

        The report believes a record only after this: a record edited by hand, or whose
        metrics were emptied or hold text, is marked invalid instead of being shown.
        ``predictions()`` returns the saved ``(y_true, y_pred)`` (or ``None`` when there are
        none) and raises :class:`~mnistkit.benchmark._records.CorruptRecordError` for a bad
        file. This default checks that the score and the facts are numbers; kinds that save
        predictions also recompute every figure the predictions determine.
        """
        import math

        if not isinstance(result.metrics, dict):
            return ["its metrics are not a table"]
        try:
            figures = [(self.score_label, self.score(result))]
            figures += [(fact.label, fact.value) for fact in self.facts(result)]
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            return [f"its metrics are malformed ({type(exc).__name__}: {exc})"]
        return [
            f"its {label} is {value!r}, not a number"
            for label, value in figures
            if value is not None
            and (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
            )
        ]

    def value(self, result, figure):
        """Our value of a reported figure (``None`` when this result has none)."""
        return result.metrics.get(figure)

    def score(self, result):
        """The number the leaderboard ranks on (``None``: not ranked)."""
        return None

    def facts(self, result):
        """The figures of one result shown on its card, as :class:`Fact` objects."""
        return []

    def finding(self, result, outcomes=None):
        """Our result in words, set beside a published finding (``None``: no words).

        ``outcomes`` maps every entry id of the report to its outcome, for kinds that collate
        other entries' results.
        """
        score = self.score(result)
        return None if score is None else f"{self.score_label} {score:.4f}"

    def card_lines(self, result):
        """Sentences about one result that its card shows below the facts (``[]``: none)."""
        return []

    def figures(self, result, context):
        """Pictures of one result: a list of ``(caption, slug, matplotlib Figure)``.

        ``context`` gives the saved predictions (``context.predictions(result)``), the test
        images (``context.test_images(result)``) and the training data the run loaded
        (``context.training_data(result)``).
        """
        return []


def register_kind(cls):
    """Class decorator: make a kind available to suites under ``cls.name``."""
    if not dataclasses.is_dataclass(cls.options):
        raise TypeError(f"{cls.__name__}.options must be a dataclass of suite keys")
    _KINDS[cls.name] = cls()
    return cls


def kind_names():
    """The names of the registered kinds."""
    return sorted(_KINDS)


def get_kind(name):
    """The registered :class:`EntryKind` called ``name``."""
    try:
        return _KINDS[name]
    except (KeyError, TypeError):
        raise SuiteError(
            f"unknown entry kind {name!r}; the kinds are {', '.join(kind_names())}"
        ) from None


def build_model(entry, seed):
    """The entry's model with its parameters, seeded with ``seed``: its named baseline, or its
    own estimator or network after its feature steps (a Pipeline either way).

    Every ``random_state`` of the pipeline that the overrides leave alone gets ``seed`` (the
    baselines fix theirs to 0, so seed 0 is the baseline as named and repeats really differ).
    With split ``lab``, networks validate on the last 10k of the 60k training images, as the lab
    did. Networks compute in float32 unless the entry sets their ``precision``: ``"auto"`` would
    pick bfloat16 on some CPUs only, and a benchmark figure must not depend on the CPU it ran on.
    """
    from ...baselines import make_baseline
    from .._estimators import build_user_model

    if entry.estimator or entry.network:
        model = build_user_model(entry)
    else:
        model = make_baseline(entry.model, **entry.params)
    model.set_params(
        **{
            key: "float32"
            for key in model.get_params(deep=True)
            if key.rsplit("__", 1)[-1] == "precision"
            and key not in entry.params
            and "precision" not in entry.params
        }
    )
    model.set_params(
        **{
            key: seed
            for key, value in model.get_params(deep=True).items()
            if key.rsplit("__", 1)[-1] == "random_state"
            and key not in entry.params
            and key.rsplit("__", 1)[-1] not in entry.params
            and (value is None or isinstance(value, int))
        }
    )
    final_name, final = model.steps[-1]
    if entry.split == "lab" and final.get_params().get("validation_fraction", 0) is None:
        model.set_params(**{f"{final_name}__validation_fraction": 1 / 6})
    return model


def qualified_param(model, name):
    """``name`` as ``model.set_params`` takes it: a parameter of the pipeline's last step
    named as the step itself names it (``C``, or a network's ``model__width``) becomes
    ``svc__C`` or ``kerasclassifier__model__width``, as
    :func:`~mnistkit.baselines.make_baseline` reads overrides; a name the model has already,
    or one that is nobody's, is returned as it is."""
    params = model.get_params(deep=True)
    if name in params or not hasattr(model, "steps"):
        return name
    final = f"{model.steps[-1][0]}__{name}"
    return final if final in params else name


def jsonable_params(estimator):
    """An estimator's parameters as JSON values (other objects as their ``repr``)."""
    params = {}
    for key, value in estimator.get_params(deep=True).items():
        if hasattr(value, "get_params"):
            continue  # nested estimators appear through their own key__param entries
        params[key] = (
            value if isinstance(value, bool | int | float | str | type(None)) else repr(value)
        )
    return params


def save_predictions(path, y_true, y_pred):
    """Save test labels and predictions (``.npz``) whole or not at all."""
    import io

    import numpy as np

    from ...utils._files import atomic_write

    buffer = io.BytesIO()
    np.savez_compressed(buffer, y_true=np.asarray(y_true), y_pred=np.asarray(y_pred))
    atomic_write(path, buffer.getvalue())


def confusion_cells(metrics, min_errors):
    """'3 read as 5 (13)' for every off-diagonal confusion-matrix cell with ``min_errors``+."""
    names = metrics["target_names"]
    matrix = metrics["confusion_matrix"]
    cells = [
        (count, true, predicted)
        for true, row in enumerate(matrix)
        for predicted, count in enumerate(row)
        if true != predicted and count >= min_errors
    ]
    return [f"{names[t]} read as {names[p]} ({c})" for c, t, p in sorted(cells, reverse=True)]


def new_figure(figsize=(6, 4)):
    """A matplotlib Figure of its own, outside the global figure manager (the report is
    written headless, in any thread, and leaves a notebook user's figures alone)."""
    from matplotlib.figure import Figure

    return Figure(figsize=figsize, layout="constrained")


def mosaic_figure(images, captions, title, *, n_cols, tile=(1.4, 1.7), **mosaic_kwargs):
    """A figure of captioned pictures in rows of ``n_cols``, sized so captions stay legible.

    Each picture gets ``tile`` inches (width, height with its caption); more than about ten
    in one row shrink the captions out of sight, so callers wrap long strips.
    """
    from ...plotting import image_mosaic

    n_rows = -(-len(images) // n_cols)
    # Wide enough for the title too (about 0.08 inch a character at 10 points): a strip of a
    # few pictures would clip it.
    width = max(tile[0] * n_cols + 0.4, 0.08 * len(title) + 0.4)
    figure = new_figure((width, tile[1] * n_rows + 0.6))
    ax = figure.add_subplot()
    image_mosaic(images, captions, n_cols=n_cols, ax=ax, **mosaic_kwargs)
    ax.set_xlabel("")
    ax.set_title(title, fontsize=10)
    return figure
