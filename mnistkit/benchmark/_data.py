"""The arrays of an entry (its data set, split, classes and sizes) and their identity.

The identity is a hash of the arrays themselves, so two results are compared only when they were
tested on the same samples with the same labels, whatever their suite entries say.
"""

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["EntryData", "array_digest", "load_entry_data"]


def array_digest(*arrays):
    """16 hex digits of SHA-256 over the dtype, shape and bytes of each array, in order."""
    sha = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        sha.update(f"{array.dtype.str}{array.shape}".encode())
        sha.update(memoryview(array).cast("B") if array.size else b"")
    return sha.hexdigest()[:16]


@dataclass
class EntryData:
    """Training and test arrays of an entry, the test images (for pictures) and class names."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    test_images: np.ndarray
    target_names: list

    def shaped_for(self, model):
        """The data as ``model`` takes it: image batches flattened to rows for a model whose
        first step takes only 2-d arrays (a scaler, PCA, a plain scikit-learn classifier);
        kept as images for a model that reads images (HOG, deskewing, the Keras networks)."""
        import dataclasses

        from sklearn.utils import get_tags

        first = model.steps[0][1] if hasattr(model, "steps") else model
        if self.X_train.ndim <= 2 or get_tags(first).input_tags.three_d_array:
            return self
        return dataclasses.replace(
            self,
            X_train=self.X_train.reshape(len(self.X_train), -1),
            X_test=self.X_test.reshape(len(self.X_test), -1),
        )

    @functools.cached_property
    def _train_digest(self):
        return array_digest(self.X_train, self.y_train)

    @functools.cached_property
    def _test_digest(self):
        return array_digest(self.X_test, self.y_test)

    def train_identity(self):
        """Hash of the training images and labels (computed once)."""
        return self._train_digest

    def test_identity(self):
        """Hash of the test images and labels: results with equal ones can be paired."""
        return self._test_digest

    def identity(self):
        """Hash of everything the entry trains and tests on."""
        return f"{self.train_identity()}-{self.test_identity()}"


def load_entry_data(entry):
    """Load the arrays an :class:`~mnistkit.benchmark.Entry` trains and tests on.

    Raises
    ------
    DatasetNotFoundError
        When the data set is not on this machine (the message says where to put it).
    """
    from ..datasets import LOADERS, load_image_folder

    if entry.dataset == "file":
        X_train, y_train, X_test, y_test = _file_parts(entry)
        images = X_test
        names = np.unique(np.concatenate([y_train, y_test]))
    elif entry.dataset == "folder":
        root = Path(entry.path).expanduser()
        options = dict(
            image_size=tuple(entry.image_size or (128, 128)), color_mode=entry.color_mode
        )
        train = load_image_folder(root / "train", **options)
        test = load_image_folder(root / "test", **options)
        if list(train.target_names) != list(test.target_names):
            raise ValueError(
                f"{root}: train/ has classes {list(train.target_names)} but test/ has "
                f"{list(test.target_names)}."
            )
        names = train.target_names
        X_train, y_train = train.images, names[train.target]
        X_test, y_test, images = test.images, names[test.target], test.images
    else:
        loader = LOADERS[entry.dataset]
        train, test = loader(subset="train"), loader(subset="test")
        names = train.target_names
        X_train, y_train = train.data, train.target
        X_test, y_test, images = test.data, test.target, test.images
        if entry.split == "train/validation":
            # Train on the first 50k, evaluate on the last 10k of the training set.
            X_test, y_test, images = X_train[50_000:], y_train[50_000:], train.images[50_000:]
            X_train, y_train = X_train[:50_000], y_train[:50_000]
        elif entry.split == "54k/6k":
            # The lab's random hold-out: 6,000 of the 60k training images for evaluation, drawn
            # by train_test_split(test_size=0.1, random_state=42) as the reports did.
            from sklearn.model_selection import train_test_split

            order = np.arange(len(y_train))
            keep, held = train_test_split(order, test_size=0.1, random_state=42)
            X_test, y_test, images = X_train[held], y_train[held], train.images[held]
            X_train, y_train = X_train[keep], y_train[keep]
    if entry.classes:
        present = sorted({str(label) for label in np.unique(y_train)})
        missing = [c for c in entry.classes if str(c) not in present]
        if missing:
            raise ValueError(
                f"The class filter classes={entry.classes} names {missing}, which the training "
                f"data does not have; its labels are {', '.join(present)}."
            )
        keep_train, keep_test = np.isin(y_train, entry.classes), np.isin(y_test, entry.classes)
        X_train, y_train = X_train[keep_train], y_train[keep_train]
        X_test, y_test, images = X_test[keep_test], y_test[keep_test], images[keep_test]
    if entry.train_size:
        X_train, y_train = X_train[: entry.train_size], y_train[: entry.train_size]
    if entry.test_size:
        size = entry.test_size
        X_test, y_test, images = X_test[:size], y_test[:size], images[:size]
    return EntryData(X_train, y_train, X_test, y_test, images, [str(name) for name in names])


def _file_parts(entry):
    """The training and test parts of a user's file: its own, a test file, or a stratified
    hold-out of ``test_fraction`` (0.2 when unset) drawn with a fixed seed, so that every
    repeat and every entry on the file tests on the same samples."""
    from sklearn.model_selection import train_test_split

    from ..datasets import load_labelled_images

    (X, y), test = load_labelled_images(
        entry.path, entry.test_path, label_column=entry.label_column or "label"
    )
    if test is not None:
        X_test, y_test = test
        if y.dtype.kind != y_test.dtype.kind:
            raise ValueError(
                f"{entry.path}: training labels are {y.dtype} but test labels are "
                f"{y_test.dtype}; a label must be the same value in both parts."
            )
        unseen = sorted(set(np.unique(y_test).tolist()) - set(np.unique(y).tolist()))
        if unseen:
            raise ValueError(
                f"{entry.test_path or entry.path}: the test part has labels the training part "
                f"lacks ({', '.join(map(str, unseen[:5]))}); no classifier can predict them. "
                "Remove those samples, or split one file with test_fraction."
            )
        return X, y, X_test, y_test
    fraction = entry.test_fraction or 0.2
    counts = np.unique(y, return_counts=True)[1]
    stratify = y if counts.min() >= 2 else None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=fraction, random_state=0, stratify=stratify
    )
    return X_train, y_train, X_test, y_test


class DataIdentities:
    """Data identities by data spec: each distinct data set, split and size is loaded and hashed
    once, and only its hash is kept (a suite's arrays are not held while its entries run)."""

    def __init__(self):
        self._known = {}

    def __call__(self, entry):
        """The entry's data identity, or ``None`` when its data set cannot be loaded here."""
        from ..exceptions import DatasetNotFoundError

        key = entry.data_spec()
        if key not in self._known:
            try:
                self._known[key] = load_entry_data(entry).identity()
            except (DatasetNotFoundError, OSError, ValueError):
                self._known[key] = None
        return self._known[key]
