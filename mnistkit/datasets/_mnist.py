"""MNIST: the handwritten digits, four IDX files shipped inside the package (works offline)."""

from importlib import resources
from pathlib import Path

import numpy as np

from ..exceptions import DatasetNotFoundError
from ._loading import _complete_folder, _descr, build_bunch, split

__all__ = ["load_mnist", "load_mnist_splits"]

# MD5 of the uncompressed files. Verified on every load: the compressed bytes differ between
# distributions (Debian recompresses Fashion-MNIST), the uncompressed ones do not.
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}


def _bundled_mnist_paths():
    folder = Path(str(resources.files("mnistkit.datasets").joinpath("data", "mnist")))
    paths = _complete_folder(folder)
    if paths is None:
        raise DatasetNotFoundError(
            f"The bundled MNIST files are missing from {folder}; the mnistkit installation is "
            "broken. Reinstall it (pip install --force-reinstall mnistkit)."
        )
    return paths


def load_mnist(*, subset="train", dtype=np.uint8, return_X_y=False, verify_checksums=True):
    """Load the MNIST handwritten digits, bundled with mnistkit (works offline).

    ============== ==============
    Classes        10 (digits 0-9)
    Samples        60,000 train, 10,000 test
    Dimensionality 784 (28x28 images)
    Features       integers 0-255 (or floats in [0, 1])
    ============== ==============

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which images to return: the 60,000 training images, the 10,000 test images or all
        70,000 (training first), in the original order.
    dtype : dtype, default=np.uint8
        ``uint8`` returns the raw pixels (0-255). A float dtype such as ``np.float32`` returns
        pixels scaled to [0, 1].
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    verify_checksums : bool, default=True
        Check the MD5 of the uncompressed files while reading them.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        ``data`` (n_samples, 784), ``images`` (n_samples, 28, 28), a view of the same memory,
        ``target`` (n_samples,) int64, ``target_names``, ``feature_names``, ``DESCR`` and
        ``filenames``.
    (data, target) : tuple if ``return_X_y`` is True

    See Also
    --------
    load_mnist_splits : the 50k/10k/10k train/validation/test split in one call.

    Examples
    --------
    >>> from mnistkit.datasets import load_mnist
    >>> mnist = load_mnist(subset="test")
    >>> mnist.data.shape, mnist.images.shape, mnist.data.dtype
    ((10000, 784), (10000, 28, 28), dtype('uint8'))
    >>> mnist.target[:10]
    array([7, 2, 1, 0, 4, 1, 4, 9, 5, 9])
    """
    return build_bunch(
        _bundled_mnist_paths(),
        subset=subset,
        dtype=dtype,
        md5s=MNIST_MD5 if verify_checksums else None,
        target_names=np.array([str(digit) for digit in range(10)]),
        descr=_descr("mnist"),
        return_X_y=return_X_y,
    )


def load_mnist_splits(*, validation_size=10_000, dtype=np.uint8, return_X_y=False):
    """Load MNIST as the lab reports split it: train / validation / test in the original order.

    The 60,000 training images are split into the first ``60000 - validation_size`` for
    training and the last ``validation_size`` for validation (views, no copy); the 10,000 test
    images are the test set.

    Parameters
    ----------
    validation_size : int, default=10000
        Number of images at the end of the training set used for validation.
    dtype : dtype, default=np.uint8
        As in :func:`load_mnist`.
    return_X_y : bool, default=False
        Return ``((X_train, y_train), (X_val, y_val), (X_test, y_test))``.

    Returns
    -------
    splits : :class:`~sklearn.utils.Bunch`
        ``train``, ``validation`` and ``test``, each a Bunch as returned by :func:`load_mnist`.

    Examples
    --------
    >>> from mnistkit.datasets import load_mnist_splits
    >>> (X_train, y_train), (X_val, y_val), (X_test, y_test) = load_mnist_splits(return_X_y=True)
    >>> len(X_train), len(X_val), len(X_test)
    (50000, 10000, 10000)
    """
    return split(load_mnist, validation_size, return_X_y, dtype=dtype)
