"""Keras neural networks as scikit-learn classifiers (TensorFlow is imported on first use)."""

from ._classifier import KerasClassifier
from ._cnn import KerasCNN
from ._mlp import KerasMLP

__all__ = ["KerasCNN", "KerasClassifier", "KerasMLP"]
