import os

import numpy as np
import pytest

# Keras/TensorFlow: quiet and deterministic in tests.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture
def rng():
    """A NumPy generator with a fixed seed, fresh for each test."""
    return np.random.default_rng(20261121)


@pytest.fixture(scope="session")
def mnist_test():
    """The 10,000 MNIST test images (uint8) and labels, loaded once per session."""
    from mnistkit.datasets import load_mnist

    return load_mnist(subset="test")


@pytest.fixture(scope="session")
def small_mnist(mnist_test):
    """1,500 training and 500 test images from the MNIST test set, for quick fits."""
    X, y = mnist_test.data, mnist_test.target
    return X[:1500], y[:1500], X[1500:2000], y[1500:2000]


# -- how pytest-xdist shares the tests out (``pytest -n 2``) --------------------------------
#
# Tests that share a costly start-up run in one worker, so that it is paid once: the docs
# build (tests/test_docs.py's module fixture runs every gallery example), the tiny benchmark
# suite (a session fixture, read by two tests), the notebook (a kernel runs every plot), and the
# UMAP tests (umap-learn compiles its numba functions in every process that first uses it,
# without numba's on-disk cache). They go first, the docs build before all, so that it runs
# beside the rest instead of after it.
# pytest-xdist's own ``--dist loadgroup`` groups tests by ``xdist_group`` marks, but with
# pytest 9.2 and pytest-xdist 3.8 tests marked with one group still ran on both workers (and
# it would have to be asked for on every command line), so the rule is here, as a scheduler.
_GROUPS = (
    ("docs", lambda nodeid: nodeid.startswith("tests/test_docs.py::")),
    (
        "tiny-suite",
        lambda nodeid: (
            nodeid
            in (
                "tests/benchmark/test_runner.py::test_tiny_suite_end_to_end",
                "tests/benchmark/test_report.py::test_report_of_every_kind",
                "tests/benchmark/test_results.py::"
                "test_load_results_of_every_kind_holds_the_report_s_figures",
                "tests/benchmark/test_results.py::"
                "test_results_command_writes_every_row_as_csv_json_and_escaped_markdown",
            )
        ),
    ),
    ("umap", lambda nodeid: "umap" in nodeid.lower()),
    # One Jupyter kernel runs every plot's cell (a module fixture), read by one test per plot.
    ("notebook", lambda nodeid: nodeid.startswith("tests/plotting/test_notebook.py::")),
)


def _group(nodeid):
    """(rank, group name): the group's place in _GROUPS, or (len(_GROUPS), None)."""
    for rank, (name, belongs) in enumerate(_GROUPS):
        if belongs(nodeid):
            return rank, name
    return len(_GROUPS), None


# -- the quick local loop (``pytest -m "not slow"``, under 3 minutes on 2 cores) -----------
#
# A test is marked ``slow`` where it takes 3 s or more on a 2-core machine beside a second
# worker (end-to-end runs, subprocesses, Keras fits in grid searches); the full command runs
# them all. scikit-learn's common checks fit each network dozens of times: the quick loop runs
# them for KerasMLP, which shares fit, predict and validation (BaseKerasClassifier) with the
# two other networks; those two, with their own input handling, get theirs in the full run.
_SLOW_COMMON_CHECKS = ("[KerasCNN(", "[KerasClassifier(")


def _is_slow_common_check(nodeid):
    return nodeid.startswith("tests/test_common.py::test_sklearn_compatible_estimator") and any(
        name in nodeid for name in _SLOW_COMMON_CHECKS
    )


def pytest_collection_modifyitems(config, items):
    for item in items:
        if _is_slow_common_check(item.nodeid):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: _group(item.nodeid)[0])  # stable: the rest keep their order


# optionalhook: without pytest-xdist (the source distribution's own tests run with plain pytest)
# pluggy would reject a hook it does not know.
@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's default (``--dist load``), but each group of _GROUPS one unit of work."""
    if config.getvalue("dist") != "load":
        return None  # the user chose a distribution: theirs
    from xdist.scheduler import LoadScopeScheduling

    class GroupedScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return _group(nodeid)[1] or nodeid  # every other test a unit of its own

    return GroupedScheduling(config, log)
