"""Aspect ``mean-image``: the mean training image of each class and how much ink it has."""

import numpy as np

from .._base import new_figure
from ._aspect import Aspect, register_aspect
from ._common import class_name, training_rows


@register_aspect
class MeanImage(Aspect):
    """What the average example of each class looks like."""

    name = "mean-image"

    def measure(self, data):
        X, y = training_rows(data)
        return {"class_ink": {str(label): float(X[y == label].mean()) for label in np.unique(y)}}

    def finding(self, metrics):
        ink = metrics["class_ink"]
        least, most = min(ink, key=ink.get), max(ink, key=ink.get)
        names = metrics["target_names"]
        return (
            "mean images drawn per class; least ink: "
            f"{class_name(least, names)} ({ink[least]:.1f}), most: {class_name(most, names)} "
            f"({ink[most]:.1f}) mean grey level"
        )

    def figures(self, metrics, training_data):
        from ....plotting import plot_class_means

        data = training_data()
        if data is None:
            return []
        images, labels = data
        n_classes = len(np.unique(labels))
        n_cols = 5 if n_classes <= 10 else 10  # two rows of five stay legible
        n_rows = -(-n_classes // n_cols)
        figure = new_figure((1.4 * n_cols + 1.2, 1.7 * n_rows + 0.6))
        plot_class_means(
            images,
            labels,
            target_names=[class_name(k, metrics["target_names"]) for k in np.unique(labels)],
            n_cols=n_cols,
            ax=figure.add_subplot(),
            title="Mean training image of each class",
        )
        return [("Mean image per class", "mean-image", figure)]
