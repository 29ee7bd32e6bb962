"""Kind ``clustering``: fit an unsupervised ``... -> ClusterClassifier`` pipeline on the training
part and score its clusters against the training labels (homogeneity, ARI, silhouette, cluster
accuracy)."""

import time

from ._base import EntryKind, Fact, ReportedFigure, build_model, jsonable_params, register_kind


def training_clusters(model, X):
    """The features a fitted ``... -> ClusterClassifier`` pipeline clusters, and its clusters."""
    features = model[:-1].transform(X)
    return features, model[-1].clusterer_.predict(features)


@register_kind
class ClusteringKind(EntryKind):
    """Clusters of the training images, scored against their labels."""

    name = "clustering"
    reported_figures = {
        "homogeneity": ReportedFigure("homogeneity of the training clusters", 0.02),
        "adjusted_rand": ReportedFigure("adjusted Rand index of the training clusters", 0.02),
        "silhouette": ReportedFigure("silhouette of the training clusters (sampled)", 0.02),
        "cluster_accuracy": ReportedFigure("accuracy of the best one-to-one cluster naming", 0.005),
    }
    score_label = "cluster accuracy (training set)"

    def run(self, entry, data, result, predictions_file):
        from ...metrics import clustering_scores

        model = build_model(entry, result.seed)
        start = time.perf_counter()
        model.fit(data.X_train, data.y_train)
        result.fit_seconds = time.perf_counter() - start
        features, clusters = training_clusters(model, data.X_train)
        result.metrics = clustering_scores(data.y_train, clusters, features)
        result.details["params"] = jsonable_params(model)

    def score(self, result):
        return result.metrics.get("cluster_accuracy")

    def facts(self, result):
        return [
            Fact(key.replace("_", " "), result.metrics.get(key))
            for key in ("homogeneity", "adjusted_rand", "cluster_accuracy", "silhouette")
            if result.metrics.get(key) is not None
        ]
