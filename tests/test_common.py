"""scikit-learn's estimator checks over every public mnistkit estimator, found automatically."""

import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import parametrize_with_checks

from mnistkit.preprocessing import PixelScaler
from mnistkit.utils.discovery import all_estimators


class TinyNetwork:
    """KerasClassifier's check instance: one dense layer (module level, so it pickles).

    A callable object rather than a function so that the checks' test ids, which show the
    estimator's repr, carry no memory address (pytest-xdist requires identical ids).
    """

    def __call__(self, width=32):
        import keras

        return keras.Sequential([keras.layers.Dense(width, activation="relu")])

    def __repr__(self):
        return "TinyNetwork()"


# Estimators whose default parameters cannot run on the checks' tiny arbitrary data get an
# instance here; each entry says why. Every other estimator is checked with its defaults.
CHECK_INSTANCES = {
    # The checks feed rows of 2-20 arbitrary values: read each as a 1-pixel-high image
    # (image_shape=(1, -1)) with 1x1-pixel cells, so that every HOG stage still runs.
    "HOGTransformer": lambda cls: cls(pixels_per_cell=1, cells_per_block=1, image_shape=(1, -1)),
    # Neural networks: a small network with a larger learning rate, trained long enough to fit
    # the checks' tiny data sets (the defaults are tuned for 60,000 images). Few epochs: each
    # check fits several times, and a tiny fit's time is mostly Keras building its graph.
    "KerasMLP": lambda cls: cls(
        hidden_layer_sizes=(32,),
        dropout=0,
        epochs=8,
        learning_rate=0.03,
        batch_size=32,
        random_state=0,
    ),
    # A user's own network: the same small dense network, from a build function.
    "KerasClassifier": lambda cls: cls(
        TinyNetwork(), epochs=8, learning_rate=0.03, batch_size=32, random_state=0
    ),
    # The CNN reads the checks' rows as 1-pixel-high images, without pooling; shifting such a
    # row at test time would move its features, so test-time averaging is off (as for tabular
    # data: it suits images).
    "KerasCNN": lambda cls: cls(
        filters=(4,),
        pool_size=None,
        image_shape=(1, -1),
        test_time_shift=0,
        dense_layer_sizes=(16,),
        dense_dropout=0,
        epochs=8,
        learning_rate=0.03,
        batch_size=32,
        random_state=0,
    ),
    # The checks' rows of 2-20 values read as 1-pixel-high images (no slant to measure).
    "Deskewer": lambda cls: cls(image_shape=(1, -1)),
    # UMAP needs fewer neighbours than the checks' smallest data sets have samples.
    "UMAPEmbedding": lambda cls: cls(n_neighbors=5, random_state=0),
    # A pipeline needs steps: mnistkit's own unnamed-step form.
    "Pipeline": lambda cls: cls([PixelScaler(), LogisticRegression()]),
}
# Checks that cannot hold for an estimator, with the reason; see each estimator's docs.
_FITS_STEPS_IN_PLACE = (
    "a pipeline fits the estimators in its `steps` parameter in place; scikit-learn's own "
    "sklearn.pipeline.Pipeline fails this check in the same way"
)
_UMAP_TRANSFORM = (
    "umap-learn embeds new points by optimising them together with stochastic gradient "
    "descent, so a point's coordinates depend on the other points of the batch and their order"
)
_MINIBATCH_WEIGHTS = (
    "minibatch gradient descent: a weight of 2 doubles a sample's loss inside its batch, while "
    "a repeated sample changes the batches and the number of steps, so the two fits differ "
    "(scikit-learn marks the same check for its SGD estimators)"
)
EXPECTED_FAILED_CHECKS = {
    "KerasMLP": {"check_sample_weight_equivalence_on_dense_data": _MINIBATCH_WEIGHTS},
    "KerasCNN": {"check_sample_weight_equivalence_on_dense_data": _MINIBATCH_WEIGHTS},
    "KerasClassifier": {"check_sample_weight_equivalence_on_dense_data": _MINIBATCH_WEIGHTS},
    "UMAPEmbedding": {
        "check_methods_sample_order_invariance": _UMAP_TRANSFORM,
        "check_methods_subset_invariance": _UMAP_TRANSFORM,
    },
    "Pipeline": {
        "check_estimators_overwrite_params": _FITS_STEPS_IN_PLACE,
        "check_dont_overwrite_parameters": _FITS_STEPS_IN_PLACE,
    },
}


def _instances():
    return [CHECK_INSTANCES.get(name, lambda cls: cls())(cls) for name, cls in all_estimators()]


def test_discovery_finds_estimators():
    names = [name for name, _ in all_estimators()]
    assert {
        "HOGTransformer",
        "KerasMLP",
        "KerasCNN",
        "KerasClassifier",
        "ClusterClassifier",
        "Pipeline",
    } <= set(names)


@parametrize_with_checks(
    _instances(),
    expected_failed_checks=lambda estimator: EXPECTED_FAILED_CHECKS.get(
        type(estimator).__name__, {}
    ),
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("name, cls", all_estimators())
def test_init_stores_parameters_only(name, cls):
    # Every constructor parameter after the first is keyword-only (STYLE.md).
    import inspect

    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    assert all(p.kind == p.KEYWORD_ONLY for p in parameters[1:]), name
    assert hasattr(cls, "_parameter_constraints"), name
