"""Displays of fitted decompositions: explained variance, reconstructions and 2-d embeddings.

Each display has ``from_estimator`` and ``plot(ax=...)``; the ``plot_*`` functions are shortcuts
that return the Axes, their parameters documented from the display's own methods.
"""

import numpy as np

from ._common import Display, as_images, check_fitted_pca, image_mosaic, shortcut_of

__all__ = [
    "EmbeddingDisplay",
    "ExplainedVarianceDisplay",
    "ReconstructionDisplay",
    "plot_embedding",
    "plot_explained_variance",
    "plot_reconstructions",
]


class ExplainedVarianceDisplay(Display):
    """Cumulative explained variance of a PCA, with the components each threshold needs.

    Parameters
    ----------
    explained_variance_ratio : array-like of shape (n_components,)
        Each component's fraction of the variance (a fitted PCA's
        ``explained_variance_ratio_``).

    Attributes
    ----------
    n_components_needed_ : dict of float to int
        Components needed for each threshold the PCA reaches.
    figure_ : matplotlib.figure.Figure
        The figure drawn into.
    ax_ : matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> from mnistkit.plotting import ExplainedVarianceDisplay
    >>> display = ExplainedVarianceDisplay([0.5, 0.3, 0.15, 0.05]).plot()
    >>> display.n_components_needed_
    {0.8: 2, 0.9: 3, 0.95: 3}
    """

    def __init__(self, explained_variance_ratio):
        self.explained_variance_ratio = explained_variance_ratio

    @classmethod
    def from_estimator(cls, pca, *, ax=None, **plot_params):
        """Draw the explained variance of a fitted PCA.

        Parameters
        ----------
        pca : sklearn.decomposition.PCA
            Fitted (anything with ``explained_variance_ratio_`` and ``components_``).
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display : ExplainedVarianceDisplay
        """
        check_fitted_pca(pca)
        return cls(pca.explained_variance_ratio_).plot(ax=ax, **plot_params)

    def plot(self, *, thresholds=(0.8, 0.9, 0.95), title=None, ax=None):
        """Draw the curve and the bars.

        Parameters
        ----------
        thresholds : tuple of float, default=(0.8, 0.9, 0.95)
            Variance fractions to mark.
        title : str, default=None
            Title.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.

        Returns
        -------
        display : ExplainedVarianceDisplay
        """
        from ..decomposition import n_components_for_variance

        ratio = np.asarray(self.explained_variance_ratio, dtype=float)
        if ratio.ndim != 1 or len(ratio) == 0:
            raise ValueError(
                "explained_variance_ratio must be a non-empty 1-d array (a fitted PCA's "
                f"explained_variance_ratio_); got shape {ratio.shape}."
            )
        cumulative = np.cumsum(ratio)
        ax = self._axes(ax, figsize=(6, 4))
        components = np.arange(1, len(cumulative) + 1)
        ax.plot(components, cumulative, label="cumulative")
        ax.bar(components, ratio, color="tab:orange", alpha=0.6, label="per component")
        self.n_components_needed_ = {}
        for threshold in thresholds:
            if cumulative[-1] >= threshold:
                needed = n_components_for_variance(ratio, threshold)
                self.n_components_needed_[threshold] = needed
                ax.axhline(threshold, color="grey", linestyle=":", linewidth=1)
                ax.annotate(
                    f"{threshold:.0%}: {needed}",
                    (needed, threshold),
                    textcoords="offset points",
                    xytext=(5, -12),
                    fontsize=8,
                )
        ax.set_xlabel("Number of components")
        ax.set_ylabel("Explained variance ratio")
        ax.set_ylim(0, 1.02)
        ax.legend(loc="center right")
        ax.set_title(title or "PCA explained variance")
        return self


