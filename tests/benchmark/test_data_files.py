"""Suites on a user's own files: a 26-class IDX folder, a 24-class CSV pair with a gap in its
labels, a colour NPZ with string labels, through every kind that reads data and the report."""

import numpy as np
import pandas as pd
import pytest

from mnistkit.benchmark import Result, SuiteError, load_suite, run_suite, write_report
from mnistkit.benchmark._data import load_entry_data
from mnistkit.benchmark._records import OK, record_path
from mnistkit.datasets import write_idx

NAMES = np.array(
    ["airplane", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck", "auto"]
)


@pytest.fixture(scope="module")
def files(tmp_path_factory, mnist_test):
    folder = tmp_path_factory.mktemp("files")
    X, y = mnist_test.data.reshape(-1, 28, 28)[:1000], mnist_test.target[:1000]
    letters = folder / "letters"
    letters.mkdir()
    labels = ((y * 3 + np.arange(1000)) % 26 + 1).astype(np.uint8)
    write_idx(letters / "emnist-letters-train-images-idx3-ubyte.gz", X[:600])
    write_idx(letters / "emnist-letters-train-labels-idx1-ubyte.gz", labels[:600])
    write_idx(letters / "emnist-letters-test-images-idx3-ubyte.gz", X[600:700])
    write_idx(letters / "emnist-letters-test-labels-idx1-ubyte.gz", labels[600:700])
    sign = (y * 3 + np.arange(1000)) % 25
    sign[sign == 9] = 10  # Sign Language MNIST has no 9 (J moves)
    table = pd.DataFrame(X.reshape(1000, -1), columns=[f"pixel{i + 1}" for i in range(784)])
    table.insert(0, "label", sign)
    table[:600].to_csv(folder / "sign_mnist_train.csv", index=False)
    table[600:700].to_csv(folder / "sign_mnist_test.csv", index=False)
    colour = np.pad(np.stack([X[:, 2:30, 2:30]] * 3, axis=-1), ((0, 0), (2, 2), (2, 2), (0, 0)))
    np.savez(folder / "cifar.npz", X=colour[:700], y=NAMES[y[:700]])
    return folder


def _write(folder, text, name="s"):
    path = folder / f"{name}.toml"
    path.write_text('[defaults]\ndataset = "file"\n' + text)
    return path


def test_each_format_loads_with_its_own_labels(files):
    suite = load_suite(
        _write(
            files,
            '[[entries]]\nid = "a"\nmodel = "pixels-knn"\npath = "letters"\n'
            '[[entries]]\nid = "b"\nmodel = "pixels-knn"\npath = "sign_mnist_train.csv"\n'
            'test_path = "sign_mnist_test.csv"\n'
            '[[entries]]\nid = "c"\nmodel = "pixels-knn"\npath = "cifar.npz"\ntest_fraction = 0.25\n',
        )
    )
    letters, sign, colour = (load_entry_data(entry) for entry in suite.entries)
    assert len(letters.target_names) == 26 and letters.X_test.shape == (100, 28, 28)
    assert "9" not in sign.target_names and len(set(sign.y_train)) == 24
    assert colour.X_train.shape == (525, 30, 30, 3) and colour.X_test.shape == (175, 30, 30, 3)
    assert sorted(colour.target_names) == sorted(NAMES)
    # Stratified and seeded: every class keeps its share, and the same samples each time.
    counts = {name: int((colour.y_test == name).sum()) for name in NAMES}
    assert all(count > 0 for count in counts.values())
    again = load_entry_data(suite.entries[2])
    assert np.array_equal(again.y_test, colour.y_test)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[entries]]\nid = "a"\nmodel = "pixels-knn"\n', r"dataset 'file' needs a 'path'"),
        (
            '[[entries]]\nid = "a"\nmodel = "pixels-knn"\npath = "cifar.npz"\ntest_path = "x.npz"\ntest_fraction = 0.2\n',
            r"either 'test_path' .* or 'test_fraction'",
        ),
        (
            '[[entries]]\nid = "a"\nmodel = "pixels-knn"\npath = "cifar.npz"\nimage_size = [8, 8]\n',
            r"'image_size' apply only to dataset 'folder'",
        ),
        (
            '[[entries]]\nid = "a"\nmodel = "pixels-knn"\ndataset = "mnist"\ntest_fraction = 0.2\n',
            r"'test_fraction' apply only to dataset 'file'",
        ),
        (
            '[[entries]]\nid = "a"\nmodel = "pixels-knn"\npath = "cifar.npz"\nsplit = "lab"\n',
            r"split 'lab' applies only to MNIST-style data sets",
        ),
    ],
)
def test_file_keys_are_checked_at_load(files, text, message):
    with pytest.raises(SuiteError, match=message):
        load_suite(_write(files, text, "bad"))


@pytest.mark.slow
def test_every_data_kind_and_the_report_run_on_the_three_formats(files):
    path = _write(
        files,
        """
[[entries]]
id = "letters-nb"
path = "letters"
model = "pixels-gaussian-nb"
[[entries]]
id = "letters-km"
kind = "clustering"
path = "letters"
features = "pca"
estimator = "sklearn.cluster:KMeans"
params = { n_clusters = 26, n_init = 1 }
[[entries]]
id = "sign-knn"
path = "sign_mnist_train.csv"
test_path = "sign_mnist_test.csv"
model = "pixels-knn"
[[entries]]
id = "sign-pca"
kind = "pca"
path = "sign_mnist_train.csv"
test_path = "sign_mnist_test.csv"
n_components = 10
reconstruct = [1, 10]
[[entries]]
id = "colour-tree"
path = "cifar.npz"
model = "pixels-decision-tree"
[[entries]]
id = "colour-sweep"
kind = "sweep"
path = "cifar.npz"
model = "pixels-decision-tree"
sweep = { param = "max_depth", values = [2, 6] }
""",
        "mine",
    )
    out = files / "out"
    summary = run_suite(path, out, progress=False)
    assert set(summary.statuses.values()) == {OK}, summary.errors
    assert Result.read(record_path(out, "colour-tree", 0)).n_test == 140
    y_true, y_pred = np.load(out / "entries" / "colour-tree" / "repeat-0.predictions.npz").values()
    assert set(y_true) <= set(NAMES) and set(y_pred) <= set(NAMES)
    sign = np.load(out / "entries" / "sign-knn" / "repeat-0.predictions.npz")["y_true"]
    assert 9 not in set(sign.tolist()) and max(sign) == 24
    text = write_report(out).with_name("summary.md").read_text()
    for entry in (
        "letters-nb",
        "letters-km",
        "sign-knn",
        "sign-pca",
        "colour-tree",
        "colour-sweep",
    ):
        assert f"| {entry} |" in text
