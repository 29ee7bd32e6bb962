"""Matplotlib plots that return an ``Axes``; they work headless (no pyplot needed)."""

from ._data_plots import (
    plot_class_distribution,
    plot_class_means,
    plot_embedding,
    plot_explained_variance,
    plot_hog,
    plot_image_grid,
    plot_reconstructions,
)
from ._evaluation_plots import (
    plot_confusion_matrix,
    plot_learning_curves,
    plot_misclassified,
    plot_per_class_f1,
)

__all__ = [
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
