"""The README's and the documentation pages' code runs as written, imports nothing it does not
use, and prints what the page shows after it.

A documentation page's blocks run in order in one namespace (a later block uses what an earlier
one made), in a temporary folder. A ``.. code-block:: text`` right after a Python block is its
printed output, compared as doctest compares (``...`` matches anything). Python is shown in
``.. code-block:: python`` only: a bare ``::`` literal block would escape this test, so it is
refused.
"""

import ast
import contextlib
import doctest
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def python_blocks(text):
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def unused_imports(code):
    """The names a block imports and never uses."""
    tree = ast.parse(code)
    imported = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                imported[(alias.asname or alias.name).split(".")[0]] = node.lineno
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    return sorted(name for name in imported if name not in used)


def test_the_unused_import_check_finds_one():
    assert unused_imports("import os\nfrom a import b, c\nc()\n") == ["b", "os"]


@pytest.mark.slow
def test_the_readme_tour_runs_and_uses_every_import(tmp_path, monkeypatch):
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "the README has no Python block"
    monkeypatch.chdir(tmp_path)  # it writes confusion.png and results/tour here
    for code in blocks:
        assert unused_imports(code) == []
        exec(compile(code, "README.md", "exec"), {"__name__": "__readme__"})
    assert (tmp_path / "confusion.png").is_file()
    assert (tmp_path / "results" / "tour" / "entries" / "nb" / "repeat-0.json").is_file()


DOCS = Path(__file__).parents[1] / "docs"
PAGES = sorted([*DOCS.glob("*.rst"), *(DOCS / "user_guide").glob("*.rst")])
_BLOCK = re.compile(r"^\.\. code-block:: (\w+)\n((?:\n|    .*\n)+)", re.MULTILINE)


def blocks(text):
    """``(language, code)`` of each code block of a page, in order, unindented."""
    found = []
    for match in _BLOCK.finditer(text):
        body = "".join(line[4:] + "\n" for line in match.group(2).splitlines())
        found.append((match.group(1), body.strip("\n") + "\n"))
    return found


def python_with_output(text):
    """``(code, expected output or None)`` of each Python block of a page."""
    found = blocks(text)
    pairs = []
    for index, (language, code) in enumerate(found):
        if language == "python":
            following = found[index + 1] if index + 1 < len(found) else (None, None)
            pairs.append((code, following[1] if following[0] == "text" else None))
    return pairs


def test_blocks_are_found_with_their_output():
    page = (
        "Intro:\n\n.. code-block:: python\n\n    x = 1\n\n    print(x)\n\n"
        ".. code-block:: text\n\n    1\n\nText.\n\n.. code-block:: bash\n\n    ls\n"
    )
    assert python_with_output(page) == [("x = 1\n\nprint(x)\n", "1\n")]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.stem)
def test_no_page_shows_code_in_a_bare_literal_block(page):
    lines = page.read_text(encoding="utf-8").splitlines()
    bare = [
        number
        for number, line in enumerate(lines, start=1)
        if line.rstrip().endswith("::") and not line.lstrip().startswith("..")
    ]
    assert not bare, f"{page.name}: lines {bare} open a '::' block; use '.. code-block::'"


RUN = [page for page in PAGES if python_with_output(page.read_text(encoding="utf-8"))]


@pytest.mark.slow
@pytest.mark.parametrize("page", RUN, ids=lambda page: page.stem)
def test_every_python_block_of_a_page_runs_and_prints_what_the_page_shows(
    page, tmp_path, monkeypatch
):
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)  # blocks that write (results folders, figures) write here
    namespace = {"__name__": f"__docs_{page.stem}__"}
    checker, flags = doctest.OutputChecker(), doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    try:
        for code, expected in python_with_output(page.read_text(encoding="utf-8")):
            assert unused_imports(code) == [], f"{page.name}: a block imports what it never uses"
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(code, str(page), "exec"), namespace)
            if expected is not None:
                assert checker.check_output(expected, printed.getvalue(), flags), (
                    f"{page.name}: printed {printed.getvalue()!r}, the page shows {expected!r}"
                )
    finally:
        plt.close("all")
