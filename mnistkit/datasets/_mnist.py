"""MNIST and Fashion-MNIST loaders.

Both data sets are four IDX files (train/test images and labels). MNIST ships inside the package;
Fashion-MNIST is found on disk (Debian's ``dataset-fashion-mnist`` package, a data folder, the
user cache) or downloaded once into the cache.
"""

import contextlib
import os
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..exceptions import DatasetNotFoundError, IDXFormatError
from ..utils._files import open_atomic
from ._idx import read_idx

__all__ = [
    "get_data_home",
    "load_fashion_mnist",
    "load_fashion_mnist_splits",
    "load_mnist",
    "load_mnist_splits",
]

_FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

# MD5 of the uncompressed files. Verified on every load: the compressed bytes differ between
# distributions (Debian recompresses Fashion-MNIST), the uncompressed ones do not.
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
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
_SUBSETS = ("train", "test", "all")


def get_data_home(data_home=None):
    """Return the folder where mnistkit caches downloaded data sets.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit folder. ``None`` means ``$MNISTKIT_DATA`` if set, otherwise
        ``$XDG_CACHE_HOME/mnistkit`` (``~/.cache/mnistkit``).

    Returns
    -------
    data_home : pathlib.Path
        The folder (not created).

    Examples
    --------
    >>> from mnistkit.datasets import get_data_home
    >>> str(get_data_home("/tmp/my-data"))
    '/tmp/my-data'
    """
    if data_home is not None:
        return _folder_path(data_home, "data_home")
    if os.environ.get("MNISTKIT_DATA"):
        return _folder_path(os.environ["MNISTKIT_DATA"], "$MNISTKIT_DATA")
    return _user_cache_dir()


def _folder_path(value, name):
    """``value`` as a folder path with ``~`` expanded, or a ``ValueError`` naming ``name``.

    Refused: a ``~user`` that names no user here (``Path.expanduser`` raises a bare
    "Could not determine home directory"), and an existing file (a folder is needed).
    """
    try:
        path = Path(value).expanduser()
    except (RuntimeError, KeyError):
        raise ValueError(
            f"{name} {str(value)!r}: {str(value).split('/')[0]!r} names no user on this "
            "machine, so '~' cannot be expanded; give the folder's full path."
        ) from None
    except TypeError:
        raise TypeError(f"{name} must be a path (str or os.PathLike); got {value!r}.") from None
    if path.exists() and not path.is_dir():
        raise ValueError(
            f"{name} {path} is a file, not a folder; pass the folder that holds the data set "
            "files (or where they should be downloaded)."
        )
    return path


def _user_cache_dir():
    cache_root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_root) / "mnistkit"


def _find_file(folder, name):
    """Return ``folder/name.gz`` or ``folder/name``, whichever exists, else None."""
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def _complete_folder(folder):
    """Return {key: path} if ``folder`` holds all four files, else None."""
    found = {key: _find_file(folder, name) for key, name in _FILE_NAMES.items()}
    return found if all(found.values()) else None


def _check_subset(subset):
    if subset not in _SUBSETS:
        raise ValueError(f"subset must be one of {_SUBSETS}; got {subset!r}.")


def _check_dtype(dtype):
    dtype = np.dtype(dtype)
    if dtype != np.uint8 and dtype.kind != "f":
        raise ValueError(
            f"dtype must be uint8 (raw pixels 0-255) or a float dtype (pixels scaled to [0, 1]); "
            f"got {dtype}."
        )
    return dtype


def _read_pair(paths, part, md5s):
    images_path, labels_path = paths[f"{part}_images"], paths[f"{part}_labels"]
    images = read_idx(images_path, md5=md5s and md5s[_FILE_NAMES[f"{part}_images"]])
    labels = read_idx(labels_path, md5=md5s and md5s[_FILE_NAMES[f"{part}_labels"]])
    if images.ndim != 3:
        raise ValueError(
            f"{images_path}: expected a 3-d array of images (n_samples, height, width); the file "
            f"holds shape {images.shape}."
        )
    if labels.ndim != 1:
        raise ValueError(
            f"{labels_path}: expected a 1-d array of labels; the file holds shape {labels.shape}."
        )
    for path, array, what in ((images_path, images, "pixels"), (labels_path, labels, "labels")):
        if array.dtype != np.uint8:  # the IDX type code says int16, float32, ...
            raise IDXFormatError(
                f"{path}: expected unsigned bytes ({what} 0-255, IDX type code 0x08); the header's "
                f"type code says {array.dtype.name}. This is not an MNIST-format {what} file."
            )
    if len(images) != len(labels):
        raise ValueError(
            f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} "
            "labels; the two files do not belong together."
        )
    return images, labels


