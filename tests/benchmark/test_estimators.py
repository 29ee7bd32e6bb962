"""A user's own model in a suite: an estimator or a Keras build function by import path, with
mnistkit's feature steps before it, refused at load with the fix, fingerprinted by what decides
its result."""

import textwrap

import numpy as np
import pytest
from sklearn.pipeline import Pipeline

from mnistkit.benchmark import Result, SuiteError, _estimators, load_suite, run_suite, write_report
from mnistkit.benchmark._kinds._base import build_model, qualified_param
from mnistkit.benchmark._records import OK, record_path

MYMODELS = """
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def sgd(alpha=1e-4, loss="hinge"):
    return make_pipeline(StandardScaler(), SGDClassifier(alpha=alpha, loss=loss, max_iter=20))


def not_an_estimator():
    return 42


def dense(width=16):
    import keras

    return keras.Sequential([keras.layers.Dense(width, activation="relu")])
"""


@pytest.fixture
def folder(tmp_path):
    """A folder with a suite's own module beside it (``mymodels.py``)."""
    (tmp_path / "mymodels.py").write_text(MYMODELS)
    return tmp_path


def _suite(folder, body, name="s"):
    path = folder / f"{name}.toml"
    path.write_text(
        '[defaults]\ntrain_size = 300\ntest_size = 100\n[[entries]]\nid = "x"\n'
        + textwrap.dedent(body)
    )
    return load_suite(path)


def _entry(folder, body):
    return _suite(folder, body).entries[0]


def test_an_estimator_class_by_import_path_gets_its_params_and_the_run_s_seed(folder):
    entry = _entry(
        folder,
        """
        estimator = "sklearn.ensemble:HistGradientBoostingClassifier"
        params = { max_iter = 7 }
        random_state = 3
        """,
    )
    model = build_model(entry, entry.seed(0))
    assert isinstance(model, Pipeline) and len(model.steps) == 1
    final = model.steps[-1][1]
    assert type(final).__name__ == "HistGradientBoostingClassifier"
    assert final.max_iter == 7 and final.random_state == 3
    assert entry.model_label == "sklearn.ensemble:HistGradientBoostingClassifier"


@pytest.mark.parametrize(
    ("features", "steps"),
    [
        ("hog", ["hogtransformer"]),
        ("deskewed-hog", ["deskewer", "hogtransformer"]),
        ("pca", ["pixelscaler", "pca"]),
        ("pixels", ["pixelscaler"]),
        ("standardized", ["standardscaler"]),
        ("colour-hog", ["hogtransformer"]),
    ],
)
def test_feature_steps_stand_before_the_user_s_estimator(folder, features, steps):
    entry = _entry(
        folder, f'features = "{features}"\nestimator = "sklearn.tree:DecisionTreeClassifier"\n'
    )
    model = build_model(entry, 0)
    assert [name for name, _ in model.steps] == [*steps, "decisiontreeclassifier"]
    assert entry.model_label == f"{features} + sklearn.tree:DecisionTreeClassifier"


def test_every_feature_step_name_is_one_the_entry_accepts():
    assert set(_estimators._feature_steps()) == set(_estimators.FEATURE_STEPS)


def test_a_function_beside_the_suite_builds_the_estimator(folder):
    entry = _entry(folder, 'estimator = "mymodels:sgd"\nparams = { alpha = 0.01 }\n')
    assert entry.search_path == str(folder.resolve())
    model = build_model(entry, 0)
    assert model.get_params()["pipeline__sgdclassifier__alpha"] == 0.01


def test_grid_and_sweep_name_the_user_s_parameters_bare(folder):
    entry = _entry(
        folder,
        """
        estimator = "sklearn.linear_model:SGDClassifier"
        features = "pixels"
        grid = { alpha = [0.0001, 0.01] }
        """,
    )
    assert qualified_param(build_model(entry, 0), "alpha") == "sgdclassifier__alpha"
    sweep = _entry(
        folder,
        """
        kind = "sweep"
        estimator = "sklearn.tree:DecisionTreeClassifier"
        sweep = { param = "max_depth", values = [2, 4] }
        """,
    )
    assert sweep.options.sweep["param"] == "max_depth"
    with pytest.raises(
        SuiteError,
        match=r"the sweep's param 'max_dept' is not a parameter .*Did you mean 'max_depth'",
    ):
        _entry(
            folder,
            """
            kind = "sweep"
            estimator = "sklearn.tree:DecisionTreeClassifier"
            sweep = { param = "max_dept", values = [2, 4] }
            """,
        )


