"""Seeding without global state: a fit's randomness comes from its ``random_state`` alone.

Keras seeds its layers from Python's global ``random``; seeding that (as
``keras.utils.set_random_seed`` does) made grid searches on a Dask worker, whose other threads
draw from it too, differ from run to run. These tests fail on that bug.
"""

# ruff: noqa: NPY002 - the legacy global NumPy generator is what these tests watch
import random
import threading

import numpy as np
import pytest

from mnistkit.neural_network import KerasCNN, KerasMLP


def _fit(X, y, **params):
    model = KerasMLP((16,), epochs=2, random_state=0, **params).fit(X, y)
    return model.predict_proba(X[:100])


@pytest.mark.slow
def test_a_fit_leaves_python_s_and_numpy_s_global_generators_as_they_were(small_mnist):
    X, y = small_mnist[0][:300], small_mnist[1][:300]
    cnn = {"filters": (4,), "dense_layer_sizes": (8,), "epochs": 1, "random_state": 0}
    # Once first: the libraries' own start-up (TensorFlow's first ops) may draw.
    KerasMLP((8,), epochs=1, random_state=0).fit(X, y)
    KerasCNN(**cnn).fit(X, y)
    random.seed(123)
    np.random.seed(123)
    expected_python, expected_numpy = random.random(), np.random.random()
    random.seed(123)
    np.random.seed(123)
    KerasMLP((8,), epochs=1, random_state=0).fit(X, y)
    KerasCNN(**cnn).fit(X, y)
    assert random.random() == expected_python and np.random.random() == expected_numpy


@pytest.mark.slow
def test_other_threads_drawing_from_the_global_generators_change_nothing(small_mnist):
    X, y = small_mnist[0][:600], small_mnist[1][:600]
    reference = _fit(X, y)
    stop = threading.Event()

    def draw():  # what a Dask worker's other threads do, at the worst moments
        while not stop.is_set():
            random.random()
            np.random.random()

    drawers = [threading.Thread(target=draw, daemon=True) for _ in range(2)]
    for thread in drawers:
        thread.start()
    try:
        results = {}
        fits = [
            threading.Thread(target=lambda i=i: results.__setitem__(i, _fit(X, y)))
            for i in range(2)
        ]
        for thread in fits:
            thread.start()
        for thread in fits:
            thread.join()
    finally:
        stop.set()
    for result in results.values():
        np.testing.assert_array_equal(result, reference)


def test_the_same_random_state_gives_the_same_network_as_keras_s_own_seeding(small_mnist):
    # The seeds the layers get are those keras.utils.set_random_seed(seed) would give: the
    # initial weights are unchanged by the move away from global state.
    import keras

    from mnistkit.neural_network._backend import seeded_construction

    keras.utils.set_random_seed(7)
    theirs = keras.layers.Dense(4)
    theirs.build((None, 3))
    with seeded_construction(keras, 7):
        ours = keras.layers.Dense(4)
    ours.build((None, 3))
    np.testing.assert_array_equal(ours.get_weights()[0], theirs.get_weights()[0])


@pytest.mark.slow
def test_a_grid_search_gives_the_same_cv_results_on_every_backend(small_mnist):
    import joblib
    from distributed import Client, LocalCluster
    from sklearn.model_selection import GridSearchCV

    X, y = small_mnist[0][:600], small_mnist[1][:600]
    # Four fits side by side (2 parameter values x 2 folds); the refit would add nothing.
    grid = {"learning_rate": [0.001, 0.003]}

    def scores():
        search = GridSearchCV(KerasMLP((16,), epochs=2, random_state=0), grid, cv=2, refit=False)
        results = search.fit(X, y).cv_results_
        return np.array([results[f"split{i}_test_score"] for i in range(2)])

    reference = scores()
    with joblib.parallel_backend("loky", n_jobs=2):
        np.testing.assert_array_equal(scores(), reference)
    # Two threads of one Dask worker (in this process: a worker process of its own would only
    # add its start-up): the fits run side by side, twice.
    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        Client(cluster),
    ):
        for _ in range(2):
            with joblib.parallel_backend("dask"):
                np.testing.assert_array_equal(scores(), reference)
