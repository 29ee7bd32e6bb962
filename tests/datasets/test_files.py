"""A user's own files as labelled images: NPZ (Keras layout or X/y), CSV (a label column and one
column per pixel), folders of IDX files; labels as they are; bad files named and refused."""

import gzip

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_array_equal

from mnistkit.datasets import load_labelled_images, write_idx
from mnistkit.exceptions import DatasetNotFoundError


@pytest.fixture
def images(rng):
    return rng.integers(0, 256, (40, 28, 28), dtype=np.uint8)


def _csv(path, images, labels, label_column="label"):
    table = pd.DataFrame(
        images.reshape(len(images), -1), columns=[f"pixel{i + 1}" for i in range(784)]
    )
    table.insert(0, label_column, labels)
    table.to_csv(path, index=False)
    return path


def test_npz_in_the_keras_layout_keeps_its_parts_and_colour(tmp_path, rng):
    colour = rng.integers(0, 256, (30, 32, 32, 3), dtype=np.uint8)
    names = np.array(["cat", "dog", "ship"])[np.arange(30) % 3]
    path = tmp_path / "cifar.npz"
    np.savez(path, x_train=colour[:20], y_train=names[:20], x_test=colour[20:], y_test=names[20:])
    (X, y), (X_test, y_test) = load_labelled_images(path)
    assert X.shape == (20, 32, 32, 3) and X_test.shape == (10, 32, 32, 3)
    assert_array_equal(y, names[:20])
    assert_array_equal(y_test, names[20:])


def test_npz_with_x_and_y_has_no_test_part_and_channel_one_is_dropped(tmp_path, images):
    path = tmp_path / "data.npz"
    np.savez(path, X=images[..., None], y=np.arange(40) % 4 + 1)
    (X, y), test = load_labelled_images(path)
    assert X.shape == (40, 28, 28) and test is None and sorted(set(y)) == [1, 2, 3, 4]


def test_csv_with_a_gap_in_its_labels_and_a_test_file(tmp_path, images):
    labels = np.array([label for label in range(25) if label != 9] * 2)[:40]
    train = _csv(tmp_path / "sign_mnist_train.csv", images, labels)
    test = _csv(tmp_path / "sign_mnist_test.csv", images[:10], labels[:10])
    (X, y), (_, y_test) = load_labelled_images(train, test)
    assert X.dtype == np.uint8 and X.shape == (40, 28, 28)
    assert_array_equal(X, images)
    assert 9 not in set(y) and len(set(y)) == 24
    assert_array_equal(y_test, labels[:10])


def test_csv_with_string_labels_in_another_column(tmp_path, images):
    path = _csv(tmp_path / "letters.csv", images, np.array(list("abcd") * 10), "letter")
    (_, y), _ = load_labelled_images(path, label_column="letter")
    assert sorted(set(y)) == ["a", "b", "c", "d"]
    with pytest.raises(
        ValueError, match=r"has no label column 'label'; its first columns are \['letter'"
    ):
        load_labelled_images(path)


@pytest.mark.parametrize("compress", [False, True])
def test_a_folder_of_idx_files_of_any_size_and_26_classes(tmp_path, rng, compress):
    images = rng.integers(0, 256, (52, 20, 24), dtype=np.uint8)
    labels = (np.arange(52) % 26 + 1).astype(np.uint8)
    suffix = ".gz" if compress else ""
    write_idx(tmp_path / f"emnist-letters-train-images-idx3-ubyte{suffix}", images[:40])
    write_idx(tmp_path / f"emnist-letters-train-labels-idx1-ubyte{suffix}", labels[:40])
    write_idx(tmp_path / f"emnist-letters-test-images-idx3-ubyte{suffix}", images[40:])
    write_idx(tmp_path / f"emnist-letters-test-labels-idx1-ubyte{suffix}", labels[40:])
    (X, y), (X_test, _) = load_labelled_images(tmp_path)
    assert X.shape == (40, 20, 24) and X_test.shape == (12, 20, 24)
    assert sorted(set(y.tolist())) == list(range(1, 27))


def _write(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda p, im: _write(p / "x.npz", b"<html>not found</html>"),
            r"x.npz is not a NumPy .npz archive \(a zip file\): it starts with b'<htm'",
        ),
        (
            lambda p, im: _write(p / "x.csv", gzip.compress(b"label,pixel1\n")),
            r"x.csv is not a CSV text file",
        ),
        (
            lambda p, im: _write(p / "x.txt", b"1,2"),
            r"mnistkit reads .npz archives, .csv tables and folders of IDX files; .txt is none",
        ),
        (
            lambda p, im: np.savez(p / "x.npz", X=im, y=np.arange(39)) or p / "x.npz",
            r"40 images but 39 labels",
        ),
        (
            lambda p, im: (
                np.savez(p / "x.npz", X=np.where(im > 250, np.nan, im / 1.0), y=np.arange(40) % 2)
                or p / "x.npz"
            ),
            r"image \d+ has NaN or infinite pixels",
        ),
        (
            lambda p, im: np.savez(p / "x.npz", X=im, y=np.zeros(40)) or p / "x.npz",
            r"the training part has one class only",
        ),
        (
            lambda p, im: (
                np.savez(p / "x.npz", X=im.reshape(40, -1), y=np.arange(40) % 2) or p / "x.npz"
            ),
            r"images must be an array of shape \(n, height, width\)",
        ),
        (
            lambda p, im: np.savez(p / "x.npz", images=im) or p / "x.npz",
            r"holds arrays \['images'\]; expected x_train, y_train",
        ),
        (
            lambda p, im: (
                np.savez(
                    p / "x.npz",
                    x_train=im,
                    y_train=np.arange(40) % 2,
                    x_test=im[:, :20],
                    y_test=np.arange(40) % 2,
                )
                or p / "x.npz"
            ),
            r"training images are \(28, 28\) but test images are \(20, 28\)",
        ),
        (
            lambda p, im: _write(
                p / "x.csv", b"label,pixel1,pixel2,pixel3,pixel4\n1,0,0,a,0\n2,0,0,0,0\n"
            ),
            r"pixel column 'pixel3' holds text \(e.g. 'a'\), not numbers",
        ),
        (  # one stray word lower down: that word and its line are named
            lambda p, im: _write(
                p / "x.csv", b"label,pixel1,pixel2,pixel3,pixel4\n1,0,0,5,0\n2,0,0,b,0\n"
            ),
            r"pixel column 'pixel3' holds text \(e.g. 'b'\), not numbers \(line 3 of the file\)",
        ),
        (
            lambda p, im: _write(p / "x.csv", b"label,pixel1,pixel2,pixel3\n1,0,0,0\n2,0,0,0\n"),
            r"3 pixel columns is not a square image",
        ),
        (
            lambda p, im: (p / "idx").mkdir() or _write(p / "idx" / "notes.txt", b"x").parent,
            r"holds no IDX training files",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_it_and_the_problem(tmp_path, images, make, message):
    path = make(tmp_path, images)
    with pytest.raises(ValueError, match=message):
        load_labelled_images(path)


def test_a_missing_file_is_a_missing_data_set(tmp_path):
    with pytest.raises(DatasetNotFoundError, match=r"nothere.npz does not exist"):
        load_labelled_images(tmp_path / "nothere.npz")
