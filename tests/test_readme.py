"""The README's code runs as written, and imports nothing it does not use."""

import ast
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
