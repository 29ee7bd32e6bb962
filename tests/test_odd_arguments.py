"""Odd arguments to transformers, metrics and plots: a right result, or an error naming them."""

import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.decomposition import PCA

from mnistkit.decomposition import pca_reconstruct
from mnistkit.metrics import evaluate
from mnistkit.plotting import plot_class_distribution, plot_image_grid, plot_learning_curves
from mnistkit.preprocessing import Deskewer, deskew_images


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_deskewing_values_that_would_overflow_is_refused():
    with pytest.raises(ValueError, match=r"pixel values up to 1e\+300; values beyond .* overflow"):
        Deskewer().fit_transform(np.full((2, 784), 1e300))
    with pytest.raises(ValueError, match=r"overflow float64"):
        deskew_images(np.full((1, 28, 28), 1e300), dtype=np.float64)


def test_deskewing_float16_images_matches_float32(rng):
    images = (rng.random((3, 28, 28)) * 255).astype(np.float16)
    from_half = Deskewer().fit_transform(images)
    from_single = Deskewer().fit_transform(images.astype(np.float32))
    assert from_half.dtype == np.float32 and np.isfinite(from_half).all()
    np.testing.assert_allclose(from_half, from_single, atol=1e-4)


def test_pca_reconstruct_names_a_width_the_pca_was_not_fitted_on(rng):
    pca = PCA(5).fit(rng.random((40, 784)))
    with pytest.raises(ValueError, match=r"the 784 features the PCA was fitted on; .*\(4, 100\)"):
        pca_reconstruct(pca, rng.random((4, 100)))
    with pytest.raises(ValueError, match=r"\(4, 28, 28\). Flatten images to rows"):
        pca_reconstruct(pca, rng.random((4, 28, 28)))


def test_evaluate_refuses_duplicate_target_names_and_names_mixed_labels():
    with pytest.raises(ValueError, match=r"target_names repeats 'a'"):
        evaluate([0, 1, 2], [0, 2, 1], target_names=["a", "a", "b"])
    mixed = np.array([1, "a", 1], dtype=object)
    with pytest.raises(TypeError, match=r"y_true mixes labels of types int, str"):
        evaluate(mixed, mixed)
    with pytest.raises(TypeError, match=r"y_true with y_pred mixes labels of types int, str"):
        evaluate([1, 2, 1], ["1", "2", "1"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda X: plot_image_grid(X, n_images=-5), r"n_images must be a positive integer; got -5"),
        (lambda X: plot_image_grid(X, n_images=0), r"n_images must be a positive integer; got 0"),
        (lambda X: plot_image_grid(X, n_cols=0), r"n_cols must be a positive integer; got 0"),
        (lambda X: plot_image_grid(X, n_cols=True), r"n_cols must be a positive integer"),
        (lambda X: plot_class_distribution([]), r"labels must be a non-empty 1-d array"),
        (
            lambda X: plot_class_distribution([0, 1], target_names=["x", "x"]),
            r"target_names repeats 'x'",
        ),
        (lambda X: plot_learning_curves({"loss": []}), r"history\['loss'\] holds no finite"),
        (
            lambda X: plot_learning_curves({"loss": [np.nan, np.nan]}),
            r"2 epochs, all nan or infinite",
        ),
        (
            lambda X: plot_learning_curves({"loss": [1.0, 0.5], "val_loss": [1.0]}),
            r"history\['val_loss'\] has 1 epochs but history\['loss'\] has 2",
        ),
    ],
)
def test_plots_refuse_what_would_draw_nothing_or_the_wrong_thing(rng, call, message):
    with pytest.raises(ValueError, match=message):
        call(rng.random((8, 64)))
