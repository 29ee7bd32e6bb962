"""Aspect ``class-counts``: images per class in the training and test parts."""

import numpy as np

from .._base import Fact, ReportedFigure, new_figure
from ._aspect import Aspect, register_aspect
from ._common import class_name


def class_counts(y):
    """Images per class, as ``{label: count}`` with labels as strings (JSON keys)."""
    labels, counts = np.unique(y, return_counts=True)
    return {str(label): int(count) for label, count in zip(labels, counts, strict=True)}


@register_aspect
class ClassCounts(Aspect):
    """How balanced the classes are."""

    name = "class-counts"
    reported_figures = {
        "n_train": ReportedFigure("training images", 0),
        "n_test": ReportedFigure("test images", 0),
        "smallest_class": ReportedFigure("training images of the rarest class", 0),
        "largest_class": ReportedFigure("training images of the commonest class", 0),
    }

    def measure(self, data):
        train, test = class_counts(np.asarray(data.y_train)), class_counts(data.y_test)
        return {
            "train_counts": train,
            "test_counts": test,
            "n_train": len(data.y_train),
            "n_test": len(data.y_test),
            "smallest_class": min(train.values()),
            "largest_class": max(train.values()),
        }

    def facts(self, metrics):
        return [
            Fact("training images", metrics["n_train"], 0),
            Fact("test images", metrics["n_test"], 0),
            Fact("rarest class (training)", metrics["smallest_class"], 0),
            Fact("commonest class (training)", metrics["largest_class"], 0),
        ]

    def finding(self, metrics):
        train = " ".join(str(v) for v in metrics["train_counts"].values())
        test = " ".join(str(v) for v in metrics["test_counts"].values())
        spread = metrics["largest_class"] / metrics["smallest_class"]
        return (
            f"train {train}; test {test}; the commonest class has {spread:.2f}x the images "
            "of the rarest"
        )

    def figures(self, metrics, training_data):
        from ....plotting import plot_class_distribution

        names = metrics["target_names"]
        # One part above the other, so each bar is wide enough for its count to be read.
        figure = new_figure((7, 6))
        for ax, (part, counts) in zip(
            figure.subplots(2, 1),
            (("training", metrics["train_counts"]), ("test", metrics["test_counts"])),
            strict=True,
        ):
            # The counts as labels again: the plot counts them (labels are class codes).
            labels = np.repeat(np.arange(len(counts)), list(counts.values()))
            plot_class_distribution(
                labels,
                target_names=[class_name(key, names) for key in counts],
                ax=ax,
                title=f"{part} set ({sum(counts.values()):,} images)",
            )
        return [("Images per class", "class-counts", figure)]