def test_a_network_build_function_is_trained_by_keras_classifier(folder):
    pytest.importorskip("keras")
    entry = _entry(
        folder, 'network = "mymodels:dense"\nparams = { model__width = 8, epochs = 1 }\n'
    )
    final = build_model(entry, 0).steps[-1][1]
    assert type(final).__name__ == "KerasClassifier"
    assert final.get_params()["model__width"] == 8 and final.epochs == 1
    assert final.precision == "float32"  # as the baselines' networks in a suite
    model = build_model(entry, 0)
    assert qualified_param(model, "model__width") == "kerasclassifier__model__width"
    assert qualified_param(model, "epochs") == "kerasclassifier__epochs"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            'estimator = "nosuchpkg.mod:X"',
            r"no module named 'nosuchpkg' in the suite's folder .* and the installed packages .*pip install nosuchpkg.*nosuchpkg/mod.py beside",
        ),
        (
            'estimator = "sklearn.ensemble:HistGradientBoostingClasifier"',
            r"has no attribute 'HistGradientBoostingClasifier'. Did you mean 'HistGradientBoostingClassifier'",
        ),
        (
            'estimator = "sklearn.ensemble.HistGradientBoostingClassifier"',
            r"is not an import path: write 'package.module:attribute'",
        ),
        (
            'estimator = "sklearn.svm:SVC"\nparams = { CC = 1 }',
            r"params 'CC' \(did you mean 'C'\?\) are not parameters of sklearn.svm:SVC; its parameters are C, break_ties",
        ),
        (
            'estimator = "mymodels:sgd"\nparams = { alpah = 1 }',
            r"params 'alpah' \(did you mean 'alpha'\?\) are not parameters of mymodels:sgd; its parameters are alpha, loss",
        ),
        (
            'estimator = "mymodels:not_an_estimator"',
            r"gave a int, which is not a scikit-learn estimator",
        ),
        ('estimator = "sklearn:__version__"', r"is a str, not an estimator class or a function"),
        (
            'estimator = "sklearn.decomposition:PCA"',
            r"PCA has no predict method, so kind 'classifier' cannot score it",
        ),
        (
            'kind = "clustering"\nestimator = "sklearn.svm:SVC"',
            r"kind 'clustering' needs a clusterer .* SVC is not one",
        ),
        (
            'kind = "pca"\nestimator = "sklearn.svm:SVC"',
            r"kind 'pca' takes no model; remove 'estimator'",
        ),
        (
            'model = "pca-svc-rbf"\nestimator = "sklearn.svm:SVC"',
            r"names its model twice \('model' and 'estimator'\)",
        ),
        (
            'model = "pca-svc-rbf"\nfeatures = "hog"',
            r"'features' goes before your own 'estimator' or 'network'",
        ),
        (
            'features = "hogg"\nestimator = "sklearn.svm:SVC"',
            r"'features' must be one of 'pixels', 'standardized', 'pca', 'hog', 'deskewed-hog'",
        ),
        ('kind = "classifier"', r"needs a 'model' .*, an 'estimator' .* or a 'network'"),
        (
            'model = "pca-svc-rbf"\nparams = { svc__CC = 3 }',
            r"Invalid parameter 'CC' for estimator SVC",
        ),
        (
            'model = "pca-svc-rbf"\nparams = { CC = 3 }',
            r"Invalid parameter 'CC' for the final step 'svc'. Did you mean 'C'\?",
        ),
    ],
)
def test_a_model_that_cannot_be_built_is_refused_at_load_naming_the_fix(folder, body, message):
    with pytest.raises(SuiteError, match=message):
        _entry(folder, body + "\n")


def test_a_bare_parameter_reaches_an_estimator_wrapped_in_the_final_step(folder):
    entry = _entry(folder, 'model = "pixels-linear-svc"\nparams = { C = 0.5 }\n')
    assert build_model(entry, 0).get_params()["onevsrestclassifier__estimator__C"] == 0.5


def _record(entry):
    return Result.start(
        entry,
        0,
        "",
        OK,
        fingerprint={
            "entry": entry.config_fingerprint(0),
            "data": None,
            "code": entry.code_identity(),
        },
    )


def test_a_parameter_change_or_a_package_upgrade_marks_the_record_stale(folder, monkeypatch):
    body = 'estimator = "sklearn.svm:SVC"\nparams = { C = 1.0 }\n'
    entry = _entry(folder, body)
    record = _record(entry)
    assert record.fingerprint["code"]["package"] == "scikit-learn"
    assert record.stale_reasons(entry, None) == []
    changed = _entry(folder, body.replace("1.0", "2.0"))
    assert record.stale_reasons(changed, None) == ["suite changed (params)"]
    real = _estimators._defining_package
    monkeypatch.setattr(
        _estimators,
        "_defining_package",
        lambda obj: (real(obj)[0], "99.0"),
    )
    version = record.fingerprint["code"]["version"]
    assert record.stale_reasons(entry, None) == [
        f"estimator changed: scikit-learn {version} -> 99.0"
    ]


