"""Plots of images: samples, class means, class balance and HOG pictures (shortcuts that
return the Axes), and :func:`image_mosaic`, the tiling they and the report draw with."""

import numpy as np

from ._common import (
    as_images,
    check_count,
    check_labels,
    check_target_names,
    get_axes,
    image_mosaic,
)

__all__ = [
    "image_mosaic",
    "plot_class_distribution",
    "plot_class_means",
    "plot_hog",
    "plot_image_grid",
]


def plot_image_grid(images, labels=None, *, n_images=50, n_cols=10, ax=None, title=None):
    """A grid of sample images, captioned with their labels.

    Parameters
    ----------
    images : ndarray of shape (n_samples, height, width) or (n_samples, n_pixels)
        Images or flat square rows.
    labels : array-like of shape (n_samples,), default=None
        Captions.
    n_images : int, default=50
        How many images to show (the first ones).
    n_cols : int, default=10
        Images per row.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; ``None`` makes a new pyplot figure (shown in a notebook).
    title : str, default=None
        Title.

    Returns
    -------
    ax : matplotlib.axes.Axes

    Examples
    --------
    >>> from mnistkit.datasets import load_mnist
    >>> from mnistkit.plotting import plot_image_grid
    >>> mnist = load_mnist(subset="test")
    >>> ax = plot_image_grid(mnist.images, mnist.target, n_images=20)
    >>> ax.get_title()
    'Sample images'
    """
    images = as_images(images)
    check_count(n_images, "n_images")
    check_count(n_cols, "n_cols")
    if labels is not None:
        labels = check_labels(labels, len(images))
    images = images[:n_images]
    captions = None if labels is None else [str(label) for label in labels[:n_images]]
    ax = image_mosaic(images, captions, n_cols=n_cols, ax=ax)
    ax.set_title(title or "Sample images")
    return ax


def plot_class_means(images, labels, *, target_names=None, n_cols=None, ax=None, title=None):
    """The mean image of each class.

    Parameters
    ----------
    images : ndarray of shape (n_samples, height, width) or (n_samples, n_pixels)
        Images.
    labels : array-like of shape (n_samples,)
        Class of each image.
    target_names : list of str, default=None
        Captions for the sorted classes.
    n_cols : int, default=None
        Means per row; ``None`` puts up to 10 in a row.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; ``None`` makes a new pyplot figure (shown in a notebook).
    title : str, default=None
        Title.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    images = as_images(images)
    labels = check_labels(labels, len(images))
    classes = np.unique(labels)
    means = np.stack([images[labels == label].mean(axis=0) for label in classes])
    captions = check_target_names(target_names, classes)
    if n_cols is None:
        n_cols = min(10, len(classes))
    check_count(n_cols, "n_cols")
    ax = image_mosaic(means, captions, n_cols=n_cols, ax=ax, colorbar=True)
    ax.set_title(title or "Mean image per class")
    return ax


def plot_class_distribution(labels, *, target_names=None, ax=None, title=None):
    """Bar chart of the number of samples per class.

    Parameters
    ----------
    labels : array-like of shape (n_samples,)
        Class labels.
    target_names : list of str, default=None
        Names of the sorted classes.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; ``None`` makes a new pyplot figure (shown in a notebook).
    title : str, default=None
        Title.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    labels = np.asarray(labels)
    if labels.ndim != 1 or not len(labels):
        raise ValueError(
            f"labels must be a non-empty 1-d array of class labels; got shape {labels.shape}."
        )
    classes, counts = np.unique(labels, return_counts=True)
    names = check_target_names(target_names, classes)
    ax = get_axes(ax, figsize=(7, 3.5))
    bars = ax.bar(np.arange(len(classes)), counts, color="tab:blue")
    ax.bar_label(bars, fontsize=7)
    ax.set_xticks(np.arange(len(classes)), names, rotation=45 if len(classes) > 10 else 0)
    ax.set_xlabel("Class")
    ax.set_ylabel("Number of samples")
    ax.set_title(title or f"Class distribution ({counts.sum()} samples)")
    return ax


def plot_hog(images, *, orientations=9, pixels_per_cell=(4, 4), n_images=8, ax=None, title=None):
    """Images next to their HOG pictures (what ``skimage.feature.hog(visualize=True)`` draws).

    Parameters
    ----------
    images : ndarray of shape (n_samples, height, width) or (n_samples, n_pixels)
        Grayscale images.
    orientations : int, default=9
        Orientation bins.
    pixels_per_cell : (int, int), default=(4, 4)
        Cell size.
    n_images : int, default=8
        Pairs to show.
    ax : matplotlib.axes.Axes, default=None
        Where to draw; ``None`` makes a new pyplot figure (shown in a notebook).
    title : str, default=None
        Title.

    Returns
    -------
    ax : matplotlib.axes.Axes
    """
    from ..feature_extraction import hog_images

    images = as_images(images)[:n_images]
    pictures = hog_images(images, orientations=orientations, pixels_per_cell=pixels_per_cell)
    # Scale each picture to the image's range so that both show in one mosaic.
    scale = images.reshape(len(images), -1).max(axis=1) / np.maximum(
        pictures.reshape(len(pictures), -1).max(axis=1), 1e-12
    )
    pictures = pictures * scale[:, None, None]
    tiles = np.stack([images.astype(float), pictures], axis=1).reshape(-1, *images.shape[1:])
    captions = ["image", "HOG"] * len(images)
    ax = image_mosaic(tiles, captions, n_cols=min(8, 2 * len(images)), ax=ax, cmap="gray")
    ax.set_title(title or f"HOG: {orientations} orientations, {tuple(pixels_per_cell)} cells")
    return ax