class ReconstructionDisplay(Display):
    """Original images (first column) and their PCA reconstructions from k components.

    Parameters
    ----------
    images : ndarray of shape (n_images, height, width)
        The originals.
    reconstructions : dict of int to ndarray of shape (n_images, height, width)
        The reconstruction from each number of components.

    Attributes
    ----------
    figure_ : matplotlib.figure.Figure
        The figure drawn into.
    ax_ : matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from mnistkit.datasets import load_mnist
    >>> from mnistkit.plotting import ReconstructionDisplay
    >>> X, _ = load_mnist(subset="test", return_X_y=True)
    >>> pca = PCA(20).fit(X[:1000] / 255)
    >>> display = ReconstructionDisplay.from_estimator(pca, X[:3] / 255, n_components=(5, 20))
    >>> sorted(display.reconstructions)
    [5, 20]
    """

    def __init__(self, images, reconstructions):
        self.images = images
        self.reconstructions = reconstructions

    @classmethod
    def from_estimator(
        cls, pca, images, *, n_components=(5, 20, 50, 200), n_images=5, ax=None, **plot_params
    ):
        """Reconstruct images from a fitted PCA's first k components and draw them.

        Parameters
        ----------
        pca : sklearn.decomposition.PCA
            Fitted on flat rows with at least ``max(n_components)`` components.
        images : ndarray of shape (n_samples, height, width) or (n_samples, n_pixels)
            Images to reconstruct (in the scale the PCA was fitted on).
        n_components : tuple of int, default=(5, 20, 50, 200)
            Numbers of components, one column each.
        n_images : int, default=5
            Rows (the first images).
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display : ReconstructionDisplay
        """
        from ..decomposition import pca_reconstruct

        check_fitted_pca(pca)
        too_many = [k for k in n_components if not 1 <= k <= len(pca.components_)]
        if too_many:
            raise ValueError(
                f"n_components {too_many} must be between 1 and the {len(pca.components_)} "
                "components the PCA was fitted with."
            )
        images = as_images(images)[:n_images]
        flat = images.reshape(len(images), -1)
        reconstructions = {
            k: pca_reconstruct(pca, flat, n_components=k).reshape(images.shape)
            for k in n_components
        }
        return cls(images, reconstructions).plot(ax=ax, **plot_params)

    def plot(self, *, title=None, ax=None):
        """Draw one row per image: the original, then each reconstruction.

        Parameters
        ----------
        title : str, default=None
            Title.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.

        Returns
        -------
        display : ReconstructionDisplay
        """
        images = as_images(self.images)
        columns = [images] + [as_images(r) for r in self.reconstructions.values()]
        tiles = np.stack(columns, axis=1).reshape(-1, *images.shape[1:])
        captions = ["original", *[f"k={k}" for k in self.reconstructions]] * len(images)
        ax = image_mosaic(tiles, captions, n_cols=len(columns), ax=ax)
        self.ax_, self.figure_ = ax, ax.figure
        ax.set_title(title or "PCA reconstructions")
        return self


