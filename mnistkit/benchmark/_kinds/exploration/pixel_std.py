"""Aspect ``pixel-std``: the spread and mean of all training and test pixels.

The smallest aspect: copy this module to add one (a class with ``name`` and ``measure``,
registered with ``@register_aspect``; ``facts``, ``finding`` and ``figures`` as needed).
"""

import numpy as np

from .._base import Fact, ReportedFigure
from ._aspect import Aspect, register_aspect


@register_aspect
class PixelStd(Aspect):
    """How spread the pixel values are (the lab's scaling argument)."""

    name = "pixel-std"
    reported_figures = {
        "pixel_std_train": ReportedFigure("standard deviation of all training pixels", 0.01),
        "pixel_std_test": ReportedFigure("standard deviation of all test pixels", 0.01),
    }

    def measure(self, data):
        return {
            "pixel_std_train": float(data.X_train.std(dtype=np.float64)),
            "pixel_std_test": float(data.X_test.std(dtype=np.float64)),
            "pixel_mean_train": float(data.X_train.mean(dtype=np.float64)),
            "pixel_mean_test": float(data.X_test.mean(dtype=np.float64)),
        }

    def facts(self, metrics):
        return [
            Fact("pixel std (training)", metrics["pixel_std_train"], 2),
            Fact("pixel std (test)", metrics["pixel_std_test"], 2),
            Fact("pixel mean (training)", metrics["pixel_mean_train"], 2),
        ]

    def finding(self, metrics):
        return f"train {metrics['pixel_std_train']:.2f}, test {metrics['pixel_std_test']:.2f}"
