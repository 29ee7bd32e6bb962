import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv

from mnistkit.neural_network import KerasCNN, KerasMLP


def tiny_mlp(**params):
    defaults = dict(
        hidden_layer_sizes=(32,), epochs=5, batch_size=64, learning_rate=0.003, random_state=0
    )
    return KerasMLP(**{**defaults, **params})


def tiny_cnn(**params):
    defaults = dict(
        filters=(4, 8), dense_layer_sizes=(16,), epochs=2, batch_size=64, random_state=0
    )
    return KerasCNN(**{**defaults, **params})


# --- Parameter counts of the lab reports' networks ---------------------------------------------


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: KerasMLP((300,), dropout=0), 238_510),
        (lambda: KerasMLP((1000,), dropout=0.5), 795_010),
        (lambda: KerasMLP((13, 128), dropout=0), 13_287),
        (lambda: KerasMLP((256, 128, 64), dropout=0, batch_normalization=True), 244_554),
        (
            lambda: KerasCNN(
                (9, 9, 16),
                kernel_size=(5, 5, 3),
                strides=1,
                pool_size=2,
                dense_layer_sizes=(25,),
                dense_dropout=0,
                batch_normalization=False,
                padding="same",
            ),
            7_465,
        ),
        (
            lambda: KerasCNN(
                (32, 64, 128),
                kernel_size=3,
                strides=1,
                pool_size=2,
                block_dropout=(0, 0, 0.3),
                dense_layer_sizes=(25,),
                dense_dropout=0.3,
                batch_normalization=False,
                padding="same",
                optimizer="sgd",
            ),
            121_757,
        ),
        (
            lambda: KerasCNN(
                (9,),
                dense_layer_sizes=(100,),
                dense_dropout=0,
                batch_normalization=False,
                padding="same",
            ),
            177_600,
        ),
        (
            lambda: KerasCNN(
                (64,),
                dense_layer_sizes=(100,),
                dense_dropout=0,
                batch_normalization=False,
                padding="same",
            ),
            1_256_150,
        ),
        (
            lambda: KerasCNN(
                (8, 16),
                kernel_size=3,
                strides=1,
                pool_size=2,
                block_dropout=0.2,
                dense_layer_sizes=(200,),
                dense_dropout=0.5,
                batch_normalization=False,
                padding="same",
            ),
            160_258,
        ),
    ],
    ids=[
        "mlp-300",
        "mlp-1000",
        "mlp-13-128",
        "mlp-bn",
        "cnn-lab",
        "cnn-32-64-128",
        "fashion-1conv",
        "fashion-64",
        "cnn-8-16",
    ],
)
def test_lab_report_parameter_counts(small_mnist, make, expected):
    # The lab networks are the classic layout: 3x3 (or given) convolutions of stride 1, each
    # padded ("same", as their parameter counts show) and pooled.
    X, y, _, _ = small_mnist
    model = make().set_params(epochs=1, random_state=0).fit(X[:200], y[:200])
    assert model.n_parameters_ == expected
    assert sum(model.parameter_counts_.values()) == expected


def test_xray_like_binary_cnn_on_128_pixel_images(rng):
    # Five conv + pool blocks on 128x128 grayscale images, one sigmoid output.
    X = rng.integers(0, 256, (24, 128, 128), dtype=np.uint8)
    y = np.array(["NORMAL", "PNEUMONIA"] * 12)
    model = KerasCNN(
        (8, 16, 16, 32, 32),
        dense_layer_sizes=(32, 16),
        epochs=1,
        batch_size=8,
        class_weight="balanced",
        random_state=0,
    ).fit(X, y)
    assert model.model_.layers[-1].units == 1
    proba = model.predict_proba(X)
    assert proba.shape == (24, 2)
    assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    assert set(model.predict(X)) <= {"NORMAL", "PNEUMONIA"}


# --- Behaviour ---------------------------------------------------------------------------------


