"""Aspect ``image-mean-hist``: the distribution of the images' mean grey levels."""

import numpy as np

from .._base import Fact
from ._aspect import Aspect, register_aspect
from ._common import histogram_figure, training_rows


@register_aspect
class ImageMeanHistogram(Aspect):
    """How much ink the images carry, image by image."""

    name = "image-mean-hist"

    def measure(self, data):
        X, _ = training_rows(data)
        means = np.floor(X.mean(axis=1, dtype=np.float64)).astype(int)
        return {
            "image_mean_median": float(np.median(means)),
            "image_mean_mode": int(np.bincount(means).argmax()),
            "share_within_20_40": float(np.mean((means >= 20) & (means <= 40))),
            "n_below_10": int(np.sum(means < 10)),
            "n_above_75": int(np.sum(means > 75)),
            "histogram": np.bincount(means, minlength=256)[:256].tolist(),
        }

    def facts(self, metrics):
        return [
            Fact("median image mean", metrics["image_mean_median"], 1),
            Fact("share of image means in 20-40", metrics["share_within_20_40"], 3),
            Fact("images with mean below 10", metrics["n_below_10"], 0),
            Fact("images with mean above 75", metrics["n_above_75"], 0),
        ]

    def finding(self, metrics):
        return (
            f"image means peak at {metrics['image_mean_mode']} "
            f"(median {metrics['image_mean_median']:.0f}); "
            f"{metrics['share_within_20_40']:.0%} lie in 20-40; {metrics['n_below_10']} below "
            f"10, {metrics['n_above_75']} above 75"
        )

    def figures(self, metrics, training_data):
        title = "Mean grey level of each training image"
        figure = histogram_figure(
            metrics["histogram"],
            xlabel="mean grey level of an image (truncated to an integer)",
            ylabel="images",
            title=title,
        )
        return [(title, self.name, figure)]
