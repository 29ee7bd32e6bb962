"""The kinds' own computations, on small arrays: exploration figures, collated findings, the
lab's random 54k/6k split."""

import numpy as np
import pytest

from mnistkit.benchmark._kinds.collate import confusion_cells
from mnistkit.benchmark._kinds.exploration.class_counts import class_counts
from mnistkit.benchmark._kinds.exploration.nearest_farthest import nearest_and_farthest
from mnistkit.benchmark._records import Entry


def test_class_counts_and_the_images_nearest_to_and_farthest_from_their_class_mean():
    X = np.array([[0, 0], [1, 1], [10, 10], [5, 5], [5, 6], [5, 40]], dtype=np.uint8)
    y = np.array([0, 0, 0, 1, 1, 1])
    assert class_counts(y) == {"0": 3, "1": 3}
    chosen = nearest_and_farthest(X, y)
    # Class 0's mean is (3.67, 3.67): image 1 is nearest, image 2 farthest.
    assert chosen["euclidean"]["0"] == [1, 2]
    assert chosen["euclidean"]["1"] == [4, 5]
    # The lab's ranking by the mean signed difference is kept beside it.
    assert set(chosen["signed"]) == {"0", "1"}


def test_confusion_cells_list_every_cell_at_the_bar_largest_first():
    metrics = {
        "target_names": ["a", "b", "c"],
        "confusion_matrix": [[50, 12, 0], [3, 40, 10], [11, 0, 60]],
    }
    assert confusion_cells(metrics, 10) == [
        "a read as b (12)",
        "c read as a (11)",
        "b read as c (10)",
    ]
    assert confusion_cells(metrics, 13) == []


def test_the_54k_6k_split_is_the_labs_random_hold_out_of_the_training_images():
    from sklearn.model_selection import train_test_split

    from mnistkit.benchmark._data import load_entry_data
    from mnistkit.datasets import load_mnist

    data = load_entry_data(Entry(id="x", model="pixels-knn", split="54k/6k"))
    assert len(data.y_train) == 54_000 and len(data.y_test) == 6_000
    X, y = load_mnist(return_X_y=True)
    _, X_held, _, y_held = train_test_split(X, y, test_size=0.1, random_state=42)
    np.testing.assert_array_equal(data.X_test, X_held)
    np.testing.assert_array_equal(data.y_test, y_held)
    assert data.test_images.shape == (6_000, 28, 28)


@pytest.mark.parametrize("bad", [[], [0], ["ten"]])
def test_pca_reconstruct_counts_must_be_positive_integers(suite_file, bad):
    from mnistkit.benchmark import load_suite
    from mnistkit.benchmark._fields import SuiteError

    text = f'[[entries]]\nid = "p"\nkind = "pca"\nreconstruct = {bad!r}\n'.replace("'", '"')
    with pytest.raises(SuiteError, match="'reconstruct' must be a non-empty array of positive"):
        load_suite(suite_file(text))


def test_networks_in_a_benchmark_compute_in_float32_unless_the_entry_says_otherwise():
    from mnistkit.benchmark._kinds._base import build_model

    plain = build_model(Entry(id="m", model="pixels-mlp"), 0)
    assert plain.get_params()["kerasmlp__precision"] == "float32"
    chosen = build_model(
        Entry(id="c", model="pixels-cnn", params={"kerascnn__precision": "auto"}), 0
    )
    assert chosen.get_params()["kerascnn__precision"] == "auto"


@pytest.mark.parametrize(
    "precision, line",
    [
        ("float32", "The network trained in float32."),
        (
            "mixed_bfloat16",
            "The network trained in bfloat16 (Keras policy mixed_bfloat16: float32 weights).",
        ),
        (None, None),  # not a network: no line
    ],
)
def test_a_network_card_says_the_precision_it_trained_in(precision, line):
    from mnistkit.benchmark._kinds.classifier import ClassifierKind
    from mnistkit.benchmark._records import Result

    details = {"precision": precision} if precision else {}
    result = Result(id="n", repeat=0, seed=0, status="ok", entry={}, details=details)
    lines = ClassifierKind().card_lines(result)
    assert (line in lines) if line else not any("trained in" in text for text in lines)
