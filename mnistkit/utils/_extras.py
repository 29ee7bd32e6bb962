"""Optional dependencies: import one, or say which mnistkit extra installs it.

The core install (HOG, the classical baselines, clustering, plots, the benchmark runner) needs
neither TensorFlow nor umap-learn nor Dask; the parts that do import them when used.
"""

import importlib

__all__ = ["EXTRAS", "import_optional"]

#: The extra that installs each optional top-level module.
EXTRAS = {
    "keras": "keras",
    "tensorflow": "keras",
    "umap": "umap",
    "distributed": "dask",
    "dask": "dask",
}


def import_optional(name, *, needed_by):
    """Import module ``name``; if it (or a module it needs) is missing, raise an ImportError
    that names what needs it and the ``pip install "mnistkit[EXTRA]"`` that installs it.

    >>> import_optional("numpy", needed_by="HOGTransformer").__name__
    'numpy'
    """
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        extra = EXTRAS[name.split(".")[0]]
        missing = exc.name or name
        raise ImportError(
            f"{needed_by} needs the optional dependency {missing!r}, which is not installed "
            f'here: pip install "mnistkit[{extra}]" (or "mnistkit[all]" for every extra).'
        ) from exc
