"""Kind ``clustering``: fit an unsupervised ``... -> ClusterClassifier`` pipeline on the training
part and score its clusters against the training labels (homogeneity, ARI, silhouette, cluster
accuracy)."""

import time

import numpy as np

from ._base import (
    EntryKind,
    Fact,
    ReportedFigure,
    build_model,
    jsonable_params,
    mosaic_figure,
    new_figure,
    register_kind,
)

#: Points of a 2-d scatter kept in a result (a seeded sample: enough to see the clusters).
SCATTER_POINTS = 4000


def training_clusters(model, X):
    """The features a fitted ``... -> ClusterClassifier`` pipeline clusters, and its clusters."""
    features = model[:-1].transform(X)
    return features, model[-1].clusterer_.predict(features)


def _named_clusters(model, seed):
    """``model`` with a user's bare clusterer (KMeans, ...) at its end wrapped in a
    :class:`~mnistkit.cluster.ClusterClassifier`, which names its clusters after the labels."""
    from ...cluster import ClusterClassifier

    name, final = model.steps[-1]
    if hasattr(final, "clusterer"):
        return model
    assign = "clusterer" if hasattr(final, "predict") else "neighbors"
    model.steps[-1] = (name, ClusterClassifier(final, assign=assign, random_state=seed))
    return model


@register_kind
class ClusteringKind(EntryKind):
    """Clusters of the training images, scored against their labels."""

    name = "clustering"
    reported_figures = {
        "homogeneity": ReportedFigure("homogeneity of the training clusters", 0.02),
        "adjusted_rand": ReportedFigure("adjusted Rand index of the training clusters", 0.02),
        "rand": ReportedFigure("Rand index (unadjusted) of the training clusters", 0.02),
        "silhouette": ReportedFigure("silhouette of the training clusters (sampled)", 0.02),
        "cluster_accuracy": ReportedFigure("accuracy of the best one-to-one cluster naming", 0.005),
    }
    score_label = "cluster accuracy (training set)"

    def check_model(self, model, entry, where):
        from .._fields import SuiteError

        final = model.steps[-1][1]
        if not (hasattr(final, "clusterer") or hasattr(final, "fit_predict")):
            raise SuiteError(
                f"{where}: kind 'clustering' needs a clusterer (KMeans, GaussianMixture, ...: "
                f"an estimator with fit_predict) as the last step; {type(final).__name__} is not "
                "one."
            )

    def run(self, entry, data, result, predictions_file):
        from ...metrics import clustering_scores

        model = _named_clusters(build_model(entry, result.seed), result.seed)
        data = data.shaped_for(model)
        start = time.perf_counter()
        model.fit(data.X_train, data.y_train)
        result.fit_seconds = time.perf_counter() - start
        features, clusters = training_clusters(model, data.X_train)
        result.metrics = clustering_scores(data.y_train, clusters, features)
        result.details["params"] = jsonable_params(model)
        result.details["pictures"] = cluster_pictures(
            data.X_train, data.y_train, features, clusters, result.seed
        )

    def figures(self, result, context):
        pictures = result.details.get("pictures")
        if not pictures:
            return []

        from ...plotting import EmbeddingDisplay

        figures = []
        if "scatter" in pictures:
            scatter = pictures["scatter"]
            points, clusters = np.asarray(scatter["points"]), np.asarray(scatter["clusters"])
            figure = new_figure((6.5, 5))
            display = EmbeddingDisplay(points, clusters).plot(
                title=f"{len(points):,} training images in the clustered plane (x: cluster means)",
                label_name="cluster",
                ax=figure.add_subplot(),
            )
            centres = np.asarray(scatter["centres"])
            display.ax_.scatter(centres[:, 0], centres[:, 1], c="black", marker="x", s=60)
            display.ax_.title.set_fontsize(10)
            figures.append(("Clusters in two dimensions", "scatter", figure))
        means = np.asarray(pictures["cluster_means"])
        side = round(np.sqrt(means.shape[1]))
        pairs = zip(pictures["sizes"], pictures["majority"], strict=True)
        captions = [f"{label} ({size:,})" for size, label in pairs]
        # Ten clusters in two rows of five: in one row of ten the captions shrink out of sight.
        figure = mosaic_figure(
            means.reshape(-1, side, side),
            captions,
            "Mean image of each cluster: its commonest class (its size)",
            n_cols=5 if len(means) <= 10 else 10,
        )
        figures.append(("Mean image of each cluster", "cluster-means", figure))
        return figures

    def score(self, result):
        return result.metrics.get("cluster_accuracy")

    def facts(self, result):
        return [
            Fact(key.replace("_", " "), result.metrics.get(key))
            for key in ("homogeneity", "adjusted_rand", "cluster_accuracy", "silhouette")
            if result.metrics.get(key) is not None
        ]


def cluster_pictures(X, y, features, clusters, seed):
    """What the cluster pictures need, small enough for a result file: each cluster's mean
    image, size and commonest label, and for 2-d features a seeded sample of the points."""
    y = np.asarray(y)
    ids = np.unique(clusters)
    pictures = {
        "cluster_means": [X[clusters == c].mean(axis=0).round(2).tolist() for c in ids],
        "sizes": [int(np.sum(clusters == c)) for c in ids],
        "majority": [
            str(max(set(y[clusters == c].tolist()), key=y[clusters == c].tolist().count))
            for c in ids
        ],
    }
    if features.shape[1] == 2:
        rng = np.random.default_rng(seed)
        keep = rng.choice(len(features), min(SCATTER_POINTS, len(features)), replace=False)
        pictures["scatter"] = {
            "points": features[keep].round(3).tolist(),
            "clusters": clusters[keep].tolist(),
            "centres": [features[clusters == c].mean(axis=0).round(3).tolist() for c in ids],
        }
    return pictures
