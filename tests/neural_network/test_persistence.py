"""Saving and loading a fitted network without pickle (``neural_network/_persistence.py``)."""

import json
import zipfile

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from mnistkit.neural_network import KerasCNN, KerasMLP


def tiny_mlp(**params):
    defaults = dict(
        hidden_layer_sizes=(16,), epochs=2, batch_size=64, learning_rate=0.003, random_state=0
    )
    return KerasMLP(**{**defaults, **params})


@pytest.mark.slow
@pytest.mark.parametrize(
    "make",
    [tiny_mlp, lambda **p: KerasCNN((4,), dense_layer_sizes=(8,), epochs=1, random_state=0, **p)],
)
def test_save_and_load_without_pickle(small_mnist, tmp_path, make):
    import keras

    X, y = small_mnist[0][:400], np.array(list("abcdefghij"))[small_mnist[1][:400]]
    model = make(class_weight={"a": 2.0}).fit(X, y)
    path = model.save(tmp_path / "model.keras")
    loaded = type(model).load(path)
    assert_array_equal(loaded.predict(X[:50]), model.predict(X[:50]))
    assert loaded.get_params() == model.get_params()
    fitted = ("classes_", "n_features_in_", "history_", "input_scaled_", "n_parameters_")
    for name in (*fitted, "schedule_epochs_"):
        assert np.all(getattr(loaded, name) == getattr(model, name)), name
    assert isinstance(keras.saving.load_model(path), keras.Model)  # still a plain Keras file
    with zipfile.ZipFile(path) as archive:
        assert "mnistkit.json" in archive.namelist()
    # Resuming: warm_start continues from the saved weights.
    resumed = loaded.set_params(warm_start=True).fit(X, y)
    assert len(resumed.history_["loss"]) == 2 * len(model.history_["loss"])
    with pytest.raises(ValueError, match=r"must end in '.keras'"):
        model.save(tmp_path / "model.pkl")
    other = KerasCNN if isinstance(model, KerasMLP) else KerasMLP
    with pytest.raises(ValueError, match=f"holds a {type(model).__name__}, not a {other.__name__}"):
        other.load(path)


@pytest.mark.slow
def test_a_file_that_stored_the_schedule_under_its_earlier_name_still_loads(small_mnist, tmp_path):
    # Files written before the schedule's state became the fitted attribute schedule_epochs_
    # stored it as "_schedule_epochs".
    X, y = small_mnist[0][:300], small_mnist[1][:300]
    path = tiny_mlp().fit(X, y).save(tmp_path / "new.keras")
    old = tmp_path / "old.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(old, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "mnistkit.json":
                state = json.loads(data)
                fitted = state["fitted"]["__dict__"]  # a dict is encoded as {"__dict__": {...}}
                fitted["_schedule_epochs"] = fitted.pop("schedule_epochs_")
                data = json.dumps(state).encode()
            target.writestr(item, data)
    assert KerasMLP.load(old).schedule_epochs_ == 2


@pytest.mark.slow
def test_a_cnn_saved_before_its_newer_parameters_loads_as_it_was_fitted(small_mnist, tmp_path):
    # label_smoothing, shift_pixels and test_time_shift came after saving: a file without them
    # was fitted and predicts without them, whatever today's defaults are.
    X, y = small_mnist[0][:300], small_mnist[1][:300]
    network = KerasCNN((4,), dense_layer_sizes=(8,), epochs=1, test_time_shift=0, random_state=0)
    path = network.fit(X, y).save(tmp_path / "new.keras")
    old = tmp_path / "old.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(old, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "mnistkit.json":
                state = json.loads(data)
                for name in ("label_smoothing", "shift_pixels", "test_time_shift"):
                    del state["params"]["__dict__"][name]
                data = json.dumps(state).encode()
            target.writestr(item, data)
    loaded = KerasCNN.load(old)
    assert (loaded.label_smoothing, loaded.shift_pixels, loaded.test_time_shift) == (0.0, 0, 0)
    assert_array_equal(loaded.predict_proba(X[:50]), network.predict_proba(X[:50]))
    assert KerasCNN.load(path).label_smoothing == KerasCNN().label_smoothing  # saved: kept
