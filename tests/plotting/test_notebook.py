"""Every public plot shows as a picture in a real Jupyter kernel, as a notebook user sees it."""

import nbformat
import pytest
from nbclient import NotebookClient

import mnistkit.plotting

SETUP = """\
%matplotlib inline
import numpy as np
from sklearn.decomposition import PCA
from sklearn.tree import DecisionTreeClassifier
from mnistkit.datasets import load_mnist
from mnistkit.metrics import evaluate
from mnistkit.plotting import *

X, y = load_mnist(subset="test", return_X_y=True)
images = X.reshape(-1, 28, 28)
tree = DecisionTreeClassifier(max_depth=6, random_state=0).fit(X[:2000], y[:2000])
evaluation = evaluate(y[2000:2500], tree.predict(X[2000:2500]), images=images[2000:2500])
pca = PCA(50, random_state=0).fit(X[:2000] / 255)
pca2 = PCA(2, random_state=0).fit(X[:2000] / 255)
history = {"loss": [0.9, 0.5, 0.3], "val_loss": [1.0, 0.6, 0.5]}

class Network:
    history_ = history
"""

# One cell per public name; its last line draws (a function returning an Axes, or a display).
CELLS = {
    "plot_image_grid": "plot_image_grid(images[:20], y[:20])",
    "plot_class_means": "plot_class_means(images[:2000], y[:2000])",
    "plot_class_distribution": "plot_class_distribution(y)",
    "plot_explained_variance": "plot_explained_variance(pca)",
    "plot_reconstructions": "plot_reconstructions(pca, X[:5] / 255, n_components=(5, 20, 50))",
    "plot_embedding": "plot_embedding(pca2.transform(X[:2000] / 255), y[:2000])",
    "plot_hog": "plot_hog(images, n_images=4)",
    "image_mosaic": "image_mosaic(images[:12], [str(v) for v in y[:12]], n_cols=6)",
    "plot_confusion_matrix": "plot_confusion_matrix(evaluation, normalize=True)",
    "plot_per_class_f1": "plot_per_class_f1(evaluation)",
    "plot_learning_curves": "plot_learning_curves(history)",
    "plot_misclassified": "plot_misclassified(evaluation, n_images=10)",
    "ConfusionMatrixDisplay": "ConfusionMatrixDisplay.from_estimator(tree, X[2000:2500], y[2000:2500])",
    "ClassScoresDisplay": "ClassScoresDisplay.from_predictions(y[2000:2500], tree.predict(X[2000:2500]))",
    "MisclassifiedDisplay": "MisclassifiedDisplay.from_estimator(tree, X[2000:2500], y[2000:2500])",
    "TrainingHistoryDisplay": "TrainingHistoryDisplay.from_estimator(Network(), metric='loss')",
    "ExplainedVarianceDisplay": "ExplainedVarianceDisplay.from_estimator(pca)",
    "ReconstructionDisplay": "ReconstructionDisplay.from_estimator(pca, X[:3] / 255, n_components=(5, 50))",
    "EmbeddingDisplay": "EmbeddingDisplay.from_estimator(pca2, X[:2000] / 255, y[:2000])",
    "ScoreTimeDisplay": "ScoreTimeDisplay([0.81, 0.97, 0.99], [1.4, 6.6, 64.7], ['nb', 'hog', 'cnn']).plot()",
    "SweepDisplay": "SweepDisplay('svc__C', [0.1, 1, 10], {'test accuracy': [0.9, 0.95, 0.94]}).plot()",
}


def test_every_public_plot_has_a_notebook_cell():
    assert sorted(CELLS) == sorted(mnistkit.plotting.__all__)


@pytest.fixture(scope="module")
def executed_notebook(tmp_path_factory):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(SETUP)] + [
        nbformat.v4.new_code_cell(code, metadata={"name": name}) for name, code in CELLS.items()
    ]
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path_factory.mktemp("notebook"))}},
    )
    client.execute()
    return {cell.metadata.get("name"): cell for cell in notebook.cells}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CELLS))
def test_plot_shows_as_an_image_in_jupyter(executed_notebook, name):
    outputs = executed_notebook[name].outputs
    errors = [output for output in outputs if output.output_type == "error"]
    assert not errors, "\n".join(errors[0].traceback)
    images = [
        output
        for output in outputs
        if output.output_type == "display_data" and "image/png" in output.data
    ]
    assert len(images) == 1, (
        f"{name}: the cell shows {len(images)} pictures; outputs were "
        f"{[(o.output_type, sorted(o.get('data', {}))) for o in outputs]}"
    )
