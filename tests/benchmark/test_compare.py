"""compare(): estimator objects and arrays through the benchmark runner."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.tree import DecisionTreeClassifier

from mnistkit.benchmark import compare


@pytest.fixture(scope="module")
def arrays(small_mnist):
    X, y, X_test, y_test = small_mnist
    return X[:600].reshape(600, -1), y[:600], X_test[:200], y_test[:200]


@pytest.mark.slow
def test_objects_defined_anywhere_run_in_their_own_process_and_rerun_only_when_changed(
    arrays, tmp_path
):
    class Mine(GaussianNB):  # defined in a function, as in a notebook cell: pickled by value
        pass

    grid = GridSearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": [3, 6]}, cv=2)
    out = tmp_path / "out"
    first = compare({"nb": Mine(), "tree": grid}, arrays, out=out, report=False)
    assert first[["id", "status"]].values.tolist() == [["nb", "ok"], ["tree", "ok"]]
    expected = GaussianNB().fit(arrays[0], arrays[1]).score(arrays[2], arrays[3])
    assert first.set_index("id").loc["nb", "score"] == pytest.approx(expected)
    again = compare({"nb": Mine(var_smoothing=0.1), "tree": grid}, arrays, out=out)
    nb, tree = (again.set_index("id").loc[name] for name in ("nb", "tree"))
    assert nb["started"] > first.set_index("id").loc["nb", "started"]  # changed: ran again
    assert tree["started"] == first.set_index("id").loc["tree", "started"]  # current
    assert (out / "report" / "index.html").is_file()


class _Unpicklable(GaussianNB):
    def __getstate__(self):
        raise TypeError("it holds a database connection")


@pytest.mark.parametrize(
    ("models", "data", "error", "message"),
    [
        (
            {"nb": _Unpicklable()},
            None,
            TypeError,
            r"models\['nb'\] \(_Unpicklable\) cannot be "
            r"pickled \(it holds a database connection\).*import path",
        ),
        ({"nb": "GaussianNB"}, None, TypeError, r"models\['nb'\] is a str, not a classifier"),
        ({"../nb": GaussianNB()}, None, ValueError, r"cannot be used as a file name"),
        ({}, None, TypeError, r"models must be a dict"),
        ({"nb": GaussianNB()}, "three", TypeError, r"data must be \(X_train, y_train, X_test"),
    ],
)
def test_what_cannot_run_is_refused_before_anything_is_written(
    arrays, tmp_path, models, data, error, message
):
    with pytest.raises(error, match=message):
        compare(models, arrays if data is None else data, out=tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_flat_rows_that_are_not_square_images_are_refused(tmp_path):
    X = np.zeros((10, 50))
    with pytest.raises(ValueError, match=r"X_train has rows of 50 values, which are not square"):
        compare({"nb": GaussianNB()}, (X, np.arange(10) % 2, X, np.arange(10) % 2), out=tmp_path)