def test_learns_mnist_and_records_history(small_mnist):
    X, y, X_test, y_test = small_mnist
    model = tiny_mlp(epochs=10, learning_rate=0.003, validation_fraction=0.2).fit(X, y)
    assert model.score(X_test, y_test) > 0.8
    assert set(model.history_) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(model.history_["loss"]) == model.n_iter_ == 10
    assert all(isinstance(v, float) for v in model.history_["val_accuracy"])
    assert "dense_1" in model.summary()


@pytest.mark.slow
def test_cnn_accepts_flat_rows_and_images(small_mnist):
    X, y, X_test, _ = small_mnist
    flat = tiny_cnn().fit(X[:300], y[:300])
    images = tiny_cnn().fit(X[:300].reshape(-1, 28, 28), y[:300])
    assert flat.image_shape_ == images.image_shape_ == (28, 28, 1)
    assert_allclose(
        flat.predict_proba(X_test),
        images.predict_proba(X_test.reshape(-1, 28, 28, 1)),
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.slow
def test_same_seed_same_predictions(small_mnist):
    X, y, X_test, _ = small_mnist
    for make in (tiny_mlp, tiny_cnn):
        first = make().fit(X[:400], y[:400]).predict_proba(X_test)
        second = make().fit(X[:400], y[:400]).predict_proba(X_test)
        assert_array_equal(first, second)


def test_pickle_joblib_and_clone(small_mnist, tmp_path):
    X, y, X_test, _ = small_mnist
    model = tiny_cnn().fit(X[:300], y[:300])
    expected = model.predict_proba(X_test)
    assert_array_equal(pickle.loads(pickle.dumps(model)).predict_proba(X_test), expected)
    joblib.dump(model, tmp_path / "model.joblib")
    assert_array_equal(joblib.load(tmp_path / "model.joblib").predict_proba(X_test), expected)
    fresh = clone(model)
    assert not hasattr(fresh, "model_") and fresh.get_params() == model.get_params()


def test_is_classifier_so_cv_is_stratified(small_mnist):
    _, y, _, _ = small_mnist
    for model in (KerasMLP(), KerasCNN()):
        assert is_classifier(model)
        assert isinstance(check_cv(5, y, classifier=is_classifier(model)), StratifiedKFold)


@pytest.mark.slow
@pytest.mark.parametrize("n_jobs", [1, 2])
def test_grid_search(small_mnist, n_jobs):
    X, y, _, _ = small_mnist
    search = GridSearchCV(
        tiny_mlp(), {"hidden_layer_sizes": [(16,), (64,)]}, cv=2, n_jobs=n_jobs
    ).fit(X[:600], y[:600])
    assert search.best_params_["hidden_layer_sizes"] in [(16,), (64,)]
    assert search.best_score_ > 0.5


def test_string_labels_class_weight_and_validation_data(small_mnist):
    X, y, X_test, y_test = small_mnist
    names = np.array(
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    )
    model = tiny_mlp(class_weight="balanced").fit(
        X, names[y], validation_data=(X_test, names[y_test])
    )
    assert set(model.classes_) == set(names)
    assert model.score(X_test, names[y_test]) > 0.7
    assert len(model.history_["val_loss"]) == 5
    weights = tiny_mlp(class_weight={"zero": 5.0}).fit(X[:300], names[y][:300])
    assert weights.n_iter_ == 5


@pytest.mark.slow
def test_warm_start_and_partial_fit(small_mnist):
    X, y, _, _ = small_mnist
    model = tiny_mlp(epochs=2, warm_start=True).fit(X, y)
    weights = model.model_.get_weights()[0].copy()
    model.fit(X, y)
    assert model.n_iter_ == 4 and not np.array_equal(weights, model.model_.get_weights()[0])
    online = tiny_mlp()
    for start in range(0, 900, 300):
        online.partial_fit(X[start : start + 300], y[start : start + 300], classes=np.arange(10))
    assert online.n_iter_ == 3
    # partial_fit after a cosine-scheduled fit keeps learning (constant rate, not the spent schedule)
    model = tiny_mlp(epochs=2).fit(X, y)
    assert model.schedule_epochs_ == 2  # the schedule's state: the epochs it spans
    weights = model.model_.get_weights()[0].copy()
    model.partial_fit(X, y)
    assert model.n_iter_ == 3 and not np.array_equal(weights, model.model_.get_weights()[0])
    assert model.schedule_epochs_ is None
    # A warm-started fit after set_params(learning_rate_schedule="constant") leaves the spent
    # cosine schedule too, for a constant rate.
    model = tiny_mlp(epochs=2, warm_start=True).fit(X, y)
    model.set_params(learning_rate_schedule="constant").fit(X, y)
    rate = model.model_.optimizer.learning_rate
    assert model.schedule_epochs_ is None
    assert float(np.asarray(rate)) == pytest.approx(model.learning_rate)  # float32


def test_early_stopping_restores_best(small_mnist):
    X, y, _, _ = small_mnist
    model = tiny_mlp(
        epochs=50,
        early_stopping=True,
        patience=2,
        learning_rate_schedule="constant",
        learning_rate=0.05,
    ).fit(X, y)
    assert model.n_iter_ < 50
    assert "val_loss" in model.history_


def test_quiet_by_default_and_import_is_light(small_mnist, capfd):
    X, y, _, _ = small_mnist
    tiny_mlp(epochs=1).fit(X[:200], y[:200]).predict(X[:10])
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    # Nor numba (0.2 s): each benchmark entry's process imports the baselines and the runner.
    code = (
        "import sys, mnistkit, mnistkit.neural_network, mnistkit.baselines, mnistkit.benchmark;"
        " print('tensorflow' in sys.modules, 'numba' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False False"


# --- Bad input ---------------------------------------------------------------------------------


def test_nan_and_feature_count(small_mnist):
    X, y, _, _ = small_mnist
    bad = X[:50].astype(float)
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        tiny_mlp().fit(bad, y[:50])
    model = tiny_mlp(epochs=1).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="X has 100 features, but KerasMLP is expecting 784"):
        model.predict(X[:5, :100])


def test_one_class(small_mnist):
    X, _, _, _ = small_mnist
    with pytest.raises(
        ValueError, match=r"needs at least 2 classes in y .* got only one class \(\[3\]\)"
    ):
        tiny_mlp().fit(X[:20], np.full(20, 3))


def test_images_too_small_for_the_architecture(rng):
    with pytest.raises(
        ValueError,
        match=r"images of shape \(8, 8\) are too small for this architecture: after block 4",
    ):
        KerasCNN((4, 4, 4, 4)).fit(rng.random((10, 64)), np.arange(10) % 2)


def test_padding_per_block(small_mnist, rng):
    X, y, _, _ = small_mnist
    model = tiny_cnn(padding=("valid", "same"), epochs=1).fit(X[:64], y[:64])
    convs = [layer for layer in model.model_.layers if layer.name.startswith("conv_")]
    assert [layer.padding for layer in convs] == ["valid", "same"]
    # 28 -> 13 (4x4, stride 2, valid) -> 13 (same) -> 6 (pool): 6 * 6 * 8 inputs to the head.
    assert model.model_.get_layer("flatten").output.shape[-1] == 6 * 6 * 8
    with pytest.raises(ValueError, match="padding has 3 values but there are 2 layers"):
        tiny_cnn(padding=("valid", "same", "same")).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="one of 'same' and 'valid' per block"):
        tiny_cnn(padding=("valid", "full")).fit(X[:20], y[:20])
    # Valid padding shrinks each block: 8 -> 6 -> 3 -> 1 -> 0 after block 2 with pooling
    # (the "auto" kernel, strides and pooling fall back to 3x3, 1 and 2x2 on 8x8 images).
    with pytest.raises(ValueError, match=r"after block 2 \(kernel \(3, 3\), padding 'valid'"):
        KerasCNN((4, 4), padding="valid").fit(rng.random((10, 64)), np.arange(10) % 2)


