"""Named, ready-to-run scikit-learn pipelines for the classical models the lab reports try.

A name is ``<features>-<model>``: features ``pixels`` (scaled to [0, 1]), ``pca`` (scaled, then
PCA with 50 components) or ``hog`` (:class:`~mnistkit.feature_extraction.HOGTransformer`), and a
model from :data:`MODELS`; plus the special pipelines in :data:`SPECIAL` (``pixels-cnn``,
``umap-gmm``, ...). A special pipeline replaces the combination of the same name:
``hog-svc-rbf`` is the tuned recipe, not SVC on the plain ``hog`` features. Steps are named as
:func:`sklearn.pipeline.make_pipeline` names them (``pixelscaler``, ``pca``, ``hogtransformer``,
``svc``, ...), so overrides and grids use ``svc__C``, ``pca__n_components``.
"""

import difflib

from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.mixture import GaussianMixture
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier

from ..cluster import ClusterClassifier
from ..feature_extraction import HOGTransformer
from ..preprocessing import Deskewer, PixelScaler

__all__ = [
    "FEATURES",
    "MODELS",
    "SPECIAL",
    "describe_baseline",
    "list_baselines",
    "make_baseline",
    "non_default_settings",
]

# Each entry builds fresh steps: (description, factory returning a list of steps).
FEATURES = {
    "pixels": ("raw pixels scaled to [0, 1]", lambda: [PixelScaler()]),
    "standardized": (
        "pixels standardised to zero mean and unit variance per pixel",
        lambda: [StandardScaler()],
    ),
    "pca": (
        "pixels scaled to [0, 1], then PCA(50)",
        lambda: [PixelScaler(), PCA(n_components=50, random_state=0)],
    ),
    "hog": (
        "HOG: 9 orientations, 4x4-pixel cells, 2x2-cell blocks (1,296 features)",
        lambda: [HOGTransformer(n_jobs=-1)],
    ),
}

MODELS = {
    "svc-rbf": ("SVC, RBF kernel, C=10", lambda: SVC(kernel="rbf", C=10.0, gamma="scale")),
    "svc-poly": ("SVC, cubic polynomial kernel", lambda: SVC(kernel="poly", degree=3, C=1.0)),
    "svc-linear": ("SVC, linear kernel", lambda: SVC(kernel="linear", C=1.0)),
    "svc-sigmoid": ("SVC, sigmoid kernel", lambda: SVC(kernel="sigmoid", C=1.0)),
    "linear-svc": (
        "LinearSVC (liblinear's primal solver, tol=1e-3), one class against the rest per core, "
        "standardised inputs",
        # n_samples >> n_features on MNIST, so scikit-learn's dual="auto" already picks the
        # primal (Newton) solver; on 60,000 standardised HOG rows it took 574 s at tol=1e-4
        # (benchmarks/bench_classic.py, 2 cores) and the dual solver 215 s. tol=1e-3 stops at
        # the same test accuracy (0.9816 against 0.9817) and the ten one-vs-rest problems run
        # in parallel (liblinear uses one thread): 88 s.
        lambda: [
            StandardScaler(),
            OneVsRestClassifier(LinearSVC(C=0.01, dual=False, tol=1e-3, max_iter=2000), n_jobs=-1),
        ],
    ),
    "decision-tree": (
        "decision tree, max_depth=15",
        lambda: DecisionTreeClassifier(max_depth=15, random_state=0),
    ),
    "random-forest": (
        "random forest, 100 trees",
        lambda: RandomForestClassifier(n_estimators=100, n_jobs=-1, random_state=0),
    ),
    "logistic-regression": (
        "multinomial logistic regression, standardised inputs",
        lambda: [StandardScaler(), LogisticRegression(C=0.1, max_iter=300)],
    ),
    "gaussian-nb": ("Gaussian naive Bayes", lambda: GaussianNB(var_smoothing=0.1)),
    "knn": ("3 nearest neighbours", lambda: KNeighborsClassifier(n_neighbors=3, n_jobs=-1)),
    "mlp": ("KerasMLP with its default recipe", lambda: _keras("KerasMLP")),
    "kmeans": (
        "KMeans(10) clusters named after the training labels",
        lambda: ClusterClassifier(KMeans(n_clusters=10, n_init=4), random_state=0),
    ),
    "gmm": (
        "GaussianMixture(10, diagonal covariance) clusters named after the training labels",
        lambda: ClusterClassifier(
            GaussianMixture(n_components=10, covariance_type="diag"), random_state=0
        ),
    ),
}

