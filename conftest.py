"""Shared by the tests and the doctests: every test starts with no pyplot figure open, and
each pytest-xdist worker computes on its share of the cores."""

import os
import sys

import pytest

#: The thread-count variables of the math libraries a worker and the processes it starts use:
#: OpenMP and the BLAS libraries (numpy, scikit-learn) and TensorFlow's pool for one op.
_THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "TF_NUM_INTRAOP_THREADS",
)


def _share_the_cores():
    """Under ``pytest -n N``, give each worker ``cores // N`` threads (at least one).

    Each of the N workers would otherwise start as many compute threads as the machine has
    cores, and on a machine with no more cores than workers their threads wait for each
    other's (BLAS and oneDNN threads spin before they sleep): scikit-learn's test suite limits
    its workers the same way. Measured with ``pytest -n 2`` on tests/neural_network and the
    networks' common checks (2-core AMD EPYC with AVX512-BF16): 182 s, and 164 s with one
    thread per worker. Environment variables rather than threadpoolctl's runtime limits (what
    scikit-learn uses): TensorFlow reads its own from the environment, and the processes a
    test starts (benchmark entries, joblib workers, the docs build) inherit them. Set when
    this file is imported, before NumPy and TensorFlow start their pools; a value the user
    set is kept.
    """
    workers = os.environ.get("PYTEST_XDIST_WORKER_COUNT")
    if workers is None:
        return
    threads = str(max(1, (os.cpu_count() or 1) // int(workers)))
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, threads)


_share_the_cores()


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the pyplot figures a test or doctest opened (plots with ``ax=None`` make them).

    Without it, a session opening more than 20 figures makes matplotlib warn, and the suite
    turns warnings raised from mnistkit's code into errors.
    """
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
