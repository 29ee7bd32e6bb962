"""Labelled images from a user's own files: NumPy ``.npz`` archives, CSV tables and IDX pairs.

The layouts students hold for the small-image data sets that mnistkit does not bundle:

- ``.npz`` with ``x_train``, ``y_train``, ``x_test``, ``y_test`` (what ``keras.datasets`` loaders
  return, saved with ``numpy.savez``), or ``X`` and ``y`` (one part, split by the caller);
- ``.csv`` with a label column and one column per pixel (the Kaggle digit-recognizer and
  Sign-Language-MNIST layout): ``label,pixel1,...,pixel784``; the images are square;
- a folder of IDX files whose names say which part they hold (``train-images-idx3-ubyte``,
  ``t10k-labels-idx1-ubyte.gz``, ``emnist-letters-test-images-idx3-ubyte``, ...), any image size.

Labels are taken as they are: integers that need not start at 0 or be contiguous, or strings.
Every way a file can be wrong is refused naming the file and what is wrong (a file that is not
what its name says, X and y of different lengths, images of different sizes, NaN or infinite
pixels, a non-numeric pixel column, a single class), never half-read. pandas reads the CSV
(it is a core dependency already, and its C parser is much faster than the standard library's
for 785 columns); :func:`~mnistkit.datasets.read_idx` reads the IDX files.
"""

import math
import zipfile
from pathlib import Path

import numpy as np

from ..exceptions import DatasetNotFoundError

__all__ = ["load_labelled_images"]

_MAGIC = {
    ".npz": (b"PK\x03\x04", "a NumPy .npz archive (a zip file)"),
}


class DataFileError(ValueError):
    """A user's data file cannot be read as labelled images: the message names it and why."""


def _check_magic(path, suffix):
    expected, words = _MAGIC[suffix]
    with open(path, "rb") as handle:
        start = handle.read(len(expected))
    if start != expected:
        raise DataFileError(
            f"{path} is not {words}: it starts with {start!r}. Check the file (a download that "
            "failed saves an HTML page under the file's name)."
        )


def _check_pair(X, y, source):
    """Images ``X`` (n, H, W) or (n, H, W, C) and labels ``y`` (n,) from ``source``, checked."""
    if X.dtype == object or (y.dtype == object and not all(isinstance(v, str) for v in y)):
        raise DataFileError(f"{source}: holds Python objects, not numbers; save plain arrays.")
    if y.ndim != 1:
        raise DataFileError(f"{source}: labels must be one per image; got shape {y.shape}.")
    if len(X) != len(y):
        raise DataFileError(f"{source}: {len(X)} images but {len(y)} labels; they must be as many.")
    if X.ndim not in (3, 4) or (X.ndim == 4 and X.shape[-1] not in (1, 3, 4)):
        raise DataFileError(
            f"{source}: images must be an array of shape (n, height, width) or (n, height, "
            f"width, channels) with 1, 3 or 4 channels; got {X.shape}."
        )
    if not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise DataFileError(f"{source}: pixels must be numbers; got dtype {X.dtype}.")
    if np.issubdtype(X.dtype, np.floating):
        bad = np.flatnonzero(~np.isfinite(X.reshape(len(X), -1)).all(axis=1))
        if len(bad):
            raise DataFileError(
                f"{source}: image {bad[0]} has NaN or infinite pixels"
                + (f" (and {len(bad) - 1} more images)" if len(bad) > 1 else "")
                + "; fix or drop them."
            )
    if X.ndim == 4 and X.shape[-1] == 1:
        X = X[..., 0]
    if y.dtype.kind in "f":
        if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
            raise DataFileError(f"{source}: labels are numbers that are not whole: {y[:5]}...")
        y = y.astype(np.int64)
    return X, y


def _read_npz(path):
    _check_magic(path, ".npz")
    try:
        with np.load(path, allow_pickle=False) as arrays:
            names = set(arrays.files)
            if {"x_train", "y_train"} <= names:
                train = _check_pair(arrays["x_train"], arrays["y_train"], f"{path} (x_train)")
                test = None
                if {"x_test", "y_test"} <= names:
                    test = _check_pair(arrays["x_test"], arrays["y_test"], f"{path} (x_test)")
                return train, test
            if {"X", "y"} <= names:
                return _check_pair(arrays["X"], arrays["y"], str(path)), None
    except (ValueError, zipfile.BadZipFile, OSError, EOFError) as exc:
        if isinstance(exc, DataFileError):
            raise
        reason = "it holds Python objects" if "pickle" in str(exc) else str(exc)
        raise DataFileError(f"{path} is not a readable .npz archive ({reason}).") from None
    raise DataFileError(
        f"{path} holds arrays {sorted(names)}; expected x_train, y_train (and x_test, y_test), "
        "as keras.datasets loaders return them, or X and y."
    )


