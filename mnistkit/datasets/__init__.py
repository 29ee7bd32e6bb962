"""Data sets: MNIST (bundled), Fashion-MNIST, image folders, and the IDX file format."""

from ._idx import read_idx, write_idx
from ._image_folder import load_image_folder
from ._mnist import (
    get_data_home,
    load_fashion_mnist,
    load_fashion_mnist_splits,
    load_mnist,
    load_mnist_splits,
)

__all__ = [
    "get_data_home",
    "load_fashion_mnist",
    "load_fashion_mnist_splits",
    "load_image_folder",
    "load_mnist",
    "load_mnist_splits",
    "read_idx",
    "write_idx",
]
