"""What every registered entry kind and exploration aspect must do, checked for each on a tiny
data set: a new kind or aspect is covered here by registering it, with no edit to this file.

Each plug-in runs in this process (``run_entry``, as a suite's child does) on 120 MNIST images
of three classes named by text, and must: finish, leave JSON-able metrics, numeric facts and
score, pass its own ``verify`` on the record read back from disk, and draw its figures into
matplotlib Figures of its own (no pyplot figure opened).
"""

import json

import numpy as np
import pytest

from mnistkit.benchmark import load_suite
from mnistkit.benchmark._child import run_entry
from mnistkit.benchmark._kinds._base import get_kind, kind_names
from mnistkit.benchmark._kinds.exploration._aspect import aspect_names
from mnistkit.benchmark._records import OK, Result, record_path
from mnistkit.benchmark._report._outcomes import ReportData

#: One entry of each kind, by the kind's name. A new kind adds its line here only if it needs
#: keys of its own; the test below fails (naming the kind) until it has one.
ENTRIES = {
    "classifier": 'estimator = "sklearn.naive_bayes:GaussianNB"',
    "clustering": 'model = "pixels-gmm"\nparams = { clusterclassifier__clusterer__n_components = 3 }',
    "pca": "n_components = 5\nreconstruct = [2, 5]",
    "sweep": 'estimator = "sklearn.naive_bayes:GaussianNB"\nsweep = { param = "var_smoothing", '
    "values = [0.01, 0.1] }",
    "collate": 'of = ["kind-classifier"]\nshow = "f1"',
}


def _suite_text():
    lines = ['[defaults]\ndataset = "file"\npath = "tiny.npz"\n']
    for name in kind_names():
        if name == "exploration":
            continue
        lines.append(f'[[entries]]\nid = "kind-{name}"\nkind = "{name}"\n{ENTRIES.get(name, "")}\n')
    for aspect in aspect_names():
        lines.append(f'[[entries]]\nid = "aspect-{aspect}"\nkind = "exploration"\n')
        lines.append(f'aspect = "{aspect}"\n')
    return "".join(lines)


@pytest.fixture(scope="module")
def plugin_runs(mnist_test, tmp_path_factory):
    """Every plug-in's entry run once, in suite order (collate reads the classifier's)."""
    folder = tmp_path_factory.mktemp("plugins")
    X, y = mnist_test.images, mnist_test.target
    keep = np.flatnonzero(y < 3)[:120]
    names = np.array(["zero", "one", "two"])[y[keep]]
    np.savez(
        folder / "tiny.npz",
        x_train=X[keep[:80]],
        y_train=names[:80],
        x_test=X[keep[80:]],
        y_test=names[80:],
    )
    (folder / "plugins.toml").write_text(_suite_text())
    suite = load_suite(folder / "plugins.toml")
    out = folder / "out"
    return {entry.id: run_entry(entry, 0, out) for entry in suite.entries}, out


#: Plug-ins whose pictures show classes: the data's own names must be on them.
NAMED = {"kind-classifier", "aspect-class-counts", "aspect-mean-image", "aspect-nearest-farthest"}

PLUGINS = [f"kind-{name}" for name in kind_names() if name != "exploration"] + [
    f"aspect-{name}" for name in aspect_names()
]


def test_every_kind_that_needs_keys_of_its_own_has_an_entry_here():
    missing = [name for name in kind_names() if name != "exploration" and get_kind(name).required]
    assert not [name for name in missing if name not in ENTRIES], (
        "give the new kind an entry in ENTRIES"
    )


@pytest.mark.parametrize("entry_id", PLUGINS)
def test_every_plugin_runs_records_checkable_numbers_and_draws_without_pyplot(
    plugin_runs, entry_id
):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure
    from matplotlib.text import Text

    results, out = plugin_runs
    result = results[entry_id]
    assert result.status == OK, result.error
    kind = result_kind = get_kind(result.entry["kind"])
    assert json.loads(json.dumps(result.metrics, allow_nan=False)) == result.metrics

    stored = Result.read(record_path(out, entry_id, 0))
    assert kind.verify(stored, lambda: stored.saved_predictions(out)) == []
    score = kind.score(stored)
    assert score is None or isinstance(score, int | float)
    for fact in kind.facts(stored):
        assert fact.value is None or isinstance(fact.value, int | float), fact
    outcomes = {}
    assert kind.finding(stored, outcomes) is None or isinstance(kind.finding(stored, outcomes), str)
    for line in result_kind.card_lines(stored):
        assert isinstance(line, str) and line

    context = ReportData(run={}, results_dir=out, outcomes=[], test_sets={}, comparisons=[])
    before = plt.get_fignums()
    figures = kind.figures(stored, context)
    assert plt.get_fignums() == before, "a figure went through pyplot"
    slugs = [slug for _, slug, _ in figures]
    assert len(set(slugs)) == len(slugs)
    for caption, _, figure in figures:
        assert isinstance(caption, str) and caption
        assert isinstance(figure, Figure) and figure.axes
        if entry_id in NAMED and "curves" not in caption.lower():
            text = " ".join(t.get_text() for t in figure.findobj(Text))
            assert {"zero", "one", "two"} & set(text.split()), (caption, text)
    if entry_id in NAMED:
        assert figures, f"{entry_id} drew no picture"
    # Every figure an entry of this kind can be compared on names something it measured.
    measured = {key for key in kind.reported_figures if kind.value(stored, key) is not None}
    if entry_id.startswith("kind-") and entry_id != "kind-collate":
        assert measured, f"{entry_id} measured none of {sorted(kind.reported_figures)}"