# Pipelines that are not a plain <features>-<model> combination.
SPECIAL = {
    "pixels-cnn": (
        "KerasCNN with its default recipe on the images (uint8 pixels scaled inside)",
        lambda: [_keras("KerasCNN")],
    ),
    "hog-svc-rbf": (
        "the tuned HOG + RBF SVC: images deskewed, HOG (9 orientations, 4x4 cells, 2x2 blocks) "
        "beside the deskewed pixels (weighted 0.7, so both carry about the same variance), "
        "PCA(80), SVC(C=10); trained on the 60,000 MNIST training images it scored 0.9916 on "
        "the test set (0.9169 on Fashion-MNIST)",
        lambda: [
            Deskewer(n_jobs=-1),
            FeatureUnion(
                [("hog", HOGTransformer(n_jobs=-1)), ("pixels", PixelScaler())],
                transformer_weights={"hog": 1.0, "pixels": 0.7},
            ),
            PCA(n_components=80, random_state=0),
            SVC(kernel="rbf", C=10.0, gamma="scale", cache_size=1000),
        ],
    ),
    "umap-gmm": (
        "the best unsupervised recipe: images deskewed and scaled, PCA(50), a 2-d UMAP "
        "embedding of the training images (n_neighbors=15, min_dist=0) clustered by a "
        "10-component full-covariance GaussianMixture, clusters named after the training "
        "labels; a new image takes the cluster of most of its 10 nearest training images in "
        "PCA space (no UMAP transform); cluster accuracy on the 10,000 MNIST test images "
        "0.966 trained on 20,000 images and 0.975 on 60,000 (3 seeds each)",
        lambda: _umap_clustering(
            GaussianMixture(n_components=10, covariance_type="full", n_init=5)
        ),
    ),
    "umap-kmeans": (
        "as umap-gmm, with KMeans(10) clustering the embedding",
        lambda: _umap_clustering(KMeans(n_clusters=10, n_init=10)),
    ),
    "pca200-kmeans": (
        "pixels scaled, PCA(200), KMeans(10) (the lab reports' clustering)",
        lambda: [
            PixelScaler(),
            PCA(n_components=200, random_state=0),
            ClusterClassifier(KMeans(n_clusters=10, n_init=1), random_state=0),
        ],
    ),
}


def _keras(name):
    # The networks' module imports no TensorFlow until a network is fitted.
    from .. import neural_network

    return getattr(neural_network, name)()


def _umap_clustering(clusterer):
    return [
        Deskewer(n_jobs=-1),
        PixelScaler(),
        PCA(n_components=50, random_state=0),
        ClusterClassifier(
            clusterer,
            embedding=_umap(n_components=2, n_neighbors=15, min_dist=0.0),
            assign="neighbors",
            random_state=0,
        ),
    ]


def _umap(**params):
    # UMAPEmbedding, not umap.UMAP: a Pipeline passes y to every step, and umap.UMAP would
    # then run supervised UMAP, leaking the labels into an "unsupervised" clustering.
    from ..decomposition import UMAPEmbedding

    return UMAPEmbedding(**params)


def _entries():
    entries = {}
    for feature_name, (feature_text, feature_steps) in FEATURES.items():
        for model_name, (model_text, model_steps) in MODELS.items():
            entries[f"{feature_name}-{model_name}"] = (
                f"{model_text} on {feature_text}",
                feature_steps,
                model_steps,
            )
    for name, (text, steps) in SPECIAL.items():
        entries[name] = (text, steps, list)
    return entries


def list_baselines():
    """Names of every ready-made pipeline, sorted.

    Returns
    -------
    names : list of str

    Examples
    --------
    >>> from mnistkit.baselines import list_baselines
    >>> "pca-svc-rbf" in list_baselines()
    True
    """
    return sorted(_entries())


def describe_baseline(name):
    """One-line description of a named pipeline, with the settings in which it differs from
    scikit-learn's (and mnistkit's) defaults.

    Parameters
    ----------
    name : str
        A name from :func:`list_baselines`.

    Returns
    -------
    description : str

    Examples
    --------
    >>> from mnistkit.baselines import describe_baseline
    >>> print(describe_baseline("pixels-gaussian-nb"))
    Gaussian naive Bayes on raw pixels scaled to [0, 1]. Not the defaults:
    gaussiannb__var_smoothing=0.1 (default 1e-09).
    """
    changed = non_default_settings(name)
    listed = ", ".join(f"{key}={value!r} (default {default!r})" for key, value, default in changed)
    return _entry(name)[0] + (f". Not the defaults: {listed}." if changed else "")


#: Parameters that change how fast or how loudly a model runs, never what it learns.
_NOT_SETTINGS = {"n_jobs", "verbose", "cache_size", "copy", "memory", "pre_dispatch"}


