"""The documentation builds, and every gallery example runs, prints and shows its pictures.

The build runs each example once (sphinx-gallery executes them, with warnings as errors and
``abort_on_example_error``): these tests read what it made, so no example runs twice. The
gallery's scraper (``docs/conf.py``) fails the build on a figure without drawn data.
"""

import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

DOCS = Path(__file__).parents[1] / "docs"
EXAMPLES = sorted(path.stem for path in (DOCS / "examples").glob("plot_*.py"))


class _Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.figures = []

        self.outputs = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        classes = attrs.get("class") or ""
        if tag == "img" and "sphx-glr" in classes:
            self.figures.append(attrs["src"])
        if "sphx-glr-script-out" in classes.split():
            self.outputs += 1


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    """Build a copy of docs/ (so the checkout is left as it is), warnings as errors.

    Returns the HTML folder and the files the examples wrote into their own folder (where
    sphinx-gallery runs them)."""
    source = tmp_path_factory.mktemp("docs") / "docs"
    shutil.copytree(
        DOCS, source, ignore=shutil.ignore_patterns("_build", "auto_examples", "generated")
    )
    before = set((source / "examples").rglob("*"))
    html = source / "_build" / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    result = subprocess.run(
        [*command, str(source), str(html)], capture_output=True, text=True, cwd=source
    )
    assert result.returncode == 0, result.stderr[-5000:]
    written = sorted(set((source / "examples").rglob("*")) - before)
    return html, [path.relative_to(source).as_posix() for path in written]


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_gallery_page_shows_a_rendered_figure_and_printed_output(built_docs, example):
    html, _ = built_docs
    page = html / "auto_examples" / f"{example}.html"
    parser = _Images()
    parser.feed(page.read_text())
    assert parser.figures, f"{example}: the gallery page shows no figure"
    for source in parser.figures:
        assert (page.parent / source).stat().st_size > 5000  # a real picture, not a stub
    assert parser.outputs, f"{example}: prints nothing (every example prints what it shows)"


@pytest.mark.slow
def test_examples_write_no_files(built_docs):
    _, written = built_docs
    assert written == [], "examples show their results; they write no files"


@pytest.mark.slow
def test_gallery_thumbnails_are_the_examples_own_figures(built_docs):
    from PIL import Image

    html, _ = built_docs
    thumbnails = {
        example: np.asarray(
            Image.open(html / "_images" / f"sphx_glr_{example}_thumb.png").convert("L")
        )
        for example in EXAMPLES
    }
    # sphinx-gallery gives an example without figures the same stock picture: every
    # thumbnail here differs from every other.
    names = list(thumbnails)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            same_shape = thumbnails[first].shape == thumbnails[second].shape
            assert not (same_shape and np.array_equal(thumbnails[first], thumbnails[second])), (
                f"{first} and {second} have the same thumbnail: one shows no figure"
            )


def test_every_example_is_run_by_the_gallery():
    # sphinx-gallery runs only files matching filename_pattern (r"/plot_"): an example named
    # otherwise would never run in the tests.
    names = sorted(path.name for path in (DOCS / "examples").glob("*.py"))
    assert names and all(name.startswith("plot_") for name in names), names


def test_the_gallery_scraper_refuses_a_figure_that_shows_nothing():
    import runpy

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    scraper = runpy.run_path(str(DOCS / "conf.py"))["_figures_that_show_something"]
    plt.close("all")
    try:
        plt.figure().add_subplot()  # axes, nothing drawn
        with pytest.raises(RuntimeError, match="plot_x.py: figure 1 shows nothing"):
            scraper(None, {"src_file": "plot_x.py"}, {})
    finally:
        plt.close("all")