def test_editing_the_module_beside_the_suite_marks_the_record_stale(folder):
    entry = _entry(folder, 'estimator = "mymodels:sgd"\n')
    record = _record(entry)
    assert record.fingerprint["code"]["package"] == "mymodels.py"
    (folder / "mymodels.py").write_text(MYMODELS + "\n# edited\n")
    reasons = record.stale_reasons(entry, None)
    assert len(reasons) == 1 and reasons[0].startswith("estimator changed: mymodels.py source ")


def test_baseline_fingerprints_do_not_depend_on_the_keys_for_user_models(folder):
    entry = _entry(folder, 'model = "pixels-gaussian-nb"\n')
    assert entry.code_identity() is None
    assert not {"estimator", "network", "features", "search_path"} & set(entry.determining())


@pytest.mark.slow
def test_user_models_run_through_every_model_kind_and_the_report(folder):
    path = folder / "mine.toml"
    path.write_text(
        textwrap.dedent(
            """
            name = "mine"
            [defaults]
            train_size = 600
            test_size = 200
            [[entries]]
            id = "sgd"
            estimator = "mymodels:sgd"
            [[entries]]
            id = "hog-tree"
            features = "hog"
            estimator = "sklearn.tree:DecisionTreeClassifier"
            grid = { max_depth = [2, 6] }
            cv = 2
            [[entries]]
            id = "kmeans"
            kind = "clustering"
            features = "pca"
            estimator = "sklearn.cluster:KMeans"
            params = { n_clusters = 10, n_init = 1 }
            [[entries]]
            id = "depth"
            kind = "sweep"
            estimator = "sklearn.tree:DecisionTreeClassifier"
            sweep = { param = "max_depth", values = [2, 4] }
            """
        )
    )
    out = folder / "out"
    summary = run_suite(path, out, progress=False)
    assert summary.statuses == {name: OK for name in ("sgd", "hog-tree", "kmeans", "depth")}
    record = Result.read(record_path(out, "hog-tree", 0))
    assert set(record.details["best_params"]) == {"decisiontreeclassifier__max_depth"}
    assert record.fingerprint["code"]["object"] == "sklearn.tree:DecisionTreeClassifier"
    text = write_report(out).with_name("summary.md").read_text()
    assert "| hog-tree | hog + sklearn.tree:DecisionTreeClassifier |" in text
    assert "| sgd | mymodels:sgd |" in text
    again = run_suite(path, out, progress=False)
    assert again.ran == []


def test_colour_hog_before_a_user_s_estimator_fits_colour_rows(folder):
    entry = _entry(
        folder, 'features = "colour-hog"\nestimator = "sklearn.linear_model:LogisticRegression"\n'
    )
    model = build_model(entry, 0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (40, 16, 16, 3), dtype=np.uint8)
    y = np.arange(40) % 2
    images[y == 1, 4:12, 4:12, 0] = 255  # a red square: the classes differ in colour gradients
    model.fit(images.reshape(40, -1), y)  # flat rows of 768 values: 16 x 16 x 3
    assert model.steps[0][1].image_shape_ == (16, 16, 3)
    assert model.score(images.reshape(40, -1), y) == 1.0


def test_the_warnings_a_fit_raises_are_kept_in_the_record_and_shown(folder, tmp_path):
    from mnistkit.benchmark._child import run_entry
    from mnistkit.benchmark._report import _card
    from mnistkit.benchmark._report._outcomes import Outcome
    from mnistkit.benchmark._report._tables import leaderboard

    entry = _entry(
        folder,
        'estimator = "sklearn.linear_model:LogisticRegression"\nparams = { max_iter = 2 }\n',
    )
    result = run_entry(entry, 0, tmp_path / "out")
    assert result.status == OK
    (line,) = result.details["warnings"]
    assert line.startswith("ConvergenceWarning: lbfgs failed to converge")
    assert Result.read(record_path(tmp_path / "out", "x", 0)).details["warnings"] == [line]

    class NoData:
        def predictions(self, result):
            return None

    outcome = Outcome(entry, [result], OK)
    card = _card(outcome, NoData(), tmp_path)
    assert f"Warnings while it ran: {line}." in card["lines"]
    row = leaderboard([outcome]).rows[0]
    assert row[-1].text == "1" and row[-1].css == "warned"


def test_a_baseline_s_card_lists_its_settings_that_are_not_the_defaults_unless_overridden(
    folder, tmp_path
):
    from mnistkit.benchmark._report import _baseline_settings

    plain = _entry(folder, 'model = "pixels-logistic-regression"\n')
    (line,) = _baseline_settings(plain)
    assert "logisticregression__C=0.1 (default 1.0)" in line and "max_iter=300" in line
    overridden = _entry(folder, 'model = "pixels-logistic-regression"\nparams = { C = 1.0 }\n')
    assert "__C=" not in _baseline_settings(overridden)[0]
    assert (
        _baseline_settings(_entry(folder, 'estimator = "sklearn.naive_bayes:GaussianNB"\n')) == []
    )
