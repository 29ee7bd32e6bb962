"""The benchmark guide's worked examples (``docs/user_guide/benchmark_examples``) run as
written, on files in their real layouts made here from MNIST test images, and the shipped
Fashion-MNIST-benchmark suite loads with its published figure on every entry."""

import shutil
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mnistkit.benchmark import find_suite, load_results, load_suite, run_suite, write_report
from mnistkit.benchmark._records import OK

EXAMPLES = Path(__file__).parents[2] / "docs" / "user_guide" / "benchmark_examples"
LETTERS = np.array(list(string.ascii_uppercase))
GARMENTS = np.array(["tee", "trousers", "pullover", "dress", "coat", "sandal"])


@pytest.fixture(scope="module")
def examples(tmp_path_factory, mnist_test):
    folder = tmp_path_factory.mktemp("guide") / "examples"
    shutil.copytree(EXAMPLES, folder, ignore=shutil.ignore_patterns("__pycache__"))
    images = mnist_test.data.reshape(-1, 28, 28)[:780]
    labels = LETTERS[mnist_test.target[:780]]  # "A" to "J"
    table = pd.DataFrame(images.reshape(780, -1), columns=[f"pixel{i}" for i in range(784)])
    table.insert(0, "letter", labels)
    table.to_csv(folder / "letters.csv", index=False)
    # 32 x 32 x 3 images of the digits 0-5, each painted in a random colour, named as garments.
    keep = np.flatnonzero(mnist_test.target < 6)[:360]
    hue = np.random.default_rng(0).uniform(0.2, 1.0, size=(len(keep), 1, 1, 3))
    digits = np.pad(mnist_test.data.reshape(-1, 28, 28)[keep], ((0, 0), (2, 2), (2, 2)))
    np.savez(
        folder / "colour.npz",
        X=(digits[..., None] * hue).astype(np.uint8),
        y=GARMENTS[mnist_test.target[keep]],
    )
    return folder


def test_the_fashion_benchmark_suite_names_ten_published_configurations():
    suite = load_suite(find_suite("fashion-benchmark"))
    published = [entry for entry in suite.entries if entry.probe_of is None]
    assert len(published) == 10
    for entry in published:
        assert entry.estimator.startswith("sklearn.") and entry.features == "standardized"
        assert 0.5 < entry.reported["test_accuracy"] < 0.9
        assert entry.reported_note.startswith("Table 3: ")
    probed = {entry.probe_of for entry in suite.entries} - {None}
    assert probed <= {entry.id for entry in published}


@pytest.mark.slow
def test_the_guide_examples_run_with_their_own_models_and_class_names(examples):
    out = examples / "results"
    for name in ("letters-csv", "colour", "my-network"):
        summary = run_suite(examples / f"{name}.toml", out / name, progress=False)
        assert set(summary.statuses.values()) == {OK}, summary.errors
    results = load_results([out / "letters-csv", out / "colour", out / "my-network"])
    assert set(results["id"]) == {
        "letters-hog-svc", "letters-kmeans", "colour-hog-svc", "colour-pca",
        "small-cnn", "small-cnn-width",
    }  # fmt: skip
    scores = results.set_index("id")["score"]
    assert min(scores[["colour-hog-svc", "letters-hog-svc", "small-cnn"]]) > 0.6
    letters = np.load(
        out / "letters-csv" / "entries" / "letters-hog-svc" / "repeat-0.predictions.npz"
    )
    assert set(letters["y_true"]) == set(LETTERS[:10])
    colour = np.load(out / "colour" / "entries" / "colour-hog-svc" / "repeat-0.predictions.npz")
    assert set(colour["y_true"]) == set(GARMENTS)
    page = write_report(out / "colour").read_text(encoding="utf-8")
    assert "sandal" in page
