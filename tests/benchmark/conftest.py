import shutil
import signal
from pathlib import Path

import pytest

# Small suites on the bundled MNIST: each entry trains and tests in well under a second.
TINY = """
name = "tiny"
description = "A tiny suite <script>alert('x')</script> for the tests"

[defaults]
dataset = "mnist"
train_size = 3000
test_size = 500
time_limit = 300

[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
reported = { test_accuracy = 0.55 }
reported_note = "a <b>made-up</b> figure"

[[entries]]
id = "tree"
model = "pixels-decision-tree"
reported = { test_accuracy = 0.1, f1 = 0.1 }
explanations = { f1 = "Unexplained: three seeds measured, all far above" }
params = { decisiontreeclassifier__max_depth = 6 }
grid = { decisiontreeclassifier__min_samples_leaf = [1, 5] }
cv = 2

[[entries]]
id = "depth-sweep"
kind = "sweep"
model = "pixels-decision-tree"
sweep = { param = "decisiontreeclassifier__max_depth", values = [2, 4] }
reported_finding = "deeper is better"

[[entries]]
id = "clusters"
kind = "clustering"
model = "pca200-kmeans"
params = { pca__n_components = 20 }
reported = { homogeneity = 0.5 }

[[entries]]
id = "k-sweep"
kind = "sweep"
model = "pca200-kmeans"
params = { pca__n_components = 20 }
sweep = { param = "clusterclassifier__clusterer__n_clusters", values = [2, 10] }
reported_note = "PCA(20) -> KMeans(K)"
reported_finding = "homogeneity rises with K"

[[entries]]
id = "variance"
kind = "pca"
n_components = 50
reconstruct = [1, 10, 784]
reported = { explained_variance = 0.8 }

[[entries]]
id = "counts"
kind = "exploration"
aspect = "class-counts"
reported = { n_train = 3000, smallest_class = 1 }
explanations = { smallest_class = "a made-up figure, so that this row differs, explained" }

[[entries]]
id = "means"
kind = "exploration"
aspect = "mean-image"
reported_finding = "bright where the strokes are"

[[entries]]
id = "nb.probe-again"
probe_of = "nb"
model = "pixels-gaussian-nb"
reported = { test_accuracy = 0.1 }

[[entries]]
id = "confused"
kind = "collate"
of = ["nb", "tree"]
show = "confusions"
min_errors = 5
reported_finding = "the same pairs"
"""

# Two naive Bayes entries: the quickest runs there are (about a second each with start-up).
TWO = """
name = "two"
[defaults]
train_size = 1000
test_size = 200
[[entries]]
id = "nb"
model = "pixels-gaussian-nb"
[[entries]]
id = "tree"
model = "pixels-decision-tree"
params = { decisiontreeclassifier__max_depth = 4 }
"""


def write_suite(folder, text=TINY, name="tiny.toml"):
    path = Path(folder) / name
    path.write_text(text)
    return path


@pytest.fixture
def suite_file(tmp_path):
    """Write a suite text into tmp_path and return its path."""
    return lambda text=TINY, name="tiny.toml": write_suite(tmp_path, text, name)


@pytest.fixture
def tiny_suite(suite_file):
    """The path of TINY: every kind, a grid search, a finding, a figure."""
    return suite_file(TINY)


@pytest.fixture(scope="session")
def tiny_results(tmp_path_factory):
    """TINY run once per pytest process (ten entries, half a minute): ``(summary, results
    folder)``. tests/conftest.py keeps the tests that use it in one pytest-xdist worker, so that
    it runs once; a test that writes into the results copies the folder first."""
    from mnistkit.benchmark import run_suite

    folder = tmp_path_factory.mktemp("tiny")
    out = folder / "results"
    return run_suite(write_suite(folder), out, progress=False), out


@pytest.fixture
def two_suite(suite_file):
    """The path of TWO: two quick classifiers on the same 200 test images."""
    return suite_file(TWO, "two.toml")


@pytest.fixture(scope="session")
def _two_run_once(tmp_path_factory):
    """TWO run once per pytest process: its results folder, for two_results to copy."""
    from mnistkit.benchmark import run_suite

    folder = tmp_path_factory.mktemp("two")
    out = folder / "results"
    run_suite(write_suite(folder, TWO, "two.toml"), out, progress=False)
    return out


@pytest.fixture
def two_results(_two_run_once, tmp_path):
    """``tmp_path / "out"`` as ``run_suite(two_suite, out)`` leaves it: a copy of one run of
    TWO (its records stay current for two_suite, which has the same entries), for a test
    that changes them."""
    out = tmp_path / "out"
    shutil.copytree(_two_run_once, out)
    return out


def _default_sigint():
    # A shell's background job (`cmd &`, as CI runners may start the tests) inherits SIGINT
    # ignored, and Python then never raises KeyboardInterrupt: give the CLI the default, as a
    # terminal would, so that the test sees what Ctrl-C does.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture
def ctrl_c_as_in_a_terminal():
    """A ``preexec_fn`` for a CLI process that a test interrupts with SIGINT."""
    return _default_sigint
