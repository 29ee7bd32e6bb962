"""Sphinx configuration of the mnistkit documentation."""

import os
from datetime import date

import mnistkit

os.environ.setdefault("MPLBACKEND", "Agg")


def _write_suite_keys():
    """The suite reference's tables, written from the loader's own declarations before the
    build (docs/user_guide/suite_reference.rst includes them): they cannot drift from the code."""
    from pathlib import Path

    from mnistkit.benchmark._reference import suite_reference

    target = Path(__file__).parent / "generated" / "suite_keys.inc"
    target.parent.mkdir(exist_ok=True)
    target.write_text(suite_reference(), encoding="utf-8")


_write_suite_keys()
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


def _figures_that_show_something(block, block_vars, gallery_conf, **kwargs):
    """sphinx-gallery's Matplotlib scraper, refusing a figure with no drawn data.

    An example whose figure stays empty (axes without data) would otherwise show a blank
    picture in the gallery; this fails the build instead, naming the example.
    """
    import matplotlib.pyplot as plt
    from sphinx_gallery.scrapers import matplotlib_scraper

    for number in plt.get_fignums():
        figure = plt.figure(number)
        if not any(ax.has_data() for ax in figure.axes):
            raise RuntimeError(
                f"{block_vars.get('src_file', 'an example')}: figure {number} shows nothing "
                "(no axes with drawn data)"
            )
    return matplotlib_scraper(block, block_vars, gallery_conf, **kwargs)


sphinx_gallery_conf = {
    "image_scrapers": (_figures_that_show_something,),
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