@pytest.mark.slow
def test_auto_layout_by_number_of_blocks(small_mnist):
    X, y, _, _ = small_mnist

    def built(model):
        convs = [layer for layer in model.model_.layers if layer.name.startswith("conv_")]
        pools = [layer.name for layer in model.model_.layers if layer.name.startswith("pool_")]
        return (
            [(layer.kernel_size, layer.strides, layer.padding) for layer in convs],
            pools,
            model.model_.get_layer("flatten").output.shape[-1],
        )

    # The default: a 4x4 stride-2 first convolution without pooling (28 -> 13), a padded 3x3
    # pooled block (13 -> 6) and an unpadded, unpooled last block (6 -> 4).
    default = KerasCNN(filters=(4, 6, 8), epochs=1, random_state=0).fit(X[:64], y[:64])
    assert built(default) == (
        [((4, 4), (2, 2), "valid"), ((3, 3), (1, 1), "same"), ((3, 3), (1, 1), "valid")],
        ["pool_2"],
        4 * 4 * 8,
    )
    assert default.kernel_size_ == ((4, 4), (3, 3), (3, 3))
    assert default.strides_ == ((2, 2), (1, 1), (1, 1))
    assert default.pool_size_ == (None, (2, 2), None)
    assert default.padding_ == ("valid", "same", "valid")
    # Two blocks: the stride-2 first block, then a pooled one (no unpooled last block).
    two = tiny_cnn(epochs=1).fit(X[:64], y[:64])
    assert built(two) == (
        [((4, 4), (2, 2), "valid"), ((3, 3), (1, 1), "same")],
        ["pool_2"],
        6 * 6 * 8,
    )
    # One block: an unpadded 3x3 convolution of stride 1, pooled (28 -> 26 -> 13).
    one = tiny_cnn(filters=(4,), epochs=1).fit(X[:64], y[:64])
    assert built(one) == ([((3, 3), (1, 1), "valid")], ["pool_1"], 13 * 13 * 4)
    # A setting given keeps its meaning; the others stay "auto".
    classic = KerasCNN(
        filters=(4, 6, 8), kernel_size=3, strides=1, pool_size=2, padding="same", epochs=1
    ).fit(X[:64], y[:64])
    assert built(classic) == (
        [((3, 3), (1, 1), "same")] * 3,
        ["pool_1", "pool_2", "pool_3"],
        3 * 3 * 8,
    )
    wide = KerasCNN(filters=(4, 6, 8), kernel_size=5, epochs=1).fit(X[:64], y[:64])
    assert wide.kernel_size_ == ((5, 5),) * 3 and wide.strides_ == ((2, 2), (1, 1), (1, 1))
    per_block = KerasCNN(filters=(4, 6), strides=(1, 2), pool_size=(2, None), epochs=1)
    assert per_block.fit(X[:64], y[:64]).strides_ == ((1, 1), (2, 2))
    with pytest.raises(ValueError, match="strides has 3 values but there are 2 layers"):
        tiny_cnn(strides=(2, 1, 1)).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="The 'strides' parameter of KerasCNN must be"):
        tiny_cnn(strides="twice").fit(X[:20], y[:20])
    with pytest.raises(ValueError, match=r"strides must be a positive int or a pair"):
        tiny_cnn(strides=(0, 1)).fit(X[:20], y[:20])


