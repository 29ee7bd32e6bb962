import pytest
from sklearn.pipeline import Pipeline

from mnistkit.baselines import describe_baseline, list_baselines, make_baseline


def test_every_name_builds_a_pipeline():
    names = list_baselines()
    assert len(names) == 4 * 13 + 4
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