def _step_changes(prefix, estimator):
    """``(name, value, default)`` of each parameter of ``estimator`` (and of the estimators
    it wraps) that differs from its class's default."""
    import inspect

    from sklearn.base import BaseEstimator

    try:
        defaults = {
            key: parameter.default
            for key, parameter in inspect.signature(type(estimator).__init__).parameters.items()
            if parameter.default is not inspect.Parameter.empty
        }
    except (TypeError, ValueError):
        return []
    changes = []
    for key, value in estimator.get_params(deep=False).items():
        if key in _NOT_SETTINGS or key == "steps" or key == "transformer_list":
            continue
        if isinstance(value, BaseEstimator):
            changes += _step_changes(f"{prefix}{key}__", value)
            continue
        default = defaults.get(key, inspect.Parameter.empty)
        if default is inspect.Parameter.empty or key == "random_state":
            continue
        try:
            same = bool(value == default) if not isinstance(value, float) else value == default
        except (TypeError, ValueError):
            same = value is default
        if not same:
            changes.append((f"{prefix}{key}", value, default))
    return changes


def non_default_settings(name):
    """The settings of a named pipeline that are not its classes' defaults, as
    ``[(parameter, value, default)]`` with ``make_baseline``'s parameter names: what a user
    copying a published configuration onto the baseline must know (GaussianNB's
    ``var_smoothing=0.1``, LogisticRegression's ``C=0.1``). Seeds and thread counts are left
    out.

    Examples
    --------
    >>> from mnistkit.baselines._registry import non_default_settings
    >>> non_default_settings("pixels-logistic-regression")
    [('logisticregression__C', 0.1, 1.0), ('logisticregression__max_iter', 300, 100)]
    """
    model = make_baseline(name)
    changes = []
    for step_name, step in model.steps:
        if hasattr(step, "transformer_list"):  # a FeatureUnion: each of its parts
            for part_name, part in step.transformer_list:
                changes += _step_changes(f"{step_name}__{part_name}__", part)
            continue
        changes += _step_changes(f"{step_name}__", step)
    return changes


def _entry(name):
    entries = _entries()
    if name not in entries:
        close = difflib.get_close_matches(str(name), entries, n=3)
        hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise ValueError(
            f"Unknown baseline {name!r}.{hint} mnistkit.baselines.list_baselines() lists all "
            f"{len(entries)}."
        )
    return entries[name]


def make_baseline(name, **overrides):
    """Build a named pipeline, with parameter overrides.

    Parameters
    ----------
    name : str
        A name from :func:`list_baselines`, e.g. ``"pca-svc-rbf"`` or ``"hog-logistic-regression"``.
    **overrides : dict
        Parameters to set: ``step__param`` as in :meth:`~sklearn.pipeline.Pipeline.set_params`
        (``pca__n_components=40``), or a bare ``param`` of the final estimator (``C=5``), also
        where the final step wraps it (``C`` of ``pixels-linear-svc``'s LinearSVC inside its
        one-vs-rest wrapper).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Unfitted.

    Examples
    --------
    >>> from mnistkit.baselines import make_baseline
    >>> pipeline = make_baseline("pca-svc-rbf", C=5, pca__n_components=40)
    >>> list(pipeline.named_steps)
    ['pixelscaler', 'pca', 'svc']
    >>> pipeline.get_params()["svc__C"], pipeline.get_params()["pca__n_components"]
    (5, 40)
    """
    _, feature_steps, model_steps = _entry(name)
    models = model_steps()
    steps = [*feature_steps(), *(models if isinstance(models, list) else [models])]
    pipeline = make_pipeline(*steps)
    parameters = {_qualified(pipeline, key): value for key, value in overrides.items()}
    return pipeline.set_params(**parameters)


def _qualified(pipeline, key):
    """An override's full name: ``step__param`` as given; a bare ``param`` of the final step,
    or else of the one estimator inside the final step that has it (``C`` of the LinearSVC
    inside ``linear-svc``'s one-vs-rest wrapper); a bare name nobody or several have is
    refused, naming the choices."""
    if "__" in key:
        return key
    final = pipeline.steps[-1][0]
    names = [name for name in pipeline.get_params(deep=True) if name.startswith(f"{final}__")]
    if f"{final}__{key}" in names:
        return f"{final}__{key}"
    matches = [name for name in names if name.rsplit("__", 1)[-1] == key]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ValueError(
            f"Parameter {key!r} is ambiguous in this pipeline: write one of {matches}."
        )
    bare = sorted({name.rsplit("__", 1)[-1] for name in names})
    close = difflib.get_close_matches(key, bare, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(
        f"Invalid parameter {key!r} for the final step {final!r}.{hint} Its parameters: "
        f"{', '.join(bare)}; other steps' as step__param ({', '.join(pipeline.named_steps)})."
    )
