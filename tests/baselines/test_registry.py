import pytest
from sklearn.pipeline import Pipeline

from mnistkit.baselines import describe_baseline, list_baselines, make_baseline


def test_every_name_builds_a_pipeline():
    from mnistkit.baselines._registry import FEATURES, MODELS, SPECIAL

    names = list_baselines()
    # Every features-model combination, and the special pipelines (one may replace a combination).
    combinations = {f"{feature}-{model}" for feature in FEATURES for model in MODELS}
    assert sorted(names) == names and set(names) == combinations | set(SPECIAL)
    assert len(names) == len(combinations) + len(set(SPECIAL) - combinations) > 50
    for name in names:
        pipeline = make_baseline(name)
        assert isinstance(pipeline, Pipeline)
        assert describe_baseline(name)


@pytest.mark.parametrize(
    "name",
    [
        "pixels-gaussian-nb",
        "pca-knn",
        "hog-logistic-regression",
        "pca-svc-rbf",
        "pca-kmeans",
        "pixels-decision-tree",
    ],
)
def test_small_fit(mnist_test, name):
    X, y = mnist_test.data[:1200], mnist_test.target[:1200]
    model = make_baseline(name).fit(X[:1000], y[:1000])
    assert model.score(X[1000:], y[1000:]) > 0.4


def test_overrides():
    pipeline = make_baseline("pixels-decision-tree", max_depth=4)
    assert pipeline.get_params()["decisiontreeclassifier__max_depth"] == 4
    pipeline = make_baseline("hog-logistic-regression", hogtransformer__orientations=8)
    assert pipeline.get_params()["hogtransformer__orientations"] == 8
    pipeline = make_baseline("hog-svc-rbf", featureunion__hog__orientations=8, C=3)
    assert pipeline.get_params()["featureunion__hog__orientations"] == 8
    assert pipeline.get_params()["svc__C"] == 3
    with pytest.raises(ValueError, match="Invalid parameter 'depth'"):
        make_baseline("pixels-decision-tree", depth=4)


def test_unknown_name_suggests():
    with pytest.raises(
        ValueError, match="Unknown baseline 'pca-svm-rbf'. Did you mean 'pca-svc-rbf'"
    ):
        make_baseline("pca-svm-rbf")


def test_the_baselines_settings_that_are_not_the_defaults_are_listed():
    from mnistkit.baselines._registry import non_default_settings

    assert non_default_settings("pixels-gaussian-nb") == [("gaussiannb__var_smoothing", 0.1, 1e-9)]
    linear = dict((key, value) for key, value, _ in non_default_settings("pixels-linear-svc"))
    assert linear["onevsrestclassifier__estimator__C"] == 0.01
    assert not any(key.endswith(("n_jobs", "random_state")) for key in linear)
    assert non_default_settings("pixels-random-forest") == []  # 100 trees is the default
    assert "Not the defaults: logisticregression__C=0.1 (default 1.0)" in describe_baseline(
        "hog-logistic-regression"
    )
