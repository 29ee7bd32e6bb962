"""The kinds' own computations, on small arrays: exploration figures, collated findings, the
lab's random 54k/6k split."""

import numpy as np
import pytest

from mnistkit.benchmark._kinds._base import confusion_cells
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


def test_a_classifier_on_clusters_records_the_clustering_measures_and_unnamed_classes():
    from sklearn.cluster import KMeans
    from sklearn.pipeline import make_pipeline

    from mnistkit.benchmark._kinds.classifier import ClassifierKind, _cluster_measures
    from mnistkit.benchmark._records import Result
    from mnistkit.cluster import ClusterClassifier

    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [10, 0], [0, 10], [10, 10]])
    y = np.repeat([0, 1, 2, 3], 30)
    X = centres[y] + rng.normal(0, 0.5, (120, 2))
    y[y == 3] = 2  # four blobs, three classes: two clusters share class 2
    y[:5] = 3  # ... and a fourth class too small to win any cluster
    model = make_pipeline(ClusterClassifier(KMeans(4, n_init=4, random_state=0), random_state=0))
    measures = _cluster_measures(model.fit(X, y), y)
    assert measures["unnamed_classes"] == [3]
    assert 0 < measures["homogeneity"] <= 1 and 0 < measures["adjusted_mutual_info"] <= 1
    assert set(measures) == {
        "homogeneity",
        "completeness",
        "adjusted_rand",
        "adjusted_mutual_info",
        "unnamed_classes",
    }
    assert _cluster_measures(make_pipeline(KMeans(2)), y) == {}  # not a classifier on clusters
    result = Result(id="k", repeat=0, seed=0, status="ok", entry={})
    result.metrics = {"labels": [0, 1, 2, 3], "target_names": ["a", "b", "c", "d"], **measures}
    kind = ClassifierKind()
    assert "No cluster was named d: the classifier never predicts it" in " ".join(
        kind.card_lines(result)
    )
    facts = {fact.label: fact.value for fact in kind.facts(result)}
    assert facts["homogeneity (training clusters)"] == measures["homogeneity"]


def test_learning_curves_draw_the_held_out_part_beside_the_training_one():
    from mnistkit.benchmark._kinds.classifier import ClassifierKind
    from mnistkit.benchmark._records import Result

    class NoPredictions:
        def predictions(self, result):
            return None

    result = Result(id="net", repeat=0, seed=0, status="ok", entry={})
    result.details["history"] = {
        "loss": [0.9, 0.5, 0.3],
        "val_loss": [1.0, 0.6, 0.5],
        "accuracy": [0.7, 0.8, 0.9],
        "val_accuracy": [0.6, 0.75, 0.8],
    }
    figures = {
        stem: figure for _, stem, figure in ClassifierKind().figures(result, NoPredictions())
    }
    for metric in ("loss", "accuracy"):
        labels = [line.get_label() for line in figures[metric].axes[0].get_lines()]
        assert "training" in labels and "validation" in labels, labels
    import matplotlib.pyplot as plt

    plt.close("all")
