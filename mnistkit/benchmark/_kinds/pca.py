"""Kind ``pca``: how much of the pixels' variance the first components explain."""

import time
from dataclasses import dataclass

import numpy as np

from .._fields import between, suite_field
from ._base import EntryKind, Fact, ReportedFigure, mosaic_figure, new_figure, register_kind


def _component_counts(value):
    ok = value and all(isinstance(v, int) and not isinstance(v, bool) and v >= 1 for v in value)
    if not ok:
        return "must be a non-empty array of positive integers"
    return None if len(value) <= 100 else "must have at most 100 counts"


@dataclass
class PCAOptions:
    """Keys of a pca entry."""

    n_components: int = suite_field(
        types=(int,),
        default=200,
        doc="components whose explained variance is reported",
        check=between(1, 100_000),
    )
    reconstruct: list | None = suite_field(
        types=(list,),
        doc="component counts at which one random training image is reconstructed and drawn",
        check=_component_counts,
    )


@register_kind
class PCAKind(EntryKind):
    """Explained variance of a full PCA of the training pixels (scaled to [0, 1])."""

    name = "pca"
    options = PCAOptions
    needs_model = False
    reported_figures = {
        "explained_variance": ReportedFigure("variance explained by n_components components", 0.02)
    }

    def validate(self, entry, where):
        from .._fields import SuiteError

        if entry.options.n_components > 784 or max(entry.options.reconstruct or [0]) > 784:
            raise SuiteError(
                f"{where}: 'n_components' and 'reconstruct' must be at most 784 (the pixels of "
                "an image)."
            )

    def run(self, entry, data, result, predictions_file):
        from sklearn.decomposition import PCA

        from ...decomposition import n_components_for_variance, pca_reconstruct

        start = time.perf_counter()
        X = data.X_train.reshape(len(data.X_train), -1) / np.float32(255)
        pca = PCA(random_state=result.seed).fit(X)
        result.fit_seconds = time.perf_counter() - start
        cumulative = np.cumsum(pca.explained_variance_ratio_)
        k = min(entry.options.n_components, len(cumulative))
        result.metrics = {
            "n_components": k,
            "explained_variance": float(cumulative[k - 1]),
            "components_for_90_percent": n_components_for_variance(pca, 0.9),
            "components_for_95_percent": n_components_for_variance(pca, 0.95),
            "cumulative_variance": cumulative.round(6).tolist(),
        }
        if entry.options.reconstruct:
            # One random training image (seeded), as the lab drew it, at each component count.
            index = int(np.random.default_rng(result.seed).integers(len(X)))
            image = X[index : index + 1]
            counts = [min(c, len(cumulative)) for c in entry.options.reconstruct]
            rebuilt = {c: pca_reconstruct(pca, image, n_components=c)[0] for c in counts}
            result.metrics.update(
                image_index=index,
                image_label=str(data.y_train[index]),
                reconstruction_mse={
                    str(c): float(np.mean((r - image[0]) ** 2)) for c, r in rebuilt.items()
                },
                reconstructions={str(c): r.round(4).tolist() for c, r in rebuilt.items()},
                original=image[0].round(4).tolist(),
            )

    def facts(self, result):
        metrics = result.metrics
        return [
            Fact(
                f"variance explained by {metrics['n_components']} components",
                metrics["explained_variance"],
            ),
            Fact("components for 90%", metrics["components_for_90_percent"], 0),
            Fact("components for 95%", metrics["components_for_95_percent"], 0),
        ]

    def finding(self, result, outcomes=None):
        metrics = result.metrics
        words = (
            f"{metrics['n_components']} components explain {metrics['explained_variance']:.1%}; "
            f"90% needs {metrics['components_for_90_percent']}"
        )
        errors = metrics.get("reconstruction_mse")
        if errors:
            words += "; reconstruction error (mean squared, pixels in [0, 1]) by components: " + (
                ", ".join(f"{c}: {e:.4f}" for c, e in errors.items())
            )
        return words

    def figures(self, result, context):
        from ...plotting import ExplainedVarianceDisplay

        metrics = result.metrics
        figures = []
        curve = metrics.get("cumulative_variance")
        if curve:
            ratios = np.diff(np.concatenate([[0.0], curve]))
            figure = new_figure((6.5, 3.8))
            ax = figure.add_subplot()
            ExplainedVarianceDisplay(ratios).plot(ax=ax, title="Explained variance of the pixels")
            figures.append(("Cumulative explained variance", "variance", figure))
        if metrics.get("reconstructions"):
            side = round(np.sqrt(len(metrics["original"])))
            tiles = [metrics["original"], *metrics["reconstructions"].values()]
            captions = ["original", *(f"{c} comp." for c in metrics["reconstructions"])]
            figure = mosaic_figure(
                np.asarray(tiles).reshape(-1, side, side),
                captions,
                f"Training image {metrics['image_index']} (a {metrics['image_label']}) "
                "rebuilt from its first components",
                n_cols=min(6, len(tiles)),
                tile=(1.3, 1.6),
            )
            figures.append(("PCA reconstructions", "reconstructions", figure))
        return figures
