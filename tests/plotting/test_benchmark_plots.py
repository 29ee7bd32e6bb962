"""The score-against-time picture: the Pareto front, labels that never overlap, and the
frame load_results returns as its input."""

import itertools

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from mnistkit.plotting import ScoreTimeDisplay
from mnistkit.plotting._benchmark_plots import pareto_front


@pytest.mark.parametrize(
    ("scores", "seconds", "front"),
    [
        ([0.81, 0.97, 0.88, 0.99], [1.4, 6.6, 11.8, 64.7], [0, 1, 3]),
        ([0.9, 0.9, 0.8], [1.0, 2.0, 0.5], [2, 0]),  # a tie in score: the faster one only
        ([0.9, 0.9], [1.0, 1.0], [0, 1]),  # the same point twice: neither beats the other
        ([0.5], [3.0], [0]),
    ],
)
def test_the_pareto_front_holds_the_entries_nothing_beats_on_both(scores, seconds, front):
    assert pareto_front(scores, seconds) == front


@pytest.mark.parametrize("n", [7, 30])
def test_labels_of_up_to_thirty_entries_do_not_overlap(n):
    rng = np.random.default_rng(n)
    labels = [f"entry-{i}-{'x' * int(rng.integers(0, 12))}" for i in range(n)]
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    display = ScoreTimeDisplay(rng.uniform(0.8, 0.995, n), 10 ** rng.uniform(0, 3, n), labels).plot(
        ax=figure.add_subplot()
    )
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in display.texts_]
    assert [text.get_text() for text in display.texts_] != []
    assert sorted(text.get_text() for text in display.texts_) == sorted(labels)
    assert not [(a, b) for a, b in itertools.combinations(boxes, 2) if a.overlaps(b)]
    assert display.ax_.get_xscale() == "log"


def test_from_results_draws_one_point_per_entry_and_folder():
    frame = pd.DataFrame(
        {
            "folder": ["a", "a", "a", "b", "a"],
            "id": ["nb", "cnn", "cnn", "cnn", "broken"],
            "score": [0.81, 0.99, 0.993, 0.994, None],
            "fit_seconds": [1.4, 60.0, 70.0, 20.0, None],
        }
    )
    display = ScoreTimeDisplay.from_results(frame)
    assert sorted(display.labels) == ["cnn (a)", "cnn (b)", "nb (a)"]
    cnn_a = display.labels.index("cnn (a)")
    assert display.seconds[cnn_a] == 65.0 and display.scores[cnn_a] == pytest.approx(0.9915)
    assert display.pareto_ == ["nb (a)", "cnn (b)"]
    assert display.ax_.get_ylabel() == "score"
    matplotlib.pyplot.close(display.figure_)
    with pytest.raises(ValueError, match=r"results has no column 'f1'"):
        ScoreTimeDisplay.from_results(frame, score="f1")


@pytest.mark.parametrize(
    ("scores", "seconds", "labels", "message"),
    [
        ([0.9], [0.0], ["a"], r"seconds must be positive .* 0 for 'a'"),
        ([0.9, 0.8], [1.0], ["a", "b"], r"one value per model"),
        ([np.nan], [1.0], ["a"], r"finite"),
    ],
)
def test_bad_points_are_refused_by_name(scores, seconds, labels, message):
    with pytest.raises(ValueError, match=message):
        ScoreTimeDisplay(scores, seconds, labels).plot(ax=Figure().add_subplot())


def test_a_sweep_display_from_a_grid_search_draws_training_and_test_scores():
    from sklearn.model_selection import GridSearchCV
    from sklearn.naive_bayes import GaussianNB

    from mnistkit.plotting import SweepDisplay

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 4)), np.repeat([0, 1, 2], 20)
    search = GridSearchCV(
        GaussianNB(), {"var_smoothing": [1e-9, 1e-3, 1.0]}, cv=3, return_train_score=True
    ).fit(X, y)
    ax = Figure().add_subplot()
    display = SweepDisplay.from_cv_results(search.cv_results_, "var_smoothing", ax=ax)
    assert display.ax_ is ax and ax.get_xscale() == "log"
    assert [line.get_label() for line in display.lines_] == [
        "training score",
        "test score (cross-validated)",
    ]
    np.testing.assert_allclose(display.lines_[1].get_ydata(), search.cv_results_["mean_test_score"])
    with pytest.raises(
        ValueError, match=r"no parameter 'C'; the search varied \['var_smoothing'\]"
    ):
        SweepDisplay.from_cv_results(search.cv_results_, "C")


def test_a_sweep_display_of_categories_puts_one_unjoined_point_per_tick():
    from mnistkit.plotting import SweepDisplay

    display = SweepDisplay("svc__kernel", ["linear", "rbf"], {"acc": [0.9, 0.97]}).plot(
        ax=Figure().add_subplot()
    )
    assert display.lines_[0].get_linestyle() == "None"
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["linear", "rbf"]
    assert display.ax_.get_xlabel() == "kernel"
    with pytest.raises(ValueError, match=r"scores\['acc'\] has 1 entries for 2 values"):
        SweepDisplay("k", [1, 2], {"acc": [0.9]}).plot(ax=Figure().add_subplot())


def test_a_sweep_display_refuses_a_search_that_varied_other_parameters_too():
    from mnistkit.plotting import SweepDisplay

    results = {"param_C": [1, 1, 10, 10], "param_gamma": [1, 2, 1, 2], "mean_test_score": [0] * 4}
    with pytest.raises(ValueError, match="varied other parameters too"):
        SweepDisplay.from_cv_results(results, "C")
