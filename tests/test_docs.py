"""The documentation builds, and every gallery example shows its pictures (thumbnail too)."""

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

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img" and "sphx-glr" in (attrs.get("class") or ""):
            self.figures.append(attrs["src"])


@pytest.fixture(scope="module")
def built_docs(tmp_path_factory):
    """Build a copy of docs/ (so the checkout is left as it is), warnings as errors."""
    source = tmp_path_factory.mktemp("docs") / "docs"
    shutil.copytree(
        DOCS, source, ignore=shutil.ignore_patterns("_build", "auto_examples", "generated")
    )
    html = source / "_build" / "html"
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    result = subprocess.run(
        [*command, str(source), str(html)], capture_output=True, text=True, cwd=source
    )
    assert result.returncode == 0, result.stderr[-5000:]
    return html


@pytest.mark.slow
@pytest.mark.parametrize("example", EXAMPLES)
def test_gallery_page_shows_a_rendered_figure(built_docs, example):
    page = built_docs / "auto_examples" / f"{example}.html"
    parser = _Images()
    parser.feed(page.read_text())
    assert parser.figures, f"{example}: the gallery page shows no figure"
    for source in parser.figures:
        assert (page.parent / source).stat().st_size > 5000  # a real picture, not a stub


@pytest.mark.slow
def test_gallery_thumbnails_are_the_examples_own_figures(built_docs):
    from PIL import Image

    thumbnails = {
        example: np.asarray(
            Image.open(built_docs / "_images" / f"sphx_glr_{example}_thumb.png").convert("L")
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
