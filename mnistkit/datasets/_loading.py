"""What the IDX data set loaders share: the data home, finding the four files, reading them
into a Bunch, the train/validation split, and downloading from a list of mirrors.

A new data set in the four-file IDX layout is one module beside ``_mnist.py`` (copy
``_fashion_mnist.py``) and one line in ``LOADERS`` (``__init__.py``).
"""

import os
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch

from ..exceptions import IDXFormatError
from ..utils._files import open_atomic
from ._idx import read_idx

__all__ = ["FILE_NAMES", "build_bunch", "download_from_mirrors", "get_data_home", "split"]

FILE_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}

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
    found = {key: _find_file(folder, name) for key, name in FILE_NAMES.items()}
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
    images = read_idx(images_path, md5=md5s and md5s[FILE_NAMES[f"{part}_images"]])
    labels = read_idx(labels_path, md5=md5s and md5s[FILE_NAMES[f"{part}_labels"]])
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


def build_bunch(paths, *, subset, dtype, md5s, target_names, descr, return_X_y):
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


def split(loader, validation_size, return_X_y, **kwargs):
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


def download_from_mirrors(urls, target, md5s):
    """Download the four files into ``target`` from the first of ``urls`` that serves them all.

    Each file is verified against ``md5s`` (uncompressed) and written atomically, so a failed
    or corrupt download never leaves a file under its final name. Returns
    ``(paths, errors)``: the four paths (or ``None`` when every mirror failed) and one
    ``"url: reason"`` per failed mirror.
    """
    errors = []
    for base_url in urls:
        try:
            _download(base_url, target, md5s)
            return _complete_folder(target), errors
        except (urllib.error.URLError, OSError, ValueError) as exc:
            errors.append(f"{base_url}: {exc}")
    return None, errors


def _download(base_url, target, md5s):
    """Download, verify and atomically install the four files into ``target``."""
    from tqdm.auto import tqdm

    target.mkdir(parents=True, exist_ok=True)
    for name in FILE_NAMES.values():
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
            read_idx(out.name, md5=md5s[name])
