"""Feature extraction from images: batch HOG (kernel and transformer)."""

from ._hog import hog_features, hog_images, hog_output_shape
from ._hog_transformer import HOGTransformer

__all__ = ["HOGTransformer", "hog_features", "hog_images", "hog_output_shape"]
