import json

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    log_loss,
    roc_auc_score,
)

from mnistkit.metrics import evaluate, evaluate_estimator


@pytest.fixture
def multiclass(rng):
    y_true = rng.integers(0, 4, 400)
    scores = rng.random((400, 4)) + np.eye(4)[y_true] * 0.8
    y_score = scores / scores.sum(axis=1, keepdims=True)
    return y_true, y_score.argmax(axis=1), y_score


def test_figures_match_sklearn(multiclass):
    y_true, y_pred, y_score = multiclass
    evaluation = evaluate(y_true, y_pred, y_score=y_score, target_names=list("abcd"))
    report = classification_report(y_true, y_pred, output_dict=True)
    assert_allclose(evaluation.accuracy, accuracy_score(y_true, y_pred))
    assert_allclose(evaluation.balanced_accuracy, balanced_accuracy_score(y_true, y_pred))
    assert_allclose(evaluation.f1_macro, f1_score(y_true, y_pred, average="macro"))
    assert_allclose(evaluation.f1_weighted, report["weighted avg"]["f1-score"])
    assert_allclose(
        evaluation.per_class["precision"], [report[str(k)]["precision"] for k in range(4)]
    )
    assert_allclose(evaluation.per_class["recall"], [report[str(k)]["recall"] for k in range(4)])
    assert (evaluation.confusion_matrix == confusion_matrix(y_true, y_pred)).all()
    assert_allclose(evaluation.confusion_matrix_normalized.sum(axis=1), 1)
    assert_allclose(evaluation.log_loss, log_loss(y_true, y_score))
    assert_allclose(evaluation.roc_auc, roc_auc_score(y_true, y_score, multi_class="ovr"))
    table = evaluation.per_class
    assert (table.tp + table.fn == table.support).all()
    assert (table.tp + table.fp + table.fn + table.tn == 400).all()
    assert list(table.index) == list("abcd")


def test_renderings(multiclass):
    y_true, y_pred, y_score = multiclass
    evaluation = evaluate(y_true, y_pred, y_score=y_score)
    text = str(evaluation)
    assert "accuracy" in text and "Most confused" in text and "specif." in text
    as_dict = json.loads(evaluation.to_json())
    assert as_dict["accuracy"] == evaluation.accuracy
    assert len(as_dict["per_class"]) == 4 and as_dict["per_class"][0]["class"] == "0"
    frame = evaluation.to_frame()
    assert list(frame.index[-2:]) == ["macro avg", "weighted avg"]
    assert_allclose(frame.loc["macro avg", "f1"], evaluation.f1_macro)


def test_binary_positive_class():
    y_true = np.array(["NORMAL"] * 6 + ["PNEUMONIA"] * 4)
    y_pred = np.array(["NORMAL"] * 3 + ["PNEUMONIA"] * 3 + ["PNEUMONIA"] * 3 + ["NORMAL"])
    evaluation = evaluate(y_true, y_pred, pos_label="PNEUMONIA", y_score=np.linspace(0, 1, 10))
    assert evaluation.binary["recall"] == 0.75  # sensitivity: 3 of 4 pneumonia found
    assert evaluation.binary["specificity"] == 0.5  # 3 of 6 normal kept
    assert_allclose(evaluation.binary["precision"], 0.5)
    assert "positive class 'PNEUMONIA'" in str(evaluation)
    assert evaluation.roc_auc is not None


def test_bad_input(multiclass):
    y_true, y_pred, y_score = multiclass
    with pytest.raises(ValueError, match="y_true has 400 labels but y_pred has 10"):
        evaluate(y_true, y_pred[:10])
    with pytest.raises(ValueError, match="empty"):
        evaluate([], [])
    with pytest.raises(
        ValueError, match=r"contain labels \[2, 3\] that are not in labels=\[0, 1\]"
    ):
        evaluate(y_true, y_pred, labels=[0, 1])
    with pytest.raises(ValueError, match=r"y_score has shape \(400, 3\); expected \(400, 4\)"):
        evaluate(y_true, y_pred, y_score=y_score[:, :3])
    with pytest.raises(ValueError, match="target_names has 2 names but there are 4 labels"):
        evaluate(y_true, y_pred, target_names=["a", "b"])
    with pytest.raises(ValueError, match="pos_label=7 is not one of the labels"):
        evaluate(y_true, y_pred, pos_label=7)


@pytest.mark.slow
def test_evaluate_estimator_records_time_and_uses_classes(mnist_test):
    X, y = mnist_test.data[:1500] / 255.0, mnist_test.target[:1500]
    model = LogisticRegression(max_iter=200).fit(X[:1000], y[:1000])
    evaluation = evaluate_estimator(model, X[1000:], y[1000:], images=mnist_test.images[1000:1500])
    assert evaluation.extras["predict_seconds"] >= 0
    assert_allclose(evaluation.accuracy, model.score(X[1000:], y[1000:]))
    assert evaluation.log_loss is not None
    assert evaluation.images.shape == (500, 28, 28)


def test_evaluate_estimator_keeps_image_input_for_plots(mnist_test):
    from sklearn.naive_bayes import GaussianNB

    from mnistkit import Pipeline
    from mnistkit.feature_extraction import HOGTransformer

    images, y = mnist_test.images[:300], mnist_test.target[:300]
    pipe = Pipeline([HOGTransformer(), GaussianNB()]).fit(
        mnist_test.images[300:1300], mnist_test.target[300:1300]
    )
    evaluation = evaluate_estimator(pipe, images, y)
    assert evaluation.images is images or np.shares_memory(evaluation.images, images)
    flat = evaluate_estimator(pipe, mnist_test.data[:300], y)
    assert flat.images is None  # flat rows are features, not images


@pytest.mark.parametrize(
    ("y_score", "message"),
    [
        (
            np.array([[2.0, -1.0], [0.5, 0.5], [0.2, 0.8]]),
            r"y_score must hold probabilities in \[0, 1\] .*from -1 to 2",
        ),
        (np.array([[0.2, 0.2], [0.5, 0.5], [0.2, 0.8]]), r"y_score rows must each sum to 1"),
        (np.array([[np.nan, 1.0], [0.5, 0.5], [0.2, 0.8]]), r"y_score must hold probabilities"),
    ],
)
def test_scores_that_are_not_probabilities_are_named(y_score, message):
    with pytest.raises(ValueError, match=message):
        evaluate([0, 1, 1], [0, 1, 1], y_score=y_score)


def test_a_k_nn_is_evaluated_with_one_neighbour_search():
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(0)
    X, y = rng.random((300, 8)), rng.integers(0, 3, 300)
    calls = []

    class Counted(KNeighborsClassifier):
        def kneighbors(self, *args, **kwargs):
            calls.append(1)
            return super().kneighbors(*args, **kwargs)

    knn = Counted(n_neighbors=4).fit(X[:200], y[:200])
    evaluation = evaluate_estimator(knn, X[200:], y[200:])
    assert len(calls) == 1
    calls.clear()
    np.testing.assert_array_equal(evaluation.y_pred, knn.predict(X[200:]))  # ties alike
    assert evaluation.log_loss is not None
