"""Aspect ``nearest-farthest``: each class's training image nearest to its class mean and the
one farthest from it."""

import numpy as np

from .._base import mosaic_figure
from ._aspect import Aspect, register_aspect
from ._common import class_name, training_rows


def nearest_and_farthest(X, y):
    """For each class, the index of the training image nearest to its class mean and of the one
    farthest from it, by Euclidean distance over the pixels.

    The lab ranked images by their mean signed pixel difference from the class mean; that sum
    mostly measures how much ink an image has, not how it differs in shape, so the distance here
    is the Euclidean norm (both are recorded: ``signed`` holds the lab's choice).
    """
    chosen = {"euclidean": {}, "signed": {}}
    X = X.astype(np.float32)
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        difference = X[members] - X[members].mean(axis=0)
        distance = np.linalg.norm(difference, axis=1)
        signed = np.abs(difference.mean(axis=1))
        chosen["euclidean"][str(label)] = [
            int(members[distance.argmin()]),
            int(members[distance.argmax()]),
        ]
        chosen["signed"][str(label)] = [
            int(members[signed.argmin()]),
            int(members[signed.argmax()]),
        ]
    return chosen


@register_aspect
class NearestFarthest(Aspect):
    """The typical and the most unusual example of each class."""

    name = "nearest-farthest"

    def measure(self, data):
        return nearest_and_farthest(*training_rows(data))

    def finding(self, metrics):
        euclidean, signed = metrics["euclidean"], metrics["signed"]
        same = sum(euclidean[label][1] == signed[label][1] for label in euclidean)
        return (
            "nearest and farthest training image of each class drawn (Euclidean distance to "
            f"the class mean); the lab's signed-difference ranking picks the same farthest "
            f"image for {same} of {len(euclidean)} classes"
        )

    def figures(self, metrics, training_data):
        data = training_data()
        if data is None:
            return []
        images = data[0]
        names, picked = metrics["target_names"], metrics["euclidean"]
        order = list(picked)
        if max(max(pair) for pair in picked.values()) >= len(images):
            return []  # indices of other training data than this machine has
        chosen = [picked[k][0] for k in order] + [picked[k][1] for k in order]
        captions = [f"{class_name(k, names)} nearest" for k in order] + [
            f"{class_name(k, names)} farthest" for k in order
        ]
        figure = mosaic_figure(
            images[chosen],
            captions,
            "Top row: nearest to the class mean; bottom row: farthest (Euclidean)",
            n_cols=len(order),
            tile=(0.9, 1.4),  # one class per column, two rows: narrower tiles than the default
            cmap="gray",
        )
        return [("Nearest to and farthest from the class mean", "nearest-farthest", figure)]
