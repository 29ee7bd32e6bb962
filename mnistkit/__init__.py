"""mnistkit: scikit-learn building blocks for MNIST-style image classification.

Subpackages are imported on first use, so ``import mnistkit`` stays light and never imports
TensorFlow; only building a Keras estimator does.
"""

import importlib

from ._version import __version__

_SUBPACKAGES = (
    "baselines",
    "benchmark",
    "cluster",
    "datasets",
    "decomposition",
    "exceptions",
    "feature_extraction",
    "metrics",
    "neural_network",
    "pipeline",
    "plotting",
    "preprocessing",
    "utils",
)

__all__ = ["Pipeline", "__version__", *_SUBPACKAGES]


def __getattr__(name):
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "Pipeline":
        from .pipeline import Pipeline

        return Pipeline
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
