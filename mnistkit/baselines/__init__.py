"""Ready-made classical pipelines (SVC, trees, forests, linear models, naive Bayes, k-NN and
clusterings) on pixels, PCA and HOG features, built by name."""

from ._registry import FEATURES, MODELS, describe_baseline, list_baselines, make_baseline

__all__ = ["FEATURES", "MODELS", "describe_baseline", "list_baselines", "make_baseline"]