def _build_bunch(paths, *, subset, dtype, md5s, target_names, descr, return_X_y):
    _check_subset(subset)
    dtype = _check_dtype(dtype)
    parts = ("train", "test") if subset == "all" else (subset,)
    pairs = [_read_pair(paths, part, md5s) for part in parts]
    images = pairs[0][0] if len(pairs) == 1 else np.concatenate([p[0] for p in pairs])
    target = np.concatenate([p[1] for p in pairs]).astype(np.int64)
    if dtype.kind == "f":
        # Scale in the target dtype directly: one output array, no float64 intermediate.
        scaled = np.empty(images.shape, dtype=dtype)
        np.multiply(images, dtype.type(1.0 / 255.0), out=scaled, casting="unsafe")
        images = scaled
    data = images.reshape(len(images), -1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        images=images,
        target_names=target_names,
        feature_names=[
            f"pixel_{r}_{c}" for r in range(images.shape[1]) for c in range(images.shape[2])
        ],
        DESCR=descr,
        filenames={key: str(path) for key, path in paths.items()},
    )


def _descr(name):
    return resources.files("mnistkit.datasets").joinpath("descr", f"{name}.rst").read_text()


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
    return _build_bunch(
        _bundled_mnist_paths(),
        subset=subset,
        dtype=dtype,
        md5s=MNIST_MD5 if verify_checksums else None,
        target_names=np.array([str(digit) for digit in range(10)]),
        descr=_descr("mnist"),
        return_X_y=return_X_y,
    )


def _split(loader, validation_size, return_X_y, **kwargs):
    train = loader(subset="train", **kwargs)
    test = loader(subset="test", **kwargs)
    n_train = len(train.target)
    if (
        isinstance(validation_size, bool | np.bool_)  # True is an int, never a size
        or not isinstance(validation_size, int | np.integer)
        or not 0 < validation_size < n_train
    ):
        raise ValueError(
            f"validation_size must be an integer in [1, {n_train - 1}]; got {validation_size!r}."
        )
    cut = n_train - validation_size
    parts = {}
    for name, index in (("train", slice(None, cut)), ("validation", slice(cut, None))):
        parts[name] = Bunch(
            data=train.data[index],
            target=train.target[index],
            images=train.images[index],
            target_names=train.target_names,
            feature_names=train.feature_names,
            DESCR=train.DESCR,
        )
    parts["test"] = test
    if return_X_y:
        return tuple(
            (parts[name].data, parts[name].target) for name in ("train", "validation", "test")
        )
    return Bunch(**parts)


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
    return _split(load_mnist, validation_size, return_X_y, dtype=dtype)


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
        present = [name for name in _FILE_NAMES.values() if _find_file(folder, name)]
        if present:
            missing = [f"{name}.gz" for name in _FILE_NAMES.values() if name not in present]
            raise DatasetNotFoundError(
                f"data_home {root}: {folder} holds {len(present)} of the 4 Fashion-MNIST files; "
                f"missing: {', '.join(missing)}. Put them there (gzipped or not), or leave "
                "data_home unset to use $MNISTKIT_DATA, the Debian package or the user cache."
            )
    existed = root.is_dir()
    errors = []
    if download_if_missing:
        for base_url in FASHION_MNIST_URLS:
            try:
                _download_fashion_mnist(base_url, root / "fashion-mnist")
                return _complete_folder(root / "fashion-mnist")
            except (urllib.error.URLError, OSError, ValueError) as exc:
                errors.append(f"{base_url}: {exc}")
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
        f"4 Fashion-MNIST files ({', '.join(f'{n}.gz' for n in _FILE_NAMES.values())}), "
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
        for base_url in FASHION_MNIST_URLS:
            try:
                _download_fashion_mnist(base_url, cache)
                return _complete_folder(cache)
            except (urllib.error.URLError, OSError, ValueError) as exc:
                errors.append(f"{base_url}: {exc}")
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


def _download_fashion_mnist(base_url, target):
    """Download, verify and atomically install the four files into ``target``."""
    from tqdm.auto import tqdm

    target.mkdir(parents=True, exist_ok=True)
    for name in _FILE_NAMES.values():
        final = target / f"{name}.gz"
        if final.is_file():
            continue
        with (
            open_atomic(final) as out,
            urllib.request.urlopen(base_url + f"{name}.gz", timeout=30) as response,
        ):
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc=f"{name}.gz") as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
            out.flush()
            # Raises ChecksumError / IDXFormatError (both ValueError) on a bad download, before
            # the file appears under its final name.
            read_idx(out.name, md5=FASHION_MNIST_MD5[name])


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
    return _build_bunch(
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
    return _split(
        load_fashion_mnist,
        validation_size,
        return_X_y,
        data_home=data_home,
        download_if_missing=download_if_missing,
        dtype=dtype,
    )