def _read_csv(path, label_column):
    import pandas as pd

    with open(path, "rb") as handle:
        start = handle.read(4)
    if start.startswith((b"PK\x03\x04", b"\x1f\x8b", b"\x89PNG")) or b"\x00" in start:
        raise DataFileError(f"{path} is not a CSV text file: it starts with {start!r}.")
    try:
        table = pd.read_csv(path)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise DataFileError(f"{path} is not a readable CSV table ({exc}).") from None
    if label_column not in table.columns:
        raise DataFileError(
            f"{path} has no label column {label_column!r}; its first columns are "
            f"{list(table.columns[:4])}. Name the label column (label_column)."
        )
    pixels = table.drop(columns=[label_column])
    text = [name for name, kind in pixels.dtypes.items() if not pd.api.types.is_numeric_dtype(kind)]
    if text:
        # The first value that is not a number (a column of numbers with one stray word is
        # read as text whole: its first value would be a number).
        column = pixels[text[0]]
        stray = column[pd.to_numeric(column, errors="coerce").isna() & column.notna()]
        row, value = (stray.index[0], stray.iloc[0]) if len(stray) else (0, column.iloc[0])
        raise DataFileError(
            f"{path}: pixel column {text[0]!r} holds text (e.g. {value!r}), not numbers "
            f"(line {row + 2} of the file)"
            + (f"; so do {len(text) - 1} more columns" if len(text) > 1 else "")
            + f". Every column but {label_column!r} must be a pixel value."
        )
    side = math.isqrt(pixels.shape[1])
    if side * side != pixels.shape[1]:
        raise DataFileError(
            f"{path}: {pixels.shape[1]} pixel columns is not a square image (28 x 28 = 784)."
        )
    X = pixels.to_numpy()
    labels = table[label_column].to_numpy()
    if labels.dtype == object:
        labels = labels.astype(str)
    X = X.reshape(len(X), side, side)
    if np.issubdtype(X.dtype, np.integer) and X.min(initial=0) >= 0 and X.max(initial=0) <= 255:
        X = X.astype(np.uint8)
    return _check_pair(X, labels, str(path))


def _idx_part(folder, part):
    names = {"train": ("train",), "test": ("test", "t10k")}[part]
    found = {}
    for kind in ("images", "labels"):
        matches = sorted(
            path
            for path in folder.iterdir()
            if path.is_file()
            and any(f"{name}-{kind}" in path.name for name in names)
            and "idx" in path.name
        )
        if len(matches) > 1:
            raise DataFileError(
                f"{folder}: several files hold the {part} {kind} "
                f"({', '.join(path.name for path in matches)}); keep one."
            )
        found[kind] = matches[0] if matches else None
    return found


def _read_idx_folder(folder):
    from ._idx import read_idx

    parts = {}
    for part in ("train", "test"):
        files = _idx_part(folder, part)
        if files["images"] is None and files["labels"] is None:
            parts[part] = None
            continue
        if files["images"] is None or files["labels"] is None:
            missing, present = (
                ("images", "labels") if files["images"] is None else ("labels", "images")
            )
            raise DataFileError(
                f"{folder}: the {part} part has {files[present].name} but no {missing} file "
                f"(a name with '{part}-{missing}' and 'idx')."
            )
        X = read_idx(files["images"])
        y = read_idx(files["labels"])
        parts[part] = _check_pair(X, y, f"{files['images'].name} and {files['labels'].name}")
    if parts["train"] is None:
        raise DataFileError(
            f"{folder} holds no IDX training files: expected names such as "
            "train-images-idx3-ubyte and train-labels-idx1-ubyte (gzipped or not)."
        )
    return parts["train"], parts["test"]


def load_labelled_images(path, test_path=None, *, label_column="label"):
    """Images and labels from a user's file (or folder of IDX files), with its test part.

    Parameters
    ----------
    path : path-like
        An ``.npz`` archive, a ``.csv`` table, or a folder of IDX files (see the module).
    test_path : path-like, default=None
        A second file of the same format holding the test part (Sign-Language-MNIST ships
        ``sign_mnist_train.csv`` and ``sign_mnist_test.csv``); not with a file that has its own.
    label_column : str, default="label"
        The CSV column holding the labels.

    Returns
    -------
    train : tuple of (ndarray, ndarray)
        Images ``(n, height, width)`` (``(n, height, width, 3)`` in colour) and labels.
    test : tuple of (ndarray, ndarray) or None
        The file's own test part, or ``None`` when it has none (split it yourself).

    Raises
    ------
    DatasetNotFoundError
        When ``path`` (or ``test_path``) does not exist.
    ValueError
        Naming the file and what is wrong with it.

    Examples
    --------
    >>> import numpy as np, tempfile, pathlib
    >>> from mnistkit.datasets import load_labelled_images
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "letters.npz"
    >>> rng = np.random.default_rng(0)
    >>> np.savez(path, X=rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
    ...          y=np.array(["a", "b", "c"] * 2))
    >>> (X, y), test = load_labelled_images(path)
    >>> X.shape, sorted(set(y.tolist())), test
    ((6, 28, 28), ['a', 'b', 'c'], None)
    """
    path = Path(path).expanduser()
    if not path.exists():
        raise DatasetNotFoundError(f"Data file {path} does not exist.")
    if path.is_dir():
        train, test = _read_idx_folder(path)
    elif path.suffix.lower() == ".npz":
        train, test = _read_npz(path)
    elif path.suffix.lower() == ".csv":
        train, test = _read_csv(path, label_column), None
    else:
        raise DataFileError(
            f"{path}: mnistkit reads .npz archives, .csv tables and folders of IDX files; "
            f"{path.suffix or 'a name without an extension'} is none of them."
        )
    if test_path is not None:
        if test is not None:
            raise DataFileError(f"{path} has its own test part; remove test_path.")
        test = load_labelled_images(test_path, label_column=label_column)[0]
    for part, name in ((train, "training"), (test, "test")):
        if part is not None and len(np.unique(part[1])) < 2 and name == "training":
            raise DataFileError(
                f"{path}: the {name} part has one class only ({part[1][0]!r}); a classifier "
                "needs at least two."
            )
    if test is not None and test[0].shape[1:] != train[0].shape[1:]:
        raise DataFileError(
            f"{path}: training images are {train[0].shape[1:]} but test images are "
            f"{test[0].shape[1:]}; they must have one size."
        )
    return train, test
