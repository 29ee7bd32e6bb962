"""Preprocessing steps for image pipelines."""

from ._pixels import PixelScaler

__all__ = ["PixelScaler"]
