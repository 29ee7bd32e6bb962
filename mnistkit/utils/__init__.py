"""Utilities shared by mnistkit's estimators."""

from ._files import (
    atomic_write,
    check_file_name,
    check_not_a_link,
    remove_abandoned_temporaries,
)
from ._images import as_image_batch, check_image_batch, flatten_images, infer_image_shape

__all__ = [
    "as_image_batch",
    "atomic_write",
    "check_file_name",
    "check_image_batch",
    "check_not_a_link",
    "flatten_images",
    "infer_image_shape",
    "remove_abandoned_temporaries",
]
