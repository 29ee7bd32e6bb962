"""Kind ``exploration``: what a data set looks like before any model sees it (class counts, pixel
statistics, mean images, the images nearest to and farthest from their class mean, histograms).

Each entry names one ``aspect``; every aspect measures figures a lab report can be compared on and
draws the picture the reports drew. Every module of this package whose name does not start with
``_`` defines and registers one :class:`~._aspect.Aspect`, so adding an aspect is adding one
module (copy ``pixel_std.py``): nothing else is edited.
"""

import importlib
import pkgutil
import time
from dataclasses import dataclass

import numpy as np

from ..._fields import one_of, suite_field
from .._base import EntryKind, register_kind
from ._aspect import Aspect, aspect_names, get_aspect, register_aspect

__all__ = ["Aspect", "ExplorationKind", "register_aspect"]

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")


@dataclass
class ExplorationOptions:
    """Keys of an exploration entry."""

    aspect: str | None = suite_field(
        types=(str,),
        doc=f"what to look at: one of {', '.join(aspect_names())}",
        check=one_of(*aspect_names()),
    )


@register_kind
class ExplorationKind(EntryKind):
    """One look at the training (and test) images, with its figures and its picture."""

    name = "exploration"
    options = ExplorationOptions
    required = ("aspect",)
    needs_model = False
    # The figures each aspect declares it can be compared on: a new aspect adds its own.
    reported_figures = {
        key: figure
        for name in aspect_names()
        for key, figure in get_aspect(name).reported_figures.items()
    }
    score_label = "figures"

    def run(self, entry, data, result, predictions_file):
        start = time.perf_counter()
        aspect = entry.options.aspect
        metrics = {"aspect": aspect, "target_names": list(data.target_names)}
        metrics.update(get_aspect(aspect).measure(data))
        result.fit_seconds = time.perf_counter() - start
        result.metrics = metrics

    def facts(self, result):
        return get_aspect(result.metrics["aspect"]).facts(result.metrics)

    def finding(self, result, outcomes=None):
        return get_aspect(result.metrics["aspect"]).finding(result.metrics)

    def figures(self, result, context):
        def training_data():
            data = context.training_data(result)
            return None if data is None else (data[0], np.asarray(data[1]))

        return get_aspect(result.metrics["aspect"]).figures(result.metrics, training_data)
