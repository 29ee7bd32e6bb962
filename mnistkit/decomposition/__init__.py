"""Dimensionality reduction helpers around scikit-learn's PCA and umap-learn's UMAP."""

from ._pca import n_components_for_variance, pca_reconstruct, reconstruction_error
from ._umap import UMAPEmbedding, make_umap

__all__ = [
    "UMAPEmbedding",
    "make_umap",
    "n_components_for_variance",
    "pca_reconstruct",
    "reconstruction_error",
]
