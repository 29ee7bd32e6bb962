"""Aspect ``pixel-hist``: how often each of the 256 pixel values occurs in the training images."""

import numpy as np

from .._base import Fact
from ._aspect import Aspect, register_aspect
from ._common import histogram_figure, training_rows


@register_aspect
class PixelHistogram(Aspect):
    """How much of an image is background, how much full ink."""

    name = "pixel-hist"

    def measure(self, data):
        X, _ = training_rows(data)
        counts = np.bincount(X.ravel(), minlength=256)
        return {
            "n_pixels": int(counts.sum()),
            "n_zero": int(counts[0]),
            "n_at_least_250": int(counts[250:].sum()),
            "share_zero": float(counts[0] / counts.sum()),
            "histogram": counts.tolist(),
        }

    def facts(self, metrics):
        return [
            Fact("pixels at 0", metrics["n_zero"], 0),
            Fact("pixels at 250 or more", metrics["n_at_least_250"], 0),
            Fact("share of pixels at 0", metrics["share_zero"], 3),
        ]

    def finding(self, metrics):
        return (
            f"{metrics['n_zero']:.3g} pixels at 0 ({metrics['share_zero']:.0%}) against "
            f"{metrics['n_at_least_250']:.3g} at 250 or more"
        )

    def figures(self, metrics, training_data):
        title = "Every training pixel, 256 values"
        figure = histogram_figure(
            metrics["histogram"],
            xlabel="pixel value (0 = black background)",
            ylabel="pixels (log scale)",
            title=title,
            log=True,
        )
        return [(title, self.name, figure)]
