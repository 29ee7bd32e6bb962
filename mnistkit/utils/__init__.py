"""Utilities shared by mnistkit's estimators."""

from ._images import as_image_batch, flatten_images, infer_image_shape

__all__ = ["as_image_batch", "flatten_images", "infer_image_shape"]
