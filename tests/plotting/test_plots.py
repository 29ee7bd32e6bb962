import io

import numpy as np
import pytest
from PIL import Image
from sklearn.decomposition import PCA

from mnistkit.metrics import evaluate
from mnistkit.plotting import (
    ConfusionMatrixDisplay,
    plot_class_distribution,
    plot_class_means,
    plot_confusion_matrix,
    plot_embedding,
    plot_explained_variance,
    plot_hog,
    plot_image_grid,
    plot_learning_curves,
    plot_misclassified,
    plot_per_class_f1,
    plot_reconstructions,
)


def render(ax):
    """Render the figure to PNG with the Agg backend; return the decoded image."""
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=60)
    image = Image.open(io.BytesIO(buffer.getvalue()))
    assert image.size[0] > 100 and image.size[1] > 100
    pixels = np.asarray(image.convert("L"))
    assert pixels.std() > 5  # something was drawn, not a blank canvas
    return image


@pytest.fixture
def evaluation(mnist_test, rng):
    y_true = mnist_test.target[:300]
    y_pred = np.where(rng.random(300) < 0.85, y_true, rng.integers(0, 10, 300))
    return evaluate(y_true, y_pred, images=mnist_test.images[:300])


def test_confusion_matrix_counts_and_normalized(evaluation):
    ax = plot_confusion_matrix(evaluation)
    assert ax.get_xlabel() == "Predicted label" and ax.get_ylabel() == "True label"
    assert "accuracy" in ax.get_title()
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 100 and str(evaluation.confusion_matrix[0, 0]) in texts
    assert len(ax.figure.axes) == 2  # the colour bar
    render(ax)
    ax = plot_confusion_matrix(evaluation, normalize=True)
    assert "row-normalised" in ax.get_title()
    assert f"{evaluation.confusion_matrix_normalized[0, 0]:.2f}" in [t.get_text() for t in ax.texts]
    render(ax)


def test_confusion_matrix_highlight_errors():
    # 990 right per class and a few errors: on the usual scale every error is a white cell.
    counts = [990, 7, 990, 990, 2]
    y_true = np.repeat([0, 0, 1, 2, 2], counts)
    y_pred = np.repeat([0, 1, 1, 2, 0], counts)
    display = ConfusionMatrixDisplay.from_predictions(y_true, y_pred)
    display.plot(highlight_errors=True)
    colour = display.im_.to_rgba(display.im_.get_array())
    assert np.ma.is_masked(display.im_.get_array()[0, 0])  # the diagonal is not on the scale
    assert display.im_.norm.vmax == 7  # the scale ends at the largest error
    assert colour[0, 1, 1] < colour[2, 0, 1] < colour[1, 0, 1]  # 7 darker than 2 darker than 0
    assert display.text_[0, 1].get_text() == "7" and display.text_[0, 0].get_text() == "990"
    assert display.text_[0, 0].get_color() == "black"
    assert "errors coloured" in display.ax_.get_title()
    render(display.ax_)


def test_per_class_f1(evaluation):
    ax = plot_per_class_f1(evaluation)
    assert len(ax.patches) == 30
    assert ax.get_ylabel() == "Score"
    render(ax)


def test_learning_curves():
    history = {
        "loss": [1.0, 0.5, 0.3],
        "val_loss": [1.1, 0.6, 0.7],
        "accuracy": [0.6, 0.8, 0.9],
        "val_accuracy": [0.5, 0.7, 0.75],
    }
    ax = plot_learning_curves(history, metric="accuracy")
    assert ax.get_xlabel() == "Epoch" and ax.get_ylabel() == "accuracy (logit scale)"
    assert [list(line.get_ydata()) for line in ax.get_lines()[:2]] == [
        history["accuracy"],
        history["val_accuracy"],
    ]
    render(ax)
    assert plot_learning_curves(history, metric="accuracy", scale="linear").get_ylabel() == (
        "accuracy"
    )
    with pytest.raises(ValueError, match="history has no 'f1' curve"):
        plot_learning_curves(history, metric="f1")


