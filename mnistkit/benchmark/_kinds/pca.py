"""Kind ``pca``: how much of the pixels' variance the first components explain."""

import time
from dataclasses import dataclass

import numpy as np

from .._fields import positive, suite_field
from ._base import EntryKind, Fact, ReportedFigure, register_kind


@dataclass
class PCAOptions:
    """Keys of a pca entry."""

    n_components: int = suite_field(
        types=(int,),
        default=200,
        doc="components whose explained variance is reported",
        check=positive,
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

        if entry.options.n_components > 784:
            raise SuiteError(
                f"{where}: 'n_components' must be at most 784 (the pixels of an image)."
            )

    def run(self, entry, data, result, predictions_file):
        from sklearn.decomposition import PCA

        from ...decomposition import n_components_for_variance

        start = time.perf_counter()
        pca = PCA(random_state=result.seed).fit(data.X_train / np.float32(255))
        result.fit_seconds = time.perf_counter() - start
        cumulative = np.cumsum(pca.explained_variance_ratio_)
        k = min(entry.options.n_components, len(cumulative))
        result.metrics = {
            "n_components": k,
            "explained_variance": float(cumulative[k - 1]),
            "components_for_90_percent": n_components_for_variance(pca, 0.9),
            "components_for_95_percent": n_components_for_variance(pca, 0.95),
        }

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

    def finding(self, result):
        metrics = result.metrics
        return (
            f"{metrics['n_components']} components explain {metrics['explained_variance']:.1%}; "
            f"90% needs {metrics['components_for_90_percent']}"
        )
