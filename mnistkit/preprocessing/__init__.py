"""Preprocessing steps for image pipelines."""

from ._deskew import Deskewer, deskew_images
from ._pixels import PixelScaler

__all__ = ["Deskewer", "PixelScaler", "deskew_images"]
