"""Displays in scikit-learn's pattern: pyplot figures when ax=None, the user's axes otherwise."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.tree import DecisionTreeClassifier

from mnistkit.metrics import evaluate
from mnistkit.plotting import (
    ClassScoresDisplay,
    ConfusionMatrixDisplay,
    EmbeddingDisplay,
    ExplainedVarianceDisplay,
    MisclassifiedDisplay,
    ReconstructionDisplay,
    TrainingHistoryDisplay,
    plot_image_grid,
    plot_misclassified,
)


@pytest.fixture(scope="module")
def fitted(mnist_test):
    X, y = mnist_test.data, mnist_test.target
    tree = DecisionTreeClassifier(max_depth=5, random_state=0).fit(X[:1500], y[:1500])
    return tree, X[1500:1800], y[1500:1800], mnist_test.images[1500:1800]


def test_a_plot_without_ax_is_a_pyplot_figure_and_with_ax_draws_there(mnist_test):
    ax = plot_image_grid(mnist_test.images[:10])
    assert plt.get_fignums() == [ax.figure.number]  # notebooks and sphinx-gallery see it
    own = Figure().add_subplot()
    assert plot_image_grid(mnist_test.images[:10], ax=own) is own
    assert len(plt.get_fignums()) == 1  # nothing new in pyplot


def test_confusion_matrix_display_from_estimator_and_predictions_agree(fitted):
    tree, X, y, _ = fitted
    display = ConfusionMatrixDisplay.from_estimator(tree, X, y)
    assert display.figure_ is display.ax_.figure
    expected = evaluate(y, tree.predict(X), labels=tree.classes_).confusion_matrix
    np.testing.assert_array_equal(display.evaluation.confusion_matrix, expected)
    assert display.text_[3, 3].get_text() == str(expected[3, 3])
    assert display.im_.get_array().shape == (10, 10)
    other = ConfusionMatrixDisplay.from_predictions(y, tree.predict(X), normalize=True)
    assert "row-normalised" in other.ax_.get_title()
    assert (
        other.text_[0, 0].get_text() == f"{other.evaluation.confusion_matrix_normalized[0, 0]:.2f}"
    )


def test_display_plot_draws_into_the_given_axes_and_returns_itself(fitted):
    tree, X, y, images = fitted
    evaluation = evaluate(y, tree.predict(X), images=images)
    figure = Figure()
    left, right = figure.subplots(1, 2)
    display = ConfusionMatrixDisplay(evaluation)
    assert display.plot(ax=left) is display and display.ax_ is left
    assert display.figure_ is figure
    scores = ClassScoresDisplay(evaluation).plot(ax=right)
    assert len(scores.bars_["f1"]) == 10 and scores.ax_ is right
    assert plt.get_fignums() == []
    assert "not drawn yet" in repr(ClassScoresDisplay(evaluation))


def test_misclassified_display_from_estimator_draws_X_as_images(fitted):
    tree, X, y, _ = fitted
    display = MisclassifiedDisplay.from_estimator(tree, X, y, n_images=6)
    wrong = np.flatnonzero(tree.predict(X) != y)
    np.testing.assert_array_equal(display.indices_, wrong[:6])
    assert len(display.ax_.texts) == 6
    perfect = MisclassifiedDisplay.from_predictions(y, y, X)
    assert len(perfect.indices_) == 0 and "No misclassified" in perfect.ax_.texts[0].get_text()


def test_long_captions_wrap_and_never_overlap(mnist_test):
    """Fashion-MNIST's "T-shirt/top -> Pullover" captions once ran into their neighbours."""
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
             "Sneaker", "Bag", "Ankle boot"]  # fmt: skip
    y_true = np.repeat([0, 2, 4, 6, 9], 4)
    y_pred = np.repeat([6, 4, 2, 0, 0], 4)
    evaluation = evaluate(y_true, y_pred, labels=np.arange(10), target_names=names)
    ax = plot_misclassified(evaluation, mnist_test.images[:20], n_images=20, n_cols=5)
    assert ax.texts[0].get_text() == "T-shirt/top\n-> Shirt"
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in ax.texts]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            assert not first.overlaps(second)


def test_training_history_display_from_a_fitted_network():
    class Network:
        history_ = {"loss": [0.5, 0.3], "accuracy": [0.8, 0.9]}

    display = TrainingHistoryDisplay.from_estimator(Network(), metric="accuracy")
    assert [list(line.get_ydata()) for line in display.lines_] == [[0.8, 0.9]]
    with pytest.raises(
        ValueError, match="DecisionTreeClassifier has no history_: fit a mnistkit network"
    ):
        TrainingHistoryDisplay.from_estimator(DecisionTreeClassifier())


def test_pca_and_embedding_displays(mnist_test):
    X = mnist_test.data[:800] / 255.0
    pca = PCA(30, random_state=0).fit(X)
    display = ExplainedVarianceDisplay.from_estimator(pca)
    assert display.n_components_needed_ == {}  # 30 components explain less than 80% here
    assert pca.explained_variance_ratio_.sum() < 0.8
    assert ExplainedVarianceDisplay([0.5, 0.3, 0.2]).plot().n_components_needed_[0.9] == 3
    reconstruction = ReconstructionDisplay.from_estimator(pca, X, n_components=(5, 30), n_images=2)
    assert [t.get_text() for t in reconstruction.ax_.texts][:3] == ["original", "k=5", "k=30"]
    assert reconstruction.reconstructions[30].shape == (2, 28, 28)
    embedding = EmbeddingDisplay.from_estimator(PCA(2).fit(X), X, mnist_test.target[:800])
    assert embedding.points_.get_offsets().shape == (800, 2)
    with pytest.raises(TypeError, match="needs a fitted transformer with transform"):
        EmbeddingDisplay.from_estimator(DecisionTreeClassifier(), X, mnist_test.target[:800])
    with pytest.raises(TypeError, match="needs a fitted classifier with predict"):
        ConfusionMatrixDisplay.from_estimator(PCA(), X, mnist_test.target[:800])
