"""Plots as scikit-learn draws them: displays with ``from_estimator`` / ``from_predictions``.

With ``ax=None`` every plot makes a new :mod:`matplotlib.pyplot` figure, so a notebook shows it
and sphinx-gallery collects it (headless, pyplot falls back to the Agg backend); with ``ax=``
it draws into your axes. The ``plot_*`` functions are shortcuts that return the Axes.

Adding a plot: a :class:`~._common.Display` subclass in the module of its subject (its
constructor stores, ``from_estimator``/``from_predictions`` compute, ``plot(ax=...)`` draws
and returns the display), exported here and listed in ``docs/api.rst``; a ``plot_*`` shortcut
gets its parameters written by ``@shortcut_of(Display.from_..., Display.plot)``. The notebook
test (``tests/plotting/test_notebook.py``) fails until the plot has a cell there.
"""

from ._benchmark_plots import ScoreTimeDisplay, SweepDisplay
from ._decomposition_plots import (
    EmbeddingDisplay,
    ExplainedVarianceDisplay,
    ReconstructionDisplay,
    plot_embedding,
    plot_explained_variance,
    plot_reconstructions,
)
from ._evaluation_plots import (
    ClassScoresDisplay,
    ConfusionMatrixDisplay,
    MisclassifiedDisplay,
    plot_confusion_matrix,
    plot_misclassified,
    plot_per_class_f1,
)
from ._history_plots import TrainingHistoryDisplay, plot_learning_curves
from ._image_plots import (
    image_mosaic,
    plot_class_distribution,
    plot_class_means,
    plot_hog,
    plot_image_grid,
)

__all__ = [
    "ClassScoresDisplay",
    "ConfusionMatrixDisplay",
    "EmbeddingDisplay",
    "ExplainedVarianceDisplay",
    "MisclassifiedDisplay",
    "ReconstructionDisplay",
    "ScoreTimeDisplay",
    "SweepDisplay",
    "TrainingHistoryDisplay",
    "image_mosaic",
    "plot_class_distribution",
    "plot_class_means",
    "plot_confusion_matrix",
    "plot_embedding",
    "plot_explained_variance",
    "plot_hog",
    "plot_image_grid",
    "plot_learning_curves",
    "plot_misclassified",
    "plot_per_class_f1",
    "plot_reconstructions",
]
