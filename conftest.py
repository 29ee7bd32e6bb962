"""Shared by the tests and the doctests: every test starts with no pyplot figure open."""

import sys

import pytest


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the pyplot figures a test or doctest opened (plots with ``ax=None`` make them).

    Without it, a session opening more than 20 figures makes matplotlib warn, and the suite
    turns warnings raised from mnistkit's code into errors.
    """
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
