import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.metrics import confusion_matrix, recall_score

from mnistkit.metrics import mcnemar_test, most_confused_pairs, specificity_score


@pytest.fixture
def predictions(rng):
    y_true = rng.integers(0, 4, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 4, 300))
    return y_true, y_pred


def test_specificity_per_class_by_hand(predictions):
    y_true, y_pred = predictions
    matrix = confusion_matrix(y_true, y_pred)
    expected = []
    for k in range(4):
        fp = matrix[:, k].sum() - matrix[k, k]
        tn = matrix.sum() - matrix[k, :].sum() - matrix[:, k].sum() + matrix[k, k]
        expected.append(tn / (tn + fp))
    assert_allclose(specificity_score(y_true, y_pred, average=None), expected)
    assert_allclose(specificity_score(y_true, y_pred, average="macro"), np.mean(expected))
    support = np.bincount(y_true)
    assert_allclose(
        specificity_score(y_true, y_pred, average="weighted"), np.average(expected, weights=support)
    )


def test_binary_specificity_is_recall_of_negative_class(rng):
    y_true = rng.integers(0, 2, 200)
    y_pred = rng.integers(0, 2, 200)
    assert_allclose(
        specificity_score(y_true, y_pred, pos_label=1), recall_score(y_true, y_pred, pos_label=0)
    )
    labels_true = np.where(y_true == 1, "PNEUMONIA", "NORMAL")
    labels_pred = np.where(y_pred == 1, "PNEUMONIA", "NORMAL")
    assert_allclose(
        specificity_score(labels_true, labels_pred, pos_label="PNEUMONIA"),
        recall_score(y_true, y_pred, pos_label=0),
    )


def test_specificity_errors(predictions):
    y_true, y_pred = predictions
    with pytest.raises(
        ValueError, match="average='binary' needs two classes but the labels have 4"
    ):
        specificity_score(y_true, y_pred)
    with pytest.raises(
        ValueError, match="The 'average' parameter of specificity_score must be a str among"
    ):
        specificity_score(y_true, y_pred, average="micro")
    with pytest.raises(ValueError, match="y_true has 300 labels but y_pred has 299"):
        specificity_score(y_true, y_pred[:-1], average=None)
    with pytest.raises(ValueError, match="empty"):
        specificity_score([], [], average=None)


def test_most_confused_pairs_brute_force(predictions):
    y_true, y_pred = predictions
    counts = {}
    for t, p in zip(y_true, y_pred, strict=True):
        if t != p:
            counts[(t, p)] = counts.get((t, p), 0) + 1
    top = sorted(counts.items(), key=lambda item: -item[1])[:5]
    result = most_confused_pairs(y_true, y_pred, k=5)
    assert [count for *_, count in result] == [count for _, count in top]
    for true, pred, count in result:
        assert counts[(true, pred)] == count


def test_most_confused_symmetric_and_labels():
    y_true = ["3", "3", "5", "4", "9", "9"]
    y_pred = ["5", "5", "3", "9", "4", "9"]
    assert most_confused_pairs(y_true, y_pred, k=10, symmetric=True) == [
        ("3", "5", 3),
        ("4", "9", 2),
    ]
    assert most_confused_pairs([1, 2], [1, 2]) == []


def test_mcnemar_against_hand_computation(rng):
    y = rng.integers(0, 3, 1000)
    a = np.where(rng.random(1000) < 0.9, y, (y + 1) % 3)
    b = np.where(rng.random(1000) < 0.8, y, (y + 1) % 3)
    result = mcnemar_test(y, a, b)
    only_a = np.sum((a == y) & (b != y))
    only_b = np.sum((a != y) & (b == y))
    assert (result.only_a_correct, result.only_b_correct) == (only_a, only_b)
    from scipy.stats import chi2

    statistic = (abs(only_a - only_b) - 1) ** 2 / (only_a + only_b)
    assert_allclose(result.statistic, statistic)
    assert_allclose(result.pvalue, chi2.sf(statistic, 1))
    assert result.significant()


def test_mcnemar_exact_and_identical():
    y = np.zeros(20, dtype=int)
    a = y.copy()
    b = y.copy()
    b[:3] = 1
    result = mcnemar_test(y, a, b)
    assert result.exact and result.only_a_correct == 3
    assert_allclose(result.pvalue, 0.25)  # two-sided binomial: 2 * 0.5**3
    same = mcnemar_test(y, a, a)
    assert same.pvalue == 1.0 and not same.significant()


def test_specificity_with_an_absent_pos_label_is_an_error():
    # Issue: the default pos_label=1 is absent from string labels, and 1.0 came back.
    with pytest.raises(ValueError, match=r"pos_label=1 is not one of the labels \['a', 'b'\]"):
        specificity_score(["a", "b", "a"], ["a", "b", "b"])
    assert specificity_score(["a", "b", "a"], ["a", "b", "b"], pos_label="b") == 0.5