class EmbeddingDisplay(Display):
    """Scatter plot of a 2-d embedding (PCA, UMAP, ...) coloured by label or cluster.

    Parameters
    ----------
    embedding : ndarray of shape (n_samples, 2)
        Coordinates.
    labels : array-like of shape (n_samples,)
        Colour of each point (true labels or cluster ids).

    Attributes
    ----------
    points_ : matplotlib.collections.PathCollection
        The points drawn.
    figure_ : matplotlib.figure.Figure
        The figure drawn into.
    ax_ : matplotlib.axes.Axes
        The axes drawn into.

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from mnistkit.datasets import load_mnist
    >>> from mnistkit.plotting import EmbeddingDisplay
    >>> X, y = load_mnist(subset="test", return_X_y=True)
    >>> pca = PCA(2).fit(X[:1000] / 255)
    >>> display = EmbeddingDisplay.from_estimator(pca, X[:500] / 255, y[:500])
    >>> len(display.points_.get_offsets())
    500
    """

    def __init__(self, embedding, labels):
        self.embedding = embedding
        self.labels = labels

    @classmethod
    def from_estimator(cls, transformer, X, labels, *, ax=None, **plot_params):
        """Transform ``X`` with a fitted 2-d transformer (PCA(2), UMAP, ...) and draw it.

        Parameters
        ----------
        transformer : fitted transformer
            With ``transform`` giving two columns.
        X : array-like
            The samples to embed.
        labels : array-like of shape (n_samples,)
            Colour of each point.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.
        **plot_params
            Passed to :meth:`plot`.

        Returns
        -------
        display : EmbeddingDisplay
        """
        if not hasattr(transformer, "transform"):
            raise TypeError(
                f"from_estimator needs a fitted transformer with transform(); got "
                f"{type(transformer).__name__}. For coordinates you have, use "
                "EmbeddingDisplay(embedding, labels).plot()."
            )
        return cls(transformer.transform(X), labels).plot(ax=ax, **plot_params)

    def plot(self, *, title=None, label_name="label", max_points=20_000, random_state=0, ax=None):
        """Draw the points.

        Parameters
        ----------
        title : str, default=None
            Title.
        label_name : str, default="label"
            Name of the colour bar.
        max_points : int, default=20000
            Points drawn at most (a random subset beyond that, for readability and speed).
        random_state : int, default=0
            Seed of that subset.
        ax : matplotlib.axes.Axes, default=None
            Where to draw; ``None`` makes a new pyplot figure.

        Returns
        -------
        display : EmbeddingDisplay
        """
        embedding = np.asarray(self.embedding)
        if embedding.ndim != 2 or embedding.shape[1] != 2:
            raise ValueError(
                f"embedding must have shape (n_samples, 2); got {embedding.shape}. Reduce to "
                "two dimensions first (e.g. PCA(n_components=2))."
            )
        labels = np.asarray(self.labels)
        if len(labels) != len(embedding):
            raise ValueError(
                f"labels has {len(labels)} entries but embedding has {len(embedding)} points."
            )
        if len(embedding) > max_points:
            rng = np.random.default_rng(random_state)
            keep = rng.choice(len(embedding), max_points, replace=False)
            embedding, labels = embedding[keep], labels[keep]
        classes, codes = np.unique(labels, return_inverse=True)
        ax = self._axes(ax, figsize=(6.5, 5.5))
        self.points_ = ax.scatter(
            embedding[:, 0],
            embedding[:, 1],
            c=codes,
            s=2,
            cmap="tab10" if len(classes) <= 10 else "tab20",
            alpha=0.7,
        )
        colorbar = ax.figure.colorbar(
            self.points_, ax=ax, ticks=np.arange(len(classes)), label=label_name
        )
        colorbar.ax.set_yticklabels([str(c) for c in classes])
        ax.set_xlabel("component 1")
        ax.set_ylabel("component 2")
        ax.set_title(title or f"2-d embedding of {len(embedding)} points")
        return self


@shortcut_of(ExplainedVarianceDisplay.from_estimator, ExplainedVarianceDisplay.plot)
def plot_explained_variance(pca, *, thresholds=(0.8, 0.9, 0.95), ax=None, title=None):
    """Cumulative explained variance of a fitted PCA, with the components each threshold needs.

    A shortcut for ``ExplainedVarianceDisplay.from_estimator(pca, ...).ax_``.

    {parameters}
    """
    display = ExplainedVarianceDisplay.from_estimator(
        pca, thresholds=thresholds, title=title, ax=ax
    )
    return display.ax_


@shortcut_of(ReconstructionDisplay.from_estimator, ReconstructionDisplay.plot)
def plot_reconstructions(
    pca, images, *, n_components=(5, 20, 50, 200), n_images=5, ax=None, title=None
):
    """Original images (first column) and their PCA reconstructions from k components.

    A shortcut for ``ReconstructionDisplay.from_estimator(pca, images, ...).ax_``.

    {parameters}
    """
    display = ReconstructionDisplay.from_estimator(
        pca, images, n_components=n_components, n_images=n_images, title=title, ax=ax
    )
    return display.ax_


@shortcut_of(EmbeddingDisplay, EmbeddingDisplay.plot)
def plot_embedding(
    embedding, labels, *, ax=None, title=None, label_name="label", max_points=20_000, random_state=0
):
    """Scatter plot of a 2-d embedding (PCA, UMAP, ...) coloured by label or cluster.

    A shortcut for ``EmbeddingDisplay(embedding, labels).plot(...).ax_``.

    {parameters}
    """
    display = EmbeddingDisplay(embedding, labels).plot(
        title=title,
        label_name=label_name,
        max_points=max_points,
        random_state=random_state,
        ax=ax,
    )
    return display.ax_
