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