@pytest.mark.parametrize(
    "metric, curve, scale, labels",
    [
        # A steep first epoch: logit keeps the end (0.985-0.993) apart from the start (0.55).
        ("accuracy", [0.55, 0.9, 0.95, 0.98, 0.985, 0.99, 0.993], "logit", {"0.9", "0.99"}),
        # Too narrow for three labelled logit ticks: linear.
        ("accuracy", [0.96, 0.97, 0.975, 0.977], "linear", None),
        # Accuracy reaching 1 has no logit: linear.
        ("accuracy", [0.5, 0.9, 1.0, 1.0], "linear", None),
        # A loss over two decades: log, labelled 1, 0.1 ... not 10^-1.
        ("loss", [1.3, 0.3, 0.1, 0.05, 0.03], "log", {"1", "0.1", "0.05"}),
        ("loss", [0.4, 0.15, 0.1, 0.09], "linear", None),
    ],
)
def test_learning_curve_scale(metric, curve, scale, labels):
    ax = plot_learning_curves({metric: curve}, metric=metric)
    assert ax.get_yscale() == scale
    render(ax)
    if labels:
        assert labels <= {tick.get_text() for tick in ax.get_yticklabels()}


def test_misclassified(evaluation):
    ax = plot_misclassified(evaluation, n_images=12)
    captions = [t.get_text() for t in ax.texts]
    assert len(captions) == 12 and all(" -> " in c for c in captions)
    i = evaluation.misclassified_indices[0]
    assert captions[0] == f"{evaluation.y_true[i]} -> {evaluation.y_pred[i]}"
    render(ax)
    with pytest.raises(ValueError, match="images has 5 entries but the evaluation has 300"):
        plot_misclassified(evaluation, images=np.zeros((5, 28, 28)))


def test_data_plots(mnist_test):
    images, labels = mnist_test.images[:500], mnist_test.target[:500]
    ax = plot_image_grid(images, labels, n_images=20)
    assert len(ax.texts) == 20
    render(ax)
    ax = plot_class_means(images, labels)
    assert [t.get_text() for t in ax.texts] == [str(d) for d in range(10)]
    render(ax)
    ax = plot_class_distribution(labels)
    assert len(ax.patches) == 10 and ax.get_ylabel() == "Number of samples"
    render(ax)
    ax = plot_hog(images, n_images=4)
    assert len(ax.texts) == 8
    render(ax)


def test_pca_plots(mnist_test):
    X = mnist_test.data[:500] / 255.0
    pca = PCA(60).fit(X)
    ax = plot_explained_variance(pca)
    assert ax.get_xlabel() == "Number of components"
    render(ax)
    ax = plot_reconstructions(pca, X, n_components=(5, 20, 60), n_images=3)
    assert [t.get_text() for t in ax.texts][:4] == ["original", "k=5", "k=20", "k=60"]
    render(ax)


def test_embedding(rng):
    embedding = rng.normal(size=(300, 2))
    ax = plot_embedding(embedding, rng.integers(0, 3, 300), label_name="cluster")
    assert ax.figure.axes[1].get_ylabel() == "cluster"
    render(ax)
    with pytest.raises(ValueError, match=r"shape \(n_samples, 2\); got \(300, 3\)"):
        plot_embedding(rng.normal(size=(300, 3)), np.zeros(300))


@pytest.mark.parametrize(
    ("plot", "args", "kwargs", "message"),
    [
        (
            plot_image_grid,
            (np.arange(10),),
            {},
            r"images must be images of shape .*got an array of shape \(10,\)",
        ),
        (
            plot_image_grid,
            (np.zeros((20, 28, 28)), np.arange(5)),
            {},
            r"labels must have one entry per image: images has 20 but labels has shape \(5,\)",
        ),
        (
            plot_class_means,
            (np.zeros((8, 28, 28)), np.arange(8) % 4),
            {"target_names": ["a"]},
            r"target_names has 1 names but the labels have 4 classes",
        ),
        (
            plot_class_distribution,
            (np.arange(8) % 4,),
            {"target_names": ["a", "b"]},
            r"target_names has 2 names but the labels have 4 classes",
        ),
        (
            plot_explained_variance,
            (PCA(),),
            {},
            r"pca must be a fitted PCA \(call .fit\(X\) first\)",
        ),
        (plot_image_grid, (np.zeros((0, 28, 28)),), {}, r"images is empty"),
    ],
)
def test_bad_plot_arguments_are_named(plot, args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        plot(*args, **kwargs)


def test_reconstructions_need_enough_components(rng):
    images = rng.random((20, 28, 28))
    pca = PCA(5).fit(images.reshape(20, -1))
    with pytest.raises(
        ValueError, match=r"n_components \[20, 50, 200\] must be between 1 and the 5 components"
    ):
        plot_reconstructions(pca, images)
