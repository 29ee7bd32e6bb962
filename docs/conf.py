"""Sphinx configuration of the mnistkit documentation."""

import os
from datetime import date

import mnistkit

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

project = "mnistkit"
author = "mnistkit developers"
copyright = f"{date.today().year}, {author}"
version = release = mnistkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
templates_path = ["_templates"]
exclude_patterns = ["_build", "examples/README.txt"]
html_theme = "alabaster"
html_static_path = []
html_theme_options = {"description": "scikit-learn building blocks for MNIST-style classification"}

# No network at build time: cross-references to other projects are written as plain text.
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "plot_gallery": "True",
}

nitpicky = False
suppress_warnings = ["config.cache"]


def _skip_foreign_members(app, what, name, obj, skip, options):
    """Document mnistkit's own methods only.

    scikit-learn's generated ``set_*_request`` methods and inherited methods (``score``,
    ``get_params``) refer to labels of scikit-learn's documentation, which is not available
    offline; their documentation is scikit-learn's.
    """
    if name.startswith("set_") and name.endswith("_request"):
        return True
    module = getattr(obj, "__module__", None) or ""
    if callable(obj) and module and not module.startswith("mnistkit"):
        return True
    return None


def setup(app):
    app.connect("autodoc-skip-member", _skip_foreign_members)
