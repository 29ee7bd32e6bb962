"""Evaluation of classifiers and clusterings: scores scikit-learn lacks and one-call reports."""

from ._classification import McNemarResult, mcnemar_test, most_confused_pairs, specificity_score
from ._cluster import cluster_accuracy_score, clustering_scores, purity_score
from ._evaluation import ClassificationEvaluation, evaluate, evaluate_estimator

__all__ = [
    "ClassificationEvaluation",
    "McNemarResult",
    "cluster_accuracy_score",
    "clustering_scores",
    "evaluate",
    "evaluate_estimator",
    "mcnemar_test",
    "most_confused_pairs",
    "purity_score",
    "specificity_score",
]
