"""Data sets: MNIST (bundled), Fashion-MNIST, image folders, your own NPZ/CSV/IDX files, and
the IDX file format."""

from ._fashion_mnist import load_fashion_mnist, load_fashion_mnist_splits
from ._files import load_labelled_images
from ._idx import read_idx, write_idx
from ._image_folder import load_image_folder
from ._loading import get_data_home
from ._mnist import load_mnist, load_mnist_splits

#: The data sets by the name a suite, the command line and the benchmark use: a loader taking
#: ``subset=`` and returning a Bunch (``data``, ``images``, ``target``, ``target_names``).
#: A new data set is one loader module and one line here.
LOADERS = {"mnist": load_mnist, "fashion-mnist": load_fashion_mnist}

__all__ = [
    "get_data_home",
    "load_fashion_mnist",
    "load_fashion_mnist_splits",
    "load_image_folder",
    "load_labelled_images",
    "load_mnist",
    "load_mnist_splits",
    "read_idx",
    "write_idx",
]