def test_auto_layout_falls_back_to_padded_pooled_blocks_on_small_images(rng):
    # On 8x8 images the default layout leaves nothing (8 -> 3 -> 1 -> 0 after the last
    # block): every "auto" setting takes the classic one instead of refusing the images.
    small = KerasCNN(epochs=1, random_state=0).fit(rng.random((20, 64)), np.arange(20) % 2)
    assert small.padding_ == ("same", "same", "same")
    assert small.strides_ == ((1, 1),) * 3 and small.kernel_size_ == ((3, 3),) * 3
    assert small.pool_size_ == ((2, 2),) * 3
    assert small.model_.get_layer("flatten").output.shape[-1] == 48  # 8 -> 4 -> 2 -> 1
    # The layout is fitted state: predicting on the same images does not change it.
    small.predict(rng.random((3, 64)))
    assert small.padding_ == ("same", "same", "same")


def test_augmentation_transforms_training_images_only(small_mnist):
    X, y, _, _ = small_mnist
    model = tiny_cnn(horizontal_flip=True, shift_range=0.1, epochs=1).fit(X[:64], y[:64])
    names = [layer.name for layer in model.model_.layers]
    assert names[:2] == ["random_flip", "random_shift"]
    assert model.n_parameters_ == tiny_cnn(epochs=1).fit(X[:64], y[:64]).n_parameters_
    # Prediction never augments: the same images give the same probabilities every time.
    assert_allclose(model.predict_proba(X[:32]), model.predict_proba(X[:32]))
    # Training does: the augmentation layers change images when called in training mode.
    images = model._prepare_inputs(X[:32], reset=False)
    flipped = np.asarray(model.model_.get_layer("random_flip")(images, training=True))
    assert not np.allclose(flipped, images)
    unchanged = model.model_.get_layer("random_flip")(images, training=False)
    assert np.allclose(np.asarray(unchanged), images)
    with pytest.raises(ValueError, match="The 'shift_range' parameter of KerasCNN must be"):
        tiny_cnn(shift_range=0.7).fit(X[:20], y[:20])
    # Saved and loaded with the rest of the network.
    restored = pickle.loads(pickle.dumps(model))
    assert_allclose(restored.predict_proba(X[:32]), model.predict_proba(X[:32]), atol=1e-6)


