"""Fashion-MNIST: Zalando's clothing images, found on disk (Debian's ``dataset-fashion-mnist``
package, a data folder, the user cache) or downloaded once into the cache."""

import contextlib
import os
from pathlib import Path

import numpy as np

from ..exceptions import DatasetNotFoundError
from ._loading import (
    FILE_NAMES,
    _complete_folder,
    _descr,
    _find_file,
    _folder_path,
    _user_cache_dir,
    build_bunch,
    download_from_mirrors,
    split,
)

__all__ = ["load_fashion_mnist", "load_fashion_mnist_splits"]

FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
FASHION_MNIST_CLASSES = np.array(
    [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
)
FASHION_MNIST_URLS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
DEBIAN_FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")


def _fashion_mnist_in_data_home(data_home, download_if_missing):
    """The four files from an explicit ``data_home``: there or nowhere (no silent fallback).

    A folder with none of them is filled by a download when allowed; a folder with some of them
    is an error naming the missing ones (mixing copies from two places would be a guess).
    """
    root = _folder_path(data_home, "data_home")
    folders = [root, root / "fashion-mnist"]
    for folder in folders:
        paths = _complete_folder(folder)
        if paths is not None:
            return paths
    for folder in folders:
        present = [name for name in FILE_NAMES.values() if _find_file(folder, name)]
        if present:
            missing = [f"{name}.gz" for name in FILE_NAMES.values() if name not in present]
            raise DatasetNotFoundError(
                f"data_home {root}: {folder} holds {len(present)} of the 4 Fashion-MNIST files; "
                f"missing: {', '.join(missing)}. Put them there (gzipped or not), or leave "
                "data_home unset to use $MNISTKIT_DATA, the Debian package or the user cache."
            )
    existed = root.is_dir()
    errors = []
    if download_if_missing:
        paths, errors = download_from_mirrors(
            FASHION_MNIST_URLS, root / "fashion-mnist", FASHION_MNIST_MD5
        )
        if paths is not None:
            return paths
        for created in (root / "fashion-mnist", root) if not existed else ():
            with contextlib.suppress(OSError):  # only folders the failed download made, if empty
                created.rmdir()
    download_note = (
        "; the download failed: " + "; ".join(errors)
        if errors
        else " (download_if_missing=False: nothing was downloaded)"
    )
    raise DatasetNotFoundError(
        f"data_home {root}{'' if existed else ' does not exist and'} holds none of the "
        f"4 Fashion-MNIST files ({', '.join(f'{n}.gz' for n in FILE_NAMES.values())}), "
        f"neither in it nor in {root / 'fashion-mnist'}{download_note}. Put the files there, "
        "or leave data_home unset to use $MNISTKIT_DATA, the Debian package "
        "(apt-get install dataset-fashion-mnist) or the user cache."
    )


def _fashion_mnist_paths(data_home, download_if_missing):
    """Find the four Fashion-MNIST files, downloading them if allowed; see load_fashion_mnist."""
    if data_home is not None:
        return _fashion_mnist_in_data_home(data_home, download_if_missing)
    searched = []
    candidates = []
    if os.environ.get("MNISTKIT_DATA"):
        root = _folder_path(os.environ["MNISTKIT_DATA"], "$MNISTKIT_DATA")
        candidates += [("$MNISTKIT_DATA", root), ("$MNISTKIT_DATA", root / "fashion-mnist")]
    candidates.append(("Debian package dataset-fashion-mnist", DEBIAN_FASHION_MNIST_DIR))
    cache = _user_cache_dir() / "fashion-mnist"
    candidates.append(("user cache", cache))
    for origin, folder in candidates:
        paths = _complete_folder(folder)
        if paths is not None:
            return paths
        searched.append(f"{folder} ({origin})")

    errors = []
    if download_if_missing:
        paths, errors = download_from_mirrors(FASHION_MNIST_URLS, cache, FASHION_MNIST_MD5)
        if paths is not None:
            return paths
    tried = "\n".join(f"  - {place}" for place in searched)
    download_note = (
        "Download failed:\n" + "\n".join(f"  - {error}" for error in errors)
        if errors
        else "Download was not attempted (download_if_missing=False)."
    )
    raise DatasetNotFoundError(
        "Fashion-MNIST was not found. Looked in:\n"
        f"{tried}\n{download_note}\n"
        "Fix it in one of two ways:\n"
        "  1. install the Debian package: apt-get update && apt-get install dataset-fashion-mnist\n"
        "  2. put the four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) in a folder and pass it as "
        f"data_home= or set MNISTKIT_DATA, or copy them to {cache}"
    )


def load_fashion_mnist(
    *,
    subset="train",
    data_home=None,
    download_if_missing=True,
    dtype=np.uint8,
    return_X_y=False,
    verify_checksums=True,
):
    """Load Fashion-MNIST (Zalando's 28x28 clothing images, 10 classes).

    With ``data_home``, the four IDX files are read from there (or its ``fashion-mnist``
    subfolder) and nowhere else. Without it, they are looked for, in this order, in
    ``$MNISTKIT_DATA`` (and its ``fashion-mnist`` subfolder), the Debian package location
    ``/usr/share/datasets/fashion-mnist/`` (``apt-get install dataset-fashion-mnist``), and the
    user cache (``~/.cache/mnistkit/fashion-mnist``). If they are not there and
    ``download_if_missing`` is True, they are downloaded with a progress bar, verified against
    their MD5 checksums and written atomically into ``data_home/fashion-mnist`` or the cache.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        As in :func:`load_mnist`.
    data_home : str or path-like, default=None
        The folder to read the files from (and to download into); when given, no other place
        is used, and a folder lacking some of the files is an error naming them.
    download_if_missing : bool, default=True
        Download the files when they are nowhere on disk.
    dtype : dtype, default=np.uint8
        ``uint8`` raw pixels, or a float dtype for pixels scaled to [0, 1].
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    verify_checksums : bool, default=True
        Check the MD5 of the uncompressed files while reading them.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        As in :func:`load_mnist`; ``target_names`` are the clothing class names.
    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    DatasetNotFoundError
        If the files are nowhere on disk and cannot be downloaded; the message lists every place
        looked in and the fixes.

    Examples
    --------
    >>> from mnistkit.datasets import load_fashion_mnist
    >>> fashion = load_fashion_mnist(subset="test")  # doctest: +SKIP
    >>> fashion.target_names[fashion.target[0]]  # doctest: +SKIP
    'Ankle boot'
    """
    paths = _fashion_mnist_paths(data_home, download_if_missing)
    return build_bunch(
        paths,
        subset=subset,
        dtype=dtype,
        md5s=FASHION_MNIST_MD5 if verify_checksums else None,
        target_names=FASHION_MNIST_CLASSES.copy(),
        descr=_descr("fashion_mnist"),
        return_X_y=return_X_y,
    )


def load_fashion_mnist_splits(
    *,
    validation_size=10_000,
    data_home=None,
    download_if_missing=True,
    dtype=np.uint8,
    return_X_y=False,
):
    """Load Fashion-MNIST as train / validation / test, like :func:`load_mnist_splits`.

    Parameters
    ----------
    validation_size : int, default=10000
        Number of images at the end of the training set used for validation.
    data_home : str or path-like, default=None
        As in :func:`load_fashion_mnist`.
    download_if_missing : bool, default=True
        As in :func:`load_fashion_mnist`.
    dtype : dtype, default=np.uint8
        As in :func:`load_fashion_mnist`.
    return_X_y : bool, default=False
        Return ``((X_train, y_train), (X_val, y_val), (X_test, y_test))``.

    Returns
    -------
    splits : :class:`~sklearn.utils.Bunch`
        ``train``, ``validation`` and ``test`` Bunches.
    """
    return split(
        load_fashion_mnist,
        validation_size,
        return_X_y,
        data_home=data_home,
        download_if_missing=download_if_missing,
        dtype=dtype,
    )
