"""Every example under docs/examples runs to completion and draws what the gallery shows."""

import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "docs" / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[path.stem for path in EXAMPLES])
def test_example_runs(path, tmp_path, monkeypatch, capsys):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    assert capsys.readouterr().out  # every example prints what it shows
    # sphinx-gallery shows the pyplot figures open after each block: every example draws one.
    figures = [plt.figure(number) for number in plt.get_fignums()]
    assert figures, f"{path.name} drew no pyplot figure: the gallery would show no picture"
    for figure in figures:
        assert figure.axes and any(ax.has_data() for ax in figure.axes)
    assert not list(tmp_path.iterdir()), "examples show their results; they write no files"