def test_bad_parameters(small_mnist):
    X, y, _, _ = small_mnist
    # Any Keras optimizer name is accepted; a misspelt one is named with the choices.
    with pytest.raises(ValueError, match=r"optimizer='adamm' is not a Keras optimizer; use a name"):
        KerasMLP(optimizer="adamm").fit(X[:20], y[:20])
    with pytest.raises(ValueError, match=r"The 'optimizer' parameter of KerasMLP must be"):
        KerasMLP(optimizer=5).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="dropout has 2 values but there are 1 layers"):
        KerasMLP((32,), dropout=(0.1, 0.2)).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="dense_dropout must be in"):
        KerasCNN(dense_dropout=(1.5,)).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="class_weight names label 42"):
        KerasMLP(class_weight={42: 2.0}).fit(X[:20], y[:20])


def test_scaling_decided_at_fit_is_the_one_applied_at_predict(mnist_test):
    # Issue: fitted on uint8 and asked to predict float32 images of the same pixels, the
    # network used to see 0-255 values at predict: overconfident probabilities, no warning.
    X, y = mnist_test.data[:600], mnist_test.target[:600]
    mlp = KerasMLP(hidden_layer_sizes=(16,), epochs=1, random_state=0).fit(X, y)
    assert mlp.input_scaled_ and mlp.input_max_ == 255
    assert_allclose(
        mlp.predict_proba(X.astype(np.float32)), mlp.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    # Floats already in [0, 1] would be divided again: refused, with the fix.
    with pytest.raises(
        ValueError,
        match=r"trained on inputs up to 255 \(uint8 pixels, divided by 255\) but X is float32 within \[0, 1\], already scaled",
    ):
        mlp.predict(X.astype(np.float32) / 255)
    # And the reverse: trained on scaled floats, given raw uint8 pixels.
    scaled = KerasMLP(hidden_layer_sizes=(16,), epochs=1, random_state=0).fit(X / 255.0, y)
    with pytest.raises(
        ValueError,
        match=r"\(already scaled\) but X is uint8 up to 255: it would reach the network unscaled",
    ):
        scaled.predict(X)


def test_values_beyond_float32_are_an_error():
    X = np.zeros((20, 4))
    X[0, 0] = 1e300  # becomes inf in float32: every prediction class 9, only a RuntimeWarning
    with pytest.raises(
        ValueError, match=r"X has values up to 1e\+300, which do not fit in float32"
    ):
        KerasMLP(hidden_layer_sizes=(4,), epochs=1).fit(X, np.arange(20) % 2)


def test_a_search_s_clone_and_a_worker_s_unpickling_start_keras_before_any_fit(monkeypatch):
    # So GridSearchCV does not charge TensorFlow's start-up to its first candidate's fit time.
    import pickle

    from sklearn.base import clone

    from mnistkit.neural_network import _base

    calls = []
    monkeypatch.setattr(_base, "import_keras", lambda: calls.append("keras"))
    copy = clone(KerasMLP(hidden_layer_sizes=(8,)))
    assert calls == ["keras"] and copy.hidden_layer_sizes == (8,)
    pickle.loads(pickle.dumps(copy))
    assert calls == ["keras", "keras"]


# --- Label smoothing and test-time averaging ---------------------------------------------------


def test_shifted_images_move_by_whole_pixels_and_fill_with_zeros():
    from mnistkit.neural_network._data import shifted_images

    images = np.arange(1, 10, dtype=np.float32).reshape(1, 3, 3, 1)
    down = shifted_images(images, 1, 0)[0, :, :, 0]
    np.testing.assert_array_equal(down, [[0, 0, 0], [1, 2, 3], [4, 5, 6]])
    left = shifted_images(images, 0, -1)[0, :, :, 0]
    np.testing.assert_array_equal(left, [[2, 3, 0], [5, 6, 0], [8, 9, 0]])
    np.testing.assert_array_equal(shifted_images(images, 0, 0), images)


def test_label_smoothing_trains_the_categorical_cross_entropy_and_refuses_a_loss_of_yours(
    small_mnist,
):
    import keras

    X, y, _, _ = small_mnist
    model = tiny_cnn(epochs=1, label_smoothing=0.2).fit(X[:300], y[:300])
    assert type(model.model_.loss).__name__ == "CategoricalCrossentropy"
    assert model.model_.loss.get_config()["label_smoothing"] == pytest.approx(0.2)
    binary = tiny_cnn(epochs=1).fit(X[:300], (y[:300] == 3))  # one sigmoid unit
    assert type(binary.model_.loss).__name__ == "BinaryCrossentropy"
    plain = tiny_cnn(epochs=1, label_smoothing=0).fit(X[:300], y[:300])
    assert "label_smoothing" not in getattr(plain.model_.loss, "get_config", dict)()
    with pytest.raises(ValueError, match="pass label_smoothing=0"):
        tiny_cnn(loss=keras.losses.CategoricalFocalCrossentropy()).fit(X[:300], y[:300])


def test_test_time_shift_averages_the_image_and_its_four_shifted_copies(small_mnist):
    from mnistkit.neural_network._data import shifted_images

    X, y, X_test, _ = small_mnist
    model = tiny_cnn(epochs=1, test_time_shift=0).fit(X[:300], y[:300])  # one pass each
    images = X_test[:40].reshape(-1, 28, 28, 1).astype(np.float32) / 255
    moves = [(0, 0), (2, 0), (-2, 0), (0, 2), (0, -2)]
    expected = np.mean(
        [model.predict_proba(shifted_images(images, *move) * 255) for move in moves], axis=0
    )
    model.set_params(test_time_shift=2)
    np.testing.assert_allclose(model.predict_proba(X_test[:40]), expected, atol=1e-6)
    assert (model.predict(X_test[:40]) == model.classes_[expected.argmax(axis=1)]).all()
