"""Kind ``exploration``: what a data set looks like before any model sees it (class counts, pixel
statistics, mean images, the images nearest to and farthest from their class mean, histograms).

Each entry names one ``aspect``; every aspect measures figures a lab report can be compared on and
draws the picture the reports drew.
"""

import time
from dataclasses import dataclass

import numpy as np

from .._fields import one_of, suite_field
from ._base import EntryKind, Fact, ReportedFigure, mosaic_figure, new_figure, register_kind

ASPECTS = (
    "class-counts",
    "pixel-std",
    "mean-image",
    "nearest-farthest",
    "image-mean-hist",
    "pixel-hist",
)


@dataclass
class ExplorationOptions:
    """Keys of an exploration entry."""

    aspect: str | None = suite_field(
        types=(str,), doc=f"what to look at: one of {', '.join(ASPECTS)}", check=one_of(*ASPECTS)
    )


def class_counts(y):
    """Images per class, as ``{label: count}`` with labels as strings (JSON keys)."""
    labels, counts = np.unique(y, return_counts=True)
    return {str(label): int(count) for label, count in zip(labels, counts, strict=True)}


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


@register_kind
class ExplorationKind(EntryKind):
    """One look at the training (and test) images, with its figures and its picture."""

    name = "exploration"
    options = ExplorationOptions
    required = ("aspect",)
    needs_model = False
    reported_figures = {
        "n_train": ReportedFigure("training images", 0),
        "n_test": ReportedFigure("test images", 0),
        "smallest_class": ReportedFigure("training images of the rarest class", 0),
        "largest_class": ReportedFigure("training images of the commonest class", 0),
        "pixel_std_train": ReportedFigure("standard deviation of all training pixels", 0.01),
        "pixel_std_test": ReportedFigure("standard deviation of all test pixels", 0.01),
    }
    score_label = "figures"

    def run(self, entry, data, result, predictions_file):
        start = time.perf_counter()
        X, y = data.X_train, np.asarray(data.y_train)
        aspect = entry.options.aspect
        metrics = {"aspect": aspect, "target_names": list(data.target_names)}
        if aspect == "class-counts":
            train, test = class_counts(y), class_counts(data.y_test)
            metrics.update(
                train_counts=train,
                test_counts=test,
                n_train=len(y),
                n_test=len(data.y_test),
                smallest_class=min(train.values()),
                largest_class=max(train.values()),
            )
        elif aspect == "pixel-std":
            metrics.update(
                pixel_std_train=float(X.std(dtype=np.float64)),
                pixel_std_test=float(data.X_test.std(dtype=np.float64)),
                pixel_mean_train=float(X.mean(dtype=np.float64)),
                pixel_mean_test=float(data.X_test.mean(dtype=np.float64)),
            )
        elif aspect == "mean-image":
            metrics["class_ink"] = {
                str(label): float(X[y == label].mean()) for label in np.unique(y)
            }
        elif aspect == "nearest-farthest":
            metrics.update(nearest_and_farthest(X, y))
        elif aspect == "image-mean-hist":
            means = np.floor(X.mean(axis=1, dtype=np.float64)).astype(int)
            metrics.update(
                image_mean_median=float(np.median(means)),
                image_mean_mode=int(np.bincount(means).argmax()),
                share_within_20_40=float(np.mean((means >= 20) & (means <= 40))),
                n_below_10=int(np.sum(means < 10)),
                n_above_75=int(np.sum(means > 75)),
                histogram=np.bincount(means, minlength=256)[:256].tolist(),
            )
        else:  # pixel-hist
            counts = np.bincount(X.ravel(), minlength=256)
            metrics.update(
                n_pixels=int(counts.sum()),
                n_zero=int(counts[0]),
                n_at_least_250=int(counts[250:].sum()),
                share_zero=float(counts[0] / counts.sum()),
                histogram=counts.tolist(),
            )
        result.fit_seconds = time.perf_counter() - start
        result.metrics = metrics

    def facts(self, result):
        m = result.metrics
        aspect = m["aspect"]
        if aspect == "class-counts":
            return [
                Fact("training images", m["n_train"], 0),
                Fact("test images", m["n_test"], 0),
                Fact("rarest class (training)", m["smallest_class"], 0),
                Fact("commonest class (training)", m["largest_class"], 0),
            ]
        if aspect == "pixel-std":
            return [
                Fact("pixel std (training)", m["pixel_std_train"], 2),
                Fact("pixel std (test)", m["pixel_std_test"], 2),
                Fact("pixel mean (training)", m["pixel_mean_train"], 2),
            ]
        if aspect == "image-mean-hist":
            return [
                Fact("median image mean", m["image_mean_median"], 1),
                Fact("share of image means in 20-40", m["share_within_20_40"], 3),
                Fact("images with mean below 10", m["n_below_10"], 0),
                Fact("images with mean above 75", m["n_above_75"], 0),
            ]
        if aspect == "pixel-hist":
            return [
                Fact("pixels at 0", m["n_zero"], 0),
                Fact("pixels at 250 or more", m["n_at_least_250"], 0),
                Fact("share of pixels at 0", m["share_zero"], 3),
            ]
        return []

    def finding(self, result, outcomes=None):
        m = result.metrics
        aspect = m["aspect"]
        if aspect == "class-counts":
            train = " ".join(str(v) for v in m["train_counts"].values())
            test = " ".join(str(v) for v in m["test_counts"].values())
            spread = m["largest_class"] / m["smallest_class"]
            return (
                f"train {train}; test {test}; the commonest class has {spread:.2f}x the images "
                "of the rarest"
            )
        if aspect == "pixel-std":
            return f"train {m['pixel_std_train']:.2f}, test {m['pixel_std_test']:.2f}"
        if aspect == "mean-image":
            ink = m["class_ink"]
            least, most = min(ink, key=ink.get), max(ink, key=ink.get)
            names = m["target_names"]
            return (
                "mean images drawn per class; least ink: "
                f"{names[int(least)]} ({ink[least]:.1f}), most: {names[int(most)]} "
                f"({ink[most]:.1f}) mean grey level"
            )
        if aspect == "nearest-farthest":
            same = sum(
                m["euclidean"][label][1] == m["signed"][label][1] for label in m["euclidean"]
            )
            return (
                "nearest and farthest training image of each class drawn (Euclidean distance to "
                f"the class mean); the lab's signed-difference ranking picks the same farthest "
                f"image for {same} of {len(m['euclidean'])} classes"
            )
        if aspect == "image-mean-hist":
            return (
                f"image means peak at {m['image_mean_mode']} "
                f"(median {m['image_mean_median']:.0f}); "
                f"{m['share_within_20_40']:.0%} lie in 20-40; {m['n_below_10']} below 10, "
                f"{m['n_above_75']} above 75"
            )
        return (
            f"{m['n_zero']:.3g} pixels at 0 ({m['share_zero']:.0%}) against "
            f"{m['n_at_least_250']:.3g} at 250 or more"
        )

    def figures(self, result, context):
        from ...datasets import load_fashion_mnist, load_mnist
        from ...plotting._common import image_mosaic

        m = result.metrics
        aspect = m["aspect"]
        names = m["target_names"]
        if aspect == "class-counts":
            # One set above the other, so each bar is wide enough for its count to be read.
            figure = new_figure((7, 6))
            axes = figure.subplots(2, 1)
            for ax, (part, counts) in zip(
                axes, (("training", m["train_counts"]), ("test", m["test_counts"])), strict=True
            ):
                bars = ax.bar(range(len(counts)), list(counts.values()), color="tab:blue")
                ax.bar_label(bars, labels=[f"{c:,}" for c in counts.values()], fontsize=8)
                labels = [names[int(k)] for k in counts]
                long = max(len(label) for label in labels) > 3
                ax.set_xticks(range(len(counts)), labels, rotation=20 if long else 0)
                ax.set_title(f"{part} set ({sum(counts.values()):,} images)", fontsize=10)
                ax.set_ylabel("images")
                ax.margins(y=0.15)
            return [("Images per class", "class-counts", figure)]
        if aspect in ("image-mean-hist", "pixel-hist"):
            figure = new_figure((6.5, 3.5))
            ax = figure.add_subplot()
            counts = np.asarray(m["histogram"])
            ax.bar(np.arange(len(counts)), counts, width=1.0, color="tab:blue")
            if aspect == "pixel-hist":
                ax.set_yscale("log")
                ax.set_xlabel("pixel value (0 = black background)")
                ax.set_ylabel("pixels (log scale)")
                ax.set_title("Every training pixel, 256 values", fontsize=10)
            else:
                ax.set_xlim(-1, max(np.flatnonzero(counts)) + 2)
                ax.set_xlabel("mean grey level of an image (truncated to an integer)")
                ax.set_ylabel("images")
                ax.set_title("Mean grey level of each training image", fontsize=10)
            return [(ax.get_title(), aspect, figure)]
        if aspect not in ("mean-image", "nearest-farthest"):
            return []
        # The pictures need the training images, which a result does not store.
        dataset = result.entry.get("dataset")
        if dataset not in ("mnist", "fashion-mnist"):
            return []
        loader = load_mnist if dataset == "mnist" else load_fashion_mnist
        try:
            train = loader(subset="train")
        except Exception:  # the data set is not on this machine: no pictures of it
            return []
        images, y = train.images, train.target
        if aspect == "mean-image":
            labels = np.unique(y)
            means = np.stack([images[y == label].mean(axis=0) for label in labels])
            figure = mosaic_figure(
                means,
                [names[int(k)] for k in labels],
                "Mean training image of each class",
                n_cols=5 if len(labels) <= 10 else 10,  # two rows of five stay legible
                cmap="gray",
            )
            return [("Mean image per class", "mean-image", figure)]
        picked = m["euclidean"]
        order = list(picked)
        chosen = [picked[k][0] for k in order] + [picked[k][1] for k in order]
        captions = [f"{names[int(k)]} nearest" for k in order] + [
            f"{names[int(k)]} farthest" for k in order
        ]
        figure = new_figure((9, 2.8))
        ax = figure.add_subplot()
        image_mosaic(images[chosen], captions, n_cols=len(order), ax=ax, cmap="gray")
        ax.set_xlabel("")
        ax.set_title(
            "Top row: nearest to the class mean; bottom row: farthest (Euclidean)", fontsize=10
        )
        return [("Nearest to and farthest from the class mean", "nearest-farthest", figure)]
