"""Clustering as a classifier, and sweeps over clusterings."""

from ._evaluator import ClusterClassifier, check_cluster_count
from ._sweep import clustering_sweep

__all__ = ["ClusterClassifier", "check_cluster_count", "clustering_sweep"]
